"""Table tests for perf_xlsx.values: what people type in cells, and what the parser makes of it."""

from __future__ import annotations

import datetime
import time
from decimal import Decimal
from typing import Any

import pytest

from perf_xlsx.model import Grade, Quantity
from perf_xlsx.values import (
    clean_text,
    explicitly_not_applicable,
    normalize_label,
    op_from_nature,
    parse_grade,
    parse_money,
    parse_number,
    parse_quantity,
    split_weight_suffix,
)
from perf_xlsx.values.labels import _T2S_PAIRS

A, P, N = Grade.ACHIEVED, Grade.PARTIAL, Grade.NOT

# --- clean_text ------------------------------------------------------------------------------

CLEAN_CASES = [
    (None, ""),
    ("", ""),
    ("  项目名称  ", "项目名称"),
    ("某局_x0007_", "某局"),
    ("名称_x000D_\n", "名称"),
    ("a_x000D_b", "a\nb"),
    ("a\r\nb", "a\nb"),
    ("_x005F_x0007_", "_x0007_"),  # Excel's escaped underscore: a literal "_x0007_"
    ("_xD83D__xDE00_", "\U0001F600"),  # an escaped surrogate pair is one character
    ("x_xD83D_y", "xy"),  # a lone surrogate half is dropped
    ("a\tb", "a\tb"),
    ("a\x00b\x1fc\x7f", "abc"),
    ("\u200b95%\ufeff", "95%"),
    ("项\u200c目\u200d", "项目"),
    ("\u3000项目\u00a0", "项目"),
    (5.0, "5"),
    (-0.0, "0"),
    (2.5, "2.5"),
    (100, "100"),
    (float("nan"), "nan"),
    (datetime.datetime(2021, 12, 31), "2021-12-31"),
    (datetime.datetime(2021, 12, 31, 8, 30), "2021-12-31 08:30:00"),
]


@pytest.mark.parametrize("value,expected", CLEAN_CASES)
def test_clean_text(value: object, expected: str) -> None:
    assert clean_text(value) == expected


# --- normalize_label -------------------------------------------------------------------------

LABEL_CASES = [
    (" 全年预算数\n（A）：", "全年预算数(A)"),
    ("項目名稱", "项目名称"),
    ("績效目標", "绩效目标"),
    ("滿意度指標", "满意度指标"),
    ("實際完成值", "实际完成值"),
    ("產出指標", "产出指标"),
    ("服務對象滿意度指標", "服务对象满意度指标"),
    ("預算執行數", "预算执行数"),
    ("資金總額", "资金总额"),
    ("計劃", "计划"),
    ("財政撥款", "财政拨款"),
    ("結轉", "结转"),
    ("經濟效益", "经济效益"),
    ("可持續影響", "可持续影响"),
    ("單位", "单位"),
    ("评分", "评分"),
    ("项目\n名称", "项目名称"),
    ("项目\u3000名称", "项目名称"),
    ("\u200b项目名称 ", "项目名称"),
    ("名称_x000D_\n", "名称"),
    ("其中:当年财政拨款", "当年财政拨款"),
    ("其中：本年财政拨款", "当年财政拨款"),
    ("本年财政拨款", "当年财政拨款"),
    ("上年结转", "上年结转"),
    ("【一级指标】", "(一级指标)"),
    ("[分值]", "(分值)"),
    ("得分（Ｂ）", "得分(B)"),
    ("项目名称:", "项目名称"),
    (None, ""),
]


@pytest.mark.parametrize("text,expected", LABEL_CASES)
def test_normalize_label(text: object, expected: str) -> None:
    assert normalize_label(text) == expected


def test_t2s_table_is_one_to_one_and_idempotent() -> None:
    assert len(_T2S_PAIRS) % 2 == 0
    trad, simp = _T2S_PAIRS[0::2], _T2S_PAIRS[1::2]
    assert len(set(trad)) == len(trad)
    assert all(t != s for t, s in zip(trad, simp))
    # No simplified output is itself rewritten: normalising twice changes nothing.
    assert not set(trad) & set(simp)
    assert normalize_label(normalize_label("項目名稱績效指標")) == "项目名称绩效指标"


