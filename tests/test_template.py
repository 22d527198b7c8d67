"""The standard template and its example: real files, read back with openpyxl, checked with
perf_xlsx, recalculated by LibreOffice."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
import zipfile
from copy import copy
from pathlib import Path
from types import ModuleType
from typing import Any, Optional

import openpyxl
import pytest
from builders import soffice_path
from loaded import load_workbook
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.worksheet import Worksheet
from uno_calc import insert_row_with_libreoffice

from perf_xlsx.cli.render import render_check
from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.model import Severity, WorkbookResult
from perf_xlsx.rules import Profile, load_profile
from perf_xlsx.write.template import write_template
from perf_xlsx.write.template_data import GRADES, example_data, fit_to_profile
from perf_xlsx.write.template_help import help_lines

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = load_profile("national_2020")
GREY = "FFE7E6E6"
YELLOW = "FFFFF2CC"


def _make_samples() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_samples", ROOT / "tools" / "make_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def _write(tmp_path: Path, name: str = "t.xlsx", *, profile: Profile = NATIONAL, year: int = 2025,
           projects: int = 1, example: bool = False) -> Path:
    path = tmp_path / name
    write_template(str(path), year=year, projects=projects, example=example, profile=profile)
    return path


def _errors(result: WorkbookResult) -> list[str]:
    return [f"{f.sheet}!{f.cell} {f.code} {f.message}" for f in result.findings if f.severity is Severity.ERROR]


# --- locating cells by label (no fixed coordinates) ----------------------------------------


def _cells_with(ws: Worksheet, text: str) -> list[Any]:
    return [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.strip() == text]


def _one(ws: Worksheet, text: str) -> Any:
    found = _cells_with(ws, text)
    assert len(found) == 1, (text, [c.coordinate for c in found])
    return found[0]


def _merge_at(ws: Worksheet, row: int, col: int) -> Optional[CellRange]:
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return rng
    return None


def _right_of(ws: Worksheet, label: Any) -> Any:
    merge = _merge_at(ws, label.row, label.column)
    return ws.cell(label.row, (merge.max_col if merge else label.column) + 1)


def _below(ws: Worksheet, label: Any) -> Any:
    merge = _merge_at(ws, label.row, label.column)
    return ws.cell((merge.max_row if merge else label.row) + 1, label.column)


def _project_sheets(wb: openpyxl.Workbook) -> list[Worksheet]:
    return [ws for ws in wb.worksheets if _cells_with(ws, "三级指标")]


def _groups(ws: Worksheet) -> dict[str, list[int]]:
    """二级指标 name -> sheet rows of its group (the vertical merge under the header)."""
    head = _one(ws, "二级指标")
    total_row = _one(ws, "总分").row
    out: dict[str, list[int]] = {}
    row = head.row + 1
    while row < total_row:
        merge = _merge_at(ws, row, head.column)
        last = merge.max_row if merge else row
        out[str(ws.cell(row, head.column).value)] = list(range(row, last + 1))
        row = last + 1
    return out


# --- inserting a row the way a spreadsheet program does -------------------------------------

_TOKEN = re.compile(r'"[^"]*"|(?:\'(?P<sheet>(?:[^\']|\'\')+)\'!)?'
                    r'(?P<c1>\$?[A-Z]{1,3})(?P<r1>\$?\d+)(?::(?P<c2>\$?[A-Z]{1,3})(?P<r2>\$?\d+))?')


def _shift_refs(formula: str, host: str, target: str, idx: int) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group(0).startswith('"') or m.group("c1") is None:
            return m.group(0)
        sheet = m.group("sheet").replace("''", "'") if m.group("sheet") else host
        if sheet != target:
            return m.group(0)
        r1 = int(m.group("r1").lstrip("$"))
        r2 = int(m.group("r2").lstrip("$")) if m.group("r2") else None
        if r2 is None:
            r1 = r1 + 1 if r1 >= idx else r1
        elif r1 >= idx:
            r1, r2 = r1 + 1, r2 + 1
        elif r2 >= idx:
            r2 += 1
        prefix = m.group(0)[: m.start("c1") - m.start(0)]
        out = f"{prefix}{m.group('c1')}{r1}"
        return out + (f":{m.group('c2')}{r2}" if r2 is not None else "")

    return _TOKEN.sub(repl, formula)


def _shift_range(rng: CellRange, idx: int) -> CellRange:
    out = CellRange(rng.coord)
    if out.min_row >= idx:
        out.shift(row_shift=1)
    elif out.max_row >= idx:
        out.expand(down=1)
    return out


def _insert_row(wb: openpyxl.Workbook, ws: Worksheet, idx: int) -> None:
    """Insert a row above ``idx`` as Excel does: merges, formulas (on every sheet) and data
    validations spanning the row grow, everything below moves down. openpyxl's own
    insert_rows only moves the cells."""
    merges = [CellRange(m.coord) for m in ws.merged_cells.ranges]
    for m in merges:
        ws.unmerge_cells(m.coord)
    ws.insert_rows(idx)
    for m in merges:
        shifted = _shift_range(m, idx)
        ws.merge_cells(shifted.coord)
    for col in range(1, ws.max_column + 1):  # the new row looks like the one it was inserted above
        below = ws.cell(idx + 1, col)
        ws.cell(idx, col)._style = copy(below._style)
    for m in merges:  # horizontal merges of the row below (偏差原因 I:J) repeat on the new row
        if m.min_row == m.max_row == idx:
            ws.merge_cells(start_row=idx, start_column=m.min_col, end_row=idx, end_column=m.max_col)
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.value = _shift_refs(cell.value, sheet.title, ws.title, idx)
    for dv in ws.data_validations.dataValidation:
        dv.sqref = MultiCellRange([_shift_range(r, idx) for r in dv.sqref.ranges])
    if ws.print_area:  # "'项目1'!$A$1:$J$37"
        ws.print_area = _shift_range(CellRange(ws.print_area.split("!")[-1].replace("$", "")), idx).coord


# --- LibreOffice ---------------------------------------------------------------------------


def _strip_cached_values(src: Path, dst: Path) -> None:
    """A copy whose formula cells carry no results, so LibreOffice must calculate them."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", data)
            zout.writestr(item, data)


