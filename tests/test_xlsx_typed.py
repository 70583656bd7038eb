"""XLSX read as written: typed numbers and dates are taken as typed (the declared style applies to text cells
only), with the decimals their number format shows; only the first sheet is data."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import duckdb
import openpyxl
import pytest

from pipelines.ingest.contracts import load_contracts
from pipelines.ingest.loader import load_inbox
from pipelines.ingest.parsing import parse_submission
from pipelines.ingest.xlsx import NumberFormat, number_format
from pipelines.settings import Settings

SETTINGS = Settings.explicit()
CONTRACTS = load_contracts(SETTINGS.contracts_dir)
REFS = {"agency": {"BKHCN"}, "programme": {"NQ71", "KH02"}, "block": {"CHINH_PHU"}, "tech_group": set()}
BUDGET = ["Năm ngân sách", "Nguồn kinh phí", "Tính chất chi", "Lĩnh vực", "Khối", "Cấp", "Giai đoạn", "Số tiền",
          "Đơn vị tính", "Kiểu số", "Ghi chú"]
SUMMARY = ["Chương trình", "Tổng số", "Thường xuyên", "Hoàn thành", "Hoàn thành đúng hạn", "Hoàn thành quá hạn",
           "Đang thực hiện đúng hạn", "Đang thực hiện quá hạn"]
TASK = ["Mã nhiệm vụ", "Chương trình", "Cơ quan chủ trì", "Ngày giao", "Thời hạn", "Trạng thái"]
STAGES = ["Bộ KHCN đề xuất", "Thủ tướng phê duyệt", "Đã phân bổ", "Đã giải ngân"]
LEVELS = ["Trung ương", "Tỉnh", "Xã"]


def workbook(rows: list[list], notes_sheet: str | None = None, hide_first: bool = False) -> bytes:
    """A workbook whose first sheet holds these rows; a cell given as (value, format) gets that number format."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Dữ liệu"
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            value, code = value if isinstance(value, tuple) else (value, None)
            if value is None:
                continue
            cell = sheet.cell(r, c, value)
            if code:
                cell.number_format = code
    if notes_sheet:
        book.create_sheet(notes_sheet)["A1"] = "Số liệu tính đến 30/9/2025"
    if hide_first:
        book.active = 1
        sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def budget(amounts: list, style: str = "vi") -> list[list]:
    """A budget sheet with one line per amount (distinct keys), unit tỷ đồng, the declared style."""
    rows = [[2025, "Dự toán được giao", "Chi thường xuyên", "CĐS", "CHINH_PHU", LEVELS[i % 3], STAGES[i // 3], amount,
             "tỷ đồng", style] for i, amount in enumerate(amounts)]
    return [BUDGET, *rows]


def parse(rows: list[list], domain: str = "budget", **book):
    return parse_submission(workbook(rows, **book), "xlsx", CONTRACTS[domain], REFS)


def problems(result) -> list[tuple]:
    return [(p["row"], p["field"], p["value"], p["reason"]) for p in result.problems.to_dicts()]


def amounts(result) -> list[tuple]:
    return result.frame.select("amount", "amount_number", "amount_number_decimals",
                               "amount_number_trailing_zeros").rows()


@pytest.mark.parametrize("style, shown, grouped", [("vi", "113,568", "1.234,5"), ("en", "113.568", "1,234.5")])
def test_typed_amounts_are_read_as_typed_and_written_in_the_declared_style(style, shown, grouped):
    result = parse(budget([(113.568, "#,##0.000"), (1234.5, "#,##0.0"), (1200, "#,##0")], style))
    assert result.ok, problems(result)
    assert amounts(result) == [
        (shown, Decimal("113.568"), 3, 0),  # about 114 tỷ, not 113,568 tỷ
        (grouped, Decimal("1234.5"), 1, 0),
        ("1.200" if style == "vi" else "1,200", Decimal("1200"), 0, 2),
    ]


def test_decimals_follow_the_number_format_not_the_float():
    result = parse(budget([(7, "0"), (12.5, "0.0"), (53.14, "0.00"), (21.4, "0.000"),
                           (2.675, "0.00"),  # stored 2.67499999..., Excel shows 2.68 (half away from zero)
                           (0.1 + 0.2, "0.00"),  # stored 0.30000000000000004
                           (3.5, "0.0#"), (3.25, "0.0#"), (1234.5, '_-* #,##0.00\\ _₫_-;\\-* #,##0.00\\ _₫_-;_-* "-"??\\ _₫_-;_-@_-')]))
    assert result.ok, problems(result)
    assert amounts(result) == [
        ("7", Decimal("7"), 0, 0), ("12,5", Decimal("12.5"), 1, 0), ("53,14", Decimal("53.14"), 2, 0),
        ("21,400", Decimal("21.4"), 3, 0), ("2,68", Decimal("2.68"), 2, 0), ("0,30", Decimal("0.3"), 2, 1),
        ("3,5", Decimal("3.5"), 1, 0), ("3,25", Decimal("3.25"), 2, 0), ("1.234,50", Decimal("1234.5"), 2, 0),
    ]
    # float noise (0.1 + 0.2) is not a decimal the person typed; 2.675 shown as 2,68 is, and is said
    assert result.notes == ["1 typed number(s) in 'Số tiền' hold more decimals than their cell format shows "
                            "and were loaded as shown (row 6: 2,675 shown as 2,68)"]


def test_general_format_shows_the_stored_value_without_float_noise():
    result = parse(budget([113.568, 0.1 + 0.2, 21.4, 1234567.5, 250]))
    assert result.ok, problems(result)
    assert amounts(result) == [
        ("113,568", Decimal("113.568"), 3, 0), ("0,3", Decimal("0.3"), 1, 1), ("21,4", Decimal("21.4"), 1, 0),
        ("1234567,5", Decimal("1234567.5"), 1, 0), ("250", Decimal("250"), 0, 1),
    ]


def test_more_decimals_than_the_format_shows_are_loaded_as_shown_with_a_note():
    result = parse(budget([(113.56789, "#,##0.000"), (5.0, "0.00")]))
    assert result.ok, problems(result)
    assert amounts(result) == [("113,568", Decimal("113.568"), 3, 0), ("5,00", Decimal("5"), 2, 0)]
    assert result.notes == ["1 typed number(s) in 'Số tiền' hold more decimals than their cell format shows "
                            "and were loaded as shown (row 2: 113,56789 shown as 113,568)"]


def test_a_column_mixing_typed_and_text_numbers_is_read_cell_by_cell_by_type():
    rows = budget([(113.568, "#,##0.000"), "1.234,5", "113.568", 42])
    rows.insert(3, [])  # a blank row: the rows after it keep the numbers the sheet shows
    result = parse(rows)
    assert result.ok, problems(result)
    assert result.frame["source_row"].to_list() == [2, 3, 5, 6]
    assert amounts(result) == [
        ("113,568", Decimal("113.568"), 3, 0),  # typed: the number in the cell
        ("1.234,5", Decimal("1234.5"), 1, 0),  # text: the declared style
        ("113.568", Decimal("113568"), 0, 0),  # text "113.568" in a vi file is 113 568, as in a CSV file
        ("42", Decimal("42"), 0, 0),
    ]


def test_a_typed_negative_amount_or_a_typed_date_in_an_amount_is_refused():
    result = parse(budget([(-12.5, "0.0"), (datetime(2025, 3, 1), "dd/mm/yyyy")]))
    assert problems(result) == [
        (2, "Số tiền", "-12,5", "amount cannot be negative"),
        (3, "Số tiền", "01/03/2025", "not a number in the declared style 'vi'"),
    ]


def summary(*counts: list) -> list[list]:
    return [SUMMARY, *[[programme, *row] for programme, row in zip(["NQ71", "KH02"], counts)]]


def test_typed_counts_are_whole_numbers():
    result = parse(summary([5.0, (1234, "#,##0"), 2, 1, 1, 3, (0, "0.00")]), "task_summary")
    assert result.ok, problems(result)
    assert result.frame.select("total", "recurring", "in_progress_overdue").rows() == [(5, 1234, 0)]


def test_a_typed_fraction_in_a_count_is_refused_even_where_the_format_rounds_it():
    result = parse(summary([5.5, 0, 2, 1, 1, 3, 0], [4, 0, 2, 1, (1.4, "0"), 2, 0]), "task_summary")
    assert problems(result) == [
        (2, "Tổng số", "5,5", "not a whole number: the cell holds 5,5"),
        (3, "Hoàn thành quá hạn", "1", "not a whole number: the cell holds 1,4"),
    ]


def test_typed_percentages_are_the_percent_shown():
    header = ["Loại kỳ", "Tháng", "Loại quyền", "Nguồn gốc đơn", "Nhóm công nghệ chiến lược", "Số đơn nhận",
              "Số đơn đã xử lý", "Số văn bằng cấp", "Số đơn quá hạn", "Tăng so với cùng kỳ (%)"]
    rows = [header, ["Lũy kế năm", (datetime(2025, 9, 1), "dd/mm/yyyy"), "Sáng chế", "Trong nước", None, 120, 100, 40, 3,
                     (0.125, "0.0%")],
            ["Lũy kế năm", "01/09/2025", "Sáng chế", "Nước ngoài", None, 80, 70, 30, 1, "8,25"]]
    result = parse(rows, "ip_filings")
    assert result.ok, problems(result)
    assert result.frame.select("month", "yoy_growth_pct", "yoy_growth_pct_number", "yoy_growth_pct_number_decimals").rows() == [
        (date(2025, 9, 1), "12,5", Decimal("12.5"), 1), (date(2025, 9, 1), "8,25", Decimal("8.25"), 2)]


def test_typed_dates_and_text_dates_in_one_column():
    rows = [TASK,
            [(101, None), "NQ71", "BKHCN", (datetime(2025, 4, 1), "dd/mm/yyyy"), "30/11/2025", "Đang thực hiện đúng hạn"],
            ["NQ71-002", "NQ71", "BKHCN", "02/04/2025", (datetime(2025, 11, 30, 17, 30), "dd/mm/yyyy hh:mm"),
             "Đang thực hiện đúng hạn"],
            ["NQ71-003", "NQ71", "BKHCN", (datetime(2025, 4, 3), "[$-42A]dd/mm/yyyy;@"), "31/12/2025", "Thường xuyên"]]
    result = parse(rows, "task_status")
    assert result.ok, problems(result)
    assert result.frame.select("task_id", "assigned_date", "deadline").rows() == [
        ("101", date(2025, 4, 1), date(2025, 11, 30)),  # a typed number in a text column is the text it shows
        ("NQ71-002", date(2025, 4, 2), date(2025, 11, 30)),  # the date part of a typed date-time
        ("NQ71-003", date(2025, 4, 3), date(2025, 12, 31)),
    ]


def test_text_dates_follow_the_declared_format_and_typed_dates_show_it_in_problems():
    rows = [TASK,
            ["NQ71-001", "NQ71", "BKHCN", "2025-04-01 00:00:00", "30/11/2025", "Đang thực hiện đúng hạn"],
            ["NQ71-002", "NQ71", "BKHCN", (datetime(2025, 12, 20), "dd/mm/yyyy"), (45991, None), "Đang thực hiện đúng hạn"]]
    result = parse_submission(workbook(rows), "xlsx", CONTRACTS["task_status"], REFS, date(2025, 12, 15))
    assert problems(result) == [
        (2, "Ngày giao", "2025-04-01 00:00:00", "not a valid date in the declared format dd/mm/yyyy"),
        (3, "Ngày giao", "20/12/2025", "date is after the reporting date 15/12/2025"),
        (3, "Thời hạn", "45991", "not a valid date in the declared format dd/mm/yyyy"),  # a number, not a date cell
    ]


def test_a_hidden_first_sheet_and_a_formula_are_still_refused():
    rows = budget([(113.568, "#,##0.000")])
    hidden = parse(rows, notes_sheet="Ghi chú", hide_first=True)
    assert problems(hidden) == [(0, "(sheet)", "Dữ liệu", "workbook has a hidden sheet (Dữ liệu); hidden data is not accepted")]
    rows[1][7] = "=2*56.784"
    formula = parse(rows)
    assert problems(formula) == [(2, "H", None, "cell holds a formula; paste values only (formulas are not accepted)")]


@pytest.mark.parametrize("code, expected", [
    ("General", NumberFormat(None, None, False, 0)), ("@", NumberFormat(None, None, False, 0)),
    ("0", NumberFormat(0, 0, False, 0)), ("#,##0.000", NumberFormat(3, 3, True, 0)),
    ("0.0#", NumberFormat(1, 2, False, 0)), ("0.00%", NumberFormat(2, 2, False, 2)),
    ('#,##0,"k"', NumberFormat(0, 0, True, -3)), ("0.00E+00", NumberFormat(None, None, False, 0)),
    ('[Red]#,##0.00;[Blue]-#,##0.000', NumberFormat(2, 2, True, 0)),
])
def test_number_format_codes(code, expected):
    assert number_format(code) == expected


def test_a_notes_sheet_is_ignored_with_a_note_in_the_submission_record(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "BKHCN__budget__2025-09-30.xlsx").write_bytes(
        workbook(budget([(113.568, "#,##0.000"), (0.1 + 0.2, "0.00")]), notes_sheet="Ghi chú"))
    settings = Settings.explicit(warehouse_dir=tmp_path / "wh", inbox_dir=inbox)
    summary = load_inbox(settings)
    assert (summary.accepted, summary.rejected) == (1, 0), summary.messages
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        message = con.execute("SELECT message FROM audit.submissions").fetchone()[0]
        loaded = con.execute("SELECT source_row, amount, amount_number, amount_number_decimals FROM raw.budget_lines "
                             "ORDER BY source_row").fetchall()
    finally:
        con.close()
    assert message == "BKHCN__budget__2025-09-30.xlsx: 2 rows loaded; ignored sheets: Ghi chú"
    assert loaded == [(2, "113,568", Decimal("113.568"), 3), (3, "0,30", Decimal("0.3"), 2)]
