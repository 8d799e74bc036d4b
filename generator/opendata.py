"""Open data in the built site, for other systems: the catalogue as JSON and CSV, one JSON
per station, JSON Schemas made from the model, and schema.org `GovernmentService` JSON-LD
for the guide pages.

Files (site-relative): data/catalog.json, data/items.csv, data/stations.csv,
data/stations/<village>.json, data/schema/catalog.schema.json, data/schema/station.schema.json.
Every build makes them all from the catalogue (well under a second) and writes only the
files whose bytes changed, so an incremental build leaves them correct and the spare site
in step (the build's journal lists what was written or removed).

CSV cells hold text as text: one beginning with = + - @, tab or CR is written as the OWASP
CSV-injection guidance says (`csv_text`); the JSON files are unchanged.

CSV files are UTF-8 with a byte-order mark: Excel opens a CSV without one in the
computer's legacy code page (GBK on Chinese Windows) and every Chinese character comes
out garbled; the BOM is how Excel recognises UTF-8. Other tools read the BOM as UTF-8 too
(Python's utf-8-sig, LibreOffice, pandas).
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .model import District, Item, Station, town_code
from .validate import Catalogue
from .urls import absolute, item_path, station_path

DATA = "data"


class OfferedItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(title="事项编码")
    name: str = Field(title="事项名称")
    url: str = Field(title="本站办事指南网址")


class OpenStation(Station):
    """A station as published: its record, plus where it is and what it really offers."""

    town_code: str = Field(title="镇（街道）代码")
    town_name: str = Field(title="镇（街道）名称")
    url: str = Field(title="服务站网址")
    offered: list[OfferedItem] = Field(title="实际可办事项（按默认清单与增减得出）")
    sample_contacts: bool = Field(title="联系信息为示例数据", description="是：地址、电话、工作人员为虚构（district.sample_notice）")


class OpenItem(Item):
    url: str = Field(title="区级办事指南网址")
    sample_phone: bool = Field(title="咨询电话为示例数据", description="是：咨询电话为虚构的示例号码")


class OpenCatalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", title="村（社区）便民服务事项目录与服务站信息")

    district: District = Field(title="区县")
    items: list[OpenItem] = Field(title="事项")
    stations: list[OpenStation] = Field(title="服务站")


def _schema(model: type[BaseModel], name: str, base: str) -> dict:
    schema = model.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{base}/{DATA}/schema/{name}",
            **schema}


def open_item(cat: Catalogue, item: Item) -> OpenItem:
    return OpenItem(**dict(item), url=absolute(cat.district.site_url, item_path(item.code)),
                    sample_phone=cat.district.sample_phone(item.phone))


def open_station(cat: Catalogue, code: str) -> OpenStation:
    st = cat.stations[code]
    base = absolute(cat.district.site_url, station_path(code))
    return OpenStation(**dict(st), town_code=town_code(code), town_name=cat.town_name(town_code(code)), url=base,
                       sample_contacts=cat.district.sample_data,
                       offered=[OfferedItem(code=c, name=cat.items[c].name, url=f"{base}{c}/")
                                for c in cat.offers[code]])


def _json(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


# A spreadsheet opening a CSV reads a cell beginning with one of these as a formula
# (=HYPERLINK(…) leaks data, =cmd|' /C calc'!A0 runs a program through DDE).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value):
    """A value as a CSV cell, by the OWASP CSV-injection guidance: text beginning with a formula
    character gets a leading single quote, which makes Excel and LibreOffice show it as text;
    the writer quotes every text cell and doubles its quotes. Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC).writerows(
        [[csv_text(v) for v in row] for row in rows])
    return "\ufeff".encode("utf-8") + out.getvalue().encode("utf-8")


def _table(model: type[BaseModel], records: list, extra: list[tuple[str, object]]) -> list[list]:
    """One row per record; the workbook's columns (derived from the model), then `extra`."""
    from .workbook_export import _cell_value, _get
    from .workbook_sheets import sheets

    sheet = next(s for s in sheets() if s.model is model)
    head = [c.header for c in sheet.columns] + [title for title, _ in extra]
    rows = [head]
    for rec in records:
        values = [_cell_value(c, _get(rec, c.path)) for c in sheet.columns]
        values += [get(rec) for _, get in extra]
        rows.append(["" if v is None else v.isoformat() if hasattr(v, "isoformat") else v for v in values])
    return rows


