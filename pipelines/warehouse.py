"""The DuckDB warehouse: connections and the tables the loaders own (raw.*, audit.*).

raw.* tables are generated from the submission contracts (sources/contracts/*.yml), so a new
domain needs a contract, not hand-written DDL.

DuckDB allows one writer per file. Writers (ingest, rule engine, dbt) run one after another in
the in-process executor; readers (Great Expectations, reports) open the file read-only.
"""

from __future__ import annotations

import logging
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from pipelines.ingest.contracts import Contract

DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS audit;

CREATE TABLE IF NOT EXISTS audit.submissions (
    submission_id   VARCHAR PRIMARY KEY,   -- hash of (file name, sha256 of bytes)
    file_name       VARCHAR NOT NULL,
    agency_code     VARCHAR,
    domain          VARCHAR,
    reporting_date  DATE,
    version         INTEGER NOT NULL,      -- 1, 2, ... per agency, domain and reporting date, in order received
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

"""


class WarehouseLocked(RuntimeError):
    """The warehouse file is held by another process for longer than we were willing to wait."""


def _open(path: Path, read_only: bool, wait_seconds: float, log) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting while another process (an analyst's session, a concurrent load) holds it.

    DuckDB allows one process to write, or any number to read; a writer cannot open the file
    while a reader in another process holds it. A load waits instead of failing, says why once,
    and gives up with one clear line after `wait_seconds` (R57_LOCK_WAIT_SECONDS).
    """
    deadline = time.monotonic() + wait_seconds
    said = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            holder = re.search(r"Conflicting lock is held in (.*?)(?:\. However|$)", str(exc))
            who = holder.group(1) if holder else "another process"
            if time.monotonic() >= deadline:
                raise WarehouseLocked(
                    f"warehouse {path} is locked by {who}; gave up after {wait_seconds:.0f} s "
                    "(close that connection, or open it read-only only while no load runs)") from None
            if not said:
                log(f"warehouse {path} is locked by {who}; waiting up to {wait_seconds:.0f} s for it to close")
                said = True
            time.sleep(0.5)


@contextmanager
def connect(path: Path, read_only: bool = False, wait_seconds: float | None = None,
            log=None) -> Iterator[duckdb.DuckDBPyConnection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    if wait_seconds is None:
        wait_seconds = float(os.environ.get("R57_LOCK_WAIT_SECONDS", 300))
    con = _open(path, read_only, wait_seconds, log or logging.getLogger("r57.warehouse").warning)
    try:
        yield con
    finally:
        con.close()


SQL_TYPES = {"text": "VARCHAR", "code": "VARCHAR", "enum": "VARCHAR", "date": "DATE", "integer": "BIGINT"}


def raw_table_ddl(contract: Contract) -> str:
    columns = ["submission_id VARCHAR NOT NULL", "source_row BIGINT NOT NULL"]
    for c in contract.columns:
        null = " NOT NULL" if c.required else ""
        if c.type == "number":
            # the value as written, the exact value, and how precisely it is written
            columns += [f"{c.name} VARCHAR{null}", f"{c.parsed_as} DECIMAL(38,9){null}",
                        f"{c.parsed_as}_decimals INTEGER{null}", f"{c.parsed_as}_trailing_zeros INTEGER{null}"]
        else:
            columns.append(f"{c.name} {SQL_TYPES[c.type]}{null}")
    return f"CREATE TABLE IF NOT EXISTS {contract.target_table} (\n    " + ",\n    ".join(columns) + "\n);"


def ensure_tables(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract]) -> None:
    con.execute(DDL)
    for contract in contracts.values():
        con.execute(raw_table_ddl(contract))
