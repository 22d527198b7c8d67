"""The command line: exit codes, --json parity, encodings, rules export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest
from builders import make_workbook, seed_spec, spec_from_case, unit_sheet_from_specs
from click.testing import CliRunner

from perf_xlsx.cli.commands import cli
from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.results import result_to_dict
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
    # Rubric rows the tool cannot judge (no figure to apply them to) are left to a person:
    # counted, their entered total shown, no graded total.
    assert "评分标准 2 行：0 行按规则核定，2 行人工复核" in result.output, result.output
    assert "总分 —（自评 100）  未定级：2 行评分标准须人工复核" in result.output


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
        assert result.exit_code == 0 and "用法" in result.output


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


# --- Chinese usage errors and help (interfaces §1: messages for people are in Chinese) -------

# Words of click's own English output; none of them may reach a finance officer.
CLICK_ENGLISH = ("Usage", "Error:", "Options", "Commands", "Try '", "Missing", "Invalid value", "No such",
                 "Got unexpected", "requires an argument", "does not take", "Show this message",
                 "Show the version", "[default", "INTEGER", "RANGE", "[OPTIONS]", "[ARGS]", "Aborted",
                 "is not", "is a directory", "is a file", ", version", "Positional")


def _assert_chinese_only(text: str) -> None:
    for word in CLICK_ENGLISH:
        assert word not in text, f"{word!r} in:\n{text}"


@pytest.mark.parametrize(("args", "expected"), [
    (["check"], "缺少参数 FILE"),
    (["score"], "缺少参数 FILE"),
    (["batch", ".", "--jobs", "0"], "--jobs 的值无效"),
    (["batch", ".", "--jobs", "abc"], "不是整数"),
    (["template", "--projects", "99"], "--projects 的值无效"),
    (["template", "--year"], "选项 --year 后面缺少值"),
    (["template", "--example=yes"], "选项 --example 不带值"),
    (["check", "--nope", "x.xlsx"], "没有 --nope 这个选项"),
    (["--nope"], "没有 --nope 这个选项"),
    (["frob"], "没有 frob 这个命令"),
    (["chek", "x.xlsx"], "是否想用 check"),
    (["check", "a.xlsx", "b.xlsx"], "多余的参数：b.xlsx"),
    (["watch", ".", "--interval", "abc"], "--interval 应为 0 到 3600 之间的秒数"),
    (["watch", ".", "--interval", "0"], "--interval 应为 0 到 3600 之间的秒数"),
    (["watch"], "缺少参数 INBOX"),
])
def test_usage_errors_are_chinese_and_exit_2(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert expected in result.output, result.output
    assert "用法：perf-xlsx" in result.output and "--help" in result.output
    _assert_chinese_only(result.output)


def test_missing_file_and_folder_messages_are_chinese(tmp_path: Path, seed_wb: Path) -> None:
    runner = CliRunner()
    for args, expected in ((["check", str(tmp_path / "nope.xlsx")], "找不到文件"),
                           (["score", str(tmp_path)], "是文件夹"),
                           (["batch", str(tmp_path / "无此文件夹")], "找不到文件夹"),
                           (["batch", str(seed_wb)], "是文件，不是文件夹"),
                           (["check", str(seed_wb), "--rules", "no_such_rules"], "no_such_rules")):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2 and expected in result.output, (args, result.output)
        _assert_chinese_only(result.output)


def test_usage_error_goes_to_stderr_only() -> None:
    proc = subprocess.run([sys.executable, "-m", "perf_xlsx", "batch", ".", "--jobs", "0"], capture_output=True,
                          timeout=60)
    assert proc.returncode == 2 and proc.stdout == b""
    err = proc.stderr.decode("utf-8")
    assert "错误：" in err and "--jobs" in err and "1–64" in err, err
    _assert_chinese_only(err)


@pytest.mark.parametrize("command", [None, "template", "check", "score", "batch", "rules"])
def test_help_is_chinese(command: Optional[str]) -> None:
    for flag in ("--help", "-h"):
        result = CliRunner().invoke(cli, [flag] if command is None else [command, flag])
        assert result.exit_code == 0, result.output
        assert result.output.startswith("用法：perf-xlsx"), result.output
        assert "\n选项：\n" in result.output and "显示本帮助并退出" in result.output
        if command is None:
            assert "\n命令：\n" in result.output and "[选项] 命令 [参数]..." in result.output
        _assert_chinese_only(result.output)


def test_no_arguments_and_version_are_chinese() -> None:
    bare = CliRunner().invoke(cli, [])
    assert bare.exit_code in (0, 2)  # click < 8.2 exits 0 after showing help, later 2
    assert "用法：perf-xlsx" in bare.output and "命令：" in bare.output
    _assert_chinese_only(bare.output)
    version = CliRunner().invoke(cli, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("perf-xlsx 版本 ")


def test_interrupt_is_reported_in_chinese(monkeypatch: pytest.MonkeyPatch, seed_wb: Path) -> None:
    import perf_xlsx.judge.evaluate as evaluate_module

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    # `check` imports evaluate_file from the judge when it runs (cli.commands keeps start-up light)
    monkeypatch.setattr(evaluate_module, "evaluate_file", interrupted)
    result = CliRunner().invoke(cli, ["check", str(seed_wb)])
    assert result.exit_code == 1 and "已中断" in result.output
    _assert_chinese_only(result.output)


def test_rules_export_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "本省规则.toml"
    edited = 'base = "national_2020"\n# 本省修改\n'
    target.write_text(edited, encoding="utf-8")
    refused = runner.invoke(cli, ["rules", "-o", str(target)])
    assert refused.exit_code == 2 and "已存在" in refused.output and "--force" in refused.output
    _assert_chinese_only(refused.output)
    assert target.read_text(encoding="utf-8") == edited
    forced = runner.invoke(cli, ["rules", "--profile", "provincial_strict", "-o", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert load_profile(str(target)).name == "provincial_strict"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left behind


def test_only_the_cli_imports_click() -> None:
    """click stays in perf_xlsx/cli: the library underneath works without a command line."""
    import ast

    package = Path(__file__).resolve().parent.parent / "perf_xlsx"
    importers = []
    for path in sorted(package.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if "click" not in source:
            continue
        for node in ast.walk(ast.parse(source)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            if any(n == "click" or n.startswith("click.") for n in names):
                importers.append(path.relative_to(package).as_posix())
    assert importers and all(p.startswith("cli/") for p in importers), importers


def test_os_and_toml_errors_are_explained_in_chinese(tmp_path: Path, seed_wb: Path) -> None:
    """The operating system's and the TOML parser's own words are English: what the user reads
    names the problem in Chinese (and where, for a rules file)."""
    bad = tmp_path / "规则.toml"
    bad.write_text("[funds\nweight = 10\n", encoding="utf-8")
    got = CliRunner().invoke(cli, ["check", str(seed_wb), "--rules", str(bad)])
    assert got.exit_code == 2
    assert "不是有效的 TOML：第 1 行第 7 列附近格式有误" in got.output
    assert "Expected" not in got.output and "line" not in got.output
    inbox = tmp_path / "收件"
    inbox.mkdir()
    (inbox / "a.xlsx").write_bytes(seed_wb.read_bytes())
    taken = tmp_path / "notes.txt"
    taken.write_text("hi", encoding="utf-8")
    got = CliRunner().invoke(cli, ["batch", str(inbox), "-o", str(taken)])
    assert got.exit_code == 2
    assert "无法创建输出文件夹" in got.output and "已有同名的文件或文件夹" in got.output
    assert "File exists" not in got.output


def test_os_reason_falls_back_to_the_system_text_for_rare_errors() -> None:
    import errno

    from perf_xlsx.fileutil import os_reason

    assert os_reason(FileExistsError(errno.EEXIST, "File exists")) == "已有同名的文件或文件夹"
    assert os_reason(OSError(errno.ELOOP, "Too many levels of symbolic links")) == "Too many levels of symbolic links"
