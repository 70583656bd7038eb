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


def read_table(data: bytes, file_format: str) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    """Read every cell as text; typing happens later, per the contract, so nothing is guessed here."""
    if file_format == "csv":
        text, err = decode_text(data)
        if err is not None:
            return None, err
        if not text.strip():
            return None, problem(1, "(file)", None, "file is empty")
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
        try:
            frame = pl.read_excel(io.BytesIO(data), sheet_id=1, engine="calamine", infer_schema_length=0)
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
        pl.when(well_formed).then(plain).cast(pl.Decimal(38, 9)).alias(parsed_as),
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
                (raw.is_not_null() & parsed.is_null(), f"not a valid date in the declared format dd/mm/yyyy")
            )
            typed.append(parsed.alias(column.name))
        elif column.type == "number":
            well_formed, parsed = number_columns(raw, contract.number_style, column.parsed_as)
            checks.append(
                (raw.is_not_null() & ~well_formed, f"not a number in the declared style '{contract.number_style}'")
            )
            typed.append(raw.alias(column.name))  # the value as written is kept beside the parsed one
            typed.extend(parsed)
        elif column.type == "integer":
            pattern = integer_pattern(contract.number_style)
            well_formed = raw.str.contains(pattern)
            digits = raw.str.replace_all(re.escape(babel.numbers.get_group_symbol(contract.number_style)), "", literal=False)
            value = digits.cast(pl.Int64, strict=False)
            checks.append(
                (raw.is_not_null() & ~well_formed, f"not a whole number in the declared style '{contract.number_style}'")
            )
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
        dup = frame.filter(pl.struct(list(contract.key)).is_duplicated() & pl.all_horizontal(
            [pl.col(k).is_not_null() for k in contract.key]))
        key_headers = "+".join(c.header for c in contract.columns if c.name in contract.key)
        problems.append(
            dup.select(
                pl.col("source_row").alias("row"),
                pl.lit(key_headers).alias("field"),
                pl.concat_str([pl.col(k) for k in contract.key], separator="|").alias("value"),
                pl.lit("duplicate key: the same value appears on more than one row").alias("reason"),
            )
        )

    all_problems = pl.concat(problems).cast(PROBLEM_SCHEMA).sort(["row", "field"])
    if all_problems.height:
        return _rejected(all_problems, ignored)
    return ParseResult(frame=frame.select(["source_row", *typed]), problems=all_problems, ignored_columns=ignored)
