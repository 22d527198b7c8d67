"""A funds block written by source level: 中央 / 省级 / 市级 / 县级 / 其它 as rows, 计划（下达） / 到位 /
支出 / 结余 as columns (issue 12 §3, "rotated funds blocks").

Some transfer and county project tables give their money this way instead of (or besides) the
年度资金总额 / 其中 rows. The block is read into SourceRow rows; where the table has no other funds
block its rows also become the table's funds (合计 the total, each level a part; 到位 the base
of the execution rate), so that the table is never scored on a silent zero. A header of this
shape under which no level row can be read is reported once, naming the block.
"""

from __future__ import annotations

from typing import Optional

from perf_xlsx.a1 import parse_ref, ref
from perf_xlsx.model import FundsRow, Severity, SourceRow
from perf_xlsx.read.labels import Pred, SheetContext, row_map
from perf_xlsx.values import clean_text

SOURCE_COLUMNS: list[tuple[str, Pred]] = [
    ("_rate", lambda t: t.endswith("率") or "率(" in t),
    ("balance", lambda t: "结余" in t or "结存" in t),
    ("arrived", lambda t: "到位" in t),
    ("spent", lambda t: "支出" in t or "执行数" in t),
    ("planned", lambda t: t.startswith(("计划", "资金计划", "下达", "安排", "预算")) or "下达" in t or "计划数" in t),
]
_LEVELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("total", ("合计", "总计", "小计", "总额", "资金总额", "年度资金总额", "总资金")),
    ("central", ("中央",)),
    ("provincial", ("省",)),
    ("municipal", ("市", "州", "盟")),
    ("county", ("县", "区", "旗", "乡", "镇")),
    ("local", ("地方",)),
    ("other", ("其它", "其他", "自筹", "社会", "单位自有")),
)


def source_level(label: str) -> Optional[str]:
    """The level a row label names ("central" … "other", "total"), else None. Labels are short:
    中央, 省级资金, 市级财政, 县级配套, 其它资金, 合计; a sentence is no level."""
    # Asked of every label of a row that may head the block, in every table: remembered per
    # label (bounded so odd files cannot grow it without end).
    if label in _LEVEL_OF:
        return _LEVEL_OF[label]
    level = _source_level(label)
    if len(_LEVEL_OF) < 8192:
        _LEVEL_OF[label] = level
    return level


_LEVEL_OF: dict[str, Optional[str]] = {}


