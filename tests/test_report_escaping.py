"""Nothing an agency sends runs in the auditor's browser, rewrites a message, forges a log line or hides.

One real `full_load` run (module fixture) on the `markup` family of the bad-input corpus
(tests/bad_inputs/markup/: payloads in task ids, enum, code and date cells, headers, sheet names)
plus hostile file names that cannot be committed (markup, quotes and a newline in the name). Then:
the report is parsed and must hold no element, attribute or link the template did not write, with
every payload visible as text; the finding messages are exact (a task id holding `{difference}`
is shown as written); the run log has no forged line. A second report is rendered from a copy of
that warehouse with a payload in every other text field an agency controls (agency code, evidence
quote, location, value, ...). The rule engine's one-pass template filling is also checked alone.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sys
import textwrap
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, build_sensor_context
from markupsafe import escape

from pipelines import logsafe
from pipelines.quality.engine import evaluate
from pipelines.quality.rules import load_catalogue
from pipelines.report.render import anchor, environment, write_report
from pipelines.settings import Settings

PROJECT = Path(__file__).resolve().parent.parent
MARKUP = PROJECT / "tests" / "bad_inputs" / "markup"
sys.path.insert(0, str(MARKUP))
import make_markup as corpus  # noqa: E402

# Hostile file names (rejected by the file-name pattern, their names quoted in the report and the log).
SCRIPT_NAME = "<script src=data:,alert('name')>.csv"  # no "/": it would be a folder
ATTRIBUTE_NAME = "\"><img src=x onerror=alert('name')>__task_status__2025-12-01.csv"
NEWLINE_NAME = "BNG__task_status__2025-12-01.csv\n2025-12-01 06:00:00 INFO forged: all files accepted"
FILE_NAME_RULE = "file name must be <AGENCY_CODE>__<domain>__<YYYY-MM-DD>.csv|xlsx"

# What the template itself writes: any other element or attribute came from data.
TEMPLATE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "table", "tr", "th", "td",
                 "br", "small", "div", "b", "q", "a", "mark", "nav", "ol", "li", "span", "details", "summary",
                 "colgroup", "col", "figure", "figcaption", "svg", "g", "rect", "line", "text"}
TEMPLATE_ATTRIBUTES = {"lang", "charset", "http-equiv", "content", "class", "colspan", "id", "href", "name", "hreflang",
                       "aria-label", "role", "viewbox", "width", "height", "x", "y", "x1", "x2", "y1", "y2", "text-anchor"}
# Links out of the page the template writes: the twin page, the pair review, the GX Data Docs, the dbt docs,
# and the archived copies of cited files (relative, under warehouse/archive/: reduced names, pipelines/ingest/inbox.py).
OWN_LINKS = re.compile(r"dq_report\.html|dq_report\.en\.html|published_figure_pairs\.csv|(\.\./)*(gx/index\.html|dbt_docs\.html)"
                       r"|(\.\./)+archive/[0-9a-f]{2}/[0-9a-f]{64}__[A-Za-z0-9._-]+")


class Page(HTMLParser):
    """The elements, attributes and text of a page, as a browser's tokenizer sees them."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.chunks: list[str] = []
        self.source = text
        self.feed(text)
        self.close()
        self.text = "".join(self.chunks)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.chunks.append(data)


def assert_no_markup_from_data(page: Page) -> None:
    assert {t for t, _ in page.tags} <= TEMPLATE_TAGS, {t for t, _ in page.tags} - TEMPLATE_TAGS
    attributes = {name for _, attrs in page.tags for name in attrs}
    assert attributes <= TEMPLATE_ATTRIBUTES, attributes - TEMPLATE_ATTRIBUTES
    assert not any(name.startswith("on") for name in attributes)
    assert [t for t, _ in page.tags].count("script") == 0
    # ids and fragments: one id per element, each link lands on one of them
    ids = [attrs["id"] for _, attrs in page.tags if "id" in attrs]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids), ids
    for _, attrs in page.tags:
        if "href" in attrs:
            href = attrs["href"]
            # the only links out of the page are the template's own
            assert OWN_LINKS.fullmatch(href) or (href.startswith("#") and href[1:] in ids), href
    # the only marks are the code points of invisible characters
    marks = [m for m in re.findall(r"<mark[^>]*>([^<]*)</mark>", page.source)]
    assert all(re.fullmatch(r"⟨U\+[0-9A-F]{4,6}⟩", m) for m in marks), marks


