"""The rule engine's verdicts: intervals from written precision, so rounding passes and real mismatches fail."""

from __future__ import annotations

import textwrap

import duckdb
import pytest

from pipelines.quality.engine import evaluate
from pipelines.quality.rules import RuleCatalogueError, load_catalogue

FIGURES = [
    # id, value, low, high (the interval the written precision allows)
    ("F21K", "21000", "20500", "21500"),          # "21 nghìn tỷ" in tỷ
    ("F14_9", "14900", "14850", "14950"),         # "14,9 nghìn tỷ"
    ("F5_85", "5850", "5845", "5855"),            # "5,85 nghìn tỷ"
    ("T749", "749", "749", "749"),                # counts are exact
    ("P143", "143", "143", "143"), ("P326", "326", "326", "326"), ("P226", "226", "226", "226"), ("P65", "65", "65", "65"),
    ("U3056_082", "3056.082", "3056.0815", "3056.0825"),  # "3.056,082 tỷ": exact to the million
    ("U1185_735", "1185.735", "1185.7345", "1185.7355"),
    ("U1870_345", "1870.345", "1870.3445", "1870.3455"),
    ("PCT95", "95", "94.5", "95.5"),              # "95%"
    ("N1227", "1227", "1227", "1227"), ("D1298", "1298", "1298", "1298"),
    ("PCT96", "96", "95.5", "96.5"),
    ("G2025", "110", "110", "110"), ("G2024", "100", "100", "100"), ("GR10", "10", "9.5", "10.5"), ("GR12", "12", "11.5", "12.5"),
    ("PCT120", "120", "119.5", "120.5"),
    ("MORE1000", "1000", "1000", None),           # "hơn 1.000": an open upper bound (NULL, as the marts hold it)
]

RULES = """
figure_sources:
  - id: published
    from: test_figures
    figure_id: id
    group_key: id
    document: "'TEST'"
    location: "'§1'"
    quote: "'quote ' || id"
    metrics: {value: value}
    low: low
    high: high
rules:
  - {id: ROUNDING-PASSES, label: 14.9 + 5.85 = 21 within rounding, label_vi: "nhãn", severity: error, kind: sum, bind: id, total: F21K, parts: [F14_9, F5_85]}
  - {id: EXACT-MISMATCH, label: 143+326+226+65 = 749, label_vi: "nhãn", severity: error, kind: sum, bind: id, total: T749, parts: [P143, P326, P226, P65]}
  - {id: ONE-SIDE-TOLERANCE, label: 3056.082 = 1185.735 + 1870.345, label_vi: "nhãn", severity: error, kind: sum, bind: id, total: U3056_082, parts: [U1185_735, U1870_345]}
  - {id: SHARE-PASSES, label: 95% = 1227/1298, label_vi: "nhãn", severity: error, kind: ratio, bind: id, result: PCT95, numerator: N1227, denominator: D1298, scale: 100}
  - {id: SHARE-FAILS, label: 96% = 1227/1298, label_vi: "nhãn", severity: error, kind: ratio, bind: id, result: PCT96, numerator: N1227, denominator: D1298, scale: 100}
  - {id: GROWTH-PASSES, label: 10% growth, label_vi: "nhãn", severity: error, kind: growth, bind: id, result: GR10, current: G2025, previous: G2024}
  - {id: GROWTH-FAILS, label: 12% growth, label_vi: "nhãn", severity: error, kind: growth, bind: id, result: GR12, current: G2025, previous: G2024}
  - {id: DIFF-PASSES, label: 21 - 14.9 = 5.85 within rounding, label_vi: "nhãn", severity: error, kind: difference, bind: id, result: F5_85, minuend: F21K, subtrahend: F14_9}
  - {id: DIFF-FAILS, label: 3056.082 - 1870.345 = 1185.735, label_vi: "nhãn", severity: error, kind: difference, bind: id, result: U1185_735, minuend: U3056_082, subtrahend: U1870_345}
  - {id: BOUNDS-FAILS, label: share within 0..100, label_vi: "nhãn", severity: error, kind: percent_bounds, bind: id, figure: PCT120}
  - {id: PART-LE-WHOLE, label: part <= whole, label_vi: "nhãn", severity: error, kind: part_le_whole, bind: id, part: P326, whole: T749}
  - {id: OPEN-BOUND-PASSES, label: "hơn 1.000 = 749 + 326", label_vi: "nhãn", severity: warning, why_warning: parts may be incomplete, why_warning_vi: các phần có thể chưa đủ, kind: sum, bind: id, total: MORE1000, parts: [T749, P326]}
  - {id: RESTATED, label: same figure twice, label_vi: "nhãn", severity: error, kind: equal, bind: id, figures: [T749, P326, T749]}
"""


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    rules_dir = tmp_path_factory.mktemp("rules")
    (rules_dir / "test.yml").write_text(textwrap.dedent(RULES), encoding="utf-8")
    con = duckdb.connect()
    con.execute("CREATE TABLE test_figures (id VARCHAR, value DECIMAL(38,9), low DECIMAL(38,9), high DECIMAL(38,9))")
    con.executemany("INSERT INTO test_figures VALUES (?, ?, ?, ?)", FIGURES)
    evaluate(con, load_catalogue(rules_dir))
    rows = con.execute(
        "SELECT rule_id, actual_value, expected_value, difference, tolerance, evidence FROM audit.dq_findings").fetchall()
    con.close()
    return {r[0]: r[1:] for r in rows if r[0] != "RESTATED"} | {
        "RESTATED": [r[1:] for r in rows if r[0] == "RESTATED"]}


