"""The analyst copy (pipelines/publish.py): published by the load, opened by the PyPI DuckDB CLI (duckdb-cli 1.5).

Every read of the copy goes through that CLI, the client analysts use (`make sql`), not the library that
wrote it. The loaded cases read the session's warehouse (conftest.pipeline_runs) or a copy of it; views,
comments and a failing publish are checked on a small warehouse made here.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT
from pipelines.publish import publish
from pipelines.settings import Settings

CLI = Path(sys.executable).parent / "duckdb"  # the console script of the duckdb-cli package (dev dependency)


def cli(database: Path, sql: str) -> list[dict[str, str]]:
    """Rows of `sql` run by the PyPI DuckDB CLI on `database`, opened read-only."""
    done = subprocess.run([str(CLI), "-readonly", "-csv", str(database), "-c", sql],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


def analyst_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [f"{s}.{t}" for s, t in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN ('marts', 'audit') ORDER BY ALL"
    ).fetchall()]


def counts_sql(tables: list[str]) -> str:
    return " UNION ALL ".join(f"SELECT '{t}' AS t, count(*) AS n FROM {t}" for t in tables)


def copy_of_session_warehouse(pipeline_runs, tmp_path: Path) -> Settings:
    folder = tmp_path / "wh"
    folder.mkdir()
    shutil.copy(pipeline_runs["settings"].duckdb_path, folder / "r57.duckdb")
    return Settings.explicit(home=PROJECT, warehouse_dir=folder)


def test_the_cli_is_the_pypi_1_5_client_and_cannot_open_the_warehouse_itself(pipeline_runs):
    assert cli(pipeline_runs["settings"].analyst_path, "SELECT version() AS v") == [{"v": "v1.5.6"}]
    done = subprocess.run([str(CLI), "-readonly", str(pipeline_runs["settings"].duckdb_path), "-c", "SELECT 1"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "Trying to read a database file with version number 69" in done.stderr


def test_the_load_publishes_the_copy_and_a_load_with_nothing_new_leaves_it(pipeline_runs, warehouse):
    [first] = pipeline_runs["first"].asset_materializations_for_node("report__analyst_copy")
    tables = len(analyst_tables(warehouse))
    assert first.metadata["tables_copied"].value == first.metadata["tables_written"].value == tables > 20
    assert first.metadata["reused_previous_copy"].value is False  # no copy before the first load
    assert first.metadata["size_mb"].value == round(pipeline_runs["settings"].analyst_path.stat().st_size / 1e6, 2)
    assert first.metadata["seconds"].value > 0
    # the second load found nothing new: the step ran (after the ingest), found the copy current, wrote nothing
    second = pipeline_runs["second"]
    assert second.asset_materializations_for_node("report__analyst_copy") == []
    step = "report__analyst_copy.publish_analyst_copy"
    assert step in {e.step_key for e in second.all_events if e.event_type_value == "STEP_SUCCESS"}
    from dagster import DagsterInstance

    with DagsterInstance.get() as instance:
        said = [e.user_message for e in instance.all_logs(second.run_id) if e.step_key == step]
    assert f"analyst copy {pipeline_runs['settings'].analyst_path} holds the last build already: not published again" in said


def test_the_cli_reads_every_marts_and_audit_table_with_the_warehouse_row_counts(pipeline_runs, warehouse):
    tables = analyst_tables(warehouse)
    expected = {t: str(n) for t, n in warehouse.execute(counts_sql(tables)).fetchall()}
    assert {row["t"]: row["n"] for row in cli(pipeline_runs["settings"].analyst_path, counts_sql(tables))} == expected
    # nothing else: the copy holds the two schemas, not raw, staging or intermediate
    assert cli(pipeline_runs["settings"].analyst_path,
               "SELECT DISTINCT schema_name FROM duckdb_tables() ORDER BY 1") == [{"schema_name": "audit"},
                                                                                  {"schema_name": "marts"}]


def test_the_cli_opens_the_copy_while_a_load_holds_the_warehouse_for_writing(pipeline_runs, tmp_path):
    settings = copy_of_session_warehouse(pipeline_runs, tmp_path)
    publish(settings)
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, duckdb
            con = duckdb.connect({str(settings.duckdb_path)!r})
            con.execute("CREATE TABLE audit.load_in_progress AS SELECT 1 AS x")
            print("writing", flush=True)
            sys.stdin.read()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "writing"
        with pytest.raises(duckdb.IOException, match="Conflicting lock"):
            duckdb.connect(str(settings.duckdb_path), read_only=True)
        rows = cli(settings.analyst_path, "SELECT count(*) AS n FROM marts.dim_agency")
        assert rows == [{"n": str(pipeline_runs["after_first"]["marts.dim_agency"][0])}]
    finally:
        writer.communicate("", timeout=30)


def test_publishing_again_replaces_the_copy_whole_and_an_open_reader_keeps_the_old_one(pipeline_runs, tmp_path):
    settings = copy_of_session_warehouse(pipeline_runs, tmp_path)
    publish(settings)
    before = int(cli(settings.analyst_path, "SELECT count(*) AS n FROM audit.quarantine")[0]["n"])
    reader = duckdb.connect(str(settings.analyst_path), read_only=True)  # a session left open on the old copy
    try:
        with duckdb.connect(str(settings.duckdb_path)) as con:
            con.execute("INSERT INTO audit.quarantine VALUES ('s', 'f.xlsx', 3, 'field', 'v', 'a new problem')")
        (settings.warehouse_dir / "analyst.duckdb.4242.tmp").write_bytes(b"left by a publish that was killed")
        publish(settings)
        assert reader.execute("SELECT count(*) FROM audit.quarantine").fetchone() == (before,)
    finally:
        reader.close()
    assert cli(settings.analyst_path, "SELECT count(*) AS n FROM audit.quarantine") == [{"n": str(before + 1)}]
    assert sorted(p.name for p in settings.warehouse_dir.iterdir()) == ["analyst.duckdb", "r57.duckdb"]


def small_warehouse(tmp_path: Path, statements: str) -> Settings:
    settings = Settings.explicit(home=PROJECT, warehouse_dir=tmp_path / "wh")
    settings.warehouse_dir.mkdir()
    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.execute("CREATE SCHEMA marts; CREATE SCHEMA audit; CREATE SCHEMA raw;"
                    "CREATE TABLE raw.rows AS SELECT 1 AS x;"
                    "CREATE TABLE marts.fct AS SELECT range AS id, CAST(range * 1.5 AS DECIMAL(18, 2)) AS amount FROM range(4);"
                    "CREATE TABLE audit.log (line VARCHAR);" + statements)
    return settings


def test_views_and_comments_are_copied_and_views_bind_in_the_copy(tmp_path):
    settings = small_warehouse(tmp_path, """
        COMMENT ON TABLE marts.fct IS 'Facts; the analyst''s table';
        COMMENT ON COLUMN marts.fct.amount IS 'Amount, tỷ đồng';
        CREATE VIEW marts.v_base AS SELECT * FROM "r57"."marts"."fct" WHERE id > 0;
        CREATE VIEW marts.v_top AS SELECT sum(amount) AS total FROM marts.v_base;
        -- recreated after the view that reads it: the copy must create it first all the same
        CREATE OR REPLACE VIEW marts.v_base AS SELECT * FROM "r57"."marts"."fct" WHERE id > 1;
        COMMENT ON VIEW marts.v_top IS 'Total above the first two';
    """)
    done = publish(settings)
    assert (done.tables, done.views) == (2, 2)
    copy = settings.analyst_path
    assert cli(copy, "SELECT total FROM marts.v_top") == [{"total": "7.50"}]
    assert cli(copy, "SELECT table_name, comment FROM duckdb_tables() ORDER BY 1") == [
        {"table_name": "fct", "comment": "Facts; the analyst's table"}, {"table_name": "log", "comment": "NULL"}]
    assert cli(copy, "SELECT comment FROM duckdb_views() WHERE view_name = 'v_top'") == [
        {"comment": "Total above the first two"}]
    assert cli(copy, "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'fct' ORDER BY 1") == [
        {"column_name": "amount", "comment": "Amount, tỷ đồng"}, {"column_name": "id", "comment": "NULL"}]
    assert cli(copy, "SELECT data_type FROM duckdb_columns() WHERE column_name = 'amount' AND table_name = 'fct'") == [
        {"data_type": "DECIMAL(18,2)"}]


def test_a_publish_that_fails_leaves_the_published_copy_as_it_was_and_no_temporary_file(tmp_path):
    settings = small_warehouse(tmp_path, "CREATE VIEW marts.v_raw AS SELECT * FROM raw.rows;")
    settings.analyst_path.write_bytes(b"the copy published before")
    with pytest.raises(RuntimeError, match=r"^analyst copy: view marts\.v_raw does not bind in a copy holding only "
                                           r"the schemas marts, audit: .*rows"):
        publish(settings)
    assert settings.analyst_path.read_bytes() == b"the copy published before"
    assert sorted(p.name for p in settings.warehouse_dir.iterdir()) == ["analyst.duckdb", "r57.duckdb"]


def test_a_run_with_nothing_new_publishes_a_missing_or_outdated_copy(pipeline_runs, tmp_path):
    from dagster import DagsterInstance

    folder = tmp_path / "wh"
    shutil.copytree(pipeline_runs["settings"].warehouse_dir, folder)
    settings = Settings.explicit(home=PROJECT, warehouse_dir=folder, inbox_dir=pipeline_runs["settings"].inbox_dir)

    from pipelines.definitions import build_definitions

    def run_and_copy():
        with DagsterInstance.get() as instance:
            result = build_definitions(settings).resolve_job_def("full_load").execute_in_process(
                instance=instance, raise_on_error=False)
        assert result.success
        # nothing was built: only the ingest's tables and the copy materialized
        assert not {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()} & {
            "marts/fct_task_status", "audit/dq_findings", "report/dq_report"}
        [copy] = result.asset_materializations_for_node("report__analyst_copy")
        return copy.metadata

    settings.analyst_path.unlink()  # an analyst deleted it
    deleted = run_and_copy()
    assert deleted["reused_previous_copy"].value is False
    expected = str(pipeline_runs["after_first"]["marts.dim_agency"][0])
    assert cli(settings.analyst_path, "SELECT count(*) AS n FROM marts.dim_agency") == [{"n": expected}]

    # a later build whose publish failed: the warehouse's build state is newer than the copy's
    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.execute("UPDATE audit.build_state SET run_id = 'a-later-build', built_at = built_at + INTERVAL 1 HOUR")
    outdated = run_and_copy()
    # published from the previous copy: the one table that differs is written again
    assert (outdated["reused_previous_copy"].value, outdated["tables_written"].value) == (True, 1)
    assert cli(settings.analyst_path, "SELECT run_id FROM audit.build_state") == [{"run_id": "a-later-build"}]


def _all_rows(database: Path, tables: list[str]) -> dict[str, list[dict[str, str]]]:
    return {t: cli(database, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}


def _comments(database: Path) -> list[dict[str, str]]:
    return cli(database, "SELECT 'table' AS k, schema_name AS s, table_name AS n, '' AS c, comment FROM duckdb_tables() "
                         "UNION ALL SELECT 'view', schema_name, view_name, '', comment FROM duckdb_views() WHERE NOT internal "
                         "UNION ALL SELECT 'column', schema_name, table_name, column_name, comment FROM duckdb_columns() "
                         "WHERE schema_name IN ('marts', 'audit') ORDER BY ALL")


def test_publishing_again_writes_only_the_tables_and_reporting_dates_that_changed(tmp_path):
    settings = small_warehouse(tmp_path, """
        CREATE TABLE marts.fct_daily AS SELECT DATE '2026-01-01' + CAST(range % 3 AS INTEGER) AS reporting_date,
            'A' || range AS agency_code, CAST(range AS DECIMAL(18, 2)) AS amount FROM range(9);
        CREATE TABLE marts.dim AS SELECT range AS id FROM range(3);
        CREATE TABLE marts.gone AS SELECT 1 AS x;
        CREATE TABLE marts.named AS SELECT range AS t, 'v' AS v FROM range(2);  -- a column named like a row alias
        CREATE VIEW marts.v_total AS SELECT sum(amount) AS total FROM marts.fct_daily;
        COMMENT ON TABLE marts.fct IS 'Facts';
        COMMENT ON COLUMN marts.fct.amount IS 'Amount, tỷ đồng';
    """)
    first = publish(settings)
    assert (first.reused, first.tables_written, first.dates_replaced) == (False, 6, 0)
    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.execute("""
            UPDATE marts.fct_daily SET amount = 100 WHERE agency_code = 'A4';              -- a corrected date (2026-01-02)
            INSERT INTO marts.fct_daily VALUES (DATE '2026-01-04', 'A9', 9.5);             -- a new date
            INSERT INTO audit.log VALUES ('a line');                                       -- a table without dates
            UPDATE marts.named SET v = 'w' WHERE t = 1;
            ALTER TABLE marts.dim ADD COLUMN name VARCHAR;                                 -- its columns changed
            CREATE TABLE marts.new AS SELECT 'n' AS y;
            DROP TABLE marts.gone;
            CREATE OR REPLACE VIEW marts.v_total AS SELECT sum(amount) AS total, count(*) AS n FROM marts.fct_daily;
            COMMENT ON TABLE marts.fct IS 'Facts, reviewed';                               -- marts.fct's rows are unchanged
            COMMENT ON COLUMN marts.fct.amount IS NULL;
            COMMENT ON COLUMN marts.fct_daily.amount IS 'Daily amount';
        """)
    again = publish(settings)
    # audit.log, marts.named, marts.dim and marts.new written; marts.fct unchanged; two dates of marts.fct_daily replaced
    assert (again.reused, again.tables, again.tables_written, again.dates_replaced) == (True, 6, 4, 2)
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        tables = analyst_tables(con)
    assert tables == ["audit.log", "marts.dim", "marts.fct", "marts.fct_daily", "marts.named", "marts.new"]
    # what the copy holds is what a copy written whole holds: rows, views, comments
    whole = tmp_path / "whole"
    whole.mkdir()
    (whole / "r57.duckdb").write_bytes(settings.duckdb_path.read_bytes())
    fresh = publish(Settings.explicit(home=PROJECT, warehouse_dir=whole))
    assert not fresh.reused
    assert _all_rows(settings.analyst_path, tables) == _all_rows(fresh.path, tables)
    # 0 + 1 + ... + 8 = 36, with A4's 4 corrected to 100 and 9.5 added: the view as redefined
    assert cli(settings.analyst_path, "SELECT * FROM marts.v_total") == [{"total": "141.50", "n": "10"}]
    assert _comments(settings.analyst_path) == _comments(fresh.path)
    assert {(c["n"], c["c"]): c["comment"] for c in _comments(settings.analyst_path) if c["n"] == "fct"} == {
        ("fct", ""): "Facts, reviewed", ("fct", "amount"): "NULL", ("fct", "id"): "NULL"}


def test_a_published_file_that_is_not_a_database_is_written_whole(tmp_path):
    settings = small_warehouse(tmp_path, "")
    settings.analyst_path.write_bytes(b"not a database")
    done = publish(settings)
    assert (done.reused, done.tables_written) == (False, 2)
    assert cli(settings.analyst_path, "SELECT count(*) AS n FROM marts.fct") == [{"n": "4"}]
