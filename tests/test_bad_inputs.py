"""The bad-input corpus (tests/bad_inputs/): every malformed file gets its message, naming file, row and field,
while the good files beside it load; nothing crashes, nothing is lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from pipelines.ingest.loader import load_inbox
from pipelines.report.safe_cells import neutralise
from pipelines.settings import Settings

HERE = Path(__file__).resolve().parent
# The corpus: tests/bad_inputs/files + expected.yml, and one folder per family of hostile input
# (tests/bad_inputs/<family>/files + expected.yml); file names are unique across all of them.
CORPORA = [HERE / "bad_inputs"] + sorted(p for p in (HERE / "bad_inputs").iterdir() if (p / "expected.yml").is_file())
EXPECTED = [{**case, "corpus": corpus}
            for corpus in CORPORA for case in yaml.safe_load((corpus / "expected.yml").read_text(encoding="utf-8"))]
SAMPLES = HERE.parent / "sources" / "samples" / "2025-12-15"
GOOD = ["CA_MAU__task_status__2025-12-15.csv", "CAO_BANG__task_summary__2025-12-15.csv"]
OVERSIZE = "HA_NOI__task_summary__2025-12-15.csv"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    inbox = root / "inbox"
    for corpus in CORPORA:
        shutil.copytree(corpus / "files", inbox / "bad" / corpus.name)
    for name in GOOD:
        shutil.copy(SAMPLES / name, inbox / name)
    # Over the 50 MB default limit, and sparse: it must be refused without being read.
    with open(inbox / OVERSIZE, "wb") as handle:
        handle.truncate(60 * 1024 * 1024)
    settings = Settings.explicit(warehouse_dir=root / "wh", inbox_dir=inbox)
    summary = load_inbox(settings)
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    submissions = {r[0]: r[1:] for r in con.execute(
        "SELECT file_name, status, message, archived_path FROM audit.submissions").fetchall()}
    quarantine = con.execute("SELECT file_name, source_row, field, reason FROM audit.quarantine").fetchall()
    hue_rows = con.execute("SELECT content, expected_product, authority, note FROM raw.task_status_rows "
                           "WHERE lead_agency_code = 'HUE'").fetchall()
    con.close()
    return summary, submissions, quarantine, hue_rows, settings


def test_the_corpus_is_big_enough():
    assert len(EXPECTED) >= 30
    files = [p.name for corpus in CORPORA for p in (corpus / "files").iterdir()]
    assert sorted(e["file"] for e in EXPECTED) == sorted(files)  # one expectation per file, no name twice


@pytest.mark.parametrize("case", EXPECTED, ids=[e["file"] for e in EXPECTED])
def test_each_bad_file_gets_its_message(loaded, case):
    _, submissions, quarantine, _, settings = loaded
    status, message, archived = submissions[case["file"]]
    assert status == case["status"], message
    if status == "rejected":
        problems = [(row, field, reason) for name, row, field, reason in quarantine if name == case["file"]]
        assert any(row == case["row"] and field == case["field"] and case["reason"] in reason
                   for row, field, reason in problems), problems
        # the one-line message names the file, where, and why
        assert message.startswith(case["file"] + ": ") and case["field"] in message
        # raw bytes archived under the archive folder whatever the name, never outside it
        assert archived is not None
        path = (settings.warehouse_dir / archived).resolve()
        assert settings.archive_dir.resolve() in path.parents
        assert path.read_bytes() == (case["corpus"] / "files" / case["file"]).read_bytes()
    if "message" in case:
        assert case["message"] in message, message


def test_good_files_load_beside_the_bad_ones(loaded):
    summary, submissions, _, _, _ = loaded
    assert all(submissions[name][0] == "accepted" for name in GOOD)
    assert summary.seen == len(EXPECTED) + len(GOOD) + 1


def test_oversize_file_refused_without_reading(loaded):
    _, submissions, quarantine, _, _ = loaded
    status, message, archived = submissions[OVERSIZE]
    assert status == "rejected" and archived is None
    assert "over the limit of 52428800 bytes; refused unread" in message


def test_formula_text_is_kept_as_data_and_neutralised_on_export(loaded):
    *_, hue_rows, _ = loaded
    assert hue_rows == [('=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)")]
    frame = neutralise(pl.DataFrame(hue_rows, schema=["a", "b", "c", "d"], orient="row").with_columns(
        pl.lit("-12").alias("difference")))
    assert frame.row(0) == ('\'=HYPERLINK("http://x","y")', "'+1+1", "'-2+3", "'@SUM(A1)", "-12")
