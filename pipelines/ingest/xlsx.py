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

Rows keep the numbers the sheet shows (the header is the first non-empty row; empty rows are dropped, as
parse_submission would drop them). Only the first sheet is data: the first <sheet> of workbook.xml, found
through the workbook's relationships whatever its part is called; other sheets, hidden or not, are listed
in `ignored` for the submission record. Refused, with the messages of the CSV-era checks: a hidden first
sheet, a formula (an <f> element in a cell, in any namespace prefix), merged cells on the first sheet, and
a workbook that cannot be opened; and, with the limit and the value measured, a file over one of the
limits in xlsx_package.LIMITS.

How it is read, so that no file can make it allocate more than the limits allow: xlsx_package checks what
the file is and its zip directory; the workbook, its relationships and its styles are read as small trees;
the shared strings and the first sheet are streamed with lxml (safe settings), elements counted as they
start, each row handed to openpyxl's own cell parser (types, shared strings, dates, formulas) once it
is complete and then dropped. The table is built column by column as rows arrive, its size checked
before each row is added.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from types import SimpleNamespace

import polars as pl
from openpyxl import Workbook
from openpyxl.cell.read_only import ReadOnlyCell
from openpyxl.cell.text import Text
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.worksheet._reader import WorkSheetParser  # the parser read-only worksheets use, fed one row at a time
from openpyxl.xml.constants import ARC_STYLE

from pipelines.ingest.xlsx_package import (
    DOC_REL_NS, LIMITS, MAIN_NS, STRICT_MAIN_NS, Limits, Package, XlsxRejected, check_container, local, namespace,
    over, refuse,
)

DATE_CELL = "%Y-%m-%d %H:%M:%S"  # how a typed date travels in `text` and `stored`
NUMBER, DATE = "number", "date"


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


def _cell(cell: dict, formats: dict[int, NumberFormat]) -> tuple[str | None, str | None, str | None]:
    """(text, kind, stored) of one cell as openpyxl's parser gives it (value, data_type, style_id, row, column)."""
    value = cell["value"]
    if value is None:
        return None, None, None
    kind = cell["data_type"]
    if kind == "n":
        fmt = formats[cell["style_id"]]
        stored = stored_value(value, fmt)
        return shown_text(stored, fmt), NUMBER, format(stored, "f")
    if kind == "d" and isinstance(value, (datetime, date)):
        moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        written = moment.strftime(DATE_CELL)
        return written, DATE, written
    if kind == "f":
        raise XlsxRejected(cell["row"], get_column_letter(cell["column"]), None,
                           "cell holds a formula; paste values only (formulas are not accepted)")
    if kind == "b":
        return ("TRUE" if value else "FALSE"), None, None
    return str(value), None, None  # text, error (#N/A), time of day, duration


_ROW, _SHEET_DATA, _DIMENSION, _MERGE_CELL, _WORKSHEET, _SI, _SHEET, _WORKBOOK_PR = (
    f"{{{MAIN_NS}}}{name}" for name in
    ("row", "sheetData", "dimension", "mergeCell", "worksheet", "si", "sheet", "workbookPr"))


class _Formats(dict):
    """Number format of each style id, as openpyxl's read-only cell reads it from the stylesheet; one lookup per style."""

    def __init__(self, book: Workbook):
        super().__init__()
        self._sheet = SimpleNamespace(parent=book)

    def __missing__(self, style_id: int) -> NumberFormat:
        try:
            code = ReadOnlyCell(self._sheet, 0, 0, None, "n", style_id).number_format
        except (IndexError, KeyError):
            raise refuse(f"XLSX cannot be read: a cell uses style {style_id}, which the workbook does not define",
                         str(style_id)) from None
        self[style_id] = number_format(code)
        return self[style_id]


class _StylesPart:
    """What apply_stylesheet reads from an archive (the styles part), taken from the part the relationships name."""

    def __init__(self, data: bytes | None):
        self.data = data

    def read(self, name: str) -> bytes:
        if name != ARC_STYLE or self.data is None:
            raise KeyError(name)
        return self.data


@dataclass
class _Book:
    sheets: list  # the <sheet> elements of workbook.xml, in order
    first_part: str  # the zip entry of the first sheet
    strings_part: str | None
    styles_part: str | None
    epoch: object


