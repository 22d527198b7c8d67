"""Qualitative wording: completion grades written in 实际完成值, and the 指标性质 column."""

from __future__ import annotations

import re

from perf_xlsx.model import Grade
from perf_xlsx.values.labels import normalize_label
from perf_xlsx.values.text import BRACKETS, TRAILING_PUNCT, clean_text, compact

_OFFICIAL: dict[str, Grade] = {}
for _a in ("预期", "年度"):
    for _b in ("指标", "目标"):
        _OFFICIAL[f"达成{_a}{_b}"] = Grade.ACHIEVED
    _OFFICIAL[f"部分达成{_a}指标并具有一定效果"] = Grade.PARTIAL
    _OFFICIAL[f"部分达成{_a}指标"] = Grade.PARTIAL
    for _v in ("未达成", "未完成"):
        _OFFICIAL[f"{_v}{_a}指标且效果较差"] = Grade.NOT

_LOOSE: dict[str, Grade] = {}
for _w in ("已完成 完成 全部完成 全面完成 圆满完成 是 达到 已达到 达标 已达标 效果明显 明显 显著 "
           "显著提升 效果显著 有效 良好 良 优 优秀 好 合格 满意 非常满意 符合 符合规定 符合要求 "
           "按时完成 按期完成 及时 提升 有所提升 提高 有所提高 较好 已实现 实现 已达成 达成").split():
    _LOOSE[_w] = Grade.ACHIEVED
for _w in ("基本达到 基本完成 基本达标 基本达成 基本实现 基本符合 基本满意 部分完成 部分达到 "
           "部分达成 部分实现 一般 效果一般").split():
    _LOOSE[_w] = Grade.PARTIAL
for _w in "未完成 未达到 未达成 未实现 未达标 否 没有 较差 差 不合格 不达标 不满意 不符合".split():
    _LOOSE[_w] = Grade.NOT

# 未/没有 in front of the verb negates however long the sentence is.
_NEGATED_RE = re.compile(r"(?:未|没有|没|尚未|不能|无法)(?:能|有|全部|完全)?(?:完成|达到|达成|实现|达标)"
                         r"|不合格|不达标|不符合|不满意|效果较差|效果差")
_PARTIAL_WORDS = ("部分达成", "部分完成", "部分达到", "部分实现", "基本达成", "基本完成", "基本达到",
                  "基本实现", "基本达标", "基本符合", "基本满意")
_ACHIEVED_WORDS = ("达成", "完成", "达到", "实现", "达标", "明显", "显著", "提升", "提高", "改善",
                   "符合", "满意", "良好", "有效")
# Any of these in a longer phrase may turn a positive word around ("不断提升", "无明显改善").
_NEGATION_CHARS = set("不未没无否差非")


def parse_grade(text: object) -> tuple[Grade | None, bool]:
    """Qualitative grade written in 实际完成值, and whether the wording is the official one.

    Exact phrases are looked up first. In a longer phrase only a negated verb (未完成…) is read
    everywhere; positive and partial words are read only when the phrase holds no digits and
    no negating character, so "完成率50%" or "无明显改善" are not taken as achieved.
    """
    key = normalize_label(text).rstrip(TRAILING_PUNCT)
    if not key or key == "无":
        return None, False
    if key in _OFFICIAL:
        return _OFFICIAL[key], True
    if key in _LOOSE:
        return _LOOSE[key], False
    if _NEGATED_RE.search(key):
        return Grade.NOT, False
    if any(ch.isdigit() for ch in key):
        return None, False
    if any(w in key for w in _PARTIAL_WORDS):
        return Grade.PARTIAL, False
    if not (_NEGATION_CHARS & set(key)) and any(w in key for w in _ACHIEVED_WORDS):
        return Grade.ACHIEVED, False
    return None, False


# --- 指标性质 ------------------------------------------------------------------------------

_NATURE: dict[str, str] = {}
for _w in "≥ > ≥/> 正向 正向指标 大于等于 大于 不低于 不少于 不小于 越大越好".split():
    _NATURE[_w] = "ge"
for _w in "≤ < ≤/< 反向 反向指标 小于等于 小于 不高于 不超过 不大于 越小越好".split():
    _NATURE[_w] = "le"
for _w in "= 等于 等于指标".split():
    _NATURE[_w] = "eq"
for _w in "定性 定性指标".split():
    _NATURE[_w] = "qual"


def op_from_nature(text: object) -> str | None:
    """指标性质 column: ``≥``/正向 -> "ge", ``≤``/反向 -> "le", ``=`` -> "eq", 定性 -> "qual"."""
    key = compact(clean_text(text)).translate(BRACKETS).strip("()")
    return _NATURE.get(key)
