"""Lineage as data: a finding's files are rows of audit.dq_finding_sources (submission id, row, field),
written by the engine from the `cites` of figure sources and row checks, and the submission lifecycle
counts findings by those ids, never by matching file names; the 6 rõ fields are the contract's
`six_clear` columns, read by the model from raw.contract_columns."""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.contracts import load_contracts, write_contract_columns
from pipelines.quality.engine import evaluate
from pipelines.quality.lifecycle import update_lifecycle
from pipelines.quality.rules import RuleCatalogueError, load_catalogue

# Names an id-free match would confuse: 'BCA' is 'BCA.csv' without its extension, 'a; b.csv' holds
# the old separator and splits into the names of two other files, 'b.csv' ends 'a; b.csv'.
SUBMISSIONS = {"S1": "BCA.csv", "S2": "BCA", "S3": "a; b.csv", "S4": "a", "S5": "b.csv"}


def _catalogue(tmp_path, text: str):
    (tmp_path / "rules.yml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_catalogue(tmp_path)


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("""
        CREATE SCHEMA audit; CREATE SCHEMA intermediate;
        CREATE TABLE audit.submissions (submission_id VARCHAR, file_name VARCHAR, agency_code VARCHAR, domain VARCHAR,
            reporting_date DATE, version INTEGER, received_at TIMESTAMP, sha256 VARCHAR, size_bytes BIGINT,
            archived_path VARCHAR, rows_loaded INTEGER, problems_count INTEGER, status VARCHAR, message VARCHAR);
        CREATE VIEW intermediate.int_submissions__current AS
            SELECT submission_id, agency_code, domain, reporting_date, file_name FROM audit.submissions;
    """)
    # one agency and domain per file, so each is in force
    con.executemany("INSERT INTO audit.submissions VALUES (?, ?, ?, 'task_status', DATE '2025-12-15', 1, now(), 'x', 1, "
                    "NULL, 1, 0, 'accepted', NULL)",
                    [(sid, name, f"AG{sid}") for sid, name in SUBMISSIONS.items()])
    return con


SUM_ACROSS_FILES = """
figure_sources:
  - id: declared
    from: declared
    group_key: agency
    agency: agency
    document: file_name
    location: "'row ' || source_row"
    cites: [{submission: submission_id, row: source_row}]
    metrics: {declared_total: total}
  - id: listed
    from: listed
    group_by: [agency, submission_id, file_name]
    group_key: agency
    agency: agency
    document: file_name
    location: "'rows ' || min(source_row) || '-' || max(source_row)"
    cites: [{submission: submission_id, rows: "list(source_row ORDER BY source_row)"}]
    metrics: {listed_total: count(*)}
rules:
  - {id: DECLARED-VS-LISTED, label: declared = rows listed, label_vi: "nhãn", severity: error, kind: equal, actual: declared_total, expected: listed_total}
"""


def test_a_finding_citing_two_files_has_a_source_row_per_file_and_row(tmp_path):
    con = _warehouse()
    con.execute("CREATE TABLE declared (agency VARCHAR, submission_id VARCHAR, file_name VARCHAR, source_row INTEGER, total INTEGER)")
    con.execute("INSERT INTO declared VALUES ('AGS1', 'S1', 'BCA.csv', 7, 3)")
    con.execute("CREATE TABLE listed (agency VARCHAR, submission_id VARCHAR, file_name VARCHAR, source_row INTEGER)")
    con.execute("INSERT INTO listed VALUES ('AGS1', 'S3', 'a; b.csv', 2), ('AGS1', 'S3', 'a; b.csv', 5)")
    evaluate(con, _catalogue(tmp_path, SUM_ACROSS_FILES))
    (finding_id, document), = con.execute("SELECT finding_id, document FROM audit.dq_findings").fetchall()
    assert document == "BCA.csv; a; b.csv"  # the display text, which nothing reads back
    assert con.execute(
        'SELECT finding_id, submission_id, file_name, "row", field, role, figure_id, context '
        "FROM audit.dq_finding_sources ORDER BY submission_id, \"row\"").fetchall() == [
        (finding_id, "S1", "BCA.csv", 7, "declared_total", "actual", "declared:AGS1:declared_total", False),
        (finding_id, "S3", "a; b.csv", 2, "listed_total", "expected", "listed:AGS1:listed_total", False),
        (finding_id, "S3", "a; b.csv", 5, "listed_total", "expected", "listed:AGS1:listed_total", False),
    ]
    update_lifecycle(con)
    assert con.execute("SELECT file_name, lifecycle_status, error_findings FROM audit.submission_lifecycle "
                       "ORDER BY file_name").fetchall() == [
        ("BCA", "accepted", 0), ("BCA.csv", "validated_with_errors", 1), ("a", "accepted", 0),
        ("a; b.csv", "validated_with_errors", 1), ("b.csv", "accepted", 0)]


ROW_CHECKS = """
rules:
  - id: ROW-ERROR
    label: a bad row
    label_vi: "nhãn"
    severity: error
    kind: row_check
    from: checked
    where: checked.kind = 'error'
    agency: "'AG'"
    subject: "'row ' || source_row"
    expected: "'good'"
    actual: "'bad'"
    document: file_name
    location: "'row ' || source_row || coalesce('; kept: ' || kept_file_name, '')"
    cites:
      - {submission: submission_id, row: source_row, field: "'Cột A'"}
      - {submission: kept_submission_id, row: kept_source_row, role: kept, context: true}
  - id: ROW-WARNING
    label: a doubtful row
    label_vi: "nhãn"
    severity: warning
    kind: row_check
    from: checked
    where: checked.kind = 'warning'
    agency: "'AG'"
    subject: "'row ' || source_row"
    expected: "'good'"
    actual: "'doubtful'"
    document: file_name
    location: "'row ' || source_row"
    cites: [{submission: submission_id, row: source_row}]
"""


def test_the_lifecycle_counts_findings_by_submission_id_whatever_the_file_names(tmp_path):
    con = _warehouse()
    con.execute("""CREATE TABLE checked (kind VARCHAR, submission_id VARCHAR, file_name VARCHAR, source_row INTEGER,
                   kept_submission_id VARCHAR, kept_file_name VARCHAR, kept_source_row INTEGER)""")
    con.executemany("INSERT INTO checked VALUES (?, ?, ?, ?, ?, ?, ?)", [
        ("error", "S2", "BCA", 3, "S1", "BCA.csv", 9),      # S1 is cited only as the row kept: context
        ("warning", "S3", "a; b.csv", 4, None, None, None),
        ("error", "S5", "b.csv", 6, None, None, None),      # made an echo below
    ])
    evaluate(con, _catalogue(tmp_path, ROW_CHECKS))
    con.execute("UPDATE audit.dq_findings SET echo_of_file = 'elsewhere.csv' WHERE subject = 'row 6'")
    assert con.execute('SELECT f.subject, s.submission_id, s."row", s.field, s.role, s.context '
                       "FROM audit.dq_finding_sources s JOIN audit.dq_findings f USING (finding_id) ORDER BY ALL").fetchall() == [
        ("row 3", "S1", 9, None, "kept", True), ("row 3", "S2", 3, "Cột A", "row", False),
        ("row 4", "S3", 4, None, "row", False), ("row 6", "S5", 6, "Cột A", "row", False)]
    update_lifecycle(con)
    assert con.execute("SELECT file_name, lifecycle_status, error_findings, warning_findings "
                       "FROM audit.submission_lifecycle ORDER BY file_name").fetchall() == [
        ("BCA", "validated_with_errors", 1, 0),
        ("BCA.csv", "accepted", 0, 0),          # cited for comparison only
        ("a", "accepted", 0, 0),                # a part of 'a; b.csv' is not that file
        ("a; b.csv", "validated_with_warnings", 0, 1),
        ("b.csv", "accepted", 0, 0),            # its only finding is an echo of a rejected file
    ]


@pytest.mark.parametrize(("cite", "message"), [
    ("{submission: submission_id, line: source_row}", "cite 1: unknown keys line"),
    ("{row: source_row}", "cite 1 needs submission or file"),
    ("{submission: submission_id, role: kept}", "cite 1: unknown keys role"),  # a figure's role is its binding's
])
def test_a_figure_source_cite_is_checked_when_the_catalogue_loads(tmp_path, cite, message):
    text = SUM_ACROSS_FILES.replace("cites: [{submission: submission_id, row: source_row}]", f"cites: [{cite}]")
    with pytest.raises(RuleCatalogueError, match=rf"rules.yml: figure source declared: {message}"):
        _catalogue(tmp_path, text)


# ---- the contract's six_clear markers drive the 6 rõ model -------------------------------------------

PROJECT = Path(__file__).resolve().parents[1]
MODELS = PROJECT / "dbt_project" / "models"
TASK_COLUMNS = ("reporting_agency_code VARCHAR, reporting_date DATE, file_name VARCHAR, submission_id VARCHAR, "
                "source_row BIGINT, task_id VARCHAR, programme_code VARCHAR, lead_agency_code VARCHAR, "
                "co_agency_codes VARCHAR, content VARCHAR, expected_product VARCHAR, responsible_person VARCHAR, "
                "responsible_unit VARCHAR, authority VARCHAR, assigned_date DATE, deadline DATE, status_code VARCHAR, "
                "completion_date DATE, note VARCHAR")
TASKS = [
    # no content, no authority, no note; everything else filled
    ("BYT", "2025-12-15", "BYT__task_status__2025-12-15.csv", "S1", 2, "T1", "NQ71", "BYT", None, None, "product",
     "person", "unit", None, "2025-01-01", "2026-01-01", "IN_PROGRESS_ON_TIME", None, None),
    # recurring: no deadline by nature; a note
    ("BYT", "2025-12-15", "BYT__task_status__2025-12-15.csv", "S1", 3, "T2", "NQ71", "BYT", None, "content", "product",
     "person", "unit", "authority", "2025-01-01", None, "RECURRING", None, "a note"),
]


def _six_clear_gaps(contracts_dir: Path) -> list[tuple]:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA staging; CREATE SCHEMA intermediate")
    write_contract_columns(con, load_contracts(contracts_dir))
    con.execute(f"CREATE TABLE intermediate.int_task_status__current ({TASK_COLUMNS})")
    con.executemany(f"INSERT INTO intermediate.int_task_status__current VALUES ({', '.join('?' * 19)})", TASKS)
    for name in ("stg_contract__six_clear", "int_task_six_clear_gaps"):
        sql = next(MODELS.rglob(f"{name}.sql")).read_text(encoding="utf-8")
        sql = re.sub(r"\{\{\s*ref\('(\w+)'\)\s*\}\}",
                     lambda m: ("staging." if m.group(1).startswith("stg_") else "intermediate.") + m.group(1), sql)
        con.execute(f"CREATE VIEW {'staging' if name.startswith('stg_') else 'intermediate'}.{name} AS {sql}")
    return con.execute("SELECT task_key, six_clear_field, header_vi, submission_id, source_row "
                       "FROM intermediate.int_task_six_clear_gaps ORDER BY ALL").fetchall()


def test_the_six_clear_gaps_follow_the_contracts_markers(tmp_path):
    assert _six_clear_gaps(PROJECT / "sources" / "contracts") == [
        ("NQ71:T1", "authority", "Thẩm quyền", "S1", 2),
        ("NQ71:T1", "what", "Nội dung nhiệm vụ", "S1", 2),
    ]
    # a contract that no longer counts the authority among the 6 rõ and marks the note instead
    changed = tmp_path / "contracts"
    shutil.copytree(PROJECT / "sources" / "contracts", changed)
    contract = changed / "task_status.yml"
    text = contract.read_text(encoding="utf-8")
    text = text.replace(" six_clear: authority,", "").replace(
        'header: "Ghi chú",                  type: text, required: false,',
        'header: "Ghi chú",                  type: text, required: false, six_clear: remark,')
    contract.write_text(text, encoding="utf-8")
    assert _six_clear_gaps(changed) == [
        ("NQ71:T1", "remark", "Ghi chú", "S1", 2),
        ("NQ71:T1", "what", "Nội dung nhiệm vụ", "S1", 2),
    ]
