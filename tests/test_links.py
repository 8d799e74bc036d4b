"""Issue 12, injection and links (12.9–12.12): every address and phone number an
administrator writes is read the way a browser reads it, every value written into
HTML is escaped, paper never carries a placeholder address, and `guides serve`
serves only the site's own files. Table-driven: each row is one hostile or careless input."""
import http.server
import os
import threading
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from conftest import guides
from generator.offline import landing
from generator.serve import Hooks, Reloader, _handler
from generator.urls import UrlError, check_link, reserved_origin, site_origin
from generator.validate import read_catalogue

ITEM = "items/LN-001.yaml"
VILLAGE = "stations/370304001/370304001200.yaml"
ALLOWED = ["zwfw.sd.gov.cn", "www.95598.cn"]


# ------------------------------------------------------------------ 12.10: links

# (case, url, accepted?) — what a browser would do decides, not what the text looks like
LINKS = [
    ("allowed domain", "https://zwfw.sd.gov.cn/", True),
    ("allowed subdomain with path and query", "https://a.zwfw.sd.gov.cn/jpaas/index?x=1#y", True),
    ("backslash before @: browsers go to evil.example", "https://evil.example\\@zwfw.sd.gov.cn/", False),
    ("userinfo: browsers go to the host after @", "https://zwfw.sd.gov.cn@evil.example/", False),
    ("userinfo with password", "https://u:p@zwfw.sd.gov.cn/", False),
    ("http", "http://zwfw.sd.gov.cn/", False),
    ("javascript", "javascript:alert(1)//zwfw.sd.gov.cn", False),
    ("no slashes", "https:zwfw.sd.gov.cn", False),
    ("suffix without dot", "https://evilzwfw.sd.gov.cn/", False),
    ("allowed name as a subdomain of another", "https://zwfw.sd.gov.cn.evil.example/", False),
    ("percent-encoded dot", "https://zwfw.sd.gov.cn%2Eevil.example/", False),
    ("full-width dots", "https://zwfw．sd．gov．cn/", False),
    ("ideographic full stop", "https://zwfw。sd。gov。cn/", False),
    ("mixed script (Cyrillic а)", "https://zwfw.sd.gov.сn/", False),
    ("punycode label", "https://xn--zwfw-9na.sd.gov.cn/", False),
    ("IP address", "https://127.0.0.1/", False),
    ("hex IP", "https://0x7f.1/", False),
    ("leading space", " https://zwfw.sd.gov.cn/", False),
    ("tab inside", "https://zwfw.sd.gov.cn/\tx", False),
    ("newline inside", "https://zwfw.sd.gov.cn/\nx", False),
    ("zero-width space", "https://zwfw\u200b.sd.gov.cn/", False),
    ("trailing dot host", "https://zwfw.sd.gov.cn./", False),
    ("upper case (same host for a browser)", "https://ZWFW.sd.gov.cn/", True),
]


@pytest.mark.parametrize("case,url,ok", LINKS, ids=[c[0] for c in LINKS])
def test_online_links_are_checked_as_a_browser_reads_them(case, url, ok):
    if ok:
        assert check_link(url, ALLOWED) == "zwfw.sd.gov.cn" or check_link(url, ALLOWED).endswith(".zwfw.sd.gov.cn")
    else:
        with pytest.raises(UrlError) as e:
            check_link(url, ALLOWED)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(e.value)), str(e.value)  # said in Chinese


def _set(rel, old, new):
    def edit(root: Path):
        p = root / rel
        text = p.read_text(encoding="utf-8")
        assert old in text, f"fixture changed: {old!r} not in {rel}"
        p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return edit


