"""An incremental rule evaluation (only what new files touched) gives exactly the rows of a full one.

A small hand-made warehouse: audit.submissions, task rows per file, declared totals per file and a
budget table without dates. The catalogue has a dated figure source and relation (declared total =
rows, an echo of a rejected task file), a dated row check, a series row check reaching later dates
(a task done at its previous report, open now), a second row check over the same table (read once
for both in an incremental run) and an undated source and relation (redone whole).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines.quality.engine import evaluate
from pipelines.quality.history import RUN_COLUMNS
from pipelines.quality.rules import load_catalogue

SCHEMA = """
CREATE SCHEMA audit;
CREATE TABLE audit.submissions (submission_id VARCHAR, file_name VARCHAR, agency_code VARCHAR, domain VARCHAR,
    reporting_date DATE, status VARCHAR, received_at TIMESTAMP, message VARCHAR);
CREATE TABLE task_rows (submission_id VARCHAR, source_row INTEGER, task_id VARCHAR, status VARCHAR);
CREATE TABLE declared (submission_id VARCHAR, total INTEGER);
CREATE TABLE budget (line VARCHAR, total DECIMAL(38,9), part_a DECIMAL(38,9), part_b DECIMAL(38,9));
-- the file in force per agency, domain and date: the latest accepted one
CREATE VIEW in_force AS SELECT * FROM audit.submissions WHERE status = 'accepted'
    QUALIFY row_number() OVER (PARTITION BY agency_code, domain, reporting_date ORDER BY received_at DESC) = 1;
CREATE VIEW tasks AS SELECT s.agency_code, s.reporting_date, s.file_name, r.*
    FROM task_rows r JOIN in_force s ON s.submission_id = r.submission_id AND s.domain = 'task_status';
CREATE VIEW summaries AS SELECT s.agency_code, s.reporting_date, s.file_name, d.*
    FROM declared d JOIN in_force s ON s.submission_id = d.submission_id AND s.domain = 'task_summary';
CREATE VIEW task_history AS SELECT *, lag(status) OVER w AS previous_status, lag(submission_id) OVER w AS previous_submission_id,
    lag(reporting_date) OVER w AS previous_date
    FROM tasks WINDOW w AS (PARTITION BY task_id ORDER BY reporting_date);
"""

RULES = """
figure_sources:
  - id: declared
    from: summaries
    group_key: "agency_code || '@' || reporting_date"
    subject: "agency_code || '@' || reporting_date"
    agency: agency_code
    as_of: reporting_date
    incremental: same_date
    document: file_name
    location: "'row 1'"
    cites: [{submission: submission_id, row: 1}]
    metrics: {declared_total: total}
  - id: counted
    from: tasks
    group_by: [agency_code, reporting_date, submission_id, file_name]
    group_key: "agency_code || '@' || reporting_date"
    subject: "agency_code || '@' || reporting_date"
    agency: agency_code
    as_of: reporting_date
    incremental: same_date
    document: file_name
    location: "'rows'"
    cites: [{submission: submission_id, rows: "list(source_row ORDER BY source_row)"}]
    metrics: {rows_total: "count(*)"}
  - id: budget
    from: budget
    group_key: line
    document: "'budget.csv'"
    location: line
    metrics: {total: total, part_a: part_a, part_b: part_b}
