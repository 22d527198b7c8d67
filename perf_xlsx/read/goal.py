"""A table's 年度总体目标: the 预期目标 and 实际完成情况 texts and the cells that hold them.

Published tables lay the block out in a few ways, all found from their labels:

* label above text: 年度总体目标 | 预期目标 | 实际完成情况 on one row, each text in the merged
  cell under its label (the national form);
* label left of text: 年度目标（年初） | text, then 年度总体目标完成情况 | text (部门整体 tables),
  or 预期目标 | text | 实际完成情况 | text on one row;
* the label in the same cell: 预期目标：text;
* only the block's own label: 年度总体目标 | text (| text), one wide cell or two.

A text is never a label (of the goal block or of the indicator header), and never taken from
the indicator block or below it: a blank goal stays blank (the checks and the report then ask
for it) rather than taking the first text met further on.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Optional

from perf_xlsx.a1 import ref
from perf_xlsx.read.labels import FUNDS_COLUMNS, MONEY_KEYS, SheetContext
from perf_xlsx.values import normalize_label

# Fullmatched on the normalised label with any bracketed remark (（年初）) removed. Order of
# use: 实际完成情况 before 预期目标 before the block label (年度总体目标完成情况 starts with 年度总体目标).
_ACTUAL_RE = re.compile(r"(?:年度|全年|当年)?(?:总体|整体)?(?:绩效)?(?:目标)?(?:实际)?(?:完成|达成|实现)(?:情况|结果)"
                        r"|(?:全年|年度)?实际完成")
_EXPECTED_RE = re.compile(r"(?:年度|全年|当年)?(?:总体|整体)?(?:绩效)?(?:预期|年初|年初设定|设定)(?:总体|绩效)?目标")
_BLOCK_RE = re.compile(r"(?:年度|全年|当年)?(?:项目|部门)?(?:总体|整体)?(?:绩效)?目标")
_REMARK_RE = re.compile(r"\([^()]*\)")
_LABEL_WORDS = ("目标", "完成", "达成", "实现")  # one of them is in every goal label (_label_part)
# A bracketed remark that makes the block label the expected goal's: 年度目标（年初）.
_EXPECTED_REMARKS = ("年初", "预期", "设定")

# Labels of the indicator block's header (and of its column of block labels): never a goal.
_INDICATOR_WORDS = ("绩效指标", "一级指标", "二级指标", "三级指标", "指标名称", "指标内容", "指标性质", "年度指标值",
                    "指标值", "目标值", "实际完成值", "全年实际完成值", "实际值", "完成值", "度量单位", "计量单位",
                    "分值", "权重", "指标权重", "得分", "自评得分", "评分标准", "偏差原因", "产生差异的原因", "扣分原因")
# Labels of the other blocks, which a goal block may stand above or below (a few tables put it
# before the funds block): a short cell starting with one is a label, not a goal.
_OTHER_LABELS = ("项目名称", "主管部门", "实施单位", "单位名称", "项目资金", "资金情况", "年度资金总额", "资金总额",
                 "年初预算", "全年预算", "全年执行", "执行率", "财政拨款", "当年财政拨款", "上年结转", "其他资金", "合计",
                 "填表人", "填报人", "联系电话", "备注", "单位负责人", "财务负责人", "填报日期")
# The row where the indicator block begins, when the caller found no header.
_BLOCK_START = ("一级指标", "二级指标", "三级指标", "指标性质")
_INDICATOR_LABEL_RE = re.compile(r"绩效指标(?:\(.*\))?")


def _money_header_row(ctx: SheetContext, row: int) -> bool:
    """A row that heads a list of amounts (任务名称 | 预算数 | 执行数 | 完成情况): short money
    headers, not a goal text that happens to name 预算资金."""
    for _, t in ctx.labels(row):
        if len(t) <= 10:
            money = _MONEY_HEADERS.get(t)
            if money is None:
                money = any(key in MONEY_KEYS for key, pred in FUNDS_COLUMNS if pred(t))
                if len(_MONEY_HEADERS) < 8192:  # the same headers recur; bounded all the same
                    _MONEY_HEADERS[t] = money
            if money:
                return True
    return False


_MONEY_HEADERS: dict[str, bool] = {}  # short label -> whether a money column's predicate takes it


class Goal(NamedTuple):
    expected: str
    actual: str
    expected_cell: str
    actual_cell: str


class _Slot(NamedTuple):
    """Where a label's text is (or would be written): its text, "" when the cell is blank."""

    text: str
    cell: str
    wide: bool = False  # a merge across columns: a cell made to hold a text


def _kind(text: str) -> Optional[str]:
    """"actual" / "expected" / "block" for a label of the goal block, None for anything else."""
    bare = _REMARK_RE.sub("", text)
    if _ACTUAL_RE.fullmatch(bare):
        return "actual"
    if _EXPECTED_RE.fullmatch(bare):
        return "expected"
    if _BLOCK_RE.fullmatch(bare):
        remark = text[len(bare):] if text.startswith(bare) else ""
        return "expected" if any(w in remark for w in _EXPECTED_REMARKS) else "block"
    return None


def _is_label(text: str) -> bool:
    """A cell text that names a part of the table rather than stating a goal."""
    if not text:
        return False
    if _kind(text) is not None:
        return True
    return len(text) <= 12 and text.startswith(_INDICATOR_WORDS + _OTHER_LABELS)


