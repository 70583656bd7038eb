"""Great Expectations where only it helps: round-over-round checks per agency, on new batches only.

The suites (expectations/suites/*.yml, read by gx_specs) name per-agency measures of a mart and
expectations on how they move between rounds. DuckDB computes the measures beside their history
(gx_measures); pandas and GX (gx_validate) receive only the rows of batches not validated yet,
so a run with nothing new does not even import GX. Results are appended to audit.gx_results
(one row per batch and expectation, the unexpected agencies with their submissions and files),
which is also the record of what was validated.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from pipelines.quality.gx_measures import new_batch_frame
from pipelines.quality.gx_specs import SuiteSpec, load_suites
from pipelines.warehouse import DEFAULT_LOCK_WAIT_SECONDS, connect

__all__ = ["GX_SCHEMA", "SuiteSpec", "load_suites", "run_suites", "store_results", "current_results", "docs_index"]

UNEXPECTED = pl.Struct({
    "agency_code": pl.String, "measure": pl.String, "value": pl.Decimal(38, 9), "previous_value": pl.Decimal(38, 9),
    "previous_date": pl.Date, "band_low": pl.Decimal(38, 9), "band_high": pl.Decimal(38, 9),
    "ratio_to_previous": pl.Float64, "band_excursion": pl.Float64,
    "submission_ids": pl.List(pl.String), "file_names": pl.List(pl.String),
})
GX_SCHEMA = {
    "run_at": pl.Datetime("us"), "batch_id": pl.String, "batch_digest": pl.String, "suite": pl.String,
    "table": pl.String, "reporting_date": pl.Date, "name": pl.String, "expectation": pl.String, "column": pl.String,
    "success": pl.Boolean, "element_count": pl.Int64, "unexpected_count": pl.Int64,
    "unexpected_agencies": pl.List(pl.String), "unexpected": pl.List(UNEXPECTED),
}


def gx_dir(warehouse_dir: Path) -> Path:
    return warehouse_dir / "gx"


def docs_index(warehouse_dir: Path) -> Path:
    """The Data Docs site's front page, beside the auditors' report (<warehouse>/reports/)."""
    return warehouse_dir / "reports" / "gx" / "index.html"


def run_suites(duckdb_path: Path, suites_dir: Path, warehouse_dir: Path | None = None,
               run_at: datetime | None = None, wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS) -> list[dict]:
    """Validate the batches not validated yet; result rows (GX_SCHEMA) for them only, [] when nothing is new."""
    specs = load_suites(suites_dir)
    with connect(duckdb_path, read_only=True, wait_seconds=wait_seconds) as con:  # never holds the writer's lock
        frame = new_batch_frame(con, specs)
    if frame.is_empty():
        return []
    from pipelines.quality.gx_validate import validate_batches  # imports GX (~15 s): only with work to do

    warehouse_dir = warehouse_dir or duckdb_path.parent
    run_at = run_at or datetime.now(timezone.utc).replace(tzinfo=None)
    return validate_batches(frame, specs, gx_dir(warehouse_dir), docs_index(warehouse_dir).parent, run_at)


def store_results(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> int:
    """Append this run's rows to audit.gx_results (kept: the record of validated batches). Returns the rows added."""
    frame = pl.DataFrame(rows, schema=GX_SCHEMA)
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    old = {c for (c,) in con.execute("SELECT column_name FROM information_schema.columns "
                                     "WHERE table_schema = 'audit' AND table_name = 'gx_results'").fetchall()}
    if old and old != set(GX_SCHEMA):
        con.execute("DROP TABLE audit.gx_results")  # whole-mart results of the former suites: nothing to keep
    con.register("_gx", frame.to_arrow())
    con.execute("CREATE TABLE IF NOT EXISTS audit.gx_results AS SELECT * FROM _gx WHERE false")
    con.execute("INSERT INTO audit.gx_results BY NAME SELECT * FROM _gx")
    con.unregister("_gx")
    return frame.height


def current_results(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Each batch's latest validation: what the asset checks and the report show."""
    return con.sql("SELECT * FROM audit.gx_results QUALIFY run_at = max(run_at) OVER (PARTITION BY batch_id) "
                   "ORDER BY suite, reporting_date, name").pl()