def _lo_convert(files: list[Path], outdir: Path) -> list[Path]:
    """Open and save each file as .xlsx in one headless LibreOffice run."""
    exe = soffice_path()
    assert exe is not None
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.gettempdir()) / f"perf_xlsx_lo_{os.getpid()}_{uuid.uuid4().hex}"
    try:
        proc = subprocess.run(
            [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
             "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), *map(str, files)],
            capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = [outdir / (f.stem + ".xlsx") for f in files]
    missing = [p for p in out if not p.exists() or p.stat().st_size == 0]
    assert proc.returncode == 0 and not missing, (proc.returncode, proc.stdout, proc.stderr)
    return out


def _same(a: Any, b: Any) -> bool:
    a = None if a == "" else a
    b = None if b == "" else b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a))
    return bool(a == b)


# --- the blank template --------------------------------------------------------------------


def test_blank_template_structure(tmp_path: Path) -> None:
    path = _write(tmp_path, projects=2, year=2024)
    wb = load_workbook(path)
    assert wb.sheetnames == ["填报说明", "项目清单", "项目1", "项目2", "单位信息"]
    for ws in _project_sheets(wb):
        assert _one(ws, "项目支出绩效自评表")
        assert _one(ws, "（2024年度）")
        assert _one(ws, "单位：万元")
        for label in ("项目名称", "主管部门", "实施单位", "项目资金（万元）", "年初预算数", "全年预算数", "全年执行数",
                      "执行率", "年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金", "年度总体目标",
                      "预期目标", "实际完成情况", "绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值",
                      "实际完成值", "偏差原因分析及改进措施", "总分"):
            assert _one(ws, label)
        groups = _groups(ws)
        assert list(groups) == ["数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标",
                                "生态效益指标", "可持续影响指标", "服务对象满意度指标"]
        assert all(2 <= len(rows) <= 3 for rows in groups.values())
        # input cells yellow, computed grey, formulas with SUM ranges reaching the header row
        total = _one(ws, "年度资金总额")
        head = _one(ws, "全年预算数")
        budget_total = ws.cell(total.row, head.column)
        assert budget_total.value.startswith("=IF(COUNT(") and "SUM(" in budget_total.value
        assert budget_total.fill.fgColor.rgb == GREY
        assert ws.cell(total.row + 1, head.column).fill.fgColor.rgb == YELLOW
        assert _right_of(ws, _one(ws, "项目名称")).fill.fgColor.rgb == YELLOW
        total_row = _one(ws, "总分").row
        ind_head = _one(ws, "三级指标").row
        weight_col = next(c.column for c in _cells_with(ws, "分值") if c.row == ind_head)
        weight_total = ws.cell(total_row, weight_col)
        assert f"{ind_head}:" in weight_total.value and weight_total.value.startswith("=SUM(")
        # page set-up: A4 landscape, one page wide, header row repeated and frozen
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == f"${ind_head}:${ind_head}"
        assert ws.freeze_panes == f"A{ind_head + 1}"
        assert _one(ws, "项目名称").font.name == "宋体"
        assert _right_of(ws, _one(ws, "项目名称")).font.name == "仿宋"
    unit = wb["项目清单"]
    assert [c.value for c in unit[_one(unit, "序号").row]][:6] == ["序号", "项目名称", "年初预算数", "全年预算数",
                                                                  "全年执行数", "执行率"]
    assert _one(unit, "合计")


