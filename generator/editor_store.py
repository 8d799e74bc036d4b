"""The web editor's backend: Decap CMS's proxy API (the protocol of decap-server, which we
no longer run) over the catalogue's records, and nothing else.

Why our own instead of decap-server: decap-server accepts any path under the repository
(a request could write `generator/*.py`, `.git/config` or delete `content/published.txt`),
answers on its own port with no guard, and has no notion of who is asking. The protocol is a
dozen small JSON actions; here every path is normalised first and must name a catalogue
record (`district.yaml`, `items/<code>.yaml`, `stations/<town>/<village>.yaml`), a save is
checked like `guides check` before it is written, and a save based on an older version than
the file now on disk is refused as a conflict (nothing is silently overwritten).
"""
from __future__ import annotations

import hashlib
import posixpath
import re
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .files import atomic_write

# a record's path inside content/ (the prefix `content/` is removed first)
RECORD = re.compile(r"^(district\.yaml|items/[A-Za-z0-9-]{1,40}\.yaml|stations/\d{9}/\d{12}\.yaml)$")
FOLDER = re.compile(r"^(items|stations/\d{9})$")


class Refused(Exception):
    """An answer other than success: HTTP status and a Chinese message for the person."""

    def __init__(self, status: int, message: str, **extra):
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()  # Decap's own entry id: sha256 of the file


@dataclass
class Store:
    """The catalogue records under `content`, as Decap's proxy API reads and writes them.
    `read_by` remembers, per session, the version of each record that session last read:
    a save from a session that read an older version than the file now holds is a conflict."""

    content: Path
    lock: threading.Lock = field(default_factory=threading.Lock)
    read_by: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self):
        self.content = Path(self.content)
        self.prefix = self.content.name  # Decap names files from the repository root: content/...

    # -------------------------------------------------------------- paths

    def record(self, raw) -> str:
        """The record's path inside content/ ('items/X.yaml'), whatever the spelling; 403 otherwise."""
        rel = self._relative(raw)
        if not RECORD.match(rel):
            raise Refused(403, f"只能读写事项、服务站和区县设置的记录文件，不能访问“{_shown(raw)}”")
        self._no_links(rel)
        return rel

    def folder(self, raw) -> str:
        rel = self._relative(raw)
        if not FOLDER.match(rel):
            raise Refused(403, f"只能列出事项和服务站的文件夹，不能访问“{_shown(raw)}”")
        self._no_links(rel)
        return rel

    def _relative(self, raw) -> str:
        if not isinstance(raw, str) or not raw or "\x00" in raw or "\\" in raw or len(raw) > 300:
            raise Refused(403, f"文件路径无效：“{_shown(raw)}”")
        path = posixpath.normpath(raw)
        if path.startswith("/"):
            # an absolute path is accepted only if it names this content folder
            real = str(self.content.resolve())
            if path != real and not path.startswith(real + "/"):
                raise Refused(403, f"不能访问内容目录以外的文件：“{_shown(raw)}”")
            return path[len(real) + 1:]
        if path == self.prefix or not path.startswith(self.prefix + "/"):
            raise Refused(403, f"不能访问内容目录以外的文件：“{_shown(raw)}”")
        return path[len(self.prefix) + 1:]

    def _no_links(self, rel: str) -> None:
        """No component may be a symbolic link: a link placed in content/ could point anywhere."""
        current = self.content
        for part in rel.split("/"):
            current = current / part
            if current.is_symlink():
                raise Refused(403, f"“{self.prefix}/{rel}”是符号链接，编辑器不会读写它")

    def path(self, rel: str) -> Path:
        return self.content / rel

    def name(self, rel: str) -> str:
        return f"{self.prefix}/{rel}"

    # -------------------------------------------------------------- reading

    def read(self, rel: str, session: str) -> bytes | None:
        try:
            data = self.path(rel).read_bytes()
        except FileNotFoundError:
            return None
        self.read_by[(session, rel)] = digest(data)
        return data

    def entry(self, rel: str, session: str, label=None) -> dict:
        data = self.read(rel, session)
        text = data.decode("utf-8", "replace") if data is not None else None
        return {"data": text, "file": {"path": self.name(rel), "label": label,
                                       "id": digest(data) if data is not None else None}}

    def listing(self, folder: str) -> list[str]:
        base = self.path(folder)
        if not base.is_dir() or base.is_symlink():
            return []
        return sorted(f"{folder}/{p.name}" for p in base.iterdir()
                      if p.is_file() and not p.is_symlink() and RECORD.match(f"{folder}/{p.name}"))

    # -------------------------------------------------------------- writing

    def base_of(self, rel: str, session: str) -> str | None:
        return self.read_by.get((session, rel))

    def conflict(self, rel: str, session: str, mine: bytes) -> None:
        """Refuse a save based on an older version than the one on disk (someone else saved,
        a workbook was imported, the file was edited by hand since this person read it)."""
        path = self.path(rel)
        if not path.exists():
            return
        now = path.read_bytes()
        if now == mine:
            return
        seen = self.read_by.get((session, rel))
        if seen != digest(now):  # never read (a "new" record with an existing code) or read before a change
            from .editor_diff import field_changes, rows_text

            both = field_changes(rel, now, mine, old_label="现在的内容", new_label="你的修改")
            raise Refused(409, f"“{self.name(rel)}”在你打开之后已被修改（别人保存、导入工作簿或直接改了文件）。"
                               "为免覆盖别人的修改，这次保存没有写入：请刷新页面，看过最新内容后再改。"
                               f"两个版本的不同：\n{rows_text(both)}", conflict=both)

    def write(self, rel: str, data: bytes, session: str) -> None:
        path = self.path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
        self.read_by[(session, rel)] = digest(data)

    def delete(self, rel: str) -> None:
        self.path(rel).unlink(missing_ok=True)


