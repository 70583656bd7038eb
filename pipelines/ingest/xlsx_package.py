"""Open an XLSX submission as a package, safely, before any cell is read.

- What the bytes are: a zip package (an .xlsx), an OLE container (what Excel writes for a
  password-protected workbook, or an Excel 97-2003 .xls), or something else; each gets its own message.
- The zip directory is checked against LIMITS before anything is inflated: the number of parts, each
  part's declared inflated size, their total, and each part's compression ratio. Python's zipfile never
  inflates a part past its declared size (it stops there and the CRC check fails), so the declared sizes
  checked here bound what reading can produce.
- The workbook's parts are found as Excel finds them, through the package relationships (OPC):
  `_rels/.rels` names the workbook, the workbook's relationships name its sheets, shared strings and
  styles, whatever the parts are called; part names are matched without regard to case and with
  %-escapes decoded, as Excel does.
- Every XML part is streamed with lxml: no DTD (a workbook never has one, so any DTD is refused), no
  entity expansion, no network, libxml2's own size limits on (huge_tree off). Callers count elements
  as they start, so a part cannot build a tree bigger than the budget they check.

LIMITS holds every limit in one place; they admit a national-scale form (1,048,576 rows x 14 columns
of text fits in a 50 MB file) with room to spare, and bound the memory of reading any file to a few GB.
"""

from __future__ import annotations

import codecs
import io
import posixpath
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

import olefile
from lxml import etree

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


@dataclass(frozen=True)
class Limits:
    """Every limit on an XLSX submission. A file over one is refused with the limit and what was measured.

    The 50 MB file limit (R57_MAX_FILE_BYTES) comes first; these bound what 50 MB can unfold into.
    A 1,048,576-row x 14-column task sheet of inline text is about 800 MB of XML, 45 MB zipped.
    """

    parts: int = 1_000  # entries in the zip directory (a workbook has about 10, plus 2-3 per sheet)
    sheets: int = 200  # sheets in the workbook
    part_bytes: int = 1 << 30  # one part, inflated, as the zip directory declares it (1 GiB)
    total_bytes: int = 2 << 30  # all parts together, inflated, as declared (2 GiB)
    # Inflated / compressed size of a part: Excel's sheets zip 15-20 to 1, rows that repeat without cell references
    # up to about 200 to 1; a deflate bomb is about 1000 to 1.
    ratio: int = 250
    ratio_floor: int = 1 << 20  # ... checked for parts that inflate to more than 1 MiB
    rows: int = 1_048_576  # a row number past Excel's own grid
    columns: int = 256  # a cell right of column IV (the widest contract has 14 columns)
    cells: int = 16_000_000  # <c> elements in the first sheet, and rows x columns of the table read from it
    text_chars: int = 400_000_000  # characters of text in the table read, and in the shared-strings table
    shared_strings: int = 4_000_000  # strings in the shared-strings table
    held_bytes: int = 8 << 20  # XML held at once while streaming: one row, one shared string, one sheet setting (8 MiB)
    # A part read whole (the workbook, relationships, styles): Excel's own limits (65,490 cell formats, 1,024 fonts)
    # keep a real stylesheet far below these; openpyxl spends about 1.3 KB per styles element.
    whole_part_bytes: int = 64 << 20
    part_elements: int = 300_000


LIMITS = Limits()


class XlsxRejected(Exception):
    """The workbook cannot be taken as data; row 0 means the file as a whole."""

    def __init__(self, row: int, field: str, value: str | None, reason: str):
        super().__init__(reason)
        self.row, self.field, self.value, self.reason = row, field, value, reason


def refuse(reason: str, value: str | None = None, field: str = "(file)", row: int = 0) -> XlsxRejected:
    return XlsxRejected(row, field, value, reason)


def over(what: str, measured: int | str, limit: int, unit: str = "", field: str = "(file)", row: int = 0,
         note: str = "") -> XlsxRejected:
    """A limit exceeded: what was measured, its value, and the limit."""
    shown = f"{measured:,}" if isinstance(measured, int) else measured
    return refuse(f"XLSX over a limit: {what} {shown}{unit}, over the limit of {limit:,}{unit}{note}", shown, field, row)


def damaged(detail: str, part: str | None = None) -> XlsxRejected:
    where = f" (part {part})" if part else ""
    return refuse(f"XLSX cannot be read: the zip package is damaged{where}: {detail}; save the workbook again and resend it",
                  part)


