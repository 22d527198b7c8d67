"""What the scored copy adds to the user's own sheets: a 核定得分 column right of each project
table, a result line under it (核定总分, 等级, 错误 and 警告: the grade where the table is read
and printed), a fill on cells whose entry disagrees with the tool or carries an error or
warning, and a comment saying why. Nothing the unit entered is replaced."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, NamedTuple, Optional

from perf_xlsx.a1 import MAX_COLUMN, parse_ref
from perf_xlsx.judge.numbers import fmt
from perf_xlsx.model import SEVERITY_LABELS, Finding, ProjectScore, Severity
from perf_xlsx.ooxml.names import CT_WORKSHEET, REL_COMMENTS
from perf_xlsx.ooxml.sheet_edit import Edit, SheetEditor
from perf_xlsx.ooxml.sheet_layout import untab
from perf_xlsx.ooxml.text import cell_string, number_text, t_element
from perf_xlsx.write.comments import add_comments, remove_tool_comments
from perf_xlsx.write.context import SEVERITY_RANK, TOOL_HEADER, Build, SheetInfo
from perf_xlsx.write.look import RED, YELLOW, Look, StylePart

#: What the 核定得分 column shows on a row whose 评分标准 is left to a person.
MANUAL_REVIEW = "人工复核"

TOOL_COLUMN_WIDTH = 11
# Entered and computed scores are both two-decimal figures; closer than this they agree.
SCORE_TOLERANCE = 0.005

# (column, first row, last row) of each 核定得分 column, by sheet part.
ToolSpans = dict[str, list[tuple[int, int, int]]]
# (the table's last row, the row of its result line), by sheet part.
ResultRows = dict[str, list[tuple[int, int]]]
# A tool cell before it is written: ("head" | "num" | "text" | "result", value).
_ToolCells = dict[tuple[int, int], tuple[str, Any]]
# How far below a table its result line may go: past the sign-off lines under it, not into
# whatever else the sheet holds further down.
RESULT_LINE_REACH = 30


class Placed(NamedTuple):
    """Where annotate_sheets put the tool's cells, for the print setup."""

    spans: ToolSpans
    results: ResultRows


_BAD_NAME_CHARS = frozenset("[]:*?/\\")


@dataclass
class _Mark:
    error: bool = False
    lines: list[str] = field(default_factory=list)


def note_sheet_names(b: Build) -> None:
    """Renaming would break every formula and name that refers to a sheet: a name Excel may
    refuse is said in 汇总 instead."""
    for s in b.sheets:
        if len(s.name) > 31 or not _BAD_NAME_CHARS.isdisjoint(s.name):
            b.notes.append(f"工作表名「{cell_string(s.name, limit=100)}」超过 31 个字符或含 [ ] : * ? / \\，"
                           "Excel 可能无法打开；工具未改名，请在 WPS/Excel 中改短后再保存")


