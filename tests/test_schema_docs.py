"""The warehouse describes itself: dbt descriptions as COMMENTs on marts, views and audit tables,
and the analyst views' key figures equal counts made here, independently, from the marts."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.schema_docs import comment_sources

PROJECT = Path(__file__).resolve().parent.parent
SOURCES_YML = PROJECT / "dbt_project" / "models" / "staging" / "_sources.yml"
MARTS_YML = PROJECT / "dbt_project" / "models" / "marts" / "_models.yml"
ANALYST_VIEWS = {"v_current_task_status", "v_current_database_status", "v_current_budget_line", "v_agency_kpis"}


def _relations(con, schema: str) -> dict[str, str | None]:
    return dict(con.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = ? "
        "UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE schema_name = ? AND NOT internal",
        [schema, schema]).fetchall())


def test_every_mart_table_view_and_column_has_a_comment(warehouse):
    marts = _relations(warehouse, "marts")
    assert ANALYST_VIEWS <= set(marts)
    assert {name for name, comment in marts.items() if not (comment or "").strip()} == set()
    uncommented = warehouse.execute(
        "SELECT table_name || '.' || column_name FROM duckdb_columns() "
        "WHERE schema_name = 'marts' AND coalesce(trim(comment), '') = '' ORDER BY 1").fetchall()
    assert uncommented == []


def test_mart_comments_are_the_dbt_descriptions(warehouse):
    # persist_docs writes _models.yml's text itself: switched off, these comments are NULL
    models = {m["name"]: m for m in yaml.safe_load(MARTS_YML.read_text(encoding="utf-8"))["models"]}
    comments = _relations(warehouse, "marts")
    for name in ("fct_task_status", "dim_agency", "v_agency_kpis"):
        assert (comments[name] or "").strip() == models[name]["description"].strip()
    column = warehouse.execute(
        "SELECT comment FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = 'v_agency_kpis' "
        "AND column_name = 'disbursement_rate_pct'").fetchone()[0]
    assert column == "disbursed_ty / allocated_ty x 100, rounded to 0.01."


def test_every_audit_table_is_a_documented_source_with_comments(warehouse):
    audit = yaml.safe_load(SOURCES_YML.read_text(encoding="utf-8"))["sources"]
    documented = {t["name"]: t for s in audit if s["name"] == "audit" for t in s["tables"]}
    tables = _relations(warehouse, "audit")
    assert set(tables) <= set(documented), "an audit table without a _sources.yml entry"
    for name, comment in tables.items():
        assert (comment or "").strip() == documented[name]["description"].strip(), name
    # every column of every audit table: described in _sources.yml and commented in the warehouse
    uncommented = warehouse.execute(
        "SELECT table_name || '.' || column_name FROM duckdb_columns() "
        "WHERE schema_name = 'audit' AND coalesce(trim(comment), '') = '' ORDER BY 1").fetchall()
    assert uncommented == []
    assert warehouse.execute(
        "SELECT comment FROM duckdb_columns() WHERE schema_name = 'audit' AND table_name = 'quarantine' "
        "AND column_name = 'source_row'").fetchone()[0] == "Spreadsheet row (header = 1); 0 = the file as a whole."


def test_comment_sources_skips_missing_tables_and_quotes_text(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"sources": {
        "source.r57.audit.present": {"schema": "audit", "identifier": "present", "description": "Agency's file.",
                                     "columns": {"a": {"name": "a", "description": "It's \"a\"."},
                                                 "gone": {"name": "gone", "description": "No such column."}}},
        "source.r57.audit.absent": {"schema": "audit", "identifier": "absent", "description": "Not built.",
                                    "columns": {}},
    }}), encoding="utf-8")
    con = duckdb.connect()
    con.execute("CREATE SCHEMA audit; CREATE TABLE audit.present (a INTEGER, b INTEGER)")
    assert comment_sources(con, manifest) == 2
    assert con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'present'").fetchone()[0] == "Agency's file."
    assert con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'present' "
                       "ORDER BY 1").fetchall() == [("a", "It's \"a\"."), ("b", None)]


def _independent_kpis(con, agency: str) -> tuple:
    """The agency's figures counted straight from the marts, without the views."""
    tasks = con.execute("""
        SELECT count(*), count(*) FILTER (WHERE s.is_completed), count(*) FILTER (WHERE f.status_code = 'IN_PROGRESS_OVERDUE')
        FROM marts.fct_task_status f JOIN marts.dim_task_status s USING (status_code)
        WHERE f.reporting_agency_code = $a
          AND f.reporting_date = (SELECT max(reporting_date) FROM marts.fct_task_status WHERE reporting_agency_code = $a)
    """, {"a": agency}).fetchone()
    stages = dict(con.execute("""
        SELECT stage_code, count(*) FROM marts.fct_database_status
        WHERE reporting_agency_code = $a
          AND reporting_date = (SELECT max(reporting_date) FROM marts.fct_database_status WHERE reporting_agency_code = $a)
        GROUP BY stage_code
    """, {"a": agency}).fetchall())
    budget = con.execute("""
        SELECT sum(allocated_ty), sum(disbursed_ty) FROM marts.fct_budget_execution
        WHERE agency_code = $a AND allocated_ty IS NOT NULL
          AND budget_year = (SELECT max(budget_year) FROM marts.fct_budget_execution
                             WHERE agency_code = $a AND allocated_ty IS NOT NULL)
    """, {"a": agency}).fetchone()
    return tasks, stages, budget


def test_agency_kpis_equal_counts_from_the_marts(warehouse):
    # agencies that sent all three domains, so every column of the view is exercised
    agencies = [a for (a,) in warehouse.execute(
        "SELECT agency_code FROM marts.v_agency_kpis WHERE tasks_assigned > 0 "
        "AND databases_not_started + databases_in_progress + databases_platform_ready + databases_connected > 0 "
        "AND allocated_ty IS NOT NULL ORDER BY tasks_assigned DESC, agency_code LIMIT 2").fetchall()]
    assert len(agencies) == 2
    for agency in agencies:
        (assigned, completed, overdue), stages, (allocated, disbursed) = _independent_kpis(warehouse, agency)
        row = warehouse.execute(
            "SELECT tasks_assigned, tasks_completed, tasks_overdue, task_completion_rate_pct, databases_not_started, "
            "databases_in_progress, databases_platform_ready, databases_connected, allocated_ty, disbursed_ty, "
            "disbursement_rate_pct FROM marts.v_agency_kpis WHERE agency_code = ?", [agency]).fetchone()
        assert row[:3] == (assigned, completed, overdue)
        assert float(row[3]) == pytest.approx(round(100 * completed / assigned, 2))
        assert row[4:8] == tuple(stages.get(s, 0) for s in ("NOT_STARTED", "IN_PROGRESS", "PLATFORM_READY", "CONNECTED"))
        assert row[8:10] == (allocated, disbursed)
        if disbursed is not None:
            assert float(row[10]) == pytest.approx(round(float(100 * disbursed / allocated), 2))
