"""The batch summary workbook 汇总.xlsx, written with xlsxwriter (constant_memory): 排名, 等级分布,
问题统计, 问题清单, 重复提交, 未处理文件, and 未提交 when a roster is given. Every sheet prints on A4
landscape, one page wide, its header row repeated on each page, frozen and filtered on screen.

The work is split so that memory stays flat in the number of files and the parent does little:
each worker turns its result into plain row values while it still holds it (:func:`digest`,
text wrapped and row heights counted there); the parent keeps a few numbers per project in
arrays (:class:`SummaryIndex`) and spools the rows; :func:`write_summary` decides the order and
streams the rows through xlsxwriter's constant_memory writer, which keeps one row at a time.
Every cell is a typed value or text (never a formula, so nothing a user typed is evaluated).
"""

from __future__ import annotations

import marshal
import math
import os
import re
import time
from array import array
from collections import Counter
from typing import IO, TYPE_CHECKING, Any, Iterator, Optional, Sequence

from perf_xlsx.a1 import quote_sheet
from perf_xlsx.bulk.extras import SummaryExtras
from perf_xlsx.bulk.plausible import PLAUSIBLE_CODE, Implausible, implausible_amounts
from perf_xlsx.bulk.report import BatchReport
from perf_xlsx.bulk.summary_layout import height, lines, text
from perf_xlsx.codes import CODES
from perf_xlsx.fileutil import atomic_write
from perf_xlsx.judge.numbers import settled
from perf_xlsx.model import Severity
from perf_xlsx.rules import Profile
from perf_xlsx.write.output_tag import OUTPUT_PROPERTY

if TYPE_CHECKING:  # xlsxwriter is imported by write_summary: the workers only digest
    from xlsxwriter import Workbook
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

# By a severity's value ("error"), as the results hold it; the words and order are the model's.
SEVERITY_LABEL = {s.value: s.label for s in Severity}
SEVERITY_RANK = {s.value: s.rank for s in Severity}
STATUS_LABEL = {"scored": "已评分", "skipped": "已跳过", "failed": "失败"}
RATE_BUCKETS = [(1.0, "100% 及以上"), (0.9, "90%–100%"), (0.8, "80%–90%"), (0.6, "60%–80%"), (0.0, "60% 以下")]
UNRATED = "未评级"  # a table with no 等级: no 总分 (rows left to a person, no 分值, nothing scorable)
# 类型 of a table, by its kind in the results; 名次 count within each kind, in this order, so a
# bureau ranks 部门整体 tables apart from projects.
KIND_LABEL = {"project": "项目", "department": "部门整体", "transfer": "转移支付"}
KIND_ORDER = {kind: i for i, kind in enumerate(KIND_LABEL)}
RED_MARGIN = 0.05  # the 一体化 system's "red" warning: indicator score share this far ahead of 执行率
MAX_LINKS = 65_530  # Excel's limit of hyperlinks per worksheet; beyond it the place is plain text
NUM_TOLERANCE = 0.005  # half a cent of a score: 差异 below it is none

# 排名: header (explicit breaks where a column is narrower than the words, so "（万元）" never
# splits) and width per column.
# A hyperlink cell is never wrapped by LibreOffice (it draws the text as one field, over the
# next column), so links show a short word and the long text stands in a plain cell beside.
RANK_COLUMNS = [("名次", 5), ("年度", 6), ("单位", 14), ("项目", 22), ("类型", 8), ("全年预算数\n（万元）", 11),
                ("全年执行数\n（万元）", 11), ("执行率", 8), ("资金\n得分", 6), ("指标\n得分", 6), ("总分\n（核定）", 9),
                ("总分\n（自评）", 9), ("自评−核定", 10), ("等级", 6), ("错误", 5), ("警告", 5), ("文件", 18),
                ("评分\n结果", 6), ("未评级原因", 16)]
C_RANK, C_YEAR, C_UNIT, C_NAME, C_KIND, C_BUDGET, C_EXEC, C_RATE, C_FUNDS, C_IND, C_SCORE, C_ENTERED, C_DIFF, \
    C_GRADE, C_ERR, C_WARN, C_FILE, C_LINK, C_REASON = range(len(RANK_COLUMNS))
OPEN = "打开"  # what a link to a scored copy shows
RANK_HEAD_ROW = 2  # 0-based: title, note, header
FINDING_COLUMNS = [("文件", 22), ("单位", 14), ("工作表", 14), ("单元格\n（链接）", 9), ("级别", 5), ("问题", 16),
                   ("说明", 50), ("应为", 10), ("实为", 10)]
F_FILE, F_UNIT, F_SHEET, F_PLACE, F_LEVEL, F_TITLE, F_MSG, F_EXPECTED, F_FOUND = range(len(FINDING_COLUMNS))
# Wrapped columns whose text decides a row's height.
RANK_WRAPPED = tuple((c, RANK_COLUMNS[c][1]) for c in (C_UNIT, C_NAME, C_FILE, C_REASON))
FINDING_WRAPPED = tuple((c, FINDING_COLUMNS[c][1]) for c in (F_FILE, F_UNIT, F_SHEET, F_TITLE, F_MSG, F_EXPECTED,
                                                               F_FOUND))
PLACE_WIDTH = FINDING_COLUMNS[F_PLACE][1]
# No 说明 column: the codes' explanations (codes.py) are written for docs/finding-codes.md and
# cite rule numbers and JSON keys; each finding's own Chinese message is on 问题清单.
CODE_COLUMNS = [("问题代码", 28), ("问题", 30), ("级别", 6), ("次数", 8), ("涉及\n文件数", 8)]
RED_COLUMNS = [("文件", 26), ("单位", 16), ("项目", 28), ("执行率", 10), ("指标\n得分率", 10), ("总分\n（核定）", 10)]

