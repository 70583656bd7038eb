"""Quality stage: the rule engine writes audit.dq_findings; each rule is an asset check, red when it has findings."""

from __future__ import annotations

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
)

import polars as pl

from pipelines.logsafe import md_list, one_line
from pipelines.quality.engine import evaluate
from pipelines.quality.lifecycle import update_lifecycle
from pipelines.quality.gx_suites import current_results, docs_index, load_suites, run_suites, store_results
from pipelines.quality.rules import Rule, load_catalogue
from pipelines.resources import SETTINGS, WarehouseResource
from pipelines.warehouse import connect

DQ_FINDINGS = AssetKey(["audit", "dq_findings"])
CATALOGUE = load_catalogue(SETTINGS.rules_dir)
# The marts and models the rules read (figure sources and row checks name them in YAML).
RULE_INPUTS = sorted({
    text.strip()
    for text in [s.from_ for s in CATALOGUE.sources.values()]
    + [r.spec["from"] for r in CATALOGUE.rules.values() if r.kind == "row_check"]
    if text.strip().split(".")[0] in ("marts", "intermediate", "staging")
})


def check_name(rule: Rule) -> str:
    return rule.id.lower().replace("-", "_")


@asset(
    key=DQ_FINDINGS,
    group_name="quality",
    deps=[AssetKey(name.split(".")) for name in RULE_INPUTS],  # dbt keys are schema/model
    check_specs=[
        AssetCheckSpec(check_name(r), asset=DQ_FINDINGS, description=f"{r.id}: {r.label}", blocking=False)
        for r in CATALOGUE.rules.values()
    ],
    kinds={"duckdb"},
    description="One row per failed rule instance (expectations/rules/*.yml): both sides, difference, tolerance, evidence.",
)
def dq_findings(context, warehouse: WarehouseResource):
    catalogue = load_catalogue(warehouse.settings.rules_dir)
    with connect(warehouse.settings.duckdb_path, log=context.log.warning) as con:
        summary = evaluate(con, catalogue)
        lifecycle = update_lifecycle(con)
        samples = {
            rule_id: [m for (m,) in con.execute(
                "SELECT message FROM audit.dq_findings WHERE rule_id = ? "
                "ORDER BY echo_of_file IS NOT NULL, agency_code, subject LIMIT 5",
                [rule_id]).fetchall()]
            for rule_id in summary.by_rule
        }
    context.log.info(f"{summary.figures} figures checked; {summary.errors} errors, {summary.warnings} warnings")
    yield MaterializeResult(metadata={
        "dagster/row_count": MetadataValue.int(summary.findings),
        "figures": summary.figures, "errors": summary.errors, "warnings": summary.warnings,
        "findings_by_rule": MetadataValue.json(summary.by_rule),
        "submissions_by_status": MetadataValue.json(lifecycle),
    })
    for rule in CATALOGUE.rules.values():
        # an echo of a rejected file is that file's fault, shown with it: it does not turn the rule red
        echoes = summary.echoes_by_rule.get(rule.id, 0)
        count = summary.by_rule.get(rule.id, 0) - echoes
        yield AssetCheckResult(
            check_name=check_name(rule),
            passed=count == 0,
            severity=AssetCheckSeverity.ERROR if rule.severity == "error" else AssetCheckSeverity.WARN,
            metadata={"findings": count, "echoes_of_rejected_files": echoes,
                      "examples": MetadataValue.md(md_list(samples.get(rule.id, [])))},
        )


GX_RESULTS = AssetKey(["audit", "gx_results"])
GX_SUITES = load_suites(SETTINGS.suites_dir)


@asset(
    key=GX_RESULTS,
    group_name="quality",
    deps=[DQ_FINDINGS] + [AssetKey(s.table.split(".")) for s in GX_SUITES if s.table.startswith("marts.")],
    check_specs=[AssetCheckSpec(f"gx_{s.suite}", asset=GX_RESULTS, description=f"Great Expectations suite {s.suite} on {s.table}")
                 for s in GX_SUITES],
    kinds={"duckdb"},
    description="One row per expectation of the Great Expectations suites (expectations/suites/) over the marts.",
)
def gx_results(context, warehouse: WarehouseResource):
    settings = warehouse.settings
    # only batches (a suite's reporting date) not validated yet; reads through a read-only connection
    rows = run_suites(settings.duckdb_path, settings.suites_dir, settings.warehouse_dir)
    with connect(settings.duckdb_path, log=context.log.warning) as con:
        store_results(con, rows)
        current = current_results(con)  # each batch's latest validation, this run's or earlier
    failed = current.filter(~pl.col("success"))
    for row in failed.iter_rows(named=True):
        context.log.warning(one_line(f"GX {row['batch_id']}: {row['name']} failed for {', '.join(row['unexpected_agencies'])}"))
    yield MaterializeResult(metadata={
        "dagster/row_count": MetadataValue.int(current.height), "failed": failed.height,
        "batches_validated_now": len({r["batch_id"] for r in rows}),
        "data_docs": MetadataValue.path(str(docs_index(settings.warehouse_dir))),
    })
    for spec in GX_SUITES:
        mine = current.filter(pl.col("suite") == spec.suite)
        bad = mine.filter(~pl.col("success"))
        yield AssetCheckResult(  # a jump or a share out of band asks for an auditor's eye: a warning
            check_name=f"gx_{spec.suite}", passed=bad.height == 0, severity=AssetCheckSeverity.WARN,
            metadata={"results": mine.height, "failed": bad.height,
                      "failures": MetadataValue.md(md_list(f"{b} {n}: {', '.join(a)}" for b, n, a in
                                                           bad.select("batch_id", "name", "unexpected_agencies").iter_rows()))},
        )
