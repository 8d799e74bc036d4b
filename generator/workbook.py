"""`guides export` / `guides import`: the catalogue as an Excel workbook an administrator recognises.

The sheets and columns are derived from the model (generator/model.py), never listed
here: a record type (事项, 服务站) is one sheet, one row per record; a nested record
(网上办理, 办公时间, 六有一能 ...) becomes columns headed `父.子` (the same labels as
the error messages); a list of records (申请材料, 工作人员 ...) or a dict of records
(事项本站说明) becomes its own sheet linked by the record's code; a list of values
(受理条件, 俗称) is one cell, one value a line. Headers are the fields' Chinese titles.

Import builds the same raw records the YAML loader gives and runs the same
validation as `guides check` (generator.validate), each value located at its cell;
only records whose meaning changed are written back, with ruamel.yaml so that the
files keep their comments, quotes and key order.
"""
from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from .files import atomic_path, atomic_write
from .load import RawContent, Source, display, load
from .model import Item, Station, town_code
from .problems import Problems, os_reason
from .text import normalise_breaks
from . import workbook_layout as layout, schema
from .workbook_cells import append
from .workbook_read import MAX_ROWS, open_workbook  # noqa: F401 -- MAX_ROWS: the limit, named here too
from .workbook_sync import META, KeyProblem, find_conflicts, read_meta, record_digest, resolve_scope, write_meta
from .validate import Catalogue, read_catalogue, validate

YES, NO = "是", "否"
ABOUT = "说明"
OFFERS = "服务站可办事项"
SCOPE_LABEL = "导出范围"
DISTRICT_SCOPE = "全区"
MAX_WIDTH = 60
MAX_SHOWN = 100  # errors printed by `guides import`; the rest are counted (a pasted dump gives thousands)
ROOTS = ((Item, "事项", "items"), (Station, "服务站", "stations"))


# ----------------------------------------------------------------- sheets from the model


@dataclass
class Column:
    path: tuple[str, ...]  # field names inside the sheet's record
    header: str
    kind: str  # text | int | bool | date | choice | lines | yaml
    choices: tuple = ()
    nullable: bool = False
    bounds: tuple = (None, None)  # (ge, le) for integers
    key: bool = False  # the record code column of a root sheet
    help: str | None = None  # the model's description: the cell's input prompt
    examples: tuple = ()
    required: bool = False
    legacy: str | None = None  # the header workbooks exported before had (父.子), still read


@dataclass
class Sheet:
    title: str
    model: type[BaseModel]
    field: tuple[str, ...]  # path of the list/dict field in the root record ('' for a root sheet)
    columns: list[Column]
    code_header: str  # header of the root record's code (first column of every sheet)
    dict_key: str | None = None  # header of the key column for a dict of records
    children: list[Sheet] = field(default_factory=list)
    union_scalar: Column | None = None  # a field that is a value OR a list of records (收费情况)


def _sheet(model, title, field_path, code_header, dict_key=None, taken=None) -> Sheet:
    taken = taken if taken is not None else set()
    taken.add(title)
    sheet = Sheet(title, model, field_path, [], code_header, dict_key)
    _columns(sheet, model, (), "", taken)
    return sheet


def nested_header(parent: str, child: str) -> str:
    """A nested field's header in words: the child's title when it names its group already
    (网上办理入口, 可帮办代办), else 父（子）: 六有一能（有场所）, 办公时间（周一）. Never 父.子."""
    return child if parent in child else f"{parent}（{child}）"


def _columns(sheet: Sheet, model, prefix: tuple, header_prefix: str, taken: set, legacy_prefix: str = "") -> None:
    for name, info in model.model_fields.items():
        path = prefix + (name,)
        title = nested_header(header_prefix, info.title or name) if header_prefix else (info.title or name)
        legacy = legacy_prefix + (info.title or name) if legacy_prefix else None
        kind, detail, nullable = schema.shape(info.annotation)
        if kind == "model":
            _columns(sheet, detail, path, title, taken, (legacy or title) + ".")
        elif kind in ("models", "dictmodels"):
            if sheet.field:  # a list inside a list: not in the model today; one YAML cell keeps it lossless
                sheet.columns.append(Column(path, title, "yaml", nullable=nullable))
                continue
            child_title = title if title not in taken else f"{sheet.title}.{title}"
            child = _sheet(detail, child_title[:31], path, sheet.code_header,
                           "编码" if kind == "dictmodels" else None, taken)
            sheet.children.append(child)
        elif kind == "union":
            lists = [b for b in detail if typing.get_origin(b) is list]
            values = [b for b in detail if typing.get_origin(b) is not list]
            if len(lists) == 1 and values and not sheet.field:
                _, inner, _ = schema.shape(lists[0])
                scalar_kind, choices = schema.scalar(typing.Union[tuple(values)] if len(values) > 1 else values[0])
                col = Column(path, title, scalar_kind, choices, nullable=True)
                sheet.columns.append(col)
                child_title = title if title not in taken else f"{sheet.title}.{title}"
                child = _sheet(inner, child_title[:31], path, sheet.code_header, None, taken)
                child.union_scalar = col
                sheet.children.append(child)
            else:
                sheet.columns.append(Column(path, title, "yaml", nullable=nullable))
        else:
            scalar_kind, choices = detail
            col = Column(path, title, "lines" if kind == "lines" else scalar_kind, choices, nullable,
                         schema.bounds(info), key=(not sheet.field and path == ("code",)), help=info.description,
                         examples=tuple(info.examples or ()), required=info.is_required(), legacy=legacy)
            if kind == "lines":
                col.choices = choices  # element kind kept in choices[0] is not needed: elements are text
            sheet.columns.append(col)