# --- split_weight_suffix ---------------------------------------------------------------------

WEIGHT_CASES = [
    ("产出指标(50分)", ("产出指标", 50.0)),
    ("效益指标（30分）", ("效益指标", 30.0)),
    ("产出指标", ("产出指标", None)),
    ("预算执行情况（10分）", ("预算执行情况", 10.0)),
    (" 满意度指标\n（１０分）", ("满意度指标", 10.0)),
    ("成本指标(20.5分)", ("成本指标", 20.5)),
    ("產出指標（50分）", ("产出指标", 50.0)),
    ("产出指标50分", ("产出指标", 50.0)),
    ("投入（15分）", ("投入", 15.0)),
    ("总分", ("总分", None)),
    (None, ("", None)),
]


@pytest.mark.parametrize("label,expected", WEIGHT_CASES)
def test_split_weight_suffix(label: object, expected: tuple[str, float | None]) -> None:
    assert split_weight_suffix(label) == expected


# --- parse_number ----------------------------------------------------------------------------

NUMBER_CASES: list[tuple[object, bool, float | None]] = [
    (8755, False, 8755.0),
    (0, False, 0.0),
    (2.5, False, 2.5),
    (Decimal("12.25"), False, 12.25),
    (0.9825, True, 98.25),
    (1, True, 100.0),
    ("200", False, 200.0),
    ("２００", False, 200.0),
    ("１，０００", False, 1000.0),
    ("1,000.5", False, 1000.5),
    ("1,234,567.89", False, 1234567.89),
    ("2,000.00", False, 2000.0),
    ("12.5%", False, 12.5),
    ("１２．５％", False, 12.5),
    ("+5", False, 5.0),
    ("-5", False, -5.0),
    (" 95 ", False, 95.0),
    ("\u00a095", False, 95.0),
    ("95\u3000", False, 95.0),
    ("0.9825", True, 0.9825),  # text is taken as typed, whatever the cell format
    # rejected
    ("", False, None),
    (None, False, None),
    (True, False, None),
    (False, True, None),
    ("—", False, None),
    ("-", False, None),
    ("/", False, None),
    ("nan", False, None),
    ("NaN", False, None),
    ("inf", False, None),
    ("Infinity", False, None),
    ("-inf", False, None),
    ("1_000", False, None),
    ("1e3", False, None),
    ("٣", False, None),
    ("१००", False, None),
    ("(200)", False, None),
    ("1,00", False, None),
    ("1,0000", False, None),
    ("1.", False, None),
    ("200万元", False, None),
    ("≥95%", False, None),
    ("二百", False, None),
    (float("nan"), False, None),
    (float("inf"), False, None),
    (float("-inf"), True, None),
    (Decimal("NaN"), False, None),
    (10**400, False, None),
]


@pytest.mark.parametrize("value,percent_format,expected", NUMBER_CASES)
def test_parse_number(value: object, percent_format: bool, expected: float | None) -> None:
    got = parse_number(value, percent_format=percent_format)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


# --- parse_money -----------------------------------------------------------------------------

MONEY_CASES: list[tuple[object, str, float | None]] = [
    ("200万元", "万元", 200.0),
    ("200万元", "元", 200.0),  # a unit in the text wins over the sheet's
    ("1.16亿元", "万元", 11600.0),
    ("387664.62元", "万元", 38.766462),
    ("5000千元", "万元", 500.0),
    ("3百万元", "万元", 300.0),
    ("200万", "元", 200.0),
    ("1亿", "万元", 10000.0),
    ("２００", "万元", 200.0),
    ("2,000.00", "元", 0.2),
    ("¥1,000", "元", 0.1),
    (" 19500 万元 ", "万元", 19500.0),
    (387664.62, "元", 38.766462),
    (200, "千元", 20.0),
    (5, "亿元", 50000.0),
    (89.974, "万元", 89.974),
    (5, "单位：元", 0.0005),
    (5, "（万元）", 5.0),
    (-3, "万元", -3.0),
    ("abc", "万元", None),
    ("5%", "万元", None),
    ("200人", "万元", None),
    ("", "万元", None),
    (None, "万元", None),
    (True, "万元", None),
    ("nan", "万元", None),
    (float("nan"), "万元", None),
    ("1_000", "万元", None),
    ("—", "万元", None),
]


