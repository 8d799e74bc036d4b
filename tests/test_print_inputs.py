"""print_inputs.py in-process, no browser: what each printed sheet holds, the print document, the
file names, the QR codes' URLs, the stamps and key that decide a reprint, the board's changes.

The pages printed are the site's own: the mini district's station and guide pages are rendered
once by the render stage (render.Renderer, with the plan's stamps, as the build writes them) into a
site directory; a test that changes it works on its own copy. The print face is left out (as on a
PC without WenQuanYi: the system font), except in the test of the face itself."""
import json
import re
import shutil

import pytest

from conftest import MINI, ROOT, edit
from generator import printfont, qr, reprint
from generator.print_inputs import (CODE_INPUTS, TEST_PRINT, Section, StationSheets, article, board_changes,
                                    built_stamp, delivery_order, document_body, document_css, face_css, files,
                                    out_dir, print_root, printed_files, read_manifest, stale_pages)
from generator.print_inputs import test_print_mark as print_mark  # not a test: the 试印 mark
from generator.validate import read_catalogue

STATION = "370304001200"  # 安上村便民服务站: 3 guides, a local note, a partner point
COMMUNITY = "370304002001"  # 税务街社区便民服务站: 2 guides
GUIDES = ["JZ-001", "LN-001", "JF-001"]  # the station's items, in its catalogue's order


def render_site(cat, site):
    """The stations' home and guide pages as the build writes them (render stage, plan stamps)."""
    from generator.engine import Engine
    from generator.plan import Page, stamps
    from generator.render import Renderer
    from generator.urls import guide_path, station_path

    pages = [p for code in cat.stations for p in (
        Page("station", station_path(code), station=code),
        *(Page("guide", guide_path(code, item), station=code, item=item) for item in cat.offers[code]))]
    renderer = Renderer(cat, Engine(ROOT / "mkdocs.yml", cat.district.site_url), stamps(cat, pages))
    for page in pages:
        (site / page.path).mkdir(parents=True, exist_ok=True)
        (site / page.path / "index.html").write_text(renderer.render(page), encoding="utf-8")
    return site


