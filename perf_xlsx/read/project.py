"""The tables of one sheet, and each table's heading, funds block and overall goal.

A sheet may hold several 项目支出 tables (each starts at its 项目名称 label) or one 部门整体
table; the indicator block is read by read.indicators, what is particular to 部门整体 tables by
read.department.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Optional

from perf_xlsx.a1 import ref
from perf_xlsx.model import (
    FundsGroup,
    FundsRow,
    Indicator,
    Level1Group,
    ManagementRow,
    Project,
    Severity,
    SourceRow,
    Subtotal,
    TableKind,
    TaskRow,
    new_funds_row,
    new_project,
)
from perf_xlsx.read.department import (
    department_name,
    department_note,
    find_rubric_header,
    is_department_table,
    rubric_columns,
)
from perf_xlsx.read.dept_funds import read_department_funds
from perf_xlsx.read.funds_sources import (
    find_sources_header,
    funds_from_sources,
    read_sources,
    read_transposed_sources,
    source_headers,
)
from perf_xlsx.read.goal import read_goal
from perf_xlsx.read.indicators import (
    find_indicator_header,
    has_indicator_header,
    indicator_columns,
    read_indicators,
)
from perf_xlsx.read.labels import (
    FUNDS_COLUMNS,
    PROJECT_LABELS,
    Pred,
    SheetContext,
    after_colon,
    find_prefixed,
    is_list_header,
    row_map,
    value_right_of,
)
from perf_xlsx.read.tasks import find_task_header, read_tasks, task_header
from perf_xlsx.read.transfer import (
    find_management_label,
    find_transfer_funds_header,
    funds_headers,
    is_transfer_table,
    rate_says_budget,
    read_management,
    transfer_departments,
    transfer_funds_columns,
    transfer_name,
    transfer_note,
)
from perf_xlsx.values import clean_text, normalize_label

FUNDS_ROW_KINDS: list[tuple[str, Pred]] = [
    ("total", lambda t: any(k in t for k in ("资金总额", "年度资金总额", "合计", "总额", "总计", "总资金"))),
    ("current_appropriation", lambda t: "财政拨款" in t),
    ("carry_over", lambda t: "上年结转" in t or "结转" in t),
    ("other", lambda t: t.startswith("其他资金") or t == "其他"),
]

# A 其中 row under 年度资金总额 names a source of money; anything else ends the funds block.
FUNDS_COMPONENT_WORDS = ("资金", "拨款", "收入", "预算", "基金", "补助", "其中", "结转", "结余", "专户", "自筹",
                         "经费", "贷款", "债券")
_FUNDS_BLOCK_LABELS = ("项目资金", "资金情况", "预算执行")
YEAR_RE = re.compile(r"((?:19|20)\d{2})年")
# "单位：万元" on its own, not 实施单位：元谋县… or 预算单位：元宝山区… (a unit ends its phrase).
UNIT_RE = re.compile(r"(?:(?<![\u4e00-\u9fff])单位|金额单位|资金单位)[:：]?\s*(亿元|万元|千元|元)(?=$|[\s);,，；。.、/（(）])")


def read_sheet_tables(ctx: SheetContext) -> list[Project]:
    """The 项目支出 tables of a sheet, each from its 项目名称 label to the next one, or its one
    部门整体 table; [] when the sheet holds neither."""
    sheet = ctx.sheet
    all_rows = range(1, sheet.max_row + 1)
    # A label cell, or "项目名称：某项目" in one cell; not a sentence that merely starts with it.
    labels = [(r, c) for r, c in find_prefixed(ctx, PROJECT_LABELS, all_rows)
              if len(ctx.norm(r, c)) <= 8 or after_colon(ctx.text(r, c))]
    # 项目名称 used as a column header (unit sheets) has money columns in the same row.
    labels = [(r, c) for r, c in labels if not is_list_header(ctx, r)]
    if is_transfer_table(ctx):
        kind = TableKind.TRANSFER
    else:
        kind = TableKind.DEPARTMENT if is_department_table(ctx) else TableKind.PROJECT
    # A 部门整体 or 转移支付 table is one table to the sheet, from its title down.
    whole = kind is not TableKind.PROJECT
    if not labels:
        if whole or has_indicator_header(ctx, all_rows):
            labels = [(1, 1)] if whole else []
        if not labels:
            return []
    starts = [r for r, _ in labels]
    projects = []
    for i, (row, col) in enumerate(labels):
        prev_end = starts[i - 1] if i else 0
        end = starts[i + 1] - 1 if i + 1 < len(starts) else sheet.max_row
        top = max(prev_end + 1, 1) if i == 0 else row - 3
        project = _read_block(ctx, row, col, range(top, end + 1), kind, i + 1, len(labels))
        if project is not None:
            projects.append(project)
    return projects


def title_and_year(ctx: SheetContext, rows: range) -> tuple[Optional[int], str]:
    """The year a title names (2022年度…自评表) and the money unit a line states (单位：万元), in ``rows``."""
    year = None
    unit = ""
    for r in rows:
        # The cells of the row that are their own anchor and hold text: its labels, in order.
        for c, t in ctx.labels(r):
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


def _read_block(ctx: SheetContext, name_row: int, name_col: int, rows: range, kind: TableKind,
                index: int, count: int) -> Optional[Project]:
    sheet = ctx.sheet
    department = kind is TableKind.DEPARTMENT
    transfer = kind is TableKind.TRANSFER
    header_stop = ("主管部门", "实施单位", "项目名称", "单位名称", "项目负责人", "联系电话")
    name, name_ref = ("", ref(name_row, name_col + 1))
    if (name_row, name_col) != (1, 1) or ctx.norm(1, 1).startswith("项目名称"):
        name, name_ref = value_right_of(ctx, name_row, name_col, header_stop)
    if department:
        unit_name, unit_ref = department_name(ctx, rows)
        if unit_name:
            name, name_ref = unit_name, unit_ref
        else:  # findings about the whole table point at its title
            first = ctx.labels_in(rows)[:1]
            name_ref = ref(first[0][0], first[0][1]) if first else ref(rows.start, 1)
    if transfer:
        own, own_ref = transfer_name(ctx, rows)
        if own:
            name, name_ref = own, own_ref
        elif (name_row, name_col) == (1, 1):
            first = ctx.labels_in(rows)[:1]
            name_ref = ref(first[0][0], first[0][1]) if first else ref(rows.start, 1)
    dept = impl = ""
    if transfer:
        # 地方 / 中央主管部门 and 资金使用单位, in their own order of preference.
        dept, impl = transfer_departments(ctx, rows)
    else:
        for r, c in find_prefixed(ctx, ("主管部门", "实施单位", "单位名称", "部门(单位)名称"), rows):
            value, _ = value_right_of(ctx, r, c, header_stop)
            if ctx.norm(r, c).startswith("主管部门"):
                dept = dept or value
            elif ctx.norm(r, c).startswith("实施单位"):
                impl = impl or value
            else:
                dept = dept or value
                impl = impl or value
    source_at = find_sources_header(ctx, rows)
    by_source = source_at is not None and source_at[2]
    skip = source_at[0] if source_at is not None and by_source else None
    funds_header = find_transfer_funds_header(ctx, rows, skip) if transfer else _find_funds_header(ctx, rows)
    if funds_header is not None and funds_header == skip:
        funds_header = None  # the by-source block is read below, not as 年度资金总额 rows
    ind_header = find_rubric_header(ctx, rows) if department else find_indicator_header(ctx, rows)
    # Above the indicators: a 二级指标 named 资金管理 is no block.
    management_at = find_management_label(ctx, range(rows.start, ind_header or rows.stop)) if transfer else None
    year_rows = range(max(rows.start - 6, 1), (funds_header or ind_header or name_row) + 1)
    year, unit = title_and_year(ctx, year_rows)
    if year is None:
        m = YEAR_RE.search(normalize_label(sheet.name))
        year = int(m.group(1)) if m else None
    if not name:
        name = sheet.name if count == 1 else f"{sheet.name}（第{index}个）"
        if kind is TableKind.PROJECT:
            ctx.add(Severity.ERROR, "project.name_missing", "项目名称空白", name_ref)
    funds: tuple[FundsRow, ...] = ()
    groups_of_funds: tuple[FundsGroup, ...] = ()
    tasks: tuple[TaskRow, ...] = ()
    weight_column = funds_header is None or "weight" in row_map(ctx, funds_header, FUNDS_COLUMNS)
    basis = "budget"
    headers: tuple[tuple[str, str], ...] = ()
    management: tuple[ManagementRow, ...] = ()
    sources: tuple[SourceRow, ...] = ()
    source_headers_read: tuple[tuple[str, str], ...] = ()
    if source_at is not None and by_source:
        ends = [r for r in (ind_header, funds_header, management_at[0] if management_at else None)
                if r is not None and r > source_at[0]]
        sources = read_sources(ctx, source_at[0], source_at[1], min(ends, default=rows.stop))
        source_headers_read = source_headers(ctx, source_at[0], source_at[1])
    elif source_at is None:
        transposed = read_transposed_sources(ctx, rows)
        if transposed is not None:
            _, sources, source_headers_read = transposed
    if management_at is not None:
        ends = [r for r in (ind_header, funds_header) if r is not None and r > management_at[0]]
        management = read_management(ctx, management_at, min(ends, default=rows.stop))
    if transfer and funds_header:
        cols_of_funds, basis = transfer_funds_columns(ctx, funds_header)
        weight_column = "weight" in cols_of_funds
        headers = funds_headers(ctx, funds_header, cols_of_funds)
        ends = [r for r in (ind_header, management_at[0] if management_at else None, skip)
                if r is not None and r > funds_header]
        funds, groups_of_funds = read_department_funds(ctx, funds_header, rows, min(ends, default=None),
                                                       cols_of_funds)
        if basis == "allocation" and rate_says_budget(ctx, funds_header, funds, unit or "万元"):
            # 全年预算数 and 资金到位 side by side, the sheet's 执行率 taken on the budget: read it so.
            cols_of_funds, basis = transfer_funds_columns(ctx, funds_header, "budget")
            headers = funds_headers(ctx, funds_header, cols_of_funds)
            funds, groups_of_funds = read_department_funds(ctx, funds_header, rows, min(ends, default=None),
                                                           cols_of_funds)
        funds = _local_details(funds)
    elif department:
        tasks_header = find_task_header(ctx, rows)
        if funds_header:
            ends = [r for r in (ind_header, tasks_header) if r is not None and r > funds_header]
            funds, groups_of_funds = read_department_funds(ctx, funds_header, rows, min(ends, default=None))
        if tasks_header is not None:
            ends = [r for r in (ind_header, funds_header) if r is not None and r > tasks_header]
            tasks = read_tasks(ctx, tasks_header, range(rows.start, min(ends, default=rows.stop)))
    elif funds_header:
        funds = _local_details(_read_funds(ctx, funds_header, rows, ind_header))
    if not funds and sources and funds_header is None:
        # The by-source block is the table's only funds block: its 合计 and levels are the funds.
        funds = funds_from_sources(sources)
        weight_column = False
        basis = "allocation" if any(s.arrived is not None for s in sources) else "budget"
        headers = source_headers_read
    elif funds_header and not headers:
        headers = funds_headers(ctx, funds_header, row_map(ctx, funds_header, FUNDS_COLUMNS))
    goal = read_goal(ctx, rows, ind_header)
    if funds_header is None and not department and not sources:
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
        cols = indicator_columns(ctx, ind_header)
        if department:
            cols = rubric_columns(ctx, ind_header, cols)
    if cols is None:
        if not department:
            ctx.add(Severity.ERROR, "read.no_indicators", "未找到绩效指标表头（一级指标 / 二级指标 / 三级指标）",
                    name_ref)
    else:
        assert ind_header is not None
        has_weight, has_score = "weight" in cols, "score" in cols
        header_last = ind_header + cols.get("_header_rows", 1) - 1
        indicators, groups, total_row, subtotals = read_indicators(ctx, ind_header, cols, rows)
        if total_row is not None:
            total_label = ref(total_row, _first_text_col(ctx, total_row))
            if "weight" in cols:
                total_weight = ctx.cell(total_row, cols["weight"])
            if "score" in cols:
                total_score = ctx.cell(total_row, cols["score"])
        _note_hidden(ctx, ind_header, total_row or rows.stop - 1)
    present = {k: cols is not None and k in cols for k in ("score", "coefficient", "rule")}
    present["values"] = cols is not None and ("target" in cols or "actual" in cols)
    if transfer:
        weighted = has_weight or any(i.weight is not None and not i.weight.blank for i in indicators)
        ctx.add(Severity.INFO, "read.transfer_table",
                transfer_note(funds_header, funds, basis, headers, management, sources, indicators, weighted),
                ref(rows.start, 1))
    if department:
        ctx.add(Severity.INFO, "read.department_table",
                department_note(funds_header, funds, groups_of_funds, weight_column, tasks, indicators, present),
                ref(rows.start, 1))
    return new_project(sheet=sheet.name, name=name, name_cell=name_ref, department=dept, implementer=impl,
                       year=year, money_unit=unit or "万元", funds=funds, funds_header_row=funds_header or 0,
                       goal_expected=goal.expected, goal_actual=goal.actual,
                       goal_cells=(goal.expected_cell, goal.actual_cell),
                       indicator_header_row=header_last,
                       indicators=indicators, groups=groups, total_weight=total_weight,
                       total_score=total_score, total_label_cell=total_label,
                       has_weight_column=has_weight, has_score_column=has_score or present["coefficient"], kind=kind,
                       subtotals=subtotals, funds_groups=groups_of_funds, funds_weight_column=weight_column,
                       tasks=tasks, has_rule_column=present["rule"], has_value_columns=present["values"],
                       funds_basis=basis, funds_headers=headers, management=management, sources=sources)


_LOCAL_WORDS = ("省级", "市级", "县级", "省", "市", "县", "区级", "州级")


def _local_details(funds: tuple[FundsRow, ...]) -> tuple[FundsRow, ...]:
    """A transfer table's 省级 / 市级 / 县级 rows listed under its 地方资金 row are the parts of that
    row, not further parts of the total: they become "detail" rows (shown, not added twice)."""
    local = next((i for i, r in enumerate(funds) if r.kind == "component" and "地方" in r.label), None)
    if local is None:
        return funds
    out = list(funds)
    for i in range(local + 1, len(out)):
        row = out[i]
        text = row.label.replace("其中", "").lstrip(":： ")
        if row.kind != "component" or not text.startswith(_LOCAL_WORDS):
            break
        out[i] = replace(row, kind="detail")
    return tuple(out)


def _note_hidden(ctx: SheetContext, first: int, last: int) -> None:
    hidden = sorted(r for r in ctx.sheet.hidden_rows if first <= r <= last)
    if hidden:
        ctx.add(Severity.WARNING, "read.hidden_rows",
                f"绩效指标表内有 {len(hidden)} 行被隐藏（第 {', '.join(map(str, hidden[:10]))} 行），已照常读取并评分，请确认",
                ref(hidden[0], 1))


def _first_text_col(ctx: SheetContext, row: int) -> int:
    for c in range(1, ctx.sheet.max_col + 1):
        if ctx.norm(row, c):
            return ctx.sheet.anchor(row, c)[1]
    return 1


# --- funds -----------------------------------------------------------------------------


def _find_funds_header(ctx: SheetContext, rows: range) -> Optional[int]:
    for r in ctx.label_rows(rows):  # a row without labels maps no column
        found = row_map(ctx, r, FUNDS_COLUMNS)
        # A 年度主要任务 header (任务名称 | 预算数 | 执行数) has the money columns too.
        if "executed" in found and ("full_year" in found or "initial" in found) and task_header(ctx, r) is None:
            return r
    return None


def _row_label(ctx: SheetContext, row: int, before_col: int) -> tuple[str, Optional[tuple[int, int]]]:
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


def _unlabelled_total(ctx: SheetContext, row: int, cols: dict[str, int], first_money: int,
                      stop: int) -> Optional[str]:
    """The empty label cell of ``row`` when it is a 年度资金总额 written without its label: amounts
    and a 分值 in the row, and the next labelled row a part of it (其中 / 财政拨款 / 上年结转 /
    其他资金); else None."""
    def filled(key: str) -> bool:
        c = cols.get(key)
        v = ctx.cell(row, c) if c is not None else None
        return v is not None and not v.blank

    if "weight" not in cols or not filled("weight"):
        return None
    if not any(filled(k) for k in ("initial", "full_year", "executed")):
        return None
    for r in range(row + 1, min(row + 4, stop)):
        label, at = _row_label(ctx, r, first_money)
        if not label:
            continue
        if at is None or not (label.startswith("其中") or _funds_kind(label) in (
                "current_appropriation", "carry_over", "other")):
            return None
        # The label column of the parts; the total's own label cell is the same column here.
        anchor = ctx.sheet.anchor(row, at[1])
        return ref(*anchor)
    return None


def _read_funds(ctx: SheetContext, header: int, rows: range, stop_row: Optional[int]) -> tuple[FundsRow, ...]:
    cols = row_map(ctx, header, FUNDS_COLUMNS)
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
            unlabelled = _unlabelled_total(ctx, r, cols, first_money, rows.stop) if not out else None
            if unlabelled is not None:
                values = {key: ctx.cell(r, c) for key, c in cols.items()}
                ctx.add(Severity.WARNING, "read.funds_total_unlabelled",
                        f"项目资金表第一行（第 {r} 行）填有金额和分值，但没有行名；其下是其中/上年结转/其他资金各行，"
                        "按年度资金总额读取，请补上行名「年度资金总额」", unlabelled)
                out.append(new_funds_row(label="年度资金总额", kind="total", label_cell=unlabelled,
                                         row=r, group="", **values))
                continue
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
        out.append(new_funds_row(label=clean_text(raw_label) or label, kind=kind, label_cell=label_ref,
                                 row=r, group="", **values))
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
