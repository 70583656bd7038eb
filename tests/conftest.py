"""Test set-up: one private warehouse per test session, and one real pipeline run shared by the tests that need it.

Every test says its paths: the session's Settings (SESSION_SETTINGS) and any a test makes are built
with Settings.explicit(), which ignores R57_* variables (`make test` exports R57_WAREHOUSE_DIR), and
the definitions are built from them (build_definitions), so nothing depends on the environment at
import. Only DAGSTER_HOME is set, for Dagster's own instance. Start-up is slow here (dbt ~13 s, GX ~15 s, Dagster
~5 s), so the full pipeline runs twice per session (the second run proves idempotency), not per test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from pipelines.settings import Settings

PROJECT = Path(__file__).resolve().parent.parent
SESSION_DIR = Path(tempfile.mkdtemp(prefix="r57-tests-"))
SESSION_SETTINGS = Settings.explicit(home=PROJECT, warehouse_dir=SESSION_DIR / "warehouse")
os.environ["DAGSTER_HOME"] = str(SESSION_DIR / "dagster_home")
(SESSION_DIR / "dagster_home").mkdir(parents=True)
shutil.copy(PROJECT / "dagster.yaml", SESSION_DIR / "dagster_home" / "dagster.yaml")


VOLATILE_COLUMNS = {"received_at", "run_at",  # when a file arrived, or a GX batch was validated, differs between two loads of the same files
                    "inbox_entry", "file_mtime_ns", "file_ctime_ns",  # where and when the file sat in its inbox (a copied inbox differs)
                    "run_id", "started_at", "built_at",  # which run built the warehouse (audit.build_state), and when
                    "evaluated_at", "first_seen_run_id",  # which run evaluated the rules, and when (quality/history.py)
                    "full_refresh"}  # whether that run's dbt step rebuilt the marts whole (a re-run after a kill may not)


def fingerprint(duckdb_path: Path) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent hash of every table in the warehouse (arrival times left out)."""
    import duckdb

    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' ORDER BY ALL").fetchall()
        out = {}
        for schema, table in tables:
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "ORDER BY ordinal_position", [schema, table]).fetchall() if c not in VOLATILE_COLUMNS]
            row = "struct_pack(" + ", ".join(f'"{c}" := t."{c}"' for c in columns) + ")"
            out[f"{schema}.{table}"] = tuple(con.execute(
                f"SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '') "
                f'FROM (SELECT md5(CAST({row} AS VARCHAR)) AS h FROM "{schema}"."{table}" AS t)').fetchall()[0])
        return out
    finally:
        con.close()


@pytest.fixture(scope="session")
def pipeline_runs():
    """The full_load job run twice on the shipped samples, with the warehouse fingerprinted after each run."""
    from dagster import DagsterInstance

    from pipelines.definitions import build_definitions

    defs = build_definitions(SESSION_SETTINGS)
    job = defs.resolve_job_def("full_load")
    with DagsterInstance.get() as instance:
        first = job.execute_in_process(instance=instance, raise_on_error=False)
        after_first = fingerprint(SESSION_SETTINGS.duckdb_path)
        second = job.execute_in_process(instance=instance, raise_on_error=False)
        after_second = fingerprint(SESSION_SETTINGS.duckdb_path)
    return {"first": first, "second": second, "after_first": after_first, "after_second": after_second,
            "settings": SESSION_SETTINGS, "defs": defs}


@pytest.fixture(scope="session")
def warehouse(pipeline_runs):
    """A read-only connection to the warehouse the pipeline built."""
    import duckdb

    con = duckdb.connect(str(pipeline_runs["settings"].duckdb_path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def run_full_load():
    """run(root, inbox, instance=None) -> (result, duckdb path): the full_load job on a private
    warehouse under root/wh reading inbox, from definitions built for those settings (dbt gets the
    path from the resource, so runs never leak into each other)."""
    from contextlib import nullcontext

    from dagster import DagsterInstance

    from pipelines.definitions import build_definitions

    def run(root: Path, inbox: Path, instance=None):
        settings = Settings.explicit(home=PROJECT, warehouse_dir=root / "wh", inbox_dir=inbox)
        with (nullcontext(instance) if instance else DagsterInstance.ephemeral()) as inst:
            result = build_definitions(settings).resolve_job_def("full_load").execute_in_process(
                instance=inst, raise_on_error=False)
        return result, settings.duckdb_path

    return run
