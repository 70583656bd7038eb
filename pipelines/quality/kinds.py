"""Rule kinds: every kind the catalogue may name, each declared once, here.

A relation kind says which figures it takes (its roles), which role is the *stated* side (the
finding's metric, subject and unit come from it), how the stated and the computed sides are
computed as intervals (SQL over the pivoted role columns `<role>_v`, `<role>_lo`, `<role>_hi`,
... of the engine's `_instances`, plus the rule's `scale`), when the relation fails, its
tolerance (or none), its defaults and any extra validation. A row check kind says which SQL keys
a rule must give. The catalogue validator (rules.py) and the engine (engine.py) read only this
registry, so adding a kind is one `register(...)` call: no other file changes.

Sides are intervals [lo, hi] around a value v; a relation fails only when no choice of values
within each figure's written precision satisfies it (`a_*` stated, `e_*` computed).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipelines.quality.bounds import NUM, UNBOUNDED

# Kind and role names become SQL identifiers (`total_v`) and literals: nothing else may be spelled.
NAME = re.compile(r"[a-z][a-z0-9_]*")

# The two intervals do not meet.
DISJOINT = "a_hi < e_lo OR a_lo > e_hi"
# How far apart the two sides may be and still agree: the sum of their half-widths.
HALF_WIDTHS = "((a_hi - a_lo) + (e_hi - e_lo)) / 2"
# The default message of a relation is its label followed by this tail (English, Vietnamese); the unit
# is written once, after both sides (they are in the same unit). Vietnamese separates with ';' since its
# decimal mark is a comma.
RELATION_MESSAGE = ": stated {actual}, computed {expected} {unit} (difference {difference}; rounding allows {tolerance})"
RELATION_MESSAGE_VI = ": số báo cáo {actual}; số tính được {expected} {unit} (chênh lệch {difference}; làm tròn cho phép {tolerance})"

Binding = tuple[int, str, str]  # (part number, role, metric or figure id)


def _missing_or_unknown(kind: RelationKind | RowCheckKind, spec: Mapping[str, Any]) -> str | None:
    missing = kind.required - spec.keys()
    if missing:
        return f"kind {kind.name} needs {', '.join(sorted(missing))}"
    unknown = spec.keys() - kind.keys
    if unknown:
        return f"unknown keys {', '.join(sorted(unknown))}"
    return None


@dataclass(frozen=True)
class Side:
    """One side of a relation as SQL: its value and the interval its figures' precision allows."""

    v: str
    lo: str
    hi: str


def role_side(role: str) -> Side:
    """The side a role's figures give directly (summed when a role lists several figures)."""
    return Side(f"{role}_v", f"{role}_lo", f"{role}_hi")


def bind_each_role(kind: RelationKind, spec: Mapping[str, Any]) -> list[Binding]:
    """Every role the rule names, one binding per figure it lists; all in part 0 (one instance)."""
    out = []
    for role in sorted(kind.roles):
        if role in spec:
            values = spec[role] if isinstance(spec[role], list) else [spec[role]]
            out.extend((0, role, str(v)) for v in values)
    return out


@dataclass(frozen=True)
class RelationKind:
    """A relation between figures, reduced to a stated and a computed side."""

    name: str
    required: frozenset[str]
    stated_role: str
    stated: Side
    computed: Side
    optional: frozenset[str] = frozenset()
    # the roles the sides read; default: every required and optional key (keys that are not roles, e.g. equal's forms, are left out)
    roles: frozenset[str] = frozenset()
    fails: str = DISJOINT
    tolerance: str | None = HALF_WIDTHS  # None: the computed side is a range, not a rounded figure
    scale: int | None = None  # the default of the rule's `scale` key; None: the kind takes no scale
    min_present: Mapping[str, int] = field(default_factory=dict)  # role -> figures that must be present to judge
    check: Callable[[Mapping[str, Any]], str | None] | None = None  # extra validation: the problem, or None
    bind: Callable[[RelationKind, Mapping[str, Any]], list[Binding]] = bind_each_role
    message_tail: str = RELATION_MESSAGE  # appended to the label when the rule gives no message
    message_tail_vi: str = RELATION_MESSAGE_VI  # appended to label_vi when the rule gives no message_vi

    def __post_init__(self) -> None:
        if not self.roles:
            object.__setattr__(self, "roles", frozenset(self.required | self.optional))

    @property
    def keys(self) -> frozenset[str]:
        return self.required | self.optional | (frozenset({"scale"}) if self.scale is not None else frozenset())

    def problem(self, spec: Mapping[str, Any]) -> str | None:
        """What is wrong with a rule of this kind (its keys without the common ones), or None."""
        problem = _missing_or_unknown(self, spec)
        scale = spec.get("scale", 0)
        if not problem and (isinstance(scale, bool) or not isinstance(scale, int | float)):
            problem = "scale must be a number"
        return problem or (self.check(spec) if self.check else None)

    def bindings(self, spec: Mapping[str, Any]) -> list[Binding]:
        return self.bind(self, spec)


@dataclass(frozen=True)
class RowCheckKind:
    """A SQL predicate over a table; every matching row is a finding. Each key is SQL."""

    name: str
    required: frozenset[str]
    optional: frozenset[str] = frozenset()
    message_tail: str = ""
    message_tail_vi: str = ""

    @property
    def keys(self) -> frozenset[str]:
        return self.required | self.optional

    def problem(self, spec: Mapping[str, Any]) -> str | None:
        return _missing_or_unknown(self, spec)

    def bindings(self, spec: Mapping[str, Any]) -> list[Binding]:
        return []  # a row check reads rows, not figures


