"""Turn one submission file's bytes into a typed polars frame, or into a list of problems.

Every check is a column expression over the whole file (no per-row Python), so a file of a
million rows costs the same code path as one of ten. A file with any problem is rejected whole:
half a submission in the warehouse is worse than none, and the problems name row and field.

Row numbers are those a person sees in a spreadsheet: the header is row 1, the first data row 2
(in XLSX the sheet's own numbers, the header being its first non-empty row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import babel.numbers
import polars as pl

from pipelines.ingest import xlsx
from pipelines.ingest.contracts import Contract, normalize_header

PROBLEM_SCHEMA = {"row": pl.Int64, "field": pl.String, "value": pl.String, "reason": pl.String}
FIRST_DATA_ROW = 2
# Companion columns of each contract column inside parse_submission (contract names are identifiers).
KIND, STORED = ":kind", ":stored"


@dataclass
class ParseResult:
    frame: pl.DataFrame | None  # typed rows (contract column names + source_row), None when rejected
    problems: pl.DataFrame  # row, field, value, reason
    ignored_columns: list[str]
    notes: list[str] = field(default_factory=list)  # what the submission record should say besides the count

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


@dataclass
class Table:
    """A file's cells as read, before any typing. CSV gives text only; XLSX also gives each typed cell's
    kind and stored value (see pipelines/ingest/xlsx.py), in frames with the same columns as `text`."""

    text: pl.DataFrame  # one String column per source column
    kind: pl.DataFrame | None = None  # "number", "date" or null (a text or empty cell)
    stored: pl.DataFrame | None = None  # a typed cell's exact stored value
    rows: list[int] | None = None  # row numbers as the file shows them; None: consecutive from FIRST_DATA_ROW
    notes: list[str] = field(default_factory=list)  # for the submission record


def read_table(data: bytes, file_format: str) -> tuple[Table | None, pl.DataFrame | None]:
    """Read the cells; typing happens later, per the contract, so nothing is guessed here."""
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
        return Table(text=frame), None
    if file_format == "xlsx":
        try:
            sheet = xlsx.read_first_sheet(data)
        except xlsx.XlsxRejected as exc:
            return None, problem(exc.row, exc.field, exc.value, exc.reason)
        notes = [f"ignored sheets: {', '.join(sheet.ignored)}"] if sheet.ignored else []
        return Table(text=sheet.text, kind=sheet.kind, stored=sheet.stored, rows=sheet.rows, notes=notes), None
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
    """Parse and validate one file against its contract. references: name -> set of valid codes.

    One code path for CSV and XLSX: each contract column comes with its cells' kind and stored value
    (null for text cells, so always null in a CSV file). A typed XLSX number is first written as the
    cell shows it in the file's declared style, then read like any text number; the stored value is
    used where the written form would hide something (a count of 5.5 shown as "6", a date).
    """
    table, err = read_table(data, file_format)
    if err is not None:
        return _rejected(err)
    frame = table.text

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
    parts = [frame.select([pl.col(src).alias(dst) for src, dst in renames.items()])]
    for part, suffix in ((table.kind, KIND), (table.stored, STORED)):
        if part is not None:
            parts.append(part.select([pl.col(src).alias(dst + suffix) for src, dst in renames.items()]))
    frame = pl.concat(parts, how="horizontal")
    frame = frame.with_columns(
        [pl.lit(None, dtype=pl.String).alias(name) for name in
         [*(c.name for c in missing), *(n + s for n in (c.name for c in contract.columns) for s in (KIND, STORED))]
         if name not in frame.columns])
    if table.rows is None:
        frame = frame.with_row_index("source_row", offset=FIRST_DATA_ROW)
    else:
        frame = frame.with_columns(pl.Series("source_row", table.rows, dtype=pl.Int64))
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

    # Typed XLSX cells are written as the cell shows them, in the file's declared style (numbers) or
    # date format (dates); from here on that is the value "as written", for every column type.
    group, decimal = babel.numbers.get_group_symbol(style), babel.numbers.get_decimal_symbol(style)
    frame = frame.with_columns([
        pl.when(pl.col(c + KIND).eq_missing(xlsx.NUMBER)).then(pl.col(c).str.replace_many({",": group, ".": decimal}))
        .when(pl.col(c + KIND).eq_missing(xlsx.DATE))
        .then(pl.col(c + STORED).str.strptime(pl.Datetime, xlsx.DATE_CELL, strict=False).dt.strftime(contract.date_format))
        .otherwise(pl.col(c)).alias(c)
        for c in text_cols])

    typed: list[pl.Expr] = []
    notes = list(table.notes)
    for column in contract.columns:
        raw = pl.col(column.name)
        typed_number = pl.col(column.name + KIND).eq_missing(xlsx.NUMBER)
        stored = pl.col(column.name + STORED)
        checks: list[tuple[pl.Expr, str | pl.Expr]] = []
        if column.required:
            checks.append((raw.is_null(), f"required value for '{column.header}' is empty"))
        if column.type == "date":
            # a typed date is its date (a time of day on it is dropped); text follows the declared format
            parsed = (pl.when(pl.col(column.name + KIND).eq_missing(xlsx.DATE))
                      .then(stored.str.strptime(pl.Datetime, xlsx.DATE_CELL, strict=False).dt.date())
                      .otherwise(raw.str.strptime(pl.Date, contract.date_format, strict=False)))
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
            rounded = frame.filter(typed_number & well_formed & (stored.cast(pl.Decimal(38, 9), strict=False) != parsed[0]))
            if rounded.height:
                first = rounded.row(0, named=True)
                notes.append(f"{rounded.height} typed number(s) in '{column.header}' hold more decimals than their cell "
                             f"format shows and were loaded as shown (row {first['source_row']}: "
                             f"{first[column.name + STORED].replace('.', decimal)} shown as {first[column.name]})")
        elif column.type == "integer":
            # a typed count is its stored value: 5.0 is 5, and 5.5 is refused even where the format shows "6"
            whole = stored.str.contains(r"^[+-]?\d+$")
            well_formed = pl.when(typed_number).then(whole).otherwise(raw.str.contains(integer_pattern(style)))
            digits = pl.when(typed_number).then(stored).otherwise(raw.str.replace_all(re.escape(group), ""))
            value = digits.cast(pl.Int64, strict=False)
            checks.append(
                (raw.is_not_null() & ~typed_number & ~well_formed, f"not a whole number in the declared style '{style}'")
            )
            checks.append((typed_number & ~whole, pl.format("not a whole number: the cell holds {}",
                                                            stored.str.replace(".", decimal, literal=True))))
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
                    (pl.lit(reason) if isinstance(reason, str) else reason).alias("reason"),
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
    return ParseResult(frame=frame.select(["source_row", *typed]), problems=all_problems, ignored_columns=ignored,
                       notes=notes)
