"""What a station's printed matter holds, worked out without a browser (see printing.py).

The sheets (cover, catalogue, poster, guides, a reprint's cover sheet) as `Section`s, the one
print document a pack becomes (`Document`: the site's print shell holding them, one CSS named
page each, with the print face), the file names and the manifest, the stamps and the key that
says whether a station's printed matter is still current, and which printed sheets went stale.
The pages printed are the built site's own: `article` takes a built page's article.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import hashes, offline, printfont, qr, reprint
from .model import town_code
from .plan import Fingerprints, Page
from .render import item_badges
from .validate import Catalogue
from .urls import absolute, guide_path, station_path

HERE = Path(__file__).parent
TEMPLATES = ("print_cover.html", "print_catalogue.html", "print_poster.html", "print_reprint.html", "_marks.html")
# What a print run depends on beyond the station's pages: a change here reprints every station.
CODE_INPUTS = [HERE / "printing.py", HERE / "print_inputs.py", HERE / "print_browser.py", HERE / "printfont.py",
               HERE / "offline.py", *(HERE / "templates" / t for t in TEMPLATES)]
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


# ---------------------------------------------------------------------------- one station


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


class StationSheets:
    """What a station's printed matter holds, as HTML and sections: no browser needed."""

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
        self._fronts: dict[str, Front] = {}
        self.test_print = test_print  # every page marked 试印 (test_print_mark)
        # None: the system font (print.css's local() face), e.g. when WenQuanYi is not installed
        self.face = face if face is not None else (printfont.PrintFace.for_content(cat.root) if cat.root else None)

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
            "sections": [section_record(s) for s in sections],
        }


# ---------------------------------------------------------------------------- the manifest and the board


def section_record(s: Section) -> dict:
    return {k: v for k, v in asdict(s).items() if k not in ("html", "footer")}


def _digest(data) -> str:
    if not isinstance(data, str):
        data = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return hashes.short(data, hashes.VERSION)


def read_manifest(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def board_changes(previous: dict | None, current: dict) -> tuple[list[str], list[str]]:
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
