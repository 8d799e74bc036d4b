"""`guides print`: what a station puts on paper, printed from the built website itself.

For every station asked for, under `print/<village>/` beside the site (`--out <dir>/<village>/`):

- `<village>-board-pack.pdf`, the board pack for the 公开公示栏: a cover (station,
  address, hours, staff with windows and badges, supervision hotline, 12345,
  complaint box), the item catalogue (目录清单) with each item's QR code, then every
  guide, in the catalogue's order;
- `<village>-poster.pdf`: A4, the station's name and one large QR code to its home;
- `<village>-offline.zip`: the station's site for its PC when the network is down
  (see offline.py);
- `manifest.json`: what the pack holds, page by page, with every guide's version stamp.

Print output lives outside the published tree: no build (clean, theme change, killed)
can touch it, and a print run never lands in the site.

The guides in the pack are the pages of `site/` themselves: each page's article, as
built, goes into ONE print document per pack (cover, catalogue, guides), printed by
headless Chromium with the site's print stylesheet, so the paper and the web cannot
drift. One document embeds one font subset (45 separate PDFs merged carried 45 copies
of the font): the print face, a small subset of WenQuanYi Micro Hei holding the
district's characters (printfont.py), where the system font was embedded whole. Every
section is a CSS named page whose margin boxes carry its footer and its own page count.
The PDF is tagged (structure tree, for screen readers) and its outline has one bookmark
per section. The browser shows the document at the station's permanent URL
(`<site>/<village>/print/`, the depth of a guide, so the articles' relative links stay
right) and every request is answered from `site/`: no server, no network. A worker's
browser loads the print shell once; each later document replaces its body in place.

`--changed` prints only what the reprint queue (reprint.py) holds: one PDF per town,
stations in delivery order, each station's sheets after a cover sheet saying which
sheets to replace or take down on its board. Printed sheets leave the queue.

The pages printed must be the current ones: a missing site is built first; a site
that no longer matches the content (a guide's version stamp differs) is refused
unless `--build` asks to rebuild it. A station whose pages, styles and templates have
not changed since its last print is skipped (`--force` prints it anyway), and every
run says which printed guides went stale and must be replaced on the board.

Layout: the pure part (what to print, the documents' HTML, the stamps: `StationPrinter`
and the functions below it) needs no browser; `Browser` only turns a document into a PDF.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import json
import multiprocessing as mp
import multiprocessing.util
import os
import re
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import dates, offline, printfont, qr, reprint
from .model import town_code
from .files import atomic_write
from .plan import Fingerprints, Page
from .problems import Problems
from .render import item_badges
from .validate import Catalogue, check_print_origin, read_catalogue
from .urls import absolute, guide_path, station_path

CHROMIUM = os.environ.get("GUIDES_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
HERE = Path(__file__).parent
TEMPLATES = ("print_cover.html", "print_catalogue.html", "print_poster.html", "print_reprint.html", "_marks.html")
# What a print run depends on beyond the station's pages: a change here reprints every station.
CODE_INPUTS = [HERE / "printing.py", HERE / "printfont.py", HERE / "offline.py",
               *(HERE / "templates" / t for t in TEMPLATES)]
FONT = "'Guides Print','WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif"  # as print.css: one subset, no Type 3

_STAMP = re.compile(r'class="g-stamp"[^>]*>\s*版本\s*([^<]+?)\s*<')
_ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*)</article>', re.S)
_IDREF = re.compile(r'\b(id|for|aria-labelledby|aria-describedby|aria-controls|href)="(#?)([^"]*)"')
_PLACEHOLDER = "\x00stamp\x00"


def files(code: str) -> dict[str, str]:
    """File names of a station's printed matter."""
    return {"board_pack": f"{code}-board-pack.pdf", "poster": f"{code}-poster.pdf",
            "offline": f"{code}-offline.zip", "manifest": "manifest.json"}


def printed_files(code: str) -> dict[str, str]:
    """The files a print run makes, without the manifest that lists them."""
    return {k: v for k, v in files(code).items() if k != "manifest"}


def print_root(site: Path, out: Path | None) -> Path:
    """Where printed matter goes: `--out`, else `print/` beside the site (never inside it)."""
    return Path(out) if out else Path(site).resolve().parent / "print"


def out_dir(site: Path, out: Path | None, code: str) -> Path:
    return print_root(site, out) / code


# ---------------------------------------------------------------------------- the site


def built_stamp(site: Path, path: str) -> str | None:
    """The version stamp a built page shows, or None if the page is missing."""
    f = Path(site) / path / "index.html"
    if not f.is_file():
        return None
    m = _STAMP.search(f.read_text(encoding="utf-8"))
    return m.group(1).strip() if m else ""


