"""`guides print`: what a station puts on paper, printed from the built website itself.

For every station asked for, under `site/<village>/print/` (or `--out <dir>/<village>/`):

- `<village>-board-pack.pdf`, the board pack for the 公开公示栏: a cover (station,
  address, hours, staff with windows and badges, supervision hotline, 12345,
  complaint box), the item catalogue (目录清单) with each item's QR code, then every
  guide, in the catalogue's order;
- `<village>-poster.pdf`: A4, the station's name and one large QR code to its home;
- `<village>-offline.zip`: the station's site for its PC when the network is down
  (see offline.py);
- `manifest.json`: what the pack holds, page by page, with every guide's version stamp.

The guides in the pack are the pages of `site/` themselves, printed by headless
Chromium with the site's print stylesheet (theme/assets/guides/print.css), so the
paper and the web cannot drift. The cover, catalogue and poster are extra pages in
the same theme (templates/print_*.html). The browser loads every page at its
permanent URL and each request is answered from `site/`: no server, no network.

The pages printed must be the current ones: a missing site is built first; a site
that no longer matches the content (a guide's version stamp differs) is refused
unless `--build` asks to rebuild it. A station whose pages, styles and templates have
not changed since its last print is skipped (`--force` prints it anyway), and every
run says which printed guides went stale and must be replaced on the board.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html
import io
import json
import multiprocessing as mp
import multiprocessing.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import offline, qr
from .plan import Fingerprints, Page
from .problems import Problems
from .render import item_badges
from .validate import Catalogue, check_print_origin, read_catalogue

CHROMIUM = os.environ.get("GUIDES_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
HERE = Path(__file__).parent
TEMPLATES = ("print_cover.html", "print_catalogue.html", "print_poster.html", "_marks.html")
# What a print run depends on beyond the station's pages: a change here reprints every station.
CODE_INPUTS = [HERE / "printing.py", HERE / "offline.py", *(HERE / "templates" / t for t in TEMPLATES)]

_STAMP = re.compile(r'class="g-stamp"[^>]*>\s*版本\s*([^<]+?)\s*<')
_FOOTER = """<div style="width:100%;box-sizing:border-box;padding:0 15mm;display:flex;justify-content:space-between;gap:6mm;
font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif;font-synthesis:none;font-size:7.5pt;color:#000">
<span>{left}</span><span style="white-space:nowrap">第 <span class="pageNumber"></span> / <span class="totalPages"></span> 页</span></div>"""


def files(code: str) -> dict[str, str]:
    """File names of a station's printed matter."""
    return {"board_pack": f"{code}-board-pack.pdf", "poster": f"{code}-poster.pdf",
            "offline": f"{code}-offline.zip", "manifest": "manifest.json"}


def out_dir(site: Path, out: Path | None, code: str) -> Path:
    return (Path(out) / code) if out else (Path(site) / code / "print")


# ---------------------------------------------------------------------------- the site


def built_stamp(site: Path, path: str) -> str | None:
    """The version stamp a built page shows, or None if the page is missing."""
    f = Path(site) / path / "index.html"
    if not f.is_file():
        return None
    m = _STAMP.search(f.read_text(encoding="utf-8"))
    return m.group(1).strip() if m else ""


def stale_pages(cat: Catalogue, site: Path, codes: list[str]) -> list[str]:
    """The stations' pages that are missing from site/ or do not show the content's current version."""
    fp = Fingerprints(cat)
    out = []
    for code in codes:
        pages = [Page("station", f"{code}/", station=code),
                 *(Page("guide", f"{code}/{c}/", station=code, item=c) for c in cat.offers[code])]
        out += [p.path for p in pages if built_stamp(site, p.path) != fp.stamp(p)]
    return out


@contextlib.contextmanager
def _printed_kept(site: Path):
    """Keep site/<village>/print/ across a build, which replaces the whole site."""
    moved = []
    for d in sorted(Path(site).glob("*/print")):
        if d.is_dir():
            keep = d.parent.parent.parent / f".{Path(site).name}.print-{d.parent.name}-{os.getpid()}"
            shutil.rmtree(keep, ignore_errors=True)
            d.rename(keep)
            moved.append((d, keep))
    try:
        yield
    finally:
        for d, keep in moved:
            if d.parent.is_dir() and not d.exists():
                keep.rename(d)
            else:  # the station is gone, or the build kept it itself
                shutil.rmtree(keep, ignore_errors=True)


