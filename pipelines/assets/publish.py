"""Publish stage: the analyst copy (warehouse/analyst.duckdb) after every build, and after a run that built nothing
when the copy is missing or older than the last build.

The step waits for the report (the last step that writes the warehouse: the copy holds this build's
findings) and for the ingest, through one fan-in input: Dagster skips a step only when every source of
such an input produced nothing. A run with nothing new skips the report (the dbt step yields nothing),
yet this step still runs after the ingest: it publishes if the copy does not hold the warehouse's last
complete build (deleted, or the publish after that build failed), and otherwise says so and
materializes nothing. A failed build abandons it, as any failed upstream step does.
"""

from __future__ import annotations

from dagster import AssetIn, AssetKey, In, MetadataValue, Nothing, Out, Output, graph_asset, op

from pipelines.assets.ingest import SUBMISSIONS
from pipelines.assets.transform import SKIPPING_JOB
from pipelines.publish import ANALYST_SCHEMAS, STORAGE_VERSION, copy_is_current, described, publish
from pipelines.resources import WarehouseResource

ANALYST_COPY = AssetKey(["report", "analyst_copy"])
DQ_REPORT = AssetKey(["report", "dq_report"])


@op(ins={"after": In(Nothing)}, out=Out(Nothing, is_required=False))
def publish_analyst_copy(context, warehouse: WarehouseResource):
    """Publish the copy (only what changed is written: pipelines/publish.py), unless a full_load run finds it current."""
    settings = warehouse.settings
    # a by-hand materialization (the UI's own job) always publishes
    if context.run.job_name == SKIPPING_JOB and copy_is_current(settings, log=context.log.warning):
        context.log.info(f"analyst copy {settings.analyst_path} holds the last build already: not published again")
        return
    done = publish(settings, log=context.log.warning)
    context.log.info(f"analyst copy: {described(done)}")
    yield Output(None, metadata={
        "path": MetadataValue.path(str(done.path)),
        "size_mb": MetadataValue.float(round(done.size_bytes / 1e6, 2)),
        "size_bytes": done.size_bytes,  # exact: the console rounds from it once (11.5496 MB read 11.6 from size_mb)
        "seconds": MetadataValue.float(round(done.seconds, 2)),
        "tables_copied": done.tables, "views_copied": done.views,
        "reused_previous_copy": done.reused, "tables_written": done.tables_written,
        "reporting_dates_replaced": done.dates_replaced,
    })


@graph_asset(
    key=ANALYST_COPY,
    group_name="report",
    ins={"report": AssetIn(key=DQ_REPORT, dagster_type=Nothing), "ingest": AssetIn(key=SUBMISSIONS, dagster_type=Nothing)},
    kinds={"duckdb"},
    description=f"warehouse/analyst.duckdb: the {' and '.join(ANALYST_SCHEMAS)} schemas, read-only, in DuckDB's "
                f"{STORAGE_VERSION} storage format (the PyPI duckdb-cli 1.5 opens it: `make sql`), swapped in whole (os.replace); only what changed is rewritten.",
)
def analyst_copy(report, ingest):
    return publish_analyst_copy(after=[report, ingest])
