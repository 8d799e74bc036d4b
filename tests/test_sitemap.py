"""sitemap.xml and robots.txt (issue 23.4): every public page listed once, each one served (checked
from Chromium), guides with their item's date; never reports, the editor, tombstones; an index of
numbered files above the protocol's limit."""
import xml.etree.ElementTree as ET

from conftest import MINI, ROOT, Server
from generator import sitemap
from generator.validate import read_catalogue

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locs(xml: bytes) -> list[str]:
    return [e.text for e in ET.fromstring(xml).findall("s:url/s:loc", NS)]


def test_sitemap_lists_every_public_page_and_each_is_served(mini_site, browser):
    cat, _ = read_catalogue(MINI)
    base = cat.district.site_url + "/"
    root = ET.fromstring((mini_site / "sitemap.xml").read_bytes())
    assert root.tag == "{%s}urlset" % NS["s"]
    paths = [u.removeprefix(base) for u in locs((mini_site / "sitemap.xml").read_bytes())]
    expected = {"", "items/", *(f"items/{c}/" for c in cat.items), "elsewhere/",
                *(f"elsewhere/{n.code}/" for n in cat.district.elsewhere),
                *(f"{s}/" for s in cat.stations), *(f"{s}/{c}/" for s, offered in cat.offers.items() for c in offered)}
    assert sorted(paths) == sorted(expected) and len(paths) == len(set(paths))
    assert not any(p.startswith(("_admin", "admin", "data")) for p in paths)
    guide = root.find(f"s:url[s:loc='{base}370304001200/JZ-001/']", NS)
    assert guide.find("s:lastmod", NS).text == cat.items["JZ-001"].updated.isoformat()
    robots = (mini_site / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {base}sitemap.xml" in robots and "Disallow: /_admin/" in robots and "Disallow: /admin/" in robots
    server = Server(mini_site)
    try:
        page = browser.new_page()
        page.goto(server.url)
        status = page.evaluate("paths => Promise.all(paths.map(p => fetch(p).then(r => r.status)))",
                               [server.url + p for p in paths] + [server.url + "robots.txt"])
        assert set(status) == {200}, dict(zip(paths, status))
        page.close()
    finally:
        server.stop()


def test_a_large_site_gets_a_sitemap_index():
    cat, _ = read_catalogue(MINI)
    full = sitemap.files(cat)
    files = sitemap.files(cat, limit=5)
    index = ET.fromstring(files["sitemap.xml"])
    assert index.tag == "{%s}sitemapindex" % NS["s"]
    parts = [e.text.rsplit("/", 1)[1] for e in index.findall("s:sitemap/s:loc", NS)]
    assert parts == [f"sitemap-{n}.xml" for n in range(1, len(parts) + 1)] and len(parts) > 1
    listed = [u for p in parts for u in locs(files[p])]
    assert all(len(locs(files[p])) <= 5 for p in parts)
    assert listed == locs(full["sitemap.xml"])


def test_the_district_fits_one_sitemap():
    cat, _ = read_catalogue(ROOT / "content")
    n = len(sitemap.urls(cat))
    assert 14_000 < n < sitemap.LIMIT, n
