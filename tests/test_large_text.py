"""Large text (issue 23.1): the browser's font raised to 200 % and 300 % (default 32 and 48 px,
set through a Chromium profile's `webkit.webprefs.default_font_size`, as a resident's browser
setting does) and the page zoomed to 200 % (a 360 px phone then lays the page out in 180 CSS px),
at 320 and 360 px, in normal and 长辈模式: no sideways scrolling, nothing wider than the screen,
every value of 办理时限与收费 whole and on screen, the station's name whole and readable, and a
header that never takes more than a fifth of the screen (at the top and scrolled)."""
import json
import shutil

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, MINI, Server, edit, guides

LONG_NAME = "山东圣世达有限责任公司社区便民服务站"   # the longest station name of the district (19 characters)
LONG = "370304113001"  # its official division: 山东圣世达有限责任公司社区居委会 (data/zibo-divisions.csv)
PAGES = ["", "items/", "items/LN-001/", "370304001200/", "370304001200/JZ-001/", f"{LONG}/", f"{LONG}/JZ-001/"]

MEASURE = """() => {
  const de = document.documentElement, vw = de.clientWidth;
  const hidden = el => { for (let e = el; e; e = e.parentElement) { const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden' || s.opacity === '0' || s.clipPath === 'inset(50%)'
          || (s.position === 'absolute' && e.getBoundingClientRect().width <= 1)) return true; } return false; };
  const wide = [...document.querySelectorAll('body *')].filter(el => {
      const r = el.getBoundingClientRect(), cs = getComputedStyle(el), mr = cs.display === 'inline' ? 0 : parseFloat(cs.marginRight) || 0; return r.width > 0 && (r.right + Math.max(mr, 0) > vw + 0.5 || r.left < -0.5) && !hidden(el); })
    .map(el => el.tagName + '.' + el.className + ':' + Math.round(el.getBoundingClientRect().right));
  const name = document.querySelector('.g-home__name'), nr = name.getBoundingClientRect();
  const limits = [...document.querySelectorAll('#limits dd')].map(dd => {
      const r = dd.getBoundingClientRect();
      return {text: dd.innerText, left: r.left, right: r.right, width: r.width, clipped: dd.scrollWidth > dd.clientWidth + 1}; });
  return {scrollWidth: de.scrollWidth, vw, wide, header: document.querySelector('.g-header').getBoundingClientRect().height,
          vh: innerHeight, nameFont: parseFloat(getComputedStyle(name).fontSize), nameText: name.innerText,
          nameWhole: name.scrollWidth <= name.clientWidth + 1 && name.scrollHeight <= name.clientHeight + 1
                     && getComputedStyle(name).textOverflow !== 'ellipsis' || getComputedStyle(name).whiteSpace !== 'nowrap',
          nameOnScreen: nr.left >= 0 && nr.right <= vw + 0.5 && nr.width > 0, limits};
}"""


@pytest.fixture(scope="module")
def long_site(tmp_path_factory):
    """The mini catalogue with the district's longest station name."""
    work = tmp_path_factory.mktemp("large")
    content = work / "content"
    shutil.copytree(MINI, content)
    # the mini community becomes the station of that name: a 区划名称 must be its code's official one
    station = content / f"stations/{LONG[:9]}/{LONG}.yaml"
    station.parent.mkdir()
    (content / "stations/370304002/370304002001.yaml").rename(station)
    edit(content / "district.yaml", '  - {code: "370304002", name: 城西街道}',
         '  - {code: "370304002", name: 城西街道}\n  - {code: "370304113", name: 博山镇}')
    edit(station, '"370304002001"', f'"{LONG}"')
    edit(station, "name: 税务街社区便民服务站", f"name: {LONG_NAME}")
    edit(station, "division: 税务街居委会", "division: 山东圣世达有限责任公司社区居委会")
    r = guides("build", "--content", content, "--out", work / "site")
    assert r.returncode == 0, r.stderr
    server = Server(work / "site")
    yield server
    server.stop()


def profile(tmp_path, font_px: int):
    """A Chromium profile whose default font size is raised, as in the browser's settings."""
    (tmp_path / "Default").mkdir(parents=True)
    (tmp_path / "Default" / "Preferences").write_text(
        json.dumps({"webkit": {"webprefs": {"default_font_size": font_px}}}), encoding="utf-8")
    return tmp_path


def check(page, url, label):
    page.goto(url)
    for scrolled in (False, True):
        if scrolled:
            page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
        m = page.evaluate(MEASURE)
        where = f"{label} {url}{' (scrolled)' if scrolled else ''}"
        assert m["scrollWidth"] <= m["vw"], (where, m["scrollWidth"], sorted(m["wide"], key=lambda w: -int(w.rsplit(":", 1)[1]))[:5])
        assert not m["wide"], (where, m["wide"][:5])
        assert m["header"] <= m["vh"] / 5, (where, m["header"], m["vh"])
    assert m["nameOnScreen"] and m["nameWhole"], (where, m)
    assert "…" not in m["nameText"]
    for v in m["limits"]:
        assert not v["clipped"] and v["left"] >= 0 and v["right"] <= m["vw"] + 0.5, (where, v)
        assert v["width"] >= m["vw"] / 2, (where, v)   # a value has half the screen or more, not a 34 px column
    if "/LN-001/" in url or "/JZ-001/" in url:
        assert len(m["limits"]) == 5, where
    return m


@pytest.mark.parametrize("scale", [200, 300])
def test_raised_browser_font_keeps_every_page_within_the_screen(long_site, browser, tmp_path, scale):
    # a second chromium with its own profile (the raised font), from the session's Playwright
    ctx = browser.browser_type.launch_persistent_context(
        profile(tmp_path, 16 * scale // 100), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="zh-CN")
    page = ctx.new_page()
    page.goto(long_site.url)
    # the raised preference is in force: Material's root size is 125 % of the browser's default
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == f"{20 * scale // 100}px"
    for width in (320, 360):
        page.set_viewport_size({"width": width, "height": 740})
        for elder in ("0", "1"):
            for path in PAGES:
                m = check(page, f"{long_site.url}{path}?elder={elder}", f"{scale}% {width}px elder={elder}")
                # readable: the header's name is at least the size of ordinary text at 100 %
                assert m["nameFont"] >= 18, (path, m["nameFont"])
    # the body text keeps the size the resident asked for (only the header is capped)
    page.goto(f"{long_site.url}370304001200/LN-001/?elder=0")
    body = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#limits dd')).fontSize)")
    assert body >= 0.85 * 20 * scale / 100 - 0.5, body
    ctx.close()


def test_zoom_200_percent_keeps_every_page_within_the_screen(long_site, browser):
    # 200 % zoom on a 360 × 740 phone: the page is laid out in 180 × 370 CSS px, drawn twice as large
    for width in (160, 180):   # 320 and 360 px phones
        ctx = browser.new_context(viewport={"width": width, "height": 370}, device_scale_factor=4,
                                  is_mobile=True, has_touch=True, locale="zh-CN")
        page = ctx.new_page()
        for elder in ("0", "1"):
            for path in PAGES:
                m = check(page, f"{long_site.url}{path}?elder={elder}", f"zoom 200% {width * 2}px elder={elder}")
                assert m["nameFont"] * 2 >= 18, (path, m["nameFont"])   # on screen, in device pixels
        ctx.close()
