"""What a rule evaluation must redo: everything (full) or only what the files received since the last one touched.

The result of an incremental evaluation equals a full one because each part is redone over a scope that
contains every row whose value can have changed:

* Touched dates: the reporting dates of the submissions added, removed or changed in status since the
  last evaluation (audit.submissions against audit.dq_state_submissions). Which file is in force at a
  date is decided from the files of that date only, so no other date's marts changed.
* A figure source or row check that declares `incremental: same_date` (rows at date d come only from
  the files of date d) is redone for the touched dates; `later_dates` (a series: a row compared with
  an earlier one of the same task) for every date from the earliest touched one on. Anything
  undeclared is redone whole (budget, IP, databases, published reports: small).
* Relation rules read nothing but figures. The figures redone are compared with the stored ones; an
  instance is redone when one of its figures changed, appeared or went away, or when one of them
  is dated on a touched date (a rejected file at that date can make its finding an echo, ECHO_SQL).
* Findings and their sources redone are compared with the stored ones: only those that differ are
  deleted and written again, so an untouched finding keeps its row.

A full evaluation runs instead when asked, when there is no state yet, when the basis differs (the
rule catalogue, plus what the caller adds: pipelines/assets/quality.py adds the digest of the
reference data, contracts, dbt project and code, audit.build_state's files), or when the marts were
rebuilt from scratch in this run (marts_fully_refreshed, read by the caller).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

import duckdb

from pipelines.quality.rules import REACH, Catalogue

STATE_DDL = """
-- what the findings were made from; nothing volatile (a time, a mode), so two loads of the same files give
-- the same warehouse however they were evaluated
CREATE OR REPLACE TABLE audit.dq_state (
    basis VARCHAR NOT NULL   -- catalogue digest + the caller's basis (incremental.basis_digest)
);
CREATE OR REPLACE TABLE audit.dq_state_submissions AS
SELECT submission_id, status, reporting_date FROM audit.submissions;
"""

# The reporting dates whose files changed since the last evaluation (either side of the difference).
TOUCHED_SQL = """
CREATE OR REPLACE TEMP TABLE _touched AS
SELECT DISTINCT reporting_date AS d FROM (
    (SELECT submission_id, status, reporting_date FROM audit.submissions
     EXCEPT SELECT submission_id, status, reporting_date FROM audit.dq_state_submissions)
    UNION ALL
    (SELECT submission_id, status, reporting_date FROM audit.dq_state_submissions
     EXCEPT SELECT submission_id, status, reporting_date FROM audit.submissions)
) WHERE reporting_date IS NOT NULL
"""


def catalogue_content(catalogue: Catalogue) -> str:
    """The catalogue's content (every source and rule as loaded) as one text: what its digests are made of."""
    return json.dumps({"sources": [dataclasses.asdict(s) for s in catalogue.sources.values()],
                       "rules": [dataclasses.asdict(r) for r in catalogue.rules.values()]},
                      sort_keys=True, default=str)


def basis_digest(catalogue: Catalogue, extra: str = "") -> str:
    """A digest of the catalogue's content and the caller's own basis."""
    return hashlib.sha256(f"{catalogue_content(catalogue)}\0{extra}".encode()).hexdigest()


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = 'audit' AND table_name = ?",
                            [name]).fetchall())


def marts_fully_refreshed(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """True when this run's transform step rebuilt the marts whole (audit.build_state, pipelines/build_state.py).

    The rules step then evaluates everything (evaluate(incremental=False)): asked for or not, a full refresh
    is when a data engineer expects every figure checked again. Only this run's flag counts: a later
    evaluation of the same marts (a run killed after dbt, then re-run) may go incremental again.
    """
    if not _has_table(con, "build_state"):
        return False
    row = con.execute("SELECT full_refresh FROM audit.build_state WHERE run_id = ?", [run_id]).fetchone()
    return bool(row and row[0])


def can_run_incrementally(con: duckdb.DuckDBPyConnection, basis: str) -> bool:
    """Whether the stored findings, figures and state are there and were made under this basis."""
    if not all(_has_table(con, t) for t in ("submissions", "dq_state", "dq_state_submissions", "dq_findings",
                                             "dq_figures", "dq_finding_sources", "dq_rules")):
        return False
    stored = con.execute("SELECT basis FROM audit.dq_state").fetchall()
    return stored == [(basis,)]


def touched_dates(con: duckdb.DuckDBPyConnection) -> list:
    """The touched reporting dates (TOUCHED_SQL), oldest first."""
    con.execute(TOUCHED_SQL)
    return [d for (d,) in con.execute("SELECT d FROM _touched ORDER BY d").fetchall()]


def scope_sql(reach: str, as_of: str, dates: list) -> str:
    """SQL true for the rows (whose reporting date is `as_of`) a source or row check must redo; `reach` '' is whole.

    The dates are written as literals: DuckDB pushes a constant filter on the reporting date down through
    the intermediate views (and their windows partitioned by date), not a filter on a subquery.
    """
    if reach == "":
        return "true"
    if not dates:
        return "false"
    if reach == "same_date":
        listed = ", ".join(f"DATE '{d.isoformat()}'" for d in dates)
        return f"CAST(({as_of}) AS DATE) IN ({listed})"
    return f"CAST(({as_of}) AS DATE) >= DATE '{min(dates).isoformat()}'"


def write_state(con: duckdb.DuckDBPyConnection, basis: str) -> None:
    """Record what this evaluation was made from (inside the caller's transaction)."""
    con.execute(STATE_DDL)
    con.execute("INSERT INTO audit.dq_state VALUES (?)", [basis])
