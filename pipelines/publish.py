"""Publish the analyst copy: the marts and audit schemas in a file any current DuckDB client opens.

The warehouse (r57.duckdb) is written by the duckdb library this project pins, in that release's
storage format, and a load keeps it locked against readers. Analysts open warehouse/analyst.duckdb
instead (`make sql`): the tables and views of the schemas in ANALYST_SCHEMAS, with their comments,
written in the storage format of STORAGE_VERSION, which older clients (the PyPI `duckdb-cli`, 1.5)
read. It is written whole under a temporary name beside it, then moved onto it with os.replace:
a reader sees the old copy or the new one, never a half-written one, and a session that opened the
old copy keeps reading it (the file it holds is unlinked, not overwritten). Nothing ever writes to
the published file, so an analyst's session never meets a writer's lock.

Run after every build by the `report/analyst_copy` asset (pipelines/assets/publish.py), or by hand:
`.venv/bin/python -m pipelines.publish`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.settings import Settings, load_settings
from pipelines.sql_text import sql_ident, sql_literal
from pipelines.warehouse import connect

ANALYST_SCHEMAS = ("marts", "audit")
# Storage version 65, which DuckDB 1.2 and every later client open (the 1.5 CLI reads 64-68); the
# warehouse itself is 2.0's 69. v1.0.0 (64) would add 1.0 and 1.1 clients for a 5% larger file (national bench).
STORAGE_VERSION = "v1.2.0"
COPY_ALIAS = "analyst_copy"
# Copying holds little at once: capped, the national bench's copy peaks at 0.7 GB RSS instead of 1.2 GB
# (4.7 s instead of 4.2 s); no progress bar in the run's log.
PUBLISH_DUCKDB_SETTINGS = ("SET memory_limit = '512MB'", "SET enable_progress_bar = false")


@dataclass(frozen=True)
class Published:
    path: Path
    size_bytes: int
    seconds: float
    tables: int
    views: int


def leftovers(final: Path) -> list[Path]:
    """Temporary files of a publish that died before its os.replace (and their write-ahead logs)."""
    return sorted(final.parent.glob(f"{final.name}.*.tmp")) + sorted(final.parent.glob(f"{final.name}.*.tmp.wal"))


def _copy_into(con: duckdb.DuckDBPyConnection, source: str) -> tuple[int, int]:
    """Copy the schemas' tables (one CREATE TABLE AS each), views and comments into COPY_ALIAS."""
    schemas = ", ".join(sql_literal(s) for s in ANALYST_SCHEMAS)
    tables = con.execute(
        f"SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = ? "
        f"AND schema_name IN ({schemas}) ORDER BY ALL", [source]).fetchall()
    # duckdb_views() gives each view's statement without its catalog, so it binds in the copy
    views = con.execute(
        f"SELECT schema_name, view_name, sql, comment FROM duckdb_views() WHERE database_name = ? "
        f"AND schema_name IN ({schemas}) AND NOT internal ORDER BY view_oid", [source]).fetchall()
    column_comments = con.execute(
        f"SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() WHERE database_name = ? "
        f"AND schema_name IN ({schemas}) AND comment IS NOT NULL AND comment <> '' ORDER BY ALL", [source]).fetchall()
    for schema in ANALYST_SCHEMAS:
        con.execute(f"CREATE SCHEMA {sql_ident(COPY_ALIAS, schema)}")
    for schema, table, _ in tables:
        con.execute(f"CREATE TABLE {sql_ident(COPY_ALIAS, schema, table)} AS FROM {sql_ident(source, schema, table)}")
    con.execute(f"USE {sql_ident(COPY_ALIAS)}")  # a view's unqualified names resolve in the copy, not the warehouse
    pending = list(views)
    while pending:
        # a view may read one created after it: retry the failures until a pass creates none
        failed = []
        for view in pending:
            try:
                con.execute(view[2])
            except duckdb.Error as exc:
                failed.append((view, exc))
        if len(failed) == len(pending):
            (schema, name, _, _), exc = failed[0]
            raise RuntimeError(f"analyst copy: view {schema}.{name} does not bind in a copy holding only the "
                               f"schemas {', '.join(ANALYST_SCHEMAS)}: {exc}")
        pending = [view for view, _ in failed]
    for kind, schema, name, comment in ([("TABLE", s, t, c) for s, t, c in tables]
                                        + [("VIEW", s, v, c) for s, v, _, c in views]):
        if comment:
            con.execute(f"COMMENT ON {kind} {sql_ident(schema, name)} IS {sql_literal(comment)}")
    for schema, table, column, comment in column_comments:
        con.execute(f"COMMENT ON COLUMN {sql_ident(schema, table, column)} IS {sql_literal(comment)}")
    con.execute(f"USE {sql_ident(source)}")
    return len(tables), len(views)


def publish(settings: Settings, log=None) -> Published:
    """Write the analyst copy of settings' warehouse under a temporary name, then move it onto settings.analyst_path."""
    started = time.monotonic()
    final = settings.analyst_path
    for stale in leftovers(final):
        stale.unlink(missing_ok=True)  # one load runs at a time (the run lock): no other publish is writing it
    temporary = final.with_name(f"{final.name}.{os.getpid()}.tmp")
    try:
        with connect(settings.duckdb_path, read_only=True, wait_seconds=settings.lock_wait_seconds, log=log) as con:
            for setting in PUBLISH_DUCKDB_SETTINGS:
                con.execute(setting)
            source = con.execute("SELECT current_database()").fetchone()[0]
            con.execute(f"ATTACH {sql_literal(str(temporary))} AS {sql_ident(COPY_ALIAS)} "
                        f"(READ_WRITE, STORAGE_VERSION {sql_literal(STORAGE_VERSION)})")
            tables, views = _copy_into(con, source)
            con.execute(f"DETACH {sql_ident(COPY_ALIAS)}")  # checkpoints: the file is whole, no write-ahead log
        os.replace(temporary, final)
    finally:
        for path in (temporary, Path(f"{temporary}.wal")):
            path.unlink(missing_ok=True)
    return Published(path=final, size_bytes=final.stat().st_size, seconds=time.monotonic() - started,
                     tables=tables, views=views)


if __name__ == "__main__":
    done = publish(load_settings())
    print(f"analyst copy {done.path}: {done.tables} tables, {done.views} views, "
          f"{done.size_bytes / 1e6:.1f} MB in {done.seconds:.1f} s")
