"""Read a CSV submission's bytes into text cells, each row with the number a spreadsheet shows, or into problems.

Cheapest first, so a hostile file costs little:

1. the bytes: UTF-8 with or without BOM; UTF-16 and other encodings are refused with what to do
   (a workbook named .csv is caught before, by its signature, in parsing.read_table);
2. line endings: CR LF (Windows), LF and a lone CR (old Mac) are all line breaks, inside quoted
   cells too (where the cell then holds LF);
3. limits (pipelines/ingest/limits.py), before parsing: the number of lines, the header's columns,
   and any line with more fields than the column limit (each line's commas counted by polars, every
   line read as one cell);
4. the header is the first row with a non-blank cell; blank rows before or after it are skipped and
   every other row keeps its own number;
5. parsing by DuckDB's CSV reader (RFC 4180: a quoted cell may hold commas, line breaks and doubled
   quotes ""; a quote inside a cell that does not start with one is kept as text, as Excel does),
   strict: a row with more or fewer fields than the header, or a quote left open, stops it at once
   with its row number. Only then is the file read again, every row padded to one field more than
   the header (DuckDB, not strict), which finds every row whose number of fields is not the
   header's, set-based; the count of a row with fields to spare comes from its lines (commas outside
   quoted cells), or reads "more than" where a stray quote keeps the lines from matching DuckDB's
   rows. DuckDB's own list of rejected rows is not used: it holds one entry per field too many
   (2,000 rows of 1,000 fields: 29 s and 10 GB);
6. a cell longer than Excel allows is refused with its row and column.

Row numbers: a row is a record as a spreadsheet shows it, blank rows and the header's row included;
a quoted cell holding line breaks is one row (so with no such cell, the row is the file's line).
DuckDB skips empty lines, so each is first written as a row of empty cells (a private-use character
the file does not hold, then commas), taken out of every cell again after parsing: every record is
then one row of DuckDB's output, in order, and its number is its position.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from typing import Callable

import duckdb
import polars as pl

from pipelines.ingest.limits import MAX_CELL_CHARS, MAX_COLUMNS, MAX_LINES
from pipelines.ingest.problems import PROBLEM_SCHEMA, problem

QUOTED = r'"(?:[^"]|"")*"'
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A record's text up to its end (quoted cells may span lines); used for the header only.
_RECORD = re.compile(rb'(?:[^"\n]|"(?:[^"]|"")*")*')
_FIRST_CONTENT = re.compile(rb"(?m)^[ \t,]*[^ \t,\n]")
_UNCLOSED_QUOTE = ('a quote (") is not closed: a cell that starts with a quote must end with one, followed by a '
                   'comma or the end of the row; a quote inside the cell is written twice ("")')
_RAGGED = "row has {} fields but the header has {} (truncated, shifted or unquoted comma)"


def decoding_problem(data: bytes) -> pl.DataFrame | None:
    """UTF-8 with or without BOM. Anything else is refused with the line and byte of the first bad byte."""
    if data.startswith(UTF16_BOMS):
        return problem(1, "(encoding)", data[:2].hex(" "),
                       'file is UTF-16 (Excel\'s "Unicode Text"); save the file as CSV UTF-8')
    try:
        # validated in Rust: a Python str of a national file would cost twice its size
        pl.Series([data], dtype=pl.Binary).cast(pl.String)
        return None
    except pl.exceptions.ComputeError:
        pass
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 4].hex(" ")
        return problem(
            line,
            "(encoding)",
            bad,
            f"file is not UTF-8: invalid byte sequence at byte {exc.start} on line {line}; "
            "save the file as CSV UTF-8 (Windows-1258, TCVN3 and VNI encodings are not accepted)",
        )
    return None


def _fields(record: str) -> int:
    return re.sub(QUOTED, "", record).count(",") + 1


def _max_commas(data: bytes) -> int:
    """The most commas on one line of the file, quoted or not: every line read as one cell by polars (a separator
    byte the file does not hold, no quoting), one vectorised count."""
    separator = next((chr(b) for b in range(1, 32) if chr(b) not in "\n\r" and bytes([b]) not in data), None)
    if separator is None:  # a file holding every control byte; a slower split
        lines = pl.Series([data], dtype=pl.Binary).cast(pl.String).str.split("\n").explode()
    else:
        lines = pl.read_csv(data, has_header=False, separator=separator, quote_char=None, schema={"line": pl.String},
                            truncate_ragged_lines=True)["line"]
    return lines.str.count_matches(",", literal=True).max() or 0


def _lines(data: bytes) -> pl.DataFrame:
    """One row per line of the file: its text, its commas outside quoted cells, and the row (record) it belongs
    to. A line that starts inside a quoted cell (an odd number of quotes before it) continues the row before;
    the quote it continues, or leaves open, is written back at its start or end so that its quoted part is taken
    out too. Exact for RFC 4180 quoting; a stray quote in an unquoted cell shifts what follows (callers check
    against DuckDB's reading)."""
    lines = pl.Series("line", [data.removesuffix(b"\n")], dtype=pl.Binary).cast(pl.String).str.split("\n").explode().to_frame()
    inside_after = pl.col("line").str.count_matches('"', literal=True).cum_sum() % 2 == 1
    lines = lines.with_columns(inside_after.alias("open"), inside_after.shift(1, fill_value=False).alias("continued"))
    closed = pl.concat_str(pl.when(pl.col("continued")).then(pl.lit('"')).otherwise(pl.lit("")), pl.col("line"),
                           pl.when(pl.col("open")).then(pl.lit('"')).otherwise(pl.lit("")))
    return lines.with_columns(closed.str.replace_all(QUOTED, "").str.count_matches(",", literal=True).alias("commas"),
                              (~pl.col("continued")).cast(pl.Int64).cum_sum().alias("row"))


def _wide_lines(data: bytes) -> pl.DataFrame | None:
    """Rows with more fields than MAX_COLUMNS allows, found before parsing: a cheap count of each line's commas,
    then, only if a line holds that many, of the commas outside quoted cells."""
    if data.count(b",") < MAX_COLUMNS or _max_commas(data) < MAX_COLUMNS:  # the first: a small file, at C speed
        return None
    wide = _lines(data).filter(pl.col("commas") >= MAX_COLUMNS)
    if wide.height == 0:
        return None
    return wide.select(
        pl.col("row"), pl.lit("(row)").alias("field"), pl.col("line").str.slice(0, 80).alias("value"),
        pl.format("row has {} fields, over the limit of {} columns", pl.col("commas") + 1, pl.lit(MAX_COLUMNS))
        .alias("reason"))


def _unused(data: bytes, after: str = "") -> str:
    """A private-use character the file does not hold (and not `after`)."""
    return next(chr(c) for c in range(0xE000, 0xF900) if chr(c) != after and chr(c).encode("utf-8") not in data)


_local = threading.local()
# Past this size a file's reading costs far more than opening a connection, and a kept connection would
# keep the memory DuckDB took for it.
_KEEP_CONNECTION_BYTES = 4 * 1024 * 1024


def _read_csv(source: bytes | list[str], longest: int, total: int, columns: int, **options) -> pl.DataFrame:
    """DuckDB's CSV reader on the bytes (or on these files, `longest` bytes at most, `total` in all), every cell
    text, `columns` columns c0, c1, ... An in-memory DuckDB is kept per thread for small files: opening one
    costs ~30 ms, more than reading a small file."""
    small = total <= _KEEP_CONNECTION_BYTES
    con = getattr(_local, "con", None) if small else None
    if con is None:
        con = duckdb.connect()
        if small:
            _local.con = con
    try:
        return con.read_csv(io.BytesIO(source) if isinstance(source, bytes) else source, header=False, sep=",",
                            quotechar='"', escapechar='"', all_varchar=True, auto_detect=False, max_line_size=longest + 1,
                            columns={f"c{i}": "VARCHAR" for i in range(columns)}, **options).pl()
    finally:
        if not small:
            con.close()


def _strict(data: bytes, columns: int) -> pl.DataFrame:
    """Every record as a row of `columns` text cells; raises duckdb.Error at the first row that does not fit."""
    return _read_csv(data, len(data), len(data), columns, strict_mode=True)


def _padded(data: bytes, columns: int) -> pl.DataFrame:
    """Every record as a row of `columns` + 1 cells, whatever its number of fields: empty cells as '', missing
    ones as NULL (a NULL marker the file does not hold), fields past the one after the header's dropped."""
    return _read_csv(data, len(data), len(data), columns + 1, strict_mode=False, null_padding=True, parallel=False, na_values=[_unused(data)],
                     allow_quoted_nulls=False)


def _ragged(data: bytes, rows: pl.DataFrame, columns: int, sentinel: str) -> pl.DataFrame:
    """Rows (numbered, read by `_padded`) whose number of fields is not the header's, blank rows aside.

    A row with fields to spare gets its count from the file's lines (`_lines`), when those agree with DuckDB's
    reading on every other row (same rows, same counts: no stray quote has shifted them); else the message
    says "more than"."""
    cells = [f"c{i}" for i in range(columns + 1)]
    blank = pl.all_horizontal([pl.col(c).is_null() | pl.col(c).str.strip_chars(" \t").is_in(["", sentinel]) for c in cells])
    rows = rows.with_columns(pl.col(cells[-1]).is_not_null().alias(":over"),
                             pl.sum_horizontal([pl.col(c).is_not_null() for c in cells[:-1]]).alias(":fields"))
    bad = rows.filter((pl.col(":over") | (pl.col(":fields") != columns)) & ~blank)
    if bad.height == 0:
        return bad.select(pl.col(":row").alias("row")).with_columns(
            pl.lit(None, dtype=pl.String).alias(c) for c in ("field", "value", "reason")).cast(PROBLEM_SCHEMA)
    counted = pl.Series(":counted", [], dtype=pl.Int64)
    if bad[":over"].any():
        records = _lines(data).group_by("row", maintain_order=True).agg((pl.col("commas").sum() + 1).alias(":counted"))
        if records.height == rows.height and rows.filter(~pl.col(":over")).height == \
                rows.with_columns(records[":counted"]).filter(~pl.col(":over") & (pl.col(":fields") == pl.col(":counted"))).height:
            counted = records.filter(pl.col("row").is_in(bad[":row"].implode()))[":counted"]
    bad = bad.with_columns(counted.extend_constant(None, bad.height - counted.len()) if counted.len() else
                           pl.lit(None, dtype=pl.Int64).alias(":counted"))
    return bad.select(
        pl.col(":row").alias("row"), pl.lit("(row)").alias("field"),
        pl.concat_str(cells, separator=",", ignore_nulls=True).str.slice(0, 80).alias("value"),
        pl.when(~pl.col(":over")).then(pl.format(_RAGGED, pl.col(":fields"), pl.lit(columns)))
        .when(pl.col(":counted") > columns).then(pl.format(_RAGGED, pl.col(":counted"), pl.lit(columns)))
        .otherwise(pl.format(_RAGGED, pl.lit(f"more than {columns}"), pl.lit(columns))).alias("reason"),
    ).cast(PROBLEM_SCHEMA)


def _names(header: list[str | None]) -> list[str]:
    """Header cells as column names; a repeated name gets a suffix, as polars does (_duplicated_0, ...)."""
    names: list[str] = []
    for cell in header:
        name, n = cell or "", 0
        while name in names:
            name, n = f"{cell or ''}_duplicated_{n}", n + 1
        names.append(name)
    return names


Read = tuple[pl.DataFrame | None, list[int], int, pl.DataFrame | None]


def read(data: bytes) -> Read:
    """(cells of the data rows, their row numbers, the header's row number, problems or None)."""
    text = _text(data)
    return text if isinstance(text, tuple) else _cells(text, None)


def read_many(files: list[bytes]) -> list[Callable[[], Read]]:
    """read() of each file, as a call that returns it (or raises what read() would raise). The files whose
    header has the same number of columns are parsed by one strict DuckDB reading of all of them (a file
    name column tells them apart), which costs about what reading one small file costs; should that reading
    fail (a file in it with a bad row), each file of the set is read on its own, as read() does."""
    texts: list[_Text | Read | Exception] = []
    for data in files:
        try:
            texts.append(_text(data))
        except (pl.exceptions.PolarsError, duckdb.Error) as exc:
            texts.append(exc)
    rows: dict[int, pl.DataFrame] = {}
    by_columns: dict[int, list[int]] = {}
    for i, text in enumerate(texts):
        if isinstance(text, _Text):
            by_columns.setdefault(text.columns, []).append(i)
    for columns, members in by_columns.items():
        if len(members) > 1:
            rows.update(zip(members, _strict_together([texts[i].data for i in members], columns) or []))

    def result(i: int) -> Callable[[], Read]:
        def get() -> Read:
            text = texts[i]
            if isinstance(text, Exception):
                raise text
            return text if isinstance(text, tuple) else _cells(text, rows.get(i))
        return get
    return [result(i) for i in range(len(files))]


def _strict_together(files: list[bytes], columns: int) -> list[pl.DataFrame] | None:
    """_strict() of each file, from one reading of all of them; None if any does not read (each is then read alone)."""
    # removed file by file rather than by shutil.rmtree: the folder holds only these files
    folder = tempfile.mkdtemp(prefix="r57-csv-")
    paths = [os.path.join(folder, f"{i}.csv") for i in range(len(files))]
    try:
        for path, data in zip(paths, files):
            with open(path, "wb") as handle:
                handle.write(data)
        frame = _read_csv(paths, max(map(len, files)), sum(map(len, files)), columns, strict_mode=True, filename=True)
    except duckdb.Error:
        return None
    finally:
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        os.rmdir(folder)
    parts = frame.partition_by("filename", as_dict=True, include_key=False)
    if len(parts) != len(paths) or any((path,) not in parts for path in paths):
        return None  # a file that gave no row: read alone, as ever
    return [parts[(path,)] for path in paths]


@dataclass
class _Text:
    """A file's text ready for DuckDB's reader: line breaks as LF, empty lines filled; with its header's facts."""

    data: bytes
    columns: int
    header_row: int
    blank_lines: bool
    sentinel: str | None
    empty_row: str


def _text(data: bytes) -> "_Text | Read":
    """The checks before parsing (encoding, limits, header, separator, wide lines) and the empty lines filled;
    or read()'s answer when one of those checks refuses the file."""
    err = decoding_problem(data)
    if err is not None:
        return None, [], 1, err
    data = data.removeprefix(UTF8_BOM)
    if b"\r" in data:  # most files have none: two copies of the file saved
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    if lines > MAX_LINES:
        return None, [], 1, problem(0, "(file)", f"{lines}", f"file has {lines} lines, over the limit of {MAX_LINES} lines")
    first = _FIRST_CONTENT.search(data)
    if first is None:
        return None, [], 1, problem(1, "(file)", None, "file is empty")
    header_row = data.count(b"\n", 0, first.start()) + 1
    header = _RECORD.match(data, first.start()).group(0).decode("utf-8", errors="replace")
    columns = _fields(header)
    if columns == 1:
        for sep, name in ((";", "semicolon"), ("\t", "tab"), ("|", "vertical bar")):
            if sep in header:
                return None, [], header_row, problem(
                    header_row, "(file)", None, f"fields are separated by {name}s ('{sep}'); save the file as CSV with commas")
    if columns > MAX_COLUMNS:
        return None, [], header_row, problem(
            header_row, "(header)", f"{columns}", f"header has {columns} columns, over the limit of {MAX_COLUMNS} columns")

    wide = _wide_lines(data)
    if wide is not None:
        return None, [], header_row, wide

    # the sentinel is looked for (a scan of the file per candidate) only where an empty line needs it
    blank_lines = data.startswith(b"\n") or b"\n\n" in data
    sentinel = _unused(data) if blank_lines else None
    empty_row = f"{sentinel}" + "," * (columns - 1)
    if blank_lines:
        # two passes: in a run of empty lines the first pass fills every other one
        filled = b"\n" + empty_row.encode("utf-8") + b"\n"
        data = data.replace(b"\n\n", filled).replace(b"\n\n", filled)
        data = (empty_row.encode("utf-8") + data) if data.startswith(b"\n") else data
    return _Text(data, columns, header_row, blank_lines, sentinel, empty_row)


def _cells(text: _Text, rows: pl.DataFrame | None) -> Read:
    """read()'s answer from the prepared text and, if it was read already, its strict reading."""
    data, columns, header_row, blank_lines, sentinel, empty_row = (
        text.data, text.columns, text.header_row, text.blank_lines, text.sentinel, text.empty_row)
    try:
        if rows is None:
            rows = _strict(data, columns)
    except duckdb.Error as exc:
        message = str(exc)
        line = re.search(r"CSV Error on Line: (\d+)", message)
        row = int(line.group(1)) if line else 0
        if "unterminated quote" in message:
            shown = re.search(r"Original Line: ([^\n]*)", message)
            return None, [], header_row, problem(row, "(row)", shown.group(1) if shown else None, _UNCLOSED_QUOTE)
        try:
            rows = _padded(data, columns).with_row_index(":row", offset=1).with_columns(pl.col(":row").cast(pl.Int64))
        except duckdb.Error:
            reason = next((part for part in message.split("\n")[1:] if part and not part.startswith("Original Line")), "")
            return None, [], header_row, problem(row, "(row)", None, f"CSV cannot be read: {reason}".strip())
        ragged = _ragged(data, rows, columns, sentinel or _unused(data))
        if ragged.height:
            return None, [], header_row, ragged
        rows = rows.select([f"c{i}" for i in range(columns)]).with_columns(pl.all().replace("", None))
    rows = rows.with_columns(pl.all().str.replace_all(empty_row, "", literal=True).str.replace_all(sentinel, "", literal=True)
                             .replace("", None)) if blank_lines else rows
    rows = rows.with_row_index(":row", offset=1).with_columns(pl.col(":row").cast(pl.Int64))
    header_cells = rows.filter(pl.col(":row") == header_row)
    # blank rows carry nothing; dropped here, the others keep their numbers
    data_rows = rows.filter((pl.col(":row") > header_row) & pl.any_horizontal(
        [pl.col(c).str.strip_chars().str.len_bytes() > 0 for c in rows.columns if c != ":row"]))
    too_long = _too_long(pl.concat([header_cells, data_rows]), header_cells)
    if too_long is not None:
        return None, [], header_row, too_long
    names = _names(list(header_cells.drop(":row").row(0)) if header_cells.height else [None] * columns)
    cells = data_rows.drop(":row")
    cells.columns = names
    return cells, data_rows[":row"].to_list(), header_row, None


def _too_long(rows: pl.DataFrame, header_cells: pl.DataFrame) -> pl.DataFrame | None:
    """Cells over MAX_CELL_CHARS characters, with their row and column."""
    cells = [c for c in rows.columns if c != ":row"]
    longest = rows.select(pl.max_horizontal([pl.col(c).str.len_chars().max() for c in cells])).item()
    if longest is None or longest <= MAX_CELL_CHARS:
        return None
    header = dict(zip(cells, header_cells.drop(":row").row(0))) if header_cells.height else {}
    found = [
        rows.filter(pl.col(c).str.len_chars() > MAX_CELL_CHARS).select(
            pl.col(":row").alias("row"), pl.lit(header.get(c) or f"column {i + 1}").alias("field"),
            pl.col(c).str.slice(0, 80).alias("value"),
            pl.format("cell has {} characters, over the limit of {} characters per cell",
                      pl.col(c).str.len_chars(), pl.lit(MAX_CELL_CHARS)).alias("reason"))
        for i, c in enumerate(cells)]
    return pl.concat(found).cast(PROBLEM_SCHEMA).sort("row", "field")
