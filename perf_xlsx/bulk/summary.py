"""The batch summary workbook 汇总.xlsx: 排名, 等级分布, 问题清单, 未处理文件.

Why not xlsxwriter here: the summary is the one serial step of a batch, and at ~15 findings
per file xlsxwriter's per-cell cost (~10 µs) plus re-reading every result made it a third of
the whole run. Instead each worker renders its own rows as SpreadsheetML fragments while it
still holds the result (:func:`digest`), with a placeholder for the row number that only the
final order decides. The parent keeps a few numbers per project in arrays, spools the
fragments, and streams the sheets straight into the zip: memory stays flat in the number of
files, and every cell is a typed value or an inline string (never a formula).
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import zipfile
from array import array
from collections import Counter
from typing import IO, Any, Optional, Sequence

from perf_xlsx.a1 import col_letter, quote_sheet
from perf_xlsx.bulk.report import BatchReport
from perf_xlsx.fileutil import atomic_write
from perf_xlsx.judge.numbers import settled
from perf_xlsx.model import Severity
from perf_xlsx.ooxml.text import (
    cell_string,
    clean_xml,
    number_text,
    t_element,
    xml_attr,
    xml_text,
)
from perf_xlsx.rules import Profile
from perf_xlsx.write.output_tag import OUTPUT_PROPERTY

# By a severity's value ("error"), as the results hold it; the words and order are the model's.
SEVERITY_LABEL = {s.value: s.label for s in Severity}
SEVERITY_RANK = {s.value: s.rank for s in Severity}
STATUS_LABEL = {"scored": "已评分", "skipped": "已跳过", "failed": "失败"}
RATE_BUCKETS = [(1.0, "100% 及以上"), (0.9, "90%–100%"), (0.8, "80%–90%"), (0.6, "60%–80%"), (0.0, "60% 以下")]
UNRATED = "未评级"  # a ranked table with no 等级: no 总分 (rows left to a person, no 分值, nothing scorable)
UNGRADED = "未定级"  # what the 等级 cell says of such a table, with the reason beside it
# 类别 of a table, by its kind in the results; 名次 count within each kind, in this order, so a
# bureau ranks 部门整体 tables apart from projects.
KIND_LABEL = {"project": "项目支出", "department": "部门整体", "transfer": "转移支付"}
KIND_ORDER = {kind: i for i, kind in enumerate(KIND_LABEL)}
RED_MARGIN = 0.05  # the 一体化 system's "red" warning: indicator score share this far ahead of 执行率

# Fragment markers: both are characters XML 1.0 forbids, and cell_string strips them from every
# user string, so they can never occur inside a cell's text.
ROW = "\x01"  # stands for the row number until the final order is known
SEP = b"\x00"  # separates the pieces of a spooled record

# cellXfs indexes of STYLES below.
S_TITLE, S_NOTE, S_HEAD, S_INT, S_TEXT, S_NUM, S_PCT, S_LINK, S_WRAP, S_BAD = range(1, 11)

RANK_HEADERS = ["名次", "类别", "单位", "文件", "工作表", "项目名称", "全年预算数（万元）", "全年执行数（万元）", "执行率",
                "资金得分", "总分（工具）", "总分（自评）", "等级", "错误", "警告", "评分结果"]
RANK_WIDTHS = [6, 9, 22, 26, 14, 30, 12, 12, 10, 9, 10, 10, 12, 6, 6, 22]
RED_HEADERS = ["文件", "工作表", "项目名称", "执行率", "指标得分率", "总分（工具）"]
FINDING_HEADERS = ["文件", "工作表", "单元格", "级别", "代码", "说明", "应为", "实为"]
FINDING_WIDTHS = [26, 16, 10, 8, 30, 60, 12, 12]


# --- worker side: one result in, its rows out ---------------------------------------------


def _s(col: int, value: Any, style: int = S_TEXT) -> str:
    """A text cell of the current row (row number still a placeholder); blank when empty."""
    text = "" if value is None else cell_string(value)
    ref = col_letter(col) + ROW
    if not text:
        return f'<c r="{ref}" s="{style}"/>'
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is>{t_element(text)}</is></c>'


def _n(col: int, value: Any, style: int, text_style: int = S_TEXT) -> str:
    """A number cell; None and NaN become a bordered blank, anything else text."""
    if value is None or value == "":
        return f'<c r="{col_letter(col)}{ROW}" s="{text_style}"/>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        v = number_text(value)
        if v is None:
            return f'<c r="{col_letter(col)}{ROW}" s="{text_style}"/>'
        return f'<c r="{col_letter(col)}{ROW}" s="{style}"><v>{v}</v></c>'
    return _s(col, value, text_style)


def _indicator_share(project: dict[str, Any]) -> Optional[float]:
    """The share the funds.output_exceeds_spending check compared with the rate, as the
    worker's result carries it (scoring.indicator_share): the red list is the finding's list."""
    return _finite(project.get("indicator_share"))


_URL_ESCAPES = str.maketrans({c: f"%{ord(c):02x}" for c in '%" <>[]^`{}#'})


def _link_target(name: str) -> str:
    """A relative file link as Excel writes it: these characters percent-escaped (a bare "#"
    would start an in-file location); CJK and other letters stay as they are."""
    return name.translate(_URL_ESCAPES)


def _finite(x: Any) -> Optional[float]:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) else None


def digest(data: dict[str, Any], output: Optional[str]) -> dict[str, Any]:
    """What the summary needs of one perf_xlsx.result/1 object, rendered in the worker.

    ``projects``: per project (总分 or None, 等级, 执行率 or None, record, kind's place in
    KIND_ORDER) where record is ``cells B..P`` SEP ``link target`` SEP ``red-flag row cells`` (the last two may be empty);
    ``findings``: this file's 问题清单 rows, SEP-separated; ``codes``: (code, severity, count).
    """
    file = data.get("file") or ""
    findings = data.get("findings") or []
    projects = []
    for p in data.get("projects") or []:
        funds, total = p.get("funds") or {}, p.get("total") or {}
        mine = [f for f in findings if f.get("sheet") == p.get("sheet")]
        errors = sum(1 for f in mine if f.get("severity") == "error")
        warnings = sum(1 for f in mine if f.get("severity") == "warning")
        score, rate = _finite(total.get("score")), _finite(funds.get("rate"))
        grade = total.get("grade") or ""
        ungraded = p.get("ungraded") or ""
        shown_grade = grade or (f"{UNGRADED}：{ungraded}" if ungraded else "—")
        kind = str(p.get("kind") or "project")
        cells = "".join((
            _s(2, KIND_LABEL.get(kind, kind)),
            _s(3, p.get("department") or p.get("implementer") or ""), _s(4, file), _s(5, p.get("sheet")),
            _s(6, p.get("name")), _n(7, funds.get("budget"), S_NUM), _n(8, funds.get("executed"), S_NUM),
            _n(9, funds.get("rate"), S_PCT), _n(10, funds.get("score"), S_NUM), _n(11, score, S_NUM),
            _n(12, total.get("score_entered"), S_NUM), _s(13, shown_grade, S_WRAP if ungraded else S_TEXT),
            _n(14, errors, S_BAD if errors else S_INT), _n(15, warnings, S_INT),
            _s(16, output, S_LINK) if output else _s(16, ""),
        ))
        red = ""
        share = _indicator_share(p)
        if share is not None and rate is not None and settled(share - min(rate, 1.0)) > RED_MARGIN:
            red = "".join((_s(1, file), _s(2, p.get("sheet")), _s(3, p.get("name")), _n(4, rate, S_PCT),
                           _n(5, share, S_PCT), _n(6, score, S_NUM)))
        target = xml_attr(_link_target(clean_xml(output))) if output else ""
        projects.append((score, grade, rate, SEP.join(s.encode("utf-8") for s in (cells, target, red)),
                         KIND_ORDER.get(kind, len(KIND_ORDER))))
    ordered = sorted(findings, key=lambda f: SEVERITY_RANK.get(f.get("severity"), 3))  # stable: file order kept
    rows = []
    codes: Counter[tuple[str, str]] = Counter()
    for f in ordered:
        sev = f.get("severity") or ""
        codes[(f.get("code") or "", sev)] += 1
        found = []
        for key in ("expected", "found"):
            value = f.get(key)
            found.append("–".join(str(v) for v in value) if isinstance(value, list) else value)
        rows.append("".join((
            _s(1, file), _s(2, f.get("sheet")), _s(3, f.get("cell")), _s(4, SEVERITY_LABEL.get(sev, sev)),
            _s(5, f.get("code")), _s(6, f.get("message"), S_WRAP), _n(7, found[0], S_NUM), _n(8, found[1], S_NUM),
        )).encode("utf-8"))
    return {"projects": projects, "findings": SEP.join(rows), "codes": [(c, s, n) for (c, s), n in codes.items()]}


# --- parent side: a few numbers per project, the rest in the spool ------------------------


class SummaryIndex:
    """Accumulates digests as files finish. Per project it keeps 37 bytes in arrays (总分,
    执行率, kind, file position, spool offset and length); per file 12 bytes, its findings' spool span."""

    def __init__(self, spool: IO[bytes], files: int) -> None:
        self.spool = spool
        self.score = array("d")  # NaN: no 总分
        self.rate = array("d")  # NaN: no 执行率
        self.kind = array("b")  # place of the table's kind in KIND_ORDER
        self.file = array("l")  # index into report.outcomes
        self.offset = array("q")
        self.length = array("l")
        self.grades: Counter[str] = Counter()
        self.codes: Counter[tuple[str, str]] = Counter()
        # Per file: where its 问题清单 rows are in the spool (-1: none).
        self.findings_at = array("q", [-1]) * files
        self.findings_len = array("l", [0]) * files

    def _put(self, data: bytes) -> int:
        self.spool.seek(0, os.SEEK_END)
        at = self.spool.tell()
        self.spool.write(data)
        return at

    def add(self, file_index: int, d: dict[str, Any]) -> None:
        for score, grade, rate, record, kind in d.get("projects", ()):
            self.score.append(math.nan if score is None else score)
            self.rate.append(math.nan if rate is None else rate)
            self.kind.append(kind)
            self.file.append(file_index)
            self.offset.append(self._put(record))
            self.length.append(len(record))
            self.grades[grade or UNRATED] += 1
        rows = d.get("findings") or b""
        if rows:
            self.findings_at[file_index] = self._put(rows)
            self.findings_len[file_index] = len(rows)
        for code, sev, n in d.get("codes", ()):
            self.codes[(code, sev)] += n

    @property
    def projects(self) -> int:
        return len(self.score)

    def read(self, offset: int, length: int) -> bytes:
        self.spool.seek(offset)
        return self.spool.read(length)

    def ranking(self) -> list[int]:
        """Project positions by kind (项目支出, then 部门整体 …), within a kind best 总分 first
        (none last); ties in file order, so that results do not depend on which worker finished
        first. Stable sorts on plain keys rather than one on tuples: a tuple per project would be
        the biggest object of a 10,000-file run."""
        score, file, kind = self.score, self.file, self.kind
        by_file = sorted(range(len(score)), key=file.__getitem__)  # a file's projects stay in order
        by_score = sorted(by_file, key=lambda k: -score[k] if score[k] == score[k] else math.inf)
        return sorted(by_score, key=kind.__getitem__)


