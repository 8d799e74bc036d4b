"""Where a guide's facts come from and when they were last checked (issue 24): sources and
reviewed in the model, on the page and in the editor's and workbook's fields; guides check and
the standardisation report name items overdue for review or citing a repealed basis; invented
sample phone numbers carry the sample mark wherever they are shown."""
import datetime as dt
import json
import re

import pytest

from conftest import guides
from generator import cms, model, standard
from generator.validate import months_later, read_catalogue, review_findings

SOURCES = """sources:
  - title: 《最低生活保障审核确认办法》
    number: 民发〔2021〕57号
    url: https://www.gov.cn/zhengce/zhengceku/2021-07/01/content_5621846.htm
    checked: 2026-12-03
  - title: 《社会救助暂行办法》
    number: 国务院令第649号
    checked: 2026-12-03
"""


def add(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def warnings_for(stderr: str, path) -> list[str]:
    return [l for l in stderr.splitlines() if l.startswith(f"{path}:") and "警告" in l]


def test_months_later_keeps_the_day_or_the_months_last():
    assert months_later(dt.date(2025, 12, 3), 12) == dt.date(2026, 12, 3)
    assert months_later(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert months_later(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)


@pytest.mark.parametrize("reviewed,warned", [
    (None, "从未核对政策事实"),
    ("2020-01-01", "已超过核对周期 12 个月"),
    ("2099-01-01", "晚于今天"),
    (dt.date.today().isoformat(), None),
])
def test_check_warns_for_an_item_not_reviewed_within_the_period(mini, reviewed, warned):
    path = mini / "items/JZ-001.yaml"
    add(path, SOURCES + (f"reviewed: {reviewed}\n" if reviewed else ""))
    r = guides("check", "--content", mini, "--warnings")
    assert r.returncode == 0, r.stderr  # a warning, never an error
    hits = [l for l in warnings_for(r.stderr, path) if "警告：核对日期: " in l]
    if warned is None:
        assert hits == [], r.stderr
    else:
        lines = path.read_text(encoding="utf-8").splitlines()
        # a missing field is blamed on the record's first line
        line = lines.index(f"reviewed: {reviewed}") + 1 if reviewed else next(
            i for i, l in enumerate(lines, 1) if not l.startswith("#"))
        assert hits and hits[0].startswith(f"{path}:{line}: 警告：核对日期: ") and warned in hits[0], r.stderr


def test_a_review_date_without_sources_is_warned(mini):
    path = mini / "items/JZ-001.yaml"
    add(path, f"reviewed: {dt.date.today().isoformat()}\n")
    r = guides("check", "--content", mini, "--warnings")
    assert r.returncode == 0, r.stderr
    assert [l for l in warnings_for(r.stderr, path) if "警告：核对来源: 填写了核对日期，但没有写核对来源" in l], r.stderr


def test_a_source_checked_in_the_future_is_warned(mini):
    path = mini / "items/JZ-001.yaml"
    add(path, SOURCES.replace("checked: 2026-12-03", "checked: 2099-01-01", 1) + "reviewed: 2026-12-03\n")
    r = guides("check", "--content", mini, "--warnings")
    line = path.read_text(encoding="utf-8").splitlines().index("    checked: 2099-01-01") + 1
    assert f"{path}:{line}: 警告：核对来源[1].核对日期: 核对日期 2099-01-01 晚于今天" in r.stderr, r.stderr


def test_the_period_is_a_district_setting(mini):
    add(mini / "items/JZ-001.yaml", SOURCES + f"reviewed: {(dt.date.today() - dt.timedelta(days=100)).isoformat()}\n")
    assert "核对周期" not in guides("check", "--content", mini, "--warnings").stderr
    add(mini / "district.yaml", "review_months: 3\n")
    r = guides("check", "--content", mini, "--warnings")
    assert "已超过核对周期 3 个月" in r.stderr, r.stderr


def test_a_repealed_basis_flags_every_item_citing_it(mini):
    today = dt.date.today().isoformat()
    add(mini / "items/JZ-001.yaml", SOURCES + f"reviewed: {today}\n")
    add(mini / "district.yaml", "repealed:\n  - title: 《社会救助暂行办法》\n    number: 国务院令第649号\n"
                                "    date: 2026-06-01\n    replaced_by: 《中华人民共和国社会救助法》\n")
    r = guides("check", "--content", mini, "--warnings")
    assert r.returncode == 0, r.stderr
    path = mini / "items/JZ-001.yaml"
    hits = [l for l in warnings_for(r.stderr, path) if "已废止" in l]
    text = path.read_text(encoding="utf-8")
    assert "《社会救助暂行办法》" in text
    # the citation in 设定依据 and the one in 核对来源, each at its own line
    assert any("设定依据" in l and "现行：《中华人民共和国社会救助法》" in l for l in hits), r.stderr
    source_line = text.splitlines().index("  - title: 《社会救助暂行办法》") + 1
    assert any(l.startswith(f"{path}:{source_line}: 警告：核对来源[2].依据名称: ") for l in hits), r.stderr
    # the other items do not cite it
    assert not [l for l in r.stderr.splitlines() if "已废止" in l and "JZ-001" not in l]


def test_a_basis_that_names_no_document_is_warned(mini):
    path = mini / "items/JZ-001.yaml"
    text = path.read_text(encoding="utf-8")
    first = next(l for l in text.splitlines() if l.startswith("  - law: "))
    path.write_text(text.replace(first, "  - law: 山东省有关规定", 1) + SOURCES + "reviewed: 2026-12-03\n",
                    encoding="utf-8")
    r = guides("check", "--content", mini, "--warnings")
    assert r.returncode == 0, r.stderr
    line = text.splitlines().index(first) + 1
    assert f"{path}:{line}: 警告：设定依据[1].法律法规名称: 设定依据没有写明文件名称" in r.stderr, r.stderr


def test_a_title_inside_a_longer_title_is_not_a_citation():
    d = model.District.model_validate({
        "name": "博山区", "code": "370304", "city": "淄博市", "site_url": "https://a.example",
        "supervision_hotline": "12345", "portal": {"name": "门户", "url": "https://zwfw.sd.gov.cn/"},
        "online_domains": ["zwfw.sd.gov.cn"], "towns": [{"code": "370304001", "name": "城东街道"}],
        "repealed": [{"title": "社会保险法"}]})
    base = dict(code="X-1", name="测试", item_type="公共服务", category="养老保险", level="区级", department="区人社局",
                conditions=["无"], no_materials=True, process=[{"name": "申请", "detail": "申请"}],
                promised_limit_days=0, case_type="即办件", fees="不收费", visits=0, online={"available": False},
                proxy={"available": False}, phone="12333", updated="2026-12-01", reviewed=dt.date.today(),
                sources=[{"title": "《某文件》", "number": "某发〔2026〕1号", "checked": dt.date.today()}])
    item = model.Item.model_validate({**base, "legal_bases": [{"law": "《中华人民共和国社会保险法实施细则》", "article": "第一条"}]})
    assert review_findings(item, d, dt.date.today()) == []
    item = model.Item.model_validate({**base, "legal_bases": [{"law": "《社会保险法》", "article": "第一条"}]})
    assert [loc for loc, _, _ in review_findings(item, d, dt.date.today())] == [("legal_bases", 0, "law")]


@pytest.mark.parametrize("url,message", [
    ("https://evil.example/x", "不在区县设置“来源链接允许的域名”之内"),
    ("https://www.gov.cn.evil.example/", "不在区县设置“来源链接允许的域名”之内"),
    ("javascript:alert(1)", "格式"),
    ("http://www.gov.cn/", "格式"),
])
def test_a_source_link_must_be_an_official_https_address(mini, url, message):
    path = mini / "items/JZ-001.yaml"
    add(path, f"sources:\n  - title: 《某文件》\n    url: '{url}'\n    checked: 2026-12-03\n")
    r = guides("check", "--content", mini)
    assert r.returncode == 1
    line = path.read_text(encoding="utf-8").splitlines().index(f"    url: '{url}'") + 1
    assert re.search(rf"^{re.escape(str(path))}:{line}: 核对来源\[1\]\.网址: .*{message}",
                     r.stderr, re.M), r.stderr


def test_a_source_needs_a_number_or_an_address(mini):
    path = mini / "items/JZ-001.yaml"
    add(path, "sources:\n  - title: 《某文件》\n    checked: 2026-12-03\n")
    r = guides("check", "--content", mini)
    assert r.returncode == 1 and "来源须写文号或网址，至少一项" in r.stderr, r.stderr


def test_the_fields_reach_the_editor_and_their_labels_are_chinese():
    fields = {f["name"]: f for f in cms.fields(model.Item)}
    assert fields["reviewed"]["label"] == "核对日期" and fields["reviewed"]["widget"] == "datetime"
    sub = {f["name"]: f for f in fields["sources"]["fields"]}
    assert [sub[k]["label"] for k in ("title", "number", "url", "checked")] == ["依据名称", "文号", "网址", "核对日期"]
    assert sub["checked"]["required"] and not sub["url"]["required"]
    district = {f["name"]: f for f in cms.fields(model.District)}
    assert district["review_months"]["label"] == "政策核对周期（月）"
    assert [f["name"] for f in district["repealed"]["fields"]] == ["title", "number", "date", "replaced_by"]


def test_the_workbook_has_the_sources_sheet_and_the_review_date():
    from generator.workbook_sheets import _all, sheets

    titles = {s.title: [c.header for c in s.columns] for root in sheets() for s in _all(root)}
    assert "核对日期" in titles["事项"]
    assert titles["核对来源"] == ["依据名称", "文号", "网址", "核对日期"]


@pytest.fixture(scope="module")
def reviewed_site(tmp_path_factory):
    """The mini district with one item reviewed and sourced, one overdue, and one citing a repealed act."""
    import shutil

    from conftest import MINI

    work = tmp_path_factory.mktemp("review")
    content = work / "content"
    shutil.copytree(MINI, content)
    add(content / "items/JZ-001.yaml", SOURCES + "reviewed: 2026-12-03\n")
    add(content / "items/LN-001.yaml", "sources:\n  - title: 《山东省老年人权益保障条例》\n    number: 山东省人大常委会公告\n"
                                       "    checked: 2024-05-01\nreviewed: 2024-05-01\n")
    add(content / "district.yaml", "repealed:\n  - title: 社会救助暂行办法\n")
    station = content / "stations/370304001/370304001200.yaml"  # a number written inside a note
    station.write_text(station.read_text(encoding="utf-8").replace(
        "holiday_note: 法定节假日休息", "holiday_note: 法定节假日休息；急事请拨打值班电话 0533-4227333 或 12345"), encoding="utf-8")
    out = work / "site"
    r = guides("build", "--content", content, "--out", out)
    assert r.returncode == 0, r.stderr
    return content, out


def test_the_guide_page_shows_its_sources_with_links_and_the_review_date(reviewed_site):
    _, out = reviewed_site
    for page in ("items/JZ-001/index.html", "370304001200/JZ-001/index.html"):
        html = (out / page).read_text(encoding="utf-8")
        assert ('<a href="https://www.gov.cn/zhengce/zhengceku/2021-07/01/content_5621846.htm" '
                'rel="noopener noreferrer">《最低生活保障审核确认办法》</a>（民发〔2021〕57号）') in html, page
        assert "《社会救助暂行办法》（国务院令第649号）" in html  # no address: plain text
        assert "核对日期 2026-12-03" in html
        assert re.search(r"<dt>核对日期</dt><dd>2026-12-03</dd>", html)
    html = (out / "items/JF-001/index.html").read_text(encoding="utf-8")
    assert "<dt>核对日期</dt><dd>尚未核对</dd>" in html and "g-sources" not in html


def test_the_standardisation_report_lists_items_due_for_review(reviewed_site):
    content, out = reviewed_site
    cat, _ = read_catalogue(content)
    due = {code: msgs for code, msgs in standard.review_due(cat, dt.date(2026, 12, 3)).items()}
    assert set(due) == {"JF-001", "LN-001", "JZ-001"}
    assert "从未核对" in " ".join(due["JF-001"]) and "已超过核对周期" in " ".join(due["LN-001"])
    assert "已废止" in " ".join(due["JZ-001"])
    html = (out / "_admin/standard/index.html").read_text(encoding="utf-8")
    section = html[html.index("待核对的事项"):]
    for code in due:
        assert code in section
    assert "社会救助暂行办法" in section


def test_the_report_workbook_has_the_same_list(reviewed_site, tmp_path):
    from openpyxl import load_workbook

    content, _ = reviewed_site
    r = guides("report", tmp_path / "r.xlsx", "--content", content)
    assert r.returncode == 0, r.stderr
    ws = load_workbook(tmp_path / "r.xlsx")["待核对事项"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("事项编码", "事项名称", "待核对原因")
    assert {row[0] for row in rows[1:]} == {"JF-001", "LN-001", "JZ-001"}


# ------------------------------------------------------------------ sample phone numbers

MARK = '<span class="g-sample-mark">（示例号码）</span>'


def test_invented_numbers_carry_the_sample_mark_and_service_numbers_do_not(reviewed_site):
    _, out = reviewed_site
    guide = (out / "370304001200/JZ-001/index.html").read_text(encoding="utf-8")
    item = (out / "items/JZ-001/index.html").read_text(encoding="utf-8")
    station = (out / "370304001200/index.html").read_text(encoding="utf-8")
    for html in (guide, item, station):
        # every invented number's tap-to-call link is followed by the mark; 12345 is real and is not
        for m in re.finditer(r'<a href="tel:(\d+)">([\d-]+)</a>', html):
            marked = html[m.end():].startswith(MARK)
            assert marked == (m.group(1) != "12345"), (m.group(0), html[m.end():m.end() + 60])
        assert '<p class="g-sample">测试数据</p>' in html
    assert '<a href="tel:053341800' in guide  # the supervision hotline is shown and marked


def test_open_data_marks_sample_contacts(reviewed_site):
    import csv

    _, out = reviewed_site
    cat = json.loads((out / "data/catalog.json").read_text(encoding="utf-8"))
    assert cat["district"]["sample_data"] is True
    # 95598 is State Grid's real number; the others are invented
    assert {it["code"]: it["sample_phone"] for it in cat["items"]} == {"JF-001": False, "JZ-001": True, "LN-001": True}
    assert all(st["sample_contacts"] is True for st in cat["stations"])
    rows = list(csv.DictReader((out / "data/items.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert {r["事项编码"]: r["咨询电话为示例数据"] for r in rows} == {"JF-001": "否", "JZ-001": "是", "LN-001": "是"}
    rows = list(csv.DictReader((out / "data/stations.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert {r["联系信息为示例数据"] for r in rows} == {"是"}
    station = json.loads((out / "data/stations/370304001200.json").read_text(encoding="utf-8"))
    assert station["sample_contacts"] is True
    guide = (out / "370304001200/JZ-001/index.html").read_text(encoding="utf-8")
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', guide).group(1))
    points = [c["servicePhone"] for c in ld["availableChannel"]]
    assert points and all(p["description"] == "示例号码（虚构）" for p in points)


def test_a_real_district_shows_no_mark(mini, tmp_path):
    d = mini / "district.yaml"
    d.write_text(d.read_text(encoding="utf-8").replace("sample_data: true", "sample_data: false"), encoding="utf-8")
    r = guides("build", "--content", mini, "--out", tmp_path / "site")
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "site/370304001200/JZ-001/index.html").read_text(encoding="utf-8")
    assert "g-sample" not in html and '<a href="tel:' in html


def test_posters_and_board_packs_mark_invented_numbers(reviewed_site):
    """The printed matter, as handed to the browser for the PDF (no browser needed to see it)."""
    from conftest import ROOT
    from generator.print_inputs import StationSheets

    content, out = reviewed_site
    cat, _ = read_catalogue(content)
    printer = StationSheets(cat, out, None, config_file=ROOT / "mkdocs.yml")
    front = printer.front("370304001200")
    phone = cat.stations["370304001200"].phone
    for html in (front.poster, front.cover):
        assert f"{phone}{MARK}" in html and f"0533-4180000{MARK}" in html
        assert '<p class="g-sample">测试数据</p>' in html
        assert f"12345{MARK}" not in html
    guides_html = " ".join(s.html for s in printer.guide_sections("370304001200"))
    assert f"{phone}</a>{MARK}" in guides_html and f"{cat.items['JZ-001'].phone}</a>{MARK}" in guides_html


def test_numbers_written_inside_notes_are_marked_too(reviewed_site):
    from generator.render import number_parts

    content, out = reviewed_site
    cat, _ = read_catalogue(content)
    assert number_parts(cat.district, "拨打 0533-4227333 或 12345，手机13912345678。") == [
        ("拨打 ", False), ("0533-4227333", True), (" 或 12345，手机", False), ("13912345678", True), ("。", False)]
    for page in ("370304001200/index.html", "370304001200/JZ-001/index.html"):
        html = (out / page).read_text(encoding="utf-8")
        assert f"值班电话 0533-4227333{MARK} 或 12345" in html, page
    from conftest import ROOT
    from generator.print_inputs import StationSheets

    cover = StationSheets(cat, out, None, config_file=ROOT / "mkdocs.yml").front("370304001200").cover
    assert f"0533-4227333{MARK}" in cover
