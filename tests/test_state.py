"""The state file keeps result lines on disk, not in memory (bulk.state): each entry knows where
its line is, reads it back on demand, and the places follow the file through a compaction."""

from __future__ import annotations

import json
import tracemalloc
import zlib
from dataclasses import fields
from pathlib import Path

from perf_xlsx.bulk.state import Entry, State


def _entry(i: int, size: int = 200) -> Entry:
    line = json.dumps({"schema": "perf_xlsx.result/1", "file": f"单位{i}.xlsx", "pad": "指标" * size},
                      ensure_ascii=False).encode("utf-8")
    return Entry(file=f"单位{i}.xlsx", size=i, mtime_ns=i, sha256=None, profile="p", version="v",
                 status="scored", keys=[["单位", f"项目{i}", 2021]], grades=["优"], line=line)


def test_lines_are_read_back_from_the_file_not_held(tmp_path: Path) -> None:
    state = State(str(tmp_path), "p")
    expected = {}
    for i in range(5):
        e = _entry(i)
        expected[e.file] = (e.line, e.line_len, e.line_crc)
        state.put(e)
    for name, (line, length, crc) in expected.items():
        entry = state.entries[name]
        assert entry.line == b"" and (entry.line_len, entry.line_crc) == (length, crc)
        assert state.line(entry) == line
    state.save(sorted(expected))  # compaction moves every record: the places follow
    for name, (line, _, _) in expected.items():
        assert state.line(state.entries[name]) == line
    state.put(_entry(9))  # appended after the compaction
    state.close()
    again = State.load(str(tmp_path), "p")
    assert sorted(again.entries) == sorted([*expected, "单位9.xlsx"])
    for name, (line, _, crc) in expected.items():
        assert again.line(again.entries[name]) == line and again.entries[name].line_crc == crc
    assert again.line(again.entries["单位9.xlsx"]) == _entry(9).line
    again.save(sorted(again.entries))
    again.close()
    third = State.load(str(tmp_path), "p")
    assert {n: third.line(e) for n, e in third.entries.items()} == \
        {**{n: v[0] for n, v in expected.items()}, "单位9.xlsx": _entry(9).line}
    third.close()


def test_a_run_over_many_files_does_not_hold_their_lines(tmp_path: Path) -> None:
    # 500 lines of ~7 KB (a real result line's size): holding them would take 3.5 MB; what is
    # held per entry instead (its metadata, about 1 KB) is a fraction of that.
    state = State(str(tmp_path), "p")
    tracemalloc.start()
    try:
        for i in range(500):
            state.put(_entry(i, size=1150))
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    line_bytes = sum(state.entries[f].line_len for f in state.entries)
    assert line_bytes > 3_000_000
    assert held < line_bytes / 4, (held, line_bytes)
    # The compaction at the end of a run copies the records one by one: it never holds them all.
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        state.save(sorted(state.entries))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    state.close()
    assert peak - base < line_bytes / 4, (peak - base, line_bytes)
    again = State.load(str(tmp_path), "p")
    assert again.line(again.entries["单位7.xlsx"]) == _entry(7, size=1150).line
    again.close()


def test_an_unwritable_journal_keeps_the_line_in_memory(tmp_path: Path) -> None:
    state = State(str(tmp_path / "missing-folder"), "p")  # the journal cannot be opened
    e = _entry(1)
    line = e.line
    state.put(e)
    assert state.error is not None
    assert state.line(state.entries[e.file]) == line


def test_the_head_is_written_in_pieces_as_one_json_line(tmp_path: Path) -> None:
    # The scored copies' hashes are kept as 32 bytes each and written a chunk at a time: the
    # line must be what json.dumps of the whole head gives, hashes sorted and without repeats.
    import hashlib

    from perf_xlsx.bulk.state import SCHEMA, Digests
    from perf_xlsx.version import __version__

    hashes = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(2500)]
    state = State(str(tmp_path), "p")
    state.outputs.update([*hashes, hashes[3], "not-a-hash"])
    state.written, state.written_files = "abc", {"results.jsonl": [1, 2]}
    state.put(_entry(1))
    state.save()
    state.close()
    head = (tmp_path / ".perf-xlsx-state.jsonl").read_bytes().split(b"\n", 1)[0]
    expected = json.dumps({"schema": SCHEMA, "version": __version__, "profile": "p", "records": 1,
                           "outputs": sorted({*hashes, "not-a-hash"}), "written": "abc",
                           "written_files": {"results.jsonl": [1, 2]}}, separators=(",", ":")).encode()
    assert head == expected
    again = State.load(str(tmp_path), "p")
    assert hashes[7] in again.outputs and "not-a-hash" in again.outputs and "0" * 64 not in again.outputs
    assert list(again.outputs) == sorted({*hashes, "not-a-hash"}) and len(Digests(hashes[:3] * 2)) == 3
    again.close()


def test_records_stay_readable_when_the_file_is_deleted_during_the_run(tmp_path: Path) -> None:
    # The duplicate search and the reused result lines read records back late in a run; a state
    # file deleted (or swapped) behind the run's back must not turn that into a crash.
    state = State(str(tmp_path), "p")
    state.put(_entry(1))
    state.close()
    loaded = State.load(str(tmp_path), "p")
    loaded.put(_entry(2))
    state_path = Path(loaded.path)
    state_path.unlink()
    assert loaded.line(loaded.entries["单位1.xlsx"]) == _entry(1).line
    assert loaded.line(loaded.entries["单位2.xlsx"]) == _entry(2).line
    loaded.close()
    fresh = State(str(tmp_path), "p")
    fresh.put(_entry(3))
    state_path.unlink()
    assert fresh.line(fresh.entries["单位3.xlsx"]) == _entry(3).line
    fresh.close()


def test_an_entry_read_back_equals_the_entry_put(tmp_path: Path) -> None:
    # entries[...] fills the fields without Entry's __init__: every field, defaults included,
    # as the dataclass would set them (a record of an older version may lack one).
    state = State(str(tmp_path), "p")
    put = _entry(4)
    put.output, put.output_sha256, put.code = "单位4.scored.xlsx", "ab" * 32, "x.y"
    state.put(put)
    got = state.entries["单位4.xlsx"]
    assert type(got) is Entry
    assert {k: v for k, v in vars(got).items() if k not in ("line", "line_at")} == \
        {k: v for k, v in vars(put).items() if k not in ("line", "line_at")}
    assert state.line(got) == put.line
    assert got.keys is not state.entries["单位4.xlsx"].keys  # each read gets its own lists
    state.close()
    # A record without the fields that have defaults (as an older version could have written).
    raw = json.dumps({"file": "旧.xlsx", "size": 1, "mtime_ns": 2, "sha256": None, "profile": "p", "version": "0",
                      "status": "skipped"}, ensure_ascii=False).encode("utf-8") + b"\t"
    with open(state.path, "ab") as fh:
        fh.write(raw + b"\t" + b"%08x" % zlib.crc32(raw) + b"\n")
    again = State.load(str(tmp_path), "p")
    old = again.entries["旧.xlsx"]
    made = Entry(file="旧.xlsx", size=1, mtime_ns=2, sha256=None, profile="p", version="0", status="skipped")
    assert [getattr(old, f.name) for f in fields(Entry)] == [getattr(made, f.name) for f in fields(Entry)]
    again.close()