# (case, edit, file, field text, message text): through load + validate, file and line named
CONTENT = [
    ("item link with backslash", _set(ITEM, "url: https://zwfw.sd.gov.cn/", 'url: "https://evil.example\\\\@zwfw.sd.gov.cn/"'),
     ITEM, 40, "online.url", "反斜杠"),
    ("item link with userinfo", _set(ITEM, "url: https://zwfw.sd.gov.cn/", "url: https://zwfw.sd.gov.cn@evil.example/"),
     ITEM, 40, "online.url", "用户名"),
    ("portal outside the allow-list", _set("district.yaml", "url: https://zwfw.sd.gov.cn/", "url: https://evil.example/"),
     "district.yaml", 10, "portal.url", "online_domains"),
    ("portal with backslash", _set("district.yaml", "url: https://zwfw.sd.gov.cn/", 'url: "https://evil.example\\\\@zwfw.sd.gov.cn/"'),
     "district.yaml", 10, "portal.url", "反斜杠"),
    ("allow-list entry with scheme", _set("district.yaml", "online_domains: [zwfw.sd.gov.cn,", "online_domains: [https://zwfw.sd.gov.cn,"),
     "district.yaml", 11, "online_domains", "不是规范的域名"),
    ("site_url over http", _set("district.yaml", "site_url: https://guides.mini.example", "site_url: http://guides.mini.example"),
     "district.yaml", 5, "site_url", "https://"),
    ("site_url breaking out of the attribute", _set("district.yaml", "site_url: https://guides.mini.example",
                                                    "site_url: 'https://guides.mini.example/\"><script>alert(1)</script>'"),
     "district.yaml", 5, "site_url", "不带路径"),
    ("site_url with userinfo", _set("district.yaml", "site_url: https://guides.mini.example", "site_url: https://x@guides.mini.example"),
     "district.yaml", 5, "site_url", "用户名"),
    ("site_url with a path", _set("district.yaml", "site_url: https://guides.mini.example", "site_url: https://guides.mini.example/guides"),
     "district.yaml", 5, "site_url", "不带路径"),
    ("station phone with text", _set(VILLAGE, "phone: 0533-4100001", "phone: 0533-4100001 转 8"),
     VILLAGE, 6, "phone", "电话号码格式不正确"),
    ("station phone as a link", _set(VILLAGE, "phone: 0533-4100001", "phone: 'javascript:alert(1)'"),
     VILLAGE, 6, "phone", "电话号码格式不正确"),
    ("staff phone too short", _set(VILLAGE, "window: 帮办代办窗口}", "window: 帮办代办窗口, phone: '4100'}"),
     VILLAGE, 18, "staff.1.phone", "电话号码格式不正确"),
    ("item phone with quote", _set(ITEM, "phone: 0533-4182234", "phone: '0533-4182234\"'"),
     ITEM, 44, "phone", "电话号码格式不正确"),
    ("hotline with letters", _set("district.yaml", "supervision_hotline: 0533-4180000", "supervision_hotline: 0533-418OOOO"),
     "district.yaml", 6, "supervision_hotline", "电话号码格式不正确"),
    ("partner phone with spaces", _set(VILLAGE, "items: [JF-001]", "items: [JF-001]\n    phone: 0533 41 00 09"),
     VILLAGE, 29, "partners.0.phone", "电话号码格式不正确"),
]


@pytest.mark.parametrize("case,edit,path,line,field,message", CONTENT, ids=[c[0] for c in CONTENT])
def test_hostile_links_and_phones_in_content_are_errors(mini, case, edit, path, line, field, message):
    edit(mini)
    catalogue, problems = read_catalogue(mini)
    assert catalogue is None
    from generator.model import District, Item, Station, label

    model = Item if path.startswith("items/") else Station if path.startswith("stations/") else District
    shown = label(model, tuple(int(k) if k.isdigit() else k for k in field.split(".")))  # the clerk's words, no key
    hits = [p for p in problems.errors if p.path == str(mini / path) and p.line == line
            and shown in p.field and message in p.message]
    assert hits, f"expected {path}:{line}: {field} … {message}\n got:\n" + "\n".join(map(str, problems.errors))


# (phone, accepted?) — the formats the sample has (0533-xxxxxxx, 12345) and their kin
PHONES = [("0533-4180001", True), ("053341800011", True), ("010-12345678", True), ("13912345678", True),
          ("12345", True), ("12348", True), ("95598", True), ("400-123-4567", True), ("0533-4180001-801", True),
          ("0533 4180001", False), ("+86 13912345678", False), ("tel:12345", False), ("1234", False),
          ("139123456789", False), ("0533-418000１", False), ("12345<", False)]


