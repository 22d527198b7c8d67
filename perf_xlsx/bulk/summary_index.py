"""What 汇总.xlsx needs of each result before anything is written: the workers' :func:`digest`
(one result in, its rows out, text wrapped and row heights counted) and the parent's
:class:`SummaryIndex` (a few numbers per project in arrays, the rows in a spool), with the
summary's constants.

Kept light on purpose: the batch parent imports it before it knows whether a summary must be
written at all (an unchanged rerun writes none), and every worker imports it. It must not pull
xlsxwriter nor anything under perf_xlsx.judge (tests/test_summary_split.py checks); the
writer is perf_xlsx.bulk.summary.
"""

from __future__ import annotations

import marshal
import math
import os
import re
import time
from array import array
from collections import Counter
from typing import IO, TYPE_CHECKING, Any, Optional, Sequence

from perf_xlsx.a1 import quote_sheet
from perf_xlsx.bulk.summary_layout import lines, text
from perf_xlsx.codes import CODES
from perf_xlsx.enums import Severity

if TYPE_CHECKING:
    from perf_xlsx.rules import Profile

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
NOISE_PLACES = 10  # as perf_xlsx.judge.numbers: float noise cut at ten decimal places

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
_W_FILE, _W_UNIT, _W_SHEET, _W_TITLE, _W_MSG, _W_EXPECTED, _W_FOUND = (w for _, w in FINDING_WRAPPED)
_W_NAME, _W_REASON = RANK_COLUMNS[C_NAME][1], RANK_COLUMNS[C_REASON][1]
_W_RANK_UNIT, _W_RANK_FILE = RANK_COLUMNS[C_UNIT][1], RANK_COLUMNS[C_FILE][1]


# --- worker side: one result in, its rows out ---------------------------------------------


def _finite(x: Any) -> Optional[float]:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) else None


def _nan(x: Optional[float]) -> float:
    return math.nan if x is None else x


def _settled(x: float) -> float:
    """perf_xlsx.judge.numbers.settled, without importing the judge: the float nearest the value
    cut at NOISE_PLACES decimals. float() of the decimal string is what float(Decimal(string))
    computes (both round the same exact decimal to the nearest double)."""
    return float(f"{float(x):.{NOISE_PLACES}f}")


def link_target(output: str, sheet: Optional[str] = None, cell: Optional[str] = None) -> str:
    """An xlsxwriter link to the scored copy (a file beside 汇总.xlsx), at a sheet's cell. The
    file part is percent-escaped as Excel writes it (a bare "#" would start the location)."""
    target = "external:" + output.translate(_URL_ESCAPES)
    if sheet:
        target += _location(sheet, cell)
    return target


def _location(sheet: str, cell: Optional[str]) -> str:
    ref = cell.split(":")[0].replace("$", "") if cell and _A1.fullmatch(cell) else "A1"
    return "#" + quote_sheet(sheet) + "!" + ref


def wrapped_lines(values: dict[int, str], widths: Sequence[tuple[int, float]]) -> int:
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


def shown_cell(cell: str) -> str:
    """The cell a finding names, as its link shows it: a range too wide for the one-line link
    cell shows its first cell (the link goes there anyway)."""
    if len(cell) <= PLACE_WIDTH - 1 or not _A1.fullmatch(cell):
        return text(cell)
    return cell.split(":")[0]


def _project(p: dict[str, Any], file: str, output: Optional[str], counts: dict[Any, list[int]],
             units: dict[str, str]) -> tuple[Any, ...]:
    """One table's entry of digest()["projects"]."""
    funds, total = p.get("funds") or {}, p.get("total") or {}
    sheet = str(p.get("sheet") or "")
    errors, warnings = counts.get(p.get("sheet"), (0, 0))
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
    name = text(p.get("name") or "")
    year = p.get("year") if isinstance(p.get("year"), int) else None
    diff = round(entered - score, 2) if entered is not None and score is not None else None
    share = _finite(p.get("indicator_share"))
    red = share is not None and rate is not None and _settled(share - min(rate, 1.0)) > RED_MARGIN
    budget_cell = next((r.get("cells", {}).get("full_year") for r in funds.get("rows") or []
                        if r.get("kind") == "total"), None) or funds.get("score_cell") or ""
    n_lines = max(lines(unit, _W_RANK_UNIT) if unit else 1, lines(name, _W_NAME) if name else 1,
                  lines(file, _W_RANK_FILE) if file else 1, lines(reason, _W_REASON) if reason else 1)
    record = (year, unit, name, KIND_LABEL.get(kind, kind), budget, executed, rate, fscore,
              round(sum(scored), 2) if scored else None, score, entered, diff,
              grade if graded else UNRATED, errors, warnings, text(file),
              link_target(output, sheet) if output else "", reason, n_lines,
              share, str(budget_cell), text(sheet))
    return (score, grade, rate, KIND_ORDER.get(kind, len(KIND_ORDER)), budget, executed, year, graded, red,
            marshal.dumps(record))


