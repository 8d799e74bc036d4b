"""QR codes, printed guides and the station's board pack: paper identical to the web (issue 4).

Everything through the real `guides print` command on the mini fixture, read back
with real tools: zxing-cpp decodes every QR code (web pages as the browser draws them,
PDF pages rendered by pdftoppm), pdftotext reads the board pack, and headless Debian
chromium opens the offline copy from file://.
"""
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import os
import signal
import subprocess as sp
import sys
import time

import pikepdf
import pytest
import zxingcpp
from PIL import Image

from conftest import MINI, ROOT, Server, edit, guides, site_files
from generator import qr, reprint
from generator.validate import read_catalogue

STATION = "370304001200"          # 安上村便民服务站: 3 guides, a local note, a partner point
COMMUNITY = "370304002001"        # 税务街社区便民服务站: 2 guides
SITE_URL = "https://guides.mini.gov.cn"  # the printed fixture is a real print: a test print is marked 试印 on every page
TEST_URL = "https://guides.mini.example"  # the fixture content's reserved address: test prints only
DPI = 100                         # a modest scan: a 2.5 cm code is ~98 px, 2.4 px per module
MM_PER_INCH = 25.4


# ------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """The mini district built and both stations printed, by the real commands."""
    work = tmp_path_factory.mktemp("print")
    content, site = work / "content", work / "site"
    shutil.copytree(MINI, content)
    edit(content / "district.yaml", TEST_URL, SITE_URL)
    r = guides("print", STATION, COMMUNITY, "--content", content, "--site", site, "--jobs", "2")  # two browsers
    assert r.returncode == 0, r.stderr
    return {"content": content, "site": site, "stdout": r.stdout, "stderr": r.stderr}


def out(printed, code=STATION) -> Path:
    return printed["site"].parent / "print" / code  # beside the site, never inside it