Kind = RelationKind | RowCheckKind
KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind to the registry (names checked, no kind defined twice)."""
    names = [kind.name, *(kind.roles if isinstance(kind, RelationKind) else ())]
    bad = [n for n in names if not NAME.fullmatch(n)]
    if bad:
        raise ValueError(f"kind {kind.name}: names must match {NAME.pattern}: {', '.join(bad)}")
    if kind.name in KINDS:
        raise ValueError(f"kind {kind.name} registered twice")
    if isinstance(kind, RelationKind) and kind.stated_role not in kind.roles:
        raise ValueError(f"kind {kind.name}: stated role {kind.stated_role} is not one of its roles")
    KINDS[kind.name] = kind
    return kind


def relation_kinds() -> list[RelationKind]:
    return [k for k in KINDS.values() if isinstance(k, RelationKind)]


def role_names() -> list[str]:
    """Every role of every relation kind: the columns the engine pivots figures into."""
    return sorted({role for kind in relation_kinds() for role in kind.roles})


# --- the kinds -----------------------------------------------------------------------------------

def _div(num: str, den: str) -> str:
    # Division is done in DOUBLE (DuckDB's decimal division) and compared against intervals of at
    # least the written precision.
    return f"CAST(({num}) / NULLIF({den}, 0) AS {NUM})"


def _equal_forms(spec: Mapping[str, Any]) -> str | None:
    if {"pairs", "figures"} & spec.keys() or {"actual", "expected"} <= spec.keys():
        return None
    return "equal needs actual+expected, pairs or figures"


def _bind_equal(kind: RelationKind, spec: Mapping[str, Any]) -> list[Binding]:
    """Each pair is a part (1..n). A figure stated several times: the first against each later one."""
    if "pairs" in spec:
        pairs = [(p["actual"], p["expected"]) for p in spec["pairs"]]
    elif "figures" in spec:
        pairs = [(spec["figures"][0], other) for other in spec["figures"][1:]]
    else:
        pairs = [(spec["actual"], spec["expected"])]
    return [(i, role, str(ref)) for i, pair in enumerate(pairs, start=1)
            for role, ref in zip(("actual", "expected"), pair)]


for _kind in (
    # total = sum of parts
    RelationKind("sum", frozenset({"total", "parts"}), "total", role_side("total"), role_side("parts")),
    # actual = expected: one pair, several `pairs`, or a list of `figures` stating one value
    RelationKind("equal", frozenset(), "actual", role_side("actual"), role_side("expected"),
                 optional=frozenset({"actual", "expected", "pairs", "figures"}),
                 roles=frozenset({"actual", "expected"}), check=_equal_forms, bind=_bind_equal),
    RelationKind("difference", frozenset({"result", "minuend", "subtrahend"}), "result", role_side("result"),
                 Side("minuend_v - subtrahend_v", "minuend_lo - subtrahend_hi", "minuend_hi - subtrahend_lo")),
    # result = numerator / denominator × scale (a share in percent by default)
    RelationKind("ratio", frozenset({"result", "numerator", "denominator"}), "result", role_side("result"),
                 Side(_div("numerator_v * scale", "denominator_v"), _div("numerator_lo * scale", "denominator_hi"),
                      f"coalesce({_div('numerator_hi * scale', 'denominator_lo')}, {UNBOUNDED})"),
                 scale=100),
    # result = growth of current over previous, in percent
    RelationKind("growth", frozenset({"result", "current", "previous"}), "result", role_side("result"),
                 Side(f"{_div('current_v * 100', 'previous_v')} - 100", f"{_div('current_lo * 100', 'previous_hi')} - 100",
                      f"coalesce({_div('current_hi * 100', 'previous_lo')} - 100, {UNBOUNDED})")),
    # result = scale - figure (the share not done, from the share done)
    RelationKind("complement", frozenset({"result", "figure"}), "result", role_side("result"),
                 Side("scale - figure_v", "scale - figure_hi", "scale - figure_lo"), scale=100),
    RelationKind("part_le_whole", frozenset({"part", "whole"}), "part", role_side("part"), role_side("whole"),
                 fails="a_lo > e_hi"),
    # a share within 0..100: compared with a range, not a rounded figure, so no tolerance to state
    RelationKind("percent_bounds", frozenset({"figure"}), "figure", role_side("figure"), Side("NULL", "0", "100"),
                 fails="a_lo > 100 OR a_hi < 0", tolerance=None),
    # every figure of a group (bound by metric) agrees within precision: the same scope stated more
    # than once; the statement with the highest floor against the one with the lowest ceiling
    RelationKind("consistent", frozenset({"figures"}), "figures",
                 Side("figures_max_lo_v", "figures_max_lo", "figures_max_lo_hi"),
                 Side("figures_min_hi_v", "figures_min_hi_lo", "figures_min_hi"),
                 fails="a_lo > e_hi", min_present={"figures": 2}),
    RowCheckKind("row_check", frozenset({"from", "where", "agency", "subject", "expected", "actual", "document", "location"}),
                 optional=frozenset({"difference", "as_of", "cites", "key"})),
):
    register(_kind)
