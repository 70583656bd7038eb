"""`make run`'s console: the full_load job run in this process, told as one line per stage and a summary.

`python -m pipelines.cli run` runs the job with Dagster's console logger replaced by a plain one
(no colour codes) at WARNING, so only what needs a reader's eye is shown while the run goes on; dbt's
own output (dagster-dbt writes it to stdout) goes to <warehouse>/logs/last_run.log. After the run,
each stage's line is told from the run's own events (the counts its assets attach to their
materializations), and the summary from the audit tables, read before and after the run, so
"new since the last run" is exact without storing anything. `--verbose` (`make run VERBOSE=1`)
shows every event, DEBUG included, and dbt's output, as `dagster job execute` does.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import click
from dagster import AssetKey, DagsterEventType, DagsterInstance, Field, logger

from pipelines.assets.coverage import is_coverage_check
from pipelines.assets.ingest import SUBMISSIONS
from pipelines.assets.quality import DQ_FINDINGS, GX_RESULTS
from pipelines.settings import Settings, load_settings

JOB = "full_load"
DQ_REPORT = AssetKey(["report", "dq_report"])


def _plain_console(stream):
    """A Dagster logger writing `LEVEL step: message` lines to `stream`, without colour."""

    @logger(config_schema={"log_level": Field(str, default_value="WARNING")},
            description="Plain console lines (no colour codes), for make run.")
    def plain_console(init_context):
        log = logging.Logger("r57_console", level=init_context.logger_config["log_level"])
        handler = logging.StreamHandler(stream)

        class Plain(logging.Formatter):
            def format(self, record):
                meta = getattr(record, "dagster_meta", {}) or {}
                where = meta.get("step_key") or "run"
                return f"  {record.levelname:7} {where}: {meta.get('orig_message', record.getMessage())}"

        handler.setFormatter(Plain())
        log.addHandler(handler)
        return log

    return plain_console


@dataclass(frozen=True)
class State:
    """What the audit tables hold: files by status, findings by severity."""

    accepted: int = 0
    rejected: int = 0
    errors: int = 0
    warnings: int = 0


def read_state(settings: Settings) -> State | None:
    """The warehouse's audit counts, or None when there is no warehouse yet."""
    if not settings.duckdb_path.exists():
        return None
    from pipelines.warehouse import connect

    with connect(settings.duckdb_path, read_only=True, wait_seconds=settings.lock_wait_seconds) as con:
        tables = {t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'audit'").fetchall()}
        files = dict(con.execute("SELECT status, count(*) FROM audit.submissions GROUP BY status").fetchall()) \
            if "submissions" in tables else {}
        findings = dict(con.execute("SELECT severity, count(*) FROM audit.dq_findings GROUP BY severity").fetchall()) \
            if "dq_findings" in tables else {}
    return State(files.get("accepted", 0), sum(n for s, n in files.items() if s != "accepted"),
                 findings.get("error", 0), findings.get("warning", 0))


def _built_by(settings: Settings, run_id: str) -> bool | None:
    """Whether this run rebuilt the marts whole (True), incrementally (False), or not at all (None)."""
    from pipelines.warehouse import connect

    with connect(settings.duckdb_path, read_only=True, wait_seconds=settings.lock_wait_seconds) as con:
        row = con.execute("SELECT full_refresh FROM audit.build_state WHERE run_id = ?", [run_id]).fetchall()
    return bool(row[0][0]) if row else None


def _delta(now: int, before: int | None) -> str:
    return "" if before is None or now == before else f" ({now - before:+d} since the last run)"


def stage_lines(result, settings: Settings) -> list[str]:
    """One line per stage, from the run's materializations and check evaluations."""
    meta = {e.asset_key: {k: v.value for k, v in e.materialization.metadata.items()}
            for e in result.get_asset_materialization_events()}
    checks = [e.event_specific_data for e in result.all_events
              if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION]
    sub = meta.get(SUBMISSIONS, {})
    lines = [f"ingest   {sub.get('files_seen', 0)} files: {sub.get('files_accepted', 0)} accepted, "
             f"{sub.get('files_rejected', 0)} rejected, "
             f"{sub.get('files_seen', 0) - sub.get('files_new', 0)} skipped (already loaded)"]
    models = [k for k in meta if k.path[0] in ("staging", "intermediate", "marts")]
    dbt_checks = [c for c in checks if c.asset_key.path[0] in ("staging", "intermediate", "marts")
                  and not is_coverage_check(c.asset_key, c.check_name)]  # the freshness checks are no dbt tests
    mode = _built_by(settings, result.run_id)
    if mode is None:
        lines.append("dbt      skipped: nothing changed since the last build")
    else:
        failed = sum(not c.passed for c in dbt_checks)
        lines.append(f"dbt      {'full refresh' if mode else 'incremental'}: {len(models)} models built, "
                     f"{len(dbt_checks)} tests ({failed} failed)")
    rules = meta.get(DQ_FINDINGS)
    lines.append(f"rules    {rules['errors']} errors, {rules['warnings']} warnings ({rules['figures']} figures checked)"
                 if rules else "rules    skipped: nothing changed")
    gx = meta.get(GX_RESULTS)
    lines.append(f"GX       {gx['dagster/row_count']} expectation results, {gx['failed']} failed, "
                 f"{gx['batches_validated_now']} batches validated now" if gx else "GX       skipped: nothing changed")
    report = meta.get(DQ_REPORT)
    lines.append(f"report   {report['html']}" if report else "report   unchanged")
    return lines


def summary_lines(before: State | None, after: State | None, settings: Settings, nothing_new: bool) -> list[str]:
    report = settings.reports_dir / "dq_report.html"
    if after is None:
        return []
    if nothing_new and before == after:
        head = [f"Nothing changed since the last run: {after.accepted} files accepted, {after.rejected} rejected; "
                f"{after.errors} errors, {after.warnings} warnings."]
    else:
        b = before or State()
        head = [f"Files:    {after.accepted} accepted{_delta(after.accepted, b.accepted if before else None)}, "
                f"{after.rejected} rejected{_delta(after.rejected, b.rejected if before else None)}",
                f"Findings: {after.errors} errors{_delta(after.errors, b.errors if before else None)}, "
                f"{after.warnings} warnings{_delta(after.warnings, b.warnings if before else None)}"]
    return head + ["Next:     make sql   (query the warehouse)",
                   "          make dev   (Dagster UI on http://127.0.0.1:3000; loads new inbox files by itself)",
                   f"          open {report}   (findings also in dq_findings.csv and .xlsx beside it)"]


def run_full_load(settings: Settings, out, verbose: bool = False, instance: DagsterInstance | None = None) -> bool:
    """Run full_load on `settings`, writing the stage lines and the summary to `out`; True if the run succeeded."""
    from pipelines.definitions import build_definitions

    before = read_state(settings)
    job = build_definitions(settings).resolve_job_def(JOB).with_logger_defs({"console": _plain_console(out)})
    run_config = {"loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "WARNING"}}}}
    log_path = settings.warehouse_dir / "logs" / "last_run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if not verbose:  # dbt's own lines, which dagster-dbt prints to stdout
            stack.enter_context(contextlib.redirect_stdout(stack.enter_context(open(log_path, "w"))))
        inst = instance or stack.enter_context(DagsterInstance.get())
        result = job.execute_in_process(instance=inst, run_config=run_config, raise_on_error=False)
    for line in stage_lines(result, settings):
        print(line, file=out)
    if not result.success:
        failure = next((e for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE), None)
        print(f"FAILED   {failure.step_key if failure else 'run'}: "
              f"{failure.event_specific_data.error.message.strip() if failure else 'see the run in make dev'}", file=out)
        return False
    sub = next((e.materialization.metadata for e in result.get_asset_materialization_events()
                if e.asset_key == SUBMISSIONS), {})
    nothing_new = sub.get("files_new") is not None and sub["files_new"].value == 0
    print(file=out)
    for line in summary_lines(before, read_state(settings), settings, nothing_new):
        print(line, file=out)
    if not verbose and log_path.stat().st_size:  # dbt ran
        print(f"          dbt's output: {log_path}", file=out)
    return True


@click.group()
def main():
    """The warehouse from the command line."""


@main.command()
@click.option("--verbose", "-v", is_flag=True, help="Show every event (DEBUG included) and dbt's output.")
def run(verbose: bool):
    """Load the inbox, build the marts, evaluate the rules, write the report (job full_load)."""
    ok = run_full_load(load_settings(), sys.stdout, verbose=verbose)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
