"""Where things live. Every path comes from the environment, with defaults that work in a clone.

R57_HOME           project root (default: the folder above this package)
R57_WAREHOUSE_DIR  generated output: DuckDB file, archive, reports (default: <home>/warehouse)
R57_DUCKDB_PATH    the warehouse database (default: <warehouse>/r57.duckdb); dbt's profile reads it too
R57_INBOX_DIR      folder scanned for agency submissions (default: <home>/sources/samples)
R57_RULES_DIR      rule catalogue (default: <home>/expectations/rules)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    home: Path
    warehouse_dir: Path
    duckdb_path: Path
    inbox_dir: Path

    @property
    def archive_dir(self) -> Path:
        return self.warehouse_dir / "archive"

    @property
    def reports_dir(self) -> Path:
        return self.warehouse_dir / "reports"

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
    def rules_dir(self) -> Path:
        return Path(os.environ.get("R57_RULES_DIR", self.home / "expectations" / "rules"))

    @property
    def suites_dir(self) -> Path:
        return self.home / "expectations" / "suites"

    @property
    def dbt_project_dir(self) -> Path:
        return self.home / "dbt_project"


def load_settings() -> Settings:
    home = Path(os.environ.get("R57_HOME", PROJECT_ROOT)).resolve()
    warehouse = Path(os.environ.get("R57_WAREHOUSE_DIR", home / "warehouse")).resolve()
    return Settings(
        home=home,
        warehouse_dir=warehouse,
        duckdb_path=Path(os.environ.get("R57_DUCKDB_PATH", warehouse / "r57.duckdb")).resolve(),
        inbox_dir=Path(os.environ.get("R57_INBOX_DIR", home / "sources" / "samples")).resolve(),
    )
