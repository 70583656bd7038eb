"""Submission coverage and "6 rõ" completeness on a small hand-made warehouse: the exact rows of
marts.v_submission_coverage (an agency on time, one late, one missing, one not yet due), the counts of
marts.v_six_clear_completeness, and the freshness checks' pass/fail and metadata.

The marts the views read (dim_agency, dim_database, dim_task, fct_task_status) and audit.submissions are
written here by hand; dbt builds the real models on top of them, with their dbt tests, from reference
files written here too (the `reference_dir` var)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.assets.coverage import COVERAGE_VIEW, check_name, coverage_results

PROJECT = Path(__file__).resolve().parent.parent
DBT = Path(sys.executable).parent / "dbt"

PERIODS = """domain,period_code,starts,ends,status,due
task_status,2025-Q3,2025-07-01,2025-09-30,closed,2025-10-15
task_status,2025-Q4,2025-10-01,2025-12-31,open,2026-01-15
ip_filings,2025,2025-01-01,2025-12-31,open,2026-01-31
database_status,2025,2025-01-01,2025-12-31,open,2026-03-31
"""
OBLIGATIONS = """domain,expected_from,value,why
task_status,agency_kind,province,provinces lead tasks
ip_filings,agency,IPO,the IP office
database_status,database_owner,,owners
"""

HAND_MADE = """
CREATE SCHEMA marts; CREATE SCHEMA audit;
CREATE TABLE marts.dim_agency (agency_code VARCHAR, agency_kind VARCHAR, name_vi VARCHAR, valid_from DATE,
                               valid_to DATE, successor_code VARCHAR);
INSERT INTO marts.dim_agency VALUES
  ('P1', 'province', 'Tỉnh Một', NULL, NULL, NULL),
  ('P2', 'province', 'Tỉnh Hai', NULL, NULL, NULL),
  ('P3', 'province', 'Tỉnh Ba', '2025-07-01', NULL, NULL),
  ('OLD_P4', 'former_province', 'Tỉnh Bốn cũ', NULL, '2025-06-30', 'P1'),  -- gone before 2025-Q4 ends
  ('M1', 'ministry', 'Bộ Một', NULL, NULL, NULL),                          -- no obligation for tasks
  ('IPO', 'ministry', 'Bộ có Cục SHTT', '2025-03-01', NULL, NULL);
-- a database registered to the merged OLD_P4: its successor P1 answers for it in 2025
CREATE TABLE marts.dim_database (database_code VARCHAR, owner_agency_code VARCHAR, current_owner_agency_code VARCHAR);
INSERT INTO marts.dim_database VALUES ('DB1', 'OLD_P4', 'P1');
CREATE TABLE audit.submissions (submission_id VARCHAR, file_name VARCHAR, agency_code VARCHAR, domain VARCHAR,
                                reporting_date DATE, received_at TIMESTAMP, status VARCHAR);
INSERT INTO audit.submissions VALUES
  ('s1', 'P1__task_status__2025-12-15.csv', 'P1', 'task_status', '2025-12-15', '2026-01-10 09:00', 'accepted'),
  ('s2', 'P1__task_status__2025-12-20.csv', 'P1', 'task_status', '2025-12-20', '2026-01-25 09:00', 'accepted'),
  ('s3', 'P2__task_status__2025-12-15.csv', 'P2', 'task_status', '2025-12-15', '2026-01-05 10:00', 'rejected'),
  ('s4', 'P2__task_status__2025-12-15.csv', 'P2', 'task_status', '2025-12-15', '2026-01-20 16:30', 'accepted'),
  ('s5', 'P3__task_status__2025-09-30.csv', 'P3', 'task_status', '2025-09-30', '2025-10-01 08:00', 'accepted'),
  ('s6', 'IPO__ip_filings__2025-11-30.csv', 'IPO', 'ip_filings', '2025-11-30', '2026-01-31 23:00', 'accepted'),
  ('s7', 'M1__budget__2026-01-31.csv', 'M1', 'budget', '2026-01-31', '2026-02-01 08:00', 'accepted');
-- tasks: P1 leads T1 (clear), T2 (blank content), T3 (recurring, no deadline: clear);
-- P2 leads T4 (no deadline, recurring once but in progress now), T5 (no person, no authority)
CREATE TABLE marts.dim_task (task_key VARCHAR, lead_agency_code VARCHAR, content VARCHAR, expected_product VARCHAR,
                             responsible_person VARCHAR, responsible_unit VARCHAR, authority VARCHAR, deadline DATE);
