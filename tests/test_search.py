"""Search quality on the real sample catalogue: what residents type finds the right guide first.

The browser segments a query by longest match against the index's vocabulary
(theme/assets/guides/guides.js); `segment` below is the same algorithm, and the index is
queried with lunr's Python port, which reads the same serialised index as lunr.js."""
import json

import pytest
from lunr.index import Index

from conftest import ROOT
from generator import search
from generator.validate import read_catalogue


def segment(query: str, vocab) -> list[str]:
    out, text, i = [], query.lower().strip(), 0
    while i < len(text):
        for j in range(min(len(text), i + 12), i + 1, -1):
            if text[i:j] in vocab:
                out.append(text[i:j])
                i = j
                break
        else:
            i += 1
    return out


@pytest.fixture(scope="module")
def village_index():
    cat, _ = read_catalogue(ROOT / "content")
    codes = cat.district.item_sets["村级通用"]
    search.prepare(cat.items)
    docs = {c: search.document(cat.items[c]) for c in codes}
    script = search.index_script([cat.items[c] for c in codes], docs)
    payload = json.loads(script[len("window.GUIDE_INDEX="):-2])
    index = Index.load(payload["index"])
    size = len(script.encode("utf-8"))

    def ask(q: str) -> list[str]:
        terms = segment(q, index.inverted_index)
        query = index.create_query()
        for t in terms:
            query.term(t, use_pipeline=False)
        return [payload["docs"][r["ref"]][0] for r in index.query(query)]

    ask.size = size
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


def test_index_is_small_for_a_phone(village_index):
    # raw bytes, about a quarter of that gzip-compressed; it grows with the catalogue, not faster
    assert village_index.size < 7_000 * village_index.count
    assert village_index.size < 500_000
