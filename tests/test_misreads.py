"""Misreads of real tables (issue 12 §3): used-range claims, the cause of a wrong total formula,
rows inserted at the top of an indicator group. Each test builds a table of that shape."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import make_workbook, seed_spec
from loaded import load_workbook
from uno_calc import insert_row_with_libreoffice

from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.model import WorkbookResult
from perf_xlsx.rules import load_profile

NATIONAL = load_profile("national_2020")


def _splice(path: Path, part: str, edit: Any) -> Path:
    """Rewrite one part of the package at ``path`` in place (a test fixture, not an input)."""
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            if info.filename == part:
                data = edit(data.decode("utf-8")).encode("utf-8")
            zout.writestr(info, data)
    return path


def _codes(result: WorkbookResult) -> list[str]:
    return [f.code for f in result.findings]


# --- used range claims --------------------------------------------------------------------


def _claimed_range(tmp_path: Path, tail: str) -> WorkbookResult:
    """The seed table as LibreOffice saves a sheet with formatted whole columns: the dimension
    claims A1:J1048576, and styled rows (and cells) run to the last row; ``tail`` is added
    at the end of the sheet data."""
    path, _, _ = make_workbook(tmp_path / "wb.xlsx", [seed_spec("招商节会")])

    def edit(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:J1048576"/>', xml)
        styled = "".join(f'<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="1"/><c r="J{r}" s="1"></c></row>'
                         for r in (41, 42, 5000, 5001, 70000, 1048576))
        return xml.replace("</sheetData>", styled + tail + "</sheetData>")

    _splice(path, "xl/worksheets/sheet1.xml", edit)
    return evaluate_file(str(path), NATIONAL)


def test_claimed_used_range_with_nothing_beyond_the_window_is_not_reported(tmp_path: Path) -> None:
    result = _claimed_range(tmp_path, "")
    assert result.status == "scored"
    assert "read.window_truncated" not in _codes(result)
    (ps,) = result.scores
    assert ps.score is not None


@pytest.mark.parametrize("tail", [
    '<row r="1048577"/><row r="6000"><c r="B6000" t="inlineStr"><is><t>备注</t></is></c></row>',
    '<row r="7000"><c r="C7000"><v>12</v></c></row>',
    '<row r="30"><c r="BZ30"><f>1+1</f><v>2</v></c></row>',
])
def test_content_beyond_the_window_is_reported(tmp_path: Path, tail: str) -> None:
    result = _claimed_range(tmp_path, tail)
    hits = [f for f in result.findings if f.code == "read.window_truncated"]
    assert len(hits) == 1 and "之外还有内容" in hits[0].message
    assert result.scores[0].score is not None


def test_empty_strings_beyond_the_window_are_no_content(tmp_path: Path) -> None:
    result = _claimed_range(tmp_path, '<row r="6000"><c r="B6000" t="inlineStr"><is><t> </t></is></c></row>')
    assert "read.window_truncated" not in _codes(result)


def test_rows_without_numbers_read_row_by_row_still_report_content_beyond(tmp_path: Path) -> None:
    # Cells without r= send the reader down its row-by-row path.
    path, _, _ = make_workbook(tmp_path / "wb.xlsx", [seed_spec("招商节会")])
    workbook = load_workbook(path)
    last = workbook.active.max_row  # type: ignore[union-attr]

    def edit(xml: str, content: bool) -> str:
        filler = "".join("<row><c/></row>" for _ in range(5100 - last))
        tail = '<row><c t="inlineStr"><is><t>尾注</t></is></c></row>' if content else "<row/>"
        return xml.replace("</sheetData>", filler + tail + "</sheetData>")

    for content in (False, True):
        _splice(path, "xl/worksheets/sheet1.xml", lambda x, c=content: edit(x, c))
        codes = _codes(evaluate_file(str(path), NATIONAL))
        assert ("read.window_truncated" in codes) is content
        make_workbook(path, [seed_spec("招商节会")])


# --- the cause, not the formula -----------------------------------------------------------


def _cache(xml: str, values: dict[str, Any]) -> str:
    """Give formula cells the cached result a spreadsheet program would store: a number, ""
    (an empty text result) or an error value ("#VALUE!")."""
    for ref, value in values.items():
        m = re.search(rf'<c r="{ref}"([^>]*)><f>(.*?)</f>(?:<v\s*/>|<v>[^<]*</v>)?</c>', xml)
        assert m, ref
        attrs = re.sub(r'\s+t="[^"]*"', "", m.group(1))
        if isinstance(value, str) and value.startswith("#"):
            new = f'<c r="{ref}"{attrs} t="e"><f>{m.group(2)}</f><v>{value}</v></c>'
        elif isinstance(value, str):
            new = f'<c r="{ref}"{attrs} t="str"><f>{m.group(2)}</f><v>{value}</v></c>'
        else:
            new = f'<c r="{ref}"{attrs}><f>{m.group(2)}</f><v>{value}</v></c>'
        xml = xml[:m.start()] + new + xml[m.end():]
    return xml


def _formula_table(tmp_path: Path, cells: dict[str, Any], cached: dict[str, Any]) -> tuple[WorkbookResult, Any]:
    """The seed table (200 / 200 / 196.5 万元, 总分 99.83) with SUM formulas in its totals, some
    cells retyped (keys: A1 refs) and the formulas' cached results as Excel computes them."""
    from builders import Layout

    path, maps, _ = make_workbook(tmp_path / "wb.xlsx", [seed_spec("招商节会")], layout=Layout(formulas=True))
    m = maps[0]
    wb = load_workbook(path)
    ws = wb[m.title]
    for ref, value in cells.items():
        ws[ref] = value
    wb.save(path)
    total = m.funds["total"]
    base = {total["initial"]: 200, total["full_year"]: 200, total["executed"]: 196.5, total["rate"]: 0.9825,
            total["score"]: 9.83, m.total_score_cell: 99.83}
    base.update(cached)
    _splice(path, "xl/worksheets/sheet1.xml", lambda xml: _cache(xml, base))
    return evaluate_file(str(path), NATIONAL), m


