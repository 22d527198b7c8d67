"""The `perf-xlsx` commands: options in, library calls, exit codes out."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import click

from perf_xlsx.cli.chinese import Argument, ChineseGroup, Integer
from perf_xlsx.cli.render import BatchProgress, render_batch, render_check
from perf_xlsx.fileutil import os_reason
from perf_xlsx.rules import (
    DEFAULT_PROFILE,
    Profile,
    RulesError,
    builtin_names,
    load_profile,
    profile_text,
)

if TYPE_CHECKING:
    from perf_xlsx.model import WorkbookResult

# Each command imports the layers it uses in its body: `perf-xlsx batch` runs in a new process
# every time, and an unchanged rerun over 1,000 files must not spend its time importing the
# reader, the judge and the writers it does not need (issue 13).

# The names are space-separated so that the help page wraps between them, not inside one.
RULES_HELP = f"评分规则：内置规则名或 .toml 文件路径，默认 {DEFAULT_PROFILE}；内置规则：{' '.join(builtin_names())}"


def _profile(spec: Optional[str]) -> Profile:
    try:
        return load_profile(spec)
    except RulesError as exc:
        raise click.UsageError(str(exc)) from None


def _refuse_overwrite(path: str, force: bool, what: str) -> None:
    """An existing output file may hold the user's own work: replace it only with --force."""
    if Path(path).exists() and not force:
        raise click.UsageError(f"{path} 已存在（可能是{what}），如确需覆盖请加 --force")


def _existing_folder(path: str) -> str:
    # A missing folder is reported by run_batch; a file given for DIR is a usage mistake.
    if Path(path).is_file():
        raise click.UsageError(f"{path} 是文件，不是文件夹；评分单个文件请用 perf-xlsx score")
    return path


def _existing_file(path: str) -> str:
    p = Path(path)
    if not p.exists():
        raise click.UsageError(f"找不到文件：{path}")
    if p.is_dir():
        raise click.UsageError(f"{path} 是文件夹；评分整个文件夹请用 perf-xlsx batch")
    return path


rules_option = click.option("--rules", "rules", metavar="RULES", default=None, help=RULES_HELP)


# name= so that usage lines say perf-xlsx however the group is invoked (CliRunner too).
@click.group(name="perf-xlsx", cls=ChineseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="perf-xlsx", message="%(prog)s 版本 %(version)s", help="显示版本号并退出。")
def cli() -> None:
    """perf-xlsx：检查并评分预算绩效自评表（项目支出绩效自评表）。"""


@cli.command()
@click.option("-o", "--output", "output", default=None, metavar="PATH",
              help="保存路径（默认：项目支出绩效自评表.xlsx；--example 时为 项目支出绩效自评表（示例）.xlsx）")
@click.option("--year", type=Integer(), default=None, metavar="YYYY", help="年度（默认：上一年）")
@click.option("--projects", type=Integer(1, 50), default=1, metavar="N", help="项目工作表个数，1–50（默认 1）")
@click.option("--example", is_flag=True, help="写出已填好的示例（2021 年芙蓉区商务局，两个项目）")
@click.option("--force", is_flag=True, help="目标文件已存在时覆盖")
@rules_option
def template(output: Optional[str], year: Optional[int], projects: int, example: bool, force: bool,
             rules: Optional[str]) -> None:
    """写出标准的项目支出绩效自评表模板（含填报说明、项目清单、下拉选项与公式）。"""
    import datetime

    from perf_xlsx.write.template import DEFAULT_FILENAME, write_template

    profile = _profile(rules)
    path = output or (DEFAULT_FILENAME.replace(".xlsx", "（示例）.xlsx") if example else DEFAULT_FILENAME)
    _refuse_overwrite(path, force, "已填写的表")
    try:
        write_template(path, year=year or datetime.date.today().year - 1, projects=projects,
                       example=example, profile=profile)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        click.echo(f"错误：无法写入 {path}：{os_reason(exc)}", err=True)
        sys.exit(2)
    click.echo(f"已写出：{path}（规则：{profile.name}）")


@cli.command()
@click.argument("file", cls=Argument,  # checked by _existing_file: click.Path's complaints are English
                help="要预检的自评表工作簿（.xlsx、.xls、.ods 等）")
@rules_option
def check(file: str, rules: Optional[str]) -> None:
    """预检：读取、核对并评分 FILE，打印问题清单，不写任何文件。"""
    profile = _profile(rules)
    from perf_xlsx.judge.evaluate import evaluate_file, exit_code

    result = evaluate_file(_existing_file(file), profile, display_name=file)
    click.echo(render_check(result, profile))
    sys.exit(exit_code(result))


@cli.command()
@click.argument("file", cls=Argument,  # checked by _existing_file
                help="要评分的自评表工作簿（.xlsx、.xls、.ods 等）；原文件不会被改动")
@click.option("-o", "--output", "output", default=None, metavar="OUT",
              help="评分后工作簿的保存路径（默认：与 FILE 同目录的 <文件名>.scored.xlsx）")
