"""The two national reports as data: quotes verbatim, numbers parsed as written, every failing relation asserted."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipelines.ingest.contracts import load_contracts
from pipelines.ingest.parsing import number_columns, parse_submission

PROJECT = Path(__file__).resolve().parent.parent
DOCUMENTS = {"GOV_2025": "sources/reports/GOV_2025.txt", "BCD_2025": "sources/reports/BCD_2025.txt"}


def _figures(document):
    with open(PROJECT / "sources" / "published_figures" / f"{document}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("document", sorted(DOCUMENTS))
def test_every_quote_appears_verbatim_in_its_report(document):
    text = (PROJECT / DOCUMENTS[document]).read_text(encoding="utf-8")
    figures = _figures(document)
    assert len(figures) > 200
    missing = [f["figure_id"] for f in figures if f["quote"] not in text]
    assert missing == []
    assert [f["figure_id"] for f in figures if f["value_text"] not in f["quote"]] == []
    assert {f["document"] for f in figures} == {document}


@pytest.mark.parametrize("written, value, decimals, trailing_zeros", [
    ("16.716,074", "16716.074", 3, 0),   # GOV: proposed budget, tỷ đồng
    ("1.022", "1022", 0, 0),             # '.' groups thousands: one thousand and twenty-two
    ("4.100", "4100", 0, 2),             # "khoảng 4.100": precise to the hundred
    ("03", "3", 0, 0),
    ("1,5", "1.5", 1, 0),
    ("-1,02", "-1.02", 2, 0),            # a signed change in percentage points
    ("Sáu", "6", 0, 0),                  # "Sáu địa phương"
])
def test_report_numbers_parse_in_the_vietnamese_style(written, value, decimals, trailing_zeros):
    ok, columns = number_columns(pl.col("v"), "vi", "n")
    row = pl.DataFrame({"v": [written]}).select(ok.alias("ok"), *columns).row(0, named=True)
    assert row["ok"] and row["n"] == Decimal(value)
    assert (row["n_decimals"], row["n_trailing_zeros"]) == (decimals, trailing_zeros)


@pytest.mark.parametrize("written", ["16,716.074", "1.02.2", "1,5.3", "12a", "mười hai"])
def test_numbers_not_in_the_declared_style_are_refused(written):
    ok, _ = number_columns(pl.col("v"), "vi", "n")
    assert not pl.DataFrame({"v": [written]}).select(ok).item()


def test_a_figures_file_in_the_wrong_style_is_rejected_with_row_and_field():
    contract = load_contracts(PROJECT / "sources" / "contracts")["published_figures"]
    header = "figure_id,document,section,quote,metric,value_text,unit_text"
    data = f'{header}\nX-1,GOV_2025,I,"giao 326 nhiệm vụ",tasks,326,nhiệm vụ\nX-2,GOV_2025,I,"16,716.074 tỷ",budget,"16,716.074",tỷ đồng\n'
    result = parse_submission(data.encode(), "csv", contract, {"document": {"GOV_2025"}})
    assert [(p["row"], p["field"], p["reason"]) for p in result.problems.to_dicts()] == [
        (3, "value_text", "not a number in the declared style 'vi'")]


# Figure, as written -> value in the base unit and the interval its precision allows (worked by hand).
INTERVALS = {
    "GOV-F205": ("16.716,074 tỷ đồng", "tỷ đồng", "16716.074", "16716.0735", "16716.0745"),  # exact to the million
    "BCD-F206": ("21 nghìn tỷ đồng", "tỷ đồng", "21000", "20500", "21500"),                 # 21 ± 0.5 nghìn tỷ
    "BCD-F258": ("563,2 triệu đồng", "tỷ đồng", "0.5632", "0.56315", "0.56325"),
    "BCD-F008": ("95 %", "%", "95", "94.5", "95.5"),
    "BCD-F051": ("4.100 tỷ đồng", "tỷ đồng", "4100", "4050", "4150"),                      # "khoảng": last non-zero digit
    "BCD-F046": ("21 CSDL", "CSDL", "21", "21", "21"),                                     # a count is exact
}


def test_figures_carry_the_interval_their_writing_allows(warehouse):
    rows = {r[0]: r[1:] for r in warehouse.execute(
        "SELECT figure_id, value_text || ' ' || unit_text, base_unit, value, low, high "
        "FROM marts.fct_published_figure WHERE figure_id IN ({})".format(", ".join(f"'{k}'" for k in INTERVALS))).fetchall()}
    for figure_id, (written, unit, value, low, high) in INTERVALS.items():
        got = rows[figure_id]
        assert (got[0], got[1]) == (written, unit), figure_id
        assert (got[2], got[3], got[4]) == (Decimal(value), Decimal(low), Decimal(high)), figure_id
    open_top = warehouse.execute(
        "SELECT low, high FROM marts.fct_published_figure WHERE figure_id = 'GOV-F190'").fetchall()  # "Hơn 70"
    assert open_top == [(Decimal(70), None)]  # no ceiling: NULL, not a sentinel number
    assert warehouse.execute("SELECT count(*) FROM marts.fct_published_figure").fetchall()[0][0] == \
        len(_figures("GOV_2025")) + len(_figures("BCD_2025"))


# Every relation between the reports' figures that fails, with the arithmetic done by hand:
# rule -> (severity, stated, computed, difference)
REPORT_FINDINGS = {
    # conclusion-notice tasks: 143 recurring + 326 done + 226 on time + 65 overdue = 760, not 749
    "GOV-R006": ("error", "749", "760", "-11"),
    # "Hơn 70" agreements against 28 + 28 + 13 = 69 (the Americas are not listed: a warning)
    "GOV-R072": ("warning", "[70, +∞]", "69", "1"),
    # 3.056,082 pending = 1.185,735 + 1.870,345 = 3.056,080: 2 million đồng apart, beyond rounding to the million
    "GOV-R085": ("error", "[3056.0815, 3056.0825]", "[3056.079, 3056.081]", "0.002"),
    # 5.442,474 - 4.256,737 = 1.185,737 but the text says 1.185,735
    "GOV-R086": ("error", "[1185.7345, 1185.7355]", "[1185.736, 1185.738]", "-0.002"),
    # the same amount written 1.185,735 and 1.185,737
    "GOV-R088": ("error", "[1185.7345, 1185.7355]", "[1185.7365, 1185.7375]", "-0.002"),
    # 1.182,414 transferred against the 1.185,737 needed (different things, so a warning)
    "GOV-R090": ("warning", "[1182.4135, 1182.4145]", "[1185.7365, 1185.7375]", "-3.323"),
    # "khoảng 4.100" savings against 4.184
    "BCD-R017": ("warning", "[4050, 4150]", "[4183.5, 4184.5]", "-84"),
    "BCD-R034": ("warning", "51000", "51984", "-984"),
    "BCD-R035": ("warning", "52455", "51984", "471"),
    "BCD-R036": ("warning", "1378", "1352", "26"),
    # university labs by source of funds: 137 + 3 + 43 + 3 = 186, not 184
    "BCD-R043": ("error", "184", "186", "-2"),
    # under review 1.180 against 16.716 - 15.530 = 1.186
    "BCD-R077": ("warning", "[1179.5, 1180.5]", "[1185, 1187]", "-6"),
    # disbursed 16.719 against 11,7 + 67,3 + 130,3 + 10.945 + 5.565 + 31,1 = 16.750,4
    "BCD-R085": ("error", "[16718.5, 16719.5]", "[16749.2, 16751.6]", "-31.4"),
    # FDI share 60,1% against 274 / 460 = 59,57%
    "BCD-R101": ("error", "[60.05, 60.15]", "[59.391965255, 59.738846572]", "0.534782609"),
}

# The same scope stated twice (across the two reports or within one): metric, stated, other statement.
RESTATEMENTS = {
    ("budget_allocated", "[15529.5, 15530.5]", "[13659.9915, 13659.9925]"),   # PM-approved: 15.530 (BCD) vs 13.659,992 (GOV)
    ("budget_allocated", "[11273.5, 11274.5]", "[9403.2545, 9403.2555]"),     # approved investment: 11.274 vs 9.403,255
    ("budget_allocated", "[1185.7365, 1185.7375]", "[1185.7345, 1185.7355]"), # 1.185,737 vs 1.185,735
    ("cost_savings", "[4183.5, 4184.5]", "[4050, 4150]"),
    ("databases_count", "32", "31"),
    ("databases_count", "58", "36"),
    ("enterprises_count", "51984", "51000"),
    ("digital_economy_gdp_share_pct", "[18.715, 18.725]", "[13.85, 13.95]"),
}


def test_report_relations_that_fail_are_exactly_these(warehouse):
    rows = warehouse.execute(
        "SELECT rule_id, severity, actual_value, expected_value, difference FROM audit.dq_findings "
        "WHERE rule_file LIKE 'report_%'").fetchall()
    assert {r[0]: r[1:] for r in rows} == REPORT_FINDINGS
    assert len(rows) == len(REPORT_FINDINGS)


def test_restatements_and_plausibility_flags(warehouse):
    restated = warehouse.execute(
        "SELECT split_part(subject, ' ', 1), actual_value, expected_value, severity FROM audit.dq_findings "
        "WHERE rule_id LIKE 'PF-SAME-SCOPE%'").fetchall()
    assert {r[:3] for r in restated} == RESTATEMENTS and len(restated) == len(RESTATEMENTS)
    assert {r[3] for r in restated} == {"warning"}
    plausibility = warehouse.execute(
        "SELECT rule_id, subject FROM audit.dq_findings WHERE category = 'plausibility'").fetchall()
    assert plausibility == [("PF-UNIT-PLAUSIBILITY", "BCD-F258")]  # 563,2 triệu among amounts in tỷ
    assert warehouse.execute("SELECT count(*) FROM audit.dq_findings WHERE rule_id = 'PF-QUOTE-VERBATIM'").fetchall() == [(0,)]


def test_an_auditor_can_verify_a_finding_without_the_texts(warehouse):
    import json

    message, evidence = warehouse.execute(
        "SELECT message, evidence FROM audit.dq_findings WHERE rule_id = 'GOV-R006'").fetchall()[0]
    assert "749" in message and "760" in message
    items = json.loads(evidence)
    total = [Decimal(str(i["value"])) for i in items if i["role"] == "total"]
    parts = [Decimal(str(i["value"])) for i in items if i["role"] == "parts"]
    assert total == [749] and sorted(parts) == [65, 143, 226, 326]
    text = (PROJECT / DOCUMENTS["GOV_2025"]).read_text(encoding="utf-8")
    assert all(i["quote"] in text and i["document"] == "GOV_2025" and i["location"] for i in items)
