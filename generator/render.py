"""Stage 4, render: the HTML of every planned page.

Page bodies come from the jinja2 templates in generator/templates (presentation
only); what they show is prepared here from the model (view data). The themed page
around a body comes from the engine's shells. Work shared by many pages is done
once: an item's guide body once per item, a station's blocks once per station.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2

from . import opendata, qr
from .engine import Engine
from .model import (CATEGORIES, WEEKDAYS, District, Elsewhere, Form, Hours, Item, Material, Outcome, Source, Staff,
                    Station, field_labels, town_code)
from markupsafe import escape

from .plan import Page
from .report import summary as report_summary
from .validate import Catalogue

TEMPLATES = Path(__file__).parent / "templates"
WEEKDAY_NAMES = dict(zip(WEEKDAYS, ("周一", "周二", "周三", "周四", "周五", "周六", "周日")))

LABELS = {
    "item": field_labels(Item),
    "material": field_labels(Material),
    "source": field_labels(Source),
    "station": field_labels(Station),
    "staff": field_labels(Staff),
    "district": field_labels(District),
    "elsewhere": field_labels(Elsewhere),
    "outcome": field_labels(Outcome),
    "form": field_labels(Form),
}


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every catalogue string is text, never markup
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env


# ----------------------------------------------------------------- view data


# A dialable number inside free text (a station's holiday note, a local note): landline or mobile.
_NUMBER_IN_TEXT = re.compile(r"(?<![0-9])(0[0-9]{2,3}-?[0-9]{7,8}|1[3-9][0-9]{9})(?![0-9])")


def number_parts(district: District, text: str) -> list[tuple[str, bool]]:
    """Free text cut around the numbers in it: (segment, whether it is an invented sample number),
    so that templates can mark sample numbers written inside notes as they mark phone fields."""
    parts, last = [], 0
    for m in _NUMBER_IN_TEXT.finditer(text):
        parts += [(text[last:m.start()], False), (m.group(0), district.sample_phone(m.group(0)))]
        last = m.end()
    return [p for p in [*parts, (text[last:], False)] if p[0]]


def time_limit(item: Item) -> str:
    if item.case_type == "即办件":
        return "即办（当场办结）"
    return f"承诺 {item.promised_limit_days} 个工作日"


def item_badges(item: Item) -> list[tuple[str, str]]:
    """Short marks shown next to an item in lists: (text, css class)."""
    marks = [("即办" if item.case_type == "即办件" else f"承诺 {item.promised_limit_days} 个工作日",
              "now" if item.case_type == "即办件" else "days")]
    if item.online.available:
        marks.append(("可网办", "online"))
    if item.proxy.available:
        marks.append(("可帮办代办", "proxy"))
    return marks


def hours_rows(hours: Hours) -> list[dict]:
    rows = []
    for key in WEEKDAYS:
        ranges = getattr(hours, key)
        rows.append({
            "day": WEEKDAY_NAMES[key],
            "index": WEEKDAYS.index(key),
            "text": "、".join(ranges) if ranges else "休息",
            "open": bool(ranges),
        })
    return rows


def hours_summary(hours: Hours) -> str:
    """One line for a guide's 'when to go', e.g. 周一至周五 08:30-12:00、13:30-17:30；周六 09:00-11:30."""
    groups: list[tuple[list[str], str]] = []
    for row in hours_rows(hours):
        if not row["open"]:
            continue
        if groups and groups[-1][1] == row["text"] and WEEKDAYS.index(_key(groups[-1][0][-1])) + 1 == row["index"]:
            groups[-1][0].append(row["day"])
        else:
            groups.append(([row["day"]], row["text"]))
    return "；".join((f"{d[0]}至{d[-1]}" if len(d) > 2 else "、".join(d)) + f" {t}" for d, t in groups) or "暂无固定办公时间"


def _key(day_name: str) -> str:
    return next(k for k, v in WEEKDAY_NAMES.items() if v == day_name)


@dataclass
class Rel:
    """Relative links from one page: the site root and the station root."""

    root: str
    station: str = ""


def rel_for(path: str) -> Rel:
    depth = path.count("/")
    return Rel(root="../" * depth if depth else "./", station="../" * (depth - 1) if depth > 1 else "./")


