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

The same row keeps what the marts were last built from whole (marts_inputs: the digest of every file
of the roles in FULL_REFRESH_ROLES). The large facts are incremental by reporting date
(dbt_project/macros/incremental_by_reporting_date.sql): a run recomputes only the dates whose
submissions changed. Those files can change rows of any date, so when one differs from what
marts_inputs records, the transform step runs `dbt build --full-refresh` and says which files.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.quality.history import register_path
from pipelines.settings import Settings


# dbt's own output and logs are results, not inputs; compiled Python is a copy of the sources.
IGNORED_PARTS = {"target", "logs", "dbt_packages", "__pycache__", ".user.yml"}
# Inputs that are not submissions and shape rows of every reporting date of the incremental facts: a
# change to one of them is built with `dbt build --full-refresh` (rules and suites do not feed dbt;
# the pipeline's code shapes how files are loaded, not the rows already loaded).
FULL_REFRESH_ROLES = ("contracts", "reference", "documents", "dbt")
# How many changed files the full-refresh line names.
NAMED_FILES = 5


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
        # read by dbt straight from the repository: the report texts and the reviewed figure pairs
        "documents": (_tree_files(settings.sources_dir / "reports", ("*.txt",))
                      + _tree_files(settings.sources_dir / "published_figures" / "reviews", ("*.csv",))),
        "suites": _tree_files(settings.suites_dir, ("*.yml", "*.yaml")),
        # the auditors' reviews (pipelines/quality/history.py): a changed register is a build, not a no-op
        "register": [(p.name, p) for p in [register_path(settings.rules_dir)] if p.is_file()],
        "dbt": _tree_files(settings.dbt_project_dir, ("*.sql", "*.yml", "*.yaml", "*.csv", "*.py")),
        "code": _tree_files(package, ("*",)),  # the engine, the report and its templates
    }


def file_digests(settings: Settings, roles: tuple[str, ...] | None = None) -> dict[str, str]:
    """"role/path within its folder" -> sha256 of the bytes, for the build's input files (of these roles)."""
    return {f"{role}/{rel}": hashlib.sha256(path.read_bytes()).hexdigest()
            for role, paths in build_inputs(settings).items() if roles is None or role in roles
            for rel, path in paths}


def files_digest(settings: Settings) -> str:
    """One digest of the build's input files: their role, path within their folder and bytes."""
    return hashlib.sha256(json.dumps(file_digests(settings), sort_keys=True).encode()).hexdigest()


def marts_inputs(settings: Settings) -> dict[str, str]:
    """The files whose change makes the next dbt build a full refresh (FULL_REFRESH_ROLES), with their digests."""
    return file_digests(settings, FULL_REFRESH_ROLES)


def full_refresh_reason(con: duckdb.DuckDBPyConnection, current: dict[str, str]) -> str | None:
    """Why the marts must be rebuilt whole (a changed file of FULL_REFRESH_ROLES, or no whole build recorded); None if not."""
    row = con.execute("SELECT marts_inputs FROM audit.build_state").fetchone()
    if row is None or row[0] is None:
        return "no full build of the marts is recorded in this warehouse yet"
    built = json.loads(row[0])
    changed = sorted(name for name in current.keys() | built.keys() if current.get(name) != built.get(name))
    if not changed:
        return None
    more = f" and {len(changed) - NAMED_FILES} more" if len(changed) > NAMED_FILES else ""
    return (f"changed since the marts were last built whole: {', '.join(changed[:NAMED_FILES])}{more} "
            "(these can change rows of any reporting date)")


def record_marts_inputs(con: duckdb.DuckDBPyConnection, current: dict[str, str]) -> None:
    """After a whole `dbt build --full-refresh` succeeded: the files the marts are now built from."""
    con.execute("UPDATE audit.build_state SET marts_inputs = ?", [json.dumps(current, sort_keys=True)])


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


def mark_building(con: duckdb.DuckDBPyConnection, current: str, run_id: str, full_refresh: bool = False) -> None:
    """Before anything is rebuilt: from here until mark_built, the recorded state matches no input (marts_inputs kept).

    full_refresh: this build rebuilds the marts whole; the rules step reads it (quality/incremental.py) and
    re-evaluates everything too."""
    con.execute("INSERT INTO audit.build_state (one_row, fingerprint, status, run_id, started_at, built_at, full_refresh) "
                "VALUES (true, ?, 'building', ?, ?, NULL, ?) ON CONFLICT (one_row) DO UPDATE SET "
                "fingerprint = excluded.fingerprint, status = excluded.status, run_id = excluded.run_id, "
                "started_at = excluded.started_at, built_at = NULL, full_refresh = excluded.full_refresh",
                [current, run_id, datetime.now(), full_refresh])


def mark_built(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """After the last step of a build this run started; False when this run started none (a partial selection)."""
    done = con.execute(
        "UPDATE audit.build_state SET status = 'built', built_at = ? WHERE run_id = ? AND status = 'building' RETURNING 1",
        [datetime.now(), run_id]).fetchall()
    return bool(done)


def unchanged_line(last: Recorded) -> str:
    return (f"nothing changed since run {last.run_id} (built {last.built_at:%Y-%m-%d %H:%M:%S}): no new or changed file, "
            "rule, contract, reference, dbt model, suite or code; dbt not started, rules, GX and report skipped")
