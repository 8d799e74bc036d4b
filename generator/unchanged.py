"""A build whose inputs are those of the site it would replace changes nothing: skip it.

What a build makes is a function of what it reads: the content directory, the code that
renders it (the generator, mkdocs.yml, the theme overrides, the pinned packages), the
editor bundle, the day (review deadlines move with it) and whether it is a publication or a
preview. After every whole build a receipt beside the site (`.<out>.receipt.json`, like the
spare `.<out>.spare`) records a digest of those inputs and which site it describes (the
state file's inode: any later build, whatever code made it, replaces that file). A build
that finds the same inputs and the same site is done once the content is checked: the
site, the reprint queue and the history stay exactly as they are.

Content is digested before it is read, so an edit made while a build runs always makes
the next build a real one. The files a build records into the content itself (the queue,
the history, the ledgers of URLs and dates) are digested apart, after they are recorded:
the receipt expects them as this build left them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

from . import cms, dates, ledger, reprint
from .engine import Engine, fingerprint_inputs
from .files import atomic_write
from .publish import STATE

GENERATOR_DIR = Path(__file__).parent
# besides the engine's: the packages whose output the site carries (segmentation, index, QR, pinyin)
PACKAGES = ("jieba", "lunr", "zxing-cpp", "pypinyin")
RECORDED = (reprint.QUEUE, reprint.HISTORY, ledger.LEDGER, dates.LEDGER)  # written by the build itself


def code_version(config_file: Path, theme_dir: Path) -> str:
    """Digest of everything besides content that shapes the output: the generator's own files,
    the config, the theme overrides and the packages. A change rebuilds every page."""
    h = hashlib.sha256((Engine.versions() + " " + " ".join(f"{p} {version(p)}" for p in PACKAGES)).encode())
    own = sorted(p for p in GENERATOR_DIR.rglob("*") if p.suffix in (".py", ".html", ".js", ".css"))
    for p in [*own, *fingerprint_inputs(config_file, theme_dir)]:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def content_digest(content: Path, *, recorded: bool) -> str:
    """The content's files by path and bytes: the administrators' (`recorded` False) or the
    ones the build records into it (True)."""
    h = hashlib.sha256()
    root = Path(content)
    for top in sorted(os.listdir(root)) if root.is_dir() else []:
        if (top in RECORDED) != recorded or top.startswith("."):
            continue
        path = root / top
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            h.update(f.relative_to(root).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def today() -> str:
    return dt.date.today().isoformat()


def editor_inputs(content: Path) -> str:
    return "\x1f".join([cms.prefix(content), *(f"{p.name}:{p.stat().st_size}" for p in cms.bundle_files())])


def receipt_path(out: Path) -> Path:
    return Path(out).parent / f".{Path(out).name}.receipt.json"


def _site(out: Path) -> list[int] | None:
    """Which site `out` holds: its state file's identity (a new one with every build)."""
    try:
        s = os.stat(Path(out) / STATE)
    except OSError:
        return None
    return [s.st_dev, s.st_ino, s.st_mtime_ns, s.st_size]


@dataclass(frozen=True)
class Inputs:
    """What a whole build reads besides the recorded files, digested before it reads them."""
    content: str
    code: str
    day: str
    record: bool
    theme_dir: str
    config_file: str
    editor: str              # the editor bundle and where the content is (its config names it)

    @classmethod
    def of(cls, before_read: str, config_file: Path, theme_dir: Path, record: bool, content: Path) -> "Inputs":
        """`before_read`: the content's digest taken before the build read it."""
        return cls(before_read, code_version(config_file, theme_dir), today(), record,
                   str(Path(theme_dir).resolve()), str(Path(config_file).resolve()), editor_inputs(content))


@dataclass(frozen=True)
class Receipt:
    inputs: Inputs
    recorded: str            # the recorded files as the build left them
    site: list[int]          # the site the build made (see _site)
    pages: int               # how many pages it has
    warnings: list[list]     # the build's own warnings (beyond the check's), said again when skipped


def record(out: Path, inputs: Inputs, content: Path, pages: int, warnings: list) -> None:
    """After a whole build, its recordings done: the receipt of what it read and made."""
    site = _site(out)
    if site is None:
        return
    receipt = Receipt(inputs, content_digest(content, recorded=True), site, pages, [list(w) for w in warnings])
    atomic_write(receipt_path(out), json.dumps(asdict(receipt), ensure_ascii=False))


def forget(out: Path) -> None:
    receipt_path(out).unlink(missing_ok=True)


def read(out: Path) -> Receipt | None:
    try:
        raw = json.loads(receipt_path(out).read_text(encoding="utf-8"))
        return Receipt(Inputs(**raw["inputs"]), raw["recorded"], raw["site"], raw["pages"], raw["warnings"])
    except (OSError, ValueError, TypeError, KeyError):
        return None


def same_as_last(out: Path, content: Path, config_file: Path, record_: bool, before_read: str) -> Receipt | None:
    """The last build's receipt if building again would change nothing, else None.
    `before_read`: the content digest taken before the content was read."""
    last = read(out)
    if last is None or last.site != _site(out):
        return None
    i = last.inputs
    now = (before_read, record_, today(), str(Path(config_file).resolve()), editor_inputs(content))
    if (i.content, i.record, i.day, i.config_file, i.editor) != now:
        return None
    if last.recorded != content_digest(content, recorded=True):
        return None
    return last if code_version(config_file, Path(i.theme_dir)) == i.code else None
