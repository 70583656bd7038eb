"""Transform stage: the dbt project (staging -> intermediate -> marts) as Dagster assets; dbt tests become asset checks."""


from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from pipelines.resources import DBT_PROJECT, WarehouseResource, export_for_dbt
from pipelines.warehouse import connect


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
    # dbt would fail at once on a file another process holds: wait here, saying why, first.
    with connect(warehouse.settings.duckdb_path, log=context.log.warning):
        pass
    # One thread (profiles.yml): DuckDB has one writer, and dbt is it while this step runs.
    yield from dbt.cli(["build"], context=context).stream()
