"""Turn one submission file's bytes into a typed polars frame, or into a list of problems.

Every check is a column expression over the whole file (no per-row Python), so a file of a
million rows costs the same code path as one of ten. A file with any problem is rejected whole:
half a submission in the warehouse is worse than none, and the problems name row and field.

Row numbers are those a person sees in a spreadsheet: the header is row 1, the first data row 2.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

import babel.numbers
import polars as pl

from pipelines.ingest.contracts import Contract, normalize_header

PROBLEM_SCHEMA = {"row": pl.Int64, "field": pl.String, "value": pl.String, "reason": pl.String}
FIRST_DATA_ROW = 2
# Typed date cells in XLSX come out of the reader in this one form; they are dates, not text to guess.
XLSX_DATE_CELL = "%Y-%m-%d %H:%M:%S"


@dataclass
class ParseResult:
    frame: pl.DataFrame | None  # typed rows (contract column names + source_row), None when rejected
    problems: pl.DataFrame  # row, field, value, reason
    ignored_columns: list[str]

    @property
    def ok(self) -> bool:
        return self.frame is not None and self.problems.height == 0


def problem(row: int, field: str, value: str | None, reason: str) -> pl.DataFrame:
    return pl.DataFrame([{"row": row, "field": field, "value": value, "reason": reason}], schema=PROBLEM_SCHEMA)


def _rejected(problems: pl.DataFrame, ignored: list[str] | None = None) -> ParseResult:
    return ParseResult(frame=None, problems=problems, ignored_columns=ignored or [])


def decode_text(data: bytes) -> tuple[str | None, pl.DataFrame | None]:
    """UTF-8 with or without BOM. Anything else is refused with the line and byte of the first bad byte."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 4].hex(" ")
        return None, problem(
            line,
            "(encoding)",
            bad,
            f"file is not UTF-8: invalid byte sequence at byte {exc.start} on line {line}; "
            "save the file as CSV UTF-8 (Windows-1258, TCVN3 and VNI encodings are not accepted)",
        )


def csv_shape_problems(text: str) -> pl.DataFrame | None:
    """A wrong delimiter, or rows with more or fewer fields than the header (a truncated or shifted row).

    Counted per line with column expressions (quoted fields removed first), so a million-row file
    costs one pass; a field that spans lines is not expected in these forms.
    """
    lines = pl.Series("line", text.splitlines()).to_frame().with_row_index("row", offset=1)
    lines = lines.filter(pl.col("line").str.strip_chars() != "")
    header = lines["line"][0]
    if "," not in header:
        for sep, name in ((";", "semicolon"), ("\t", "tab"), ("|", "vertical bar")):
            if sep in header:
                return problem(1, "(file)", None, f"fields are separated by {name}s ('{sep}'); save the file as CSV with commas")
    counts = lines.with_columns(
        pl.col("line").str.replace_all(r'"([^"]|"")*"', "").str.count_matches(",").alias("commas"))
    expected = counts["commas"][0]
    bad = counts.filter(pl.col("commas") != expected)
    if bad.height == 0:
        return None
    return bad.select(
        pl.col("row").cast(pl.Int64), pl.lit("(row)").alias("field"), pl.col("line").str.slice(0, 80).alias("value"),
        pl.format("row has {} fields but the header has {} (truncated, shifted or unquoted comma)",
                  pl.col("commas") + 1, pl.lit(expected + 1)).alias("reason"))


XLSX_SHEET_TAG = re.compile(rb'<sheet\b[^>]*/>')


