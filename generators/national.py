"""National-scale reporting rounds for the benchmarks (bench/national.py) and their end-to-end test.

Every current ministry, ministerial agency, government agency and province (56 agencies) reports every
day from `start`: its task-status snapshot and the matching task summary, and each database owner its
database snapshot; every agency sends budget lines on the first day and a disbursement update weekly
(mixed units: đồng, triệu đồng, tỷ đồng; vi and en number styles; both label spellings); the IP Office
(BKHCN) sends its monthly filings on the first day and on each first of a month. Some files are XLSX.
Every file is valid and every rule holds, except the faults planted at `faults` rate, each listed in
the ground-truth CSV (file, rule id, agency, subject).

Size: scale 1.0 is 1,000,000 task rows over the whole round, whatever the number of days: each agency
leads round(scale * 1e6 / (56 * days)) tasks, reported every day (rows = 56 * tasks * days).
Tasks, budget lines and databases are built as polars/numpy columns from one seeded generator; files
are written by polars (CSV) or the generators' one XLSX writer, so the same seed gives the same bytes.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
from tqdm import tqdm

from generators.inputs import SOURCES, enums, read_agencies
from generators.inputs import headers as contract_headers
from generators.writers import write_xlsx

TASK_ROWS_AT_SCALE_1 = 1_000_000
KINDS = ("ministry", "ministerial_agency", "government_agency", "province")
PROGRAMMES = ["NQ71", "KH02", "TBKL", "TBT"]
CREATED = datetime(2025, 10, 1, 7, 0, 0)  # XLSX creation date: fixed, so the bytes never change
TRUTH_HEADER = ["file_name", "rule_id", "agency_code", "subject", "description"]
STATUS = {code: labels[0] for code, labels in enums()["task_status"].items()}


@cache
def headers(domain: str) -> list[str]:
    """The contract's headers, read once (a file is written per agency and day)."""
    return contract_headers(domain)


@cache
def agency_rows() -> tuple[dict, ...]:
    return tuple(read_agencies())


@dataclass
class Round:
    out: Path
    days: int
    scale: float
    seed: int = 7
    start: date = date(2025, 10, 1)
    faults: float = 0.0
    progress: bool = True
    agencies: pl.DataFrame = field(init=False)
    rng: np.random.Generator = field(init=False)
    truth: list[dict] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    task_rows: int = 0

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)
        rows = [a for a in agency_rows() if a["agency_kind"] in KINDS and not a["valid_to"]
                and (not a["valid_from"] or date.fromisoformat(a["valid_from"]) <= self.start)]
        self.agencies = pl.DataFrame({
            "agency": [a["agency_code"] for a in rows], "block": [a["block_code"] for a in rows],
            "central": [a["agency_kind"] != "province" for a in rows]}).with_row_index("ai")

    @property
    def dates(self) -> list[date]:
        return [self.start + timedelta(days=d) for d in range(self.days)]

    def planted(self, n: int) -> np.ndarray:
        """Which of n candidate files carry a fault (always drawn, so the clean files do not depend on the rate)."""
        return self.rng.random(n) < self.faults

    def fault(self, path: Path, rule: str, agency: str, subject: str, description: str) -> None:
        self.truth.append({"file_name": path.name, "rule_id": rule, "agency_code": agency, "subject": subject,
                           "description": description})


# ---------------------------------------------------------------- writing

def file_path(r: Round, agency: str, domain: str, day: date, xlsx: bool) -> Path:
    return r.out / f"{agency}__{domain}__{day.isoformat()}.{'xlsx' if xlsx else 'csv'}"


def write(r: Round, frame: pl.DataFrame, path: Path, variant: int, sheet: str) -> None:
    """A frame whose columns are the contract's headers, as CSV (LF, CR LF, with or without BOM) or XLSX."""
    if path.suffix == ".xlsx":
        write_xlsx(path, frame.columns, frame.to_dicts(), sheet=sheet, created=CREATED)
    else:
        frame.write_csv(path, include_bom=variant % 2 == 1, line_terminator="\r\n" if variant % 3 == 1 else "\n")
    r.files.append(path)


