"""Workbooks to act on: one per agency, to send back, and the national dq_findings.xlsx (with dq_findings.csv).

reports/agencies/<AGENCY_CODE>.xlsx and .csv: one row per problem an agency has to fix, worst first
(rows of its rejected files, then errors, warnings, echoes of rejected files, waived findings last),
each with its file, row, field, rule, message and the numbers side by side. An agency that sent files
in scope and has no problem gets the same file with no rows and a line saying so (a receipt); the files
of agencies that no longer have anything in scope are removed, so the folder is never stale.

dq_findings.xlsx: sheets summary (counts per agency x severity and per rule), findings, files and
quarantine; dq_findings.csv: every finding, one row each (column names unchanged for scripts).

Numbers are number cells: audit.dq_findings holds each side as display text (an interval "[14.95, 15.05]"
where the written precision allows a range, "+∞", a date, a status) and, for relations, as DECIMAL.
The number column takes the DECIMAL, else the text when it is a plain number; the text stays in its own
column only where it says more than the number (an interval, a date, a status). Every text cell goes
through safe_cells.neutralise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
from xlsxwriter import Workbook

from pipelines.quality import kinds
from pipelines.quality.bounds import UNBOUNDED
from pipelines.report.safe_cells import neutralise

# dq_findings.csv: the columns scripts read (names kept), then the ones added with the workbooks.
CSV_COLUMNS = [
    "agency_code", "agency_name_vi", "severity", "rule_id", "rule_label", "category", "subject", "metric",
    "actual_value", "expected_value", "difference", "tolerance", "message", "why_warning", "document", "location",
    "evidence_quotes", "rule_file", "finding_id", "echo_of_file",
    "rule_label_vi", "message_vi", "why_warning_vi", "lifecycle", "first_seen_run_id", "review_status", "review_reason",
    "reviewer", "reviewed_on",
]

# A plain number as the engine writes one (no leading zero: "007" is a code, not seven).
_PLAIN_NUMBER = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$"
# |x| at or above this is the engine's open bound, shown "+∞" (the threshold of the engine's r57_fmt), not a number.
_OPEN = f"{UNBOUNDED} / 1000"


def _number_sql(text: str, number: str, alias: str) -> str:
    """A side as a DECIMAL (the engine's number, else its text when a plain number) and as text where the
    text says more than the number (an interval, an open bound, a date, a status)."""
    return (f"CASE WHEN f.{number} IS NOT NULL AND abs(f.{number}) < {_OPEN} THEN f.{number} "
            f"WHEN f.{number} IS NULL AND regexp_matches(f.{text}, '{_PLAIN_NUMBER}') "
            f"THEN TRY_CAST(f.{text} AS DECIMAL(38, 9)) END AS {alias}_number, "
            f"CASE WHEN NOT regexp_matches(f.{text}, '{_PLAIN_NUMBER}') THEN f.{text} END AS {alias}_text")


_NUMBERS = ", ".join([
    _number_sql("actual_value", "actual_number", "actual"), _number_sql("expected_value", "expected_number", "expected"),
    _number_sql("difference", "difference_number", "difference"),
    f"CASE WHEN abs(f.tolerance_number) < {_OPEN} THEN f.tolerance_number END AS tolerance_number",
])


# The file, row and field of a finding: the stated figure of a relation, the row of a row check, else
# the first cited (never one cited for comparison only); every other cited row is listed as text.
_PROBLEMS_SQL = f"""
WITH cites AS (
    SELECT fs.finding_id, fs.file_name, fs."row", fs.field,
           row_number() OVER (PARTITION BY fs.finding_id
                              ORDER BY fs.role = coalesce(st.role, 'row') DESC, fs.file_name, fs."row" NULLS FIRST, fs.field) AS n
    FROM audit.dq_finding_sources fs JOIN _scope USING (finding_id)
    JOIN audit.dq_findings f USING (finding_id) LEFT JOIN _stated_roles st ON st.rule_kind = f.rule_kind
    WHERE NOT fs.context
),
others AS (
    SELECT finding_id, string_agg(file_name || ': ' || rows, '; ' ORDER BY file_name) AS other_rows
    FROM (SELECT finding_id, file_name,
                 CASE WHEN count("row") = 0 THEN '(tệp / file)'
                      ELSE array_to_string(list_slice(list(DISTINCT "row" ORDER BY "row") FILTER (WHERE "row" IS NOT NULL), 1, 20), ', ')
                           || CASE WHEN count(DISTINCT "row") > 20 THEN ' … (+' || (count(DISTINCT "row") - 20) || ')' ELSE '' END
                 END AS rows
          FROM cites WHERE n > 1 GROUP BY finding_id, file_name)
    GROUP BY finding_id
),
findings AS (
    SELECT f.* EXCLUDE (actual_number, expected_number, difference_number, tolerance_number),
           -- worst first; a waived finding last, kept and marked (never dropped)
           CASE WHEN f.review_status = 'waived' THEN 4 WHEN f.echo_of_file IS NOT NULL THEN 3
                WHEN f.severity = 'error' THEN 1 ELSE 2 END AS rank,
           c.file_name, c."row", c.field, o.other_rows,
           {_NUMBERS}
    FROM audit.dq_findings f JOIN _scope USING (finding_id)
    LEFT JOIN cites c ON c.finding_id = f.finding_id AND c.n = 1
    LEFT JOIN others o ON o.finding_id = f.finding_id
)
SELECT 'finding' AS source, agency_code, rank, severity, file_name, "row", field, rule_id, rule_label_vi,
       rule_label, message_vi, message, actual_number, actual_text, expected_number, expected_text,
       difference_number, difference_text, tolerance_number, unit, subject, other_rows, echo_of_file, lifecycle,
       review_status, review_reason, reviewer, finding_id
FROM findings
UNION ALL BY NAME
-- rows of a rejected file still to fix: none once a later file for that agency, domain and date was accepted
SELECT 'quarantine' AS source, s.agency_code, 0 AS rank, 'error' AS severity, q.file_name, q.source_row AS "row", q.field,
       'Tệp bị từ chối, không được nạp' AS rule_label_vi, 'Rejected file, not loaded' AS rule_label,
       'Tệp bị từ chối: sửa lỗi này và gửi lại cả tệp. Lý do (tiếng Anh): ' || q.reason AS message_vi,
       q.reason AS message, q.value AS actual_text
FROM audit.quarantine q JOIN audit.submissions s USING (submission_id)
WHERE ($day IS NULL OR s.reporting_date = $day)
  AND NOT EXISTS (SELECT 1 FROM audit.submissions later
                  WHERE later.agency_code = s.agency_code AND later.domain = s.domain
                    AND later.reporting_date = s.reporting_date AND later.version > s.version AND later.status = 'accepted')
"""


@dataclass(frozen=True)
class Column:
    name: str
    header: str  # Vietnamese / English
    width: int
    number: bool = False


# Every column any sheet shows, once: name -> (Vietnamese / English header, width); `#` marks a number.
_HEADERS = {
    "agency_code": ("Mã cơ quan / Agency code", 14), "agency_name_vi": ("Cơ quan / Agency", 30),
    "severity_shown": ("Mức độ / Severity", 16), "severity": ("Mức độ / Severity", 10),
    "file_name": ("Tệp / File", 36), "#row": ("Dòng / Row", 8), "field": ("Trường / Field", 22),
    "rule_id": ("Mã quy tắc / Rule id", 24), "rule_label_vi": ("Quy tắc / Rule", 40),
    "rule_label": ("Rule (English)", 40),
    "message_vi": ("Nội dung / Message", 70),
    "#actual_number": ("Giá trị đã gửi / Value provided", 14),
    "actual_text": ("Giá trị đã gửi (chữ, khoảng) / Value provided (text, range)", 22),
    "#expected_number": ("Giá trị đúng / Expected value", 14),
    "expected_text": ("Giá trị đúng (chữ, khoảng) / Expected (text, range)", 22),
    "#difference_number": ("Chênh lệch / Difference", 12), "difference_text": ("Chênh lệch (chữ) / Difference (text)", 14),
    "#tolerance_number": ("Dung sai / Tolerance", 11), "unit": ("Đơn vị / Unit", 12),
    "subject": ("Đối tượng / Subject", 28), "other_rows": ("Dòng liên quan khác / Other rows cited", 30),
    "message": ("Message (English)", 60), "finding_id": ("Mã phát hiện / Finding id", 34),
    "lifecycle_shown": ("So với lần chạy trước / Since the last run", 16),
    "review_shown": ("Xem xét / Review", 18), "review_reason": ("Lý do xem xét / Review reason", 40),
    "reviewer": ("Người xem xét / Reviewer", 16),
    "category": ("Nhóm / Category", 14), "document": ("Tài liệu / Document", 30), "location": ("Vị trí / Location", 30),
    "evidence_quotes": ("Trích dẫn / Evidence", 60),
    "echo_of_file": ("Hệ quả của tệp bị từ chối / Echo of rejected file", 30), "rule_file": ("Tệp quy tắc / Rule file", 24),
    "domain": ("Loại báo cáo / Domain", 16), "reporting_date": ("Kỳ báo cáo / Reporting date", 12),
    "#version": ("Lần gửi / Version", 8), "status": ("Trạng thái / Status", 12),
    "lifecycle_status": ("Hiệu lực / Lifecycle", 22), "#rows_loaded": ("Số dòng nạp / Rows loaded", 10),
    "#problems_count": ("Lỗi tệp / File problems", 10), "#error_findings": ("Lỗi / Errors", 8),
    "#warning_findings": ("Cảnh báo / Warnings", 9), "received_at": ("Nhận lúc / Received at", 18),
    "value": ("Giá trị / Value", 24), "reason": ("Lý do / Reason", 70),
    "resent": ("Đã gửi lại tệp đúng / Replaced by an accepted file", 14),
    "#errors": ("Lỗi / Errors", 8), "#warnings": ("Cảnh báo / Warnings", 9),
    "#echoes": ("Hệ quả tệp bị từ chối / Echoes", 10),
    "#quarantine_rows": ("Dòng tệp bị từ chối / Rejected-file rows", 11),
    "#rejected_files": ("Tệp bị từ chối / Rejected files", 10),
    "#findings": ("Số phát hiện / Findings", 10), "#agencies": ("Số cơ quan / Agencies", 10),
    "#new": ("Mới / New", 8), "#waived": ("Miễn trừ / Waived", 9),
}
_COLUMNS = {key.lstrip("#"): Column(key.lstrip("#"), header, width, key.startswith("#"))
            for key, (header, width) in _HEADERS.items()}


def _columns(names: str) -> list[Column]:
    return [_COLUMNS[name] for name in names.split()]


# An agency's sheet, in the order an agency reads it: where, which rule, what is wrong, the numbers.
AGENCY_COLUMNS = _columns(
    "severity_shown file_name row field rule_id rule_label_vi message_vi actual_number actual_text expected_number "
    "expected_text difference_number difference_text tolerance_number unit subject other_rows lifecycle_shown "
    "review_shown review_reason reviewer rule_label message finding_id")
# The national findings sheet: who, then the agency's columns, then where the figures were read.
FINDING_COLUMNS = [*_columns("agency_code agency_name_vi"), *AGENCY_COLUMNS,
                   *_columns("category document location evidence_quotes echo_of_file rule_file")]
FILE_COLUMNS = _columns("file_name agency_code domain reporting_date version status lifecycle_status rows_loaded "
                        "problems_count error_findings warning_findings received_at message")
QUARANTINE_COLUMNS = _columns("file_name agency_code row field value reason resent")
BY_AGENCY_COLUMNS = _columns("agency_code agency_name_vi errors warnings echoes quarantine_rows rejected_files new waived")
BY_RULE_COLUMNS = _columns("rule_id rule_label_vi severity findings agencies new waived")

SEVERITY_SHOWN = {"error": "Lỗi / error", "warning": "Cảnh báo / warning"}
LIFECYCLE_SHOWN = {"new": "Mới / new", "persisting": "Còn tồn tại / persisting"}
REVIEW_SHOWN = {"explained": "Đã giải trình / explained", "accepted": "Đã chấp nhận / accepted",
                "waived": "Miễn trừ / waived"}
AGENCY_SHEET = "Vấn đề"
AGENCY_FOLDER = "agencies"  # under the report's folder (reports/ or reports/rounds/<day>/)
TABLE_ROW = 4  # an agency's table starts below its title lines (0-based row of the header)


@dataclass
class Workbooks:
    csv: Path
    xlsx: Path
    agencies: dict[str, Path]  # agency code -> its .xlsx (the .csv beside it)


def _stated_roles() -> pl.DataFrame:
    rows = [(k.name, k.stated_role) for k in kinds.relation_kinds()]
    return pl.DataFrame(rows, schema=["rule_kind", "role"], orient="row")


def _problems(con, findings: pl.DataFrame, day: date | None) -> pl.DataFrame:
    """Every finding in scope and every quarantined row still to fix, one row each, worst first."""
    con.register("_scope", findings.select("finding_id").to_arrow())
    con.register("_stated_roles", _stated_roles().to_arrow())
    try:
        frame = con.sql(_PROBLEMS_SQL, params={"day": day}).pl()
    finally:
        con.unregister("_scope")
        con.unregister("_stated_roles")
    shown = (pl.when(pl.col("source") == "quarantine").then(pl.lit("Tệp bị từ chối / rejected file"))
             .when(pl.col("echo_of_file").is_not_null()).then(pl.lit("Hệ quả của tệp bị từ chối / echo of a rejected file"))
             .otherwise(pl.col("severity").replace_strict(SEVERITY_SHOWN, default=pl.col("severity"))))
    return frame.with_columns(
        severity_shown=shown,
        lifecycle_shown=pl.col("lifecycle").replace_strict(LIFECYCLE_SHOWN, default=pl.col("lifecycle")),
        review_shown=pl.col("review_status").replace_strict(REVIEW_SHOWN, default=pl.col("review_status")),
    ).sort(
        "agency_code", "rank", "file_name", "row", "field", "rule_id", "subject", "finding_id", nulls_last=True)


def _new_workbook(path: Path) -> Workbook:
    # as polars' own set-up, and no text turned into a link: a cell shows what the agency wrote
    return Workbook(str(path), {"nan_inf_to_errors": True, "strings_to_formulas": False, "strings_to_urls": False,
                                "in_memory": True})  # no temporary file per part: most of the time of a small workbook


def _write_table(book: Workbook, sheet, frame: pl.DataFrame, columns: list[Column], row: int = 0, col: int = 0,
                 freeze: bool = True) -> None:
    """One Excel table: Vietnamese / English headers, frozen header, autofilter, set widths, number cells."""
    data = neutralise(frame.select([pl.col(c.name).cast(pl.Float64) if c.number else pl.col(c.name).cast(pl.String)
                                    for c in columns])).rename({c.name: c.header for c in columns})
    data.write_excel(
        book, sheet, position=(row, col), table_style="Table Style Light 9",
        header_format={"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7"},
        column_formats={c.header: "General" if c.name.endswith("_number") else "#,##0"
                        for c in columns if c.number},
        column_widths={c.header: c.width for c in columns}, autofit=False,
        freeze_panes=(row + 1, 0) if freeze else None,
    )
    sheet.set_row(row, 45)


def _write_lines(sheet, lines: list[str], bold) -> None:
    """Title lines above a table, written as text (never a formula) after neutralising them as any cell."""
    for i, text in enumerate(neutralise(pl.DataFrame({"line": lines}))["line"]):
        sheet.write_string(i, 0, text, bold if i == 0 else None)


def _stamp_line(stamp: dict) -> str:
    """Which evaluation the file shows (history.run_stamp): its run id, the hash of the rules, when."""
    at = stamp["evaluated_at"]
    return (f"Lần chạy / Run: {stamp['run_id'] or '—'} · Bộ quy tắc (mã băm) / Ruleset hash: "
            f"{stamp['ruleset_hash'] or '—'} · Đánh giá lúc / Evaluated at: {f'{at:%d/%m/%Y %H:%M:%S}' if at else '—'}")


def _tally(problems: pl.DataFrame) -> str:
    """One line of counts by rank (rejected-file rows, errors, warnings; echoes and waived when there are any)."""
    n = dict(problems.group_by("rank").len().iter_rows())
    parts = [f"{n.get(0, 0)} dòng của tệp bị từ chối / rejected-file rows", f"{n.get(1, 0)} lỗi / errors",
             f"{n.get(2, 0)} cảnh báo / warnings"]
    parts += [f"{n[r]} {label}" for r, label in ((3, "hệ quả của tệp bị từ chối / echoes of rejected files"),
                                                  (4, "miễn trừ / waived")) if n.get(r)]
    return " · ".join(parts)


def _agency_workbook(path: Path, code: str, name: str, problems: pl.DataFrame, stamp: dict, day: date | None) -> None:
    tally = _tally(problems) if problems.height else "Không có lỗi hoặc cảnh báo / No errors or warnings"
    scope = f"kỳ báo cáo / reporting round {day:%d/%m/%Y}" if day else "toàn bộ dữ liệu / whole warehouse"
    book = _new_workbook(path)
    sheet = book.add_worksheet(AGENCY_SHEET)
    _write_lines(sheet, [f"Phản hồi chất lượng dữ liệu / Data-quality feedback: {code} — {name} ({scope})",
                         _stamp_line(stamp), tally], book.add_format({"bold": True, "font_size": 13}))
    _write_table(book, sheet, problems, AGENCY_COLUMNS, row=TABLE_ROW)
    book.close()
    _csv(problems, AGENCY_COLUMNS).write_csv(path.with_suffix(".csv"), include_bom=True)


def _csv(frame: pl.DataFrame, columns: list[Column]) -> pl.DataFrame:
    """The table as CSV text: numbers as the engine writes them (6, 8.793264733: no trailing zeros, a dot)."""
    def shown(c: Column) -> pl.Expr:
        if not c.number or frame.schema[c.name] != pl.Decimal:
            return pl.col(c.name)
        return pl.col(c.name).cast(pl.String).str.replace(r"(\.\d*?)0+$", "$1").str.replace(r"\.$", "")
    return neutralise(frame.select(shown(c).alias(c.header) for c in columns))


def write_agency_workbooks(folder: Path, problems: pl.DataFrame, agencies: pl.DataFrame, stamp: dict,
                           day: date | None) -> dict[str, Path]:
    """One workbook and CSV per agency in `agencies` (agency_code, agency_name_vi); files of others are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = {code: part for (code,), part in problems.filter(pl.col("agency_code").is_not_null())
             .partition_by("agency_code", as_dict=True, maintain_order=True).items()}
    written = {}
    for code, name in agencies.select("agency_code", "agency_name_vi").iter_rows():
        path = folder / f"{code}.xlsx"
        _agency_workbook(path, code, name or "", parts.get(code, problems.clear()), stamp, day)
        written[code] = path
    for old in folder.iterdir():
        if old.suffix in (".xlsx", ".csv") and old.stem not in written:
            old.unlink()
    return written


def _agencies(con, problems: pl.DataFrame, day: date | None) -> pl.DataFrame:
    """The agencies that get a file: those with a problem and those that sent a file in scope.

    Codes that are not file-name-safe (a forged code from a rejected file) get no file of their own."""
    con.register("_with_problems", problems.select("agency_code").unique().to_arrow())
    try:
        return con.sql("""
            SELECT c.agency_code, a.name_vi AS agency_name_vi
            FROM (SELECT agency_code FROM audit.submissions WHERE $day IS NULL OR reporting_date = $day
                  UNION SELECT agency_code FROM _with_problems) c
            LEFT JOIN marts.dim_agency a USING (agency_code)
            WHERE regexp_full_match(c.agency_code, '[A-Z0-9_]{1,40}')
            ORDER BY c.agency_code""", params={"day": day}).pl()
    finally:
        con.unregister("_with_problems")


def _national(con, path: Path, findings: pl.DataFrame, problems: pl.DataFrame, agencies: pl.DataFrame, stamp: dict,
              day: date | None) -> None:
    names = findings.select("finding_id", "agency_name_vi", "category", "document", "location", "evidence_quotes",
                            "rule_file")
    found = problems.filter(pl.col("source") == "finding").join(names, on="finding_id", how="left")
    files = con.sql("""
        SELECT l.file_name, l.agency_code, l.domain, strftime(l.reporting_date, '%d/%m/%Y') AS reporting_date, l.version,
               s.status, l.lifecycle_status, l.rows_loaded, l.problems_count, l.error_findings, l.warning_findings,
               strftime(l.received_at, '%d/%m/%Y %H:%M:%S') AS received_at, l.message
        FROM audit.submission_lifecycle l JOIN audit.submissions s USING (submission_id)
        WHERE $day IS NULL OR l.reporting_date = $day
        ORDER BY s.status DESC, l.agency_code NULLS LAST, l.file_name, l.version""", params={"day": day}).pl()
    quarantine = con.sql("""
        SELECT q.file_name, s.agency_code, q.source_row AS "row", q.field, q.value, q.reason,
               CASE WHEN EXISTS (SELECT 1 FROM audit.submissions later
                                 WHERE later.agency_code = s.agency_code AND later.domain = s.domain
                                   AND later.reporting_date = s.reporting_date AND later.version > s.version
                                   AND later.status = 'accepted') THEN 'có / yes' ELSE 'chưa / no' END AS resent
        FROM audit.quarantine q JOIN audit.submissions s USING (submission_id)
        WHERE $day IS NULL OR s.reporting_date = $day
        ORDER BY q.file_name, q.source_row, q.field""", params={"day": day}).pl()
    own = found.filter(pl.col("echo_of_file").is_null())
    by_agency = (
        problems.filter(pl.col("agency_code").is_not_null()).group_by("agency_code").agg(
            errors=(pl.col("rank") == 1).sum(), warnings=(pl.col("rank") == 2).sum(), echoes=(pl.col("rank") == 3).sum(),
            quarantine_rows=(pl.col("source") == "quarantine").sum(),
            rejected_files=pl.col("file_name").filter(pl.col("source") == "quarantine").n_unique(),
            new=(pl.col("lifecycle") == "new").sum(), waived=(pl.col("rank") == 4).sum())
        .join(agencies, on="agency_code", how="left")
        .sort("agency_code"))
    by_rule = own.group_by("rule_id", "rule_label_vi", "severity").agg(
        findings=pl.len(), agencies=pl.col("agency_code").drop_nulls().n_unique(),
        new=(pl.col("lifecycle") == "new").sum(), waived=(pl.col("rank") == 4).sum()).sort("rule_id").with_columns(
        severity=pl.col("severity").replace_strict(SEVERITY_SHOWN, default=pl.col("severity")))
    book = _new_workbook(path)
    summary = book.add_worksheet("summary")
    scope = f"kỳ báo cáo / reporting round {day:%d/%m/%Y}" if day else "toàn bộ dữ liệu / whole warehouse"
    _write_lines(summary, [f"Tổng hợp chất lượng dữ liệu / Data-quality summary ({scope})", _stamp_line(stamp),
                           f"{_tally(problems)} · {files.filter(pl.col('status') == 'rejected').height} "
                           "tệp bị từ chối / rejected files"],
                 book.add_format({"bold": True, "font_size": 13}))
    _write_table(book, summary, by_agency, BY_AGENCY_COLUMNS, row=TABLE_ROW)
    _write_table(book, summary, by_rule, BY_RULE_COLUMNS, row=TABLE_ROW, col=len(BY_AGENCY_COLUMNS) + 1, freeze=False)
    for name, frame, columns in (("findings", found, FINDING_COLUMNS), ("files", files, FILE_COLUMNS),
                                 ("quarantine", quarantine, QUARANTINE_COLUMNS)):
        _write_table(book, book.add_worksheet(name), frame, columns)
    book.close()


def write_workbooks(con, folder: Path, findings: pl.DataFrame, csv: Path, xlsx: Path, stamp: dict,
                    day: date | None = None) -> Workbooks:
    """dq_findings.csv and .xlsx at `csv` and `xlsx`, and the agencies' files under folder/agencies/.

    `con` is the report's read-only connection, `stamp` its evaluation (history.run_stamp); `findings` are the
    report's findings in scope (a round's with `day`), with agency_name_vi, evidence_quotes and the columns of
    audit.dq_findings."""
    problems = _problems(con, findings, day)
    agencies = _agencies(con, problems, day)
    _national(con, xlsx, findings, problems, agencies, stamp, day)
    neutralise(findings.select(CSV_COLUMNS)).write_csv(csv, include_bom=True)  # BOM: Excel opens UTF-8 Vietnamese correctly
    written = write_agency_workbooks(folder / AGENCY_FOLDER, problems, agencies, stamp, day)
    return Workbooks(csv, xlsx, written)

