"""Transform stage: the dbt project (staging -> intermediate -> marts) as Dagster assets; dbt tests become asset checks."""

from dagster import AssetExecutionContext, AssetsDefinition, Config
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from pipelines.build_state import (fingerprint, full_refresh_reason, mark_building, marts_inputs, record_marts_inputs,
                                   unchanged_line, unchanged_since)
from pipelines.resources import WarehouseResource
from pipelines.warehouse import LOCK_LINE, WarehouseLocked, connect

# The job whose runs may end early when nothing changed; a model materialized by hand (the UI's own
# asset job) is rebuilt as asked.
SKIPPING_JOB = "full_load"


class DbtStepConfig(Config):
    """Run config of the dbt step (`ops: {warehouse_models: {config: {full_refresh: true}}}`)."""

    full_refresh: bool = False
    """Rebuild every mart whole (`dbt build --full-refresh`), even with nothing new."""


class Translator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props) -> str:
        return "transform"


def transform_assets(project: DbtProject, files_digest: str) -> AssetsDefinition:
    """The dbt models as assets, from the manifest `make install` prepares (read here, when the definitions load).

    files_digest: the build's input files as read when the definitions loaded (pipelines/build_state.py)."""
    if not project.manifest_path.exists():
        raise FileNotFoundError(f"{project.manifest_path} is missing: run `make install` (it runs `dbt parse` once).")

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=Translator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
    )
    def warehouse_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource,
                         config: DbtStepConfig):
        settings = warehouse.settings
        inputs = marts_inputs(settings)
        with connect(settings.duckdb_path, wait_seconds=settings.lock_wait_seconds, log=context.log.warning) as con:
            current = fingerprint(con, files_digest)
            skippable = context.run.job_name == SKIPPING_JOB and not config.full_refresh
            last = unchanged_since(con, current) if skippable else None
            if last is None:
                reason = "asked for (run config full_refresh)" if config.full_refresh else full_refresh_reason(con, inputs)
                mark_building(con, current, context.run_id, full_refresh=bool(reason))
        if last is not None:
            # No output: dbt's assets are optional (skippable), so Dagster skips the rules, GX and the
            # report after this step, and the dbt tests' checks show as skipped, neither passed nor failed.
            context.log.info(unchanged_line(last))
            return
        if reason:
            context.log.info(f"dbt build --full-refresh: {reason}")
        else:
            context.log.info("dbt build: the incremental facts recompute only the reporting dates whose "
                             "submissions in force changed")
        yield from run_dbt_build(context, dbt, warehouse, full_refresh=bool(reason))
        if reason and not context.is_subset:
            # only a whole build that succeeded (run_dbt_build raises otherwise) stands for these files
            with connect(settings.duckdb_path, wait_seconds=settings.lock_wait_seconds, log=context.log.warning) as con:
                record_marts_inputs(con, inputs)

    return warehouse_models


def run_dbt_build(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource,
                  full_refresh: bool = False):
    """`dbt build` on the resource's warehouse: its path and lock wait go to dbt as --vars (profiles.yml reads them).

    full_refresh: rebuild the incremental facts whole (`--full-refresh`) rather than their changed reporting dates."""
    # One thread (profiles.yml): DuckDB has one writer, and dbt is it while this step runs. dbt itself
    # waits for a held file (plugin pipelines/dbt_lock.py), at the moment it connects: a wait here
    # would let go of the file again for dbt's start-up. This process does not open the file meanwhile
    # (dagster-dbt's in-process adapter only queries for fetch_row_counts/fetch_column_metadata).
    args = ["build", *(["--full-refresh"] if full_refresh else []), *warehouse.dbt_args()]
    invocation = dbt.cli(args, context=context, raise_on_error=False)
    gave_up = None
    for event in invocation.stream_raw_events():
        info = event.raw_event["info"]
        found = LOCK_LINE.search(info["msg"]) if info["level"] in ("warn", "error") else None
        if found and info["level"] == "warn":
            context.log.warning(found.group(0))  # dbt's wait, in the run log like every other step's
        elif found:
            gave_up = found.group(0)
        yield from event.to_default_asset_events(
            manifest=invocation.manifest, dagster_dbt_translator=invocation.dagster_dbt_translator,
            context=context, target_path=invocation.target_path, project=invocation.project)
    if gave_up:
        raise WarehouseLocked(gave_up)
    error = invocation.get_error()
    if error:
        raise error
