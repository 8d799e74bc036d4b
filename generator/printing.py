"""`guides print`: what a station puts on paper, printed from the built website itself.

For every station asked for, under `print/<village>/` beside the site (`--out <dir>/<village>/`):

- `<village>-board-pack.pdf`, the board pack for the 公开公示栏: a cover (station,
  address, hours, staff with windows and badges, supervision hotline, 12345,
  complaint box), the item catalogue (目录清单) with each item's QR code, then every
  guide, in the catalogue's order;
- `<village>-poster.pdf`: A4, the station's name and one large QR code to its home;
- `<village>-offline.zip`: the station's site for its PC when the network is down
  (see offline.py);
- `manifest.json`: what the pack holds, page by page, with every guide's version stamp.

Print output lives outside the published tree: no build (clean, theme change, killed)
can touch it, and a print run never lands in the site.

The guides in the pack are the pages of `site/` themselves: each page's article, as
built, goes into ONE print document per pack (cover, catalogue, guides), printed by
headless Chromium with the site's print stylesheet, so the paper and the web cannot
drift. One document embeds one font subset (45 separate PDFs merged carried 45 copies
of the font): the print face, a small subset of WenQuanYi Micro Hei holding the
district's characters (printfont.py), where the system font was embedded whole. Every
section is a CSS named page whose margin boxes carry its footer and its own page count.
The PDF is tagged (structure tree, for screen readers) and its outline has one bookmark
per section. The browser shows the document at the station's permanent URL
(`<site>/<village>/print/`, the depth of a guide, so the articles' relative links stay
right) and every request is answered from `site/`: no server, no network. A worker's
browser loads the print shell once; each later document replaces its body in place.

`--changed` prints only what the reprint queue (reprint.py) holds: one PDF per town,
stations in delivery order, each station's sheets after a cover sheet saying which
sheets to replace or take down on its board. Printed sheets leave the queue.

The pages printed must be the current ones: a missing site is built first; a site
that no longer matches the content (a guide's version stamp differs) is refused
unless `--build` asks to rebuild it. A station whose pages, styles and templates have
not changed since its last print is skipped (`--force` prints it anyway), and every
run says which printed guides went stale and must be replaced on the board.

Layout: print_inputs.py works out what each sheet holds (the documents' HTML, the file names,
the stamps, the QR codes) with no browser; print_browser.py only turns a document into a PDF;
this module runs a print: its two modes (`StationPacks`, `ReprintPacks`) as lists of typed
jobs, run here or in a pool of worker processes that each keep one printer and its browser.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import multiprocessing as mp
import multiprocessing.util
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import dates, offline, reprint
from .files import atomic_write
from .print_browser import CHROMIUM, Browser, finish_pdf
from .print_inputs import (Section, StationSheets, board_changes, delivery_order, files, out_dir, print_root,
                           read_manifest, section_record, stale_pages)
from .problems import Problems
from .validate import Catalogue, check_print_origin, read_catalogue


@dataclass
class StationReport:
    code: str
    name: str
    printed: bool  # False: unchanged since the last print, skipped
    pages: int = 0
    stamp: str = ""
    replace: list[str] = field(default_factory=list)  # printed guides that went stale: replace on the board
    removed: list[str] = field(default_factory=list)  # guides no longer offered: take off the board


# ---------------------------------------------------------------------------- one printer


class StationPrinter:
    """A station's sheets (print_inputs.StationSheets) printed by a browser it starts when first
    asked, and kept for the next document."""

    def __init__(self, cat: Catalogue, site: Path, out: Path | None, *, config_file: Path = Path("mkdocs.yml"),
                 test_print: bool = False):
        self.sheets = StationSheets(cat, site, out, config_file=config_file, test_print=test_print)
        self.cat, self.site, self.out = cat, Path(site), out
        self._browser: Browser | None = None

    @property
    def browser(self) -> Browser:
        if self._browser is None:
            self._browser = Browser(self.site, self.sheets.site_url)
        return self._browser

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None

    def render_pdf(self, code: str, title: str, sections: list[Section], subject: str) -> tuple[bytes, int]:
        data = self.browser.pdf(self.sheets.document(code, title, sections))
        return finish_pdf(data, sections, title=title, author=f"{self.cat.district.city}{self.cat.district.name}",
                          subject=subject)

    def print_station(self, code: str, *, force: bool = False, offline_only: bool = False) -> StationReport:
        """Print one station unless its printed matter is current; say which sheets went stale."""
        st = self.cat.stations[code]
        dest = out_dir(self.site, self.out, code)
        names = files(code)
        report = StationReport(code, st.name, printed=True)
        if offline_only:
            offline.write_zip(self.cat, self.site, code, dest / names["offline"])
            return report
        previous = read_manifest(dest / names["manifest"])
        key = self.sheets.key(code)
        if not force and self.sheets.is_current(code, key, previous):
            report.printed = False
            report.pages, report.stamp = previous.get("pages", 0), previous.get("stamp", "")
            return report

        sections = self.sheets.pack_sections(code)
        pack, total = self.render_pdf(code, self.sheets.pack_title(code), sections,
                                      "村（社区）便民服务站公开公示栏：封面、事项目录清单、办事指南")
        poster, _ = self.render_pdf(code, f"{st.name} 二维码海报", [self.sheets.poster_section(code)],
                                    "服务站二维码海报")
        atomic_write(dest / names["board_pack"], pack)
        atomic_write(dest / names["poster"], poster)
        offline.write_zip(self.cat, self.site, code, dest / names["offline"])
        manifest = self.sheets.manifest(code, key, sections, total)
        atomic_write(dest / names["manifest"], json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        report.pages, report.stamp = total, manifest["stamp"]
        report.replace, report.removed = board_changes(previous, manifest)
        return report

    def print_reprint(self, town: str, pending: dict[str, list[reprint.Sheet]], dest: Path) -> dict:
        """One town's reprint pack: its stations (in delivery order) with their queued sheets."""
        sections = []
        for code, sheets in pending.items():
            sections += self.sheets.reprint_sections(code, sheets)
        name = self.cat.town_name(town)
        title = f"{name} 重印公示材料（{dt.date.today().isoformat()}）"
        first = next(iter(pending))
        data, total = self.render_pdf(first, title, sections, "村（社区）便民服务站公开公示栏：需更换的材料")
        atomic_write(dest, data)
        return {"town": town, "name": name, "file": dest.name, "pages": total,
                "stations": list(pending), "sections": [section_record(s) for s in sections]}


