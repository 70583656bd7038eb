"""Transform stage: the dbt project (staging -> intermediate -> marts) as Dagster assets; dbt tests become asset checks."""


from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from pipelines.resources import DBT_PROJECT, WarehouseResource, export_for_dbt
from pipelines.warehouse import LOCK_LINE, WarehouseLocked


class Translator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props) -> str:
        return "transform"


MANIFEST = DBT_PROJECT.manifest_path
if not MANIFEST.exists():
    raise FileNotFoundError(f"{MANIFEST} is missing: run `make install` (it runs `dbt parse` once).")


@dbt_assets(
    manifest=MANIFEST,
    project=DBT_PROJECT,
    dagster_dbt_translator=Translator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def warehouse_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    # dbt reads the warehouse path from its environment (profiles.yml): the resource's path wins.
    export_for_dbt(warehouse.settings)
    # One thread (profiles.yml): DuckDB has one writer, and dbt is it while this step runs. dbt itself
    # waits for a held file (plugin pipelines/dbt_lock.py), at the moment it connects: a wait here
    # would let go of the file again for dbt's start-up. This process does not open the file meanwhile
    # (dagster-dbt's in-process adapter only queries for fetch_row_counts/fetch_column_metadata).
    invocation = dbt.cli(["build"], context=context, raise_on_error=False)
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
