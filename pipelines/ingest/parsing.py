"""Turn one submission file's bytes into a typed polars frame, or into a list of problems.

Every check is a column expression over the whole file (no per-row Python), so a file of a
million rows costs the same code path as one of ten. A file with any problem is rejected whole:
half a submission in the warehouse is worse than none, and the problems name row and field.

Row numbers are those a person sees in a spreadsheet. In CSV a row is a record as a spreadsheet
shows it: blank rows count, a quoted cell holding line breaks is one row (so without such cells
the row is the file's line), and the header is the first row with a non-blank cell
(pipelines/ingest/csvfile.py). In XLSX the sheet's own numbers, the header being its first
non-empty row.

What a file is comes from its first bytes, not its name: an Excel workbook (zip or OLE signature)
named .csv, and a text file or an old .xls named .xlsx, are refused with what to do.

Values as written (pipelines/ingest/characters.py). One-line values are keys, codes, labels,
numbers and dates; free text is every other text column. Position counts characters from 1.

| written in a cell | free text | one-line value |
|---|---|---|
| line break: CR LF, CR, LF, VT, FF, NEL (U+0085), U+2028, U+2029 | kept, as LF | trimmed at the ends; between characters: problem |
| tab, no-break space or any other Unicode space | a plain space | a plain space |
| invisible format character (U+200B-U+200F, U+202A-U+202E, U+2060, U+2066-U+2069, U+FEFF, U+00AD, any Cf) | removed, counted in the submission record | problem: "cell holds an invisible character U+200B (zero width space) at position 9; delete it" |
| other control character: NUL, ESC, DEL, C1 controls | problem | problem |
| digit other than 0-9 (Arabic-Indic, full-width, any Unicode Nd) | kept | problem, naming the digit |
| year with two digits (`01/04/25`) | - | problem: "year written with two digits (25); write dd/mm/yyyy with four" |
| `-0`, `+0`, `-0,00` | - | zero: the sign is dropped from the value as written |

Then Unicode NFC, outer spaces trimmed, an empty cell is NULL. A cell with a character problem gets
that problem only. A header cell is matched ignoring invisible characters and the kind of space.
Limits on lines, columns, cell length and the problems listed: pipelines/ingest/limits.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Callable

import babel.numbers
import duckdb
import polars as pl

from pipelines.ingest import characters, csvfile, xlsx, xlsx_package
from pipelines.ingest.contracts import Contract, normalize_header
from pipelines.ingest.limits import MAX_FIELD_CHARS, MAX_IGNORED_NAMES
from pipelines.ingest.problems import PROBLEM_SCHEMA, bounded, problem  # noqa: F401 (the loader imports them from here)

FIRST_DATA_ROW = 2
# Companion columns of each contract column inside parse_submission (contract names are identifiers).
KIND, STORED, BAD = ":kind", ":stored", ":bad"
TYPED = ":typed:"  # prefix of a typed value while the checks still read the text beside it


@dataclass
class ParseResult:
    frame: pl.DataFrame | None  # typed rows (contract column names + source_row), None when rejected
    problems: pl.DataFrame  # row, field, value, reason
    ignored_columns: list[str]
    notes: list[str] = field(default_factory=list)  # what the submission record should say besides the count

    @property
    def ok(self) -> bool:
        return self.frame is not None and self.problems.height == 0


def _rejected(problems: pl.DataFrame, ignored: list[str] | None = None) -> ParseResult:
    return ParseResult(frame=None, problems=bounded(problems), ignored_columns=_named(ignored or []))


def _named(ignored: list[str]) -> list[str]:
    """Ignored headers as the submission record names them: visible, short, at most MAX_IGNORED_NAMES."""
    shown = [characters.visible_text(name, MAX_FIELD_CHARS) for name in ignored[:MAX_IGNORED_NAMES]]
    more = len(ignored) - MAX_IGNORED_NAMES
    return shown + ([f"and {more} more"] if more > 0 else [])


def container_problem(data: bytes, file_format: str) -> pl.DataFrame | None:
    """A file whose first bytes say it is not what its name says."""
    if file_format == "csv":
        if data.startswith(xlsx_package.ZIP_MAGIC):
            return problem(0, "(file)", None,
                           "this is an Excel workbook saved with a .csv name; save it as CSV UTF-8 or name it .xlsx")
        if data.startswith(xlsx_package.OLE_MAGIC):
            return problem(0, "(file)", None, "this is an old Excel workbook (.xls, Excel 97-2003) saved with a .csv name; "
                                              "save it as CSV UTF-8 or as an Excel Workbook (.xlsx)")
    # a file named .xlsx is identified by the XLSX reader (pipelines/ingest/xlsx_package.py), which
    # also tells an encrypted workbook from an old .xls and a text file from a damaged zip
    return None


@dataclass
class Table:
    """A file's cells as read, before any typing. CSV gives text only; XLSX also gives each typed cell's
    kind and stored value (see pipelines/ingest/xlsx.py), in frames with the same columns as `text`."""

    text: pl.DataFrame  # one String column per source column
    kind: pl.DataFrame | None = None  # "number", "date" or null (a text or empty cell)
    stored: pl.DataFrame | None = None  # a typed cell's exact stored value
    rows: list[int] | None = None  # row numbers as the file shows them; None: consecutive from FIRST_DATA_ROW
    notes: list[str] = field(default_factory=list)  # for the submission record
    header_row: int = 1  # the header's row number (CSV: the first row with a non-blank cell)


def read_table(data: bytes, file_format: str, csv_read: Callable[[], csvfile.Read] | None = None
               ) -> tuple[Table | None, pl.DataFrame | None]:
    """Read the cells; typing happens later, per the contract, so nothing is guessed here.
    csv_read: the CSV file's reading when it was read with others (csvfile.read_many)."""
    wrong = container_problem(data, file_format)
    if wrong is not None:
        return None, wrong
    if file_format == "csv":
        try:
            cells, rows, header_row, err = (csv_read or partial(csvfile.read, data))()
        except (pl.exceptions.PolarsError, duckdb.Error) as exc:  # a file no check foresaw: quarantined, never a crash
            return None, problem(0, "(file)", None, f"CSV cannot be read: {str(exc).strip().splitlines()[0]}")
        if err is not None:
            return None, err
        return Table(text=cells, rows=rows, header_row=header_row), None
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
    # [0-9], not \d: polars' \d matches every Unicode digit, which no number cast reads
    return rf"^[+-]?([0-9]{{1,3}}({group}[0-9]{{3}})+|[0-9]+)({decimal}[0-9]+)?$"


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
    return rf"^[+-]?([0-9]{{1,3}}({group}[0-9]{{3}})+|[0-9]+)$"


