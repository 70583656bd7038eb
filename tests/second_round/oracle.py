"""An independent reading of the constraint table (expectations/README.md) over the round the generator writes.

The generator keeps, beside every file it writes, the logical records of that file (which row
says what, with the interval its written precision allows). This module evaluates the binding
constraints on those records and returns every violation. `generate()` compares the result with
the ground truth it wrote, so a planted fault that cascades into a second rule, or a
"consistent" case that is not, fails the generator itself, before any pipeline runs.

It is a check on the design of the round, not a second pipeline: it reads no files.
Intervals: a figure written with d decimals in unit u is value +- 0.5 * 10^-d u; a relation
fails only when no values inside the intervals satisfy it (exact=True: zero-width intervals,
the behaviour of a checker that ignores precision).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

IN_PROGRESS = {"IN_PROGRESS_ON_TIME", "IN_PROGRESS_OVERDUE"}
DONE = {"DONE_ON_TIME", "DONE_LATE"}
STAGE_ORDER = {"NOT_STARTED": 1, "IN_PROGRESS": 2, "PLATFORM_READY": 3, "CONNECTED": 4}


@dataclass(frozen=True)
class Violation:
    rule_id: str
    agency_code: str  # '' for a group finding that names no agency
    cites: frozenset  # (file name or document, row or None for the whole file / group)

    @property
    def files(self) -> set:
        return {f for f, _ in self.cites}

    def cites_row(self, file_name: str, row: int | None) -> bool:
        return any(f == file_name and (row is None or r is None or r == row) for f, r in self.cites)


def one(rule, agency, file_name, row=None) -> Violation:
    return Violation(rule, agency, frozenset([(file_name, row)]))


@dataclass
class TaskRow:
    sender: str
    day: date
    file_name: str
    row: int
    programme: str
    task_id: str
    lead: str
    co_agencies: list
    six: dict  # six-clear field -> value or None (deadline handled apart)
    assigned: date
    deadline: date | None
    status: str
    completion: date | None


@dataclass
class SummaryRow:
    sender: str
    day: date
    file_name: str
    row: int
    programme: str
    counts: dict  # total, recurring, completed, completed_on_time, completed_late, in_progress_on_time, in_progress_overdue


@dataclass
class BudgetRow:
    agency: str
    file_name: str
    row: int
    as_of: date
    year: int
    source: str
    nature: str
    field: str
    block: str
    level: str
    stage: str
    value: Decimal  # as written, in tỷ đồng
    half: Decimal  # half a unit of the last written decimal, in tỷ đồng

    def iv(self, exact=False):
        h = Decimal(0) if exact else self.half
        return self.value - h, self.value + h


@dataclass
class DbRow:
    sender: str
    day: date
    file_name: str
    row: int
    database: str
    stage: str
    funded: bool
    high_risk: bool
    reason: str | None


@dataclass
class IpRow:
    sender: str
    day: date  # reporting date of the file
    file_name: str
    row: int
    period_type: str
    month: date
    right: str
    origin: str
    group: str  # 'ALL' when empty
    received: int
    processed: int
    granted: int
    pending: int
    growth: Decimal | None
    growth_decimals: int = 0


@dataclass
class Round:
    tasks: list = field(default_factory=list)
    summaries: list = field(default_factory=list)
    budget: list = field(default_factory=list)
    db: list = field(default_factory=list)
    db_files: list = field(default_factory=list)  # (agency, day, file_name)
    ip: list = field(default_factory=list)
    ip_files: list = field(default_factory=list)  # (agency, day, file_name)


@dataclass
class Reference:
    current_agencies: set
    agency_kind: dict
    agency_block: dict  # '' when the registry gives none (provinces)
    successor: dict  # former code -> successor
    registry: dict  # database -> (programme, owner)


def meets(a, b) -> bool:
    return not (a[1] < b[0] or a[0] > b[1])


def _sum(ivs):
    return sum(i[0] for i in ivs), sum(i[1] for i in ivs)


def db_group_document(day: date) -> str:
    """The document a per-programme database count names (expectations/rules/database_readiness.yml)."""
    return f"database_status files of {day:%d/%m/%Y} and sources/reference/databases.csv"


# ---------------------------------------------------------------------------------------------- tasks
def task_violations(rnd: Round, ref: Reference) -> list[Violation]:
    out = []
    v = lambda rule, r, agency=None: out.append(one(rule, agency or r.lead, r.file_name, r.row))
    for r in rnd.tasks:
        d = r.day
        if r.status == "IN_PROGRESS_ON_TIME" and r.deadline and r.deadline < d:
            v("TS-ON-TIME-PAST-DEADLINE", r)
        if r.status == "IN_PROGRESS_OVERDUE" and r.deadline and r.deadline >= d:
            v("TS-OVERDUE-BEFORE-DEADLINE", r)
        if r.status in DONE and r.completion is None:
            v("TS-DONE-WITHOUT-DATE", r)
        if r.status in IN_PROGRESS and r.completion is not None:
            v("TS-IN-PROGRESS-WITH-COMPLETION", r)
        if r.status == "DONE_ON_TIME" and r.completion and r.deadline and r.completion > r.deadline:
            v("TS-DONE-ON-TIME-AFTER-DEADLINE", r)
        if r.status == "DONE_LATE" and r.completion and r.deadline and r.completion <= r.deadline:
            v("TS-DONE-LATE-BEFORE-DEADLINE", r)
        if r.completion and r.completion < r.assigned:
            v("TS-COMPLETED-BEFORE-ASSIGNED", r)
        if r.deadline and r.deadline < r.assigned:
            v("TS-DEADLINE-BEFORE-ASSIGNED", r)
        if r.status == "RECURRING" and r.deadline is not None:
            v("TS-RECURRING-WITH-DEADLINE", r)
        if any(x is None for x in r.six.values()) or (r.deadline is None and r.status != "RECURRING"):
            v("TS-SIX-CLEAR", r)
        if r.lead != r.sender:
            v("TS-NOT-LEAD-AGENCY", r, r.sender)
        if any(c not in ref.current_agencies or c == r.lead for c in r.co_agencies):
            v("TS-CO-AGENCY-UNKNOWN", r)
    by_key_day = defaultdict(list)
    for r in rnd.tasks:
        by_key_day[(r.programme, r.task_id, r.day)].append(r)
    for rows in by_key_day.values():
        if len({r.sender for r in rows}) > 1:
            for r in rows:
                if r.sender != r.lead:
                    v("TS-TASK-CONFLICT", r, r.sender)
    # time series: the lead's own rows, date after date
    series = defaultdict(list)
    for r in rnd.tasks:
        if r.sender == r.lead:
            series[(r.programme, r.task_id)].append(r)
    for rows in series.values():
        rows.sort(key=lambda r: r.day)
        for prev, cur in zip(rows, rows[1:]):
            if prev.status in DONE and cur.status in IN_PROGRESS:
                v("TS-STATUS-REGRESSION", cur)
            if prev.assigned != cur.assigned or (prev.completion and cur.completion and prev.completion != cur.completion):
                v("TS-RESTATED-DATES", cur)
    # declared summaries
    rows_by = defaultdict(list)
    for r in rnd.tasks:
        rows_by[(r.sender, r.programme, r.day)].append(r)
    seen = set()
    for s in rnd.summaries:
        c = s.counts
        sv = lambda rule: out.append(one(rule, s.sender, s.file_name, s.row))
        if c["total"] != c["recurring"] + c["completed"] + c["in_progress_on_time"] + c["in_progress_overdue"]:
            sv("TS-TOTAL-SUM")
        if c["completed"] != c["completed_on_time"] + c["completed_late"]:
            sv("TS-COMPLETED-SUM")
        rows = rows_by.get((s.sender, s.programme, s.day), [])
        seen.add((s.sender, s.programme, s.day))
        if c != count_statuses(rows):
            sv("TS-DECLARED-VS-ROWS")
    for key, rows in rows_by.items():
        if key not in seen:  # rows with no declared summary: declared counts are absent, read as 0
            out.append(one("TS-DECLARED-VS-ROWS", key[0], rows[0].file_name))
    return out


def count_statuses(rows) -> dict:
    st = [r.status for r in rows]
    n = lambda *codes: sum(1 for s in st if s in codes)
    return {"total": len(st), "recurring": n("RECURRING"), "completed": n("DONE_ON_TIME", "DONE_LATE"),
            "completed_on_time": n("DONE_ON_TIME"), "completed_late": n("DONE_LATE"),
            "in_progress_on_time": n("IN_PROGRESS_ON_TIME"), "in_progress_overdue": n("IN_PROGRESS_OVERDUE")}


# --------------------------------------------------------------------------------------------- budget
CENTRAL_KINDS = {"ministry", "ministerial_agency", "government_agency", "block_agency"}
PROVINCE_KINDS = {"province", "former_province"}


def budget_violations(rnd: Round, ref: Reference, exact=False) -> list[Violation]:
    out = []
    add = lambda rule, rows: out.append(Violation(rule, rows[0].agency, frozenset((r.file_name, r.row) for r in rows)))
    groups = defaultdict(dict)
    for r in rnd.budget:
        groups[(r.agency, r.file_name, r.year, r.source, r.block, r.level, r.stage, r.as_of)][(r.nature, r.field)] = r
    for lines in groups.values():
        for f in ("ALL", "KHCN_DMST", "CDS", "CNTT"):
            parts = [lines.get(("DEV_INVESTMENT", f)), lines.get(("RECURRENT", f))]
            total = lines.get(("ALL", f))
            if total and all(parts) and not meets(total.iv(exact), _sum([p.iv(exact) for p in parts])):
                add("BUD-SUM-NATURE", [total, *parts])
        for n in ("ALL", "DEV_INVESTMENT", "RECURRENT"):
            parts = [lines.get((n, f)) for f in ("KHCN_DMST", "CDS", "CNTT")]
            total = lines.get((n, "ALL"))
            if total and all(parts) and not meets(total.iv(exact), _sum([p.iv(exact) for p in parts])):
                add("BUD-SUM-FIELD", [total, *parts])
    by_line = defaultdict(lambda: defaultdict(list))
    for r in rnd.budget:
        by_line[(r.agency, r.year, r.source, r.nature, r.field, r.block, r.level)][r.stage].append(r)
    for stages in by_line.values():
        latest = {s: max(rows, key=lambda r: r.as_of) for s, rows in stages.items()}
        for part, whole, rule in (("APPROVED", "PROPOSED", "BUD-APPROVED-LE-PROPOSED"),
                                  ("ALLOCATED", "APPROVED", "BUD-ALLOCATED-LE-APPROVED"),
                                  ("DISBURSED", "ALLOCATED", "BUD-DISBURSED-LE-ALLOCATED")):
            if part in latest and whole in latest and latest[part].iv(exact)[0] > latest[whole].iv(exact)[1]:
                add(rule, [latest[part], latest[whole]])
        series = sorted(stages.get("DISBURSED", []), key=lambda r: r.as_of)
        for prev, cur in zip(series, series[1:]):
            if cur.iv(exact)[1] < prev.iv(exact)[0]:
                add("BUD-DISBURSEMENT-DECREASES", [cur])
        for s in ("PROPOSED", "APPROVED", "ALLOCATED"):
            rows = sorted(stages.get(s, []), key=lambda r: r.as_of)
            for prev, cur in zip(rows, rows[1:]):
                if not meets(prev.iv(exact), cur.iv(exact)):
                    add("BUD-RESTATED", [cur])
    for r in rnd.budget:
        kind = ref.agency_kind[r.agency]
        if (kind in CENTRAL_KINDS and r.level != "CENTRAL") or (kind in PROVINCE_KINDS and r.level not in ("PROVINCE", "COMMUNE")):
            add("BUD-LEVEL-AGENCY", [r])
        if ref.agency_block.get(r.agency) and ref.agency_block[r.agency] != r.block:
            add("BUD-BLOCK-AGENCY", [r])
        if r.stage in ("DISBURSED", "ALLOCATED") and r.as_of < date(r.year, 1, 1):
            add("BUD-AS-OF-BEFORE-YEAR", [r])
    return out


# ------------------------------------------------------------------------------------------ databases
def db_violations(rnd: Round, ref: Reference) -> list[Violation]:
    out = []
    v = lambda rule, r, agency=None: out.append(one(rule, agency or r.sender, r.file_name, r.row))
    current_owner = {d: (o if o in ref.current_agencies else ref.successor.get(o, o)) for d, (_, o) in ref.registry.items()}
    days = sorted({d for _, d, _ in rnd.db_files})
    for day in days:
        rows = [r for r in rnd.db if r.day == day]
        for prog in sorted({p for p, _ in ref.registry.values()}):
            dbs = {d for d, (p, _) in ref.registry.items() if p == prog}
            counted = len({(r.database, r.stage) for r in rows if r.database in dbs})
            if counted != len(dbs):
                out.append(one("DB-COUNTS-ADD-UP", "", db_group_document(day)))
        for agency, d, file_name in rnd.db_files:
            if d != day:
                continue
            sent = {r.database for r in rows if r.file_name == file_name}
            if any(o == agency and db not in sent for db, o in current_owner.items()):
                out.append(one("DB-MISSING-FROM-OWNER", agency, file_name))
    owner_rows = defaultdict(list)
    for r in rnd.db:
        if current_owner.get(r.database) == r.sender:
            owner_rows[r.database].append(r)
        else:
            v("DB-NOT-OWNER", r)
        if STAGE_ORDER[r.stage] >= 2 and not r.funded:
            v("DB-STARTED-NOT-FUNDED", r)
        if r.stage == "CONNECTED" and r.high_risk:
            v("DB-CONNECTED-HIGH-RISK", r)
    for rows in owner_rows.values():
        rows.sort(key=lambda r: r.day)
        for prev, cur in zip(rows, rows[1:]):
            if STAGE_ORDER[cur.stage] < STAGE_ORDER[prev.stage] and not cur.reason:
                v("DB-STAGE-REGRESSION", cur)
    for db, (_, owner) in ref.registry.items():
        if owner not in ref.current_agencies:
            out.append(one("DB-OWNER-EXISTS", owner, "sources/reference/databases.csv"))
    return out


# ------------------------------------------------------------------------------------------------- IP
def ip_violations(rnd: Round, ref: Reference, exact=False) -> list[Violation]:
    out = []
    v = lambda rule, r: out.append(one(rule, "BKHCN", r.file_name, r.row))
    key = lambda r: (r.period_type, r.month, r.right, r.origin, r.group)
    versions = defaultdict(list)
    for r in sorted(rnd.ip, key=lambda r: (r.day, r.file_name)):
        versions[key(r)].append(r)
    current = {k: rows[-1] for k, rows in versions.items()}
    for agency, day, file_name in rnd.ip_files:
        if agency != "BKHCN":
            out.append(one("IP-NOT-IP-OFFICE", agency, file_name))
    for r in rnd.ip:
        if r.granted > r.processed:
            v("IP-GRANTED-LE-PROCESSED", r)
        if r.month > r.day:
            v("IP-PERIOD-AFTER-REPORT", r)
    for rows in versions.values():
        for prev, cur in zip(rows, rows[1:]):
            if (prev.received, prev.processed, prev.granted, prev.pending) != (cur.received, cur.processed, cur.granted, cur.pending):
                v("IP-RESTATED", cur)
    measures = ("received", "processed", "granted")
    for k, r in current.items():
        ptype, month, right, origin, group = k
        if ptype == "YTD":
            months = [current[m] for m in current if m[0] == "MONTH" and m[2:] == k[2:]
                      and m[1].year == month.year and m[1] <= month]
            if months and any(getattr(r, x) != sum(getattr(m, x) for m in months) for x in measures):
                v("IP-YTD-SUM", r)
            prev = current.get(("YTD", date(month.year - 1, month.month, 1), right, origin, group))
            if r.growth is not None and prev:
                h = Decimal(0) if exact else Decimal(5) * Decimal(10) ** -(r.growth_decimals + 1)
                computed = Decimal(r.received) * 100 / Decimal(prev.received) - 100
                if not (r.growth - h <= computed <= r.growth + h):
                    v("IP-YOY-GROWTH", r)
            earlier = [current[m] for m in current if m[0] == "YTD" and m[2:] == k[2:] and m[1].year == month.year and m[1] < month]
            if earlier:
                p = max(earlier, key=lambda x: x.month)
                if any(getattr(r, x) < getattr(p, x) for x in measures):
                    v("IP-YTD-DECREASES", r)
        if ptype == "MONTH":
            pm = date(month.year - (month.month == 1), 12 if month.month == 1 else month.month - 1, 1)
            prev = current.get(("MONTH", pm, right, origin, group))
            if r.processed > r.received + (prev.pending if prev else 0):
                v("IP-PROCESSED-LE-AVAILABLE", r)
        if group != "ALL":
            whole = current.get((ptype, month, right, origin, "ALL"))
            if whole and any(getattr(r, x) > getattr(whole, x) for x in (*measures, "pending")):
                v("IP-GROUP-LE-ALL", r)
    return out


def violations(rnd: Round, ref: Reference, exact=False) -> list[Violation]:
    return (task_violations(rnd, ref) + budget_violations(rnd, ref, exact) + db_violations(rnd, ref)
            + ip_violations(rnd, ref, exact))