def check_container(data: bytes) -> None:
    """Refuse, with a message saying what the file is, anything that is not a zip package."""
    if data.startswith(ZIP_MAGIC):
        return
    if data.startswith(OLE_MAGIC):
        try:
            ole = olefile.OleFileIO(io.BytesIO(data))  # bytes, never a path (olefile takes short bytes as a file name)
            streams = {"/".join(entry).lower() for entry in ole.listdir(streams=True, storages=False)}
            ole.close()
        except Exception as exc:  # olefile raises several types on a damaged container
            raise refuse(f"the file is an OLE container (a password-protected workbook or an Excel 97-2003 file) "
                         f"but it is damaged ({str(exc).strip() or type(exc).__name__}); save it again as .xlsx") from None
        if {"encryptioninfo", "encryptedpackage"} <= streams:
            raise refuse("the workbook is password-protected (encrypted); send it without a password")
        if "workbook" in streams or "book" in streams:
            raise refuse("the file is an Excel 97-2003 workbook (.xls) named .xlsx; "
                         "open it in Excel and save it as Excel Workbook (.xlsx)")
        kind = "a Word 97-2003 document" if "worddocument" in streams else "no workbook"
        raise refuse(f"the file is not a workbook: it is an OLE container holding {kind}; send the data as .xlsx")
    if not data:
        raise refuse("file is empty")
    try:  # incremental: a character cut at byte 512 is not an error
        head = codecs.getincrementaldecoder("utf-8")().decode(data[:512], final=False)
    except UnicodeDecodeError:
        head = None
    if head and all(c.isprintable() or c in "\r\n\t\ufeff" for c in head):
        raise refuse("the file is not an Excel workbook: it holds text (CSV, HTML or XML saved with the .xlsx name?); "
                     "save it from Excel as Excel Workbook (.xlsx)", head[:40])
    raise refuse("the file is not an Excel workbook: an .xlsx file is a zip package and this one starts with bytes "
                 f"{data[:8].hex(' ')}", data[:8].hex(" "))


@dataclass(frozen=True)
class Relationship:
    id: str
    kind: str  # the last segment of its type: worksheet, chartsheet, sharedStrings, styles, officeDocument...
    part: str  # the part it points to, resolved to a zip entry name as far as the name goes
    external: bool


