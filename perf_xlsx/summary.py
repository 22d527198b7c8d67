"""The batch summary workbook 汇总.xlsx: 排名, 等级分布, 问题清单, 未处理文件.

Written with xlsxwriter in constant_memory mode (rows streamed in order, flat memory for
10,000 projects); every user string goes through write_string so nothing becomes a formula.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Optional

from perf_xlsx.fileutil import atomic_write
from perf_xlsx.rules import Profile

if TYPE_CHECKING:
    from perf_xlsx.batch import BatchReport

OUTPUT_PROPERTY = "perf_xlsx_output"
SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS_LABEL = {"scored": "已评分", "skipped": "已跳过", "failed": "失败"}
RATE_BUCKETS = [(1.0, "100% 及以上"), (0.9, "90%–100%"), (0.8, "80%–90%"), (0.6, "60%–80%"), (0.0, "60% 以下")]
MAX_TEXT = 32767


def _text(value: Any) -> str:
    text = "" if value is None else str(value)
    return text[:MAX_TEXT]


def _indicator_share(project: dict[str, Any]) -> Optional[float]:
    got = total = 0.0
    for ind in project.get("indicators", []):
        if not ind.get("applicable", True) or not ind.get("weight"):
            continue
        score = ind["score"] if ind.get("score") is not None else ind.get("score_entered")
        if score is None:
            continue
        got += min(max(score, 0.0), ind["weight"])
        total += ind["weight"]
    return got / total if total else None


def compact_projects(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The few figures per project that the ranking needs (kept in memory for every file)."""
    rows = []
    findings = result.get("findings", [])
    for p in result.get("projects", []):
        mine = [f for f in findings if f.get("sheet") == p["sheet"]]
        funds, total = p["funds"], p["total"]
        rows.append({
            "unit": p.get("department") or p.get("implementer") or "", "sheet": p["sheet"], "name": p["name"],
            "kind": p.get("kind", "project"),
            "budget": funds.get("budget"), "executed": funds.get("executed"), "rate": funds.get("rate"),
            "funds_score": funds.get("score"), "score": total.get("score"),
            "score_entered": total.get("score_entered"), "grade": total.get("grade") or "",
            "errors": sum(1 for f in mine if f["severity"] == "error"),
            "warnings": sum(1 for f in mine if f["severity"] == "warning"),
            "share": _indicator_share(p),
        })
    return rows


def project_rows(report: BatchReport) -> Iterator[dict[str, Any]]:
    """Every project of every scored file, best 总分 first.

    Only (总分, file, project) keys are sorted in memory; each row is rebuilt from the spooled
    result when it is written, so memory stays flat however many files the batch has.
    """
    keys = []
    for i, o in enumerate(report.outcomes):
        if o.status == "scored":
            for j, (score, _grade) in enumerate(o.projects):
                keys.append((score is None, -(score or 0.0), i, j))
    keys.sort()
    cache: tuple[int, list[dict[str, Any]]] = (-1, [])
    for _, _, i, j in keys:
        if cache[0] != i:
            o = report.outcomes[i]
            cache = (i, compact_projects(o.result(report.spool) or {}))
        row = cache[1][j]
        o = report.outcomes[i]
        yield {**row, "file": o.path, "output": o.output}


def write_summary(report: BatchReport, path: str, profile: Profile) -> None:
    def build(tmp: str) -> None:
        import xlsxwriter

        wb = xlsxwriter.Workbook(tmp, {"constant_memory": True, "strings_to_formulas": False,
                                       "strings_to_urls": False, "strings_to_numbers": False})
        wb.set_properties({"title": "预算绩效自评评分汇总", "author": "perf-xlsx",
                           "created": _dt.datetime(2000, 1, 1)})
        wb.set_custom_property(OUTPUT_PROPERTY, "summary")
        fmt = _formats(wb)
        stats = _ranking(wb, fmt, report, project_rows(report), profile)
        _grades(wb, fmt, stats)
        _findings(wb, fmt, report)
        _unprocessed(wb, fmt, report)
        wb.close()

    atomic_write(path, build)


def _formats(wb: Any) -> dict[str, Any]:
    base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter"}
    return {
        "title": wb.add_format({"font_name": "宋体", "bold": True, "font_size": 14}),
        "note": wb.add_format({"font_name": "宋体", "font_size": 10}),
        "head": wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "align": "center", "text_wrap": True}),
        "text": wb.add_format(base),
        "wrap": wb.add_format({**base, "text_wrap": True}),
        "num": wb.add_format({**base, "num_format": "0.00", "align": "right"}),
        "int": wb.add_format({**base, "num_format": "0", "align": "right"}),
        "pct": wb.add_format({**base, "num_format": "0.00%", "align": "right"}),
        "link": wb.add_format({**base, "font_color": "#0563C1", "underline": 1}),
        "bad": wb.add_format({**base, "font_color": "#C00000"}),
    }


