"""The duplicate search's first pass gathered by the batch as files become known (dupes.FirstPass)
finds exactly what the search finds by reading every file, and is set aside when it does not
cover the files searched."""

from __future__ import annotations

from perf_xlsx.bulk.dupes import FirstPass, Submitted, find_duplicates

_SHA = ["a" * 64, "b" * 64, "c" * 64, "d" * 64]


def _files() -> list[Submitted]:
    # (path, mtime, sha, keys): two byte-identical files, a corrected copy of one table, a file
    # of two tables one of which repeats another file's, and files that repeat nothing.
    rows = [
        ("县商务局/a.xlsx", 10, _SHA[0], [["县商务局", "招商节会", 2021]]),
        ("县商务局/a-2.xlsx", 20, _SHA[0], [["县商务局", "招商节会", 2021]]),
        ("县商务局/b.xlsx", 30, _SHA[1], [["县 商务局", "农贸市场提质改造", 2021]]),
        ("县商务局/b（修改）.xlsx", 40, _SHA[2], [["县商务局", "农贸市场提质改造", 2021]]),
        ("乡镇/c.xlsx", 50, _SHA[3], [["乡镇", "道路", 2021], ["县商务局", "招商节会", 2022]]),
        ("乡镇/d.xlsx", 60, None, [["", "", None]]),
        ("乡镇/e.xlsx", 70, "e" * 64, [["乡镇", "道路", 2022]]),
    ]
    # Their places in the batch: not their positions (other inputs failed or were skipped).
    return [Submitted(p, m, s, k, 3 * j + 1) for j, (p, m, s, k) in enumerate(rows)]


def _place(files: list[Submitted]):  # type: ignore[no-untyped-def]
    return lambda j: (files[j].path, files[j].mtime_ns, files[j].file)


def _first(files: list[Submitted], total: int = 30) -> FirstPass:
    first = FirstPass(total)
    first.add(0, "f" * 64, [["乡镇", "道路", 2021]])  # a file that is not among those searched
    for f in reversed(files):  # in the order the workers finished them, not scan order
        first.add(f.file, f.sha256, f.keys)
    return first


def test_the_gathered_first_pass_finds_what_reading_every_file_finds() -> None:
    files = _files()
    read = find_duplicates(files, _place(files))
    assert len(read) == 2  # the byte-identical pair, the corrected copy (names compared as people mean them)
    gathered = find_duplicates(files, _place(files), _first(files))
    assert gathered == read


def test_a_first_pass_that_does_not_cover_the_files_is_set_aside() -> None:
    files = _files()
    read = find_duplicates(files, _place(files))
    twice = _first(files)
    twice.add(files[0].file, _SHA[3], [])  # a file learnt twice: which one holds is unknown
    assert twice.by_position(files, _place(files)) is None
    assert find_duplicates(files, _place(files), twice) == read
    short = FirstPass(30)
    for f in files[1:]:
        short.add(f.file, f.sha256, f.keys)
    assert short.by_position(files, _place(files)) is None
    assert find_duplicates(files, _place(files), short) == read