def sheets() -> list[Sheet]:
    """Every record sheet, derived from the model now (the model may change between runs)."""
    taken = {ABOUT, OFFERS}
    out = []
    for model, title, _ in ROOTS:
        out.append(_sheet(model, title, (), model.model_fields["code"].title, None, taken))
    return out


def _all(sheet: Sheet):
    yield sheet
    for child in sheet.children:
        yield from _all(child)


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


def _plain(value):
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _display_width(value) -> int:
    if value is None:
        return 0
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return max((sum(2 if ord(c) > 0x2E7F else 1 for c in line) for line in text.split("\n")), default=0)


def export_workbook(catalogue: Catalogue, path: Path, town: str | None = None) -> dict[str, int]:
    """Write the catalogue (or one town's stations) as an .xlsx workbook; returns rows per sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

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
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")  # a row grown for a multi-line cell reads from its top line
    lists_sheet = None
    counts: dict[str, int] = {}
    for root in specs:
        if town and root.model is Item:
            continue  # a town's workbook carries its stations only; the catalogue is the district's
        for sheet in _all(root):
            ws = wb.create_sheet(sheet.title)
            headers = [sheet.code_header] if sheet.field else []
            if sheet.dict_key:
                headers.append(sheet.dict_key)
            headers += [c.header for c in sheet.columns]
            ws.append(headers)
            widths = [_display_width(h) for h in headers]
            rows = 0
            for record in records[root.title]:
                for key, element in _elements(record, sheet):
                    values = [record.code] if sheet.field else []
                    if sheet.dict_key:
                        values.append(key)
                    values += [_cell_value(c, _get(element, c.path)) for c in sheet.columns]
                    append(ws, values)
                    rows += 1
                    for i, v in enumerate(values):
                        widths[i] = max(widths[i], _display_width(v))
            counts[sheet.title] = rows
            last = rows + 1
            offset = len(headers) - len(sheet.columns)
            for i, col in enumerate(sheet.columns):
                letter = _letter(offset + i + 1)
                fmt = {"date": "yyyy-mm-dd", "int": "0"}.get(col.kind, "@")
                for (cell,) in ws.iter_rows(min_row=2, max_row=last, min_col=offset + i + 1, max_col=offset + i + 1):
                    cell.number_format = fmt
                    cell.alignment = wrap if col.kind in ("lines", "text", "yaml") else top
                dv = None
                if col.kind in ("bool", "choice"):
                    choices = (YES, NO) if col.kind == "bool" else col.choices
                    formula = '"' + ",".join(map(str, choices)) + '"'
                    if len(formula) > 250 or any("," in str(c) for c in choices):
                        lists_sheet = lists_sheet or _lists_sheet(wb)
                        formula = _list_range(lists_sheet, choices)
                    dv = DataValidation(type="list", formula1=formula, allow_blank=col.nullable or col.kind == "bool")
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
                if dv is None:
                    dv = DataValidation(allow_blank=True)  # any value: only the input prompt
                else:
                    dv.showErrorMessage = True
                dv.promptTitle, dv.prompt = layout.prompt(col.header, col.help, list(col.examples), col.kind,
                                                          col.required and not col.nullable)
                dv.showInputMessage = True
                dv.add(f"{letter}2:{letter}{max(last, 2) + 1000}")
                ws.add_data_validation(dv)
            widths = [min(MAX_WIDTH, max(8, w + 2)) for w in widths]
            for i, w in enumerate(widths):
                ws.column_dimensions[_letter(i + 1)].width = w
            for cell in ws[1]:
                cell.font, cell.fill = bold, head_fill
                cell.alignment = Alignment(wrap_text=True, vertical="center")
            ws.freeze_panes = "B2"
            layout.fit_rows(ws, widths, first_row=1)
            wide = layout.pages_wide(widths)  # fit to the width when that stays readable
            layout.print_setup(ws, f"{catalogue.district.name} {sheet.title}", wide=wide,
                               cols=("A:B" if not sheet.field else "A:A") if wide > 1 else None)
    _write_offers(wb.create_sheet(OFFERS), catalogue, records["服务站"], bold, head_fill)
    counts[OFFERS] = len(records["服务站"])
    write_meta(wb, scope, [(title, r) for title in ("事项", "服务站") for r in records[title]], catalogue.root)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return counts


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


def _letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


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


# ------------------------------------------------------------------------ import


@dataclass(frozen=True)
class CellProblem:
    where: str  # FILE.xlsx:工作表!B7 (or a content file:line for a record not in the workbook)
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}" if self.field else f"{self.where}: {self.message}"


@dataclass
class ImportResult:
    ok: bool
    problems: list[CellProblem]
    written: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    unchanged: int = 0
    not_in_workbook: int = 0
    warnings: int = 0
    scope: str = DISTRICT_SCOPE
    conflicts: int = 0  # records changed both in the workbook and in content/ since the export
    kept_newer: int = 0  # records the workbook left as exported while content/ has a newer version
    skipped: int = 0  # conflicting records left as they are (--prefer content)


@dataclass
class _Record:
    data: dict
    cells: list[str]  # index -> 'Sheet!B7'; Source.lines maps a location to an index here
    lines: dict[tuple, int]
    row_cell: str

    def locate(self, loc: tuple, cell: str) -> None:
        self.cells.append(cell)
        self.lines[loc] = len(self.cells) - 1


class _Reader:
    def __init__(self, path: Path):
        self.path = path
        self.name = display(path)
        self.problems: list[CellProblem] = []

    def error(self, where: str, field: str, message: str) -> None:
        self.problems.append(CellProblem(f"{self.name}:{where}" if where else self.name, field, message))


def _shown_scope(wb) -> str | None:
    """What 说明!B2 says: 全区, a town code, other text, or None without that row. Shown to people
    only; the scope an import may change is signed or stated (workbook_sync.resolve_scope)."""
    if ABOUT not in wb.sheetnames:
        return None
    ws = wb[ABOUT]
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 20)):
        if row and row[0].value == SCOPE_LABEL:
            value = str(row[1].value or "").strip() if len(row) > 1 else ""
            m = re.match(r"^(\d{9})\b", value)
            return m.group(1) if m else value
    return None


_EMPTY = object()


def _convert(col: Column, cell, reader: _Reader, where: str):
    """The raw value a cell means (as YAML would give it), or _EMPTY; a wrong type is an error here."""
    value = cell.value
    if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=") and cell.data_type == "f"):
        reader.error(where, col.header, f"单元格是公式（{value}），这里应填写值：请复制后“选择性粘贴→仅粘贴数值”")
        return _EMPTY
    if cell.data_type == "e":
        reader.error(where, col.header, f"单元格是错误值（{value}）")
        return _EMPTY
    if value is None or (isinstance(value, str) and value == ""):
        return _EMPTY
    kind = col.kind
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip()
        if text in (YES, "TRUE", "true", "True"):
            return True
        if text in (NO, "FALSE", "false", "False"):
            return False
        reader.error(where, col.header, f"应为“{YES}”或“{NO}”，而不是“{value}”")
        return _EMPTY
    if kind == "int":
        if isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
            return int(value)
        return value  # validation says 应为整数, located here
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                reader.error(where, col.header, f"应为日期，格式 YYYY-MM-DD，而不是“{value}”")
                return _EMPTY
        return value
    if kind == "lines":
        return [line for line in _text(value).split("\n") if line.strip()]
    if kind == "yaml":
        import yaml

        try:
            return yaml.safe_load(_text(value))
        except yaml.YAMLError as e:
            reader.error(where, col.header, f"格式错误：{e}")
            return _EMPTY
    return _text(value)


def _text(value) -> str:
    """A cell's value as the text YAML would hold; line breaks as the model keeps them (text.py)."""
    if isinstance(value, str):
        return normalise_breaks(value)
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    return str(value)


