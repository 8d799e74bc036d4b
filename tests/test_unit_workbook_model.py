"""In-process unit tests of the workbook's two model-derived parts: the layout from the schema
(workbook_sheets.py: sheets and columns read from the model through schema.py, so a bound or a choice of the
model reaches the workbook's validation) and the signed export record (workbook_sync.py: digests per record
and field, the scope signed with the PC's key, conflicts told by cell)."""
import dataclasses

import openpyxl
import pytest

from conftest import MINI
from generator import schema, workbook_sync
from generator.model import Item, Material, Station
from generator.validate import read_catalogue
from generator.workbook_sheets import DISTRICT_SCOPE, ROOTS, nested_header, sheets
from generator.workbook_sync import Base, Meta


@pytest.fixture(scope="module")
def cat():
    catalogue, problems = read_catalogue(MINI)
    assert catalogue is not None, [str(p) for p in problems]
    return catalogue


def every_sheet():
    out = []
    for root in sheets():
        todo = [root]
        while todo:
            sheet = todo.pop(0)
            out.append(sheet)
            todo += sheet.children
    return out


def by_title():
    return {s.title: s for s in every_sheet()}


def column(sheet, path):
    return next(c for c in sheet.columns if c.path == path)


# ------------------------------------------------------------------ layout from the schema

def test_one_root_sheet_per_record_type_keyed_by_its_code():
    roots = sheets()
    assert [(s.title, s.model) for s in roots] == [(title, model) for model, title, _ in ROOTS]
    for s in roots:
        assert s.columns[0].path == ("code",) and s.columns[0].key and s.code_header == s.columns[0].header


def test_lists_of_records_get_their_own_sheets_and_dicts_a_key_column():
    sheets_ = by_title()
    assert sheets_["申请材料"].field == ("materials",) and sheets_["申请材料"].model is Material
    assert sheets_["事项本站说明"].dict_key == "编码" and sheets_["事项本站说明"].field == ("local_notes",)
    assert sheets_["工作人员"].code_header == "村（社区）区划代码"  # linked to its station by code


def test_every_field_of_the_model_has_a_place():
    """A record's scalar fields are columns, its nested records columns in words, its lists of records
    sheets: nothing of the model is left out of the workbook."""
    for model, title, _ in ROOTS:
        sheet = by_title()[title]
        placed = {c.path[0] for c in sheet.columns} | {child.field[0] for child in sheet.children}
        assert placed == set(model.model_fields), title


def test_a_value_or_records_field_is_a_column_and_a_sheet():
    fees = by_title()["收费情况"]
    assert fees.union_scalar is not None and fees.union_scalar.kind == "choice"
    assert fees.union_scalar.choices == ("不收费",)
    assert fees.union_scalar in by_title()["事项"].columns


def test_headers_of_nested_fields_are_words_never_dotted():
    assert nested_header("六有一能", "有场所") == "六有一能（有场所）"
    assert nested_header("网上办理", "网上办理入口") == "网上办理入口"
    station = by_title()["服务站"]
    assert column(station, ("hours", "mon")).header == "办公时间（周一）"
    assert column(station, ("checklist", "place")).header == "六有一能（有场所）"
    assert column(station, ("checklist", "place")).legacy == "六有一能.有场所"  # old workbooks still import
    assert all("." not in c.header for s in every_sheet() for c in s.columns)


def test_kinds_choices_and_bounds_come_from_the_model_through_the_walker():
    item, materials = by_title()["事项"], by_title()["申请材料"]
    case = column(item, ("case_type",))
    assert (case.kind, case.choices) == ("choice", ("即办件", "承诺件"))
    assert column(item, ("conditions",)).kind == "lines"
    assert column(item, ("reviewed",)).kind == "date" and column(item, ("reviewed",)).nullable
    copies = column(materials, ("copies",))
    assert (copies.kind, copies.bounds) == ("int", schema.bounds(Material.model_fields["copies"])) == ("int", (1, 20))
    assert column(materials, ("required",)).kind == "bool"


def test_prompts_and_examples_are_the_models_descriptions():
    station = by_title()["服务站"]
    phone = column(station, ("phone",))
    assert phone.help == Station.model_fields["phone"].description
    assert phone.required and not column(station, ("complaint_box",)).nullable
    assert column(by_title()["事项"], ("fees",)).help == Item.model_fields["fees"].description
    for sheet in every_sheet():
        for c in sheet.columns:
            if c.kind != "yaml":
                assert c.help, (sheet.title, c.header)


def test_sheet_titles_fit_excel_and_are_unique():
    titles = [s.title for s in every_sheet()]
    assert len(titles) == len(set(titles)) and all(len(t) <= 31 for t in titles)


# ------------------------------------------------------------------ digests

def test_a_digest_is_the_records_meaning(cat):
    item = cat.items["JF-001"]
    assert workbook_sync.digest(item) == workbook_sync.digest(Item.model_validate(item.model_dump(mode="json")))
    assert workbook_sync.digest(item) != workbook_sync.digest(item.model_copy(update={"phone": "12345"}))
    assert len(workbook_sync.digest(item)) == 32
    # a field written at its default means the same as the field left out
    assert workbook_sync.digest(item.model_copy(update={"faq": []})) == workbook_sync.digest(item)


