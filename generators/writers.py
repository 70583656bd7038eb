"""The one CSV and XLSX writer of the generators: the sample submissions, the templates and the bench files.

Cells are written as an agency's spreadsheet would hold them: text in NFC, dates as dd/mm/yyyy, nothing for
an empty value. The byte-level choices (BOM and line ending, empty text cells, typed date cells, the
workbook's creation date) are parameters, because the shipped samples vary them on purpose and must keep
the same bytes on every run.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

DATE_FORMAT = "dd/mm/yyyy"


def cell_text(value) -> str:
    """A value as an agency writes it in a text cell."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return unicodedata.normalize("NFC", str(value))


def csv_bytes(headers: list[str], rows: Iterable[Mapping], excel: bool = False) -> bytes:
    """UTF-8 CSV; `excel` writes it as Excel saves "CSV UTF-8" (a BOM, CR LF line endings), else LF and no BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if excel else "\n")
    writer.writerow([cell_text(h) for h in headers])
    for row in rows:
        writer.writerow([cell_text(row.get(h)) for h in headers])
    return ("\ufeff" if excel else "").encode() + buffer.getvalue().encode("utf-8")


def write_csv(path: Path, headers: list[str], rows: Iterable[Mapping], excel: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_bytes(headers, rows, excel))


def write_xlsx(path: Path, headers: list[str], rows: Iterable[Mapping], *, sheet: str, created: datetime,
               typed_dates: bool = False, empty_as_text: bool = False, constant_memory: bool = False) -> None:
    """One sheet: a bold header row, whole numbers as number cells, everything else as text cells.

    `created` is the workbook's creation date (fixed, so the bytes are the same on every run);
    `typed_dates` writes dates as date cells (dd/mm/yyyy) instead of text; `empty_as_text` writes an
    empty value as an empty text cell, as some exporters do, instead of leaving the cell out;
    `constant_memory` streams rows to disk (large bench sheets; strings are then written inline).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"default_date_format": DATE_FORMAT, "constant_memory": constant_memory})
    workbook.set_properties({"created": created})
    ws = workbook.add_worksheet(sheet)
    ws.write_row(0, 0, [cell_text(h) for h in headers], workbook.add_format({"bold": True}))
    for r, row in enumerate(rows, start=1):
        for c, h in enumerate(headers):
            value = row.get(h)
            if isinstance(value, int):
                ws.write_number(r, c, value)
            elif isinstance(value, date) and typed_dates:
                ws.write_datetime(r, c, datetime(value.year, value.month, value.day))
            elif value is None or value == "":
                if empty_as_text:
                    ws.write_string(r, c, "")
            else:
                ws.write_string(r, c, cell_text(value))
    workbook.close()