@pytest.mark.parametrize("value,unit,expected", MONEY_CASES)
def test_parse_money(value: object, unit: str, expected: float | None) -> None:
    got = parse_money(value, unit)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


def test_parse_money_default_unit_is_wan() -> None:
    assert parse_money(90) == pytest.approx(90.0)


@pytest.mark.parametrize("unit", ["美元", "", "人"])
def test_parse_money_rejects_unknown_sheet_unit(unit: str) -> None:
    with pytest.raises(ValueError):
        parse_money(1, unit)


# --- parse_grade -----------------------------------------------------------------------------

GRADE_CASES: list[tuple[object, Grade | None, bool]] = [
    ("达成预期指标", A, True),
    ("达成年度指标", A, True),
    ("达成预期目标", A, True),
    ("达成年度目标", A, True),
    (" 达成预期指标。", A, True),
    ("達成預期指標", A, True),
    ("部分达成预期指标并具有一定效果", P, True),
    ("部分达成年度指标并具有一定效果", P, True),
    ("部分达成预期指标", P, True),
    ("部分达成年度指标", P, True),
    ("未达成预期指标且效果较差", N, True),
    ("未达成年度指标且效果较差", N, True),
    ("未完成预期指标且效果较差", N, True),
    ("已完成", A, False),
    ("完成", A, False),
    ("全部完成", A, False),
    ("是", A, False),
    ("达到", A, False),
    ("已达到", A, False),
    ("达标", A, False),
    ("已达标", A, False),
    ("效果明显", A, False),
    ("明显", A, False),
    ("显著", A, False),
    ("显著提升", A, False),
    ("有效", A, False),
    ("良好", A, False),
    ("优", A, False),
    ("合格", A, False),
    ("满意", A, False),
    ("符合", A, False),
    ("符合规定", A, False),
    ("符合相关规定", A, False),
    ("按时完成", A, False),
    ("及时", A, False),
    ("提升", A, False),
    ("有所提升", A, False),
    ("较好", A, False),
    ("在项目计划完成时间内完成", A, False),
    ("基本达到", P, False),
    ("基本完成", P, False),
    ("基本达标", P, False),
    ("部分完成", P, False),
    ("部分达到", P, False),
    ("一般", P, False),
    ("基本达到预期", P, False),
    ("未完成", N, False),
    ("未达到", N, False),
    ("未达成", N, False),
    ("未实现", N, False),
    ("否", N, False),
    ("没有", N, False),
    ("较差", N, False),
    ("差", N, False),
    ("不合格", N, False),
    ("未能完成全年任务", N, False),
    ("没有达到预期效果", N, False),
    ("未达成预期指标", N, False),
    ("未完成3个", N, False),  # a negated verb counts even next to a number
    ("无", None, False),
    ("", None, False),
    (None, None, False),
    ("严格执行相关制度规定", None, False),
    ("高", None, False),
    ("不断提升", None, False),  # 不 may turn the phrase around: leave it to a person
    ("无明显改善", None, False),
    ("完成率50%", None, False),
    ("100%", None, False),
]


@pytest.mark.parametrize("text,grade,standard", GRADE_CASES)
def test_parse_grade(text: object, grade: Grade | None, standard: bool) -> None:
    assert parse_grade(text) == (grade, standard)


# --- op_from_nature --------------------------------------------------------------------------

