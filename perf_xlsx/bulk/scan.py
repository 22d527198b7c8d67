"""What a batch will score: the folder walk, why a file is skipped, the tool's own outputs, and
the name of each scored copy.

Everything here is decided before any worker starts, from names alone, except the own-output
check, which opens the file and so runs in a worker (:func:`own_output_reason`). Files named
``*.scored.*`` are opened and checked like any other: a unit's corrected scored copy is a
submission.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Collection, Optional

from perf_xlsx.fileutil import sha256_file

if TYPE_CHECKING:
    from perf_xlsx.write.output_tag import Marker

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".ods", ".xltx", ".xltm"}
SYSTEM_FILES = {"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db"}
SCORED_SUFFIX = ".scored.xlsx"
OWN_OUTPUT_REASON = "本工具生成的评分结果（已评分文件）"
#: Folders the tool itself makes in an output folder that may sit inside the inbox.
WITHDRAWN_DIR = "已撤回"
TOOL_FOLDERS = {WITHDRAWN_DIR}
STATE_NAME = ".perf-xlsx-state.jsonl"  # bulk.state's file: marks an output folder of this tool
OUTPUT_FOLDER_REASON = "本工具的输出文件夹（另一次评分的结果），未扫描"


def skip_reason(path: Path) -> Optional[str]:
    """Why a file is skipped without being opened, or None when it should be scored."""
    return _skip_reason(path.name)


def _skip_reason(name: str) -> Optional[str]:
    lower = name.lower()
    if name.startswith("~$"):
        return "Office/WPS 临时文件（~$ 开头，说明有人正打开该工作簿）"
    if name.startswith(".~lock."):
        return "LibreOffice 锁定文件"
    if name.startswith("._"):
        return "macOS 附属文件（._ 开头）"
    if lower in SYSTEM_FILES:
        return "系统文件"
    if name.startswith("."):
        return "隐藏文件"
    suffix = _split_suffix(name)[1]
    if suffix.lower() not in SPREADSHEET_SUFFIXES:
        return f"不是电子表格文件（{suffix or '无扩展名'}）"
    return None


def _marker(path: str) -> Optional[Marker]:
    # Imported here: the batch parent imports this module to list the folder, and only the
    # workers (which have both modules already) open files.
    from perf_xlsx.read.source import current_source
    from perf_xlsx.write.output_tag import marker_of

    source = current_source(path)
    book = source.try_book() if source is not None else None
    if book is not None:
        return marker_of(book.names, book.read)
    import zipfile  # (here: a rerun with nothing to score never opens a workbook)

    with zipfile.ZipFile(path) as zf:
        return marker_of(set(zf.namelist()), zf.read)


def own_output_reason(path: str, known: Collection[str] = (), sha256: Optional[str] = None) -> Optional[str]:
    """The skip reason of a workbook this tool wrote and nobody changed since (a scored copy or
    a 汇总.xlsx, renamed or moved back into the folder), else None.

    A scored copy a unit opened, corrected and sent back keeps the tool's property (office
    programs keep custom properties) but is a submission: it is the tool's own output only while
    its sha256 is one the tool recorded when writing it (``known``, from the state file) or its
    core properties are still those the tool wrote (output_tag). Never raises: a damaged file
    is scored, and fails, like any other."""
    try:
        marker = _marker(path)
    except Exception:  # noqa: BLE001 - see the docstring
        return None
    if marker is None:
        return None
    if marker.summary or marker.untouched:
        return OWN_OUTPUT_REASON
    if known and sha256 is None:
        try:
            sha256 = sha256_file(path)
        except OSError:
            return None
    return OWN_OUTPUT_REASON if sha256 in known else None


def scan(folder: Path, outdir: Path, recursive: bool, depth: int = 1) -> list[tuple[str, Optional[str]]]:
    """Every regular file under folder (OUTDIR excluded) as a relative posix path, sorted, with
    its skip reason: the folder itself and its subfolders ``depth`` levels down (an inbox is
    usually one folder per unit), or all of them when ``recursive``. A folder deeper than that
    is listed as skipped, never silently left out."""
    found: list[tuple[str, Optional[str]]] = []
    out_resolved = outdir.resolve()
    base = len(folder.parts)
    for root, dirs, files in os.walk(folder):
        root_path = Path(root)
        dirs[:] = sorted(d for d in dirs if (root_path / d).resolve() != out_resolved and not d.startswith(".")
                         and d not in TOOL_FOLDERS)
        for d in [d for d in dirs if (root_path / d / STATE_NAME).is_file()]:
            # Another output folder of this tool (a run with another -o): its copies are outputs.
            dirs.remove(d)
            found.append(((root_path / d).relative_to(folder).as_posix() + "/", OUTPUT_FOLDER_REASON))
        if not recursive and len(root_path.parts) - base >= depth:
            for d in dirs:
                rel = (root_path / d).relative_to(folder).as_posix() + "/"
                found.append((rel, f"子文件夹层级过深（只扫描 {depth} 层子文件夹），未扫描；如需扫描请加 --recursive"))
            dirs[:] = []
        prefix = root_path.relative_to(folder).as_posix() + "/" if root_path != folder else ""
        # Plain strings per file, no Path: pathlib interns every name it parses, and the
        # interpreter's table of interned strings never shrinks (1 MB for 10,000 files).
        regular = _regular_files(root, files) if files else set()
        for name in files:
            if name not in regular:  # also drops a dangling symlink
                continue
            found.append((prefix + name, _skip_reason(name)))
    found.sort()
    return found


def _split_suffix(name: str) -> tuple[str, str]:
    """A file name as stem and suffix, as Path.stem and Path.suffix split it (".hidden" and "a."
    have none): without a Path object per name (pathlib interns every name it parses)."""
    dot = name.rfind(".")
    return (name[:dot], name[dot:]) if 0 < dot < len(name) - 1 else (name, "")


def _regular_files(folder: str, names: list[str]) -> set[str]:
    """Those of ``names`` in folder that are regular files or links to one (as os.path.isfile):
    from one listing, where a stat per file costs a system call each (several on Windows)."""
    found: set[str] = set()
    try:
        with os.scandir(folder) as entries:
            for e in entries:
                try:
                    if e.is_file():
                        found.add(e.name)
                except OSError:  # as isfile: a file that cannot be looked at is no file
                    pass
    except OSError:
        return {n for n in names if os.path.isfile(os.path.join(folder, n))}
    return found


def scored_stem(rel: str) -> str:
    """The Windows-safe stem of rel's scored copy: its folders joined by "_", no reserved
    characters, at most 120 characters."""
    head, _, name = rel.rpartition("/")
    stem = _split_suffix(name)[0]
    if head:
        stem = head + "/" + stem
    if _UNSAFE.search(stem):  # (translate maps a non-ASCII name char by char: most names need none)
        stem = stem.translate(_RESERVED)
    return stem.strip(" .")[:120] or "workbook"


_RESERVED = str.maketrans({ch: "_" for ch in '/\\:*?"<>|'})  # folders joined by "_" too
_UNSAFE = re.compile("[" + re.escape('/\\:*?"<>|') + "]")


def unique_name(stem: str, taken: set[str]) -> str:
    """The scored copy's file name for ``stem``, numbered (-2, -3, …) past the names in
    ``taken`` (lower case: Windows and macOS fold case), which gets the new one."""
    name = stem + SCORED_SUFFIX
    n = 2
    while name.lower() in taken:
        name = f"{stem}-{n}{SCORED_SUFFIX}"
        n += 1
    taken.add(name.lower())
    return name


__all__ = ["OWN_OUTPUT_REASON", "TOOL_FOLDERS", "WITHDRAWN_DIR", "SCORED_SUFFIX", "SPREADSHEET_SUFFIXES", "own_output_reason", "scan", "scored_stem",
           "skip_reason", "unique_name"]
