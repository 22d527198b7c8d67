"""What the check families share: the finding constructor, severity shorthands, column names."""

from __future__ import annotations

from typing import Optional

from perf_xlsx.model import Finding, Project, Severity, new_finding

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
COLUMN_NAMES = {"initial": "年初预算数", "full_year": "全年预算数", "executed": "全年执行数"}
# A transfer table's allocation columns (Project.funds_basis "allocation").
ALLOCATION_NAMES = {"initial": "下达数", "full_year": "到位数", "executed": "支出数"}


def column_name(project: Project, col: str) -> str:
    """A money column's name in messages: the sheet's own header on an allocation-basis table
    (下达数 / 到位数 / 支出数 hold what COLUMN_NAMES calls 年初预算数 / 全年预算数 / 全年执行数)."""
    if project.funds_basis == "allocation":
        return dict(project.funds_headers).get(col) or ALLOCATION_NAMES[col]
    return COLUMN_NAMES[col]


def finding(sev: Severity, code: str, msg: str, sheet: str, cell: Optional[str], expected: object = None,
            found: object = None) -> Finding:
    """A Finding of one check; an empty cell reference is none."""
    return new_finding(severity=sev, code=code, message=msg, sheet=sheet, cell=cell or None, expected=expected,
                       found=found)