# ---------------------------------------------------------------------------- the two modes


@dataclass
class Result:
    ok: bool
    problems: Problems
    reports: list[StationReport] = field(default_factory=list)
    built: bool = False
    changed: bool = False  # --changed: `reprint` holds one entry per town's pack
    reprint: list[dict] = field(default_factory=list)
    reprint_dir: Path | None = None
    test_print: bool = False  # every page marked 试印; the reprint queue left as it was


@dataclass(frozen=True)
class StationJob:
    """One station's board pack, poster and offline copy (unless they are current)."""
    code: str
    force: bool = False
    offline_only: bool = False

    def run(self, printer: StationPrinter) -> StationReport:
        return printer.print_station(self.code, force=self.force, offline_only=self.offline_only)


@dataclass(frozen=True)
class ReprintJob:
    """One town's reprint pack, written to `dest`."""
    town: str
    stations: dict[str, list[reprint.Sheet]]  # in delivery order
    dest: Path

    def run(self, printer: StationPrinter) -> dict:
        return printer.print_reprint(self.town, self.stations, self.dest)


@dataclass
class StationPacks:
    """`guides print CODES|--all`: every station's printed matter, one job a station."""
    codes: list[str]
    pending: dict[str, list[reprint.Sheet]]  # the reprint queue when the run began
    force: bool = False
    offline_only: bool = False

    def jobs(self) -> list[StationJob]:
        return [StationJob(c, self.force, self.offline_only) for c in self.codes]

    def stations(self) -> int:
        return len(self.codes)

    def printed(self, report: StationReport) -> tuple[dict[str, list[reprint.Sheet]], int]:
        """The sheets a finished job takes off the queue, and the stations it counts for."""
        # the sheets queued when the run began: one a build queues meanwhile stays queued
        done = report.printed and not self.offline_only and report.code in self.pending
        return ({report.code: self.pending[report.code]} if done else {}), 1

    def result(self, reports: list[StationReport], problems: Problems, built: bool, test_print: bool) -> Result:
        order = {c: i for i, c in enumerate(self.codes)}
        return Result(True, problems, sorted(reports, key=lambda r: order[r.code]), built, test_print=test_print)