def manifest(printed, code=STATION) -> dict:
    return json.loads((out(printed, code) / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def served(printed):
    server = Server(printed["site"])
    yield server
    server.stop()


def render(pdf: Path, dpi: int = DPI, first: int | None = None, last: int | None = None) -> list[Image.Image]:
    """The PDF's pages as images, by poppler's pdftoppm (grey, like a scan)."""
    args = ["pdftoppm", "-r", str(dpi), "-gray"]
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    tmp = pdf.parent / ".render"
    tmp.mkdir(exist_ok=True)
    for old in tmp.glob("*"):
        old.unlink()
    subprocess.run([*args, "-png", str(pdf), str(tmp / "p")], check=True)
    return [Image.open(p).convert("L") for p in sorted(tmp.glob("p-*.png"), key=lambda p: int(p.stem.split("-")[1]))]


def decode(image: Image.Image) -> list:
    return [b for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def page_of(site: Path, url: str) -> Path:
    """The file in site/ that a permanent URL maps to (asserts it has the site's address)."""
    assert url.startswith(SITE_URL + "/"), url
    path = urlsplit(url).path.lstrip("/")
    assert path == "" or path.endswith("/"), f"not a directory-style page URL: {url}"
    return site / path / "index.html"


def pdftotext(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-raw", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          check=True, capture_output=True, text=True).stdout


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def quiet_zone_ok(image: Image.Image, code) -> bool:
    """Four modules of white around the symbol, as printed."""
    p = code.position
    xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
    ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
    modules = qr.symbol_size(code.text, border=0)
    module = (max(xs) - min(xs)) / (modules - 1)  # zxing's corners are the outer modules' centres
    left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
    box = (int(left - 3.5 * module), int(top - 3.5 * module), int(right + 3.5 * module), int(bottom + 3.5 * module))
    inner = (left - 1.0 * module, top - 1.0 * module, right + 1.0 * module, bottom + 1.0 * module)
    region = image.crop(box)
    for y in range(region.height):
        for x in range(region.width):
            gx, gy = x + box[0], y + box[1]
            if inner[0] <= gx <= inner[2] and inner[1] <= gy <= inner[3]:
                continue
            if region.getpixel((x, y)) < 160:
                return False
    return True


# ------------------------------------------------------------------------ what is written


def test_print_writes_board_pack_poster_offline_copy_and_manifest(printed):
    from pypdf import PdfReader

    for code, n_items in ((STATION, 3), (COMMUNITY, 2)):
        d = out(printed, code)
        m = manifest(printed, code)
        for name in m["files"].values():
            assert (d / name).is_file(), name
        pack = PdfReader(d / m["files"]["board_pack"])
        assert len(pack.pages) == m["pages"]
        for page in pack.pages:  # A4, portrait
            assert abs(float(page.mediabox.width) - 595.3) < 2 and abs(float(page.mediabox.height) - 841.9) < 2
        kinds = [s["kind"] for s in m["sections"]]
        assert kinds == ["cover", "catalogue"] + ["guide"] * n_items
        assert [s["first_page"] for s in m["sections"]][0] == 1
        assert m["sections"][-1]["last_page"] == m["pages"]
        # one bookmark per section (the guides' headings nested under them)
        assert [o.title for o in pack.outline if not isinstance(o, list)] == [s["title"] for s in m["sections"]]
        for s in m["sections"]:
            assert pack.get_destination_page_number(
                next(o for o in pack.outline if not isinstance(o, list) and o.title == s["title"])) == s["first_page"] - 1
        poster = PdfReader(d / m["files"]["poster"])
        assert len(poster.pages) == 1, "the QR poster is one A4 sheet"
    assert f"{STATION} 安上村便民服务站" in printed["stdout"]


def test_cover_shows_station_hours_staff_hotlines_and_complaint_box(printed):
    pdf = out(printed) / f"{STATION}-board-pack.pdf"
    cover = squash(pdftotext(pdf, 1))
    for text in ("安上村便民服务站", "博山区城东街道安上村党群服务中心一楼", "0533-4100001",
                 "周一08:30-12:00、13:30-17:30", "周六09:00-11:30", "周日休息", "法定节假日休息",
                 "张秀英站长综合窗口党员先锋岗", "李建国帮办代办员帮办代办窗口",
                 "监督举报电话0533-4180000", "政务服务便民热线12345", "投诉箱位置大厅入口右侧",
                 "安上邮政便民服务点", "本册版本" + squash(manifest(printed)["stamp"])):
        assert text in cover, text
    catalogue = squash(pdftotext(pdf, manifest(printed)["sections"][1]["first_page"]))
    assert "事项目录清单" in catalogue
    for n, name in enumerate(["最低生活保障审核确认", "老年人优待证办理", "电费缴纳"], 1):
        assert f"{n}.{name}" in catalogue


# ------------------------------------------------------------------------ QR codes


def test_every_qr_code_on_the_web_pages_decodes_to_its_own_page(printed, served, browser):
    site = printed["site"]
    context = browser.new_context(device_scale_factor=2)  # a phone's screen
    page = context.new_page()
    try:
        paths = [f"{STATION}/"] + [f"{STATION}/{c}/" for c in ("JZ-001", "LN-001", "JF-001")]
        for path in paths:
            page.goto(served.url + path)
            qr = page.locator(".g-qr svg.qr")
            assert qr.count() == 1, path
            box = qr.bounding_box()
            assert box["width"] >= 2.5 / 2.54 * 96 - 0.5, f"{path}: QR narrower than 2.5 cm"
            codes = decode(Image.open(io.BytesIO(qr.screenshot())).convert("L"))
            assert len(codes) == 1, path
            assert codes[0].text == f"{SITE_URL}/{path}"
            assert codes[0].ec_level in ("M", "Q", "H")
            assert page_of(site, codes[0].text).is_file()
            url_text = page.locator(".g-qr .g-url").inner_text().strip()
            assert url_text == codes[0].text, "the URL printed under the code is the one it encodes"
    finally:
        context.close()


def test_every_qr_code_on_paper_decodes_to_a_page_of_the_site(printed):
    """Board pack pages and the poster, rendered by pdftoppm at 100 dpi: every code reads,
    keeps its quiet zone, has error correction ≥ M and leads to a page that exists."""
    site = printed["site"]
    m = manifest(printed)
    pack = out(printed) / m["files"]["board_pack"]
    images = render(pack)
    assert len(images) == m["pages"]
    home = f"{SITE_URL}/{STATION}/"
    guide_urls = {f"{SITE_URL}/{STATION}/{c}/" for c in ("JZ-001", "LN-001", "JF-001")}
    seen: dict[str, list[str]] = {}
    for section in m["sections"]:
        found = []
        for n in range(section["first_page"], section["last_page"] + 1):
            image = images[n - 1]
            for code in decode(image):
                assert code.ec_level in ("M", "Q", "H"), code.text
                assert page_of(site, code.text).is_file(), code.text
                assert quiet_zone_ok(image, code), f"page {n}: quiet zone of {code.text}"
                width_mm = (code.position.top_right.x - code.position.top_left.x) / DPI * MM_PER_INCH
                assert width_mm >= 25 * 33 / 41 * 0.93, f"page {n}: code printed {width_mm:.1f} mm wide"
                found.append(code.text)
        seen[section["title"]] = found
    assert seen["封面"] == [home]
    assert sorted(seen["事项目录清单"]) == sorted(guide_urls), "one code per item in the catalogue"
    for section in m["sections"][2:]:
        assert seen[section["title"]] == [section["url"]], section["title"]

    poster = render(out(printed) / m["files"]["poster"])
    codes = decode(poster[0])
    assert [c.text for c in codes] == [home]
    # the poster's code is large: the symbol alone at least 9 cm across
    width_mm = (codes[0].position.top_right.x - codes[0].position.top_left.x) / DPI * MM_PER_INCH
    assert width_mm > 90


# ------------------------------------------------------------------------ parity


WEB_TEXT = """() => {
  const art = document.querySelector("article");
  // navigation and controls are not the guide's text
  art.querySelectorAll("nav, button, .g-noprint").forEach(n => n.remove());
  // numbered lists: the numbers are printed, so count them in
  art.querySelectorAll("ol").forEach(ol => {
    if (getComputedStyle(ol).listStyleType !== "decimal") return;
    let i = 0;
    for (const li of ol.children) if (li.tagName === "LI") li.prepend(`${++i}. `);
  });
  return art.innerText;
}"""


def test_board_pack_guides_say_exactly_what_the_web_pages_say(printed, served, browser):
    from generator.plan import Page, stamp
    from generator.validate import read_catalogue

    cat, _ = read_catalogue(printed["content"])
    m = manifest(printed)
    pack = out(printed) / m["files"]["board_pack"]
    guides_ = [s for s in m["sections"] if s["kind"] == "guide"]
    assert len(guides_) == len(cat.offers[STATION])
    page = browser.new_page()
    try:
        for n, section in enumerate(guides_, 1):
            item = cat.items[section["item"]]
            path = f"{STATION}/{item.code}/"
            page.goto(served.url + path)
            web_stamp = page.locator(".g-stamp").inner_text().removeprefix("版本").strip()
            web = page.evaluate(WEB_TEXT)

            # the footer on every sheet: station, number in the catalogue, item, version, the guide's page i
            paper = []
            for i, p in enumerate(range(section["first_page"], section["last_page"] + 1), 1):
                lines = [ln for ln in pdftotext(pack, p).splitlines() if ln.strip()]
                right, left = squash(lines.pop(0)), squash(lines.pop(0))  # the page's margin boxes come first
                assert left == squash(f"安上村便民服务站 · 事项 {n}/{len(guides_)} {item.name} · 版本 {web_stamp}"), left
                assert right == f"第{i}页", right
                paper.append("\n".join(lines))
            assert squash("\n".join(paper)) == squash(web), f"{item.name}: paper differs from the web"

            # one version stamp everywhere: web page, paper, manifest, and the content it comes from
            assert web_stamp == section["stamp"] == stamp(cat, Page("guide", path, station=STATION, item=item.code))
            assert f"版本{squash(web_stamp)}" in squash("".join(paper))
    finally:
        page.close()


def test_print_stylesheet_gives_a_clean_black_on_white_a4_guide(printed, served, browser):
    """Printing a guide page from the browser: no header, navigation, search or footer; the
    station block, tick boxes, QR code (2.5 cm), URL and version stamp; black on white; A4."""
    context = browser.new_context()
    page = context.new_page()
    try:
        for elder in (False, True):  # 长辈模式 on the screen must not change the paper
            page.goto(served.url + f"{STATION}/JZ-001/" + ("?elder=1" if elder else ""))
            page.emulate_media(media="print")
            state = page.evaluate("""() => {
              const shown = sel => [...document.querySelectorAll(sel)].some(e => {
                const r = e.getBoundingClientRect(); return getComputedStyle(e).display !== "none" && r.width > 0 && r.height > 0; });
              const colours = new Set(), backgrounds = new Set();
              const walker = document.createTreeWalker(document.querySelector("article"), NodeFilter.SHOW_TEXT);
              while (walker.nextNode()) {
                const el = walker.currentNode.parentElement;
                if (!walker.currentNode.textContent.trim() || !el.getClientRects().length) continue;
                colours.add(getComputedStyle(el).color);
              }
              for (const el of document.querySelectorAll("article, article *")) {
                const bg = getComputedStyle(el).backgroundColor;
                if (bg !== "rgba(0, 0, 0, 0)" && bg !== "rgb(255, 255, 255)" && el.tagName !== "svg" && !el.closest("svg")) backgrounds.add(el.className + " " + bg);
              }
              const qr = document.querySelector(".g-qr svg").getBoundingClientRect();
              const box = document.querySelector(".g-box");
              return {
                header: shown(".md-header, header.g-header"), footer: shown(".md-footer"),
                nav: shown("nav, .g-crumbs"), search: shown(".g-search, input, button"),
                station: shown(".g-where"), boxes: shown(".g-box"), qr: shown(".g-qr svg"),
                url: shown(".g-url"), stamp: shown(".g-stamp"), qrWidth: qr.width,
                box: getComputedStyle(box).borderTopStyle + " " + getComputedStyle(box).borderTopColor,
                colours: [...colours], backgrounds: [...backgrounds],
                body: getComputedStyle(document.body).backgroundColor,
              };
            }""")
            assert not state["header"] and not state["footer"] and not state["nav"] and not state["search"], state
            assert state["station"] and state["boxes"] and state["qr"] and state["url"] and state["stamp"], state
            assert state["qrWidth"] >= 2.5 / 2.54 * 96 - 0.5, state["qrWidth"]
            assert state["box"] == "solid rgb(0, 0, 0)"
            assert state["colours"] == ["rgb(0, 0, 0)"], state["colours"]
            assert state["backgrounds"] == [], state["backgrounds"]
            assert state["body"] in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
            pdf = page.pdf(prefer_css_page_size=True)
            from pypdf import PdfReader

            reader = PdfReader(io.BytesIO(pdf))
            assert abs(float(reader.pages[0].mediabox.width) - 595.3) < 2, "A4 from the stylesheet"
            assert len(reader.pages) <= 3, "a guide is a few sheets, not a web page's length"
            page.emulate_media(media="screen")
    finally:
        context.close()


# ------------------------------------------------------------------------ offline copy


def test_offline_copy_works_from_file_urls_with_search(printed, browser, tmp_path):
    zpath = out(printed) / f"{STATION}-offline.zip"
    with zipfile.ZipFile(zpath) as z:
        names = z.namelist()
        z.extractall(tmp_path)
    root = tmp_path / f"{STATION}-offline"
    assert f"{STATION}-offline/{STATION}/index.html" in names
    assert not any("/items/" in n or n.endswith(f"{COMMUNITY}/index.html") for n in names), "this station only"

    # every link in the copy leads to a file of the copy, or to the website
    for html in root.rglob("*.html"):
        for attr, url in re.findall(r'\b(href|src|data-index|data-lunr|data-pinyin)="([^"]*)"',
                                    html.read_text(encoding="utf-8")):
            if re.match(r"^(https?:|tel:|mailto:|#|data:)", url) or not url:
                continue
            target = (html.parent / url.split("#")[0].split("?")[0]).resolve()
            assert target.is_file(), f"{html.relative_to(root)}: {attr}={url}"

    page = browser.new_page()
    try:
        page.goto((root / "index.html").as_uri())  # the landing page leads to the station
        page.wait_for_url(re.compile(rf"/{STATION}/index\.html$"))
        page.locator("#g-q").fill("低保")
        hit = page.locator("#g-results a", has_text="最低生活保障审核确认")
        hit.wait_for(timeout=10000)
        hit.click()
        page.wait_for_url(re.compile(r"/JZ-001/index\.html$"))
        assert page.locator("h1").inner_text() == "最低生活保障审核确认"
        # and back to the station home, by the page's own link
        page.locator('a[href="../index.html"]').first.click()
        page.wait_for_url(re.compile(rf"/{STATION}/index\.html$"))
        # a typo is found by sound from the copy too (issue 23.3: the pinyin table is in the copy)
        page.locator("#g-q").fill("低宝")
        page.locator("#g-results a", has_text="最低生活保障审核确认").wait_for(timeout=10000)
    finally:
        page.close()


# ------------------------------------------------------------------------ the command


def test_print_refuses_a_site_that_no_longer_matches_the_content_and_reports_stale_sheets(printed, tmp_path):
    content, site = tmp_path / "content", tmp_path / "site"
    shutil.copytree(MINI, content)
    r = guides("print", COMMUNITY, "--content", content, "--site", site, "--offline-only", "--test-print")
    assert r.returncode == 0, r.stderr  # no site yet: built first
    assert (tmp_path / "print" / COMMUNITY / f"{COMMUNITY}-offline.zip").is_file()
    assert not (site / COMMUNITY / "print").exists()

    r = guides("print", COMMUNITY, "--content", content, "--site", site, "--jobs", "1", "--test-print")
    assert r.returncode == 0, r.stderr
    r = guides("print", COMMUNITY, "--content", content, "--site", site, "--jobs", "1", "--test-print")
    assert r.returncode == 0 and "没有变化" in r.stdout, r.stdout

    item = content / "items" / "JF-001.yaml"
    item.write_text(item.read_text(encoding="utf-8").replace("在服务站协助下", "由服务站工作人员协助"), encoding="utf-8")
    r = guides("print", COMMUNITY, "--content", content, "--site", site, "--test-print")
    assert r.returncode == 1
    assert "与内容不一致" in r.stderr and "guides build" in r.stderr, r.stderr

    r = guides("print", COMMUNITY, "--content", content, "--site", site, "--build", "--jobs", "1", "--test-print")
    assert r.returncode == 0, r.stderr
    changed = [ln for ln in r.stdout.splitlines() if "需更换" in ln]
    # the guide, and the cover: its 本册版本 carries the newest guide date, which follows the content (issue 22.4)
    assert len(changed) == 2 and "封面与事项目录清单" in changed[0] and "电费缴纳" in changed[1], r.stdout

    r = guides("print", "999999999999", "--content", content, "--site", site, "--test-print")
    assert r.returncode == 1 and "999999999999" in r.stderr


# ------------------------------------------------------------------------ one document, one font


def pdffonts(pdf: Path) -> list[dict]:
    lines = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout.splitlines()[2:]
    fonts = []
    for line in lines:
        cols = line.split()
        # name, type (one or two words), encoding, emb, sub, uni, object id
        fonts.append({"name": cols[0], "type": " ".join(cols[1:-6]), "emb": cols[-5], "sub": cols[-4]})
    return fonts


def test_each_pdf_embeds_one_subset_per_font_family_and_no_type3(printed):
    for code in (STATION, COMMUNITY):
        for name in (f"{code}-board-pack.pdf", f"{code}-poster.pdf"):
            fonts = pdffonts(out(printed, code) / name)
            assert fonts, name
            assert all(f["emb"] == "yes" and f["sub"] == "yes" for f in fonts), fonts
            assert not any("Type 3" in f["type"] for f in fonts), fonts
            families = [f["name"].split("+", 1)[-1] for f in fonts]
            assert sorted(families) == sorted(set(families)), f"{name}: one subset per family, got {families}"
        # a pack weighs about one font subset plus its pages
        assert (out(printed, code) / f"{code}-board-pack.pdf").stat().st_size < 1.5 * 2**20


def test_a_full_size_board_pack_of_the_sample_is_small_with_one_font_subset(tmp_path):
    """The issue's pack: a station of the real sample with every village item (81 since issue 24).
    The district's other stations are left out of the copy to keep the build short."""
    content, site = tmp_path / "content", tmp_path / "site"
    shutil.copytree(ROOT / "content", content)
    keep = "370304001200"  # 安上村: every item
    for f in (content / "stations").rglob("*.yaml"):
        if f.stem != keep:
            f.unlink()
    (content / "published.txt").unlink()  # this copy is a district of one station, never published
    r = guides("print", keep, "--content", content, "--site", site, "--test-print")
    assert r.returncode == 0, r.stderr[-2000:]
    pack = site.parent / "print" / keep / f"{keep}-board-pack.pdf"
    m = json.loads((pack.parent / "manifest.json").read_text(encoding="utf-8"))
    offered = len(read_catalogue(content)[0].offers[keep])
    assert offered >= 80
    assert len([s for s in m["sections"] if s["kind"] == "guide"]) == offered and m["pages"] > 120
    # issue 13's budget was 1.5 MB for this station's 65 guides; issue 24 added guides, so the budget
    # is kept per guide (measured 1.66 MB for 80 guides, 20.7 KB a guide against 23 KB)
    assert pack.stat().st_size <= 1.5e6 * offered / 65, f"{pack.stat().st_size / 1e6:.2f} MB for {offered} guides"
    fonts = pdffonts(pack)
    assert len(fonts) == 1 and fonts[0]["emb"] == fonts[0]["sub"] == "yes" and "Type 3" not in fonts[0]["type"], fonts
    with pikepdf.open(pack) as pdf:
        assert pdf.Root.MarkInfo.Marked is True and len(pdf.Root.StructTreeRoot.K) > 0
        with pdf.open_outline() as outline:
            assert len(outline.root) == 2 + offered
    # every character the pack shows came from the print face: pdftotext of the pack has no
    # replacement character, and the text is the guides' (not boxes)
    text = subprocess.run(["pdftotext", str(pack), "-"], capture_output=True, text=True, check=True).stdout
    assert "\ufffd" not in text and "安上村便民服务站" in text and "办事指南" in text


def test_pdfs_are_tagged_with_language_title_and_outline(printed):
    m = manifest(printed)
    with pikepdf.open(out(printed) / m["files"]["board_pack"]) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in pdf.Root and len(pdf.Root.StructTreeRoot.K) > 0
        assert str(pdf.Root.Lang) == "zh-CN"
        assert pdf.Root.PageMode == pikepdf.Name.UseOutlines
        assert str(pdf.docinfo.Title).startswith("安上村便民服务站 公示材料")
        with pdf.open_outline() as outline:
            top = outline.root
            assert [o.title for o in top] == [s["title"] for s in m["sections"]]
            guide = top[2]
            assert guide.children, "a guide's own headings are bookmarks under it"


# ------------------------------------------------------------------------ pure inputs: test_print_inputs.py


# ------------------------------------------------------------------------ reprint pack


REAL_URL = SITE_URL  # not a reserved address: a real print, which empties the queue


def test_changed_prints_exactly_the_queued_sheets_and_empties_the_queue(tmp_path):
    content, site = tmp_path / "content", tmp_path / "site"
    shutil.copytree(MINI, content)
    edit(content / "district.yaml", TEST_URL, REAL_URL)
    r = guides("print", "--all", "--content", content, "--site", site)  # builds, prints all
    assert r.returncode == 0, r.stderr
    assert len(reprint.ReprintQueue.load(content)) == 0, "printed packs leave the queue"

    edit(content / "items/JF-001.yaml", "在服务站协助下", "由服务站工作人员协助")  # offered by both stations
    r = guides("build", "--content", content, "--out", site)
    assert r.returncode == 0, r.stderr
    queued = reprint.ReprintQueue.load(content).pending()
    assert {c: [(s.kind, s.item) for s in sheets] for c, sheets in queued.items()} == {
        STATION: [("guide", "JF-001")], COMMUNITY: [("guide", "JF-001")]}

    r = guides("print", "--changed", "--content", content, "--site", site)
    assert r.returncode == 0, r.stderr
    [run] = list((tmp_path / "print" / "reprint").iterdir())
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert [t["town"] for t in m["towns"]] == ["370304001", "370304002"], "one pack per town, in district order"
    for town, code in zip(m["towns"], (STATION, COMMUNITY)):
        assert [(s["kind"], s["item"], s["station"]) for s in town["sections"]] == [
            ("reprint", None, code), ("guide", "JF-001", code)]
        pdf = run / town["file"]
        guide = town["sections"][1]
        assert guide["stamp"] == queued[code][0].stamp, "the version the queue asked for"
        cover = squash(pdftotext(pdf, 1))
        assert "更换说明" in cover and "电费缴纳" in cover and guide["stamp"].replace(" ", "") in cover
        assert "由服务站工作人员协助" in squash(pdftotext(pdf, guide["first_page"]))
        images = render(pdf)
        codes = [c.text for n in range(guide["first_page"], guide["last_page"] + 1) for c in decode(images[n - 1])]
        assert codes == [f"{REAL_URL}/{code}/JF-001/"]
    assert len(reprint.ReprintQueue.load(content)) == 0, "printed sheets leave the queue"
    r = guides("print", "--changed", "--content", content, "--site", site)
    assert r.returncode == 0 and "没有待打印" in r.stdout, r.stdout


def test_a_test_print_is_marked_on_every_page_and_leaves_the_queue_as_it_was(tmp_path):
    content, site = tmp_path / "content", tmp_path / "site"
    shutil.copytree(MINI, content)
    assert guides("build", "--content", content, "--out", site).returncode == 0
    queue = (content / "reprint.yaml").read_bytes()
    r = guides("print", COMMUNITY, "--content", content, "--site", site, "--test-print", "--jobs", "1")
    assert r.returncode == 0, r.stderr
    assert (content / "reprint.yaml").read_bytes() == queue, "a test print is not the real print"
    pack = tmp_path / "print" / COMMUNITY
    for pdf in (pack / f"{COMMUNITY}-board-pack.pdf", pack / f"{COMMUNITY}-poster.pdf"):
        pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", pdf], capture_output=True,
                                                                   text=True).stdout).group(1))
        for n in range(1, pages + 1):
            assert "试印" in pdftotext(pdf, n), f"{pdf.name} page {n} has no 试印 mark"
    r = guides("print", "--changed", "--content", content, "--site", site, "--test-print")
    assert r.returncode == 0 and "重印队列未改动" in r.stdout, r.stdout
    [run] = list((tmp_path / "print" / "reprint").iterdir())
    assert "试印" in pdftotext(next(run.glob("*.pdf")), 1)
    assert (content / "reprint.yaml").read_bytes() == queue

    # the real print afterwards is printed again, unmarked (a test print is never "current")
    edit(content / "district.yaml", TEST_URL, REAL_URL)
    assert guides("build", "--content", content, "--out", site).returncode == 0
    r = guides("print", COMMUNITY, "--content", content, "--site", site, "--jobs", "1")
    assert r.returncode == 0, r.stderr
    assert "试印" not in pdftotext(pack / f"{COMMUNITY}-board-pack.pdf", 1)
    assert (content / "reprint.yaml").read_bytes() != queue, "the real print takes its sheets off the queue"


# ------------------------------------------------------------------------ no build can lose printed matter


def _pack_state(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_printed_matter_survives_clean_builds_theme_changes_concurrent_and_killed_builds(tmp_path):
    content, site, printed_dir = tmp_path / "content", tmp_path / "site", tmp_path / "print"
    shutil.copytree(MINI, content)
    args = ("--content", content, "--site", site, "--test-print", "--jobs", "1")
    r = guides("print", COMMUNITY, *args)
    assert r.returncode == 0, r.stderr
    packs = _pack_state(printed_dir)
    assert f"{COMMUNITY}/{COMMUNITY}-board-pack.pdf" in packs

    # a clean build, and a build after a theme change, replace the whole site: the packs stay
    assert guides("build", "--content", content, "--out", site, "--clean").returncode == 0
    assert _pack_state(printed_dir) == packs
    config = tmp_path / "mkdocs.yml"
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("primary: indigo", "primary: teal")
    config.write_text(text.replace("custom_dir: theme", f"custom_dir: {ROOT / 'theme'}").replace(
        "docs_dir: theme/empty-docs", f"docs_dir: {ROOT / 'theme/empty-docs'}"), encoding="utf-8")
    r = guides("build", "--content", content, "--out", site, "--config", config)
    assert r.returncode == 0 and "全量" in r.stdout, r.stdout
    assert _pack_state(printed_dir) == packs
    assert guides("build", "--content", content, "--out", site).returncode == 0  # back to the repository's theme
    site_before = site_files(site)

    def start(*argv):
        return sp.Popen([sys.executable, "-m", "generator", *map(str, argv)], cwd=ROOT, stdout=sp.PIPE,
                        stderr=sp.PIPE, text=True)

    # a print run and a clean build at once: both complete, nothing printed lands in the site
    printing = start("print", COMMUNITY, *args, "--force")
    building = start("build", "--content", content, "--out", site, "--clean")
    assert building.wait(timeout=600) == 0, building.stderr.read()
    assert printing.wait(timeout=600) == 0, printing.stderr.read()
    # (a PDF under files/ is an item's form from content/files/, published by the build, not printed)
    assert not [p for p in site.rglob("*") if "print" in p.parts
                or (p.suffix in (".pdf", ".zip") and p.parent != site / "files")]

    # a build killed (SIGKILL) while a print run goes on: packs complete and the site as it was
    site_before = site_files(site)
    printing = start("print", COMMUNITY, *args, "--force")
    building = start("build", "--content", content, "--out", site, "--clean")
    staging = tmp_path / f".{site.name}.staging-"
    deadline = time.monotonic() + 120
    while building.poll() is None and not list(tmp_path.glob(f"{staging.name}*")) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert building.poll() is None, "the build was still running when it was killed"
    os.kill(building.pid, signal.SIGKILL)
    building.wait()
    assert printing.wait(timeout=600) == 0, printing.stderr.read()
    assert site_files(site) == site_before
    m = json.loads((printed_dir / COMMUNITY / "manifest.json").read_text(encoding="utf-8"))
    with pikepdf.open(printed_dir / COMMUNITY / m["files"]["board_pack"]) as pdf:
        assert len(pdf.pages) == m["pages"]
    with zipfile.ZipFile(printed_dir / COMMUNITY / m["files"]["offline"]) as z:
        assert z.testzip() is None
    assert sorted(p.name for p in (printed_dir / COMMUNITY).iterdir()) == sorted(
        [*m["files"].values(), "manifest.json"]), "no half-written file left"
