"""The version stamp of a guide (plan.stamp): same stamp ⇔ same content (issue 4).

Every field of the mini catalogue is changed, one at a time, to another valid value
(the district, every item, every station: each string, number, flag, date, list).
For each change and each guide of a station, the guide page is rendered again with
the real templates and theme; the test compares what changed on the page with what
changed in its stamp:

- a change that shows on the guide must change its stamp (else a printed sheet
  would look current while it is not);
- a change that does not show on the guide must leave its stamp alone (changing
  another item, another station's local note, this station's staff...), else every
  edit would send staff to reprint sheets that did not change.
"""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re

import pytest
from pydantic import ValidationError

from conftest import MINI, ROOT
from generator import model
from generator.plan import Page, plan, stamp
from generator.validate import read_catalogue

STATION = "370304001200"  # a village: 3 guides, a local note for JZ-001, a partner point for JF-001
PLACEHOLDER = "STAMP-PLACEHOLDER"

# Values a Literal field may take: a changed Literal tries these.
LITERALS = [*model.ITEM_TYPES, *model.CATEGORIES, *model.CASE_TYPES, *model.BADGES,
            "原件", "复印件", "原件和复印件", "邮政", "银行", "商超", "其他", "村", "社区"]
# Identity and references: changing them is not an edit of what a page shows but a
# different catalogue (other URLs, other offers); the validator checks them across records.
SKIP = re.compile(r"(^|\.)code$|^items\.|\.items(\.|$)|^item_sets|^towns\.\d+\.code$|^online_domains")

TIME_RANGE = re.compile(r"^(\d\d):(\d\d)-(\d\d:\d\d)$")


@pytest.fixture(scope="module")
def cat():
    catalogue, problems = read_catalogue(MINI)
    assert catalogue is not None, problems
    return catalogue


@pytest.fixture(scope="module")
def engine(cat):
    from generator.engine import Engine

    return Engine(ROOT / "mkdocs.yml", cat.district.site_url)


def render(cat, engine, pages: list[Page]) -> list[str]:
    """The pages as the build writes them, with a placeholder where the stamp goes."""
    from generator.render import Renderer

    renderer = Renderer(cat, engine, {p.path: PLACEHOLDER for p in pages})
    return [renderer.render(p) for p in pages]


# ------------------------------------------------------------------ one field at a time


def _leaves(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        yield path, value  # the list itself: an entry added or removed
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    else:
        yield path, value


def _candidates(value):
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1]
    if isinstance(value, list):
        out = []
        if value:
            out.append(value[:-1])
            out.append(value + [copy.deepcopy(value[-1])])
        else:
            out.append(["07:00-07:30"])
            out.append(["新增一项"])
        return out
    if value is None:
        return ["新填写的内容", "0533-4100099", *LITERALS]  # (the number: for a phone field)
    if isinstance(value, str):
        if m := TIME_RANGE.match(value):
            minute = (int(m[2]) + 1) % 60
            return [f"{m[1]}:{minute:02d}-{m[3]}"]
        if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
            return [(dt.date.fromisoformat(value) + dt.timedelta(days=1)).isoformat()]
        if re.fullmatch(r"[0-9-]+", value):  # a phone number (model.Phone): another number
            return [value[:-1] + str((int(value[-1]) + 1) % 10)]
        return [value + "改", "新" + value, *(v for v in LITERALS if v != value)]
    return []


def _set(data, path, new):
    data = copy.deepcopy(data)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return data


def mutations(cat):
    """(label, changed catalogue) for every field of every record, each changed to a valid other value."""
    records = [("district", None, cat.district)]
    records += [(f"items[{c}]", c, it) for c, it in cat.items.items()]
    records += [(f"stations[{c}]", c, st) for c, st in cat.stations.items()]
    for label, key, record in records:
        data = record.model_dump(mode="json")
        for path, value in _leaves(data):
            if not path:
                continue
            dotted = ".".join(map(str, path))
            if SKIP.search(dotted):
                continue
            for new in _candidates(value):
                try:
                    changed = type(record).model_validate(_set(data, path, new))
                except (ValidationError, ValueError):
                    continue
                if changed == record:
                    continue
                if label == "district":
                    yield f"district.{dotted}", dataclasses.replace(cat, district=changed)
                elif label.startswith("items"):
                    yield f"{label}.{dotted}", dataclasses.replace(cat, items={**cat.items, key: changed})
                else:
                    yield f"{label}.{dotted}", dataclasses.replace(cat, stations={**cat.stations, key: changed})
                break  # one valid change per field is enough


def _general(label: str) -> str:
    """items[JZ-001].materials.2.name -> items[JZ-001].materials.name"""
    return re.sub(r"\.\d+(?=\.|$)", "", label)


