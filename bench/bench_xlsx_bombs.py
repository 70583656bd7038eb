"""Benchmark: the peak memory of reading each XLSX bomb, and of a large good workbook, one process each.

Each file is read by parsing.read_table in a child process whose address space is capped (--cap-gb, default
6) and whose RSS is watched (stopped past --watch-gb, default 4), so a bomb that would take the machine down
is stopped and reported as such. Prints, per file: its size on disk, the outcome (rows read, or the first
line of the refusal), the child's CPU time and peak RSS.

Run: make bench-xlsx   (or .venv/bin/python bench/bench_xlsx_bombs.py [--src DIR] [--rows N] [--only NAME])
--src DIR reads with the pipelines package found in DIR (e.g. an older checkout exported with `git archive`),
to compare before and after. Timings and memory live here and in the README, never in tests.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from generators.bench_data import good_workbook

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("make_xlsx", ROOT / "tests" / "bad_inputs" / "xlsx" / "make_xlsx.py")
make_xlsx = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_xlsx)

CHILD = """
import sys, time
sys.path.insert(0, sys.argv[1])
from pipelines.ingest import parsing
data = open(sys.argv[2], "rb").read()
started = time.perf_counter()
table, problems = parsing.read_table(data, "xlsx")
took = time.perf_counter() - started
if problems is not None:
    first = problems.row(0, named=True)
    print(f"refused in {took:.1f} s: row {first['row']}, {first['field']}: {first['reason'][:110]}")
else:
    print(f"read in {took:.1f} s: {table.text.height:,} rows x {table.text.width} columns")
