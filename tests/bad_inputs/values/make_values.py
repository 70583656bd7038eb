"""Write the `values` family of the bad-input corpus: CSV files whose rows and values must be read as written.

Run from the project root: .venv/bin/python tests/bad_inputs/values/make_values.py
Deterministic: the same bytes every run. Each case is accepted after a documented normalisation
(status: accepted) or rejected with a message naming row, field and what is wrong
(pipelines/ingest/parsing.py, csvfile.py and characters.py document the rules). The exact
normalised values are asserted in tests/test_parsing_values.py; a file over the line limit is
built there, at test time (1 MB of line breaks).
"""

from __future__ import annotations

import sys
from pathlib import Path


HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from make_corpus import BUDGET_HEADER, SUMMARY_HEADER, TASK_HEADER, budget_row, task_row, xlsx, write_family  # noqa: E402

DAY = "2025-12-04"
CASES: list[tuple[str, bytes | str, dict]] = []


def case(agency: str, domain: str, content: bytes | str, row: int = 0, field: str = "", reason: str = "",
         status: str = "rejected", message: str | None = None, ext: str = "csv") -> None:
    CASES.append((f"{agency}__{domain}__{DAY}.{ext}", content,
                  {"row": row, "field": field, "reason": reason, "status": status, **({"message": message} if message else {})}))


