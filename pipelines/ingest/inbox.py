"""The inbox is a boundary: what may cross it, how it is named, and how it is read.

- Listing (`list_inbox`): the inbox is walked without following any link. Regular files are
  candidates. Every other entry with a visible name is handed to the loader as refused, so it gets
  a record (a rejected submission naming it): a symbolic link (to a file, a directory or nothing;
  never followed, its target never read nor copied: the target is not ours, and "nothing lost"
  means the record of the link, not a copy of what it points to), a FIFO, socket or device (never
  opened: opening a FIFO would block the load), and a directory whose name looks like a submission
  (e.g. an unpacked XLSX; not walked). Ordinary sub-folders are walked. A sub-folder that cannot be
  listed, or an entry gone before it could be examined, cannot be recorded (its name may be
  unknown, or it no longer exists): it is skipped with a logged line. The inbox folder itself is
  the operator's setting and may be a link.
- Names (`name_problem`, `printable`, `shown`): a name is at most MAX_NAME_CHARS characters and
  every character must be printable; the name shown in messages escapes what is not printable
  (a newline shows as \\n) and long names are cut, with their length.
- Reading (`read_stable`): a regular file is opened without following links and without blocking,
  read once (bounded), and accepted only if it is the same file, with the same size, modification
  and change times, before and after the read, and the bytes read are as many as its size. Anything
  else (gone, unreadable, replaced or written to meanwhile) is `Unstable`: the loader skips it with
  a logged line and no record, so the next run picks it up as new.
- Archive names (`archive_name`): sha256 + a sanitised name cut to ARCHIVE_NAME_CHARS, so the
  archive path never exceeds a file-system limit whatever the submitted name.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pipelines.logsafe import label, visible

# Long enough for any real submission (the longest agency code, domain and date make ~55) and short
# enough that a message quoting the name stays one readable line.
MAX_NAME_CHARS = 120
SHOWN_CHARS = 60  # how much of an over-long name a message quotes
ARCHIVE_NAME_CHARS = 100  # 64 (sha256) + 2 + 100 ASCII bytes: far below the usual 255-byte NAME_MAX

# Files a person or a tool leaves beside the data; anything else is registered, even if only to be rejected.
IGNORED_NAMES = {".ds_store", "thumbs.db", "desktop.ini", ".gitkeep"}
# A directory named like this is a submission in the wrong shape (an unpacked workbook, a folder
# saved under the file's name), not a sub-folder of the inbox.
SUBMISSION_LIKE = re.compile(r".*__[0-9]{4}-[0-9]{2}-[0-9]{2}\..*|.*\.(csv|xlsx|xls|xlsm)", re.IGNORECASE | re.DOTALL)

Log = Callable[[str], None]


@dataclass(frozen=True)
class Entry:
    """One inbox entry as listed: its path, its path relative to the inbox, its kind and its lstat."""

    path: Path
    rel: str
    kind: str  # file | symlink | directory | fifo | socket | device | other
    stat: os.stat_result

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def refusal(self) -> str | None:
        """Why this entry is refused unread, or None for a regular file."""
        if self.kind == "file":
            return None
        if self.kind == "symlink":
            return (f"is a symbolic link ({_link_target_kind(self.path)}); links are never followed and their "
                    "target is neither read nor archived: put the file itself in the inbox")
        if self.kind == "directory":
            return "is a directory named like a submission (e.g. an unpacked workbook); it is not read: send the file itself"
        return f"is a {self.kind}, not a regular file; it is never opened: send the file itself"


@dataclass(frozen=True)
class Unstable:
    """A file that could not be read as one stable whole this run; why, for the log."""

    reason: str


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "other"


def _link_target_kind(path: Path) -> str:
    # stat() of the target only, never open(): says what the link points to without reading it
    try:
        mode = path.stat().st_mode
    except OSError:
        return "to nothing that exists"
    kind = _kind(mode)
    return {"file": "to a file", "directory": "to a directory"}.get(kind, f"to a {kind}")


def _ignored(name: str) -> bool:
    """READMEs, editor lock files, hidden files (an uploader's temporary copy) and OS clutter."""
    low = name.lower()
    if low in IGNORED_NAMES or low.startswith(("readme", "~$")):
        return True
    # ".." is not a hidden file but a suspicious one: kept, to be rejected with a message
    return name.startswith(".") and not name.startswith("..")


def entry_for(path: Path, rel: str | None = None) -> Entry:
    """The entry for one path, examined without following it (raises OSError if it is gone)."""
    info = os.lstat(path)
    return Entry(path, rel if rel is not None else path.name, _kind(info.st_mode), info)


def list_inbox(inbox: Path, log: Log) -> list[Entry]:
    """Every entry the loader must account for, sorted by relative path (see the module docstring)."""
    if not inbox.exists():
        return []
    found: list[Entry] = []

    def walk(folder: Path, prefix: str, top: bool) -> None:
        try:
            with os.scandir(folder) as listing:
                children = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            if top:
                raise  # the inbox itself unreadable is a set-up fault, not an agency's
            log(f"inbox sub-folder {printable(prefix.rstrip('/'))} cannot be listed ({exc.strerror}); skipped this run")
            return
        for child in children:
            if _ignored(child.name):
                continue
            rel = prefix + child.name
            try:
                entry = entry_for(Path(child.path), rel)
            except OSError as exc:
                log(f"inbox entry {printable(rel)} could not be examined ({exc.strerror}); skipped this run")
                continue
            if entry.kind == "directory" and not SUBMISSION_LIKE.fullmatch(child.name):
                walk(entry.path, rel + "/", False)
            else:
                found.append(entry)

    walk(inbox, "", True)
    return sorted(found, key=lambda e: e.rel)


_SURROGATE = re.compile("[\ud800-\udfff]")  # a byte that is not UTF-8, as os.listdir gives it


def printable(name: str) -> str:
    """The name with every control or invisible character shown as its code point, ⟨U+000A⟩, the one
    way the project shows them (pipelines/logsafe.py), and a byte that is not UTF-8 likewise
    (⟨U+DCFF⟩): safe to store, log and show."""
    return _SURROGATE.sub(lambda m: label(m.group()), visible(name))


def shown(name: str) -> str:
    """The name as a message quotes it: escaped, quoted, and cut with its length when over-long."""
    text = printable(name)
    if len(name) > MAX_NAME_CHARS:
        return f"'{printable(name[:SHOWN_CHARS])}...' ({len(name)} characters)"
    return f"'{text}'"


def name_problem(name: str) -> str | None:
    """What makes this name unusable whatever the domain: a character that is not printable, or its length."""
    bad = next((i for i, c in enumerate(name) if not c.isprintable()), None)
    if bad is not None:
        return (f"file name contains a control or invisible character ({printable(name[bad])} at position {bad + 1}): "
                f"{shown(name)}")
    if len(name) > MAX_NAME_CHARS:
        return f"file name is {len(name)} characters long, over the limit of {MAX_NAME_CHARS}: {shown(name)}"
    return None


def archive_name(sha256: str, file_name: str) -> str:
    """sha256 + the name cut and reduced to [A-Za-z0-9._-]: at most 166 ASCII bytes whatever the name."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", file_name)[:ARCHIVE_NAME_CHARS]
    return f"{sha256}__{safe}"


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino, a.st_size, a.st_mtime_ns, a.st_ctime_ns) == (b.st_dev, b.st_ino, b.st_size, b.st_mtime_ns, b.st_ctime_ns)


def _read(handle, limit: int) -> bytes:
    """The one read of a file's bytes (a seam: tests change the file from here, as a writer would)."""
    return handle.read(limit)


def read_stable(entry: Entry, max_bytes: int) -> bytes | Unstable:
    """The file's bytes, read once, if the file stayed the one listed throughout; else Unstable."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(entry.path, flags)
    except FileNotFoundError:
        return Unstable("vanished after it was listed")
    except PermissionError:
        return Unstable("cannot be read (permission denied)")
    except OSError as exc:  # ELOOP: replaced by a link after it was listed
        return Unstable(f"could not be opened ({exc.strerror})")
    try:
        with os.fdopen(fd, "rb") as handle:
            before = os.fstat(handle.fileno())
            if not stat.S_ISREG(before.st_mode) or not _same(before, entry.stat):
                return Unstable("was replaced or changed after it was listed")
            # one byte more than listed is enough to see that it grew (and sizes the buffer to the file, not the limit)
            data = _read(handle, min(entry.stat.st_size, max_bytes) + 1)
            after = os.fstat(handle.fileno())
        now = os.lstat(entry.path)
    except FileNotFoundError:
        return Unstable("vanished while it was read")
    except OSError as exc:
        return Unstable(f"could not be read ({exc.strerror})")
    if not (_same(after, entry.stat) and _same(now, entry.stat)) or len(data) != entry.stat.st_size:
        listed = entry.stat
        how = [f"size {listed.st_size} when listed, {now.st_size} after"] if now.st_size != listed.st_size else []
        if (now.st_dev, now.st_ino) != (listed.st_dev, listed.st_ino):
            how.append("replaced by another file")
        elif (after.st_mtime_ns, after.st_ctime_ns, now.st_mtime_ns) != (listed.st_mtime_ns, listed.st_ctime_ns, listed.st_mtime_ns):
            how.append("written to")
        return Unstable(f"changed while it was read ({'; '.join(how + [f'{len(data)} bytes read'])})")
    return data
