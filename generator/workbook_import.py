"""`guides import`: a workbook read back into the raw records the YAML loader gives, checked like
`guides check` with each problem at its cell, compared with what was exported (no lost update)."""
from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path


from .files import atomic_write
from .load import RawContent, Source, display, load
from .model import Item, Station, town_code
from .problems import Problems
from .text import normalise_breaks
from . import schema
from .workbook_read import MAX_ROWS, open_workbook  # noqa: F401 -- MAX_ROWS: the limit, named here too
from .workbook_sync import META, find_conflicts, read_meta, record_digest, resolve_scope
from .validate import Catalogue, validate
from .workbook_sheets import ABOUT, Column, DISTRICT_SCOPE, NO, OFFERS, ROOTS, SCOPE_LABEL, Sheet, YES, _EMPTY, _all, _fields, _letter, sheets
from .workbook_yaml import _trim, _yaml_update

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
