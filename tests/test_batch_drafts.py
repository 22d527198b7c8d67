"""`batch --reports / --feedback`: the 自评报告 drafts beside the scored copies, one 整改反馈单
per unit under 反馈/, both linked from 汇总's 排名; a draft that cannot be made is named, never
a failed input; an unchanged rerun drafts nothing again. Real files, real batch runs."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import openpyxl
from builders import _fund, make_workbook, seed_spec
from click.testing import CliRunner

import perf_xlsx
from perf_xlsx.bulk.run import SUMMARY_NAME, run_batch
from perf_xlsx.cli.commands import cli


def _inbox(tmp_path: Path) -> Path:
    """Two units: one with both seed projects in one file, one with a project of its own."""
    inbox = tmp_path / "收件"
    inbox.mkdir()
    make_workbook(inbox / "芙蓉区商务局.xlsx", [seed_spec("招商节会"), seed_spec("农贸市场提质改造")])
    other = seed_spec("招商节会")
    other.update(department="天心区商务局", project_name="消费季活动")
    make_workbook(inbox / "天心区商务局.xlsx", [other])
    return inbox


def _links(path: Path) -> dict[str, str]:
    """排名's hyperlinks: cell text → target, for the link columns the drafts add."""
    wb = openpyxl.load_workbook(path)
    ws = wb["排名"]
    heads = {}
    for row in ws.iter_rows(min_row=1, max_row=6):
        for cell in row:
            if cell.value in ("整改反馈单", "自评报告"):
                heads[cell.column] = cell.value
    out = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.column in heads and cell.hyperlink is not None:
                out.setdefault(heads[cell.column], "")
                out[heads[cell.column] + ":" + str(cell.row)] = cell.hyperlink.target
    return out


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read("word/document.xml").decode("utf-8")


def test_batch_drafts_reports_and_letters(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    out = tmp_path / "out"
    report = run_batch(str(inbox), str(out), jobs=1, reports=True, feedback=True)
    assert report.count("scored") == 2 and not report.draft_failures
    drafts = sorted(p.name for p in out.glob("*.docx"))
    assert drafts == ["天心区商务局.自评报告.docx", "芙蓉区商务局.自评报告.docx"]
    letters = sorted(p.name for p in (out / "反馈").glob("*.docx"))
    assert letters == ["天心区商务局.docx", "芙蓉区商务局.docx"]
    # The unit's report covers both its projects; the letter names its workbook.
    text = _docx_text(out / "芙蓉区商务局.自评报告.docx")
    assert "招商节会" in text and "农贸市场提质改造" in text
    assert "芙蓉区商务局.xlsx" in _docx_text(out / "反馈" / "芙蓉区商务局.docx")
    assert report.extras is not None
    assert report.extras.reports == {"天心区商务局.xlsx": "天心区商务局.自评报告.docx",
                                     "芙蓉区商务局.xlsx": "芙蓉区商务局.自评报告.docx"}
    assert report.extras.feedback == {"天心区商务局.xlsx": "反馈/天心区商务局.docx",
                                      "芙蓉区商务局.xlsx": "反馈/芙蓉区商务局.docx"}
    targets = set(_links(out / SUMMARY_NAME).values()) - {""}
    # One 排名 row per table: both of 芙蓉区's tables link its report and letter.
    assert {t.replace("\\", "/") for t in targets} >= {"天心区商务局.自评报告.docx", "芙蓉区商务局.自评报告.docx",
                                                       "反馈/天心区商务局.docx", "反馈/芙蓉区商务局.docx"}


def test_without_flags_no_drafts_and_no_link_columns(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    out = tmp_path / "out"
    run_batch(str(inbox), str(out), jobs=1)
    assert not list(out.rglob("*.docx"))
    assert _links(out / SUMMARY_NAME) == {}


def test_unchanged_rerun_drafts_nothing_again_and_a_changed_file_is_redrafted(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    out = tmp_path / "out"
    run_batch(str(inbox), str(out), jobs=1, reports=True)
    first = {p.name: p.stat().st_mtime_ns for p in out.glob("*.docx")}
    summary = (out / SUMMARY_NAME).stat().st_mtime_ns
    again = run_batch(str(inbox), str(out), jobs=1, reports=True)
    assert again.reused == 2 and not again.fresh
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.docx")} == first
    assert (out / SUMMARY_NAME).stat().st_mtime_ns == summary
    # 天心区 resubmits with another figure: only its draft is written again.
    other = seed_spec("招商节会")
    other.update(department="天心区商务局", project_name="消费季活动")
    make_workbook(inbox / "天心区商务局.xlsx", [_with_execution(other, 150)])
    third = run_batch(str(inbox), str(out), jobs=1, reports=True)
    assert third.fresh == ["天心区商务局.xlsx"]
    now = {p.name: p.stat().st_mtime_ns for p in out.glob("*.docx")}
    assert now["芙蓉区商务局.自评报告.docx"] == first["芙蓉区商务局.自评报告.docx"]
    assert now["天心区商务局.自评报告.docx"] != first["天心区商务局.自评报告.docx"]
    assert "150.00" in _docx_text(out / "天心区商务局.自评报告.docx")
    # A run without --reports writes 汇总 without the link column (another 排名, so rewritten).
    plain = run_batch(str(inbox), str(out), jobs=1)
    assert plain.extras is not None and not plain.extras.reports
    assert _links(out / SUMMARY_NAME) == {}


def _with_execution(spec: dict[str, Any], executed: float) -> dict[str, Any]:
    """The seed spec (全年预算 200) with its 全年执行数 changed, its rate and funds score with it."""
    rate = executed / 200
    spec["funds"] = dict(spec["funds"])
    spec["funds"]["total"] = _fund("年度资金总额", 200, 200, executed, 10, f"{rate:.2%}", round(rate * 10, 2))
    spec["funds"]["current_appropriation"] = _fund("其中：当年财政拨款", 200, 200, executed)
    return spec


def test_a_draft_that_cannot_be_written_is_named_and_the_file_stays_scored(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    # The report's place is taken by a folder: its draft cannot be written there.
    (out / "天心区商务局.自评报告.docx").mkdir()
    report = run_batch(str(inbox), str(out), jobs=1, reports=True)
    assert report.count("scored") == 2 and report.count("failed") == 0
    assert list(report.draft_failures) == ["天心区商务局.xlsx"]
    failure = report.draft_failures["天心区商务局.xlsx"]
    assert failure["code"] == "report.draft_failed" and "自评报告未能生成" in failure["message"]
    assert (out / "芙蓉区商务局.自评报告.docx").is_file()
    assert report.exit_code == 0  # the seed tables have no errors; a missing draft is not one


def test_cli_batch_reports_feedback_and_api(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    result = CliRunner().invoke(cli, ["batch", str(inbox), "-o", str(tmp_path / "cli"), "--jobs", "1",
                                      "--reports", "--feedback"])
    assert result.exit_code == 0, result.output
    assert "初稿：自评报告 2 份（放在各评分结果旁），整改反馈单 2 份（反馈/）" in result.output
    report = perf_xlsx.batch(inbox, tmp_path / "api", jobs=1, feedback=True, title="某区财政局")
    assert sorted(p.name for p in (tmp_path / "api" / "反馈").glob("*.docx")) == ["天心区商务局.docx", "芙蓉区商务局.docx"]
    assert not list((tmp_path / "api").glob("*.自评报告.docx"))
    assert report.extras is not None and report.extras.title == "某区财政局"
    ws = openpyxl.load_workbook(tmp_path / "api" / SUMMARY_NAME)["排名"]
    assert str(ws["A1"].value).startswith("某区财政局")
