"""转移支付（区域）绩效目标自评表: telling one by its title, its name and departments, the columns of
its funds block (全年预算数 / 全年执行数, or 下达数 / 到位数 / 支出数), its 资金管理情况 block, and the
note that says what was read and how it is judged (issue 12 §2).

Counties file one for each central or provincial transfer (中央对地方转移支付区域绩效自评表,
专项资金区域绩效目标自评表). Its funds rows 中央补助 / 中央财政资金, 地方资金 / 省级 / 市级 / 县级资金,
彩票公益金 and 其他资金 are the parts of 年度资金总额; its indicator block is a project table's,
often without 分值 / 得分 (then the table is checked and each indicator's completion given, but it
is not scored). The funds rows themselves are read by read.dept_funds with this module's columns.
"""

from __future__ import annotations

import re
from typing import Optional

from perf_xlsx.a1 import ref
from perf_xlsx.model import FundsRow, Indicator, ManagementRow, SourceRow
from perf_xlsx.read.labels import (
    Pred,
    SheetContext,
    find_prefixed,
    first_labelled_value,
    row_map,
    value_right_of,
)
from perf_xlsx.read.tasks import task_header
from perf_xlsx.values import clean_text, parse_money, parse_number

_TRANSFER_TITLE_RE = re.compile(r"转移支付[^。；;，,]{0,20}?(?:自评表|评价表|评分表|自评)|区域绩效(?:目标)?自评表")

# The funds columns of a transfer table: a project's (全年预算数 / 全年执行数 / 执行率), and the
# allocation form's 下达数 (planned, read as ``initial``), 到位数 (``arrived``, the base of the
# rate) and 支出数. 到位率 is a rate of arrival, no amount: mapped to a key nothing reads.
TRANSFER_FUNDS_COLUMNS: list[tuple[str, Pred]] = [
    ("weight", lambda t: t.startswith(("分值", "权重")) or t.endswith(("权重", "分值"))),
    ("score", lambda t: "得分" in t),
    ("_arrival_rate", lambda t: "到位率" in t),
    ("rate", lambda t: "执行率" in t or "支出率" in t),
    ("balance", lambda t: "结余" in t or "结存" in t),
    ("arrived", lambda t: "到位" in t),
    ("initial", lambda t: t.startswith("年初") or "下达" in t or t.startswith(("计划", "资金计划", "安排"))),
    ("executed", lambda t: any(k in t for k in ("执行数", "实际支出", "支出数", "执行金额", "资金支出", "已支出"))
     or t in ("支出", "支出金额")),
    ("full_year", lambda t: any(k in t for k in ("预算数", "调整后预算", "预算资金", "全年预算", "批复金额"))),
]

_MANAGEMENT_LABELS = ("资金管理情况", "资金管理", "资金使用管理情况", "资金管理使用情况")
# The items of a 资金管理情况 block (分配科学性, 下达及时性, 拨付合规性, 使用规范性, 执行准确性,
# 预算绩效管理情况, 支出责任履行情况 …); a label with one of these words is an item.
_MANAGEMENT_ITEMS = ("分配", "下达", "拨付", "使用", "执行", "绩效管理", "支出责任", "监管", "监督", "管理", "财务",
                     "资金", "总体", "综合", "总评", "小结", "整体")
_SUMMARY_ITEMS = ("总体", "综合", "总评", "小结", "整体情况")
# Header words of its columns (存在的问题及改进措施, 情况说明, 具体情况 …): short labels only, so an
# item's own text beside the block label ("资金按因素法分配，不存在问题") is not taken for a header.
_STATUS_HEADERS = ("说明", "情况")
_PROBLEM_HEADERS = ("问题", "整改", "改进措施")
_BLOCK_ENDS = ("总体目标", "年度总体目标", "绩效指标", "一级指标", "三级指标", "目标", "预期目标", "实际完成", "资金投入")
TRANSFER_NAME_LABELS = ("转移支付(项目)名称", "转移支付名称", "转移支付项目名称", "专项名称", "专项资金名称", "资金名称",
                        "项目名称")


def is_transfer_table(ctx: SheetContext) -> bool:
    """Whether the sheet's title (a cell of rows 1-12) names a 转移支付 / 区域绩效 self-evaluation
    table, or its heading block names a 转移支付（项目）名称."""
    for r in ctx.label_rows(range(1, min(ctx.sheet.max_row, 12) + 1)):
        for _, t in ctx.labels(r):
            if ("项目支出" in t or "部门整体" in t) and "区域" not in t:
                continue  # 转移支付项目支出绩效自评表: a project (or 部门整体) table of transfer money
            if _TRANSFER_TITLE_RE.search(t):
                return True
            if t.startswith(("转移支付(项目)名称", "转移支付名称", "转移支付项目名称")):
                return True
    return False


def transfer_name(ctx: SheetContext, rows: range) -> tuple[str, str]:
    """The transfer's name (转移支付（项目）名称 / 项目名称 / 专项名称) and its cell; ("", "") when none."""
    stops = ("中央主管部门", "地方主管部门", "主管部门", "资金使用单位", "实施单位") + TRANSFER_NAME_LABELS
    return first_labelled_value(ctx, TRANSFER_NAME_LABELS, rows, stops, 14)


