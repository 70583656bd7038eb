"""The auditors' report pages: numbers in each language's convention, contents and anchors, links to archived files,
offline SVG charts, the collapsed file list, and no horizontal overflow at 1280 px in headless Chromium.

Unit tests pin the formatting (pipelines/report/locale_text.py) to exact strings; the page tests read the two
pages the shipped samples' pipeline run wrote (conftest `pipeline_runs`), parsed with lxml.
"""

from __future__ import annotations

import hashlib
import shutil
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import pytest
from lxml import html as lxml_html

from pipelines.report import charts, check_width
from pipelines.report.locale_text import localised_message, number, plural, value_text
from pipelines.report.render import write_report
from pipelines.report.words import COUNTS
from pipelines.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")


# --- formatting ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, vi, en", [
    ("16716.074", "16.716,074", "16,716.074"),
    ("11274.000000000", "11.274", "11,274"),
    ("-0.002", "-0,002", "-0.002"),
    ("0.0015", "0,0015", "0.0015"),          # four decimals: a written figure, shown exactly
    ("1185.7345", "1.185,7345", "1,185.7345"),
    ("8.793264733", "8,793", "8.793"),        # a quotient: three decimals
    ("0.534782609", "0,535", "0.535"),
    ("0.000123456", "0,000123", "0.000123"),  # below 1: three significant digits
    ("1000000", "1.000.000", "1,000,000"),
])
def test_one_number_convention_per_language(value, vi, en):
    assert (number(Decimal(value), "vi"), number(Decimal(value), "en")) == (vi, en)


@pytest.mark.parametrize("text, vi, en", [
    ("[11273.5, 11274.5]", "11.273,5 – 11.274,5", "11,273.5 – 11,274.5"),
    ("[59.391965255, 59.738846572]", "59,392 – 59,739", "59.392 – 59.739"),
    ("[70, +∞]", "≥ 70", "≥ 70"),
    ("[-∞, 5]", "≤ 5", "≤ 5"),
    ("[-∞, +∞]", "bất kỳ", "any"),
    ("[2.0000001, 2.0000002]", "2", "2"),     # both ends round alike: one number
    ("deadline 30/11/2025", None, None),      # not a value: shown as written
])
def test_intervals_rounded_for_display(text, vi, en):
    assert (value_text(text, "vi"), value_text(text, "en")) == (vi, en)


def test_counts_use_the_languages_plural_rules():
    assert [plural(n, COUNTS["errors"]["en"], "en") for n in (0, 1, 2, 1000)] == ["0 errors", "1 error", "2 errors", "1,000 errors"]
    assert [plural(n, COUNTS["warnings"]["vi"], "vi") for n in (1, 2, 1000)] == ["1 cảnh báo", "2 cảnh báo", "1.000 cảnh báo"]


FINDING = {"subject": "INDUSTRIAL_DESIGN FOREIGN", "metric": "yoy", "unit": "%", "actual_value": "[14.995, 15.005]",
           "expected_value": "8.793264733", "difference": "6.206735267", "tolerance": "0.005"}
TEMPLATE = "{subject}: growth stated {actual}% but the received counts give {expected}% (difference {difference})"


def test_a_message_gets_its_numbers_in_the_pages_style():
    plain = ("INDUSTRIAL_DESIGN FOREIGN: growth stated [14.995, 15.005]% but the received counts give 8.793264733% "
             "(difference 6.206735267) [echo of a rejected file: X.csv]")
    assert localised_message(plain, TEMPLATE, FINDING, "en") == (
        "INDUSTRIAL_DESIGN FOREIGN: growth stated 14.995 – 15.005% but the received counts give 8.793% "
        "(difference 6.207) [echo of a rejected file: X.csv]")
    # the engine's own Vietnamese style (every decimal, "; " between bounds) is recognised and rounded too
    vi_template = "{subject}: tăng trưởng kê khai {actual}% nhưng số liệu nhận được cho {expected}% (chênh lệch {difference})"
    vi_stored = ("INDUSTRIAL_DESIGN FOREIGN: tăng trưởng kê khai [14,995; 15,005]% nhưng số liệu nhận được cho "
                 "8,793264733% (chênh lệch 6,206735267)")
    assert localised_message(vi_stored, vi_template, FINDING, "vi") == (
        "INDUSTRIAL_DESIGN FOREIGN: tăng trưởng kê khai 14,995 – 15,005% nhưng số liệu nhận được cho 8,793% "
        "(chênh lệch 6,207)")
    # a message the template no longer gives is shown as stored, never rewritten wrongly
    assert localised_message("something else 8.793264733", TEMPLATE, FINDING, "en") == "something else 8.793264733"


