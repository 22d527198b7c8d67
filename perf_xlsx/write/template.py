"""The standard 项目支出绩效自评表 workbook: blank template or the filled seed example.

One workbook holds a 填报说明 sheet written from the active rules profile (so the help text
and the checker can never disagree), a 项目清单 unit sheet and one national-layout project
sheet per project (财预〔2020〕10号 附件1, scoring-rules.md §1.1).

Every formula is written with its cached value: the checker, pandas and other readers that
do not recalculate see the same figures a spreadsheet program shows. Totals sit below their
blocks and their SUM ranges start at the header row, so rows inserted anywhere inside a
block are picked up by Excel/WPS/LibreOffice.
"""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Optional, Union

from perf_xlsx.a1 import quote_sheet
from perf_xlsx.a1 import ref as a1
from perf_xlsx.fileutil import atomic_write
from perf_xlsx.judge.indicators import score_indicator
from perf_xlsx.judge.numbers import fmt, round2
from perf_xlsx.judge.scoring import funds_points
from perf_xlsx.model import CellValue, Grade, Indicator
from perf_xlsx.rules import Profile

__all__ = [
    "DEFAULT_FILENAME",
    "FundsLine",
    "IndicatorLine",
    "ProjectData",
    "WorkbookData",
    "blank_data",
    "example_data",
    "fit_to_profile",
    "help_lines",
    "write_template",
    "write_workbook",
]

DEFAULT_FILENAME = "项目支出绩效自评表.xlsx"
HELP_SHEET = "填报说明"
UNIT_SHEET = "项目清单"
EXAMPLE_YEAR = 2021
# A fixed creation time keeps the output byte-for-byte reproducible (the committed template
# is compared with a fresh one in the tests).
CREATED = datetime(2020, 1, 1)

Number = Union[int, float]

# --- structure of the indicator block ----------------------------------------------------

OUTPUT, BENEFIT, SATISFACTION, COST = "产出指标", "效益指标", "满意度指标", "成本指标"
LEVEL2: dict[str, tuple[str, ...]] = {
    OUTPUT: ("数量指标", "质量指标", "时效指标", "成本指标"),
    BENEFIT: ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    SATISFACTION: ("服务对象满意度指标",),
    # 财预〔2021〕101号 moves cost to the first level; used only when a profile weights it.
    COST: ("经济成本指标", "社会成本指标", "生态环境成本指标"),
}
# Blank rows per 二级指标: quantity and quality targets are the ones units list several of.
BLANK_ROWS = {"数量指标": 3, "质量指标": 3}
DEFAULT_BLANK_ROWS = 2

GRADES = (Grade.ACHIEVED.label, Grade.PARTIAL.label, Grade.NOT.label)

# --- cell positions on a project sheet (1-based rows, columns A=1 …) -----------------------

NCOLS = 10  # A..J
COL_WIDTHS = (10, 12, 20, 30, 13, 13, 11, 9, 10, 26)
R_TITLE, R_YEAR, R_UNIT, R_NAME, R_DEPT = 1, 2, 3, 4, 5
R_FUNDS_HEAD = 6
R_FUNDS_TOTAL = 7
FUNDS_PARTS = ("current_appropriation", "carry_over", "other")
FUNDS_LABELS = {"total": "年度资金总额", "current_appropriation": "其中：当年财政拨款",
                "carry_over": "上年结转资金", "other": "其他资金"}
R_GOAL_HEAD = R_FUNDS_TOTAL + len(FUNDS_PARTS) + 1  # 11
R_GOAL_TEXT = R_GOAL_HEAD + 1
R_IND_HEAD = R_GOAL_TEXT + 1  # 13
# funds block columns
C_INITIAL, C_FULL, C_EXEC, C_FW, C_RATE, C_FS = 5, 6, 7, 8, 9, 10
# indicator block columns
C_L1, C_L2, C_NAME, C_TARGET, C_ACTUAL, C_W, C_S, C_REASON = 2, 3, 4, 5, 6, 7, 8, 9


# --- data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundsLine:
    """One 其中 row of the funds block, in 万元; None = left blank."""

    initial: Optional[Number] = None
    full_year: Optional[Number] = None
    executed: Optional[Number] = None


@dataclass(frozen=True)
class IndicatorLine:
    level1: str
    level2: str
    name: str
    target: str
    actual: str
    weight: Number
    score: Optional[Number]
    reason: str = ""


@dataclass(frozen=True)
class ProjectData:
    sheet: str
    name: str = ""
    department: str = ""
    implementer: str = ""
    funds: dict[str, FundsLine] = field(default_factory=dict)
    goal_expected: str = ""
    goal_actual: str = ""
    indicators: tuple[IndicatorLine, ...] = ()
    notes: tuple[str, ...] = ()  # lines printed below the table


@dataclass(frozen=True)
class WorkbookData:
    year: int
    unit_name: str = ""
    projects: tuple[ProjectData, ...] = ()
    example: bool = False


def blank_data(year: int, projects: int = 1) -> WorkbookData:
    sheets = tuple(ProjectData(sheet=f"项目{i}") for i in range(1, projects + 1))
    return WorkbookData(year=year, projects=sheets)


# --- the seed example ----------------------------------------------------------------------

SEED_SOURCE = "《2021年度区商务局项目支出绩效自评报告》（长沙市芙蓉区商务局）"


def _ind(l1: str, l2: str, name: str, target: str, actual: str, weight: Number,
         score: Number, reason: str = "") -> IndicatorLine:
    return IndicatorLine(l1, l2, name, target, actual, weight, score, reason)


