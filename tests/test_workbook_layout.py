"""Issue 22.8: workbooks for people — rows tall enough for multi-line cells, an input prompt on
every column from the model, print setup (landscape, fit to width, header row on every page),
headers in words for nested fields, a 说明 sheet without command lines; printed through
LibreOffice (soffice --convert-to pdf) and read back with poppler."""
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT, guides
from generator import workbook, workbook_layout
from generator import workbook_sheets
from generator.validate import read_catalogue
from test_workbook import cell, export, headers, soffice

SAMPLE = ROOT / "content"


@pytest.fixture(scope="module")
def district_book(tmp_path_factory) -> Path:
    return export(SAMPLE, tmp_path_factory.mktemp("layout") / "全区.xlsx")


def test_headers_are_words_and_old_dotted_workbooks_still_import(mini, tmp_path):
    book = export(mini, tmp_path / "mini.xlsx")
    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        assert not [h for h in headers(ws) if isinstance(h, str) and "." in h], ws.title
    st = wb["服务站"]
    assert {"六有一能（有场所）", "办公时间（周一）", "可办事项（增加事项）"} <= set(headers(st))
    assert {"可网上办理", "网上办理入口", "帮办代办（可上门服务）"} <= set(headers(wb["事项"]))
    # a workbook exported before (父.子 headers) imports the same
    for ws in wb.worksheets:
        for c in ws[1]:
            col = next((col for s in workbook_sheets.sheets() for sh in workbook_sheets._all(s) if sh.title == ws.title
                        for col in sh.columns if col.header == c.value and col.legacy), None)
            if col is not None:
                c.value = col.legacy
    assert "六有一能.有场所" in headers(st)
    wb.save(book)
    r = guides("import", book, "--content", mini)
    assert r.returncode == 0 and "更新 0 个文件" in r.stdout, r.stderr


def test_every_column_prompts_how_to_fill_it_from_the_model(mini, tmp_path):
    book = export(mini, tmp_path / "mini.xlsx")
    wb = openpyxl.load_workbook(book)
    for title in ("事项", "服务站", "申请材料", "核对来源"):
        ws = wb[title]
        prompted = {}
        for dv in ws.data_validations.dataValidation:
            assert dv.showInputMessage and dv.prompt and len(dv.prompt) <= 255 and len(dv.promptTitle) <= 32
            for rng in dv.sqref.ranges:
                prompted[rng.min_col] = dv
        assert set(prompted) >= set(range(2 if title != "事项" else 1, ws.max_column + 1)), title
    sources = wb["核对来源"]
    col = headers(sources).index("依据名称") + 1
    dv = next(dv for dv in sources.data_validations.dataValidation if any(r.min_col == col for r in dv.sqref.ranges))
    assert dv.promptTitle == "依据名称" and "法律法规、规范性文件或官方网页的名称" in dv.prompt  # the model's description
    items = wb["事项"]
    col = headers(items).index("可网上办理") + 1
    dv = next(dv for dv in items.data_validations.dataValidation if any(r.min_col == col for r in dv.sqref.ranges))
    assert dv.type == "list" and "是" in dv.prompt and "否" in dv.prompt  # the drop-down keeps its list


def test_rows_fit_their_multi_line_cells_and_pages_are_set_up(district_book):
    wb = openpyxl.load_workbook(district_book)
    items = wb["事项"]
    widths = [items.column_dimensions[openpyxl.utils.get_column_letter(i)].width for i in range(1, items.max_column + 1)]
    checked = 0
    for row in items.iter_rows(min_row=2):
        need = max(workbook_layout.lines_in(c.value, widths[c.column - 1]) for c in row)
        if need > 1:
            height = items.row_dimensions[row[0].row].height
            assert height and height >= min(409, need * 15), (row[0].value, need, height)
            checked += 1
    assert checked > 10
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or ws.title == workbook_sheets.OFFERS:
            continue
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0, ws.title
        widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width or 8
                  for i in range(1, ws.max_column + 1)]
        # fit to the page width; a sheet too wide to stay readable so: a few pages wide, its code repeated
        assert ws.page_setup.fitToWidth == workbook_layout.pages_wide(widths), ws.title
        if ws.page_setup.fitToWidth > 1:
            assert ws.print_title_cols.startswith("$A:"), ws.title
        if ws.title != workbook_sheets.ABOUT:
            assert ws.print_title_rows == "$1:$1", ws.title
    about = " ".join(str(c.value or "") for row in wb[workbook_sheets.ABOUT].iter_rows() for c in row)
    assert "guides" not in about and "import" not in about and "交回区里导入" in about


def test_printed_through_libreoffice_landscape_with_the_header_on_every_page(district_book, tmp_path):
    """The district workbook printed as LibreOffice prints it (before: 315 portrait pages)."""
    if not shutil.which("soffice"):
        pytest.fail("LibreOffice missing: run `make test`, which installs libreoffice-calc-nogui")
    pdf = soffice(district_book, "pdf", tmp_path / "pdf", tmp_path / "profile")
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert w > h, "landscape"
    assert pages < 315
    text = [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), pdf, "-"], capture_output=True,
                           text=True).stdout for n in range(1, pages + 1)]
    def sheet_pages(title):
        return [t for t in text if re.search(rf"博山区 {title}\s", t)]

    station_pages = sheet_pages("服务站")
    assert len(station_pages) > 1, "the station sheet spans pages"
    # the header row on every page, and the code column on every page across
    assert all("区划代码" in t for t in station_pages)
    assert all(re.search(r"3703\d{8}", t) for t in station_pages)
    assert all("事项编码" in t for t in sheet_pages("事项")) and len(sheet_pages("事项")) > 1
    assert all(re.search(r"第 \d+ 页，共 \d+ 页", t) for t in text)
