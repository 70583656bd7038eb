"""Every knob of the pipeline, in one typed object: the only reader of the environment in pipelines/.

Each field is read from the variable R57_<FIELD NAME> (R57_HOME, R57_DUCKDB_PATH, ...), with a
default that works in a clone; a path left unset is derived from the fields above it. Everything
else receives a Settings: the Dagster resources are built from one when the definitions load
(pipelines/definitions.py), the loader and the lock take their limits from it, and dbt gets its
paths and lock wait as `--vars` from the resource (dbt_vars()), never from the parent's environment.

| variable | default |
|---|---|
| R57_HOME | the folder above this package |
| R57_WAREHOUSE_DIR | <home>/warehouse (DuckDB file, archive, reports) |
| R57_DUCKDB_PATH | <warehouse_dir>/r57.duckdb |
| R57_INBOX_DIR | <home>/sources/samples (folder scanned for agency files) |
| R57_RULES_DIR | <home>/expectations/rules (rule catalogue) |
| R57_LOCK_WAIT_SECONDS | 300 (how long any step, dbt included, waits for a held warehouse) |
| R57_MAX_FILE_BYTES | 52428800 (pipelines/ingest/limits.py; a larger file is refused unread) |
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipelines.ingest.limits import MAX_FILE_BYTES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "R57_"

# path field -> (field it derives from, relative path); in this order, so each base is known first
DERIVED = {
    "warehouse_dir": ("home", "warehouse"),
    "duckdb_path": ("warehouse_dir", "r57.duckdb"),
    "inbox_dir": ("home", "sources/samples"),
    "rules_dir": ("home", "expectations/rules"),
}


class Settings(BaseSettings):
    """Where things live and how long to wait; frozen, so a run cannot change what another step sees."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    home: Path = PROJECT_ROOT
    warehouse_dir: Path = Field(default=None, validate_default=False)
    duckdb_path: Path = Field(default=None, validate_default=False)
    inbox_dir: Path = Field(default=None, validate_default=False)
    rules_dir: Path = Field(default=None, validate_default=False)
    lock_wait_seconds: float = Field(default=300.0, ge=0)
    max_file_bytes: int = Field(default=MAX_FILE_BYTES, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _derive_paths(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        values = dict(values)
        home = Path(values.get("home") or PROJECT_ROOT).resolve()
        values["home"] = home
        for field, (base, relative) in DERIVED.items():
            given = values.get(field)
            # an empty variable means "not set", as it did when the paths were read by hand
            values[field] = Path(given).resolve() if given else Path(values[base]) / relative
        return values

    @classmethod
    def explicit(cls, **values: Any) -> "Settings":
        """These values and the defaults, the environment ignored (tests, tools that say every path)."""
        return _Explicit(**values)

    @property
    def archive_dir(self) -> Path:
        return self.warehouse_dir / "archive"

    @property
    def reports_dir(self) -> Path:
        return self.warehouse_dir / "reports"

    @property
    def analyst_path(self) -> Path:
        """The read-only analyst copy of the marts and audit tables (pipelines/publish.py)."""
        return self.warehouse_dir / "analyst.duckdb"

    @property
    def sources_dir(self) -> Path:
        return self.home / "sources"

    @property
    def contracts_dir(self) -> Path:
        return self.sources_dir / "contracts"

    @property
    def reference_dir(self) -> Path:
        return self.sources_dir / "reference"

    @property
    def suites_dir(self) -> Path:
        return self.home / "expectations" / "suites"

    @property
    def dbt_project_dir(self) -> Path:
        return self.home / "dbt_project"

    def dbt_vars(self) -> dict[str, str | float]:
        """What dbt reads of these settings (profiles.yml, dbt_project.yml, the models), given as `--vars`."""
        return {
            "duckdb_path": str(self.duckdb_path),
            "lock_wait_seconds": self.lock_wait_seconds,
            "project_dir": str(self.home),
            "reference_dir": str(self.reference_dir),
            "rules_dir": str(self.rules_dir),
        }


class _Explicit(Settings):
    """Settings from the arguments alone (Settings.explicit)."""

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, **environment_sources):
        return (init_settings,)


def load_settings() -> Settings:
    """The settings of this process: R57_* variables over the defaults."""
    return Settings()