_A1 = re.compile(r"\$?[A-Z]{1,3}\$?[0-9]{1,7}(?::\$?[A-Z]{1,3}\$?[0-9]{1,7})?")
_URL_ESCAPES = str.maketrans({c: f"%{ord(c):02x}" for c in '%" <>[]^`{}#'})


# --- worker side: one result in, its rows out ---------------------------------------------


def _finite(x: Any) -> Optional[float]:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) else None


def _nan(x: Optional[float]) -> float:
    return math.nan if x is None else x


def link_target(output: str, sheet: Optional[str] = None, cell: Optional[str] = None) -> str:
    """An xlsxwriter link to the scored copy (a file beside 汇总.xlsx), at a sheet's cell. The
    file part is percent-escaped as Excel writes it (a bare "#" would start the location)."""
    target = "external:" + output.translate(_URL_ESCAPES)
    if sheet:
        ref = cell.split(":")[0].replace("$", "") if cell and _A1.fullmatch(cell) else "A1"
        target += "#" + quote_sheet(sheet) + "!" + ref
    return target


def _wrapped_lines(values: dict[int, str], widths: Sequence[tuple[int, float]]) -> int:
    return max((lines(values[c], w) for c, w in widths if values.get(c)), default=1)


def _ungraded(p: dict[str, Any], score: Optional[float], grade: str) -> str:
    """Why a table is not ranked: the scorer's reason, else what the numbers show. A total over
    100 (分值 adding up to more) is never ranked above the graded ones, even with a grade."""
    total = p.get("total") or {}
    weight = _finite(total.get("weight"))
    if score is not None and score > 100 + NUM_TOLERANCE:
        w = f"{weight:g}" if weight is not None else "超过 100"
        return f"分值合计 {w}，总分 {score:g} 超过 100，须人工核定"
    if p.get("ungraded"):
        return str(p["ungraded"])
    if score is None:
        return "无总分（没有可评分的指标或分值）"
    if not grade:
        return "无等级"
    return ""


def _shown_cell(cell: str) -> str:
    """The cell a finding names, as its link shows it: a range too wide for the one-line link
    cell shows its first cell (the link goes there anyway)."""
    if len(cell) <= PLACE_WIDTH - 1 or not _A1.fullmatch(cell):
        return text(cell)
    return cell.split(":")[0]


def digest(data: dict[str, Any], output: Optional[str]) -> dict[str, Any]:
    """What the summary needs of one perf_xlsx.result/1 object, as plain values (picklable).

    ``projects``: per table (总分, 等级, 执行率, kind's place in KIND_ORDER, 预算, 执行, 年度,
    graded, red, record) where record is the marshalled 排名 row; ``findings``: the marshalled
    问题清单 rows of the file; ``codes``: (code, severity, count)."""
    file = str(data.get("file") or "")
    findings = data.get("findings") or []
    projects = []
    units: dict[str, str] = {}
    for p in data.get("projects") or []:
        funds, total = p.get("funds") or {}, p.get("total") or {}
        sheet = str(p.get("sheet") or "")
        mine = [f for f in findings if f.get("sheet") == p.get("sheet")]
        errors = sum(1 for f in mine if f.get("severity") == "error")
        warnings = sum(1 for f in mine if f.get("severity") == "warning")
        score, rate = _finite(total.get("score")), _finite(funds.get("rate"))
        budget, executed = _finite(funds.get("budget")), _finite(funds.get("executed"))
        entered, fscore = _finite(total.get("score_entered")), _finite(funds.get("score"))
        scored = [s for s in (_finite(i.get("score")) for i in p.get("indicators") or []) if s is not None]
        grade = str(total.get("grade") or "")
        reason = _ungraded(p, score, grade)
        graded = not reason
        kind = str(p.get("kind") or "project")
        unit = text(p.get("department") or p.get("implementer") or "")
        units[sheet] = unit
        year = p.get("year") if isinstance(p.get("year"), int) else None
        diff = round(entered - score, 2) if entered is not None and score is not None else None
        share = _finite(p.get("indicator_share"))
        red = share is not None and rate is not None and settled(share - min(rate, 1.0)) > RED_MARGIN
        budget_cell = next((r.get("cells", {}).get("full_year") for r in funds.get("rows") or []
                            if r.get("kind") == "total"), None) or funds.get("score_cell") or ""
        wrapped = {C_UNIT: unit, C_NAME: text(p.get("name") or ""), C_FILE: file, C_REASON: reason}
        record = (year, unit, wrapped[C_NAME], KIND_LABEL.get(kind, kind), budget, executed, rate, fscore,
                  round(sum(scored), 2) if scored else None, score, entered, diff,
                  grade if graded else UNRATED, errors, warnings, text(file),
                  link_target(output, sheet) if output else "", reason, _wrapped_lines(wrapped, RANK_WRAPPED),
                  share, str(budget_cell), text(sheet))
        projects.append((score, grade, rate, KIND_ORDER.get(kind, len(KIND_ORDER)), budget, executed, year, graded,
                         red, marshal.dumps(record)))
    ordered = sorted(findings, key=lambda f: SEVERITY_RANK.get(f.get("severity"), 3))  # stable: file order kept
    rows = []
    codes: Counter[tuple[str, str]] = Counter()
    for f in ordered:
        sev, code = str(f.get("severity") or ""), str(f.get("code") or "")
        codes[(code, sev)] += 1
        shown: list[Any] = []
        for key in ("expected", "found"):
            value = f.get(key)
            if isinstance(value, list):
                value = "–".join(str(v) for v in value)
            shown.append(value if _finite(value) is not None or value is None else text(value))
        sheet, cell = text(f.get("sheet") or ""), _shown_cell(str(f.get("cell") or ""))
        known = CODES.get(code)
        values = {F_FILE: file, F_UNIT: units.get(sheet, ""), F_SHEET: sheet, F_TITLE: known.title if known else code,
                  F_MSG: text(f.get("message") or "")}
        for c, value in ((F_EXPECTED, shown[0]), (F_FOUND, shown[1])):
            if isinstance(value, str):  # 应为 / 实为 given as words wrap like the rest
                values[c] = value
        rows.append((values[F_UNIT], sheet, cell, link_target(output, sheet, cell) if output and sheet else "",
                     SEVERITY_LABEL.get(sev, sev), code, values[F_TITLE], values[F_MSG], shown[0], shown[1],
                     _wrapped_lines(values, FINDING_WRAPPED)))
    blob = marshal.dumps((text(file), rows)) if rows else b""
    return {"projects": projects, "findings": blob, "codes": [(c, s, n) for (c, s), n in codes.items()]}


