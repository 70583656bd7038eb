"""Benchmark: the worst CSV files the limits let through (pipelines/ingest/limits.py), each parsed in a fresh process.

Prints, per case, the outcome, the time parse_submission takes and the process's peak memory. Run:
.venv/bin/python bench/bench_csv_limits.py [case ...]   (cases: see CASES; default all)
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

from generators.bench_data import csv_limit_cases

CASES = csv_limit_cases()


def run(name: str) -> None:
    from datetime import date

    from pipelines.ingest.contracts import load_contracts
    from pipelines.ingest.parsing import parse_submission
    from pipelines.settings import load_settings

    data = CASES[name]().encode("utf-8")
    contract = load_contracts(load_settings().contracts_dir)["task_status"]
    started = time.perf_counter()
    result = parse_submission(data, "csv", contract, {"agency": {"HA_NOI"}, "programme": {"NQ71"}}, date(2025, 12, 15))
    took = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    first = result.problems.row(0, named=True) if result.problems.height else None
    outcome = (f"{result.frame.height} rows" if result.ok else
               f"{result.problems.height} problems, first: row {first['row']}: {first['reason'][:70]}")
    print(f"{name:26} {len(data) / 1e6:6.1f} MB  {took:6.2f} s  peak {peak_mb:6,.0f} MB  {outcome}")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        run(sys.argv[2])
        return
    for name in sys.argv[1:] or CASES:
        subprocess.run([sys.executable, __file__, "--one", name], check=True)


if __name__ == "__main__":
    main()
