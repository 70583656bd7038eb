"""`make run`'s console (pipelines/cli.py), dbt target pruning, and `make dev`'s sensors on a loaded warehouse.

One private warehouse loaded from a copy of the shipped samples by the console runner three times
(first load, nothing changed, verbose); each expected count is read from the audit tables or the
dbt manifest here, not from what the runner computed.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import time

import duckdb
import pytest

from conftest import PROJECT
from pipelines.settings import Settings


@pytest.fixture(scope="module")
def console_runs(tmp_path_factory):
    from dagster import DagsterInstance

    from pipelines.cli import run_full_load

    root = tmp_path_factory.mktemp("console")
    inbox = root / "inbox"
    shutil.copytree(PROJECT / "sources" / "samples", inbox, ignore=shutil.ignore_patterns("README.md"))
    settings = Settings.explicit(home=PROJECT, warehouse_dir=root / "wh", inbox_dir=inbox)
    outputs = []
    with DagsterInstance.ephemeral() as instance:
        for verbose in (False, False, True):
            out = io.StringIO()
            ok = run_full_load(settings, out, verbose=verbose, instance=instance)
            outputs.append((ok, out.getvalue(), (settings.warehouse_dir / "logs" / "last_run.log").read_text()))
    return settings, outputs


def _audit(settings: Settings, sql: str):
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_first_run_prints_one_line_per_stage_with_the_warehouse_counts(console_runs):
    settings, [(ok, text, dbt_log), *_] = console_runs
    files = dict(_audit(settings, "SELECT status, count(*) FROM audit.submissions GROUP BY status"))
    # echoes of rejected files are counted apart from the errors and warnings, in the rules line and the summary alike
    [(errors, warnings, echoes)] = _audit(settings, "SELECT count(*) FILTER (severity = 'error' AND echo_of_file IS NULL), "
                                                    "count(*) FILTER (severity = 'warning' AND echo_of_file IS NULL), "
                                                    "count(*) FILTER (echo_of_file IS NOT NULL) FROM audit.dq_findings")
    manifest = json.loads((PROJECT / "dbt_project" / "target" / "manifest.json").read_text())
    kinds = [n["resource_type"] for n in manifest["nodes"].values()]
    accepted, rejected = files.pop("accepted"), sum(files.values())
    report = settings.reports_dir / "dq_report.html"
    tables = _audit(settings, "SELECT count(*) FROM duckdb_tables() WHERE schema_name IN ('marts', 'audit')")[0][0]
    size_mb = settings.analyst_path.stat().st_size / 1e6
    lines = text.splitlines()
    assert ok and accepted == 402 and echoes == 0  # the samples' rejected files leave no echo: none is shown
    assert lines[:4] == [
        f"ingest   {accepted + rejected} files: {accepted} accepted, {rejected} rejected, 0 skipped (already loaded)",
        f"dbt      full refresh: {kinds.count('model')} models built, {kinds.count('test')} tests (0 failed)",
        lines[2], lines[3]]
    assert re.fullmatch(rf"rules    {errors} errors, {warnings} warnings \(\d+ figures checked\)", lines[2])
    assert re.fullmatch(r"GX       \d+ expectation results, \d+ failed, [1-9]\d* batches validated now", lines[3])
    assert lines[4] == f"report   {report}"
    assert re.fullmatch(rf"publish  {re.escape(str(settings.analyst_path))}: {size_mb:.1f} MB, {tables} of {tables} "
                        rf"tables written, 0 reporting dates replaced, in \d+\.\d s", lines[5])
    assert lines[6:8] == ["", f"Files:    {accepted} accepted, {rejected} rejected"]
    assert lines[8] == f"Findings: {errors} errors, {warnings} warnings"
    # the first evaluation of the warehouse: every finding is new (audit.dq_findings.lifecycle)
    [(new, total)] = _audit(settings, "SELECT count(*) FILTER (lifecycle = 'new'), count(*) FROM audit.dq_findings")
    assert new == total == errors + warnings
    assert lines[9] == f"          all {new} new: the first evaluation of this warehouse"
    assert lines[10] == "Next:     make sql   (query the analyst copy, analyst.duckdb)"
    assert lines[11].lstrip().startswith("make dev") and lines[12].lstrip().startswith(f"open {report}")
    assert "DEBUG" not in text and "\x1b[" not in text
    # dbt's own lines went to the log file, not the console
    assert "Running with dbt=" in dbt_log and "Running with dbt=" not in text


def test_a_second_run_says_nothing_changed_in_one_line(console_runs):
    settings, [_, (ok, text, _), _] = console_runs
    [(accepted, rejected)] = _audit(settings, "SELECT count(*) FILTER (status = 'accepted'), "
                                              "count(*) FILTER (status <> 'accepted') FROM audit.submissions")
    [(errors, warnings, echoes)] = _audit(settings, "SELECT count(*) FILTER (severity = 'error' AND echo_of_file IS NULL), "
                                                    "count(*) FILTER (severity = 'warning' AND echo_of_file IS NULL), "
                                                    "count(*) FILTER (echo_of_file IS NOT NULL) FROM audit.dq_findings")
    lines = text.splitlines()
    assert ok and lines[:6] == [
        f"ingest   {accepted + rejected} files: 0 accepted, 0 rejected, {accepted + rejected} skipped (already loaded)",
        "dbt      skipped: nothing changed since the last build",
        "rules    skipped: nothing changed", "GX       skipped: nothing changed", "report   unchanged",
        f"publish  {settings.analyst_path} holds the last build: unchanged"]
    assert lines[7] == (f"Nothing changed since the last run: {accepted} files accepted, {rejected} rejected; "
                        f"{errors} errors, {warnings} warnings.")
    assert echoes == 0
    assert "DEBUG" not in text and "\x1b[" not in text


def test_echoes_of_rejected_files_are_counted_apart_in_the_rules_line_and_the_summary_alike(tmp_path):
    from pipelines.cli import read_state, rules_line, summary_lines

    settings = Settings.explicit(home=PROJECT, warehouse_dir=tmp_path / "wh")
    settings.warehouse_dir.mkdir()
    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.execute("""CREATE SCHEMA audit;
            CREATE TABLE audit.submissions AS SELECT * FROM (VALUES ('accepted'), ('accepted'), ('rejected')) v(status);
            CREATE TABLE audit.dq_findings AS SELECT * FROM (VALUES ('error', NULL), ('error', 'f.xlsx'), ('error', NULL),
                ('warning', NULL), ('warning', 'f.xlsx'), ('warning', 'g.csv')) v(severity, echo_of_file)""")
    before = read_state(settings)
    assert (before.accepted, before.rejected, before.errors, before.warnings, before.echoes) == (2, 1, 2, 1, 3)
    # the rules step's metadata: errors and warnings without the echoes, every finding in the row count
    assert rules_line({"errors": 2, "warnings": 1, "dagster/row_count": 6, "figures": 40}) == (
        "rules    2 errors, 1 warning, 3 echoes of rejected files (40 figures checked)")
    assert summary_lines(before, before, settings, nothing_new=True)[0] == (
        "Nothing changed since the last run: 2 files accepted, 1 rejected; 2 errors, 1 warning, 3 echoes of rejected files.")
    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.execute("DELETE FROM audit.dq_findings WHERE echo_of_file IS NOT NULL")
    after = read_state(settings)
    assert summary_lines(before, after, settings, nothing_new=False)[1] == (
        "Findings: 2 errors, 1 warning, 0 echoes of rejected files (-3 since the last run)")


def test_new_persisting_and_resolved_come_from_the_findings_history_of_the_runs_evaluation(tmp_path):
    from pipelines.cli import Lifecycle, State, read_lifecycle, summary_lines

    settings = Settings.explicit(home=PROJECT, warehouse_dir=tmp_path / "wh")
    settings.warehouse_dir.mkdir()
    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.execute("""CREATE SCHEMA audit;
            CREATE TABLE audit.dq_runs AS SELECT * FROM (VALUES ('run-1', 1), ('run-2', 2), ('run-3', 3)) v(run_id, run_seq);
            CREATE TABLE audit.dq_finding_history AS SELECT * FROM (VALUES
                ('run-1', 'a', 'new'), ('run-1', 'b', 'new'), ('run-1', 'c', 'new'),
                ('run-2', 'a', 'persisting'), ('run-2', 'b', 'persisting'), ('run-2', 'c', 'resolved'),
                ('run-2', 'd', 'new'), ('run-2', 'e', 'new')) v(run_id, finding_id, state)""")
    assert read_lifecycle(settings, "run-1") == Lifecycle(first=True, new=3, persisting=0, resolved=0)
    assert read_lifecycle(settings, "run-2") == Lifecycle(first=False, new=2, persisting=2, resolved=1)
    # an evaluation that found nothing, after one that found some: all resolved
    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.execute("INSERT INTO audit.dq_finding_history VALUES ('run-3', 'a', 'resolved'), ('run-3', 'b', 'resolved'), "
                    "('run-3', 'd', 'resolved'), ('run-3', 'e', 'resolved')")
    assert read_lifecycle(settings, "run-3") == Lifecycle(first=False, new=0, persisting=0, resolved=4)
    assert read_lifecycle(settings, "a-run-that-evaluated-nothing") is None
    before, after = State(10, 1, 2, 1, 0), State(11, 1, 2, 2, 0)
    assert summary_lines(before, after, settings, False, read_lifecycle(settings, "run-2"))[:3] == [
        "Files:    11 accepted (+1 since the last run), 1 rejected",
        "Findings: 2 errors, 2 warnings",
        "          since the last evaluation: 2 new, 2 persisting, 1 resolved"]


def test_verbose_shows_debug_events(console_runs):
    _, [*_, (ok, text, _)] = console_runs
    assert ok and re.search(r"^  DEBUG   agency_submissions: ", text, re.M)
    assert "Nothing changed since the last run" in text


def test_pruning_keeps_the_newest_dbt_target_folders(tmp_path):
    from pipelines.run_hygiene import prune_dbt_targets

    names = [f"warehouse_models-{i:07x}-abc{i:04d}" for i in range(8)]
    for age, name in enumerate(names):
        (tmp_path / name).mkdir()
        (tmp_path / name / "run_results.json").write_text("{}")
        os.utime(tmp_path / name, (1_000_000 + age, 1_000_000 + age))  # names[7] is the newest
    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "compiled").mkdir()
    removed = prune_dbt_targets(tmp_path, keep=3)
    assert sorted(p.name for p in removed) == names[:5]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["compiled", "manifest.json", *names[5:]])
    # a folder modified within the hour may be another warehouse's dbt still running: kept, even beyond `keep`
    os.utime(tmp_path / names[5], (time.time() - 60, time.time() - 60))
    os.utime(tmp_path / names[6], (time.time() - 30, time.time() - 30))
    assert prune_dbt_targets(tmp_path, keep=1) == [tmp_path / names[7]]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["compiled", "manifest.json", names[5], names[6]])


def test_the_sensor_starts_from_what_is_loaded_and_asks_for_new_files_and_their_round_report(console_runs):
    from dagster import DagsterInstance, DagsterRun, build_run_status_sensor_context, build_sensor_context
    from dagster._core.events import DagsterEvent, DagsterEventType

    from pipelines.definitions import build_definitions

    settings, _ = console_runs
    defs = build_definitions(settings)
    sensor = defs.resolve_sensor_def("inbox_sensor")
    with DagsterInstance.ephemeral() as instance:
        first = sensor(build_sensor_context(instance=instance))
        assert not first.run_requests
        assert first.skip_reason.skip_message == f"every file in {settings.inbox_dir} is already loaded (400 files)"
        assert len(json.loads(first.cursor)) == 400

        new = settings.inbox_dir / "2026-03-31" / "CAO_BANG__budget__2026-03-31.csv"
        new.parent.mkdir()
        shutil.copy(settings.inbox_dir / "2024-12-31" / "CAO_BANG__budget__2024-12-31.csv", new)
        second = sensor(build_sensor_context(instance=instance, cursor=first.cursor))
        [request] = second.run_requests
        assert request.tags["r57/files"] == "1" and request.tags["r57/reporting_dates"] == "2026-03-31"
        assert [r.partition_keys for r in second.dynamic_partitions_requests] == [["2026-03-31"]]

        # that load succeeded: the round report of its date is asked for
        run = DagsterRun(job_name="full_load", run_id="0123abcd", tags=request.tags)
        after = defs.resolve_sensor_def("round_reports_after_load")
        context = build_run_status_sensor_context(
            sensor_name="round_reports_after_load", dagster_instance=instance, dagster_run=run,
            dagster_event=DagsterEvent(DagsterEventType.RUN_SUCCESS.value, job_name="full_load"))
        [report] = after(context)
        assert (report.partition_key, report.run_key) == ("2026-03-31", "0123abcd:2026-03-31")


def test_make_run_full_refresh_reaches_the_dbt_steps_run_config(tmp_path, monkeypatch):
    """Makefile -> `cli run --full-refresh` -> run_full_load -> the job's run config, each link without running the job."""
    import subprocess

    from click.testing import CliRunner
    from dagster import JobDefinition, validate_run_config

    import pipelines.cli as cli

    def make_line(*variables: str) -> str:
        done = subprocess.run(["make", "-n", "-s", "run", *variables], cwd=PROJECT, capture_output=True, text=True,
                              env={**os.environ, "DAGSTER_HOME": str(tmp_path)})
        return done.stdout.splitlines()[-1].split()

    assert make_line("FULL_REFRESH=1")[-3:] == ["pipelines.cli", "run", "--full-refresh"]
    assert make_line("FULL_REFRESH=0")[-2:] == make_line()[-2:] == ["pipelines.cli", "run"]

    calls = []
    monkeypatch.setattr(cli, "load_settings", lambda: "the settings")
    monkeypatch.setattr(cli, "run_full_load", lambda settings, out, verbose=False, full_refresh=False:
                        calls.append((settings, verbose, full_refresh)) or True)
    assert CliRunner().invoke(cli.main, ["run", "--full-refresh"]).exit_code == 0
    assert calls == [("the settings", False, True)]
    monkeypatch.undo()

    class Started(Exception):
        pass

    def execute_in_process(job, run_config=None, **_):
        raise Started(job, run_config)

    monkeypatch.setattr(JobDefinition, "execute_in_process", execute_in_process)
    settings = Settings.explicit(home=PROJECT, warehouse_dir=tmp_path / "wh")
    with pytest.raises(Started) as started:
        cli.run_full_load(settings, io.StringIO(), full_refresh=True)
    job, config = started.value.args
    assert job.name == "full_load"
    # the config is valid for the job, and the dbt step (DbtStepConfig) gets full_refresh
    assert validate_run_config(job, config)["ops"]["warehouse_models"]["config"] == {"full_refresh": True}
    with pytest.raises(Started) as started:
        cli.run_full_load(settings, io.StringIO())
    assert validate_run_config(*started.value.args)["ops"]["warehouse_models"]["config"] == {"full_refresh": False}