def _date_pattern(date_format: str, year: str) -> str | None:
    """Regex for a date written in the format (day and month of one or two digits) with this year pattern;
    None for a format with other fields."""
    if re.search(r"%[^dmY]", date_format):
        return None
    fields = {"%d": "[0-9]{1,2}", "%m": "[0-9]{1,2}", "%Y": year}
    return "^" + "".join(fields.get(part, re.escape(part)) for part in re.split(r"(%[dmY])", date_format)) + "$"


def _invisible_removed(frame: pl.DataFrame, free_text: list) -> dict[int, str]:
    """What each file's submission record says about invisible characters dropped from free text (counted per
    column): file index -> note, for the files that had any."""
    if not free_text:
        return {}
    found = frame.group_by(FILE, maintain_order=True).agg([pl.struct(
        characters.invisible_count(pl.col(c.name)).sum().alias("n"),
        pl.col("source_row").filter(pl.col(c.name).str.contains(characters.INVISIBLE)).min().alias("row"))
        .alias(c.header) for c in free_text])
    notes = {}
    for counts in found.iter_rows(named=True):
        parts = [f"'{header}' {v['n']} (first at row {v['row']})" for header, v in counts.items() if header != FILE and v["n"]]
        if parts:
            notes[counts[FILE]] = "invisible characters (zero-width, bidi, BOM) removed from free text: " + ", ".join(parts)
    return notes


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
    return parse_many([(data, file_format, reporting_date)], contract, references)[0]