def _shown(raw) -> str:
    text = raw if isinstance(raw, str) else repr(raw)
    text = "".join(c if c.isprintable() else "�" for c in text)
    return text if len(text) <= 80 else text[:77] + "…"


def with_changes(content: Path, changes: dict[str, bytes | None], files: dict[str, bytes] | None = None):
    """The catalogue as it would be with `changes` (record path → new bytes, or None for a
    deletion) applied, and its problems: (Catalogue or None, Problems). Read from a copy of the
    changed files only; nothing under content/ is touched. `files`: attachments a draft carries
    ('files/<name>' → bytes), seen beside content/files/ (links in a temporary folder)."""
    import dataclasses

    from .load import display, load, parse_sent
    from .problems import Problems
    from .validate import validate

    after = Problems()
    raw = load(content, after)
    after.clear()  # problems of the files being replaced are found again below
    with tempfile.TemporaryDirectory() as tmp:
        for rel, data in changes.items():
            shown = display(content / rel)
            for group in (raw.items, raw.stations):
                group[:] = [s for s in group if Path(s.path) != Path(shown)]
            if data is None:
                continue
            src = parse_sent(data, shown, after, Path(tmp))
            if src is None:
                continue
            if rel == "district.yaml":
                raw.district = src
            elif rel.startswith("items/"):
                raw.items.append(src)
            else:
                raw.stations.append(src)
        if not files:
            return validate(raw, after), after
        raw.root = _overlay(Path(content), files, Path(tmp) / "root")
        cat = validate(raw, after)
    return (dataclasses.replace(cat, root=Path(content)) if cat is not None else None), after


def _overlay(content: Path, files: dict[str, bytes], root: Path) -> Path:
    """A folder whose files/ holds content/files/ (hard links, or copies across file systems) and
    `files` over them: what attachments.problem() sees when a draft's uploads are published."""
    import os
    import shutil

    folder = root / "files"
    folder.mkdir(parents=True)
    src = content / "files"
    if src.is_dir() and not src.is_symlink():
        for p in src.iterdir():
            if p.is_file() and not p.is_symlink():
                try:
                    os.link(p, folder / p.name)
                except OSError:
                    shutil.copyfile(p, folder / p.name)
    for rel, data in files.items():
        target = root / rel
        target.unlink(missing_ok=True)
        target.write_bytes(data)
    return root


def check_changes(content: Path, changes: dict[str, bytes | None], files: dict[str, bytes] | None = None):
    """The problems `changes` would add to `guides check`, and all problems after: (new errors, all)."""
    from .validate import read_catalogue

    _, before = read_catalogue(content)
    _, after = with_changes(content, changes, files)
    old = {(p.path, p.field, p.message) for p in before.errors}
    return [p for p in after.errors if (p.path, p.field, p.message) not in old], after
