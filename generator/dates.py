"""A guide's date follows its content. `content/updated.json` records, for every item, a digest
of its content (every field but the date itself) and the date that content was first published.
A build shows, as the item's 更新日期, the later of the date written by hand (`updated`, a policy
date that can still be given) and the date its content last changed: the recorded one while the
digest is the same, today's when the content differs from the last publication (a preview shows
the date the change will be published with). Each publication records the dates it published.

Pages, version stamps and printed sheets all read the date from the catalogue this returns, so
the web and the paper carry the same date.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from . import hashes
from .files import atomic_write
from .model import Item
from .validate import Catalogue

LEDGER = "updated.json"


@dataclass(frozen=True)
class Changed:
    digest: str  # of the item's content without its date
    date: dt.date  # the date that content was published with


def digest(item: Item) -> str:
    data = item.model_dump(mode="json", exclude={"updated"})
    return hashes.short(json.dumps(data, ensure_ascii=False, sort_keys=True), hashes.INPUTS)


def read(content: Path) -> dict[str, Changed]:
    """The recorded dates; an unreadable or hand-damaged file is no dates (the hand dates apply)."""
    try:
        raw = json.loads((Path(content) / LEDGER).read_text(encoding="utf-8"))
        return {str(code): Changed(str(v["digest"]), dt.date.fromisoformat(str(v["date"])))
                for code, v in raw.get("items", {}).items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def effective(cat: Catalogue, content: Path, today: dt.date | None = None) -> Catalogue:
    """The catalogue with each item's date following its content (changed in place, returned)."""
    today = today or dt.date.today()
    recorded = read(content)
    for code, item in list(cat.items.items()):
        was = recorded.get(code)
        if was is None:
            continue  # never published with a recorded digest: the date written by hand
        changed = was.date if was.digest == digest(item) else today
        if changed > item.updated:
            cat.items[code] = item.model_copy(update={"updated": changed})
    return cat


def record(content: Path, cat: Catalogue) -> None:
    """After a publication: the dates it published (of the catalogue `effective` returned)."""
    data = {"说明": "每个事项内容的摘要和它发布时的日期：内容一变，办事指南的更新日期随之更新。由 guides 维护，请勿手工编辑",
            "items": {code: {"digest": digest(it), "date": it.updated.isoformat()} for code, it in cat.items.items()}}
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    path = Path(content) / LEDGER
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    atomic_write(path, text)
