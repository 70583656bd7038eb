"""The rule catalogue: YAML files under expectations/rules/ loaded and checked before anything runs.

A file holds `figure_sources` (SQL that turns a table into figures: one number per metric per
group, with the file and row it came from) and `rules`. A rule names a kind from the registry in
pipelines/quality/kinds.py (sum, equal, difference, ratio, growth, complement, part_le_whole,
percent_bounds, consistent, row_check); relations are bound to figures by metric within each
group (`bind: group`, agency submissions) or by explicit figure id (`bind: id`, figures quoted
from reports).

The catalogue is validated here against that registry (the kind's required keys present, no
unknown key, its own checks) and ids against a pattern (rule ids `RULE_ID`, figure source ids
`SOURCE_ID`), ids unique, severities known, so that a typo in YAML fails the load with the rule
id, not a SQL error halfway through a run. Nothing here knows any kind by name.

Every rule speaks both languages of the report: `label_vi` beside `label`, `message_vi` wherever
`message` is given (otherwise `label_vi` and the kind's Vietnamese tail), `why_warning_vi` wherever
`why_warning` is given. A rule without them is refused here, so no finding reaches an auditor in
English only. Texts are kept in Unicode NFC, so one word is one string whatever editor wrote it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.quality import kinds
from pipelines.quality.lineage import CiteError, parse_cites

SEVERITIES = {"error", "warning"}
# Ids reach SQL (as bound parameters or quoted literals) and file names of reports: upper-case
# words joined by hyphens for rules (TS-TOTAL-SUM, GOV-F093-SHARE), snake case for figure sources.
RULE_ID = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
SOURCE_ID = kinds.NAME  # a figure source id goes into SQL like a kind or role name


class RuleCatalogueError(ValueError):
    pass


@dataclass(frozen=True)
class FigureSource:
    id: str
    description: str
    from_: str
    group_key: str
    agency: str
    subject: str
    document: str
    location: str
    metrics: dict[str, str]  # metric code -> SQL expression
    group_by: tuple[str, ...] = ()
    where: str | None = None
    value_text: str | None = None  # optional SQL for the value as written (default: the value)
    low: str | None = None  # optional SQL for the interval (default: exact)
    high: str | None = None
    quote: str | None = None
    unit: str | None = None
    figure_id: str | None = None  # optional SQL for a stable id (figures quoted from reports); default source:group:metric
    metric: str | None = None  # optional SQL naming each row's metric (one value column); default the metrics' keys
    as_of: str | None = None  # optional SQL for the reporting (as-of) date of the figure: lets a finding say which round it is
    cites: tuple[dict[str, Any], ...] = ()  # the submission/row/field each figure comes from (pipelines/quality/lineage.py)
    incremental: str = ""  # REACH: which reporting dates a new file can change (pipelines/quality/incremental.py)


@dataclass(frozen=True)
class Rule:
    id: str
    label: str
    severity: str
    category: str
    kind: str
    message: str
    spec: dict[str, Any]
    file: str
    why_warning: str = ""
    label_vi: str = ""
    message_vi: str = ""
    why_warning_vi: str = ""
    bind: str = "group"
    missing: str = "skip"  # group binding: 'zero' treats an absent figure as 0, 'skip' drops the instance
    # submission domains whose rejected file (for the finding's agency and date, none in force) explains
    # the finding: it is then marked as an echo of that file instead of standing as a fault of its own
    echo_of: tuple[str, ...] = ()
    incremental: str = ""  # row checks: REACH, as for a figure source (pipelines/quality/incremental.py)


@dataclass
class Catalogue:
    sources: dict[str, FigureSource] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)


RULE_KEYS = {"id", "label", "severity", "category", "kind", "message", "why_warning", "bind", "missing", "echo_of",
             "incremental", "label_vi", "message_vi", "why_warning_vi"}
# A Vietnamese text a rule must give beside an English one: (Vietnamese key, the English key that requires
# it, or None when every rule needs it).
VIETNAMESE = (("label_vi", None), ("message_vi", "message"), ("why_warning_vi", "why_warning"))
# How far a new file reaches, for a figure source or row check that declares `incremental:` (with an
# `as_of`): its rows at a date d come only from the files of date d (same_date), or of dates up to d
# (later_dates: a series comparing a row with an earlier one). Undeclared: re-evaluated whole every run.
REACH = ("same_date", "later_dates")


def _reach(raw: dict[str, Any], as_of: Any, where: str) -> str:
    reach = raw.get("incremental", "")
    if reach == "":
        return ""
    if reach not in REACH:
        raise RuleCatalogueError(f"{where}: incremental must be one of {', '.join(REACH)}, not {reach!r}")
    if not as_of:
        raise RuleCatalogueError(f"{where}: incremental needs as_of (the reporting date a row belongs to)")
    return reach


def _rule(raw: dict[str, Any], file: str) -> Rule:
    rid = raw.get("id", "<no id>")
    for key in ("id", "label", "severity", "kind"):
        if key not in raw:
            raise RuleCatalogueError(f"{file}: rule {rid}: missing '{key}'")
    if not isinstance(rid, str) or not RULE_ID.fullmatch(rid):
        raise RuleCatalogueError(f"{file}: rule {rid!r}: id must match {RULE_ID.pattern}")
    kind = kinds.KINDS.get(raw["kind"])
    if kind is None:
        raise RuleCatalogueError(f"{file}: rule {rid}: unknown kind '{raw['kind']}' (known: {', '.join(sorted(kinds.KINDS))})")
    if raw["severity"] not in SEVERITIES:
        raise RuleCatalogueError(f"{file}: rule {rid}: severity must be error or warning")
    if raw["severity"] == "warning" and raw.get("bind") == "id" and not raw.get("why_warning"):
        raise RuleCatalogueError(f"{file}: rule {rid}: a warning relation needs why_warning")
    vi = _vietnamese(raw, file, rid)
    spec = {k: v for k, v in raw.items() if k not in RULE_KEYS}
    problem = kind.problem(spec)
    if problem:
        raise RuleCatalogueError(f"{file}: rule {rid}: {problem}")
    if "cites" in spec:  # what a row check cites is SQL over its table (pipelines/quality/lineage.py)
        try:
            spec["cites"] = parse_cites(spec["cites"], f"{file}: rule {rid}", figure=False)
        except CiteError as exc:
            raise RuleCatalogueError(str(exc)) from None
    default_message = raw["label"] + kind.message_tail
    default_message_vi = vi["label_vi"] + kind.message_tail_vi
    if "incremental" in raw and not isinstance(kind, kinds.RowCheckKind):
        raise RuleCatalogueError(f"{file}: rule {rid}: incremental is for row checks; a relation follows its figures")
    reach = _reach(raw, spec.get("as_of"), f"{file}: rule {rid}")
    return Rule(
        id=raw["id"], label=raw["label"], severity=raw["severity"], category=raw.get("category", raw["kind"]),
        kind=raw["kind"], message=raw.get("message", default_message), spec=spec, file=file,
        why_warning=raw.get("why_warning", "") or "", bind=raw.get("bind", "group"), missing=raw.get("missing", "skip"),
        echo_of=tuple(raw.get("echo_of", ())), incremental=reach,
        label_vi=vi["label_vi"], message_vi=vi.get("message_vi", default_message_vi), why_warning_vi=vi.get("why_warning_vi", ""),
    )


def _vietnamese(raw: dict[str, Any], file: str, rid: str) -> dict[str, str]:
    """The rule's Vietnamese texts (NFC), each required where its English counterpart is given."""
    out = {}
    for key, english in VIETNAMESE:
        needed = english is None or bool(raw.get(english))
        text = raw.get(key)
        if text is None or (isinstance(text, str) and not text.strip()):
            if needed:
                reason = "every rule" if english is None else f"a rule with '{english}'"
                raise RuleCatalogueError(f"{file}: rule {rid}: missing '{key}' ({reason} needs it)")
            continue
        if not isinstance(text, str):
            raise RuleCatalogueError(f"{file}: rule {rid}: '{key}' must be text")
        out[key] = unicodedata.normalize("NFC", text)
    return out


