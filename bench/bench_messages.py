"""Benchmark: the rule engine writing finding messages (one-pass template filling, invisible characters
shown), and the HTML report escaping them.

    .venv/bin/python bench/bench_messages.py            # BENCH_FINDINGS rows (default 200,000)

Every row of a synthetic table fails one row check and one relation rule, so each makes two findings
whose messages quote a task id; one row in ten holds a zero-width space and a placeholder. Prints the
time of evaluate() and of rendering one value per finding through the report's escaping.
"""

from __future__ import annotations

import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pipelines.quality.engine import evaluate  # noqa: E402
from pipelines.quality.rules import load_catalogue  # noqa: E402
from pipelines.report.render import environment  # noqa: E402

RULES = """
figure_sources:
  - id: rows
    from: bench_rows
    group_key: id
    agency: "'BCA'"
    subject: subject
    document: "'BCA__task_status__2025-12-01.csv'"
    location: "'row ' || id"
    metrics: {stated: stated, counted: counted}
rules:
  - {id: REL, label: stated equals counted, severity: error, kind: equal, actual: stated, expected: counted,
     message: "{subject}: {metric} is {actual} but the rows count {expected} (difference {difference}; rounding allows {tolerance})"}
  - id: ROW
    label: every row is flagged
    severity: error
    kind: row_check
    from: bench_rows
    where: "true"
    agency: "'BCA'"
    subject: subject
    expected: "'counted ' || counted"
    actual: "'stated ' || stated"
    difference: "stated - counted"
    document: "'BCA__task_status__2025-12-01.csv'"
    location: "'row ' || id"
    message: "{subject} is reported {actual} but {expected} ({difference} days)"
"""


def main() -> None:
    n = int(os.environ.get("BENCH_FINDINGS", "200000"))
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "rules.yml").write_text(textwrap.dedent(RULES), encoding="utf-8")
        catalogue = load_catalogue(Path(folder))
    con = duckdb.connect()
    con.execute(f"""CREATE TABLE bench_rows AS
        SELECT CAST(i AS VARCHAR) AS id,
               'NQ71:NQ71-' || i || CASE WHEN i % 10 = 0 THEN '{{difference}}' || chr(8203) ELSE '' END AS subject,
               i + 1 AS stated, i AS counted
        FROM range({n}) t(i)""")
    start = time.perf_counter()
    summary = evaluate(con, catalogue)
    engine_s = time.perf_counter() - start
    messages = [m for (m,) in con.execute("SELECT message FROM audit.dq_findings").fetchall()]
    template = environment().from_string("{% for m in messages %}<td>{{ m }}</td>{% endfor %}")
    subjects = [s for (s,) in con.execute("SELECT subject FROM bench_rows").fetchall()]
    start = time.perf_counter()
    template.render(messages=messages + subjects)
    render_s = time.perf_counter() - start
    print(f"{summary.findings} findings: evaluate {engine_s:.2f} s ({summary.findings / engine_s:,.0f} findings/s); "
          f"escaping {len(messages) + len(subjects)} values into HTML {render_s:.2f} s")


if __name__ == "__main__":
    main()
