"""Write the XLSX family of the bad-input corpus: bombs, checks a regex over the bytes could be fooled by,
containers that are not a workbook, each with the outcome it must get (expected.yml).

Run from the project root: .venv/bin/python tests/bad_inputs/xlsx/make_xlsx.py
Deterministic: the same bytes every run (fixed zip timestamps, a seeded key for the encrypted workbook).
The workbooks are written part by part, as XML text, so that prefixes, attribute order and part names
are exactly what each case needs. Small on disk: the bombs are a few hundred KB at most. The builders
are also used by bench/bench_xlsx_bombs.py, which makes bigger ones to measure memory.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
from datetime import datetime
from collections.abc import Iterable, Iterator
import sys
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr


HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from make_corpus import write_family  # noqa: E402
DAY = "2025-12-03"  # every file name in this family carries this reporting date

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"

HEADER = ["Mã nhiệm vụ", "Chương trình", "Cơ quan chủ trì", "Cơ quan phối hợp", "Nội dung nhiệm vụ", "Sản phẩm",
          "Người chịu trách nhiệm", "Đơn vị chịu trách nhiệm", "Thẩm quyền", "Ngày giao", "Thời hạn", "Trạng thái",
          "Ngày hoàn thành", "Ghi chú"]


def task_rows(agency: str) -> list[list[str]]:
    """The header and two good task rows led by this agency."""
    def row(task: str) -> list[str]:
        return [task, "NQ71", agency, "", "Xây dựng nghị định về dữ liệu", "Nghị định", "Thứ trưởng phụ trách",
                "Vụ Pháp chế", "Thủ tướng Chính phủ", "01/04/2025", "30/11/2025", "Hoàn thành đúng hạn", "15/11/2025", ""]
    return [HEADER, row("NQ71-901"), row("NQ71-902")]


def column(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def zip_parts(parts: dict[str, str | bytes | Iterable[str]], level: int = 6) -> bytes:
    """A zip package of these parts, in this order, with a fixed timestamp; a part given as chunks is streamed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as package:
        for name, content in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2025, 12, 3, 8, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if isinstance(content, (str, bytes)):
                package.writestr(info, content.encode("utf-8") if isinstance(content, str) else content)
            else:
                with package.open(info, "w", force_zip64=True) as part:
                    for chunk in content:
                        part.write(chunk.encode("utf-8"))
    return buffer.getvalue()


def repeated(head: str, unit: str, count: int, tail: str) -> Iterator[str]:
    """head, unit written count times, tail: as chunks of about 1 MB."""
    yield head
    per_chunk = max(1, (1 << 20) // len(unit))
    for start in range(0, count, per_chunk):
        yield unit * min(per_chunk, count - start)
    yield tail


def sheet_xml(rows: list[list[str]], prefix: str = "", dimension: str | None = "auto", cells: str = "",
              merge: str = "", formula: tuple[int, int, str] | None = None, ns: str = MAIN) -> str:
    """A worksheet of inline-string cells. prefix "x:" writes every element as x:name (the namespace bound to x);
    cells is extra raw cell XML appended to the last row; formula (row, column, text) puts <f> in that cell."""
    p = prefix
    xmlns = f'xmlns{":" + p[:-1] if p else ""}="{ns}"'
    body = []
    for r, values in enumerate(rows, start=1):
        cs = []
        for c, value in enumerate(values, start=1):
            ref = f"{column(c)}{r}"
            if formula and (r, c) == formula[:2]:
                # attributes before <f>, and a cached value: the shape a regex for '<c><f>' misses
                cs.append(f'<{p}c r="{ref}" s="0" t="str"><{p}f>{escape(formula[2])}</{p}f><{p}v>{escape(value)}</{p}v></{p}c>')
            elif value != "":
                cs.append(f'<{p}c r="{ref}" t="inlineStr"><{p}is><{p}t>{escape(value)}</{p}t></{p}is></{p}c>')
        if r == len(rows):
            cs.append(cells)
        body.append(f'<{p}row r="{r}">{"".join(cs)}</{p}row>')
    width = max(len(r) for r in rows)
    dim = f"A1:{column(width)}{len(rows)}" if dimension == "auto" else dimension
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}worksheet {xmlns}>'
            + (f'<{p}dimension ref="{dim}"/>' if dim else "")
            + f'<{p}sheetData>{"".join(body)}</{p}sheetData>' + merge + f'</{p}worksheet>')


