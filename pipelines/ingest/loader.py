"""Load an inbox of agency files into the warehouse: register, archive, parse, then load or quarantine.

One file is one transaction: its registration, its rows or its quarantine report commit together,
so a killed load leaves no half-loaded submission. A file already registered (same sha256) is not
loaded again, which makes a re-run on the same inbox a no-op; one registered from the same path with
the same size, mtime and ctime is not even read or hashed again (any write changes the ctime).

Where the time goes is per file, not per row, so files are handled in sets: what audit.submissions
knows is read once per load (`Registry`); sets of files are read, hashed, archived and parsed in
worker processes, the files of one contract checked together (parsing.parse_many: one pass of the
checks for the set, each file judged on its own rows); one writer then commits file after file, in
the listed order, each in its own transaction. Bench: bench/bench_ingest.py (make bench-ingest).

What may cross the inbox, and how it is read, is `pipelines/ingest/inbox.py`: an entry that is not
a regular file (a link, a FIFO, a directory named like a submission) is registered as rejected,
unread and unarchived; a file that vanishes or changes while it is read is skipped with a logged
line (`LoadSummary.skipped`) and no record, so the next run loads it; a name is checked whole
(printable, at most 120 characters, then the pattern).
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import re
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import polars as pl
import pyarrow as pa

from pipelines.ingest.contracts import Contract, load_contracts
from pipelines.ingest.inbox import Entry, Unstable, archive_name, entry_for, list_inbox, name_problem, printable, read_stable
from pipelines.ingest.parsing import PROBLEM_SCHEMA, ParseResult, parse_many, problem
from pipelines.settings import Settings
from pipelines.warehouse import connect, ensure_tables

# Always used with fullmatch (`$` would let a trailing newline through); [0-9], not \d, which takes any script's digits.
FILE_NAME = re.compile(r"(?P<agency>[A-Z0-9_]+)__(?P<domain>[a-z_]+)__(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})\.(?P<ext>[A-Za-z0-9]+)")
NAME_RULE = "file name must be <AGENCY_CODE>__<domain>__<YYYY-MM-DD>.csv|xlsx, e.g. BKHCN__task_status__2025-12-15.csv"


@dataclass
class LoadSummary:
    seen: int = 0
    new: int = 0
    accepted: int = 0
    rejected: int = 0
    rows_loaded: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)  # one line per rejected file
    skipped: list[str] = field(default_factory=list)  # one line per file left for the next run (no record)

    def __add__(self, other: "LoadSummary") -> "LoadSummary":
        return LoadSummary(
            seen=self.seen + other.seen, new=self.new + other.new, accepted=self.accepted + other.accepted,
            rejected=self.rejected + other.rejected, rows_loaded={**self.rows_loaded, **other.rows_loaded},
            messages=self.messages + other.messages, skipped=self.skipped + other.skipped)


logger = logging.getLogger(__name__)


def discover(inbox: Path, log=None) -> list[Path]:
    """Every inbox entry the loader registers: regular files, and the entries it refuses with a record
    (links, FIFOs, directories named like submissions). READMEs, lock and hidden files are left out;
    a name starting with ".." is kept, to be rejected with a message, never skipped in silence."""
    return [e.path for e in list_inbox(inbox, log or logger.warning)]


def parse_name(file_name: str) -> re.Match | None:
    """The parts of a well-formed submission name (printable, not over-long, the whole pattern), or None."""
    return FILE_NAME.fullmatch(file_name) if name_problem(file_name) is None else None


def load_references(settings: Settings) -> dict:
    """Code sets the contracts' `reference` columns are checked against, plus each agency's validity."""
    ref = settings.reference_dir
    agencies = pl.read_csv(ref / "agencies.csv", infer_schema=False)
    current = agencies.filter(pl.col("valid_to").is_null())
    def codes(file: str, column: str) -> set[str]:
        return set(pl.read_csv(ref / file, infer_schema=False)[column].to_list())
    return {
        "agency": set(current["agency_code"].to_list()),
        "programme": codes("programmes.csv", "programme_code"),
        "block": codes("blocks.csv", "block_code"),
        "database": codes("databases.csv", "database_code"),
        "tech_group": codes("technology_groups.csv", "tech_group_code"),
        # domain -> [(period code, first day, last day, open?)]: files are accepted only for open periods
        "periods": pl.read_csv(ref / "reporting_periods.csv", infer_schema=False)
                     .group_by("domain").agg(pl.struct("period_code", "starts", "ends", "status").alias("periods"))
                     .pipe(lambda f: {r["domain"]: r["periods"] for r in f.to_dicts()}),
        "agency_validity": {
            r["agency_code"]: (r["valid_from"], r["valid_to"], r["successor_code"])
            for r in agencies.select("agency_code", "valid_from", "valid_to", "successor_code").to_dicts()
        },
    }


def _period_problem(domain: str, day: date, periods: list[dict]) -> str | None:
    """Why no file for this domain can be accepted at this date, or None (sources/reference/reporting_periods.csv)."""
    if day > date.today():
        return f"reporting date {day:%d/%m/%Y} is in the future"
    for p in periods:
        if p["starts"] <= day.isoformat() <= p["ends"]:
            if p["status"] != "open":
                return f"reporting period {p['period_code']} for {domain} is {p['status']}; it accepts no more files"
            return None
    open_ones = ", ".join(f"{p['period_code']} ({p['starts']} to {p['ends']})" for p in periods if p["status"] == "open")
    return f"no reporting period for {domain} contains {day:%d/%m/%Y} (open: {open_ones or 'none'})"


def _agency_problem(agency: str, day: date | None, validity: dict) -> str | None:
    """Why a file from this agency at this date cannot be accepted, or None."""
    if agency not in validity:
        return f"unknown agency code '{agency}' (see sources/reference/agencies.csv)"
    valid_from, valid_to, successor = validity[agency]
    if day is None:
        return None
    if valid_to and day.isoformat() > valid_to:
        merged = f"; it was merged into {successor}" if successor else ""
        return f"agency '{agency}' no longer existed on {day:%d/%m/%Y} (last day {valid_to}{merged}): send the file as {successor or 'its successor'}"
    if valid_from and day.isoformat() < valid_from:
        return f"agency '{agency}' did not exist yet on {day:%d/%m/%Y} (it exists from {valid_from})"
    return None


def archive(settings: Settings, data: bytes, sha256: str, file_name: str) -> Path:
    """Content-addressed copy of the raw bytes; written to a temp name and renamed, so never half-written."""
    target = settings.archive_dir / sha256[:2] / archive_name(sha256, file_name)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    return target


def _check_name(file_name: str, references: dict[str, set[str]], contracts: dict[str, Contract]):
    match = FILE_NAME.fullmatch(file_name)
    if not match:
        return None, problem(0, "(file name)", printable(file_name), NAME_RULE)
    agency, domain, day, ext = match["agency"], match["domain"], match["date"], match["ext"].lower()
    issues = []
    if domain not in contracts:
        issues.append(problem(0, "(file name)", domain, f"unknown submission domain '{domain}'; expected one of: {', '.join(sorted(contracts))}"))
    try:
        reporting_date = date.fromisoformat(day)
    except ValueError:
        reporting_date = None
        issues.append(problem(0, "(file name)", day, "reporting date in the file name is not a valid date"))
    why = _agency_problem(agency, reporting_date, references["agency_validity"])
    if why:
        issues.insert(0, problem(0, "(file name)", agency, why))
    if reporting_date and domain in contracts:
        why = _period_problem(domain, reporting_date, references["periods"].get(domain, []))
        if why:
            issues.append(problem(0, "(file name)", day, why))
    meta = {"agency_code": agency, "domain": domain, "reporting_date": reporting_date, "ext": ext}
    return meta, (pl.concat(issues) if issues else None)


def _register(con, row: dict) -> None:
    con.execute(
        """INSERT INTO audit.submissions (submission_id, file_name, agency_code, domain, reporting_date, version, sha256,
               size_bytes, received_at, archived_path, status, rows_loaded, problems_count, message, inbox_entry,
               file_mtime_ns, file_ctime_ns) VALUES (
               $submission_id, $file_name, $agency_code, $domain, $reporting_date, $version, $sha256, $size_bytes,
               $received_at, $archived_path, $status, $rows_loaded, $problems_count, $message,
               $inbox_entry, $file_mtime_ns, $file_ctime_ns)""",
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


def _refused_key(entry: Entry) -> str:
    """Identity of an entry refused unread: where it is and, for a link, what it names (hashed, never stored),
    so a re-run finds it registered and a link pointed elsewhere is a new record."""
    target = os.fsencode(os.readlink(entry.path)) if entry.kind == "symlink" else b""
    return hashlib.sha256(b"\0".join([b"refused", entry.kind.encode(), os.fsencode(entry.rel), target])).hexdigest()


def _entry_key(entry: Entry) -> str:
    """Where the entry is (its absolute path as bytes, hashed): with its size and times, how a registered file is known unread."""
    return hashlib.sha256(os.fsencode(os.path.abspath(entry.path))).hexdigest()


class Registry:
    """What audit.submissions says about files already received, read once per load instead of once per file
    (three indexed look-ups and a scan for the next version cost ~3 ms a file, 13 s over 4,339 files).

    Only this load writes the table while it runs (DuckDB lets one process hold the file read-write), so
    the snapshot stays true as long as every registration made here is added to it (`add`)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.unchanged: set[tuple] = set()
        self.ids: set[str] = set()
        self.versions: dict[tuple, int] = {}
        for submission_id, entry, size, mtime, ctime, agency, domain, day, version in con.execute(
                "SELECT submission_id, inbox_entry, size_bytes, file_mtime_ns, file_ctime_ns, agency_code, domain, "
                "reporting_date, version FROM audit.submissions").fetchall():
            self.ids.add(submission_id)
            if entry is not None:
                self.unchanged.add((entry, size, mtime, ctime))
            key = (agency, domain, day)
            self.versions[key] = max(self.versions.get(key, 0), version)

    @staticmethod
    def _stat_key(entry: Entry) -> tuple:
        return (_entry_key(entry), entry.stat.st_size, entry.stat.st_mtime_ns, entry.stat.st_ctime_ns)

    def registered_unchanged(self, entry: Entry) -> bool:
        """The very entry registered before, with the same size, mtime and ctime: its bytes are not read or hashed again."""
        return self._stat_key(entry) in self.unchanged

    def next_version(self, agency: str | None, domain: str | None, day: date | None) -> int:
        """1, 2, ... per agency, domain and reporting date (None counts as a value), in order received."""
        return self.versions.get((agency, domain, day), 0) + 1

    def add(self, row: dict, entry: Entry | None) -> None:
        self.ids.add(row["submission_id"])
        if entry is not None:
            self.unchanged.add(self._stat_key(entry))
        if "version" in row:
            key = (row["agency_code"], row["domain"], row["reporting_date"])
            self.versions[key] = max(self.versions.get(key, 0), row["version"])


