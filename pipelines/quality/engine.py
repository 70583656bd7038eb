"""The one rule engine: figures in, findings out, evaluated set-based in DuckDB.

1. Every figure source in the catalogue becomes rows of `audit.dq_figures`: one number per
   metric per group, with the file/row (or report/section/quote) it came from and the interval
   [low, high] its written precision allows (agency counts are exact: low = value = high).
2. Every relation rule is bound to figures (by metric within a group, or by figure id) into one
   table of (rule, instance, role, figure). One SQL statement per rule *kind*, not per rule or
   per row, reduces the roles to a stated side and a computed side, each an interval.
3. A relation fails only when the two intervals do not meet: no choice of values within each
   figure's precision satisfies it. Honest rounding therefore passes.
4. Row checks are SQL predicates from the YAML; each matching row is a finding.

What each kind binds, computes and calls a failure is read from the registry
(pipelines/quality/kinds.py); nothing here knows a kind by name. Rule ids reach SQL only as bound
parameters or rows of a registered frame, figure source and kind names as quoted literals.

Every finding lands in `audit.dq_findings` with both sides, the difference, the tolerance and
its evidence (each figure with its document, location, quote and value), and one row per file and
row it cites in `audit.dq_finding_sources` (submission id, row, field: pipelines/quality/lineage.py;
`document` and `location` are display text only). A full evaluation rebuilds the tables; an incremental
one (the pipeline's daily run) redoes only what the files received since the last evaluation can have
changed and leaves every other finding's row as it was (pipelines/quality/incremental.py says why the
result equals a full evaluation). Either runs in one transaction, so a crash leaves the previous state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
from babel.numbers import get_decimal_symbol, get_group_symbol

from pipelines.logsafe import RE2_INVISIBLE
from pipelines.quality import history
from pipelines.quality import incremental as inc
from pipelines.quality import kinds
from pipelines.quality.bounds import NUM, UNBOUNDED
from pipelines.sql_text import sql_literal
from pipelines.quality.lineage import (
    CITE_TYPE, FIGURE_CITES_SQL, INSTANCE_CITES_SQL, SOURCES_DDL, cites_sql, sources_sql,
)
from pipelines.quality.rules import Catalogue, FigureSource, Rule

FIGURES_DDL = f"""
CREATE SCHEMA IF NOT EXISTS audit;
CREATE OR REPLACE TABLE audit.dq_figures (
    figure_id   VARCHAR PRIMARY KEY,
    source_id   VARCHAR NOT NULL,
    group_key   VARCHAR NOT NULL,
    metric      VARCHAR NOT NULL,
    agency_code VARCHAR,
    as_of       DATE,
    subject     VARCHAR,
    document    VARCHAR,
    location    VARCHAR,
    quote       VARCHAR,
    value_text  VARCHAR,
    unit        VARCHAR,
    value       {NUM} NOT NULL,
    low         {NUM} NOT NULL,
    high        {NUM} NOT NULL,
    cites       {CITE_TYPE}[] NOT NULL  -- the submissions and rows it comes from (pipelines/quality/lineage.py)
);
"""

FINDINGS_DDL = f"""
CREATE SCHEMA IF NOT EXISTS audit;
CREATE OR REPLACE TABLE audit.dq_findings (
    finding_id        VARCHAR PRIMARY KEY,
    rule_id           VARCHAR NOT NULL,
    rule_label        VARCHAR NOT NULL,
    severity          VARCHAR NOT NULL,
    category          VARCHAR NOT NULL,
    rule_kind         VARCHAR NOT NULL,
    agency_code       VARCHAR,
    subject           VARCHAR,
    metric            VARCHAR,
    unit              VARCHAR,
    expected_value    VARCHAR,
    actual_value      VARCHAR,
    difference        VARCHAR,
    tolerance         VARCHAR,
    expected_number   {NUM},
    actual_number     {NUM},
    difference_number {NUM},
    tolerance_number  {NUM},
    message           VARCHAR NOT NULL,
    why_warning       VARCHAR,
    rule_label_vi     VARCHAR NOT NULL,
    message_vi        VARCHAR NOT NULL,
    why_warning_vi    VARCHAR,
    document          VARCHAR,
    location          VARCHAR,
    evidence          JSON,
    rule_file         VARCHAR NOT NULL,
    as_of             DATE,
    -- set when the finding exists only because a file was rejected (its figures are missing, not wrong)
    echo_of_submission_id VARCHAR,
    echo_of_file      VARCHAR,
    echo_reason       VARCHAR,
    -- from run to run (pipelines/quality/history.py): set after the evaluation, in its transaction
    lifecycle         VARCHAR,   -- new | persisting, against the previous evaluation
    first_seen_run_id VARCHAR,
    review_status     VARCHAR,   -- explained | accepted | waived (expectations/reviewed_findings.csv), else NULL
    review_reason     VARCHAR,
    reviewer          VARCHAR,
    reviewed_on       DATE
);
""" + SOURCES_DDL + f"""CREATE OR REPLACE TABLE audit.dq_rules (
    rule_id     VARCHAR PRIMARY KEY,
    label       VARCHAR NOT NULL,
    severity    VARCHAR NOT NULL,
    category    VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    bind        VARCHAR NOT NULL,
    missing     VARCHAR NOT NULL,
    scale       {NUM},
    message     VARCHAR NOT NULL,
    why_warning VARCHAR,
    rule_file   VARCHAR NOT NULL,
    label_vi    VARCHAR NOT NULL,
    message_vi  VARCHAR NOT NULL,
    why_warning_vi VARCHAR
);
"""

FINDING_COLUMNS = [
    "finding_id", "rule_id", "rule_label", "severity", "category", "rule_kind", "agency_code", "subject",
    "metric", "unit", "expected_value", "actual_value", "difference", "tolerance", "expected_number", "actual_number",
    "difference_number", "tolerance_number", "message", "why_warning", "document", "location", "evidence",
    "rule_file", "as_of", "rule_label_vi", "message_vi", "why_warning_vi",
]
# Findings are gathered in _found with their citations (lineage.CITE_TYPE), then split into
# audit.dq_findings and audit.dq_finding_sources.
ECHO_COLUMNS = ["echo_of_submission_id", "echo_of_file", "echo_reason"]
ALL_COLUMNS = ", ".join([*FINDING_COLUMNS, *ECHO_COLUMNS])
FOUND_DDL = (f"CREATE OR REPLACE TEMP TABLE _found AS SELECT {ALL_COLUMNS}, "
             f"CAST(NULL AS {CITE_TYPE}[]) AS cites FROM audit.dq_findings WHERE false")
FOUND_COLUMNS = ", ".join([*FINDING_COLUMNS, "cites"])

# The placeholders a rule's message may hold (expectations/rules/*.yml).
PLACEHOLDERS = ("subject", "metric", "actual", "expected", "difference", "tolerance", "unit")
PLACEHOLDER = "\\{(?:" + "|".join(PLACEHOLDERS) + ")\\}"
RE2_VISIBLE = "[^" + RE2_INVISIBLE[1:]

# How each language writes a number in a message: (thousands separator, decimal mark), from the CLDR data
# Babel ships (vi: 1.234,5; en: 1,234.5), and what separates an interval's bounds (a comma is a decimal
# mark in Vietnamese). The *_value columns keep the plain form (no grouping, '.' decimal) for machines.
NUMBER_STYLE = {lang: (get_group_symbol(lang), get_decimal_symbol(lang)) for lang in ("en", "vi")}
INTERVAL_SEPARATOR = {"en": ", ", "vi": "; "}


def _style_macros() -> str:
    """r57_num_<lang>(x), r57_interval_<lang>(lo, hi) and r57_numtext_<lang>(text) for each language."""
    out = []
    for lang, (group, decimal) in NUMBER_STYLE.items():
        g, d, sep = sql_literal(group), sql_literal(decimal), sql_literal(INTERVAL_SEPARATOR[lang])
        out.append(f"""