@click.option("--json", "json_path", default=None, metavar="PATH",
              help="同时写出 JSON 结果（perf_xlsx.result/1，UTF-8）；PATH 为 - 时写到标准输出"
                   "（Windows 控制台请先 chcp 65001，或写到文件）")
@click.option("--force", is_flag=True, help="输出文件已存在且不是本工具先前的输出时，仍然覆盖")
@rules_option
def score(file: str, output: Optional[str], json_path: Optional[str], force: bool, rules: Optional[str]) -> None:
    """评分 FILE：写出评分后的工作簿（含 评分明细 与 汇总），可选 JSON 结果。"""
    from perf_xlsx.judge.evaluate import evaluate_file, exit_code
    from perf_xlsx.read.source import opened
    from perf_xlsx.results import result_to_dict

    profile = _profile(rules)
    _existing_file(file)
    target = output or str(Path(file).with_name(Path(file).stem + ".scored.xlsx"))
    if not force and Path(target).exists() and not _own_workbook(target):
        _refuse_overwrite(target, force, "他人的工作簿，不是本工具先前的评分结果")
    if json_path not in (None, "-") and not force and Path(json_path).exists() and not _own_json(json_path):
        _refuse_overwrite(json_path, force, "其他文件，不是本工具先前写出的 JSON 结果")
    with opened(file):  # read once, for the reader and the writer (read.source)
        result = evaluate_file(file, profile, display_name=file)
        if json_path is not None:
            _write_json(result_to_dict(result), json_path)
        out_path = _write_scored(result, file, target, profile)
    if json_path != "-":
        click.echo(render_check(result, profile))
        if out_path:
            click.echo(f"\n已写出：{out_path}")
    sys.exit(exit_code(result))


def _own_workbook(path: str) -> bool:
    """A workbook this tool wrote (its marker property), edited or not: score may replace it."""
    from perf_xlsx.write.scored import is_scored_output

    return is_scored_output(path)


def _own_json(path: str) -> bool:
    """A JSON result this tool wrote earlier (perf_xlsx.result/1): score may replace it."""
    try:
        with open(path, "rb") as fh:
            data = json.loads(fh.read(1 << 26))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("schema") == "perf_xlsx.result/1"


def _write_scored(result: WorkbookResult, file: str, target: str, profile: Profile) -> Optional[str]:
    if result.status != "scored":
        return None
    try:
        from perf_xlsx.write.scored import WriteError, write_scored
    except ImportError:  # pragma: no cover - the writer ships with the package
        return None
    if Path(target).resolve() == Path(file).resolve():
        click.echo("错误：输出文件不能是输入文件本身（输入文件从不被改写），请用 -o 指定其他文件名", err=True)
        sys.exit(2)
    from perf_xlsx.read.legacy import as_xlsx

    try:
        with as_xlsx(file, result.model) as source:
            write_scored(source, result, target, profile)
    except WriteError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    return target


def _write_json(data: dict[str, Any], path: str) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if path == "-":
        # JSON is UTF-8 whatever the console's encoding: programs read it, not people.
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()
        return
    from perf_xlsx.fileutil import atomic_write_bytes, os_error_message

    try:
        atomic_write_bytes(path, text.encode("utf-8"))
    except OSError as exc:
        click.echo(f"错误：{os_error_message(path, exc)}", err=True)
        sys.exit(2)


@cli.command()
@click.option("--profile", "profile_name", default=DEFAULT_PROFILE, metavar="NAME",
              help=f"内置规则名或 .toml 文件路径（默认 {DEFAULT_PROFILE}）")
@click.option("-o", "--output", "output", default=None, metavar="PATH", help="写到文件（默认打印）")
@click.option("--force", is_flag=True, help="目标文件已存在时覆盖")
@click.option("--list", "list_only", is_flag=True, help="列出内置规则")
def rules(profile_name: str, output: Optional[str], force: bool, list_only: bool) -> None:
    """打印或导出评分规则（TOML），修改后可用 --rules 文件路径 使用。"""
    if list_only:
        for name in builtin_names():
            click.echo(f"{name}\t{load_profile(name).title}")
        return
    try:
        load_profile(profile_name)  # validate before exporting
        text = profile_text(profile_name)
    except RulesError as exc:
        raise click.UsageError(str(exc)) from None
    if output:
        from perf_xlsx.fileutil import atomic_write_bytes

        # An exported profile is meant to be edited (本省规则.toml): never replace one silently.
        _refuse_overwrite(output, force, "已修改的规则")
        try:
            atomic_write_bytes(output, text.encode("utf-8"))
        except OSError as exc:
            click.echo(f"错误：无法写入 {output}：{os_reason(exc)}", err=True)
            sys.exit(2)
        click.echo(f"已写出：{output}")
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("folder", metavar="DIR", cls=Argument,  # checked by _existing_folder and run_batch
                help="收件文件夹：各单位报来的自评表，直接放在其中或每个单位一个子文件夹")
