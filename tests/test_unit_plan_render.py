"""Stages 3 and 4 in-process: plan (generator/plan.py: which pages at which permanent URLs, and the
Fingerprints that stamp them) and render (generator/render.py: one page of every kind in PAGE_KINDS,
rendered from the fixture tree, with what a resident must find on it)."""
import dataclasses
import html
import re

import pytest

from conftest import MINI, ROOT
from generator import elsewhere, urls
from generator.engine import Engine
from generator.model import Retired, Retirement
from generator.plan import Fingerprints, Page, item_set_key, plan, stamp, stamps
from generator.render import PAGE_KINDS, Renderer, hours_rows, hours_summary, number_parts, rel_for, time_limit
from generator.validate import read_catalogue

VILLAGE, COMMUNITY = "370304001200", "370304002001"


@pytest.fixture(scope="module")
def cat():
    catalogue, problems = read_catalogue(MINI)
    assert catalogue is not None, [str(p) for p in problems]
    return catalogue


@pytest.fixture(scope="module")
def engine(cat):
    return Engine(ROOT / "mkdocs.yml", cat.district.site_url)


@pytest.fixture(scope="module")
def renderer(cat, engine):
    return Renderer(cat, engine, stamps(cat, plan(cat)))


def text_of(page: str) -> str:
    """The page's visible words, tags and scripts removed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def title(page: str) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1))


def changed(cat, *, item=None, station=None, district=None, **fields):
    """The catalogue with one record's fields changed."""
    if item:
        items = dict(cat.items)
        items[item] = items[item].model_copy(update=fields)
        return dataclasses.replace(cat, items=items)
    if station:
        stations = dict(cat.stations)
        stations[station] = stations[station].model_copy(update=fields)
        return dataclasses.replace(cat, stations=stations)
    return dataclasses.replace(cat, district=cat.district.model_copy(update=fields))


# ------------------------------------------------------------------ plan

def test_plan_makes_every_page_at_its_permanent_url(cat):
    pages = plan(cat)
    assert [(p.kind, p.path) for p in pages] == [
        ("portal", ""), ("items", "items/"),
        ("item", "items/JZ-001/"), ("item", "items/LN-001/"), ("item", "items/JF-001/"),
        ("station", f"{VILLAGE}/"),
        ("guide", f"{VILLAGE}/JZ-001/"), ("guide", f"{VILLAGE}/LN-001/"), ("guide", f"{VILLAGE}/JF-001/"),
        ("station", f"{COMMUNITY}/"), ("guide", f"{COMMUNITY}/JZ-001/"), ("guide", f"{COMMUNITY}/JF-001/"),
    ]
    for p in pages:
        if p.kind == "guide":
            assert p.path == urls.guide_path(p.station, p.item)
        elif p.kind == "station":
            assert p.path == urls.station_path(p.station)


def test_stations_with_the_same_items_share_one_search_index(cat):
    pages = {p.station: p for p in plan(cat) if p.kind == "station"}
    assert pages[VILLAGE].search_index == f"search/{item_set_key(['JZ-001', 'LN-001', 'JF-001'])}.js"
    assert pages[VILLAGE].search_index != pages[COMMUNITY].search_index
    assert item_set_key(["JZ-001", "JF-001"]) == item_set_key(list(cat.offers[COMMUNITY]))
    assert re.fullmatch(r"[0-9a-f]{10}", item_set_key(["A"]))


def test_a_station_build_plans_only_that_station(cat):
    pages = plan(cat, [COMMUNITY])
    assert [p.path for p in pages] == [f"{COMMUNITY}/", f"{COMMUNITY}/JZ-001/", f"{COMMUNITY}/JF-001/"]


def test_stamps_are_for_guides_and_stations_and_carry_the_items_date(cat):
    pages = plan(cat)
    found = stamps(cat, pages)
    assert set(found) == {p.path for p in pages if p.kind in ("guide", "station")}
    guide = found[f"{VILLAGE}/JZ-001/"]
    assert re.fullmatch(r"2026-11-20 · [0-9a-f]{6}", guide)
    assert re.fullmatch(r"[0-9a-f]{6}", found[f"{VILLAGE}/"])
    page = next(p for p in pages if p.path == f"{VILLAGE}/JZ-001/")
    assert stamp(cat, page) == guide
    with pytest.raises(ValueError):
        Fingerprints(cat).shown(Page("portal", ""))


def guide(station, item):
    return Page("guide", urls.guide_path(station, item), station=station, item=item)


