"""The directory a build writes into (a copy of the site it will replace, or empty) and the
state that describes a built site (`_admin/state.json`): what generator/build.py compares
against to write only what changed."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from . import publish
from .publish import STATE


def read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None



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
    base: State | None = None  # the state of the site it started as a copy of
    from_spare: bool = False     # that copy is the spare (else the published site itself)
    journal: publish.Journal = field(default_factory=publish.Journal)

    def __post_init__(self):
        if self.fresh:  # a full build: its page workers make the next spare as they go
            self.journal.mirror = publish.mirror_dir(self.root)

    def write(self, rel: str, data: bytes) -> None:
        write_file(self.root / rel, data, fresh=self.fresh)
        self.journal.written.append(rel)

    def write_if_changed(self, rel: str, data: bytes) -> bool:
        before = read_or_none(self.root / rel)
        if before == data:
            return False
        write_file(self.root / rel, data, fresh=before is None)
        self.journal.written.append(rel)
        return True


@dataclass
class State:
    """What a built site is made of (`_admin/state.json`, swapped in with the pages it describes):
    the next build compares with it to write only what changed."""
    code: str = ""                                         # code_version of the code that built it
    built: str | None = None                               # when
    published: str | None = None                           # when the last publication (not preview) was
    digests: dict[str, str] = field(default_factory=dict)  # station and guide pages: their inputs
    district: dict[str, str] = field(default_factory=dict)  # district pages: their inputs
    indexes: dict[str, str] = field(default_factory=dict)  # search indexes: their items
    side: dict[str, str] = field(default_factory=dict)     # side products: their inputs
    stamps: dict[str, str] = field(default_factory=dict)   # version stamps printed on the sheets
    snapshot: dict | None = None                           # the catalogue the change report compares with
    kept: list[str] = field(default_factory=list)          # tombstones and redirects of retired URLs

    @classmethod
    def read(cls, out: Path, code: str | None = None) -> "State | None":
        """The state of a built site; with `code`, only if that same code built it."""
        try:
            raw = json.loads((Path(out) / STATE).read_text(encoding="utf-8"))
            state = cls(**{f.name: raw[f.name] for f in fields(cls) if f.name in raw})
        except (OSError, ValueError, TypeError):
            return None
        return state if code is None or state.code == code else None

    def as_dict(self) -> dict:
        return asdict(self)

    def dumps(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, sort_keys=True)