def files(cat: Catalogue) -> dict[str, bytes]:
    """Every open-data file, site-relative path -> bytes."""
    base = cat.district.site_url
    items = [open_item(cat, it) for it in cat.items.values()]
    stations = [open_station(cat, c) for c in cat.stations]
    out = {
        f"{DATA}/catalog.json": _json(OpenCatalogue(district=cat.district, items=items, stations=stations)
                                      .model_dump(mode="json")),
        f"{DATA}/schema/catalog.schema.json": _json(_schema(OpenCatalogue, "catalog.schema.json", base)),
        f"{DATA}/schema/station.schema.json": _json(_schema(OpenStation, "station.schema.json", base)),
        f"{DATA}/items.csv": _csv(_table(Item, list(cat.items.values()), [
            ("区级办事指南网址", lambda it: absolute(base, item_path(it.code))),
            ("提供服务站数", lambda it: sum(1 for o in cat.offers.values() if it.code in o)),
            ("咨询电话为示例数据", lambda it: "是" if cat.district.sample_phone(it.phone) else "否")])),
        f"{DATA}/stations.csv": _csv(_table(Station, list(cat.stations.values()), [
            ("镇（街道）", lambda st: cat.town_name(town_code(st.code))),
            ("服务站网址", lambda st: absolute(base, station_path(st.code))),
            ("实际可办事项", lambda st: "\n".join(cat.offers[st.code])),
            ("实际可办事项数", lambda st: len(cat.offers[st.code])),
            ("联系信息为示例数据", lambda st: "是" if cat.district.sample_data else "否")])),
    }
    for st in stations:
        out[f"{DATA}/stations/{st.code}.json"] = _json(st.model_dump(mode="json"))
    return out


def write(cat: Catalogue, root: Path, journal: dict[str, list[str]], write_file) -> int:
    """Write the open-data files whose bytes changed, remove those no longer made; returns how many changed."""
    wanted = files(cat)
    changed = 0
    for rel, data in wanted.items():
        target = root / rel
        try:
            same = target.read_bytes() == data
        except OSError:
            same = False
        if not same:
            write_file(target, data)
            journal.written.append(rel)
            changed += 1
    folder = root / DATA
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and rel not in wanted:
                path.unlink()
                journal.removed.append(rel)
                changed += 1
    return changed


# ------------------------------------------------------------------ JSON-LD


def _address(cat: Catalogue, street: str | None = None) -> dict:
    d = cat.district
    address = {"@type": "PostalAddress", "addressCountry": "CN", "addressRegion": d.city, "addressLocality": d.name}
    if street:
        address["streetAddress"] = street
    return address


