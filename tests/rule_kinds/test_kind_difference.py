"""Kind `difference`: the stated result equals minuend - subtrahend (intervals: the lowest minuend less the highest subtrahend, ...)."""

import pytest

from kind_case import Finding, fails, fig, judge, passes, rule

FIGURES = [fig("M100", "100"), fig("S30", "30"), fig("R70", "70"), fig("R60", "60"),
           fig("M21", "21", "20.5", "21.5"), fig("S14_9", "14.9", "14.85", "14.95"), fig("R6", "6", "5.5", "6.5")]


@pytest.mark.parametrize(("roles", "expected"), [
    passes("100 - 30 = 70", result="R70", minuend="M100", subtrahend="S30"),
    fails("100 - 30 = 60", Finding("DIFF-1", "R60", "60", "70", "-10", "0"), result="R60", minuend="M100", subtrahend="S30"),
    # "21" - "14,9" = 6.1, stated as "6": [5.55, 6.65] meets [5.5, 6.5]
    passes("honest rounding", result="R6", minuend="M21", subtrahend="S14_9"),
])
def test_difference(tmp_path, roles, expected):
    assert judge(tmp_path, [rule("DIFF-1", "difference", **roles)], FIGURES) == expected
