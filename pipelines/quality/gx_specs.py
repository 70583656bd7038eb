"""The Great Expectations suites as data: expectations/suites/*.yml read into SuiteSpec, names checked.

Suite names, measure names and tables go into SQL and into GX names, so they must match plain
identifier patterns; expressions (measures, agency, date, where) are the repository's own SQL,
trusted like the rule catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipelines.quality.kinds import NAME

# names go into SQL as aliases: the one SQL-safe name pattern of the rule kinds (fullmatch: no trailing newline)
TABLE = re.compile(r"[a-z_]+\.[a-z][a-z0-9_]*")


class SuiteError(ValueError):
    """A suite file that cannot be run as written."""


@dataclass(frozen=True)
class ExpectationSpec:
    name: str
    type: str
    kwargs: dict
    measures: tuple[str, ...] = ()


@dataclass(frozen=True)
class SuiteSpec:
    suite: str
    table: str
    agency: str
    date: str
    measures: dict[str, str]
    expectations: tuple[ExpectationSpec, ...]
    where: str = "TRUE"
    source: Path | None = field(default=None, compare=False)


def _spec(raw: dict, path: Path) -> SuiteSpec:
    suite = str(raw.get("suite", ""))
    if not NAME.fullmatch(suite):
        raise SuiteError(f"{path.name}: suite name {suite!r} must match {NAME.pattern}")
    if not TABLE.fullmatch(str(raw.get("table", ""))):
        raise SuiteError(f"{path.name}: suite {suite}: table {raw.get('table')!r} must be schema.table")
    measures = {str(k): str(v) for k, v in (raw.get("measures") or {}).items()}
    bad = [m for m in measures if not NAME.fullmatch(m)]
    if not measures or bad:
        raise SuiteError(f"{path.name}: suite {suite}: measures must be named like {NAME.pattern} (got {bad or 'none'})")
    expectations = []
    for item in raw.get("expectations") or []:
        unknown = [m for m in item.get("measures", []) if m not in measures]
        if unknown or not NAME.fullmatch(str(item.get("name", ""))):
            raise SuiteError(f"{path.name}: suite {suite}: expectation {item.get('name')!r} "
                             f"needs a plain name and known measures (unknown: {unknown})")
        expectations.append(ExpectationSpec(item["name"], item["type"], dict(item["kwargs"]), tuple(item.get("measures", []))))
    return SuiteSpec(suite, raw["table"], raw["agency"], raw["date"], measures, tuple(expectations),
                     raw.get("where", "TRUE"), path)


def load_suites(suites_dir: Path) -> list[SuiteSpec]:
    specs = [_spec(raw, path)
             for path in sorted(suites_dir.glob("*.yml"))
             for raw in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("suites", [])]
    names = [s.suite for s in specs]
    if len(set(names)) != len(names):
        raise SuiteError(f"suite names repeat: {sorted(n for n in set(names) if names.count(n) > 1)}")
    return specs