def _script(data: dict) -> str:
    # a data block, never executed: allowed under the site's CSP (script-src 'self'). "<", ">" and "&"
    # as JSON escapes: no text inside can close the element, nor open an HTML comment ("<!--<script>"
    # would make the parser run past the closing tag and swallow the page)
    text = (json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
    return f'<script type="application/ld+json">{text}</script>'


def _phone(cat: Catalogue, number: str) -> dict:
    point = {"@type": "ContactPoint", "telephone": number}
    if cat.district.sample_phone(number):
        point["description"] = "示例号码（虚构）"
    return point


# The catalogue writes the town-level body of an item generically (镇人民政府（街道办事处）, 镇（街道）…):
# on a station's guide it is that station's own town, named as the public knows it.
_TOWN_BODY = "镇人民政府（街道办事处）"
_TOWN = "镇（街道）"
_DAY_NAMES = dict(zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
                      ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")))


def providers(cat: Catalogue, item: Item, station: str | None = None) -> list[dict]:
    """The item's implementing bodies (实施主体, written joined by ；) as separate organisations;
    with a station, the town's own body in place of the generic 镇人民政府（街道办事处）."""
    d = cat.district
    town = cat.town_name(town_code(station)) if station else None
    out = []
    for name in (n.strip() for n in item.department.split("；")):
        if not name:
            continue
        if town:
            body = f"{d.name}{town}{'办事处' if town.endswith('街道') else '人民政府'}"
            name = name.replace(_TOWN_BODY, body).replace(_TOWN, f"{d.name}{town}")
        out.append({"@type": "GovernmentOrganization", "name": name})
    return out


def hours(st) -> list[dict]:
    """A station's opening hours as schema.org OpeningHoursSpecification, one per range and day set."""
    spans: dict[str, list[str]] = {}
    for key, day in _DAY_NAMES.items():
        for span in getattr(st.hours, key):
            spans.setdefault(span, []).append(f"https://schema.org/{day}")
    return [{"@type": "OpeningHoursSpecification", "dayOfWeek": days, "opens": span[:5], "closes": span[6:]}
            for span, days in spans.items()]


def _offers(item: Item) -> list[dict]:
    if item.fees == "不收费":
        return [{"@type": "Offer", "name": "不收费", "price": "0", "priceCurrency": "CNY"}]
    return [{"@type": "Offer", "name": f.name, "description": f"{f.amount}（依据：{f.basis}）", "priceCurrency": "CNY"}
            for f in item.fees]


def _processing(item: Item) -> dict:
    """The promised time on a channel. schema.org's processingTime is an ISO 8601 duration, which
    counts calendar time: a 即办件 is done on the spot (P0D), but N working days (承诺件) are no fixed
    number of calendar days (weekends, public holidays), so no duration is given for them, only
    a description that says the working days as the page does."""
    if item.case_type == "即办件":
        return {"processingTime": "P0D", "description": "即办件：当场办结"}
    return {"description": f"承诺件：受理后 {item.promised_limit_days} 个工作日内办结（工作日，不含法定节假日）"}


def _service(cat: Catalogue, item: Item, url: str, area: dict, channels: list[dict],
             station: str | None = None) -> dict:
    for c in channels:
        c.update(_processing(item))
    if item.online.available and item.online.url:
        channels.append({"@type": "ServiceChannel", "name": f"网上办理：{cat.district.portal.name}",
                         "serviceUrl": item.online.url,
                         "servicePhone": _phone(cat, item.phone),
                         **_processing(item)})
    return {
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "name": item.name,
        "identifier": item.code,
        "url": url,
        "serviceType": item.category,
        "provider": providers(cat, item, station),
        "areaServed": area,
        "availableChannel": channels,
        "offers": _offers(item),
        "termsOfService": ("即办件，当场办结" if item.case_type == "即办件"
                           else f"承诺件，{item.promised_limit_days} 个工作日内办结"),
    }


def guide_jsonld(cat: Catalogue, station: str, item: str) -> str:
    """A station's guide: the service, offered at this station, for this village."""
    st, it = cat.stations[station], cat.items[item]
    url = f"{cat.district.site_url}/{station}/{item}/"
    place = st.name.removesuffix("便民服务站")
    area = {"@type": "AdministrativeArea", "name": f"{cat.district.name}{cat.town_name(town_code(station))}{place}",
            "identifier": station}
    opening = hours(st)
    channel = {"@type": "ServiceChannel", "name": st.name, "serviceUrl": url,
               "servicePhone": {**_phone(cat, st.phone), "hoursAvailable": opening},
               "serviceLocation": {"@type": "Place", "name": st.name, "address": _address(cat, st.address),
                                   "openingHoursSpecification": opening}}
    return _script(_service(cat, it, url, area, [channel], station))


def item_jsonld(cat: Catalogue, item: str) -> str:
    """The district-level guide: the service, offered at every station that has it."""
    it, d = cat.items[item], cat.district
    url = absolute(d.site_url, item_path(item))
    area = {"@type": "AdministrativeArea", "name": f"{d.city}{d.name}", "identifier": d.code}
    offering = sum(1 for o in cat.offers.values() if item in o)
    channel = {"@type": "ServiceChannel", "name": f"{d.name}{offering}个村（社区）便民服务站", "serviceUrl": url,
               "servicePhone": _phone(cat, it.phone),
               "serviceLocation": {"@type": "Place", "name": f"{d.name}村（社区）便民服务站", "address": _address(cat)}}
    return _script(_service(cat, it, url, area, [channel]))
