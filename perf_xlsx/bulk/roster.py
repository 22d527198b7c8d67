"""The roster (单位名单): which units are due to submit, and which have not.

A roster is an .xlsx/.xls/.ods or .csv file: a column of unit names (headed 单位 / 单位名称,
or the first column when there is no header) and optionally a column of expected projects
(headed 项目 / 项目名称), one row per unit or per unit and project. Names are matched after
normalising (全角/半角, spaces, brackets); a name that only resembles a roster name (an extra
or missing 县/区/市 prefix, a typo) is not counted, but listed for a person to confirm.
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
    except Exception as exc:  # noqa: BLE001 - any unreadable roster is one clear message
        raise RosterError(f"无法读取名单 {path.name}：请确认是 .xlsx/.xls/.ods 或 .csv 文件（{type(exc).__name__}）") from None
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
        raise RosterError(f"名单 {p.name} 是空的：第一列应为单位名称")
    head = rows[0]
    unit_col = next((i for i, c in enumerate(head) if "单位" in c), None)
    project_col = next((i for i, c in enumerate(head) if "项目" in c), None)
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
        raise RosterError(f"名单 {p.name} 中没有单位名称")
    return Roster(tuple(units), tuple(projects))


def _core(name: str) -> str:
    return _PLACE.sub("", normalise(name), count=1)


def compare(roster: Roster, submitted: Sequence[tuple[str, str, str]]) -> RosterStatus:
    """The roster against what arrived: ``submitted`` is (unit, project, path) per scored table."""
    by_name: dict[str, list[tuple[str, str, str]]] = {}
    for unit, project, path in submitted:
        if normalise(unit):
            by_name.setdefault(normalise(unit), []).append((unit, project, path))
    matched: dict[str, str] = {}  # roster name -> normalised submitted name
    for name in roster.units:
        if normalise(name) in by_name:
            matched[name] = normalise(name)
    used = set(matched.values())
    near: list[NearMiss] = []
    for name in roster.units:
        if name in matched:
            continue
        core = _core(name)
        for key, items in sorted(by_name.items()):
            if key in used:
                continue
            other = _core(key)
            similar = (core and core == other) or difflib.SequenceMatcher(None, normalise(name), key).ratio() >= NEAR \
                or (len(core) >= 2 and len(other) >= 2 and (core in key or other in normalise(name)))
            if similar:
                near.append(NearMiss(roster_name=name, submitted_name=items[0][0], path=items[0][2]))
    missing = tuple(n for n in roster.units if n not in matched)
    missing_projects = []
    for unit, project in roster.projects:
        found = matched.get(unit)
        names = {normalise(p) for _, p, _ in by_name.get(found, [])} if found else set()
        if normalise(project) not in names:
            missing_projects.append((unit, project))
    roster_keys = {normalise(n) for n in roster.units}
    unknown: dict[tuple[str, str], None] = {}
    for key, items in sorted(by_name.items()):
        if key not in roster_keys:
            unknown[(items[0][0], items[0][2])] = None
    return RosterStatus(expected=len(roster.units), submitted=len(matched), missing=missing,
                        missing_projects=tuple(missing_projects), near_misses=tuple(near),
                        unknown_units=tuple(unknown))


def roster_line(status: Optional[RosterStatus]) -> Optional[str]:
    if status is None:
        return None
    return f"应交 {status.expected}，已交 {status.submitted}，未交 {len(status.missing)}"


__all__ = ["Roster", "RosterError", "compare", "read_roster", "roster_line"]
