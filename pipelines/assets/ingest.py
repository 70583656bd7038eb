"""Ingest stage: every file in the inbox is registered, archived, parsed and loaded or quarantined."""

from __future__ import annotations

from dagster import AssetKey, AssetSpec, MaterializeResult, MetadataValue, multi_asset

from pipelines.ingest.loader import load_inbox
from pipelines.ingest.published import load_published
from pipelines.resources import WarehouseResource
from pipelines.warehouse import connect

TASK_STATUS_ROWS = AssetKey(["raw", "task_status_rows"])
TASK_SUMMARY_ROWS = AssetKey(["raw", "task_summary_rows"])
PUBLISHED_FIGURES = AssetKey(["raw", "published_figures"])
SUBMISSIONS = AssetKey(["audit", "submissions"])
QUARANTINE = AssetKey(["audit", "quarantine"])

TABLES = {
    TASK_STATUS_ROWS: ("raw.task_status_rows", "Typed task rows of accepted task-status files (contract sources/contracts/task_status.yml)."),
    TASK_SUMMARY_ROWS: ("raw.task_summary_rows", "Declared summary counts of accepted task-summary files (contract sources/contracts/task_summary.yml)."),
    PUBLISHED_FIGURES: ("raw.published_figures", "Figures quoted from the national reports (sources/published_figures/, contract sources/contracts/published_figures.yml)."),
    SUBMISSIONS: ("audit.submissions", "One row per file received: agency, domain, reporting date, sha256, archive path, status, message."),
    QUARANTINE: ("audit.quarantine", "One row per problem in a rejected file: file, row, field, value, reason."),
}


@multi_asset(
    name="agency_submissions",
    group_name="ingest",
    specs=[AssetSpec(key, description=desc, kinds={"duckdb"}) for key, (_, desc) in TABLES.items()],
    pool="warehouse",
)
def agency_submissions(context, warehouse: WarehouseResource):
    """Load new files from the inbox and the report figures; files already registered (same name and bytes) are skipped."""
    settings = warehouse.settings
    summary = load_inbox(settings)
    published = load_published(settings)
    for message in published.messages:
        context.log.warning(f"rejected {message}")
    for message in summary.messages:
        context.log.warning(f"rejected {message}")
    context.log.info(
        f"inbox {settings.inbox_dir}: {summary.seen} files, {summary.new} new, "
        f"{summary.accepted} accepted, {summary.rejected} rejected"
    )
    with connect(settings.duckdb_path, read_only=True) as con:
        counts = {key: con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] for key, (table, _) in TABLES.items()}
    for key in TABLES:
        metadata = {"dagster/row_count": MetadataValue.int(counts[key])}
        if key == SUBMISSIONS:
            metadata.update({
                "files_seen": summary.seen, "files_new": summary.new,
                "files_accepted": summary.accepted, "files_rejected": summary.rejected,
                "rejections": MetadataValue.md("\n".join(f"- {m}" for m in summary.messages) or "none"),
            })
        elif key in (TASK_STATUS_ROWS, TASK_SUMMARY_ROWS):
            domain = key.path[-1].removesuffix("_rows")
            metadata["rows_loaded_this_run"] = summary.rows_loaded.get(domain, 0)
        elif key == PUBLISHED_FIGURES:
            metadata["rows_loaded_this_run"] = published.rows_loaded.get("published_figures", 0)
            metadata["files_rejected"] = published.rejected
        yield MaterializeResult(asset_key=key, metadata=metadata)
