"""Publish the analyst copy: the marts and audit schemas in a file any current DuckDB client opens.

The warehouse (r57.duckdb) is written by the duckdb library this project pins, in that release's
storage format, and a load keeps it locked against readers. Analysts open warehouse/analyst.duckdb
instead (`make sql`): the tables and views of the schemas in ANALYST_SCHEMAS, with their comments,
written in the storage format of STORAGE_VERSION, which older clients (the PyPI `duckdb-cli`, 1.5)
read. It is written under a temporary name beside it, then moved onto it with os.replace: a reader
sees the old copy or the new one, never a half-written one, and a session that opened the old copy
keeps reading it (the file it holds is unlinked, not overwritten). Nothing ever writes to the
published file, so an analyst's session never meets a writer's lock.

The temporary file starts as a byte copy of the published one, and only what differs is rewritten
in it: a table whose columns, row count or row hashes (the sum of each row's hash, compared in SQL on
both sides) differ is written again; a table with one of PARTITION_COLUMNS (the large facts, by reporting
date) has only the dates whose rows differ replaced; views are created again and comments set where
they differ. A load adds a day to 30 days of history, so most of the copy is left as it was. Without
a published copy, or one that is unreadable or mostly free space, it is written whole.

Run after every build by the `report/analyst_copy` asset (pipelines/assets/publish.py), which also
publishes after a run with nothing new when the copy is missing or holds an older build than the
warehouse (copy_is_current), or by hand: `.venv/bin/python -m pipelines.publish`.
"""

from __future__ import annotations

import os
import shutil
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
# A table holding one of these columns (the first it has) is compared and replaced per value of it: a load
# adds or corrects a few reporting dates of the large facts, and the rules' figures of those dates (as_of),
# and only those rows are written again.
PARTITION_COLUMNS = ("reporting_date", "as_of")
# One row's hash, of its values in column order (no alias: a row alias would mean a column of that name if the
# table has one); with the row count, a table's or a date's rows are compared as the sum of these.
ROW_HASH = "hash(*COLUMNS(*))"
# A reused copy more than this share free space (rows deleted, tables dropped) is written afresh instead.
MAX_FREE_SHARE = 0.5


@dataclass(frozen=True)
class Published:
    path: Path
    size_bytes: int
    seconds: float
    tables: int
    views: int
    reused: bool = False         # started from the published copy (else written whole)
    tables_written: int = 0      # tables created whole (new, changed, or all of them when not reused)
    dates_replaced: int = 0      # values of a PARTITION_COLUMNS column whose rows were replaced in tables kept


def leftovers(final: Path) -> list[Path]:
    """Temporary files of a publish that died before its os.replace (and their write-ahead logs)."""
    return sorted(final.parent.glob(f"{final.name}.*.tmp")) + sorted(final.parent.glob(f"{final.name}.*.tmp.wal"))


