"""Task-status rules on a hand-made round the samples never held: agencies that list each other's
tasks, every status against every date, a task going back in progress, and a rejected task file
whose summary would otherwise raise false alarms.

One real `full_load` run (module fixture) on files written here; each rule has a failing row and a
passing row (boundaries included), and the findings are asserted exactly.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

HEADER = ["Mã nhiệm vụ", "Chương trình", "Cơ quan chủ trì", "Cơ quan phối hợp", "Nội dung nhiệm vụ", "Sản phẩm",
          "Người chịu trách nhiệm", "Đơn vị chịu trách nhiệm", "Thẩm quyền", "Ngày giao", "Thời hạn", "Trạng thái",
          "Ngày hoàn thành", "Ghi chú"]
SUMMARY_HEADER = ["Chương trình", "Tổng số", "Thường xuyên", "Hoàn thành", "Hoàn thành đúng hạn", "Hoàn thành quá hạn",
                  "Đang thực hiện đúng hạn", "Đang thực hiện quá hạn"]
STATUS = {"R": "Thường xuyên", "DOT": "Hoàn thành đúng hạn", "DL": "Hoàn thành quá hạn",
          "IPOT": "Đang thực hiện đúng hạn", "IPO": "Đang thực hiện quá hạn"}


def task(task_id, lead, status, assigned="01/04/2025", deadline="", completed="", co=""):
    return [task_id, "NQ71", lead, co, "Xây dựng nền tảng số", "Nền tảng số", "Thứ trưởng phụ trách",
            "Vụ Kế hoạch - Tài chính", "Bộ trưởng", assigned, deadline, STATUS[status], completed, ""]


def write(path: Path, header, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])


def summary(recurring=0, on_time=0, late=0, in_progress=0, overdue=0):
    total = recurring + on_time + late + in_progress + overdue
    return [["NQ71", total, recurring, on_time + late, on_time, late, in_progress, overdue]]


def build_round(inbox: Path) -> None:
    day = "2025-12-15"
    bct = [
        task("NQ71-900", "BCT", "IPOT", deadline="01/03/2026"),                         # also listed by BCA: BCT's row wins
        task("NQ71-902", "BCT", "IPO", deadline="10/01/2026"),                          # overdue before its deadline
        task("NQ71-903", "BCT", "DOT", deadline="01/10/2025"),                          # completed, no date
        task("NQ71-904", "BCT", "IPOT", deadline="01/05/2026", completed="01/11/2025"),  # in progress, completed
        task("NQ71-905", "BCT", "DOT", deadline="01/10/2025", completed="20/10/2025"),   # on time, after the deadline
        task("NQ71-906", "BCT", "DL", deadline="01/10/2025", completed="20/09/2025"),    # late, before the deadline
        task("NQ71-907", "BCT", "IPO", assigned="01/04/2025", deadline="01/03/2025"),    # deadline before assigned
        task("NQ71-908", "BCT", "R", deadline="01/01/2026"),                            # recurring with a deadline
        task("NQ71-909", "BCT", "IPOT", deadline="01/06/2026", co="BCA; XYZ;BCT"),      # unknown and self co-agencies
        # boundaries that hold
        task("NQ71-910", "BCT", "DOT", deadline="01/10/2025", completed="01/10/2025"),
        task("NQ71-911", "BCT", "DL", deadline="01/10/2025", completed="02/10/2025"),
        task("NQ71-912", "BCT", "IPO", deadline="14/12/2025"),
        task("NQ71-913", "BCT", "IPOT", deadline="15/12/2025", co="BCA;BYT"),
        task("NQ71-914", "BCT", "R"),
    ]
    write(inbox / f"BCT__task_status__{day}.csv", HEADER, bct)
    write(inbox / f"BCT__task_summary__{day}.csv", SUMMARY_HEADER, summary(recurring=2, on_time=3, late=2, in_progress=4, overdue=3))
    # BCA lists BCT's task NQ71-900, and its own tasks; NQ71-921 went back in progress, NQ71-920's assignment date changed
    write(inbox / "earlier" / "BCA__task_status__2025-11-14.csv", HEADER, [
        task("NQ71-920", "BCA", "IPOT", assigned="01/04/2025", deadline="01/06/2026"),
        task("NQ71-921", "BCA", "DOT", deadline="01/12/2025", completed="01/11/2025"),
    ])
    write(inbox / "earlier" / "BCA__task_summary__2025-11-14.csv", SUMMARY_HEADER, summary(on_time=1, in_progress=1))
    write(inbox / f"BCA__task_status__{day}.csv", HEADER, [
        task("NQ71-900", "BCT", "IPO", deadline="01/12/2025"),
        task("NQ71-920", "BCA", "IPOT", assigned="01/05/2025", deadline="01/06/2026"),
        task("NQ71-921", "BCA", "IPOT", deadline="01/06/2026"),
    ])
    write(inbox / f"BCA__task_summary__{day}.csv", SUMMARY_HEADER, summary(in_progress=2, overdue=1))
    # BKHCN lists a task led by BYT that nobody else lists
    write(inbox / f"BKHCN__task_status__{day}.csv", HEADER, [task("NQ71-930", "BYT", "IPOT", deadline="01/06/2026")])
    write(inbox / f"BKHCN__task_summary__{day}.csv", SUMMARY_HEADER, summary(in_progress=1))
    # Huế's task file cannot be read (31/02); its summary is fine but has nothing to be compared with
    write(inbox / f"HUE__task_status__{day}.csv", HEADER, [
        task("NQ71-940", "HUE", "IPOT", deadline="31/02/2026"), task("NQ71-941", "HUE", "IPOT", deadline="01/06/2026")])
    write(inbox / f"HUE__task_summary__{day}.csv", SUMMARY_HEADER, summary(in_progress=2))


@pytest.fixture(scope="module")
def run(tmp_path_factory, run_full_load):
    root = tmp_path_factory.mktemp("task_rules")
    build_round(root / "inbox")
    result, path = run_full_load(root, root / "inbox")
    con = duckdb.connect(str(path), read_only=True)
    yield result, con, root / "wh"
    con.close()


def test_a_conflicting_round_still_runs_to_the_report(run):
    result, con, warehouse = run
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    assert (warehouse / "reports" / "dq_report.html").exists()
    # one row per task and date in the marts: BCT's own row for its task, BCA's copy kept in raw only
    assert con.execute("SELECT reporting_agency_code, status_code, file_name FROM marts.fct_task_status "
                       "WHERE task_key = 'NQ71:NQ71-900'").fetchall() == [
        ("BCT", "IN_PROGRESS_ON_TIME", "BCT__task_status__2025-12-15.csv")]
    assert con.execute("SELECT count(*) FROM raw.task_status_rows WHERE task_id = 'NQ71-900'").fetchall() == [(2,)]
    assert con.execute("SELECT count(*) - count(DISTINCT task_snapshot_key) FROM marts.fct_task_status").fetchall() == [(0,)]


def test_each_task_rule_fires_on_its_row_and_nowhere_else(run):
    _, con, _ = run
    found = set(con.execute(
        "SELECT rule_id, agency_code, subject, document, location FROM audit.dq_findings "
        "WHERE rule_file = 'task_status.yml' AND echo_of_file IS NULL").fetchall())
    bct = "BCT__task_status__2025-12-15.csv"
    assert found == {
        ("TS-OVERDUE-BEFORE-DEADLINE", "BCT", "NQ71:NQ71-902", bct, "row 3"),
        ("TS-DONE-WITHOUT-DATE", "BCT", "NQ71:NQ71-903", bct, "row 4, column Ngày hoàn thành"),
        ("TS-IN-PROGRESS-WITH-COMPLETION", "BCT", "NQ71:NQ71-904", bct, "row 5, column Ngày hoàn thành"),
        ("TS-DONE-ON-TIME-AFTER-DEADLINE", "BCT", "NQ71:NQ71-905", bct, "row 6"),
        ("TS-DONE-LATE-BEFORE-DEADLINE", "BCT", "NQ71:NQ71-906", bct, "row 7"),
        ("TS-DEADLINE-BEFORE-ASSIGNED", "BCT", "NQ71:NQ71-907", bct, "row 8"),
        ("TS-RECURRING-WITH-DEADLINE", "BCT", "NQ71:NQ71-908", bct, "row 9"),
        ("TS-CO-AGENCY-UNKNOWN", "BCT", "NQ71:NQ71-909 / XYZ", bct, "row 10, column Cơ quan phối hợp"),
        ("TS-CO-AGENCY-UNKNOWN", "BCT", "NQ71:NQ71-909 / BCT", bct, "row 10, column Cơ quan phối hợp"),
        ("TS-TASK-CONFLICT", "BCA", "NQ71:NQ71-900", "BCA__task_status__2025-12-15.csv",
         "row 2; kept: BCT__task_status__2025-12-15.csv row 2"),
        # BCA's copy of BCT's task both names another lead and conflicts with the lead's own row
        ("TS-NOT-LEAD-AGENCY", "BCA", "NQ71:NQ71-900", "BCA__task_status__2025-12-15.csv", "row 2, column Cơ quan chủ trì"),
        ("TS-NOT-LEAD-AGENCY", "BKHCN", "NQ71:NQ71-930", "BKHCN__task_status__2025-12-15.csv", "row 2, column Cơ quan chủ trì"),
        ("TS-STATUS-REGRESSION", "BCA", "NQ71:NQ71-921", "BCA__task_status__2025-12-15.csv",
         "row 4; previous: BCA__task_status__2025-11-14.csv row 3"),
        ("TS-RESTATED-DATES", "BCA", "NQ71:NQ71-920", "BCA__task_status__2025-12-15.csv",
         "row 3; previous: BCA__task_status__2025-11-14.csv row 2"),
    }


def test_values_in_the_findings_are_those_of_the_rows_they_cite(run):
    _, con, _ = run
    rows = dict((r[0], r[1:]) for r in con.execute(
        "SELECT rule_id, actual_value, expected_value, difference FROM audit.dq_findings WHERE rule_id IN "
        "('TS-DONE-ON-TIME-AFTER-DEADLINE', 'TS-TASK-CONFLICT', 'TS-STATUS-REGRESSION', 'TS-DEADLINE-BEFORE-ASSIGNED')").fetchall())
    assert rows["TS-DONE-ON-TIME-AFTER-DEADLINE"] == ("completed 20/10/2025", "completed on or before 01/10/2025", "19")
    assert rows["TS-DEADLINE-BEFORE-ASSIGNED"] == ("deadline 01/03/2025", "deadline on or after 01/04/2025", "-31")
    assert rows["TS-TASK-CONFLICT"][:2] == (
        "also listed by BCA (lead BCT, IN_PROGRESS_OVERDUE)",
        "listed once, by its lead agency (kept: BCT__task_status__2025-12-15.csv row 2, lead BCT, IN_PROGRESS_ON_TIME)")
    assert rows["TS-STATUS-REGRESSION"][:2] == (
        "IN_PROGRESS_ON_TIME at 15/12/2025",
        "completed (DONE_ON_TIME at 14/11/2025, BCA__task_status__2025-11-14.csv row 3)")


def test_summaries_count_the_rows_of_their_own_file_even_a_row_that_lost_a_conflict(run):
    _, con, _ = run
    # BCA declared 3 tasks, its file lists 3 (one of them kept from BCT's file in the marts): no finding
    assert con.execute("SELECT count(*) FROM audit.dq_findings WHERE rule_id = 'TS-DECLARED-VS-ROWS' "
                       "AND agency_code IN ('BCA', 'BCT', 'BKHCN')").fetchall() == [(0,)]


def test_a_rejected_task_file_turns_its_summarys_mismatches_into_echoes_of_it(run):
    _, con, warehouse = run
    echoes = con.execute(
        "SELECT metric, actual_value, expected_value, echo_of_file, message FROM audit.dq_findings "
        "WHERE agency_code = 'HUE' ORDER BY metric").fetchall()
    assert [e[:4] for e in echoes] == [
        ("declared_in_progress_on_time", "2", "0", "HUE__task_status__2025-12-15.csv"),
        ("declared_total", "2", "0", "HUE__task_status__2025-12-15.csv")]
    assert all("HUE__task_status__2025-12-15.csv was not loaded" in e[4] and "31/02/2026" not in e[4]
               and "not a valid date" in e[4] for e in echoes)
    # the rule's check is not red because of them, and the summary file is not marked as wrong
    assert con.execute("SELECT lifecycle_status FROM audit.submission_lifecycle "
                       "WHERE file_name = 'HUE__task_summary__2025-12-15.csv'").fetchall() == [("accepted",)]
    html = (warehouse / "reports" / "dq_report.html").read_text(encoding="utf-8")
    assert "Hệ quả của tệp bị từ chối HUE__task_status__2025-12-15.csv (2)" in html
    html_en = (warehouse / "reports" / "dq_report.en.html").read_text(encoding="utf-8")
    assert "Echoes of the rejected file HUE__task_status__2025-12-15.csv (2)" in html_en
