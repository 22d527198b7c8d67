"""Parsing of what people type into cells: labels, amounts, indicator values, grades.

Pure functions on Python values; nothing here knows about sheets or spreadsheet libraries.
The grammar is deliberately strict (scoring-rules.md §2.3, hostile-input.md C4/C9/A18): a
value that cannot be read unambiguously comes back as "no number" so that the caller can
report it, instead of being guessed and silently scored.

The modules, lowest first: ``text`` (display and compact text), ``numbers`` (the number
grammar), ``labels`` (label keys), ``blanks`` (不适用 and dashes), ``units`` (units and money),
``grades`` (qualitative wording, 指标性质), ``dates``, ``operators`` (comparison words and
Chinese numerals), ``quantity`` (a target or actual cell as a Quantity).
"""

from perf_xlsx.values.blanks import blank_amount, explicitly_not_applicable
from perf_xlsx.values.grades import op_from_nature, parse_grade
from perf_xlsx.values.labels import normalize_label, split_weight_suffix
from perf_xlsx.values.numbers import parse_number, parse_points
from perf_xlsx.values.quantity import parse_quantity
from perf_xlsx.values.text import clean_text
from perf_xlsx.values.units import parse_money, written_money_unit

__all__ = [
    "blank_amount",
    "clean_text",
    "explicitly_not_applicable",
    "normalize_label",
    "op_from_nature",
    "parse_grade",
    "parse_money",
    "parse_number",
    "parse_points",
    "parse_quantity",
    "split_weight_suffix",
    "written_money_unit",
]
