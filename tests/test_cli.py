"""The command line: exit codes, --json parity, encodings, rules export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from builders import make_workbook, seed_spec, spec_from_case, unit_sheet_from_specs
from click.testing import CliRunner

from perf_xlsx.cli import cli
from perf_xlsx.evaluate import evaluate_file, result_to_dict
from perf_xlsx.rules import load_profile

CASES = sorted((Path(__file__).parent / "data" / "real-cases").glob("*.json"))


@pytest.fixture
def seed_wb(tmp_path: Path) -> Path:
    specs = [seed_spec("招商节会"), seed_spec("农贸市场提质改造")]
    path, _, _ = make_workbook(tmp_path / "商务局.xlsx", specs, unit_sheet=unit_sheet_from_specs(specs))
    return path


@pytest.fixture
def bad_wb(tmp_path: Path) -> Path:
    path, _, _ = make_workbook(tmp_path / "bad.xlsx", [spec_from_case(CASES[1])])
    return path


def test_check_clean_workbook_exits_0_and_writes_nothing(seed_wb: Path) -> None:
    before = sorted(p.name for p in seed_wb.parent.iterdir())
    result = CliRunner().invoke(cli, ["check", str(seed_wb)])
    assert result.exit_code == 0, result.output
    assert "招商节会" in result.output and "农贸市场提质改造" in result.output
    assert "总分" in result.output and "等级 优" in result.output
    assert sorted(p.name for p in seed_wb.parent.iterdir()) == before


def test_check_with_errors_exits_1_and_names_cells(bad_wb: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(bad_wb)])
    assert result.exit_code == 1
    assert "!J7  错误" in result.output  # funds score cell of the plain layout


def test_department_table_without_funds_claims_no_funds_score(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "评分表"
    for row in (["2021年度部门整体支出绩效自评表"], ["一级指标", "二级指标", "三级指标", "评分标准", "分值", "自评得分"],
                ["投入（15分）", "预算配置", "重点支出安排率", "≥90% 计15分", 15, 15],
                ["产出（85分）", "职责履行", "重点工作完成率", "完成计85分", 85, 85], ["合计", None, None, None, 100, 100]):
        ws.append(row)
    path = tmp_path / "部门.xlsx"
    wb.save(path)
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert "部门整体支出绩效自评表" in result.output, result.output
    assert "资金得分" not in result.output and "未找到资金表" in result.output
    assert "仅核对资金合计" not in result.output


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_text("项目名称,金额\n招商,200\n", encoding="gbk")
    result = CliRunner().invoke(cli, ["check", str(junk)])
    assert result.exit_code == 2
    assert "不是 Excel 工作簿" in result.output
    assert "Traceback" not in result.output


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 2 and "找不到文件" in result.output


def test_json_to_stdout_equals_library_result(bad_wb: Path) -> None:
    result = CliRunner().invoke(cli, ["score", str(bad_wb), "--json", "-", "-o", str(bad_wb.with_suffix(".out.xlsx"))])
    assert result.exit_code == 1
    data = json.loads(result.stdout_bytes.decode("utf-8"))
    expected = result_to_dict(evaluate_file(str(bad_wb), load_profile(), display_name=str(bad_wb)))
    assert data == json.loads(json.dumps(expected))
    assert data["schema"] == "perf_xlsx.result/1"
    assert data["projects"][0]["total"]["score_entered"] == 94


def test_json_shape(seed_wb: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["score", str(seed_wb), "--json", str(out), "-o", str(tmp_path / "o.xlsx")])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["status"] == "scored" and data["error"] is None
    project = data["projects"][0]
    assert set(project) >= {"sheet", "name", "department", "implementer", "year", "funds", "indicators", "total"}
    assert set(project["funds"]) >= {"rows", "budget", "executed", "rate", "weight", "score", "score_entered",
                                     "score_cell"}
    assert project["funds"]["rate"] == pytest.approx(0.9825) and project["funds"]["score"] == 9.83
    ind = project["indicators"][0]
    assert set(ind) >= {"row", "level1", "level2", "name", "target", "actual", "kind", "target_value",
                        "actual_value", "unit", "weight", "score_entered", "score", "cells"}
    assert ind["kind"] in ("ge", "le", "eq", "qual")
    assert set(project["total"]) == {"weight", "raw", "score", "score_entered", "grade"}
    assert len(data["sha256"]) == 64


def test_failed_json(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    result = CliRunner().invoke(cli, ["score", str(empty), "--json", "-"])
    assert result.exit_code == 2
    data = json.loads(result.stdout_bytes.decode("utf-8"))
    assert data["status"] == "failed" and data["error"]["code"] == "read.empty" and data["projects"] == []


@pytest.mark.parametrize("encoding", ["gbk", "ascii"])
def test_console_encodings_do_not_crash(bad_wb: Path, encoding: str) -> None:
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    proc = subprocess.run([sys.executable, "-m", "perf_xlsx", "check", str(bad_wb)], capture_output=True, env=env,
                          timeout=60)
    assert proc.returncode == 1, proc.stderr.decode(encoding, "replace")
    assert b"Traceback" not in proc.stderr
    if encoding == "gbk":
        assert "错误" in proc.stdout.decode("gbk")


def test_rules_print_export_and_reload(tmp_path: Path, bad_wb: Path) -> None:
    runner = CliRunner()
    printed = runner.invoke(cli, ["rules"])
    assert printed.exit_code == 0 and 'name = "national_2020"' in printed.output
    out = tmp_path / "my.toml"
    assert runner.invoke(cli, ["rules", "--profile", "provincial_strict", "-o", str(out)]).exit_code == 0
    assert load_profile(str(out)).name == "provincial_strict"
    listed = runner.invoke(cli, ["rules", "--list"])
    assert "sichuan_2023" in listed.output
    out.write_text(out.read_text(encoding="utf-8") + "\n[tolerance]\nscroe = 1\n", encoding="utf-8")
    bad = runner.invoke(cli, ["check", str(bad_wb), "--rules", str(out)])
    assert bad.exit_code == 2 and "tolerance.scroe" in bad.output


def test_rules_change_the_score(tmp_path: Path) -> None:
    spec = seed_spec("招商节会")
    spec["funds"]["total"]["executed"] = 130
    spec["funds"]["current_appropriation"]["executed"] = 130
    path, _, _ = make_workbook(tmp_path / "low.xlsx", [spec])
    national = evaluate_file(str(path), load_profile("national_2020")).scores[0]
    strict = evaluate_file(str(path), load_profile("provincial_strict")).scores[0]
    assert national.score is not None and national.score > 89
    assert strict.score == 79  # 65% executed: capped


def test_help_for_every_command() -> None:
    runner = CliRunner()
    for command in cli.commands:
        result = runner.invoke(cli, [command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


def test_template_command_writes_and_refuses_to_overwrite(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "模板.xlsx"
    first = runner.invoke(cli, ["template", "-o", str(target), "--year", "2025", "--projects", "2"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(cli, ["template", "-o", str(target)])
    assert again.exit_code == 2 and "--force" in again.output
    example = tmp_path / "示例.xlsx"
    assert runner.invoke(cli, ["template", "--example", "-o", str(example)]).exit_code == 0
    checked = runner.invoke(cli, ["check", str(example)])
    assert checked.exit_code == 0, checked.output
    assert runner.invoke(cli, ["template", "-o", str(tmp_path / "x.xlsx"), "--year", "1800"]).exit_code == 2
