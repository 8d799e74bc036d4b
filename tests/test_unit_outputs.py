"""In-process unit tests of what a build derives from the catalogue besides pages: the change report
(report.py: field by field, and which printed sheets are outdated), text cleaning (text.py), attached files
(attachments.py), sitemap.xml and robots.txt (sitemap.py), the open-data CSV cells (opendata.py), QR codes
(qr.py) and the official division list (divisions.py)."""
import csv
import dataclasses
import io
import json
import os
import xml.etree.ElementTree as ET

import pytest

from conftest import MINI
from generator import attachments, divisions, opendata, qr, report, sitemap, text
from generator.model import Item, Station
from generator.plan import plan, stamps
from generator.validate import read_catalogue

VILLAGE, COMMUNITY = "370304001200", "370304002001"


@pytest.fixture
def cat():
    catalogue, problems = read_catalogue(MINI)
    assert catalogue is not None, [str(p) for p in problems]
    return catalogue


def edited(cat, *, item=None, station=None, **fields):
    if item:
        return dataclasses.replace(cat, items={**cat.items, item: cat.items[item].model_copy(update=fields)})
    return dataclasses.replace(cat, stations={**cat.stations, station: cat.stations[station].model_copy(update=fields)})


def snap(cat):
    return report.snapshot(cat, stamps(cat, plan(cat)))


# ------------------------------------------------------------------ report: the change report

def test_a_first_publication_prints_everything(cat):
    change = report.compare(None, snap(cat), cat)
    assert change["first_publish"] is True
    assert [a["code"] for a in change["items"]["added"]] == ["JF-001", "JZ-001", "LN-001"]
    village = next(r for r in change["reprint"] if r["station"] == VILLAGE)
    assert village["cover"] and village["poster"] and village["guides"] == ["JZ-001", "LN-001", "JF-001"]
    assert village["sheets"][:2] == ["公示栏封面与事项目录清单", "二维码海报"]
    assert report.summary(change) == "首次发布：2 个服务站、3 个事项；全部公示材料需要打印"


def test_the_same_catalogue_changes_nothing(cat):
    change = report.compare(snap(cat), snap(cat), cat)
    assert change["reprint"] == [] and change["withdrawn"] == [] and change["items"]["changed"] == []
    assert report.summary(change) == "内容无变化"


def test_an_item_edit_is_reported_by_field_and_reprints_its_guides(cat):
    new = edited(cat, item="JF-001", phone="0533-4100088")
    change = report.compare(snap(cat), snap(new), new)
    (item,) = change["items"]["changed"]
    assert item["code"] == "JF-001" and item["name"] == "电费缴纳"
    assert item["changes"] == [{"field": "咨询电话", "key": "phone", "old": "95598", "new": "0533-4100088"}]
    sheets = {r["station"]: r for r in change["reprint"]}
    assert set(sheets) == {VILLAGE, COMMUNITY}  # both stations offer it
    # the guide only: the station's home lists the item's name, not its phone
    assert sheets[VILLAGE]["guides"] == ["JF-001"] and not sheets[VILLAGE]["poster"] and not sheets[VILLAGE]["cover"]
    stamp_now = stamps(new, plan(new))[f"{VILLAGE}/JF-001/"]
    assert sheets[VILLAGE]["guide_stamps"] == {"JF-001": stamp_now}
    assert f"办事指南：电费缴纳（{stamp_now}）" in sheets[VILLAGE]["sheets"]
    assert report.summary(change) == "事项：修改1；需重印：2 个服务站共 2 份"


def test_a_search_alias_changes_the_item_but_reprints_nothing(cat):
    new = edited(cat, item="JF-001", aliases=["交电费", "电费", "缴电费"])
    change = report.compare(snap(cat), snap(new), new)
    assert [c["code"] for c in change["items"]["changed"]] == ["JF-001"]
    assert change["reprint"] == []


def test_a_renamed_station_needs_a_new_poster(cat):
    new = edited(cat, station=VILLAGE, name="安上村便民服务中心")
    change = report.compare(snap(cat), snap(new), new)
    (r,) = change["reprint"]
    assert r["station"] == VILLAGE and r["poster"] and r["cover"]


def test_an_item_a_station_stops_offering_comes_off_its_board(cat):
    new = dataclasses.replace(cat, offers={**cat.offers, VILLAGE: ["JZ-001", "JF-001"]})
    change = report.compare(snap(cat), snap(new), new)
    assert change["withdrawn"] == [{"station": VILLAGE, "items": ["LN-001"]}]


def test_field_changes_flatten_lists_and_records():
    old = {"conditions": ["甲", "乙"], "online": {"available": True, "url": "https://a.gov.cn/"}, "faq": []}
    new = {"conditions": ["甲"], "online": {"available": False, "url": None}, "faq": [{"q": "问", "a": "答"}]}
    changes = [(c["field"], c["key"], c["old"], c["new"]) for c in report.field_changes(Item, old, new)]
    assert changes == [
        ("受理条件", "conditions", "甲、乙", "甲"),
        # (no row "常见问题: （无） → （无）" for the list itself: its records are the change)
        ("常见问题[1].解答", "faq.0.a", "（无）", "答"),
        ("常见问题[1].问题", "faq.0.q", "（无）", "问"),
        ("网上办理.可网上办理", "online.available", "是", "否"),
        ("网上办理.网上办理入口", "online.url", "https://a.gov.cn/", "（无）"),
    ]