@dataclass
class Prepared:
    """One inbox entry read, hashed, checked and parsed (in a worker thread), waiting for its transaction.
    status: new (to register), known (registered before, unread) or skipped (message: why)."""

    entry: Entry
    status: str
    message: str | None = None
    read_whole: bool = False  # its bytes were read (not refused, not over the size limit)
    row: dict = field(default_factory=dict)  # its audit.submissions row, but for the version and time received
    problems: pl.DataFrame | None = None
    result: ParseResult | None = None  # until described; then its rows, as written, are in `rows`
    rows: pa.Table | None = None  # an accepted file's rows in the raw table's columns (source_row first)
    domain: str | None = None
    data: bytes | None = None  # the bytes read, until archived
    sha256: str = ""
    size: int = 0
    meta: dict | None | bool = None  # what the name says (None: nothing usable); False: registered already, unparsed


def prepare(settings: Settings, entries: list[Entry], identify: Identify, references, contracts, max_bytes: int,
            registered: set[str]) -> list[Prepared]:
    """Everything about these entries that needs no warehouse write: read each once, hash, check its name, parse
    (the files of one contract together: parsing.parse_many), archive the raw bytes. Each file is judged as if it
    were alone; sets of entries are prepared in parallel (load_paths). registered: submission ids known already."""
    opened = [_opened(entry, identify, max_bytes, registered) for entry in entries]
    by_domain: dict[str, list[Prepared]] = {}
    for prepared in opened:
        if prepared.status == "new" and prepared.problems is None and prepared.data is not None:
            by_domain.setdefault(prepared.domain, []).append(prepared)
    for domain, batch in by_domain.items():
        results = parse_many([(p.data, p.meta["ext"], p.meta["reporting_date"]) for p in batch], contracts[domain], references)
        for prepared, result in zip(batch, results):
            prepared.result = result
            if not result.ok:
                prepared.problems = result.problems
    for prepared in opened:
        if prepared.status == "new" and "file_name" not in prepared.row and prepared.meta is not False:
            _described(settings, prepared, contracts)
    return opened


