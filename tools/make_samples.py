"""Build templates/项目支出绩效自评表.xlsx and sample_workbooks/ (with its README.md).

    python tools/make_samples.py                   # everything (LibreOffice for sample 09)
    python tools/make_samples.py --no-libreoffice  # keep the committed LibreOffice-saved sample

The samples are the seed example written by perf_xlsx.write.template plus workbooks built from the six
published real tables (tests/data/real-cases, via tests/builders.py) that show what
`perf-xlsx check` catches. The README quotes the checker's own output, so re-run this script
when the checks change.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
# As tests/conftest.py and tests/test_golden.py do, before openpyxl is imported: the samples are
# written by openpyxl's ElementTree writer whether or not lxml is installed (with lxml the XML
# declares its namespaces elsewhere, and a rebuild of unchanged samples would differ).
os.environ["OPENPYXL_LXML"] = "False"
for extra in (ROOT, ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import builders  # noqa: E402  (tests/builders.py: real-looking tables from the real cases)
import dept_builders  # noqa: E402  (tests/dept_builders.py: 部门整体 layouts)
import transfer_builders  # noqa: E402  (tests/transfer_builders.py: 转移支付 layouts)

from perf_xlsx.cli.render import render_check  # noqa: E402
from perf_xlsx.judge.evaluate import evaluate_file  # noqa: E402
from perf_xlsx.rules import load_profile  # noqa: E402
from perf_xlsx.write.template import DEFAULT_FILENAME, write_template  # noqa: E402
from perf_xlsx.write.template_data import EXAMPLE_YEAR  # noqa: E402

# The committed blank template: national rules, one project (with its 填报说明, 项目清单 and 单位信息
# sheets), the last full year when it was made. tests/test_template.py regenerates it with these values and compares cell by cell.
TEMPLATE_PATH = ROOT / "templates" / DEFAULT_FILENAME
TEMPLATE_YEAR = 2025
TEMPLATE_PROJECTS = 1
TEMPLATE_PROFILE = "national_2020"

SAMPLES = ROOT / "sample_workbooks"


def write_committed_template(path: Path = TEMPLATE_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_template(str(path), year=TEMPLATE_YEAR, projects=TEMPLATE_PROJECTS, example=False,
                   profile=load_profile(TEMPLATE_PROFILE))
    return path


# --- samples -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    name: str
    title: str
    shows: str  # what the workbook demonstrates, for the README
    build: Callable[[Path], None]
    needs_libreoffice: bool = False


def _example(path: Path) -> None:
    write_template(str(path), year=EXAMPLE_YEAR, example=True, profile=load_profile(TEMPLATE_PROFILE))


def _case(prefix: str, layout: Optional[builders.Layout] = None,
          edit: Optional[Callable[[dict[str, Any]], None]] = None) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        spec = builders.spec_from_case(prefix)
        if edit is not None:
            edit(spec)
        builders.make_workbook(path, [spec], layout=layout or builders.Layout())

    return build


def _seed_pair(layout: builders.Layout, unit_total: Optional[dict[str, Any]] = None) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        specs = [builders.seed_spec("招商节会"), builders.seed_spec("农贸市场提质改造")]
        unit = builders.unit_sheet_from_specs(specs, total=unit_total)
        builders.make_workbook(path, specs, unit_sheet=unit, layout=layout)

    return build


def _resaved(source: Callable[[Path], None]) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            original = Path(tmp) / path.name
            source(original)
            saved = builders.libreoffice_resave(original, Path(tmp) / "out")
            shutil.copyfile(saved, path)

    return build


def _department(style: str, spec: Callable[[], dict[str, Any]], layout: Optional[dept_builders.DeptLayout] = None,
                edit: Optional[Callable[[dict[str, Any]], None]] = None) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        data = spec()
        if edit is not None:
            edit(data)
        dept_builders.make_department_workbook(path, data, style, layout)

    return build


def _national_with_slips(spec: dict[str, Any]) -> None:
    """Two slips a finance bureau meets: 项目支出 typed 510 where the expenditure breakdown needs 490
    (so 按支出性质分 no longer adds up), and full marks kept on a target missed."""
    spec["funds"]["expenditure"][1]["full_year"] = 510
    spec["indicators"][1].update(actual="95.2%", reason=None)


def _transfer(spec: Callable[[], dict[str, Any]], layout: Optional[transfer_builders.TransferLayout] = None,
              edit: Optional[Callable[[dict[str, Any]], None]] = None) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        data = spec()
        if edit is not None:
            edit(data)
        transfer_builders.make_transfer_workbook(path, data, layout)

    return build


def _transfer_with_slips(spec: dict[str, Any]) -> None:
    """A 使用规范性 row whose 情况说明 says all is well while its 存在问题 column names a problem."""
    spec["management"][2] = {"item": "使用规范性", "status": "专款专用，不存在问题",
                             "problems": "个别定点医院救助台账登记不全，已要求限期补齐"}


def _sources_with_slip(spec: dict[str, Any]) -> None:
    """县级 结余 typed 25 where 到位 150 − 支出 130 leaves 20 (and the 合计 follows it)."""
    spec["funds"][3]["balance"] = 25
    spec["funds"][5]["balance"] = 125


SEED_FORMULAS = builders.Layout(formulas=True)

SAMPLE_LIST: list[Sample] = [
    Sample("01-示例-芙蓉区商务局2021.xlsx", "填报示例（perf-xlsx template --example）",
           "标准模板按 2021 年芙蓉区商务局自评报告填好的示例：项目清单 + 招商节会、农贸市场提质改造两张项目表，"
           "指标值由报告所列完成比例倒推，报告未载明的数据在表内注明为示意数据。一项未完成、一项超额较多的指标都填写了"
           "偏差原因，因此没有错误。",
           _example),
    Sample("02-池州棠溪-委托业务2022.xlsx", "安徽池州 2022（年度资金总额印成 0）",
           "公开表原样：年度资金总额一行 0 / 0 / 0、执行率 0、得分 0，而其中“本年财政拨款”为 90 / 89.974 / 89.974；"
           "一级指标带“(50分)”标注；原文在满意度行中途截断、没有总分行（这里的总分行只印了分值 100）。",
           _case("001")),
    Sample("03-稷山医保配套2020.xlsx", "山西稷山 2020（扣分无依据、总分不符）",
           "执行率 99.1% 却只得 9 分；指标达到目标仍被扣分（27/30、9/10）；总分印 94 而各项之和为 93。",
           _case("004")),
    Sample("04-中江水标尺2022.xlsx", "四川中江 2022（分值合计 110、照抄指标值）",
           "产出指标标 70 分、效益 20 分，加预算执行率 10 分共 110 分而总分印 100；实际完成值照抄指标值"
           "（“≥266米”）。标签带冒号等写法（colons 版式）。",
           _case("007", builders.Layout(label_style="colons"))),
    Sample("05-永德营养改善2022.xlsx", "云南永德 2022（金额单位为元、指标性质分列）",
           "金额以“元”计（387664.62 元），指标值分为 指标性质 / 指标值 / 度量单位 三栏，符号为“≧”“═”；"
           "达到目标的“资金到位及时率”只得 7 分，政策知晓率 98% 得 9 分（按比例应为 9.8）。",
           _case("011", builders.Layout(split_target=True))),
    Sample("06-昌宁生猪养殖2022.xlsx", "云南昌宁 2022（无分值栏、执行率写成“20”）",
           "预算执行 20 分的 20/80 表：执行 10 万元 / 预算 50 万元，执行率印成“20”；各指标没有分值，"
           "指标名称里留着模板占位符“(≥**平方米)”；原文在“种母猪”一行后截断。执行率“20”由金额判断为 20%，不算错误；指标全部完成而资金只花了 20% 会被提示。",
           _case("016")),
    Sample("07-衡山储备粮2020.xlsx", "湖南衡山 2020（没有分值和得分）",
           "整张表没有任何分值、得分；反向指标写成“0”“0起”；“无”作为实际完成值。标签带换行（linebreaks 版式）。",
           _case("030", builders.Layout(label_style="linebreaks"))),
    Sample("08-公式未计算-openpyxl.xlsx", "公式没有计算结果（程序生成、未经电子表格软件保存）",
           "与 09 内容相同的两项目工作簿（芙蓉区商务局两个项目 + 项目清单），合计、执行率、得分、总分都是公式，"
           "由 openpyxl 写出，没有缓存的计算结果：检查会提示并按各项数值重新计算。",
           _seed_pair(SEED_FORMULAS)),
    Sample("09-LibreOffice另存.xlsx", "经 LibreOffice 打开并另存（公式带计算结果）",
           "08 号文件由 LibreOffice（无界面）打开、重算并另存为 .xlsx，与单位用 WPS/Excel 保存的文件一样，"
           "公式都带计算结果。",
           _resaved(_seed_pair(SEED_FORMULAS)), needs_libreoffice=True),
    Sample("10-项目清单合计不符.xlsx", "项目清单合计与项目表不符",
           "芙蓉区商务局两个项目，项目清单“合计”的全年预算数印 460（应为 200 + 250 = 450）。",
           _seed_pair(builders.Layout(), unit_total={"initial": 450, "full_year": 460, "executed": 446.5})),
    Sample("11-部门整体-分项与主要任务.xlsx", "部门整体支出绩效自评表（全国通用式样，评分定级）",
           "某县农业农村局 2023 年（示意数据）：年度主要任务 3 项、年度预算申请（年度资金总额及按收入性质分 3 项、"
           "按支出性质分 2 项）、年度总体目标、绩效指标（一级指标为履职效能 / 管理效率 / 社会效应 / 服务对象满意度）。"
           "与项目表一样评分：预算执行率 10 分 + 指标 90 分，定等级。表中有两处差错：项目支出全年预算数填 510，"
           "按支出性质分合计因此与年度资金总额不符（按收入性质分相符）；监测合格率未达目标仍得满分、未写偏差原因。",
           _department("national", dept_builders.national_spec, edit=_national_with_slips)),
    Sample("12-部门整体-指标权重式.xlsx", "部门整体绩效目标自评表（重庆式样：指标权重、计量单位，无得分栏）",
           "某区商务委员会 2022 年（示意数据）：资金情况只有年初预算资金总额与实际投入资金额、没有分值栏，"
           "执行率只计算不单独计分；指标只有指标权重，得分由工具按权重 × 完成比例核定后定等级，不因没有得分栏报错。",
           _department("chongqing", dept_builders.chongqing_spec)),
    Sample("13-部门整体-评分表.xlsx", "部门整体支出绩效评分表（评分标准逐行评判）",
           "某市某局 2022 年（示意数据）：投入 / 过程 / 产出 / 效果四类，每行一条评分标准。分档计分、"
           "“每超过一个百分点扣 1 分”、“执行率 × 分值”等常见规则，在该行有实际完成值（预算执行率取资金表）时由工具核定；"
           "“发现一处问题扣 2 分”一类文字规则须人工复核，逐表列出。有人工复核行时只核对加总，不核定总分、不定等级。",
           _department("rubric", dept_builders.rubric_spec)),
    Sample("14-转移支付-中央与地方资金.xlsx", "转移支付区域绩效自评表（没有分值、得分：只核对、不评分）",
           "某县 2023 年农田建设补助资金（示意数据）：年度资金总额 2000 万元 = 中央补助 1600 + 地方资金 400"
           "（其下省级 250、县级 150 是地方资金的细项，不重复计入）+ 其他资金；资金管理情况 5 项按文字读取；"
           "指标没有分值和得分：核对算术与目标质量，逐项给出完成比例与是否达成（新建农田 1.9 万亩，完成 95%，写明了原因），"
           "不评分、不定等级。",
           _transfer(transfer_builders.transfer_spec)),
    Sample("15-转移支付-有分值-下达到位支出.xlsx", "转移支付区域绩效自评表（有分值、得分；下达数 / 到位数 / 支出数）",
           "某县 2023 年城乡医疗救助补助资金（示意数据）：资金表为下达数 / 到位数 / 支出数，执行率按支出 ÷ 到位计算，"
           "中央财政资金 + 地方财政资金 + 彩票公益金 = 年度资金总额；有分值和得分，与项目表一样评分定级。"
           "表中两处须核实：下达 820 万元只到位 800 万元；资金管理情况“使用规范性”的情况说明写不存在问题，存在问题栏却写了问题。",
           _transfer(transfer_builders.scored_transfer_spec, transfer_builders.TransferLayout(
               funds_columns="allocation", funds_scored=True, indicators_scored=True), edit=_transfer_with_slips)),
    Sample("16-资金来源表-结余.xlsx", "按资金来源列示的资金表（中央 / 省级 / 市级 / 县级 / 其它 × 计划 / 到位 / 支出 / 结余）",
           "与 14 号同一项目，资金表按来源级次逐行列示计划数、到位数、支出数、结余：合计行作为年度资金总额，"
           "到位数为执行率的分母；逐行核对结余 = 到位 − 支出，合计 = 各级之和。县级结余填 25（应为 150 − 130 = 20）。",
           _transfer(transfer_builders.sources_spec, transfer_builders.TransferLayout(funds_columns="sources"),
                     edit=_sources_with_slip)),
]


STABLE_TIME = "2020-01-01T00:00:00Z"
_W3CDTF = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _stable(path: Path) -> None:
    """Fixed timestamps in docProps/core.xml and the zip headers, so a rebuild of unchanged
    content leaves git with nothing to commit (openpyxl and LibreOffice stamp the time)."""
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            if info.filename == "docProps/core.xml":
                data = _W3CDTF.sub(rb"\g<1>" + STABLE_TIME.encode() + rb"\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            zout.writestr(fixed, data)
    os.replace(tmp, path)


def _check_text(path: Path) -> tuple[str, int, int]:
    profile = load_profile(TEMPLATE_PROFILE)
    display = path.relative_to(ROOT).as_posix()
    result = evaluate_file(str(path), profile, display_name=display)
    return render_check(result, profile), result.errors, result.warnings


README_HEAD = """# 示例工作簿（sample_workbooks）

