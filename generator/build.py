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
import fcntl
import hashlib
import json
import multiprocessing as mp
import os
import sys
import time
from dataclasses import astuple, dataclass, field
from pathlib import Path

from . import (attachments, cms, dates, elsewhere, hashes, ledger, publish, pwa, report, reprint, search, sideproducts,
               sitemap, unchanged)
from .engine import Engine
from .plan import Fingerprints, Page, plan, stamps
from .publish import STATE
from .staging import Staging, State, read_or_none, write_file
from .problems import Problem, Problems
from .render import Renderer
from .validate import Catalogue, read_catalogue

GUIDE_KINDS = ("guide", "station")  # pages rendered in parallel, one digest each; the rest are district pages


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
    skipped: bool = False  # nothing to do: the site already is what this build would make


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


@dataclass
class RenderJob:
    """What the page and index workers need, made in the main process before forking: the
    children inherit it with the fork (nothing is pickled), as their own worker-local state."""
    renderer: Renderer
    root: Path
    fresh: bool
    documents: dict[str, dict]
    mirror: Path | None = None  # the next spare, made as the pages are written (publish.Journal)

    def run(self, task: tuple) -> int:
        """One unit of parallel work: a search index, or a chunk of pages. Returns the pages written."""
        if task[0] == "index":
            _, name, codes = task
            cat = self.renderer.cat
            script = search.index_script([cat.items[c] for c in codes], self.documents, cat.district.elsewhere)
            self._write(name, script.encode("utf-8"))
            return 0
        for page in task[1]:
            self._write(page.path + "index.html", self.renderer.render(page).encode("utf-8"))
        return len(task[1])

    def _write(self, rel: str, data: bytes) -> None:
        write_file(self.root / rel, data, fresh=self.fresh)
        if self.mirror is not None:
            publish.mirror(self.root, self.mirror, rel)


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


@dataclass(frozen=True)
class Request:
    """What `guides build` was asked for. `stations`: a partial build of these only; `record`: a
    publication (its changes go to the reprint queue and the history), not a preview."""
    content: Path
    out: Path
    config_file: Path
    stations: list[str] | None
    jobs: int | None
    quiet: bool
    clean: bool
    record: bool

    @property
    def whole(self) -> bool:
        return not self.stations


def build(content: Path, out: Path, *, config_file: Path = Path("mkdocs.yml"),
          stations: list[str] | None = None, jobs: int | None = None, quiet: bool = False,
          clean: bool = False, record: bool = True) -> Result:
    """`record`: this build is a publication, its changes go to the reprint queue and the history
    (content/); a preview (`guides serve`/`edit`, record=False) reports what changed since the last
    publication and leaves that report for the next one."""
    request = Request(Path(content), Path(out), Path(config_file), stations or None, jobs, quiet, clean, record)
    with _exclusive(request.out.absolute()):
        return _build(request)


def _build(req: Request) -> Result:
    """The pipeline, top-down: load and check, plan, render into a staging directory, swap it in,
    record the publication. Each stage is a function below, in this order."""
    started = time.monotonic()
    publish.sweep(req.out)  # leftovers of a killed build
    before_read = unchanged.content_digest(req.content, recorded=False)  # before: an edit meanwhile is never lost
    loaded = _check(req)
    if loaded.catalogue is None or loaded.problems.errors:
        return Result(False, loaded.problems, catalogue=loaded.catalogue)
    if (skipped := _skip_if_unchanged(req, loaded, before_read, started)) is not None:
        return skipped
    _plan(req, loaded)
    if loaded.queue is None or loaded.problems.errors:
        return Result(False, loaded.problems, catalogue=loaded.catalogue)
    work = _prepare(req, loaded)
    into = _stage(req, work)
    try:
        made = _write_pages(req, loaded, work, into)
        made.side = _write_site_files(req, loaded, work, into)
        change, state = _report(req, loaded, work, made)
        _write_admin(into, work.renderer, change, state)
        if req.whole:
            ledger.record(req.content, loaded.catalogue, loaded.pages, work.engine, into.root)
            into.journal.written.append("_redirects")
    except BaseException:
        publish.discard(into.root)  # the published site stays as it was
        raise
    publish.swap_in_with_spare(into.root, req.out, publish.spare_dir(req.out), keep_old=work.incremental,
                               make_spare=not work.incremental, journal=into.journal)
    _record(req, loaded, work, change, state, before_read)
    return Result(True, loaded.problems, len(made.pages), len(loaded.pages), time.monotonic() - started, req.out,
                  loaded.catalogue, made.pages, not work.incremental, change)


