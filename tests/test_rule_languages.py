"""Every rule speaks Vietnamese beside English: the catalogue refuses a rule without it, and each finding's
message is written in its language's number style (Vietnamese 1.234,5; English 1,234.5)."""

from __future__ import annotations

import re
import textwrap
import unicodedata
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.quality.engine import PLACEHOLDERS, evaluate
from pipelines.quality.rules import RuleCatalogueError, load_catalogue

RULES_DIR = Path(__file__).resolve().parents[1] / "expectations" / "rules"

SOURCE = """
figure_sources:
  - id: amounts
    from: amounts
    figure_id: id
    group_key: id
    document: "'F.csv'"
    location: "'row ' || id"
    metrics: {value: value}
    low: low
    high: high
    unit: "'tỷ đồng'"
"""


def _catalogue(tmp_path: Path, rules: str) -> Path:
    (tmp_path / "rules.yml").write_text(textwrap.dedent(SOURCE) + "rules:\n" + textwrap.dedent(rules), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("rule", "refusal"), [
    ("{id: R-1, label: total, severity: error, kind: sum, bind: id, total: T, parts: [P]}",
     "rules.yml: rule R-1: missing 'label_vi' (every rule needs it)"),
    ("{id: R-1, label: total, label_vi: '  ', severity: error, kind: sum, bind: id, total: T, parts: [P]}",
     "rules.yml: rule R-1: missing 'label_vi' (every rule needs it)"),
    ("{id: R-1, label: total, label_vi: tổng, message: '{subject} off', severity: error, kind: sum, bind: id, total: T, parts: [P]}",
     "rules.yml: rule R-1: missing 'message_vi' (a rule with 'message' needs it)"),
    ("{id: R-1, label: total, label_vi: tổng, severity: warning, why_warning: maybe, kind: sum, bind: id, total: T, parts: [P]}",
     "rules.yml: rule R-1: missing 'why_warning_vi' (a rule with 'why_warning' needs it)"),
    ("{id: R-1, label: total, label_vi: [tổng], severity: error, kind: sum, bind: id, total: T, parts: [P]}",
     "rules.yml: rule R-1: 'label_vi' must be text"),
])
def test_a_rule_without_its_vietnamese_is_refused_naming_file_rule_and_key(tmp_path, rule, refusal):
    with pytest.raises(RuleCatalogueError) as raised:
        load_catalogue(_catalogue(tmp_path, f"  - {rule}\n"))
    assert str(raised.value) == refusal


def _findings(tmp_path: Path, rules: str, amounts: list[tuple], rows: list[tuple] = ()) -> dict[str, tuple]:
    con = duckdb.connect()
    con.execute("CREATE TABLE amounts (id VARCHAR, value DECIMAL(38,9), low DECIMAL(38,9), high DECIMAL(38,9))")
    con.executemany("INSERT INTO amounts VALUES (?, ?, ?, ?)", amounts)
    con.execute("CREATE TABLE checked (id INTEGER, days INTEGER, note VARCHAR)")
    if rows:
        con.executemany("INSERT INTO checked VALUES (?, ?, ?)", rows)
    evaluate(con, load_catalogue(_catalogue(tmp_path, rules)))
    found = con.execute("SELECT rule_id || coalesce('/' || subject, ''), rule_label, rule_label_vi, message, message_vi, "
                        "why_warning, why_warning_vi, actual_value, difference FROM audit.dq_findings").fetchall()
    con.close()
    return {f[0]: f[1:] for f in found}


