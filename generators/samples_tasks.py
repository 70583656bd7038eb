"""Write the shipped sample reporting round under sources/samples/ (deterministic: same output every run).

One round at 15/12/2025 for all 56 agencies: task rows and declared summaries for the Government
action programme (NQ71, 326 tasks) and Plan 02 (KH02, 88 tasks, central agencies only). National
status counts equal those the Government report states (NQ71: 23 recurring, 115 done on time, 47
done late, 124 in progress on time, 17 overdue; KH02: 44, 23, 18, 3), so the sample is a plausible
round and can later be reconciled with the published figures.

Formats vary as they do in real rounds: most files are CSV UTF-8, every third province's has a
BOM (Excel's "CSV UTF-8"), and three ministries send XLSX (one with typed date cells).

The planted faults are listed in sources/samples/README.md; tests/test_pipeline.py asserts the
findings they must produce, written out by hand. Run: .venv/bin/python -m generators.samples_tasks [OUT]
(OUT defaults to sources/; it writes OUT/samples/2025-12-15/*__task_status__* and *__task_summary__*).
"""

from __future__ import annotations

import random
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from generators.inputs import SOURCES, headers, read_agencies
from generators.writers import write_csv, write_xlsx

REPORTING_DATE = date(2025, 12, 15)
CREATED = datetime(2025, 12, 15, 8, 0, 0)  # the XLSX files' creation date, fixed so their bytes never change
STATUS_LABEL = {
    "RECURRING": "Thường xuyên",
    "DONE_ON_TIME": "Hoàn thành đúng hạn",
    "DONE_LATE": "Hoàn thành quá hạn",
    "IN_PROGRESS_ON_TIME": "Đang thực hiện đúng hạn",
    "IN_PROGRESS_OVERDUE": "Đang thực hiện quá hạn",
}
PROGRAMMES = {
    # code: (assigned date, national status counts as stated in GOV_2025)
    "NQ71": (date(2025, 4, 1), {"RECURRING": 23, "DONE_ON_TIME": 115, "DONE_LATE": 47,
                                "IN_PROGRESS_ON_TIME": 124, "IN_PROGRESS_OVERDUE": 17}),
    "KH02": (date(2025, 6, 19), {"RECURRING": 0, "DONE_ON_TIME": 44, "DONE_LATE": 23,
                                 "IN_PROGRESS_ON_TIME": 18, "IN_PROGRESS_OVERDUE": 3}),
}
WORKS = [
    "Xây dựng và trình ban hành", "Hoàn thiện", "Triển khai", "Đánh giá và đề xuất sửa đổi", "Tổ chức thực hiện",
]
SUBJECTS = [
    ("cơ chế thử nghiệm có kiểm soát (sandbox) trong lĩnh vực", "Nghị định"),
    ("cơ sở dữ liệu chuyên ngành", "Hệ thống cơ sở dữ liệu"),
    ("nền tảng số dùng chung của", "Nền tảng số"),
    ("chương trình đào tạo nhân lực số cho", "Đề án"),
    ("kế hoạch chuyển đổi số năm 2025 của", "Kế hoạch"),
    ("dịch vụ công trực tuyến toàn trình của", "Dịch vụ công trực tuyến"),
    ("quy định về chia sẻ dữ liệu của", "Thông tư"),
    ("báo cáo đánh giá tình hình thực hiện Nghị quyết 57 tại", "Báo cáo"),
]


def agencies() -> list[dict]:
    # the 56 agencies that report tasks: not the former provinces, not the block offices (budget only)
    return [a for a in read_agencies() if not a["valid_to"] and a["agency_kind"] not in ("former_province", "block_agency")]


def nq71_quota(codes: list[str], central: set[str]) -> dict[str, int]:
    """326 tasks: each province 4; the ministries that lead most work more (as the report says)."""
    heavy = {"BKHCN": 32, "BTC": 17, "BCA": 16, "BGDDT": 12, "BNNMT": 11}
    quota = {c: (4 if c not in central else heavy.get(c, 6)) for c in codes}
    quota["BKHCN"] += 326 - sum(quota.values())
    return quota


