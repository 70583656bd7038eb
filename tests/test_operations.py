"""Daily operations: the schedule and the inbox sensor, a corrected file superseding the old one in
the marts (and a broken correction leaving it in force), and a load waiting on a held warehouse."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, SkipReason, build_sensor_context

from pipelines.warehouse import WarehouseLocked, connect

SAMPLES = Path(__file__).resolve().parent.parent / "sources" / "samples" / "2025-12-15"
SUMMARY = "HA_NOI__task_summary__2025-12-15.csv"


def test_schedule_and_sensor_are_defined():
    from pipelines.definitions import build_definitions
    from pipelines.settings import Settings

    defs = build_definitions(Settings.explicit())
    schedule = defs.resolve_schedule_def("daily_full_load")
    assert (schedule.cron_schedule, schedule.execution_timezone, schedule.job_name) == ("0 6 * * *", "Asia/Ho_Chi_Minh", "full_load")
    assert defs.resolve_sensor_def("inbox_sensor").job_name == "full_load"


def test_sensor_asks_for_a_run_only_when_the_inbox_changes(tmp_path):
    from pipelines.definitions import build_definitions
    from pipelines.settings import Settings

    shutil.copy(SAMPLES / SUMMARY, tmp_path / SUMMARY)
    sensor = build_definitions(Settings.explicit(inbox_dir=tmp_path)).resolve_sensor_def("inbox_sensor")
    with DagsterInstance.ephemeral() as instance:
        first = sensor(build_sensor_context(instance=instance))
        [request] = first.run_requests
        assert [r.partition_keys for r in first.dynamic_partitions_requests] == [["2025-12-15"]]
        assert isinstance(sensor(build_sensor_context(instance=instance, cursor=first.cursor)), SkipReason)
        (tmp_path / "late").mkdir()
        shutil.copy(SAMPLES / "HA_NOI__task_status__2025-12-15.csv", tmp_path / "late" / "HA_NOI__task_status__2025-12-15.csv")
        shutil.copy(SAMPLES.parent / "2025-09-30" / "HA_NOI__budget__2025-09-30.csv", tmp_path / "late" / "HA_NOI__budget__2025-09-30.csv")
        instance.add_dynamic_partitions("reporting_date", ["2025-12-15"])
        second = sensor(build_sensor_context(instance=instance, cursor=first.cursor))
        [again] = second.run_requests
        assert again.run_key != request.run_key and again.tags["r57/files"] == "2"
        assert [r.partition_keys for r in second.dynamic_partitions_requests] == [["2025-09-30"]]


def test_a_past_round_report_can_be_rerun(pipeline_runs):
    """The round of 15/12/2025, re-run from its partition: only findings citing that round's files."""
    import polars as pl

    defs = pipeline_runs["defs"]
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("reporting_date", ["2025-12-15"])
        result = defs.resolve_job_def("round_reports").execute_in_process(instance=instance, partition_key="2025-12-15")
    assert result.success
    folder = pipeline_runs["settings"].reports_dir / "rounds" / "2025-12-15"
    rules = pl.read_csv(folder / "dq_findings.csv")["rule_id"].to_list()
    assert sorted(set(rules)) == ["DB-MISSING-FROM-OWNER", "DB-STAGE-REGRESSION", "IP-GRANTED-LE-PROCESSED", "IP-YOY-GROWTH",
                                  "IP-YTD-SUM", "TS-COMPLETED-BEFORE-ASSIGNED", "TS-COMPLETED-SUM", "TS-DECLARED-VS-ROWS",
                                  "TS-ON-TIME-PAST-DEADLINE", "TS-SIX-CLEAR", "TS-TOTAL-SUM"]
    # the planted task faults, one database left out of its owner's file, one database regression, three IP faults
    assert len(rules) == 11 + 5
    assert "kỳ báo cáo 15/12/2025" in (folder / "dq_report.html").read_text(encoding="utf-8")
    assert "reporting round 15/12/2025" in (folder / "dq_report.en.html").read_text(encoding="utf-8")


