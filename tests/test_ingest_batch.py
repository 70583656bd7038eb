"""Files checked together (parsing.parse_many, the loader's sets of files) are judged each as if alone: one
file's bad row, wrong header, encoding, invisible characters, duplicate keys, reporting date or number style
never changes what another file gets, and the loader's records are those of a one-by-one load."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.ingest import loader
from pipelines.ingest.parsing import parse_many, parse_submission
from pipelines.settings import Settings
from test_parsing import CONTRACTS, HEADER, REFS, SETTINGS  # the task-status contract and a valid header
ROW = "NQ71-{n:03},NQ71,BKHCN,,Xây dựng nghị định,Nghị định,Thứ trưởng,Vụ KHTC,Thủ tướng,01/04/2025,30/11/2025,Hoàn thành đúng hạn,{done},"
DEC_15, NOV_20 = date(2025, 12, 15), date(2025, 11, 20)


def task_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def row(n: int, done: str = "15/11/2025") -> str:
    return ROW.format(n=n, done=done)


GOOD = task_file(row(1), row(2), row(3))
FILES = {
    "good": (GOOD, DEC_15),
    "bad row": (task_file(row(1), row(2, done="31/02/2025"), row(3)), DEC_15),
    "wrong header": (task_file(row(1), header=HEADER.replace("Mã nhiệm vụ", "Mã NV")), DEC_15),
    "not UTF-8": (task_file(row(1)).replace("Xây".encode(), "X\xe2y".encode("cp1258")), DEC_15),
    "invisible": (task_file(row(1).replace("Xây dựng", "Xây\u200b dựng"), row(2)), DEC_15),
    # the same task ids as "good": a duplicate only within one file
    "same keys as good": (task_file(row(1), row(2), row(3)), DEC_15),
    "duplicate key": (task_file(row(1), row(1)), DEC_15),
    # completed on 15/11, after this file's reporting date (20/11 is before it; the others say 15/12)
    "earlier date": (task_file(row(1, done="25/11/2025"), row(2)), NOV_20),
    "header only": (task_file(), DEC_15),
    # one field too many: the strict reading of the set fails, and each file of it is read on its own
    "ragged row": (task_file(row(1), row(2) + ",extra"), DEC_15),
    "good again": (task_file(row(7), row(8)), DEC_15),
}


def problems(result) -> list[tuple]:
    return [(p["row"], p["field"], p["value"], p["reason"]) for p in result.problems.to_dicts()]


@pytest.fixture(scope="module")
def together():
    results = parse_many([(data, "csv", day) for data, day in FILES.values()], CONTRACTS["task_status"], REFS)
    return dict(zip(FILES, results))


def test_each_file_of_a_set_gets_its_own_verdict(together):
    assert together["good"].ok and together["good"].frame["task_id"].to_list() == ["NQ71-001", "NQ71-002", "NQ71-003"]
    assert together["good"].frame["source_row"].to_list() == [2, 3, 4]
    assert together["good again"].ok and together["good again"].frame["source_row"].to_list() == [2, 3]
    assert problems(together["bad row"]) == [
        (3, "Ngày hoàn thành", "31/02/2025", "not a valid date in the declared format dd/mm/yyyy")]
    assert problems(together["wrong header"]) == [
        (1, "Mã nhiệm vụ", None, "required column 'Mã nhiệm vụ' is missing")]
    assert [(r, f) for r, f, _, _ in problems(together["not UTF-8"])] == [(2, "(encoding)")]
    # a task id repeated in another file of the set is no duplicate; within one file it is
    assert together["same keys as good"].ok
    assert problems(together["duplicate key"]) == [
        (2, "Mã nhiệm vụ", "NQ71-001", "duplicate key: the same value appears on more than one row"),
        (3, "Mã nhiệm vụ", "NQ71-001", "duplicate key: the same value appears on more than one row")]
    # each file's own reporting date: 25/11 is after 20/11, and 15/11 is not
    assert problems(together["earlier date"]) == [
        (2, "Ngày hoàn thành", "25/11/2025", "date is after the reporting date 20/11/2025")]
    assert [(r, f, why) for r, f, _, why in problems(together["ragged row"])] == [
        (3, "(row)", "row has 15 fields but the header has 14 (truncated, shifted or unquoted comma)")]
    assert problems(together["header only"]) == [(1, "(file)", None, "file has a header but no data rows")]
    # the invisible character is dropped and counted in its own file only
    assert together["invisible"].ok and together["invisible"].notes == [
        "invisible characters (zero-width, bidi, BOM) removed from free text: 'Nội dung nhiệm vụ' 1 (first at row 2)"]
    assert together["invisible"].frame["content"][0] == "Xây dựng nghị định"
    assert all(not together[name].notes for name in FILES if name != "invisible")


def test_a_set_gives_each_file_what_it_gets_alone(together):
    for name, (data, day) in FILES.items():
        alone = parse_submission(data, "csv", CONTRACTS["task_status"], REFS, day)
        assert problems(together[name]) == problems(alone), name
        assert together[name].notes == alone.notes, name
        if alone.ok:
            assert together[name].frame.equals(alone.frame), name


BUDGET_HEADER = "Năm ngân sách,Nguồn kinh phí,Tính chất chi,Lĩnh vực,Khối,Cấp,Giai đoạn,Số tiền,Đơn vị tính,Kiểu số,Ghi chú"


def budget(amount: str, style: str, unit: str = "tỷ đồng", second_unit: str | None = None) -> bytes:
    line = "2025,Dự toán được giao,Tổng cộng,Tổng cộng,CHINH_PHU,Tỉnh,Đã phân bổ,\"{}\",{},{},"
    rows = [line.format(amount, unit, style), line.format(amount, second_unit or unit, style).replace("Tổng cộng,Tổng cộng", "Tổng cộng,CĐS")]
    return ("\n".join([BUDGET_HEADER, *rows]) + "\n").encode("utf-8")


def test_files_in_two_number_styles_and_a_mixed_unit_are_read_each_in_its_own():
    files = [budget("1.234,5", "vi"), budget("1,234.5", "en"), budget("2,5", "vi", second_unit="triệu đồng")]
    results = parse_many([(data, "csv", DEC_15) for data in files], CONTRACTS["budget"], {"block": {"CHINH_PHU"}})
    assert results[0].ok and results[0].frame["amount_number"].to_list() == [pl.Series([1234.5]).cast(pl.Decimal(38, 9))[0]] * 2
    assert results[1].ok and results[1].frame["amount_number"].to_list() == results[0].frame["amount_number"].to_list()
    assert problems(results[2]) == [(3, "Đơn vị tính", "triệu đồng", "declared once per file: row 2 says 'tỷ đồng'")]


def test_a_load_of_a_set_records_each_file_as_a_load_of_it_alone(tmp_path, monkeypatch):
    """The shipped round loaded in sets of three files by worker processes, beside bad files, gives the records
    and rows of a load that takes one file at a time."""
    inbox = tmp_path / "inbox"
    shutil.copytree(SETTINGS.inbox_dir / "2025-12-15", inbox)
    for name, (data, _) in FILES.items():
        (inbox / f"HA_NOI__task_status__2025-12-{1 + list(FILES).index(name):02}.csv").write_bytes(data)
    # a second version of the first file, listed after it (sub-folders are walked): version 2 in both loads
    (inbox / "resent").mkdir()
    (inbox / "resent" / "HA_NOI__task_status__2025-12-01.csv").write_bytes(FILES["good again"][0])

    def load(folder: str, files_per_set: int, processes_from: int) -> duckdb.DuckDBPyConnection:
        monkeypatch.setattr(loader, "CHUNK_FILES", files_per_set)
        monkeypatch.setattr(loader, "PROCESS_MIN_FILES", processes_from)
        settings = Settings.explicit(warehouse_dir=tmp_path / folder, inbox_dir=inbox)
        loader.load_inbox(settings)
        return duckdb.connect(str(settings.duckdb_path), read_only=True)

    def records(con) -> list[tuple]:
        return con.execute("SELECT file_name, version, status, rows_loaded, problems_count, message FROM audit.submissions "
                           "ORDER BY file_name, version").fetchall()

    def rows(con, table: str) -> list[tuple]:
        return con.execute(f"SELECT * EXCLUDE (submission_id) FROM {table} ORDER BY ALL").fetchall()

    # one file at a time in this process; sets of three in two worker processes
    one, sets = load("one_by_one", 1, 10**6), load("in_sets", 3, 1)
    assert records(sets) == records(one)
    assert len(records(one)) == len(list(inbox.rglob("*.*")))
    assert [r[:4] for r in records(sets) if r[0] == "HA_NOI__task_status__2025-12-01.csv"] == [
        ("HA_NOI__task_status__2025-12-01.csv", 1, "accepted", 3), ("HA_NOI__task_status__2025-12-01.csv", 2, "accepted", 2)]
    assert ("HA_NOI__task_status__2025-12-02.csv", 1, "rejected", 0, 1,
            "HA_NOI__task_status__2025-12-02.csv: row 3, field 'Ngày hoàn thành': not a valid date in the declared "
            "format dd/mm/yyyy") in records(sets)
    for table in ("raw.task_status_rows", "raw.task_summary_rows", "raw.budget_lines", "audit.quarantine"):
        assert rows(sets, table) == rows(one, table), table


def test_clean_csv_files_of_a_set_are_read_by_one_reading_and_a_bad_one_sends_each_back_alone(monkeypatch):
    from pipelines.ingest import csvfile

    alone = []
    real_strict = csvfile._strict
    monkeypatch.setattr(csvfile, "_strict", lambda data, columns: alone.append(data) or real_strict(data, columns))
    clean = [FILES[name][0] for name in ("good", "bad row", "good again")]
    assert [r.frame is not None or r.problems.height for r in
            parse_many([(data, "csv", DEC_15) for data in clean], CONTRACTS["task_status"], REFS)] == [True, 1, True]
    assert alone == []
    with_ragged = [*clean, FILES["ragged row"][0]]
    parse_many([(data, "csv", DEC_15) for data in with_ragged], CONTRACTS["task_status"], REFS)
    assert alone == with_ragged
