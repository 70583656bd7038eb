"""The whole pipeline on the shipped samples: every asset, the exact findings, the report, idempotency.

The expected findings are the planted faults of sources/samples/README.md, written out by hand;
test_sample_files_hold_the_planted_faults checks the raw files say what this table claims.
"""

from __future__ import annotations

import csv
import json


SAMPLES = "sources/samples/2025-12-15"

# rule, severity, agency, subject, metric, stated (actual), expected/computed, a document the finding cites
EXPECTED_FINDINGS = {
    ("TS-COMPLETED-BEFORE-ASSIGNED", "error", "HAI_PHONG", "NQ71:NQ71-259", None,
     "completed 20/03/2025", "completed on or after 01/04/2025", "HAI_PHONG__task_status__2025-12-15.csv"),
    ("TS-ON-TIME-PAST-DEADLINE", "error", "BCA", "NQ71:NQ71-007", None,
     "deadline 30/11/2025", "deadline on or after 15/12/2025", "BCA__task_status__2025-12-15.xlsx"),
    ("TS-SIX-CLEAR", "warning", "LAO_CAI", "NQ71:NQ71-239 / product", None,
     "empty", "a value for Sản phẩm", "LAO_CAI__task_status__2025-12-15.csv"),
    ("TS-SIX-CLEAR", "warning", "NGHE_AN", "NQ71:NQ71-223 / when", None,
     "empty", "a value for Thời hạn", "NGHE_AN__task_status__2025-12-15.csv"),
    ("TS-DECLARED-VS-ROWS", "error", "HA_NOI", "NQ71 tasks at 15/12/2025", "declared_total",
     "5", "4", "HA_NOI__task_summary__2025-12-15.csv"),
    ("TS-DECLARED-VS-ROWS", "error", "HA_NOI", "NQ71 tasks at 15/12/2025", "declared_in_progress_on_time",
     "2", "1", "HA_NOI__task_summary__2025-12-15.csv"),
    ("TS-DECLARED-VS-ROWS", "error", "DA_NANG", "NQ71 tasks at 15/12/2025", "declared_total",
     "5", "4", "DA_NANG__task_summary__2025-12-15.csv"),
    ("TS-TOTAL-SUM", "error", "DA_NANG", "NQ71 tasks at 15/12/2025", "declared_total",
     "5", "4", "DA_NANG__task_summary__2025-12-15.csv"),
    ("TS-COMPLETED-SUM", "error", "BYT", "NQ71 tasks at 15/12/2025", "declared_completed",
     "6", "5", "BYT__task_summary__2025-12-15.csv"),
    ("TS-DECLARED-VS-ROWS", "error", "BYT", "NQ71 tasks at 15/12/2025", "declared_completed",
     "6", "5", "BYT__task_summary__2025-12-15.csv"),
    ("TS-TOTAL-SUM", "error", "BYT", "NQ71 tasks at 15/12/2025", "declared_total",
     "6", "7", "BYT__task_summary__2025-12-15.csv"),
}


def _finding_keys(warehouse):
    rows = warehouse.execute(
        "SELECT rule_id, severity, agency_code, subject, metric, actual_value, expected_value, document, "
        # the files the finding is about, as rows (audit.dq_finding_sources), not the display text
        "       (SELECT list(DISTINCT s.file_name ORDER BY s.file_name) FROM audit.dq_finding_sources s "
        "        WHERE s.finding_id = f.finding_id AND NOT s.context) "
        "FROM audit.dq_findings f WHERE rule_file = 'task_status.yml'").fetchall()
    keys = set()
    for rule, severity, agency, subject, metric, actual, expected, documents, files in rows:
        for document in files:
            key = (rule, severity, agency, subject, metric, actual, expected, document)
            if key in EXPECTED_FINDINGS:
                keys.add(key)
                break
        else:
            keys.add((rule, severity, agency, subject, metric, actual, expected, documents))
    return keys, len(rows)