def test_a_relation_that_holds_only_within_rounding_passes(findings):
    for rule in ("ROUNDING-PASSES", "SHARE-PASSES", "GROWTH-PASSES", "DIFF-PASSES", "PART-LE-WHOLE", "OPEN-BOUND-PASSES"):
        assert rule not in findings


def test_an_exact_mismatch_fails_with_zero_tolerance(findings):
    actual, expected, difference, tolerance, _ = findings["EXACT-MISMATCH"]
    assert (actual, expected, difference, tolerance) == ("749", "760", "-11", "0")


def test_a_mismatch_within_the_tolerance_of_one_side_only_fails(findings):
    # 1185.735 + 1870.345 = 3056.080; 3056.082 is 0.002 away, beyond the 0.0005 + 0.001 both sides allow
    actual, expected, difference, tolerance, evidence = findings["ONE-SIDE-TOLERANCE"]
    assert (actual, expected, difference, tolerance) == ("[3056.0815, 3056.0825]", "[3056.079, 3056.081]", "0.002", "0.0015")
    assert "quote U1185_735" in evidence


def test_derived_figures_fail_outside_their_precision(findings):
    assert findings["SHARE-FAILS"][0] == "[95.5, 96.5]"  # 1227/1298 = 94.53%, outside 95.5..96.5
    assert findings["GROWTH-FAILS"][0] == "[11.5, 12.5]"  # 110/100 - 1 = 10%
    assert findings["BOUNDS-FAILS"][0] == "[119.5, 120.5]"
    # 3056.082 - 1870.345 = 1185.737 (± 0.001) against 1185.735 (± 0.0005)
    assert findings["DIFF-FAILS"][1:4] == ("[1185.736, 1185.738]", "-0.002", "0.0015")


def test_a_figure_restated_differently_fails_once_per_disagreeing_statement(findings):
    assert [(a, e) for a, e, *_ in findings["RESTATED"]] == [("749", "326")]


def test_a_catalogue_typo_fails_with_the_rule_id(tmp_path):
    (tmp_path / "bad.yml").write_text("rules:\n  - {id: X-1, label: x, label_vi: nhãn, severity: error, kind: sum, total: a}\n")
    with pytest.raises(RuleCatalogueError, match="X-1: kind sum needs parts"):
        load_catalogue(tmp_path)
