"""Golden set: what the tool produces today, byte for byte, as guard rails for refactoring.

Compared with the committed files under ``tests/golden/``:

* ``samples/<name>.json`` — for every ``sample_workbooks/*.xlsx``: the JSON result (what
  ``perf-xlsx score FILE --json -`` prints, run from the repository root) and the sha256 of
  every part (zip member) of the scored copy (``perf-xlsx score FILE``'s output).
* ``corpus/<name>.json`` — the same for a generated corpus (:func:`corpus_entries`: the six
  real cases and the seed projects in the builder layouts, money in 元, unit sheets, wrong
  entries, the other rules profiles, a values-only copy, unreadable files).
* ``batch.json`` — ``perf-xlsx batch sample_workbooks --jobs 1``: the sha256 of every part of
  汇总.xlsx, results.jsonl and skipped.jsonl (parsed lines and the file's digest), the counts
  and the exit code. Each per-file scored copy of the batch must equal the sample's golden one.
* ``manifest.json`` — the names in the set and the environment the corpus was built in.

Regenerate (after a change that is *meant* to alter the output; review ``git diff tests/golden``)::

    python tests/test_golden.py --update    # rewrite tests/golden/
    python tests/test_golden.py             # compare without pytest; exit 1 on a difference

What is normalised, and why:

* Generated corpus inputs: openpyxl stamps the current time in ``docProps/core.xml``
  (dcterms:created / modified) and in the zip headers. Each built workbook is rewritten with
  those fixed (:func:`stabilise`), as ``tools/make_samples.py`` does for the samples, so the
  inputs — and the scored copies, which copy most input parts byte for byte — are the same on
  every run.
* The input bytes still depend on the versions of openpyxl and its XML writer (et_xmlfile; it
  is told not to use lxml, OPENPYXL_LXML=False, as tests/conftest.py does, since lxml changes
  where namespaces are declared) and, for the values-only copy, of xlsxwriter. So a corpus
  result's ``sha256`` (of the input) is checked against the generated file and stored as
  ``<sha256 of the generated input>``, and the corpus *scored-copy digests* are compared only
  in the environment recorded in manifest.json (skipped elsewhere, with the reason). The
  corpus JSON results and everything about the samples and the batch are compared everywhere.
* The tool's version, written into every output's ``docProps/custom*.xml``
  (``perf_xlsx_output``), is replaced by ``{version}`` before digesting, so that a release
  bump is not a golden change; a different string (a broken version lookup) still is.
* The batch writes no timestamps, elapsed times or absolute paths into its files (checked by
  running it twice into different folders), so nothing else is normalised there.

Zip-level metadata (member timestamps, compression) is not compared: only part contents (and
which parts exist, in which order). The whole test takes about 3 seconds.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
if str(TESTS) not in sys.path:  # `import builders` when run as a script too
    sys.path.insert(0, str(TESTS))
# As tests/conftest.py does, and before openpyxl is imported: the corpus is built with
# openpyxl's ElementTree writer whether or not lxml is installed (same bytes under pytest and
# from the script).
os.environ["OPENPYXL_LXML"] = "False"

import builders  # noqa: E402
import et_xmlfile  # noqa: E402
import openpyxl  # noqa: E402
import pytest  # noqa: E402
import xlsxwriter  # noqa: E402
from openpyxl.xml import LXML  # noqa: E402

import perf_xlsx  # noqa: E402
from perf_xlsx.bulk.run import SUMMARY_NAME, run_batch  # noqa: E402
from perf_xlsx.judge.evaluate import evaluate_file, sha256_file  # noqa: E402
from perf_xlsx.read.legacy import as_xlsx  # noqa: E402
from perf_xlsx.results import result_to_dict  # noqa: E402
from perf_xlsx.rules import DEFAULT_PROFILE, Profile, load_profile  # noqa: E402
from perf_xlsx.write.scored import render_scored  # noqa: E402

GOLDEN = TESTS / "golden"
SAMPLES = ROOT / "sample_workbooks"
SAMPLE_PREFIX = "sample_workbooks/"  # the display name: `perf-xlsx score sample_workbooks/NAME`
GENERATED_SHA = "<sha256 of the generated input>"
VERSION_MARK = "{version}"
STABLE_TIME = b"2020-01-01T00:00:00Z"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
DIFF_LINES = 80

# --- scoring one workbook -----------------------------------------------------------------


def _version_normalised(name: str, data: bytes) -> bytes:
    if re.fullmatch(r"docProps/custom\d*\.xml", name):
        version = str(getattr(perf_xlsx, "__version__", "0")).encode()
        return data.replace(b"<vt:lpwstr>" + version + b"</vt:lpwstr>",
                            b"<vt:lpwstr>" + VERSION_MARK.encode() + b"</vt:lpwstr>")
    return data


def part_digests(data: bytes) -> dict[str, str]:
    """sha256 of every member of a zip, in the zip's order (the version mark normalised)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: hashlib.sha256(_version_normalised(info.filename, zf.read(info))).hexdigest()
                for info in zf.infolist()}


