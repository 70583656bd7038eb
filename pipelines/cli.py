"""`make run`'s console: the full_load job run in this process, told as one line per stage and a summary.

`python -m pipelines.cli run` runs the job with Dagster's console logger replaced by a plain one
(no colour codes) at WARNING, so only what needs a reader's eye is shown while the run goes on; dbt's
own output (dagster-dbt writes it to stdout) goes to <warehouse>/logs/last_run.log. After the run,
each stage's line is told from the run's own events (the counts its assets attach to their
materializations), and the summary from the audit tables: files and findings read before and after the
run, and, when the run evaluated the rules, the findings new, persisting and resolved since the previous
evaluation from audit.dq_finding_history (pipelines/quality/history.py). Findings are counted one way
throughout: errors and warnings, and apart from them the echoes of rejected files (State). `--verbose` (`make run VERBOSE=1`)
shows every event, DEBUG included, and dbt's output, as `dagster job execute` does. `--full-refresh`
(`make run FULL_REFRESH=1`) gives the dbt step its run config `full_refresh: true`: the marts are rebuilt
whole (`dbt build --full-refresh`), even with nothing new.
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
from pipelines.assets.publish import ANALYST_COPY
from pipelines.assets.quality import DQ_FINDINGS, GX_RESULTS
from pipelines.settings import Settings, load_settings

JOB = "full_load"
DBT_STEP = "warehouse_models"  # the dbt step's op (pipelines/assets/transform.py), whose config is DbtStepConfig
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
    """What the audit tables hold: files by status; findings by severity, echoes of rejected files apart.

    An echo (audit.dq_findings.echo_of_file set) exists only because that file was rejected: its figures
    are missing, not wrong. The rules step counts it apart from the errors and warnings, the report lists
    it under the rejected file and the rule's check stays green; the console counts it the same way."""

    accepted: int = 0
    rejected: int = 0
    errors: int = 0
    warnings: int = 0
    echoes: int = 0


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
        findings = con.execute(
            "SELECT count(*) FILTER (severity = 'error' AND echo_of_file IS NULL), "
            "count(*) FILTER (severity = 'warning' AND echo_of_file IS NULL), count(*) FILTER (echo_of_file IS NOT NULL) "
            "FROM audit.dq_findings").fetchone() if "dq_findings" in tables else (0, 0, 0)
    return State(files.get("accepted", 0), sum(n for s, n in files.items() if s != "accepted"), *findings)


@dataclass(frozen=True)
class Lifecycle:
    """A run's rules evaluation against the previous one (audit.dq_finding_history): findings by state."""

    first: bool      # no evaluation before it in this warehouse: every finding is new
    new: int         # open now, not open in the previous evaluation
    persisting: int  # open in both
    resolved: int    # open in the previous evaluation, gone now


def read_lifecycle(settings: Settings, run_id: str) -> Lifecycle | None:
    """The findings' states as this run's evaluation recorded them; None when it evaluated no rules."""
    from pipelines.warehouse import connect

    with connect(settings.duckdb_path, read_only=True, wait_seconds=settings.lock_wait_seconds) as con:
        row = con.execute(
            "SELECT (SELECT count(*) FROM audit.dq_runs WHERE run_seq < r.run_seq) = 0, "
            "count(*) FILTER (h.state = 'new'), count(*) FILTER (h.state = 'persisting'), "
            "count(*) FILTER (h.state = 'resolved') "
            "FROM audit.dq_runs r LEFT JOIN audit.dq_finding_history h USING (run_id) WHERE r.run_id = ? GROUP BY r.run_seq",
            [run_id]).fetchone()
    return Lifecycle(*row) if row else None


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
    lines.append(rules_line(meta.get(DQ_FINDINGS)))
    gx = meta.get(GX_RESULTS)
    lines.append(f"GX       {gx['dagster/row_count']} expectation results, {gx['failed']} failed, "
                 f"{gx['batches_validated_now']} batches validated now" if gx else "GX       skipped: nothing changed")
    report = meta.get(DQ_REPORT)
    lines.append(f"report   {report['html']}" if report else "report   unchanged")
    copy = meta.get(ANALYST_COPY)
    lines.append(f"publish  {copy['path']}: {copy['size_bytes'] / 1e6:.1f} MB, {copy['tables_written']} of "
                 f"{copy['tables_copied']} tables written, {copy['reporting_dates_replaced']} reporting dates replaced, "
                 f"in {copy['seconds']:.1f} s" if copy else f"publish  {settings.analyst_path} holds the last build: unchanged")
    return lines


def rules_line(rules: dict | None) -> str:
    """The rules step's line, from its materialization's metadata (None: the step was skipped)."""
    if rules is None:
        return "rules    skipped: nothing changed"
    # the step's errors and warnings leave the echoes of rejected files out; its row count holds every finding
    echoes = rules["dagster/row_count"] - rules["errors"] - rules["warnings"]
    return f"rules    {findings_text(rules['errors'], rules['warnings'], echoes)} ({rules['figures']} figures checked)"