def kh02_quota(codes: list[str], central: set[str]) -> dict[str, int]:
    return {c: 4 for c in codes if c in central}


def make_tasks(programme: str, quota: dict[str, int], all_codes: list[str], central: set[str], rng: random.Random):
    assigned, counts = PROGRAMMES[programme]
    statuses = [s for s, n in counts.items() for _ in range(n)]
    assert len(statuses) == sum(quota.values()), (programme, len(statuses), sum(quota.values()))
    rng.shuffle(statuses)
    tasks = []
    number = 0
    for agency, n in quota.items():
        for _ in range(n):
            status = statuses[number]
            number += 1
            work = rng.choice(WORKS)
            subject, product = rng.choice(SUBJECTS)
            is_central = agency in central
            deadline = completion = None
            if status != "RECURRING":
                if status == "IN_PROGRESS_ON_TIME":
                    deadline = REPORTING_DATE + timedelta(days=rng.randint(16, 380))
                else:
                    deadline = assigned + timedelta(days=rng.randint(45, 250))
                    if status in ("DONE_LATE", "IN_PROGRESS_OVERDUE"):
                        # late or overdue at the reporting date: the deadline has passed by then
                        deadline = min(deadline, REPORTING_DATE - timedelta(days=1))
            if status == "DONE_ON_TIME":
                completion = deadline - timedelta(days=rng.randint(0, 30))
                # done on time, and no later than the reporting date (a report cannot state a future completion)
                completion = min(max(completion, assigned + timedelta(days=10)), REPORTING_DATE)
            elif status == "DONE_LATE":
                completion = min(deadline + timedelta(days=rng.randint(1, 60)), REPORTING_DATE)
            others = [c for c in rng.sample(all_codes, 3) if c != agency][: rng.randint(0, 2)]
            tasks.append({
                "Mã nhiệm vụ": f"{programme}-{number:03d}",
                "Chương trình": programme,
                "Cơ quan chủ trì": agency,
                "Cơ quan phối hợp": ";".join(others),
                "Nội dung nhiệm vụ": f"{work} {subject} {'bộ, ngành' if is_central else 'địa phương'}",
                "Sản phẩm": product,
                "Người chịu trách nhiệm": "Thứ trưởng phụ trách" if is_central else "Phó Chủ tịch UBND phụ trách",
                "Đơn vị chịu trách nhiệm": "Vụ Kế hoạch - Tài chính" if is_central else "Sở Khoa học và Công nghệ",
                "Thẩm quyền": "Thủ tướng Chính phủ" if product == "Nghị định" else ("Bộ trưởng" if is_central else "Chủ tịch UBND"),
                "Ngày giao": assigned,
                "Thời hạn": deadline,
                "Trạng thái": STATUS_LABEL[status],
                "Ngày hoàn thành": completion,
                "Ghi chú": "",
                "_status": status,
            })
    return tasks


def summarize(tasks: list[dict]) -> dict[str, int]:
    n = {s: sum(1 for t in tasks if t["_status"] == s) for s in STATUS_LABEL}
    return {
        "Tổng số": len(tasks), "Thường xuyên": n["RECURRING"],
        "Hoàn thành": n["DONE_ON_TIME"] + n["DONE_LATE"], "Hoàn thành đúng hạn": n["DONE_ON_TIME"],
        "Hoàn thành quá hạn": n["DONE_LATE"], "Đang thực hiện đúng hạn": n["IN_PROGRESS_ON_TIME"],
        "Đang thực hiện quá hạn": n["IN_PROGRESS_OVERDUE"],
    }


def first(tasks, agency, statuses, programme="NQ71"):
    """The agency's first task in one of the given statuses (the first status that has one)."""
    for status in statuses.split("|"):
        for t in tasks:
            if t["Cơ quan chủ trì"] == agency and t["_status"] == status and t["Chương trình"] == programme:
                return t
    raise LookupError(f"{agency} has no {programme} task in status {statuses}")


