"""The inbox is a boundary: links, FIFOs and directories named like files are refused unread with a
record; bad names (a newline, a tab, over-long, not UTF-8) are rejected with the name shown safely
and archived under a bounded name; a file that vanishes or changes while read is skipped and loaded
by the next run; the good files beside them always load, and a re-run adds nothing.

Everything here is built at test time (what git cannot hold); committed odd names are the
`names` family of tests/bad_inputs/."""

from __future__ import annotations

import json
import os
import shutil
import signal
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

import pipelines.ingest.inbox as inbox_module
import pipelines.ingest.loader as loader
from pipelines.ingest.inbox import ARCHIVE_NAME_CHARS, list_inbox
from pipelines.ingest.loader import load_inbox
from pipelines.settings import Settings

SAMPLES = Path(__file__).resolve().parent.parent / "sources" / "samples" / "2025-12-15"
GOOD = {  # sample file -> rows it holds
    "CA_MAU__task_status__2025-12-15.csv": 4,
    "HA_NOI__task_status__2025-12-15.csv": 4,
    "HA_NOI__task_summary__2025-12-15.csv": 1,
    "CAO_BANG__task_summary__2025-12-15.csv": 1,
}
SECRET = "TOP-SECRET-7f3a9c: the link target's text"
LONG_CODE = "A" * 220 + "__task_status__2025-12-02.csv"  # 249 characters
# 255 bytes of Vietnamese (2 and 3 bytes a letter): the longest name the file system allows
VIET = ("Báo_cáo_tình_hình_thực_hiện_nhiệm_vụ_Nghị_quyết_57_của_Bộ_Chính_trị_về_khoa_học_công_nghệ_đổi_mới_sáng_tạo_"
        "và_chuyển_đổi_số_quốc_gia_đợt_mười_hai")
VIET = (VIET * 2).encode()[:255 - 4].decode("utf-8", "ignore")
VIET = VIET + "x" * (255 - 4 - len(VIET.encode())) + ".csv"
TABLES = ("audit.submissions", "audit.quarantine", "raw.task_status_rows", "raw.task_summary_rows")