INSERT INTO marts.dim_task VALUES
  ('NQ71:T1', 'P1', 'Việc 1', 'Sản phẩm 1', 'Ông A', 'Sở X', 'UBND tỉnh', '2026-06-30'),
  ('NQ71:T2', 'P1', '   ', 'Sản phẩm 2', 'Ông B', 'Sở X', 'UBND tỉnh', '2026-06-30'),
  ('NQ71:T3', 'P1', 'Việc 3', 'Sản phẩm 3', 'Bà C', 'Sở Y', 'UBND tỉnh', NULL),
  ('NQ71:T4', 'P2', 'Việc 4', 'Sản phẩm 4', 'Ông D', 'Sở Z', 'UBND tỉnh', NULL),
  ('NQ71:T5', 'P2', 'Việc 5', 'Sản phẩm 5', NULL, 'Sở Z', '', '2026-03-31');
CREATE TABLE marts.fct_task_status (task_key VARCHAR, reporting_date DATE, status_code VARCHAR);
INSERT INTO marts.fct_task_status VALUES
  ('NQ71:T1', '2025-12-15', 'IN_PROGRESS_ON_TIME'), ('NQ71:T2', '2025-12-15', 'DONE_ON_TIME'),
  ('NQ71:T3', '2025-12-15', 'RECURRING'),
  ('NQ71:T4', '2025-09-30', 'RECURRING'), ('NQ71:T4', '2025-12-15', 'IN_PROGRESS_ON_TIME'),
  ('NQ71:T5', '2025-12-15', 'IN_PROGRESS_OVERDUE');
