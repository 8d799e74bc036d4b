"""Issue 19, points 6 and 7: a town workbook cannot widen its own scope (the scope is signed with a key
kept on the PC, or stated by the person importing), a station's 区划名称 is its code's official name,
and a stale workbook never reverts newer edits (conflicts named by cell, nothing written unless the
administrator chooses). Through the real `guides export` / `guides import`, with workbooks edited by
openpyxl and saved by LibreOffice."""
from __future__ import annotations

import os
import re
from pathlib import Path

import openpyxl
import pytest

from conftest import guides
from generator.workbook_sync import META
from test_workbook import cell, content_bytes, row_of, soffice

TOWN, OTHER = "370304001", "370304002"
VILLAGE, COMMUNITY = "370304001200", "370304002001"
VILLAGE_FILE = f"stations/{TOWN}/{VILLAGE}.yaml"
COMMUNITY_FILE = f"stations/{OTHER}/{COMMUNITY}.yaml"


def export(mini: Path, book: Path, *town: str) -> Path:
    r = guides("export", book, *(("--town", *town) if town else ()), "--content", mini)
    assert r.returncode == 0, r.stderr
    return book


def put(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def imported(book: Path, mini: Path, *args: str, ok: bool = True):
    before = content_bytes(mini)
    r = guides("import", book, "--content", mini, *args)
    assert "Traceback" not in r.stderr
    assert (r.returncode == 0) is ok, r.stdout + r.stderr
    if not ok:
        assert content_bytes(mini) == before  # nothing written
    return r


# ------------------------------------------------------------------ 6. signed scope


def forge_other_town(book: Path, full: Path) -> None:
    """The attack of the issue: the town's workbook gets another town's station, with another
    village's name, address and phone."""
    other = openpyxl.load_workbook(full)["服务站"]
    row = [c.value for c in other[row_of(other, COMMUNITY)]]
    wb = openpyxl.load_workbook(book)
    st = wb["服务站"]
    st.append(row)
    r = st.max_row
    cell(st, r, "地址").value = "伪造的地址"
    cell(st, r, "服务站电话").value = "0533-4999999"
    wb.save(book)


def test_editing_the_shown_scope_cannot_widen_a_town_workbook(mini, tmp_path):
    book = export(mini, tmp_path / "town.xlsx", TOWN)
    full = export(mini, tmp_path / "all.xlsx")
    forge_other_town(book, full)
    wb = openpyxl.load_workbook(book)
    assert wb["说明"]["A2"].value == "导出范围"
    wb["说明"]["B2"].value = "全区"  # the one-cell edit of the issue
    wb.save(book)
    r = imported(book, mini, ok=False)
    assert re.search(r"town\.xlsx:说明!B2: 导出范围: 导出范围被改成了“全区”，导出时是“370304001”", r.stderr), r.stderr


def test_editing_the_hidden_export_record_breaks_its_signature(mini, tmp_path):
    book = export(mini, tmp_path / "town.xlsx", TOWN)
    forge_other_town(book, export(mini, tmp_path / "all.xlsx"))
    wb = openpyxl.load_workbook(book)
    assert wb[META].sheet_state == "veryHidden"
    wb["说明"]["B2"].value = "全区"
    wb[META]["B2"].value = "全区"  # the forger found the hidden sheet too
    wb.save(book)
    r = imported(book, mini, ok=False)
    assert "无法确认本工作簿的导出范围：工作簿的导出信息签名不符" in r.stderr and "--town" in r.stderr, r.stderr
    # the person importing states the scope: the other town's station is refused
    r = imported(book, mini, "--town", TOWN, ok=False)
    assert "工作簿写的导出范围是“全区”，与 --town 370304001 不符" in r.stderr, r.stderr
    wb = openpyxl.load_workbook(book)
    wb["说明"]["B2"].value = TOWN
    wb.save(book)
    r = imported(book, mini, "--town", TOWN, ok=False)
    assert f"服务站 {COMMUNITY} 不属于本工作簿的镇（街道）{TOWN}" in r.stderr, r.stderr


def test_a_workbook_from_another_pc_needs_a_stated_scope(mini, tmp_path):
    book = export(mini, tmp_path / "town.xlsx", TOWN)
    wb = openpyxl.load_workbook(book)
    cell(wb["服务站"], 2, "投诉箱位置").value = "一楼大厅"
    wb.save(book)
    key = Path(os.environ["GUIDES_WORKBOOK_KEY"])
    saved = key.read_bytes()
    key.write_bytes(b"0" * 64)  # this PC's key is another one
    try:
        r = imported(book, mini, ok=False)
        assert "签名不符" in r.stderr and "--town" in r.stderr
        r = imported(book, mini, "--town", OTHER, ok=False)  # stated, but not what the workbook says
        assert "与 --town 370304002 不符" in r.stderr
        r = imported(book, mini, "--town", TOWN, ok=False)  # without a trusted export record: a conflict
        assert "没有可信的导出记录" in r.stderr and "投诉箱位置" in r.stderr
        r = imported(book, mini, "--town", TOWN, "--prefer", "workbook")
        assert "更新 1 个文件" in r.stdout
    finally:
        key.write_bytes(saved)


def test_the_signing_key_must_be_outside_content(mini, tmp_path, monkeypatch):
    monkeypatch.setenv("GUIDES_WORKBOOK_KEY", str(mini / "workbook.key"))
    r = guides("export", tmp_path / "a.xlsx", "--content", mini)
    assert r.returncode == 1 and "在内容目录之中" in r.stderr and not (tmp_path / "a.xlsx").exists(), r.stderr


def test_libreoffice_saved_town_workbook_keeps_its_signature(mini, tmp_path):
    book = export(mini, tmp_path / "town.xlsx", TOWN)
    wb = openpyxl.load_workbook(book)
    cell(wb["服务站"], 2, "投诉箱位置").value = "一楼大厅"
    wb.save(book)
    saved = soffice(book, "xlsx", tmp_path / "lo", tmp_path / "profile")
    assert openpyxl.load_workbook(saved)[META].sheet_state in ("veryHidden", "hidden")
    r = imported(saved, mini)
    assert "更新 1 个文件" in r.stdout
    assert "complaint_box: 一楼大厅" in (mini / VILLAGE_FILE).read_text(encoding="utf-8")


# ------------------------------------------------------- 6. the official division list


def test_division_name_must_be_the_official_one(mini, tmp_path):
    # 石马村委会 is a real village (370304102201), not this code's: the naming rule alone accepts it
    put(mini / VILLAGE_FILE, "division: 安上村委会", "division: 石马村委会")
    put(mini / VILLAGE_FILE, "name: 安上村便民服务站", "name: 石马村便民服务站")
    r = guides("check", "--content", mini)
    assert r.returncode == 1
    assert any(l.startswith(f"{mini / VILLAGE_FILE}:2: 区划名称") and
               l.endswith(f": 区划名称应为“安上村委会”（官方区划代码表中 {VILLAGE} 的名称），而不是“石马村委会”")
               for l in r.stderr.splitlines()), r.stderr


def test_workbook_division_must_be_the_official_one(mini, tmp_path):
    book = export(mini, tmp_path / "all.xlsx")
    wb = openpyxl.load_workbook(book)
    st = wb["服务站"]
    r = row_of(st, VILLAGE)
    division = cell(st, r, "区划名称")
    division.value = "石马村委会"
    cell(st, r, "服务站名称").value = "石马村便民服务站"
    wb.save(book)
    r = imported(book, mini, ok=False)
    assert f"all.xlsx:服务站!{division.coordinate}: 区划名称: 区划名称应为“安上村委会”" in r.stderr, r.stderr


def test_a_code_missing_from_the_official_list(mini):
    path = mini / f"stations/{TOWN}/370304001299.yaml"
    path.write_text((mini / VILLAGE_FILE).read_text(encoding="utf-8").replace(VILLAGE, "370304001299"),
                    encoding="utf-8")
    r = guides("check", "--content", mini)
    assert r.returncode == 1 and "区划代码 370304001299 不在官方区划代码表" in r.stderr, r.stderr


# --------------------------------------------------------------- 7. no lost updates


def test_a_stale_workbook_does_not_revert_newer_edits(mini, tmp_path):
    book = export(mini, tmp_path / "all.xlsx")
    # after the export, the phone is changed elsewhere (the web editor writes the YAML file)
    put(mini / VILLAGE_FILE, "phone: 0533-4100001", "phone: 0533-4109999")
    # the old workbook, with an edit of another station, comes back
    wb = openpyxl.load_workbook(book)
    st = wb["服务站"]
    cell(st, row_of(st, COMMUNITY), "投诉箱位置").value = "二楼走廊"
    wb.save(book)
    r = imported(book, mini)
    assert "更新 1 个文件" in r.stdout
    assert "phone: 0533-4109999" in (mini / VILLAGE_FILE).read_text(encoding="utf-8")  # the newer edit stands
    assert "complaint_box: 二楼走廊" in (mini / COMMUNITY_FILE).read_text(encoding="utf-8")
    # again: nothing to do
    r = imported(book, mini)
    assert "更新 0 个文件" in r.stdout
    assert "phone: 0533-4109999" in (mini / VILLAGE_FILE).read_text(encoding="utf-8")


def test_a_record_changed_on_both_sides_is_a_conflict(mini, tmp_path):
    book = export(mini, tmp_path / "all.xlsx")
    put(mini / VILLAGE_FILE, "phone: 0533-4100001", "phone: 0533-4109999")  # newer edit in content
    wb = openpyxl.load_workbook(book)
    st = wb["服务站"]
    r = row_of(st, VILLAGE)
    phone = cell(st, r, "服务站电话")
    phone.value = "0533-4108888"  # the workbook changed the same field
    box = cell(st, r, "投诉箱位置")
    box.value = "一楼大厅"  # and another field of the same record
    cell(st, row_of(st, COMMUNITY), "投诉箱位置").value = "二楼走廊"  # and another record
    wb.save(book)
    r = imported(book, mini, ok=False)
    lines = r.stderr.strip().splitlines()
    assert (f"all.xlsx:服务站!{phone.coordinate}: 服务站电话: 冲突：两边都改了：工作簿中是“0533-4108888”，"
            "内容中现为“0533-4109999”") in r.stderr, r.stderr
    assert (f"all.xlsx:服务站!{box.coordinate}: 投诉箱位置: 冲突：工作簿中改为“一楼大厅”，内容中是“大厅入口右侧”"
            in r.stderr), r.stderr
    assert len(lines) == 3 and "1 个记录在导出后内容中也被改过（冲突）；内容文件未做任何改动" in lines[-1]
    assert "--prefer workbook" in lines[-1] and "--prefer content" in lines[-1]
    # the administrator keeps the content's version of the conflicting record; the rest is imported
    r = imported(book, mini, "--prefer", "content")
    assert "更新 1 个文件" in r.stdout and "1 个冲突的记录保留了内容中的现值" in r.stdout
    village = (mini / VILLAGE_FILE).read_text(encoding="utf-8")
    assert "phone: 0533-4109999" in village and "complaint_box: 大厅入口右侧" in village
    assert "complaint_box: 二楼走廊" in (mini / COMMUNITY_FILE).read_text(encoding="utf-8")
    # or the workbook's
    r = imported(book, mini, "--prefer", "workbook")
    assert "更新 1 个文件" in r.stdout and "1 个冲突的记录以工作簿为准" in r.stdout
    village = (mini / VILLAGE_FILE).read_text(encoding="utf-8")
    assert "phone: 0533-4108888" in village and "complaint_box: 一楼大厅" in village


def test_a_record_deleted_since_the_export_is_a_conflict(mini, tmp_path):
    book = export(mini, tmp_path / "all.xlsx")
    (mini / "items/JF-001.yaml").unlink()
    for path in (mini / "district.yaml", mini / VILLAGE_FILE):
        text = path.read_text(encoding="utf-8").replace(", JF-001]", "]").replace("[JF-001]", "[LN-001]")
        path.write_text(text, encoding="utf-8")
    wb = openpyxl.load_workbook(book)
    items = wb["事项"]
    name = cell(items, row_of(items, "JF-001"), "事项名称")
    name.value = "电费缴纳（改）"
    wb.save(book)
    r = imported(book, mini, ok=False)
    assert f"all.xlsx:事项!A{name.row}: 冲突：导出后内容中的这个记录被删除" in r.stderr, r.stderr


def test_libreoffice_saved_stale_workbook(mini, tmp_path):
    """LibreOffice keeps the hidden export record: its stale workbook keeps newer edits too."""
    book = export(mini, tmp_path / "all.xlsx")
    saved = soffice(book, "xlsx", tmp_path / "lo", tmp_path / "profile")
    put(mini / VILLAGE_FILE, "phone: 0533-4100001", "phone: 0533-4109999")
    r = imported(saved, mini)
    assert "更新 0 个文件" in r.stdout
    assert "phone: 0533-4109999" in (mini / VILLAGE_FILE).read_text(encoding="utf-8")


def test_import_help_is_chinese():
    r = guides("import", "--help")
    assert r.returncode == 0
    assert "--prefer {workbook,content}" in r.stdout and "以工作簿为准覆盖" in r.stdout and "保留内容中的现值" in r.stdout
    assert "--town 镇街代码" in r.stdout and "说明本工作簿可以修改的范围" in r.stdout


def test_a_field_added_to_the_model_changes_no_digest():
    """A workbook exported before the model gained a field (with its default) still matches its records."""
    from pydantic import Field

    from conftest import MINI
    from generator.model import Station
    from generator.validate import read_catalogue
    from generator.workbook_sync import digest, field_digests

    class Newer(Station):
        note: str | None = Field(None, title="备注")

    cat, _ = read_catalogue(MINI)
    st = cat.stations[VILLAGE]
    newer = Newer(**dict(st))
    assert digest(st) == digest(newer)
    assert {k: v for k, v in field_digests(newer).items() if k != "note"} == field_digests(st)