NATURE_CASES: list[tuple[object, str | None]] = [
    ("≥", "ge"), ("≧", "ge"), (">=", "ge"), ("＞＝", "ge"), (">", "ge"), ("＞", "ge"),
    ("正向", "ge"), ("正向指标", "ge"), ("大于等于", "ge"), (" ≥ ", "ge"),
    ("≤", "le"), ("≦", "le"), ("<=", "le"), ("＜＝", "le"), ("<", "le"), ("反向", "le"),
    ("反向指标", "le"), ("小于等于", "le"),
    ("=", "eq"), ("＝", "eq"), ("﹦", "eq"), ("═", "eq"), ("等于", "eq"),
    ("定性", "qual"), ("定性指标", "qual"), ("（定性）", "qual"),
    ("", None), (None, None), ("abc", None), ("定量", None), (5, None),
]


@pytest.mark.parametrize("text,expected", NATURE_CASES)
def test_op_from_nature(text: object, expected: str | None) -> None:
    assert op_from_nature(text) == expected


# --- parse_quantity --------------------------------------------------------------------------

DEFAULTS: dict[str, Any] = {
    "value": None, "unit": None, "family": None, "op": None, "strict": False, "direction": None,
    "grade": None, "grade_standard": False, "is_range": False, "not_applicable": False,
    "placeholder": False,
}
PCT = {"unit": "%", "family": "percent"}
WAN = {"unit": "万元", "family": "money"}
USD = {"unit": "万美元", "family": "usd"}


def count(unit: str) -> dict[str, Any]:
    return {"unit": unit, "family": "count"}