def transfer_departments(ctx: SheetContext, rows: range) -> tuple[str, str]:
    """(主管部门, 资金使用单位): the local 主管部门 first (the county's), else the central one."""
    stops = ("中央主管部门", "地方主管部门", "主管部门", "资金使用单位", "实施单位", "项目名称")
    found: dict[str, str] = {}
    for r, c in find_prefixed(ctx, ("地方主管部门", "中央主管部门", "主管部门", "资金使用单位", "实施单位"), rows, 10):
        key = ctx.norm(r, c)
        value, _ = value_right_of(ctx, r, c, stops)
        for prefix in ("地方主管部门", "中央主管部门", "主管部门", "资金使用单位", "实施单位"):
            if key.startswith(prefix):
                found.setdefault(prefix, value)
                break
    dept = found.get("地方主管部门") or found.get("主管部门") or found.get("中央主管部门") or ""
    impl = found.get("资金使用单位") or found.get("实施单位") or ""
    return dept, impl


def transfer_funds_columns(ctx: SheetContext, header: int, basis: Optional[str] = None
                           ) -> tuple[dict[str, int], str]:
    """The funds columns of ``header`` as FundsRow keys, and the basis they give: "allocation"
    when an 到位 column is the base of the rate (full_year = 到位, initial = 下达 / 计划, or the
    全年预算数 when no 下达 column), else "budget". ``basis="budget"`` asks for the budget reading
    of a header that has both a 全年预算数 and an 到位 column (the 到位 column is then not read)."""
    cols = row_map(ctx, header, TRANSFER_FUNDS_COLUMNS)
    cols.pop("_arrival_rate", None)
    cols.pop("balance", None)
    if "arrived" not in cols:
        return cols, "budget"
    if basis == "budget" and "full_year" in cols:
        cols.pop("arrived")
        return cols, "budget"
    arrived = cols.pop("arrived")
    budget = cols.pop("full_year", None)
    if "initial" not in cols and budget is not None:
        cols["initial"] = budget
    cols["full_year"] = arrived
    return cols, "allocation"


def rate_says_budget(ctx: SheetContext, header: int, funds: tuple[FundsRow, ...], unit: str) -> bool:
    """Whether a header with both a 全年预算数 and an 到位 column (and no 下达) computes its 执行率 on
    the budget: the total row's entered rate agrees with 执行 ÷ 预算 and not with 执行 ÷ 到位.
    Without such a rate the 到位 reading stands (the form names its money by arrival)."""
    cols = row_map(ctx, header, TRANSFER_FUNDS_COLUMNS)
    if not ("arrived" in cols and "full_year" in cols) or any(k == "initial" for k in cols):
        return False
    total = next((r for r in funds if r.kind == "total"), None)
    if total is None or total.rate is None or total.rate.blank:
        return False
    shown = parse_number(total.rate.value, percent_format=total.rate.percent_format)
    budget, arrived, spent = (parse_money(c.value, unit) if c is not None and not c.blank else None
                              for c in (total.initial, total.full_year, total.executed))
    if shown is None or spent is None or not budget or not arrived:
        return False
    # parse_number gives percentage points for "95%" and percent-formatted cells; a bare 0.95 is
    # a fraction, a bare 95 points.
    points = shown * 100 if shown <= 1.5 and "%" not in total.rate.text and not total.rate.percent_format else shown

    def near(base: float) -> bool:
        return abs(points - spent / base * 100) <= 0.5  # a rate shown to a point or better

    return near(budget) and not near(arrived)


def funds_headers(ctx: SheetContext, header: int, cols: dict[str, int]) -> tuple[tuple[str, str], ...]:
    """(column key, header as written) of the funds columns read, in column order."""
    return tuple((k, clean_text(ctx.text(header, c))) for k, c in sorted(cols.items(), key=lambda kv: kv[1]))


def find_transfer_funds_header(ctx: SheetContext, rows: range, skip: Optional[int] = None) -> Optional[int]:
    """The header of a transfer table's funds block: an 执行 / 支出 column and a 预算数 / 下达 / 到位
    column (not a 年度主要任务 header; not ``skip``, a funds-by-source header read elsewhere)."""
    def is_header(r: int) -> bool:
        cols, _ = transfer_funds_columns(ctx, r)
        return "executed" in cols and ("full_year" in cols or "initial" in cols) and task_header(ctx, r) is None

    for r in ctx.label_rows(rows):
        if r == skip or not is_header(r):
            continue
        # Two header rows (资金到位 over 下达数 | 到位数, 资金支出 over 支出数 | 执行率): the group row
        # maps too, but only the row under it names each column.
        return r + 1 if r + 1 < rows.stop and is_header(r + 1) else r
    return None


# --- 资金管理情况 ----------------------------------------------------------------------------


def find_management_label(ctx: SheetContext, rows: range) -> Optional[tuple[int, int]]:
    for r, c in find_prefixed(ctx, _MANAGEMENT_LABELS, rows, 12):
        return r, c
    return None