def score(path: Path, display: str, profile: Profile) -> dict[str, Any]:
    """The JSON result and the scored copy's part digests (None when nothing is written), as
    `perf-xlsx score` computes them."""
    result = evaluate_file(str(path), profile, display_name=display)
    parts = None
    if result.status == "scored":
        with as_xlsx(str(path), result.model) as source:
            parts = part_digests(render_scored(source, result, profile))
    return {"result": result_to_dict(result), "scored_parts": parts}


def sample_names() -> list[str]:
    return sorted(p.name for p in SAMPLES.glob("*.xlsx"))


def sample_golden(name: str) -> dict[str, Any]:
    return score(SAMPLES / name, SAMPLE_PREFIX + name, load_profile(DEFAULT_PROFILE))


# --- the generated corpus -------------------------------------------------------------------

_CORE_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def stabilise(path: Path) -> None:
    """Fixed timestamps in docProps/core.xml and in the zip headers (openpyxl stamps the time)."""
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            if info.filename == "docProps/core.xml":
                data = _CORE_TIME.sub(rb"\g<1>" + STABLE_TIME + rb"\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            zout.writestr(fixed, data)


def _seed_pair() -> list[dict[str, Any]]:
    return [builders.seed_spec("招商节会"), builders.seed_spec("农贸市场提质改造")]


def _in_yuan(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with its amounts in 元 (×10000) and the table saying so."""
    for row in spec["funds"].values():
        for key in ("initial", "full_year", "executed"):
            if isinstance(row.get(key), (int, float)):
                row[key] = round(row[key] * 10000, 2)
    spec["money_unit"] = "元"
    return spec


def _edited(edit: Callable[[dict[str, Any]], None], name: str = "招商节会") -> list[dict[str, Any]]:
    spec = builders.seed_spec(name)
    edit(spec)
    return [spec]


def _shortfall(spec: dict[str, Any]) -> None:
    spec["indicators"][0]["actual"] = "2场"  # target ≥3场, score left at full marks, no reason


def _overspent(spec: dict[str, Any]) -> None:
    spec["funds"]["total"].update(executed=230, rate="115%")
    spec["funds"]["current_appropriation"]["executed"] = 230


def _weights_off(spec: dict[str, Any]) -> None:
    spec["indicators"][2].update(weight=20, score=20)  # indicators now weigh 100, not 90


def _no_scores(spec: dict[str, Any]) -> None:
    spec["funds"]["total"].update(weight=None, score=None)
    for ind in spec["indicators"]:
        ind.update(weight=None, score=None)
    spec["total_score_published"] = None


def _wrong_total(spec: dict[str, Any]) -> None:
    spec["total_score_published"] = 95


LONG_MARK = "LONG-TEXT-MARK"


def _long_text(spec: dict[str, Any]) -> None:
    spec["goal_actual"] = LONG_MARK  # replaced in the sheet's XML by _with_long_text


@dataclass(frozen=True)
class Workbook:
    """One generated input: ``build(path)`` writes it."""

    file: str
    build: Callable[[Path], None]


PLAIN = builders.Layout()


def _xlsx(projects: Callable[[], list[dict[str, Any]]], layout: builders.Layout = PLAIN,
          unit: bool = False, unit_total: Optional[dict[str, Any]] = None) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        specs = projects()
        sheet = builders.unit_sheet_from_specs(specs, total=unit_total) if unit else None
        builders.make_workbook(path, specs, unit_sheet=sheet, layout=layout)
        stabilise(path)

    return build


def _with_long_text(build: Callable[[Path], None]) -> Callable[[Path], None]:
    """Over Excel's 32767 characters in one cell (openpyxl cuts such text, so it is put into the
    XML afterwards): the reader truncates it and the scored copy holds values only."""
    def patched(path: Path) -> None:
        build(path)
        with zipfile.ZipFile(path) as zin:
            items = [(info, zin.read(info)) for info in zin.infolist()]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
            for info, data in items:
                zout.writestr(info, data.replace(LONG_MARK.encode(), ("完成" * 17000).encode()))

    return patched


def _no_table(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "说明"
    ws["A1"] = "本表无数据"
    wb.save(path)
    stabilise(path)


def _bytes(data: bytes) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(data)

    return build


def _case(prefix: str) -> Callable[[], list[dict[str, Any]]]:
    return lambda: [builders.spec_from_case(prefix)]


def corpus_workbooks() -> list[Workbook]:
    """The generated inputs, in a fixed order."""
    v = builders.LAYOUT_VARIANTS
    cases = [p.name.split("-", 1)[0] for p in builders.case_paths()]
    # Each real case in the plain layout and in two others; between them every variant is used.
    pairs = [("colons", "formulas"), ("linebreaks", "percent_cells"), ("suffixes", "extra_rows"),
             ("traditional", "bare"), ("split_target", "everything"), ("offset", "formulas")]
    out: list[Workbook] = []
    for case, (a, b) in zip(cases, pairs):
        for variant in ("plain", a, b):
            out.append(Workbook(f"case{case}-{variant}.xlsx", _xlsx(_case(case), v[variant])))
    # The two seed projects with the 项目清单 unit sheet, in several layouts.
    for variant in ("plain", "formulas", "percent_cells", "traditional", "bare", "everything"):
        out.append(Workbook(f"seed-unit-{variant}.xlsx", _xlsx(_seed_pair, v[variant], unit=True)))
    out += [
        Workbook("seed-unit-yuan.xlsx", _xlsx(lambda: [_in_yuan(s) for s in _seed_pair()],
                                              builders.Layout(money_unit="元"), unit=True)),
        Workbook("seed-yuan-split.xlsx", _xlsx(lambda: [_in_yuan(builders.seed_spec("招商节会"))],
                                               v["split_target"])),
        Workbook("seed-unit-total-off.xlsx", _xlsx(_seed_pair, unit=True, unit_total={
            "initial": 450, "full_year": 450, "executed": 436.5})),
        Workbook("seed-three-cases.xlsx", _xlsx(lambda: [builders.spec_from_case(c) for c in ("001", "004", "007")],
                                                unit=True)),
        Workbook("seed-shortfall.xlsx", _xlsx(lambda: _edited(_shortfall))),
        Workbook("seed-overspent.xlsx", _xlsx(lambda: _edited(_overspent))),
        Workbook("seed-weights-off.xlsx", _xlsx(lambda: _edited(_weights_off))),
        Workbook("seed-no-scores.xlsx", _xlsx(lambda: _edited(_no_scores, "农贸市场提质改造"))),
        Workbook("seed-wrong-total.xlsx", _xlsx(lambda: _edited(_wrong_total))),
        Workbook("seed-long-text.xlsx", _with_long_text(_xlsx(lambda: _edited(_long_text)))),
        Workbook("fail-no-table.xlsx", _no_table),
        Workbook("fail-empty.xlsx", _bytes(b"")),
        Workbook("fail-text.xlsx", _bytes("项目名称,得分\n招商节会,99\n".encode())),
    ]
    return out


#: Inputs also scored with the other built-in profiles.
OTHER_PROFILES = ("sichuan_2023", "hb_20_40_40", "provincial_strict")
PROFILE_INPUTS = ("case004-plain.xlsx", "seed-unit-plain.xlsx")


def corpus_entries() -> list[tuple[str, str, str]]:
    """(entry name, input file, profile): every generated input with the default profile, and a
    few with each other profile (entry ``<stem>@<profile>``)."""
    entries = [(w.file.removesuffix(".xlsx"), w.file, DEFAULT_PROFILE) for w in corpus_workbooks()]
    for profile in OTHER_PROFILES:
        entries += [(f"{f.removesuffix('.xlsx')}@{profile}", f, profile) for f in PROFILE_INPUTS]
    return entries


def build_corpus(folder: Path) -> None:
    for workbook in corpus_workbooks():
        workbook.build(folder / workbook.file)


def corpus_record(folder: Path, name: str, file: str, profile_name: str, profile: Profile) -> dict[str, Any]:
    """The golden record of one corpus entry; ``folder`` holds its built input."""
    path = folder / file
    record = score(path, file, profile)
    # The input's bytes come from openpyxl (and lxml / xlsxwriter), not from perf_xlsx: check
    # the digest is the input's, then store a placeholder (see the module docstring).
    assert record["result"]["sha256"] == sha256_file(str(path)), name
    record["result"]["sha256"] = GENERATED_SHA
    return {"input": file, "profile": profile_name, **record}


def corpus_golden(folder: Path) -> dict[str, dict[str, Any]]:
    """Entry name → golden record; ``folder`` holds the built corpus."""
    profiles: dict[str, Profile] = {}
    return {name: corpus_record(folder, name, file, profile_name,
                                profiles.setdefault(profile_name, load_profile(profile_name)))
            for name, file, profile_name in corpus_entries()}


def environment() -> dict[str, Any]:
    """What the corpus inputs' bytes depend on besides perf_xlsx."""
    return {"openpyxl": openpyxl.__version__, "lxml": bool(LXML), "et_xmlfile": et_xmlfile.__version__,
            "xlsxwriter": xlsxwriter.__version__}


# --- the batch ------------------------------------------------------------------------------


def _jsonl(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return {"sha256": hashlib.sha256(data).hexdigest(),
            "lines": [json.loads(line) for line in data.decode("utf-8").splitlines()]}


def summary_cells(data: bytes) -> dict[str, list[list[Any]]]:
    """汇总.xlsx as its cells show it (sheet → rows of values, trailing blanks dropped). The
    part digests depend on xlsxwriter's version as well as on perf_xlsx; this does not, so it is
    compared in any environment and the digests only where xlsxwriter is the recorded one."""
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        out: dict[str, list[list[Any]]] = {}
        for ws in wb.worksheets:
            rows = []
            for row in ws.iter_rows(values_only=True):
                values = [v.isoformat() if hasattr(v, "isoformat") else v for v in row]
                while values and values[-1] is None:
                    values.pop()
                rows.append(values)
            out[ws.title] = rows
        return out
    finally:
        wb.close()


def summary_digests_comparable() -> bool:
    """The 汇总 part digests were recorded with this xlsxwriter (its output bytes vary by version)."""
    recorded = _manifest().get("corpus_environment", {}).get("xlsxwriter")
    return recorded == xlsxwriter.__version__


def batch_golden(outdir: Path) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """The batch record, and the part digests of each scored copy it wrote (by file name)."""
    # 汇总.xlsx prints its 生成时间; SOURCE_DATE_EPOCH pins it (and the file's created date).
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1577836800"  # 2020-01-01 00:00 UTC
    # 重复提交 lists each submission's modification time, which a checkout sets to its own
    # time: the batch reads a copy of the samples with one pinned mtime.
    inbox = outdir.parent / "batch-inbox"
    shutil.copytree(SAMPLES, inbox)
    for path in inbox.iterdir():
        os.utime(path, (1577836800, 1577836800))
    try:
        report = run_batch(str(inbox), str(outdir), jobs=1)
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    with open(outdir / SUMMARY_NAME, "rb") as fh:
        summary_bytes = fh.read()
    summary = part_digests(summary_bytes)
    record = {
        "report": {"exit_code": report.exit_code, "interrupted": report.interrupted,
                   "scored": report.count("scored"), "failed": report.count("failed"),
                   "skipped": report.count("skipped"), "projects": report.projects},
        "files": sorted(p.name for p in outdir.iterdir()),
        "summary_parts": summary,
        "summary_cells": summary_cells(summary_bytes),
        "results.jsonl": _jsonl(outdir / "results.jsonl"),
        "skipped.jsonl": _jsonl(outdir / "skipped.jsonl"),
    }
    copies = {p.name: part_digests(p.read_bytes()) for p in sorted(outdir.glob("*.scored.xlsx"))}
    return record, copies


# --- everything -----------------------------------------------------------------------------


def compute_all(work: Path) -> dict[str, Any]:
    """``{"files": {golden file relative to tests/golden: content}, "batch_copies": {scored copy
    the batch wrote: part digests}}``; ``work`` is an empty scratch folder."""
    corpus_dir = work / "corpus"
    corpus_dir.mkdir()
    build_corpus(corpus_dir)
    corpus = corpus_golden(corpus_dir)
    batch, copies = batch_golden(work / "batch")
    files: dict[str, Any] = {f"samples/{name}.json": sample_golden(name) for name in sample_names()}
    files.update({f"corpus/{name}.json": record for name, record in corpus.items()})
    files["batch.json"] = batch
    files["manifest.json"] = manifest(list(corpus))
    return {"files": files, "batch_copies": copies}


def manifest(corpus_names: list[str]) -> dict[str, Any]:
    return {"samples": sample_names(), "corpus": corpus_names, "corpus_environment": environment(),
            "profile": DEFAULT_PROFILE}


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def load(rel: str) -> Any:
    path = GOLDEN / rel
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `python tests/test_golden.py --update`",
                    pytrace=False)
    return json.loads(path.read_text(encoding="utf-8"))


def write_golden(files: Mapping[str, Any]) -> list[str]:
    """Write the golden set; remove golden files no longer produced. Returns what changed."""
    changed = []
    wanted = {GOLDEN / rel for rel in files}
    for rel, data in files.items():
        path = GOLDEN / rel
        text = dumps(data)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(rel)
    for path in sorted(GOLDEN.rglob("*.json")):
        if path not in wanted:
            path.unlink()
            changed.append(f"{path.relative_to(GOLDEN).as_posix()} (removed)")
    return changed


# --- reporting differences ------------------------------------------------------------------


def json_paths(expected: Any, actual: Any, path: str = "$", limit: int = 12) -> list[str]:
    """Where two JSON values differ, as paths with both values (at most ``limit``)."""
    out: list[str] = []

    def short(x: Any) -> str:
        text = json.dumps(x, ensure_ascii=False)
        return text if len(text) <= 100 else text[:97] + "..."

    def walk(e: Any, a: Any, p: str) -> None:
        if len(out) >= limit:
            return
        if isinstance(e, dict) and isinstance(a, dict):
            for k in e:
                if k not in a:
                    out.append(f"{p}.{k}: missing (expected {short(e[k])})")
                else:
                    walk(e[k], a[k], f"{p}.{k}")
            for k in a:
                if k not in e:
                    out.append(f"{p}.{k}: unexpected {short(a[k])}")
            if [k for k in e if k in a] != [k for k in a if k in e] and len(out) < limit:
                out.append(f"{p}: key order changed")
        elif isinstance(e, list) and isinstance(a, list):
            for i, (x, y) in enumerate(zip(e, a)):
                # results.jsonl lines: name the file, not only the position
                label = f"{i} file={x['file']}" if isinstance(x, dict) and isinstance(x.get("file"), str) else i
                walk(x, y, f"{p}[{label}]")
            if len(e) != len(a):
                out.append(f"{p}: {len(e)} items expected, {len(a)} found")
        elif e != a or type(e) is not type(a):
            out.append(f"{p}: expected {short(e)}, got {short(a)}")

    walk(expected, actual, path)
    return out[:limit]


def json_mismatch(what: str, expected: Any, actual: Any) -> Optional[str]:
    """None if equal (key order included); else where, and a short unified diff."""
    # Compact JSON goes through the C encoder (indented output does not); two values print alike
    # compact exactly when they print alike indented, so the indented text is made for a diff only.
    if json.dumps(expected, ensure_ascii=False) == json.dumps(actual, ensure_ascii=False):
        return None
    old, new = dumps(expected), dumps(actual)
    if old == new:
        return None
    diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), "golden", "now", n=2, lineterm=""))
    if len(diff) > DIFF_LINES:
        diff = diff[:DIFF_LINES] + [f"... ({len(diff) - DIFF_LINES} more diff lines)"]
    paths = json_paths(expected, actual)
    return (f"{what} differs from the golden set:\n  " + "\n  ".join(paths) + "\n" + "\n".join(diff))