# (cell value, keyword arguments, expected fields other than the defaults above)
QUANTITY_CASES: list[tuple[object, dict[str, Any], dict[str, Any]]] = [
    # numeric cells
    (8755, {}, {"value": 8755}),
    (0, {}, {"value": 0}),
    (95.5, {}, {"value": 95.5}),
    (0.9825, {"percent_format": True}, {"value": 98.25, **PCT}),
    (1, {"percent_format": True}, {"value": 100, **PCT}),
    (0.95, {}, {"value": 0.95}),  # no % format: the stored number as it is
    (95, {"unit_hint": "%"}, {"value": 95, **PCT}),
    (0.95, {"percent_format": True, "unit_hint": "%"}, {"value": 95, **PCT}),
    (200, {"unit_hint": "元"}, {"value": 0.02, **WAN}),
    (200, {"unit_hint": "万元"}, {"value": 200, **WAN}),
    (3, {"unit_hint": "人次"}, {"value": 3, **count("人次")}),
    (float("nan"), {}, {}),
    (float("inf"), {}, {}),
    (True, {}, {}),
    (None, {}, {}),
    ("", {}, {}),
    ("   ", {}, {}),
    # numbers as text, full-width, separators, whitespace
    ("8755", {}, {"value": 8755}),
    ("0", {}, {"value": 0}),
    ("２００", {}, {"value": 200}),
    ("１，０００", {}, {"value": 1000}),
    ("1,000.5", {}, {"value": 1000.5}),
    ("１００％", {}, {"value": 100, **PCT}),
    ("100%", {}, {"value": 100, **PCT}),
    ("98%", {}, {"value": 98, **PCT}),
    (" 95 % ", {}, {"value": 95, **PCT}),
    ("95\u00a0%", {}, {"value": 95, **PCT}),
    ("\u200b95%", {}, {"value": 95, **PCT}),
    ("95\u3000%", {}, {"value": 95, **PCT}),
    ("１２．５％", {}, {"value": 12.5, **PCT}),
    ("百分之九十五", {}, {"value": 95, **PCT}),
    ("≥100百分比", {}, {"value": 100, **PCT, "op": "ge"}),
    ("提高5个百分点", {}, {"value": 5, **PCT}),
    ("-5%", {}, {"value": -5, **PCT}),
    ("≥-5%", {}, {"value": -5, **PCT, "op": "ge"}),
    ("95", {"unit_hint": "%"}, {"value": 95, **PCT}),
    ("95", {"unit_hint": "百分比"}, {"value": 95, **PCT}),
    ("50", {"unit_hint": "（个）"}, {"value": 50, **count("个")}),
    ("5", {"unit_hint": "—"}, {"value": 5}),
    ("95%", {"unit_hint": "个"}, {"value": 95, **PCT}),  # the cell's own unit wins
    # operators
    ("≥90%", {}, {"value": 90, **PCT, "op": "ge"}),
    ("≧100%", {}, {"value": 100, **PCT, "op": "ge"}),
    (">=95%", {}, {"value": 95, **PCT, "op": "ge"}),
    ("＞＝90%", {}, {"value": 90, **PCT, "op": "ge"}),
    ("不低于95%", {}, {"value": 95, **PCT, "op": "ge"}),
    ("不少于3次", {}, {"value": 3, **count("次"), "op": "ge"}),
    ("95％以上", {}, {"value": 95, **PCT, "op": "ge"}),
    ("3人及以上", {}, {"value": 3, **count("人"), "op": "ge"}),
    ("大于等于90%", {}, {"value": 90, **PCT, "op": "ge"}),
    ("达到95%", {}, {"value": 95, **PCT, "op": "ge"}),
    ("至少2场", {}, {"value": 2, **count("场"), "op": "ge"}),
    ("大于90%", {}, {"value": 90, **PCT, "op": "ge", "strict": True}),
    (">80", {}, {"value": 80, "op": "ge", "strict": True}),
    ("超过100人", {}, {"value": 100, **count("人"), "op": "ge", "strict": True}),
    ("高于80%", {}, {"value": 80, **PCT, "op": "ge", "strict": True}),
    ("≤90万元", {}, {"value": 90, **WAN, "op": "le"}),
    ("≦5%", {}, {"value": 5, **PCT, "op": "le"}),
    ("<=5%", {}, {"value": 5, **PCT, "op": "le"}),
    ("不高于5%", {}, {"value": 5, **PCT, "op": "le"}),
    ("不超过100万元", {}, {"value": 100, **WAN, "op": "le"}),
    ("5%以内", {}, {"value": 5, **PCT, "op": "le"}),
    ("控制在100万元以内", {}, {"value": 100, **WAN, "op": "le"}),
    ("控制在100万元内", {}, {"value": 100, **WAN, "op": "le"}),
    ("3个工作日内", {}, {"value": 3, **count("个工作日"), "op": "le"}),
    ("小于5次", {}, {"value": 5, **count("次"), "op": "le", "strict": True}),
    ("<1%", {}, {"value": 1, **PCT, "op": "le", "strict": True}),
    ("低于3%", {}, {"value": 3, **PCT, "op": "le", "strict": True}),
    ("=1个", {}, {"value": 1, **count("个"), "op": "eq"}),
    ("＝100%", {}, {"value": 100, **PCT, "op": "eq"}),
    ("﹦100%", {}, {"value": 100, **PCT, "op": "eq"}),
    ("═100%", {}, {"value": 100, **PCT, "op": "eq"}),
    ("等于0", {}, {"value": 0, "op": "eq"}),
    ("≥95%(含95%)", {}, {"value": 95, **PCT, "op": "ge"}),
    # direction words
    ("正向", {}, {"op": "ge", "direction": "正向"}),
    ("反向指标", {}, {"op": "le", "direction": "反向"}),
    ("90%（正向）", {}, {"value": 90, **PCT, "op": "ge", "direction": "正向"}),
    ("反向5%", {}, {"value": 5, **PCT, "op": "le", "direction": "反向"}),
    ("反向≥90%", {}, {"value": 90, **PCT, "op": "ge", "direction": "反向"}),  # contradiction kept
    # units
    ("≥266米", {}, {"value": 266, **count("米"), "op": "ge"}),  # an actual written with ≥
    ("≥50厘米", {}, {"value": 50, **count("厘米"), "op": "ge"}),
    ("≧735人次", {}, {"value": 735, **count("人次"), "op": "ge"}),
    ("≤0起", {}, {"value": 0, **count("起"), "op": "le"}),
    ("0起", {}, {"value": 0, **count("起")}),
    ("≥9.5%", {}, {"value": 9.5, **PCT, "op": "ge"}),
    ("≤2亿元", {}, {"value": 20000, **WAN, "op": "le"}),
    ("19500万元", {}, {"value": 19500, **WAN}),
    ("20万元", {}, {"value": 20, **WAN}),
    ("75元", {}, {"value": 0.0075, **WAN}),
    ("387664.62元", {}, {"value": 38.766462, **WAN}),
    ("5000千元", {}, {"value": 500, **WAN}),
    ("1.16亿元", {}, {"value": 11600, **WAN}),
    ("<=5300元/户", {}, {"value": 5300, "unit": "元/户", "family": "other", "op": "le"}),
    ("2万元/户", {}, {"value": 2, "unit": "万元/户", "family": "other"}),
    ("≥3次/年", {}, {"value": 3, "unit": "次/年", "family": "other", "op": "ge"}),
    ("21.7亿美元", {}, {"value": 217000, **USD}),
    ("28000万美元", {}, {"value": 28000, **USD}),
    ("500美元", {}, {"value": 0.05, **USD}),
    ("1.5万人", {}, {"value": 15000, **count("人")}),
    ("1.5万亩", {}, {"value": 15000, **count("亩")}),
    ("658.62亿", {}, {"value": 65862000000}),
    ("200万", {"unit_hint": "元"}, {"value": 200, **WAN}),
    ("200万", {"unit_hint": "万元"}, {"value": 200, **WAN}),
    ("5千米", {}, {"value": 5, **count("千米")}),
    ("100m2", {}, {"value": 100, **count("m²")}),
    ("100㎡", {}, {"value": 100, **count("㎡")}),
    ("100km", {}, {"value": 100, **count("km")}),
    ("12个月", {}, {"value": 12, **count("个月")}),
    ("3年", {}, {"value": 3, **count("年")}),
    ("≥90分", {}, {"value": 90, **count("分"), "op": "ge"}),
    ("2000人", {}, {"value": 2000, **count("人")}),
    # Chinese numerals
    ("三场", {}, {"value": 3, **count("场")}),
    ("两个", {}, {"value": 2, **count("个")}),
    ("十二次", {}, {"value": 12, **count("次")}),
    ("二十五人", {}, {"value": 25, **count("人")}),
    ("不少于两个", {}, {"value": 2, **count("个"), "op": "ge"}),
    ("三年以上", {}, {"value": 3, **count("年"), "op": "ge"}),
    ("二百", {}, {}),  # beyond 99: not guessed
    ("一定效果", {}, {}),
    # ranges
    ("80-90%", {}, {**PCT, "is_range": True}),
    ("80%-90%", {}, {**PCT, "is_range": True}),
    ("5~10个", {}, {**count("个"), "is_range": True}),
    ("5～10个", {}, {**count("个"), "is_range": True}),
    ("80至90分", {}, {**count("分"), "is_range": True}),
    ("80—90", {}, {"is_range": True}),
    ("80-90", {"unit_hint": "%"}, {**PCT, "is_range": True}),
    # dates
    ("２０２１年１２月３１日前", {}, {"family": "date", "op": "le"}),
    ("2021年12月31日前完成", {}, {"family": "date", "op": "le"}),
    ("2021年12月31日", {}, {"family": "date"}),
    ("12月底前", {}, {"family": "date", "op": "le"}),
    ("年底前", {}, {"family": "date", "op": "le"}),
    # a deadline beside a count: the count is the target, at least N (not a ≤ on the number)
    ("年底前完成3场", {}, {"value": 3, **count("场"), "op": "ge"}),
    ("6月底前举办3场", {}, {"value": 3, **count("场"), "op": "ge"}),
    ("年底前不超过3次", {}, {"value": 3, **count("次"), "op": "le"}),
    ("2021.12.31", {}, {"family": "date"}),
    ("2021-12-31", {}, {"family": "date"}),
    ("不晚于2021年12月31日", {}, {"family": "date", "op": "le"}),
    ("2021年完成95%", {}, {"value": 95, **PCT}),
    (datetime.datetime(2021, 12, 31), {}, {"family": "date"}),
    # qualitative
    ("效果明显", {}, {"grade": A}),
    ("显著提升", {}, {"grade": A}),
    ("达成预期指标", {}, {"grade": A, "grade_standard": True}),
    ("部分达成预期指标并具有一定效果", {}, {"grade": P, "grade_standard": True}),
    ("未达成预期指标且效果较差", {}, {"grade": N, "grade_standard": True}),
    ("是", {}, {"grade": A}),
    ("已完成", {}, {"grade": A}),
    ("基本达到", {}, {"grade": P}),
    ("严格执行相关制度规定", {}, {}),
    # not applicable and placeholders
    ("无", {}, {"not_applicable": True}),
    ("不适用", {}, {"not_applicable": True}),
    ("—", {}, {"not_applicable": True}),
    ("——", {}, {"not_applicable": True}),
    ("–", {}, {"not_applicable": True}),
    ("-", {}, {"not_applicable": True}),
    ("/", {}, {"not_applicable": True}),
    ("／", {}, {"not_applicable": True}),
    ("N/A", {}, {"not_applicable": True}),
    ("n/a", {}, {"not_applicable": True}),
    ("(≥**人)", {}, {**count("人"), "op": "ge", "placeholder": True}),
    ("指标1：", {}, {"placeholder": True}),
    ("指标12", {}, {"placeholder": True}),
    ("……", {}, {"placeholder": True}),
    ("≥XX%", {}, {**PCT, "op": "ge", "placeholder": True}),
    # rejected numbers
    ("nan", {}, {}),
    ("NaN", {}, {}),
    ("inf", {}, {}),
    ("Infinity", {}, {}),
    ("1_000", {}, {}),
    ("1e3", {}, {}),
    ("٣", {}, {}),
    ("1,0000", {}, {}),
    ("12.5.3", {}, {}),
    ("3个,5次", {}, {}),  # two different numbers: which one is meant is a guess
    ("7×24小时", {}, {}),
]


