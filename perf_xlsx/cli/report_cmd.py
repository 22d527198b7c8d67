"""`perf-xlsx report`: the 绩效自评报告 draft (or, with --feedback, the 整改反馈单) of one workbook.

Registered on the group by one line in commands.py. The drafting code (perf_xlsx.draft,
python-docx) is imported when the command runs, so other commands never load it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import click

from perf_xlsx.cli.chinese import Argument, ChineseCommand
from perf_xlsx.rules import DEFAULT_PROFILE, Profile, RulesError, builtin_names, load_profile

__all__ = ["report"]

REPORT_SUFFIX = ".自评报告.docx"
FEEDBACK_SUFFIX = ".整改反馈单.docx"


def _profile(spec: Optional[str]) -> Profile:
    try:
        return load_profile(spec)
    except RulesError as exc:
        raise click.UsageError(str(exc)) from None


@click.command(cls=ChineseCommand)
@click.argument("file", cls=Argument, help="自评表工作簿（.xlsx、.xls、.ods 等），据此起草报告或反馈单")
@click.option("-o", "--output", "output", default=None, metavar="OUT.docx",
              help=f"保存路径（默认：与 FILE 同目录的 <文件名>{REPORT_SUFFIX}；--feedback 时为 <文件名>{FEEDBACK_SUFFIX}）")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 转换为 PDF（与 .docx 同名，需安装 LibreOffice）")
@click.option("--feedback", is_flag=True, help="写出给单位的整改反馈单（问题清单），而不是自评报告")
@click.option("--template", "template", default=None, metavar="T.docx",
              help="Word 模板（.docx）：使用其中的样式、页面设置和页脚；默认用内置模板（templates/自评报告模板.docx）")
@click.option("--phrases", "phrases", default=None, metavar="FILE.toml",
              help="问题与建议的措辞表（TOML），只需列出要改的键；默认 perf_xlsx/draft/phrases.toml")
@click.option("--force", is_flag=True, help="目标文件已存在时覆盖")
@click.option("--rules", "rules", metavar="RULES", default=None,
              help=f"评分规则：内置规则名或 .toml 文件路径，默认 {DEFAULT_PROFILE}；内置规则：{' '.join(builtin_names())}")
def report(file: str, output: Optional[str], pdf: bool, feedback: bool, template: Optional[str],
           phrases: Optional[str], force: bool, rules: Optional[str]) -> None:
    """根据 FILE 的自评表生成《项目支出绩效自评报告》初稿（Word），或用 --feedback 生成整改反馈单。

    报告按标准提纲（一、项目概况 …… 七、其他需要说明的问题）写成，每句话都来自自评表和核对结果；
    表中没有的内容（编制、人数、职能、管理制度等）取自工作簿的「单位信息」表，没有时以红色
    【待填写：…】标出。附件为核定后的自评表。

    \b
    例：perf-xlsx report 商务局.xlsx --pdf
        perf-xlsx report 商务局.xlsx --feedback -o 反馈/商务局.docx
    """
    # Imported here, not at the top: every perf-xlsx command imports this module (commands.py).
    from perf_xlsx.judge.evaluate import evaluate_file, exit_code
    from perf_xlsx.read.source import opened
    from perf_xlsx.results import result_to_dict

    p = Path(file)
    if not p.exists():
        raise click.UsageError(f"找不到文件：{file}")
    if p.is_dir():
        raise click.UsageError(f"{file} 是文件夹；批量生成请用 perf-xlsx batch")
    if template is not None and not Path(template).is_file():
        raise click.UsageError(f"找不到模板：{template}")
    profile = _profile(rules)
    target = output or str(p.with_name(p.stem + (FEEDBACK_SUFFIX if feedback else REPORT_SUFFIX)))
    if Path(target).suffix.lower() != ".docx":
        raise click.UsageError(f"输出文件应为 .docx：{target}")
    if Path(target).exists() and not force:
        raise click.UsageError(f"{target} 已存在（可能是已修改的报告），如确需覆盖请加 --force")

    from perf_xlsx.draft import DraftError, draft_feedback, draft_report, to_pdf
    from perf_xlsx.draft.phrases import PhrasesError, load_phrases
    from perf_xlsx.draft.render import TemplateError
    from perf_xlsx.fileutil import atomic_write_bytes, os_reason

    try:
        table = load_phrases(phrases)
    except PhrasesError as exc:
        raise click.UsageError(str(exc)) from None
    with opened(file):
        result = evaluate_file(file, profile, display_name=file)
    data = result_to_dict(result)
    try:
        if feedback:
            # The letter goes to the unit: it names the workbook as the unit knows it, not where it
            # lies on the bureau's disk.
            blob = draft_feedback([(os.path.basename(file), data, file)], template=template, phrases=table,
                                  profile=profile)
        else:
            if result.status != "scored":
                click.echo(f"错误：{file}：{(result.error or {}).get('message', '')}，无法生成报告", err=True)
                sys.exit(2)
            blob = draft_report(file, data, template=template, phrases=table)
    except TemplateError as exc:
        raise click.UsageError(str(exc)) from None
    except DraftError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    try:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, blob)
    except OSError as exc:
        click.echo(f"错误：无法写入 {target}：{os_reason(exc)}", err=True)
        sys.exit(2)
    click.echo(f"已写出：{target}")
    if pdf:
        try:
            click.echo(f"已写出：{to_pdf(target)}")
        except DraftError as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(2)
    sys.exit(exit_code(result))
