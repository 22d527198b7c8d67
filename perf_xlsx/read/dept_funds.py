"""The funds block of a 部门整体 table: the 年度资金总额 row and its breakdowns, stacked or side by side.

A 部门整体支出绩效自评表 budgets the whole unit (scoring-rules.md §1.3 point 1): under the total
(年度资金总额, 年度总金额, 部门预算执行情况, 整体支出规模, 合计) it breaks the money down 按收入性质分
(一般公共预算, 政府性基金预算, 国有资本经营预算, 财政专户管理资金, 单位资金 / 其他资金) and 按支出性质分
(基本支出, 项目支出). Each breakdown adds up to the total on its own, so each row carries the
breakdown it belongs to (FundsRow.group). Published forms write the breakdowns one below the
other, each under its own name, or side by side in the same rows (the name row then repeats the
money headers for each); a form may also list the parts without naming the breakdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from perf_xlsx.a1 import parse_ref, ref
from perf_xlsx.model import CellValue, FundsGroup, FundsRow, Severity
from perf_xlsx.read.labels import (
    FUNDS_COLUMNS,
    MONEY_KEYS,
    Pred,
    SheetContext,
    row_map,
    row_map_between,
)
from perf_xlsx.read.tasks import task_header
from perf_xlsx.values import clean_text

# The total's row; later rows saying 合计 / 小计 close a breakdown and are not parts.
TOTAL_WORDS = ("资金总额", "总金额", "合计", "总额", "总计", "总资金", "预算执行情况", "支出规模", "资金合计")
# Parts of a part (其中：人员经费 / 公用经费 under 基本支出): shown, never added to a breakdown.
DETAIL_WORDS = ("人员经费", "公用经费")
EXPENDITURE_WORDS = ("基本支出", "项目支出")
# A row under the total names money of some kind; anything else ends the block.
PART_WORDS = ("资金", "拨款", "收入", "预算", "基金", "补助", "结转", "结余", "专户", "自筹", "经费", "贷款", "债券", "支出",
              "上缴", "其他", "公益金", "配套")
# Labels that start the next block.
_BLOCK_ENDS = ("目标", "绩效指标", "一级指标", "三级指标", "年度主要任务", "任务名称", "主要任务", "重点工作任务")


def breakdown_key(text: str) -> Optional[str]:
    """"income" / "expenditure" for a label naming a breakdown (按收入性质分, 按支出性质分,
    收入性质, 按资金来源), else None. A part's own name (基本支出, 事业收入) is no breakdown name."""
    if len(text) > 12:
        return None
    if ("收入" in text and ("按" in text or "性质" in text or "来源" in text)) or text.startswith(("按资金来源", "资金来源")):
        return "income"
    if "支出" in text and ("按" in text or "性质" in text or "用途" in text or "经济分类" in text):
        return "expenditure"
    return None


@dataclass
class _Side:
    """A breakdown written beside another in the same rows: its label column and money columns."""

    key: str
    label_col: int
    cols: dict[str, int]


def _label(ctx: SheetContext, row: int, lo: int, hi: int) -> tuple[str, str]:
    """The rightmost label anchored in ``row`` between columns lo ≤ c < hi (a block label merged
    down from the header row anchors above and is not the row's label; it is normalised), and
    its cell."""
    found = [(c, t) for c, t in ctx.labels(row) if lo <= c < hi]
    if not found:
        return "", ""
    c, t = found[-1]
    return t, ref(row, c)


def _written(ctx: SheetContext, cell: str) -> str:
    """A label as written (clean, not normalised), for the JSON and messages."""
    return clean_text(ctx.text(*parse_ref(cell))) if cell else ""


def _values(ctx: SheetContext, row: int, cols: dict[str, int]) -> dict[str, Optional[CellValue]]:
    return {k: ctx.cell(row, c) for k, c in cols.items()}


def _filled(values: dict[str, Optional[CellValue]]) -> bool:
    return any(v is not None and not v.blank for k, v in values.items() if k in MONEY_KEYS)


