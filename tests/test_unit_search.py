"""Search (generator/search.py) in-process on the fixture tree: what is indexed for each item and each need
handled elsewhere, the payload the phone receives, and the lunr index it builds answering what residents type
(in characters, in pinyin, by initials), the catalogue's own names kept whole."""
import json
import re

import pytest

from conftest import MINI
from generator import search
from generator.validate import read_catalogue


@pytest.fixture(scope="module")
def cat():
    catalogue, problems = read_catalogue(MINI)
    assert catalogue is not None, [str(p) for p in problems]
    search.prepare(catalogue.items, catalogue.district.elsewhere)
    return catalogue


@pytest.fixture(scope="module")
def documents(cat):
    return {code: search.document(item) for code, item in cat.items.items()}


@pytest.fixture(scope="module")
def payload(cat, documents):
    return search.payload(list(cat.items.values()), documents, cat.district.elsewhere)


@pytest.fixture(scope="module")
def index(payload):
    return search.build_index(payload)


def first(index, query: str) -> str | None:
    found = index.search(query)
    return found[0]["ref"] if found else None


# ------------------------------------------------------------------ words

def test_tokens_keep_the_shorter_words_inside_a_name(cat):
    assert search.tokens("居民身份证") == ["居民", "身份", "身份证", "居民身份证"]
    assert search.tokens("居民身份证", fine=False) == ["居民身份证"]


def test_tokens_leave_out_stop_words_single_characters_and_in_bodies_bare_numbers(cat):
    assert search.tokens("的 和 了 a 7") == []
    assert search.tokens("办理 2026 年", fine=False) == ["办理"]
    assert "2026" in search.tokens("办理 2026 年")
    assert search.tokens("ABC 证明") == ["abc", "证明"]


def test_the_catalogue_names_stay_whole_after_prepare(cat):
    assert "低保户" in search.tokens("我家是低保户", fine=False)
    assert "身份证丢了" in search.tokens("我的身份证丢了")


def test_names_are_spelt_in_full_pinyin_and_initials():
    assert search.spelt(["低保", "12345", "A证"]) == ["dibao", "db"]
    assert search.spelt(["电费缴纳"]) == ["dianfeijiaona", "dfjn"]
    assert search.word_pinyin("最低生活保障审核确认") == ["zuidi", "shenghuo", "baozhang", "shenhe", "queren"]


# ------------------------------------------------------------------ documents

def test_an_items_document_holds_its_name_aliases_pinyin_category_and_body(cat, documents):
    d = documents["JZ-001"]
    assert d["id"] == "JZ-001"
    name = d["name"].split()
    assert name[0] == "最低生活保障审核确认" and "低保户" in name and "dibao" in name and "db" in name
    assert d["pinyin"].split() == ["zuidi", "shenghuo", "baozhang", "shenhe", "queren"]
    assert d["category"].split() == ["社会", "救助"]
    body = d["body"].split()
    assert "户口簿" in body and "民政局" in body  # materials and the department
    for field in d.values():
        words = field.split()
        assert len(words) == len(set(words))  # each token once per field


def test_a_need_handled_elsewhere_is_a_document_of_its_own(cat):
    d = search.elsewhere_document(cat.district.elsewhere[0])
    assert d["id"] == "@hunyin"
    assert "结婚" in d["name"].split() and "jiehun" in d["name"].split()
    assert d["body"].split() == ["博山", "山区", "博山区", "民政", "政局", "民政局", "婚姻", "登记", "婚姻登记"]
    assert d["pinyin"] == "" and d["category"] == ""


# ------------------------------------------------------------------ payload

def test_the_payload_lists_fields_tokens_results_and_needs(cat, payload):
    assert payload["fields"] == [list(f) for f in search.FIELDS]
    assert set(payload["tokens"]) == {"JZ-001", "LN-001", "JF-001", "@hunyin", "@shenfenzheng"}
    assert all(len(v) == len(search.FIELDS) for v in payload["tokens"].values())
    assert payload["docs"]["JF-001"] == ["电费缴纳", "水电气暖费用收缴"]
    assert payload["elsewhere"]["@hunyin"] == ["婚姻登记（结婚、离婚、补领结婚证）", "博山区民政局婚姻登记处",
                                               "法定工作日，去之前请先打电话确认时间", "12345", "hunyin"]
    assert payload["elsewhere"]["@shenfenzheng"][2] == ""  # no hours written: none shown


def test_body_words_in_most_guides_are_left_out_of_a_large_set(cat, documents):
    items = list(cat.items.values())
    many = {f"X-{i:03d}": documents["JZ-001"] for i in range(30)}
    clones = [items[0].model_copy(update={"code": code}) for code in many]
    data = search.payload(clones, many)
    # every document has the same body: above COMMON of 30 documents, no body word is kept
    assert all(tokens[-1] == "" for tokens in data["tokens"].values())
    small = search.payload(items, documents)  # a set of three keeps its words
    assert small["tokens"]["JZ-001"][-1]


def test_the_index_script_sets_the_payload_for_the_browser(cat, documents, payload):
    script = search.index_script(list(cat.items.values()), documents, cat.district.elsewhere)
    m = re.fullmatch(r"window\.GUIDE_INDEX=(.*);\n", script, re.S)
    assert m and json.loads(m.group(1)) == payload


def test_the_pinyin_table_covers_common_characters_and_the_catalogues(cat):
    script = search.pinyin_script(cat.items, cat.district.elsewhere)
    table = json.loads(re.fullmatch(r"window\.GUIDE_PINYIN=(.*);\n", script, re.S).group(1))
    groups = dict(part.split(":") for part in table.split("|"))
    assert "低" in groups["di"] and "保" in groups["bao"] and "婚" in groups["hun"]
    assert all(k.isascii() and k.isalpha() for k in groups)
    assert sum(len(v) for v in groups.values()) >= 3755


# ------------------------------------------------------------------ the index answers

@pytest.mark.parametrize("query, expected", [
    ("低保", "JZ-001"), ("低保户", "JZ-001"), ("dibao", "JZ-001"), ("db", "JZ-001"), ("最低 保障", "JZ-001"),  # the browser splits a query by the index's words first
    ("电费", "JF-001"), ("交电费", "JF-001"), ("dianfei", "JF-001"),
    ("结婚", "@hunyin"), ("身份证丢了", "@shenfenzheng"),
])
def test_what_residents_type_finds_the_right_answer_first(index, query, expected):
    assert first(index, query) == expected


def test_a_word_in_no_document_finds_nothing(index):
    assert index.search("火箭") == []


def score(index, query: str, ref: str) -> float:
    return next(r["score"] for r in index.search(query) if r["ref"] == ref)


def test_a_name_weighs_more_than_a_word_of_the_body(index):
    # 低保 is the guide's name (alias), 户口 only a word of its conditions and materials
    assert score(index, "低保", "JZ-001") > 5 * score(index, "户口", "JZ-001")


def test_a_body_word_shared_by_several_documents_finds_them_all(index):
    assert {r["ref"] for r in index.search("民政局")} == {"@hunyin", "LN-001", "JZ-001"}
