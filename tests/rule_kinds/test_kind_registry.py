"""The registry is the one place a kind is declared: a kind registered here, in the test only, is
validated and evaluated like the shipped ones; ids are checked against their patterns on load."""

import re
from pathlib import Path

import pytest

from kind_case import Finding, fig, judge, rule
from pipelines.quality import kinds
from pipelines.quality.kinds import RelationKind, role_side
from pipelines.quality.rules import RuleCatalogueError, load_catalogue

PROJECT = Path(__file__).resolve().parents[2]

# result >= threshold: fails only when even the highest value the result's writing allows is below the threshold
AT_LEAST = RelationKind("at_least", frozenset({"result", "threshold"}), "result", role_side("result"),
                        role_side("threshold"), fails="a_hi < e_lo")
FIGURES = [fig("THRESHOLD", "90.2"), fig("HIGH", "95"), fig("LOW", "80"), fig("PCT90", "90", "89.5", "90.5")]


@pytest.fixture
def at_least(monkeypatch):
    monkeypatch.setattr(kinds, "KINDS", dict(kinds.KINDS))  # the shipped registry is given back after the test
    kinds.register(AT_LEAST)


def test_a_kind_registered_in_one_place_is_validated_and_evaluated(tmp_path, at_least):
    rules = [rule("AL-HIGH", "at_least", result="HIGH", threshold="THRESHOLD"),
             rule("AL-LOW", "at_least", result="LOW", threshold="THRESHOLD"),
             rule("AL-ROUNDED", "at_least", result="PCT90", threshold="THRESHOLD")]  # "90%" may be 90.4
    assert judge(tmp_path, rules, FIGURES) == [Finding("AL-LOW", "LOW", "80", "90.2", "-10.2", "0")]
    with pytest.raises(RuleCatalogueError, match="rule AL-1: kind at_least needs threshold"):
        judge(tmp_path, [rule("AL-1", "at_least", result="HIGH")], FIGURES)


def test_an_unregistered_kind_is_refused(tmp_path):
    with pytest.raises(RuleCatalogueError, match="rule AL-LOW: unknown kind 'at_least'"):
        judge(tmp_path, [rule("AL-LOW", "at_least", result="LOW", threshold="THRESHOLD")], FIGURES)


def test_a_kind_is_registered_once_with_names_that_are_safe_in_sql(monkeypatch):
    monkeypatch.setattr(kinds, "KINDS", dict(kinds.KINDS))
    with pytest.raises(ValueError, match="kind sum registered twice"):
        kinds.register(kinds.KINDS["sum"])
    bad = RelationKind("at_most", frozenset({"result", "limit'; --"}), "result", role_side("result"), role_side("limit"))
    with pytest.raises(ValueError, match="kind at_most: names must match"):
        kinds.register(bad)
    assert "at_most" not in kinds.KINDS


@pytest.mark.parametrize(("rule_id", "source_id", "error"), [
    ("X'); DROP TABLE audit.dq_rules; --", "given", "rule \"X'\\); DROP TABLE audit.dq_rules; --\": id must match"),
    ("ts-total-sum", "given", "rule 'ts-total-sum': id must match"),
    ("TS-TOTAL-SUM\n", "given", "id must match"),
    ("TS-TOTAL-SUM", "given figures", "figure source 'given figures': id must match"),
])
def test_ids_outside_their_pattern_are_refused(tmp_path, rule_id, source_id, error):
    rules = f"""
figure_sources:
  - {{id: {source_id!r}, from: t, group_key: g, document: d, location: l, metrics: {{v: v}}}}
rules:
  - {{id: {rule_id!r}, label: x, label_vi: "nhãn", severity: error, kind: sum, total: a, parts: [b]}}
"""
    (tmp_path / "bad.yml").write_text(rules, encoding="utf-8")
    with pytest.raises(RuleCatalogueError, match=error):
        load_catalogue(tmp_path)


def test_every_shipped_id_fits_its_pattern():
    catalogue = load_catalogue(PROJECT / "expectations" / "rules")
    assert len(catalogue.rules) == 291 and len(catalogue.sources) == 27


def test_the_validator_and_the_engine_branch_on_no_kind():
    # `kind == "sum"`, `raw["kind"] == "row_check"`, `kind in ("ratio", ...)`, SQL `kind = 'percent_bounds'`
    # (all found in the code before the registry): what a kind does belongs in kinds.py
    branch = re.compile(r"kind(?:[\"']\])?\s*(?:==|!=|=|\bin\b)\s*[(\[\"']")
    for module in ("rules.py", "engine.py"):
        text = (PROJECT / "pipelines" / "quality" / module).read_text(encoding="utf-8")
        assert branch.findall(text) == [], module