def annotate_sheets(b: Build, sp: StylePart, look: Look) -> Placed:
    """Tool columns and marks in the original sheets, comments beside the marks; every
    original sheet loses its tab selection (汇总 is the one active sheet now). The edited
    sheets go into ``b.out``; the tool columns and result lines placed are returned."""
    if b.model.tool_sheets or b.model.tool_cells:
        _clear_tool_marks(b, sp)
    marks: dict[str, dict[tuple[int, int], _Mark]] = {}
    tool: dict[str, _ToolCells] = {}
    tool_cols: dict[str, set[int]] = {}
    tool_spans: ToolSpans = {}
    results: ResultRows = {}
    counts = _counts_by_sheet(b.result.findings)
    for ps in b.result.scores:
        sheet = b.sheet_for(ps.project.sheet)
        if sheet is None or not sheet.part or sheet.part not in b.pkg.parts:
            continue
        editor = b.editor(sheet)
        cells, col = _tool_column(ps, editor)
        line = _result_line(ps, editor, cells, counts.get(ps.project.sheet, (0, 0)))
        if line is not None:
            row, c, text, last_row = line
            cells[(row, c)] = ("result", text)
            results.setdefault(sheet.part, []).append((last_row, row))
        tool.setdefault(sheet.part, {}).update(cells)
        if col < 0:
            b.notes.append(f"工作表「{sheet.name}」右侧没有可用的列（其余列均已隐藏或已用到最后一列 XFD），"
                           "核定得分未加在该表上，只列在「评分明细」中")
        elif col:
            tool_cols.setdefault(sheet.part, set()).add(col)
    _collect_marks(b, marks)
    touched = sorted(set(marks) | set(tool), key=lambda p: list(b.pkg.parts).index(p))
    idmaps: list[int] = []
    # A marked cell keeps its format with the fill swapped (one clone per format and fill).
    restyle = {True: partial(sp.styles.clone_xf, fill_id=look.fill_red),
               False: partial(sp.styles.clone_xf, fill_id=look.fill_yellow)}
    for part in touched:
        sheet = next(s for s in b.sheets if s.part == part)
        editor = b.editor(sheet)
        edits: dict[tuple[int, int], Edit] = {}
        for (r, c), (kind, value) in tool.get(part, {}).items():
            edits[(r, c)] = Edit(new_cell=_tool_cell(look, kind, value))
        for (r, c), mark in marks.get(part, {}).items():
            edits[(r, c)] = Edit(restyle=restyle[mark.error])
        editor.apply(edits)
        for col in sorted(tool_cols.get(part, ())):
            editor.set_column_width(col, TOOL_COLUMN_WIDTH)
            rows = [r for r, c in tool.get(part, {}) if c == col]
            tool_spans.setdefault(part, []).append((col, min(rows), max(rows)))
        if edits:
            last_row = max(r for r, _ in edits)
            last_col = max(c for _, c in edits)
            editor.widen_dimension(last_row, last_col)
        if marks.get(part):
            texts = {key: "\n".join(mark.lines) for key, mark in marks[part].items()}
            add_comments(b, sheet, editor, texts, idmaps)
    for part, editor in b.editors.items():
        editor.untab()
        data = editor.to_bytes()
        if data != b.pkg.parts[part]:
            b.out[part] = data
    for s in b.sheets:
        if s.part in b.pkg.parts and s.part not in b.editors and s.part not in b.dropped:
            data = untab(b.pkg.parts[s.part])
            if data != b.pkg.parts[s.part]:
                b.out[s.part] = data
    return Placed(tool_spans, results)


_XF_FILL = re.compile(r'\s(?:fillId|applyFill)="[^"]*"')


def _clear_tool_marks(b: Build, sp: StylePart) -> None:
    """A scored copy sent back: the previous scoring's comments go (comments.remove_tool_comments)
    and the cells they were on get their own fill back where it can be told, so that a cell
    fixed since is not left coloured without a reason. The mark was the cell's format with the
    tool's red or yellow fill (annotate_sheets): the one format of the workbook equal to it
    but for its fill is the cell's own; with several such formats, of different fills, which
    was the cell's cannot be told and the mark stays."""
    fills = sp.styles.fills()
    ours = {i for i, f in enumerate(fills)
            if re.search(rf'<(?:[\w.-]+:)?fgColor\b[^>]*\brgb="(?:{RED}|{YELLOW})"', f, re.I)}
    xfs = sp.styles.xfs

    def fill_of(xf: str) -> Optional[int]:
        m = re.search(r'\bfillId="(\d+)"', xf[: xf.index(">") + 1])
        return int(m.group(1)) if m else None

    # By a format's text without its fill: the user's format of that kind, None when several
    # of different fills share it.
    own: dict[str, Optional[int]] = {}
    for i, xf in enumerate(xfs):
        fill = fill_of(xf)
        if fill in ours:
            continue
        key = _XF_FILL.sub("", xf)
        if key not in own:
            own[key] = i
            continue
        first = own[key]
        if first is not None and fill_of(xfs[first]) != fill:
            own[key] = None

    def restored(index: int) -> Optional[int]:
        return own.get(_XF_FILL.sub("", xfs[index]))

    any_removed = False
    for s in b.sheets:
        if not s.part or s.part in b.dropped or s.part not in b.pkg.parts or \
                b.ct.type_of(s.part) != CT_WORKSHEET:
            continue
        if not any(r.type == REL_COMMENTS for r in b.pkg.rels(s.part)):
            continue  # no comments: the sheet is not opened for editing
        editor = b.editor(s)
        cells = remove_tool_comments(b, s, editor)
        any_removed = any_removed or bool(cells)
        edits: dict[tuple[int, int], Edit] = {}
        for row, col in cells:
            cell = editor.cell(row, col)
            if cell is None or not 0 <= cell.style < len(xfs) or fill_of(xfs[cell.style]) not in ours:
                continue
            back = restored(cell.style)
            b.marks_restored = back is not None and b.marks_restored is not False
            if back is not None:
                edits[(row, col)] = Edit(restyle=partial(_style_to, back))
        editor.apply_now(edits)
    if any_removed:
        b.replaced.append("单元格批注")


