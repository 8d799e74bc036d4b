"""Workbooks laid out for the people who fill them in and print them (issue 22.8): rows tall
enough for their multi-line cells, an input prompt on every column from the model's description,
and a print setup (landscape A4, fit to the page width, the header row on every page)."""
from __future__ import annotations

import math

LINE_HEIGHT = 15.0  # points per line of 11-point text in Excel and LibreOffice
MAX_ROW_HEIGHT = 409.0  # Excel's limit
PROMPT_MAX, PROMPT_TITLE_MAX = 255, 32  # Excel's limits for a data-validation input message
# Column-width units a landscape A4 page holds at 100% (27.7 cm inside 1 cm margins, ~7 px a unit),
# and the smallest scale that stays readable on paper: a sheet wider than PAGE_UNITS / MIN_SCALE
# is spread over several pages wide (its key columns repeated) instead of shrunk to a blur.
PAGE_UNITS, MIN_SCALE = 149, 0.7


def pages_wide(widths: list[float]) -> int:
    return max(1, math.ceil(sum(widths) / (PAGE_UNITS / MIN_SCALE)))


def text_width(text: str) -> int:
    """Width in character cells: a Chinese character takes two."""
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def lines_in(value, width: float) -> int:
    """Lines a wrapped cell of `width` characters needs for `value`."""
    if value is None or value == "":
        return 1
    usable = max(1.0, width - 1)
    return sum(max(1, math.ceil(text_width(line) / usable)) for line in str(value).split("\n"))


def fit_rows(ws, widths: list[float], first_row: int = 2) -> None:
    """Row heights that show every line of every wrapped cell (openpyxl writes no heights, and
    Excel does not grow a row for text written by a program: multi-line cells were cut off)."""
    for row in ws.iter_rows(min_row=first_row):
        lines = max((lines_in(c.value, widths[c.column - 1]) for c in row if c.column <= len(widths)), default=1)
        if lines > 1:
            ws.row_dimensions[row[0].row].height = min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT + 2)


KIND_HINTS = {
    "bool": "从下拉列表选择“是”或“否”。",
    "choice": "从下拉列表选择。",
    "int": "填整数。",
    "date": "填日期，如 2026-11-20。",
    "lines": "可写多个，每行一个（Alt+Enter 换行）。",
    "yaml": "按原样保留的结构化内容，修改时请保持格式。",
}


def prompt(header: str, description: str | None, examples: list | None, kind: str, required: bool) -> tuple[str, str]:
    """(title, message) of a column's input prompt: the model's description, its examples, and how
    to fill the cell; within Excel's limits."""
    parts = [description.rstrip("。") + "。" if description else "",
             ("例如：" + "、".join(map(str, examples[:3])) + "。") if examples else "",
             KIND_HINTS.get(kind, ""), "必填。" if required else ""]
    text = "".join(parts) or "按页面上显示的文字填写。"
    if len(text) > PROMPT_MAX:
        text = text[:PROMPT_MAX - 1] + "…"
    return header[:PROMPT_TITLE_MAX], text


def print_setup(ws, title: str, *, wide: int = 1, rows: str = "1:1", cols: str | None = None) -> None:
    """Landscape A4, `wide` pages wide (1: fit to the page width), the header row(s) repeated on every
    page (and `cols`, for a matrix spread over several pages), the sheet and page number in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if wide:
        ws.page_setup.fitToWidth = wide
        ws.page_setup.fitToHeight = 0  # as many pages down as needed
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = rows
    if cols:
        ws.print_title_cols = cols
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.left.text = title
    ws.oddFooter.right.text = "第 &P 页，共 &N 页"