def stale_pages(cat: Catalogue, site: Path, codes: list[str]) -> list[str]:
    """The stations' pages that are missing from site/ or do not show the content's current version."""
    fp = Fingerprints(cat)
    out = []
    for code in codes:
        pages = [Page("station", f"{code}/", station=code),
                 *(Page("guide", guide_path(code, c), station=code, item=c) for c in cat.offers[code])]
        out += [p.path for p in pages if built_stamp(site, p.path) != fp.stamp(p)]
    return out


def article(page_html: str, prefix: str) -> str:
    """A built page's article (what the page says, without the site's chrome), its ids made
    unique in a document that holds many pages."""
    m = _ARTICLE.search(page_html)
    if not m:
        raise ValueError("no article")

    def fix(m: re.Match) -> str:
        attr, hash_, value = m.groups()
        if attr == "href":
            return m.group(0) if not hash_ or not value else f'href="#{prefix}{value}"'
        return f'{attr}="' + " ".join(prefix + v for v in value.split()) + '"'

    return _IDREF.sub(fix, m.group(1))


# ---------------------------------------------------------------------------- documents


@dataclass
class Section:
    """One part of a printed document: a named page of its own, with its footer."""
    kind: str  # cover | catalogue | guide | poster | reprint (a station's reprint cover sheet)
    title: str  # its bookmark
    url: str
    stamp: str
    item: str | None = None
    station: str | None = None
    footer: str | None = None  # left of the footer; None: no footer (the poster)
    html: str = field(default="", repr=False)
    first_page: int = 0
    last_page: int = 0


def _css_string(text: str) -> str:
    """A CSS string literal that cannot end the string or the <style> element."""
    return '"' + "".join(c if c.isalnum() or c in " ·/.-:（）()、，" or ord(c) > 127 and c not in "\u2028\u2029"
                         else f"\\{ord(c):x} " for c in text) + '"'


def face_css(face_url: str) -> str:
    """The print face (printfont.py) in place of the system font print.css names."""
    return f'@font-face {{ font-family: "Guides Print"; src: url("{face_url}") format("truetype"); font-weight: 100 900; }}'


TEST_PRINT = "试印 · 不得张贴"


def test_print_mark() -> tuple[str, str]:
    """A test print's mark on every page (CSS, HTML): a fixed element repeats on each printed page
    (the poster has no margins for a margin box), a large grey 试印 across the sheet and the words
    at its top, so no test sheet can pass for the real one on a board."""
    css = (".p-test-print { position: fixed; inset: 0; z-index: 1000; pointer-events: none; }"
           ".p-test-print b { position: absolute; top: 38%; left: 0; right: 0; text-align: center; font-size: 110pt;"
           " color: rgba(0,0,0,.13); transform: rotate(-30deg); font-weight: 700; }"
           ".p-test-print i { position: absolute; top: 0; right: 0; text-align: right; font-style: normal;"
           " font-size: 9pt; font-weight: 700; color: #000; }")
    return css, f'<div class="p-test-print" aria-hidden="true"><b>试印</b><i>{TEST_PRINT}</i></div>'


def document_css(sections: list[Section]) -> str:
    """A named page per section: its footer in the page's margin boxes, and its own page count
    (a counter of that named page: `第 2 页` is the section's second sheet).

    Nothing is laid out for the screen: Chromium lays a document out for the screen on load
    and again after printing, which cost a third of a pack's time and was never seen."""
    rules = ["@page { @bottom-left { content: none } @bottom-right { content: none } }",
             ".p-part { break-before: page; } .p-part:first-child { break-before: auto; }"]
    box = f"font-family: {FONT}; font-synthesis: none; font-size: 7.5pt; color: #000; vertical-align: top;"
    for n, s in enumerate(sections):
        if s.footer is None:
            continue
        rules.append(
            f"@page s{n} {{ counter-increment: s{n}; "
            f"@bottom-left {{ content: {_css_string(s.footer)}; {box} text-align: left; }} "
            f"@bottom-right {{ content: \"第 \" counter(s{n}) \" 页\"; {box} text-align: right; white-space: nowrap; }} }}")
    return "@media screen { .p-part { display: none; } }\n@media print {\n" + "\n".join(rules) + "\n}"


def document_body(sections: list[Section]) -> str:
    return "\n".join(f'<div class="p-part p-part--{s.kind}" style="page: s{n}">{s.html}</div>'
                     for n, s in enumerate(sections))


# ---------------------------------------------------------------------------- the browser


