"""Dead runs don't block the queue: a run whose process is gone is marked failed, with the reason.

A run killed with SIGKILL (or cut off by a restart) never writes its end, so it stays STARTED in
run storage, and with max_concurrent_runs: 1 the queue waits for it forever. Dagster's run
monitoring (dagster.yaml) fails runs stuck starting or cancelling, but asks the run launcher about
started runs, and the default launcher (runs in a code-server subprocess) cannot answer, nor is
there any launcher behind a run started with `dagster job execute`. So this module checks every
STARTED run itself: the process that wrote the run's RUN_START event (its PID is on the event)
must still exist, and must be that process, not a later one that got the same PID (it must have
started before the run did). Otherwise the run is marked failed with a RUN_FAILURE event saying so.

It runs from the sensor `run_hygiene` (every 30 s while the daemon runs, first tick at start-up)
and at the start of every run that uses the warehouse (pipelines/resources.py). It assumes the
runs and the daemon share one machine, as in this project's deployment (one DuckDB file).

Old dbt target folders don't pile up either: dagster-dbt gives every dbt invocation a folder of its
own, dbt_project/target/<step>-<run id>-<uuid>/ (~10 MB each: manifest, run results, compiled SQL);
prune_dbt_targets keeps the newest few, at the start of every run using dbt (pipelines/resources.py).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

from dagster import (
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunsFilter,
    SkipReason,
    sensor,
)
from dagster._core.events import JobFailureData, RunFailureReason

# dagster-dbt's name for one invocation's folder: <op name>-<first 7 of the run id>-<first 7 of a uuid4>
DBT_RUN_TARGET = re.compile(r"^[A-Za-z0-9_]+-[0-9a-f]{7}-[0-9a-f]{7}$")
KEEP_DBT_TARGETS = 5
# A folder touched this recently may belong to a dbt process still running for another warehouse (a second
# clone's load, a test session): the run lock is per warehouse, so nothing else keeps it from being removed.
DBT_TARGET_MIN_AGE_S = 3600

# /proc's start times are in clock ticks since boot, and boot time is whole seconds.
CLOCK_SLACK_SECONDS = 5.0


def _boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        pass
    return None


def process_alive_since(pid: int, since: float) -> bool:
    """Whether process `pid` exists, is not a zombie, and started no later than `since` (epoch seconds)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        stat = None
    boot = _boot_time()
    if stat is None or boot is None:  # no /proc (not Linux): existence is all we can tell
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    fields = stat[stat.rindex(")") + 2:].split()  # the command name may contain spaces and parentheses
    if fields[0] in ("Z", "X"):
        return False
    started = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return started <= since + CLOCK_SLACK_SECONDS


def fail_dead_runs(instance: DagsterInstance, log=None) -> list[str]:
    """Mark failed every STARTED run whose process no longer exists; return one line per run marked."""
    lines = []
    for record in instance.get_run_records(filters=RunsFilter(statuses=[DagsterRunStatus.STARTED])):
        run = record.dagster_run
        starts = instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_START)
        if not starts or starts[-1].dagster_event is None or starts[-1].dagster_event.pid is None:
            continue
        start = starts[-1]
        pid = start.dagster_event.pid
        if process_alive_since(pid, start.timestamp):
            continue
        # Read the status again only now: a run whose process just ended wrote its end before exiting.
        current = instance.get_run_by_id(run.run_id)
        if current is None or current.status != DagsterRunStatus.STARTED:
            continue
        line = (f"run {run.run_id} ({run.job_name}) marked failed: its process (PID {pid}, started "
                f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(start.timestamp))}) no longer exists "
                "(killed, or the machine restarted), so it will never finish; the run queue moves on. "
                "Run the job again: a load re-run gives the same warehouse.")
        instance.report_run_failed(
            current, line, JobFailureData(error=None, failure_reason=RunFailureReason.UNEXPECTED_TERMINATION))
        if log:
            log(line)
        lines.append(line)
    return lines


@sensor(
    name="run_hygiene",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Marks failed every started run whose process is gone (killed, machine restarted), "
                "so the run queue (one run at a time) moves on.",
)
def run_hygiene_sensor(context):
    lines = fail_dead_runs(context.instance, log=context.log.warning)
    return SkipReason(" | ".join(lines) if lines else "every started run has a live process")


def prune_dbt_targets(target_dir: Path, keep: int = KEEP_DBT_TARGETS, min_age_s: float = DBT_TARGET_MIN_AGE_S) -> list[Path]:
    """Remove all but the `keep` newest (by modification time) per-invocation folders under dbt's target dir,
    sparing any modified in the last `min_age_s` seconds; return those removed.

    Only folders named as dagster-dbt names them are touched: manifest.json, partial_parse.msgpack
    and anything else in target/ stay."""
    folders = sorted((p for p in Path(target_dir).glob("*") if p.is_dir() and DBT_RUN_TARGET.match(p.name)),
                     key=lambda p: p.stat().st_mtime_ns, reverse=True)
    cutoff = time.time() - min_age_s
    removed = [p for p in folders[keep:] if p.stat().st_mtime < cutoff]
    for old in removed:
        shutil.rmtree(old, ignore_errors=True)  # one a reader still holds open goes at the next run
    return removed
