"""The life of each submission, derived after the rules ran: one row per file received.

received    the file is registered (transient: registration and verdict commit together)
rejected    it could not be used (quarantined); it never reaches the marts
superseded  accepted, but a later accepted file for the same agency, domain and date replaced it
validated_with_errors / validated_with_warnings   in force, and rules found errors / only warnings in it
accepted    in force, and no rule found anything

Every version stays in audit.submissions and in the archive; this table says which is in force.
"""

from __future__ import annotations

import duckdb

LIFECYCLE_SQL = """
CREATE OR REPLACE TABLE audit.submission_lifecycle AS
WITH in_force AS (
    -- which file is in force is decided once, by dbt (intermediate.int_submissions__current)
    SELECT submission_id, agency_code, domain, reporting_date, file_name FROM intermediate.int_submissions__current
),
counts AS (
    -- a finding counts against each submission it cites, by id (audit.dq_finding_sources), except
    -- where that file is cited only for comparison (context), and never as an echo of a rejected
    -- file (see engine.ECHO_SQL)
    SELECT fs.submission_id,
           count(DISTINCT f.finding_id) FILTER (WHERE f.severity = 'error') AS error_findings,
           count(DISTINCT f.finding_id) FILTER (WHERE f.severity = 'warning') AS warning_findings
    FROM audit.dq_finding_sources fs
    JOIN audit.dq_findings f USING (finding_id)
    WHERE fs.submission_id IS NOT NULL AND NOT fs.context AND f.echo_of_file IS NULL
    GROUP BY fs.submission_id
)
SELECT
    s.submission_id, s.file_name, s.agency_code, s.domain, s.reporting_date, s.version, s.received_at, s.sha256,
    s.size_bytes, s.archived_path, s.rows_loaded, s.problems_count,
    CASE
        WHEN s.status = 'rejected' THEN 'rejected'
        WHEN f.submission_id IS NULL THEN 'superseded'
        WHEN coalesce(c.error_findings, 0) > 0 THEN 'validated_with_errors'
        WHEN coalesce(c.warning_findings, 0) > 0 THEN 'validated_with_warnings'
        ELSE 'accepted'
    END AS lifecycle_status,
    CASE WHEN s.status = 'accepted' AND f.submission_id IS NULL THEN later.submission_id END AS superseded_by,
    CASE WHEN f.submission_id IS NOT NULL THEN coalesce(c.error_findings, 0) ELSE 0 END AS error_findings,
    CASE WHEN f.submission_id IS NOT NULL THEN coalesce(c.warning_findings, 0) ELSE 0 END AS warning_findings,
    s.message
FROM audit.submissions s
LEFT JOIN in_force f USING (submission_id)
LEFT JOIN in_force later
    ON later.domain = s.domain AND later.reporting_date = s.reporting_date
   AND later.agency_code IS NOT DISTINCT FROM s.agency_code
   AND (s.agency_code IS NOT NULL OR later.file_name = s.file_name)
LEFT JOIN counts c USING (submission_id)
"""


def update_lifecycle(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    con.execute(LIFECYCLE_SQL)
    return dict(con.execute(
        "SELECT lifecycle_status, count(*) FROM audit.submission_lifecycle GROUP BY 1 ORDER BY 1").fetchall())