def test_the_summary_counts_and_the_queue_waiting():
    change = {"first_publish": False, "items": {"added": [1], "changed": [1, 2], "removed": []},
              "stations": {"added": [], "changed": [], "removed": [1]},
              "reprint": [{"sheets": ["a", "b"]}], "withdrawn": [],
              "queue": [{"sheets": ["a", "b", "c"]}, {"sheets": ["d"]}]}
    assert report.summary(change) == ("事项：新增1、修改2；服务站：停用1；需重印：1 个服务站共 2 份"
                                      "；重印队列共 2 个服务站 4 份待打印（guides print --changed 打印）")


# ------------------------------------------------------------------ text: what a text value may contain

@pytest.mark.parametrize("raw, clean", [
    ("甲\r\n乙", "甲\n乙"), ("甲\r乙", "甲\n乙"), ("甲\u2028乙\u2029丙", "甲\n乙\n丙"), ("甲\x85乙", "甲\n乙"),
])
def test_line_breaks_become_one_character(raw, clean):
    assert text.clean(raw) == clean


@pytest.mark.parametrize("raw, words", [
    ("a\u202enil.exe", "U+202E（从右到左强制 RLO"), ("a\tb", "U+0009（制表符（Tab））"), ("a\ufeffb", "BOM"),
    ("a\x00b", "控制字符"), ("a\u2066b", "LRI"), ("a\x9bb", "控制字符"),
])
def test_hidden_controls_are_refused_naming_the_character_and_where(raw, words):
    with pytest.raises(ValueError) as e:
        text.clean(raw)
    assert words in str(e.value) and "第 2 个字符处" in str(e.value)


def test_clean_walks_lists_and_mappings_of_values():
    assert text.clean(["a\r\nb", 3, {"k": "v"}]) == ["a\nb", 3, {"k": "v"}]
    with pytest.raises(ValueError, match="^第 2 项"):
        text.clean(["ok", "bad\u202e"])
    with pytest.raises(ValueError, match="键“ab”"):
        text.clean({"a\u202eb": "x"})
    assert text.clean({"JZ-001": {"note": "\u202e"}}, keys_only=True) == {"JZ-001": {"note": "\u202e"}}  # its model cleans it
    assert text.clean(None) is None and text.clean(12) == 12
    assert text.forbidden("普通文字，含 emoji 🙂 与全角　空格") is None


# ------------------------------------------------------------------ attachments

def test_an_item_names_its_outcome_sample_and_forms(cat):
    assert attachments.names(cat.items["JZ-001"]) == [(("outcome", "sample"), "低保结果样本.png"),
                                                      (("forms", 0, "blank"), "低保申请书（测试空表）.pdf")]
    assert attachments.names(cat.items["JF-001"]) == []


def test_attached_files_are_read_from_content_files(cat):
    files = attachments.site_files(MINI, cat.items)
    assert set(files) == {"files/低保结果样本.png", "files/低保申请书（测试空表）.pdf"}
    assert files["files/低保结果样本.png"] == (MINI / "files/低保结果样本.png").read_bytes()


def test_attachment_problems(tmp_path):
    folder = tmp_path / attachments.FOLDER
    folder.mkdir()
    assert "不存在" in attachments.problem(tmp_path, "a.pdf")
    (folder / "ok.pdf").write_bytes(b"%PDF-1.7")
    assert attachments.problem(tmp_path, "ok.pdf") is None
    (folder / "link.pdf").symlink_to(folder / "ok.pdf")
    assert "符号链接" in attachments.problem(tmp_path, "link.pdf")
    (folder / "dir.pdf").mkdir()
    assert "不是普通文件" in attachments.problem(tmp_path, "dir.pdf")
    os.mkfifo(folder / "pipe.pdf")
    assert "不是普通文件" in attachments.problem(tmp_path, "pipe.pdf")
    with open(folder / "big.pdf", "wb") as f:
        f.truncate(attachments.MAX_BYTES + 1)  # sparse: no 10 MB written
    assert "过大" in attachments.problem(tmp_path, "big.pdf") and "上限 10 MB" in attachments.problem(tmp_path, "big.pdf")


# ------------------------------------------------------------------ sitemap and robots

def locs(xml: bytes) -> list[str]:
    ns = {"s": sitemap.NS}
    return [e.text for e in ET.fromstring(xml).findall(".//s:loc", ns)]


def test_the_sitemap_lists_every_public_page_with_dates_for_guides(cat):
    entries = dict(sitemap.urls(cat))
    expected = {"", "items/", "elsewhere/", "elsewhere/hunyin/", "elsewhere/shenfenzheng/"} | \
        {p.path for p in plan(cat)}
    assert set(entries) == expected
    assert entries[f"{VILLAGE}/JZ-001/"] == "2026-11-20" and entries[f"{VILLAGE}/"] is None
    files = sitemap.files(cat)
    assert set(files) == {"sitemap.xml", "robots.txt"}
    assert locs(files["sitemap.xml"])[0] == "https://guides.mini.example/"
    assert len(locs(files["sitemap.xml"])) == len(expected)
    robots = files["robots.txt"].decode("utf-8")
    assert "Disallow: /_admin/" in robots and "Sitemap: https://guides.mini.example/sitemap.xml" in robots


