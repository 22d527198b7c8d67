"""The indicator block of a table: its header and columns, its rows, 一级/二级 groups, 小计 and 总分 rows."""

from __future__ import annotations

from typing import Optional

from perf_xlsx.a1 import parse_ref, ref
from perf_xlsx.model import (
    CellValue,
    Indicator,
    Level1Group,
    Severity,
    Subtotal,
    fast_replace,
    new_indicator,
)
from perf_xlsx.read.labels import (
    HEADER_WORDS,
    INDICATOR_COLUMNS,
    NOTE_PREFIXES,
    SheetContext,
    blank_cell,
    row_map,
)
from perf_xlsx.values import clean_text, normalize_label, parse_points, split_weight_suffix

TOTAL_LABELS = ("总分", "合计", "总计", "合计得分", "综合得分", "总得分", "自评总分", "自评得分", "得分合计", "得分总计",
                "总评分")
# The TOTAL_LABELS that can only be the whole table's total; 合计 / 总计 (合计得分, 得分合计)
# also close a 一级 group when its cell is merged down into them.
GRAND_TOTAL_LABELS = ("总分", "总得分", "综合得分", "自评总分", "自评得分", "总评分")
SUBTOTAL_ENDS = ("小计", "合计", "总计")  # "产出指标小计", "数量指标合计": the total of a group
# What a blank-but-typed cell holds: not evidence that a row carries a value.
_PLACEHOLDERS = frozenset(("—", "-", "/", "——", "－", "--", "\\", "／", "―"))
_CONTENT_KEYS = ("name", "target", "actual", "weight", "score", "coefficient")
_NOTE_TAIL = frozenset("0123456789、.．,，;；(（")  # "注1.", "说明(1)": a numbered remark


def has_indicator_header(ctx: SheetContext, rows: range) -> bool:
    return find_indicator_header(ctx, rows) is not None


def find_indicator_header(ctx: SheetContext, rows: range, scored: bool = False) -> Optional[int]:
    """The indicator table's header: 三级指标, or (when named otherwise: 指标名称 / 指标内容) a row
    that has a target column, an actual column and an indicator-name or level column. With
    ``scored``, also a scoring table's header that has no target or actual at all (its 评分标准
    takes their place) but names its rows beside a 分值 and a 得分 column."""
    for r in ctx.label_rows(rows):
        for _, t in ctx.labels(r):  # every label row before the header comes through here
            if t.startswith("三级指标"):
                return r
        found = row_map(ctx, r, INDICATOR_COLUMNS)
        named = "name" in found or "level1" in found or "level2" in found
        if "target" in found and "actual" in found and named:
            return r
        if scored and "weight" in found and "score" in found and (named or name_column(ctx, r, found)):
            return r
    return None


def name_column(ctx: SheetContext, row: int, found: dict[str, int]) -> Optional[int]:
    """The column of a header that names the rows in words of its own (考核指标, 评价指标, 指标):
    a label with 指标 that no other column key took (指标值 / 指标权重 / 一级指标 are taken)."""
    taken = set(found.values())
    return next((c for c, t in ctx.labels(row) if c not in taken and "指标" in t), None)


# --- indicators ------------------------------------------------------------------------


def indicator_columns(ctx: SheetContext, header: int) -> dict[str, int]:
    cols = row_map(ctx, header, INDICATOR_COLUMNS)
    # Two-row headers: 年度指标值 spanning 指标性质 / 指标值 / 度量单位 in the row below.
    below = row_map(ctx, header + 1, INDICATOR_COLUMNS)
    if "nature" in below or "unit" in below:
        cols.update({k: v for k, v in below.items() if k in ("nature", "target", "unit", "actual")})
        cols["_header_rows"] = 2
    return cols


def _is_header_row(ctx: SheetContext, row: int) -> bool:
    rows = ctx.header_rows()
    if rows is not None:
        return row in rows
    return any(t.startswith(HEADER_WORDS) for t in ctx.row_norms(row))


