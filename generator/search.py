"""Search indexes: lunr, with Chinese segmented by jieba and spelt in pinyin by pypinyin at build time.

One index per distinct set of offered items, stored once and shared by every station that
offers that set (most stations offer one of the named default sets). It is written as a
script file, not JSON, so that it also loads from file:// in the offline copy.

What is shipped is each document's tokens per field, not lunr's serialised index: the
browser builds the lunr index from them with lunr's own Builder (a few milliseconds for a
station's ~80 documents), which is identical to the index built here and a fifth of the
bytes (lunr's serialisation repeats every term's postings and vectors: ~70 KB gzip-compressed
for the village set, against ~15 KB of tokens). The browser segments the query by longest
match against the index's own vocabulary (theme/assets/guides/guides.js), so query and index
agree on words without shipping jieba to the phone; what it cannot match it looks up with
lunr's edit-distance matching (低宝 → 低保, 身份证丢了 → 丢失).

Pinyin (issue 23.3): every name, alias and keyword is also indexed in full pinyin (dibao,
zuidishenghuobaozhangshenhequeren) and by initials (db, zdshbzshqr), and each word of an item's
name in full pinyin (baozhang).

Besides the items, the index holds the district's needs handled elsewhere (district.elsewhere,
婚姻登记, 居民身份证 …) as documents `@<code>`: a query for them is answered with where to go.
"""
from __future__ import annotations

import functools
import json
import logging
import re

from lunr.builder import Builder

from .model import Elsewhere, Item


@functools.cache
def _jieba():
    """jieba and pypinyin (with their dictionaries, ~0.5 s to import) are loaded when text is
    first cut or spelt: a build that finds nothing to do (generator/unchanged.py) never is."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def lazy_pinyin(*args, **kwargs) -> list[str]:
    import pypinyin

    return pypinyin.lazy_pinyin(*args, **kwargs)


def _first_letter():
    import pypinyin

    return pypinyin.Style.FIRST_LETTER

_WORD = re.compile(r"[\w\u4e00-\u9fff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_STOP = frozenset("的 了 和 与 或 及 等 在 是 为 对 由 向 将 可 应 须 需 按 其 并 个 人 日 内".split())

# `name`: the guide's full name and each alias whole, also in pinyin and initials, so that what
# a resident calls the item (低保, 老年证, dibao, db) outranks an item that merely has the word
# inside its name; `pinyin`: the pinyin of the name's words (baozhang).
FIELDS = (("name", 12), ("title", 6), ("aliases", 4), ("pinyin", 4), ("category", 2), ("body", 1))
ELSEWHERE = "@"   # the ref prefix of a need handled elsewhere


def prepare(items: dict[str, Item], elsewhere: list[Elsewhere] = ()) -> None:
    """Teach jieba the catalogue's own words so that names, aliases and keywords stay whole."""
    for item in items.values():
        for word in [item.name, *item.aliases]:
            _jieba().add_word(word, freq=2000)
    for need in elsewhere:
        for word in need.keywords:
            _jieba().add_word(word, freq=2000)


def tokens(text: str, *, fine: bool = True) -> list[str]:
    """Words of a text. `fine`: also the shorter words inside longer ones (jieba's search mode:
    居民身份证 → 居民, 身份, 身份证, 居民身份证), for names; the long body text is cut once
    (jieba's precise mode) and without bare numbers, to keep the index small for the phone."""
    out = []
    for tok in (_jieba().cut_for_search(text) if fine else _jieba().cut(text)):
        tok = tok.strip().lower()
        if len(tok) < 2 or tok in _STOP or not _WORD.search(tok) or (not fine and not _HAN.search(tok)):
            continue
        out.append(tok)
    return out


def spelt(phrases: list[str]) -> list[str]:
    """Each name or alias whole in full pinyin and by initials (tone-less): 低保 → dibao, db."""
    out: list[str] = []
    for phrase in phrases:
        han = "".join(_HAN.findall(phrase))
        if len(han) >= 2:
            out += ["".join(lazy_pinyin(han)), "".join(lazy_pinyin(han, style=_first_letter()))]
    return out


def word_pinyin(name: str) -> list[str]:
    """The full pinyin of each word of a name: 最低生活保障审核确认 → zuidi, shenghuo, baozhang …"""
    return ["".join(lazy_pinyin(w)) for w in tokens(name) if w != name and len(_HAN.findall(w)) >= 2]