def test_a_row_checks_text_values_stay_as_written():
    row = {"subject": "NQ71:NQ71-007", "actual_value": "2025", "expected_value": "2024", "difference": "1234"}
    template = "{subject}: year {actual}, expected {expected} ({difference} days)"
    stored = "NQ71:NQ71-007: year 2025, expected 2024 (1234 days)"  # as stored before messages had a language
    assert localised_message(stored, template, row, "vi", row_check=True) == "NQ71:NQ71-007: year 2025, expected 2024 (1.234 days)"
    assert localised_message(stored, template, row, "en", row_check=True) == "NQ71:NQ71-007: year 2025, expected 2024 (1,234 days)"


def test_stacked_bars_share_one_scale():
    chart = charts.stacked_bars("c", "t", [("A", [("x", 2, "x"), ("y", 3, "y")]), ("B", [("x", 1, "x"), ("y", 0, "y")])],
                                [], lambda v: number(v, "en"))
    span = charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_WIDTH
    a, b = chart.rows
    assert [(s.x, s.width) for s in a.segments] == [(charts.LABEL_WIDTH, span * 2 / 5), (charts.LABEL_WIDTH + span * 2 / 5, span * 3 / 5)]
    assert [(s.width, s.css) for s in b.segments] == [(span / 5, "x")]  # a zero segment draws nothing
    assert [label for _, label in chart.ticks] == ["0", "1", "2", "3", "4", "5"]
    assert (a.total_text, b.total_text) == ("5", "1")


# --- the pages the pipeline wrote -------------------------------------------------------------------

@pytest.fixture(scope="module")
def pages(pipeline_runs):
    reports = pipeline_runs["settings"].reports_dir
    return {lang: (reports / name, lxml_html.fromstring((reports / name).read_bytes()))
            for lang, name in (("vi", "dq_report.html"), ("en", "dq_report.en.html"))}


def test_each_page_is_in_its_language_and_links_the_other(pages):
    (_, vi), (_, en) = pages["vi"], pages["en"]
    assert vi.get("lang") == "vi" and en.get("lang") == "en"
    assert vi.xpath("//h1")[0].text_content() == "Báo cáo chất lượng dữ liệu — Nghị quyết 57"
    assert en.xpath("//h1")[0].text_content() == "Data-quality report — Resolution 57"
    assert vi.xpath("//p[@class='lang']/a/@href") == ["dq_report.en.html"]
    assert en.xpath("//p[@class='lang']/a/@href") == ["dq_report.html"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_ids_are_unique_and_every_contents_entry_lands_on_a_section(pages, lang):
    _, page = pages[lang]
    ids = page.xpath("//@id")
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    contents = [href[1:] for href in page.xpath("//nav[@id='contents']//a/@href")]
    sections = [h.get("id") for h in page.xpath("//h2[@id]") if h.get("id") != "contents"]
    assert contents == sections  # the table of contents lists every section, in order
    assert contents[:4] == ["summary", "charts", "by-rule", "findings"] and contents[-2:] == ["files", "docs"]
    for href in page.xpath("//a/@href"):
        if href.startswith("#"):
            assert href[1:] in ids, href


def test_every_finding_links_its_archived_files(pages, warehouse):
    path, page = pages["vi"]
    findings = dict(warehouse.execute("SELECT finding_id, count(DISTINCT submission_id) FROM audit.dq_finding_sources "
                                      "GROUP BY ALL").fetchall())
    archive = {p: sha for p, sha in warehouse.execute("SELECT archived_path, sha256 FROM audit.submissions").fetchall()}
    rows = page.xpath("//tr[starts-with(@id, 'finding-')]")
    total = warehouse.execute("SELECT count(*) FROM audit.dq_findings").fetchone()[0]
    assert len(rows) == total
    linked = 0
    for row in rows:
        hrefs = row.xpath(".//a/@href")
        assert len(hrefs) == findings.get(row.get("id").removeprefix("finding-"), 0), row.get("id")
        for href in hrefs:
            target = (path.parent / unquote(href)).resolve()
            relative = target.relative_to(path.parent.parent.resolve()).as_posix()  # archive/xx/<sha>__<name>
            assert relative.startswith("archive/") and relative in archive, href
            assert hashlib.sha256(target.read_bytes()).hexdigest() == archive[relative]
            linked += 1
    assert linked >= total  # every finding of the samples cites at least one file


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_charts_are_inline_svg_and_nothing_is_fetched(pages, lang):
    path, page = pages[lang]
    figures = {f.get("id"): f for f in page.xpath("//figure")}
    assert list(figures) == ["chart-findings-agency", "chart-findings-rule", "chart-tasks", "chart-disbursement"]
    for figure in figures.values():
        assert figure.xpath(".//svg") and figure.xpath(".//rect"), figure.get("id")
    source = path.read_text(encoding="utf-8")
    assert "http://" not in source and "https://" not in source
    assert not page.xpath("//script | //link | //img | //iframe | //object | //*[@src]")


def test_the_numbers_on_the_pages(pages):
    texts = {lang: page.text_content() for lang, (_, page) in pages.items()}
    # BCD-R101: a ratio computed to 9 decimals, shown to 3, in each language's convention
    assert "59,392 – 59,739" in texts["vi"] and "59.392 – 59.739" in texts["en"]
    assert "59.391965255" not in texts["vi"] + texts["en"] and "59,391965255" not in texts["vi"]
    assert "16.718,5 – 16.719,5" in texts["vi"] and "16,718.5 – 16,719.5" in texts["en"]
    _, en = pages["en"]
    assert en.xpath("//h3[@id='agency-BCA']")[0].text_content() == "Bộ Công an (BCA) — 1 error, 0 warnings"
    _, vi = pages["vi"]
    assert vi.xpath("//h3[@id='agency-BCA']")[0].text_content() == "Bộ Công an (BCA) — 1 lỗi, 0 cảnh báo"


def test_the_received_files_are_collapsed(pages, warehouse):
    _, page = pages["vi"]
    [details] = page.xpath("//h2[@id='files']/following-sibling::details[1]")
    files = warehouse.execute("SELECT count(*) FROM audit.submissions").fetchone()[0]
    assert details.get("open") is None and len(details.xpath(".//tr")) == files + 1
    assert details.xpath("./summary")[0].text_content() == f"Hiện danh sách {files} tệp"


# --- the width, in headless Chromium ------------------------------------------------------------

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not installed (/usr/bin/chromium): "
                                    "apt-get install -y chromium")