def read_indicators(ctx: SheetContext, header: int, cols: dict[str, int], rows: range
                    ) -> tuple[tuple[Indicator, ...], tuple[Level1Group, ...], Optional[int], tuple[Subtotal, ...]]:
    start = header + cols.pop("_header_rows", 1)
    name_col = cols.get("name") or cols.get("target", 1) - 1
    left_col = min(cols.get("level1", name_col), cols.get("level2", name_col), name_col)
    indicators: list[Indicator] = []
    subtotals: list[Subtotal] = []
    groups: dict[str, Level1Group] = {}
    total_row = None
    anchors, cells = ctx.sheet._anchor, ctx.sheet.cells
    value_cols = [(k, c) for k, c in cols.items() if k not in ("level1", "level2")]
    evidence_cols = [cols[k] for k in ("target", "actual") if k in cols]
    levels = _Levels(ctx, cols)
    floors: dict[tuple[str, str], int] = {}
    unwritten: set[int] = set()  # indicator rows with no 一级 written, merged or carried
    between: dict[int, tuple[tuple[str, str, str, str], tuple[str, str, str, str]]] = {}  # see _Levels.between
    header_rows = ctx.header_rows()  # what _is_header_row asks, once for the table
    for r in range(start, rows.stop):
        if r in header_rows if header_rows is not None else _is_header_row(ctx, r):
            continue
        labels = _own_labels(ctx, r, name_col)
        # A 年度指标值 or 实际完成值 of its own makes the row an indicator whatever its name
        # starts with ("合计培训人次", "注册企业数量"); 总分 and 小计 rows have neither.
        valued = False
        for c in evidence_cols:  # any(…), without a generator per row
            if _own_value(ctx, r, c):
                valued = True
                break
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
        between_here = levels.between
        if summary is not None:
            sub = _subtotal(ctx, r, summary[1], cols, l1_name, l2, indicators, floors)
            if sub is not None:
                subtotals.append(sub)
            continue
        if l1_name and levels.typed:
            _claim_rows_above(indicators, unwritten, groups, l1_name, l1_raw, l1_cell, l1_weight)
        if not l1_raw and between_here is None:
            unwritten.add(r)
        if l1_name and l1_name not in groups:
            groups[l1_name] = Level1Group(name=l1_name, label=l1_raw, cell=l1_cell, declared_weight=l1_weight)
        values: dict[str, Optional[CellValue]] = {}
        for k, c in value_cols:  # ctx.cell(r, c) for each column, inlined: ~10 per row
            pos = (r, c)
            at = anchors.get(pos, pos)
            if at[0] != r:
                values[k] = None
            else:
                got = cells.get(at)
                values[k] = got if got is not None else blank_cell(r, c)
        for k in _CONTENT_KEYS:  # a row with nothing in any of them is no indicator
            v = values.get(k)
            if v is not None and not v.blank:
                break
        else:
            continue
        name_cell = values.get("name")
        unit_cell = values.get("unit")
        if between_here is not None:
            between[len(indicators)] = between_here
        indicators.append(new_indicator(
            row=r,
            level1=l1_name,
            level2=clean_text(l2),
            name=name_cell.text if name_cell is not None else "",
            target=values.get("target") or blank_cell(r, cols.get("target", name_col + 1)),
            actual=values.get("actual") or blank_cell(r, cols.get("actual", name_col + 2)),
            weight=values.get("weight"),
            score=values.get("score"),
            reason=values.get("reason"),
            name_cell=ref(r, cols["name"]) if "name" in cols else "",
            level1_cell=l1_cell,
            level2_cell=l2_cell,
            nature=values.get("nature"),
            unit_text=unit_cell.text if unit_cell is not None and not unit_cell.blank else None,
            rule=values.get("rule"),
            coefficient=values.get("coefficient"),
        ))
    if between:
        _settle_between(ctx, indicators, groups, between)
    return tuple(indicators), tuple(groups.values()), total_row, tuple(subtotals)


