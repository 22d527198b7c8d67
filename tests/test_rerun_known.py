"""What an unchanged rerun takes from arrays instead of each file's state record (bulk.state.Known,
State.unchanged, State.sha_and_keys) must say what the record says, and be forgotten when the
record changes; scored_stem's shortcut (no translate for a name without reserved characters)
must name every file as before."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Optional

import pytest

from perf_xlsx.bulk.known import _keys_and_grades
from perf_xlsx.bulk.scan import SCORED_SUFFIX, _split_suffix, scored_stem
from perf_xlsx.bulk.state import Entry, State
from perf_xlsx.version import __version__

_TABLE = str.maketrans({ch: "_" for ch in '/\\:*?"<>|'})


def _stem_as_before(rel: str) -> str:
    """scored_stem as it was written before the shortcut: translate every name."""
    head, _, name = rel.rpartition("/")
    name = _split_suffix(name)[0]
    stem = (head + "/" + name if head else name).translate(_TABLE)
    return stem.strip(" .")[:120] or "workbook"


ODD_NAMES = [
    "单位0001.xlsx", "a.xlsx", "a", "a.", ".xlsx", ".hidden.xlsx", "a.b.c.xlsx", "a..xlsx", "x/.xlsx",
    "县/单位.xlsx", "县/乡/单位.xlsx", "a:b.xlsx", 'a"b<c>d|e?f*g.xlsx', "a\\b.xlsx", "县:区/单位?.xlsx",
    " 单位 .xlsx", "..xlsx", "...", " . .xlsx", "单位.xlsx.", "名" * 130 + ".xlsx", "a" * 119 + " .xlsx",
    "县/" + "名" * 125 + ".xlsx", "./a.xlsx", "a/b", "/a.xlsx", "a/", "ｆｕｌｌ：ｗｉｄｔｈ.xlsx", "tab\tname.xlsx",
    "单位（修改）.XLSX", "a. b.xlsx", "a .xlsx",
]


@pytest.mark.parametrize("rel", ODD_NAMES)
def test_scored_stem_names_every_file_as_before(rel: str) -> None:
    assert scored_stem(rel) == _stem_as_before(rel)


def _line(file: str) -> bytes:
    return json.dumps({"schema": "perf_xlsx.result/1", "file": file}, ensure_ascii=False).encode("utf-8")


def _scored(file: str, out: Path, **over: Any) -> Entry:
    fields: dict[str, Any] = dict(
        file=file, size=100, mtime_ns=10**18 + 7, sha256=hashlib.sha256(file.encode()).hexdigest(), profile="p",
        version=__version__, status="scored", errors=1, warnings=2, output=scored_stem(file) + SCORED_SUFFIX,
        output_sha256=hashlib.sha256(file.encode() + b"o").hexdigest(), keys=[["单位", f"项目 {file}", 2021]],
        grades=["优"], line=_line(file))
    fields.update(over)
    if fields["output"]:  # the scored copy as the record says it was written
        path = out / fields["output"]
        path.write_bytes(b"x" * 7)
        st = path.stat()
        fields.setdefault("output_size", st.st_size)
        fields.setdefault("output_mtime_ns", st.st_mtime_ns)
        if "output_size" in over or "output_mtime_ns" in over:
            fields["output_size"], fields["output_mtime_ns"] = over.get("output_size", st.st_size), \
                over.get("output_mtime_ns", st.st_mtime_ns)
    return Entry(**fields)


def _variety(out: Path) -> list[Entry]:
    """Records a rerun may meet: clean scored ones and every kind the arrays must leave to the Entry."""
    return [
        _scored("单位1.xlsx", out),
        _scored("县/单位2.xlsx", out),
        _scored("单位3.xlsx", out, keys=[["单位{x}", '项目,"grades":[1]}', None]], grades=["", "良"]),
        _scored("单位4.xlsx", out, keys=[{"unit": "a", "grades": ["x"]}], grades=[{"grades": 1}]),
        _scored("单位5.xlsx", out, keys=[], grades=[]),
        _scored("单位6.xlsx", out, output=None),
        _scored("单位7.xlsx", out, output="别的名字.scored.xlsx"),
        _scored("单位8.xlsx", out, profile="另一套规则"),
        _scored("单位9.xlsx", out, version="0.0.1"),
        _scored("单位10.xlsx", out, reason="某个原因"),
        _scored("单位11.xlsx", out, status="failed", code="batch.timeout_or_crash"),
        _scored("单位12.xlsx", out, status="failed", code="read.bad_zip"),
        _scored("单位13.xlsx", out, sha256=None),
        _scored("单位14.xlsx", out, sha256="ABC"),
        _scored("单位15.xlsx", out, line=b""),
        _scored("单位16.xlsx", out, errors=1.5),
        _scored("单位17.xlsx", out, size=2**70),
        _scored("单位18.xlsx", out, output_size=3),
        _scored("单位19.xlsx", out, keys=None),
        Entry(file="单位20.xlsx", size=5, mtime_ns=5, sha256=None, profile="p", version=__version__,
              status="skipped", reason="隐藏文件"),
    ]


def _expected_slot(state: State, entry: Entry, size: int, mtime_ns: int, out: Path) -> bool:
    """Whether the run's loop may reuse entry from the arrays: what it did with the Entry."""
    output_ok = entry.output in (None, scored_stem(entry.file) + SCORED_SUFFIX)
    return (output_ok and entry.status == "scored" and bool(entry.line_len) and not entry.reason
            and entry.reusable(size, mtime_ns, "p", str(out)))


