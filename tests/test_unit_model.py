"""The typed model (generator/model.py) and its one walker (generator/schema.py), in-process: the rules across
fields blame the one field to change, every text is cleaned, and the walker answers shapes, bounds and choices
the same for every surface (workbook, editor, open data)."""
import copy
import datetime as dt
import typing

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from conftest import MINI
from generator import schema
from generator.model import (CATEGORIES, PHONE_PATTERN, District, FieldError, Hours, Item, ItemSelection, Material,
                             Online, Station, field_labels, label, town_code)

ITEM = yaml.safe_load((MINI / "items/JZ-001.yaml").read_text(encoding="utf-8"))
BILL = yaml.safe_load((MINI / "items/JF-001.yaml").read_text(encoding="utf-8"))
STATION = yaml.safe_load((MINI / "stations/370304001/370304001200.yaml").read_text(encoding="utf-8"))
DISTRICT = yaml.safe_load((MINI / "district.yaml").read_text(encoding="utf-8"))


def with_(base: dict, **changes) -> dict:
    data = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def refusal(model, data) -> tuple[tuple, str]:
    """(location, message) of the one error a record gets; a rule across fields names its field."""
    with pytest.raises(ValidationError) as e:
        model.model_validate(data)
    (err,) = e.value.errors(include_url=False)
    cause = (err.get("ctx") or {}).get("error")
    loc = tuple(err["loc"]) + ((cause.field,) if isinstance(cause, FieldError) else ())
    return loc, str(cause) if cause is not None else err["msg"]


# ------------------------------------------------------------------ town_code

@pytest.mark.parametrize("village, town", [("370304001200", "370304001"), ("370304103216", "370304103")])
def test_town_code_is_the_first_nine_digits(village, town):
    assert town_code(village) == town


def test_town_code_agrees_with_the_fixture_folders():
    for path in (MINI / "stations").glob("*/*.yaml"):
        assert town_code(path.stem) == path.parent.name


# ------------------------------------------------------------------ the fixture records are valid

def test_the_fixture_records_validate_and_are_frozen():
    item = Item.model_validate(ITEM)
    assert item.code == "JZ-001" and item.legal_limit_text == "30 个工作日"
    assert Item.model_validate(BILL).legal_limit_text is None
    station = Station.model_validate(STATION)
    assert station.hours.sat == ["09:00-11:30"] and station.items.set == "村级通用"
    with pytest.raises(ValidationError):
        station.phone = "12345"  # records are values: a stage cannot change what another read


def test_unknown_keys_are_errors_never_dropped():
    loc, _ = refusal(Item, with_(ITEM, visist=1))
    assert loc == ("visist",)


def test_numbers_written_without_quotes_are_text():
    assert Station.model_validate(with_(STATION, phone=12345)).phone == "12345"


# ------------------------------------------------------------------ rules across fields

def test_materials_or_no_materials_one_of_them():
    assert refusal(Item, with_(ITEM, materials=[], no_materials=None))[0] == ("materials",)
    loc, message = refusal(Item, with_(ITEM, no_materials=True))
    assert loc == ("no_materials",) and "应为空" in message


def test_case_type_and_promised_limit_agree():
    loc, message = refusal(Item, with_(ITEM, promised_limit_days=0))
    assert loc == ("promised_limit_days",) and "即办件的承诺办结时限应为 0" in message
    assert refusal(Item, with_(BILL, promised_limit_days=3))[0] == ("promised_limit_days",)


def test_a_legal_limit_needs_its_basis_and_bounds_the_promise():
    assert refusal(Item, with_(ITEM, legal_limit_basis=None))[0] == ("legal_limit_days",)
    loc, message = refusal(Item, with_(ITEM, legal_limit_days=10))
    assert loc == ("promised_limit_days",) and "10 个工作日" in message
    # 28 calendar days hold at most 20 working days: a promise of 20 fits, 21 does not
    assert Item.model_validate(with_(ITEM, legal_limit_days=28, legal_limit_unit="日")).legal_limit_text == "28 日"
    loc, message = refusal(Item, with_(ITEM, legal_limit_days=27, legal_limit_unit="日"))
    assert loc == ("promised_limit_days",) and "27 日" in message


def test_no_legal_limit_means_no_basis_and_no_unit():
    no_limit = with_(BILL)
    assert refusal(Item, with_(no_limit, legal_limit_basis="《某条例》"))[0] == ("legal_limit_basis",)
    assert refusal(Item, with_(no_limit, legal_limit_unit="日"))[0] == ("legal_limit_unit",)


