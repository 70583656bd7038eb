"""How the report writes numbers, intervals, counts and messages in each of its two languages.

One number convention per language, from CLDR through Babel: vi writes 16.716,074, en 16,716.074.
Numbers are rounded for display only (the findings' tables and exports keep full precision):
a figure with at most MAX_EXACT_DECIMALS decimals is a written figure or a sum of written figures
and is shown exactly (a difference of 0,002 against a tolerance of 0,0015 must not read as 0,002
against 0,002); a longer one is a quotient (a ratio, a growth rate) and is shown to QUOTIENT_DIGITS
decimals, or QUOTIENT_DIGITS significant digits below 1. An interval is written low – high (a
comma would be ambiguous beside the Vietnamese decimal comma), an open one as ≥ low or ≤ high.

The engine writes findings' values and messages once, in its own plain style (`1185.7345`,
`[14.995, 15.005]`, pipelines/quality/engine.py r57_fmt and r57_interval); `localised_message`
fills the rule's message template again with the values in the page's style.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.numbers import format_decimal

from pipelines import logsafe
from pipelines.quality.engine import INTERVAL_SEPARATOR, PLACEHOLDERS

LANGS = ("vi", "en")
MAX_EXACT_DECIMALS = 4
QUOTIENT_DIGITS = 3
_PATTERN = "#,##0." + "#" * 12

# The engine's text of a value: a number, an open bound, or an interval of them.
_NUMBER = r"-?\d+(?:\.\d+)?|[+-]∞"
_VALUE = re.compile(rf"(?P<one>{_NUMBER})|\[(?P<lo>{_NUMBER}), (?P<hi>{_NUMBER})\]")
# The placeholders of a rule's message (the engine's own list), filled in one pass as the engine does.
PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")

ANY_VALUE = {"vi": "bất kỳ", "en": "any"}


def display_decimal(value: Decimal) -> Decimal:
    """The value rounded for display (see the module's docstring)."""
    exponent = value.normalize().as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= -MAX_EXACT_DECIMALS:
        return value
    if value == 0:
        return Decimal(0)
    magnitude = value.copy_abs().adjusted()  # 0 for 1..9.99, -1 for 0.1..0.99
    places = QUOTIENT_DIGITS if magnitude >= 0 else QUOTIENT_DIGITS - 1 - magnitude
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def number(value, lang: str) -> str:
    """A number in the language's convention, rounded for display; '' for None."""
    if value is None:
        return ""
    shown = display_decimal(value if isinstance(value, Decimal) else Decimal(str(value)))
    if shown == shown.to_integral_value():
        return format_decimal(int(shown), locale=lang)
    return format_decimal(shown, format=_PATTERN, locale=lang, decimal_quantization=False)


def _bound(text: str, lang: str) -> str:
    return text if text.endswith("∞") else number(Decimal(text), lang)


def value_text(text: str | None, lang: str) -> str | None:
    """The engine's text of a value or interval in the language's style; None when it is not one (a row check's
    text, a date): such text is shown as it is."""
    if text is None:
        return None
    match = _VALUE.fullmatch(text)
    if match is None:
        return None
    if match["one"] is not None:
        return _bound(match["one"], lang)
    lo, hi = match["lo"], match["hi"]
    if lo.endswith("∞") and hi.endswith("∞"):
        return ANY_VALUE[lang]
    if hi.endswith("∞"):
        return f"≥ {_bound(lo, lang)}"
    if lo.endswith("∞"):
        return f"≤ {_bound(hi, lang)}"
    low, high = _bound(lo, lang), _bound(hi, lang)
    return low if low == high else f"{low} – {high}"


def shown_value(text: str | None, lang: str) -> str:
    """A finding's value as the page shows it: localised when it is a number or interval, else as written."""
    if text is None:
        return ""
    localised = value_text(text, lang)
    return text if localised is None else localised


def fill(template: str, values: dict[str, str | None]) -> str:
    """The engine's r57_render in Python: each placeholder replaced once by its value, shown visibly."""
    return PLACEHOLDER.sub(lambda m: logsafe.visible(values.get(m.group(1)) or ""), template)


VALUE_FIELDS = {"actual": "actual_value", "expected": "expected_value", "difference": "difference", "tolerance": "tolerance"}
# The engine's own message style per language (pipelines/quality/engine.py r57_num_<lang>, r57_interval_<lang>):
# every decimal kept, the language's separators, an interval as [low<sep>high] (engine.INTERVAL_SEPARATOR).


def engine_text(text: str | None, lang: str | None) -> str | None:
    """A value as the engine writes it into a message in `lang` (None: its plain form, as stored)."""
    if text is None or lang is None:
        return text
    match = _VALUE.fullmatch(text)
    if match is None:
        return text

    def full(bound: str) -> str:
        return bound if bound.endswith("∞") else format_decimal(Decimal(bound), format=_PATTERN, locale=lang,
                                                                 decimal_quantization=False)
    if match["one"] is not None:
        return full(match["one"])
    return f"[{full(match['lo'])}{INTERVAL_SEPARATOR[lang]}{full(match['hi'])}]"


def localised_message(message: str, template: str | None, finding: dict, lang: str, row_check: bool = False) -> str:
    """The stored message with its numbers in the language's style, rounded for display.

    The rule's template is filled again with the stored values, written as the engine writes them (plain, or
    in the language's style with every decimal): when that gives the start of the stored message (what
    follows is a suffix the engine appended: absent figures, an echo), it is filled with the values as the
    page shows them and the suffix kept. Otherwise (a template changed since) the stored message is
    returned as it is: never a wrong number, at worst an unrounded one. A row check's actual and expected
    values are text its SQL wrote (a date, a status) and stay as they are; only its difference is a number."""
    if not template:
        return message
    numeric = ("difference",) if row_check else tuple(VALUE_FIELDS)
    raw = {"subject": finding.get("subject"), "metric": finding.get("metric"), "unit": finding.get("unit"),
           **{key: finding.get(column) for key, column in VALUE_FIELDS.items()}}
    for style in (lang, None):
        stored = fill(template, {**raw, **{key: engine_text(raw[key], style) for key in numeric}})
        if message.startswith(stored):
            shown = {key: shown_value(raw[key], lang) if raw[key] is not None else None for key in numeric}
            return fill(template, {**raw, **shown}) + message[len(stored):]
    return message


def plural(n: int, forms: dict[str, str], lang: str) -> str:
    """`forms` by CLDR plural category ('one', 'other'...) for the language; {n} is the count, localised."""
    category = Locale.parse(lang).plural_form(n)
    return (forms.get(category) or forms["other"]).format(n=number(n, lang))
