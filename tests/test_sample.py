"""The embedded sample: the real 博山区 and a catalogue written to national and Shandong policy."""
import csv
import shutil
import time

import pytest

from conftest import ROOT, guides
from generator.model import CATEGORIES
from generator.validate import read_catalogue, station_name

REQUIRED_ITEMS = [
    "最低生活保障", "特困人员救助供养", "临时救助", "城乡居民基本养老保险参保登记", "城乡居民基本养老保险待遇申领",
    "城乡居民基本医疗保险参保登记", "城乡居民基本医疗保险缴费", "残疾人证办理", "困难残疾人生活补贴",
    "重度残疾人护理补贴", "老年人优待证", "高龄津贴", "生育登记", "就业失业登记", "退役军人优待证", "法律援助",
    "人民调解", "耕地地力保护补贴", "农村危房改造", "电费", "水费", "燃气费", "暖气费",
    # commonly offered at Shandong village stations (issue 14)
    "育儿补贴", "社会保障卡", "就业困难人员认定", "灵活就业人员", "城乡居民基本养老保险关系转移", "医疗保险关系转移接续",
    "独生子女父母", "老年人优惠乘车", "百岁老人长寿补贴", "残疾人证换领", "残疾儿童康复救助", "光荣牌",
    "定期抚恤", "防止返贫监测", "脱贫人口小额信贷", "土地经营权流转", "居住证",
]


@pytest.fixture(scope="module")
def catalogue():
    cat, problems = read_catalogue(ROOT / "content")
    assert cat is not None, "\n".join(map(str, problems.errors))
    return cat


def boshan_villages():
    with open(ROOT / "data/zibo-divisions.csv", encoding="utf-8") as f:
        return {r["code"]: r for r in csv.DictReader(f) if r["level"] == "village" and r["code"].startswith("370304")}


def test_check_passes_with_no_errors():
    r = guides("check")
    assert r.returncode == 0, r.stderr
    items = len(list((ROOT / "content/items").glob("*.yaml")))
    assert items >= 63  # the first 48 and the items Shandong village stations commonly add (issue 14)
    assert f"检查通过：296 个服务站，{items} 个事项" in r.stdout
    assert ": 警告：" in r.stderr or "警告" in r.stderr  # policy warnings are shown, not fatal


def test_all_296_villages_and_communities_with_real_codes_and_names(catalogue):
    villages = boshan_villages()
    assert len(villages) == 296
    assert set(catalogue.stations) == set(villages)
    for code, st in catalogue.stations.items():
        assert st.division == villages[code]["name"]
        assert (st.name, st.kind) == station_name(st.division)
    names = {st.name for st in catalogue.stations.values()}
    assert {"安上村便民服务站", "公平庄社区便民服务站", "荆山社区便民服务站"} <= names
    assert {t.code for t in catalogue.district.towns} == {c[:9] for c in villages}
    assert len(catalogue.district.towns) == 10


def test_every_required_item_and_all_13_categories(catalogue):
    names = [it.name for it in catalogue.items.values()]
    for wanted in REQUIRED_ITEMS:
        assert any(wanted in n for n in names), wanted
    assert len(catalogue.items) >= 45
    assert {it.category for it in catalogue.items.values()} == set(CATEGORIES)
    assert any(it.exploratory for it in catalogue.items.values())
    for it in catalogue.items.values():
        assert it.legal_bases and it.conditions and it.process and (it.materials or it.no_materials)


def test_villages_and_communities_offer_different_sets(catalogue):
    farm = {c for c, it in catalogue.items.items() if it.category == "惠农政策落实" and not it.exploratory}
    communities = [c for c, st in catalogue.stations.items() if st.kind == "社区"]
    villages = [c for c, st in catalogue.stations.items() if st.kind == "村"]
    assert communities and villages
    assert all(farm <= set(catalogue.offers[c]) for c in villages if not catalogue.stations[c].items.remove)
    # farm subsidies are a village matter; a few communities near farmland add 耕地地力保护补贴 explicitly
    for c in communities:
        extra = set(catalogue.offers[c]) & farm
        assert extra <= set(catalogue.stations[c].items.add)
    assert sum(len(st.partners) for st in catalogue.stations.values()) >= 3
    assert catalogue.district.sample_data and "虚构" in catalogue.district.sample_notice


def test_full_sample_builds(tmp_path, capsys):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    out = tmp_path / "site"
    started = time.monotonic()
    r = guides("build", "--content", content, "--out", out)
    seconds = time.monotonic() - started
    assert r.returncode == 0, r.stderr[-2000:]
    pages = sum(1 for _ in out.rglob("index.html"))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert pages >= 296 * 40
    with capsys.disabled():
        print(f"\nfull sample: {pages} pages, {size / 2**20:.0f} MiB, {seconds:.1f} s")
