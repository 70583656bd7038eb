"""Kill real loads (SIGKILL to the whole process group) during ingestion, dbt and validation, then
re-run: the warehouse must equal the one an uninterrupted run built from the same files."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import PROJECT, fingerprint

DAGSTER = str(Path(sys.executable).parent / "dagster")


def _environment(root: Path) -> dict[str, str]:
    home = root / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("R57_")}
    env.update({"R57_HOME": str(PROJECT), "R57_WAREHOUSE_DIR": str(root / "warehouse"),
                "R57_DUCKDB_PATH": str(root / "warehouse" / "r57.duckdb"), "DAGSTER_HOME": str(home)})
    return env


def _run(env: dict[str, str], kill_after: tuple[str, float] | None) -> tuple[int, str]:
    """Run full_load; when the marker appears in the log, wait the delay and SIGKILL the process group."""
    process = subprocess.Popen([DAGSTER, "job", "execute", "-m", "pipelines.definitions", "-j", "full_load"],
                               cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    log = []
    for line in process.stdout:
        log.append(line)
        if kill_after and kill_after[0] in line and "STEP_START" in line:
            time.sleep(kill_after[1])
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.stdout.close()
    return process.wait(timeout=600), "".join(log)


def test_killed_loads_then_a_rerun_equal_an_uninterrupted_run(tmp_path, pipeline_runs):
    env = _environment(tmp_path)
    for step, delay in (("agency_submissions", 1.5), ("warehouse_models", 6.0), ("audit__dq_findings", 0.5)):
        code, log = _run(env, (step, delay))
        assert code == -signal.SIGKILL, f"the run was not killed during {step}:\n{log[-2000:]}"
        assert "RUN_SUCCESS" not in log
    code, log = _run(env, None)
    assert code == 0, log[-3000:]
    after = fingerprint(tmp_path / "warehouse" / "r57.duckdb")
    assert after == pipeline_runs["after_first"]
