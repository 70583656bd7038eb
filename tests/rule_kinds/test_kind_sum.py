"""Kind `sum`: the stated total equals the sum of its parts, within the precision each was written with."""

from kind_case import Finding, fig, judge, rule

_KIND = "sum"


def _by_group(**keys) -> dict:
    return rule("BUD-TOTAL", _KIND, bind="group", total="total", parts=["a", "b"], **keys)


def _group(name: str, total: str, *parts: str) -> list[tuple]:
    return [fig(f"{name}.total", total, group=name, metric="total")] + [
        fig(f"{name}.{metric}", value, group=name, metric=metric) for metric, value in zip(("a", "b"), parts)]


def test_success(tmp_path):
    assert judge(tmp_path, [_by_group()], _group("G1", "10", "4", "6")) == []


def test_failure(tmp_path):
    assert judge(tmp_path, [_by_group()], _group("G1", "10", "4", "5")) == [
        Finding("BUD-TOTAL", "G1.total", "10", "9", "1", "0")]


def test_honest_rounding_passes(tmp_path):
    # 4.4 + 6.3 = 10.7, written as a total of "11" (10.5..11.5): the parts' [10.6, 10.8] meets it
    figures = [fig("T11", "11", "10.5", "11.5"), fig("A4_4", "4.4", "4.35", "4.45"), fig("B6_3", "6.3", "6.25", "6.35")]
    assert judge(tmp_path, [rule("R-SUM", _KIND, total="T11", parts=["A4_4", "B6_3"])], figures) == []


def test_an_absent_part_skips_the_group_unless_counted_as_zero(tmp_path):
    figures = _group("G1", "7", "5")  # no figure for b
    assert judge(tmp_path, [_by_group()], figures) == []
    assert judge(tmp_path, [_by_group(missing="zero")], figures) == [Finding("BUD-TOTAL", "G1.total", "7", "5", "2", "0")]
