"""`perf-xlsx watch` in a subprocess, driven by real file operations in a temporary inbox:
copy in, a slow copy in chunks, rename, overwrite, delete, two files at once, a locked 汇总,
Ctrl-C. Waits have generous deadlines and never assert a speed (benchmarks/bench_inbox.py
measures that)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from builders import make_workbook, seed_spec

from perf_xlsx.bulk.run import SUMMARY_NAME

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX-only")

DEADLINE = 90.0


class Watch:
    def __init__(self, inbox: Path, log: Path, *extra: str) -> None:
        self.inbox, self.out, self.log = inbox, inbox / "评分结果", log
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}
        self.fh = open(log, "wb")
        # Ctrl-C's default action in the child: a test run started in the background inherits
        # SIGINT ignored, and Python keeps a signal that was ignored at start-up ignored.
        self.proc = subprocess.Popen([sys.executable, "-m", "perf_xlsx", "watch", str(inbox), *extra],
                                     stdout=self.fh, stderr=subprocess.STDOUT, env=env,
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))

    def text(self) -> str:
        return self.log.read_bytes().decode("utf-8", "replace")

    def wait(self, what: str, ok: Callable[[], bool]) -> None:
        deadline = time.monotonic() + DEADLINE
        while not ok():
            assert self.proc.poll() is None, self.text()
            assert time.monotonic() < deadline, f"{what} not seen in {DEADLINE:g} s:\n{self.text()}"
            time.sleep(0.05)

    def results(self) -> dict[str, dict[str, Any]]:
        try:
            lines = (self.out / "results.jsonl").read_text(encoding="utf-8").splitlines()
        except OSError:
            return {}
        return {d["file"]: d for d in map(json.loads, lines)}

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=60)
        finally:
            self.fh.close()


@pytest.fixture
def watch(tmp_path: Path) -> Iterator[Callable[..., Watch]]:
    started: list[Watch] = []

    def start(*extra: str) -> Watch:
        w = Watch(tmp_path / "收件", tmp_path / f"watch{len(started)}.log", *extra)
        started.append(w)
        w.wait("watching", lambda: "正在监视" in w.text())
        return w

    (tmp_path / "收件").mkdir()
    yield start
    for w in started:
        if w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait()
        w.fh.close()


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    src = tmp_path_factory.mktemp("books")
    a, _, _ = make_workbook(src / "a.xlsx", [seed_spec("招商节会")])
    b, _, _ = make_workbook(src / "b.xlsx", [seed_spec("农贸市场提质改造")])
    spec = seed_spec("招商节会")
    spec["department"] = "县农业局"
    c, _, _ = make_workbook(src / "c.xlsx", [spec])
    return {"a": a, "b": b, "c": c}


def _ranked(summary: Path) -> set[str]:
    """The files 汇总.xlsx ranks (empty while it is missing or being replaced)."""
    import openpyxl

    try:
        ws = openpyxl.load_workbook(summary, read_only=True)["排名"]
        return {str(r[16]) for r in ws.iter_rows(min_row=4, values_only=True) if len(r) > 16 and r[16]}
    except Exception:  # noqa: BLE001 - not there yet, or replaced while read
        return set()


def _slow_copy(src: Path, dst: Path, chunk: int = 1500, pause: float = 0.15) -> None:
    data = src.read_bytes()
    with open(dst, "wb") as fh:
        for i in range(0, len(data), chunk):
            fh.write(data[i:i + chunk])
            fh.flush()
            time.sleep(pause)


def test_watch_scores_arrivals_changes_and_removals(watch: Callable[..., Watch], books: dict[str, Path]) -> None:
    w = watch()
    inbox = w.inbox
    # Copy in.
    shutil.copy(books["a"], inbox / "商务局.xlsx")
    w.wait("商务局 scored", lambda: w.results().get("商务局.xlsx", {}).get("status") == "scored")
    assert "芙蓉区商务局" in w.text() and "错误 0" in w.text()
    # A slow copy in chunks: never read half-way (it would fail as a damaged zip).
    _slow_copy(books["b"], inbox / "慢.xlsx")
    w.wait("慢 scored", lambda: w.results().get("慢.xlsx", {}).get("status") == "scored")
    assert "慢.xlsx  失败" not in w.text()
    # Two files at once, one in a unit's folder.
    (inbox / "县农业局").mkdir()
    shutil.copy(books["c"], inbox / "县农业局" / "自评表.xlsx")
    shutil.copy(books["b"], inbox / "二.xlsx")
    w.wait("both scored", lambda: {"县农业局/自评表.xlsx", "二.xlsx"} <= set(w.results()))
    # Rename: the old name leaves the results, the new one comes in.
    os.rename(inbox / "二.xlsx", inbox / "二（改名）.xlsx")
    w.wait("rename", lambda: "二（改名）.xlsx" in w.results() and "二.xlsx" not in w.results())
    # Overwrite with other content.
    before = w.results()["商务局.xlsx"]["sha256"]
    shutil.copy(books["c"], inbox / "商务局.xlsx")
    w.wait("overwrite", lambda: w.results().get("商务局.xlsx", {}).get("sha256") not in (None, before))
    # Delete.
    (inbox / "慢.xlsx").unlink()
    w.wait("delete", lambda: "慢.xlsx  已删除" in w.text())
    assert "慢.xlsx" not in w.results()
    assert (w.out / "已撤回" / "慢.scored.xlsx").is_file()
    # Excel's lock files are never read.
    (inbox / "~$商务局.xlsx").write_bytes(b"\x06zhangsan")
    assert w.stop() == 0
    text = w.text()
    assert "已停止监视" in text and "Traceback" not in text and "~$" not in text
    # The same state as batch: a batch run now scores nothing again.
    from perf_xlsx.bulk.run import run_batch

    report = run_batch(str(inbox), jobs=1)
    assert report.fresh == [] and report.reused == 3


def test_watch_waits_for_a_locked_summary_and_says_so_once(watch: Callable[..., Watch],
                                                            books: dict[str, Path]) -> None:
    w = watch("--interval", "0.3")
    inbox = w.inbox
    shutil.copy(books["a"], inbox / "a.xlsx")
    w.wait("a scored", lambda: "a.xlsx" in w.results())
    summary = w.out / SUMMARY_NAME
    w.wait("汇总 lists a.xlsx", lambda: _ranked(summary) == {"a.xlsx"})
    old = summary.read_bytes()
    owner = w.out / ("~$" + SUMMARY_NAME)  # 汇总.xlsx open in Excel
    owner.write_bytes(b"\x06zhangsan")
    shutil.copy(books["b"], inbox / "b.xlsx")
    shutil.copy(books["c"], inbox / "c.xlsx")
    w.wait("b and c scored", lambda: {"b.xlsx", "c.xlsx"} <= set(w.results()))
    w.wait("busy message", lambda: "正在 Excel/WPS/LibreOffice 中打开" in w.text())
    time.sleep(1.0)  # several retries pass while it stays open
    assert w.text().count("正在 Excel/WPS/LibreOffice 中打开") == 1
    assert summary.read_bytes() == old
    owner.unlink()
    w.wait("updated", lambda: f"{SUMMARY_NAME} 已更新" in w.text())
    assert _ranked(summary) == {"a.xlsx", "b.xlsx", "c.xlsx"}
    assert w.stop() == 0


def test_watch_polling_fallback_and_roster(watch: Callable[..., Watch], books: dict[str, Path],
                                           tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n芙蓉区商务局\n县农业局\n", encoding="utf-8")
    w = watch("--poll", "--interval", "0.2", "--roster", str(roster))
    assert "轮询" in w.text() and "名单：应交 2，已交 0，未交 2" in w.text()
    shutil.copy(books["a"], w.inbox / "a.xlsx")
    w.wait("a scored", lambda: w.results().get("a.xlsx", {}).get("status") == "scored")
    w.wait("roster", lambda: "名单：应交 2，已交 1，未交 1" in w.text())
    assert w.stop() == 0