def example_data() -> WorkbookData:
    """The seed case: 芙蓉区商务局 2021, 招商节会 200 万元 + 农贸市场提质改造 250 万元.

    Targets with a stated completion percentage are derived from it (进出口 21.7 亿美元 =
    125.79% → 17.25 亿美元; 外商直接投资 28000 万美元 = 127.27% → 22000 万美元; 跨境电商
    6985 万美元 = 116.41% → 6000 万美元). Figures the report does not give (全年执行数, event
    counts, rates, satisfaction) are illustrative and the sheets say so in a note line.
    """
    out, ben, sat = OUTPUT, BENEFIT, SATISFACTION
    zhaoshang = ProjectData(
        sheet="招商节会",
        name="招商节会",
        department="长沙市芙蓉区商务局",
        implementer="长沙市芙蓉区商务局（芙蓉区招商促进中心）",
        funds={"current_appropriation": FundsLine(200, 200, 196.5)},
        goal_expected=(
            "按照区招商引资工作领导小组对招商工作的统一铺排，举办招商节会、参加省市节会、印刷招商资料、"
            "开展招商宣传，引进高税收企业，稳增长、促外贸，提升区域经济发展水平，提高财税收入。"),
        goal_actual=(
            "全区新引进项目61个，累计全口径税收1.16亿元；完成外商直接投资28000万美元（年度目标的127.27%），"
            "进出口额21.7亿美元（125.79%），跨境电商6985万美元（116.41%）；完成市政府下达的新注册"
            "“三类500强”目标任务2个。"),
        indicators=(
            _ind(out, "数量指标", "举办招商节会场次", "≥4场", "4场", 10, 10),
            _ind(out, "数量指标", "参加省市节会次数", "≥6次", "5次", 10, 8.33,
                 "受疫情影响，1场省级节会延期至下年度举办；下年度增加线上推介，提前锁定参会计划。"),
            _ind(out, "数量指标", "新引进项目个数", "≥50个", "61个", 10, 10),
            _ind(out, "质量指标", "签约项目履约率", "≥80%", "85%", 10, 10),
            _ind(out, "时效指标", "节会活动按计划完成率", "100%", "100%", 5, 5),
            _ind(out, "成本指标", "招商节会经费支出", "≤200万元", "196.5万元", 5, 5),
            _ind(ben, "经济效益指标", "实际利用外商直接投资", "≥22000万美元", "28000万美元", 6, 6),
            _ind(ben, "经济效益指标", "进出口总额", "≥17.25亿美元", "21.7亿美元", 6, 6),
            _ind(ben, "经济效益指标", "跨境电商交易额", "≥6000万美元", "6985万美元", 6, 6),
            _ind(ben, "经济效益指标", "新引进项目全口径税收", "≥1亿元", "1.16亿元", 6, 6),
            _ind(ben, "可持续影响指标", "新注册“三类500强”企业数", "≥2个", "2个", 6, 6),
            _ind(sat, "服务对象满意度指标", "参会客商满意度", "≥90%", "95%", 10, 10),
        ),
        notes=(
            f"说明：本表为填报示例，依据{SEED_SOURCE}编制。新引进项目61个、税收1.16亿元、外商直接投资、"
            "进出口额、跨境电商及“三类500强”的完成值取自报告，其指标值按报告所列完成比例倒推；"
            "全年执行数196.5万元及节会场次、履约率、完成率、满意度等报告未载明的数据为示意数据。",
        ),
    )
    nongmao = ProjectData(
        sheet="农贸市场提质改造",
        name="农贸市场提质改造",
        department="长沙市芙蓉区商务局",
        implementer="长沙市芙蓉区商务局",
        funds={"current_appropriation": FundsLine(250, 250, 250)},
        goal_expected=(
            "对辖区内农贸市场实施提质改造补助，改善市场环境卫生和经营秩序，促进消费，"
            "提升居民生活品质。"),
        goal_actual=(
            "完成辖区农贸市场提质改造并通过验收，市场环境明显改善；全区完成社会消费品零售总额"
            "658.62亿元，同比增长14.5%，累计增速内五区排名第一。"),
        indicators=(
            _ind(out, "数量指标", "提质改造农贸市场数量", "≥5个", "5个", 15, 15),
            _ind(out, "质量指标", "改造项目验收合格率", "100%", "100%", 15, 15),
            _ind(out, "时效指标", "改造按期完成率", "≥95%", "100%", 10, 10),
            _ind(out, "成本指标", "单个市场补助标准", "≤50万元", "50万元", 10, 10),
            _ind(ben, "经济效益指标", "全区社会消费品零售总额增速", "≥10%", "14.5%", 10, 10,
                 "消费券发放、夜间经济等促消费活动带动，增速超出预期（内五区第一）；"
                 "下年度按实际增长水平合理调高目标值。"),
            _ind(ben, "社会效益指标", "改造市场食品安全抽检合格率", "≥98%", "99.2%", 10, 10),
            _ind(ben, "可持续影响指标", "建立长效管理制度的市场数", "≥5个", "5个", 10, 10),
            _ind(sat, "服务对象满意度指标", "市场经营户满意度", "≥90%", "93%", 5, 5),
            _ind(sat, "服务对象满意度指标", "周边居民满意度", "≥90%", "92%", 5, 5),
        ),
        notes=(
            f"说明：本表为填报示例，依据{SEED_SOURCE}编制。年初预算250万元及社会消费品零售总额"
            "658.62亿元、增速14.5%取自报告；全年执行数250万元、改造市场数量、合格率、满意度等"
            "报告未载明的数据为示意数据。",
        ),
    )
    return WorkbookData(year=EXAMPLE_YEAR, unit_name="长沙市芙蓉区商务局",
                        projects=(zhaoshang, nongmao), example=True)


def fit_to_profile(data: WorkbookData, profile: Profile) -> WorkbookData:
    """The example under another rules profile: first-level weights scaled to the profile's,
    成本指标 moved to its own block where the profile has one, and every 得分 the one the
    profile gives, so the example is a correct filled form whatever ``--rules`` says."""
    level1 = [l1 for l1, _ in _structure(profile)]
    projects = []
    for p in data.projects:
        lines = list(p.indicators)
        if COST in level1:
            lines = [replace(i, level1=COST, level2=LEVEL2[COST][0]) if i.level2 == "成本指标" else i
                     for i in lines]
        for key, expected in profile.get("weights", "expected").items():
            members = [k for k, i in enumerate(lines) if i.level1 in key.split("+")]
            current = sum(float(lines[k].weight) for k in members)
            if not members or not current or abs(current - expected) < 1e-9:
                continue
            for k in members:
                scaled = round2(float(lines[k].weight) * expected / current)
                lines[k] = replace(lines[k], weight=_int_if_whole(scaled))
            # rounding drift goes to the heaviest row so the block sums to the profile's figure
            drift = round2(expected - sum(float(lines[k].weight) for k in members))
            if drift:
                heavy = max(members, key=lambda k: float(lines[k].weight))
                fixed = round2(float(lines[heavy].weight) + drift)
                lines[heavy] = replace(lines[heavy], weight=_int_if_whole(fixed))
        scored = []
        for n, line in enumerate(lines):
            ind = Indicator(row=n + 1, level1=line.level1, level2=line.level2, name=line.name,
                            target=CellValue(ref="E1", value=line.target),
                            actual=CellValue(ref="F1", value=line.actual),
                            weight=CellValue(ref="G1", value=float(line.weight)), score=None,
                            reason=CellValue(ref="I1", value=line.reason or None))
            result = score_indicator(ind, profile)
            score = line.score if result.score is None else _int_if_whole(result.score)
            scored.append(replace(line, score=score))
        projects.append(replace(p, indicators=tuple(scored)))
    return replace(data, projects=tuple(projects))