def _headers(ws, sheet: Sheet, reader: _Reader) -> dict[str, int] | None:
    expected = ([sheet.code_header] if sheet.field else []) + ([sheet.dict_key] if sheet.dict_key else []) + [
        c.header for c in sheet.columns]
    legacy = {c.legacy: c.header for c in sheet.columns if c.legacy and c.legacy != c.header}
    found: dict[str, int] = {}
    ok = True
    for cell in ws[1] if ws.max_row >= 1 else ():
        if cell.value is None:
            continue
        h = str(cell.value).strip()
        h = legacy.get(h, h)  # a workbook exported before headers were words (父.子)
        if h in found:
            reader.error(f"{ws.title}!{cell.coordinate}", h, f"表头重复（{_letter(found[h] + 1)}1 已有这一列）")
            ok = False
        elif h not in expected:
            reader.error(f"{ws.title}!{cell.coordinate}", h, "未知的列（可能是表头写错了）：本列不会被导入，请改回导出时的表头或删除本列")
            ok = False
        found[h] = cell.column - 1
    for h in expected:
        if h not in found:
            reader.error(f"{ws.title}!1:1", h, "缺少这一列（第 1 行是表头，请勿修改或删除）")
            ok = False
    return found if ok else None


def _check_merged(ws, reader: _Reader) -> bool:
    merged = list(ws.merged_cells.ranges)
    for rng in merged:
        reader.error(f"{ws.title}!{rng.coord}", "合并单元格", "有合并的单元格：请取消合并（“合并后居中”→取消），每个单元格各填各的值")
    return not merged


