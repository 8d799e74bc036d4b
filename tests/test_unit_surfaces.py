"""Issue 20.2, one model walker: every surface that shows a field (the workbook's columns, the web editor's
form, the open-data JSON Schema) reads its choices, bounds, title and kind from the model, so for every field
they agree. In-process, over every field of every record type, not a chosen few."""
import json

import pytest

from conftest import MINI
from generator import cms, opendata
from generator.validate import read_catalogue
from generator.workbook_sheets import sheets

# the record types as the open-data schema names them (open records extend Item and Station)
SCHEMA_NAMES = {"Item": "OpenItem", "Station": "OpenStation"}
WIDGETS = {"bool": "boolean", "int": "number", "date": "datetime", "choice": "select"}


def every_sheet():
    out = []
    for root in sheets():
        todo = [root]
        while todo:
            sheet = todo.pop(0)
            out.append(sheet)
            todo += sheet.children
    return out


def columns():
    """(sheet, column) of every typed value column (the value branch of 收费情况 is its own case)."""
    all_sheets = every_sheet()  # sheets() derives new objects at each call: one derivation
    unions = [s.union_scalar for s in all_sheets if s.union_scalar is not None]
    return [(s, c) for s in all_sheets for c in s.columns
            if c.kind in ("bool", "int", "date", "choice", "lines") and not any(c is u for u in unions)]


def form_field(model, path):
    fields, found = cms.fields(model, ("村级通用",)), None
    for name in path:
        found = next(f for f in fields if f["name"] == name)
        fields = found.get("fields", [])
    return found


@pytest.fixture(scope="module")
def json_schema():
    cat, problems = read_catalogue(MINI)
    assert cat is not None, [str(p) for p in problems]
    return json.loads(opendata.files(cat)["data/schema/catalog.schema.json"])


def schema_property(json_schema, model, path):
    defs = json_schema["$defs"]
    node = defs[SCHEMA_NAMES.get(model.__name__, model.__name__)]
    for i, name in enumerate(path):
        prop = node["properties"][name]
        if i == len(path) - 1:
            return prop
        ref = prop.get("$ref") or next(b["$ref"] for b in prop.get("anyOf", []) if "$ref" in b)
        node = defs[ref.rsplit("/", 1)[-1]]


def value_branch(prop: dict) -> dict:
    """The property without its `null` branch (an optional field)."""
    branches = [b for b in prop.get("anyOf", [prop]) if b.get("type") != "null"]
    assert len(branches) == 1, prop
    return branches[0]


def test_there_are_typed_columns_of_every_kind():
    kinds = {c.kind for _, c in columns()}
    assert kinds == {"bool", "int", "date", "choice", "lines"} and len(columns()) >= 40


@pytest.mark.parametrize("sheet, col", columns(), ids=lambda v: getattr(v, "title", None) or ".".join(v.path))
def test_workbook_form_and_open_data_agree_on_each_field(sheet, col, json_schema):
    form = form_field(sheet.model, col.path)
    prop = schema_property(json_schema, sheet.model, col.path)
    value = value_branch(prop)
    # the title: the workbook's header ends with the field's title (a nested one is 父（子）), as the form's label
    assert col.header.endswith(form["label"]) or col.header.endswith(f"（{form['label']}）")
    assert prop["title"] == form["label"]
    if col.kind in WIDGETS:
        assert form["widget"] == WIDGETS[col.kind]
    if col.kind == "choice":
        assert tuple(form["options"]) == col.choices == tuple(value["enum"])
    if col.kind == "int":
        assert (form.get("min"), form.get("max")) == col.bounds == (value.get("minimum"), value.get("maximum"))
        assert value["type"] == "integer"
    if col.kind == "bool":
        assert value["type"] == "boolean"
    if col.kind == "date":
        assert value.get("format") == "date"
    if col.kind == "lines":
        assert value["type"] == "array"
        if col.choices:  # several of fixed choices: the same choices everywhere
            assert tuple(form["options"]) == col.choices == tuple(value["items"]["enum"]) and form["multiple"]
        else:
            assert form["widget"] in ("list", "relation")
    # required: asked for in the form exactly when the workbook's prompt says 必填
    assert form["required"] == (col.required and not col.nullable)


def test_the_fee_column_and_the_form_offer_the_same_words_for_no_fee(json_schema):
    item = next(s for s in every_sheet() if s.title == "事项")
    (fees,) = [c for c in item.columns if c.path == ("fees",)]
    prop = schema_property(json_schema, item.model, ("fees",))
    words = [b["const"] for b in prop["anyOf"] if "const" in b]
    assert fees.choices == ("不收费",) and words == ["不收费"]
    assert form_field(item.model, ("fees",))["label"] == prop["title"] == fees.header
