"""Reporting-date partitions: one data-quality report per reporting round, re-runnable and backfillable.

Loads are by file, not by date (a file already registered is skipped), so what a past date needs
is its report: the findings citing that round's files, its files received and rejected. The inbox
sensor adds a partition for every reporting date it sees in a file name; the UI's partition
picker re-runs one date or backfills many (job `round_reports`).
"""

from __future__ import annotations

from datetime import date

from dagster import AssetKey, DynamicPartitionsDefinition, MaterializeResult, MetadataValue, asset, define_asset_job

from pipelines.assets.quality import DQ_FINDINGS
from pipelines.logsafe import one_line
from pipelines.report.render import write_report
from pipelines.resources import WarehouseResource

REPORTING_DATES = DynamicPartitionsDefinition(name="reporting_date")
ROUND_REPORT = AssetKey(["report", "round_report"])


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
