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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="guides", description="村（社区）便民服务站办事指南发布工具")
    sub = p.add_subparsers(dest="command", required=True)

    def content_arg(sp):
        sp.add_argument("--content", type=Path, default=Path("content"), help="内容目录（默认 content/）")

    c = sub.add_parser("check", help="检查内容，报告全部错误")
    content_arg(c)
    c.set_defaults(run=_check)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)
