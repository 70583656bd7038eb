"""Read the first sheet of an XLSX submission as written: a typed cell keeps its type, a text cell stays text.

Why openpyxl (read-only, streaming) and not polars/fastexcel (calamine), which is ~8x faster: fastexcel
gives one type per column, so a column mixing typed numbers and text comes back as text, and the typed
113.568 becomes the string "113.568", which the Vietnamese style then reads as 113568 (the defect this
module fixes); it gives no number formats either, and the format is what tells how many decimals a
person sees. openpyxl gives, per cell, its type (number, text, date, boolean, error, formula), its value
and its number format. Cost: about 1.5-2 s for 20,000 rows x 11 columns on one core, fine for agency forms.

What each cell becomes (one String column per header in `text`, the same columns in `kind` and `stored`):

- text cell: `text` is the text, `kind` is null. The contract's number style and date format apply to it
  in parse_submission, exactly as in a CSV file.
- typed number: `kind` "number". `stored` is the exact value in the cell to Excel's own precision, 15
  significant digits (so 21.399999999999999 is 21.4 and 0.1+0.2 is 0.3: float noise never reaches a
  Decimal), times the format's scale (x100 for a percentage: 12.5% is 12.5; /1000 per trailing comma,
  as in `#,##0,`). `text` is the number as the cell shows it, written with ',' grouping thousands
  (only where the format groups) and '.' as decimal mark; parse_submission re-writes it in the file's
  declared style, and that is the value "as written". Decimals shown come from the format:
  `0` -> 0, `0.0` -> 1, `#,##0.000` -> 3 (rounded half away from zero, as Excel shows it; so 21.4 in
  `0.000` is 21.400 with 3 decimals, and a value stored with more decimals than shown is loaded as
  shown, with a note), `0.0#` -> 1 or 2; `General`, text (`@`), scientific and fraction formats show
  the stored value with its own decimals. Only a format's first section (positive numbers) is read;
  quoted text, currency and colour codes, padding and fill are ignored (accounting formats work).
- typed date or date-time (a number with a date format, as openpyxl decides): `kind` "date", `stored`
  and `text` are "YYYY-MM-DD HH:MM:SS"; parse_submission takes its date part (a date-time on a date
  column is accepted as its date) and shows it in the contract's date format.
- a time of day, a duration, a boolean, an error (#N/A): text, as the cell shows it; so they are
  rejected wherever a number or a date is expected, never guessed.

Rows keep the numbers the sheet shows (the header is the first non-empty row; blank rows are kept here
and skipped later). Only the first sheet is data: other sheets, hidden or not, are listed in `ignored`
for the submission record. Refused, with the messages of the CSV-era checks: a hidden first sheet, a
formula, merged cells on the first sheet, and a workbook that cannot be opened.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache

import openpyxl
import polars as pl
from openpyxl.utils import get_column_letter

DATE_CELL = "%Y-%m-%d %H:%M:%S"  # how a typed date travels in `text` and `stored`
NUMBER, DATE = "number", "date"


class XlsxRejected(Exception):
    """The workbook cannot be taken as data; row 0 means the file as a whole."""

    def __init__(self, row: int, field: str, value: str | None, reason: str):
        super().__init__(reason)
        self.row, self.field, self.value, self.reason = row, field, value, reason


@dataclass
class Sheet:
    """The first sheet's data rows, below its header."""

    text: pl.DataFrame  # one String column per header: the text of each cell (typed cells as described above)
    kind: pl.DataFrame  # same columns: "number", "date", or null (text or empty)
    stored: pl.DataFrame  # same columns: a typed cell's stored value, null elsewhere
    rows: list[int]  # the sheet's row number of each data row
    ignored: list[str]  # the other sheets, "(hidden)" after a hidden one


@dataclass(frozen=True)
class NumberFormat:
    """What a number format shows of a number: decimals (None: as stored), grouping, and a power-of-ten scale."""

    min_decimals: int | None
    max_decimals: int | None
    grouped: bool
    scale: int


GENERAL = NumberFormat(None, None, False, 0)
# Parts of a format code that show no digit: "quoted text", \x escapes, _x padding, *x fill, [colour/locale/condition].
_LITERALS = re.compile(r'"[^"]*"|\\.|_.|\*.|\[[^\]]*\]')
_NUMBER_TOKEN = re.compile(r"[0#?][0#?,.]*")


@lru_cache(maxsize=512)
def number_format(code: str | None) -> NumberFormat:
    """Read an Excel number format code (first section only). Cached: a sheet has a handful of formats."""
    section = _LITERALS.sub("", code or "").split(";")[0]
    token = _NUMBER_TOKEN.search(section)
    if token is None or re.search(r"[eE][+-]|/", section):  # General, text, scientific, fraction
        return GENERAL
    digits = token.group()
    scale_commas = len(digits) - len(digits.rstrip(","))
    whole, _, fraction = digits.rstrip(",").partition(".")
    placeholders = re.sub(r"[^0#?]", "", fraction)
    return NumberFormat(
        min_decimals=placeholders.count("0"),  # '#' and '?' show a digit only when there is one
        max_decimals=len(placeholders),
        grouped="," in whole,
        scale=2 * section.count("%") - 3 * scale_commas,
    )


def stored_value(value: int | float, fmt: NumberFormat) -> Decimal:
    """The exact number a typed cell holds, to Excel's 15 significant digits, scaled as its format shows it."""
    exact = Decimal(value) if isinstance(value, int) else Decimal(format(value, ".15g"))
    return exact.scaleb(fmt.scale) if fmt.scale else exact


