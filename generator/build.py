"""Stage 5, build: write the planned pages, the shared assets and the search indexes
into a staging directory, then hand it to publish.

Incremental: the previous build's state (kept inside the published site, so it is
swapped in atomically with the pages it describes) records a digest of what each
page shows; only pages whose digest changed are rendered again; a change to
mkdocs.yml, theme/ or the generator changes every digest. District-level pages
(portal, item directory, district guides: ~50) have digests of what they are made
from too, and are written only if their bytes changed; search indexes have one per
item set. Pages and indexes render in parallel over the cores (fork: the catalogue
and the theme shells are set up once and shared).

Two copies of the site, A/B: a district site is ~14,000 files in ~14,000 directories
and copying or deleting that tree costs seconds of file-system calls, more than a
republish may take. So a second copy of the site is kept beside it (`.<out>.spare`),
sharing every file with it by hard links (no file of a site is ever modified in
place, only replaced). A republish renames the spare to the staging directory,
renders into it the pages whose digest differs from the spare's own state and swaps
it in (the site holds only what the build makes: `guides print` writes beside it, in
`print/`). The site it replaces becomes the next spare: the files this build wrote
or removed (its journal) are linked or removed there too, so it is again the same as
the published site. The work is proportional to what changed. A full build starts
from an empty staging directory and leaves a hard-link copy of its result as the
spare. A build killed at any moment leaves the published site as it was (a spare it
took is then a stale staging directory, removed by the next build, which makes a new
spare from the published site; the spare's state is always that of its own files).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import multiprocessing as mp
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from typing import Callable
from importlib.metadata import version
from pathlib import Path

from . import attachments, cms, dates, elsewhere, ledger, opendata, publish, pwa, report, reprint, search, sitemap, standard
from .engine import Engine
from .plan import Fingerprints, Page, plan, stamps
from .publish import STATE
from .problems import Problems
from .render import Renderer
from .validate import Catalogue, read_catalogue

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
    h.update(f"jieba {version('jieba')} lunr {version('lunr')} zxing-cpp {version('zxing-cpp')}".encode())
    files = sorted(p for p in GENERATOR_DIR.rglob("*") if p.suffix in (".py", ".html", ".js", ".css"))
    for p in [*files, *engine.fingerprint_inputs()]:
        h.update(str(p.name).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def write_file(path: Path, data: bytes, *, fresh: bool = False) -> None:
    """Replace a file without touching its old inode: staging shares inodes with the live site.
    `fresh`: the staging directory started empty, there is no old file to unlink."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not fresh:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
    path.write_bytes(data)


@dataclass
class Staging:
    """The directory a build writes into, and its journal of what changed there."""
    root: Path
    fresh: bool = False   # it started empty: no old file to unlink before writing
    journal: publish.Journal = field(default_factory=publish.Journal)

    def write(self, rel: str, data: bytes) -> None:
        write_file(self.root / rel, data, fresh=self.fresh)
        self.journal.written.append(rel)

    def write_if_changed(self, rel: str, data: bytes) -> bool:
        before = _read(self.root / rel)
        if before == data:
            return False
        write_file(self.root / rel, data, fresh=before is None)
        self.journal.written.append(rel)
        return True


@dataclass
class RenderJob:
    """What the page and index workers need, made in the main process before forking: the
    children inherit it with the fork (nothing is pickled), as their own worker-local state."""
    renderer: Renderer
    root: Path
    fresh: bool
    documents: dict[str, dict]

    def run(self, task: tuple) -> int:
        """One unit of parallel work: a search index, or a chunk of pages. Returns the pages written."""
        if task[0] == "index":
            _, name, codes = task
            cat = self.renderer.cat
            script = search.index_script([cat.items[c] for c in codes], self.documents, cat.district.elsewhere)
            write_file(self.root / name, script.encode("utf-8"), fresh=self.fresh)
            return 0
        for page in task[1]:
            write_file(self.root / page.path / "index.html", self.renderer.render(page).encode("utf-8"),
                       fresh=self.fresh)
        return len(task[1])


_WORKER_JOB: RenderJob | None = None  # set only inside a forked worker (worker_init)


