"""Stage 6, publish: swap a completely built site into place in one atomic step, and keep
the spare copy (A/B) that makes the next republish cheap.

A build writes into a staging directory beside the output. Only when it is
complete is it exchanged with the published directory (Linux renameat2 with
RENAME_EXCHANGE: at every instant the output path holds either the old complete
site or the new one). A build killed at any moment leaves the old site as it was;
its half-written staging directory is removed by the next build.

A tree no longer needed (the site just replaced, a stale spare, a killed build's staging
directory) is renamed away at once and deleted by a detached process (`remove_later`): a
district site is ~23,000 files in ~23,000 directories, seconds of unlink/rmdir that nobody needs
to wait for. A deletion killed halfway leaves a `.<out>.trash-*` directory; the next build
sweeps it the same way.
"""
from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

STATE = "_admin/state.json"  # a built site's state (generator/build.py), swapped in with it

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def sweep(out: Path) -> None:
    """Remove what a killed build left beside the site: its staging directory, a spare being made,
    trash whose deletion was killed (one still running keeps its lock: skipped), in the background."""
    out = Path(out)
    remove_later(out, *out.parent.glob(f".{out.name}.staging-*"), *out.parent.glob(f"{spare_dir(out).name}-*"))
    _delete_detached(sorted(out.parent.glob(f".{out.name}.trash-*")))


_TRASH = itertools.count()

# each tree deleted by its own `rm -rf`, under a lock on the tree so that a sweep never starts a
# second deletion of a tree one is already deleting; `sh` exits at once, the deletions run on
# detached (their own session: a Ctrl+C to the build does not stop them halfway)
_REMOVE = 'for d; do flock -n "$d" rm -rf -- "$d" </dev/null >/dev/null 2>&1 & done'


def remove_later(out: Path, *trees: Path) -> None:
    """Delete directory trees beside `out` without waiting: each is renamed to a trash name
    (one rename, so its old name is free at once) and removed by a detached process."""
    out = Path(out)
    moved = []
    for tree in trees:
        trash = out.parent / f".{out.name}.trash-{os.getpid()}-{next(_TRASH)}"
        try:
            os.rename(tree, trash)
        except FileNotFoundError:
            continue
        moved.append(trash)
    _delete_detached(moved)


def _delete_detached(trees: list[Path]) -> None:
    if not trees:
        return
    try:
        subprocess.run(["sh", "-c", _REMOVE, "sh", *map(os.fspath, trees)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, check=True)
    except (OSError, subprocess.CalledProcessError):  # no sh/flock/rm: delete here and now
        for tree in trees:
            shutil.rmtree(tree, ignore_errors=True)


def staging_dir(out: Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    staging.mkdir()
    return staging


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def swap_in(staging: Path, out: Path) -> None:
    out = Path(out)
    if not out.exists():
        os.rename(staging, out)
        return
    if exchange(staging, out):
        remove_later(out, staging)  # now holds the previous site
        return
    # Filesystems without RENAME_EXCHANGE: two renames, the old site kept until the new is in place.
    old = out.parent / f".{out.name}.staging-old-{os.getpid()}"
    os.rename(out, old)
    os.rename(staging, out)
    remove_later(out, old)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)  # a failed build: nothing left behind when it says so


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


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def take_spare(spare: Path, staging: Path, out: Path, code: str, published: dict | None) -> dict | None:
    """Move the spare site into the staging directory; its state, or None if there is no
    usable spare: none, made by other code, or not the same as the published site (the last
    build that published keeps the spare's state file a hard link of the published one, whose
    state, `published`, is then also the spare's)."""
    state = None
    try:
        a, b = os.stat(spare / STATE), os.stat(out / STATE)
        if (a.st_ino, a.st_dev) == (b.st_ino, b.st_dev):
            state = published
    except OSError:
        pass
    if state is None:
        remove_later(out, spare)
        return None
    try:
        staging.rmdir()
        os.rename(spare, staging)
    except OSError:  # taken by a concurrent build
        staging.mkdir(exist_ok=True)
        return None
    return state


def remove_page(root: Path, rel: str) -> None:
    """Remove a page's file, and its directory and its station's if that leaves them empty."""
    target = root / rel
    target.unlink(missing_ok=True)
    for d in (target.parent, target.parent.parent):
        if d != root and d.is_dir() and not any(d.iterdir()):
            d.rmdir()


@dataclass
class Journal:
    """What a build changed in its staging directory, site-relative (generator/build.py), replayed
    onto the spare copy after the swap so the spare matches the new site without a full copy.

    A full build makes the next spare as it goes (`mirror`): the page workers link each page
    they write into it (`mirrored`: what they linked), so that the spare costs the cores' spare
    time instead of a hard-link copy of the whole site after the swap; the files the build
    writes outside the workers are linked from the journal at the swap."""
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    mirror: Path | None = None
    mirrored: set[str] = field(default_factory=set)


def mirror_dir(staging: Path) -> Path:
    """Where a full build makes the next spare: `.<out>.spare-<pid>` (swept if the build dies)."""
    return staging.with_name(staging.name.replace(".staging-", ".spare-", 1))


def mirror(root: Path, spare: Path, rel: str) -> None:
    """Link the file `rel` of the staging directory into the spare being made."""
    target = os.path.join(spare, rel)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    os.link(os.path.join(root, rel), target)


def _finish_mirror(out: Path, journal: Journal) -> Path | None:
    """The spare a full build made as it went, completed from its journal; None if it cannot be
    (then the caller copies the published site, the slow way)."""
    tmp = journal.mirror
    if tmp is None or not tmp.is_dir():
        return None
    try:
        for rel in dict.fromkeys(journal.written):
            if rel not in journal.mirrored:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp / rel)  # written twice in this build: the last version counts
                mirror(out, tmp, rel)
    except OSError:
        remove_later(out, tmp)
        return None
    return tmp


def sync(site: Path, new: Path, journal: Journal) -> None:
    """Make `site` (the site just replaced) the same as `new` (the site just published) by
    replaying the build's journal: what it removed is removed, what it wrote is linked."""
    for rel in journal.removed:
        if rel.startswith("search/"):
            (site / rel).unlink(missing_ok=True)
        else:
            remove_page(site, rel)
    for rel in dict.fromkeys(journal.written):
        target = site / rel
        try:
            target.unlink()
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
        os.link(new / rel, target)


def swap_in_with_spare(staging: Path, out: Path, spare: Path, *, keep_old: bool, make_spare: bool,
                       journal: Journal) -> None:
    """Swap the staging directory in. `keep_old`: the site it replaces becomes the spare, made the
    same as the new one from the journal; `make_spare`: the spare is a hard-link copy of the new site."""
    old = None
    if not out.exists():
        os.rename(staging, out)
    elif exchange(staging, out):
        old = staging  # now holds the previous site
    else:  # no RENAME_EXCHANGE: two renames, the old site kept until the new one is in place
        old = staging.parent / f"{staging.name}-old"
        os.rename(out, old)
        os.rename(staging, out)
    if old is not None:
        if keep_old:
            sync(old, out, journal)
            remove_later(out, spare)
            os.rename(old, spare)
        else:
            remove_later(out, old)
    if make_spare:
        tmp = _finish_mirror(out, journal)
        if tmp is None:
            tmp = spare.parent / f"{spare.name}-{os.getpid()}"
            remove_later(out, tmp)
            link_tree(out, tmp)
        remove_later(out, spare)
        os.rename(tmp, spare)  # complete, or absent