_READY = ("Promise.all([document.fonts.load('16px \"Guides Print\"', '字'), "
          "...Array.from(document.images, i => i.decode().catch(() => null))])"
          ".then(() => document.fonts.ready).then(() => true)")
_SWAP = """([url, html]) => {
  const next = new DOMParser().parseFromString(html, "text/html");
  history.replaceState(null, "", url);  // relative links resolve as at the document's own URL
  document.title = next.title;
  document.getElementById("p-doc").replaceWith(document.adoptNode(next.getElementById("p-doc")));
  document.body.replaceWith(document.adoptNode(next.body));
  return """ + _READY + """;
}"""


class Browser:
    """Headless Chromium that sees the site at its permanent URLs, answered from site/."""

    def __init__(self, site: Path, site_url: str):
        from playwright.sync_api import sync_playwright

        self.site = Path(site).resolve()
        self.base = site_url.rstrip("/") + "/"
        self.virtual: dict[str, tuple[str, str | bytes]] = {}  # URL -> (type, body): documents, the face
        self.shell: str | None = None  # the loaded document's (see Document.shell)
        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            self._context = self._browser.new_context(locale="zh-CN", service_workers="block")
            self._context.route("**/*", self._answer)
            self.page = self._context.new_page()
        except BaseException:
            self._pw.stop()
            raise

    def _answer(self, route) -> None:
        url = route.request.url.split("#")[0]
        if url in self.virtual:
            kind, body = self.virtual[url]
            return route.fulfill(status=200, content_type=kind, body=body)
        if not url.startswith(self.base):
            return route.abort()  # a printed page loads nothing from elsewhere
        rel = url[len(self.base):].split("?")[0]
        target = (self.site / rel).resolve()
        if target.is_dir():
            target = target / "index.html"
        if self.site not in target.parents or not target.is_file():
            return route.fulfill(status=404, content_type="text/plain", body="not found")
        return route.fulfill(status=200, path=str(target))

    def pdf(self, doc: Document) -> bytes:
        """The document, served at its URL, as a tagged A4 PDF with an outline from its headings.

        A document with the loaded one's shell replaces its title, page rules and body in place
        (its URL too): the stylesheets stay parsed and the face loaded. A navigation per document
        cost about a second of Chromium's time per station (a pack and a poster)."""
        if doc.face:
            self.virtual[doc.face[0]] = ("font/ttf", doc.face[1])
        try:
            if doc.shell and doc.shell == self.shell:
                self.page.evaluate(_SWAP, [doc.url, doc.html])
            else:
                self.shell = None
                self.virtual[doc.url] = ("text/html; charset=utf-8", doc.html)
                response = self.page.goto(doc.url, wait_until="load")
                if response is None or response.status != 200:
                    raise RuntimeError(f"{doc.url}: {response.status if response else '无响应'}")
                # Nothing shows on screen, so nothing asks for the face yet: load it before printing.
                self.page.evaluate(_READY)
                self.shell = doc.shell
            return self.page.pdf(format="A4", prefer_css_page_size=True, print_background=False,
                                 tagged=True, outline=True)
        except BaseException:
            self.shell = None  # whatever is loaded now is not to be trusted: navigate next time
            raise
        finally:
            self.virtual.clear()

    def close(self) -> None:
        try:
            self._browser.close()
        finally:
            self._pw.stop()


def finish_pdf(data: bytes, sections: list[Section], *, title: str, author: str, subject: str) -> tuple[bytes, int]:
    """Chromium's PDF with its outline's top entries (each section's h1) named as the sections,
    the sections' page ranges set from them, document information, language and "show
    bookmarks". Returns the PDF and its page count."""
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(data))
    pages = {page.objgen: n for n, page in enumerate(pdf.pages, 1)}
    with pdf.open_outline() as outline:
        top = list(outline.root)
        if len(top) != len(sections):
            raise RuntimeError(f"{title}: {len(top)} 个书签，{len(sections)} 个部分")
        for entry, section in zip(top, sections):
            dest = entry.destination
            target = dest[0] if isinstance(dest, pikepdf.Array) else None
            if target is None:
                raise RuntimeError(f"{title}: 书签“{entry.title}”没有页码")
            section.first_page = pages[target.objgen]
            entry.title = section.title
    for n, section in enumerate(sections):
        section.last_page = sections[n + 1].first_page - 1 if n + 1 < len(sections) else len(pdf.pages)
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = title
        meta["dc:creator"] = [author]
        meta["dc:description"] = subject
        meta["xmp:CreatorTool"] = "guides print"
    pdf.docinfo["/Title"] = title
    pdf.docinfo["/Author"] = author
    pdf.docinfo["/Subject"] = subject
    pdf.docinfo["/Creator"] = "guides print"
    pdf.Root.Lang = pikepdf.String("zh-CN")
    pdf.Root.PageMode = pikepdf.Name.UseOutlines
    pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    return out.getvalue(), len(pdf.pages)