def test_unit_info_sheet_lists_the_report_fields_and_reads_back(tmp_path: Path) -> None:
    from perf_xlsx.read.grid import read_grid
    from perf_xlsx.read.unit_info import FIELDS, read_unit_info

    path = _write(tmp_path, projects=2, year=2024)
    ws = load_workbook(path)["单位信息"]
    labels = [ws.cell(r, 1).value for r in range(4, 4 + len(FIELDS))]
    assert labels == [f.label for f in FIELDS]
    assert {"编制情况", "在职人数", "主要职能", "资金管理制度"} <= set(labels)
    assert all(ws.cell(r, 2).fill.fgColor.rgb == YELLOW for r in range(4, 4 + len(FIELDS)))
    # Blank, it reads as no information at all (the hints in column C are never values).
    assert read_unit_info(read_grid(str(path))).values == {}
    # Filled in by a person (openpyxl), it reads back field by field, with the cell of each value.
    wb = load_workbook(path)
    ws = wb["单位信息"]
    ws["B5"] = "行政编制7个，事业编制12个"
    ws["B8"] = "贯彻落实招商引资政策\n负责商业网点规划"
    wb.save(path)
    info = read_unit_info(read_grid(str(path)))
    assert info is not None
    assert info.values == {"staffing": "行政编制7个，事业编制12个", "functions": "贯彻落实招商引资政策\n负责商业网点规划"}
    assert info.cells == {"staffing": "B5", "functions": "B8"}


def test_unit_info_sheet_is_not_read_as_a_table(tmp_path: Path) -> None:
    path = _write(tmp_path, projects=2, year=2024)
    result = evaluate_file(str(path), NATIONAL)
    assert result.model is not None
    assert [p.sheet for p in result.model.projects] == ["项目1", "项目2"]
    assert result.model.unit is not None and result.model.unit.sheet == "项目清单"
    assert not [f for f in result.findings if f.sheet == "单位信息"]
    # Even as the only sheet besides the tables, before them and without the 项目清单.
    wb = load_workbook(path)
    del wb["项目清单"]
    wb.move_sheet("单位信息", offset=-3)
    wb.save(path)
    again = evaluate_file(str(path), NATIONAL)
    assert again.model is not None and again.model.unit is None
    assert [p.sheet for p in again.model.projects] == ["项目1", "项目2"]
    assert not [f for f in again.findings if f.sheet == "单位信息"]


def test_blank_template_validations(tmp_path: Path) -> None:
    ws = load_workbook(_write(tmp_path))["项目1"]
    by_prompt = {dv.promptTitle: dv for dv in ws.data_validations.dataValidation}
    actual = by_prompt["实际完成值"]
    assert actual.type == "list" and not actual.showErrorMessage  # numbers can still be typed
    assert actual.formula1 == '"' + ",".join(GRADES) + '"'
    assert actual.prompt and "下拉" in actual.prompt
    for title in ("金额（万元）", "分值", "得分"):
        dv = by_prompt[title]
        assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0"), title
        assert dv.prompt
    assert by_prompt["一级指标"].formula1 == '"产出指标,效益指标,满意度指标"'
    assert "服务对象满意度指标" in by_prompt["二级指标"].formula1
    money = str(by_prompt["金额（万元）"].sqref)
    parts = _one(ws, "其中：当年财政拨款").row
    assert money.startswith("E") and str(parts) in money


