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

from . import hashes
from .model import town_code
from .validate import Catalogue
from .urls import guide_path, item_path, station_path


@dataclass(frozen=True)
class Page:
    kind: str  # portal | items | item | station | guide | tombstone | redirect
    path: str  # site-relative, directory style: "" or "370304001200/JZ-001/"
    station: str | None = None
    item: str | None = None
    search_index: str | None = None  # station pages: the search index file they load
    target: str | None = None  # redirect pages: where the old URL now leads


def item_set_key(codes: list[str]) -> str:
    return hashes.short(" ".join(codes), hashes.INDEX_NAME)


def plan(cat: Catalogue, stations: list[str] | None = None) -> list[Page]:
    """Every page of the site (or of the given stations only), in a stable order."""
    pages: list[Page] = []
    if stations is None:
        pages.append(Page("portal", ""))
        pages.append(Page("items", "items/"))
        pages.extend(Page("item", item_path(c), item=c) for c in cat.items)
    for code in stations if stations is not None else cat.stations:
        offered = cat.offers[code]
        pages.append(Page("station", station_path(code), station=code,
                          search_index=f"search/{item_set_key(offered)}.js"))
        pages.extend(Page("guide", guide_path(code, c), station=code, item=c) for c in offered)
    return pages


def _canon(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


_NO_LOCAL = _canon({"note": None, "partners": []})


class Fingerprints:
    """Two digests per page, from parts computed once per item and per station.

    - `shown(page)`: exactly the data the page shows a resident; its version stamp. A guide
      shows the item (not its search aliases or category; the 帮办代办 details only when
      offered), its station's name, address, phone and hours, this station's note for the
      item, the partner points that take it (name, address, hours) and the hotlines. So an
      edit elsewhere never sends a sheet to the reprint list.
    - `inputs(page)`: everything that shapes the page's bytes, a safe superset of `shown`;
      the incremental build re-renders a page when it changes.
    """

    def __init__(self, cat: Catalogue):
        self.cat = cat
        self._cache: dict = {}

    def _part(self, key, make) -> str:
        if key not in self._cache:
            self._cache[key] = _hash(_canon(make()))
        return self._cache[key]

    def district(self) -> str:
        return self._part("district", lambda: self.cat.district.model_dump(mode="json"))

    def hotlines(self) -> str:
        d = self.cat.district
        # the sample notice and the （示例号码） marks are shown on every guide (issue 24)
        return self._part("hotlines", lambda: [d.supervision_hotline, d.citizen_hotline, d.site_url,
                                               d.sample_data, d.sample_notice])

    def item(self, code: str) -> str:
        return self._part(("item", code), lambda: self.cat.items[code].model_dump(mode="json"))

    def item_shown(self, code: str) -> str:
        def shown():
            item = self.cat.items[code]
            data = item.model_dump(mode="json", exclude={"aliases", "category"})
            if not item.proxy.available:
                data["proxy"] = {"available": False}
            return data
        return self._part(("item-shown", code), shown)

    def item_summary(self, code: str) -> str:
        return self._part(("summary", code), lambda: self.cat.items[code].model_dump(mode="json", include={
            "code", "name", "category", "case_type", "promised_limit_days", "online", "proxy"}))

    def station_place(self, code: str) -> str:
        return self._part(("place", code), lambda: self.cat.stations[code].model_dump(
            mode="json", include={"code", "name", "address", "phone", "hours"}))

    def station(self, code: str) -> str:
        return self._part(("station", code), lambda: {
            "station": self.cat.stations[code].model_dump(mode="json", exclude={"local_notes", "checklist"}),
            "town": self.cat.town_name(town_code(code))})

    def _local(self, page: Page, partner_fields: set | None) -> str:
        st = self.cat.stations[page.station]
        note = st.local_notes.get(page.item)
        if note is None and not any(page.item in p.items for p in st.partners):
            return _NO_LOCAL  # most guides: no note, no partner point (a build has ~14,000 of them)
        return _canon({"note": note.model_dump(mode="json") if note else None,
                       "partners": [p.model_dump(mode="json", include=partner_fields)
                                    for p in st.partners if page.item in p.items]})

    def shown(self, page: Page) -> str:
        """Digest of exactly what the page shows (guide and station pages)."""
        key = ("shown", page.kind, page.station, page.item)
        if key not in self._cache:
            self._cache[key] = self._shown(page)
        return self._cache[key]

    def _shown(self, page: Page) -> str:
        if page.kind == "guide":
            return _hash(self.hotlines(), self.item_shown(page.item), self.station_place(page.station),
                         self._local(page, {"name", "address", "hours"}))
        if page.kind == "station":
            offered = self.cat.offers[page.station]
            return _hash(self.district(), self.station(page.station), *map(self.item_summary, offered))
        raise ValueError(f"no stamp for {page.kind} pages")

    def inputs(self, page: Page) -> str:
        """Digest of everything that shapes the page's HTML (guide and station pages)."""
        if page.kind == "guide":
            return _hash(self.district(), self.item(page.item), self.station_place(page.station),
                         self._local(page, None), self.stamp(page))
        return _hash(self.shown(page), page.search_index or "")

    def stamp(self, page: Page) -> str:
        digest = self.shown(page)[:hashes.STAMP]
        if page.kind == "guide":
            return f"{self.cat.items[page.item].updated.isoformat()} · {digest}"
        return digest


def stamp(cat: Catalogue, page: Page) -> str:
    """The version stamp shown on a page and on its paper copy, e.g. `2026-11-20 · 3f9a1c`."""
    return Fingerprints(cat).stamp(page)


def stamps(cat: Catalogue, pages: list[Page], fingerprints: Fingerprints | None = None) -> dict[str, str]:
    fp = fingerprints or Fingerprints(cat)
    return {p.path: fp.stamp(p) for p in pages if p.kind in ("guide", "station")}