def _load(out: Path, entries: list[Entry], compact: bool) -> State:
    state = State(str(out), "p")
    for e in entries:
        state.put(e)
    if compact:
        state.save([e.file for e in entries])
    state.close()
    return State.load(str(out), "p")


@pytest.mark.parametrize("compact", [True, False])
def test_known_says_what_each_record_says(tmp_path: Path, compact: bool) -> None:
    out = tmp_path
    entries = _variety(out)
    state = _load(out, entries, compact)
    known = state.known
    seen_known = 0
    for e in entries:
        again = state.entries[e.file]
        name = scored_stem(e.file) + SCORED_SUFFIX
        for size, mtime_ns in ((e.size, e.mtime_ns), (e.size + 1, e.mtime_ns), (e.size, e.mtime_ns + 1)):
            slot = state.unchanged(e.file, size, mtime_ns, os.path.join(str(out), name))
            expected = _expected_slot(state, again, size, mtime_ns, out)
            if slot < 0:
                # Left to the Entry: a clean record the arrays know must still be reused.
                assert not (expected and known.ok[state._slots[e.file]]), e.file
                continue
            seen_known += 1
            assert expected, e.file
            assert known.counts(slot) == (again.errors, again.warnings)
            assert known.sha256(slot) == again.sha256
            assert known.keys_and_grades(slot) == (again.keys, again.grades)
            assert state.sha_and_keys(e.file) == (again.sha256, again.keys)
        assert state.sha_and_keys(e.file) == (again.sha256, again.keys)
    assert seen_known == 6  # 单位1, 2, 3, 4, 5, 6 unchanged
    # Clean scored records are known (also those whose copy is renamed or changed: the check
    # of the copy is State.unchanged's); the others are left to their Entry.
    assert {f for f in state.entries if known.ok[state._slots[f]]} == \
        {"单位1.xlsx", "县/单位2.xlsx", "单位3.xlsx", "单位4.xlsx", "单位5.xlsx", "单位6.xlsx", "单位7.xlsx", "单位18.xlsx"}
    state.close()


def test_a_record_replaced_after_loading_is_forgotten(tmp_path: Path) -> None:
    entries = [_scored(f"单位{i}.xlsx", tmp_path) for i in range(3)]
    state = _load(tmp_path, entries, True)
    e = entries[1]
    name = scored_stem(e.file) + SCORED_SUFFIX
    assert state.unchanged(e.file, e.size, e.mtime_ns, os.path.join(str(tmp_path), name)) >= 0
    state.put(_scored(e.file, tmp_path, keys=[["新单位", "新项目", 2022]]))
    assert state.unchanged(e.file, e.size, e.mtime_ns, os.path.join(str(tmp_path), name)) == -1
    assert state.sha_and_keys(e.file)[1] == [["新单位", "新项目", 2022]]
    state.remove(entries[2].file)
    assert state.unchanged(entries[2].file, e.size, e.mtime_ns, os.path.join(str(tmp_path), name)) == -1
    state.close()