def _read_sheets(wb, specs: list[Sheet], scope: str, reader: _Reader) -> dict[str, dict[str, _Record]]:
    """Records by root sheet title, then by code, each with the cell of every value."""
    out: dict[str, dict[str, _Record]] = {}
    for root in specs:
        if scope != DISTRICT_SCOPE and root.model is Item:
            if root.title in wb.sheetnames:
                reader.error(f"{root.title}!A1", "", "镇（街道）工作簿不能修改事项目录：请删除本表，事项请用全区工作簿修改")
            continue
        records: dict[str, _Record] = {}
        out[root.title] = records
        root_ok = True
        for sheet in _all(root):
            if sheet.field and not root_ok:
                continue  # its rows would only repeat "code not in the main sheet"
            ws = wb[sheet.title] if sheet.title in wb.sheetnames else None
            if ws is None:
                reader.error(f"{sheet.title}!A1", "工作表", f"缺少工作表“{sheet.title}”（请使用 guides export 导出的工作簿）")
            heads = _headers(ws, sheet, reader) if ws is not None and _check_merged(ws, reader) else None
            if heads is None:
                root_ok = root_ok and bool(sheet.field)
                continue
            _read_rows(ws, sheet, heads, records, reader)
    return out


def _read_rows(ws, sheet: Sheet, heads: dict[str, int], records: dict[str, _Record], reader: _Reader) -> None:
    code_col = heads[sheet.code_header] if sheet.field else heads[next(c.header for c in sheet.columns if c.key)]
    key_col = heads[sheet.dict_key] if sheet.dict_key else None
    code_field = sheet.code_header
    first_row: dict[str, int] = {}
    for row in ws.iter_rows(min_row=2):
        if not row or all(c.value is None or c.value == "" for c in row):
            continue
        width = len(row)

        def cell_at(i):
            return row[i] if i < width else ws.cell(row=row[0].row, column=i + 1)

        code_cell = cell_at(code_col)
        where = f"{ws.title}!{code_cell.coordinate}"
        if code_cell.data_type == "f":
            reader.error(where, code_field, f"单元格是公式（{code_cell.value}），这里应填写值")
            continue
        code = _text(code_cell.value).strip() if code_cell.value is not None else ""
        if not code:
            reader.error(where, code_field, "本行有内容但没有编码")
            continue
        if not sheet.field:
            if code in records:
                reader.error(where, code_field, f"编码“{code}”重复（第 {first_row[code]} 行已有）")
                continue
            first_row[code] = code_cell.row
            rec = _Record({}, [], {}, where)
            rec.locate((), where)
            records[code] = rec
            target, base = rec.data, ()
        else:
            rec = records.get(code)
            if rec is None:
                reader.error(where, code_field, f"编码“{code}”不在“{_root_title(sheet)}”表中")
                continue
            container_path = sheet.field
            holder = rec.data
            for name in container_path[:-1]:
                holder = holder.setdefault(name, {})
            last = container_path[-1]
            if sheet.dict_key:
                kcell = cell_at(key_col)
                key = _text(kcell.value).strip() if kcell.value is not None else ""
                kwhere = f"{ws.title}!{kcell.coordinate}"
                if not key:
                    reader.error(kwhere, sheet.dict_key, "本行有内容但没有编码")
                    continue
                container = holder.setdefault(last, {})
                if not isinstance(container, dict) or key in container:
                    reader.error(kwhere, sheet.dict_key, f"“{key}”重复")
                    continue
                container[key] = target = {}
                base = container_path + (key,)
                rec.locate(base, kwhere)
            else:
                container = holder.get(last)
                if container is not None and not isinstance(container, list):
                    col = sheet.union_scalar
                    reader.error(rec.cells[rec.lines[col.path]] if col and col.path in rec.lines else rec.row_cell,
                                 col.header if col else "", f"已在“{sheet.title}”表中逐条列出，这里应留空")
                    continue
                if container is None:
                    container = holder[last] = []
                container.append(target := {})
                base = container_path + (len(container) - 1,)
                rec.locate(base, where)
        for col in sheet.columns:
            if col.key:
                target["code"] = code
                rec.locate(("code",), where)
                continue
            cell = cell_at(heads[col.header])
            cwhere = f"{ws.title}!{cell.coordinate}"
            value = _convert(col, cell, reader, cwhere)
            holder = target
            for i, name in enumerate(col.path[:-1]):
                if base + col.path[: i + 1] not in rec.lines:  # a nested record is found at its first column
                    rec.locate(base + col.path[: i + 1], cwhere)
                holder = holder.setdefault(name, {})
            loc = base + col.path
            rec.locate(loc, cwhere)
            if value is _EMPTY:
                if col.kind == "lines" and not col.nullable:
                    holder[col.path[-1]] = []
                continue
            holder[col.path[-1]] = value


