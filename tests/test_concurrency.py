"""One writer end to end, and dead runs don't block: real runs (`dagster job execute`, the daemon's
queue) against an analyst's read-only session, against each other, and after a killed run.

Runs are real processes on a private warehouse and Dagster instance each; to stay fast they
select the steps a case needs (`-o`): ingest, and dbt where the case is about dbt.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus

from conftest import PROJECT

BIN = Path(sys.executable).parent
SAMPLES = PROJECT / "sources" / "samples" / "2025-12-15"
LOAD = "full_load"
WAITING = re.compile(r"warehouse (?P<path>.+?) is locked by (?P<holder>.+); waiting up to (?P<limit>\d+) s "
                     r"\(R57_LOCK_WAIT_SECONDS\) for it to be released")
GAVE_UP = re.compile(r"warehouse (?P<path>.+?) is locked by (?P<holder>.+); gave up after (?P<limit>\d+) s "
                     r"\(R57_LOCK_WAIT_SECONDS\): close that session \(open the warehouse read-only only while "
                     r"no load runs\), then run the load again")


def _environment(root: Path, wait_seconds: int, inbox_files: tuple[str, ...] = ()) -> dict[str, str]:
    """A private warehouse and Dagster instance (the project's dagster.yaml); a small inbox if files are named."""
    home = root / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(PROJECT / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("R57_")}
    env.update({"R57_HOME": str(PROJECT), "R57_WAREHOUSE_DIR": str(root / "warehouse"),
                "R57_DUCKDB_PATH": str(root / "warehouse" / "r57.duckdb"), "DAGSTER_HOME": str(home),
                "R57_LOCK_WAIT_SECONDS": str(wait_seconds)})
    if inbox_files:
        (root / "inbox").mkdir()
        for name in inbox_files:
            shutil.copy(SAMPLES / name, root / "inbox" / name)
        env["R57_INBOX_DIR"] = str(root / "inbox")
    # create the instance's storage now: two processes creating it at once race (as no deployment does)
    instance = DagsterInstance.from_config(str(home))
    assert (instance.run_storage, instance.event_log_storage, instance.schedule_storage)
    instance.dispose()
    return env


def _load_command(steps: str) -> list[str]:
    return [str(BIN / "dagster"), "job", "execute", "-m", "pipelines.definitions", "-j", LOAD, "-o", steps]


def _start(env: dict[str, str], steps: str) -> subprocess.Popen:
    return subprocess.Popen(_load_command(steps), cwd=PROJECT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _stop(process: subprocess.Popen | None) -> None:
    """Leave no run behind when a test fails half-way."""
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _instance(env: dict[str, str]) -> DagsterInstance:
    return DagsterInstance.from_config(env["DAGSTER_HOME"])


def _lock_lines(instance: DagsterInstance, run_id: str) -> list[tuple[str | None, str]]:
    """(step, message) of every lock line the run logged."""
    return [(entry.step_key, entry.user_message) for entry in instance.all_logs(run_id)
            if entry.dagster_event is None and " is locked by " in entry.user_message]


def _step_times(instance: DagsterInstance, run_id: str, kind: DagsterEventType) -> list[float]:
    return [entry.timestamp for entry in instance.all_logs(run_id, of_type=kind)]


class Reader:
    """An analyst's read-only session, in its own process, held until released."""

    def __init__(self, path: Path):
        self.process = subprocess.Popen(
            # retried: opened at a step's start, it may meet the load's own brief connection (the dbt step reads
            # the build state before dbt starts); the test is about what the load does once the session holds it
            # (duckdb.connect( first: the load's lock line quotes the holder's command line, cut short)
            [sys.executable, "-c", "import duckdb, sys, time\n"
             f"connect = lambda: duckdb.connect({str(path)!r}, read_only=True)\n"
             "deadline = time.monotonic() + 30\n"
             "while True:\n"
             "    try:\n"
             "        con = connect()\n"
             "        break\n"
             "    except duckdb.IOException:\n"
             "        if time.monotonic() > deadline: raise\n"
             "        time.sleep(0.05)\n"
             "print('held', flush=True)\nsys.stdin.readline()\ncon.close()\n"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "held"
        self.pid = self.process.pid
        self.released = False

    def release(self) -> None:
        if not self.released:
            self.process.stdin.write("\n")
            self.process.stdin.flush()
            self.process.wait(timeout=30)
            self.released = True

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _empty_warehouse(env: dict[str, str]) -> Path:
    path = Path(env["R57_DUCKDB_PATH"])
    path.parent.mkdir(parents=True)
    duckdb.connect(str(path)).close()
    return path


def test_a_load_waits_for_sessions_open_at_its_start_and_during_dbt_start_up(tmp_path):
    """A session open when the load starts (ingest waits), then one opened while dbt starts up (dbt waits):
    both released a few seconds after the load says it waits; the load succeeds, one line per wait."""
    env = _environment(tmp_path, wait_seconds=300)
    path = _empty_warehouse(env)
    at_start = Reader(path)
    during_dbt = None
    load = _start(env, "agency_submissions,warehouse_models")
    log = []
    try:
        for line in load.stdout:
            log.append(line)
            if " is locked by " in line and "agency_submissions" in line:
                time.sleep(2)
                at_start.release()
            if "warehouse_models" in line and "STEP_START" in line:
                during_dbt = Reader(path)  # dbt connects only after its start-up (seconds): the file is taken first
            if during_dbt and " is locked by " in line and "warehouse_models" in line:
                time.sleep(2)
                during_dbt.release()
        assert load.wait(timeout=600) == 0, "".join(log[-60:])
    finally:
        _stop(load)
        for reader in (at_start, during_dbt):
            if reader:
                reader.kill()
    instance = _instance(env)
    [run] = instance.get_runs()
    assert run.status == DagsterRunStatus.SUCCESS
    waits = _lock_lines(instance, run.run_id)
    assert [step for step, _ in waits] == ["agency_submissions", "warehouse_models"], waits
    for (_, message), reader in zip(waits, (at_start, during_dbt)):
        found = WAITING.fullmatch(message)
        assert found, message
        assert found["path"] == str(path) and found["limit"] == "300"
        assert found["holder"].startswith(f"PID {reader.pid} (") and "duckdb.connect(" in found["holder"]
    con = duckdb.connect(str(path), read_only=True)
    try:  # dbt built the marts once it had the file
        assert con.execute("SELECT count(*) FROM marts.dim_agency").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM marts.fct_task_status").fetchone()[0] > 0
    finally:
        con.close()


def test_a_session_that_never_closes_fails_the_dbt_step_with_one_line_after_the_limit(tmp_path):
    env = _environment(tmp_path, wait_seconds=4, inbox_files=("HA_NOI__task_summary__2025-12-15.csv",))
    path = _empty_warehouse(env)
    reader = None
    load = _start(env, "agency_submissions,warehouse_models")
    log = []
    try:
        for line in load.stdout:
            log.append(line)
            if reader is None and "warehouse_models" in line and "STEP_START" in line:
                reader = Reader(path)
        assert load.wait(timeout=600) != 0
    finally:
        _stop(load)
        if reader:
            reader.kill()
    assert reader is not None, "".join(log[-60:])
    instance = _instance(env)
    [run] = instance.get_runs()
    assert run.status == DagsterRunStatus.FAILURE
    [(step, waiting)] = _lock_lines(instance, run.run_id)
    assert step == "warehouse_models" and WAITING.fullmatch(waiting)["limit"] == "4"
    [failure] = instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_FAILURE)
    assert failure.step_key == "warehouse_models"
    error = failure.dagster_event.step_failure_data.error
    while error.cause is not None and "WarehouseLocked" not in error.cls_name:
        error = error.cause
    assert error.cls_name == "WarehouseLocked"
    line = error.message.split(": ", 1)[1].strip()  # "pipelines.warehouse.WarehouseLocked: <the line>"
    assert "\n" not in line
    found = GAVE_UP.fullmatch(line)
    assert found, line
    assert found["path"] == str(path) and found["holder"].startswith(f"PID {reader.pid} (") and found["limit"] == "4"
    # it gave up only after the limit
    [started] = [e.timestamp for e in instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_START)
                 if e.step_key == "warehouse_models"]
    assert failure.timestamp - started >= 4


def test_two_loads_started_together_run_one_after_the_other(tmp_path):
    """Two `dagster job execute` at once: the second waits for the first's run lock, then runs.
    (A session keeps the first inside its ingest step until the second is waiting, so they surely overlap.)"""
    files = ("HA_NOI__task_summary__2025-12-15.csv", "HA_NOI__task_status__2025-12-15.csv")
    env = _environment(tmp_path, wait_seconds=300, inbox_files=files)
    path = _empty_warehouse(env)
    session = Reader(path)
    first_log = tmp_path / "first.log"
    with first_log.open("w") as out:
        first_load = subprocess.Popen(_load_command("agency_submissions"), cwd=PROJECT, env=env, stdout=out,
                                      stderr=subprocess.STDOUT, start_new_session=True)
    second_load = None
    try:
        deadline = time.monotonic() + 300
        while " is locked by " not in first_log.read_text():
            assert first_load.poll() is None and time.monotonic() < deadline, first_log.read_text()[-4000:]
            time.sleep(0.5)
        second_load = _start(env, "agency_submissions")
        second_log = []
        for line in second_load.stdout:
            second_log.append(line)
            if " is locked by run " in line:
                session.release()
        assert second_load.wait(timeout=600) == 0, "".join(second_log[-60:])
        assert first_load.wait(timeout=600) == 0, first_log.read_text()[-4000:]
    finally:
        session.kill()
        for load in (first_load, second_load):
            _stop(load)
    instance = _instance(env)
    runs = instance.get_runs()
    assert [r.status for r in runs] == [DagsterRunStatus.SUCCESS] * 2
    waits = {r.run_id: _lock_lines(instance, r.run_id) for r in runs}
    [first] = [r for r in runs if " is locked by PID " in "".join(m for _, m in waits[r.run_id])]
    [second] = [r for r in runs if r is not first]
    assert [step for step, _ in waits[first.run_id]] == ["agency_submissions"]
    # the second waited for the first's run lock, said so once, naming that run
    [(_, message)] = waits[second.run_id]
    found = WAITING.fullmatch(message)
    assert found and found["limit"] == "300", message
    assert found["holder"].startswith(f"run {first.run_id} of {LOAD} (PID ")
    # and none of its steps started before the first's steps had all ended
    assert min(_step_times(instance, second.run_id, DagsterEventType.STEP_START)) >= \
        max(_step_times(instance, first.run_id, DagsterEventType.STEP_SUCCESS))
    con = duckdb.connect(env["R57_DUCKDB_PATH"], read_only=True)
    try:  # each file registered once (the inbox's and the two national reports): the second found them loaded
        registered = con.execute("SELECT file_name FROM audit.submissions").fetchall()
        assert len(registered) == len(set(registered)) == 4 and {(name,) for name in files} <= set(registered)
    finally:
        con.close()


def test_a_killed_run_is_marked_failed_and_the_queued_run_goes_ahead(tmp_path):
    """A run SIGKILLed mid-step stays STARTED; with one run at a time the queue would wait for it forever.
    The daemon's sensor run_hygiene marks it failed, saying why, and the queued run then runs."""
    env = _environment(tmp_path, wait_seconds=300, inbox_files=("HA_NOI__task_summary__2025-12-15.csv",))
    doomed = _start(env, "agency_submissions")
    # meanwhile, the next run is submitted through the instance: queued, as no daemon runs yet
    launch = subprocess.Popen([str(BIN / "dagster"), "job", "launch", "-m", "pipelines.definitions", "-j", LOAD,
                               "-o", "agency_submissions"], cwd=PROJECT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    log = []
    for line in doomed.stdout:
        log.append(line)
        if "agency_submissions" in line and "STEP_START" in line:
            os.killpg(doomed.pid, signal.SIGKILL)
            break
    doomed.stdout.close()
    assert doomed.wait(timeout=60) == -signal.SIGKILL, "".join(log[-40:])
    launched = launch.communicate(timeout=300)[0]
    assert launch.returncode == 0, launched[-3000:]
    instance = _instance(env)
    [dead] = [r for r in instance.get_runs() if r.status == DagsterRunStatus.STARTED]
    [queued] = [r for r in instance.get_runs() if r.run_id != dead.run_id]
    assert queued.status == DagsterRunStatus.QUEUED

    daemon_log = (tmp_path / "daemon.log").open("w")
    daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-m", "pipelines.definitions"], cwd=PROJECT, env=env,
                              stdout=daemon_log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not instance.get_run_by_id(queued.run_id).is_finished:
            time.sleep(1)
    finally:
        os.killpg(daemon.pid, signal.SIGKILL)  # the daemon, its code server and any run it launched
        daemon.wait()
        daemon_log.close()
    assert instance.get_run_by_id(queued.run_id).status == DagsterRunStatus.SUCCESS, \
        (tmp_path / "daemon.log").read_text()[-4000:]
    assert instance.get_run_by_id(dead.run_id).status == DagsterRunStatus.FAILURE
    [failure] = instance.all_logs(dead.run_id, of_type=DagsterEventType.RUN_FAILURE)
    assert failure.message.startswith(f"run {dead.run_id} ({LOAD}) marked failed: its process (PID {doomed.pid}, started ")
    assert "no longer exists (killed, or the machine restarted)" in failure.message
    # the dead run was failed before the queued run started
    [started] = _step_times(instance, queued.run_id, DagsterEventType.RUN_START)
    assert failure.timestamp <= started


def test_a_run_s_process_counts_as_alive_only_while_it_is_that_process():
    """run_hygiene's test of a run's PID: gone, a zombie, or a later process reusing the PID all count as dead."""
    from pipelines.run_hygiene import process_alive_since

    now = time.time()
    assert process_alive_since(os.getpid(), now)
    # the same PID, but the run started long before this process did: the PID was reused
    assert not process_alive_since(os.getpid(), now - 365 * 24 * 3600)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while Path(f"/proc/{child.pid}/stat").read_text().split(") ")[1][0] != "Z" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_alive_since(child.pid, now + 60)  # exited, not yet reaped: a zombie
    child.wait()
    assert not process_alive_since(child.pid, now + 60)  # gone