def parts_mismatch(what: str, expected: Optional[Mapping[str, str]], actual: Optional[Mapping[str, str]]
                   ) -> Optional[str]:
    """None if the same parts with the same digests in the same order; else which parts differ."""
    if expected == actual and (expected is None or list(expected) == list(actual or {})):
        return None
    if expected is None or actual is None:
        state = {True: "no scored copy", False: "a scored copy"}
        return f"{what}: expected {state[expected is None]}, got {state[actual is None]}"
    lines = [f"{what} differs from the golden set:"]
    lines += [f"  changed: {p}" for p in expected if p in actual and expected[p] != actual[p]]
    lines += [f"  missing: {p}" for p in expected if p not in actual]
    lines += [f"  added:   {p}" for p in actual if p not in expected]
    if len(lines) == 1:
        lines.append(f"  part order changed: {list(expected)} -> {list(actual)}")
    return "\n".join(lines)


def mismatches(golden: Mapping[str, Any], now: Mapping[str, Any], check_corpus_parts: bool = True) -> list[str]:
    """Every difference between two golden sets (as read, as computed): for the script."""
    out = []
    for rel in sorted(set(golden) | set(now)):
        if rel not in golden or rel not in now:
            out.append(f"{rel}: {'not in the golden set' if rel not in golden else 'no longer produced'}")
            continue
        e, a = golden[rel], now[rel]
        if rel.startswith(("samples/", "corpus/")):
            found = [json_mismatch(f"{rel} result", e["result"], a["result"])]
            if check_corpus_parts or rel.startswith("samples/"):
                found.append(parts_mismatch(f"{rel} scored copy", e["scored_parts"], a["scored_parts"]))
            found.append(json_mismatch(f"{rel} record", {k: v for k, v in e.items() if k not in ("result", "scored_parts")},
                                       {k: v for k, v in a.items() if k not in ("result", "scored_parts")}))
        elif rel == "batch.json":
            found = [parts_mismatch("batch 汇总.xlsx", e["summary_parts"], a["summary_parts"])] \
                if check_corpus_parts else []
            found += [json_mismatch(f"batch {k}", e[k], a[k]) for k in e if k != "summary_parts"]
        elif rel == "manifest.json" and not check_corpus_parts:
            found = [json_mismatch(rel, _names(e), _names(a))]
        else:
            found = [json_mismatch(rel, e, a)]
        out += [m for m in found if m]
    return out


