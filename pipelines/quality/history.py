"""Findings from run to run: each evaluation's record, each finding's state, and the auditors' register of reviews.

Called by the engine (engine.evaluate) inside the evaluation's transaction, after audit.dq_findings is written:

* audit.dq_runs: one row per rules evaluation (run id, time, the ruleset hash, full or incremental, counts).
* audit.dq_finding_history: per evaluation, every finding open in it (`new`: not open in the previous
  evaluation; `persisting`: open in it too) and every finding open in the previous one and gone now
  (`resolved`, recorded once). Finding ids are stable (rule, agency, date and subject or key: never a value,
  a file name or a row: engine.py), so a corrected resend that still shows a fault keeps the fault's id.
* audit.dq_findings gets `lifecycle` and `first_seen_run_id` (the evaluation where the finding last became new)
  and the review columns from the register.
* The register (expectations/reviewed_findings.csv, versioned with the rules: finding_id, status, reason,
  reviewer, reviewed_on) is applied on every evaluation, full or incremental: a review sets the
  finding's review_status (explained | accepted | waived); nothing is dropped, a waived finding stays in
  audit.dq_findings and the report shows it apart. audit.dq_review_register holds every register row as
  read, with the problem that kept it from applying. A bad row never fails the run: the register is
  typed by hand, and a typo in it must not stop a load of agency data; the row is not applied, logged as a
  warning by the rules step and listed there (REGISTER_PROBLEMS says what each problem reads).

The two history tables are created if missing and never rebuilt: a full evaluation or a full refresh of
the marts keeps them. An evaluation repeated under the same run id (a retried step) replaces that run's record.
"""

from __future__ import annotations

import csv
import hashlib
import uuid
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.quality.incremental import catalogue_content
from pipelines.quality.rules import Catalogue
from pipelines.sql_text import sql_literal

REGISTER_NAME = "reviewed_findings.csv"
REGISTER_HEADER = ["finding_id", "status", "reason", "reviewer", "reviewed_on"]
REVIEW_STATUSES = ("explained", "accepted", "waived")
# The dq_findings columns that say where an evaluation stands in the sequence of runs, not what it found:
# an incremental evaluation and a full one of the same data differ in them only.
RUN_COLUMNS = ("lifecycle", "first_seen_run_id")

HISTORY_DDL = """
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.dq_runs (
    run_id              VARCHAR PRIMARY KEY,  -- the Dagster run id
    run_seq             INTEGER NOT NULL,     -- order of the evaluations
    evaluated_at        TIMESTAMP NOT NULL,
    ruleset_hash        VARCHAR NOT NULL,     -- ruleset_hash(): the rule catalogue's content
    evaluation          VARCHAR NOT NULL,     -- full | incremental
    findings            INTEGER NOT NULL,
    errors              INTEGER NOT NULL,
    warnings            INTEGER NOT NULL,
    new_findings        INTEGER NOT NULL,
    persisting_findings INTEGER NOT NULL,
    resolved_findings   INTEGER NOT NULL,
    reviewed_findings   INTEGER NOT NULL,
    register_problems   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit.dq_finding_history (
    run_id      VARCHAR NOT NULL,  -- audit.dq_runs
    finding_id  VARCHAR NOT NULL,
    rule_id     VARCHAR NOT NULL,
    agency_code VARCHAR,
    subject     VARCHAR,
    severity    VARCHAR NOT NULL,
    state       VARCHAR NOT NULL,  -- new | persisting | resolved
    PRIMARY KEY (run_id, finding_id)
);
CREATE OR REPLACE TABLE audit.dq_review_register (
    line        INTEGER NOT NULL,  -- line in the file (1 = header)
    finding_id  VARCHAR,
    status      VARCHAR,
    reason      VARCHAR,
    reviewer    VARCHAR,
    reviewed_on DATE,
    problem     VARCHAR            -- why the row is not applied; NULL: applied (or its finding is resolved)
);
"""