@dataclass
class Loaded:
    """Checked and planned: the catalogue, what the public sees now and the pages to make."""
    catalogue: Catalogue | None
    problems: Problems
    published: State | None = None        # the published site's state, whichever code built it
    queue: reprint.Queue | None = None    # the reprint queue the build starts from
    pages: list[Page] = field(default_factory=list)
    checked: int = 0                      # problems found by the check; the build's own follow


def _check(req: Request) -> Loaded:
    """Load and check the content, as `guides check` does."""
    catalogue, problems = read_catalogue(req.content)
    if catalogue is None:
        return Loaded(None, problems)
    unknown = [s for s in req.stations or [] if s not in catalogue.stations]
    if unknown:
        problems.error(str(req.content), 1, "--station", f"没有这些服务站：{'、'.join(unknown)}")
    return Loaded(catalogue, problems, checked=len(problems))


def _plan(req: Request, loaded: Loaded) -> None:
    """What the public sees now, the reprint queue and the pages to make (the URL ledger's included)."""
    loaded.catalogue = cat = dates.effective(loaded.catalogue, req.content)  # each guide's date follows its content
    problems = loaded.problems
    # the reprint queue (content/reprint.yaml): a broken one stops the build before anything changes
    loaded.published = State.read(req.out)
    published = loaded.published.as_dict() if loaded.published else None
    loaded.queue = reprint.open_for_build(req.content, published, req.out / "_admin/report.json", cat.offers, problems)
    if loaded.queue is None:
        return
    # the URL ledger: no published URL may silently disappear (a partial build may remove none)
    pages = plan(cat, req.stations) + elsewhere.pages(cat)  # /elsewhere/: from the catalogue, every build
    gone = (ledger.check(req.content, cat, pages, problems, published) if req.whole else
            ledger.check_partial(req.content, cat, published, problems))
    loaded.pages = pages + gone


