"""Judging: scoring by a rules profile and the arithmetic and consistency checks, as pure
functions of the model; ``evaluate`` runs read → score → check for one input.

``numbers`` (rounding, formatting, reading cells as numbers), ``indicators`` (the score of an
indicator row), ``rubric`` (the machine-readable 评分标准 of §5.3), ``department`` (the score of a
部门整体 row: by target and actual, by its rubric, or left to a person), ``breakdowns`` (the
breakdowns of the 年度资金总额 and the amounts used), ``scoring`` (funds, the table's total),
``checks`` (one module per family).
"""