class _Levels:
    """一级/二级 of each indicator row. A merged cell shows its anchor; a blank cell that is not
    merged continues the group above, as a merge would (flattened exports and copy-paste write
    the group name on its first row only)."""

    def __init__(self, ctx: SheetContext, cols: dict[str, int]) -> None:
        self.ctx = ctx
        self.c1 = cols.get("level1")
        self.c2 = cols.get("level2")
        self.l1 = ("", "")  # (text, cell) of the group being continued
        self.l2 = ("", "")
        self._named: dict[str, tuple[str, Optional[float]]] = {}  # 一级 as written -> (name, weight)
        self._shown: dict[tuple[int, int], tuple[str, str]] = {}  # anchor -> (text, A1): merges repeat
        self.current = ""  # the 一级 of the last row read, carried, inferred or written
        self.typed = False  # whether the last row read has its 一级 written in its own cell
        # Set by at() for a row inserted between two merged 一级 blocks (its own cell blank and
        # unmerged): the (一级 as written, its cell, 二级, its cell) above and below it.
        self.between: Optional[tuple[tuple[str, str, str, str], tuple[str, str, str, str]]] = None

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
        self.between = None
        below: Optional[int] = None  # a merged 一级 block the row was inserted on top of
        if self.c1 is not None:
            l1_raw, l1_cell, own = self._cell(r, self.c1)
            if l1_raw:
                self.typed = own
                if carry and _canonical_level1(split_weight_suffix(l1_raw)[0]) != self.current:
                    self.l2 = ("", "")  # a new 一级 group starts its 二级 afresh
                if carry:
                    self.l1 = (l1_raw, l1_cell)
            elif own and carry and (below := self._block_below(r, self.c1)) is not None \
                    and (not self.l1[0] or self._block_ended(self.l1[1], r)):
                # A row inserted on top of a merged group (Excel leaves it out of the merge):
                # with no group above, it opens the group below; between two groups it may
                # belong to either, and read_indicators settles it (or reports it).
                b1, b1_cell, _ = self._cell(below, self.c1)
                b2, b2_cell = self._cell(below, self.c2)[:2] if self.c2 is not None else ("", "")
                if self.c2 is not None and self._cell(r, self.c2)[0]:
                    b2, b2_cell = self._cell(r, self.c2)[:2]
                if not self.l1[0]:
                    l1_raw, l1_cell = b1, b1_cell
                else:
                    a2, a2_cell = self.l2
                    if self.c2 is not None and self._cell(r, self.c2)[0]:
                        a2, a2_cell = self._cell(r, self.c2)[:2]
                    self.between = ((self.l1[0], self.l1[1], a2, a2_cell), (b1, b1_cell, b2, b2_cell))
                    l1_cell = ref(r, self.c1)
                    return "", "", None, l1_cell, "", ""
            elif own and self.l1[0]:  # a merged blank cell is a blank group
                l1_raw, l1_cell = self.l1
                carried = True
        if self.c2 is not None:
            l2, l2_cell, own = self._cell(r, self.c2)
            if l2:
                if carry:
                    self.l2 = (l2, l2_cell)
            elif own and below is not None and l1_raw:
                l2, l2_cell = self._cell(below, self.c2)[:2]  # the group below's 二级 too
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

    def _block_below(self, r: int, c: int) -> Optional[int]:
        """The row where a merged block of written 一级 text starts just below ``r`` (past a few
        more blank, unmerged cells: several rows inserted at once); None when there is none."""
        sheet = self.ctx.sheet
        for k in range(r + 1, r + 6):
            m = sheet.merge_of(k, c)
            if m is not None and m[0] == k and m[2] > k and self.ctx.text(k, c):
                return k
            if m is not None or self.ctx.text(k, c):
                return None
        return None

    def _block_ended(self, a1: str, r: int) -> bool:
        """Whether the group above came from a merged block that ends above ``r`` (a group
        written once over blank cells, as flattened copies do, goes on instead)."""
        if not a1:
            return False
        m = self.ctx.sheet.merge_of(*parse_ref(a1))
        return m is not None and m[2] < r and m[2] > m[0]


