"""Settings: the R57_* variables map to typed fields with the documented defaults, importing the code
location reads no project file and no variable, and dbt writes where the resource says."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from pydantic import ValidationError

from pipelines.settings import Settings, load_settings

PROJECT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@pytest.fixture
def clean_environment(monkeypatch):
    """No R57_* variable, whatever the shell (or `make test`) exported."""
    import os

    for name in [n for n in os.environ if n.startswith("R57_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def test_defaults_work_in_a_clone(clean_environment):
    s = load_settings()
    assert (s.home, s.warehouse_dir, s.duckdb_path, s.inbox_dir, s.rules_dir) == (
        PROJECT, PROJECT / "warehouse", PROJECT / "warehouse" / "r57.duckdb",
        PROJECT / "sources" / "samples", PROJECT / "expectations" / "rules")
    assert (s.lock_wait_seconds, s.max_file_bytes) == (300.0, 52_428_800)


def test_each_variable_sets_its_field_and_unset_paths_follow_the_ones_above(clean_environment, tmp_path):
    env = clean_environment
    env.setenv("R57_HOME", str(tmp_path / "home"))
    s = load_settings()
    assert (s.warehouse_dir, s.duckdb_path, s.inbox_dir, s.rules_dir) == (
        tmp_path / "home" / "warehouse", tmp_path / "home" / "warehouse" / "r57.duckdb",
        tmp_path / "home" / "sources" / "samples", tmp_path / "home" / "expectations" / "rules")
    env.setenv("R57_WAREHOUSE_DIR", str(tmp_path / "wh"))
    assert load_settings().duckdb_path == tmp_path / "wh" / "r57.duckdb"
    for name, value in {"R57_DUCKDB_PATH": tmp_path / "db" / "x.duckdb", "R57_INBOX_DIR": tmp_path / "in",
                        "R57_RULES_DIR": tmp_path / "rules"}.items():
        env.setenv(name, str(value))
    env.setenv("R57_LOCK_WAIT_SECONDS", "2.5")
    env.setenv("R57_MAX_FILE_BYTES", "1000")
    s = load_settings()
    assert (s.duckdb_path, s.inbox_dir, s.rules_dir, s.lock_wait_seconds, s.max_file_bytes) == (
        tmp_path / "db" / "x.duckdb", tmp_path / "in", tmp_path / "rules", 2.5, 1000)
    # what dbt receives, in the names profiles.yml, dbt_project.yml and _models.yml read
    assert s.dbt_vars() == {"duckdb_path": str(tmp_path / "db" / "x.duckdb"), "lock_wait_seconds": 2.5,
                            "project_dir": str(tmp_path / "home"),
                            "reference_dir": str(tmp_path / "home" / "sources" / "reference"),
                            "rules_dir": str(tmp_path / "rules")}


@pytest.mark.parametrize("name, value, field", [
    ("R57_LOCK_WAIT_SECONDS", "soon", "lock_wait_seconds"),
    ("R57_LOCK_WAIT_SECONDS", "-1", "lock_wait_seconds"),
    ("R57_MAX_FILE_BYTES", "0", "max_file_bytes"),
])
def test_a_bad_value_is_refused_naming_the_setting(clean_environment, name, value, field):
    clean_environment.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        load_settings()
    assert [e["loc"] for e in refused.value.errors()] == [(field,)]


def test_explicit_settings_ignore_the_environment_and_are_frozen(clean_environment, tmp_path):
    clean_environment.setenv("R57_WAREHOUSE_DIR", str(tmp_path / "from-env"))
    clean_environment.setenv("R57_LOCK_WAIT_SECONDS", "1")
    s = Settings.explicit(inbox_dir=tmp_path / "in")
    assert (s.warehouse_dir, s.inbox_dir, s.lock_wait_seconds) == (PROJECT / "warehouse", tmp_path / "in", 300.0)
    with pytest.raises(ValidationError):
        s.inbox_dir = tmp_path  # a step cannot change what the next one sees
    with pytest.raises(ValidationError):
        Settings.explicit(inbox=tmp_path)  # a misspelt field is an error, not a silent default


def test_the_readme_lists_every_setting():
    section = PROJECT.joinpath("README.md").read_text(encoding="utf-8").split("## Configuration", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `(R57_[A-Z_]+)` \|", section, flags=re.MULTILINE))
    assert listed == {f"R57_{name.upper()}" for name in Settings.model_fields}


def test_no_module_but_settings_reads_the_environment():
    readers = sorted(str(p.relative_to(PROJECT)) for p in (PROJECT / "pipelines").rglob("*.py")
                     if re.search(r"\bos\.(environ|getenv|putenv|unsetenv)\b|\bgetenv\(", p.read_text(encoding="utf-8")))
    assert readers == []  # pipelines/settings.py reads it through pydantic-settings


IMPORT_PROBE = """
import importlib, json, os, pkgutil, sys
from pathlib import Path
project = Path(sys.argv[1])
opened = []
def hook(event, args):
    if event == "open" and isinstance(args[0], str):
        opened.append(args[0])
def ours():  # (polars sets its allocator's variable when imported: not ours to check)
    return {k: v for k, v in os.environ.items() if k.startswith("R57_")}
