"""Database readiness and IP filing rules on a hand-made round, run once through the real `full_load` job.

Every rule of expectations/rules/database_readiness.yml and ip_filings.yml has a failing case (the
finding asserted exactly: rule, agency, file, row, stated and expected values) and a passing case (a
row written to satisfy it, which must give no finding: the set of findings is asserted whole).

Database readiness, three dates of the registry (sources/reference/databases.csv):
  30/09/2025  every owner reports every database it owns (TUYEN_QUANG reports DB-KH02-012, registered
              to OLD_HA_GIANG, merged into it on 1/7/2025): nothing to find.
  15/12/2025  the conflict round: BCA also reports BQP's DB-NQ71-001; BNNMT leaves DB-NQ71-050 out
              and BYT reports it; NHNN sends no file and BCT and BNG both report its DB-NQ71-095;
              BTC moves DB-NQ71-028 back with no reason (DB-NQ71-029 with one); BTP's DB-NQ71-022 is
              platform-ready but unfunded; BVHTTDL's DB-NQ71-068 is connected and at high risk.
IP filings: BKHCN's 2024 months in a 2025-03-31 file, a 2025-12-15 file that restates January 2024,
and a BCA ip_filings file that must never reach the marts.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

PROJECT = Path(__file__).resolve().parent.parent
RULE_FILES = ("database_readiness.yml", "ip_filings.yml")

DB_HEADER = ["Mã CSDL", "Giai đoạn", "Đã bố trí kinh phí", "Nguy cơ không hoàn thành", "Lý do thay đổi giai đoạn"]
NOT_STARTED, IN_PROGRESS, PLATFORM_READY, CONNECTED = (
    "Chưa triển khai", "Đang triển khai", "Đã có nền tảng, CSDL tập trung", "Đã kết nối, chia sẻ")
YES, NO = "Có", "Không"
REASON = "Dừng để điều chỉnh chủ trương đầu tư"

IP_HEADER = ["Loại kỳ", "Tháng", "Loại quyền", "Nguồn gốc đơn", "Nhóm công nghệ chiến lược", "Số đơn nhận",
             "Số đơn đã xử lý", "Số văn bằng cấp", "Số đơn quá hạn", "Tăng so với cùng kỳ (%)"]
MONTH, YTD = "Tháng", "Lũy kế năm"
PATENT, TRADEMARK = "Sáng chế", "Nhãn hiệu"
DOMESTIC, FOREIGN = "Trong nước", "Nước ngoài"

# 30/09/2025: every database platform-ready, funded, not at risk, except these (stage, funded, high risk)
SEPTEMBER = {"DB-NQ71-001": (CONNECTED, YES, NO), "DB-NQ71-028": (CONNECTED, YES, NO)}
# 15/12/2025: the owners' own rows that differ from platform-ready (stage, funded, high risk, reason)
DECEMBER = {
    "DB-NQ71-001": (CONNECTED, YES, NO, ""),             # BQP row 2; BCA's NOT_STARTED must not win
    "DB-NQ71-028": (IN_PROGRESS, YES, NO, ""),           # BTC row 2: back from CONNECTED, no reason
    "DB-NQ71-029": (NOT_STARTED, NO, YES, REASON),       # BTC row 3: back with a reason; not started, unfunded, at risk
    "DB-NQ71-022": (PLATFORM_READY, NO, NO, ""),         # BTP row 2: started but unfunded
    "DB-NQ71-068": (CONNECTED, YES, YES, ""),            # BVHTTDL row 2: connected yet at high risk
}
# 15/12/2025: rows an agency adds for a database it does not own (appended after its own rows)
DECEMBER_EXTRA = {
    "BCA": [("DB-NQ71-001", NOT_STARTED, NO, YES, "")],      # row 12; the owner BQP reports it too
    "BYT": [("DB-NQ71-050", PLATFORM_READY, YES, NO, "")],   # row 10; the owner BNNMT left it out
    "BCT": [("DB-NQ71-095", CONNECTED, YES, NO, "")],        # row 8; the owner NHNN sent no file: BCT first by code
    "BNG": [("DB-NQ71-095", NOT_STARTED, NO, YES, "")],      # row 4
}
DECEMBER_LEFT_OUT = {"DB-NQ71-050"}  # BNNMT's file has no row for it
DECEMBER_SILENT = {"NHNN"}           # sends no file at 15/12/2025


def _ip(period, month, right, origin, received, processed, granted, pending, group="", growth=""):
    return [period, month, right, origin, group, received, processed, granted, pending, growth]


IP_2024 = [  # BKHCN__ip_filings__2025-03-31.csv (BKHCN exists from 1/3/2025: the IP Office states 2024 in 2025)
    _ip(MONTH, "01/01/2024", PATENT, DOMESTIC, 100, 80, 30, 50),              # row 2: restated later (received 105)
    _ip(MONTH, "01/02/2024", PATENT, DOMESTIC, 100, 140, 40, 20),             # row 3: 140 <= 100 + 50 backlog
    _ip(MONTH, "01/03/2024", PATENT, DOMESTIC, 100, 130, 50, 10),             # row 4: 130 > 100 + 20 backlog
    _ip(YTD, "01/02/2024", PATENT, DOMESTIC, 200, 220, 70, 20),               # row 5: = Jan + Feb as first stated
    _ip(YTD, "01/03/2024", PATENT, DOMESTIC, 300, 350, 120, 10),              # row 6
    _ip(YTD, "01/03/2024", PATENT, DOMESTIC, 40, 400, 10, 0, "AI_DIGITAL_TWIN"),  # row 7: processed 400 > 350 of all groups
    _ip(YTD, "01/01/2024", TRADEMARK, FOREIGN, 500, 300, 100, 5),             # row 8
    _ip(YTD, "01/02/2024", TRADEMARK, FOREIGN, 450, 320, 120, 5),             # row 9: received year to date went down
    _ip(YTD, "01/02/2024", PATENT, FOREIGN, 16, 12, 5, 1),                    # row 10: basis of the 2025 growth
]
IP_2025 = [  # BKHCN__ip_filings__2025-12-15.csv
    _ip(MONTH, "01/01/2024", PATENT, DOMESTIC, 105, 80, 30, 50),              # row 2: restates row 2 of the 2024 file
    _ip(MONTH, "01/01/2025", PATENT, FOREIGN, 10, 5, 6, 0),                   # row 3: granted 6 > processed 5
    _ip(MONTH, "01/02/2025", PATENT, FOREIGN, 10, 8, 3, 0),                   # row 4
    _ip(YTD, "01/02/2025", PATENT, FOREIGN, 20, 14, 9, 0, growth="25,00"),    # row 5: processed 14, months 13; growth right
    _ip(YTD, "01/02/2025", TRADEMARK, FOREIGN, 540, 400, 100, 0, growth="10,0"),  # row 6: 540 on 450 is 20 %
    _ip(MONTH, "01/12/2025", PATENT, DOMESTIC, 50, 40, 10, 5),                # row 7: December, begun by 15/12
    _ip(MONTH, "01/01/2026", PATENT, DOMESTIC, 50, 50, 10, 5),                # row 8: after the file's date
]
IP_OTHER_AGENCY = [  # BCA__ip_filings__2025-12-15.csv: not the IP Office, never in the marts
    _ip(MONTH, "01/01/2025", PATENT, FOREIGN, 999, 1, 5, 0),
    _ip(MONTH, "01/01/2026", PATENT, DOMESTIC, 1, 1, 1, 0),
]

DB_SEP = "{ag}__database_status__2025-09-30.csv"
DB_DEC = "{ag}__database_status__2025-12-15.csv"
IP24, IP25, IP_BCA = "BKHCN__ip_filings__2025-03-31.csv", "BKHCN__ip_filings__2025-12-15.csv", "BCA__ip_filings__2025-12-15.csv"

# rule, agency, document, location, stated, expected
EXPECTED = {
    # --- database readiness
    ("DB-NOT-OWNER", "BCA", DB_DEC.format(ag="BCA"), "row 12; row kept: " + DB_DEC.format(ag="BQP") + " row 2",
     "reported by BCA (BCA__database_status__2025-12-15.csv row 12)",
     "reported by its owner BQP, whose row is kept: BQP__database_status__2025-12-15.csv row 2"),
    ("DB-NOT-OWNER", "BYT", DB_DEC.format(ag="BYT"), "row 10",
     "reported by BYT (BYT__database_status__2025-12-15.csv row 10)",
     "reported by its owner BNNMT, who sent no row at 15/12/2025: this row is kept"),
    ("DB-NOT-OWNER", "BCT", DB_DEC.format(ag="BCT"), "row 8",
     "reported by BCT (BCT__database_status__2025-12-15.csv row 8)",
     "reported by its owner NHNN, who sent no row at 15/12/2025: this row is kept"),
    ("DB-NOT-OWNER", "BNG", DB_DEC.format(ag="BNG"), "row 4; row kept: " + DB_DEC.format(ag="BCT") + " row 8",
     "reported by BNG (BNG__database_status__2025-12-15.csv row 4)",
     "reported by its owner NHNN, who sent no row at 15/12/2025: the row kept is BCT__database_status__2025-12-15.csv row 8"),
    ("DB-MISSING-FROM-OWNER", "BNNMT", DB_DEC.format(ag="BNNMT"), "no row for DB-NQ71-050",
     "no row at 15/12/2025", "a row for DB-NQ71-050, owned by BNNMT"),
    ("DB-STAGE-REGRESSION", "BTC", DB_DEC.format(ag="BTC"),
     "row 2, column Lý do thay đổi giai đoạn; previous: BTC__database_status__2025-09-30.csv row 2",
     "IN_PROGRESS (at 15/12/2025), no reason", "CONNECTED (at 30/09/2025) or later, or a reason"),
    ("DB-STARTED-NOT-FUNDED", "BTP", DB_DEC.format(ag="BTP"), "row 2, column Đã bố trí kinh phí",
     "PLATFORM_READY, Đã bố trí kinh phí = Không", "Đã bố trí kinh phí = Có (a database at PLATFORM_READY has been funded)"),
    ("DB-CONNECTED-HIGH-RISK", "BVHTTDL", DB_DEC.format(ag="BVHTTDL"), "row 2, column Nguy cơ không hoàn thành",
     "CONNECTED, Nguy cơ không hoàn thành = Có", "Nguy cơ không hoàn thành = Không (a connected database has reached the last stage)"),
    # NQ71 at 15/12: 105 in the registry, 104 in force (DB-NQ71-096: NHNN sent no file; DB-NQ71-050 counts, from BYT)
    ("DB-COUNTS-ADD-UP", None, "database_status files of 15/12/2025 and sources/reference/databases.csv",
     "database_status files of 15/12/2025 and sources/reference/databases.csv NQ71", "105", "104"),
    ("DB-OWNER-EXISTS", "OLD_HA_GIANG", "sources/reference/databases.csv", "database DB-KH02-012", "OLD_HA_GIANG",
     "an owner in sources/reference/agencies.csv that exists today"),
    # --- IP filings (relations cite the file and row of every figure they compare)
    ("IP-RESTATED", "BKHCN", f"{IP24}; {IP25}", f"{IP24} row 2; {IP25} row 2", "105", "100"),
    ("IP-YTD-SUM", "BKHCN", f"{IP24}; {IP25}", f"{IP24} row 5; {IP24} rows 3 (months 02-02/2024); {IP25} rows 2 (months 01-01/2024)",
     "200", "205"),
    ("IP-YTD-SUM", "BKHCN", f"{IP24}; {IP25}",
     f"{IP24} row 6; {IP24} rows 3, 4 (months 02-03/2024); {IP25} rows 2 (months 01-01/2024)", "300", "305"),
    ("IP-YTD-SUM", "BKHCN", IP25, f"{IP25} row 5; {IP25} rows 3, 4 (months 01-02/2025)", "14", "13"),
    ("IP-GRANTED-LE-PROCESSED", "BKHCN", IP25, f"{IP25} row 3", "6", "5"),
    ("IP-YOY-GROWTH", "BKHCN", f"{IP24}; {IP25}",
     f"{IP24} row 9; {IP25} row 6; {IP25} row 6, column Tăng so với cùng kỳ (%)", "[9.95, 10.05]", "20"),
    ("IP-YTD-DECREASES", "BKHCN", IP24, f"{IP24} row 8; {IP24} row 9", "500", "450"),
    ("IP-GROUP-LE-ALL", "BKHCN", IP24, f"{IP24} row 6; {IP24} row 7", "400", "350"),
    ("IP-PROCESSED-LE-AVAILABLE", "BKHCN", IP24, f"{IP24} row 3, column Số đơn quá hạn; {IP24} row 4", "130", "120"),
    ("IP-NOT-IP-OFFICE", "BCA", IP_BCA, "whole file (2 rows, kept out of the marts)", "BCA", "BKHCN (the IP Office)"),
    ("IP-PERIOD-AFTER-REPORT", "BKHCN", IP25, "row 8, column Tháng", "month 01/2026",
     "a month up to 12/2025 (file dated 15/12/2025)"),
}


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def _inbox(inbox: Path) -> None:
    with (PROJECT / "sources" / "reference" / "databases.csv").open(encoding="utf-8") as f:
        registry = list(csv.DictReader(f))
    owned: dict[str, list[str]] = {}
    for r in registry:  # the owner at both dates: OLD_HA_GIANG was merged into TUYEN_QUANG on 1/7/2025
        owner = "TUYEN_QUANG" if r["owner_agency_code"] == "OLD_HA_GIANG" else r["owner_agency_code"]
        owned.setdefault(owner, []).append(r["database_code"])
    for owner, codes in owned.items():
        _write(inbox / "2025-09-30" / DB_SEP.format(ag=owner), DB_HEADER,
               [[c, *SEPTEMBER.get(c, (PLATFORM_READY, YES, NO)), ""] for c in codes])
        if owner in DECEMBER_SILENT:
            continue
        rows = [[c, *DECEMBER.get(c, (PLATFORM_READY, YES, NO, ""))] for c in codes if c not in DECEMBER_LEFT_OUT]
        rows += [list(extra) for extra in DECEMBER_EXTRA.get(owner, [])]
        _write(inbox / "2025-12-15" / DB_DEC.format(ag=owner), DB_HEADER, rows)
    _write(inbox / "2025-03-31" / IP24, IP_HEADER, IP_2024)
    _write(inbox / "2025-12-15" / IP25, IP_HEADER, IP_2025)
    _write(inbox / "2025-12-15" / IP_BCA, IP_HEADER, IP_OTHER_AGENCY)


@pytest.fixture(scope="module")
def run(tmp_path_factory, run_full_load):
    """The hand-made round through the full_load job (ingest, dbt build with its tests, rules, GX, report)."""
    root = tmp_path_factory.mktemp("rules_db_ip")
    _inbox(root / "inbox")
    result, path = run_full_load(root, root / "inbox")
    con = duckdb.connect(str(path), read_only=True)
    yield {"result": result, "con": con, "root": root}
    con.close()


def _findings(con, where: str = "TRUE", params=None):
    return con.execute(
        "SELECT rule_id, agency_code, document, location, actual_value, expected_value, subject, message, evidence "
        f"FROM audit.dq_findings WHERE rule_file IN {RULE_FILES} AND {where} ORDER BY rule_id, agency_code, location",
        params or []).fetchall()


def test_the_conflict_round_runs_to_the_end(run):
    result = run["result"]
    assert result.success
    assert all(e.event_type_value != "STEP_FAILURE" for e in result.all_events)
    assert (run["root"] / "wh" / "reports" / "dq_report.html").exists()


def test_every_rule_finds_its_failing_case_and_nothing_else(run):
    found = {f[:6] for f in _findings(run["con"])}
    assert found == EXPECTED
    assert len(_findings(run["con"])) == len(EXPECTED)


def test_the_owner_row_wins_and_the_other_stays_in_raw(run):
    con = run["con"]
    # one row per database and date: 117 at 30/09; 116 at 15/12 (DB-NQ71-096: NHNN sent no file)
    grain = con.execute("SELECT reporting_date::varchar, count(*), count(DISTINCT database_code) FROM marts.fct_database_status "
                        "GROUP BY 1 ORDER BY 1").fetchall()
    assert grain == [("2025-09-30", 117, 117), ("2025-12-15", 116, 116)]
    kept = con.execute(
        "SELECT database_code, reporting_agency_code, owner_agency_code, is_reported_by_owner, stage_code, file_name, source_row, moved_back "
        "FROM marts.fct_database_status WHERE reporting_date = '2025-12-15' "
        "AND database_code IN ('DB-NQ71-001', 'DB-NQ71-050', 'DB-NQ71-095', 'DB-KH02-012') ORDER BY 1").fetchall()
    assert kept == [
        ("DB-KH02-012", "TUYEN_QUANG", "TUYEN_QUANG", True, "PLATFORM_READY", DB_DEC.format(ag="TUYEN_QUANG"), 2, False),
        ("DB-NQ71-001", "BQP", "BQP", True, "CONNECTED", DB_DEC.format(ag="BQP"), 2, False),
        ("DB-NQ71-050", "BYT", "BNNMT", False, "PLATFORM_READY", DB_DEC.format(ag="BYT"), 10, False),
        ("DB-NQ71-095", "BCT", "NHNN", False, "CONNECTED", DB_DEC.format(ag="BCT"), 8, False),
    ]
    # BCA's statement of BQP's database is not lost: raw keeps every row of every file
    raw = con.execute("SELECT r.source_row, r.stage FROM raw.database_status_rows r JOIN audit.submissions s USING (submission_id) "
                      "WHERE s.file_name = ? AND r.database_code = 'DB-NQ71-001'", [DB_DEC.format(ag="BCA")]).fetchall()
    assert raw == [(12, "NOT_STARTED")]
    assert con.execute("SELECT current_owner_agency_code FROM marts.dim_database WHERE database_code = 'DB-KH02-012'").fetchall() == [("TUYEN_QUANG",)]


def test_db_findings_name_both_files_and_count_only_the_national_identity(run):
    con = run["con"]
    [(message,)] = con.execute("SELECT message FROM audit.dq_findings WHERE rule_id = 'DB-NOT-OWNER' AND agency_code = 'BCA'").fetchall()
    assert message == ("DB-NQ71-001 is reported by BCA (BCA__database_status__2025-12-15.csv row 12), an agency that does not own it; "
                       "expected it reported by its owner BQP, whose row is kept: BQP__database_status__2025-12-15.csv row 2")
    # the national identity names no file's gap (DB-MISSING-FROM-OWNER does), only databases whose owner sent no file
    [(subject, message)] = con.execute("SELECT subject, message FROM audit.dq_findings WHERE rule_id = 'DB-COUNTS-ADD-UP'").fetchall()
    assert subject == "NQ71 databases at 15/12/2025 (no file from the owner: DB-NQ71-096 (NHNN))"
    assert message == subject + ": the registry holds 105 but the stages reported add up to 104"
    # passing cases, named: the successor reports a former province's database; a move back with a reason;
    # the owner's CONNECTED kept over BCA's NOT_STARTED is no regression; not started may be unfunded and at risk
    assert _findings(con, "subject IN ('DB-KH02-012', 'DB-NQ71-029', 'DB-NQ71-001') AND rule_id <> 'DB-OWNER-EXISTS' "
                          "AND agency_code <> 'BCA'") == []


def test_ip_marts_keep_the_ip_office_and_the_latest_statement(run):
    con = run["con"]
    rows = con.execute("SELECT ip_filing_key, received, file_name, source_row FROM marts.fct_ip_filings "
                       "WHERE ip_filing_key IN ('MONTH|2024-01|PATENT|DOMESTIC|ALL', 'MONTH|2025-01|PATENT|FOREIGN|ALL', "
                       "'MONTH|2026-01|PATENT|DOMESTIC|ALL') ORDER BY 1").fetchall()
    assert rows == [("MONTH|2024-01|PATENT|DOMESTIC|ALL", 105, IP25, 2),
                    ("MONTH|2025-01|PATENT|FOREIGN|ALL", 10, IP25, 3),
                    ("MONTH|2026-01|PATENT|DOMESTIC|ALL", 50, IP25, 8)]
    assert con.execute("SELECT count(*) FROM marts.fct_ip_filings WHERE file_name = ?", [IP_BCA]).fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM marts.fct_ip_filings").fetchall() == [(len(IP_2024) + len(IP_2025) - 1,)]


def test_ip_messages_use_the_figures_of_the_files_they_cite(run):
    con = run["con"]
    [(message, evidence)] = con.execute(
        "SELECT message, evidence FROM audit.dq_findings WHERE rule_id = 'IP-YTD-SUM' AND subject = 'PATENT DOMESTIC year to 02/2024'").fetchall()
    assert message == "PATENT DOMESTIC year to 02/2024: ytd_received is 200 but the months add up to 205"
    figures = sorted((e["role"], e["document"], e["location"], e["value_text"]) for e in json.loads(evidence))
    assert figures == [("actual", IP24, "row 5", "200"),
                       ("expected", IP24, "rows 3 (months 02-02/2024)", "100"),
                       ("expected", IP25, "rows 2 (months 01-01/2024)", "105")]
    [(message,)] = con.execute("SELECT message FROM audit.dq_findings WHERE rule_id = 'IP-RESTATED'").fetchall()
    assert message == ("PATENT DOMESTIC month 01/2024, received: 105 in force, stated as 100 in an earlier file (difference 5)")
    [(message,)] = con.execute("SELECT message FROM audit.dq_findings WHERE rule_id = 'IP-YTD-DECREASES'").fetchall()
    assert message == ("TRADEMARK FOREIGN received year to 02/2024 (earlier: year to 01/2024): 450 year to date, "
                       "below the 500 stated for the earlier month (difference 50)")
