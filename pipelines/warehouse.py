"""The DuckDB warehouse: connections and the tables the loaders own (raw.*, audit.*).

raw.* tables are generated from the submission contracts (sources/contracts/*.yml), so a new
domain needs a contract, not hand-written DDL.

DuckDB allows one writer per file, and a reader in another process excludes a writer (and the
reverse). A run holds the run lock (RunLock) from its first step to its last, so two loads never
interleave; within a run the steps open the file one after another, each through open_waiting(),
which waits for a session or another process to let go and says so in one line (lock_line()).
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from pipelines.ingest.contracts import Contract, write_contract_columns
from pipelines.settings import ENV_PREFIX, Settings

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
-- Where the registered file was and its lstat then: the same entry unchanged is known without being
-- read again (pipelines/ingest/loader.py). Added, not declared above, so older warehouses get them too.
ALTER TABLE audit.submissions ADD COLUMN IF NOT EXISTS inbox_entry VARCHAR;     -- sha256 of the entry's absolute path
ALTER TABLE audit.submissions ADD COLUMN IF NOT EXISTS file_mtime_ns BIGINT;
ALTER TABLE audit.submissions ADD COLUMN IF NOT EXISTS file_ctime_ns BIGINT;    -- changes on any write, even one that restores the mtime

CREATE TABLE IF NOT EXISTS audit.quarantine (
    submission_id   VARCHAR NOT NULL,
    file_name       VARCHAR NOT NULL,
    source_row      BIGINT NOT NULL,       -- spreadsheet row (header = 1); 0 = the file as a whole
    field           VARCHAR NOT NULL,
    value           VARCHAR,
    reason          VARCHAR NOT NULL
);

-- What the marts, findings and report were last built from (pipelines/build_state.py); one row.
CREATE TABLE IF NOT EXISTS audit.build_state (
    one_row      BOOLEAN PRIMARY KEY DEFAULT true CHECK (one_row),
    fingerprint  VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,   -- building | built
    run_id       VARCHAR NOT NULL,   -- the Dagster run that started (and, once built, finished) the build
    started_at   TIMESTAMP NOT NULL,
    built_at     TIMESTAMP,
    marts_inputs VARCHAR,            -- JSON: digest of each file the marts were last built from whole (full refresh)
    full_refresh BOOLEAN             -- this build rebuilds the marts whole (the rules step then re-evaluates all)
);
-- a warehouse built before these columns existed gets them (empty: its next build is a full refresh)
ALTER TABLE audit.build_state ADD COLUMN IF NOT EXISTS marts_inputs VARCHAR;
ALTER TABLE audit.build_state ADD COLUMN IF NOT EXISTS full_refresh BOOLEAN;

"""


class WarehouseLocked(RuntimeError):
    """The warehouse file is held by another process for longer than we were willing to wait."""


# The setting a waiter names in its line (pipelines/settings.py reads it; callers pass its value down).
LOCK_WAIT_VARIABLE = f"{ENV_PREFIX}LOCK_WAIT_SECONDS"
DEFAULT_LOCK_WAIT_SECONDS = Settings.model_fields["lock_wait_seconds"].default
# What to do, by who holds the file: a session (DuckDB's own lock) or another load (the run lock).
CLOSE_THE_SESSION = "close that session (open the warehouse read-only only while no load runs), then run the load again"
LET_THE_LOAD_FINISH = ("let that load finish (or stop it), then run this one again; loads started from the UI, "
                       "the schedule or the sensor queue instead of waiting")
# The one line every waiter writes; the dbt step finds dbt's copy of it in dbt's log with this pattern.
LOCK_LINE = re.compile(r"warehouse .+? is locked by .+?; (?:waiting up to|gave up after) .*")


