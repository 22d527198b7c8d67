"""The 评分明细 sheet: one row per funds block and per indicator, with how the tool scored it
and a link to the cell. Its columns are defined once, as the annotated fields of Line (header,
width, format, value); COLUMNS, the link column, row heights and the filter range follow."""

from __future__ import annotations

from typing import Annotated, Iterable, Iterator, NamedTuple, Optional, get_type_hints

from perf_xlsx.a1 import col_letter
from perf_xlsx.judge.numbers import round2
from perf_xlsx.model import Kind
from perf_xlsx.ooxml.sheet_build import SheetBuilder, line_counter, number_tail, text_tail
from perf_xlsx.ooxml.text import wrapped_lines
from perf_xlsx.results import shown_text
from perf_xlsx.write.context import Build, NewSheet, link_prefix
from perf_xlsx.write.look import Look


class Column(NamedTuple):
    """How one 评分明细 column looks."""

    head: str
    width: float
    style: str  # the Look format of its cells
    number: bool = False  # number cells, else text
    wraps: bool = False  # its wrapped text sets the row height


class Line(NamedTuple):
    """One 评分明细 row. Each field annotated with a Column is a column of the sheet, in field
    order, and the field is its value; ``link`` is where 位置 links to."""

    # Every text column wraps and sets the row height, so a printed page clips nothing (long
    # sheet, project and 二级 names included); the numbers never wrap.
    sheet: Annotated[str, Column("工作表", 12, "text", wraps=True)]
    project: Annotated[Optional[str], Column("项目名称", 18, "text", wraps=True)]
    level1: Annotated[str, Column("一级指标", 10, "text", wraps=True)]
    level2: Annotated[str, Column("二级指标", 12, "text", wraps=True)]
    name: Annotated[str, Column("三级指标", 20, "text", wraps=True)]
    # As the cell shows it: a percentage cell's stored 0.85 as 85% (results.shown_text).
    target_text: Annotated[str, Column("年度指标值", 12, "text", wraps=True)]
    actual_text: Annotated[str, Column("实际完成值", 12, "text", wraps=True)]
    target: Annotated[Optional[float], Column("指标值", 10, "general", number=True)]  # as parsed
    actual: Annotated[Optional[float], Column("实际值", 10, "general", number=True)]
    unit: Annotated[str, Column("单位", 7, "center", wraps=True)]
    kind: Annotated[str, Column("类型", 7, "center", wraps=True)]
    ratio: Annotated[Optional[float], Column("完成比例", 9, "pct", number=True)]
    weight: Annotated[Optional[float], Column("分值", 7, "num", number=True)]
    entered: Annotated[Optional[float], Column("自评得分", 8, "num", number=True)]  # the unit's score
    counted: Annotated[Optional[float], Column("核定得分", 8, "num", number=True)]  # the tool's
    diff: Annotated[Optional[float], Column("自评−核定", 10, "num", number=True)]
    how: Annotated[str, Column("计分说明", 36, "text", wraps=True)]
    # The cell the row is about: drawn as a link (look.link) where its sheet is in the copy.
    ref: Annotated[Optional[str], Column("位置", 8, "center", wraps=True)]
    link: Optional[str] = None


def _placed() -> tuple[tuple[int, Column], ...]:
    """(index in Line, Column) of every column, in order."""
    hints = get_type_hints(Line, include_extras=True)
    return tuple((i, meta) for i, field in enumerate(Line._fields)
                 for meta in getattr(hints[field], "__metadata__", ()) if isinstance(meta, Column))


_PLACED = _placed()
COLUMNS: tuple[Column, ...] = tuple(column for _, column in _PLACED)
_REF, _LINK = Line._fields.index("ref"), Line._fields.index("link")
LINK_COLUMN = 1 + [at for at, _ in _PLACED].index(_REF)  # 1-based, as the sheet counts
LAST_LETTER = col_letter(len(COLUMNS))
TITLE_ROWS = "$1:$1"
_KIND_LABEL = {kind: kind.label for kind in Kind}  # Kind.label builds its table on every call
FOOTER = "&C第 &P 页，共 &N 页"
LINE_HEIGHT = 13.5  # points per line of the 10-point font the sheet is drawn in
PADDING = 4


def row_height(lines: int) -> float:
    """The height (points) a row of ``lines`` wrapped lines is given."""
    return LINE_HEIGHT * lines + PADDING


_WIDTHS = {c: column.width for c, column in enumerate(COLUMNS, 1)}
_HEAD_HEIGHT = row_height(max(2, *(wrapped_lines(c.head, c.width) for c in COLUMNS)))
_HEAD_TAILS: dict[int, list[str]] = {}  # by the header's format index


