"""One measured pipeline run, in its own process: the real `full_load` job on a given warehouse and inbox.

    python bench/run_job.py WAREHOUSE_DIR INBOX_DIR OUT.json

Writes OUT.json: success, wall seconds (from before the code location is imported to the end of the run),
import seconds, seconds per step read from the run's own STEP_START / STEP_SUCCESS (or STEP_FAILURE)
events, and per step the highest RSS of this process and its children (dbt runs as a subprocess), sampled
every 0.2 s from /proc; beside the dbt step's time, the span of dagster-dbt's "Running" to "Finished dbt command"
log lines (dbt's start-up included, and also the turning of dbt's events into Dagster's, which ends after dbt
does: an upper bound of dbt's own time) and dbt's run_results.json elapsed_time (start-up excluded: a lower bound). The caller (bench/national.py) measures this process's peak RSS; a process per run
keeps the figures of one run apart from the next.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

STARTED = time.perf_counter()
PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc; shared pages counted in each)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm", encoding="ascii") as f:
                total += int(f.read().split()[1]) * PAGE
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as f:
                    stack += [int(c) for c in f.read().split()]
        except (OSError, ValueError):  # a process that ended while it was read
            continue
    return total / 2**20


class Sampler(threading.Thread):
    """(wall-clock time, tree RSS in MB) every 0.2 s until stopped."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.samples.append((time.time(), tree_rss_mb(os.getpid())))

    def peak(self, start: float, end: float) -> int:
        return round(max((mb for t, mb in self.samples if start <= t <= end), default=0))


def main(warehouse: Path, inbox: Path, out: Path) -> None:
    from dagster import DagsterEventType, DagsterInstance

    from pipelines.definitions import build_definitions
    from pipelines.settings import Settings

    settings = Settings.explicit(home=Path(__file__).resolve().parent.parent, warehouse_dir=warehouse, inbox_dir=inbox)
    job = build_definitions(settings).resolve_job_def("full_load")
    imported = time.perf_counter() - STARTED
    sampler = Sampler()
    sampler.start()
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
        wall = time.perf_counter() - STARTED
        logs = instance.all_logs(result.run_id)
    sampler.done.set()
    begun: dict[str, float] = {}
    steps: dict[str, float] = {}
    rss: dict[str, int] = {}
    dbt_process: dict[str, float] = {}  # dagster-dbt logs the dbt command when it starts it and when it has ended
    for entry in logs:
        event = entry.dagster_event
        for mark in ("Running", "Finished"):
            if entry.user_message.startswith(f"{mark} dbt command: "):
                dbt_process.setdefault(mark, entry.timestamp)
        if event is None or event.step_key is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            begun[event.step_key] = entry.timestamp
        elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            steps[event.step_key] = round(entry.timestamp - begun.get(event.step_key, entry.timestamp), 2)
            rss[event.step_key] = sampler.peak(begun.get(event.step_key, entry.timestamp), entry.timestamp)
    out.write_text(json.dumps({"success": result.success, "wall_s": round(wall, 2), "import_s": round(imported, 2),
                               "events": len(logs), "steps_s": steps, "steps_peak_tree_rss_mb": rss,
                               "dbt_elapsed_s": dbt_elapsed(settings.dbt_project_dir, result.run_id),
                               "dbt_process_s": (round(dbt_process["Finished"] - dbt_process["Running"], 2)
                                                 if len(dbt_process) == 2 else None)},
                              indent=1), encoding="utf-8")


def dbt_elapsed(project_dir: Path, run_id: str) -> float | None:
    """dbt's own elapsed seconds for this run's `dbt build` (dagster-dbt names its target folder <step>-<run id[:7]>-…)."""
    found = sorted((project_dir / "target").glob(f"*-{run_id[:7]}-*/run_results.json"))
    return round(sum(json.loads(p.read_text(encoding="utf-8"))["elapsed_time"] for p in found), 2) if found else None


if __name__ == "__main__":
    os.environ.setdefault("DAGSTER_HOME", tempfile.mkdtemp(prefix="r57-bench-dagster-"))
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