def _label_part(ctx: SheetContext, row: int, col: int) -> tuple[Optional[str], str]:
    """The goal-label kind of a cell and the text it carries after its colon (预期目标：text)."""
    norm = ctx.norm(row, col)
    # _LABEL_WORDS spelt out: most cells of a table have none of them, and then no regex runs.
    if not ("目标" in norm or "完成" in norm or "达成" in norm or "实现" in norm):
        return None, ""
    kind = _kind(norm)
    if kind is not None:
        return kind, ""
    raw = ctx.text(row, col)
    for i, ch in enumerate(raw[:16]):
        if ch in ":：":
            head = _kind(normalize_label(raw[:i]))
            return (head, raw[i + 1:].strip()) if head is not None else (None, "")
    return None, ""


class _Reader:
    def __init__(self, ctx: SheetContext, stop: int) -> None:
        self.ctx = ctx
        self.stop = stop  # the first row of the indicator block (or past the table)

    def _span(self, row: int, col: int) -> tuple[int, int, int, int]:
        merge = self.ctx.sheet.merge_of(row, col)
        return merge if merge is not None else (row, col, row, col)

    def _filled(self, row: int, col: int) -> bool:
        cell = self.ctx.sheet.get(row, col)
        return cell is not None and not cell.blank

    def right(self, row: int, col: int) -> tuple[list[_Slot], Optional[_Slot]]:
        """The texts right of the label at (row, col) on its row, up to the next label, and the
        cell next to the label when no text is there (the place for the text)."""
        ctx = self.ctx
        _, _, _, c2 = self._span(row, col)
        first: Optional[_Slot] = None
        texts: list[_Slot] = []
        c = c2 + 1
        while c <= ctx.sheet.max_col:
            a = ctx.sheet.anchor(row, c)
            if a[0] != row:  # a taller merge from above (the block label's): not this row's text
                break
            t = ctx.norm(row, c)
            if _is_label(t):
                break
            if first is None and c == c2 + 1:
                first = _Slot("", ref(*a), self._span(*a)[3] > a[1])
            if self._filled(*a) and (t or ctx.text(*a)):
                texts.append(_Slot(ctx.text(*a), ref(*a)))
            c = self._span(*a)[3] + 1
        return texts, (None if texts else first)

    def below(self, row: int, col: int) -> Optional[_Slot]:
        """The text under the label at (row, col), in the row after it, within its columns; the
        cell under it when blank; None when that row is the indicator block's or holds a label."""
        ctx = self.ctx
        _, c1, r2, c2 = self._span(row, col)
        r = r2 + 1
        if r >= self.stop:
            return None
        blank: Optional[_Slot] = None
        for c in range(c1, c2 + 1):
            a = ctx.sheet.anchor(r, c)
            if a[0] != r:
                continue
            t = ctx.norm(*a)
            if _is_label(t):
                return None
            if self._filled(*a) and ctx.text(*a):
                return _Slot(ctx.text(*a), ref(*a))
            if blank is None and c == c1:
                blank = _Slot("", ref(*a))
        return blank

    def slot(self, row: int, col: int, side_by_side: bool) -> Optional[_Slot]:
        """The text of a 预期目标 / 实际完成情况 label: a filled cell right of it or under it;
        else the blank cell where its text belongs — under it when its partner label stands
        on the same row with no wide cell between them (label above text), else right of it."""
        texts, right_blank = self.right(row, col)
        under = self.below(row, col)
        if texts:
            return texts[0]
        if under is not None and under.text:
            return under
        if side_by_side and under is not None and (right_blank is None or not right_blank.wide):
            return under  # a narrow blank cell between two labels is no place for a text
        return right_blank or under


def read_goal(ctx: SheetContext, rows: range, indicator_row: Optional[int] = None) -> Goal:
    """The 年度总体目标 of the table on ``rows`` whose indicator block starts at ``indicator_row``."""
    stop = rows.stop if indicator_row is None or indicator_row < rows.start else min(indicator_row, rows.stop)
    for r, _, t in ctx.labels_in(range(rows.start, stop)):
        if t.startswith(_BLOCK_START) or t.startswith("绩效指标") and _INDICATOR_LABEL_RE.fullmatch(t):
            stop = r
            break
    found: dict[str, tuple[int, int, str]] = {}
    for r, c, _ in ctx.labels_in(range(rows.start, stop)):
        kind, inline = _label_part(ctx, r, c)
        if kind is None or kind in found or _money_header_row(ctx, r):
            continue  # a 完成情况 column of the task or funds list is no goal label
        if kind == "actual" and not found and any(_kind(t) in ("expected", "block") for _, _, t in
                                                  ctx.labels_in(range(r + 1, stop))):
            continue  # an 完成情况 above the goal block belongs to another block
        found[kind] = (r, c, inline)
    reader = _Reader(ctx, stop)
    out = {"expected": _Slot("", ""), "actual": _Slot("", "")}
    for kind in ("expected", "actual"):
        if kind not in found:
            continue
        r, c, inline = found[kind]
        if inline:
            out[kind] = _Slot(inline, ref(*ctx.sheet.anchor(r, c)))
            continue
        other = found.get("actual" if kind == "expected" else "expected")
        side_by_side = other is not None and other[0] == r
        got = reader.slot(r, c, side_by_side)
        if got is not None:
            out[kind] = got
    if "block" in found and "expected" not in found:
        # Only the block's own label (年度总体目标 | text): its text is the expected goal, and a
        # second text beside it the actual one when the block has no 实际完成情况 label.
        r, c, inline = found["block"]
        texts, blank = reader.right(r, c)
        if inline:
            texts = [_Slot(inline, ref(*ctx.sheet.anchor(r, c)))]
        if not texts:
            under = reader.below(r, c)
            texts = [under] if under is not None and under.text else []
        if texts:
            out["expected"] = texts[0]
            if "actual" not in found and len(texts) > 1:
                out["actual"] = texts[1]
        elif blank is not None:
            out["expected"] = blank
    e, a = out["expected"], out["actual"]
    return Goal(e.text, a.text, e.cell, a.cell)