def _fields(q: Quantity) -> dict[str, Any]:
    return {k: getattr(q, k) for k in DEFAULTS}


@pytest.mark.parametrize("value,kwargs,expected", QUANTITY_CASES)
def test_parse_quantity(value: object, kwargs: dict[str, Any], expected: dict[str, Any]) -> None:
    want = {**DEFAULTS, **expected}
    got = _fields(parse_quantity(value, **kwargs))
    if want["value"] is None:
        assert got["value"] is None
    else:
        assert got["value"] == pytest.approx(want["value"])
    assert {k: v for k, v in got.items() if k != "value"} == {
        k: v for k, v in want.items() if k != "value"}


def test_parse_quantity_never_returns_nan_or_inf() -> None:
    for value in (float("nan"), float("inf"), "nan", "inf", 10**400, "9" * 400):
        q = parse_quantity(value)
        assert q.value is None, value


def test_parse_quantity_raw_is_clean_text() -> None:
    assert parse_quantity(" 95 % ").raw == "95 %"
    assert parse_quantity("某局_x0007_").raw == "某局"
    assert parse_quantity(5.0).raw == "5"
    assert parse_quantity(None).raw == ""


def test_percent_forms_agree() -> None:
    """A fraction with % format, a bare 95 and the text "95%" are the same value (C4)."""
    forms = [parse_quantity(0.95, percent_format=True), parse_quantity("95%"),
             parse_quantity("９５％"), parse_quantity("95", unit_hint="%")]
    assert {(q.value, q.unit, q.family) for q in forms} == {(95.0, "%", "percent")}


