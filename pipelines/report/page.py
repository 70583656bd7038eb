"""The report page's content in one language: findings written for reading, grouped, charted, and the contents.

render.py reads the warehouse once (ReportData); `context` turns it into what dq_report.html.j2 needs for
one language: every number in that language's convention and rounded for display (locale_text.py), the
rule's label and message in that language (the catalogue holds both), each cited file with a relative
link to its archived bytes, the charts' geometry (charts.py) and the table of contents, whose entries
are exactly the page's sections.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import polars as pl

from pipelines.report import charts, locale_text
from pipelines.report.locale_text import number, plural, shown_value
from pipelines.report import words
from pipelines.report.words import code

PAGES = {"vi": "dq_report.html", "en": "dq_report.en.html"}


@dataclass
class ReportData:
    folder: Path               # where the page is written: links are relative to it
    warehouse_dir: Path
    generated_at: str
    round_date: str | None
    findings: pl.DataFrame     # render._findings
    submissions: pl.DataFrame
    quarantine: pl.DataFrame
    kpis: pl.DataFrame         # marts.v_agency_kpis, latest figures
    coverage: pl.DataFrame     # render.COVERAGE_SQL: late or missing submissions of the open periods
    stamp: dict | None         # pipelines.quality.history.run_stamp; None before any recorded evaluation
    resolved: pl.DataFrame | None  # history.resolved_findings with the rules' labels; None in a round's report
    gx_results: list[dict]
    gx_docs: str | None
    dbt_docs: str | None       # relative link, None when `make docs` has not written it
    dbt_docs_path: str


def archive_href(data: ReportData, archived_path: str | None) -> str | None:
    """A relative link from the page to a file's archived copy (warehouse/archive/...), so the reports
    folder works opened from disk; None when the file was not archived or its copy is gone."""
    if not archived_path:
        return None
    target = data.warehouse_dir / archived_path
    if not target.is_file():
        return None
    return quote(Path(os.path.relpath(target, data.folder)).as_posix())


def _day(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _texts(lang: str):
    def t(key: str, **values) -> str:
        text = words.WORDS[key][lang]
        return text.format(**values) if values else text

    def n(key: str, count: int) -> str:
        return plural(count, words.COUNTS[key][lang], lang)

    return t, n


def finding_view(data: ReportData, row: dict, lang: str, anchor) -> dict:
    """One finding as the page shows it in `lang`."""
    vi = lang == "vi"
    row_check = row["rule_kind"] == "row_check"
    view = dict(row)
    view["anchor"] = anchor("finding", row["finding_id"])
    view["row_check"] = row_check
    view["label"] = (row.get("rule_label_vi") if vi else None) or row["rule_label"]
    in_vi = vi and bool(row.get("message_vi"))
    message = row["message_vi"] if in_vi else row["message"]
    template = row.get("message_template_vi") if in_vi else row.get("message_template")
    view["text"] = locale_text.localised_message(message, template, row, lang, row_check=row_check)
    view["why"] = (row.get("why_warning_vi") if vi else None) or row.get("why_warning")
    # a row check's values are the text its SQL wrote (a date, a status): only its difference is a number
    view["actual"] = row["actual_value"] or "" if row_check else shown_value(row["actual_value"], lang)
    view["expected"] = row["expected_value"] or "" if row_check else shown_value(row["expected_value"], lang)
    view["difference"] = shown_value(row["difference"], lang)
    view["tolerance"] = shown_value(row["tolerance"], lang)
    evidence = json.loads(row["evidence"]) if row["evidence"] else []
    for e in evidence:
        e["shown"] = number(e["value"], lang) if e.get("value") is not None else None
        # the figure as the file wrote it ("100,926 TY"), when neither the quote nor the number shows it
        written = e.get("value_text")
        e["written"] = written if written and not written.isdigit() and written not in (e["shown"], f"{e['shown']} {e.get('unit')}") \
            and written not in (e.get("quote") or "") else None
    view["evidence"] = evidence
    view["reviewed_on"] = _day(row.get("reviewed_on"))
    view["files"] = [{"file_name": c["file_name"], "rows": c["rows"] or [], "href": archive_href(data, c["archived_path"])}
                     for c in row["files"] or []]
    return view


def _finding_charts(own: pl.DataFrame, t, fmt) -> list[charts.Chart]:
    legend = [("bar-error", t("errors")), ("bar-warning", t("warnings"))]
    by_agency = (own.with_columns(pl.coalesce("agency_code", "document").alias("who"))
                 .group_by("who").agg((pl.col("severity") == "error").sum().alias("e"),
                                      (pl.col("severity") == "warning").sum().alias("w"))
                 .sort(pl.col("e") + pl.col("w"), "who", descending=[True, False]))
    by_rule = (own.group_by("rule_id").agg((pl.col("severity") == "error").sum().alias("e"),
                                           (pl.col("severity") == "warning").sum().alias("w"))
               .sort(pl.col("e") + pl.col("w"), "rule_id", descending=[True, False]))
    return [
        charts.stacked_bars("chart-findings-agency", t("chart_findings_agency"),
                            [(r["who"], [("bar-error", r["e"], t("errors")), ("bar-warning", r["w"], t("warnings"))])
                             for r in by_agency.to_dicts()], legend, fmt),
        charts.stacked_bars("chart-findings-rule", t("chart_findings_rule"),
                            [(r["rule_id"], [("bar-error", r["e"], t("errors")), ("bar-warning", r["w"], t("warnings"))])
                             for r in by_rule.to_dicts()], legend, fmt),
    ]


def _kpi_charts(kpis: pl.DataFrame, t, fmt) -> list[charts.Chart]:
    tasks = kpis.filter(pl.col("tasks_assigned") > 0).sort("agency_code")
    latest_year = kpis["budget_year"].max() if kpis.height else None
    budget = (kpis.clear() if latest_year is None else
              kpis.filter((pl.col("budget_year") == latest_year) & pl.col("disbursement_rate_pct").is_not_null()).sort("agency_code"))
    task_legend = [("bar-done", t("tasks_completed")), ("bar-overdue", t("tasks_overdue")), ("bar-open", t("tasks_other"))]
    return [
        charts.stacked_bars("chart-tasks", t("chart_tasks"), [
            (r["agency_code"], [("bar-done", r["tasks_completed"], t("tasks_completed")),
                                ("bar-overdue", r["tasks_overdue"], t("tasks_overdue")),
                                ("bar-open", r["tasks_assigned"] - r["tasks_completed"] - r["tasks_overdue"], t("tasks_other"))])
            for r in tasks.to_dicts()], task_legend, fmt),
        charts.stacked_bars("chart-disbursement", t("chart_disbursement"), [
            (r["agency_code"], [("bar-rate", r["disbursement_rate_pct"], f"{latest_year}")]) for r in budget.to_dicts()],
            [], fmt, scale_max=100),
    ]


def context(data: ReportData, lang: str, anchor) -> dict:
    """Everything dq_report.html.j2 renders, in `lang`."""
    t, n = _texts(lang)
    fmt = lambda value: number(value, lang)  # noqa: E731
    findings = data.findings
    waived = None  # no review columns (a warehouse evaluated before the register existed): no section
    if "review_status" in findings.columns:
        waived = [finding_view(data, r, lang, anchor) for r in findings.filter(pl.col("review_status") == "waived").to_dicts()]
        findings = findings.filter(pl.col("review_status").fill_null("") != "waived")
    echoes = findings.filter(pl.col("echo_of_file").is_not_null())
    own = findings.filter(pl.col("echo_of_file").is_null())

    groups = []
    for (label,), part in own.group_by(["agency_label"], maintain_order=True):
        rows = [finding_view(data, r, lang, anchor) for r in part.to_dicts()]
        agency = rows[0]["agency_code"]
        groups.append({"label": label if agency else f"{t('national_report')}: {rows[0]['document']}",
                       "code": agency, "document": rows[0]["document"], "rows": rows,
                       "anchor": anchor("agency", agency) if agency else anchor("report", rows[0]["document"]),
                       "errors": sum(r["severity"] == "error" for r in rows),
                       "warnings": sum(r["severity"] == "warning" for r in rows)})
    echoes_by_file = {file: [finding_view(data, r, lang, anchor) for r in part.to_dicts()]
                      for (file,), part in echoes.group_by(["echo_of_file"], maintain_order=True)}
    label_column = "rule_label_vi" if lang == "vi" and "rule_label_vi" in own.columns else "rule_label"
    by_rule = (own.group_by("rule_id", label_column, "severity").len().sort("rule_id")
               .rename({label_column: "label"}).to_dicts())

    resolved = None
    if data.resolved is not None:
        resolved = data.resolved.to_dicts()
        for r in resolved:
            r["label"] = (r.get("rule_label_vi") if lang == "vi" else None) or r.get("rule_label") or ""

    submissions = data.submissions.to_dicts()
    for s in submissions:
        s["href"] = archive_href(data, s.get("archived_path"))
    # per period and domain: how many agencies sent in time, late, or not at all; then each late or missing one
    coverage_counts = (data.coverage.group_by("period_code", "period_starts", "domain", "due_date", maintain_order=True)
                       .agg(*((pl.col("status") == s).sum().alias(s) for s in ("received", "late", "missing")))
                       .to_dicts())
    for c in coverage_counts:
        c["due"] = _day(c["due_date"])
    coverage = [{"period": c["period_code"], "agency": f"{c['agency_name_vi'] or ''} ({c['agency_code']})",
                 "domain": c["domain"], "status": c["status"], "due": _day(c["due_date"]),
                 "first_received": _day(c["first_received_at"])
                 + (f" ({n('days_late', c['days_late'])})" if c["days_late"] else "")}
                for c in data.coverage.filter(pl.col("status") != "received").to_dicts()]

    sections = [("summary", t("summary")), ("charts", t("charts")), ("by-rule", t("by_rule")), ("findings", t("by_agency"))]
    if resolved is not None:
        sections.append(("resolved", t("resolved")))
    if waived is not None:
        sections.append(("waived", t("waived")))
    sections.append(("coverage", t("coverage")))
    if not data.round_date:
        sections.append(("pairs", t("pairs")))
    sections.append(("rejected", t("quarantine")))
    if data.gx_results:
        sections.append(("gx", t("gx")))
    sections += [("files", t("received_list")), ("docs", t("docs"))]

    stamp = None
    if data.stamp:
        stamp = {"run_id": data.stamp["run_id"], "ruleset_hash": (data.stamp["ruleset_hash"] or "")[:12],
                 "evaluated_at": data.stamp["evaluated_at"].strftime("%d/%m/%Y %H:%M")}
    other = "en" if lang == "vi" else "vi"
    return dict(
        lang=lang, other_lang=other, other_page=PAGES[other], t=t, n=n, num=fmt, code=lambda v: code(v, lang),
        generated_at=data.generated_at, round_date=data.round_date, stamp=stamp,
        toc=[{"id": i, "title": title} for i, title in sections],
        groups=groups, echoes_by_file=echoes_by_file, by_rule=by_rule, waived=waived, resolved=resolved,
        totals={"findings": own.height, "errors": own.filter(pl.col("severity") == "error").height,
                "warnings": own.filter(pl.col("severity") == "warning").height, "echoes": echoes.height,
                "new": own.filter(pl.col("lifecycle") == "new").height if "lifecycle" in own.columns else None},
        charts=_finding_charts(own, t, fmt) + _kpi_charts(data.kpis, t, fmt),
        submissions=submissions,
        accepted=data.submissions.filter(pl.col("status") == "accepted").height,
        rejected=data.submissions.filter(pl.col("status") == "rejected").height,
        quarantine=data.quarantine.to_dicts(), coverage=coverage, coverage_counts=coverage_counts,
        gx_results=data.gx_results, gx_docs=data.gx_docs, dbt_docs=data.dbt_docs, dbt_docs_path=data.dbt_docs_path,
    )
