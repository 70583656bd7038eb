"""Neutralise spreadsheet formula injection in every CSV/XLSX cell the project writes.

A text cell starting with =, +, -, @, a tab or a carriage return would be run as a formula by a
spreadsheet; prefixing an apostrophe shows it as text (OWASP's advice). A plain number such as
"-12" is left alone: it cannot run anything, and auditors read differences as numbers.
"""

from __future__ import annotations

import polars as pl

FORMULA_START = r"^[=+\-@\t\r]"
PLAIN_NUMBER = r"^[+-]?[0-9]+([.,][0-9]+)*$"


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    text_cols = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START) & ~pl.col(c).str.contains(PLAIN_NUMBER))
        .then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text_cols
    )
