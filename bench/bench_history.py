"""Cost of the findings' history (pipelines/quality/history.py) as runs accumulate: one JSON line per run.

A synthetic audit.dq_findings of FINDINGS rows (default 200 000, far above a national round's findings);
each run replaces 5 % of them with new ones (the rest persist) and records the run as the engine does,
in one transaction. Usage: .venv/bin/python bench/bench_history.py [findings] [runs]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from pipelines.quality import history
from pipelines.quality.engine import FINDINGS_DDL
from pipelines.quality.rules import load_catalogue

ROOT = Path(__file__).resolve().parent.parent


def main(findings: int = 200_000, runs: int = 10) -> None:
    catalogue = load_catalogue(ROOT / "expectations" / "rules")
    with tempfile.TemporaryDirectory() as folder:
        con = duckdb.connect(str(Path(folder) / "bench.duckdb"))
        con.execute(FINDINGS_DDL)
        for run in range(runs):
            churn = findings // 20
            con.execute("DELETE FROM audit.dq_findings WHERE finding_id IN "
                        "(SELECT finding_id FROM audit.dq_findings ORDER BY finding_id LIMIT ?)", [churn if run else 0])
            con.execute("""
                INSERT INTO audit.dq_findings (finding_id, rule_id, rule_label, severity, category, rule_kind, agency_code,
                                               subject, message, rule_file)
                SELECT md5(? || '|' || i), 'TS-SIX-CLEAR', 'label', 'warning', 'c', 'row_check', 'A' || (i % 63),
                       'task ' || i, 'message', 'task_status.yml'
                FROM range(?) t(i)""", [run, findings if run == 0 else churn])
            started = time.perf_counter()
            con.execute("BEGIN")
            history.record(con, catalogue, run_id=f"run-{run}", full=False, register=None)
            con.execute("COMMIT")
            seconds = time.perf_counter() - started
            rows = con.execute("SELECT count(*) FROM audit.dq_finding_history").fetchone()[0]
            print(json.dumps({"run": run, "findings": findings, "record_seconds": round(seconds, 3),
                              "history_rows": rows}))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
