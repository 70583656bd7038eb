"""Kind `complement`: the stated result equals scale - figure (the share not done, from the share done).
A finding is about the stated result: its subject is the result's, not the figure's."""

import pytest

from kind_case import Finding, fails, fig, judge, passes, rule

FIGURES = [fig("DONE", "96.3", "96.25", "96.35", subject="tasks done"),
           fig("LEFT3_7", "3.7", "3.65", "3.75"), fig("LEFT4", "4", "3.5", "4.5"), fig("LEFT4_7", "4.7", "4.65", "4.75")]


@pytest.mark.parametrize(("roles", "expected"), [
    passes("100 - 96.3 = 3.7", result="LEFT3_7", figure="DONE"),
    fails("100 - 96.3 stated as 4.7", Finding("LEFT-1", "LEFT4_7", "[4.65, 4.75]", "[3.65, 3.75]", "1", "0.1"),
          result="LEFT4_7", figure="DONE"),
    passes("honest rounding: 3.7 written 4%", result="LEFT4", figure="DONE"),
])
def test_complement(tmp_path, roles, expected):
    assert judge(tmp_path, [rule("LEFT-1", "complement", **roles)], FIGURES) == expected
