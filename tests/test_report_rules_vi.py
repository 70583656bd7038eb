"""The Vietnamese wording of the report identity rules (generators/relations/*.csv -> report_*.yml)."""

import csv
import re
import unicodedata

import pytest

from generators import report_rules
from generators.report_rules import RELATIONS, RelationError

REPORTS = ("BCD_2025", "GOV_2025")
# English abbreviations that have their own Vietnamese words (KHCN, sở hữu trí tuệ, quỹ đầu tư mạo hiểm,
# TP.HCM, Thủ tướng); every other code of an English label is kept as written in label_vi.
TRANSLATED_ABBREVIATIONS = {"S&T", "IP", "VC", "HCMC", "PM"}


def relations(report: str) -> list[dict]:
    with open(RELATIONS / f"{report}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def codes(label: str) -> list[str]:
    """Identifiers (snake_case metrics, AGENCY_CODES) and upper-case codes (NQ71, KH02, CSDL, KHCN/ĐMST/CĐS)."""
    return [t for t in re.findall(r"[\w&/]+", label)
            if "_" in t or (re.fullmatch(r"[A-ZĐ0-9&/]{2,}", t) and not t.isdigit())]


def copy_with(tmp_path, report: str, rid: str, **changes) -> None:
    """A relations folder in tmp_path holding report's CSV with one relation's fields changed."""
    rows = relations(report)
    for row in rows:
        if row["id"] == rid:
            row.update(changes)
    folder = tmp_path / "relations"
    folder.mkdir()
    with open(folder / f"{report}.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_generator_refuses_a_relation_without_label_vi(tmp_path):
    copy_with(tmp_path, "GOV_2025", "GOV-R002", label_vi="  ")
    with pytest.raises(RelationError) as err:
        report_rules.main("GOV_2025", tmp_path / "out", tmp_path / "relations")
    assert str(err.value) == "generators/relations/GOV_2025.csv: relation GOV-R002 has no label_vi"
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_generator_refuses_a_warning_without_why_warning_vi(tmp_path):
    copy_with(tmp_path, "BCD_2025", "BCD-R094", why_warning_vi="")
    with pytest.raises(RelationError) as err:
        report_rules.main("BCD_2025", tmp_path / "out", tmp_path / "relations")
    assert str(err.value) == ("generators/relations/BCD_2025.csv: relation BCD-R094 has a why_warning "
                              "but no why_warning_vi")


def test_generator_refuses_a_relations_file_without_the_label_vi_column(tmp_path):
    (tmp_path / "relations").mkdir()
    path = tmp_path / "relations" / "GOV_2025.csv"
    rows = relations("GOV_2025")
    with open(path, "w", encoding="utf-8", newline="") as f:
        fields = [k for k in rows[0] if k != "label_vi"]
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(RelationError, match=r"relation GOV-R001 has no label_vi$"):
        report_rules.main("GOV_2025", tmp_path / "out", tmp_path / "relations")


def test_label_vi_is_written_right_after_label_and_why_warning_vi_after_why_warning():
    rel = {"id": "X-R001", "kind": "sum", "severity": "warning", "category": "sum_of_parts", "label": "A = b + c",
           "label_vi": "A = b + c (vi) đúng hạn", "roles": "total: F1; parts: F2 F3", "scale": "",
           "why_warning": "scopes differ", "why_warning_vi": "phạm vi khác nhau"}
    figures = {f: {"figure_id": f, "quote": "q", "value_text": "1", "unit_text": ""} for f in ("F1", "F2", "F3")}
    lines = report_rules.render("GOV_2025", [rel], figures).splitlines()
    start = lines.index("  - id: X-R001")
    assert lines[start:start + 6] == [
        "  - id: X-R001",
        '    label: "A = b + c"',
        '    label_vi: "A = b + c (vi) đúng hạn"',
        "    severity: warning",
        '    why_warning: "scopes differ"',
        '    why_warning_vi: "phạm vi khác nhau"',
    ]


@pytest.mark.parametrize("report", REPORTS)
def test_every_relation_has_a_vietnamese_label_and_reason(report):
    rows = relations(report)
    assert rows, report
    for row in rows:
        rid, label_vi, why_vi = row["id"], row["label_vi"], row["why_warning_vi"]
        assert label_vi.strip() and label_vi == label_vi.strip(), rid
        assert unicodedata.is_normalized("NFC", label_vi), rid
        assert label_vi != row["label"], rid
        kept = [c for c in codes(row["label"]) if c not in TRANSLATED_ABBREVIATIONS and c not in label_vi]
        assert not kept, f"{rid}: codes {kept} of the English label missing from label_vi"
        assert bool(why_vi.strip()) == bool(row["why_warning"].strip()), rid
        if why_vi:
            assert unicodedata.is_normalized("NFC", why_vi) and why_vi != row["why_warning"], rid


def test_shipped_relations_cover_both_reports():
    # 146 + 93 identity rules, each with its Vietnamese label; 31 of them are warnings with a Vietnamese reason.
    rows = [row for report in REPORTS for row in relations(report)]
    assert len(rows) == 239
    assert sum(1 for row in rows if row["why_warning_vi"]) == 31