def _setup(ws: Any, widths: list[float], header_row: int) -> None:
    for i, width in enumerate(widths):
        ws.set_column(i, i, width)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.freeze_panes(header_row + 1, 0)


def _write(ws: Any, row: int, col: int, value: Any, fmt: Any, number_fmt: Any = None) -> None:
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value, number_fmt or fmt)
    else:
        ws.write_string(row, col, _text(value), fmt)


@dataclass
class _Stats:
    """What 等级分布 needs, gathered while 排名 streams the rows."""

    grades: Counter[str] = field(default_factory=Counter)
    rates: Counter[str] = field(default_factory=Counter)
    red: list[tuple[str, str, str, float, float, Optional[float]]] = field(default_factory=list)

    def add(self, r: dict[str, Any]) -> None:
        if r["grade"]:
            self.grades[r["grade"]] += 1
        if r["rate"] is None:
            return
        self.rates[next(label for low, label in RATE_BUCKETS if r["rate"] >= low)] += 1
        # The 一体化 system's "red" warning: indicators claim much more than the spending supports.
        if r["share"] is not None and r["share"] - min(r["rate"], 1) > 0.05:
            self.red.append((r["file"], r["sheet"], r["name"], r["rate"], r["share"], r["score"]))


def _ranking(wb: Any, fmt: dict[str, Any], report: BatchReport, rows: Iterator[dict[str, Any]],
             profile: Profile) -> _Stats:
    ws = wb.add_worksheet("排名")
    headers = ["名次", "单位", "文件", "工作表", "项目名称", "全年预算数（万元）", "全年执行数（万元）", "执行率",
               "资金得分", "总分（工具）", "总分（自评）", "等级", "错误", "警告", "评分结果"]
    _setup(ws, [6, 22, 26, 14, 30, 12, 12, 10, 9, 10, 10, 6, 6, 6, 22], 2)
    ws.write_string(0, 0, f"预算绩效自评评分排名（规则：{profile.name} {profile.title}）", fmt["title"])
    count = sum(len(o.projects) for o in report.outcomes if o.status == "scored")
    ws.write_string(1, 0, f"已评分 {report.count('scored')} 个文件、{count} 个项目；"
                          f"已跳过 {report.count('skipped')}；失败 {report.count('failed')}", fmt["note"])
    for c, h in enumerate(headers):
        ws.write_string(2, c, h, fmt["head"])
    rank = 0
    stats = _Stats()
    for i, r in enumerate(rows, start=3):
        stats.add(r)
        if r["score"] is not None:
            rank += 1
        _write(ws, i, 0, rank if r["score"] is not None else "—", fmt["text"], fmt["int"])
        for c, key in enumerate(("unit", "file", "sheet", "name"), start=1):
            _write(ws, i, c, r[key], fmt["text"])
        _write(ws, i, 5, r["budget"], fmt["text"], fmt["num"])
        _write(ws, i, 6, r["executed"], fmt["text"], fmt["num"])
        _write(ws, i, 7, r["rate"], fmt["text"], fmt["pct"])
        _write(ws, i, 8, r["funds_score"], fmt["text"], fmt["num"])
        _write(ws, i, 9, r["score"], fmt["text"], fmt["num"])
        _write(ws, i, 10, r["score_entered"], fmt["text"], fmt["num"])
        _write(ws, i, 11, r["grade"] or ("部门整体（未评分）" if r["kind"] == "department" else "—"), fmt["text"])
        _write(ws, i, 12, r["errors"], fmt["bad"] if r["errors"] else fmt["text"], fmt["int"])
        _write(ws, i, 13, r["warnings"], fmt["text"], fmt["int"])
        if r["output"]:
            ws.write_url(i, 14, f"external:{r['output']}", fmt["link"], string=_text(r["output"]))
        else:
            ws.write_blank(i, 14, None, fmt["text"])
    if count:
        ws.autofilter(2, 0, 2 + count, len(headers) - 1)
    return stats