class Package:
    """The zip package, its directory checked against the limits; parts looked up as Excel does (any case)."""

    def __init__(self, data: bytes, limits: Limits):
        self.limits = limits
        buffer = io.BytesIO(data)
        try:
            # The entry count from the end record, before zipfile builds one object per entry.
            end = zipfile._EndRecData(buffer)  # noqa: SLF001 - the stdlib's own end-record reader
        except OSError as exc:
            raise damaged(str(exc)) from None
        if end is None:
            raise damaged("its zip directory is missing (the file is truncated or not a zip file)")
        entries = end[zipfile._ECD_ENTRIES_TOTAL]  # noqa: SLF001
        if entries > limits.parts:
            raise over("the zip package has", entries, limits.parts, " parts")
        try:
            self.zip = zipfile.ZipFile(buffer)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise damaged(str(exc)) from None
        infos = self.zip.infolist()
        if len(infos) > limits.parts:
            raise over("the zip package has", len(infos), limits.parts, " parts")
        self.by_name: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            key = info.filename.lower()
            if key in self.by_name:
                raise refuse(f"XLSX cannot be read: the zip package holds two parts named {info.filename}", info.filename)
            self.by_name[key] = info
            if info.flag_bits & 0x1:
                raise refuse("the workbook is password-protected (encrypted); send it without a password", info.filename)
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise refuse(f"XLSX cannot be read: part {info.filename} uses compression method {info.compress_type}, "
                             "which Excel never writes", info.filename)
            if info.file_size > limits.part_bytes:
                raise over(f"part {info.filename} inflates to", info.file_size, limits.part_bytes, " bytes")
            if info.file_size > limits.ratio_floor and info.file_size > limits.ratio * max(info.compress_size, 1):
                ratio = info.file_size / max(info.compress_size, 1)
                raise over(f"part {info.filename} inflates from {info.compress_size:,} to {info.file_size:,} bytes, that is",
                           f"{ratio:,.1f}", limits.ratio, " times its compressed size", note=" (a zip bomb?)")
        total = sum(info.file_size for info in infos)
        if total > limits.total_bytes:
            raise over("the parts inflate to", total, limits.total_bytes, " bytes in all")

    def close(self) -> None:
        self.zip.close()

    def find(self, part: str) -> zipfile.ZipInfo | None:
        return self.by_name.get(part.lower())

    def relationships(self, source: str) -> list[Relationship]:
        """The relationships of a part ("" for the package), targets resolved against the source's folder."""
        folder, name = posixpath.split(source)
        rels_part = posixpath.join(folder, "_rels", f"{name}.rels")
        if self.find(rels_part) is None:
            return []
        root = self.small_tree(rels_part)
        found = []
        for rel in root.iter(f"{{{PKG_REL_NS}}}Relationship"):
            target = rel.get("Target") or ""
            external = rel.get("TargetMode") == "External"
            path = unquote(target)
            path = path[1:] if path.startswith("/") else posixpath.join(folder, path)
            found.append(Relationship(id=rel.get("Id") or "", kind=(rel.get("Type") or "").rsplit("/", 1)[-1],
                                      part=posixpath.normpath(path) if path else "", external=external))
        return found

    def stream(self, part: str, tags: list[str] | None = None, budget: int | None = None,
               over_budget: Callable[[], XlsxRejected] | None = None) -> XmlStream:
        """An XML part streamed: end events of the elements named in `tags`, or start and end of every element."""
        info = self.find(part)
        if info is None:
            raise refuse(f"XLSX cannot be read: part {part} is missing", part)
        return XmlStream(self, info, tags, budget, over_budget)

    def small_tree(self, part: str, keep: bool = True) -> etree._Element | None:
        """A part read whole (relationships, the workbook), its bytes and elements counted as they come.
        keep=False only checks it (the styles, which openpyxl then parses itself): nothing is held."""
        limits = self.limits
        root = None
        count = 0
        xml = self.stream(part, budget=limits.whole_part_bytes, over_budget=lambda: over(
            f"part {part} is", f"more than {limits.whole_part_bytes:,}", limits.whole_part_bytes, " bytes of XML"))
        for event, element in xml:
            if event == "start":
                root = element if root is None else root
                count += 1
                if count > limits.part_elements:
                    raise over(f"part {part} has", f"more than {limits.part_elements:,}", limits.part_elements,
                               " XML elements")
            elif not keep:
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
        return root if keep else None

    def read(self, part: str) -> bytes:
        """A part's bytes (its declared size was checked against the limits when the package was opened)."""
        try:
            return self.zip.read(self.find(part))
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise damaged(str(exc), part) from None


class XmlStream:
    """One XML part as lxml parses it (no DTD, no entities, no network), read from the zip as it goes.

    `held` counts the bytes handed to the parser since the caller last called release(). A caller that
    drops each element once it has read it and then releases keeps the tree it holds below the budget
    (libxml2 spends about 30 bytes per byte of XML at worst): past the budget, over_budget() is raised
    from inside the parser, before the rest is read.
    """

    def __init__(self, package: Package, info: zipfile.ZipInfo, tags: list[str] | None, budget: int | None,
                 over_budget: Callable[[], XlsxRejected] | None):
        self.package, self.info, self.tags, self.budget, self.over_budget = package, info, tags, budget, over_budget
        self.held = 0
        self._raw = None

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.held += len(data)
        if self.budget is not None and self.held > self.budget:
            raise self.over_budget()
        return data

    def release(self) -> None:
        self.held = 0

    def _check(self, element: etree._Element) -> None:
        if element.getroottree().docinfo.doctype:
            raise refuse(f"XLSX cannot be read: part {self.info.filename} declares a DTD, which a workbook never "
                         "does (entities are not expanded)", self.info.filename)

    def __iter__(self) -> Iterator[tuple[str, etree._Element]]:
        part = self.info.filename
        try:
            with self.package.zip.open(self.info) as self._raw:
                events = etree.iterparse(self, events=("end",) if self.tags else ("start", "end"), tag=self.tags,
                                         resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                                         remove_comments=True, remove_pis=True)
                checked = False
                for event, element in events:
                    if not checked:
                        self._check(element)
                        checked = True
                    yield event, element
                if not checked and events.root is not None:
                    self._check(events.root)
                self.root = events.root
        except etree.XMLSyntaxError as exc:
            raise refuse(f"XLSX cannot be read: part {part} is not well-formed XML ({exc.msg})", part) from None
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise damaged(str(exc), part) from None


def local(tag: object) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(tag: object) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""