# --- parent side: a few numbers per project, the rest in the spool ------------------------


class SummaryIndex:
    """Accumulates digests as files finish. Per project it keeps about 70 bytes in arrays; per
    file 20 bytes; the rows themselves wait in the spool (a temporary file)."""

    def __init__(self, spool: IO[bytes], files: int) -> None:
        self.spool = spool
        self.score = array("d")  # NaN: no 总分
        self.rate = array("d")  # NaN: no 执行率
        self.budget = array("d")
        self.executed = array("d")
        self.kind = array("b")  # place of the table's kind in KIND_ORDER
        self.year = array("l")  # 0: none
        self.graded = array("b")
        self.red = array("b")
        self.file = array("l")  # index into report.outcomes
        self.pos = array("l")  # the table's place within its file's result
        self.offset = array("q")
        self.length = array("l")
        self.grades: Counter[str] = Counter()
        self.codes: Counter[tuple[str, str]] = Counter()
        self.code_files: Counter[tuple[str, str]] = Counter()
        # Per file: where its 问题清单 rows are in the spool (-1: none), and its first project.
        self.findings_at = array("q", [-1]) * files
        self.findings_len = array("l", [0]) * files
        self.first = array("l", [-1]) * files

    def _put(self, data: bytes) -> int:
        self.spool.seek(0, os.SEEK_END)
        at = self.spool.tell()
        self.spool.write(data)
        return at

    def add(self, file_index: int, d: dict[str, Any]) -> None:
        projects = d.get("projects", ())
        if projects:
            self.first[file_index] = len(self.score)
        for pos, (score, grade, rate, kind, budget, executed, year, graded, red, record) in enumerate(projects):
            self.score.append(_nan(score))
            self.rate.append(_nan(rate))
            self.budget.append(_nan(budget))
            self.executed.append(_nan(executed))
            self.kind.append(kind)
            self.year.append(year or 0)
            self.graded.append(1 if graded else 0)
            self.red.append(1 if red else 0)
            self.file.append(file_index)
            self.pos.append(pos)
            self.offset.append(self._put(record))
            self.length.append(len(record))
            self.grades[grade or UNRATED] += 1
        rows = d.get("findings") or b""
        if rows:
            self.findings_at[file_index] = self._put(rows)
            self.findings_len[file_index] = len(rows)
        for code, sev, n in d.get("codes", ()):
            self.codes[(code, sev)] += n
            self.code_files[(code, sev)] += 1

    @property
    def projects(self) -> int:
        return len(self.score)

    def read(self, offset: int, length: int) -> bytes:
        self.spool.seek(offset)
        return self.spool.read(length)

    def record(self, k: int) -> tuple[Any, ...]:
        return marshal.loads(self.read(self.offset[k], self.length[k]))

    def ranking(self, included: Optional[Sequence[bool]] = None) -> list[int]:
        """Project positions by kind (项目, then 部门整体 …); within a kind the graded ones by 总分,
        best first, then those without a grade; ties in file order, so that results do not
        depend on which worker finished first. Stable sorts on plain keys rather than one on
        tuples: a tuple per project would be the biggest object of a 10,000-file run."""
        score, file, kind, graded = self.score, self.file, self.kind, self.graded
        keep = range(len(score)) if included is None else [k for k in range(len(score)) if included[k]]
        by_file = sorted(keep, key=lambda k: (file[k] << 16) + self.pos[k])  # a file's tables stay in order
        by_score = sorted(by_file, key=lambda k: -score[k] if graded[k] else math.inf)
        return sorted(by_score, key=kind.__getitem__)


# --- the workbook -------------------------------------------------------------------------


class _Formats:
    """Every cell format of the summary, made once per workbook."""

    def __init__(self, wb: Workbook) -> None:
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        cell = dict(base, border=1)

        def fmt(**kw: Any) -> Format:
            return wb.add_format(dict(cell, **kw))

        self.title = wb.add_format(dict(base, bold=True, font_size=14))
        self.note = wb.add_format(dict(base))
        self.head = fmt(bold=True, bg_color="#D9E1F2", align="center", text_wrap=True)
        self.text = fmt()
        self.wrap = fmt(text_wrap=True)
        self.center = fmt(align="center")
        self.int_ = fmt(num_format="0")
        self.bad = fmt(num_format="0", font_color="#C00000")
        self.num = fmt(num_format="#,##0.00")
        self.pct = fmt(num_format="0.00%")
        self.odd = fmt(align="center", bg_color="#FCE4D6")  # a year other than the batch's
        self.doubt = fmt(num_format="#,##0.00", bg_color="#FFEB9C")  # implausible amount
        self.link = fmt(font_color="#0563C1", underline=1, text_wrap=True)
        total = dict(cell, bold=True, top=6)
        self.total_text = wb.add_format(total)
        self.total_num = wb.add_format(dict(total, num_format="#,##0.00"))
        self.total_int = wb.add_format(dict(total, num_format="0"))
        self.total_pct = wb.add_format(dict(total, num_format="0.00%"))
        self.total_avg = wb.add_format(dict(total, num_format='"平均 "0.00'))
        self.good = wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})
        self.fair = wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"})
        self.poor = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.over = wb.add_format({"font_color": "#C00000", "bold": True})  # 自评高于核定
        self.under = wb.add_format({"font_color": "#2F5597"})


