"""Offline after one visit (issue 23.2), in Debian chromium with the network cut
(Playwright's context.set_offline), served the way production is: netlify.toml's headers
(the Content-Security-Policy `script-src 'self'` among them), text gzip-compressed.

A resident opens the station home, reads a guide, loses the signal: both still open, with
their styles; a guide never opened shows the offline page, which lists what is kept.
「保存本站指南」 keeps every guide of the station and its search. Online, a republished page
is shown at once (network first, never the kept copy); a new build's service worker takes
over on the next visit."""
import sys
import time

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from lighthouse import production_headers, serve  # noqa: E402  the production-like server

STATION = "370304001200"   # 安上村便民服务站: JZ-001, LN-001, JF-001
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN", "service_workers": "allow"}


@pytest.fixture
def site(mini_site, tmp_path):
    """A private copy (these tests rewrite files as a republish would)."""
    import shutil
    copy = tmp_path / "site"
    shutil.copytree(mini_site, copy)
    httpd, base = serve(copy)
    yield copy, base
    httpd.shutdown()


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    context.add_init_script("""window.__csp = [];
      document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));""")
    yield context
    context.close()


def kept(page, path: str, base: str) -> bool:
    return page.evaluate("u => caches.open('guides-pages').then(c => c.match(u)).then(r => !!r)", base + path)


def wait_kept(page, paths, base):
    for _ in range(100):
        if all(kept(page, p, base) for p in paths):
            return
        time.sleep(0.1)
    raise AssertionError(f"not kept: {[p for p in paths if not kept(page, p, base)]}")


def styled(page) -> bool:
    """guides.css is applied (served from the worker's cache when offline)."""
    return page.evaluate("getComputedStyle(document.querySelector('.g-home')).fontWeight") == "700"


def test_pages_read_once_open_offline_and_others_show_the_offline_page(site, phone):
    root, base = site
    assert "script-src 'self'" in production_headers()["Content-Security-Policy"]
    page = phone.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    # a QR code on the board: the resident opens a guide first (before any worker ran)
    page.goto(base + f"{STATION}/JZ-001/?elder=1")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    wait_kept(page, [f"{STATION}/JZ-001/", f"{STATION}/"], base)   # the guide, and its station home
    page.goto(base + f"{STATION}/LN-001/")                             # read under the worker
    wait_kept(page, [f"{STATION}/LN-001/"], base)
    assert page.evaluate("window.__csp") == []

    phone.set_offline(True)
    for path, h1 in ((f"{STATION}/JZ-001/", "最低生活保障审核确认"), (f"{STATION}/", "安上村便民服务站"),
                     (f"{STATION}/LN-001/?elder=1", "老年人优待证办理")):
        page.goto(base + path)
        assert page.locator("h1").first.inner_text() == h1, path
        assert styled(page), path
    assert page.evaluate("document.documentElement.classList.contains('g-elder')")   # elder mode still works
    # a guide never opened: the offline page, with what is kept
    page.goto(base + f"{STATION}/JF-001/")
    assert page.locator("h1").inner_text() == "现在没有网络"
    assert styled(page)
    saved = page.locator("#g-saved a")
    saved.first.wait_for()
    titles = saved.all_inner_texts()
    assert any("最低生活保障审核确认" in t for t in titles) and any("老年人优待证办理" in t for t in titles), titles
    assert not any("JF-001" in (a or "") for a in saved.evaluate_all("els => els.map(e => e.href)"))
    # an unknown page of another station too
    page.goto(base + "370304002001/")
    assert page.locator("h1").inner_text() == "现在没有网络"
    assert page.evaluate("window.__csp") == []
    assert not [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e and "Failed to load" not in e], errors


