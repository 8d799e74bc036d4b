#!/usr/bin/env python3
"""Print benchmark: `guides print` for a district of N stations, today's code against the
previous method, measured in the same run on the same content.

    python bench/print.py --content DIR --site DIR [--sample 2] [--before REV] [--json out.json]

A district's content and its built site (e.g. the sample after `guides build`) are copied;
the code is the working tree ("after") and the same with generator/printing.py and cli.py of
`--before REV` (default: the last commit printing each guide as its own PDF, merged by
pdfunite), on the same site. Then:

- before: `guides print` of `--sample` stations spread over the district, `--jobs 2`;
- after: the same stations with `--jobs 1` and with `--jobs 2` (how it scales with cores);
- after, with `--district`: `guides print --all --jobs 2`, the whole district, measured directly;
- after: one item edited (JZ-001, offered by every station, in a text only its guide shows),
  `guides build`, then `guides print --changed`: the whole district's reprint pack, measured
  directly (all stations had been printed first, so the queue holds only what the edit changed).

Sample figures are extrapolated linearly to the whole district (the JSON says by how much).

Reported: wall and CPU time (process tree), stations/min, pages/s, MB per board pack, font
subsets per pack (pdffonts), and the load average (the machine may be shared).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import build as bench  # noqa: E402  (content generation, code snapshots, measuring)

DEFAULT_BEFORE = "bb26e07"  # the last commit printing each guide as its own PDF, merged by pdfunite


def guides(code: Path, *args, **kw) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code), "PYTHONDONTWRITEBYTECODE": "1"}
    m = bench.measure([sys.executable, "-m", "generator", *map(str, args)], cwd=code, env=env)
    if m["returncode"] != 0:
        raise SystemExit(f"guides {' '.join(map(str, args[:2]))} failed:\n{m['stderr'][-3000:]}")
    return m


def packs(root: Path) -> list[Path]:
    return sorted(root.rglob("*-board-pack.pdf"))


def pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def fonts(pdf: Path) -> int:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return len(out.splitlines()) - 2


def figures(m: dict, n_stations: int, pdfs: list[Path], scale: float = 1.0) -> dict:
    total_pages = sum(pages(p) for p in pdfs)
    sizes = [p.stat().st_size for p in pdfs]
    wall = m["wall_s"] * scale
    return {"wall_s": round(wall, 1), "cpu_s": round(m["cpu_s"] * scale, 1), "stations": n_stations,
            "stations_per_min": round(n_stations * scale / wall * 60, 2) if wall else None,
            "pages": total_pages, "pages_per_s": round(total_pages / m["wall_s"], 2),
            "mb_per_pack": round(sum(sizes) / len(sizes) / 1e6, 2) if sizes else None,
            "max_mb_pack": round(max(sizes) / 1e6, 2) if sizes else None,
            "font_objects_per_pack": round(sum(fonts(p) for p in pdfs[:10]) / min(len(pdfs), 10), 1) if pdfs else None,
            "loadavg_before": m["loadavg_before"], "measured_on": int(n_stations), "extrapolated_x": scale}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--content", type=Path, required=True, help="the district's content (copied)")
    p.add_argument("--site", type=Path, required=True, help="its built site (copied)")
    p.add_argument("--sample", type=int, default=2, help="stations printed by each method (extrapolated)")
    p.add_argument("--before", default=DEFAULT_BEFORE)
    p.add_argument("--district", action="store_true", help="also print the whole district (about 10 min)")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="guides-print-bench-"))
    log = lambda msg: print(f"[print-bench {__import__('time').strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)  # noqa: E731
    try:
        content, site = work / "content", work / "site"
        shutil.copytree(args.content, content)
        subprocess.run(["cp", "-al", str(args.site), str(site)], check=True)  # hard links: printing only reads it
        (content / "reprint.yaml").unlink(missing_ok=True)
        stations = sorted(p.stem for p in (content / "stations").glob("*/*.yaml"))
        sample = bench.spread(stations, args.sample)
        result = {"stations": len(stations), "sample": sample, "machine": bench.machine(),
                  "git": bench.git_state(), "before_printing_py": args.before, "uptime": []}

        def uptime():
            result["uptime"].append(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())

        after = bench.snapshot_code(work / "code-after")
        before = bench.snapshot_code(work / "code-before")
        for f in ("generator/printing.py", "generator/cli.py"):  # the previous printer and its command line
            (before / f).write_bytes(subprocess.run(["git", "show", f"{args.before}:{f}"], cwd=ROOT,
                                                    capture_output=True, check=True).stdout)
        scale = len(stations) / len(sample)

        uptime()
        log(f"before: {sample}, --jobs 2")
        m = guides(before, "print", *sample, "--content", content, "--site", site, "--jobs", 2, "--test-print")
        result["before_sample_jobs2"] = figures(m, len(sample), [site / c / "print" / f"{c}-board-pack.pdf"
                                                                  for c in sample], scale=scale)
        uptime()
        out = work / "print"
        for jobs in (1, 2):
            log(f"after: {sample}, --jobs {jobs}")
            m = guides(after, "print", *sample, "--content", content, "--site", site, "--jobs", jobs,
                       "--test-print", "--force", "--out", out / f"jobs{jobs}")
            result[f"after_sample_jobs{jobs}"] = figures(m, len(sample), packs(out / f"jobs{jobs}"), scale=scale)
            uptime()
        if args.district:
            log("after: the whole district, --all --jobs 2")
            m = guides(after, "print", "--all", "--content", content, "--site", site, "--jobs", 2,
                       "--test-print", "--force", "--out", out / "district")
            result["after_district_jobs2"] = figures(m, len(stations), packs(out / "district"))
            uptime()
        # what the edit below changes is all the queue holds: everything else counts as printed
        (content / "reprint.yaml").unlink(missing_ok=True)

        # one item edited, in a text only its guide shows (JZ-001, offered by every station)
        item = content / "items" / "JZ-001.yaml"
        text = item.read_text(encoding="utf-8")
        old = "  - 家庭月人均收入低于当地城乡最低生活保障标准"
        assert old in text, "bench: the edited line is not in JZ-001"
        item.write_text(text.replace(old, old + "（以民政部门核对结果为准）", 1), encoding="utf-8")
        site2 = work / "site-edited"
        shutil.copytree(site, site2, symlinks=True)  # the build replaces files: not through the shared links
        log("after: item JZ-001 edited, build")
        m = guides(after, "build", "--content", content, "--out", site2)
        result["after_item_edit_build"] = {k: m[k] for k in ("wall_s", "cpu_s", "loadavg_before")}
        queued = (content / "reprint.yaml").read_text(encoding="utf-8")
        result["after_item_edit_queue"] = {"stations": queued.count('\n  "'), "sheets": queued.count("\n    - ")}
        log("after: print --changed (the whole district)")
        m = guides(after, "print", "--changed", "--content", content, "--site", site2, "--jobs", 2,
                   "--test-print", "--out", out / "changed")
        reprint = sorted((out / "changed" / "reprint").rglob("*.pdf"))
        f = figures(m, len(stations), reprint)
        f["mb_per_town_pack"] = f.pop("mb_per_pack")
        f["town_packs"] = len(reprint)
        result["after_changed_district"] = f
        uptime()
        text = json.dumps(result, ensure_ascii=False, indent=1)
        print(text)
        if args.json:
            args.json.write_text(text, encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
