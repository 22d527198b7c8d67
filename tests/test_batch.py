"""`perf-xlsx batch` on a real folder of mixed files."""

from __future__ import annotations

import json
import re
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import LAYOUT_VARIANTS, make_workbook, seed_spec, spec_from_case
from click.testing import CliRunner

from perf_xlsx.bulk.run import LOCK_NAME, run_batch
from perf_xlsx.cli.commands import cli
from perf_xlsx.codes import CODES

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


def _read_results(path: Path) -> list[dict[str, Any]]:
    """results.jsonl, checked against interfaces.md §2: only input workbooks, each `scored` or
    `failed`, and a failed one carries error {code, message}."""
    lines = _read_jsonl(path)
    for d in lines:
        assert d["schema"] == "perf_xlsx.result/1"
        assert d["status"] in {"scored", "failed"}, d
        if d["status"] == "failed":
            assert set(d["error"]) == {"code", "message"} and d["error"]["code"] and d["error"]["message"], d
        else:
            assert d["error"] is None, d
    return lines


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
    lines = _read_results(out / "results.jsonl")
    skipped = _read_jsonl(out / "skipped.jsonl")
    # Every file in the folder exactly once across the two files: workbooks in results.jsonl,
    # everything skipped in skipped.jsonl.
    files = [d["file"] for d in lines] + [d["file"] for d in skipped]
    assert len(files) == len(set(files)) == 50 and set(files) == set(expected)
    assert {d["file"]: d["status"] for d in lines} == {f: s for f, s in expected.items() if s != "skipped"}
    assert {d["file"] for d in skipped} == {f for f, s in expected.items() if s == "skipped"}
    for d in lines:
        if d["status"] == "failed":
            assert "Error" not in d["error"]["message"]
    for d in skipped:
        assert d["code"] == "batch.skipped" and d["reason"] and "Error" not in d["reason"]
    assert [d["file"] for d in skipped] == sorted(d["file"] for d in skipped)  # scan order
    assert next(d for d in skipped if d["file"] == "单位99.xlsx")["reason"].startswith("本工具生成的评分结果")
    summary = openpyxl.load_workbook(out / "汇总.xlsx", read_only=True)
    ranking = list(summary["排名"].iter_rows(min_row=4, values_only=True))
    projects = sum(len(d["projects"]) for d in lines)
    # The same unit, project and year sent more than once is ranked once (the newest): the
    # rerun (nothing changed, nothing rescored) says which tables a newer submission replaces.
    again = run_batch(str(inbox), jobs=1)
    assert again.fresh == [] and again.extras is not None
    superseded = again.extras.superseded()
    assert superseded and len([r for r in ranking if r[16]]) == projects - len(superseded)  # Q: 文件
    unprocessed = [r for r in summary["未处理文件"].iter_rows(min_row=2, values_only=True) if r[1] in ("已跳过", "失败")]
    assert sorted((r[0], r[1]) for r in unprocessed) == sorted(
        [(d["file"], "失败") for d in lines if d["status"] == "failed"] + [(d["file"], "已跳过") for d in skipped])
    assert {r[0]: r[2] for r in unprocessed if r[1] == "已跳过"} == {d["file"]: d["reason"] for d in skipped}
    scored = sorted(p.name for p in out.glob("*.scored.xlsx"))
    assert len(scored) == 40