def test_the_default_vietnamese_message_is_the_label_and_its_kinds_tail_in_vietnamese_style(tmp_path):
    # 12.345,5 written to the tenth (±0,05) against 1.000,25 + 2.000 stated exactly
    found = _findings(tmp_path, """
  - {id: SUM-1, label: total equals its parts, label_vi: tổng bằng các phần, severity: error, kind: sum, bind: id,
     total: T, parts: [P1, P2]}
""", [("T", "12345.5", "12345.45", "12345.55"), ("P1", "1000.25", "1000.25", "1000.25"), ("P2", "2000", "2000", "2000")])
    label, label_vi, message, message_vi, why, why_vi, actual, difference = found["SUM-1"]
    assert (label, label_vi) == ("total equals its parts", "tổng bằng các phần")
    assert message_vi == ("tổng bằng các phần: số báo cáo [12.345,45; 12.345,55]; số tính được 3.000,25 tỷ đồng "
                          "(chênh lệch 9.345,25; làm tròn cho phép 0,05)")
    assert message == ("total equals its parts: stated [12,345.45, 12,345.55], computed 3,000.25 tỷ đồng "
                       "(difference 9,345.25; rounding allows 0.05)")
    # no why_warning: none in either language; the data columns keep the plain form
    assert (why, why_vi) == (None, None)
    assert (actual, difference) == ("[12345.45, 12345.55]", "9345.25")


def test_a_given_message_fills_numbers_in_each_languages_style(tmp_path):
    found = _findings(tmp_path, """
  - id: LE-1
    label: part not above whole
    label_vi: phần không lớn hơn tổng thể
    severity: warning
    why_warning: the whole may be older
    why_warning_vi: tổng thể có thể là số cũ hơn
    kind: part_le_whole
    bind: id
    part: P
    whole: W
    message: "part {actual} {unit} above whole {expected} (difference {difference})"
    message_vi: "phần {actual} {unit} lớn hơn tổng thể {expected} (chênh lệch {difference})"
  - id: ROW-1
    label: a late row
    label_vi: dòng trễ hạn
    severity: error
    kind: row_check
    from: checked
    where: "true"
    agency: "'AG'"
    subject: "'row ' || id"
    expected: "'on time'"
    actual: note
    difference: days
    document: "'F.csv'"
    location: "'row ' || id"
    message: "{subject}: {actual}, {difference} days late"
    message_vi: "{subject}: {actual}, trễ {difference} ngày"
""", [("P", "1234567.891", "1234567.891", "1234567.891"), ("W", "-0.5", "-0.5", "-0.5")],
        [(1, 1234, "note 1234.5 as written"), (2, -12, "n")])
    assert found["LE-1"][2:6] == ("part 1,234,567.891 tỷ đồng above whole -0.5 (difference 1,234,568.391)",
                                  "phần 1.234.567,891 tỷ đồng lớn hơn tổng thể -0,5 (chênh lệch 1.234.568,391)",
                                  "the whole may be older", "tổng thể có thể là số cũ hơn")
    # a row check's numeric difference follows the language; its text values are shown as the SQL wrote them
    assert found["ROW-1/row 1"][2:4] == ("row 1: note 1234.5 as written, 1,234 days late",
                                         "row 1: note 1234.5 as written, trễ 1.234 ngày")
    assert found["ROW-1/row 2"][2:4] == ("row 2: n, -12 days late", "row 2: n, trễ -12 ngày")
    assert found["ROW-1/row 2"][1] == "dòng trễ hạn"


def test_every_shipped_rule_has_its_vietnamese():
    catalogue = load_catalogue(RULES_DIR)
    known = {"{" + p + "}" for p in PLACEHOLDERS}
    problems = []
    for rule in catalogue.rules.values():
        texts = [("label", rule.label, rule.label_vi), ("message", rule.message, rule.message_vi)]
        if rule.why_warning:
            texts.append(("why_warning", rule.why_warning, rule.why_warning_vi))
        for key, english, vietnamese in texts:
            if not vietnamese.strip() or vietnamese == english:
                problems.append(f"{rule.file}: {rule.id}: {key}_vi {vietnamese!r}")
        unknown = set(re.findall(r"\{[a-z_]+\}", rule.message_vi)) - known
        if unknown:
            problems.append(f"{rule.file}: {rule.id}: message_vi names unknown placeholders {sorted(unknown)}")
    # as written in the files (the loader normalises what it reads): one spelling of a word, whatever the editor
    for path in sorted(RULES_DIR.glob("*.yml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules", []):
            for key in ("label_vi", "message_vi", "why_warning_vi"):
                if isinstance(raw.get(key), str) and unicodedata.normalize("NFC", raw[key]) != raw[key]:
                    problems.append(f"{path.name}: {raw['id']}: {key} is not NFC")
    assert problems == []
    assert len(catalogue.rules) > 50