@pytest.fixture
def settings(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in GOOD:
        shutil.copy(SAMPLES / name, inbox / name)
    return Settings.explicit(warehouse_dir=tmp_path / "wh", inbox_dir=inbox)


@contextmanager
def deadline(seconds: int):
    """Fail instead of hanging if something opens a FIFO (an open for reading blocks until a writer comes)."""
    def expired(*_):
        raise TimeoutError(f"the load did not finish within {seconds} s")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _dump(settings) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return {t: con.execute(f"SELECT * EXCLUDE (received_at) FROM {t} ORDER BY ALL" if t == "audit.submissions"
                               else f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
    finally:
        con.close()


def _submissions(settings) -> dict[str, tuple]:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return {r[0]: r[1:] for r in con.execute(
            "SELECT file_name, status, message, archived_path, size_bytes, agency_code, rows_loaded FROM audit.submissions").fetchall()}
    finally:
        con.close()


def _quarantine(settings, file_name: str) -> list[tuple]:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return con.execute("SELECT source_row, field, value, reason FROM audit.quarantine WHERE file_name = ? ORDER BY ALL",
                           [file_name]).fetchall()
    finally:
        con.close()


def _assert_good_loaded(settings, also: dict[str, int] | None = None) -> None:
    subs = _submissions(settings)
    for name, rows in {**GOOD, **(also or {})}.items():
        assert subs[name][0] == "accepted" and subs[name][5] == rows, subs[name]


def test_links_fifos_and_file_like_directories_are_refused_with_a_record_and_never_read(settings, tmp_path):
    inbox = settings.inbox_dir
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "BNG__task_summary__2025-12-02.csv").write_text(SECRET, encoding="utf-8")
    (inbox / "BCT__task_status__2025-12-02.csv").symlink_to(secret)  # a link to a file outside the inbox
    (inbox / "linked").symlink_to(outside, target_is_directory=True)  # a link to a folder: never walked
    (inbox / "BNV__task_status__2025-12-02.csv").symlink_to(tmp_path / "nothing.csv")  # a dangling link
    os.mkfifo(inbox / "BTP__task_status__2025-12-02.csv")
    unpacked = inbox / "BXD__task_status__2025-12-02.csv"  # a directory named like a submission: not walked
    unpacked.mkdir()
    (unpacked / "[Content_Types].xml").write_text(SECRET, encoding="utf-8")
    with deadline(120):
        summary = load_inbox(settings)

    assert (summary.seen, summary.accepted, summary.rejected, summary.skipped) == (len(GOOD) + 5, len(GOOD), 5, [])
    link = ("is a symbolic link ({}); links are never followed and their target is neither read nor archived: "
            "put the file itself in the inbox")
    expected = {
        "BCT__task_status__2025-12-02.csv": ("symlink", link.format("to a file"), "BCT"),
        "linked": ("symlink", link.format("to a directory"), None),
        "BNV__task_status__2025-12-02.csv": ("symlink", link.format("to nothing that exists"), "BNV"),
        "BTP__task_status__2025-12-02.csv": ("fifo", "is a fifo, not a regular file; it is never opened: send the file itself", "BTP"),
        "BXD__task_status__2025-12-02.csv": ("directory", "is a directory named like a submission (e.g. an unpacked workbook); "
                                             "it is not read: send the file itself", "BXD"),
    }
    subs = _submissions(settings)
    assert sorted(subs) == sorted([*GOOD, *expected])
    for name, (kind, reason, agency) in expected.items():
        status, message, archived, size, agency_code, rows = subs[name]
        # a record naming the entry, unread and unarchived; a well-named one counts as a version of its agency's file
        assert (status, archived, size, agency_code, rows) == ("rejected", None, 0, agency, 0)
        quarantine = _quarantine(settings, name)
        assert (0, "(file)", kind, reason) in quarantine
        if agency is None:  # "linked" is no submission name either: that is its second problem
            assert (0, "(file name)", "linked", loader.NAME_RULE) in quarantine and len(quarantine) == 2
            assert message == f"linked: file, field '(file)': {reason} (+1 more problems)"
        else:
            assert message == f"{name}: file, field '(file)': {reason}" and len(quarantine) == 1
    _assert_good_loaded(settings)

    # the target's text is nowhere: not in a table, not in the archive; nor is its path
    everything = repr(_dump(settings))
    assert SECRET not in everything and "secret.txt" not in everything and str(outside) not in everything
    archived = [p for p in settings.archive_dir.rglob("*") if p.is_file()]
    assert len(archived) == len(GOOD)
    assert not any(SECRET.encode() in p.read_bytes() for p in archived)

    # a re-run adds nothing (each refused entry is found registered)
    before = _dump(settings)
    with deadline(120):
        again = load_inbox(settings)
    assert (again.seen, again.new, again.skipped) == (len(GOOD) + 5, 0, [])
    assert _dump(settings) == before

    # pointed elsewhere, the link is a new entry: a new record, version 2 of BCT's file
    (inbox / "BCT__task_status__2025-12-02.csv").unlink()
    (inbox / "BCT__task_status__2025-12-02.csv").symlink_to(outside / "BNG__task_summary__2025-12-02.csv")
    assert load_inbox(settings).rejected == 1
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    versions = con.execute("SELECT version, status FROM audit.submissions WHERE file_name = 'BCT__task_status__2025-12-02.csv' "
                           "ORDER BY version").fetchall()
    con.close()
    assert versions == [(1, "rejected"), (2, "rejected")]


def test_a_symlinked_sub_folder_is_not_walked_and_a_real_one_is(settings, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(SAMPLES / "BCT__task_status__2025-12-15.csv", outside / "BCT__task_status__2025-12-15.csv")
    (settings.inbox_dir / "via_link").symlink_to(outside, target_is_directory=True)
    (settings.inbox_dir / "late").mkdir()
    shutil.copy(SAMPLES / "BCT__task_summary__2025-12-15.csv", settings.inbox_dir / "late" / "BCT__task_summary__2025-12-15.csv")
    entries = {e.rel: e.kind for e in list_inbox(settings.inbox_dir, pytest.fail)}
    assert entries == {**{name: "file" for name in GOOD}, "via_link": "symlink", "late/BCT__task_summary__2025-12-15.csv": "file"}
    load_inbox(settings)
    subs = _submissions(settings)
    assert "BCT__task_status__2025-12-15.csv" not in subs
    assert subs["BCT__task_summary__2025-12-15.csv"][0] == "accepted"
    assert subs["via_link"][0] == "rejected"


def test_bad_names_are_rejected_shown_safely_and_archived_under_a_bounded_name(settings):
    inbox = settings.inbox_dir
    content = (SAMPLES / "CAO_BANG__task_summary__2025-12-15.csv").read_bytes()
    raw_names = {
        "BCA__task_summary__2025-12-02.csv\n": (
            "BCA__task_summary__2025-12-02.csv⟨U+000A⟩",
            "file name contains a control or invisible character (⟨U+000A⟩ at position 34): 'BCA__task_summary__2025-12-02.csv⟨U+000A⟩'"),
        "BCT__task_summary\t__2025-12-02.csv": (
            "BCT__task_summary⟨U+0009⟩__2025-12-02.csv",
            "file name contains a control or invisible character (⟨U+0009⟩ at position 18): 'BCT__task_summary⟨U+0009⟩__2025-12-02.csv'"),
        "BNG__task_summary__2025-12-02.csv\u202evsc.exe": (  # a right-to-left override: shows as "...exe.csv"
            "BNG__task_summary__2025-12-02.csv⟨U+202E⟩vsc.exe",
            "file name contains a control or invisible character (⟨U+202E⟩ at position 34): "
            "'BNG__task_summary__2025-12-02.csv⟨U+202E⟩vsc.exe'"),
        LONG_CODE: (LONG_CODE, "file name is 249 characters long, over the limit of 120: '" + "A" * 60 + "...' (249 characters)"),
        VIET: (VIET, f"file name is {len(VIET)} characters long, over the limit of 120: '{VIET[:60]}...' ({len(VIET)} characters)"),
    }
    for name in raw_names:
        (inbox / name).write_bytes(content)
    # a name that is not UTF-8 at all (one 0xFF byte): Python sees it as a lone surrogate
    with open(os.path.join(os.fsencode(inbox), b"BNV__task_summary__2025-12-02\xff.csv"), "wb") as handle:
        handle.write(content)
    raw_names["BNV__task_summary__2025-12-02\udcff.csv"] = (
        "BNV__task_summary__2025-12-02⟨U+DCFF⟩.csv",
        "file name contains a control or invisible character (⟨U+DCFF⟩ at position 30): 'BNV__task_summary__2025-12-02⟨U+DCFF⟩.csv'")
    assert len(VIET.encode()) == 255 and len(VIET) > 120

    summary = load_inbox(settings)
    assert (summary.accepted, summary.rejected, summary.skipped) == (len(GOOD), len(raw_names), [])
    subs = _submissions(settings)
    for shown_name, reason in raw_names.values():
        status, message, archived, size, agency, rows = subs[shown_name]
        assert (status, size, agency, rows) == ("rejected", len(content), None, 0)
        assert _quarantine(settings, shown_name) == [(0, "(file name)", shown_name, reason)]
        assert message == f"{shown_name}: file, field '(file name)': {reason}"
        assert "\n" not in message and "\t" not in message
        # the raw bytes are archived, under sha256 + at most 100 characters of [A-Za-z0-9._-]
        path = settings.warehouse_dir / archived
        assert path.read_bytes() == content and settings.archive_dir in path.parents
        assert len(path.name.encode()) <= 64 + 2 + ARCHIVE_NAME_CHARS
        assert path.name.isascii() and path.name.isprintable()
    assert len((settings.warehouse_dir / subs[LONG_CODE][2]).name) == 64 + 2 + ARCHIVE_NAME_CHARS
    _assert_good_loaded(settings)
    before = _dump(settings)
    assert load_inbox(settings).new == 0
    assert _dump(settings) == before


@pytest.mark.parametrize("which", [0, len(GOOD) - 1], ids=["first", "last"])
def test_a_file_removed_after_listing_is_skipped_and_loaded_when_it_is_back(settings, monkeypatch, which):
    victim = sorted(GOOD)[which]
    listed = loader.list_inbox

    def list_then_remove(inbox, log):
        entries = listed(inbox, log)
        (inbox / victim).unlink()  # gone between the listing and the read
        return entries

    monkeypatch.setattr(loader, "list_inbox", list_then_remove)
    summary = load_inbox(settings)
    assert summary.skipped == [f"{victim}: vanished after it was listed; left for the next run"]
    assert (summary.seen, summary.new, summary.accepted) == (len(GOOD), len(GOOD) - 1, len(GOOD) - 1)
    subs = _submissions(settings)
    assert victim not in subs and all(subs[name][0] == "accepted" for name in GOOD if name != victim)

    monkeypatch.undo()
    shutil.copy(SAMPLES / victim, settings.inbox_dir / victim)
    again = load_inbox(settings)
    assert (again.new, again.accepted, again.skipped) == (1, 1, [])
    _assert_good_loaded(settings)


@pytest.mark.parametrize("change", ["grows", "rewritten"])
def test_a_file_changed_while_read_is_skipped_then_loaded_next_run(settings, monkeypatch, change):
    target = settings.inbox_dir / "HA_NOI__task_status__2025-12-15.csv"
    original = target.read_bytes()
    os.utime(target, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))  # so a write now surely moves mtime
    inode = target.stat().st_ino
    read = inbox_module._read

    def read_while_written(handle, limit):
        if os.fstat(handle.fileno()).st_ino == inode:
            # a writer at work while the loader reads: more bytes, or the same bytes written again
            target.write_bytes(original + b"\r\n" if change == "grows" else original)
        return read(handle, limit)

    monkeypatch.setattr(inbox_module, "_read", read_while_written)
    summary = load_inbox(settings)
    now = len(original) + 2 if change == "grows" else len(original)
    read_bytes = len(original) + 1 if change == "grows" else len(original)  # never more than one byte past the listed size
    sizes = f"size {len(original)} when listed, {now} after; " if change == "grows" else ""
    assert summary.skipped == [f"HA_NOI__task_status__2025-12-15.csv: changed while it was read ({sizes}written to; "
                               f"{read_bytes} bytes read); left for the next run"]
    assert summary.accepted == len(GOOD) - 1
    assert "HA_NOI__task_status__2025-12-15.csv" not in _submissions(settings)

    monkeypatch.undo()
    again = load_inbox(settings)
    assert (again.new, again.accepted, again.skipped) == (1, 1, [])
    _assert_good_loaded(settings)
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    size = con.execute("SELECT size_bytes FROM audit.submissions WHERE file_name = 'HA_NOI__task_status__2025-12-15.csv'").fetchall()
    con.close()
    assert size == [(now,)]  # the bytes as they are now, read whole


def test_an_unreadable_file_is_skipped_until_it_can_be_read(settings, monkeypatch):
    target = str(settings.inbox_dir / "CA_MAU__task_status__2025-12-15.csv")
    real_open = os.open

    def denied(path, flags, *args, **kwargs):
        if os.fspath(path) == target:
            raise PermissionError(13, "Permission denied", target)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(inbox_module.os, "open", denied)
    said = []
    summary = load_inbox(settings, log=said.append)
    monkeypatch.undo()
    line = "CA_MAU__task_status__2025-12-15.csv: cannot be read (permission denied); left for the next run"
    assert summary.skipped == [line] and said == [f"skipped {line}"]
    assert summary.accepted == len(GOOD) - 1
    assert load_inbox(settings).accepted == 1
    _assert_good_loaded(settings)


def test_a_file_replaced_by_a_fifo_after_listing_is_never_opened_for_a_blocking_read(settings, monkeypatch):
    victim = "HA_NOI__task_summary__2025-12-15.csv"
    listed = loader.list_inbox

    def list_then_swap(inbox, log):
        entries = listed(inbox, log)
        (inbox / victim).unlink()
        os.mkfifo(inbox / victim)
        return entries

    monkeypatch.setattr(loader, "list_inbox", list_then_swap)
    with deadline(120):
        summary = load_inbox(settings)
    assert summary.skipped == [f"{victim}: was replaced or changed after it was listed; left for the next run"]
    monkeypatch.undo()
    with deadline(120):
        again = load_inbox(settings)  # now listed as what it is: a FIFO, refused with a record
    assert again.rejected == 1 and _submissions(settings)[victim][0] == "rejected"


def test_a_sub_folder_that_cannot_be_listed_is_logged_and_the_rest_loads(settings, monkeypatch):
    locked = settings.inbox_dir / "locked"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path):
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)

    monkeypatch.setattr(inbox_module.os, "scandir", scandir)
    said = []
    summary = load_inbox(settings, log=said.append)
    line = "inbox sub-folder locked cannot be listed (Permission denied); skipped this run"
    assert summary.skipped == [line] and said == [f"skipped {line}"]
    _assert_good_loaded(settings)