"""


def styles_bomb(formats: int) -> bytes:
    """A stylesheet of `formats` cell formats (Excel itself stops at 64,000), each with an alignment."""
    m = make_xlsx
    xfs = "".join(f'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="{i}"><alignment indent="{i % 250}"/></xf>'
                  for i in range(formats))
    styles = (f'<styleSheet xmlns="{m.MAIN}"><fonts count="1"><font/></fonts><fills count="1"><fill>'
              '<patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders>'
              f'<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="{formats}">{xfs}</cellXfs></styleSheet>')
    book = m.workbook([{"name": "Nhiệm vụ", "xml": m.sheet_xml(m.task_rows("BCA"))}])
    with zipfile.ZipFile(io.BytesIO(book)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].decode().replace(
        "</Relationships>", f'<Relationship Id="rIdS" Type="{m.DOC_REL}/styles" Target="styles.xml"/></Relationships>')
    parts["xl/styles.xml"] = styles
    return m.zip_parts(parts)


def distinct_strings(count: int) -> bytes:
    """A shared-strings table of `count` different strings: it zips about 10 to 1, under the ratio limit."""
    m = make_xlsx
    table = (f"<si><t>{i:08x}</t></si>" for i in range(count))
    chunks = [f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{m.MAIN}">', *table, "</sst>"]
    return m.workbook([{"name": "Nhiệm vụ", "xml": m.sheet_xml(m.task_rows("BCA"))}], strings=iter(chunks))


def wide_row(cells: int) -> bytes:
    """One row of `cells` empty cells with their references (columns cycling up to ZZZ): under the ratio limit."""
    m = make_xlsx
    head, tail = m.sheet_xml(m.task_rows("BCA")).split("</sheetData>")
    body = (f'<c r="{m.column(1 + i % 18278)}4"/>' for i in range(cells))
    return m.workbook([{"name": "Nhiệm vụ", "xml": iter([head, '<row r="4">', *body, "</row></sheetData>", tail])}])


def tall_sparse(rows: int) -> bytes:
    """`rows` rows, each with one cell in column IV (256): a table of rows x 256 once read."""
    m = make_xlsx
    head, tail = m.sheet_xml(m.task_rows("BCA")).split("</sheetData>")
    body = (f'<row r="{r}"><c r="IV{r}" t="inlineStr"><is><t>x</t></is></c></row>' for r in range(4, rows + 4))
    return m.workbook([{"name": "Nhiệm vụ", "xml": iter([head, *body, "</sheetData>", tail])}])


def cases(rows: int) -> dict[str, Callable[[], bytes]]:
    """Each file, built when its turn comes (the bigger bombs take a few seconds to zip)."""
    m = make_xlsx
    return {
        "far cell XFD1048576 alone": lambda: m.far_cell_bomb("BCA", dimension=False, header=False),
        "far cell XFD1048576 + header": lambda: m.far_cell_bomb("BCA", dimension=False),
        "shared strings 400,000": lambda: m.shared_strings_bomb("BCA", 400_000),
        "shared strings 30,000,000": lambda: m.shared_strings_bomb("BCA", 30_000_000),
        "zip bomb 200 MB row": lambda: m.zip_bomb("BCA", 200),
        "zip bomb 4 GB row": lambda: m.zip_bomb("BCA", 4000),
        "styles: 140,000 formats": lambda: styles_bomb(140_000),
        "styles: 490,000 formats": lambda: styles_bomb(490_000),
        "5,000,000 distinct strings": lambda: distinct_strings(5_000_000),
        "one row of 3,000,000 cells": lambda: wide_row(3_000_000),
        "1,000,000 rows, 1 cell in IV": lambda: tall_sparse(1_000_000),
        f"good sheet {rows:,} rows x 14": lambda: good_workbook(rows),
    }


def run(src: Path, path: Path, cap_gb: float, watch_gb: float, timeout: float) -> tuple[str, float, float]:
    """(outcome, CPU seconds, peak RSS in MB) of reading one file in a capped child process (CPU time, not wall
    time: the machine is shared)."""
    def limit() -> None:
        cap = int(cap_gb * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(src), str(path)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, preexec_fn=limit)
    stopped = ""
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)  # reaps the child itself, to get its own peak RSS
        if pid:
            break
        try:
            status_file = Path(f"/proc/{child.pid}/status").read_text()
            rss_kb = int(next(line.split()[1] for line in status_file.splitlines() if line.startswith("VmRSS:")))
        except (OSError, StopIteration):
            rss_kb = 0
        if not stopped and rss_kb > watch_gb * (1 << 20):
            stopped = f"STOPPED: RSS over {watch_gb:g} GB"
        elif not stopped and time.perf_counter() - started > timeout:
            stopped = f"STOPPED: still running after {timeout:.0f} s"
        if stopped:
            child.send_signal(signal.SIGKILL)
        time.sleep(0.05)
    returncode = os.waitstatus_to_exitcode(status)
    out, err = child.stdout.read(), child.stderr.read()
    seconds = usage.ru_utime + usage.ru_stime
    if stopped:
        outcome = stopped
    elif out.strip():
        outcome = out.strip().splitlines()[-1]
    else:
        last = (err.strip().splitlines() or ["(no output)"])[-1]
        outcome = f"CRASHED (exit {returncode}): {last[:100]}"
    return outcome, seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=ROOT, help="folder holding the pipelines package to measure")
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_XLSX_ROWS", 100_000)))
    parser.add_argument("--cap-gb", type=float, default=6.0, help="address-space limit of each child")
    parser.add_argument("--watch-gb", type=float, default=4.0, help="RSS past which a child is stopped")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--only", help="run only the cases whose name contains this")
    args = parser.parse_args()
    print(f"reading with {args.src.resolve()}/pipelines; each child capped at {args.cap_gb:g} GB address space")
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in cases(args.rows).items():
            if args.only and args.only not in name:
                continue
            data = build()
            path = Path(tmp) / "bomb.xlsx"
            path.write_bytes(data)
            outcome, seconds, peak = run(args.src.resolve(), path, args.cap_gb, args.watch_gb, args.timeout)
            print(f"{name:32} {len(data) / 1024:>9,.0f} KB  peak RSS {peak:>7,.0f} MB  CPU {seconds:>6.1f} s  {outcome}",
                  flush=True)


if __name__ == "__main__":
    main()
