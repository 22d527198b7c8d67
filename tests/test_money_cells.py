"""Money cells with their unit inside ('3359.62万', '200万元', '5000元' under a 万元 header) are
read as amounts in the funds block and the 项目清单; real text (见附件, 无法统计) is still refused
(issue 12 §3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from builders import make_workbook, seed_spec, unit_sheet_from_specs
from loaded import load_workbook

from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.model import WorkbookResult
from perf_xlsx.rules import load_profile
from perf_xlsx.values import parse_money

NATIONAL = load_profile("national_2020")


@pytest.mark.parametrize("value,unit,expected", [
    ("3359.62万", "万元", 3359.62),
    ("52.800000", "万元", 52.8),
    ("200万元", "万元", 200.0),
    ("１２０万元", "万元", 120.0),
    ("3,359.62 万元", "万元", 3359.62),
    ("0.5亿", "万元", 5000.0),
    ("5000元", "万元", 0.5),          # the cell's own unit wins over the header's
    ("200万元", "元", 200.0),
    ("200.00（万元）", "元", 200.0),   # the unit in brackets
    ("200(元)", "万元", 0.02),
    ("3359.62万元整", "万元", 3359.62),
    ("200万元。", "万元", 200.0),
    ("人民币200万元", "元", 200.0),
    ("见附件", "万元", None),
    ("无法统计", "万元", None),
    ("约200万元", "万元", None),
    ("200万元（含结转50万元）", "万元", None),
    ("200整数", "万元", None),
])
def test_money_text_forms(value: str, unit: str, expected: float | None) -> None:
    got = parse_money(value, unit)
    assert got == (pytest.approx(expected) if expected is not None else None)


def _with_cells(tmp_path: Path, cells: dict[tuple[str, str], Any]) -> tuple[WorkbookResult, Any]:
    """The seed table (200 / 200 / 196.5 万元) with funds cells (row kind, column) retyped."""
    path, maps, _ = make_workbook(tmp_path / "wb.xlsx", [seed_spec("招商节会")])
    m = maps[0]
    wb = load_workbook(path)
    ws = wb[m.title]
    for (kind, col), value in cells.items():
        ws[m.funds[kind][col]] = value
    wb.save(path)
    return evaluate_file(str(path), NATIONAL), m


SAME_AMOUNTS = {
    ("total", "initial"): "200万",
    ("total", "full_year"): "200.00（万元）",
    ("total", "executed"): "1,965,000元",
    ("current_appropriation", "initial"): "２００万元",
    ("current_appropriation", "full_year"): "0.02亿",
    ("current_appropriation", "executed"): "196.500000",
}


def test_funds_cells_with_units_read_as_amounts(tmp_path: Path) -> None:
    result, _ = _with_cells(tmp_path, SAME_AMOUNTS)
    (ps,) = result.scores
    assert (ps.funds.initial, ps.funds.budget, ps.funds.executed) == pytest.approx((200, 200, 196.5))
    assert ps.funds.score == pytest.approx(9.83)
    assert ps.score == pytest.approx(99.83)
    assert not [f for f in result.findings if f.code.startswith(("funds.", "read.funds", "total."))]


def test_funds_cells_with_units_still_checked(tmp_path: Path) -> None:
    # 3359.62万 is read as 3359.62, so the total is compared with its parts, not dropped.
    result, m = _with_cells(tmp_path, {("total", "initial"): "3359.62万"})
    found = [(f.code, f.cell, f.found) for f in result.findings if f.code.startswith("funds.")]
    assert found == [("funds.total_mismatch", m.funds["total"]["initial"], 3359.62)]


def test_funds_text_cells_stay_not_number(tmp_path: Path) -> None:
    result, m = _with_cells(tmp_path, {("total", "full_year"): "见附件", ("total", "executed"): "无法统计"})
    found = sorted((f.code, f.cell) for f in result.findings if f.code == "funds.not_number")
    assert found == sorted([("funds.not_number", m.funds["total"]["full_year"]),
                            ("funds.not_number", m.funds["total"]["executed"])])


def test_unit_list_cells_with_units_read_as_amounts(tmp_path: Path) -> None:
    specs = [seed_spec("招商节会"), seed_spec("农贸市场提质改造")]
    path, _, unit_map = make_workbook(tmp_path / "wb.xlsx", specs, unit_sheet=unit_sheet_from_specs(specs))
    assert unit_map is not None
    wb = load_workbook(path)
    ws = wb[unit_map.title]
    before = {k: ws[unit_map.row_cells[0][k]].value for k in ("initial", "full_year", "executed")}
    ws[unit_map.row_cells[0]["initial"]] = f"{before['initial']}万元"
    ws[unit_map.row_cells[0]["full_year"]] = f"{before['full_year'] * 10000:,.0f}元"
    ws[unit_map.row_cells[0]["executed"]] = f"{before['executed']}万"
    wb.save(path)
    result = evaluate_file(str(path), NATIONAL)
    assert not [f for f in result.findings if f.code.startswith("unit.") or f.severity.value == "error"]
