"""Findings from run to run (pipelines/quality/history.py): stable ids, new/persisting/resolved, the reviewed-findings register.

Built on the hand-made warehouse of test_incremental_rules (two agencies, days 1 and 2; faults: A's day-2
summary declares 3 tasks for 2 rows, B's task B-T2 in status BAD at day 1, budget line L2 4 + 5 ≠ 10).
"""

from __future__ import annotations

import hashlib
import duckdb
import pytest

from pipelines.build_state import file_digests
from pipelines.quality.engine import evaluate
from pipelines.quality.history import (
    read_register, register_path, register_problems, resolved_findings, ruleset_hash, run_stamp,
)
from pipelines.quality.rules import load_catalogue
from pipelines.settings import PROJECT_ROOT, Settings
from test_incremental_rules import SCHEMA, add_file, catalogue, history, tasks


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


# the ids, written out: rule|group[#pair] (relations; `equal` numbers its pairs from 1), rule|agency|date|subject (row checks)
A_DAY2 = md5("DECLARED-VS-ROWS|A@2025-10-02#1")
B_BAD = md5("TASK-BAD|B|2025-10-01|B-T2")
L2 = md5("BUDGET-SUM|L2")


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute(SCHEMA)
    history(con)
    yield con
    con.close()


def ids(con) -> dict[str, tuple]:
    return {i: tuple(rest) for i, *rest in con.execute(
        "SELECT finding_id, rule_id, agency_code, subject, actual_value, document, location FROM audit.dq_findings").fetchall()}


def test_a_resend_under_another_name_that_still_shows_the_fault_keeps_its_id(con, tmp_path):
    cat = catalogue(tmp_path)
    evaluate(con, cat, run_id="run-1")
    before = ids(con)
    assert before[A_DAY2][:4] == ("DECLARED-VS-ROWS", "A", "A@2025-10-02", "3")
    assert before[B_BAD][:5] == ("TASK-BAD", "B", "B-T2", "BAD", "B1t.csv")
    # A resends its day-2 summary, still wrong but with another value; B resends day 1 under another name,
    # task B-T2 still BAD but now on row 1 (the rows swapped)
    add_file(con, "A2s-fix", "A", "task_summary", 2, received=5)
    con.execute("INSERT INTO declared VALUES ('A2s-fix', 5)")
    add_file(con, "B1t-resent", "B", "task_status", 1, received=5)
    tasks(con, "B1t-resent", {"B-T2": "BAD", "B-T1": "DONE"})
    evaluate(con, cat, incremental=True, run_id="run-2")
    after = ids(con)
    assert after.keys() == before.keys()
    assert after[A_DAY2][:4] == ("DECLARED-VS-ROWS", "A", "A@2025-10-02", "5")
    assert after[B_BAD][4:] == ("B1t-resent.csv", "row 1")
    assert con.execute("SELECT finding_id, lifecycle, first_seen_run_id FROM audit.dq_findings ORDER BY 1").fetchall() == \
        sorted((i, "persisting", "run-1") for i in before)


def test_a_too_coarse_key_falls_back_to_document_and_location_instead_of_failing(con, tmp_path):
    # subject = agency: B's day-1 file has no second BAD row, so give it one: two rows, one key
    tasks(con, "B1t", {"B-T3": "BAD"})
    catalogue(tmp_path)
    rules = (tmp_path / "rules.yml").read_text(encoding="utf-8")
    coarse = rules.replace("    subject: task_id\n    expected: \"'not BAD'\"", "    subject: agency_code\n    expected: \"'not BAD'\"")
    assert coarse != rules
    (tmp_path / "rules.yml").write_text(coarse, encoding="utf-8")
    evaluate(con, load_catalogue(tmp_path))
    base = "TASK-BAD|B|2025-10-01|B"  # B-T3 went in as row 1 of B1t (tasks() numbers from 1)
    assert sorted(con.execute("SELECT finding_id FROM audit.dq_findings WHERE rule_id = 'TASK-BAD'").fetchall()) == sorted(
        [(md5(f"{base}|B1t.csv|row 1"),), (md5(f"{base}|B1t.csv|row 2"),)])


def states(con, run_id: str) -> list[tuple]:
    return con.execute("SELECT rule_id, agency_code, subject, severity, state FROM audit.dq_finding_history "
                       "WHERE run_id = ? ORDER BY ALL", [run_id]).fetchall()


