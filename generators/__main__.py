"""`python -m generators`: regenerate all committed test data in place (`make generate`: samples, databases.csv,
templates, report rules); `python -m generators national --out DIR ...`: a national-scale round (generators/national.py)."""

from datetime import datetime
from pathlib import Path

import click


@click.group(invoke_without_command=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Without a command: regenerate the committed samples, templates and report rules."""
    if ctx.invoked_subcommand is None:
        from generators import report_rules, samples_domains, samples_tasks, templates

        samples_tasks.main()
        samples_domains.main()
        templates.main()
        for report in sorted(p.stem for p in report_rules.RELATIONS.glob("*.csv")):
            print(f"wrote {report_rules.main(report)}")


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder for the files (an inbox).")
@click.option("--days", type=click.IntRange(1, 92), default=30, show_default=True, help="Daily reporting dates from --start.")
@click.option("--scale", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="1.0 = 1,000,000 task rows over the whole round (56 agencies x tasks x days).")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default="2025-10-01", show_default=True,
              help="First reporting date (task files are accepted in the open period 2025-Q4).")
@click.option("--faults", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of summary and budget files given a planted fault.")
@click.option("--truth", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the ground truth CSV.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def national(out: Path, days: int, scale: float, seed: int, start: datetime, faults: float, truth: Path | None,
             quiet: bool) -> None:
    """Write a national-scale round of valid files (and planted faults, with --faults and --truth)."""
    from generators.national import generate

    r = generate(out, days, scale, seed, start.date(), faults, truth, progress=not quiet)
    click.echo(f"wrote {len(r.files)} files, {r.task_rows:,} task rows, {len(r.truth)} planted faults into {out}")


cli()