def workbook(sheets: list[dict], prefix: str = "", strings: str | Iterable[str] | None = None, ns: str = MAIN,
             sheet_element: str | None = None) -> bytes:
    """A package: sheets = [{name, xml, part (under xl/), target (as the relationship writes it), state, type}].
    sheet_element replaces the <sheet> element of the first sheet (raw XML), for shapes a writer would not make."""
    p = prefix
    xmlns = f'xmlns{":" + p[:-1] if p else ""}="{ns}" xmlns:r="{DOC_REL}"'
    entries, rels, overrides = [], [], []
    for i, sheet in enumerate(sheets, start=1):
        state = f' state="{sheet["state"]}"' if sheet.get("state") else ""
        entries.append(f'<{p}sheet name={quoteattr(sheet["name"])} sheetId="{i}"{state} r:id="rId{i}"/>')
        part = sheet.get("part", f"worksheets/sheet{i}.xml")
        mode = ' TargetMode="External"' if sheet.get("external") else ""
        rels.append(f'<Relationship Id="rId{i}" Type="{DOC_REL}/{sheet.get("type", "worksheet")}" '
                    f'Target="{sheet.get("target", part)}"{mode}/>')
        overrides.append(f'<Override PartName="/xl/{part}" ContentType="application/vnd.openxmlformats-'
                         'officedocument.spreadsheetml.worksheet+xml"/>')
    if sheet_element is not None:
        entries[0] = sheet_element
    if strings is not None:
        rels.append(f'<Relationship Id="rId{len(sheets) + 1}" Type="{DOC_REL}/sharedStrings" Target="sharedStrings.xml"/>')
        overrides.append('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                         'officedocument.spreadsheetml.sharedStrings+xml"/>')
    parts = {
        "[Content_Types].xml": f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{CT}">'
                               '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                               '<Default Extension="xml" ContentType="application/xml"/>'
                               '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                               'officedocument.spreadsheetml.sheet.main+xml"/>' + "".join(overrides) + "</Types>",
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
                       f'<Relationship Id="rId1" Type="{DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><{p}workbook {xmlns}><{p}sheets>{"".join(entries)}'
                           f'</{p}sheets></{p}workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
                                      + "".join(rels) + "</Relationships>",
    }
    for i, sheet in enumerate(sheets, start=1):
        if sheet.get("xml") is not None:
            parts["xl/" + sheet.get("part", f"worksheets/sheet{i}.xml")] = sheet["xml"]
    if strings is not None:
        parts["xl/sharedStrings.xml"] = strings
    return zip_parts(parts)


def one_sheet(agency: str, **sheet_options) -> bytes:
    return workbook([{"name": "Nhiệm vụ", "xml": sheet_xml(task_rows(agency), **sheet_options)}])


# --- bombs (also built bigger by bench/bench_xlsx_bombs.py)

def far_cell_bomb(agency: str, dimension: bool = True, header: bool = True) -> bytes:
    """One cell at XFD1048576, the last cell of Excel's grid; with the header and two good rows unless header=False."""
    rows = task_rows(agency) if header else [[""]]
    cell = '<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'
    xml = sheet_xml(rows, dimension="A1:XFD1048576" if dimension else None)
    xml = xml.replace("</sheetData>", f'<row r="1048576">{cell}</row></sheetData>')
    return workbook([{"name": "Nhiệm vụ", "xml": xml}])


def shared_strings_bomb(agency: str, count: int) -> bytes:
    """A shared-strings table of `count` one-letter strings: a few bytes each once zipped."""
    table = repeated(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{count}" uniqueCount="{count}">',
                     "<si><t>a</t></si>", count, "</sst>")
    return workbook([{"name": "Nhiệm vụ", "xml": sheet_xml(task_rows(agency))}], strings=table)


def zip_bomb(agency: str, megabytes: int) -> bytes:
    """A sheet whose fourth row holds `megabytes` MB of empty cells: about 1 KB zipped per MB."""
    head, tail = sheet_xml(task_rows(agency)).split("</sheetData>")
    xml = repeated(head + '<row r="4">', "<c/>", megabytes * (1 << 20) // 4, "</row></sheetData>" + tail)
    return workbook([{"name": "Nhiệm vụ", "xml": xml}])


def declared_size_bomb(agency: str, declared: int = 0xFFFFFFFE) -> bytes:
    """A good workbook whose zip directory declares that its sheet inflates to `declared` bytes."""
    data = bytearray(one_sheet(agency))
    name = b"xl/worksheets/sheet1.xml"
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(name))  # the sheet's central directory entry
    struct.pack_into("<I", data, at + 24, declared)  # its uncompressed size
    return bytes(data)


# --- containers that are not a zip workbook

def encrypted(agency: str) -> bytes:
    """The workbook encrypted with a password as Excel does (ECMA-376 agile encryption in an OLE container)."""
    from msoffcrypto.format.ooxml import OOXMLFile
    from msoffcrypto.method import ecma376_agile
    from msoffcrypto.method.container import ecma376_encrypted

    class Written(datetime):  # the container records when it was written: a fixed time
        @classmethod
        def now(cls, tz=None):
            return cls(2025, 12, 3, 8, 0, 0)

    seeded = random.Random(57)
    ecma376_agile._random_buffer = lambda size: bytes(seeded.getrandbits(8) for _ in range(size))  # salts and keys
    ecma376_encrypted.datetime = Written
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(one_sheet(agency))).encrypt("57-NQ/TW", out)
    return out.getvalue()