def read_first_sheet(data: bytes, limits: Limits = LIMITS) -> Sheet:
    """The first sheet's cells as text, kind and stored value (see the module docstring). Raises XlsxRejected."""
    package = None
    try:
        check_container(data)
        package = Package(data, limits)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not keep
            return _read(package, limits)
    except XlsxRejected:
        raise
    except Exception as exc:  # a damaged part shows only while it is read; never a crash of the load
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise refuse(f"XLSX cannot be read: {first}") from None
    finally:
        if package is not None:
            package.close()


def _workbook(package: Package, limits: Limits) -> _Book:
    """workbook.xml and its relationships: the sheets in order, the first sheet's part, shared strings, styles."""
    main = next((r.part for r in package.relationships("") if r.kind == "officeDocument" and not r.external),
                "xl/workbook.xml")  # a package without _rels/.rels: where every tool writes the workbook
    if package.find(main) is None:
        raise refuse(f"the file is not an Excel workbook: the zip package holds no workbook part ({main}); "
                     "is it another kind of file renamed .xlsx?", main)
    root = package.small_tree(main)
    if namespace(root.tag) == STRICT_MAIN_NS:
        raise refuse("the workbook is saved as Strict Open XML, which is not read; "
                     "save it from Excel as Excel Workbook (.xlsx)", main)
    if root.tag != f"{{{MAIN_NS}}}workbook":
        raise refuse(f"the file is not an Excel workbook: its main part {main} is a <{local(root.tag)}> document", main)
    sheets = root.findall(f"{{{MAIN_NS}}}sheets/{_SHEET}")
    if len(sheets) > limits.sheets:
        raise over("the workbook has", len(sheets), limits.sheets, " sheets")
    if not sheets:
        raise refuse("workbook has no sheet", field="(sheet)")
    properties = root.find(_WORKBOOK_PR)
    date1904 = properties is not None and properties.get("date1904", "").lower() in ("1", "true")
    relationships = package.relationships(main)
    by_id = {r.id: r for r in relationships}
    first = sheets[0]
    title = first.get("name") or "(no name)"
    if (first.get("state") or "visible") != "visible":
        raise refuse(f"workbook has a hidden sheet ({title}); hidden data is not accepted", title, "(sheet)")
    rel = by_id.get(first.get(f"{{{DOC_REL_NS}}}id") or "")
    if rel is None:
        raise refuse(f"XLSX cannot be read: the first sheet ({title}) points to no part of the package", title, "(sheet)")
    if rel.kind == "chartsheet":
        raise refuse(f"the first sheet ({title}) is a chart, not data", title, "(sheet)")
    if rel.kind != "worksheet":
        raise refuse(f"the first sheet ({title}) is a {rel.kind}, not a worksheet of data", title, "(sheet)")
    if rel.external or package.find(rel.part) is None:
        raise refuse(f"XLSX cannot be read: the first sheet ({title}) is missing from the package ({rel.part})",
                     title, "(sheet)")

    def part_of(kind: str) -> str | None:
        found = next((r for r in relationships if r.kind == kind and not r.external), None)
        return found.part if found is not None and package.find(found.part) is not None else None

    return _Book(sheets=sheets, first_part=package.find(rel.part).filename, strings_part=part_of("sharedStrings"),
                 styles_part=part_of("styles"), epoch=CALENDAR_MAC_1904 if date1904 else None)


def _styles(package: Package, part: str | None, epoch) -> Workbook:
    """An openpyxl workbook holding only the stylesheet (number formats, which styles are dates) and the epoch."""
    book = Workbook()
    if epoch is not None:
        book.epoch = epoch
    if part is not None:
        package.small_tree(part, keep=False)  # counted and checked for a DTD before openpyxl parses it
    apply_stylesheet(_StylesPart(package.read(part) if part else None), book)
    return book


def _shared_strings(package: Package, part: str | None, limits: Limits) -> list[str]:
    """The shared-strings table, each string as openpyxl reads it, within the count and length limits."""
    strings: list[str] = []
    if part is None:
        return strings
    chars = 0
    xml = package.stream(part, tags=[_SI], budget=limits.held_bytes, over_budget=lambda: over(
        f"shared string {len(strings) + 1:,}, or what follows it, is", f"more than {limits.held_bytes:,}",
        limits.held_bytes, " bytes of XML"))
    for _, element in xml:
        if len(strings) == limits.shared_strings:
            declared = element.getparent().get("uniqueCount") or ""
            declared = f" (it declares {int(declared):,})" if declared.isdigit() else ""
            raise over("the shared-strings table holds", f"more than {limits.shared_strings:,}{declared}",
                       limits.shared_strings, " strings")
        text = Text.from_tree(element).content.replace("x005F_", "")  # as openpyxl's read_string_table does
        chars += len(text)
        if chars > limits.text_chars:
            raise over("the shared strings hold", f"more than {limits.text_chars:,}", limits.text_chars, " characters")
        strings.append(text)
        _drop(element)
        xml.release()
    return strings