CREATE OR REPLACE TEMP MACRO r57_num_{lang}(x) AS CASE
    WHEN x IS NULL OR abs(x) >= {UNBOUNDED} / 1000 THEN r57_fmt(x)
    ELSE CASE WHEN x < 0 THEN '-' ELSE '' END
         || replace(format('{{:,}}', CAST(trunc(abs(x)) AS HUGEINT)), ',', {g})
         || coalesce({d} || nullif(regexp_extract(r57_fmt(x), '\\.(\\d+)$', 1), ''), '')
END;
CREATE OR REPLACE TEMP MACRO r57_interval_{lang}(lo, hi) AS
    CASE WHEN lo = hi THEN r57_num_{lang}(lo) ELSE '[' || r57_num_{lang}(lo) || {sep} || r57_num_{lang}(hi) || ']' END;
-- a row check's difference is SQL of any type: written in the language's style when it is a number
CREATE OR REPLACE TEMP MACRO r57_numtext_{lang}(t) AS
    coalesce(r57_num_{lang}(TRY_CAST(t AS {NUM})), t);""")
    return "".join(out)


# Numbers in messages: no trailing zeros, open bounds shown as such.
# r57_render fills a message template in one pass: the template is cut into placeholders and
# literal text first, then each placeholder is replaced by its value, so a value holding
# "{difference}" (a task id, a subject) is shown as written, never filled in turn. Values are
# shown with their control and invisible characters as ⟨U+XXXX⟩ (pipelines/logsafe.py): a message
# is one line, and what it says is what an auditor sees.
MACROS = f"""
CREATE OR REPLACE TEMP MACRO r57_fmt(x) AS CASE
    WHEN x IS NULL THEN NULL
    WHEN x >= {UNBOUNDED} / 1000 THEN '+∞'
    WHEN x <= -{UNBOUNDED} / 1000 THEN '-∞'
    ELSE regexp_replace(regexp_replace(CAST(x AS VARCHAR), '(\\.\\d*?)0+$', '\\1'), '\\.$', '')
END;
CREATE OR REPLACE TEMP MACRO r57_interval(lo, hi) AS
    CASE WHEN lo = hi THEN r57_fmt(lo) ELSE '[' || r57_fmt(lo) || ', ' || r57_fmt(hi) || ']' END;
CREATE OR REPLACE TEMP MACRO r57_visible(x) AS CASE
    WHEN x IS NULL OR NOT regexp_matches(x, '{RE2_INVISIBLE}') THEN x
    ELSE array_to_string(list_transform(regexp_extract_all(x, '{RE2_INVISIBLE}|{RE2_VISIBLE}+'),
        lambda t: CASE WHEN regexp_full_match(t, '{RE2_INVISIBLE}') THEN printf('⟨U+%04X⟩', unicode(t)) ELSE t END), '')
