"""Reporting-date partitions: one data-quality report per reporting round, re-runnable and backfillable.

Loads are by file, not by date (a file already registered is skipped), so what a past date needs
is its report: the findings citing that round's files, its files received and rejected. The inbox
sensor adds a partition for every reporting date it sees in a file name and names those dates in a
tag of the load it asks for; when that load succeeds, the sensor `round_reports_after_load` asks
for the report of each of them (a load from `make run` or the schedule has no such tag: the UI's
partition picker re-runs one date or backfills many, job `round_reports`).
"""

from __future__ import annotations

from datetime import date

from dagster import (
    AssetKey,
    DagsterRunStatus,
    DefaultSensorStatus,
    DynamicPartitionsDefinition,
    MaterializeResult,
    MetadataValue,
    RunRequest,
    asset,
    define_asset_job,
    run_status_sensor,
)

from pipelines.assets.quality import DQ_FINDINGS
from pipelines.logsafe import one_line
from pipelines.report.render import write_report
from pipelines.resources import WarehouseResource

REPORTING_DATES = DynamicPartitionsDefinition(name="reporting_date")
ROUND_REPORT = AssetKey(["report", "round_report"])
# tag of a load asked for by the inbox sensor: the reporting dates its new files name, comma-separated
REPORTING_DATES_TAG = "r57/reporting_dates"


@asset(
    key=ROUND_REPORT,
    group_name="report",
    partitions_def=REPORTING_DATES,
    deps=[DQ_FINDINGS],
    kinds={"html"},
    description="warehouse/reports/rounds/<date>/: the data-quality report of one reporting round.",
)
def round_report(context, warehouse: WarehouseResource):
    day = date.fromisoformat(context.partition_key)
    paths = write_report(warehouse.settings, day=day)
    context.log.info(f"report of the round of {day:%d/%m/%Y}: {one_line(paths.html)}")
    return MaterializeResult(metadata={"html": MetadataValue.path(str(paths.html)),
                                       "csv": MetadataValue.path(str(paths.csv))})


round_reports = define_asset_job(
    "round_reports", selection=[ROUND_REPORT], partitions_def=REPORTING_DATES,
    description="Write (or re-write) the report of one or more reporting rounds.",
)


def round_reports_sensor(load_job):
    @run_status_sensor(
        name="round_reports_after_load",
        run_status=DagsterRunStatus.SUCCESS,
        monitored_jobs=[load_job],
        request_job=round_reports,
        default_status=DefaultSensorStatus.RUNNING,
        description="After a load the inbox sensor asked for succeeds, writes the report of each reporting round its files name.",
    )
    def _sensor(context):
        run = context.dagster_run
        dates = [d for d in run.tags.get(REPORTING_DATES_TAG, "").split(",") if d]
        # one run per round (a partitioned run has one partition); the run key makes each asked for once
        return [RunRequest(run_key=f"{run.run_id}:{d}", partition_key=d) for d in dates]

    return _sensor