def _opened(entry: Entry, identify: Identify, max_bytes: int, registered: set[str]) -> Prepared:
    """The entry read once and hashed, and its name checked: what parsing and the record need."""
    # Stored and shown as itself unless a character is not printable (then escaped: \n, \udcXX).
    file_name = printable(entry.name)
    refusal = entry.refusal
    data = None
    try:
        if refusal is not None:
            sha256, size = _refused_key(entry), 0
        elif entry.stat.st_size > max_bytes:
            # Refused unread: the registration is keyed by name and size, and nothing is archived.
            size = entry.stat.st_size
            sha256 = hashlib.sha256(f"oversize:{file_name}:{size}".encode()).hexdigest()
        else:
            got = read_stable(entry, max_bytes)
            if isinstance(got, Unstable):
                return Prepared(entry, "skipped", f"{printable(entry.rel)}: {got.reason}; left for the next run")
            data, size = got, len(got)
            sha256 = hashlib.sha256(data).hexdigest()  # the very bytes that are parsed and archived
    except OSError as exc:  # a link removed before it could be examined
        return Prepared(entry, "skipped", f"{printable(entry.rel)}: gone before it could be examined ({exc.strerror}); left for the next run")
    # Two agencies may send byte-identical files (same counts): the id covers the name as well, as bytes on
    # disk (the UTF-8 of the name for any name a person can type), so two names escaped alike stay apart.
    submission_id = hashlib.sha256(os.fsencode(entry.name) + b"\0" + sha256.encode()).hexdigest()[:32]
    prepared = Prepared(entry, "new", read_whole=data is not None, row={"submission_id": submission_id},
                        data=data, sha256=sha256, size=size)
    if submission_id in registered:  # registered before this load: nothing to parse (write() says known)
        prepared.meta, prepared.data = False, None
        return prepared
    why = name_problem(entry.name)
    if why:
        meta, problems = None, problem(0, "(file name)", file_name, why)
    else:
        meta, problems = identify(entry.name)
    if refusal is not None:
        # Named, never read: the record says what the entry was; a name problem follows as a second problem.
        refused = problem(0, "(file)", entry.kind, refusal)
        problems = refused if problems is None else pl.concat([refused, problems])
    elif data is None:
        problems = problem(0, "(file)", str(size), f"file is {size} bytes, over the limit of {max_bytes} bytes; refused unread")
    prepared.meta, prepared.problems, prepared.domain = meta, problems, meta["domain"] if meta else None
    return prepared