def _style_to(index: int, _old: int) -> int:
    return index


def _counts_by_sheet(findings: list[Finding]) -> dict[Optional[str], tuple[int, int]]:
    """(errors, warnings) by sheet, as 汇总 counts them per project."""
    out: dict[Optional[str], tuple[int, int]] = {}
    for f in findings:
        e, w = out.get(f.sheet, (0, 0))
        if f.severity is Severity.ERROR:
            out[f.sheet] = (e + 1, w)
        elif f.severity is Severity.WARNING:
            out[f.sheet] = (e, w + 1)
    return out


def result_text(ps: ProjectScore, errors: int, warnings: int) -> str:
    """The one-line result under a table: what the tool made of it, where it is printed."""
    score = fmt(ps.score) if ps.score is not None else "未核定"
    grade = ps.grade or ("未定级" if ps.ungraded or ps.score is None else "—")
    if not ps.grade and ps.ungraded:
        # Why, in its first clause ("1 行评分标准须人工复核"): the whole reason is in 汇总.
        grade += f"（{ps.ungraded.split('，')[0]}）"
    return f"核定总分 {score}　等级 {grade}　错误 {errors}，警告 {warnings}"


def _result_line(ps: ProjectScore, editor: SheetEditor, cells: _ToolCells,
                 counts: tuple[int, int]) -> Optional[tuple[int, int, str, int]]:
    """(row, column, text, the table's last row) of the project's result line: in the table's
    first column, on the first free row below the table (a blank row before the sign-off
    lines, or the row after them); None when the rows below are all taken."""
    p = ps.project
    rows = [r for r, _ in cells]
    for ref in (p.total_label_cell, p.total_score.ref if p.total_score is not None else ""):
        if ref:
            rows.append(parse_ref(ref)[0])
    rows += [r.indicator.row for r in ps.indicators]
    if not rows:
        return None
    last_row = max(rows)
    col = 1
    if p.total_label_cell:
        col = parse_ref(p.total_label_cell)[1]
    hidden = editor.hidden_columns()
    while any(lo <= col <= hi for lo, hi in hidden) and col < MAX_COLUMN:
        col += 1
    for row in range(last_row + 1, last_row + 1 + RESULT_LINE_REACH):
        if editor.row_is_free(row):
            return row, col, result_text(ps, *counts), last_row
    return None


def _tool_cell(look: Look, kind: str, value: Any) -> Callable[[str, str], str]:
    def make(ref: str, prefix: str) -> str:
        p = prefix
        if kind == "num":
            v = number_text(value)
            if v is not None:
                return f'<{p}c r="{ref}" s="{look.tool_num}"><{p}v>{v}</{p}v></{p}c>'
            return f'<{p}c r="{ref}" s="{look.tool_num}"/>'
        style = look.tool_head if kind == "head" else look.result if kind == "result" else look.tool_text
        text = cell_string(value)
        return (f'<{p}c r="{ref}" s="{style}" t="inlineStr"><{p}is>{t_element(text, p)}'
                f"</{p}is></{p}c>")

    return make