def _text_at(ctx: SheetContext, row: int, col: Optional[int]) -> tuple[str, str]:
    """The text the row itself holds in ``col`` (not a member of a taller merge) and its cell."""
    if col is None:
        return "", ""
    anchor = ctx.sheet.anchor(row, col)
    if anchor[0] != row:
        return "", ""
    return clean_text(ctx.text(*anchor)), ref(*anchor)


def read_management(ctx: SheetContext, at: tuple[int, int], stop: int) -> tuple[ManagementRow, ...]:
    """The rows of a 资金管理情况 block whose label is at ``at``: each item (分配科学性 …) with the
    text beside it, split into 情况说明 and 存在问题 where the block's header names them."""
    r0, c0 = at
    merge = ctx.sheet.merge_of(r0, c0)
    label_end = merge[3] if merge else c0
    block_end = merge[2] if merge else r0
    status_col = problems_col = None
    for c, t in ctx.labels(r0):
        if c <= label_end or len(t) > 12:
            continue
        if problems_col is None and any(k in t for k in _PROBLEM_HEADERS):
            problems_col = c
        elif status_col is None and any(k in t for k in _STATUS_HEADERS):
            status_col = c
    first = r0 + 1 if (status_col is not None or problems_col is not None) else r0
    out: list[ManagementRow] = []
    for r in range(first, stop):
        labels = [(c, t) for c, t in ctx.labels(r) if c > label_end]
        left = [(c, t) for c, t in ctx.labels(r) if c <= label_end]
        if left and r > block_end:
            break  # a label in the block's own column starts the next block
        if not labels:
            if r > block_end:
                break
            continue
        c, t = labels[0]
        if t.startswith(_BLOCK_ENDS) or (r > block_end and not any(k in t for k in _MANAGEMENT_ITEMS)):
            break
        item_cell = ref(*ctx.sheet.anchor(r, c))
        item_merge = ctx.sheet.merge_of(r, c)
        after = item_merge[3] if item_merge else c
        if status_col is not None or problems_col is not None:
            status, status_cell = _text_at(ctx, r, status_col)
            problems, problems_cell = _text_at(ctx, r, problems_col)
        else:
            # No header: the first text right of the item says how it went, a second one (in a
            # cell of its own) the problems.
            texts: list[tuple[str, str]] = []
            for cc in range(after + 1, ctx.sheet.max_col + 1):
                got = _text_at(ctx, r, cc)
                if got[0] and got[1] not in (t[1] for t in texts):
                    texts.append(got)
            status, status_cell = texts[0] if texts else ("", "")
            problems, problems_cell = texts[1] if len(texts) > 1 else ("", "")
        name = clean_text(ctx.text(*ctx.sheet.anchor(r, c)))
        out.append(ManagementRow(row=r, item=name, item_cell=item_cell, status=status, status_cell=status_cell,
                                 problems=problems, problems_cell=problems_cell,
                                 summary=any(k in t for k in _SUMMARY_ITEMS)))
    return tuple(out)


# --- the note --------------------------------------------------------------------------------


def transfer_note(funds_header: Optional[int], funds: tuple[FundsRow, ...], basis: str,
                  headers: tuple[tuple[str, str], ...], management: tuple[ManagementRow, ...],
                  sources: tuple[SourceRow, ...], indicators: tuple[Indicator, ...], weighted: bool) -> str:
    """What was read on a transfer table and how it is judged, once per table."""
    parts = []
    if funds:
        named = dict(headers)
        if basis == "allocation":
            how = (f"按资金到位与支出读取（{named.get('initial', '下达数')} / {named.get('full_year', '到位数')} / "
                   f"{named.get('executed', '支出数')}），执行率 = 支出 ÷ 到位")
        else:
            how = (f"按{named.get('full_year', '全年预算数')} / {named.get('executed', '全年执行数')}读取，"
                   "执行率 = 执行 ÷ 预算")
        n = sum(1 for r in funds if r.kind not in ("total", "detail"))
        parts.append(f"资金表{how}；{n} 项资金来源（中央、地方、其他……）与年度资金总额核对")
    elif funds_header:
        parts.append("资金表未能读取，资金未核对")
    else:
        parts.append("未找到资金表，资金未核对")
    if sources:
        parts.append(f"资金来源表 {sum(1 for s in sources if s.level != 'total')} 级（核对结余 = 到位 − 支出与合计）")
    if management:
        parts.append(f"资金管理情况 {len(management)} 项（按文字读取，核对与存在问题是否矛盾）")
    if not indicators:
        parts.append("未找到绩效指标")
    elif weighted:
        parts.append(f"绩效指标 {len(indicators)} 行，表中有分值栏，按项目支出表的规则评分并定等级")
    else:
        parts.append(f"绩效指标 {len(indicators)} 行没有分值、得分：只核对算术与目标质量，逐项给出完成比例与是否达成，"
                     "不评分、不定等级")
    return "转移支付区域绩效自评表：" + "；".join(parts)

