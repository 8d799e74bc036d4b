"""bench/build.py: a small-N smoke run of the build benchmark, and the content it generates.
Correctness only: no time is asserted (the figures are in bench/RESULTS.md)."""
import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

_spec = importlib.util.spec_from_file_location("bench_build", ROOT / "bench" / "build.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def _tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    work = tmp_path_factory.mktemp("bench")
    content_before = _tree_digest(ROOT / "content")
    out = work / "results.json"
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "build.py"), "--stations", "3", "--baseline-sample", "1",
                        "--json", str(out), "--workdir", str(work / "w")], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    assert _tree_digest(ROOT / "content") == content_before  # the repository's content is never touched
    return r.stdout, json.loads(out.read_text(encoding="utf-8")), work / "w"


def test_table_has_every_figure(smoke):
    table, _, _ = smoke
    for row in ["full clean build", "republish: one station edited", "republish: one item edited",
                "republish: no-op", "baseline: `mkdocs build` per station", "ratio baseline / full clean build",
                "wall s", "CPU s", "peak RSS MiB (tree)", "pages written",
                "measured on 1 of 3 stations, extrapolated linearly", "average guide page", "stored 1×"]:
        assert row in table, row


def test_json_figures_are_sane(smoke):
    _, r, work = smoke
    assert r["stations"] == 3 and r["scope"].startswith("博山区")
    assert r["machine"]["nproc"] >= 1 and r["machine"]["memory_gib"] > 0
    assert len(r["git"]["commit"]) == 40
    site = r["site"]
    # 3 stations' homes and guides, the portal, the item directory and one district guide per item
    items = len(list((ROOT / "content" / "items").glob("*.yaml")))
    # + the publish report (_admin/index.html) and the standardisation report (_admin/standard/index.html)
    # + the offline page, written beside the plan (generator/pwa.py); the pages of needs handled
    # elsewhere are in the plan (generator/elsewhere.py)
    from generator.validate import read_catalogue

    needs = read_catalogue(ROOT / "content")[0].district.elsewhere
    assert site["pages"] == r["pages_total"] + 2 + 1
    assert site["guide_pages"] == r["pages_total"] - 3 - 2 - items - (1 + len(needs) if needs else 0)
    assert site["theme_stylesheet_copies"] == 1 and site["search_indexes"] >= 1
    assert 1 < site["avg_guide_kib"] < 200 and site["output_mib"] > 0

    clean = r["clean"]
    assert clean["mode"] == "full" and clean["pages_written"] == r["pages_total"]
    for m in [clean, *r["republish"].values()]:
        assert m["wall_s"] > 0 and m["cpu_s"] > 0 and m["peak_rss_tree_mib"] > 10
        assert 0 < m["peak_pss_tree_mib"] <= 1.2 * m["peak_rss_tree_mib"]
        for run in m["runs"]:
            assert run["returncode"] == 0
    rep = r["republish"]
    assert all(m["mode"] == "incremental" for m in rep.values())
    # one station edited: its home and its guides; one item edited: its guide in each station that
    # offers it and its district guide; nothing else
    station = r["edits"]["station"]
    code = Path(station).stem
    offered = len(list((work / "site" / code).glob("*/index.html")))
    assert rep["station"]["pages_written"] == 1 + offered
    assert rep["item"]["pages_written"] == 3 + 1
    assert rep["noop"]["pages_written"] == 0

    base = r["baseline"]
    assert base["measured_stations"] == 1 and base["extrapolated"]
    assert len(base["runs"]) == 1 and base["runs"][0]["returncode"] == 0
    assert base["pages"] >= 3 * 10 and base["wall_s"] > 0 and base["output_mib"] > 0
    assert r["ratio"]["wall"] == pytest.approx(base["wall_s"] / clean["wall_s"], rel=0.01)
    assert r["ratio"]["cpu"] > 0


def test_baseline_pages_say_what_the_guides_say(tmp_path):
    """The baseline is fair: each station's Markdown carries the same information as its guides."""
    from generator.validate import read_catalogue

    content = tmp_path / "content"
    made = bench.make_content(2, content)
    cat, problems = read_catalogue(content)
    assert cat is not None, problems
    code = made["stations"][0]
    pages = bench.station_markdown(cat, code)
    st = cat.stations[code]
    assert set(pages) == {"index.md", *(f"{c}.md" for c in cat.offers[code])}
    assert st.name in pages["index.md"] and st.address in pages["index.md"] and st.staff[0].name in pages["index.md"]
    item = cat.items["JZ-001"]
    guide = pages["JZ-001.md"]
    for text in [item.name, item.conditions[0], item.materials[0].name, item.process[0].detail,
                 item.legal_bases[0].law, item.department, st.address, st.phone]:
        assert text in guide, text


def test_city_content_is_all_of_zibo_and_valid(tmp_path):
    """Above 296 stations the benchmark builds the city: 2,931 stations under code 3703."""
    from generator.validate import read_catalogue

    content = tmp_path / "content"
    made = bench.make_content(2931, content)
    assert len(made["stations"]) == 2931 and made["scope"].startswith("淄博市")
    cat, problems = read_catalogue(content)
    assert cat is not None, [p for p in problems if p.level == "error"][:5]
    assert cat.district.code == "3703" and len(cat.stations) == 2931
    assert {c[:6] for c in cat.stations} == {"370302", "370303", "370304", "370305", "370306", "370321",
                                             "370322", "370323"}
    # all 2,931 official names, the ten without a committee suffix too, follow the naming rule
    assert cat.stations["370302102004"].name == "光正社区便民服务站"
    assert cat.stations["370323110231"].name == "分水新村便民服务站"
    # a station of another district is addressed in its own district
    st = cat.stations["370302001001"]
    assert st.address.startswith("淄川区")


def test_sample_of_stations_is_spread_over_the_pool():
    assert bench.spread(list(range(10)), 3) == [0, 3, 6]
    assert bench.spread(list(range(3)), 5) == [0, 1, 2]