environment = ours()
sys.addaudithook(hook)
import pipelines
for module in pkgutil.walk_packages(pipelines.__path__, "pipelines."):
    if module.name != "pipelines.dbt_lock":  # a dbt-duckdb plugin: imported by dbt only
        importlib.import_module(module.name)
data = [p for p in opened if Path(p).resolve().is_relative_to(project)
        and not Path(p).resolve().is_relative_to(project / ".venv") and not p.endswith((".py", ".pyc"))
        and "__pycache__" not in Path(p).parts]  # (a stale module's bytecode is rewritten through a temporary file)
out = {"data_files_opened": data, "environment_changed": ours() != environment}
try:
    from pipelines.definitions import defs
    defs()
    out["error"] = None
except Exception as exc:
    out["error"] = f"{type(exc).__name__}: {exc}"
print(json.dumps(out))
"""


def test_importing_the_code_location_reads_nothing_and_a_bad_rules_folder_fails_only_when_it_is_built(tmp_path):
    missing = tmp_path / "no-rules-here"
    env = {"PATH": "/usr/bin:/bin", "DAGSTER_HOME": str(tmp_path), "R57_RULES_DIR": str(missing)}
    probe = subprocess.run([PYTHON, "-c", IMPORT_PROBE, str(PROJECT)], cwd=PROJECT, env=env,
                           capture_output=True, text=True, timeout=300)
    assert probe.returncode == 0, probe.stderr
    out = json.loads(probe.stdout.strip().splitlines()[-1])
    # every module of pipelines/ imported: no contract, catalogue, suite, manifest or CSV read, no variable set
    assert out["data_files_opened"] == [] and out["environment_changed"] is False
    assert out["error"] == (f"FileNotFoundError: rule catalogue {missing} (R57_RULES_DIR) is not a folder: "
                            "the quality assets cannot be built")


def _dbt_run(settings: Settings, model: str = "stg_reference__agencies") -> tuple[bool, list[str]]:
    from pipelines.definitions import build_definitions

    resources = build_definitions(settings).resources
    invocation = resources["dbt"].cli(["run", "--select", model, *resources["warehouse"].dbt_args()], raise_on_error=False)
    messages = [event.raw_event["info"]["msg"] for event in invocation.stream_raw_events()]
    return invocation.is_successful(), messages


def _views(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [name for (name,) in con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables ORDER BY 1").fetchall()]
    finally:
        con.close()


def test_dbt_writes_to_the_warehouse_of_the_settings_it_is_given_not_the_environment(tmp_path, monkeypatch):
    first = Settings.explicit(warehouse_dir=tmp_path / "first")
    second = Settings.explicit(warehouse_dir=tmp_path / "second")
    decoy = tmp_path / "decoy" / "r57.duckdb"
    monkeypatch.setenv("R57_DUCKDB_PATH", str(decoy))  # dbt's process inherits it: it must not matter
    for folder in (first.warehouse_dir, second.warehouse_dir, decoy.parent):
        folder.mkdir(parents=True)  # made by the ingest step in a run
    ok, messages = _dbt_run(first)
    assert ok, messages
    assert _views(first.duckdb_path) == ["staging.stg_reference__agencies"]
    assert not second.duckdb_path.exists() and not decoy.exists()
    ok, messages = _dbt_run(second)
    assert ok, messages
    assert _views(second.duckdb_path) == ["staging.stg_reference__agencies"]
    assert not decoy.exists()


def test_dbt_waits_as_long_as_the_settings_say(tmp_path):
    settings = Settings.explicit(warehouse_dir=tmp_path / "wh", lock_wait_seconds=1)
    settings.duckdb_path.parent.mkdir(parents=True)
    holder = subprocess.Popen([PYTHON, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(120)", str(settings.duckdb_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        ok, messages = _dbt_run(settings)
        took = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert not ok
    gave_up = [m for m in messages if "gave up after" in m]
    assert gave_up and f"warehouse {settings.duckdb_path} is locked by PID {holder.pid}" in gave_up[0]
    assert "gave up after 1 s (R57_LOCK_WAIT_SECONDS)" in gave_up[0], gave_up
    assert took < 150  # dbt's start-up and one second, not the default 300 s


def test_dbts_python_model_reads_the_rule_catalogue_of_the_settings(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "only.yml").write_text(
        "rules:\n  - {id: S-1, label: s, label_vi: nhãn, severity: error, kind: sum, bind: id, total: T1, parts: [P1, P2]}\n",
        encoding="utf-8")
    settings = Settings.explicit(warehouse_dir=tmp_path / "wh", rules_dir=tmp_path / "rules")
    settings.warehouse_dir.mkdir()
    ok, messages = _dbt_run(settings, "int_published_figures__rule_bindings")
    assert ok, messages
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        rows = con.execute("SELECT * FROM intermediate.int_published_figures__rule_bindings ORDER BY ALL").fetchall()
    finally:
        con.close()
    assert rows == [("S-1", "only.yml", "P1"), ("S-1", "only.yml", "P2"), ("S-1", "only.yml", "T1")]
