"""Budget rules on a hand-made round: amounts compared as the intervals their writing allows.

Rounding and a change of unit are never errors (parts with one decimal against a total with two,
21,4 tỷ then 21.366 triệu, an approval equal to the proposal written in another unit); real
faults are found with the tolerance stated. One real `full_load` run (module fixture).
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

HEADER = ["Năm ngân sách", "Nguồn kinh phí", "Tính chất chi", "Lĩnh vực", "Khối", "Cấp", "Giai đoạn", "Số tiền",
          "Đơn vị tính", "Kiểu số", "Ghi chú"]
SOURCE = {"DT": "Dự toán được giao", "TT": "Tăng thu NSTW năm 2024"}
NATURE = {"ALL": "Tổng cộng", "DEV": "Chi đầu tư phát triển", "REC": "Chi thường xuyên"}
FIELD = {"ALL": "Tổng cộng", "KHCN": "KHCN-ĐMST", "CDS": "CĐS", "CNTT": "CNTT"}
LEVEL = {"C": "Trung ương", "P": "Tỉnh", "X": "Xã"}
STAGE = {"PROPOSED": "Bộ KHCN đề xuất", "APPROVED": "Thủ tướng phê duyệt", "ALLOCATED": "Đã phân bổ",
         "DISBURSED": "Đã giải ngân"}
UNIT = {"TY": "tỷ đồng", "TRIEU": "triệu đồng", "DONG": "đồng"}


def line(stage, amount, nature="ALL", field="ALL", source="DT", year=2025, block="CHINH_PHU", level="C"):
    return (year, source, nature, field, block, level, stage, amount)


def write(inbox: Path, agency: str, day: str, unit: str, lines, style="vi") -> None:
    path = inbox / day / f"{agency}__budget__{day}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for year, source, nature, field, block, level, stage, amount in lines:
            out.writerow([year, SOURCE[source], NATURE[nature], FIELD[field], block, LEVEL[level], STAGE[stage], amount,
                          UNIT[unit], style, ""])


def build_round(inbox: Path) -> None:
    # BNV: parts written with one decimal, totals with two: sums hold within rounding only
    write(inbox, "BNV", "2025-07-15", "TY", [
        line("PROPOSED", "30,0"), line("PROPOSED", "12,3", "DEV"), line("PROPOSED", "17,7", "REC"),
        line("APPROVED", "29,96"), line("APPROVED", "12,3", "DEV"), line("APPROVED", "17,7", "REC")])
    # BTP proposes in triệu; the approval comes in tỷ: equal in total, one part above its proposal
    write(inbox, "BTP", "2025-07-15", "TRIEU", [
        line("PROPOSED", "20.000"), line("PROPOSED", "8.000", "DEV"), line("PROPOSED", "12.000", "REC")])
    write(inbox, "BTP", "2025-07-16", "TY", [
        line("APPROVED", "20"), line("APPROVED", "8,1", "DEV"), line("APPROVED", "11,9", "REC")])
    # NHNN: 21,4 tỷ then 21.366 triệu is no decrease; 10,0 tỷ then 9.900 triệu is one
    write(inbox, "NHNN", "2025-09-30", "TY", [
        line("ALLOCATED", "50"), line("DISBURSED", "21,4"),
        line("ALLOCATED", "15", source="TT"), line("DISBURSED", "10,0", source="TT")])
    write(inbox, "NHNN", "2025-12-19", "TRIEU", [
        line("DISBURSED", "21.366"), line("DISBURSED", "9.900", source="TT")])
    # TTCP: allocation above the approval (and one within the approval's rounding)
    write(inbox, "TTCP", "2025-07-15", "TY", [line("APPROVED", "10,0"), line("APPROVED", "5,0", source="TT")])
    write(inbox, "TTCP", "2025-09-30", "TY", [line("ALLOCATED", "10,2"), line("ALLOCATED", "5,04", source="TT")])
    # VPCP restates its proposal differently (and another one identically, in another unit)
    write(inbox, "VPCP", "2025-07-15", "TY", [line("PROPOSED", "7,0"), line("PROPOSED", "3,0", source="TT")])
    write(inbox, "VPCP", "2025-09-30", "TRIEU", [line("PROPOSED", "7.500"), line("PROPOSED", "3.000", source="TT")])
    # HUE (a province) reports a central-level line; BYT a line for the Party block and an early allocation
    write(inbox, "HUE", "2025-07-15", "TY", [
        line("PROPOSED", "4", level="C"), line("PROPOSED", "2", source="TT", level="P"), line("APPROVED", "1", level="X")])
    write(inbox, "BYT", "2025-07-15", "TY", [
        line("PROPOSED", "5", block="DANG"), line("ALLOCATED", "3", year=2026), line("PROPOSED", "4", year=2026)])
    # DTVN: the full nature x field grid in whole tỷ (each exact to half a tỷ), one recurrent detail line 4 tỷ too high
    grid = {("ALL", "ALL"): 100, ("DEV", "ALL"): 40, ("REC", "ALL"): 60, ("ALL", "KHCN"): 50, ("ALL", "CDS"): 30,
            ("ALL", "CNTT"): 20, ("DEV", "KHCN"): 20, ("DEV", "CDS"): 10, ("DEV", "CNTT"): 10,
            ("REC", "KHCN"): 30, ("REC", "CDS"): 20, ("REC", "CNTT"): 14}
    write(inbox, "DTVN", "2025-07-15", "TY", [line("PROPOSED", str(v), n, f) for (n, f), v in grid.items()])
    # BQP: the largest amount and the last year the contract accepts go through every model without overflow
    write(inbox, "BQP", "2025-07-15", "TY", [line("PROPOSED", "1.000.000.000.000.000", year=2100)])
    # DTNVN: the same grid in en style and đồng, consistent: nothing to find
    write(inbox, "DTNVN", "2025-07-15", "DONG",
          [line("PROPOSED", f"{v * 10**9:,}", n, f) for (n, f), v in grid.items() if (n, f) != ("REC", "CNTT")]
          + [line("PROPOSED", "10,000,000,000", "REC", "CNTT")], style="en")


@pytest.fixture(scope="module")
def con(tmp_path_factory, run_full_load):
    root = tmp_path_factory.mktemp("budget_rules")
    build_round(root / "inbox")
    result, path = run_full_load(root, root / "inbox")
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    connection = duckdb.connect(str(path), read_only=True)
    assert connection.execute("SELECT count(*) FROM audit.submissions WHERE status = 'rejected'").fetchall() == [(0,)]
    yield connection
    connection.close()


def test_each_fault_is_found_and_rounding_or_units_never_are(con):
    found = set(con.execute(
        "SELECT rule_id, severity, agency_code, subject FROM audit.dq_findings WHERE rule_file = 'budget.yml'").fetchall())
    assert found == {
        ("BUD-APPROVED-LE-PROPOSED", "error", "BTP", "2025 DU_TOAN DEV_INVESTMENT/ALL (CHINH_PHU, CENTRAL)"),
        ("BUD-DISBURSEMENT-DECREASES", "error", "NHNN",
         "2025 TANG_THU_2024 ALL/ALL (CHINH_PHU, CENTRAL) disbursed, 30/09/2025 to 19/12/2025"),
        ("BUD-ALLOCATED-LE-APPROVED", "error", "TTCP", "2025 DU_TOAN ALL/ALL (CHINH_PHU, CENTRAL)"),
        ("BUD-RESTATED", "warning", "VPCP", "2025 DU_TOAN PROPOSED ALL/ALL (CHINH_PHU, CENTRAL)"),
        ("BUD-LEVEL-AGENCY", "error", "HUE", "2025 DU_TOAN PROPOSED ALL/ALL"),
        ("BUD-BLOCK-AGENCY", "warning", "BYT", "2025 DU_TOAN PROPOSED ALL/ALL"),
        ("BUD-AS-OF-BEFORE-YEAR", "error", "BYT", "2026 DU_TOAN ALLOCATED ALL/ALL"),
        # one detail line too high breaks its nature's field split and its field's nature split
        ("BUD-SUM-FIELD", "error", "DTVN", "2025 DU_TOAN PROPOSED RECURRENT (CHINH_PHU, CENTRAL) at 15/07/2025"),
        ("BUD-SUM-NATURE", "error", "DTVN", "2025 DU_TOAN PROPOSED CNTT (CHINH_PHU, CENTRAL) at 15/07/2025"),
    }


def test_findings_state_both_intervals_the_difference_and_the_tolerance(con):
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT rule_id, actual_value, expected_value, difference, tolerance, document FROM audit.dq_findings "
        "WHERE rule_id IN ('BUD-APPROVED-LE-PROPOSED', 'BUD-DISBURSEMENT-DECREASES', 'BUD-SUM-FIELD', 'BUD-RESTATED')"
    ).fetchall()}
    # 8,1 tỷ approved against 8.000 triệu proposed
    assert rows["BUD-APPROVED-LE-PROPOSED"] == ("[8.05, 8.15]", "[7.9995, 8.0005]", "0.1", "0.0505",
                                                "BTP__budget__2025-07-15.csv; BTP__budget__2025-07-16.csv")
    # 10,0 tỷ at 30/09, 9.900 triệu at 19/12
    assert rows["BUD-DISBURSEMENT-DECREASES"] == ("[9.95, 10.05]", "[9.8995, 9.9005]", "0.1", "0.0505",
                                                  "NHNN__budget__2025-09-30.csv; NHNN__budget__2025-12-19.csv")
    # whole tỷ: each figure exact to half a tỷ, so four of them allow 2 tỷ together
    assert rows["BUD-SUM-FIELD"] == ("[59.5, 60.5]", "[62.5, 65.5]", "-4", "2", "DTVN__budget__2025-07-15.csv")
    assert rows["BUD-RESTATED"][:2] == ("[7.4995, 7.5005]", "[6.95, 7.05]")


def test_the_largest_amount_the_contract_accepts_fits_every_model(con):
    from decimal import Decimal as D
    assert con.execute("SELECT amount_vnd, amount_ty, amount_low_ty, amount_high_ty FROM intermediate.int_budget_lines__current "
                       "WHERE agency_code = 'BQP'").fetchall() == [
        (D("1000000000000000000000000.000"), D("1000000000000000"), D("999999999999999.5"), D("1000000000000000.5"))]


def test_amounts_keep_the_interval_their_writing_allows(con):
    rows = con.execute(
        "SELECT agency_code, amount_as_written, amount_unit, amount_ty, amount_low_ty, amount_high_ty "
        "FROM intermediate.int_budget_lines__current WHERE agency_code IN ('NHNN', 'DTNVN') AND stage_code = 'DISBURSED' "
        "OR (agency_code = 'DTNVN' AND nature_code = 'RECURRENT' AND field_code = 'CNTT') ORDER BY ALL").fetchall()
    from decimal import Decimal as D
    assert rows == [
        ("DTNVN", "10,000,000,000", "DONG", D("10"), D("9.999999999"), D("10.000000001")),
        ("NHNN", "10,0", "TY", D("10"), D("9.95"), D("10.05")),
        ("NHNN", "21,4", "TY", D("21.4"), D("21.35"), D("21.45")),
        ("NHNN", "21.366", "TRIEU", D("21.366"), D("21.3655"), D("21.3665")),
        ("NHNN", "9.900", "TRIEU", D("9.9"), D("9.8995"), D("9.9005")),
    ]
