"""Stage 5, build: write the planned pages, the shared assets and the search indexes
into a staging directory, then hand it to publish.

Incremental: the previous build's state (kept inside the published site, so it is
swapped in atomically with the pages it describes) records a digest of what each
page shows; only pages whose digest changed are rendered again; a change to
mkdocs.yml, theme/ or the generator changes every digest. District-level pages
(portal, item directory, district guides: ~50) are always rendered and written only
if their bytes changed. Pages render in parallel over the cores (fork: the
catalogue and the theme shells are set up once and shared).

Two copies of the site, A/B: a district site is ~14,000 files in ~14,000 directories
and copying or deleting that tree costs seconds of file-system calls, more than a
republish may take. So the site published before the current one is kept beside it
(`.<out>.spare`, sharing the files that did not change by hard links; no file is ever
modified in place, only replaced). A republish renames the spare to the staging
directory, brings it up to date from its own state (it lags one build behind: it
re-renders the pages whose digest differs from *its* digests), carries over files
other tools put into the published site (e.g. `<village>/print/`), and swaps it in;
the site it replaces becomes the next spare. The work is proportional to what changed.
A full build starts from an empty staging directory and leaves a hard-link copy of
its result as the spare. A build killed at any moment leaves the published site as
it was (the spare it took is a stale staging directory, removed by the next build,
which then makes a new spare from the published site).
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
# top-level entries of a site the build makes besides the pages' directories
BUILD_OWNED = frozenset({"index.html", "items", "assets", "search", "_admin", "_redirects"})


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


# Worker state: set before forking so children inherit it without pickling.
_STATE: dict = {}


def _write_pages(pages: list[Page]) -> int:
    renderer: Renderer = _STATE["renderer"]
    root: Path = _STATE["root"]
    fresh: bool = _STATE.get("fresh", False)
    for page in pages:
        write_file(root / page.path / "index.html", renderer.render(page).encode("utf-8"), fresh=fresh)
    return len(pages)


def _chunks(pages: list[Page], size: int) -> list[list[Page]]:
    return [pages[i:i + size] for i in range(0, len(pages), size)]


def _read_state(out: Path, code: str | None) -> dict | None:
    """The state of a built site; with `code`, only if that same code built it."""
    try:
        state = json.loads((out / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if code is None or state.get("code") == code else None


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
    digests = {p.path: hashlib.sha256((code + fingerprints.inputs(p)).encode()).hexdigest()[:16]
               for p in pages if p.kind in ("guide", "station")}
    old_digests = (previous_state or {}).get("digests", {})

    renderer = Renderer(catalogue, engine, page_stamps)
    for kind in {renderer.shell_for(p)[0] for p in pages} | {"admin"}:
        engine.shell(kind)  # render the theme once per kind, before forking

    staging = publish.staging_dir(out)
    spare = spare_dir(out)
    for stale in out.parent.glob(f"{spare.name}-*"):
        shutil.rmtree(stale, ignore_errors=True)  # a spare being made when a build was killed
    from_spare = False
    try:
        # `base`: the state of what the staging directory already holds
        if incremental and not stations:
            base = _take_spare(spare, staging, code)
            from_spare = base is not None
            if from_spare:
                _carry_over(out, staging, pages)
            else:
                link_tree(out, staging, skip=("_admin",))
                base = previous_state
        elif incremental:
            link_tree(out, staging)
            base = previous_state
        else:
            base = None
        if not base:
            _copy_assets(engine, staging, fresh=not incremental)
        _write_search(catalogue, pages, staging, fingerprints, code, base if not stations else None)

        base_digests = (base or {}).get("digests", {})
        guides = [p for p in pages if p.kind in ("guide", "station")]
        stale = [p for p in guides if base_digests.get(p.path) != digests[p.path]]
        district = [p for p in pages if p.kind not in ("guide", "station")]
        written = [p.path for p in guides if old_digests.get(p.path) != digests[p.path]]
        _render_all(renderer, stale, staging, jobs, quiet, fresh=not incremental)
        written += _write_if_changed(renderer, district, staging, published=out if from_spare else None)
        if base and not stations:
            _remove_unplanned(staging, base, pages)

        if previous_state is None and out.exists():
            # built by other code (or --clean): still what the public saw, so the report compares to it
            previous_state = _read_state(out, None)
        all_digests = {**old_digests, **digests} if stations else digests
        snapshot = report.snapshot(catalogue, page_stamps if not stations else
                                   {**(previous_state or {}).get("stamps", {}), **page_stamps})
        change = report.compare((previous_state or {}).get("snapshot"), snapshot, catalogue)
        change["pages_written"] = len(written)
        _write_admin(staging, renderer, change, {"code": code, "digests": all_digests,
                                                 "stamps": snapshot["stamps"], "snapshot": snapshot},
                     (previous_state or {}).get("indexes", {}) if stations else {})
        if not stations:
            (staging / "_redirects").unlink(missing_ok=True)  # may share its inode with the live site
            ledger.record(content, catalogue, pages, engine, staging)
    except BaseException:
        publish.discard(staging)  # the published site stays as it was
        raise
    _publish(staging, out, spare, keep_old=incremental and not stations, make_spare=not incremental)
    return Result(True, problems, len(written), len(pages), time.monotonic() - started, out, catalogue,
                  written, not incremental, change)


def _render_all(renderer: Renderer, pages: list[Page], root: Path, jobs: int | None, quiet: bool,
                fresh: bool = False) -> None:
    if not pages:
        return
    _STATE.update(renderer=renderer, root=root, fresh=fresh)
    jobs = jobs or os.cpu_count() or 1
    progress = Progress(len(pages), "生成页面", stream=open(os.devnull, "w") if quiet else None)
    if jobs > 1 and len(pages) > 400:
        with mp.get_context("fork").Pool(jobs) as pool:
            for n in pool.imap_unordered(_write_pages, _chunks(pages, 200)):
                progress.advance(n)
    else:
        for chunk in _chunks(pages, 200):
            progress.advance(_write_pages(chunk))


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _write_if_changed(renderer: Renderer, pages: list[Page], root: Path, published: Path | None = None) -> list[str]:
    """Write the pages whose bytes changed; the pages that differ from the published site
    (`published`, when the staging directory does not start as a copy of it)."""
    written = []
    for page in pages:
        data = renderer.render(page).encode("utf-8")
        target = root / page.path / "index.html"
        before = _read(target)
        if before != data:
            write_file(target, data, fresh=before is None)
        if (before if published is None else _read(published / page.path / "index.html")) != data:
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


def _copy_assets(engine: Engine, root: Path, fresh: bool = False) -> None:
    """The theme's static files, once for the whole site (not per station)."""
    for src, dest in engine.assets():
        write_file(root / dest, Path(src).read_bytes(), fresh=fresh)