# Set-based: the previous evaluation's open findings against this one's.
STATES_SQL = """
WITH previous_open AS (
    SELECT h.* FROM audit.dq_finding_history h
    WHERE h.run_id = (SELECT run_id FROM audit.dq_runs ORDER BY run_seq DESC LIMIT 1) AND h.state IN ('new', 'persisting')
)
INSERT INTO audit.dq_finding_history
SELECT $run_id, f.finding_id, f.rule_id, f.agency_code, f.subject, f.severity,
       CASE WHEN p.finding_id IS NULL THEN 'new' ELSE 'persisting' END
FROM audit.dq_findings f LEFT JOIN previous_open p USING (finding_id)
UNION ALL
SELECT $run_id, p.finding_id, p.rule_id, p.agency_code, p.subject, p.severity, 'resolved'
FROM previous_open p ANTI JOIN audit.dq_findings f USING (finding_id)
"""

RUN_SQL = """
INSERT INTO audit.dq_runs
SELECT $run_id, coalesce((SELECT max(run_seq) FROM audit.dq_runs), 0) + 1, $evaluated_at, $ruleset_hash, $evaluation,
       (SELECT count(*) FROM audit.dq_findings),
       (SELECT count(*) FROM audit.dq_findings WHERE severity = 'error' AND echo_of_file IS NULL),
       (SELECT count(*) FROM audit.dq_findings WHERE severity = 'warning' AND echo_of_file IS NULL),
       count(*) FILTER (WHERE state = 'new'), count(*) FILTER (WHERE state = 'persisting'),
       count(*) FILTER (WHERE state = 'resolved'),
       (SELECT count(*) FROM audit.dq_findings WHERE finding_id IN (SELECT finding_id FROM audit.dq_review_register WHERE problem IS NULL)),
       (SELECT count(*) FROM audit.dq_review_register WHERE problem IS NOT NULL)
FROM audit.dq_finding_history WHERE run_id = $run_id
"""

# Each finding's lifecycle, the evaluation where it last became new, and its review. Only rows whose values
# change are written: a finding an incremental evaluation left alone keeps its row.
FINDINGS_SQL = """
UPDATE audit.dq_findings AS f
SET lifecycle = n.lifecycle, first_seen_run_id = n.first_seen_run_id, review_status = n.review_status,
    review_reason = n.review_reason, reviewer = n.reviewer, reviewed_on = n.reviewed_on
FROM (
    SELECT h.finding_id, h.state AS lifecycle, s.first_seen_run_id,
           r.status AS review_status, r.reason AS review_reason, r.reviewer, r.reviewed_on
    FROM audit.dq_finding_history h
    JOIN (SELECT finding_id, arg_max(run_id, run_seq) AS first_seen_run_id
          FROM audit.dq_finding_history JOIN audit.dq_runs USING (run_id)
          WHERE state = 'new' AND finding_id IN (SELECT finding_id FROM audit.dq_findings)
          GROUP BY finding_id) AS s USING (finding_id)
    LEFT JOIN (SELECT * FROM audit.dq_review_register WHERE problem IS NULL) AS r USING (finding_id)
    WHERE h.run_id = $run_id AND h.state <> 'resolved'
) AS n
WHERE f.finding_id = n.finding_id
  AND (f.lifecycle, f.first_seen_run_id, f.review_status, f.review_reason, f.reviewer, f.reviewed_on)
      IS DISTINCT FROM (n.lifecycle, n.first_seen_run_id, n.review_status, n.review_reason, n.reviewer, n.reviewed_on)
"""

# What each register problem reads ({line} etc. filled per row); the first that applies is the row's problem.
REGISTER_PROBLEMS = {
    "unreadable": "the file cannot be read as UTF-8 CSV ({error}): no review applied",
    "header": "line 1: the header is not " + ",".join(REGISTER_HEADER) + ": no review applied",
    "fields": "line {line}: {fields} fields, expected 5 (" + ",".join(REGISTER_HEADER) + "): not applied",
    "finding_id": "line {line}: finding_id '{finding_id}' is not a finding id (32 hexadecimal characters): not applied",
    "status": "line {line}: status '{status}' is not one of " + ", ".join(REVIEW_STATUSES) + ": not applied",
    "reason": "line {line}: no reason given: not applied",
    "reviewer": "line {line}: no reviewer given: not applied",
    "reviewed_on": "line {line}: reviewed_on '{reviewed_on}' is not a date (YYYY-MM-DD): not applied",
    "duplicate": "line {line}: finding {finding_id} is reviewed on more than one line ({lines}): none of them applied",
    "unknown": "line {line}: finding {finding_id} was never found in this warehouse: not applied",
}


