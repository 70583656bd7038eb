"""A second, independent reporting round, written as new agencies would send it, with its ground truth.

Written from the contracts (sources/contracts/), the reference data (sources/reference/) and the
constraint catalogue (the constraint table (expectations/README.md)) only; it shares no code with the sample generators.

    python -m tests.second_round.generate --seed 7 --out DIR

writes DIR/inbox/<date>/<AGENCY>__<domain>__<date>.csv|xlsx, DIR/ground_truth.csv (every planted
fault and the finding it must produce) and DIR/consistent_cases.csv (cases that must produce no
error). The seed changes every figure, date offset, name and some formatting choices; the roles
(which agency carries which fault) stay fixed so that each fault stays isolated.

Every file parses: the faults are in the figures, never in the format. Before returning, the
generator evaluates the constraints itself on what it wrote (tests/second_round/oracle.py) and
refuses to finish if a fault is not found, cascades into a rule the ground truth does not list,
or a consistent case breaks a constraint.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import yaml

from . import oracle  # run as `python -m tests.second_round.generate`, or imported by the test

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "sources" / "contracts"
REFERENCE = ROOT / "sources" / "reference"

TASK_D1, TASK_D2 = date(2025, 10, 31), date(2025, 12, 20)  # open period 2025-Q4
DB_D1, DB_D2 = date(2025, 8, 31), date(2025, 11, 30)  # open period 2025
SEVERITY = {  # the constraint table (expectations/README.md) (E = error, W = warning)
    **dict.fromkeys(["TS-ON-TIME-PAST-DEADLINE", "TS-OVERDUE-BEFORE-DEADLINE", "TS-DONE-WITHOUT-DATE",
                     "TS-IN-PROGRESS-WITH-COMPLETION", "TS-DONE-ON-TIME-AFTER-DEADLINE", "TS-DONE-LATE-BEFORE-DEADLINE",
                     "TS-COMPLETED-BEFORE-ASSIGNED", "TS-DEADLINE-BEFORE-ASSIGNED", "TS-NOT-LEAD-AGENCY",
                     "TS-TASK-CONFLICT", "TS-STATUS-REGRESSION", "TS-TOTAL-SUM", "TS-COMPLETED-SUM",
                     "TS-DECLARED-VS-ROWS", "BUD-SUM-NATURE", "BUD-SUM-FIELD", "BUD-APPROVED-LE-PROPOSED",
                     "BUD-ALLOCATED-LE-APPROVED", "BUD-DISBURSED-LE-ALLOCATED", "BUD-DISBURSEMENT-DECREASES",
                     "BUD-LEVEL-AGENCY", "BUD-AS-OF-BEFORE-YEAR", "DB-COUNTS-ADD-UP", "DB-STAGE-REGRESSION",
                     "DB-OWNER-EXISTS", "DB-NOT-OWNER", "DB-MISSING-FROM-OWNER", "IP-YTD-SUM",
                     "IP-GRANTED-LE-PROCESSED", "IP-YOY-GROWTH", "IP-GROUP-LE-ALL", "IP-YTD-DECREASES",
                     "IP-NOT-IP-OFFICE", "IP-PERIOD-AFTER-REPORT"], "error"),
    **dict.fromkeys(["TS-RECURRING-WITH-DEADLINE", "TS-SIX-CLEAR", "TS-CO-AGENCY-UNKNOWN", "TS-RESTATED-DATES",
                     "BUD-RESTATED", "BUD-BLOCK-AGENCY", "DB-STARTED-NOT-FUNDED", "DB-CONNECTED-HIGH-RISK",
                     "IP-PROCESSED-LE-AVAILABLE", "IP-RESTATED"], "warning"),
}
# Agencies the shipped samples planted faults in: no fault is planted there (they may send clean files).
SAMPLE_FAULT_AGENCIES = {"HA_NOI", "DA_NANG", "BYT", "BCA", "HAI_PHONG", "LAO_CAI", "NGHE_AN", "BXD", "BTC",
                         "CAN_THO", "BNNMT"}


# ------------------------------------------------------------------------------------ ground truth
@dataclass
class Fault:
    fault_id: str
    rule_id: str
    agency_code: str
    file_name: str
    row: int | None
    description: str

    @property
    def severity(self) -> str:
        return SEVERITY[self.rule_id]


@dataclass
class Case:
    case_id: str
    file_names: list[str]
    agency_code: str
    description: str


@dataclass
class GroundTruth:
    out_dir: Path
    seed: int
    files: list[str] = field(default_factory=list)  # paths relative to the inbox
    faults: list[Fault] = field(default_factory=list)
    consistent: list[Case] = field(default_factory=list)

    @property
    def inbox(self) -> Path:
        return self.out_dir / "inbox"

    @property
    def file_names(self) -> set[str]:
        return {Path(f).name for f in self.files}


GT_COLUMNS = ["fault_id", "rule_id", "severity", "agency_code", "file_name", "row", "description"]
CASE_COLUMNS = ["case_id", "file_names", "agency_code", "description"]


def read_ground_truth(out_dir: Path) -> tuple[list[dict], list[dict]]:
    """The two CSVs as written beside the round (row as int or None, file_names as a list)."""
    with open(out_dir / "ground_truth.csv", encoding="utf-8", newline="") as f:
        faults = [{**r, "row": int(r["row"]) if r["row"] else None} for r in csv.DictReader(f)]
    with open(out_dir / "consistent_cases.csv", encoding="utf-8", newline="") as f:
        cases = [{**r, "file_names": r["file_names"].split(";")} for r in csv.DictReader(f)]
    return faults, cases


# ------------------------------------------------------------------------------- reference + contracts
def _read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


class Ref:
    def __init__(self):
        self.agencies = {a["agency_code"]: a for a in _read_csv(REFERENCE / "agencies.csv")}
        self.current = {c for c, a in self.agencies.items() if not a["valid_to"]}
        self.databases = _read_csv(REFERENCE / "databases.csv")
        self.tech_groups = [g["tech_group_code"] for g in _read_csv(REFERENCE / "technology_groups.csv")]
        self.programmes = [p["programme_code"] for p in _read_csv(REFERENCE / "programmes.csv")]
        self.contracts = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in CONTRACTS.glob("*.yml")}
        self.enums = self.contracts.pop("enums")
        for period in _read_csv(REFERENCE / "reporting_periods.csv"):
            assert period["domain"] in self.contracts, period

    def headers(self, domain: str) -> list[str]:
        return [c["header"] for c in self.contracts[domain]["columns"]]

    def label(self, enum: str, code: str, alt: bool = False) -> str:
        labels = self.enums[enum][code]
        return labels[-1] if alt else labels[0]

    def current_owner(self, owner: str) -> str:
        a = self.agencies[owner]
        return a["successor_code"] if a["valid_to"] else owner

    def oracle_reference(self) -> oracle.Reference:
        return oracle.Reference(
            current_agencies=set(self.current),
            agency_kind={c: a["agency_kind"] for c, a in self.agencies.items()},
            agency_block={c: a["block_code"] for c, a in self.agencies.items()},
            successor={c: a["successor_code"] for c, a in self.agencies.items() if a["successor_code"]},
            registry={d["database_code"]: (d["programme_code"], d["owner_agency_code"]) for d in self.databases},
        )


# ---------------------------------------------------------------------------------------- writing
@dataclass
class Typed:
    """An XLSX cell written as a typed value with a number format (never as text)."""
    value: object
    number_format: str


def header_variant(header: str, mode: int) -> str:
    """Header as an agency retypes it: matching ignores case and extra spaces."""
    if mode == 1:
        return header.upper()
    if mode == 2:
        return header.lower()
    if mode == 3:
        return "  " + header.replace(" ", "  ") + " "
    return header


def nfd(text):
    return unicodedata.normalize("NFD", text) if isinstance(text, str) else text


class Writer:
    def __init__(self, gt: GroundTruth):
        self.gt = gt

    def path(self, agency: str, domain: str, day: date, ext: str) -> tuple[Path, str]:
        name = f"{agency}__{domain}__{day.isoformat()}.{ext}"
        rel = f"{day.isoformat()}/{name}"
        assert rel not in self.gt.files, rel
        self.gt.files.append(rel)
        target = self.gt.inbox / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target, name

    def csv(self, target: Path, headers: list[str], rows: list[list], *, bom=False, crlf=False, decompose=False):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
        w.writerow(headers)
        for row in rows:
            w.writerow(["" if c is None else c for c in row])
        text = buf.getvalue()
        if decompose:
            text = unicodedata.normalize("NFD", text)
        target.write_bytes((("\ufeff" if bom else "") + text).encode("utf-8"))

    def xlsx(self, target: Path, headers: list[str], rows: list[list], sheet_title: str):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = sheet_title
        sheet.append(headers)
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                cell = sheet.cell(row=r, column=c)
                if isinstance(value, Typed):
                    v = value.value
                    cell.value = float(v) if isinstance(v, Decimal) else v
                    cell.number_format = value.number_format
                else:
                    cell.value = value
        book.save(target)


def fmt_number(x: Decimal, decimals: int, style: str, group: bool = True) -> str:
    q = x.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    text = f"{q:,.{decimals}f}" if group else f"{q:.{decimals}f}"
    if style == "vi":
        text = text.translate(str.maketrans({",": ".", ".": ","}))
    return text


def fmt_int(n: int, style: str = "vi", group: bool = True) -> str:
    return fmt_number(Decimal(n), 0, style, group)


def dmy(d: date | None) -> str | None:
    return d.strftime("%d/%m/%Y") if d else None


def typed_date(d: date | None):
    return Typed(datetime(d.year, d.month, d.day), "dd/mm/yyyy") if d else None


# ============================================================================================ tasks
PERSONS = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Quang Cường", "Phạm Thu Dung", "Hoàng Minh Đức", "Vũ Thị Hà",
           "Đặng Quốc Hùng", "Bùi Thị Lan", "Đỗ Mạnh Long", "Ngô Thanh Mai", "Dương Văn Nam", "Lý Thị Oanh"]
UNITS_CENTRAL = ["Vụ Kế hoạch - Tài chính", "Cục Chuyển đổi số", "Văn phòng Bộ", "Vụ Khoa học, Công nghệ và Môi trường",
                 "Trung tâm Thông tin", "Vụ Pháp chế"]
UNITS_PROVINCE = ["Sở Khoa học và Công nghệ", "Sở Tài chính", "Văn phòng UBND tỉnh", "Sở Nội vụ", "Sở Giáo dục và Đào tạo"]
CONTENTS = ["Xây dựng, hoàn thiện cơ sở dữ liệu chuyên ngành", "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
            "Triển khai nền tảng số dùng chung", "Đào tạo kỹ năng số cho cán bộ, công chức",
            "Ban hành kế hoạch chuyển đổi số giai đoạn 2025-2030", "Kết nối, chia sẻ dữ liệu với Cổng dịch vụ công quốc gia",
            "Rà soát, sửa đổi văn bản quy phạm pháp luật về khoa học, công nghệ", "Xây dựng trung tâm dữ liệu"]
PRODUCTS = ["Quyết định phê duyệt", "Báo cáo kết quả", "Nền tảng số đưa vào vận hành", "Kế hoạch được ban hành",
            "Cơ sở dữ liệu được kết nối", "Nghị định"]
AUTHORITIES_CENTRAL = ["Bộ trưởng", "Thủ tướng Chính phủ", "Chính phủ"]
AUTHORITIES_PROVINCE = ["Chủ tịch UBND tỉnh", "UBND tỉnh", "HĐND tỉnh"]
STATUS_CODES = ["RECURRING", "DONE_ON_TIME", "DONE_LATE", "IN_PROGRESS_ON_TIME", "IN_PROGRESS_OVERDUE"]


@dataclass
class Task:
    programme: str
    task_id: str
    lead: str
    co: list
    six: dict  # content, product, person, unit, authority
    assigned: date
    deadline: date | None
    completion: date | None  # None: not completed by the last reporting date
    recurring: bool = False
    days: tuple = (TASK_D1, TASK_D2)  # reporting dates at which the sender lists it
    overrides: dict = field(default_factory=dict)  # reporting date -> {field: value} as the agency wrote it

    def row_at(self, d: date) -> dict:
        if self.recurring:
            status, completion = "RECURRING", None
        elif self.completion and self.completion <= d:
            status, completion = ("DONE_ON_TIME" if self.completion <= self.deadline else "DONE_LATE"), self.completion
        else:
            status, completion = ("IN_PROGRESS_ON_TIME" if self.deadline >= d else "IN_PROGRESS_OVERDUE"), None
        row = {"programme": self.programme, "task_id": self.task_id, "lead": self.lead, "co": list(self.co),
               **self.six, "assigned": self.assigned, "deadline": self.deadline, "status": status,
               "completion": completion, "note": None}
        row.update(self.overrides.get(d, {}))
        return row


class TaskRound:
    """Task-status and task-summary files of the round (two reporting dates of 2025-Q4)."""

    def __init__(self, g: "Generator"):
        self.g, self.rng, self.ref = g, g.rng, g.ref
        self.counters = {p: self.rng.randint(400, 600) for p in ("NQ71", "KH02", "TBKL", "TBT")}
        self.tasks: dict[str, list[Task]] = {}

    def new_id(self, programme: str) -> str:
        self.counters[programme] += self.rng.randint(1, 4)
        return f"{programme}-{self.counters[programme]:03d}"

    def task(self, agency: str, programme: str = "NQ71", **kw) -> Task:
        rng = self.rng
        central = self.ref.agencies[agency]["agency_kind"] != "province"
        others = sorted(self.ref.current - {agency})
        six = {"content": rng.choice(CONTENTS), "product": rng.choice(PRODUCTS), "person": rng.choice(PERSONS),
               "unit": rng.choice(UNITS_CENTRAL if central else UNITS_PROVINCE),
               "authority": rng.choice(AUTHORITIES_CENTRAL if central else AUTHORITIES_PROVINCE)}
        six.update(kw.pop("six", {}))
        t = Task(programme=programme, task_id=kw.pop("task_id", None) or self.new_id(programme), lead=kw.pop("lead", agency),
                 co=kw.pop("co", rng.sample(others, rng.randint(0, 2))), six=six, **kw)
        self.tasks.setdefault(agency, []).append(t)
        return t

    def random_tasks(self, agency: str, n: int):
        rng = self.rng
        central = self.ref.agencies[agency]["agency_kind"] != "province"
        for _ in range(n):
            programme = rng.choice(["NQ71", "NQ71", "KH02", "TBKL"] if central else ["NQ71", "NQ71", "TBKL"])
            assigned = date(2025, 4, 15) + timedelta(days=rng.randint(0, 180))
            if rng.random() < 0.15:
                self.task(agency, programme, assigned=assigned, deadline=None, completion=None, recurring=True)
                continue
            deadline = assigned + timedelta(days=rng.randint(20, 260))
            completion = None
            if rng.random() < 0.55:
                completion = min(assigned + timedelta(days=rng.randint(5, 200)), TASK_D2 - timedelta(days=rng.randint(0, 10)))
                completion = max(completion, assigned)
            self.task(agency, programme, assigned=assigned, deadline=deadline, completion=completion)

    # ---- the round
    def build(self):
        rng, D1, D2 = self.rng, TASK_D1, TASK_D2
        g = self.g
        agencies = ["THANH_HOA", "QUANG_NINH", "GIA_LAI", "KHANH_HOA", "DONG_THAP", "TAY_NINH", "SON_LA", "CA_MAU",
                    "HUE", "VPCP", "NHNN", "BVHTTDL", "BTP", "BGDDT", "LANG_SON"]
        for a in agencies:
            self.random_tasks(a, rng.randint(5, 8))
        faults: list[tuple] = []  # (fault_id, rule ids, sender, date, task, description) resolved to rows after writing

        def d(y, m, day):
            return date(y, m, day)

        # T01 in progress "on time" after its deadline passed (on time at D1, not updated at D2)
        t = self.task("THANH_HOA", assigned=d(2025, 6, 10), deadline=d(2025, 11, 30) - timedelta(days=rng.randint(0, 20)),
                      completion=None, overrides={D2: {"status": "IN_PROGRESS_ON_TIME"}})
        faults.append(("T01", ["TS-ON-TIME-PAST-DEADLINE"], "THANH_HOA", D2, t,
                       f"status 'Đang thực hiện đúng hạn' but deadline {dmy(t.deadline)} is before the reporting date"))
        # T02 reported overdue before its deadline
        t = self.task("QUANG_NINH", assigned=d(2025, 7, 1), deadline=d(2026, 3, 31) - timedelta(days=rng.randint(0, 40)),
                      completion=None, overrides={D2: {"status": "IN_PROGRESS_OVERDUE"}})
        faults.append(("T02", ["TS-OVERDUE-BEFORE-DEADLINE"], "QUANG_NINH", D2, t,
                       f"status 'Đang thực hiện quá hạn' but deadline {dmy(t.deadline)} is after the reporting date"))
        # T03 completed without a completion date
        t = self.task("GIA_LAI", assigned=d(2025, 5, 5), deadline=d(2025, 12, 31), completion=d(2025, 12, 1) + timedelta(days=rng.randint(0, 10)),
                      overrides={D2: {"completion": None}})
        faults.append(("T03", ["TS-DONE-WITHOUT-DATE"], "GIA_LAI", D2, t, "status 'Hoàn thành đúng hạn' with no completion date"))
        # T04 in progress with a completion date
        t = self.task("KHANH_HOA", assigned=d(2025, 8, 1), deadline=d(2026, 2, 28), completion=None,
                      overrides={D2: {"completion": d(2025, 12, 5) + timedelta(days=rng.randint(0, 10))}})
        faults.append(("T04", ["TS-IN-PROGRESS-WITH-COMPLETION"], "KHANH_HOA", D2, t,
                       "status 'Đang thực hiện đúng hạn' with a completion date"))
        # T05 'done on time' after the deadline
        t = self.task("DONG_THAP", assigned=d(2025, 4, 20), deadline=d(2025, 10, 15), completion=d(2025, 11, 20) + timedelta(days=rng.randint(0, 15)),
                      overrides={D2: {"status": "DONE_ON_TIME"}})
        faults.append(("T05", ["TS-DONE-ON-TIME-AFTER-DEADLINE"], "DONG_THAP", D2, t,
                       f"'Hoàn thành đúng hạn' but completed {dmy(t.completion)}, after the deadline {dmy(t.deadline)}"))
        # T06 'done late' before the deadline
        t = self.task("TAY_NINH", assigned=d(2025, 6, 1), deadline=d(2025, 12, 31), completion=d(2025, 11, 10) + timedelta(days=rng.randint(0, 20)),
                      overrides={D2: {"status": "DONE_LATE"}})
        faults.append(("T06", ["TS-DONE-LATE-BEFORE-DEADLINE"], "TAY_NINH", D2, t,
                       f"'Hoàn thành quá hạn' but completed {dmy(t.completion)}, before the deadline {dmy(t.deadline)}"))
        # T07 completed before it was assigned (a task assigned after D1)
        assigned = d(2025, 11, 5) + timedelta(days=rng.randint(0, 10))
        t = self.task("SON_LA", assigned=assigned, deadline=d(2026, 1, 31), completion=assigned - timedelta(days=rng.randint(5, 20)),
                      days=(D2,))
        faults.append(("T07", ["TS-COMPLETED-BEFORE-ASSIGNED"], "SON_LA", D2, t,
                       f"completed {dmy(t.completion)}, before it was assigned {dmy(t.assigned)}"))
        # T08 deadline before the assignment (overdue, so no other status rule applies)
        assigned = d(2025, 11, 10) + timedelta(days=rng.randint(0, 10))
        t = self.task("CA_MAU", assigned=assigned, deadline=d(2025, 9, 30) - timedelta(days=rng.randint(0, 30)), completion=None, days=(D2,))
        faults.append(("T08", ["TS-DEADLINE-BEFORE-ASSIGNED"], "CA_MAU", D2, t,
                       f"deadline {dmy(t.deadline)} before the assignment {dmy(t.assigned)}"))
        # T09 recurring task with a deadline
        t = self.task("HUE", assigned=d(2025, 11, 1), deadline=None, completion=None, recurring=True, days=(D2,),
                      overrides={D2: {"deadline": d(2026, 6, 30)}})
        faults.append(("T09", ["TS-RECURRING-WITH-DEADLINE"], "HUE", D2, t, "'Thường xuyên' with a deadline"))
        # T10 6 rõ: nobody in charge
        t = self.task("VPCP", "KH02", assigned=d(2025, 11, 3), deadline=d(2026, 3, 1), completion=None, days=(D2,),
                      six={"person": None})
        faults.append(("T10", ["TS-SIX-CLEAR"], "VPCP", D2, t, "6 rõ: 'Người chịu trách nhiệm' empty"))
        # T11 a row led by another agency (that agency does not list it)
        t = self.task("NHNN", assigned=d(2025, 9, 1), deadline=d(2026, 4, 30), completion=None, days=(D2,),
                      lead="BTP", co=["NHNN"])
        faults.append(("T11", ["TS-NOT-LEAD-AGENCY"], "NHNN", D2, t, "row led by BTP in NHNN's file (BTP does not list it)"))
        # T12 a task listed by its lead (QUANG_NINH) and by a co-operating ministry at the same date
        lead_task = self.task("QUANG_NINH", assigned=d(2025, 7, 20), deadline=d(2026, 5, 31), completion=None, co=["BVHTTDL"])
        t = self.task("BVHTTDL", task_id=lead_task.task_id, programme=lead_task.programme, lead="QUANG_NINH",
                      co=["BVHTTDL"], six=dict(lead_task.six), assigned=lead_task.assigned, deadline=lead_task.deadline,
                      completion=None, days=(D2,) if "T12" not in g.omit else ())
        "T12" in g.omit or faults.append(("T12", ["TS-TASK-CONFLICT", "TS-NOT-LEAD-AGENCY"], "BVHTTDL", D2, t,
                       f"task {lead_task.task_id} led by QUANG_NINH (listed in its own file too) also listed by BVHTTDL; "
                       "the finding names both files; BVHTTDL's summary counts the rows of its own file"))
        # T13 co-operating agencies: an unknown code (the former Ministry of Information and Communications), the lead itself
        t = self.task("GIA_LAI", assigned=d(2025, 7, 7), deadline=d(2026, 6, 30), completion=None,
                      co=["BKHCN"], overrides={D2: {"co": ["BKHCN", "BTTTT"]}})
        faults.append(("T13", ["TS-CO-AGENCY-UNKNOWN"], "GIA_LAI", D2, t, "co-operating agency 'BTTTT' is not a known agency"))
        t = self.task("KHANH_HOA", assigned=d(2025, 11, 12), deadline=d(2026, 4, 15), completion=None, days=(D2,),
                      co=["KHANH_HOA", "BYT"])
        faults.append(("T14", ["TS-CO-AGENCY-UNKNOWN"], "KHANH_HOA", D2, t, "co-operating agencies list the lead itself"))
        # T15 completed at D1, in progress again at D2
        t = self.task("DONG_THAP", assigned=d(2025, 5, 1), deadline=d(2026, 1, 31), completion=d(2025, 10, 20) + timedelta(days=rng.randint(0, 8)),
                      overrides={D2: {"status": "IN_PROGRESS_ON_TIME", "completion": None}})
        faults.append(("T15", ["TS-STATUS-REGRESSION"], "DONG_THAP", D2, t,
                       f"'Hoàn thành đúng hạn' ({dmy(t.completion)}) at {dmy(D1)}, 'Đang thực hiện đúng hạn' at {dmy(D2)}"))
        # T16 assignment date restated between the two reports
        t = self.task("SON_LA", assigned=d(2025, 6, 2), deadline=d(2026, 1, 15), completion=None,
                      overrides={D2: {"assigned": d(2025, 6, 16) + timedelta(days=rng.randint(0, 10))}})
        faults.append(("T16", ["TS-RESTATED-DATES"], "SON_LA", D2, t,
                       f"assigned {dmy(t.assigned)} at {dmy(D1)}, {dmy(t.overrides[D2]['assigned'])} at {dmy(D2)}"))
        # ------------------------------------------------------------------ consistent task cases
        # BTP: recurring without deadline; done on time on the deadline day; done at D1 and still done at D2
        t1 = self.task("BTP", assigned=d(2025, 5, 2), deadline=None, completion=None, recurring=True)
        t2 = self.task("BTP", assigned=d(2025, 6, 15), deadline=d(2025, 12, 1) + timedelta(days=rng.randint(0, 10)), completion=None)
        t2.completion = t2.deadline
        t3 = self.task("BTP", "KH02", assigned=d(2025, 6, 20), deadline=d(2025, 10, 20), completion=d(2025, 10, 20) - timedelta(days=rng.randint(0, 15)))
        # BGDDT: in progress on time with the deadline on the reporting day; done late one day after; overdue one day
        t4 = self.task("BGDDT", assigned=d(2025, 8, 11), deadline=D2, completion=None)
        t5 = self.task("BGDDT", assigned=d(2025, 5, 19), deadline=d(2025, 10, 14), completion=d(2025, 10, 15))
        t6 = self.task("BGDDT", "KH02", assigned=d(2025, 7, 1), deadline=D2 - timedelta(days=1), completion=None)
        # LANG_SON: co-operating agencies written with spaces around ';'
        t7 = self.task("LANG_SON", assigned=d(2025, 7, 3), deadline=d(2026, 2, 2), completion=None, co=["BTC", "BKHCN"])

        # ------------------------------------------------------------------ write
        formats = {"BTP": "csv_bom_crlf", "BGDDT": "xlsx", "LANG_SON": "xlsx_text", "VPCP": "xlsx_text", "HUE": "csv_bom",
                   "NHNN": "csv_crlf"}
        rows_of: dict[tuple, int] = {}  # (sender, date, task_id) -> row
        files: dict[tuple, str] = {}
        summary_rows: dict[tuple, int] = {}
        for agency in agencies:
            for day in (D1, D2):
                fmt = formats.get(agency, rng.choice(["csv", "csv_bom", "csv_crlf"]))
                if agency == "BGDDT" and day == D2:
                    fmt = "xlsx_text"  # typed dates at D1, the same dates as text at D2
                rows = [t.row_at(day) for t in self.tasks[agency] if day in t.days and t.assigned <= day]
                name, row_numbers = self.write_task_file(agency, day, rows, fmt)
                files[(agency, day)] = name
                for r, n in zip(rows, row_numbers):
                    rows_of[(agency, day, r["task_id"])] = n
                # declared summary: counts of the rows of this file, per programme
                counts = {}
                for p in sorted({r["programme"] for r in rows}):
                    counts[p] = oracle.count_statuses([_Status(r["status"]) for r in rows if r["programme"] == p])
                if agency == "BTP":
                    counts["TBT"] = oracle.count_statuses([])  # a programme with no task: all zeros
                if day == D1 and agency == "THANH_HOA":
                    counts["NQ71"]["total"] += 1
                if day == D1 and agency == "CA_MAU":
                    counts["NQ71"]["completed_late"] += 1
                if day == D1 and agency == "TAY_NINH":
                    assert counts["NQ71"]["in_progress_on_time"] >= 1
                    counts["NQ71"]["in_progress_on_time"] -= 1
                    counts["NQ71"]["in_progress_overdue"] += 1
                sname, srows = self.write_summary_file(agency, day, counts, fmt)
                for p, n in srows.items():
                    summary_rows[(agency, day, p)] = n
                files[(agency, day, "summary")] = sname
        for fid, rules, sender, day, t, desc in faults:
            for i, rule in enumerate(rules):
                g.fault(fid + ("" if len(rules) == 1 else "abcdef"[i]), rule, sender if rule in ("TS-NOT-LEAD-AGENCY", "TS-TASK-CONFLICT") else t.lead,
                        files[(sender, day)], rows_of[(sender, day, t.task_id)], f"{t.programme}:{t.task_id}: {desc}")
        g.fault("T17a", "TS-TOTAL-SUM", "THANH_HOA", files[("THANH_HOA", D1, "summary")], summary_rows[("THANH_HOA", D1, "NQ71")],
                "NQ71 declared total is one more than recurring + completed + in progress")
        g.fault("T17b", "TS-DECLARED-VS-ROWS", "THANH_HOA", files[("THANH_HOA", D1, "summary")], summary_rows[("THANH_HOA", D1, "NQ71")],
                "NQ71 declared total is one more than the task rows (the same inflated total)")
        g.fault("T18a", "TS-COMPLETED-SUM", "CA_MAU", files[("CA_MAU", D1, "summary")], summary_rows[("CA_MAU", D1, "NQ71")],
                "NQ71 declared 'completed late' one more, so completed != on time + late")
        g.fault("T18b", "TS-DECLARED-VS-ROWS", "CA_MAU", files[("CA_MAU", D1, "summary")], summary_rows[("CA_MAU", D1, "NQ71")],
                "NQ71 declared 'completed late' one more than the task rows (the same inflated count)")
        g.fault("T19", "TS-DECLARED-VS-ROWS", "TAY_NINH", files[("TAY_NINH", D1, "summary")], summary_rows[("TAY_NINH", D1, "NQ71")],
                "NQ71: one task declared overdue that the rows show in progress on time (sums hold; two pairs differ)")

        g.case("CT01", [files[("BTP", D1)], files[("BTP", D2)]], "BTP",
               f"{t1.task_id}: recurring task ('Thường xuyên') with no deadline and no completion date: not a 6 rõ gap, not a status fault")
        g.case("CT02", [files[("BTP", D2)]], "BTP",
               f"{t2.task_id}: 'Hoàn thành đúng hạn' completed on the deadline day itself ({dmy(t2.deadline)})")
        g.case("CT03", [files[("BTP", D1)], files[("BTP", D2)]], "BTP",
               f"{t3.task_id}: completed before D1 and still completed, with the same date, at D2 (no regression, no restatement)")
        g.case("CT04", [files[("BTP", D1, "summary")], files[("BTP", D2, "summary")]], "BTP",
               "summary declares programme TBT with all counts 0 and no task rows; CSV with BOM and CRLF line endings")
        g.case("CT05", [files[("BGDDT", D2)]], "BGDDT",
               f"{t4.task_id}: 'Đang thực hiện đúng hạn' with the deadline on the reporting date ({dmy(D2)})")
        g.case("CT06", [files[("BGDDT", D1)]], "BGDDT",
               f"{t5.task_id}: 'Hoàn thành quá hạn' one day after the deadline; XLSX with typed date cells")
        g.case("CT07", [files[("BGDDT", D1)], files[("BGDDT", D2)]], "BGDDT",
               "the same dates typed (XLSX date cells) at D1 and written as dd/mm/yyyy text at D2: no restatement; "
               f"{t6.task_id} overdue one day after its deadline; summary counts typed as numbers")
        g.case("CT08", [files[("LANG_SON", D1)], files[("LANG_SON", D2)], files[("LANG_SON", D1, "summary")],
                        files[("LANG_SON", D2, "summary")]], "LANG_SON",
               f"XLSX with text dates, upper-case headers, status labels in capitals and decomposed (NFD) Vietnamese; "
               f"{t7.task_id} lists co-operating agencies as ' BTC ; BKHCN '")

    def write_task_file(self, agency: str, day: date, rows: list[dict], fmt: str) -> tuple[str, list[int]]:
        ref, rng = self.ref, self.rng
        upper = agency == "LANG_SON"
        mode = 1 if upper else rng.choice([0, 0, 2, 3])
        headers = [header_variant(h, mode) for h in ref.headers("task_status")]
        out = []
        for r in rows:  # what the parser refuses is never written: the faults are in the figures
            assert r["assigned"] <= day and (r["completion"] is None or r["completion"] <= day), (agency, day, r)
            sep = " ; " if agency == "LANG_SON" else rng.choice([";", "; "])
            co = sep.join(r["co"]) if r["co"] else None
            if co and agency == "LANG_SON":
                co = " " + co + " "
            status = ref.label("task_status", r["status"])
            if upper:
                status = status.upper()
            if fmt == "xlsx":
                dates = [typed_date(r["assigned"]), typed_date(r["deadline"]), typed_date(r["completion"])]
            else:
                dates = [dmy(r["assigned"]), dmy(r["deadline"]), dmy(r["completion"])]
            out.append([r["task_id"], r["programme"], r["lead"], co, r["content"], r["product"], r["person"], r["unit"],
                        r["authority"], dates[0], dates[1], status, dates[2], r["note"]])
        ext = "xlsx" if fmt.startswith("xlsx") else "csv"
        target, name = self.g.writer.path(agency, "task_status", day, ext)
        if ext == "xlsx":
            if upper:
                out = [[nfd(c) for c in row] for row in out]
            self.g.writer.xlsx(target, headers, out, "Nhiem vu")
        else:
            self.g.writer.csv(target, headers, out, bom="bom" in fmt, crlf="crlf" in fmt)
        numbers = list(range(2, 2 + len(out)))
        for r, n in zip(rows, numbers):
            self.g.round.tasks.append(oracle.TaskRow(
                sender=agency, day=day, file_name=name, row=n, programme=r["programme"], task_id=r["task_id"], lead=r["lead"],
                co_agencies=list(r["co"]), six={k: r[k] for k in ("content", "product", "person", "unit", "authority")},
                assigned=r["assigned"], deadline=r["deadline"], status=r["status"], completion=r["completion"]))
        return name, numbers

    def write_summary_file(self, agency: str, day: date, counts: dict, fmt: str) -> tuple[str, dict]:
        ref, rng = self.ref, self.rng
        headers = [header_variant(h, 1 if agency == "LANG_SON" else rng.choice([0, 2, 3])) for h in ref.headers("task_summary")]
        order = ["total", "recurring", "completed", "completed_on_time", "completed_late", "in_progress_on_time", "in_progress_overdue"]
        ext = "xlsx" if fmt.startswith("xlsx") else "csv"
        out, numbers = [], {}
        for i, (p, c) in enumerate(counts.items()):
            cells = [Typed(c[k], "0") if fmt == "xlsx" else str(c[k]) for k in order]
            out.append([p, *cells])
            numbers[p] = i + 2
        target, name = self.g.writer.path(agency, "task_summary", day, ext)
        if ext == "xlsx":
            self.g.writer.xlsx(target, headers, out, "Tong hop")
        else:
            self.g.writer.csv(target, headers, out, bom="bom" in fmt, crlf="crlf" in fmt)
        for p, n in numbers.items():
            self.g.round.summaries.append(oracle.SummaryRow(agency, day, name, n, p, dict(counts[p])))
        return name, numbers


@dataclass
class _Status:
    status: str


# =========================================================================================== budget
CELLS = [(n, f) for n in ("DEV_INVESTMENT", "RECURRENT") for f in ("KHCN_DMST", "CDS", "CNTT")]
LAYOUTS = {
    "six": [("ALL", "ALL"), ("DEV_INVESTMENT", "ALL"), ("RECURRENT", "ALL"), ("ALL", "KHCN_DMST"), ("ALL", "CDS"), ("ALL", "CNTT")],
    "full": [(n, f) for n in ("ALL", "DEV_INVESTMENT", "RECURRENT") for f in ("ALL", "KHCN_DMST", "CDS", "CNTT")],
    "total": [("ALL", "ALL")],
}
UNIT_FACTOR = {"DONG": Decimal("0.000000001"), "TRIEU": Decimal("0.001"), "TY": Decimal(1)}  # to tỷ đồng
TRIEU_IN = {"DONG": Decimal(1000000), "TRIEU": Decimal(1), "TY": Decimal("0.001")}  # one triệu in the unit


def line_value(grid: dict, nature: str, fld: str) -> int:
    return sum(v for (n, f), v in grid.items() if nature in ("ALL", n) and fld in ("ALL", f))


def scale(grid: dict, lo: float, hi: float, rng, base: dict | None = None) -> dict:
    """Each cell of `base` (default grid) times a factor in [lo, hi], whole triệu, floored."""
    return {c: int(v * rng.uniform(lo, hi)) for c, v in (base or grid).items()}


def add_frac(grid: dict, lo: float, hi: float, rng) -> dict:
    return {c: v + int(v * rng.uniform(lo, hi)) for c, v in grid.items()}


@dataclass
class Group:
    """Lines of one (year, source, block, level, stage) in one file."""
    year: int
    source: str
    block: str
    level: str
    stage: str
    grid: dict  # cell -> triệu
    layout: str = "six"
    deltas: dict = field(default_factory=dict)  # (nature, field) -> triệu added to the written line (a planted fault)
    tag: str = ""


@dataclass
class BudgetFile:
    agency: str
    as_of: date
    unit: str = "TY"
    decimals: int = 3
    style: str = "vi"
    fmt: str = "csv"  # csv | csv_bom | csv_crlf | xlsx_text | xlsx_typed
    alt_labels: bool = False
    style_label_long: bool = False
    groups: list = field(default_factory=list)


class BudgetRound:
    def __init__(self, g: "Generator"):
        self.g, self.rng, self.ref = g, g.rng, g.ref
        self.rows: dict[tuple, int] = {}  # (file name, tag, nature, field) -> row
        self.names: dict[tuple, str] = {}  # (agency, as_of) -> file name

    def grid(self, lo=3000, hi=60000, dev=(1.0, 1.0), rec=(1.0, 1.0)) -> dict:
        rng = self.rng
        out = {}
        for n, f in CELLS:
            k = dev if n == "DEV_INVESTMENT" else rec
            out[(n, f)] = int(rng.randint(lo, hi) * rng.uniform(*k))
        return out

    def block_level(self, agency: str) -> tuple[str, str]:
        a = self.ref.agencies[agency]
        if a["agency_kind"] in ("province", "former_province"):
            return "CHINH_PHU", "PROVINCE"
        return a["block_code"], "CENTRAL"

    def series(self, agency: str, *, src="DU_TOAN", year=2025, A=None, u1=(0.05, 0.12), u2=(0.03, 0.15),
               c1=(0.2, 0.4), c2=(0.5, 0.75), lo=3000, hi=60000, dev=(1.0, 1.0), rec=(1.0, 1.0), level=None, block=None):
        """The five stage grids of one budget line set: proposed >= approved >= allocated >= disbursed (d2 >= d1)."""
        rng = self.rng
        A = A or self.grid(lo, hi, dev, rec)
        appr = add_frac(A, *u1, rng)
        prop = add_frac(appr, *u2, rng)
        d1 = scale(A, *c1, rng)
        d2 = {c: max(d1[c], v) for c, v in scale(A, *c2, rng).items()}
        b, lv = self.block_level(agency)
        return {"A": A, "APPR": appr, "PROP": prop, "D1": d1, "D2": d2, "year": year, "source": src,
                "block": block or b, "level": level or lv}

    @staticmethod
    def groups(s: dict, *stages, layout="six", tag_prefix="") -> list[Group]:
        names = {"PROPOSED": "PROP", "APPROVED": "APPR", "ALLOCATED": "A", "DISBURSED1": "D1", "DISBURSED2": "D2"}
        out = []
        for st in stages:
            stage = "DISBURSED" if st.startswith("DISBURSED") else st
            out.append(Group(s["year"], s["source"], s["block"], s["level"], stage, s[names[st]], layout, tag=tag_prefix + st))
        return out

    def write(self, bf: BudgetFile) -> str:
        ref, rng, g = self.ref, self.rng, self.g
        ext = "xlsx" if bf.fmt.startswith("xlsx") else "csv"
        target, name = g.writer.path(bf.agency, "budget", bf.as_of, ext)
        self.names[(bf.agency, bf.as_of)] = name
        headers = [header_variant(h, rng.choice([0, 0, 2, 3])) for h in ref.headers("budget")]
        unit_label = ref.label("money_unit", bf.unit)
        style_label = ref.label("number_style", bf.style, alt=bf.style_label_long)
        half = Decimal(5) * Decimal(10) ** -(bf.decimals + 1) * UNIT_FACTOR[bf.unit]
        out = []
        for grp in bf.groups:
            for nature, fld in LAYOUTS[grp.layout]:
                triệu = line_value(grp.grid, nature, fld) + grp.deltas.get((nature, fld), 0)
                assert triệu >= 0, (bf.agency, bf.as_of, grp.tag, nature, fld)  # a negative amount rejects the file
                value = (Decimal(triệu) * TRIEU_IN[bf.unit]).quantize(Decimal(1).scaleb(-bf.decimals), ROUND_HALF_UP)
                if bf.fmt == "xlsx_typed":
                    fmt = {0: "#,##0", 1: "0.0"}.get(bf.decimals, "#,##0." + "0" * bf.decimals)
                    amount = Typed(value, fmt)
                    year = Typed(grp.year, "0")
                else:
                    amount = fmt_number(value, bf.decimals, bf.style, group=rng.random() < 0.8)
                    year = str(grp.year)
                out.append([year, ref.label("budget_source", grp.source, bf.alt_labels),
                            ref.label("budget_nature", nature, bf.alt_labels), ref.label("budget_field", fld, bf.alt_labels),
                            grp.block, ref.label("gov_level", grp.level), ref.label("budget_stage", grp.stage),
                            amount, unit_label, style_label, None])
                row = len(out) + 1
                self.rows[(name, grp.tag, nature, fld)] = row
                g.round.budget.append(oracle.BudgetRow(
                    agency=bf.agency, file_name=name, row=row, as_of=bf.as_of, year=grp.year, source=grp.source, nature=nature,
                    field=fld, block=grp.block, level=grp.level, stage=grp.stage, value=value * UNIT_FACTOR[bf.unit], half=half))
        if ext == "xlsx":
            g.writer.xlsx(target, headers, out, "Kinh phi")
        else:
            g.writer.csv(target, headers, out, bom="bom" in bf.fmt, crlf="crlf" in bf.fmt)
        return name

    def standard(self, agency: str, s: dict, *, layout="six", when=None, files=None, extra=None):
        """Proposed+approved, allocated+disbursed, disbursed again: three files (options per file)."""
        when = when or [date(2025, 7, 10), date(2025, 9, 30), date(2025, 12, 10)]
        files = files or [{}, {}, {}]
        extra = extra or [[], [], []]
        stages = [("PROPOSED", "APPROVED"), ("ALLOCATED", "DISBURSED1"), ("DISBURSED2",)]
        names = []
        for day, opts, st, more in zip(when, files, stages, extra):
            bf = BudgetFile(agency, day, **opts)
            bf.groups = self.groups(s, *st, layout=layout) + more
            names.append(bf)
        return names

    def build(self):
        g, rng = self.g, self.rng
        D07, D09, D12 = date(2025, 7, 10), date(2025, 9, 30), date(2025, 12, 10)
        plans: list[BudgetFile] = []
        faults = []  # (fault id, rule, agency, as_of, tag, (nature, field), description)

        def delta(bf_list, i, tag, cell, x):
            for grp in bf_list[i].groups:
                if grp.tag == tag:
                    grp.deltas[cell] = grp.deltas.get(cell, 0) + x
                    return
            raise KeyError(tag)

        # B01 BDTTG: the proposal's investment line does not add up with recurrent to the total
        s = self.series("BDTTG", lo=10000, hi=90000)
        files = self.standard("BDTTG", s, files=[{"fmt": "csv_bom"}, {}, {}])
        x = max(1000, line_value(s["PROP"], "ALL", "ALL") // 25)
        delta(files, 0, "PROPOSED", ("DEV_INVESTMENT", "ALL"), x)
        plans += files
        faults.append(("B01", "BUD-SUM-NATURE", "BDTTG", D07, "PROPOSED", ("DEV_INVESTMENT", "ALL"),
                       f"proposed 'Chi đầu tư phát triển' written {fmt_number(Decimal(x) / 1000, 3, 'vi')} tỷ above total − recurrent"))
        # B02 TTCP: the proposal's CNTT line breaks the field split
        s = self.series("TTCP", lo=5000, hi=40000)
        files = self.standard("TTCP", s, files=[{"unit": "TRIEU", "decimals": 0}, {"unit": "TRIEU", "decimals": 0}, {"unit": "TRIEU", "decimals": 0}])
        x = max(1000, line_value(s["PROP"], "ALL", "ALL") // 30)
        delta(files, 0, "PROPOSED", ("ALL", "CNTT"), x)
        plans += files
        faults.append(("B02", "BUD-SUM-FIELD", "TTCP", D07, "PROPOSED", ("ALL", "CNTT"),
                       f"proposed CNTT written {x} triệu above total − KHCN-ĐMST − CĐS"))
        # B03 QUANG_TRI (full grid): one cell breaks its row and its column
        s = self.series("QUANG_TRI")
        files = self.standard("QUANG_TRI", s, layout="full", files=[{"alt_labels": True}, {}, {}])
        x = max(1000, line_value(s["PROP"], "DEV_INVESTMENT", "CDS") // 5)
        delta(files, 0, "PROPOSED", ("DEV_INVESTMENT", "CDS"), x)
        plans += files
        for fid, rule in (("B03a", "BUD-SUM-NATURE"), ("B03b", "BUD-SUM-FIELD")):
            faults.append((fid, rule, "QUANG_TRI", D07, "PROPOSED", ("DEV_INVESTMENT", "CDS"),
                           f"proposed investment/CĐS cell written {x} triệu too high: breaks investment + recurrent = total (CĐS) "
                           "and KHCN-ĐMST + CĐS + CNTT = total (investment)"))
        # B04 BAC_NINH: approved recurrent above its proposal (investment lowered by the same amount: totals hold)
        s = self.series("BAC_NINH", u1=(0.20, 0.25), u2=(0.02, 0.04), dev=(1.0, 1.6), rec=(0.6, 1.0))
        gap = line_value(s["PROP"], "RECURRENT", "ALL") - line_value(s["APPR"], "RECURRENT", "ALL")
        room = line_value(s["APPR"], "DEV_INVESTMENT", "ALL") - line_value(s["A"], "DEV_INVESTMENT", "ALL")
        assert room > gap + 200, (gap, room)
        x = (gap + room) // 2
        files = self.standard("BAC_NINH", s)
        delta(files, 0, "APPROVED", ("RECURRENT", "ALL"), x)
        delta(files, 0, "APPROVED", ("DEV_INVESTMENT", "ALL"), -x)
        plans += files
        faults.append(("B04", "BUD-APPROVED-LE-PROPOSED", "BAC_NINH", D07, "APPROVED", ("RECURRENT", "ALL"),
                       f"approved 'Chi thường xuyên' {x - gap} triệu above its proposal (investment approved {x} triệu lower, so the sums hold)"))
        # B05 PHU_THO: allocated recurrent above the approval
        s = self.series("PHU_THO", u1=(0.01, 0.02), c2=(0.45, 0.6))
        gap = line_value(s["APPR"], "RECURRENT", "ALL") - line_value(s["A"], "RECURRENT", "ALL")
        room = line_value(s["A"], "DEV_INVESTMENT", "ALL") - line_value(s["D2"], "DEV_INVESTMENT", "ALL")
        assert room > gap + 200, (gap, room)
        x = (gap + room) // 2
        files = self.standard("PHU_THO", s, files=[{}, {"style": "en"}, {}])
        delta(files, 1, "ALLOCATED", ("RECURRENT", "ALL"), x)
        delta(files, 1, "ALLOCATED", ("DEV_INVESTMENT", "ALL"), -x)
        plans += files
        faults.append(("B05", "BUD-ALLOCATED-LE-APPROVED", "PHU_THO", D09, "ALLOCATED", ("RECURRENT", "ALL"),
                       f"allocated 'Chi thường xuyên' {x - gap} triệu above the approval (investment allocated {x} triệu lower)"))
        # B06 NINH_BINH: disbursed investment above its allocation at 10/12
        s = self.series("NINH_BINH", c1=(0.10, 0.15), c2=(0.85, 0.9))
        gap = line_value(s["A"], "DEV_INVESTMENT", "ALL") - line_value(s["D2"], "DEV_INVESTMENT", "ALL")
        room = line_value(s["D2"], "RECURRENT", "ALL") - line_value(s["D1"], "RECURRENT", "ALL")
        assert room > gap + 200, (gap, room)
        x = (gap + room) // 2
        files = self.standard("NINH_BINH", s)
        delta(files, 2, "DISBURSED2", ("DEV_INVESTMENT", "ALL"), x)
        delta(files, 2, "DISBURSED2", ("RECURRENT", "ALL"), -x)
        plans += files
        faults.append(("B06", "BUD-DISBURSED-LE-ALLOCATED", "NINH_BINH", D12, "DISBURSED2", ("DEV_INVESTMENT", "ALL"),
                       f"disbursed investment {x - gap} triệu above its allocation (recurrent {x} triệu lower, still above 30/09)"))
        # B07 DAK_LAK: cumulative disbursement of recurrent goes down
        s = self.series("DAK_LAK", c1=(0.45, 0.5), c2=(0.5, 0.55))
        gap = line_value(s["D2"], "RECURRENT", "ALL") - line_value(s["D1"], "RECURRENT", "ALL")
        # investment may rise to its allocation; recurrent may not go below zero
        room = min(line_value(s["A"], "DEV_INVESTMENT", "ALL") - line_value(s["D2"], "DEV_INVESTMENT", "ALL"),
                   line_value(s["D2"], "RECURRENT", "ALL"))
        assert room > gap + 200, (gap, room)
        x = (gap + room) // 2
        files = self.standard("DAK_LAK", s, files=[{}, {"fmt": "csv_crlf"}, {"fmt": "xlsx_text"}])
        delta(files, 2, "DISBURSED2", ("RECURRENT", "ALL"), -x)
        delta(files, 2, "DISBURSED2", ("DEV_INVESTMENT", "ALL"), x)
        plans += files
        faults.append(("B07", "BUD-DISBURSEMENT-DECREASES", "DAK_LAK", D12, "DISBURSED2", ("RECURRENT", "ALL"),
                       f"disbursed 'Chi thường xuyên' at 10/12 is {x - gap} triệu below the 30/09 figure"))
        # B08 HUNG_YEN: the proposal restated on 15/08 (investment moved to recurrent)
        s = self.series("HUNG_YEN", u2=(0.08, 0.12))
        room = line_value(s["PROP"], "DEV_INVESTMENT", "ALL") - line_value(s["APPR"], "DEV_INVESTMENT", "ALL")
        x = room // 2
        assert x > 500, room
        files = self.standard("HUNG_YEN", s)
        restated = BudgetFile("HUNG_YEN", date(2025, 8, 15), groups=self.groups(s, "PROPOSED"))
        restated.groups[0].tag = "PROPOSED_RESTATED"
        restated.groups[0].deltas = {("DEV_INVESTMENT", "ALL"): -x, ("RECURRENT", "ALL"): x}
        plans += files + [restated]
        for fid, cell in (("B08a", ("DEV_INVESTMENT", "ALL")), ("B08b", ("RECURRENT", "ALL"))):
            faults.append((fid, "BUD-RESTATED", "HUNG_YEN", date(2025, 8, 15), "PROPOSED_RESTATED", cell,
                           f"proposal of 10/07 restated on 15/08: {x} triệu moved from investment to recurrent"))
        # B09 BCT: a revenue-increase allocation declared at province level
        s = self.series("BCT", lo=8000, hi=80000)
        lone = Group(2025, "TANG_THU_2024", "CHINH_PHU", "PROVINCE", "ALLOCATED", self.grid(2000, 9000), "total", tag="LEVEL")
        files = self.standard("BCT", s, extra=[[], [lone], []])
        plans += files
        faults.append(("B09", "BUD-LEVEL-AGENCY", "BCT", D09, "LEVEL", ("ALL", "ALL"),
                       "a ministry's 'Tăng thu NSTW năm 2024' allocation at level 'Tỉnh'"))
        # B10 AN_GIANG: a province line at central level
        s = self.series("AN_GIANG")
        lone = Group(2025, "DU_TOAN", "CHINH_PHU", "CENTRAL", "ALLOCATED", self.grid(1000, 5000), "total", tag="LEVEL")
        files = self.standard("AN_GIANG", s, extra=[[], [lone], []])
        plans += files
        faults.append(("B10", "BUD-LEVEL-AGENCY", "AN_GIANG", D09, "LEVEL", ("ALL", "ALL"),
                       "a province's allocation at level 'Trung ương'"))
        # B11 VPQH (block QUOC_HOI) declares a line in block CHINH_PHU
        s = self.series("VPQH", lo=2000, hi=20000)
        lone = Group(2025, "TANG_THU_2024", "CHINH_PHU", "CENTRAL", "ALLOCATED", self.grid(500, 3000), "total", tag="BLOCK")
        files = self.standard("VPQH", s, extra=[[], [lone], []], files=[{"style": "en", "style_label_long": True}] * 3)
        plans += files
        faults.append(("B11", "BUD-BLOCK-AGENCY", "VPQH", D09, "BLOCK", ("ALL", "ALL"),
                       "Văn phòng Quốc hội (block QUOC_HOI) declares an allocation in block CHINH_PHU"))
        # B12 CAO_BANG: a 2025 allocation dated 20/12/2024; B13 DIEN_BIEN: a 2025 disbursement dated 31/12/2024
        for fid, agency, day, stage in (("B12", "CAO_BANG", date(2024, 12, 20), "ALLOCATED"),
                                        ("B13", "DIEN_BIEN", date(2024, 12, 31), "DISBURSED")):
            s = self.series(agency, year=2024)
            bf = BudgetFile(agency, day, groups=self.groups(s, "ALLOCATED", "DISBURSED2"))
            bf.groups.append(Group(2025, "DU_TOAN", "CHINH_PHU", "PROVINCE", stage, self.grid(1000, 6000), "total", tag="EARLY"))
            plans.append(bf)
            faults.append((fid, "BUD-AS-OF-BEFORE-YEAR", agency, day, "EARLY", ("ALL", "ALL"),
                           f"a 2025 '{self.ref.label('budget_stage', stage)}' figure dated {dmy(day)}, before its budget year"))

        # ---------------------------------------------------------------- consistent budget cases
        cases = []
        # CB01 QUANG_NGAI: tỷ with one decimal, every allocated cell x,04x: the rounded parts miss the rounded total
        A = {c: self.rng.randint(30, 400) * 100 + 40 + self.rng.randint(0, 9) for c in CELLS}
        s = self.series("QUANG_NGAI", A=A)
        one = {"decimals": 1}
        plans += self.standard("QUANG_NGAI", s, layout="full", files=[one, one, one])
        cases.append(("CB01", "QUANG_NGAI", [D07, D09, D12], "tỷ đồng with one decimal (full 12-line grid): investment/recurrent/"
                      "fields rounded separately, so the written parts differ from the written totals by 0,1-0,2 tỷ, within their rounding"))
        # CB02 VINH_LONG: disbursement 21,4 tỷ (one decimal) at 30/09, then 21.366 triệu đồng at 10/12: not a decrease
        A = self.grid(8000, 40000)
        s = self.series("VINH_LONG", A=A)
        dev = self.rng.randint(8000, 13000)
        s["D1"][("DEV_INVESTMENT", "CDS")], s["D1"][("RECURRENT", "CDS")] = dev, 21366 - dev
        for c in CELLS:  # allocation comfortably above, approval and proposal above that
            s["A"][c] = max(s["A"][c], int(s["D1"][c] / 0.6) + 1)
        s["APPR"] = add_frac(s["A"], 0.05, 0.1, self.rng)
        s["PROP"] = add_frac(s["APPR"], 0.05, 0.1, self.rng)
        s["D2"] = dict(s["D1"])  # nothing more disbursed
        plans += self.standard("VINH_LONG", s, files=[one, one, {"unit": "TRIEU", "decimals": 0}])
        cases.append(("CB02", "VINH_LONG", [D09, D12], "CĐS disbursed written 21,4 tỷ (one decimal) at 30/09 and 21.366 triệu đồng "
                      "at 10/12 (= 21,366 tỷ, inside 21,35..21,45): not a decrease; no line decreases beyond its rounding"))
        # CB03 TP_HO_CHI_MINH: proposal in tỷ (XLSX, typed numbers, en), approval equal in triệu (vi)
        s = self.series("TP_HO_CHI_MINH", lo=20000, hi=150000)
        s["PROP"] = dict(s["APPR"])
        bf1 = BudgetFile("TP_HO_CHI_MINH", date(2025, 7, 5), style="en", fmt="xlsx_typed", groups=self.groups(s, "PROPOSED"))
        bf2 = BudgetFile("TP_HO_CHI_MINH", D07, unit="TRIEU", decimals=0, groups=self.groups(s, "APPROVED"))
        bf3 = BudgetFile("TP_HO_CHI_MINH", D09, style="en", groups=self.groups(s, "ALLOCATED", "DISBURSED1"))
        bf4 = BudgetFile("TP_HO_CHI_MINH", D12, style="en", fmt="xlsx_typed", decimals=1, groups=self.groups(s, "DISBURSED2"))
        plans += [bf1, bf2, bf3, bf4]
        cases.append(("CB03", "TP_HO_CHI_MINH", [date(2025, 7, 5), D07, D09, D12],
                      "approval equal to the proposal, the proposal in tỷ đồng (XLSX, typed numbers '#,##0.000', en) and the "
                      "approval in triệu đồng (vi): not above the proposal; the 10/12 disbursements typed with format '0.0' "
                      "(one decimal: the parts may miss the total by their rounding)"))
        # CB04 LAI_CHAU: proposal exact in triệu, approval (the same amounts) rounded to 0,1 tỷ, some rounded up
        s = self.series("LAI_CHAU", u1=(0.06, 0.1))
        # the total line must round UP at one decimal (its last two triệu digits 60-90), so that the written
        # approval exceeds the exact proposal: a checker ignoring precision would call it above the proposal
        cell = ("RECURRENT", "CNTT")
        s["APPR"][cell] += (75 - line_value(s["APPR"], "ALL", "ALL") % 100) % 100
        s["PROP"] = dict(s["APPR"])
        bf1 = BudgetFile("LAI_CHAU", date(2025, 6, 20), unit="TRIEU", decimals=0, groups=self.groups(s, "PROPOSED"))
        bf2 = BudgetFile("LAI_CHAU", D07, decimals=1, groups=self.groups(s, "APPROVED"))
        plans += [bf1, bf2] + self.standard("LAI_CHAU", s)[1:]
        cases.append(("CB04", "LAI_CHAU", [date(2025, 6, 20), D07], "approval equal to the proposal: proposal exact in triệu "
                      "đồng, approval in tỷ đồng with one decimal (rounded up, e.g. 12.361 triệu -> 12,4 tỷ): within rounding, not above"))
        # CB05 DONG_NAI: disbursed at 10/12 equal to the allocation, written in đồng
        s = self.series("DONG_NAI")
        s["D2"] = dict(s["A"])
        plans += self.standard("DONG_NAI", s, files=[{}, {}, {"unit": "DONG", "decimals": 0}])
        cases.append(("CB05", "DONG_NAI", [D09, D12], "everything allocated is disbursed by 10/12, written in đồng "
                      "(vi grouping) against an allocation in tỷ đồng: disbursed = allocated is not above it"))
        # CB06 former provinces' 2024 budgets (province and commune levels)
        for agency in ("OLD_BINH_DINH", "OLD_KON_TUM"):
            s = self.series(agency, year=2024)
            sc = self.series(agency, year=2024, level="COMMUNE", lo=500, hi=8000)
            bf = BudgetFile(agency, date(2024, 12, 31), fmt="csv_bom",
                            groups=self.groups(s, "ALLOCATED", "DISBURSED2") + self.groups(sc, "ALLOCATED", "DISBURSED2", tag_prefix="C"))
            plans.append(bf)
            cases.append(("CB06" + ("a" if agency == "OLD_BINH_DINH" else "b"), agency, [date(2024, 12, 31)],
                          "a former province (valid to 30/06/2025) reports its 2024 budget at 31/12/2024, levels 'Tỉnh' and 'Xã'"))
        # CB07 HA_TINH: the 2025 proposal made in November 2024 (proposals may precede the year), restated rounded in 2025
        s = self.series("HA_TINH")
        bf0 = BudgetFile("HA_TINH", date(2024, 11, 15), unit="TRIEU", decimals=0, groups=self.groups(s, "PROPOSED"))
        files = self.standard("HA_TINH", s, files=[one, {}, {}])
        plans += [bf0] + files
        cases.append(("CB07", "HA_TINH", [date(2024, 11, 15), D07], "2025 proposal dated 15/11/2024 (only allocations and "
                      "disbursements cannot precede their year); restated on 10/07/2025 in tỷ with one decimal, equal within rounding"))
        # CB08 LANG_SON: allocation dated 01/01/2025, the first day of its year
        s = self.series("LANG_SON")
        plans += [BudgetFile("LANG_SON", date(2025, 1, 1), groups=self.groups(s, "ALLOCATED")),
                  BudgetFile("LANG_SON", D09, groups=self.groups(s, "DISBURSED1")),
                  BudgetFile("LANG_SON", D12, groups=self.groups(s, "DISBURSED2"))]
        cases.append(("CB08", "LANG_SON", [date(2025, 1, 1)], "allocation dated 01/01/2025, the first day of its budget year"))
        # CB09 THAI_NGUYEN: XLSX with typed numbers in a vi-style file (tỷ, format '#,##0.000'); every written
        # amount below 1.000 tỷ with a non-zero third decimal (e.g. 21.366), the shape a text reader takes for vi grouping
        s = self.series("THAI_NGUYEN", lo=5000, hi=30000)
        for grid, step in ((s["A"], 1), (s["D1"], -1)):
            while any(line_value(grid, n, f) % 10 == 0 for n, f in LAYOUTS["six"]):
                grid[self.rng.choice(CELLS)] += step
        plans += self.standard("THAI_NGUYEN", s, files=[{}, {"fmt": "xlsx_typed"}, {}])
        cases.append(("CB09", "THAI_NGUYEN", [D07, D09, D12], "30/09 as XLSX whose amounts are typed Excel numbers (format "
                      "'#,##0.000', e.g. 21.366 = 21,366 tỷ) in a file declaring vi style: a typed cell holds a number, not text "
                      "in the style; read as text '21.366' in vi it would be 21.366 tỷ (1000 times), and cross-file rules would fire"))
        # CB10 TUYEN_QUANG: XLSX with amounts as text, long style label, alternative labels
        s = self.series("TUYEN_QUANG")
        plans += self.standard("TUYEN_QUANG", s, files=[{"alt_labels": True}, {"fmt": "xlsx_text", "style_label_long": True, "alt_labels": True}, {}])
        cases.append(("CB10", "TUYEN_QUANG", [D07, D09], "alternative accepted labels ('Dự toán', 'Tổng', 'Đầu tư phát triển', "
                      "'Thường xuyên', 'Công nghệ thông tin'...), XLSX with amounts as text and style 'Việt Nam (1.234,5)'"))
        # CB11 LAM_DONG: en style, triệu, province and commune levels, and a Party-block line set
        s = self.series("LAM_DONG")
        sc = self.series("LAM_DONG", level="COMMUNE", lo=500, hi=6000)
        sd = self.series("LAM_DONG", block="DANG", lo=300, hi=3000)
        tri = {"unit": "TRIEU", "decimals": 0, "style": "en"}
        files = self.standard("LAM_DONG", s, files=[tri, tri, tri])
        for i, st in enumerate([("PROPOSED", "APPROVED"), ("ALLOCATED", "DISBURSED1"), ("DISBURSED2",)]):
            files[i].groups += self.groups(sc, *st, tag_prefix="C") + self.groups(sd, *st, tag_prefix="D")
        plans += files
        cases.append(("CB11", "LAM_DONG", [D07, D09, D12], "province lines at levels 'Tỉnh' and 'Xã' and in blocks CHINH_PHU "
                      "and DANG (provinces have no block of their own in agencies.csv); en style, triệu đồng"))
        # CB12 VHLKHXHVN: two sources (estimate and the 2024 revenue increase) in đồng
        s = self.series("VHLKHXHVN", lo=1000, hi=8000)
        st = self.series("VHLKHXHVN", src="TANG_THU_2024", lo=200, hi=2000)
        dong = {"unit": "DONG", "decimals": 0, "alt_labels": True}
        files = self.standard("VHLKHXHVN", s, files=[dong, dong, dong])
        for i, stg in enumerate([("PROPOSED", "APPROVED"), ("ALLOCATED", "DISBURSED1"), ("DISBURSED2",)]):
            files[i].groups += self.groups(st, *stg, tag_prefix="T")
        plans += files
        cases.append(("CB12", "VHLKHXHVN", [D07, D09, D12], "sources 'Dự toán' and 'Tăng thu ngân sách trung ương năm 2024' "
                      "in đồng (vi grouping, 13+ digits)"))
        # CB13 block agencies in their own blocks
        for agency, opts in (("VPTW", {"fmt": "xlsx_text"}), ("UBTWMTTQ", {"style": "en"})):
            s = self.series(agency, lo=2000, hi=30000)
            plans += self.standard(agency, s, files=[opts, opts, opts])
            cases.append(("CB13" + ("a" if agency == "VPTW" else "b"), agency, [D07, D09, D12],
                          f"{agency} reports in its own block ({self.ref.agencies[agency]['block_code']}), level 'Trung ương'"))

        for bf in plans:
            assert bf.agency not in SAMPLE_FAULT_AGENCIES
            self.write(bf)
        for fid, rule, agency, day, tag, cell, desc in faults:
            name = self.names[(agency, day)]
            g.fault(fid, rule, agency, name, self.rows[(name, tag, *cell)], desc)
        for cid, agency, days, desc in cases:
            g.case(cid, [self.names[(agency, d)] for d in days], agency, desc)


# ======================================================================================== databases
STAGES = ["NOT_STARTED", "IN_PROGRESS", "PLATFORM_READY", "CONNECTED"]


class DatabaseRound:
    def __init__(self, g: "Generator"):
        self.g, self.rng, self.ref = g, g.rng, g.ref

    def build(self):
        g, rng, ref = self.g, self.rng, self.ref
        reg = {d["database_code"]: d for d in ref.databases}
        owner = {code: ref.current_owner(d["owner_agency_code"]) for code, d in reg.items()}
        state = {}  # database -> {day: dict}
        for code in reg:
            s1 = rng.choices(STAGES, weights=[3, 4, 3, 1])[0]
            s2 = STAGES[min(3, STAGES.index(s1) + (rng.random() < 0.3))]
            rows = {}
            for day, s in ((DB_D1, s1), (DB_D2, s2)):
                funded = s != "NOT_STARTED" or rng.random() < 0.3
                risk = s != "CONNECTED" and (s == "NOT_STARTED" or rng.random() < 0.3)
                rows[day] = {"stage": s, "funded": funded, "risk": risk, "reason": None}
            if s1 == "NOT_STARTED" and s2 == "NOT_STARTED":
                rows[DB_D2]["funded"] = rows[DB_D1]["funded"]
            state[code] = rows

        def set_(code, day, **kw):
            state[code][day].update(kw)

        # D01 BCT: moved back a stage with no reason
        set_("DB-NQ71-042", DB_D1, stage="PLATFORM_READY", funded=True, risk=False)
        set_("DB-NQ71-042", DB_D2, stage="IN_PROGRESS", funded=True, risk=rng.random() < 0.5)
        # CD01 BKHCN: moved back WITH a reason
        set_("DB-NQ71-075", DB_D1, stage="CONNECTED", funded=True, risk=False)
        set_("DB-NQ71-075", DB_D2, stage="PLATFORM_READY", funded=True, risk=False,
             reason="Chuyển sang nền tảng dùng chung của Bộ, đang kết nối lại với NDXP")
        # D02 BNG: in progress but not funded (not started and unfunded at D1, which is fine)
        set_("DB-NQ71-012", DB_D1, stage="NOT_STARTED", funded=False, risk=True)
        set_("DB-NQ71-012", DB_D2, stage="IN_PROGRESS", funded=False, risk=True)
        # D03 NHNN: connected yet flagged at high risk
        set_("DB-NQ71-096", DB_D1, stage="PLATFORM_READY", funded=True, risk=False)
        set_("DB-NQ71-096", DB_D2, stage="CONNECTED", funded=True, risk=True)
        # CD02: DB-KH02-012 (registry owner a former province) reported by its successor
        former = [c for c, d in reg.items() if ref.agencies[d["owner_agency_code"]]["valid_to"]]

        senders = sorted(set(owner.values()))
        formats = {"BTP": "xlsx", "TUYEN_QUANG": "csv_bom", "BKHCN": "csv_crlf", "BQP": "xlsx"}
        names = {}
        rows_of = {}
        for day in (DB_D1, DB_D2):
            for agency in senders:
                if agency == "DTNVN" and day == DB_D2:
                    continue  # D04: DTNVN sends nothing at 30/11: its database is counted by nobody
                codes = [c for c in reg if owner[c] == agency]
                if agency == "BGDDT" and day == DB_D1:
                    codes.remove("DB-KH02-009")  # D05: missing from its owner's file
                if agency == "BVHTTDL" and day == DB_D2 and "D06" not in g.omit:
                    codes.append("DB-NQ71-101")  # D06: a database of DTVN, reported the same way DTVN does
                rng.shuffle(codes)
                names[(agency, day)], rows = self.write(agency, day, [(c, state[c][day]) for c in codes], formats.get(agency, "csv"))
                rows_of.update({(agency, day, c): n for c, n in rows.items()})
        # D07 HUE (a province) reports a database of BGDDT
        if "D07" not in g.omit:
            names[("HUE", DB_D2)], rows = self.write("HUE", DB_D2, [("DB-NQ71-080", state["DB-NQ71-080"][DB_D2])], "csv")
            rows_of.update({("HUE", DB_D2, c): n for c, n in rows.items()})

        g.fault("D01", "DB-STAGE-REGRESSION", "BCT", names[("BCT", DB_D2)], rows_of[("BCT", DB_D2, "DB-NQ71-042")],
                "DB-NQ71-042 back from 'Đã có nền tảng, CSDL tập trung' (31/08) to 'Đang triển khai' with no reason")
        g.fault("D02", "DB-STARTED-NOT-FUNDED", "BNG", names[("BNG", DB_D2)], rows_of[("BNG", DB_D2, "DB-NQ71-012")],
                "DB-NQ71-012 'Đang triển khai' with 'Đã bố trí kinh phí' = Không")
        g.fault("D03", "DB-CONNECTED-HIGH-RISK", "NHNN", names[("NHNN", DB_D2)], rows_of[("NHNN", DB_D2, "DB-NQ71-096")],
                "DB-NQ71-096 'Đã kết nối, chia sẻ' yet 'Nguy cơ không hoàn thành' = Có")
        g.fault("D04", "DB-COUNTS-ADD-UP", "", oracle.db_group_document(DB_D2), None,
                "NQ71 at 30/11/2025: DTNVN sent no file, so DB-NQ71-102 is reported by nobody (104 of 105); "
                "not DB-MISSING-FROM-OWNER, DTNVN did not report at that date")
        g.fault("D05a", "DB-MISSING-FROM-OWNER", "BGDDT", names[("BGDDT", DB_D1)], None,
                "DB-KH02-009 (owner BGDDT) is missing from BGDDT's file of 31/08/2025")
        g.fault("D05b", "DB-COUNTS-ADD-UP", "", oracle.db_group_document(DB_D1), None,
                "KH02 at 31/08/2025: 11 of 12 reported (DB-KH02-009 missing from its owner's file)")
        if "D06" not in g.omit:
            g.fault("D06", "DB-NOT-OWNER", "BVHTTDL", names[("BVHTTDL", DB_D2)], rows_of[("BVHTTDL", DB_D2, "DB-NQ71-101")],
                    "BVHTTDL reports DB-NQ71-101 (owner DTVN, which reports it too, same stage): the owner's row wins")
        if "D07" not in g.omit:
            g.fault("D07", "DB-NOT-OWNER", "HUE", names[("HUE", DB_D2)], rows_of[("HUE", DB_D2, "DB-NQ71-080")],
                    "HUE (a province) reports DB-NQ71-080 (owner BGDDT, which reports it too, same stage)")
        for code in former:  # not planted: the shared registry itself names an owner that no longer exists
            g.fault("R" + code[-3:], "DB-OWNER-EXISTS", reg[code]["owner_agency_code"], "sources/reference/databases.csv", None,
                    f"reference data, not planted: {code} is owned by {reg[code]['owner_agency_code']} "
                    f"(ended {ref.agencies[reg[code]['owner_agency_code']]['valid_to']})")
        g.case("CD01", [names[("BKHCN", DB_D1)], names[("BKHCN", DB_D2)]], "BKHCN",
               "DB-NQ71-075 moved back from 'Đã kết nối, chia sẻ' to 'Đã có nền tảng, CSDL tập trung' WITH a reason")
        for code in former:
            succ = owner[code]
            g.case("CD02", [names[(succ, DB_D1)], names[(succ, DB_D2)]], succ,
                   f"{code} (registry owner {reg[code]['owner_agency_code']}, a former province) reported by its successor {succ}")
        g.case("CD03", [names[("BTP", DB_D1)], names[("BTP", DB_D2)]], "BTP",
               "XLSX; 'x' for yes; every database BTP owns, in shuffled order")

    def write(self, agency, day, items, fmt) -> tuple[str, dict]:
        ref, rng, g = self.ref, self.rng, self.g
        ext = "xlsx" if fmt == "xlsx" else "csv"
        target, name = g.writer.path(agency, "database_status", day, ext)
        headers = [header_variant(h, rng.choice([0, 1, 2, 3])) for h in ref.headers("database_status")]
        yes_alt = agency == "BTP"
        out, rows = [], {}
        for code, st in items:
            out.append([code, ref.label("database_stage", st["stage"]), ref.label("yes_no", "true", yes_alt) if st["funded"] else "Không",
                        ref.label("yes_no", "true", yes_alt) if st["risk"] else "Không", st["reason"]])
            rows[code] = len(out) + 1
            g.round.db.append(oracle.DbRow(agency, day, name, len(out) + 1, code, st["stage"], st["funded"], st["risk"], st["reason"]))
        g.round.db_files.append((agency, day, name))
        if ext == "xlsx":
            g.writer.xlsx(target, headers, out, "CSDL")
        else:
            g.writer.csv(target, headers, out, bom="bom" in fmt, crlf="crlf" in fmt)
        return name, rows


# =============================================================================================== IP
RIGHTS = ["PATENT", "UTILITY_SOLUTION", "INDUSTRIAL_DESIGN", "TRADEMARK", "GEOGRAPHICAL_INDICATION"]
ORIGINS = ["DOMESTIC", "FOREIGN"]
BASE = {("PATENT", "DOMESTIC"): 900, ("PATENT", "FOREIGN"): 650, ("UTILITY_SOLUTION", "DOMESTIC"): 110,
        ("UTILITY_SOLUTION", "FOREIGN"): 40, ("INDUSTRIAL_DESIGN", "DOMESTIC"): 320, ("INDUSTRIAL_DESIGN", "FOREIGN"): 110,
        ("TRADEMARK", "DOMESTIC"): 8200, ("TRADEMARK", "FOREIGN"): 1700, ("GEOGRAPHICAL_INDICATION", "DOMESTIC"): 4,
        ("GEOGRAPHICAL_INDICATION", "FOREIGN"): 2}


@dataclass
class Ip:
    received: int
    processed: int
    granted: int
    pending: int


class IpRound:
    def __init__(self, g: "Generator"):
        self.g, self.rng, self.ref = g, g.rng, g.ref
        self.months: dict[tuple, Ip] = {}  # (month date, right, origin) -> figures (group ALL)
        self.groups: dict[tuple, Ip] = {}  # (ytd month, right, origin, group) -> figures
        self.rows: dict[tuple, int] = {}  # (file, period_type, month, right, origin, group) -> row

    def make_months(self):
        rng = self.rng
        for (right, origin), base in BASE.items():
            pending = int(base * rng.uniform(2.5, 3.5)) + 3  # backlog carried from month to month, across the years
            for year, growth in ((2024, 1.0), (2025, 1.08)):
                for m in range(1, 13 if year == 2024 else 12):
                    received = max(1, int(base * growth * rng.uniform(0.8, 1.2)))
                    ceiling = received + (pending if (year, m) != (2024, 1) else 0)
                    processed = min(ceiling, max(0, int(received * rng.uniform(0.7, 1.3))))
                    granted = int(processed * rng.uniform(0.35, 0.65))
                    pending = max(3, int(pending * rng.uniform(0.95, 1.05)))
                    self.months[(date(year, m, 1), right, origin)] = Ip(received, processed, granted, pending)

    def ytd(self, month: date, right: str, origin: str) -> Ip:
        ms = [v for (m, r, o), v in self.months.items() if r == right and o == origin and m.year == month.year and m <= month]
        return Ip(sum(v.received for v in ms), sum(v.processed for v in ms), sum(v.granted for v in ms),
                  self.months[(month, right, origin)].pending)

    def make_groups(self):
        rng = self.rng
        shares = {gname: rng.uniform(0.01, 0.06) for gname in self.ref.tech_groups}
        for month in (date(2024, 11, 1), date(2025, 6, 1), date(2025, 10, 1), date(2025, 11, 1)):
            for origin in ORIGINS:
                whole = self.ytd(month, "PATENT", origin)
                for gname, share in shares.items():
                    sh = share * (1 + 0.02 * month.month / 12)  # a group's share creeps up: year to date never decreases
                    self.groups[(month, "PATENT", origin, gname)] = Ip(
                        int(whole.received * sh), int(whole.processed * sh), int(whole.granted * sh), int(whole.pending * sh))

    @staticmethod
    def growth(cur: int, prev: int, decimals: int) -> Decimal:
        return (Decimal(cur) * 100 / Decimal(prev) - 100).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)

    def build(self):
        g, rng = self.g, self.rng
        self.make_months()
        self.make_groups()
        M = lambda y, m: date(y, m, 1)
        # Faults, applied to the 30/11/2025 file only
        nov = date(2025, 11, 30)
        # I05 granted above processed in month 10/2025 (YTD granted stays below YTD processed)
        m10 = self.months[(M(2025, 10), "INDUSTRIAL_DESIGN", "FOREIGN")]
        m10.granted = m10.processed + rng.randint(3, 12)  # the month as written; the YTD rows sum the months as written
        # I07 processed in 11/2025 above received + backlog (geographical indications, small counts)
        m11 = self.months[(M(2025, 11), "GEOGRAPHICAL_INDICATION", "DOMESTIC")]
        backlog = self.months[(M(2025, 10), "GEOGRAPHICAL_INDICATION", "DOMESTIC")].pending
        m11.processed = m11.received + backlog + rng.randint(2, 6)
        m11.granted = min(m11.granted, m11.processed)
        for y_month in (M(2025, 10), M(2025, 11)):  # keep every YTD granted <= processed
            y = self.ytd(y_month, "INDUSTRIAL_DESIGN", "FOREIGN")
            assert y.granted <= y.processed, y
        files = {}
        # ---- 15/03/2025: the 2024 months and year-to-date rows (BKHCN exists from 01/03/2025)
        rows = []
        for m in range(1, 13):
            rows += self.month_rows(M(2024, m))
        for m in (3, 6, 9, 10, 11, 12):
            rows += self.ytd_rows(M(2024, m), growth_decimals=None)
        rows += self.group_rows(M(2024, 11))
        files["mar"] = self.write(date(2025, 3, 15), rows, "csv")
        # ---- 10/04/2025 (XLSX, typed counts and typed growth): Q1 2025
        rows = []
        for m in range(1, 4):
            rows += self.month_rows(M(2025, m))
        rows += self.ytd_rows(M(2025, 3), growth_decimals=1)
        files["apr"] = self.write(date(2025, 4, 10), rows, "xlsx_typed")
        # ---- 10/07/2025 (XLSX, typed counts, growth as text): first half
        rows = []
        for m in range(1, 7):
            rows += self.month_rows(M(2025, m))
        rows += self.ytd_rows(M(2025, 6), growth_decimals=2) + self.group_rows(M(2025, 6))
        files["jul"] = self.write(date(2025, 7, 10), rows, "xlsx_counts")
        # ---- 10/10/2025 (CSV with BOM): to September, growth rounded to one decimal
        rows = []
        for m in range(1, 10):
            rows += self.month_rows(M(2025, m))
        rows += self.ytd_rows(M(2025, 9), growth_decimals=1)
        files["oct"] = self.write(date(2025, 10, 10), rows, "csv_bom")
        # ---- 30/11/2025: to November, with the planted faults
        month_rows = []
        for m in range(1, 12):
            month_rows += self.month_rows(M(2025, m))
        ytd_rows = self.ytd_rows(M(2025, 10), growth_decimals=2) + self.ytd_rows(M(2025, 11), growth_decimals=2)
        group_rows = self.group_rows(M(2025, 6)) + self.group_rows(M(2025, 10)) + self.group_rows(M(2025, 11))
        rows = month_rows + ytd_rows + group_rows
        find = lambda key: next(r for r in rows if (r["period_type"], r["month"], r["right"], r["origin"], r["group"]) == key)
        # I01 YTD received above the sum of its months (growth stated from the stated figure)
        r = find(("YTD", M(2025, 11), "TRADEMARK", "DOMESTIC", "ALL"))
        x = rng.randint(60, 240)
        r["received"] += x
        prev = self.ytd(M(2024, 11), "TRADEMARK", "DOMESTIC").received
        r["growth"] = self.growth(r["received"], prev, 2)
        # I02 stated growth 10 points off
        r = find(("YTD", M(2025, 11), "UTILITY_SOLUTION", "DOMESTIC", "ALL"))
        wrong_growth = r["growth"] + 10
        r["growth"] = wrong_growth
        # I03 a technology group above all groups
        whole = find(("YTD", M(2025, 11), "PATENT", "FOREIGN", "ALL"))
        r = find(("YTD", M(2025, 11), "PATENT", "FOREIGN", "SEMICONDUCTOR"))
        r["received"] = whole["received"] + rng.randint(10, 40)
        # I04 a group's year to date goes down from 10/2025 to 11/2025
        r10 = find(("YTD", M(2025, 10), "PATENT", "DOMESTIC", "AI_DIGITAL_TWIN"))
        r11 = find(("YTD", M(2025, 11), "PATENT", "DOMESTIC", "AI_DIGITAL_TWIN"))
        r11["received"] = r10["received"] - rng.randint(5, 15)
        # I06 restated: month 04/2025 pending (not part of any sum), and a group's YTD 06/2025 received
        r = find(("MONTH", M(2025, 4), "PATENT", "DOMESTIC", "ALL"))
        r["pending"] += rng.randint(40, 90)
        r = find(("YTD", M(2025, 6), "PATENT", "DOMESTIC", "AI_DIGITAL_TWIN"))
        r["received"] += rng.randint(3, 9)
        assert r["received"] <= r10["received"] and r["received"] <= self.ytd(M(2025, 6), "PATENT", "DOMESTIC").received
        # I08 a month after the reporting date
        dec = {"period_type": "MONTH", "month": M(2025, 12), "right": "TRADEMARK", "origin": "FOREIGN", "group": "ALL",
               "received": 1500 + rng.randint(0, 300), "processed": 0, "granted": 0, "pending": 0, "growth": None, "gd": 0}
        dec["processed"] = int(dec["received"] * 0.9)
        dec["granted"] = int(dec["processed"] * 0.5)
        dec["pending"] = self.months[(M(2025, 11), "TRADEMARK", "FOREIGN")].pending
        rows.append(dec)
        files["nov"] = self.write(nov, rows, "csv")
        # ---- a copy of some rows sent by the Academy of Science and Technology, not the IP Office
        copy = self.month_rows(M(2025, 1)) + self.month_rows(M(2025, 2))
        copy = [r for r in copy if r["right"] == "GEOGRAPHICAL_INDICATION"]
        files["vast"] = self.write(nov, copy, "csv", agency="VHLKHCNVN")

        key = lambda f, pt, m, right, origin, grp="ALL": self.rows[(files[f], pt, m, right, origin, grp)]
        g.fault("I01", "IP-YTD-SUM", "BKHCN", files["nov"], key("nov", "YTD", M(2025, 11), "TRADEMARK", "DOMESTIC"),
                f"YTD 11/2025 Nhãn hiệu / Trong nước received {x} above the sum of its months (growth stated from it)")
        g.fault("I02", "IP-YOY-GROWTH", "BKHCN", files["nov"], key("nov", "YTD", M(2025, 11), "UTILITY_SOLUTION", "DOMESTIC"),
                f"YTD 11/2025 Giải pháp hữu ích / Trong nước growth stated {fmt_number(wrong_growth, 2, 'vi')} %, 10 points above the figures")
        g.fault("I03", "IP-GROUP-LE-ALL", "BKHCN", files["nov"], key("nov", "YTD", M(2025, 11), "PATENT", "FOREIGN", "SEMICONDUCTOR"),
                "YTD 11/2025 Sáng chế / Nước ngoài, group SEMICONDUCTOR received above all groups")
        g.fault("I04", "IP-YTD-DECREASES", "BKHCN", files["nov"], key("nov", "YTD", M(2025, 11), "PATENT", "DOMESTIC", "AI_DIGITAL_TWIN"),
                "YTD Sáng chế / Trong nước, group AI_DIGITAL_TWIN: received at 11/2025 below 10/2025 (no months: no YTD sum check)")
        g.fault("I05", "IP-GRANTED-LE-PROCESSED", "BKHCN", files["nov"], key("nov", "MONTH", M(2025, 10), "INDUSTRIAL_DESIGN", "FOREIGN"),
                "month 10/2025 Kiểu dáng công nghiệp / Nước ngoài: granted above processed (YTD granted still below processed)")
        g.fault("I06a", "IP-RESTATED", "BKHCN", files["nov"], key("nov", "MONTH", M(2025, 4), "PATENT", "DOMESTIC"),
                "month 04/2025 Sáng chế / Trong nước: pending overdue differs from the 10/07 and 10/10 files")
        g.fault("I06b", "IP-RESTATED", "BKHCN", files["nov"], key("nov", "YTD", M(2025, 6), "PATENT", "DOMESTIC", "AI_DIGITAL_TWIN"),
                "YTD 06/2025 Sáng chế / Trong nước, group AI_DIGITAL_TWIN: received differs from the 10/07 file")
        g.fault("I07", "IP-PROCESSED-LE-AVAILABLE", "BKHCN", files["nov"], key("nov", "MONTH", M(2025, 11), "GEOGRAPHICAL_INDICATION", "DOMESTIC"),
                f"month 11/2025 Chỉ dẫn địa lý / Trong nước: processed {m11.processed} > received {m11.received} + backlog {backlog}")
        g.fault("I08", "IP-PERIOD-AFTER-REPORT", "BKHCN", files["nov"], key("nov", "MONTH", M(2025, 12), "TRADEMARK", "FOREIGN"),
                "a month 01/12/2025 in a file reporting at 30/11/2025")
        g.fault("I09", "IP-NOT-IP-OFFICE", "VHLKHCNVN", files["vast"], None,
                "ip_filings file from VHLKHCNVN (a copy of BKHCN's geographical-indication months, same figures)")
        g.case("CI01", [files["oct"]], "BKHCN", "growth on the same period rounded to one decimal (e.g. 7,3 for 7,28...): within its rounding; CSV with BOM")
        g.case("CI02", [files["jul"]], "BKHCN", "XLSX with counts typed as Excel numbers and growth as vi text with two decimals")
        g.case("CI03", [files["apr"]], "BKHCN", "XLSX with counts AND growth typed as Excel numbers (format '0.0'): a typed cell is a number, not text in the vi style")
        g.case("CI04", [files["mar"]], "BKHCN", "the 2024 months in a file of 15/03/2025 (periods before the reporting date); vi thousands grouping for counts")

    def month_rows(self, month: date) -> list[dict]:
        out = []
        for right in RIGHTS:
            for origin in ORIGINS:
                v = self.months[(month, right, origin)]
                out.append({"period_type": "MONTH", "month": month, "right": right, "origin": origin, "group": "ALL",
                            "received": v.received, "processed": v.processed, "granted": v.granted, "pending": v.pending,
                            "growth": None, "gd": 0})
        return out

    def ytd_rows(self, month: date, growth_decimals: int | None) -> list[dict]:
        out = []
        for right in RIGHTS:
            for origin in ORIGINS:
                v = self.ytd(month, right, origin)
                growth = None
                if growth_decimals is not None:
                    growth = self.growth(v.received, self.ytd(date(month.year - 1, month.month, 1), right, origin).received, growth_decimals)
                out.append({"period_type": "YTD", "month": month, "right": right, "origin": origin, "group": "ALL",
                            "received": v.received, "processed": v.processed, "granted": v.granted, "pending": v.pending,
                            "growth": growth, "gd": growth_decimals or 0})
        return out

    def group_rows(self, month: date) -> list[dict]:
        return [{"period_type": "YTD", "month": m, "right": right, "origin": origin, "group": gname,
                 "received": v.received, "processed": v.processed, "granted": v.granted, "pending": v.pending, "growth": None, "gd": 0}
                for (m, right, origin, gname), v in self.groups.items() if m == month]

    def write(self, day: date, rows: list[dict], fmt: str, agency: str = "BKHCN") -> str:
        ref, rng, g = self.ref, self.rng, self.g
        ext = "xlsx" if fmt.startswith("xlsx") else "csv"
        target, name = g.writer.path(agency, "ip_filings", day, ext)
        headers = [header_variant(h, rng.choice([0, 2, 3])) for h in ref.headers("ip_filings")]
        out = []
        for r in rows:
            assert all(r[k] >= 0 for k in ("received", "processed", "granted", "pending")), r
            if ext == "xlsx":
                counts = [Typed(r[k], "#,##0") for k in ("received", "processed", "granted", "pending")]
                month = typed_date(r["month"]) if rng.random() < 0.7 else dmy(r["month"])
            else:
                counts = [fmt_int(r[k], "vi", group=rng.random() < 0.7) for k in ("received", "processed", "granted", "pending")]
                month = dmy(r["month"])
            if r["growth"] is None:
                growth = None
            elif fmt == "xlsx_typed":
                growth = Typed(r["growth"], "0." + "0" * r["gd"])
            else:
                growth = fmt_number(r["growth"], r["gd"], "vi")
            out.append([ref.label("ip_period", r["period_type"]), month, ref.label("ip_right_type", r["right"]),
                        ref.label("ip_origin", r["origin"]), None if r["group"] == "ALL" else r["group"], *counts, growth])
            n = len(out) + 1
            self.rows[(name, r["period_type"], r["month"], r["right"], r["origin"], r["group"])] = n
            g.round.ip.append(oracle.IpRow(agency, day, name, n, r["period_type"], r["month"], r["right"], r["origin"], r["group"],
                                           r["received"], r["processed"], r["granted"], r["pending"], r["growth"], r["gd"]))
        g.round.ip_files.append((agency, day, name))
        if ext == "xlsx":
            g.writer.xlsx(target, headers, out, "SHTT")
        else:
            g.writer.csv(target, headers, out, bom="bom" in fmt, crlf="crlf" in fmt)
        return name


# ========================================================================================= generator
# Faults that can be left out for a diagnostic run (--omit): the two cases whose rule also changes the
# marts (the lead's or owner's row wins), which today put a duplicate key into the marts and stop dbt.
OMITTABLE = {"T12", "D06", "D07"}


class Generator:
    def __init__(self, out_dir: Path, seed: int, omit=()):
        self.omit = set(omit)
        assert self.omit <= OMITTABLE, f"only {sorted(OMITTABLE)} can be omitted"
        self.rng = random.Random(seed)
        self.ref = Ref()
        self.gt = GroundTruth(out_dir=Path(out_dir), seed=seed)
        self.writer = Writer(self.gt)
        self.round = oracle.Round()

    def fault(self, fault_id, rule_id, agency, file_name, row, description):
        assert rule_id in SEVERITY, rule_id
        assert agency not in SAMPLE_FAULT_AGENCIES, (fault_id, agency)
        self.gt.faults.append(Fault(fault_id, rule_id, agency, file_name, row, description))

    def case(self, case_id, file_names, agency, description):
        self.gt.consistent.append(Case(case_id, list(file_names), agency, description))

    def run(self) -> GroundTruth:
        self.gt.inbox.mkdir(parents=True, exist_ok=False)
        TaskRound(self).build()
        BudgetRound(self).build()
        DatabaseRound(self).build()
        IpRound(self).build()
        self.check()
        self.save()
        return self.gt

    def check(self):
        """The ground truth is exactly what the constraints say about the round (oracle.py)."""
        found = oracle.violations(self.round, self.ref.oracle_reference())
        problems = []
        explains = lambda f, v: v.rule_id == f.rule_id and v.agency_code == f.agency_code and v.cites_row(f.file_name, f.row)
        for f in self.gt.faults:
            if not any(explains(f, v) for v in found):
                problems.append(f"planted fault not found by the oracle: {f}")
        for v in found:
            if not any(explains(f, v) for f in self.gt.faults):
                problems.append(f"violation not in the ground truth (a cascade or an accident): {v}")
        consistent_files = {n for c in self.gt.consistent for n in c.file_names}
        for v in found:
            if v.files & consistent_files and SEVERITY[v.rule_id] == "error":
                problems.append(f"error in a consistent-case file: {v}")
        if problems:
            raise AssertionError("generated round does not match its ground truth:\n" + "\n".join(problems))
        # The precision cases are sharp: a checker that ignores rounding would flag them.
        exact = {(v.rule_id, f) for v in oracle.violations(self.round, self.ref.oracle_reference(), exact=True) for f in v.files}
        for rule, case_id in (("BUD-SUM-NATURE", "CB01"), ("BUD-DISBURSEMENT-DECREASES", "CB02"), ("BUD-APPROVED-LE-PROPOSED", "CB04")):
            files = next(c.file_names for c in self.gt.consistent if c.case_id == case_id)
            assert any(r == rule and f in files for r, f in exact), f"{case_id} is not sharp: exact comparison finds no {rule}"

    def save(self):
        with open(self.gt.out_dir / "ground_truth.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(GT_COLUMNS)
            for x in self.gt.faults:
                w.writerow([x.fault_id, x.rule_id, x.severity, x.agency_code, x.file_name, "" if x.row is None else x.row, x.description])
        with open(self.gt.out_dir / "consistent_cases.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(CASE_COLUMNS)
            for c in self.gt.consistent:
                w.writerow([c.case_id, ";".join(c.file_names), c.agency_code, c.description])


def generate(out_dir: Path | str, seed: int = 7, omit=()) -> GroundTruth:
    """Write the round under out_dir (inbox/, ground_truth.csv, consistent_cases.csv) and return its ground truth.

    omit: diagnostic only, faults of OMITTABLE left out of the round and of its ground truth.
    """
    return Generator(Path(out_dir), seed, omit).run()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True, help="output folder (must not hold an inbox/ yet)")
    parser.add_argument("--omit", default="", help=f"diagnostic: comma-separated faults to leave out ({', '.join(sorted(OMITTABLE))})")
    args = parser.parse_args(argv)
    gt = generate(args.out, args.seed, [x for x in args.omit.split(",") if x])
    print(f"{len(gt.files)} files in {gt.inbox}; {len(gt.faults)} ground-truth rows "
          f"({len({f.fault_id.rstrip('ab') for f in gt.faults})} faults), {len(gt.consistent)} consistent cases")


if __name__ == "__main__":
    main()
