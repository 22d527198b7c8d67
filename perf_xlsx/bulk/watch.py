"""`perf-xlsx watch`: score each workbook as it arrives in an inbox folder.

A folder watcher (the watchdog library: inotify, FSEvents, ReadDirectoryChangesW; or its
polling observer, for network shares where change notification does not work) marks the
paths that changed. A changed file is read only once it is complete: its size and mtime have
not moved for SETTLE seconds, it can be opened, and a workbook that should be a zip has its
end record (a copy in progress has not). Then one incremental batch run (bulk.run) scores what
changed and rewrites results.jsonl and 汇总.xlsx; the state file is the batch's, so watch and
batch can be mixed. Files still being written are held: they keep their earlier result.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Collection, Optional

from perf_xlsx.bulk.report import BatchError, BatchReport
from perf_xlsx.bulk.roster import roster_line
from perf_xlsx.bulk.run import DEFAULT_OUTDIR, SUMMARY_NAME, run_batch
from perf_xlsx.bulk.scan import skip_reason
from perf_xlsx.fileutil import TEMP_PREFIX, os_reason

SETTLE = 0.5  # seconds a file's size and mtime must stay still before it is read
# A workbook that is a zip is complete when its end record is there (a copy writes it last), so
# it needs less: only enough to see that nothing is appended after it.
SETTLE_ZIP = 0.25
INCOMPLETE_GRACE = 10.0  # a .xlsx that is not yet a whole zip is waited for this long, then scored (fails)
ZIP_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".ods", ".et"}

Echo = Callable[[str], None]


@dataclass
class _Pending:
    first: float  # when the path was first reported
    seen: tuple[int, int] = (-1, -1)  # (size, mtime_ns) at the last look
    since: float = 0.0  # when it last changed


def _now() -> str:
    return time.strftime("%H:%M:%S")


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return str(x)


def event_line(event: dict[str, Any]) -> str:
    """One console line per file: time, file, unit, 总分, 等级, errors and warnings."""
    head = f"{_now()}  {event['file']}"
    if event["status"] == "failed":
        return f"{head}  失败：{event['reason']}"
    if event["status"] == "skipped":
        return f"{head}  已跳过：{event['reason']}"
    tables = event["tables"]
    units = "、".join(dict.fromkeys(t["unit"] for t in tables if t["unit"])) or "（未填单位）"
    scores = " / ".join(f"{_fmt(t['score'])} 分" if t["score"] is not None else "— 分" for t in tables) or "无表格"
    grades = " / ".join(t["grade"] or "未定级" for t in tables)
    return f"{head}  {units}  {scores}  {grades}  错误 {event['errors']} 警告 {event['warnings']}"


class Watcher:
    """Watches ``folder`` and keeps ``outdir`` current; :meth:`run` until Ctrl-C or ``stop``."""

    def __init__(self, folder: str, outdir: Optional[str] = None, *, rules: Optional[str] = None,
                 interval: float = 1.0, poll: bool = False, recursive: bool = False,
                 roster: Optional[str] = None, title: Optional[str] = None, jobs: Optional[int] = None,
                 echo: Echo = print) -> None:
        self.folder = Path(folder)
        self.outdir = Path(outdir) if outdir else self.folder / DEFAULT_OUTDIR
        self.rules, self.interval, self.poll, self.recursive = rules, max(0.1, interval), poll, recursive
        self.roster, self.title, self.jobs = roster, title, jobs
        self.echo = echo
        self.events: queue.Queue[str] = queue.Queue()
        self.pending: dict[str, _Pending] = {}
        self.dirty = False  # something was deleted or renamed away: rerun even with nothing pending
        self.retry_at: Optional[float] = None  # 汇总.xlsx (or the output folder) was busy: try again then
        self.busy_said = False
        self.roster_said: Optional[str] = None  # the last 应交/已交/未交 line: said again when it changes
        self.stop = threading.Event()
        self.observer: Any = None
        self.last_report: Optional[BatchReport] = None
        self.digests: dict[str, Any] = {}  # reused results' summary rows, kept between runs

    # --- the watchdog side (its own thread): only marks paths -------------------------------

    def _ignored(self, path: str) -> bool:
        p = Path(path)
        try:
            if p.resolve().is_relative_to(self.outdir.resolve()):
                return True
        except (OSError, ValueError):
            return True
        name = p.name
        return name.startswith(TEMP_PREFIX) or skip_reason(p) is not None

    def _handler(self) -> Any:
        from watchdog.events import FileSystemEventHandler

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return
                if event.is_directory and event.event_type not in ("created", "moved", "deleted"):
                    return  # a folder "modified" is any change inside it: its files report themselves
                for path in (getattr(event, "src_path", ""), getattr(event, "dest_path", "")):
                    if path:
                        watcher.events.put(os.fsdecode(path) + ("/" if event.is_directory else ""))

        return Handler()

    def _start_observer(self) -> None:
        from watchdog.observers.polling import PollingObserver

        if not self.poll:
            from watchdog.observers import Observer

            try:
                observer = Observer()
                observer.schedule(self._handler(), str(self.folder), recursive=True)
                observer.start()
                self.observer = observer
                return
            except OSError as exc:  # inotify limits, unsupported file systems
                self.echo(f"{_now()}  文件夹变化通知不可用（{os_reason(exc)}），改为每 {self.interval:g} 秒轮询")
        observer = PollingObserver(timeout=self.interval)
        observer.schedule(self._handler(), str(self.folder), recursive=True)
        observer.start()
        self.observer = observer

    # --- the main loop ----------------------------------------------------------------------

    def _drain(self) -> None:
        now = time.monotonic()
        while True:
            try:
                path = self.events.get_nowait()
            except queue.Empty:
                return
            if path.endswith("/"):
                folder = Path(path.rstrip("/"))
                if not folder.is_dir():
                    self.dirty = True  # a folder deleted or moved away
                    continue
                for root, _, files in os.walk(folder):
                    for name in files:
                        full = os.path.join(root, name)
                        if not self._ignored(full):
                            self.pending.setdefault(full, _Pending(now, since=now))
                continue
            if self._ignored(path):
                continue
            try:
                st = os.stat(path)
            except OSError:
                self.pending.pop(path, None)
                self.dirty = True
                continue
            seen = (st.st_size, st.st_mtime_ns)
            p = self.pending.setdefault(path, _Pending(now, seen, now))
            if p.seen != seen:
                p.seen, p.since = seen, now

    def _ready(self, path: str, p: _Pending, now: float) -> Optional[bool]:
        """True: complete, read it; False: still being written; None: gone."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        seen = (st.st_size, st.st_mtime_ns)
        if seen != p.seen:
            p.seen, p.since = seen, now
            return False
        zipped = Path(path).suffix.lower() in ZIP_SUFFIXES
        if now - p.since < (SETTLE_ZIP if zipped else SETTLE):
            return False
        try:
            with open(path, "rb") as fh:  # a file another program holds exclusively (Windows) cannot be
                fh.read(1)
        except OSError:
            return False
        if zipped and not zipfile.is_zipfile(path) and now - p.since < INCOMPLETE_GRACE:
            return False  # no end record yet: still arriving (or broken: scored, and failed, later)
        return True

    def _rel(self, path: str) -> str:
        try:
            return Path(path).relative_to(self.folder).as_posix()
        except ValueError:
            return Path(path).name

    def step(self) -> None:
        """One turn: take the events, and run the batch if a file is complete or one went away."""
        self._drain()
        now = time.monotonic()
        ready, held = [], []
        for path, p in list(self.pending.items()):
            state = self._ready(path, p, now)
            if state is None:
                del self.pending[path]
                self.dirty = True
            elif state:
                ready.append(path)
            else:
                held.append(path)
        retry = self.retry_at is not None and now >= self.retry_at
        if not ready and not self.dirty and not retry:
            return
        for path in ready:
            del self.pending[path]
        self.dirty = False
        self.run_once(hold={self._rel(p) for p in held})

    def run_once(self, hold: Collection[str] = ()) -> Optional[BatchReport]:
        try:
            report = run_batch(str(self.folder), str(self.outdir), jobs=self.jobs, recursive=self.recursive,
                               rules=self.rules, full=False, roster=self.roster, title=self.title,
                               on_file=lambda e: self.echo(event_line(e)), hold=hold, compact=False,
                               digests=self.digests)
        except BatchError as exc:
            self._busy(str(exc))
            return None
        self.last_report = report
        for rel in report.withdrawn:
            self.echo(f"{_now()}  {rel}  已删除：从汇总中移除，评分结果移到 已撤回/")
        line = roster_line(report.extras.roster if report.extras else None)
        if line and line != self.roster_said:
            self.echo(f"{_now()}  名单：{line}")
            self.roster_said = line
        if report.interrupted:
            self.stop.set()
            return report
        others = [m for m in report.output_errors if SUMMARY_NAME not in m]
        for message in others:
            self.echo(f"{_now()}  未能写出：{message}")
        if report.summary_busy or others:
            self._busy(next((m for m in report.output_errors if SUMMARY_NAME in m), ""))
        else:
            if self.busy_said:
                self.echo(f"{_now()}  {SUMMARY_NAME} 已更新")
            self.busy_said = False
            self.retry_at = None
        return report

    def _busy(self, message: str) -> None:
        if not self.busy_said and message:
            self.echo(f"{_now()}  {message}；将每 {max(self.interval, 2.0):g} 秒重试，可写时自动更新")
            self.busy_said = True
        self.retry_at = time.monotonic() + max(self.interval, 2.0)

    def run(self) -> int:
        """Score what is there, then watch until Ctrl-C (or ``stop``); returns the exit code."""
        if not self.folder.is_dir():
            raise BatchError(f"找不到文件夹：{self.folder}")
        self.outdir.mkdir(parents=True, exist_ok=True)
        try:
            report = self.run_once()
            if report is not None:
                self.echo(f"{_now()}  共 {len(report.outcomes)} 个文件，其中本次评分 {len(report.fresh)} 个；"
                          f"汇总：{self.outdir / SUMMARY_NAME}")
            self._start_observer()
            mode = f"轮询，每 {self.interval:g} 秒" if self.poll or "Polling" in type(self.observer).__name__ else "文件夹通知"
            self.echo(f"{_now()}  正在监视 {self.folder}（{mode}；按 Ctrl-C 停止）")
            while not self.stop.is_set():
                self.step()
                self.stop.wait(0.1)
        except KeyboardInterrupt:
            pass
        finally:
            if self.observer is not None:
                self.observer.stop()
                self.observer.join(timeout=5)
        self.echo(f"{_now()}  已停止监视")
        return 0


__all__ = ["SETTLE", "Watcher", "event_line"]
