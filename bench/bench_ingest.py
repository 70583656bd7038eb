"""Benchmark: ingest against the floor, DuckDB's own CSV reader on the same files.

Two workloads: one national-scale task-status file (default 1,000,000 rows) and the shipped sample
rounds (sources/samples/, ~400 small files, where the per-file fixed cost dominates). For each, the
pipeline's load (parse, validate, archive, one transaction per file) and the floor: DuckDB's read_csv of
the same CSV files into a table of the same database kind (a file on disk), text columns, no checks.
Prints seconds, rows/s, the ratio to the floor and the process's peak memory.
With BENCH_ROUND=<folder> (a round from `python -m generators national`), that round too: the load into a new
warehouse, the floor on its CSV files (XLSX files have no DuckDB reader: the floor covers less than the
pipeline), and the same load again, when every file is registered already (what a daily run pays for history).
Run: make bench-ingest  (or BENCH_ROWS=200000 make bench-ingest for a smaller file)
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from generators.bench_data import national_task_file
from pipelines.ingest.loader import load_inbox
from pipelines.settings import Settings

ROWS = int(os.environ.get("BENCH_ROWS", 1_000_000))
ROUND = os.environ.get("BENCH_ROUND")
SAMPLES = Path(__file__).resolve().parent.parent / "sources" / "samples"


def floor(files: list[Path], database: Path) -> tuple[float, int]:
    """(seconds, rows): every CSV file read by DuckDB into one table per domain, all text, in one process."""
    by_domain: dict[str, list[str]] = defaultdict(list)
    for path in files:
        by_domain[path.name.split("__")[1]].append(str(path))
    started = time.perf_counter()
    rows = 0
    with duckdb.connect(str(database)) as con:
        for domain, paths in by_domain.items():
            # each file read as it is (its own header), as the pipeline reads it, then appended
            for path in paths:
                con.execute(f"CREATE TABLE IF NOT EXISTS {domain} AS SELECT * FROM read_csv(?, all_varchar = true) LIMIT 0",
                            [path])
                con.execute(f"INSERT INTO {domain} BY NAME SELECT * FROM read_csv(?, all_varchar = true)", [path])
            rows += con.execute(f"SELECT count(*) FROM {domain}").fetchone()[0]
    return time.perf_counter() - started, rows


def pipeline(inbox: Path, root: Path, again: bool = False) -> tuple[float, int, int]:
    """(seconds, rows loaded, files accepted) of the pipeline's load of the inbox into a new warehouse;
    again: then the seconds of loading the same inbox once more (nothing new)."""
    settings = Settings.explicit(warehouse_dir=root / "wh", inbox_dir=inbox)
    started = time.perf_counter()
    summary = load_inbox(settings, max_bytes=10 * 1024**3)
    took = time.perf_counter() - started
    assert summary.rejected == 0, summary.messages
    if again:
        started = time.perf_counter()
        assert load_inbox(settings, max_bytes=10 * 1024**3).new == 0
        print(f"  the same inbox again (every file registered): {time.perf_counter() - started:.2f} s")
    return took, sum(summary.rows_loaded.values()), summary.accepted


def report(name: str, took: float, rows: int, floor_took: float, floor_rows: int) -> None:
    print(f"{name}: pipeline {took:.1f} s ({rows / took:,.0f} rows/s); DuckDB read_csv floor {floor_took:.1f} s "
          f"({floor_rows / floor_took:,.0f} rows/s, CSV only); pipeline / floor {took / floor_took:.1f}x")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        inbox = root / "inbox"
        inbox.mkdir()
        started = time.perf_counter()
        path = inbox / "HA_NOI__task_status__2025-12-15.csv"
        national_task_file(path, ROWS)
        generated = time.perf_counter() - started
        size_mb = path.stat().st_size / 1024**2
        print(f"rows: {ROWS:,}  file: {size_mb:,.0f} MB  generate: {generated:.1f} s")
        floor_took, floor_rows = floor([path], root / "floor_one.duckdb")
        took, rows, _ = pipeline(inbox, root / "one")
        report("one file", took, rows, floor_took, floor_rows)

        samples = root / "samples"
        shutil.copytree(SAMPLES, samples, ignore=shutil.ignore_patterns("*.md"))
        csv = sorted(samples.rglob("*.csv"))
        floor_took, floor_rows = floor(csv, root / "floor_samples.duckdb")
        took, rows, files = pipeline(samples, root / "samples_wh")
        report(f"samples ({files} files, {len(csv)} CSV)", took, rows, floor_took, floor_rows)
        print(f"  per file: pipeline {took / files * 1000:.0f} ms, floor {floor_took / len(csv) * 1000:.0f} ms")

        if ROUND:
            folder = Path(ROUND)
            csv = sorted(folder.rglob("*.csv"))
            floor_took, floor_rows = floor(csv, root / "floor_round.duckdb")
            took, rows, files = pipeline(folder, root / "round_wh", again=True)
            report(f"round {folder.name} ({files} files, {len(csv)} CSV)", took, rows, floor_took, floor_rows)
            print(f"  per file: pipeline {took / files * 1000:.1f} ms, floor {floor_took / len(csv) * 1000:.1f} ms")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # (the loader's worker processes are not counted: a child's ru_maxrss includes the parent's pages it was
    # started from, so it would repeat this figure; `make bench` samples the whole process tree)
    print(f"peak RSS: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
