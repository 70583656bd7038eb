"""Ingest stage: every file in the inbox (and the report figures) is registered, archived, parsed and loaded or quarantined.

One raw table per contract (sources/contracts/*.yml), plus the submission register and the
quarantine report; all written by one step, since one file is one transaction. The asset is built
by ingest_assets(settings) when the definitions load: the contracts are read then, not at import.
"""

from __future__ import annotations

from dagster import AssetKey, AssetsDefinition, AssetSpec, MaterializeResult, MetadataValue, multi_asset

from pipelines.ingest.contracts import load_contracts
from pipelines.ingest.loader import load_inbox
from pipelines.ingest.published import load_published
from pipelines.logsafe import md_list, one_line
from pipelines.resources import WarehouseResource
from pipelines.settings import Settings
from pipelines.warehouse import connect

SUBMISSIONS = AssetKey(["audit", "submissions"])
QUARANTINE = AssetKey(["audit", "quarantine"])


def ingest_tables(settings: Settings) -> dict[AssetKey, tuple[str, str, str | None]]:
    """asset key -> (table, description, domain whose rows it holds): one per contract, and the two audit tables."""
    return {
        AssetKey(c.target_table.split(".")): (c.target_table, f"{c.description} (contract sources/contracts/{c.domain}.yml)", c.domain)
        for c in load_contracts(settings.contracts_dir).values()
    } | {
        SUBMISSIONS: ("audit.submissions", "One row per file received: agency, domain, reporting date, version, sha256, archive path, status, message.", None),
        QUARANTINE: ("audit.quarantine", "One row per problem in a rejected file: file, row, field, value, reason.", None),
    }


def ingest_assets(settings: Settings) -> AssetsDefinition:
    tables = ingest_tables(settings)

    @multi_asset(
        name="agency_submissions",
        group_name="ingest",
        specs=[AssetSpec(key, description=desc, kinds={"duckdb"}) for key, (_, desc, _) in tables.items()],
    )
    def agency_submissions(context, warehouse: WarehouseResource):
        """Load new files; files already registered (same name and bytes) are skipped, so a re-run changes nothing."""
        settings = warehouse.settings
        summary = load_inbox(settings, log=context.log.warning)
        published = load_published(settings, log=context.log.warning)
        both = summary + published
        for message in both.messages:
            # the message quotes the file name and cells: one line, nothing hidden, whatever they hold
            context.log.warning(f"rejected {one_line(message)}")
        context.log.info(
            f"inbox {one_line(settings.inbox_dir)}: {summary.seen} files, {summary.new} new, "
            f"{summary.accepted} accepted, {summary.rejected} rejected; report figures: {published.new} new files"
        )
        with connect(settings.duckdb_path, read_only=True, wait_seconds=settings.lock_wait_seconds) as con:
            counts = {key: con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] for key, (table, _, _) in tables.items()}
        for key, (_, _, domain) in tables.items():
            metadata = {"dagster/row_count": MetadataValue.int(counts[key])}
            if key == SUBMISSIONS:
                metadata.update({
                    "files_seen": both.seen, "files_new": both.new,
                    "files_accepted": both.accepted, "files_rejected": both.rejected,
                    "rejections": MetadataValue.md(md_list(both.messages)),
                })
            elif domain:
                metadata["rows_loaded_this_run"] = both.rows_loaded.get(domain, 0)
            yield MaterializeResult(asset_key=key, metadata=metadata)

    return agency_submissions