# --- computing the cached values -----------------------------------------------------------


def _sum(values: list[Optional[Number]]) -> Optional[float]:
    filled = [float(v) for v in values if v is not None]
    return round(sum(filled), 6) if filled else None


def _rate(budget: Optional[float], spent: Optional[float]) -> Optional[float]:
    if not budget or spent is None:
        return None
    return spent / budget


def _funds_score(rate: Optional[float], weight: float, profile: Profile) -> Optional[float]:
    """What the sheet's funds-score formula gives (see _funds_score_formula)."""
    if rate is None:
        return None
    return funds_points(rate, weight, profile)[0]


def _num_text(x: Number) -> str:
    # Full precision: the formula must step at exactly the profile's thresholds.
    return f"{x:.15g}"


def _funds_score_formula(rate: str, weight: str, profile: Profile) -> str:
    if profile.get("funds", "scoring") == "intervals":
        expr = "0"
        for minimum, share in reversed(profile.get("funds", "intervals")):
            expr = f"IF({rate}>={_num_text(minimum)},{_num_text(share)},{expr})"
        return f'=IF({rate}="","",ROUND({weight}*{expr},2))'
    capped = f"MIN({rate},1)" if profile.get("funds", "cap_at_weight") else rate
    return f'=IF({rate}="","",ROUND({capped}*{weight},2))'


def _int_if_whole(x: float) -> Number:
    return int(x) if float(x).is_integer() else x


# --- help text -------------------------------------------------------------------------------


def _pct(share: float) -> str:
    return f"{fmt(share * 100)}%"


def _weights_sentence(profile: Profile) -> str:
    parts = []
    expected: dict[str, Any] = profile.get("weights", "expected")
    for key, value in expected.items():
        names = key.split("+")
        if len(names) == 1:
            parts.append(f"{names[0]} {fmt(value)} 分")
        else:
            parts.append(f"{'、'.join(names[:-1])}与{names[-1]}合计 {fmt(value)} 分")
    total = fmt(profile.get("weights", "total"))
    text = f"总分 {total} 分：预算执行率 {fmt(profile.funds_weight)} 分"
    if parts:
        text += "，" + "，".join(parts)
    return text + "。"


def _funds_lines(profile: Profile) -> list[str]:
    w = profile.funds_weight
    lines = [
        "年初预算数填年初批复的预算；全年预算数填年中调整（追加、调减）后的预算；全年执行数填截至年末的实际支出。",
        "年度资金总额 = 当年财政拨款 + 上年结转资金 + 其他资金，自动合计，请勿手填；不适用的行留空（按 0 计），"
        "不要填“—”或文字。",
        "执行率 = 全年执行数 ÷ 全年预算数（按调整后的全年预算数计算，不按年初预算数）。",
    ]
    if profile.get("funds", "scoring") == "intervals":
        steps = "；".join(f"执行率 ≥ {_pct(m)} 得 {_pct(s)}（{fmt(w * s)} 分）"
                         for m, s in profile.get("funds", "intervals"))
        lines.append(f"预算执行率得分（分值 {fmt(w)} 分）按档计分，自上而下取第一个符合的档：{steps}；以下得 0 分。")
    elif profile.get("funds", "cap_at_weight"):
        lines.append(
            f"预算执行率得分 = 执行率 × {fmt(w)} 分，执行率超过 100% 的按 100% 计，四舍五入保留两位小数"
            f"（例：执行 196.5 ÷ 预算 200 = 98.25%，得 {fmt(round2(0.9825 * w))} 分）。")
    else:
        lines.append(f"预算执行率得分 = 执行率 × {fmt(w)} 分，四舍五入保留两位小数（执行率超过 100% 的按实际比例计）。")
    below = profile.get("funds", "explain_below_rate")
    if below:
        lines.append(f"执行率低于 {_pct(below)} 的，须在年度总体目标“实际完成情况”中说明原因（检查时给出提示）。")
    caps = sorted(profile.get("funds", "total_caps"), key=lambda c: -c[0])
    if caps:
        lines.append("执行率偏低时总分封顶：" + "；".join(
            f"执行率低于 {_pct(r)} 的，总分最高 {fmt(c)} 分" for r, c in caps) + "（取最低的适用上限）。")
    if profile.get("funds", "zero_budget") == "exclude_and_rescale":
        lines.append("全年预算数与执行数均为 0 的，预算执行率不计分，总分按其余分值折算为百分制。")
    else:
        lines.append("全年预算数为 0 时无法计算执行率，预算执行率记 0 分。")
    return lines


def _weight_lines(profile: Profile) -> list[str]:
    lines = [_weights_sentence(profile)]
    enforce = profile.get("weights", "enforce")
    if enforce == "warn":
        lines.append("一级指标分值原则上按上述标准设置，特殊情况可调整（检查时给出提示）。")
    elif enforce == "error":
        lines.append("一级指标分值必须按上述标准设置，不符的视为错误。")
    lines.append(
        f"二级、三级指标分值由单位按重要程度确定；预算执行率分值加各三级指标分值应等于 "
        f"{fmt(profile.get('weights', 'total'))} 分（总分行“分值”自动合计，可据此核对）。"
        "不适用的二级指标留空，不要填 0 分的空指标。")
    return lines


def _target_lines(profile: Profile) -> list[str]:
    lines = [
        "照抄年初批复的绩效目标，自评时不得修改。写明符号、数值和单位，如 ≥4场、≥95%、≤200万元、=1个；"
        "符号用 ≥、≤、=，也可写“不少于”“不超过”。",
    ]
    if profile.get("indicators", "bare_number") == "eq":
        lines.append("只写数值、未写符号的（如 100%），按“等于”（=）指标计分。")
    else:
        lines.append("只写数值、未写符号的（如 100%），按“不低于”（≥，正向）指标计分。")
    lines.append(
        f"无法量化的写明预期效果（定性指标，如“明显改善”），但应尽量量化：指标值无法量化的指标超过 "
        f"{_pct(profile.get('goals', 'vague_share'))} 时，检查将提示“绩效目标不够细化、量化”。")
    needed = "产出指标、效益指标" + ("和满意度指标" if profile.get("goals", "require_satisfaction") else "")
    lines.append(f"应设置{needed}。")
    return lines


