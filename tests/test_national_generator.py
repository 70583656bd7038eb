"""The national-scale generator (generators/national.py): its files are valid, its planted faults are found by
the rule its ground truth names and nothing else is an error, and a seed always gives the same bytes.

One tiny round (3 days, scale 0.001: 56 agencies x 6 tasks x 3 days, 478 files) goes through the real
full_load job once (module fixture, ~1-2 min).
"""

from __future__ import annotations

import csv
import re
from datetime import date

import duckdb
import pytest

from generators.national import generate

AGENCY_RULE = re.compile(r"^(TS|BUD|DB|IP)-")  # the rules about agency files (report rules are GOV-, BCD-, PF-)
ROUND = {"days": 3, "scale": 0.001, "seed": 7, "start": date(2025, 10, 1), "faults": 0.2}


@pytest.fixture(scope="module")
def national_round(tmp_path_factory, run_full_load):
    root = tmp_path_factory.mktemp("national")
    r = generate(root / "inbox", truth=root / "truth.csv", progress=False, **ROUND)
    with open(root / "truth.csv", encoding="utf-8", newline="") as f:
        truth = list(csv.DictReader(f))
    result, path = run_full_load(root, root / "inbox")
    con = duckdb.connect(str(path), read_only=True)
    try:
        submissions = con.execute("SELECT file_name, status, message FROM audit.submissions").fetchall()
        findings = con.execute(
            "SELECT f.rule_id, f.severity, f.agency_code, list(DISTINCT s.file_name ORDER BY s.file_name) "
            "FROM audit.dq_findings f LEFT JOIN audit.dq_finding_sources s USING (finding_id) "
            "GROUP BY ALL").fetchall()
    finally:
        con.close()
    return {"round": r, "truth": truth, "result": result, "submissions": submissions, "findings": findings}


def test_every_file_is_accepted(national_round):
    r = national_round["round"]
    assert national_round["result"].success
    status = {name: (s, message) for name, s, message in national_round["submissions"]}
    assert {p.name for p in r.files} <= set(status)  # with the central office's published figures
    assert [(n, m) for n, (s, m) in status.items() if s != "accepted"] == []
    assert len(r.files) == 478 and sum(p.suffix == ".xlsx" for p in r.files) == 93


def test_every_planted_fault_is_found_by_its_rule(national_round):
    truth = national_round["truth"]
    assert {t["rule_id"] for t in truth} == {"TS-DECLARED-VS-ROWS", "BUD-SUM-FIELD", "BUD-SUM-NATURE",
                                             "BUD-DISBURSED-LE-ALLOCATED"}
    found = {(rule, agency, name) for rule, _, agency, names in national_round["findings"] for name in names}
    missed = [t for t in truth if (t["rule_id"], t["agency_code"], t["file_name"]) not in found]
    assert missed == []


def test_no_error_outside_the_truth(national_round):
    """Every error of an agency rule that cites a file of the round is planted (the registry's own finding,
    DB-OWNER-EXISTS on sources/reference/databases.csv, cites no file of the round)."""
    planted = {(t["rule_id"], t["file_name"]) for t in national_round["truth"]}
    ours = {p.name for p in national_round["round"].files}
    errors = [(rule, agency, names) for rule, severity, agency, names in national_round["findings"]
              if severity == "error" and AGENCY_RULE.match(rule) and ours & set(names)]
    assert errors, "the planted faults give errors"
    assert [e for e in errors if not any((e[0], name) in planted for name in e[2])] == []


def test_same_seed_same_bytes_other_seed_other_figures(tmp_path):
    a = generate(tmp_path / "a", truth=tmp_path / "a.csv", progress=False, **ROUND)
    b = generate(tmp_path / "b", truth=tmp_path / "b.csv", progress=False, **ROUND)
    c = generate(tmp_path / "c", truth=tmp_path / "c.csv", progress=False, **{**ROUND, "seed": 8})
    names = sorted(p.name for p in a.files)
    assert names == sorted(p.name for p in b.files) == sorted(p.name for p in c.files)
    assert [n for n in names if (tmp_path / "a" / n).read_bytes() != (tmp_path / "b" / n).read_bytes()] == []
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    differing = [n for n in names if (tmp_path / "a" / n).read_bytes() != (tmp_path / "c" / n).read_bytes()]
    assert len(differing) > 0.9 * len(names)


def test_scale_sets_the_task_rows_over_the_round(tmp_path):
    """scale 0.01 over 3 days: round(10,000 / (56 x 3)) = 60 tasks per agency, every day."""
    r = generate(tmp_path / "r", days=3, scale=0.01, seed=1, faults=0.0, progress=False)
    assert r.task_rows == 56 * 60 * 3
    assert r.truth == []
    lines = (tmp_path / "r" / "HA_NOI__task_status__2025-10-03.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 61 and lines[0].startswith("Mã nhiệm vụ,Chương trình,Cơ quan chủ trì")


def test_the_benchmark_floor_finds_the_planted_faults(tmp_path):
    """bench/floor.py (the plain-DuckDB floor of `make bench`) builds its marts from the same files and its core
    checks name exactly the files the ground truth plants each rule in."""
    import json
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import floor

    generate(tmp_path / "inbox", truth=tmp_path / "truth.csv", progress=False, **ROUND)
    floor.main(tmp_path / "inbox", tmp_path / "floor.duckdb", tmp_path / "floor.json")
    out = json.loads((tmp_path / "floor.json").read_text(encoding="utf-8"))
    with open(tmp_path / "truth.csv", encoding="utf-8", newline="") as f:
        truth = {(t["rule_id"], t["file_name"]) for t in csv.DictReader(f)}
    expected = {rule: sum(1 for r, _ in truth if r == rule) for rule in {r for r, _ in truth}}
    assert out["files_with_findings"] == expected
    assert out["rows"]["fct_task_status"] == 1008 and out["rows"]["fct_budget_lines"] == 3456
