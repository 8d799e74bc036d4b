"""printing.py's run, in-process and without printing: its two modes (whole stations, the reprint
queue by town) as jobs, what a finished job takes off the queue, the result's order and the
reprint manifest, the jobs a worker process is sent, and what is refused before any browser
starts. The printing itself: test_print.py."""
import json
import pickle
import re

import pytest

from conftest import MINI
from generator import reprint
from generator.printing import (PrinterSetup, ReprintJob, ReprintPacks, StationJob, StationPacks, StationReport,
                                print_stations)
from generator.problems import Problems
from generator.validate import read_catalogue

STATION = "370304001200"  # town 370304001
COMMUNITY = "370304002001"  # town 370304002
SINCE = "2026-12-01T00:00:00Z"


@pytest.fixture(scope="module")
def cat():
    cat, problems = read_catalogue(MINI)
    assert cat is not None, [str(p) for p in problems]
    return cat


def sheet(code, kind="guide", item="JF-001"):
    return reprint.Sheet(code, kind, item, "2026-12-01 · abcdef", SINCE)


def test_station_packs_one_job_a_station_and_the_queue_only_for_what_was_printed():
    pending = {STATION: [sheet(STATION)]}
    mode = StationPacks([COMMUNITY, STATION], pending, force=True)
    assert mode.jobs() == [StationJob(COMMUNITY, True, False), StationJob(STATION, True, False)]
    assert mode.stations() == 2
    assert mode.printed(StationReport(STATION, "安上村", printed=True)) == (pending, 1)
    assert mode.printed(StationReport(STATION, "安上村", printed=False)) == ({}, 1), "skipped: still on the queue"
    assert mode.printed(StationReport(COMMUNITY, "税务街", printed=True)) == ({}, 1), "nothing was queued"
    offline = StationPacks([STATION], pending, offline_only=True)
    assert offline.printed(StationReport(STATION, "安上村", printed=True)) == ({}, 1), "no paper printed"

    reports = [StationReport(STATION, "安上村", True), StationReport(COMMUNITY, "税务街", True)]
    result = mode.result(reports, Problems(), built=True, test_print=False)
    assert result.ok and result.built and not result.changed
    assert [r.code for r in result.reports] == [COMMUNITY, STATION], "in the order asked for, not as finished"


def test_reprint_packs_one_job_a_town_in_delivery_order(cat, tmp_path):
    pending = {COMMUNITY: [sheet(COMMUNITY)], STATION: [sheet(STATION), sheet(STATION, "poster", None)]}
    mode = ReprintPacks.of(cat, pending, tmp_path)
    assert re.fullmatch(r"\d{8}-\d{6}", mode.when) and mode.dest == tmp_path / "reprint" / mode.when
    assert list(mode.towns) == ["370304001", "370304002"], "the district's order: a delivery round"
    assert mode.jobs() == [ReprintJob("370304001", {STATION: pending[STATION]}, mode.dest / "370304001-reprint.pdf"),
                           ReprintJob("370304002", {COMMUNITY: pending[COMMUNITY]}, mode.dest / "370304002-reprint.pdf")]
    assert mode.stations() == 2
    pack = {"town": "370304001", "stations": [STATION], "file": "370304001-reprint.pdf", "pages": 3}
    assert mode.printed(pack) == ({STATION: pending[STATION]}, 1)


def test_reprint_result_in_delivery_order_with_its_manifest_and_none_when_nothing_was_queued(cat, tmp_path):
    pending = {COMMUNITY: [sheet(COMMUNITY)], STATION: [sheet(STATION)]}
    mode = ReprintPacks.of(cat, pending, tmp_path)
    packs = [{"town": "370304002", "stations": [COMMUNITY]}, {"town": "370304001", "stations": [STATION]}]
    result = mode.result(packs, Problems(), built=False, test_print=True)
    assert result.ok and result.changed and result.test_print and result.reports == []
    assert [p["town"] for p in result.reprint] == ["370304001", "370304002"] and result.reprint_dir == mode.dest
    manifest = json.loads((mode.dest / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == {"printed": mode.when, "towns": result.reprint}

    empty = ReprintPacks.of(cat, {}, tmp_path / "empty")
    assert empty.jobs() == [] and empty.stations() == 0
    result = empty.result([], Problems(), built=False, test_print=False)
    assert result.ok and result.reprint == [] and result.reprint_dir is None
    assert not (tmp_path / "empty").exists(), "no pack, no folder"


def test_what_a_worker_process_is_sent_survives_pickling(tmp_path):
    """A pool worker makes its printer from a PrinterSetup (one per process: a cache keyed by it) and
    is sent jobs: all must pickle, and a setup that comes back equal finds the same printer."""
    setup = PrinterSetup(tmp_path / "content", tmp_path / "site", None, tmp_path / "mkdocs.yml", test_print=True)
    again = pickle.loads(pickle.dumps(setup))
    assert again == setup and hash(again) == hash(setup)
    for job in (StationJob(STATION, force=True), ReprintJob("370304001", {STATION: [sheet(STATION)]}, tmp_path / "x.pdf")):
        assert pickle.loads(pickle.dumps(job)) == job


def test_unknown_stations_and_a_stale_site_are_refused_before_printing(tmp_path):
    site = tmp_path / "site"
    result = print_stations(MINI, site, [STATION, "370304001999", "370304001999"], test_print=True)
    assert not result.ok and not site.exists()
    assert [p.message for p in result.problems.errors] == ["没有这些服务站：370304001999"], "each named once"

    site.mkdir()
    (site / "index.html").write_text("<p>an old site</p>", encoding="utf-8")  # a site, but not these pages
    result = print_stations(MINI, site, [STATION], test_print=True)
    assert not result.ok and not result.built
    (message,) = [p.message for p in result.problems.errors]
    assert message.startswith("已发布的网站与内容不一致（4 页：370304001200/") and "guides build" in message
    assert not (tmp_path / "print").exists(), "nothing printed"