# ------------------------------------------------------------------ A/B: the spare site


def spare_dir(out: Path) -> Path:
    return Path(out).parent / f".{Path(out).name}.spare"


def link_tree(src: Path, dst: Path, skip: tuple[str, ...] = ()) -> None:
    """Hard-link copy of a directory tree (directories made, files linked, no data copied);
    `skip`: top-level names left out."""
    os.makedirs(dst, exist_ok=True)
    todo = [(os.fspath(src), os.fspath(dst), True)]
    while todo:
        s, d, top = todo.pop()
        with os.scandir(s) as entries:
            for e in entries:
                if top and e.name in skip:
                    continue
                target = os.path.join(d, e.name)
                if e.is_dir(follow_symlinks=False):
                    os.mkdir(target)
                    todo.append((e.path, target, False))
                else:
                    os.link(e.path, target, follow_symlinks=False)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _take_spare(spare: Path, staging: Path, code: str) -> dict | None:
    """Move the spare site into the staging directory; its state, or None if there is no
    usable spare (none, or made by other code: then it is removed)."""
    state = _read_state(spare, code)
    if state is None:
        if spare.exists():
            shutil.rmtree(spare, ignore_errors=True)
        return None
    try:
        staging.rmdir()
        os.rename(spare, staging)
    except OSError:  # taken by a concurrent build
        staging.mkdir(exist_ok=True)
        return None
    return state


