"""Judging: scoring by a rules profile and the arithmetic and consistency checks, as pure
functions of the model; ``evaluate`` runs read → score → check for one input.

``numbers`` (rounding, formatting, reading cells as numbers), ``indicators`` (the score of an
indicator row), ``scoring`` (funds, the table's total), ``checks`` (one module per family).
"""
