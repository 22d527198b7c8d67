"""Scoring rules as data: TOML profiles and their validating loader (the Profile type: rules.profile).

A profile file may name a ``base`` profile and override only some keys; every key is checked
against the schema below so a typo in an edited file is reported by name instead of being
silently ignored.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any, Callable, Optional

from perf_xlsx.fileutil import os_reason
from perf_xlsx.rules.profile import (
    BareNumber,
    Deduction,
    Enforce,
    EqualFormula,
    ExplanationMode,
    FundsScoring,
    LateDeadline,
    NegativeActual,
    Profile,
    ReverseFormula,
    ZeroBudget,
    options,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

RULES_DIR = Path(__file__).resolve().parent
DEFAULT_PROFILE = "national_2020"
GRADE_KEYS = ("ACHIEVED", "PARTIAL", "NOT")


class RulesError(ValueError):
    """A profile could not be loaded; the message is Chinese and names the offending key."""


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _choice(*options: str) -> Callable[[Any], Optional[str]]:
    def check(v: Any) -> Optional[str]:
        if v not in options:
            return "应为 " + " / ".join(f'"{o}"' for o in options)
        return None

    return check


def _number(lo: Optional[float] = None, hi: Optional[float] = None) -> Callable[[Any], Optional[str]]:
    def check(v: Any) -> Optional[str]:
        if not _num(v):
            return "应为数字"
        if lo is not None and v < lo:
            return f"应不小于 {lo}"
        if hi is not None and v > hi:
            return f"应不大于 {hi}"
        return None

    return check


def _boolean(v: Any) -> Optional[str]:
    return None if isinstance(v, bool) else "应为 true 或 false"


def _string(v: Any) -> Optional[str]:
    return None if isinstance(v, str) and v.strip() else "应为非空文本"


def _pairs(first_check: Callable[[Any], bool], second_check: Callable[[Any], bool], what: str
           ) -> Callable[[Any], Optional[str]]:
    def check(v: Any) -> Optional[str]:
        if not isinstance(v, list):
            return f"应为列表，如 {what}"
        for item in v:
            if not (isinstance(item, list) and len(item) == 2
                    and first_check(item[0]) and second_check(item[1])):
                return f"每项应形如 {what}，实为 {item!r}"
        return None

    return check


def _weights_table(v: Any) -> Optional[str]:
    if not isinstance(v, dict):
        return '应为表，如 { "产出指标" = 50 }'
    for k, w in v.items():
        if not _num(w) or w < 0:
            return f'"{k}" 的分值应为非负数字'
    return None


def _bands(v: Any) -> Optional[str]:
    if not isinstance(v, dict) or set(v) != set(GRADE_KEYS):
        return "应含且只含 ACHIEVED / PARTIAL / NOT 三项"
    for k in GRADE_KEYS:
        b = v[k]
        if not (isinstance(b, list) and len(b) == 2 and all(_num(x) for x in b)
                and 0 <= b[0] <= b[1] <= 1):
            return f"{k} 应为 [下限, 上限]，0 ≤ 下限 ≤ 上限 ≤ 1"
    return None


def _shares(v: Any) -> Optional[str]:
    if not isinstance(v, dict) or set(v) != set(GRADE_KEYS):
        return "应含且只含 ACHIEVED / PARTIAL / NOT 三项"
    for k in GRADE_KEYS:
        if not _num(v[k]) or not 0 <= v[k] <= 1:
            return f"{k} 应为 0–1 之间的比例"
    return None


def _grade_bands(v: Any) -> Optional[str]:
    err = _pairs(_num, lambda s: isinstance(s, str) and bool(s), '[[90, "优"], [80, "良"]]')(v)
    if err:
        return err
    if not v:
        return "至少需要一个等级"
    mins = [b[0] for b in v]
    if mins != sorted(mins, reverse=True):
        return "等级下限应从高到低排列"
    if mins[-1] > 0:
        return "最后一个等级的下限应为 0，否则低分无等级"
    return None


LEVEL1_ROLES = ("产出指标", "效益指标", "满意度指标", "")


def _level1_roles(v: Any) -> Optional[str]:
    if not isinstance(v, dict):
        return '应为表，如 { "履职效能" = "产出指标", "管理效率" = "" }'
    for k, role in v.items():
        if role not in LEVEL1_ROLES:
            return f'"{k}" 应对应 ' + " / ".join(f'"{r}"' for r in LEVEL1_ROLES)
    return None


def _names(v: Any) -> Optional[str]:
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        return '应为名称列表，如 ["预算执行", "绩效管理"]'
    return None


SCHEMA: dict[str, dict[str, Callable[[Any], Optional[str]]]] = {
    "funds": {
        "weight": _number(0, 100),
        "scoring": _choice(*options(FundsScoring)),
        "cap_at_weight": _boolean,
        "intervals": _pairs(_num, _num, "[0.9, 0.9]"),
        "total_caps": _pairs(_num, _num, "[0.8, 89]"),
        "explain_below_rate": _number(0, 1),
        "zero_budget": _choice(*options(ZeroBudget)),
    },
    "weights": {
        "expected": _weights_table,
        "total": _number(1),
        "enforce": _choice(*options(Enforce)),
    },
    "indicators": {
        "reverse_formula": _choice(*options(ReverseFormula)),
        "equal_formula": _choice(*options(EqualFormula)),
        "bare_number": _choice(*options(BareNumber)),
        "negative_actual": _choice(*options(NegativeActual)),
        "late_deadline": _choice(*options(LateDeadline)),
    },
    "qualitative": {"bands": _bands, "default_share": _shares},
    "overachievement": {
        "explain_threshold": _number(0),
        "deduction": _choice(*options(Deduction)),
        "deduction_points": _number(0),
    },
    "explanations": {
        "below_target": _choice(*options(ExplanationMode)),
        "over_target": _choice(*options(ExplanationMode)),
    },
    "not_applicable": {"rescale_to_100": _boolean},
    "goals": {"vague_share": _number(0, 1), "require_satisfaction": _boolean},
    "grades": {"bands": _grade_bands},
    "department": {"level1": _level1_roles, "level2": _names},
    "tolerance": {"money": _number(0), "rate_points": _number(0), "score": _number(0)},
}
TOP_LEVEL = {"name": _string, "title": _string, "base": _string}


def builtin_names() -> list[str]:
    return sorted(p.stem for p in RULES_DIR.glob("*.toml"))


def builtin_path(name: str) -> Path:
    return RULES_DIR / f"{name}.toml"


def profile_text(spec: str) -> str:
    """The TOML text of a built-in profile name or a file, as a user would edit it."""
    path = _resolve(spec)
    return path.read_text(encoding="utf-8")


def _resolve(spec: str) -> Path:
    if spec in builtin_names():
        return builtin_path(spec)
    path = Path(spec)
    if path.suffix.lower() == ".toml" or path.exists():
        if not path.is_file():
            raise RulesError(f"找不到规则文件：{spec}")
        return path
    raise RulesError(f"未知的规则：{spec}（内置规则：{'、'.join(builtin_names())}，或给出 .toml 文件路径）")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RulesError(f"无法读取规则文件 {path}：{os_reason(exc)}") from None
    try:
        return tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise RulesError(f"规则文件 {path} 不是 UTF-8 编码，请另存为 UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        # The parser's own words are English; where it says the line, that is what helps.
        at = re.search(r"line (\d+), column (\d+)", str(exc))
        where = f"第 {at.group(1)} 行第 {at.group(2)} 列附近格式有误" if at else "格式有误"
        raise RulesError(f"规则文件 {path} 不是有效的 TOML：{where}（请对照 perf-xlsx rules 导出的文件检查"
                         "方括号、引号和等号）") from None


def _validate(doc: dict[str, Any], where: str) -> None:
    for key, value in doc.items():
        if key in TOP_LEVEL:
            err = TOP_LEVEL[key](value)
            if err:
                raise RulesError(f"{where}：键 {key} {err}")
            continue
        if key not in SCHEMA:
            raise RulesError(f"{where}：未知的键 [{key}]（可用：{'、'.join(SCHEMA)}）")
        if not isinstance(value, dict):
            raise RulesError(f"{where}：[{key}] 应为一节（表），实为 {value!r}")
        for sub, subval in value.items():
            if sub not in SCHEMA[key]:
                raise RulesError(
                    f"{where}：未知的键 {key}.{sub}（[{key}] 可用：{'、'.join(SCHEMA[key])}）")
            err = SCHEMA[key][sub](subval)
            if err:
                raise RulesError(f"{where}：键 {key}.{sub} {err}")


def _load_doc(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    if path in seen:
        raise RulesError(f"规则文件的 base 形成循环：{' → '.join(str(p) for p in (*seen, path))}")
    doc = _read_toml(path)
    _validate(doc, str(path) if path.parent != RULES_DIR else path.stem)
    base = doc.get("base")
    if base is None:
        return doc
    base_path = _resolve(base) if base in builtin_names() else _resolve(str(path.parent / base))
    merged = _load_doc(base_path.resolve(), (*seen, path))
    for section, values in doc.items():
        if isinstance(values, dict):
            merged.setdefault(section, {}).update(values)
        else:
            merged[section] = values
    merged.pop("base", None)
    return merged


def load_profile(spec: Optional[str] = None) -> Profile:
    """Load a built-in profile by name or a TOML file by path; raise RulesError with a clear message."""
    spec = spec or DEFAULT_PROFILE
    path = _resolve(spec)
    doc = _load_doc(path.resolve(), ())
    where = spec
    for section, keys in SCHEMA.items():
        for key in keys:
            if key not in doc.get(section, {}):
                raise RulesError(f"{where}：缺少键 {section}.{key}（可在文件中写 base = \"{DEFAULT_PROFILE}\" 继承默认值）")
    if "name" not in doc:
        raise RulesError(f"{where}：缺少键 name")
    _check_consistency(doc, where)
    data = {s: dict(doc[s]) for s in SCHEMA}
    name, title = str(doc["name"]), str(doc.get("title", doc["name"]))
    if spec not in builtin_names() and name in builtin_names() and data != load_profile(name).data:
        # An exported profile edited without renaming it: results must not pass for the
        # built-in rules (the JSON profile, the console and 汇总 all show this name).
        name = f"{name}（已修改：{path.name}）"
    return Profile(name=name, title=title, source=spec, data=data)


def _check_consistency(doc: dict[str, Any], where: str) -> None:
    if doc["funds"]["scoring"] == "intervals" and not doc["funds"]["intervals"]:
        raise RulesError(f"{where}：键 funds.intervals 在 funds.scoring = \"intervals\" 时不能为空")
    expected_sum = sum(doc["weights"]["expected"].values())
    if expected_sum and abs(expected_sum + doc["funds"]["weight"] - doc["weights"]["total"]) > 1e-9:
        raise RulesError(
            f"{where}：键 weights.expected 合计 {expected_sum:g} + funds.weight "
            f"{doc['funds']['weight']:g} ≠ weights.total {doc['weights']['total']:g}")