@pytest.mark.parametrize("phone,ok", PHONES, ids=[p for p, _ in PHONES])
def test_phone_fields_accept_only_phone_numbers(phone, ok):
    from pydantic import TypeAdapter, ValidationError

    from generator.model import Phone

    if ok:
        assert TypeAdapter(Phone).validate_python(phone) == phone
    else:
        with pytest.raises(ValidationError):
            TypeAdapter(Phone).validate_python(phone)


def test_phone_pattern_is_in_the_model_schema():
    """Spreadsheets and the CMS read field rules from the model's JSON schema."""
    from generator.model import PHONE_PATTERN, Station

    schema = Station.model_json_schema()
    assert schema["properties"]["phone"]["pattern"] == PHONE_PATTERN


def test_sample_content_passes_the_new_rules():
    from conftest import ROOT

    catalogue, problems = read_catalogue(ROOT / "content")
    assert catalogue is not None, "\n".join(map(str, problems.errors))
    assert reserved_origin(catalogue.district.site_url)  # the sample is on a reserved name: never printable


# ------------------------------------------------------------------ 12.9: site_url and escaping

SITE_URLS = [
    ("https://guides.boshan.example", "https://guides.boshan.example"),
    ("https://guides.boshan.example/", "https://guides.boshan.example"),
    ("https://Guides.Boshan.gov.cn", "https://guides.boshan.gov.cn"),
    ("https://guides.boshan.gov.cn:8443", "https://guides.boshan.gov.cn:8443"),
    ('https://a.example/"><script>', None), ("https://a.example/x", None), ("https://a.example?x", None),
    ("https://a.example#x", None), ("http://a.example", None), ("https://a.example\\@b.example", None),
    ("https://127.0.0.1", None), ("javascript:alert(1)", None),
]


@pytest.mark.parametrize("url,origin", SITE_URLS, ids=[u for u, _ in SITE_URLS])
def test_site_url_is_an_https_origin(url, origin):
    if origin:
        assert site_origin(url) == origin
    else:
        with pytest.raises(UrlError):
            site_origin(url)


def test_offline_landing_page_escapes_the_station_name():
    html = landing('<script>alert("x")</script>村便民服务站', "370304001200", "https://guides.mini.example/370304001200/")
    assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;村便民服务站" in html


def test_a_script_in_an_address_never_runs(mini, tmp_path, browser):
    """`<script>…` is valid text in an address (a name can no longer hold it: a station's 区划名称 must be
    its code's official name, and its name follows from that); through build and the offline print,
    it is text everywhere (also inside the JSON-LD data block, where "<!--<script>" would make the
    parser swallow the page)."""
    hostile = "<!--<script>alert(1)</script>"
    _set(VILLAGE, "address: 博山区城东街道安上村党群服务中心一楼", f"address: '{hostile}安上村党群服务中心'")(mini)
    site = tmp_path / "site"
    assert guides("build", "--content", mini, "--out", site).returncode == 0
    r = guides("print", "370304001200", "--content", mini, "--site", site, "--offline-only", "--test-print")
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(tmp_path / "print/370304001200/370304001200-offline.zip") as z:
        pages = {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".html")}
    pages["portal"] = (site / "index.html").read_text(encoding="utf-8")
    pages["404"] = (site / "404.html").read_text(encoding="utf-8")
    for name, html in pages.items():
        assert "<script>alert(1)" not in html and "<!--<" not in html, name
    assert "&lt;!--&lt;script&gt;alert(1)&lt;/script&gt;安上村党群服务中心" in pages["370304001200-offline/370304001200/index.html"]
    # in a browser: no dialog, the page whole after the data block, the name shown as text
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with zipfile.ZipFile(tmp_path / "print/370304001200/370304001200-offline.zip") as z:
        z.extractall(tmp_path / "copy")
    page.goto((tmp_path / "copy/370304001200-offline/370304001200/JZ-001/index.html").as_uri(), wait_until="load")
    assert hostile in page.inner_text("body")
    assert page.evaluate("""JSON.parse(document.querySelector('script[type="application/ld+json"]').textContent)
        .availableChannel[0].serviceLocation.address.streetAddress""").startswith(hostile)
    assert page.locator("footer").count() >= 1 and page.locator("h1").count() == 1
    page.close()
    assert dialogs == []


