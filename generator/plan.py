"""Stage 3, plan: which pages the site has, at which permanent URLs, with which version stamp.

URLs are a public contract printed on paper: `/`, `/items/`, `/items/<item>/`,
`/<village>/`, `/<village>/<item>/`. The version stamp of a page is derived from
exactly the data shown on it, so the same stamp means the same content, on the web
and on paper.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from .validate import Catalogue


@dataclass(frozen=True)
class Page:
    kind: str  # portal | items | item | station | guide | tombstone | redirect
    path: str  # site-relative, directory style: "" or "370304001200/JZ-001/"
    station: str | None = None
    item: str | None = None
    search_index: str | None = None  # station pages: the search index file they load
    target: str | None = None  # redirect pages: where the old URL now leads


def item_set_key(codes: list[str]) -> str:
    return hashlib.sha256(" ".join(codes).encode()).hexdigest()[:10]


def plan(cat: Catalogue, stations: list[str] | None = None) -> list[Page]:
    """Every page of the site (or of the given stations only), in a stable order."""
    pages: list[Page] = []
    if stations is None:
        pages.append(Page("portal", ""))
        pages.append(Page("items", "items/"))
        pages.extend(Page("item", f"items/{c}/", item=c) for c in cat.items)
    for code in stations if stations is not None else cat.stations:
        offered = cat.offers[code]
        pages.append(Page("station", f"{code}/", station=code,
                          search_index=f"search/{item_set_key(offered)}.js"))
        pages.extend(Page("guide", f"{code}/{c}/", station=code, item=c) for c in offered)
    return pages


def _canon(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class Fingerprints:
    """Digests of the data each page shows, from parts computed once per item and per station.

    A guide shows: the item; its station's name, address, phone and hours; this
    station's note for the item; the partner points that take it; the district's
    hotlines. Nothing else goes in, so an unrelated edit never changes its stamp.
    """

    def __init__(self, cat: Catalogue):
        self.cat = cat
        self._cache: dict = {}

    def _part(self, key, make) -> str:
        if key not in self._cache:
            self._cache[key] = _hash(_canon(make()))
        return self._cache[key]

    def district(self) -> str:
        d = self.cat.district
        return self._part("district", lambda: {
            "name": d.name, "city": d.city, "supervision": d.supervision_hotline, "hotline": d.citizen_hotline,
            "url": d.site_url, "portal": d.portal.model_dump(), "sample": [d.sample_data, d.sample_notice]})

    def item(self, code: str) -> str:
        return self._part(("item", code), lambda: self.cat.items[code].model_dump(mode="json"))

    def item_summary(self, code: str) -> str:
        return self._part(("summary", code), lambda: self.cat.items[code].model_dump(mode="json", include={
            "code", "name", "category", "case_type", "promised_limit_days", "online", "proxy"}))

    def station_place(self, code: str) -> str:
        return self._part(("place", code), lambda: self.cat.stations[code].model_dump(
            mode="json", include={"code", "name", "address", "phone", "hours"}))

    def station(self, code: str) -> str:
        return self._part(("station", code), lambda: {
            "station": self.cat.stations[code].model_dump(mode="json", exclude={"local_notes", "checklist"}),
            "town": self.cat.town_name(code[:9])})

    def shown(self, page: Page) -> str:
        """Digest of exactly what the page shows (guide and station pages)."""
        if page.kind == "guide":
            st = self.cat.stations[page.station]
            note = st.local_notes.get(page.item)
            local = _canon({"note": note.model_dump(mode="json") if note else None,
                            "partners": [p.model_dump(mode="json") for p in st.partners if page.item in p.items]})
            return _hash(self.district(), self.item(page.item), self.station_place(page.station), local)
        if page.kind == "station":
            offered = self.cat.offers[page.station]
            return _hash(self.district(), self.station(page.station), *map(self.item_summary, offered))
        raise ValueError(f"no stamp for {page.kind} pages")

    def stamp(self, page: Page) -> str:
        digest = self.shown(page)[:6]
        if page.kind == "guide":
            return f"{self.cat.items[page.item].updated.isoformat()} · {digest}"
        return digest


def stamp(cat: Catalogue, page: Page) -> str:
    """The version stamp shown on a page and on its paper copy, e.g. `2026-11-20 · 3f9a1c`."""
    return Fingerprints(cat).stamp(page)


def stamps(cat: Catalogue, pages: list[Page], fingerprints: Fingerprints | None = None) -> dict[str, str]:
    fp = fingerprints or Fingerprints(cat)
    return {p.path: fp.stamp(p) for p in pages if p.kind in ("guide", "station")}