@needs_chromium
def test_the_check_sees_an_overflow(tmp_path):
    page = tmp_path / "wide.html"
    page.write_text("<!doctype html><html><body><table><tr><td>" + "x" * 400 + "</td></tr></table></body></html>",
                    encoding="utf-8")
    assert check_width.measure(page, browser=str(CHROMIUM))["scrollWidth"] > 1280
    assert check_width.main([str(page)]) == 1


@needs_chromium
def test_the_pages_fit_1280_pixels(pages, tmp_path):
    for lang, (path, _) in pages.items():
        measured = check_width.measure(path, 1280, browser=str(CHROMIUM))
        assert measured["scrollWidth"] <= 1280, (lang, measured)
    assert check_width.main([str(path) for path, _ in pages.values()]) == 0


def test_the_docs_section_says_how_to_build_the_dbt_docs_then_links_them(pages, pipeline_runs, tmp_path):
    reports = pipeline_runs["settings"].reports_dir
    _, page = pages["vi"]
    [docs] = page.xpath("//h2[@id='docs']/following-sibling::p[1]")
    assert docs.text_content() == f"Tài liệu dbt chưa được tạo: chạy `make docs` để tạo {reports / 'dbt_docs.html'}."
    # once `make docs` has written the page, the report links it
    settings = Settings.explicit(warehouse_dir=tmp_path, inbox_dir=pipeline_runs["settings"].inbox_dir)
    shutil.copy(pipeline_runs["settings"].duckdb_path, settings.duckdb_path)
    settings.reports_dir.mkdir()
    (settings.reports_dir / "dbt_docs.html").write_text("<html></html>", encoding="utf-8")
    paths = write_report(settings)
    for path in (paths.html, paths.html_en):
        page = lxml_html.fromstring(path.read_bytes())
        assert page.xpath("//h2[@id='docs']/following-sibling::p[1]/a/@href") == ["dbt_docs.html"]


def test_the_header_states_the_run_and_the_ruleset(pages, warehouse):
    run_id, ruleset = warehouse.execute("SELECT run_id, ruleset_hash FROM audit.dq_runs ORDER BY run_seq DESC LIMIT 1").fetchone()
    _, vi = pages["vi"]
    _, en = pages["en"]
    assert f"Lần đánh giá {run_id}, lúc " in vi.text_content() and f"phiên bản bộ quy tắc {ruleset[:12]}." in vi.text_content()
    assert f"Evaluation {run_id} at " in en.text_content() and f"ruleset version {ruleset[:12]}." in en.text_content()


