"""`guides export`: the catalogue written into the sheets of workbook_sheets.py, text kept as
text, with drop-downs, prompts, the 说明 sheet and the signed record of what was exported."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from pydantic import BaseModel

from .files import atomic_path
from .model import Item, Station, town_code
from . import workbook_layout as layout
from .workbook_cells import append
from .workbook_read import MAX_ROWS, open_workbook  # noqa: F401 -- MAX_ROWS: the limit, named here too
from .workbook_sync import write_meta
from .validate import Catalogue
from .workbook_sheets import ABOUT, Column, DISTRICT_SCOPE, MAX_WIDTH, NO, OFFERS, SCOPE_LABEL, Sheet, YES, _all, _letter, _plain, sheets

# ------------------------------------------------------------------------ export


def _get(record, path):
    for name in path:
        if record is None:
            return None
        record = getattr(record, name)
    return record


def _cell_value(col: Column, value):
    if value is None:
        return None
    if col.kind == "bool":
        return YES if value else NO
    if col.kind == "lines":
        return "\n".join(str(v) for v in value) if value else None
    if col.kind == "yaml":
        return _yaml_text(value)
    if isinstance(value, list):  # the list branch of a union column: its rows are in the child sheet
        return None
    return value


def _yaml_text(value) -> str:
    from ruamel.yaml import YAML

    y = YAML(typ="safe", pure=True)
    y.default_flow_style = True
    y.width = 4096
    s = io.StringIO()
    y.dump(value.model_dump(mode="json") if isinstance(value, BaseModel) else _plain(value), s)
    return s.getvalue().strip()


def _display_width(value) -> int:
    if value is None:
        return 0
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return max((sum(2 if ord(c) > 0x2E7F else 1 for c in line) for line in text.split("\n")), default=0)


def export_workbook(catalogue: Catalogue, path: Path, town: str | None = None) -> dict[str, int]:
    """Write the catalogue (or one town's stations) as an .xlsx workbook; returns rows per sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    about = wb.active
    about.title = ABOUT
    specs = sheets()
    records = {
        "事项": [] if town else list(catalogue.items.values()),
        "服务站": [s for c, s in catalogue.stations.items() if not town or town_code(c) == town],
    }
    scope = town or DISTRICT_SCOPE
    _write_about(about, catalogue, scope, specs)
    style, lists = _Style(), _Lists(wb)
    counts: dict[str, int] = {}
    for root in specs:
        if town and root.model is Item:
            continue  # a town's workbook carries its stations only; the catalogue is the district's
        for sheet in _all(root):
            ws = wb.create_sheet(sheet.title)
            counts[sheet.title], widths = _write_sheet(ws, sheet, records[root.title], style, lists)
            _lay_out(ws, sheet, widths, catalogue, style)
    _write_offers(wb.create_sheet(OFFERS), catalogue, records["服务站"], style.bold, style.head_fill)
    counts[OFFERS] = len(records["服务站"])
    write_meta(wb, scope, [(title, r) for title in ("事项", "服务站") for r in records[title]], catalogue.root)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return counts


class _Style:
    """The cell styles every sheet shares."""

    def __init__(self):
        from openpyxl.styles import Alignment, Font, PatternFill

        self.bold = Font(bold=True)
        self.head_fill = PatternFill("solid", fgColor="DDEBF7")
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.top = Alignment(vertical="top")  # a row grown for a multi-line cell reads from its top line


class _Lists:
    """The hidden 选项 sheet for drop-down lists too long (or with commas) for a formula, made
    when the first one needs it."""

    def __init__(self, wb):
        self.wb = wb
        self.ws = None

    def formula(self, choices) -> str:
        formula = '"' + ",".join(map(str, choices)) + '"'
        if len(formula) > 250 or any("," in str(c) for c in choices):
            self.ws = self.ws or _lists_sheet(self.wb)
            formula = _list_range(self.ws, choices)
        return formula


def _write_sheet(ws, sheet: Sheet, records: list, style: _Style, lists: _Lists) -> tuple[int, list[int]]:
    """A sheet's header and rows, each column formatted and validated; returns its rows and its
    columns' widths (from the longest value)."""
    headers = [sheet.code_header] if sheet.field else []
    if sheet.dict_key:
        headers.append(sheet.dict_key)
    headers += [c.header for c in sheet.columns]
    ws.append(headers)
    widths = [_display_width(h) for h in headers]
    rows = 0
    for record in records:
        for key, element in _elements(record, sheet):
            values = [record.code] if sheet.field else []
            if sheet.dict_key:
                values.append(key)
            values += [_cell_value(c, _get(element, c.path)) for c in sheet.columns]
            append(ws, values)
            rows += 1
            for i, v in enumerate(values):
                widths[i] = max(widths[i], _display_width(v))
    offset = len(headers) - len(sheet.columns)
    for i, col in enumerate(sheet.columns):
        _format_column(ws, col, offset + i + 1, rows + 1, style, lists)
    return rows, [min(MAX_WIDTH, max(8, w + 2)) for w in widths]


def _format_column(ws, col: Column, index: int, last: int, style: _Style, lists: _Lists) -> None:
    """A column's number format, alignment, and its validation with the input prompt."""
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = _letter(index)
    fmt = {"date": "yyyy-mm-dd", "int": "0"}.get(col.kind, "@")
    for (cell,) in ws.iter_rows(min_row=2, max_row=last, min_col=index, max_col=index):
        cell.number_format = fmt
        cell.alignment = style.wrap if col.kind in ("lines", "text", "yaml") else style.top
    dv = _validation(col, lists)
    if dv is None:
        dv = DataValidation(allow_blank=True)  # any value: only the input prompt
    else:
        dv.showErrorMessage = True
    dv.promptTitle, dv.prompt = layout.prompt(col.header, col.help, list(col.examples), col.kind,
                                              col.required and not col.nullable)
    dv.showInputMessage = True
    dv.add(f"{letter}2:{letter}{max(last, 2) + 1000}")
    ws.add_data_validation(dv)


def _validation(col: Column, lists: _Lists):
    """What a column's cells accept (a drop-down, a whole number, a date), or None: anything."""
    from openpyxl.worksheet.datavalidation import DataValidation

    if col.kind in ("bool", "choice"):
        choices = (YES, NO) if col.kind == "bool" else col.choices
        dv = DataValidation(type="list", formula1=lists.formula(choices), allow_blank=col.nullable or col.kind == "bool")
        dv.error, dv.errorTitle = "请从下拉列表中选择", "取值无效"
    elif col.kind == "int":
        ge, le = col.bounds
        dv = DataValidation(type="whole", operator="between",
                            formula1=str(ge if ge is not None else -(10**9)),
                            formula2=str(le if le is not None else 10**9))
        dv.error, dv.errorTitle = "请填写范围内的整数", "应为整数"
    elif col.kind == "date":
        dv = DataValidation(type="date", operator="greaterThan", formula1="1")
        dv.error, dv.errorTitle = "请填写日期，例如 2026-11-20", "应为日期"
    else:
        return None
    return dv


def _lay_out(ws, sheet: Sheet, widths: list[int], catalogue: Catalogue, style: _Style) -> None:
    """Column widths, the header row's look, frozen panes, row heights and the print setup."""
    from openpyxl.styles import Alignment

    for i, w in enumerate(widths):
        ws.column_dimensions[_letter(i + 1)].width = w
    for cell in ws[1]:
        cell.font, cell.fill = style.bold, style.head_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.freeze_panes = "B2"
    layout.fit_rows(ws, widths, first_row=1)
    wide = layout.pages_wide(widths)  # fit to the width when that stays readable
    layout.print_setup(ws, f"{catalogue.district.name} {sheet.title}", wide=wide,
                       cols=("A:B" if not sheet.field else "A:A") if wide > 1 else None)


def _elements(record, sheet: Sheet):
    """(dict key, element) of a sheet's rows for one record: the record itself for a root sheet."""
    if not sheet.field:
        yield None, record
        return
    value = _get(record, sheet.field)
    if isinstance(value, dict):
        yield from value.items()
    elif isinstance(value, list):
        for element in value:
            yield None, element


def _lists_sheet(wb):
    ws = wb.create_sheet("选项")
    ws.sheet_state = "hidden"
    return ws


def _list_range(ws, choices) -> str:
    col = ws.max_column + 1 if ws.max_row > 1 or ws["A1"].value is not None else 1
    for i, c in enumerate(choices, start=1):
        ws.cell(row=i, column=col, value=str(c))
    letter = _letter(col)
    return f"'{ws.title}'!${letter}$1:${letter}${len(choices)}"


def _write_about(ws, cat: Catalogue, scope: str, specs: list[Sheet]) -> None:
    from openpyxl.styles import Alignment, Font

    town = f"{scope} {cat.town_name(scope)}" if scope != DISTRICT_SCOPE else DISTRICT_SCOPE
    lines = [
        (f"{cat.district.city}{cat.district.name}村（社区）便民服务事项目录与服务站信息", None),
        (SCOPE_LABEL, town),
        ("导出日期", dt.date.today().isoformat()),
        ("", None),
        ("怎样修改", "直接修改各工作表的单元格，改好后保存（仍为 .xlsx 格式），交回区里导入。"),
        ("", "第 1 行是表头（字段名称），请勿修改；点一个单元格会显示这一列怎样填写。“是/否”、类型等列可从下拉列表选择。"),
        ("", "多个值（如受理条件、俗称、办公时间段）写在同一单元格中，每行一个（Alt+Enter 换行）。"),
        ("", "申请材料、工作人员等写在各自的工作表中，第 1 列是所属事项或服务站的编码；每行一条，顺序即显示顺序。"),
        ("", f"“{OFFERS}”表由“服务站”表的“可办事项”各列得出，仅供查看：要改可办事项，请改“服务站”表。"),
        ("", "不要合并单元格，不要填写公式；工作簿中没有的记录不会被删除（停用请按管理员手册办理）。"),
        ("", "导入前会按全部规则检查；有任何错误都不会写入，错误会指出工作表、单元格和字段。"),
        ("", "工作簿记得导出时各记录的样子：没改的记录不会把别人导出后的新修改改回去；导出后两边都改过的记录会报告冲突，"
             "不会写入（见管理员手册）。导出范围和这份记录都有签名，请勿修改或删除。"),
    ]
    if scope != DISTRICT_SCOPE:
        lines.append(("", "本工作簿只含本镇（街道）的服务站；导入时只能修改本镇（街道）的服务站。"))
    for a, b in lines:
        append(ws, [a, b])
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 110
    for row in ws.iter_rows(min_row=2):
        row[0].font = Font(bold=True)
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    layout.fit_rows(ws, [14, 110])
    layout.print_setup(ws, ABOUT)


def _write_offers(ws, cat: Catalogue, stations: list[Station], bold, fill) -> None:
    from openpyxl.styles import Alignment

    codes = list(cat.items)
    ws.append([Station.model_fields["code"].title, Station.model_fields["name"].title] + codes)
    append(ws, ["", Item.model_fields["name"].title] + [cat.items[c].name for c in codes])
    for st in stations:
        offered = set(cat.offers[st.code])
        append(ws, [st.code, st.name] + ["✓" if c in offered else None for c in codes])
    for row in ws.iter_rows(min_row=1, max_row=2):
        for cell in row:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = 90
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 26
    for i in range(len(codes)):
        ws.column_dimensions[_letter(i + 3)].width = 9
    ws.freeze_panes = "C3"
    # a station x item matrix too wide for one page (at its own size: 144 pages for the district):
    # three pages wide, the station codes and names and the item names on every page
    layout.print_setup(ws, f"{cat.district.name} {OFFERS}", wide=3, rows="1:2", cols="A:B")
    ws.protection.sheet = True  # derived: Excel and LibreOffice warn before an edit (no password)
