"""Report stage: the auditors' HTML page and CSV/XLSX of findings under warehouse/reports/."""

from __future__ import annotations

from dagster import AssetKey, MaterializeResult, MetadataValue, asset

from pipelines.assets.quality import DQ_FINDINGS, GX_RESULTS
from pipelines.build_state import mark_built
from pipelines.logsafe import one_line
from pipelines.quality.gx_suites import current_results
from pipelines.report.pair_review import write_pair_review
from pipelines.report.render import write_report
from pipelines.report.workbooks import AGENCY_FOLDER
from pipelines.resources import WarehouseResource
from pipelines.schema_docs import comment_sources
from pipelines.warehouse import connect


@asset(
    key=AssetKey(["report", "dq_report"]),
    group_name="report",
    deps=[DQ_FINDINGS, GX_RESULTS, AssetKey(["audit", "quarantine"]), AssetKey(["marts", "dim_agency"]),
          AssetKey(["marts", "v_agency_kpis"]), AssetKey(["marts", "v_submission_coverage"]),
          AssetKey(["intermediate", "int_published_figures__pair_candidates"])],
    kinds={"html"},
    description="warehouse/reports/dq_report.html, dq_findings.csv and dq_findings.xlsx (summary, findings, files, quarantine): "
                "findings by agency, figures side by side; agencies/<AGENCY_CODE>.xlsx and .csv: each agency's problems to send back.",
)
def dq_report(context, warehouse: WarehouseResource):
    settings = warehouse.settings
    with connect(settings.duckdb_path, read_only=True, wait_seconds=settings.lock_wait_seconds) as con:
        gx = current_results(con).to_dicts()  # each round's latest validation, not the history
    paths = write_report(settings, gx_results=gx)
    context.log.info(f"data-quality report: {one_line(paths.html)}")
    # Report-figure pairs that may state the same quantity, for an auditor's decision (README: "Reviewing restatements").
    pairs = write_pair_review(settings)
    with connect(settings.duckdb_path, wait_seconds=settings.lock_wait_seconds, log=context.log.warning) as con:
        # after every step that writes the audit tables (the rules step recreates audit.dq_*)
        comment_sources(con, settings.dbt_project_dir / "target" / "manifest.json")
        # the last step of the build: only now may the next run trust what this one built
        if mark_built(con, context.run_id):
            context.log.info("build recorded: a next run with the same inputs ends after the ingest")
    return MaterializeResult(metadata={
        "html": MetadataValue.path(str(paths.html)), "html_en": MetadataValue.path(str(paths.html_en)), "csv": MetadataValue.path(str(paths.csv)),
        "xlsx": MetadataValue.path(str(paths.xlsx)),
        # one workbook (and CSV) per agency to send back (pipelines/report/workbooks.py)
        "agency_workbooks": MetadataValue.path(str(paths.html.parent / AGENCY_FOLDER)),
        "pair_review_csv": MetadataValue.path(str(pairs.csv)), "pairs_to_review": pairs.to_review,
    })
