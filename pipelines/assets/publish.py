"""Publish stage: the analyst copy (warehouse/analyst.duckdb) after every build, once the report is written."""

from __future__ import annotations

from dagster import AssetKey, MaterializeResult, MetadataValue, asset

from pipelines.publish import ANALYST_SCHEMAS, STORAGE_VERSION, publish
from pipelines.resources import WarehouseResource

ANALYST_COPY = AssetKey(["report", "analyst_copy"])


@asset(
    key=ANALYST_COPY,
    group_name="report",
    # after the report, the last step that writes the warehouse: the copy holds this build's findings. A
    # run with nothing new skips the report, and so this step: the copy of the last build stands.
    deps=[AssetKey(["report", "dq_report"])],
    kinds={"duckdb"},
    description=f"warehouse/analyst.duckdb: the {' and '.join(ANALYST_SCHEMAS)} schemas, read-only, in DuckDB's "
                f"{STORAGE_VERSION} storage format (the PyPI duckdb-cli 1.5 opens it: `make sql`), replaced whole.",
)
def analyst_copy(context, warehouse: WarehouseResource):
    done = publish(warehouse.settings, log=context.log.warning)
    context.log.info(f"analyst copy: {done.tables} tables and {done.views} views, "
                     f"{done.size_bytes / 1e6:.1f} MB in {done.seconds:.1f} s")
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(done.path)),
        "size_mb": MetadataValue.float(round(done.size_bytes / 1e6, 2)),
        "seconds": MetadataValue.float(round(done.seconds, 2)),
        "tables_copied": done.tables, "views_copied": done.views,
    })
