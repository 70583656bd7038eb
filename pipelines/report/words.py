"""The report page's own words in Vietnamese and English, read from words.yml (the words of rules and findings come
from the rule catalogue).

WORDS holds one text per language; COUNTS a phrase per CLDR plural category ('one', 'other': Vietnamese
has only 'other'), so English reads "1 error" and "2 errors"; CODES translates the codes the data holds
(severity, status, domain, evidence role), falling back to the code itself.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml


@cache
def _texts() -> dict:
    # read when first used, not at import: importing the code location reads no file (tests/test_settings.py)
    return yaml.safe_load((Path(__file__).with_name("words.yml")).read_text(encoding="utf-8"))


def __getattr__(name: str):
    """WORDS, COUNTS and CODES (words.yml's three parts), read on first access."""
    part = {"WORDS": "words", "COUNTS": "counts", "CODES": "codes"}.get(name)
    if part is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _texts()[part]


def code(value: str | None, lang: str) -> str:
    """A code from the data (severity, status, domain, role) in the language, or the code itself."""
    if value is None:
        return ""
    return _texts()["codes"][lang].get(value, value)