def test_a_guide_stamp_follows_what_the_guide_shows_and_nothing_else(cat):
    page = guide(VILLAGE, "JZ-001")
    before = Fingerprints(cat).stamp(page)
    # shown on the guide: the item's text, the station's phone, the hotlines
    assert Fingerprints(changed(cat, item="JZ-001", name="低保审核确认")).stamp(page) != before
    assert Fingerprints(changed(cat, station=VILLAGE, phone="0533-4100099")).stamp(page) != before
    assert Fingerprints(changed(cat, supervision_hotline="0533-4189999")).stamp(page) != before
    # not shown on it: search aliases, the category, the station's staff, another station
    assert Fingerprints(changed(cat, item="JZ-001", aliases=["救助金"])).stamp(page) == before
    assert Fingerprints(changed(cat, station=VILLAGE, complaint_box="门口")).stamp(page) == before
    assert Fingerprints(changed(cat, station=COMMUNITY, phone="0533-4100099")).stamp(page) == before


def test_a_station_stamp_follows_its_item_list_summary(cat):
    page = Page("station", urls.station_path(VILLAGE), station=VILLAGE)
    before = Fingerprints(cat).stamp(page)
    assert Fingerprints(changed(cat, item="LN-001", name="高龄津贴申领")).stamp(page) != before
    assert Fingerprints(changed(cat, station=VILLAGE, complaint_box="门口")).stamp(page) != before
    # an item this station does not offer changes nothing on its home page
    other = Page("station", urls.station_path(COMMUNITY), station=COMMUNITY)
    assert Fingerprints(changed(cat, item="LN-001", name="高龄津贴申领")).stamp(other) == Fingerprints(cat).stamp(other)


def test_inputs_cover_more_than_is_shown(cat):
    page = guide(VILLAGE, "JZ-001")
    fp = Fingerprints(cat)
    aliased = Fingerprints(changed(cat, item="JZ-001", aliases=["救助金"]))
    assert aliased.shown(page) == fp.shown(page) and aliased.inputs(page) != fp.inputs(page)
    station = Page("station", f"{VILLAGE}/", station=VILLAGE, search_index="search/a.js")
    assert fp.inputs(station) != fp.inputs(dataclasses.replace(station, search_index="search/b.js"))


def test_a_partner_point_shows_on_the_guides_it_takes(cat):
    jf, jz = guide(VILLAGE, "JF-001"), guide(VILLAGE, "JZ-001")
    fp = Fingerprints(cat)
    partner = cat.stations[VILLAGE].partners[0]
    moved = changed(cat, station=VILLAGE, partners=[partner.model_copy(update={"address": "安上村西街 1 号"})])
    assert Fingerprints(moved).stamp(jf) != fp.stamp(jf)  # the partner takes JF-001
    assert Fingerprints(moved).stamp(jz) == fp.stamp(jz)


# ------------------------------------------------------------------ render: the route table

def test_every_kind_the_plan_makes_has_a_route(cat):
    kinds = {p.kind for p in plan(cat) + elsewhere.pages(cat)} | {"tombstone", "redirect"}
    assert kinds == set(PAGE_KINDS)
    assert all(callable(f) for f in PAGE_KINDS.values())


def test_portal(renderer):
    page = renderer.render(Page("portal", ""))
    words = text_of(page)
    assert title(page).startswith("博山区")
    for name in ("城东街道", "城西街道", "安上村便民服务站", "税务街社区便民服务站"):
        assert name in words
    assert 'href="370304001200/"' in page and 'href="370304002001/"' in page


def test_items_directory_and_district_guide(renderer):
    directory = renderer.render(Page("items", "items/"))
    for name in ("最低生活保障审核确认", "电费缴纳"):
        assert name in text_of(directory)
    item = renderer.render(Page("item", "items/JZ-001/", item="JZ-001"))
    assert "最低生活保障审核确认" in title(item)
    assert "30 个工作日" in text_of(item)
    assert 'href="../../files/低保申请书（测试空表）.pdf"' in item


def test_station_home(renderer):
    page = renderer.render(Page("station", f"{VILLAGE}/", station=VILLAGE, search_index="search/x.js"))
    words = text_of(page)
    assert "安上村便民服务站" in title(page)
    for shown in ("博山区城东街道安上村党群服务中心一楼", "张秀英", "党员先锋岗", "大厅入口右侧", "社会救助",
                  "最低生活保障审核确认", "电费缴纳"):
        assert shown in words, shown
    assert 'href="JZ-001/"' in page
    assert "search/x.js" in page


def test_guide_shows_the_item_the_station_and_the_stamp(renderer, cat):
    page = renderer.render(guide(VILLAGE, "JZ-001"))
    words = text_of(page)
    assert title(page) == "最低生活保障审核确认 - 安上村便民服务站"
    assert f"版本 {renderer.stamps[f'{VILLAGE}/JZ-001/']}" in words
    for shown in ("0533-4100001", "每周二上午镇民政办到站集中受理", "帮办代办窗口", "李建国", "30 个工作日",
                  "不收费", "共同生活的家庭成员持有本地常住户口"):
        assert shown in words, shown
    assert 'href="tel:05334100001"' in page
    assert f'href="{cat.district.site_url}/{VILLAGE}/JZ-001/"' in page  # canonical: the printed address
    assert "（示例号码）" in words  # sample_data: invented numbers are marked