def test_above_the_limit_the_sitemap_becomes_an_index(cat):
    files = sitemap.files(cat, limit=5)
    n = -(-len(sitemap.urls(cat)) // 5)
    assert set(files) == {"sitemap.xml", "robots.txt"} | {f"sitemap-{i}.xml" for i in range(1, n + 1)}
    assert ET.fromstring(files["sitemap.xml"]).tag == f"{{{sitemap.NS}}}sitemapindex"
    assert locs(files["sitemap.xml"]) == [f"https://guides.mini.example/sitemap-{i}.xml" for i in range(1, n + 1)]
    assert sum(len(locs(files[f"sitemap-{i}.xml"])) for i in range(1, n + 1)) == len(sitemap.urls(cat))


# ------------------------------------------------------------------ open data: CSV cells

@pytest.mark.parametrize("value, cell", [
    ("=HYPERLINK(\"https://x\")", "'=HYPERLINK(\"https://x\")"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("0533-4180000", "0533-4180000"), ("电费", "电费"), (3, 3), (None, None),
])
def test_csv_cells_that_a_spreadsheet_would_run_get_a_quote(value, cell):
    assert opendata.csv_text(value) == cell


def test_the_open_data_files_of_the_fixture(cat):
    files = opendata.files(cat)
    catalog = json.loads(files["data/catalog.json"])
    assert [it["code"] for it in catalog["items"]] == list(cat.items)
    assert set(files) >= {"data/items.csv", "data/stations.csv", "data/schema/catalog.schema.json",
                          f"data/stations/{VILLAGE}.json", f"data/stations/{COMMUNITY}.json"}
    raw = files["data/stations.csv"]
    assert raw.startswith("\ufeff".encode("utf-8"))  # Excel on Chinese Windows reads UTF-8 only with a BOM
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    head = rows[0]
    assert head[0] == Station.model_fields["code"].title and "实际可办事项数" in head
    village = next(r for r in rows[1:] if r[0] == VILLAGE)
    assert village[head.index("实际可办事项")] == "JZ-001\nLN-001\nJF-001"
    assert village[head.index("服务站网址")] == f"https://guides.mini.example/{VILLAGE}/"
    assert village[head.index("镇（街道）")] == "城东街道"


def test_open_data_is_rewritten_only_where_it_changed(cat, tmp_path):
    journal = type("J", (), {})()
    journal.written, journal.removed = [], []

    def write_file(path, data):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    first = opendata.write(cat, tmp_path, journal, write_file)
    assert first == len(opendata.files(cat)) and len(journal.written) == first
    (tmp_path / "data/stations/370304009999.json").write_text("{}", encoding="utf-8")  # a station since removed
    journal.written, journal.removed = [], []
    assert opendata.write(cat, tmp_path, journal, write_file) == 1
    assert journal.removed == ["data/stations/370304009999.json"] and journal.written == []


# ------------------------------------------------------------------ QR codes

def test_a_guide_url_is_a_version_4_symbol_readable_at_25_mm():
    url = "https://guides.boshan.gov.cn/370304001200/JZ-001/"
    rows = qr.matrix(url)
    assert len(rows) == 33 and all(len(r) == 33 and set(r) <= {"0", "1"} for r in rows)
    assert rows[0][:7] == "1111111"  # a finder pattern in the corner
    assert qr.symbol_size(url) == 41
    assert qr.module_mm(url) == pytest.approx(25 / 41)


def test_the_svg_draws_every_dark_module_once():
    url = "https://guides.boshan.gov.cn/items/JZ-001/"
    svg = qr.svg(url, title="<二维码>")
    size = qr.symbol_size(url)
    assert svg.startswith(f'<svg viewBox="0 0 {size} {size}" class="qr"><title>&lt;二维码&gt;</title>')
    path = svg.split('stroke="#000" d="')[1].split('"')[0]
    drawn = sum(int(h) for h in __import__("re").findall(r"h(\d+)", path))
    assert drawn == sum(row.count("1") for row in qr.matrix(url))


def test_the_png_decodes_back_to_its_url(tmp_path):
    import zxingcpp
    from PIL import Image

    url = "https://guides.boshan.gov.cn/370304001200/"
    qr.png(url, tmp_path / "qr.png")
    (found,) = zxingcpp.read_barcodes(Image.open(tmp_path / "qr.png"))
    assert found.text == url


# ------------------------------------------------------------------ the official division list

def test_official_names_of_codes():
    assert divisions.official_name("370304001200") == (True, "安上村委会")
    assert divisions.official_name("370304001999") == (True, None)  # 淄博 covered, no such village
    assert divisions.official_name("110101001001") == (False, None)  # another city: not covered
    assert all(len(code) == 12 for code in divisions.villages())
