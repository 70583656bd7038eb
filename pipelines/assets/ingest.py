"""Ingest stage: every file in the inbox (and the report figures) is registered, archived, parsed and loaded or quarantined.

One raw table per contract (sources/contracts/*.yml), plus the submission register and the
quarantine report; all written by one step, since one file is one transaction.
"""

from __future__ import annotations

from dagster import AssetKey, AssetSpec, MaterializeResult, MetadataValue, multi_asset

from pipelines.ingest.contracts import load_contracts
from pipelines.ingest.loader import load_inbox
from pipelines.ingest.published import load_published
from pipelines.logsafe import md_list, one_line
from pipelines.resources import SETTINGS, WarehouseResource
from pipelines.warehouse import connect

CONTRACTS = load_contracts(SETTINGS.contracts_dir)
SUBMISSIONS = AssetKey(["audit", "submissions"])
QUARANTINE = AssetKey(["audit", "quarantine"])

# asset key -> (table, description, domain whose rows it holds)
TABLES = {
    AssetKey(c.target_table.split(".")): (c.target_table, f"{c.description} (contract sources/contracts/{c.domain}.yml)", c.domain)
    for c in CONTRACTS.values()
} | {
    SUBMISSIONS: ("audit.submissions", "One row per file received: agency, domain, reporting date, version, sha256, archive path, status, message.", None),
    QUARANTINE: ("audit.quarantine", "One row per problem in a rejected file: file, row, field, value, reason.", None),
}


@multi_asset(
    name="agency_submissions",
    group_name="ingest",
    specs=[AssetSpec(key, description=desc, kinds={"duckdb"}) for key, (_, desc, _) in TABLES.items()],
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
    with connect(settings.duckdb_path, read_only=True) as con:
        counts = {key: con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] for key, (table, _, _) in TABLES.items()}
    for key, (_, _, domain) in TABLES.items():
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