def _described(settings: Settings, prepared: Prepared, contracts) -> None:
    """Archive the bytes and write the entry's record (all but its version and time received) and one line."""
    entry, data, meta, problems, result = prepared.entry, prepared.data, prepared.meta, prepared.problems, prepared.result
    file_name = printable(entry.name)
    archived = archive(settings, data, prepared.sha256, file_name) if data is not None else None
    status = "rejected" if problems is not None else "accepted"
    rows = 0 if result is None or result.frame is None or problems is not None else result.frame.height
    message = _one_line(file_name, problems) if problems is not None else f"{file_name}: {rows} rows loaded"
    if result is not None and result.ignored_columns and status == "accepted":
        message += f"; ignored columns: {', '.join(result.ignored_columns)}"
    if result is not None and status == "accepted":
        message += "".join(f"; {note}" for note in result.notes)
    prepared.row.update({
        "file_name": file_name,
        "agency_code": meta["agency_code"] if meta else None,
        "domain": meta["domain"] if meta else None,
        "reporting_date": meta["reporting_date"] if meta else None,
        "sha256": prepared.sha256, "size_bytes": prepared.size,
        "archived_path": str(archived.relative_to(settings.warehouse_dir)) if archived else None,
        "status": status, "rows_loaded": rows,
        "problems_count": problems.height if problems is not None else 0, "message": message,
        # only a file read whole is known again by its size and times; a refused entry is cheap to key again
        "inbox_entry": _entry_key(entry) if data is not None else None,
        "file_mtime_ns": entry.stat.st_mtime_ns if data is not None else None,
        "file_ctime_ns": entry.stat.st_ctime_ns if data is not None else None,
    })
    if status == "accepted":
        # Arrow crosses from a worker process at the cost of a copy, and the writer inserts it as it comes
        prepared.rows = result.frame.select("source_row", *contracts[meta["domain"]].output_columns()).to_arrow()
    prepared.data, prepared.result = None, None  # the bytes are archived; what is written is in row and rows