# ---------------------------------------------------------------------------- the browser


class Browser:
    """Headless Chromium that sees the site at its permanent URLs, answered from site/."""

    def __init__(self, site: Path, site_url: str):
        from playwright.sync_api import sync_playwright

        self.site = Path(site).resolve()
        self.base = site_url.rstrip("/") + "/"
        self.virtual: dict[str, str] = {}  # URL -> HTML of an extra page (cover, catalogue, poster)
        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            self._context = self._browser.new_context(locale="zh-CN", service_workers="block")
            self._context.route("**/*", self._answer)
            self.page = self._context.new_page()
        except BaseException:
            self._pw.stop()
            raise

    def _answer(self, route) -> None:
        url = route.request.url.split("#")[0]
        if url in self.virtual:
            return route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.virtual[url])
        if not url.startswith(self.base):
            return route.abort()  # a printed page loads nothing from elsewhere
        rel = url[len(self.base):].split("?")[0]
        target = (self.site / rel).resolve()
        if target.is_dir():
            target = target / "index.html"
        if self.site not in target.parents or not target.is_file():
            return route.fulfill(status=404, content_type="text/plain", body="not found")
        return route.fulfill(status=200, path=str(target))

    def pdf(self, url: str, footer: str | None = None) -> bytes:
        response = self.page.goto(url, wait_until="load")
        if response is None or response.status != 200:
            raise RuntimeError(f"{url}: {response.status if response else '无响应'}")
        self.page.evaluate("document.fonts.ready.then(() => true)")
        return self.page.pdf(
            format="A4", prefer_css_page_size=True, print_background=False,
            display_header_footer=footer is not None,
            header_template="<span></span>", footer_template=footer or "<span></span>",
        )

    def close(self) -> None:
        try:
            self._browser.close()
        finally:
            self._pw.stop()


def footer(left: str) -> str:
    return _FOOTER.format(left=html.escape(left))


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


# ---------------------------------------------------------------------------- one station


@dataclass
class Section:
    kind: str  # cover | catalogue | guide
    title: str
    url: str
    stamp: str
    first_page: int = 0
    last_page: int = 0
    item: str | None = None


@dataclass
class StationReport:
    code: str
    name: str
    printed: bool  # False: unchanged since the last print, skipped
    pages: int = 0
    stamp: str = ""
    replace: list[str] = field(default_factory=list)  # printed guides that went stale: replace on the board
    removed: list[str] = field(default_factory=list)  # guides no longer offered: take off the board