END;
CREATE OR REPLACE TEMP MACRO r57_render(template, subject, metric, actual, expected, difference, tolerance, unit) AS
    array_to_string(list_transform(regexp_extract_all(template, '{PLACEHOLDER}|\\{{|[^{{]+'),
        lambda t: CASE t
            WHEN '{{subject}}' THEN coalesce(r57_visible(subject), '')
            WHEN '{{metric}}' THEN coalesce(r57_visible(metric), '')
            WHEN '{{actual}}' THEN coalesce(r57_visible(actual), '')
            WHEN '{{expected}}' THEN coalesce(r57_visible(expected), '')
            WHEN '{{difference}}' THEN coalesce(r57_visible(difference), '')
            WHEN '{{tolerance}}' THEN coalesce(r57_visible(tolerance), '')
            WHEN '{{unit}}' THEN coalesce(r57_visible(unit), '')
            ELSE t END), '');
""" + _style_macros()


# The rule step's DuckDB settings (pipelines/assets/quality.py). DuckDB keeps the blocks it read cached up to
# its memory limit (80 % of RAM by default): a full evaluation at 1 M task rows then peaked at 2.1 GB,
# 1.3 GB with this limit (it spills what does not fit to the warehouse's temp folder).
RULES_DUCKDB_SETTINGS = ("SET memory_limit = '1GB'",)


@dataclass
class EvaluationSummary:
    figures: int
    findings: int
    by_rule: dict[str, int]
    errors: int
    warnings: int
    echoes_by_rule: dict[str, int] = field(default_factory=dict)
    incremental: bool = False  # only what the files received since the last evaluation touched was redone


def _figure_source_sql(source: FigureSource, scope: str = "true") -> str:
    """SQL giving one row per (group, metric) for one figure source, over its rows where `scope` holds."""
    metric_cols = ",\n    ".join(f'CAST(({expr}) AS {NUM}) AS "{name}"' for name, expr in source.metrics.items())
    conditions = [c for c in (source.where, None if scope == "true" else scope) if c]
    where = "WHERE " + " AND ".join(f"({c})" for c in conditions) if conditions else ""
    group_by = f"GROUP BY {', '.join(source.group_by)}" if source.group_by else ""
    inner = f"""
SELECT ({source.group_key}) AS group_key, ({source.agency}) AS agency_code, ({source.as_of or 'NULL'}) AS as_of,
       ({source.subject}) AS subject,
       ({source.document}) AS document, ({source.location}) AS location, ({source.quote or 'NULL'}) AS quote,
       {'(' + source.value_text + ')' if source.value_text else 'NULL'} AS _value_text,
       {'(' + source.unit + ')' if source.unit else 'NULL'} AS unit,
       {'CAST(coalesce((' + source.low + '), -' + UNBOUNDED + ') AS ' + NUM + ')' if source.low else 'NULL'} AS _low,
       {'CAST(coalesce((' + source.high + '), ' + UNBOUNDED + ') AS ' + NUM + ')' if source.high else 'NULL'} AS _high,
       {cites_sql(source.cites)} AS _cites,
       {'(' + source.figure_id + ')' if source.figure_id else 'NULL'} AS _figure_id,
       {'(' + source.metric + ')' if source.metric else 'NULL'} AS _metric,
    {metric_cols}
FROM {source.from_} {where} {group_by}"""
    columns = ", ".join(f'"{name}"' for name in source.metrics)
    return f"""
SELECT coalesce(_figure_id, {sql_literal(source.id + ':')} || group_key || ':' || coalesce(_metric, metric)) AS figure_id,
       {sql_literal(source.id)} AS source_id, group_key, coalesce(_metric, metric) AS metric, agency_code, CAST(as_of AS DATE),
       subject, document, location, quote,
       coalesce(_value_text, r57_fmt(value)) AS value_text, unit,
       value, coalesce(_low, value) AS low, coalesce(_high, value) AS high, {FIGURE_CITES_SQL} AS cites
FROM (UNPIVOT ({inner}) ON {columns} INTO NAME metric VALUE value)"""


def _insert_figures(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, table: str, dates: list | None) -> None:
    """Every source's figures into `table`: all of them (`dates` None), or those in scope of the touched dates."""
    for source in catalogue.sources.values():
        scope = "true" if dates is None else inc.scope_sql(source.incremental, source.as_of or "NULL", dates)
        try:
            con.execute(f"INSERT INTO {table} {_figure_source_sql(source, scope)}")
        except duckdb.Error as exc:
            raise RuntimeError(f"figure source {source.id} ({source.from_}) failed: {exc}") from exc


