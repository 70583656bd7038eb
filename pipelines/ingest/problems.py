"""The problem table every check writes (row, field, value, reason), and how it is bounded before it is stored.

Row 0 means the file as a whole. A quarantined file keeps at most MAX_PROBLEM_ROWS problems (first by row,
then field), followed by one row saying how many more there are; values and field names are shown with
invisible characters written out (⟨U+200B⟩) and cut to a length a message can carry
(pipelines/ingest/limits.py).
"""

from __future__ import annotations

import polars as pl

from pipelines.ingest import characters
from pipelines.ingest.limits import MAX_FIELD_CHARS, MAX_PROBLEM_ROWS, MAX_REASON_CHARS, MAX_VALUE_CHARS

PROBLEM_SCHEMA = {"row": pl.Int64, "field": pl.String, "value": pl.String, "reason": pl.String}


def problem(row: int, field: str, value: str | None, reason: str) -> pl.DataFrame:
    return pl.DataFrame([{"row": row, "field": field, "value": value, "reason": reason}], schema=PROBLEM_SCHEMA)


def bounded(problems: pl.DataFrame) -> pl.DataFrame:
    """At most MAX_PROBLEM_ROWS rows plus a final count of the rest; every text shown, never invisible, never huge."""
    problems = problems.cast(PROBLEM_SCHEMA)
    total = problems.height
    listed = problems.head(MAX_PROBLEM_ROWS).with_columns(
        characters.visible(pl.col("field"), MAX_FIELD_CHARS).alias("field"),
        characters.visible(pl.col("value"), MAX_VALUE_CHARS).alias("value"),
        characters.visible(pl.col("reason"), MAX_REASON_CHARS).alias("reason"),
    )
    if total <= MAX_PROBLEM_ROWS:
        return listed
    more = total - MAX_PROBLEM_ROWS
    return pl.concat([listed, problem(
        0, "(file)", f"{more}",
        f"{more} more problems not listed: only the first {MAX_PROBLEM_ROWS} of {total} are kept")])