# --- the tests ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def computed(sample_batch: tuple[Path, dict[str, Any], dict[str, dict[str, str]]]) -> dict[str, Any]:
    """What compute_all gives for the samples and the batch (run once a session by the
    sample_batch fixture of tests/conftest.py, which test_summary shares), and the manifest.
    The corpus entries are computed one by one (the corpus fixture), each when a test asks for
    it: the quick loop runs a few of them (tests/conftest.py) and builds only their inputs."""
    _, batch, copies = sample_batch
    files: dict[str, Any] = {f"samples/{name}.json": sample_golden(name) for name in sample_names()}
    files["batch.json"] = batch
    files["manifest.json"] = manifest([name for name, _, _ in corpus_entries()])
    return {"files": files, "batch_copies": copies}


@pytest.fixture(scope="module")
def corpus() -> Iterator[Callable[[str], dict[str, Any]]]:
    """Entry name → its golden record computed now (corpus_record), its input built on first use."""
    entries = {name: (file, profile) for name, file, profile in corpus_entries()}
    workbooks = {w.file: w for w in corpus_workbooks()}
    profiles: dict[str, Profile] = {}
    records: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="perf-xlsx-golden-corpus-") as tmp:
        folder = Path(tmp)

        def record(name: str) -> dict[str, Any]:
            if name not in records:
                file, profile_name = entries[name]
                if not (folder / file).exists():
                    workbooks[file].build(folder / file)
                profile = profiles.setdefault(profile_name, load_profile(profile_name))
                records[name] = corpus_record(folder, name, file, profile_name, profile)
            return records[name]

        yield record


