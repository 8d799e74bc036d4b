#!/usr/bin/env python3
"""Build benchmark: a district (or the whole city) of N stations, built and republished with
`guides build`, against the plain-tools baseline measured in the same run.

    python bench/build.py --stations N [--json out.json] [--repeat R] [--baseline-sample K]
                          [--commit REV]

Content: N stations generated from the real division list data/zibo-divisions.csv by
scripts/make_sample_stations.py (N ≤ 296: 博山区's stations with content/district.yaml as
it is; N > 296: the stations of all of 淄博市, 2,931 at most, with the same settings under
the city code 3703 and all 88 towns), with the sample item catalogue content/items. When N
is less than the pool, the stations are spread evenly over it.

Measured, each as the whole `guides build` command in a subprocess (wall time, CPU time of
the process and all its children, peak memory of the whole process tree sampled from
/proc: the sum of RSS every 20 ms — shared copy-on-write pages counted in each process,
an upper bound — and the sum of PSS, shared pages divided among their processes, every
200 ms):

- a full clean build (empty output directory, no ledger);
- republish after editing one station, after editing one item, and after a no-op;
- the baseline: each station written as Markdown (a home page and one page per offered
  item, the same information) and `mkdocs build` run once per station with the material
  theme and its search plugin (jieba segments the Chinese), one station after another.
  With --baseline-sample K < N it runs on K stations spread evenly and is extrapolated
  linearly to N (the table says so).

The generator, theme/ and mkdocs.yml are copied into the work directory first, so edits
made in the working tree while the benchmark runs cannot change what it measures; with
--commit REV they are taken from that commit instead (to compare commits on the same
content in the same conditions). All output goes under a temporary directory (removed at
the end unless --keep or --workdir). --baseline-sample 0 skips the baseline.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import make_sample_stations as sample  # noqa: E402  (the station generator, reused)

CITY_CODE, CITY_NAME = "3703", "淄博市"
DISTRICT_POOL = 296  # 博山区's stations
CITY_POOL = 2931  # all of 淄博市
PAGESIZE = os.sysconf("SC_PAGE_SIZE")
GUIDE_PAGE = re.compile(r"^\d{12}/[A-Za-z0-9-]+/index\.html$")
WRITTEN = re.compile(r"（(全量|增量)）：写入 (\d+)/(\d+) 页")
UP_TO_DATE = re.compile(r"已是最新（(\d+) 页）")  # a build with nothing to do (generator/unchanged.py)


# ------------------------------------------------------------------ content


def spread(pool: list, n: int) -> list:
    """n elements spread evenly over the pool, in order."""
    if n >= len(pool):
        return list(pool)
    return [pool[(i * len(pool)) // n] for i in range(n)]


def make_content(n: int, dest: Path) -> dict:
    """Write content/ for n stations; returns what was made."""
    if not 1 <= n <= CITY_POOL:
        raise SystemExit(f"--stations must be 1..{CITY_POOL}")
    district_file = ROOT / "content" / "district.yaml"
    district = yaml.safe_load(district_file.read_text(encoding="utf-8"))
    item_sets = district["item_sets"]
    dest.mkdir(parents=True)
    shutil.copytree(ROOT / "content" / "items", dest / "items")
    if n <= DISTRICT_POOL:
        towns, villages = sample.load_rows()
        shutil.copy(district_file, dest / "district.yaml")
        scope = f"{district['name']}（{district['code']}）"
        stations = sample.build(towns, villages, item_sets)
    else:
        towns, villages = sample.load_rows(CITY_CODE)
        stations = sample.build(towns, villages, item_sets, districts=sample.district_names())
        city = {**district, "name": CITY_NAME, "code": CITY_CODE, "city": CITY_NAME,
                "towns": [{"code": c, "name": t} for c, t in sorted(towns.items())]}
        (dest / "district.yaml").write_text(
            "# 基准测试：淄博市全部村（社区）便民服务站（由 bench/build.py 生成）\n"
            + yaml.safe_dump(city, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
        scope = f"{CITY_NAME}（{CITY_CODE}）"
    chosen = spread(stations, n)
    sample.write(chosen, dest / "stations")
    return {"scope": scope, "stations": [s["code"] for s in chosen],
            "files": [f"stations/{s['town_code']}/{s['code']}.yaml" for s in chosen]}


def snapshot_code(dest: Path, commit: str | None = None) -> Path:
    """The generator, theme and config as they are now in the working tree, or at a commit."""
    dest.mkdir(parents=True)
    if commit:
        archive = subprocess.run(["git", "archive", commit, "generator", "theme", "mkdocs.yml"], cwd=ROOT,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        return dest
    shutil.copytree(ROOT / "generator", dest / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "theme", dest / "theme")
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    return dest


def toggle(path: Path, key: str, suffix: str) -> None:
    """Edit one field of a YAML record in place: add `suffix` to the `key:` line, or take it off."""
    text = path.read_text(encoding="utf-8")
    m = re.search(rf"^{key}: (.*)$", text, flags=re.M)
    assert m, (path, key)
    value = m.group(1)
    new = value[: -len(suffix)] if value.endswith(suffix) else value + suffix
    path.write_text(text[: m.start(1)] + new + text[m.end(1):], encoding="utf-8")


# ------------------------------------------------------------------ measuring


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo += _children(p)
    return pids


def _rss(pids: list[int]) -> int:
    """Sum of RSS in bytes (cheap: /proc/<pid>/statm)."""
    rss = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/statm") as f:
                rss += int(f.read().split()[1]) * PAGESIZE
        except (OSError, ValueError, IndexError):
            pass
    return rss


def _pss(pids: list[int]) -> int:
    """Sum of PSS in bytes (the kernel walks the page tables: sampled less often)."""
    pss = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            pass
    return pss


def _loadavg() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:
        return float("nan")


def measure(cmd: list[str], cwd: Path, env: dict | None = None) -> dict:
    """Run a command; wall and CPU time, peak memory of its process tree, its output."""
    out_f = tempfile.TemporaryFile()
    err_f = tempfile.TemporaryFile()
    load = _loadavg()
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out_f, stderr=err_f)
    peak = {"rss": 0, "pss": 0}
    done = threading.Event()

    def poll():
        tick = 0
        while not done.is_set():
            pids = _tree(proc.pid)
            peak["rss"] = max(peak["rss"], _rss(pids))
            if tick % 10 == 0:
                peak["pss"] = max(peak["pss"], _pss(pids))
            tick += 1
            done.wait(0.02)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    _, status, usage = os.wait4(proc.pid, 0)  # rusage of the process and every child it waited for
    wall = time.monotonic() - started
    done.set()
    poller.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    out_f.seek(0)
    err_f.seek(0)
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_tree_mib": round(peak["rss"] / 2**20, 1),
        "peak_pss_tree_mib": round(peak["pss"] / 2**20, 1),
        "max_rss_one_process_mib": round(usage.ru_maxrss / 1024, 1),
        "loadavg_before": load,
        "returncode": proc.returncode,
        "stdout": out_f.read().decode("utf-8", "replace"),
        "stderr": err_f.read().decode("utf-8", "replace"),
    }


def guides_build(code: Path, content: Path, out: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code), "PYTHONDONTWRITEBYTECODE": "1"}
    m = measure([sys.executable, "-m", "generator", "build", "--content", str(content), "--out", str(out)],
                cwd=code, env=env)
    if m["returncode"] != 0:
        raise SystemExit(f"guides build failed:\n{m['stderr'][-3000:]}")
    found, skipped = WRITTEN.search(m["stdout"]), UP_TO_DATE.search(m["stdout"])
    assert found or skipped, m["stdout"]
    m["mode"] = "full" if found and found.group(1) == "全量" else "incremental"
    m["pages_written"] = int(found.group(2)) if found else 0
    m["pages_total"] = int(found.group(3) if found else skipped.group(1))
    del m["stdout"], m["stderr"]
    return m


def site_stats(site: Path) -> dict:
    pages = guides = guide_bytes = total = disk = 0
    inodes = set()
    css = 0
    for dirpath, _, names in os.walk(site):
        for name in names:
            p = os.path.join(dirpath, name)
            st = os.stat(p)
            total += st.st_size
            if st.st_ino not in inodes:
                inodes.add(st.st_ino)
                disk += st.st_blocks * 512
            rel = os.path.relpath(p, site)
            if name == "index.html":
                pages += 1
                if GUIDE_PAGE.match(rel):
                    guides += 1
                    guide_bytes += st.st_size
            if re.fullmatch(r"main\.[0-9a-f]+\.min\.css", name):
                css += 1
    return {"pages": pages, "guide_pages": guides, "output_mib": round(total / 2**20, 1),
            "output_disk_mib": round(disk / 2**20, 1),
            "avg_guide_kib": round(guide_bytes / max(guides, 1) / 1024, 1),
            "theme_stylesheet_copies": css,
            "search_indexes": len(list((site / "search").glob("*.js"))) if (site / "search").is_dir() else 0}


def summarise(runs: list[dict]) -> dict:
    """Median of each figure over the repetitions, and every run."""
    keys = ["wall_s", "cpu_s", "peak_rss_tree_mib", "peak_pss_tree_mib", "max_rss_one_process_mib"]
    out = {k: round(statistics.median(r[k] for r in runs), 3) for k in keys}
    out["pages_written"] = runs[-1]["pages_written"]
    out["mode"] = runs[-1]["mode"]
    out["runs"] = runs
    return out


# ------------------------------------------------------------------ baseline

BASELINE_YML = """\
site_name: {name}
site_url: {url}
site_description: {description}
use_directory_urls: true
theme:
  name: material
  language: zh