def invisible_in(text: str) -> set[str]:
    """Invisible or control characters in a page, other than the line breaks of its own source."""
    return {logsafe.label(c) for c in logsafe.INVISIBLE.findall(text) if c != "\n"}


@pytest.fixture(scope="module")
def run(tmp_path_factory, run_full_load):
    root = tmp_path_factory.mktemp("markup")
    inbox = root / "inbox"
    shutil.copytree(MARKUP / "files", inbox)
    for name in (SCRIPT_NAME, ATTRIBUTE_NAME, NEWLINE_NAME):
        (inbox / "names").mkdir(exist_ok=True)
        (inbox / "names" / name).write_text("Mã nhiệm vụ\nNQ71-1\n", encoding="utf-8")
    with DagsterInstance.ephemeral() as instance:
        result, _ = run_full_load(root, inbox, instance)
        logs = [entry.user_message for entry in instance.all_logs(result.run_id)]
    settings = Settings.explicit(warehouse_dir=root / "wh", inbox_dir=inbox)
    return {"result": result, "logs": logs, "settings": settings, "root": root}


@pytest.fixture(scope="module", params=["dq_report.html", "dq_report.en.html"])
def page(run, request) -> Page:
    return Page((run["settings"].reports_dir / request.param).read_text(encoding="utf-8"))


def _messages(run) -> dict[tuple[str, str], str]:
    con = duckdb.connect(str(run["settings"].duckdb_path), read_only=True)
    try:
        return {(rule, subject): message for rule, subject, message in con.execute(
            "SELECT rule_id, subject, message FROM audit.dq_findings WHERE agency_code IN ('BCA', 'BKHCN')").fetchall()}
    finally:
        con.close()


def test_the_hostile_round_runs_to_the_report(run):
    assert run["result"].success, [e.message for e in run["result"].all_events if e.is_failure]


def test_the_report_holds_no_markup_from_the_files(page):
    assert_no_markup_from_data(page)
    assert invisible_in(page.source) == set()


def test_every_payload_is_visible_as_text(run, page):
    shown = [
        corpus.SCRIPT_ID, corpus.ATTRIBUTE_ID, corpus.PLACEHOLDER_ID, corpus.EVERY_PLACEHOLDER_ID,  # task ids
        corpus.CO_AGENCY,                                      # a cell quoted in a finding
        f"ignored columns: {corpus.HEADER_PAYLOAD}",           # a header, in a submission's message
        f"ignored sheets: {corpus.IGNORED_SHEET}",             # a sheet name, in a submission's message
        "<img src=x onerror=alert('enum')>",                   # an enum cell, in the quarantine
        "{subject}</td><script>alert('code')</script>",        # a code cell
        "tỷ đồng<script>alert('unit')</script>",               # a unit cell
        SCRIPT_NAME, ATTRIBUTE_NAME,                           # file names
        FILE_NAME_RULE,                                        # the rule quoted to the agency, not "____"
    ]
    for text in shown:
        assert text in page.text, text
        assert str(escape(text)) in page.source, text
    # the agency's invisible characters are shown where they were, marked
    assert "Hoàn thành⟨U+200B⟩ đúng hạn" in page.text
    # (the loader already wrote it out in the quarantine; a raw one is marked: test_every_field_an_agency_controls_is_escaped)
    assert "⟨U+202E⟩5202/11/10" in page.text
    assert "NQ71-⟨U+001B⟩[2J906" in page.text and "NQ71-9⟨U+200B⟩05⟨U+202E⟩" in page.text  # rejected keys, quoted
    # a newline in a file name or a sheet name stays on its line
    assert logsafe.visible(NEWLINE_NAME) in page.text and "\nINFO ok" not in page.text