def _manifest() -> dict[str, Any]:
    path = GOLDEN / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"samples": [], "corpus": []}


MANIFEST = _manifest()


def _names(manifest: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in manifest.items() if k != "corpus_environment"}


def test_golden_set_names_every_input(computed: dict[str, Any]) -> None:
    """The set covers exactly the samples on disk and the corpus this module generates (the
    environment is compared by test_corpus_scored_copy, which skips when it differs)."""
    message = json_mismatch("manifest.json (after adding or removing inputs run `python tests/test_golden.py "
                            "--update`)", _names(load("manifest.json")), _names(computed["files"]["manifest.json"]))
    if message:
        pytest.fail(message, pytrace=False)


@pytest.mark.parametrize("name", MANIFEST["samples"])
def test_sample_result(computed: dict[str, Any], name: str) -> None:
    rel = f"samples/{name}.json"
    message = json_mismatch(f"{rel}: JSON result of sample_workbooks/{name}", load(rel)["result"],
                            computed["files"][rel]["result"])
    if message:
        pytest.fail(message, pytrace=False)


@pytest.mark.parametrize("name", MANIFEST["samples"])
def test_sample_scored_copy(computed: dict[str, Any], name: str) -> None:
    rel = f"samples/{name}.json"
    message = parts_mismatch(f"{rel}: scored copy of sample_workbooks/{name}", load(rel)["scored_parts"],
                             computed["files"][rel]["scored_parts"])
    if message:
        pytest.fail(message, pytrace=False)