def test_new_then_persisting_then_resolved_over_three_evaluations(con, tmp_path):
    cat = catalogue(tmp_path)
    evaluate(con, cat, incremental=True, run_id="run-1")  # no state yet: full
    assert states(con, "run-1") == [
        ("BUDGET-SUM", None, None, "error", "new"),
        ("DECLARED-VS-ROWS", "A", "A@2025-10-02", "error", "new"),
        ("TASK-BAD", "B", "B-T2", "warning", "new"),
    ]
    # run 2: A sends day 3 listing B's task (a new fault); nothing else changes
    add_file(con, "A3t", "A", "task_status", 3)
    tasks(con, "A3t", {"A-T1": "DONE", "B-T9": "DONE"})
    assert evaluate(con, cat, incremental=True, run_id="run-2").incremental
    assert states(con, "run-2") == [
        ("BUDGET-SUM", None, None, "error", "persisting"),
        ("DECLARED-VS-ROWS", "A", "A@2025-10-02", "error", "persisting"),
        ("DECLARED-VS-ROWS", "A", "A@2025-10-03", "error", "new"),  # day 3's rows, no summary
        ("TASK-BAD", "B", "B-T2", "warning", "persisting"),
        ("TASK-NOT-OWN", "A", "B-T9", "error", "new"),
    ]
    # run 3: A corrects its day-2 summary and drops B's task from day 3
    add_file(con, "A2s-v2", "A", "task_summary", 2, received=5)
    con.execute("INSERT INTO declared VALUES ('A2s-v2', 2)")
    add_file(con, "A3t-v2", "A", "task_status", 3, received=5)
    tasks(con, "A3t-v2", {"A-T1": "DONE"})
    assert evaluate(con, cat, incremental=True, run_id="run-3").incremental
    assert states(con, "run-3") == [
        ("BUDGET-SUM", None, None, "error", "persisting"),
        ("DECLARED-VS-ROWS", "A", "A@2025-10-02", "error", "resolved"),
        ("DECLARED-VS-ROWS", "A", "A@2025-10-03", "error", "persisting"),
        ("TASK-BAD", "B", "B-T2", "warning", "persisting"),
        ("TASK-NOT-OWN", "A", "B-T9", "error", "resolved"),
    ]
    assert con.execute("SELECT run_id, run_seq, evaluation, findings, errors, warnings, new_findings, "
                       "persisting_findings, resolved_findings FROM audit.dq_runs ORDER BY run_seq").fetchall() == [
        ("run-1", 1, "full", 3, 2, 1, 3, 0, 0),
        ("run-2", 2, "incremental", 5, 4, 1, 2, 3, 0),
        ("run-3", 3, "incremental", 3, 2, 1, 0, 3, 2),
    ]
    assert con.execute("SELECT rule_id, subject, lifecycle, first_seen_run_id FROM audit.dq_findings ORDER BY ALL").fetchall() == [
        ("BUDGET-SUM", None, "persisting", "run-1"),
        ("DECLARED-VS-ROWS", "A@2025-10-03", "persisting", "run-2"),
        ("TASK-BAD", "B-T2", "persisting", "run-1"),
    ]
    assert resolved_findings(con).select("finding_id", "rule_id", "subject", "first_seen_run_id").rows() == [
        (A_DAY2, "DECLARED-VS-ROWS", "A@2025-10-02", "run-1"),
        (md5("TASK-NOT-OWN|A|2025-10-03|B-T9"), "TASK-NOT-OWN", "B-T9", "run-2"),
    ]
    stamp = run_stamp(con)
    assert (stamp["run_id"], stamp["ruleset_hash"]) == ("run-3", ruleset_hash(cat))
    # a full evaluation (as after a full refresh) keeps the history and goes on from it
    evaluate(con, cat, run_id="run-4")
    assert [r for (r,) in con.execute("SELECT DISTINCT run_id FROM audit.dq_finding_history ORDER BY 1").fetchall()] == [
        "run-1", "run-2", "run-3", "run-4"]
    assert {s for *_, s in states(con, "run-4")} == {"persisting"}
    assert resolved_findings(con).height == 0


REGISTER = f"""finding_id,status,reason,reviewer,reviewed_on
{B_BAD},waived,"BAD is the agency's own code for a paused task, agreed with it",N. Auditor,2025-11-03
{L2.upper()},explained,Line L2 is a provisional estimate,N. Auditor,2025-11-03
{A_DAY2},forgiven,-,N. Auditor,2025-11-03
not-an-id,accepted,typo,N. Auditor,2025-11-03
{md5("nothing")},accepted,no such finding,N. Auditor,2025-11-03
{A_DAY2},accepted,,N. Auditor,2025-11-03
{A_DAY2},accepted,late file,N. Auditor,03/11/2025
{A_DAY2},accepted,only four fields,N. Auditor

"""