def plant_row_faults(tasks: list[dict]) -> None:
    """Row-level faults; see samples/README.md. Each should produce exactly one finding."""
    # F4: reported "in progress on time" although its deadline passed before the reporting date.
    first(tasks, "BCA", "IN_PROGRESS_ON_TIME")["Thời hạn"] = date(2025, 11, 30)
    # F5: completed before it was assigned.
    first(tasks, "HAI_PHONG", "DONE_ON_TIME")["Ngày hoàn thành"] = date(2025, 3, 20)
    # F6: no expected product (6 rõ: sản phẩm).
    first(tasks, "LAO_CAI", "IN_PROGRESS_ON_TIME|DONE_ON_TIME|DONE_LATE")["Sản phẩm"] = ""
    # F7: a non-recurring task with no deadline (6 rõ: thời gian).
    first(tasks, "NGHE_AN", "DONE_LATE|DONE_ON_TIME|IN_PROGRESS_ON_TIME|IN_PROGRESS_OVERDUE")["Thời hạn"] = None


def plant_summary_faults(summaries: dict[tuple[str, str], dict[str, int]]) -> None:
    # F1: Hà Nội declares one more task in progress on time than it lists (total kept consistent).
    s = summaries[("HA_NOI", "NQ71")]
    s["Đang thực hiện đúng hạn"] += 1
    s["Tổng số"] += 1
    # F2: Đà Nẵng's declared total is not the sum of its declared parts.
    summaries[("DA_NANG", "NQ71")]["Tổng số"] += 1
    # F3: Bộ Y tế's declared "completed" is not on time + late.
    summaries[("BYT", "NQ71")]["Hoàn thành"] += 1


def main(out: Path = SOURCES) -> None:
    folder = out / "samples" / "2025-12-15"
    rng = random.Random(57)
    reporting = agencies()
    codes = [a["agency_code"] for a in reporting]
    central = {a["agency_code"] for a in reporting if a["agency_kind"] != "province"}
    provinces = [c for c in codes if c not in central]
    assert len(codes) == 56 and len(central) == 22, (len(codes), len(central))

    tasks = make_tasks("NQ71", nq71_quota(codes, central), codes, central, rng)
    tasks += make_tasks("KH02", kh02_quota(codes, central), codes, central, rng)
    summaries = {
        (a, p): summarize([t for t in tasks if t["Cơ quan chủ trì"] == a and t["Chương trình"] == p])
        for a in codes for p in PROGRAMMES
        if any(t["Cơ quan chủ trì"] == a and t["Chương trình"] == p for t in tasks)
    }
    plant_row_faults(tasks)
    plant_summary_faults(summaries)

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if "__task_status__" in old.name or "__task_summary__" in old.name:  # the other domains have their own generator
            old.unlink()
    xlsx_agencies = {"BKHCN": True, "BTC": False, "BCA": False}  # code -> typed date cells
    stamp = REPORTING_DATE.isoformat()
    task_headers, summary_headers = headers("task_status"), headers("task_summary")
    for agency in codes:
        rows = [t for t in tasks if t["Cơ quan chủ trì"] == agency]
        summary_rows = [{"Chương trình": p, **summaries[(agency, p)]} for p in PROGRAMMES if (agency, p) in summaries]
        bom = agency in provinces and provinces.index(agency) % 3 == 0
        if agency in xlsx_agencies:
            # empty cells as empty text cells, as these ministries' exporters write them
            write_xlsx(folder / f"{agency}__task_status__{stamp}.xlsx", task_headers, rows, sheet="Nhiệm vụ",
                       created=CREATED, typed_dates=xlsx_agencies[agency], empty_as_text=True)
            write_xlsx(folder / f"{agency}__task_summary__{stamp}.xlsx", summary_headers, summary_rows, sheet="Tổng hợp",
                       created=CREATED, empty_as_text=True)
        else:
            write_csv(folder / f"{agency}__task_status__{stamp}.csv", task_headers, rows, excel=bom)
            write_csv(folder / f"{agency}__task_summary__{stamp}.csv", summary_headers, summary_rows, excel=bom)
    print(f"wrote {len(list(folder.iterdir()))} files, {len(tasks)} task rows, to {folder}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCES)
