"""Write warehouse/reports/: dq_report.html in Vietnamese and its English twin dq_report.en.html (findings by
agency, figures side by side, charts, rejected files: page.py builds each language's content) and
dq_findings.csv / dq_findings.xlsx (every finding, one row each, sorted by agency).

Nearly every text in the page comes from what agencies sent (file names, task ids, cells, the
messages quoting them): every template is autoescaped, nothing that carries data is marked safe,
control and invisible characters are shown as a marked ⟨U+XXXX⟩ (pipelines/logsafe.py), and ids
and fragments built from data are reduced to [A-Za-z0-9_-] (`anchor`).
"""

from __future__ import annotations

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
from pipelines.quality.history import resolved_findings, run_stamp
from pipelines.report.locale_text import LANGS
from pipelines.report.page import PAGES, ReportData, context
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
    html_en: Path | None = None  # the English twin of `html` (Vietnamese)


# A round's findings: those citing a file of that reporting date (or a report stated at that date).
ROUND_FILTER = """
    WHERE $day IS NULL OR EXISTS (
        SELECT 1 FROM audit.dq_finding_sources fs JOIN audit.submissions s USING (submission_id)
        WHERE fs.finding_id = f.finding_id AND NOT fs.context AND s.reporting_date = $day)
"""


# Who sent what, late or not at all, for each open reporting period (the round's period, for a round).
COVERAGE_SQL = """
    SELECT period_code, period_starts, period_ends, due_date, agency_code, agency_name_vi, domain, status,
           first_received_at, days_late
    FROM marts.v_submission_coverage
    WHERE $day IS NULL OR $day BETWEEN period_starts AND period_ends
    ORDER BY period_starts, domain, CASE status WHEN 'missing' THEN 0 WHEN 'late' THEN 1 ELSE 2 END, agency_code
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
               (SELECT list({file_name: c.file_name, archived_path: c.archived_path, rows: c.rows} ORDER BY c.context, c.file_name)
                FROM (SELECT fs.file_name, any_value(s.archived_path) AS archived_path, bool_and(fs.context) AS context,
                             list(DISTINCT fs.row ORDER BY fs.row) FILTER (WHERE fs.row IS NOT NULL) AS rows
                      FROM audit.dq_finding_sources fs LEFT JOIN audit.submissions s USING (submission_id)
                      WHERE fs.finding_id = f.finding_id GROUP BY fs.file_name, fs.submission_id) AS c
               ) AS files,
               -- the rule's message templates: the page writes their numbers again in each language's style
               r.message_template, r.message_template_vi
        FROM audit.dq_findings f
        LEFT JOIN (SELECT agency_code, name_vi FROM marts.dim_agency) a USING (agency_code)
        LEFT JOIN (SELECT rule_id, message AS message_template, message_vi AS message_template_vi FROM audit.dq_rules) r USING (rule_id)
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
            SELECT file_name, agency_code, domain, reporting_date, status, rows_loaded, problems_count, message, archived_path
            FROM audit.submissions WHERE $day IS NULL OR reporting_date = $day
            ORDER BY status DESC, file_name""", params={"day": day}).pl()
        quarantine = con.sql("""
            SELECT q.file_name, q.source_row, q.field, q.value, q.reason
            FROM audit.quarantine q JOIN audit.submissions s USING (submission_id)
            WHERE $day IS NULL OR s.reporting_date = $day
            ORDER BY q.file_name, q.source_row, q.field""", params={"day": day}).pl()
        kpis = con.sql("SELECT * FROM marts.v_agency_kpis ORDER BY agency_code").pl()
        coverage = con.sql(COVERAGE_SQL, params={"day": day}).pl()
        labels = con.sql("SELECT rule_id, label AS rule_label, label_vi AS rule_label_vi FROM audit.dq_rules").pl()
        stamp = run_stamp(con)
        # what the latest evaluation resolved is news of the whole warehouse, not of one round
        resolved = None if day is not None else resolved_findings(con).join(labels, on="rule_id", how="left")
        paths = ReportPaths(folder / "dq_report.html", folder / "dq_findings.csv", folder / "dq_findings.xlsx")
        # and one per agency (workbooks.py), on the same connection and evaluation
        write_workbooks(con, folder, findings, paths.csv, paths.xlsx, stamp, day)

    paths.html_en = folder / PAGES["en"]  # paths.html is PAGES["vi"]
    dbt_docs = settings.reports_dir / "dbt_docs.html"
    gx_index = docs_index(settings.warehouse_dir)
    data = ReportData(
        folder=folder, warehouse_dir=settings.warehouse_dir,
        generated_at=datetime.now(timezone.utc).strftime("%d/%m/%Y %H:%M"),
        round_date=day.strftime("%d/%m/%Y") if day else None,
        findings=findings, submissions=submissions, quarantine=quarantine, kpis=kpis, coverage=coverage,
        stamp=stamp if stamp["run_id"] else None, resolved=resolved, gx_results=gx_results or [],
        gx_docs=os.path.relpath(gx_index, folder) if gx_index.exists() else None,
        dbt_docs=os.path.relpath(dbt_docs, folder) if dbt_docs.exists() else None,
        dbt_docs_path=str(dbt_docs),
    )
    template = environment().get_template("dq_report.html.j2")
    for lang in LANGS:
        (folder / PAGES[lang]).write_text(template.render(context(data, lang, anchor)), encoding="utf-8")
    return paths