@dataclass
class ReprintPacks:
    """`guides print --changed`: what the reprint queue holds, one pack (and job) a town, in
    `reprint/<when>/` under the print root."""
    towns: dict[str, dict[str, list[reprint.Sheet]]]  # town -> its stations' queued sheets, delivery order
    dest: Path
    when: str

    @classmethod
    def of(cls, cat: Catalogue, pending: dict[str, list[reprint.Sheet]], root: Path) -> ReprintPacks:
        when = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        return cls(delivery_order(cat, pending), root / "reprint" / when, when)

    def jobs(self) -> list[ReprintJob]:
        return [ReprintJob(town, stations, self.dest / f"{town}-reprint.pdf") for town, stations in self.towns.items()]

    def stations(self) -> int:
        return sum(len(s) for s in self.towns.values())

    def printed(self, pack: dict) -> tuple[dict[str, list[reprint.Sheet]], int]:
        return dict(self.towns[pack["town"]]), len(self.towns[pack["town"]])

    def result(self, packs: list[dict], problems: Problems, built: bool, test_print: bool) -> Result:
        order = list(self.towns)
        packs = sorted(packs, key=lambda r: order.index(r["town"]))
        if packs:
            atomic_write(self.dest / "manifest.json", json.dumps({"printed": self.when, "towns": packs},
                                                                  ensure_ascii=False, indent=1).encode("utf-8"))
        return Result(True, problems, [], built, True, packs, self.dest if packs else None, test_print)


PrintMode = StationPacks | ReprintPacks


# ---------------------------------------------------------------------------- running the jobs


@dataclass(frozen=True)
class PrinterSetup:
    """What a worker process needs to make its own printer: it reads the catalogue itself."""
    content: Path
    site: Path
    out: Path | None
    config_file: Path
    test_print: bool = False

    def printer(self, cat: Catalogue | None = None) -> StationPrinter:
        if cat is None:
            cat, _ = read_catalogue(self.content)
            cat = dates.effective(cat, self.content) if cat is not None else cat  # the dates the site shows
        return StationPrinter(cat, self.site, self.out, config_file=self.config_file, test_print=self.test_print)


@functools.cache
def _worker_printer(setup: PrinterSetup) -> StationPrinter:
    """A pool worker's one printer, made when the worker starts and kept (its browser too) for
    every job it is given: the pool's workers share nothing with the main process."""
    printer = setup.printer()
    mp.util.Finalize(None, printer.close, exitpriority=10)  # runs when the pool closes
    return printer


def _run_in_worker(setup: PrinterSetup, job: StationJob | ReprintJob) -> StationReport | dict:
    return job.run(_worker_printer(setup))


class Marks:
    """Printed sheets leave the reprint queue in batches, at most `every` seconds apart. Each
    save rewrites the whole queue (0.3-0.5 s after a district's first build), so a save per
    station cost the main process minutes of a district's run. A run stopped half-way flushes
    what it printed; a killed one leaves at most the last few seconds' stations queued, so they
    are printed again, never forgotten."""

    def __init__(self, content: Path, every: float = 10.0, keep: bool = False):
        self.content = content
        self.keep = keep  # a test print: nothing leaves the queue
        self.every = every
        self.waiting: dict[str, list[reprint.Sheet]] = {}
        self.last = time.monotonic()

    def add(self, printed: dict[str, list[reprint.Sheet]]) -> None:
        self.waiting.update(printed)
        if self.waiting and time.monotonic() - self.last >= self.every:
            self.flush()

    def flush(self) -> None:
        self.last = time.monotonic()
        if not self.waiting or self.keep:
            self.waiting = {}
            return
        with reprint.editing(self.content) as queue:
            for code, sheets in self.waiting.items():
                queue.mark_printed(code, sheets)
        self.waiting = {}


def run_jobs(mode: PrintMode, setup: PrinterSetup, cat: Catalogue, *, workers: int | None,
             quiet: bool = False) -> list:
    """Every job of the mode, here or in a pool of `workers` processes (each starts its own
    browser, and keeps it); what each finished job printed leaves the queue (see Marks)."""
    from .build import Progress

    jobs = mode.jobs()
    progress = Progress(mode.stations(), "打印", stream=open(os.devnull, "w") if quiet else None)
    marks = Marks(setup.content, keep=setup.test_print)  # a test print leaves the reprint queue as it was
    results: list = []

    def done(result) -> None:
        results.append(result)
        sheets, stations = mode.printed(result)
        marks.add(sheets)
        progress.advance(stations)

    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs) or 1))
    try:
        if workers == 1 or len(jobs) <= 1:
            printer = setup.printer(cat)
            try:
                for job in jobs:
                    done(job.run(printer))
            finally:
                printer.close()
        else:
            with mp.get_context("spawn").Pool(workers, initializer=_worker_printer, initargs=(setup,)) as pool:
                for result in pool.imap_unordered(functools.partial(_run_in_worker, setup), jobs):
                    done(result)
                pool.close()
                pool.join()  # workers close their browsers
    finally:
        marks.flush()  # also when stopped (Ctrl-C, an error): what was printed leaves the queue
    return results