# ---------------------------------------------------------------------------- one station


@dataclass
class StationReport:
    code: str
    name: str
    printed: bool  # False: unchanged since the last print, skipped
    pages: int = 0
    stamp: str = ""
    replace: list[str] = field(default_factory=list)  # printed guides that went stale: replace on the board
    removed: list[str] = field(default_factory=list)  # guides no longer offered: take off the board


@dataclass
class Document:
    """A print document at its URL, and the print face it names (URL, TrueType), if any.
    Documents with the same `shell` differ only in their title, `<style id="p-doc">` and body."""
    url: str
    html: str
    face: tuple[str, bytes] | None = None
    shell: str = ""


@dataclass
class Front:
    """The station's own sheets, rendered: cover, catalogue, poster, and their stamps."""
    cover: str
    catalogue: str
    poster: str
    stamp: str  # the cover's and catalogue's: printed on them as 本册版本
    poster_stamp: str


class StationPrinter:
    """What a station's printed matter holds (no browser needed), and printing it."""

    def __init__(self, cat: Catalogue, site: Path, out: Path | None, *, config_file: Path = Path("mkdocs.yml"),
                 face: printfont.PrintFace | None = None, test_print: bool = False):
        from .engine import Engine
        from .render import Renderer

        self.cat = cat
        self.site = Path(site)
        self.out = out
        self.site_url = cat.district.site_url.rstrip("/")
        self.engine = Engine(config_file, self.site_url)
        self.renderer = Renderer(cat, self.engine, {})  # for its templates and station view data
        self._browser: Browser | None = None
        self._fronts: dict[str, Front] = {}
        self.test_print = test_print  # every page marked 试印 (test_print_mark)
        # None: the system font (print.css's local() face), e.g. when WenQuanYi is not installed
        self.face = face if face is not None else (printfont.PrintFace.for_content(cat.root) if cat.root else None)

    @property
    def browser(self) -> Browser:
        if self._browser is None:
            self._browser = Browser(self.site, self.site_url)
        return self._browser

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None

    # ------------------------------------------------------------ pure inputs

    def front(self, code: str) -> Front:
        """The cover, catalogue and poster as HTML. Their stamps are digests of exactly that HTML
        (as a guide's stamp is of exactly what it shows), so the same stamp means the same sheet."""
        if code in self._fronts:
            return self._fronts[code]
        st = self.cat.stations[code]
        items = self.cat.station_items(code)
        url = absolute(self.site_url, station_path(code))
        view = {
            "sv": self.renderer.station_view(code), "st": st, "url": url, "count": len(items),
            "entries": [{"item": it, "badges": item_badges(it), "url": f"{url}{it.code}/",
                         "qr": qr.svg(f"{url}{it.code}/", title=f"{it.name} 二维码")} for it in items],
            "online": sum(1 for it in items if it.online.available),
            "proxy": sum(1 for it in items if it.proxy.available),
            "qr": qr.svg(url, title=f"{st.name} 二维码"), "stamp": _PLACEHOLDER,
        }
        render = self.renderer.env.get_template
        cover, catalogue, poster = (render(t).render(**view) for t in TEMPLATES[:3])
        latest = max(it.updated for it in items).isoformat()
        stamp = f"{latest} · {_digest(cover + catalogue)[:6]}"
        front = Front(cover.replace(_PLACEHOLDER, html.escape(stamp)), catalogue, poster, stamp, _digest(poster))
        self._fronts[code] = front
        return front

    def guide_sections(self, code: str, only: set[str] | None = None) -> list[Section]:
        """The station's guides as built, numbered as in its catalogue (`only`: these items)."""
        st = self.cat.stations[code]
        items = self.cat.station_items(code)
        out = []
        for n, item in enumerate(items, 1):
            if only is not None and item.code not in only:
                continue
            path = guide_path(code, item.code)
            page = (self.site / path / "index.html").read_text(encoding="utf-8")
            m = _STAMP.search(page)
            stamp = m.group(1).strip() if m else ""
            out.append(Section("guide", f"{n}. {item.name}", f"{self.site_url}/{path}", stamp, item=item.code,
                               station=code, footer=f"{st.name} · 事项 {n}/{len(items)} {item.name} · 版本 {stamp}",
                               html=article(page, f"s{code}-{item.code}-")))
        return out

    def front_sections(self, code: str) -> list[Section]:
        st = self.cat.stations[code]
        f = self.front(code)
        url = absolute(self.site_url, station_path(code))
        return [Section("cover", "封面", url, f.stamp, station=code, html=f.cover,
                        footer=f"{st.name} · 公示材料封面 · 本册版本 {f.stamp}"),
                Section("catalogue", "事项目录清单", url, f.stamp, station=code, html=f.catalogue,
                        footer=f"{st.name} · 事项目录清单 · 本册版本 {f.stamp}")]

    def poster_section(self, code: str) -> Section:
        f = self.front(code)
        return Section("poster", "二维码海报", absolute(self.site_url, station_path(code)), f.poster_stamp, station=code,
                       html=f.poster)

    def pack_sections(self, code: str) -> list[Section]:
        """The board pack: cover, catalogue, every guide."""
        return [*self.front_sections(code), *self.guide_sections(code)]

    def reprint_sections(self, code: str, sheets: list[reprint.Sheet]) -> list[Section]:
        """A station's part of a reprint pack: a cover sheet saying what to replace and what to
        take down on its board, then the sheets to put up, in board order."""
        st = self.cat.stations[code]
        names = {c: it.name for c, it in self.cat.items.items()}
        number = {it.code: n for n, it in enumerate(self.cat.station_items(code), 1)}
        kinds = {s.kind for s in sheets}
        guides = self.guide_sections(code, {s.item for s in sheets if s.kind == "guide"})
        parts = (self.front_sections(code) if "cover" in kinds else []) + guides
        parts += [self.poster_section(code)] if "poster" in kinds else []
        lines = []
        for p in parts:
            if p.kind == "catalogue":
                continue
            what = {"cover": f"封面与事项目录清单（本册版本 {p.stamp}）", "poster": "二维码海报"}.get(
                p.kind, f"事项 {number.get(p.item, '')} {names.get(p.item, p.item)}（版本 {p.stamp}）")
            lines.append(("更换", what))
        lines += [("撤下", f"{names.get(s.item, s.item)}（本站已不再办理）") for s in sheets if s.kind == "remove"]
        cover = self.renderer.env.get_template("print_reprint.html").render(
            st=st, sv=self.renderer.station_view(code), lines=lines, sheets=len(parts),
            date=dt.date.today().isoformat())
        head = Section("reprint", f"{st.name} 更换说明", absolute(self.site_url, station_path(code)), "", station=code, html=cover,
                       footer=f"{st.name} · 更换说明")
        for p in parts:
            p.title = f"{st.name} · {p.title}"
        return [head, *parts]

    def key(self, code: str) -> str:
        """Digest of everything the station's printed matter is made from."""
        h = hashlib.sha256()
        for p in offline.station_pages(self.cat, code):
            h.update(p.encode() + b"\0" + (self.site / p / "index.html").read_bytes())
        for f in sorted((self.site / "assets" / "guides").glob("*")) + CODE_INPUTS:
            h.update(f.name.encode() + b"\0" + f.read_bytes())
        f = self.front(code)
        h.update(f"{f.stamp}\0{f.poster_stamp}".encode())
        h.update(b"test print" if self.test_print else b"")  # a real print never passes for a test print
        return h.hexdigest()

    def document(self, code: str, title: str, sections: list[Section]) -> Document:
        """The print document: the site's print shell holding the sections, one named page each,
        and the print face covering every character they show (footers included)."""
        st = self.cat.stations[code]
        body = document_body(sections)
        mark_css = ""
        if self.test_print:
            mark_css, mark = test_print_mark()
            body = mark + body
        face = None
        if self.face is not None:
            digest, data = self.face.for_text(body + title + "".join(s.footer or "" for s in sections))
            face = (f"{self.site_url}/_print/face-{digest}.ttf", data)
        head = (f'<style id="p-face">{face_css(face[0])}</style>' if face else "") + \
            f'<style id="p-doc">{document_css(sections)}{mark_css}</style>'
        html_ = self.engine.shell("print").fill(station=code, site_name=st.name, title=title,
                                                description=f"{st.name} {title}", content=body, head=head)
        return Document(f"{self.site_url}/{code}/print/", html_, face, shell=face[0] if face else "")

    def is_current(self, code: str, key: str, previous: dict | None) -> bool:
        """The station's printed matter is still what its pages make: same key, every file there."""
        dest = out_dir(self.site, self.out, code)
        return bool(previous) and previous.get("key") == key and all(
            (dest / name).is_file() for name in printed_files(code).values())

    def pack_title(self, code: str) -> str:
        return f"{self.cat.stations[code].name} 公示材料（本册版本 {self.front(code).stamp}）"

    def manifest(self, code: str, key: str, sections: list[Section], pages: int) -> dict:
        """What a printed pack holds, page by page (`sections` with their page ranges)."""
        front = self.front(code)
        return {
            "station": code, "name": self.cat.stations[code].name, "stamp": front.stamp, "key": key,
            "pages": pages, "front": front.stamp, "poster": front.poster_stamp,
            "printed": dt.datetime.now().isoformat(timespec="seconds"), "test_print": self.test_print,
            "files": printed_files(code),
            "sections": [_section_record(s) for s in sections],
        }

    # ------------------------------------------------------------ printing

    def render_pdf(self, code: str, title: str, sections: list[Section], subject: str) -> tuple[bytes, int]:
        data = self.browser.pdf(self.document(code, title, sections))
        return finish_pdf(data, sections, title=title, author=f"{self.cat.district.city}{self.cat.district.name}",
                          subject=subject)

    def print_station(self, code: str, *, force: bool = False, offline_only: bool = False) -> StationReport:
        """Print one station unless its printed matter is current; say which sheets went stale."""
        st = self.cat.stations[code]
        dest = out_dir(self.site, self.out, code)
        names = files(code)
        report = StationReport(code, st.name, printed=True)
        if offline_only:
            offline.write_zip(self.cat, self.site, code, dest / names["offline"])
            return report
        previous = _read_manifest(dest / names["manifest"])
        key = self.key(code)
        if not force and self.is_current(code, key, previous):
            report.printed = False
            report.pages, report.stamp = previous.get("pages", 0), previous.get("stamp", "")
            return report

        sections = self.pack_sections(code)
        pack, total = self.render_pdf(code, self.pack_title(code), sections,
                                      "村（社区）便民服务站公开公示栏：封面、事项目录清单、办事指南")
        poster, _ = self.render_pdf(code, f"{st.name} 二维码海报", [self.poster_section(code)], "服务站二维码海报")
        atomic_write(dest / names["board_pack"], pack)
        atomic_write(dest / names["poster"], poster)
        offline.write_zip(self.cat, self.site, code, dest / names["offline"])
        manifest = self.manifest(code, key, sections, total)
        atomic_write(dest / names["manifest"], json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        report.pages, report.stamp = total, manifest["stamp"]
        report.replace, report.removed = _changes(previous, manifest)
        return report

    def print_reprint(self, town: str, pending: dict[str, list[reprint.Sheet]], dest: Path) -> dict:
        """One town's reprint pack: its stations (in delivery order) with their queued sheets."""
        sections = []
        for code, sheets in pending.items():
            sections += self.reprint_sections(code, sheets)
        name = self.cat.town_name(town)
        title = f"{name} 重印公示材料（{dt.date.today().isoformat()}）"
        first = next(iter(pending))
        data, total = self.render_pdf(first, title, sections, "村（社区）便民服务站公开公示栏：需更换的材料")
        atomic_write(dest, data)
        return {"town": town, "name": name, "file": dest.name, "pages": total,
                "stations": list(pending), "sections": [_section_record(s) for s in sections]}


def _section_record(s: Section) -> dict:
    return {k: v for k, v in asdict(s).items() if k not in ("html", "footer")}


def _digest(data) -> str:
    if not isinstance(data, str):
        data = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:12]


