"""Load an inbox of agency files into the warehouse: register, archive, parse, then load or quarantine.

One file is one transaction: its registration, its rows or its quarantine report commit together,
so a killed load leaves no half-loaded submission. A file already registered (same sha256) is not
loaded again, which makes a re-run on the same inbox a no-op.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

import duckdb
import polars as pl

from pipelines.ingest.contracts import Contract, load_contracts
from pipelines.ingest.parsing import PROBLEM_SCHEMA, ParseResult, parse_submission, problem
from pipelines.settings import Settings
from pipelines.warehouse import connect, ensure_tables

FILE_NAME = re.compile(r"^(?P<agency>[A-Z0-9_]+)__(?P<domain>[a-z_]+)__(?P<date>\d{4}-\d{2}-\d{2})\.(?P<ext>[A-Za-z0-9]+)$")
DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass
class LoadSummary:
    seen: int = 0
    new: int = 0
    accepted: int = 0
    rejected: int = 0
    rows_loaded: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)  # one line per rejected file


def discover(inbox: Path) -> list[Path]:
    """Every regular file under the inbox, except hidden files and READMEs."""
    if not inbox.exists():
        return []
    return sorted(
        p for p in inbox.rglob("*")
        if p.is_file() and not p.name.startswith(".") and not p.name.lower().startswith("readme")
    )


def load_references(settings: Settings) -> dict[str, set[str]]:
    agencies = pl.read_csv(settings.reference_dir / "agencies.csv", infer_schema=False)
    current = agencies.filter(pl.col("valid_to").is_null())
    programmes = pl.read_csv(settings.reference_dir / "programmes.csv", infer_schema=False)
    return {
        "agency": set(current["agency_code"].to_list()),
        "programme": set(programmes["programme_code"].to_list()),
    }


def archive(settings: Settings, data: bytes, sha256: str, file_name: str) -> Path:
    """Content-addressed copy of the raw bytes; written to a temp name and renamed, so never half-written."""
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", file_name)
    target = settings.archive_dir / sha256[:2] / f"{sha256}__{safe_name}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    return target


def _check_name(file_name: str, references: dict[str, set[str]], contracts: dict[str, Contract]):
    match = FILE_NAME.match(file_name)
    if not match:
        return None, problem(
            0, "(file name)", file_name,
            "file name must be <AGENCY_CODE>__<domain>__<YYYY-MM-DD>.csv|xlsx, e.g. BKHCN__task_status__2025-12-15.csv",
        )
    agency, domain, day, ext = match["agency"], match["domain"], match["date"], match["ext"].lower()
    issues = []
    if agency not in references["agency"]:
        issues.append(problem(0, "(file name)", agency, f"unknown agency code '{agency}' (see sources/reference/agencies.csv)"))
    if domain not in contracts:
        issues.append(problem(0, "(file name)", domain, f"unknown submission domain '{domain}'; expected one of: {', '.join(sorted(contracts))}"))
    try:
        reporting_date = date.fromisoformat(day)
    except ValueError:
        reporting_date = None
        issues.append(problem(0, "(file name)", day, "reporting date in the file name is not a valid date"))
    meta = {"agency_code": agency, "domain": domain, "reporting_date": reporting_date, "ext": ext}
    return meta, (pl.concat(issues) if issues else None)


def _register(con, row: dict) -> None:
    con.execute(
        """INSERT INTO audit.submissions
           SELECT $submission_id, $file_name, $agency_code, $domain, $reporting_date,
                  coalesce(max(version), 0) + 1, $sha256, $size_bytes,
                  $received_at, $archived_path, $status, $rows_loaded, $problems_count, $message
           FROM audit.submissions
           WHERE agency_code IS NOT DISTINCT FROM $agency_code AND domain IS NOT DISTINCT FROM $domain
             AND reporting_date IS NOT DISTINCT FROM $reporting_date""",
        row,
    )


def _quarantine(con, submission_id: str, file_name: str, problems: pl.DataFrame) -> None:
    frame = problems.cast(PROBLEM_SCHEMA).select(
        pl.lit(submission_id).alias("submission_id"),
        pl.lit(file_name).alias("file_name"),
        pl.col("row").alias("source_row"),
        "field",
        "value",
        "reason",
    )
    con.register("_quarantine_batch", frame.to_arrow())
    con.execute("INSERT INTO audit.quarantine SELECT * FROM _quarantine_batch")
    con.unregister("_quarantine_batch")


def _one_line(file_name: str, problems: pl.DataFrame) -> str:
    first = problems.row(0, named=True)
    more = f" (+{problems.height - 1} more problems)" if problems.height > 1 else ""
    where = f"row {first['row']}" if first["row"] else "file"
    return f"{file_name}: {where}, field '{first['field']}': {first['reason']}{more}"


Identify = Callable[[str], tuple[dict | None, pl.DataFrame | None]]


def load_file(con: duckdb.DuckDBPyConnection, settings: Settings, path: Path, identify: Identify, references,
              contracts, max_bytes: int) -> tuple[str, str | None, int, str | None]:
    """Load one file. identify(file name) gives its agency, domain and date, or problems.
    Returns (status, domain, rows loaded, one-line message if rejected)."""
    file_name = path.name
    size = path.stat().st_size
    if size > max_bytes:
        # Refused unread: the registration is keyed by name and size, and nothing is archived.
        sha256 = hashlib.sha256(f"oversize:{file_name}:{size}".encode()).hexdigest()
        data = None
    else:
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
    # Two agencies may send byte-identical files (same counts): the id covers the name as well.
    submission_id = hashlib.sha256(f"{file_name}\0{sha256}".encode()).hexdigest()[:32]
    if con.execute("SELECT 1 FROM audit.submissions WHERE submission_id = ?", [submission_id]).fetchall():
        return "known", None, 0, None

    meta, problems = identify(file_name)
    result: ParseResult | None = None
    if data is None:
        problems = problem(0, "(file)", str(size), f"file is {size} bytes, over the limit of {max_bytes} bytes; refused unread")
    elif problems is None:
        result = parse_submission(data, meta["ext"], contracts[meta["domain"]], references)
        if not result.ok:
            problems = result.problems
    archived = archive(settings, data, sha256, file_name) if data is not None else None
    status = "rejected" if problems is not None else "accepted"
    rows = 0 if result is None or result.frame is None or problems is not None else result.frame.height
    message = _one_line(file_name, problems) if problems is not None else f"{file_name}: {rows} rows loaded"
    if result is not None and result.ignored_columns and status == "accepted":
        message += f"; ignored columns: {', '.join(result.ignored_columns)}"

    con.execute("BEGIN TRANSACTION")
    try:
        _register(con, {
            "submission_id": submission_id, "file_name": file_name,
            "agency_code": meta["agency_code"] if meta else None,
            "domain": meta["domain"] if meta else None,
            "reporting_date": meta["reporting_date"] if meta else None,
            "sha256": sha256, "size_bytes": size, "received_at": datetime.now(),
            "archived_path": str(archived.relative_to(settings.warehouse_dir)) if archived else None,
            "status": status, "rows_loaded": rows,
            "problems_count": problems.height if problems is not None else 0, "message": message,
        })
        if problems is not None:
            _quarantine(con, submission_id, file_name, problems)
        else:
            contract = contracts[meta["domain"]]
            frame = result.frame.with_columns(pl.lit(submission_id).alias("submission_id"))
            columns = ["submission_id", "source_row", *contract.output_columns()]
            con.register("_rows_batch", frame.select(columns).to_arrow())
            con.execute(f"INSERT INTO {contract.target_table} ({', '.join(columns)}) SELECT * FROM _rows_batch")
            con.unregister("_rows_batch")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return status, meta["domain"] if meta else None, rows, (message if status == "rejected" else None)


def load_inbox(settings: Settings, max_bytes: int | None = None) -> LoadSummary:
    """Load the agency files in the inbox (domains whose contract says submitted_by: agency)."""
    contracts = load_contracts(settings.contracts_dir)
    references = load_references(settings)
    agency_domains = {d: c for d, c in contracts.items() if c.submitted_by == "agency"}
    return load_paths(settings, discover(settings.inbox_dir),
                      lambda name: _check_name(name, references, agency_domains), references, contracts, max_bytes)


def load_paths(settings: Settings, paths: list[Path], identify: Identify, references, contracts,
               max_bytes: int | None = None) -> LoadSummary:
    max_bytes = max_bytes or int(os.environ.get("R57_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))
    summary = LoadSummary()
    with connect(settings.duckdb_path) as con:
        ensure_tables(con, contracts)
        for path in paths:
            summary.seen += 1
            status, domain, rows, message = load_file(con, settings, path, identify, references, contracts, max_bytes)
            if status == "known":
                continue
            summary.new += 1
            if status == "accepted":
                summary.accepted += 1
                summary.rows_loaded[domain] = summary.rows_loaded.get(domain, 0) + rows
            else:
                summary.rejected += 1
                summary.messages.append(message)
    return summary