def test_every_asset_and_check_ran(pipeline_runs):
    first = pipeline_runs["first"]
    assert first.success, [e.message for e in first.all_events if e.is_failure]
    materialized = {e.asset_key.to_user_string() for e in first.get_asset_materialization_events()}
    for key in ("audit/submissions", "raw/task_status_rows", "marts/fct_task_status", "marts/dim_agency",
                "marts/dim_task", "marts/dim_date", "marts/dim_programme", "audit/dq_findings", "audit/gx_results",
                "report/dq_report"):
        assert key in materialized


def test_findings_on_the_sample_are_exactly_the_planted_faults(warehouse):
    keys, count = _finding_keys(warehouse)
    assert keys == EXPECTED_FINDINGS
    assert count == len(EXPECTED_FINDINGS)


def test_findings_carry_difference_and_a_pointer_to_the_row(warehouse):
    rows = {r[0]: r[1:] for r in warehouse.execute(
        "SELECT rule_id, difference, location, message FROM audit.dq_findings "
        "WHERE rule_id IN ('TS-ON-TIME-PAST-DEADLINE', 'TS-COMPLETED-BEFORE-ASSIGNED')").fetchall()}
    assert rows["TS-ON-TIME-PAST-DEADLINE"][:2] == ("-15", "row 2")
    assert rows["TS-COMPLETED-BEFORE-ASSIGNED"][:2] == ("-12", "row 2")
    total = warehouse.execute(
        "SELECT difference, evidence FROM audit.dq_findings WHERE rule_id = 'TS-TOTAL-SUM' AND agency_code = 'BYT'").fetchall()
    difference, evidence = total[0]
    assert difference == "-1"
    roles = sorted((e["role"], e["location"]) for e in json.loads(evidence))
    assert ("total", "row 2") in roles and sum(r == "parts" for r, _ in roles) == 4


def test_asset_checks_are_red_exactly_for_rules_with_findings(pipeline_runs):
    results = {ev.check_name: ev.passed for ev in pipeline_runs["first"].get_asset_check_evaluations()}
    failing = {name for name, passed in results.items() if not passed}
    assert {name for name in failing if name.startswith("ts_")} == {
        "ts_declared_vs_rows", "ts_total_sum", "ts_completed_sum", "ts_on_time_past_deadline",
        "ts_completed_before_assigned", "ts_six_clear"}
    assert "gov_r006" in failing and "gov_r001" not in failing  # report rules are checks too
    # BCD-R034's one finding is waived in the shipped register: still listed, no longer red
    waived = {ev.check_name: ev.metadata["waived"].value for ev in pipeline_runs["first"].get_asset_check_evaluations()
              if "waived" in ev.metadata and ev.metadata["waived"].value}
    assert waived == {"bcd_r034": 1} and results["bcd_r034"]
    assert "bcd_r035" in failing  # its neighbour, same kind and severity, not waived
    # dbt tests and the Great Expectations suites pass on the sample
    assert results["gx_task_rounds"] and results["gx_budget_rounds"]
    assert any(name.startswith("unique_fct_task_status") for name in results)


