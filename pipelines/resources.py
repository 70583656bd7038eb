"""Dagster resources, configured from the environment (pipelines/settings.py) with defaults that work in a clone."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource, DbtProject

from pipelines.settings import Settings, load_settings


class WarehouseResource(ConfigurableResource):
    """Where the warehouse and its inputs live. Every writer of the DuckDB file goes through one run at a time."""

    home: str
    warehouse_dir: str
    duckdb_path: str
    inbox_dir: str

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
