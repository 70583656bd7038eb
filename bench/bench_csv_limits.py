"""Benchmark: the worst CSV files the limits let through (pipelines/ingest/limits.py), each parsed in a fresh process.

Prints, per case, the outcome, the time parse_submission takes and the process's peak memory. Run:
.venv/bin/python bench/bench_csv_limits.py [case ...]   (cases: see CASES; default all)
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

HEADER = ("Mã nhiệm vụ,Chương trình,Cơ quan chủ trì,Cơ quan phối hợp,Nội dung nhiệm vụ,Sản phẩm,Người chịu trách nhiệm,"
          "Đơn vị chịu trách nhiệm,Thẩm quyền,Ngày giao,Thời hạn,Trạng thái,Ngày hoàn thành,Ghi chú")
ROW = "NQ71-{i},NQ71,HA_NOI,,Xây dựng,Nghị định,Thứ trưởng,Vụ KHTC,Thủ tướng,01/04/2025,30/11/2025,Hoàn thành đúng hạn,15/11/2025,"


def _rows(n: int, row: str) -> str:
    return "\n".join(row.format(i=i) for i in range(n))


CASES = {
    # every line one field short: DuckDB stops at the first, then reads the file padded
    "ragged_short_rows": lambda: HEADER + "\n" + "1,2\n" * 1_048_574,
    # the widest rows the column limit admits, each 986 fields too many, up to 50 MB
    "ragged_wide_rows": lambda: HEADER + "\n" + ("1," * 999 + "x\n") * 25_000,
    # one row over the column limit: refused before parsing
    "row_over_column_limit": lambda: HEADER + "\n" + "," * 100_000 + "\n",
    "header_over_column_limit": lambda: HEADER + "," * 100_000 + "\n",
    # a cell of 40 million characters
    "huge_cell": lambda: HEADER + "\nNQ71-1,NQ71,HA_NOI,,\"" + "x" * 40_000_000 + "\"" + ",," * 4 + ",\n",
    # blank lines and spaces up to the line limit
    "blank_lines": lambda: HEADER + "\n" + ROW.format(i=1) + "\n" + "   \n" * 1_048_570,
    # 300,000 rows, each with a two-digit year: 300,000 problems, 1,001 kept
    "many_problems": lambda: HEADER + "\n" + _rows(300_000, ROW.replace("01/04/2025", "01/04/25")) + "\n",
    # 300,000 good rows whose free text holds line breaks, tabs and invisible characters
    "normalised_text": lambda: HEADER + "\n" + _rows(300_000, ROW.replace("Xây dựng", "\"Xây\u200b\tdựng\nnghị định\"")) + "\n",
}


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
