"""The build state: what the marts, findings and report were last built from, so a run with nothing new ends early.

The fingerprint covers everything those outputs depend on: the files registered (audit.submissions:
id, digest and verdict, which is also what decides the files in force and the quarantine the report
shows) and the files that shape the build: the rule catalogue, the contracts and reference data,
the dbt project, the GX suites and the pipeline's own code. The file part is read when the
definitions load (build_definitions), the moment the rule catalogue and the suites are read, so a
rule edited during a run is not recorded as built.

audit.build_state (DDL in pipelines/warehouse.py) holds one row. The transform step marks it `building` with the new fingerprint
before dbt starts; the report step, the last of the build, marks it `built`. A run that fails or is
killed anywhere in between leaves `building`, which never matches: the next run builds again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.settings import Settings


# dbt's own output and logs are results, not inputs; compiled Python is a copy of the sources.
IGNORED_PARTS = {"target", "logs", "dbt_packages", "__pycache__", ".user.yml"}


@dataclass(frozen=True)
class Recorded:
    fingerprint: str
    status: str
    run_id: str
    started_at: datetime
    built_at: datetime | None


def _tree_files(folder: Path, patterns: tuple[str, ...]) -> list[tuple[str, Path]]:
    """(path relative to the folder, path) of the files matching, sorted; dbt's output and caches left out."""
    if not folder.is_dir():
        return []
    found = {p for pattern in patterns for p in folder.rglob(pattern)}
    return sorted((p.relative_to(folder).as_posix(), p) for p in found
                  if p.is_file() and not IGNORED_PARTS & set(p.relative_to(folder).parts))


def build_inputs(settings: Settings) -> dict[str, list[tuple[str, Path]]]:
    """Every file besides the registered submissions that the marts, findings or report are built from, by role."""
    package = Path(__file__).resolve().parent
    return {
        "rules": _tree_files(settings.rules_dir, ("*.yml", "*.yaml")),
        "contracts": _tree_files(settings.contracts_dir, ("*.yml",)),
        "reference": _tree_files(settings.reference_dir, ("*.csv",)),
        "suites": _tree_files(settings.suites_dir, ("*.yml", "*.yaml")),
        "dbt": _tree_files(settings.dbt_project_dir, ("*.sql", "*.yml", "*.yaml", "*.csv", "*.py")),
        "code": _tree_files(package, ("*",)),  # the engine, the report and its templates
    }


def files_digest(settings: Settings) -> str:
    """One digest of the build's input files: their role, path within their folder and bytes."""
    digest = hashlib.sha256()
    for role, paths in build_inputs(settings).items():
        for rel, path in paths:
            data = path.read_bytes()
            digest.update(f"{role}\0{rel}\0{len(data)}\0".encode())
            digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def fingerprint(con: duckdb.DuckDBPyConnection, files: str) -> str:
    """The build's fingerprint: the input files' digest and every registered submission (set-based, in SQL)."""
    (registered,) = con.execute(
        "SELECT count(*) || ':' || coalesce(md5(string_agg(submission_id || ':' || sha256 || ':' || status, ',' "
        "ORDER BY submission_id)), '') FROM audit.submissions").fetchone()
    return hashlib.sha256(f"{files}\0{registered}".encode()).hexdigest()


def recorded(con: duckdb.DuckDBPyConnection) -> Recorded | None:
    row = con.execute("SELECT fingerprint, status, run_id, started_at, built_at FROM audit.build_state").fetchone()
    return Recorded(*row) if row else None


def unchanged_since(con: duckdb.DuckDBPyConnection, current: str) -> Recorded | None:
    """The last complete build, if it was built from exactly these inputs; else None (build again)."""
    last = recorded(con)
    return last if last and last.status == "built" and last.fingerprint == current else None


def mark_building(con: duckdb.DuckDBPyConnection, current: str, run_id: str) -> None:
    """Before anything is rebuilt: from here until mark_built, the recorded state matches no input."""
    con.execute("DELETE FROM audit.build_state")
    con.execute("INSERT INTO audit.build_state VALUES (true, ?, 'building', ?, ?, NULL)", [current, run_id, datetime.now()])


def mark_built(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """After the last step of a build this run started; False when this run started none (a partial selection)."""
    done = con.execute(
        "UPDATE audit.build_state SET status = 'built', built_at = ? WHERE run_id = ? AND status = 'building' RETURNING 1",
        [datetime.now(), run_id]).fetchall()
    return bool(done)


def unchanged_line(last: Recorded) -> str:
    return (f"nothing changed since run {last.run_id} (built {last.built_at:%Y-%m-%d %H:%M:%S}): no new or changed file, "
            "rule, contract, reference, dbt model, suite or code; dbt not started, rules, GX and report skipped")
