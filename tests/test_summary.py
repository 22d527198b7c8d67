"""汇总.xlsx as a finance bureau prints and reads it (issue 14, part 1).

Summaries are written from real workbooks built here: each is evaluated, its result digested as
a batch worker digests it, and write_summary runs as the batch runs it (with the SummaryExtras
the inbox side hands over). Read back with openpyxl; printed through LibreOffice where the claim
is about the page.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Optional
from urllib.parse import unquote

import pytest
from builders import make_workbook, seed_spec, soffice_convert, spec_from_case
from loaded import load_workbook

from perf_xlsx.bulk.extras import (
    DuplicateSubmission,
    NearMiss,
    RosterStatus,
    Submission,
    SummaryExtras,
)
from perf_xlsx.bulk.plausible import FACTOR_HIGH, implausible_amounts
from perf_xlsx.bulk.report import BatchReport, Outcomes
from perf_xlsx.bulk.run import SUMMARY_NAME
from perf_xlsx.bulk.summary import SummaryIndex, digest, write_summary
from perf_xlsx.bulk.summary_layout import POINTS_PER_LINE, display_width, fits, lines
from perf_xlsx.codes import CODES
from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.results import result_to_dict
from perf_xlsx.rules import load_profile

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted((Path(__file__).parent / "data" / "real-cases").glob("*.json"))
SHEETS = ["排名", "等级分布", "问题统计", "问题清单", "重复提交", "未处理文件"]
C_RANK, C_YEAR, C_UNIT, C_NAME, C_KIND, C_BUDGET, C_EXEC, C_RATE = range(8)
C_SCORE, C_ENTERED, C_DIFF, C_GRADE, C_ERR, C_WARN, C_FILE, C_LINK, C_REASON = range(10, 19)
NAN = float("nan")


def summarise(paths: list[Path], out: Path, extras: Optional[SummaryExtras] = None) -> list[dict[str, Any]]:
    """Write out/汇总.xlsx for ``paths`` as a batch would; returns their results."""
    profile = load_profile("national_2020")
    results = [result_to_dict(evaluate_file(str(p), profile, display_name=p.name), output=f"{p.stem}.scored.xlsx")
               for p in paths]
    outcomes = Outcomes([d["file"] for d in results])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=out) as spool:
        index = SummaryIndex(spool, len(results))
        for i, d in enumerate(results):
            outcomes.set(i, d["status"])
            if d["status"] == "scored":
                index.add(i, digest(d, d["output"]))
        report = BatchReport(folder=str(out), outdir=str(out), profile=profile.name, outcomes=outcomes)
        write_summary(report, str(out / SUMMARY_NAME), profile, index, extras)
    return results


def ranking_rows(ws: Any) -> list[tuple[Any, ...]]:
    """The 排名 rows between the header (row 3) and the totals row."""
    rows = []
    for r in ws.iter_rows(min_row=4, values_only=True):
        if r[C_UNIT] == "合计":
            break
        rows.append(r)
    return rows


def totals_row(ws: Any) -> tuple[Any, ...]:
    return next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[C_UNIT] == "合计")


def width(ws: Any, col: int) -> float:
    """A column's width as the file says it (openpyxl files a <col min max> range under its first letter)."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= col <= (dim.max or dim.min):
            return float(dim.width)
    raise AssertionError(f"{ws.title}: no width for column {col}")


def _spec(name: str = "招商节会", **funds: Any) -> dict[str, Any]:
    spec = copy.deepcopy(seed_spec(name))
    for key, value in funds.items():
        for row in ("total", "current_appropriation"):
            spec["funds"][row][key] = value
    return spec


# --- 排名 ---------------------------------------------------------------------------------