# ------------------------------------------------------------------ 12.11: no placeholder on paper

ORIGINS = [
    ("https://guides.boshan.example", True), ("https://guides.test", True), ("https://x.invalid", True),
    ("https://localhost", True), ("https://app.localhost", True), ("https://example.com", True),
    ("https://www.example.org", True), ("https://bianmin.boshan.example.cn", True), ("https://127.0.0.1", True),
    ("https://guides", True), ("https://bianmin.boshan.gov.cn", False), ("https://guides.zibo.gov.cn:8443", False),
]


@pytest.mark.parametrize("origin,reserved", ORIGINS, ids=[o for o, _ in ORIGINS])
def test_reserved_and_placeholder_origins(origin, reserved):
    assert bool(reserved_origin(origin)) == reserved


def test_print_refuses_a_placeholder_origin_unless_a_test_print(mini, tmp_path):
    site = tmp_path / "site"
    r = guides("print", "370304001200", "--content", mini, "--site", site, "--offline-only")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{mini / 'district.yaml'}:5: 网站地址: " in r.stderr and "--test-print" in r.stderr, r.stderr
    assert not site.exists()  # refused before building or printing anything
    r = guides("print", "370304001200", "--content", mini, "--site", site, "--offline-only", "--test-print")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "print/370304001200/370304001200-offline.zip").is_file()


# ------------------------------------------------------------------ 12.12: guides serve

@pytest.fixture
def served_dir(tmp_path):
    root = tmp_path / "site"
    (root / "a").mkdir(parents=True)
    (root / "a/index.html").write_text("<p>page</p></body>", encoding="utf-8")
    (root / "empty").mkdir()
    (root / "empty/data.txt").write_text("x", encoding="utf-8")
    (root / "404.html").write_text("<h1>页面不存在</h1>", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    os.symlink("/etc/passwd", root / "passwd")
    os.symlink(secret, root / "secret.txt")
    os.symlink(tmp_path, root / "outside")
    os.symlink(root / "a", root / "inner")  # even a link within the site is not followed
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(root, Reloader(), Hooks()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


# (path, status, text in the body)
SERVE = [
    ("a/", 200, "page"), ("empty/data.txt", 200, "x"),
    ("passwd", 404, "页面不存在"), ("secret.txt", 404, "页面不存在"), ("outside/secret.txt", 404, "页面不存在"),
    ("outside/", 404, "页面不存在"), ("inner/", 404, "页面不存在"), ("inner/index.html", 404, "页面不存在"),
    ("empty/", 404, "页面不存在"), ("empty", 404, "页面不存在"), ("nothing/here/", 404, "页面不存在"),
    ("a/../passwd", 404, "页面不存在"), ("%2e%2e/secret.txt", 404, "页面不存在"),
]


@pytest.mark.parametrize("path,status,text", SERVE, ids=[s[0] for s in SERVE])
def test_serve_follows_no_symlink_and_lists_no_directory(served_dir, path, status, text):
    try:
        with urllib.request.urlopen(served_dir + path) as r:
            code, body = r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        code, body = e.code, e.read().decode("utf-8")
    assert code == status and text in body, (code, body[:200])
    assert "Directory listing" not in body and "root:" not in body and "secret" not in body


def test_the_engine_takes_only_a_checked_origin():
    """Material writes <link rel="canonical"> from site_url without escaping: the engine
    refuses anything but an https origin, whoever calls it (build, print, benchmarks)."""
    from conftest import ROOT
    from generator.engine import Engine

    with pytest.raises(UrlError):
        Engine(ROOT / "mkdocs.yml", 'https://a.example/"><script>alert(1)</script>')
    shell = Engine(ROOT / "mkdocs.yml", "https://Guides.Boshan.example/").shell("station")
    assert '<link rel="canonical" href="https://guides.boshan.example/xstationx/">' in "".join(shell.parts)
