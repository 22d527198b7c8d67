"""What a template is written from: the standard structure of the indicator block, the data
classes of a workbook's projects, a blank workbook, and the filled seed example (fitted to a
rules profile so that its weights and scores are correct under any profile)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional, Union

from perf_xlsx.judge.indicators import score_indicator
from perf_xlsx.judge.numbers import round2
from perf_xlsx.model import CellValue, Grade, Indicator
from perf_xlsx.rules import Profile

EXAMPLE_YEAR = 2021

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


def level1_names(profile: Profile) -> list[str]:
    """一级指标 in template order: the national three plus any the profile weights separately."""
    names: list[str] = []
    for key in profile.weights.expected:
        for part in key.split("+"):
            if part not in names:
                names.append(part)
    order = [COST, OUTPUT, BENEFIT, SATISFACTION]
    known = [n for n in order if n in names or n in (OUTPUT, BENEFIT, SATISFACTION)]
    return known + [n for n in names if n not in known]


def indicator_structure(profile: Profile) -> list[tuple[str, tuple[str, ...]]]:
    """(一级指标, its 二级指标) in template order; 成本指标 is a first level of its own where the
    profile weights it so, and then no longer an 产出 second level."""
    out = []
    level1 = level1_names(profile)
    for l1 in level1:
        level2 = LEVEL2.get(l1, (l1,))
        if l1 == OUTPUT and COST in level1:
            level2 = tuple(n for n in level2 if n != "成本指标")
        out.append((l1, level2))
    return out


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
    # (field key, text) for the 单位信息 sheet (read.unit_info.FIELDS); the blank template
    # writes the sheet empty, the example only when given some.
    unit_info: tuple[tuple[str, str], ...] = ()


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
    level1 = [l1 for l1, _ in indicator_structure(profile)]
    projects = []
    for p in data.projects:
        lines = list(p.indicators)
        if COST in level1:
            lines = [replace(i, level1=COST, level2=LEVEL2[COST][0]) if i.level2 == "成本指标" else i
                     for i in lines]
        for key, expected in profile.weights.expected.items():
            members = [k for k, i in enumerate(lines) if i.level1 in key.split("+")]
            current = sum(float(lines[k].weight) for k in members)
            if not members or not current or abs(current - expected) < 1e-9:
                continue
            for k in members:
                scaled = round2(float(lines[k].weight) * expected / current)
                lines[k] = replace(lines[k], weight=int_if_whole(scaled))
            # rounding drift goes to the heaviest row so the block sums to the profile's figure
            drift = round2(expected - sum(float(lines[k].weight) for k in members))
            if drift:
                heavy = max(members, key=lambda k: float(lines[k].weight))
                fixed = round2(float(lines[heavy].weight) + drift)
                lines[heavy] = replace(lines[heavy], weight=int_if_whole(fixed))
        scored = []
        for n, line in enumerate(lines):
            ind = Indicator(row=n + 1, level1=line.level1, level2=line.level2, name=line.name,
                            target=CellValue(ref="E1", value=line.target),
                            actual=CellValue(ref="F1", value=line.actual),
                            weight=CellValue(ref="G1", value=float(line.weight)), score=None,
                            reason=CellValue(ref="I1", value=line.reason or None))
            result = score_indicator(ind, profile)
            score = line.score if result.score is None else int_if_whole(result.score)
            scored.append(replace(line, score=score))
        projects.append(replace(p, indicators=tuple(scored)))
    return replace(data, projects=tuple(projects))


def int_if_whole(x: float) -> Number:
    """A whole number as an int (written as 10, not 10.0)."""
    return int(x) if float(x).is_integer() else x