def digest(data: dict[str, Any], output: Optional[str]) -> dict[str, Any]:
    """What the summary needs of one perf_xlsx.result/1 object, as plain values (picklable).

    ``projects``: per table (总分, 等级, 执行率, kind's place in KIND_ORDER, 预算, 执行, 年度,
    graded, red, record) where record is the marshalled 排名 row; ``findings``: the marshalled
    问题清单 rows of the file; ``codes``: (code, severity, count)."""
    file = str(data.get("file") or "")
    findings = data.get("findings") or []
    counts: dict[Any, list[int]] = {}  # by sheet: errors, warnings
    for f in findings:
        sev = f.get("severity")
        if sev == "error" or sev == "warning":
            c = counts.setdefault(f.get("sheet"), [0, 0])
            c[sev == "warning"] += 1
    units: dict[str, str] = {}
    projects = [_project(p, file, output, counts, units) for p in data.get("projects") or []]
    rows = _finding_rows(findings, file, output, units) if findings else []
    codes: Counter[tuple[str, str]] = Counter()
    for row in rows:
        codes[(row[5], row[11])] += 1
    blob = marshal.dumps((text(file), [row[:11] for row in rows])) if rows else b""
    return {"projects": projects, "findings": blob, "codes": [(c, s, n) for (c, s), n in codes.items()]}


def _finding_rows(findings: list[Any], file: str, output: Optional[str],
                  units: dict[str, str]) -> list[tuple[Any, ...]]:
    """The 问题清单 rows of one file, errors first (a stable sort keeps the file's order), each
    with its severity's value appended (for the code counts)."""
    ordered = sorted(findings, key=lambda f: SEVERITY_RANK.get(f.get("severity"), 3))
    prefix = "external:" + output.translate(_URL_ESCAPES) if output else ""
    file_lines = lines(file, _W_FILE) if file else 1
    per_sheet: dict[str, tuple[str, int]] = {}  # sheet → its unit, the lines of both
    rows = []
    for f in ordered:
        sev, code = str(f.get("severity") or ""), str(f.get("code") or "")
        shown: list[Any] = []
        n = file_lines
        for key, width in (("expected", _W_EXPECTED), ("found", _W_FOUND)):
            value = f.get(key)
            if isinstance(value, list):
                value = "–".join(str(v) for v in value)
            if value is not None and _finite(value) is None:
                value = text(value)
                if value:  # 应为 / 实为 given as words wrap like the rest
                    n = max(n, lines(value, width))
            shown.append(value)
        sheet, cell = text(f.get("sheet") or ""), shown_cell(str(f.get("cell") or ""))
        at = per_sheet.get(sheet)
        if at is None:
            unit = units.get(sheet, "")
            at = per_sheet[sheet] = (unit, max(lines(unit, _W_UNIT) if unit else 1,
                                               lines(sheet, _W_SHEET) if sheet else 1))
        unit = at[0]
        known = CODES.get(code)
        title = known.title if known else code
        message = text(f.get("message") or "")
        n = max(n, at[1], lines(title, _W_TITLE) if title else 1, lines(message, _W_MSG) if message else 1)
        rows.append((unit, sheet, cell, prefix + _location(sheet, cell) if output and sheet else "",
                     SEVERITY_LABEL.get(sev, sev), code, title, message, shown[0], shown[1], n, sev))
    return rows


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

    def ranking(self, included: Optional[Sequence[int]] = None) -> list[int]:
        """Project positions by kind (项目, then 部门整体 …); within a kind the graded ones by 总分,
        best first, then those without a grade; ties in file order, so that results do not
        depend on which worker finished first. Stable sorts on plain keys rather than one on
        tuples: a tuple per project would be the biggest object of a 10,000-file run; one list
        sorted in place three times. ``included``: 0 (or False) leaves a project out."""
        score, file, kind, graded = self.score, self.file, self.kind, self.graded
        order = list(range(len(score))) if included is None else [k for k in range(len(score)) if included[k]]
        order.sort(key=lambda k: (file[k] << 16) + self.pos[k])  # a file's tables stay in order
        order.sort(key=lambda k: -score[k] if graded[k] else math.inf)
        order.sort(key=kind.__getitem__)
        return order


def grade_labels(profile: Profile, grades: Counter[str]) -> list[str]:
    """The rows of the grade table: the profile's grades best first (a rules file may name its
    own), any other grade found, and 未评级 last, so that the rows add up to the ranked projects."""
    labels = list(dict.fromkeys(g for _, g in profile.grade_bands))
    labels += sorted(g for g in grades if g not in labels and g != UNRATED)
    return labels + [UNRATED]


def generated_at() -> str:
    """The time the summary says it was made: now, or SOURCE_DATE_EPOCH when that is set (the
    reproducible-builds convention; the golden tests pin it)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = time.gmtime(int(epoch)) if epoch and epoch.isdigit() else time.localtime()
    return time.strftime("%Y-%m-%d %H:%M", t)


__all__ = ["KIND_LABEL", "KIND_ORDER", "MAX_LINKS", "SummaryIndex", "UNRATED", "digest", "generated_at",
           "grade_labels", "link_target"]