def build_figures(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> int:
    con.execute(FIGURES_DDL)
    _insert_figures(con, catalogue, "audit.dq_figures", None)
    return con.execute("SELECT count(*) FROM audit.dq_figures").fetchall()[0][0]


def _by_reach(items: dict, column: str, as_of: str, dates: list) -> str:
    """SQL true for the stored rows (`column` holds the source or rule id) an incremental evaluation redoes."""
    terms = []
    for reach in ("", *inc.REACH):
        ids = [i for i, item in items.items() if item.incremental == reach]
        if ids:
            terms.append(f"({column} IN ({', '.join(sql_literal(i) for i in ids)}) AND {inc.scope_sql(reach, as_of, dates)})")
    return " OR ".join(terms) or "false"


def update_figures(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, dates: list) -> None:
    """Redo the figures in scope, write only those that changed, and say which did (temp table _changed_figures)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _new_figures AS SELECT * FROM audit.dq_figures WHERE false")
    _insert_figures(con, catalogue, "_new_figures", dates)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _old_figures AS
        SELECT * FROM audit.dq_figures WHERE {_by_reach(catalogue.sources, 'source_id', 'as_of', dates)};
        CREATE OR REPLACE TEMP TABLE _gone_figures AS SELECT * FROM _old_figures EXCEPT SELECT * FROM _new_figures;
        CREATE OR REPLACE TEMP TABLE _came_figures AS SELECT * FROM _new_figures EXCEPT SELECT * FROM _old_figures;
        DELETE FROM audit.dq_figures WHERE figure_id IN (SELECT figure_id FROM _gone_figures);
        INSERT INTO audit.dq_figures SELECT * FROM _came_figures;
        -- the instances to redo: a figure changed, or one dated on a touched date (its finding may become an echo)
        CREATE OR REPLACE TEMP TABLE _affected_figures AS
        SELECT figure_id, group_key FROM _gone_figures
        UNION SELECT figure_id, group_key FROM _came_figures
        UNION SELECT figure_id, group_key FROM audit.dq_figures WHERE as_of IN (SELECT d FROM _touched);
        DROP TABLE _new_figures; DROP TABLE _old_figures; DROP TABLE _gone_figures; DROP TABLE _came_figures;
    """)


def rule_roles(rule: Rule) -> list[tuple[int, str, str]]:
    """(part number, role, metric or figure id) for one rule, as its kind binds them (kinds.py)."""
    return kinds.KINDS[rule.kind].bindings(rule.spec)


def _load_rules(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, write_rules: bool = True) -> None:
    scale = {k.name: k.scale for k in kinds.relation_kinds()}  # the kind's default, or None: it takes no scale
    rules_frame = pl.DataFrame(
        [{
            "rule_id": r.id, "label": r.label, "severity": r.severity, "category": r.category, "kind": r.kind,
            "bind": r.bind, "missing": r.missing,
            "scale": None if scale.get(r.kind) is None else str(r.spec.get("scale", scale[r.kind])),
            "message": r.message, "why_warning": r.why_warning or None, "rule_file": r.file,
            "label_vi": r.label_vi, "message_vi": r.message_vi, "why_warning_vi": r.why_warning_vi or None,
        } for r in catalogue.rules.values()],
        schema={"rule_id": pl.String, "label": pl.String, "severity": pl.String, "category": pl.String,
                "kind": pl.String, "bind": pl.String, "missing": pl.String, "scale": pl.String,
                "message": pl.String, "why_warning": pl.String, "rule_file": pl.String,
                "label_vi": pl.String, "message_vi": pl.String, "why_warning_vi": pl.String},
    )
    # `stated`: the role is its kind's stated side, which gives an instance its metric, subject and unit
    roles_frame = pl.DataFrame(
        [{"rule_id": r.id, "bind": r.bind, "part_no": part, "role": role, "ref": ref,
          "stated": role == kinds.KINDS[r.kind].stated_role}
         for r in catalogue.rules.values() for part, role, ref in rule_roles(r)],
        schema={"rule_id": pl.String, "bind": pl.String, "part_no": pl.Int64, "role": pl.String, "ref": pl.String,
                "stated": pl.Boolean},
    )
    echo_frame = pl.DataFrame([{"rule_id": r.id, "domain": d} for r in catalogue.rules.values() for d in r.echo_of],
                              schema={"rule_id": pl.String, "domain": pl.String})
    con.register("_echo_in", echo_frame.to_arrow())
    con.execute("CREATE OR REPLACE TEMP TABLE _rule_echo AS SELECT * FROM _echo_in")
    con.unregister("_echo_in")
    con.register("_rules_in", rules_frame.to_arrow())
    con.register("_roles_in", roles_frame.to_arrow())
    if write_rules:  # an incremental evaluation runs under the same catalogue: audit.dq_rules holds it already
        con.execute(f"""
            INSERT INTO audit.dq_rules SELECT rule_id, label, severity, category, kind, bind, missing,
                CAST(scale AS {NUM}), message, why_warning, rule_file, label_vi, message_vi, why_warning_vi
                FROM _rules_in""")
    con.execute("CREATE OR REPLACE TEMP TABLE _rule_roles AS SELECT * FROM _roles_in")
    con.unregister("_rules_in")
    con.unregister("_roles_in")