def register_path(rules_dir: Path) -> Path:
    """The register lives beside the rule catalogue (expectations/reviewed_findings.csv for expectations/rules/)."""
    return Path(rules_dir).parent / REGISTER_NAME


def ruleset_hash(catalogue: Catalogue) -> str:
    """SHA-256 of the catalogue's content as loaded (every figure source and rule): the ruleset's version."""
    return hashlib.sha256(catalogue_content(catalogue).encode()).hexdigest()


def _fill(template: str, **cols: pl.Expr) -> pl.Expr:
    """A REGISTER_PROBLEMS text with its {placeholders} taken from columns (set-based, polars)."""
    parts: list[pl.Expr] = []
    rest = template
    while "{" in rest:
        before, _, after = rest.partition("{")
        name, _, rest = after.partition("}")
        parts += [pl.lit(before), cols[name].cast(pl.String).fill_null("")]
    return pl.concat_str([*parts, pl.lit(rest)])


def read_register(path: Path | None) -> pl.DataFrame:
    """Every row of the register with its line and the problem that keeps it from applying (checked without the
    warehouse; `unknown` is the warehouse's to say). A missing file is an empty register."""
    schema = {"line": pl.Int32, "finding_id": pl.String, "status": pl.String, "reason": pl.String,
              "reviewer": pl.String, "reviewed_on": pl.Date, "problem": pl.String}
    if path is None or not path.is_file():
        return pl.DataFrame(schema=schema)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))  # csv: quoted reasons may hold commas
    except (UnicodeDecodeError, csv.Error) as exc:
        return pl.DataFrame([{"line": 1, "problem": REGISTER_PROBLEMS["unreadable"].format(error=exc)}], schema=schema)
    if not rows or [c.strip() for c in rows[0]] != REGISTER_HEADER:
        return pl.DataFrame([{"line": 1, "problem": REGISTER_PROBLEMS["header"]}], schema=schema)
    raw = pl.DataFrame({"line": pl.int_range(2, len(rows) + 1, eager=True).cast(pl.Int32),
                        "fields": pl.Series(rows[1:], dtype=pl.List(pl.String))})
    raw = raw.filter(pl.col("fields").list.eval(pl.element().str.strip_chars() != "").list.any())  # blank lines
    cells = raw.with_columns(
        n=pl.col("fields").list.len(),
        **{name: pl.col("fields").list.get(i, null_on_oob=True).str.strip_chars() for i, name in enumerate(REGISTER_HEADER)},
    ).with_columns(pl.col("finding_id").str.to_lowercase(), pl.col("status").str.to_lowercase(),
                   date=pl.col("reviewed_on").str.to_date("%Y-%m-%d", strict=False))
    col = {name: pl.col(name) for name in ("line", "finding_id", "status", "reviewed_on")}
    checks = [
        (pl.col("n") != 5, _fill(REGISTER_PROBLEMS["fields"], line=pl.col("line"), fields=pl.col("n"))),
        (~pl.col("finding_id").str.contains("^[0-9a-f]{32}$"), _fill(REGISTER_PROBLEMS["finding_id"], **col)),
        (~pl.col("status").is_in(REVIEW_STATUSES), _fill(REGISTER_PROBLEMS["status"], **col)),
        (pl.col("reason") == "", _fill(REGISTER_PROBLEMS["reason"], **col)),
        (pl.col("reviewer") == "", _fill(REGISTER_PROBLEMS["reviewer"], **col)),
        (pl.col("date").is_null(), _fill(REGISTER_PROBLEMS["reviewed_on"], **col)),
    ]
    problem = pl.when(checks[0][0]).then(checks[0][1])
    for condition, text in checks[1:]:
        problem = problem.when(condition).then(text)
    checked = cells.with_columns(problem=problem.otherwise(None))
    lines = pl.col("line").cast(pl.String).str.join(", ").over("finding_id")
    duplicate = pl.when(pl.col("problem").is_null() & (pl.len().over("finding_id") > 1)).then(
        _fill(REGISTER_PROBLEMS["duplicate"], line=pl.col("line"), finding_id=pl.col("finding_id"), lines=lines))
    valid = checked.filter(pl.col("problem").is_null()).with_columns(problem=duplicate.otherwise(None))
    return (pl.concat([checked.filter(pl.col("problem").is_not_null()), valid], how="vertical")
            .select("line", "finding_id", "status", "reason", "reviewer", pl.col("date").alias("reviewed_on"), "problem")
            .cast(schema).sort("line"))