def test_a_guide_without_a_legal_limit_says_so(renderer):
    assert "无法定时限" in text_of(renderer.render(guide(VILLAGE, "JF-001")))


def test_a_guide_lists_its_partner_point_only_where_it_applies(renderer):
    assert "安上邮政便民服务点" in text_of(renderer.render(guide(VILLAGE, "JF-001")))
    assert "安上邮政便民服务点" not in text_of(renderer.render(guide(VILLAGE, "JZ-001")))


def test_catalogue_text_is_escaped(cat, engine):
    evil = changed(cat, item="JF-001", name='<script>alert(1)</script>电费')
    page = Renderer(evil, engine, stamps(evil, plan(evil))).render(guide(VILLAGE, "JF-001"))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;电费" in page


def test_tombstone_of_a_retired_item(cat, engine):
    retired = Retired(items=[Retirement(code="XX-001", name="旧事项", date="2026-01-01", reason="并入其他事项")])
    gone = dataclasses.replace(cat, retired=retired)
    page = Renderer(gone, engine, {}).render(Page("tombstone", f"{VILLAGE}/XX-001/", station=VILLAGE, item="XX-001"))
    assert title(page) == "“旧事项”已停用 - 安上村便民服务站"
    assert "并入其他事项" in text_of(page)
    assert '<meta name="robots" content="noindex">' in page


def test_tombstone_of_an_item_a_station_no_longer_offers(renderer):
    page = renderer.render(Page("tombstone", f"{COMMUNITY}/LN-001/", station=COMMUNITY, item="LN-001"))
    assert title(page).startswith("本站已不再办理“") and "税务街社区便民服务站" in title(page)
    assert "税务街社区便民服务站" in text_of(page)


def test_redirect_to_the_new_url(renderer, cat):
    page = renderer.render(Page("redirect", f"{VILLAGE}/JF-009/", station=VILLAGE, item="JF-009",
                                target=f"{VILLAGE}/JF-001/"))
    assert '<meta http-equiv="refresh" content="0; url=../../370304001200/JF-001/">' in page
    assert f'<link rel="canonical" href="{cat.district.site_url}/{VILLAGE}/JF-001/">' in page
    assert title(page) == "页面已迁移 - 博山区便民服务"


def test_the_pages_outside_the_plan(renderer, cat):
    notfound = renderer.render_notfound()
    assert title(notfound) == "页面不存在 - 博山区便民服务" and "安上村便民服务站" in text_of(notfound)
    assert title(renderer.render_offline()) == "没有网络 - 博山区便民服务"



def test_the_pages_of_needs_handled_elsewhere(renderer, cat):
    listing, marriage, card = elsewhere.pages(cat)
    assert (listing.path, marriage.path, card.path) == ("elsewhere/", "elsewhere/hunyin/", "elsewhere/shenfenzheng/")
    words = text_of(renderer.render(listing))
    assert "婚姻登记（结婚、离婚、补领结婚证）" in words and "居民身份证（首次申领、到期换领、丢失补领）" in words
    need = text_of(renderer.render(marriage))
    assert "博山区民政局婚姻登记处" in need and "须男女双方本人一起到场" in need
    assert "户籍窗口" in text_of(renderer.render(card)) and "户籍窗口" not in need


# ------------------------------------------------------------------ render helpers

def test_relative_links_by_depth():
    assert rel_for("") == rel_for("") and rel_for("").root == "./"
    assert (rel_for("items/").root, rel_for("items/").station) == ("../", "./")
    assert (rel_for(f"{VILLAGE}/JZ-001/").root, rel_for(f"{VILLAGE}/JZ-001/").station) == ("../../", "../")


def test_hours_as_rows_and_summary(cat):
    hours = cat.stations[VILLAGE].hours
    rows = hours_rows(hours)
    assert [(r["day"], r["text"], r["open"]) for r in rows][5:] == [("周六", "09:00-11:30", True),
                                                                   ("周日", "休息", False)]
    assert rows[0]["text"] == "08:30-12:00、13:30-17:30"
    assert hours_summary(hours) == "周一至周五 08:30-12:00、13:30-17:30；周六 09:00-11:30"


def test_time_limit_words(cat):
    assert time_limit(cat.items["JF-001"]) == "即办（当场办结）"
    assert time_limit(cat.items["JZ-001"]) == "承诺 20 个工作日"


def test_number_parts_mark_phone_numbers_in_text(cat):
    parts = number_parts(cat.district, "请拨打 0533-4180000 或 12345 咨询")
    assert "".join(t for t, _ in parts) == "请拨打 0533-4180000 或 12345 咨询"
    assert ("0533-4180000", True) in parts