def parse_many(files: list[tuple[bytes, str, date | None]], contract: Contract,
               references: dict[str, set[str]]) -> list[ParseResult]:
    """parse_submission for several files of one contract ((bytes, format, reporting date) each), in order.

    Each file is read and its header mapped on its own; then the cells of all of them are checked together,
    in one pass of every expression over one frame with the file's index beside each row (`FILE`), which
    costs about what checking one file costs: the per-file cost was the expressions, not the rows. Every
    check, count and "first row" is taken per file, so each file is judged as if it were alone; should the
    checking of the set fail unexpectedly, each file is parsed on its own (one file's fault stays its own)."""
    results: list[ParseResult | None] = [None] * len(files)
    sources: list[tuple[int, _Source, date | None]] = []
    csv = [i for i, (data, file_format, _) in enumerate(files)
           if file_format == "csv" and container_problem(data, file_format) is None]
    csv_reads = dict(zip(csv, csvfile.read_many([files[i][0] for i in csv]))) if len(csv) > 1 else {}
    for i, (data, file_format, day) in enumerate(files):
        table, err = read_table(data, file_format, csv_reads.get(i))
        if err is not None:
            results[i] = _rejected(err)
            continue
        mapped = _mapped(table, contract)
        if isinstance(mapped, ParseResult):
            results[i] = mapped
        else:
            sources.append((i, mapped, day))
    if len(sources) > 1:
        try:
            checked = _checked([s for _, s, _ in sources], contract, references, [d for _, _, d in sources])
        except (pl.exceptions.PolarsError, duckdb.Error, ValueError):
            checked = [_checked([s], contract, references, [d])[0] for _, s, d in sources]
    else:
        checked = _checked([s for _, s, _ in sources], contract, references, [d for _, _, d in sources]) if sources else []
    for (i, _, _), result in zip(sources, checked):
        results[i] = result
    return results


FILE, DAY = ":file", ":reporting_date"  # the row's file (index in the batch) and that file's reporting date


@dataclass
class _Source:
    """One file's cells under the contract's column names (with their kinds and stored values), before checks."""

    frame: pl.DataFrame
    header_row: int
    ignored: list[str]
    notes: list[str]


def _mapped(table: Table, contract: Contract) -> "_Source | ParseResult":
    """The file's columns matched to the contract by header, or the file rejected for its header."""
    frame = table.text
    header_row = table.header_row

    header_map = contract.header_map()
    renames: dict[str, str] = {}
    ignored: list[str] = []
    problems: list[pl.DataFrame] = []
    for original in frame.columns:
        column = header_map.get(normalize_header(characters.header_key(original)))
        if column is None:
            ignored.append(original)
        elif column.name in renames.values():
            problems.append(problem(header_row, original, original, f"column '{column.header}' appears twice"))
        else:
            renames[original] = column.name
    missing = [c for c in contract.columns if c.name not in renames.values()]
    for column in missing:
        if column.required:
            problems.append(problem(header_row, column.header, None, f"required column '{column.header}' is missing"))
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
    # one column order for every file, so that files' frames stack
    frame = frame.select("source_row", *[n + s for n in (c.name for c in contract.columns) for s in ("", KIND, STORED)])
    return _Source(frame=frame, header_row=header_row, ignored=ignored, notes=list(table.notes))