plugins:
  - search
"""


def _tel(phone: str) -> str:
    return f"[{phone}](tel:{phone.replace('-', '')})"


def station_markdown(cat, code: str) -> dict[str, str]:
    """A station's pages as a user would write them by hand: home page and one page per item."""
    from generator.render import hours_rows, hours_summary, item_badges, time_limit

    d, st = cat.district, cat.stations[code]
    town = cat.town_name(code[:9])
    items = [cat.items[c] for c in cat.offers[code]]
    home = [f"# {st.name}", "", f"{d.city}{d.name}{town} · {st.kind}便民服务站 · {len(items)} 项可办事项", "",
            "## 地址与电话", "", f"- 地址：{st.address}", f"- 电话：{_tel(st.phone)}", "", "## 办公时间", "",
            "| 星期 | 时间 |", "| --- | --- |", *[f"| {r['day']} | {r['text']} |" for r in hours_rows(st.hours)], ""]
    if st.hours.holiday_note:
        home += [st.hours.holiday_note, ""]
    home += ["## 可办事项", ""]
    for category in dict.fromkeys(it.category for it in items):
        home += [f"### {category}", ""]
        home += [f"- [{it.name}]({it.code}.md) {' · '.join(t for t, _ in item_badges(it))}"
                 for it in items if it.category == category]
        home.append("")
    home += ["## 窗口工作人员", "", "| 姓名 | 职务 | 窗口 | 示范岗 |", "| --- | --- | --- | --- |",
             *[f"| {p.name} | {p.role} | {p.window} | {p.badge or ''} |" for p in st.staff], "",
             "## 监督与投诉", "", f"- 监督举报电话：{_tel(d.supervision_hotline)}",
             f"- 政务服务便民热线：{_tel(d.citizen_hotline)}", f"- 投诉箱：{st.complaint_box}", ""]
    for p in st.partners:
        home += [f"## {p.name}", "", f"{p.address} · {p.hours}" + (f" · {_tel(p.phone)}" if p.phone else ""), "",
                 "可办：" + "、".join(f"[{cat.items[c].name}]({c}.md)" for c in p.items), ""]
    home += ["## 网上办事", "", f"标有“可网办”的事项可以在[{d.portal.name}]({d.portal.url})办理。", ""]
    if d.sample_data:
        home += [d.sample_notice or "", ""]
    pages = {"index.md": "\n".join(home)}
    hours = hours_summary(st.hours)
    for it in items:
        note = st.local_notes.get(it.code)
        partners = [p for p in st.partners if it.code in p.items]
        fees = "不收费" if it.fees == "不收费" else "；".join(f"{f.name}：{f.amount}（依据：{f.basis}）" for f in it.fees)
        md = [f"# {it.name}", "", " · ".join(t for t, _ in item_badges(it)), "",
              f"**{time_limit(it)}** · {'不收费' if it.fees == '不收费' else '收费（见下）'} · "
              + (f"最多跑 {it.visits} 次" if it.visits else "不用跑"), ""]
        if it.online.available:
            md += [f"[网上办理]({it.online.url})", ""]
        md += ["## 在本站办理", "", f"- 地点：{st.name}，{st.address}",
               f"- 时间：{hours}" + (f"（{st.hours.holiday_note}）" if st.hours.holiday_note else ""),
               f"- 窗口：{note.window if note and note.window else '综合窗口'}", f"- 电话：{_tel(st.phone)}"]
        if note and note.proxy_person:
            md.append(f"- 帮办代办员：{note.proxy_person}")
        if note and note.note:
            md.append(f"- 本站说明：{note.note}")
        md.append("")
        if partners:
            md += ["也可以到：" + "；".join(f"{p.name}（{p.address}，{p.hours}）" for p in partners), ""]
        md += ["## 帮办代办", "", ("本事项可由服务站免费帮办代办。" + (it.proxy.note or "")) if it.proxy.available
               else "本事项需本人办理。", "", "## 受理条件", "", *[f"- {c}" for c in it.conditions], "",
               "## 申请材料", ""]
        if it.no_materials:
            md += ["无需提交材料。"]
        for i, m in enumerate(it.materials, 1):
            md.append(f"{i}. **{m.name}** {m.form} {m.copies} 份 {'必需' if m.required else '视情况'}"
                      + (f"（需提供的情形：{m.condition}）" if m.condition else "")
                      + f"；来源：{m.source}" + (f"；备注：{m.notes}" if m.notes else ""))
        md += ["", "## 办理流程", "", *[f"{i}. **{s.name}**：{s.detail}" for i, s in enumerate(it.process, 1)], "",
               "## 办理时限与收费", "", f"- 办件类型：{it.case_type}",
               f"- 法定办结时限：{it.legal_limit_text}（依据：{it.legal_limit_basis}）" if it.legal_limit_text
               else "- 法定办结时限：无法定时限（按承诺办结时限办理）",
               f"- 承诺办结时限：{time_limit(it)}", f"- 到办事现场次数：{it.visits}", f"- 收费：{fees}", "",
               "## 设定依据", "", *[f"- {b.law} {b.article}" for b in it.legal_bases], "",
               f"- 事项类型：{it.item_type}", f"- 行使层级：{it.level}", f"- 实施主体：{it.department}",
               f"- 咨询电话：{_tel(it.phone)}", ""]
        if it.faq:
            md += ["## 常见问题", ""]
            for f in it.faq:
                md += [f"**问：{f.q}**", "", f"答：{f.a}", ""]
        md += [f"更新日期：{it.updated.isoformat()}　事项编码：{it.code}", "",
               f"监督举报电话 {_tel(d.supervision_hotline)} · 政务服务便民热线 {_tel(d.citizen_hotline)}", "",
               f"[← 返回{st.name}](index.md)", ""]
        pages[f"{it.code}.md"] = "\n".join(md)
    return pages