# --- streaming sheets ---------------------------------------------------------------------


class _Sheet:
    """One worksheet streamed to a temporary file: rows in order, hyperlinks beside them."""

    def __init__(self, name: str, widths: Sequence[float], frozen_rows: int, last_col: int) -> None:
        self.name = name
        self.widths = widths
        self.frozen = frozen_rows
        self.last_col = last_col
        self.rows: IO[bytes] = tempfile.TemporaryFile()
        self.links: IO[bytes] = tempfile.TemporaryFile()  # <hyperlink/> elements
        self.rels: IO[bytes] = tempfile.TemporaryFile()  # their <Relationship/> elements
        self.nlinks = 0
        self.row = 0  # last row written (1-based)
        self.autofilter: Optional[str] = None
        self.drawing = False

    def put(self, row: int, cells: str) -> None:
        """Row ``row`` (1-based, increasing) from cells whose refs carry the ROW placeholder."""
        n = str(row)
        self.rows.write(f'<row r="{n}">{cells.replace(ROW, n)}</row>'.encode())
        self.row = row

    def put_bytes(self, row: int, cells: bytes) -> None:
        n = str(row).encode()
        self.rows.write(b'<row r="' + n + b'">' + cells.replace(ROW.encode(), n) + b"</row>")
        self.row = row

    def link(self, ref: str, target: bytes) -> None:
        self.nlinks += 1
        rid = f"rId{self.nlinks + 1}"  # rId1 is kept for the drawing
        self.links.write(f'<hyperlink ref="{ref}" r:id="{rid}"/>'.encode())
        self.rels.write(f'<Relationship Id="{rid}" Type="{_REL}/hyperlink" Target="'.encode() + target
                        + b'" TargetMode="External"/>')

    def head(self, selected: bool) -> bytes:
        cols = "".join(f'<col min="{i}" max="{i}" width="{w + 0.7109375}" customWidth="1"/>'
                       for i, w in enumerate(self.widths, start=1))
        f = self.frozen
        pane = (f'<pane ySplit="{f}" topLeftCell="A{f + 1}" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft"/>') if f else ""
        tab = ' tabSelected="1"' if selected else ""
        return (f'{_XML}<worksheet xmlns="{_NS}" xmlns:r="{_REL}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
                f'<dimension ref="A1:{col_letter(self.last_col)}{max(self.row, 1)}"/>'
                f'<sheetViews><sheetView{tab} workbookViewId="0">{pane}</sheetView></sheetViews>'
                f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>').encode()

    def write_to(self, zf: zipfile.ZipFile, part: str, selected: bool) -> None:
        with zf.open(_info(part), "w") as out:
            out.write(self.head(selected))
            _copy(self.rows, out)
            out.write(b"</sheetData>")
            if self.autofilter:
                out.write(f'<autoFilter ref="{self.autofilter}"/>'.encode())
            if self.nlinks:
                out.write(b"<hyperlinks>")
                _copy(self.links, out)
                out.write(b"</hyperlinks>")
            out.write('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                      '<pageSetup paperSize="9" fitToWidth="1" fitToHeight="0" orientation="landscape"/>'
                      '<headerFooter><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>'
                      .encode())
            if self.drawing:
                out.write(b'<drawing r:id="rId1"/>')
            out.write(b"</worksheet>")
        if self.nlinks or self.drawing:
            with zf.open(_info(part.replace("worksheets/", "worksheets/_rels/") + ".rels"), "w") as out:
                out.write(f'{_XML}<Relationships xmlns="{_PKG}">'.encode())
                if self.drawing:
                    out.write(f'<Relationship Id="rId1" Type="{_REL}/drawing" '
                              f'Target="../drawings/drawing1.xml"/>'.encode())
                _copy(self.rels, out)
                out.write(b"</Relationships>")

    def close(self) -> None:
        for fh in (self.rows, self.links, self.rels):
            fh.close()


def _copy(src: IO[bytes], dst: IO[bytes]) -> None:
    src.seek(0)
    shutil.copyfileobj(src, dst, 1 << 20)


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # fixed: reruns give equal bytes
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _head_row(sheet: _Sheet, row: int, headers: list[str], first_col: int = 1) -> None:
    sheet.put(row, "".join(_s(c, h, S_HEAD) for c, h in enumerate(headers, start=first_col)))


# --- the four sheets ----------------------------------------------------------------------


def _ranking(report: BatchReport, index: SummaryIndex, profile: Profile, red: array[int]
             ) -> tuple[_Sheet, Counter[str]]:
    """排名, streamed in rank order; fills ``red`` with (offset, length) pairs of red-flag rows."""
    sheet = _Sheet("排名", RANK_WIDTHS, 3, len(RANK_HEADERS))
    sheet.put(1, _s(1, f"预算绩效自评评分排名（规则：{profile.name} {profile.title}）", S_TITLE))
    kinds = Counter(index.kind)
    by_kind = "，".join(f"{label} {kinds[i]}" for i, label in enumerate(KIND_LABEL.values()) if kinds[i])
    apart = f"（{by_kind}，名次按类别分别排列）" if len(kinds) > 1 else ""
    sheet.put(2, _s(1, f"已评分 {report.count('scored')} 个文件、{index.projects} 张表{apart}；"
                       f"已跳过 {report.count('skipped')}；失败 {report.count('failed')}", S_NOTE))
    _head_row(sheet, 3, RANK_HEADERS)
    rates: Counter[str] = Counter()
    rank, kind = 0, -1
    row = 3
    for k in index.ranking():
        row += 1
        score, rate = index.score[k], index.rate[k]
        if index.kind[k] != kind:  # 名次 count within each kind
            rank, kind = 0, index.kind[k]
        if score == score:
            rank += 1
            first = f'<c r="A{ROW}" s="{S_INT}"><v>{rank}</v></c>'.encode()
        else:
            first = _s(1, "—").encode("utf-8")
        if rate == rate:
            rates[next(label for low, label in RATE_BUCKETS if rate >= low)] += 1
        record = index.read(index.offset[k], index.length[k])
        cells, target, red_cells = record.split(SEP, 2)
        sheet.put_bytes(row, first + cells)
        if target:
            sheet.link(f"{col_letter(len(RANK_HEADERS))}{row}", target)
        if red_cells:
            red.extend((index.offset[k] + len(cells) + len(target) + 2, len(red_cells)))
    if index.projects:
        sheet.autofilter = f"A3:{col_letter(len(RANK_HEADERS))}{row}"
    return sheet, rates


def grade_labels(profile: Profile, grades: Counter[str]) -> list[str]:
    """The rows of the grade table: the profile's grades best first (a rules file may name its
    own), any other grade found, and 未评级 last, so that the rows add up to the ranked projects."""
    labels = list(dict.fromkeys(g for _, g in profile.grade_bands))
    labels += sorted(g for g in grades if g not in labels and g != UNRATED)
    return labels + [UNRATED]


def _grades(index: SummaryIndex, rates: Counter[str], red: array[int], labels: list[str]) -> _Sheet:
    # The chart sits beside the two count tables (D2:I14); the red-flag table starts below it.
    sheet = _Sheet("等级分布", [26, 14, 30, 10, 12, 12], 2, 6)
    sheet.drawing = True
    sheet.put(1, _s(1, "等级分布", S_TITLE))
    _head_row(sheet, 2, ["等级", "项目数"])
    for i, g in enumerate(labels, start=3):
        sheet.put(i, _s(1, g) + _n(2, index.grades.get(g, 0), S_INT))
    row = 3 + len(labels) + 1
    _head_row(sheet, row, ["执行率区间", "项目数"])
    for j, (_, label) in enumerate(RATE_BUCKETS, start=row + 1):
        sheet.put(j, _s(1, label) + _n(2, rates.get(label, 0), S_INT))
    start = max(row + len(RATE_BUCKETS) + 3, 16)  # never under the chart, however few grades
    sheet.put(start, _s(1, "指标得分率比预算执行率高出 5 个百分点以上的项目（红灯）", S_NOTE))
    _head_row(sheet, start + 1, RED_HEADERS)
    for k in range(0, len(red), 2):
        sheet.put_bytes(start + 2 + k // 2, index.read(red[k], red[k + 1]))
    if not red:
        sheet.put(start + 2, _s(1, "无"))
    return sheet


def _findings(report: BatchReport, index: SummaryIndex) -> _Sheet:
    sheet = _Sheet("问题清单", FINDING_WIDTHS, 1, len(FINDING_HEADERS))
    _head_row(sheet, 1, ["问题代码", "级别", "数量"])
    order = sorted(index.codes.items(), key=lambda kv: (SEVERITY_RANK.get(kv[0][1], 2), -kv[1], kv[0][0]))
    for i, ((code, sev), n) in enumerate(order, start=2):
        sheet.put(i, _s(1, code) + _s(2, SEVERITY_LABEL.get(sev, sev)) + _n(3, n, S_INT))
    top = len(order) + 3
    _head_row(sheet, top, FINDING_HEADERS)
    row = top
    for i in range(len(report.outcomes)):
        if index.findings_at[i] < 0:
            continue
        for cells in index.read(index.findings_at[i], index.findings_len[i]).split(SEP):
            row += 1
            sheet.put_bytes(row, cells)
    sheet.autofilter = f"A{top}:{col_letter(len(FINDING_HEADERS))}{max(row, top + 1)}"
    return sheet


def _unprocessed(report: BatchReport) -> _Sheet:
    sheet = _Sheet("未处理文件", [40, 10, 80], 1, 3)
    _head_row(sheet, 1, ["文件", "状态", "原因"])
    row = 1
    for o in report.outcomes:
        if o.status != "scored" or o.reason:
            row += 1
            sheet.put(row, _s(1, o.path) + _s(2, STATUS_LABEL.get(o.status, o.status)) + _s(3, o.reason, S_WRAP))
    if row == 1:
        sheet.put(2, _s(1, "无：所有文件均已评分"))
    return sheet


def write_summary(report: BatchReport, path: str, profile: Profile, index: SummaryIndex) -> None:
    red = array("q")
    ranking, rates = _ranking(report, index, profile, red)
    labels = grade_labels(profile, index.grades)
    sheets = [ranking, _grades(index, rates, red, labels), _findings(report, index), _unprocessed(report)]
    try:
        def build(tmp: str) -> None:
            with open(tmp, "wb") as fh:
                with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
                    _package(zf, sheets, index, labels)
                fh.flush()
                os.fsync(fh.fileno())

        atomic_write(path, build)
    finally:
        for s in sheets:
            s.close()


# --- package parts ------------------------------------------------------------------------

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument"

_FONT = '<font><sz val="10"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
STYLES = (
    f'{_XML}<styleSheet xmlns="{_NS}"><numFmts count="2"><numFmt numFmtId="164" formatCode="0.00"/>'
    '<numFmt numFmtId="165" formatCode="0.00%"/></numFmts>'
    '<fonts count="6"><font><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="14"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    f'{_FONT}<font><b/><sz val="10"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><u/><sz val="10"/><color rgb="FF0563C1"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><sz val="10"/><color rgb="FFC00000"/><name val="宋体"/><family val="3"/><charset val="134"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFD9E1F2"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border><border>'
    '<left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
    '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border>'
    '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="11"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    # S_TITLE, S_NOTE
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    # S_HEAD
    '<xf numFmtId="0" fontId="3" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" '
    'applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
    # S_INT, S_TEXT, S_NUM, S_PCT, S_LINK, S_WRAP, S_BAD
    '<xf numFmtId="1" fontId="2" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyFont="1" '
    'applyBorder="1" applyAlignment="1"><alignment horizontal="right" vertical="center"/></xf>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" '
    'applyAlignment="1"><alignment vertical="center"/></xf>'
    '<xf numFmtId="164" fontId="2" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyFont="1" '
    'applyBorder="1" applyAlignment="1"><alignment horizontal="right" vertical="center"/></xf>'
    '<xf numFmtId="165" fontId="2" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyFont="1" '
    'applyBorder="1" applyAlignment="1"><alignment horizontal="right" vertical="center"/></xf>'
    '<xf numFmtId="0" fontId="4" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" '
    'applyAlignment="1"><alignment vertical="center"/></xf>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" '
    'applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>'
    '<xf numFmtId="1" fontId="5" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyFont="1" '
    'applyBorder="1" applyAlignment="1"><alignment horizontal="right" vertical="center"/></xf>'
    '</cellXfs><cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0"/></styleSheet>'
)


def _chart(grades: Counter[str], labels: list[str]) -> str:
    """The bar chart of the grade table, 未评级 included: the same categories as the rows it
    refers to, so the chart and the table agree before and after any recalculation."""
    # A rules file may name its grades: escaped and cleaned like any user text.
    cats = "".join(f'<c:pt idx="{i}"><c:v>{xml_text(cell_string(g))}</c:v></c:pt>' for i, g in enumerate(labels))
    vals = "".join(f'<c:pt idx="{i}"><c:v>{grades.get(g, 0)}</c:v></c:pt>' for i, g in enumerate(labels))
    n = len(labels)
    # Cached points let the chart draw before (or without) any recalculation.
    return (
        f'{_XML}<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        f'xmlns:r="{_REL}"><c:lang val="zh-CN"/><c:chart><c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/>'
        '<a:p><a:pPr><a:defRPr/></a:pPr><a:r><a:rPr lang="zh-CN"/><a:t>等级分布</a:t></a:r></a:p></c:rich></c:tx>'
        '<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/><c:plotArea><c:layout/><c:barChart>'
        '<c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/><c:ser><c:idx val="0"/>'
        '<c:order val="0"/><c:tx><c:v>项目数</c:v></c:tx><c:invertIfNegative val="0"/><c:dLbls><c:showLegendKey val="0"/>'
        '<c:showVal val="1"/><c:showCatName val="0"/><c:showSerName val="0"/><c:showPercent val="0"/>'
        '<c:showBubbleSize val="0"/></c:dLbls>'
        f'<c:cat><c:strRef><c:f>\'等级分布\'!$A$3:$A${2 + n}</c:f><c:strCache><c:ptCount val="{n}"/>{cats}'
        f'</c:strCache></c:strRef></c:cat><c:val><c:numRef><c:f>\'等级分布\'!$B$3:$B${2 + n}</c:f><c:numCache>'
        f'<c:formatCode>General</c:formatCode><c:ptCount val="{n}"/>{vals}</c:numCache></c:numRef></c:val></c:ser>'
        '<c:gapWidth val="150"/><c:axId val="50010001"/><c:axId val="50010002"/></c:barChart>'
        '<c:catAx><c:axId val="50010001"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        '<c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="1"/><c:tickLblPos val="nextTo"/>'
        '<c:crossAx val="50010002"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>'
        '<c:lblOffset val="100"/></c:catAx><c:valAx><c:axId val="50010002"/><c:scaling><c:orientation val="minMax"/>'
        '</c:scaling><c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/><c:numFmt formatCode="General" '
        'sourceLinked="1"/><c:tickLblPos val="nextTo"/><c:crossAx val="50010001"/><c:crosses val="autoZero"/>'
        '<c:crossBetween val="between"/></c:valAx></c:plotArea><c:plotVisOnly val="1"/></c:chart></c:chartSpace>'
    )


_DRAWING = (
    f'{_XML}<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><xdr:twoCellAnchor>'
    '<xdr:from><xdr:col>3</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>'
    '<xdr:to><xdr:col>9</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>14</xdr:row><xdr:rowOff>0</xdr:rowOff>'
    '</xdr:to><xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="等级分布图"/>'
    '<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
    '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
    '<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
    f'xmlns:r="{_REL}" r:id="rId1"/></a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/>'
    '</xdr:twoCellAnchor></xdr:wsDr>'
)


def _package(zf: zipfile.ZipFile, sheets: list[_Sheet], index: SummaryIndex, labels: list[str]) -> None:
    def put(name: str, text: str) -> None:
        zf.writestr(_info(name), text.encode("utf-8"))

    n = len(sheets)
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.spreadsheetml.'
                        'worksheet+xml"/>' for i in range(1, n + 1))
    put("[Content_Types].xml",
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.spreadsheetml.sheet.main+xml"/>{overrides}'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.spreadsheetml.styles+xml"/>'
        f'<Override PartName="/xl/drawings/drawing1.xml" ContentType="{_CT}.drawing+xml"/>'
        f'<Override PartName="/xl/charts/chart1.xml" ContentType="{_CT}.drawingml.chart+xml"/>'
        f'<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.'
        f'core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="{_CT}.extended-properties+xml"/>'
        f'<Override PartName="/docProps/custom.xml" ContentType="{_CT}.custom-properties+xml"/></Types>')
    put("_rels/.rels",
        f'{_XML}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
        f'Target="xl/workbook.xml"/><Relationship Id="rId2" Type="{_PKG}/metadata/core-properties" '
        f'Target="docProps/core.xml"/><Relationship Id="rId3" Type="{_REL}/extended-properties" '
        f'Target="docProps/app.xml"/><Relationship Id="rId4" Type="{_REL}/custom-properties" '
        f'Target="docProps/custom.xml"/></Relationships>')
    put("docProps/core.xml",
        f'{_XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>预算绩效自评评分汇总</dc:title>'
        '<dc:creator>perf-xlsx</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z'
        '</dcterms:created></cp:coreProperties>')
    put("docProps/app.xml",
        f'{_XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        '<Application>perf-xlsx</Application></Properties>')
    put("docProps/custom.xml",
        f'{_XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property '
        f'fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" name="{OUTPUT_PROPERTY}"><vt:lpwstr>summary'
        '</vt:lpwstr></property></Properties>')
    names = []
    for i, s in enumerate(sheets):
        if s.autofilter:
            names.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                         f'{quote_sheet(s.name)}!{_absolute(s.autofilter)}</definedName>')
        if s.frozen:
            names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
                         f'{quote_sheet(s.name)}!${s.frozen}:${s.frozen}</definedName>')
    sheet_list = "".join(f'<sheet name="{s.name}" sheetId="{i}" r:id="rId{i}"/>' for i, s in enumerate(sheets, 1))
    put("xl/workbook.xml",
        f'{_XML}<workbook xmlns="{_NS}" xmlns:r="{_REL}"><workbookPr/><bookViews><workbookView activeTab="0"/>'
        f'</bookViews><sheets>{sheet_list}</sheets><definedNames>{"".join(names)}</definedNames>'
        '<calcPr calcId="191029"/></workbook>')
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, n + 1))
    put("xl/_rels/workbook.xml.rels",
        f'{_XML}<Relationships xmlns="{_PKG}">{rels}<Relationship Id="rId{n + 1}" Type="{_REL}/styles" '
        'Target="styles.xml"/></Relationships>')
    put("xl/styles.xml", STYLES)
    for i, s in enumerate(sheets, 1):
        s.write_to(zf, f"xl/worksheets/sheet{i}.xml", selected=i == 1)
    put("xl/drawings/drawing1.xml", _DRAWING)
    put("xl/drawings/_rels/drawing1.xml.rels",
        f'{_XML}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/chart" '
        'Target="../charts/chart1.xml"/></Relationships>')
    put("xl/charts/chart1.xml", _chart(index.grades, labels))


def _absolute(ref: str) -> str:
    def one(a1: str) -> str:
        letters = a1.rstrip("0123456789")
        return f"${letters}${a1[len(letters):]}"

    return ":".join(one(p) for p in ref.split(":"))