def _checked(sources: list[_Source], contract: Contract, references: dict[str, set[str]],
             days: list[date | None]) -> list[ParseResult]:
    """Every check of parse_submission on these files' cells at once, each file judged on its own rows."""
    frame = pl.concat([s.frame.with_columns(pl.lit(i, dtype=pl.Int32).alias(FILE), pl.lit(day, dtype=pl.Date).alias(DAY))
                       for i, (s, day) in enumerate(zip(sources, days))], how="vertical_relaxed")
    problems: list[pl.DataFrame] = []  # each with FILE
    # Values as written (module docstring): a cell holding a character its column refuses gets that
    # problem and no other; the rest are normalised. Vietnamese text is stored NFC; empty cells are NULL.
    text_cols = [c.name for c in contract.columns]
    one_line = {c.name for c in contract.columns if c.type != "text" or c.name in contract.key}
    # one cheap scan per column; only a column holding an unusual character pays for the rules, and only one
    # holding a character NFC could change pays for NFC (most of the cost of reading text)
    odd = frame.select([pl.col(c).str.contains(f"{characters.unusual(c in one_line)}|{characters.not_nfc()}").any()
                        for c in text_cols]).row(0)
    odd_cols = [c for c, found in zip(text_cols, odd) if found]
    found = frame.select([pl.struct(pl.col(c).str.contains(characters.unusual(c in one_line)).any().alias("unusual"),
                                    pl.col(c).str.contains(characters.REWRITTEN).any().alias("rewrite"),
                                    pl.col(c).str.contains(characters.not_nfc()).any().alias("nfc")).alias(c)
                          for c in odd_cols]).row(0, named=True) if odd_cols else {}
    flagged = {c for c in odd_cols if found[c]["unusual"]}
    frame = frame.with_columns([(characters.has_problem(pl.col(c), c in one_line) if c in flagged else pl.lit(False))
                                .alias(c + BAD) for c in text_cols])
    for column in (c for c in contract.columns if c.name in flagged):
        problems.append(frame.filter(pl.col(column.name + BAD)).select(
            FILE, pl.col("source_row").alias("row"), pl.lit(column.header).alias("field"), pl.col(column.name).alias("value"),
            characters.problem_reason(pl.col(column.name), column.name in one_line).alias("reason")))
    rewrite = {c: c in flagged and found[c]["rewrite"] for c in text_cols}
    notes = [list(s.notes) for s in sources]
    for i, removed in _invisible_removed(frame, [c for c in contract.columns if c.name not in one_line and rewrite[c.name]]).items():
        notes[i].append(removed)
    # Blank lines (a trailing newline too many, an empty spreadsheet row) carry nothing: skipped,
    # while the other rows keep the numbers a person sees in the file.
    frame = frame.with_columns(
        [characters.normalised(pl.col(c), c not in one_line, rewrite[c], c in odd_cols and found[c]["nfc"]).alias(c)
         for c in text_cols]).filter(~pl.all_horizontal([pl.col(c).is_null() for c in text_cols]))
    results: list[ParseResult | None] = [None] * len(sources)
    for i in set(range(len(sources))) - set(frame.get_column(FILE).unique().to_list()):
        results[i] = _rejected(problem(sources[i].header_row, "(file)", None, "file has a header but no data rows"),
                               sources[i].ignored)

    # Declarations that hold for the whole file (unit, number style): one value, or the file is
    # rejected at the first row that says otherwise.
    by_name = {c.name: c for c in contract.columns}
    for name in contract.constant_columns:
        declared = frame.filter(pl.col(name).is_not_null() & ~pl.col(name + BAD)).with_columns(
            pl.col("source_row").first().over(FILE).alias(":first_row"), pl.col(name).first().over(FILE).alias(":first"))
        problems.append(declared.filter(pl.col(name) != pl.col(":first")).group_by(FILE, maintain_order=True).head(1).select(
            FILE, pl.col("source_row").alias("row"), pl.lit(by_name[name].header).alias("field"), pl.col(name).alias("value"),
            pl.format("declared once per file: row {} says '{}'", ":first_row", ":first").alias("reason")))
    styles = [contract.number_style] * len(sources)
    if contract.number_style_column:
        mapping = contract.enums[by_name[contract.number_style_column].enum]
        for i, declared in frame.filter(pl.col(contract.number_style_column).is_not_null()).group_by(FILE).agg(
                pl.col(contract.number_style_column).first()).iter_rows():
            styles[i] = mapping.get(normalize_header(declared), contract.number_style)
    # the checks depend on the number style: files declaring the same one are checked together
    checked = []
    for style in dict.fromkeys(styles):
        files = [i for i, s in enumerate(styles) if s == style and results[i] is None]
        part = frame if len(files) == len(sources) else frame.filter(pl.col(FILE).is_in(files))
        if part.height:
            checked.append(_typed_checks(part, contract, references, style, notes))
    frame = pl.concat([c[0] for c in checked]) if checked else frame.clear()
    problems.extend(c[1] for c in checked if c[1] is not None)
    names = checked[0][2] if checked else []

    problems = [p.select(FILE, pl.col("row").cast(pl.Int64), *[pl.col(c).cast(pl.String) for c in ("field", "value", "reason")])
                for p in problems if p.height]

    def per_file(part: pl.DataFrame) -> dict[tuple[int], pl.DataFrame]:
        # one file (a big one, most often): no copy of its rows into a partition
        if len(sources) == 1:
            return {(0,): part.drop(FILE)} if part.height else {}
        return part.partition_by(FILE, as_dict=True, include_key=False)

    by_file = per_file(pl.concat(problems)) if problems else {}
    rows = per_file(frame.select(FILE, "source_row", *[pl.col(TYPED + name).alias(name) for name in names]))
    for i, source in enumerate(sources):
        if results[i] is not None:
            continue
        found = by_file.get((i,))
        if found is not None and found.height:
            results[i] = _rejected(found.cast(PROBLEM_SCHEMA).sort(["row", "field"]), source.ignored)
        else:
            results[i] = ParseResult(frame=rows[(i,)], problems=pl.DataFrame(schema=PROBLEM_SCHEMA),
                                     ignored_columns=_named(source.ignored), notes=notes[i])
    return results