def _skip_if_unchanged(req: Request, loaded: Loaded, before_read: str, started: float) -> Result | None:
    """A whole build whose inputs are those of the site it would replace (generator/unchanged.py)
    is done: the site, queue and history stay as they are; the build's warnings are said again."""
    if not req.whole or req.clean:
        return None
    last = unchanged.same_as_last(req.out, req.content, req.config_file, req.record, before_read)
    if last is None:
        return None
    loaded.problems.extend(Problem(*w) for w in last.warnings)
    try:
        change = json.loads((req.out / "_admin/report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if req.record:  # the last build was this publication: nothing changed since
        change = {**report.unchanged(), "queue": change.get("queue", []), "preview": False}
    change["pages_written"] = 0
    return Result(True, loaded.problems, 0, last.pages, time.monotonic() - started, req.out,
                  loaded.catalogue, [], False, change, skipped=True)


@dataclass
class Work:
    """What this build renders with and compares against."""
    engine: Engine
    code: str                       # code_version: part of every digest
    previous: State | None          # the published site's state if this code built it (else a full build)
    incremental: bool
    fingerprints: Fingerprints
    stamps: dict[str, str]          # every page's version stamp
    digests: dict[str, str]         # station and guide pages: digest of their inputs
    renderer: Renderer
    inputs: unchanged.Inputs | None = None


def _prepare(req: Request, loaded: Loaded) -> Work:
    cat, pages = loaded.catalogue, loaded.pages
    engine = Engine(req.config_file, cat.district.site_url)
    code = unchanged.code_version(engine.config_file, engine.theme_dirs[0])
    previous = None if (req.clean or not req.out.exists()) else State.read(req.out, code)
    fingerprints = Fingerprints(cat)
    page_stamps = stamps(cat, pages, fingerprints)
    digests = {p.path: hashes.short(code + fingerprints.inputs(p), hashes.INPUTS) for p in pages if p.kind in GUIDE_KINDS}
    renderer = Renderer(cat, engine, page_stamps)
    for kind in {renderer.shell_for(p)[0] for p in pages} | {"admin"}:
        engine.shell(kind)  # render the theme once per kind, before forking
    return Work(engine, code, previous, previous is not None or bool(req.stations and req.out.exists()),
                fingerprints, page_stamps, digests, renderer)


def _stage(req: Request, work: Work) -> Staging:
    """The staging directory, holding the spare copy of the site when there is one (A/B), a hard-link
    copy of the published site otherwise, or nothing (a full build)."""
    staging, spare = publish.staging_dir(req.out), publish.spare_dir(req.out)
    if not work.incremental:
        into = Staging(staging, fresh=True)
        _copy_assets(work.engine, into)
        return into
    base = publish.take_spare(spare, staging, req.out, work.code, work.previous)
    if base is not None:
        return Staging(staging, base=base, from_spare=True)
    try:  # no spare, or not the same as the published site: copy the published site
        publish.link_tree(req.out, staging, skip=("_admin",))  # (its three files are always rewritten)
    except BaseException:
        publish.discard(staging)
        raise
    into = Staging(staging, base=work.previous)
    if not into.base:
        _copy_assets(work.engine, into)
    return into


@dataclass
class Made:
    """What the render stages made: the pages that differ from the published site, and the
    digests of inputs the new state records."""
    pages: list[str]
    indexes: dict[str, str]
    district: dict[str, str]
    side: dict[str, str] = field(default_factory=dict)


def _write_pages(req: Request, loaded: Loaded, work: Work, into: Staging) -> Made:
    """Station homes and guides whose digest differs from the staging copy's, with the search
    indexes, in parallel; then the district pages whose bytes changed."""
    cat, pages, base = loaded.catalogue, loaded.pages, into.base or State()
    if not cms.bundle_files():
        loaded.problems.warning("node_modules/decap-cms", 1, "/admin/", cms.MISSING)
    todo, index_digests = _plan_search(cat, pages, into, work.fingerprints, work.code,
                                       into.base if req.whole else None)
    guides = [p for p in pages if p.kind in GUIDE_KINDS]
    stale = [p for p in guides if base.digests.get(p.path) != work.digests[p.path]]
    old = work.previous.digests if work.previous else {}
    written = [p.path for p in guides if old.get(p.path) != work.digests[p.path]]
    _render_all(work.renderer, stale, into.root, req.jobs, req.quiet, fresh=into.fresh, indexes=todo, journal=into.journal)
    into.journal.written += [p.path + "index.html" for p in stale] + [name for name, _ in todo]
    district = [p for p in pages if p.kind not in GUIDE_KINDS]
    district_digests = _district_digests(cat, district, work.fingerprints, work.code)
    written += _write_if_changed(work.renderer, district, into, published=req.out if into.from_spare else None,
                                 digests=district_digests, base=base.district)
    return Made(written, index_digests, district_digests)


def _write_site_files(req: Request, loaded: Loaded, work: Work, into: Staging) -> dict[str, str]:
    """Files beside the pages: 404, offline (PWA), sitemap, attachments, typo search; pages no
    longer planned removed; the side products whose inputs changed (returns their digests)."""
    cat, renderer = loaded.catalogue, work.renderer
    into.write_if_changed("404.html", renderer.render_notfound().encode("utf-8"))  # Netlify's and serve's 404
    _write_root_files(into, pwa.files(renderer))  # manifest, service worker, offline page
    _write_root_files(into, sitemap.files(cat), owns=sitemap.OWNS)  # sitemap.xml (an index when large), robots.txt
    _write_root_files(into, attachments.site_files(cat.root, cat.items), owns=attachments.OWNS)  # files/
    _write_root_files(into, {search.PINYIN: search.pinyin_script(cat.items, cat.district.elsewhere)
                             .encode("utf-8")})  # typo search by sound
    if into.base and req.whole:
        _remove_unplanned(into, into.base, loaded.pages)
    return sideproducts.make(cat, work.fingerprints, work.code, into, renderer, req.content, (into.base or State()).side)


def _report(req: Request, loaded: Loaded, work: Work, made: Made) -> tuple[dict, State]:
    """The change report since the last publication, and the new site's state."""
    cat, last = loaded.catalogue, loaded.published or State()
    snapshot = report.snapshot(cat, work.stamps if req.whole else {**last.stamps, **work.stamps})
    # the report compares with the last publication: previews carry its snapshot forward unchanged
    baseline = loaded.published.snapshot if loaded.published else None
    change = report.compare(baseline, snapshot, cat)
    change["pages_written"] = len(made.pages)
    change["preview"] = not req.record  # the report page says the changes are still to be published
    built = reprint.now()
    loaded.queue.add(change, built, cat.offers)  # the report page shows the queue as it will be
    change["queue"] = reprint.view(loaded.queue, cat)
    old = work.previous.digests if work.previous else {}
    state = State(
        code=work.code, built=built, stamps=snapshot["stamps"],
        digests=work.digests if req.whole else {**old, **work.digests},
        snapshot=snapshot if req.record else baseline,
        published=built if req.record else last.published,
        district=made.district if req.whole else last.district,
        # tombstones and redirects: removed once the ledger drops them
        kept=[p.path for p in loaded.pages if p.kind in ("tombstone", "redirect")] if req.whole else last.kept,
        side=made.side,
        indexes={**(last.indexes if not req.whole else {}), **made.indexes})
    return change, state


def _record(req: Request, loaded: Loaded, work: Work, change: dict, state: State, before_read: str) -> None:
    """Once the site is out: a publication goes to the reprint queue, the history and the dates;
    a whole build leaves its receipt (what it read), so that the same build again is skipped."""
    cat, problems = loaded.catalogue, loaded.problems
    if req.record:
        reprint.record_published(req.content, change, state.built, cat.offers, problems)  # only once published
        if req.whole:
            dates.record(req.content, cat)
    if req.whole:
        inputs = unchanged.Inputs.of(before_read, req.config_file, work.engine.theme_dirs[0], req.record, req.content)
        unchanged.record(req.out, inputs, req.content, len(loaded.pages),
                         [astuple(p) for p in problems[loaded.checked:] if p.level == "warning"])


def _render_all(renderer: Renderer, pages: list[Page], root: Path, jobs: int | None, quiet: bool,
                fresh: bool = False, indexes: list[tuple[str, list[str]]] = (),
                journal: publish.Journal | None = None) -> None:
    """Write the pages and the search indexes, in parallel over the cores when there is enough work;
    `journal`: a full build's, whose next spare the workers make as they go (publish.Journal.mirror)."""
    if not pages and not indexes:
        return
    mirror = journal.mirror if journal is not None else None
    if mirror is not None:
        mirror.mkdir()
        journal.mirrored.update([p.path + "index.html" for p in pages] + [name for name, _ in indexes])
    documents: dict[str, dict] = {}
    if indexes:
        cat = renderer.cat
        search.prepare(cat.items, cat.district.elsewhere)  # loads jieba's dictionary (~0.5 s): only when an index is made
        for _, codes in indexes:
            for c in codes:
                if c not in documents:
                    documents[c] = search.document(cat.items[c])
    job = RenderJob(renderer, root, fresh, documents, mirror)
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


def _district_digests(cat: Catalogue, pages: list[Page], fp: Fingerprints, code: str) -> dict[str, str]:
    """Digests of everything the portal, the item directory and the district guides are made
    from (a safe superset): the district, the items, the stations' public data, who offers what."""
    offers = json.dumps(cat.offers, sort_keys=True)
    everything = hashes.short("\x1f".join([
        code, fp.district(), offers, *map(fp.item, cat.items), *map(fp.station, cat.stations)]), hashes.INPUTS)
    out = {}
    for page in pages:
        if page.kind in ("portal", "items"):
            out[page.path] = everything
        elif page.kind == "item":
            offering = [s for s, offered in cat.offers.items() if page.item in offered]
            out[page.path] = hashes.short("\x1f".join([
                code, fp.district(), fp.item(page.item), *offering, *map(fp.station, offering)]), hashes.INPUTS)
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
        before = read_or_none(into.root / page.path / "index.html")
        into.write_if_changed(page.path + "index.html", data)
        if (before if published is None else read_or_none(published / page.path / "index.html")) != data:
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


def _remove_unplanned(into: Staging, previous: State, pages: list[Page]) -> None:
    planned = {p.path for p in pages}
    for path in [*previous.digests, *previous.district, *previous.kept]:
        if path not in planned:
            into.journal.removed.append(path + "index.html")
            publish.remove_page(into.root, path + "index.html")


def _copy_assets(engine: Engine, into: Staging) -> None:
    """The theme's static files, once for the whole site (not per station)."""
    for src, dest in engine.assets():
        into.write(dest, Path(src).read_bytes())


def _plan_search(cat: Catalogue, pages: list[Page], into: Staging, fp: Fingerprints, code: str,
                 previous: State | None) -> tuple[list[tuple[str, list[str]]], dict[str, str]]:
    """One index per distinct item set, (re)made only when an item in it changed: the indexes to
    make, and every index's digest. An index also depends on every item's name and aliases
    (jieba learns them all)."""
    wanted: dict[str, list[str]] = {}
    for page in pages:
        if page.kind == "station":
            wanted.setdefault(page.search_index, cat.offers[page.station])
    old = previous.indexes if previous else {}
    words = hashlib.sha256(json.dumps([[[it.name, *it.aliases] for it in cat.items.values()],
                                       [e.model_dump() for e in cat.district.elsewhere]],
                                      ensure_ascii=False).encode()).hexdigest()
    new_digests = {}
    todo = []
    for name, codes in wanted.items():
        digest = hashes.short(code + words + "".join(fp.item(c) for c in codes), hashes.INPUTS)
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


def _write_admin(into: Staging, renderer: Renderer, change: dict, state: State) -> None:
    for rel, data in ((STATE, state.dumps()),
                      ("_admin/report.json", json.dumps(change, ensure_ascii=False, indent=1)),
                      ("_admin/index.html", renderer.render_admin(change))):
        write_file(into.root / rel, data.encode("utf-8"))
        into.journal.written.append(rel)
