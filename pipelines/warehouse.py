"""The DuckDB warehouse: connections and the tables the loaders own (raw.*, audit.*).

DuckDB allows one writer per file. Writers (ingest, rule engine, dbt) run one after another in
the in-process executor; readers (Great Expectations, reports) open the file read-only.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS audit;

CREATE TABLE IF NOT EXISTS audit.submissions (
    submission_id   VARCHAR PRIMARY KEY,   -- hash of (file name, sha256 of bytes)
    file_name       VARCHAR NOT NULL,
    agency_code     VARCHAR,
    domain          VARCHAR,
    reporting_date  DATE,
    sha256          VARCHAR NOT NULL,
    size_bytes      BIGINT NOT NULL,
    received_at     TIMESTAMP NOT NULL,
    archived_path   VARCHAR,
    status          VARCHAR NOT NULL,      -- accepted | rejected
    rows_loaded     BIGINT NOT NULL,
    problems_count  BIGINT NOT NULL,
    message         VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS audit.quarantine (
    submission_id   VARCHAR NOT NULL,
    file_name       VARCHAR NOT NULL,
    source_row      BIGINT NOT NULL,       -- spreadsheet row (header = 1); 0 = the file as a whole
    field           VARCHAR NOT NULL,
    value           VARCHAR,
    reason          VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.task_status_rows (
    submission_id      VARCHAR NOT NULL,
    source_row         BIGINT NOT NULL,
    task_id            VARCHAR NOT NULL,
    programme_code     VARCHAR NOT NULL,
    lead_agency_code   VARCHAR NOT NULL,
    co_agency_codes    VARCHAR,
    content            VARCHAR,
    expected_product   VARCHAR,
    responsible_person VARCHAR,
    responsible_unit   VARCHAR,
    authority          VARCHAR,
    assigned_date      DATE NOT NULL,
    deadline           DATE,
    status             VARCHAR NOT NULL,
    completion_date    DATE,
    note               VARCHAR
);

CREATE TABLE IF NOT EXISTS raw.published_figures (
    submission_id               VARCHAR NOT NULL,
    source_row                  BIGINT NOT NULL,
    figure_id                   VARCHAR NOT NULL,
    document                    VARCHAR NOT NULL,
    section                     VARCHAR NOT NULL,
    quote                       VARCHAR NOT NULL,
    metric                      VARCHAR NOT NULL,
    programme                   VARCHAR,
    block                       VARCHAR,
    agency                      VARCHAR,
    status                      VARCHAR,
    nature                      VARCHAR,
    field                       VARCHAR,
    level                       VARCHAR,
    stage                       VARCHAR,
    subject                     VARCHAR,
    year                        BIGINT,
    as_of                       DATE,
    qualifier                   VARCHAR,
    value_text                  VARCHAR NOT NULL,   -- as written in the report
    value_number                DECIMAL(38,9) NOT NULL,  -- parsed per the document's declared style, in the written unit
    value_number_decimals       INTEGER NOT NULL,   -- digits written after the decimal mark (the precision)
    value_number_trailing_zeros INTEGER NOT NULL,   -- zeros ending the integer part (precision of "khoảng 4.100")
    unit_text                   VARCHAR,
    note                        VARCHAR
);

CREATE TABLE IF NOT EXISTS raw.task_summary_rows (
    submission_id       VARCHAR NOT NULL,
    source_row          BIGINT NOT NULL,
    programme_code      VARCHAR NOT NULL,
    total               BIGINT NOT NULL,
    recurring           BIGINT NOT NULL,
    completed           BIGINT NOT NULL,
    completed_on_time   BIGINT NOT NULL,
    completed_late      BIGINT NOT NULL,
    in_progress_on_time BIGINT NOT NULL,
    in_progress_overdue BIGINT NOT NULL
);
"""


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)