def _at(result: WorkbookResult, code: str) -> list[Any]:
    return [f for f in result.findings if f.code == code]


def test_control_formula_table_is_clean(tmp_path: Path) -> None:
    result, _ = _formula_table(tmp_path, {}, {})
    assert not [f for f in result.findings if f.code.startswith(("formula.", "funds.", "total.", "read."))]


@pytest.mark.parametrize("typed", ["200 ", "２００", "200万元"])
def test_part_typed_as_text_is_named_not_the_sum(tmp_path: Path, typed: str) -> None:
    probe, maps, _ = make_workbook(tmp_path / "probe.xlsx", [seed_spec("招商节会")])
    m = maps[0]
    part, total = m.funds["current_appropriation"]["full_year"], m.funds["total"]["full_year"]
    # SUM leaves the text out: the total shows 0, and the rate and its score follow it.
    result, m = _formula_table(tmp_path, {part: typed}, {total: 0, m.funds["total"]["rate"]: 0,
                                                          m.funds["total"]["score"]: 0})
    (hit,) = _at(result, "formula.part_is_text")
    assert hit.cell == part and hit.found == typed.strip() and hit.expected == 200  # read blanks-trimmed
    assert "改为数字 200" in hit.message and total in hit.message
    assert hit.message.index(part) < hit.message.index(total)
    assert not [f for f in result.findings if f.code.startswith("funds.total") and f.cell == total]
    # The rate and its score, computed from the total, are not reported again.
    assert not [f for f in result.findings if f.code in ("funds.rate_mismatch", "funds.score_mismatch")]
    assert result.scores[0].funds.budget == 200  # the parts are used


def test_part_typed_as_text_under_a_plus_formula_giving_an_error(tmp_path: Path) -> None:
    probe, maps, _ = make_workbook(tmp_path / "probe.xlsx", [seed_spec("招商节会")])
    m = maps[0]
    col = re.match(r"[A-Z]+", m.funds["total"]["initial"]).group(0)  # type: ignore[union-attr]
    r8, r9 = (int(re.sub(r"[A-Z]+", "", m.funds[k]["initial"])) for k in ("current_appropriation", "carry_over"))
    part, total = m.funds["current_appropriation"]["initial"], m.funds["total"]["initial"]
    result, m = _formula_table(tmp_path, {part: "200万元", total: f"={col}{r8}+{col}{r9}"}, {total: "#VALUE!"})
    (hit,) = _at(result, "formula.part_is_text")
    assert hit.cell == part and "错误值 #VALUE!" in hit.message
    assert not [f for f in result.findings if f.code in ("funds.not_number", "funds.total_mismatch",
                                                         "read.error_value")]


