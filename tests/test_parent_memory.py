"""The batch parent holds no Python object per file (issue 16: its peak memory flat in the
number of files). Measured as allocations (tracemalloc), which are deterministic, not as RSS
or time: a batch of 400 files may hold at most a few hundred bytes a file more than one of 100
(it held about 3 KB a file when the state kept an Entry per file, the duplicate search a tuple
of hash and keys per file, the summary a list per project)."""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import shutil
import tracemalloc
from pathlib import Path
from typing import Any, Callable, TypeVar

import pytest

from perf_xlsx.bulk import pool, summary_sheets
from perf_xlsx.bulk.run import run_batch
from perf_xlsx.bulk.state import Entry, State
from perf_xlsx.bulk.summary_layout import lines
from perf_xlsx.bulk.work import process_one
from perf_xlsx.rules import load_profile

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_workbooks" / "01-示例-芙蓉区商务局2021.xlsx"
SMALL, LARGE = 200, 600
# Bytes a file the parent may hold at its peak. It holds about 1.2 KB here (paths, arrays,
# Submissions, and what only looks per file at these sizes: the interpreter's free lists, the
# summary writer's buffers filling to their bound); it held 4.3 KB before issue 16.
PER_FILE = 2000


def _replaying_pool(outcome: dict[str, Any], stem: bytes, scored: Path) -> Callable[..., None]:
    """run_pool's stand-in: every file gets the sample's outcome (its name put in), in this
    process, unpickled as a worker's would be. The parent's side is what is measured."""

    def run(tasks: Any, make_task: Any, profile_spec: Any, jobs: Any, on_done: Any, **_: Any) -> None:
        for index in tasks:
            _, rel, out_path = make_task(index)
            name = rel.rsplit(".", 1)[0].encode()
            data = pickle.dumps(outcome).replace(stem, name)  # names of equal length: pickle stays valid
            one = pickle.loads(data)
            os.link(scored, out_path)
            st = os.stat(out_path)
            # Each copy a hash of its own, as real scored copies have.
            one["output_sha256"] = hashlib.sha256(name).hexdigest()
            one["output_size"], one["output_mtime_ns"] = st.st_size, st.st_mtime_ns
            on_done(index, one)

    return run


def _held_at_peak(tmp: Path, n: int, monkeypatch: pytest.MonkeyPatch, outcome: dict[str, Any], scored: Path
                  ) -> int:
    folder = tmp / f"in{n}"
    folder.mkdir()
    for i in range(n):
        shutil.copyfile(SAMPLE, folder / f"f{i:04d}.xlsx")
    monkeypatch.setattr(pool, "run_pool", _replaying_pool(outcome, b"f9999", scored))
    held, report = traced_growth(lambda: run_batch(str(folder), str(tmp / f"out{n}"), jobs=1))
    assert report.count("scored") == n and report.extras is not None and report.extras.duplicates
    return held


def traced_growth(call: Callable[[], T]) -> tuple[int, T]:
    """How far the traced memory rose above where it stood while ``call`` ran, and its result."""
    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        result = call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base, result


def test_the_batch_parent_holds_no_object_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scored = tmp_path / "f9999.scored.xlsx"
    outcome = process_one(str(SAMPLE), "f9999.xlsx", str(scored), load_profile(None))
    assert outcome["status"] == "scored"
    # Bounded caches fill as the files come (to their bound, then they are flat): left out.
    monkeypatch.setattr(summary_sheets, "lines", lines.__wrapped__)
    held = {}
    for n in (SMALL, SMALL, LARGE):  # the first run makes what is made once (imports, formats …)
        run = tmp_path / f"run{len(held)}-{n}"
        run.mkdir()
        held[n] = _held_at_peak(run, n, monkeypatch, outcome, scored)
    per_file = (held[LARGE] - held[SMALL]) / (LARGE - SMALL)
    assert per_file < PER_FILE, (held, per_file)


def test_the_state_holds_a_slot_per_file_not_an_entry(tmp_path: Path) -> None:
    files = [f"单位{i:05d}.xlsx" for i in range(2000)]  # the caller's paths, made before measuring
    entries = [Entry(file=f, size=1, mtime_ns=1, sha256=hashlib.sha256(f.encode()).hexdigest(), profile="p",
                     version="v", status="scored", output=f + ".scored.xlsx",
                     output_sha256=hashlib.sha256(f.encode() + b"out").hexdigest(), keys=[["单位", f, 2021]],
                     grades=["优"], line=b'{"file":"%s"}' % f.encode()) for f in files]
    state = State(str(tmp_path), "p")
    state.put(entries[0])  # the journal opened, the first slot made
    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        for e in entries[1:]:
            state.put(e)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del entries
    # A slot number, 28 bytes of arrays, the 32 bytes of the copy's hash and the dict's room:
    # about 130 bytes. An Entry object alone, with its strings and lists, is over 1 KB.
    assert (held - base) / 1999 < 200, (held - base) / 1999
    assert state.entries[files[7]].keys == [["单位", files[7], 2021]]
    state.close()
