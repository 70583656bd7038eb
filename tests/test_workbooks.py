"""The workbooks an agency and an auditor open: read back with openpyxl, cell by cell.

One real `full_load` (module fixture) on a small inbox: BYT's task files (its summary disagrees with
itself and with its task rows: sample faults), AN_GIANG's (clean), and BNG's summary with a task file
whose row 3 holds a formula instead of a status (rejected: one quarantined row, and BNG's summary
findings become echoes of that file). Reference and national-report rules add one finding each for
BGDDT and OLD_HA_GIANG.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.report import workbooks
from pipelines.report.render import write_report
from pipelines.settings import Settings

SAMPLES = Path(__file__).resolve().parent.parent / "sources" / "samples" / "2025-12-15"
FORMULA = '=HYPERLINK("http://x","y")'
AGENCY_HEADER = ["Mức độ / Severity", "Tệp / File", "Dòng / Row", "Trường / Field", "Mã quy tắc / Rule id",
                 "Quy tắc / Rule", "Nội dung / Message", "Giá trị đã gửi / Value provided",
                 "Giá trị đã gửi (chữ, khoảng) / Value provided (text, range)", "Giá trị đúng / Expected value",
                 "Giá trị đúng (chữ, khoảng) / Expected (text, range)", "Chênh lệch / Difference",
                 "Chênh lệch (chữ) / Difference (text)", "Dung sai / Tolerance", "Đơn vị / Unit", "Đối tượng / Subject",
                 "Dòng liên quan khác / Other rows cited", "So với lần chạy trước / Since the last run", "Xem xét / Review",
                 "Lý do xem xét / Review reason", "Người xem xét / Reviewer", "Rule (English)", "Message (English)",
                 "Mã phát hiện / Finding id"]


@pytest.fixture(scope="module")
def small(tmp_path_factory, run_full_load):
    root = tmp_path_factory.mktemp("workbooks")
    inbox = root / "inbox"
    inbox.mkdir()
    for name in ("BYT__task_status", "BYT__task_summary", "AN_GIANG__task_status", "AN_GIANG__task_summary",
                 "BNG__task_summary"):
        shutil.copy(SAMPLES / f"{name}__2025-12-15.csv", inbox)
    lines = (SAMPLES / "BNG__task_status__2025-12-15.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace("Đang thực hiện đúng hạn", '"' + FORMULA.replace('"', '""') + '"')
    (inbox / "BNG__task_status__2025-12-15.csv").write_text("".join(lines), encoding="utf-8")
    result, path = run_full_load(root, inbox)
    assert result.success
    return Settings.explicit(warehouse_dir=path.parent, inbox_dir=inbox)


def rows(sheet, first: int) -> list[tuple]:
    return [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=first)]


def cells(sheet, row: int, columns: str) -> list:
    return [sheet[f"{col}{row}"].value for col in columns]


def test_one_file_per_agency_in_scope(small):
    folder = small.reports_dir / "agencies"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{code}.{ext}" for code in ("AN_GIANG", "BGDDT", "BNG", "BYT", "OLD_HA_GIANG") for ext in ("csv", "xlsx"))


def test_an_agency_row_is_its_finding_with_numbers_as_numbers(small):
    book = openpyxl.load_workbook(small.reports_dir / "agencies" / "BYT.xlsx")
    assert book.sheetnames == ["Vấn đề"]
    sheet = book["Vấn đề"]
    assert sheet["A1"].value == "Phản hồi chất lượng dữ liệu / Data-quality feedback: BYT — Bộ Y tế (toàn bộ dữ liệu / whole warehouse)"
    assert sheet["A3"].value == "0 dòng của tệp bị từ chối / rejected-file rows · 3 lỗi / errors · 0 cảnh báo / warnings"
    assert [c.value for c in sheet[5]] == AGENCY_HEADER
    assert sheet.freeze_panes == "A6"  # the title lines and the header stay in view
    [table] = sheet.tables.values()
    assert table.ref == "A5:X8" and table.autoFilter is not None
    # errors by file, row and field: the summary's row 2 has three findings
    assert [cells(sheet, r, "BCDE") for r in (6, 7, 8)] == [
        ["BYT__task_summary__2025-12-15.csv", 2, "declared_completed", "TS-COMPLETED-SUM"],
        ["BYT__task_summary__2025-12-15.csv", 2, "declared_completed", "TS-DECLARED-VS-ROWS"],
        ["BYT__task_summary__2025-12-15.csv", 2, "declared_total", "TS-TOTAL-SUM"]]
    assert cells(sheet, 8, "AHIJKLMN") == ["Lỗi / error", 6, None, 7, None, -1, None, 0]
    assert all(sheet[f"{col}8"].data_type == "n" for col in "CHJLN")
    # Vietnamese first, English beside it; new in this first run
    assert cells(sheet, 8, "FGRSVW") == [
        "Tổng số nhiệm vụ đã khai bằng thường xuyên + đã hoàn thành + đang thực hiện đúng hạn + đang thực hiện quá hạn",
        "NQ71 tasks at 15/12/2025: tổng số khai là 6 nhưng các thành phần cộng lại được 7", "Mới / new", None,
        "Declared total equals recurring + completed + in progress on time + in progress overdue",
        "NQ71 tasks at 15/12/2025: declared total is 6 but its parts add up to 7"]
    # the rows counted are listed beside the stated figure's row
    assert sheet["Q7"].value == "BYT__task_status__2025-12-15.csv: 2, 3, 4, 5, 6, 7"
    with open(small.reports_dir / "agencies" / "BYT.csv", encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == AGENCY_HEADER
    assert lines[3][:14] == ["Lỗi / error", "BYT__task_summary__2025-12-15.csv", "2", "declared_total", "TS-TOTAL-SUM",
                             lines[3][5], lines[3][6], "6", "", "7", "", "-1", "", "0"]


def test_a_rejected_file_row_comes_first_neutralised_then_its_echoes(small):
    sheet = openpyxl.load_workbook(small.reports_dir / "agencies" / "BNG.xlsx")["Vấn đề"]
    assert sheet["A3"].value == ("1 dòng của tệp bị từ chối / rejected-file rows · 0 lỗi / errors · 0 cảnh báo / warnings"
                                 " · 9 hệ quả của tệp bị từ chối / echoes of rejected files")
    assert cells(sheet, 6, "ABCDEFI") == [
        "Tệp bị từ chối / rejected file", "BNG__task_status__2025-12-15.csv", 3, "Trạng thái", None,
        "Tệp bị từ chối, không được nạp", "'" + FORMULA]
    assert sheet["I6"].data_type == "s"  # text, never a formula
    assert sheet["W6"].value == ("unknown value; expected one of: DONE_LATE, DONE_ON_TIME, IN_PROGRESS_ON_TIME, "
                                 "IN_PROGRESS_OVERDUE, RECURRING")
    echoes = rows(sheet, 7)
    assert len(echoes) == 9 and {r[0] for r in echoes} == {"Hệ quả của tệp bị từ chối / echo of a rejected file"}
    assert {r[4] for r in echoes} == {"TS-DECLARED-VS-ROWS"}
    assert echoes[0][1:4] == ("BNG__task_summary__2025-12-15.csv", 2, "declared_completed")


def test_an_agency_without_problems_gets_a_receipt_with_no_rows(small):
    sheet = openpyxl.load_workbook(small.reports_dir / "agencies" / "AN_GIANG.xlsx")["Vấn đề"]
    assert sheet["A3"].value == "Không có lỗi hoặc cảnh báo / No errors or warnings"
    assert [c.value for c in sheet[5]] == AGENCY_HEADER
    assert all(v is None for r in rows(sheet, 6) for v in r)
    with open(small.reports_dir / "agencies" / "AN_GIANG.csv", encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle)) == [AGENCY_HEADER]


def test_the_national_workbook_has_summary_findings_files_and_quarantine(small):
    book = openpyxl.load_workbook(small.reports_dir / "dq_findings.xlsx")
    assert book.sheetnames == ["summary", "findings", "files", "quarantine"]
    summary = book["summary"]
    assert cells(summary, 5, "ABCDEFG") == [
        "Mã cơ quan / Agency code", "Cơ quan / Agency", "Lỗi / Errors", "Cảnh báo / Warnings",
        "Hệ quả tệp bị từ chối / Echoes", "Dòng tệp bị từ chối / Rejected-file rows", "Tệp bị từ chối / Rejected files"]
    by_agency = {r[0]: r[1:9] for r in rows(summary, 6) if r[0]}
    # errors, warnings, echoes, rejected-file rows, rejected files, new since the last run, waived
    assert by_agency["BNG"] == ("Bộ Ngoại giao", 0, 0, 9, 1, 1, 9, 0)
    assert by_agency["BYT"] == ("Bộ Y tế", 3, 0, 0, 0, 0, 3, 0)
    assert cells(summary, 5, "KLMNOPQ") == ["Mã quy tắc / Rule id", "Quy tắc / Rule", "Mức độ / Severity",
                                           "Số phát hiện / Findings", "Số cơ quan / Agencies", "Mới / New", "Miễn trừ / Waived"]
    by_rule = {r[10]: r[12:17] for r in rows(summary, 6) if r[10]}
    assert by_rule["TS-DECLARED-VS-ROWS"] == ("Lỗi / error", 1, 1, 1, 0)  # BYT's; BNG's echoes are counted apart
    assert summary["C7"].data_type == "n"

    findings = book["findings"]
    header = [c.value for c in findings[1]]
    assert header[:3] == ["Mã cơ quan / Agency code", "Cơ quan / Agency", "Mức độ / Severity"]
    total = next(r for r in rows(findings, 2) if r[6] == "TS-TOTAL-SUM")
    assert total[:6] == ("BYT", "Bộ Y tế", "Lỗi / error", "BYT__task_summary__2025-12-15.csv", 2, "declared_total")
    assert total[9:16] == (6, None, 7, None, -1, None, 0)
    con = duckdb.connect(str(small.duckdb_path), read_only=True)
    try:
        count = con.execute("SELECT count(*) FROM audit.dq_findings").fetchone()[0]
    finally:
        con.close()
    assert findings.max_row - 1 == count

    files = {r[0]: r for r in rows(book["files"], 2)}
    assert len(files) == 8  # the six agency files and the two national reports
    assert files["BNG__task_status__2025-12-15.csv"][5:9] == ("rejected", "rejected", 0, 1)
    assert files["BYT__task_summary__2025-12-15.csv"][5:11] == ("accepted", "validated_with_errors", 2, 0, 3, 0)
    assert rows(book["quarantine"], 2) == [
        ("BNG__task_status__2025-12-15.csv", "BNG", 3, "Trạng thái", "'" + FORMULA,
         "unknown value; expected one of: DONE_LATE, DONE_ON_TIME, IN_PROGRESS_ON_TIME, IN_PROGRESS_OVERDUE, RECURRING",
         "chưa / no")]


def test_a_round_gets_its_own_agency_files_and_stale_ones_go(small):
    folder = small.reports_dir / "rounds" / "2025-12-15" / "agencies"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "GONE.xlsx").write_bytes(b"an agency of an earlier report")
    write_report(small, day=date(2025, 12, 15))
    assert {p.stem for p in folder.iterdir()} == {"AN_GIANG", "BNG", "BYT"}
    sheet = openpyxl.load_workbook(folder / "BYT.xlsx")["Vấn đề"]
    assert sheet["A1"].value.endswith("(kỳ báo cáo / reporting round 15/12/2025)")
    assert cells(sheet, 8, "BCDEHJLN") == ["BYT__task_summary__2025-12-15.csv", 2, "declared_total", "TS-TOTAL-SUM",
                                           6, 7, -1, 0]


def test_intervals_open_bounds_and_text_stay_text_beside_the_number(small, tmp_path):
    """Planted findings: an interval, the open bound, a date, a code with a leading zero, a formula."""
    settings = Settings.explicit(warehouse_dir=tmp_path, inbox_dir=small.inbox_dir)
    shutil.copy(small.duckdb_path, settings.duckdb_path)
    con = duckdb.connect(str(settings.duckdb_path))
    con.execute("""INSERT INTO audit.dq_findings (finding_id, rule_id, rule_label, severity, category, rule_kind, agency_code,
        subject, expected_value, actual_value, difference, tolerance, expected_number, actual_number, difference_number,
        tolerance_number, message, rule_file, rule_label_vi, message_vi) VALUES
        ('p1', 'P-1', 'interval', 'warning', 'c', 'growth', 'AN_GIANG', 'a', '+∞', '[14.995, 15.005]', '-0.5', '0.005',
         1e24, 15, -0.5, 0.005, 'm', 'x.yml', 'khoảng', '=1+1'),
        ('p2', 'P-2', 'text', 'warning', 'c', 'row_check', 'AN_GIANG', 'b', '007', '30/11/2025', '-15', NULL,
         NULL, NULL, NULL, NULL, 'm', 'x.yml', 'chữ', 'm')""")
    con.close()
    write_report(settings)
    sheet = openpyxl.load_workbook(tmp_path / "reports" / "agencies" / "AN_GIANG.xlsx")["Vấn đề"]
    assert {r[4]: r[6:14] for r in rows(sheet, 6)} == {
        "P-1": ("'=1+1", 15, "[14.995, 15.005]", None, "'+∞", -0.5, None, 0.005),  # + could start a formula
        "P-2": ("m", None, "30/11/2025", None, "007", -15, None, None)}
    assert sheet["H6"].data_type == "n" and sheet["J7"].value is None


def test_each_file_states_its_run_and_ruleset(small):
    con = duckdb.connect(str(small.duckdb_path), read_only=True)
    try:
        run_id, ruleset_hash, at = con.execute(
            "SELECT run_id, ruleset_hash, evaluated_at FROM audit.dq_runs ORDER BY run_seq DESC LIMIT 1").fetchone()
    finally:
        con.close()
    line = (f"Lần chạy / Run: {run_id} · Bộ quy tắc (mã băm) / Ruleset hash: {ruleset_hash} · "
            f"Đánh giá lúc / Evaluated at: {at:%d/%m/%Y %H:%M:%S}")
    assert len(ruleset_hash) == 64
    for path in (small.reports_dir / "agencies").glob("*.xlsx"):
        assert openpyxl.load_workbook(path)["Vấn đề"]["A2"].value == line, path.name
    assert openpyxl.load_workbook(small.reports_dir / "dq_findings.xlsx")["summary"]["A2"].value == line


def test_a_waived_finding_is_kept_last_and_marked(small, tmp_path):
    settings = Settings.explicit(warehouse_dir=tmp_path, inbox_dir=small.inbox_dir)
    shutil.copy(small.duckdb_path, settings.duckdb_path)
    con = duckdb.connect(str(settings.duckdb_path))
    con.execute("UPDATE audit.dq_findings SET review_status = 'waived', review_reason = 'đã giải trình tại cuộc họp', "
                "reviewer = 'KTV' WHERE rule_id = 'TS-COMPLETED-SUM' AND agency_code = 'BYT'")
    con.close()
    write_report(settings)
    sheet = openpyxl.load_workbook(tmp_path / "reports" / "agencies" / "BYT.xlsx")["Vấn đề"]
    assert sheet["A3"].value == ("0 dòng của tệp bị từ chối / rejected-file rows · 2 lỗi / errors · 0 cảnh báo / warnings"
                                 " · 1 miễn trừ / waived")
    assert [cells(sheet, r, "AE") for r in (6, 7, 8)] == [
        ["Lỗi / error", "TS-DECLARED-VS-ROWS"], ["Lỗi / error", "TS-TOTAL-SUM"], ["Lỗi / error", "TS-COMPLETED-SUM"]]
    assert cells(sheet, 8, "STU") == ["Miễn trừ / waived", "đã giải trình tại cuộc họp", "KTV"]
    summary = openpyxl.load_workbook(tmp_path / "reports" / "dq_findings.xlsx")["summary"]
    assert next(r[1:9] for r in rows(summary, 6) if r[0] == "BYT") == ("Bộ Y tế", 2, 0, 0, 0, 0, 3, 1)
