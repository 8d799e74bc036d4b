"""sitemap.xml and robots.txt (issue 23.4), written with every build.

The sitemap lists every page a resident may land on from a search engine: the portal, the
item directory and district guides, each station's home and guides, and the pages of needs
handled elsewhere; never tombstones, redirects, the editor or the build reports. Above the
protocol's 50,000 URLs per file (sitemaps.org) sitemap.xml becomes an index of numbered files.
It is made from the catalogue, not from the pages a partial build (`--station`) rendered, so
that every build publishes the whole list.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from .validate import Catalogue
from .urls import guide_path

LIMIT = 50_000
OWNS = ("sitemap-*.xml",)  # the numbered files: one a smaller site no longer needs is removed (build.py)
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def urls(cat: Catalogue) -> list[tuple[str, str | None]]:
    """(site path, last modified date or None) of every public page."""
    items = cat.items
    out: list[tuple[str, str | None]] = [("", None), ("items/", None)]
    out += [(f"items/{c}/", items[c].updated.isoformat()) for c in items]
    for code in cat.stations:
        out.append((f"{code}/", None))
        out += [(guide_path(code, c), items[c].updated.isoformat()) for c in cat.offers[code]]
    if cat.district.elsewhere:
        out.append(("elsewhere/", None))
        out += [(f"elsewhere/{n.code}/", None) for n in cat.district.elsewhere]
    return out


def _urlset(base: str, entries: list[tuple[str, str | None]]) -> bytes:
    rows = [f"<url><loc>{escape(base + path)}</loc>" + (f"<lastmod>{mod}</lastmod>" if mod else "") + "</url>"
            for path, mod in entries]
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS}">\n' + "\n".join(rows)
            + "\n</urlset>\n").encode("utf-8")


def files(cat: Catalogue, limit: int | None = None) -> dict[str, bytes]:
    limit = limit or LIMIT
    base = cat.district.site_url + "/"
    entries = urls(cat)
    robots = ("# 村（社区）便民服务站办事指南\nUser-agent: *\nAllow: /\nDisallow: /_admin/\nDisallow: /admin/\n"
              f"Sitemap: {base}sitemap.xml\n").encode("utf-8")
    if len(entries) <= limit:
        return {"sitemap.xml": _urlset(base, entries), "robots.txt": robots}
    out = {"robots.txt": robots}
    parts = [entries[i:i + limit] for i in range(0, len(entries), limit)]
    for n, part in enumerate(parts, 1):
        out[f"sitemap-{n}.xml"] = _urlset(base, part)
    out["sitemap.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{NS}">\n'
                          + "\n".join(f"<sitemap><loc>{escape(base)}sitemap-{n}.xml</loc></sitemap>"
                                      for n in range(1, len(parts) + 1))
                          + "\n</sitemapindex>\n").encode("utf-8")
    return out