def _grades(wb: Any, fmt: dict[str, Any], stats: _Stats) -> None:
    ws = wb.add_worksheet("等级分布")
    _setup(ws, [16, 10, 4, 30, 22, 10, 12, 12], 1)
    ws.write_string(0, 0, "等级分布", fmt["title"])
    ws.write_string(1, 0, "等级", fmt["head"])
    ws.write_string(1, 1, "项目数", fmt["head"])
    grades = stats.grades
    labels = ["优", "良", "中", "差"]
    for i, g in enumerate(labels, start=2):
        ws.write_string(i, 0, g, fmt["text"])
        ws.write_number(i, 1, grades.get(g, 0), fmt["int"])
    row = 2 + len(labels) + 1
    ws.write_string(row, 0, "执行率区间", fmt["head"])
    ws.write_string(row, 1, "项目数", fmt["head"])
    buckets = stats.rates
    for j, (_, label) in enumerate(RATE_BUCKETS, start=row + 1):
        ws.write_string(j, 0, label, fmt["text"])
        ws.write_number(j, 1, buckets.get(label, 0), fmt["int"])
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "项目数", "categories": ["等级分布", 2, 0, 5, 0], "values": ["等级分布", 2, 1, 5, 1],
                      "data_labels": {"value": True}})
    chart.set_title({"name": "等级分布"})
    chart.set_legend({"none": True})
    chart.set_size({"width": 420, "height": 260})
    red = stats.red
    start = row + len(RATE_BUCKETS) + 3
    ws.write_string(start, 0, "指标得分率比预算执行率高出 5 个百分点以上的项目（红灯）", fmt["note"])
    heads = ["文件", "工作表", "项目名称", "执行率", "指标得分率", "总分（工具）"]
    for c, h in enumerate(heads):
        ws.write_string(start + 1, c, h, fmt["head"])
    for k, (file, sheet, name, rate, share, score) in enumerate(red, start=start + 2):
        _write(ws, k, 0, file, fmt["text"])
        _write(ws, k, 1, sheet, fmt["text"])
        _write(ws, k, 2, name, fmt["text"])
        _write(ws, k, 3, rate, fmt["text"], fmt["pct"])
        _write(ws, k, 4, share, fmt["text"], fmt["pct"])
        _write(ws, k, 5, score, fmt["text"], fmt["num"])
    if not red:
        ws.write_string(start + 2, 0, "无", fmt["text"])
    ws.insert_chart(1, 3, chart)


def _iter_findings(report: BatchReport) -> Any:
    """(file, finding) in file order, errors first within a file; read back from the spool one
    file at a time so that memory does not grow with the number of files."""
    rank = {"error": 0, "warning": 1, "info": 2}
    for o in report.outcomes:
        if o.status == "skipped":
            continue
        result = o.result(report.spool)
        if not result:
            continue
        for f in sorted(result.get("findings", []), key=lambda f: rank.get(f["severity"], 3)):
            yield o.path, f


def _findings(wb: Any, fmt: dict[str, Any], report: BatchReport) -> None:
    ws = wb.add_worksheet("问题清单")
    _setup(ws, [26, 16, 10, 8, 30, 60, 12, 12], 0)
    by_code: Counter[tuple[str, str]] = Counter(
        (f["code"], f["severity"]) for _, f in _iter_findings(report))
    ws.write_string(0, 0, "问题代码", fmt["head"])
    ws.write_string(0, 1, "级别", fmt["head"])
    ws.write_string(0, 2, "数量", fmt["head"])
    order = sorted(by_code.items(), key=lambda kv: ({"error": 0, "warning": 1}.get(kv[0][1], 2), -kv[1], kv[0][0]))
    for i, ((code, sev), n) in enumerate(order, start=1):
        ws.write_string(i, 0, code, fmt["text"])
        ws.write_string(i, 1, SEVERITY_LABEL.get(sev, sev), fmt["text"])
        ws.write_number(i, 2, n, fmt["int"])
    top = len(order) + 2
    headers = ["文件", "工作表", "单元格", "级别", "代码", "说明", "应为", "实为"]
    for c, h in enumerate(headers):
        ws.write_string(top, c, h, fmt["head"])
    i = top
    for i, (file, f) in enumerate(_iter_findings(report), start=top + 1):
        _write(ws, i, 0, file, fmt["text"])
        _write(ws, i, 1, f.get("sheet"), fmt["text"])
        _write(ws, i, 2, f.get("cell"), fmt["text"])
        _write(ws, i, 3, SEVERITY_LABEL.get(f["severity"], f["severity"]), fmt["text"])
        _write(ws, i, 4, f["code"], fmt["text"])
        _write(ws, i, 5, f["message"], fmt["wrap"])
        for c, key in ((6, "expected"), (7, "found")):
            value = f.get(key)
            if isinstance(value, list):
                value = "–".join(str(v) for v in value)
            _write(ws, i, c, value, fmt["text"], fmt["num"])
    ws.autofilter(top, 0, max(i, top + 1), len(headers) - 1)


def _unprocessed(wb: Any, fmt: dict[str, Any], report: BatchReport) -> None:
    ws = wb.add_worksheet("未处理文件")
    _setup(ws, [40, 10, 80], 0)
    for c, h in enumerate(["文件", "状态", "原因"]):
        ws.write_string(0, c, h, fmt["head"])
    rows = [o for o in report.outcomes if o.status != "scored" or o.reason]
    for i, o in enumerate(rows, start=1):
        _write(ws, i, 0, o.path, fmt["text"])
        _write(ws, i, 1, STATUS_LABEL.get(o.status, o.status), fmt["text"])
        _write(ws, i, 2, o.reason, fmt["wrap"])
    if not rows:
        ws.write_string(1, 0, "无：所有文件均已评分", fmt["text"])
