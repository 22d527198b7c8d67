"""The fixed wording of the drafts (phrases.toml): problem titles, suggestions, fixes.

A report states a problem only when a check found it, and pairs it with a suggestion from this
table; nothing is invented per workbook. A bureau rewords the table in a TOML file of its own
(``perf-xlsx report --phrases 文件.toml``), listing only the keys it changes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

from perf_xlsx.fileutil import os_reason

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

__all__ = ["PHRASES_FILE", "Phrases", "PhrasesError", "Problem", "load_phrases"]

PHRASES_FILE = Path(__file__).with_name("phrases.toml")


class PhrasesError(ValueError):
    """A phrases file that cannot be used (Chinese message)."""


@dataclass(frozen=True)
class Problem:
    key: str
    title: str
    lead: str
    suggestion_title: str
    suggestion: str


@dataclass(frozen=True)
class Phrases:
    low_rate: float
    problems: Mapping[str, Problem]
    fixes: Mapping[str, str]
    form_notes: tuple[str, ...] = ()  # words of a form's own printed instructions under a table

    def fix(self, code: str) -> str:
        return self.fixes.get(code) or self.fixes.get("default", "")


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise PhrasesError(f"无法读取措辞文件 {path}：{os_reason(exc)}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PhrasesError(f"措辞文件 {path} 格式有误：{exc}") from None


def _merge(base: dict[str, Any], over: Mapping[str, Any], where: str = "") -> None:
    for key, value in over.items():
        if key not in base:
            raise PhrasesError(f"措辞文件：未知的键 {where}{key}（可用：{'、'.join(base)}）")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise PhrasesError(f"措辞文件：{where}{key} 应为一个表")
            _merge(base[key], value, f"{where}{key}.")
        elif isinstance(base[key], str) and not isinstance(value, str):
            raise PhrasesError(f"措辞文件：{where}{key} 应为文字")
        else:
            base[key] = value


def load_phrases(path: Optional[str] = None) -> Phrases:
    """The built-in table, with the keys of ``path`` (a TOML file) replacing its own."""
    data = _read(PHRASES_FILE)
    if path is not None:
        over = _read(Path(path))
        fixes = over.pop("fixes", {})
        _merge(data, over)
        if not isinstance(fixes, dict) or not all(isinstance(v, str) for v in fixes.values()):
            raise PhrasesError("措辞文件：[fixes] 的每一项应为文字")
        data["fixes"].update(fixes)  # any finding code may be given its own advice
    low = data["report"]["low_rate"]
    if isinstance(low, bool) or not isinstance(low, (int, float)) or not 0 <= low <= 1:
        raise PhrasesError("措辞文件：report.low_rate 应为 0 到 1 之间的数")
    notes = data["report"].get("form_notes", [])
    if not isinstance(notes, list) or not all(isinstance(x, str) and x for x in notes):
        raise PhrasesError("措辞文件：report.form_notes 应为一组文字")
    problems = {k: Problem(key=k, **v) for k, v in data["problems"].items()}
    return Phrases(low_rate=float(low), problems=problems, fixes=dict(data["fixes"]), form_notes=tuple(notes))
