"""The 填报说明 sheet's text, written from the rules profile so that the instructions and the
checker can never disagree: every rule-dependent figure and wording comes from the profile."""

from __future__ import annotations

from typing import Mapping

from perf_xlsx.judge.numbers import fmt, round2
from perf_xlsx.model import Grade
from perf_xlsx.rules import Profile
from perf_xlsx.write.template_data import GRADES


def _pct(share: float) -> str:
    return f"{fmt(share * 100)}%"


def _weights_sentence(profile: Profile) -> str:
    parts = []
    expected: Mapping[str, float] = profile.weights.expected
    for key, value in expected.items():
        names = key.split("+")
        if len(names) == 1:
            parts.append(f"{names[0]} {fmt(value)} 分")
        else:
            parts.append(f"{'、'.join(names[:-1])}与{names[-1]}合计 {fmt(value)} 分")
    total = fmt(profile.weights.total)
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
    if profile.funds.scoring == "intervals":
        steps = "；".join(f"执行率 ≥ {_pct(m)} 得 {_pct(s)}（{fmt(w * s)} 分）"
                         for m, s in profile.funds.intervals)
        lines.append(f"预算执行率得分（分值 {fmt(w)} 分）按档计分，自上而下取第一个符合的档：{steps}；以下得 0 分。")
    elif profile.funds.cap_at_weight:
        lines.append(
            f"预算执行率得分 = 执行率 × {fmt(w)} 分，执行率超过 100% 的按 100% 计，四舍五入保留两位小数"
            f"（例：执行 196.5 ÷ 预算 200 = 98.25%，得 {fmt(round2(0.9825 * w))} 分）。")
    else:
        lines.append(f"预算执行率得分 = 执行率 × {fmt(w)} 分，四舍五入保留两位小数（执行率超过 100% 的按实际比例计）。")
    below = profile.funds.explain_below_rate
    if below:
        lines.append(f"执行率低于 {_pct(below)} 的，须在年度总体目标“实际完成情况”中说明原因（检查时给出提示）。")
    caps = sorted(profile.funds.total_caps, key=lambda c: -c[0])
    if caps:
        lines.append("执行率偏低时总分封顶：" + "；".join(
            f"执行率低于 {_pct(r)} 的，总分最高 {fmt(c)} 分" for r, c in caps) + "（取最低的适用上限）。")
    if profile.funds.zero_budget == "exclude_and_rescale":
        lines.append("全年预算数与执行数均为 0 的，预算执行率不计分，总分按其余分值折算为百分制。")
    else:
        lines.append("全年预算数为 0 时无法计算执行率，预算执行率记 0 分。")
    return lines


def _weight_lines(profile: Profile) -> list[str]:
    lines = [_weights_sentence(profile)]
    enforce = profile.weights.enforce
    if enforce == "warn":
        lines.append("一级指标分值原则上按上述标准设置，特殊情况可调整（检查时给出提示）。")
    elif enforce == "error":
        lines.append("一级指标分值必须按上述标准设置，不符的视为错误。")
    lines.append(
        f"二级、三级指标分值由单位按重要程度确定；预算执行率分值加各三级指标分值应等于 "
        f"{fmt(profile.weights.total)} 分（总分行“分值”自动合计，可据此核对）。"
        "不适用的二级指标留空，不要填 0 分的空指标。")
    return lines


def _target_lines(profile: Profile) -> list[str]:
    lines = [
        "照抄年初批复的绩效目标，自评时不得修改。写明符号、数值和单位，如 ≥4场、≥95%、≤200万元、=1个；"
        "符号用 ≥、≤、=，也可写“不少于”“不超过”。",
    ]
    if profile.indicators.bare_number == "eq":
        lines.append("只写数值、未写符号的（如 100%），按“等于”（=）指标计分。")
    else:
        lines.append("只写数值、未写符号的（如 100%），按“不低于”（≥，正向）指标计分。")
    lines.append(
        f"无法量化的写明预期效果（定性指标，如“明显改善”），但应尽量量化：指标值无法量化的指标超过 "
        f"{_pct(profile.goals.vague_share)} 时，检查将提示“绩效目标不够细化、量化”。")
    needed = "产出指标、效益指标" + ("和满意度指标" if profile.goals.require_satisfaction else "")
    lines.append(f"应设置{needed}。")
    return lines


def _actual_lines() -> list[str]:
    return [
        "填写实际完成的数值和单位，单位与年度指标值一致（如 5场、98.5%、196.5万元）；不要照抄指标值，不要带 ≥、≤ 符号。",
        f"定性指标从下拉列表选择完成等级：{' / '.join(GRADES)}（也可直接输入数值）。",
    ]


def _score_lines(profile: Profile) -> list[str]:
    reverse = profile.indicators.reverse_formula
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
    }[profile.indicators.equal_formula])
    bands = profile.qualitative.bands
    shares = profile.qualitative.default_share
    names = {"ACHIEVED": GRADES[0], "PARTIAL": GRADES[1], "NOT": GRADES[2]}
    parts = []
    for key in ("ACHIEVED", "PARTIAL", "NOT"):
        lo, hi = bands[Grade[key]]
        upper = "" if key == "ACHIEVED" else f"，不含 {fmt(hi * 10)} 分"
        parts.append(f"{names[key]}得分值的 {_pct(lo)}–{_pct(hi)}（10 分的指标得 {fmt(lo * 10)}–{fmt(hi * 10)} 分{upper}）")
    lines.append("定性指标：" + "；".join(parts) + "。")
    lines.append("定性指标得分栏空白时，检查按 " + " / ".join(_pct(shares[g]) for g in (Grade.ACHIEVED, Grade.PARTIAL, Grade.NOT))
                 + " 计分。")
    threshold = profile.overachievement.explain_threshold
    if threshold:
        text = (f"超额完成：实际值达到指标值的 {_pct(threshold)} 及以上（反向指标：实际值不到上限的 1/{fmt(threshold)}），"
                "视为偏离较多，须在偏差原因栏说明（指标值是否定得不合理）")
        mode = profile.overachievement.deduction
        if mode == "fixed":
            text += f"；该项扣 {fmt(profile.overachievement.deduction_points)} 分"
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
    lines = [f"未完成指标值（得分低于分值）的，{how[profile.explanations.below_target]}：写明未完成的原因和改进措施。"]
    if profile.overachievement.explain_threshold:
        lines.append(f"超额较多的，{how[profile.explanations.over_target]}。")
    return lines


def _total_lines(profile: Profile) -> list[str]:
    total = fmt(profile.weights.total)
    lines = ["总分得分 = 预算执行率得分 + 各指标得分（自动合计）。"]
    if profile.not_applicable.rescale_to_100:
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
    tol = profile.tolerance
    lines.append(f"核对误差：金额 {fmt(tol.money)} 万元，执行率 {fmt(tol.rate_points)} 个百分点，得分 {fmt(tol.score)} 分。")
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