def csv_text(header: list[str], rows: list[list[str]], eol: str = "\n") -> str:
    """RFC 4180: a cell holding a comma, a quote or any line break is quoted; rows end with eol."""
    def cell(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n\r\x0b\x0c\x85\u2028\u2029') else v
    return eol.join(",".join(cell(v) for v in line) for line in [header, *rows]) + eol


def tasks(agency: str, *rows: dict, eol: str = "\n") -> str:
    """A task-status file of this agency; each dict changes one row of the good template (task ids 901, 902...)."""
    return csv_text(TASK_HEADER, [task_row(f"NQ71-{901 + i}", agency=agency, **r) for i, r in enumerate(rows)], eol)


def summary(*rows: list[str]) -> str:
    return csv_text(SUMMARY_HEADER, list(rows))


def build() -> None:
    content = "Nội dung nhiệm vụ"
    # --- accepted after normalisation: quoted line breaks of every form, line endings, blank rows, spaces
    case("AN_GIANG", "task_status", tasks("AN_GIANG", {content: "Xây dựng\nnghị định"}, {}), status="accepted",
         message="2 rows loaded")
    case("BAC_NINH", "task_status",
         tasks("BAC_NINH", {content: "Dòng 1\r\nDòng 2\u2028Dòng 3\x0cDòng 4\x85Dòng 5", "Ghi chú": "a\x0bb"}, {}, eol="\r\n"),
         status="accepted", message="2 rows loaded")
    case("CA_MAU", "task_status", tasks("CA_MAU", {content: "Xây dựng\nnghị định"}, {}, eol="\r"), status="accepted",
         message="2 rows loaded")
    case("CAN_THO", "task_status", "\n\n,,,\n   \n" + tasks("CAN_THO", {}, {}), status="accepted", message="2 rows loaded")
    case("TP_HO_CHI_MINH", "task_status",
         tasks("TP_HO_CHI_MINH", {}, {}).replace("\nNQ71-902", "\n  \n,,,,\n\nNQ71-902") + "\n\n", status="accepted",
         message="2 rows loaded")
    case("CAO_BANG", "task_status", tasks("CAO_BANG", {"Ghi chú": "Ghi\u200b chú \u202bđảo\u202c"}, {}), status="accepted",
         message="invisible characters (zero-width, bidi, BOM) removed from free text: 'Ghi chú' 3 (first at row 2)")
    case("DA_NANG", "task_status", tasks("DA_NANG", {"Chương trình": "\u00a0NQ71\u00a0", content: "Xây\tdựng\u3000nghị định"}, {}),
         status="accepted", message="2 rows loaded")
    case("DAK_LAK", "task_status", tasks("DAK_LAK", {"Sản phẩm": "Màn hình 5\" (inch)"}, {}).replace('"Màn hình 5"" (inch)"',
                                                                                                    'Màn hình 5" (inch)'),
         status="accepted", message="2 rows loaded")
    case("DIEN_BIEN", "task_status",
         tasks("DIEN_BIEN", {}, {}).replace("Mã nhiệm vụ", "Mã\u00a0nhiệm\u200b vụ", 1), status="accepted",
         message="2 rows loaded")
    case("TUYEN_QUANG", "task_status", tasks("TUYEN_QUANG", {"Ghi chú": "a\r\nb"}, {}, eol="\r\n"), status="accepted",
         message="2 rows loaded")
    case("BAC_NINH", "task_summary", summary(["NQ71", "4", "-0", "2", "1", "1", "+0", "2"]), status="accepted",
         message="1 rows loaded")
    case("BCA", "budget", csv_text(BUDGET_HEADER, [budget_row("-0"), budget_row("+0,00", nature="Chi thường xuyên")]),
         status="accepted", message="2 rows loaded")
    # --- rejected: values a person cannot see or that do not mean what they seem
    case("DONG_NAI", "task_status", tasks("DONG_NAI", {}, {"Ngày giao": "01/04/25"}), 3, "Ngày giao",
         "year written with two digits (25); write dd/mm/yyyy with four")
    case("DONG_THAP", "task_status", tasks("DONG_THAP", {}, {"Sản phẩm": "Nghị\x00 định"}), 3, "Sản phẩm",
         "cell holds a control character U+0000 (null) at position 5; delete it")
    case("GIA_LAI", "task_status", csv_text(TASK_HEADER, [task_row("NQ71-901", agency="GIA_LAI"),
                                                          task_row("NQ71-901\u200b", agency="GIA_LAI")]),
         3, "Mã nhiệm vụ", "cell holds an invisible character U+200B (zero width space) at position 9; delete it",
         message="row 3, field 'Mã nhiệm vụ': cell holds an invisible character U+200B")
    case("HA_NOI", "task_status", tasks("HA_NOI", {"Cơ quan chủ trì": "\u202eHA_NOI"}), 2, "Cơ quan chủ trì",
         "cell holds an invisible character U+202E (right-to-left override) at position 1; delete it")
    case("HA_TINH", "task_status", tasks("HA_TINH", {"Trạng thái": "Hoàn thành\ufeff đúng hạn"}), 2, "Trạng thái",
         "cell holds an invisible character U+FEFF (zero width no-break space) at position 11; delete it")
    case("HAI_PHONG", "task_status", tasks("HAI_PHONG", {"Thời hạn": "\uff13\uff10/11/2025"}), 2, "Thời hạn",
         "cell holds a digit other than 0-9 U+FF13 (fullwidth digit three) at position 1; write digits as 0-9")
    case("HUNG_YEN", "task_status", tasks("HUNG_YEN", {"Chương trình": "NQ\n71"}), 2, "Chương trình",
         "cell holds a line break U+000A (line feed) at position 3; a code, label, number or date is written on one line")
    case("LANG_SON", "task_status", tasks("LANG_SON", {"Ghi chú": "Ghi\x1b[31m chú"}), 2, "Ghi chú",
         "cell holds a control character U+001B (escape) at position 4; delete it")
    case("LAO_CAI", "task_status", tasks("LAO_CAI", {content: "Xây\x9b dựng"}), 2, content,
         "cell holds a control character U+009B (C1 control) at position 4; delete it")
    case("AN_GIANG", "task_summary", summary(["NQ71", "\u0664", "0", "2", "1", "1", "2", "0"]), 2, "Tổng số",
         "cell holds a digit other than 0-9 U+0664 (arabic-indic digit four) at position 1; write digits as 0-9")
    case("BCT", "budget", csv_text(BUDGET_HEADER, [budget_row("\uff11\uff12,5")]), 2, "Số tiền",
         "cell holds a digit other than 0-9 U+FF11 (fullwidth digit one) at position 1")
    case("BGDDT", "budget", csv_text(BUDGET_HEADER, [budget_row("-0,5")]), 2, "Số tiền", "amount cannot be negative")
    # absurd but well-formed figures: refused on arrival, never left to overflow a model downstream
    case("BNG", "budget", csv_text(BUDGET_HEADER, [budget_row("10.000.000.000.000.000")]), 2, "Số tiền",
         "number above 1,000,000,000,000,000, the largest the contract accepts in the file's unit")
    case("BQP", "budget", csv_text(BUDGET_HEADER, [["99999999999", *budget_row("5")[1:]]]), 2, "Năm ngân sách",
         "outside 2000..2100, the range the contract accepts")
    case("BKHCN", "database_status",
         "Mã CSDL,Giai đoạn,Đã bố trí kinh phí,Nguy cơ không hoàn thành,Lý do thay đổi giai đoạn\n"
         "DB-NQ71-001\u2060,Chưa triển khai,Không,Có,\n", 2, "Mã CSDL",
         "cell holds an invisible character U+2060 (word joiner) at position 12; delete it")
    # --- rows: numbers as a spreadsheet shows them
    case("KHANH_HOA", "task_status", tasks("KHANH_HOA", {content: "Xây dựng\n\nnghị định"}, {})
         + ",".join(task_row("NQ71-903", agency="KHANH_HOA")) + ",thừa\n", 4, "(row)", "row has 15 fields but the header has 14")
    case("LAI_CHAU", "task_status", "\n\n" + tasks("LAI_CHAU", {}, {}) + "NQ71-903,NQ71,LAI_CHAU,,Xây dựng\n",
         6, "(row)", "row has 5 fields but the header has 14")
    case("LAM_DONG", "task_status", tasks("LAM_DONG", {}, {}).replace("NQ71-902,NQ71,LAM_DONG,,", 'NQ71-902,NQ71,LAM_DONG,,"'),
         3, "(row)", 'a quote (") is not closed')
    # --- what the bytes are, whatever the name says
    case("NGHE_AN", "task_status", xlsx({"Nhiệm vụ": [TASK_HEADER, task_row("NQ71-901", agency="NGHE_AN")]}), 0, "(file)",
         "this is an Excel workbook saved with a .csv name; save it as CSV UTF-8 or name it .xlsx")
    case("NINH_BINH", "task_status", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), 0, "(file)",
         "this is an old Excel workbook (.xls, Excel 97-2003) saved with a .csv name")
    case("PHU_THO", "task_status", tasks("PHU_THO", {}), 0, "(file)",
         "the file is not an Excel workbook: it holds text", ext="xlsx")
    case("QUANG_NGAI", "task_status", tasks("QUANG_NGAI", {}).encode("utf-16"), 1, "(encoding)", "file is UTF-16")
    # --- limits: refused before parsing, with the limit and the value; messages stay short
    case("QUANG_NINH", "task_status", ",".join(TASK_HEADER) + "," * 100_000 + "\n", 1, "(header)",
         "header has 100014 columns, over the limit of 1000 columns")
    case("QUANG_TRI", "task_status", tasks("QUANG_TRI", {}, {}).rstrip("\n") + "," * 100_000 + "\n", 3, "(row)",
         "row has 100014 fields, over the limit of 1000 columns")
    case("SON_LA", "task_status", tasks("SON_LA", {content: "x" * 40_000}), 2, content,
         "cell has 40000 characters, over the limit of 32767 characters per cell")
    # 1050 problems: 1000 are listed, then a row (row 0, '(file)') saying 50 more (tests/test_parsing_values.py)
    short = {h: "" for h in TASK_HEADER if h not in ("Mã nhiệm vụ", "Chương trình", "Cơ quan chủ trì", "Trạng thái")}
    many = csv_text(TASK_HEADER, [task_row(f"NQ71-{i:04d}", agency="TAY_NINH", **{**short, "Ngày giao": "01/04/25"})
                                  for i in range(1050)])
    case("TAY_NINH", "task_status", many, 2, "Ngày giao", "year written with two digits (25)", message="(+1000 more problems)")


def main() -> None:
    build()
    write_family(HERE, CASES, "The values family (written by make_values.py): values as written, CSV shape and limits.")


if __name__ == "__main__":
    main()