def xls(agency: str) -> bytes:
    """The rows as an Excel 97-2003 workbook (.xls, BIFF8 in an OLE container)."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Nhiệm vụ")
    for r, values in enumerate(task_rows(agency)):
        for c, value in enumerate(values):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx() -> bytes:
    """A Word document (.docx): a zip package too, whose main part is not a workbook."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    return zip_parts({
        "[Content_Types].xml": f'<?xml version="1.0"?><Types xmlns="{CT}"><Default Extension="xml" ContentType="application/xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
                       f'Type="{DOC_REL}/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": f'<?xml version="1.0"?><w:document xmlns:w="{w}"><w:body><w:p><w:r><w:t>Báo cáo nhiệm vụ'
                             '</w:t></w:r></w:p></w:body></w:document>',
    })


def ratio_refusal(data: bytes, part: str) -> str:
    """The refusal of a part over the compression-ratio limit, with the sizes this zlib wrote."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(part)
    return (f"part {part} inflates from {info.compress_size:,} to {info.file_size:,} bytes, that is "
            f"{info.file_size / info.compress_size:,.1f} times its compressed size, over the limit of 250 times")


CASES: list[tuple[str, bytes, dict]] = []


def case(agency: str, content: bytes, row: int, field: str, reason: str, status: str = "rejected",
         message: str | None = None) -> None:
    CASES.append((f"{agency}__task_status__{DAY}.xlsx", content,
                  {"row": row, "field": field, "reason": reason, "status": status,
                   **({"message": message} if message else {})}))


def build() -> None:
    # --- bombs: refused from what the file declares, before anything is allocated for it
    case("BCA", far_cell_bomb("BCA"), 0, "(sheet)",
         "the first sheet declares its used range as A1:XFD1048576, that is 16,384 columns, over the limit of 256 columns")
    case("BCT", far_cell_bomb("BCT", dimension=False), 1048576, "XFD",
         "cell XFD1048576 is in column 16,384, over the limit of 256")
    strings_bomb = shared_strings_bomb("BGDDT", 5_000_000)
    case("BGDDT", strings_bomb, 0, "(file)", ratio_refusal(strings_bomb, "xl/sharedStrings.xml"))
    sheet_bomb = zip_bomb("BKHCN", 200)
    case("BKHCN", sheet_bomb, 0, "(file)", ratio_refusal(sheet_bomb, "xl/worksheets/sheet1.xml"))
    case("BNG", declared_size_bomb("BNG"), 0, "(file)",
         "part xl/worksheets/sheet1.xml inflates to 4,294,967,294 bytes, over the limit of 1,073,741,824 bytes")
    # --- judged from the parsed workbook, whatever the bytes look like
    formula = (3, 11, "J3+30")
    case("BNNMT", one_sheet("BNNMT", formula=formula), 3, "K", "cell holds a formula")
    prefixed = task_rows("BNV")
    case("BNV", workbook([{"name": "Nhiệm vụ", "xml": sheet_xml(prefixed, prefix="x:", formula=formula)}], prefix="x:"),
         3, "K", "cell holds a formula")
    case("BQP", workbook([{"name": "Nhiệm vụ", "xml": sheet_xml(task_rows("BQP"), prefix="x:")}], prefix="x:"),
         0, "", "", status="accepted", message="2 rows loaded")
    other_part = [{"name": "Dữ liệu", "part": "worksheets/nhap_lieu.xml", "xml": sheet_xml(task_rows("BTC"), formula=formula)},
                  {"name": "Ghi chú", "xml": sheet_xml([["Ghi chú"], ["không có"]])}]
    case("BTC", workbook(other_part), 3, "K", "cell holds a formula")
    clean_first = [{"name": "Dữ liệu", "part": "worksheets/nhap_lieu.xml", "xml": sheet_xml(task_rows("BTP"))},
                   {"name": "Tính toán", "xml": sheet_xml(task_rows("BTP"), formula=formula)}]
    case("BTP", workbook(clean_first), 0, "", "", status="accepted", message="2 rows loaded; ignored sheets: Tính toán")
    # Part names are case-insensitive (OPC): a reader matching them exactly would skip this sheet and read the next
    case("BVHTTDL", workbook([{"name": "Dữ liệu", "target": "worksheets/Sheet1.xml", "xml": sheet_xml(task_rows("BVHTTDL"), formula=formula)},
                              {"name": "Sạch", "xml": sheet_xml(task_rows("BVHTTDL"))}]),
         3, "K", "cell holds a formula")
    hidden = [{"name": "Ẩn", "xml": sheet_xml(task_rows("BXD"))}, {"name": "Nhiệm vụ", "xml": sheet_xml(task_rows("BXD"))}]
    case("BXD", workbook(hidden, sheet_element='<sheet name="Ẩn" sheetId="1" state="hidden" r:id="rId1"></sheet>'),
         0, "(sheet)", "workbook has a hidden sheet (Ẩn)")
    merge = "<x:mergeCells count='1'><x:mergeCell ref='A1:B1'/></x:mergeCells>"
    case("BYT", workbook([{"name": "Nhiệm vụ", "xml": sheet_xml(task_rows("BYT"), prefix="x:", merge=merge)}]),
         1, "A", "merged cells A1:B1")
    laughs = (f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
              f'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><sst xmlns="{MAIN}"><si><t>&c;</t></si></sst>')
    case("BDTTG", workbook([{"name": "Nhiệm vụ", "xml": sheet_xml(task_rows("BDTTG"))}], strings=laughs), 0, "(file)",
         "part xl/sharedStrings.xml declares a DTD")
    case("NHNN", workbook([{"name": "Nhiệm vụ", "xml": sheet_xml(task_rows("NHNN"), ns=STRICT)}], ns=STRICT), 0, "(file)",
         "the workbook is saved as Strict Open XML")
    # --- not a zip workbook
    case("TTCP", encrypted("TTCP"), 0, "(file)",
         "the workbook is password-protected (encrypted); send it without a password")
    case("VPCP", xls("VPCP"), 0, "(file)", "the file is an Excel 97-2003 workbook (.xls) named .xlsx")
    good = one_sheet("DTVN")
    case("DTVN", good[: len(good) // 2], 0, "(file)", "XLSX cannot be read: the zip package is damaged")
    flipped = bytearray(one_sheet("DTNVN"))
    at = flipped.find(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml") + 40  # inside its deflated data
    flipped[at] ^= 0xFF
    case("DTNVN", bytes(flipped), 0, "(file)", "XLSX cannot be read: the zip package is damaged (part xl/worksheets/sheet1.xml)")
    case("TTXVN", ",".join(HEADER).encode("utf-8") + b"\nNQ71-901,NQ71,TTXVN\n", 0, "(file)",
         "the file is not an Excel workbook: it holds text")
    case("VHLKHCNVN", docx(), 0, "(file)", "the file is not an Excel workbook: its main part word/document.xml is a <document>")


def main() -> None:
    build()
    write_family(HERE, CASES, "The XLSX family (written by make_xlsx.py): bombs, bypasses and containers.", max_bytes=400_000)


if __name__ == "__main__":
    main()