def _root_title(sheet: Sheet) -> str:
    for model, title, _ in ROOTS:
        if model.model_fields["code"].title == sheet.code_header:
            return title
    return ""


def _finish(records: dict[str, _Record], root: Sheet, reader: _Reader) -> None:
    """Shape what rows cannot say: an empty nested record is absent; a union takes its rows or its value."""
    for rec in records.values():
        _drop_empty(rec.data, root.model)
        for child in root.children:
            name = child.field[-1]
            holder = rec.data
            for part in child.field[:-1]:
                holder = holder.get(part, {})
            info = _field_info(root.model, child.field)
            if child.union_scalar is None and name not in holder and info is not None and info.is_required():
                holder[name] = {} if child.dict_key else []


def _field_info(model, path: tuple):
    info = None
    for name in path:
        if model is None or name not in model.model_fields:
            return None
        info = model.model_fields[name]
        model = schema.inner_model(info.annotation)
    return info


@functools.cache
def _fields(model) -> tuple:
    """(name, info, kind, detail, nullable) of each field: the shapes, worked out once per model."""
    return tuple((name, info, *schema.shape(info.annotation)) for name, info in model.model_fields.items())


def _drop_empty(data: dict, model) -> None:
    """A nested record whose cells are all empty was absent (an optional one stays None)."""
    for name, info, kind, detail, nullable in _fields(model):
        value = data.get(name)
        if kind == "model" and isinstance(value, dict):
            _drop_empty(value, detail)
            if not value:
                if nullable or not info.is_required():
                    del data[name]
        elif kind in ("models",) and isinstance(value, list):
            for v in value:
                if isinstance(v, dict):
                    _drop_empty(v, detail)
        elif kind == "dictmodels" and isinstance(value, dict):
            for v in value.values():
                if isinstance(v, dict):
                    _drop_empty(v, detail)


def _check_offers(wb, cat: Catalogue, before, codes: list[str], reader: _Reader) -> None:
    """The derived station × item sheet is for reading: a tick that agrees neither with the content
    before the import nor with the stations' 可办事项 columns was an edit there, which would be lost."""
    if OFFERS not in wb.sheetnames:
        return
    ws = wb[OFFERS]
    header = [c.value for c in ws[1]]
    wanted = set(codes)
    for row in ws.iter_rows(min_row=3):
        code = _text(row[0].value).strip() if row and row[0].value is not None else ""
        if code not in wanted or code not in cat.offers:
            continue
        offered = set(cat.offers[code])
        was = None
        for cell in row[2:]:
            item = header[cell.column - 1] if cell.column - 1 < len(header) else None
            if item is None:
                continue
            ticked = cell.value not in (None, "")
            if ticked == (item in offered):
                continue
            if was is None:  # the content before the import, validated only when a tick disagrees
                was = set(before().get(code, cat.offers[code]))
            if ticked != (item in was):
                reader.error(f"{OFFERS}!{cell.coordinate}", f"{item}", "本表由“服务站”表的“可办事项”各列得出，不能直接修改："
                             "要增加或减少本站事项，请改“服务站”表的“可办事项（增加事项）”“可办事项（减少事项）”两列")


_ASCII_LOC = re.compile(r" \([\w.\-]+\)$")


