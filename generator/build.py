"""Stage 5, build: write the planned pages, the shared assets and the search indexes
into a staging directory, then hand it to publish.

Incremental: the previous build's state (kept inside the published site, so it is
swapped in atomically with the pages it describes) records a digest of what each
page shows. The staging directory starts as a hard-link copy of the published site
and only pages whose digest changed are rendered again; a change to mkdocs.yml,
theme/ or the generator changes every digest. District-level pages (portal, item
directory, district guides: ~50) are always rendered and written only if their
bytes changed. Pages render in parallel over the cores (fork: the catalogue, the
theme shells and jieba's dictionary are set up once and shared).
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from . import ledger, publish, report, search
from .engine import Engine
from .plan import Fingerprints, Page, plan, stamps
from .problems import Problems
from .render import Renderer
from .validate import Catalogue, read_catalogue

STATE = "_admin/state.json"
GENERATOR_DIR = Path(__file__).parent


@dataclass
class Result:
    ok: bool
    problems: Problems
    pages_written: int = 0
    pages_total: int = 0
    seconds: float = 0.0
    out: Path | None = None
    catalogue: Catalogue | None = None
    written: list[str] = field(default_factory=list)
    full: bool = True
    report: dict | None = None


class Progress:
    """One updating line on a terminal; a few plain lines otherwise."""

    def __init__(self, total: int, label: str, stream=None):
        self.total, self.label, self.done = total, label, 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.next_report = 0.0

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


def code_version(engine: Engine) -> str:
    """Digest of everything besides content that shapes the output: a change rebuilds all."""
    h = hashlib.sha256(engine.versions().encode())
    h.update(f"jieba {version('jieba')} lunr {version('lunr')} segno {version('segno')}".encode())
    files = sorted(p for p in GENERATOR_DIR.rglob("*") if p.suffix in (".py", ".html", ".js", ".css"))
    for p in [*files, *engine.fingerprint_inputs()]:
        h.update(str(p.name).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def write_file(path: Path, data: bytes) -> None:
    """Replace a file without touching its old inode: staging shares inodes with the live site."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    path.write_bytes(data)


# Worker state: set before forking so children inherit it without pickling.
_STATE: dict = {}


def _write_pages(pages: list[Page]) -> int:
    renderer: Renderer = _STATE["renderer"]
    root: Path = _STATE["root"]
    for page in pages:
        write_file(root / page.path / "index.html", renderer.render(page).encode("utf-8"))
    return len(pages)


def _chunks(pages: list[Page], size: int) -> list[list[Page]]:
    return [pages[i:i + size] for i in range(0, len(pages), size)]