def write(con: duckdb.DuckDBPyConnection, prepared: Prepared, contracts, registry: Registry) -> tuple[str, str | None, int, str | None]:
    """Register one prepared entry and load its rows or its quarantine report, in one transaction.
    Returns (status, domain, rows loaded, message): status is accepted, rejected (message: the one
    line), known (registered before) or skipped (message: why it is left for a later run)."""
    if prepared.status in ("known", "skipped"):
        return prepared.status, None, 0, prepared.message
    entry, row = prepared.entry, dict(prepared.row)
    submission_id = row["submission_id"]
    if submission_id in registry.ids:  # before this load, or earlier in it (the same name and bytes twice)
        if prepared.read_whole:
            # the same bytes, touched or registered before sizes and times were kept: next time it is known unread
            con.execute("UPDATE audit.submissions SET inbox_entry = ?, file_mtime_ns = ?, file_ctime_ns = ? WHERE submission_id = ?",
                        [_entry_key(entry), entry.stat.st_mtime_ns, entry.stat.st_ctime_ns, submission_id])
            registry.add({"submission_id": submission_id}, entry)
        return "known", None, 0, None
    row["version"] = registry.next_version(row["agency_code"], row["domain"], row["reporting_date"])
    row["received_at"] = datetime.now()
    problems, status = prepared.problems, row["status"]
    con.execute("BEGIN TRANSACTION")
    try:
        _register(con, row)
        if problems is not None:
            _quarantine(con, submission_id, row["file_name"], problems)
        else:
            contract = contracts[prepared.domain]
            columns = ["source_row", *contract.output_columns()]
            # read by its name through DuckDB's scan of Python variables: registering and unregistering a view
            # cost 3 ms a file, more than inserting a small file's rows
            rows_batch = prepared.rows  # noqa: F841
            con.execute(f"INSERT INTO {contract.target_table} (submission_id, {', '.join(columns)}) "
                        "SELECT ?, * FROM rows_batch", [submission_id])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    registry.add(row, entry if prepared.read_whole else None)
    return status, prepared.domain, row["rows_loaded"], (row["message"] if status == "rejected" else None)


def load_inbox(settings: Settings, max_bytes: int | None = None, log=None) -> LoadSummary:
    """Load the agency files in the inbox (domains whose contract says submitted_by: agency)."""
    contracts = load_contracts(settings.contracts_dir)
    references = load_references(settings)
    agency_domains = {d: c for d, c in contracts.items() if c.submitted_by == "agency"}
    unlisted: list[str] = []  # sub-folders that could not be listed: nothing to record, a line to log

    def note(line: str) -> None:
        unlisted.append(line)
        (log or logger.warning)(f"skipped {line}")

    entries = list_inbox(settings.inbox_dir, note)
    # a partial of a module function, not a lambda: it goes to the worker processes
    summary = load_paths(settings, entries, partial(_check_name, references=references, contracts=agency_domains),
                         references, contracts, max_bytes, log)
    summary.skipped[:0] = unlisted
    return summary


