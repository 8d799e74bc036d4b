"""The resident's path in a real browser: Debian chromium at phone size, served from localhost."""
from urllib.parse import urlsplit

import pytest

from conftest import Server

STATION = "370304001200"


@pytest.fixture
def served(mini_site):
    server = Server(mini_site)
    yield server
    server.stop()


def test_search_dibao_on_a_phone_and_nothing_leaves_the_site(served, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="zh-CN")
    requests = []
    context.on("request", lambda r: requests.append(r.url))
    pg = context.new_page()
    pg.goto(served.url + f"{STATION}/")
    assert pg.locator("h1").first.inner_text() == "安上村便民服务站"
    pg.locator("#g-q").fill("低保")
    results = pg.locator("#g-results li a")
    results.first.wait_for()
    top3 = results.all_inner_texts()[:3]
    assert "最低生活保障审核确认" in top3, top3
    pg.locator("#g-results li a", has_text="最低生活保障审核确认").click()
    pg.wait_for_url(f"**/{STATION}/JZ-001/")
    checklist = pg.locator("#materials .g-checklist")
    assert checklist.is_visible()
    assert checklist.locator("li").count() == 6
    assert pg.locator("#materials .g-material-name").first.is_visible()
    # no horizontal scrolling at 360 px
    assert pg.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
    hosts = {urlsplit(u).netloc for u in requests if not u.startswith("data:")}
    assert hosts == {f"127.0.0.1:{served.port}"}, hosts


@pytest.mark.parametrize("query,expected", [
    ("老年证", "老年人优待证办理"),
    ("交电费", "电费缴纳"),
    ("最低生活保障", "最低生活保障审核确认"),
])
def test_aliases_and_names_find_their_guide(served, browser, query, expected):
    pg = browser.new_page(viewport={"width": 360, "height": 740})
    pg.goto(served.url + f"{STATION}/")
    pg.locator("#g-q").fill(query)
    first = pg.locator("#g-results li a").first
    first.wait_for()
    assert first.inner_text() == expected
    pg.close()


def test_portal_finds_a_station_by_part_of_its_name(served, browser):
    pg = browser.new_page(viewport={"width": 360, "height": 740})
    pg.goto(served.url)
    pg.locator("#g-find").fill("税务")
    visible = pg.locator("#g-stations li[data-name]:visible")
    assert visible.all_inner_texts() == ["税务街社区便民服务站"]
    pg.close()


def search_first(pg, query):
    pg.locator("#g-q").fill(query)
    first = pg.locator("#g-results li").first
    first.wait_for()
    return first


@pytest.mark.parametrize("query", ["dibao", "db", "Di Bao", "diba", "低宝", "低保户丢了"])
def test_pinyin_initials_and_typos_find_the_guide(served, browser, query):
    pg = browser.new_page(viewport={"width": 360, "height": 740})
    pg.goto(served.url + f"{STATION}/")
    first = search_first(pg, query)
    assert first.locator("a").first.inner_text() == "最低生活保障审核确认", (query, first.inner_text())
    pg.close()


@pytest.mark.parametrize("query,office", [("结婚", "博山区民政局婚姻登记处"), ("身份证丢了", "淄博市公安局博山分局"),
                                          ("jiehun", "博山区民政局婚姻登记处")])
def test_a_need_handled_elsewhere_is_answered_with_where_to_go(served, browser, query, office):
    pg = browser.new_page(viewport={"width": 360, "height": 740})
    pg.goto(served.url + f"{STATION}/")
    first = search_first(pg, query)
    assert "g-elsewhere" in first.get_attribute("class")
    text = first.inner_text()
    assert "不在村（社区）便民服务站办理" in text and office in text, text
    assert first.locator('a[href="tel:12345"]').count() == 1
    first.locator("a", has_text="详细说明").click()
    pg.wait_for_url("**/elsewhere/*/")
    assert office in pg.locator(".g-summary").inner_text()
    assert pg.evaluate("document.documentElement.scrollWidth") <= 360
    pg.close()


def test_the_typo_table_loads_only_for_a_query_not_understood(served, browser):
    pg = browser.new_page(viewport={"width": 360, "height": 740})
    requested = []
    pg.on("request", lambda r: requested.append(urlsplit(r.url).path))
    pg.goto(served.url + f"{STATION}/")
    search_first(pg, "低保")
    assert "/pinyin.js" not in requested
    search_first(pg, "低宝")
    pg.wait_for_function("window.GUIDE_PINYIN !== undefined")
    assert "/pinyin.js" in requested
    pg.close()
