"""Kind `growth`: the stated result equals the growth of current over previous, in percent."""

import pytest

from kind_case import Finding, fails, fig, judge, passes, rule

FIGURES = [fig("Y2025", "1103"), fig("Y2024", "1000"), fig("GR10", "10", "9.5", "10.5"), fig("GR12", "12", "11.5", "12.5")]


@pytest.mark.parametrize(("roles", "expected"), [
    # 1103 / 1000 = +10.3 %, written "10%"
    passes("honest rounding", result="GR10", current="Y2025", previous="Y2024"),
    fails("+10.3% stated as 12%", Finding("GROWTH-1", "GR12", "[11.5, 12.5]", "10.3", "1.7", "0.5"),
          result="GR12", current="Y2025", previous="Y2024"),
])
def test_growth(tmp_path, roles, expected):
    assert judge(tmp_path, [rule("GROWTH-1", "growth", **roles)], FIGURES) == expected
