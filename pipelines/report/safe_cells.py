"""Neutralise spreadsheet formula injection in every CSV/XLSX cell the project writes.

A text cell starting with =, +, @, a tab or a carriage return (or - not followed by a digit) would
be run as a formula by a spreadsheet; prefixing an apostrophe shows it as text (OWASP advice).
"""

from __future__ import annotations

import polars as pl

FORMULA_START = r"^([=+@\t\r]|-[^0-9.])"


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    text_cols = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text_cols
    )
