"""The browser's part of `guides print`: headless Chromium (Debian's, through Playwright) turns a
print document (print_inputs.Document) into a tagged A4 PDF, and pikepdf finishes it: the outline
named by the sections, their page ranges, the document information.

The browser sees the site at its permanent URLs, every request answered from `site/`: no server,
no network. It loads the print shell once; each later document replaces its body in place.
"""
from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

from .print_inputs import Document, Section

CHROMIUM = os.environ.get("GUIDES_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


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
