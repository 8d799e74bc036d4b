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


def false_dimension(book: Path, out: Path, rows: int) -> Path:
    """Issue 19.5's attack: `rows` staff rows written straight into the sheet XML, behind a
    <dimension> that says the sheet ends at row 2."""
    import re
    import zipfile

    with zipfile.ZipFile(book) as z:
        wbxml = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(r'<sheet [^>]*name="工作人员"[^>]*r:id="([^"]+)"', wbxml).group(1)
        rel = next(r for r in re.findall(r"<Relationship\b[^>]*>", rels) if f'Id="{rid}"' in r)
        part = re.search(r'Target="/?([^"]+)"', rel).group(1)
        part = part if part.startswith("xl/") else "xl/" + part
        xml = z.read(part).decode()
        head, rest = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:D2"/>', xml).split("</sheetData>", 1)
        start = len(re.findall(r"<row\b", head)) + 1
        body = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}" t="inlineStr"><is><t>{v}</t></is></c>' for c, v in
                                                  zip("ABCD", ("370304001200", f"人员{r}", "受理员", "综合窗口"))) + "</row>"
                       for r in range(start, start + rows))
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in z.infolist():
                dst.writestr(info.filename, (head + body + "</sheetData>" + rest).encode() if info.filename == part
                             else z.read(info))
    return out


def limits(content: Path, work: Path) -> None:
    """guides import of 60,000 and 200,000 rows behind a false <dimension> (refused at the row limit),
    against guides check of the same content, in the same run; wall, CPU and peak memory."""
    book = work / "limits.xlsx"
    subprocess.run([sys.executable, "-m", "generator", "export", str(book), "--content", str(content)],
                   cwd=ROOT, check=True, capture_output=True)
    print(f"{'command':<52}{'wall s':>8}{'CPU s':>8}{'peak MB':>9}")
    cases = [("guides check (baseline)", ["check", "--content", str(content)])]
    for rows in (60_000, 200_000):
        bad = false_dimension(book, work / f"false-{rows}.xlsx", rows)
        cases.append((f"guides import, {rows:,} rows, false <dimension>", ["import", str(bad), "--content", str(content)]))
    for label, args in cases:
        r = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", sys.executable, "-m", "generator", *args],
                           cwd=ROOT, capture_output=True, text=True)
        wall, user, system, peak = r.stderr.strip().splitlines()[-1].split()
        shown = len(r.stderr.strip().splitlines()) - 2  # less /usr/bin/time's two lines
        print(f"{label:<52}{float(wall):>8.2f}{float(user) + float(system):>8.2f}{int(peak) / 1024:>9.0f}"
              + (f"   ({shown} lines on stderr)" if args[0] == "import" else ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--content", type=Path, default=ROOT / "content")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--limits", action="store_true", help="only the row-limit case of issue 19.5")
    args = ap.parse_args()
    if args.limits:
        with tempfile.TemporaryDirectory(prefix="bench-workbook-") as tmp:
            shutil.copytree(args.content, Path(tmp) / "content")
            print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
            limits(Path(tmp) / "content", Path(tmp))
        return
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