def test_lifecycle_and_reviews_are_marked(pages, warehouse):
    _, vi = pages["vi"]
    new = warehouse.execute("SELECT count(*) FROM audit.dq_findings WHERE lifecycle = 'new' AND echo_of_file IS NULL").fetchone()[0]
    assert len(vi.xpath("//tr[starts-with(@id, 'finding-')]//span[@class='badge new']")) == new > 0
    [(finding_id, reason)] = warehouse.execute("SELECT finding_id, review_reason FROM audit.dq_findings "
                                               "WHERE review_status = 'explained'").fetchall()
    [row] = vi.xpath(f"//tr[@id='finding-{finding_id}']")
    assert row.xpath(".//span[@class='badge review']")[0].text_content() == "Đã xem xét: đã giải thích"
    assert f"Lý do: {reason} (Sample auditor, 05/01/2026)" in row.text_content()


@pytest.fixture(scope="module")
def reviewed(pipeline_runs, tmp_path_factory):
    """The pipeline's warehouse with one finding waived and one finding resolved by the latest evaluation, re-rendered."""
    import duckdb

    root = tmp_path_factory.mktemp("reviewed")
    settings = Settings.explicit(warehouse_dir=root, inbox_dir=pipeline_runs["settings"].inbox_dir)
    shutil.copy(pipeline_runs["settings"].duckdb_path, settings.duckdb_path)
    con = duckdb.connect(str(settings.duckdb_path))
    waived = con.execute("UPDATE audit.dq_findings SET review_status = 'waived', review_reason = 'agreed with BYT' "
                         "WHERE finding_id = (SELECT min(finding_id) FROM audit.dq_findings WHERE agency_code = 'BYT') "
                         "RETURNING finding_id").fetchone()[0]
    run_id = con.execute("SELECT run_id FROM audit.dq_runs ORDER BY run_seq DESC LIMIT 1").fetchone()[0]
    con.execute("INSERT INTO audit.dq_finding_history VALUES (?, 'gone', 'TS-TOTAL-SUM', 'HUE', 'NQ71 tasks at 15/12/2025', "
                "'error', 'resolved')", [run_id])
    con.close()
    return {"paths": write_report(settings), "waived": waived, "settings": settings}


def test_a_waived_finding_is_shown_apart_never_dropped(reviewed):
    page = lxml_html.fromstring(reviewed["paths"].html.read_bytes())
    [row] = page.xpath(f"//tr[@id='finding-{reviewed['waived']}']")
    # in the waived section, not in the agency's group, and not counted in the agency's errors
    assert row.xpath("preceding::h2[1]")[0].get("id") == "waived"
    assert "Lý do: agreed with BYT" in row.text_content()
    heading = page.xpath("//h3[@id='agency-BYT']")[0].text_content()
    assert heading == "Bộ Y tế (BYT) — 2 lỗi, 0 cảnh báo"  # three findings, one waived
    [summary] = page.xpath("//table[@class='summary']//th[text()='được miễn']/following-sibling::td[1]")
    assert summary.text_content() == "2"  # this one and BCD-R034's, waived in the shipped register


def test_findings_resolved_since_the_last_run_are_listed(reviewed):
    page = lxml_html.fromstring(reviewed["paths"].html_en.read_bytes())
    rows = page.xpath("//h2[@id='resolved']/following-sibling::table[1]//tr[td]")
    assert [[td.text_content() for td in r.xpath("td")] for r in rows] == [
        ["error TS-TOTAL-SUM", "Declared total equals recurring + completed + in progress on time + in progress overdue", "HUE", "NQ71 tasks at 15/12/2025", ""]]


def test_submission_coverage_is_counted_per_period_and_domain(pages, warehouse):
    _, vi = pages["vi"]
    counts = warehouse.execute("""
        SELECT period_code, count(*) FILTER (WHERE status = 'received'), count(*) FILTER (WHERE status = 'late'),
               count(*) FILTER (WHERE status = 'missing')
        FROM marts.v_submission_coverage GROUP BY period_code, period_starts, domain ORDER BY period_starts, domain""").fetchall()
    rows = vi.xpath("//h2[@id='coverage']/following-sibling::table[1]//tr[td]")
    assert [(r[0].text_content(), *(int(r[i].text_content().replace(".", "")) for i in (3, 4, 5))) for r in rows] == counts
    [details] = vi.xpath("//h2[@id='coverage']/following-sibling::details[1]")
    assert len(details.xpath(".//tr[td]")) == sum(late + missing for _, _, late, missing in counts)