def test_save_this_station_keeps_every_guide_and_search(site, phone):
    root, base = site
    page = phone.new_page()
    page.goto(base + f"{STATION}/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    button = page.locator("#g-save")
    assert button.is_visible() and button.inner_text().startswith("保存本站指南")
    button.click()
    page.locator("#g-save-status", has_text="已保存").wait_for()
    assert "3 个办事指南" in page.locator("#g-save-status").inner_text()

    phone.set_offline(True)
    for item, name in (("JZ-001", "最低生活保障审核确认"), ("LN-001", "老年人优待证办理"), ("JF-001", "电费缴纳")):
        page.goto(base + f"{STATION}/{item}/")
        assert page.locator("h1").first.inner_text() == name
    page.goto(base + f"{STATION}/")
    page.locator("#g-q").fill("低保")
    page.locator("#g-results li a").first.wait_for()
    assert page.locator("#g-results li a").first.inner_text() == "最低生活保障审核确认"


def test_online_a_page_is_never_stale_and_a_new_build_takes_over_on_the_next_visit(site, phone):
    root, base = site
    page = phone.new_page()
    page.goto(base + f"{STATION}/JZ-001/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    wait_kept(page, [f"{STATION}/JZ-001/"], base)
    old_version = page.evaluate("caches.keys()")
    # a republish changes the guide: online, the resident sees it at once, not the kept copy
    guide = root / STATION / "JZ-001" / "index.html"
    guide.write_text(guide.read_text(encoding="utf-8").replace("<h1>最低生活保障审核确认</h1>",
                                                                "<h1>最低生活保障审核确认（已更新）</h1>"), encoding="utf-8")
    page.goto(base + f"{STATION}/JZ-001/")
    assert page.locator("h1").first.inner_text() == "最低生活保障审核确认（已更新）"
    # and that is what is kept for offline
    phone.set_offline(True)
    page.goto(base + f"{STATION}/JZ-001/")
    assert page.locator("h1").first.inner_text() == "最低生活保障审核确认（已更新）"
    phone.set_offline(False)
    # a new build (new theme files -> a new worker version): picked up on the next visit
    sw = root / "sw.js"
    text = sw.read_text(encoding="utf-8")
    version = text.split('var VERSION = "')[1].split('"')[0]
    sw.write_text(text.replace(version, "0123456789ab"), encoding="utf-8")
    page.goto(base + f"{STATION}/")
    for _ in range(100):
        keys = page.evaluate("caches.keys()")
        if "guides-static-0123456789ab" in keys and f"guides-static-{version}" not in keys:
            break
        time.sleep(0.1)
    assert "guides-static-0123456789ab" in keys and f"guides-static-{version}" not in keys, (old_version, keys)
    assert "guides-pages" in keys   # what the resident kept survives the update


def test_manifest_names_the_site_and_its_icons(mini_site):
    import json
    manifest = json.loads((mini_site / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["name"] == "博山区便民服务" and manifest["lang"] == "zh-CN" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        png = (mini_site / icon["src"]).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and icon["sizes"] == "{0}x{0}".format(int.from_bytes(png[16:20], "big"))
    for page in ("index.html", f"{STATION}/index.html", f"{STATION}/JZ-001/index.html", "offline/index.html"):
        assert 'rel="manifest"' in (mini_site / page).read_text(encoding="utf-8"), page
    sw = (mini_site / "sw.js").read_text(encoding="utf-8")
    precache = sw.split("var PRECACHE = ")[1].split(";\n")[0]
    for path in json.loads(precache):   # every precached file exists (a missing one fails the install)
        assert (mini_site / path).is_file() or (mini_site / path / "index.html").is_file(), path


def test_a_link_shared_into_wechat_shows_a_title_a_description_and_an_icon(site, phone):
    """Issue 23.6: Open Graph tags with absolute addresses, read from the page in chromium; the icon
    is a PNG of the site (≥ 300 px, as chat apps want for a thumbnail)."""
    import struct
    root, base = site
    page = phone.new_page()
    for path, title in ((f"{STATION}/JZ-001/", "最低生活保障审核确认"), (f"{STATION}/", "安上村便民服务站"),
                        ("", "博山区村（社区）便民服务站"), ("elsewhere/hunyin/", "婚姻登记（结婚、离婚、补领结婚证）")):
        page.goto(base + path)
        og = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('meta[property^="og:"]')]
                                .map(m => [m.getAttribute('property'), m.content]))""")
        site_url = "https://guides.mini.example/"
        assert og["og:title"] == title and og["og:description"] and og["og:url"] == site_url + path, og
        assert og["og:image"].startswith(site_url + "assets/guides/icon-512.") and og["og:image"].endswith(".png")
        png = (root / og["og:image"].removeprefix(site_url)).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (512, 512)
    page.goto(base + "404.html")   # what the server answers for any unknown address: it claims none
    assert page.locator("h1").inner_text() == "页面不存在" and page.locator('meta[property="og:url"]').count() == 0
