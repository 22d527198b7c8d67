"""Legacy .xls (and .xls renamed .xlsx) are read with calamine in a child process and scored."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
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
