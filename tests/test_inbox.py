"""The finance bureau's inbox: incremental batch runs, resubmissions, duplicates, the roster,
subfolders, and outputs that cannot be written (locked, read-only), on real files."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import make_workbook, seed_spec
from click.testing import CliRunner

from perf_xlsx.bulk.run import SUMMARY_NAME, run_batch
from perf_xlsx.bulk.scan import WITHDRAWN_DIR
from perf_xlsx.bulk.state import STATE_NAME, State
from perf_xlsx.cli.commands import cli
from perf_xlsx.fileutil import TEMP_PREFIX, sweep_stale_temps, try_lock

OUTPUTS = ("results.jsonl", "skipped.jsonl", SUMMARY_NAME)


def _spec(name: str, **changes: Any) -> dict[str, Any]:
    spec = seed_spec(name)
    spec.update(changes)
    return spec


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def _touch_later(path: Path, seconds: float) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + int(seconds * 1e9)))


def _inbox(root: Path) -> Path:
    inbox = root / "收件"
    (inbox / "县商务局").mkdir(parents=True)
    (inbox / "县农业局").mkdir()
    make_workbook(inbox / "县商务局" / "自评表.xlsx", [_spec("招商节会")])
    make_workbook(inbox / "县农业局" / "自评表.xlsx", [_spec("农贸市场提质改造", department="县农业局")])
    make_workbook(inbox / "县财政局.xlsx", [_spec("招商节会", department="县财政局", project_name="财政监督")])
    (inbox / "县商务局" / "说明.txt").write_text("附件", encoding="utf-8")
    return inbox


def test_incremental_rerun_equals_a_full_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 汇总 says when it was made (to the minute): pinned, as the golden tests do, so that runs
    # on either side of a minute compare byte for byte.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    inbox = _inbox(tmp_path)
    out = tmp_path / "评分结果"
    first = run_batch(str(inbox), str(out), jobs=1)
    assert first.reused == 0 and len(first.fresh) == 3
    assert (out / STATE_NAME).is_file()
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    again = run_batch(str(inbox), str(out), jobs=1)
    assert again.reused == 3 and again.fresh == []
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == before

    # A day of mail: one unit corrects its file, a new one arrives, one withdraws.
    changed = inbox / "县农业局" / "自评表.xlsx"
    make_workbook(changed, [_spec("农贸市场提质改造", department="县农业局", project_name="农贸市场改造（修改）")])
    _touch_later(changed, 5)
    (inbox / "县教育局").mkdir()
    make_workbook(inbox / "县教育局" / "自评表.xlsx", [_spec("招商节会", department="县教育局")])
    (inbox / "县财政局.xlsx").unlink()
    third = run_batch(str(inbox), str(out), jobs=1)
    assert third.reused == 1
    assert sorted(third.fresh) == ["县农业局/自评表.xlsx", "县教育局/自评表.xlsx"]
    assert third.withdrawn == ["县财政局.xlsx"]
    assert (out / WITHDRAWN_DIR / "县财政局.scored.xlsx").is_file()
    assert not (out / "县财政局.scored.xlsx").exists()
    files = [d["file"] for d in _lines(out / "results.jsonl")]
    assert "县财政局.xlsx" not in files and len(files) == 3

    # Byte for byte what a full run writes, into the same folder and into a fresh one.
    incremental = {name: (out / name).read_bytes() for name in OUTPUTS}
    fresh = run_batch(str(inbox), str(tmp_path / "全量"), jobs=2)
    assert fresh.reused == 0
    assert {name: (tmp_path / "全量" / name).read_bytes() for name in OUTPUTS} == incremental
    for p in (tmp_path / "全量").glob("*.scored.xlsx"):
        assert (out / p.name).read_bytes() == p.read_bytes()
    forced = run_batch(str(inbox), str(out), jobs=1, full=True)
    assert forced.reused == 0 and len(forced.fresh) == 3
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == incremental


def test_state_changes_that_force_a_rescore(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    out = tmp_path / "o"
    run_batch(str(inbox), str(out), jobs=1)
    # The scored copy was removed by hand: its input is scored again.
    (out / "县商务局_自评表.scored.xlsx").unlink()
    r = run_batch(str(inbox), str(out), jobs=1)
    assert r.fresh == ["县商务局/自评表.xlsx"] and (out / "县商务局_自评表.scored.xlsx").is_file()
    # Other rules: everything is scored again.
    rules = tmp_path / "本省规则.toml"
    assert CliRunner().invoke(cli, ["rules", "-o", str(rules)]).exit_code == 0
    rules.write_text(rules.read_text(encoding="utf-8").replace("[[90, \"优\"]", "[[95, \"优\"]", 1),
                     encoding="utf-8")
    r = run_batch(str(inbox), str(out), jobs=1, rules=str(rules))
    assert r.reused == 0
    # A state file cut short by a crash loses only its last record.
    data = (out / STATE_NAME).read_bytes()
    (out / STATE_NAME).write_bytes(data[: len(data) - 40])
    state = State.load(str(out), "x")
    assert len(state.entries) == 2
    r = run_batch(str(inbox), str(out), jobs=1, rules=str(rules))
    assert r.reused == 2 and len(r.fresh) == 1


def test_spawn_start_method_gives_the_same_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 汇总's 生成时间, as above
    inbox = _inbox(tmp_path)
    run_batch(str(inbox), str(tmp_path / "fork"), jobs=2, start_method="fork")
    run_batch(str(inbox), str(tmp_path / "spawn"), jobs=2, start_method="spawn")
    for name in OUTPUTS:
        assert (tmp_path / "fork" / name).read_bytes() == (tmp_path / "spawn" / name).read_bytes()


def test_edited_scored_copy_is_a_submission_untouched_one_is_not(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    make_workbook(src / "a.xlsx", [seed_spec("招商节会")])
    assert CliRunner().invoke(cli, ["score", str(src / "a.xlsx")]).exit_code == 0
    scored = src / "a.scored.xlsx"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(scored, inbox / "原样退回.xlsx")
    shutil.copy(scored, inbox / "a.scored.xlsx")
    # The unit opens the scored copy, corrects a cell and saves it (the tool's property stays).
    wb = openpyxl.load_workbook(scored)
    ws = wb[wb.sheetnames[0]]
    ws["A1"] = ws["A1"].value
    wb.save(inbox / "修改后重报.xlsx")
    wb.save(inbox / "b.scored.xlsx")
    report = run_batch(str(inbox), jobs=1)
    status = {o.path: (o.status, o.reason) for o in report.outcomes}
    assert status["原样退回.xlsx"][0] == "skipped" and status["原样退回.xlsx"][1].startswith("本工具生成的评分结果")
    assert status["a.scored.xlsx"][0] == "skipped"
    assert status["修改后重报.xlsx"][0] == "scored"
    assert status["b.scored.xlsx"][0] == "scored"
    # The batch's own copies, moved back into the inbox, are recognised (marker and the sha256
    # recorded in the state file).
    out = inbox / "评分结果"
    shutil.copy(out / "修改后重报.scored.xlsx", inbox / "回流.xlsx")
    again = run_batch(str(inbox), jobs=1)
    assert {o.path: o.status for o in again.outcomes}["回流.xlsx"] == "skipped"
    state = State.load(str(out), "x")
    from perf_xlsx.judge.evaluate import sha256_file

    assert sha256_file(str(inbox / "回流.xlsx")) in state.outputs


def test_duplicates_newest_is_kept(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    make_workbook(inbox / "商务局-第一次.xlsx", [seed_spec("招商节会")])
    make_workbook(inbox / "商务局-修改.xlsx", [_spec("招商节会", goal_actual="补充说明")])
    _touch_later(inbox / "商务局-修改.xlsx", 60)
    make_workbook(inbox / "农业局.xlsx", [_spec("农贸市场提质改造", department="县农业局")])
    shutil.copy(inbox / "农业局.xlsx", inbox / "农业局（重发）.xlsx")
    report = run_batch(str(inbox), jobs=1)
    assert report.extras is not None
    dupes = {d.reason: d for d in report.extras.duplicates}
    same = dupes["同一单位、项目、年度重复提交"]
    assert (same.unit, same.project, same.year) == ("芙蓉区商务局", "招商节会", 2021)
    assert same.kept.path == "商务局-修改.xlsx" and [s.path for s in same.others] == ["商务局-第一次.xlsx"]
    assert len(same.kept.time) == 16 and same.kept.time > same.others[0].time
    identical = dupes["文件内容完全相同"]
    assert {identical.kept.path, *(s.path for s in identical.others)} == {"农业局.xlsx", "农业局（重发）.xlsx"}
    assert report.extras.superseded() == {("商务局-第一次.xlsx", 0), (identical.others[0].path, 0)}
    # Every input is still a line of results.jsonl.
    assert len(_lines(inbox / "评分结果" / "results.jsonl")) == 4
    result = CliRunner().invoke(cli, ["batch", str(inbox)])
    assert "重复提交：2 项" in result.output


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_roster_counts_and_near_misses(tmp_path: Path, kind: str) -> None:
    inbox = _inbox(tmp_path)
    rows = [["单位名称", "项目名称"], ["县商务局", "招商节会"], ["县 农业局", ""], ["芙蓉区财政局", ""],
            ["县审计局", ""]]
    if kind == "csv":
        roster = tmp_path / "单位名单.csv"
        roster.write_text("\n".join(",".join(r) for r in rows), encoding="utf-8-sig")
    else:
        roster = tmp_path / "单位名单.xlsx"
        wb = openpyxl.Workbook()
        for r in rows:
            wb.active.append(r)
        wb.save(roster)
    # 县商务局's table names 芙蓉区商务局: a near miss, not a match — and not 未交 either (nor
    # 芙蓉区商务局 名单外): a person confirms it.
    report = run_batch(str(inbox), jobs=1, roster=str(roster))
    assert report.extras is not None and report.extras.roster is not None
    status = report.extras.roster
    assert (status.expected, status.submitted) == (4, 1)
    assert status.missing == ("县审计局",)
    near = [(n.roster_name, n.submitted_name) for n in status.near_misses]
    assert near == [("县商务局", "芙蓉区商务局"), ("芙蓉区财政局", "县财政局")]
    assert status.unknown_units == ()
    assert status.missing_projects == ()  # 招商节会 came, from 芙蓉区商务局
    result = CliRunner().invoke(cli, ["batch", str(inbox), "--roster", str(roster)])
    assert "应交 4，已交 1，未交 1，名称相近 2（请确认）" in result.output
    assert "请确认：名单中的「县商务局」是否就是提交的「芙蓉区商务局」" in result.output


def test_missing_roster_is_a_chinese_error(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    result = CliRunner().invoke(cli, ["batch", str(inbox), "--roster", str(tmp_path / "无.csv")])
    assert result.exit_code == 2 and "找不到名单文件" in result.output


def test_folder_name_is_the_unit_when_the_table_names_none(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "县水利局").mkdir(parents=True)
    make_workbook(inbox / "县水利局" / "表.xlsx", [_spec("招商节会", department=None, implementer=None)])
    report = run_batch(str(inbox), jobs=1, title="某县财政局")
    line = _lines(inbox / "评分结果" / "results.jsonl")[0]
    assert not line["projects"][0]["department"]  # results.jsonl says what the table says
    summary = openpyxl.load_workbook(inbox / "评分结果" / SUMMARY_NAME, read_only=True)
    rows = [r for r in summary["排名"].iter_rows(min_row=4, values_only=True) if r[3]]
    assert rows[0][2] == "县水利局"
    assert report.extras is not None and report.extras.title == "某县财政局"


@pytest.mark.skipif(sys.platform == "win32", reason="flock and chmod 0444 are the POSIX stand-ins for Excel's lock")
def test_locked_or_read_only_summary_is_a_chinese_message(tmp_path: Path) -> None:
    import fcntl

    inbox = _inbox(tmp_path)
    out = inbox / "评分结果"
    run = CliRunner()
    assert run.invoke(cli, ["batch", str(inbox)]).exit_code == 0
    summary = out / SUMMARY_NAME
    old = summary.read_bytes()
    make_workbook(inbox / "县教育局.xlsx", [_spec("招商节会", department="县教育局")])

    # Read-only 汇总.xlsx.
    summary.chmod(0o444)
    result = run.invoke(cli, ["batch", str(inbox)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "汇总.xlsx 是只读文件" in result.output and "关闭 Excel/WPS 中打开的 汇总.xlsx 后重新运行" in result.output
    assert summary.read_bytes() == old
    assert "县教育局.xlsx" in {d["file"] for d in _lines(out / "results.jsonl")}
    summary.chmod(0o644)

    # Held by another program with an exclusive lock.
    with open(summary, "rb+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run.invoke(cli, ["batch", str(inbox)])
    assert result.exit_code == 1 and "被其他程序锁定" in result.output
    assert summary.read_bytes() == old

    # Open in Excel on another computer of a shared folder: its ~$ owner file is there.
    owner = out / ("~$" + SUMMARY_NAME)
    owner.write_bytes(b"\x06zhangsan")
    result = run.invoke(cli, ["batch", str(inbox)])
    assert result.exit_code == 1 and "正在 Excel/WPS/LibreOffice 中打开" in result.output
    owner.unlink()
    result = run.invoke(cli, ["batch", str(inbox)])
    assert result.exit_code == 0, result.output
    assert summary.read_bytes() != old


def test_scored_copy_that_cannot_be_written_is_failed(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    out = inbox / "评分结果"
    run_batch(str(inbox), jobs=1)
    target = inbox / "县财政局.xlsx"
    make_workbook(target, [_spec("招商节会", department="县财政局", project_name="财政监督2")])
    _touch_later(target, 5)
    (out / "县财政局.scored.xlsx").chmod(0o444)
    report = run_batch(str(inbox), jobs=1)
    outcome = {o.path: o for o in report.outcomes}["县财政局.xlsx"]
    assert outcome.status == "failed" and "未能写出" in outcome.reason and "只读" in outcome.reason
    line = next(d for d in _lines(out / "results.jsonl") if d["file"] == "县财政局.xlsx")
    assert line["error"]["code"] == "batch.write_failed"
    assert report.exit_code == 1
    # Its stale predecessor (the scored copy of the file's earlier version) does not stand
    # beside the new result: it is set aside, not deleted.
    assert not (out / "县财政局.scored.xlsx").exists()
    assert (out / WITHDRAWN_DIR / "县财政局.scored.xlsx").is_file()
    # The next run tries again (a failed write is never reused from the state).
    report = run_batch(str(inbox), jobs=1)
    assert {o.path: o.status for o in report.outcomes}["县财政局.xlsx"] == "scored"
    assert report.fresh == ["县财政局.xlsx"]


def test_output_folder_that_cannot_be_made_exits_2(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    blocker = tmp_path / "是文件"
    blocker.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["batch", str(inbox), "-o", str(blocker / "out")])
    assert result.exit_code == 2 and "无法创建输出文件夹" in result.output
    assert "Traceback" not in result.output


def test_stale_temp_files_by_lock_and_age(tmp_path: Path) -> None:
    held = tmp_path / f"{TEMP_PREFIX}1-held.tmp"
    old = tmp_path / f"{TEMP_PREFIX}999999-old.tmp"
    young = tmp_path / f"{TEMP_PREFIX}2-young.tmp"
    for p in (held, old, young):
        p.write_bytes(b"partial")
    long_ago = time.time() - 3600
    os.utime(held, (long_ago, long_ago))
    os.utime(old, (long_ago, long_ago))
    fd = os.open(held, os.O_RDWR)
    try:
        assert try_lock(fd)  # a live writer holds its temp file's lock
        sweep_stale_temps(str(tmp_path))
        assert held.exists() and young.exists() and not old.exists()
    finally:
        os.close(fd)
    sweep_stale_temps(str(tmp_path))
    assert not held.exists() and young.exists()
    sweep_stale_temps(str(tmp_path), min_age=0)
    assert not young.exists()


def test_score_refuses_to_overwrite_a_file_it_did_not_write(tmp_path: Path) -> None:
    src, _, _ = make_workbook(tmp_path / "a.xlsx", [seed_spec("招商节会")])
    other, _, _ = make_workbook(tmp_path / "别人的表.xlsx", [seed_spec("农贸市场提质改造")])
    run = CliRunner()
    before = other.read_bytes()
    result = run.invoke(cli, ["score", str(src), "-o", str(other)])
    assert result.exit_code == 2 and "--force" in result.output and other.read_bytes() == before
    notes = tmp_path / "笔记.json"
    notes.write_text('{"mine": true}', encoding="utf-8")
    result = run.invoke(cli, ["score", str(src), "--json", str(notes)])
    assert result.exit_code == 2 and notes.read_text(encoding="utf-8") == '{"mine": true}'
    # Its own earlier outputs are replaced without --force; anything with --force.
    assert run.invoke(cli, ["score", str(src), "-o", str(tmp_path / "s.xlsx"), "--json",
                            str(tmp_path / "r.json")]).exit_code == 0
    assert run.invoke(cli, ["score", str(src), "-o", str(tmp_path / "s.xlsx"), "--json",
                            str(tmp_path / "r.json")]).exit_code == 0
    assert run.invoke(cli, ["score", str(src), "-o", str(other), "--json", str(notes), "--force"]).exit_code == 0
    assert json.loads(notes.read_text(encoding="utf-8"))["schema"] == "perf_xlsx.result/1"


def test_scored_copy_resaved_by_libreoffice_is_a_submission(tmp_path: Path, soffice: str) -> None:
    """A real office program keeps the tool's property on save (the reason for the fingerprint):
    the copy a unit corrected in LibreOffice and sent back is scored, not skipped."""
    from builders import libreoffice_resave

    from perf_xlsx.write.scored import is_scored_output

    src = tmp_path / "src"
    src.mkdir()
    make_workbook(src / "a.xlsx", [seed_spec("招商节会")])
    assert CliRunner().invoke(cli, ["score", str(src / "a.xlsx")]).exit_code == 0
    resaved = libreoffice_resave(src / "a.scored.xlsx", tmp_path / "lo")
    assert is_scored_output(str(resaved))  # the property survived the save
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(resaved, inbox / "改正后重报.xlsx")
    shutil.copy(src / "a.scored.xlsx", inbox / "原样.xlsx")
    report = run_batch(str(inbox), jobs=1)
    assert {o.path: o.status for o in report.outcomes} == {"改正后重报.xlsx": "scored", "原样.xlsx": "skipped"}


def test_an_unchanged_rerun_imports_no_reader_judge_or_writer(tmp_path: Path) -> None:
    # An unchanged rerun reads the state, lists the folder and stops: most of its time was the
    # import of layers it does not use (issue 13's ≤ 5% goal). Run as the console script runs.
    import subprocess

    inbox = _inbox(tmp_path)
    out = tmp_path / "评分结果"
    run_batch(str(inbox), str(out), jobs=1)
    code = ("import sys\n"
            "from perf_xlsx.cli.commands import main\n"
            f"sys.argv = ['perf-xlsx', 'batch', {str(inbox)!r}, '-o', {str(out)!r}, '--jobs', '1']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = ('perf_xlsx.judge', 'perf_xlsx.read', 'perf_xlsx.write', 'perf_xlsx.ooxml', 'perf_xlsx.results',\n"
            "         'perf_xlsx.draft', 'perf_xlsx.bulk.pool', 'perf_xlsx.bulk.work', 'xlsxwriter', 'openpyxl')\n"
            "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", check=True)
    assert "本次评分 0 个" in done.stdout, done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
