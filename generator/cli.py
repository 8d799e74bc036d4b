"""The `guides` command: check, build, print, serve."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .validate import read_catalogue


def _check(args) -> int:
    catalogue, problems = read_catalogue(args.content)
    problems.print()
    errors, warnings = len(problems.errors), len(problems.warnings)
    if catalogue is None:
        print(f"检查未通过：{errors} 个错误，{warnings} 个警告", file=sys.stderr)
        return 1
    print(f"检查通过：{len(catalogue.stations)} 个服务站，{len(catalogue.items)} 个事项，{warnings} 个警告")
    return 0


def _build(args) -> int:
    from .build import build

    result = build(args.content, args.out, config_file=args.config, stations=args.station or None)
    result.problems.print()
    if not result.ok:
        print(f"构建未完成：{len(result.problems.errors)} 个错误；已发布的网站未改动", file=sys.stderr)
        return 1
    print(f"已发布到 {result.out}/：{result.pages_written} 页，用时 {result.seconds:.1f} 秒")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="guides", description="村（社区）便民服务站办事指南发布工具")
    sub = p.add_subparsers(dest="command", required=True)

    def content_arg(sp):
        sp.add_argument("--content", type=Path, default=Path("content"), help="内容目录（默认 content/）")

    c = sub.add_parser("check", help="检查内容，报告全部错误")
    content_arg(c)
    c.set_defaults(run=_check)

    b = sub.add_parser("build", help="生成网站并发布到输出目录")
    content_arg(b)
    b.add_argument("--out", type=Path, default=Path("site"), help="输出目录（默认 site/）")
    b.add_argument("--config", type=Path, default=Path("mkdocs.yml"), help=argparse.SUPPRESS)
    b.add_argument("--station", action="append", metavar="CODE", help="只生成这个服务站（可重复）")
    b.set_defaults(run=_build)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)
