"""Loading an inbox: a bad file is quarantined with file, row and field while the good ones load; re-runs change nothing."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.loader import load_inbox
from pipelines.settings import Settings

SAMPLES = Path(__file__).resolve().parent.parent / "sources" / "samples" / "2025-12-15"


@pytest.fixture
def inbox_settings(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("BKHCN__task_status__2025-12-15.xlsx", "HA_NOI__task_status__2025-12-15.csv",
                 "HA_NOI__task_summary__2025-12-15.csv"):
        shutil.copy(SAMPLES / name, inbox / name)
    # A corrupted copy of Đà Nẵng's file: row 3's deadline is not a date.
    lines = (SAMPLES / "DA_NANG__task_status__2025-12-15.csv").read_text(encoding="utf-8-sig").splitlines()
    cells = lines[2].split(",")
    cells[10] = "31/02/2025"
    lines[2] = ",".join(cells)
    (inbox / "DA_NANG__task_status__2025-12-15.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (inbox / "XYZ__task_status__2025-12-15.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return Settings.explicit(warehouse_dir=tmp_path / "wh", inbox_dir=inbox)


def _tables(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                for t in ("audit.submissions", "audit.quarantine", "raw.task_status_rows", "raw.task_summary_rows")}
    finally:
        con.close()


def test_bad_file_quarantined_good_files_loaded(inbox_settings):
    summary = load_inbox(inbox_settings)
    assert (summary.seen, summary.accepted, summary.rejected) == (5, 3, 2)
    assert summary.messages == [
        "DA_NANG__task_status__2025-12-15.csv: row 3, field 'Thời hạn': not a valid date in the declared format dd/mm/yyyy",
        "XYZ__task_status__2025-12-15.csv: file, field '(file name)': unknown agency code 'XYZ' (see sources/reference/agencies.csv)",
    ]
    tables = _tables(inbox_settings.duckdb_path)
    quarantine = [(r[1], r[2], r[3], r[4]) for r in tables["audit.quarantine"]]
    assert ("DA_NANG__task_status__2025-12-15.csv", 3, "Thời hạn", "31/02/2025") in quarantine
    con = duckdb.connect(str(inbox_settings.duckdb_path), read_only=True)
    status = dict(con.execute("SELECT file_name, status FROM audit.submissions").fetchall())
    rejected_ids = {r[0] for r in con.execute("SELECT submission_id FROM audit.submissions WHERE status = 'rejected'").fetchall()}
    con.close()
    loaded_files = {name for name, s in status.items() if s == "accepted"}
    assert loaded_files == {"BKHCN__task_status__2025-12-15.xlsx", "HA_NOI__task_status__2025-12-15.csv",
                            "HA_NOI__task_summary__2025-12-15.csv"}
    assert not any(r[0] in rejected_ids for r in tables["raw.task_status_rows"])


def test_raw_bytes_archived_for_every_file_even_rejected(inbox_settings):
    load_inbox(inbox_settings)
    con = duckdb.connect(str(inbox_settings.duckdb_path), read_only=True)
    rows = con.execute("SELECT file_name, sha256, archived_path FROM audit.submissions").fetchall()
    con.close()
    assert len(rows) == 5
    for file_name, sha256, archived in rows:
        data = (inbox_settings.warehouse_dir / archived).read_bytes()
        assert data == (inbox_settings.inbox_dir / file_name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha256


def test_a_second_file_for_the_same_agency_and_date_is_version_2(inbox_settings):
    load_inbox(inbox_settings)
    corrected = inbox_settings.inbox_dir / "late" / "HA_NOI__task_status__2025-12-15.csv"
    corrected.parent.mkdir()
    corrected.write_bytes((inbox_settings.inbox_dir / "HA_NOI__task_status__2025-12-15.csv").read_bytes() + b"\n")
    load_inbox(inbox_settings)
    con = duckdb.connect(str(inbox_settings.duckdb_path), read_only=True)
    versions = con.execute("SELECT version, status FROM audit.submissions WHERE file_name = "
                           "'HA_NOI__task_status__2025-12-15.csv' ORDER BY version").fetchall()
    con.close()
    assert versions == [(1, "accepted"), (2, "accepted")]


def test_rerun_changes_nothing(inbox_settings):
    load_inbox(inbox_settings)
    before = _tables(inbox_settings.duckdb_path)
    again = load_inbox(inbox_settings)
    assert (again.seen, again.new) == (5, 0)
    assert _tables(inbox_settings.duckdb_path) == before


def test_oversize_file_refused_unread(inbox_settings):
    summary = load_inbox(inbox_settings, max_bytes=1000)
    assert any("over the limit of 1000 bytes; refused unread" in m for m in summary.messages)
    con = duckdb.connect(str(inbox_settings.duckdb_path), read_only=True)
    archived = con.execute("SELECT archived_path FROM audit.submissions WHERE message LIKE '%refused unread%'").fetchall()
    con.close()
    assert archived and all(a[0] is None for a in archived)
