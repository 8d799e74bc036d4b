"""Opening a workbook for `guides import`: is it an .xlsx at all, is it within the limits, and every
reason it cannot be read said in Chinese.

The limits hold whatever the file declares. A sheet's `<dimension>` (the row count openpyxl's
read-only mode trusts) is written by whoever made the file and can say 2 rows for 200,000; so the
rows are counted while streaming the sheet (openpyxl read-only, dimensions reset) and reading stops
at the limit. The zip's declared sizes bound the work before any XML is parsed: Python's zipfile
never inflates a member past its declared size (it fails the CRC check instead), so a zip bomb is
refused by its directory. Only a workbook within the limits is loaded whole (openpyxl's normal
mode, which the importer needs for cell types, merged cells and coordinates).
"""
from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path

from .problems import os_reason

MAX_ROWS = 50_000  # rows with a value, per sheet: a city of ~3,000 stations with their staff stays far below
MAX_ROW_RECORDS = 4 * MAX_ROWS  # rows in the file, empty ones too (formatting): bounds the work
MAX_CELLS = 2_000_000  # cells with a value, whole workbook (the 博山 sample has about 30,000)
MAX_UNZIPPED = 256 * 1024 * 1024  # declared size of all parts (the sample: 3.3 MB)
MAX_PARTS = 10_000
SAVE_AGAIN = "请在 Excel 或 WPS 中打开后“另存为”Excel 工作簿（*.xlsx），或重新导出"


def open_workbook(path: Path, reader):
    """The workbook loaded whole, or None after telling `reader` (an object with .error(where, field,
    message)) why not."""
    if not _sniff(path, reader):
        return None
    if not _within_limits(path, reader):
        return None
    from openpyxl import load_workbook

    try:
        return load_workbook(path, data_only=False)
    except Exception as e:  # noqa: BLE001 -- openpyxl, zipfile and lxml raise many kinds for a damaged file
        reader.error("", "", parser_error(e))
        return None


def parser_error(e: BaseException) -> str:
    """One Chinese sentence for what the zip, XML or openpyxl layer raised (their text is English)."""
    if isinstance(e, MemoryError):
        return "工作簿过大，内存不足，无法读取：请删除多余的行和工作表后再导入"
    if isinstance(e, (zipfile.BadZipFile, zlib.error, EOFError, zipfile.LargeZipFile)):
        return f"文件已损坏（压缩数据不完整或校验不符）：{SAVE_AGAIN}"
    if isinstance(e, KeyError):
        part = str(e.args[0]) if e.args else ""
        named = part.split("'")[1] if part.count("'") >= 2 else ""
        return f"工作簿不完整，缺少组成部分{f'（{named}）' if named else ''}：{SAVE_AGAIN}"
    name = type(e).__name__
    if name in ("XMLSyntaxError", "ParseError") or "xml" in type(e).__module__.lower():
        where = ""
        line = getattr(e, "lineno", None) or (getattr(e, "position", None) or (None,))[0]
        if line:
            where = f"（内部 XML 第 {line} 行）"
        return f"工作簿内部的 XML 格式错误{where}，可能被其他软件改坏：{SAVE_AGAIN}"
    if isinstance(e, (ValueError, TypeError, IndexError, AttributeError)):
        return f"工作簿中有 Excel 格式不允许的内容，无法读取：{SAVE_AGAIN}"
    if isinstance(e, OSError):
        return f"无法读取文件：{os_reason(e)}"
    return f"无法读取工作簿（文件可能已损坏，或不是 Excel、WPS、LibreOffice 保存的 .xlsx）：{SAVE_AGAIN}"


def _sniff(path: Path, reader) -> bool:
    """Is it an .xlsx at all? A clear word for the usual wrong files before openpyxl sees them."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            size = os.fstat(f.fileno()).st_size
    except FileNotFoundError:
        reader.error("", "", "文件不存在")
        return False
    except OSError as e:
        reader.error("", "", f"无法读取文件：{os_reason(e)}")
        return False
    if size == 0:
        reader.error("", "", "文件为空")
        return False
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raw = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in raw:
            reader.error("", "", "工作簿设置了打开密码（已加密），无法读取：请在 Excel 中“文件→信息→保护工作簿→用密码进行加密”清除密码后另存，再导入")
        else:
            reader.error("", "", "这是旧版 Excel 97-2003 工作簿（.xls），不是 .xlsx：请在 Excel 或 WPS 中“另存为”Excel 工作簿（*.xlsx）后再导入")
        return False
    if not head.startswith(b"PK\x03\x04"):
        with open(path, "rb") as f:
            text = f.read(4096)
        looks = "文本文件（可能是 CSV 改了扩展名）" if b"," in text or b"\t" in text or b"\n" in text else "未知格式"
        reader.error("", "", f"不是 Excel 工作簿（.xlsx）：文件内容是{looks}。请在 Excel 或 WPS 中打开后“另存为”Excel 工作簿（*.xlsx）")
        return False
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        reader.error("", "", "文件已损坏（不是完整的 .xlsx 压缩包）：请重新保存或重新导出")
        return False
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        what = "Word 文档" if "word/document.xml" in names else "其他压缩包"
        reader.error("", "", f"不是 Excel 工作簿（.xlsx）：看起来是{what}")
        return False
    unzipped = sum(i.file_size for i in infos)
    if len(infos) > MAX_PARTS or unzipped > MAX_UNZIPPED:
        reader.error("", "", f"工作簿解压后过大（{unzipped / 1024 / 1024:.0f} MB，{len(infos)} 个组成部分；"
                             f"上限 {MAX_UNZIPPED // 1024 // 1024} MB）：请删除多余的行、图片和工作表后再导入")
        return False
    return True


def _within_limits(path: Path, reader) -> bool:
    """Stream every sheet once (read-only, declared dimensions ignored), counting rows and cells with
    a value; stop reading a sheet at its limit. False after telling `reader` what is over."""
    from openpyxl import load_workbook

    cells = 0
    over = False
    try:
        quick = load_workbook(path, read_only=True, data_only=False)
        try:
            for ws in quick.worksheets:
                if not hasattr(ws, "reset_dimensions"):
                    continue  # a chart sheet: no rows
                ws.reset_dimensions()  # the file's <dimension> is not trusted: read until the rows end
                rows = records = 0
                for values in ws.iter_rows(values_only=True):
                    records += 1
                    filled = sum(1 for v in values if v is not None and v != "")
                    if filled:
                        rows += 1
                        cells += filled
                    if rows > MAX_ROWS:
                        reader.error(f"{ws.title}!A{records}", "",
                                     f"工作表超过上限 {MAX_ROWS:,} 行（读到第 {records:,} 行即停止读取）：请删除多余的行"
                                     "（可能误粘贴了其他数据，或整列填充到了表底）")
                        over = True
                        break
                    if records > MAX_ROW_RECORDS:
                        reader.error(f"{ws.title}!A{records}", "",
                                     f"工作表的行数超过 {MAX_ROW_RECORDS:,}（多为空行或只有格式的行，读到此处即停止读取）："
                                     "请删除表底多余的行")
                        over = True
                        break
                    if cells > MAX_CELLS:
                        reader.error(f"{ws.title}!A{records}", "",
                                     f"工作簿的非空单元格超过 {MAX_CELLS:,} 个（读到此处即停止读取）：请删除多余的数据")
                        return False
        finally:
            quick.close()
    except Exception as e:  # noqa: BLE001 -- see open_workbook
        reader.error("", "", parser_error(e))
        return False
    return not over
