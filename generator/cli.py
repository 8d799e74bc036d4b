"""The `guides` command: check, build, print, serve, edit."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .validate import read_catalogue


def _check(args) -> int:
    catalogue, problems = read_catalogue(args.content)
    problems.print(all_warnings=args.warnings)
    errors, warnings = len(problems.errors), len(problems.warnings)
    if catalogue is None:
        print(f"检查未通过：{errors} 个错误，{warnings} 个警告", file=sys.stderr)
        return 1
    print(f"检查通过：{len(catalogue.stations)} 个服务站，{len(catalogue.items)} 个事项，{warnings} 个警告")
    return 0


def _build(args) -> int:
    from .build import build

    from .report import summary

    result = build(args.content, args.out, config_file=args.config, stations=args.station or None,
                   clean=args.clean)
    result.problems.print()
    if not result.ok:
        print(f"构建未完成：{len(result.problems.errors)} 个错误；已发布的网站未改动", file=sys.stderr)
        return 1
    if result.skipped:
        print(f"{result.out}/ 已是最新（{result.pages_total} 页）：内容和程序与上次构建相同，没有改动任何文件"
              f"（{result.seconds:.1f} 秒）")
    else:
        how = "全量" if result.full else "增量"
        print(f"已发布到 {result.out}/（{how}）：写入 {result.pages_written}/{result.pages_total} 页，"
              f"用时 {result.seconds:.1f} 秒")
    print(summary(result.report) + f"。完整报告：{result.out}/_admin/index.html")
    return 0


def _publish(args) -> int:
    from .publication import publish

    result = publish(args.content, args.out, author=args.author or _who(), message=args.message,
                     target=args.target, to=args.to, config_file=args.config, quiet=False)
    result.problems.print()
    if not result.ok:
        print(f"发布未完成（停在“{result.stage}”这一步）：{result.message}", file=sys.stderr)
        return 1
    print(f"已发布：{result.summary}")
    d = result.deployed
    if d is not None:
        sent = f"，上传 {d.files_sent} 个有变化的文件" if d.files_sent is not None else ""
        print(f"网站已上线：{d.name}{sent}")
    if result.commit is None:
        print("内容与上次发布相同，没有新的发布记录")
    queue = (result.built.report or {}).get("queue") if result.built else None
    if queue:
        print(f"重印队列：{len(queue)} 个服务站 {sum(len(q['sheets']) for q in queue)} 份待打印"
              f"（guides print --changed 打印）")
    return 0


def _who() -> str:
    """The person publishing: GUIDES_AUTHOR, else the computer account's full name."""
    import getpass
    import os
    import pwd

    name = os.environ.get("GUIDES_AUTHOR")
    if name:
        return name
    try:
        full = pwd.getpwnam(getpass.getuser()).pw_gecos.split(",")[0]
        return full or getpass.getuser()
    except (KeyError, OSError):
        return getpass.getuser()


def _restore(args) -> int:
    from .record import RecordError, restore

    try:
        print(restore(args.file))
    except RecordError as e:
        print(str(e), file=sys.stderr)
        return 1
    return 0


def _print(args) -> int:
    from .printing import print_stations, summary

    if (bool(args.codes) == bool(args.all)) and not (args.changed and not args.codes):
        print("请给出服务站代码（可多个），或用 --all 打印全部服务站（--changed 不给代码即全部）", file=sys.stderr)
        return 2
    result = print_stations(args.content, args.site, args.codes or None, out=args.out,
                            config_file=args.config, jobs=args.jobs, force=args.force,
                            offline_only=args.offline_only, rebuild=args.build, test_print=args.test_print,
                            changed=args.changed)
    result.problems.print()
    if not result.ok:
        print(f"打印未完成：{len(result.problems.errors)} 个错误", file=sys.stderr)
        return 1
    summary(result, args.site, args.out)
    return 0


def _serve(args) -> int:
    from .serve import serve

    return serve(args.content, args.out, args.config, host=args.host, port=args.port)


def _export(args) -> int:
    from .workbook import run_export

    return run_export(args.content, args.file, args.town)


def _import(args) -> int:
    from .workbook import run_import

    return run_import(args.file, args.content, args.town, args.prefer)


def _report(args) -> int:
    from .standard import run_report

    return run_report(args.content, args.file)


def _edit(args) -> int:
    from .edit import edit

    return edit(args.content, args.out, args.config, host=args.host, port=args.port,
                office=args.office, accounts=args.accounts)


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


