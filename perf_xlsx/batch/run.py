"""Score every workbook in a folder: per-file isolation in worker processes, one scored copy per
input, results.jsonl, skipped.jsonl and the 汇总.xlsx summary.

Workers are long-lived processes fed one file at a time over a pipe, so a file that hangs or
kills its interpreter (native parsers can abort) costs that one file, not the batch: the
parent watches each worker's deadline and sentinel, records the failure and starts a new one.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import tempfile
import time
from array import array
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

from perf_xlsx.batch.report import BatchError, BatchReport, FileOutcome, Outcomes
from perf_xlsx.batch.summary import SummaryIndex, digest, write_summary
from perf_xlsx.fileutil import atomic_write, sweep_stale_temps
from perf_xlsx.judge.evaluate import evaluate_file, sha256_file
from perf_xlsx.read.legacy import as_xlsx
from perf_xlsx.results import encode_line, failed_result, mark_failed, result_to_dict
from perf_xlsx.rules import Profile, load_profile

# Imported here, not per file: workers are forked from this process and start with it loaded.
from perf_xlsx.write.scored import WriteError, is_scored_output, write_scored

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".ods", ".xltx", ".xltm"}
SYSTEM_FILES = {"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db"}
DEFAULT_OUTDIR = "评分结果"
SUMMARY_NAME = "汇总.xlsx"
RESULTS_NAME = "results.jsonl"
SKIPPED_NAME = "skipped.jsonl"
LOCK_NAME = ".perf-xlsx.lock"
FILE_TIMEOUT = 60.0  # seconds per file; a 自评表 takes milliseconds
MEMORY_LIMIT = 1 << 30  # bytes of address space per worker


# --- scanning --------------------------------------------------------------------------


def skip_reason(path: Path) -> Optional[str]:
    """Why a file is skipped without being opened, or None when it should be scored."""
    name = path.name
    lower = name.lower()
    if name.startswith("~$"):
        return "Office/WPS 临时文件（~$ 开头，说明有人正打开该工作簿）"
    if name.startswith(".~lock."):
        return "LibreOffice 锁定文件"
    if name.startswith("._"):
        return "macOS 附属文件（._ 开头）"
    if lower in SYSTEM_FILES:
        return "系统文件"
    if name.startswith("."):
        return "隐藏文件"
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return f"不是电子表格文件（{path.suffix or '无扩展名'}）"
    if ".scored." in lower:
        return "本工具生成的评分结果"
    return None


def scan(folder: Path, outdir: Path, recursive: bool) -> list[tuple[str, Optional[str]]]:
    """Every regular file under folder (OUTDIR excluded) as a relative posix path, sorted, with
    its skip reason."""
    found: list[tuple[str, Optional[str]]] = []
    out_resolved = outdir.resolve()
    walker = os.walk(folder) if recursive else [(str(folder), [], os.listdir(folder))]
    for root, dirs, files in walker:
        root_path = Path(root)
        dirs[:] = sorted(d for d in dirs if (root_path / d).resolve() != out_resolved and not d.startswith("."))
        for name in files:
            path = root_path / name
            if not path.is_file() or path.is_symlink() and not path.exists():
                continue
            found.append((path.relative_to(folder).as_posix(), skip_reason(path)))
    found.sort()
    return found


def output_name(rel: str, taken: set[str]) -> str:
    """Deterministic, Windows-safe, unique name for the scored copy of rel."""
    stem = Path(rel).with_suffix("").as_posix().replace("/", "_")
    for ch in '\\:*?"<>|':
        stem = stem.replace(ch, "_")
    stem = stem.strip(" .")[:120] or "workbook"
    name = f"{stem}.scored.xlsx"
    n = 2
    while name.lower() in taken:
        name = f"{stem}-{n}.scored.xlsx"
        n += 1
    taken.add(name.lower())
    return name


# --- workers ---------------------------------------------------------------------------


def _limit_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not POSIX / not permitted
        pass


def _outcome(data: dict[str, Any], reason: str = "", output: Optional[str] = None) -> dict[str, Any]:
    """What a worker sends back: the finished results.jsonl line and the compact summary rows."""
    status = data["status"]
    findings = data.get("findings", [])
    return {"status": status, "reason": reason, "line": encode_line(data),
            "errors": sum(1 for f in findings if f["severity"] == "error"),
            "warnings": sum(1 for f in findings if f["severity"] == "warning"),
            # The summary rows are rendered here, in parallel, not in the parent at the end.
            "digest": digest(data, output) if status == "scored" else None}


def process_one(path: str, rel: str, out_path: str, profile: Profile) -> dict[str, Any]:
    """Score one file and write its scored copy; returns a picklable outcome."""
    try:
        if is_scored_output(path):
            return {"status": "skipped", "reason": "本工具生成的评分结果（已评分文件）"}
    except Exception:  # noqa: BLE001 - a damaged file is scored (and fails) below
        pass
    result = evaluate_file(path, profile, display_name=rel)
    if result.status != "scored":
        return _outcome(result_to_dict(result), (result.error or {}).get("message", ""))
    try:
        with as_xlsx(path, result.model) as source:
            write_scored(source, result, out_path, profile, durable=False)
    except WriteError as exc:
        # Without its scored copy the file is not done: it is listed as failed with the reason.
        reason = f"评分完成，但评分结果未能写出：{exc}"
        return _outcome(mark_failed(result_to_dict(result), "batch.write_failed", reason), reason)
    output = os.path.basename(out_path)
    return _outcome(result_to_dict(result, output=output), output=output)


def _worker_main(conn: Connection, profile_spec: str,
                 work: Callable[[str, str, str, Profile], dict[str, Any]]) -> None:
    _limit_worker()
    from perf_xlsx.read import legacy

    legacy.IN_SANDBOX = True  # this process already has a deadline and a memory limit
    profile = load_profile(profile_spec)
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        path, rel, out_path = task
        try:
            outcome = work(path, rel, out_path, profile)
        except MemoryError:
            outcome = _failure(path, rel, profile, "batch.out_of_memory", "文件过大，处理时超出内存限制")
        except Exception as exc:  # noqa: BLE001 - one bad file must never stop the batch
            outcome = _failure(path, rel, profile, "batch.internal_error",
                               f"处理时出现内部错误（{type(exc).__name__}），请将文件反馈给开发者")
        conn.send(outcome)


def _failure(path: str, rel: str, profile: Profile, code: str, reason: str) -> dict[str, Any]:
    """A failed outcome with its results.jsonl line built here, where the cause is known; only a
    worker that dies or hangs leaves its line to the parent (batch.timeout_or_crash)."""
    try:
        digest_: Optional[str] = sha256_file(path)
    except OSError:
        digest_ = None
    return {"status": "failed", "reason": reason,
            "line": encode_line(failed_result(rel, digest_, profile.name, code, reason))}


@dataclass
class _Worker:
    process: Any
    conn: Connection
    tasks: deque[int] = field(default_factory=deque)  # sent, oldest (the one running) first
    started: float = 0.0  # when the running task began


# Tasks in flight per worker: the next file is already in the pipe when one finishes, so a
# worker never sits idle while the parent files away the previous result.
DEPTH = 2


Work = Callable[[str, str, str, Profile], dict[str, Any]]


def _start_worker(ctx: Any, profile_spec: str, work: Work) -> _Worker:
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_worker_main, args=(child, profile_spec, work), daemon=True)
    process.start()
    child.close()
    return _Worker(process=process, conn=parent)


def _stop(worker: _Worker) -> None:
    if worker.process.is_alive():
        worker.process.kill()
    worker.process.join(timeout=5)
    worker.conn.close()


def run_pool(tasks: Sequence[int], make_task: Callable[[int], tuple[str, str, str]], profile_spec: str,
             jobs: int, on_done: Callable[[int, dict[str, Any]], None], timeout: float = FILE_TIMEOUT,
             work: Work = process_one) -> None:
    """Run tasks (indexes; make_task gives (path, rel, out_path)) on `jobs` workers, calling
    on_done(index, outcome) exactly once for each. ``work`` runs in the workers."""
    ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
    pending = deque(tasks)
    workers = [_start_worker(ctx, profile_spec, work) for _ in range(max(1, min(jobs, len(tasks))))]
    try:
        while pending or any(w.tasks for w in workers):
            for w in workers:
                while len(w.tasks) < DEPTH and pending:
                    if not w.tasks:
                        w.started = time.monotonic()
                    w.tasks.append(pending.popleft())
                    try:
                        w.conn.send(make_task(w.tasks[-1]))
                    except OSError:
                        break  # it died: its sentinel is ready, and the wait below deals with it
            busy = [w for w in workers if w.tasks]
            now = time.monotonic()
            wait_for = max(0.0, min(w.started + timeout for w in busy) - now)
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=wait_for)
            for i, w in enumerate(workers):
                if not w.tasks:
                    continue
                outcome: Optional[dict[str, Any]] = None
                broken = False
                if w.conn in ready:
                    try:
                        outcome = w.conn.recv()
                    except (EOFError, OSError):
                        outcome = None
                if outcome is None and (w.process.sentinel in ready or w.conn in ready):
                    broken = True
                    outcome = {"status": "failed", "reason": "处理该文件时程序异常退出（文件可能已损坏或含恶意内容）"}
                elif outcome is None and time.monotonic() - w.started >= timeout:
                    broken = True
                    outcome = {"status": "failed", "reason": f"处理超时（超过 {timeout:g} 秒），已跳过该文件"}
                if outcome is None:
                    continue
                index = w.tasks.popleft()
                w.started = time.monotonic()
                if broken:
                    # The files queued behind the bad one were never started: they go back first.
                    pending.extendleft(reversed(w.tasks))
                    _stop(w)
                    workers[i] = _start_worker(ctx, profile_spec, work)
                on_done(index, outcome)
    finally:
        for w in workers:
            try:
                w.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
        for w in workers:
            w.process.join(timeout=1)
            _stop(w)


# --- the batch -------------------------------------------------------------------------


class _Lock:
    """One run per OUTDIR: an advisory lock the OS releases if the run dies."""

    def __init__(self, outdir: Path) -> None:
        self.path = outdir / LOCK_NAME
        self.fh: Any = None

    def __enter__(self) -> _Lock:
        self.fh = open(self.path, "a+")
        try:
            import fcntl

            fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - Windows: msvcrt byte lock
            import msvcrt

            try:
                msvcrt.locking(self.fh.fileno(), msvcrt.LK_NBLCK, 1)
            except OSError:
                self.fh.close()
                raise BatchError(f"另一个评分任务正在使用输出文件夹 {self.path.parent}，请等它结束后再运行") from None
        except OSError:
            self.fh.close()
            raise BatchError(f"另一个评分任务正在使用输出文件夹 {self.path.parent}，请等它结束后再运行") from None
        return self

    def __exit__(self, *exc: object) -> None:
        self.fh.close()
        try:
            self.path.unlink()
        except OSError:
            pass


def run_batch(folder: str, outdir: Optional[str] = None, *, jobs: Optional[int] = None,
              recursive: bool = False, rules: Optional[str] = None,
              progress: Optional[Callable[[int, int, str], None]] = None) -> BatchReport:
    """Score every workbook in folder. Raises BatchError only when the batch cannot start."""
    start = time.monotonic()
    src = Path(folder)
    if not src.is_dir():
        raise BatchError(f"找不到文件夹：{folder}")
    out = Path(outdir) if outdir else src / DEFAULT_OUTDIR
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BatchError(f"无法创建输出文件夹 {out}：{exc.strerror or exc}") from None
    profile = load_profile(rules)
    profile_spec = rules or profile.name
    report = BatchReport(folder=str(src), outdir=str(out), profile=profile.name)
    with _Lock(out):
        entries = scan(src, out, recursive)
        outcomes = Outcomes([rel for rel, _ in entries])
        tasks = array("l")
        # Scored-copy names are decided up front so they never depend on timing; only names
        # that differ from the plain one (collisions) are remembered.
        renamed: dict[int, str] = {}
        taken: set[str] = set()
        for i, (rel, reason) in enumerate(entries):
            if reason:
                outcomes.set(i, "skipped", reason)
            else:
                tasks.append(i)
                name = output_name(rel, taken)
                if name != output_name(rel, set()):
                    renamed[i] = name
        del taken, entries
        done = len(outcomes) - len(tasks)
        total = len(outcomes)
        if progress:
            progress(done, total, "")

        def make_task(index: int) -> tuple[str, str, str]:
            rel = outcomes.paths[index]
            return str(src / rel), rel, str(out / (renamed.get(index) or output_name(rel, set())))

        # Unnamed (deleted on close): full result lines wait here until results.jsonl is written.
        spool = tempfile.TemporaryFile(dir=out)
        report.spool = spool
        index_ = SummaryIndex(spool, total)

        def on_done(index: int, outcome: dict[str, Any]) -> None:
            nonlocal done
            line = outcome.get("line")
            spooled = None
            if line:
                spool.seek(0, os.SEEK_END)
                spooled = (spool.tell(), len(line))
                spool.write(line)
            outcomes.set(index, outcome["status"], outcome.get("reason", ""), outcome.get("errors", 0),
                         outcome.get("warnings", 0), spooled)
            if outcome.get("digest"):
                index_.add(index, outcome["digest"])
            done += 1
            if progress:
                progress(done, total, outcomes.paths[index])

        try:
            run_pool(tasks, make_task, profile_spec, jobs or os.cpu_count() or 1, on_done)
        except KeyboardInterrupt:
            report.interrupted = True
        finally:
            # Workers are stopped by now: whatever a killed one was writing is a dead pid's temp.
            sweep_stale_temps(str(out))
        # An interrupted run lists what finished and writes no summary; a complete one keeps the
        # table, whose positions the summary index refers to.
        report.outcomes = [outcomes[i] for i in range(total) if outcomes.finished(i)] \
            if report.interrupted else outcomes
        report.grades = index_.grades
        report.elapsed = time.monotonic() - start
        try:
            if not report.interrupted:
                if hasattr(os, "sync"):
                    # The scored copies were renamed into place without an fsync each; one sync
                    # here makes them durable before results.jsonl says they exist.
                    os.sync()
                write_results(report, out / RESULTS_NAME)
                write_skipped(report, out / SKIPPED_NAME)
                write_summary(report, str(out / SUMMARY_NAME), profile, index_)
        finally:
            spool.close()
            report.spool = None
    return report


def _own_line(report: BatchReport, o: FileOutcome) -> bytes:
    """The results.jsonl line of a workbook whose worker sent none: it died (crashed, or was
    killed) or hung past its deadline. It is still an input, so a contract-exact `failed` result."""
    try:
        digest: Optional[str] = sha256_file(str(Path(report.folder) / o.path))
    except OSError:
        digest = None
    return encode_line(failed_result(o.path, digest, report.profile, "batch.timeout_or_crash", o.reason))


def _write_lines(path: Path, lines: Iterator[bytes]) -> None:
    """Atomically (temp file, fsync, rename): a reader sees the previous file or the whole new one."""
    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            for line in lines:
                fh.write(line + b"\n")
            fh.flush()
            os.fsync(fh.fileno())

    atomic_write(str(path), write)


def write_results(report: BatchReport, path: Path) -> None:
    """results.jsonl: one perf_xlsx.result/1 line per input workbook, `scored` or `failed`, in scan
    order. Skipped files are not inputs and the contract has no status for them: skipped.jsonl."""
    _write_lines(path, (o.raw_line(report.spool) or _own_line(report, o)
                        for o in report.outcomes if o.status != "skipped"))


def write_skipped(report: BatchReport, path: Path) -> None:
    """skipped.jsonl: one line per file left unopened or recognised as the tool's own output, in
    scan order, so that results.jsonl + skipped.jsonl name every file in the folder exactly once.
    Written even when empty, so that a stale list from an earlier run never stands."""
    _write_lines(path, (encode_line({"file": o.path, "reason": o.reason, "code": "batch.skipped"})
                        for o in report.outcomes if o.status == "skipped"))


__all__ = ["BatchError", "BatchReport", "FileOutcome", "run_batch", "scan", "skip_reason", "write_results",
           "write_skipped"]
