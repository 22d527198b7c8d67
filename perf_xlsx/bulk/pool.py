"""Run a batch's files on worker processes so that no file can stop the batch: per-file
deadlines, crashed and hung workers replaced, a memory limit per worker.

Workers are long-lived processes fed small batches of files over a pipe. A worker reports each
file as soon as it is done, so the parent knows which file is running and since when: a file
that hangs or kills its interpreter (native parsers can abort) costs that one file; the files
queued behind it go back to the queue and a new worker starts.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Collection, Optional, Sequence

from perf_xlsx.bulk import work as work_module
from perf_xlsx.bulk.work import Outcome, process_one
from perf_xlsx.fileutil import sha256_file
from perf_xlsx.results import encode_line, failed_result
from perf_xlsx.rules import Profile, load_profile

FILE_TIMEOUT = 60.0  # seconds per file; a 自评表 takes milliseconds
MEMORY_LIMIT = 1 << 30  # bytes of address space per worker (Linux/macOS: Windows has no RLIMIT_AS)
# multiprocessing.connection.wait on Windows waits on at most 63 handles at once
# (WaitForMultipleObjects); ProcessPoolExecutor caps itself at 61 for the same reason.
MAX_JOBS = 60 if sys.platform == "win32" else 64
# A worker is sent more files when it has fewer than LOW_WATER in hand, so the next file is
# already in its pipe when one finishes; at most MAX_BATCH in one message, fewer near the end
# (see batch_size), so that no worker idles while another still holds a queue.
LOW_WATER = 2
MAX_BATCH = 8

#: (path, rel, out_path): the file, its name relative to the batch folder, its scored copy.
Task = tuple[str, str, str]
#: What runs in the workers, once per file: process_one, or a stand-in in the tests.
Work = Callable[[str, str, str, Profile], Outcome]

CRASHED = "处理该文件时程序异常退出（文件可能已损坏或含恶意内容）"


def timed_out(timeout: float) -> str:
    return f"处理超时（超过 {timeout:g} 秒），已跳过该文件"


# --- the worker side -------------------------------------------------------------------


def _limit_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not POSIX / not permitted
        pass


def _failure(path: str, rel: str, profile: Profile, code: str, reason: str) -> Outcome:
    """A failed outcome with its results.jsonl line built here, where the cause is known; only a
    worker that dies or hangs leaves its line to the parent (batch.timeout_or_crash)."""
    try:
        digest: Optional[str] = sha256_file(path)
    except OSError:
        digest = None
    return {"status": "failed", "reason": reason,
            "line": encode_line(failed_result(rel, digest, profile.name, code, reason))}


def _run_one(work: Work, task: Task, profile: Profile) -> Outcome:
    path, rel, out_path = task
    try:
        return work(path, rel, out_path, profile)
    except MemoryError:
        return _failure(path, rel, profile, "batch.out_of_memory", "文件过大，处理时超出内存限制")
    except Exception as exc:  # noqa: BLE001 - one bad file must never stop the batch
        return _failure(path, rel, profile, "batch.internal_error",
                        f"处理时出现内部错误（{type(exc).__name__}），请将文件反馈给开发者")


def _worker_main(conn: Connection, profile_spec: str, work: Work, known: frozenset[str] = frozenset()) -> None:
    _limit_worker()
    work_module.KNOWN_OUTPUTS = known
    from perf_xlsx.read import legacy

    legacy.IN_SANDBOX = True  # this process already has a deadline and a memory limit
    profile = load_profile(profile_spec)
    while True:
        try:
            tasks = conn.recv()
        except EOFError:
            return
        if tasks is None:
            return
        for task in tasks:
            conn.send(_run_one(work, task, profile))


# --- the parent side -------------------------------------------------------------------


@dataclass
class _Worker:
    process: Any
    conn: Connection
    tasks: deque[int] = field(default_factory=deque)  # sent, oldest (the one running) first
    started: float = 0.0  # when the running task began


def _start_worker(ctx: Any, profile_spec: str, work: Work, known: frozenset[str]) -> _Worker:
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_worker_main, args=(child, profile_spec, work, known), daemon=True)
    process.start()
    child.close()
    return _Worker(process=process, conn=parent)


def _stop(worker: _Worker) -> None:
    if worker.process.is_alive():
        worker.process.kill()
    worker.process.join(timeout=5)
    worker.conn.close()


def batch_size(pending: int, workers: int) -> int:
    """Files per message: up to MAX_BATCH while much is left, one at a time near the end."""
    return max(1, min(MAX_BATCH, pending // (4 * workers)))


def _feed(w: _Worker, pending: deque[int], make_task: Callable[[int], Task], workers: int) -> None:
    if len(w.tasks) >= LOW_WATER or not pending:
        return
    if not w.tasks:
        w.started = time.monotonic()
    batch = [pending.popleft() for _ in range(batch_size(len(pending), workers))]
    w.tasks.extend(batch)
    try:
        w.conn.send([make_task(i) for i in batch])
    except OSError:
        pass  # it died: its sentinel is ready, and the wait in run_pool deals with it


def run_pool(tasks: Sequence[int], make_task: Callable[[int], Task], profile_spec: str, jobs: int,
             on_done: Callable[[int, Outcome], None], timeout: float = FILE_TIMEOUT,
             work: Work = process_one, known: Collection[str] = (),
             start_method: Optional[str] = None) -> None:
    """Run tasks (indexes; make_task gives (path, rel, out_path)) on `jobs` workers (at most
    MAX_JOBS), calling on_done(index, outcome) exactly once for each. ``work`` runs in the
    workers; a file whose worker dies or passes ``timeout`` gets an outcome without a line (the
    parent writes it). ``known``: the recorded sha256 of the tool's own scored copies.
    ``start_method``: "fork" or "spawn" (what Windows uses); default fork where there is one."""
    if not tasks:
        return
    if start_method is None:
        start_method = "fork" if hasattr(os, "fork") else "spawn"
    ctx = mp.get_context(start_method)
    known_set = frozenset(known)
    pending = deque(tasks)
    workers = [_start_worker(ctx, profile_spec, work, known_set)
               for _ in range(max(1, min(jobs, MAX_JOBS, len(tasks))))]
    try:
        while pending or any(w.tasks for w in workers):
            for w in workers:
                _feed(w, pending, make_task, len(workers))
            busy = [w for w in workers if w.tasks]
            wait_for = max(0.0, min(w.started for w in busy) + timeout - time.monotonic())
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=wait_for)
            for i, w in enumerate(workers):
                if not w.tasks:
                    continue
                outcome: Optional[Outcome] = None
                broken = False
                if w.conn in ready:
                    try:
                        outcome = w.conn.recv()
                    except (EOFError, OSError):
                        outcome = None
                if outcome is None and (w.process.sentinel in ready or w.conn in ready):
                    broken = True
                    outcome = {"status": "failed", "reason": CRASHED}
                elif outcome is None and time.monotonic() - w.started >= timeout:
                    broken = True
                    outcome = {"status": "failed", "reason": timed_out(timeout)}
                if outcome is None:
                    continue
                index = w.tasks.popleft()
                w.started = time.monotonic()  # the next file in its hands starts now
                if broken:
                    # The files queued behind the bad one were never started: they go back first.
                    pending.extendleft(reversed(w.tasks))
                    w.tasks.clear()
                    _stop(w)
                    workers[i] = _start_worker(ctx, profile_spec, work, known_set)
                on_done(index, outcome)
    finally:
        for w in workers:
            if w.tasks:
                # Interrupted (Ctrl-C) with a file in its hands: stopped now, not after a grace
                # period per worker; the parent sweeps its half-written temporary file.
                w.process.kill()
                continue
            try:
                w.conn.send(None)
            except OSError:
                pass
        for w in workers:
            w.process.join(timeout=1)
            _stop(w)


__all__ = ["FILE_TIMEOUT", "MAX_JOBS", "MEMORY_LIMIT", "Task", "Work", "run_pool"]
