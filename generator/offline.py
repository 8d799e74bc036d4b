"""The offline copy of one station's site: a zip for the station's PC, for when the network is down.

Unpacked anywhere and opened from the file system (file://), it works like the
website, search included: the station home, every guide, the shared theme files
they use and the station's search index (a script, so it loads from file:// too).

Browsers open a folder, not its index.html, from file://, so links inside the copy
are rewritten to name the file (`JZ-001/` -> `JZ-001/index.html`); links to pages
that are not in the copy (the district portal, the district-wide guides) become
their permanent online addresses. Links the page's script makes at run time (search
results) are fixed by a small script added to every page of the copy. Nothing else
in the pages changes: QR codes and version stamps are the website's.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

from markupsafe import escape

from .files import atomic_path
from .validate import Catalogue
from .urls import absolute, guide_path, station_path

# Attributes whose values are links to files of the site.
_LINK = re.compile(r'(?P<attr>\b(?:href|src|data-index|data-lunr|data-pinyin|data-root))="(?P<url>[^"]*)"')
_CSS_URL = re.compile(r"url\((?P<q>['\"]?)(?P<url>[^'\")]+)(?P=q)\)")
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", re.I)  # https:, tel:, data:, //host, #anchor

# file:// opens folders, not their index.html: links made at run time get the file name too.
FIX_LINKS = (
    '<script>/* offline copy: open a folder\'s index.html, as the website does */'
    'document.addEventListener("click",function(e){var a=e.target.closest&&e.target.closest("a[href]");'
    'if(a&&a.protocol==="file:"&&/\\/$/.test(a.pathname)){a.pathname+="index.html";}},true);</script>'
)

LANDING = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{name}（离线副本）</title>
<meta http-equiv="refresh" content="0; url={code}/index.html"></head>
<body><p><a href="{code}/index.html">打开{name}办事指南</a></p>
<p>这是网站 {url} 的离线副本，断网时在本机使用；联网时请以网站为准。</p></body></html>
"""


def landing(name: str, code: str, url: str) -> str:
    """The copy's front page. Opened from file://, where no Content-Security-Policy applies:
    every value is escaped, whatever the naming rule lets through."""
    return LANDING.format(name=escape(name), code=escape(code), url=escape(url))


def station_pages(cat: Catalogue, code: str) -> list[str]:
    """Site paths of the station's pages: its home and every guide."""
    return [station_path(code), *(guide_path(code, item) for item in cat.offers[code])]


class OfflineCopy:
    """Collects a station's pages and the files they use, with links rewritten."""

    def __init__(self, site: Path, site_url: str, code: str, pages: list[str]):
        self.site = Path(site)
        self.site_url = site_url.rstrip("/")
        self.code = code
        self.pages = set(pages)
        self.files: dict[str, bytes] = {}  # path in the copy -> content

    def build(self) -> dict[str, bytes]:
        for page in sorted(self.pages):
            self._page(page)
        return self.files

    def _page(self, page: str) -> None:
        src = self.site / page / "index.html"
        html = src.read_text(encoding="utf-8")

        def link(m: re.Match) -> str:
            return f'{m["attr"]}="{self._rewrite(page, m["url"])}"'

        html = _LINK.sub(link, html)
        html = html.replace("</body>", FIX_LINKS + "\n</body>", 1)
        self.files[page + "index.html"] = html.encode("utf-8")

    def _rewrite(self, page: str, url: str) -> str:
        if not url or _EXTERNAL.match(url):
            return url
        path, _, rest = url.partition("#")
        path, _, query = path.partition("?")
        suffix = ("?" + query if query else "") + ("#" + rest if rest else "")
        if not path:
            return url
        target = posixpath.normpath(posixpath.join(page, path))
        target = "" if target == "." else target
        if path.endswith("/") or (self.site / target).is_dir():
            page_path = (target + "/") if target else ""
            if page_path in self.pages:  # its query and #anchor kept, as for the pages left online
                return (posixpath.join(path, "index.html") if path.endswith("/") else path + "/index.html") + suffix
            # a page of the website that the copy does not hold: its permanent address
            return f"{self.site_url}/{page_path}{suffix}"
        if (self.site / target).is_file():
            self._asset(target)
            return url
        return url  # not a file of the site (e.g. a form's action): leave as it is

    def _asset(self, path: str) -> None:
        if path in self.files:
            return
        data = (self.site / path).read_bytes()
        self.files[path] = data
        if path.endswith(".css"):  # what a stylesheet uses (images, fonts), if anything
            base = posixpath.dirname(path)
            for m in _CSS_URL.finditer(data.decode("utf-8", "replace")):
                url = m["url"].split("#")[0].split("?")[0]
                if url and not _EXTERNAL.match(url):
                    target = posixpath.normpath(posixpath.join(base, url))
                    if (self.site / target).is_file():
                        self._asset(target)


def write_zip(cat: Catalogue, site: Path, code: str, dest: Path) -> Path:
    """The offline copy of station `code` as one zip, with a folder `<code>-离线/` inside."""
    st = cat.stations[code]
    copy = OfflineCopy(site, cat.district.site_url, code, station_pages(cat, code))
    files = copy.build()
    files["index.html"] = landing(st.name, code, absolute(copy.site_url, station_path(code))).encode("utf-8")
    folder = f"{code}-offline"
    dest = Path(dest)
    with atomic_path(dest) as tmp:  # a disk full half-way leaves no half-written zip beside the good one
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            for path in sorted(files):
                info = zipfile.ZipInfo(f"{folder}/{path}", date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, files[path])
    return dest
