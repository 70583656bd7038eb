"""Kind `part_le_whole`: a part is not larger than its whole (only a part too large fails, not one too small)."""

import pytest

from kind_case import Finding, fails, fig, judge, passes, rule

FIGURES = [fig("WHOLE", "749"), fig("PART", "326"), fig("TOO_BIG", "800"),
           fig("W21", "21", "20.5", "21.5"), fig("P21_4", "21.4", "21.35", "21.45")]


@pytest.mark.parametrize(("roles", "expected"), [
    passes("326 of 749", part="PART", whole="WHOLE"),
    fails("800 of 749", Finding("PLW-1", "TOO_BIG", "800", "749", "51", "0"), part="TOO_BIG", whole="WHOLE"),
    # 21.4 of a whole written 21 (20.5..21.5): larger as written, not beyond rounding
    passes("honest rounding", part="P21_4", whole="W21"),
])
def test_part_le_whole(tmp_path, roles, expected):
    assert judge(tmp_path, [rule("PLW-1", "part_le_whole", **roles)], FIGURES) == expected