@pytest.mark.parametrize("name", MANIFEST["corpus"])
def test_corpus_result(corpus: Callable[[str], dict[str, Any]], name: str) -> None:
    rel = f"corpus/{name}.json"
    golden, now = load(rel), corpus(name)
    message = json_mismatch(f"{rel}: JSON result of {golden['input']} (profile {golden['profile']})",
                            {k: v for k, v in golden.items() if k != "scored_parts"},
                            {k: v for k, v in now.items() if k != "scored_parts"})
    if message:
        pytest.fail(message, pytrace=False)


@pytest.mark.parametrize("name", MANIFEST["corpus"])
def test_corpus_scored_copy(corpus: Callable[[str], dict[str, Any]], name: str) -> None:
    recorded = load("manifest.json")["corpus_environment"]
    if recorded != environment():
        pytest.skip(f"corpus inputs were built with {recorded}, this environment has {environment()}: "
                    "their bytes (copied into the scored copy) differ; the JSON results are still compared")
    rel = f"corpus/{name}.json"
    golden = load(rel)
    message = parts_mismatch(f"{rel}: scored copy of {golden['input']} (profile {golden['profile']})",
                             golden["scored_parts"], corpus(name)["scored_parts"])
    if message:
        pytest.fail(message, pytrace=False)