def _owned(pages: list[Page]) -> tuple[set[str], dict[str, set[str]]]:
    """The names the build makes at the top level, and inside each page's top-level directory."""
    top = set(BUILD_OWNED)
    second: dict[str, set[str]] = {}
    for p in pages:
        parts = p.path.strip("/").split("/") if p.path else []
        if not parts:
            continue
        top.add(parts[0])
        second.setdefault(parts[0], set()).add(parts[1] if len(parts) > 1 else "index.html")
    return top, second


def _foreign(root: Path, top: set[str], second: dict[str, set[str]]) -> set[str]:
    """Entries of a site, two levels deep, that the build does not make."""
    found = set()
    with os.scandir(root) as entries:
        for e in entries:
            if e.name not in top:
                found.add(e.name)
            elif e.name in second and e.is_dir(follow_symlinks=False):
                with os.scandir(e.path) as inner:
                    found.update(f"{e.name}/{i.name}" for i in inner if i.name not in second[e.name])
    return found


def _same(a: Path, b: Path) -> bool:
    """Same tree: same names, the files hard links of each other."""
    try:
        sa, sb = os.stat(a, follow_symlinks=False), os.stat(b, follow_symlinks=False)
    except FileNotFoundError:
        return not a.exists() and not b.exists()
    if a.is_dir() != b.is_dir():
        return False
    if not a.is_dir():
        return (sa.st_ino, sa.st_dev) == (sb.st_ino, sb.st_dev)
    names = sorted(os.listdir(a))
    return names == sorted(os.listdir(b)) and all(_same(a / n, b / n) for n in names)


def _carry_over(out: Path, staging: Path, pages: list[Page]) -> None:
    """Files other tools put into the published site (e.g. `guides print` into <village>/print/):
    the spare lags one build behind, so make them the same as in the published site."""
    top, second = _owned(pages)
    for rel in sorted(_foreign(out, top, second) | _foreign(staging, top, second)):
        a, b = out / rel, staging / rel
        if _same(a, b):
            continue
        if b.exists() or b.is_symlink():
            _remove(b)
        if a.is_dir() and not a.is_symlink():
            link_tree(a, b)
        elif a.exists() or a.is_symlink():
            os.link(a, b, follow_symlinks=False)


def _publish(staging: Path, out: Path, spare: Path, *, keep_old: bool, make_spare: bool) -> None:
    """Swap the staging directory in. `keep_old`: the site it replaces becomes the spare;
    `make_spare`: the spare is a hard-link copy of the new site."""
    old = None
    if not out.exists():
        os.rename(staging, out)
    elif publish._exchange(staging, out):
        old = staging  # now holds the previous site
    else:
        publish.swap_in(staging, out)  # no RENAME_EXCHANGE: two renames, the old site removed
    if old is not None:
        if keep_old:
            if spare.exists():
                shutil.rmtree(spare, ignore_errors=True)
            os.rename(old, spare)
        else:
            shutil.rmtree(old)
    if make_spare:
        if spare.exists():
            shutil.rmtree(spare, ignore_errors=True)
        tmp = spare.parent / f"{spare.name}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        link_tree(out, tmp)
        os.rename(tmp, spare)  # complete, or absent


def _write_search(cat: Catalogue, pages: list[Page], root: Path, fp: Fingerprints, code: str,
                  previous: dict | None) -> None:
    """One index per distinct item set; rebuilt only when an item in it changed."""
    prepared = False
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
        if not prepared:
            search.prepare(cat.items)  # loads jieba's dictionary (~1 s): only when an index is made
            prepared = True
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
