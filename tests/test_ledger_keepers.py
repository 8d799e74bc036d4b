"""ledger.py's keepers of old URLs one at a time, in-process: which redirect or tombstone keeps
a published URL alive once the catalogue no longer plans its page (retired.yaml, a station that
stopped offering an item, a need no longer listed elsewhere)."""
import dataclasses
import datetime as dt

import pytest

from conftest import MINI
from generator import ledger
from generator.model import Retired, Retirement
from generator.validate import read_catalogue

STATION, OTHER = "370304001200", "370304002001"  # the fixture's village (offers LN-001) and community


@pytest.fixture(scope="module")
def cat():
    catalogue, problems = read_catalogue(MINI)
    assert catalogue is not None, problems
    return catalogue


def retirement(code, successor=None):
    return Retirement(code=code, name="旧", date=dt.date(2026, 1, 1), reason="合并", successor=successor)


def gone(cat, items=(), stations=()):
    retired = Retired(items=list(items), stations=list(stations))
    cat = dataclasses.replace(cat, retired=retired)
    return ledger._Gone(cat, {r.code: r for r in retired.items}, {r.code: r for r in retired.stations})


def test_keepers_in_order():
    assert ledger._KEEPERS == (ledger._elsewhere, ledger._retired_item, ledger._retired_station,
                               ledger._station_retired_item, ledger._no_longer_offered)


def test_a_need_no_longer_listed_leads_to_the_list(cat):
    page = ledger._keeper("/elsewhere/hunyin/", gone(cat))
    assert (page.kind, page.path) == ("redirect", "elsewhere/hunyin/") and page.target == ledger.elsewhere.LIST
    without = dataclasses.replace(cat, district=cat.district.model_copy(update={"elsewhere": []}))
    assert ledger._elsewhere("/elsewhere/x/", ("elsewhere", "x"), gone(without)).target == ""


def test_retired_item_district_page(cat):
    tomb = ledger._keeper("/items/XX-001/", gone(cat, items=[retirement("XX-001")]))
    assert (tomb.kind, tomb.item, tomb.station) == ("tombstone", "XX-001", None)
    moved = ledger._keeper("/items/XX-001/", gone(cat, items=[retirement("XX-001", "LN-001")]))
    assert (moved.kind, moved.target) == ("redirect", "items/LN-001/")


def test_retired_station_to_its_successor(cat):
    g = gone(cat, stations=[retirement("370304001299", STATION)])
    assert ledger._keeper("/370304001299/", g).target == f"{STATION}/"
    assert ledger._keeper("/370304001299/LN-001/", g).target == f"{STATION}/LN-001/"  # the successor offers it
    assert ledger._keeper("/370304001299/ZZ-009/", g).target == f"{STATION}/"  # it does not: its station page
    tomb = ledger._keeper("/370304001299/", gone(cat, stations=[retirement("370304001299")]))
    assert (tomb.kind, tomb.station, tomb.item) == ("tombstone", "370304001299", None)


def test_station_guide_of_a_retired_item(cat):
    g = gone(cat, items=[retirement("XX-001", "LN-001")])
    assert ledger._keeper(f"/{STATION}/XX-001/", g).target == f"{STATION}/LN-001/"
    assert ledger._keeper(f"/{OTHER}/XX-001/", g).target == "items/LN-001/"  # the community does not offer LN-001


def test_item_no_longer_offered_is_a_tombstone(cat):
    page = ledger._keeper(f"/{OTHER}/LN-001/", gone(cat))
    assert (page.kind, page.station, page.item) == ("tombstone", OTHER, "LN-001")


def test_unknown_url_has_no_keeper(cat):
    assert ledger._keeper("/370304009999/", gone(cat)) is None
    assert ledger._keeper("/items/NO-001/", gone(cat)) is None


def test_lost_urls_reported_once_per_source(tmp_path):
    problems = ledger.Problems()
    lines = [(2, "/a/"), (3, "/b/")]
    ledger._report_lost(tmp_path / ledger.LEDGER, lines, [(3, "/b/"), (0, "/site-only/")], problems)
    first, second = problems
    assert first.line == 3 and "/b/" in first.message
    assert second.line == 4 and "/site-only/" in second.message and "guides restore" in second.message
    assert ledger._after([]) == 1
