"""Finding a table's parts by their labels: the label index of a sheet, column tables, predicates.

Nothing in the reader relies on fixed coordinates: each block is located by normalised label
text (NFKC, no spaces/colons/line breaks, unified brackets, 本年→当年, traditional→simplified),
columns are mapped from header text, merged cells are followed to their anchor.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Callable, Optional

from perf_xlsx.a1 import ref
from perf_xlsx.model import CellValue, Finding, Severity, make_cell, new_finding
from perf_xlsx.read.grid import Sheet
from perf_xlsx.values import normalize_label

Pred = Callable[[str], bool]

# Order matters: the first predicate that accepts a header wins (执行率 before 执行数, …; the
# 执行率权重 / 执行率得分 of Chongqing's forms are the row's weight and score, not its rate).
FUNDS_COLUMNS: list[tuple[str, Pred]] = [
    ("weight", lambda t: t.startswith(("分值", "权重")) or t.endswith(("权重", "分值"))),
    ("score", lambda t: "得分" in t),
    ("rate", lambda t: "执行率" in t),
    ("initial", lambda t: t.startswith("年初")),
    ("executed", lambda t: any(k in t for k in ("执行数", "实际支出", "实际投入", "支出数", "执行金额"))),
    ("full_year", lambda t: any(k in t for k in ("预算数", "调整后预算", "预算资金", "全年预算", "批复金额"))),
]
MONEY_KEYS = ("initial", "full_year", "executed")

INDICATOR_COLUMNS: list[tuple[str, Pred]] = [
    ("level1", lambda t: t.startswith("一级指标")),
    ("level2", lambda t: t.startswith("二级指标")),
    ("name", lambda t: t.startswith("三级指标") or t in ("指标名称", "指标内容")),
    ("nature", lambda t: "指标性质" in t or t == "指标方向"),
    ("unit", lambda t: "度量单位" in t or "计量单位" in t),
    # A rubric's rule in words (部门整体 scoring tables), before 说明 makes it a reason column.
    ("rule", lambda t: any(k in t for k in ("评分标准", "评分办法", "评分规则", "评分细则", "计分方法", "计分标准",
                                            "评价标准", "考核标准", "扣分标准"))),
    # 得分系数 (Chongqing): the share of the 权重 earned, not a score in points.
    ("coefficient", lambda t: "系数" in t),
    ("actual", lambda t: any(k in t for k in ("完成值", "实际值", "实际完成", "完成情况"))),
    ("target", lambda t: any(k in t for k in ("指标值", "目标值", "预期值"))),
    ("weight", lambda t: t.startswith(("分值", "权重", "指标权重"))),
    ("score", lambda t: "得分" in t),
    ("reason", lambda t: any(k in t for k in ("原因", "改进措施", "说明"))),
]
PROJECT_LABELS = ("项目名称",)
NOTE_PREFIXES = ("填表人", "联系电话", "填报人", "审核人", "备注", "说明", "注", "单位负责人", "财务负责人",
                 "填报日期", "日期", "经办人", "负责人")
HEADER_WORDS = ("三级指标", "一级指标", "指标性质")  # a row holding one repeats the indicator header


@dataclass
class SheetContext:
    sheet: Sheet
    findings: list[Finding]
    _norm: dict[tuple[int, int], str]
    _labels: Optional[dict[int, list[tuple[int, str]]]] = None
    _label_rows: list[int] = field(default_factory=list)  # rows of _labels, ascending
    _flat: list[tuple[int, int, str]] = field(default_factory=list)  # (row, col, text), sheet order
    _flat_rows: list[int] = field(default_factory=list)  # the row of each _flat entry
    _row_norms: dict[int, tuple[str, ...]] = field(default_factory=dict)
    _header_rows: Optional[set[int]] = None
    _header_rows_known: bool = False
    _rows_with: dict[str, list[int]] = field(default_factory=dict)

    def labels(self, row: int) -> list[tuple[int, str]]:
        """(column, normalised text) of the text cells that anchor in this row, left to right."""
        if self._labels is None:
            self._index_labels()
        return self._labels.get(row, [])  # type: ignore[union-attr]

    def _index_labels(self) -> None:
        index: dict[int, list[tuple[int, str]]] = {}
        known = self._norm
        anchors = self.sheet._anchor
        cells = self.sheet.cells
        for pos in sorted(cells):  # the keys alone sort faster than (key, cell) pairs
            value = cells[pos].value
            if isinstance(value, str):
                a = anchors.get(pos)
                if a is not None and a != pos:
                    continue  # a merge member: the sheet shows its anchor's value
                t = known.get(pos)  # norm(r, c), the cell being its own anchor
                if t is None:
                    t = known[pos] = normalize_label(value)
                if t:
                    row = index.get(pos[0])
                    if row is None:
                        index[pos[0]] = [(pos[1], t)]
                    else:
                        row.append((pos[1], t))
        self._labels = index
        self._label_rows = sorted(index)
        self._flat = [(r, c, t) for r in self._label_rows for c, t in index[r]]
        self._flat_rows = [r for r, _, _ in self._flat]

    def labels_in(self, rows: range) -> list[tuple[int, int, str]]:
        """(row, column, normalised text) of the labels of ``rows``, in the order of ``rows``."""
        if self._labels is None:
            self._index_labels()
        if rows.step == 1:
            return self._flat[bisect_left(self._flat_rows, rows.start):bisect_left(self._flat_rows, rows.stop)]
        return [(r, c, t) for r in self.label_rows(rows) for c, t in self._labels[r]]  # type: ignore[index]

    def mentions(self, word: str, rows: range) -> bool:
        """Whether some label of ``rows`` contains ``word``: any(word in t for … in
        labels_in(rows)), from the rows of the sheet that hold it (found once per word)."""
        if rows.step != 1:
            return any(word in t for _, _, t in self.labels_in(rows))
        found = self._rows_with.get(word)
        if found is None:
            if self._labels is None:
                self._index_labels()
            found = self._rows_with[word] = sorted({r for r, _, t in self._flat if word in t})
        i = bisect_left(found, rows.start)
        return i < len(found) and found[i] < rows.stop

    def label_rows(self, rows: range) -> list[int]:
        """The rows of ``rows`` that hold labels, in the order of ``rows``."""
        if self._labels is None:
            self._index_labels()
        if rows.step == 1:
            # Searches cover the whole sheet or a block of it: look up only rows with labels.
            return self._label_rows[bisect_left(self._label_rows, rows.start):
                                    bisect_left(self._label_rows, rows.stop)]
        return [r for r in rows if r in self._labels]  # type: ignore[operator]

    def row_norms(self, row: int) -> tuple[str, ...]:
        """norm(row, c) for c = 1 … max_col: the row as displayed, merged members included."""
        got = self._row_norms.get(row)
        if got is None:
            known = self._norm.get
            norm = self.norm
            out = []
            for c in range(1, self.sheet.max_col + 1):
                t = known((row, c))  # what norm() looks up first, without the call
                out.append(norm(row, c) if t is None else t)
            got = self._row_norms[row] = tuple(out)
        return got

    def header_rows(self) -> Optional[set[int]]:
        """The rows r for which some norm(r, c), c = 1 … max_col, starts with an indicator
        header word, from the few labels that do rather than from every column of every row;
        None when merges overlap (a member may then show a cell that is not its own anchor)."""
        if not self._header_rows_known:
            self._header_rows_known = True
            if self._labels is None:
                self._index_labels()
            anchors = self.sheet._anchor
            for a in set(anchors.values()):  # loops rather than generators: one pass each
                if anchors.get(a, a) != a:
                    return None
            max_col = self.sheet.max_col
            heads = {(r, c) for r, c, t in self._flat if c <= max_col and t.startswith(HEADER_WORDS)}
            rows = {r for r, _ in heads}
            if heads:
                for pos, a in anchors.items():
                    if a in heads and pos[1] <= max_col:
                        rows.add(pos[0])
            self._header_rows = rows
        return self._header_rows

    def text(self, row: int, col: int) -> str:
        pos = (row, col)
        sheet = self.sheet
        cell = sheet.cells.get(sheet._anchor.get(pos, pos))  # sheet.get(row, col), inlined
        if cell is None or cell.value is None or cell.error:
            return ""
        return cell.text

    def norm(self, row: int, col: int) -> str:
        # Keyed by the position asked for as well as by the anchor: a merged member's text is
        # its anchor's, so both keys hold the same value and most calls are one lookup.
        pos = (row, col)
        got = self._norm.get(pos)
        if got is None:
            key = self.sheet._anchor.get(pos, pos)  # Sheet.anchor, inlined
            got = self._norm.get(key)
            if got is None:
                cell = self.sheet.cells.get(key)
                got = normalize_label(cell.value) if cell is not None and isinstance(cell.value, str) else ""
                self._norm[key] = got
            self._norm[pos] = got
        return got

    def cell(self, row: int, col: int) -> Optional[CellValue]:
        """The value cell at (row, col) only if this row owns it (not a member of a taller merge)."""
        pos = (row, col)
        anchor = self.sheet._anchor.get(pos, pos)  # Sheet.anchor, inlined: called per value cell
        if anchor[0] != row:
            return None
        cell = self.sheet.cells.get(anchor)
        if cell is None:
            return blank_cell(row, col)
        return cell

    def add(self, severity: Severity, code: str, message: str, cell: Optional[str] = None,
            expected: object = None, found: object = None) -> None:
        self.findings.append(new_finding(severity=severity, code=code, message=message, sheet=self.sheet.name,
                                         cell=cell, expected=expected, found=found))


def blank_cell(row: int, col: int) -> CellValue:
    """make_cell(ref(row, col)): the empty cell at a place, one object per place for the process
    (a CellValue cannot change, and nothing tells two equal ones apart). The empty cells of
    the value columns are asked for in every table of every workbook."""
    got = _BLANK_CELLS.get((row, col))
    if got is None:
        got = make_cell(ref(row, col))
        if len(_BLANK_CELLS) < 1 << 16:
            _BLANK_CELLS[(row, col)] = got
    return got


_BLANK_CELLS: dict[tuple[int, int], CellValue] = {}


# --- locating --------------------------------------------------------------------------


def find_labels(ctx: SheetContext, pred: Pred, rows: range, cols: Optional[range] = None) -> list[tuple[int, int]]:
    if cols is None:
        return [(r, c) for r, c, t in ctx.labels_in(rows) if pred(t)]
    return [(r, c) for r, c, t in ctx.labels_in(rows) if c in cols and pred(t)]


def find_prefixed(ctx: SheetContext, prefixes: tuple[str, ...], rows: range, max_len: Optional[int] = None
                  ) -> list[tuple[int, int]]:
    """find_labels(ctx, lambda t: t.startswith(prefixes) [and len(t) <= max_len], rows), without a
    Python call per label: every block search goes through all the labels of its rows."""
    found = [(r, c, t) for r, c, t in ctx.labels_in(rows) if t.startswith(prefixes)]
    return [(r, c) for r, c, t in found if max_len is None or len(t) <= max_len]


def row_map(ctx: SheetContext, row: int, table: list[tuple[str, Pred]]) -> dict[str, int]:
    found: dict[str, int] = {}
    known = _known_keys(table)
    for c, t in ctx.labels(row):
        # _column_key(table, t), its memo looked up inline: header searches map row after row.
        key = known[t] if t in known else _column_key(table, t)
        if key is not None:
            found.setdefault(key, c)
    return found


def row_map_between(ctx: SheetContext, row: int, table: list[tuple[str, Pred]], lo: int, hi: int) -> dict[str, int]:
    """row_map restricted to the columns lo ≤ c < hi: a row holding two tables side by side
    (按收入性质分 … | 按支出性质分 …) repeats the same headers, one set per table."""
    found: dict[str, int] = {}
    for c, t in ctx.labels(row):
        if lo <= c < hi:
            key = _column_key(table, t)
            if key is not None:
                found.setdefault(key, c)
    return found


# id(table) -> (table, {text: key}); the table is held so that its id is never reused.
_COLUMN_KEYS: dict[int, tuple[list[tuple[str, Pred]], dict[str, Optional[str]]]] = {}


def _known_keys(table: list[tuple[str, Pred]]) -> dict[str, Optional[str]]:
    """_column_key's memo of ``table``."""
    entry = _COLUMN_KEYS.get(id(table))
    if entry is None:
        entry = _COLUMN_KEYS[id(table)] = (table, {})
    return entry[1]


