"""Freshness checks: one asset check per submission domain on marts.v_submission_coverage, a warning
naming the agencies whose file for an open reporting period came in late or is missing past its due date.

The domains are those of sources/reference/reporting_periods.csv, read when the definitions load; one
step reads the view once for all of them.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetChecksDefinition,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)

from pipelines.logsafe import md_list
from pipelines.resources import WarehouseResource
from pipelines.settings import Settings
from pipelines.warehouse import connect

COVERAGE_VIEW = AssetKey(["marts", "v_submission_coverage"])


def check_name(domain: str) -> str:
    return f"submissions_{domain}_on_time"


def is_coverage_check(asset_key: AssetKey, name: str) -> bool:
    """One of these checks, not a dbt test on the same view (the console counts dbt tests apart)."""
    return asset_key == COVERAGE_VIEW and name.startswith("submissions_") and name.endswith("_on_time")


def coverage_domains(settings: Settings) -> list[str]:
    """The domains that have reporting periods: each gets a check, open periods or not."""
    periods = pl.read_csv(settings.reference_dir / "reporting_periods.csv", infer_schema=False)
    return sorted(set(periods["domain"].to_list()))


def _by_period(rows: pl.DataFrame) -> dict[str, list[str]]:
    """{period: [agency codes]} in period then agency order: what the UI shows as JSON."""
    return {period: codes for period, codes in
            rows.group_by("period_code").agg(pl.col("agency_code").sort()).sort("period_code").iter_rows()}


def coverage_results(con: duckdb.DuckDBPyConnection, domains: list[str]) -> Iterator[AssetCheckResult]:
    """One result per domain from one read of the view: failed (a warning) when an agency's file for an
    open period arrived after its due date (late) or has not arrived and the due date has passed
    (missing and overdue); a missing file not yet due is listed as awaited and fails nothing."""
    rows = con.sql(
        "SELECT domain, period_code, agency_code, status, is_overdue, due_date, days_late "
        "FROM marts.v_submission_coverage").pl()
    for domain in domains:
        mine = rows.filter(pl.col("domain") == domain)
        late = mine.filter(pl.col("status") == "late")
        missing = mine.filter((pl.col("status") == "missing") & pl.col("is_overdue"))
        awaited = mine.filter((pl.col("status") == "missing") & ~pl.col("is_overdue"))
        lines = ([f"{r['agency_code']} {r['period_code']}: missing, due {r['due_date']:%d/%m/%Y}"
                  for r in missing.sort("period_code", "agency_code").iter_rows(named=True)]
                 + [f"{r['agency_code']} {r['period_code']}: {r['days_late']} days late (due {r['due_date']:%d/%m/%Y})"
                    for r in late.sort("period_code", "agency_code").iter_rows(named=True)])
        yield AssetCheckResult(
            asset_key=COVERAGE_VIEW,
            check_name=check_name(domain),
            passed=late.height == 0 and missing.height == 0,
            severity=AssetCheckSeverity.WARN,
            metadata={
                "expected": mine.height,
                "received": mine.filter(pl.col("status") == "received").height,
                "late": late.height,
                "missing": missing.height,
                "awaited": awaited.height,
                "late_agencies": MetadataValue.json(_by_period(late)),
                "missing_agencies": MetadataValue.json(_by_period(missing)),
                "awaited_agencies": MetadataValue.json(_by_period(awaited)),
                "details": MetadataValue.md(md_list(lines)),
            },
        )


def coverage_checks(settings: Settings) -> AssetChecksDefinition:
    @multi_asset_check(
        specs=[AssetCheckSpec(check_name(d), asset=COVERAGE_VIEW, blocking=False,
                              description=f"Every expected agency sent its {d} file for each open reporting period "
                                          f"by the due date (marts.v_submission_coverage)")
               for d in coverage_domains(settings)],
        name="submission_coverage_checks",
    )
    def submission_coverage(context, warehouse: WarehouseResource):
        settings = warehouse.settings
        with connect(settings.duckdb_path, read_only=True, wait_seconds=settings.lock_wait_seconds,
                     log=context.log.warning) as con:
            yield from coverage_results(con, coverage_domains(settings))

    return submission_coverage
