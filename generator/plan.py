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
    kind: str  # portal | items | item | station | guide
    path: str  # site-relative, directory style: "" or "370304001200/JZ-001/"
    station: str | None = None
    item: str | None = None
    search_index: str | None = None  # station pages: the search index file they load


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


def shown_data(cat: Catalogue, page: Page) -> dict:
    """The data a page shows, and nothing else: the input of its version stamp."""
    d = cat.district
    common = {"district": {"name": d.name, "supervision": d.supervision_hotline,
                           "hotline": d.citizen_hotline, "url": d.site_url, "portal": d.portal.model_dump()}}
    if page.kind == "guide":
        st = cat.stations[page.station]
        return common | {
            "item": cat.items[page.item].model_dump(mode="json"),
            "station": st.model_dump(mode="json", include={"code", "name", "address", "phone", "hours"}),
            "note": st.local_notes[page.item].model_dump(mode="json") if page.item in st.local_notes else None,
            "partners": [p.model_dump(mode="json") for p in st.partners if page.item in p.items],
        }
    if page.kind == "station":
        st = cat.stations[page.station]
        return common | {
            "station": st.model_dump(mode="json", exclude={"local_notes", "checklist"}),
            "items": [cat.items[c].model_dump(mode="json", include={
                "code", "name", "category", "case_type", "promised_limit_days", "online", "proxy"})
                for c in cat.offers[st.code]],
        }
    return common


def stamp(cat: Catalogue, page: Page) -> str:
    data = shown_data(cat, page)
    digest = hashlib.sha256(_canon(data).encode()).hexdigest()[:6]
    if page.kind == "guide":
        return f"{cat.items[page.item].updated.isoformat()} · {digest}"
    return digest


def stamps(cat: Catalogue, pages: list[Page]) -> dict[str, str]:
    return {p.path: stamp(cat, p) for p in pages if p.kind in ("guide", "station")}
