"""Quality stage: the rule engine writes audit.dq_findings; each rule is an asset check, red when it has findings.

The rule catalogue and the GX suites shape the assets (their checks and inputs), so the assets are
built by findings_asset(settings, files_digest) and gx_asset(settings) when the definitions load, not at import.
"""

from __future__ import annotations

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

import polars as pl

from pipelines.logsafe import md_list, one_line
from pipelines.quality.engine import RULES_DUCKDB_SETTINGS, evaluate
from pipelines.quality.history import register_path, register_problems
from pipelines.quality.incremental import marts_fully_refreshed
from pipelines.quality.lifecycle import update_lifecycle
from pipelines.quality.gx_suites import current_results, docs_index, load_suites, run_suites, store_results
from pipelines.quality.rules import Catalogue, Rule, load_catalogue
from pipelines.resources import WarehouseResource
from pipelines.settings import Settings
from pipelines.warehouse import connect

DQ_FINDINGS = AssetKey(["audit", "dq_findings"])
GX_RESULTS = AssetKey(["audit", "gx_results"])


def rule_catalogue(settings: Settings) -> Catalogue:
    """The catalogue the engine evaluates; a folder without rules is a set-up mistake, said as one."""
    folder = settings.rules_dir
    if not folder.is_dir() or not any(folder.glob("*.yml")):
        what = "is not a folder" if not folder.is_dir() else "holds no *.yml rule file"
        raise FileNotFoundError(f"rule catalogue {folder} (R57_RULES_DIR) {what}: the quality assets cannot be built")
    return load_catalogue(folder)


def rule_inputs(catalogue: Catalogue) -> list[str]:
    """The marts and models the rules read (figure sources and row checks name them in YAML)."""
    return sorted({
        text.strip()
        for text in [s.from_ for s in catalogue.sources.values()]
        + [r.spec["from"] for r in catalogue.rules.values() if "from" in r.spec]  # row checks read a table
        if text.strip().split(".")[0] in ("marts", "intermediate", "staging")
    })


def check_name(rule: Rule) -> str:
    return rule.id.lower().replace("-", "_")


def findings_asset(settings: Settings, files_digest: str) -> AssetsDefinition:
    """files_digest: the build's input files as read when the definitions loaded (pipelines/build_state.py), the
    digest the dbt step fingerprints too: read once, not again by each step."""
    catalogue = rule_catalogue(settings)

    @asset(
        key=DQ_FINDINGS,
        group_name="quality",
        deps=[AssetKey(name.split(".")) for name in rule_inputs(catalogue)],  # dbt keys are schema/model
        check_specs=[
            AssetCheckSpec(check_name(r), asset=DQ_FINDINGS, description=f"{r.id}: {r.label}", blocking=False)
            for r in catalogue.rules.values()
        ],
        kinds={"duckdb"},
        description="One row per failed rule instance (expectations/rules/*.yml): both sides, difference, tolerance, evidence.",
    )
    def dq_findings(context, warehouse: WarehouseResource):
        settings = warehouse.settings
        with connect(settings.duckdb_path, wait_seconds=settings.lock_wait_seconds, log=context.log.warning) as con:
            for setting in RULES_DUCKDB_SETTINGS:
                con.execute(setting)
            # the catalogue the checks were declared from: one set of rules per code location load. Only what
            # the files received since the last evaluation touched is redone, unless the catalogue or the
            # reference data, contracts, dbt project or code changed (files_digest): then all of it.
            summary = evaluate(con, catalogue, incremental=not marts_fully_refreshed(con, context.run_id),
                               basis=files_digest, run_id=context.run_id, register=register_path(settings.rules_dir))
            for problem in register_problems(con):  # a bad register row is listed, never fatal (history.py)
                context.log.warning(one_line(f"{register_path(settings.rules_dir).name} {problem}"))
            lifecycle = update_lifecycle(con)
            samples = {
                rule_id: [m for (m,) in con.execute(
                    "SELECT message FROM audit.dq_findings WHERE rule_id = ? "
                    "ORDER BY echo_of_file IS NOT NULL, agency_code, subject LIMIT 5",
                    [rule_id]).fetchall()]
                for rule_id in summary.by_rule
            }
        how = "only what the new files touched re-evaluated" if summary.incremental else "all re-evaluated"
        context.log.info(f"{summary.figures} figures ({how}); {summary.errors} errors, {summary.warnings} warnings")
        yield MaterializeResult(metadata={
            "dagster/row_count": MetadataValue.int(summary.findings),
            "figures": summary.figures, "errors": summary.errors, "warnings": summary.warnings,
            "findings_by_rule": MetadataValue.json(summary.by_rule),
            "submissions_by_status": MetadataValue.json(lifecycle),
        })
        for rule in catalogue.rules.values():
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

    return dq_findings


def gx_asset(settings: Settings) -> AssetsDefinition:
    suites = load_suites(settings.suites_dir)

    @asset(
        key=GX_RESULTS,
        group_name="quality",
        deps=[DQ_FINDINGS] + [AssetKey(s.table.split(".")) for s in suites if s.table.startswith("marts.")],
        check_specs=[AssetCheckSpec(f"gx_{s.suite}", asset=GX_RESULTS, description=f"Great Expectations suite {s.suite} on {s.table}")
                     for s in suites],
        kinds={"duckdb"},
        description="One row per batch (suite × reporting date) and expectation of the round-over-round suites (expectations/suites/), kept from run to run.",
    )
    def gx_results(context, warehouse: WarehouseResource):
        settings = warehouse.settings
        # only batches (a suite's reporting date) not validated yet; reads through a read-only connection
        rows = run_suites(settings.duckdb_path, settings.suites_dir, settings.warehouse_dir,
                          wait_seconds=settings.lock_wait_seconds)
        with connect(settings.duckdb_path, wait_seconds=settings.lock_wait_seconds, log=context.log.warning) as con:
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
        for spec in suites:
            mine = current.filter(pl.col("suite") == spec.suite)
            bad = mine.filter(~pl.col("success"))
            yield AssetCheckResult(  # a jump or a share out of band asks for an auditor's eye: a warning
                check_name=f"gx_{spec.suite}", passed=bad.height == 0, severity=AssetCheckSeverity.WARN,
                metadata={"results": mine.height, "failed": bad.height,
                          "failures": MetadataValue.md(md_list(f"{b} {n}: {', '.join(a)}" for b, n, a in
                                                               bad.select("batch_id", "name", "unexpected_agencies").iter_rows()))},
            )

    return gx_results