BIND_SQL = """
CREATE OR REPLACE TEMP TABLE _bindings AS
-- by figure id (figures quoted from reports)
SELECT r.rule_id, r.rule_id || CASE WHEN r.part_no > 0 THEN '#' || r.part_no ELSE '' END AS instance_key,
       r.part_no, r.role, r.ref, f.figure_id
FROM _rule_roles r LEFT JOIN audit.dq_figures f ON f.figure_id = r.ref
WHERE r.bind = 'id' AND {id_rules}
UNION ALL
-- by metric within each group (agency submissions): an instance per group holding any of the rule's metrics
SELECT i.rule_id, i.group_key || CASE WHEN i.part_no > 0 THEN '#' || i.part_no ELSE '' END,
       i.part_no, r.role, r.ref, f.figure_id
FROM (SELECT DISTINCT r.rule_id, r.part_no, f.group_key
      FROM _rule_roles r JOIN audit.dq_figures f ON f.metric = r.ref WHERE r.bind = 'group' AND {groups}) AS i
JOIN _rule_roles r ON r.rule_id = i.rule_id AND r.part_no = i.part_no
LEFT JOIN audit.dq_figures f ON f.group_key = i.group_key AND f.metric = r.ref;
"""
# An incremental evaluation binds only the instances holding an affected figure (update_figures).
AFFECTED_ID_RULES = ("r.rule_id IN (SELECT rule_id FROM _rule_roles WHERE bind = 'id' "
                     "AND ref IN (SELECT figure_id FROM _affected_figures))")
AFFECTED_GROUPS = "f.group_key IN (SELECT group_key FROM _affected_figures)"
# The stored relation findings of those instances: the ones an incremental evaluation redoes.
AFFECTED_RELATION_FINDINGS = """
SELECT md5(r.rule_id || '|' || g.group_key || CASE WHEN r.part_no > 0 THEN '#' || r.part_no ELSE '' END) AS finding_id
FROM (SELECT DISTINCT rule_id, part_no FROM _rule_roles WHERE bind = 'group') AS r,
     (SELECT DISTINCT group_key FROM _affected_figures) AS g
UNION ALL
SELECT finding_id FROM audit.dq_findings
WHERE rule_id IN (SELECT rule_id FROM _rule_roles r WHERE bind = 'id' AND """ + AFFECTED_ID_RULES + ")"

# One row per (rule, instance, role): the role's figures reduced to an interval.
ROLE_SQL = """
CREATE OR REPLACE TEMP TABLE _role_values AS
SELECT b.rule_id, b.instance_key, b.role,
       sum(coalesce(f.value, 0)) AS v, sum(coalesce(f.low, 0)) AS lo, sum(coalesce(f.high, 0)) AS hi,
       -- for `consistent`: the highest floor and the lowest ceiling among the role's figures
       max(f.low) AS max_lo, arg_max(f.value, f.low) AS max_lo_v, arg_max(f.high, f.low) AS max_lo_hi,
       min(f.high) AS min_hi, arg_min(f.value, f.high) AS min_hi_v, arg_min(f.low, f.high) AS min_hi_lo,
       count(f.figure_id) AS present, count(*) AS bound,
       list(b.ref ORDER BY b.ref) FILTER (WHERE f.figure_id IS NULL) AS absent,
       any_value(f.metric) AS metric, any_value(f.subject) AS subject, max(f.agency_code) AS agency_code,
       max(f.as_of) AS as_of,
       any_value(f.unit) AS unit
FROM _bindings b LEFT JOIN audit.dq_figures f USING (figure_id)
GROUP BY ALL;
"""

# The columns of a role reduced to its interval (ROLE_SQL), pivoted to `<role>_<column>` per instance.
ROLE_COLUMNS = ("v", "lo", "hi", "max_lo", "max_lo_v", "max_lo_hi", "min_hi", "min_hi_v", "min_hi_lo", "present")


def _instance_sql() -> str:
    pivots = ",\n       ".join(
        f"max({col}) FILTER (WHERE role = {sql_literal(role)}) AS {role}_{col}"
        for role in kinds.role_names() for col in ROLE_COLUMNS
    )
    return f"""
CREATE OR REPLACE TEMP TABLE _instances AS
SELECT rv.rule_id, rv.instance_key,
       bool_and(rv.present = rv.bound) AS complete,
       flatten(list(rv.absent) FILTER (WHERE rv.absent IS NOT NULL)) AS absent,
       coalesce(max(rv.metric) FILTER (WHERE s.stated), max(rv.metric)) AS metric,
       coalesce(max(rv.subject) FILTER (WHERE s.stated), max(rv.subject)) AS subject,
       max(rv.agency_code) AS agency_code,
       max(rv.as_of) AS as_of,
       coalesce(max(rv.unit) FILTER (WHERE s.stated), max(rv.unit)) AS unit,
       {pivots}
FROM _role_values rv JOIN (SELECT DISTINCT rule_id, role, stated FROM _rule_roles) AS s USING (rule_id, role)
GROUP BY rv.rule_id, rv.instance_key;
"""


def _sides_sql() -> str:
    """Each kind's stated side (a) and computed side (e) as intervals, whether it fails, its tolerance."""
    parts = []
    for kind in kinds.relation_kinds():
        a, e = kind.stated, kind.computed
        present = "".join(f" AND i.{role}_present >= {n}" for role, n in kind.min_present.items())
        parts.append(f"""
SELECT *, ({kind.fails}) AS fails, CAST({kind.tolerance or 'NULL'} AS {NUM}) AS tol FROM (
SELECT i.*, r.kind, r.missing,
       CAST({a.v} AS {NUM}) AS a_v, CAST({a.lo} AS {NUM}) AS a_lo, CAST({a.hi} AS {NUM}) AS a_hi,
       CAST({e.v} AS {NUM}) AS e_v, CAST({e.lo} AS {NUM}) AS e_lo, CAST({e.hi} AS {NUM}) AS e_hi
FROM _instances i JOIN audit.dq_rules r USING (rule_id)
WHERE r.kind = {sql_literal(kind.name)} AND (i.complete OR r.missing = 'zero'){present})""")
    return f"""
CREATE OR REPLACE TEMP TABLE _verdicts AS
{' UNION ALL '.join(parts)};
"""