def xlsx_shape_problems(data: bytes) -> pl.DataFrame | None:
    """Workbooks the office cannot trust as data: several sheets, a hidden sheet, formulas, merged cells.

    Read from the workbook's XML (a byte search, no cell-by-cell loop): the first sheet must be the
    only one, hold values, not formulas, and keep one header cell per column.
    """
    import zipfile

    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        workbook = book.read("xl/workbook.xml")
    except (zipfile.BadZipFile, KeyError) as exc:
        return problem(0, "(file)", None, f"XLSX cannot be read: {exc}")
    tags = XLSX_SHEET_TAG.findall(workbook)  # a handful of sheet tags, not data rows
    sheets = [(re.search(rb'name="([^"]*)"', t).group(1).decode("utf-8", "replace"),
               bool(re.search(rb'state="(hidden|veryHidden)"', t))) for t in tags]
    hidden = [name for name, state in sheets if state]
    if hidden:
        return problem(0, "(sheet)", ", ".join(hidden), f"workbook has a hidden sheet ({', '.join(hidden)}); hidden data is not accepted")
    if len(sheets) > 1:
        names = ", ".join(name for name, _ in sheets)
        return problem(0, "(sheet)", names, f"workbook has {len(sheets)} sheets ({names}); send the data on one sheet")
    sheet_files = sorted(n for n in book.namelist() if n.startswith("xl/worksheets/sheet") and n.endswith(".xml"))
    xml = book.read(sheet_files[0]) if sheet_files else b""
    formula = re.search(rb'<c r="([A-Z]+)([0-9]+)"[^>]*>\s*<f[ >]', xml)
    if formula:
        return problem(int(formula.group(2)), formula.group(1).decode(), None,
                       "cell holds a formula; paste values only (formulas are not accepted)")
    merged = re.search(rb'<mergeCell ref="([A-Z]+)([0-9]+):([A-Z0-9]+)"', xml)
    if merged:
        cells = f"{merged.group(1).decode()}{merged.group(2).decode()}:{merged.group(3).decode()}"
        return problem(int(merged.group(2)), merged.group(1).decode(), cells,
                       f"merged cells {cells}; use one cell per column and per row")
    return None


def read_table(data: bytes, file_format: str) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    """Read every cell as text; typing happens later, per the contract, so nothing is guessed here."""
    if file_format == "csv":
        text, err = decode_text(data)
        if err is not None:
            return None, err
        if not text.strip():
            return None, problem(1, "(file)", None, "file is empty")
        shape = csv_shape_problems(text)
        if shape is not None:
            return None, shape
        try:
            frame = pl.read_csv(
                text.encode("utf-8"),
                infer_schema=False,
                has_header=True,
                truncate_ragged_lines=False,
            )
        except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, pl.exceptions.ShapeError) as exc:
            first = str(exc).strip().splitlines()[0]
            return None, problem(0, "(file)", None, f"CSV cannot be read: {first}")
        return frame, None
    if file_format == "xlsx":
        shape = xlsx_shape_problems(data)
        if shape is not None:
            return None, shape
        try:
            # blank rows are kept here (and skipped later), so row numbers stay those the sheet shows
            frame = pl.read_excel(io.BytesIO(data), sheet_id=1, engine="calamine", infer_schema_length=0,
                                  drop_empty_rows=False)
        except Exception as exc:  # the reader raises several unrelated types for corrupt workbooks
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return None, problem(0, "(file)", None, f"XLSX cannot be read: {first}")
        return frame, None
    return None, problem(0, "(file name)", file_format, f"unsupported file type '.{file_format}'; use .csv or .xlsx")


# Small numbers are sometimes written as words in reports ("Sáu địa phương"); 1-10 are read as numbers.
VI_NUMBER_WORDS = {"một": "1", "hai": "2", "ba": "3", "bốn": "4", "năm": "5", "sáu": "6", "bảy": "7",
                   "tám": "8", "chín": "9", "mười": "10"}


def number_pattern(style: str) -> str:
    """Regex for a signed decimal number in the declared style; group and decimal symbols from the locale data."""
    group = re.escape(babel.numbers.get_group_symbol(style))
    decimal = re.escape(babel.numbers.get_decimal_symbol(style))
    return rf"^[+-]?(\d{{1,3}}({group}\d{{3}})+|\d+)({decimal}\d+)?$"


