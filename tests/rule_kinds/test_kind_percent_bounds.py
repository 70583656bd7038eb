"""Kind `percent_bounds`: a share lies within 0..100; the range is not a rounded figure, so no tolerance is stated."""

import pytest

from kind_case import Finding, fails, fig, judge, passes, rule

FIGURES = [fig("PCT100", "100", "99.5", "100.5"), fig("PCT100_4", "100.4", "100.35", "100.45"), fig("NEG", "-1")]


@pytest.mark.parametrize(("roles", "expected"), [
    # "100%" may be 100.4 rounded down: within 0..100 as written
    passes("honest rounding", figure="PCT100"),
    fails("above 100", Finding("PB-1", "PCT100_4", "[100.35, 100.45]", "[0, 100]", None, None), figure="PCT100_4"),
    fails("below 0", Finding("PB-1", "NEG", "-1", "[0, 100]", None, None), figure="NEG"),
])
def test_percent_bounds(tmp_path, roles, expected):
    assert judge(tmp_path, [rule("PB-1", "percent_bounds", **roles)], FIGURES) == expected
