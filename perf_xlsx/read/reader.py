"""Find every 自评表 in a workbook by its labels and turn it into the model.

Nothing here relies on fixed coordinates: each block is located by normalised label text
(NFKC, no spaces/colons/line breaks, unified brackets, 本年→当年, traditional→simplified),
columns are mapped from header text, merged cells are followed to their anchor.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

from perf_xlsx.model import (
    CellValue,
    Finding,
    FundsRow,
    Indicator,
    Level1Group,
    Project,
    Severity,
    Subtotal,
    UnitEntry,
    UnitSheet,
    WorkbookModel,
    make_cell,
)
from perf_xlsx.read.grid import Grid, GridError, Sheet, read_grid, ref
from perf_xlsx.values import clean_text, normalize_label, split_weight_suffix

__all__ = ["read_workbook", "model_from_grid", "GridError"]

Pred = Callable[[str], bool]

# Order matters: the first predicate that accepts a header wins (执行率 before 执行数, …).
FUNDS_COLUMNS: list[tuple[str, Pred]] = [
    ("rate", lambda t: "执行率" in t),
    ("initial", lambda t: t.startswith("年初")),
    ("executed", lambda t: any(k in t for k in ("执行数", "实际支出", "实际投入", "支出数", "执行金额"))),
    ("full_year", lambda t: any(k in t for k in ("预算数", "调整后预算", "预算资金", "全年预算", "批复金额"))),
    ("weight", lambda t: t.startswith(("分值", "权重"))),
    ("score", lambda t: "得分" in t),
]

INDICATOR_COLUMNS: list[tuple[str, Pred]] = [
    ("level1", lambda t: t.startswith("一级指标")),
    ("level2", lambda t: t.startswith("二级指标")),
    ("name", lambda t: t.startswith("三级指标") or t in ("指标名称", "指标内容")),
    ("nature", lambda t: "指标性质" in t or t == "指标方向"),
    ("unit", lambda t: "度量单位" in t or "计量单位" in t),
    ("actual", lambda t: any(k in t for k in ("完成值", "实际值", "实际完成", "完成情况"))),
    ("target", lambda t: any(k in t for k in ("指标值", "目标值", "预期值"))),
    ("weight", lambda t: t.startswith(("分值", "权重", "指标权重"))),
    ("score", lambda t: "得分" in t),
    ("reason", lambda t: any(k in t for k in ("原因", "改进措施", "说明"))),
]

FUNDS_ROW_KINDS: list[tuple[str, Pred]] = [
    ("total", lambda t: any(k in t for k in ("资金总额", "年度资金总额", "合计", "总额", "总计", "总资金"))),
    ("current_appropriation", lambda t: "财政拨款" in t),
    ("carry_over", lambda t: "上年结转" in t or "结转" in t),
    ("other", lambda t: t.startswith("其他资金") or t == "其他"),
]

# A 其中 row under 年度资金总额 names a source of money; anything else ends the funds block.
FUNDS_COMPONENT_WORDS = ("资金", "拨款", "收入", "预算", "基金", "补助", "其中", "结转", "结余", "专户", "自筹",
                         "经费", "贷款", "债券")
PROJECT_LABELS = ("项目名称",)
NOTE_PREFIXES = ("填表人", "联系电话", "填报人", "审核人", "备注", "说明", "注", "单位负责人", "财务负责人",
                 "填报日期", "日期", "经办人", "负责人")
TOTAL_LABELS = ("总分", "合计", "总计", "合计得分", "综合得分", "总得分", "自评总分", "自评得分", "得分合计", "得分总计",
                "总评分")
# The TOTAL_LABELS that can only be the whole table's total; 合计 / 总计 (合计得分, 得分合计)
# also close a 一级 group when its cell is merged down into them.
GRAND_TOTAL_LABELS = ("总分", "总得分", "综合得分", "自评总分", "自评得分", "总评分")
SUBTOTAL_ENDS = ("小计", "合计", "总计")  # "产出指标小计", "数量指标合计": the total of a group
# What a blank-but-typed cell holds: not evidence that a row carries a value.
_PLACEHOLDERS = frozenset(("—", "-", "/", "——", "－", "--", "\\", "／", "―"))
_NOTE_TAIL = frozenset("0123456789、.．,，;；(（")  # "注1.", "说明(1)": a numbered remark
_FUNDS_BLOCK_LABELS = ("项目资金", "资金情况", "预算执行")
_HEADER_WORDS = ("三级指标", "一级指标", "指标性质")  # a row holding one repeats the indicator header
YEAR_RE = re.compile(r"((?:19|20)\d{2})年")
# "单位：万元" on its own, not 实施单位：元谋县… or 预算单位：元宝山区… (a unit ends its phrase).
UNIT_RE = re.compile(r"(?:(?<![\u4e00-\u9fff])单位|金额单位|资金单位)[:：]?\s*(亿元|万元|千元|元)(?=$|[\s);,，；。.、/（(）])")


@dataclass
class _Ctx:
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

    def labels(self, row: int) -> list[tuple[int, str]]:
        """(column, normalised text) of the text cells that anchor in this row, left to right."""
        if self._labels is None:
            self._index_labels()
        return self._labels.get(row, [])  # type: ignore[union-attr]

    def _index_labels(self) -> None:
        index: dict[int, list[tuple[int, str]]] = {}
        known = self._norm
        anchors = self.sheet._anchor
        for pos, cell in sorted(self.sheet.cells.items()):
            value = cell.value
            if isinstance(value, str):
                a = anchors.get(pos)
                if a is not None and a != pos:
                    continue  # a merge member: the sheet shows its anchor's value
                t = known.get(pos)  # norm(r, c), the cell being its own anchor
                if t is None:
                    t = known[pos] = normalize_label(value)
                if t:
                    index.setdefault(pos[0], []).append((pos[1], t))
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
            if any(anchors.get(a, a) != a for a in set(anchors.values())):
                return None
            max_col = self.sheet.max_col
            heads = {(r, c) for r, c, t in self._flat if c <= max_col and t.startswith(_HEADER_WORDS)}
            rows = {r for r, _ in heads}
            if heads:
                rows.update(pos[0] for pos, a in anchors.items() if a in heads and pos[1] <= max_col)
            self._header_rows = rows
        return self._header_rows

    def text(self, row: int, col: int) -> str:
        cell = self.sheet.get(row, col)
        if cell is None or cell.value is None or cell.error:
            return ""
        return cell.text

    def norm(self, row: int, col: int) -> str:
        # Keyed by the position asked for as well as by the anchor: a merged member's text is
        # its anchor's, so both keys hold the same value and most calls are one lookup.
        got = self._norm.get((row, col))
        if got is None:
            key = self.sheet.anchor(row, col)
            got = self._norm.get(key)
            if got is None:
                cell = self.sheet.cells.get(key)
                got = normalize_label(cell.value) if cell is not None and isinstance(cell.value, str) else ""
                self._norm[key] = got
            self._norm[(row, col)] = got
        return got

    def cell(self, row: int, col: int) -> Optional[CellValue]:
        """The value cell at (row, col) only if this row owns it (not a member of a taller merge)."""
        pos = (row, col)
        anchor = self.sheet._anchor.get(pos, pos)  # Sheet.anchor, inlined: called per value cell
        if anchor[0] != row:
            return None
        cell = self.sheet.cells.get(anchor)
        if cell is None:
            return make_cell(ref(row, col))
        return cell

    def add(self, severity: Severity, code: str, message: str, cell: Optional[str] = None,
            expected: object = None, found: object = None) -> None:
        self.findings.append(Finding(severity, code, message, self.sheet.name, cell, expected, found))


def read_workbook(path: str) -> WorkbookModel:
    """Read a workbook file; GridError when it cannot be read at all."""
    return model_from_grid(read_grid(path), path)


def model_from_grid(grid: Grid, path: str = "") -> WorkbookModel:
    findings: list[Finding] = []
    projects: list[Project] = []
    unit: Optional[UnitSheet] = None
    if grid.has_macros:
        findings.append(Finding(Severity.INFO, "read.macros_ignored", "文件含宏，宏已忽略，未执行"))
    if grid.external_links:
        findings.append(Finding(Severity.WARNING, "read.external_link",
                                "文件引用了其他工作簿（外部链接），相关数值未核实"))
    values_only = []
    if grid.strict:
        values_only.append("Strict Open XML 格式")
        findings.append(Finding(Severity.INFO, "read.strict_ooxml",
                                "文件为 Strict Open XML 格式：已照常评分，评分副本只保留数值；"
                                "建议在 WPS/Excel 中另存为“Excel 工作簿 (*.xlsx)”"))
    for sheet in grid.sheets:
        ctx = _Ctx(sheet, findings, {})
        if sheet.long_text:
            values_only.append("单元格文本超过 32767 字符")
            ctx.add(Severity.WARNING, "read.text_truncated",
                    f"{len(sheet.long_text)} 个单元格的文字超过 Excel 上限 32767 字，已截断读取；评分副本只保留数值",
                    sheet.long_text[0], 32767, None)
        if sheet.bad_styles:
            values_only.append("单元格样式损坏")
            ctx.add(Severity.WARNING, "read.bad_style",
                    f"{len(sheet.bad_styles)} 个单元格引用了不存在的样式（文件已损坏），评分副本只保留数值；"
                    "建议在 WPS/Excel 中打开并另存", sheet.bad_styles[0])
        if sheet.truncated:
            ctx.add(Severity.WARNING, "read.window_truncated",
                    f"表格使用区域异常，仅读取前 5000 行、前 64 列（工作表「{sheet.name}」）")
        found = _read_sheet_projects(ctx)
        if found and sheet.state != "visible":
            ctx.add(Severity.WARNING, "read.hidden_sheet",
                    f"工作表「{sheet.name}」被隐藏，但其中含自评表，已照常读取并评分")
        projects.extend(found)
        if not found and unit is None:
            unit = _read_unit_sheet(ctx)
    return WorkbookModel(path=path, projects=tuple(projects), unit=unit, findings=tuple(findings),
                         sheet_names=tuple(s.name for s in grid.sheets),
                         values_only="、".join(dict.fromkeys(values_only)))


# --- locating --------------------------------------------------------------------------


def _find(ctx: _Ctx, pred: Pred, rows: range, cols: Optional[range] = None) -> list[tuple[int, int]]:
    if cols is None:
        return [(r, c) for r, c, t in ctx.labels_in(rows) if pred(t)]
    return [(r, c) for r, c, t in ctx.labels_in(rows) if c in cols and pred(t)]


def _find_prefixed(ctx: _Ctx, prefixes: tuple[str, ...], rows: range, max_len: Optional[int] = None
                   ) -> list[tuple[int, int]]:
    """_find(ctx, lambda t: t.startswith(prefixes) [and len(t) <= max_len], rows), without a
    Python call per label: every block search goes through all the labels of its rows."""
    found = [(r, c, t) for r, c, t in ctx.labels_in(rows) if t.startswith(prefixes)]
    return [(r, c) for r, c, t in found if max_len is None or len(t) <= max_len]


def _row_map(ctx: _Ctx, row: int, table: list[tuple[str, Pred]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for c, t in ctx.labels(row):
        key = _column_key(table, t)
        if key is not None:
            found.setdefault(key, c)
    return found


# id(table) -> (table, {text: key}); the table is held so that its id is never reused.
_COLUMN_KEYS: dict[int, tuple[list[tuple[str, Pred]], dict[str, Optional[str]]]] = {}


def _column_key(table: list[tuple[str, Pred]], text: str) -> Optional[str]:
    """The first key of ``table`` whose predicate accepts ``text``, remembered per text (the
    same headers recur in every workbook); bounded so odd files cannot grow it without end."""
    known = _COLUMN_KEYS.setdefault(id(table), (table, {}))[1]
    if text in known:
        return known[text]
    key = next((k for k, pred in table if pred(text)), None)
    if len(known) < 8192:
        known[text] = key
    return key


def _after_colon(text: str) -> str:
    for i, ch in enumerate(text[:12]):
        if ch in ":：":
            return text[i + 1:].strip()
    return ""


def _value_right_of(ctx: _Ctx, row: int, col: int, stop_labels: tuple[str, ...]) -> tuple[str, str]:
    """Text and ref of the value of a label: after its colon in the same cell ("单位名称：某局"),
    else the first filled cell to its right (the label's merge skipped)."""
    inline = _after_colon(ctx.text(row, col))
    if inline:
        return inline, ref(*ctx.sheet.anchor(row, col))
    merge = ctx.sheet.merge_of(row, col)
    c = (merge[3] if merge else col) + 1
    while c <= ctx.sheet.max_col:
        a = ctx.sheet.anchor(row, c)
        t = ctx.norm(row, c)
        if t and any(t.startswith(lbl) for lbl in stop_labels):
            return "", ref(row, c)
        if t or (ctx.sheet.cells.get(a) is not None and not ctx.sheet.cells[a].blank):
            return ctx.text(row, c), ref(*a)
        c += 1
    return "", ref(row, (merge[3] if merge else col) + 1)


def _read_sheet_projects(ctx: _Ctx) -> list[Project]:
    sheet = ctx.sheet
    all_rows = range(1, sheet.max_row + 1)
    # A label cell, or "项目名称：某项目" in one cell; not a sentence that merely starts with it.
    labels = [(r, c) for r, c in _find_prefixed(ctx, PROJECT_LABELS, all_rows)
              if len(ctx.norm(r, c)) <= 8 or _after_colon(ctx.text(r, c))]
    # 项目名称 used as a column header (unit sheets) has money columns in the same row.
    labels = [(r, c) for r, c in labels if not _is_list_header(ctx, r)]
    department = _is_department_table(ctx)
    if not labels:
        if department or _has_indicator_header(ctx, all_rows):
            labels = [(1, 1)] if department else []
        if not labels:
            return []
    starts = [r for r, _ in labels]
    projects = []
    for i, (row, col) in enumerate(labels):
        prev_end = starts[i - 1] if i else 0
        end = starts[i + 1] - 1 if i + 1 < len(starts) else sheet.max_row
        top = max(prev_end + 1, 1) if i == 0 else row - 3
        project = _read_block(ctx, row, col, range(top, end + 1), department, i + 1, len(labels))
        if project is not None:
            projects.append(project)
    return projects


# A department table's title: 部门整体…自评表 / 评价表 / 评分表 in one cell. Goal text, a project
# name or a 完成情况 sentence may say 部门整体 too ("提升部门整体支出绩效水平"); only the title
# tells the kind of table (scoring-rules.md §1.3).
_DEPARTMENT_TITLE_RE = re.compile(r"部门整体[^。；;，,]*?(?:自评表|评价表|评分表|自评报告|考核表)")


def _is_department_table(ctx: _Ctx) -> bool:
    """Whether the sheet's title makes it a 部门整体 table: a cell of rows 1-12 that names such a
    table, or the sheet's heading (its first line, one cell) naming 部门整体. A 项目支出 title
    never does: a project table may belong to a 部门整体 set or name the 部门整体 in its text."""
    rows = ctx.label_rows(range(1, min(ctx.sheet.max_row, 12) + 1))
    for i, r in enumerate(rows):
        labels = ctx.labels(r)
        for _, t in labels:
            if "项目支出" in t and ("自评" in t or "评价" in t):
                return False  # the table says it is a project table
            if _DEPARTMENT_TITLE_RE.search(t):
                return True
        # The heading: the first line holds one cell alone (a label row has its value beside it).
        if i == 0 and len(labels) == 1 and "部门整体" in labels[0][1] and not _after_colon(
                ctx.text(r, labels[0][0])) and not labels[0][1].startswith(PROJECT_LABELS):
            return True
    return False


def _is_list_header(ctx: _Ctx, row: int) -> bool:
    found = _row_map(ctx, row, FUNDS_COLUMNS)
    return sum(k in found for k in ("initial", "full_year", "executed")) >= 2


def _has_indicator_header(ctx: _Ctx, rows: range) -> bool:
    return _find_indicator_header(ctx, rows) is not None


def _find_indicator_header(ctx: _Ctx, rows: range, scored: bool = False) -> Optional[int]:
    """The indicator table's header: 三级指标, or (when named otherwise: 指标名称 / 指标内容) a row
    that has a target column, an actual column and an indicator-name or level column. With
    ``scored``, also a scoring table's header that has no target or actual at all (its 评分标准
    takes their place) but names its rows beside a 分值 and a 得分 column."""
    for r in ctx.label_rows(rows):
        labels = ctx.labels(r)
        if any(t.startswith("三级指标") for _, t in labels):
            return r
        found = _row_map(ctx, r, INDICATOR_COLUMNS)
        named = bool({"name", "level1", "level2"} & set(found))
        if "target" in found and "actual" in found and named:
            return r
        if scored and "weight" in found and "score" in found and (named or _name_column(ctx, r, found)):
            return r
    return None


def _find_rubric_header(ctx: _Ctx, rows: range) -> Optional[int]:
    """The header of a department table's indicator or rubric rows (部门整体: Hunan's 一级指标 |
    二级指标 | 三级指标 | 评分标准 | 分值 | 自评得分, or 考核指标 | 评分标准 | 分值 | 得分)."""
    return _find_indicator_header(ctx, rows, scored=True)


def _name_column(ctx: _Ctx, row: int, found: dict[str, int]) -> Optional[int]:
    """The column of a header that names the rows in words of its own (考核指标, 评价指标, 指标):
    a label with 指标 that no other column key took (指标值 / 指标权重 / 一级指标 are taken)."""
    taken = set(found.values())
    return next((c for c, t in ctx.labels(row) if c not in taken and "指标" in t), None)


def _rubric_columns(ctx: _Ctx, header: int, cols: dict[str, int]) -> Optional[dict[str, int]]:
    """The columns of a department table's rows, or None when they carry nothing to add up.

    Only arithmetic is checked there (scoring-rules.md §1.3: 0 ≤ 自评得分 ≤ 分值, group and 合计
    sums), so rows with neither a 分值 nor a 得分 column are not read. The 评分标准 column maps to
    no key: it is a rule in words, neither a target nor a value of the row."""
    if "weight" not in cols and "score" not in cols:
        return None
    if "name" not in cols:
        # A table without a 三级 column names its rows in another (考核指标), else in its
        # finest level column: _read_indicators needs a name column to tell rows apart.
        name = _name_column(ctx, header, cols) or cols.get("level2") or cols.get("level1")
        if name is None:
            return None
        cols["name"] = name
    return cols


def _department_note(funds_header: Optional[int], funds: tuple[FundsRow, ...], indicators: tuple[Indicator, ...],
                     groups: tuple[Level1Group, ...], subtotals: tuple[Subtotal, ...], total_label: str,
                     has_weight: bool, has_score: bool) -> str:
    """What was and was not checked on a department table, from what was read: the note must
    not claim a funds check without a funds block, nor rubric checks without rubric rows."""
    parts = []
    if funds:
        parts.append("已核对资金合计")
    elif funds_header:
        parts.append("资金表未能读取，资金未核对")
    else:
        parts.append("未找到资金表，资金未核对")
    if indicators:
        checked = []
        if has_weight and has_score:
            checked.append("各行自评得分在 0 至分值之间")
        if has_weight and any(g.declared_weight is not None for g in groups):
            checked.append("各一级指标分值之和与标注的分数相符")
        if subtotals:
            checked.append("小计行等于所含各行之和")
        if total_label and (has_weight or has_score):
            what = "分值、得分" if has_weight and has_score else ("分值" if has_weight else "得分")
            checked.append(f"合计行{what}等于各行之和")
        if checked:
            parts.append(f"评分表 {len(indicators)} 行已核对：" + "，".join(checked))
        else:
            parts.append(f"评分表 {len(indicators)} 行已读取，但没有可核对的加总（无得分栏、分数标注或合计行）")
    else:
        parts.append("未找到带分值/得分栏的评分表（指标表），各行未核对")
    parts.append("各行得分未按评分标准或指标完成情况核定，请人工复核")
    return "部门整体支出绩效自评表：" + "；".join(parts)


def _title_and_year(ctx: _Ctx, rows: range) -> tuple[Optional[int], str]:
    year = None
    unit = ""
    for r in rows:
        for c in range(1, ctx.sheet.max_col + 1):
            if not ctx.sheet.is_anchor(r, c):
                continue
            t = ctx.norm(r, c)
            if not t:
                continue
            if year is None and ("年度" in t or "自评" in t or "绩效" in t):
                m = YEAR_RE.search(t)
                if m:
                    year = int(m.group(1))
            # On the cell's own text: the label form drops spaces and colons, and then
            # "填报单位：某局  单位：元" and "实施单位：元谋县" cannot be told apart.
            m = UNIT_RE.search(ctx.text(r, c))
            if m and not unit:
                unit = m.group(1)
            elif not unit and t.startswith("项目资金") and "(" in t:
                inner = t[t.index("(") + 1:].rstrip(")")
                if inner in ("万元", "元", "千元", "亿元"):
                    unit = inner
    return year, unit


def _read_block(ctx: _Ctx, name_row: int, name_col: int, rows: range, department: bool,
                index: int, count: int) -> Optional[Project]:
    sheet = ctx.sheet
    header_stop = ("主管部门", "实施单位", "项目名称", "单位名称", "项目负责人", "联系电话")
    name, name_ref = ("", ref(name_row, name_col + 1))
    if (name_row, name_col) != (1, 1) or ctx.norm(1, 1).startswith("项目名称"):
        name, name_ref = _value_right_of(ctx, name_row, name_col, header_stop)
    dept = impl = ""
    for r, c in _find_prefixed(ctx, ("主管部门", "实施单位", "单位名称"), rows):
        value, _ = _value_right_of(ctx, r, c, header_stop)
        if ctx.norm(r, c).startswith("主管部门"):
            dept = dept or value
        elif ctx.norm(r, c).startswith("实施单位"):
            impl = impl or value
        else:
            dept = dept or value
            impl = impl or value
    funds_header = _find_funds_header(ctx, rows)
    ind_header = _find_rubric_header(ctx, rows) if department else _find_indicator_header(ctx, rows)
    year_rows = range(max(rows.start - 6, 1), (funds_header or ind_header or name_row) + 1)
    year, unit = _title_and_year(ctx, year_rows)
    if year is None:
        m = YEAR_RE.search(normalize_label(sheet.name))
        year = int(m.group(1)) if m else None
    if not name:
        name = sheet.name if count == 1 else f"{sheet.name}（第{index}个）"
        if not department:
            ctx.add(Severity.ERROR, "project.name_missing", "项目名称空白", name_ref)
    funds = _read_funds(ctx, funds_header, rows, ind_header) if funds_header else ()
    goal = _read_goal(ctx, rows)
    kind = "department" if department else "project"
    if funds_header is None and not department:
        ctx.add(Severity.ERROR, "read.no_funds", "未找到项目资金表头（年初预算数 / 全年预算数 / 全年执行数）",
                name_ref)
    indicators: tuple[Indicator, ...] = ()
    groups: tuple[Level1Group, ...] = ()
    total_weight = total_score = None
    total_label = ""
    subtotals: tuple[Subtotal, ...] = ()
    header_last = 0
    has_weight = has_score = False
    cols: Optional[dict[str, int]] = None
    if ind_header is not None:
        cols = _indicator_columns(ctx, ind_header)
        if department:
            cols = _rubric_columns(ctx, ind_header, cols)
    if cols is None:
        if not department:
            ctx.add(Severity.ERROR, "read.no_indicators", "未找到绩效指标表头（一级指标 / 二级指标 / 三级指标）",
                    name_ref)
    else:
        assert ind_header is not None
        has_weight, has_score = "weight" in cols, "score" in cols
        header_last = ind_header + cols.get("_header_rows", 1) - 1
        indicators, groups, total_row, subtotals = _read_indicators(ctx, ind_header, cols, rows)
        if total_row is not None:
            total_label = ref(total_row, _first_text_col(ctx, total_row))
            if "weight" in cols:
                total_weight = ctx.cell(total_row, cols["weight"])
            if "score" in cols:
                total_score = ctx.cell(total_row, cols["score"])
        _note_hidden(ctx, ind_header, total_row or rows.stop - 1)
    if department:
        ctx.add(Severity.INFO, "read.department_table",
                _department_note(funds_header, funds, indicators, groups, subtotals, total_label,
                                 has_weight, has_score), ref(rows.start, 1))
    return Project(sheet=sheet.name, name=name, name_cell=name_ref, department=dept, implementer=impl,
                   year=year, money_unit=unit or "万元", funds=funds, funds_header_row=funds_header or 0,
                   goal_expected=goal[0], goal_actual=goal[1], goal_cells=(goal[2], goal[3]),
                   indicator_header_row=header_last,
                   indicators=indicators, groups=groups, total_weight=total_weight,
                   total_score=total_score, total_label_cell=total_label,
                   has_weight_column=has_weight, has_score_column=has_score, kind=kind,
                   subtotals=subtotals)


def _note_hidden(ctx: _Ctx, first: int, last: int) -> None:
    hidden = sorted(r for r in ctx.sheet.hidden_rows if first <= r <= last)
    if hidden:
        ctx.add(Severity.WARNING, "read.hidden_rows",
                f"绩效指标表内有 {len(hidden)} 行被隐藏（第 {', '.join(map(str, hidden[:10]))} 行），已照常读取并评分，请确认",
                ref(hidden[0], 1))


def _first_text_col(ctx: _Ctx, row: int) -> int:
    for c in range(1, ctx.sheet.max_col + 1):
        if ctx.norm(row, c):
            return ctx.sheet.anchor(row, c)[1]
    return 1


# --- funds -----------------------------------------------------------------------------


def _find_funds_header(ctx: _Ctx, rows: range) -> Optional[int]:
    for r in ctx.label_rows(rows):  # a row without labels maps no column
        found = _row_map(ctx, r, FUNDS_COLUMNS)
        if "executed" in found and ("full_year" in found or "initial" in found):
            return r
    return None


def _row_label(ctx: _Ctx, row: int, before_col: int) -> tuple[str, Optional[tuple[int, int]]]:
    """The rightmost label text left of the money columns (skipping the 项目资金 block label),
    and the cell it is shown from."""
    best: tuple[str, Optional[tuple[int, int]]] = ("", None)
    norm = ctx.norm
    for c in range(1, before_col):
        t = norm(row, c)
        if not t:
            continue
        at = ctx.sheet.anchor(row, c)
        # The block label is merged down from the header row; written in a row of its own it
        # is a row label when it names a total ("项目资金总额"), not when it names the block.
        if t.startswith(_FUNDS_BLOCK_LABELS) and (at[0] != row or _funds_kind(t) != "total"):
            continue
        best = (t, at)
    return best


def _funds_kind(label: str) -> Optional[str]:
    return next((k for k, pred in FUNDS_ROW_KINDS if pred(label)), None)


def _read_funds(ctx: _Ctx, header: int, rows: range, stop_row: Optional[int]) -> tuple[FundsRow, ...]:
    cols = _row_map(ctx, header, FUNDS_COLUMNS)
    first_money = min(cols.values())
    out: list[FundsRow] = []
    blank_run = 0
    stopped_at: Optional[tuple[str, str]] = None  # label and cell of the row that ended the block
    for r in range(header + 1, rows.stop):
        if stop_row is not None and header < stop_row <= r:
            break
        label, label_at = _row_label(ctx, r, first_money)
        label_ref = ref(*label_at) if label_at is not None else ""
        if not label:
            shown = [(c, ctx.cell(r, c)) for c in cols.values()]
            filled = [c for c, v in shown if v is not None and not v.blank]
            if not filled:
                blank_run += 1
                if blank_run >= 2 or out:
                    break
                continue
            label_ref = label_ref or ref(r, min(filled))
        stopped_at = (label, label_ref)
        if any(k in label for k in ("目标", "绩效指标", "一级指标", "三级指标")):
            break
        kind = _funds_kind(label)
        if kind is None:
            if not out or not any(k in label for k in FUNDS_COMPONENT_WORDS):
                break
            kind = "component"
        values = {key: ctx.cell(r, c) for key, c in cols.items()}
        raw_label = ctx.text(*label_at) if label_at is not None else ""
        out.append(FundsRow(label=clean_text(raw_label) or label, kind=kind, label_cell=label_ref,
                            row=r, **values))
    if not out:
        # A header with no rows read would leave the block out of the score without a word.
        if stopped_at is not None and stopped_at[0]:
            why = f"第一行「{stopped_at[0]}」不是可识别的资金行（年度资金总额 / 其中：财政拨款 / 上年结转资金 / 其他资金）"
        elif stopped_at is not None:
            why = "第一行填有金额，但没有行名（应为年度资金总额）"
        else:
            why = "其下没有资金行"
        ctx.add(Severity.ERROR, "read.funds_unread",
                f"找到项目资金表头（第 {header} 行），但{why}，资金各行未读取，预算执行率未计分",
                stopped_at[1] if stopped_at is not None else ref(header, first_money))
    return tuple(out)


# --- goal ------------------------------------------------------------------------------


def _read_goal(ctx: _Ctx, rows: range) -> tuple[str, str, str, str]:
    exp = _find_prefixed(ctx, ("预期目标", "年初目标", "年度目标"), rows, 10)
    act = _find_prefixed(ctx, ("实际完成情况", "年度总体目标完成情况", "实际完成"), rows, 12)

    def below(pos: Optional[tuple[int, int]]) -> tuple[str, str]:
        if pos is None:
            return "", ""
        r, c = pos
        merge = ctx.sheet.merge_of(r, c)
        start = (merge[2] if merge else r) + 1
        for rr in range(start, min(start + 3, ctx.sheet.max_row + 1)):
            t = ctx.text(rr, c)
            if t:
                return t, ref(*ctx.sheet.anchor(rr, c))
        text, cell = _value_right_of(ctx, r, c, ("实际完成", "预期目标"))
        return text, cell

    e_text, e_ref = below(exp[0] if exp else None)
    a_text, a_ref = below(act[0] if act else None)
    return e_text, a_text, e_ref, a_ref


# --- indicators ------------------------------------------------------------------------


def _indicator_columns(ctx: _Ctx, header: int) -> dict[str, int]:
    cols = _row_map(ctx, header, INDICATOR_COLUMNS)
    # Two-row headers: 年度指标值 spanning 指标性质 / 指标值 / 度量单位 in the row below.
    below = _row_map(ctx, header + 1, INDICATOR_COLUMNS)
    if "nature" in below or "unit" in below:
        cols.update({k: v for k, v in below.items() if k in ("nature", "target", "unit", "actual")})
        cols["_header_rows"] = 2
    return cols


def _is_header_row(ctx: _Ctx, row: int) -> bool:
    rows = ctx.header_rows()
    if rows is not None:
        return row in rows
    return any(t.startswith(_HEADER_WORDS) for t in ctx.row_norms(row))


def _read_indicators(ctx: _Ctx, header: int, cols: dict[str, int], rows: range
                     ) -> tuple[tuple[Indicator, ...], tuple[Level1Group, ...], Optional[int], tuple[Subtotal, ...]]:
    start = header + cols.pop("_header_rows", 1)
    name_col = cols.get("name") or cols.get("target", 1) - 1
    left_col = min(cols.get("level1", name_col), cols.get("level2", name_col), name_col)
    indicators: list[Indicator] = []
    subtotals: list[Subtotal] = []
    groups: dict[str, Level1Group] = {}
    total_row = None
    cell = ctx.cell
    value_cols = [(k, c) for k, c in cols.items() if k not in ("level1", "level2")]
    evidence_cols = [cols[k] for k in ("target", "actual") if k in cols]
    levels = _Levels(ctx, cols)
    floors: dict[tuple[str, str], int] = {}
    unwritten: set[int] = set()  # indicator rows with no 一级 written, merged or carried
    for r in range(start, rows.stop):
        if _is_header_row(ctx, r):
            continue
        labels = _own_labels(ctx, r, name_col)
        # A 年度指标值 or 实际完成值 of its own makes the row an indicator whatever its name
        # starts with ("合计培训人次", "注册企业数量"); 总分 and 小计 rows have neither.
        valued = any(_own_value(ctx, r, c) for c in evidence_cols)
        summary = _summary_kind(ctx, r, labels, cols, valued)
        if summary is not None and summary[0] == "total":
            total_row = r
            break
        if summary is None:
            first_col, first = labels[0] if labels else (0, "")
            if _is_note(ctx, r, first_col, first, name_col) or _spans_table(ctx, r, left_col, cols):
                break
            if _is_remark(ctx, r, first_col, first, left_col, cols, valued):
                continue
        l1_name, l1_raw, l1_weight, l1_cell, l2, l2_cell = levels.at(r, carry=summary is None)
        if summary is not None:
            sub = _subtotal(ctx, r, summary[1], cols, l1_name, l2, indicators, floors)
            if sub is not None:
                subtotals.append(sub)
            continue
        if l1_name and levels.typed:
            _claim_rows_above(indicators, unwritten, groups, l1_name, l1_raw, l1_cell, l1_weight)
        if not l1_raw:
            unwritten.add(r)
        if l1_name and l1_name not in groups:
            groups[l1_name] = Level1Group(name=l1_name, label=l1_raw, cell=l1_cell, declared_weight=l1_weight)
        values = {k: cell(r, c) for k, c in value_cols}
        content_keys = ("name", "target", "actual", "weight", "score")
        if all(values.get(k) is None or values[k].blank for k in content_keys):  # type: ignore[union-attr]
            continue
        name_cell = values.get("name")
        unit_cell = values.get("unit")
        indicators.append(Indicator(
            row=r,
            level1=l1_name,
            level2=clean_text(l2),
            name=name_cell.text if name_cell is not None else "",
            target=values.get("target") or make_cell(ref(r, cols.get("target", name_col + 1))),
            actual=values.get("actual") or make_cell(ref(r, cols.get("actual", name_col + 2))),
            weight=values.get("weight"),
            score=values.get("score"),
            reason=values.get("reason"),
            name_cell=ref(r, cols["name"]) if "name" in cols else "",
            level1_cell=l1_cell,
            level2_cell=l2_cell,
            nature=values.get("nature"),
            unit_text=unit_cell.text if unit_cell is not None and not unit_cell.blank else None,
        ))
    return tuple(indicators), tuple(groups.values()), total_row, tuple(subtotals)


class _Levels:
    """一级/二级 of each indicator row. A merged cell shows its anchor; a blank cell that is not
    merged continues the group above, as a merge would (flattened exports and copy-paste write
    the group name on its first row only)."""

    def __init__(self, ctx: _Ctx, cols: dict[str, int]) -> None:
        self.ctx = ctx
        self.c1 = cols.get("level1")
        self.c2 = cols.get("level2")
        self.l1 = ("", "")  # (text, cell) of the group being continued
        self.l2 = ("", "")
        self._named: dict[str, tuple[str, Optional[float]]] = {}  # 一级 as written -> (name, weight)
        self._shown: dict[tuple[int, int], tuple[str, str]] = {}  # anchor -> (text, A1): merges repeat
        self.current = ""  # the 一级 of the last row read, carried, inferred or written
        self.typed = False  # whether the last row read has its 一级 written in its own cell

    def _cell(self, r: int, c: int) -> tuple[str, str, bool]:
        """(text, A1 of the cell it is shown from, whether that cell is (r, c) itself)."""
        at = self.ctx.sheet._anchor.get((r, c), (r, c))
        got = self._shown.get(at)
        if got is None:
            got = self._shown[at] = (self.ctx.text(*at), ref(*at))
        return got[0], got[1], at == (r, c)

    def at(self, r: int, carry: bool) -> tuple[str, str, Optional[float], str, str, str]:
        """(一级 name, 一级 as written, its declared weight, its cell, 二级, its cell); ``carry``
        False for a 小计 row, whose cells must not continue into the rows below. Sets
        ``typed`` when the 一级 is written in this row's own cell (not carried, not merged)."""
        l1_raw = l1_cell = l2 = l2_cell = ""
        carried = self.typed = False
        if self.c1 is not None:
            l1_raw, l1_cell, own = self._cell(r, self.c1)
            if l1_raw:
                self.typed = own
                if carry and _canonical_level1(split_weight_suffix(l1_raw)[0]) != self.current:
                    self.l2 = ("", "")  # a new 一级 group starts its 二级 afresh
                if carry:
                    self.l1 = (l1_raw, l1_cell)
            elif own and self.l1[0]:  # a merged blank cell is a blank group
                l1_raw, l1_cell = self.l1
                carried = True
        if self.c2 is not None:
            l2, l2_cell, own = self._cell(r, self.c2)
            if l2:
                if carry:
                    self.l2 = (l2, l2_cell)
            elif own and self.l2[0]:
                l2, l2_cell = self.l2
        named = self._named.get(l1_raw)
        if named is None:
            name, weight = split_weight_suffix(l1_raw) if l1_raw else ("", None)
            named = self._named[l1_raw] = (_canonical_level1(name), weight)
        l1_name, l1_weight = named
        if carried and l2:
            # A carried 一级 is a guess; a standard 二级 of another 一级 says where the row
            # belongs (PDF copies type the 一级 in a middle row of its group, so the blank rows
            # below the last 一级 of one group may open the next).
            own_group = _level1_of(normalize_label(l2))
            if own_group and own_group != l1_name and l1_name in STANDARD_LEVEL1 \
                    and not normalize_label(l2).startswith(l1_name.removesuffix("指标")):
                l1_name, l1_raw, l1_weight, l1_cell = own_group, "", None, ref(r, self.c1)  # type: ignore[arg-type]
                if carry:
                    self.l1 = ("", "")
        if not l1_name and l2:
            l1_name = _level1_of(normalize_label(l2))
        if carry:
            self.current = l1_name
        return l1_name, l1_raw, l1_weight, l1_cell, l2, l2_cell


def _claim_rows_above(indicators: list[Indicator], unwritten: set[int], groups: dict[str, Level1Group], name: str,
                      raw: str, cell: str, weight: Optional[float]) -> None:
    """A 一级 written in a middle row of its group (PDF/Word copies centre it) is the 一级 of the
    rows just above whose 一级 cell is blank and whose 二级 belongs to it."""
    i = len(indicators)
    while i and indicators[i - 1].row in unwritten and indicators[i - 1].level1 == name:
        i -= 1
    if i == len(indicators):
        return
    for j in range(i, len(indicators)):
        indicators[j] = replace(indicators[j], level1=name, level1_cell=cell)
    group = groups.get(name)
    if group is None or not group.label:  # made from the 二级 alone: the written cell names it
        groups[name] = Level1Group(name=name, label=raw, cell=cell, declared_weight=weight)


def _own_labels(ctx: _Ctx, row: int, last_col: int) -> list[tuple[int, str]]:
    """(column, normalised text) of the text cells in columns 1 … last_col that anchor in this
    row (a merge reaching down from above belongs to the row it starts in)."""
    out = []
    for c, t in ctx.labels(row):
        if c > last_col:
            break
        out.append((c, t))
    return out


def _own_value(ctx: _Ctx, row: int, col: int) -> bool:
    """Whether (row, col) holds a value of its own: not blank, not a dash, and not shown from a
    merge that starts elsewhere (a 总分 label spanning the value columns)."""
    pos = (row, col)
    if ctx.sheet._anchor.get(pos, pos) != pos:
        return False
    cell = ctx.sheet.cells.get(pos)
    if cell is None or cell.blank:
        return False
    return not (isinstance(cell.value, str) and cell.value.strip() in _PLACEHOLDERS)


def _summary_kind(ctx: _Ctx, row: int, labels: list[tuple[int, str]], cols: dict[str, int], valued: bool
                  ) -> Optional[tuple[str, tuple[int, str]]]:
    """("total", label) for the 总分 row, ("subtotal", label) for a 小计 / group 合计 row, None
    for any other row. A row with a target or actual of its own is an indicator unless it says
    小计: names do start with 合计 / 总计 / 综合得分 ("合计培训人次")."""
    if valued:
        # Names start with 小计 as they do with 合计 ("小计数量"); a label that ends in 小计
        # ("产出指标小计", "小计") still names a group's total whatever stands beside it.
        for c, t in labels:
            if t.endswith("小计"):
                return "subtotal", (c, t)
        return None
    if not labels:
        return None
    c0, t0 = labels[0]
    if t0.startswith(TOTAL_LABELS):
        # A 一级 cell merged down into a 合计 row makes it that group's closing line; 总分 and
        # the other grand-total words name the whole table however far a merge reaches.
        c1 = cols.get("level1")
        if (not t0.startswith(GRAND_TOTAL_LABELS) and c1 is not None and c0 > c1
                and ctx.sheet.anchor(row, c1)[0] < row):
            return "subtotal", labels[0]
        return "total", labels[0]
    for c, t in labels:
        if t.startswith("小计") or t.endswith(SUBTOTAL_ENDS):
            return "subtotal", (c, t)
    return None


def _is_note(ctx: _Ctx, row: int, col: int, text: str, name_col: int) -> bool:
    """A remark or sign-off line under the table (注：…, 说明, 填表人：…). A name in the 三级
    column that merely starts with such a word ("注册企业数量", "说明会场次") is not one."""
    if not text.startswith(NOTE_PREFIXES):  # nearly every row: one call, no generator
        return False
    prefix = next(p for p in NOTE_PREFIXES if text.startswith(p))
    if text == prefix or col < name_col or text[len(prefix)] in _NOTE_TAIL:
        return True
    raw = ctx.text(*ctx.sheet.anchor(row, col))
    return any(ch in ":：" for ch in raw[:len(prefix) + 3])


def _is_remark(ctx: _Ctx, row: int, first_col: int, first: str, left_col: int, cols: dict[str, int],
               valued: bool) -> bool:
    """A free-text line inside the table, such as Yunnan's 其他需要说明事项 | 无 before 总分: one
    cell spanning the name and target columns, or a label in the block column (left of the
    indicator columns, where the merged 绩效指标 label stands) with no value beside it."""
    name, target = cols.get("name"), cols.get("target")
    if name is not None and target is not None:
        a = ctx.sheet.anchor(row, name)
        if a[0] == row and a == ctx.sheet.anchor(row, target):
            return True
    if valued or not first or first_col >= left_col or first.isdigit():
        return False
    return not any(_own_value(ctx, row, cols[k]) for k in ("weight", "score") if k in cols)


def _subtotal(ctx: _Ctx, row: int, label: tuple[int, str], cols: dict[str, int], level1: str, level2: str,
              indicators: list[Indicator], floors: dict[tuple[str, str], int]) -> Optional[Subtotal]:
    """The 小计 row with the indicator rows it sums: those of its 一级 group (and of its 二级
    group when the word stands in the 三级 column) below the previous 小计 of the same group.
    ``floors`` holds the row of the last 小计 of each group and is updated."""
    weight = ctx.cell(row, cols["weight"]) if "weight" in cols else None
    score = ctx.cell(row, cols["score"]) if "score" in cols else None
    if (weight is None or weight.blank) and (score is None or score.blank):
        return None
    col, text = label
    if level1.startswith("小计") or level1.endswith(SUBTOTAL_ENDS):  # "产出指标小计" in the 一级 column
        level1 = _canonical_level1(level1.removeprefix("小计").removesuffix("小计").removesuffix("合计")
                                   .removesuffix("总计"))
    key2 = normalize_label(level2) if "name" in cols and col >= cols["name"] else ""
    scope = (level1, key2)
    # Without a 一级 to go by, a 小计 closes the rows since the previous one.
    floor = floors.get(scope, 0) if level1 else max(floors.values(), default=0)
    floors[scope] = row
    rows = tuple(i.row for i in indicators if i.row > floor and (not level1 or i.level1 == level1)
                 and (not key2 or normalize_label(i.level2) == key2))
    if not rows:
        return None
    anchor = ctx.sheet.anchor(row, col)
    return Subtotal(row=row, label=clean_text(ctx.text(*anchor)) or text, label_cell=ref(*anchor), rows=rows,
                    weight=weight, score=score)


def _spans_table(ctx: _Ctx, row: int, left_col: int, cols: dict[str, int]) -> bool:
    """A note line merged across the table (e.g. 填表说明 under the indicators)."""
    merge = ctx.sheet.merge_of(row, left_col)
    target = cols.get("target")
    return bool(merge and merge[0] == row and target and merge[3] >= target and merge[1] <= left_col)


LEVEL1_CANON = {"产出": "产出指标", "效益": "效益指标", "满意度": "满意度指标", "成本": "成本指标",
                "服务对象满意度": "满意度指标", "服务对象满意度指标": "满意度指标"}


LEVEL1_OF_LEVEL2 = (("产出指标", ("数量", "质量", "时效", "成本")),
                    ("效益指标", ("经济效益", "社会效益", "生态效益", "可持续")),
                    ("满意度指标", ("满意度",)),
                    ("成本指标", ("经济成本", "社会成本", "生态环境成本", "生态成本")))
STANDARD_LEVEL1 = frozenset(level1 for level1, _ in LEVEL1_OF_LEVEL2)


def _level1_of(level2: str) -> str:
    """The 一级 group a standard 二级 name belongs to, for tables without a 一级 column."""
    for level1, prefixes in LEVEL1_OF_LEVEL2:
        if level2.startswith(prefixes) or level2.startswith(tuple("服务对象" + p for p in prefixes)):
            return level1
    return ""


def _canonical_level1(name: str) -> str:
    return LEVEL1_CANON.get(name, name)


UNIT_SHEET_LABELS = ("年度", "单位名称", "预算单位", "填报单位", "编制单位", "填报日期", "单位")

# --- unit sheet ------------------------------------------------------------------------


def _read_unit_sheet(ctx: _Ctx) -> Optional[UnitSheet]:
    sheet = ctx.sheet
    for r in ctx.label_rows(range(1, min(sheet.max_row, 40) + 1)):
        cols = _row_map(ctx, r, FUNDS_COLUMNS)
        if sum(k in cols for k in ("initial", "full_year", "executed")) < 2:
            continue
        name_col = next((c for c in range(1, sheet.max_col + 1)
                         if ctx.norm(r, c).startswith(("项目名称", "项目"))), None)
        if name_col is None:
            continue
        return _unit_rows(ctx, r, name_col, cols)
    return None


def _unit_rows(ctx: _Ctx, header: int, name_col: int, cols: dict[str, int]) -> UnitSheet:
    sheet = ctx.sheet
    entries: list[UnitEntry] = []
    total = None
    for r in range(header + 1, sheet.max_row + 1):
        name = ctx.text(r, name_col)
        n = normalize_label(name)
        if not n:
            # 合计 is often written in the 序号 column, merged with the name column.
            n = next((ctx.norm(r, c) for c in range(1, name_col) if ctx.norm(r, c)), "")
            name = n
        money = {k: ctx.cell(r, c) for k, c in cols.items() if k in ("initial", "full_year", "executed")}
        name_cell = ctx.cell(r, name_col)
        uncalculated = any(v is not None and v.formula and not v.cached for v in (*money.values(), name_cell))
        if not n and not uncalculated and all(v is None or v.blank for v in money.values()):
            if entries:
                break
            continue
        entry = UnitEntry(name=clean_text(name), name_cell=ref(r, name_col), row=r, **money)
        if n.startswith(("合计", "总计")):
            total = entry
            break
        if n.startswith(NOTE_PREFIXES):
            break
        entries.append(entry)
    unit_name = ""
    year = None
    for r, c in _find(ctx, lambda t: t.startswith(("单位名称", "预算单位", "填报单位", "编制单位")),
                      range(1, header + 1)):
        unit_name, _ = _value_right_of(ctx, r, c, UNIT_SHEET_LABELS)
        break
    year, _ = _title_and_year(ctx, range(1, header + 1))
    if year is None:
        for r, c in _find(ctx, lambda t: t.startswith("年度"), range(1, header + 1)):
            m = re.search(r"(19|20)\d{2}", _value_right_of(ctx, r, c, UNIT_SHEET_LABELS)[0])
            year = int(m.group(0)) if m else None
            break
    money_unit, column_units = _unit_sheet_money_units(ctx, header, cols)
    return UnitSheet(sheet=sheet.name, unit_name=unit_name, year=year, entries=tuple(entries), total=total,
                     money_unit=money_unit, column_units=column_units)


# 单位：元 / 金额单位：万元 in normalised text (colons and spaces gone). The unit must end the
# phrase: "预算单位：元宝山区财政局" normalises to "预算单位元宝山区…", which is a unit name, not 元.
_LIST_UNIT_RE = re.compile(r"单位\(?(亿元|千元|万元|元)(?=$|[);,，；。.、/])")
# A heading that carries its unit in brackets: 预算数（元）, 金额（万元）, 执行数（单位：元）.
_BRACKET_UNIT_RE = re.compile(r"\((?:金额|资金)?(?:单位)?(亿元|千元|万元|元)\)")


def _unit_sheet_money_units(ctx: _Ctx, header: int, cols: dict[str, int]
                            ) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The list's own money unit and the units named in its money column headers.

    The list is often filled from a different system than the project sheets (元 there, 万元
    here, or the other way round), so its amounts are read in the unit it states itself,
    never in a project sheet's.
    """
    money_cols = {k: c for k, c in cols.items() if k in ("initial", "full_year", "executed")}
    column_units: list[tuple[str, str]] = []
    for key, c in money_cols.items():
        m = _BRACKET_UNIT_RE.search(ctx.norm(header, c))
        if m:
            column_units.append((key, m.group(1)))
    sheet_unit = ""
    for r, c, t in ctx.labels_in(range(1, header + 1)):
        if r == header and c in money_cols.values():
            continue  # a column's own unit, taken above
        m = _LIST_UNIT_RE.search(t) or (_BRACKET_UNIT_RE.search(t) if r < header else None)
        if m:
            sheet_unit = m.group(1)
            break
    return sheet_unit, tuple(column_units)
