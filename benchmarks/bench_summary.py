"""The batch summary 汇总.xlsx: perf_xlsx's writer (xlsxwriter constant_memory, with the print
layout: computed row heights, links, conditional formats, the chart, the amount check) beside a
bare xlsxwriter constant_memory writing the ranking and problem-list cells alone.

Results come from scoring the sample workbooks (and, when present, any folder given with
--inputs), repeated to N files. perf_xlsx splits its work: ``digest`` runs in the batch workers
(in parallel), the rest in the parent; both parts are timed. Run it from another checkout to
time that checkout (ROOT is the script's own tree), alternating, on a shared machine.

Usage: python benchmarks/bench_summary.py [-n 1000] [--inputs DIR] [--rounds 5] [--cold] [--peak]
Prints the median and the best of the rounds. --cold: the workers' text-measure cache
(summary_layout.lines) emptied before every file, as if no two files shared a text.
--peak: instead, the peak RSS of a process that only files N digests and writes the summary (the
batch parent's share), with the digests of the first 100 results cycled.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perf_xlsx.bulk.report import BatchReport, Outcomes  # noqa: E402
from perf_xlsx.bulk.summary import SummaryIndex, digest, write_summary  # noqa: E402
from perf_xlsx.bulk.summary_layout import lines  # noqa: E402
from perf_xlsx.judge.evaluate import evaluate_file  # noqa: E402
from perf_xlsx.results import result_to_dict  # noqa: E402
from perf_xlsx.rules import load_profile  # noqa: E402


def results(inputs: list[Path], n: int) -> list[dict[str, Any]]:
    profile = load_profile("national_2020")
    base = []
    for path in inputs:
        r = evaluate_file(str(path), profile, display_name=path.name)
        if r.status == "scored":
            base.append(result_to_dict(r))
    out = []
    for i in range(n):
        d = dict(base[i % len(base)])
        d["file"] = f"单位{i:05d}.xlsx"
        d["output"] = f"单位{i:05d}.scored.xlsx"
        out.append(d)
    return out


def ours(data: list[dict[str, Any]], folder: Path, cold: bool = False) -> tuple[float, float]:
    clear = getattr(lines, "cache_clear", None)  # a cached lines() only in newer checkouts
    if clear is not None:
        clear()  # every round starts as a new worker does
    t = time.perf_counter()
    if cold and clear is not None:
        digests = []
        for d in data:
            clear()
            digests.append(digest(d, d["output"]))
    else:
        digests = [digest(d, d["output"]) for d in data]
    worker = time.perf_counter() - t
    t = time.perf_counter()
    with tempfile.TemporaryFile(dir=folder) as spool:
        outcomes = Outcomes([d["file"] for d in data])
        index = SummaryIndex(spool, len(data))
        for i, dg in enumerate(digests):
            outcomes.set(i, "scored")
            index.add(i, dg)
        report = BatchReport(folder=str(folder), outdir=str(folder), profile="national_2020", outcomes=outcomes)
        write_summary(report, str(folder / "ours.xlsx"), load_profile("national_2020"), index)
    return worker, time.perf_counter() - t


def xlsxwriter_cm(data: list[dict[str, Any]], folder: Path) -> float:
    import xlsxwriter

    t = time.perf_counter()
    wb = xlsxwriter.Workbook(str(folder / "xw.xlsx"), {"constant_memory": True, "strings_to_formulas": False,
                                                         "strings_to_urls": False, "strings_to_numbers": False})
    text = wb.add_format({"font_name": "宋体", "font_size": 10, "border": 1})
    num = wb.add_format({"font_name": "宋体", "font_size": 10, "border": 1, "num_format": "0.00"})
    rows = sorted(((p["total"]["score"] is None, -(p["total"]["score"] or 0), i, j, d, p)
                   for i, d in enumerate(data) for j, p in enumerate(d["projects"])), key=lambda k: k[:4])
    ws = wb.add_worksheet("排名")
    for r, (_, _, _, _, d, p) in enumerate(rows, start=3):
        funds, total = p["funds"], p["total"]
        ws.write_number(r, 0, r - 2, num)
        for c, v in enumerate((p.get("department") or "", d["file"], p["sheet"], p["name"]), start=1):
            ws.write_string(r, c, v, text)
        for c, v in enumerate((funds["budget"], funds["executed"], funds["rate"], funds["score"], total["score"],
                               total["score_entered"]), start=5):
            if v is None:
                ws.write_blank(r, c, None, text)
            else:
                ws.write_number(r, c, v, num)
        ws.write_string(r, 11, total["grade"] or "—", text)
        ws.write_number(r, 12, sum(1 for f in d["findings"] if f["severity"] == "error"), num)
        ws.write_number(r, 13, sum(1 for f in d["findings"] if f["severity"] == "warning"), num)
        ws.write_url(r, 14, "external:" + d["output"], text, string=d["output"])
    ws = wb.add_worksheet("问题清单")
    r = 0
    for d in data:
        for f in d["findings"]:
            r += 1
            for c, v in enumerate((d["file"], f.get("sheet"), f.get("cell"), f["severity"], f["code"],
                                   f["message"])):
                ws.write_string(r, c, v or "", text)
            for c, key in ((6, "expected"), (7, "found")):
                v = f.get(key)
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    ws.write_number(r, c, v, num)
                else:
                    ws.write_string(r, c, "" if v is None else str(v), text)
    wb.close()
    return time.perf_counter() - t


def peak(data: list[dict[str, Any]], n: int) -> None:
    import gc
    import resource

    digests = [digest(d, d["output"]) for d in data[:100]]
    del data[:]
    gc.collect()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryFile(dir=tmp) as spool:
        outcomes = Outcomes([f"单位{i:05d}.xlsx" for i in range(n)])
        index = SummaryIndex(spool, n)
        for i in range(n):
            outcomes.set(i, "scored")
            index.add(i, digests[i % len(digests)])
        report = BatchReport(folder=tmp, outdir=tmp, profile="national_2020", outcomes=outcomes)
        write_summary(report, str(Path(tmp) / "s.xlsx"), load_profile("national_2020"), index)
    top = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"{n} results: peak RSS {top:.1f} MB (before the summary: {base:.1f} MB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="number of results (default 1000)")
    parser.add_argument("--inputs", type=Path, default=ROOT / "sample_workbooks")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="no text shared between files (see above)")
    parser.add_argument("--peak", action="store_true", help="peak memory of the parent's share instead")
    args = parser.parse_args()
    if args.peak:
        peak(results(sorted(args.inputs.glob("*.xlsx")), 100), args.n)
        return 0
    data = results(sorted(args.inputs.glob("*.xlsx")), args.n)
    findings = sum(len(d["findings"]) for d in data)
    projects = sum(len(d["projects"]) for d in data)
    timings: dict[str, list[float]] = {"perf_xlsx: digest (workers)": [], "perf_xlsx: parent": [],
                                       "bare xlsxwriter constant_memory": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for _ in range(args.rounds):  # interleaved, so both see the same machine load
            worker, parent = ours(data, folder, args.cold)
            timings["perf_xlsx: digest (workers)"].append(worker)
            timings["perf_xlsx: parent"].append(parent)
            timings["bare xlsxwriter constant_memory"].append(xlsxwriter_cm(data, folder))
    print(f"{args.n} results, {projects} projects, {findings} findings; {args.rounds} rounds: median, best")
    med = {k: statistics.median(v) for k, v in timings.items()}
    for k, v in med.items():
        print(f"{k:<32} {v * 1000:9.1f} ms {min(timings[k]) * 1000:9.1f} ms")
    total = med["perf_xlsx: digest (workers)"] + med["perf_xlsx: parent"]
    bare = med["bare xlsxwriter constant_memory"]
    print(f"bare xlsxwriter ÷ perf_xlsx (all work)    = {bare / total:.2f}")
    print(f"bare xlsxwriter ÷ perf_xlsx (serial part) = {bare / med['perf_xlsx: parent']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
