"""Write the bad-input corpus: malformed submissions, each with the message it must produce (expected.yml).

Run from the project root: .venv/bin/python tests/bad_inputs/make_corpus.py
Deterministic: the same bytes every run. tests/test_bad_inputs.py loads every file beside good
ones and checks each message; the oversize case is made at test time (a sparse file).
"""

from __future__ import annotations

import io
from pathlib import Path

import xlsxwriter
import yaml

HERE = Path(__file__).resolve().parent

TASK_HEADER = ["Mã nhiệm vụ", "Chương trình", "Cơ quan chủ trì", "Cơ quan phối hợp", "Nội dung nhiệm vụ", "Sản phẩm",
               "Người chịu trách nhiệm", "Đơn vị chịu trách nhiệm", "Thẩm quyền", "Ngày giao", "Thời hạn", "Trạng thái",
               "Ngày hoàn thành", "Ghi chú"]
SUMMARY_HEADER = ["Chương trình", "Tổng số", "Thường xuyên", "Hoàn thành", "Hoàn thành đúng hạn", "Hoàn thành quá hạn",
                  "Đang thực hiện đúng hạn", "Đang thực hiện quá hạn"]
BUDGET_HEADER = ["Năm ngân sách", "Nguồn kinh phí", "Tính chất chi", "Lĩnh vực", "Khối", "Cấp", "Giai đoạn", "Số tiền",
                 "Đơn vị tính", "Kiểu số", "Ghi chú"]


def task_row(task_id: str, agency: str = "BCA", **changes) -> list[str]:
    row = dict(zip(TASK_HEADER, [task_id, "NQ71", agency, "", "Xây dựng nghị định về dữ liệu", "Nghị định",
                                 "Thứ trưởng phụ trách", "Vụ Pháp chế", "Thủ tướng Chính phủ", "01/04/2025", "30/11/2025",
                                 "Hoàn thành đúng hạn", "15/11/2025", ""]))
    row.update(changes)
    return [row[h] for h in TASK_HEADER]


def budget_row(amount: str, unit: str = "tỷ đồng", style: str = "vi", nature: str = "Tổng cộng") -> list[str]:
    return ["2025", "Dự toán được giao", nature, "Tổng cộng", "CHINH_PHU", "Trung ương", "Đã phân bổ", amount, unit, style, ""]