def worker_init(job: RenderJob) -> None:
    """A page worker: its job, and it leaves quietly when the build is stopped. Ctrl+C reaches
    the whole process group, but only the main process decides (it stops the pool and says what
    happened); a worker whose main process was killed has no one to report to, so it prints no
    broken-pipe traceback. A task's own error still reaches the main process with its result."""
    import signal

    global _WORKER_JOB
    _WORKER_JOB = job
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stderr = open(os.devnull, "w")


def _worker_task(task: tuple) -> int:
    return _WORKER_JOB.run(task)


def _chunks(pages: list[Page], size: int) -> list[list[Page]]:
    return [pages[i:i + size] for i in range(0, len(pages), size)]


def _read_state(out: Path, code: str | None) -> dict | None:
    """The state of a built site; with `code`, only if that same code built it."""
    try:
        state = json.loads((out / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if code is None or state.get("code") == code else None


@contextlib.contextmanager
def _exclusive(out: Path):
    """One build at a time beside an output directory (its site and spare go together)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def build(content: Path, out: Path, *, config_file: Path = Path("mkdocs.yml"),
          stations: list[str] | None = None, jobs: int | None = None, quiet: bool = False,
          clean: bool = False, record: bool = True) -> Result:
    """`record`: this build is a publication, its changes go to the reprint queue and the history
    (content/); a preview (`guides serve`/`edit`, record=False) reports what changed since the last
    publication and leaves that report for the next one."""
    with _exclusive(Path(out).absolute()):
        return _build(content, out, config_file=config_file, stations=stations, jobs=jobs, quiet=quiet,
                      clean=clean, record=record)


def _build(content: Path, out: Path, *, config_file: Path, stations: list[str] | None, jobs: int | None,
           quiet: bool, clean: bool, record: bool) -> Result:
    started = time.monotonic()
    content, out = Path(content), Path(out)
    catalogue, problems = read_catalogue(content)
    if catalogue is None:
        return Result(False, problems)
    catalogue = dates.effective(catalogue, content)  # each guide's date follows its content
    if stations:
        unknown = [s for s in stations if s not in catalogue.stations]
        if unknown:
            problems.error(str(content), 1, "--station", f"没有这些服务站：{'、'.join(unknown)}")
            return Result(False, problems)
    # the reprint queue (content/reprint.yaml): a broken one stops the build before anything changes
    published = _read_state(out, None)  # what the public sees now, whichever code built it
    queue = reprint.open_for_build(content, published, out / "_admin/report.json", catalogue.offers, problems)
    if queue is None:
        return Result(False, problems)

    # the URL ledger: no published URL may silently disappear (a partial build may remove none)
    pages = plan(catalogue, stations) + elsewhere.pages(catalogue)  # /elsewhere/: from the catalogue, every build
    gone = (ledger.check_partial(content, catalogue, published, problems) if stations else
            ledger.check(content, catalogue, pages, problems, published))
    if problems.errors:
        return Result(False, problems)
    pages += gone

    engine = Engine(config_file, catalogue.district.site_url)
    code = code_version(engine)
    previous_state = None if (clean or not out.exists()) else _read_state(out, code)
    incremental = previous_state is not None or bool(stations and out.exists())
    fingerprints = Fingerprints(catalogue)
    page_stamps = stamps(catalogue, pages, fingerprints)
    digests = {p.path: hashlib.sha256((code + fingerprints.inputs(p)).encode()).hexdigest()[:16]
               for p in pages if p.kind in ("guide", "station")}
    old_digests = (previous_state or {}).get("digests", {})

    renderer = Renderer(catalogue, engine, page_stamps)
    for kind in {renderer.shell_for(p)[0] for p in pages} | {"admin"}:
        engine.shell(kind)  # render the theme once per kind, before forking

    staging = publish.staging_dir(out)
    spare = publish.spare_dir(out)
    for stale in out.parent.glob(f"{spare.name}-*"):
        shutil.rmtree(stale, ignore_errors=True)  # a spare being made when a build was killed
    from_spare = False
    try:
        # `base`: the state of what the staging directory already holds
        base = None
        if incremental:
            base = publish.take_spare(spare, staging, out, code, previous_state)
            from_spare = base is not None
            if not from_spare:  # no spare, or not the same as the published site: copy the published site
                publish.link_tree(out, staging, skip=("_admin",))  # (its three files are always rewritten)
                base = previous_state
        into = Staging(staging, fresh=not incremental)
        if not base:
            _copy_assets(engine, into)
        if not cms.bundle_files():
            problems.warning("node_modules/decap-cms", 1, "/admin/", cms.MISSING)
        indexes, index_digests = _plan_search(catalogue, pages, into, fingerprints, code,
                                              base if not stations else None)

        base_digests = (base or {}).get("digests", {})
        guides = [p for p in pages if p.kind in ("guide", "station")]
        stale = [p for p in guides if base_digests.get(p.path) != digests[p.path]]
        district = [p for p in pages if p.kind not in ("guide", "station")]
        written = [p.path for p in guides if old_digests.get(p.path) != digests[p.path]]
        _render_all(renderer, stale, staging, jobs, quiet, fresh=not incremental, indexes=indexes)
        into.journal.written += [p.path + "index.html" for p in stale] + [name for name, _ in indexes]
        district_digests = _district_digests(catalogue, district, fingerprints, code)
        written += _write_if_changed(renderer, district, into, published=out if from_spare else None,
                                     digests=district_digests, base=(base or {}).get("district", {}))
        into.write_if_changed("404.html", renderer.render_notfound().encode("utf-8"))  # Netlify's and serve's 404
        _write_root_files(into, pwa.files(renderer))  # manifest, service worker, offline page
        _write_root_files(into, sitemap.files(catalogue), owns=sitemap.OWNS)  # sitemap.xml (an index when large), robots.txt
        _write_root_files(into, attachments.site_files(catalogue.root, catalogue.items), owns=attachments.OWNS)  # files/
        _write_root_files(into, {search.PINYIN: search.pinyin_script(catalogue.items, catalogue.district.elsewhere)
                                    .encode("utf-8")})  # typo search by sound
        if base and not stations:
            _remove_unplanned(into, base, pages)
        side = _side_products(catalogue, fingerprints, code, into, renderer, content, (base or {}).get("side", {}))

        if previous_state is None and out.exists():
            # built by other code (or --clean): still what the public saw, so the report compares to it
            previous_state = _read_state(out, None)
        all_digests = {**old_digests, **digests} if stations else digests
        snapshot = report.snapshot(catalogue, page_stamps if not stations else
                                   {**(previous_state or {}).get("stamps", {}), **page_stamps})
        # the report compares with the last publication: previews carry its snapshot forward unchanged
        baseline = (previous_state or {}).get("snapshot")
        change = report.compare(baseline, snapshot, catalogue)
        change["pages_written"] = len(written)
        change["preview"] = not record  # the report page says the changes are still to be published
        built = reprint.now()
        queue.add(change, built, catalogue.offers)  # the report page shows the queue as it will be
        change["queue"] = reprint.view(queue, catalogue)
        _write_admin(into, renderer, change, {"code": code, "digests": all_digests, "built": built,
                                                 "stamps": snapshot["stamps"],
                                                 "snapshot": snapshot if record else baseline,
                                                 "published": built if record else
                                                 (previous_state or {}).get("published"),
                                                 "district": district_digests if not stations else
                                                 (previous_state or {}).get("district", {}),
                                                 # tombstones and redirects: removed once the ledger drops them
                                                 "kept": [p.path for p in pages if p.kind in ("tombstone", "redirect")]
                                                 if not stations else (previous_state or {}).get("kept", []),
                                                 "side": side},
                     {**((previous_state or {}).get("indexes", {}) if stations else {}), **index_digests})
        if not stations:
            ledger.record(content, catalogue, pages, engine, staging)
            into.journal.written.append("_redirects")
    except BaseException:
        publish.discard(staging)  # the published site stays as it was
        raise
    publish.swap_in_with_spare(staging, out, spare, keep_old=incremental, make_spare=not incremental,
                               journal=into.journal)
    if record:
        reprint.record_published(content, change, built, catalogue.offers, problems)  # only once published
        if not stations:
            dates.record(content, catalogue)
    return Result(True, problems, len(written), len(pages), time.monotonic() - started, out, catalogue,
                  written, not incremental, change)


def _render_all(renderer: Renderer, pages: list[Page], root: Path, jobs: int | None, quiet: bool,
                fresh: bool = False, indexes: list[tuple[str, list[str]]] = ()) -> None:
    """Write the pages and the search indexes, in parallel over the cores when there is enough work."""
    if not pages and not indexes:
        return
    documents: dict[str, dict] = {}
    if indexes:
        cat = renderer.cat
        search.prepare(cat.items, cat.district.elsewhere)  # loads jieba's dictionary (~0.5 s): only when an index is made
        for _, codes in indexes:
            for c in codes:
                if c not in documents:
                    documents[c] = search.document(cat.items[c])
    job = RenderJob(renderer, root, fresh, documents)
    jobs = jobs or os.cpu_count() or 1
    size = max(20, min(200, -(-len(pages) // (jobs * 4))))
    tasks = [("index", name, codes) for name, codes in indexes] + [("pages", c) for c in _chunks(pages, size)]
    progress = Progress(len(pages), "生成页面", stream=open(os.devnull, "w") if quiet or not pages else None)
    if jobs > 1 and len(pages) + 25 * len(indexes) > 100:
        with mp.get_context("fork").Pool(jobs, initializer=worker_init, initargs=(job,)) as pool:
            for n in pool.imap_unordered(_worker_task, tasks):
                progress.advance(n)
    else:
        for task in tasks:
            progress.advance(job.run(task))


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _district_digests(cat: Catalogue, pages: list[Page], fp: Fingerprints, code: str) -> dict[str, str]:
    """Digests of everything the portal, the item directory and the district guides are made
    from (a safe superset): the district, the items, the stations' public data, who offers what."""
    offers = json.dumps(cat.offers, sort_keys=True)
    everything = hashlib.sha256("\x1f".join([
        code, fp.district(), offers, *map(fp.item, cat.items), *map(fp.station, cat.stations)]).encode()).hexdigest()
    out = {}
    for page in pages:
        if page.kind in ("portal", "items"):
            out[page.path] = everything[:16]
        elif page.kind == "item":
            offering = [s for s, offered in cat.offers.items() if page.item in offered]
            out[page.path] = hashlib.sha256("\x1f".join([
                code, fp.district(), fp.item(page.item), *offering, *map(fp.station, offering)]).encode()).hexdigest()[:16]
    return out


def _write_if_changed(renderer: Renderer, pages: list[Page], into: Staging, published: Path | None = None,
                      digests: dict[str, str] | None = None, base: dict[str, str] | None = None) -> list[str]:
    """Write the pages whose bytes changed; the pages that differ from the published site
    (`published`, when the staging directory does not start as a copy of it). A page whose
    digest is the one of the page the staging directory holds is not even rendered."""
    digests, base = digests or {}, base or {}
    written = []
    for page in pages:
        digest = digests.get(page.path)
        if digest is not None and base.get(page.path) == digest and (into.root / page.path / "index.html").exists():
            continue
        data = renderer.render(page).encode("utf-8")
        before = _read(into.root / page.path / "index.html")
        into.write_if_changed(page.path + "index.html", data)
        if (before if published is None else _read(published / page.path / "index.html")) != data:
            written.append(page.path)
    return written


def _write_root_files(into: Staging, files: dict[str, bytes], owns: tuple[str, ...] = ()) -> None:
    """`owns`: glob patterns of files only this product makes; one it no longer makes is removed."""
    for name, data in files.items():
        into.write_if_changed(name, data)
    for pattern in owns:
        for path in sorted(into.root.glob(pattern)):
            rel = path.relative_to(into.root).as_posix()
            if rel not in files and not path.is_dir():
                into.journal.removed.append(rel)
                publish.remove_page(into.root, rel)


def _remove_unplanned(into: Staging, previous: dict, pages: list[Page]) -> None:
    planned = {p.path for p in pages}
    for path in [*previous.get("digests", {}), *previous.get("district", {}), *previous.get("kept", [])]:
        if path not in planned:
            into.journal.removed.append(path + "index.html")
            publish.remove_page(into.root, path + "index.html")


def _copy_assets(engine: Engine, into: Staging) -> None:
    """The theme's static files, once for the whole site (not per station)."""
    for src, dest in engine.assets():
        into.write(dest, Path(src).read_bytes())


@dataclass(frozen=True)
class SideProduct:
    """A product of the build beside the pages, declaring what it is made from: remade only
    when that changed since the site in the staging directory was built (a no-op build skips it)."""
    name: str
    reads: Callable[[Catalogue, Fingerprints, Path], str]   # its inputs, as text to digest
    write: Callable[[Catalogue, Staging, Renderer, Path], None]


def _everything(cat: Catalogue, fp: Fingerprints, content: Path) -> str:
    return "\x1f".join([fp.district(), json.dumps(cat.offers, sort_keys=True), *map(fp.item, cat.items),
                        *map(fp.station, cat.stations)])


def _write_editor(cat: Catalogue, into: Staging, renderer: Renderer, content: Path) -> None:
    """The web editor at /admin/ (generator/cms.py): files whose bytes changed."""
    for dest, src in cms.site_files(cat.district, prefix=cms.prefix(content)).items():
        into.write_if_changed(dest, src.read_bytes() if isinstance(src, Path) else src)


SIDE_PRODUCTS = (
    # data/: open data (JSON, CSV, schemas), only changed files
    SideProduct("opendata", _everything, lambda cat, into, r, c: opendata.write(cat, into.root, into.journal, write_file)),
    # _admin/standard/: the standardisation report; review deadlines move with the date
    SideProduct("standard", lambda cat, fp, c: _everything(cat, fp, c) + dt.date.today().isoformat(),
                lambda cat, into, r, c: standard.write(cat, into.root, r, into.journal, write_file)),
    # admin/: the editor's configuration follows the district and the model (in the code version)
    SideProduct("editor", lambda cat, fp, c: "\x1f".join([fp.district(), cms.prefix(c),
                                                         *(f"{p.name}:{p.stat().st_size}" for p in cms.bundle_files())]),
                _write_editor),
)


def _side_products(cat: Catalogue, fp: Fingerprints, code: str, into: Staging, renderer: Renderer,
                   content: Path, before: dict[str, str]) -> dict[str, str]:
    """Make the side products whose inputs changed; returns every product's input digest."""
    keys = {}
    for product in SIDE_PRODUCTS:
        keys[product.name] = hashlib.sha256((code + product.reads(cat, fp, content)).encode()).hexdigest()[:16]
        if before.get(product.name) != keys[product.name]:
            product.write(cat, into, renderer, content)
    return keys


def _plan_search(cat: Catalogue, pages: list[Page], into: Staging, fp: Fingerprints, code: str,
                 previous: dict | None) -> tuple[list[tuple[str, list[str]]], dict[str, str]]:
    """One index per distinct item set, (re)made only when an item in it changed: the indexes to
    make, and every index's digest. An index also depends on every item's name and aliases
    (jieba learns them all)."""
    wanted: dict[str, list[str]] = {}
    for page in pages:
        if page.kind == "station":
            wanted.setdefault(page.search_index, cat.offers[page.station])
    old = (previous or {}).get("indexes", {})
    words = hashlib.sha256(json.dumps([[[it.name, *it.aliases] for it in cat.items.values()],
                                       [e.model_dump() for e in cat.district.elsewhere]],
                                      ensure_ascii=False).encode()).hexdigest()
    new_digests = {}
    todo = []
    for name, codes in wanted.items():
        digest = hashlib.sha256((code + words + "".join(fp.item(c) for c in codes)).encode()).hexdigest()[:16]
        new_digests[name] = digest
        if old.get(name) != digest or not (into.root / name).exists():
            todo.append((name, codes))
    search_dir = into.root / "search"
    if search_dir.is_dir() and previous is not None:
        for f in search_dir.glob("*.js"):
            if f"search/{f.name}" not in wanted:
                f.unlink()
                into.journal.removed.append(f"search/{f.name}")
    return todo, new_digests


def _write_admin(into: Staging, renderer: Renderer, change: dict, state: dict, indexes: dict) -> None:
    state["indexes"] = indexes
    for rel, data in ((STATE, json.dumps(state, ensure_ascii=False, sort_keys=True)),
                      ("_admin/report.json", json.dumps(change, ensure_ascii=False, indent=1)),
                      ("_admin/index.html", renderer.render_admin(change))):
        write_file(into.root / rel, data.encode("utf-8"))
        into.journal.written.append(rel)
