"""Cells that say "nothing here" (不适用, 无, dashes) rather than hold a value."""

from __future__ import annotations

import re

from perf_xlsx.values.text import TRAILING_PUNCT, clean_text, compact

# Words that say "this row does not apply". Only the explicit ones say it for sure: 无 and a
# dash or slash are also how people answer "none happened" (安全事故 无 / 无) or fill a cell
# they have nothing for, so whether they mark a row 不适用 depends on the row (scoring decides).
_NA_EXPLICIT = {"不适用", "不涉及", "无此项", "此项不适用", "本项不适用", "本项目不适用", "n/a", "na"}
_NA_WORDS = _NA_EXPLICIT | {"无", "/", "／"}
_NA_DASH_RE = re.compile(r"^[-—–/\\]+$")


def is_not_applicable_text(text: str) -> bool:
    return text.lower() in _NA_WORDS or bool(_NA_DASH_RE.match(text))


def explicitly_not_applicable(value: object) -> bool:
    """Does a cell say 不适用 in so many words (不适用, 不涉及, 无此项, N/A)? 无 and dashes do not:
    they are ambiguous (see _NA_EXPLICIT)."""
    text = compact(clean_text(value)).rstrip(TRAILING_PUNCT)
    return text.lower() in _NA_EXPLICIT


def blank_amount(value: object) -> bool:
    """Is an amount cell written as "nothing here" (—, /, 无, 不适用 …) rather than a number?

    Such a cell in the funds block means no money of that kind, the same as a blank
    (scoring-rules.md §1.2: sub-row amounts, blank = 0), not a number typed wrongly.
    """
    if not isinstance(value, str):
        return False
    return is_not_applicable_text(compact(clean_text(value)).rstrip(TRAILING_PUNCT))
