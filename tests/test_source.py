"""read.source: an input held open is read once (one load, one zip directory, each part
inflated at most once) by the own-output check, the reader and the writer, with the same
results, bytes and refusals as when every step opens the file itself."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from perf_xlsx.bulk.work import process_one
from perf_xlsx.judge.evaluate import evaluate_file, sha256_file
from perf_xlsx.ooxml.package import Package
from perf_xlsx.read import source as source_mod
from perf_xlsx.read import zipbook
from perf_xlsx.read.errors import GridError
from perf_xlsx.read.grid import read_grid
from perf_xlsx.read.source import current_source, opened
from perf_xlsx.results import result_to_dict
from perf_xlsx.rules import load_profile
from perf_xlsx.write.scored import is_scored_output, render_scored

REPO = Path(__file__).resolve().parent.parent
SAMPLES = sorted((REPO / "sample_workbooks").glob("*.xlsx"))
PROFILE = load_profile("national_2020")


def _calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Every load of a file, construction of a Package, and part inflation, as they happen."""
    seen: dict[str, list[Any]] = {"load": [], "package_read": [], "book": [], "package": []}
    load, pkg_read = zipbook.load_book, Package.read.__func__  # type: ignore[attr-defined]
    book_inflate, pkg_inflate = zipbook.ZipBook._inflate, Package._inflate

    def counted_load(path: str) -> Any:
        seen["load"].append(path)
        return load(path)

    def counted_pkg_read(cls: type, path: str) -> Any:
        seen["package_read"].append(path)
        return pkg_read(cls, path)

    def counted_book(self: Any, name: str) -> bytes:
        seen["book"].append(name)
        return book_inflate(self, name)

    def counted_pkg(self: Any, name: str) -> bytes:
        seen["package"].append(name)
        return pkg_inflate(self, name)

    monkeypatch.setattr(source_mod, "load_book", counted_load)
    monkeypatch.setattr(Package, "read", classmethod(counted_pkg_read))
    monkeypatch.setattr(zipbook.ZipBook, "_inflate", counted_book)
    monkeypatch.setattr(Package, "_inflate", counted_pkg)
    return seen


@pytest.mark.parametrize("path", SAMPLES[:10], ids=lambda p: p.name)
def test_one_open_one_inflation_same_bytes(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = evaluate_file(str(path), PROFILE)
    expected = render_scored(str(path), plain, PROFILE) if plain.status == "scored" else None
    seen = _calls(monkeypatch)
    with opened(str(path)) as src:
        assert not is_scored_output(str(path))
        result = evaluate_file(str(path), PROFILE)
        got = render_scored(str(path), result, PROFILE) if result.status == "scored" else None
        assert src.sha256 == sha256_file(str(path)) == result.sha256
    assert result_to_dict(result) == result_to_dict(plain)
    assert got == expected
    assert seen["load"] == [str(path)] and seen["package_read"] == []
    inflated = seen["book"] + seen["package"]
    assert len(inflated) == len(set(inflated)), "a part was inflated twice"


def test_scored_output_recognised_inside_and_outside(tmp_path: Path) -> None:
    src = SAMPLES[0]
    result = evaluate_file(str(src), PROFILE)
    out = tmp_path / "copy.xlsx"
    out.write_bytes(render_scored(str(src), result, PROFILE))
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    for path, expected in ((out, True), (src, False), (junk, False), (tmp_path / "missing.xlsx", False)):
        assert is_scored_output(str(path)) is expected
        with opened(str(path)):
            assert is_scored_output(str(path)) is expected


def _bomb(dst: Path) -> Path:
    with zipfile.ZipFile(SAMPLES[0]) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
        # 60 MB inflated, over the 50 MB a part may have; compressed at level 1, four times
        # faster to write than at the default level and refused the same, on its size alone.
        zout.writestr("xl/media/pad.bin", b"\0" * (60 << 20), compresslevel=1)
    return dst


def _many_members(dst: Path) -> Path:
    shutil.copy(SAMPLES[0], dst)
    with zipfile.ZipFile(dst, "a") as zout:
        for i in range(2001):
            zout.writestr(f"xl/media/pad{i}.bin", b"\0")
    return dst


@pytest.mark.parametrize("make", [_bomb, _many_members], ids=["bomb", "many_members"])
def test_refusals_are_the_same_inside_a_source(make: Any, tmp_path: Path) -> None:
    path = str(make(tmp_path / "hostile.xlsx"))
    with pytest.raises(GridError) as outside:
        read_grid(path)
    with opened(path) as src:
        assert src.try_book() is None
        assert not is_scored_output(path)
        with pytest.raises(GridError) as inside:
            read_grid(path)
        result = evaluate_file(path, PROFILE)
    assert (inside.value.code, inside.value.message) == (outside.value.code, outside.value.message)
    assert result.status == "failed" and result.error is not None
    assert (result.error["code"], result.error["message"]) == (outside.value.code, outside.value.message)
    assert outside.value.code == "read.zip_bomb"


def test_source_is_scoped_to_its_path_and_block() -> None:
    a, b = str(SAMPLES[0]), str(SAMPLES[1])
    assert current_source(a) is None
    with opened(a) as src:
        assert current_source(a) is src and current_source(b) is None
        with opened(b) as inner:
            assert current_source(b) is inner and current_source(a) is None
        assert current_source(a) is src
    assert current_source(a) is None


def test_batch_worker_reads_each_input_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _calls(monkeypatch)
    outcome = process_one(str(SAMPLES[0]), SAMPLES[0].name, str(tmp_path / "out.xlsx"), PROFILE)
    assert outcome["status"] == "scored"
    assert seen["load"] == [str(SAMPLES[0])] and seen["package_read"] == []
    inflated = seen["book"] + seen["package"]
    assert len(inflated) == len(set(inflated))
    assert is_scored_output(str(tmp_path / "out.xlsx"))


def test_evaluate_hashes_the_bytes_already_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sha256 comes from the bytes the reader loaded: the file is not read a second time
    just to hash it, inside an opened() block or outside one (evaluate_file then holds the file
    open for the call)."""
    import perf_xlsx.judge.evaluate as evaluate_mod

    hashed: list[str] = []
    real = evaluate_mod.sha256_file
    monkeypatch.setattr(evaluate_mod, "sha256_file", lambda p: hashed.append(p) or real(p))
    path = str(SAMPLES[0])
    with opened(path):
        inside = evaluate_file(path, PROFILE)
    assert hashed == []
    outside = evaluate_file(path, PROFILE)
    assert hashed == [] and inside.sha256 == outside.sha256 == real(path)


def test_command_line_start_up_does_not_load_the_package_writer() -> None:
    """`perf-xlsx check` never writes: importing the CLI must not pull in perf_xlsx.ooxml (the
    write-side package layer), which read.source only needs when a scored copy is made."""
    import subprocess
    import sys

    code = ("import sys, perf_xlsx.cli.commands\n"
            "loaded = [m for m in sys.modules if m.startswith(('perf_xlsx.ooxml', 'perf_xlsx.write'))]\n"
            "assert not loaded, loaded\n")
    subprocess.run([sys.executable, "-c", code], check=True)
