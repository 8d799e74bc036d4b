"""guides export / import: the catalogue as an Excel workbook, round trip, hand edits and bad workbooks."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from pydantic import Field

from conftest import ROOT, guides
from generator import workbook
from generator import workbook_sheets
from generator.model import Item, Station
from generator.validate import read_catalogue

SAMPLE = ROOT / "content"


def content_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def export(content: Path, out: Path, town: str | None = None) -> Path:
    cat, problems = read_catalogue(content)
    assert cat is not None, problems
    workbook.export_workbook(cat, out, town)
    return out


def headers(ws) -> list[str]:
    return [c.value for c in ws[1]]


def cell(ws, row: int, header: str):
    return ws.cell(row=row, column=headers(ws).index(header) + 1)


def row_of(ws, code: str, column: int = 1) -> int:
    return next(r[0].row for r in ws.iter_rows(min_row=2) if r[column - 1].value == code)


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory) -> Path:
    return export(SAMPLE, tmp_path_factory.mktemp("book") / "博山.xlsx")


@pytest.fixture
def sample(tmp_path) -> Path:
    dest = tmp_path / "content"
    shutil.copytree(SAMPLE, dest)
    return dest


# ------------------------------------------------------------------ round trip


def test_full_sample_round_trip_changes_no_byte(sample_book, sample):
    before = content_bytes(sample)
    result = workbook.import_workbook(sample_book, sample)
    assert result.ok, result.problems
    assert result.written == [] and result.created == []
    cat, _ = read_catalogue(sample)
    assert result.unchanged == len(cat.items) + len(cat.stations) == len(list((sample / "items").glob("*.yaml"))) + 296
    assert content_bytes(sample) == before


def test_workbook_shape_follows_the_model(sample_book):
    wb = openpyxl.load_workbook(sample_book)
    items, stations = wb["事项"], wb["服务站"]
    # every scalar field of Item is a column headed by its Chinese title; nested records as 父.子
    assert headers(items)[0] == Item.model_fields["code"].title
    assert "可网上办理" in headers(items) and "帮办代办（可上门服务）" in headers(items)
    assert {"办公时间（周一）", "六有一能（有场所）", "可办事项（默认事项清单）"} <= set(headers(stations))
    for name in ("申请材料", "设定依据", "办理流程", "常见问题", "工作人员", "事项本站说明", "便民服务点"):
        assert headers(wb[name])[0] in (Item.model_fields["code"].title, Station.model_fields["code"].title)
    assert items.freeze_panes == "B2" and stations.freeze_panes == "B2"
    assert items.max_row == 1 + len(list((SAMPLE / "items").glob("*.yaml"))) and stations.max_row == 297
    # drop-downs: case type (Literal) and yes/no (bool)
    lists = {str(dv.sqref).split(":")[0][:-1]: dv.formula1 for dv in items.data_validations.dataValidation
             if dv.type == "list"}
    case_col = openpyxl.utils.get_column_letter(headers(items).index("办件类型") + 1)
    online_col = openpyxl.utils.get_column_letter(headers(items).index("可网上办理") + 1)
    assert lists[case_col] == '"即办件,承诺件"' and lists[online_col] == '"是,否"'
    assert items.column_dimensions["B"].width > 10  # sized to the names
    # the station × item sheet: one tick per offered item
    offers = wb["服务站可办事项"]
    cat, _ = read_catalogue(SAMPLE)
    ticks = sum(1 for row in offers.iter_rows(min_row=3, min_col=3) for c in row if c.value == "✓")
    assert ticks == sum(len(v) for v in cat.offers.values())


def test_columns_follow_a_new_model_field(monkeypatch):
    """A field added to the model (another helper adds 实施编码) becomes a column with nothing else changed."""

    class Extended(Item):
        impl_code: str | None = Field(None, title="实施编码")
        counters: list[str] = Field(default_factory=list, title="办理窗口列表")

    monkeypatch.setattr(workbook_sheets, "ROOTS", ((Extended, "事项", "items"),) + workbook_sheets.ROOTS[1:])
    sheet = workbook_sheets.sheets()[0]
    cols = {c.header: c for c in sheet.columns}
    assert cols["实施编码"].kind == "text" and cols["办理窗口列表"].kind == "lines"
    assert [c.title for c in sheet.children][:2] == ["设定依据", "申请材料"]


def test_an_edit_changes_only_its_line_and_keeps_comments(sample_book, sample, tmp_path):
    wb = openpyxl.load_workbook(sample_book)
    ws = wb["申请材料"]
    r = row_of(ws, "CJ-001")
    cell(ws, r, "份数").value = 2
    st = wb["服务站"]
    cell(st, row_of(st, "370304001001"), "服务站电话").value = "0533-4470000"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    before = content_bytes(sample)
    result = workbook.import_workbook(edited, sample)
    assert result.ok, result.problems
    after = content_bytes(sample)
    changed = sorted(k for k in before if before[k] != after[k])
    assert changed == ["items/CJ-001.yaml", "stations/370304001/370304001001.yaml"]
    for name, old, new in (("items/CJ-001.yaml", "copies: 1", "copies: 2"),
                           ("stations/370304001/370304001001.yaml", "phone: 0533-4474627", "phone: 0533-4470000")):
        a, b = before[name].decode().splitlines(), after[name].decode().splitlines()
        diff = [(x, y) for x, y in zip(a, b) if x != y]
        assert len(a) == len(b) and len(diff) == 1 and old in diff[0][0] and new in diff[0][1], diff
        assert b[0].startswith("# ")  # the file's comment survives
    # safe to repeat: the same workbook again changes nothing
    assert workbook.import_workbook(edited, sample).written == []
    assert content_bytes(sample) == after


def test_new_rows_add_records_and_list_elements(mini, tmp_path):
    book = export(mini, tmp_path / "mini.xlsx")
    wb = openpyxl.load_workbook(book)
    faq = wb["常见问题"]
    faq.append(["JF-001", "可以代缴吗？", "可以，请带上户号。"])
    items = wb["事项"]
    cell(items, 2, "俗称（搜索用）").value = "交电费\n电费"
    wb.save(book)
    result = workbook.import_workbook(book, mini)
    assert result.ok, result.problems
    cat, problems = read_catalogue(mini)
    assert cat is not None, problems
    assert cat.items["JF-001"].faq[-1].q == "可以代缴吗？"
    assert list(cat.items[items.cell(2, 1).value].aliases) == ["交电费", "电费"]


# ----------------------------------------------------------------- broken workbooks

CELL_ERROR = re.compile(r"^.+\.xlsx:(?P<sheet>[^!]+)!(?P<cell>[A-Z]*\d+(:[A-Z]*\d+)?): (?P<field>[^:]+): (?P<msg>.+)$")


def run_import(book: Path, content: Path) -> tuple[int, list[re.Match], str]:
    before = content_bytes(content)
    r = guides("import", book, "--content", content)
    assert "Traceback" not in r.stderr
    assert content_bytes(content) == before  # nothing written on any error
    lines = r.stderr.strip().splitlines()
    return r.returncode, [CELL_ERROR.match(line) for line in lines[:-1]], r.stderr


def test_hand_broken_workbook_names_each_cell(mini, tmp_path):
    book = export(mini, tmp_path / "mini.xlsx")
    wb = openpyxl.load_workbook(book)
    mat = wb["申请材料"]
    copies = cell(mat, 2, "份数")
    copies.value = "三"  # wrong type in a cell
    st = wb["服务站"]
    add = cell(st, 2, "可办事项（增加事项）")
    add.value = "XX-999"  # unknown item code
    items = wb["事项"]
    items.append([c.value for c in items[2]])  # duplicate code
    dup_row = items.max_row
    online = cell(items, 3, "可网上办理")
    online.value = "也许"  # not 是/否
    wb.save(book)
    code, errors, stderr = run_import(book, mini)
    assert code == 1 and all(errors), stderr
    found = {(m["sheet"], m["cell"], m["field"]) for m in errors}
    assert ("申请材料", copies.coordinate, "申请材料[1].份数") in found, stderr
    assert ("服务站", add.coordinate, "可办事项.增加事项[1]") in found, stderr
    assert ("事项", f"A{dup_row}", "事项编码") in found, stderr
    assert ("事项", online.coordinate, "可网上办理") in found, stderr
    assert "应为整数" in stderr and "XX-999" in stderr and "重复" in stderr and "应为“是”或“否”" in stderr
    assert "内容文件未做任何改动" in stderr


def test_missing_header_and_unknown_sheet(mini, tmp_path):
    book = export(mini, tmp_path / "mini.xlsx")
    wb = openpyxl.load_workbook(book)
    items = wb["事项"]
    col = headers(items).index("行使层级") + 1
    items.delete_cols(col)
    wb.create_sheet("草稿")
    wb.save(book)
    code, errors, stderr = run_import(book, mini)
    assert code == 1 and all(errors), stderr
    assert any(m["sheet"] == "事项" and m["cell"] == "1:1" and m["field"] == "行使层级" for m in errors), stderr
    assert "未知的工作表" in stderr


def test_merged_cells_and_formula(mini, tmp_path):
    book = export(mini, tmp_path / "mini.xlsx")
    wb = openpyxl.load_workbook(book)
    st = wb["工作人员"]
    st.merge_cells("C2:C3")
    items = wb["事项"]
    visits = cell(items, 2, "到办事现场次数")
    visits.value = "=1+1"
    wb.save(book)
    code, errors, stderr = run_import(book, mini)
    assert code == 1, stderr
    assert "工作人员!C2:C3" in stderr and "合并" in stderr
    assert f"事项!{visits.coordinate}: 到办事现场次数: 单元格是公式" in stderr


def test_wrong_files(mini, tmp_path, sample_book):
    csv = tmp_path / "catalog.xlsx"
    csv.write_text("事项编码,事项名称\nJF-001,电费\n", encoding="utf-8")
    code, _, stderr = run_import(csv, mini)
    assert code == 1 and "不是 Excel 工作簿" in stderr and "CSV" in stderr

    from msoffcrypto.format.ooxml import OOXMLFile  # a real ECMA-376 encrypted workbook (as Excel writes one)

    locked = tmp_path / "locked.xlsx"
    with open(sample_book, "rb") as f, open(locked, "wb") as o:
        OOXMLFile(f).encrypt("secret", o)
    code, _, stderr = run_import(locked, mini)
    assert code == 1 and "密码" in stderr

    missing = tmp_path / "nowhere.xlsx"
    code, _, stderr = run_import(missing, mini)
    assert code == 1 and "文件不存在" in stderr


def test_hundred_thousand_rows(mini, tmp_path):
    book = export(mini, tmp_path / "mini.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["工作人员"]
    for i in range(100_000):
        ws.append(["370304001200", f"人员{i}", "受理员", "综合窗口"])
    wb.save(book)
    code, _, stderr = run_import(book, mini)
    assert code == 1 and "工作人员" in stderr and "超过上限" in stderr, stderr


# ---------------------------------------------------------------------- one town


def test_town_workbook_changes_nothing_outside_its_town(mini, tmp_path):
    town = "370304001"
    book = tmp_path / "town.xlsx"
    r = guides("export", book, "--town", town, "--content", mini)
    assert r.returncode == 0, r.stderr
    wb = openpyxl.load_workbook(book)
    assert "事项" not in wb.sheetnames
    st = wb["服务站"]
    assert [c.value for c in st["A"][1:]] == ["370304001200"]
    # an edit inside the town is imported
    cell(st, 2, "投诉箱位置").value = "一楼大厅"
    wb.save(book)
    before = content_bytes(mini)
    r = guides("import", book, "--content", mini)
    assert r.returncode == 0, r.stderr
    after = content_bytes(mini)
    assert sorted(k for k in after if after[k] != before[k]) == ["stations/370304001/370304001200.yaml"]
    # a station of another town put into the town's workbook: refused, nothing written
    other = openpyxl.load_workbook(export(mini, tmp_path / "all.xlsx"))["服务站"]
    wb = openpyxl.load_workbook(book)
    wb["服务站"].append([c.value for c in other[3]])
    assert other.cell(3, 1).value.startswith("370304002")
    wb.save(book)
    code, errors, stderr = run_import(book, mini)
    assert code == 1 and "不属于本工作簿的镇（街道）370304001" in stderr, stderr
    assert content_bytes(mini) == after


def test_cli_aliases_and_messages(mini, tmp_path):
    book = tmp_path / "a.xlsx"
    r = guides("export-xlsx", book, "--content", mini)
    assert r.returncode == 0 and "已导出（全区）" in r.stdout, r.stderr
    r = guides("import-xlsx", book, "--content", mini)
    assert r.returncode == 0 and "更新 0 个文件" in r.stdout, r.stderr
    r = guides("export", tmp_path / "a.csv", "--content", mini)
    assert r.returncode == 1 and ".xlsx" in r.stderr
    r = guides("export", book, "--town", "999999999", "--content", mini)
    assert r.returncode == 1 and "不是本区县的镇（街道）代码" in r.stderr


# ------------------------------------------------------------------ LibreOffice


def soffice(src: Path, fmt: str, outdir: Path, profile: Path) -> Path:
    outdir.mkdir(exist_ok=True)
    r = subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", fmt, "--outdir", str(outdir), str(src)],
                       capture_output=True, text=True, timeout=300)
    out = outdir / (src.stem + "." + fmt.split(":")[0])
    assert r.returncode == 0 and out.exists(), r.stderr + r.stdout
    return out


def test_libreoffice_saved_workbook_imports_unchanged(sample_book, sample, tmp_path):
    """Opened and saved by LibreOffice Calc with no edit: the import changes nothing."""
    profile = tmp_path / "lo-profile"
    saved = soffice(sample_book, "xlsx", tmp_path / "lo", profile)
    assert saved.read_bytes() != sample_book.read_bytes()  # LibreOffice really rewrote it
    before = content_bytes(sample)
    result = workbook.import_workbook(saved, sample)
    assert result.ok, [str(p) for p in result.problems][:10]
    assert result.written == [] and result.created == []
    assert content_bytes(sample) == before
    # the same file saved as Excel 97-2003 and renamed .xlsx: a clear word, not a traceback
    xls = soffice(sample_book, "xls", tmp_path / "lo-xls", profile)
    renamed = tmp_path / "old.xlsx"
    shutil.copy(xls, renamed)
    code, _, stderr = run_import(renamed, sample)
    assert code == 1 and "97-2003" in stderr and ".xls" in stderr


def test_a_new_row_makes_a_new_record_file(mini, tmp_path):
    book = export(mini, tmp_path / "mini.xlsx")
    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        if not ws.max_row or headers(ws)[0] != Item.model_fields["code"].title:
            continue
        for row in [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "LN-001"]:
            ws.append(["LN-009", *row[1:]])
    items = wb["事项"]
    cell(items, items.max_row, "事项名称").value = "新增事项"
    wb.save(book)
    result = workbook.import_workbook(book, mini)
    assert result.ok, result.problems
    assert [Path(p).name for p in result.created] == ["LN-009.yaml"] and result.written == []
    text = (mini / "items/LN-009.yaml").read_text(encoding="utf-8")
    assert text.startswith("code: LN-009\nname: 新增事项\n")
    assert "exploratory:" not in text and "copies: 1" not in text  # defaults left out, as people write them
    cat, problems = read_catalogue(mini)
    assert cat is not None and cat.items["LN-009"].materials == cat.items["LN-001"].materials, problems