def test_blank_template_check_says_what_is_missing(tmp_path: Path) -> None:
    path = _write(tmp_path, projects=2)
    result = evaluate_file(str(path), NATIONAL)
    assert result.status == "scored", result.error
    assert [ps.project.sheet for ps in result.scores] == ["项目1", "项目2"]
    assert result.model is not None and result.model.unit is not None
    assert result.model.unit.sheet == "项目清单" and result.model.unit.unit_name == ""
    assert [e.name for e in result.model.unit.entries] == ["项目1", "项目2"]
    keys = [(f.code, f.sheet, f.cell) for f in result.findings]
    assert len(keys) == len(set(keys)), "duplicate findings"
    for sheet in ("项目1", "项目2"):
        codes = {f.code for f in result.findings if f.sheet == sheet and f.severity is Severity.ERROR}
        assert {"project.name_missing", "project.no_indicators", "funds.missing"} <= codes, codes
    assert not any(f.sheet in ("填报说明", "项目清单") for f in result.findings)
    text = render_check(result, NATIONAL)
    assert "项目名称空白" in text and "未填写任何绩效指标" in text


def test_blank_cells_from_formulas_are_not_reported_as_uncalculated(tmp_path: Path) -> None:
    for path in (_write(tmp_path, "b.xlsx"), _write(tmp_path, "e.xlsx", example=True)):
        result = evaluate_file(str(path), NATIONAL)
        assert not [f for f in result.findings if f.code == "read.formula_not_cached"]