def import_workbook(path: Path, content: Path, town: str | None = None, prefer: str | None = None) -> ImportResult:
    """`town`: the scope stated by the person importing (a town code or 全区), needed when the
    workbook's own is not signed; `prefer`: workbook | content, for records changed on both sides."""
    path, content = Path(path), Path(content)
    reader = _Reader(path)
    wb = open_workbook(path, reader)
    if wb is None:
        return ImportResult(False, reader.problems)
    meta = read_meta(wb, content)
    scope = resolve_scope(meta, _shown_scope(wb), town, reader.error)
    specs = sheets()
    if scope is None:
        return ImportResult(False, reader.problems)
    for ws in wb.worksheets:
        if ws.title in (ABOUT, OFFERS, "选项", META):
            continue
        if ws.title not in {s.title for root in specs for s in _all(root)}:
            reader.error(f"{ws.title}!A1", "工作表", "未知的工作表：不会被导入，请删除（或改回导出时的表名）")
    read = _read_sheets(wb, specs, scope, reader)
    for root in specs:
        if root.title in read:
            _finish(read[root.title], root, reader)

    disk_problems = Problems()
    raw = load(content, disk_problems)
    if raw.district is None:
        return ImportResult(False, reader.problems + [CellProblem(f"{p.path}:{p.line}", p.field, p.message)
                                                      for p in disk_problems.errors])
    towns = {t.get("code") for t in (raw.district.data.get("towns") or []) if isinstance(t, dict)}
    if scope != DISTRICT_SCOPE and scope not in {str(t) for t in towns}:
        reader.error(f"{ABOUT}!B2", SCOPE_LABEL, f"镇（街道）{scope} 不在 district.yaml 的 towns 中")
    replaced: dict[str, tuple[Source, type]] = {}  # target path -> workbook record and its model
    rec_of: dict[str, _Record] = {}
    as_exported = 0  # records the workbook did not change: content/ stands, even if newer
    merged_items, merged_stations = list(raw.items), list(raw.stations)
    for (model, title, folder), merged, existing in (
            (ROOTS[0], merged_items, raw.items), (ROOTS[1], merged_stations, raw.stations)):
        if title not in read:
            continue
        by_code = {str(s.data.get("code")): s for s in existing if isinstance(s.data, dict)}
        for code, rec in read[title].items():
            if model is Station and scope != DISTRICT_SCOPE and town_code(code) != scope:
                reader.error(rec.row_cell, model.model_fields["code"].title,
                             f"服务站 {code} 不属于本工作簿的镇（街道）{scope}：镇（街道）工作簿只能修改本镇（街道）的服务站")
                continue
            base = meta.base.get((title, code))
            if base is not None and record_digest(model, rec.data) == base.digest:
                as_exported += 1
                continue
            old = by_code.get(code)
            if old is not None:
                target = old.path
            elif model is Station:
                target = Path(display(content / folder / town_code(code) / f"{code}.yaml"))
            else:
                target = Path(display(content / folder / f"{code}.yaml"))
            src = Source(target, rec.data, rec.lines)
            if old is not None:
                merged[merged.index(old)] = src
            else:
                merged.append(src)
            replaced[str(target)] = (src, model)
            rec_of[str(target)] = rec
    merged_items.sort(key=lambda s: str(s.path))
    merged_stations.sort(key=lambda s: str(s.path))
    checked = Problems()
    cat = validate(RawContent(raw.root, raw.district, merged_items, merged_stations, raw.retired), checked)
    seen_cells = {(p.where, p.field) for p in reader.problems}
    cell_taken = {p.where for p in reader.problems}
    problems = list(reader.problems)
    for p in disk_problems.errors:
        if p.path not in replaced:
            problems.append(CellProblem(f"{p.path}:{p.line}", p.field, p.message))
    warnings = 0
    # an item whose row has an error is left out of the catalogue; "item X does not exist" would then be untrue
    known = {c for t in read.values() for c in t} | {str(s.data.get("code")) for s in raw.items if isinstance(s.data, dict)}
    for p in checked:
        m = re.match(r"^事项“(.+)”不存在于 items/ 中$", p.message)
        if m and m.group(1) in known:
            continue
        rec = rec_of.get(p.path)
        if p.level == "warning":
            warnings += rec is not None
            continue
        if rec is None:
            problems.append(CellProblem(f"{p.path}:{p.line}", p.field, p.message))
            continue
        where = f"{reader.name}:{rec.cells[p.line] if 0 <= p.line < len(rec.cells) else rec.row_cell}"
        field_label = _ASCII_LOC.sub("", p.field)
        if where in cell_taken or (where, field_label) in seen_cells:
            continue  # the cell's own type error already speaks for it
        seen_cells.add((where, field_label))
        problems.append(CellProblem(where, field_label, p.message))
    if cat is not None and not problems:
        known_problems = len(reader.problems)

        @functools.cache
        def offers_before() -> dict[str, list[str]]:
            old_cat = validate(raw, Problems())
            return old_cat.offers if old_cat else {}

        # only stations taken from the workbook: the ticks of one left as exported may be stale
        applied = [str(src.data.get("code")) for src, model in replaced.values() if model is Station]
        _check_offers(wb, cat, offers_before, [c for c in applied if c in cat.stations], reader)
        problems += reader.problems[known_problems:]
    if problems or cat is None:
        return ImportResult(False, problems, scope=scope)
    in_scope = (raw.items if scope == DISTRICT_SCOPE else []) + [
        s for s in raw.stations if scope == DISTRICT_SCOPE or s.path.parent.name == scope]
    in_workbook = {code for records in read.values() for code in records}
    not_in = sum(1 for s in in_scope if isinstance(s.data, dict) and str(s.data.get("code")) not in in_workbook)
    found, conflicting = find_conflicts(cat, replaced, raw.items + raw.stations, meta, rec_of)
    conflicts = [CellProblem(f"{reader.name}:{cell}", label, message) for cell, label, message in found]
    if conflicting and prefer not in ("workbook", "content"):
        return ImportResult(False, conflicts, scope=scope, conflicts=len(conflicting))
    if prefer == "content":
        for target in conflicting:
            del replaced[target]
    result = _write_back(cat, replaced, raw, warnings, scope, not_in)
    result.unchanged += as_exported
    result.skipped = len(conflicting) if prefer == "content" else 0
    result.conflicts = len(conflicting)
    return result


