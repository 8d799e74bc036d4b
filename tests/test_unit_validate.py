"""Stage 2, validate (generator/validate.py), in-process on the fixture tree with one fault at a time: each rule
names the file, the line and the field in Chinese, and a catalogue comes back only when nothing is wrong."""
import datetime as dt

import pytest

from conftest import MINI, edit
from generator.model import District, Item, Repealed, Station
from generator.problems import Problems
from generator.validate import (Catalogue, check_print_origin, checklist_gaps, cites, months_later, online_rate,
                                read_catalogue, review_findings, station_name)

VILLAGE = "stations/370304001/370304001200.yaml"
COMMUNITY = "stations/370304002/370304002001.yaml"


def errors(root) -> list:
    cat, problems = read_catalogue(root)
    assert cat is None, "a catalogue came back although there are errors"
    return problems.errors


def one_error(root):
    found = errors(root)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def line_of(path, text: str) -> int:
    """The line of the fixture file on which `text` is written."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i + 1 for i, t in enumerate(lines) if text in t)


# ------------------------------------------------------------------ the clean tree

def test_the_fixture_tree_is_a_catalogue_in_catalogue_order():
    cat, problems = read_catalogue(MINI)
    assert isinstance(cat, Catalogue) and problems.errors == []
    # items by category (社会救助 < 养老服务 < 水电气暖费用收缴 in model.CATEGORIES), then code
    assert list(cat.items) == ["JZ-001", "LN-001", "JF-001"]
    assert list(cat.stations) == ["370304001200", "370304002001"]
    assert cat.offers["370304002001"] == ["JZ-001", "JF-001"]  # 社区通用
    assert [it.code for it in cat.station_items("370304001200")] == ["JZ-001", "LN-001", "JF-001"]
    assert cat.town_name("370304002") == "城西街道"
    assert cat.town_name("999999999") == "999999999"
    assert cat.sources["items/JF-001"].name == "JF-001.yaml"
    # the community lacks 有经费: a warning at the checklist's line, not an error
    (warn,) = [p for p in problems.warnings if p.path.endswith("370304002001.yaml")]
    assert warn.line == line_of(MINI / COMMUNITY, "checklist:") and "有经费" in warn.message


# ------------------------------------------------------------------ model errors, located and in Chinese

def test_a_missing_required_field_is_named_by_its_chinese_title(mini):
    edit(mini / "items/JF-001.yaml", "department: 国网淄博供电公司博山供电中心\n", "")
    p = one_error(mini)
    assert p.path.endswith("items/JF-001.yaml")
    assert p.message == "必填字段缺失"
    assert "department" not in p.field and p.field  # the clerk's word, not the YAML key


def test_an_unknown_field_is_a_spelling_error_at_its_line(mini):
    edit(mini / "items/JF-001.yaml", "visits: 0\n", "visits: 0\nvisist: 1\n")
    p = one_error(mini)
    assert p.line == line_of(mini / "items/JF-001.yaml", "visist:")
    assert "未知字段" in p.message


def test_a_bad_phone_number_says_how_to_write_one(mini):
    edit(mini / VILLAGE, "phone: 0533-4100001", "phone: 4100001转2")
    p = one_error(mini)
    assert p.line == line_of(mini / VILLAGE, "phone:")
    assert "电话号码格式不正确" in p.message and "0533-4180001" in p.message


def test_a_value_outside_its_choices_lists_the_choices(mini):
    edit(mini / "items/JF-001.yaml", "case_type: 即办件", "case_type: 马上办")
    p = one_error(mini)
    assert "马上办" in p.message and "即办件" in p.message and "承诺件" in p.message


def test_fees_written_as_neither_words_nor_a_list_is_one_clear_message(mini):
    edit(mini / "items/JZ-001.yaml", "fees: 不收费", "fees: 免费")
    p = one_error(mini)
    assert p.message == "应写“不收费”，或列出每项收费（name、amount、basis），而不是“免费”"


def test_a_wrong_type_is_said_in_words(mini):
    edit(mini / "items/JF-001.yaml", "visits: 0", "visits: 两次")
    assert one_error(mini).message == "应为整数"


def test_errors_in_several_files_are_all_reported_at_once(mini):
    edit(mini / "items/JF-001.yaml", "visits: 0", "visits: 两次")
    edit(mini / VILLAGE, "phone: 0533-4100001", "phone: abc")
    edit(mini / COMMUNITY, "kind: 社区", "kind: 村")
    assert {p.path.rsplit("/", 1)[-1] for p in errors(mini)} == {"JF-001.yaml", "370304001200.yaml",
                                                                  "370304002001.yaml"}


# ------------------------------------------------------------------ items

def test_an_item_file_must_be_named_by_its_code(mini):
    (mini / "items/JF-001.yaml").rename(mini / "items/JF-009.yaml")
    found = errors(mini)
    assert any("应命名为 JF-001.yaml" in p.message for p in found)


def test_item_codes_are_unique_whatever_their_case(mini):
    text = (mini / "items/JF-001.yaml").read_text(encoding="utf-8").replace("code: JF-001", "code: jf-001")
    (mini / "items/jf-001.yaml").write_text(text, encoding="utf-8")
    p = one_error(mini)
    assert "重复" in p.message and "不区分大小写" in p.message and p.path.endswith("jf-001.yaml")


def test_an_online_link_off_the_allowed_domains_is_refused(mini):
    edit(mini / "items/JF-001.yaml", "url: https://www.95598.cn/", "url: https://www.95598.cn.evil.example/")
    p = one_error(mini)
    assert p.line == line_of(mini / "items/JF-001.yaml", "url: https://www.95598.cn.evil")
    assert p.message.startswith("网上办理入口：") and "online_domains" in p.message


def test_a_link_that_only_looks_like_a_government_address_is_refused(mini):
    edit(mini / "items/JF-001.yaml", "url: https://www.95598.cn/", "url: https://evil.example@www.95598.cn/")
    assert "@" in one_error(mini).message


def test_a_repeated_alias_is_a_warning(mini):
    edit(mini / "items/JF-001.yaml", "aliases: [交电费, 电费]", "aliases: [交电费, 电费, 交电费]")
    cat, problems = read_catalogue(mini)
    assert cat is not None
    assert any("俗称“交电费”重复" in p.message for p in problems.warnings)


def test_an_item_set_naming_a_missing_item_points_at_the_set(mini):
    edit(mini / "district.yaml", "社区通用: [JZ-001, JF-001]", "社区通用: [JZ-001, JF-002]")
    found = errors(mini)
    p = next(p for p in found if p.path.endswith("district.yaml"))
    assert p.line == line_of(mini / "district.yaml", "社区通用:")
    assert "JF-002" in p.message and "社区通用" in p.field


def test_an_item_with_errors_is_not_reported_again_by_the_stations_using_it(mini):
    edit(mini / "items/JF-001.yaml", "visits: 0", "visits: 两次")
    assert [p.path.rsplit("/", 1)[-1] for p in errors(mini)] == ["JF-001.yaml"]


# ------------------------------------------------------------------ district

def test_district_rules(mini):
    edit(mini / "district.yaml", "online_domains: [zwfw.sd.gov.cn, www.95598.cn]",
         "online_domains: [zwfw.sd.gov.cn, www.95598.cn, HTTPS://Bad/]")
    edit(mini / "district.yaml", '{code: "370304002", name: 城西街道}',
         '{code: "370304002", name: 城西街道}\n  - {code: "370305001", name: 外区}\n  - {code: "370304001", name: 重复}')
    messages = [p.message for p in errors(mini) if p.path.endswith("district.yaml")]
    assert any("不是规范的域名" in m for m in messages)
    assert any("370305001 不属于本区县" in m for m in messages)
    assert any("370304001 重复" in m for m in messages)


def test_the_portal_must_be_on_the_allowed_domains(mini):
    edit(mini / "district.yaml", "url: https://zwfw.sd.gov.cn/", "url: https://zwfw.example.org/")
    p = one_error(mini)
    assert p.line == line_of(mini / "district.yaml", "url: https://zwfw.example.org/")
    assert p.message.startswith("网上办事门户地址：")


def test_a_broken_district_is_one_error_and_the_stations_wait_for_it(mini):
    edit(mini / "district.yaml", "code: \"370304\"", "code: 370304\nbogus: 1")
    cat, problems = read_catalogue(mini)
    assert cat is None
    assert [p.path.rsplit("/", 1)[-1] for p in problems.errors] == ["district.yaml"]
    assert any("暂未检查" in p.message and "2 个服务站" in p.message for p in problems.warnings)


# ------------------------------------------------------------------ stations

def test_a_station_file_must_be_named_by_its_code_and_lie_in_its_town(mini):
    (mini / VILLAGE).rename(mini / "stations/370304002/370304001200.yaml")
    p = one_error(mini)
    assert "应放在 stations/370304001/" in p.message


def test_a_station_of_another_district_is_refused(mini):
    (mini / "stations/370305001").mkdir()
    text = (mini / VILLAGE).read_text(encoding="utf-8").replace("370304001200", "370305001200")
    (mini / "stations/370305001/370305001200.yaml").write_text(text, encoding="utf-8")
    messages = [p.message for p in errors(mini)]
    assert any("370305001200 不属于博山区（370304）" in m for m in messages)
    assert any("不在官方区划代码表" in m for m in messages)  # and it is no real 博山 code either


def test_a_station_name_follows_the_naming_rule(mini):
    edit(mini / VILLAGE, "name: 安上村便民服务站", "name: 安上服务站")
    p = one_error(mini)
    assert p.line == line_of(mini / VILLAGE, "name:")
    assert "“安上村便民服务站”" in p.message


def test_the_division_name_must_be_the_official_one(mini):
    edit(mini / VILLAGE, "division: 安上村委会", "division: 安下村委会")
    found = errors(mini)
    assert any("官方区划代码表" in p.message and "安上村委会" in p.message for p in found)


def test_the_kind_follows_the_division(mini):
    edit(mini / COMMUNITY, "kind: 社区", "kind: 村")
    assert one_error(mini).message == "类型应为“社区”（区划名称“税务街居委会”）"


def test_an_unknown_item_set_names_the_known_ones(mini):
    edit(mini / VILLAGE, "items: {set: 村级通用}", "items: {set: 村通用}")
    p = one_error(mini)
    assert "村通用" in p.message and "村级通用、社区通用" in p.message


def test_item_selection_rules(mini):
    edit(mini / VILLAGE, "items: {set: 村级通用}", "items: {set: 村级通用, add: [JF-001, XX-404]}")
    edit(mini / COMMUNITY, "items: {set: 社区通用}", "items: {set: 社区通用, remove: [LN-001]}")
    cat, problems = read_catalogue(mini)
    assert cat is None
    messages = [p.message for p in problems]
    assert "事项“XX-404”不存在于 items/ 中" in messages
    assert "要减少的事项“LN-001”本不在清单中" in messages
    assert "要增加的事项“JF-001”已在清单中" in messages  # a warning


def test_a_station_with_no_items_left_is_an_error(mini):
    edit(mini / COMMUNITY, "items: {set: 社区通用}", "items: {set: 社区通用, remove: [JZ-001, JF-001]}")
    assert one_error(mini).message == "服务站没有任何可办事项"


def test_a_station_adding_and_removing_items_gets_them_in_catalogue_order(mini):
    edit(mini / COMMUNITY, "items: {set: 社区通用}", "items: {set: 社区通用, add: [LN-001], remove: [JF-001]}")
    cat, problems = read_catalogue(mini)
    assert cat.offers["370304002001"] == ["JZ-001", "LN-001"]


def test_notes_and_partners_only_for_offered_items(mini):
    edit(mini / VILLAGE, "items: {set: 村级通用}", "items: {set: 村级通用, remove: [JF-001]}")
    found = errors(mini)
    assert [p.message for p in found] == ["事项“JF-001”不是本站可办事项"]
    assert found[0].line == line_of(mini / VILLAGE, "items: [JF-001]")


def test_duplicate_station_codes_name_the_first_file(mini):
    text = (mini / VILLAGE).read_text(encoding="utf-8")
    (mini / "stations/370304001/370304001201.yaml").write_text(text, encoding="utf-8")
    found = errors(mini)
    assert any("重复" in p.message and "370304001200.yaml" in p.message for p in found)


def test_a_note_promising_on_the_spot_for_a_promised_item_is_a_warning(mini):
    edit(mini / VILLAGE, "note: 每周二上午镇民政办到站集中受理", "note: 当场办结")
    cat, problems = read_catalogue(mini)
    assert cat is not None
    (w,) = [p for p in problems.warnings if "当场办结" in p.message]
    assert "承诺件" in w.message and w.line == line_of(mini / VILLAGE, "note: 当场办结")


def test_a_monthly_batch_longer_than_the_promise_is_a_warning(mini):
    edit(mini / VILLAGE, "note: 每周二上午镇民政办到站集中受理", "note: 每月集中报送镇民政办")
    _, problems = read_catalogue(mini)
    assert any("约 22 个工作日" in p.message and "20 个工作日" in p.message for p in problems.warnings)


def test_a_weekly_batch_within_the_promise_is_no_warning(mini):
    _, problems = read_catalogue(mini)  # 每周二…集中受理: at worst 5 working days of 20
    assert not any("集中报送" in p.message for p in problems.warnings)


# ------------------------------------------------------------------ retired codes

def test_a_retired_code_in_use_and_a_missing_successor_are_errors(mini):
    (mini / "retired.yaml").write_text(
        "items:\n  - {code: JF-001, name: 电费缴纳, date: 2026-01-01, reason: 合并, successor: JF-009}\n",
        encoding="utf-8")
    messages = [p.message for p in errors(mini)]
    assert any("JF-001" in m and "永不复用" in m for m in messages)
    assert any("JF-009" in m and "不存在" in m for m in messages)


# ------------------------------------------------------------------ the rules as functions

@pytest.mark.parametrize("division, expected", [
    ("安上村委会", ("安上村便民服务站", "村")),
    ("北关村村民委员会", ("北关村便民服务站", "村")),
    ("公平庄居委会", ("公平庄社区便民服务站", "社区")),
    ("荆山社区居委会", ("荆山社区便民服务站", "社区")),
    ("光正社区", ("光正社区便民服务站", "社区")),
    ("文苑社区居委", ("文苑社区便民服务站", "社区")),
    ("红源新村", ("红源新村便民服务站", "村")),
    ("居委会", None),
    ("博山区", None),
])
def test_station_name_rule(division, expected):
    assert station_name(division) == expected


@pytest.mark.parametrize("day, months, expected", [
    (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
    (dt.date(2026, 3, 15), 12, dt.date(2027, 3, 15)),
    (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
    (dt.date(2026, 12, 1), 1, dt.date(2027, 1, 1)),
])
def test_months_later_keeps_the_day_or_the_months_last(day, months, expected):
    assert months_later(day, months) == expected


def test_a_citation_of_a_repealed_document_is_recognised_by_title_or_number():
    rep = Repealed(title="《城市居民最低生活保障条例》", number="国务院令第271号", date=dt.date(2014, 5, 1))
    assert cites("《城市居民最低生活保障条例》第二条", rep)
    assert cites("国务院令第271号", rep)
    assert not cites("《社会救助暂行办法》（国务院令第649号）", rep)
    assert not cites("《城市居民最低生活保障条例实施细则》", rep)  # a whole title, not a part


def _item(mini, **changes) -> Item:
    cat, _ = read_catalogue(mini)
    return cat.items["JZ-001"].model_copy(update=changes)


def test_review_findings(mini):
    cat, _ = read_catalogue(mini)
    d: District = cat.district
    today = dt.date(2026, 12, 3)
    never = review_findings(_item(mini), d, today)
    assert [(loc, kind) for loc, _, kind in never] == [(("reviewed",), "事项从未核对政策事实")]
    future = review_findings(_item(mini, reviewed=dt.date(2027, 1, 1)), d, today)
    assert future[0][2] == "核对日期晚于今天"
    old = review_findings(_item(mini, reviewed=dt.date(2025, 11, 1)), d, today)
    kinds = [k for _, _, k in old]
    assert f"事项超过核对周期（{d.review_months} 个月）未核对" in kinds
    assert "有核对日期但没有核对来源" in kinds
    fresh = review_findings(_item(mini, reviewed=dt.date(2026, 11, 1)), d, today)
    assert [k for _, _, k in fresh] == ["有核对日期但没有核对来源"]
    vague = _item(mini, legal_bases=[cat.items["JZ-001"].legal_bases[0].model_copy(update={"law": "有关规定"})])
    assert [loc for loc, _, _ in review_findings(vague, d, today)][-1] == ("legal_bases", 0, "law")
    repealed = d.model_copy(update={"repealed": [Repealed(title="社会救助暂行办法", number="国务院令第649号")]})
    (hit,) = [f for f in review_findings(_item(mini), repealed, today) if f[2] == "引用了已废止的依据"]
    assert hit[0] == ("legal_bases", 0, "law") and "《社会救助暂行办法》（国务院令第649号）已废止" in hit[1]


def test_online_rate_counts_on_request_items_only():
    cat, _ = read_catalogue(MINI)
    items = cat.station_items("370304001200")
    online, on_request = online_rate(items)
    expected = [it for it in items if it.item_type != "便民服务"]
    assert on_request == len(expected) and on_request < len(items)  # 电费缴纳 is a 便民服务
    assert online == sum(it.online.available for it in expected)


def test_checklist_gaps_are_named_in_chinese():
    cat, _ = read_catalogue(MINI)
    assert checklist_gaps(cat.stations["370304001200"]) == []
    assert checklist_gaps(cat.stations["370304002001"]) == ["有经费"]


def test_a_placeholder_site_address_cannot_be_printed_unless_a_test_print():
    cat, _ = read_catalogue(MINI)
    problems = Problems()
    assert check_print_origin(cat, problems) is False
    (p,) = problems.errors
    assert p.line == line_of(MINI / "district.yaml", "site_url:") and "--test-print" in p.message
    problems = Problems()
    assert check_print_origin(cat, problems, test_print=True) and not problems
    real = cat.district.model_copy(update={"site_url": "https://guides.boshan.gov.cn"})
    assert check_print_origin(Catalogue(real, cat.items, cat.stations, cat.offers, root=cat.root), problems)


def test_station_model_is_the_one_validated():
    cat, _ = read_catalogue(MINI)
    assert all(isinstance(s, Station) for s in cat.stations.values())