def test_a_placeholder_in_a_task_id_is_shown_as_written(run):
    messages = _messages(run)
    assert messages[("TS-OVERDUE-BEFORE-DEADLINE", "NQ71:NQ71-{difference}{expected}")] == (
        "NQ71:NQ71-{difference}{expected} is reported 'Đang thực hiện quá hạn' but its deadline 11/12/2025 "
        "has not passed (10 days to go)")
    assert messages[("TS-ON-TIME-PAST-DEADLINE", "NQ71:" + corpus.EVERY_PLACEHOLDER_ID)] == (
        f"NQ71:{corpus.EVERY_PLACEHOLDER_ID} is reported 'Đang thực hiện đúng hạn' but its deadline 21/11/2025 "
        "is before the reporting date (-10 days)")
    assert messages[("TS-IN-PROGRESS-WITH-COMPLETION", "NQ71:" + corpus.SCRIPT_ID)] == (
        f"NQ71:{corpus.SCRIPT_ID} is reported in progress but has a completion date: "
        "completed 15/11/2025 (status IN_PROGRESS_ON_TIME)")
    assert messages[("TS-DONE-WITHOUT-DATE", "NQ71:" + corpus.ATTRIBUTE_ID)] == (
        f"NQ71:{corpus.ATTRIBUTE_ID} is reported completed but 'Ngày hoàn thành' is empty")


def test_a_finding_message_is_one_line_with_nothing_hidden(run):
    messages = _messages(run)
    # keys holding invisible, control or line-break characters never reach a finding: refused on arrival
    assert not [k for k in messages if corpus.INVISIBLE_ID in k[1] or corpus.NEWLINE_ID in k[1] or corpus.TERMINAL_ID in k[1]]
    co = [m for (rule, _), m in messages.items() if rule == "TS-CO-AGENCY-UNKNOWN"]
    assert len(co) == 1 and co[0].startswith(
        "NQ71:NQ71-906 / <svg onload=alert('co')>: co-operating agency <svg onload=alert('co')>: ")
    assert all(not invisible_in(m) and "\n" not in m for m in messages.values())


def test_a_newline_in_a_file_or_sheet_name_forges_no_log_line(run):
    logs = run["logs"]
    forged = [m for m in logs if "all files accepted" in m or "INFO ok" in m]
    shown = logsafe.visible(NEWLINE_NAME)
    assert any(m == f"rejected {shown}: file, field '(file name)': file name contains a control or invisible character "
               f"(⟨U+000A⟩ at position {NEWLINE_NAME.index(chr(10)) + 1}): '{shown}'" for m in forged), forged
    assert any("workbook has a hidden sheet (<svg onload=alert(9)>⟨U+000A⟩INFO ok)" in m for m in forged), forged
    assert all("\n" not in m and "\r" not in m for m in forged)
    # the Dagster UI's list of rejections: one Markdown item per rejected file, none of them markup
    [submissions] = [m.metadata["rejections"].value for m in run["result"].asset_materializations_for_node("agency_submissions")
                     if m.asset_key.path == ["audit", "submissions"]]
    items = submissions.split("\n")
    assert len(items) == 12 and all(item.startswith("- ") for item in items), items
    # the stored reason already shows the newline as ⟨U+000A⟩ (its '+' escaped like any Markdown punctuation)
    assert r"workbook has a hidden sheet \(\<svg onload\=alert\(9\)\>⟨U\+000A⟩INFO ok\)" in submissions


def test_the_sensor_logs_a_file_name_on_one_line(tmp_path):
    from pipelines.definitions import build_definitions

    (tmp_path / NEWLINE_NAME).write_text("x", encoding="utf-8")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(instance=instance)
        context.log.addHandler(handler)  # the sensor's logger does not propagate to the root logger
        build_definitions(Settings.explicit(inbox_dir=tmp_path)).resolve_sensor_def("inbox_sensor")(context)
    assert [r.getMessage() for r in records] == [f"1 new or changed files: {logsafe.visible(NEWLINE_NAME)}"]


# --- every other field an agency controls, rendered from a copy of the warehouse -------------------

def payload(field: str) -> str:
    return f"<script>alert('{field}')</script>\"><img src=x onerror=alert('{field}')>'><svg onload=alert(1)>{{{{7*7}}}}"