由 `python tools/make_samples.py` 生成，请勿手工修改；检查规则变化后重新运行该脚本。
每个文件下面引用的是 `perf-xlsx check 文件`（规则 national_2020）的实际输出。

- 空白模板：`templates/项目支出绩效自评表.xlsx`（全国通用规则 national_2020，{year} 年度，1 个项目表；
  另有“填报说明”“项目清单”两张表，以及供自评报告使用的“单位信息”表：编制、人数、职能、管理制度等表格本身没有的内容，
  不参与评分）。生成其他年度或多个项目：`perf-xlsx template --year 2024 --projects 3`。
- 02–07 号取自六张公开的自评表（`tests/data/real-cases`），数值照原表填写，用来演示检查能发现的问题；
  08/09 号演示“公式没有计算结果”与“经电子表格软件保存”的区别。
- 11–13 号是部门整体支出绩效自评表的三种式样（按公开表的版式自拟数据）。各类表得到什么：
  - 项目支出绩效自评表、有年度指标值与实际完成值的部门整体表（11 号），以及只有指标权重的部门整体表（12 号）：
    核对算术与填报得分，工具核定每行得分与总分，并定等级；部门整体表的资金按收入性质、按支出性质两个分项各自与总额核对，
    年度主要任务核对合计并与资金表比较。
  - 按评分标准打分的部门整体评分表（13 号）：常见的机读评分标准由工具核定，其余各行只核对算术（0 ≤ 得分 ≤ 分值、
    分项与合计）并列为人工复核；有人工复核行时不核定总分、不定等级。