def _read_manifest(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _changes(previous: dict | None, current: dict) -> tuple[list[str], list[str]]:
    """Printed sheets that went stale since the last print, and guides no longer offered."""
    if not previous:
        return [], []
    old = {s["item"]: s for s in previous.get("sections", []) if s.get("kind") == "guide"}
    new = {s["item"]: s for s in current["sections"] if s.get("kind") == "guide"}
    replace = []
    if previous.get("front") != current["front"]:
        replace.append(f"封面与事项目录清单（本册版本 {current['stamp']}）")
    if previous.get("poster") != current["poster"]:
        replace.append("二维码海报")
    replace += [f"{s['title']}（版本 {old[c]['stamp']} → {s['stamp']}）" if c in old else f"{s['title']}（新增）"
                for c, s in new.items() if c not in old or old[c]["stamp"] != s["stamp"]]
    removed = [f"{s['title']}（版本 {s['stamp']}）" for c, s in old.items() if c not in new]
    return replace, removed


def delivery_order(cat: Catalogue, pending: dict[str, list]) -> dict[str, dict[str, list]]:
    """Town -> its stations with queued sheets, towns and stations in the district's order (the
    order the content lists them: the order a delivery round visits them)."""
    towns: dict[str, dict[str, list]] = {}
    for code in cat.stations:
        if code in pending:
            towns.setdefault(town_code(code), {})[code] = pending[code]
    return towns


# ---------------------------------------------------------------------------- many stations

_WORKER: dict = {}


def _worker_init(content: str, site: str, out: str | None, config_file: str, test_print: bool = False) -> None:
    cat, _ = read_catalogue(Path(content))
    cat = dates.effective(cat, Path(content)) if cat is not None else cat  # the dates the site shows
    _WORKER["printer"] = StationPrinter(cat, Path(site), Path(out) if out else None, config_file=Path(config_file),
                                        test_print=test_print)
    mp.util.Finalize(None, _WORKER["printer"].close, exitpriority=10)  # runs when the pool closes


def _worker_run(job: tuple) -> StationReport | dict:
    if job[0] == "station":
        _, code, force, offline_only = job
        return _WORKER["printer"].print_station(code, force=force, offline_only=offline_only)
    _, town, pending, dest = job
    return _WORKER["printer"].print_reprint(town, pending, Path(dest))


class Marks:
    """Printed sheets leave the reprint queue in batches, at most `every` seconds apart. Each
    save rewrites the whole queue (0.3-0.5 s after a district's first build), so a save per
    station cost the main process minutes of a district's run. A run stopped half-way flushes
    what it printed; a killed one leaves at most the last few seconds' stations queued, so they
    are printed again, never forgotten."""

    def __init__(self, content: Path, every: float = 10.0, keep: bool = False):
        self.content = content
        self.keep = keep  # a test print: nothing leaves the queue
        self.every = every
        self.waiting: dict[str, list[reprint.Sheet]] = {}
        self.last = time.monotonic()

    def add(self, printed: dict[str, list[reprint.Sheet]]) -> None:
        self.waiting.update(printed)
        if self.waiting and time.monotonic() - self.last >= self.every:
            self.flush()

    def flush(self) -> None:
        self.last = time.monotonic()
        if not self.waiting or self.keep:
            self.waiting = {}
            return
        with reprint.editing(self.content) as queue:
            for code, sheets in self.waiting.items():
                queue.mark_printed(code, sheets)
        self.waiting = {}


@dataclass
class Result:
    ok: bool
    problems: Problems
    reports: list[StationReport] = field(default_factory=list)
    built: bool = False
    changed: bool = False  # --changed: `reprint` holds one entry per town's pack
    reprint: list[dict] = field(default_factory=list)
    reprint_dir: Path | None = None
    test_print: bool = False  # every page marked 试印; the reprint queue left as it was


def print_stations(content: Path, site: Path, codes: list[str] | None, *, out: Path | None = None,
                   config_file: Path = Path("mkdocs.yml"), jobs: int | None = None, force: bool = False,
                   offline_only: bool = False, rebuild: bool = False, quiet: bool = False,
                   test_print: bool = False, changed: bool = False) -> Result:
    """Print the given stations (None: all of them), or with `changed` only their sheets on the
    reprint queue. Builds the site first if it is missing."""
    from .build import Progress, build

    content, site = Path(content), Path(site)
    cat, problems = read_catalogue(content)
    if cat is None or not check_print_origin(cat, problems, test_print=test_print):
        return Result(False, problems)
    cat = dates.effective(cat, content)  # the dates the site shows
    codes = list(cat.stations) if codes is None else list(dict.fromkeys(codes))
    unknown = [c for c in codes if c not in cat.stations]
    if unknown:
        problems.error(str(content), 1, "服务站", f"没有这些服务站：{'、'.join(unknown)}")
        return Result(False, problems)

    built = False
    stale = stale_pages(cat, site, codes)
    if stale and (rebuild or not (site / "index.html").is_file()):
        result = build(content, site, config_file=config_file, quiet=quiet)
        problems = result.problems
        if not result.ok:
            return Result(False, problems)
        built = True
        stale = stale_pages(cat, site, codes)
    if stale:
        shown = "、".join(stale[:5]) + ("等" if len(stale) > 5 else "")
        problems.error(str(site), 1, "网站",
                       f"已发布的网站与内容不一致（{len(stale)} 页：{shown}），打印出来会与网上不同；"
                       f"请先运行 guides build，或加 --build 重新生成后打印")
        return Result(False, problems, built=built)

    if not offline_only and not Path(CHROMIUM).is_file():
        problems.error("guides print", 1, "系统软件", "缺少 chromium（Debian 软件包 chromium）；`make test` 的准备步骤会安装")
        return Result(False, problems, built=built)

    try:
        pending = reprint.ReprintQueue.load(content).pending(codes)
    except reprint.ReprintQueueError as e:
        problems.extend(e.problems)
        return Result(False, problems, built=built)

    if changed:
        when = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        dest = print_root(site, out) / "reprint" / when
        towns = delivery_order(cat, pending)
        jobs_ = [("reprint", town, stations, str(dest / f"{town}-reprint.pdf")) for town, stations in towns.items()]
        total = sum(len(s) for s in towns.values())
        unit = {("reprint", t): len(s) for t, s in towns.items()}
    else:
        jobs_ = [("station", c, force, offline_only) for c in codes]
        total = len(codes)
        unit = {}
    progress = Progress(total, "打印", stream=open(os.devnull, "w") if quiet else None)
    results: list = []
    marks = Marks(content, keep=test_print)  # a test print leaves the reprint queue as it was

    def done(r) -> None:
        """A station (or a town's stations) printed: its sheets leave the queue (see Marks)."""
        results.append(r)
        if isinstance(r, dict):
            marks.add({c: pending[c] for c in r["stations"]})
            progress.advance(unit[("reprint", r["town"])])
        else:
            # the sheets queued when the run began: one a build queues meanwhile stays queued
            marks.add({r.code: pending[r.code]} if r.printed and not offline_only and r.code in pending else {})
            progress.advance(1)

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(jobs_) or 1))
    try:
        if jobs == 1 or len(jobs_) <= 1:
            printer = StationPrinter(cat, site, out, config_file=config_file, test_print=test_print)
            try:
                for job in jobs_:
                    _WORKER["printer"] = printer
                    done(_worker_run(job))
            finally:
                _WORKER.pop("printer", None)
                printer.close()
        else:
            ctx = mp.get_context("spawn")  # each worker starts its own browser, and keeps it
            with ctx.Pool(jobs, initializer=_worker_init,
                          initargs=(str(content), str(site), str(out) if out else None, str(config_file),
                                    test_print)) as pool:
                for r in pool.imap_unordered(_worker_run, jobs_):
                    done(r)
                pool.close()
                pool.join()  # workers close their browsers
    finally:
        marks.flush()  # also when stopped (Ctrl-C, an error): what was printed leaves the queue
    if changed:
        order = list(delivery_order(cat, pending))
        packs = sorted(results, key=lambda r: order.index(r["town"]))
        if packs:
            atomic_write(dest / "manifest.json", json.dumps({"printed": when, "towns": packs},
                                                             ensure_ascii=False, indent=1).encode("utf-8"))
        return Result(True, problems, [], built, True, packs, dest if packs else None, test_print)
    order = {c: i for i, c in enumerate(codes)}
    results.sort(key=lambda r: order[r.code])
    return Result(True, problems, results, built, test_print=test_print)