@click.option("-o", "--output", "outdir", default=None, metavar="OUTDIR",
              help="输出文件夹（默认：DIR/评分结果/，扫描时排除）")
@click.option("--jobs", "jobs", type=Integer(1, 64), default=None, metavar="N",
              help="并行进程数，1–64（Windows 最多 60；默认：CPU 核数）；结果与进程数无关")
@click.option("--recursive", is_flag=True, help="扫描全部各级子文件夹（默认只扫描一层子文件夹：每个单位一个文件夹）")
@click.option("--full", is_flag=True, help="全部重新评分（默认只评分新增或改动的文件，其余沿用上次结果）")
@click.option("--roster", "roster", default=None, metavar="FILE",
              help="单位名单（.xlsx 或 .csv：单位名称一列，可另有项目名称一列），统计应交、已交、未交")
@click.option("--title", "title", default=None, metavar="TEXT", help="汇总.xlsx 排名表的标题（如 某某区财政局）")
@click.option("--reports", is_flag=True, help="为每个已评分的文件起草自评报告（.docx，放在其评分结果旁）")
@click.option("--feedback", is_flag=True, help="为每个单位起草整改反馈单（OUTDIR/反馈/单位名称.docx）")
@rules_option
def batch(folder: str, outdir: Optional[str], jobs: Optional[int], recursive: bool, full: bool,
          roster: Optional[str], title: Optional[str], reports: bool, feedback: bool, rules: Optional[str]) -> None:
    """评分文件夹 DIR 中的全部工作簿：每个文件一份评分结果，另有 汇总.xlsx 与 results.jsonl。

    再次运行只评分新增或改动的文件；已删除的文件从汇总中移除，其评分结果移到 已撤回/。"""
    from perf_xlsx.bulk.report import BatchError
    from perf_xlsx.bulk.run import run_batch

    profile = _profile(rules)
    with BatchProgress() as progress:
        try:
            report = run_batch(_existing_folder(folder), outdir, jobs=jobs, recursive=recursive, rules=rules,
                               progress=progress.update, full=full, roster=roster, title=title,
                               reports=reports, feedback=feedback)
        except BatchError as exc:
            progress.close()
            click.echo(f"错误：{exc}", err=True)
            sys.exit(2)
    click.echo(render_batch(report, profile), err=False)
    sys.exit(130 if report.interrupted else report.exit_code)


@cli.command()
@click.argument("folder", metavar="INBOX", cls=Argument,  # checked by _existing_folder
                help="要监视的收件文件夹（与 batch 的 DIR 相同）")
@click.option("-o", "--output", "outdir", default=None, metavar="OUTDIR",
              help="输出文件夹（默认：INBOX/评分结果/）；与 batch 共用，可交替使用")
@click.option("--interval", "interval", default="1", metavar="S",
              help="轮询与重试间隔秒数（默认 1）")
@click.option("--poll", is_flag=True, help="轮询文件夹（网络共享盘上文件夹变化通知不可用时使用）")
@click.option("--recursive", is_flag=True, help="扫描全部各级子文件夹（默认只扫描一层）")
@click.option("--roster", "roster", default=None, metavar="FILE", help="单位名单（.xlsx 或 .csv），同 batch")
@click.option("--title", "title", default=None, metavar="TEXT", help="汇总.xlsx 排名表的标题")
@click.option("--jobs", "jobs", type=Integer(1, 64), default=None, metavar="N", help="并行进程数（默认：CPU 核数）")
@rules_option
def watch(folder: str, outdir: Optional[str], interval: str, poll: bool, recursive: bool, roster: Optional[str],
          title: Optional[str], jobs: Optional[int], rules: Optional[str]) -> None:
    """监视收件文件夹 INBOX：新到或改动的工作簿写完后立即评分，并更新 汇总.xlsx 与 results.jsonl。

    每个文件一行：时间、文件、单位、总分、等级、问题数。按 Ctrl-C 停止。"""
    from perf_xlsx.bulk.report import BatchError
    from perf_xlsx.bulk.watch import Watcher

    _profile(rules)
    try:
        seconds = float(interval)  # parsed here: click's own float error is English
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < 3600:
        raise click.UsageError(f"--interval 应为 0 到 3600 之间的秒数，不是 {interval}")
    watcher = Watcher(_existing_folder(folder), outdir, rules=rules, interval=seconds, poll=poll,
                      recursive=recursive, roster=roster, title=title, jobs=jobs, echo=click.echo)
    try:
        code = watcher.run()
    except BatchError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    sys.exit(code)


from perf_xlsx.cli.report_cmd import report as _report  # noqa: E402  (perf-xlsx report, issue 15)

cli.add_command(_report)


def main() -> None:
    """The console script ``perf-xlsx`` (and ``python -m perf_xlsx``)."""
    # A GBK or ASCII console must not crash the tool: unencodable characters become '?'.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    cli(prog_name="perf-xlsx")
