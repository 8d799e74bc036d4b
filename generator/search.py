"""Search indexes: lunr, with Chinese segmented by jieba at build time.

One index per distinct set of offered items, stored once and shared by every
station that offers that set (most stations offer one of the named default sets).
It is written as a script file, not JSON, so that it also loads from file:// in
the offline copy. The browser segments the query by longest match against the
index's own vocabulary (see theme/assets/guides/guides.js), so query and index
agree on words without shipping jieba to the phone.
"""
from __future__ import annotations

import json
import logging
import re

import jieba
from lunr.builder import Builder

from .model import Item

jieba.setLogLevel(logging.WARNING)
_WORD = re.compile(r"[\w\u4e00-\u9fff]")
_STOP = frozenset("的 了 和 与 或 及 等 在 是 为 对 由 向 将 可 应 须 需 按 其 并 个 人 日 内".split())

# `name`: the guide's full name and each alias whole, so that what a resident calls the
# item (低保, 老年证) outranks an item that merely has the word inside its name.
FIELDS = (("name", 12), ("title", 6), ("aliases", 4), ("category", 2), ("body", 1))


def prepare(items: dict[str, Item]) -> None:
    """Teach jieba the catalogue's own words so that names and aliases stay whole."""
    for item in items.values():
        for word in [item.name, *item.aliases]:
            jieba.add_word(word, freq=2000)


def tokens(text: str) -> list[str]:
    out = []
    for tok in jieba.cut_for_search(text):
        tok = tok.strip().lower()
        if len(tok) < 2 or tok in _STOP or not _WORD.search(tok):
            continue
        out.append(tok)
    return out


def document(item: Item) -> dict:
    """An item's searchable text, segmented; computed once per item per build."""
    body = " ".join([
        *item.conditions,
        *(m.name for m in item.materials),
        *(s.name for s in item.process),
        *(f.q for f in item.faq),
        item.department,
    ])
    return {
        "id": item.code,
        "name": " ".join(w.lower().replace(" ", "") for w in [item.name, *item.aliases]),
        "title": " ".join(tokens(item.name)),
        "aliases": " ".join(tokens(" ".join(item.aliases))),
        "category": " ".join(tokens(item.category)),
        "body": " ".join(tokens(body)),
    }


def index_script(items: list[Item], documents: dict[str, dict]) -> str:
    """The index of these items as a script that sets `window.GUIDE_INDEX`."""
    builder = Builder()
    builder.pipeline.reset()  # no English stemming or stop words on Chinese tokens
    builder.search_pipeline.reset()
    builder.ref("id")
    for name, boost in FIELDS:
        builder.field(name, boost=boost)
    for item in items:
        builder.add(documents[item.code])
    index = builder.build().serialize()
    docs = {it.code: [it.name, it.category] for it in items}
    payload = json.dumps({"index": index, "docs": docs}, ensure_ascii=False, separators=(",", ":"))
    return f"window.GUIDE_INDEX={payload};\n"