def test_batch_summary_cells(computed: dict[str, Any]) -> None:
    message = json_mismatch(f"batch.json: {SUMMARY_NAME} cells", load("batch.json")["summary_cells"],
                            computed["files"]["batch.json"]["summary_cells"])
    if message:
        pytest.fail(message, pytrace=False)


def test_batch_summary(computed: dict[str, Any]) -> None:
    if not summary_digests_comparable():
        pytest.skip(f"{SUMMARY_NAME} part digests were recorded with another xlsxwriter than "
                    f"{xlsxwriter.__version__} (its bytes vary by version); its cells are compared")
    message = parts_mismatch(f"batch.json: {SUMMARY_NAME} of `perf-xlsx batch sample_workbooks --jobs 1`",
                             load("batch.json")["summary_parts"], computed["files"]["batch.json"]["summary_parts"])
    if message:
        pytest.fail(message, pytrace=False)


@pytest.mark.parametrize("key", ["results.jsonl", "skipped.jsonl", "report", "files"])
def test_batch_records(computed: dict[str, Any], key: str) -> None:
    golden, now = load("batch.json")[key], computed["files"]["batch.json"][key]
    message = json_mismatch(f"batch.json [{key!r}]", golden, now)
    if message is None and isinstance(golden, dict) and "sha256" in golden:
        assert golden["sha256"] == now["sha256"]  # equal lines, so equal bytes
    if message:
        pytest.fail(message, pytrace=False)


