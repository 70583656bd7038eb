"""Incremental marts (dbt_project/macros/incremental_by_reporting_date.sql) equal a full refresh, and a
changed reference file rebuilds them whole (pipelines/build_state.py).

A small generated round (3 days, 56 agencies, ~12 tasks each) is loaded in two steps; the second
brings a new day, a corrected resend of a date already loaded, a second agency's file at a date
already loaded whose claim wins a task, and a rejected resend. The warehouse the incremental build
left is then copied and rebuilt with the run config full_refresh, and every mart of the two must hold
the same rows. Each load is a real `full_load` run (~30-60 s here).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance

from conftest import PROJECT
from generators.national import STATUS, generate
from pipelines.definitions import build_definitions
from pipelines.quality.history import RUN_COLUMNS
from pipelines.settings import Settings

DAYS = ["2025-10-01", "2025-10-02", "2025-10-03"]
FORCE = {"ops": {"warehouse_models": {"config": {"full_refresh": True}}}}
INCREMENTAL_LINE = "dbt build: the incremental facts recompute only the reporting dates whose submissions in force changed"
LEAD, ASSIGNED, STATUS_COLUMN = 2, 9, 11  # columns of a task-status file


def _load(settings: Settings, run_config: dict | None = None) -> tuple[bool, list[str]]:
    """One full_load run: success and the log lines of the dbt step and the rules step."""
    with DagsterInstance.ephemeral() as instance:
        result = build_definitions(settings).resolve_job_def("full_load").execute_in_process(
            instance=instance, run_config=run_config or {}, raise_on_error=False)
        lines = [e.user_message for e in instance.all_logs(result.run_id)
                 if e.step_key in ("warehouse_models", "audit__dq_findings")]
    return result.success, lines


def _rules_line(lines: list[str]) -> str:
    (line,) = [line for line in lines if " figures (" in line]
    return line


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def _write(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def _marts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return dict(con.execute("SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall())


def _differences(left: Path, right: Path, schema: str = "marts",
                 tables: tuple[str, ...] = ()) -> dict[str, tuple[int, int, int]]:
    """Per table of the schema (every one, or these): rows only in left, rows only in right (EXCEPT ALL), rows in right."""
    with duckdb.connect(":memory:") as con:
        con.execute(f"ATTACH '{left}' AS l (READ_ONLY)")
        con.execute(f"ATTACH '{right}' AS r (READ_ONLY)")
        tables = tables or tuple(t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'r' AND schema_name = ? ORDER BY 1",
            [schema]).fetchall())
        # lifecycle and first seen say where an evaluation stands among runs, not what it found (history.RUN_COLUMNS)
        cols = {t: f"* EXCLUDE ({', '.join(RUN_COLUMNS)})" if (schema, t) == ("audit", "dq_findings") else "*" for t in tables}
        return {t: (con.execute(f"SELECT count(*) FROM (SELECT {cols[t]} FROM l.{schema}.{t} "
                                f"EXCEPT ALL SELECT {cols[t]} FROM r.{schema}.{t})").fetchone()[0],
                    con.execute(f"SELECT count(*) FROM (SELECT {cols[t]} FROM r.{schema}.{t} "
                                f"EXCEPT ALL SELECT {cols[t]} FROM l.{schema}.{t})").fetchone()[0],
                    con.execute(f"SELECT count(*) FROM r.{schema}.{t}").fetchone()[0])
                for t in tables}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("round") / "files"
    generate(folder, len(DAYS), 0.002, seed=7, progress=False)
    return folder


def _csv_task_agencies(round_dir: Path) -> list[str]:
    """Agencies whose task-status files are CSV on every day, sorted."""
    agencies = {p.name.split("__")[0] for p in round_dir.glob("*__task_status__*.csv")}
    return sorted(a for a in agencies if all((round_dir / f"{a}__task_status__{d}.csv").exists() for d in DAYS))


def test_incremental_builds_equal_a_full_refresh(tmp_path, generated):
    # B sorts before A: a row B sends claiming to lead A's task wins it (same claim strength, first file name)
    b, a = _csv_task_agencies(generated)[:2]
    withheld = generated / f"{b}__task_status__{DAYS[1]}.csv"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in generated.iterdir():
        if path.name.rsplit("__", 1)[-1][:10] in DAYS[:2] and path != withheld:
            shutil.copy(path, inbox / path.name)
    settings = Settings.explicit(home=PROJECT, warehouse_dir=tmp_path / "wh", inbox_dir=inbox)
    ok, lines = _load(settings)
    assert ok
    assert "dbt build --full-refresh: no full build of the marts is recorded in this warehouse yet" in lines

    # step 2: a new day; B's file of day 2 (a date already loaded) with a claim on A's first task;
    # A corrects day 1 (one task dropped, one status changed); A's resend of day 3 cannot be read
    for path in generated.iterdir():
        if path.name.rsplit("__", 1)[-1][:10] == DAYS[2]:
            shutil.copy(path, inbox / path.name)
    a_day2 = _read(generated / f"{a}__task_status__{DAYS[1]}.csv")
    claimed = a_day2[1].copy()
    claimed[LEAD] = b
    _write(inbox / withheld.name, _read(withheld) + [claimed])
    a_day1 = _read(generated / f"{a}__task_status__{DAYS[0]}.csv")
    corrected = [row.copy() for row in a_day1[:-1]]
    corrected[1][STATUS_COLUMN] = next(label for label in STATUS.values() if label != corrected[1][STATUS_COLUMN])
    _write(inbox / "v2" / f"{a}__task_status__{DAYS[0]}.csv", corrected)
    broken = _read(generated / f"{a}__task_status__{DAYS[2]}.csv")
    broken[1][ASSIGNED] = "31/02/2025"
    _write(inbox / "v2" / f"{a}__task_status__{DAYS[2]}.csv", broken)
    ok, lines = _load(settings)
    assert ok
    assert INCREMENTAL_LINE in lines
    assert any(line.startswith("Running dbt command: ") and " build --vars " in line for line in lines)
    assert not any("--full-refresh" in line for line in lines)
    assert "(only what the new files touched re-evaluated)" in _rules_line(lines)

    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        versions = con.execute("SELECT file_name, reporting_date::VARCHAR, version, status FROM audit.submissions "
                               "WHERE agency_code = ? AND domain = 'task_status' AND version > 1", [a]).fetchall()
        assert sorted(versions) == [(f"{a}__task_status__{DAYS[0]}.csv", DAYS[0], 2, "accepted"),
                                    (f"{a}__task_status__{DAYS[2]}.csv", DAYS[2], 2, "rejected")]
        task = f"{claimed[1]}:{claimed[0]}"
        assert con.execute("SELECT reporting_date::VARCHAR, reporting_agency_code FROM marts.fct_task_status "
                           "WHERE task_key = ? ORDER BY 1", [task]).fetchall() == [(DAYS[0], a), (DAYS[1], b), (DAYS[2], a)]
        per_date = dict(con.execute("SELECT reporting_date::VARCHAR, count(*) FROM marts.fct_task_status "
                                    "WHERE reporting_agency_code = ? GROUP BY 1", [a]).fetchall())
        assert per_date == {DAYS[0]: len(a_day1) - 2, DAYS[1]: len(a_day2) - 2, DAYS[2]: len(broken) - 1}

    # the same raw data rebuilt whole, on a copy
    shutil.copytree(tmp_path / "wh", tmp_path / "full" / "wh")
    full = Settings.explicit(home=PROJECT, warehouse_dir=tmp_path / "full" / "wh", inbox_dir=inbox)
    ok, lines = _load(full, FORCE)
    assert ok
    assert "dbt build --full-refresh: asked for (run config full_refresh)" in lines
    assert any(line.startswith("Running dbt command: ") and " build --full-refresh --vars " in line for line in lines)
    # marts rebuilt whole: the rules step re-evaluates everything (audit.build_state.full_refresh)
    assert "(all re-evaluated)" in _rules_line(lines)
    differences = _differences(settings.duckdb_path, full.duckdb_path)
    assert {"fct_task_status", "fct_task_summary_declared", "incremental_inputs", "dim_task"} <= differences.keys()
    assert {t: d for t, d in differences.items() if d[:2] != (0, 0) or d[2] == 0} == {}
    # and the findings the incremental evaluation kept and redid are those of the full one
    findings = _differences(settings.duckdb_path, full.duckdb_path, schema="audit",
                            tables=("dq_findings", "dq_finding_sources", "dq_figures"))
    assert {t: d for t, d in findings.items() if d[:2] != (0, 0) or d[2] == 0} == {}


def test_a_changed_reference_file_rebuilds_the_marts_whole(tmp_path, generated):
    """task_statuses.csv says which statuses are completed: a change reaches dates no new file touches."""
    home = tmp_path / "home"
    for part in ("sources", "expectations", "dbt_project"):
        shutil.copytree(PROJECT / part, home / part, ignore=shutil.ignore_patterns("logs", "samples"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in sorted(generated.glob(f"*__task_status__{DAYS[0]}.csv"))[:3]:
        shutil.copy(path, inbox / path.name)
    settings = Settings.explicit(home=home, warehouse_dir=tmp_path / "wh", inbox_dir=inbox)
    assert _load(settings)[0]
    query = "SELECT status_code, is_completed, count(*) FROM marts.fct_task_status GROUP BY ALL ORDER BY ALL"
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        before = con.execute(query).fetchall()
    assert len(before) > 1

    statuses = home / "sources" / "reference" / "task_statuses.csv"
    rows = _read(statuses)
    completed = rows[0].index("is_completed")
    for row in rows[1:]:
        row[completed] = {"true": "false", "false": "true"}[row[completed]]
    _write(statuses, rows)
    ok, lines = _load(settings)
    assert ok
    assert ("dbt build --full-refresh: changed since the marts were last built whole: reference/task_statuses.csv "
            "(these can change rows of any reporting date)") in lines
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        after = con.execute(query).fetchall()
    assert after == [(status, not completed_, n) for status, completed_, n in before]

    # recorded: the next load, with nothing new, builds nothing
    ok, lines = _load(settings)
    assert ok and any(line.startswith("nothing changed since run ") for line in lines)
    assert not any("Running dbt command" in line for line in lines)


def test_the_record_of_a_whole_build_survives_the_next_build_start(tmp_path):
    """marts_inputs is written only after a whole full refresh, and a later build's start keeps it."""
    from pipelines.build_state import full_refresh_reason, mark_building, marts_inputs, record_marts_inputs
    from pipelines.ingest.contracts import load_contracts
    from pipelines.warehouse import ensure_tables

    settings = Settings.explicit(home=PROJECT, warehouse_dir=tmp_path)
    inputs = marts_inputs(settings)
    assert {"reference/task_statuses.csv", "dbt/models/marts/fct_task_status.sql",
            "contracts/task_status.yml", "documents/GOV_2025.txt"} <= inputs.keys()
    with duckdb.connect(str(tmp_path / "state.duckdb")) as con:
        ensure_tables(con, load_contracts(settings.contracts_dir))
        assert full_refresh_reason(con, inputs) == "no full build of the marts is recorded in this warehouse yet"
        mark_building(con, "fingerprint-1", "run-1")
        record_marts_inputs(con, inputs)
        mark_building(con, "fingerprint-2", "run-2")
        assert full_refresh_reason(con, inputs) is None
        changed = {**inputs, "reference/agencies.csv": "0" * 64, "dbt/models/new.sql": "1" * 64}
        del changed["contracts/task_status.yml"]
        assert full_refresh_reason(con, changed) == (
            "changed since the marts were last built whole: contracts/task_status.yml, dbt/models/new.sql, "
            "reference/agencies.csv (these can change rows of any reporting date)")