@dataclass(frozen=True)
class Synced:
    tables: int
    views: int
    tables_written: int
    dates_replaced: int


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(schema, table) -> (its columns' names and types in order, its partition column or None), in ANALYST_SCHEMAS."""
    schemas = ", ".join(sql_literal(s) for s in ANALYST_SCHEMAS)
    rows = con.execute(
        f"SELECT c.schema_name, c.table_name, string_agg(c.column_name || ' ' || c.data_type, ', ' ORDER BY c.column_index), "
        f"list(c.column_name) FROM duckdb_columns() c JOIN duckdb_tables() t USING (database_name, schema_name, table_name) "
        f"WHERE c.database_name = ? AND c.schema_name IN ({schemas}) GROUP BY ALL ORDER BY ALL", [database]).fetchall()
    return {(schema, table): (columns, next((p for p in PARTITION_COLUMNS if p in names), None))
            for schema, table, columns, names in rows}


def _compare_dates(con: duckdb.DuckDBPyConnection, source: str, schema: str, table: str, column: str) -> tuple[int, int]:
    """Fill temp table compared_dates (d, changed) by the column's value; (values whose rows differ, values in the source)."""
    def by_date(database: str) -> str:
        return (f"SELECT {sql_ident(column)} AS d, count(*) AS n, sum({ROW_HASH}) AS h "
                f"FROM {sql_ident(database, schema, table)} GROUP BY ALL")

    con.execute(f"CREATE OR REPLACE TEMP TABLE compared_dates AS WITH s AS ({by_date(source)}), c AS ({by_date(COPY_ALIAS)}) "
                "SELECT coalesce(s.d, c.d) AS d, s.n IS NOT NULL AS in_source, "
                "s.n IS DISTINCT FROM c.n OR s.h IS DISTINCT FROM c.h AS changed "
                "FROM s FULL JOIN c ON s.d IS NOT DISTINCT FROM c.d")
    return con.execute("SELECT count(*) FILTER (changed), count(*) FILTER (in_source) FROM compared_dates").fetchone()


def _same_rows(con: duckdb.DuckDBPyConnection, source: str, schema: str, table: str) -> bool:
    """Whether the table holds the same rows (count and sum of row hashes) in the source and the copy."""
    def summary(database: str) -> str:
        return f"SELECT count(*), sum({ROW_HASH}) FROM {sql_ident(database, schema, table)}"

    left, right = con.execute(f"{summary(source)} UNION ALL {summary(COPY_ALIAS)}").fetchall()
    return left == right


def _sync_tables(con: duckdb.DuckDBPyConnection, source: str) -> tuple[int, int, int]:
    """Make the copy's tables hold the source's rows, writing only what differs; (tables, written whole, dates replaced)."""
    wanted, present = _tables(con, source), _tables(con, COPY_ALIAS)
    for schema in ANALYST_SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {sql_ident(COPY_ALIAS, schema)}")
    for (schema, table), shape in present.items():
        if wanted.get((schema, table), (None,))[0] != shape[0]:  # gone, or its columns changed
            con.execute(f"DROP TABLE {sql_ident(COPY_ALIAS, schema, table)}")
    written = replaced = 0
    for (schema, table), (columns, partitioned) in wanted.items():  # partitioned: the partition column, if any
        target, origin = sql_ident(COPY_ALIAS, schema, table), sql_ident(source, schema, table)
        if present.get((schema, table), (None,))[0] == columns:
            if partitioned:
                changed, dates = _compare_dates(con, source, schema, table, partitioned)
                if not changed:
                    continue
            if partitioned and changed < dates:
                key = sql_ident(partitioned)
                match = f"EXISTS (SELECT 1 FROM compared_dates c WHERE c.changed AND c.d IS NOT DISTINCT FROM t.{key})"
                con.execute(f"DELETE FROM {target} AS t WHERE {match}")
                con.execute(f"INSERT INTO {target} SELECT * FROM {origin} AS t WHERE {match}")
                replaced += changed
                continue
            if not partitioned and _same_rows(con, source, schema, table):
                continue
            con.execute(f"DROP TABLE {target}")
        con.execute(f"CREATE TABLE {target} AS FROM {origin}")
        written += 1
    return len(wanted), written, replaced


def _sync_views(con: duckdb.DuckDBPyConnection, source: str) -> int:
    """Create the source's views again in the copy (dropping the copy's own first); how many."""
    schemas = ", ".join(sql_literal(s) for s in ANALYST_SCHEMAS)
    for schema, view in con.execute("SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = ? "
                                    "AND NOT internal", [COPY_ALIAS]).fetchall():
        con.execute(f"DROP VIEW {sql_ident(COPY_ALIAS, schema, view)}")
    # duckdb_views() gives each view's statement without its catalog, so it binds in the copy
    views = con.execute(
        f"SELECT schema_name, view_name, sql FROM duckdb_views() WHERE database_name = ? "
        f"AND schema_name IN ({schemas}) AND NOT internal ORDER BY view_oid", [source]).fetchall()
    con.execute(f"USE {sql_ident(COPY_ALIAS)}")  # a view's unqualified names resolve in the copy, not the warehouse
    try:
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
                (schema, name, _), exc = failed[0]
                raise RuntimeError(f"analyst copy: view {schema}.{name} does not bind in a copy holding only the "
                                   f"schemas {', '.join(ANALYST_SCHEMAS)}: {exc}")
            pending = [view for view, _ in failed]
    finally:
        con.execute(f"USE {sql_ident(source)}")
    return len(views)


def _sync_comments(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Set every table, view and column comment of the copy that differs from the source's (NULL where it has none)."""
    schemas = ", ".join(sql_literal(s) for s in ANALYST_SCHEMAS)
    differ = ("s.database_name = ? AND s.schema_name IN ({}) AND nullif(s.comment, '') IS DISTINCT FROM nullif(c.comment, '')"
              .format(schemas))
    relations = con.execute(
        f"SELECT 'TABLE', s.schema_name, s.table_name, nullif(s.comment, '') FROM duckdb_tables() s JOIN duckdb_tables() c "
        f"ON c.database_name = ? AND (c.schema_name, c.table_name) = (s.schema_name, s.table_name) WHERE {differ} "
        f"UNION ALL SELECT 'VIEW', s.schema_name, s.view_name, nullif(s.comment, '') FROM duckdb_views() s JOIN duckdb_views() c "
        f"ON c.database_name = ? AND (c.schema_name, c.view_name) = (s.schema_name, s.view_name) WHERE {differ} ORDER BY ALL",
        [COPY_ALIAS, source, COPY_ALIAS, source]).fetchall()
    columns = con.execute(
        f"SELECT s.schema_name, s.table_name, s.column_name, nullif(s.comment, '') FROM duckdb_columns() s "
        f"JOIN duckdb_columns() c ON c.database_name = ? "
        f"AND (c.schema_name, c.table_name, c.column_name) = (s.schema_name, s.table_name, s.column_name) "
        f"WHERE {differ} ORDER BY ALL", [COPY_ALIAS, source]).fetchall()
    statements = [f"COMMENT ON {kind} {sql_ident(COPY_ALIAS, schema, name)} IS {_literal_or_null(comment)}"
                  for kind, schema, name, comment in relations]
    statements += [f"COMMENT ON COLUMN {sql_ident(COPY_ALIAS, schema, table, column)} IS {_literal_or_null(comment)}"
                   for schema, table, column, comment in columns]
    if statements:  # one transaction: one commit for them all, not one each
        con.execute("BEGIN; " + "; ".join(statements) + "; COMMIT")


def _literal_or_null(text: str | None) -> str:
    return "NULL" if text is None else sql_literal(text)


def _sync_into(con: duckdb.DuckDBPyConnection, source: str) -> Synced:
    """Make COPY_ALIAS hold the source's schemas: tables (only what differs written), views, comments."""
    tables, written, replaced = _sync_tables(con, source)
    views = _sync_views(con, source)
    _sync_comments(con, source)
    return Synced(tables, views, written, replaced)


def _attach_copy(con: duckdb.DuckDBPyConnection, temporary: Path, reuse: bool) -> bool:
    """Attach the temporary file as COPY_ALIAS; whether it is the published copy's bytes (else a new, empty file)."""
    attach = (f"ATTACH {sql_literal(str(temporary))} AS {sql_ident(COPY_ALIAS)} "
              f"(READ_WRITE, STORAGE_VERSION {sql_literal(STORAGE_VERSION)})")
    if reuse:
        try:
            con.execute(attach)
            (total, free), = con.execute("SELECT total_blocks, free_blocks FROM pragma_database_size() "
                                         "WHERE database_name = ?", [COPY_ALIAS]).fetchall()
            if free <= MAX_FREE_SHARE * total:
                return True
            con.execute(f"DETACH {sql_ident(COPY_ALIAS)}")
        except duckdb.Error:  # not a database this library reads: written whole
            pass
        for path in (temporary, Path(f"{temporary}.wal")):
            path.unlink(missing_ok=True)
    con.execute(attach)
    return False


def copy_is_current(settings: Settings, log=None) -> bool:
    """Whether the published copy holds the warehouse's last complete build (the same audit.build_state row)."""
    if not settings.analyst_path.exists():
        return False
    query = "SELECT fingerprint, status, run_id, built_at FROM audit.build_state"
    with connect(settings.duckdb_path, read_only=True, wait_seconds=settings.lock_wait_seconds, log=log) as con:
        built = con.execute(query).fetchall()
    try:
        copy = duckdb.connect(str(settings.analyst_path), read_only=True)
    except duckdb.Error:
        return False
    try:
        return bool(built) and built[0][1] == "built" and copy.execute(query).fetchall() == built
    except duckdb.Error:
        return False
    finally:
        copy.close()


def publish(settings: Settings, log=None) -> Published:
    """Write the analyst copy of settings' warehouse under a temporary name, then move it onto settings.analyst_path."""
    started = time.monotonic()
    final = settings.analyst_path
    for stale in leftovers(final):
        stale.unlink(missing_ok=True)  # one load runs at a time (the run lock): no other publish is writing it
    temporary = final.with_name(f"{final.name}.{os.getpid()}.tmp")
    try:
        reuse = final.exists()
        if reuse:
            shutil.copyfile(final, temporary)  # the published file itself is never opened for writing
        with connect(settings.duckdb_path, read_only=True, wait_seconds=settings.lock_wait_seconds, log=log) as con:
            for setting in PUBLISH_DUCKDB_SETTINGS:
                con.execute(setting)
            source = con.execute("SELECT current_database()").fetchone()[0]
            reused = _attach_copy(con, temporary, reuse)
            synced = _sync_into(con, source)
            con.execute(f"DETACH {sql_ident(COPY_ALIAS)}")  # checkpoints: the file is whole, no write-ahead log
        os.replace(temporary, final)
    finally:
        for path in (temporary, Path(f"{temporary}.wal")):
            path.unlink(missing_ok=True)
    return Published(path=final, size_bytes=final.stat().st_size, seconds=time.monotonic() - started,
                     tables=synced.tables, views=synced.views, reused=reused, tables_written=synced.tables_written,
                     dates_replaced=synced.dates_replaced)


def described(done: Published) -> str:
    """One line: what a publish wrote and how long it took."""
    how = (f"{done.tables_written} of {done.tables} tables written, {done.dates_replaced} reporting dates replaced"
           if done.reused else f"{done.tables} tables written whole")
    return f"{done.size_bytes / 1e6:.1f} MB ({how}, {done.views} views) in {done.seconds:.1f} s"


if __name__ == "__main__":
    done = publish(load_settings())
    print(f"analyst copy {done.path}: {described(done)}")
