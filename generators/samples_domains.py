"""Write the sample submissions for budget, database readiness and IP filings (deterministic).

Run from the repository root:  .venv/bin/python -m generators.samples_domains [OUT]
OUT defaults to sources/, the folder the paths below are named in (tests/test_generators.py writes to a temporary
one). Same bytes on every run (random.Random with fixed seeds, fixed XLSX creation dates, no clocks).

What it (re)writes, and nothing else:
  sources/reference/databases.csv       registry of the 117 databases (105 NQ71 + 12 KH02) and owners
  sources/samples/<date>/<AG>__budget__<date>.csv|xlsx
      2025-07-15 (proposed + approved), 2025-09-30 (allocated + disbursed), 2025-12-19 (disbursed)
      for the 59 current agencies (22 central, 34 provinces, 3 block agencies); 2024-12-31
      (allocated + disbursed, year 2024) for the 63 provinces that existed in 2024.
      Central agencies report the sources DU_TOAN and TANG_THU_2024, the others DU_TOAN only.
      Each (stage, source) has six lines: total, the nature split, the field split.
      Units/styles: tỷ đồng + vi by default; every 5th current agency in registry order
      (positions 5, 10, ..., 55 among the 59) writes triệu đồng; BTC and HA_NOI write tỷ đồng in
      en style; BNG writes đồng. BKHCN and BCA send their 2025-09-30 file as XLSX (amounts as text).
  sources/samples/<date>/<AG>__database_status__<date>.csv   2025-09-30 and 2025-12-15, per owner
  sources/samples/<date>/BKHCN__ip_filings__<date>.csv       2025-03-31 (the 2024 months) and 2025-12-15
  the section "## Budget, database readiness and IP filings" at the end of sources/samples/README.md
Before writing it deletes only files whose name contains __budget__, __database_status__ or
__ip_filings__ under OUT/samples/*/ (never the task_status / task_summary files).

Planted faults (exact rows and values: the README section this script writes):
  B1 BUD-SUM-FIELD              BXD 2025-07-15, APPROVED, DU_TOAN: CNTT line 5 tỷ above
                                total - KHCN-ĐMST - CĐS (still <= its PROPOSED line).
  B2 BUD-APPROVED-LE-PROPOSED   HA_NOI 2025-07-15, DU_TOAN: APPROVED "Chi thường xuyên" above its
                                PROPOSED line; total, investment and field lines stay below.
  B3 BUD-DISBURSED-LE-ALLOCATED BTC 2025-12-19, DU_TOAN: DISBURSED "CĐS" above ALLOCATED "CĐS".
  B4 BUD-DISBURSEMENT-DECREASES CAN_THO 2025-12-19, DU_TOAN: DISBURSED "KHCN-ĐMST" below 2025-09-30.
  D1 DB-COUNTS-ADD-UP           DB-NQ71-050 missing from BNNMT's 2025-12-15 file (104 of 105);
     DB-MISSING-FROM-OWNER      the same gap, attributed to BNNMT's file.
  D2 DB-STAGE-REGRESSION        one database back from platform-ready to in progress with no
                                reason (a second one goes back WITH a reason: no finding).
  D3 DB-OWNER-EXISTS            DB-KH02-012 owned by OLD_HA_GIANG (reported by TUYEN_QUANG).
  I1 IP-YTD-SUM                 2025 YTD 01/11/2025 Nhãn hiệu / Trong nước: received +100.
  I2 IP-GRANTED-LE-PROCESSED    2025 month 01/03/2025 Sáng chế / Nước ngoài: granted > processed.
  I3 IP-YOY-GROWTH              2025 YTD 01/11/2025 Kiểu dáng công nghiệp / Nước ngoài: 15,00 stated.
"""

from __future__ import annotations

import random
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from generators.inputs import SOURCES, headers, label, read_agencies
from generators.writers import write_csv, write_xlsx

OWNED_DOMAINS = ("budget", "database_status", "ip_filings")
README_TITLE = "## Budget, database readiness and IP filings"

TY = 10**9
TRIEU = 10**6
CENTRAL_KINDS = {"ministry", "ministerial_agency", "government_agency"}


def group_digits(n: int, sep: str) -> str:
    s = str(abs(n))
    parts = []
    while len(s) > 3:
        parts.insert(0, s[-3:])
        s = s[:-3]
    parts.insert(0, s)
    return ("-" if n < 0 else "") + sep.join(parts)


def fmt_int(n: int, style: str = "vi") -> str:
    return group_digits(n, "." if style == "vi" else ",")