class Renderer:
    def __init__(self, catalogue: Catalogue, engine: Engine, stamps: dict[str, str]):
        self.cat = catalogue
        self.engine = engine
        self.env = _env()
        self.stamps = stamps  # page path -> version stamp (see plan.fingerprint)
        self.env.globals.update(L=LABELS, district=catalogue.district, items=catalogue.items, asset=engine.asset,
                                sample_phone=catalogue.district.sample_phone,
                                number_parts=lambda text: number_parts(catalogue.district, text))

    @property
    def site_url(self) -> str:
        return self.cat.district.site_url

    # ---------------------------------------------------------------- shared parts

    @lru_cache(maxsize=None)
    def item_body(self, code: str) -> str:
        """The station-independent part of a guide, rendered once per item."""
        item = self.cat.items[code]
        return self.env.get_template("_item_body.html").render(item=item, time_limit=time_limit(item),
                                                               site_url=self.site_url)

    @lru_cache(maxsize=None)
    def station_view(self, code: str) -> dict:
        st = self.cat.stations[code]
        return {
            "st": st,
            "town": self.cat.town_name(town_code(code)),
            "hours": hours_rows(st.hours),
            "hours_summary": hours_summary(st.hours),
            "has_badges": any(s.badge for s in st.staff),
        }

    def groups(self, codes: list[str]) -> list[tuple[str, list[dict]]]:
        out: dict[str, list[dict]] = {}
        for c in codes:
            item = self.cat.items[c]
            out.setdefault(item.category, []).append({"item": item, "badges": item_badges(item)})
        return [(cat, out[cat]) for cat in CATEGORIES if cat in out]

    # ---------------------------------------------------------------- pages

    def render(self, page: Page) -> str:
        return PAGE_KINDS[page.kind](self, page)

    @staticmethod
    def shell_for(page: Page) -> tuple[str, str, str]:
        """The engine shell a page is made from, and the values of its station and item holes."""
        if page.kind in ("tombstone", "redirect"):  # any old URL: the shell of its depth
            parts = page.path.strip("/").split("/")
            return ("station" if len(parts) == 1 else "guide"), parts[0], (parts[1] if len(parts) > 1 else "")
        return page.kind, page.station or "", page.item or ""

    def _shell(self, page: Page, *, site_name: str, title: str, description: str, content: str,
               head: str = "") -> str:
        kind, station, item = self.shell_for(page)
        return self.engine.shell(kind).fill(
            station=station, item=item, site_name=site_name, title=title,
            description=description, content=content, head=head)

    def _tombstone(self, page: Page) -> str:
        retired_items = {r.code: r for r in self.cat.retired.items}
        retired_stations = {r.code: r for r in self.cat.retired.stations}
        st = self.cat.stations.get(page.station) if page.station else None
        record = retired_stations.get(page.station) or retired_items.get(page.item)
        item = self.cat.items.get(page.item) if page.item else None
        if record is retired_stations.get(page.station) and record:
            title = f"{record.name}已停用"
        elif record:
            title = f"“{record.name}”已停用"
        else:
            title = f"本站已不再办理“{item.name}”"
        content = self.env.get_template("tombstone.html").render(
            title=title, record=record, st=st, item=item, rel=rel_for(page.path))
        return self._shell(page, site_name=st.name if st else f"{self.cat.district.name}便民服务", title=title,
                           description=title, content=content, head='<meta name="robots" content="noindex">')

    def _redirect(self, page: Page) -> str:
        target = rel_for(page.path).root + page.target
        content = self.env.get_template("redirect.html").render(target=target)
        head = (f'<meta http-equiv="refresh" content="0; url={escape(target)}">'
                f'<link rel="canonical" href="{escape(self.site_url + "/" + page.target)}">'
                '<meta name="robots" content="noindex">')
        return self._shell(page, site_name=f"{self.cat.district.name}便民服务", title="页面已迁移",
                           description="页面已迁移", content=content, head=head)

    def render_admin(self, change: dict) -> str:
        page = Page("admin", "_admin/")
        content = self.env.get_template("admin.html").render(change=change, summary=report_summary(change),
                                                              rel=rel_for(page.path))
        return self._shell(page, site_name=f"{self.cat.district.name}便民服务", title="发布报告",
                           description="发布报告", content=content, head='<meta name="robots" content="noindex">')

    def render_notfound(self) -> str:
        """404.html: what Netlify (and `guides serve`) answer for an unknown path, with the
        portal's station finder; its links are from the site root (served at any depth)."""
        d = self.cat.district
        towns: dict[str, list[Station]] = {}
        for code, st in self.cat.stations.items():
            towns.setdefault(town_code(code), []).append(st)
        content = self.env.get_template("notfound.html").render(
            towns=[(t.code, t.name, towns.get(t.code, [])) for t in d.towns])
        return self._shell(Page("notfound", ""), site_name=f"{d.name}便民服务", title="页面不存在",
                           description="页面不存在", content=content, head='<meta name="robots" content="noindex">')

    def render_offline(self) -> str:
        """The service worker's answer, without a network, for a page not kept on the phone
        (generator/pwa.py); its links are from the site root (served at any depth)."""
        d = self.cat.district
        content = self.env.get_template("offline.html").render()
        return self._shell(Page("offline", ""), site_name=f"{d.name}便民服务", title="没有网络",
                           description="没有网络", content=content, head='<meta name="robots" content="noindex">')

    def _elsewhere_list(self, page: Page) -> str:
        d = self.cat.district
        content = self.env.get_template("elsewhere_list.html").render(needs=d.elsewhere, rel=rel_for(page.path))
        return self._shell(page, site_name=f"{d.name}便民服务", title="不在服务站办理的常见事项",
                           description=f"{d.name}：婚姻登记、身份证、户口等不在村（社区）便民服务站办理的事到哪里办",
                           content=content)

    def _elsewhere(self, page: Page) -> str:
        d = self.cat.district
        need = next(n for n in d.elsewhere if n.code == page.item)
        content = self.env.get_template("elsewhere.html").render(need=need, rel=rel_for(page.path))
        return self._shell(page, site_name=f"{d.name}便民服务", title=need.name,
                           description=f"{need.name}：到{need.office}办理，办公时间和咨询电话", content=content)

    def _qr(self, page: Page) -> str:
        return qr.svg(self.site_url + "/" + page.path)

    def _guide(self, page: Page) -> str:
        item = self.cat.items[page.item]
        sv = self.station_view(page.station)
        st = sv["st"]
        content = self.env.get_template("guide.html").render(
            item=item, body=self.item_body(item.code), sv=sv, st=st,
            note=st.local_notes.get(item.code), rel=rel_for(page.path),
            time_limit=time_limit(item), badges=item_badges(item),
            partners=[p for p in st.partners if item.code in p.items],
            url=self.site_url + "/" + page.path, qr=self._qr(page), stamp=self.stamps.get(page.path, ""),
        )
        return self._shell(page, site_name=st.name, title=item.name,
                           description=f"{st.name} · {item.name} 办事指南：受理条件、申请材料、办理流程、办理时限",
                           content=content, head=opendata.guide_jsonld(self.cat, page.station, page.item))

    def _station(self, page: Page) -> str:
        sv = self.station_view(page.station)
        st = sv["st"]
        codes = self.cat.offers[st.code]
        content = self.env.get_template("station.html").render(
            sv=sv, st=st, groups=self.groups(codes), count=len(codes), rel=rel_for(page.path),
            search_index=page.search_index, url=self.site_url + "/" + page.path, qr=self._qr(page),
            stamp=self.stamps.get(page.path, ""),
        )
        return self._shell(page, site_name=st.name, title=st.name,
                           description=f"{st.name}：可办事项、办公时间、工作人员、办事指南", content=content)

    def _item(self, page: Page) -> str:
        item = self.cat.items[page.item]
        towns: dict[str, list[Station]] = {}
        for code, offered in self.cat.offers.items():
            if item.code in offered:
                towns.setdefault(town_code(code), []).append(self.cat.stations[code])
        content = self.env.get_template("item.html").render(
            item=item, body=self.item_body(item.code), rel=rel_for(page.path), time_limit=time_limit(item),
            badges=item_badges(item),
            towns=[(self.cat.town_name(t), sts) for t, sts in sorted(towns.items())],
            url=self.site_url + "/" + page.path, qr=self._qr(page),
        )
        d = self.cat.district
        return self._shell(page, site_name=f"{d.name}便民服务", title=item.name,
                           description=f"{d.name} · {item.name} 办事指南", content=content,
                           head=opendata.item_jsonld(self.cat, item.code))

    def _items(self, page: Page) -> str:
        counts = {c: 0 for c in self.cat.items}
        for offered in self.cat.offers.values():
            for c in offered:
                counts[c] += 1
        content = self.env.get_template("items.html").render(
            groups=self.groups(list(self.cat.items)), counts=counts, rel=rel_for(page.path))
        d = self.cat.district
        return self._shell(page, site_name=f"{d.name}便民服务", title="事项目录",
                           description=f"{d.name}村（社区）便民服务事项目录清单", content=content)

    def _portal(self, page: Page) -> str:
        d = self.cat.district
        towns: dict[str, list[Station]] = {}
        for code, st in self.cat.stations.items():
            towns.setdefault(town_code(code), []).append(st)
        content = self.env.get_template("portal.html").render(
            towns=[(t.code, t.name, towns.get(t.code, [])) for t in d.towns],
            station_count=len(self.cat.stations), item_count=len(self.cat.items), rel=rel_for(page.path))
        return self._shell(page, site_name=f"{d.name}便民服务", title=f"{d.name}村（社区）便民服务站",
                           description=f"{d.name}村（社区）便民服务站办事指南：找到您的服务站", content=content)


# Every kind of page the plan makes (generator/plan.py) and the method that renders it: the
# routes of the site in one table, for readers and tools.
PAGE_KINDS = {
    "portal": Renderer._portal,        # /
    "items": Renderer._items,          # /items/
    "item": Renderer._item,            # /items/<item>/
    "station": Renderer._station,      # /<village>/
    "guide": Renderer._guide,          # /<village>/<item>/
    "tombstone": Renderer._tombstone,  # a retired URL: what happened, where to go now
    "redirect": Renderer._redirect,    # a renamed or merged record: its new URL
    "elsewhere_list": Renderer._elsewhere_list,  # /elsewhere/: needs no station handles (generator/elsewhere.py)
    "elsewhere": Renderer._elsewhere,  # /elsewhere/<need>/: where to go for it
}
