"""Benchmark: the Great Expectations step (pipelines/quality/gx_suites.py) on N rounds x 56 agencies.

Generates a warehouse in DuckDB (set-based SQL, no sample generator): per round and agency
BENCH_GX_TASKS task rows, a declared summary, budget grand totals by stage, database statuses,
and the IP Office's monthly filings. Then runs the GX step three times, each in its own process so
its peak RSS (GX import included) is its own:
  first      every round is new (a warehouse's first run)
  rerun      nothing new: no GX import, nothing validated
  new round  one round added: only its batches are validated against the history
and prints time, peak RSS, batches validated and the rows pandas received (vs the marts' rows).
Run: make bench-gx  (BENCH_GX_ROUNDS=8 BENCH_GX_TASKS=1000 by default; BENCH_GX_KEEP=dir keeps the warehouse)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROUNDS = int(os.environ.get("BENCH_GX_ROUNDS", 8))
TASKS = int(os.environ.get("BENCH_GX_TASKS", 1000))
AGENCIES = 56
SUITES = Path(__file__).resolve().parent.parent / "expectations" / "suites"

SCHEMA = """
CREATE SCHEMA IF NOT EXISTS audit; CREATE SCHEMA IF NOT EXISTS marts;
CREATE TABLE audit.submissions (submission_id VARCHAR, file_name VARCHAR, agency_code VARCHAR, domain VARCHAR,
    reporting_date DATE);
CREATE TABLE marts.dim_agency AS
    SELECT 'AG' || lpad(i::VARCHAR, 2, '0') AS agency_code, CASE WHEN i < 22 THEN 'ministry' ELSE 'province' END AS agency_kind
    FROM range(56) t(i);
CREATE TABLE marts.fct_task_status (task_snapshot_key VARCHAR, task_key VARCHAR, reporting_date_key INTEGER,
    reporting_date DATE, reporting_agency_code VARCHAR, lead_agency_code VARCHAR, programme_code VARCHAR,
    status_code VARCHAR, assigned_date DATE, deadline DATE, completion_date DATE, days_to_deadline INTEGER,
    is_completed BOOLEAN, submission_id VARCHAR, file_name VARCHAR, source_row BIGINT);
CREATE TABLE marts.fct_task_summary_declared (summary_key VARCHAR, agency_code VARCHAR, programme_code VARCHAR,
    reporting_date DATE, declared_total BIGINT, declared_completed BIGINT, declared_in_progress_overdue BIGINT,
    submission_id VARCHAR, file_name VARCHAR, source_row BIGINT);
CREATE TABLE marts.fct_budget_line (agency_code VARCHAR, as_of DATE, stage_code VARCHAR, nature_code VARCHAR,
    field_code VARCHAR, amount_ty DECIMAL(38,9), submission_id VARCHAR);
CREATE TABLE marts.fct_database_status (reporting_agency_code VARCHAR, reporting_date DATE, stage_code VARCHAR,
    submission_id VARCHAR);
CREATE TABLE marts.fct_ip_filings (period_type VARCHAR, tech_group_code VARCHAR, period_month DATE, received BIGINT,
    processed BIGINT, granted BIGINT, submission_id VARCHAR);
CREATE TABLE audit.dq_findings (finding_id VARCHAR, severity VARCHAR, message VARCHAR);
CREATE TABLE marts.fct_published_figure (figure_id VARCHAR, document_code VARCHAR, value DECIMAL(38,9), unit_kind VARCHAR);
"""

# One round r (quarter-ends from 2024-03-31) for every agency: a few files, their rows.
ROUND = """
INSERT INTO audit.submissions
    SELECT d || '-' || a.agency_code || '-' || $r, d || '__' || a.agency_code || '__' || $r || '.csv', a.agency_code, d, $day
    FROM marts.dim_agency a, (VALUES ('tasks'), ('summary'), ('budget'), ('db')) v(d);
INSERT INTO marts.fct_task_status
    SELECT 'NQ71:' || a.agency_code || '-' || i || '@' || $r, 'NQ71:' || a.agency_code || '-' || i, 0, $day,
           a.agency_code, a.agency_code, 'NQ71',
           CASE WHEN hash(i, $r) % 10 < 3 + $r % 2 THEN 'DONE_ON_TIME' ELSE 'IN_PROGRESS_ON_TIME' END,
           DATE '2024-01-01', DATE '2026-12-31', NULL, 100, hash(i, $r) % 10 < 3 + $r % 2,
           'tasks-' || a.agency_code || '-' || $r, 'tasks__' || a.agency_code || '__' || $r || '.csv', i + 2
    FROM marts.dim_agency a, range($tasks) t(i);