def fmt_amount(dong: int, unit: str, style: str) -> str:
    """Exact amount in the declared unit and style (fails rather than rounds)."""
    sep, dec = (".", ",") if style == "vi" else (",", ".")
    if unit == "tỷ đồng":
        q, r = divmod(dong, TY)
        assert r % TRIEU == 0, dong
        return f"{group_digits(q, sep)}{dec}{r // TRIEU:03d}"
    if unit == "triệu đồng":
        assert dong % TRIEU == 0, dong
        return group_digits(dong // TRIEU, sep)
    assert unit == "đồng"
    return group_digits(dong, sep)


def fmt_pct(value: Decimal) -> str:
    """Vietnamese style, two decimals: 12,34 / -3,10."""
    q = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    whole, frac = f"{abs(q):.2f}".split(".")
    return f"{sign}{fmt_int(int(whole))},{frac}"


# --------------------------------------------------------------------------------------------
# Budget
# --------------------------------------------------------------------------------------------

NATURES = ["DEV_INVESTMENT", "RECURRENT"]
FIELDS = ["KHCN_DMST", "CDS", "CNTT"]
# Row order inside a (stage, source) block: total, nature split, field split.
LINE_KEYS = [("ALL", "ALL"), ("DEV_INVESTMENT", "ALL"), ("RECURRENT", "ALL"),
             ("ALL", "KHCN_DMST"), ("ALL", "CDS"), ("ALL", "CNTT")]

# Proposed DU_TOAN total, tỷ đồng (before a ±10% draw).
CENTRAL_SCALE = {
    "BQP": 880, "BCA": 920, "BNG": 95, "BNV": 260, "BTP": 210, "BTC": 640, "BCT": 240, "BNNMT": 560,
    "BXD": 360, "BVHTTDL": 150, "BKHCN": 780, "BGDDT": 380, "BYT": 420, "BDTTG": 60, "NHNN": 180,
    "TTCP": 45, "VPCP": 130, "DTVN": 120, "DTNVN": 85, "TTXVN": 70, "VHLKHCNVN": 310, "VHLKHXHVN": 55,
}
PROVINCE_SCALE = {"HA_NOI": 285, "TP_HO_CHI_MINH": 295, "HAI_PHONG": 190, "DA_NANG": 170, "CAN_THO": 150,
                  "BAC_NINH": 160, "DONG_NAI": 150, "QUANG_NINH": 140, "THANH_HOA": 130, "NGHE_AN": 120}
# Block agencies, as the BCĐ report gives the blocks (tỷ đồng): allocated 2025; disbursed at 19/12/2025; of it CNTT.
BLOCK_PINS = {"VPTW": (1063, 130.3, 18.0), "VPQH": (215, 11.7, 0.0), "UBTWMTTQ": (152, 67.3, 1.4)}


@dataclass
class Lines:
    total: int
    nat: list[int]  # DEV_INVESTMENT, RECURRENT
    fld: list[int]  # KHCN_DMST, CDS, CNTT

    def values(self) -> list[int]:
        return [self.total, *self.nat, *self.fld]

    def copy(self) -> "Lines":
        return Lines(self.total, list(self.nat), list(self.fld))


@dataclass
class Series:
    """One agency's figures for one source: the true (consistent) values and what the file states."""
    proposed: Lines | None = None
    approved: Lines | None = None
    allocated: Lines | None = None
    disbursed_q3: Lines | None = None  # 2025-09-30 (or 2024-12-31 for the history)
    disbursed_ye: Lines | None = None  # 2025-12-19
    stated: dict = field(default_factory=dict)  # (stage_key, line_index) -> written value when it differs


def to_grain(x: float, grain: int) -> int:
    return int(x) // grain * grain


def split_shares(total: int, shares: list[float], grain: int) -> list[int]:
    parts = [to_grain(total * s, grain) for s in shares[:-1]]
    return parts + [total - sum(parts)]


def split_between(total: int, lo: list[int], hi: list[int], rng: random.Random, grain: int) -> list[int]:
    """Parts with lo[i] <= part[i] <= hi[i] summing exactly to total, all multiples of grain."""
    assert total % grain == 0 and all(x % grain == 0 for x in lo + hi), (total, lo, hi)
    T, L, H = total // grain, [x // grain for x in lo], [x // grain for x in hi]
    assert all(l <= h for l, h in zip(L, H)) and sum(L) <= T <= sum(H), (total, lo, hi)
    parts = list(L)
    need = T - sum(L)
    room = [h - l for h, l in zip(H, L)]
    if need and sum(room):
        weights = [r * rng.uniform(0.6, 1.4) for r in room]
        total_w = sum(weights)
        for i, w in enumerate(weights):
            parts[i] += min(room[i], int(need * w / total_w))
        rest = T - sum(parts)
        order = list(range(len(parts)))
        rng.shuffle(order)
        for i in order:
            add = min(rest, H[i] - parts[i])
            parts[i] += add
            rest -= add
        assert rest == 0
    return [p * grain for p in parts]


def proposal(total: int, dev_share: float, rng: random.Random, grain: int) -> Lines:
    k = rng.uniform(0.30, 0.45)
    c = rng.uniform(0.30, 0.42)
    return Lines(total, split_shares(total, [dev_share, 1 - dev_share], grain),
                 split_shares(total, [k, c, 1 - k - c], grain))


def budget_2025(agency: dict, source: str, rng: random.Random, grain: int) -> Series:
    code, kind = agency["agency_code"], agency["agency_kind"]
    s = Series()
    pin = BLOCK_PINS.get(code)
    # Proposed
    if kind in CENTRAL_KINDS:
        scale = CENTRAL_SCALE[code] * (1 if source == "DU_TOAN" else rng.uniform(0.25, 0.7))
        dev = rng.uniform(0.35, 0.70) if source == "DU_TOAN" else rng.uniform(0.55, 0.80)
    elif pin:
        scale = pin[0] * rng.uniform(1.04, 1.12)
        dev = rng.uniform(0.30, 0.50)
    else:
        scale = PROVINCE_SCALE.get(code, rng.uniform(30, 175))
        dev = rng.uniform(0.20, 0.50)
    draw = 1.0 if pin else rng.uniform(0.9, 1.1)  # the block agencies' proposals stay above their pinned approval
    total = to_grain(scale * draw * TY, grain)
    s.proposed = p = proposal(total, dev, rng, grain)

    # Approved: each nature line at most its proposal, the field split within the proposal's.
    if pin:
        a_nat = split_between(to_grain(pin[0] * TY, grain), [0, 0], p.nat, rng, grain)
    elif code == "HA_NOI" and source == "DU_TOAN":
        # B2: recurrent raised above the proposal, investment cut by more, so the total stays below.
        a_nat = [p.nat[0] - 9_400 * TRIEU, p.nat[1] + 3_150 * TRIEU]
    else:
        a_nat = [n if rng.random() < 0.3 else to_grain(n * rng.uniform(0.82, 0.99), grain) for n in p.nat]
    a_total = sum(a_nat)
    fld_caps = list(p.fld)
    if code == "BXD" and source == "DU_TOAN":
        fld_caps[2] -= 5 * TY  # room for B1's +5 tỷ on CNTT without exceeding the proposal
    s.approved = a = Lines(a_total, a_nat, split_between(a_total, [0, 0, 0], fld_caps, rng, grain))
    if code == "BXD" and source == "DU_TOAN":
        s.stated[("APPROVED", 5)] = a.fld[2] + 5 * TY

    # Allocated = approved.
    s.allocated = l = a.copy()

    # Disbursed at 19/12/2025 (<= allocated), then at 30/09/2025 (<= both).
    if pin:
        d_total, d_cntt = to_grain(pin[1] * TY, grain), to_grain(pin[2] * TY, grain)
        d_nat = split_between(d_total, [0, 0], l.nat, rng, grain)
        d_fld = split_between(d_total - d_cntt, [0, 0], l.fld[:2], rng, grain) + [d_cntt]
    else:
        ratio = rng.uniform(0.35, 0.75) if kind in CENTRAL_KINDS else rng.uniform(0.40, 0.80)
        if code == "CAN_THO" and source == "DU_TOAN":
            ratio = 0.52
        if code == "BTC" and source == "DU_TOAN":
            ratio = 0.72  # leaves room for B3's CĐS line above its allocation
        d_total = to_grain(l.total * ratio, grain)
        d_nat = split_between(d_total, [0, 0], l.nat, rng, grain)
        if code == "BTC" and source == "DU_TOAN":
            # B3: CĐS disbursed 1,275 tỷ above its allocation; the other field lines within theirs.
            cds = l.fld[1] + 1_275 * TRIEU
            rest = split_between(d_total - cds, [0, 0], [l.fld[0], l.fld[2]], rng, grain)
            d_fld = [rest[0], cds, rest[1]]
        else:
            d_fld = split_between(d_total, [0, 0, 0], l.fld, rng, grain)
    s.disbursed_ye = ye = Lines(d_total, d_nat, d_fld)
    q_total = to_grain(d_total * rng.uniform(0.35, 0.70), grain)
    q_nat = split_between(q_total, [0, 0], [min(x, y) for x, y in zip(ye.nat, l.nat)], rng, grain)
    q_fld = split_between(q_total, [0, 0, 0], [min(x, y) for x, y in zip(ye.fld, l.fld)], rng, grain)
    s.disbursed_q3 = q = Lines(q_total, q_nat, q_fld)
    if code == "CAN_THO" and source == "DU_TOAN":
        # B4: KHCN-ĐMST at 19/12 is 2,480 tỷ below its 30/09 figure; CĐS and CNTT take the difference.
        k = q.fld[0] - 2_480 * TRIEU
        rest = split_between(ye.total - k, [q.fld[1], q.fld[2]], [l.fld[1], l.fld[2]], rng, grain)
        ye.fld = [k, *rest]
    return s


def budget_2024(code: str, rng: random.Random) -> Series:
    grain = TRIEU
    scale = rng.uniform(12, 95)
    if code in ("HA_NOI", "OLD_TP_HO_CHI_MINH"):
        scale = rng.uniform(150, 190)
    total = to_grain(scale * TY, grain)
    l = proposal(total, rng.uniform(0.20, 0.45), rng, grain)
    d_total = to_grain(total * rng.uniform(0.60, 0.92), grain)
    d = Lines(d_total, split_between(d_total, [0, 0], l.nat, rng, grain),
              split_between(d_total, [0, 0, 0], l.fld, rng, grain))
    return Series(allocated=l, disbursed_q3=d)


def budget_rows(series: dict[str, Series], blocks: list[tuple[str, str]], year: int, block_code: str,
                level: str, unit: str, style: str, note_stage: str | None = None) -> list[dict]:
    """blocks: (stage code, attribute of Series) in file order; one six-line block per (source, stage)."""
    rows = []
    for source, s in series.items():
        for stage, attr in blocks:
            values = getattr(s, attr).values()
            for i, (nature, fld) in enumerate(LINE_KEYS):
                amount = s.stated.get((stage, i), values[i])
                rows.append({
                    "Năm ngân sách": year,
                    "Nguồn kinh phí": label("budget_source", source),
                    "Tính chất chi": label("budget_nature", nature),
                    "Lĩnh vực": label("budget_field", fld),
                    "Khối": block_code,
                    "Cấp": label("gov_level", level),
                    "Giai đoạn": label("budget_stage", stage),
                    "Số tiền": fmt_amount(amount, unit, style),
                    "Đơn vị tính": label("money_unit", {"tỷ đồng": "TY", "triệu đồng": "TRIEU", "đồng": "DONG"}[unit]),
                    "Kiểu số": label("number_style", style),
                    "Ghi chú": note_stage if (note_stage and stage == "DISBURSED" and i == 0) else "",
                    "_source": source, "_stage": stage, "_line": i,
                })
    return rows


def row_of(rows: list[dict], source: str, stage: str, line: int) -> int:
    """Spreadsheet row number (header = row 1)."""
    for n, r in enumerate(rows, start=2):
        if (r["_source"], r["_stage"], r["_line"]) == (source, stage, line):
            return n
    raise LookupError((source, stage, line))


def make_budget(agencies: list[dict], facts: dict, samples: Path) -> list[Path]:
    rng = random.Random(5701)
    head = headers("budget")
    current = [a for a in agencies if not a["valid_to"] and a["agency_kind"] != "former_province"]
    assert len(current) == 59, len(current)
    written = []
    fmt_of = {}
    for position, a in enumerate(current, start=1):
        code, kind = a["agency_code"], a["agency_kind"]
        if code == "BNG":
            unit, style, grain = "đồng", "vi", 1000
        elif code in ("BTC", "HA_NOI"):
            unit, style, grain = "tỷ đồng", "en", TRIEU
        elif position % 5 == 0:
            unit, style, grain = "triệu đồng", "vi", TRIEU
        else:
            unit, style, grain = "tỷ đồng", "vi", TRIEU
        fmt_of[code] = (unit, style)
        if unit == "triệu đồng":
            facts.setdefault("trieu_agencies", []).append(code)
        central = kind in CENTRAL_KINDS
        sources = ["DU_TOAN", "TANG_THU_2024"] if central else ["DU_TOAN"]
        series = {src: budget_2025(a, src, rng, grain) for src in sources}
        block = a["block_code"] or "CHINH_PHU"
        level = "PROVINCE" if kind == "province" else "CENTRAL"
        files = {
            "2025-07-15": [("PROPOSED", "proposed"), ("APPROVED", "approved")],
            "2025-09-30": [("ALLOCATED", "allocated"), ("DISBURSED", "disbursed_q3")],
            "2025-12-19": [("DISBURSED", "disbursed_ye")],
        }
        notes = {"2025-09-30": "Số liệu Kho bạc Nhà nước đến ngày 30/09/2025",
                 "2025-12-19": "Số liệu Kho bạc Nhà nước đến ngày 19/12/2025"}
        for day, blocks in files.items():
            rows = budget_rows(series, blocks, 2025, block, level, unit, style, notes.get(day))
            xlsx = day == "2025-09-30" and code in ("BKHCN", "BCA")
            path = samples / day / f"{code}__budget__{day}.{'xlsx' if xlsx else 'csv'}"
            if xlsx:
                write_xlsx(path, head, rows, sheet="Kinh phí", created=datetime(2025, 9, 30, 8, 0, 0))
            else:
                write_csv(path, head, rows)
            written.append(path)
            facts.setdefault("budget_rows", {})[(code, day)] = rows
        facts.setdefault("budget_series", {})[code] = series
    facts["budget_fmt"] = fmt_of

    # 2024 history: the 52 former provinces and the 11 unchanged ones.
    codes = {a["agency_code"] for a in agencies}
    unchanged = [a["agency_code"] for a in agencies if a["agency_kind"] == "province" and f"OLD_{a['agency_code']}" not in codes]
    former = [a["agency_code"] for a in agencies if a["agency_kind"] == "former_province"]
    assert len(unchanged) == 11 and len(former) == 52, (len(unchanged), len(former))
    for code in unchanged + former:
        s = budget_2024(code, rng)
        rows = budget_rows({"DU_TOAN": s}, [("ALLOCATED", "allocated"), ("DISBURSED", "disbursed_q3")],
                           2024, "CHINH_PHU", "PROVINCE", "tỷ đồng", "vi", "Số liệu Kho bạc Nhà nước đến ngày 31/12/2024")
        path = samples / "2024-12-31" / f"{code}__budget__2024-12-31.csv"
        write_csv(path, head, rows)
        written.append(path)
    facts["history_count"] = len(unchanged) + len(former)
    return written


# --------------------------------------------------------------------------------------------
# Database registry and readiness
# --------------------------------------------------------------------------------------------

# (owner, name_vi, name_en[, pinned stage at 15/12/2025]) in the order the codes are given.
NQ71_DATABASES = [
    ("BQP", "CSDL về nghĩa vụ quân sự", "Military service database"),
    ("BQP", "CSDL về dân quân tự vệ", "Militia and self-defence force database"),
    ("BCA", "CSDL quốc gia về xuất nhập cảnh", "National immigration database"),
    ("BCA", "CSDL căn cước", "Identity card database"),
    ("BCA", "CSDL về cư trú", "Residence database"),
    ("BCA", "CSDL về phương tiện giao thông cơ giới đường bộ", "Road motor vehicle registration database"),
    ("BCA", "CSDL về giấy phép lái xe", "Driving licence database"),
    ("BCA", "CSDL về xử lý vi phạm trật tự, an toàn giao thông", "Traffic violation handling database"),
    ("BCA", "CSDL về phòng cháy, chữa cháy và cứu nạn, cứu hộ", "Fire prevention, fire fighting and rescue database"),
    ("BCA", "CSDL về tội phạm và vi phạm pháp luật", "Crime and law violation database"),
    ("BCA", "CSDL về an ninh mạng", "Cyber security database"),
    ("BNG", "CSDL về lãnh sự và bảo hộ công dân", "Consular affairs and citizen protection database"),
    ("BNG", "CSDL về điều ước quốc tế và thỏa thuận quốc tế", "International treaties and agreements database"),
    ("BNV", "CSDL về người có công với cách mạng", "Database of people with meritorious services to the revolution"),
    ("BNV", "CSDL về việc làm và thị trường lao động", "Employment and labour market database"),
    ("BNV", "CSDL về tổ chức bộ máy và biên chế", "Organisational structure and staffing database"),
    ("BNV", "CSDL về thi đua, khen thưởng", "Emulation and commendation database"),
    ("BNV", "CSDL về văn thư, lưu trữ", "Records and archives database"),
    ("BNV", "CSDL về hội, quỹ và tổ chức phi chính phủ", "Associations, funds and non-governmental organisations database"),
    ("BNV", "CSDL về địa giới hành chính", "Administrative boundaries database"),
    ("BNV", "CSDL về trẻ em và bình đẳng giới", "Children and gender equality database"),
    ("BTP", "CSDL quốc gia về pháp luật", "National legal database"),
    ("BTP", "CSDL lý lịch tư pháp", "Judicial records database"),
    ("BTP", "CSDL về xử lý vi phạm hành chính", "Administrative violation handling database", "NOT_STARTED"),
    ("BTP", "CSDL quốc gia về biện pháp bảo đảm", "National secured transactions database"),
    ("BTP", "CSDL về công chứng, chứng thực", "Notarisation and certification database"),
    ("BTP", "CSDL về quốc tịch", "Nationality database"),
    ("BTC", "CSDL quốc gia về giá", "National price database"),
    ("BTC", "CSDL quốc gia về đầu tư công", "National public investment database"),
    ("BTC", "CSDL quốc gia về quản lý thuế", "National tax administration database"),
    ("BTC", "CSDL hải quan", "Customs database"),
    ("BTC", "CSDL quản lý ngân sách nhà nước", "State budget management database"),
    ("BTC", "CSDL quốc gia về tài sản công", "National public assets database"),
    ("BTC", "CSDL quốc gia về nợ công", "National public debt database"),
    ("BTC", "CSDL quốc gia về bảo hiểm", "National insurance database"),
    ("BTC", "CSDL về thị trường chứng khoán", "Securities market database"),
    ("BTC", "CSDL quốc gia về đấu thầu", "National public procurement database"),
    ("BTC", "CSDL quốc gia về thống kê", "National statistics database"),
    ("BTC", "CSDL về doanh nghiệp nhà nước và vốn nhà nước tại doanh nghiệp", "State-owned enterprises and state capital database"),
    ("BCT", "CSDL về hàng hóa, hóa chất", "Goods and chemicals database", "IN_PROGRESS"),
    ("BCT", "CSDL về thương mại điện tử", "E-commerce database"),
    ("BCT", "CSDL về năng lượng", "Energy database"),
    ("BCT", "CSDL về xuất xứ hàng hóa", "Certificates of origin database"),
    ("BCT", "CSDL về quản lý thị trường", "Market surveillance database"),
    ("BCT", "CSDL về công nghiệp", "Industry database"),
    ("BNNMT", "CSDL quốc gia về đất đai", "National land database", "PLATFORM_READY"),
    ("BNNMT", "CSDL quốc gia về tài nguyên nước", "National water resources database"),
    ("BNNMT", "CSDL quốc gia về môi trường", "National environment database"),
    ("BNNMT", "CSDL quốc gia về khí tượng thủy văn", "National hydro-meteorological database"),
    ("BNNMT", "CSDL chuyên ngành nông nghiệp", "Agriculture sector database", "NOT_STARTED"),  # DB-NQ71-050 (D1)
    ("BNNMT", "CSDL quốc gia về địa chất và khoáng sản", "National geology and minerals database"),
    ("BNNMT", "CSDL tổng hợp quốc gia về biển và hải đảo", "National integrated marine and islands database"),
    ("BNNMT", "CSDL nền địa lý quốc gia", "National fundamental geographic database"),
    ("BNNMT", "CSDL chuyên ngành trồng trọt", "Crop production database"),
    ("BNNMT", "CSDL chuyên ngành chăn nuôi và thú y", "Livestock and veterinary database"),
    ("BNNMT", "CSDL quốc gia về thủy sản", "National fisheries database"),
    ("BNNMT", "CSDL quốc gia về lâm nghiệp", "National forestry database"),
    ("BNNMT", "CSDL chuyên ngành thủy lợi", "Irrigation database"),
    ("BNNMT", "CSDL về phòng, chống thiên tai", "Natural disaster prevention and control database"),
    ("BXD", "CSDL về hoạt động xây dựng", "Construction activities database", "IN_PROGRESS"),
    ("BXD", "CSDL quốc gia về nhà ở và thị trường bất động sản", "National housing and real estate market database", "CONNECTED"),
    ("BXD", "CSDL về quy hoạch xây dựng và quy hoạch đô thị", "Construction and urban planning database"),
    ("BXD", "CSDL về định mức và giá xây dựng", "Construction norms and prices database"),
    ("BXD", "CSDL về kết cấu hạ tầng giao thông", "Transport infrastructure database", "IN_PROGRESS"),  # D2 with reason
    ("BXD", "CSDL về đăng kiểm phương tiện giao thông", "Vehicle inspection database"),
    ("BXD", "CSDL về hàng hải và đường thủy nội địa", "Maritime and inland waterways database"),
    ("BXD", "CSDL về hàng không dân dụng", "Civil aviation database"),
    ("BVHTTDL", "CSDL về di sản văn hóa", "Cultural heritage database"),
    ("BVHTTDL", "CSDL về du lịch", "Tourism database"),
    ("BVHTTDL", "CSDL về thể dục, thể thao", "Physical training and sports database"),
    ("BVHTTDL", "CSDL về báo chí", "Press database"),
    ("BKHCN", "CSDL quốc gia về khoa học và công nghệ", "National science and technology database"),
    ("BKHCN", "CSDL về sở hữu công nghiệp", "Industrial property database"),
    ("BKHCN", "CSDL quốc gia về tiêu chuẩn, đo lường, chất lượng", "National standards, metrology and quality database"),
    ("BKHCN", "CSDL về tần số vô tuyến điện", "Radio frequency database"),
    ("BKHCN", "CSDL về viễn thông và Internet", "Telecommunications and Internet database"),
    ("BKHCN", "CSDL về bưu chính", "Postal database"),
    ("BKHCN", "CSDL về chứng thư chữ ký số", "Digital signature certificates database"),
    ("BKHCN", "CSDL về doanh nghiệp khoa học và công nghệ, đổi mới sáng tạo", "Science, technology and innovation enterprises database"),
    ("BGDDT", "CSDL ngành giáo dục", "Education sector database", "IN_PROGRESS"),
    ("BGDDT", "CSDL về văn bằng, chứng chỉ", "Diplomas and certificates database"),
    ("BGDDT", "CSDL về giáo dục nghề nghiệp", "Vocational education database"),
    ("BGDDT", "CSDL về đội ngũ nhà giáo và cán bộ quản lý giáo dục", "Teachers and education managers database"),
    ("BGDDT", "CSDL về người học", "Learners database"),
    ("BGDDT", "CSDL về cơ sở giáo dục đại học", "Higher education institutions database"),
    ("BYT", "CSDL chuyên ngành y tế", "Health sector database", "NOT_STARTED"),
    ("BYT", "CSDL hồ sơ sức khỏe điện tử", "Electronic health records database"),
    ("BYT", "CSDL quốc gia về dược", "National pharmaceutical database"),
    ("BYT", "CSDL về trang thiết bị y tế", "Medical devices database"),
    ("BYT", "CSDL về tiêm chủng", "Immunisation database"),
    ("BYT", "CSDL về cơ sở khám bệnh, chữa bệnh và người hành nghề", "Healthcare facilities and practitioners database"),
    ("BYT", "CSDL về an toàn thực phẩm", "Food safety database"),
    ("BDTTG", "CSDL về công tác dân tộc", "Ethnic affairs database"),
    ("BDTTG", "CSDL về tín ngưỡng, tôn giáo", "Beliefs and religions database"),
    ("NHNN", "CSDL thông tin tín dụng quốc gia", "National credit information database"),
    ("NHNN", "CSDL về thanh toán và tài khoản thanh toán", "Payments and payment accounts database"),
    ("TTCP", "CSDL quốc gia về kiểm soát tài sản, thu nhập", "National asset and income control database", "IN_PROGRESS"),
    ("TTCP", "CSDL về tiếp công dân, khiếu nại, tố cáo", "Citizen reception, complaints and denunciations database"),
    ("VPCP", "CSDL quốc gia về thủ tục hành chính", "National administrative procedures database"),
    ("VPCP", "CSDL của Hệ thống thông tin báo cáo quốc gia", "National reporting information system database"),
    ("DTVN", "CSDL lưu trữ chương trình truyền hình", "Television programme archive database"),
    ("DTNVN", "CSDL lưu trữ âm thanh phát thanh", "Radio sound archive database"),
    ("TTXVN", "CSDL ảnh thông tấn quốc gia", "National news photo database"),
    ("VHLKHCNVN", "CSDL mẫu vật và bộ sưu tập thiên nhiên", "Natural history specimens and collections database"),
    ("VHLKHXHVN", "CSDL khoa học xã hội và nhân văn", "Social sciences and humanities database"),
]
KH02_DATABASES = [
    ("BCA", "CSDL quốc gia về dân cư", "National population database", "CONNECTED"),
    ("BTC", "CSDL quốc gia về doanh nghiệp", "National business registration database", "CONNECTED"),
    ("BTC", "CSDL quốc gia về tài chính", "National finance database", "PLATFORM_READY"),
    ("BTP", "CSDL hộ tịch điện tử", "Electronic civil status database", "PLATFORM_READY"),
    ("BNV", "CSDL quốc gia về cán bộ, công chức, viên chức", "National database of officials, civil servants and public employees", "PLATFORM_READY"),
    ("BNV", "CSDL về an sinh xã hội", "Social security database", "PLATFORM_READY"),
    ("VPCP", "CSDL văn bản điện tử dùng chung của hệ thống chính trị", "Shared electronic documents database of the political system", "PLATFORM_READY"),
    ("BKHCN", "CSDL mã định danh điện tử cơ quan, tổ chức", "Electronic identifiers of agencies and organisations database", "PLATFORM_READY"),
    ("BGDDT", "CSDL học bạ số", "Digital school records database", "IN_PROGRESS"),
    ("BYT", "CSDL bệnh án điện tử", "Electronic medical records database", "IN_PROGRESS"),
    ("BNV", "CSDL hồ sơ lưu trữ điện tử", "Electronic archival records database", "IN_PROGRESS"),
    ("OLD_HA_GIANG", "CSDL số hóa hồ sơ địa giới hành chính cấp xã (thí điểm)", "Digitised commune administrative boundary records (pilot)", "IN_PROGRESS"),  # D3
]
NQ71_TARGET = {"PLATFORM_READY": 25, "CONNECTED": 6, "IN_PROGRESS": 36, "NOT_STARTED": 38}
STAGE_ORDER = ["NOT_STARTED", "IN_PROGRESS", "PLATFORM_READY", "CONNECTED"]
D1_CODE = "DB-NQ71-050"
D2_SILENT = "DB-NQ71-028"   # CSDL quốc gia về giá (BTC): back to in progress, no reason
D2_REASONED = "DB-NQ71-064"  # CSDL về kết cấu hạ tầng giao thông (BXD): back, with a reason
D2_REASON = "Chuyển đổi nền tảng theo kiến trúc mới"


def make_databases(agencies: list[dict], facts: dict, out: Path) -> list[Path]:
    rng = random.Random(5702)
    by_code = {a["agency_code"]: a for a in agencies}
    assert len(NQ71_DATABASES) == 105 and len(KH02_DATABASES) == 12
    registry = []
    for programme, entries in (("NQ71", NQ71_DATABASES), ("KH02", KH02_DATABASES)):
        for i, entry in enumerate(entries, start=1):
            owner, vi, en = entry[:3]
            assert owner in by_code
            if owner != "OLD_HA_GIANG":
                assert by_code[owner]["agency_kind"] in CENTRAL_KINDS, owner
            registry.append({"database_code": f"DB-{programme}-{i:03d}", "programme_code": programme,
                             "name_vi": vi, "name_en": en, "owner_agency_code": owner,
                             "_pin": entry[3] if len(entry) > 3 else None})
    assert registry[49]["database_code"] == D1_CODE and registry[49]["owner_agency_code"] == "BNNMT"
    assert registry[27]["name_vi"] == "CSDL quốc gia về giá"
    assert registry[63]["name_vi"] == "CSDL về kết cấu hạ tầng giao thông"
    write_csv(out / "reference" / "databases.csv", ["database_code", "programme_code", "name_vi", "name_en", "owner_agency_code"], registry)

    # Stages at 15/12/2025: pinned ones first, the rest drawn to the report's counts.
    nq71 = [r for r in registry if r["programme_code"] == "NQ71"]
    for code in (D2_SILENT, D2_REASONED):
        next(r for r in nq71 if r["database_code"] == code)["_pin"] = "IN_PROGRESS"
    pool = []
    for stage, n in NQ71_TARGET.items():
        pool += [stage] * (n - sum(1 for r in nq71 if r["_pin"] == stage))
    rng.shuffle(pool)
    for r in nq71:
        r["end"] = r["_pin"] or pool.pop()
    assert not pool
    for r in registry:
        if r["programme_code"] == "KH02":
            r["end"] = r["_pin"]
    # Funding and risk at 15/12; then the 30/09 picture (same stage or one step earlier).
    not_started = [r for r in nq71 if r["end"] == "NOT_STARTED"]
    funded_ns = set(r["database_code"] for r in rng.sample(not_started, 8))
    for r in registry:
        r["end_funded"] = r["end"] != "NOT_STARTED" or r["database_code"] in funded_ns
        if r["database_code"] in (D2_SILENT, D2_REASONED):
            r["q3"] = "PLATFORM_READY"
        elif r["end"] != "NOT_STARTED" and rng.random() < 0.4:
            r["q3"] = STAGE_ORDER[STAGE_ORDER.index(r["end"]) - 1]
        else:
            r["q3"] = r["end"]
        if r["q3"] != "NOT_STARTED":
            r["q3_funded"] = True
        elif r["end"] == "NOT_STARTED":
            r["q3_funded"] = r["end_funded"]
        else:
            r["q3_funded"] = rng.random() < 0.5

    def reporter(r: dict) -> str:
        owner = by_code[r["owner_agency_code"]]
        return owner["successor_code"] if owner["valid_to"] else owner["agency_code"]

    head = headers("database_status")
    written = []
    reporters = sorted({reporter(r) for r in registry})
    facts["db_files"] = {}
    for day, stage_key, funded_key in (("2025-09-30", "q3", "q3_funded"), ("2025-12-15", "end", "end_funded")):
        for ag in reporters:
            rows = []
            for r in registry:
                if reporter(r) != ag or (day == "2025-12-15" and r["database_code"] == D1_CODE):
                    continue
                reason = D2_REASON if (day == "2025-12-15" and r["database_code"] == D2_REASONED) else ""
                rows.append({
                    "Mã CSDL": r["database_code"],
                    "Giai đoạn": label("database_stage", r[stage_key]),
                    "Đã bố trí kinh phí": label("yes_no", "true" if r[funded_key] else "false"),
                    "Nguy cơ không hoàn thành": label("yes_no", "true" if r[stage_key] == "NOT_STARTED" else "false"),
                    "Lý do thay đổi giai đoạn": reason,
                })
            assert rows, (ag, day)
            path = out / "samples" / day / f"{ag}__database_status__{day}.csv"
            write_csv(path, head, rows)
            written.append(path)
            facts["db_files"][(ag, day)] = rows
    facts["registry"] = registry
    return written


# --------------------------------------------------------------------------------------------
# IP filings
# --------------------------------------------------------------------------------------------

RIGHTS = ["PATENT", "UTILITY_SOLUTION", "INDUSTRIAL_DESIGN", "TRADEMARK", "GEOGRAPHICAL_INDICATION"]
ORIGINS = ["DOMESTIC", "FOREIGN"]
# Monthly applications received in 2025 (before seasonality), and growth on 2024.
BASE_2025 = {
    ("PATENT", "DOMESTIC"): (150, 0.12), ("PATENT", "FOREIGN"): (720, 0.05),
    ("UTILITY_SOLUTION", "DOMESTIC"): (52, 0.08), ("UTILITY_SOLUTION", "FOREIGN"): (12, -0.05),
    ("INDUSTRIAL_DESIGN", "DOMESTIC"): (230, 0.10), ("INDUSTRIAL_DESIGN", "FOREIGN"): (105, 0.06),
    ("TRADEMARK", "DOMESTIC"): (8900, 0.08), ("TRADEMARK", "FOREIGN"): (2050, 0.07),
}
PROCESS_RATIO = {"PATENT": 1.25, "UTILITY_SOLUTION": 1.3, "INDUSTRIAL_DESIGN": 1.6, "TRADEMARK": 1.8}
GRANT_RATIO = {"PATENT": 0.38, "UTILITY_SOLUTION": 0.30, "INDUSTRIAL_DESIGN": 0.45, "TRADEMARK": 0.32}
# Jan-Nov totals of all rows, as GOV_2025 states them for 2025 (134.471 received = 107,9% of 2024;
# 232.500 processed = 201%; 76.691 granted = 167,9%), and the 2024 figures they imply.
TARGETS = {2025: (134_471, 232_500, 76_691), 2024: (124_626, 115_672, 45_677)}
SEASON = {2024: [1.02, 0.72, 1.0, 0.98, 1.03, 1.0, 1.01, 1.04, 0.97, 1.02, 1.05, 1.1],
          2025: [0.80, 0.85, 1.05, 1.0, 1.04, 1.02, 1.03, 1.06, 0.99, 1.04, 1.06, 1.1]}
TECH_SHARE = {  # share of the patent YTD per origin (groups overlap), growth 2025 on 2024
    "AI_DIGITAL_TWIN": (0.09, 0.12, 0.55), "CLOUD_QUANTUM_BIGDATA": (0.06, 0.08, 0.42),
    "BLOCKCHAIN": (0.015, 0.02, 0.60), "MOBILE_5G_6G": (0.03, 0.07, 0.38),
    "ROBOTICS_AUTOMATION": (0.07, 0.06, 0.18), "SEMICONDUCTOR": (0.04, 0.09, 0.48),
    "CYBER_SECURITY": (0.02, 0.02, 0.12), "ENERGY_MATERIALS": (0.11, 0.10, -0.04),
    "BIOTECH": (0.14, 0.16, 0.02), "AEROSPACE": (0.008, 0.01, 0.10), "RARE_EARTH_MARINE": (0.012, 0.005, 0.08),
}


def growth(new: int, old: int) -> Decimal:
    return (Decimal(new) * 100 / Decimal(old) - 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def make_months(year: int, months: int, rng: random.Random) -> dict:
    """{(month, right, origin): [received, processed, granted, pending_overdue]}."""
    data = {}
    for m in range(1, months + 1):
        for right in RIGHTS:
            for origin in ORIGINS:
                if right == "GEOGRAPHICAL_INDICATION":
                    rec = rng.randint(0, 2) if origin == "DOMESTIC" else rng.choice([0, 0, 0, 1])
                    if m == 1:
                        rec = max(rec, 1)
                    proc = rng.randint(0, 3) if origin == "DOMESTIC" else rng.choice([0, 0, 1])
                    gr = rng.randint(0, proc)
                    data[(m, right, origin)] = [rec, proc, gr, 0]
                    continue
                base, g = BASE_2025[(right, origin)]
                if year == 2024:
                    base = base / (1 + g)
                rec = round(base * SEASON[year][m - 1] * rng.uniform(0.93, 1.07))
                ratio = PROCESS_RATIO[right] if year == 2025 else 0.93
                proc = round(rec * ratio * rng.uniform(0.85, 1.15))
                gratio = GRANT_RATIO[right] * (1.0 if year == 2025 else 1.2)
                gr = round(proc * gratio * rng.uniform(0.9, 1.1))
                data[(m, right, origin)] = [rec, proc, gr, 0]
    return data


def calibrate(data: dict, year: int) -> None:
    """Scale received/processed/granted so Jan-Nov sums hit TARGETS; the rounding rest goes to TM domestic Nov."""
    for j, target in enumerate(TARGETS[year]):
        keys = [k for k in data if k[0] <= 11 and k[1] != "GEOGRAPHICAL_INDICATION"]
        fixed = sum(data[k][j] for k in data if k[0] <= 11 and k[1] == "GEOGRAPHICAL_INDICATION")
        current = sum(data[k][j] for k in keys)
        factor = (target - fixed) / current
        for k in data:
            if k[1] != "GEOGRAPHICAL_INDICATION":
                data[k][j] = round(data[k][j] * factor)
    for k in data:  # a scaled granted can never exceed processed
        data[k][2] = min(data[k][2], data[k][1])


def settle(data: dict, year: int) -> None:
    anchor = data[(11, "TRADEMARK", "DOMESTIC")]
    for j, target in enumerate(TARGETS[year]):
        anchor[j] += target - sum(v[j] for k, v in data.items() if k[0] <= 11)
    assert anchor[2] <= anchor[1]


def pending(year: int, m: int, right: str, origin: str, rng: random.Random) -> int:
    span = {"TRADEMARK": (40, 160) if origin == "DOMESTIC" else (10, 50), "INDUSTRIAL_DESIGN": (3, 20),
            "PATENT": (2, 10) if origin == "DOMESTIC" else (5, 25), "UTILITY_SOLUTION": (0, 4),
            "GEOGRAPHICAL_INDICATION": (0, 1)}[right]
    value = rng.randint(*span)
    if year == 2025:  # the overdue backlog was cleared during 2025
        value = round(value * max(0.0, (9 - m) / 9))
    return value


def backlog(months: dict) -> None:
    """Overdue backlog (Số đơn quá hạn) at the end of each month, worked back from November 2025.

    What a month processed beyond what it received came out of the backlog at the end of the month
    before, so that backlog is at least the next month's backlog plus that excess (never below the
    value drawn by pending()). GOV_2025: the overdue applications of 31/12/2024 and those of 2025 were
    all processed during 2025 (232.500 processed for 134.471 received), so the backlog is large at the
    end of 2024 and back to 0 by November 2025. Every month from February 2024 then processes at most
    what it received plus the backlog before it (IP-PROCESSED-LE-AVAILABLE). No random draws: the
    other figures of the samples keep their values.
    """
    timeline = [(2024, m) for m in range(1, 13)] + [(2025, m) for m in range(1, 12)]
    for right in RIGHTS:
        for origin in ORIGINS:
            for (year, m), (p_year, p_m) in zip(reversed(timeline[1:]), reversed(timeline[:-1])):
                cur, prev = months[year][(m, right, origin)], months[p_year][(p_m, right, origin)]
                prev[3] = max(prev[3], cur[3] + cur[1] - cur[0])


def ip_row(period: str, month: date, right: str, origin: str, values: list[int], group: str = "", pct: str = "") -> dict:
    return {
        "Loại kỳ": label("ip_period", period), "Tháng": month,
        "Loại quyền": label("ip_right_type", right), "Nguồn gốc đơn": label("ip_origin", origin),
        "Nhóm công nghệ chiến lược": group,
        "Số đơn nhận": fmt_int(values[0]), "Số đơn đã xử lý": fmt_int(values[1]),
        "Số văn bằng cấp": fmt_int(values[2]), "Số đơn quá hạn": fmt_int(values[3]),
        "Tăng so với cùng kỳ (%)": pct,
        "_v": list(values), "_period": period, "_month": month, "_right": right, "_origin": origin, "_group": group,
    }


def make_ip(facts: dict, samples: Path) -> list[Path]:
    rng = random.Random(5703)
    head = headers("ip_filings")
    months = {2024: make_months(2024, 12, rng), 2025: make_months(2025, 11, rng)}
    for year in (2024, 2025):
        for (m, right, origin), v in months[year].items():
            v[3] = pending(year, m, right, origin, rng)
        calibrate(months[year], year)
    # I2: March 2025 foreign patents: granted above processed (the YTD row keeps the sum).
    march = months[2025][(3, "PATENT", "FOREIGN")]
    march[2] = march[1] + 37
    for year in (2024, 2025):
        settle(months[year], year)
    backlog(months)

    def ytd(year: int, upto: int, right: str, origin: str) -> list[int]:
        vals = [months[year][(m, right, origin)] for m in range(1, upto + 1)]
        return [sum(v[0] for v in vals), sum(v[1] for v in vals), sum(v[2] for v in vals), vals[-1][3]]

    # Technology-group YTD rows at November (patents only), per origin.
    tech = {}
    for origin_i, origin in enumerate(ORIGINS):
        all25, all24 = ytd(2025, 11, "PATENT", origin), ytd(2024, 11, "PATENT", origin)
        for g, shares in TECH_SHARE.items():
            share, g_growth = shares[origin_i], shares[2]
            r25 = max(2, round(all25[0] * share * rng.uniform(0.9, 1.1)))
            r24 = max(1, round(r25 / (1 + g_growth) * rng.uniform(0.95, 1.05)))
            out = {}
            for year, r, total in ((2025, r25, all25), (2024, r24, all24)):
                proc = min(total[1], round(r * total[1] / total[0] * rng.uniform(0.85, 1.1)))
                gr = min(total[2], proc, round(proc * rng.uniform(0.25, 0.45)))
                out[year] = [min(r, total[0]), proc, gr, rng.randint(0, 2) if year == 2024 else 0]
            tech[(g, origin)] = out

    facts["ip"] = {"backlog_2024": sum(v[3] for (m, _, _), v in months[2024].items() if m == 12)}
    # 2024 file
    rows = []
    for m in range(1, 13):
        for right in RIGHTS:
            for origin in ORIGINS:
                rows.append(ip_row("MONTH", date(2024, m, 1), right, origin, months[2024][(m, right, origin)]))
    for upto in (11, 12):
        for right in RIGHTS:
            for origin in ORIGINS:
                rows.append(ip_row("YTD", date(2024, upto, 1), right, origin, ytd(2024, upto, right, origin)))
    for origin in ORIGINS:
        for g in TECH_SHARE:
            rows.append(ip_row("YTD", date(2024, 11, 1), "PATENT", origin, tech[(g, origin)][2024], g))
    # BKHCN exists from 1/3/2025 (merged ministry): its IP Office restates 2024 in a 2025 file.
    path24 = samples / "2025-03-31" / "BKHCN__ip_filings__2025-03-31.csv"
    write_csv(path24, head, rows)
    facts["ip"]["2024"] = rows

    # 2025 file
    rows = []
    for m in range(1, 12):
        for right in RIGHTS:
            for origin in ORIGINS:
                rows.append(ip_row("MONTH", date(2025, m, 1), right, origin, months[2025][(m, right, origin)]))
    facts["ip"]["true_growth"] = {}
    for right in RIGHTS:
        for origin in ORIGINS:
            v = ytd(2025, 11, right, origin)
            old = ytd(2024, 11, right, origin)[0]
            true = growth(v[0], old)
            facts["ip"]["true_growth"][(right, origin)] = true
            if (right, origin) == ("TRADEMARK", "DOMESTIC"):
                facts["ip"]["I1_sum"] = v[0]
                v[0] += 100  # I1: the stated YTD is 100 above its months; growth follows the stated figure
                true = growth(v[0], old)
            pct = fmt_pct(true)
            if (right, origin) == ("INDUSTRIAL_DESIGN", "FOREIGN"):
                assert abs(true - 15) >= 3, true
                pct = "15,00"  # I3
            rows.append(ip_row("YTD", date(2025, 11, 1), right, origin, v, pct=pct))
    for origin in ORIGINS:
        for g in TECH_SHARE:
            t = tech[(g, origin)]
            rows.append(ip_row("YTD", date(2025, 11, 1), "PATENT", origin, t[2025], g, fmt_pct(growth(t[2025][0], t[2024][0]))))
    path25 = samples / "2025-12-15" / "BKHCN__ip_filings__2025-12-15.csv"
    write_csv(path25, head, rows)
    facts["ip"]["2025"] = rows
    return [path24, path25]


# --------------------------------------------------------------------------------------------
# README section
# --------------------------------------------------------------------------------------------

def readme_section(facts: dict, counts: dict) -> str:
    bf = facts["budget_fmt"]
    series = facts["budget_series"]
    brows = facts["budget_rows"]

    def amt(code: str, dong: int) -> str:
        """The amount in tỷ đồng (vi), plus the cell as written when the file uses another unit or style."""
        unit, style = bf[code]
        text = f"{fmt_amount(dong, 'tỷ đồng', 'vi')} tỷ"
        if (unit, style) != ("tỷ đồng", "vi"):
            text += f" (cell `{fmt_amount(dong, unit, style)}`, {unit}, {style})"
        return text

    # B1
    bxd = series["BXD"]["DU_TOAN"]
    b1_row = row_of(brows[("BXD", "2025-07-15")], "DU_TOAN", "APPROVED", 5)
    b1_total_row = row_of(brows[("BXD", "2025-07-15")], "DU_TOAN", "APPROVED", 0)
    a = bxd.approved
    b1_stated = bxd.stated[("APPROVED", 5)]
    # B2
    hn = series["HA_NOI"]["DU_TOAN"]
    b2_row = row_of(brows[("HA_NOI", "2025-07-15")], "DU_TOAN", "APPROVED", 2)
    b2_prow = row_of(brows[("HA_NOI", "2025-07-15")], "DU_TOAN", "PROPOSED", 2)
    # B3
    btc = series["BTC"]["DU_TOAN"]
    b3_row = row_of(brows[("BTC", "2025-12-19")], "DU_TOAN", "DISBURSED", 4)
    b3_arow = row_of(brows[("BTC", "2025-09-30")], "DU_TOAN", "ALLOCATED", 4)
    # B4
    ct = series["CAN_THO"]["DU_TOAN"]
    b4_row = row_of(brows[("CAN_THO", "2025-12-19")], "DU_TOAN", "DISBURSED", 3)
    b4_qrow = row_of(brows[("CAN_THO", "2025-09-30")], "DU_TOAN", "DISBURSED", 3)

    reg = {r["database_code"]: r for r in facts["registry"]}
    dbf = facts["db_files"]

    def db_row(ag: str, day: str, code: str) -> int:
        return next(n for n, r in enumerate(dbf[(ag, day)], start=2) if r["Mã CSDL"] == code)

    end_counts = {s: 0 for s in STAGE_ORDER}
    for (ag, day), rows in dbf.items():
        if day == "2025-12-15":
            for r in rows:
                if r["Mã CSDL"].startswith("DB-NQ71"):
                    code = next(k for k in STAGE_ORDER if label("database_stage", k) == r["Giai đoạn"])
                    end_counts[code] += 1

    ip25 = facts["ip"]["2025"]

    def ip_find(period, month, right, origin, group=""):
        return next((n, r) for n, r in enumerate(ip25, start=2)
                    if (r["_period"], r["_month"], r["_right"], r["_origin"], r["_group"]) == (period, month, right, origin, group))

    i1_n, i1 = ip_find("YTD", date(2025, 11, 1), "TRADEMARK", "DOMESTIC")
    i2_n, i2 = ip_find("MONTH", date(2025, 3, 1), "PATENT", "FOREIGN")
    i3_n, i3 = ip_find("YTD", date(2025, 11, 1), "INDUSTRIAL_DESIGN", "FOREIGN")
    i3_true = facts["ip"]["true_growth"][("INDUSTRIAL_DESIGN", "FOREIGN")]
    d2s, d2r = reg[D2_SILENT], reg[D2_REASONED]

    lines = [
        README_TITLE,
        "",
        "Generated by `python -m generators.samples_domains` (deterministic; it rewrites only the",
        "`*__budget__*`, `*__database_status__*` and `*__ip_filings__*` files, `sources/reference/databases.csv`",
        "and this section). Headers and labels are those of `sources/contracts/` (first label of each enum).",
        "",
        f"- **Budget** ({counts['budget']} files). 2025 for the 59 current agencies (22 central, 34 provinces,",
        "  VPTW, VPQH, UBTWMTTQ): `2025-07-15/` proposed (Bộ KHCN đề xuất) and approved (Thủ tướng phê duyệt);",
        "  `2025-09-30/` allocated and disbursed; `2025-12-19/` disbursed (State Treasury, cumulative).",
        "  Central agencies report the sources Dự toán được giao and Tăng thu NSTW năm 2024, the others Dự",
        "  toán only. Each (stage, source) has six lines: total (Tổng cộng/Tổng cộng), the nature split",
        "  (Chi đầu tư phát triển, Chi thường xuyên) and the field split (KHCN-ĐMST, CĐS, CNTT), both adding",
        "  up to the total. Khối CHINH_PHU (DANG, QUOC_HOI, MAT_TRAN for the block agencies); Cấp Trung ương",
        "  or Tỉnh. Units and styles are declared per file: tỷ đồng + vi by default; triệu đồng for every",
        f"  5th current agency in registry order ({', '.join(facts['trieu_agencies'])});",
        "  BTC and HA_NOI tỷ đồng in en style (1,234.567); BNG in đồng (vi grouping). BKHCN and",
        "  BCA send `2025-09-30` as XLSX (amounts as text). The block agencies' allocations and 19/12",
        "  disbursements are the block figures of the BCĐ report (1.063 / 215 / 152 tỷ; 130,3 / 11,7 / 67,3 tỷ).",
        f"  `2024-12-31/`: {facts['history_count']} files (52 former provinces OLD_* + 11 unchanged provinces), year",
        "  2024, allocated and disbursed, Dự toán, tỷ đồng, vi.",
        f"- **Database readiness** ({counts['database_status']} files): `sources/reference/databases.csv` (105 NQ71 +",
        "  12 KH02); each owner sends `<AG>__database_status__2025-09-30.csv` and `..._2025-12-15.csv`, one row",
        "  per database it owns; DB-KH02-012 is reported by TUYEN_QUANG (successor of its registry owner).",
        "  NQ71 stages as stated in the 2025-12-15 files (104 rows, D1): Đã có nền tảng, CSDL tập trung",
        f"  {end_counts['PLATFORM_READY']}, Đã kết nối, chia sẻ {end_counts['CONNECTED']} (together"
        f" {end_counts['PLATFORM_READY'] + end_counts['CONNECTED']}), Đang triển khai {end_counts['IN_PROGRESS']},"
        f" Chưa triển khai {end_counts['NOT_STARTED']} (the registry's truth: 31 / 36 / 38 as GOV_2025 states;",
        "  the missing DB-NQ71-050 is not started). Every not-started database has Nguy cơ không hoàn thành = Có.",
        "  KH02 at 2025-12-15: 8 platform-ready or connected (6 + 2), 4 in progress.",
        f"- **IP filings** ({counts['ip_filings']} files, BKHCN): `2025-03-31/` months Jan-Dec 2024, year-to-date at",
        "  11/2024 and 12/2024, patents by the 11 strategic technology groups at 11/2024 (BKHCN exists from",
        "  1/3/2025, so its IP Office states 2024 in a 2025 file); `2025-12-15/` months",
        "  Jan-Nov 2025, year-to-date at 11/2025 with the growth on Jan-Nov 2024, and the groups at 11/2025.",
        "  The Jan-Nov 2025 months add up to GOV_2025's 134.471 received, 232.500 processed, 76.691 granted",
        "  (2024: 124.626 / 115.672 / 45.677). Số đơn quá hạn is the overdue backlog at the end of each month,",
        f"  worked back from 0 in November 2025: {fmt_int(facts['ip']['backlog_2024'])} at 31/12/2024, which GOV_2025 says 2025",
        "  cleared; so no month processes more than it received plus the backlog before it.",
        "",
        "### Planted faults and the findings they must produce (nothing else)",
        "",
        "Row numbers as a spreadsheet shows them (header = row 1).",
        "",
        "| # | fault (as planted) | rule | file, row | stated | expected |",
        "|---|---|---|---|---|---|",
        f"| B1 | Bộ Xây dựng, approved (Thủ tướng phê duyệt), Dự toán: the CNTT line is 5 tỷ above total − KHCN-ĐMST − CĐS;"
        f" the total and nature lines are consistent and CNTT stays ≤ its proposal ({amt('BXD', bxd.proposed.fld[2])})"
        f" | BUD-SUM-FIELD | `2025-07-15/BXD__budget__2025-07-15.csv` row {b1_row} (total row {b1_total_row})"
        f" | fields sum {amt('BXD', a.fld[0] + a.fld[1] + b1_stated)} (CNTT {amt('BXD', b1_stated)})"
        f" | total {amt('BXD', a.total)} (CNTT {amt('BXD', a.fld[2])}) |",
        f"| B2 | Hà Nội, Dự toán: approved Chi thường xuyên above its proposal; approved total"
        f" ({amt('HA_NOI', hn.approved.total)} ≤ {amt('HA_NOI', hn.proposed.total)}), investment and field lines ≤ proposed"
        f" | BUD-APPROVED-LE-PROPOSED | `2025-07-15/HA_NOI__budget__2025-07-15.csv` row {b2_row} (proposed: row {b2_prow})"
        f" | approved {amt('HA_NOI', hn.approved.nat[1])} | ≤ proposed {amt('HA_NOI', hn.proposed.nat[1])} (over by 3,150 tỷ) |",
        f"| B3 | Bộ Tài chính, Dự toán: disbursed CĐS at 19/12 above its allocation (other lines within, sums hold,"
        f" every line ≥ its 30/09 value) | BUD-DISBURSED-LE-ALLOCATED | `2025-12-19/BTC__budget__2025-12-19.csv` row {b3_row}"
        f" (allocated: `2025-09-30/BTC__budget__2025-09-30.csv` row {b3_arow})"
        f" | disbursed {amt('BTC', btc.disbursed_ye.fld[1])} | ≤ allocated {amt('BTC', btc.allocated.fld[1])} (over by 1,275 tỷ) |",
        f"| B4 | Cần Thơ, Dự toán: disbursed KHCN-ĐMST at 19/12 below its 30/09 figure (sums hold, ≤ allocated,"
        f" other lines ≥ 30/09) | BUD-DISBURSEMENT-DECREASES | `2025-12-19/CAN_THO__budget__2025-12-19.csv` row {b4_row}"
        f" (30/09: `2025-09-30/CAN_THO__budget__2025-09-30.csv` row {b4_qrow})"
        f" | {amt('CAN_THO', ct.disbursed_ye.fld[0])} | ≥ {amt('CAN_THO', ct.disbursed_q3.fld[0])} (down 2,480 tỷ) |",
        f"| D1 | DB-NQ71-050 ({reg[D1_CODE]['name_vi']}, BNNMT; Chưa triển khai) is in BNNMT's 2025-09-30 file"
        f" (row {db_row('BNNMT', '2025-09-30', D1_CODE)}) but missing from its 2025-12-15 file | DB-COUNTS-ADD-UP"
        f" (national, no file) | `2025-12-15/BNNMT__database_status__2025-12-15.csv` | NQ71 at 15/12: {sum(end_counts.values())} databases"
        f" ({end_counts['PLATFORM_READY'] + end_counts['CONNECTED']} + {end_counts['IN_PROGRESS']} + {end_counts['NOT_STARTED']}) | 105 in the registry |",
        f"| D1 | (the same gap, attributed to its owner's file) | DB-MISSING-FROM-OWNER"
        f" | `2025-12-15/BNNMT__database_status__2025-12-15.csv` (no row for {D1_CODE}) | no row at 15/12/2025"
        f" | a row for {D1_CODE}, owned by BNNMT |",
        f"| D2 | {D2_SILENT} ({d2s['name_vi']}, {d2s['owner_agency_code']}) goes back from Đã có nền tảng, CSDL tập trung"
        f" (30/09, row {db_row(d2s['owner_agency_code'], '2025-09-30', D2_SILENT)}) to Đang triển khai with no reason"
        f" | DB-STAGE-REGRESSION | `2025-12-15/{d2s['owner_agency_code']}__database_status__2025-12-15.csv`"
        f" row {db_row(d2s['owner_agency_code'], '2025-12-15', D2_SILENT)} | Đang triển khai, Lý do empty"
        f" | Đã có nền tảng, CSDL tập trung or later, or a reason |",
        f"| (D2, no finding) | {D2_REASONED} ({d2r['name_vi']}, {d2r['owner_agency_code']}) goes back the same way WITH"
        f" the reason \"{D2_REASON}\" | none | `2025-12-15/{d2r['owner_agency_code']}__database_status__2025-12-15.csv`"
        f" row {db_row(d2r['owner_agency_code'], '2025-12-15', D2_REASONED)} | — | — |",
        f"| D3 | DB-KH02-012 ({reg['DB-KH02-012']['name_vi']}) owned by OLD_HA_GIANG, a former province"
        f" (valid to 2025-06-30, merged into TUYEN_QUANG); TUYEN_QUANG reports it | DB-OWNER-EXISTS"
        f" | `sources/reference/databases.csv` row {list(reg).index('DB-KH02-012') + 2} | owner OLD_HA_GIANG"
        f" | an agency that still exists (OLD_HA_GIANG ended 2025-06-30; successor TUYEN_QUANG) |",
        f"| I1 | Year-to-date 01/11/2025 Nhãn hiệu / Trong nước: received 100 above the sum of its months (processed,"
        f" granted right; growth {i1['Tăng so với cùng kỳ (%)']} computed from the stated figure, so IP-YOY-GROWTH passes)"
        f" | IP-YTD-SUM | `2025-12-15/BKHCN__ip_filings__2025-12-15.csv` row {i1_n}"
        f" | {i1['Số đơn nhận']} | {fmt_int(facts['ip']['I1_sum'])} (Jan-Nov months) |",
        f"| I2 | Month 01/03/2025 Sáng chế / Nước ngoài: granted above processed (the YTD row keeps the sum of months"
        f" and its granted ≤ processed) | IP-GRANTED-LE-PROCESSED | `2025-12-15/BKHCN__ip_filings__2025-12-15.csv`"
        f" row {i2_n} | granted {i2['Số văn bằng cấp']} | ≤ processed {i2['Số đơn đã xử lý']} |",
        f"| I3 | Year-to-date 01/11/2025 Kiểu dáng công nghiệp / Nước ngoài: growth stated 15,00"
        f" | IP-YOY-GROWTH | `2025-12-15/BKHCN__ip_filings__2025-12-15.csv` row {i3_n}"
        f" | 15,00 % | {fmt_pct(i3_true)} % ({i3['Số đơn nhận']} vs {fmt_int(ytd_2024(facts, 'INDUSTRIAL_DESIGN', 'FOREIGN'))} in Jan-Nov 2024) |",
        "",
    ]
    return "\n".join(lines)


def ytd_2024(facts: dict, right: str, origin: str) -> int:
    row = next(r for r in facts["ip"]["2024"] if (r["_period"], r["_month"], r["_right"], r["_origin"], r["_group"])
               == ("YTD", date(2024, 11, 1), right, origin, ""))
    return row["_v"][0]


def write_readme(section: str, out: Path) -> None:
    """The README's hand-written part (read from sources/samples/README.md), then the section, into OUT."""
    text = (SOURCES / "samples" / "README.md").read_text(encoding="utf-8")
    at = text.find(README_TITLE)
    if at >= 0:
        text = text[:at]
    text = text.rstrip("\n") + "\n\n" + section
    path = out / "samples" / "README.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(unicodedata.normalize("NFC", text), encoding="utf-8")


# --------------------------------------------------------------------------------------------

def clean(samples: Path) -> None:
    for folder in samples.iterdir() if samples.is_dir() else ():
        if folder.is_dir():
            for f in folder.iterdir():
                if any(f"__{d}__" in f.name for d in OWNED_DOMAINS):
                    f.unlink()


def main(out: Path = SOURCES) -> None:
    agencies = read_agencies()
    blocks = {a["agency_code"] for a in agencies if a["agency_kind"] == "block_agency"}
    assert blocks == {"VPTW", "VPQH", "UBTWMTTQ"}, "append the block agencies to agencies.csv first"
    samples = out / "samples"
    clean(samples)
    facts: dict = {}
    counts = {
        "budget": len(make_budget(agencies, facts, samples)),
        "database_status": len(make_databases(agencies, facts, out)),
        "ip_filings": len(make_ip(facts, samples)),
    }
    write_readme(readme_section(facts, counts), out)
    print(", ".join(f"{k}: {v} files" for k, v in counts.items()), "+ reference/databases.csv + README section")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCES)
