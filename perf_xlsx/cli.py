"""The `perf-xlsx` command line: options in, library calls, exit codes out."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import click

from perf_xlsx.evaluate import evaluate_file, exit_code, result_to_dict
from perf_xlsx.model import Severity, WorkbookResult
from perf_xlsx.rules import (
    DEFAULT_PROFILE,
    Profile,
    RulesError,
    builtin_names,
    load_profile,
    profile_text,
)
from perf_xlsx.scoring import fmt

RULES_HELP = f"评分规则：内置规则名（{'、'.join(builtin_names())}，默认 {DEFAULT_PROFILE}）或 .toml 文件路径"


def _profile(spec: Optional[str]) -> Profile:
    try:
        return load_profile(spec)
    except RulesError as exc:
        raise click.UsageError(str(exc)) from None


def _existing_file(path: str) -> str:
    p = Path(path)
    if not p.exists():
        raise click.UsageError(f"找不到文件：{path}")
    if p.is_dir():
        raise click.UsageError(f"{path} 是文件夹；评分整个文件夹请用 perf-xlsx batch")
    return path


rules_option = click.option("--rules", "rules", metavar="RULES", default=None, help=RULES_HELP)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="perf-xlsx")
def cli() -> None:
    """perf-xlsx：检查并评分预算绩效自评表（项目支出绩效自评表）。"""


@cli.command()
@click.option("-o", "--output", "output", default=None, metavar="PATH",
              help="保存路径（默认：项目支出绩效自评表.xlsx；--example 时为 项目支出绩效自评表（示例）.xlsx）")
@click.option("--year", type=int, default=None, help="年度（默认：上一年）")
@click.option("--projects", type=click.IntRange(1, 50), default=1, show_default=True, help="项目工作表个数")
@click.option("--example", is_flag=True, help="写出已填好的示例（2021 年芙蓉区商务局，两个项目）")
@click.option("--force", is_flag=True, help="目标文件已存在时覆盖")
@rules_option
def template(output: Optional[str], year: Optional[int], projects: int, example: bool, force: bool,
             rules: Optional[str]) -> None:
    """写出标准的项目支出绩效自评表模板（含填报说明、项目清单、下拉选项与公式）。"""
    import datetime

    from perf_xlsx.template import DEFAULT_FILENAME, write_template

    profile = _profile(rules)
    path = output or (DEFAULT_FILENAME.replace(".xlsx", "（示例）.xlsx") if example else DEFAULT_FILENAME)
    if Path(path).exists() and not force:
        raise click.UsageError(f"{path} 已存在（可能是已填写的表），如确需覆盖请加 --force")
    try:
        write_template(path, year=year or datetime.date.today().year - 1, projects=projects,
                       example=example, profile=profile)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        click.echo(f"错误：无法写入 {path}：{exc.strerror or exc}", err=True)
        sys.exit(2)
    click.echo(f"已写出：{path}（规则：{profile.name}）")


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@rules_option
def check(file: str, rules: Optional[str]) -> None:
    """预检：读取、核对并评分 FILE，打印问题清单，不写任何文件。"""
    profile = _profile(rules)
    result = evaluate_file(_existing_file(file), profile, display_name=file)
    click.echo(render_check(result, profile))
    sys.exit(exit_code(result))


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "output", default=None, metavar="OUT",
              help="评分后工作簿的保存路径（默认：与 FILE 同目录的 <文件名>.scored.xlsx）")
@click.option("--json", "json_path", default=None, metavar="PATH",
              help="同时写出 JSON 结果（perf_xlsx.result/1）；PATH 为 - 时写到标准输出")
@rules_option
def score(file: str, output: Optional[str], json_path: Optional[str], rules: Optional[str]) -> None:
    """评分 FILE：写出评分后的工作簿（含 评分明细 与 汇总），可选 JSON 结果。"""
    profile = _profile(rules)
    result = evaluate_file(_existing_file(file), profile, display_name=file)
    if json_path is not None:
        _write_json(result_to_dict(result), json_path)
    out_path = _write_scored(result, file, output, profile)
    if json_path != "-":
        click.echo(render_check(result, profile))
        if out_path:
            click.echo(f"\n已写出：{out_path}")
    sys.exit(exit_code(result))


def _write_scored(result: WorkbookResult, file: str, output: Optional[str], profile: Profile) -> Optional[str]:
    if result.status != "scored":
        return None
    try:
        from perf_xlsx.writer import WriteError, write_scored
    except ImportError:  # pragma: no cover - the writer ships with the package
        return None
    target = output or str(Path(file).with_name(Path(file).stem + ".scored.xlsx"))
    if Path(target).resolve() == Path(file).resolve():
        click.echo("错误：输出文件不能是输入文件本身（输入文件从不被改写），请用 -o 指定其他文件名", err=True)
        sys.exit(2)
    from perf_xlsx.legacy import as_xlsx

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
    from perf_xlsx.fileutil import atomic_write_bytes

    try:
        atomic_write_bytes(path, text.encode("utf-8"))
    except OSError as exc:
        click.echo(f"错误：无法写入 {path}：{exc.strerror or exc}", err=True)
        sys.exit(2)


@cli.command()
@click.option("--profile", "profile_name", default=DEFAULT_PROFILE, show_default=True,
              help="内置规则名或 .toml 文件路径")
@click.option("-o", "--output", "output", default=None, metavar="PATH", help="写到文件（默认打印）")
@click.option("--list", "list_only", is_flag=True, help="列出内置规则")
def rules(profile_name: str, output: Optional[str], list_only: bool) -> None:
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

        atomic_write_bytes(output, text.encode("utf-8"))
        click.echo(f"已写出：{output}")
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False))
@click.option("-o", "--output", "outdir", default=None, metavar="OUTDIR",
              help="输出文件夹（默认：DIR/评分结果/，扫描时排除）")
@click.option("--jobs", "jobs", type=click.IntRange(1, 64), default=None,
              help="并行进程数（默认：CPU 核数）；结果与进程数无关")
@click.option("--recursive", is_flag=True, help="也扫描子文件夹")
@rules_option
def batch(folder: str, outdir: Optional[str], jobs: Optional[int], recursive: bool, rules: Optional[str]) -> None:
    """评分文件夹 DIR 中的全部工作簿：每个文件一份评分结果，另有 汇总.xlsx 与 results.jsonl。"""
    from perf_xlsx.batch import BatchError, run_batch

    profile = _profile(rules)
    with _Progress() as progress:
        try:
            report = run_batch(folder, outdir, jobs=jobs, recursive=recursive, rules=rules,
                               progress=progress.update)
        except BatchError as exc:
            progress.close()
            click.echo(f"错误：{exc}", err=True)
            sys.exit(2)
    click.echo(render_batch(report, profile), err=False)
    sys.exit(130 if report.interrupted else report.exit_code)


class _Progress:
    """Files done / total, current file, elapsed and ETA on stderr; plain lines when not a TTY."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.bar: Any = None
        self.task: Any = None
        self.last_plain = 0.0

    def __enter__(self) -> _Progress:
        if self.tty:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(TextColumn("评分"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                TextColumn("剩余"), TimeRemainingColumn(), TextColumn("{task.description}"),
                                console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("", total=None)
        return self

    def update(self, done: int, total: int, current: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total, description=current[-40:])
            return
        import time

        now = time.monotonic()
        if current and (done == total or now - self.last_plain >= 2.0):
            self.last_plain = now
            click.echo(f"[{done}/{total}] {current}", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def __exit__(self, *exc: object) -> None:
        self.close()


def render_batch(report: Any, profile: Profile) -> str:
    from collections import Counter

    grades: Counter[str] = report.grades
    projects = report.projects
    errors = sum(o.errors for o in report.outcomes)
    warnings = sum(o.warnings for o in report.outcomes)
    lines = [
        f"规则：{profile.name}（{profile.title}）",
        f"文件：共 {len(report.outcomes)} 个 —— 已评分 {report.count('scored')}，已跳过 {report.count('skipped')}，"
        f"失败 {report.count('failed')}（用时 {report.elapsed:.1f} 秒）",
        f"项目：{projects} 个 —— " + "，".join(f"{g} {grades.get(g, 0)}" for g in ("优", "良", "中", "差"))
        + (f"，未评级 {grades['未评级']}" if grades.get("未评级") else ""),
        f"问题：错误 {errors}，警告 {warnings}",
    ]
    failed = [o for o in report.outcomes if o.status == "failed"]
    for o in failed[:10]:
        lines.append(f"  失败  {o.path}：{o.reason}")
    if len(failed) > 10:
        lines.append(f"  ……另有 {len(failed) - 10} 个失败文件，见 汇总.xlsx「未处理文件」")
    if report.interrupted:
        lines.append("已中断：已完成的评分结果保留，未写出 汇总.xlsx 与 results.jsonl。")
    else:
        lines.append(f"输出：{report.outdir}（汇总.xlsx、results.jsonl、每个文件的 *.scored.xlsx）")
    return "\n".join(lines)


# --- rendering -------------------------------------------------------------------------


def render_check(result: WorkbookResult, profile: Profile) -> str:
    lines = [f"文件：{result.file}", f"规则：{profile.name}（{profile.title}）"]
    if result.status != "scored":
        assert result.error is not None
        lines.append(f"无法评分：{result.error['message']}")
        return "\n".join(lines)
    for ps in result.scores:
        p, f = ps.project, ps.funds
        lines.append("")
        kind = "部门整体支出绩效自评表" if p.kind == "department" else "项目"
        lines.append(f"{kind}：{p.name}（工作表「{p.sheet}」）" + (f"  {p.year} 年度" if p.year else ""))
        rate = f"{fmt(f.rate * 100)}%" if f.rate is not None else "—"
        money = f"  预算 {fmt(f.budget)} 万元  执行 {fmt(f.executed)} 万元  执行率 {rate}"
        if p.kind == "department":
            # A department table has no 10-point funds score of its own: none is shown.
            lines.append(money if p.funds else "  未找到资金表")
            lines.append("  评分细则各行未自动评分" + ("（仅核对资金合计）" if p.funds else "，请人工复核"))
            continue
        lines.append(f"{money}  资金得分 {fmt(f.score)}/{fmt(f.weight)}")
        entered = f"（自评 {fmt(ps.score_entered)}）" if ps.score_entered is not None else ""
        rescaled = ""
        if ps.raw is not None and ps.score is not None and ps.raw != ps.score:
            rescaled = f"（原始合计 {fmt(ps.raw)}，分值合计 {fmt(ps.total_weight)}）"
            if ps.cap is not None:
                rescaled = f"（执行率偏低，总分封顶 {fmt(ps.cap)}）"
        lines.append(f"  指标 {len(ps.indicators)} 项  总分 {fmt(ps.score)}{rescaled}{entered}  等级 {ps.grade or '—'}")
    errors = sum(1 for x in result.findings if x.severity is Severity.ERROR)
    warnings = sum(1 for x in result.findings if x.severity is Severity.WARNING)
    infos = len(result.findings) - errors - warnings
    lines.append("")
    if not result.findings:
        lines.append("未发现问题。")
        return "\n".join(lines)
    lines.append(f"问题：错误 {errors}，警告 {warnings}，提示 {infos}")
    for x in result.findings:
        place = f"{x.sheet}!{x.cell}" if x.sheet and x.cell else (x.sheet or "（整个文件）")
        lines.append(f"  {place}  {x.severity.label}  {x.message}")
    return "\n".join(lines)


def main() -> None:
    # A GBK or ASCII console must not crash the tool: unencodable characters become '?'.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    cli(prog_name="perf-xlsx")