def _unique(words: list[str]) -> str:
    """Each token once per field: the index ranks by presence and field, not by repetition,
    and the shipped tokens stay small."""
    return " ".join(dict.fromkeys(words))


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
        "name": _unique([w.lower().replace(" ", "") for w in [item.name, *item.aliases]]
                        + spelt([item.name, *item.aliases])),
        "title": _unique(tokens(item.name)),
        "aliases": _unique(tokens(" ".join(item.aliases))),
        "pinyin": _unique(word_pinyin(item.name)),
        "category": _unique(tokens(item.category)),
        "body": _unique(tokens(body, fine=False)),
    }


def elsewhere_document(need: Elsewhere) -> dict:
    return {
        "id": ELSEWHERE + need.code,
        "name": _unique([w.lower().replace(" ", "") for w in need.keywords] + spelt(need.keywords)),
        "title": _unique(tokens(need.name)),
        "aliases": _unique(tokens(" ".join(need.keywords))),
        "pinyin": "",
        "category": "",
        "body": _unique(tokens(need.office)),
    }


# A body word found in more than this share of a station's guides (博山区, 申请, 居民身份证 …)
# tells the guides apart no better than nothing, and would make a query for it (身份证丢了)
# look like a match for every guide; it is left out of that index's body field.
COMMON = 0.15


def payload(items: list[Item], documents: dict[str, dict], elsewhere: list[Elsewhere] = ()) -> dict:
    """What the browser receives: fields, each document's tokens per field, and what a result shows."""
    docs = [documents[it.code] for it in items] + [elsewhere_document(n) for n in elsewhere]
    df: dict[str, int] = {}
    for d in docs:
        for t in d["body"].split():
            df[t] = df.get(t, 0) + 1
    most = max(COMMON * len(docs), 3)   # a small set keeps its words
    docs = [{**d, "body": " ".join(t for t in d["body"].split() if df[t] <= most)} for d in docs]
    return {
        "fields": [list(f) for f in FIELDS],
        "tokens": {d["id"]: [d[name] for name, _ in FIELDS] for d in docs},
        "docs": {it.code: [it.name, it.category] for it in items},
        "elsewhere": {ELSEWHERE + n.code: [n.name, n.office, n.hours or "", n.phone, n.code] for n in elsewhere},
    }


PINYIN = "pinyin.js"   # not in search/, which holds only the item-set indexes


def _common_han() -> list[str]:
    """The 3,755 characters of GB 2312 level 1 (常用汉字), in its order."""
    out = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return out


def pinyin_script(items: dict[str, Item], elsewhere: list[Elsewhere] = ()) -> str:
    """Tone-less pinyin of the common characters and of every character in the catalogue's
    names, aliases and keywords, as `syllable:characters|…` (≈ 10 KB gzip-compressed). The
    browser loads it only when a Chinese query finds nothing as typed: 低宝 → dibao then
    matches 低保 by sound (the index holds names in pinyin). Each character's most common
    reading (pypinyin's single-character default)."""
    chars = dict.fromkeys(_common_han())
    for text in [*(w for it in items.values() for w in [it.name, *it.aliases]),
                 *(w for n in elsewhere for w in n.keywords)]:
        chars.update(dict.fromkeys(_HAN.findall(text)))
    groups: dict[str, list[str]] = {}
    for ch in chars:
        groups.setdefault(lazy_pinyin(ch)[0], []).append(ch)
    table = "|".join(f"{k}:{''.join(v)}" for k, v in sorted(groups.items()) if k.isascii() and k.isalpha())
    return f"window.GUIDE_PINYIN={json.dumps(table, ensure_ascii=False)};\n"


def build_index(data: dict):
    """The lunr index the browser builds from a payload (guides.js does the same in lunr.js)."""
    builder = Builder()
    builder.pipeline.reset()  # no English stemming or stop words on Chinese tokens
    builder.search_pipeline.reset()
    builder.ref("id")
    for name, boost in data["fields"]:
        builder.field(name, boost=boost)
    for ref, values in data["tokens"].items():
        builder.add({"id": ref, **{name: v for (name, _), v in zip(data["fields"], values)}})
    return builder.build()


def index_script(items: list[Item], documents: dict[str, dict], elsewhere: list[Elsewhere] = ()) -> str:
    """The index of these items as a script that sets `window.GUIDE_INDEX`."""
    data = json.dumps(payload(items, documents, elsewhere), ensure_ascii=False, separators=(",", ":"))
    return f"window.GUIDE_INDEX={data};\n"
