"""What a batch will score: the folder walk, why a file is skipped, the tool's own outputs, and
the name of each scored copy.

Everything here is decided before any worker starts, from names alone, except the own-output
check, which opens the file and so runs in a worker (:func:`own_output_reason`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from perf_xlsx.write.scored import is_scored_output

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".ods", ".xltx", ".xltm"}
SYSTEM_FILES = {"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db"}
SCORED_SUFFIX = ".scored.xlsx"
OWN_OUTPUT_REASON = "本工具生成的评分结果（已评分文件）"


def skip_reason(path: Path) -> Optional[str]:
    """Why a file is skipped without being opened, or None when it should be scored."""
    name = path.name
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
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return f"不是电子表格文件（{path.suffix or '无扩展名'}）"
    if ".scored." in lower:
        return "本工具生成的评分结果"
    return None


def own_output_reason(path: str) -> Optional[str]:
    """The skip reason of a workbook this tool wrote (a scored copy or a 汇总.xlsx, renamed or
    moved back into the folder: recognised by its document property), else None. Never raises:
    a damaged file is scored, and fails, like any other."""
    try:
        return OWN_OUTPUT_REASON if is_scored_output(path) else None
    except Exception:  # noqa: BLE001 - see the docstring
        return None


def scan(folder: Path, outdir: Path, recursive: bool) -> list[tuple[str, Optional[str]]]:
    """Every regular file under folder (OUTDIR excluded) as a relative posix path, sorted, with
    its skip reason."""
    found: list[tuple[str, Optional[str]]] = []
    out_resolved = outdir.resolve()
    walker = os.walk(folder) if recursive else [(str(folder), [], os.listdir(folder))]
    for root, dirs, files in walker:
        root_path = Path(root)
        dirs[:] = sorted(d for d in dirs if (root_path / d).resolve() != out_resolved and not d.startswith("."))
        for name in files:
            path = root_path / name
            if not path.is_file() or path.is_symlink() and not path.exists():
                continue
            found.append((path.relative_to(folder).as_posix(), skip_reason(path)))
    found.sort()
    return found


def scored_stem(rel: str) -> str:
    """The Windows-safe stem of rel's scored copy: its folders joined by "_", no reserved
    characters, at most 120 characters."""
    stem = Path(rel).with_suffix("").as_posix().replace("/", "_")
    for ch in '\\:*?"<>|':
        stem = stem.replace(ch, "_")
    return stem.strip(" .")[:120] or "workbook"


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


__all__ = ["OWN_OUTPUT_REASON", "SCORED_SUFFIX", "SPREADSHEET_SUFFIXES", "own_output_reason", "scan", "scored_stem",
           "skip_reason", "unique_name"]
