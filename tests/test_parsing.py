"""Parsing one submission against its contract: encodings, headers, dates, numbers, problems with row and field."""

from __future__ import annotations

import io
import unicodedata
from datetime import date

import xlsxwriter

from pipelines.ingest.contracts import load_contracts
from pipelines.ingest.parsing import parse_submission
from pipelines.settings import Settings

SETTINGS = Settings.explicit()
CONTRACTS = load_contracts(SETTINGS.contracts_dir)
REFS = {"agency": {"BKHCN", "HA_NOI"}, "programme": {"NQ71", "KH02"}}
HEADER = ("Mã nhiệm vụ,Chương trình,Cơ quan chủ trì,Cơ quan phối hợp,Nội dung nhiệm vụ,Sản phẩm,"
          "Người chịu trách nhiệm,Đơn vị chịu trách nhiệm,Thẩm quyền,Ngày giao,Thời hạn,Trạng thái,Ngày hoàn thành,Ghi chú")
ROW = "NQ71-001,NQ71,BKHCN,,Xây dựng nghị định,Nghị định,Thứ trưởng,Vụ KHTC,Thủ tướng,01/04/2025,30/11/2025,Hoàn thành đúng hạn,15/11/2025,"


def parse(text: str | bytes, domain: str = "task_status", fmt: str = "csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_submission(data, fmt, CONTRACTS[domain], REFS)


def problems(result):
    return [(p["row"], p["field"], p["reason"]) for p in result.problems.to_dicts()]


def test_csv_with_bom_and_dd_mm_yyyy_dates():
    result = parse("\ufeff" + HEADER + "\r\n" + ROW + "\r\n")
    assert result.ok, problems(result)
    row = result.frame.row(0, named=True)
    assert (row["task_id"], row["assigned_date"], row["deadline"], row["status"]) == (
        "NQ71-001", date(2025, 4, 1), date(2025, 11, 30), "DONE_ON_TIME")
    assert row["source_row"] == 2


def test_headers_match_ignoring_case_spacing_and_decomposed_accents():
    messy = unicodedata.normalize("NFD", HEADER.upper().replace(",", " ,  "))
    result = parse(messy + "\n" + ROW + "\n")
    assert result.ok, problems(result)
    assert result.frame.height == 1


def test_empty_optional_fields_are_null_and_text_is_nfc():
    decomposed = unicodedata.normalize("NFD", "Xây dựng")
    row = ROW.replace("Xây dựng nghị định", decomposed).replace("Thủ tướng", "")
    result = parse(HEADER + "\n" + row + "\n")
    assert result.ok, problems(result)
    out = result.frame.row(0, named=True)
    assert out["authority"] is None and out["co_agency_codes"] is None and out["note"] is None
    assert out["content"] == unicodedata.normalize("NFC", "Xây dựng")


def test_bad_date_unknown_status_and_agency_are_named_by_row_and_field():
    bad = ROW.replace("30/11/2025", "2025-11-30").replace("Hoàn thành đúng hạn", "Xong").replace(",BKHCN,", ",BXYZ,")
    result = parse(HEADER + "\n" + ROW + "\n" + bad + "\n")
    assert not result.ok and result.frame is None
    found = {(row, field) for row, field, _ in problems(result)}
    assert found == {(3, "Thời hạn"), (3, "Trạng thái"), (3, "Cơ quan chủ trì"), (2, "Mã nhiệm vụ"), (3, "Mã nhiệm vụ")}
    reasons = {field: reason for _, field, reason in problems(result)}
    assert "dd/mm/yyyy" in reasons["Thời hạn"]
    assert "duplicate" in reasons["Mã nhiệm vụ"]


def test_missing_required_column_rejects_the_file():
    header = HEADER.replace("Ngày giao,", "")
    row = ROW.replace("01/04/2025,", "", 1)
    result = parse(header + "\n" + row + "\n")
    assert problems(result) == [(1, "Ngày giao", "required column 'Ngày giao' is missing")]


def test_windows_1258_bytes_are_refused_with_line():
    data = (HEADER + "\n" + ROW + "\n").encode("utf-8").replace("Xây".encode("utf-8"), b"X\xe2y")
    result = parse(data)
    [(row, field, reason)] = problems(result)
    assert (row, field) == (2, "(encoding)") and "not UTF-8" in reason


def test_header_only_and_empty_files():
    assert problems(parse(HEADER + "\n")) == [(1, "(file)", "file has a header but no data rows")]
    assert problems(parse(""))[0][2] == "file is empty"


def test_counts_follow_the_declared_vietnamese_style():
    header = "Chương trình,Tổng số,Thường xuyên,Hoàn thành,Hoàn thành đúng hạn,Hoàn thành quá hạn,Đang thực hiện đúng hạn,Đang thực hiện quá hạn"
    good = parse(header + "\nNQ71,1.234,0,2,1,1,3,0\n", "task_summary")
    assert good.ok and good.frame["total"].to_list() == [1234]
    bad = parse(header + "\nNQ71,\"1,5\",-1,2,1,1,3,0\n", "task_summary")
    found = {(field, reason) for _, field, reason in problems(bad)}
    assert ("Tổng số", "not a whole number in the declared style 'vi'") in found
    assert ("Thường xuyên", "count cannot be negative") in found


def test_xlsx_with_typed_date_cells():
    from datetime import datetime

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, HEADER.split(","))
    values = ROW.split(",")
    for col, value in enumerate(values):
        if col in (9, 10, 12):
            day, month, year = map(int, value.split("/"))
            sheet.write_datetime(1, col, datetime(year, month, day), workbook.add_format({"num_format": "dd/mm/yyyy"}))
        else:
            sheet.write_string(1, col, value)
    workbook.close()
    result = parse(buffer.getvalue(), fmt="xlsx")
    assert result.ok, problems(result)
    assert result.frame["deadline"].to_list() == [date(2025, 11, 30)]