@pytest.mark.parametrize("text", ["1,1" * 20000, "2021年" * 5000, "**" * 20000, "1-" * 20000])
def test_long_input_is_fast(text: str) -> None:
    # Linear-time patterns: a pasted essay or a hostile cell must not stall a batch run
    # (a quadratic pattern took minutes on inputs of this size; the bound is generous).
    start = time.perf_counter()
    parse_quantity(text)
    parse_grade(text)
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize(("raw", "expected"), [
    ("10分", 10.0), ("9.83 分", 9.83), ("10", 10.0), (8, 8.0), ("满分", None), ("百分", None), ("十分", None),
])
def test_parse_points(raw: object, expected: object) -> None:
    from perf_xlsx.values import parse_points

    assert parse_points(raw) == expected


@pytest.mark.parametrize(("raw", "day"), [
    ("2021年12月31日前", "2021-12-31"), ("2021年12月底前", "2021-12-31"), ("2021.11.30", "2021-11-30"),
    ("2024年2月", "2024-02-29"), ("12月底前", None), ("2021年13月", None),
])
def test_dates_carry_their_day(raw: str, day: object) -> None:
    import datetime

    q = parse_quantity(raw)
    assert q.family == "date" and q.value is None
    assert (datetime.date.fromordinal(q.when).isoformat() if q.when else None) == day


