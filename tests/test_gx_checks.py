"""Great Expectations round-over-round checks (expectations/suites/rounds.yml) on a hand-made warehouse.

Two agencies, three rounds. BTC's approved budget jumps x1000 in the third round (đồng typed as
tỷ); HA_NOI's budget stays in its band but its completion share leaves its band (0.2, 0.3, then
0.9). Everything runs once in a module fixture (importing GX costs ~15 s), step by step: rounds
1-2, a re-run with nothing new, round 3, a corrected resubmission of BTC's third-round budget.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.quality.gx_measures import new_batch_frame
from pipelines.quality.gx_suites import current_results, docs_index, load_suites, run_suites, store_results
from pipelines.settings import PROJECT_ROOT

SUITES = PROJECT_ROOT / "expectations" / "suites"
R1, R2, R3 = date(2025, 3, 31), date(2025, 6, 30), date(2025, 9, 30)

SCHEMA = """
CREATE SCHEMA audit; CREATE SCHEMA marts;
CREATE TABLE audit.submissions (submission_id VARCHAR, file_name VARCHAR, agency_code VARCHAR);
CREATE TABLE marts.fct_budget_line (agency_code VARCHAR, as_of DATE, stage_code VARCHAR, nature_code VARCHAR,
    field_code VARCHAR, amount_ty DECIMAL(38,9), submission_id VARCHAR);
CREATE TABLE marts.fct_task_status (reporting_agency_code VARCHAR, reporting_date DATE, status_code VARCHAR,
    is_completed BOOLEAN, submission_id VARCHAR);
CREATE TABLE marts.fct_task_summary_declared (agency_code VARCHAR, reporting_date DATE, declared_total BIGINT,
    declared_completed BIGINT, submission_id VARCHAR);
CREATE TABLE marts.fct_ip_filings (period_type VARCHAR, tech_group_code VARCHAR, period_month DATE, received BIGINT,
    processed BIGINT, granted BIGINT, submission_id VARCHAR);
CREATE TABLE marts.fct_database_status (reporting_agency_code VARCHAR, reporting_date DATE, stage_code VARCHAR,
    submission_id VARCHAR);
