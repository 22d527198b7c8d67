"""Every finding code the tool emits, declared once: default severity, Chinese title, explanation.

A code is the stable identifier of a finding (``funds.total_mismatch``) or of a file-level
failure (``read.corrupt``, ``batch.out_of_memory``: the result's status is ``failed``); it is
never renamed once published, so other programs can rely on it. docs/finding-codes.md is
generated from this table (tests/test_docs.py checks it; ``python tests/test_docs.py --update``
rewrites it), and tests/test_docs.py also checks that every code the package uses is here and
is emitted with a severity declared here. Rule references (F1–F9, W1–W5, I1–I7) are those of
scoring-rules.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from perf_xlsx.enums import Severity


@dataclass(frozen=True)
class Section:
    """A group of codes, as docs/finding-codes.md heads it."""

    heading: str  # "" continues the previous heading (with ``intro`` as its lead-in)
    intro: str = ""


@dataclass(frozen=True)
class FindingCode:
    """One code. ``severity`` is None for file-level codes (no finding: the result fails)."""

    section: Section
    code: str
    severity: Optional[Severity]
    title: str  # a short Chinese name
    when: str  # when it is reported (the docs' explanation)
    cell: str = ""  # the cell the finding points at
    also: tuple[Severity, ...] = ()  # other severities it is reported with, depending on the case
    written_to: str = ""  # batch codes: the file that carries it
    retired: bool = False  # published once, no longer reported

    @property
    def severities(self) -> tuple[Severity, ...]:
        """Every severity the code is reported with, the default first."""
        return ((self.severity,) if self.severity is not None else ()) + self.also


FILE = Section("无法读取（文件级，结果 status = failed）")
BATCH = Section("", "批量评分（`perf-xlsx batch`）另有以下文件级代码：")
READ = Section("读取时的提示")
FUNDS = Section("项目资金（F1–F8）")
WEIGHTS = Section("分值结构（W1–W5）")
ROWS = Section("指标行（I1–I7 与偏差说明）")
TOTAL = Section("总分（I5）")
GOALS = Section("绩效目标质量")
UNIT = Section("项目与单位")
TRANSFER = Section("转移支付区域绩效自评表与按来源列示的资金表")
DRAFTS = Section("报告与反馈单初稿（`perf-xlsx report`）")
CROSS = Section("跨文件核对（批量评分，只在 汇总.xlsx 中）")
MISREADS = Section("评分副本、公式合计与插入的行")

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

#: In the order of docs/finding-codes.md.
ALL: tuple[FindingCode, ...] = (
    FindingCode(FILE, "read.io", None, "文件无法打开",
                "文件无法打开（权限、路径）"),
    FindingCode(FILE, "read.empty", None, "空文件",
                "0 字节文件"),
    FindingCode(FILE, "read.not_workbook", None, "不是 Excel 工作簿",
                "不是 Excel 工作簿（改了扩展名的文本/CSV、PDF 等）"),
    FindingCode(FILE, "read.html", None, "网页导出的表格",
                "网页（HTML）导出的“表格”"),
    FindingCode(FILE, "read.ole2", None, "旧版 .xls / .et",
                "旧版 .xls / .et 曾无法读取；现已读取其数值并评分（见 `read.legacy_format`）", retired=True),
    FindingCode(FILE, "read.encrypted", None, "设有打开密码",
                "设有打开密码"),
    FindingCode(FILE, "read.zip_bomb", None, "疑似压缩炸弹",
                "解压后过大、压缩比异常或部件过多（疑似恶意文件）"),
    FindingCode(FILE, "read.not_xlsx", None, "不是 .xlsx",
                "zip 损坏或不是 .xlsx"),
    FindingCode(FILE, "read.no_workbook", None, "没有工作簿部件",
                "zip 中没有工作簿部件"),
    FindingCode(FILE, "read.corrupt", None, "工作簿结构损坏",
                "工作簿结构损坏"),
    FindingCode(FILE, "read.hostile_xml", None, "不安全的 XML",
                "XML 含 DTD/实体（不安全），拒绝读取"),
    FindingCode(FILE, "read.too_large", None, "文件过大",
                "文件过大"),
    FindingCode(FILE, "read.no_table", None, "找不到自评表",
                "找不到任何 项目支出绩效自评表 / 部门整体支出绩效自评表"),
    FindingCode(FILE, "read.timeout", None, "读取超时",
                "读取旧版 .xls / .ods 超时（在受限的子进程中读取）"),
    FindingCode(FILE, "read.crashed", None, "读取进程异常退出",
                "读取旧版 .xls / .ods 时读取进程异常退出"),

    FindingCode(BATCH, "batch.timeout_or_crash", None, "工作进程超时或异常退出",
                "处理该文件的工作进程超时或异常退出", written_to="`results.jsonl`（status = failed）"),
    FindingCode(BATCH, "batch.out_of_memory", None, "超出内存限制",
                "处理时超出工作进程的内存限制", written_to="`results.jsonl`（status = failed）"),
    FindingCode(BATCH, "batch.write_failed", None, "评分副本未能写出",
                "已读取并评分，但评分副本未能生成或写出（原因见 message，例如输出文件夹不可写；评分结果仍在该行中）", written_to="`results.jsonl`（status = failed）"),
    FindingCode(BATCH, "batch.internal_error", None, "内部错误",
                "处理时出现内部错误（请将文件反馈给开发者）", written_to="`results.jsonl`（status = failed）"),
    FindingCode(BATCH, "batch.skipped", None, "跳过的文件",
                "不是输入工作簿而被跳过：锁文件、隐藏/系统文件、非电子表格、本工具自己的输出", written_to="`skipped.jsonl`"),

    FindingCode(READ, "read.macros_ignored", INFO, "宏已忽略",
                "文件含宏，已忽略", cell="—"),
    FindingCode(READ, "read.strict_ooxml", INFO, "Strict Open XML 格式",
                "Strict Open XML 格式：照常评分，评分副本只保留数值", cell="—"),
    FindingCode(READ, "read.text_truncated", W, "文字超长已截断",
                "单元格文字超过 32767 字（Excel 上限），截断读取；评分副本只保留数值", cell="第一个这样的单元格"),
    FindingCode(READ, "read.bad_style", W, "样式损坏",
                "单元格引用了不存在的样式（文件损坏）；评分副本只保留数值", cell="第一个这样的单元格"),
    FindingCode(READ, "read.legacy_format", INFO, "旧版 .xls / .ods 格式",
                "旧版 .xls / .ods：已读取数值（也计分），公式与百分比格式无法识别；评分副本只保留数值", cell="—"),
    FindingCode(READ, "read.external_link", W, "外部链接",
                "引用了其他工作簿", cell="—"),
    FindingCode(READ, "read.window_truncated", W, "使用区域过大",
                "使用区域异常大，只读前 5000 行 × 64 列", cell="—"),
    FindingCode(READ, "read.hidden_sheet", W, "隐藏的工作表",
                "隐藏的工作表中有自评表", cell="—"),
    FindingCode(READ, "read.hidden_rows", W, "隐藏的行",
                "绩效指标表中有隐藏行", cell="第一个隐藏行"),
    FindingCode(READ, "read.formula_not_cached", W, "公式没有计算结果",
                "公式没有计算结果（未在 Excel/WPS 中保存过），已按各项数值重新计算", cell="第一个这样的单元格"),
    FindingCode(READ, "read.error_value", E, "错误值",
                "金额/分值/得分单元格为错误值（#DIV/0! 等）", cell="该单元格"),
    FindingCode(READ, "read.no_funds", E, "找不到项目资金表头",
                "找不到项目资金表头", cell="项目名称"),
    FindingCode(READ, "read.funds_unread", E, "资金行未能读取",
                "找到项目资金表头，但其下第一行不是可识别的资金行（年度资金总额 / 其中… / 其他资金），资金未读取、未计分", cell="该行行名（无行名时为其金额）"),
    FindingCode(READ, "read.funds_total_unlabelled", W, "年度资金总额行没有行名",
                "项目资金表第一行填有金额和分值、其下是其中/上年结转/其他资金各行，但行名空白：按年度资金总额读取并计分，请补上行名",
                cell="空白的行名单元格"),
    FindingCode(READ, "read.no_indicators", E, "找不到绩效指标表头",
                "找不到绩效指标表头", cell="项目名称"),
    FindingCode(READ, "read.department_table", INFO, "部门整体支出绩效自评表",
                "部门整体支出绩效自评表：说明读到了什么、怎样评判——资金表（年度资金总额及按收入性质分 / 按支出性质分各分项，"
                "各自与总额核对；没有分值栏时预算执行率只计算、不单独计分）、年度主要任务（核对合计并与资金比较）、"
                "绩效指标（有年度指标值与实际完成值的，按项目支出表的规则评分并定等级；只有指标权重、没有得分栏的，"
                "核定得分由工具计算）或评分表（评分标准属常见机读规则且该行有所需数值的由工具核定，其余人工复核，"
                "见 `indicator.rubric_manual`）（scoring-rules.md §1.3、§5.3）", cell="表头"),
    FindingCode(READ, "read.breakdown_unread", W, "资金分项未能读取",
                "部门整体表写明了资金分项（按收入性质分 / 按支出性质分），但其旁没有可识别的金额栏，该分项未读取、未核对",
                cell="分项名称"),

    FindingCode(FUNDS, "funds.total_mismatch", E, "资金总额与各项之和不符",
                "年度资金总额 ≠ 各项（当年财政拨款 + 上年结转 + 其他资金）之和（总额空白时报 `funds.total_blank`）；部门整体表的两个资金分项彼此相符而都与总额不符（F1、F9）", cell="总额行该列"),
    FindingCode(FUNDS, "funds.total_blank", W, "资金总额未填写",
                "年度资金总额某列空白而其中各项已填写：expected 为各项之和（总额按各项之和计分）（F1）",
                cell="总额行该列"),
    FindingCode(FUNDS, "funds.breakdown_mismatch", E, "资金分项合计与总额不符",
                "部门整体表的某一资金分项（按收入性质分 / 按支出性质分）各项之和 ≠ 年度资金总额，而另一分项与总额相符"
                "（两个分项都与总额不符而彼此相符时，报 `funds.total_mismatch`）；没有总额行时两个分项之和不相等（F1、F9）",
                cell="该分项该列各单元格（区域）"),
    FindingCode(FUNDS, "funds.task_total_mismatch", E, "年度主要任务合计不符",
                "年度主要任务的合计行 ≠ 各项任务之和（或合计行空白）（F9）", cell="合计行该列"),
    FindingCode(FUNDS, "funds.tasks_differ", W, "年度主要任务与资金表不一致",
                "年度主要任务的预算数 / 执行数合计 ≠ 资金表的全年预算数 / 全年执行数，也不等于其中的项目支出", cell="任务合计行该列"),
    FindingCode(FUNDS, "funds.rate_mismatch", E, "执行率计算有误",
                "填报执行率 ≠ 全年执行数 ÷ 全年预算数（按填写的小数位比较；不带 % 的数按分数与百分数两种读法都试）（F2）", cell="执行率"),
    FindingCode(FUNDS, "funds.score_mismatch", E, "预算执行率得分有误",
                "填报的预算执行率得分与规则计算值相差超过规则 `tolerance.score`（0.01 分，相差恰为 0.01 不报）（F5）", cell="资金得分"),
    FindingCode(FUNDS, "funds.score_from_shown_rate", INFO, "按显示的执行率计分",
                "预算执行率得分按表中显示的执行率计算（显示 10.8%，10.8% × 20 = 2.16；按金额为 10.77%，应得 2.15）：予以认可，仅作提示",
                cell="年度资金总额行得分"),
    FindingCode(FUNDS, "funds.over_budget", W, "执行数超过预算数",
                "全年执行数 > 全年预算数（F3）", cell="全年执行数"),
    FindingCode(FUNDS, "funds.not_number", E, "金额不是数字",
                "金额（资金表或年度主要任务）不是数字（F4）；“—”“/”“无”“不适用”“不涉及”视同空白（0），不报", cell="该单元格"),
    FindingCode(FUNDS, "funds.negative", E, "金额为负数",
                "金额为负数（F4）", cell="该单元格"),
    FindingCode(FUNDS, "funds.missing", E, "预算数或执行数缺失",
                "全年预算数或全年执行数缺失", cell="总额行标签"),
    FindingCode(FUNDS, "funds.zero_budget", E, "全年预算数为 0",
                "全年预算数为 0", cell="全年预算数"),
    FindingCode(FUNDS, "funds.weight_profile", W, "资金分值与规则不同",
                "资金分值与规则不同（F6）", cell="分值"),
    FindingCode(FUNDS, "funds.weight_missing", INFO, "资金分值空白",
                "资金分值空白，按规则计", cell="分值"),
    FindingCode(FUNDS, "funds.budget_adjusted", INFO, "年中预算调整",
                "年初预算数 ≠ 全年预算数（年中调整）（F7）", cell="全年预算数"),
    FindingCode(FUNDS, "funds.low_rate_unexplained", W, "执行率偏低须说明",
                "执行率低于规则要求说明的比例（四川 90%）（F8）", cell="执行率"),
    FindingCode(FUNDS, "funds.component_scored", W, "其中行重复计分",
                "其中行（当年财政拨款、上年结转等）也填写了分值 / 得分，与年度资金总额行重复计分", cell="该行分值或得分"),
    FindingCode(FUNDS, "funds.output_exceeds_spending", W, "指标完成与资金支出不匹配",
                "指标得分率比执行率高出 5 个百分点以上（一体化系统的“红灯”）", cell="执行率"),

    FindingCode(WEIGHTS, "weights.sum_mismatch", E, "分值合计不符",
                "资金分值 + 各指标分值 ≠ 总分行分值（error）；或合计 ≠ 100（低于 100 时 warning，总分按百分制折算；超过 100 时 error，总分不定等级，见 `ungraded`；有人工复核行、不核定总分的部门整体评分表不报）（W1）；或表内合计为 100，但不适用指标（或按 `zero_budget = \"exclude_and_rescale\"` 剔除的零预算资金行）不计分，适用分值合计 ≠ 100（warning，写明原始合计与折算后总分，或未折算）（§2.9）", cell="总分行分值", also=(W,)),
    FindingCode(WEIGHTS, "weights.group_mismatch", E, "一级指标分值合计不符",
                "一级指标内分值合计 ≠ 标注的“（N分）”（W2）", cell="一级指标标签"),
    FindingCode(WEIGHTS, "weights.profile_mismatch", W, "一级指标分值与规则不同",
                "一级指标分值与规则不同（产出50/效益30/满意度10）（W3）；规则 `weights.enforce = \"error\"` 时为 error；用到规则 `department.level1` 所列部门整体一级指标（履职效能、投入……）的表不报",
                cell="一级指标标签", also=(E,)),
    FindingCode(WEIGHTS, "weights.level2_unknown", W, "二级指标名称不标准",
                "二级指标名称不在标准名称中（部门整体表另认规则 `department.level2` 所列名称）（W5）", cell="二级指标"),
    FindingCode(WEIGHTS, "weights.missing", E, "各指标均无分值",
                "各指标均无分值，无法评分", cell="项目名称"),
    FindingCode(WEIGHTS, "indicator.weight_missing", E, "指标无分值",
                "某指标无分值，未计分", cell="分值"),
    FindingCode(WEIGHTS, "indicator.weight_negative", E, "指标分值为负数",
                "某指标分值为负数（分值合计随之失真）", cell="分值"),

    FindingCode(ROWS, "indicator.score_mismatch", E, "指标得分有误",
                "定量指标填报得分 ≠ 规则计算值；定性指标得分不在其等级区间；部门整体评分表中按评分标准（机读规则）核定的得分 ≠ 填报得分（I2、I3、§5.3）", cell="得分"),
    FindingCode(ROWS, "indicator.score_out_of_range", E, "得分超出分值范围",
                "得分 < 0 或 > 分值（I1）", cell="得分"),
    FindingCode(ROWS, "indicator.score_blank", INFO, "得分空白",
                "得分空白，工具按规则计", cell="得分"),
    FindingCode(ROWS, "indicator.unparsed", E, "无法读取或比较",
                "指标值/完成值/得分（或得分系数）无法读取或比较（error）；指标值不是数字（定性、日期无法确定到某天）时按定性处理，完成值无法判断等级为 warning，沿用填报得分（§2.11）", cell="无法读取的单元格", also=(W,)),
    FindingCode(ROWS, "indicator.rubric_manual", W, "评分标准须人工复核",
                "部门整体评分表中评分标准不是可自动评判的常见规则（分档计分、每超过 / 低于 1 个百分点扣分、执行率 × 分值），"
                "或该行没有评分所需的数值：每张表一条，列出这些行；其得分按填报计，本表不核定总分、不定等级（§5.3）",
                cell="第一行的得分"),
    FindingCode(ROWS, "indicator.unit_mismatch", E, "单位不一致",
                "指标值与完成值单位类别不同（I4）", cell="实际完成值"),
    FindingCode(ROWS, "indicator.subtotal_mismatch", E, "小计行不符",
                "绩效指标表中的小计行（或一级指标内的合计行）分值 / 得分 ≠ 其所含各指标之和；小计行不作指标计分（F9）", cell="小计行该列"),
    FindingCode(ROWS, "indicator.target_missing", E, "指标值空白",
                "年度指标值空白", cell="年度指标值"),
    FindingCode(ROWS, "indicator.actual_missing", E, "实际完成值空白",
                "实际完成值空白（记 0 分）", cell="实际完成值"),
    FindingCode(ROWS, "indicator.missing_explanation", E, "偏差原因未说明",
                "未完成指标且偏差原因空白（error）；实际 ≥ 指标值 130% 且未说明（warning）；反向（≤）指标实际 ≤ 指标值 ÷ 130%（远低于上限）且未说明（warning，不扣分，§2.8）；部门整体评分表中得分低于分值而扣分原因空白（warning）（§3.5）", cell="偏差原因", also=(W,)),
    FindingCode(ROWS, "indicator.percent_assumed", W, "按百分数理解的小数",
                "一栏是百分数、另一栏是未写 % 的小数（0.98），按 98% 计", cell="该单元格"),
    FindingCode(ROWS, "indicator.nonstandard_grade", W, "定性表述不标准",
                "定性完成值不是标准表述（已完成、效果明显……）", cell="实际完成值"),
    FindingCode(ROWS, "indicator.direction_conflict", W, "方向与符号相反",
                "写明正向/反向，但符号相反", cell="年度指标值"),
    FindingCode(ROWS, "indicator.zero_target", W, "指标值为 0",
                "正向指标值为 0，无约束力", cell="年度指标值"),
    FindingCode(ROWS, "indicator.cost_exceeds_execution", W, "实际成本超过执行数",
                "成本指标实际成本 > 全年执行数（I6）", cell="实际完成值"),
    FindingCode(ROWS, "indicator.deadline_missed", W, "未按期完成",
                "时效指标实际完成时间晚于要求（I7）", cell="实际完成值"),

    FindingCode(TOTAL, "total.mismatch", E, "总分与各项得分之和不符",
                "总分 ≠ 资金得分 + 各指标得分（按填报值）", cell="总分行得分"),
    FindingCode(TOTAL, "total.differs", INFO, "自评总分与核定总分不同",
                "自评总分与工具核定总分不同", cell="总分行得分"),

    FindingCode(GOALS, "goal.not_quantified", INFO, "指标未量化",
                "指标值无可衡量的数值（info，逐行标出；模板允许定性指标）；项目中未量化指标超过规则 `goals.vague_share`（默认过半）时 warning（“绩效目标不够细化、量化”）", cell="指标值（info），或项目名称（warning）", also=(W,)),
    FindingCode(GOALS, "goal.placeholder", W, "模板占位文字",
                "模板占位文字未替换（“(≥**人)”“指标1：”）", cell="该单元格"),
    FindingCode(GOALS, "goal.actual_copied", W, "完成值照抄指标值",
                "实际完成值带比较符号，照抄指标值（“≥266米”）", cell="实际完成值"),
    FindingCode(GOALS, "goal.single_percent", W, "数量指标只写 100%",
                "数量指标用一个“100%”代替具体数量", cell="年度指标值"),
    FindingCode(GOALS, "goal.no_output", W, "缺产出指标",
                "没有产出指标", cell="项目名称"),
    FindingCode(GOALS, "goal.no_benefit", W, "缺效益指标",
                "没有效益指标", cell="项目名称"),
    FindingCode(GOALS, "goal.no_satisfaction", W, "缺满意度指标",
                "没有满意度指标（规则 `goals.require_satisfaction` 要求时）", cell="项目名称"),
    FindingCode(GOALS, "goal.expected_missing", W, "预期目标未填写",
                "年度总体目标（预期目标）未填写", cell="该单元格（无时为项目名称）"),
    FindingCode(GOALS, "goal.actual_missing", W, "目标实际完成情况未填写",
                "年度总体目标（实际完成情况）未填写", cell="该单元格（无时为项目名称）"),

    FindingCode(UNIT, "project.name_missing", E, "项目名称空白",
                "项目名称空白", cell="项目名称"),
    FindingCode(UNIT, "project.no_indicators", E, "未填写绩效指标",
                "未填写任何绩效指标", cell="项目名称"),
    FindingCode(UNIT, "unit.total_mismatch", E, "项目清单合计不符",
                "项目清单合计 ≠ 各项目之和（200 + 250 = 450）", cell="合计行该列"),
    FindingCode(UNIT, "unit.project_mismatch", E, "项目清单金额与自评表不符",
                "项目清单中某项目金额 ≠ 其自评表", cell="清单单元格"),
    FindingCode(UNIT, "unit.project_missing", W, "清单与自评表不对应",
                "清单与自评表不对应", cell="清单行或项目名称"),

    FindingCode(TRANSFER, "read.transfer_table", INFO, "转移支付区域绩效自评表",
                "转移支付（区域）绩效目标自评表：每表一条，说明读到了什么、怎样评判——资金表用了哪些栏（全年预算数 / 全年执行数，"
                "或下达数 / 到位数 / 支出数，执行率 = 支出 ÷ 到位；JSON `funds.basis`、`funds.columns`），中央 / 地方 / 其他等来源"
                "与年度资金总额核对，资金管理情况按文字读取（JSON `management`）；指标有分值的按项目支出表规则评分定等级，没有分值、"
                "得分的只核对算术与目标质量、给出各指标完成比例与是否达成（JSON `completion`、`met`），不评分、不定等级", cell="表头"),
    FindingCode(TRANSFER, "read.sources_unread", W, "按来源列示的资金表未能读取",
                "找到按资金来源列示的资金表头（计划 / 到位 / 支出 / 结余），但其下没有可识别的来源行（中央 / 省级 / 市级 / 县级 / 其他 / 合计），"
                "该表未读取、未核对", cell="表头第一栏"),
    FindingCode(TRANSFER, "funds.balance_mismatch", E, "结余与到位、支出不符",
                "按来源列示的资金表中，某级资金的结余 ≠ 到位 − 支出", cell="结余"),
    FindingCode(TRANSFER, "funds.sources_total_mismatch", E, "资金来源合计不符",
                "按来源列示的资金表的合计行 ≠ 各级之和（计划 / 到位 / 支出在该表同时是表内资金时由 `funds.total_mismatch` 报告）",
                cell="合计行该列"),
    FindingCode(TRANSFER, "funds.local_mismatch", E, "地方资金与其下各级不符",
                "地方资金（地方财政资金）行 ≠ 其下所列省级 / 市级 / 县级资金之和（这些行是地方资金的细项，不另计入年度资金总额）",
                cell="地方资金行该列"),
    FindingCode(TRANSFER, "funds.not_arrived", W, "资金未全部到位",
                "按下达数 / 到位数 / 支出数填报的表：年度资金总额的到位数少于下达数（执行率按到位数计算）", cell="到位数"),
    FindingCode(TRANSFER, "funds.management_contradiction", W, "资金管理情况前后矛盾",
                "资金管理情况某项写明存在问题（存在问题栏有内容，或情况说明写“存在……问题”），而该项情况说明或本块的总体情况写无问题",
                cell="写明问题的单元格"),
    FindingCode(DRAFTS, "report.draft_failed", W, "报告或反馈单未能生成",
                "为批量结果生成自评报告 / 整改反馈单初稿时，某个文件的初稿未能生成（原因见 message，例如工作簿在评分后被改动或已删除、"
                "模板不可用）；其他文件照常生成，评分结果不受影响。列在 `perf_xlsx.draft.write_report_drafts` / "
                "`write_feedback_letters` 返回值的 `failures` 中", cell="—"),

    # Batch-level checks: they compare a file with the others of the batch, so they are shown in
    # 汇总.xlsx (问题清单, 问题统计) and not in any file's own result (perf_xlsx.result/1 is per file).
    FindingCode(CROSS, "funds.implausible_amount", W, "金额明显异常",
                "全年预算数是同批同类表中位数的 10,000 倍以上，或疑为按“元”填在“万元”表头下（至少 1,000 倍、"
                "÷10000 后落在同批常见范围内、且该行执行率仍然成立）；同批同类表少于 5 张时不核对",
                cell="年度资金总额行的全年预算数", written_to="`汇总.xlsx`（问题清单、问题统计）；不写入 `results.jsonl`"),
    # Misreads of real tables (issue 12 §3): returned scored copies, the cause of a wrong
    # total formula, rows inserted at the top of an indicator group.
    FindingCode(MISREADS, "read.tool_output_ignored", INFO, "评分副本中工具加入的内容已忽略",
                "文件是本工具评分后的副本（单位修改后重新提交）：工具加入的「汇总」「评分明细」工作表、"
                "表格右侧的“核定得分”列和表下的评分结果行按内容识别并忽略，其余内容照常评分",
                cell="第一个被忽略的工作表"),
    FindingCode(MISREADS, "formula.part_is_text", E, "合计公式漏计了文本格式的数",
                "合计单元格是公式（SUM 或相加），其中一项是文本（“200 ”“２００”“200万元”），公式不计入或出错，"
                "合计随之偏小或为错误值；指出该项单元格并说明应改为数字（合计公式单元格在说明中列出）",
                cell="写成文本的那一项"),
    FindingCode(MISREADS, "formula.part_outside_range", E, "合计公式未包含插入的行",
                "合计单元格的 SUM 公式的求和范围没有包含某一项（在范围外插入的行），合计随之偏小；"
                "指出该项单元格并给出应改成的公式", cell="求和范围外的那一项"),
    FindingCode(MISREADS, "indicator.ungrouped", W, "指标行未归入一级指标",
                "插入在某一级指标合并区域上方的指标行，一级指标单元格为空且不在合并区域内，"
                "无法确定属于上下哪一组：不计入任何一级指标的分值合计，请把该行移入所属合并区域或填写一级指标",
                cell="该行的一级指标单元格"),
)

#: code -> its declaration.
CODES: Mapping[str, FindingCode] = {c.code: c for c in ALL}
