"""Benchmark: parse and load one national-scale task-status file (default 1,000,000 rows).

Prints the time to generate, parse (polars, per-column checks) and load (one DuckDB transaction),
rows per second and the peak memory of the process. Run: make bench-ingest  (or BENCH_ROWS=200000 make bench-ingest)
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

from generators.bench_data import national_task_file
from pipelines.ingest.loader import load_inbox
from pipelines.settings import Settings

ROWS = int(os.environ.get("BENCH_ROWS", 1_000_000))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        inbox = root / "inbox"
        inbox.mkdir()
        started = time.perf_counter()
        path = inbox / "HA_NOI__task_status__2025-12-15.csv"
        national_task_file(path, ROWS)
        generated = time.perf_counter() - started
        settings = Settings.explicit(warehouse_dir=root / "wh", inbox_dir=inbox)
        started = time.perf_counter()
        summary = load_inbox(settings, max_bytes=10 * 1024**3)
        loaded = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        assert summary.accepted == 1, summary.messages
        size_mb = path.stat().st_size / 1024**2
        print(f"rows: {ROWS:,}  file: {size_mb:,.0f} MB  generate: {generated:.1f} s")
        print(f"parse + validate + archive + load: {loaded:.1f} s  ({ROWS / loaded:,.0f} rows/s)  peak RSS: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