def summary(result: Result, site: Path, out: Path | None, stream=None) -> None:
    """What was printed, and which printed sheets on which boards are now out of date."""
    stream = stream or sys.stdout
    if result.built:
        print(f"网站 {site}/ 已先重新生成", file=stream)
    if result.changed:
        for pack in result.reprint:
            print(f"{pack['town']} {pack['name']}：{result.reprint_dir}/{pack['file']}"
                  f"（{len(pack['stations'])} 个服务站，{pack['pages']} 页）", file=stream)
        if not result.reprint:
            print("重印队列中没有待打印的材料", file=stream)
        else:
            n = sum(len(p["stations"]) for p in result.reprint)
            print(f"重印材料已生成：{len(result.reprint)} 个街道（镇），{n} 个服务站；"
                  f"每个服务站前有一页更换说明。" + ("这是试印（每页印有“试印”），重印队列未改动"
                  if result.test_print else "已从重印队列中移除（下次发布时记入发布记录）"), file=stream)
        return
    printed = [r for r in result.reports if r.printed]
    skipped = [r for r in result.reports if not r.printed]
    for r in printed:
        where = out_dir(site, out, r.code)
        line = f"{r.code} {r.name}：{where}/"
        if r.pages:
            line += f"（公示材料 {r.pages} 页，本册版本 {r.stamp}）"
        print(line, file=stream)
        for x in r.replace:
            print(f"  需更换：{x}", file=stream)
        for x in r.removed:
            print(f"  需撤下：{x}", file=stream)
    if skipped:
        print(f"{len(skipped)} 个服务站的打印材料没有变化，未重新生成（--force 可强制重新生成）", file=stream)
    print(f"打印完成：{len(printed)} 个服务站", file=stream)