# ---------------------------------------------------------------------------- `guides print`


def print_stations(content: Path, site: Path, codes: list[str] | None, *, out: Path | None = None,
                   config_file: Path = Path("mkdocs.yml"), jobs: int | None = None, force: bool = False,
                   offline_only: bool = False, rebuild: bool = False, quiet: bool = False,
                   test_print: bool = False, changed: bool = False) -> Result:
    """Print the given stations (None: all of them), or with `changed` only their sheets on the
    reprint queue. Builds the site first if it is missing."""
    content, site = Path(content), Path(site)
    cat, problems = read_catalogue(content)
    if cat is None or not check_print_origin(cat, problems, test_print=test_print):
        return Result(False, problems)
    cat = dates.effective(cat, content)  # the dates the site shows
    codes = _station_codes(cat, codes, content, problems)
    if codes is None:
        return Result(False, problems)
    ok, built, problems = _current_site(cat, content, site, codes, problems, config_file=config_file,
                                        rebuild=rebuild, quiet=quiet)
    if not ok:
        return Result(False, problems, built=built)
    if not offline_only and not Path(CHROMIUM).is_file():
        problems.error("guides print", 1, "系统软件", "缺少 chromium（Debian 软件包 chromium）；`make test` 的准备步骤会安装")
        return Result(False, problems, built=built)
    try:
        pending = reprint.ReprintQueue.load(content).pending(codes)
    except reprint.ReprintQueueError as e:
        problems.extend(e.problems)
        return Result(False, problems, built=built)

    mode: PrintMode = (ReprintPacks.of(cat, pending, print_root(site, out)) if changed
                       else StationPacks(codes, pending, force, offline_only))
    setup = PrinterSetup(content, site, Path(out) if out else None, Path(config_file), test_print)
    results = run_jobs(mode, setup, cat, workers=jobs, quiet=quiet)
    return mode.result(results, problems, built, test_print)


def _station_codes(cat: Catalogue, codes: list[str] | None, content: Path, problems: Problems) -> list[str] | None:
    """The stations asked for, each once (None asked: all of them); None if one is unknown."""
    codes = list(cat.stations) if codes is None else list(dict.fromkeys(codes))
    unknown = [c for c in codes if c not in cat.stations]
    if unknown:
        problems.error(str(content), 1, "服务站", f"没有这些服务站：{'、'.join(unknown)}")
        return None
    return codes


def _current_site(cat: Catalogue, content: Path, site: Path, codes: list[str], problems: Problems, *,
                  config_file: Path, rebuild: bool, quiet: bool) -> tuple[bool, bool, Problems]:
    """Whether the stations' built pages are the content's current ones, a missing site (or with
    `rebuild`, a stale one) built first: (ok, built, the problems so far)."""
    from .build import build

    built = False
    stale = stale_pages(cat, site, codes)
    if stale and (rebuild or not (site / "index.html").is_file()):
        result = build(content, site, config_file=config_file, quiet=quiet)
        problems = result.problems
        if not result.ok:
            return False, False, problems
        built = True
        stale = stale_pages(cat, site, codes)
    if stale:
        shown = "、".join(stale[:5]) + ("等" if len(stale) > 5 else "")
        problems.error(str(site), 1, "网站",
                       f"已发布的网站与内容不一致（{len(stale)} 页：{shown}），打印出来会与网上不同；"
                       f"请先运行 guides build，或加 --build 重新生成后打印")
        return False, built, problems
    return True, built, problems


def summary(result: Result, site: Path, out: Path | None, stream=None) -> None:
    """What was printed, and which printed sheets on which boards are now out of date."""
    stream = stream or sys.stdout
    if result.built:
        print(f"网站 {site}/ 已先重新生成", file=stream)
    if result.changed:
        for pack in result.reprint:
            print(f"{pack['town']} {pack['name']}：{result.reprint_dir}/{pack['file']}"
                  f"（{len(pack['stations'])} 个服务站，{pack['pages']} 页）", file=stream)
        if not result.reprint:
            print("重印队列中没有待打印的材料", file=stream)
        else:
            n = sum(len(p["stations"]) for p in result.reprint)
            print(f"重印材料已生成：{len(result.reprint)} 个街道（镇），{n} 个服务站；"
                  f"每个服务站前有一页更换说明。" + ("这是试印（每页印有“试印”），重印队列未改动"
                  if result.test_print else "已从重印队列中移除（下次发布时记入发布记录）"), file=stream)
        return
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