def _column_key(table: list[tuple[str, Pred]], text: str) -> Optional[str]:
    """The first key of ``table`` whose predicate accepts ``text``, remembered per text (the
    same headers recur in every workbook); bounded so odd files cannot grow it without end."""
    known = _known_keys(table)
    if text in known:
        return known[text]
    key = next((k for k, pred in table if pred(text)), None)
    if len(known) < 8192:
        known[text] = key
    return key


def after_colon(text: str) -> str:
    for i, ch in enumerate(text[:12]):
        if ch in ":：":
            return text[i + 1:].strip()
    return ""


def first_labelled_value(ctx: SheetContext, labels: tuple[str, ...], rows: range, stop_labels: tuple[str, ...],
                         max_len: Optional[int] = None) -> tuple[str, str]:
    """The value (and its cell) of the first label starting with one of ``labels`` that has one,
    as value_right_of reads it; ("", "") when none does. The name line of a 部门整体 or 转移支付
    table: the first such label may stand over an empty cell while a later one is filled."""
    for r, c in find_prefixed(ctx, labels, rows, max_len):
        value, cell = value_right_of(ctx, r, c, stop_labels)
        if value:
            return value, cell
    return "", ""


def value_right_of(ctx: SheetContext, row: int, col: int, stop_labels: tuple[str, ...]) -> tuple[str, str]:
    """Text and ref of the value of a label: after its colon in the same cell ("单位名称：某局"),
    else the first filled cell to its right (the label's merge skipped)."""
    inline = after_colon(ctx.text(row, col))
    if inline:
        return inline, ref(*ctx.sheet.anchor(row, col))
    merge = ctx.sheet.merge_of(row, col)
    c = (merge[3] if merge else col) + 1
    while c <= ctx.sheet.max_col:
        a = ctx.sheet.anchor(row, c)
        t = ctx.norm(row, c)
        if t and t.startswith(stop_labels):
            return "", ref(row, c)
        if t or (ctx.sheet.cells.get(a) is not None and not ctx.sheet.cells[a].blank):
            return ctx.text(row, c), ref(*a)
        c += 1
    return "", ref(row, (merge[3] if merge else col) + 1)


def is_list_header(ctx: SheetContext, row: int) -> bool:
    found = row_map(ctx, row, FUNDS_COLUMNS)
    return sum(k in found for k in ("initial", "full_year", "executed")) >= 2