# argparse's own words (its messages are English gettext strings): the ones a user can meet, in Chinese
_ARGPARSE_ZH = [
    (r"the following arguments are required: (.*)", r"缺少必须给出的参数：\1"),
    (r"unrecognized arguments: (.*)", r"不认识的参数：\1"),
    (r"argument (\S+): invalid choice: '?([^']*)'? \(choose from (.*)\)", r"没有“\2”这个命令（可用的命令：\3）"),
    (r"argument (\S+): expected one argument", r"参数 \1 后面要写一个值"),
    (r"argument (\S+): expected at least one argument", r"参数 \1 后面至少要写一个值"),
    (r"argument (\S+): invalid int value: '(.*)'", r"参数 \1：“\2”不是整数"),
    (r"argument (\S+): not allowed with argument (\S+)", r"参数 \1 和 \2 不能同时使用"),
    (r"argument (\S+): ignored explicit argument '(.*)'", r"参数 \1 不需要值（多了“\2”）"),
    (r"ambiguous option: (\S+) could match (.*)", r"参数 \1 不明确，可能是：\2"),
]


class _Parser(argparse.ArgumentParser):
    """argparse in Chinese: 用法、位置参数、选项, the -h help and the error messages."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def error(self, message: str):
        import re

        for pattern, zh in _ARGPARSE_ZH:
            if re.fullmatch(pattern, message):
                message = re.sub(pattern, zh, message).replace("', '", "、").replace("'", "")
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{message}（加 -h 查看说明）\n")


def _users(args) -> int:
    from .accounts import run

    return run(args)


@dataclass(frozen=True)
class Arg:
    """One argument of a command, as argparse's add_argument takes it."""
    flags: tuple[str, ...]
    options: dict


def arg(*flags: str, **options) -> Arg:
    return Arg(flags, options)