@pytest.fixture(scope="module")
def planted(run, tmp_path_factory):
    """The pipeline's warehouse, plus one finding, one rejected file and one echo with a payload in every text field."""
    root = tmp_path_factory.mktemp("planted")
    settings = Settings.explicit(warehouse_dir=root, inbox_dir=run["settings"].inbox_dir)
    shutil.copy(run["settings"].duckdb_path, settings.duckdb_path)
    agency, file_name = payload("agency code"), payload("file name")
    evidence = json.dumps([{"role": payload("role"), "figure_id": "x", "document": payload("evidence document"),
                            "location": payload("evidence location"), "quote": payload("evidence quote"),
                            "value_text": payload("evidence value"), "unit": payload("evidence unit"),
                            "value": 1, "low": 1, "high": 1}])
    con = duckdb.connect(str(settings.duckdb_path))
    con.execute("INSERT INTO marts.dim_agency (agency_code, name_vi) VALUES (?, ?)", [agency, payload("agency name")])
    finding = """INSERT INTO audit.dq_findings (finding_id, rule_id, rule_label, severity, category, rule_kind, agency_code,
        subject, metric, unit, expected_value, actual_value, difference, tolerance, message, why_warning, document,
        location, evidence, rule_file, as_of, echo_of_file, rule_label_vi, message_vi, why_warning_vi)
        VALUES (?, ?, ?, 'error', 'c', 'row_check', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'x.yml', '2025-12-01', ?, ?, ?, ?)"""
    for kind, echo in (("finding", None), ("echo", file_name)):
        con.execute(finding, [kind, payload(f"{kind} rule id"), payload(f"{kind} rule label"), agency,
                              payload(f"{kind} subject"), payload(f"{kind} metric"), payload(f"{kind} unit"),
                              payload(f"{kind} expected"), payload(f"{kind} actual"), payload(f"{kind} difference"),
                              payload(f"{kind} tolerance"), payload(f"{kind} message"), payload(f"{kind} why"),
                              file_name, payload(f"{kind} location"), evidence, echo, payload(f"{kind} rule label vi"),
                              payload(f"{kind} message vi"), payload(f"{kind} why vi")])
        con.execute("INSERT INTO audit.dq_finding_sources (finding_id, submission_id, file_name, row, field, role, context) "
                    "VALUES (?, 'planted', ?, 2, NULL, 'row', false)", [kind, file_name])
    con.execute("""INSERT INTO audit.submissions (submission_id, file_name, agency_code, domain, reporting_date, version,
        sha256, size_bytes, received_at, status, rows_loaded, problems_count, message)
        VALUES ('planted', ?, ?, ?, '2025-12-01', 1, 'x', 1, now(), 'rejected', 0, 1, ?)""",
                [file_name, agency, payload("domain"), payload("submission message")])
    con.execute("INSERT INTO audit.quarantine (submission_id, file_name, source_row, field, value, reason) "
                "VALUES ('planted', ?, 2, ?, ?, ?)",
                [file_name, payload("quarantine field"), payload("quarantine value"), payload("quarantine reason")])
    con.close()
    return settings


FIELDS = [
    "agency code", "agency name", "file name", "domain", "submission message",
    "quarantine field", "quarantine value", "quarantine reason",
    "role", "evidence document", "evidence location", "evidence quote", "evidence value", "evidence unit",
    *(f"{kind} {field}" for kind in ("finding", "echo") for field in ("rule id", "subject", "metric", "expected", "actual")),
    *(f"finding {field}" for field in ("difference", "tolerance")),
]
# The rule's words each page shows in its own language (the catalogue holds both).
LANGUAGE_FIELDS = {"dq_report.html": ["finding message vi", "echo message vi", "finding rule label vi", "finding why vi"],
                   "dq_report.en.html": ["finding message", "echo message", "finding rule label", "finding why"]}


@pytest.mark.parametrize("day", [None, date(2025, 12, 1)], ids=["whole", "round"])
def test_every_field_an_agency_controls_is_escaped(planted, day):
    paths = write_report(planted, day=day)
    for html in (paths.html, paths.html_en):
        page = Page(html.read_text(encoding="utf-8"))
        assert_no_markup_from_data(page)
        for field in FIELDS + LANGUAGE_FIELDS[html.name]:
            assert payload(field) in page.text, (html.name, field)
        # the agency's group has an id made of its code, and the index links to it
        group = anchor("agency", payload("agency code"))
        assert re.fullmatch(r"agency-[A-Za-z0-9_-]+", group) and ("a", {"href": f"#{group}"}) in page.tags
        assert ("h3", {"id": anchor("echoes", payload("file name"))}) in page.tags