class StationPrinter:
    """Prints the board pack, the poster and the offline copy of one station at a time."""

    def __init__(self, cat: Catalogue, site: Path, out: Path | None, *, config_file: Path = Path("mkdocs.yml")):
        from .engine import Engine
        from .render import Renderer

        self.cat = cat
        self.site = Path(site)
        self.out = out
        self.site_url = cat.district.site_url
        self.engine = Engine(config_file, self.site_url)
        self.renderer = Renderer(cat, self.engine, {})  # for its templates and station view data
        self._browser: Browser | None = None

    @property
    def browser(self) -> Browser:
        if self._browser is None:
            self._browser = Browser(self.site, self.site_url)
        return self._browser

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None

    # ------------------------------------------------------------ inputs

    def key(self, code: str) -> str:
        """Digest of everything the station's printed matter is made from."""
        h = hashlib.sha256()
        paths = offline.station_pages(self.cat, code)
        for p in paths:
            h.update(p.encode() + b"\0" + (self.site / p / "index.html").read_bytes())
        for f in sorted((self.site / "assets" / "guides").glob("*")) + CODE_INPUTS:
            h.update(f.name.encode() + b"\0" + f.read_bytes())
        h.update(json.dumps(self.front_data(code), ensure_ascii=False, sort_keys=True).encode())
        return h.hexdigest()

    def _front_view(self, code: str) -> dict:
        """What the cover, the catalogue and the poster show (templates/print_*.html)."""
        st = self.cat.stations[code]
        items = self.cat.station_items(code)
        entries = [{"item": it, "badges": item_badges(it), "url": f"{self.site_url}/{code}/{it.code}/"}
                   for it in items]
        for e in entries:
            e["qr"] = qr.svg(e["url"], title=f"{e['item'].name} 二维码")
        return {
            "sv": self.renderer.station_view(code), "st": st, "entries": entries,
            "online": sum(1 for it in items if it.online.available),
            "proxy": sum(1 for it in items if it.proxy.available),
            "url": f"{self.site_url}/{code}/",
        }

    def front_data(self, code: str) -> dict:
        """The data the cover and the catalogue show, and nothing else: input of the pack's stamp."""
        d = self.cat.district
        st = self.cat.stations[code]
        return {
            "district": {"city": d.city, "name": d.name, "supervision": d.supervision_hotline,
                         "hotline": d.citizen_hotline, "portal": d.portal.name, "url": d.site_url,
                         "sample": d.sample_notice if d.sample_data else None},
            "town": self.cat.town_name(code[:9]),
            "station": st.model_dump(mode="json", include={"code", "name", "address", "phone", "hours", "staff",
                                                           "complaint_box", "partners"}),
            "partner_items": [[self.cat.items[c].name for c in p.items] for p in st.partners],
            "items": [[it.code, it.name, it.category, item_badges(it)] for it in self.cat.station_items(code)],
        }

    def poster_data(self, code: str) -> dict:
        """The data the poster shows."""
        d = self.cat.district
        st = self.cat.stations[code]
        return {"district": [d.city, d.name, d.supervision_hotline, d.citizen_hotline, d.site_url],
                "town": self.cat.town_name(code[:9]), "name": st.name, "phone": st.phone,
                "hours": self.renderer.station_view(code)["hours_summary"], "count": len(self.cat.offers[code])}

    # ------------------------------------------------------------ extra pages

    def _extra_page(self, code: str, template: str, title: str, **view) -> str:
        st = self.cat.stations[code]
        content = self.renderer.env.get_template(template).render(**view)
        return self.engine.shell("print").fill(
            station=code, site_name=st.name, title=title, description=f"{st.name} {title}", content=content)

    def pack_stamp(self, code: str, guide_stamps: list[str]) -> str:
        """Version of the whole pack: the cover's and catalogue's data and every guide's stamp."""
        data = json.dumps({"front": self.front_data(code), "guides": guide_stamps}, ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(data.encode()).hexdigest()[:6]
        latest = max(it.updated for it in self.cat.station_items(code))
        return f"{latest.isoformat()} · {digest}"

    # ------------------------------------------------------------ printing

    def print_station(self, code: str, *, force: bool = False, offline_only: bool = False,
                      progress=None) -> StationReport:
        st = self.cat.stations[code]
        dest = out_dir(self.site, self.out, code)
        names = files(code)
        previous = _read_manifest(dest / names["manifest"])
        key = self.key(code)
        report = StationReport(code, st.name, printed=True)
        n_items = len(self.cat.offers[code])

        if offline_only:
            offline.write_zip(self.cat, self.site, code, dest / names["offline"])
            if progress:
                progress(n_items + 3)
            return report
        if not force and previous and previous.get("key") == key and all(
                (dest / names[k]).is_file() for k in ("board_pack", "poster", "offline")):
            report.printed = False
            report.pages, report.stamp = previous.get("pages", 0), previous.get("stamp", "")
            if progress:
                progress(n_items + 3)
            return report

        guides: list[tuple[Section, bytes]] = []
        for n, item in enumerate(self.cat.station_items(code), 1):
            url = f"{self.site_url}/{code}/{item.code}/"
            stamp = built_stamp(self.site, f"{code}/{item.code}/") or ""
            left = f"{st.name} · 事项 {n}/{n_items} {item.name} · 版本 {stamp}"
            pdf = self.browser.pdf(url, footer(left))
            guides.append((Section("guide", f"{n}. {item.name}", url, stamp, item=item.code), pdf))
            if progress:
                progress(1)

        stamp = self.pack_stamp(code, [s.stamp for s, _ in guides])
        view = self._front_view(code) | {"stamp": stamp, "count": n_items}
        view["qr"] = qr.svg(view["url"], title=f"{st.name} 二维码")
        base = f"{self.site_url}/{code}/print/"
        self.browser.virtual = {
            base: self._extra_page(code, "print_cover.html", "公示材料", **view),
            base + "catalogue.html": self._extra_page(code, "print_catalogue.html", "事项目录清单", **view),
            base + "poster.html": self._extra_page(code, "print_poster.html", "二维码海报", **view),
        }
        try:
            cover = self.browser.pdf(base, footer(f"{st.name} · 公示材料封面 · 本册版本 {stamp}"))
            catalogue = self.browser.pdf(base + "catalogue.html", footer(f"{st.name} · 事项目录清单 · 本册版本 {stamp}"))
            poster = self.browser.pdf(base + "poster.html")
        finally:
            self.browser.virtual = {}
        if progress:
            progress(2)

        sections = [(Section("cover", "封面", view["url"], stamp), cover),
                    (Section("catalogue", "事项目录清单", view["url"], stamp), catalogue), *guides]
        total = _merge(sections, dest / names["board_pack"], title=f"{st.name} 公示材料（本册版本 {stamp}）",
                       author=f"{self.cat.district.city}{self.cat.district.name}")
        _write_atomic(dest / names["poster"], poster)
        offline.write_zip(self.cat, self.site, code, dest / names["offline"])
        if progress:
            progress(1)

        manifest = {
            "station": code, "name": st.name, "stamp": stamp, "key": key, "pages": total,
            "front": _digest(self.front_data(code)), "poster": _digest(self.poster_data(code)),
            "printed": dt.datetime.now().isoformat(timespec="seconds"),
            "files": {k: v for k, v in names.items() if k != "manifest"},
            "sections": [asdict(s) for s, _ in sections],
        }
        _write_atomic(dest / names["manifest"],
                      json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        report.pages, report.stamp = total, stamp
        report.replace, report.removed = _changes(previous, manifest, self.cat)
        return report


def _merge(sections: list[tuple[Section, bytes]], dest: Path, *, title: str, author: str) -> int:
    """One PDF from the sections' PDFs, with a bookmark per section, title and language.

    poppler's pdfunite joins them (pure-Python merging costs ~0.7 s a guide: every
    CJK glyph is its own object in Chromium's PDFs); the bookmarks and document
    information are then added as an incremental update (see _annotate)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".print-") as tmp:
        parts = []
        page = 1
        for n, (section, pdf) in enumerate(sections):
            part = Path(tmp) / f"{n:04d}.pdf"
            part.write_bytes(pdf)
            parts.append(str(part))
            section.first_page = page
            page += page_count(pdf)
            section.last_page = page - 1
        joined = Path(tmp) / "joined.pdf"
        if len(parts) == 1:
            shutil.copyfile(parts[0], joined)
        else:
            subprocess.run(["pdfunite", *parts, str(joined)], check=True, capture_output=True)
        data = _annotate(joined.read_bytes(), [(s.title, s.first_page) for s, _ in sections], {
            "/Title": title, "/Author": author, "/Creator": "guides print",
            "/Subject": "村（社区）便民服务站公开公示栏：封面、事项目录清单、办事指南"})
        _write_atomic(dest, data)
    return page - 1


def _annotate(data: bytes, bookmarks: list[tuple[str, int]], info: dict[str, str]) -> bytes:
    """Append an incremental update to a PDF: bookmarks (title, 1-based page), document
    information, language zh-CN and "show bookmarks" when opened. The original bytes
    stay as they are, so this costs milliseconds whatever the PDF's size."""
    from pypdf import PdfReader
    from pypdf.generic import (ArrayObject, DictionaryObject, IndirectObject, NameObject, NumberObject,
                               TextStringObject)

    reader = PdfReader(io.BytesIO(data))
    root_ref = reader.trailer.raw_get("/Root")
    root = reader.trailer["/Root"]
    page_refs = [p.indirect_reference for p in reader.pages]
    prev_xref = int(re.findall(rb"startxref\s+(\d+)", data[-2048:])[-1])
    used = [num for table in reader.xref.values() for num in table] + list(reader.xref_objStm)
    next_num = max([int(reader.trailer.get("/Size", 0)), *(n + 1 for n in used)])

    def ref(num: int) -> IndirectObject:
        return IndirectObject(num, 0, reader)

    objects: dict[int, DictionaryObject] = {}
    outline_num = next_num
    item_nums = list(range(next_num + 1, next_num + 1 + len(bookmarks)))
    info_num = next_num + 1 + len(bookmarks)
    objects[outline_num] = DictionaryObject({
        NameObject("/Type"): NameObject("/Outlines"), NameObject("/Count"): NumberObject(len(bookmarks)),
        NameObject("/First"): ref(item_nums[0]), NameObject("/Last"): ref(item_nums[-1])})
    for i, (title, page) in enumerate(bookmarks):
        item = DictionaryObject({
            NameObject("/Title"): TextStringObject(title), NameObject("/Parent"): ref(outline_num),
            NameObject("/Dest"): ArrayObject([page_refs[page - 1], NameObject("/Fit")])})
        if i:
            item[NameObject("/Prev")] = ref(item_nums[i - 1])
        if i + 1 < len(item_nums):
            item[NameObject("/Next")] = ref(item_nums[i + 1])
        objects[item_nums[i]] = item
    objects[info_num] = DictionaryObject({NameObject(k): TextStringObject(v) for k, v in info.items()})
    catalog = DictionaryObject({NameObject(k): root.raw_get(k) for k in root})
    catalog[NameObject("/Outlines")] = ref(outline_num)
    catalog[NameObject("/PageMode")] = NameObject("/UseOutlines")
    catalog[NameObject("/Lang")] = TextStringObject("zh-CN")
    objects[root_ref.idnum] = catalog

    out = io.BytesIO()
    out.write(data if data.endswith(b"\n") else data + b"\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = out.tell()
        gen = root_ref.generation if num == root_ref.idnum else 0
        out.write(f"{num} {gen} obj\n".encode())
        objects[num].write_to_stream(out)
        out.write(b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n")
    for num in sorted(offsets):
        gen = root_ref.generation if num == root_ref.idnum else 0
        out.write(f"{num} 1\n{offsets[num]:010d} {gen:05d} n \n".encode())
    trailer = DictionaryObject({NameObject("/Size"): NumberObject(info_num + 1), NameObject("/Root"): root_ref,
                                NameObject("/Info"): ref(info_num), NameObject("/Prev"): NumberObject(prev_xref)})
    if "/ID" in reader.trailer:
        trailer[NameObject("/ID")] = reader.trailer.raw_get("/ID")
    out.write(b"trailer\n")
    trailer.write_to_stream(out)
    out.write(f"\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _digest(data) -> str:
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:12]


def _write_atomic(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    try:
        tmp.write_bytes(data)
        tmp.replace(dest)
    except OSError:  # e.g. disk full: no half-written file stays behind
        tmp.unlink(missing_ok=True)
        raise


def _read_manifest(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _changes(previous: dict | None, current: dict, cat: Catalogue) -> tuple[list[str], list[str]]:
    """Printed guides that went stale since the last print, and guides no longer offered."""
    if not previous:
        return [], []
    old = {s["item"]: s for s in previous.get("sections", []) if s.get("kind") == "guide"}
    new = {s["item"]: s for s in current["sections"] if s.get("kind") == "guide"}
    replace = []
    if previous.get("front") != current["front"]:
        replace.append(f"封面与事项目录清单（本册版本 {current['stamp']}）")
    if previous.get("poster") != current["poster"]:
        replace.append("二维码海报")
    replace += [f"{s['title']}（版本 {old[c]['stamp']} → {s['stamp']}）" if c in old else f"{s['title']}（新增）"
                for c, s in new.items() if c not in old or old[c]["stamp"] != s["stamp"]]
    removed = [f"{s['title']}（版本 {s['stamp']}）" for c, s in old.items() if c not in new]
    return replace, removed


# ---------------------------------------------------------------------------- many stations

_WORKER: dict = {}


def _worker_init(content: str, site: str, out: str | None, config_file: str) -> None:
    cat, _ = read_catalogue(Path(content))
    _WORKER["printer"] = StationPrinter(cat, Path(site), Path(out) if out else None, config_file=Path(config_file))
    mp.util.Finalize(None, _WORKER["printer"].close, exitpriority=10)  # runs when the pool closes


def _worker_run(job: tuple[str, bool, bool]) -> StationReport:
    code, force, offline_only = job
    return _WORKER["printer"].print_station(code, force=force, offline_only=offline_only)


@dataclass
class Result:
    ok: bool
    problems: Problems
    reports: list[StationReport] = field(default_factory=list)
    built: bool = False


def print_stations(content: Path, site: Path, codes: list[str] | None, *, out: Path | None = None,
                   config_file: Path = Path("mkdocs.yml"), jobs: int | None = None, force: bool = False,
                   offline_only: bool = False, rebuild: bool = False, quiet: bool = False,
                   test_print: bool = False) -> Result:
    """Print the given stations (None: all of them). Builds the site first if it is missing."""
    from .build import Progress, build

    content, site = Path(content), Path(site)
    cat, problems = read_catalogue(content)
    if cat is None or not check_print_origin(cat, problems, test_print=test_print):
        return Result(False, problems)
    codes = list(cat.stations) if codes is None else list(dict.fromkeys(codes))
    unknown = [c for c in codes if c not in cat.stations]
    if unknown:
        problems.error(str(content), 1, "服务站", f"没有这些服务站：{'、'.join(unknown)}")
        return Result(False, problems)

    built = False
    stale = stale_pages(cat, site, codes)
    if stale and (rebuild or not (site / "index.html").is_file()):
        with _printed_kept(site):
            result = build(content, site, config_file=config_file, quiet=quiet)
        problems = result.problems
        if not result.ok:
            return Result(False, problems)
        built = True
        stale = stale_pages(cat, site, codes)
    if stale:
        shown = "、".join(stale[:5]) + ("等" if len(stale) > 5 else "")
        problems.error(str(site), 1, "网站",
                       f"已发布的网站与内容不一致（{len(stale)} 页：{shown}），打印出来会与网上不同；"
                       f"请先运行 guides build，或加 --build 重新生成后打印")
        return Result(False, problems, built=built)

    if not offline_only:
        missing = [what for what, ok in (("chromium（Debian 软件包 chromium）", Path(CHROMIUM).is_file()),
                                         ("pdfunite（Debian 软件包 poppler-utils）", shutil.which("pdfunite")))
                   if not ok]
        if missing:
            problems.error("guides print", 1, "系统软件", f"缺少 {'、'.join(missing)}；`make test` 的准备步骤会安装")
            return Result(False, problems, built=built)

    total = sum(len(cat.offers[c]) + 3 for c in codes)
    progress = Progress(total, "打印", stream=open(os.devnull, "w") if quiet else None)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(codes)))
    reports: list[StationReport] = []
    if jobs == 1:
        printer = StationPrinter(cat, site, out, config_file=config_file)
        try:
            for code in codes:
                reports.append(printer.print_station(code, force=force, offline_only=offline_only,
                                                     progress=progress.advance))
        finally:
            printer.close()
    else:
        ctx = mp.get_context("spawn")  # each worker starts its own browser
        with ctx.Pool(jobs, initializer=_worker_init,
                      initargs=(str(content), str(site), str(out) if out else None, str(config_file))) as pool:
            for report in pool.imap_unordered(_worker_run, [(c, force, offline_only) for c in codes]):
                reports.append(report)
                progress.advance(len(cat.offers[report.code]) + 3)
            pool.close()
            pool.join()  # workers close their browsers
    order = {c: i for i, c in enumerate(codes)}
    reports.sort(key=lambda r: order[r.code])
    return Result(True, problems, reports, built)


def summary(result: Result, site: Path, out: Path | None, stream=None) -> None:
    """What was printed, and which printed sheets on which boards are now out of date."""
    stream = stream or sys.stdout
    if result.built:
        print(f"网站 {site}/ 已先重新生成", file=stream)
    printed = [r for r in result.reports if r.printed]
    skipped = [r for r in result.reports if not r.printed]
    for r in printed:
        where = out_dir(site, out, r.code)
        line = f"{r.code} {r.name}：{where}/"
        if r.pages:
            line += f"（公示材料 {r.pages} 页，本册版本 {r.stamp}）"
        print(line, file=stream)
        for x in r.replace:
            print(f"  需更换：{x}", file=stream)
        for x in r.removed:
            print(f"  需撤下：{x}", file=stream)
    if skipped:
        print(f"{len(skipped)} 个服务站的打印材料没有变化，未重新生成（--force 可强制重新生成）", file=stream)
    print(f"打印完成：{len(printed)} 个服务站", file=stream)
