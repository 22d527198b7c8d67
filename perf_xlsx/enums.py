"""The enumerations of the model: a finding's severity, a table's kind, an indicator's kind and a
qualitative grade, with their Chinese labels.

Apart from :mod:`perf_xlsx.model` so that what needs only these (the rules profile, 汇总's index,
the finding-code registry) imports no data classes: building ~30 dataclasses is most of the
model's import time, which every `perf-xlsx batch` rerun would pay.
"""

from __future__ import annotations

from enum import Enum
from typing import Mapping


class Severity(str, Enum):
    """How serious a finding is; ``label`` is the one Chinese word every output shows for it."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        return SEVERITY_LABELS[self]

    @property
    def rank(self) -> int:
        """0 for the most serious: findings sort by it."""
        return _RANK_OF_VALUE[self._value_]  # by the value: an Enum member hashes in Python


#: The Chinese word for each severity (错误 / 警告 / 提示), in the scored copy, 汇总 and the console.
SEVERITY_LABELS: Mapping[Severity, str] = {Severity.ERROR: "错误", Severity.WARNING: "警告", Severity.INFO: "提示"}
_SEVERITY_RANK: Mapping[Severity, int] = {s: i for i, s in enumerate(Severity)}
_RANK_OF_VALUE: Mapping[str, int] = {s.value: i for s, i in _SEVERITY_RANK.items()}


class TableKind(str, Enum):
    """What a table is (scoring-rules.md §1.3): a 项目支出绩效自评表, a 部门整体支出绩效自评表 or a
    转移支付（区域）绩效目标自评表. The value is what results.jsonl says.

    All are scored by the same rules; what differs between kinds is asked of the kind (its
    properties below), never by comparing with one member, so that each kind states its own
    answers in one place."""

    PROJECT = "project"
    DEPARTMENT = "department"
    TRANSFER = "transfer"

    def __str__(self) -> str:
        # The value, on every Python: 3.11 changed format() of mixed-in enums to the member name.
        return self.value

    @property
    def label(self) -> str:
        """The table's Chinese name, as messages and summaries show it."""
        return _TABLE_LABELS[self.value]

    @property
    def funds_weight_implied(self) -> bool:
        """Whether the funds row is worth the profile's points when the funds block has no 分值
        column: the 项目支出 template always gives it 10; a 部门整体 form without one (Chongqing's
        资金情况) does not score the spending on its own."""
        return self is TableKind.PROJECT

    @property
    def judges_rubrics(self) -> bool:
        """Whether rows may be judged by a 评分标准 in words (部门整体 scoring tables), or by
        nothing the tool can read (left to a person), besides target and actual."""
        return self is TableKind.DEPARTMENT

    @property
    def listed_in_unit(self) -> bool:
        """Whether the unit's 项目清单 must list the table (a 部门整体 table is not a project)."""
        return self is TableKind.PROJECT

    @property
    def weights_required(self) -> bool:
        """Whether a table of this kind without any 分值 is an error: a 转移支付（区域）绩效目标自评表
        is often a goal sheet without 分值 / 得分 columns, judged by its arithmetic and each
        indicator's completion, not scored (issue 12 §2)."""
        return self is not TableKind.TRANSFER


_TABLE_LABELS = {"project": "项目支出绩效自评表", "department": "部门整体支出绩效自评表",
                 "transfer": "转移支付区域绩效自评表"}


class Kind(str, Enum):
    """How an indicator is scored (scoring-rules.md §2.4–2.7)."""

    GE = "ge"
    LE = "le"
    EQ = "eq"
    QUAL = "qual"

    @property
    def label(self) -> str:
        return {"ge": "正向", "le": "反向", "eq": "等于", "qual": "定性"}[self.value]


class Grade(str, Enum):
    """Qualitative completion grade written in 实际完成值."""

    ACHIEVED = "ACHIEVED"
    PARTIAL = "PARTIAL"
    NOT = "NOT"

    @property
    def label(self) -> str:
        return {"ACHIEVED": "达成预期指标", "PARTIAL": "部分达成预期指标并具有一定效果",
                "NOT": "未达成预期指标且效果较差"}[self.value]


__all__ = ["Grade", "Kind", "SEVERITY_LABELS", "Severity", "TableKind"]