def load_paths(settings: Settings, paths: list[Path | Entry], identify: Identify, references, contracts,
               max_bytes: int | None = None, log=None) -> LoadSummary:
    """Load these entries; one that cannot be read whole this run is skipped with a logged line.

    Entries are prepared (read, hashed, archived, parsed: `prepare`) in sets, by worker processes when there are
    many, a few sets ahead of the writer, and written one by one in their listed order (`write`: one transaction
    each, DuckDB's single writer), so versions and records come out as a one-by-one load makes them. An entry
    registered before with the same size and times is not prepared at all."""
    max_bytes = max_bytes or settings.max_file_bytes
    say = log or logger.warning
    summary = LoadSummary()
    with connect(settings.duckdb_path, wait_seconds=settings.lock_wait_seconds, log=log) as con:
        ensure_tables(con, contracts)
        registry = Registry(con)
        entries: list[Entry | str] = []
        for item in paths:
            try:
                entries.append(item if isinstance(item, Entry) else entry_for(item))
            except OSError as exc:
                entries.append(f"{printable(str(item))}: gone before it could be examined ({exc.strerror}); left for the next run")

        def unread(entry: Entry | str) -> bool:
            """Known without a read (the same entry, size and times as registered), or gone: nothing to prepare."""
            return isinstance(entry, str) or (entry.refusal is None and entry.stat.st_size <= max_bytes
                                               and registry.registered_unchanged(entry))

        def size(entry: Entry) -> int:
            return 0 if entry.refusal else min(entry.stat.st_size, max_bytes)

        skip = [unread(e) for e in entries]
        to_read = [e for e, skipped in zip(entries, skip) if not skipped]
        prepared_ones = _prepared(settings, to_read, identify, references, contracts, max_bytes, set(registry.ids), size)
        for entry, skipped in zip(entries, skip):
            prepared = (entry if isinstance(entry, str) else Prepared(entry, "known")) if skipped else next(prepared_ones)
            summary.seen += 1
            if isinstance(prepared, str):
                status, message = "skipped", prepared
            else:
                status, domain, rows, message = write(con, prepared, contracts, registry)
            if status == "known":
                continue
            if status == "skipped":
                summary.skipped.append(message)
                say(f"skipped {message}")
                continue
            summary.new += 1
            if status == "accepted":
                summary.accepted += 1
                summary.rows_loaded[domain] = summary.rows_loaded.get(domain, 0) + rows
            else:
                summary.rejected += 1
                summary.messages.append(message)
    return summary


# Files prepared (and their rows checked) together: enough that the per-file cost of the checks is shared, few
# enough that the writer starts soon and a set's parsed rows stay small.
CHUNK_FILES, CHUNK_BYTES = 200, 8 * 1024 * 1024


def _chunks(entries: list, size: Callable) -> Iterator[list]:
    """Consecutive entries in sets of at most CHUNK_FILES files and CHUNK_BYTES bytes (a bigger file alone)."""
    chunk: list = []
    held = 0
    for entry in entries:
        need = size(entry)
        if chunk and (len(chunk) >= CHUNK_FILES or held + need > CHUNK_BYTES):
            yield chunk
            chunk, held = [], 0
        chunk.append(entry)
        held += need
    if chunk:
        yield chunk


# Preparing is CPU work under Python's GIL for a good part (building the checks, reading XLSX): worker threads
# would starve the writer, whose every statement waits for the GIL again (measured: a commit took 14 ms beside
# one busy thread, 1.8 ms alone). So sets of files are prepared in worker processes, as many as there are cores
# (at most 2: the writer needs one too), while this process writes; a load with few files to read
# prepares them here: starting workers (importing polars, DuckDB, openpyxl) costs 2-3 s on a busy machine, more
# than they save below ~1,000 files (measured: 659 files 6 s here, 10 s with workers; 4,339 files 58 s, 48 s).
PREPARE_PROCESSES = max(1, min(2, os.cpu_count() or 1))
PROCESS_MIN_FILES = 1000
# Bytes of files being prepared at once: a parsed file takes several times its size, so big files go one by one.
PREPARE_BYTES = 64 * 1024 * 1024


def _prepared(settings: Settings, entries: list[Entry], identify: Identify, references, contracts, max_bytes: int,
              registered: set[str], size: Callable) -> Iterator[Prepared]:
    """prepare() for every entry, yielded in order: in sets (`_chunks`), in worker processes when there are many."""
    chunks = list(_chunks(entries, size))
    if len(entries) < PROCESS_MIN_FILES or PREPARE_PROCESSES < 2:
        for chunk in chunks:
            yield from prepare(settings, chunk, identify, references, contracts, max_bytes, registered)
        return
    # spawned, not forked: a fork of a process running threads (Dagster's, polars', DuckDB's) can inherit a held lock
    with ProcessPoolExecutor(PREPARE_PROCESSES, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: deque = deque()
        held = 0
        for chunk in chunks:
            need = sum(map(size, chunk))
            while pending and (len(pending) >= 2 * PREPARE_PROCESSES or held + need > PREPARE_BYTES):
                done, took = pending.popleft()
                held -= took
                yield from done.result()
            pending.append((pool.submit(prepare, settings, chunk, identify, references, contracts, max_bytes, registered), need))
            held += need
        while pending:
            yield from pending.popleft()[0].result()