rules:
  - {id: DECLARED-VS-ROWS, label: declared equals rows, label_vi: "nhãn", severity: error, kind: equal, missing: zero,
     echo_of: [task_status], actual: declared_total, expected: rows_total, message: "{MARK}{subject} declared {actual}, rows {expected}",
     message_vi: "{subject} khai {actual}, dòng {expected}"}
  - {id: BUDGET-SUM, label: total = a + b, label_vi: "nhãn", severity: error, kind: sum, total: total, parts: [part_a, part_b]}
  - id: TASK-BAD
    label: a task in status BAD
    label_vi: "nhãn"
    severity: warning
    why_warning: test
    why_warning_vi: thử
    kind: row_check
    from: tasks
    where: "status = 'BAD'"
    agency: agency_code
    as_of: reporting_date
    incremental: same_date
    subject: task_id
    expected: "'not BAD'"
    actual: status
    document: file_name
    location: "'row ' || source_row"
    cites: [{submission: submission_id, row: source_row}]
  - id: TASK-NOT-OWN
    label: a task of another agency
    label_vi: "nhãn"
    severity: error
    kind: row_check
    from: tasks
    where: "not starts_with(task_id, agency_code || '-')"
    agency: agency_code
    as_of: reporting_date
    incremental: same_date
    subject: task_id
    expected: agency_code
    actual: "split_part(task_id, '-', 1)"
    document: file_name
    location: "'row ' || source_row"
    cites: [{submission: submission_id, row: source_row}]
  - id: TASK-REOPENED
    label: a task done before is open now
    label_vi: "nhãn"
    severity: error
    kind: row_check
    from: task_history
    where: "previous_status = 'DONE' and status = 'OPEN'"
    agency: agency_code
    as_of: reporting_date
    incremental: later_dates
    subject: task_id
    expected: "'DONE (at ' || previous_date || ')'"
    actual: status
    document: file_name
    location: "'row ' || source_row"
    cites: [{submission: submission_id, row: source_row}, {submission: previous_submission_id, role: previous, context: true}]
