"""What the check families share: the finding constructor, severity shorthands, column names."""

from __future__ import annotations

from typing import Optional

from perf_xlsx.model import Finding, Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
COLUMN_NAMES = {"initial": "年初预算数", "full_year": "全年预算数", "executed": "全年执行数"}


def finding(sev: Severity, code: str, msg: str, sheet: str, cell: Optional[str], expected: object = None,
            found: object = None) -> Finding:
    """A Finding of one check; an empty cell reference is none."""
    return Finding(sev, code, msg, sheet, cell or None, expected, found)
