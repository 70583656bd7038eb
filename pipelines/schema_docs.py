"""Write the dbt source descriptions (raw.*, audit.*) into the warehouse as COMMENTs.

dbt's persist_docs comments the models it builds, never its sources. The audit tables are written
by Dagster steps, several of them after dbt (the rules step recreates audit.dq_* with CREATE OR
REPLACE, which drops comments), so the comments are written here, by the last step of a build, from
the descriptions in dbt_project/models/staging/_sources.yml (read from the parsed manifest), and only
for the tables and columns that exist.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl

from pipelines.sql_text import sql_ident, sql_literal


def source_docs(manifest_path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(tables, columns) described in the manifest's sources: schema, table[, column], description."""
    sources = json.loads(manifest_path.read_text(encoding="utf-8"))["sources"].values()
    tables = pl.DataFrame(
        [{"schema": s["schema"], "table": s["identifier"], "description": s["description"]} for s in sources],
        schema={"schema": pl.String, "table": pl.String, "description": pl.String})
    columns = pl.DataFrame(
        [{"schema": s["schema"], "table": s["identifier"], "column": c["name"], "description": c["description"]}
         for s in sources for c in s["columns"].values()],
        schema={"schema": pl.String, "table": pl.String, "column": pl.String, "description": pl.String})
    return tables, columns


def comment_sources(con: duckdb.DuckDBPyConnection, manifest_path: Path) -> int:
    """COMMENT ON every existing source table and column that has a description; returns the statements run."""
    tables, columns = source_docs(manifest_path)
    con.register("_doc_tables", tables.filter(pl.col("description").str.strip_chars() != "").to_arrow())
    con.register("_doc_columns", columns.filter(pl.col("description").str.strip_chars() != "").to_arrow())
    try:
        existing_tables = con.execute(
            "SELECT d.schema, d.table, d.description FROM _doc_tables d "
            "JOIN duckdb_tables() t ON t.database_name = current_database() "
            "AND t.schema_name = d.schema AND t.table_name = d.table").fetchall()
        existing_columns = con.execute(
            "SELECT d.schema, d.table, d.column, d.description FROM _doc_columns d "
            "JOIN duckdb_columns() c ON c.database_name = current_database() "
            "AND c.schema_name = d.schema AND c.table_name = d.table AND c.column_name = d.column").fetchall()
    finally:
        con.unregister("_doc_tables")
        con.unregister("_doc_columns")
    statements = [f"COMMENT ON TABLE {sql_ident(s, t)} IS {sql_literal(d.strip())}" for s, t, d in existing_tables]
    statements += [f"COMMENT ON COLUMN {sql_ident(s, t, c)} IS {sql_literal(d.strip())}"
                   for s, t, c, d in existing_columns]
    if statements:
        con.execute(";\n".join(statements))
    return len(statements)