@dataclass(frozen=True)
class OneOf:
    """Arguments of which at most one may be given."""
    args: tuple[Arg, ...]


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, one-line help, the function that runs it and its arguments, in the
    order `guides 命令 -h` lists them."""
    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    args: tuple[Arg | OneOf, ...]
    aliases: tuple[str, ...] = ()


CONTENT = arg("--content", type=Path, default=Path("content"), metavar="目录", help="内容目录（默认 content/）")
CONFIG = arg("--config", type=Path, default=Path("mkdocs.yml"), help=argparse.SUPPRESS)
OUT = arg("--out", type=Path, default=Path("site"), metavar="目录", help="输出目录（默认 site/）")
WORKBOOK = arg("file", type=Path, metavar="文件.xlsx", help="Excel 工作簿文件")
PREVIEW = (  # serve and edit run the same local preview server
    CONTENT, OUT, CONFIG,
    arg("--host", default="127.0.0.1", metavar="地址", help="监听地址（默认 127.0.0.1，只有本机能访问）"),
    arg("--port", type=int, default=8000, metavar="端口", help="端口（默认 8000）"),
)

COMMANDS: tuple[Command, ...] = (
    Command("check", "检查内容，报告全部错误", _check, (
        CONTENT,
        arg("--warnings", action="store_true", help="逐条列出全部警告（默认同类警告合并为一行）"),
    )),
    Command("build", "生成网站并发布到输出目录", _build, (
        CONTENT, OUT, CONFIG,
        arg("--station", action="append", metavar="代码", help="只生成这个服务站（可重复）"),
        arg("--clean", action="store_true", help="不用缓存，全部重新生成"),
    )),
    Command("publish", "发布：检查、生成网站、保存发布记录（谁、何时、改了什么）并上线", _publish, (
        CONTENT,
        arg("--out", type=Path, default=Path("site"), metavar="目录", help="生成网站的目录（默认 site/）"),
        arg("--author", metavar="姓名", help="发布人姓名（默认本机账户的姓名）"),
        arg("--message", "-m", metavar="说明", help="发布说明（写入发布记录）"),
        OneOf((
            arg("--to", type=Path, metavar="目录", help="发布到这个目录（本机或共享盘）"),
            arg("--target", metavar="名称", help="发布到 deploy.yaml 中这个名称的发布目标"),
        )),
        CONFIG,
    )),
    Command("restore", "把一个文件恢复为上次发布时的版本（如被截断或误删的重印队列）", _restore, (
        arg("file", type=Path, metavar="文件", help="要恢复的文件，如 content/reprint.yaml"),
    )),
    Command("serve", "本地预览：内容修改后自动增量更新并刷新浏览器", _serve, PREVIEW),
    Command("export", "导出事项目录和服务站信息为 Excel 工作簿（.xlsx）", _export, (
        WORKBOOK,
        arg("--town", metavar="代码", help="只导出这个镇（街道）的服务站（9 位代码）"),
        CONTENT,
    ), aliases=("export-xlsx",)),
    Command("import", "从 Excel 工作簿导入：检查通过后只改写有变化的记录", _import, (
        WORKBOOK,
        arg("--town", metavar="镇街代码",
            help="说明本工作簿可以修改的范围：镇（街道）代码，或“全区”。本机导出、未被改动的工作簿不需要；"
                 "在其他电脑导出或签名不符的工作簿必须写明"),
        arg("--prefer", choices=["workbook", "content"],
            help="导出后工作簿和内容两边都改过的记录（冲突）：workbook 以工作簿为准覆盖，"
                 "content 保留内容中的现值、只导入其他记录；不写则报告冲突，不做任何改动"),
        CONTENT,
    ), aliases=("import-xlsx",)),
    Command("report", "标准化建设评估报告（各镇街、各服务站是否达标）导出为 Excel 工作簿", _report, (
        WORKBOOK, CONTENT,
    )),
    Command("edit", "内容编辑器（网页表单）：保存后自动检查并更新预览", _edit, (
        *PREVIEW,
        arg("--office", action="store_true",
            help="办公网络多人模式：登录、镇街只改本镇服务站、提交后由审核人发布"),
        arg("--accounts", type=Path, default=None, help=argparse.SUPPRESS),
    )),
    Command("users", "办公模式（guides edit --office）的账号：添加、列出、删除、改密码", _users, (
        arg("action", choices=["add", "list", "remove", "passwd"], help="add 添加 · list 列出 · remove 删除 · passwd 改密码"),
        arg("name", nargs="?", metavar="姓名", help="账号名（姓名）"),
        arg("--role", choices=["editor", "reviewer"], help="editor 编辑（提交修改） · reviewer 审核人（审核发布）"),
        arg("--town", metavar="镇街代码", help="镇（街道）代码：只能修改本镇街的服务站；不写即全区"),
        arg("--password-stdin", action="store_true", help="从标准输入读密码（脚本用）"),
        arg("--accounts", type=Path, default=None, metavar="文件", help="账号文件（默认 content/ 旁边的 .guides/accounts.json）"),
        CONTENT,
    )),
    Command("print", "生成服务站公示材料 PDF、二维码海报和离线副本", _print, (
        arg("codes", nargs="*", metavar="代码", help="服务站（村、社区）区划代码"),
        arg("--all", action="store_true", help="全部服务站"),
        CONTENT,
        arg("--site", type=Path, default=Path("site"), metavar="目录", help="已生成的网站（默认 site/；没有则先生成）"),
        arg("--out", type=Path, default=None, metavar="目录", help="输出目录（默认网站旁边的 print/<代码>/）"),
        arg("--build", action="store_true", help="网站与内容不一致时先重新生成网站"),
        arg("--force", action="store_true", help="没有变化的服务站也重新生成"),
        arg("--changed", action="store_true",
            help="只打印重印队列中的材料：按街道（镇）每个一份 PDF，每个服务站前附更换说明"),
        arg("--offline-only", action="store_true", help="只生成离线副本（zip）"),
        arg("--test-print", action="store_true",
            help="试印：每页印有“试印”，不改动重印队列；允许示例网站地址（如 .example），试印件不得张贴"),
        arg("--jobs", type=int, default=None, metavar="数量", help="同时打印的服务站数（默认 CPU 核数）"),
        CONFIG,
    )),
)


def _add_args(sp: argparse.ArgumentParser, args: tuple[Arg | OneOf, ...]) -> None:
    for a in args:
        if isinstance(a, OneOf):
            group = sp.add_mutually_exclusive_group()
            for one in a.args:
                group.add_argument(*one.flags, **one.options)
        else:
            sp.add_argument(*a.flags, **a.options)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="guides", description="村（社区）便民服务站办事指南发布工具。"
                "日常只需两步：guides publish 发布，guides print --changed 打印需要更换的公示材料。")
    sub = p.add_subparsers(dest="command", required=True, title="命令", metavar="命令",
                           help="以下任一命令；guides 命令 -h 查看该命令的说明")
    for command in COMMANDS:
        sp = sub.add_parser(command.name, aliases=list(command.aliases), help=command.help)
        _add_args(sp, command.args)
        sp.set_defaults(run=command.run)
    return p


# What a command that stopped on a file-system error (disk full, read-only disk) leaves behind.
_AFTER_OS_ERROR = {
    "build": "已发布的网站未改动。",
    "publish": "网上的网站未改动。",
    "print": "已有的打印文件未改动（写了一半的文件已删除）。",
    "serve": "预览中的网站未改动。",
    "check": "",
}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    config = getattr(args, "config", None)
    if config is not None and not Path(config).is_file():
        print(f"{config}: 找不到网站配置文件：请在项目目录中运行 guides（那里有 mkdocs.yml）", file=sys.stderr)
        return 1
    try:
        return args.run(args)
    except KeyboardInterrupt:  # Ctrl+C: one line, not a traceback
        print(f"已中断。{_AFTER_OS_ERROR.get(args.command, '')}", file=sys.stderr)
        return 130
    except OSError as e:  # e.g. disk full while writing: a message, not a traceback
        from .problems import os_message

        # a write that fails half-way names no file: name the directory the command writes to
        where = e.filename or getattr(args, "out", None) or getattr(args, "site", None) or args.content
        print(os_message(e, _AFTER_OS_ERROR.get(args.command, ""), where=where), file=sys.stderr)
        return 1