def test_part_outside_the_sum_range_is_named_with_the_formula_to_write(tmp_path: Path) -> None:
    probe, maps, _ = make_workbook(tmp_path / "probe.xlsx", [seed_spec("招商节会")])
    m = maps[0]
    first, other = m.funds["current_appropriation"]["executed"], m.funds["other"]["executed"]
    carry = m.funds["carry_over"]["executed"]
    total = m.funds["total"]["executed"]
    # A row of 10 万元 added below the range: =SUM(G8:G9) never sees G10.
    result, m = _formula_table(tmp_path, {first: 186.5, other: 10, total: f"=SUM({first}:{carry})"},
                               {total: 186.5, m.funds["total"]["rate"]: 0.9325, m.funds["total"]["score"]: 9.33})
    (hit,) = _at(result, "formula.part_outside_range")
    assert hit.cell == other and hit.expected == 10
    assert f"=SUM({first}:{other})" in hit.message
    assert not _at(result, "funds.total_mismatch")
    assert result.scores[0].funds.executed == 196.5


def test_indicator_score_typed_as_text_is_named_not_the_total(tmp_path: Path) -> None:
    probe, maps, _ = make_workbook(tmp_path / "probe.xlsx", [seed_spec("招商节会")])
    m = maps[0]
    score = m.indicator_cells[2]["score"]
    result, m = _formula_table(tmp_path, {score: "10 "}, {m.total_score_cell: 89.83})
    (hit,) = _at(result, "formula.part_is_text")
    assert hit.cell == score and m.total_score_cell in hit.message and "印制招商资料" in hit.message
    assert not _at(result, "total.mismatch")


def test_indicator_row_outside_the_total_range(tmp_path: Path) -> None:
    probe, maps, _ = make_workbook(tmp_path / "probe.xlsx", [seed_spec("招商节会")])
    m = maps[0]
    funds_score = m.funds["total"]["score"]
    first, before_last = m.indicator_cells[0]["score"], m.indicator_cells[-2]["score"]
    last = m.indicator_cells[-1]["score"]
    result, m = _formula_table(tmp_path, {m.total_score_cell: f"=SUM({funds_score},{first}:{before_last})"},
                               {m.total_score_cell: 89.83})
    (hit,) = _at(result, "formula.part_outside_range")
    assert hit.cell == last and f"=SUM({funds_score},{first}:{last})" in hit.message
    assert not _at(result, "total.mismatch")


def test_weight_typed_as_text_under_the_weight_total(tmp_path: Path) -> None:
    probe, maps, _ = make_workbook(tmp_path / "probe.xlsx", [seed_spec("招商节会")])
    m = maps[0]
    funds_w = m.funds["total"]["weight"]
    first, last = m.indicator_cells[0]["weight"], m.indicator_cells[-1]["weight"]
    text = m.indicator_cells[4]["weight"]  # 时效指标, 5 points
    result, m = _formula_table(tmp_path, {m.total_weight_cell: f"=SUM({funds_w},{first}:{last})", text: "5分"},
                               {m.total_weight_cell: 95})
    (hit,) = _at(result, "formula.part_is_text")
    assert hit.cell == text and "分值合计" in hit.message and m.total_weight_cell in hit.message
    assert not _at(result, "weights.sum_mismatch")


def test_a_wrong_total_typed_by_hand_is_still_the_total_s_finding(tmp_path: Path) -> None:
    path, maps, _ = make_workbook(tmp_path / "wb.xlsx", [seed_spec("招商节会")])
    m = maps[0]
    wb = load_workbook(path)
    wb[m.title][m.funds["total"]["full_year"]] = 150
    wb[m.title][m.funds["current_appropriation"]["full_year"]] = "200 "
    wb.save(path)
    result = evaluate_file(str(path), NATIONAL)
    assert [f.cell for f in _at(result, "funds.total_mismatch")] == [m.funds["total"]["full_year"]]
    assert not [f for f in result.findings if f.code.startswith("formula.")]


# --- rows inserted at the top of an indicator group --------------------------------------