def number_columns(raw: pl.Expr, style: str, parsed_as: str) -> tuple[pl.Expr, list[pl.Expr]]:
    """(well-formed flag, [exact value, decimals written, trailing zeros of the integer part]) for one column."""
    group = re.escape(babel.numbers.get_group_symbol(style))
    decimal = babel.numbers.get_decimal_symbol(style)
    text = raw
    if style == "vi":
        lowered = raw.str.to_lowercase()
        text = pl.when(lowered.is_in(list(VI_NUMBER_WORDS))).then(lowered.replace(VI_NUMBER_WORDS)).otherwise(raw)
    well_formed = text.str.contains(number_pattern(style))
    plain = text.str.replace_all(group, "").str.replace(decimal, ".", literal=True)
    integer_part = plain.str.split(".").list.first().str.replace(r"^[+-]", "")
    return well_formed, [
        pl.when(well_formed).then(plain).cast(pl.Decimal(38, 9), strict=False).alias(parsed_as),
        pl.when(well_formed).then(
            pl.when(plain.str.contains(r"\.")).then(plain.str.split(".").list.last().str.len_chars()).otherwise(0)
        ).cast(pl.Int32).alias(f"{parsed_as}_decimals"),
        pl.when(well_formed).then(
            integer_part.str.len_chars() - integer_part.str.strip_chars_end("0").str.len_chars()
        ).cast(pl.Int32).alias(f"{parsed_as}_trailing_zeros"),
    ]


def integer_pattern(style: str) -> str:
    """Regex for a whole number written in the declared style (grouping symbol from the locale data)."""
    group = re.escape(babel.numbers.get_group_symbol(style))
    return rf"^[+-]?(\d{{1,3}}({group}\d{{3}})+|\d+)$"