def test_field_digests_name_every_field_and_change_one_at_a_time(cat):
    item = cat.items["JF-001"]
    before = workbook_sync.field_digests(item)
    assert set(before) == set(Item.model_fields) and all(len(v) == 12 for v in before.values())
    after = workbook_sync.field_digests(item.model_copy(update={"phone": "12345"}))
    assert [k for k in before if before[k] != after[k]] == ["phone"]


# ------------------------------------------------------------------ the signed export record

def exported(cat, scope=DISTRICT_SCOPE):
    wb = openpyxl.Workbook()
    records = [("事项", it) for it in cat.items.values()] + [("服务站", st) for st in cat.stations.values()]
    workbook_sync.write_meta(wb, scope, records, MINI)
    return wb


def test_the_export_record_reads_back_with_its_scope_and_digests(cat):
    wb = exported(cat, "370304001")
    assert wb[workbook_sync.META].sheet_state == "veryHidden"
    meta = workbook_sync.read_meta(wb, MINI)
    assert meta.scope == "370304001" and meta.why_not == ""
    base = meta.base[("事项", "JF-001")]
    assert base.digest == workbook_sync.digest(cat.items["JF-001"])
    assert base.fields == workbook_sync.field_digests(cat.items["JF-001"])
    assert len(meta.base) == len(cat.items) + len(cat.stations)


def test_a_widened_scope_breaks_the_signature(cat):
    wb = exported(cat, "370304001")
    ws = wb[workbook_sync.META]
    row = next(r for r in ws.iter_rows() if r[0].value == "导出范围")
    row[1].value = DISTRICT_SCOPE
    meta = workbook_sync.read_meta(wb, MINI)
    assert meta.scope is None and "签名不符" in meta.why_not and meta.base == {}


def test_a_workbook_without_an_export_record(cat):
    meta = workbook_sync.read_meta(openpyxl.Workbook(), MINI)
    assert meta.scope is None and "没有导出信息" in meta.why_not


def test_the_scope_the_import_may_change():
    said = []

    def error(where, field, message):
        said.append((where, field, message))

    signed = Meta(scope="370304001")
    assert workbook_sync.resolve_scope(signed, "370304001", None, error) == "370304001"
    assert workbook_sync.resolve_scope(signed, "370304001", "370304002", error) is None
    assert said[-1][1] == "--town" and "有签名" in said[-1][2]
    assert workbook_sync.resolve_scope(signed, DISTRICT_SCOPE, None, error) is None
    assert said[-1][0].endswith("!B2") and "不能在工作簿中修改" in said[-1][2]
    unsigned = Meta(why_not="本机没有签名密钥")
    assert workbook_sync.resolve_scope(unsigned, DISTRICT_SCOPE, None, error) is None
    assert "本机没有签名密钥" in said[-1][2] and "--town" in said[-1][2]
    assert workbook_sync.resolve_scope(unsigned, DISTRICT_SCOPE, DISTRICT_SCOPE, error) == DISTRICT_SCOPE
    assert workbook_sync.resolve_scope(unsigned, "370304001", DISTRICT_SCOPE, error) is None
    assert len(said) == 4


# ------------------------------------------------------------------ conflicts by cell

def test_conflicts_say_which_side_changed(cat):
    now = cat.items["JF-001"]
    base = Base(workbook_sync.digest(now), workbook_sync.field_digests(now))

    def cell(name):
        return f"事项!{name or '*'}"

    content_changed = now.model_copy(update={"phone": "12345"})
    workbook_changed = now.model_copy(update={"phone": "0533-4100000"})
    ((where, label, message),) = workbook_sync.conflict_cells(Item, workbook_changed, content_changed, base, cell)
    assert (where, label) == ("事项!phone", "咨询电话")
    assert message == "两边都改了：工作簿中是“0533-4100000”，内容中现为“12345”"
    ((_, _, message),) = workbook_sync.conflict_cells(Item, now, content_changed, base, cell)
    assert message == "导出后内容中已改为“12345”，工作簿中仍是“95598”"
    ((_, _, message),) = workbook_sync.conflict_cells(Item, workbook_changed, now, None, cell)
    assert "无法判断哪一边是后改的" in message
    assert workbook_sync.conflict_cells(Item, now, now, base, cell) == []
    ((where, _, message),) = workbook_sync.conflict_cells(Item, now, None, base, cell)
    assert where == "事项!*" and "被删除、停用" in message


def test_record_digest_of_a_raw_workbook_record(cat):
    data = cat.items["JF-001"].model_dump(mode="json")
    assert workbook_sync.record_digest(Item, data) == workbook_sync.digest(cat.items["JF-001"])
    assert workbook_sync.record_digest(Item, {**data, "visits": "两次"}) is None
    assert workbook_sync.record_digest(Item, dataclasses.asdict(Base("x", {}))) is None