def _inserted_on_top(tmp_path: Path, level1: str, *, declared: bool = True, weight: float = 5, count: int = 1
                     ) -> tuple[WorkbookResult, Any, int]:
    """The seed table with one indicator row inserted on top of the ``level1`` group as Excel
    inserts it: the group's merged 一级 (and 二级) cells start one row lower, the new row's are
    blank and unmerged. The group keeps its declared weight: the row's 分值 is taken from the
    group's first indicator. Returns the result, the sheet map and the new row."""
    from builders import Layout

    spec = seed_spec("招商节会")
    inds = spec["indicators"]
    at = next(i for i, ind in enumerate(inds) if ind["level1"].startswith(level1))
    first = inds[at]
    first["weight"] = first["score"] = first["weight"] - weight * count
    for n in range(count):
        inds.insert(at, dict(first, name=f"新增指标{n + 1}：带动就业人数", target="≥100人", actual="120人",
                             weight=weight, score=weight))
    if declared:  # "效益指标（30分）"
        sums: dict[str, float] = {}
        for ind in inds:
            sums[ind["level1"]] = sums.get(ind["level1"], 0) + ind["weight"]
        for ind in inds:
            ind["level1"] = f"{ind['level1']}（{sums[ind['level1']]:g}分）"
    path, maps, _ = make_workbook(tmp_path / "wb.xlsx", [spec], layout=Layout(weights_in_level1=declared))
    m = maps[0]
    row = m.indicator_rows[at]
    wb = load_workbook(path)
    ws = wb[m.title]
    for key in ("level1", "level2"):
        col = re.match(r"[A-Z]+", m.indicator_cells[at][key]).group(0)  # type: ignore[union-attr]
        merged = next((r for r in ws.merged_cells.ranges if r.min_row == row and r.min_col == ws[f"{col}{row}"].column),
                      None)
        value = ws[f"{col}{row}"].value
        if merged is not None:
            bottom = merged.max_row
            ws.unmerge_cells(str(merged))
            if bottom > row + count:
                ws.merge_cells(f"{col}{row + count}:{col}{bottom}")
        ws[f"{col}{row}"] = None
        ws[f"{col}{row + count}"] = value
    wb.save(path)
    return evaluate_file(str(path), NATIONAL), m, row


@pytest.mark.parametrize("level1", ["产出", "效益"])
def test_row_inserted_on_top_of_a_group_joins_it(tmp_path: Path, level1: str) -> None:
    result, m, row = _inserted_on_top(tmp_path, level1)
    (ps,) = result.scores
    ind = next(r.indicator for r in ps.indicators if r.indicator.row == row)
    assert ind.level1.startswith(level1) and ind.level2
    assert not [f for f in result.findings if f.code.startswith(("weights.", "indicator.ungrouped"))]
    assert ps.score == pytest.approx(99.83)


def test_rows_inserted_together_between_groups_go_together(tmp_path: Path) -> None:
    result, m, row = _inserted_on_top(tmp_path, "效益", count=2, weight=4)
    (ps,) = result.scores
    assert [r.indicator.level1 for r in ps.indicators if r.indicator.row in (row, row + 1)] == ["效益指标"] * 2
    assert not [f for f in result.findings if f.code.startswith(("weights.", "indicator.ungrouped"))]


def test_row_inserted_between_groups_without_declared_weights_is_reported(tmp_path: Path) -> None:
    result, m, row = _inserted_on_top(tmp_path, "效益", declared=False)
    (hit,) = [f for f in result.findings if f.code == "indicator.ungrouped"]
    assert hit.cell.endswith(str(row)) and "产出指标" in hit.message and "效益指标" in hit.message  # type: ignore[union-attr]
    ind = next(r.indicator for r in result.scores[0].indicators if r.indicator.row == row)
    assert ind.level1 == ""
    assert result.scores[0].score == pytest.approx(99.83)  # still scored, in the total


def test_first_group_without_declared_weights_takes_the_row(tmp_path: Path) -> None:
    result, m, row = _inserted_on_top(tmp_path, "产出", declared=False)
    ind = next(r.indicator for r in result.scores[0].indicators if r.indicator.row == row)
    assert ind.level1 == "产出指标"
    assert not [f for f in result.findings if f.code.startswith(("weights.profile", "indicator.ungrouped"))]


# --- the same, made by LibreOffice's own Insert Rows ---------------------------------------

