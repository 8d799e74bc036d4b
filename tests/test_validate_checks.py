"""validate.py's checks one at a time, in-process: each check of a district, an item or the
item sets on its own, on the typed records of the small fixture with one thing changed."""
import datetime as dt
from pathlib import Path

import pytest

from conftest import MINI
from generator import validate as v
from generator.load import Source, load
from generator.model import District, Item
from generator.model import Source as CheckedSource
from generator.problems import Problems


@pytest.fixture(scope="module")
def raw():
    problems = Problems()
    raw = load(MINI, problems)
    assert not problems.errors
    return raw


@pytest.fixture(scope="module")
def district(raw) -> District:
    return District.model_validate(raw.district.data)


def item_source(raw, code: str) -> Source:
    return next(s for s in raw.items if s.path.stem == code)


def typed_item(raw, code: str) -> Item:
    return Item.model_validate(item_source(raw, code).data)


def run(check, record, src, *rest) -> Problems:
    problems = Problems()
    check(record, src, *rest, problems)
    return problems


def test_checks_are_tables_in_report_order():
    assert v._DISTRICT_CHECKS == (v._check_domains, v._check_portal, v._check_town_codes)
    assert v._ITEM_CHECKS == (v._check_online_link, v._check_source_links, v._check_aliases, v._review_warnings)


def test_the_fixture_district_passes_every_district_check(raw, district):
    for check in v._DISTRICT_CHECKS:
        assert run(check, district, raw.district) == [], check.__name__


def test_domain_that_is_not_a_host_name(raw, district):
    bad = district.model_copy(update={"online_domains": ["zwfw.sd.gov.cn", "http://evil/"]})
    (p,) = run(v._check_domains, bad, raw.district)
    assert p.level == "error" and p.line == raw.district.line(("online_domains", 1))
    assert p.field == v._field(District, "online_domains", 1) and "http://evil/" in p.message


def test_portal_outside_the_allowed_domains(raw, district):
    bad = district.model_copy(update={"portal": district.portal.model_copy(update={"url": "https://evil.example.com/"})})
    (p,) = run(v._check_portal, bad, raw.district)
    assert p.message.startswith("网上办事门户地址：") and "evil.example.com" in p.message
    assert p.line == raw.district.line(("portal", "url"))


def test_town_of_another_district_and_a_repeated_town(raw, district):
    towns = [*district.towns, district.towns[0], district.towns[0].model_copy(update={"code": "370303001"})]
    problems = run(v._check_town_codes, district.model_copy(update={"towns": towns}), raw.district)
    messages = sorted(p.message for p in problems)
    assert messages == ["镇（街道）代码 370303001 不属于本区县（370304）", "镇（街道）代码 370304001 重复"]


def test_item_file_named_after_another_code(raw):
    item = typed_item(raw, "LN-001").model_copy(update={"code": "LN-009"})
    (p,) = run(v._check_item_file_name, item, item_source(raw, "LN-001"))
    assert p.message == "文件名应与事项编码一致：应命名为 LN-009.yaml" and p.field == "事项编码"
    assert run(v._check_item_file_name, typed_item(raw, "LN-001"), item_source(raw, "LN-001")) == []


def test_online_link_outside_the_allowed_domains(raw, district):
    item = typed_item(raw, "LN-001")
    deep = item.online.model_copy(update={"url": "https://zwfw.sd.gov.cn/item/LN-001"})
    assert run(v._check_online_link, item.model_copy(update={"online": deep}), item_source(raw, "LN-001"), district) == []
    online = item.online.model_copy(update={"url": "https://evil.example.com/x"})
    (p,) = run(v._check_online_link, item.model_copy(update={"online": online}), item_source(raw, "LN-001"), district)
    assert p.message.startswith("网上办理入口：") and "evil.example.com" in p.message
    assert p.line == 40  # the url line of the fixture's LN-001


def test_online_link_to_the_portal_home_is_a_warning(raw, district):
    item = typed_item(raw, "LN-001")
    home = item.online.model_copy(update={"url": "https://zwfw.sd.gov.cn/"})
    (p,) = run(v._check_online_link, item.model_copy(update={"online": home}), item_source(raw, "LN-001"), district)
    assert (p.level, p.kind) == ("warning", "网上办理入口只是门户首页")


def test_online_link_not_checked_when_not_available(raw, district):
    item = typed_item(raw, "LN-001")
    online = item.online.model_copy(update={"available": False, "url": "https://evil.example.com/x"})
    assert run(v._check_online_link, item.model_copy(update={"online": online}), item_source(raw, "LN-001"), district) == []


