"""Write the submission templates under sources/templates/ from the contracts (sources/contracts/*.yml).

For each domain: an empty CSV (UTF-8 with BOM, as Excel saves "CSV UTF-8") and an XLSX with the
Vietnamese headers, plus templates/README.md documenting every column. The contracts are the one
source of truth; run this after changing one:  .venv/bin/python sources/make_templates.py
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from pipelines.ingest.contracts import load_contracts

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "templates"
TYPE_NOTE = {
    "text": "text", "code": "code", "number": "number in the declared style", "date": "date dd/mm/yyyy", "integer": "whole number (Vietnamese style: 1.234)",
    "enum": "one of the listed labels",
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    contracts = load_contracts(ROOT / "contracts")
    lines = [
        "# Submission templates",
        "",
        "Generated from `sources/contracts/*.yml` by `sources/make_templates.py`; do not edit by hand.",
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
    ]
    for domain, contract in sorted(contracts.items()):
        headers = [c.header for c in contract.columns]
        (OUT / f"{domain}.csv").write_bytes(("\ufeff" + ",".join(headers) + "\r\n").encode("utf-8"))
        workbook = xlsxwriter.Workbook(str(OUT / f"{domain}.xlsx"))
        sheet = workbook.add_worksheet(domain)
        sheet.write_row(0, 0, headers, workbook.add_format({"bold": True}))
        workbook.close()
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
    (OUT / "README.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote templates for {', '.join(sorted(contracts))} to {OUT}")


if __name__ == "__main__":
    main()
