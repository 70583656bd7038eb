"""Kind `row_check`: a SQL predicate over a table; each matching row is one finding (no tolerance: rows are not rounded)."""

import hashlib

import pytest

from kind_case import Finding, findings, judge, rule
from pipelines.quality.rules import RuleCatalogueError

_KIND = "row_check"
TASKS = """CREATE TABLE tasks AS SELECT * FROM (VALUES
    ('T-1', DATE '2025-03-01', DATE '2025-06-30'),
    ('T-2', DATE '2025-03-01', DATE '2025-02-01')) AS t(task_id, assigned, deadline)"""


def _deadline_check(**keys) -> dict:
    return rule("TS-DEADLINE-BEFORE-ASSIGNED", _KIND, **{
        "from": "tasks", "where": "deadline < assigned", "agency": "'BCA'", "subject": "task_id",
        "expected": "'on or after ' || assigned", "actual": "CAST(deadline AS VARCHAR)",
        "difference": "deadline - assigned", "document": "'BCA.csv'", "location": "'row ' || task_id",
        "message": "{subject}: it's due {actual}", "message_vi": "{subject}: hạn {actual}", **keys})


def test_success(tmp_path):
    assert judge(tmp_path, [_deadline_check(where="deadline < assigned AND task_id = 'T-1'")], setup=TASKS) == []


def test_failure(tmp_path):
    assert judge(tmp_path, [_deadline_check()], setup=TASKS) == [
        Finding("TS-DEADLINE-BEFORE-ASSIGNED", "T-2", "2025-02-01", "on or after 2025-03-01", "-28", None)]


def test_the_finding_id_and_message_are_built_from_the_rule(tmp_path):
    # the id is bound as a parameter and the message read from audit.dq_rules: a quote in it stays a quote;
    # the finding id is rule|agency|date|subject: no file name, row or value (no as_of here: an empty date)
    assert findings(tmp_path, [_deadline_check()], setup=TASKS, query="SELECT finding_id, message FROM audit.dq_findings") == [
        (hashlib.md5(b"TS-DEADLINE-BEFORE-ASSIGNED|BCA||T-2").hexdigest(), "T-2: it's due 2025-02-01")]


def test_a_missing_or_unknown_key_is_refused(tmp_path):
    keys = _deadline_check()
    del keys["location"]
    with pytest.raises(RuleCatalogueError, match="rule TS-DEADLINE-BEFORE-ASSIGNED: kind row_check needs location"):
        judge(tmp_path, [keys], setup=TASKS)
    with pytest.raises(RuleCatalogueError, match="rule TS-DEADLINE-BEFORE-ASSIGNED: unknown keys wher"):
        judge(tmp_path, [_deadline_check(wher="true")], setup=TASKS)
