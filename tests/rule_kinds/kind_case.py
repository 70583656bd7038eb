"""The shared helper of the rule-kind tests (one file per kind, a passing and a failing case each).

`judge(tmp_path, rules, figures, setup=...)` writes the rules into a temporary catalogue whose one figure
source reads a small DuckDB table of hand-written figures, evaluates it with the engine and
returns the findings as (rule, subject, actual, expected, difference, tolerance), sorted.
A figure's subject is its id unless given, so a finding shows which figure gave it its subject.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import duckdb
import pytest
import yaml

from pipelines.quality.engine import evaluate
from pipelines.quality.rules import load_catalogue

SOURCE = {
    "id": "given",
    "from": "given_figures",
    "figure_id": "id",
    "group_key": "grp",
    "metric": "metric",
    "subject": "subject",
    "document": "'TEST'",
    "location": "'§ ' || id",
    "unit": "unit",
    "metrics": {"value": "value"},
    "low": "low",
    "high": "high",
}


class Finding(NamedTuple):
    rule: str
    subject: str | None
    actual: str | None
    expected: str | None
    difference: str | None
    tolerance: str | None


def fig(id: str, value: str, low: str | None = None, high: str | None = None, *, group: str | None = None,
        metric: str = "value", subject: str | None = None, unit: str | None = None) -> tuple:
    """A figure as written: exact unless its interval [low, high] is given; its own group unless named."""
    return (id, group or id, metric, subject or id, unit, value, low or value, high or value)


def rule(id: str, kind: str, bind: str = "id", **keys) -> dict:
    """A rule of the catalogue (an error unless `severity` is given)."""
    return {"id": id, "label": id.lower(), "label_vi": "nhãn " + id.lower(), "severity": "error", "kind": kind, "bind": bind, **keys}


def findings(tmp_path: Path, rules: list[dict], figures: list[tuple] = (), setup: str = "",
             query: str = "SELECT * FROM audit.dq_findings ORDER BY ALL") -> list[tuple]:
    """Evaluate the rules over the figures (and whatever `setup` creates); the rows `query` reads afterwards."""
    (tmp_path / "kind.yml").write_text(yaml.safe_dump({"figure_sources": [SOURCE], "rules": rules}), encoding="utf-8")
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE given_figures (id VARCHAR, grp VARCHAR, metric VARCHAR, subject VARCHAR, unit VARCHAR, "
                    "value DECIMAL(38,9), low DECIMAL(38,9), high DECIMAL(38,9))")
        if figures:
            con.executemany("INSERT INTO given_figures VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(figures))
        if setup:
            con.execute(setup)
        evaluate(con, load_catalogue(tmp_path))
        return con.execute(query).fetchall()
    finally:
        con.close()


def judge(tmp_path: Path, rules: list[dict], figures: list[tuple] = (), setup: str = "") -> list[Finding]:
    return [Finding(*row) for row in findings(
        tmp_path, rules, figures, setup, "SELECT rule_id, subject, actual_value, expected_value, difference, tolerance "
                                         "FROM audit.dq_findings ORDER BY ALL")]


def passes(why: str, **keys):
    """A case in which the rule (keys: its roles) gives no finding."""
    return pytest.param(keys, [], id=f"passes: {why}")


def fails(why: str, *expected: Finding, **keys):
    """A case in which the rule gives exactly the expected findings."""
    return pytest.param(keys, list(expected), id=f"fails: {why}")