def test_the_register_is_applied_and_its_bad_rows_are_listed_not_fatal(con, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    cat = catalogue(rules)
    register = register_path(rules)
    assert register == tmp_path / "reviewed_findings.csv"
    register.write_text(REGISTER, encoding="utf-8")
    evaluate(con, cat, register=register)
    # the waived finding is kept, shown by its status; ids are matched whatever their case
    assert con.execute("SELECT rule_id, review_status, review_reason, reviewer, CAST(reviewed_on AS VARCHAR) "
                       "FROM audit.dq_findings ORDER BY rule_id").fetchall() == [
        ("BUDGET-SUM", "explained", "Line L2 is a provisional estimate", "N. Auditor", "2025-11-03"),
        ("DECLARED-VS-ROWS", None, None, None, None),
        ("TASK-BAD", "waived", "BAD is the agency's own code for a paused task, agreed with it", "N. Auditor", "2025-11-03"),
    ]
    assert register_problems(con) == [
        "line 4: status 'forgiven' is not one of explained, accepted, waived: not applied",
        "line 5: finding_id 'not-an-id' is not a finding id (32 hexadecimal characters): not applied",
        f"line 6: finding {md5('nothing')} was never found in this warehouse: not applied",
        "line 7: no reason given: not applied",
        "line 8: reviewed_on '03/11/2025' is not a date (YYYY-MM-DD): not applied",
        "line 9: 4 fields, expected 5 (finding_id,status,reason,reviewer,reviewed_on): not applied",
    ]
    assert con.execute("SELECT reviewed_findings, register_problems FROM audit.dq_runs").fetchall() == [(2, 6)]


def test_a_finding_reviewed_twice_is_not_guessed_and_a_bad_header_applies_nothing(con, tmp_path):
    cat = catalogue(tmp_path)
    register = register_path(tmp_path)
    register.write_text(f"finding_id,status,reason,reviewer,reviewed_on\n{B_BAD},waived,a,N,2025-11-03\n"
                        f"{B_BAD},accepted,b,N,2025-11-04\n", encoding="utf-8")
    evaluate(con, cat, register=register)
    assert register_problems(con) == [
        f"line 2: finding {B_BAD} is reviewed on more than one line (2, 3): none of them applied",
        f"line 3: finding {B_BAD} is reviewed on more than one line (2, 3): none of them applied",
    ]
    register.write_text(f"id,status,reason\n{B_BAD},waived,a\n", encoding="utf-8")
    evaluate(con, cat, register=register)
    assert register_problems(con) == [
        "line 1: the header is not finding_id,status,reason,reviewer,reviewed_on: no review applied"]
    assert con.execute("SELECT count(*) FROM audit.dq_findings WHERE review_status IS NOT NULL").fetchone() == (0,)
    register.write_bytes(f"finding_id,status,reason,reviewer,reviewed_on\n{B_BAD},waived,\xe9t\xe9,N,2025-11-03\n".encode("latin-1"))
    evaluate(con, cat, register=register)
    assert register_problems(con) == [
        "the file cannot be read as UTF-8 CSV ('utf-8' codec can't decode byte 0xe9 in position 86: "
        "invalid continuation byte): no review applied"]


def test_a_register_change_reaches_an_incremental_evaluation_with_no_new_file(con, tmp_path):
    cat = catalogue(tmp_path)
    register = register_path(tmp_path)
    evaluate(con, cat, register=register)  # no register file yet: nothing reviewed
    register.write_text(f"finding_id,status,reason,reviewer,reviewed_on\n{L2},accepted,known,N,2025-11-03\n", encoding="utf-8")
    assert evaluate(con, cat, incremental=True, register=register).incremental
    assert con.execute("SELECT finding_id FROM audit.dq_findings WHERE review_status = 'accepted'").fetchall() == [(L2,)]
    register.unlink()  # a review withdrawn is withdrawn from the kept rows too
    assert evaluate(con, cat, incremental=True, register=register).incremental
    assert con.execute("SELECT count(*) FROM audit.dq_findings WHERE review_status IS NOT NULL").fetchone() == (0,)


def test_the_register_is_a_build_input_so_a_run_with_no_new_file_still_applies_it():
    digests = file_digests(Settings.explicit(home=PROJECT_ROOT))
    shipped = PROJECT_ROOT / "expectations" / "reviewed_findings.csv"
    assert digests["register/reviewed_findings.csv"] == hashlib.sha256(shipped.read_bytes()).hexdigest()


def test_the_ruleset_hash_changes_with_a_rule_and_not_with_the_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "c").mkdir()
    same = ruleset_hash(catalogue(tmp_path / "a"))
    assert ruleset_hash(catalogue(tmp_path / "b")) == same
    assert ruleset_hash(catalogue(tmp_path / "c", mark="Round 2: ")) != same
    assert len(same) == 64


def test_the_shipped_register_reads_without_a_problem():
    shipped = read_register(register_path(PROJECT_ROOT / "expectations" / "rules"))
    assert shipped.filter(shipped["problem"].is_not_null()).rows() == []


def test_the_shipped_register_applies_to_the_sample_round(warehouse):
    # its one row names a planted 6 rõ gap by its id (rule|agency|date|task / field), written out here
    planted = md5("TS-SIX-CLEAR|LAO_CAI|2025-12-15|NQ71:NQ71-239 / product")
    assert warehouse.execute("SELECT line, finding_id, status, problem FROM audit.dq_review_register").fetchall() == [
        (2, planted, "explained", None)]
    assert warehouse.execute("SELECT rule_id, agency_code, subject, review_status, reviewer, lifecycle FROM audit.dq_findings "
                             "WHERE review_status IS NOT NULL").fetchall() == [
        ("TS-SIX-CLEAR", "LAO_CAI", "NQ71:NQ71-239 / product", "explained", "Sample auditor", "new")]
    (run_id, evaluation), = warehouse.execute("SELECT run_id, evaluation FROM audit.dq_runs").fetchall()
    assert evaluation == "full" and run_stamp(warehouse)["run_id"] == run_id