def _run(run_full_load, root: Path, inbox: Path):
    result, path = run_full_load(root, inbox)
    assert result.success
    return duckdb.connect(str(path), read_only=True)


def test_a_correction_supersedes_and_a_broken_one_does_not(tmp_path, run_full_load):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in (SUMMARY, "HA_NOI__task_status__2025-12-15.csv"):
        shutil.copy(SAMPLES / name, inbox / name)
    con = _run(run_full_load, tmp_path, inbox)
    assert con.execute("SELECT declared_total FROM marts.fct_task_summary_declared WHERE agency_code = 'HA_NOI'").fetchall() == [(5,)]
    assert con.execute("SELECT count(*) FROM audit.dq_findings WHERE rule_id = 'TS-DECLARED-VS-ROWS'").fetchall() == [(2,)]
    con.close()

    # Hà Nội corrects its summary (total 4, of which 1 in progress on time) in a later file
    original = (SAMPLES / SUMMARY).read_text(encoding="utf-8-sig")
    header, row = original.strip().splitlines()
    cells = row.split(",")
    cells[1], cells[6] = "4", str(int(cells[6]) - 1)
    (inbox / "v2").mkdir()
    (inbox / "v2" / SUMMARY).write_text(header + "\n" + ",".join(cells) + "\n", encoding="utf-8")
    con = _run(run_full_load, tmp_path, inbox)
    assert con.execute("SELECT declared_total FROM marts.fct_task_summary_declared WHERE agency_code = 'HA_NOI'").fetchall() == [(4,)]
    assert con.execute("SELECT count(*) FROM audit.dq_findings WHERE rule_id = 'TS-DECLARED-VS-ROWS'").fetchall() == [(0,)]
    con.close()

    # a third version that cannot be read is rejected; the second stays in force
    cells[1] = "bốn"
    (inbox / "v3").mkdir()
    (inbox / "v3" / SUMMARY).write_text(header + "\n" + ",".join(cells) + "\n", encoding="utf-8")
    con = _run(run_full_load, tmp_path, inbox)
    assert con.execute("SELECT declared_total FROM marts.fct_task_summary_declared WHERE agency_code = 'HA_NOI'").fetchall() == [(4,)]
    versions = con.execute("SELECT version, lifecycle_status FROM audit.submission_lifecycle "
                           "WHERE file_name = ? ORDER BY version", [SUMMARY]).fetchall()
    assert versions == [(1, "superseded"), (2, "accepted"), (3, "rejected")]
    # every version stays queryable: the first one's rows are still in raw, under its own submission
    first = con.execute("SELECT r.total FROM raw.task_summary_rows r JOIN audit.submissions s USING (submission_id) "
                        "WHERE s.file_name = ? AND s.version = 1", [SUMMARY]).fetchall()
    assert first == [(5,)]
    archived = con.execute("SELECT count(DISTINCT archived_path) FROM audit.submissions WHERE file_name = ?", [SUMMARY]).fetchall()
    assert archived == [(3,)]
    con.close()


def test_a_writer_waits_for_a_reader_then_gives_up_with_a_clear_line(tmp_path):
    path = tmp_path / "r57.duckdb"
    duckdb.connect(str(path)).close()
    holder = subprocess.Popen([sys.executable, "-c",
                               f"import duckdb, time; c = duckdb.connect({str(path)!r}, read_only=True); print('held', flush=True); time.sleep(4)"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(WarehouseLocked, match=r"locked by .*PID \d+.*gave up after 1 s"):
        with connect(path, wait_seconds=1):
            pass
    said = []
    started = time.monotonic()
    with connect(path, wait_seconds=30, log=said.append) as con:  # the reader leaves after ~4 s
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    assert time.monotonic() - started > 1
    assert len(said) == 1 and "waiting up to 30 s" in said[0]
    holder.wait()