def test_ties_share_a_rank_and_the_totals_row_adds_up(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    paths = [make_workbook(inbox / f"{i}.xlsx", [spec])[0] for i, spec in enumerate(
        [seed_spec("招商节会"), seed_spec("招商节会"), seed_spec("农贸市场提质改造"), seed_spec("招商节会")])]
    results = summarise(paths, tmp_path / "out")
    ws = load_workbook(tmp_path / "out" / SUMMARY_NAME)["排名"]
    rows = ranking_rows(ws)
    assert len(rows) == 4
    scores = [r[C_SCORE] for r in rows]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 2  # three equal, one apart
    expected = [1 + sum(1 for t in scores if t > s) for s in scores]  # 1, 1, 1, 4 or 1, 2, 2, 2
    assert [r[C_RANK] for r in rows] == expected and len(set(expected)) == 2
    projects = [p for d in results for p in d["projects"]]
    total = totals_row(ws)
    assert total[C_NAME] == "4 张表"
    assert total[C_BUDGET] == pytest.approx(sum(p["funds"]["budget"] for p in projects))
    assert total[C_EXEC] == pytest.approx(sum(p["funds"]["executed"] for p in projects))
    assert total[C_RATE] == pytest.approx(total[C_EXEC] / total[C_BUDGET])
    assert total[C_SCORE] == pytest.approx(round(sum(scores) / 4, 2))
    assert total[C_ERR] == sum(r[C_ERR] for r in rows) and total[C_WARN] == sum(r[C_WARN] for r in rows)
    # The filter covers the ranked rows, not the totals.
    assert ws.auto_filter.ref == f"A3:S{3 + len(rows)}"
    # The title names the unit of the first table and the year; the note the rules and the time.
    assert ws["A1"].value.startswith("芙蓉区商务局　2021年度")
    assert "规则：national_2020" in ws["A2"].value and "生成时间：" in ws["A2"].value


def test_ungraded_tables_are_never_ranked_above_graded_ones(tmp_path: Path) -> None:
    over = copy.deepcopy(seed_spec("招商节会"))
    over["indicators"][0]["weight"] += 20  # 分值 add up to 120
    over["indicators"][0]["score"] += 20
    over["project_name"] = "分值超过一百"
    noscore = next(c for c in CASES if "noscore" in c.name)
    inbox = tmp_path / "in"
    paths = [make_workbook(inbox / "a.xlsx", [over])[0], make_workbook(inbox / "b.xlsx", [spec_from_case(noscore)])[0],
             make_workbook(inbox / "c.xlsx", [seed_spec("农贸市场提质改造")])[0]]
    results = summarise(paths, tmp_path / "out")
    scored_over = next(p for d in results for p in d["projects"] if p["name"] == "分值超过一百")
    assert scored_over["total"]["score"] is None or scored_over["total"]["score"] > 100
    rows = ranking_rows(load_workbook(tmp_path / "out" / SUMMARY_NAME)["排名"])
    ranks = [r[C_RANK] for r in rows]
    assert ranks == [1, "—", "—"]
    assert rows[0][C_NAME] == "农贸市场提质改造"
    for r in rows[1:]:
        assert r[C_GRADE] == "未评级" and r[C_REASON]
    assert "分值" in next(r for r in rows if r[C_NAME] == "分值超过一百")[C_REASON]


def test_superseded_submissions_are_listed_not_ranked(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    old = make_workbook(inbox / "旧.xlsx", [_spec(executed=150, rate="75%", score=7.5)])[0]
    new = make_workbook(inbox / "新.xlsx", [seed_spec("招商节会")])[0]
    other = make_workbook(inbox / "其他.xlsx", [seed_spec("农贸市场提质改造")])[0]
    dup = DuplicateSubmission("芙蓉区商务局", "招商节会", 2021, "同一单位、项目、年度",
                              kept=Submission("新.xlsx", 0, "2022-03-02 10:00"),
                              others=(Submission("旧.xlsx", 0, "2022-03-01 09:00"),))
    summarise([old, new, other], tmp_path / "out", SummaryExtras(duplicates=[dup]))
    wb = load_workbook(tmp_path / "out" / SUMMARY_NAME)
    assert wb.sheetnames == SHEETS
    rows = ranking_rows(wb["排名"])
    assert sorted(r[C_FILE] for r in rows) == ["其他.xlsx", "新.xlsx"]
    assert "重复提交 1 张未计入" in wb["排名"]["A2"].value
    listed = [r for r in wb["重复提交"].iter_rows(min_row=3, values_only=True) if r[4]]
    assert [(r[4], r[5], r[7]) for r in listed] == [("新.xlsx", "打开", "保留，计入排名"),
                                                    ("旧.xlsx", "打开", "未计入排名（已有较新提交）")]
    assert listed[1][8] is not None and listed[1][8] < listed[0][8]  # the old one's own 总分
    # 等级分布 counts what is ranked.
    dist = wb["等级分布"]
    assert sum(dist.cell(i, 2).value for i in range(3, 8)) == 2


def test_roster_sheet_lists_what_did_not_arrive(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "in" / "a.xlsx", [seed_spec("招商节会")])[0]
    roster = RosterStatus(expected=4, submitted=1, missing=("芙蓉区财政局", "芙蓉区教育局"),
                          missing_projects=(("芙蓉区商务局", "农贸市场提质改造"),),
                          near_misses=(NearMiss("芙蓉区商务局", "芙蓉区商务局（盖章）", "a.xlsx"),),
                          unknown_units=(("外区单位", "a.xlsx"),))
    summarise([path], tmp_path / "out", SummaryExtras(roster=roster, title="长沙市芙蓉区财政局"))
    wb = load_workbook(tmp_path / "out" / SUMMARY_NAME)
    assert wb.sheetnames == [*SHEETS, "未提交"]
    ws = wb["未提交"]
    assert ws["A1"].value == "未提交：名单应交 4，已交 1，未交 2，名称相近 1（请确认）"
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[0]]
    assert [(r[0], r[1]) for r in rows] == [("未交", "芙蓉区财政局"), ("未交", "芙蓉区教育局"),
                                          ("缺项目", "芙蓉区商务局"), ("名称相近", "芙蓉区商务局"), ("名单外", "外区单位")]
    assert "芙蓉区商务局（盖章）" in rows[3][3]
    assert wb["排名"]["A1"].value.startswith("长沙市芙蓉区财政局　2021年度")  # --title wins


def test_feedback_and_report_drafts_are_linked_from_the_ranking(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    paths = [make_workbook(inbox / "a.xlsx", [seed_spec("招商节会")])[0],
             make_workbook(inbox / "b.xlsx", [seed_spec("农贸市场提质改造")])[0]]
    extras = SummaryExtras(feedback={"a.xlsx": "a.整改反馈单.docx"}, reports={"b.xlsx": "b.自评报告.docx"})
    summarise(paths, tmp_path / "out", extras)
    ws = load_workbook(tmp_path / "out" / SUMMARY_NAME)["排名"]
    assert [c.value for c in ws[3]][-2:] == ["整改反馈单", "自评报告"]
    links = {}
    for r in range(4, 6):
        for c in (20, 21):
            cell = ws.cell(r, c)
            if cell.value:
                links[(ws.cell(r, C_FILE + 1).value, c)] = (cell.value, unquote(cell.hyperlink.target))
    assert links == {("a.xlsx", 20): ("打开", "a.整改反馈单.docx"), ("b.xlsx", 21): ("打开", "b.自评报告.docx")}
    assert ws.auto_filter.ref == "A3:U5"


def test_other_years_are_flagged(tmp_path: Path) -> None:
    older = copy.deepcopy(seed_spec("招商节会"))
    older["year"] = 2019
    older["title"] = "项目支出绩效自评表 (2019年度)"
    inbox = tmp_path / "in"
    paths = [make_workbook(inbox / "a.xlsx", [seed_spec("招商节会")])[0],
             make_workbook(inbox / "b.xlsx", [seed_spec("农贸市场提质改造")])[0],
             make_workbook(inbox / "c.xlsx", [older])[0]]
    results = summarise(paths, tmp_path / "out")
    assert sorted(p["year"] for d in results for p in d["projects"]) == [2019, 2021, 2021]
    ws = load_workbook(tmp_path / "out" / SUMMARY_NAME)["排名"]
    assert "另有 2019 年度的表" in ws["A2"].value
    fills = {ws.cell(r, C_YEAR + 1).value: ws.cell(r, C_YEAR + 1).fill.fgColor.rgb for r in range(4, 7)}
    assert fills[2019] != fills[2021]


# --- amounts that cannot be right -----------------------------------------------------------


def test_implausible_amount_rules() -> None:
    peers = [120.0, 80.0, 200.0, 150.0, 95.0]
    same = [0.98] * 6
    # 元 under 万元: ×10,000 of a typical amount, its own rate still holds.
    found = implausible_amounts(peers + [1_500_000.0], [p * 0.98 for p in peers] + [1_470_000.0], same,
                                [0] * 6, [True] * 6)
    assert [(f.k, f.yuan) for f in found] == [(5, True)]
    assert found[0].expected == 150.0 and "元" in found[0].message()
    # The same amount whose rate does not hold is no 元 reading, and under 10,000× no warning.
    assert implausible_amounts(peers + [150_000.0], [p * 0.98 for p in peers] + [100.0], same, [0] * 6,
                               [True] * 6) == []
    # 10,000× the median is flagged whatever the rate.
    big = 120.0 * FACTOR_HIGH * 2
    assert [f.k for f in implausible_amounts(peers + [big], [NAN] * 6, [NAN] * 6, [0] * 6, [True] * 6)] == [5]
    # Too few peers, other kinds, or a superseded table: nothing to compare with.
    assert implausible_amounts(peers[:3] + [big], [NAN] * 4, [NAN] * 4, [0] * 4, [True] * 4) == []
    assert implausible_amounts(peers + [big], [NAN] * 6, [NAN] * 6, [0] * 5 + [1], [True] * 6) == []
    assert implausible_amounts(peers + [big], [NAN] * 6, [NAN] * 6, [0] * 6, [True] * 5 + [False]) == []


def test_yuan_under_wanyuan_is_warned_in_the_summary(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    paths = [make_workbook(inbox / f"单位{i}.xlsx", [_spec(initial=b, full_year=b, executed=b * 0.9, rate="90%",
                                                        score=9)])[0]
             for i, b in enumerate([120, 80, 200, 150, 95])]
    paths.append(make_workbook(inbox / "按元填写.xlsx", [_spec(initial=1_300_000, full_year=1_300_000,
                                                          executed=1_170_000, rate="90%", score=9)])[0])
    results = summarise(paths, tmp_path / "out")
    own = next(d for d in results if d["file"] == "按元填写.xlsx")
    assert "funds.implausible_amount" not in {f["code"] for f in own["findings"]}  # batch-level only
    wb = load_workbook(tmp_path / "out" / SUMMARY_NAME)
    title = CODES["funds.implausible_amount"].title
    listed = [r for r in wb["问题清单"].iter_rows(min_row=3) if r[5].value == title]
    assert [(r[0].value, r[4].value) for r in listed] == [("按元填写.xlsx", "警告")]
    place = listed[0][3]
    assert place.value == own["projects"][0]["funds"]["rows"][0]["cells"]["full_year"]
    assert place.hyperlink is not None and place.hyperlink.location == f"'{listed[0][2].value}'!{place.value}"
    assert unquote(place.hyperlink.target) == "按元填写.scored.xlsx"
    assert "元" in listed[0][6].value and listed[0][7].value == 130.0 and listed[0][8].value == 1_300_000
    counted = {r[0]: r for r in wb["问题统计"].iter_rows(min_row=3, values_only=True)}
    assert counted["funds.implausible_amount"][1:5] == (title, "警告", 1, 1)
    rank = next(r for r in ranking_rows(wb["排名"]) if r[C_FILE] == "按元填写.xlsx")
    own_warnings = sum(1 for f in own["findings"] if f["severity"] == "warning")
    assert rank[C_WARN] == own_warnings + 1


# --- the workbook as printed -----------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_summary(sample_batch: tuple[Path, Any, Any]) -> Path:
    """汇总.xlsx of `perf-xlsx batch sample_workbooks --jobs 1` (tests/conftest.py runs it once
    for this module and the golden set)."""
    return sample_batch[0] / SUMMARY_NAME


def test_every_sheet_prints_landscape_one_page_wide_with_its_header(sample_summary: Path) -> None:
    wb = load_workbook(sample_summary)
    assert wb.sheetnames == SHEETS
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert (setup.orientation, int(setup.paperSize)) == ("landscape", 9), ws.title
        # fitToWidth 1 is the schema's default, which xlsxwriter leaves out.
        assert ws.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0)
        assert ws.print_title_rows and ws.freeze_panes, ws.title
        head = int(ws.print_title_rows.split(":")[0].lstrip("$"))
        assert ws.freeze_panes == f"A{head + 1}"
        assert ws.auto_filter.ref is None or ws.auto_filter.ref.startswith(f"A{head}:")
        # Each header line fits its column: "全年预算数（万元）" breaks before "（", never inside.
        for cell in ws[head]:
            if cell.value:
                w = width(ws, cell.column)
                assert fits(cell.value, w), (ws.title, cell.value, w)
                assert all(not part.startswith("）") for part in cell.value.split("\n"))
    assert wb["排名"].auto_filter.ref and wb["问题清单"].auto_filter.ref


def test_every_wrapped_row_is_tall_enough_for_its_text(sample_summary: Path) -> None:
    wb = load_workbook(sample_summary)
    checked = 0
    for ws in wb.worksheets:
        head = int(ws.print_title_rows.split(":")[0].lstrip("$"))
        for row in ws.iter_rows(min_row=head + 1):
            height = ws.row_dimensions[row[0].row].height or 15
            for cell in row:
                if isinstance(cell.value, str) and cell.alignment.wrap_text:
                    need = lines(cell.value, width(ws, cell.column))
                    assert need * POINTS_PER_LINE <= height, (ws.title, cell.coordinate, cell.value, height)
                    checked += need > 1
    assert checked > 10  # long 说明 texts were there to wrap


def test_the_chart_has_bars_and_the_findings_their_chinese_names(sample_summary: Path) -> None:
    with zipfile.ZipFile(sample_summary) as zf:
        chart = zf.read("xl/charts/chart1.xml").decode()
        assert "xl/theme/theme1.xml" in zf.namelist()
    series = chart.split("<c:ser>")[1].split("</c:ser>")[0]
    assert re.search(r"<c:spPr><a:solidFill><a:srgbClr val=\"[0-9A-F]{6}\"", series), series[:400]
    wb = load_workbook(sample_summary)
    counted = list(wb["问题统计"].iter_rows(min_row=3, values_only=True))
    assert counted and all(r[1] == CODES[r[0]].title for r in counted)
    # Apart from the code itself, what a bureau reads is Chinese: no developer text (rule numbers,
    # JSON keys, English severities) from the codes' documentation.
    for r in counted:
        shown = " ".join(str(v) for v in r[1:] if isinstance(v, str))
        assert not re.search(r"`|§|JSON|\b(error|warning|info)\b|\([FWI]\d", shown), r
    problems = list(wb["问题清单"].iter_rows(min_row=3, values_only=True))
    assert problems and all(r[5] in {c.title for c in CODES.values()} for r in problems)
    assert not any(re.fullmatch(r"[a-z]+\.[a-z_]+", str(r[5])) for r in problems)


def _pdf_text(pdf: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run([exe, "-raw", str(pdf), "-"], capture_output=True, check=True).stdout.decode("utf-8")


def _words(pdf: Path) -> list[tuple[int, float, float, float, float, str]]:
    exe = shutil.which("pdftotext")
    assert exe
    xml = subprocess.run([exe, "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout.decode("utf-8")
    words = []
    for page, body in enumerate(xml.split("<page ")[1:]):
        for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                             body):
            words.append((page, *(float(m.group(i)) for i in range(1, 5)), m.group(5)))
    return words


def _overlaps(words: list[tuple[int, float, float, float, float, str]]) -> list[tuple[str, str]]:
    """Pairs of words on one page whose boxes overlap by more than a sliver."""
    found = []
    by_page: dict[int, list[tuple[int, float, float, float, float, str]]] = {}
    for w in words:
        by_page.setdefault(w[0], []).append(w)
    for page in by_page.values():
        page.sort(key=lambda w: w[2])
        for i, a in enumerate(page):
            for b in page[i + 1:]:
                if b[2] >= a[4] - 1:
                    break
                dx = min(a[3], b[3]) - max(a[1], b[1])
                dy = min(a[4], b[4]) - max(a[2], b[2])
                if dx > 1 and dy > 2.5:  # the lines of one cell touch by a point or so
                    found.append((a[5], b[5]))
    return found


def test_the_printed_summary_shows_every_text_without_overlap(sample_summary: Path, soffice: str,
                                                               tmp_path: Path) -> None:
    # The check can fail: a long wrapped text in a one-line row loses lines on paper.
    import xlsxwriter

    control = tmp_path / "control.xlsx"
    wb = xlsxwriter.Workbook(str(control))
    ws = wb.add_worksheet("s")
    ws.set_column(0, 0, 20)
    wrap = wb.add_format({"text_wrap": True, "font_size": 10})
    long_text = "这是一段很长的说明文字，在单元格里自动换行，一共需要好几行才能显示完整的内容。"
    ws.write_string(0, 0, long_text, wrap)
    ws.write_string(1, 0, "下一行", wrap)
    wb.close()
    pdf = soffice_convert(soffice, [control], tmp_path / "c", "pdf")[control]
    assert long_text not in re.sub(r"\s", "", _pdf_text(pdf))

    pdf = soffice_convert(soffice, [sample_summary], tmp_path / "pdf", "pdf")[sample_summary]
    printed = re.sub(r"\s", "", _pdf_text(pdf))
    wb2 = load_workbook(sample_summary)
    missing = []
    for name in ("问题清单", "排名", "未处理文件", "问题统计"):
        for row in wb2[name].iter_rows(min_row=3):
            for cell in row:
                if isinstance(cell.value, str) and cell.alignment.wrap_text and display_width(cell.value) > 12:
                    if re.sub(r"\s", "", cell.value) not in printed:
                        missing.append((name, cell.coordinate, cell.value))
    assert missing == []
    assert _overlaps(_words(pdf)) == []


def test_a_batch_with_nothing_scored_still_gets_a_valid_summary(tmp_path: Path) -> None:
    from ooxml_schema import validate_package

    summarise([], tmp_path / "out")
    path = tmp_path / "out" / SUMMARY_NAME
    assert validate_package(path) == []
    wb = load_workbook(path)
    assert wb.sheetnames == SHEETS
    assert wb["排名"]["A4"].value == "无：没有评分的表" and wb["问题清单"]["A3"].value == "无：没有发现问题"
    dist = wb["等级分布"]
    assert [dist.cell(i, 2).value for i in range(3, 8)] == [0, 0, 0, 0, 0]