def _actual_lines() -> list[str]:
    return [
        "填写实际完成的数值和单位，单位与年度指标值一致（如 5场、98.5%、196.5万元）；不要照抄指标值，不要带 ≥、≤ 符号。",
        f"定性指标从下拉列表选择完成等级：{' / '.join(GRADES)}（也可直接输入数值）。",
    ]


def _score_lines(profile: Profile) -> list[str]:
    reverse = profile.get("indicators", "reverse_formula")
    lines = [
        "各指标得分由单位按下列规则填写，检查时逐项核对；单项得分不超过分值（不设加分），四舍五入保留两位小数。",
        "正向指标（≥）：实际值达到指标值得满分；未达到的按 实际值 ÷ 指标值 × 分值 计分。",
    ]
    if reverse == "ratio":
        lines.append("反向指标（≤）：实际值不超过指标值得满分；超出的按 指标值 ÷ 实际值 × 分值 计分。")
    else:
        lines.append("反向指标（≤）：实际值不超过指标值得满分；超出的按 (1 − (实际值 − 指标值) ÷ 指标值) × 分值 计分，"
                     "超出一倍及以上得 0 分。")
    lines.append({
        "as_positive": "等于指标（=）：与正向指标同样计分，达到指标值得满分，未达到的按比例计分。",
        "two_sided": "等于指标（=）：相等得满分；不等的按 较小值 ÷ 较大值 × 分值 计分。",
        "exact": "等于指标（=）：相等得满分，不等得 0 分。",
    }[profile.get("indicators", "equal_formula")])
    bands = profile.get("qualitative", "bands")
    shares = profile.get("qualitative", "default_share")
    names = {"ACHIEVED": GRADES[0], "PARTIAL": GRADES[1], "NOT": GRADES[2]}
    parts = []
    for key in ("ACHIEVED", "PARTIAL", "NOT"):
        lo, hi = bands[key]
        upper = "" if key == "ACHIEVED" else f"，不含 {fmt(hi * 10)} 分"
        parts.append(f"{names[key]}得分值的 {_pct(lo)}–{_pct(hi)}（10 分的指标得 {fmt(lo * 10)}–{fmt(hi * 10)} 分{upper}）")
    lines.append("定性指标：" + "；".join(parts) + "。")
    lines.append("定性指标得分栏空白时，检查按 " + " / ".join(_pct(shares[k]) for k in ("ACHIEVED", "PARTIAL", "NOT"))
                 + " 计分。")
    threshold = profile.get("overachievement", "explain_threshold")
    if threshold:
        text = (f"超额完成：实际值达到指标值的 {_pct(threshold)} 及以上（反向指标：实际值不到上限的 1/{fmt(threshold)}），"
                "视为偏离较多，须在偏差原因栏说明（指标值是否定得不合理）")
        mode = profile.get("overachievement", "deduction")
        if mode == "fixed":
            text += f"；该项扣 {fmt(profile.get('overachievement', 'deduction_points'))} 分"
        elif mode == "proportional":
            text += "；得分按偏离度调减：分值 × (2 − 实际值 ÷ 指标值)"
        else:
            text += "；不扣分"
        lines.append(text + "。")
    else:
        lines.append("超额完成不扣分，也不要求说明。")
    return lines


def _reason_lines(profile: Profile) -> list[str]:
    how = {"error": "必须填写，空白视为错误", "warning": "应当填写，空白时检查给出提示", "off": "可不填写"}
    lines = [f"未完成指标值（得分低于分值）的，{how[profile.get('explanations', 'below_target')]}：写明未完成的原因和改进措施。"]
    if profile.get("overachievement", "explain_threshold"):
        lines.append(f"超额较多的，{how[profile.get('explanations', 'over_target')]}。")
    return lines


def _total_lines(profile: Profile) -> list[str]:
    total = fmt(profile.get("weights", "total"))
    lines = ["总分得分 = 预算执行率得分 + 各指标得分（自动合计）。"]
    if profile.get("not_applicable", "rescale_to_100"):
        lines.append(f"分值合计不为 {total} 分时，检查按 总分 ÷ 分值合计 × 100 折算为百分制后定级。")
    else:
        lines.append(f"分值合计不为 {total} 分时不折算，按原始总分定级。")
    bands = profile.grade_bands
    parts = []
    for i, (minimum, grade) in enumerate(bands):
        if i == 0:
            parts.append(f"{grade} ≥ {fmt(minimum)} 分")
        elif minimum > 0:
            parts.append(f"{grade} {fmt(minimum)}–{fmt(bands[i - 1][0])} 分（不含 {fmt(bands[i - 1][0])}）")
        else:
            parts.append(f"{grade} 低于 {fmt(bands[i - 1][0])} 分")
    lines.append("等级：" + "；".join(parts) + "。")
    tol = profile.data["tolerance"]
    lines.append(f"核对误差：金额 {fmt(tol['money'])} 万元，执行率 {fmt(tol['rate_points'])} 个百分点，得分 {fmt(tol['score'])} 分。")
    return lines


def help_lines(profile: Profile) -> list[tuple[str, str]]:
    """(topic, text) rows of the 填报说明 sheet; every rule-dependent figure comes from ``profile``."""
    sections: list[tuple[str, list[str]]] = [
        ("评分规则", [f"本说明按评分规则「{profile.title}」（{profile.name}）生成，perf-xlsx 检查时使用同一规则。"]),
        ("表格组成", [
            "本工作簿含「项目清单」和每个项目一张“项目支出绩效自评表”（财政部财预〔2020〕10号附件1格式）。",
            "浅黄色单元格由单位填写；灰色单元格是自动计算的公式，请勿改写；金额单位为万元。",
            "项目清单的金额和执行率自动取自各项目表；项目名称在各项目表填写。",
        ]),
        ("资金", _funds_lines(profile)),
        ("分值", _weight_lines(profile)),
        ("年度指标值", _target_lines(profile)),
        ("实际完成值", _actual_lines()),
        ("得分", _score_lines(profile)),
        ("偏差原因", _reason_lines(profile)),
        ("总分与等级", _total_lines(profile)),
        ("增加行", [
            "每个二级指标预留了空行。不够时，选中该二级指标第二行及以下的某一行，右键“插入”整行，"
            "新行自动并入该二级指标，分值、得分合计自动包含新行；不要在总分行上方插入。",
            "不适用的二级指标留空即可；多余的空行可以保留。",
            "增加项目：复制一张项目表（右键工作表标签 → 移动或复制 → 建立副本），并在项目清单中照前一行增加一行。",
        ]),
        ("自查", ["填好后运行 perf-xlsx check 文件名.xlsx 自查：列出未填项、合计不符、得分与规则不符等问题及所在单元格。"]),
    ]
    out: list[tuple[str, str]] = []
    for topic, texts in sections:
        for i, text in enumerate(texts):
            out.append((topic if i == 0 else "", f"{i + 1}. {text}" if len(texts) > 1 else text))
    return out


