"""Stages 3–6 (plan, render, build, publish) on the small fixture tree."""
import html
import json
import re
from pathlib import Path

import yaml

from conftest import MINI, guides
from generator.model import Item, field_labels

STATION, COMMUNITY = "370304001200", "370304002001"


def page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


def test_url_contract(mini_site):
    for path in ["", "items/", "items/JZ-001/", "items/LN-001/", "items/JF-001/",
                 f"{STATION}/", f"{STATION}/JZ-001/", f"{STATION}/LN-001/", f"{STATION}/JF-001/",
                 f"{COMMUNITY}/", f"{COMMUNITY}/JZ-001/", f"{COMMUNITY}/JF-001/"]:
        assert (mini_site / path / "index.html").is_file(), path
    # the community does not offer the village-only item
    assert not (mini_site / COMMUNITY / "LN-001").exists()


def test_guide_without_legal_limit_says_so(mini_site):
    item = Item.model_validate(yaml.safe_load((MINI / "items/LN-001.yaml").read_text(encoding="utf-8")))
    assert item.legal_limit_days is None and item.impl_code is None
    text = html.unescape(page(mini_site, f"{STATION}/LN-001/"))
    assert "法定办结时限无法定时限" in re.sub(r"<[^>]+>|\s", "", text)
    assert "法定时限依据" not in text and "实施编码" not in text


def test_guide_renders_every_field(mini_site):
    item = Item.model_validate(yaml.safe_load((MINI / "items/JZ-001.yaml").read_text(encoding="utf-8")))
    text = html.unescape(page(mini_site, f"{STATION}/JZ-001/"))
    for cond in item.conditions:
        assert cond in text
    for m in item.materials:
        assert m.name in text and m.source in text and f"{m.form} {m.copies} 份" in text
        if m.condition:
            assert m.condition in text
    for s in item.process:
        assert s.name in text and s.detail in text
    for b in item.legal_bases:
        assert b.law in text and b.article in text
    for q in item.faq:
        assert q.q in text and q.a in text
    for value in [item.name, item.level, item.department, item.phone, item.case_type, item.updated.isoformat(),
                  item.legal_limit_text, item.legal_limit_basis, item.impl_code, f"{item.promised_limit_days} 个工作日", item.online.url,
                  item.proxy.note, "不收费", "预约上门服务"]:
        assert value in text, value
    # the labels come from the model
    labels = field_labels(Item)
    for f in ["conditions", "materials", "process", "legal_bases", "faq", "case_type", "fees", "proxy"]:
        assert labels[f] in text
    # where and when at this station, with the local note
    for value in ["博山区城东街道安上村党群服务中心一楼", "0533-4100001", "帮办代办窗口", "李建国",
                  "每周二上午镇民政办到站集中受理", "周一至周五 08:30-12:00、13:30-17:30", "周六 09:00-11:30"]:
        assert value in text, value
    assert 'href="tel:05334100001"' in text
    assert 'href="../"' in text  # back to the station


def test_fee_list_and_no_materials(mini_site):
    text = html.unescape(page(mini_site, f"{STATION}/JF-001/"))
    assert "代收手续费：0 元（依据：《国家发展改革委关于进一步规范电力收费的通知》）" in text
    assert "无需提交材料" in text
    assert "安上邮政便民服务点" in text  # the partner point that takes this item


def test_station_home(mini_site):
    text = html.unescape(page(mini_site, f"{STATION}/"))
    for value in ["安上村便民服务站", "城东街道", "张秀英", "党员先锋岗", "帮办代办窗口", "0533-4180000", "12345",
                  "大厅入口右侧", "安上邮政便民服务点", "社会救助", "老年人优待", "水电气暖费用收缴",
                  "承诺 20 个工作日", "即办", "可网办", "可帮办代办", "周六", "09:00-11:30"]:
        assert value in text, value
    assert 'href="tel:05334100001"' in text and 'href="tel:12345"' in text
    assert re.search(r'data-index="\.\./search/[0-9a-f]{10}\.js"', text)
    # categories appear in the policy's order
    assert text.index("社会救助") < text.index("老年人优待") < text.index("水电气暖费用收缴")