"""


def add_round(db: Path, day: date, approved: dict[str, str], completed: dict[str, int], tag: str = "") -> None:
    """One round: per agency a budget file (its approved grand total) and a task file (10 tasks, `completed` done)."""
    with duckdb.connect(str(db)) as con:
        for agency, amount in approved.items():
            sid = f"budget-{agency}-{day}{tag}"
            con.execute("INSERT INTO audit.submissions VALUES (?, ?, ?)", [sid, f"{sid}.csv", agency])
            con.execute("DELETE FROM marts.fct_budget_line WHERE agency_code = ? AND as_of = ?", [agency, day])
            con.execute("INSERT INTO marts.fct_budget_line VALUES (?, ?, 'APPROVED', 'ALL', 'ALL', ?, ?)",
                        [agency, day, Decimal(amount), sid])
        for agency, done in completed.items():
            sid = f"tasks-{agency}-{day}{tag}"
            con.execute("INSERT INTO audit.submissions VALUES (?, ?, ?)", [sid, f"{sid}.xlsx", agency])
            con.execute("""INSERT INTO marts.fct_task_status
                SELECT ?, ?, CASE WHEN i < ? THEN 'DONE_ON_TIME' ELSE 'IN_PROGRESS_ON_TIME' END, i < ?, ?
                FROM range(10) AS t(i)""", [agency, day, done, done, sid])


def validate(db: Path) -> list[dict]:
    rows = run_suites(db, SUITES, db.parent)
    with duckdb.connect(str(db)) as con:
        store_results(con, rows)
    return rows


def failures(rows) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(r["batch_id"], r["name"], tuple(r["unexpected_agencies"])) for r in rows if not r["success"]}


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    db = tmp_path_factory.mktemp("gx") / "wh.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(SCHEMA)
    add_round(db, R1, {"BTC": "120.5", "HA_NOI": "80"}, {"BTC": 5, "HA_NOI": 2})
    add_round(db, R2, {"BTC": "121", "HA_NOI": "84"}, {"BTC": 5, "HA_NOI": 3})
    out = {"first": validate(db), "again": validate(db)}
    add_round(db, R3, {"BTC": "121000", "HA_NOI": "85"}, {"BTC": 5, "HA_NOI": 9})
    with duckdb.connect(str(db), read_only=True) as con:
        out["frame_r3"] = new_batch_frame(con, load_suites(SUITES))
    out["third"] = validate(db)
    add_round(db, R3, {"BTC": "121"}, {}, tag="-v2")  # BTC corrects its third-round budget file
    out["corrected"] = validate(db)
    with duckdb.connect(str(db), read_only=True) as con:
        out["table"] = con.sql("SELECT batch_id, name, success FROM audit.gx_results").fetchall()
        out["current"] = current_results(con)
    out["db"] = db
    return out


def test_first_rounds_validate_each_batch_once_and_pass(steps):
    first = steps["first"]
    assert {r["batch_id"] for r in first} == {"budget_rounds@2025-03-31", "budget_rounds@2025-06-30",
                                               "task_rounds@2025-03-31", "task_rounds@2025-06-30"}
    assert failures(first) == set()
    # one result per batch and expectation of its suite (budget: 2, tasks: 2)
    assert len(first) == 8


def test_a_rerun_with_nothing_new_validates_nothing_and_keeps_earlier_results(steps):
    assert steps["again"] == []
    assert sum(1 for b, _, _ in steps["table"] if b.endswith(("03-31", "06-30"))) == 8


def test_the_new_round_alone_is_validated_and_the_jump_and_the_band_fail_for_their_agency(steps):
    third = steps["third"]
    assert {r["batch_id"] for r in third} == {"budget_rounds@2025-09-30", "task_rounds@2025-09-30"}
    assert failures(third) == {
        ("budget_rounds@2025-09-30", "budget_jump", ("BTC",)),
        ("task_rounds@2025-09-30", "task_share_out_of_band", ("HA_NOI",)),
    }
    jump = next(r for r in third if r["name"] == "budget_jump")
    assert (jump["element_count"], jump["unexpected_count"]) == (2, 1)  # BTC and HA_NOI approved amounts, BTC off
    [btc] = jump["unexpected"]
    assert (btc["measure"], btc["value"], btc["previous_value"], btc["previous_date"]) == (
        "approved_ty", Decimal("121000"), Decimal("121"), R2)
    assert btc["ratio_to_previous"] == pytest.approx(1000)
    assert (btc["submission_ids"], btc["file_names"]) == (["budget-BTC-2025-09-30"], ["budget-BTC-2025-09-30.csv"])
    [ha_noi] = next(r for r in third if r["name"] == "task_share_out_of_band")["unexpected"]
    assert (ha_noi["measure"], ha_noi["band_low"], ha_noi["band_high"]) == ("completion_share", Decimal("0.2"), Decimal("0.3"))
    assert ha_noi["band_excursion"] == pytest.approx(0.6)


def test_pandas_receives_only_the_new_rounds_rows(steps):
    frame = steps["frame_r3"]
    assert set(frame["reporting_date"]) == {R3}
    # per agency: approved_ty; task_count, completion_share, overdue_share (empty budget measures are dropped)
    assert frame.height == 2 * 4
    assert sorted(frame.filter(frame["measure"] == "task_count")["agency_code"]) == ["BTC", "HA_NOI"]


def test_a_corrected_resubmission_revalidates_only_its_batch_and_clears_the_failure(steps):
    corrected = steps["corrected"]
    assert {r["batch_id"] for r in corrected} == {"budget_rounds@2025-09-30"}
    assert failures(corrected) == set()
    current = steps["current"]
    assert current.filter(~current["success"]).select("batch_id", "name").rows() == [
        ("task_rounds@2025-09-30", "task_share_out_of_band")]
    # the failed validation of the first file stays on record
    assert ("budget_rounds@2025-09-30", "budget_jump", False) in steps["table"]


def test_data_docs_site_lists_the_validated_rounds(steps):
    index = docs_index(steps["db"].parent)
    assert index.is_file()
    page = index.read_text(encoding="utf-8")
    assert "budget_rounds@2025-09-30" in page and "task_rounds@2025-03-31" in page


@pytest.mark.parametrize(("field", "value"), [("suite", "task_rounds\n"), ("table", "marts.fct_task_status\n"),
                                              ("measure", "task_count\n"), ("suite", "task rounds")])
def test_suite_names_that_go_into_sql_are_whole_names(tmp_path, field, value):
    """Names become SQL aliases and table references: one with a trailing newline or a space is refused."""
    from pipelines.quality.gx_specs import SuiteError, load_suites

    suite = {"suite": "task_rounds", "table": "marts.fct_task_status", "agency": "reporting_agency_code",
             "date": "reporting_date", "measures": {"task_count": "count(*)"},
             "expectations": [{"name": "task_count_jump", "type": "expect_column_values_to_be_between",
                               "measures": ["task_count"], "kwargs": {"column": "ratio_to_previous", "min_value": 0.1, "max_value": 10}}]}
    (tmp_path / "ok.yml").write_text(yaml.safe_dump({"suites": [suite]}), encoding="utf-8")
    assert [s.suite for s in load_suites(tmp_path)] == ["task_rounds"]
    if field == "measure":
        suite["measures"] = {value: "count(*)"}
        suite["expectations"][0]["measures"] = [value]
    else:
        suite[field] = value
    (tmp_path / "ok.yml").write_text(yaml.safe_dump({"suites": [suite]}), encoding="utf-8")
    with pytest.raises(SuiteError):
        load_suites(tmp_path)
