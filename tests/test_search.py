"""Search quality on the real sample catalogue: what residents type finds the right guide first.

The browser segments a query by longest match against the index's vocabulary
(theme/assets/guides/guides.js); `segment` below is the same algorithm, and the index is
queried with lunr's Python port, which reads the same serialised index as lunr.js."""
import gzip
import json
import re

import pytest

from conftest import ROOT
from generator import search
from generator.validate import read_catalogue


def segment(query: str, vocab) -> tuple[list[str], list[str], bool, str]:
    """guides.js's segment(): (words of the vocabulary, unknown Chinese runs, is pinyin,
    the query's Chinese if some of it was not understood)."""
    text = re.sub(r"\s+", " ", query.lower()).strip()
    han = "".join(re.findall(r"[\u4e00-\u9fff]", text))
    if re.fullmatch(r"[a-z ]+", text):
        return [text.replace(" ", "")], [], True, ""
    words, rest, miss, i, missed = [], [], "", 0, False

    def flush():
        nonlocal miss, missed
        if len(miss) >= 2:
            rest.append(miss)
        missed = missed or bool(miss)
        miss = ""
    while i < len(text):
        if re.match(r"[a-z0-9]", text[i]):
            flush()
            m = re.match(r"[a-z0-9]+", text[i:])[0]
            words.append(m)
            i += len(m)
            continue
        for j in range(min(len(text), i + 12), i + 1, -1):
            if text[i:j] in vocab:
                flush()
                words.append(text[i:j])
                i = j
                break
        else:
            if "\u4e00" <= text[i] <= "\u9fff":
                miss += text[i]
            else:
                flush()
            i += 1
    flush()
    return words, rest, False, (han if missed and len(han) >= 2 else "")


def one_off(a: str, b: str) -> bool:
    """guides.js's oneOff(): one character inserted, removed or changed."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:k] + long_[k + 1:] == short for k in range(len(long_)))


def spell(han: str, table: dict[str, str]) -> list[str]:
    out = []
    for n in range(min(6, len(han)), 1, -1):
        for k in range(len(han) - n + 1):
            if all(c in table for c in han[k:k + n]):
                out.append("".join(table[c] for c in han[k:k + n]))
    return out


def run(index, query: str, table: dict[str, str]) -> list[dict]:
    """guides.js's search(): exact words; else the unknown runs in pinyin; else near words
    (one character or letter off) and, for pinyin, the shortest completion."""
    words, rest, latin, han = segment(query, index.inverted_index)
    vocab = index.inverted_index

    def ask(terms):
        terms = list(dict.fromkeys(terms))
        if not terms:
            return []
        q = index.create_query()
        for t in terms:
            q.term(t, use_pipeline=False)
        return index.query(q)
    hits = ask(words)
    if hits and not han:
        return hits
    spelt = [t for t in spell(han, table) if t in vocab] if han else []
    found = ask(words + spelt) if spelt else hits
    if found:
        return found
    near = []
    for t in (words if latin else rest):
        near += [w for w in vocab if one_off(w, t)]
        longer = [w for w in vocab if latin and len(w) > len(t) and w.startswith(t)]
        if longer:
            near.append(min(longer, key=len))   # the first of the shortest, in vocabulary order
    return ask(([] if latin else words) + near)


@pytest.fixture(scope="module")
def village_index():
    cat, _ = read_catalogue(ROOT / "content")
    codes = cat.district.item_sets["村级通用"]
    search.prepare(cat.items, cat.district.elsewhere)
    docs = {c: search.document(cat.items[c]) for c in codes}
    script = search.index_script([cat.items[c] for c in codes], docs, cat.district.elsewhere)
    payload = json.loads(script[len("window.GUIDE_INDEX="):-2])
    index = search.build_index(payload)
    pinyin = search.pinyin_script(cat.items, cat.district.elsewhere)
    table = {c: syl for group in json.loads(pinyin[len("window.GUIDE_PINYIN="):-2]).split("|")
             for syl, chars in [group.split(":")] for c in chars}

    def ask(q: str) -> list[str]:
        return [(payload["docs"].get(r["ref"]) or payload["elsewhere"][r["ref"]])[0] for r in run(index, q, table)]

    ask.script = script
    ask.count = len(codes)
    return ask


@pytest.mark.parametrize("query,first", [
    ("低保", "最低生活保障审核确认"),
    ("老年证", "老年人优待证办理"),
    ("残疾人证", "残疾人证办理（新办）"),
    ("残疾证", "残疾人证办理（新办）"),
    ("高龄", "高龄津贴申领"),
    ("交电费", "电费缴纳"),
    ("宅基地", "农村村民宅基地和建房（规划许可）申请"),
    ("育儿补贴", "育儿补贴申领"),
    ("社保卡", "社会保障卡申领、补换、挂失"),
    ("社保卡丢了", "社会保障卡申领、补换、挂失"),
    ("就业困难", "就业困难人员认定"),
    ("居住证", "居住证申领及居住登记（公安帮办）"),
    ("光荣牌", "光荣牌悬挂"),
])
def test_what_residents_type_finds_the_guide_first(village_index, query, first):
    results = village_index(query)
    assert results and results[0].startswith(first[:6]), (query, results[:5])


def test_broad_words_find_their_family(village_index):
    assert all("养老" in r for r in village_index("养老")[:3])
    assert sum("医疗保险" in r or "医保" in r or "就医" in r or "慢特病" in r for r in village_index("医保")[:4]) >= 3


@pytest.mark.parametrize("query,first", [
    ("dibao", "最低生活保障审核确认"),        # full pinyin of an alias
    ("db", "最低生活保障审核确认"),           # initials
    ("yibao", "城乡居民基本医疗保险"),
    ("laonianzheng", "老年人优待证办理"),
    ("shebaoka", "社会保障卡申领、补换、挂失"),
    ("Di Bao", "最低生活保障审核确认"),       # capitals and a space
    ("diba", "最低生活保障审核确认"),         # still typing
    ("dibap", "最低生活保障审核确认"),        # one letter off
    ("低宝", "最低生活保障审核确认"),         # a homophone typed by mistake
    ("老年正", "老年人优待证办理"),
    ("残疾正", "残疾人证办理（新办）"),
])
def test_pinyin_and_typos_find_the_guide_first(village_index, query, first):
    results = village_index(query)
    assert results and results[0].startswith(first[:6]), (query, results[:5])


@pytest.mark.parametrize("query,answer", [
    ("结婚", "婚姻登记"), ("离婚", "婚姻登记"), ("领证", "婚姻登记"), ("jiehun", "婚姻登记"),
    ("身份证丢了", "居民身份证"), ("补办身份证", "居民身份证"), ("身份证", "居民身份证"),
    ("迁户口", "户口登记与迁移"), ("落户", "户口登记与迁移"),
    ("护照", "出入境证件"), ("港澳通行证", "出入境证件"),
    ("房产证", "不动产登记"), ("过户", "不动产登记"),
    ("驾照", "机动车驾驶证"), ("驾驶证到期", "机动车驾驶证"),
])
def test_needs_handled_elsewhere_are_answered_with_where_to_go(village_index, query, answer):
    results = village_index(query)
    assert results and results[0].startswith(answer), (query, results[:5])


def test_first_search_downloads_at_most_40_kb(village_index):
    # the station's index and lunr, gzip-compressed as the server sends them (level 6)
    lunr = (ROOT / "theme/assets/guides/lunr.min.js").read_bytes()
    first = len(gzip.compress(village_index.script.encode("utf-8"), 6)) + len(gzip.compress(lunr, 6))
    assert first <= 40 * 1024, first
