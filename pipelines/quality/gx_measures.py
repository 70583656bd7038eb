"""The frame Great Expectations validates: per agency, round and measure, the value beside its history.

Set-based in DuckDB: each suite's measures are aggregated from its mart per agency and reporting
date, unpivoted to one row per measure, given the agency's previous round and its band over
earlier rounds (window functions over the whole history), and only then cut to the batches not
validated yet. What leaves DuckDB is that cut: a few rows per agency of the new rounds, never a mart.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.quality.gx_specs import SuiteSpec

# A batch is validated when audit.gx_results holds its id with the same digest of submissions;
# a resubmission for a validated date changes the digest, so the batch is validated again.
VALIDATED = "SELECT DISTINCT batch_id, batch_digest FROM audit.gx_results"


def _suite_sql(spec: SuiteSpec) -> str:
    measures = ", ".join(f"CAST({expr} AS DECIMAL(38,9)) AS {name}" for name, expr in spec.measures.items())
    return f"""
        SELECT '{spec.suite}' AS suite, agency_code, reporting_date, submission_ids, file_names, measure, value
        FROM (
            UNPIVOT (
                SELECT {spec.agency} AS agency_code, {spec.date} AS reporting_date,
                       list_sort(list(DISTINCT t.submission_id)) AS submission_ids,
                       list_sort(list(DISTINCT s.submitted_file)) AS file_names,
                       {measures}
                FROM {spec.table} t LEFT JOIN (
                    SELECT submission_id, file_name AS submitted_file, agency_code AS submitting_agency
                    FROM audit.submissions) s ON s.submission_id = t.submission_id
                WHERE {spec.where}
                GROUP BY ALL
            ) ON {", ".join(spec.measures)} INTO NAME measure VALUE value
        )"""  # UNPIVOT drops empty measures: a round without approvals has no approved_ty


def _has_results(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_schema = 'audit' AND table_name = 'gx_results' AND column_name = 'batch_digest'").fetchall()[0][0])


def new_batch_frame(con: duckdb.DuckDBPyConnection, specs: list[SuiteSpec]) -> pl.DataFrame:
    """One row per suite, agency, reporting date and measure of the batches not validated yet."""
    if not specs:
        return pl.DataFrame()
    unseen = (f"WHERE (b.batch_id, b.batch_digest) NOT IN ({VALIDATED})" if _has_results(con) else "")
    return con.sql(f"""
        WITH measured AS ({" UNION ALL ".join(_suite_sql(s) for s in specs)}),
        history AS (
            SELECT *,
                   lag(value) OVER w AS previous_value,
                   lag(reporting_date) OVER w AS previous_date,
                   min(value) OVER earlier AS band_low,
                   max(value) OVER earlier AS band_high,
                   count(value) OVER earlier AS earlier_rounds
            FROM measured
            WINDOW w AS (PARTITION BY suite, agency_code, measure ORDER BY reporting_date),
                   earlier AS (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
        ),
        batches AS (
            SELECT suite, reporting_date, suite || '@' || strftime(reporting_date, '%Y-%m-%d') AS batch_id,
                   md5(array_to_string(list_sort(list(DISTINCT sid)), ',')) AS batch_digest
            FROM measured, unnest(submission_ids) AS u(sid)
            GROUP BY ALL
        )
        SELECT b.batch_id, b.batch_digest, h.suite, h.reporting_date, h.agency_code, h.measure,
               h.value, h.previous_value, h.previous_date, h.band_low, h.band_high,
               CASE WHEN h.previous_value > 0 THEN h.value::DOUBLE / h.previous_value::DOUBLE END AS ratio_to_previous,
               CASE WHEN h.earlier_rounds >= 2 THEN (CASE
                   WHEN h.value > h.band_high THEN h.value - h.band_high
                   WHEN h.value < h.band_low THEN h.value - h.band_low
                   ELSE 0 END)::DOUBLE END AS band_excursion,
               h.submission_ids, h.file_names
        FROM history h JOIN batches b USING (suite, reporting_date)
        {unseen}
        ORDER BY b.batch_id, h.agency_code, h.measure
    """).pl()