def _write_back(cat: Catalogue, replaced: dict, raw: RawContent, warnings: int, scope: str,
                not_in_workbook: int) -> ImportResult:
    """Serialise every changed record first, then write: nothing is written unless all of it can be."""
    from pydantic import ValidationError

    old_sources = {str(s.path): s for s in raw.items + raw.stations}
    pending: list[tuple[Path, str, bool]] = []
    unchanged = 0
    for target, (src, model) in replaced.items():
        code = str(src.data["code"])
        new = cat.stations[code] if model is Station else cat.items[code]
        old = None
        if target in old_sources:
            try:
                old = model.model_validate(old_sources[target].data)
            except ValidationError:  # invalid on disk: rewritten whole from the workbook
                old = None
        if old is not None and type(old) is type(new) and old.model_dump() == new.model_dump():
            unchanged += 1
            continue
        path = Path(target)
        exists = path.exists()
        raw = _trim(copy.deepcopy(src.data), model)
        text = _yaml_update(path.read_text("utf-8") if exists else None, old, new, raw, type(new))
        pending.append((path, text, not exists))
    for path, text, _ in pending:
        atomic_write(path, text)
    return ImportResult(True, [], [str(p) for p, _, new in pending if not new], [str(p) for p, _, new in pending if new],
                        unchanged, max(0, not_in_workbook), warnings, scope)


# ------------------------------------------------------------------ YAML write-back


def _ruamel():
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never fold a line the administrator wrote on one line
    y.indent(mapping=2, sequence=4, offset=2)  # the content files' style: "  - name: ..."
    return y


def _trim(raw: dict, model) -> dict:
    """Leave out what the model fills in by itself (optional fields at their default), as the
    hand-written files do; a value changed back to its default then disappears from the file."""
    for name, info, kind, detail, _ in _fields(model):
        if name not in raw:
            continue
        value = raw[name]
        if not info.is_required() and value == _plain(info.get_default(call_default_factory=True)):
            del raw[name]
            continue
        inner = schema.inner_model(info.annotation)
        if inner is None:
            continue
        if isinstance(value, dict) and kind == "model":
            _trim(value, inner)
        elif isinstance(value, dict):
            for v in value.values():
                if isinstance(v, dict):
                    _trim(v, inner)
        elif isinstance(value, list):
            for v in value:
                if isinstance(v, dict):
                    _trim(v, inner)
    return raw


def _yaml_update(text: str | None, old, new, raw: dict, model) -> str:
    from ruamel.yaml.comments import CommentedMap

    y = _ruamel()
    doc = y.load(text) if text else None
    if not isinstance(doc, CommentedMap):
        doc = CommentedMap()
        old = None
    _merge(doc, old, new, raw, model)
    out = io.StringIO()
    y.dump(doc, out)
    return out.getvalue()


def _merge(node, old, new, raw: dict, model) -> None:
    """Make `node` say what `raw` says, keeping every key whose meaning did not change (and so its bytes)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    names = list(model.model_fields)
    for name in names:
        ov = getattr(old, name) if old is not None else _EMPTY
        nv = getattr(new, name)
        if ov is not _EMPTY and _same(ov, nv):
            continue
        if name not in raw:
            if name in node:
                del node[name]
            continue
        rv, cur = raw[name], node.get(name)
        kind, detail, _ = schema.shape(model.model_fields[name].annotation)
        if kind == "model" and isinstance(cur, CommentedMap) and isinstance(rv, dict):
            _merge(cur, ov if isinstance(ov, BaseModel) else None, nv, rv, detail)
            continue
        if kind == "dictmodels" and isinstance(cur, CommentedMap) and isinstance(rv, dict):
            for k in [k for k in cur if k not in rv]:
                del cur[k]
            for k, v in rv.items():
                if isinstance(cur.get(k), CommentedMap):
                    _merge(cur[k], ov.get(k) if isinstance(ov, dict) else None, nv[k], v, detail)
                else:
                    cur[k] = _fresh(v, None)
            continue
        sub = schema.inner_model(model.model_fields[name].annotation)
        if (sub is not None and isinstance(cur, CommentedSeq) and isinstance(rv, list) and isinstance(nv, list)
                and all(isinstance(v, dict) for v in rv)):
            olds = ov if isinstance(ov, list) else []
            for i, v in enumerate(rv):
                if i < len(cur) and isinstance(cur[i], CommentedMap):
                    _merge(cur[i], olds[i] if i < len(olds) and isinstance(olds[i], BaseModel) else None, nv[i], v, sub)
                elif i < len(cur):
                    cur[i] = _fresh(v, None)
                else:
                    cur.append(_fresh(v, None))
            del cur[len(rv):]
            continue
        _put(node, name, _fresh(rv, cur), names)


def _same(a, b) -> bool:
    return _plain(a) == _plain(b)


def _put(node, name: str, value, order: list[str]) -> None:
    if name in node:
        node[name] = value
        return
    pos = 0
    keys = list(node)
    for i, k in enumerate(keys):
        if k in order and order.index(k) < order.index(name):
            pos = i + 1
    node.insert(pos, name, value)


def _fresh(value, like):
    """A new YAML node for a plain value, in the style of the node it replaces."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    if isinstance(value, dict):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = _fresh(v, None)
        return m
    if isinstance(value, list):
        s = CommentedSeq(_fresh(v, None) for v in value)
        if isinstance(like, CommentedSeq) and like.fa.flow_style():
            s.fa.set_flow_style()
        elif like is None and value and all(isinstance(v, str) and "\n" not in v for v in value) and \
                sum(len(v) for v in value) < 60:
            s.fa.set_flow_style()  # short lists of values read best on one line, like the sample files
        return s
    if isinstance(value, str):
        if "\n" in value:
            return LiteralScalarString(value)
        if isinstance(like, DoubleQuotedScalarString):
            return DoubleQuotedScalarString(value)
        if re.fullmatch(r"\d+", value):
            return DoubleQuotedScalarString(value)  # a code of digits stays text (the sample's style)
        return value
    return value


