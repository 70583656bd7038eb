"""Kind `equal`: a stated figure equals another (one pair, several `pairs`, or one value stated by several `figures`)."""

import pytest

from kind_case import Finding, fails, fig, judge, passes, rule
from pipelines.quality.rules import RuleCatalogueError

FIGURES = [fig("A749", "749"), fig("B749", "749"), fig("C760", "760"),
           fig("D5_9", "5.9", "5.85", "5.95"), fig("E5_912", "5.912")]


@pytest.mark.parametrize(("roles", "expected"), [
    passes("749 = 749", actual="A749", expected="B749"),
    fails("749 = 760", Finding("EQ-1", "A749", "749", "760", "-11", "0"), actual="A749", expected="C760"),
    # "5,9" (5.85..5.95) against an exact 5.912
    passes("honest rounding", actual="D5_9", expected="E5_912"),
    fails("each pair on its own", Finding("EQ-1", "C760", "760", "749", "11", "0"),
          pairs=[{"actual": "A749", "expected": "B749"}, {"actual": "C760", "expected": "A749"}]),
])
def test_equal(tmp_path, roles, expected):
    assert judge(tmp_path, [rule("EQ-1", "equal", **roles)], FIGURES) == expected


def test_an_equal_without_a_form_is_refused(tmp_path):
    with pytest.raises(RuleCatalogueError, match="rule EQ-1: equal needs actual\\+expected, pairs or figures"):
        judge(tmp_path, [rule("EQ-1", "equal", actual="A749")], FIGURES)