def baseline(code_dir: Path, content: Path, stations: list[str], work: Path) -> dict:
    sys.path.insert(0, str(code_dir))
    from generator.validate import read_catalogue

    cat, problems = read_catalogue(content)
    assert cat is not None, problems
    runs = []
    for code in stations:
        project = work / code
        docs = project / "docs"
        docs.mkdir(parents=True)
        for name, text in station_markdown(cat, code).items():
            (docs / name).write_text(text, encoding="utf-8")
        (project / "mkdocs.yml").write_text(BASELINE_YML.format(
            name=json.dumps(cat.stations[code].name, ensure_ascii=False),
            description=json.dumps(cat.stations[code].name + "办事指南", ensure_ascii=False),
            url=f"{cat.district.site_url}/{code}/"), encoding="utf-8")
        m = measure([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=project)
        if m["returncode"] != 0:
            raise SystemExit(f"mkdocs build failed for {code}:\n{m['stderr'][-3000:]}")
        stats = site_stats(project / "site")
        runs.append({"station": code, **{k: v for k, v in m.items() if k not in ("stdout", "stderr")},
                     "pages": stats["pages"], "output_mib": stats["output_mib"]})
        shutil.rmtree(project / "site")  # the figures are taken; keep the disk small at city scale
    return runs


# ------------------------------------------------------------------ report


def machine() -> dict:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = 0
    try:
        mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal:"))) * 1024
    except (OSError, StopIteration):
        pass
    return {"nproc": os.cpu_count(), "memory_gib": round(mem / 2**30, 1), "cpu": cpu,
            "python": platform.python_version(), "kernel": platform.release()}


def git_state(commit: str | None = None) -> dict:
    """The commit measured: HEAD and whether the working tree differs from it, or `commit`."""
    def git(*args):
        r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else ""

    if commit:
        return {"commit": git("rev-parse", commit) or commit, "dirty": False, "dirty_files": [],
                "measured": "commit"}
    dirty = git("status", "--porcelain", "--", "generator", "theme", "mkdocs.yml")
    return {"commit": git("rev-parse", "HEAD") or "unknown", "dirty": bool(dirty),
            "dirty_files": dirty.splitlines(), "measured": "working tree"}


def table(r: dict) -> str:
    n = r["stations"]
    c, b, rep = r["clean"], r["baseline"], r["republish"]
    s = r["site"]

    def row(what, m, note=""):
        return (f"| {what} | {m['wall_s']:.1f} | {m['cpu_s']:.1f} | {m['peak_rss_tree_mib']:.0f} "
                f"| {m['peak_pss_tree_mib']:.0f} | {m['pages_written']} | {note} |")

    if b is None:
        baseline_rows = ["| baseline | | | | | | not measured (--baseline-sample 0) |"]
        baseline_out = ""
    else:
        sample_note = ("all stations measured" if b["measured_stations"] == n else
                       f"measured on {b['measured_stations']} of {n} stations, extrapolated linearly")
        baseline_rows = [
            f"| baseline: `mkdocs build` per station | {b['wall_s']:.1f} | {b['cpu_s']:.1f} "
            f"| {b['peak_rss_tree_mib']:.0f} | {b['peak_pss_tree_mib']:.0f} | {b['pages']} | {sample_note}; "
            f"{b['per_station_s']:.2f} s/station |",
            f"| **ratio baseline / full clean build** | **{r['ratio']['wall']:.1f}×** | **{r['ratio']['cpu']:.1f}×** "
            "| | | | |"]
        baseline_out = (f" Baseline output: {b['output_mib']:.0f} MiB"
                        + ("" if b["measured_stations"] == n else " (extrapolated)") + ".")
    lines = [
        f"**{n} stations** ({r['scope']}), {r['pages_total']} pages; machine: {r['machine']['nproc']} × "
        f"{r['machine']['cpu']}, {r['machine']['memory_gib']} GiB; commit {r['git']['commit'][:12]}"
        + (" + uncommitted changes" if r["git"]["dirty"] else "") + f"; median of {r['repeat']} run(s); "
        f"load average {r['loadavg_range'][0]:.1f}–{r['loadavg_range'][1]:.1f}",
        "",
        "| figure | wall s | CPU s | peak RSS MiB (tree) | peak PSS MiB (tree) | pages written | notes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        row("full clean build", c, f"{c['per_station_s'] * 1000:.0f} ms/station wall"),
        row("republish: one station edited", rep["station"]),
        row("republish: one item edited", rep["item"]),
        row("republish: no-op", rep["noop"]),
        *baseline_rows,
        "",
        f"Output: {s['pages']} pages, {s['output_mib']} MiB ({s['output_disk_mib']} MiB on disk), "
        f"average guide page {s['avg_guide_kib']} KiB, theme stylesheet stored {s['theme_stylesheet_copies']}×, "
        f"{s['search_indexes']} search indexes." + baseline_out,
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stations", type=int, required=True, help=f"number of stations, 1..{CITY_POOL}")
    p.add_argument("--json", type=Path, help="write the results here as JSON")
    p.add_argument("--repeat", type=int, default=1, help="repetitions of each measurement (median reported)")
    p.add_argument("--baseline-sample", type=int, default=None,
                   help="baseline on this many stations, extrapolated (default: all up to 30, else 30; 0: none)")
    p.add_argument("--commit", help="measure the generator, theme and mkdocs.yml of this commit")
    p.add_argument("--workdir", type=Path, help="work here (kept) instead of a temporary directory")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = p.parse_args(argv)
    n = args.stations
    k = min(n, 30 if args.baseline_sample is None else args.baseline_sample)
    if args.workdir:
        work = args.workdir.resolve()
        if work.exists() and any(work.iterdir()):
            raise SystemExit(f"{work} is not empty")
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="guides-bench-"))
    for forbidden in (ROOT / "site", ROOT / "content"):
        assert forbidden not in [work, *work.parents], "never write into the repository's site/ or content/"

    def say(msg):
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    try:
        say(f"work directory {work}")
        code = snapshot_code(work / "code", args.commit)
        content = work / "content"
        made = make_content(n, content)
        out = work / "site"
        say(f"{n} stations of {made['scope']} generated")

        clean_runs = []
        for i in range(args.repeat):
            shutil.rmtree(out, ignore_errors=True)
            (content / "published.txt").unlink(missing_ok=True)
            say(f"full clean build {i + 1}/{args.repeat}")
            clean_runs.append(guides_build(code, content, out))
        clean = summarise(clean_runs)
        clean["per_station_s"] = round(clean["wall_s"] / n, 4)
        clean["cpu_per_station_s"] = round(clean["cpu_s"] / n, 4)
        stats = site_stats(out)

        station_file = content / made["files"][0]
        item_file = content / "items" / "JZ-001.yaml"  # 最低生活保障: offered by every station
        republish: dict[str, list] = {"station": [], "item": [], "noop": []}
        for i in range(args.repeat):
            say(f"republish {i + 1}/{args.repeat}: one station, one item, no-op")
            toggle(station_file, "address", "（东院）")
            republish["station"].append(guides_build(code, content, out))
            toggle(item_file, "department", "（窗口）")
            republish["item"].append(guides_build(code, content, out))
            republish["noop"].append(guides_build(code, content, out))
        rep = {key: summarise(runs) for key, runs in republish.items()}

        base = None
        if k:
            chosen = spread(made["stations"], k)
            say(f"baseline: mkdocs build for {k} of {n} stations")
            runs = baseline(code, content, chosen, work / "baseline")
            base = _baseline_figures(runs, n)
        loads = [m["loadavg_before"] for m in [*clean_runs, *(x for v in republish.values() for x in v),
                                               *(base["runs"] if base else [])]]
        result = {
            "benchmark": "guides build", "date": dt.datetime.now().isoformat(timespec="seconds"),
            "stations": n, "scope": made["scope"], "repeat": args.repeat,
            "pages_total": clean["runs"][-1]["pages_total"],
            "machine": machine(), "git": git_state(args.commit), "loadavg_range": [min(loads), max(loads)],
            "qr_cache": "none: every clean build encodes every QR code (cold)",
            "clean": clean, "site": stats, "republish": rep, "baseline": base,
            "ratio": {"wall": round(base["wall_s"] / clean["wall_s"], 2),
                      "cpu": round(base["cpu_s"] / max(clean["cpu_s"], 1e-9), 2)} if base else None,
            "edits": {"station": str(station_file.relative_to(content)), "item": str(item_file.relative_to(content))},
        }
        print(table(result))
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
            say(f"results written to {args.json}")
    finally:
        if not (args.keep or args.workdir):
            shutil.rmtree(work, ignore_errors=True)
    return 0


def _baseline_figures(runs: list[dict], n: int) -> dict:
    """The baseline for n stations from the stations measured (extrapolated linearly)."""
    per = statistics.mean(r["wall_s"] for r in runs)
    return {
        "measured_stations": len(runs),
        "extrapolated": len(runs) < n,
        "per_station_s": round(per, 3),
        "wall_s": round(per * n, 1),
        "cpu_s": round(statistics.mean(r["cpu_s"] for r in runs) * n, 1),
        "peak_rss_tree_mib": max(r["peak_rss_tree_mib"] for r in runs),
        "peak_pss_tree_mib": max(r["peak_pss_tree_mib"] for r in runs),
        "pages": round(statistics.mean(r["pages"] for r in runs) * n),
        "output_mib": round(statistics.mean(r["output_mib"] for r in runs) * n, 1),
        "runs": runs,
    }


if __name__ == "__main__":
    sys.exit(main())
