"""cms.py's widget rules one at a time, in-process: which Decap widget a model field gets,
from a small probe model, and that the first rule that takes a field wins."""
import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from generator import cms, model


class Inner(BaseModel):
    title: str = Field(title="名称")
    note: str | None = None


class Probe(BaseModel):
    kind: Literal["甲", "乙"] = Field(title="种类")
    flag: bool = Field(True, title="开关")
    count: int = Field(3, ge=1, le=9, title="份数")
    day: dt.date = Field(title="日期")
    inner: Inner | None = Field(None, title="内层")
    modes: list[Literal["窗口", "网上"]] = Field(default_factory=list, title="方式")
    rows: list[Inner] = Field(min_length=1, title="行")
    words: list[str] = Field(default_factory=list, title="词")
    code: str = Field(pattern=r"^[A-Z]+$", title="编码", examples=["AB"])
    other: str = Field("X", pattern=r"^X$", title="其他", description="只写 X")
    item: str = Field(title="事项", json_schema_extra={"refers": "item"})
    items: list[str] = Field(title="事项们", json_schema_extra={"refers": "item"})
    item_set: str = Field(title="清单", json_schema_extra={"refers": "item_set"})
    notes: dict[str, str] = Field(default_factory=dict, title="说明")


FIELDS = {f["name"]: f for f in cms.fields(Probe, ("村级通用", "社区通用"))}


def shape(name: str, sets=()) -> cms._Shape:
    info = Probe.model_fields[name]
    annotation, optional = cms.schema.unwrap_optional(info.annotation)
    return cms._Shape(info, annotation, optional, not info.is_required(), cms._extra(info).get("refers"),
                      info.title or name, sets)


def test_rules_in_order_and_hidden_last():
    assert cms._WIDGETS[-1] is cms._hidden
    assert cms._WIDGETS.index(cms._item) < cms._WIDGETS.index(cms._list)  # item codes: a relation, not a list
    assert cms._WIDGETS.index(cms._list_of_choices) < cms._WIDGETS.index(cms._list)


def test_each_rule_declines_what_is_not_its_own():
    assert cms._boolean(shape("count")) is None and cms._number(shape("flag")) is None
    assert cms._date(shape("code")) is None and cms._record(shape("words")) is None
    assert cms._list_of_choices(shape("words")) is None and cms._list(shape("code")) is None
    assert cms._string(shape("words")) is None and cms._choice(shape("code")) is None
    assert cms._item(shape("code")) is None


def test_choice_and_item_set():
    assert FIELDS["kind"]["widget"] == "select" and FIELDS["kind"]["options"] == ["甲", "乙"]
    assert FIELDS["item_set"]["options"] == ["村级通用", "社区通用"]


def test_item_relations_single_and_multiple():
    assert FIELDS["item"]["widget"] == "relation" and FIELDS["item"]["multiple"] is False
    assert FIELDS["items"]["widget"] == "relation" and FIELDS["items"]["multiple"] is True
    assert FIELDS["items"]["collection"] == "items" and FIELDS["items"]["value_field"] == "code"


def test_boolean_number_date_keep_defaults_and_bounds():
    assert FIELDS["flag"] == {"name": "flag", "label": "开关", "required": False, "widget": "boolean", "default": True}
    assert (FIELDS["count"]["min"], FIELDS["count"]["max"], FIELDS["count"]["default"]) == (1, 9, 3)
    assert FIELDS["day"]["widget"] == "datetime" and FIELDS["day"]["format"] == "YYYY-MM-DD"
    assert FIELDS["day"]["required"] is True and "default" not in FIELDS["day"]


def test_optional_record_asks_for_nothing():
    inner = FIELDS["inner"]
    assert inner["widget"] == "object" and inner["required"] is False
    assert [f["required"] for f in inner["fields"]] == [False, False]


def test_lists():
    assert FIELDS["modes"] == {"name": "modes", "label": "方式", "required": False, "widget": "select",
                               "multiple": True, "options": ["窗口", "网上"], "default": []}
    rows = FIELDS["rows"]
    assert rows["widget"] == "list" and rows["min"] == 1 and rows["summary"] == "{{fields.title}}"
    assert "default" not in rows and [f["name"] for f in rows["fields"]] == ["title", "note"]
    words = FIELDS["words"]
    assert words["field"] == {"name": "value", "label": "词", "widget": "string"} and "min" not in words


def test_string_pattern_says_how_to_write_it():
    assert FIELDS["code"]["pattern"] == ["^[A-Z]+$", "应写成如 AB"]
    assert FIELDS["other"]["pattern"] == ["^X$", "只写 X"] and FIELDS["other"]["default"] == "X"


def test_mapping_is_kept_hidden():
    assert FIELDS["notes"]["widget"] == "hidden" and FIELDS["notes"]["required"] is False
    assert list(FIELDS["notes"]) == ["name", "label", "required", "widget"]  # required keeps its place


def test_model_fields_all_get_a_widget():
    for record in (model.Item, model.Station, model.District):
        assert all(f["widget"] for f in cms.fields(record))
