"""The offline copy of a station (generator/offline.py), in-process on a small hand-made site: links to pages of
the copy name their index.html (file:// opens folders, not their index), links to pages it does not hold become
their permanent online addresses, the files the pages and their stylesheets use are taken along, and the zip is
written whole."""
import zipfile

import pytest

from conftest import MINI
from generator import offline
from generator.validate import read_catalogue

VILLAGE = "370304001200"
URL = "https://guides.mini.example"

STATION_HOME = """<!doctype html><html><head>
<link rel="stylesheet" href="../assets/guides/guides.1234abcd.css">
<script src="../assets/guides/guides.5678.js" data-index="../search/3955ed5ce0.js" data-root="../"></script>
</head><body>
<a href="JZ-001/">低保</a> <a href="JF-001/#fees">电费</a> <a href="../">全区</a> <a href="../items/JZ-001/">区级指南</a>
<a href="tel:05334100001">电话</a> <a href="https://zwfw.sd.gov.cn/">网上办</a> <a href="#top">顶部</a>
<img src="../assets/guides/logo.svg"> <a href="../nowhere.html">?</a>
</body></html>"""

GUIDE = """<!doctype html><html><head><link rel="stylesheet" href="../../assets/guides/guides.1234abcd.css"></head>
<body><a href="../">本站</a> <a href="../JF-001/">电费</a> <a href="../../files/form.pdf">申请表</a></body></html>"""


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    files = {
        f"{VILLAGE}/index.html": STATION_HOME,
        f"{VILLAGE}/JZ-001/index.html": GUIDE,
        f"{VILLAGE}/JF-001/index.html": GUIDE,
        "index.html": "<html>portal</html>",
        "items/JZ-001/index.html": "<html>district guide</html>",
        "assets/guides/guides.1234abcd.css": "body{background:url(bg.png)} .x{background:url('missing.png')}",
        "assets/guides/bg.png": "PNG",
        "assets/guides/guides.5678.js": "js",
        "assets/guides/logo.svg": "<svg/>",
        "search/3955ed5ce0.js": "window.GUIDE_INDEX={}",
        "files/form.pdf": "%PDF",
        "assets/guides/unused.css": "not taken",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def copy(site):
    pages = [f"{VILLAGE}/", f"{VILLAGE}/JZ-001/", f"{VILLAGE}/JF-001/"]
    return offline.OfflineCopy(site, URL + "/", VILLAGE, pages).build()


def page(copy, rel) -> str:
    return copy[rel].decode("utf-8")


def test_the_copy_holds_the_pages_and_the_files_they_use(copy):
    assert sorted(copy) == sorted([
        f"{VILLAGE}/index.html", f"{VILLAGE}/JZ-001/index.html", f"{VILLAGE}/JF-001/index.html",
        "assets/guides/guides.1234abcd.css", "assets/guides/bg.png", "assets/guides/guides.5678.js",
        "assets/guides/logo.svg", "search/3955ed5ce0.js", "files/form.pdf",
    ])  # the portal, the district guides and unused files stay online
    assert copy["assets/guides/bg.png"] == b"PNG"


def test_links_to_pages_of_the_copy_name_their_file(copy):
    home = page(copy, f"{VILLAGE}/index.html")
    assert 'href="JZ-001/index.html"' in home
    assert 'href="JF-001/index.html#fees"' in home  # the anchor kept
    guide = page(copy, f"{VILLAGE}/JZ-001/index.html")
    assert 'href="../index.html"' in guide and 'href="../JF-001/index.html"' in guide


def test_links_to_pages_not_in_the_copy_become_their_online_address(copy):
    home = page(copy, f"{VILLAGE}/index.html")
    assert f'href="{URL}/"' in home and f'href="{URL}/items/JZ-001/"' in home
    assert f'data-root="{URL}/"' in home


def test_external_links_anchors_and_unknown_files_are_left_alone(copy):
    home = page(copy, f"{VILLAGE}/index.html")
    for kept in ('href="tel:05334100001"', 'href="https://zwfw.sd.gov.cn/"', 'href="#top"', 'href="../nowhere.html"',
                 'data-index="../search/3955ed5ce0.js"', 'src="../assets/guides/logo.svg"'):
        assert kept in home, kept


def test_every_page_gets_the_script_that_opens_folders_as_files(copy):
    for rel, data in copy.items():
        if rel.endswith("index.html"):
            text = data.decode("utf-8")
            assert text.count(offline.FIX_LINKS) == 1 and text.index(offline.FIX_LINKS) < text.index("</body>")


def test_the_landing_page_escapes_everything():
    text = offline.landing('<script>alert(1)</script>站', VILLAGE, URL + "/?a=<b>")
    assert "<script>alert" not in text and "&lt;script&gt;" in text and "?a=&lt;b&gt;" in text
    assert f'url={VILLAGE}/index.html' in text


def test_the_stations_pages_are_its_home_and_guides():
    cat, _ = read_catalogue(MINI)
    assert offline.station_pages(cat, VILLAGE) == [f"{VILLAGE}/", f"{VILLAGE}/JZ-001/", f"{VILLAGE}/LN-001/",
                                                   f"{VILLAGE}/JF-001/"]


def test_the_zip_has_one_folder_a_landing_page_and_fixed_dates(site, tmp_path):
    cat, _ = read_catalogue(MINI)
    for item in ("LN-001",):  # the fixture site above lacks this guide: give it one
        (site / VILLAGE / item).mkdir()
        (site / VILLAGE / item / "index.html").write_text(GUIDE, encoding="utf-8")
    dest = offline.write_zip(cat, site, VILLAGE, tmp_path / "out" / f"{VILLAGE}-offline.zip")
    with zipfile.ZipFile(dest) as z:
        names = z.namelist()
        assert all(n.startswith(f"{VILLAGE}-offline/") for n in names)
        assert f"{VILLAGE}-offline/index.html" in names and f"{VILLAGE}-offline/{VILLAGE}/LN-001/index.html" in names
        assert {i.date_time for i in z.infolist()} == {(2020, 1, 1, 0, 0, 0)}  # the same pages, the same bytes
        assert "安上村便民服务站" in z.read(f"{VILLAGE}-offline/index.html").decode("utf-8")
    assert [p.name for p in dest.parent.iterdir()] == [dest.name]  # no temporary left beside it
    first = dest.read_bytes()
    offline.write_zip(cat, site, VILLAGE, dest)
    assert dest.read_bytes() == first