def _drop(element) -> None:
    """Free an element that has been read, and the siblings read before it."""
    element.clear()
    parent = element.getparent()
    while element.getprevious() is not None:
        del parent[0]


def _check_dimension(ref: str | None, limits: Limits) -> None:
    """The used range the sheet declares (<dimension ref>): refused when it is already past the limits."""
    try:
        _, _, max_col, max_row = range_boundaries((ref or "").upper())
    except (ValueError, TypeError):
        return  # a wrong or missing dimension is common and harmless: rows and cells are counted as they come
    if max_col is not None and max_col > limits.columns:
        raise over(f"the first sheet declares its used range as {ref}, that is", max_col, limits.columns, " columns",
                   field="(sheet)")
    if max_row is not None and max_row > limits.rows:
        raise over(f"the first sheet declares its used range as {ref}, that is", max_row, limits.rows, " rows",
                   field="(sheet)")


# The elements a worksheet holds besides its rows (ECMA-376 CT_Worksheet): each is dropped once read, so
# that what is held while streaming is one row, or one of these.
_SHEET_CHILDREN = [f"{{{MAIN_NS}}}{name}" for name in (
    "sheetPr", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr", "sheetProtection", "protectedRanges",
    "scenarios", "autoFilter", "sortState", "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr",
    "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup",
    "headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
    "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
    "webPublishItems", "tableParts", "extLst")]


def _sheet_rows(package: Package, part: str, parser: WorkSheetParser, limits: Limits):
    """(row number, cells) for each row of the sheet, parsed by openpyxl once the row is complete; merged cells refused."""
    cells = 0
    xml = package.stream(part, tags=[_ROW, _MERGE_CELL, _DIMENSION, *_SHEET_CHILDREN], budget=limits.held_bytes,
                         over_budget=lambda: over(f"row {parser.row_counter + 1:,} of the first sheet, or what follows it, is",
                                                  f"more than {limits.held_bytes:,}", limits.held_bytes, " bytes of XML",
                                                  field="(sheet)", row=parser.row_counter + 1))
    checked_root = False
    for _, element in xml:
        if not checked_root:
            root = element.getroottree().getroot()
            if root.tag != _WORKSHEET:
                raise refuse(f"XLSX cannot be read: the first sheet's part ({part}) is a <{local(root.tag)}>, "
                             "not a worksheet", part, "(sheet)")
            checked_root = True
        tag, parent = element.tag, element.getparent()
        if tag == _ROW:
            if parent is None or parent.tag != _SHEET_DATA:
                continue
            last = parser.row_counter
            try:
                number, row = parser.parse_row(element)
            except (ValueError, IndexError, KeyError, TypeError) as exc:  # a bad reference, number or string index
                detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                if isinstance(exc, IndexError):  # the only list parse_row indexes
                    detail = "a cell refers to a shared string that the workbook does not have"
                written = element.get("r") or ""
                where = f"row {int(written):,}" if written.isdigit() else f"the row after row {last:,}"
                raise refuse(f"XLSX cannot be read: {where} is damaged ({detail})", field="(sheet)",
                             row=int(written) if written.isdigit() else last + 1) from None
            parser.row_dimensions.clear()  # openpyxl keeps row heights; nothing here needs them
            cells += len(row)
            if cells > limits.cells:
                raise over("the first sheet has", f"more than {limits.cells:,}", limits.cells, " cells",
                           field="(sheet)", row=number)
            yield number, row
        elif tag == _MERGE_CELL:
            _merged(element.get("ref") or "")
        elif tag == _DIMENSION:
            _check_dimension(element.get("ref"), limits)
        if parent is not None and (tag == _ROW or parent.tag == _WORKSHEET):
            _drop(element)
            xml.release()
    if not checked_root and getattr(xml, "root", None) is not None and xml.root.tag != _WORKSHEET:
        raise refuse(f"XLSX cannot be read: the first sheet's part ({part}) is a <{local(xml.root.tag)}>, "
                     "not a worksheet", part, "(sheet)")