def _sheet(wb: Workbook, name: str, columns: Sequence[tuple[str, float]]) -> Worksheet:
    ws = wb.add_worksheet(name)
    for c, (_, w) in enumerate(columns):
        ws.set_column(c, c, w)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.set_default_row(15)
    return ws


def _head(ws: Worksheet, row: int, columns: Sequence[tuple[str, float]], f: _Formats) -> None:
    """The header row: repeated on every printed page, frozen on screen."""
    ws.set_row(row, height(max(h.count("\n") + 1 for h, _ in columns)))
    for c, (h, _) in enumerate(columns):
        ws.write_string(row, c, h, f.head)
    ws.repeat_rows(row)
    ws.freeze_panes(row + 1, 0)


def _num(ws: Worksheet, row: int, col: int, value: Any, fmt: Format, blank: Format) -> None:
    if value is None or (isinstance(value, float) and value != value):
        ws.write_blank(row, col, None, blank)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), blank)


def _str(ws: Worksheet, row: int, col: int, value: str, fmt: Format) -> None:
    """Text, or a blank cell in the same format (its border) when there is none."""
    if value:
        ws.write_string(row, col, value, fmt)
    else:
        ws.write_blank(row, col, None, fmt)


def _forget(ws: Worksheet, row: int) -> None:
    """Drop what xlsxwriter keeps of a row that is already on disk. Even in constant_memory mode
    it keeps every set_row height until the file closes (for drawings, which these sheets do
    not have), about 130 bytes a row; a row is written out when the next one starts."""
    ws.row_info.pop(row, None)
    ws.row_sizes.pop(row, None)


class _Link:
    """What xlsxwriter reads of a stored hyperlink when it writes the sheet's <hyperlinks> at
    close (worksheet._write_hyperlinks): its Url object, pared down. xlsxwriter keeps every
    link of a sheet until then, about 1 KB each as Url objects (65,530 of them at Excel's
    limit); this keeps about a tenth, the file part shared by all the links into one copy."""

    __slots__ = ("_link_type", "_relationship", "_anchor", "_text", "_tip", "_is_object_link")

    def __init__(self, url: Any, relationship: str) -> None:
        self._link_type = url._link_type
        self._relationship = relationship
        self._anchor = url._anchor
        self._text = url._text
        self._tip = url._tip
        self._is_object_link = url._is_object_link

    def _target(self) -> str:
        return self._relationship

    def _target_mode(self) -> str:
        return "External"


_URL_FIELDS = ("_link_type", "_relationship_link", "_anchor", "_text", "_tip", "_is_object_link")


class _Links:
    """Hyperlinks of one sheet, up to Excel's limit; past it the text stays, without a link."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.n = 0
        self.last = ""  # the relationship target of the previous link, shared with the next

    def put(self, row: int, col: int, target: str, shown: str, fmt: Format, plain: Format) -> None:
        if target and self.n < MAX_LINKS and self.ws.write_url(row, col, target, fmt, shown) == 0:
            self.n += 1
            self._slim(row, col)
        elif shown:
            self.ws.write_string(row, col, shown, plain)
        else:
            self.ws.write_blank(row, col, None, plain)

    def _slim(self, row: int, col: int) -> None:
        stored = getattr(self.ws, "hyperlinks", {}).get(row, {})
        url = stored.get(col)
        if url is None or not all(hasattr(url, a) for a in _URL_FIELDS):
            return  # another xlsxwriter: keep its own object
        relationship = url._relationship_link
        if relationship == self.last:
            relationship = self.last
        self.last = relationship
        stored[col] = _Link(url, relationship)


def generated_at() -> str:
    """The time the summary says it was made: now, or SOURCE_DATE_EPOCH when that is set (the
    reproducible-builds convention; the golden tests pin it)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = time.gmtime(int(epoch)) if epoch and epoch.isdigit() else time.localtime()
    return time.strftime("%Y-%m-%d %H:%M", t)


class _Batch:
    """What write_summary works out once, before any sheet is written."""

    def __init__(self, report: BatchReport, index: SummaryIndex, extras: SummaryExtras) -> None:
        self.report, self.index, self.extras = report, index, extras
        superseded = extras.superseded()
        paths = [o.path for o in report.outcomes] if superseded else []
        self.included = [not superseded or (paths[index.file[k]], index.pos[k]) not in superseded
                         for k in range(index.projects)]
        self.order = index.ranking(self.included)
        years = Counter(index.year[k] for k in self.order if index.year[k])
        self.year = years.most_common(1)[0][0] if years else None
        self.other_years = sorted(y for y in years if y != self.year)
        self.implausible = {f.k: f for f in implausible_amounts(index.budget, index.executed, index.rate,
                                                                index.kind, self.included)}
        self.by_file: dict[int, list[Implausible]] = {}
        for imp in self.implausible.values():
            self.by_file.setdefault(index.file[imp.k], []).append(imp)


def grade_labels(profile: Profile, grades: Counter[str]) -> list[str]:
    """The rows of the grade table: the profile's grades best first (a rules file may name its
    own), any other grade found, and 未评级 last, so that the rows add up to the ranked projects."""
    labels = list(dict.fromkeys(g for _, g in profile.grade_bands))
    labels += sorted(g for g in grades if g not in labels and g != UNRATED)
    return labels + [UNRATED]