def grouped(digits: pl.Expr, sep: str) -> pl.Expr:
    """Thousands groups of a string of digits ('16716' -> '16.716'), by regex on the reversed digits."""
    return digits.str.reverse().str.replace_all(r"(\d{3})", "${1}" + sep).str.strip_chars_end(sep).str.reverse()


def amount_text(minor: pl.Expr, decimals: pl.Expr, style: pl.Expr) -> pl.Expr:
    """An amount held as whole units of its last decimal, written in the file's style (vi 16.716,074; en 16,716.074)."""
    scale = pl.when(decimals == 3).then(1000).otherwise(1)
    whole, frac = (minor // scale).cast(pl.String), (minor % scale).cast(pl.String).str.zfill(3)
    vi = pl.concat_str(grouped(whole, "."), pl.when(decimals == 3).then(pl.lit(",") + frac).otherwise(pl.lit("")))
    en = pl.concat_str(grouped(whole, ","), pl.when(decimals == 3).then(pl.lit(".") + frac).otherwise(pl.lit("")))
    return pl.when(style == "vi").then(vi).otherwise(en)


def dmy(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%d/%m/%Y")


# ---------------------------------------------------------------- tasks and summaries

def task_frame(r: Round) -> pl.DataFrame:
    """Every agency's tasks with the dates that decide their status on any day (completion may be after the round)."""
    per_agency = max(1, round(r.scale * TASK_ROWS_AT_SCALE_1 / (r.agencies.height * r.days)))
    n = per_agency * r.agencies.height
    rng = r.rng
    start = np.datetime64(r.start)
    assigned = start - rng.integers(30, 400, n).astype("timedelta64[D]")
    recurring = rng.random(n) < 0.1
    deadline = assigned + rng.integers(30, 500, n).astype("timedelta64[D]")
    completion = assigned + rng.integers(1, 600, n).astype("timedelta64[D]")
    frame = pl.DataFrame({
        "ai": np.repeat(np.arange(r.agencies.height, dtype=np.uint32), per_agency),
        "i": np.tile(np.arange(per_agency), r.agencies.height),
        "programme": np.array(PROGRAMMES)[rng.integers(0, len(PROGRAMMES), n)],
        "recurring": recurring,
        "assigned": assigned, "deadline": deadline, "completion": completion,
        "product": np.array(["Nghị định", "Quyết định", "Nền tảng số", "Báo cáo", "Cơ sở dữ liệu"])[rng.integers(0, 5, n)],
    }).join(r.agencies, on="ai")
    return frame.with_columns(
        pl.col("assigned", "deadline", "completion").cast(pl.Date),
        task_id=pl.concat_str("programme", pl.lit("-"), "agency", pl.lit("-"), pl.col("i").cast(pl.String).str.zfill(6)),
    ).with_columns(
        deadline=pl.when(pl.col("recurring")).then(None).otherwise(pl.col("deadline")),
        completion=pl.when(pl.col("recurring")).then(None).otherwise(pl.col("completion")))


def status_on(tasks: pl.DataFrame, day: date) -> pl.DataFrame:
    """The snapshot at `day`: status from the dates, so statuses never move back and dates are never restated."""
    done = pl.col("completion") <= day
    return tasks.with_columns(
        status=pl.when(pl.col("recurring")).then(pl.lit("RECURRING"))
        .when(done & (pl.col("completion") <= pl.col("deadline"))).then(pl.lit("DONE_ON_TIME"))
        .when(done).then(pl.lit("DONE_LATE"))
        .when(pl.col("deadline") >= day).then(pl.lit("IN_PROGRESS_ON_TIME"))
        .otherwise(pl.lit("IN_PROGRESS_OVERDUE")),
        shown_completion=pl.when(done).then(pl.col("completion")))


def task_file(snapshot: pl.DataFrame) -> pl.DataFrame:
    h = headers("task_status")
    return snapshot.select(
        pl.col("task_id").alias(h[0]), pl.col("programme").alias(h[1]), pl.col("agency").alias(h[2]),
        pl.lit(None, pl.String).alias(h[3]),
        pl.concat_str(pl.lit("Triển khai nhiệm vụ "), "task_id").alias(h[4]), pl.col("product").alias(h[5]),
        pl.when(pl.col("central")).then(pl.lit("Thứ trưởng")).otherwise(pl.lit("Phó Chủ tịch UBND tỉnh")).alias(h[6]),
        pl.when(pl.col("central")).then(pl.lit("Vụ KHCN")).otherwise(pl.lit("Sở KHCN")).alias(h[7]),
        pl.when(pl.col("central")).then(pl.lit("Thủ tướng")).otherwise(pl.lit("Chủ tịch UBND tỉnh")).alias(h[8]),
        dmy("assigned").alias(h[9]), dmy("deadline").alias(h[10]),
        pl.col("status").replace_strict(STATUS).alias(h[11]), dmy("shown_completion").alias(h[12]),
        pl.lit(None, pl.String).alias(h[13]))


def summary_frame(snapshot: pl.DataFrame) -> pl.DataFrame:
    """The agency's declared counts per programme, equal to its rows."""
    def n(*codes: str) -> pl.Expr:
        return pl.col("status").is_in(codes).sum().cast(pl.Int64)
    return (snapshot.group_by("programme").agg(
        total=pl.len().cast(pl.Int64), recurring=n("RECURRING"), completed=n("DONE_ON_TIME", "DONE_LATE"),
        completed_on_time=n("DONE_ON_TIME"), completed_late=n("DONE_LATE"),
        in_progress_on_time=n("IN_PROGRESS_ON_TIME"), in_progress_overdue=n("IN_PROGRESS_OVERDUE"))
        .sort("programme"))


def summary_file(counts: pl.DataFrame) -> pl.DataFrame:
    h = headers("task_summary")
    names = counts.columns
    return counts.select(pl.col("programme").alias(h[0]),
                         *(grouped(pl.col(c).cast(pl.String), ".").alias(x) for c, x in zip(names[1:], h[1:])))


def write_tasks(r: Round, bar: tqdm) -> None:
    tasks = task_frame(r)
    r.task_rows = tasks.height * r.days
    summaries = r.agencies.height * r.days
    faulty = r.planted(summaries).reshape(r.days, r.agencies.height)
    for d, day in enumerate(r.dates):
        snapshot = status_on(tasks, day)
        for (ai,), rows in snapshot.partition_by("ai", as_dict=True, maintain_order=True).items():
            agency = rows["agency"][0]
            path = file_path(r, agency, "task_status", day, xlsx=ai == 0)
            write(r, task_file(rows), path, ai, "Nhiệm vụ")
            counts = summary_frame(rows)
            spath = file_path(r, agency, "task_summary", day, xlsx=ai % 3 == 0)
            if faulty[d, ai]:
                # one more task in progress than its rows show, total kept equal to its parts
                counts = counts.with_columns(
                    pl.when(pl.int_range(pl.len()) == 0).then(pl.col(c) + 1).otherwise(pl.col(c)).alias(c)
                    for c in ("total", "in_progress_on_time"))
                r.fault(spath, "TS-DECLARED-VS-ROWS", agency, counts["programme"][0],
                        "declared total and in-progress-on-time one more than the rows")
            write(r, summary_file(counts), spath, ai + 1, "Tổng hợp")
            bar.update(2)


# ---------------------------------------------------------------- budget

NATURES, FIELDS, STAGES = ["DEV_INVESTMENT", "RECURRENT"], ["KHCN_DMST", "CDS", "CNTT"], ["PROPOSED", "APPROVED", "ALLOCATED", "DISBURSED"]
UNITS = [("DONG", 0, 1_000_000), ("TRIEU", 3, 1000), ("TY", 3, 1)]  # code, decimals, units of the last decimal per 0.001 tỷ


def budget_days(r: Round, ai: int) -> list[int]:
    """The first day, then one update a week (on a weekday of the agency's own)."""
    return [d for d in range(r.days) if d == 0 or d % 7 == ai % 7]


def budget_leaves(r: Round) -> pl.DataFrame:
    """Per agency and leaf (nature x field): proposed, approved, allocated in 0.001 tỷ; each stage at most the one before."""
    n = r.agencies.height * len(NATURES) * len(FIELDS)
    proposed = r.rng.integers(1_000, 100_000, n)
    approved = proposed * r.rng.integers(80, 101, n) // 100
    allocated = approved * r.rng.integers(70, 101, n) // 100
    return pl.DataFrame({
        "ai": np.repeat(np.arange(r.agencies.height, dtype=np.uint32), len(NATURES) * len(FIELDS)),
        "nature": np.tile(np.repeat(NATURES, len(FIELDS)), r.agencies.height),
        "field": np.tile(FIELDS, r.agencies.height * len(NATURES)),
        "PROPOSED": proposed, "APPROVED": approved, "ALLOCATED": allocated})


def with_totals(leaves: pl.DataFrame) -> pl.DataFrame:
    """The leaves and the declared totals (per nature, per field, grand), each the exact sum of its parts."""
    by_nature = leaves.group_by("stage", "nature").agg(pl.col("minor").sum()).with_columns(field=pl.lit("ALL"))
    by_field = leaves.group_by("stage", "field").agg(pl.col("minor").sum()).with_columns(nature=pl.lit("ALL"))
    grand = leaves.group_by("stage").agg(pl.col("minor").sum()).with_columns(nature=pl.lit("ALL"), field=pl.lit("ALL"))
    cols = ["stage", "nature", "field", "minor"]
    return pl.concat([leaves.select(cols), by_nature.select(cols), by_field.select(cols), grand.select(cols)])


def budget_file(lines: pl.DataFrame, agency: dict, year: int, unit: int, style: str, alt: int) -> pl.DataFrame:
    h = headers("budget")
    lab = {e: {c: v[min(alt, len(v) - 1)] for c, v in enums()[e].items()}
           for e in ("budget_source", "budget_nature", "budget_field", "gov_level", "budget_stage", "money_unit", "number_style")}
    code, decimals, _ = UNITS[unit]
    order = {s: i for i, s in enumerate(STAGES)}
    return (lines.with_columns(o=pl.col("stage").replace_strict(order, return_dtype=pl.Int8))
            .sort("o", "nature", "field").select(
        pl.lit(year).alias(h[0]), pl.lit(lab["budget_source"]["DU_TOAN"]).alias(h[1]),
        pl.col("nature").replace_strict(lab["budget_nature"]).alias(h[2]),
        pl.col("field").replace_strict(lab["budget_field"]).alias(h[3]),
        pl.lit(agency["block"] or "CHINH_PHU").alias(h[4]),  # provinces belong to no block: their lines are government
        pl.lit(lab["gov_level"]["CENTRAL" if agency["central"] else "PROVINCE"]).alias(h[5]),
        pl.col("stage").replace_strict(lab["budget_stage"]).alias(h[6]),
        amount_text(pl.col("minor"), pl.lit(decimals), pl.lit(style)).alias(h[7]),
        pl.lit(lab["money_unit"][code]).alias(h[8]), pl.lit(lab["number_style"][style]).alias(h[9]),
        pl.lit(None, pl.String).alias(h[10])))


def write_budget(r: Round, bar: tqdm) -> None:
    leaves = budget_leaves(r)
    units = r.rng.integers(0, len(UNITS), r.agencies.height)
    for agency in r.agencies.to_dicts():
        ai = agency["ai"]
        days = budget_days(r, ai)
        faulty = r.planted(len(days))
        kinds = r.rng.integers(0, 2, len(days))
        unit, style, alt = int(units[ai]), ("vi", "en")[ai % 2], (ai // 2) % 2
        mine = leaves.filter(pl.col("ai") == ai)
        for k, d in enumerate(days):
            # cumulative disbursement grows with each update, never above the allocation
            stages = mine.with_columns(DISBURSED=pl.col("ALLOCATED") * min(95, 30 + 2 * k) // 100)
            long = stages.unpivot(STAGES, index=["nature", "field"], variable_name="stage", value_name="minor")
            path = file_path(r, agency["agency"], "budget", r.dates[d], xlsx=ai % 4 == 0)
            last = k == len(days) - 1
            if faulty[k] and kinds[k] == 1 and last:  # only in the last update: a later one would then decrease
                leaf = (pl.col("stage") == "DISBURSED") & (pl.col("nature") == "DEV_INVESTMENT") & (pl.col("field") == "KHCN_DMST")
                long = long.with_columns(minor=pl.when(leaf).then(
                    stages.filter((pl.col("nature") == "DEV_INVESTMENT") & (pl.col("field") == "KHCN_DMST"))["ALLOCATED"][0] * 11 // 10 + 1)
                    .otherwise(pl.col("minor")))
                r.fault(path, "BUD-DISBURSED-LE-ALLOCATED", agency["agency"], "DISBURSED DEV_INVESTMENT KHCN_DMST",
                        "disbursed 10% above allocated")
            lines = with_totals(long)
            if faulty[k] and (kinds[k] == 0 or not last):
                grand = (pl.col("stage") == "PROPOSED") & (pl.col("nature") == "ALL") & (pl.col("field") == "ALL")
                lines = lines.with_columns(minor=pl.when(grand).then(pl.col("minor") * 11 // 10).otherwise(pl.col("minor")))
                for rule in ("BUD-SUM-FIELD", "BUD-SUM-NATURE"):
                    r.fault(path, rule, agency["agency"], "PROPOSED ALL ALL", "proposed grand total 10% above its parts")
            lines = lines.with_columns(minor=pl.col("minor") * UNITS[unit][2])
            write(r, budget_file(lines, agency, r.dates[d].year, unit, style, alt), path, ai, "Ngân sách")
            bar.update(1)


# ---------------------------------------------------------------- databases

def registry() -> pl.DataFrame:
    return pl.read_csv(SOURCES / "reference" / "databases.csv", infer_schema=False)


def owner_on(code: str, day: date) -> str:
    """The registry owner, or its successor once it has ended (a merged former province)."""
    ended, successor = next(((a["valid_to"], a["successor_code"]) for a in agency_rows() if a["agency_code"] == code),
                            (None, None))
    return successor if ended and date.fromisoformat(ended) < day else code


def db_owners(day: date) -> set[str]:
    return {owner_on(c, day) for c in registry()["owner_agency_code"].unique()}


def write_databases(r: Round, bar: tqdm) -> None:
    """Each owner's databases every day; a stage moves up at most once and never back."""
    registry_ = registry()
    n = registry_.height
    stage0, step = r.rng.integers(0, 3, n), r.rng.integers(0, 2 * r.days, n)
    risk = r.rng.random(n) < 0.2
    h = headers("database_status")
    known = set(r.agencies["agency"].to_list())
    for d, day in enumerate(r.dates):
        owners = {c: owner_on(c, day) for c in registry_["owner_agency_code"].unique()}
        stage = np.minimum(3, stage0 + (d >= step))
        frame = registry_.with_columns(
            owner=pl.col("owner_agency_code").replace_strict(owners),
            stage=pl.Series(stage), risk=pl.Series(risk & (stage < 3)))
        for (agency,), rows in frame.partition_by("owner", as_dict=True, maintain_order=True).items():
            assert agency in known, f"database owner {agency} is not one of the reporting agencies"
            ai = r.agencies.filter(pl.col("agency") == agency)["ai"][0]
            yes = "x" if ai % 5 == 1 else "Có"
            out = rows.select(
                pl.col("database_code").alias(h[0]),
                pl.col("stage").replace_strict(dict(enumerate(label[0] for label in enums()["database_stage"].values()))).alias(h[1]),
                pl.when(pl.col("stage") >= 1).then(pl.lit(yes)).otherwise(pl.lit("Không")).alias(h[2]),
                pl.when(pl.col("risk")).then(pl.lit(yes)).otherwise(pl.lit("Không")).alias(h[3]),
                pl.lit(None, pl.String).alias(h[4]))
            write(r, out, file_path(r, agency, "database_status", day, xlsx=ai % 5 == 0), ai, "CSDL")
            bar.update(1)


# ---------------------------------------------------------------- IP filings

def ip_days(r: Round) -> list[int]:
    return [d for d, day in enumerate(r.dates) if d == 0 or day.day == 1]


def write_ip(r: Round, bar: tqdm) -> None:
    """BKHCN's months from January and the year to date, all groups and two technology groups, each within all."""
    rights, origins = list(enums()["ip_right_type"]), list(enums()["ip_origin"])
    groups = ["", "AI_DIGITAL_TWIN", "BLOCKCHAIN"]
    years = sorted({day.year for day in r.dates})
    grid = pl.DataFrame({"year": np.repeat(years, 12 * len(rights) * len(origins)),
                         "m": np.tile(np.repeat(np.arange(1, 13), len(rights) * len(origins)), len(years)),
                         "right": np.tile(np.repeat(rights, len(origins)), 12 * len(years)),
                         "origin": np.tile(origins, 12 * len(years) * len(rights))})
    k = grid.height
    received = r.rng.integers(50, 2000, k)
    processed = received * r.rng.integers(50, 100, k) // 100
    granted = processed * r.rng.integers(30, 100, k) // 100
    pending = r.rng.integers(0, 50, k)
    base = grid.with_columns(received=received, processed=processed, granted=granted, pending_overdue=pending)
    measures = ["received", "processed", "granted", "pending_overdue"]
    every = pl.concat([base.with_columns(group=pl.lit(g), *(pl.col(m) * (100 if not g else 30 - 10 * i) // 100 for m in measures))
                       for i, g in enumerate(groups)])
    h = headers("ip_filings")
    for d in ip_days(r):
        day = r.dates[d]
        months = every.filter((pl.col("year") == day.year) & (pl.col("m") <= day.month)).sort("group", "right", "origin", "m")
        ytd = months.with_columns(pl.col(m).cum_sum().over("group", "right", "origin") for m in measures)
        ytd = ytd.with_columns(pending_overdue=months["pending_overdue"])  # a stock, not a flow: the month's own
        rows = pl.concat([months.with_columns(period=pl.lit("MONTH")), ytd.with_columns(period=pl.lit("YTD"))])
        out = rows.select(
            pl.col("period").replace_strict({c: v[0] for c, v in enums()["ip_period"].items()}).alias(h[0]),
            pl.date(pl.col("year"), pl.col("m"), 1).dt.strftime("%d/%m/%Y").alias(h[1]),
            pl.col("right").replace_strict({c: v[0] for c, v in enums()["ip_right_type"].items()}).alias(h[2]),
            pl.col("origin").replace_strict({c: v[0] for c, v in enums()["ip_origin"].items()}).alias(h[3]),
            pl.when(pl.col("group") == "").then(None).otherwise(pl.col("group")).alias(h[4]),
            *(grouped(pl.col(m).cast(pl.String), ".").alias(x) for m, x in zip(measures, h[5:9])),
            pl.lit(None, pl.String).alias(h[9]))
        write(r, out, file_path(r, "BKHCN", "ip_filings", day, xlsx=d > 0), 0, "Sở hữu công nghiệp")
        bar.update(1)


# ---------------------------------------------------------------- the round

def generate(out: Path, days: int, scale: float, seed: int = 7, start: date = date(2025, 10, 1), faults: float = 0.0,
             truth: Path | None = None, progress: bool = True) -> Round:
    """Write the round into `out` (made if missing) and, when `truth` is given, its ground truth; return the round."""
    out.mkdir(parents=True, exist_ok=True)
    r = Round(out, days, scale, seed, start, faults, progress)
    expected = (r.agencies.height * days * 2 + sum(len(budget_days(r, ai)) for ai in range(r.agencies.height))
                + len(db_owners(r.dates[0])) * days + len(ip_days(r)))
    with tqdm(total=expected, unit="file", disable=not progress, desc="national round") as bar:
        write_tasks(r, bar)
        write_budget(r, bar)
        write_databases(r, bar)
        write_ip(r, bar)
    if truth is not None:
        with open(truth, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, TRUTH_HEADER, lineterminator="\n")
            writer.writeheader()
            writer.writerows(r.truth)
    return r
