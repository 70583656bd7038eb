"""The files the benchmarks (bench/) read: a national-scale task-status file, a large good workbook and the
worst CSV files the limits let through. Built in memory or in the caller's folder, never committed.

Left in bench/: the XLSX bombs of bench_xlsx_bombs.py (bigger versions of the bad-input corpus's bombs, built
with that corpus's own kit, tests/bad_inputs/xlsx/make_xlsx.py) and bench_messages.py's table, made by SQL
inside the database it measures.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import polars as pl

from generators.inputs import headers
from generators.writers import write_xlsx

CREATED = datetime(2025, 12, 15, 8, 0, 0)
# One good task row (header order of the task_status contract) and the values of a commune-level programme.
ROW = ["NQ71-{i}", "NQ71", "HA_NOI", "", "Xây dựng", "Nghị định", "Thứ trưởng", "Vụ KHTC", "Thủ tướng", "01/04/2025",
       "30/11/2025", "Hoàn thành đúng hạn", "15/11/2025", ""]
COMMUNE_ROW = ["NQ71-{i}", "NQ71", "HA_NOI", "BKHCN;BTC", "Triển khai nền tảng số dùng chung của xã {commune}",
               "Nền tảng số", "Phó Chủ tịch UBND xã", "UBND xã", "Chủ tịch UBND", "01/04/2025", "31/12/2025",
               "Đang thực hiện đúng hạn", "", ""]


def national_task_file(path: Path, rows: int) -> None:
    """One agency's task-status CSV of `rows` commune tasks, built and written by polars (vectorised, like the
    data it stands for: a row-by-row writer would dominate the measurement)."""
    def column(value: str) -> pl.Expr:
        if "{i}" in value:
            return pl.format(value.replace("{i}", "{}"), pl.col("i"))
        if "{commune}" in value:
            return pl.format(value.replace("{commune}", "{}"), pl.col("i") % 3300)
        return pl.lit(value)

    frame = pl.DataFrame({"i": pl.int_range(0, rows, eager=True)})
    frame.select(column(v).alias(h) for h, v in zip(headers("task_status"), COMMUNE_ROW)).write_csv(path)


def good_workbook(rows: int) -> bytes:
    """A task-status sheet of `rows` commune tasks, streamed (inline strings: the most XML per row)."""
    head = headers("task_status")
    records = ({h: v.format(i=n, commune=n % 3300) for h, v in zip(head, COMMUNE_ROW)} for n in range(rows))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "good.xlsx"
        write_xlsx(path, head, records, sheet="Nhiệm vụ", created=CREATED, constant_memory=True)
        return path.read_bytes()


def _rows(n: int, row: str) -> str:
    return "\n".join(row.format(i=i) for i in range(n))


def csv_limit_cases() -> dict[str, Callable[[], str]]:
    """The worst task-status CSV texts the limits (pipelines/ingest/limits.py) let through, each built when asked."""
    header = ",".join(headers("task_status"))
    row = ",".join(ROW)
    return {
        # every line one field short: DuckDB stops at the first, then reads the file padded
        "ragged_short_rows": lambda: header + "\n" + "1,2\n" * 1_048_574,
        # the widest rows the column limit admits, each 986 fields too many, up to 50 MB
        "ragged_wide_rows": lambda: header + "\n" + ("1," * 999 + "x\n") * 25_000,
        # one row over the column limit: refused before parsing
        "row_over_column_limit": lambda: header + "\n" + "," * 100_000 + "\n",
        "header_over_column_limit": lambda: header + "," * 100_000 + "\n",
        # a cell of 40 million characters
        "huge_cell": lambda: header + "\nNQ71-1,NQ71,HA_NOI,,\"" + "x" * 40_000_000 + "\"" + ",," * 4 + ",\n",
        # blank lines and spaces up to the line limit
        "blank_lines": lambda: header + "\n" + row.format(i=1) + "\n" + "   \n" * 1_048_570,
        # 300,000 rows, each with a two-digit year: 300,000 problems, 1,001 kept
        "many_problems": lambda: header + "\n" + _rows(300_000, row.replace("01/04/2025", "01/04/25")) + "\n",
        # 300,000 good rows whose free text holds line breaks, tabs and invisible characters
        "normalised_text": lambda: header + "\n" + _rows(300_000, row.replace("Xây dựng", "\"Xây\u200b\tdựng\nnghị định\"")) + "\n",
    }