def test_rerun_is_identical_and_scores_nothing_twice(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i, case in enumerate(CASES):
        make_workbook(inbox / f"{i}.xlsx", [spec_from_case(case)])
    (inbox / "说明.txt").write_text("x", encoding="utf-8")
    out = inbox / "评分结果"
    first = run_batch(str(inbox), jobs=2)
    results = (out / "results.jsonl").read_bytes()
    skipped = (out / "skipped.jsonl").read_bytes()
    second = run_batch(str(inbox), jobs=2)
    assert (out / "results.jsonl").read_bytes() == results
    assert (out / "skipped.jsonl").read_bytes() == skipped
    assert len(second.outcomes) == len(first.outcomes) == len(CASES) + 1
    # a scored copy moved into the inbox is skipped, not scored again
    shutil.copy(out / "0.scored.xlsx", inbox / "0-copy.xlsx")
    third = run_batch(str(inbox), jobs=1)
    statuses = {o.path: o.status for o in third.outcomes}
    assert statuses["0-copy.xlsx"] == "skipped"
    assert "0-copy.xlsx" not in {d["file"] for d in _read_results(out / "results.jsonl")}
    assert [d["file"] for d in _read_jsonl(out / "skipped.jsonl")] == ["0-copy.xlsx", "说明.txt"]
    assert not list(out.glob(".~perf-xlsx-*")), "temporary files left behind"


def test_jobs_do_not_change_results(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(12):
        make_workbook(inbox / f"f{i}.xlsx", [spec_from_case(CASES[i % len(CASES)])])
    (inbox / "~$f0.xlsx").write_bytes(b"\x06zhangsan")
    (inbox / "坏.xlsx").write_bytes(b"PK\x03\x04broken")
    run_batch(str(inbox), str(tmp_path / "o1"), jobs=1)
    run_batch(str(inbox), str(tmp_path / "o2"), jobs=2)
    for name in ("results.jsonl", "skipped.jsonl"):
        assert (tmp_path / "o1" / name).read_bytes() == (tmp_path / "o2" / name).read_bytes()
    assert len(_read_results(tmp_path / "o1" / "results.jsonl")) == 13


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


def test_subfolders_one_level_by_default_recursive_fully_never_silently(tmp_path: Path) -> None:
    """An inbox of one folder per unit is scored as it stands; a deeper folder is listed as
    skipped (never silently left out) unless --recursive; OUTDIR is never scanned."""
    inbox = tmp_path / "inbox"
    (inbox / "二级单位" / "下属").mkdir(parents=True)
    make_workbook(inbox / "a.xlsx", [seed_spec("招商节会")])
    make_workbook(inbox / "二级单位" / "b.xlsx", [seed_spec("农贸市场提质改造")])
    make_workbook(inbox / "二级单位" / "下属" / "c.xlsx", [seed_spec("招商节会")])
    flat = run_batch(str(inbox), jobs=1)
    assert [(o.path, o.status) for o in flat.outcomes] == [
        ("a.xlsx", "scored"), ("二级单位/b.xlsx", "scored"), ("二级单位/下属/", "skipped")]
    assert "--recursive" in flat.outcomes[2].reason
    skipped = _read_jsonl(inbox / "评分结果" / "skipped.jsonl")
    assert [d["file"] for d in skipped] == ["二级单位/下属/"]
    deep = run_batch(str(inbox), jobs=1, recursive=True)
    assert [o.path for o in deep.outcomes] == ["a.xlsx", "二级单位/b.xlsx", "二级单位/下属/c.xlsx"]
    assert all(o.status == "scored" for o in deep.outcomes)
    assert "评分结果" not in {o.path.split("/")[0] for o in deep.outcomes}


# Runs `perf-xlsx batch` as the console script does, except that the files named b* are held
# in progress: each one's worker starts writing its scored copy (a temporary file in OUTDIR, as
# atomic_write names it) and then waits to be interrupted. The a* files are scored as usual.
_HELD_BATCH = """
import functools, sys, time
from perf_xlsx.bulk import pool
from perf_xlsx.bulk.work import process_one
from perf_xlsx.cli.commands import main
from perf_xlsx.fileutil import atomic_write

def held(path, rel, out_path, profile):
    if rel.startswith("a"):
        return process_one(path, rel, out_path, profile)
    def write(tmp):
        with open(tmp, "wb") as fh:
            fh.write(b"PK\\x03\\x04 half a workbook")
            fh.flush()
            time.sleep(600)
    atomic_write(out_path, write)

pool.run_pool = functools.partial(pool.run_pool, work=held)
sys.argv = ["perf-xlsx", *sys.argv[1:]]
main()
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX-only")
def test_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    """Ctrl-C while files are being written: the copies already finished stay (and are kept in
    the state), the half-written ones are removed, exit 130; the next run continues. The signal is sent once a copy is
    finished and another is known to be in progress (its temporary file exists), so the
    test does not depend on how fast the machine is."""
    import signal
    import subprocess
    import time

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path, _, _ = make_workbook(inbox / "a0.xlsx", [spec_from_case(CASES[0])])
    for name in ("a1.xlsx", "a2.xlsx", "b0.xlsx", "b1.xlsx", "b2.xlsx"):
        shutil.copy(path, inbox / name)
    driver = tmp_path / "held_batch.py"
    driver.write_text(_HELD_BATCH, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(driver), "batch", str(inbox), "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # see test_watch
    out = inbox / "评分结果"
    deadline = time.monotonic() + 120
    try:
        while not (list(out.glob("*.scored.xlsx")) and list(out.glob(".~perf-xlsx-*.tmp"))):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no file finished and none in progress after 120 s"
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert b"Traceback" not in stderr, stderr.decode("utf-8", "replace")
    assert proc.returncode == 130, (stdout.decode("utf-8", "replace")[-500:], stderr.decode("utf-8", "replace")[-500:])
    assert "已中断" in stdout.decode("utf-8")
    assert not list(out.glob(".~perf-xlsx-*")), "temporary files left behind"
    assert not (out / LOCK_NAME).exists()
    finished = sorted(p.name for p in out.glob("*.scored.xlsx"))
    assert finished and set(finished) <= {"a0.scored.xlsx", "a1.scored.xlsx", "a2.scored.xlsx"}
    for name in finished:
        with zipfile.ZipFile(out / name) as zf:
            assert zf.testzip() is None
    # The interrupted run's outputs are those of the state as it stands: the finished files are
    # in results.jsonl and 汇总.xlsx, the others listed as not yet scored, never an older run's.
    lines = _read_results(out / "results.jsonl")
    # (a copy whose worker was stopped before the parent heard of it is scored again next run)
    assert lines and {d["output"] for d in lines} <= set(finished)
    waiting = _read_jsonl(out / "skipped.jsonl")
    assert {d["file"] for d in waiting} == {"a0.xlsx", "a1.xlsx", "a2.xlsx", "b0.xlsx", "b1.xlsx", "b2.xlsx"} - {
        d["file"] for d in lines}
    assert all("中断" in d["reason"] for d in waiting)
    summary = openpyxl.load_workbook(out / "汇总.xlsx", read_only=True)
    ranked = {r[16] for r in summary["排名"].iter_rows(min_row=4, values_only=True) if r[16]}  # Q: 文件
    assert ranked and ranked <= {d["file"] for d in lines}  # (identical copies are ranked once)
    # The next run continues: the finished files are not scored again, and the outputs are
    # those of one uninterrupted run.
    again = run_batch(str(inbox), jobs=2)
    assert again.reused == len(lines) and len(again.fresh) == 6 - len(lines)
    whole = tmp_path / "whole"
    whole.mkdir()
    for p in inbox.glob("*.xlsx"):
        shutil.copy2(p, whole / p.name)
    run_batch(str(whole), jobs=2)
    for name in ("results.jsonl", "skipped.jsonl"):
        assert (out / name).read_bytes() == (whole / "评分结果" / name).read_bytes()


def _red_expected(lines: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The red list is the list of graded projects that carry the funds.output_exceeds_spending
    finding (one project per sheet in these inputs). Where the rows have 分值, the share is
    also recomputed here from results.jsonl, independently of the tool's code."""
    out = []
    for d in lines:
        flagged = {f["sheet"] for f in d["findings"] if f["code"] == "funds.output_exceeds_spending"}
        for p in d["projects"]:
            rate = p["funds"]["rate"]
            got = total = 0.0
            for ind in p["indicators"]:
                score = ind["score"] if ind["score"] is not None else ind["score_entered"]
                if ind["applicable"] and ind["weight"] and score is not None:
                    got += min(max(score, 0.0), ind["weight"])
                    total += ind["weight"]
            if total and rate is not None:
                assert (got / total - min(rate, 1.0) > 0.05) == (p["sheet"] in flagged), (d["file"], p["name"])
            if p["sheet"] in flagged and p["total"]["grade"]:
                # 汇总's 红灯 list is of ranked tables: one with no verified total (no 分值, say)
                # keeps its finding but is listed with its 未评级原因 instead.
                out.append((d["file"], p["name"]))
    return out


def test_summary_workbook_matches_results(tmp_path: Path, soffice: str) -> None:
    from collections import Counter
    from urllib.parse import unquote

    from builders import libreoffice_resave

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    specs = [spec_from_case(c) for c in CASES] + [seed_spec("招商节会"), seed_spec("农贸市场提质改造")]
    # Half the money spent, every indicator at full marks: the "red" warning must list it.
    claims = seed_spec("招商节会")
    claims["project_name"] = "只花一半"
    for key in ("total", "current_appropriation"):
        claims["funds"][key]["executed"] = 100
    claims["funds"]["total"].update(rate="50%", score=5)
    specs.append(claims)
    for i, spec in enumerate(specs * 2):
        if i >= len(specs):  # the second copy from another unit: not a resubmission (重复提交)
            spec = {**spec, "department": f"{spec.get('department') or spec.get('implementer') or ''}（二）"}
        make_workbook(inbox / f"单位&<{i:02d}> #%.xlsx", [spec])
    (inbox / "坏.xlsx").write_bytes(b"PK\x03\x04broken")
    (inbox / "说明.txt").write_text("x", encoding="utf-8")
    report = run_batch(str(inbox), jobs=2)
    out = inbox / "评分结果"
    lines = _read_results(out / "results.jsonl")
    wb = openpyxl.load_workbook(out / "汇总.xlsx")
    assert wb.sheetnames == ["排名", "等级分布", "问题统计", "问题清单", "重复提交", "未处理文件"]
    for ws in wb.worksheets:
        assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]

    ranking = wb["排名"]
    rows = [r for r in ranking.iter_rows(min_row=4) if r[16].value is not None]  # Q: 文件
    projects = [(d, p) for d in lines for p in d["projects"]]
    assert len(rows) == len(projects) == report.projects > 0
    assert {r[4].value for r in rows} == {"项目"}
    scores = [r[10].value for r in rows]
    ranked = [r[10].value for r in rows if r[0].value != "—"]
    assert ranked == sorted(ranked, reverse=True) and scores[: len(ranked)] == ranked
    # Ties share a rank (1, 2, 2, 4): each 名次 is one more than the number of better scores.
    assert [r[0].value for r in rows[: len(ranked)]] == [1 + sum(1 for t in ranked if t > s) for s in ranked]
    by_file = {d["file"]: d for d in lines}
    assert Counter((r[16].value, r[3].value) for r in rows) == Counter((d["file"], p["name"]) for d, p in projects)
    for r in rows:
        d = by_file[r[16].value]
        assert r[17].hyperlink is not None and unquote(r[17].hyperlink.target) == d["output"]
        assert (out / d["output"]).exists()
        assert r[10].value == next(p["total"]["score"] for p in d["projects"] if p["name"] == r[3].value)
    assert ranking.auto_filter.ref == f"A3:S{3 + len(rows)}"
    assert ranking.cell(4 + len(rows), 3).value == "合计"

    grades = Counter(p["total"]["grade"] or "未评级" for _, p in projects)
    assert grades["未评级"]  # the 衡山 case has no score, so the 未评级 row is exercised
    dist = wb["等级分布"]
    assert [(dist.cell(i, 1).value, dist.cell(i, 2).value) for i in range(3, 8)] == \
        [(g, grades.get(g, 0)) for g in ("优", "良", "中", "差", "未评级")]
    assert sum(dist.cell(i, 2).value for i in range(3, 8)) == len(rows)
    assert dist.cell(9, 1).value == "执行率区间"
    assert sum(dist.cell(i, 2).value for i in range(10, 15)) == sum(
        1 for _, p in projects if p["funds"]["rate"] is not None)
    red_top = next(i for i in range(1, dist.max_row + 1) if dist.cell(i, 1).value == "文件")
    red = [(dist.cell(i, 1).value, dist.cell(i, 3).value) for i in range(red_top + 1, dist.max_row + 1)
           if dist.cell(i, 3).value]
    assert Counter(red) == Counter(_red_expected(lines)) and ("只花一半" in {name for _, name in red})
    with zipfile.ZipFile(out / "汇总.xlsx") as zf:
        chart = zf.read("xl/charts/chart1.xml").decode()
    cached = re.findall(r"<c:pt idx=\"\d\"><c:v>(\d+)</c:v>", chart.split("<c:numCache>")[1])
    assert [int(v) for v in cached] == [grades.get(g, 0) for g in ("优", "良", "中", "差", "未评级")]

    codes = Counter((f["code"], f["severity"]) for d in lines for f in d["findings"])
    label = {"error": "错误", "warning": "警告", "info": "提示"}
    counted = [r for r in wb["问题统计"].iter_rows(min_row=3, values_only=True) if r[3] is not None]
    assert {(r[0], r[2]): r[3] for r in counted} == {(c, label[s]): n for (c, s), n in codes.items()}
    assert all(r[1] == CODES[r[0]].title for r in counted)
    listed = [r for r in wb["问题清单"].iter_rows(min_row=3, values_only=True) if r[0]]
    assert Counter((r[0], r[2], r[3], r[5], r[6]) for r in listed) == Counter(
        (d["file"], f["sheet"], f["cell"], CODES[f["code"]].title, f["message"])
        for d in lines for f in d["findings"])

    unprocessed = [r for r in wb["未处理文件"].iter_rows(min_row=3, values_only=True) if r[0]]
    assert {r[0]: r[1] for r in unprocessed} == {"坏.xlsx": "失败", "说明.txt": "已跳过"}
    assert [d["file"] for d in _read_jsonl(out / "skipped.jsonl")] == ["说明.txt"]

    # A summary moved into the folder is recognised as the tool's own output and not scored.
    shutil.copy(out / "汇总.xlsx", inbox / "上次汇总.xlsx")
    again_report = run_batch(str(inbox), str(tmp_path / "again"), jobs=1)
    assert {o.path: o.status for o in again_report.outcomes}["上次汇总.xlsx"] == "skipped"

    # LibreOffice opens it and reads the same ranking.
    again = libreoffice_resave(out / "汇总.xlsx", tmp_path / "lo")
    lo_rows = [r for r in openpyxl.load_workbook(again)["排名"].iter_rows(min_row=4, values_only=True) if r[16]]
    assert [(r[16], r[3], r[10]) for r in lo_rows] == [(r[16].value, r[3].value, r[10].value) for r in rows]


def _flaky_work(path: str, rel: str, out_path: str, profile: Any) -> dict[str, Any]:
    """Stands in for process_one inside real worker processes: hangs, dies or answers."""
    import os
    import time

    if rel.startswith("hang"):
        time.sleep(60)
    if rel.startswith("crash"):
        os._exit(3)
    return {"status": "scored", "reason": "", "line": rel.encode(), "errors": 0, "warnings": 0, "digest": None}


@pytest.mark.parametrize("files", [10, 60])
def test_pool_survives_hung_and_crashing_workers(files: int) -> None:
    """A file that hangs is cut off at its own deadline and one that kills its interpreter is a
    failure; the files queued behind either on the same worker (sent one at a time, or in one
    batch with it when many are left) are still processed, each once."""
    from perf_xlsx.bulk.pool import batch_size, run_pool

    bad = {1: "hang", 4: "crash", 7: "crash", 33: "crash"}
    names = [f"{bad.get(i, 'ok')}{i}" for i in range(files)]
    assert batch_size(files, 2) == (1 if files == 10 else 7)
    done: dict[int, dict[str, Any]] = {}

    def on_done(index: int, outcome: dict[str, Any]) -> None:
        assert index not in done, f"{names[index]} reported twice"
        done[index] = outcome

    run_pool(list(range(len(names))), lambda i: ("/nonexistent/" + names[i], names[i], "/nonexistent/out"),
             "national_2020", 2, on_done, timeout=2.0, work=_flaky_work)
    assert sorted(done) == list(range(len(names)))
    for i, name in enumerate(names):
        outcome = done[i]
        if name.startswith("hang"):
            assert outcome["status"] == "failed" and "超时" in outcome["reason"]
        elif name.startswith("crash"):
            assert outcome["status"] == "failed" and "异常退出" in outcome["reason"]
        else:
            assert outcome["status"] == "scored" and outcome["line"] == name.encode()


def _grade_table(path: Path) -> tuple[list[tuple[str, int]], list[str], list[int], str]:
    """等级分布's grade rows (from row 3 to the blank row) and the chart's cached categories,
    values and category range."""
    dist = openpyxl.load_workbook(path)["等级分布"]
    table = []
    for i in range(3, dist.max_row + 1):
        if dist.cell(i, 1).value is None:
            break
        table.append((dist.cell(i, 1).value, dist.cell(i, 2).value))
    with zipfile.ZipFile(path) as zf:
        chart = zf.read("xl/charts/chart1.xml").decode()
    cat, val = chart.split("<c:cat>")[1].split("</c:cat>")[0], chart.split("<c:val>")[1]
    cats = re.findall(r"<c:pt idx=\"\d+\"><c:v>([^<]*)</c:v>", cat)
    vals = [int(v) for v in re.findall(r"<c:pt idx=\"\d+\"><c:v>(\d+)</c:v>", val.split("</c:numCache>")[0])]
    return table, cats, vals, re.search(r"<c:f>([^<]*)</c:f>", cat).group(1)  # type: ignore[union-attr]


def test_grade_table_counts_unrated_projects(tmp_path: Path) -> None:
    """A project without a grade (no score, as in the 衡山 case) has a 未评级 row, so the 等级分布
    table adds up to the ranked projects, and the chart shows the same categories and counts."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    noscore = next(c for c in CASES if "noscore" in c.name)
    make_workbook(inbox / "a.xlsx", [seed_spec("招商节会"), seed_spec("农贸市场提质改造")])
    make_workbook(inbox / "b.xlsx", [spec_from_case(noscore)])
    report = run_batch(str(inbox), jobs=1)
    out = inbox / "评分结果"
    lines = _read_results(out / "results.jsonl")
    projects = [p for d in lines for p in d["projects"]]
    assert len(projects) == report.projects == 3
    unrated = sum(1 for p in projects if not p["total"]["grade"])
    assert unrated == report.grades["未评级"] == 1
    table, cats, vals, ref = _grade_table(out / "汇总.xlsx")
    assert [g for g, _ in table] == ["优", "良", "中", "差", "未评级"]
    assert dict(table)["未评级"] == unrated
    assert sum(n for _, n in table) == len(projects)
    assert (cats, vals) == ([g for g, _ in table], [n for _, n in table])
    assert ref == "'等级分布'!$A$3:$A$7"

    # A rules file with its own grade names: the table follows the profile, still adds up.
    rules = tmp_path / "本省.toml"
    rules.write_text('base = "national_2020"\n[grades]\nbands = [[95, "A"], [0, "B"]]\n', encoding="utf-8")
    report = run_batch(str(inbox), str(tmp_path / "own"), jobs=1, rules=str(rules))
    table, cats, vals, ref = _grade_table(tmp_path / "own" / "汇总.xlsx")
    assert [g for g, _ in table] == ["A", "B", "未评级"]
    assert sum(n for _, n in table) == report.projects == 3 and dict(table)["未评级"] == 1
    assert (cats, vals) == ([g for g, _ in table], [n for _, n in table])
    assert ref == "'等级分布'!$A$3:$A$5"


def _crashing_work(path: str, rel: str, out_path: str, profile: Any) -> dict[str, Any]:
    """process_one, except that some files kill or hang the worker."""
    import os
    import time

    from perf_xlsx.bulk.work import process_one

    if rel.startswith("crash"):
        os._exit(3)
    if rel.startswith("hang"):
        time.sleep(60)
    return process_one(path, rel, out_path, profile)


def test_worker_death_is_a_failed_line_in_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose worker died or timed out is an input workbook: it stays in results.jsonl as
    `failed` with error {code, message}, not in skipped.jsonl."""
    import functools

    from perf_xlsx.bulk import pool

    # run_batch imports run_pool from the pool module when it has files to score
    monkeypatch.setattr(pool, "run_pool", functools.partial(pool.run_pool, timeout=5.0, work=_crashing_work))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("a.xlsx", "crash.xlsx", "hang.xlsx", "z.xlsx"):
        make_workbook(inbox / name, [seed_spec("招商节会")])
    (inbox / "Thumbs.db").write_bytes(bytes(10))
    report = run_batch(str(inbox), jobs=2)
    assert report.exit_code == 1
    out = inbox / "评分结果"
    lines = {d["file"]: d for d in _read_results(out / "results.jsonl")}
    assert list(lines) == ["a.xlsx", "crash.xlsx", "hang.xlsx", "z.xlsx"]
    assert lines["a.xlsx"]["status"] == lines["z.xlsx"]["status"] == "scored"
    for name, word in (("crash.xlsx", "异常退出"), ("hang.xlsx", "超时")):
        d = lines[name]
        assert d["status"] == "failed" and d["projects"] == [] and d["findings"] == []
        assert d["error"]["code"] == "batch.timeout_or_crash" and word in d["error"]["message"]
        assert d["sha256"] and d["profile"] == "national_2020"
    assert [d["file"] for d in _read_jsonl(out / "skipped.jsonl")] == ["Thumbs.db"]


def _raising_work(path: str, rel: str, out_path: str, profile: Any) -> dict[str, Any]:
    if rel.startswith("oom"):
        raise MemoryError
    raise KeyError("boom")


def test_worker_exception_line_names_its_cause(tmp_path: Path) -> None:
    """An exception inside the worker (not a death) gives a failed result whose code says what
    happened, rather than the parent's batch.timeout_or_crash."""
    from perf_xlsx.bulk.pool import run_pool

    (tmp_path / "oom.xlsx").write_bytes(b"x")
    (tmp_path / "bug.xlsx").write_bytes(b"y")
    names = ["oom.xlsx", "bug.xlsx"]
    done: dict[int, dict[str, Any]] = {}
    run_pool([0, 1], lambda i: (str(tmp_path / names[i]), names[i], str(tmp_path / "out")), "national_2020", 1,
             done.__setitem__, work=_raising_work)
    lines = [json.loads(done[i]["line"]) for i in (0, 1)]
    assert [(d["file"], d["status"], d["error"]["code"]) for d in lines] == [
        ("oom.xlsx", "failed", "batch.out_of_memory"), ("bug.xlsx", "failed", "batch.internal_error")]
    assert "内存" in lines[0]["error"]["message"] and "内部错误" in lines[1]["error"]["message"]
    assert lines[1]["sha256"] and lines[1]["profile"] == "national_2020" and lines[1]["projects"] == []
