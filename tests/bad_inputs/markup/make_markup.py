"""Write the `markup` family of the bad-input corpus: HTML, script, template placeholders and invisible
characters in what an agency controls, each file with its expected outcome (expected.yml).

Run from the project root: .venv/bin/python tests/bad_inputs/markup/make_markup.py
Deterministic: the same bytes every run. File names are limited to [A-Z0-9_] agency codes by the
loader, so the payloads are in cells (task ids, enum, code and date cells, notes, co-operating
agencies) and headers. tests/test_bad_inputs.py checks each file's status and message;
tests/test_report_escaping.py runs the whole pipeline on these files (with hostile file names
made at test time) and checks the report, the finding messages and the run log.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from make_corpus import BUDGET_HEADER, TASK_HEADER, budget_row, csv_text, task_row, xlsx, write_family  # noqa: E402

DAY = "2025-12-01"
# Every placeholder a rule message may hold: shown as written, never filled in (engine r57_render).
EVERY_PLACEHOLDER = "{subject}{metric}{actual}{expected}{difference}{tolerance}{unit}"

# Task ids (and co-operating agencies) of the accepted BCA file, each making a row-check finding
# whose message quotes it: tests/test_report_escaping.py asserts those messages exactly.
SCRIPT_ID = "<script>alert('task')</script>"
ATTRIBUTE_ID = "\"><img src=x onerror=alert('id')>"
PLACEHOLDER_ID = "NQ71-{difference}{expected}"
EVERY_PLACEHOLDER_ID = "NQ71-" + EVERY_PLACEHOLDER
INVISIBLE_ID = "NQ71-9\u200b05\u202e"
TERMINAL_ID = "NQ71-\x1b[2J906"
CO_AGENCY = "<svg onload=alert('co')>"
NEWLINE_ID = "NQ71-960\n2025-12-01 06:00:00 INFO all files accepted"
HEADER_PAYLOAD = "<script>alert('header')</script>"
HIDDEN_SHEET = "<svg onload=alert(9)>\nINFO ok"  # sheet names: 31 characters at most
HIDDEN_SHEET_SHOWN = HIDDEN_SHEET.replace("\n", "⟨U+000A⟩")  # as every message shows it (pipelines/logsafe.py)
IGNORED_SHEET = "<img src=x onerror=alert(10)>"

CASES: list[tuple[str, bytes | str, dict]] = []


def case(name: str, content: bytes | str, row: int, field: str, reason: str, status: str = "rejected",
         message: str | None = None) -> None:
    CASES.append((name, content, {"row": row, "field": field, "reason": reason, "status": status,
                                  **({"message": message} if message else {})}))


def tasks(*rows: list[str]) -> str:
    return csv_text(TASK_HEADER, list(rows))


def xlsx_tasks(rows: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": __import__("datetime").datetime(2025, 12, 1, 8, 0, 0)})
    sheet = book.add_worksheet("Nhiệm vụ")
    for r, row in enumerate([TASK_HEADER, *rows]):
        sheet.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


def build() -> None:
    # --- accepted: hostile text is data; it is shown literally wherever it appears (report, messages, log)
    case(f"BCA__task_status__{DAY}.csv", tasks(
        # in progress with a completion date: TS-IN-PROGRESS-WITH-COMPLETION quotes the task id
        task_row(SCRIPT_ID, "BCA", **{"Trạng thái": "Đang thực hiện đúng hạn", "Thời hạn": "01/06/2026",
                                      "Ghi chú": "<b>note</b><a href=\"javascript:alert('note')\">x</a>"}),
        # completed without a date: TS-DONE-WITHOUT-DATE
        task_row(ATTRIBUTE_ID, "BCA", **{"Ngày hoàn thành": ""}),
        # overdue before its deadline: TS-OVERDUE-BEFORE-DEADLINE ("... ({difference} days to go)")
        task_row(PLACEHOLDER_ID, "BCA", **{"Trạng thái": "Đang thực hiện quá hạn", "Thời hạn": "11/12/2025",
                                           "Ngày hoàn thành": ""}),
        # on time past its deadline: TS-ON-TIME-PAST-DEADLINE ("{subject} ... {actual} ... ({difference} days)")
        task_row(EVERY_PLACEHOLDER_ID, "BCA", **{"Trạng thái": "Đang thực hiện đúng hạn", "Thời hạn": "21/11/2025",
                                                 "Ngày hoàn thành": ""}),
        # a script as a co-operating agency (free text): TS-CO-AGENCY-UNKNOWN; bidi controls in free text
        # are dropped on arrival (and counted in the submission's message)
        task_row("NQ71-906", "BCA", **{"Cơ quan phối hợp": CO_AGENCY,
                                       "Nội dung nhiệm vụ": "Xây dựng \u202enghị định\u202c về dữ liệu"}),
    ), 0, "", "", status="accepted", message="5 rows loaded")
    # an unknown column is ignored, and named in the submission's message as written
    case(f"BCT__task_status__{DAY}.csv",
         csv_text(TASK_HEADER + [HEADER_PAYLOAD], [task_row("NQ71-950", "BCT") + ["<i>x</i>"]]),
         0, "", "", status="accepted", message=f"ignored columns: {HEADER_PAYLOAD}")
    # --- rejected: a key may not hold what cannot be seen (pipelines/ingest/characters.py); the
    # quarantine shows the value with those characters written out
    case(f"BKHCN__task_status__{DAY}.xlsx", xlsx_tasks([
        task_row(NEWLINE_ID, "BKHCN", **{"Trạng thái": "Đang thực hiện đúng hạn", "Thời hạn": "01/06/2026"})]),
        2, "Mã nhiệm vụ", "cell holds a line break U+000A")
    case(f"BDTTG__task_status__{DAY}.csv", tasks(task_row(INVISIBLE_ID, "BDTTG", **{"Ngày hoàn thành": ""})),
         2, "Mã nhiệm vụ", "cell holds an invisible character U+200B")
    case(f"BQP__task_status__{DAY}.csv", tasks(task_row(TERMINAL_ID, "BQP")),
         2, "Mã nhiệm vụ", "cell holds a control character U+001B")

    # --- rejected: the quarantine quotes the hostile value; the report shows it escaped
    case(f"BNV__task_status__{DAY}.csv", tasks(
        task_row("NQ71-951", "BNV", **{"Trạng thái": "<img src=x onerror=alert('enum')>"})),
        2, "Trạng thái", "unknown value; expected one of")
    # looks like a valid status; a zero-width space makes it another one
    case(f"BTP__task_status__{DAY}.csv", tasks(
        task_row("NQ71-952", "BTP", **{"Trạng thái": "Hoàn thành\u200b đúng hạn"})),
        2, "Trạng thái", "cell holds an invisible character U+200B")
    case(f"BYT__task_status__{DAY}.csv", tasks(
        task_row("NQ71-953", "BYT", **{"Chương trình": "{subject}</td><script>alert('code')</script>"})),
        2, "Chương trình", "unknown programme code")
    # a right-to-left override makes 01/11/2025 read as a valid date
    case(f"BXD__task_status__{DAY}.csv", tasks(
        task_row("NQ71-954", "BXD", **{"Ngày giao": "\u202e5202/11/10"})),
        2, "Ngày giao", "cell holds an invisible character U+202E")
    # the unit is declared once per file; the contradicting cell is quoted in the reason itself
    case(f"BTC__budget__{DAY}.csv", csv_text(BUDGET_HEADER, [
        budget_row("10,5"), budget_row("2,5", unit="tỷ đồng<script>alert('unit')</script>", nature="Chi thường xuyên")]),
        3, "Đơn vị tính", "declared once per file: row 2 says 'tỷ đồng'")
    # sheet names are quoted in the submission's message: a hidden first sheet is refused by its name,
    # which holds a newline (the one-line message and the run log must stay one line) ...
    case(f"BVHTTDL__task_status__{DAY}.xlsx",
         xlsx({HIDDEN_SHEET: [TASK_HEADER, task_row("NQ71-955", "BVHTTDL")], "Dữ liệu": [TASK_HEADER]}, hidden={HIDDEN_SHEET}),
         0, "(sheet)", f"workbook has a hidden sheet ({HIDDEN_SHEET_SHOWN})", message=HIDDEN_SHEET_SHOWN)
    # ... and another sheet is ignored, named in the accepted file's message
    case(f"VHLKHXHVN__task_status__{DAY}.xlsx",
         xlsx({"Nhiệm vụ": [TASK_HEADER, task_row("NQ71-956", "VHLKHXHVN")], IGNORED_SHEET: [["<b>x</b>"]]}),
         0, "", "", status="accepted", message=f"ignored sheets: {IGNORED_SHEET}")


def main() -> None:
    build()
    write_family(HERE, CASES, "The markup family (written by make_markup.py): HTML, script, template placeholders and invisible characters in cells and headers.")


if __name__ == "__main__":
    main()
