"""Benchmark: what the inbox boundary costs per file (listing without following links, the stable read).

Copies the shipped samples BENCH_INBOX_COPIES times (default 10: 4,000 files) into a temporary
inbox, then prints the best of 5 for: listing it (pipelines/ingest/inbox.list_inbox) against a plain
rglob, and reading every file with read_stable (open without following links, fstat before and
after, lstat after) against Path.read_bytes. Run: .venv/bin/python bench/bench_inbox.py
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from pipelines.ingest.inbox import list_inbox, read_stable

COPIES = int(os.environ.get("BENCH_INBOX_COPIES", 10))
SAMPLES = Path(__file__).resolve().parent.parent / "sources" / "samples"


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox"
        for copy in range(COPIES):
            shutil.copytree(SAMPLES, inbox / f"copy{copy}")
        entries = list_inbox(inbox, print)
        files = len(entries)
        plain_list = best_of(5, lambda: sorted(p for p in inbox.rglob("*") if p.is_file()))
        boundary_list = best_of(5, lambda: list_inbox(inbox, print))
        plain_read = best_of(5, lambda: [e.path.read_bytes() for e in entries])
        stable_read = best_of(5, lambda: [read_stable(e, 50 * 1024 * 1024) for e in entries])
        print(f"{files} files")
        print(f"list: rglob {plain_list * 1000:.1f} ms, list_inbox {boundary_list * 1000:.1f} ms")
        print(f"read: read_bytes {plain_read * 1000:.1f} ms, read_stable {stable_read * 1000:.1f} ms "
              f"({(stable_read - plain_read) / files * 1e6:.1f} us more per file)")


if __name__ == "__main__":
    main()