def test_portal_and_item_directory(mini_site):
    portal = html.unescape(page(mini_site, ""))
    assert "城东街道" in portal and "城西街道" in portal
    assert 'href="370304001200/"' in portal and 'data-name="安上村便民服务站安上村委会"' in portal
    directory = html.unescape(page(mini_site, "items/"))
    assert 'href="JZ-001/"' in directory and "2 个服务站可办" in directory
    item = html.unescape(page(mini_site, "items/LN-001/"))
    assert "城东街道（1 个）" in item and f'href="../../{STATION}/LN-001/"' in item


def test_search_index_per_item_set(mini_site):
    indexes = sorted((mini_site / "search").glob("*.js"))
    assert len(indexes) == 2  # one per distinct item set, shared by stations
    village = page(mini_site, f"{STATION}/")
    name = re.search(r'search/([0-9a-f]{10})\.js', village).group(1)
    script = (mini_site / "search" / f"{name}.js").read_text(encoding="utf-8")
    assert script.startswith("window.GUIDE_INDEX=")
    data = json.loads(script[len("window.GUIDE_INDEX="):-2])
    names = {ref: tokens[0].split() for ref, tokens in data["tokens"].items()}   # the name field
    assert "低保" in names["JZ-001"] and "dibao" in names["JZ-001"] and "老年证" in names["LN-001"]
    assert set(data["docs"]) == {"JZ-001", "LN-001", "JF-001"}


def test_theme_assets_stored_once(mini_site):
    css = list(mini_site.rglob("main.*.min.css"))
    assert len(css) == 1 and css[0].parent == mini_site / "assets/stylesheets"


def test_nothing_loads_from_another_host(mini_site):
    for f in mini_site.rglob("*.html"):
        text = f.read_text(encoding="utf-8")
        for m in re.finditer(r'<(?:script|link|img|iframe|source)\b[^>]*?(?:src|href)="([^"]+)"', text):
            url = m.group(1)
            tag = m.group(0)
            if tag.startswith("<link") and 'rel="canonical"' in tag:
                continue
            assert not re.match(r"^(https?:)?//", url), f"{f}: {tag}"
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text


def test_catalogue_strings_are_escaped(mini, tmp_path):
    p = mini / "items/LN-001.yaml"
    text = p.read_text(encoding="utf-8").replace("name: 居民身份证", "name: <script>alert('x')</script>身份证")
    text = text.replace("aliases: [老年证, 老年卡, 敬老卡]", 'aliases: [老年证, "<img src=x onerror=alert(1)>"]')
    p.write_text(text, encoding="utf-8")
    out = tmp_path / "site"
    r = guides("build", "--content", mini, "--out", out)
    assert r.returncode == 0, r.stderr
    guide = (out / STATION / "LN-001/index.html").read_text(encoding="utf-8")
    assert "<script>alert(" not in guide
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;身份证" in guide
    for f in out.rglob("*.html"):
        assert "<img src=x" not in f.read_text(encoding="utf-8")


def test_single_station_build(tmp_path, mini):
    out = tmp_path / "one"  # a copy of the content: a build queues sheets to reprint in it
    r = guides("build", "--content", mini, "--out", out, "--station", STATION)
    assert r.returncode == 0, r.stderr
    assert (out / STATION / "JZ-001/index.html").exists()
    assert not (out / COMMUNITY).exists()
    r = guides("build", "--content", mini, "--out", out, "--station", "370304999999")
    assert r.returncode == 1 and "370304999999" in r.stderr


def test_every_page_kind_the_plan_makes_has_its_renderer(mini):
    """The site's routes in one table (render.PAGE_KINDS), not a name built at run time."""
    from generator.plan import plan
    from generator.render import PAGE_KINDS
    from generator.validate import read_catalogue

    catalogue, _ = read_catalogue(mini)
    kinds = {p.kind for p in plan(catalogue)}
    assert {"portal", "items", "item", "station", "guide"} <= kinds
    assert kinds <= set(PAGE_KINDS)
    assert all(callable(f) for f in PAGE_KINDS.values())