@pytest.mark.parametrize(("raw", "year", "day"), [
    # written without a year: the evaluation year dates them
    ("12月底前", 2022, "2022-12-31"), ("年底前", 2022, "2022-12-31"), ("年内", 2022, "2022-12-31"),
    ("12月31日前", 2022, "2022-12-31"), ("11月30日", 2022, "2022-11-30"), ("6月30日前", 2022, "2022-06-30"),
    ("10月上旬前", 2022, "2022-10-10"), ("9月中旬", 2022, "2022-09-20"), ("9月下旬", 2022, "2022-09-30"),
    ("12月底前", None, None), ("年底前", None, None),
    # a year written in the cell wins over the evaluation year
    ("2021年12月31日前", 2022, "2021-12-31"), ("2023年1月15日", 2022, "2023-01-15"),
    # spans stand for their last day
    ("2022年12月", None, "2022-12-31"), ("2022年底前", None, "2022-12-31"), ("2022年度", None, "2022-12-31"),
    ("2022年内", None, "2022-12-31"), ("2022年", None, "2022-12-31"), ("2022.12.31", None, "2022-12-31"),
    ("2022年10月上旬", None, "2022-10-10"),
    # no single day
    ("月底前", 2022, None), ("半年内", 2022, None), ("季度末", 2022, None),
])
def test_dates_take_the_evaluation_year(raw: str, year: int | None, day: object) -> None:
    q = parse_quantity(raw, year=year)
    assert q.family == "date" and q.value is None
    assert (datetime.date.fromordinal(q.when).isoformat() if q.when else None) == day


def test_date_words_that_are_grades_stay_grades() -> None:
    for raw in ("按时完成", "及时", "按期完成"):
        q = parse_quantity(raw, year=2022)
        assert q.family is None and q.when is None and q.grade is A


def test_written_money_unit_names_the_unit_as_typed() -> None:
    from perf_xlsx.values import written_money_unit

    assert written_money_unit("≤5元") == ("元", 0.0001)
    assert written_money_unit("≤2亿元") == ("亿元", 10000.0)
    assert written_money_unit("≤500", "（元）") == ("元", 0.0001)  # else the 度量单位 column's
    assert written_money_unit("≤100万美元") is None and written_money_unit("≥95%") is None


@pytest.mark.parametrize(("raw", "explicit"), [
    ("不适用", True), ("不涉及", True), ("无此项", True), ("N/A", True), ("ｎ／ａ", True), ("不适用。", True),
    ("无", False), ("—", False), ("/", False), ("-", False), ("", False), (None, False), ("无违规", False),
])
def test_explicit_not_applicable_words(raw: object, explicit: bool) -> None:
    # 无 and dashes also answer "none happened": only the explicit words mark a row 不适用 outright.
    assert explicitly_not_applicable(raw) is explicit


@pytest.mark.parametrize(("raw", "year", "day"), [
    ("第四季度", 2021, "2021-12-31"), ("四季度", 2021, "2021-12-31"), ("一季度", 2021, "2021-03-31"),
    ("第2季度末", 2021, "2021-06-30"), ("上半年", 2021, "2021-06-30"), ("下半年", 2021, "2021-12-31"),
    ("2022年第三季度前", 2021, "2022-09-30"), ("第四季度", None, None),
])
def test_quarters_and_half_years_are_deadlines(raw: str, year: int | None, day: object) -> None:
    q = parse_quantity(raw, year=year)
    assert q.family == "date" and q.value is None
    assert (datetime.date.fromordinal(q.when).isoformat() if q.when else None) == day