def csv_text(header: list[str], rows: list[list[str]], sep: str = ",") -> str:
    def cell(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if sep in v or '"' in v else v
    return "\n".join(sep.join(cell(v) for v in line) for line in [header, *rows]) + "\n"


def xlsx(sheets: dict[str, list[list]], hidden: set[str] = frozenset(), formula: tuple | None = None,
         merge: str | None = None, formula_on: str | None = None) -> bytes:
    """A workbook with these sheets (the first one is the data); formula and merge go on the first sheet
    unless formula_on names another."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": __import__("datetime").datetime(2025, 12, 15, 8, 0, 0)})
    added = [book.add_worksheet(name) for name in sheets]
    for sheet, (name, rows) in zip(added, sheets.items()):
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
        if name in hidden:
            if sheet is added[0]:
                added[1].activate()  # the sheet that opens cannot be hidden: the next one opens instead
            sheet.hide()
        if formula and name == (formula_on or next(iter(sheets))):
            sheet.write_formula(*formula)
        if merge and name == next(iter(sheets)):
            sheet.merge_range(merge, "Thông tin nhiệm vụ")
    book.close()
    return buffer.getvalue()


GOOD_TASKS = [task_row("NQ71-901"), task_row("NQ71-902")]
CASES: list[tuple[str, bytes | str, dict]] = []


def case(name: str, content: bytes | str, row: int, field: str, reason: str, status: str = "rejected",
         message: str | None = None) -> None:
    """message: a phrase the submission record's message must hold (for accepted files)."""
    CASES.append((name, content, {"row": row, "field": field, "reason": reason, "status": status,
                                  **({"message": message} if message else {})}))


def build() -> None:
    base = csv_text(TASK_HEADER, GOOD_TASKS)
    # --- bytes and layout
    case("BCA__task_status__2025-12-15.csv", "", 1, "(file)", "file is empty")
    case("BCT__task_status__2025-12-15.csv", csv_text(TASK_HEADER, []), 1, "(file)", "file has a header but no data rows")
    truncated = base + "NQ71-903,NQ71,BCA,,Xây dựng"
    case("BNG__task_status__2025-12-15.csv", truncated, 4, "(row)", "row has 5 fields but the header has 14")
    case("BNV__task_status__2025-12-15.csv", csv_text(TASK_HEADER, GOOD_TASKS, sep=";"), 1, "(file)",
         "fields are separated by semicolons")
    case("BTP__task_status__2025-12-15.csv", base.encode("cp1258", errors="replace"), 1, "(encoding)", "file is not UTF-8")
    # TCVN3 (ABC) and VNI encode Vietnamese letters as single high bytes: "Mã nhiệm vụ" is not valid UTF-8.
    case("BXD__task_status__2025-12-15.csv", b"M\xb8 nhi\xd6m v\xf4,Ch\xad\xac ng tr\xdcnh\n", 1, "(encoding)", "file is not UTF-8")
    case("BYT__task_status__2025-12-15.csv", b"Ma\xf5 nhie\xe4m vu\xef,Ch\xf6\xf4ng tr\xecnh\n", 1, "(encoding)", "file is not UTF-8")
    case("BQP__task_status__2025-12-15.csv", base.replace("NQ71-902,NQ71,BCA,", "NQ71-902,NQ71,BCA,,,", 1), 3, "(row)",
         "row has 16 fields but the header has 14")
    # --- XLSX shapes
    rows = [TASK_HEADER, *GOOD_TASKS]
    case("BKHCN__task_status__2025-12-15.xlsx", xlsx({"Nhiệm vụ": rows}, merge="A1:B1"), 1, "A", "merged cells A1:B1")
    case("BTC__task_status__2025-12-15.xlsx", xlsx({"Nhiệm vụ": rows}, formula=(2, 10, "=J3+30")), 3, "K",
         "cell holds a formula")
    # only the first sheet is data: a notes sheet, even hidden and with a formula, is ignored with a note
    case("BGDDT__task_status__2025-12-15.xlsx", xlsx({"Nhiệm vụ": rows, "Ghi chú": [["x"]]}), 0, "", "",
         status="accepted", message="2 rows loaded; ignored sheets: Ghi chú")
    case("VHLKHXHVN__task_status__2025-12-15.xlsx",
         xlsx({"Nhiệm vụ": rows, "Tính toán": [["1"]]}, hidden={"Tính toán"}, formula=(1, 0, "=A1*2"), formula_on="Tính toán"),
         0, "", "", status="accepted", message="ignored sheets: Tính toán (hidden)")
    case("BVHTTDL__task_status__2025-12-15.xlsx", xlsx({"Ẩn": rows, "Nhiệm vụ": rows}, hidden={"Ẩn"}), 0, "(sheet)",
         "workbook has a hidden sheet (Ẩn)")
    case("BCA__task_summary__2025-12-15.xlsx", b"PK\x03\x04 not really a workbook", 0, "(file)", "XLSX cannot be read")
    case("BCT__task_summary__2025-12-15.xls", base, 0, "(file name)", "unsupported file type '.xls'")
    # --- values
    case("BNNMT__task_status__2025-12-15.csv", csv_text(TASK_HEADER, [task_row("NQ71-901"), task_row("NQ71-901")]),
         2, "Mã nhiệm vụ", "duplicate key")
    case("BDTTG__task_status__2025-12-15.csv", csv_text(TASK_HEADER, [task_row("NQ71-901", **{"Ngày giao": "2025-04-01"})]),
         2, "Ngày giao", "not a valid date in the declared format dd/mm/yyyy")
    case("NHNN__task_status__2025-12-15.csv", csv_text(TASK_HEADER, [task_row("NQ71-901", agency="NHNN"),
                                                                      task_row("NQ71-902", agency="NHNN", **{"Thời hạn": "12/31/2025"})]),
         3, "Thời hạn", "not a valid date in the declared format dd/mm/yyyy")
    case("TTCP__task_status__2025-12-15.csv", csv_text(TASK_HEADER, [task_row("NQ71-901", agency="TTCP", **{"Ngày hoàn thành": "20/12/2025"})]),
         2, "Ngày hoàn thành", "date is after the reporting date 15/12/2025")
    case("VPCP__task_status__2025-12-15.csv", csv_text(TASK_HEADER, [task_row("NQ71-901", agency="VPCP", **{"Trạng thái": "Xong"})]),
         2, "Trạng thái", "unknown value; expected one of")
    case("DTVN__task_status__2025-12-15.csv", csv_text(TASK_HEADER, [task_row("NQ71-901", agency="DTVN", **{"Chương trình": "NQ99"})]),
         2, "Chương trình", "unknown programme code")
    case("DTNVN__task_status__2025-12-15.csv", csv_text([h for h in TASK_HEADER if h != "Trạng thái"],
                                                      [[v for h, v in zip(TASK_HEADER, task_row("NQ71-901")) if h != "Trạng thái"]]),
         1, "Trạng thái", "required column 'Trạng thái' is missing")
    case("TTXVN__task_summary__2025-12-15.csv", csv_text(SUMMARY_HEADER, [["NQ71", "4", "-1", "2", "1", "1", "3", "0"]]),
         2, "Thường xuyên", "count cannot be negative")
    case("VHLKHCNVN__task_summary__2025-12-15.csv", csv_text(SUMMARY_HEADER, [["NQ71", "4,5", "0", "2", "1", "1", "2", "0"]]),
         2, "Tổng số", "not a whole number in the declared style 'vi'")
    # --- budget: the file declares unit and style once
    case("BNV__budget__2025-09-30.csv", csv_text(BUDGET_HEADER, [budget_row("1,234.5")]), 2, "Số tiền",
         "not a number in the declared style 'vi'")
    case("BTP__budget__2025-09-30.csv", csv_text(BUDGET_HEADER, [budget_row("1.234,5", style="en")]), 2, "Số tiền",
         "not a number in the declared style 'en'")
    case("BXD__budget__2025-09-30.csv", csv_text(BUDGET_HEADER, [budget_row("12,5"), budget_row("7", unit="triệu đồng", nature="Chi thường xuyên")]),
         3, "Đơn vị tính", "declared once per file")
    case("BYT__budget__2025-09-30.csv", csv_text(BUDGET_HEADER, [budget_row("-12,5")]), 2, "Số tiền", "amount cannot be negative")
    case("OLD_BAC_GIANG__budget__2025-09-30.csv", csv_text(BUDGET_HEADER, [budget_row("12,5")]), 0, "(file name)",
         "no longer existed on 30/09/2025")
    # --- names and periods
    case("XYZ__task_status__2025-12-15.csv", base, 0, "(file name)", "unknown agency code 'XYZ'")
    case("BCA__task_status__2025-09-15.csv", base, 0, "(file name)", "reporting period 2025-Q3 for task_status is closed")
    case("BCA__task_status__2026-03-31.csv", base, 0, "(file name)", "no reporting period for task_status contains 31/03/2026")
    case("BCA__task_status__2031-01-15.csv", base, 0, "(file name)", "reporting date 15/01/2031 is in the future")
    case("..__task_status__2025-12-15.csv", base, 0, "(file name)", "file name must be")
    case("BCA\\..\\BCT__task_status__2025-12-15.csv", base, 0, "(file name)", "file name must be")
    case("bao_cao_nhiem_vu.csv", base, 0, "(file name)", "file name must be")
    case("BCA__tasks__2025-12-15.csv", base, 0, "(file name)", "unknown submission domain 'tasks'")
    case("BKHCN__database_status__2025-12-15.csv",
         "Mã CSDL,Giai đoạn,Đã bố trí kinh phí,Nguy cơ không hoàn thành,Lý do thay đổi giai đoạn\nDB-XYZ-001,Chưa triển khai,Không,Có,\n",
         2, "Mã CSDL", "unknown database code")
    # --- accepted, but text that a spreadsheet would run must be neutralised wherever the project writes it
    injected = [task_row("NQ71-905", agency="HUE", **{"Nội dung nhiệm vụ": '=HYPERLINK("http://x","y")', "Ghi chú": "@SUM(A1)",
                                                       "Sản phẩm": "+1+1", "Thẩm quyền": "-2+3"})]
    case("HUE__task_status__2025-12-15.csv", csv_text(TASK_HEADER, injected), 0, "", "", status="accepted")


def write_family(folder: Path, cases, title: str, max_bytes: int | None = None) -> None:
    """Write one family of the corpus: folder/files/ (emptied first) and folder/expected.yml, one entry
    per file: the status it must get and, for a rejected file, its first problem. Every family's
    make_*.py ends here, so all of them write the same format."""
    out = folder / "files"
    out.mkdir(exist_ok=True)
    for old in out.iterdir():
        old.unlink()
    expected = []
    for name, content, expect in cases:
        assert all(name != e["file"] for e in expected), name
        data = content.encode("utf-8") if isinstance(content, str) else content
        assert max_bytes is None or len(data) < max_bytes, (name, len(data))  # small files only
        (out / name).write_bytes(data)
        expected.append({"file": name, **expect})
    (folder / "expected.yml").write_text(
        f"# {title}\n"
        "# One entry per file in files/: the status it must get and, for a rejected file, the first problem it must\n"
        "# report (row as a spreadsheet shows it, 0 = the file as a whole; field; a phrase of the reason); message: a\n"
        "# phrase of its one-line message.\n"
        + yaml.safe_dump(expected, allow_unicode=True, sort_keys=False, width=400), encoding="utf-8")
    print(f"wrote {len(expected)} files to {out}")


def main() -> None:
    build()
    write_family(HERE, CASES, "The base corpus (written by tests/bad_inputs/make_corpus.py).")


if __name__ == "__main__":
    main()
