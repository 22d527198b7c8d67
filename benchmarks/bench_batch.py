"""Batch throughput of `perf-xlsx batch`, beside two references timed in the same run on the
same files (docs: ../shared/docs/performance.md):

- naive: openpyxl, as ../shared/docs/performance.md measured it: the cached values read with
  read_only + data_only, then load_workbook (full, formulas kept) + add two sheets + save,
  2 processes; also printed: the same with the full load only (cheaper, but formula cells read
  as their formula text, so it could not score);
- floor: python-calamine read of every sheet + copying the zip parts with two small sheet parts
  appended (workbook.xml, rels and content types patched), 2 processes.

Inputs: K distinct template-sized workbooks (15–25 indicators, merged 一级/二级 cells), re-saved
by LibreOffice so formulas carry cached values, copied to N files.

Usage: python benchmarks/bench_batch.py [-n 1000] [--distinct 40] [--skip-naive] [--flat 10000] [--vary]
                                       [--inputs DIR]
Prints workbooks/s, the ratios against the goals, and the peak RSS of the largest process.
--inputs DIR keeps the LibreOffice-saved workbooks in DIR/lo-K, K = --distinct (built there on the
first run, about a minute; give DIR itself, not DIR/lo-40): alternating runs then time the same inputs, which is how before/after comparisons of
the tool are made on a noisy machine. `python -m perf_xlsx` is the package of the current
directory, so running this script from another checkout times that checkout.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from warm import compile_package  # noqa: E402  (benchmarks/, the script's own folder)


def make_inputs(folder: Path, n: int, distinct: int, saved: Path, vary: bool = False) -> Path:
    """N copies of the distinct workbooks in ``saved`` (built there first if it lacks them)."""
    if not (saved.is_dir() and len(list(saved.glob("*.xlsx"))) == distinct):
        build_distinct(folder, saved, distinct)
    return copies(saved, folder / "in", n, vary)


def build_distinct(folder: Path, saved: Path, distinct: int) -> None:
    from builders import libreoffice_resave, make_workbook, seed_spec, spec_from_case

    rng = random.Random(20211231)
    pool = [ind for case in sorted((ROOT / "tests" / "data" / "real-cases").glob("*.json"))
            for ind in spec_from_case(case)["indicators"] if ind.get("weight") and ind.get("target")]
    raw = folder / "raw"
    raw.mkdir()
    for k in range(distinct):
        spec = seed_spec("招商节会" if k % 2 else "农贸市场提质改造")
        spec["project_name"] = f"项目{k:03d}"
        extra = rng.sample(pool, rng.randint(15, 25) - len(spec["indicators"])) if len(spec["indicators"]) < 15 else []
        spec["indicators"] = (spec["indicators"] + extra)[:25]
        make_workbook(raw / f"w{k:03d}.xlsx", [spec])
    saved.mkdir(parents=True, exist_ok=True)
    for path in sorted(raw.glob("*.xlsx")):
        libreoffice_resave(path, saved)


def copies(saved: Path, inputs: Path, n: int, vary: bool = False) -> Path:
    inputs.mkdir()
    sources = sorted(saved.glob("*.xlsx"))
    for i in range(n):
        target = inputs / f"单位{i:05d}.xlsx"
        if vary:
            varied(sources[i % len(sources)], target, i)
        else:
            shutil.copyfile(sources[i % len(sources)], target)
    return inputs


def varied(src: Path, target: Path, i: int) -> None:
    """A copy whose every XML part differs from every other copy's in its bytes (i + 1
    newlines after the root element, which XML allows and no reader gives a meaning), so that
    nothing the tool remembers by a part's content is reused from one file to the next: what a
    folder of workbooks saved by different people and programs costs. (Plain copies of 40
    files let such caches hit on 39 files of 40.)"""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith((".xml", ".rels")):
                data = data.rstrip() + b"\n" * (i + 1)
            zout.writestr(info, data)


# --- references --------------------------------------------------------------------------

SHEET = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
         '{rows}</sheetData></worksheet>')


def _naive_save(wb: Any, out: str, number: float) -> None:
    summary = wb.create_sheet("汇总", 0)
    summary.append(["数值合计", number])
    detail = wb.create_sheet("评分明细", 1)
    for i in range(20):
        detail.append([i, "指标", 10, 10])
    wb.save(out)


def naive_one(args: tuple[str, str]) -> None:
    """The naive tool that keeps the user's formulas, as ../shared/docs/performance.md measured
    it ("pure openpyxl"): openpyxl gives a formula's cached result only with data_only=True,
    and a data_only workbook saved back loses every formula, so it loads the file twice."""
    import openpyxl

    src, out = args
    book = openpyxl.load_workbook(src, read_only=True, data_only=True)
    number = sum(c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
                 if isinstance(c, (int, float)))
    book.close()
    _naive_save(openpyxl.load_workbook(src), out, number)


def naive_one_load(args: tuple[str, str]) -> None:
    """One full load only: cheaper, but every formula cell reads as its formula text, so
    nothing computed from the funds block (执行率, 得分, 总分) could be right."""
    import openpyxl

    src, out = args
    wb = openpyxl.load_workbook(src)
    number = sum(c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
                 if isinstance(c, (int, float)))
    _naive_save(wb, out, number)


def floor_one(args: tuple[str, str]) -> None:
    from python_calamine import CalamineWorkbook

    src, out = args
    book = CalamineWorkbook.from_path(src)
    cells = 0
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        cells += sum(1 for row in sheet.to_python() for c in row if c != "")
        _ = sheet.merged_cell_ranges
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>指标{r}</t></is></c>'
                   f'<c r="B{r}"><v>{cells}</v></c></row>' for r in range(1, 21))
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        names = zin.namelist()
        for name in names:
            data = zin.read(name)
            if name == "xl/workbook.xml":
                data = data.replace(b"</sheets>", b'<sheet name="x1" sheetId="901" r:id="rIdX1"/>'
                                    b'<sheet name="x2" sheetId="902" r:id="rIdX2"/></sheets>')
            elif name == "xl/_rels/workbook.xml.rels":
                rel = ('<Relationship Id="rIdX{0}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       'relationships/worksheet" Target="worksheets/x{0}.xml"/>')
                data = data.replace(b"</Relationships>", (rel.format(1) + rel.format(2)).encode() + b"</Relationships>")
            elif name == "[Content_Types].xml":
                ct = ('<Override PartName="/xl/worksheets/x{0}.xml" ContentType="application/'
                      'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
                data = data.replace(b"</Types>", (ct.format(1) + ct.format(2)).encode() + b"</Types>")
            zout.writestr(name, data)
        for k in (1, 2):
            zout.writestr(f"xl/worksheets/x{k}.xml", SHEET.format(rows=rows))


def reference(kind: str, inputs: str, out: str) -> None:
    files = sorted(Path(inputs).glob("*.xlsx"))
    Path(out).mkdir(parents=True, exist_ok=True)
    work = [(str(f), str(Path(out) / f.name)) for f in files]
    one = {"naive": naive_one, "naive1": naive_one_load, "floor": floor_one}[kind]
    with mp.get_context("fork").Pool(2) as pool:
        list(pool.imap_unordered(one, work, chunksize=8))


NAIVE = "naive (openpyxl values + load/add/save)"
NAIVE1 = "naive, one load (formulas as text)"


# --- measuring ---------------------------------------------------------------------------


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of the largest process of cmd's tree."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
             "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)")
    out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, check=True)
    wall, rss_kb, rc = out.stdout.split()
    if rc not in ("0", "1"):
        raise SystemExit(f"{cmd} failed with exit code {rc}")
    return float(wall), int(rss_kb) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="number of workbooks (default 1000)")
    parser.add_argument("--distinct", type=int, default=40, help="distinct LibreOffice-saved workbooks")
    parser.add_argument("--skip-naive", action="store_true", help="skip the slow openpyxl reference")
    parser.add_argument("--flat", type=int, default=0, metavar="N2",
                        help="also run batch --jobs 2 on N2 files and compare peak RSS (e.g. 10000)")
    parser.add_argument("--vary", action="store_true",
                        help="make every copy's XML parts differ in their bytes (see varied())")
    parser.add_argument("--inputs", type=Path, default=None, metavar="DIR",
                        help="keep (and reuse) the LibreOffice-saved workbooks in DIR/lo-K (K = --distinct)")
    parser.add_argument("--run", nargs=3, metavar=("KIND", "IN", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        reference(*args.run)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        t = time.perf_counter()
        saved = args.inputs / f"lo-{args.distinct}" if args.inputs else base / "lo"
        inputs = make_inputs(base, args.n, args.distinct, saved, args.vary)
        compile_package(ROOT / "perf_xlsx")
        print(f"inputs: {args.n} workbooks ({args.distinct} distinct, LibreOffice-saved"
              f"{', every XML part varied' if args.vary else ''}) built in "
              f"{time.perf_counter() - t:.1f} s")
        me = Path(__file__).resolve()
        runs = {
            "perf-xlsx batch --jobs 2": [sys.executable, "-m", "perf_xlsx", "batch", str(inputs), "-o",
                                         str(base / "o2"), "--jobs", "2"],
            "perf-xlsx batch --jobs 1": [sys.executable, "-m", "perf_xlsx", "batch", str(inputs), "-o",
                                         str(base / "o1"), "--jobs", "1"],
            "floor (calamine + zip copy, 2 procs)": [sys.executable, str(me), "--run", "floor", str(inputs),
                                                     str(base / "floor")],
        }
        if not args.skip_naive:
            runs[NAIVE] = [sys.executable, str(me), "--run", "naive", str(inputs), str(base / "naive")]
            runs[NAIVE1] = [sys.executable, str(me), "--run", "naive1", str(inputs), str(base / "naive1")]
        results = {name: measure(cmd) for name, cmd in runs.items()}
        if args.flat:
            big = copies(saved, base / "in_flat", args.flat, args.vary)
            flat_wall, flat_rss = measure([sys.executable, "-m", "perf_xlsx", "batch", str(big), "-o",
                                           str(base / "o_flat"), "--jobs", "2"])
            shutil.rmtree(big)
            shutil.rmtree(base / "o_flat")
    print(f"\n{'pipeline':<42} {'s':>8} {'wb/s':>9} {'peak RSS MB':>12}")
    for name, (wall, rss) in results.items():
        print(f"{name:<42} {wall:>8.2f} {args.n / wall:>9.1f} {rss:>12.1f}")
    ours = args.n / results["perf-xlsx batch --jobs 2"][0]
    floor = args.n / results["floor (calamine + zip copy, 2 procs)"][0]
    one = args.n / results["perf-xlsx batch --jobs 1"][0]
    print(f"\nbatch ÷ floor          = {ours / floor:.2f}  (goal ≥ 0.40 at N = 1000, issue 16)")
    print(f"jobs 2 ÷ jobs 1        = {ours / one:.2f}  (goal ≥ 1.70)")
    if not args.skip_naive:
        naive = args.n / results[NAIVE][0]
        naive1 = args.n / results[NAIVE1][0]
        # Reported, not a goal (issue 16): naive is 11–26× slower than the floor depending on the
        # files, so a fixed multiple of naive could ask for more than the floor itself.
        print(f"batch ÷ naive          = {ours / naive:.1f}  (naive as in performance.md, two loads)")
        print(f"batch ÷ naive, 1 load  = {ours / naive1:.1f}  (formulas read as text: cannot score)")
    print(f"largest process RSS    = {results['perf-xlsx batch --jobs 2'][1]:.1f} MB  (goal ≤ 150 MB, flat in N)")
    if args.flat:
        ratio = flat_rss / results["perf-xlsx batch --jobs 2"][1]
        print(f"N = {args.flat}: batch --jobs 2 {flat_wall:.2f} s ({args.flat / flat_wall:.1f} wb/s), largest process "
              f"RSS {flat_rss:.1f} MB = {ratio:.2f}× N = {args.n} (goal ≤ 1.20)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
