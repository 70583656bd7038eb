"""When the pipeline runs by itself: a daily full load, and a sensor on the inbox.

The sensor opens the warehouse only on its first tick (below), never after (a load may hold it): it remembers, in its cursor, the kind,
size and modification time of every inbox entry the loader would register (read with lstat from
the loader's own listing: no link is followed, no file opened), and asks for a run when an entry
is new or changed. A removed entry is dropped from the cursor, so a file taken away and put back
(even with its old modification time) asks for a run again. The run then loads whatever is not
yet registered, so two requests for the same file cost nothing but a skip.

The first tick (no cursor yet, e.g. `make dev` right after `make run`) starts from what the
warehouse has already registered (audit.submissions: where each file sat, its size and times, as
the loader itself tells an unchanged file), so it asks for a run only for files not loaded yet.
That one read is read-only and does not wait: with the warehouse busy, the tick is skipped and
the next one tries again.

Each run the sensor asks for also builds the round reports of the reporting dates its files name
(the run's partition keys go in the run tags; see pipelines/assets/rounds.py).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from dagster import (
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    SensorResult,
    SkipReason,
    sensor,
)

from pipelines.assets.rounds import REPORTING_DATES, REPORTING_DATES_TAG
from pipelines.ingest.inbox import list_inbox, printable
from pipelines.ingest.loader import Registry, parse_name
from pipelines.logsafe import one_line
from pipelines.settings import Settings
from pipelines.warehouse import WarehouseLocked, connect

TIMEZONE = "Asia/Ho_Chi_Minh"


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        return False


def daily_schedule(job) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="daily_full_load",
        job=job,
        cron_schedule="0 6 * * *",  # 06:00 in Hà Nội, before the office opens
        execution_timezone=TIMEZONE,
        default_status=DefaultScheduleStatus.RUNNING,
        description="Full load every morning at 06:00 Asia/Ho_Chi_Minh: new files, marts, rules, report.",
    )


def _state(entries) -> dict[str, str]:
    return {printable(e.rel): f"{e.kind}:{e.stat.st_size}:{e.stat.st_mtime_ns}" for e in entries}


def inbox_state(inbox, log=None) -> dict[str, str]:
    """entry path (relative to the inbox, escaped if not printable) -> kind:size:mtime, for every entry the loader registers."""
    return _state(list_inbox(inbox, log or (lambda line: None)))


def registered_state(settings: Settings, log=None) -> dict[str, str]:
    """inbox_state() of the entries the warehouse already registered unchanged (no warehouse yet: none).

    Raises WarehouseLocked when a load holds the file."""
    if not settings.duckdb_path.exists():
        return {}
    entries = list_inbox(settings.inbox_dir, log or (lambda line: None))
    with connect(settings.duckdb_path, read_only=True, wait_seconds=0) as con:
        if not con.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_schema = 'audit' AND table_name = 'submissions'").fetchall()[0][0]:
            return {}
        registry = Registry(con)
    return _state(e for e in entries if registry.registered_unchanged(e))


def inbox_sensor(job, settings: Settings):
    inbox = settings.inbox_dir

    @sensor(
        name="inbox_sensor",
        job=job,
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description="Starts a load when a file appears in, or changes in, the inbox (R57_INBOX_DIR).",
    )
    def _sensor(context):
        if context.cursor:
            seen = json.loads(context.cursor)
        else:
            try:
                seen = registered_state(settings, context.log.warning)
            except WarehouseLocked:
                return SkipReason("the warehouse is busy (a load holds it): the inbox is compared with it at the next tick")
        now = inbox_state(inbox, context.log.warning)
        changed = sorted(name for name, state in now.items() if seen.get(name) != state)
        if not changed:
            if not context.cursor:  # the first tick: what the warehouse holds becomes the cursor
                return SensorResult(skip_reason=f"every file in {one_line(inbox)} is already loaded ({len(now)} files)",
                                    cursor=json.dumps(now, sort_keys=True))
            if set(seen) - set(now):  # forget removed entries, so one put back is seen as new
                return SensorResult(skip_reason=f"no new or changed file in {one_line(inbox)} ({len(now)} files; "
                                                f"{len(set(seen) - set(now))} removed)", cursor=json.dumps(now, sort_keys=True))
            return SkipReason(f"no new or changed file in {one_line(inbox)} ({len(now)} files)")
        key = hashlib.sha256("\n".join(f"{n}={now[n]}" for n in changed).encode()).hexdigest()[:16]
        # a file name may hold a newline: each is shown on the one line, never as a line of its own
        preview = ", ".join(one_line(n) for n in changed[:5]) + (f" (+{len(changed) - 5} more)" if len(changed) > 5 else "")
        context.log.info(f"{len(changed)} new or changed files: {preview}")
        # every reporting date named by a file becomes a partition of the round reports
        dates = {m["date"] for name in changed if (m := parse_name(name.rsplit("/", 1)[-1])) and _is_date(m["date"])}
        known = set(context.instance.get_dynamic_partitions(REPORTING_DATES.name))
        new_dates = sorted(dates - known)
        return SensorResult(
            run_requests=[RunRequest(run_key=key, tags={"r57/trigger": "inbox", "r57/files": str(len(changed)),
                                                        REPORTING_DATES_TAG: ",".join(sorted(dates))})],
            dynamic_partitions_requests=[REPORTING_DATES.build_add_request(new_dates)] if new_dates else [],
            cursor=json.dumps(now, sort_keys=True),
        )

    return _sensor