def test_row_inserted_by_calc_on_top_of_a_group(tmp_path: Path, soffice: str) -> None:
    from builders import Layout

    spec = seed_spec("招商节会")
    sums: dict[str, float] = {}
    for ind in spec["indicators"]:
        sums[ind["level1"]] = sums.get(ind["level1"], 0) + ind["weight"]
    for ind in spec["indicators"]:
        ind["level1"] = f"{ind['level1']}（{sums[ind['level1']]:g}分）"
    path, maps, _ = make_workbook(tmp_path / "wb.xlsx", [spec], layout=Layout(weights_in_level1=True))
    m = maps[0]
    at = next(i for i, ind in enumerate(spec["indicators"]) if ind["level1"].startswith("效益"))
    row = m.indicator_rows[at]
    cells = m.indicator_cells[at]
    below = {k: re.sub(r"\d+", str(row + 1), v) for k, v in cells.items()}
    # The new row takes 5 of the group's 30 points from the row now below it.
    edits = {cells["name"]: "带动就业人数", cells["target"]: "≥100人", cells["actual"]: "120人",
             cells["weight"]: 5, cells["score"]: 5, below["weight"]: 10, below["score"]: 10}
    inserted = insert_row_with_libreoffice(tmp_path, soffice, path, m.title, row, edits)
    ws = load_workbook(inserted)[m.title]
    assert ws[cells["level1"]].value is None and ws[below["level1"]].value.startswith("效益")  # Calc's merge moved
    result = evaluate_file(str(inserted), NATIONAL)
    ind = next(r.indicator for r in result.scores[0].indicators if r.indicator.row == row)
    assert ind.level1 == "效益指标" and ind.name == "带动就业人数"
    assert not [f for f in result.findings if f.code.startswith(("weights.", "indicator.ungrouped"))]


def test_row_inserted_by_calc_below_the_total_s_range(tmp_path: Path, soffice: str) -> None:
    from builders import Layout

    spec = seed_spec("招商节会")
    last = spec["indicators"][-1]
    last["weight"] = last["score"] = 5  # the new row below it takes the other 5 points
    path, maps, _ = make_workbook(tmp_path / "wb.xlsx", [spec], layout=Layout(formulas=True))
    m = maps[0]
    row = m.total_row  # inserted just above 总分: outside SUM(…:H22)
    new = {k: re.sub(r"\d+", str(row), v) for k, v in m.indicator_cells[-1].items()}
    edits = {new["name"]: "投诉处理及时率", new["target"]: "≥95%", new["actual"]: "98%", new["weight"]: 5,
             new["score"]: 5}
    inserted = insert_row_with_libreoffice(tmp_path, soffice, path, m.title, row, edits)
    result = evaluate_file(str(inserted), NATIONAL)
    (hit,) = _at(result, "formula.part_outside_range")
    assert hit.cell == new["score"]
    assert not _at(result, "total.mismatch")
    assert result.scores[0].score == pytest.approx(99.83)


def test_task_typed_as_text_is_named_not_the_task_total(tmp_path: Path) -> None:
    from dept_builders import make_department_workbook, national_spec

    spec = national_spec()
    path, m = make_department_workbook(tmp_path / "部门.xlsx", spec)
    *tasks, total = m.tasks
    first, last = tasks[0]["budget"], tasks[-1]["budget"]
    text_task = tasks[1]["budget"]
    amount = spec["tasks"][1]["budget"]
    wb = load_workbook(path)
    ws = wb[m.title]
    ws[text_task] = f"{amount:g}万元"
    ws[total["budget"]] = f"=SUM({first}:{last})"
    wb.save(path)
    shown = round(sum(t["budget"] for t in spec["tasks"]) - amount, 6)
    _splice(path, "xl/worksheets/sheet1.xml", lambda xml: _cache(xml, {total["budget"]: shown}))
    result = evaluate_file(str(path), NATIONAL)
    (hit,) = _at(result, "formula.part_is_text")
    assert hit.cell == text_task and total["budget"] in hit.message and spec["tasks"][1]["name"] in hit.message
    assert not [f for f in result.findings if f.code == "funds.task_total_mismatch"]


def test_subtotal_row_missing_an_inserted_row(tmp_path: Path) -> None:
    # A 部门整体 scoring table whose 投入小计 =SUM(D3:D4) was not widened when 资金到位率 was added.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "部门评分"
    for row in (["部门整体支出绩效自评表"], ["一级指标", "三级指标", "分值", "得分"],
                ["投入", "重点支出安排率", 10, 9], [None, "预算调整率", 10, 10], [None, "资金到位率", 10, 10],
                [None, "投入小计", 30, "=SUM(D3:D4)"], ["产出", "重点工作完成率", 70, 70], ["合计", None, 100, 99]):
        ws.append(row)
    path = tmp_path / "评分表.xlsx"
    wb.save(path)
    _splice(path, "xl/worksheets/sheet1.xml", lambda xml: _cache(xml, {"D6": 19}))
    result = evaluate_file(str(path), NATIONAL)
    (hit,) = _at(result, "formula.part_outside_range")
    assert hit.cell == "D5" and "=SUM(D3:D5)" in hit.message and "投入小计" in hit.message
    assert not _at(result, "indicator.subtotal_mismatch")