def _merged(ref: str) -> None:
    try:
        min_col, min_row, _, _ = range_boundaries(ref.upper())
    except (ValueError, TypeError):
        raise refuse(f"merged cells {ref}; use one cell per column and per row", ref, "(sheet)") from None
    raise XlsxRejected(min_row or 0, get_column_letter(min_col or 1), ref,
                       f"merged cells {ref}; use one cell per column and per row")


def _read(package: Package, limits: Limits) -> Sheet:
    book = _workbook(package, limits)
    styles = _styles(package, book.styles_part, book.epoch)
    strings = _shared_strings(package, book.strings_part, limits)
    parser = WorkSheetParser(None, strings, data_only=False, epoch=styles.epoch, date_formats=styles._date_formats,
                             timedelta_formats=styles._timedelta_formats)
    formats = _Formats(styles)
    ignored = [s.get("name", "") + ("" if (s.get("state") or "visible") == "visible" else " (hidden)")
               for s in book.sheets[1:]]

    header: dict[int, str] | None = None
    width = chars = 0
    numbers: list[int] = []
    columns: list[tuple[list, list, list]] = []  # (text, kind, stored) per column, one entry per data row
    for number, cells in _sheet_rows(package, book.first_part, parser, limits):
        if not 1 <= number <= limits.rows:
            raise over("the first sheet has a row numbered", number, limits.rows, field="(sheet)", row=max(number, 0))
        values: dict[int, tuple] = {}
        for cell in cells:
            if cell["column"] > limits.columns:
                letter = get_column_letter(min(cell["column"], 18278))
                raise over(f"cell {letter}{cell['row']} is in column", cell["column"], limits.columns, "",
                           field=letter, row=cell["row"])
            if not 1 <= cell["row"] <= limits.rows:
                raise over("the first sheet has a cell in row", cell["row"], limits.rows, field="(sheet)",
                           row=max(cell["row"], 0))
            converted = _cell(cell, formats)
            if converted[0] is not None:
                values[cell["column"]] = converted
                chars += len(converted[0])
        if not values:
            continue  # an empty row: parse_submission would skip it
        if chars > limits.text_chars:
            raise over("the first sheet's cells hold", f"more than {limits.text_chars:,}", limits.text_chars,
                       " characters of text", field="(sheet)", row=number)
        if header is None:
            header, width = {c: v[0] for c, v in values.items()}, max(values)
            continue
        row_width = max(width, max(values))
        if (len(numbers) + 1) * row_width > limits.cells:
            raise over(f"the table read from the first sheet reaches {len(numbers) + 1:,} rows x {row_width:,} columns =",
                       (len(numbers) + 1) * row_width, limits.cells, " cells", field="(sheet)", row=number)
        while len(columns) < row_width:
            columns.append(([None] * len(numbers), [None] * len(numbers), [None] * len(numbers)))
        width = row_width
        empty = (None, None, None)
        for index, (text, kind, stored) in enumerate(columns, start=1):
            cell = values.get(index, empty)
            text.append(cell[0])
            kind.append(cell[1])
            stored.append(cell[2])
        numbers.append(number)
    if header is None:
        raise refuse("file is empty", row=1)
    return _frames(header, width, numbers, columns, ignored)


def _names(header: list[str | None], used: list[bool]) -> list[str]:
    """Column names: the header text; an empty header over data gets a placeholder (an ignored column)."""
    names: list[str] = []
    for index, (name, has_data) in enumerate(zip(header, used)):
        name = name if name is not None else (f"__UNNAMED__{index}" if has_data else None)
        if name is not None and name in names:  # the same header twice: named as polars names it in a CSV file
            name = f"{name}_duplicated_{sum(bool(n) and n.startswith(name + '_duplicated_') for n in names)}"
        names.append(name)
    return names


def _frames(header: dict[int, str], width: int, rows: list[int], columns: list[tuple[list, list, list]],
            ignored: list[str]) -> Sheet:
    """The columns read to three frames, one column per header (plus data without a header)."""
    while len(columns) < width:
        columns.append(([None] * len(rows), [None] * len(rows), [None] * len(rows)))
    names = _names([header.get(i) for i in range(1, width + 1)],
                   [header.get(i) is not None or any(v is not None for v in columns[i - 1][0]) for i in range(1, width + 1)])
    keep = [i for i, name in enumerate(names) if name is not None]

    def frame(part: int) -> pl.DataFrame:
        return pl.DataFrame([pl.Series(names[i], columns[i][part], dtype=pl.String) for i in keep], height=len(rows))

    return Sheet(text=frame(0), kind=frame(1), stored=frame(2), rows=rows, ignored=ignored)
