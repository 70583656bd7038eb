"""Show agency-controlled text on one line, with nothing hidden: for log lines, one-line messages,
Markdown metadata in the Dagster UI, and (through pipelines/report/render.py) the auditors' HTML.

A file name or a cell can hold a newline (which forges a log line), a terminal escape, or an
invisible character: a zero-width space that makes "Hoàn thành\u200b đúng hạn" look like a valid
status, or a bidi override that makes text read in another order than it is stored. Each such
character is replaced by its code point, ⟨U+200B⟩, never dropped: an auditor sees that something
was there and what it was.

The characters are Unicode's controls (Cc), format characters (Cf: zero-width, bidi, BOM, soft
hyphen, tags), line and paragraph separators (Zl, Zp), and the letters and marks that render as
nothing (Hangul fillers, the combining grapheme joiner, Khmer inherent vowels). The same set is
given as a DuckDB (RE2) character class, so the rule engine writes its messages the same way.
"""

from __future__ import annotations

import re
import unicodedata

INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
# Letters and marks (so not in the categories above) that a browser draws as nothing.
INVISIBLE_EXTRA = frozenset({0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0})


def _ranges() -> list[tuple[int, int]]:
    points = [c for c in range(0x110000)
              if c in INVISIBLE_EXTRA or unicodedata.category(chr(c)) in INVISIBLE_CATEGORIES]
    ranges: list[list[int]] = []
    for c in points:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return [(lo, hi) for lo, hi in ranges]


INVISIBLE_RANGES = _ranges()
INVISIBLE = re.compile("[" + "".join(f"\\U{lo:08X}-\\U{hi:08X}" for lo, hi in INVISIBLE_RANGES) + "]")
# The same class in RE2 syntax, for regexp functions in DuckDB SQL.
RE2_INVISIBLE = "[" + "".join(f"\\x{{{lo:X}}}-\\x{{{hi:X}}}" for lo, hi in INVISIBLE_RANGES) + "]"

# CommonMark lets a backslash escape any ASCII punctuation: escaped, a value cannot open a link,
# an image, emphasis or raw HTML in the Dagster UI's Markdown.
_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")


def label(char: str) -> str:
    """⟨U+200B⟩: how an invisible or control character is shown."""
    return f"⟨U+{ord(char):04X}⟩"


def visible(text: str) -> str:
    """The text with every control or invisible character shown as ⟨U+XXXX⟩."""
    return INVISIBLE.sub(lambda m: label(m.group()), text)


def one_line(value: object) -> str:
    """Any value as one line of visible text, for a log line or a one-line message."""
    return visible(value if isinstance(value, str) else str(value))


def md_text(value: object) -> str:
    """A value as literal text in Markdown (Dagster metadata): one line, no markup of its own."""
    text = value if isinstance(value, str) else str(value)
    return visible(_MARKDOWN_SPECIAL.sub(r"\\\1", text))


def md_list(values) -> str:
    """A Markdown bullet list, one item per value, each shown literally; "none" when empty."""
    return "\n".join(f"- {md_text(v)}" for v in values) or "none"