def test_a_journal_record_over_a_loaded_one_is_what_is_known(tmp_path: Path) -> None:
    entries = [_scored(f"单位{i}.xlsx", tmp_path) for i in range(3)]
    state = _load(tmp_path, entries, True)
    state.put(_scored(entries[0].file, tmp_path, errors=9, keys=[["乙", "丙", 2020]]))  # appended, not compacted
    state.close()
    again = State.load(str(tmp_path), "p")
    e = entries[0]
    slot = again.unchanged(e.file, e.size, e.mtime_ns, str(tmp_path / (scored_stem(e.file) + SCORED_SUFFIX)))
    assert slot >= 0 and again.known.counts(slot) == (9, 2)
    assert again.known.keys_and_grades(slot) == ([["乙", "丙", 2020]], ["优"])
    again.close()


def test_a_scored_copy_changed_since_is_not_reused(tmp_path: Path) -> None:
    entries = [_scored("单位1.xlsx", tmp_path)]
    state = _load(tmp_path, entries, True)
    name = scored_stem("单位1.xlsx") + SCORED_SUFFIX
    assert state.unchanged("单位1.xlsx", 100, 10**18 + 7, os.path.join(str(tmp_path), name)) >= 0
    (tmp_path / name).write_bytes(b"changed!")
    assert state.unchanged("单位1.xlsx", 100, 10**18 + 7, os.path.join(str(tmp_path), name)) == -1
    os.remove(tmp_path / name)
    assert state.unchanged("单位1.xlsx", 100, 10**18 + 7, os.path.join(str(tmp_path), name)) == -1
    state.close()


