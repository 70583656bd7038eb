"""Great Expectations over the derived frame of new batches, with a Data Docs site next to the report.

GX 1.x over pandas is the combination verified here (its SQL datasource over duckdb-engine failed
on these machines). The context is file-backed under <warehouse>/gx so that validation results
of earlier runs stay and the Data Docs site (<warehouse>/reports/gx/index.html) lists every batch
ever validated, while each run validates only the new ones. Importing this module imports GX
(~15 s): callers import it only when there is a batch to validate.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import great_expectations as gx
import polars as pl
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.expectations.registry import get_expectation_impl
from great_expectations.expectations.row_conditions import Column

from pipelines.quality.gx_specs import SuiteSpec

SITE = "report"
SOURCE = "agency_rounds"
# what GX sees: the row position (to trace an unexpected row back), the measure its row
# conditions select on, and the columns expectations test
GX_COLUMNS = ["row", "agency_code", "measure", "value", "ratio_to_previous", "band_excursion"]
TRACE_COLUMNS = ["agency_code", "measure", "value", "previous_value", "previous_date", "band_low", "band_high",
                 "ratio_to_previous", "band_excursion", "submission_ids", "file_names"]


def _context(gx_dir: Path, docs_dir: Path):
    context = gx.get_context(mode="file", project_root_dir=str(gx_dir.parent))
    context.variables.progress_bars = {"globally": False}  # a run log is no terminal
    site = {"class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)}}
    sites = dict(context.get_config().data_docs_sites or {})
    for name in sites:
        if name != SITE:
            context.delete_data_docs_site(name)  # GX's default site lives under gx/uncommitted: one site only
    if SITE not in sites:
        context.add_data_docs_site(SITE, site)
    elif sites[SITE] != site:
        context.update_data_docs_site(SITE, site)  # the warehouse moved
    return context


def _definition(context, spec: SuiteSpec):
    """The suite as YAML states it today (rules as data: the stored copy is overwritten) and its definition."""
    source = context.data_sources.add_or_update_pandas(SOURCE)
    asset = next((a for a in source.assets if a.name == spec.suite), None) or source.add_dataframe_asset(spec.suite)
    batch = next((b for b in asset.batch_definitions if b.name == "batch"), None) \
        or asset.add_batch_definition_whole_dataframe("batch")
    suite = gx.ExpectationSuite(name=spec.suite)
    for item in spec.expectations:
        condition = {"row_condition": Column("measure").is_in(list(item.measures))} if item.measures else {}
        suite.add_expectation(get_expectation_impl(item.type)(**item.kwargs, **condition,
                                                              meta={"name": item.name}))
    suite = context.suites.add_or_update(suite)
    return context.validation_definitions.add_or_update(gx.ValidationDefinition(name=spec.suite, data=batch, suite=suite))


def validate_batches(frame: pl.DataFrame, specs: list[SuiteSpec], gx_dir: Path, docs_dir: Path,
                     run_at: datetime) -> list[dict]:
    """Validate each new batch (one suite's reporting date) on its rows; one result row per batch and expectation."""
    context = _context(gx_dir, docs_dir)
    run_time = run_at.replace(tzinfo=timezone.utc)  # run_at is naive UTC (the table's); GX keys are aware
    results, runs = [], set()
    for spec in specs:
        mine = frame.filter(pl.col("suite") == spec.suite)
        if mine.is_empty():
            continue
        definition = _definition(context, spec)
        for (batch_id,), batch in mine.group_by(["batch_id"], maintain_order=True):
            batch = batch.with_row_index("row")
            pandas = batch.select(GX_COLUMNS).with_columns(pl.col("value").cast(pl.Float64)).to_pandas()
            outcome = definition.run(
                batch_parameters={"dataframe": pandas}, run_id=RunIdentifier(run_name=batch_id, run_time=run_time),
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row"]})
            runs.add(batch_id)
            for r in outcome.results:
                result, cfg = r.result or {}, r.expectation_config
                bad = [i["row"] for i in result.get("unexpected_index_list") or []]
                unexpected = batch.filter(pl.col("row").is_in(bad)).select(TRACE_COLUMNS).to_dicts()
                results.append({
                    "run_at": run_at, "batch_id": batch_id, "batch_digest": batch["batch_digest"][0],
                    "suite": spec.suite, "table": spec.table, "reporting_date": batch["reporting_date"][0],
                    "name": (cfg.meta or {}).get("name"), "expectation": cfg.type, "column": cfg.kwargs.get("column"),
                    "success": bool(r.success), "element_count": result.get("element_count"),
                    "unexpected_count": result.get("unexpected_count"),
                    "unexpected_agencies": sorted({u["agency_code"] for u in unexpected}),
                    "unexpected": unexpected,
                })
    # render only this run's validations (earlier pages stay on disk); the index lists them all
    keys = [k for k in context.validation_results_store.list_keys() if k.run_id.run_name in runs
            and k.run_id.run_time == run_time]
    context.build_data_docs(site_names=[SITE], resource_identifiers=keys or None)
    return results
