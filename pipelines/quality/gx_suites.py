"""Great Expectations suites (expectations/suites/*.yml) run over warehouse tables read as pandas frames.

GX 1.x over a pandas dataframe is the combination verified here; its SQL datasource over
duckdb-engine failed on these machines. Tables are read through a read-only DuckDB connection,
so validation never holds the writer's lock. GX is imported lazily: it costs ~15 s at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

from pipelines.warehouse import connect


GX_SCHEMA = {"suite": pl.String, "table": pl.String, "expectation": pl.String, "column": pl.String,
             "success": pl.Boolean, "unexpected_count": pl.Int64, "partial_unexpected": pl.List(pl.String)}


@dataclass(frozen=True)
class SuiteSpec:
    suite: str
    table: str
    expectations: tuple[dict, ...]


def load_suites(suites_dir: Path) -> list[SuiteSpec]:
    specs = []
    for path in sorted(suites_dir.glob("*.yml")):
        for raw in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("suites", []):
            specs.append(SuiteSpec(raw["suite"], raw["table"], tuple(raw["expectations"])))
    return specs


def validate_frames(specs: list[SuiteSpec], frames: dict[str, "object"]) -> list[dict]:
    """Run each suite on its table's pandas frame. Returns one result row per expectation."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}  # a run log is no terminal
    source = context.data_sources.add_pandas("warehouse")
    results = []
    for spec in specs:
        asset = source.add_dataframe_asset(name=spec.suite)
        batch = asset.add_batch_definition_whole_dataframe(f"{spec.suite}_all").get_batch(
            batch_parameters={"dataframe": frames[spec.table]})
        suite = gx.ExpectationSuite(name=spec.suite)
        for item in spec.expectations:
            suite.add_expectation_configuration(ExpectationConfiguration(type=item["type"], kwargs=item["kwargs"]))
        outcome = batch.validate(suite)
        for r in outcome.results:
            cfg = r.expectation_config
            results.append({
                "suite": spec.suite, "table": spec.table, "expectation": cfg.type,
                "column": cfg.kwargs.get("column"), "success": bool(r.success),
                "unexpected_count": (r.result or {}).get("unexpected_count"),
                "partial_unexpected": [str(v) for v in ((r.result or {}).get("partial_unexpected_list") or [])][:10],
            })
    return results


def run_suites(duckdb_path: Path, suites_dir: Path) -> list[dict]:
    specs = load_suites(suites_dir)
    with connect(duckdb_path, read_only=True) as con:
        frames = {spec.table: con.execute(f"SELECT * FROM {spec.table}").df() for spec in specs}
    return validate_frames(specs, frames)
