#!/usr/bin/env python3
"""Workbook benchmark: `guides export` and `guides import` of the whole sample (content/),
each as the whole command in a subprocess, against `guides check` on the same content
measured in the same run (the floor every command pays: read and validate the tree).

    python bench/workbook.py [--repeat R] [--content DIR] [--json out.json]

Measured (wall time, median of R runs): export of the district workbook; import of that
workbook unchanged (validates everything, writes nothing); import after one edited cell
(writes one file). The content is copied to a temporary directory first; nothing in the
working tree is written. Target: export and import each ≤ 5 s for the 博山 sample.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(*args: str) -> tuple[float, float]:
    """(wall, CPU) seconds of one command; CPU (user + system) says more on a shared, busy machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "generator", *args], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if r.returncode != 0:
        sys.exit(f"guides {' '.join(args)} failed:\n{r.stderr[-2000:]}")
    return elapsed, cpu


def edit_one_cell(book: Path, out: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb["服务站"]
    col = [c.value for c in ws[1]].index("投诉箱位置") + 1
    ws.cell(row=2, column=col).value = (ws.cell(row=2, column=col).value or "") + "（已调整）"
    wb.save(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--content", type=Path, default=ROOT / "content")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-workbook-") as tmp:
        work = Path(tmp)
        content = work / "content"
        shutil.copytree(args.content, content)
        book, edited = work / "district.xlsx", work / "edited.xlsx"
        runs: dict[str, list[tuple[float, float]]] = {"check": [], "export": [], "import": [], "import-edit": []}
        for _ in range(args.repeat):
            runs["check"].append(timed("check", "--content", str(content)))
            runs["export"].append(timed("export", str(book), "--content", str(content)))
            runs["import"].append(timed("import", str(book), "--content", str(content)))
            fresh = work / "edit-content"
            shutil.rmtree(fresh, ignore_errors=True)
            shutil.copytree(content, fresh)
            edit_one_cell(book, edited)
            runs["import-edit"].append(timed("import", str(edited), "--content", str(fresh)))
        stations = sum(1 for _ in content.glob("stations/*/*.yaml"))
        items = sum(1 for _ in content.glob("items/*.yaml"))
        size = book.stat().st_size
    med = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
    load = os.getloadavg()[0]
    print(f"content: {stations} stations, {items} items; workbook {size / 1024:.0f} KiB; "
          f"{os.cpu_count()} CPUs, load average {load:.1f}, Python {platform.python_version()}, median of {args.repeat}")
    print(f"{'command':<34}{'wall s':>8}{'CPU s':>8}{'× check':>9}")
    for key, label in (("check", "guides check (baseline)"), ("export", "guides export"),
                       ("import", "guides import (no change)"), ("import-edit", "guides import (one cell edited)")):
        print(f"{label:<34}{med[key]:>8.2f}{cpu[key]:>8.2f}{cpu[key] / cpu['check']:>9.2f}")
    for what, m in (("wall", med), ("CPU", cpu)):
        verdict = all(m[k] <= 5.0 for k in ("export", "import", "import-edit"))
        print(f"target ≤ 5 s each ({what} time):", "met" if verdict else "NOT met")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "median": med, "cpu": cpu, "load": load, "stations": stations, "items": items,
                                         "workbook_bytes": size}, indent=1))


if __name__ == "__main__":
    main()