class _Reader:
    def __init__(self, ctx: SheetContext, header: int, cols: Optional[dict[str, int]] = None,
                 columns: list[tuple[str, Pred]] = FUNDS_COLUMNS) -> None:
        self.ctx = ctx
        self.header = header
        self.columns = columns
        self.cols = cols if cols is not None else row_map(ctx, header, FUNDS_COLUMNS)
        self.money = {k: c for k, c in self.cols.items() if k in MONEY_KEYS}
        self.first_money = min(self.cols.values())
        self.rows: list[FundsRow] = []
        self.groups: list[FundsGroup] = []
        self.seen_total = False

    def kind(self, label: str) -> Optional[str]:
        if any(k in label for k in TOTAL_WORDS):
            if not self.seen_total:
                self.seen_total = True
                return "total"
            return "detail"  # a breakdown's own 合计 / 小计: the total of rows already counted
        if any(k in label for k in DETAIL_WORDS):
            return "detail"
        if "财政拨款" in label:
            return "current_appropriation"
        if "结转" in label:
            return "carry_over"
        if label.startswith("其他资金") or label == "其他":
            return "other"
        if any(k in label for k in PART_WORDS):
            return "component"
        return None

    def add(self, label: str, cell: str, row: int, kind: str, group: str,
            values: dict[str, Optional[CellValue]]) -> None:
        self.rows.append(FundsRow(label=_written(self.ctx, cell) or label, kind=kind, label_cell=cell, row=row,
                                  group=group, **values))

    def declare(self, key: str, text: str, cell: str) -> None:
        if not any(g.key == key for g in self.groups):
            self.groups.append(FundsGroup(key=key, name=_written(self.ctx, cell) or text, cell=cell))

    def sides(self, row: int, marks: list[tuple[int, str, str]]) -> list[_Side]:
        """The breakdowns named side by side in ``row``, each with the money columns its name
        row repeats (else the header's money columns within its span)."""
        out = []
        for i, (col, text, key) in enumerate(marks):
            hi = marks[i + 1][0] if i + 1 < len(marks) else self.ctx.sheet.max_col + 1
            cols = {k: c for k, c in row_map_between(self.ctx, row, self.columns, col + 1, hi).items()
                    if k in MONEY_KEYS}
            if not cols:
                cols = {k: c for k, c in self.money.items() if col < c < hi}
            self.declare(key, text, ref(row, col))
            if not cols:
                self.unread(text, ref(row, col))
                continue
            out.append(_Side(key, col, cols))
        return out

    def unread(self, text: str, cell: str) -> None:
        self.ctx.add(Severity.WARNING, "read.breakdown_unread",
                     f"找到资金分项「{text}」，但其下没有可识别的金额栏（年初预算数 / 全年预算数 / 全年执行数），该分项未读取、未核对",
                     cell)

    def read(self, stop: int) -> None:
        ctx = self.ctx
        group = ""  # the breakdown stacked rows belong to
        cols = dict(self.cols)  # the columns stacked rows are read from
        sides: list[_Side] = []
        blank_run = 0
        for r in range(self.header + 1, stop):
            labels = ctx.labels(r)
            if any(t.startswith(_BLOCK_ENDS) or "目标" in t for c, t in labels if c < self.first_money) \
                    or task_header(ctx, r) is not None:
                break
            marks = [(c, t, key) for c, t in labels for key in (breakdown_key(t),) if key is not None]
            if len(marks) >= 2:
                sides = self.sides(r, marks)
                continue
            if marks:
                col, text, group = marks[0]
                sides = []
                self.declare(group, text, ref(r, col))
                sub = {k: c for k, c in row_map_between(ctx, r, self.columns, col + 1, ctx.sheet.max_col + 1).items()
                       if k in MONEY_KEYS}
                cols = sub or dict(self.cols)
                # The name alone, or repeating the money headers: the breakdown's rows follow. A
                # name merged down the block's label column beside its first part is that
                # part's row too (按收入性质分 | 一般公共预算 | 1180 …).
                if sub or not _label(ctx, r, col + 1, min(cols.values()))[0]:
                    continue
            if sides:
                if not self.side_row(r, sides):
                    break
                continue
            first = min(cols.values())
            label, cell = _label(ctx, r, 1, first)
            values = _values(ctx, r, cols)
            if not label:
                if not _filled(values):
                    blank_run += 1
                    if blank_run >= 2 or self.rows:
                        break
                    continue
                label, cell = "", ref(r, min(c for k, c in cols.items() if k in MONEY_KEYS
                                             and values[k] is not None and not values[k].blank))  # type: ignore[union-attr]
            kind = self.kind(label) if label else ("total" if not self.rows and not self.seen_total else None)
            if kind is None:
                break
            if kind == "total" and not label:
                self.seen_total = True
            row_group = group
            if not group and kind != "total" and any(k in label for k in EXPENDITURE_WORDS + DETAIL_WORDS):
                # Parts of the spending listed without their breakdown's name.
                row_group = "expenditure"
                self.declare("expenditure", "按支出性质分", "")
            self.add(label, cell, r, kind, "" if kind == "total" else row_group, values)

    def side_row(self, row: int, sides: list[_Side]) -> bool:
        """The row's part of each side-by-side breakdown; False when the row holds none."""
        any_read = False
        for side in sides:
            first = min(side.cols.values())
            label, cell = _label(self.ctx, row, side.label_col, first)
            values = _values(self.ctx, row, side.cols)
            if not label and not _filled(values):
                continue
            if any(k in label for k in TOTAL_WORDS):
                kind = "detail"  # the breakdown's own 合计: its rows are counted already
            else:
                kind = (self.kind(label) if label else None) or "component"
            if not cell:
                cell = ref(row, side.label_col)
            self.add(label, cell, row, kind, side.key, values)
            any_read = True
        return any_read


def read_department_funds(ctx: SheetContext, header: int, rows: range, stop_row: Optional[int],
                          cols: Optional[dict[str, int]] = None
                          ) -> tuple[tuple[FundsRow, ...], tuple[FundsGroup, ...]]:
    """The funds rows under ``header`` (to ``stop_row``, the next block or a blank row) and the
    breakdowns they are named in. ``cols`` gives the header's columns when they are not those
    of FUNDS_COLUMNS (a transfer table's 下达数 / 到位数 / 支出数, read.transfer)."""
    reader = _Reader(ctx, header, cols)
    stop = rows.stop if stop_row is None or stop_row <= header else min(stop_row, rows.stop)
    reader.read(stop)
    if not reader.rows:
        ctx.add(Severity.ERROR, "read.funds_unread",
                f"找到资金表头（第 {header} 行），但其下没有可识别的资金行（年度资金总额 / 按收入性质分 / 按支出性质分 各项），"
                "资金未读取、未核对", ref(header, reader.first_money))
    return tuple(reader.rows), tuple(reader.groups)