@pytest.mark.parametrize("meta", [
    {"keys": [["a", "b", 1]], "grades": ["优"]},
    {"keys": [["a,\"grades\":", "}{", 1]], "grades": [",\"keys\":"]},
    {"keys": [{"x": 1, "grades": [2]}], "grades": []},
    {"keys": [], "grades": [{"a": 1, "grades": 2}]},
    {"keys": [["a", "b", 1]], "grades": ["优"], "extra": 1},
    {"grades": ["优"], "keys": [["a", "b", 1]]},
    {"keys": [["a"]], "grades": ["优"], "keys ": 1, "grades ": [{"keys": 2}]},
])
def test_the_keys_and_grades_copied_are_the_records(meta: dict[str, Any]) -> None:
    text = json.dumps({"file": "f", **meta}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    tail: Optional[bytes] = _keys_and_grades(text)
    if tail is not None:
        copied = json.loads(b"{" + tail)  # (a field after them is parsed too, and not asked for)
        assert (copied["keys"], copied["grades"]) == (meta["keys"], meta["grades"])


def test_the_plans_plain_names_are_scored_stems(tmp_path: Path) -> None:
    from perf_xlsx.bulk.run import _Plan

    rels = sorted(set(ODD_NAMES))
    plan = _Plan(tmp_path, tmp_path / "out", [(rel, None) for rel in rels])
    for i, rel in enumerate(rels):
        assert plan.plain_name(i) == scored_stem(rel) + SCORED_SUFFIX, rel
        if i not in plan.renamed:
            assert plan.output_name(i) == plan.plain_name(i)
    assert any(n < 0 for n in plan.stem_len) and any(n >= 0 for n in plan.stem_len)


def test_the_fingerprint_hashes_what_it_hashed_per_outcome(tmp_path: Path) -> None:
    import hashlib as hl

    from perf_xlsx.bulk.extras import SummaryExtras
    from perf_xlsx.bulk.outputs import outputs_fingerprint
    from perf_xlsx.bulk.report import BatchReport, Outcomes

    entries = [e for e in _variety(tmp_path) if e.file != "单位19.xlsx"]
    state = _load(tmp_path, entries, True)
    outcomes = Outcomes([e.file for e in entries] + ["新.xlsx"])
    for i, e in enumerate(entries):
        outcomes.set(i, e.status, e.reason, 0, 0)
    outcomes.set(len(entries), "skipped", "隐藏文件")
    assert list(outcomes.columns()) == [(o.path, o.status, o.reason) for o in outcomes]
    report = BatchReport(folder="f", outdir="o", profile="p", outcomes=outcomes, extras=SummaryExtras(title="题"))
    # The fingerprint as written before (two updates per outcome, from FileOutcome objects).
    h = hl.sha256(f"{__version__}\0p\0题".encode())
    for kind in ("reports", "feedback"):
        h.update(f"\0{kind}".encode())
    for o in list(outcomes):
        part = state.fingerprint_of(o.path)
        h.update(f"\0{o.path}\0{o.status}\0{o.reason}".encode())
        if part is not None:
            h.update(f"\0{part[0]}\0{part[1]}\0{part[2]}".encode())
    assert outputs_fingerprint(report, state, "p", None) == h.hexdigest()
    usual = [scored_stem(p) + SCORED_SUFFIX for p in outcomes.paths]
    assert outputs_fingerprint(report, state, "p", None, usual.__getitem__) == h.hexdigest()
    assert outputs_fingerprint(BatchReport(folder="f", outdir="o", profile="p", outcomes=list(outcomes),
                                           extras=SummaryExtras(title="题")), state, "p", None) == h.hexdigest()
    state.close()


@pytest.mark.parametrize("data", [
    {"file": "a", "size": 1, "mtime_ns": 2, "sha256": None, "profile": "p", "version": "v", "status": "scored"},
    {"file": "a", "size": 1, "mtime_ns": 2, "sha256": "x", "profile": "p", "version": "v", "status": "failed",
     "code": "c", "keys": [["u", "p", 1]], "grades": ["优"], "output": "o", "errors": 3},
    {"file": "a", "size": 1, "mtime_ns": 2, "sha256": None, "profile": "p", "version": "v", "status": "s",
     "line": b"abc"},
])
def test_a_records_entry_is_what_entry_init_makes(data: dict[str, Any]) -> None:
    from dataclasses import fields

    from perf_xlsx.bulk.state import _entry_of

    made, expected = _entry_of(dict(data)), Entry(**data)
    assert made == expected
    assert [getattr(made, f.name) for f in fields(Entry)] == [getattr(expected, f.name) for f in fields(Entry)]
    if "keys" not in data:
        assert made.keys is not _entry_of(dict(data)).keys  # a list of its own


@pytest.mark.parametrize("data", [
    {"file": "a"}, {"file": "a", "size": 1, "mtime_ns": 2, "sha256": None, "profile": "p", "version": "v",
                    "status": "scored", "extra": 1},
    {"file": "a", "size": 1, "mtime_ns": 2, "sha256": None, "profile": "p", "version": "v", "status": "scored",
     "line_len": 3},
    [1, 2], "text", None,
])
def test_a_damaged_records_entry_fails_as_entry_init_does(data: Any) -> None:
    from perf_xlsx.bulk.state import _entry_of

    with pytest.raises(TypeError):
        Entry(**data)
    with pytest.raises(TypeError):
        _entry_of(data)


@pytest.mark.parametrize("text", [
    b'{"a":1}', b'{"a":"\\u00e9\xe5\x8d\x95"}', '\ufeff{"a":1}'.encode("utf-8"), '{"a":1}'.encode("utf-16-le"),
    '{"a":1}'.encode("utf-16"), b'{"a":"\xed\xa0\x80"}', b"[1]", b' {"a":1}', b"{", b'{"a":1} x', b"\xff",
])
def test_loads_reads_as_json_loads(text: bytes) -> None:
    from perf_xlsx.bulk.state import _loads

    try:
        expected: Any = json.loads(text)
    except ValueError as exc:
        with pytest.raises(type(exc)):
            _loads(text)
    else:
        assert _loads(text) == expected


def test_an_unchanged_rerun_reports_what_the_full_run_did(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Grades (未评级 too, in the same order), counts and duplicates, from the arrays (no record
    parsed again), as the full run found them; and nothing written."""
    from builders import case_paths, make_workbook, seed_spec, spec_from_case

    from perf_xlsx.bulk.run import run_batch

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    noscore = next(c for c in case_paths() if "noscore" in c.name)
    make_workbook(inbox / "a.xlsx", [seed_spec("招商节会"), seed_spec("农贸市场提质改造")])
    make_workbook(inbox / "b.xlsx", [spec_from_case(noscore)])
    make_workbook(inbox / "c.xlsx", [seed_spec("招商节会")])  # the same table as a's first
    (inbox / "d.txt").write_text("x", encoding="utf-8")
    full = run_batch(str(inbox), jobs=1)
    out = inbox / "评分结果"
    written = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()}
    parsed: list[str] = []
    entry_of = State._entry

    def counted(self: State, file: str) -> Entry:
        parsed.append(file)
        return entry_of(self, file)

    monkeypatch.setattr(State, "_entry", counted)
    again = run_batch(str(inbox), jobs=1)
    assert again.reused == 3 and not again.fresh and not parsed
    assert list(again.grades.items()) == list(full.grades.items()) and again.grades["未评级"] == 1
    assert [(o.path, o.status, o.reason, o.errors, o.warnings) for o in again.outcomes] == \
        [(o.path, o.status, o.reason, o.errors, o.warnings) for o in full.outcomes]
    assert full.extras is not None and again.extras is not None and full.extras.duplicates
    assert again.extras.duplicates == full.extras.duplicates
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()} == written


def test_an_unchanged_reruns_parent_holds_no_object_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the rerun keeps of each loaded record (Known) is arrays: its peak grows per file
    within the full run's bound (measured as tests/test_parent_memory.py measures a full run).
    About 1.5 KB a file here, of which Known's arrays are 0.2 KB (1.3 KB before them)."""
    import shutil
    from functools import partial

    from test_parent_memory import PER_FILE, SAMPLE, _replaying_pool, traced_growth

    from perf_xlsx.bulk import pool
    from perf_xlsx.bulk.run import run_batch
    from perf_xlsx.bulk.work import process_one
    from perf_xlsx.rules import load_profile

    scored = tmp_path / "f9999.scored.xlsx"
    outcome = process_one(str(SAMPLE), "f9999.xlsx", str(scored), load_profile(None))
    monkeypatch.setattr(pool, "run_pool", _replaying_pool(outcome, b"f9999", scored))
    held: dict[int, int] = {}
    for k, n in enumerate((100, 100, 400)):  # the first makes what is made once
        folder = tmp_path / f"in{k}"
        folder.mkdir()
        for i in range(n):
            shutil.copyfile(SAMPLE, folder / f"f{i:04d}.xlsx")
        assert run_batch(str(folder), str(tmp_path / f"out{k}"), jobs=1).count("scored") == n
        held[n], report = traced_growth(partial(run_batch, str(folder), str(tmp_path / f"out{k}"), jobs=1))
        assert report.reused == n and not report.fresh
    per_file = (held[400] - held[100]) / 300
    assert per_file < PER_FILE, (held, per_file)


def test_normalise_remembers_within_its_bound_and_says_the_same() -> None:
    import unicodedata

    from perf_xlsx.bulk import dupes

    names = ["县 商务局", "县商务局", "《项目》", "ｆｕｌｌ（ｗｉｄｔｈ）", "", "第01单位"] + [f"单位{i}" for i in range(1200)]
    for _ in range(2):
        for name in names:
            expected = dupes._DROPPED.sub("", unicodedata.normalize("NFKC", name))
            assert dupes.normalise(name) == expected
            assert len(dupes._NORMALISED) <= dupes._NORMALISED_BOUND
    assert dupes.normalise(None) == ""  # type: ignore[arg-type]
