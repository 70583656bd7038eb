"""Kind `consistent`: every figure of a group states one value (the same scope stated more than once):
the statement with the highest floor against the one with the lowest ceiling."""

from kind_case import Finding, fig, judge, rule

_KIND = "consistent"


def _scope(*figures: tuple[str, str, str, str]) -> list[tuple]:
    return [fig(id, value, low, high, group="SCOPE", metric="stated", subject="tasks at 30/09") for id, value, low, high in figures]


def test_success(tmp_path):
    figures = _scope(("GOV-1", "749", "749", "749"), ("BCD-1", "749", "749", "749"), ("BCD-2", "749", "749", "749"))
    assert judge(tmp_path, [rule("SCOPE-1", _KIND, bind="group", figures="stated")], figures) == []


def test_failure(tmp_path):
    figures = _scope(("GOV-1", "749", "749", "749"), ("BCD-1", "760", "760", "760"), ("BCD-2", "755", "755", "755"))
    assert judge(tmp_path, [rule("SCOPE-1", _KIND, bind="group", figures="stated")], figures) == [
        Finding("SCOPE-1", "tasks at 30/09", "760", "749", "11", "0")]


def test_honest_rounding_passes(tmp_path):
    # "21 nghìn tỷ" (20,500..21,500) and an exact 21,366
    figures = _scope(("GOV-1", "21000", "20500", "21500"), ("BCD-1", "21366", "21366", "21366"))
    assert judge(tmp_path, [rule("SCOPE-1", _KIND, bind="group", figures="stated")], figures) == []
