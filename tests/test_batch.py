"""`perf-xlsx batch` on a real folder of mixed files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import LAYOUT_VARIANTS, make_workbook, seed_spec, spec_from_case
from click.testing import CliRunner

from perf_xlsx.batch import LOCK_NAME, run_batch
from perf_xlsx.cli import cli

CASES = sorted((Path(__file__).parent / "data" / "real-cases").glob("*.json"))


def _mixed_folder(root: Path) -> dict[str, str]:
    """50 files: 40 workbooks, 9 pieces of debris / broken files, 1 renamed scored output."""
    expected: dict[str, str] = {}
    layouts = sorted(LAYOUT_VARIANTS)
    specs = [spec_from_case(c) for c in CASES] + [seed_spec("招商节会"), seed_spec("农贸市场提质改造")]
    for i in range(40):
        name = f"单位{i:02d}.xlsx"
        make_workbook(root / name, [specs[i % len(specs)]], layout=LAYOUT_VARIANTS[layouts[i % len(layouts)]])
        expected[name] = "scored"
    (root / "~$单位00.xlsx").write_bytes(b"\x06zhangsan" + b" " * 40)
    (root / ".~lock.单位01.xlsx#").write_text("张三,host,2026", encoding="utf-8")
    (root / "._单位02.xlsx").write_bytes(b"\x00\x05\x16\x07" + bytes(60))
    (root / "Thumbs.db").write_bytes(bytes(100))
    (root / "desktop.ini").write_text("[.ShellClassInfo]", encoding="utf-8")
    (root / "说明.txt").write_text("请于月底前提交", encoding="utf-8")
    for name in ("~$单位00.xlsx", ".~lock.单位01.xlsx#", "._单位02.xlsx", "Thumbs.db", "desktop.ini", "说明.txt"):
        expected[name] = "skipped"
    good = (root / "单位03.xlsx").read_bytes()
    (root / "损坏.xlsx").write_bytes(good[: len(good) // 2])
    (root / "表格.csv.xlsx").write_text("项目名称,金额\n", encoding="utf-8")
    (root / "空文件.xlsx").write_bytes(b"")
    for name in ("损坏.xlsx", "表格.csv.xlsx", "空文件.xlsx"):
        expected[name] = "failed"
    return expected


@pytest.fixture(scope="module")
def scored_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scored output produced by the tool, to be renamed back into an input folder."""
    src = tmp_path_factory.mktemp("src")
    path, _, _ = make_workbook(src / "a.xlsx", [seed_spec("招商节会")])
    result = CliRunner().invoke(cli, ["score", str(path), "-o", str(src / "a.scored.xlsx")])
    assert result.exit_code == 0, result.output
    return src / "a.scored.xlsx"


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_fifty_mixed_files_are_each_accounted_for_once(tmp_path: Path, scored_copy: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    expected = _mixed_folder(inbox)
    shutil.copy(scored_copy, inbox / "单位99.xlsx")  # renamed output: recognised by its property
    expected["单位99.xlsx"] = "skipped"
    assert len(expected) == 50
    result = CliRunner().invoke(cli, ["batch", str(inbox), "--jobs", "2"])
    assert result.exit_code == 1, result.output
    out = inbox / "评分结果"
    lines = _read_jsonl(out / "results.jsonl")
    assert sorted(d["file"] for d in lines) == sorted(expected)
    assert {d["file"]: d["status"] for d in lines} == expected
    for d in lines:
        if d["status"] != "scored":
            assert d["error"]["message"] and "Error" not in d["error"]["message"]
    summary = openpyxl.load_workbook(out / "汇总.xlsx", read_only=True)
    ranking = list(summary["排名"].iter_rows(min_row=4, values_only=True))
    projects = sum(len(d["projects"]) for d in lines)
    assert len([r for r in ranking if r[4]]) == projects
    unprocessed = [r for r in summary["未处理文件"].iter_rows(min_row=2, values_only=True) if r[1] in ("已跳过", "失败")]
    assert len(unprocessed) == sum(1 for d in lines if d["status"] != "scored")
    scored = sorted(p.name for p in out.glob("*.scored.xlsx"))
    assert len(scored) == 40


def test_rerun_is_identical_and_scores_nothing_twice(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i, case in enumerate(CASES):
        make_workbook(inbox / f"{i}.xlsx", [spec_from_case(case)])
    first = run_batch(str(inbox), jobs=2)
    results = (inbox / "评分结果" / "results.jsonl").read_bytes()
    second = run_batch(str(inbox), jobs=2)
    assert (inbox / "评分结果" / "results.jsonl").read_bytes() == results
    assert len(second.outcomes) == len(first.outcomes) == len(CASES)
    # a scored copy moved into the inbox is skipped, not scored again
    shutil.copy(inbox / "评分结果" / "0.scored.xlsx", inbox / "0-copy.xlsx")
    third = run_batch(str(inbox), jobs=1)
    statuses = {o.path: o.status for o in third.outcomes}
    assert statuses["0-copy.xlsx"] == "skipped"


def test_jobs_do_not_change_results(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(12):
        make_workbook(inbox / f"f{i}.xlsx", [spec_from_case(CASES[i % len(CASES)])])
    run_batch(str(inbox), str(tmp_path / "o1"), jobs=1)
    run_batch(str(inbox), str(tmp_path / "o2"), jobs=2)
    assert (tmp_path / "o1" / "results.jsonl").read_bytes() == (tmp_path / "o2" / "results.jsonl").read_bytes()


def test_second_run_on_the_same_outdir_exits_2(tmp_path: Path) -> None:
    import fcntl

    inbox = tmp_path / "inbox"
    (inbox / "评分结果").mkdir(parents=True)
    make_workbook(inbox / "a.xlsx", [seed_spec("招商节会")])
    with open(inbox / "评分结果" / LOCK_NAME, "a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = CliRunner().invoke(cli, ["batch", str(inbox)])
    assert result.exit_code == 2
    assert "另一个评分任务" in result.output


def test_recursive_and_outdir_excluded(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "二级单位").mkdir(parents=True)
    make_workbook(inbox / "a.xlsx", [seed_spec("招商节会")])
    make_workbook(inbox / "二级单位" / "b.xlsx", [seed_spec("农贸市场提质改造")])
    flat = run_batch(str(inbox), jobs=1)
    assert [o.path for o in flat.outcomes] == ["a.xlsx"]
    deep = run_batch(str(inbox), jobs=1, recursive=True)
    assert [o.path for o in deep.outcomes] == ["a.xlsx", "二级单位/b.xlsx"]
    assert all(o.status == "scored" for o in deep.outcomes)


def test_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time
    import zipfile

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path, _, _ = make_workbook(inbox / "a0.xlsx", [spec_from_case(CASES[0])])
    for i in range(1, 400):
        shutil.copy(path, inbox / f"a{i}.xlsx")
    proc = subprocess.Popen([sys.executable, "-m", "perf_xlsx", "batch", str(inbox), "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = inbox / "评分结果"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.scored.xlsx"))) < 5:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert b"Traceback" not in stderr, stderr.decode("utf-8", "replace")
    assert proc.returncode == 130
    assert "已中断" in stdout.decode("utf-8")
    assert not list(out.glob(".~perf-xlsx-*")), "temporary files left behind"
    assert not (out / LOCK_NAME).exists()
    finished = list(out.glob("*.scored.xlsx"))
    assert finished
    for f in finished:
        with zipfile.ZipFile(f) as zf:
            assert zf.testzip() is None
