"""The roster (单位名单): which units are due to submit, and which have not.

A roster is an .xlsx/.xls/.ods or .csv file: a column of unit names (headed 单位 / 单位名称,
or the first column when there is no header) and optionally a column of expected projects
(headed 项目 / 项目名称), one row per unit or per unit and project. Names are matched after
normalising (全角/半角, spaces, brackets); a name that only resembles a roster name (an extra
or missing 县/区/市 prefix, a typo) is counted neither 已交 nor 未交, but listed for a person to
confirm (名称相近). A file that does not look like a list of units (a README, a letter) is refused.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

from perf_xlsx.bulk.dupes import normalise
from perf_xlsx.bulk.extras import NearMiss, RosterStatus

# A leading place name as a roster often omits it (or a unit adds it): 长沙县商务局 vs 商务局.
_PLACE = re.compile(r"^.{1,6}?(?:省|自治区|市|自治州|州|盟|地区|县|自治县|区|旗)")
NEAR = 0.8  # difflib ratio from which a name is a near miss worth showing
#: What a roster looks like, said whenever a file given as one is not.
SHAPE = ("名单应为 .xlsx/.xls/.ods 或 .csv 文件：第一行为表头“单位名称”（可另加一列“项目名称”），"
         "以下每行一个单位名称")
# Sentence punctuation, a list's or a heading's mark, a link: a line of prose, not a unit's name.
_PROSE = re.compile(r"[。！？!?；;：:，,]|^[#*>\-]|https?://")


class RosterError(Exception):
    """The roster file cannot be used; Chinese message."""


@dataclass(frozen=True)
class Roster:
    units: tuple[str, ...]  # in roster order, each once
    projects: tuple[tuple[str, str], ...] = ()  # (unit, project) where the roster names projects


def _rows(path: Path) -> list[list[str]]:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        data = path.read_bytes()
        for codec in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(codec)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise RosterError(f"名单 {path.name} 的编码无法识别，请另存为 UTF-8 的 CSV")
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
        rows: list[Any] = sheet.to_python(skip_empty_area=False)
    except Exception:  # noqa: BLE001 - any unreadable roster is one clear message
        raise RosterError(f"无法读取名单 {path.name}：不是能打开的表格文件。{SHAPE}") from None
    return [[_text(c) for c in row] for row in rows]


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def read_roster(path: str) -> Roster:
    p = Path(path)
    if not p.is_file():
        raise RosterError(f"找不到名单文件：{path}")
    rows = [r for r in _rows(p) if any(r)]
    if not rows:
        raise RosterError(f"名单 {p.name} 是空的。{SHAPE}")
    head = rows[0]
    unit_col = next((i for i, c in enumerate(head) if "单位" in c and _heading(c)), None)
    project_col = next((i for i, c in enumerate(head) if "项目" in c and _heading(c)), None)
    if unit_col is None:
        unit_col = 0
    else:
        rows = rows[1:]
    units: dict[str, None] = {}
    projects: dict[tuple[str, str], None] = {}
    for row in rows:
        unit = row[unit_col] if unit_col < len(row) else ""
        if not unit:
            continue
        units[unit] = None
        if project_col is not None and project_col < len(row) and row[project_col]:
            projects[(unit, row[project_col])] = None
    if not units:
        raise RosterError(f"名单 {p.name} 中没有单位名称。{SHAPE}")
    # A README or a letter given by mistake would otherwise be a roster of its lines ("应交 1").
    # A note under a real list (注：…) is tolerated: most of the names must look like names.
    odd = [u for u in units if not _name_like(u)]
    if len(odd) * 2 > len(units):
        quoted = odd[0] if len(odd[0]) <= 20 else odd[0][:20] + "…"
        raise RosterError(f"{p.name} 不像单位名单（其中有“{quoted}”）。{SHAPE}")
    return Roster(tuple(units), tuple(projects))


def _name_like(text: str) -> bool:
    """Whether a cell could be a unit's name: short, Chinese, not a sentence."""
    # (a comparison, not a regex: compiling a CJK range costs milliseconds at every start-up)
    return len(text) <= 40 and any("\u3400" <= ch <= "\u9fff" for ch in text) and not _PROSE.search(text)


def _heading(cell: str) -> bool:
    """A column heading (单位名称, 项目名称（全称，盖章）), not a sentence that mentions 单位 or 项目."""
    return len(cell) <= 20 and not re.search(r"[。！？!?；;]", cell)


def _core(name: str) -> str:
    return _PLACE.sub("", normalise(name), count=1)


def _likeness(name: str, key: str) -> Optional[tuple[int, float]]:
    """How much roster ``name`` resembles the normalised submitted name ``key`` (higher is
    closer: the same name but for a place prefix first, then difflib's ratio), or None."""
    core, other = _core(name), _core(key)
    ratio = difflib.SequenceMatcher(None, normalise(name), key).ratio()
    if core and core == other:
        return (1, ratio)
    if ratio >= NEAR or (len(core) >= 2 and len(other) >= 2 and (core in key or other in normalise(name))):
        return (0, ratio)
    return None


def compare(roster: Roster, submitted: Sequence[tuple[str, str, str]]) -> RosterStatus:
    """The roster against what arrived: ``submitted`` is (unit, project, path) per scored table.

    Every roster unit is counted once: 已交 (its name arrived), 名称相近 (a name that only
    resembles it arrived: for a person to confirm) or 未交. A near miss pairs one roster name
    with one submitted name, the closest pairs first, so that neither is listed again as 未交
    or 名单外. 缺项目 is said of units that sent something (or a near miss) without a project
    the roster expects; a unit that sent nothing is 未交 and no more.
    """
    by_name: dict[str, list[tuple[str, str, str]]] = {}
    for unit, project, path in submitted:
        if normalise(unit):
            by_name.setdefault(normalise(unit), []).append((unit, project, path))
    matched: dict[str, str] = {}  # roster name -> normalised submitted name
    for name in roster.units:
        if normalise(name) in by_name:
            matched[name] = normalise(name)
    used = set(matched.values())
    candidates = []
    for order, name in enumerate(roster.units):
        if name in matched:
            continue
        for key in sorted(by_name):
            if key not in used and (likeness := _likeness(name, key)) is not None:
                candidates.append((-likeness[0], -likeness[1], order, key, name))
    paired: dict[str, str] = {}  # roster name -> normalised submitted name, as a near miss
    for _, _, _, key, name in sorted(candidates):
        if name not in paired and key not in used:
            paired[name] = key
            used.add(key)
    near = tuple(NearMiss(roster_name=name, submitted_name=by_name[paired[name]][0][0], path=by_name[paired[name]][0][2])
                 for name in roster.units if name in paired)
    missing = tuple(n for n in roster.units if n not in matched and n not in paired)
    missing_projects = []
    for unit, project in roster.projects:
        found = matched.get(unit) or paired.get(unit)
        if found is None:
            continue  # 未交 already says it
        if normalise(project) not in {normalise(p) for _, p, _ in by_name[found]}:
            missing_projects.append((unit, project))
    unknown: dict[tuple[str, str], None] = {}
    for key, items in sorted(by_name.items()):
        if key not in used:
            unknown[(items[0][0], items[0][2])] = None
    return RosterStatus(expected=len(roster.units), submitted=len(matched), missing=missing,
                        missing_projects=tuple(missing_projects), near_misses=near,
                        unknown_units=tuple(unknown))


def roster_line(status: Optional[RosterStatus]) -> Optional[str]:
    return None if status is None else status.counts()


__all__ = ["SHAPE", "Roster", "RosterError", "compare", "read_roster", "roster_line"]