# --- writing -------------------------------------------------------------------------------


def _level1_names(profile: Profile) -> list[str]:
    """一级指标 in template order: the national three plus any the profile weights separately."""
    names: list[str] = []
    for key in profile.get("weights", "expected"):
        for part in key.split("+"):
            if part not in names:
                names.append(part)
    order = [COST, OUTPUT, BENEFIT, SATISFACTION]
    known = [n for n in order if n in names or n in (OUTPUT, BENEFIT, SATISFACTION)]
    return known + [n for n in names if n not in known]


def _structure(profile: Profile) -> list[tuple[str, tuple[str, ...]]]:
    out = []
    level1 = _level1_names(profile)
    for l1 in level1:
        level2 = LEVEL2.get(l1, (l1,))
        if l1 == OUTPUT and COST in level1:
            level2 = tuple(n for n in level2 if n != "成本指标")
        out.append((l1, level2))
    return out


def _text_units(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _height(text: str, width: float, line: float = 15.0, minimum: float = 15.0) -> float:
    """Row height (points) for wrapped text: neither Excel nor WPS grows rows on open."""
    usable = max(width - 2, 4)
    lines = sum(max(1, math.ceil(_text_units(part) / usable)) for part in text.split("\n"))
    return max(minimum, lines * line)


class _Formats:
    def __init__(self, wb: Any) -> None:
        base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter", "border": 1, "text_wrap": True}
        inp = dict(base, font_name="仿宋", bg_color="#FFF2CC")
        calc = dict(base, bg_color="#E7E6E6")
        self.title = wb.add_format({"font_name": "宋体", "font_size": 18, "bold": True, "align": "center",
                                    "valign": "vcenter"})
        self.subtitle = wb.add_format({"font_name": "宋体", "font_size": 12, "align": "center", "valign": "vcenter"})
        self.unit = wb.add_format({"font_name": "宋体", "font_size": 11, "align": "right", "valign": "vcenter"})
        self.label = wb.add_format(dict(base, align="center"))
        self.label_bold = wb.add_format(dict(base, align="center", bold=True))
        self.label_left = wb.add_format(dict(base, align="left"))
        self.input_text = wb.add_format(dict(inp, align="left"))
        self.input_center = wb.add_format(dict(inp, align="center"))
        self.input_money = wb.add_format(dict(inp, align="right", num_format="#,##0.00"))
        self.input_number = wb.add_format(dict(inp, align="center", num_format="General"))
        self.calc_money = wb.add_format(dict(calc, align="right", num_format="#,##0.00"))
        self.calc_pct = wb.add_format(dict(calc, align="center", num_format="0.00%"))
        self.calc_score = wb.add_format(dict(calc, align="center", num_format="0.00"))
        self.calc_number = wb.add_format(dict(calc, align="center", num_format="General"))
        self.calc_text = wb.add_format(dict(calc, align="left"))
        self.note = wb.add_format({"font_name": "宋体", "font_size": 10, "valign": "top", "text_wrap": True})
        self.help_title = wb.add_format({"font_name": "宋体", "font_size": 16, "bold": True, "align": "center",
                                         "valign": "vcenter"})
        self.help_topic = wb.add_format({"font_name": "宋体", "font_size": 11, "bold": True, "valign": "top",
                                         "border": 1, "text_wrap": True})
        self.help_text = wb.add_format({"font_name": "宋体", "font_size": 11, "valign": "top", "border": 1,
                                        "text_wrap": True})


class _Sheet:
    """1-based wrapper around an xlsxwriter worksheet."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    def put(self, row: int, col: int, value: Any, fmt_: Any) -> None:
        if value is None or value == "":
            self.ws.write_blank(row - 1, col - 1, None, fmt_)
        else:
            self.ws.write(row - 1, col - 1, value, fmt_)

    def merge(self, r1: int, c1: int, r2: int, c2: int, value: Any, fmt_: Any) -> None:
        if (r1, c1) == (r2, c2):
            self.put(r1, c1, value, fmt_)
        else:
            self.ws.merge_range(r1 - 1, c1 - 1, r2 - 1, c2 - 1, "" if value is None else value, fmt_)

    def formula(self, row: int, col: int, formula: str, fmt_: Any, value: Any) -> None:
        cached: Any = "" if value is None else value
        self.ws.write_formula(row - 1, col - 1, formula, fmt_, cached)

    def validate(self, r1: int, c1: int, r2: int, c2: int, options: dict[str, Any]) -> None:
        self.ws.data_validation(r1 - 1, c1 - 1, r2 - 1, c2 - 1, options)


MONEY_TIP = {"validate": "decimal", "criteria": ">=", "value": 0,
             "input_title": "金额（万元）", "input_message": "填写数字，单位万元；不适用的留空（按 0 计），不要填“—”。",
             "error_title": "金额应为数字", "error_message": "请填写不小于 0 的数字（单位万元），不适用的留空。"}


@dataclass
class _Written:
    """A project's 年度资金总额 as the 项目清单 shows it."""

    sheet: str
    name: str
    initial: Optional[float]
    full_year: Optional[float]
    executed: Optional[float]


def _totals(p: ProjectData) -> _Written:
    lines = [p.funds.get(k, FundsLine()) for k in FUNDS_PARTS]
    return _Written(sheet=p.sheet, name=p.name, initial=_sum([v.initial for v in lines]),
                    full_year=_sum([v.full_year for v in lines]), executed=_sum([v.executed for v in lines]))


def _write_project(wb: Any, f: _Formats, p: ProjectData, year: int, profile: Profile,
                   example: bool) -> None:
    ws = wb.add_worksheet(p.sheet)
    s = _Sheet(ws)
    for i, width in enumerate(COL_WIDTHS):
        ws.set_column(i, i, width)

    s.merge(R_TITLE, 1, R_TITLE, NCOLS, "项目支出绩效自评表", f.title)
    ws.set_row(R_TITLE - 1, 30)
    s.merge(R_YEAR, 1, R_YEAR, NCOLS, f"（{year}年度）", f.subtitle)
    ws.set_row(R_YEAR - 1, 20)
    s.merge(R_UNIT, 8, R_UNIT, NCOLS, "单位：万元", f.unit)

    s.merge(R_NAME, 1, R_NAME, 2, "项目名称", f.label)
    s.merge(R_NAME, 3, R_NAME, NCOLS, p.name, f.input_text)
    s.merge(R_DEPT, 1, R_DEPT, 2, "主管部门", f.label)
    s.merge(R_DEPT, 3, R_DEPT, 6, p.department, f.input_text)
    s.merge(R_DEPT, 7, R_DEPT, 8, "实施单位", f.label)
    s.merge(R_DEPT, 9, R_DEPT, NCOLS, p.implementer, f.input_text)
    for r in (R_NAME, R_DEPT):
        ws.set_row(r - 1, 22)

    # --- funds -----------------------------------------------------------------------------
    last_part = R_FUNDS_TOTAL + len(FUNDS_PARTS)
    s.merge(R_FUNDS_HEAD, 1, last_part, 2, "项目资金（万元）", f.label)
    s.merge(R_FUNDS_HEAD, 3, R_FUNDS_HEAD, 4, None, f.label)
    for col, text in ((C_INITIAL, "年初预算数"), (C_FULL, "全年预算数"), (C_EXEC, "全年执行数"),
                      (C_FW, "分值"), (C_RATE, "执行率"), (C_FS, "得分")):
        s.put(R_FUNDS_HEAD, col, text, f.label)
    ws.set_row(R_FUNDS_HEAD - 1, 22)
    parts = {k: p.funds.get(k, FundsLine()) for k in FUNDS_PARTS}
    first_part = R_FUNDS_TOTAL + 1
    col_values: dict[int, list[Optional[Number]]] = {C_INITIAL: [], C_FULL: [], C_EXEC: []}
    for i, key in enumerate(FUNDS_PARTS):
        r = first_part + i
        line = parts[key]
        s.merge(r, 3, r, 4, FUNDS_LABELS[key], f.label_left)
        for col, value in ((C_INITIAL, line.initial), (C_FULL, line.full_year), (C_EXEC, line.executed)):
            s.put(r, col, value, f.input_money)
            col_values[col].append(value)
        s.put(r, C_FW, "—", f.calc_number)
        rate_f = f'=IF(OR(N({a1(r, C_FULL)})=0,{a1(r, C_EXEC)}=""),"",{a1(r, C_EXEC)}/{a1(r, C_FULL)})'
        s.formula(r, C_RATE, rate_f, f.calc_pct, _rate(_f(line.full_year), _f(line.executed)))
        s.put(r, C_FS, "—", f.calc_number)
    s.validate(first_part, C_INITIAL, last_part, C_EXEC, MONEY_TIP)
    totals: dict[int, Optional[float]] = {}
    r = R_FUNDS_TOTAL
    s.merge(r, 3, r, 4, FUNDS_LABELS["total"], f.label_left)
    for col in (C_INITIAL, C_FULL, C_EXEC):
        rng = f"{a1(first_part, col)}:{a1(last_part, col)}"
        totals[col] = _sum(col_values[col])
        # Blank (not 0) until something is entered, so a blank form reads as "not filled in".
        s.formula(r, col, f'=IF(COUNT({rng})=0,"",SUM({rng}))', f.calc_money, totals[col])
    weight = profile.funds_weight
    s.put(r, C_FW, _int_if_whole(weight), f.calc_number)
    rate = _rate(totals[C_FULL], totals[C_EXEC])
    s.formula(r, C_RATE, f'=IF(OR(N({a1(r, C_FULL)})=0,{a1(r, C_EXEC)}=""),"",{a1(r, C_EXEC)}/{a1(r, C_FULL)})',
              f.calc_pct, rate)
    funds_score = _funds_score(rate, weight, profile)
    s.formula(r, C_FS, _funds_score_formula(a1(r, C_RATE), a1(r, C_FW), profile), f.calc_score, funds_score)
    for rr in range(R_FUNDS_TOTAL, last_part + 1):
        ws.set_row(rr - 1, 20)

    # --- 年度总体目标 ----------------------------------------------------------------------------
    s.merge(R_GOAL_HEAD, 1, R_GOAL_TEXT, 2, "年度总体目标", f.label)
    s.merge(R_GOAL_HEAD, 3, R_GOAL_HEAD, 6, "预期目标", f.label)
    s.merge(R_GOAL_HEAD, 7, R_GOAL_HEAD, NCOLS, "实际完成情况", f.label)
    s.merge(R_GOAL_TEXT, 3, R_GOAL_TEXT, 6, p.goal_expected, f.input_text)
    s.merge(R_GOAL_TEXT, 7, R_GOAL_TEXT, NCOLS, p.goal_actual, f.input_text)
    left_w = sum(COL_WIDTHS[2:6])
    right_w = sum(COL_WIDTHS[6:])
    ws.set_row(R_GOAL_TEXT - 1, max(48.0, _height(p.goal_expected, left_w), _height(p.goal_actual, right_w)))

    # --- 绩效指标 ------------------------------------------------------------------------------
    h = R_IND_HEAD
    for col, text in ((C_L1, "一级指标"), (C_L2, "二级指标"), (C_NAME, "三级指标"), (C_TARGET, "年度指标值"),
                      (C_ACTUAL, "实际完成值"), (C_W, "分值"), (C_S, "得分")):
        s.put(h, col, text, f.label)
    s.merge(h, C_REASON, h, NCOLS, "偏差原因分析及改进措施", f.label)
    ws.set_row(h - 1, 24)

    by_group: dict[tuple[str, str], list[IndicatorLine]] = {}
    for ind in p.indicators:
        by_group.setdefault((ind.level1, ind.level2), []).append(ind)
    structure = _structure(profile)
    known = {(l1, l2) for l1, l2s in structure for l2 in l2s}
    extra = [k for k in by_group if k not in known]
    if extra:  # names outside the standard structure still get their own rows
        raise ValueError(f"示例指标的一级/二级名称不在标准结构中：{extra}")
    row = h + 1
    ind_weights: list[float] = []
    ind_scores: list[float] = []
    level1_names = [l1 for l1, _ in structure]
    for l1, level2s in structure:
        l1_start = row
        for l2 in level2s:
            lines = by_group.get((l1, l2), [])
            blank = BLANK_ROWS.get(l2, DEFAULT_BLANK_ROWS)
            # The example shows a filled form: its groups have just the rows they use (empty
            # groups keep one row so the standard structure stays visible).
            count = max(len(lines), 1) if example else max(len(lines), blank)
            l2_start = row
            for i in range(count):
                ind = lines[i] if i < len(lines) else None
                ws.set_row(row - 1, max(18.0, _height(ind.name, COL_WIDTHS[C_NAME - 1]) if ind else 18.0,
                                        _height(ind.reason, COL_WIDTHS[8] + COL_WIDTHS[9]) if ind else 18.0))
                s.put(row, C_NAME, ind.name if ind else None, f.input_text)
                s.put(row, C_TARGET, ind.target if ind else None, f.input_center)
                s.put(row, C_ACTUAL, ind.actual if ind else None, f.input_center)
                s.put(row, C_W, ind.weight if ind else None, f.input_number)
                s.put(row, C_S, ind.score if ind else None, f.input_number)
                s.merge(row, C_REASON, row, NCOLS, ind.reason if ind and ind.reason else None, f.input_text)
                if ind is not None:
                    ind_weights.append(float(ind.weight))
                    if ind.score is not None:
                        ind_scores.append(float(ind.score))
                row += 1
            s.merge(l2_start, C_L2, row - 1, C_L2, l2, f.label)
        s.merge(l1_start, C_L1, row - 1, C_L1, l1, f.label)
    last_ind = row - 1
    s.merge(h, 1, last_ind, 1, "绩效指标", f.label)

    first = h + 1
    s.validate(first, C_L1, last_ind, C_L1, {
        "validate": "list", "source": level1_names, "error_type": "warning",
        "input_title": "一级指标", "input_message": "从下拉列表选择一级指标。",
        "error_title": "一级指标名称", "error_message": "不是标准的一级指标名称，确定要使用吗？"})
    s.validate(first, C_L2, last_ind, C_L2, {
        "validate": "list", "source": [n for _, l2s in structure for n in l2s], "error_type": "warning",
        "input_title": "二级指标", "input_message": "从下拉列表选择二级指标；不适用的二级指标留空。",
        "error_title": "二级指标名称", "error_message": "不是标准的二级指标名称，确定要使用吗？"})
    s.validate(first, C_TARGET, last_ind, C_TARGET, {
        "validate": "any", "input_title": "年度指标值（照抄批复目标）",
        "input_message": "符号+数值+单位，如 ≥4场、≥95%、≤200万元、=1个；定性指标写预期效果。自评时不得修改。"})
    s.validate(first, C_ACTUAL, last_ind, C_ACTUAL, {
        "validate": "list", "source": list(GRADES), "show_error": False,
        "input_title": "实际完成值",
        "input_message": "定量指标填写实际数值和单位（如 5场、98.5%），不带 ≥ ≤；定性指标从下拉列表选择完成等级。"})
    s.validate(first, C_W, last_ind, C_W, {
        "validate": "decimal", "criteria": ">=", "value": 0,
        "input_title": "分值", "input_message": "本指标的分值（权重），数字。",
        "error_title": "分值应为数字", "error_message": "请填写不小于 0 的数字。"})
    s.validate(first, C_S, last_ind, C_S, {
        "validate": "decimal", "criteria": ">=", "value": 0,
        "input_title": "得分", "input_message": "按“填报说明”的规则自评得分，不超过本行分值，保留两位小数。",
        "error_title": "得分应为数字", "error_message": "请填写不小于 0 的数字，且不超过本行分值。"})
    s.validate(first, C_REASON, last_ind, C_REASON, {
        "validate": "any", "input_title": "偏差原因分析及改进措施",
        "input_message": "未完成指标值或超额较多时必须填写：原因及改进措施。"})

    # --- 总分 --------------------------------------------------------------------------------
    t = last_ind + 1
    s.merge(t, 1, t, C_W - 1, "总分", f.label_bold)
    # Ranges start at the header row (text, ignored by SUM) so a row inserted above the first
    # indicator row is still inside them.
    w_rng = f"{a1(h, C_W)}:{a1(last_ind, C_W)}"
    s_rng = f"{a1(h, C_S)}:{a1(last_ind, C_S)}"
    total_weight = _int_if_whole(round2(weight + sum(ind_weights)))
    s.formula(t, C_W, f"=SUM({a1(R_FUNDS_TOTAL, C_FW)},{w_rng})", f.calc_number, total_weight)
    total_score = round2((funds_score or 0.0) + sum(ind_scores))
    s.formula(t, C_S, f"=SUM({a1(R_FUNDS_TOTAL, C_FS)},{s_rng})", f.calc_score, total_score)
    s.merge(t, C_REASON, t, NCOLS, None, f.label)
    ws.set_row(t - 1, 24)

    # --- below the table -------------------------------------------------------------------
    r = t + 2
    s.merge(r, 1, r, 3, "填表人：", f.note)
    s.merge(r, 4, r, 6, "联系电话：", f.note)
    s.merge(r, 7, r, NCOLS, "填报日期：", f.note)
    notes = p.notes or ("说明：浅黄色单元格为填报项，灰色单元格为自动计算；填报口径和评分规则见「填报说明」工作表。",)
    for text in notes:
        r += 1
        s.merge(r, 1, r, NCOLS, text, f.note)
        ws.set_row(r - 1, _height(text, sum(COL_WIDTHS), line=14.0))

    # --- view and print ------------------------------------------------------------------------
    ws.freeze_panes(h, 0)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(h - 1)
    ws.print_area(0, 0, r - 1, NCOLS - 1)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.set_footer("&C第 &P 页，共 &N 页")


def _f(x: Optional[Number]) -> Optional[float]:
    return None if x is None else float(x)


def _write_unit(wb: Any, f: _Formats, data: WorkbookData, written: list[_Written]) -> None:
    ws = wb.add_worksheet(UNIT_SHEET)
    s = _Sheet(ws)
    widths = (6, 36, 14, 14, 14, 11)
    for i, width in enumerate(widths):
        ws.set_column(i, i, width)
    s.merge(1, 1, 1, 6, f"项目支出绩效自评项目清单（{data.year}年度）", f.title)
    ws.set_row(0, 30)
    # 单位名称 and 年度 on rows of their own: a blank name must not read as the next label.
    s.put(2, 1, "单位名称", f.label)
    s.merge(2, 2, 2, 6, data.unit_name, f.input_text)
    s.put(3, 1, "年度", f.label)
    s.put(3, 2, data.year, f.input_center)
    s.merge(3, 3, 3, 6, "单位：万元", f.unit)
    for r in (2, 3):
        ws.set_row(r - 1, 20)
    head = 4
    for col, text in enumerate(("序号", "项目名称", "年初预算数", "全年预算数", "全年执行数", "执行率"), 1):
        s.put(head, col, text, f.label)
    ws.set_row(head - 1, 22)
    row = head + 1
    for n, w in enumerate(written, 1):
        q = quote_sheet(w.sheet)
        name_ref = f"{q}!{a1(R_NAME, 3)}"
        # Falls back to the sheet name, as the checker does for a project without a name.
        s.formula(row, 2, f'=IF({name_ref}="","{w.sheet}",{name_ref})', f.calc_text, w.name or w.sheet)
        s.put(row, 1, n, f.label)
        for col, src, value in ((3, C_INITIAL, w.initial), (4, C_FULL, w.full_year), (5, C_EXEC, w.executed)):
            s.formula(row, col, f"={q}!{a1(R_FUNDS_TOTAL, src)}", f.calc_money, value)
        s.formula(row, 6, f'=IF(OR(N({a1(row, 4)})=0,{a1(row, 5)}=""),"",{a1(row, 5)}/{a1(row, 4)})', f.calc_pct,
                  _rate(w.full_year, w.executed))
        ws.set_row(row - 1, 20)
        row += 1
    last = row - 1
    t = row
    s.merge(t, 1, t, 2, "合计", f.label_bold)
    sums = {}
    for col, key in ((3, "initial"), (4, "full_year"), (5, "executed")):
        rng = f"{a1(head, col)}:{a1(last, col)}"
        sums[key] = _sum([getattr(w, key) for w in written])
        s.formula(t, col, f'=IF(COUNT({rng})=0,"",SUM({rng}))', f.calc_money, sums[key])
    s.formula(t, 6, f'=IF(OR(N({a1(t, 4)})=0,{a1(t, 5)}=""),"",{a1(t, 5)}/{a1(t, 4)})', f.calc_pct,
              _rate(sums["full_year"], sums["executed"]))
    ws.set_row(t - 1, 22)
    note = "说明：本表自动汇总各项目表的年度资金总额，项目名称、金额请在各项目表填写；增加项目时复制项目表并在本表照前一行增加一行。"
    s.merge(t + 2, 1, t + 2, 6, note, f.note)
    ws.set_row(t + 1, _height(note, sum(widths), line=14.0))
    s.validate(3, 2, 3, 2, {"validate": "integer", "criteria": "between", "minimum": 2000, "maximum": 2100,
                            "input_title": "年度", "input_message": "自评年度，如 2021。"})
    ws.freeze_panes(head, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(head - 1)


def _write_help(wb: Any, f: _Formats, profile: Profile) -> None:
    ws = wb.add_worksheet(HELP_SHEET)
    widths = (14, 110)
    ws.set_column(0, 0, widths[0])
    ws.set_column(1, 1, widths[1])
    ws.merge_range(0, 0, 0, 1, "填报说明", f.help_title)
    ws.set_row(0, 30)
    row = 1
    lines = help_lines(profile)
    # Topics span their rows so each section reads as one block.
    i = 0
    while i < len(lines):
        topic = lines[i][0]
        j = i + 1
        while j < len(lines) and not lines[j][0]:
            j += 1
        if j - i > 1:
            ws.merge_range(row + i, 0, row + j - 1, 0, topic, f.help_topic)
        else:
            ws.write(row + i, 0, topic, f.help_topic)
        for k in range(i, j):
            ws.write(row + k, 1, lines[k][1], f.help_text)
            ws.set_row(row + k, _height(lines[k][1], widths[1], line=15.0, minimum=18.0))
        i = j
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def write_workbook(path: str, data: WorkbookData, profile: Profile) -> None:
    """Write ``data`` as a standard 自评表 workbook at ``path`` (atomically)."""
    import xlsxwriter  # imported here: `perf-xlsx check` never needs it

    def write(tmp: str) -> None:
        wb = xlsxwriter.Workbook(tmp, {"strings_to_formulas": False, "strings_to_urls": False,
                                       "strings_to_numbers": False})
        wb.set_properties({
            "title": "项目支出绩效自评表", "subject": f"{data.year}年度项目支出绩效自评",
            "author": "perf-xlsx", "comments": f"评分规则：{profile.name}", "created": CREATED,
        })
        f = _Formats(wb)
        _write_help(wb, f, profile)
        # The unit sheet comes before the projects but shows their totals as cached values.
        _write_unit(wb, f, data, [_totals(p) for p in data.projects])
        for p in data.projects:
            _write_project(wb, f, p, data.year, profile, data.example)
        # The example opens on its first project; a blank template on its instructions.
        wb.worksheets()[2 if data.example else 0].activate()
        wb.close()
        _mark_empty_string_results(tmp)

    atomic_write(path, write)


_EMPTY_RESULT = re.compile(rb'(<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")?)(><f>[^<]*</f><v></v></c>)')


def _mark_empty_string_results(path: str) -> None:
    """Type formulas whose cached result is "" as strings (t="str"), as Excel and LibreOffice do.

    xlsxwriter writes such a result as an untyped empty <v/>, which is exactly what a formula
    without any cached value looks like (openpyxl); readers, ours included, cannot tell them
    apart, so the template's blank-until-filled cells would be reported as uncalculated.
    """
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            if info.filename.startswith("xl/worksheets/sheet"):
                data = _EMPTY_RESULT.sub(rb'\1 t="str"\2', data)
            zout.writestr(info, data)


def write_template(path: str, *, year: int, projects: int = 1, example: bool = False,
                   profile: Profile) -> None:
    """Write the standard template (blank: ``projects`` project sheets for ``year``).

    With ``example=True`` the workbook is the filled seed example (芙蓉区商务局, 2021, two
    projects), fitted to ``profile`` (weights and scores); ``year`` and ``projects`` are then
    ignored because the figures are 2021's.
    Raises ValueError (Chinese message) for a year outside 2000–2100 or projects outside 1–50.
    """
    if example:
        data = fit_to_profile(example_data(), profile)
    else:
        if not 2000 <= year <= 2100:
            raise ValueError(f"年度应在 2000–2100 之间：{year}")
        if not 1 <= projects <= 50:
            raise ValueError(f"项目数应在 1–50 之间：{projects}")
        data = blank_data(year, projects)
    write_workbook(path, data, profile)