# ------------------------------------------------------------------------ commands


def catalogue_for_workbook(content: Path, out: Path, not_done: str) -> Catalogue | None:
    """The checked catalogue a workbook command writes from, or None after saying why
    (`not_done`: what was not made, e.g. 未导出)."""
    import sys

    if Path(out).suffix.lower() != ".xlsx":
        print(f"{out}: 文件名应以 .xlsx 结尾", file=sys.stderr)
        return None
    catalogue, problems = read_catalogue(content)
    if catalogue is None:
        problems.print()
        print(f"内容有 {len(problems.errors)} 个错误，{not_done}：请先改正（guides check）", file=sys.stderr)
    return catalogue


def write_failed(out: Path, e: OSError) -> int:
    import sys

    print(f"{out}: 无法写入：{os_reason(e)}（文件是否正在 Excel 中打开？）", file=sys.stderr)
    return 1


def run_export(content: Path, out: Path, town: str | None) -> int:
    import sys

    catalogue = catalogue_for_workbook(content, out, "未导出")
    if catalogue is None:
        return 1
    if town and town not in {t.code for t in catalogue.district.towns}:
        known = "、".join(f"{t.code} {t.name}" for t in catalogue.district.towns)
        print(f"--town {town}: 不是本区县的镇（街道）代码（可用：{known}）", file=sys.stderr)
        return 1
    try:
        counts = export_workbook(catalogue, Path(out), town)
    except OSError as e:
        return write_failed(out, e)
    except KeyProblem as e:
        print(f"{out}: 未导出：{e}", file=sys.stderr)
        return 1
    scope = f"{town} {catalogue.town_name(town)}" if town else DISTRICT_SCOPE
    shown = "，".join(f"{k} {v} 行" for k, v in counts.items())
    print(f"已导出（{scope}）到 {out}：{shown}")
    return 0


def run_import(path: Path, content: Path, town: str | None = None, prefer: str | None = None) -> int:
    import sys

    result = import_workbook(Path(path), Path(content), town, prefer)
    if result.conflicts and not result.ok:
        for p in result.problems[:MAX_SHOWN]:
            print(p, file=sys.stderr)
        if len(result.problems) > MAX_SHOWN:
            print(f"……另有 {len(result.problems) - MAX_SHOWN} 处冲突未列出", file=sys.stderr)
        print(f"导入未完成：{result.conflicts} 个记录在导出后内容中也被改过（冲突）；内容文件未做任何改动。"
              "请核对以上各处后选择：--prefer workbook 以工作簿为准覆盖这些记录，"
              "或 --prefer content 保留内容中的现值、只导入其他记录", file=sys.stderr)
        return 1
    if not result.ok:
        for p in result.problems[:MAX_SHOWN]:
            print(p, file=sys.stderr)
        if len(result.problems) > MAX_SHOWN:
            print(f"……另有 {len(result.problems) - MAX_SHOWN} 处错误未列出（先改正以上各处，再导入一次即可看到）",
                  file=sys.stderr)
        print(f"导入未完成：{len(result.problems)} 个错误；内容文件未做任何改动", file=sys.stderr)
        return 1
    for p in result.written:
        print(f"已更新 {p}")
    for p in result.created:
        print(f"已新增 {p}")
    extra = f"，{result.warnings} 个警告（运行 guides check 查看）" if result.warnings else ""
    missing = (f"；内容中另有 {result.not_in_workbook} 个记录不在工作簿中，未改动（停用请按管理员手册办理）"
               if result.not_in_workbook else "")
    if result.conflicts:
        chosen = "保留了内容中的现值" if result.skipped else "以工作簿为准"
        extra += f"；{result.conflicts} 个冲突的记录{chosen}"
    print(f"导入完成：更新 {len(result.written)} 个文件，新增 {len(result.created)} 个，"
          f"{result.unchanged} 个记录没有变化{extra}{missing}")
    return 0