def test_source_link_outside_the_source_domains(raw, district):
    item = typed_item(raw, "LN-001")
    allowed = CheckedSource(title="《某办法》", url="https://www.gov.cn/doc", checked=dt.date(2026, 11, 1))
    foreign = allowed.model_copy(update={"url": "https://evil.example.com/doc"})
    limited = district.model_copy(update={"source_domains": ["gov.cn"]})
    cited = item.model_copy(update={"sources": [allowed, foreign]})
    (p,) = run(v._check_source_links, cited, item_source(raw, "LN-001"), limited)
    assert p.message == "来源网址：域名 evil.example.com 不在区县设置“来源链接允许的域名”之内"
    assert p.field == v._field(Item, "sources", 1, "url")


def test_repeated_alias_is_a_warning(raw, district):
    item = typed_item(raw, "LN-001").model_copy(update={"aliases": ["老年证", "敬老卡", "老年证"]})
    (p,) = run(v._check_aliases, item, item_source(raw, "LN-001"), district)
    assert (p.level, p.message) == ("warning", "俗称“老年证”重复")
    assert p.line == item_source(raw, "LN-001").line(("aliases", 2))


def test_review_warnings_are_the_review_findings(raw, district):
    item = typed_item(raw, "LN-001").model_copy(update={"reviewed": None, "sources": []})
    problems = run(v._review_warnings, item, item_source(raw, "LN-001"), district)
    found = v.review_findings(item, district, dt.date.today())
    assert [(p.message, p.kind, p.level) for p in problems] == [(m, k, "warning") for _, m, k in found]
    assert "事项从未核对政策事实" in [p.kind for p in problems]


def test_item_set_naming_a_missing_item(raw, district):
    items = {c: typed_item(raw, c) for c in ("JZ-001", "JF-001")}  # LN-001 missing
    problems = Problems()
    v._check_item_sets(district, raw.district, items, set(), problems)
    (p,) = problems
    assert p.field == "默认事项清单.村级通用[2] (item_sets.村级通用[2])" and p.message == "事项“LN-001”不存在于 items/ 中"
    problems = Problems()
    v._check_item_sets(district, raw.district, items, {"LN-001"}, problems)  # broken: its own error suffices
    assert problems == []


def test_duplicate_message_names_the_first_file():
    problems = Problems()
    src = Source(Path("items/ln-001.yaml"), {}, {("code",): 2})
    v._duplicate(src, Item, "事项编码", "ln-001", Path("items/LN-001.yaml"), "（编码不区分大小写，且永不复用）", problems)
    (p,) = problems
    assert (p.path, p.line, p.field) == ("items/ln-001.yaml", 2, "事项编码")
    assert p.message == "事项编码“ln-001”重复：已在 items/LN-001.yaml 中使用（编码不区分大小写，且永不复用）"


def test_items_in_catalogue_order_without_case_folded_duplicates(raw, district):
    copy = Source(Path("items/ln-001.yaml"), {**item_source(raw, "LN-001").data, "code": "ln-001"},
                  item_source(raw, "LN-001").lines)
    broken = Source(Path("items/XX-001.yaml"), {"code": "XX-001"}, {})
    problems = Problems()
    items, sources, bad = v._validate_items(raw.__class__(raw.root, raw.district, [*raw.items, copy, broken], raw.stations),
                                            district, problems)
    assert set(items) == {"JZ-001", "LN-001", "JF-001"} and set(sources) == set(items)
    assert bad == {"XX-001"}
    assert [p.message for p in problems.errors if "重复" in p.message] == [
        "事项编码“ln-001”重复：已在 " + str(item_source(raw, "LN-001").path) + " 中使用（编码不区分大小写，且永不复用）"]
    order = [(v.CATEGORIES.index(i.category), c) for c, i in items.items()]
    assert order == sorted(order)


def test_without_a_valid_district_stations_with_a_set_are_counted_not_checked(raw):
    problems = Problems()
    bad_district = Source(raw.district.path, {"name": 1}, raw.district.lines)
    catalogue = v.validate(raw.__class__(raw.root, bad_district, raw.items, raw.stations), problems)
    assert catalogue is None
    (w,) = [p for p in problems.warnings if p.message.startswith("district.yaml 有错误")]
    assert w.message.startswith(f"district.yaml 有错误：{len(raw.stations)} 个服务站的默认事项清单")


def test_the_fixture_validates(raw):
    problems = Problems()
    catalogue = v.validate(raw, problems)
    assert catalogue is not None and not problems.errors
    assert list(catalogue.stations) == sorted(catalogue.stations)
    assert set(catalogue.sources) == {f"items/{c}" for c in catalogue.items} | {f"stations/{c}" for c in catalogue.stations}