def test_blank_lines_are_skipped_and_rows_keep_their_numbers():
    bad = ROW.replace("NQ71-001", "NQ71-002").replace("30/11/2025", "31/11/2025")
    result = parse(HEADER + "\n" + ROW + "\n,,,,,,,,,,,,,\n" + bad + "\n\n")
    assert problems(result) == [(4, "Thời hạn", "not a valid date in the declared format dd/mm/yyyy")]


def test_a_number_too_large_for_the_warehouse_is_a_problem_not_a_crash():
    header = "Chương trình,Tổng số,Thường xuyên,Hoàn thành,Hoàn thành đúng hạn,Hoàn thành quá hạn,Đang thực hiện đúng hạn,Đang thực hiện quá hạn"
    result = parse(header + "\nNQ71,99999999999999999999,0,2,1,1,3,0\n", "task_summary")
    assert problems(result) == [(2, "Tổng số", "number too large for a count")]


def test_duplicates_are_compared_on_typed_values():
    header = "Chương trình,Tổng số,Thường xuyên,Hoàn thành,Hoàn thành đúng hạn,Hoàn thành quá hạn,Đang thực hiện đúng hạn,Đang thực hiện quá hạn"
    result = parse(header + "\nNQ71,4,0,2,1,1,2,0\nNQ71 ,4,0,2,1,1,2,0\n", "task_summary")
    assert [(r, f) for r, f, reason in problems(result) if "duplicate" in reason] == [(2, "Chương trình"), (3, "Chương trình")]


def test_xlsx_rows_keep_their_sheet_numbers_after_a_blank_row():
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, HEADER.split(","))
    sheet.write_row(1, 0, ROW.split(","))
    sheet.write_row(3, 0, ROW.replace("NQ71-001", "NQ71-002").replace("30/11/2025", "31/11/2025").split(","))
    workbook.close()
    result = parse(buffer.getvalue(), fmt="xlsx")
    assert problems(result) == [(4, "Thời hạn", "not a valid date in the declared format dd/mm/yyyy")]
