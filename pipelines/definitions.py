"""The Dagster code location: one Definitions object for every asset, check, job and resource."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from pipelines.assets.ingest import agency_submissions
from pipelines.assets.quality import dq_findings, gx_results
from pipelines.assets.report import dq_report
from pipelines.assets.rounds import ROUND_REPORT, round_report, round_reports
from pipelines.assets.transform import warehouse_models
from pipelines.automation import daily_schedule, inbox_sensor
from pipelines.resources import SETTINGS, WarehouseResource, dbt_resource
from pipelines.run_hygiene import run_hygiene_sensor

full_load = define_asset_job(
    "full_load",
    selection=AssetSelection.all() - AssetSelection.assets(ROUND_REPORT),
    description="Ingest every new file in the inbox, rebuild the marts, evaluate the rules, write the report.",
)

defs = Definitions(
    assets=[agency_submissions, warehouse_models, dq_findings, gx_results, dq_report, round_report],
    jobs=[full_load, round_reports],
    schedules=[daily_schedule(full_load)],
    sensors=[inbox_sensor(full_load), run_hygiene_sensor],
    resources={"warehouse": WarehouseResource.from_settings(SETTINGS), "dbt": dbt_resource()},
    # Steps share one DuckDB file, which allows one writer: run them one after another in-process.
    executor=in_process_executor,
)
