"""Dagster resources, built from one Settings (pipelines/settings.py) when the definitions load.

Nothing here runs at import: no environment read or written, no file touched.
"""

import json
import sys
from functools import cached_property
from importlib import metadata
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext, ResourceDependency
from dagster_dbt import DbtCliResource, DbtProject
from packaging import version
from pydantic import PrivateAttr

from pipelines.run_hygiene import fail_dead_runs, prune_dbt_targets
from pipelines.settings import Settings
from pipelines.warehouse import RunLock


class WarehouseResource(ConfigurableResource):
    """Where the warehouse and its inputs live; a run using it holds the warehouse's run lock from its first step to its last."""

    # the settings object itself (a plain resource dependency), not a copy of its fields
    settings: ResourceDependency[Settings]
    _run_lock: RunLock | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        run = context.instance.get_run_by_id(context.run_id) if context.instance and context.run_id else None
        if run is None or run.is_finished:
            # built outside a run, or `dagster job execute` rebuilding resources to read a finished run's outputs
            return
        fail_dead_runs(context.instance, log=context.log.warning)
        self._run_lock = RunLock(self.settings.duckdb_path)
        self._run_lock.acquire(f"run {run.run_id} of {run.job_name}", wait_seconds=self.settings.lock_wait_seconds,
                               log=context.log.warning)

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._run_lock is not None:
            self._run_lock.release()
            self._run_lock = None

    def dbt_args(self) -> list[str]:
        """dbt runs in its own process: the paths and the lock wait go on its command line (profiles.yml reads them)."""
        return ["--vars", json.dumps(self.settings.dbt_vars())]


def dbt_project(settings: Settings) -> DbtProject:
    return DbtProject(project_dir=settings.dbt_project_dir, profiles_dir=settings.dbt_project_dir)


class DbtCli(DbtCliResource):
    """dagster-dbt's resource without the two dbt start-ups it makes before each `dbt build`.

    Before running dbt, DbtCliResource.cli() runs `dbt --version` in a subprocess (to tell dbt-core
    from the fusion engine) and builds an in-process dbt adapter, used only by fetch_row_counts()
    and fetch_column_metadata(), which this project does not call: 5-8 s per run for nothing. The
    executable is this environment's own dbt, so its version is the installed dbt-core's. Both are
    private members of dagster-dbt (pinned in uv.lock); tests/test_noop_run.py fails if either is renamed.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None  # no in-process adapter: cli() runs without one (it guards its creation the same way)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        super().setup_for_execution(context)
        # each dbt invocation leaves a folder under target/ (pipelines/run_hygiene.py): the newest few are kept
        # where dagster-dbt puts them: target/ of the project (only pipelines/settings.py reads the environment,
        # and it sets no DBT_TARGET_PATH)
        removed = prune_dbt_targets(Path(self.project_dir) / "target")
        if removed and context.log:
            context.log.debug(f"removed {len(removed)} old dbt target folders")


def dbt_resource(project: DbtProject) -> DbtCliResource:
    # The dbt of this interpreter's environment, whether or not the venv is on PATH.
    return DbtCli(project_dir=project, dbt_executable=str(Path(sys.executable).parent / "dbt"))


def build_resources(settings: Settings, project: DbtProject) -> dict:
    return {"warehouse": WarehouseResource(settings=settings), "dbt": dbt_resource(project)}