"""

MODELS = ["stg_reference__reporting_periods", "stg_reference__submission_obligations", "dim_expected_submission",
          "v_submission_coverage", "v_six_clear_completeness"]


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("coverage")
    reference = root / "reference"
    reference.mkdir()
    (reference / "reporting_periods.csv").write_text(PERIODS, encoding="utf-8")
    (reference / "submission_obligations.csv").write_text(OBLIGATIONS, encoding="utf-8")
    path = root / "small.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(HAND_MADE)
    # dbt build: the models and their dbt tests (unique keys, accepted values, the six-clear sums)
    done = subprocess.run(
        [str(DBT), "build", "--select", *MODELS, "--project-dir", "dbt_project", "--profiles-dir", "dbt_project",
         "--target-path", str(root / "target"), "--log-path", str(root / "logs"),
         "--vars", json.dumps({"duckdb_path": str(path), "reference_dir": str(reference)})],
        cwd=PROJECT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def test_coverage_rows_received_late_missing_and_awaited(small_warehouse):
    rows = small_warehouse.execute(
        "SELECT expected_submission_key, status, due_date, first_file_name, first_received_at, first_reporting_date, "
        "days_late, files_accepted, files_rejected, as_of_date, is_overdue "
        "FROM marts.v_submission_coverage ORDER BY expected_submission_key").fetchall()
    as_of = date(2026, 2, 1)  # the day the latest file (M1's budget) was registered
    assert rows == [
        # DB1's owner merged away: its successor P1 is expected; nothing yet, due 31/3: awaited, not overdue
        ("database_status:2025:P1", "missing", date(2026, 3, 31), None, None, None, None, 0, 0, as_of, False),
        # registered 23:00 on the due date: in time
        ("ip_filings:2025:IPO", "received", date(2026, 1, 31), "IPO__ip_filings__2025-11-30.csv",
         datetime(2026, 1, 31, 23, 0), date(2025, 11, 30), None, 1, 0, as_of, False),
        # the first of its two files counts
        ("task_status:2025-Q4:P1", "received", date(2026, 1, 15), "P1__task_status__2025-12-15.csv",
         datetime(2026, 1, 10, 9, 0), date(2025, 12, 15), None, 2, 0, as_of, False),
        # its first file was refused; the accepted correction came 5 days after the due date
        ("task_status:2025-Q4:P2", "late", date(2026, 1, 15), "P2__task_status__2025-12-15.csv",
         datetime(2026, 1, 20, 16, 30), date(2025, 12, 15), 5, 1, 1, as_of, False),
        # its 2025-Q3 file is for the closed period, not this one
        ("task_status:2025-Q4:P3", "missing", date(2026, 1, 15), None, None, None, None, 0, 0, as_of, True),
    ]
    # OLD_P4 (gone), M1 (no obligation) and the closed 2025-Q3 have no rows; names come from dim_agency
    assert small_warehouse.execute(
        "SELECT agency_name_vi, agency_kind, period_starts, period_ends FROM marts.v_submission_coverage "
        "WHERE agency_code = 'P3'").fetchall() == [("Tỉnh Ba", "province", date(2025, 10, 1), date(2025, 12, 31))]


def test_expected_submissions_keep_closed_periods_and_only_agencies_existing_at_period_end(small_warehouse):
    assert small_warehouse.execute(
        "SELECT expected_submission_key, period_status, why_expected FROM marts.dim_expected_submission "
        "ORDER BY 1").fetchall() == [
        ("database_status:2025:P1", "open", "owners"),
        ("ip_filings:2025:IPO", "open", "the IP office"),
        ("task_status:2025-Q3:P1", "closed", "provinces lead tasks"),
        ("task_status:2025-Q3:P2", "closed", "provinces lead tasks"),
        ("task_status:2025-Q3:P3", "closed", "provinces lead tasks"),
        ("task_status:2025-Q4:P1", "open", "provinces lead tasks"),
        ("task_status:2025-Q4:P2", "open", "provinces lead tasks"),
        ("task_status:2025-Q4:P3", "open", "provinces lead tasks"),
    ]


def test_six_clear_counts_per_agency_and_overall(small_warehouse):
    rows = small_warehouse.execute(
        "SELECT scope, agency_code, agency_name_vi, tasks, tasks_six_clear, tasks_not_six_clear, missing_who, "
        "missing_what, missing_when, missing_responsibility, missing_product, missing_authority, six_clear_pct "
        "FROM marts.v_six_clear_completeness ORDER BY scope, agency_code").fetchall()
    assert rows == [
        # T2's blank content is missing; T3 is recurring, so its empty deadline is not
        ("agency", "P1", "Tỉnh Một", 3, 2, 1, 0, 1, 0, 0, 0, 0, Decimal("66.67")),
        # T4 was recurring once but is in progress now: its deadline is missing; T5 lacks who and authority
        ("agency", "P2", "Tỉnh Hai", 2, 0, 2, 1, 0, 1, 0, 0, 1, Decimal("0.00")),
        ("all", None, None, 5, 2, 3, 1, 1, 1, 0, 0, 1, Decimal("40.00")),
    ]


def test_freshness_checks_warn_with_late_and_missing_agencies(small_warehouse):
    results = {r.check_name: r for r in coverage_results(small_warehouse, ["database_status", "ip_filings", "task_status"])}
    assert set(results) == {check_name(d) for d in ("database_status", "ip_filings", "task_status")}
    assert all(r.asset_key == COVERAGE_VIEW and r.severity.value == "WARN" for r in results.values())

    tasks = results["submissions_task_status_on_time"]
    assert tasks.passed is False
    meta = tasks.metadata
    assert (meta["expected"].value, meta["received"].value, meta["late"].value, meta["missing"].value,
            meta["awaited"].value) == (3, 1, 1, 1, 0)
    assert meta["late_agencies"].value == {"2025-Q4": ["P2"]}
    assert meta["missing_agencies"].value == {"2025-Q4": ["P3"]}
    assert meta["details"].value.splitlines() == [
        r"- P3 2025\-Q4\: missing\, due 15\/01\/2026",
        r"- P2 2025\-Q4\: 5 days late \(due 15\/01\/2026\)",
    ]

    # a file not yet due fails nothing: listed as awaited
    databases = results["submissions_database_status_on_time"]
    assert databases.passed is True
    assert databases.metadata["awaited_agencies"].value == {"2025": ["P1"]}
    assert databases.metadata["missing_agencies"].value == {}
    assert results["submissions_ip_filings_on_time"].passed is True
    assert results["submissions_ip_filings_on_time"].metadata["received"].value == 1


def test_the_checks_are_in_the_definitions_and_the_full_load_job(tmp_path):
    from pipelines.definitions import build_definitions
    from pipelines.settings import Settings

    settings = Settings.explicit(home=PROJECT, warehouse_dir=tmp_path / "wh", inbox_dir=tmp_path / "inbox")
    job = build_definitions(settings).resolve_job_def("full_load")
    names = {k.name for k in job.asset_layer.asset_graph.asset_check_keys if k.asset_key == COVERAGE_VIEW and k.name.startswith("submissions_")}
    assert names == {check_name(d) for d in ("task_status", "task_summary", "budget", "database_status", "ip_filings")}