def _source_level(label: str) -> Optional[str]:
    text = label
    for prefix in ("其中", "资金来源"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    if not text or len(text) > 10:
        return None
    for level, words in _LEVELS:
        if text.startswith(words):
            return level
    return None


def _mentions_arrival(ctx: SheetContext, rows: range) -> bool:
    """Whether any label of ``rows`` says 到位: both forms of the block need an 到位 column or
    row, and most tables have none, so the block is looked for only where one is written."""
    return ctx.mentions("到位", rows)


def _columns(ctx: SheetContext, row: int) -> dict[str, int]:
    cols = row_map(ctx, row, SOURCE_COLUMNS)
    cols.pop("_rate", None)
    return cols


def _is_header(cols: dict[str, int]) -> bool:
    return "arrived" in cols and "spent" in cols and ("planned" in cols or "balance" in cols)


def _row_label(ctx: SheetContext, row: int, before: int) -> tuple[str, str]:
    labels = [(c, t) for c, t in ctx.labels(row) if c < before]
    if not labels:
        return "", ""
    c, t = labels[-1]
    return t, ref(row, c)


def find_sources_header(ctx: SheetContext, rows: range) -> Optional[tuple[int, dict[str, int], bool]]:
    """(header row, its columns, whether the block is by source level) for the first header of
    计划 / 到位 / 支出 / 结余 columns in ``rows``. A block whose first row is a level (中央, 省级 …),
    or that has a 结余 column, is by source; one whose first row is 年度资金总额 without 结余 is a
    transfer table's ordinary allocation block (read.transfer)."""
    if not _mentions_arrival(ctx, rows):
        return None
    for r in ctx.label_rows(rows):
        cols = _columns(ctx, r)
        if not _is_header(cols):
            continue
        first = min(cols.values())
        by_source = "balance" in cols
        for rr in range(r + 1, min(r + 4, rows.stop)):
            label, _ = _row_label(ctx, rr, first)
            if label:
                level = source_level(label)
                by_source = by_source or (level is not None and level != "total")
                break
        return r, cols, by_source
    return None


def read_sources(ctx: SheetContext, header: int, cols: dict[str, int], stop: int) -> tuple[SourceRow, ...]:
    """The level rows under ``header`` until a row that names no level; one warning naming the
    block when none is read."""
    first = min(cols.values())
    out: list[SourceRow] = []
    blank = 0
    for r in range(header + 1, stop):
        label, cell = _row_label(ctx, r, first)
        values = {k: ctx.cell(r, c) for k, c in cols.items()}
        if not label:
            if any(v is not None and not v.blank for v in values.values()):
                break
            blank += 1
            if blank >= 2 or out:
                break
            continue
        level = source_level(label)
        if level is None:
            break
        written = clean_text(ctx.text(*ctx.sheet.anchor(*parse_ref(cell)))) or label
        out.append(SourceRow(row=r, label=written, label_cell=cell, level=level, **values))
    if not out:
        heads = "、".join(clean_text(ctx.text(header, c)) for c in sorted(cols.values()))
        ctx.add(Severity.WARNING, "read.sources_unread",
                f"找到按资金来源列示的资金表（第 {header} 行：{heads}），但其下没有可识别的来源行"
                "（中央 / 省级 / 市级 / 县级 / 其他 / 合计），该表未读取、未核对", ref(header, first))
    return tuple(out)


def funds_from_sources(sources: tuple[SourceRow, ...]) -> tuple[FundsRow, ...]:
    """The table's funds rows from a by-source block, for a table that has no other: 合计 is the
    total (计划 as initial, 到位 as full_year, 支出 as executed), each level a part of it."""
    out = []
    total_seen = False
    for s in sources:
        kind = "component"
        if s.level == "total":
            kind = "detail" if total_seen else "total"
            total_seen = True
        elif s.level == "other":
            kind = "other"
        out.append(FundsRow(label=s.label, kind=kind, initial=s.planned, full_year=s.arrived, executed=s.spent,
                            label_cell=s.label_cell, row=s.row))
    return tuple(out)


def source_headers(ctx: SheetContext, header: int, cols: dict[str, int]) -> tuple[tuple[str, str], ...]:
    """The funds_headers of a by-source block, as FundsRow keys."""
    keys = {"planned": "initial", "arrived": "full_year", "spent": "executed", "balance": "balance"}
    return tuple((keys[k], clean_text(ctx.text(header, c))) for k, c in sorted(cols.items(), key=lambda kv: kv[1]))


# --- the transposed form: levels as columns, 计划 / 到位 / 支出 / 结余 as rows -------------------


def _measure(text: str) -> Optional[str]:
    """The SOURCE_COLUMNS key a row label names (计划数 / 到位资金 / 支出 / 结余), else None."""
    for key, pred in SOURCE_COLUMNS:
        if pred(text):
            return None if key.startswith("_") else key
    return None


def read_transposed_sources(ctx: SheetContext, rows: range) -> Optional[tuple[int, tuple[SourceRow, ...],
                                                                              tuple[tuple[str, str], ...]]]:
    """The same block written the other way round (资金来源 | 中央 | 省级 | 市级 | 县级 | 其它 | 合计 as
    a header row, then 计划 / 到位 / 支出 / 结余 rows): (its header row, one SourceRow per level
    column, its row labels as funds headers); None when the sheet holds no such block."""
    if not _mentions_arrival(ctx, rows):
        return None
    for r in ctx.label_rows(rows):
        levels = [(c, t, lv) for c, t in ctx.labels(r) for lv in (source_level(t),) if lv is not None]
        if len({lv for _, _, lv in levels}) < 3 or not any(lv != "total" for _, _, lv in levels):
            continue
        first = min(c for c, _, _ in levels)
        measures: dict[str, int] = {}
        written: dict[str, str] = {}
        for rr in range(r + 1, min(r + 7, rows.stop)):
            labels = [(c, t) for c, t in ctx.labels(rr) if c < first]
            if not labels:
                break
            key = _measure(labels[-1][1])
            if key is None:
                break
            measures.setdefault(key, rr)
            written.setdefault(key, clean_text(ctx.text(rr, labels[-1][0])))
        if not _is_header(measures):
            continue
        out = []
        for c, t, lv in levels:
            values = {k: ctx.cell(row, c) for k, row in measures.items()}
            out.append(SourceRow(row=r, label=clean_text(ctx.text(r, c)) or t, label_cell=ref(r, c), level=lv,
                                 **values))
        keys = {"planned": "initial", "arrived": "full_year", "spent": "executed", "balance": "balance"}
        headers = tuple((keys[k], written[k]) for k in sorted(measures, key=lambda k: measures[k]))
        return r, tuple(out), headers
    return None