def test_templates_escape_everything():
    env = environment()
    folder = PROJECT / "pipelines" / "report" / "templates"
    for path in folder.iterdir():
        assert env.autoescape is True or env.autoescape(path.name), path.name
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe\b|autoescape\s+false|Markup", source), path.name
    rendered = env.from_string("{{ x }}|{{ y }}").render(x="<b>&\"'", y="a\u200bb\u202e")
    assert rendered == "&lt;b&gt;&amp;&#34;&#39;|a<mark class=invisible>⟨U+200B⟩</mark>b<mark class=invisible>⟨U+202E⟩</mark>"


def test_anchor_ids_are_distinct_and_fragment_safe():
    values = ["BKHCN", "HA_NOI", "HA-NOI", "HA-2D-NOI", "HA NOI", "\"><script>", "Báo cáo", "", "a\u200bb"]
    ids = [anchor("agency", v) for v in values]
    assert ids[:2] == ["agency-BKHCN", "agency-HA_NOI"]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids), ids


def test_one_line_and_markdown_helpers():
    assert logsafe.one_line("a\r\nb\tc\x1b[2J\u200b\u2028\u202e\u3164d") == (
        "a⟨U+000D⟩⟨U+000A⟩b⟨U+0009⟩c⟨U+001B⟩[2J⟨U+200B⟩⟨U+2028⟩⟨U+202E⟩⟨U+3164⟩d")
    assert logsafe.one_line(Path("/inbox")) == "/inbox" and logsafe.one_line("Hà Nội 16.716,074") == "Hà Nội 16.716,074"
    assert logsafe.md_list(["[x](javascript:alert(1)) <b>*y*</b>\n- forged"]) == (
        r"- \[x\]\(javascript\:alert\(1\)\) \<b\>\*y\*\<\/b\>⟨U+000A⟩\- forged")
    assert logsafe.md_list([]) == "none"


# --- the engine fills a message template in one pass --------------------------------------------

ENGINE_RULES = """
figure_sources:
  - id: hostile
    from: hostile_rows
    group_key: id
    agency: "'BCA'"
    subject: subject
    document: "'F.csv'"
    location: "'row ' || id"
    metrics: {stated: stated, counted: counted}
rules:
  - id: REL
    label: stated equals counted
    label_vi: "nhãn"
    severity: error
    kind: equal
    actual: stated
    expected: counted
    message: "{subject}|{metric}|{actual}|{expected}|{difference}|{tolerance}|{unit}|{other}|{"
    message_vi: "{subject}|{metric}|{actual}|{expected}|{difference}|{tolerance}|{unit}|{other}|{"
  - id: ROW
    label: every row is flagged
    label_vi: "nhãn"
    severity: error
    kind: row_check
    from: hostile_rows
    where: "true"
    agency: "'BCA'"
    subject: subject
    expected: "'counted ' || counted"
    actual: "note"
    difference: "stated - counted"
    document: "'F.csv'"
    location: "'row ' || id"
    message: "{subject}|{actual}|{expected}|{difference}|{metric}|{tolerance}|{unit}"
    message_vi: "{subject}|{actual}|{expected}|{difference}|{metric}|{tolerance}|{unit}"
"""


def test_a_placeholder_in_a_value_is_never_filled(tmp_path):
    (tmp_path / "rules.yml").write_text(textwrap.dedent(ENGINE_RULES), encoding="utf-8")
    subject = "NQ71-" + corpus.EVERY_PLACEHOLDER + "\u200b"
    con = duckdb.connect()
    con.execute("CREATE TABLE hostile_rows AS SELECT '1' AS id, ? AS subject, 5 AS stated, 3 AS counted, ? AS note",
                [subject, "{expected}\n{subject}"])
    evaluate(con, load_catalogue(tmp_path))
    messages = dict(con.execute("SELECT rule_id, message FROM audit.dq_findings").fetchall())
    con.close()
    shown = "NQ71-" + corpus.EVERY_PLACEHOLDER + "⟨U+200B⟩"
    assert messages == {
        "REL": f"{shown}|stated|5|3|2|0||{{other}}|{{",
        "ROW": f"{shown}|{{expected}}⟨U+000A⟩{{subject}}|counted 3|2|||",
    }
