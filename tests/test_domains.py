"""Budget, database readiness and IP filings on the shipped samples: exact amounts per declared unit
and style, each planted fault found once and nothing else, and the analysts' README queries."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

# The faults planted by generators/samples_domains.py (sources/samples/README.md), written out by hand:
# rule, agency, stated, expected / computed, a file the finding cites
DOMAIN_FINDINGS = {
    # amounts are intervals: exact to half a unit of the last written decimal (3 decimals in tỷ here)
    ("BUD-SUM-FIELD", "BXD", "[304.0795, 304.0805]", "[309.0785, 309.0815]", "BXD__budget__2025-07-15.csv"),
    ("BUD-APPROVED-LE-PROPOSED", "HA_NOI", "[227.9665, 227.9675]", "[224.8165, 224.8175]", "HA_NOI__budget__2025-07-15.csv"),
    ("BUD-DISBURSED-LE-ALLOCATED", "BTC", "[275.9725, 275.9735]", "[274.6975, 274.6985]", "BTC__budget__2025-12-19.csv"),
    # stated: the earlier cumulative figure (30/09); computed side: the later one (19/12), which must not be lower
    ("BUD-DISBURSEMENT-DECREASES", "CAN_THO", "[7.3205, 7.3215]", "[4.8405, 4.8415]", "CAN_THO__budget__2025-12-19.csv"),
    ("DB-COUNTS-ADD-UP", None, "105", "104", "database_status files of 15/12/2025 and sources/reference/databases.csv"),
    ("DB-MISSING-FROM-OWNER", "BNNMT", "no row at 15/12/2025", "a row for DB-NQ71-050, owned by BNNMT",
     "BNNMT__database_status__2025-12-15.csv"),
    ("DB-STAGE-REGRESSION", "BTC", "IN_PROGRESS (at 15/12/2025), no reason", "PLATFORM_READY (at 30/09/2025) or later, or a reason",
     "BTC__database_status__2025-12-15.csv"),
    ("DB-OWNER-EXISTS", "OLD_HA_GIANG", "OLD_HA_GIANG", "an owner in sources/reference/agencies.csv that exists today",
     "sources/reference/databases.csv"),
    ("IP-YTD-SUM", "BKHCN", "98207", "98107", "BKHCN__ip_filings__2025-12-15.csv"),
    ("IP-GRANTED-LE-PROCESSED", "BKHCN", "970", "933", "BKHCN__ip_filings__2025-12-15.csv"),
    ("IP-YOY-GROWTH", "BKHCN", "[14.995, 15.005]", "8.793264733", "BKHCN__ip_filings__2025-12-15.csv"),
}
DOMAIN_RULE_FILES = ("budget.yml", "database_readiness.yml", "ip_filings.yml")


def test_each_planted_fault_is_found_once_and_nothing_else(warehouse):
    rows = warehouse.execute(
        "SELECT rule_id, agency_code, actual_value, expected_value, document, "
        "       (SELECT list(DISTINCT s.file_name) FROM audit.dq_finding_sources s "
        "        WHERE s.finding_id = f.finding_id AND NOT s.context) "
        f"FROM audit.dq_findings f WHERE rule_file IN {DOMAIN_RULE_FILES}").fetchall()
    found = {(r, a, act, exp, next((d for d in files if d == want), doc))
             for r, a, act, exp, doc, files in rows
             for want in [next((f[4] for f in DOMAIN_FINDINGS if f[0] == r), "")]}
    assert found == DOMAIN_FINDINGS
    assert len(rows) == len(DOMAIN_FINDINGS)


def test_budget_findings_state_the_rounding_they_allowed(warehouse):
    rows = warehouse.execute(
        "SELECT rule_id, difference, tolerance, document FROM audit.dq_findings WHERE rule_id LIKE 'BUD-%' ORDER BY rule_id").fetchall()
    assert rows == [
        ("BUD-APPROVED-LE-PROPOSED", "3.15", "0.001", "HA_NOI__budget__2025-07-15.csv"),
        ("BUD-DISBURSED-LE-ALLOCATED", "1.275", "0.001", "BTC__budget__2025-09-30.csv; BTC__budget__2025-12-19.csv"),
        ("BUD-DISBURSEMENT-DECREASES", "2.48", "0.001", "CAN_THO__budget__2025-09-30.csv; CAN_THO__budget__2025-12-19.csv"),
        # four lines of 3 decimals: the parts' half-widths add up
        ("BUD-SUM-FIELD", "-5", "0.002", "BXD__budget__2025-07-15.csv"),
    ]


def test_the_missing_database_is_named_and_the_regression_with_a_reason_is_not_flagged(warehouse):
    # the national identity states national counts only; the gap is attributed to its owner's file
    subject = warehouse.execute("SELECT subject FROM audit.dq_findings WHERE rule_id = 'DB-COUNTS-ADD-UP'").fetchall()
    assert subject == [("NQ71 databases at 15/12/2025",)]
    missing = warehouse.execute("SELECT subject, document, location FROM audit.dq_findings WHERE rule_id = 'DB-MISSING-FROM-OWNER'").fetchall()
    assert missing == [("DB-NQ71-050", "BNNMT__database_status__2025-12-15.csv", "no row for DB-NQ71-050")]
    moved = warehouse.execute("SELECT database_code, stage_change_reason IS NOT NULL FROM marts.fct_database_status "
                              "WHERE moved_back ORDER BY 1").fetchall()
    assert moved == [("DB-NQ71-028", False), ("DB-NQ71-064", True)]


def test_amounts_are_exact_in_the_unit_and_style_each_file_declared(warehouse):
    def amount(file_name, row):
        return warehouse.execute("SELECT amount_as_written, amount_unit, number_style, amount_vnd, amount_ty "
                                 "FROM marts.fct_budget_line WHERE file_name = ? AND source_row = ?",
                                 [file_name, row]).fetchall()[0]
    # the same digits mean different amounts: vi triệu, en tỷ, vi đồng
    assert amount("BTP__budget__2025-07-15.csv", 2) == ("201.545", "TRIEU", "vi", Decimal("201545000000.000"), Decimal("201.545"))
    assert amount("HA_NOI__budget__2025-07-15.csv", 2) == ("300.832", "TY", "en", Decimal("300832000000.000"), Decimal("300.832"))
    assert amount("BNG__budget__2025-07-15.csv", 2) == ("91.753.733.000", "DONG", "vi", Decimal("91753733000.000"), Decimal("91.753733"))
    types = dict(warehouse.execute("SELECT column_name, data_type FROM information_schema.columns "
                                   "WHERE table_schema = 'marts' AND table_name = 'fct_budget_line'").fetchall())
    assert types["amount_vnd"] == "DECIMAL(38,3)" and types["amount_ty"] == "DECIMAL(38,9)"


def test_former_provinces_roll_up_to_the_current_province(warehouse):
    # Bắc Ninh today = Bắc Ninh + Bắc Giang before 1 July 2025
    rows = warehouse.execute(
        "SELECT a.agency_code FROM marts.dim_agency a WHERE a.current_agency_code = 'BAC_NINH' ORDER BY 1").fetchall()
    assert rows == [("BAC_NINH",), ("OLD_BAC_GIANG",), ("OLD_BAC_NINH",)]
    allocated_2024 = warehouse.execute(
        "SELECT sum(allocated_ty) FROM marts.fct_budget_execution WHERE budget_year = 2024 AND agency_code IN ('OLD_BAC_GIANG', 'OLD_BAC_NINH')").fetchall()[0][0]
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    query = next(q for q in re.findall(r"```sql\n(.*?)```", readme, re.S) if "current_agency_code" in q)
    result = {r[0]: r[2] for r in warehouse.execute(query).fetchall()}
    assert result["BAC_NINH"] == allocated_2024 and len(result) == 34


def test_every_readme_query_runs_and_answers(warehouse):
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sql\n(.*?)```", readme, re.S)
    assert len(queries) >= 5
    for query in queries:
        assert warehouse.execute(query).fetchall(), query
    by_block = dict((r[0], r[3]) for r in warehouse.execute(next(q for q in queries if "dim_block" in q)).fetchall())
    assert set(by_block) == {"Party", "National Assembly", "Government", "Fatherland Front and socio-political organisations"}
    assert by_block["Party"] == round(100 * 130.3 / 1063, 2)  # VPTW: 130,3 of 1.063 tỷ disbursed (block figures of BCD_2025)


def test_submission_lifecycle_marks_files_with_findings(warehouse):
    statuses = dict(warehouse.execute(
        "SELECT file_name, lifecycle_status FROM audit.submission_lifecycle WHERE file_name IN "
        "('BYT__task_summary__2025-12-15.csv', 'LAO_CAI__task_status__2025-12-15.csv', 'HUE__task_status__2025-12-15.csv')").fetchall())
    assert statuses == {"BYT__task_summary__2025-12-15.csv": "validated_with_errors",
                        "LAO_CAI__task_status__2025-12-15.csv": "validated_with_warnings",
                        "HUE__task_status__2025-12-15.csv": "accepted"}
