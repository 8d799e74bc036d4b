"""`guides import`, reading: a workbook's sheets read back into the raw records the YAML loader
gives (workbook_sheets.py says which sheet and column holds which field), each value with the cell
it came from, so that every problem the check finds is told at its cell. A wrong type, a formula,
a merged cell, a duplicate or unknown header or code is an error here, at its cell."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from .load import display
from .text import normalise_breaks
from . import schema
from .workbook_sync import META
from .workbook_sheets import ABOUT, Column, DISTRICT_SCOPE, NO, OFFERS, ROOTS, Sheet, YES, _EMPTY, _all, _fields, _letter
from .model import Item


@dataclass(frozen=True)
class CellProblem:
    where: str  # FILE.xlsx:工作表!B7 (or a content file:line for a record not in the workbook)
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}" if self.field else f"{self.where}: {self.message}"


@dataclass
class Record:
    """A record read from the workbook: its raw data and the cell each value came from."""
    data: dict
    cells: list[str]  # index -> 'Sheet!B7'; Source.lines maps a location to an index here
    lines: dict[tuple, int]
    row_cell: str

    def locate(self, loc: tuple, cell: str) -> None:
        self.cells.append(cell)
        self.lines[loc] = len(self.cells) - 1


class CellReader:
    """The problems found while reading a workbook, each at its cell."""

    def __init__(self, path: Path):
        self.path = path
        self.name = display(path)
        self.problems: list[CellProblem] = []

    def error(self, where: str, field: str, message: str) -> None:
        self.problems.append(CellProblem(f"{self.name}:{where}" if where else self.name, field, message))


def read_records(wb, specs: list[Sheet], scope: str, reader: CellReader) -> dict[str, dict[str, Record]]:
    """Every known sheet's records, shaped as the YAML loader gives them; an unknown sheet is an error."""
    for ws in wb.worksheets:
        if ws.title in (ABOUT, OFFERS, "选项", META):
            continue
        if ws.title not in {s.title for root in specs for s in _all(root)}:
            reader.error(f"{ws.title}!A1", "工作表", "未知的工作表：不会被导入，请删除（或改回导出时的表名）")
    read = _read_sheets(wb, specs, scope, reader)
    for root in specs:
        if root.title in read:
            _finish(read[root.title], root, reader)
    return read


def _convert(col: Column, cell, reader: CellReader, where: str):
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
        return [line for line in cell_text(value).split("\n") if line.strip()]
    if kind == "yaml":
        import yaml

        try:
            return yaml.safe_load(cell_text(value))
        except yaml.YAMLError as e:
            reader.error(where, col.header, f"格式错误：{e}")
            return _EMPTY
    return cell_text(value)


def cell_text(value) -> str:
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


def _headers(ws, sheet: Sheet, reader: CellReader) -> dict[str, int] | None:
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


def _check_merged(ws, reader: CellReader) -> bool:
    merged = list(ws.merged_cells.ranges)
    for rng in merged:
        reader.error(f"{ws.title}!{rng.coord}", "合并单元格", "有合并的单元格：请取消合并（“合并后居中”→取消），每个单元格各填各的值")
    return not merged


def _read_sheets(wb, specs: list[Sheet], scope: str, reader: CellReader) -> dict[str, dict[str, Record]]:
    """Records by root sheet title, then by code, each with the cell of every value."""
    out: dict[str, dict[str, Record]] = {}
    for root in specs:
        if scope != DISTRICT_SCOPE and root.model is Item:
            if root.title in wb.sheetnames:
                reader.error(f"{root.title}!A1", "", "镇（街道）工作簿不能修改事项目录：请删除本表，事项请用全区工作簿修改")
            continue
        records: dict[str, Record] = {}
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


def _read_rows(ws, sheet: Sheet, heads: dict[str, int], records: dict[str, Record], reader: CellReader) -> None:
    """A sheet's rows into `records`: a root sheet's rows are records, a child sheet's rows are
    elements of a record's list or dict; every value with its cell."""
    code_col = heads[sheet.code_header] if sheet.field else heads[next(c.header for c in sheet.columns if c.key)]
    first_row: dict[str, int] = {}
    for row in ws.iter_rows(min_row=2):
        if not row or all(c.value is None or c.value == "" for c in row):
            continue
        cells = _Row(ws, row)
        code_cell = cells[code_col]
        where = cells.where(code_cell)
        code = _row_code(code_cell, where, sheet, reader)
        if code is None:
            continue
        if not sheet.field:
            placed = _new_record(code, code_cell.row, where, sheet, records, first_row, reader)
        else:
            placed = _new_element(code, where, cells, heads, sheet, records, reader)
        if placed is not None:
            _read_values(cells, sheet, heads, code, where, *placed, reader)