def test_template_args_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="年度"):
        _write(tmp_path, year=1999)
    with pytest.raises(ValueError, match="项目数"):
        _write(tmp_path, projects=0)
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_output_is_deterministic(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.xlsx", projects=2)
    b = _write(tmp_path, "b.xlsx", projects=2)
    assert a.read_bytes() == b.read_bytes()


def test_committed_template_matches_a_fresh_build(tmp_path: Path) -> None:
    samples = _make_samples()
    fresh = samples.write_committed_template(tmp_path / "fresh.xlsx")
    committed = samples.TEMPLATE_PATH
    assert committed.exists(), "run python tools/make_samples.py"
    old, new = load_workbook(committed), load_workbook(fresh)
    assert old.sheetnames == new.sheetnames
    for name in old.sheetnames:
        a, b = old[name], new[name]
        assert (a.max_row, a.max_column) == (b.max_row, b.max_column), name
        for row_a, row_b in zip(a.iter_rows(), b.iter_rows()):
            for ca, cb in zip(row_a, row_b):
                assert ca.value == cb.value, f"{name}!{ca.coordinate}: run python tools/make_samples.py"
        assert {r.coord for r in a.merged_cells.ranges} == {r.coord for r in b.merged_cells.ranges}, name
        assert [str(d.sqref) for d in a.data_validations.dataValidation] == \
               [str(d.sqref) for d in b.data_validations.dataValidation], name


# --- the example ---------------------------------------------------------------------------


def test_example_has_no_errors_and_the_seed_figures(tmp_path: Path) -> None:
    path = _write(tmp_path, example=True, year=2030, projects=5)  # year/projects ignored
    result = evaluate_file(str(path), NATIONAL)
    assert result.status == "scored", result.error
    assert _errors(result) == []
    by_sheet = {ps.project.sheet: ps for ps in result.scores}
    assert list(by_sheet) == ["招商节会", "农贸市场提质改造"]
    zs, nm = by_sheet["招商节会"], by_sheet["农贸市场提质改造"]
    assert (zs.project.year, zs.funds.initial, zs.funds.budget, zs.funds.executed) == (2021, 200, 200, 196.5)
    assert (zs.funds.rate, zs.funds.score, zs.funds.score_entered) == (pytest.approx(0.9825), 9.83, 9.83)
    assert (zs.raw, zs.score_entered, zs.grade) == (98.16, 98.16, "优")
    assert (nm.funds.initial, nm.funds.budget, nm.funds.score, nm.raw, nm.score_entered) == (250, 250, 10, 100, 100)
    assert zs.funds.initial + nm.funds.initial == 450  # 年初预算 450 万元 in the report
    for ps in (zs, nm):
        assert ps.total_weight == 100
        for row in ps.indicators:
            assert row.score == row.score_entered, row.indicator.name
    actual = {r.indicator.name: r.actual.raw for r in zs.indicators}
    target = {r.indicator.name: r.target.value for r in zs.indicators}
    assert actual["进出口总额"] == "21.7亿美元" and target["进出口总额"] == pytest.approx(172500)  # 21.7/1.2579
    assert round(21.7 / 1.2579, 2) == 17.25
    assert actual["实际利用外商直接投资"] == "28000万美元" and round(28000 / 1.2727, -2) == 22000
    assert actual["跨境电商交易额"] == "6985万美元" and round(6985 / 1.1641, -2) == 6000
    assert actual["新引进项目个数"] == "61个" and actual["新引进项目全口径税收"] == "1.16亿元"
    assert actual["新注册“三类500强”企业数"] == "2个"
    assert "14.5%" in {r.actual.raw for r in nm.indicators}
    unit = result.model.unit if result.model else None
    assert unit is not None and unit.unit_name == "长沙市芙蓉区商务局" and unit.year == 2021
    assert [e.name for e in unit.entries] == ["招商节会", "农贸市场提质改造"]
    assert unit.total is not None and (unit.total.initial.value, unit.total.executed.value) == (450, 446.5)
    assert not [f for f in result.findings if f.code.startswith("unit.")]
    wb = load_workbook(path)
    for ws in _project_sheets(wb):  # invented figures are labelled as such in the sheet itself
        assert any("示意数据" in str(c.value) for row in ws.iter_rows() for c in row if c.value)


def test_example_hand_scores_are_the_national_scores() -> None:
    """The scores typed into example_data() are what the national rules give: fitting the
    example to national_2020 changes nothing."""
    assert fit_to_profile(example_data(), NATIONAL) == example_data()


@pytest.mark.parametrize("name", ["hb_20_40_40", "provincial_strict", "sichuan_2023"])
def test_example_is_correct_under_every_builtin_profile(tmp_path: Path, name: str) -> None:
    profile = load_profile(name)
    result = evaluate_file(str(_write(tmp_path, example=True, profile=profile)), profile)
    assert _errors(result) == []
    assert not [f for f in result.findings if f.code.startswith("weights.")]
    for ps in result.scores:
        assert ps.total_weight == 100 and ps.score_entered == ps.raw


# --- the rules profile drives the help text and the formulas ----------------------------------


def _help_text(path: Path) -> str:
    ws = load_workbook(path)["填报说明"]
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)


def test_help_sheet_follows_the_profile(tmp_path: Path) -> None:
    texts = {name: _help_text(_write(tmp_path, f"{name}.xlsx", profile=load_profile(name)))
             for name in ("national_2020", "hb_20_40_40", "provincial_strict", "sichuan_2023")}
    assert len(set(texts.values())) == 4
    national, hb, strict, sichuan = (texts[n] for n in ("national_2020", "hb_20_40_40", "provincial_strict",
                                                        "sichuan_2023"))
    assert "预算执行率 10 分，产出指标 50 分，效益指标 30 分，满意度指标 10 分" in national
    assert "优 ≥ 90 分" in national and "130%" in national and "80%–100%" in national
    assert "预算执行率 20 分，产出指标 40 分，效益指标与满意度指标合计 40 分" in hb
    assert "执行率 × 20 分" in hb and "50%–80%" in hb and "50%–80%" not in national
    assert "总分最高 89 分" in strict and "扣 2 分" in strict and "(1 − (实际值 − 指标值) ÷ 指标值)" in strict
    assert "执行率低于 90% 的，须在年度总体目标“实际完成情况”中说明原因" in strict and "须说明原因" not in national.split("得分")[0]
    assert "产出指标、效益指标与满意度指标合计 90 分" in sichuan
    for name, text in texts.items():
        assert load_profile(name).title in text
    assert help_lines(load_profile("hb_20_40_40")) != help_lines(NATIONAL)


