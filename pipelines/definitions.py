"""The Dagster code location: one Definitions object for every asset, check, job and resource.

It is built by build_definitions(settings) when Dagster loads the location (the lazy `defs`
below), from the settings of that process's environment; importing this module reads no file and
no variable. Tests and tools build it from a Settings of their own.
"""

from __future__ import annotations

import functools

from dagster import AssetSelection, Definitions, define_asset_job, definitions, in_process_executor

from pipelines.assets.coverage import coverage_checks
from pipelines.assets.ingest import ingest_assets
from pipelines.assets.publish import analyst_copy
from pipelines.assets.quality import findings_asset, gx_asset
from pipelines.assets.report import dq_report
from pipelines.assets.rounds import ROUND_REPORT, round_report, round_reports, round_reports_sensor
from pipelines.assets.transform import transform_assets
from pipelines.automation import daily_schedule, inbox_sensor
from pipelines.build_state import files_digest
from pipelines.event_log import relax_run_history_sync
from pipelines.resources import build_resources, dbt_project
from pipelines.run_hygiene import run_hygiene_sensor
from pipelines.settings import Settings, load_settings

full_load = define_asset_job(
    "full_load",
    selection=AssetSelection.all() - AssetSelection.assets(ROUND_REPORT),
    description="Ingest every new file in the inbox, rebuild the marts, evaluate the rules, write the report.",
)


def build_definitions(settings: Settings) -> Definitions:
    relax_run_history_sync()  # this process writes the run's events: see pipelines/event_log.py
    # Dagster calls `defs` several times per process (5 for one `dagster job execute`), and each build
    # reads the catalogue, the suites and the dbt manifest: built once per settings and input files.
    return _definitions_for(settings, files_digest(settings))


@functools.lru_cache(maxsize=8)
def _definitions_for(settings: Settings, digest: str) -> Definitions:
    project = dbt_project(settings)
    return Definitions(
        assets=[ingest_assets(settings), transform_assets(project, digest), findings_asset(settings, digest), gx_asset(settings),
                dq_report, analyst_copy, round_report],
        asset_checks=[coverage_checks(settings)],
        jobs=[full_load, round_reports],
        schedules=[daily_schedule(full_load)],
        sensors=[inbox_sensor(full_load, settings), round_reports_sensor(full_load), run_hygiene_sensor],
        resources=build_resources(settings, project),
        # Steps share one DuckDB file, which allows one writer: run them one after another in-process.
        executor=in_process_executor,
    )


@definitions
def defs() -> Definitions:
    return build_definitions(load_settings())