def test_a_zero_legal_limit_reads_as_on_the_spot():
    item = Item.model_validate(with_(BILL, legal_limit_days=0, legal_limit_basis="《某条例》第三条"))
    assert item.legal_limit_text == "当场办结"


def test_fees_empty_list_is_refused_with_the_words_to_write():
    loc, message = refusal(Item, with_(ITEM, fees=[]))
    assert loc == ("fees",) and "fees: 不收费" in message


def test_material_required_and_condition_exclude_each_other():
    base = {"name": "居民身份证", "form": "原件", "source": "申请人自备"}
    assert Material.model_validate(base).copies == 1
    assert refusal(Material, {**base, "required": False})[0] == ("required",)
    assert refusal(Material, {**base, "condition": "有残疾的"})[0] == ("condition",)
    assert Material.model_validate({**base, "required": False, "condition": "有残疾的"}).condition == "有残疾的"
    assert refusal(Material, {**base, "copies": 21})[0] == ("copies",)


def test_online_available_needs_a_link_and_only_then():
    assert refusal(Online, {"available": True})[0] == ("available",)
    assert refusal(Online, {"available": False, "url": "https://zwfw.sd.gov.cn/"})[0] == ("url",)


def test_an_item_selection_is_a_set_or_codes_never_both():
    assert ItemSelection.model_validate({"codes": ["JF-001"]}).codes == ["JF-001"]
    assert refusal(ItemSelection, {})[0] == ("set",)
    assert refusal(ItemSelection, {"set": "村级通用", "codes": ["JF-001"]})[0] == ("set",)


@pytest.mark.parametrize("ranges, words", [
    (["8:30-12:00"], "格式应为 HH:MM-HH:MM"),
    (["24:00-25:00"], "格式应为"),
    (["12:00-08:30"], "结束时间应晚于开始时间"),
    (["08:30-12:00", "11:00-17:00"], "重叠或顺序颠倒"),
    (["13:30-17:30", "08:30-12:00"], "重叠或顺序颠倒"),
])
def test_opening_hours_are_well_formed_ordered_ranges(ranges, words):
    data = with_(STATION["hours"], mon=ranges)
    loc, message = refusal(Hours, data)
    assert loc[0] == "mon" and words in message


@pytest.mark.parametrize("number, ok", [
    ("0533-4180001", True), ("05334180001", True), ("0533-4180001-123", True), ("13912345678", True),
    ("12345", True), ("95598", True), ("400-123-4567", True),
    ("4180001", False), ("1391234567", False), ("０５３３-4180001", False), ("0533 4180001", False),
    ("12345678901234", False),
])
def test_phone_numbers(number, ok):
    data = with_(STATION, phone=number)
    if ok:
        assert Station.model_validate(data).phone == number
    else:
        loc, _ = refusal(Station, data)
        assert loc == ("phone",)


def test_the_site_address_is_normalised_to_an_https_origin():
    assert District.model_validate(with_(DISTRICT, site_url="https://Guides.Mini.Example/")).site_url == \
        "https://guides.mini.example"
    loc, message = refusal(District, with_(DISTRICT, site_url="https://guides.mini.example/boshan/"))
    assert loc == ("site_url",) and "不带路径" in message


def test_elsewhere_codes_are_unique():
    twice = DISTRICT["elsewhere"] + [dict(DISTRICT["elsewhere"][0])]
    loc, message = refusal(District, with_(DISTRICT, elsewhere=twice))
    assert loc == ("elsewhere",) and "hunyin" in message


def test_sample_phones_are_every_number_but_the_service_numbers():
    d = District.model_validate(DISTRICT)
    assert d.sample_phone("0533-4180000") and d.sample_phone("13912345678")
    assert not d.sample_phone("12345") and not d.sample_phone("95598") and not d.sample_phone(None)
    real = District.model_validate(with_(DISTRICT, sample_data=False))
    assert not real.sample_phone("0533-4180000")


def test_text_is_cleaned_in_every_record():
    station = Station.model_validate(with_(STATION, address="城东街道\r\n安上村"))
    assert station.address == "城东街道\n安上村"
    loc, _ = refusal(Station, with_(STATION, address="安上村\u202e党群服务中心"))
    assert loc == ("address",)
    nested = copy.deepcopy(STATION)
    nested["staff"][0]["name"] = "张\u2066秀英"
    loc, _ = refusal(Station, nested)
    assert loc == ("staff", 0, "name")  # a nested record cleans its own fields


