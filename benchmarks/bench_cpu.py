"""CPU per workbook of what a batch worker does for one file, without the disk write or the
process pool: the own-output check, evaluate (read, score, check) and render (the scored copy's
bytes), inside one read.source block where the checkout has one. Best of --rounds rounds of
sample_workbooks/01..10 × --repeat, measured with time.process_time (CPU of this process, so
less disturbed by other load than wall time).

Usage: python benchmarks/bench_cpu.py [--repeat 100] [--rounds 3]
Run it from a checkout (or with PYTHONPATH at one) to time that checkout: alternating runs of
two checkouts are how before/after comparisons are made.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path
from typing import Any, Callable, ContextManager

from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.rules import load_profile
from perf_xlsx.write.scored import is_scored_output, render_scored

ROOT = Path(__file__).resolve().parent.parent

try:
    from perf_xlsx.read.source import opened
except ImportError:  # a checkout from before read.source: every step opens the file itself
    def opened(path: str) -> ContextManager[Any]:
        return contextlib.nullcontext()


def one(path: str, profile: Any) -> None:
    with opened(path):
        if is_scored_output(path):
            return
        result = evaluate_file(path, profile)
        if result.status == "scored":
            render_scored(path, result, profile)


def rounds(fn: Callable[[], None], n: int) -> float:
    best = float("inf")
    for _ in range(n):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    profile = load_profile("national_2020")
    files = [str(p) for p in sorted((ROOT / "sample_workbooks").glob("*.xlsx"))[:10]]
    for f in files:  # warm: imports, caches, the page cache
        one(f, profile)

    def run() -> None:
        for _ in range(args.repeat):
            for f in files:
                one(f, profile)

    best = rounds(run, args.rounds)
    count = len(files) * args.repeat
    print(f"{count} workbooks (sample_workbooks/01..10 × {args.repeat}), best of {args.rounds}: "
          f"{best:.2f} s CPU, {best / count * 1000:.2f} ms CPU per workbook")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
