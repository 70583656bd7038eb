"""Characters a cell may hold, and what becomes of the others: polars column expressions, no per-row Python.

The rules (also in pipelines/ingest/parsing.py and sources/templates/README.md):

- Line breaks of every form (CR LF, CR, LF, vertical tab, form feed, NEL U+0085, U+2028, U+2029)
  become one LF. A free-text cell keeps them; in a one-line value (a key, code, label, number or
  date) a line break between two characters is a problem, and leading or trailing ones are trimmed.
- A tab and every Unicode space (no-break space, thin space, ideographic space...) become a plain
  space, so two keys never differ by the kind of space in them.
- Invisible format characters (Unicode category Cf: zero-width space and joiners U+200B-U+200D,
  marks U+200E/U+200F, bidi controls U+202A-U+202E and U+2066-U+2069, word joiner U+2060, soft
  hyphen U+00AD, a BOM U+FEFF inside a cell...) are removed from free text (and counted in the
  submission record) and are a problem in a one-line value: `NQ71-901` and `NQ71-901` + U+200B
  would otherwise be two tasks that look the same.
- Digits other than 0-9 (Arabic-Indic, full-width, any Unicode decimal digit) are a problem in a
  one-line value, never read as numbers; free text keeps them.
- Other control characters (NUL, ESC, DEL, C1 controls) are a problem in every cell: they come
  from a damaged file, not from a person typing.

A problem names the character, its code point and its position in the cell (counted in characters
from 1, after NFC composition), e.g. "cell holds an invisible character U+200B (zero width space)
at position 9; delete it". `visible` writes such characters as `⟨U+200B⟩` (pipelines/logsafe.py) wherever a value is shown
in a message, so a message never looks valid because of what cannot be seen.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from itertools import chain

import polars as pl

from pipelines.logsafe import label

# Regex classes in the syntax polars uses (Rust regex, Unicode-aware).
BREAK = r"[\n\r\x0B\x0C\x{85}\x{2028}\x{2029}]"
CONTROL = r"[\p{Cc}--[\t\n\r\x0B\x0C\x{85}]]"
INVISIBLE = r"\p{Cf}"
FOREIGN_DIGIT = r"[\p{Nd}--[0-9]]"
INNER_BREAK = r"\S\s*" + BREAK + r"\s*\S"  # a line break with a character before and after it

# (what the cell holds, the regex that finds it, how to fix it); first match wins
_ONE_LINE_RULES = (
    ("a control character", CONTROL, "delete it"),
    ("an invisible character", INVISIBLE, "delete it"),
    ("a digit other than 0-9", FOREIGN_DIGIT, "write digits as 0-9"),
    ("a line break", INNER_BREAK, "a code, label, number or date is written on one line"),
)
_FREE_TEXT_RULES = _ONE_LINE_RULES[:1]
ONE_LINE_PROBLEM = "|".join(f"(?:{rule})" for _, rule, _ in _ONE_LINE_RULES)
FREE_TEXT_PROBLEM = CONTROL

_C0 = ("null", "start of heading", "start of text", "end of text", "end of transmission", "enquiry", "acknowledge",
       "bell", "backspace", "tab", "line feed", "line tabulation", "form feed", "carriage return", "shift out",
       "shift in", "data link escape", "device control one", "device control two", "device control three",
       "device control four", "negative acknowledge", "synchronous idle", "end of transmission block", "cancel",
       "end of medium", "substitute", "escape", "file separator", "group separator", "record separator",
       "unit separator")


def _name(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return _C0[code]
    if code == 0x7F:
        return "delete"
    if code == 0x85:
        return "next line"
    if 0x80 <= code <= 0x9F:
        return "C1 control"
    return unicodedata.name(char, "unnamed").lower()


@lru_cache(maxsize=None)
def described() -> dict[str, str]:
    """'\u200b' -> 'U+200B (zero width space)' for every character a rule can name (all decimal digits and
    format characters lie below U+20000 or in the tag block)."""
    out = {}
    for code in chain(range(0x20000), range(0xE0000, 0xE0080)):
        char = chr(code)
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Zl", "Zp", "Zs") or (category == "Nd" and not "0" <= char <= "9"):
            out[char] = f"U+{code:04X} ({_name(char)})"
    return out


@lru_cache(maxsize=None)
def _spaces() -> dict[str, str]:
    """Tab and every Unicode space other than ' ' -> ' ' (for str.replace_many: one pass, no regex)."""
    return {c: " " for c in described() if c == "\t" or (unicodedata.category(c) == "Zs" and c != " ")}


# Anything `normalised` rewrites before NFC: line breaks other than LF, tabs, spaces other than ' ', Cf.
REWRITTEN = r"[[\r\x0B\x0C\x{85}\x{2028}\x{2029}\t\p{Zs}\p{Cf}]--[ ]]"


@lru_cache(maxsize=None)
def _rewrites() -> dict[str, str]:
    """Every line break other than LF -> LF (CR LF is done before), tab and Unicode spaces -> ' '."""
    return {**{c: "\n" for c in "\r\x0b\x0c\x85\u2028\u2029"}, **_spaces()}


@lru_cache(maxsize=None)
def not_nfc() -> str:
    """Regex class of every character NFC could change or combine with what precedes it: combining marks
    (\\p{M}, and any with a combining class), characters NFC replaces (singletons, excluded compositions) and
    those that are not the first of a canonical decomposition (Hangul jamo among them). A text holding none of
    them is already NFC (the Unicode quick check answers yes), so normalising it can be skipped: NFC is most of
    what reading Vietnamese text costs, and text typed on current systems is already composed."""
    codes: set[int] = set()
    for code in range(0x30000):  # no character above decomposes
        char = chr(code)
        if unicodedata.combining(char):
            codes.add(code)
            continue
        parts = unicodedata.normalize("NFD", char)
        if parts != char:
            codes.update(ord(part) for part in parts[1:])
            if unicodedata.normalize("NFC", char) != char:
                codes.add(code)
    ranges: list[list[int]] = []
    for code in sorted(codes):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return r"[\p{M}" + "".join(f"\\x{{{a:X}}}" + (f"-\\x{{{b:X}}}" if b > a else "") for a, b in ranges) + "]"


def normalised(raw: pl.Expr, free_text: bool, rewrite: bool = True, nfc: bool = True) -> pl.Expr:
    """The value kept: line breaks as LF, spaces as ' ', invisible characters dropped from free text, NFC,
    trimmed; an empty cell is NULL. rewrite=False: the column holds nothing to rewrite (see REWRITTEN);
    nfc=False: it holds no character of `not_nfc()`, so it is NFC already (rewriting adds none)."""
    text = raw
    if rewrite:
        text = text.str.replace_all("\r\n", "\n", literal=True).str.replace_many(_rewrites())
        if free_text:
            text = text.str.replace_all(INVISIBLE, "")
    if nfc:
        text = text.str.normalize("NFC")
    return text.str.strip_chars().replace("", None)


def unusual(one_line: bool) -> str:
    """Regex for any character a rule here looks at; a column holding none of them is left as it is."""
    return (r"[[\p{Cc}\p{Cf}\p{Zs}\p{Zl}\p{Zp}\p{Nd}]--[0-9 ]]" if one_line
            else r"[[\p{Cc}\p{Cf}\p{Zs}\p{Zl}\p{Zp}]--[\n ]]")


def has_problem(raw: pl.Expr, one_line: bool) -> pl.Expr:
    """True where the cell holds a character its column refuses (cheap: one regex scan per cell)."""
    return raw.str.contains(ONE_LINE_PROBLEM if one_line else FREE_TEXT_PROBLEM).fill_null(False)


def problem_reason(raw: pl.Expr, one_line: bool) -> pl.Expr:
    """The message for a cell `has_problem` flagged (meant for those few rows: it runs several regexes)."""
    text = raw.str.normalize("NFC")
    reason = None
    for what, rule, fix in (_ONE_LINE_RULES if one_line else _FREE_TEXT_RULES):
        # the offending character: for a line break, the break inside the match
        char = text.str.extract(f"({rule})", 1)
        if rule == INNER_BREAK:
            char = char.str.extract(f"({BREAK})", 1)
            before = text.str.extract(rf"(?s)^(.*?\S\s*?){BREAK}\s*\S", 1)
        else:
            before = text.str.extract(f"(?s)^(.*?){rule}", 1)
        message = pl.format(f"cell holds {what} {{}} at position {{}}; {fix}",
                            char.replace_strict(described(), default="(unnamed)"), before.str.len_chars() + 1)
        found = text.str.contains(rule)
        reason = pl.when(found).then(message) if reason is None else reason.when(found).then(message)
    return reason.otherwise(pl.lit("cell holds a character that is not allowed here"))


def invisible_count(raw: pl.Expr) -> pl.Expr:
    """How many invisible characters `normalised` drops from a free-text cell."""
    return raw.str.count_matches(INVISIBLE)


@lru_cache(maxsize=None)
def _escapes() -> dict[str, str]:
    # shown the one way the project shows such characters (logs, messages, the report)
    return {c: label(c) for c, d in described().items() if unicodedata.category(c) != "Nd" and c != " "}


def visible(value: pl.Expr, limit: int) -> pl.Expr:
    """A value as a message shows it: control, invisible and unusual space characters written as ⟨U+XXXX⟩,
    at most `limit` characters (cut with '…')."""
    shown = value.str.replace_many(_escapes())
    return pl.when(shown.str.len_chars() > limit).then(shown.str.slice(0, limit - 1) + "…").otherwise(shown)


def visible_text(text: str, limit: int) -> str:
    """`visible` for one Python string (header names, a few per file)."""
    shown = "".join(_escapes().get(c, c) for c in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def header_key(text: str) -> str:
    """A header cell as matched against the contract: invisible characters dropped, spaces plain."""
    return "".join("" if unicodedata.category(c) == "Cf" else _spaces().get(c, c) for c in text)
