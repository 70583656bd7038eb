"""Write the submission templates under sources/templates/ from the contracts (sources/contracts/*.yml).

For each domain: an empty CSV (UTF-8 with BOM, as Excel saves "CSV UTF-8") and an XLSX with the
Vietnamese headers, plus templates/README.md documenting every column. The contracts are the one
source of truth; run this after changing one:  .venv/bin/python -m generators.templates [OUT]
(OUT defaults to sources/; it writes OUT/templates/).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from generators.inputs import CONTRACTS, SOURCES
from generators.writers import write_csv, write_xlsx
from pipelines.ingest import limits
from pipelines.ingest.contracts import load_contracts

# The workbooks' creation date: the moment the shipped templates were first written, kept so their bytes never change.
CREATED = datetime(2026, 11, 27, 2, 36, 14)
TYPE_NOTE = {
    "text": "text", "code": "code", "number": "number in the declared style", "date": "date dd/mm/yyyy", "integer": "whole number (Vietnamese style: 1.234)",
    "enum": "one of the listed labels",
}

# The rules of pipelines/ingest/parsing.py (values as written) and csvfile.py (rows), for the agencies.
VALUES_AS_WRITTEN = [
    "## Rows and values as written",
    "",
    "- **Rows** are numbered as a spreadsheet shows them. The header is the first row with a non-blank",
    "  cell; blank rows (empty, or only spaces and commas) before or after it are skipped and every other",
    "  row keeps its own number. A cell may hold commas, quotes (written twice: `\"\"`) and line breaks",
    "  when it is enclosed in quotes; such a cell stays one row, so a problem's row is the row a",
    "  spreadsheet shows (without such cells, the line of the file). Windows (CR LF), Unix (LF) and old Mac",
    "  (CR) line endings are all accepted.",
    "- **Line breaks** inside a cell (also vertical tab, form feed, NEL U+0085, U+2028, U+2029) are kept",
    "  as one line feed in free text; a code, label, number or date holding one between two characters is",
    "  refused.",
    "- **Spaces**: a tab, a no-break space and every other Unicode space become a plain space; spaces",
    "  around a value are dropped; an empty cell is empty (NULL).",
    "- **Invisible characters** (zero-width space U+200B and joiners, direction marks and bidi controls",
    "  U+200E, U+200F, U+202A-U+202E, U+2066-U+2069, word joiner U+2060, soft hyphen U+00AD, a BOM U+FEFF",
    "  inside a cell, any Unicode format character) are removed from free text, and the submission record",
    "  says how many and where; in a key, code, label, number or date they are refused, naming the",
    "  character and its position: `cell holds an invisible character U+200B (zero width space) at",
    "  position 9; delete it`. Two task ids never differ only by what cannot be seen.",
    "- **Control characters** (NUL, escape, delete, C1 controls) are refused in every cell.",
    "- **Headers** are matched ignoring case, extra spaces, the kind of space and invisible characters.",
    "- **Digits** are 0-9. Arabic-Indic, full-width or other digits in a key, code, number or date are",
    "  refused, naming the digit; free text keeps them.",
    "- **Years** have four digits: `01/04/25` is refused (`year written with two digits (25); write",
    "  dd/mm/yyyy with four`), never read as the year 25.",
    "- **Zero** has no sign: `-0`, `+0` and `-0,00` are accepted as zero, written without the sign.",
    "- **File type** is read from the file's first bytes: an Excel workbook named `.csv`, or a CSV file named",
    "  `.xlsx`, is refused with what to do; UTF-16 (\"Unicode Text\") is refused: save as CSV UTF-8.",
    "",
]
LIMITS = [
    "## Limits",
    "",
    "A file over a limit is refused with a message naming the limit and the value found",
    "(`pipelines/ingest/limits.py`).",
    "",
    "| limit | value |",
    "|---|---|",
    f"| file size | {limits.MAX_FILE_BYTES // (1024 * 1024)} MB |",
    f"| lines in a CSV file | {limits.MAX_LINES} (Excel's rows per sheet) |",
    f"| columns in a row | {limits.MAX_COLUMNS} |",
    f"| characters in a cell | {limits.MAX_CELL_CHARS} (Excel's limit) |",
    f"| problems listed for a refused file | {limits.MAX_PROBLEM_ROWS}, then one row saying how many more |",
    "",
]


def main(out: Path = SOURCES) -> None:
    folder = out / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    contracts = load_contracts(CONTRACTS)
    lines = [
        "# Submission templates",
        "",
        "Generated from `sources/contracts/*.yml` by `python -m generators.templates`; do not edit by hand.",
        "",
        "Name each file `<AGENCY_CODE>__<domain>__<YYYY-MM-DD>.csv` or `.xlsx` (the date is the reporting",
        "date; agency codes are in `sources/reference/agencies.csv`). CSV must be UTF-8 (a BOM is fine);",
        "XLSX data must be on the first sheet (other sheets, e.g. notes, are ignored and named in the",
        "submission record; a hidden first sheet, formulas and merged cells are refused). Headers are",
        "matched ignoring case and extra spaces. Dates are dd/mm/yyyy; numbers use the Vietnamese style",
        "(`.` groups thousands, `,` is the decimal mark) unless the file declares another. In XLSX a number",
        "or date typed as such is taken as typed, with the decimals its cell format shows; the style and",
        "date format apply to cells holding text. A file with any problem is rejected whole, with the row",
        "and column of every problem.",
        "",
        *VALUES_AS_WRITTEN,
        *LIMITS,
    ]
    for domain, contract in sorted(contracts.items()):
        headers = [c.header for c in contract.columns]
        write_csv(folder / f"{domain}.csv", headers, [], excel=True)
        write_xlsx(folder / f"{domain}.xlsx", headers, [], sheet=domain, created=CREATED)
        lines += [f"## {domain}", "", contract.description, "",
                  f"Key (unique within a file): {', '.join(contract.key) or '-'}.", "",
                  "| header | column | type | required | description |", "|---|---|---|---|---|"]
        for c in contract.columns:
            kind = TYPE_NOTE.get(c.type, c.type)
            if c.enum:
                kind += ": " + "; ".join(sorted(contract.enums[c.enum].keys()))
            if c.reference:
                kind += f" ({c.reference})"
            lines.append(f"| {c.header} | {c.name} | {kind} | {'yes' if c.required else 'no'} | {c.description} |")
        lines.append("")
    (folder / "README.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote templates for {', '.join(sorted(contracts))} to {folder}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCES)