def _tool_column(ps: ProjectScore, editor: SheetEditor) -> tuple[_ToolCells, int]:
    """Cells of the 核定得分 column for one project: header, funds row, indicators, total;
    and its column (0 for none, -1 when no column is left right of the table)."""
    p = ps.project
    values: dict[int, tuple[str, Any]] = {}
    total_row = next((r for r in p.funds if r.kind == "total"), None)
    if total_row is not None and total_row.row and ps.funds.score is not None:
        values[total_row.row] = ("num", ps.funds.score)
    for r in ps.indicators:
        if not r.applicable:
            values[r.indicator.row] = ("text", "不适用")
        elif r.issue == "manual":  # a 评分标准 the tool cannot judge: no 核定 figure of its own
            values[r.indicator.row] = ("text", MANUAL_REVIEW)
        elif r.issue == "no_weight" and r.score_entered is None and not p.kind.weights_required:
            # A 转移支付 goal sheet without 分值 is not scored: the row's completion, not a 0.
            values[r.indicator.row] = ("text", "—" if r.completion is None else f"完成 {fmt(r.completion * 100)}%")
        else:
            values[r.indicator.row] = ("num", r.counted)
    total_ref = p.total_score.ref if p.total_score is not None else p.total_label_cell
    if total_ref and ps.score is not None:
        values[parse_ref(total_ref)[0]] = ("num", ps.score)
    if not values:
        return {}, 0
    heads = []
    if p.funds_header_row:
        heads.append(p.funds_header_row)
    if p.indicator_header_row and p.indicator_header_row not in values:
        heads.append(p.indicator_header_row)
    first_row = min(list(values) + heads)
    last_row = max(list(values) + heads)
    col = editor.right_edge(first_row, last_row) + 1
    # A hidden column there would hide the tool's scores: the next visible one is used (the
    # user's hidden columns stay hidden, whatever they hold elsewhere).
    for lo, hi in sorted(editor.hidden_columns()):
        if lo <= col <= hi:
            col = hi + 1
    if col > MAX_COLUMN:
        # Hidden through XFD ("hide all unused columns") or content in the last column:
        # no column left to show the scores in, and one past XFD would not open at all.
        return {}, -1
    out: _ToolCells = {}
    # Right of every value and merge in these rows: the column is free by construction.
    for row in heads:
        out[(row, col)] = ("head", TOOL_HEADER)
    for row, v in values.items():
        out[(row, col)] = v
    return out, col


def _collect_marks(b: Build, marks: dict[str, dict[tuple[int, int], _Mark]]) -> None:
    """The cells to mark, by part: where an error or warning points, and where an entered
    score differs from the tool's."""
    by_cell: dict[tuple[str, tuple[int, int]], list[Finding]] = {}
    # Findings name few sheets: whether each can carry marks is settled once.
    markable: dict[Optional[str], Optional[SheetInfo]] = {}
    for f in b.result.findings:
        if f.sheet in markable:
            sheet = markable[f.sheet]
        else:
            sheet = b.sheet_for(f.sheet)
            if sheet is None or not sheet.part or sheet.part not in b.pkg.parts or \
                    b.ct.type_of(sheet.part) != CT_WORKSHEET:
                sheet = None
            markable[f.sheet] = sheet
        if sheet is None or not f.cell:
            continue
        try:
            row, col = parse_ref(f.cell.split(":")[0])
        except ValueError:
            continue
        key = (sheet.part, b.editor(sheet).anchor(row, col))
        by_cell.setdefault(key, []).append(f)
    diffs: dict[tuple[str, tuple[int, int]], str] = {}
    for ps in b.result.scores:
        sheet = b.sheet_for(ps.project.sheet)
        if sheet is None or not sheet.part or sheet.part not in b.pkg.parts:
            continue
        editor = b.editor(sheet)
        checks: list[tuple[Optional[str], Optional[float], Optional[float]]] = [
            (r.indicator.entered_cell.ref, r.score_entered, r.counted) for r in ps.indicators
            if r.applicable and r.indicator.entered_cell is not None and r.issue != "manual"]
        checks.append((ps.funds.score_cell, ps.funds.score_entered, ps.funds.score))
        if ps.project.total_score is not None:
            checks.append((ps.project.total_score.ref, ps.score_entered, ps.score))
        for ref, entered, computed in checks:
            if ref and entered is not None and computed is not None and \
                    abs(entered - computed) > SCORE_TOLERANCE:
                row, col = parse_ref(ref)
                key = (sheet.part, editor.anchor(row, col))
                diffs[key] = f"自评 {fmt(entered)}，核定 {fmt(computed)}"
    keys = set(diffs)
    keys.update(k for k, fs in by_cell.items() if any(f.severity is not Severity.INFO for f in fs))
    for key in sorted(keys):
        findings = sorted(by_cell.get(key, ()), key=lambda f: SEVERITY_RANK[f.severity])
        mark = _Mark(error=any(f.severity is Severity.ERROR for f in findings))
        mark.lines = [f"【{SEVERITY_LABELS[f.severity]}】{f.message}" for f in findings]
        if key in diffs:
            mark.lines.append(diffs[key])
        marks.setdefault(key[0], {})[key[1]] = mark
