"""A second reporting round the rules did not grow up with (tests/second_round/): every planted fault
is found, and nothing consistent is called an error.

The round is generated into a temporary folder (seed 7), the real `full_load` job runs on it once
(module-scoped fixture, ~1-2 min), and the findings are compared with the ground truth written
beside the files (ground_truth.csv, consistent_cases.csv). More seeds through the pipeline:
R57_SECOND_ROUND_SEEDS=7,1234 pytest tests/test_second_round.py (each seed is one more run).
"""

from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from second_round.generate import generate, read_ground_truth  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
SEEDS = [int(s) for s in os.environ.get("R57_SECOND_ROUND_SEEDS", "7").split(",") if s.strip()]
# Diagnostic only (never set by default): leave out faults whose rule must also change the marts, to see the
# recall of the other rules while those marts still fail; the run says it is partial.
OMIT = [x for x in os.environ.get("R57_SECOND_ROUND_OMIT", "").split(",") if x.strip()]
AGENCY_RULE = re.compile(r"^(TS|BUD|DB|IP)-")  # rules about agency submissions (report rules are GOV-, BCD-, PF-)
DMY = re.compile(r"\d{2}/\d{2}/\d{4}")


@dataclass
class Run:
    seed: int
    root: Path
    faults: list[dict]
    cases: list[dict]
    files: set[str]
    success: bool
    failed_steps: list[str]
    seconds: float
    findings: list[dict]
    submissions: list[dict]


@pytest.fixture(scope="module", params=SEEDS, ids=lambda s: f"seed{s}")
def second_round(request, tmp_path_factory, run_full_load) -> Run:
    seed = request.param
    root = tmp_path_factory.mktemp(f"second_round_{seed}")
    gt = generate(root / "round", seed, OMIT)
    faults, cases = read_ground_truth(root / "round")
    started = time.monotonic()
    result, path = run_full_load(root, gt.inbox)
    seconds = time.monotonic() - started
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    con = duckdb.connect(str(path), read_only=True)
    try:
        submissions = _rows(con, "SELECT file_name, status, message FROM audit.submissions")
        try:
            findings = _rows(con, "SELECT rule_id, severity, agency_code, document, location, message, "
                                  "(SELECT list({file_name: s.file_name, row: s.row, context: s.context}) "
                                  " FROM audit.dq_finding_sources s WHERE s.finding_id = f.finding_id) AS sources "
                                  "FROM audit.dq_findings f")
        except duckdb.CatalogException:  # the run stopped before the rules
            findings = []
    finally:
        con.close()
    print(f"\nsecond round, seed {seed}: {len(gt.files)} files, full_load {seconds:.0f} s, {len(findings)} findings"
          + (f"; DIAGNOSTIC RUN, faults left out: {', '.join(OMIT)}" if OMIT else ""))
    return Run(seed, root, faults, cases, gt.file_names, result.success, failed, seconds, findings, submissions)