class _Row:
    """A row's cells by column index; openpyxl's row ends at the last cell written in it."""

    def __init__(self, ws, row):
        self.ws, self.row = ws, row

    def __getitem__(self, i: int):
        return self.row[i] if i < len(self.row) else self.ws.cell(row=self.row[0].row, column=i + 1)

    def where(self, cell) -> str:
        return f"{self.ws.title}!{cell.coordinate}"


def _row_code(cell, where: str, sheet: Sheet, reader: CellReader) -> str | None:
    """The code of the record a row belongs to (its own, on a root sheet), or None: an error."""
    if cell.data_type == "f":
        reader.error(where, sheet.code_header, f"单元格是公式（{cell.value}），这里应填写值")
        return None
    code = cell_text(cell.value).strip() if cell.value is not None else ""
    if not code:
        reader.error(where, sheet.code_header, "本行有内容但没有编码")
        return None
    return code


def _new_record(code: str, row: int, where: str, sheet: Sheet, records: dict[str, Record],
                first_row: dict[str, int], reader: CellReader) -> tuple[Record, dict, tuple] | None:
    """A root sheet's row: a new record (its data, the path of its values), or None: a duplicate."""
    if code in records:
        reader.error(where, sheet.code_header, f"编码“{code}”重复（第 {first_row[code]} 行已有）")
        return None
    first_row[code] = row
    rec = Record({}, [], {}, where)
    rec.locate((), where)
    records[code] = rec
    return rec, rec.data, ()


def _new_element(code: str, where: str, cells: _Row, heads: dict[str, int], sheet: Sheet,
                 records: dict[str, Record], reader: CellReader) -> tuple[Record, dict, tuple] | None:
    """A child sheet's row: a new element of its record's list or dict (its data, the path of its
    values), or None: an error."""
    rec = records.get(code)
    if rec is None:
        reader.error(where, sheet.code_header, f"编码“{code}”不在“{_root_title(sheet)}”表中")
        return None
    holder = rec.data
    for name in sheet.field[:-1]:
        holder = holder.setdefault(name, {})
    if sheet.dict_key:
        return _new_dict_entry(rec, holder, cells, cells[heads[sheet.dict_key]], sheet, reader)
    container = holder.get(sheet.field[-1])
    if container is not None and not isinstance(container, list):
        col = sheet.union_scalar
        reader.error(rec.cells[rec.lines[col.path]] if col and col.path in rec.lines else rec.row_cell,
                     col.header if col else "", f"已在“{sheet.title}”表中逐条列出，这里应留空")
        return None
    if container is None:
        container = holder[sheet.field[-1]] = []
    container.append(target := {})
    base = sheet.field + (len(container) - 1,)
    rec.locate(base, where)
    return rec, target, base


def _new_dict_entry(rec: Record, holder: dict, cells: _Row, kcell, sheet: Sheet,
                    reader: CellReader) -> tuple[Record, dict, tuple] | None:
    """A row of a dict's sheet: the entry under its key (its own column), or None: an error."""
    key = cell_text(kcell.value).strip() if kcell.value is not None else ""
    kwhere = cells.where(kcell)
    if not key:
        reader.error(kwhere, sheet.dict_key, "本行有内容但没有编码")
        return None
    container = holder.setdefault(sheet.field[-1], {})
    if not isinstance(container, dict) or key in container:
        reader.error(kwhere, sheet.dict_key, f"“{key}”重复")
        return None
    container[key] = target = {}
    base = sheet.field + (key,)
    rec.locate(base, kwhere)
    return rec, target, base


def _read_values(cells: _Row, sheet: Sheet, heads: dict[str, int], code: str, where: str, rec: Record,
                 target: dict, base: tuple, reader: CellReader) -> None:
    """A row's values into `target`, each located at its cell (a nested record at its first column)."""
    for col in sheet.columns:
        if col.key:
            target["code"] = code
            rec.locate(("code",), where)
            continue
        cell = cells[heads[col.header]]
        cwhere = cells.where(cell)
        value = _convert(col, cell, reader, cwhere)
        holder = target
        for i, name in enumerate(col.path[:-1]):
            if base + col.path[: i + 1] not in rec.lines:  # a nested record is found at its first column
                rec.locate(base + col.path[: i + 1], cwhere)
            holder = holder.setdefault(name, {})
        rec.locate(base + col.path, cwhere)
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


def _finish(records: dict[str, Record], root: Sheet, reader: CellReader) -> None:
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
