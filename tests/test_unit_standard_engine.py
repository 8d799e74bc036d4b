"""In-process unit tests of the standardisation assessment (standard.py: each criterion per station, the shared
cause named once, the report's first sentence), the engine seam (engine.py: Material rendered once per page kind
with holes, hashed asset names, links of pages served at any depth) and the offline app files (pwa.py)."""
import dataclasses
import hashlib
import json
import re

import pytest

from conftest import MINI, ROOT
from generator import pwa, standard
from generator.engine import KINDS, OWN_ASSETS, Engine
from generator.model import Checklist
from generator.plan import plan, stamps
from generator.render import Renderer
from generator.validate import read_catalogue

VILLAGE, COMMUNITY = "370304001200", "370304002001"


@pytest.fixture(scope="module")
def cat():
    catalogue, problems = read_catalogue(MINI)
    assert catalogue is not None, [str(p) for p in problems]
    return catalogue


@pytest.fixture(scope="module")
def engine(cat):
    return Engine(ROOT / "mkdocs.yml", cat.district.site_url)


def with_station(cat, code, **fields):
    return dataclasses.replace(cat, stations={**cat.stations, code: cat.stations[code].model_copy(update=fields)})


def row(report, code):
    return next(s for s in report.district.stations if s.code == code)


# ------------------------------------------------------------------ standard: per station

def test_each_station_is_assessed_on_every_criterion(cat):
    report = standard.assess(cat)
    village, community = row(report, VILLAGE), row(report, COMMUNITY)
    assert (village.name, village.town, village.items, village.online, village.on_request) == \
        ("安上村便民服务站", "城东街道", 3, 2, 2)
    assert village.failures == [] and not village.below and village.rate == 1.0
    assert community.checklist_gaps == ["有经费"] and community.failures == ["六有一能"]
    assert [s.code for s in report.below] == [COMMUNITY]
    assert [(t.name, t.up_to_standard, len(t.stations)) for t in report.towns] == [("城东街道", 1, 1), ("城西街道", 0, 1)]
    assert report.district.name == "淄博市博山区" and report.district.share == 0.5


def test_a_wrong_name_and_a_low_online_rate_fail_their_criteria(cat):
    renamed = with_station(cat, VILLAGE, name="安上服务站")
    items = {**renamed.items, "JZ-001": renamed.items["JZ-001"].model_copy(
        update={"online": renamed.items["JZ-001"].online.model_copy(update={"available": False, "url": None})})}
    worse = dataclasses.replace(renamed, items=items)
    village = row(standard.assess(worse), VILLAGE)
    assert village.online == 1 and village.on_request == 2 and village.rate == 0.5
    assert village.failures == ["命名规范"]  # 50% meets the 50% floor
    items["LN-001"] = items["LN-001"].model_copy(
        update={"online": items["LN-001"].online.model_copy(update={"available": False, "url": None})})
    village = row(standard.assess(dataclasses.replace(renamed, items=items)), VILLAGE)
    assert village.rate == 0.0 and village.failures == ["命名规范", "网上可办率"]


def test_stations_below_standard_worst_first(cat):
    gaps = Checklist(place=True, staff=True, rules=False, network=True, equipment=False, funding=False, capable=True)
    worse = with_station(cat, VILLAGE, checklist=gaps, name="安上服务站")
    report = standard.assess(worse)
    assert [s.code for s in report.below] == [VILLAGE, COMMUNITY]
    assert row(report, VILLAGE).severity() < row(report, COMMUNITY).severity()


def test_missing_required_names_empty_required_fields_in_chinese(cat):
    assert standard.missing_required(cat.items["JZ-001"]) == []
    item = cat.items["JZ-001"].model_copy(update={"department": ""})
    assert standard.missing_required(item) == [type(item).model_fields["department"].title]
    staff = cat.stations[VILLAGE].staff[0].model_copy(update={"window": ""})
    assert standard.missing_required(staff) == ["窗口"]
    station = cat.stations[VILLAGE].model_copy(update={"staff": [staff]})
    assert "工作人员[1].窗口" in standard.missing_required(station)  # nested records by their path
    assert not row(standard.assess(with_station(cat, VILLAGE, staff=[staff])), VILLAGE).staff_complete


def test_the_review_lists_items_never_checked(cat):
    report = standard.assess(cat)
    assert set(report.review) == {"JZ-001", "LN-001", "JF-001"}
    name, reasons = report.review["JF-001"]
    assert name == "电费缴纳" and reasons == ["从未核对政策事实：逐项核对后填写核对日期和核对来源"]


# ------------------------------------------------------------------ standard: causes and the first sentence

def test_a_shared_cause_is_named_once_with_its_fix(cat):
    report = standard.assess(cat)
    (cause,) = standard.causes(cat, report)
    assert (cause.criterion, cause.stations, cause.only) == ("六有一能", 1, 1)
    assert "缺有经费 1 个" in cause.finding and "城西街道" in cause.finding
    assert standard.headline(report, [cause]) == (
        "2 个服务站中 1 个达标。1 个服务站未达到“六有一能”，都只差这一项：" + cause.finding + "。")


