"""The standardisation report: its figures for the real sample against counts made here from the YAML
files directly; the page in the built site (noindex, linked, inline SVG charts); the workbook."""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest
import yaml

from conftest import ROOT, guides
from generator import standard
from generator.validate import read_catalogue

SAMPLE = ROOT / "content"


def load(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # all scalars as text


# the uniform elements every guide must show (the policy's 事项要素), written out here on purpose
ELEMENTS = ("code", "name", "item_type", "category", "legal_bases", "level", "department", "conditions",
            "process", "promised_limit_days", "case_type", "fees", "visits", "online",
            "proxy", "phone", "updated")


def guide_complete(item: dict) -> bool:
    return all(item.get(k) not in (None, "", [], {}) for k in ELEMENTS) and (
        bool(item.get("materials")) or item.get("no_materials") == "true")


def independent_counts(root: Path) -> dict:
    """Counted from the files, without the generator: per town and district, per station."""
    district = load(root / "district.yaml")
    items = {p.stem: load(p) for p in (root / "items").glob("*.yaml")}
    towns = {t["code"]: t["name"] for t in district["towns"]}
    per_station = {}
    for path in sorted((root / "stations").glob("*/*.yaml")):
        st = load(path)
        sel = st["items"]
        offered = list(district["item_sets"][sel["set"]]) if sel.get("set") else list(sel.get("codes", []))
        offered = [c for c in offered + [c for c in sel.get("add", []) if c not in offered]
                   if c not in sel.get("remove", [])]
        on_request = [c for c in offered if items[c]["item_type"] != "便民服务"]
        online = [c for c in on_request if items[c]["online"]["available"] == "true"]
        naming = st["name"].endswith(("村便民服务站", "社区便民服务站")) and (
            ("社区便民服务站" in st["name"]) == (st["kind"] == "社区"))
        checklist = all(v == "true" for v in st["checklist"].values()) and len(st["checklist"]) == 7
        staff = bool(st["staff"]) and all(s.get("name") and s.get("role") and s.get("window") for s in st["staff"])
        rate_ok = 2 * len(online) >= len(on_request)
        guides_ok = all(guide_complete(items[c]) for c in offered)
        failures = [not naming, not checklist, not rate_ok, not guides_ok, not staff].count(True)
        per_station[st["code"]] = dict(town=st["code"][:9], naming=naming, checklist=checklist, rate_ok=rate_ok,
                                       staff=staff, guides=guides_ok, items=len(offered), online=len(online),
                                       on_request=len(on_request), failures=failures)
    return {"towns": towns, "stations": per_station}


def totals(stations: list[dict]) -> list[str]:
    n = len(stations)
    ok = sum(1 for s in stations if s["failures"] == 0)
    online, on_request = sum(s["online"] for s in stations), sum(s["on_request"] for s in stations)
    return [str(n), str(ok), str(n - ok), str(sum(s["naming"] for s in stations)),
            str(sum(s["checklist"] for s in stations)), str(sum(s["rate_ok"] for s in stations)),
            str(sum(s["guides"] for s in stations)),
            str(sum(s["staff"] for s in stations)), f"{sum(s['items'] for s in stations) / n:.1f}",
            f"{online}/{on_request}（{online / on_request:.0%}）"]


@pytest.fixture(scope="module")
def sample_report():
    cat, problems = read_catalogue(SAMPLE)
    assert cat is not None, problems
    return standard.assess(cat)


def table(html: str, name: str) -> list[list[str]]:
    body = re.search(rf'<table data-table="{name}">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [[re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body)]


def test_report_figures_match_an_independent_count(sample_report):
    counts = independent_counts(SAMPLE)
    stations = counts["stations"]
    assert len(stations) == 296
    page = standard.content(sample_report)
    rows = table(page, "totals")
    by_town = defaultdict(list)
    for s in stations.values():
        by_town[s["town"]].append(s)
    expected = [[counts["towns"][t], *totals(by_town[t])] for t in counts["towns"] if by_town[t]]
    district = load(SAMPLE / "district.yaml")
    expected.append([f"{district['city']}{district['name']}合计", *totals(list(stations.values()))])
    assert rows == expected
    # the list of stations below standard: the same stations, worst first
    below = table(page, "below")
    assert sorted(r[1] for r in below) == sorted(c for c, s in stations.items() if s["failures"])
    worst = [stations[r[1]]["failures"] for r in below]
    assert worst == sorted(worst, reverse=True)
    assert len(below) == len(sample_report.below)


def test_report_workbook_has_the_same_figures(tmp_path):
    out = tmp_path / "评估.xlsx"
    r = guides("report", out)
    assert r.returncode == 0, r.stderr
    counts = independent_counts(SAMPLE)["stations"]
    wb = openpyxl.load_workbook(out)
    total = [c.value for c in wb["汇总"][wb["汇总"].max_row]]
    ok = sum(1 for s in counts.values() if s["failures"] == 0)
    assert total[:4] == ["淄博市博山区合计", 296, ok, 296 - ok]
    online = sum(s["online"] for s in counts.values())
    on_request = sum(s["on_request"] for s in counts.values())
    assert total[-1] == round(online / on_request, 4)
    below = wb["未达标服务站"]
    assert below.max_row - 1 == 296 - ok
    assert {row[1].value for row in below.iter_rows(min_row=2)} == {c for c, s in counts.items() if s["failures"]}
    assert wb["全部服务站"].max_row == 297
    assert "达标" in r.stdout


def test_report_page_in_the_built_site(mini_site, mini):
    page = (mini_site / "_admin/standard/index.html").read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex">' in page
    assert 'href="standard/"' in (mini_site / "_admin/index.html").read_text(encoding="utf-8")
    counts = independent_counts(mini)["stations"]
    below = {c for c, s in counts.items() if s["failures"]}
    charts = re.findall(r"<svg .*?</svg>", page, re.S)
    causes = 1 if below else 0  # the criteria chart beside the causes
    assert len(charts) == causes + 1 + len({c[:9] for c in counts})  # (criteria), towns, one per town
    assert all('role="img"' in c and "<title" in c for c in charts)
    # per-town charts: one bar per station, red and marked 未达标 exactly for the stations below standard
    town_charts = charts[causes + 1:]
    town_bars = [re.findall(r'<rect [^>]*fill="(#c62828|#2e7d32)"/>', c) for c in town_charts]
    assert sum(len(b) for b in town_bars) == len(counts)
    assert sum(b.count("#c62828") for b in town_bars) == len(below)
    assert sum(c.count("未达标</text>") for c in town_charts) == len(below)
    assert "style=" not in "".join(charts)  # CSP: style-src 'self' allows no inline style attribute


def test_report_leads_with_the_shared_cause_and_its_fix(sample_report):
    """Issue 22.7: not "0 of 296" with empty bars, but the cause (the district catalogue's 网上可办率)
    and what would fix it, checked against an independent count of the sample."""
    cat, _ = read_catalogue(SAMPLE)
    counts = independent_counts(SAMPLE)["stations"]
    items = {p.stem: load(p) for p in (SAMPLE / "items").glob("*.yaml")}
    on_request = [c for c, it in items.items() if it.get("item_type") != "便民服务"]
    online = [c for c in on_request if items[c]["online"]["available"] == "true"]
    found = standard.causes(cat, sample_report)
    first = found[0]
    rate_failing = [c for c, s in counts.items() if s["online"] / s["on_request"] < 0.5]
    assert first.criterion == "网上可办率" and first.stations == len(rate_failing) == 296
    page = standard.content(sample_report, found)
    lead = re.search(r'<p class="g-lead">(.*?)</p>', page).group(1)
    assert lead.startswith("296 个服务站中 0 个达标。全部 296 个服务站未达到“网上可办率”")
    assert f"区事项目录的依申请事项中，{len(on_request)} 项只有 {len(online)} 项可网上办理" in lead
    assert page.index("未达标的原因和解决办法") < page.index("全区合计与各镇（街道）")
    # the fix: these items made applicable online bring every station to 50%, and fewer would not do
    assert first.items and all(c in on_request and c not in online for c in first.items)
    for s in sample_report.district.stations:
        extra = len(set(cat.offers[s.code]) & set(first.items))
        assert (s.online + extra) / s.on_request >= 0.5, s.code
    fewer = first.items[:-1]
    assert any((s.online + len(set(cat.offers[s.code]) & set(fewer))) / s.on_request < 0.5
               for s in sample_report.district.stations)
    assert all(cat.items[c].name in first.fix for c in first.items)
    # the other cause: 六有一能 at the stations that lack it, by what they lack
    checklist = next(c for c in found if c.criterion == "六有一能")
    assert checklist.stations == sum(1 for s in sample_report.district.stations if s.checklist_gaps)
    assert checklist.only == 0  # they all fall short on 网上可办率 too