"""

TABLES = ("audit.dq_findings", "audit.dq_finding_sources", "audit.dq_figures")


def catalogue(folder: Path, mark: str = ""):
    (folder / "rules.yml").write_text(textwrap.dedent(RULES).replace("{MARK}", mark), encoding="utf-8")
    return load_catalogue(folder)


def add_file(con, sid: str, agency: str, domain: str, day: int, status: str = "accepted", received: int = 0) -> None:
    con.execute("INSERT INTO audit.submissions VALUES (?, ?, ?, ?, make_date(2025, 10, ?), ?, "
                "TIMESTAMP '2025-11-01' + to_minutes(?), ?)",
                [sid, f"{sid}.csv", agency, domain, day, status, received, f"{sid}.csv: bad header"])


def tasks(con, sid: str, statuses: dict[str, str]) -> None:
    con.executemany("INSERT INTO task_rows VALUES (?, ?, ?, ?)",
                    [(sid, n, task, status) for n, (task, status) in enumerate(statuses.items(), start=1)])


def history(con) -> None:
    """Two agencies, days 1 and 2 (three faults: A's day-2 summary, B's BAD task, a budget line)."""
    for agency in ("A", "B"):
        for day in (1, 2):
            sid = f"{agency}{day}"
            add_file(con, f"{sid}t", agency, "task_status", day)
            tasks(con, f"{sid}t", {f"{agency}-T1": "DONE", f"{agency}-T2": "BAD" if sid == "B1" else "OPEN"})
            add_file(con, f"{sid}s", agency, "task_summary", day)
            con.execute("INSERT INTO declared VALUES (?, ?)", [f"{sid}s", 3 if sid == "A2" else 2])
    con.execute("INSERT INTO budget VALUES ('L1', 10, 4, 6), ('L2', 10, 4, 5)")


def new_files(con) -> None:
    """Day 3 for A (its task T1 reopened, a task of B listed), B's day-3 task file rejected, A's day-2 summary corrected (resolved)."""
    add_file(con, "A3t", "A", "task_status", 3)
    tasks(con, "A3t", {"A-T1": "OPEN", "A-T2": "OPEN", "B-T9": "DONE"})
    add_file(con, "A3s", "A", "task_summary", 3)
    add_file(con, "B3s", "B", "task_summary", 3)
    add_file(con, "B3t", "B", "task_status", 3, status="rejected")
    con.execute("INSERT INTO declared VALUES ('A3s', 3), ('B3s', 2)")
    add_file(con, "A2s-v2", "A", "task_summary", 2, received=5)
    con.execute("INSERT INTO declared VALUES ('A2s-v2', 2)")


def snapshot(con, prefix: str) -> None:
    for table in TABLES:
        # lifecycle and first seen say where the evaluation stands among runs (history.RUN_COLUMNS), not what it found
        columns = f"* EXCLUDE ({', '.join(RUN_COLUMNS)})" if table == "audit.dq_findings" else "*"
        con.execute(f"CREATE OR REPLACE TABLE {prefix}_{table.split('.')[1]} AS SELECT {columns} FROM {table}")


def assert_equal_to_full(con, cat) -> None:
    snapshot(con, "inc")
    evaluate(con, cat)  # full
    snapshot(con, "full")
    for table in TABLES:
        name, table = f"inc_{table.split('.')[1]}", f"full_{table.split('.')[1]}"
        extra = con.execute(f"SELECT count(*) FROM (SELECT * FROM {name} EXCEPT ALL SELECT * FROM {table})").fetchone()[0]
        missing = con.execute(f"SELECT count(*) FROM (SELECT * FROM {table} EXCEPT ALL SELECT * FROM {name})").fetchone()[0]
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert (table, extra, missing) == (table, 0, 0)
        assert rows > 0


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute(SCHEMA)
    yield con
    con.close()


def findings(con) -> list[tuple]:
    return con.execute("SELECT rule_id, agency_code, as_of, subject, actual_value, expected_value, echo_of_file "
                       "FROM audit.dq_findings ORDER BY ALL").fetchall()


def test_incremental_after_new_corrected_and_rejected_files_equals_full(con, tmp_path):
    cat = catalogue(tmp_path)
    history(con)
    assert not evaluate(con, cat, incremental=True).incremental  # no state yet: full
    before = findings(con)
    kept = con.execute("SELECT rowid, finding_id FROM audit.dq_findings WHERE rule_id = 'TASK-BAD'").fetchall()
    new_files(con)
    assert evaluate(con, cat, incremental=True).incremental
    d = lambda day: __import__("datetime").date(2025, 10, day)  # noqa: E731
    # A's day-2 mismatch resolved by the correction; A's T1 reopened at day 3 (the series rule, citing day 2);
    # B's day-3 summary against no task rows is an echo of the rejected task file
    assert ("DECLARED-VS-ROWS", "A", d(2), "A@2025-10-02", "3", "2", None) in before
    assert findings(con) == [
        ("BUDGET-SUM", None, None, None, "10", "9", None),
        ("DECLARED-VS-ROWS", "B", d(3), "B@2025-10-03", "2", "0", "B3t.csv"),
        ("TASK-BAD", "B", d(1), "B-T2", "BAD", "not BAD", None),
        ("TASK-NOT-OWN", "A", d(3), "B-T9", "B", "A", None),
        ("TASK-REOPENED", "A", d(3), "A-T1", "OPEN", "DONE (at 2025-10-02)", None),
    ]
    # the untouched finding kept its row (same row id, same id)
    assert con.execute("SELECT rowid, finding_id FROM audit.dq_findings WHERE rule_id = 'TASK-BAD'").fetchall() == kept
    assert con.execute("SELECT submission_id, role, context FROM audit.dq_finding_sources s JOIN audit.dq_findings f "
                       "USING (finding_id) WHERE f.rule_id = 'TASK-REOPENED' ORDER BY ALL").fetchall() == [
        ("A2t", "previous", True), ("A3t", "row", False)]
    assert_equal_to_full(con, cat)


def test_correcting_an_earlier_date_reaches_the_series_after_it(con, tmp_path):
    """A day-1 correction (T1 no longer DONE at day 1) changes what day 2 is compared with."""
    cat = catalogue(tmp_path)
    history(con)
    add_file(con, "A3t", "A", "task_status", 3)
    tasks(con, "A3t", {"A-T1": "OPEN"})
    add_file(con, "A2t-v2", "A", "task_status", 2, received=5)
    tasks(con, "A2t-v2", {"A-T1": "OPEN", "A-T2": "OPEN"})
    evaluate(con, cat, incremental=True)
    assert con.execute("SELECT as_of FROM audit.dq_findings WHERE rule_id = 'TASK-REOPENED'").fetchall() == [
        (__import__("datetime").date(2025, 10, 2),)]
    add_file(con, "A1t-v2", "A", "task_status", 1, received=5)
    tasks(con, "A1t-v2", {"A-T1": "OPEN", "A-T2": "OPEN"})
    assert evaluate(con, cat, incremental=True).incremental
    assert con.execute("SELECT count(*) FROM audit.dq_findings WHERE rule_id = 'TASK-REOPENED'").fetchone() == (0,)
    assert_equal_to_full(con, cat)


def test_a_catalogue_change_reevaluates_everything(con, tmp_path):
    history(con)
    evaluate(con, catalogue(tmp_path), incremental=True)
    new_files(con)
    assert not evaluate(con, catalogue(tmp_path, mark="[v2] "), incremental=True).incremental
    # the untouched day-1 and day-2 findings show the new message too
    assert con.execute("SELECT as_of, message FROM audit.dq_findings WHERE rule_id = 'DECLARED-VS-ROWS'").fetchall()[0][1] \
        .startswith("[v2] B@2025-10-03 declared 2, rows 0")
    assert_equal_to_full(con, catalogue(tmp_path, mark="[v2] "))


def test_a_rejected_file_alone_turns_a_stored_finding_into_its_echo(con, tmp_path):
    """No figure changes: only the rejected task file of C's date makes C's finding its echo."""
    cat = catalogue(tmp_path)
    history(con)
    add_file(con, "C2s", "C", "task_summary", 2)
    con.execute("INSERT INTO declared VALUES ('C2s', 2)")
    evaluate(con, cat, incremental=True)
    assert con.execute("SELECT echo_of_file FROM audit.dq_findings WHERE agency_code = 'C'").fetchall() == [(None,)]
    add_file(con, "C2t", "C", "task_status", 2, status="rejected")
    assert evaluate(con, cat, incremental=True).incremental
    assert con.execute("SELECT echo_of_file FROM audit.dq_findings WHERE agency_code = 'C'").fetchall() == [("C2t.csv",)]
    assert_equal_to_full(con, cat)


@pytest.mark.parametrize(("extra", "message"), [
    ({"incremental": "weekly"}, "rules.yml: rule TASK-BAD: incremental must be one of same_date, later_dates, not 'weekly'"),
    ({"incremental": "same_date", "as_of": None}, "rules.yml: rule TASK-BAD: incremental needs as_of (the reporting date a row belongs to)"),
])
def test_a_row_check_declares_a_known_reach_with_its_date(tmp_path, extra, message):
    import yaml

    from pipelines.quality.rules import RuleCatalogueError

    raw = yaml.safe_load(textwrap.dedent(RULES).replace("{MARK}", ""))
    rule = next(r for r in raw["rules"] if r["id"] == "TASK-BAD")
    rule.update(extra)
    if rule.get("as_of", 1) is None:
        del rule["as_of"]
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(RuleCatalogueError) as raised:
        load_catalogue(tmp_path)
    assert str(raised.value) == message


def test_the_shipped_rules_on_the_sample_warehouse_redo_forgotten_dates_exactly(pipeline_runs, tmp_path):
    """The real catalogue's declarations on the real marts: the figures, findings and state of some reporting
    dates are forgotten (as if their files had just arrived); the incremental run rebuilds them as a full one."""
    import shutil

    from pipelines.assets.quality import rule_catalogue

    settings = pipeline_runs["settings"]
    path = tmp_path / settings.duckdb_path.name
    shutil.copy(settings.duckdb_path, path)
    cat = rule_catalogue(settings)
    con = duckdb.connect(str(path))
    try:
        evaluate(con, cat, incremental=True, basis="samples")  # a state made under this basis
        # every date with a finding but the last (budget 15/07/2025, tasks and databases 15/12/2025)
        dates = con.execute("SELECT list(DISTINCT as_of ORDER BY as_of) FROM audit.dq_findings").fetchone()[0]
        forgotten = [d for d in dates if d is not None][:-1]
        assert len(forgotten) >= 2
        con.execute("DELETE FROM audit.dq_finding_sources WHERE finding_id IN "
                    "(SELECT finding_id FROM audit.dq_findings WHERE as_of IN (SELECT unnest($d)))", {"d": forgotten})
        for table in ("audit.dq_findings", "audit.dq_figures"):
            con.execute(f"DELETE FROM {table} WHERE as_of IN (SELECT unnest($d))", {"d": forgotten})
        con.execute("DELETE FROM audit.dq_state_submissions WHERE reporting_date IN (SELECT unnest($d))", {"d": forgotten})
        assert evaluate(con, cat, incremental=True, basis="samples").incremental
        assert con.execute("SELECT count(*) FROM audit.dq_findings WHERE as_of IN (SELECT unnest($d))",
                           {"d": forgotten}).fetchone()[0] > 0
        assert_equal_to_full(con, cat)
    finally:
        con.close()
