"""Lineage as rows: which submission, row and field each figure and each finding cites.

A figure source or a row check names what it cites under `cites:` in its YAML, as SQL over its
table, so the link to a file is data (an audit.submissions id and a row number), never parsed
back from the display text `document` / `location`:

    cites:
      - {submission: submission_id, row: source_row, field: "'Ngày hoàn thành'"}
      - {submission: previous_submission_id, row: previous_source_row, role: previous, context: true}
      - {file: "'sources/reference/databases.csv'"}      # a document that is not a submission

submission  SQL: the audit.submissions id of the file cited (its name is read from audit.submissions)
file        SQL: the name of a document that is not a submission (reference data); NULL with a NULL
            submission drops the citation (a previous row that does not exist)
row, rows   SQL: the row of that file, or (`rows`) a list of rows (an aggregate over a grouped
            source); neither: the whole file
field       SQL: the column or metric; a figure's default is its metric
role        row checks only: what the citation is, `row` (the row at fault, default), `previous`, `kept`...
context     row checks only: true when the file is cited for comparison, not as the place of the
            fault; the submission lifecycle does not count the finding against that file

The engine keeps each figure's citations as a list in audit.dq_figures.cites and writes
audit.dq_finding_sources (one row per finding and citation; a relation finding cites every figure
bound to its instance, with the figure's role) in the transaction that writes audit.dq_findings.
"""

from __future__ import annotations

import re
from typing import Any

CITE_KEYS = {"submission", "file", "row", "rows", "field", "role", "context"}
FIGURE_CITE_KEYS = CITE_KEYS - {"role", "context"}
_ROLE = re.compile(r"[a-z][a-z_]{0,30}")

# One citation. In audit.dq_figures role and figure_id are NULL: a figure's role is its binding's.
CITE_TYPE = ('STRUCT(submission_id VARCHAR, file_name VARCHAR, "row" INTEGER, field VARCHAR, role VARCHAR, '
             'context BOOLEAN, figure_id VARCHAR)')

SOURCES_DDL = """
CREATE OR REPLACE TABLE audit.dq_finding_sources (
    finding_id    VARCHAR NOT NULL,   -- audit.dq_findings
    submission_id VARCHAR,            -- audit.submissions; NULL for a document that is not a submission
    file_name     VARCHAR,            -- the submission's file name, or that document's name
    "row"         INTEGER,            -- the row in that file (the file's own numbering); NULL: the whole file
    field         VARCHAR,            -- the column (row checks) or the figure's metric (relations)
    role          VARCHAR NOT NULL,   -- relations: the figure's role (total, parts, actual...); row checks: row, previous, kept...
    figure_id     VARCHAR,            -- relations: the figure cited (audit.dq_figures)
    context       BOOLEAN NOT NULL    -- cited for comparison only: not counted against the file (audit.submission_lifecycle)
);
"""


class CiteError(ValueError):
    pass


def parse_cites(raw: Any, where: str, *, figure: bool) -> tuple[dict[str, Any], ...]:
    """Check a `cites:` list from the catalogue; `where` names it in the error."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise CiteError(f"{where}: cites must be a list of mappings")
    allowed = FIGURE_CITE_KEYS if figure else CITE_KEYS
    out = []
    for i, cite in enumerate(raw, start=1):
        if not isinstance(cite, dict):
            raise CiteError(f"{where}: cite {i} must be a mapping")
        unknown = cite.keys() - allowed
        if unknown:
            raise CiteError(f"{where}: cite {i}: unknown keys {', '.join(sorted(unknown))} (known: {', '.join(sorted(allowed))})")
        if not {"submission", "file"} & cite.keys():
            raise CiteError(f"{where}: cite {i} needs submission or file")
        if {"row", "rows"} <= cite.keys():
            raise CiteError(f"{where}: cite {i}: row or rows, not both")
        if "role" in cite and not _ROLE.fullmatch(str(cite["role"])):
            raise CiteError(f"{where}: cite {i}: role must be a lower-case word, not {cite['role']!r}")
        if not isinstance(cite.get("context", False), bool):
            raise CiteError(f"{where}: cite {i}: context must be true or false")
        out.append(dict(cite))
    return tuple(out)


def cites_sql(cites: tuple[dict[str, Any], ...], *, default_role: str | None = None) -> str:
    """SQL for the list of citations (CITE_TYPE[]) of one row of the table the cites are written over."""
    if not cites:
        return f"CAST([] AS {CITE_TYPE}[])"
    lists = []
    for cite in cites:
        role = cite.get("role", default_role)

        def struct(row: str) -> str:
            return (f"{{submission_id: CAST(({cite.get('submission', 'NULL')}) AS VARCHAR), "
                    f"file_name: CAST(({cite.get('file', 'NULL')}) AS VARCHAR), row: CAST(({row}) AS INTEGER), "
                    f"field: CAST(({cite.get('field', 'NULL')}) AS VARCHAR), "
                    f"role: {'NULL' if role is None else repr(str(role))}, "
                    f"context: {str(bool(cite.get('context', False))).lower()}, figure_id: NULL}}")

        if "rows" in cite:
            lists.append(f"list_transform(({cite['rows']}), lambda _r57_row: {struct('_r57_row')})")
        else:
            lists.append(f"[{struct(cite.get('row', 'NULL'))}]")
    joined = lists[0] if len(lists) == 1 else f"flatten([{', '.join(lists)}])"
    return (f"CAST(list_filter({joined}, lambda _r57_c: _r57_c.submission_id IS NOT NULL OR _r57_c.file_name IS NOT NULL) "
            f"AS {CITE_TYPE}[])")


# A figure's citations take its metric as their field unless the source names one.
FIGURE_CITES_SQL = ("list_transform(_cites, lambda c: {submission_id: c.submission_id, file_name: c.file_name, row: c.row, "
                    "field: coalesce(c.field, _metric, metric), role: NULL, context: c.context, figure_id: NULL})")

# A relation instance cites every figure bound to it, each citation with the figure's role.
INSTANCE_CITES_SQL = ("flatten(list(list_transform(f.cites, lambda c: {submission_id: c.submission_id, file_name: c.file_name, "
                      "row: c.row, field: c.field, role: b.role, context: c.context, figure_id: f.figure_id})) "
                      "FILTER (WHERE f.figure_id IS NOT NULL))")


def sources_sql(has_submissions: bool, into: str = "audit.dq_finding_sources") -> str:
    """Rows of audit.dq_finding_sources from the findings just found (temp table _found), inserted into `into`."""
    name = "coalesce(s.file_name, c.file_name)" if has_submissions else "c.file_name"
    join = "LEFT JOIN audit.submissions s ON s.submission_id = c.submission_id" if has_submissions else ""
    return f"""
INSERT INTO {into}
SELECT DISTINCT c.finding_id, c.submission_id, {name}, c.row, c.field, c.role, c.figure_id, coalesce(c.context, false)
FROM (SELECT finding_id, unnest(cites, recursive := true) FROM _found) AS c
{join}
"""
