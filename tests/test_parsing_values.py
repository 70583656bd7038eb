"""CSV read bounded and values as written: row numbers, quoted line breaks, line endings, invisible and control
characters, digits, years, signed zero, file signatures, limits and bounded messages (exact values and messages)."""

from __future__ import annotations

import csv
import io
import random
import unicodedata
from datetime import date
from decimal import Decimal

import polars as pl
import pytest
import xlsxwriter

from pipelines.ingest import csvfile, limits, loader
from pipelines.ingest.contracts import load_contracts
from pipelines.ingest.parsing import _date_pattern, parse_submission
from pipelines.settings import Settings

CONTRACTS = load_contracts(Settings.explicit().contracts_dir)
REFS = {"agency": {"BKHCN", "HA_NOI"}, "programme": {"NQ71", "KH02"}, "block": {"CHINH_PHU"}, "database": {"DB-NQ71-001"}}
HEADER = ("Mã nhiệm vụ,Chương trình,Cơ quan chủ trì,Cơ quan phối hợp,Nội dung nhiệm vụ,Sản phẩm,"
          "Người chịu trách nhiệm,Đơn vị chịu trách nhiệm,Thẩm quyền,Ngày giao,Thời hạn,Trạng thái,Ngày hoàn thành,Ghi chú")
CELLS = ["NQ71-001", "NQ71", "BKHCN", "", "Xây dựng nghị định", "Nghị định", "Thứ trưởng", "Vụ KHTC", "Thủ tướng",
         "01/04/2025", "30/11/2025", "Hoàn thành đúng hạn", "15/11/2025", ""]
COLUMN = {h: i for i, h in enumerate(HEADER.split(","))}
SUMMARY = ("Chương trình,Tổng số,Thường xuyên,Hoàn thành,Hoàn thành đúng hạn,Hoàn thành quá hạn,"
           "Đang thực hiện đúng hạn,Đang thực hiện quá hạn")
BUDGET = "Năm ngân sách,Nguồn kinh phí,Tính chất chi,Lĩnh vực,Khối,Cấp,Giai đoạn,Số tiền,Đơn vị tính,Kiểu số,Ghi chú"


def row(task_id: str = "NQ71-001", **changes: str) -> str:
    """One task row, RFC 4180-quoted where a cell needs it; changes by header name."""
    cells = list(CELLS)
    cells[0] = task_id
    for header, value in changes.items():
        cells[COLUMN[header]] = value
    return ",".join('"' + c.replace('"', '""') + '"' if any(x in c for x in ',"\n\r') else c for c in cells)


def budget(amount: str, nature: str = "Tổng cộng") -> str:
    return f'2025,Dự toán được giao,{nature},Tổng cộng,CHINH_PHU,Trung ương,Đã phân bổ,"{amount}",tỷ đồng,vi,'


