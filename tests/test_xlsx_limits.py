"""XLSX read within limits, judged from the parsed workbook: every limit refuses a file with the limit and the
value measured; what the file is (encrypted, .xls, damaged zip, not a workbook) gets its own message; the
first sheet is the first <sheet> of workbook.xml whatever its part is called or its prefix.

The corpus (tests/bad_inputs/xlsx/) holds the same cases at the default limits; here the limits are made
small so that tiny workbooks reach them. Memory and time are measured in bench/bench_xlsx_bombs.py.
"""

from __future__ import annotations

import importlib.util
import io
import struct
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from pipelines.ingest.parsing import read_table
from pipelines.ingest.xlsx import read_first_sheet
from pipelines.ingest.xlsx_package import LIMITS, XlsxRejected

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("make_xlsx", HERE / "bad_inputs" / "xlsx" / "make_xlsx.py")
mk = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mk)

ROWS = mk.task_rows("BKHCN")


def refusal(data: bytes, **limits) -> tuple[int, str, str]:
    with pytest.raises(XlsxRejected) as caught:
        read_first_sheet(data, replace(LIMITS, **limits))
    return caught.value.row, caught.value.field, caught.value.reason


def edit(data: bytes, part: str, change) -> bytes:
    """The package with one part's text changed (the others copied as they are)."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts[part] = change(parts[part].decode("utf-8"))
    return mk.zip_parts(parts)


def sizes(data: bytes) -> dict[str, zipfile.ZipInfo]:
    return {i.filename: i for i in zipfile.ZipFile(io.BytesIO(data)).infolist()}


def test_a_good_workbook_reads_at_the_default_limits():
    sheet = read_first_sheet(mk.one_sheet("BKHCN"))
    assert sheet.rows == [2, 3] and sheet.text.columns == mk.HEADER
    assert sheet.text["Mã nhiệm vụ"].to_list() == ["NQ71-901", "NQ71-902"]


# --- the zip directory, checked before anything is inflated

def test_limits_on_the_zip_directory():
    book = mk.one_sheet("BKHCN")
    info = sizes(book)["xl/worksheets/sheet1.xml"]
    total = sum(i.file_size for i in sizes(book).values())
    assert refusal(book, parts=4) == (0, "(file)", "XLSX over a limit: the zip package has 5 parts, over the limit of 4 parts")
    assert refusal(book, part_bytes=1000) == (
        0, "(file)", f"XLSX over a limit: part xl/worksheets/sheet1.xml inflates to {info.file_size:,} bytes, "
                     "over the limit of 1,000 bytes")
    assert refusal(book, total_bytes=2000) == (
        0, "(file)", f"XLSX over a limit: the parts inflate to {total:,} bytes in all, over the limit of 2,000 bytes in all")
    ratio = info.file_size / info.compress_size
    assert refusal(book, ratio=2, ratio_floor=info.file_size - 1) == (  # only parts past the floor: here the sheet
        0, "(file)", f"XLSX over a limit: part xl/worksheets/sheet1.xml inflates from {info.compress_size:,} to "
                     f"{info.file_size:,} bytes, that is {ratio:,.1f} times its compressed size, "
                     "over the limit of 2 times its compressed size (a zip bomb?)")


def test_declared_sizes_are_refused_without_inflating_anything(monkeypatch):
    declared, bomb = mk.declared_size_bomb("BNG"), mk.zip_bomb("BKHCN", 2)

    def never(*args, **kwargs):
        raise AssertionError("a part was opened")
    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    assert refusal(declared) == (
        0, "(file)", "XLSX over a limit: part xl/worksheets/sheet1.xml inflates to 4,294,967,294 bytes, "
                     "over the limit of 1,073,741,824 bytes")
    assert refusal(bomb)[2].endswith("over the limit of 250 times its compressed size (a zip bomb?)")


def test_zip_entries_excel_never_writes():
    book = bytearray(mk.one_sheet("BKHCN"))
    at = book.rfind(b"PK\x01\x02", 0, book.rfind(b"xl/worksheets/sheet1.xml"))
    lzma = bytearray(book)
    struct.pack_into("<H", lzma, at + 10, 14)  # compression method in the central directory
    assert refusal(bytes(lzma))[2] == ("XLSX cannot be read: part xl/worksheets/sheet1.xml uses compression method 14, "
                                       "which Excel never writes")
    locked = bytearray(book)
    struct.pack_into("<H", locked, at + 8, struct.unpack_from("<H", locked, at + 8)[0] | 1)  # the 'encrypted' flag
    assert refusal(bytes(locked))[2] == "the workbook is password-protected (encrypted); send it without a password"
    twice = mk.zip_parts({"xl/worksheets/sheet1.xml": "<a/>", "XL/Worksheets/Sheet1.xml": "<b/>"})
    assert refusal(twice)[2] == "XLSX cannot be read: the zip package holds two parts named XL/Worksheets/Sheet1.xml"


# --- the first sheet, streamed: rows, columns, cells, text, XML held at once

def test_limits_on_the_first_sheet():
    no_dimension = mk.one_sheet("BKHCN", dimension=None)
    assert refusal(mk.one_sheet("BKHCN"), rows=2) == (
        0, "(sheet)", "XLSX over a limit: the first sheet declares its used range as A1:N3, that is 3 rows, "
                      "over the limit of 2 rows")
    assert refusal(no_dimension, rows=2) == (
        3, "(sheet)", "XLSX over a limit: the first sheet has a row numbered 3, over the limit of 2")
    assert refusal(mk.one_sheet("BKHCN"), columns=10) == (
        0, "(sheet)", "XLSX over a limit: the first sheet declares its used range as A1:N3, that is 14 columns, "
                      "over the limit of 10 columns")
    assert refusal(no_dimension, columns=10) == (
        1, "K", "XLSX over a limit: cell K1 is in column 11, over the limit of 10")
    # 14 header cells, 12 in each data row (two are empty)
    assert refusal(no_dimension, cells=20) == (2, "(sheet)", "XLSX over a limit: the first sheet has more than 20 cells, "
                                                             "over the limit of 20 cells")
    assert refusal(no_dimension, text_chars=50) == (
        1, "(sheet)", "XLSX over a limit: the first sheet's cells hold more than 50 characters of text, "
                      "over the limit of 50 characters of text")
    assert refusal(no_dimension, held_bytes=500) == (
        1, "(sheet)", "XLSX over a limit: row 1 of the first sheet, or what follows it, is more than 500 bytes of XML, "
                      "over the limit of 500 bytes of XML")


def test_the_table_read_is_bounded_by_rows_times_columns_not_by_cells_written():
    # a full header, then rows with one cell each: few cells, but each row is as wide as the header once read
    sparse = mk.task_rows("BKHCN")[:1] + [["NQ71-90" + str(i)] for i in range(1, 5)]
    book = mk.workbook([{"name": "Nhiệm vụ", "xml": mk.sheet_xml(sparse, dimension=None)}])
    assert refusal(book, cells=30) == (
        4, "(sheet)", "XLSX over a limit: the table read from the first sheet reaches 3 rows x 14 columns = 42 cells, "
                      "over the limit of 30 cells")
    assert read_first_sheet(book, replace(LIMITS, cells=56)).text.height == 4


def test_limits_on_the_shared_strings():
    book = mk.shared_strings_bomb("BKHCN", 10)
    assert refusal(book, shared_strings=3) == (
        0, "(file)", "XLSX over a limit: the shared-strings table holds more than 3 (it declares 10) strings, "
                     "over the limit of 3 strings")
    assert refusal(book, text_chars=5) == (
        0, "(file)", "XLSX over a limit: the shared strings hold more than 5 characters, over the limit of 5 characters")
    assert refusal(book, held_bytes=100) == (
        0, "(file)", "XLSX over a limit: shared string 1, or what follows it, is more than 100 bytes of XML, "
                     "over the limit of 100 bytes of XML")


def test_limits_on_the_workbook():
    sheets = [{"name": f"Trang {i}", "xml": mk.sheet_xml(ROWS)} for i in range(1, 4)]
    assert refusal(mk.workbook(sheets), sheets=2) == (
        0, "(file)", "XLSX over a limit: the workbook has 3 sheets, over the limit of 2 sheets")
    assert refusal(mk.workbook(sheets), whole_part_bytes=100) == (
        0, "(file)", "XLSX over a limit: part _rels/.rels is more than 100 bytes of XML, over the limit of 100 bytes of XML")
    assert refusal(mk.workbook(sheets), part_elements=4) == (
        0, "(file)", "XLSX over a limit: part xl/workbook.xml has more than 4 XML elements, over the limit of 4 XML elements")


# --- judged from the parsed workbook, not from the bytes

def test_the_first_sheet_is_the_first_sheet_element_whatever_its_part_or_prefix():
    plain = read_first_sheet(mk.one_sheet("BKHCN"))
    prefixed = read_first_sheet(mk.workbook([{"name": "Nhiệm vụ", "xml": mk.sheet_xml(ROWS, prefix="x:")}], prefix="x:"))
    assert prefixed.text.equals(plain.text) and prefixed.rows == plain.rows
    # its part named anything, %-escaped, absolute, or in another case: found as Excel finds it
    for part, target in [("data/nhập liệu.xml", "data/nh%E1%BA%ADp%20li%E1%BB%87u.xml"),
                         ("worksheets/sheet1.xml", "/xl/worksheets/sheet1.xml"),
                         ("worksheets/sheet1.xml", "Worksheets/SHEET1.XML")]:
        book = mk.workbook([{"name": "Dữ liệu", "part": part, "target": target, "xml": mk.sheet_xml(ROWS)},
                            {"name": "Ghi chú", "part": "notes.xml", "xml": "not even XML <"}])
        sheet = read_first_sheet(book)
        assert sheet.text.equals(plain.text) and sheet.ignored == ["Ghi chú"], target


def test_formulas_merged_cells_and_hidden_sheets_in_any_spelling():
    for prefix in ("", "x:", "ss:"):
        formula = mk.workbook([{"name": "Nhiệm vụ", "xml": mk.sheet_xml(ROWS, prefix=prefix, formula=(2, 3, "A1"))}],
                              prefix=prefix)
        assert refusal(formula) == (2, "C", "cell holds a formula; paste values only (formulas are not accepted)")
        p = prefix
        merged = mk.workbook([{"name": "Nhiệm vụ", "xml": mk.sheet_xml(
            ROWS, prefix=p, merge=f'<{p}mergeCells count="1"><{p}mergeCell ref="b2:c3"/></{p}mergeCells>')}])
        assert refusal(merged) == (2, "B", "merged cells b2:c3; use one cell per column and per row")
    two = [{"name": "Ẩn", "xml": mk.sheet_xml(ROWS)}, {"name": "Nhiệm vụ", "xml": mk.sheet_xml(ROWS)}]
    for element in ('<sheet name="Ẩn" sheetId="1" state="veryHidden" r:id="rId1"></sheet>',
                    '<sheet state="hidden" r:id="rId1" name="Ẩn" sheetId="1"/>'):
        assert refusal(mk.workbook(two, sheet_element=element)) == (
            0, "(sheet)", "workbook has a hidden sheet (Ẩn); hidden data is not accepted")
    # a formula on another sheet, or a hidden other sheet, is not the data: ignored with a note
    other = [{"name": "Nhiệm vụ", "xml": mk.sheet_xml(ROWS)},
             {"name": "Tính", "state": "hidden", "xml": mk.sheet_xml(ROWS, formula=(2, 3, "A1"))}]
    assert read_first_sheet(mk.workbook(other)).ignored == ["Tính (hidden)"]


def test_what_the_first_sheet_points_to():
    def first(**sheet) -> tuple[int, str, str]:
        return refusal(mk.workbook([{"name": "Đầu", "xml": mk.sheet_xml(ROWS), **sheet},
                                    {"name": "Sau", "xml": mk.sheet_xml(ROWS)}]))
    assert first(type="chartsheet") == (0, "(sheet)", "the first sheet (Đầu) is a chart, not data")
    assert first(type="dialogsheet") == (0, "(sheet)", "the first sheet (Đầu) is a dialogsheet, not a worksheet of data")
    assert first(xml=None) == (0, "(sheet)", "XLSX cannot be read: the first sheet (Đầu) is missing from the package "
                                             "(xl/worksheets/sheet1.xml)")
    assert first(external=True, target="file:///C:/du_lieu.xlsx")[2].startswith(
        "XLSX cannot be read: the first sheet (Đầu) is missing from the package")
    chart = '<chartsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetPr/></chartsheet>'
    assert first(xml=chart) == (0, "(sheet)", "XLSX cannot be read: the first sheet's part (xl/worksheets/sheet1.xml) "
                                              "is a <chartsheet>, not a worksheet")
    no_link = mk.workbook([{"name": "Đầu", "xml": mk.sheet_xml(ROWS)}], sheet_element='<sheet name="Đầu" sheetId="1"/>')
    assert refusal(no_link) == (0, "(sheet)", "XLSX cannot be read: the first sheet (Đầu) points to no part of the package")
    empty = mk.workbook([{"name": "Đầu", "xml": mk.sheet_xml(ROWS)}], sheet_element="")
    assert refusal(empty) == (0, "(sheet)", "workbook has no sheet")


def test_dates_follow_the_workbook_epoch():
    styles = ('<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1">'
              '<numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts><fonts count="1"><font/></fonts>'
              '<fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/>'
              '</cellStyleXfs><cellXfs count="2"><xf/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>')
    rows = [["Ngày"], ["x"]]
    xml = mk.sheet_xml(rows).replace('<c r="A2" t="inlineStr"><is><t>x</t></is></c>', '<c r="A2" s="1"><v>45000</v></c>')
    book = mk.workbook([{"name": "Ngày", "xml": xml}])

    def with_styles(text: str) -> str:
        return text.replace("</Relationships>", '<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
                            'officeDocument/2006/relationships/styles" Target="styles/kieu.xml"/></Relationships>')
    with zipfile.ZipFile(io.BytesIO(book)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/_rels/workbook.xml.rels"] = with_styles(parts["xl/_rels/workbook.xml.rels"].decode())
    parts["xl/styles/kieu.xml"] = styles  # the styles part found through the relationships, not by its usual name
    windows = mk.zip_parts(parts)
    assert read_first_sheet(windows).stored["Ngày"].to_list() == ["2023-03-15 00:00:00"]
    mac = edit(windows, "xl/workbook.xml", lambda t: t.replace("<sheets>", '<workbookPr date1904="1"/><sheets>'))
    assert read_first_sheet(mac).stored["Ngày"].to_list() == ["2027-03-16 00:00:00"]


# --- what the file is

def test_each_kind_of_file_that_is_not_a_zip_workbook_gets_its_message():
    cases = {
        mk.encrypted("BKHCN"): "the workbook is password-protected (encrypted); send it without a password",
        mk.xls("BKHCN"): "the file is an Excel 97-2003 workbook (.xls) named .xlsx; open it in Excel and save it as "
                         "Excel Workbook (.xlsx)",
        mk.docx(): "the file is not an Excel workbook: its main part word/document.xml is a <document> document",
        "Mã nhiệm vụ,Chương trình\n".encode(): "the file is not an Excel workbook: it holds text (CSV, HTML or XML saved "
                                               "with the .xlsx name?); save it from Excel as Excel Workbook (.xlsx)",
        b"\x89PNG\r\n\x1a\n\x00\x00": "the file is not an Excel workbook: an .xlsx file is a zip package and this one "
                                      "starts with bytes 89 50 4e 47 0d 0a 1a 0a",
        b"": "file is empty",
    }
    for data, reason in cases.items():
        assert refusal(data)[2] == reason
    damaged_ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
    assert refusal(damaged_ole)[2].startswith("the file is an OLE container (a password-protected workbook or an "
                                              "Excel 97-2003 file) but it is damaged")
    book = mk.one_sheet("BKHCN")
    assert refusal(book[: len(book) // 2])[2] == (
        "XLSX cannot be read: the zip package is damaged: its zip directory is missing (the file is truncated or not a "
        "zip file); save the workbook again and resend it")
    wrong_crc = bytearray(book)
    at = wrong_crc.rfind(b"PK\x01\x02", 0, wrong_crc.rfind(b"xl/worksheets/sheet1.xml"))
    struct.pack_into("<I", wrong_crc, at + 16, 0)  # the sheet's CRC in the central directory
    assert refusal(bytes(wrong_crc))[2] == ("XLSX cannot be read: the zip package is damaged (part xl/worksheets/"
                                            "sheet1.xml): Bad CRC-32 for file 'xl/worksheets/sheet1.xml'; save the "
                                            "workbook again and resend it")


def test_xml_with_a_dtd_or_malformed_is_refused_never_expanded():
    laughs = ('<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
              '<c r="A1" t="inlineStr"><is><t>&a;</t></is></c></row></sheetData></worksheet>')
    assert refusal(mk.workbook([{"name": "Nhiệm vụ", "xml": laughs}])) == (
        0, "(file)", "XLSX cannot be read: part xl/worksheets/sheet1.xml declares a DTD, which a workbook never does "
                     "(entities are not expanded)")
    broken = mk.workbook([{"name": "Nhiệm vụ", "xml": mk.sheet_xml(ROWS).replace("</sheetData>", "")}])
    row, field, reason = refusal(broken)
    assert (row, field) == (0, "(file)") and reason.startswith("XLSX cannot be read: part xl/worksheets/sheet1.xml is "
                                                               "not well-formed XML")


def test_read_table_turns_a_refusal_into_one_problem_naming_row_and_field():
    table, problems = read_table(mk.far_cell_bomb("BCT", dimension=False), "xlsx")
    assert table is None and problems.rows() == [
        (1048576, "XFD", "16,384", "XLSX over a limit: cell XFD1048576 is in column 16,384, over the limit of 256")]


def test_a_damaged_row_is_refused_with_where_it_is():
    bad_ref = edit(mk.one_sheet("BKHCN", dimension=None), "xl/worksheets/sheet1.xml",
                   lambda t: t.replace('r="C2"', 'r="2C"'))
    assert refusal(bad_ref)[:2] == (2, "(sheet)")
    assert refusal(bad_ref)[2].startswith("XLSX cannot be read: row 2 is damaged (")
    no_number = edit(bad_ref, "xl/worksheets/sheet1.xml", lambda t: t.replace('<row r="2">', '<row r="two">'))
    assert refusal(no_number)[:2] == (2, "(sheet)")
    assert refusal(no_number)[2].startswith("XLSX cannot be read: the row after row 1 is damaged (")
    missing_string = edit(mk.one_sheet("BKHCN", dimension=None), "xl/worksheets/sheet1.xml",
                          lambda t: t.replace('<c r="A3" t="inlineStr"><is><t>NQ71-902</t></is></c>',
                                              '<c r="A3" t="s"><v>7</v></c>'))
    assert refusal(missing_string) == (3, "(sheet)", "XLSX cannot be read: row 3 is damaged (a cell refers "
                                                     "to a shared string that the workbook does not have)")
