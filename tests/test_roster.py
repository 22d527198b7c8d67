"""The roster (单位名单) against what arrived: every roster unit is counted once — 已交, 未交 or
名称相近 (to confirm) — and a file that is not a list of units is refused, not read as one.

Found by a new user (issue 13): a near miss was listed as 名称相近 and again as 未交 and 名单外,
a unit that sent nothing was listed again under 缺项目, and a README given as --roster was a
roster of one unit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from builders import make_workbook, seed_spec
from click.testing import CliRunner
from loaded import load_workbook

from perf_xlsx.bulk.roster import Roster, RosterError, compare, read_roster, roster_line
from perf_xlsx.bulk.run import SUMMARY_NAME
from perf_xlsx.cli.commands import cli


def _accounted_once(roster: Roster, status: Any) -> None:
    """已交 + 未交 + 名称相近 = 应交, and no roster unit or submitted name in two of them."""
    near_roster = [n.roster_name for n in status.near_misses]
    near_sent = [n.submitted_name for n in status.near_misses]
    assert len(set(near_roster)) == len(near_roster) and len(set(near_sent)) == len(near_sent)
    assert not set(near_roster) & set(status.missing)
    assert not set(near_sent) & {u for u, _ in status.unknown_units}
    assert status.submitted + len(status.missing) + len(status.near_misses) == status.expected == len(roster.units)


def test_a_near_miss_is_neither_missing_nor_off_the_roster() -> None:
    roster = Roster(units=("县商务局", "县审计局", "县农业局"))
    status = compare(roster, [("芙蓉区商务局", "招商节会", "商务局/a.xlsx"), ("县农业局", "农贸市场", "b.xlsx"),
                              ("外县水利局", "河道", "c.xlsx")])
    assert [(n.roster_name, n.submitted_name) for n in status.near_misses] == [("县商务局", "芙蓉区商务局")]
    assert status.missing == ("县审计局",)
    assert status.unknown_units == (("外县水利局", "c.xlsx"),)
    assert status.submitted == 1
    _accounted_once(roster, status)
    assert roster_line(status) == "应交 3，已交 1，未交 1，名称相近 1（请确认）"


def test_each_name_is_paired_once() -> None:
    # Two roster names resemble one submitted name: one pairing (the closer one); the other is 未交.
    roster = Roster(units=("县财政局", "长沙县财政局", "县教育局"))
    status = compare(roster, [("长沙县财政局（盖章）", "p", "a.xlsx")])
    assert [(n.roster_name, n.submitted_name) for n in status.near_misses] == [("长沙县财政局", "长沙县财政局（盖章）")]
    assert status.missing == ("县财政局", "县教育局")
    _accounted_once(roster, status)
    # One roster name resembles two submitted names: the closer is its near miss, the other 名单外.
    roster = Roster(units=("芙蓉区商务局",))
    status = compare(roster, [("长沙市芙蓉区商务局", "p", "a.xlsx"), ("芙蓉区商务局办公室", "q", "b.xlsx")])
    assert len(status.near_misses) == 1 and len(status.unknown_units) == 1
    _accounted_once(roster, status)


def test_no_near_miss_keeps_the_three_counts() -> None:
    status = compare(Roster(units=("县商务局", "县农业局")), [("县商务局", "p", "a.xlsx")])
    assert roster_line(status) == "应交 2，已交 1，未交 1"


def test_a_unit_that_sent_nothing_is_not_also_missing_projects() -> None:
    roster = Roster(units=("县审计局", "县农业局", "县商务局"),
                    projects=(("县审计局", "审计整改"), ("县农业局", "农贸市场"), ("县农业局", "种子补贴"),
                              ("县商务局", "招商节会"), ("县商务局", "电商进村")))
    status = compare(roster, [("县农业局", "农贸市场", "a.xlsx"), ("芙蓉区商务局", "招商节会", "b.xlsx")])
    assert status.missing == ("县审计局",)
    # 缺项目 for units that did submit: exactly (县农业局), or as a near miss (县商务局 as 芙蓉区商务局).
    assert status.missing_projects == (("县农业局", "种子补贴"), ("县商务局", "电商进村"))


@pytest.mark.parametrize("text", [
    "请各单位于3月31日前将自评表发送至财政局绩效科邮箱。",
    "# perf-xlsx\n\n检查并评分预算绩效自评表。\n\n用法：perf-xlsx batch 文件夹\n",
    "This folder holds the self-evaluation workbooks of 2024.\nSee the README for details.\n",
])
@pytest.mark.parametrize("name", ["README.txt", "名单.csv", "README.md"])
def test_a_text_that_is_not_a_list_is_refused(tmp_path: Path, text: str, name: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RosterError) as info:
        read_roster(str(path))
    message = str(info.value)
    assert name in message and "单位名称" in message and ".xlsx" in message and ".csv" in message


@pytest.mark.parametrize("text", ["县商务局\n县农业局\n", "单位名称,项目名称\n县商务局,招商节会\n县农业局（盖章）,\n",
                                  "单位名称\n长沙市芙蓉区人民政府办公室\n芙蓉区商务局\n注：以上单位须于月底前报送。\n"])
def test_a_plain_list_is_still_a_roster(tmp_path: Path, text: str) -> None:
    path = tmp_path / "名单.csv"
    path.write_text(text, encoding="utf-8")
    assert len(read_roster(str(path)).units) >= 2


def test_batch_refuses_a_readme_as_roster(tmp_path: Path) -> None:
    inbox = tmp_path / "收件"
    make_workbook(inbox / "a.xlsx", [seed_spec("招商节会")])
    readme = tmp_path / "README.txt"
    readme.write_text("这是一个说明文件，不是名单。\n请勿删除。\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["batch", str(inbox), "--roster", str(readme)])
    assert result.exit_code == 2, result.output
    assert "错误：" in result.output and "单位名称" in result.output and "应交" not in result.output


def test_batch_lists_each_roster_unit_once(tmp_path: Path) -> None:
    inbox = tmp_path / "收件"
    spec = seed_spec("招商节会")  # its 主管部门 is 芙蓉区商务局
    make_workbook(inbox / "商务局.xlsx", [spec])
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称,项目名称\n商务局,招商节会\n县审计局,审计整改\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["batch", str(inbox), "--roster", str(roster)])
    assert "名单：应交 2，已交 0，未交 1，名称相近 1（请确认）" in result.output, result.output
    assert "未交：县审计局" in result.output and "未交：商务局" not in result.output
    ws = load_workbook(inbox / "评分结果" / SUMMARY_NAME)["未提交"]
    assert ws["A1"].value == "未提交：名单应交 2，已交 0，未交 1，名称相近 1（请确认）"
    rows = [(r[0], r[1]) for r in ws.iter_rows(min_row=3, values_only=True) if r[0]]
    assert rows == [("未交", "县审计局"), ("名称相近", "商务局")]