def findings_text(errors: int, warnings: int, echoes: int, deltas: tuple[str, str, str] = ("", "", "")) -> str:
    """"3 errors, 5 warnings, 2 echoes of rejected files": the echoes only when there are (or were) some."""
    text = f"{errors} error{'s' if errors != 1 else ''}{deltas[0]}, {warnings} warning{'s' if warnings != 1 else ''}{deltas[1]}"
    if echoes or deltas[2]:
        text += f", {echoes} echo{'es' if echoes != 1 else ''} of rejected files{deltas[2]}"
    return text


def lifecycle_line(states: Lifecycle) -> str:
    """New, persisting and resolved since the previous evaluation: every finding, echoes included (new and
    persisting add up to the errors, warnings and echoes above them)."""
    if states.first:
        return f"          all {states.new} new: the first evaluation of this warehouse"
    return (f"          since the last evaluation: {states.new} new, {states.persisting} persisting, "
            f"{states.resolved} resolved")


def summary_lines(before: State | None, after: State | None, settings: Settings, nothing_new: bool,
                  states: Lifecycle | None = None) -> list[str]:
    """The summary: files and findings, or one line when nothing changed; then the next commands.

    states: this run's evaluation (read_lifecycle); without one (no rules evaluated, or a warehouse from
    before the findings' history), the findings' counts say how they moved since before the run."""
    report = settings.reports_dir / "dq_report.html"
    if after is None:
        return []
    if nothing_new and before == after and states is None:
        head = [f"Nothing changed since the last run: {after.accepted} files accepted, {after.rejected} rejected; "
                f"{findings_text(after.errors, after.warnings, after.echoes)}."]
    else:
        b = before or State()
        head = [f"Files:    {after.accepted} accepted{_delta(after.accepted, b.accepted if before else None)}, "
                f"{after.rejected} rejected{_delta(after.rejected, b.rejected if before else None)}"]
        if states is None:
            head.append("Findings: " + findings_text(after.errors, after.warnings, after.echoes, tuple(
                _delta(getattr(after, n), getattr(b, n) if before else None) for n in ("errors", "warnings", "echoes"))))
        else:
            head += ["Findings: " + findings_text(after.errors, after.warnings, after.echoes), lifecycle_line(states)]
    return head + [f"Next:     make sql   (query the analyst copy, {settings.analyst_path.name})",
                   "          make dev   (Dagster UI on http://127.0.0.1:3000; loads new inbox files by itself)",
                   f"          open {report}   (findings also in dq_findings.csv and .xlsx beside it)"]


def run_config(verbose: bool = False, full_refresh: bool = False) -> dict:
    """full_load's run config: the console's level, and the dbt step's full refresh when asked for."""
    config = {"loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "WARNING"}}}}
    if full_refresh:
        config["ops"] = {DBT_STEP: {"config": {"full_refresh": True}}}
    return config


def run_full_load(settings: Settings, out, verbose: bool = False, instance: DagsterInstance | None = None,
                  full_refresh: bool = False) -> bool:
    """Run full_load on `settings`, writing the stage lines and the summary to `out`; True if the run succeeded.

    full_refresh: rebuild the marts whole (the dbt step's run config), even with nothing new."""
    from pipelines.definitions import build_definitions

    before = read_state(settings)
    job = build_definitions(settings).resolve_job_def(JOB).with_logger_defs({"console": _plain_console(out)})
    log_path = settings.warehouse_dir / "logs" / "last_run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if not verbose:  # dbt's own lines, which dagster-dbt prints to stdout
            stack.enter_context(contextlib.redirect_stdout(stack.enter_context(open(log_path, "w"))))
        inst = instance or stack.enter_context(DagsterInstance.get())
        result = job.execute_in_process(instance=inst, run_config=run_config(verbose, full_refresh),
                                         raise_on_error=False)
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
    states = read_lifecycle(settings, result.run_id) if DQ_FINDINGS in {
        e.asset_key for e in result.get_asset_materialization_events()} else None
    for line in summary_lines(before, read_state(settings), settings, nothing_new, states):
        print(line, file=out)
    if not verbose and log_path.stat().st_size:  # dbt ran
        print(f"          dbt's output: {log_path}", file=out)
    return True


@click.group()
def main():
    """The warehouse from the command line."""


@main.command()
@click.option("--verbose", "-v", is_flag=True, help="Show every event (DEBUG included) and dbt's output.")
@click.option("--full-refresh", is_flag=True, help="Rebuild the marts whole (dbt build --full-refresh), even with nothing new.")
def run(verbose: bool, full_refresh: bool):
    """Load the inbox, build the marts, evaluate the rules, write the report (job full_load)."""
    ok = run_full_load(load_settings(), sys.stdout, verbose=verbose, full_refresh=full_refresh)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
