"""Dagster resources, configured from the environment (pipelines/settings.py) with defaults that work in a clone."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from dagster_dbt import DbtCliResource, DbtProject
from pydantic import PrivateAttr

from pipelines.run_hygiene import fail_dead_runs
from pipelines.settings import Settings, load_settings
from pipelines.warehouse import RunLock


class WarehouseResource(ConfigurableResource):
    """Where the warehouse and its inputs live; a run using it holds the warehouse's run lock from its first step to its last."""

    home: str
    warehouse_dir: str
    duckdb_path: str
    inbox_dir: str
    _run_lock: RunLock | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        run = context.instance.get_run_by_id(context.run_id) if context.instance and context.run_id else None
        if run is None or run.is_finished:
            # built outside a run, or `dagster job execute` rebuilding resources to read a finished run's outputs
            return
        fail_dead_runs(context.instance, log=context.log.warning)
        self._run_lock = RunLock(self.duckdb_path)
        self._run_lock.acquire(f"run {run.run_id} of {run.job_name}", log=context.log.warning)

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._run_lock is not None:
            self._run_lock.release()
            self._run_lock = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "WarehouseResource":
        return cls(home=str(settings.home), warehouse_dir=str(settings.warehouse_dir),
                   duckdb_path=str(settings.duckdb_path), inbox_dir=str(settings.inbox_dir))

    @property
    def settings(self) -> Settings:
        return Settings(home=Path(self.home), warehouse_dir=Path(self.warehouse_dir),
                        duckdb_path=Path(self.duckdb_path), inbox_dir=Path(self.inbox_dir))


def export_for_dbt(settings: Settings) -> None:
    """dbt runs as a subprocess and reads the same paths from its environment (profiles.yml, dbt_project.yml)."""
    os.environ["R57_HOME"] = str(settings.home)
    os.environ["R57_DUCKDB_PATH"] = str(settings.duckdb_path)


SETTINGS = load_settings()
export_for_dbt(SETTINGS)
DBT_PROJECT = DbtProject(project_dir=SETTINGS.dbt_project_dir, profiles_dir=SETTINGS.dbt_project_dir)


def dbt_resource() -> DbtCliResource:
    # The dbt of this interpreter's environment, whether or not the venv is on PATH.
    return DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=str(Path(sys.executable).parent / "dbt"))