def test_lengths_come_from_the_named_types():
    loc, message = refusal(Station, with_(STATION, name="长" * 61))
    assert loc == ("name",) and "60" in message
    assert refusal(Station, with_(STATION, complaint_box=""))[0] == ("complaint_box",)


# ------------------------------------------------------------------ labels

def test_labels_are_the_chinese_titles_along_a_path():
    assert label(Item, ("materials", 2, "copies")) == "申请材料[3].份数"
    assert label(Station, ("local_notes", "JZ-001", "note")) == "事项本站说明.JZ-001.本站说明"
    assert label(Station, ("hours", "mon")) == "办公时间.周一"
    assert label(Station, ("nonsense",)) == "nonsense"
    labels = field_labels(Station)
    assert labels["phone"] == "服务站电话" and set(labels) == set(Station.model_fields)


def test_every_field_of_every_record_has_a_chinese_title():
    seen: set = set()

    def walk(model):
        if model in seen:
            return
        seen.add(model)
        for name, info in model.model_fields.items():
            assert info.title and any("\u4e00" <= ch <= "\u9fff" for ch in info.title), (model.__name__, name)
            inner = schema.inner_model(info.annotation)
            if inner is not None:
                walk(inner)

    for model in (District, Item, Station):
        walk(model)
    assert len(seen) > 15


# ------------------------------------------------------------------ the walker (schema.py)

def test_shape_of_each_kind_of_field():
    fields = Item.model_fields
    assert schema.shape(fields["materials"].annotation) == ("models", schema.inner_model(fields["materials"].annotation), False)
    kind, detail, nullable = schema.shape(fields["online"].annotation)
    assert (kind, detail) == ("model", Online)
    assert schema.shape(fields["conditions"].annotation)[0:2] == ("lines", ("text", ()))
    kind, (scalar_kind, choices), _ = schema.shape(fields["case_type"].annotation)
    assert (kind, scalar_kind, choices) == ("scalar", "choice", ("即办件", "承诺件"))
    kind, (scalar_kind, choices), _ = schema.shape(fields["category"].annotation)
    assert scalar_kind == "choice" and choices == CATEGORIES
    assert schema.shape(fields["reviewed"].annotation) == ("scalar", ("date", ()), True)
    assert schema.shape(fields["visits"].annotation)[1] == ("int", ())
    assert schema.shape(fields["fees"].annotation)[0] == "union"
    assert schema.shape(Station.model_fields["local_notes"].annotation)[0] == "dictmodels"
    assert schema.shape(District.model_fields["item_sets"].annotation) == ("scalar", ("yaml", ()), False)
    assert schema.shape(Station.model_fields["phone"].annotation) == ("scalar", ("text", ()), False)


def test_bounds_reach_through_named_and_optional_types():
    assert schema.bounds(Material.model_fields["copies"]) == (1, 20)
    assert schema.bounds(District.model_fields["review_months"]) == (1, 60)
    assert schema.bounds(Station.model_fields["phone"]) == (None, None)


def test_constraints_of_a_named_type_reach_an_optional_field():
    staff_phone = Station.model_fields["staff"].annotation
    staff = schema.inner_model(staff_phone)
    patterns = [getattr(m, "pattern", None) for m in schema.constraints(staff.model_fields["phone"])]
    assert PHONE_PATTERN in patterns
    assert schema.examples(staff.model_fields["phone"])[:1] == ["0533-4180001"]
    assert schema.examples(Station.model_fields["code"]) == []


def test_unwrap_optional_and_union_args():
    assert schema.unwrap_optional(int | None) == (int, True)
    assert schema.unwrap_optional(typing.Annotated[str, "x"]) == (str, False)
    assert schema.unwrap_optional(Item.model_fields["reviewed"].annotation) == (dt.date, True)
    assert schema.union_args(int | str) == (int, str)
    assert schema.union_args(list[int]) == ()


def test_inner_model_finds_the_record_through_containers():
    class A(BaseModel):
        x: int

    assert schema.inner_model(A) is A
    assert schema.inner_model(list[A]) is A
    assert schema.inner_model(dict[str, A] | None) is A
    assert schema.inner_model(list[str]) is None


def test_scalar_kinds():
    assert schema.scalar(bool) == ("bool", ())
    assert schema.scalar(typing.Literal["a", "b"] | typing.Literal["c"]) == ("choice", ("a", "b", "c"))
    assert schema.scalar(typing.Annotated[int, "x"]) == ("int", ())
    assert schema.scalar(float) == ("yaml", ())