def _source(raw: dict[str, Any], file: str) -> FigureSource:
    sid = raw.get("id")
    if sid is not None and (not isinstance(sid, str) or not SOURCE_ID.fullmatch(sid)):
        raise RuleCatalogueError(f"{file}: figure source {sid!r}: id must match {SOURCE_ID.pattern}")
    try:
        return FigureSource(
            id=raw["id"], description=raw.get("description", ""), from_=raw["from"], group_key=raw["group_key"],
            agency=raw.get("agency", "null"), subject=raw.get("subject", "null"), document=raw["document"],
            location=raw["location"], metrics=dict(raw["metrics"]), group_by=tuple(raw.get("group_by", ())),
            where=raw.get("where"), value_text=raw.get("value_text"), low=raw.get("low"), high=raw.get("high"),
            quote=raw.get("quote"), unit=raw.get("unit"), figure_id=raw.get("figure_id"), metric=raw.get("metric"),
            as_of=raw.get("as_of"),
            cites=parse_cites(raw.get("cites"), f"{file}: figure source {raw.get('id', '<no id>')}", figure=True),
            incremental=_reach(raw, raw.get("as_of"), f"{file}: figure source {raw.get('id', '<no id>')}"),
        )
    except CiteError as exc:
        raise RuleCatalogueError(str(exc)) from None
    except KeyError as exc:
        raise RuleCatalogueError(f"{file}: figure source {raw.get('id', '<no id>')}: missing {exc}") from None


def load_catalogue(rules_dir: Path) -> Catalogue:
    catalogue = Catalogue()
    for path in sorted(rules_dir.glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in raw.get("figure_sources", []):
            source = _source(item, path.name)
            if source.id in catalogue.sources:
                raise RuleCatalogueError(f"{path.name}: figure source {source.id} defined twice")
            catalogue.sources[source.id] = source
        for item in raw.get("rules", []):
            rule = _rule(item, path.name)
            if rule.id in catalogue.rules:
                raise RuleCatalogueError(f"{path.name}: rule {rule.id} defined twice")
            catalogue.rules[rule.id] = rule
    return catalogue