def _title(b: _Batch) -> str:
    """单位/财政局: --title, else the unit of the batch's first table (in scan order)."""
    if b.extras.title:
        return text(b.extras.title)
    index = b.index
    first = min(range(index.projects), key=lambda k: (index.file[k], index.pos[k]), default=None)
    return str(index.record(first)[1]) if first is not None else ""


def _ranking(wb: Workbook, f: _Formats, b: _Batch, profile: Profile, stamp: str
             ) -> tuple[Counter[str], Counter[str], list[int]]:
    """排名; returns the grade counts and 执行率 bands of the ranked tables, and the red list."""
    index, extras = b.index, b.extras
    columns = list(RANK_COLUMNS)
    extra_links = [(label, m) for label, m in (("整改反馈单", extras.feedback), ("自评报告", extras.reports)) if m]
    columns += [(label, 12) for label, _ in extra_links]
    ws = _sheet(wb, "排名", columns)
    year = f"{b.year}年度" if b.year else ""
    heading = "　".join(s for s in (_title(b), year, "预算绩效自评评分排名") if s)
    ws.write_string(0, 0, heading, f.title)
    ws.set_row(0, 22)
    kinds = Counter(index.kind[k] for k in b.order)
    by_kind = "，".join(f"{label} {kinds[i]}" for i, label in enumerate(KIND_LABEL.values()) if kinds[i])
    notes = [f"规则：{profile.name} {profile.title}", f"生成时间：{stamp}",
             f"已评分 {b.report.count('scored')} 个文件、{len(b.order)} 张表" + (f"（{by_kind}，名次按类型分别排列）"
                                                                         if len(kinds) > 1 else ""),
             f"已跳过 {b.report.count('skipped')}，失败 {b.report.count('failed')}"]
    if b.other_years:
        notes.append(f"另有 {'、'.join(str(y) for y in b.other_years)} 年度的表（年度已标色）")
    superseded = index.projects - len(b.order)
    if superseded:
        notes.append(f"重复提交 {superseded} 张未计入（见「重复提交」）")
    ws.write_string(1, 0, "；".join(notes), f.note)
    # Excel's limit for a header is 255 characters, codes included: a long --title is cut.
    ws.set_header("&L" + heading[:120].replace("&", "&&") + "&R生成时间：" + stamp)
    _head(ws, RANK_HEAD_ROW, columns, f)
    links = _Links(ws)
    labels_of = grade_labels(profile, index.grades)
    grades: Counter[str] = Counter()
    rates: Counter[str] = Counter()
    red: list[int] = []
    paths = [o.path for o in b.report.outcomes] if extra_links else []
    sums = [0.0, 0.0]  # 预算, 执行
    rated = [0.0, 0.0]  # 预算, 执行 of the tables with both (the totals row's 执行率)
    counts = [0, 0]
    scores: list[float] = []
    rank = shown = 0
    kind = -1
    last = math.nan
    row = RANK_HEAD_ROW
    for k in b.order:
        row += 1
        (yr, unit, name, kind_label, budget, executed, rate, fscore, iscore, score, entered, diff, grade, errors,
         warnings, file, target, reason, n_lines, _share, _cell, _sheet_name) = index.record(k)
        if index.kind[k] != kind:  # 名次 count within each kind
            rank, shown, kind, last = 0, 0, index.kind[k], math.nan
        if n_lines > 1:
            ws.set_row(row, height(n_lines))
        if index.graded[k]:
            rank += 1
            if score != last:  # ties share a rank: 1, 2, 2, 4
                shown, last = rank, score
            ws.write_number(row, C_RANK, shown, f.center)
        else:
            ws.write_string(row, C_RANK, "—", f.center)
        _num(ws, row, C_YEAR, yr, f.odd if yr and b.year and yr != b.year else f.center, f.center)
        ws.write_string(row, C_UNIT, unit, f.wrap)
        ws.write_string(row, C_NAME, name, f.wrap)
        ws.write_string(row, C_KIND, kind_label, f.center)
        doubt = k in b.implausible
        _num(ws, row, C_BUDGET, budget, f.doubt if doubt else f.num, f.text)
        _num(ws, row, C_EXEC, executed, f.doubt if doubt else f.num, f.text)
        _num(ws, row, C_RATE, rate, f.pct, f.text)
        _num(ws, row, C_FUNDS, fscore, f.num, f.text)
        _num(ws, row, C_IND, iscore, f.num, f.text)
        _num(ws, row, C_SCORE, score, f.num, f.text)
        _num(ws, row, C_ENTERED, entered, f.num, f.text)
        _num(ws, row, C_DIFF, diff, f.num, f.text)
        ws.write_string(row, C_GRADE, grade, f.center)
        ws.write_number(row, C_ERR, errors, f.bad if errors else f.int_)
        warnings += 1 if doubt else 0
        ws.write_number(row, C_WARN, warnings, f.int_)
        ws.write_string(row, C_FILE, file, f.wrap)
        links.put(row, C_LINK, target, OPEN if target else "", f.link, f.center)
        _str(ws, row, C_REASON, reason, f.wrap)
        for c, (_, mapping) in enumerate(extra_links, start=len(RANK_COLUMNS)):
            rel = mapping.get(paths[index.file[k]])
            links.put(row, c, link_target(rel) if rel else "", "打开" if rel else "", f.link, f.center)
        grades[grade] += 1
        if rate is not None:
            rates[next(label for low, label in RATE_BUCKETS if rate >= low)] += 1
        for i, v in enumerate((budget, executed)):
            if v is not None:
                sums[i] += v
        if budget is not None and executed is not None and budget > 0:
            rated[0] += budget
            rated[1] += executed
        counts[0] += errors
        counts[1] += warnings
        if index.graded[k] and score is not None:
            scores.append(score)
        if index.red[k] and index.graded[k]:
            red.append(k)
        _forget(ws, row - 1)
    if b.order:
        ws.autofilter(RANK_HEAD_ROW, 0, row, len(columns) - 1)
        _totals(ws, f, row + 1, len(b.order), sums, rated, counts, scores)
        _grade_formats(ws, f, RANK_HEAD_ROW + 1, row, labels_of)
    else:
        ws.write_string(RANK_HEAD_ROW + 1, 0, "无：没有评分的表", f.note)
    ws.activate()
    return grades, rates, red