def test_funds_weight_and_score_formula_follow_the_profile(tmp_path: Path) -> None:
    hb = load_profile("hb_20_40_40")
    path = _write(tmp_path, "hb.xlsx", profile=hb, example=True)
    ws = load_workbook(path)["招商节会"]
    total = _one(ws, "年度资金总额")
    weight_col = [c for c in _cells_with(ws, "分值") if c.row < total.row][0].column
    assert ws.cell(total.row, weight_col).value == 20
    result = evaluate_file(str(path), hb)
    zs = result.scores[0]
    assert (zs.funds.weight, zs.funds.score, zs.funds.score_entered) == (20, 19.65, 19.65)
    assert not [f for f in result.findings if f.code in ("funds.weight_profile", "funds.score_mismatch")]

    rules = tmp_path / "intervals.toml"
    rules.write_text('name = "intervals"\nbase = "national_2020"\n[funds]\nscoring = "intervals"\n'
                     "intervals = [[1.0, 1.0], [0.95, 0.9], [0.8, 0.7], [0.0, 0.0]]\n", encoding="utf-8")
    stepped = load_profile(str(rules))
    path = _write(tmp_path, "steps.xlsx", profile=stepped, example=True)
    result = evaluate_file(str(path), stepped)
    zs = result.scores[0]
    assert (zs.funds.score, zs.funds.score_entered) == (9, 9)  # 98.25% falls in the ≥95% step
    assert not [f for f in result.findings if f.code == "funds.score_mismatch"]
    assert "按档计分" in _help_text(path)


# --- LibreOffice -----------------------------------------------------------------------------


def test_libreoffice_recalculates_to_the_cached_values(tmp_path: Path, soffice: str) -> None:
    rules = tmp_path / "intervals.toml"
    rules.write_text('name = "intervals"\nbase = "national_2020"\n[funds]\nscoring = "intervals"\n'
                     "intervals = [[1.0, 1.0], [0.95, 0.9], [0.0, 0.0]]\n", encoding="utf-8")
    written = {
        "example": _write(tmp_path, "example.xlsx", example=True),
        "blank": _write(tmp_path, "blank.xlsx", projects=2),
        "steps": _write(tmp_path, "steps.xlsx", example=True, profile=load_profile(str(rules))),
    }
    stripped = []
    for name, path in written.items():
        target = tmp_path / "stripped" / f"{name}.xlsx"
        target.parent.mkdir(exist_ok=True)
        _strip_cached_values(path, target)
        stripped.append(target)
    recalculated = dict(zip(written, _lo_convert(stripped, tmp_path / "lo")))
    for name, path in written.items():
        formulas = load_workbook(path)
        cached = load_workbook(path, data_only=True)
        lo = load_workbook(recalculated[name], data_only=True)
        assert lo.sheetnames == cached.sheetnames
        count = 0
        for ws in formulas.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        ours = cached[ws.title][cell.coordinate].value
                        theirs = lo[ws.title][cell.coordinate].value
                        assert _same(ours, theirs), (name, ws.title, cell.coordinate, cell.value, ours, theirs)
                        count += 1
        assert count > 20, name

    # LibreOffice's figures are the tool's figures
    result = evaluate_file(str(written["example"]), NATIONAL)
    lo = load_workbook(recalculated["example"], data_only=True)
    for ps in result.scores:
        ws = lo[ps.project.sheet]
        total = _one(ws, "年度资金总额")
        cols = {t: _one(ws, t).column for t in ("全年预算数", "全年执行数", "执行率")}
        assert ws.cell(total.row, cols["全年预算数"]).value == ps.funds.budget
        assert ws.cell(total.row, cols["全年执行数"]).value == ps.funds.executed
        assert ws.cell(total.row, cols["执行率"]).value == pytest.approx(ps.funds.rate)
        funds_score = ws.cell(total.row, cols["执行率"] + 1).value
        assert funds_score == ps.funds.score
        t = _one(ws, "总分")
        weight_col = [c for c in _cells_with(ws, "分值") if c.row > total.row][0].column
        assert ws.cell(t.row, weight_col).value == ps.total_weight
        assert ws.cell(t.row, weight_col + 1).value == pytest.approx(ps.raw)
    unit = lo["项目清单"]
    total = _one(unit, "合计")
    assert [unit.cell(total.row, c).value for c in range(3, 6)] == [450, 450, 446.5]


