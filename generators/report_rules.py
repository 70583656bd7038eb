"""Write the identity rules between a report's published figures (expectations/rules/report_<REPORT>.yml).

The relations are declared in generators/relations/<REPORT>.csv, one row per rule: id, kind, severity,
category, label and its Vietnamese label_vi, roles (`role: FIGURE_ID ...; role: ...`, in the order the rule
lists them), scale and, for a warning, why it is only a warning (why_warning, and why_warning_vi in Vietnamese).
A relation without its Vietnamese wording is refused: the auditor's report shows both languages.
Above each rule a comment quotes every figure it reads, taken from sources/published_figures/<REPORT>.csv,
so a rule and the sentence it checks are read together and the quote cannot drift from the figure. The two reports keep the comment styles they were first written in.

Run after editing a relation (or a figure's quote):  .venv/bin/python -m generators.report_rules [REPORT ...]
(default: every report with a relations file; it writes expectations/rules/report_<REPORT>.yml).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from generators.inputs import ROOT, SOURCES

RELATIONS = Path(__file__).resolve().parent / "relations"
RULES = ROOT / "expectations" / "rules"
LIST_ROLES = {"parts", "figures"}  # roles holding several figures, written as a list even when short


class RelationError(ValueError):
    """A relation row the generator cannot write (its Vietnamese wording is missing)."""


HEADERS = {
    "BCD_2025": [
        "# Identity rules between the figures published in BCD_2025 (Central Steering Committee summary of",
        "# Resolution 57 results for 2025). Figures: sources/published_figures/BCD_2025.csv. Generated and checked by hand.",
    ],
    "GOV_2025": [
        "# Identity rules between the figures of the Government report GOV_2025",
        "# (sources/published_figures/GOV_2025.csv). Values are figure_ids; the engine evaluates",
        "# each relation with rounding intervals. Generated from a helper script; comments quote the figures.",
    ],
}


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escaping is valid YAML; non-ASCII kept as written)."""
    return json.dumps(text, ensure_ascii=False)


def parse_roles(text: str) -> list[tuple[str, list[str]]]:
    roles = []
    for part in text.split(";"):
        role, _, ids = part.partition(":")
        roles.append((role.strip(), ids.split()))
    return roles


def figure_comment(report: str, role: str, figure: dict) -> str:
    value = f"{figure['value_text']} {figure['unit_text']}".rstrip()
    if report == "BCD_2025":
        return f"  # {role}: {figure['figure_id']} \"{figure['quote']}\" = {value}"
    return f"  # {figure['figure_id']} = {value} (\"{figure['quote']}\")"


def render(report: str, relations: list[dict], figures: dict[str, dict]) -> str:
    lines = [*HEADERS[report], "rules:"]
    for rel in relations:
        roles = parse_roles(rel["roles"])
        lines.append("")
        lines += [figure_comment(report, role, figures[fid]) for role, ids in roles for fid in ids]
        lines += [f"  - id: {rel['id']}", f"    label: {quoted(rel['label'])}", f"    label_vi: {quoted(rel['label_vi'])}",
                  f"    severity: {rel['severity']}"]
        if rel["why_warning"]:
            lines += [f"    why_warning: {quoted(rel['why_warning'])}", f"    why_warning_vi: {quoted(rel['why_warning_vi'])}"]
        lines += [f"    category: {rel['category']}", "    bind: id", f"    kind: {rel['kind']}"]
        for role, ids in roles:
            lines.append(f"    {role}: [{', '.join(ids)}]" if role in LIST_ROLES else f"    {role}: {ids[0]}")
        if rel["scale"]:
            lines.append(f"    scale: {rel['scale']}")
    return "\n".join(lines) + "\n"


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def check_vietnamese(report: str, relations: list[dict]) -> None:
    """Refuse the first relation lacking label_vi, or why_warning_vi beside a why_warning."""
    for rel in relations:
        if not (rel.get("label_vi") or "").strip():
            raise RelationError(f"generators/relations/{report}.csv: relation {rel['id']} has no label_vi")
        if (rel.get("why_warning") or "").strip() and not (rel.get("why_warning_vi") or "").strip():
            raise RelationError(f"generators/relations/{report}.csv: relation {rel['id']} has a why_warning "
                                "but no why_warning_vi")


def main(report: str, out: Path = RULES, relations_dir: Path = RELATIONS) -> Path:
    relations = read_csv(relations_dir / f"{report}.csv")
    check_vietnamese(report, relations)
    figures = {f["figure_id"]: f for f in read_csv(SOURCES / "published_figures" / f"{report}.csv")}
    path = out / f"report_{report}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report, relations, figures), encoding="utf-8")
    return path


if __name__ == "__main__":
    for name in sys.argv[1:] or sorted(p.stem for p in RELATIONS.glob("*.csv")):
        print(f"wrote {main(name)}")