def _totals(ws: Worksheet, f: _Formats, row: int, n: int, sums: list[float], rated: list[float],
            counts: list[int], scores: list[float]) -> None:
    """The totals row: sums of money and counts, the overall 执行率 (Σ执行 ÷ Σ预算 of the tables
    with both), the mean 总分 of the graded tables. Values, not formulas: a filter must not
    change what the signed page says."""
    for c in range(len(RANK_COLUMNS)):
        ws.write_blank(row, c, None, f.total_text)
    ws.write_string(row, C_UNIT, "合计", f.total_text)
    ws.write_string(row, C_NAME, f"{n} 张表", f.total_text)
    ws.write_number(row, C_BUDGET, round(sums[0], 2), f.total_num)
    ws.write_number(row, C_EXEC, round(sums[1], 2), f.total_num)
    if rated[0] > 0:
        ws.write_number(row, C_RATE, rated[1] / rated[0], f.total_pct)
    if scores:
        ws.write_number(row, C_SCORE, round(sum(scores) / len(scores), 2), f.total_avg)
    ws.write_number(row, C_ERR, counts[0], f.total_int)
    ws.write_number(row, C_WARN, counts[1], f.total_int)


def _grade_formats(ws: Worksheet, f: _Formats, first: int, last: int, labels: list[str]) -> None:
    """Best grade green, worst red, those between amber; 差异 red where the unit scored itself
    higher than the tool, blue where lower."""
    graded = [g for g in labels if g != UNRATED]
    for i, g in enumerate(graded):
        fmt = f.good if i == 0 else f.poor if i == len(graded) - 1 else f.fair
        ws.conditional_format(first, C_GRADE, last, C_GRADE, {"type": "cell", "criteria": "==",
                                                               "value": '"' + g.replace('"', '""') + '"',
                                                               "format": fmt})
    ws.conditional_format(first, C_DIFF, last, C_DIFF, {"type": "cell", "criteria": ">", "value": NUM_TOLERANCE,
                                                         "format": f.over})
    ws.conditional_format(first, C_DIFF, last, C_DIFF, {"type": "cell", "criteria": "<", "value": -NUM_TOLERANCE,
                                                         "format": f.under})


