"""Benchmark: the workbooks of a built warehouse (pipelines/report/workbooks.py), written into a scratch folder.

    .venv/bin/python bench/bench_workbooks.py [WAREHOUSE_DIR]    # default: R57_WAREHOUSE_DIR, else warehouse/

Reads the warehouse read-only (after `make run`, or a bench warehouse of `make bench SCALE=national`), writes
dq_findings.csv/.xlsx and one workbook per agency BENCH_REPEAT times (default 3) and prints one JSON line:
agencies, findings, seconds (best and median), the bytes written and the peak RSS of this process.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pipelines.quality.history import run_stamp  # noqa: E402
from pipelines.report.render import _findings  # noqa: E402
from pipelines.report.workbooks import write_workbooks  # noqa: E402
from pipelines.settings import Settings  # noqa: E402
from pipelines.warehouse import connect  # noqa: E402


def main() -> None:
    warehouse = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("R57_WAREHOUSE_DIR", "warehouse")).resolve()
    settings = Settings.explicit(warehouse_dir=warehouse)
    took, written = [], None
    with connect(settings.duckdb_path, read_only=True) as con, \
            tempfile.TemporaryDirectory(prefix="r57-bench-workbooks-") as scratch:
        findings, stamp = _findings(con, None), run_stamp(con)
        folder = Path(scratch)
        for _ in range(int(os.environ.get("BENCH_REPEAT", "3"))):
            started = time.perf_counter()
            written = write_workbooks(con, folder, findings, folder / "dq_findings.csv", folder / "dq_findings.xlsx",
                                      stamp)
            took.append(time.perf_counter() - started)
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    print(json.dumps({"warehouse": str(warehouse), "findings": findings.height, "agency_workbooks": len(written.agencies),
                      "best_s": round(min(took), 3), "median_s": round(statistics.median(took), 3), "bytes_written": size,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))


if __name__ == "__main__":
    main()
