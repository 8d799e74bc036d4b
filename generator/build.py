"""Stage 5, build: write the planned, rendered pages, the shared assets and the search
indexes into a staging directory, then hand it to publish.

Runs the pages in parallel over the machine's cores (fork: the catalogue, the
theme shells and jieba's dictionary are set up once and shared by the workers).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import publish, search
from .engine import Engine
from .plan import Page, plan, stamps
from .problems import Problems
from .render import Renderer
from .validate import Catalogue, read_catalogue


@dataclass
class Result:
    ok: bool
    problems: Problems
    pages_written: int = 0
    pages_total: int = 0
    seconds: float = 0.0
    out: Path | None = None
    catalogue: Catalogue | None = None
    notes: list[str] = field(default_factory=list)


class Progress:
    """One updating line on a terminal; a few plain lines otherwise."""

    def __init__(self, total: int, label: str, stream=None):
        self.total, self.label, self.done = total, label, 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.next_report = 0.0
        self.start = time.monotonic()

    def advance(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now >= self.next_report or self.done >= self.total:
            self.next_report = now + (0.2 if self.tty else 10)
            pct = 100 * self.done // max(self.total, 1)
            line = f"{self.label} {self.done}/{self.total}（{pct}%）"
            print(("\r" + line) if self.tty else line, end="" if self.tty else "\n", file=self.stream, flush=True)
        if self.done >= self.total and self.tty:
            print(file=self.stream)


# Worker state: set before forking so children inherit it without pickling.
_STATE: dict = {}


def _write_pages(pages: list[Page]) -> int:
    renderer: Renderer = _STATE["renderer"]
    root: Path = _STATE["root"]
    for page in pages:
        target = root / page.path / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(renderer.render(page), encoding="utf-8")
    return len(pages)


def _chunks(pages: list[Page], size: int = 200) -> list[list[Page]]:
    return [pages[i:i + size] for i in range(0, len(pages), size)]


def build(content: Path, out: Path, *, config_file: Path = Path("mkdocs.yml"),
          stations: list[str] | None = None, jobs: int | None = None, quiet: bool = False) -> Result:
    started = time.monotonic()
    catalogue, problems = read_catalogue(content)
    if catalogue is None:
        return Result(False, problems)
    if stations:
        unknown = [s for s in stations if s not in catalogue.stations]
        if unknown:
            problems.error(str(content), 1, "--station", f"没有这些服务站：{'、'.join(unknown)}")
            return Result(False, problems)

    pages = plan(catalogue, stations)
    engine = Engine(config_file, catalogue.district.site_url)
    renderer = Renderer(catalogue, engine, stamps(catalogue, pages))
    search.prepare(catalogue.items)
    for kind in {p.kind for p in pages}:
        engine.shell(kind)  # render the theme once, before forking

    out = Path(out)
    staging = publish.staging_dir(out)
    try:
        _copy_assets(engine, staging)
        _write_search(catalogue, pages, staging)
        _render_all(renderer, pages, staging, jobs, quiet)
    except BaseException:
        publish.discard(staging)  # the published site stays as it was
        raise
    publish.swap_in(staging, out)
    return Result(True, problems, len(pages), len(pages), time.monotonic() - started, out, catalogue)


def _render_all(renderer: Renderer, pages: list[Page], root: Path, jobs: int | None, quiet: bool) -> None:
    _STATE.update(renderer=renderer, root=root)
    jobs = jobs or os.cpu_count() or 1
    progress = Progress(len(pages), "生成页面", stream=open(os.devnull, "w") if quiet else None)
    chunks = _chunks(pages)
    if jobs > 1 and len(chunks) > 1:
        with mp.get_context("fork").Pool(jobs) as pool:
            for n in pool.imap_unordered(_write_pages, chunks):
                progress.advance(n)
    else:
        for chunk in chunks:
            progress.advance(_write_pages(chunk))


def _copy_assets(engine: Engine, root: Path) -> None:
    """The theme's static files, once for the whole site (not per station)."""
    for src, dest in engine.assets():
        target = root / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)


def _write_search(cat: Catalogue, pages: list[Page], root: Path) -> None:
    documents = {code: search.document(item) for code, item in cat.items.items()}
    done = set()
    for page in pages:
        if page.kind != "station" or page.search_index in done:
            continue
        done.add(page.search_index)
        target = root / page.search_index
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(search.index_script(cat.station_items(page.station), documents), encoding="utf-8")