def parse(text: str | bytes, domain: str = "task_status", fmt: str = "csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_submission(data, fmt, CONTRACTS[domain], REFS, date(2025, 12, 15))


def problems(result):
    return [(p["row"], p["field"], p["reason"]) for p in result.problems.to_dicts()]


def accepted(result) -> pl.DataFrame:
    assert result.ok, problems(result)
    return result.frame


# --- rows: the number a spreadsheet shows


def test_blank_lines_and_rows_before_the_header_keep_every_row_number():
    text = "\n  \n,,,\n\n" + HEADER + "\n" + row() + "\n" + row("NQ71-002", **{"Thời hạn": "31/11/2025"}) + "\n"
    assert problems(parse(text)) == [(7, "Thời hạn", "not a valid date in the declared format dd/mm/yyyy")]
    assert accepted(parse(text.replace("31/11/2025", "30/11/2025")))["source_row"].to_list() == [6, 7]


def test_header_problems_name_the_header_row():
    assert problems(parse("\n\n" + HEADER + "\n")) == [(3, "(file)", "file has a header but no data rows")]
    assert problems(parse("\n" + HEADER.replace("Ngày giao,", "") + "\n")) == [
        (2, "Ngày giao", "required column 'Ngày giao' is missing")]


def test_a_quoted_cell_with_line_breaks_is_one_row():
    multi = row(**{"Nội dung nhiệm vụ": "Xây dựng\n\nnghị định", "Ghi chú": "a\r\nb"})
    bad = row("NQ71-002", **{"Thời hạn": "31/11/2025"})
    assert problems(parse(HEADER + "\n" + multi + "\n" + bad + "\n")) == [
        (3, "Thời hạn", "not a valid date in the declared format dd/mm/yyyy")]
    frame = accepted(parse(HEADER + "\n" + multi + "\n" + row("NQ71-002") + "\n"))
    assert frame["source_row"].to_list() == [2, 3]
    assert frame.row(0, named=True)["content"] == "Xây dựng\n\nnghị định" and frame.row(0, named=True)["note"] == "a\nb"


def test_every_line_break_form_in_a_quoted_cell_is_accepted_as_lf():
    text = HEADER + "\r\n" + row(**{"Nội dung nhiệm vụ": "Dòng 1\r\nDòng 2\u2028Dòng 3\x0cDòng 4\x85Dòng 5\u2029Dòng 6\rDòng 7",
                                    "Ghi chú": "a\x0bb"}) + "\r\n"
    out = accepted(parse(text)).row(0, named=True)
    assert out["content"] == "Dòng 1\nDòng 2\nDòng 3\nDòng 4\nDòng 5\nDòng 6\nDòng 7"
    assert out["note"] == "a\nb" and out["source_row"] == 2


def test_old_mac_line_endings_are_line_breaks():
    text = (HEADER + "\n" + row(**{"Ghi chú": "a\nb"}) + "\n" + row("NQ71-002") + "\n").replace("\n", "\r")
    frame = accepted(parse(text))
    assert frame["source_row"].to_list() == [2, 3] and frame["note"].to_list() == ["a\nb", None]


def test_a_ragged_row_is_reported_with_its_row_after_quoted_line_breaks_and_blank_lines():
    multi = row(**{"Nội dung nhiệm vụ": "Xây dựng\n\nnghị định"})
    text = "\n" + HEADER + "\n" + multi + "\n\n" + row("NQ71-002") + ",thừa,thừa\n" + row("NQ71-003").rsplit(",", 3)[0] + "\n"
    # rows as a spreadsheet shows them: 1 blank, 2 header, 3 the cell of lines 3-5, 4 blank (line 6),
    # 5 two fields too many (line 7), 6 three too few (line 8)
    assert problems(parse(text)) == [
        (5, "(row)", "row has 16 fields but the header has 14 (truncated, shifted or unquoted comma)"),
        (6, "(row)", "row has 11 fields but the header has 14 (truncated, shifted or unquoted comma)")]


def test_a_quote_that_is_never_closed_is_reported_on_its_row():
    text = HEADER + "\n" + row() + "\n" + row("NQ71-002").replace(",Xây dựng", ',"Xây dựng') + "\n" + row("NQ71-003") + "\n"
    [(r, field, reason)] = problems(parse(text))
    assert (r, field) == (3, "(row)") and reason.startswith('a quote (") is not closed')


def test_a_quote_inside_an_unquoted_cell_is_text_as_excel_reads_it():
    text = HEADER + "\n" + row().replace("Nghị định", 'Màn hình 5" (inch)') + "\n" + row("NQ71-002") + "\n"
    assert accepted(parse(text))["expected_product"].to_list() == ['Màn hình 5" (inch)', "Nghị định"]


def test_blank_and_whitespace_rows_between_rows_are_skipped():
    text = HEADER + "\n" + row() + "\n   \n,,,\n\t\n" + row("NQ71-002") + "\n\n\n"
    assert accepted(parse(text))["source_row"].to_list() == [2, 6]


def _oracle(text: str) -> list[tuple[int, tuple]]:
    """(row, cells) of every non-blank record after the header, as Python's csv module reads the file."""
    records = list(enumerate(csv.reader(io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n"), newline="")), 1))
    filled = [(n, r) for n, r in records if any(c.strip(" \t") for c in r)]
    return [(n, tuple(c or None for c in r)) for n, r in filled[1:]]


@pytest.mark.parametrize("seed", range(6))
def test_rows_and_cells_agree_with_pythons_csv_module(seed):
    """Random files mixing blank lines, blank rows, quoted commas, quotes and line breaks: DuckDB's reading
    with our row numbers equals the csv module's record numbers and cells."""
    rnd = random.Random(seed)
    pieces = ["", "   ", ",,", ",", '{i},"x\n\ny",3', '{i},"x,""y""",3', '{i},"\n",3', "{i},2,3", '"{i}","a\r\nb",""']
    for _ in range(40):
        lines = [""] * rnd.randint(0, 2) + ["a,b,c"]
        lines += [rnd.choice(pieces).format(i=i) for i in range(rnd.randint(0, 30))]
        eol = rnd.choice(["\n", "\r\n", "\r"])
        text = eol.join(lines) + rnd.choice([eol, "", eol * 2])
        cells, rows, _, err = csvfile.read(text.encode())
        assert err is None, (text, err)
        got = [(n, tuple(r)) for n, r in zip(rows, cells.rows()) if any((c or "").strip() for c in r)]
        assert got == _oracle(text), text


@pytest.mark.parametrize("seed", range(4))
def test_ragged_rows_and_their_field_counts_agree_with_pythons_csv_module(seed):
    """Random files with rows of too few and too many fields among quoted commas, line breaks and quotes inside
    unquoted cells: every such row is listed with the csv module's record number and field count ("more than"
    only where a quote inside an unquoted cell keeps the count from being read off the lines)."""
    rnd = random.Random(seed)
    pieces = ["", "   ", ",,,,", '{i},"x\n\ny",3', '{i},"x,""y""",3,4', '{i},ab"c,3', "{i},2", '{i},"a\nb"',
              "{i},2,3,4,5,6", "{i},2,3"]
    for _ in range(40):
        lines = [""] * rnd.randint(0, 2) + ["a,b,c"] + [rnd.choice(pieces).format(i=i) for i in range(rnd.randint(1, 30))]
        eol = rnd.choice(["\n", "\r\n"])
        text = eol.join(lines) + eol
        records = enumerate(csv.reader(io.StringIO(text.replace("\r\n", "\n"), newline="")), 1)
        truth = [(n, len(r)) for n, r in records if any(c.strip() for c in r) and len(r) != 3]
        _, _, _, err = csvfile.read(text.encode())
        got = [] if err is None else [(r, reason.split(" fields")[0].removeprefix("row has ")) for r, reason in err.select("row", "reason").rows()]
        assert [n for n, _ in got] == [n for n, _ in truth], text
        assert all(count == str(fields) or (count == "more than 3" and fields > 3) for (_, count), (_, fields) in zip(got, truth)), text


def test_too_many_fields_after_a_quote_inside_an_unquoted_cell_are_counted_as_more_than():
    text = HEADER + "\n" + row().replace("Nghị định", 'Màn hình 5" (inch)') + "\n" + row("NQ71-002") + ",thừa\n"
    assert problems(parse(text)) == [(3, "(row)", "row has more than 14 fields but the header has 14 "
                                                  "(truncated, shifted or unquoted comma)")]


# --- values as written


def test_nul_and_other_control_characters_are_refused_with_position():
    text = HEADER + "\n" + row(**{"Sản phẩm": "Nghị\x00 định", "Ghi chú": "Ghi\x1b[31m", "Thẩm quyền": "x\x9b"}) + "\n"
    assert problems(parse(text)) == [
        (2, "Ghi chú", "cell holds a control character U+001B (escape) at position 4; delete it"),
        (2, "Sản phẩm", "cell holds a control character U+0000 (null) at position 5; delete it"),
        (2, "Thẩm quyền", "cell holds a control character U+009B (C1 control) at position 2; delete it")]


def test_a_key_differing_only_by_an_invisible_character_is_refused_not_a_second_task():
    text = HEADER + "\n" + row("NQ71-901") + "\n" + row("NQ71-901\u200b") + "\n"
    result = parse(text)
    assert problems(result) == [
        (3, "Mã nhiệm vụ", "cell holds an invisible character U+200B (zero width space) at position 9; delete it")]
    assert result.problems["value"].to_list() == ["NQ71-901⟨U+200B⟩"]  # the message shows what cannot be seen


def test_invisible_characters_in_codes_and_labels_are_named():
    text = HEADER + "\n" + row(**{"Cơ quan chủ trì": "\u202eBKHCN", "Trạng thái": "Hoàn thành\ufeff đúng hạn",
                                  "Chương trình": "NQ\u200d71"}) + "\n"
    assert problems(parse(text)) == [
        (2, "Chương trình", "cell holds an invisible character U+200D (zero width joiner) at position 3; delete it"),
        (2, "Cơ quan chủ trì", "cell holds an invisible character U+202E (right-to-left override) at position 1; delete it"),
        (2, "Trạng thái", "cell holds an invisible character U+FEFF (zero width no-break space) at position 11; delete it")]


def test_invisible_characters_are_removed_from_free_text_and_counted():
    text = HEADER + "\n" + row() + "\n" + row("NQ71-002", **{"Ghi chú": "Ghi\u200b chú \u202bđảo\u202c", "Sản phẩm": "\u2066x\u2069"}) + "\n"
    result = parse(text)
    frame = accepted(result)
    assert frame["note"].to_list() == [None, "Ghi chú đảo"] and frame["expected_product"].to_list() == ["Nghị định", "x"]
    assert result.notes == ["invisible characters (zero-width, bidi, BOM) removed from free text: "
                            "'Sản phẩm' 2 (first at row 3), 'Ghi chú' 3 (first at row 3)"]


def test_spaces_of_every_kind_are_plain_spaces_so_keys_cannot_differ_by_them():
    text = HEADER + "\n" + row("NQ71 001", **{"Chương trình": "\u00a0NQ71\u00a0", "Nội dung nhiệm vụ": "Xây\tdựng\u3000nghị\u2009định"}) + "\n"
    out = accepted(parse(text)).row(0, named=True)
    assert (out["task_id"], out["programme_code"], out["content"]) == ("NQ71 001", "NQ71", "Xây dựng nghị định")
    twice = HEADER + "\n" + row("NQ71 001") + "\n" + row("NQ71\u00a0001") + "\n"
    assert [(r, f) for r, f, reason in problems(parse(twice)) if "duplicate key" in reason] == [(2, "Mã nhiệm vụ"), (3, "Mã nhiệm vụ")]


def test_a_line_break_inside_a_code_is_refused_but_trimmed_at_its_ends():
    assert problems(parse(HEADER + "\n" + row(**{"Chương trình": "NQ\n71"}) + "\n")) == [
        (2, "Chương trình", "cell holds a line break U+000A (line feed) at position 3; "
                            "a code, label, number or date is written on one line")]
    assert accepted(parse(HEADER + "\n" + row(**{"Chương trình": "NQ71\n"}) + "\n"))["programme_code"].to_list() == ["NQ71"]


def test_digits_other_than_ascii_are_named_not_read_as_numbers_and_kept_in_free_text():
    summary = parse(SUMMARY + "\nNQ71,\u0664,\uff10,2,1,1,2,0\n", "task_summary")
    assert problems(summary) == [
        (2, "Thường xuyên", "cell holds a digit other than 0-9 U+FF10 (fullwidth digit zero) at position 1; write digits as 0-9"),
        (2, "Tổng số", "cell holds a digit other than 0-9 U+0664 (arabic-indic digit four) at position 1; write digits as 0-9")]
    amount = parse(BUDGET + "\n" + budget("\u0661\u0662,5") + "\n", "budget")
    assert problems(amount) == [
        (2, "Số tiền", "cell holds a digit other than 0-9 U+0661 (arabic-indic digit one) at position 1; write digits as 0-9")]
    dated = parse(HEADER + "\n" + row(**{"Thời hạn": "\uff13\uff10/11/2025"}) + "\n")
    assert problems(dated) == [
        (2, "Thời hạn", "cell holds a digit other than 0-9 U+FF13 (fullwidth digit three) at position 1; write digits as 0-9")]
    free = accepted(parse(HEADER + "\n" + row(**{"Ghi chú": "Mục \u0663"}) + "\n"))
    assert free["note"].to_list() == ["Mục \u0663"]


def test_a_two_digit_year_is_refused_and_the_year_has_four_digits():
    assert problems(parse(HEADER + "\n" + row(**{"Ngày giao": "01/04/25"}) + "\n")) == [
        (2, "Ngày giao", "year written with two digits (25); write dd/mm/yyyy with four")]
    assert problems(parse(HEADER + "\n" + row(**{"Ngày giao": "01/04/025"}) + "\n")) == [
        (2, "Ngày giao", "not a valid date in the declared format dd/mm/yyyy")]
    assert accepted(parse(HEADER + "\n" + row(**{"Ngày giao": "1/4/2025"}) + "\n"))["assigned_date"].to_list() == [date(2025, 4, 1)]
    assert _date_pattern("%Y-%m-%d", "([0-9]{2})") == "^([0-9]{2})\\-[0-9]{1,2}\\-[0-9]{1,2}$"
    assert _date_pattern("%d/%m/%Y %H:%M", "[0-9]{4}") is None


def test_zero_has_no_sign_and_a_negative_amount_is_still_refused():
    frame = accepted(parse(BUDGET + "\n" + budget("-0") + "\n" + budget("+0,00", "Chi thường xuyên") + "\n", "budget"))
    assert frame.select("amount", "amount_number", "amount_number_decimals").rows() == [
        ("0", Decimal("0"), 0), ("0,00", Decimal("0"), 2)]
    assert problems(parse(BUDGET + "\n" + budget("-0,5") + "\n", "budget")) == [(2, "Số tiền", "amount cannot be negative")]
    counts = accepted(parse(SUMMARY + "\nNQ71,4,-0,2,1,1,+0,2\n", "task_summary"))
    assert counts.select("recurring", "in_progress_on_time").row(0) == (0, 0)


def test_a_header_is_matched_ignoring_invisible_characters_and_the_kind_of_space():
    header = HEADER.replace("Mã nhiệm vụ", "\ufeffMã\u00a0nhiệm\u200b vụ").replace("Ghi chú", "Ghi chú\u200e")
    result = parse(header + "\n" + row() + "\n")
    assert accepted(result)["task_id"].to_list() == ["NQ71-001"] and result.ignored_columns == []


# --- what the bytes are


def _workbook() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet().write_row(0, 0, HEADER.split(","))
    book.close()
    return buffer.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


@pytest.mark.parametrize("data, fmt, reason", [
    (_workbook(), "csv", "this is an Excel workbook saved with a .csv name; save it as CSV UTF-8 or name it .xlsx"),
    (OLE, "csv", "this is an old Excel workbook (.xls, Excel 97-2003) saved with a .csv name; "
                 "save it as CSV UTF-8 or as an Excel Workbook (.xlsx)"),
    # named .xlsx: the XLSX reader says what the file is (tests/test_xlsx_limits.py has its other cases)
    ((HEADER + "\n" + row() + "\n").encode(), "xlsx", "the file is not an Excel workbook: it holds text (CSV, HTML or XML saved with the .xlsx name?); "
                                                      "save it from Excel as Excel Workbook (.xlsx)"),
])
def test_a_file_is_what_its_first_bytes_say(data, fmt, reason):
    assert problems(parse(data, fmt=fmt)) == [(0, "(file)", reason)]


def test_utf16_is_refused_with_what_to_do():
    assert problems(parse((HEADER + "\n").encode("utf-16"))) == [
        (1, "(encoding)", 'file is UTF-16 (Excel\'s "Unicode Text"); save the file as CSV UTF-8')]


# --- limits and bounded messages


def test_the_line_and_cell_limits_are_excels():
    assert (limits.MAX_LINES, limits.MAX_CELL_CHARS) == (1_048_576, 32_767)


def test_a_file_over_the_line_limit_is_refused_before_parsing():
    text = HEADER + "\n" + row() + "\n" + "\n" * limits.MAX_LINES
    assert problems(parse(text)) == [(0, "(file)", "file has 1048578 lines, over the limit of 1048576 lines")]


def test_line_and_column_limits_at_the_boundary(monkeypatch):
    monkeypatch.setattr(csvfile, "MAX_LINES", 4)
    assert accepted(parse(HEADER + "\n" + row() + "\n\n\n")).height == 1
    assert problems(parse(HEADER + "\n" + row() + "\n\n\n\n"))[0][2] == "file has 5 lines, over the limit of 4 lines"
    monkeypatch.setattr(csvfile, "MAX_COLUMNS", 15)
    assert parse(HEADER + ",Thêm\n" + row() + ",x\n").ok
    assert problems(parse(HEADER + ",Thêm,Thêm 2\n" + row() + ",x,y\n")) == [
        (1, "(header)", "header has 16 columns, over the limit of 15 columns")]


def test_100000_extra_columns_give_a_short_message():
    wide_header = parse(HEADER + "," * 100_000 + "\n" + row() + "\n")
    assert problems(wide_header) == [(1, "(header)", "header has 100014 columns, over the limit of 1000 columns")]
    multi = row(**{"Nội dung nhiệm vụ": "a\nb"})
    wide_row = parse(HEADER + "\n" + multi + "\n" + row("NQ71-002") + "," * 100_000 + "\n")
    assert problems(wide_row) == [(3, "(row)", "row has 100014 fields, over the limit of 1000 columns")]
    for result in (wide_header, wide_row):
        line = loader._one_line("HA_NOI__task_status__2025-12-15.csv", result.problems)
        assert len(line) < 200, line
        assert all(len(v) <= limits.MAX_VALUE_CHARS for v in result.problems["value"].drop_nulls())


def test_commas_inside_a_quoted_cell_are_not_columns():
    # more commas than the column limit inside one quoted cell, on its first line or a later one: one field
    assert parse(HEADER + "\n" + row(**{"Nội dung nhiệm vụ": "a," * 1200}) + "\n").ok
    assert parse(HEADER + "\n" + row(**{"Nội dung nhiệm vụ": "x\n" + "a," * 1200 + "\ny"}) + "\n").ok


def test_a_cell_over_excels_limit_is_refused_with_row_and_column():
    text = HEADER + "\n" + row() + "\n" + row("NQ71-002", **{"Nội dung nhiệm vụ": "x" * 40_000}) + "\n"
    result = parse(text)
    assert problems(result) == [(3, "Nội dung nhiệm vụ", "cell has 40000 characters, over the limit of 32767 characters per cell")]
    assert result.problems["value"][0] == "x" * 80
    assert parse(HEADER + "\n" + row(**{"Nội dung nhiệm vụ": "x" * limits.MAX_CELL_CHARS}) + "\n").ok


def test_problems_are_capped_with_a_final_row_counting_the_rest():
    rows = "\n".join(row(f"NQ71-{i:04d}", **{"Ngày giao": "01/04/25"}) for i in range(1050))
    result = parse(HEADER + "\n" + rows + "\n")
    assert result.problems.height == limits.MAX_PROBLEM_ROWS + 1
    assert problems(result)[0] == (2, "Ngày giao", "year written with two digits (25); write dd/mm/yyyy with four")
    assert problems(result)[-2][0] == 1001
    assert problems(result)[-1] == (0, "(file)", "50 more problems not listed: only the first 1000 of 1050 are kept")


def test_ignored_columns_are_named_up_to_twenty_and_counted_after():
    extra = [f"Cột {i}" for i in range(30)]
    result = parse(HEADER + "," + ",".join(extra) + "\n" + row() + "," * 30 + "\n")
    assert result.ok and result.ignored_columns == extra[:20] + ["and 10 more"]


def test_invisible_characters_in_an_ignored_header_are_shown():
    result = parse(HEADER + ",Cột\u200b\n" + row() + ",\n")
    assert result.ok and result.ignored_columns == ["Cột⟨U+200B⟩"]


def test_every_named_character_has_a_description():
    from pipelines.ingest import characters
    names = characters.described()
    assert names["\u200b"] == "U+200B (zero width space)" and names["\x00"] == "U+0000 (null)"
    assert all(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Zs", "Nd") for c in names)