def shown_text(stored: Decimal, fmt: NumberFormat) -> str:
    """The number as the cell shows it, with ',' for groups and '.' as decimal mark."""
    shown = stored
    if fmt.max_decimals is not None:
        with localcontext() as ctx:
            ctx.prec = 400  # quantize must not fail on a huge value (the parser then says it is too large)
            shown = stored.quantize(Decimal(1).scaleb(-fmt.max_decimals), rounding=ROUND_HALF_UP)
            if fmt.min_decimals < fmt.max_decimals:  # optional digits ('#'): trailing zeros are not shown
                trimmed = shown.normalize()
                at_least = Decimal(1).scaleb(-fmt.min_decimals)
                shown = trimmed.quantize(at_least) if trimmed.as_tuple().exponent > -fmt.min_decimals else trimmed
    if shown == 0:
        shown = shown.copy_abs()  # -0.0001 shown with 3 decimals is 0.000, not a negative amount
    return format(shown, ",f" if fmt.grouped else "f")


def _cell(cell) -> tuple[str | None, str | None, str | None]:
    """(text, kind, stored) of one cell."""
    value = cell.value
    if value is None:
        return None, None, None
    kind = cell.data_type
    if kind == "n":
        fmt = number_format(cell.number_format)
        stored = stored_value(value, fmt)
        return shown_text(stored, fmt), NUMBER, format(stored, "f")
    if kind == "d" and isinstance(value, (datetime, date)):
        moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        written = moment.strftime(DATE_CELL)
        return written, DATE, written
    if kind == "f":
        raise XlsxRejected(cell.row, get_column_letter(cell.column), None,
                           "cell holds a formula; paste values only (formulas are not accepted)")
    if kind == "b":
        return ("TRUE" if value else "FALSE"), None, None
    return str(value), None, None  # text, error (#N/A), time of day, duration


_MERGED = re.compile(rb'<mergeCell ref="([A-Z]+)([0-9]+):([A-Z0-9]+)"')


def _merged_cells(book, sheet) -> None:
    # Read-only mode does not parse <mergeCells>; they follow the cell data in the sheet's own XML part.
    xml = book._archive.read(sheet._worksheet_path)
    merged = _MERGED.search(xml)
    if merged:
        cells = f"{merged.group(1).decode()}{merged.group(2).decode()}:{merged.group(3).decode()}"
        raise XlsxRejected(int(merged.group(2)), merged.group(1).decode(), cells,
                           f"merged cells {cells}; use one cell per column and per row")


def _names(header: list[str | None], used: list[bool]) -> list[str]:
    """Column names: the header text; an empty header over data gets a placeholder (an ignored column)."""
    names: list[str] = []
    for index, (name, has_data) in enumerate(zip(header, used)):
        name = name if name is not None else (f"__UNNAMED__{index}" if has_data else None)
        if name is not None and name in names:  # the same header twice: named as polars names it in a CSV file
            name = f"{name}_duplicated_{sum(bool(n) and n.startswith(name + '_duplicated_') for n in names)}"
        names.append(name)
    return names


def read_first_sheet(data: bytes) -> Sheet:
    """The first sheet's cells as text, kind and stored value (see the module docstring). Raises XlsxRejected."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not keep
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # a corrupt workbook raises several unrelated types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise XlsxRejected(0, "(file)", None, f"XLSX cannot be read: {first}") from None
    try:
        return _read(book)
    except XlsxRejected:
        raise
    except Exception as exc:  # a damaged sheet part shows only while it is read
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise XlsxRejected(0, "(file)", None, f"XLSX cannot be read: {first}") from None
    finally:
        book.close()


def _read(book) -> Sheet:
    if not book.sheetnames:
        raise XlsxRejected(0, "(sheet)", None, "workbook has no sheet")
    sheets = [book[name] for name in book.sheetnames]
    first = sheets[0]
    if first.sheet_state != "visible":
        raise XlsxRejected(0, "(sheet)", first.title,
                           f"workbook has a hidden sheet ({first.title}); hidden data is not accepted")
    if not hasattr(first, "iter_rows"):
        raise XlsxRejected(0, "(sheet)", first.title, f"the first sheet ({first.title}) is a chart, not data")
    ignored = [s.title + ("" if s.sheet_state == "visible" else " (hidden)") for s in sheets[1:]]
    _merged_cells(book, first)
    first.reset_dimensions()  # the size a tool wrote may be wrong: read every row the sheet holds
    header: list[str | None] | None = None
    rows: list[int] = []
    cells: list[list[tuple]] = []
    for number, row in enumerate(first.iter_rows(), start=1):  # missing rows come as empty ones
        values = [_cell(c) for c in row]
        if header is None:
            if any(v[0] is not None for v in values):
                header = [v[0] for v in values]
        else:
            rows.append(number)
            cells.append(values)
    if header is None:
        raise XlsxRejected(1, "(file)", None, "file is empty")
    return _frames(header, rows, cells, ignored)


def _frames(header: list[str | None], rows: list[int], cells: list[list[tuple]], ignored: list[str]) -> Sheet:
    """Rows of (text, kind, stored) cells to three frames, one column per header (plus data without a header)."""
    width = max([len(header), *map(len, cells)])
    columns = [[] for _ in range(width)]
    empty = (None, None, None)
    for row in cells:
        for i in range(width):
            columns[i].append(row[i] if i < len(row) else empty)
    header = header + [None] * (width - len(header))
    used = [header[i] is not None or any(c[0] is not None for c in columns[i]) for i in range(width)]
    names = _names(header, used)
    keep = [i for i, name in enumerate(names) if name is not None]

    def frame(part: int) -> pl.DataFrame:
        return pl.DataFrame([pl.Series(names[i], [c[part] for c in columns[i]], dtype=pl.String) for i in keep],
                            height=len(rows))

    return Sheet(text=frame(0), kind=frame(1), stored=frame(2), rows=rows, ignored=ignored)