def sheets_for(cat, site, out=None, **kw) -> StationSheets:
    """StationSheets as on a PC without the print face's source font (print.css's system font)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("generator.printfont.locate", lambda: None)  # fc-match would run a child process
        return StationSheets(cat, site, out, config_file=ROOT / "mkdocs.yml", **kw)


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    dest = tmp_path_factory.mktemp("print-inputs") / "content"
    shutil.copytree(MINI, dest)
    return dest


@pytest.fixture(scope="module")
def cat(content):
    cat, problems = read_catalogue(content)
    assert cat is not None, [str(p) for p in problems]
    return cat


@pytest.fixture(scope="module")
def site(cat, content):
    return render_site(cat, content.parent / "site")


@pytest.fixture(scope="module")
def sheets(cat, site):
    return sheets_for(cat, site)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def text_of(html_: str) -> str:
    return squash(re.sub(r"<[^>]+>", "", html_))


# ------------------------------------------------------------------------ files and the site


def test_file_names_and_where_printed_matter_goes(tmp_path):
    assert files(STATION) == {"board_pack": f"{STATION}-board-pack.pdf", "poster": f"{STATION}-poster.pdf",
                              "offline": f"{STATION}-offline.zip", "manifest": "manifest.json"}
    assert printed_files(STATION) == {k: v for k, v in files(STATION).items() if k != "manifest"}
    site = tmp_path / "site"
    assert print_root(site, None) == tmp_path.resolve() / "print", "beside the site, never inside it"
    assert print_root(site, tmp_path / "elsewhere") == tmp_path / "elsewhere"
    assert out_dir(site, None, STATION) == tmp_path.resolve() / "print" / STATION


def test_code_inputs_are_the_printing_modules_and_templates():
    names = {p.name for p in CODE_INPUTS}
    assert {"printing.py", "print_inputs.py", "print_browser.py", "printfont.py", "offline.py",
            "print_cover.html", "print_catalogue.html", "print_poster.html", "print_reprint.html"} <= names
    assert all(p.is_file() for p in CODE_INPUTS), "a print run's key reads every one of them"


def test_built_stamp_and_stale_pages_compare_the_site_with_the_content(site, cat, tmp_path):
    stamp = built_stamp(site, f"{STATION}/JF-001/")
    assert stamp and re.fullmatch(r"\d{4}-\d{2}-\d{2} · \w+", stamp)
    assert built_stamp(site, f"{STATION}/XX-999/") is None, "a missing page"
    assert stale_pages(cat, site, [STATION, COMMUNITY]) == [], "the pages were rendered from this content"

    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    page = copy / STATION / "JF-001" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace(stamp, "2020-01-01 · 000000"), encoding="utf-8")
    shutil.rmtree(copy / COMMUNITY / "JZ-001")
    assert stale_pages(cat, copy, [STATION, COMMUNITY]) == [f"{STATION}/JF-001/", f"{COMMUNITY}/JZ-001/"]
    assert stale_pages(cat, copy, [STATION]) == [f"{STATION}/JF-001/"], "only the stations asked for"


def test_article_ids_and_footer_text_are_made_safe():
    page = '<p>x</p><article class="md-content__inner md-typeset"><h2 id="a">A</h2>' \
           '<a href="#a">to a</a><a href="../">home</a><div aria-labelledby="a b"></div></article>'
    body = article(page, "s1-")
    assert 'id="s1-a"' in body and 'href="#s1-a"' in body and 'href="../"' in body
    assert 'aria-labelledby="s1-a s1-b"' in body and "<p>x</p>" not in body
    with pytest.raises(ValueError):
        article("<p>no article</p>", "s1-")

    css = document_css([Section("guide", "t", "u", "s", footer='村"</style><script>alert(1)</script>\\')])
    assert "</style>" not in css and "<script>" not in css and '村\\22 ' in css


# ------------------------------------------------------------------------ the documents


def test_document_css_and_body_give_each_section_its_named_page():
    parts = [Section("cover", "封面", "u", "s", footer="站 · 封面", html="<p>c</p>"),
             Section("poster", "海报", "u", "s", html="<p>p</p>")]  # no footer: no margin boxes
    css = document_css(parts)
    assert '@page s0 { counter-increment: s0; @bottom-left { content: "站 · 封面";' in css
    assert "@page s1" not in css, "the poster has no footer and no page count"
    assert css.startswith("@media screen { .p-part { display: none; } }"), "nothing laid out for the screen"
    assert document_body(parts) == ('<div class="p-part p-part--cover" style="page: s0"><p>c</p></div>\n'
                                    '<div class="p-part p-part--poster" style="page: s1"><p>p</p></div>')
    assert face_css("https://x/_print/face-1.ttf") == (
        '@font-face { font-family: "Guides Print"; src: url("https://x/_print/face-1.ttf") format("truetype");'
        ' font-weight: 100 900; }')


def test_pack_document_has_one_named_page_and_footer_per_section(sheets):
    sections = sheets.pack_sections(STATION)
    assert [s.kind for s in sections] == ["cover", "catalogue", "guide", "guide", "guide"]
    assert [s.title for s in sections[2:]] == ["1. 最低生活保障审核确认", "2. 老年人优待证办理", "3. 电费缴纳"]
    assert [s.item for s in sections[2:]] == GUIDES
    assert sections[4].footer == f"安上村便民服务站 · 事项 3/3 电费缴纳 · 版本 {sections[4].stamp}"
    doc = sheets.document(STATION, "公示材料", sections)
    assert doc.url == f"{sheets.site_url}/{STATION}/print/", "a guide's depth: its relative links stay right"
    for n, s in enumerate(sections):
        assert doc.html.count(f'style="page: s{n}"') == 1
        assert f"@page s{n} {{ counter-increment: s{n};" in doc.html
    # a guide's article as built: its stamp, ids made unique in the document
    stamp = sections[2].stamp
    assert stamp and f"版本 {stamp}" in sections[2].html
    ids = re.findall(r'\bid="([^"]+)"', doc.html)
    assert len(ids) == len(set(ids)), "ids unique across the guides"
    assert TEST_PRINT not in doc.html, "a real print carries no test mark"


def test_a_test_print_marks_every_page_and_changes_the_key(cat, site, sheets):
    marked = sheets_for(cat, site, test_print=True)
    css, mark = print_mark()
    doc = marked.document(STATION, "公示材料", marked.pack_sections(STATION))
    assert mark in doc.html and css in doc.html and TEST_PRINT in mark
    assert marked.key(STATION) != sheets.key(STATION), "a real print never passes for a test print"


def test_the_print_face_covers_every_character_of_the_document(cat, site, content):
    from fontTools.ttLib import TTFont
    import io

    face = printfont.PrintFace.for_content(content)
    assert face is not None, "WenQuanYi Micro Hei missing: `make test` installs fonts-wqy-microhei"
    sheets = StationSheets(cat, site, None, config_file=ROOT / "mkdocs.yml", face=face)
    sections = sheets.pack_sections(STATION)
    doc = sheets.document(STATION, "公示材料", sections)
    url, data = doc.face
    assert url.startswith(f"{sheets.site_url}/_print/face-") and doc.shell == url
    assert face_css(url) in doc.html
    cmap = TTFont(io.BytesIO(data)).getBestCmap()
    shown = set(text_of(sections[0].footer + sections[2].footer + "公示材料"))
    assert {c for c in shown if ord(c) > 127} <= {chr(c) for c in cmap}


# ------------------------------------------------------------------------ the station's own sheets


def test_front_sheets_carry_the_qr_codes_of_the_station_and_its_guides(sheets, cat):
    front = sheets.front(STATION)
    home = f"{sheets.site_url}/{STATION}/"
    assert qr.svg(home, title="安上村便民服务站 二维码") in front.poster
    for code in GUIDES:
        name = cat.items[code].name
        assert qr.svg(f"{home}{code}/", title=f"{name} 二维码") in front.catalogue, code
    assert f"本册版本 {front.stamp}" in front.cover
    assert "\x00" not in front.cover + front.catalogue + front.poster, "no placeholder left"
    assert sheets.front(STATION) is front, "rendered once per station"
    cover, catalogue = sheets.front_sections(STATION)
    assert (cover.kind, catalogue.kind, cover.url) == ("cover", "catalogue", home)
    assert cover.footer == f"安上村便民服务站 · 公示材料封面 · 本册版本 {front.stamp}"
    poster = sheets.poster_section(STATION)
    assert (poster.kind, poster.footer, poster.stamp, poster.html) == ("poster", None, front.poster_stamp, front.poster)


def test_cover_stamp_is_a_digest_of_the_cover_as_rendered(mini, site):
    def front(content):
        cat, _ = read_catalogue(content)
        return sheets_for(cat, site).front(STATION)

    before = front(mini)
    assert f"本册版本 {before.stamp}" in before.cover
    station = mini / "stations/370304001" / f"{STATION}.yaml"
    edit(mini / "items/JF-001.yaml", "在服务站协助下", "由服务站工作人员协助")  # a guide's text: not on the cover
    same = front(mini)
    assert (same.stamp, same.poster_stamp) == (before.stamp, before.poster_stamp)
    edit(station, "0533-4100001", "0533-4100009")  # the station's phone: on the cover and the poster
    after = front(mini)
    assert after.stamp != before.stamp and after.poster_stamp != before.poster_stamp
    assert "0533-4100009" in after.cover and "0533-4100009" in after.poster


def test_guide_sections_keep_the_catalogue_numbers_when_only_some_are_asked(sheets):
    only = sheets.guide_sections(STATION, {"JF-001"})
    assert [(s.item, s.title) for s in only] == [("JF-001", "3. 电费缴纳")]
    assert only[0].html == sheets.guide_sections(STATION)[2].html


# ------------------------------------------------------------------------ the key, the manifest, the board


def test_key_follows_the_stations_pages(cat, site, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    one = sheets_for(cat, copy)
    key = one.key(STATION)
    assert key == one.key(STATION)
    page = copy / COMMUNITY / "index.html"
    page.write_text(page.read_text(encoding="utf-8") + "<!-- another station -->", encoding="utf-8")
    assert one.key(STATION) == key, "another station's page is not this station's input"
    page = copy / STATION / "JF-001" / "index.html"
    page.write_text(page.read_text(encoding="utf-8") + "<!-- changed -->", encoding="utf-8")
    assert one.key(STATION) != key


def test_skip_decision_manifest_and_stale_sheets(cat, site, tmp_path):
    sheets = sheets_for(cat, site, tmp_path)
    sections = sheets.pack_sections(STATION)
    for n, s in enumerate(sections, 1):  # as finish_pdf sets them from the PDF's outline
        s.first_page = s.last_page = n
    key = sheets.key(STATION)
    m = sheets.manifest(STATION, key, sections, len(sections))
    assert m["stamp"] == m["front"] == sheets.front(STATION).stamp and m["pages"] == 5
    assert [(s["kind"], s["item"], s["first_page"]) for s in m["sections"]] == [
        ("cover", None, 1), ("catalogue", None, 2), ("guide", "JZ-001", 3), ("guide", "LN-001", 4), ("guide", "JF-001", 5)]
    assert all("html" not in s and "footer" not in s for s in m["sections"])
    assert sheets.pack_title(STATION) == f"安上村便民服务站 公示材料（本册版本 {m['stamp']}）"

    dest = tmp_path / STATION
    assert not sheets.is_current(STATION, key, m), "nothing printed yet"
    dest.mkdir()
    for name in m["files"].values():
        (dest / name).write_bytes(b"x")
    assert sheets.is_current(STATION, key, m)
    assert not sheets.is_current(STATION, "another key", m)
    assert not sheets.is_current(STATION, key, None)
    (dest / m["files"]["poster"]).unlink()
    assert not sheets.is_current(STATION, key, m), "a missing file is printed again"

    # what the station must replace on its board, from the last manifest and this one
    old = json.loads(json.dumps(m))
    old["sections"][4]["stamp"], old["poster"] = "2026-01-01 · 000000", "0"
    del old["sections"][3]
    replace, removed = board_changes(old, m)
    assert replace == ["二维码海报", "2. 老年人优待证办理（新增）",
                       f"3. 电费缴纳（版本 2026-01-01 · 000000 → {m['sections'][4]['stamp']}）"] and removed == []
    old["sections"].append({"kind": "guide", "item": "XX-001", "title": "9. 已取消", "stamp": "s"})
    assert board_changes(old, m)[1] == ["9. 已取消（版本 s）"]
    old["front"] = "x"
    assert board_changes(old, m)[0][0] == f"封面与事项目录清单（本册版本 {m['stamp']}）"
    assert board_changes(None, m) == ([], []), "a first print replaces nothing"


def test_read_manifest_takes_a_missing_or_broken_file_as_none(tmp_path):
    assert read_manifest(tmp_path / "manifest.json") is None
    (tmp_path / "manifest.json").write_text("{broken", encoding="utf-8")
    assert read_manifest(tmp_path / "manifest.json") is None
    (tmp_path / "manifest.json").write_text('{"key": "k"}', encoding="utf-8")
    assert read_manifest(tmp_path / "manifest.json") == {"key": "k"}


# ------------------------------------------------------------------------ reprint packs


def test_reprint_sections_say_what_to_replace_and_what_to_take_down(sheets):
    since = "2026-12-01T00:00:00Z"
    queued = [reprint.Sheet(STATION, "guide", "JF-001", "x", since), reprint.Sheet(STATION, "remove", "LN-001", None, since)]
    parts = sheets.reprint_sections(STATION, queued)
    assert [p.kind for p in parts] == ["reprint", "guide"]
    assert parts[1].item == "JF-001" and parts[1].title == "安上村便民服务站 · 3. 电费缴纳"
    text = text_of(parts[0].html)
    assert "更换：事项3电费缴纳" in text and "撤下：老年人优待证办理" in text
    assert parts[0].footer == "安上村便民服务站 · 更换说明"

    queued = [reprint.Sheet(STATION, "cover", None, "x", since), reprint.Sheet(STATION, "poster", None, "x", since)]
    parts = sheets.reprint_sections(STATION, queued)
    assert [p.kind for p in parts] == ["reprint", "cover", "catalogue", "poster"]
    assert "更换：二维码海报" in text_of(parts[0].html)


def test_delivery_order_follows_the_districts_order(cat):
    towns = delivery_order(cat, {COMMUNITY: [1], STATION: [2]})
    assert list(towns) == ["370304001", "370304002"] and towns["370304001"] == {STATION: [2]}
    assert delivery_order(cat, {}) == {}