def _distribution(wb: Workbook, f: _Formats, b: _Batch, labels: list[str], grades: Counter[str],
                  rates: Counter[str], red: list[int]) -> None:
    # The chart sits beside the two count tables (D2:J15); the red list starts below it.
    ws = _sheet(wb, "等级分布", RED_COLUMNS)
    ws.write_string(0, 0, "等级分布", f.title)
    ws.set_row(0, 22)
    ws.write_string(1, 0, "等级", f.head)
    ws.write_string(1, 1, "项目数", f.head)
    counts = [grades.get(g, 0) for g in labels]
    for i, (g, n) in enumerate(zip(labels, counts), start=2):
        ws.write_string(i, 0, g, f.text)
        ws.write_number(i, 1, n, f.int_)
    top = 2 + len(labels) + 1
    ws.write_string(top, 0, "执行率区间", f.head)
    ws.write_string(top, 1, "项目数", f.head)
    for j, (_, label) in enumerate(RATE_BUCKETS, start=top + 1):
        ws.write_string(j, 0, label, f.text)
        ws.write_number(j, 1, rates.get(label, 0), f.int_)
    chart = wb.add_chart({"type": "column"})
    # An explicit fill: without one LibreOffice draws no bars for a chart that relies on a
    # theme; cached values (categories_data / values_data) because constant_memory keeps no cells.
    chart.add_series({"name": "项目数", "categories": f"='等级分布'!$A$3:$A${2 + len(labels)}",
                      "values": f"='等级分布'!$B$3:$B${2 + len(labels)}", "categories_data": labels,
                      "values_data": counts, "fill": {"color": "#4472C4"}, "border": {"color": "#2F5597"},
                      "data_labels": {"value": True}, "gap": 80})
    chart.set_title({"name": "等级分布", "name_font": {"name": "宋体", "size": 12}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_font": {"name": "宋体", "size": 10}})
    chart.set_y_axis({"num_font": {"name": "宋体", "size": 10}, "min": 0, "major_gridlines": {"visible": True}})
    ws.insert_chart(1, 3, chart, {"x_scale": 1.1, "y_scale": 1.0})
    start = max(top + len(RATE_BUCKETS) + 2, 16)  # never under the chart, however few grades
    ws.write_string(start, 0, "指标得分率比预算执行率高出 5 个百分点以上的项目（红灯）", f.note)
    _head(ws, start + 1, RED_COLUMNS, f)
    row = start + 1
    for k in red:
        row += 1
        rec = b.index.record(k)
        unit, name, rate, score, file, share = rec[1], rec[2], rec[6], rec[9], rec[15], rec[19]
        n = max(lines(file, 26), lines(unit, 16), lines(name, 28))
        if n > 1:
            ws.set_row(row, height(n))
        ws.write_string(row, 0, file, f.wrap)
        ws.write_string(row, 1, unit, f.wrap)
        ws.write_string(row, 2, name, f.wrap)
        _num(ws, row, 3, rate, f.pct, f.text)
        _num(ws, row, 4, share, f.pct, f.text)
        _num(ws, row, 5, score, f.num, f.text)
    if red:
        ws.autofilter(start + 1, 0, row, len(RED_COLUMNS) - 1)
    else:
        ws.write_string(start + 2, 0, "无", f.text)


def _code_counts(b: _Batch) -> list[tuple[str, str, int, int]]:
    counts = Counter(b.index.codes)
    files = Counter(b.index.code_files)
    if b.implausible:
        key = (PLAUSIBLE_CODE, Severity.WARNING.value)
        counts[key] += len(b.implausible)
        files[key] += len(b.by_file)
    order = sorted(counts.items(), key=lambda kv: (SEVERITY_RANK.get(kv[0][1], 3), -kv[1], kv[0][0]))
    return [(code, sev, n, files[(code, sev)]) for (code, sev), n in order]


def _codes(wb: Workbook, f: _Formats, b: _Batch) -> None:
    ws = _sheet(wb, "问题统计", CODE_COLUMNS)
    ws.write_string(0, 0, "问题统计（每种问题一行；“涉及文件数”为出现该问题的文件个数）", f.title)
    ws.set_row(0, 22)
    _head(ws, 1, CODE_COLUMNS, f)
    row = 1
    for code, sev, n, files in _code_counts(b):
        row += 1
        known = CODES.get(code)
        title = known.title if known else code
        k = max(lines(title, 30), lines(code, 28))
        if k > 1:
            ws.set_row(row, height(k))
        ws.write_string(row, 0, code, f.wrap)
        ws.write_string(row, 1, title, f.wrap)
        ws.write_string(row, 2, SEVERITY_LABEL.get(sev, sev), f.center)
        ws.write_number(row, 3, n, f.int_)
        ws.write_number(row, 4, files, f.int_)
    if row > 1:
        ws.autofilter(1, 0, row, len(CODE_COLUMNS) - 1)
    else:
        ws.write_string(2, 0, "无：没有发现问题", f.text)


def _plausible_rows(b: _Batch, fi: int) -> Iterator[tuple[Any, ...]]:
    """问题清单 rows of the batch-level amount warnings of one file, as digest renders rows."""
    title = CODES[PLAUSIBLE_CODE].title
    for imp in b.by_file.get(fi, ()):
        rec = b.index.record(imp.k)
        unit, target, cell, sheet = rec[1], rec[16], _shown_cell(rec[20]), rec[21]
        link = target.split("#")[0] + "#" + quote_sheet(sheet) + "!" + cell.split(":")[0] if target and cell \
            else target
        message = imp.message()
        values = {F_FILE: rec[15], F_UNIT: unit, F_SHEET: sheet, F_TITLE: title, F_MSG: message}
        yield (unit, sheet, cell, link, SEVERITY_LABEL[Severity.WARNING.value], PLAUSIBLE_CODE, title, message,
               imp.expected, imp.amount, _wrapped_lines(values, FINDING_WRAPPED))


def _findings(wb: Workbook, f: _Formats, b: _Batch) -> None:
    ws = _sheet(wb, "问题清单", FINDING_COLUMNS)
    ws.write_string(0, 0, "问题清单（每条问题一行；点击“单元格”打开评分结果中的该单元格）", f.title)
    ws.set_row(0, 22)
    _head(ws, 1, FINDING_COLUMNS, f)
    index = b.index
    links = _Links(ws)
    row = 1
    for fi in range(len(b.report.outcomes)):
        at = index.findings_at[fi]
        extra = list(_plausible_rows(b, fi)) if fi in b.by_file else []
        if at < 0 and not extra:
            continue
        file, rows = marshal.loads(index.read(at, index.findings_len[fi])) if at >= 0 else (
            str(index.record(b.by_file[fi][0].k)[15]), [])
        for unit, sheet, cell, target, level, _code, title, message, expected, found, n_lines in extra + rows:
            row += 1
            if n_lines > 1:
                ws.set_row(row, height(n_lines))
            ws.write_string(row, F_FILE, file, f.wrap)
            _str(ws, row, F_UNIT, unit, f.wrap)
            _str(ws, row, F_SHEET, sheet, f.wrap)
            links.put(row, F_PLACE, target, cell, f.link, f.center)
            ws.write_string(row, F_LEVEL, level, f.center if level != "错误" else f.bad)
            ws.write_string(row, F_TITLE, title, f.wrap)
            ws.write_string(row, F_MSG, message, f.wrap)
            _num(ws, row, F_EXPECTED, expected, f.num, f.wrap)
            _num(ws, row, F_FOUND, found, f.num, f.wrap)
            _forget(ws, row - 1)
    if row > 1:
        ws.autofilter(1, 0, row, len(FINDING_COLUMNS) - 1)
    else:
        ws.write_string(2, 0, "无：没有发现问题", f.text)


def _duplicates(wb: Workbook, f: _Formats, b: _Batch) -> None:
    columns = [("单位", 18), ("项目", 24), ("年度", 6), ("原因", 18), ("文件", 26), ("评分\n结果", 6),
               ("提交时间", 17), ("处理", 22), ("总分\n（核定）", 9)]
    ws = _sheet(wb, "重复提交", columns)
    ws.write_string(0, 0, "重复提交（同一单位、项目、年度提交多次，或文件内容完全相同）：只有“保留”的一份计入排名", f.title)
    ws.set_row(0, 22)
    _head(ws, 1, columns, f)
    index = b.index
    where = {o.path: i for i, o in enumerate(b.report.outcomes)} if b.extras.duplicates else {}
    links = _Links(ws)
    row = 1
    for d in b.extras.duplicates:
        for s, kept in [(d.kept, True), *((o, False) for o in d.others)]:
            row += 1
            fi = where.get(s.path, -1)
            k = index.first[fi] + s.project if fi >= 0 and index.first[fi] >= 0 else -1
            rec = index.record(k) if 0 <= k < index.projects and index.file[k] == fi else None
            cells = [text(d.unit), text(d.project), text(d.reason), text(s.path)]
            n = max(lines(cells[0], 18), lines(cells[1], 24), lines(cells[2], 18), lines(cells[3], 26))
            if n > 1:
                ws.set_row(row, height(n))
            ws.write_string(row, 0, cells[0], f.wrap)
            ws.write_string(row, 1, cells[1], f.wrap)
            _num(ws, row, 2, d.year, f.center, f.center)
            ws.write_string(row, 3, cells[2], f.wrap)
            ws.write_string(row, 4, cells[3], f.wrap)
            target = rec[16] if rec else ""
            links.put(row, 5, target, OPEN if target else "", f.link, f.center)
            ws.write_string(row, 6, text(s.time), f.center)
            ws.write_string(row, 7, "保留，计入排名" if kept else "未计入排名（已有较新提交）", f.wrap)
            _num(ws, row, 8, rec[9] if rec else None, f.num, f.text)
    if row > 1:
        ws.autofilter(1, 0, row, len(columns) - 1)
    else:
        ws.write_string(2, 0, "无", f.text)


def _unprocessed(wb: Workbook, f: _Formats, report: BatchReport) -> None:
    columns = [("文件", 40), ("状态", 8), ("原因", 80)]
    ws = _sheet(wb, "未处理文件", columns)
    ws.write_string(0, 0, "未处理文件（跳过、无法读取或评分结果未能写出的文件）", f.title)
    ws.set_row(0, 22)
    _head(ws, 1, columns, f)
    row = 1
    for o in report.outcomes:
        if o.status != "scored" or o.reason:
            row += 1
            path, reason = text(o.path), text(o.reason)
            n = max(lines(path, 40), lines(reason, 80))
            if n > 1:
                ws.set_row(row, height(n))
            ws.write_string(row, 0, path, f.wrap)
            ws.write_string(row, 1, STATUS_LABEL.get(o.status, o.status), f.center)
            ws.write_string(row, 2, reason, f.wrap)
    if row > 1:
        ws.autofilter(1, 0, row, len(columns) - 1)
    else:
        ws.write_string(2, 0, "无：所有文件均已评分", f.text)


def _roster(wb: Workbook, f: _Formats, extras: SummaryExtras) -> None:
    roster = extras.roster
    assert roster is not None
    columns = [("类别", 10), ("单位", 26), ("项目", 30), ("说明", 40), ("文件", 30)]
    ws = _sheet(wb, "未提交", columns)
    ws.write_string(0, 0, f"未提交：名单{roster.counts()}", f.title)
    ws.set_row(0, 22)
    _head(ws, 1, columns, f)
    rows: list[tuple[str, str, str, str, str]] = []
    rows += [("未交", u, "", "名单中的单位没有提交", "") for u in roster.missing]
    rows += [("缺项目", u, p, "名单中的项目没有找到", "") for u, p in roster.missing_projects]
    rows += [("名称相近", m.roster_name, "", f"提交的单位名称为“{m.submitted_name}”，与名单不完全一致", m.path)
             for m in roster.near_misses]
    rows += [("名单外", u, "", "提交的单位不在名单中", p) for u, p in roster.unknown_units]
    row = 1
    for cells in rows:
        row += 1
        values = [text(c) for c in cells]
        n = max(lines(v, w) for v, (_, w) in zip(values, columns))
        if n > 1:
            ws.set_row(row, height(n))
        for c, v in enumerate(values):
            ws.write_string(row, c, v, f.center if c == 0 else f.wrap)
    if row > 1:
        ws.autofilter(1, 0, row, len(columns) - 1)
    else:
        ws.write_string(2, 0, "无：名单中的单位均已提交", f.text)


def write_summary(report: BatchReport, path: str, profile: Profile, index: SummaryIndex,
                  extras: Optional[SummaryExtras] = None) -> None:
    """Write 汇总.xlsx to ``path`` (atomically: a temporary file renamed into place)."""
    b = _Batch(report, index, extras or SummaryExtras())
    stamp = generated_at()

    import xlsxwriter

    def build(tmp: str) -> None:
        wb = xlsxwriter.Workbook(tmp, {"constant_memory": True, "strings_to_formulas": False,
                                       "strings_to_urls": False, "strings_to_numbers": False,
                                       "tmpdir": os.path.dirname(os.path.abspath(tmp)),
                                       "default_format_properties": {"font_name": "宋体", "font_size": 10}})
        wb.set_properties({"title": "预算绩效自评评分汇总", "author": "perf-xlsx",
                           "created": _created(stamp)})
        wb.set_custom_property(OUTPUT_PROPERTY, "summary")
        f = _Formats(wb)
        grades, rates, red = _ranking(wb, f, b, profile, stamp)
        labels = grade_labels(profile, grades)
        _distribution(wb, f, b, labels, grades, rates, red)
        _codes(wb, f, b)
        _findings(wb, f, b)
        _duplicates(wb, f, b)
        _unprocessed(wb, f, report)
        if b.extras.roster is not None:
            _roster(wb, f, b.extras)
        wb.close()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())

    atomic_write(path, build)


def _created(stamp: str) -> Any:
    import datetime

    return datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M")


__all__ = ["KIND_LABEL", "SummaryIndex", "digest", "grade_labels", "link_target", "write_summary"]
