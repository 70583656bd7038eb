"""Cheaper writes to Dagster's own SQLite run history: commits are not flushed to disk one by one.

Dagster writes every event in its own transaction, and creates a run by writing one "planned"
event per asset and per check it may produce (~540 here: the dbt models, the dbt tests, the rules),
before any step starts, whatever the data. With SQLite's default (synchronous=FULL) each commit
waits for the disk: that was most of a run with nothing new to do. Dagster's SQLite storages
already use WAL mode, in which synchronous=NORMAL keeps the database consistent after any crash;
only the last events before a power cut or kernel crash may be lost (SQLite: "Write-Ahead
Logging", "PRAGMA synchronous"). The warehouse (DuckDB) is not concerned.

The setting is made on each new SQLite connection through SQLAlchemy's documented "connect"
event, in the processes that build the definitions (the code server and the run workers, which
write the run's events); the UI and the daemon keep the default.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


def _relaxed_sync(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def relax_run_history_sync() -> None:
    """Once per process; later calls do nothing."""
    if not event.contains(Engine, "connect", _relaxed_sync):
        event.listen(Engine, "connect", _relaxed_sync)