def test_text_parts_summed_by_libreoffice(tmp_path: Path, soffice: str) -> None:
    """The same tables recalculated by a real spreadsheet program: Calc's SUM leaves text out."""
    from builders import Layout, soffice_convert

    files = []
    for n, typed in enumerate(["200 ", "２００", "200万元"]):
        path, maps, _ = make_workbook(tmp_path / f"t{n}.xlsx", [seed_spec("招商节会")], layout=Layout(formulas=True))
        m = maps[0]
        wb = load_workbook(path)
        wb[m.title][m.funds["current_appropriation"]["full_year"]] = typed
        wb.save(path)
        files.append((path, m))
    out = soffice_convert(soffice, [p for p, _ in files], tmp_path / "lo", "xlsx")
    for path, m in files:
        result = evaluate_file(str(out[path]), NATIONAL)
        part = m.funds["current_appropriation"]["full_year"]
        assert [f.cell for f in _at(result, "formula.part_is_text")] == [part], path
        assert not [f for f in result.findings if f.code in ("funds.total_mismatch", "funds.total_blank",
                                                             "funds.rate_mismatch", "funds.score_mismatch")]


def test_shared_formula_totals_are_read_from_their_first_cell(tmp_path: Path) -> None:
    # Excel writes a SUM filled right across the total row once: E7 holds it, F7 and G7 say
    # <f t="shared" si="0"/>; F7's formula is E7's moved one column.
    probe, maps, _ = make_workbook(tmp_path / "probe.xlsx", [seed_spec("招商节会")])
    m = maps[0]
    total, part = m.funds["total"], m.funds["current_appropriation"]["full_year"]
    result, m = _formula_table(tmp_path, {part: "２００"}, {total["full_year"]: 0, total["rate"]: 0, total["score"]: 0})
    path = tmp_path / "wb.xlsx"

    def share(xml: str) -> str:
        first = re.search(rf'<c r="{total["initial"]}"[^>]*><f>([^<]*)</f>', xml)
        assert first
        xml = xml.replace(f"<f>{first.group(1)}</f>", f'<f t="shared" ref="{total["initial"]}:{total["executed"]}" '
                                                        f'si="0">{first.group(1)}</f>', 1)
        for key in ("full_year", "executed"):
            xml = re.sub(rf'(<c r="{total[key]}"[^>]*>)<f>[^<]*</f>', r'\1<f t="shared" si="0"/>', xml)
        return xml

    _splice(path, "xl/worksheets/sheet1.xml", share)
    from perf_xlsx.read.grid import read_grid

    cells = read_grid(str(path)).sheets[0].cells
    formulas = {c.ref: c.formula_text for c in cells.values() if c.ref in (total["full_year"], total["executed"])}
    col = re.match(r"[A-Z]+", part).group(0)  # type: ignore[union-attr]
    assert formulas[total["full_year"]].startswith(f"SUM({col}")
    again = evaluate_file(str(path), NATIONAL)
    (hit,) = _at(again, "formula.part_is_text")
    assert hit.cell == part and f"={formulas[total['full_year']]}" in hit.message


def test_unit_list_total_formula_missing_a_row_typed_as_text(tmp_path: Path) -> None:
    from builders import Layout, unit_sheet_from_specs

    specs = [seed_spec("招商节会"), seed_spec("农贸市场提质改造")]
    path, maps, umap = make_workbook(tmp_path / "wb.xlsx", specs, unit_sheet=unit_sheet_from_specs(specs),
                                     layout=Layout(formulas=True))
    assert umap is not None
    part, total = umap.row_cells[1]["full_year"], umap.total_cells["full_year"]
    wb = load_workbook(path)
    wb[umap.title][part] = "250万元"
    wb.save(path)
    sheet_part = f"xl/worksheets/sheet{wb.sheetnames.index(umap.title) + 1}.xml"
    _splice(path, sheet_part, lambda xml: _cache(xml, {total: 200}))
    result = evaluate_file(str(path), NATIONAL)
    (hit,) = [f for f in _at(result, "formula.part_is_text") if f.sheet == umap.title]
    assert hit.cell == part and total in hit.message and "农贸市场提质改造" in hit.message
    assert not [f for f in _at(result, "unit.total_mismatch") if f.cell == total]
