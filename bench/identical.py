"""Is the built site byte-identical before and after a change of code?

    python bench/identical.py [--before REV] [--after REV] [--content DIR] [--keep DIR]

Builds the same content twice, once with the generator, theme and mkdocs.yml of `--before`
(default: main) and once with those of `--after` (default: the working tree), each into a
fresh directory, and compares every file byte for byte. Exit 0 when identical, 1 with the
list of differing, missing and extra files otherwise.

One file is left out of the comparison: `_admin/state.json` carries the build's time and a
digest of the code. In the report (`_admin/report.json`) the times of the reprint queue are
masked. Everything else must match. The content is copied to a temporary directory first, since
`guides build` records the publication (queue, history, published.txt) in its content.

A refactoring that must not change what the site shows (issue 20) runs this before landing.
"""
from __future__ import annotations

import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import snapshot_code  # noqa: E402  (bench/build.py: the code as in a commit or the tree)

VARIES = {"_admin/state.json"}  # the build's time and the code's digest
TIMED = {"_admin/report.json"}  # the same once its times are masked
TIME = re.compile(rb'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"')


def build_site(code: Path, content: Path, out: Path) -> None:
    """`guides build` with the code in `code`, on a private copy of `content` beside `out`.

    The copy has the same name in every run: the editor's config names its folders."""
    for shared in ("node_modules", "data"):  # the editor bundle (/admin/); the official division list
        os.symlink(ROOT / shared, code / shared)
    private = out.parent / "content"
    shutil.copytree(content, private)
    env = {**os.environ, "PYTHONPATH": str(code), "PYTHONDONTWRITEBYTECODE": "1"}
    r = subprocess.run([sys.executable, "-m", "generator", "build", "--content", str(private),
                        "--out", str(out)], cwd=code, env=env, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"构建失败（{code}）：\n{r.stderr}")


def same_but_times(cmp: filecmp.dircmp, name: str) -> bool:
    a, b = (Path(d, name).read_bytes() for d in (cmp.left, cmp.right))
    return TIME.sub(b'"T"', a) == TIME.sub(b'"T"', b)


def differences(a: Path, b: Path) -> list[str]:
    """Relative paths that differ, exist only in `a` (-) or only in `b` (+)."""
    found = []

    def walk(cmp: filecmp.dircmp, rel: str) -> None:
        found.extend(f"- {rel}{n}" for n in cmp.left_only)
        found.extend(f"+ {rel}{n}" for n in cmp.right_only)
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        found.extend(f"≠ {rel}{n}" for n in mismatch + errors
                     if rel + n not in VARIES and not (rel + n in TIMED and same_but_times(cmp, n)))
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{rel}{name}/")

    walk(filecmp.dircmp(a, b), "")
    return sorted(found)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", default="main", help="commit whose code builds the first site (default main)")
    p.add_argument("--after", help="commit whose code builds the second site (default: the working tree)")
    p.add_argument("--content", type=Path, default=ROOT / "content")
    p.add_argument("--keep", type=Path, help="keep both sites in this directory")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="identical-", dir=args.keep))
    try:
        sites = []
        for label, rev in (("before", args.before), ("after", args.after)):
            code = snapshot_code(work / label / "code", rev)
            build_site(code, args.content.resolve(), work / label / "site")
            sites.append(work / label / "site")
            print(f"{label}: {rev or '工作区'} 已构建", file=sys.stderr)
        diff = differences(*sites)
        pages = sum(1 for _ in sites[0].rglob("*") if _.is_file())
        if diff:
            print(f"不一致：{len(diff)} 个文件（共 {pages} 个）", *diff[:200], sep="\n")
            return 1
        print(f"一致：{pages} 个文件逐字节相同（除 {', '.join(sorted(VARIES))}）")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