def _rows(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


# ------------------------------------------------------------------------------------- matching
def documents(finding: dict) -> list[str]:
    """The files a finding is about (audit.dq_finding_sources), not those it cites for comparison only."""
    return sorted({s["file_name"] for s in finding["sources"] or [] if s["file_name"] and not s["context"]})


def cites_row(finding: dict, file_name: str, row: int) -> bool:
    """The finding cites this row of this file (audit.dq_finding_sources), as the fault or for comparison."""
    return any(s["file_name"] == file_name and s["row"] == row for s in finding["sources"] or [])


def same_source(fault: dict, finding: dict) -> bool:
    """Same rule, same agency, and the finding cites the fault's file (group findings name no agency: matched by date)."""
    if finding["rule_id"] != fault["rule_id"]:
        return False
    if fault["agency_code"]:
        if finding["agency_code"] != fault["agency_code"]:
            return False
        return fault["file_name"] in documents(finding)
    if finding["agency_code"] is not None:
        return False
    return fault["file_name"] in documents(finding) or any(
        d in (finding["document"] or "") for d in DMY.findall(fault["file_name"]))


def matches(fault: dict, finding: dict) -> bool:
    return same_source(fault, finding) and (fault["row"] is None or cites_row(finding, fault["file_name"], fault["row"]))


def recall_table(run: Run) -> str:
    lines = [f"seed {run.seed}: recall per planted fault (rule, fault, agency, file row -> matched?)"]
    per_rule: dict[str, list[bool]] = {}
    for f in run.faults:
        hit = any(matches(f, x) for x in run.findings)
        per_rule.setdefault(f["rule_id"], []).append(hit)
        near = "" if hit else f"   [{sum(1 for x in run.findings if x['rule_id'] == f['rule_id'])} findings of this rule in the run]"
        lines.append(f"  {'ok  ' if hit else 'MISS'} {f['rule_id']:<32} {f['fault_id']:<5} {f['agency_code'] or '(group)':<12} "
                     f"{f['file_name']}{'' if f['row'] is None else ' row ' + str(f['row'])}{near}")
    lines.append("per rule (caught / planted):")
    for rule, hits in sorted(per_rule.items()):
        lines.append(f"  {rule:<32} {sum(hits)}/{len(hits)}")
    return "\n".join(lines)


def false_errors(run: Run) -> list[str]:
    consistent = {n: c["case_id"] for c in run.cases for n in c["file_names"]}
    out = []
    for x in run.findings:
        if x["severity"] != "error" or not AGENCY_RULE.match(x["rule_id"]):
            continue
        cited = [consistent[d] for d in documents(x) if d in consistent]
        explained = any(same_source(f, x) for f in run.faults)
        # a planted fault's finding may cite a consistent file for its comparison figure (the previous
        # year's count of a growth rate): it is explained; anything else citing one is a false error
        if not explained:
            why = f"cites consistent case {', '.join(sorted(set(cited)))}" if cited else "not in the ground truth"
            out.append(f"  {x['rule_id']:<28} {x['agency_code'] or '-':<12} {why}\n      {x['document']} | {x['location']}\n"
                       f"      {x['message'][:300]}")
    return out


# ----------------------------------------------------------------------------------------- tests
def test_the_load_runs_to_the_end(second_round):
    assert second_round.success, f"full_load failed at steps {second_round.failed_steps}"


def test_every_file_of_the_round_is_accepted(second_round):
    """The files are hostile but valid: typed XLSX numbers and dates, BOM, CRLF, en/vi styles, đồng/triệu/tỷ."""
    registered = {s["file_name"]: s for s in second_round.submissions}
    assert second_round.files <= set(registered), f"not registered: {sorted(second_round.files - set(registered))}"
    rejected = [f"  {s['message']}" for s in second_round.submissions if s["status"] != "accepted"]
    assert not rejected, f"{len(rejected)} valid files rejected:\n" + "\n".join(rejected)


def test_every_planted_fault_is_found(second_round):
    missed = [f for f in second_round.faults if not any(matches(f, x) for x in second_round.findings)]
    stopped = "" if second_round.success else (
        f" (the load stopped at {second_round.failed_steps}: {len(second_round.findings)} findings were written)")
    assert not missed, f"{len(missed)} of {len(second_round.faults)} planted faults not found{stopped}\n" + recall_table(second_round)


def test_no_error_beyond_the_planted_faults(second_round):
    if not second_round.success:
        pytest.fail(f"cannot tell: the load stopped at {second_round.failed_steps} "
                    f"({len(second_round.findings)} findings written)")
    wrong = false_errors(second_round)
    assert not wrong, f"{len(wrong)} error findings the ground truth does not explain:\n" + "\n".join(wrong)


def test_a_second_seed_writes_a_different_round_with_the_same_guarantees(tmp_path):
    """Generation alone (no pipeline): another seed, other figures, the same faults and cases, self-checked."""
    a, b = generate(tmp_path / "a", 7), generate(tmp_path / "b", 8)
    assert [(f.fault_id, f.rule_id) for f in a.faults] == [(f.fault_id, f.rule_id) for f in b.faults]
    assert [c.case_id for c in a.consistent] == [c.case_id for c in b.consistent]
    differing = [f for f in a.files if f in b.files and (a.inbox / f).read_bytes() != (b.inbox / f).read_bytes()]
    assert len(differing) > 0.9 * len(a.files)
    again = generate(tmp_path / "c", 7)
    assert all((a.inbox / f).read_bytes() == (again.inbox / f).read_bytes() for f in a.files if f.endswith(".csv"))
