"""Write warehouse/reports/: dq_report.html (findings by agency, figures side by side, rejected files)
and dq_findings.csv / dq_findings.xlsx (every finding, one row each, sorted by agency).

Nearly every text in the page comes from what agencies sent (file names, task ids, cells, the
messages quoting them): every template is autoescaped, nothing that carries data is marked safe,
control and invisible characters are shown as a marked ⟨U+XXXX⟩ (pipelines/logsafe.py), and ids
and fragments built from data are reduced to [A-Za-z0-9_-] (`anchor`).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl
from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from pipelines import logsafe
from pipelines.quality.gx_suites import docs_index
from pipelines.report.workbooks import write_workbooks
from pipelines.settings import Settings
from pipelines.warehouse import connect

# No quote in it: were it ever output inside an attribute value, it could not end that attribute.
_INVISIBLE_MARK = Markup("<mark class=invisible>{}</mark>")
_NOT_ID = re.compile(r"[^A-Za-z0-9_]")


def shown(value):
    """Every {{ ... }} of the templates goes through here (Jinja's finalize), then autoescape.

    Text holding control or invisible characters is escaped here and each such character shown as
    a marked ⟨U+XXXX⟩: the only markup added is that mark, around a code point's label."""
    if not isinstance(value, str) or not logsafe.INVISIBLE.search(value):
        return value
    return Markup(logsafe.INVISIBLE.sub(lambda m: _INVISIBLE_MARK.format(logsafe.label(m.group())), str(escape(value))))


def anchor(kind: str, value: str | None) -> str:
    """An id for `id=` that is also a valid `#fragment` as it stands: letters, digits, _ and -.

    Every other character becomes -HEX- (its code point), so two values never share an id and an
    agency code (BKHCN, HA_NOI) stays readable: agency-BKHCN."""
    text = value or ""
    return f"{kind}-" + _NOT_ID.sub(lambda m: f"-{ord(m.group()):X}-", text)


def environment() -> Environment:
    """The report's templates, all autoescaped whatever their name (dq_report.html.j2 is not *.html)."""
    env = Environment(loader=PackageLoader("pipelines.report", "templates"), autoescape=True, finalize=shown)
    env.globals["anchor"] = anchor
    return env


@dataclass
class ReportPaths:
    html: Path
    csv: Path
    xlsx: Path


# A round's findings: those citing a file of that reporting date (or a report stated at that date).
ROUND_FILTER = """
    WHERE $day IS NULL OR EXISTS (
        SELECT 1 FROM audit.dq_finding_sources fs JOIN audit.submissions s USING (submission_id)
        WHERE fs.finding_id = f.finding_id AND NOT fs.context AND s.reporting_date = $day)
"""


def _findings(con, day: date | None) -> pl.DataFrame:
    return con.sql("""
        SELECT f.*, coalesce(a.name_vi, '') AS agency_name_vi,
               -- findings on report figures (no agency) are grouped by the report(s) they quote
               coalesce(a.name_vi, f.agency_code, 'Báo cáo quốc gia / national report: ' || f.document) AS agency_label,
               -- one readable line per figure for CSV/XLSX: role: document location "quote" = value
               (SELECT string_agg(e.role || ': ' || concat_ws(' ', e.document, e.location)
                                  || coalesce(' "' || e.quote || '"', '') || coalesce(' = ' || e.value_text, ''), ' | ')
                FROM (SELECT unnest(from_json(f.evidence, '[{"role":"VARCHAR","document":"VARCHAR","location":"VARCHAR","quote":"VARCHAR","value_text":"VARCHAR"}]'), recursive := true)) AS e
               ) AS evidence_quotes,
               -- the files it cites and their rows, from audit.dq_finding_sources (the file at fault first)
               (SELECT list({file_name: c.file_name, rows: c.rows} ORDER BY c.context, c.file_name)
                FROM (SELECT fs.file_name, bool_and(fs.context) AS context,
                             list(DISTINCT fs.row ORDER BY fs.row) FILTER (WHERE fs.row IS NOT NULL) AS rows
                      FROM audit.dq_finding_sources fs WHERE fs.finding_id = f.finding_id GROUP BY fs.file_name) AS c
               ) AS files
        FROM audit.dq_findings f
        LEFT JOIN (SELECT agency_code, name_vi FROM marts.dim_agency) a USING (agency_code)
    """ + ROUND_FILTER + """
        ORDER BY f.agency_code NULLS LAST, f.document, CASE f.severity WHEN 'error' THEN 0 ELSE 1 END, f.rule_id, f.subject, f.finding_id
    """, params={"day": day}).pl()


def write_report(settings: Settings, gx_results: list[dict] | None = None, day: date | None = None) -> ReportPaths:
    """The whole warehouse's report, or with `day` one reporting round's, under reports/rounds/<day>/."""
    folder = settings.reports_dir if day is None else settings.reports_dir / "rounds" / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    with connect(settings.duckdb_path, read_only=True, wait_seconds=settings.lock_wait_seconds) as con:
        findings = _findings(con, day)
        submissions = con.sql("""
            SELECT file_name, agency_code, domain, reporting_date, status, rows_loaded, problems_count, message
            FROM audit.submissions WHERE $day IS NULL OR reporting_date = $day
            ORDER BY status DESC, file_name""", params={"day": day}).pl()
        quarantine = con.sql("""
            SELECT q.file_name, q.source_row, q.field, q.value, q.reason
            FROM audit.quarantine q JOIN audit.submissions s USING (submission_id)
            WHERE $day IS NULL OR s.reporting_date = $day
            ORDER BY q.file_name, q.source_row, q.field""", params={"day": day}).pl()

    paths = ReportPaths(folder / "dq_report.html", folder / "dq_findings.csv", folder / "dq_findings.xlsx")
    write_workbooks(settings, folder, findings, paths.csv, paths.xlsx, day)  # and one per agency (workbooks.py)

    # An echo of a rejected file is shown under that file, not as a fault of the agency's other files.
    echoes = findings.filter(pl.col("echo_of_file").is_not_null())
    echoes_by_file = {file: part.to_dicts() for (file,), part in echoes.group_by(["echo_of_file"], maintain_order=True)}
    findings_own = findings.filter(pl.col("echo_of_file").is_null())
    groups = []
    for (label,), part in findings_own.group_by(["agency_label"], maintain_order=True):
        rows = part.to_dicts()
        for row in rows:
            row["evidence"] = json.loads(row["evidence"]) if row["evidence"] else []
        code = rows[0]["agency_code"]
        groups.append({"label": label, "code": code, "rows": rows,
                       "anchor": anchor("agency", code) if code else anchor("report", rows[0]["document"]),
                       "errors": sum(r["severity"] == "error" for r in rows),
                       "warnings": sum(r["severity"] == "warning" for r in rows)})
    html = environment().get_template("dq_report.html.j2").render(
        generated_at=datetime.now(timezone.utc).strftime("%d/%m/%Y %H:%M"),
        round_date=day.strftime("%d/%m/%Y") if day else None,
        groups=groups,
        totals={"findings": findings_own.height,
                "errors": findings_own.filter(pl.col("severity") == "error").height,
                "warnings": findings_own.filter(pl.col("severity") == "warning").height,
                "echoes": echoes.height},
        echoes_by_file=echoes_by_file,
        by_rule=findings_own.group_by("rule_id", "rule_label", "severity").len().sort("rule_id").to_dicts(),
        submissions=submissions.to_dicts(),
        accepted=submissions.filter(pl.col("status") == "accepted").height,
        rejected=submissions.filter(pl.col("status") == "rejected").height,
        quarantine=quarantine.to_dicts(),
        gx_results=gx_results or [],
        gx_docs=os.path.relpath(docs_index(settings.warehouse_dir), folder) if docs_index(settings.warehouse_dir).exists() else None,
    )
    paths.html.write_text(html, encoding="utf-8")
    return paths
