"""Issue 19, point 5: workbook limits hold whatever the file declares; error output is capped;
the zip, XML and openpyxl layers' failures are said in Chinese. Through the real `guides import`."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import guides
from generator.workbook import MAX_SHOWN
from generator.workbook_read import MAX_ROWS, MAX_UNZIPPED
from test_workbook import content_bytes, soffice

# the only Latin words a message may hold: no library text (English) reaches the administrator
NAMES = {"xlsx", "XML", "Excel", "WPS", "LibreOffice", "MB", "Content", "Types", "xml", "guides", "export"}


def export(mini: Path, book: Path) -> Path:
    r = guides("export", book, "--content", mini)
    assert r.returncode == 0, r.stderr
    return book


def sheet_parts(book: Path) -> dict[str, str]:
    """Sheet title -> its part in the zip, read from workbook.xml and its relationships."""
    with zipfile.ZipFile(book) as z:
        wbxml = z.read("xl/workbook.xml").decode("utf-8")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = {}
    for rel in re.findall(r"<Relationship\b[^>]*>", rels):
        rid = re.search(r'\bId="([^"]+)"', rel).group(1)
        target = re.search(r'\bTarget="([^"]+)"', rel).group(1)
        targets[rid] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    out = {}
    for sheet in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", wbxml):
        name = re.search(r'\bname="([^"]+)"', sheet).group(1)
        rid = re.search(r'\br:id="([^"]+)"', sheet).group(1)
        out[name] = targets[rid]
    return out


def rewrite(book: Path, out: Path, replace: dict[str, bytes | None]) -> Path:
    """A copy of the zip with some parts replaced (None: left out)."""
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    dst.writestr(info.filename, replace[info.filename])
            else:
                dst.writestr(info, src.read(info))
    return out


def with_rows(book: Path, out: Path, sheet: str, rows: int, dimension: str = "A1:D2",
              code: str = "370304001200") -> Path:
    """The workbook with `rows` more rows in `sheet`, written straight into its XML, and a false
    <dimension> saying the sheet ends at `dimension`."""
    part = sheet_parts(book)[sheet]
    with zipfile.ZipFile(book) as z:
        xml = z.read(part).decode("utf-8")
    xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>', xml)
    head, rest = xml.split("</sheetData>", 1)
    start = 2 + len(re.findall(r"<row\b", head)) - 1

    def row(r: int) -> str:
        cells = (code, f"人员{r}", "受理员", "综合窗口")
        return f'<row r="{r}">' + "".join(
            f'<c r="{c}{r}" t="inlineStr"><is><t>{v}</t></is></c>' for c, v in zip("ABCD", cells)) + "</row>"

    body = "".join(row(r) for r in range(start, start + rows))
    return rewrite(book, out, {part: (head + body + "</sheetData>" + rest).encode("utf-8")})


def run_import(book: Path, content: Path):
    before = content_bytes(content)
    r = guides("import", book, "--content", content)
    assert "Traceback" not in r.stderr
    assert content_bytes(content) == before  # nothing written
    return r


# ------------------------------------------------------------------ row limits


@pytest.mark.parametrize("rows", [60_000, 200_000])
def test_false_dimension_does_not_fool_the_row_limit(mini, tmp_path, rows):
    book = with_rows(export(mini, tmp_path / "mini.xlsx"), tmp_path / f"{rows}.xlsx", "工作人员", rows)
    ws = openpyxl.load_workbook(book, read_only=True)["工作人员"]
    assert ws.max_row == 2  # what the file declares
    r = run_import(book, mini)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2, r.stderr[:2000]  # one error, then the summary: not one line per row
    assert re.search(rf"\.xlsx:工作人员!A{MAX_ROWS + 1}: 工作表超过上限 50,000 行（读到第 {MAX_ROWS + 1:,} 行即停止读取）",
                     lines[0]), lines[0]
    assert "内容文件未做任何改动" in lines[1]


def test_libreoffice_saved_sheet_over_the_limit(mini, tmp_path):
    big = with_rows(export(mini, tmp_path / "mini.xlsx"), tmp_path / "big.xlsx", "工作人员", MAX_ROWS + 10,
                    dimension=f"A1:D{MAX_ROWS + 12}")
    saved = soffice(big, "xlsx", tmp_path / "lo", tmp_path / "profile")
    assert openpyxl.load_workbook(saved, read_only=True)["工作人员"].max_row > MAX_ROWS + 10  # LibreOffice wrote them
    r = run_import(saved, mini)
    assert r.returncode == 1 and "工作人员" in r.stderr and "工作表超过上限 50,000 行" in r.stderr, r.stderr[:2000]
    assert len(r.stderr.strip().splitlines()) == 2


def test_error_output_is_capped(mini, tmp_path):
    """300 rows that each are wrong (a station not in the workbook): the first 100, then a count."""
    book = with_rows(export(mini, tmp_path / "mini.xlsx"), tmp_path / "bad.xlsx", "工作人员", 300,
                     dimension="A1:D303", code="370304009999")
    r = run_import(book, mini)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == MAX_SHOWN + 2, r.stderr[-2000:]
    assert all("工作人员!A" in l and "不在“服务站”表中" in l for l in lines[:MAX_SHOWN])
    assert lines[MAX_SHOWN] == "……另有 200 处错误未列出（先改正以上各处，再导入一次即可看到）"
    assert lines[-1] == "导入未完成：300 个错误；内容文件未做任何改动"


# ---------------------------------------------------------- damaged files, in Chinese


def damaged(kind: str, book: Path, out: Path) -> Path:
    parts = sheet_parts(book)
    staff = parts["工作人员"]
    with zipfile.ZipFile(book) as z:
        xml = z.read(staff)
    if kind == "malformed XML":
        return rewrite(book, out, {staff: xml[: len(xml) // 2]})
    if kind == "missing part":
        return rewrite(book, out, {"[Content_Types].xml": None})
    if kind == "missing sheet":
        return rewrite(book, out, {staff: None})
    if kind == "malformed workbook.xml":
        with zipfile.ZipFile(book) as z:
            return rewrite(book, out, {"xl/workbook.xml": z.read("xl/workbook.xml")[:100]})
    if kind == "bad value":
        return rewrite(book, out, {staff: re.sub(rb'<c r="A2"', b'<c r="A2x"', xml, count=1)})
    if kind == "bad styles":
        with zipfile.ZipFile(book) as z:
            styles = z.read("xl/styles.xml")
        return rewrite(book, out, {"xl/styles.xml": re.sub(rb'numFmtId="\d+"', b'numFmtId="abc"', styles, count=1)})
    if kind == "corrupt data":
        raw = bytearray(book.read_bytes())
        with zipfile.ZipFile(book) as z:
            info = z.getinfo(staff)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        for i in range(start + 20, start + 60):
            raw[i] ^= 0xFF
        out.write_bytes(bytes(raw))
        return out
    if kind == "zip bomb":
        with zipfile.ZipFile(book) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                dst.writestr(info, src.read(info))
            with dst.open("xl/media/bomb.bin", "w") as f:
                chunk = b"\0" * (1024 * 1024)
                for _ in range(MAX_UNZIPPED // len(chunk) + 1):
                    f.write(chunk)
        return out
    raise AssertionError(kind)


CASES = {
    "malformed XML": "工作簿内部的 XML 格式错误",
    "malformed workbook.xml": "工作簿内部的 XML 格式错误（内部 XML 第 1 行）",
    "missing part": "工作簿不完整，缺少组成部分（[Content_Types].xml）",
    "missing sheet": "缺少工作表“工作人员”",
    "bad value": "工作簿中有 Excel 格式不允许的内容",
    "bad styles": "工作簿中有 Excel 格式不允许的内容",
    "corrupt data": "文件已损坏",
    "zip bomb": "工作簿解压后过大",
}


@pytest.mark.parametrize("kind", list(CASES))
def test_parser_errors_are_said_in_chinese(mini, tmp_path, kind):
    book = damaged(kind, export(mini, tmp_path / "mini.xlsx"), tmp_path / "damaged.xlsx")
    r = run_import(book, mini)
    assert r.returncode == 1
    first = r.stderr.strip().splitlines()[0]
    assert CASES[kind] in first, r.stderr
    message = first.rsplit(": ", 1)[1]
    assert set(re.findall(r"[A-Za-z]+", message)) <= NAMES, message