def test_report_lists_the_findings_grouped_by_agency(pipeline_runs, warehouse):
    reports = pipeline_runs["settings"].reports_dir
    with open(reports / "dq_findings.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows_all = rows
    assert len(rows) == warehouse.execute("SELECT count(*) FROM audit.dq_findings").fetchall()[0][0]
    agencies = [r["agency_code"] for r in rows if r["agency_code"]]
    assert agencies == sorted(agencies)  # grouped by agency; report figures (no agency) come last
    assert not any(r["agency_code"] for r in rows[len(agencies):])
    rows = [r for r in rows if r["rule_id"].startswith("TS-")]
    assert len(rows) == len(EXPECTED_FINDINGS)
    byt = [r for r in rows if r["agency_code"] == "BYT"]
    assert {(r["rule_id"], r["actual_value"], r["expected_value"]) for r in byt} == {
        ("TS-COMPLETED-SUM", "6", "5"), ("TS-DECLARED-VS-ROWS", "6", "5"), ("TS-TOTAL-SUM", "6", "7")}
    assert all(r["agency_name_vi"] for r in rows)
    html = (reports / "dq_report.html").read_text(encoding="utf-8")
    assert "Bộ Y tế" in html and "NQ71:NQ71-007" in html and "deadline 30/11/2025" in html
    # the English twin holds the same findings (tests/test_report_page.py checks the pages themselves)
    html_en = (reports / "dq_report.en.html").read_text(encoding="utf-8")
    assert html_en.count('<tr id="finding-') == html.count('<tr id="finding-') == len(rows_all)
    assert (reports / "dq_findings.xlsx").stat().st_size > 0
    # the GX Data Docs site is published beside the report, and the report links it
    assert 'href="gx/index.html"' in html and (reports / "gx" / "index.html").is_file()


def test_every_sample_file_loaded_and_archived_byte_for_byte(pipeline_runs, warehouse):
    import hashlib

    from pipelines.ingest.loader import discover

    rows = warehouse.execute(
        "SELECT file_name, status, sha256, archived_path FROM audit.submissions WHERE domain <> 'published_figures'").fetchall()
    assert len(rows) == len(discover(pipeline_runs["settings"].inbox_dir)) == 400
    assert {r[1] for r in rows} == {"accepted"}
    settings = pipeline_runs["settings"]
    for file_name, _, sha256, archived in rows[:5]:
        data = (settings.warehouse_dir / archived).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha256
        assert data == next(settings.inbox_dir.rglob(file_name)).read_bytes()
    assert warehouse.execute("SELECT count(*) FROM marts.fct_task_status").fetchall()[0][0] == 326 + 88


def test_second_run_changes_no_row(pipeline_runs):
    assert pipeline_runs["second"].success
    assert pipeline_runs["after_first"] == pipeline_runs["after_second"]
    assert pipeline_runs["after_first"]["audit.dq_findings"][0] > len(EXPECTED_FINDINGS)


def test_vietnamese_text_is_nfc_and_money_free_marts_use_exact_types(warehouse):
    not_nfc = warehouse.execute(
        "SELECT count(*) FROM marts.dim_task WHERE content <> nfc_normalize(content)").fetchall()[0][0]
    assert not_nfc == 0
    types = dict(warehouse.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'audit' AND table_name = 'dq_findings'").fetchall())
    assert types["difference_number"].startswith("DECIMAL")


def _read(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_sample_files_hold_the_planted_faults(pipeline_runs):
    """Independent of the pipeline: the stdlib csv module reads the raw files the expected findings describe."""
    home = pipeline_runs["settings"].home / SAMPLES
    ha_noi = _read(home / "HA_NOI__task_status__2025-12-15.csv")
    ha_noi_summary = _read(home / "HA_NOI__task_summary__2025-12-15.csv")[0]
    assert len(ha_noi) == 4 and ha_noi_summary["Tổng số"] == "5"
    assert sum(r["Trạng thái"] == "Đang thực hiện đúng hạn" for r in ha_noi) == 1
    assert ha_noi_summary["Đang thực hiện đúng hạn"] == "2"
    byt = _read(home / "BYT__task_summary__2025-12-15.csv")[0]
    parts = int(byt["Thường xuyên"]) + int(byt["Hoàn thành"]) + int(byt["Đang thực hiện đúng hạn"]) + int(byt["Đang thực hiện quá hạn"])
    assert (byt["Tổng số"], parts, byt["Hoàn thành"]) == ("6", 7, "6")
    assert int(byt["Hoàn thành đúng hạn"]) + int(byt["Hoàn thành quá hạn"]) == 5
    hai_phong = _read(home / "HAI_PHONG__task_status__2025-12-15.csv")[0]
    assert (hai_phong["Mã nhiệm vụ"], hai_phong["Ngày giao"], hai_phong["Ngày hoàn thành"]) == ("NQ71-259", "01/04/2025", "20/03/2025")