def _fill_blank(path: Path, out: Path, *, insert: bool = True) -> dict[str, Any]:
    """Fill the 1-project blank template like a finance officer, with one inserted row (made
    here, or already made by a spreadsheet program when ``insert`` is False)."""
    wb = load_workbook(path)
    (ws,) = _project_sheets(wb)
    _right_of(ws, _one(ws, "项目名称")).value = "企业服务培训"
    _right_of(ws, _one(ws, "主管部门")).value = "某区商务局"
    _right_of(ws, _one(ws, "实施单位")).value = "某区招商促进中心"
    cols = {t: _one(ws, t).column for t in ("年初预算数", "全年预算数", "全年执行数")}
    for label, amounts in (("其中：当年财政拨款", (100, 120, 110)), ("上年结转资金", (20, 20, 15))):
        row = _one(ws, label).row
        for col, value in zip(cols.values(), amounts):
            ws.cell(row, col).value = value
    _below(ws, _one(ws, "预期目标")).value = "举办企业服务培训 10 场，培训 500 人次，走访企业 40 家。"
    _below(ws, _one(ws, "实际完成情况")).value = "举办培训 8 场，培训 520 人次，走访企业 30 家。"

    # one more row in 数量指标: insert above its second row, as the 填报说明 says
    if insert:
        _insert_row(wb, ws, _groups(ws)["数量指标"][1])
    groups = _groups(ws)
    head = _one(ws, "三级指标").row
    col = {t: [c for c in _cells_with(ws, t) if c.row == head][0].column
           for t in ("三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施")}
    rows = [
        ("数量指标", "培训场次", "≥10场", "8场", 10, 8, "2 场因场地冲突取消，下年度提前预订场地。"),
        ("数量指标", "培训人次", "≥500人次", "520人次", 10, 10, None),
        ("数量指标", "发放资料", "≥2000份", "2000份", 5, 5, None),
        ("数量指标", "走访企业", "≥40家", "30家", 5, 3.75, "人手不足，下年度增加走访人员。"),
        ("质量指标", "培训合格率", "≥95%", "90%", 10, 9.47, "部分学员缺考，已安排补考。"),
        ("时效指标", "按期完成率", "100%", "100%", 5, 5, None),
        ("成本指标", "人均培训成本", "≤200元", "250元", 5, 4, "场地价格上涨。"),
        ("经济效益指标", "带动就业人数", "≥100人", "150人", 15, 15, "园区新设企业集中招工，超出预期。"),
        ("社会效益指标", "营商环境改善", "明显改善", GRADES[1], 15, 10.5, "部分企业反映办事流程仍较长。"),
        ("服务对象满意度指标", "参训人员满意度", "≥90%", "95%", 10, 10, None),
    ]
    used: dict[str, int] = {}
    filled_rows = []
    for l2, name, target, actual, weight, score, reason in rows:
        r = groups[l2][used.get(l2, 0)]
        used[l2] = used.get(l2, 0) + 1
        for key, value in (("三级指标", name), ("年度指标值", target), ("实际完成值", actual), ("分值", weight),
                           ("得分", score), ("偏差原因分析及改进措施", reason)):
            ws.cell(r, col[key]).value = value
        filled_rows.append(r)
    assert len(groups["数量指标"]) == 4 and used["数量指标"] == 4  # the inserted row is used
    wb.save(out)
    return {"rows": filled_rows, "inserted": groups["数量指标"][1], "sheet": ws.title}


# funds: budget 120 + 20 = 140, spent 110 + 15 = 125 -> 89.29% -> 8.93 of 10
HAND_INDICATORS = [8, 10, 5, 3.75, 9.47, 5, 4, 15, 10.5, 10]  # 8/10×10, 30/40×5, 90/95×10, 200/250×5
HAND_TOTAL = 89.65  # 8.93 + 80.72