def lock_line(path: Path | str, holder: str, limit: float, advice: str | None = None) -> str:
    """The one line a waiter writes: who holds the file, how long we wait (or waited), what to do."""
    if advice is None:
        return f"warehouse {path} is locked by {holder}; waiting up to {limit:g} s ({LOCK_WAIT_VARIABLE}) for it to be released"
    return f"warehouse {path} is locked by {holder}; gave up after {limit:g} s ({LOCK_WAIT_VARIABLE}): {advice}"


def _default_log(message: str) -> None:
    # Inside a Dagster step this lands in the run's event log; elsewhere it is an ordinary warning.
    from dagster import get_dagster_logger

    get_dagster_logger("r57.warehouse").warning(message)


def _describe_process(pid: int) -> str:
    """PID and command line (Linux /proc), so the line says which session or load holds the file."""
    try:
        command = " ".join(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").replace("\0", " ").split())
    except OSError:
        command = ""
    if len(command) > 120:
        command = command[:117] + "..."
    return f"PID {pid} ({command})" if command else f"PID {pid}"


def _duckdb_holder(error: Exception) -> str:
    text = str(error)
    pid = re.search(r"Conflicting lock is held in .*?\(PID (\d+)\)", text)
    if pid:
        return _describe_process(int(pid.group(1)))
    other = re.search(r"Conflicting lock is held in ([^.]+)", text)
    return other.group(1).strip() if other else "another process"


def _is_lock_error(error: Exception) -> bool:
    return isinstance(error, duckdb.IOException) and "lock" in str(error).lower()


def open_waiting(path: Path | str, read_only: bool = False, config: dict | None = None,
                 wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS, log=None) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting while another process (an analyst's session, another load) holds it.

    DuckDB allows one process to write, or any number to read, and has no lock timeout of its own:
    a writer cannot open the file while a reader in another process holds it, nor a reader while a
    writer does. So every opener (ingest, dbt through pipelines/dbt_lock.py, the rule engine, GX,
    the report) polls, says once who holds the file, and gives up with one clear line after
    `wait_seconds` (the caller's Settings.lock_wait_seconds).
    """
    log = log or _default_log
    deadline = time.monotonic() + wait_seconds
    said = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config or {})
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise
            holder = _duckdb_holder(exc)
            if time.monotonic() >= deadline:
                raise WarehouseLocked(lock_line(path, holder, wait_seconds, CLOSE_THE_SESSION)) from None
            if not said:
                log(lock_line(path, holder, wait_seconds))
                said = True
            time.sleep(0.5)


@contextmanager
def connect(path: Path, read_only: bool = False, wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS,
            log=None) -> Iterator[duckdb.DuckDBPyConnection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = open_waiting(path, read_only, wait_seconds=wait_seconds, log=log)
    try:
        yield con
    finally:
        con.close()


class RunLock:
    """One load at a time on one warehouse file, from the run's first step to its last.

    DuckDB's own lock is taken and released by every step, so two loads started outside the run
    queue (two `dagster job execute`, a CLI run beside the daemon's) would interleave their steps.
    The run takes an exclusive flock on `<file>.run-lock` for its whole life instead; the kernel
    drops it when the process ends, however it ends, so a killed load never leaves it behind.
    """

    def __init__(self, duckdb_path: Path | str):
        self.path = Path(f"{duckdb_path}.run-lock")
        self._file = None

    def holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8").strip() or "another load"
        except OSError:
            return "another load"

    def acquire(self, owner: str, wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS, log=None) -> None:
        log = log or _default_log
        database = self.path.with_name(self.path.name.removesuffix(".run-lock"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        deadline = time.monotonic() + wait_seconds
        said = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self.holder()
                    handle.close()
                    raise WarehouseLocked(lock_line(database, holder, wait_seconds, LET_THE_LOAD_FINISH)) from None
                if not said:
                    log(lock_line(database, self.holder(), wait_seconds))
                    said = True
                time.sleep(0.5)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{owner} (PID {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')})\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


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
    write_contract_columns(con, contracts)