def _typed_checks(frame: pl.DataFrame, contract: Contract, references: dict[str, set[str]], style: str,
                  notes: list[list[str]]) -> tuple[pl.DataFrame, pl.DataFrame | None, list[str]]:
    """(rows with typed values, problems with FILE, typed column names) of files written in one number style."""
    text_cols = [c.name for c in contract.columns]
    problems: list[pl.DataFrame] = []

    # Typed XLSX cells are written as the cell shows them, in the file's declared style (numbers) or
    # date format (dates); from here on that is the value "as written", for every column type.
    group, decimal = babel.numbers.get_group_symbol(style), babel.numbers.get_decimal_symbol(style)
    # (a CSV file has no typed cell, nor has an XLSX column of text cells: nothing to write for those)
    with_typed = {c for c, found in frame.select(
        [pl.col(c + KIND).is_not_null().any().alias(c) for c in text_cols]).row(0, named=True).items() if found}
    frame = frame.with_columns([
        pl.when(pl.col(c + KIND).eq_missing(xlsx.NUMBER)).then(pl.col(c).str.replace_many({",": group, ".": decimal}))
        .when(pl.col(c + KIND).eq_missing(xlsx.DATE))
        .then(pl.col(c + STORED).str.strptime(pl.Datetime, xlsx.DATE_CELL, strict=False).dt.strftime(contract.date_format))
        .otherwise(pl.col(c)).alias(c)
        for c in text_cols if c in with_typed])

    typed: list[pl.Expr] = []
    # every check as (condition, field, value shown, reason), evaluated together in one pass below
    checks_found: list[tuple[pl.Expr, str, pl.Expr, pl.Expr]] = []
    date_shown = contract.date_format.replace("%d", "dd").replace("%m", "mm").replace("%Y", "yyyy")
    four_digit_year, two_digit_year = (_date_pattern(contract.date_format, year) for year in ("[0-9]{4}", "([0-9]{2})"))
    for column in contract.columns:
        raw = pl.col(column.name)
        typed_number = pl.col(column.name + KIND).eq_missing(xlsx.NUMBER)
        stored = pl.col(column.name + STORED)
        checks: list[tuple[pl.Expr, str | pl.Expr]] = []
        if column.required:
            checks.append((raw.is_null(), f"required value for '{column.header}' is empty"))
        if column.type == "date":
            # a typed date is its date (a time of day on it is dropped); text follows the declared format
            typed_date = pl.col(column.name + KIND).eq_missing(xlsx.DATE)
            # the year has four digits: chrono would read 01/04/25 as the year 25
            as_text = raw.str.strptime(pl.Date, contract.date_format, strict=False)
            if four_digit_year:
                as_text = pl.when(raw.str.contains(four_digit_year)).then(as_text)
            parsed = (pl.when(typed_date)
                      .then(stored.str.strptime(pl.Datetime, xlsx.DATE_CELL, strict=False).dt.date())
                      .otherwise(as_text))
            two_digits = ~typed_date & raw.str.contains(two_digit_year) if two_digit_year else pl.lit(False)
            checks.append((two_digits, pl.format(f"year written with two digits ({{}}); write {date_shown} with four",
                                                 raw.str.extract(two_digit_year or "(.*)", 1))))
            checks.append(
                (raw.is_not_null() & parsed.is_null() & ~two_digits, f"not a valid date in the declared format {date_shown}")
            )
            if column.not_after_reporting_date:
                checks.append((parsed > pl.col(DAY),
                               pl.format("date is after the reporting date {}", pl.col(DAY).dt.strftime("%d/%m/%Y"))))
            typed.append(parsed.alias(column.name))
        elif column.type == "number":
            well_formed, parsed = number_columns(raw, style, column.parsed_as)
            checks.append(
                (raw.is_not_null() & ~well_formed, f"not a number in the declared style '{style}'")
            )
            checks.append((well_formed & parsed[0].is_null(), "number too large for the warehouse (29 digits before the decimal mark at most)"))
            if column.non_negative:
                checks.append((well_formed & (parsed[0] < 0), "amount cannot be negative"))
            if column.maximum is not None:
                checks.append((well_formed & (parsed[0] > column.maximum),
                               f"number above {column.maximum:,}, the largest the contract accepts in the file's unit"))
            # the value as written is kept beside the parsed one; zero has no sign (-0 and +0 are 0)
            typed.append(pl.when(well_formed & (parsed[0] == 0)).then(raw.str.strip_prefix("-").str.strip_prefix("+"))
                         .otherwise(raw).alias(column.name))
            typed.extend(parsed)
            rounded = frame.filter(typed_number & well_formed & (stored.cast(pl.Decimal(38, 9), strict=False) != parsed[0])) \
                if column.name in with_typed else frame.clear()
            for i, count, first_row, first_stored, first_shown in rounded.group_by(FILE, maintain_order=True).agg(
                    pl.len(), pl.col("source_row").first(), pl.col(column.name + STORED).first(), pl.col(column.name).first()).iter_rows():
                notes[i].append(f"{count} typed number(s) in '{column.header}' hold more decimals than their cell "
                                f"format shows and were loaded as shown (row {first_row}: "
                                f"{first_stored.replace('.', decimal)} shown as {first_shown})")
        elif column.type == "integer":
            # a typed count is its stored value: 5.0 is 5, and 5.5 is refused even where the format shows "6"
            whole = stored.str.contains(r"^[+-]?[0-9]+$")
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
            if column.minimum is not None or column.maximum is not None:
                low, high = column.minimum or 0, column.maximum
                outside = (value < low) | (value > high) if high is not None else value < low
                checks.append((well_formed & (value >= 0) & outside,
                               f"outside {low}..{high if high is not None else ''}, the range the contract accepts"))
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
        checks_found.extend((condition & ~pl.col(column.name + BAD), column.header, pl.col(column.name),
                             pl.lit(reason) if isinstance(reason, str) else reason) for condition, reason in checks)

    # One pass: the typed values and every check's flag, then the problems only for the checks that found
    # something. Eager: a lazy plan's optimiser costs more on a small file (~10 ms) than it saves on a large one.
    names = [e.meta.output_name() for e in typed]
    checked = frame.with_columns(
        *[e.alias(TYPED + name) for e, name in zip(typed, names)],
        *[condition.fill_null(False).alias(f":check{i}") for i, (condition, *_) in enumerate(checks_found)])
    if contract.key:
        # Compared on typed values ("Tháng" = "tháng"); an empty optional part ("all groups") counts as a value.
        required_keys = [c.name for c in contract.columns if c.name in contract.key and c.required]
        checked = checked.with_columns(
            (pl.struct([pl.col(FILE), *[pl.col(TYPED + k) for k in contract.key]]).is_duplicated()
             & pl.all_horizontal([pl.col(TYPED + k).is_not_null() for k in required_keys])).alias(f":check{len(checks_found)}"))
        checks_found.append((
            pl.lit(True), "+".join(c.header for c in contract.columns if c.name in contract.key),
            pl.concat_str([pl.col(TYPED + k).cast(pl.String) for k in contract.key], separator="|", ignore_nulls=True),
            pl.lit("duplicate key: the same value appears on more than one row")))
    hits = checked.select([pl.col(f":check{i}").any() for i in range(len(checks_found))]).row(0) if checks_found else ()
    problems.extend(
        checked.filter(pl.col(f":check{i}")).select(
            FILE, pl.col("source_row").alias("row"), pl.lit(field).alias("field"), value.alias("value"), reason.alias("reason"))
        for i, ((_, field, value, reason), hit) in enumerate(zip(checks_found, hits)) if hit)

    return checked, (pl.concat(problems, how="vertical_relaxed") if problems else None), names
