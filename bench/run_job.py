"""One measured pipeline run, in its own process: the real `full_load` job on a given warehouse and inbox.

    python bench/run_job.py WAREHOUSE_DIR INBOX_DIR OUT.json

Writes OUT.json: success, wall seconds (from before the code location is imported to the end of the run),
import seconds, and seconds per step read from the run's own STEP_START / STEP_SUCCESS (or STEP_FAILURE)
events. The caller (bench/national.py) measures this process's peak RSS; a process per run keeps the
figures of one run apart from the next.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

STARTED = time.perf_counter()


def main(warehouse: Path, inbox: Path, out: Path) -> None:
    from dagster import DagsterEventType, DagsterInstance

    from pipelines.definitions import build_definitions
    from pipelines.settings import Settings

    settings = Settings.explicit(home=Path(__file__).resolve().parent.parent, warehouse_dir=warehouse, inbox_dir=inbox)
    job = build_definitions(settings).resolve_job_def("full_load")
    imported = time.perf_counter() - STARTED
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
        wall = time.perf_counter() - STARTED
        logs = instance.all_logs(result.run_id)
    begun: dict[str, float] = {}
    steps: dict[str, float] = {}
    for entry in logs:
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            begun[event.step_key] = entry.timestamp
        elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            steps[event.step_key] = round(entry.timestamp - begun.get(event.step_key, entry.timestamp), 2)
    out.write_text(json.dumps({"success": result.success, "wall_s": round(wall, 2), "import_s": round(imported, 2),
                               "events": len(logs), "steps_s": steps}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    os.environ.setdefault("DAGSTER_HOME", tempfile.mkdtemp(prefix="r57-bench-dagster-"))
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