def record(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, *, run_id: str | None, full: bool,
           register: Path | None) -> None:
    """Record this evaluation and set each finding's lifecycle and review (inside the engine's transaction)."""
    run_id = run_id or f"local-{uuid.uuid4()}"  # an evaluation outside Dagster (tests, scripts)
    con.execute(HISTORY_DDL)
    con.execute("DELETE FROM audit.dq_finding_history WHERE run_id = ?", [run_id])
    con.execute("DELETE FROM audit.dq_runs WHERE run_id = ?", [run_id])
    con.register("_register_in", read_register(register).to_arrow())
    con.execute("INSERT INTO audit.dq_review_register SELECT * FROM _register_in")
    con.unregister("_register_in")
    con.execute(STATES_SQL, {"run_id": run_id})
    # a valid row naming no finding this warehouse ever had: most likely a typo in the id (a review of a
    # finding since resolved is no problem: it applies again if the finding comes back)
    con.execute(f"""
        UPDATE audit.dq_review_register SET problem = replace(replace({sql_literal(REGISTER_PROBLEMS['unknown'])},
            '{{line}}', CAST(line AS VARCHAR)), '{{finding_id}}', finding_id)
        WHERE problem IS NULL AND finding_id NOT IN (SELECT finding_id FROM audit.dq_finding_history)""")
    con.execute(RUN_SQL, {"run_id": run_id, "evaluated_at": datetime.now(), "ruleset_hash": ruleset_hash(catalogue),
                          "evaluation": "full" if full else "incremental"})
    con.execute(FINDINGS_SQL, {"run_id": run_id})


def register_problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The register rows not applied by the latest evaluation, as messages (the rules step logs them)."""
    return [p for (p,) in con.execute(
        "SELECT problem FROM audit.dq_review_register WHERE problem IS NOT NULL ORDER BY line").fetchall()]


def run_stamp(con: duckdb.DuckDBPyConnection) -> dict:
    """The latest evaluation: {run_id, ruleset_hash, evaluated_at}; values None before any evaluation."""
    try:
        row = con.execute("SELECT run_id, ruleset_hash, evaluated_at FROM audit.dq_runs "
                          "ORDER BY run_seq DESC LIMIT 1").fetchone()
    except duckdb.CatalogException:
        row = None
    return dict(zip(("run_id", "ruleset_hash", "evaluated_at"), row or (None, None, None)))


def resolved_findings(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The findings the latest evaluation resolved (open in the one before, gone now): their id, rule, agency,
    subject, severity, the run where each was first seen and its review, if any."""
    return con.sql("""
        SELECT h.finding_id, h.rule_id, h.agency_code, h.subject, h.severity,
               (SELECT arg_max(o.run_id, r.run_seq) FROM audit.dq_finding_history o JOIN audit.dq_runs r USING (run_id)
                WHERE o.finding_id = h.finding_id AND o.state = 'new') AS first_seen_run_id,
               v.status AS review_status, v.reason AS review_reason
        FROM audit.dq_finding_history h
        LEFT JOIN (SELECT * FROM audit.dq_review_register WHERE problem IS NULL) AS v USING (finding_id)
        WHERE h.state = 'resolved' AND h.run_id = (SELECT run_id FROM audit.dq_runs ORDER BY run_seq DESC LIMIT 1)
        ORDER BY h.agency_code NULLS LAST, h.rule_id, h.subject, h.finding_id""").pl()