def parse_submission(
    data: bytes,
    file_format: str,
    contract: Contract,
    references: dict[str, set[str]],
    reporting_date: date | None = None,
) -> ParseResult:
    """Parse and validate one file against its contract. references: name -> set of valid codes."""
    frame, err = read_table(data, file_format)
    if err is not None:
        return _rejected(err)

    header_map = contract.header_map()
    renames: dict[str, str] = {}
    ignored: list[str] = []
    problems: list[pl.DataFrame] = []
    for original in frame.columns:
        column = header_map.get(normalize_header(original))
        if column is None:
            ignored.append(original)
        elif column.name in renames.values():
            problems.append(problem(1, original, original, f"column '{column.header}' appears twice"))
        else:
            renames[original] = column.name
    missing = [c for c in contract.columns if c.name not in renames.values()]
    for column in missing:
        if column.required:
            problems.append(problem(1, column.header, None, f"required column '{column.header}' is missing"))
    if problems:
        return _rejected(pl.concat(problems), ignored)
    frame = frame.select([pl.col(src).alias(dst) for src, dst in renames.items()])
    frame = frame.with_columns(
        [pl.lit(None, dtype=pl.String).alias(c.name) for c in missing]
    ).with_row_index("source_row", offset=FIRST_DATA_ROW)
    frame = frame.with_columns(pl.col("source_row").cast(pl.Int64))
    # Vietnamese text is stored NFC; empty cells are NULL, never ''.
    text_cols = [c.name for c in contract.columns]
    frame = frame.with_columns(
        [
            pl.col(c).str.normalize("NFC").str.strip_chars().replace("", None).alias(c)
            for c in text_cols
        ]
    )
    # Blank lines (a trailing newline too many, an empty spreadsheet row) carry nothing: skipped,
    # while the other rows keep the numbers a person sees in the file.
    frame = frame.filter(~pl.all_horizontal([pl.col(c).is_null() for c in text_cols]))
    if frame.height == 0:
        return _rejected(problem(1, "(file)", None, "file has a header but no data rows"), ignored)

    # Declarations that hold for the whole file (unit, number style): one value, or the file is
    # rejected at the first row that says otherwise.
    by_name = {c.name: c for c in contract.columns}
    for name in contract.constant_columns:
        declared = frame.filter(pl.col(name).is_not_null())
        if declared.get_column(name).n_unique() > 1:
            first_row, first = declared.row(0, named=True)["source_row"], declared.get_column(name)[0]
            problems.append(declared.filter(pl.col(name) != first).head(1).select(
                pl.col("source_row").alias("row"), pl.lit(by_name[name].header).alias("field"), pl.col(name).alias("value"),
                pl.lit(f"declared once per file: row {first_row} says '{first}'").alias("reason")))
    style = contract.number_style
    if contract.number_style_column:
        declared = frame.get_column(contract.number_style_column).drop_nulls()
        if declared.len():
            mapping = contract.enums[by_name[contract.number_style_column].enum]
            style = mapping.get(normalize_header(declared[0]), style)

    typed: list[pl.Expr] = []
    for column in contract.columns:
        raw = pl.col(column.name)
        checks: list[tuple[pl.Expr, str]] = []
        if column.required:
            checks.append((raw.is_null(), f"required value for '{column.header}' is empty"))
        if column.type == "date":
            parsed = raw.str.strptime(pl.Date, contract.date_format, strict=False)
            if file_format == "xlsx":
                parsed = parsed.fill_null(raw.str.strptime(pl.Datetime, XLSX_DATE_CELL, strict=False).dt.date())
            checks.append(
                (raw.is_not_null() & parsed.is_null(), "not a valid date in the declared format dd/mm/yyyy")
            )
            if column.not_after_reporting_date and reporting_date is not None:
                checks.append((parsed > pl.lit(reporting_date),
                               f"date is after the reporting date {reporting_date:%d/%m/%Y}"))
            typed.append(parsed.alias(column.name))
        elif column.type == "number":
            well_formed, parsed = number_columns(raw, style, column.parsed_as)
            checks.append(
                (raw.is_not_null() & ~well_formed, f"not a number in the declared style '{style}'")
            )
            checks.append((well_formed & parsed[0].is_null(), "number too large for the warehouse (29 digits before the decimal mark at most)"))
            if column.non_negative:
                checks.append((well_formed & raw.str.starts_with("-"), "amount cannot be negative"))
            typed.append(raw.alias(column.name))  # the value as written is kept beside the parsed one
            typed.extend(parsed)
        elif column.type == "integer":
            pattern = integer_pattern(style)
            well_formed = raw.str.contains(pattern)
            digits = raw.str.replace_all(re.escape(babel.numbers.get_group_symbol(style)), "", literal=False)
            value = digits.cast(pl.Int64, strict=False)
            checks.append(
                (raw.is_not_null() & ~well_formed, f"not a whole number in the declared style '{style}'")
            )
            checks.append((well_formed & value.is_null(), "number too large for a count"))
            checks.append((well_formed & (value < 0), "count cannot be negative"))
            typed.append(pl.when(well_formed).then(value).alias(column.name))
        elif column.type == "enum":
            mapping = contract.enums[column.enum]
            key = raw.str.to_lowercase().str.replace_all(r"\s+", " ")
            code = key.replace_strict(mapping, default=None, return_dtype=pl.String)
            labels = ", ".join(sorted({v for v in mapping.values()}))
            checks.append((raw.is_not_null() & code.is_null(), f"unknown value; expected one of: {labels}"))
            typed.append(code.alias(column.name))
        elif column.type == "code" and column.reference:
            valid = sorted(references.get(column.reference, set()))
            checks.append(
                (raw.is_not_null() & ~raw.is_in(valid), f"unknown {column.reference} code (see sources/reference/)")
            )
            typed.append(raw.alias(column.name))
        else:
            typed.append(raw.alias(column.name))
        for condition, reason in checks:
            problems.append(
                frame.filter(condition).select(
                    pl.col("source_row").alias("row"),
                    pl.lit(column.header).alias("field"),
                    pl.col(column.name).alias("value"),
                    pl.lit(reason).alias("reason"),
                )
            )

    if contract.key:
        # Compared on typed values ("Tháng" = "tháng"); an empty optional part ("all groups") counts as a value.
        required_keys = [c.name for c in contract.columns if c.name in contract.key and c.required]
        typed_keys = frame.select("source_row", *[e for e in typed if e.meta.output_name() in contract.key])
        dup = typed_keys.filter(pl.struct(list(contract.key)).is_duplicated()
                                & pl.all_horizontal([pl.col(k).is_not_null() for k in required_keys]))
        key_headers = "+".join(c.header for c in contract.columns if c.name in contract.key)
        problems.append(
            dup.select(
                pl.col("source_row").alias("row"),
                pl.lit(key_headers).alias("field"),
                pl.concat_str([pl.col(k).cast(pl.String) for k in contract.key], separator="|", ignore_nulls=True).alias("value"),
                pl.lit("duplicate key: the same value appears on more than one row").alias("reason"),
            )
        )

    all_problems = pl.concat(problems).cast(PROBLEM_SCHEMA).sort(["row", "field"])
    if all_problems.height:
        return _rejected(all_problems, ignored)
    return ParseResult(frame=frame.select(["source_row", *typed]), problems=all_problems, ignored_columns=ignored)
