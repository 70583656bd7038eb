"""The report page's own words in Vietnamese and English, read from words.yml (the words of rules and findings come
from the rule catalogue).

WORDS holds one text per language; COUNTS a phrase per CLDR plural category ('one', 'other': Vietnamese
has only 'other'), so English reads "1 error" and "2 errors"; CODES translates the codes the data holds
(severity, status, domain, evidence role), falling back to the code itself.
"""

from __future__ import annotations

from pathlib import Path

import yaml

_TEXTS = yaml.safe_load((Path(__file__).with_name("words.yml")).read_text(encoding="utf-8"))
WORDS: dict[str, dict[str, str]] = _TEXTS["words"]
COUNTS: dict[str, dict[str, dict[str, str]]] = _TEXTS["counts"]
CODES: dict[str, dict[str, str]] = _TEXTS["codes"]


def code(value: str | None, lang: str) -> str:
    """A code from the data (severity, status, domain, role) in the language, or the code itself."""
    if value is None:
        return ""
    return CODES[lang].get(value, value)