def test_batch_copies_equal_single_scoring(computed: dict[str, Any]) -> None:
    """Each scored copy the batch wrote is the one `perf-xlsx score` writes (the golden one)."""
    copies = computed["batch_copies"]
    problems = []
    for name in MANIFEST["samples"]:
        copy = name.removesuffix(".xlsx") + ".scored.xlsx"
        expected = load(f"samples/{name}.json")["scored_parts"]
        message = parts_mismatch(f"batch copy {copy} vs samples/{name}.json", expected, copies.get(copy))
        if message:
            problems.append(message)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_difference_reports_name_the_place() -> None:
    old = {"projects": [{"total": {"score": 99.83}, "name": "a"}], "findings": []}
    new = {"projects": [{"total": {"score": 98.0}, "name": "a"}], "findings": [{"code": "x"}]}
    message = json_mismatch("corpus/x.json", old, new)
    assert message is not None
    assert "$.projects[0].total.score: expected 99.83, got 98.0" in message
    assert "$.findings: 0 items expected, 1 found" in message
    assert '-    "score": 99.83' in message and '+    "score": 98.0' in message
    parts = parts_mismatch("copy", {"a.xml": "1", "b.xml": "2"}, {"a.xml": "1", "b.xml": "3", "c.xml": "4"})
    assert parts == "copy differs from the golden set:\n  changed: b.xml\n  added:   c.xml"
    assert parts_mismatch("copy", {"a": "1", "b": "2"}, {"b": "2", "a": "1"}) is not None  # order
    assert json_mismatch("same", {"a": 1, "b": 2}, {"b": 2, "a": 1}) is not None  # key order


def main(argv: list[str]) -> int:
    update = "--update" in argv
    with tempfile.TemporaryDirectory(prefix="perf-xlsx-golden-") as tmp:
        files = compute_all(Path(tmp))["files"]
    if update:
        changed = write_golden(files)
        print(f"{len(changed)} golden file(s) written under {GOLDEN.relative_to(ROOT)}"
              + "".join(f"\n  {c}" for c in changed))
        return 0
    golden = {p.relative_to(GOLDEN).as_posix(): json.loads(p.read_text(encoding="utf-8"))
              for p in sorted(GOLDEN.rglob("*.json"))}
    same_env = golden.get("manifest.json", {}).get("corpus_environment") == environment()
    found = mismatches(golden, files, check_corpus_parts=same_env)
    if not same_env:
        print("note: corpus scored-copy and 汇总 part digests not compared (different openpyxl/lxml/xlsxwriter)")
    print("\n\n".join(found) if found else f"golden set matches ({len(files)} files)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