def test_the_online_cause_names_the_items_to_open_online(cat):
    items = {c: it.model_copy(update={"online": it.online.model_copy(update={"available": False, "url": None})})
             if it.item_type != "便民服务" else it for c, it in cat.items.items()}
    offline = dataclasses.replace(cat, items=items)
    report = standard.assess(offline)
    found = standard.causes(offline, report)
    assert found[0].criterion == "网上可办率" and found[0].stations == 2
    assert set(found[0].items) <= {"JZ-001", "LN-001"} and found[0].items
    assert "问题出在目录" in found[0].finding
    assert standard.headline(report, found).startswith("2 个服务站中 0 个达标。全部 2 个服务站未达到“网上可办率”")


def test_headline_when_all_meet_the_standard(cat):
    full = Checklist(place=True, staff=True, rules=True, network=True, equipment=True, funding=True, capable=True)
    report = standard.assess(with_station(cat, COMMUNITY, checklist=full))
    assert standard.causes(cat, report) == []
    assert standard.headline(report, []) == "全部 2 个服务站达标。"


def test_the_report_page_leads_with_the_cause_and_draws_charts(cat):
    report = standard.assess(cat)
    html = standard.content(report, standard.causes(cat, report))
    assert html.startswith("<h1>标准化建设评估报告</h1>")
    lead = re.search(r'<p class="g-lead">(.*?)</p>', html).group(1)
    assert lead == standard.headline(report, standard.causes(cat, report))
    assert "<svg" in html and "税务街社区便民服务站" in html
    assert "<script" not in html  # charts are drawn at build time


# ------------------------------------------------------------------ engine: Material once per kind

def test_a_shell_has_holes_for_each_page_value(engine):
    page = engine.shell("guide").fill(station=VILLAGE, item="JZ-001", site_name="安上村便民服务站",
                                      title="低保 <审核>", description="说明", content="<p>正文</p>",
                                      head='<meta name="x">')
    assert "<title>低保 &lt;审核&gt; - 安上村便民服务站</title>" in page
    assert "<p>正文</p>" in page and '<meta name="x">' in page
    assert f'href="https://guides.mini.example/{VILLAGE}/JZ-001/"' in page
    assert not re.search(r"x(station|item|sitename|pagetitle|description|extrahead|pagecontent)x", page)


def test_shells_are_made_once_per_kind(engine):
    assert engine.shell("station") is engine.shell("station")
    assert set(KINDS) >= {"portal", "items", "item", "station", "guide", "notfound", "offline"}


def test_pages_served_at_any_depth_link_from_the_root(engine):
    page = engine.shell("notfound").fill(site_name="博山区便民服务", title="页面不存在", description="d", content="")
    links = re.findall(r'\b(?:href|src)="([^"]+)"', page)
    local = [u for u in links if not re.match(r"[a-z]+:|#", u)]
    assert local and all(u.startswith("/") for u in local)
    assert 'rel="canonical"' not in page


def test_own_assets_get_content_hashed_names(engine):
    for path, hashed in engine.hashed.items():
        assert path.startswith(OWN_ASSETS)
        source = engine.theme_dirs[0] / path
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:8]
        stem, _, suffix = path.rpartition(".")
        assert hashed == f"{stem}.{digest}.{suffix}"
    assert engine.asset("assets/guides/guides.css") != "assets/guides/guides.css"
    assert engine.asset("assets/stylesheets/x.css") == "assets/stylesheets/x.css"  # Material's own: as they are


def test_no_theme_javascript_or_source_maps_are_published(engine):
    dests = [dest for _, dest in engine.assets()]
    assert dests and not any(d.endswith(".map") or d.startswith("assets/javascripts/") for d in dests)
    assert all(src.is_file() for src, _ in engine.assets())


def test_the_engine_takes_only_a_checked_origin():
    from generator.urls import UrlError

    with pytest.raises(UrlError):
        Engine(ROOT / "mkdocs.yml", 'https://a.example/"><script>')


def test_fingerprint_inputs_are_the_config_and_our_theme(engine):
    inputs = engine.fingerprint_inputs()
    assert inputs[0] == ROOT / "mkdocs.yml"
    assert any(p.name == "guides.html" for p in inputs)
    assert re.fullmatch(r"mkdocs \S+ · mkdocs-material \S+", Engine.versions())


# ------------------------------------------------------------------ pwa: the offline app

def test_the_manifest_names_the_district_and_its_hashed_icons(cat, engine):
    renderer = Renderer(cat, engine, stamps(cat, plan(cat)))
    files = pwa.files(renderer)
    assert set(files) == {pwa.MANIFEST, pwa.OFFLINE + "index.html", pwa.SW}
    manifest = json.loads(files[pwa.MANIFEST])
    assert manifest["name"] == "博山区便民服务" and manifest["lang"] == "zh-CN" and manifest["start_url"] == "./"
    assert [i["src"] for i in manifest["icons"]] == [engine.asset(p) for p in pwa.ICONS]


def test_the_service_worker_precaches_the_offline_page_and_changes_with_it(cat, engine):
    precache = pwa.precache(engine)
    assert precache[:2] == [pwa.OFFLINE, pwa.MANIFEST]
    assert engine.asset("assets/guides/guides.js") in precache
    one = pwa.service_worker(engine, b"<html>1</html>").decode("utf-8")
    two = pwa.service_worker(engine, b"<html>2</html>").decode("utf-8")
    assert json.dumps(precache) in one and "__PRECACHE__" not in one and "__VERSION__" not in one
    assert one != two  # a new offline page is a new worker version: phones fetch it
    assert pwa.service_worker(engine, b"<html>1</html>").decode("utf-8") == one