INSERT INTO marts.fct_task_summary_declared
    SELECT a.agency_code || ':NQ71@' || $r, a.agency_code, 'NQ71', $day, $tasks, $tasks // 3, 0,
           'summary-' || a.agency_code || '-' || $r, 'summary__' || a.agency_code || '__' || $r || '.csv', 2
    FROM marts.dim_agency a;
INSERT INTO marts.fct_budget_line
    SELECT a.agency_code, $day, s.stage, 'ALL', 'ALL', (100 + $r * 10 + hash(a.agency_code) % 50) * s.part,
           'budget-' || a.agency_code || '-' || $r
    FROM marts.dim_agency a, (VALUES ('APPROVED', 1.0), ('ALLOCATED', 0.9), ('DISBURSED', 0.5)) s(stage, part);
INSERT INTO marts.fct_database_status
    SELECT a.agency_code, $day, CASE WHEN i <= $r % 3 THEN 'CONNECTED' ELSE 'IN_PROGRESS' END, 'db-' || a.agency_code || '-' || $r
    FROM marts.dim_agency a, range(3) t(i);
INSERT INTO audit.submissions VALUES ('ip-' || $r, 'ip__' || $r || '.csv', 'AG00', 'ip', $day);
INSERT INTO marts.fct_ip_filings SELECT 'MONTH', 'ALL', $day, 1000 + $r, 900, 400 + $r, 'ip-' || $r;
"""


def add_round(db: Path, r: int) -> None:
    day = f"{2024 + r // 4}-{[3, 6, 9, 12][r % 4]:02d}-{[31, 30, 30, 31][r % 4]}"
    with duckdb.connect(str(db)) as con:
        for statement in filter(str.strip, ROUND.split(";")):
            values = {"r": r, "day": day, "tasks": TASKS}
            con.execute(statement, {k: v for k, v in values.items() if f"${k}" in statement})


def step(db: Path) -> None:
    """Child process: the GX step as the asset runs it; prints its numbers as JSON."""
    from pipelines.quality.gx_measures import new_batch_frame
    from pipelines.quality.gx_suites import load_suites, run_suites, store_results

    with duckdb.connect(str(db), read_only=True) as con:  # outside the timing: what pandas will receive
        to_pandas = new_batch_frame(con, load_suites(SUITES)).height
    started = time.perf_counter()
    rows = run_suites(db, SUITES, db.parent)
    with duckdb.connect(str(db)) as con:
        store_results(con, rows)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "batches": len({r["batch_id"] for r in rows}),
                      "rows_to_pandas": to_pandas}))


def run_step(db: Path, label: str, mart_rows: int) -> None:
    out = subprocess.run([sys.executable, __file__, "--step", str(db)], check=True, capture_output=True, text=True)
    n = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{label:<10} GX step: {n['seconds']:6.1f} s  peak RSS: {n['peak_mb']:6,.0f} MB  batches validated: "
          f"{n['batches']:3}  rows to pandas: {n['rows_to_pandas']:,} (marts: {mart_rows:,} rows)")


def mart_rows(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return sum(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in (
            "marts.fct_task_status", "marts.fct_task_summary_declared", "marts.fct_budget_line",
            "marts.fct_database_status", "marts.fct_ip_filings"))


def main() -> None:
    keep = os.environ.get("BENCH_GX_KEEP")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(keep or tmp) / "bench_gx.duckdb"
        db.parent.mkdir(parents=True, exist_ok=True)
        db.unlink(missing_ok=True)
        started = time.perf_counter()
        with duckdb.connect(str(db)) as con:
            con.execute(SCHEMA)
        for r in range(ROUNDS):
            add_round(db, r)
        print(f"rounds: {ROUNDS}  agencies: {AGENCIES}  tasks per agency and round: {TASKS:,}  "
              f"generate: {time.perf_counter() - started:.1f} s")
        run_step(db, "first", mart_rows(db))
        run_step(db, "rerun", mart_rows(db))
        add_round(db, ROUNDS)
        run_step(db, "new round", mart_rows(db))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--step"]:
        step(Path(sys.argv[2]))
    else:
        main()