def test_sensor_sees_links_forgets_removed_files_and_takes_dates_only_from_valid_names(settings, monkeypatch, tmp_path):
    from dagster import DagsterInstance, SensorResult, SkipReason, build_sensor_context

    from pipelines.definitions import build_definitions

    sensor = build_definitions(settings).resolve_sensor_def("inbox_sensor")
    (settings.inbox_dir / "BCA__task_summary__2025-12-03.csv\n").write_bytes(b"x")  # a date in a bad name: no partition
    with DagsterInstance.ephemeral() as instance:
        first = sensor(build_sensor_context(instance=instance))
        assert [r.partition_keys for r in first.dynamic_partitions_requests] == [["2025-12-15"]]
        assert set(json.loads(first.cursor)) == {*GOOD, "BCA__task_summary__2025-12-03.csv⟨U+000A⟩"}
        instance.add_dynamic_partitions("reporting_date", ["2025-12-15"])

        # a file taken away: no run, but the cursor forgets it ...
        moved = tmp_path / "moved.csv"
        shutil.move(settings.inbox_dir / "CA_MAU__task_status__2025-12-15.csv", moved)
        gone = sensor(build_sensor_context(instance=instance, cursor=first.cursor))
        assert isinstance(gone, SensorResult) and not gone.run_requests and "1 removed" in gone.skip_reason.skip_message
        # ... so put back unchanged (same size and mtime), it asks for a run
        shutil.move(moved, settings.inbox_dir / "CA_MAU__task_status__2025-12-15.csv")
        back = sensor(build_sensor_context(instance=instance, cursor=gone.cursor))
        [request] = back.run_requests
        assert request.tags["r57/files"] == "1"
        assert isinstance(sensor(build_sensor_context(instance=instance, cursor=back.cursor)), SkipReason)

        # a new link asks for a run (the load records it), without the sensor following it
        (settings.inbox_dir / "BCT__task_status__2025-12-02.csv").symlink_to(tmp_path / "nowhere")
        linked = sensor(build_sensor_context(instance=instance, cursor=back.cursor))
        assert len(linked.run_requests) == 1
        assert json.loads(linked.cursor)["BCT__task_status__2025-12-02.csv"].startswith("symlink:")