# Evidence (figures, quotes, cited rows) is gathered for the failing instances only: the others
# become no finding, and building it for all of them is most of the engine's memory at national scale.
EVIDENCE_SQL = """
CREATE OR REPLACE TEMP TABLE _evidence AS
SELECT b.rule_id, b.instance_key, """ + INSTANCE_CITES_SQL + """ AS cites,
       to_json(list({role: b.role, figure_id: coalesce(f.figure_id, b.ref), document: f.document,
                     location: f.location, quote: f.quote, value_text: f.value_text, unit: f.unit,
                     value: f.value, low: f.low, high: f.high}
                    ORDER BY b.role, f.document, f.location, b.ref)) AS evidence,
       string_agg(DISTINCT f.document, '; ' ORDER BY f.document) AS document,
       string_agg(DISTINCT coalesce(f.document || ' ', '') || f.location, '; ' ORDER BY coalesce(f.document || ' ', '') || f.location) AS location
FROM (SELECT * FROM _bindings
      WHERE (rule_id, instance_key) IN (SELECT rule_id, instance_key FROM _verdicts WHERE fails)) AS b
LEFT JOIN audit.dq_figures f USING (figure_id)
GROUP BY ALL;
"""

RELATION_FINDINGS_SQL = """
SELECT md5(v.rule_id || '|' || v.instance_key) AS finding_id, v.rule_id, r.label, r.severity, r.category, r.kind,
       v.agency_code, v.subject, v.metric, v.unit,
       r57_interval(e_lo, e_hi) AS expected_value,
       r57_interval(a_lo, a_hi) AS actual_value,
       r57_fmt(a_v - e_v) AS difference,
       r57_fmt(tol) AS tolerance,
       e_v, a_v, a_v - e_v, tol,
       r57_render(r.message, v.subject, v.metric, r57_interval_en(a_lo, a_hi), r57_interval_en(e_lo, e_hi),
                  r57_num_en(a_v - e_v), r57_num_en(tol), v.unit)
         || CASE WHEN len(v.absent) > 0 THEN ' (absent, counted as 0: ' || array_to_string(v.absent, ', ') || ')' ELSE '' END,
       r.why_warning, ev.document, ev.location, ev.evidence, r.rule_file, v.as_of, r.label_vi,
       r57_render(r.message_vi, v.subject, v.metric, r57_interval_vi(a_lo, a_hi), r57_interval_vi(e_lo, e_hi),
                  r57_num_vi(a_v - e_v), r57_num_vi(tol), v.unit)
         || CASE WHEN len(v.absent) > 0 THEN ' (thiếu, tính là 0: ' || array_to_string(v.absent, ', ') || ')' ELSE '' END,
       r.why_warning_vi, ev.cites
FROM _verdicts v
JOIN audit.dq_rules r USING (rule_id)
JOIN _evidence ev USING (rule_id, instance_key)
WHERE v.fails
"""


def _row_check_sql(rule: Rule, scope: str = "true", from_: str | None = None) -> str:
    """A row check's findings over its rows (of `from_` instead of its own table, if given) where `scope` holds;
    its id is the bound parameter $rule_id, its label and message come from audit.dq_rules."""
    s = rule.spec
    difference = f"CAST(({s['difference']}) AS VARCHAR)" if "difference" in s else "NULL"
    # the id: rule, agency, date and `key` (default the subject), never a value, file name or row number, so a
    # corrected resend still showing the fault keeps it; two rows with one key (a key too coarse) fall back
    # to their document and location rather than fail the run on a duplicate id
    ident = (f"r.rule_id || '|' || coalesce(CAST(({s['agency']}) AS VARCHAR), '') || '|' || "
             f"coalesce(CAST(CAST(({s.get('as_of', 'NULL')}) AS DATE) AS VARCHAR), '') || '|' || "
             f"coalesce(CAST(({s.get('key', s['subject'])}) AS VARCHAR), '')")
    return f"""
SELECT CASE WHEN count(*) OVER (PARTITION BY {ident}) = 1 THEN md5({ident})
            ELSE md5({ident} || '|' || ({s['document']}) || '|' || ({s['location']})) END,
       r.rule_id, r.label, r.severity, r.category, r.kind,
       ({s['agency']}), CAST(({s['subject']}) AS VARCHAR), NULL, NULL,
       CAST(({s['expected']}) AS VARCHAR), CAST(({s['actual']}) AS VARCHAR), {difference}, NULL,
       NULL, NULL, NULL, NULL,
       r57_render(r.message, CAST(({s['subject']}) AS VARCHAR), NULL, CAST(({s['actual']}) AS VARCHAR),
                  CAST(({s['expected']}) AS VARCHAR), r57_numtext_en({difference}), NULL, NULL),
       r.why_warning, ({s['document']}), ({s['location']}),
       to_json([{{role: 'row', document: ({s['document']}), location: ({s['location']})}}]), r.rule_file,
       CAST(({s.get('as_of', 'NULL')}) AS DATE), r.label_vi,
       r57_render(r.message_vi, CAST(({s['subject']}) AS VARCHAR), NULL, CAST(({s['actual']}) AS VARCHAR),
                  CAST(({s['expected']}) AS VARCHAR), r57_numtext_vi({difference}), NULL, NULL),
       r.why_warning_vi, {cites_sql(s.get('cites', ()), default_role='row')}
FROM {from_ or s['from']}, (SELECT * FROM audit.dq_rules WHERE rule_id = $rule_id) AS r
WHERE ({s['where']}) AND ({scope})"""