def _visible(html: str) -> str:
    """What a resident can see: the page without its JSON-LD (machine-readable data that shows nothing;
    the incremental digest, Fingerprints.inputs, covers the whole district and item, so the page is still rewritten)."""
    return re.sub(r'<script type="application/ld\+json">.*?</script>', "", html, flags=re.S)


def compare(cat, engine, pages):
    base = list(zip([stamp(cat, p) for p in pages], render(cat, engine, pages)))
    missed, extra, checked = set(), set(), 0
    for label, changed in mutations(cat):
        for p, (old_stamp, old_html), new_html in zip(pages, base, render(changed, engine, pages)):
            new_stamp = stamp(changed, p)
            shown, stamped = _visible(new_html) != _visible(old_html), new_stamp != old_stamp
            checked += 1
            if shown and not stamped:
                missed.add(f"{p.path}: {_general(label)}")
            if stamped and not shown:
                extra.add(f"{p.path}: {_general(label)}")
    return missed, extra, checked


@pytest.fixture(scope="module")
def guide_results(cat, engine):
    pages = [p for p in plan(cat, [STATION]) if p.kind == "guide"]
    assert len(pages) == 3
    return compare(cat, engine, pages)


def test_mutations_cover_every_kind_of_field(cat):
    labels = {_general(label) for label, _ in mutations(cat)}
    for expected in ("district.supervision_hotline", "district.name", "district.portal.name",
                     "items[JZ-001].name", "items[JZ-001].materials.name", "items[JZ-001].materials.copies",
                     "items[JZ-001].materials.source", "items[JZ-001].conditions", "items[JZ-001].updated",
                     "items[JF-001].fees.amount", "items[JZ-001].aliases",
                     "stations[370304001200].hours.mon", "stations[370304001200].local_notes.JZ-001.note",
                     "stations[370304001200].staff.name", "stations[370304001200].partners.phone",
                     "stations[370304002001].address"):
        assert expected in labels, expected
    assert len(labels) > 100


def test_every_change_shown_on_a_guide_changes_its_stamp(guide_results):
    missed, _, checked = guide_results
    assert checked > 500
    assert not missed, "shown on the guide but not in its stamp:\n" + "\n".join(sorted(missed))


def test_changes_elsewhere_leave_a_guide_stamp_alone(cat):
    """The brief's examples, spelled out: another item, another station's note, this station's staff."""
    guide = Page("guide", f"{STATION}/JZ-001/", station=STATION, item="JZ-001")
    before = stamp(cat, guide)
    other_item = cat.items["LN-001"].model_copy(update={"name": "老年人优待证办理（改）"})
    other_station = cat.stations["370304002001"]
    other_note = other_station.model_copy(update={"local_notes": {"JZ-001": model.LocalNote(note="新的说明")}})
    this = cat.stations[STATION]
    staff = this.model_copy(update={"staff": [*this.staff, model.Staff(name="王五", role="网格员", window="综合窗口")]})
    note_other_item = this.model_copy(update={"local_notes": {**this.local_notes, "LN-001": model.LocalNote(window="2号窗口")}})
    for changed in (dataclasses.replace(cat, items={**cat.items, "LN-001": other_item}),
                    dataclasses.replace(cat, stations={**cat.stations, "370304002001": other_note}),
                    dataclasses.replace(cat, stations={**cat.stations, STATION: staff}),
                    dataclasses.replace(cat, stations={**cat.stations, STATION: note_other_item})):
        assert stamp(changed, guide) == before
    # and the same kind of edit on this guide's own data does change it
    own = this.model_copy(update={"local_notes": {**this.local_notes, "JZ-001": model.LocalNote(window="2号窗口")}})
    assert stamp(dataclasses.replace(cat, stations={**cat.stations, STATION: own}), guide) != before
    item = cat.items["JZ-001"].model_copy(update={"phone": "0533-4182013"})
    assert stamp(dataclasses.replace(cat, items={**cat.items, "JZ-001": item}), guide) != before


def _kind(entry: str) -> str:
    """'370304001200/JF-001/: items[JF-001].proxy.note' -> 'item.proxy.note' (this guide's item)."""
    path, label = entry.split(": ", 1)
    station, item = path.strip("/").split("/")
    label = label.replace(f"items[{item}]", "item").replace(f"stations[{station}]", "station")
    return re.sub(r"^(items|stations)\[[^]]+\]", lambda m: "other_" + m[1][:-1], label)


def test_only_what_a_guide_shows_changes_its_stamp(guide_results):
    _, extra, _ = guide_results
    assert not extra, "in the stamp but not shown on the guide:\n" + "\n".join(sorted(extra))
