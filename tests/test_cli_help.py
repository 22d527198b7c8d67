"""The help pages describe every positional argument (FILE, DIR, INBOX) in Chinese, and an
unknown option is answered with a suggestion only when one is close (issue 13, new-user trial)."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from perf_xlsx.cli.commands import cli

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _arguments(command: click.Command) -> list[click.Argument]:
    return [p for p in command.params if isinstance(p, click.Argument)]


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_argument_has_a_chinese_line(name: str) -> None:
    command = cli.commands[name]
    out = CliRunner().invoke(cli, [name, "--help"]).output
    for argument in _arguments(command):
        metavar = argument.human_readable_name
        assert f"\n参数：\n  {metavar} " in out, out
        line = next(x for x in out.splitlines() if x.strip().startswith(metavar + " "))
        assert CHINESE.search(line[line.index(metavar) + len(metavar):]), line
        # ... and only there: an argument is not listed again among the options.
        options = out.split("\n选项：\n", 1)[1]
        assert not re.search(rf"^\s+{metavar}\s*$", options, re.M), out


def test_the_commands_that_take_a_path_say_which() -> None:
    described = {name: [a.human_readable_name for a in _arguments(c)] for name, c in cli.commands.items()}
    assert {name: args for name, args in described.items() if args} == {
        "batch": ["DIR"], "check": ["FILE"], "report": ["FILE"], "score": ["FILE"], "watch": ["INBOX"]}


@pytest.mark.parametrize(("args", "suggested"), [
    (["batch", ".", "--bogus"], None),
    (["batch", ".", "--xyz"], None),
    (["score", "--bogus", "a.xlsx"], None),
    (["batch", ".", "--job", "2"], "--jobs"),
    (["batch", ".", "--rooster", "名单.csv"], "--roster"),
    (["batch", ".", "--recursiv"], "--recursive"),
    (["check", "--rule", "x", "a.xlsx"], "--rules"),
    (["score", "--ouput", "x.xlsx", "a.xlsx"], "--output"),
])
def test_a_suggestion_only_when_close(args: list[str], suggested: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert f"没有 {args[2] if args[0] == 'batch' else args[1]} 这个选项" in result.output, result.output
    if suggested is None:
        assert "是否想用" not in result.output, result.output
    else:
        assert f"是否想用 {suggested}？" in result.output, result.output


@pytest.mark.parametrize(("args", "expected"), [
    (["scroe", "a.xlsx"], "是否想用 score"),
    (["bogus"], "可用的命令"),
])
def test_unknown_commands(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and expected in result.output, result.output