# A finding whose agency sent a file of a domain the rule reads, at the finding's date, that was
# rejected, with no accepted file in force for that agency, domain and date: the figures are
# missing because of that file, so the finding is its echo, not a fault of its own. It points at
# the file and its rejection message, and the report shows it under that file.
ECHO_SQL = """
UPDATE _found AS f
SET echo_of_submission_id = c.submission_id,
    echo_of_file = c.file_name,
    echo_reason = 'rejected',
    message = regexp_replace(f.message, ' \\(absent, counted as 0: [^)]*\\)$', '')
              || ' [echo of a rejected file: ' || r57_visible(c.file_name) || ' was not loaded, so its figures are missing here, not wrong; '
              || 'fix that file first. Rejected because ' || r57_visible(c.reason) || ']',
    message_vi = regexp_replace(f.message_vi, ' \\(thiếu, tính là 0: [^)]*\\)$', '')
              || ' [hệ quả của một tệp bị từ chối: tệp ' || r57_visible(c.file_name) || ' không được nạp nên số liệu '
              || 'của tệp bị thiếu ở đây, không phải sai; cần sửa tệp đó trước. Lý do từ chối: ' || r57_visible(c.reason) || ']'
FROM (
    SELECT f.finding_id, s.submission_id, s.file_name,
           regexp_replace(s.message, '^' || regexp_escape(s.file_name) || ': ', '') AS reason
    FROM _found f
    JOIN _rule_echo e USING (rule_id)
    JOIN audit.submissions s
      ON s.agency_code = f.agency_code AND s.domain = e.domain AND s.reporting_date = f.as_of AND s.status = 'rejected'
    WHERE NOT EXISTS (SELECT 1 FROM audit.submissions ok
                      WHERE ok.agency_code = s.agency_code AND ok.domain = s.domain
                        AND ok.reporting_date = s.reporting_date AND ok.status = 'accepted')
    QUALIFY row_number() OVER (PARTITION BY f.finding_id ORDER BY s.received_at DESC, s.file_name) = 1
) AS c
WHERE f.finding_id = c.finding_id
"""


# Which findings and sources differ between those stored in scope (_scope) and those just found: only these
# are deleted and written again, so every other finding keeps its row.
MERGE_SQL = f"""
CREATE OR REPLACE TEMP TABLE _old_findings AS
SELECT {ALL_COLUMNS} FROM audit.dq_findings WHERE finding_id IN (SELECT finding_id FROM _scope);
CREATE OR REPLACE TEMP TABLE _old_sources AS
SELECT * FROM audit.dq_finding_sources WHERE finding_id IN (SELECT finding_id FROM _scope);
CREATE OR REPLACE TEMP TABLE _differing AS
SELECT finding_id FROM (SELECT * FROM _old_findings EXCEPT SELECT {ALL_COLUMNS} FROM _found)
UNION SELECT finding_id FROM (SELECT {ALL_COLUMNS} FROM _found EXCEPT SELECT * FROM _old_findings)
UNION SELECT finding_id FROM (SELECT * FROM _old_sources EXCEPT SELECT * FROM _found_sources)
UNION SELECT finding_id FROM (SELECT * FROM _found_sources EXCEPT SELECT * FROM _old_sources);
DELETE FROM audit.dq_finding_sources WHERE finding_id IN (SELECT finding_id FROM _differing);
DELETE FROM audit.dq_findings WHERE finding_id IN (SELECT finding_id FROM _differing);
INSERT INTO audit.dq_findings ({ALL_COLUMNS}) SELECT {ALL_COLUMNS} FROM _found
WHERE finding_id IN (SELECT finding_id FROM _differing);
INSERT INTO audit.dq_finding_sources SELECT * FROM _found_sources WHERE finding_id IN (SELECT finding_id FROM _differing);
"""


def _shared_rows(con: duckdb.DuckDBPyConnection, checks: dict[str, Rule], scopes: dict[str, str]) -> dict:
    """The rows in scope of a table that several row checks read, each set read once into a temp table.

    Only for a scope narrower than the whole table (an incremental evaluation): a view computed once for
    all of its checks (the task history's window over every date), and never all history held at once.
    """
    readers: dict[tuple[str, str], int] = {}
    for rule_id, rule in checks.items():
        key = (rule.spec["from"], scopes[rule_id])
        readers[key] = readers.get(key, 0) + 1
    shared = {}
    for n, (key, count) in enumerate(sorted(readers.items())):
        if count > 1 and key[1] != "true":
            shared[key] = f"_scoped_rows_{n}"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {shared[key]} AS SELECT * FROM {key[0]} WHERE {key[1]}")
    return shared