- 14–16 号是转移支付区域绩效自评表与按资金来源列示的资金表（按公开表的版式自拟数据）：
  - 没有分值、得分的转移支付表（14 号）：中央、地方、其他各项与年度资金总额核对，资金管理情况按文字读取，
    逐项给出完成比例与是否达成，只核对算术与目标质量，不评分、不定等级；
  - 有分值、得分的转移支付表（15 号）：与项目表一样评分定级；资金表为下达数 / 到位数 / 支出数时执行率按支出 ÷ 到位计算；
  - 按来源级次列示的资金表（16 号）：合计行即年度资金总额，逐行核对结余 = 到位 − 支出。

"""


def write_readme(done: list[Sample]) -> None:
    parts = [README_HEAD.format(year=TEMPLATE_YEAR)]
    for sample in done:
        path = SAMPLES / sample.name
        text, errors, warnings = _check_text(path)
        parts.append(f"## {sample.name}\n\n**{sample.title}**：{sample.shows}\n\n"
                     f"检查结果：错误 {errors}，警告 {warnings}。\n\n```text\n{text}\n```\n\n")
    (SAMPLES / "README.md").write_text("".join(parts).rstrip() + "\n", encoding="utf-8")


def build_all(*, libreoffice: bool = True) -> list[Sample]:
    SAMPLES.mkdir(parents=True, exist_ok=True)
    write_committed_template()
    done: list[Sample] = []
    for sample in SAMPLE_LIST:
        target = SAMPLES / sample.name
        if sample.needs_libreoffice and not (libreoffice and builders.soffice_path()):
            if target.exists():
                print(f"跳过（没有 LibreOffice，保留原文件）：{sample.name}", file=sys.stderr)
                done.append(sample)
            else:
                print(f"跳过（没有 LibreOffice）：{sample.name}", file=sys.stderr)
            continue
        sample.build(target)
        if sample.build is not _example:  # the template writer is reproducible by itself
            _stable(target)
        done.append(sample)
        print(f"已生成：{target.relative_to(ROOT)}")
    write_readme(done)
    return done


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="生成 templates/ 与 sample_workbooks/")
    parser.add_argument("--no-libreoffice", action="store_true", help="不生成需要 LibreOffice 的示例")
    args = parser.parse_args(argv)
    build_all(libreoffice=not args.no_libreoffice)
    return 0


if __name__ == "__main__":
    sys.exit(main())