def _read_state(out: Path, code: str) -> dict | None:
    try:
        state = json.loads((out / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if state.get("code") == code else None


def build(content: Path, out: Path, *, config_file: Path = Path("mkdocs.yml"),
          stations: list[str] | None = None, jobs: int | None = None, quiet: bool = False,
          clean: bool = False) -> Result:
    started = time.monotonic()
    content, out = Path(content), Path(out)
    catalogue, problems = read_catalogue(content)
    if catalogue is None:
        return Result(False, problems)
    if stations:
        unknown = [s for s in stations if s not in catalogue.stations]
        if unknown:
            problems.error(str(content), 1, "--station", f"没有这些服务站：{'、'.join(unknown)}")
            return Result(False, problems)

    # the URL ledger: no published URL may silently disappear (whole-site builds only)
    pages = plan(catalogue, stations)
    gone = [] if stations else ledger.check(content, catalogue, pages, problems)
    if problems.errors:
        return Result(False, problems)
    pages += gone

    engine = Engine(config_file, catalogue.district.site_url)
    code = code_version(engine)
    previous_state = None if (clean or not out.exists()) else _read_state(out, code)
    incremental = previous_state is not None or bool(stations and out.exists())
    fingerprints = Fingerprints(catalogue)
    page_stamps = stamps(catalogue, pages, fingerprints)
    digests = {p.path: hashlib.sha256((code + fingerprints.shown(p)).encode()).hexdigest()[:16]
               for p in pages if p.kind in ("guide", "station")}
    old_digests = (previous_state or {}).get("digests", {})

    renderer = Renderer(catalogue, engine, page_stamps)
    for kind in {renderer.shell_for(p)[0] for p in pages} | {"admin"}:
        engine.shell(kind)  # render the theme once per kind, before forking

    staging = publish.staging_dir(out)
    try:
        if incremental:
            shutil.copytree(out, staging, copy_function=os.link, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("_admin") if not stations else None)
        if not previous_state:
            _copy_assets(engine, staging)
        search.prepare(catalogue.items)
        _write_search(catalogue, pages, staging, fingerprints, code, previous_state if not stations else None)

        stale = [p for p in pages if p.kind in ("guide", "station") and old_digests.get(p.path) != digests[p.path]]
        district = [p for p in pages if p.kind not in ("guide", "station")]
        written = [p.path for p in stale]
        _render_all(renderer, stale, staging, jobs, quiet)
        written += _write_if_changed(renderer, district, staging)
        if previous_state and not stations:
            _remove_unplanned(staging, previous_state, pages)

        if stations and previous_state is None and (out / STATE).exists():
            previous_state = json.loads((out / STATE).read_text(encoding="utf-8"))
        all_digests = {**old_digests, **digests} if stations else digests
        snapshot = report.snapshot(catalogue, page_stamps if not stations else
                                   {**(previous_state or {}).get("stamps", {}), **page_stamps})
        change = report.compare((previous_state or {}).get("snapshot"), snapshot, catalogue)
        change["pages_written"] = len(written)
        _write_admin(staging, renderer, change, {"code": code, "digests": all_digests,
                                                 "stamps": snapshot["stamps"], "snapshot": snapshot},
                     (previous_state or {}).get("indexes", {}) if stations else {})
        if not stations:
            ledger.record(content, catalogue, pages, engine, staging)
    except BaseException:
        publish.discard(staging)  # the published site stays as it was
        raise
    publish.swap_in(staging, out)
    return Result(True, problems, len(written), len(pages), time.monotonic() - started, out, catalogue,
                  written, not incremental, change)


def _render_all(renderer: Renderer, pages: list[Page], root: Path, jobs: int | None, quiet: bool) -> None:
    if not pages:
        return
    _STATE.update(renderer=renderer, root=root)
    jobs = jobs or os.cpu_count() or 1
    progress = Progress(len(pages), "生成页面", stream=open(os.devnull, "w") if quiet else None)
    if jobs > 1 and len(pages) > 400:
        with mp.get_context("fork").Pool(jobs) as pool:
            for n in pool.imap_unordered(_write_pages, _chunks(pages, 200)):
                progress.advance(n)
    else:
        for chunk in _chunks(pages, 200):
            progress.advance(_write_pages(chunk))


def _write_if_changed(renderer: Renderer, pages: list[Page], root: Path) -> list[str]:
    written = []
    for page in pages:
        data = renderer.render(page).encode("utf-8")
        target = root / page.path / "index.html"
        if not target.exists() or target.read_bytes() != data:
            write_file(target, data)
            written.append(page.path)
    return written


def _remove_unplanned(root: Path, previous: dict, pages: list[Page]) -> None:
    planned = {p.path for p in pages}
    for path in previous.get("digests", {}):
        if path not in planned:
            target = root / path / "index.html"
            target.unlink(missing_ok=True)
            for d in (target.parent, target.parent.parent):
                if d != root and d.is_dir() and not any(d.iterdir()):
                    d.rmdir()


def _copy_assets(engine: Engine, root: Path) -> None:
    """The theme's static files, once for the whole site (not per station)."""
    for src, dest in engine.assets():
        write_file(root / dest, Path(src).read_bytes())


def _write_search(cat: Catalogue, pages: list[Page], root: Path, fp: Fingerprints, code: str,
                  previous: dict | None) -> None:
    """One index per distinct item set; rebuilt only when an item in it changed."""
    wanted: dict[str, list[str]] = {}
    for page in pages:
        if page.kind == "station":
            wanted.setdefault(page.search_index, cat.offers[page.station])
    old = (previous or {}).get("indexes", {})
    documents: dict[str, dict] = {}
    new_digests = {}
    for name, codes in wanted.items():
        digest = hashlib.sha256((code + "".join(fp.item(c) for c in codes)).encode()).hexdigest()[:16]
        new_digests[name] = digest
        if old.get(name) == digest and (root / name).exists():
            continue
        for c in codes:
            if c not in documents:
                documents[c] = search.document(cat.items[c])
        write_file(root / name, search.index_script([cat.items[c] for c in codes], documents).encode("utf-8"))
    search_dir = root / "search"
    if search_dir.is_dir() and previous is not None:
        for f in search_dir.glob("*.js"):
            if f"search/{f.name}" not in wanted:
                f.unlink()
    _STATE["indexes"] = new_digests


def _write_admin(root: Path, renderer: Renderer, change: dict, state: dict, old_indexes: dict) -> None:
    state["indexes"] = {**old_indexes, **_STATE.get("indexes", {})}
    write_file(root / STATE, json.dumps(state, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    write_file(root / "_admin/report.json", json.dumps(change, ensure_ascii=False, indent=1).encode("utf-8"))
    write_file(root / "_admin/index.html", renderer.render_admin(change).encode("utf-8"))
