"""The change report: what a republish changed, field by field, and which printed
sheets now carry an outdated version stamp (the reprint list)."""
from __future__ import annotations

from .model import Item, Station, label
from .validate import Catalogue
from .urls import guide_path


def snapshot(cat: Catalogue, stamps: dict[str, str]) -> dict:
    """What the next build compares against: the catalogue as published, and every stamp."""
    return {
        "items": {c: it.model_dump(mode="json") for c, it in cat.items.items()},
        "stations": {c: st.model_dump(mode="json") for c, st in cat.stations.items()},
        "offers": cat.offers,
        "stamps": stamps,
    }


def _flatten(value, loc=()) -> dict[tuple, object]:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_flatten(v, loc + (k,)))
        return out or {loc: {}}
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return {loc: "、".join(map(str, value)) if value else "（无）"}
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, loc + (i,)))
        return out or {loc: "（无）"}
    return {loc: value}


def _text(v) -> str:
    if v is None:
        return "（无）"
    if v is True:
        return "是"
    if v is False:
        return "否"
    return str(v)


def field_changes(model, old: dict, new: dict) -> list[dict]:
    a, b = _flatten(old), _flatten(new)
    out = []
    for loc in sorted(set(a) | set(b), key=lambda l: tuple(map(str, l))):
        before, after = _text(a.get(loc)), _text(b.get(loc))
        # an empty list is a key of its own ("（无）"), its first records are keys below it: the list's
        # own key then reads （无） on both sides and is no change to show
        if a.get(loc, None) != b.get(loc, None) and before != after:
            out.append({"field": label(model, loc), "key": ".".join(map(str, loc)), "old": before, "new": after})
    return out


def _diff(model, old: dict, new: dict, names: dict) -> dict:
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    changed = []
    for code in sorted(set(old) & set(new)):
        if old[code] != new[code]:
            changed.append({"code": code, "name": names.get(code, code),
                            "changes": field_changes(model, old[code], new[code])})
    return {"added": [{"code": c, "name": new[c]["name"]} for c in added],
            "removed": [{"code": c, "name": old[c]["name"]} for c in removed],
            "changed": changed}


def compare(old: dict | None, new: dict, cat: Catalogue) -> dict:
    """The report of one build. With no previous build everything is new and everything is to print."""
    first = old is None
    old = old or {"items": {}, "stations": {}, "offers": {}, "stamps": {}}
    items = _diff(Item, old["items"], new["items"], {c: it.name for c, it in cat.items.items()})
    stations = _diff(Station, old["stations"], new["stations"], {c: s.name for c, s in cat.stations.items()})
    reprint = []
    for code, st in cat.stations.items():
        guides = [c for c in cat.offers[code]
                  if old["stamps"].get(guide_path(code, c)) != new["stamps"].get(guide_path(code, c))]
        cover = old["stamps"].get(f"{code}/") != new["stamps"].get(f"{code}/")
        old_station = old["stations"].get(code)
        poster = old_station is None or old_station.get("name") != st.name
        if guides or cover or poster:
            sheets = []
            if cover:
                sheets.append("公示栏封面与事项目录清单")
            if poster:
                sheets.append("二维码海报")
            sheets += [f"办事指南：{cat.items[c].name}（{new['stamps'][f'{code}/{c}/']}）" for c in guides]
            # the stamps the new sheets carry: the reprint queue (generator/reprint.py) keeps the newest
            reprint.append({"station": code, "name": st.name, "cover": cover, "poster": poster,
                            "guides": guides, "sheets": sheets, "stamp": new["stamps"].get(f"{code}/"),
                            "guide_stamps": {c: new["stamps"][guide_path(code, c)] for c in guides}})
    return {"first_publish": first, "items": items, "stations": stations, "reprint": reprint,
            "withdrawn": _withdrawn(old, new)}


def unchanged() -> dict:
    """The report of a build that found nothing to do (generator/unchanged.py)."""
    nothing = {"added": [], "removed": [], "changed": []}
    return {"first_publish": False, "items": dict(nothing), "stations": dict(nothing), "reprint": [], "withdrawn": []}


def _withdrawn(old: dict, new: dict) -> list[dict]:
    """Guides a station no longer offers though both still exist: their sheets come off the board."""
    out = []
    for code, offered in new["offers"].items():
        gone = sorted(set(old["offers"].get(code, [])) - set(offered))
        if gone:
            out.append({"station": code, "items": gone})
    return out


def summary(change: dict) -> str:
    """The short terminal version."""
    queue = change.get("queue")
    waiting = (f"；重印队列共 {len(queue)} 个服务站 {sum(len(q['sheets']) for q in queue)} 份待打印"
               f"（guides print --changed 打印）" if queue else "")
    return _summary(change) + waiting


def _summary(change: dict) -> str:
    if change["first_publish"]:
        return (f"首次发布：{len(change['stations']['added'])} 个服务站、{len(change['items']['added'])} 个事项；"
                f"全部公示材料需要打印")
    parts = []
    for key, name in (("items", "事项"), ("stations", "服务站")):
        d = change[key]
        counts = [f"{w}{len(d[k])}" for k, w in (("added", "新增"), ("changed", "修改"), ("removed", "停用")) if d[k]]
        if counts:
            parts.append(f"{name}：" + "、".join(counts))
    sheets = sum(len(r["sheets"]) for r in change["reprint"])
    if change["reprint"]:
        parts.append(f"需重印：{len(change['reprint'])} 个服务站共 {sheets} 份")
    return "；".join(parts) if parts else "内容无变化"