def build_detail(b: Build, look: Look, name: str, dropped_sheets: frozenset[int]) -> NewSheet:
    """评分明细, header frozen and filtered."""
    sb = SheetBuilder()
    # The header row is the same in every copy but for its format index.
    head = _HEAD_TAILS.get(look.header)
    if head is None:
        if len(_HEAD_TAILS) >= 64:
            _HEAD_TAILS.clear()
        head = _HEAD_TAILS[look.header] = [text_tail(column.head, look.header) for column in COLUMNS]
    sb.put_row(1, head)
    sb.widths.update(_WIDTHS)
    sb.height(1, _HEAD_HEIGHT)
    lines = list(_lines(b, dropped_sheets))
    if lines:
        # Rendered a column at a time, each distinct value once (sheet, project, level and unit
        # names and most scores repeat down a column; equal numbers render alike), and the
        # cells looked up from C: no per-cell call between the values and their tails.
        by_field = list(zip(*lines))
        cells: list[Iterable[str]] = []
        for at, column in _PLACED:
            render, values = number_tail if column.number else text_tail, by_field[at]
            if at == _REF:  # 位置 is a link where its sheet is in the copy
                styles = [look.link if link else look.center for link in by_field[_LINK]]
                cells.append(map(render, values, styles))
                continue
            style = getattr(look, column.style)
            rendered = {value: render(value, style) for value in set(values)}
            cells.append(map(rendered.__getitem__, values))
        # Line counts per distinct value of a column, as the tails above.
        counts = []
        for at, column in _PLACED:
            if column.wraps:
                count, values = line_counter(column.width), by_field[at]
                known = {value: count(value or "") for value in set(values)}
                counts.append(map(known.__getitem__, values))
        heights = map(max, zip(*counts))
        for row, (line, tails, height) in enumerate(zip(lines, zip(*cells), heights), 2):
            if line.link:
                sb.link(row, LINK_COLUMN, line.link, f"转到 {line.sheet}!{line.ref}")
            sb.put_row(row, tails)
            sb.height(row, row_height(height))
    last_row = len(lines) + 1
    data = sb.to_bytes(freeze_rows=1, autofilter=f"A1:{LAST_LETTER}{last_row}", footer=FOOTER)
    return NewSheet(name, data, TITLE_ROWS, f"$A$1:${LAST_LETTER}${last_row}")


def _lines(b: Build, dropped_sheets: frozenset[int]) -> Iterator[Line]:
    """Per project: its funds block, then its indicators."""
    for ps in b.result.scores:
        p, f = ps.project, ps.funds
        at = link_prefix(b, dropped_sheets, p.sheet)  # the same for all the project's rows
        total = next((r for r in p.funds if r.kind == "total"), None)
        ref = f.score_cell or (total.label_cell if total else "") or p.name_cell
        yield Line(sheet=p.sheet, project=p.name, level1="项目资金", level2="", name="预算执行率",
                   target_text="", actual_text="", target=f.budget, actual=f.executed, unit="万元", kind="执行率",
                   ratio=f.rate, weight=f.weight, entered=f.score_entered, counted=f.score,
                   diff=_diff(f.score, f.score_entered), how=f.how, ref=ref,
                   link=at + ref.split(":")[0] if at and ref else None)
        for r in ps.indicators:
            ind = r.indicator
            counted = r.counted if r.applicable and r.issue != "manual" else None  # manual: a person's
            if r.issue == "no_weight" and r.score_entered is None and not p.kind.weights_required:
                counted = None  # a 转移支付 goal sheet without 分值 is not scored
            entered = ind.entered_cell
            ref = entered.ref if entered is not None else (ind.name_cell or f"A{ind.row}")
            target, actual = r.target, r.actual
            yield Line(sheet=p.sheet, project=p.name, level1=ind.level1, level2=ind.level2, name=ind.name,
                       target_text=shown_text(ind.target, target), actual_text=shown_text(ind.actual, actual),
                       target=target.value, actual=actual.value,
                       unit=target.unit or actual.unit or "", kind=_KIND_LABEL[r.kind], ratio=r.ratio, weight=r.weight,
                       entered=r.score_entered, counted=counted, diff=_diff(counted, r.score_entered), how=r.how,
                       ref=ref, link=at + ref.split(":")[0] if at and ref else None)


def _diff(computed: Optional[float], entered: Optional[float]) -> Optional[float]:
    """自评 − 核定, as 汇总.xlsx's 排名 has it: positive where the unit scored itself higher."""
    if computed is None or entered is None:
        return None
    return round2(entered - computed)
