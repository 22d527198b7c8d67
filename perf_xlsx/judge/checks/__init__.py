"""Arithmetic and consistency checks (scoring-rules.md §3) and goal-quality warnings.

Each check is a small function over a scored project that yields findings; none raises on
bad data. Codes are stable identifiers, declared in perf_xlsx/codes.py. One module per family:
``funds`` (F1–F8, the breakdowns of the total), ``tasks`` (年度主要任务), ``weights`` (W1–W5, 小计
rows), ``rows`` (I1–I7, explanations, rows left to a person), ``total`` (I5), ``goals`` (goal
quality), ``unit`` (the 项目清单); ``project`` runs them on a table.
"""

from perf_xlsx.judge.checks.project import check_project
from perf_xlsx.judge.checks.unit import check_unit

__all__ = ["check_project", "check_unit"]