def _settle_between(ctx: SheetContext, indicators: list[Indicator], groups: dict[str, Level1Group],
                    between: dict[int, tuple[tuple[str, str, str, str], tuple[str, str, str, str]]]) -> None:
    """Rows inserted between two merged 一级 blocks go where the groups' declared weights
    ("效益指标（30分）") say they belong: to the one side whose declared weight their 分值 makes
    up. Otherwise they stay in no group and are reported (indicator.ungrouped): never silently
    added to, or left out of, a group's sum."""
    def weight(ind: Indicator) -> float:
        cell = ind.weight
        got = parse_points(cell.value) if cell is not None and not cell.blank and not cell.error else None
        return got or 0.0

    sums: dict[str, float] = {}
    for i, ind in enumerate(indicators):
        if i not in between:
            sums[ind.level1] = sums.get(ind.level1, 0.0) + weight(ind)
    # Rows inserted together (consecutive, between the same two groups) go together.
    blocks: list[list[int]] = []
    for i in sorted(between):
        if blocks and blocks[-1][-1] == i - 1 and between[blocks[-1][-1]][0][0] == between[i][0][0] \
                and between[blocks[-1][-1]][1][0] == between[i][1][0]:
            blocks[-1].append(i)
        else:
            blocks.append([i])
    for block in blocks:
        added = sum(weight(indicators[i]) for i in block)
        fits = []
        for raw, cell, l2, l2_cell in between[block[0]]:
            name, declared = split_weight_suffix(raw)
            name = _canonical_level1(name)
            if declared is not None and abs(sums.get(name, 0.0) + added - declared) <= 1e-6:
                fits.append((name, cell, l2, l2_cell))
        if len(fits) == 1:
            name, cell, l2, l2_cell = fits[0]
            for i in block:
                indicators[i] = fast_replace(indicators[i], level1=name, level1_cell=cell, level2=clean_text(l2),
                                             level2_cell=l2_cell)
            sums[name] = sums.get(name, 0.0) + added
            continue
        (above, *_), (below, *_) = between[block[0]]
        for i in block:
            ind = indicators[i]
            ctx.add(Severity.WARNING, "indicator.ungrouped",
                    f"第 {ind.row} 行指标「{ind.name}」插在「{split_weight_suffix(above)[0]}」与"
                    f"「{split_weight_suffix(below)[0]}」两组之间，一级指标单元格为空且不在合并区域内，无法确定所属一级指标，"
                    "未计入任何一级指标的分值合计；请把该行移入所属合并区域，或填写一级指标",
                    ind.level1_cell or ind.name_cell, None, ind.name)


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
        indicators[j] = fast_replace(indicators[j], level1=name, level1_cell=cell)
    group = groups.get(name)
    if group is None or not group.label:  # made from the 二级 alone: the written cell names it
        groups[name] = Level1Group(name=name, label=raw, cell=cell, declared_weight=weight)


def _own_labels(ctx: SheetContext, row: int, last_col: int) -> list[tuple[int, str]]:
    """(column, normalised text) of the text cells in columns 1 … last_col that anchor in this
    row (a merge reaching down from above belongs to the row it starts in)."""
    out = []
    for c, t in ctx.labels(row):
        if c > last_col:
            break
        out.append((c, t))
    return out


def _own_value(ctx: SheetContext, row: int, col: int) -> bool:
    """Whether (row, col) holds a value of its own: not blank, not a dash, and not shown from a
    merge that starts elsewhere (a 总分 label spanning the value columns)."""
    pos = (row, col)
    if ctx.sheet._anchor.get(pos, pos) != pos:
        return False
    cell = ctx.sheet.cells.get(pos)
    if cell is None or cell.blank:
        return False
    return not (isinstance(cell.value, str) and cell.value.strip() in _PLACEHOLDERS)


def _summary_kind(ctx: SheetContext, row: int, labels: list[tuple[int, str]], cols: dict[str, int], valued: bool
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


def _is_note(ctx: SheetContext, row: int, col: int, text: str, name_col: int) -> bool:
    """A remark or sign-off line under the table (注：…, 说明, 填表人：…). A name in the 三级
    column that merely starts with such a word ("注册企业数量", "说明会场次") is not one."""
    if not text.startswith(NOTE_PREFIXES):  # nearly every row: one call, no generator
        return False
    prefix = next(p for p in NOTE_PREFIXES if text.startswith(p))
    if text == prefix or col < name_col or text[len(prefix)] in _NOTE_TAIL:
        return True
    raw = ctx.text(*ctx.sheet.anchor(row, col))
    return any(ch in ":：" for ch in raw[:len(prefix) + 3])


def _is_remark(ctx: SheetContext, row: int, first_col: int, first: str, left_col: int, cols: dict[str, int],
               valued: bool) -> bool:
    """A free-text line inside the table, such as Yunnan's 其他需要说明事项 | 无 before 总分: one
    cell spanning the name and target columns, or a label in the block column (left of the
    indicator columns, where the merged 绩效指标 label stands) with no value beside it."""
    name, target = cols.get("name"), cols.get("target")
    if name is not None and target is not None:
        anchors = ctx.sheet._anchor  # Sheet.anchor, inlined: asked of every indicator row
        a, b = anchors.get((row, name), (row, name)), anchors.get((row, target), (row, target))
        if a[0] == row and a == b:
            return True
    if valued or not first or first_col >= left_col or first.isdigit():
        return False
    return not any(_own_value(ctx, row, cols[k]) for k in ("weight", "score") if k in cols)


def _subtotal(ctx: SheetContext, row: int, label: tuple[int, str], cols: dict[str, int], level1: str, level2: str,
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


def _spans_table(ctx: SheetContext, row: int, left_col: int, cols: dict[str, int]) -> bool:
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
