"""The workbook builders themselves: every case builds in every layout, values land where the
SheetMap says, merges cover the 一级/二级 groups, LibreOffice adds cached formula values."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import (
    FUND_COLS,
    FUND_ROWS,
    LAYOUT_VARIANTS,
    Layout,
    SheetMap,
    add_project_sheet,
    case_paths,
    libreoffice_resave,
    make_workbook,
    seed_spec,
    spec_from_case,
    unit_sheet_from_specs,
)
from loaded import load_workbook
from openpyxl.utils import column_index_from_string, coordinate_to_tuple
from openpyxl.worksheet.worksheet import Worksheet

SEEDS = ("招商节会", "农贸市场提质改造")


def _all_specs() -> list[dict[str, Any]]:
    return [spec_from_case(p) for p in case_paths()] + [seed_spec(n) for n in SEEDS]


def _merged_at(ws: Worksheet, ref: str) -> tuple[int, int, int, int] | None:
    row, col = coordinate_to_tuple(ref)
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return rng.min_row, rng.min_col, rng.max_row, rng.max_col
    return None


def _is_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def _texts(ws: Worksheet) -> set[str]:
    return {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}


def _check_text_or_percent(cell: Any, expected: Any, layout: Layout) -> None:
    m = re.fullmatch(r"([-+]?\d+(?:\.\d+)?)%", expected) if isinstance(expected, str) else None
    if m and layout.percent_cells:
        assert cell.value == pytest.approx(float(m.group(1)) / 100), cell.coordinate
        assert "%" in cell.number_format
    else:
        assert cell.value == expected, cell.coordinate


def _check_sheet(ws: Worksheet, spec: dict[str, Any], smap: SheetMap, layout: Layout) -> None:
    trad = layout.label_style == "traditional"
    assert ws.title == smap.title
    texts = _texts(ws)
    title = "項目支出績效自評表" if trad else "项目支出绩效自评表"
    assert title in texts
    assert any(("項目" if trad else "项目") in t and ("名稱" if trad else "名称") in t
               for t in texts)

    # header
    assert ws[smap.name_cell].value == spec["project_name"]
    assert ws[smap.department_cell].value == spec["department"]
    assert ws[smap.implementer_cell].value == spec["implementer"]
    assert str(spec["year"]) in ws[smap.year_cell].value
    first_col = layout.start_col
    assert coordinate_to_tuple(smap.name_cell)[1] == first_col + 2
    if layout.start_col > 1:
        assert all(ws.cell(row=r, column=1).value is None for r in range(1, ws.max_row + 1))

    # funds
    funds = spec["funds"]
    for kind in FUND_ROWS:
        row = funds.get(kind) or {}
        cells = smap.funds[kind]
        assert set(cells) == set(FUND_COLS)
        assert len({coordinate_to_tuple(ref)[0] for ref in cells.values()}) == 1
        for key in FUND_COLS:
            cell = ws[cells[key]]
            expected = row.get(key)
            if _is_formula(cell.value):
                assert layout.formulas, cell.coordinate
                continue
            if expected is None:
                assert cell.value in (None, "—"), cell.coordinate
            elif key == "rate":
                _check_text_or_percent(cell, expected, layout)
            else:
                assert cell.value == expected, cell.coordinate
    if layout.formulas:
        total = smap.funds["total"]
        assert _is_formula(ws[total["rate"]].value)
        assert ws[total["rate"]].value.startswith("=IF(")

    # indicators
    indicators = spec["indicators"]
    assert len(smap.indicator_rows) == len(indicators) == len(smap.indicator_cells)
    assert smap.indicator_rows == sorted(smap.indicator_rows)
    body = set(range(smap.indicator_header_row + 1, smap.total_row))
    assert body == set(smap.indicator_rows) | set(smap.blank_indicator_rows)
    assert len(smap.blank_indicator_rows) == layout.extra_indicator_rows + (
        1 if layout.blank_rows_in_table and len(indicators) > 1 else 0)
    for ind, cells, row in zip(indicators, smap.indicator_cells, smap.indicator_rows):
        assert all(coordinate_to_tuple(ref)[0] == row
                   for key, ref in cells.items() if key not in ("level1", "level2"))
        assert coordinate_to_tuple(cells["level1"])[0] <= row
        name = ind["name"]
        if name and "(text cut off" in name:
            name = name.split("(text")[0]
        assert ws[cells["name"]].value == name
        if layout.split_target:
            assert {"operator", "unit"} <= set(cells)
            if "target_value" in ind:
                assert ws[cells["operator"]].value == ind.get("operator")
                _check_text_or_percent(ws[cells["target"]], ind["target_value"], layout)
                assert ws[cells["unit"]].value == ind.get("unit")
            elif ind["target"] is None:
                assert ws[cells["target"]].value is None
            else:  # derived from the target text: the parts join back to it
                parts = [ws[cells[k]].value for k in ("operator", "target", "unit")]
                joined = "".join(str(p) for p in parts if p is not None)
                assert joined == ind["target"]
        else:
            _check_text_or_percent(ws[cells["target"]], ind["target"], layout)
        _check_text_or_percent(ws[cells["actual"]], ind["actual"], layout)
        assert ws[cells["weight"]].value == ind["weight"]
        assert ws[cells["score"]].value == ind["score"]
        level1 = ws[cells["level1"]].value
        if layout.weights_in_level1:
            expected = ind["level1"]
            if trad:
                expected = expected.replace("产", "產").replace("满", "滿").replace("标", "標")
            assert level1 == expected
        else:
            assert "分" not in level1 and level1.rstrip("標标").endswith("指")
        note = ind.get("deviation_note")
        reason = ws[cells["reason"]].value
        if note and re.search(r"[\u4e00-\u9fff]", note):
            assert reason == note
        else:
            assert reason is None

    # 一级 / 二级 merges cover consecutive rows of the same label (incl. the extra rows)
    level1_col = column_index_from_string(re.sub(r"\d", "", smap.indicator_cells[0]["level1"]))
    labels = [ind["level1"] for ind in indicators]
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            first = smap.indicator_rows[start]
            last = smap.indicator_rows[i - 1]
            if start == 0:
                last += layout.extra_indicator_rows if i - 1 == 0 else 0
            if last > first:
                rng = _merged_at(ws, smap.indicator_cells[start]["level1"])
                assert rng is not None, (smap.title, labels[start])
                assert rng[0] == first and rng[2] >= last and rng[1] == rng[3] == level1_col
            start = i
    # the 绩效指标 label spans the whole block
    rng = _merged_at(ws, f"{openpyxl.utils.get_column_letter(first_col)}"
                         f"{smap.indicator_header_row}")
    assert rng is not None and rng[2] == smap.total_row - 1

    # 总分
    assert ws[smap.total_weight_cell].value == spec.get("total_weight", 100)
    total_score = ws[smap.total_score_cell].value
    if not _is_formula(total_score):
        assert total_score == spec["total_score_published"]
    assert coordinate_to_tuple(smap.total_score_cell)[1] == coordinate_to_tuple(
        smap.indicator_cells[0]["score"])[1]


@pytest.mark.parametrize("variant", sorted(LAYOUT_VARIANTS))
def test_every_case_builds_in_every_layout(tmp_path: Path, variant: str) -> None:
    layout = LAYOUT_VARIANTS[variant]
    specs = _all_specs()
    path, maps, umap = make_workbook(tmp_path / f"{variant}.xlsx", specs, layout=layout)
    assert path.exists() and umap is None
    wb = load_workbook(path)
    assert wb.sheetnames == [m.title for m in maps]
    for spec, smap in zip(specs, maps):
        _check_sheet(wb[smap.title], spec, smap, layout)


def test_case_paths_and_specs() -> None:
    paths = case_paths()
    assert len(paths) == 6 and paths == sorted(paths)
    spec = spec_from_case("004")
    assert spec == spec_from_case(paths[1])
    spec["project_name"] = "changed"
    assert spec_from_case(spec)["project_name"] == "changed"
    assert spec_from_case(paths[1])["project_name"] != "changed"


def test_seed_specs_are_consistent() -> None:
    for name in SEEDS:
        spec = seed_spec(name)
        total = spec["funds"]["total"]
        rate = total["executed"] / total["full_year"]
        assert total["score"] == round(min(rate, 1) * total["weight"] + 1e-9, 2)
        weights = total["weight"] + sum(i["weight"] for i in spec["indicators"])
        scores = total["score"] + sum(i["score"] for i in spec["indicators"])
        assert weights == 100
        assert scores == pytest.approx(spec["total_score_published"])
        assert 8 <= len(spec["indicators"]) <= 9
    with pytest.raises(KeyError):
        seed_spec("nope")


def test_sheet_names_and_explicit_title(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    long = seed_spec("招商节会")
    long["project_name"] = "关于[2021]年度:招商/节会*项目?" + "很长" * 20
    m1 = add_project_sheet(wb, long)
    m2 = add_project_sheet(wb, long)
    m3 = add_project_sheet(wb, seed_spec("招商节会"), title="表1")
    assert len(m1.title) <= 31 and not re.search(r"[\[\]:*?/\\]", m1.title)
    assert m2.title != m1.title and len(m2.title) <= 31
    assert m3.title == "表1" and wb["表1"][m3.name_cell].value == "招商节会"


def test_dashes_units_and_split_details(make_wb: Any) -> None:
    spec = spec_from_case("011")
    path, (smap,), _ = make_wb([spec], layout=Layout(split_target=True))
    ws = load_workbook(path)[smap.title]
    other = smap.funds["other"]
    assert [ws[other[k]].value for k in FUND_COLS] == [None] + ["—"] * 5
    carry = smap.funds["carry_over"]
    assert (ws[carry["weight"]].value, ws[carry["score"]].value) == ("—", "—")
    assert "项目资金（元）" in _texts(ws) and ws[smap.unit_cell].value == "单位：元"
    # an "=" operator is text, never a formula
    eq = smap.indicator_cells[3]
    cell = ws[eq["operator"]]
    assert cell.value == "═" and cell.data_type == "s"
    spec["indicators"][3]["operator"] = "="
    path, (smap,), _ = make_wb([spec], name="eq.xlsx", layout=Layout(split_target=True))
    cell = load_workbook(path)[smap.title][smap.indicator_cells[3]["operator"]]
    assert cell.value == "=" and cell.data_type == "s"


def test_unit_sheet(make_wb: Any) -> None:
    specs = [seed_spec(n) for n in SEEDS]
    unit = unit_sheet_from_specs(specs, unit_name="芙蓉区商务局")
    path, maps, umap = make_wb(specs, unit_sheet=unit)
    wb = load_workbook(path)
    assert wb.sheetnames == ["项目清单", "招商节会", "农贸市场提质改造"]
    ws = wb["项目清单"]
    assert [ws[c["name"]].value for c in umap.row_cells] == list(SEEDS)
    assert ws[umap.total_cells["initial"]].value == 450
    assert ws[umap.total_cells["executed"]].value == 446.5
    assert "芙蓉区商务局" in ws[umap.unit_name_cell].value
    assert {"序号", "项目名称", "年初预算数", "全年预算数", "全年执行数", "执行率"} <= _texts(ws)
    # a published total that does not add up is written as given
    unit["total"] = {"initial": 400, "full_year": 450, "executed": 446.5}
    path, _, umap = make_wb(specs, name="bad.xlsx", unit_sheet=unit)
    assert load_workbook(path)["项目清单"][umap.total_cells["initial"]].value == 400


def test_libreoffice_resave_adds_cached_values(tmp_path: Path, soffice: str) -> None:
    specs = [spec_from_case("001"), spec_from_case("016"), seed_spec("招商节会")]
    unit = unit_sheet_from_specs(specs[1:])
    path, maps, umap = make_workbook(tmp_path / "f.xlsx", specs, unit_sheet=unit,
                                     layout=Layout(formulas=True))
    raw = load_workbook(path, data_only=True)
    assert raw[maps[0].title][maps[0].funds["total"]["full_year"]].value is None  # no cache

    out = libreoffice_resave(path, tmp_path / "lo")
    assert out.parent == tmp_path / "lo" and out.exists()
    values = load_workbook(out, data_only=True)
    formulas = load_workbook(out)

    # 001: the printed 0/0/0 total becomes the sum of its sub-rows
    m = maps[0]
    ws, wf = values[m.title], formulas[m.title]
    total = m.funds["total"]
    assert _is_formula(wf[total["full_year"]].value)
    assert ws[total["initial"]].value == pytest.approx(90)
    assert ws[total["full_year"]].value == pytest.approx(89.974)
    assert ws[total["executed"]].value == pytest.approx(89.974)
    assert ws[total["rate"]].value == pytest.approx(1)
    assert ws[total["score"]].value == pytest.approx(10)
    assert ws[m.total_score_cell].value == pytest.approx(10 + 80)  # 8×5 + 10 + 10×3
    # 016 has no sub-rows: its amounts stay as published, rate and score are computed
    m = maps[1]
    ws = values[m.title]
    assert ws[m.funds["total"]["full_year"]].value == 50
    assert ws[m.funds["total"]["rate"]].value == pytest.approx(0.2)
    assert ws[m.funds["total"]["score"]].value == pytest.approx(4)
    # seed: 196.5 / 200 -> 98.25% -> 9.83
    m = maps[2]
    ws = values[m.title]
    assert ws[m.funds["total"]["rate"]].value == pytest.approx(0.9825)
    assert ws[m.funds["total"]["score"]].value == pytest.approx(9.83)
    assert ws[m.total_score_cell].value == pytest.approx(99.83)
    # unit sheet 合计 = 50 + 200
    assert umap is not None
    assert values[umap.title][umap.total_cells["full_year"]].value == pytest.approx(250)


def _xlsxwriter_workbook(path: Path) -> Path:
    """A small workbook as xlsxwriter writes 汇总.xlsx: custom number formats (which openpyxl's
    reader renumbers, leaving style keys its lookups miss) and merged cells."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("排名")
    ws.merge_range("A1:D1", "标题", wb.add_format({"bold": True, "border": 1}))
    ws.write_number(1, 0, 0.9, wb.add_format({"num_format": "0.0%"}))
    ws.write_number(1, 1, 12.5, wb.add_format({"num_format": "#,##0.00", "border": 1}))
    ws.write_number(1, 2, 3, wb.add_format({"num_format": "0.000"}))
    wb.close()
    return path


def test_loaded_copies_are_fresh_loads(tmp_path: Path) -> None:
    """tests/loaded.py hands out copies of a workbook loaded before: each is what openpyxl
    loads, object for object, and saves the same parts after the same edit."""
    import io
    import zipfile

    from loaded import differences

    seed, _, _ = make_workbook(tmp_path / "seed.xlsx", [seed_spec("招商节会")])
    sample = Path(__file__).resolve().parent.parent / "sample_workbooks" / "11-部门整体-分项与主要任务.xlsx"
    for path in (seed, sample, _xlsxwriter_workbook(tmp_path / "x.xlsx")):
        first, copy, fresh = load_workbook(path), load_workbook(path), openpyxl.load_workbook(path)
        assert copy is not first and differences(fresh, copy) == [], path.name
        saved = []
        for wb in (fresh, copy):
            ws = wb.worksheets[0]
            ws["B2"].number_format = "0.0%"
            ws.merge_cells("H20:I21")
            ws.row_dimensions[30].height = 40
            out = io.BytesIO()
            wb.save(out)
            with zipfile.ZipFile(out) as zf:
                saved.append({n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"})
        assert saved[0] == saved[1], path.name
