"""openpyxl.load_workbook for the tests, each distinct file parsed once per process.

Many tests load the same bytes (the seed workbook the builders memoize, a sample, one summary
read by several tests) and most then edit what they loaded. openpyxl takes ~55 ms to load a
builder table, three quarters of it giving every merged cell its borders one style at a time;
a pickled copy of the loaded workbook comes back in ~3 ms. :func:`load_workbook` loads a file
the first time its bytes are seen, keeps the workbook pickled, and hands out a fresh unpickled
copy each later time, so a test may edit and save what it gets.

A copy is the fresh load, object for object (:func:`differences`; tests/test_builders.py
checks it). Pickling keeps every list and dict in order, but not three things mended here: a
sheet's row and column dimension holders are defaultdicts, whose pickle drops the attributes
binding them to their sheet; a sheet's merged ranges are a set, whose order reaches the file,
so it is rebuilt the way openpyxl's reader builds it (a file whose rebuilt order would differ
is loaded afresh each time); and the style lists' keys lookups miss (:class:`_Lost`).
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import openpyxl
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.worksheet import Worksheet


class _Lost:
    """A key an IndexedList of the loaded workbook can no longer find: openpyxl's reader builds
    the lists of a stylesheet, then edits some of the style arrays in them (number formats
    renumbered), so those keys sit under their old hash and every lookup misses them, and a
    save appends such a style again. An unpickled dict would hash them anew and find them."""

    __slots__ = ()


@dataclass
class _Unpickled:
    """What a pickle of a loaded workbook loses."""

    #: per sheet: its merged ranges in the order of the loaded set (empty for a chartsheet)
    merges: list[list[str]]
    #: per sheet: the row and the column dimension holders' max_outline
    outlines: list[tuple[Optional[int], Optional[int]]]
    #: workbook attribute -> the positions in its IndexedList's dict of keys lookups miss
    lost_keys: dict[str, list[int]]


def _lost_positions(items: IndexedList) -> list[int]:
    return [i for i, key in enumerate(items._dict) if key not in items._dict]


def _note(wb: openpyxl.Workbook) -> Optional[_Unpickled]:
    """What to mend in copies of the freshly loaded ``wb``; None if it cannot all be mended
    (a list with lost keys that is no attribute of the workbook itself)."""
    lists = {name: v for name, v in vars(wb).items() if isinstance(v, IndexedList)}
    lost = {name: found for name, v in lists.items() if (found := _lost_positions(v))}
    if _lost_anywhere(wb) > sum(map(len, lost.values())):
        return None
    sheets = [ws if isinstance(ws, Worksheet) else None for ws in wb.worksheets]
    return _Unpickled(merges=[[str(r) for r in ws.merged_cells.ranges] if ws else [] for ws in sheets],
                      outlines=[(ws.row_dimensions.max_outline, ws.column_dimensions.max_outline) if ws
                                else (None, None) for ws in sheets],
                      lost_keys=lost)


def _lost_anywhere(wb: openpyxl.Workbook) -> int:
    """Lost keys in every IndexedList reachable from ``wb`` but the cells (which hold none)."""
    seen: set[int] = set()
    stack: list[Any] = [wb]
    count = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (str, bytes, int, float, type(None))):
            continue
        seen.add(id(obj))
        if isinstance(obj, IndexedList):
            count += len(_lost_positions(obj))
        if isinstance(obj, dict):
            stack += [v for k, v in obj.items() if k != "_cells"]
        elif isinstance(obj, (list, tuple, set)):
            stack += list(obj)
        if hasattr(obj, "__dict__") and not isinstance(obj, type):
            stack.append(vars(obj))
    return count


def _mend(wb: openpyxl.Workbook, lost: _Unpickled) -> bool:
    """Put back into an unpickled ``wb`` what the pickle lost; False if a sheet's merged
    ranges cannot be given the loaded order."""
    for name, positions in lost.lost_keys.items():
        items = getattr(wb, name)
        missed = set(positions)
        items._dict = {(_Lost() if i in missed else key): index for i, (key, index) in enumerate(items._dict.items())}
    for ws, order, (row_outline, col_outline) in zip(wb.worksheets, lost.merges, lost.outlines):
        if not isinstance(ws, Worksheet):
            continue
        for holder, factory, outline in ((ws.row_dimensions, ws._add_row, row_outline),
                                         (ws.column_dimensions, ws._add_column, col_outline)):
            holder.worksheet, holder.default_factory, holder.max_outline = ws, factory, outline
        if order:
            by_ref = {str(r): r for r in ws.merged_cells.ranges}
            ws.merged_cells = MultiCellRange([by_ref[ref] for ref in order])
            if [str(r) for r in ws.merged_cells.ranges] != order:
                return False
    return True


#: (content digest, keyword arguments) -> (pickled workbook, what to mend), or None for a file
#: that is always loaded afresh.
_CACHE: dict[tuple[bytes, tuple[tuple[str, Any], ...]], Optional[tuple[bytes, _Unpickled]]] = {}


def load_workbook(path: str | Path, **kwargs: Any) -> openpyxl.Workbook:
    """``openpyxl.load_workbook(path, **kwargs)``, from a copy when these bytes were loaded
    before with the same arguments. Read-only and VBA-keeping loads hold the file open or carry
    an archive, so they always go to openpyxl."""
    if kwargs.get("read_only") or kwargs.get("keep_vba"):
        return openpyxl.load_workbook(path, **kwargs)
    key = (hashlib.sha256(Path(path).read_bytes()).digest(), tuple(sorted(kwargs.items())))
    kept = _CACHE.get(key)
    if kept is not None:
        wb = pickle.loads(kept[0])
        _mend(wb, kept[1])
        return wb
    wb = openpyxl.load_workbook(path, **kwargs)
    if key not in _CACHE:
        _CACHE[key] = _keep(wb)
    return wb


def _keep(wb: openpyxl.Workbook) -> Optional[tuple[bytes, _Unpickled]]:
    lost = _note(wb)
    if lost is None:
        return None
    try:
        data = pickle.dumps(wb, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None  # something in it does not pickle
    return (data, lost) if _mend(pickle.loads(data), lost) else None


def differences(a: Any, b: Any, limit: int = 10) -> list[str]:
    """Where two object graphs differ (types, values, attributes, container items and their
    order, defaultdict factories), as paths; shared immutable leaves compare by value, and two
    objects met again are expected to be met together again (the graphs have one shape)."""
    out: list[str] = []
    pairs: dict[int, int] = {}
    stack: list[tuple[Any, Any, str]] = [(a, b, "wb")]
    while stack and len(out) < limit:
        x, y, path = stack.pop()
        if type(x) is not type(y):
            out.append(f"{path}: {type(x).__name__} vs {type(y).__name__}")
            continue
        if x is None or isinstance(x, (str, bytes, int, float, bool, complex, type)) or callable(x) and \
                not hasattr(x, "__self__") and not hasattr(x, "__dict__"):
            if x != y and not (isinstance(x, float) and x != x and y != y):
                out.append(f"{path}: {x!r} vs {y!r}")
            continue
        if id(x) in pairs:
            if pairs[id(x)] != id(y):
                out.append(f"{path}: shared differently")
            continue
        pairs[id(x)] = id(y)
        if hasattr(x, "__self__") and hasattr(x, "__func__"):  # a bound method
            if x.__func__ is not y.__func__:
                out.append(f"{path}: method {x.__func__} vs {y.__func__}")
            stack.append((x.__self__, y.__self__, f"{path}.__self__"))
            continue
        if isinstance(x, IndexedList):  # its dict by what lookups find, the lost keys alike
            shape_x, shape_y = _dict_shape(x._dict), _dict_shape(y._dict)
            if shape_x != shape_y or x.clean != y.clean:
                out.append(f"{path}: index {shape_x[:6]} vs {shape_y[:6]}")
            stack += [(i, j, f"{path}[{n}]") for n, (i, j) in enumerate(zip(x, y))] if len(x) == len(y) \
                else [(len(x), len(y), f"{path} length")]
            continue
        if isinstance(x, dict):
            if list(x) != list(y):
                out.append(f"{path}: keys {list(x)[:8]} vs {list(y)[:8]}")
                continue
            stack += [(x[k], y[k], f"{path}[{k!r}]") for k in x]
            if hasattr(x, "default_factory"):
                stack.append((x.default_factory, y.default_factory, f"{path}.default_factory"))
        elif isinstance(x, (list, tuple)):
            if len(x) != len(y):
                out.append(f"{path}: {len(x)} vs {len(y)} items")
                continue
            stack += [(i, j, f"{path}[{n}]") for n, (i, j) in enumerate(zip(x, y))]
        elif isinstance(x, (set, frozenset)):
            xs, ys = list(x), list(y)
            if len(xs) != len(ys):
                out.append(f"{path}: {len(xs)} vs {len(ys)} members")
                continue
            stack += [(i, j, f"{path}{{{n}}}") for n, (i, j) in enumerate(zip(xs, ys))]
        attrs_x = getattr(x, "__dict__", None)
        if attrs_x is not None and not isinstance(x, type):
            stack.append((attrs_x, y.__dict__, f"{path}.__dict__"))
        for slot in {s for k in type(x).__mro__ for s in getattr(k, "__slots__", ())}:
            if slot not in ("__dict__", "__weakref__"):
                stack.append((getattr(x, slot, None), getattr(y, slot, None), f"{path}.{slot}"))
    return out


def _dict_shape(d: dict[Any, int]) -> list[tuple[Any, int]]:
    return [(key if key in d and not isinstance(key, _Lost) else "<lost>", index) for key, index in d.items()]
