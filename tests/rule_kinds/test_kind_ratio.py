"""Kind `ratio`: the stated result equals numerator / denominator × scale (100, a percentage, unless the rule gives one)."""

import pytest

from kind_case import Finding, fails, fig, judge, passes, rule

FIGURES = [fig("N3", "3"), fig("D8", "8"), fig("PCT38", "38", "37.5", "38.5"), fig("PCT40", "40", "39.5", "40.5"),
           fig("FRAC", "0.375", "0.3745", "0.3755")]


@pytest.mark.parametrize(("roles", "expected"), [
    # 3 / 8 = 37.5 %, written "38%" (37.5..38.5): at the edge of its rounding, still the same figure
    passes("honest rounding", result="PCT38", numerator="N3", denominator="D8"),
    fails("3/8 stated as 40%", Finding("SHARE-1", "PCT40", "[39.5, 40.5]", "37.5", "2.5", "0.5"),
          result="PCT40", numerator="N3", denominator="D8"),
    passes("scale 1", result="FRAC", numerator="N3", denominator="D8", scale=1),
    fails("scale 1, a percentage stated", Finding("SHARE-1", "PCT38", "[37.5, 38.5]", "0.375", "37.625", "0.5"),
          result="PCT38", numerator="N3", denominator="D8", scale=1),
])
def test_ratio(tmp_path, roles, expected):
    assert judge(tmp_path, [rule("SHARE-1", "ratio", **roles)], FIGURES) == expected