def _has_submissions(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = 'audit' AND table_name = 'submissions'").fetchall())


def evaluate(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, *, incremental: bool = False,
             basis: str = "", run_id: str | None = None, register: Path | None = None) -> EvaluationSummary:
    """Write audit.dq_figures and audit.dq_findings from the catalogue, in one transaction.

    Full by default. `incremental`: redo only what the submissions received since the last evaluation can
    have changed (pipelines/quality/incremental.py), when the last one ran under the same catalogue and
    `basis` (the caller's digest of everything else the marts are built from); otherwise full.
    `run_id` and `register` (the reviewed-findings file): the run recorded and the reviews applied (history.py).
    """
    con.execute(MACROS)
    basis = inc.basis_digest(catalogue, basis)
    con.execute("BEGIN TRANSACTION")
    try:
        has_submissions = _has_submissions(con)
        full = not (incremental and inc.can_run_incrementally(con, basis))
        if full:
            con.execute(FINDINGS_DDL)
            figures = build_figures(con, catalogue)
        else:
            dates = inc.touched_dates(con)
        _load_rules(con, catalogue, write_rules=full)
        if not full:
            update_figures(con, catalogue, dates)
            figures = con.execute("SELECT count(*) FROM audit.dq_figures").fetchall()[0][0]
        missing_ids = con.execute(
            "SELECT DISTINCT rule_id, ref FROM _rule_roles r WHERE bind = 'id' "
            "AND NOT EXISTS (SELECT 1 FROM audit.dq_figures f WHERE f.figure_id = r.ref) ORDER BY ALL"
        ).fetchall()
        if missing_ids:
            more = f" (+{len(missing_ids) - 10} more)" if len(missing_ids) > 10 else ""
            raise RuntimeError("rules name figures that do not exist: "
                               + ", ".join(f"{r}→{f}" for r, f in missing_ids[:10]) + more)
        bind = BIND_SQL.format(id_rules="true", groups="true") if full else \
            BIND_SQL.format(id_rules=AFFECTED_ID_RULES, groups=AFFECTED_GROUPS)
        for sql in (bind, ROLE_SQL, _instance_sql(), _sides_sql(), EVIDENCE_SQL):
            con.execute(sql)
        con.execute(FOUND_DDL)
        con.execute(f"INSERT INTO _found ({FOUND_COLUMNS}) {RELATION_FINDINGS_SQL}")
        checks = {r.id: r for r in catalogue.rules.values() if isinstance(kinds.KINDS[r.kind], kinds.RowCheckKind)}
        scopes = {i: "true" if full else inc.scope_sql(r.incremental, r.spec.get("as_of", "NULL"), dates)
                  for i, r in checks.items()}
        shared = _shared_rows(con, checks, scopes)
        for rule in checks.values():
            table = shared.get((rule.spec["from"], scopes[rule.id]))
            sql = _row_check_sql(rule, "true", table) if table else _row_check_sql(rule, scopes[rule.id])
            try:
                con.execute(f"INSERT INTO _found ({FOUND_COLUMNS}) {sql}", {"rule_id": rule.id})
            except duckdb.Error as exc:
                raise RuntimeError(f"rule {rule.id} ({rule.file}) failed: {exc}") from exc
        if any(r.echo_of for r in catalogue.rules.values()) and has_submissions:
            con.execute(ECHO_SQL)
        if full:
            con.execute(f"INSERT INTO audit.dq_findings ({ALL_COLUMNS}) SELECT {ALL_COLUMNS} FROM _found")
            con.execute(sources_sql(has_submissions))
        else:
            con.execute("CREATE OR REPLACE TEMP TABLE _found_sources AS SELECT * FROM audit.dq_finding_sources WHERE false")
            con.execute(sources_sql(has_submissions, into="_found_sources"))
            con.execute(f"""
                CREATE OR REPLACE TEMP TABLE _scope AS
                {AFFECTED_RELATION_FINDINGS}
                UNION ALL
                SELECT finding_id FROM audit.dq_findings WHERE {_by_reach(checks, 'rule_id', 'as_of', dates)}""")
            con.execute(MERGE_SQL)
        history.record(con, catalogue, run_id=run_id, full=full, register=register)
        if has_submissions:
            inc.write_state(con, basis)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    by_rule = dict(con.execute(
        "SELECT rule_id, count(*) FROM audit.dq_findings GROUP BY rule_id ORDER BY rule_id").fetchall())
    echoes_by_rule = dict(con.execute(
        "SELECT rule_id, count(*) FROM audit.dq_findings WHERE echo_of_file IS NOT NULL GROUP BY rule_id ORDER BY rule_id").fetchall())
    # echoes are counted apart: they are the consequence of a rejected file, which is reported as such
    errors, warnings = con.execute(
        "SELECT count(*) FILTER (WHERE severity = 'error'), count(*) FILTER (WHERE severity = 'warning') "
        "FROM audit.dq_findings WHERE echo_of_file IS NULL"
    ).fetchall()[0]
    return EvaluationSummary(figures=figures, findings=sum(by_rule.values()), by_rule=by_rule,
                             errors=errors, warnings=warnings, echoes_by_rule=echoes_by_rule, incremental=not full)