def test_fill_blank_template_with_openpyxl_and_an_inserted_row(tmp_path: Path) -> None:
    filled = tmp_path / "filled.xlsx"
    info = _fill_blank(_write(tmp_path), filled)
    result = evaluate_file(str(filled), NATIONAL)
    assert result.status == "scored", result.error
    assert _errors(result) == []
    (ps,) = result.scores
    assert (ps.project.name, ps.project.department) == ("企业服务培训", "某区商务局")
    assert (ps.funds.initial, ps.funds.budget, ps.funds.executed, ps.funds.score) == (120, 140, 125, 8.93)
    assert [r.indicator.row for r in ps.indicators] == info["rows"]
    assert [r.score for r in ps.indicators] == HAND_INDICATORS
    inserted = next(r for r in ps.indicators if r.indicator.row == info["inserted"])
    assert (inserted.indicator.level1, inserted.indicator.level2, inserted.indicator.name) == \
           ("产出指标", "数量指标", "培训人次")
    assert (ps.total_weight, ps.raw, ps.score, ps.grade) == (100, HAND_TOTAL, HAND_TOTAL, "良")
    # openpyxl writes formulas without results: the tool says so and recomputes
    assert any(f.code == "read.formula_not_cached" for f in result.findings)


def test_filled_template_recalculated_by_libreoffice(tmp_path: Path, soffice: str) -> None:
    filled = tmp_path / "filled.xlsx"
    _fill_blank(_write(tmp_path), filled)
    (saved,) = _lo_convert([filled], tmp_path / "lo")
    result = evaluate_file(str(saved), NATIONAL)
    assert _errors(result) == []
    (ps,) = result.scores
    # the SUMs in the 总分 row include the inserted row
    assert (ps.score_entered, ps.raw) == (HAND_TOTAL, HAND_TOTAL)
    assert ps.project.total_weight is not None and ps.project.total_weight.value == 100
    assert ps.funds.score_entered == 8.93
    assert not [f for f in result.findings if f.code in ("total.mismatch", "weights.sum_mismatch")]
    unit = result.model.unit if result.model else None
    assert unit is not None and [e.name for e in unit.entries] == ["企业服务培训"]
    assert unit.total is not None and unit.total.full_year is not None and unit.total.full_year.value == 140


# --- a row inserted by LibreOffice itself ---------------------------------------------------

def test_row_inserted_by_libreoffice_is_counted(tmp_path: Path, soffice: str) -> None:
    """Insert a row inside 数量指标 with LibreOffice's own Insert Rows: the merges and the 总分 SUM
    ranges must grow to include it (the reason the totals sit below the block)."""
    blank = _write(tmp_path)
    wb = load_workbook(blank)
    (ws,) = _project_sheets(wb)
    second = _groups(ws)["数量指标"][1]
    inserted = insert_row_with_libreoffice(tmp_path, soffice, blank, ws.title, second)
    ws2 = load_workbook(inserted)[ws.title]
    assert len(_groups(ws2)["数量指标"]) == len(_groups(ws)["数量指标"]) + 1

    filled = tmp_path / "filled.xlsx"
    _fill_blank(inserted, filled, insert=False)
    (saved,) = _lo_convert([filled], tmp_path / "lo")
    result = evaluate_file(str(saved), NATIONAL)
    assert _errors(result) == []
    (ps,) = result.scores
    assert [r.score for r in ps.indicators] == HAND_INDICATORS
    assert (ps.score_entered, ps.raw) == (HAND_TOTAL, HAND_TOTAL)
    assert ps.project.total_weight is not None and ps.project.total_weight.value == 100


def test_cost_as_first_level_indicator(tmp_path: Path) -> None:
    """A 101号-style profile that weights 成本指标 on its own gets a 成本指标 block with the cost
    二级 names (and 产出指标 loses its 成本指标 row)."""
    rules = tmp_path / "cost.toml"
    rules.write_text('name = "cost_first"\nbase = "national_2020"\n[weights]\n'
                     'expected = { "成本指标" = 20, "产出指标" = 40, "效益指标" = 20, "满意度指标" = 10 }\n',
                     encoding="utf-8")
    profile = load_profile(str(rules))
    ws = load_workbook(_write(tmp_path, profile=profile))["项目1"]
    groups = list(_groups(ws))
    assert groups[:3] == ["经济成本指标", "社会成本指标", "生态环境成本指标"]
    assert "成本指标" not in groups
    level1 = next(dv for dv in ws.data_validations.dataValidation if dv.promptTitle == "一级指标")
    assert level1.formula1 == '"成本指标,产出指标,效益指标,满意度指标"'
    assert "成本指标 20 分" in _help_text(_write(tmp_path, "c2.xlsx", profile=profile))
