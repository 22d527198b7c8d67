"""Legacy .xls / .et (and .xls renamed .xlsx) and .ods are read in a child process (xlrd with the
cells' number formats, calamine) and scored; percentages typed as such stay percentages."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import make_workbook, spec_from_case
from click.testing import CliRunner

from perf_xlsx.cli.commands import cli
from perf_xlsx.judge.evaluate import evaluate_file, sha256_file
from perf_xlsx.rules import load_profile

CASE = sorted((Path(__file__).parent / "data" / "real-cases").glob("004*.json"))[0]


def _to_xls(src: Path, soffice: str, tmp: Path) -> Path:
    profile = tmp / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xls",
                    "--outdir", str(tmp / "xls"), str(src)], check=True, capture_output=True, timeout=120)
    out = tmp / "xls" / (src.stem + ".xls")
    assert out.exists()
    return out


def test_xls_and_renamed_xls_score_like_the_xlsx(tmp_path: Path, soffice: str) -> None:
    src, maps, _ = make_workbook(tmp_path / "稷山.xlsx", [spec_from_case(CASE)])
    xls = _to_xls(src, soffice, tmp_path)
    renamed = tmp_path / "改名.xlsx"
    shutil.copy(xls, renamed)
    profile = load_profile()
    original = evaluate_file(str(src), profile)
    for path in (xls, renamed):
        result = evaluate_file(str(path), profile)
        assert result.status == "scored", result.error
        assert [ps.score for ps in result.scores] == [ps.score for ps in original.scores]
        codes = {(f.code, f.cell) for f in result.findings}
        assert ("total.mismatch", maps[0].total_score_cell) in codes
        assert "read.legacy_format" in {f.code for f in result.findings}


def test_scoring_an_xls_writes_an_xlsx_and_never_touches_the_input(tmp_path: Path, soffice: str) -> None:
    src, _, _ = make_workbook(tmp_path / "稷山.xlsx", [spec_from_case(CASE)])
    xls = _to_xls(src, soffice, tmp_path)
    before = sha256_file(str(xls))
    out = tmp_path / "scored.xlsx"
    result = CliRunner().invoke(cli, ["score", str(xls), "-o", str(out)])
    assert result.exit_code == 1, result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == ["汇总", "评分明细"] and len(wb.sheetnames) == 3
    assert sha256_file(str(xls)) == before
    same = CliRunner().invoke(cli, ["score", str(xls), "-o", str(xls)])
    assert same.exit_code == 2 and sha256_file(str(xls)) == before


def test_ods_is_read_and_scored(tmp_path: Path, soffice: str) -> None:
    src, maps, _ = make_workbook(tmp_path / "稷山.xlsx", [spec_from_case(CASE)])
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless", "--convert-to",
                    "ods", "--outdir", str(tmp_path / "ods"), str(src)], check=True, capture_output=True, timeout=120)
    ods = tmp_path / "ods" / "稷山.ods"
    result = evaluate_file(str(ods), load_profile())
    assert result.status == "scored", result.error
    assert ("total.mismatch", maps[0].total_score_cell) in {(f.code, f.cell) for f in result.findings}


# --- number formats of legacy inputs (issue 12 §3) -------------------------------------------


def _percent_table(tmp_path: Path, soffice: str) -> tuple[Path, dict[str, Path], Any]:
    """A table whose rates, targets and actuals are typed as percentages (85%), as .xlsx and
    converted by LibreOffice to .xls and .ods; the .xls also as a WPS .et."""
    from builders import Layout, seed_spec, soffice_convert

    src, maps, _ = make_workbook(tmp_path / "百分比.xlsx", [spec_from_case(CASE), seed_spec("招商节会")],
                                 layout=Layout(percent_cells=True))
    out = {kind: soffice_convert(soffice, [src], tmp_path / kind, kind)[src] for kind in ("xls", "ods")}
    out["et"] = tmp_path / "百分比.et"
    shutil.copy(out["xls"], out["et"])
    return src, out, maps


def _percent_cells(grid: Any) -> set[tuple[str, str]]:
    return {(s.name, c.ref) for s in grid.sheets for c in s.cells.values() if c.percent_format}


def test_legacy_inputs_keep_percent_formats(tmp_path: Path, soffice: str) -> None:
    from perf_xlsx.read.grid import read_grid
    from perf_xlsx.read.legacy import read_legacy_grid

    src, legacy, maps = _percent_table(tmp_path, soffice)
    expected = _percent_cells(read_grid(str(src)))
    assert len(expected) >= 8  # rates, targets and actuals typed as 98.25%, 85%, 100%
    profile = load_profile()
    original = evaluate_file(str(src), profile)
    codes = sorted((f.code, f.sheet, f.cell) for f in original.findings)
    for kind, path in legacy.items():
        assert _percent_cells(read_legacy_grid(str(path))) == expected, kind
        result = evaluate_file(str(path), profile)
        assert result.status == "scored", (kind, result.error)
        assert [ps.score for ps in result.scores] == [ps.score for ps in original.scores], kind
        got = sorted((f.code, f.sheet, f.cell) for f in result.findings if f.code != "read.legacy_format")
        assert got == codes, kind  # no "0.85 未写 %" reading: the same findings as the .xlsx


def test_copy_of_a_legacy_input_keeps_formats_widths_and_page_setup(tmp_path: Path, soffice: str) -> None:
    src, legacy, maps = _percent_table(tmp_path, soffice)
    wb_src = openpyxl.load_workbook(src)
    for kind in ("xls", "ods"):
        out = tmp_path / f"scored-{kind}.xlsx"
        run = CliRunner().invoke(cli, ["score", str(legacy[kind]), "-o", str(out)])
        assert run.exit_code in (0, 1), run.output
        wb = openpyxl.load_workbook(out)
        for ws_src in wb_src.worksheets:
            ws = wb[ws_src.title]
            for row in ws_src.iter_rows():
                for cell in row:
                    if isinstance(cell.value, float) and "%" in cell.number_format:
                        copied = ws[cell.coordinate]
                        assert "%" in copied.number_format and copied.value == pytest.approx(cell.value), \
                            (kind, cell.coordinate, copied.number_format)
            # One page wide (fitToWidth defaults to 1 in the schema), as many tall as needed.
            assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth in (None, 1)
            assert ws.page_setup.fitToHeight == 0
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            for letter in ("B", "D"):  # column widths, from the .xls and from the .ods
                assert ws.column_dimensions[letter].width == pytest.approx(
                    ws_src.column_dimensions[letter].width, abs=1.0), (kind, letter)
