"""`guides import`: a workbook read back (workbook_rows.py) into the raw records the YAML loader
gives, merged with content/, checked like `guides check` with each problem at its cell, compared
with what was exported (no lost update), and the changed records written back."""
from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from .files import atomic_write
from .load import RawContent, Source, display, load
from .model import Station, town_code
from .problems import Problems
from .workbook_read import MAX_ROWS, open_workbook  # noqa: F401 -- MAX_ROWS: the limit, named here too
from .workbook_rows import CellProblem, CellReader, Record, cell_text, read_records
from .workbook_sync import find_conflicts, read_meta, record_digest, resolve_scope
from .validate import Catalogue, validate
from .workbook_sheets import ABOUT, DISTRICT_SCOPE, OFFERS, ROOTS, SCOPE_LABEL, sheets
from .workbook_yaml import _trim, _yaml_update

# ------------------------------------------------------------------------ import


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


def _check_offers(wb, cat: Catalogue, before, codes: list[str], reader: CellReader) -> None:
    """The derived station × item sheet is for reading: a tick that agrees neither with the content
    before the import nor with the stations' 可办事项 columns was an edit there, which would be lost."""
    if OFFERS not in wb.sheetnames:
        return
    ws = wb[OFFERS]
    header = [c.value for c in ws[1]]
    wanted = set(codes)
    for row in ws.iter_rows(min_row=3):
        code = cell_text(row[0].value).strip() if row and row[0].value is not None else ""
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
    reader = CellReader(path)
    wb = open_workbook(path, reader)
    if wb is None:
        return ImportResult(False, reader.problems)
    meta = read_meta(wb, content)
    scope = resolve_scope(meta, _shown_scope(wb), town, reader.error)
    specs = sheets()
    if scope is None:
        return ImportResult(False, reader.problems)
    read = read_records(wb, specs, scope, reader)

    disk_problems = Problems()
    raw = load(content, disk_problems)
    if raw.district is None:
        return ImportResult(False, reader.problems + [_disk_problem(p) for p in disk_problems.errors])
    towns = {t.get("code") for t in (raw.district.data.get("towns") or []) if isinstance(t, dict)}
    if scope != DISTRICT_SCOPE and scope not in {str(t) for t in towns}:
        reader.error(f"{ABOUT}!B2", SCOPE_LABEL, f"镇（街道）{scope} 不在 district.yaml 的 towns 中")
    merged = _merge(read, raw, meta, scope, content, reader)
    checked = Problems()
    cat = validate(RawContent(raw.root, raw.district, merged.items, merged.stations, raw.retired), checked)
    problems, warnings = _problems_at_cells(reader, disk_problems, checked, merged, read, raw)
    if cat is not None and not problems:
        problems += _offer_edits(wb, cat, raw, merged, reader)
    if problems or cat is None:
        return ImportResult(False, problems, scope=scope)
    return _resolve_and_write(cat, merged, raw, read, meta, scope, prefer, warnings, reader)


def _disk_problem(p) -> CellProblem:
    return CellProblem(f"{p.path}:{p.line}", p.field, p.message)


@dataclass
class _Merged:
    """content/'s records with the workbook's changed ones in their place."""
    items: list[Source]
    stations: list[Source]
    replaced: dict[str, tuple[Source, type]] = field(default_factory=dict)  # target path -> workbook record, model
    rec_of: dict[str, Record] = field(default_factory=dict)  # target path -> the workbook's cells
    as_exported: int = 0  # records the workbook did not change: content/ stands, even if newer


def _merge(read: dict[str, dict[str, Record]], raw: RawContent, meta, scope: str, content: Path,
           reader: CellReader) -> _Merged:
    merged = _Merged(list(raw.items), list(raw.stations))
    for (model, title, folder), sources, existing in (
            (ROOTS[0], merged.items, raw.items), (ROOTS[1], merged.stations, raw.stations)):
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
                merged.as_exported += 1
                continue
            old = by_code.get(code)
            target = old.path if old is not None else _new_path(content, folder, model, code)
            src = Source(target, rec.data, rec.lines)
            if old is not None:
                sources[sources.index(old)] = src
            else:
                sources.append(src)
            merged.replaced[str(target)] = (src, model)
            merged.rec_of[str(target)] = rec
    merged.items.sort(key=lambda s: str(s.path))
    merged.stations.sort(key=lambda s: str(s.path))
    return merged


def _new_path(content: Path, folder: str, model: type, code: str) -> Path:
    """Where a record new in the workbook is written: a station under its town's folder."""
    if model is Station:
        return Path(display(content / folder / town_code(code) / f"{code}.yaml"))
    return Path(display(content / folder / f"{code}.yaml"))


def _problems_at_cells(reader: CellReader, disk_problems: Problems, checked: Problems, merged: _Merged,
                       read: dict[str, dict[str, Record]], raw: RawContent) -> tuple[list[CellProblem], int]:
    """The reading's problems, content/'s own (of records the workbook does not replace), and the
    validation's, each at its cell; and the count of the workbook's records' warnings."""
    seen_cells = {(p.where, p.field) for p in reader.problems}
    cell_taken = {p.where for p in reader.problems}
    problems = list(reader.problems)
    problems += [_disk_problem(p) for p in disk_problems.errors if p.path not in merged.replaced]
    warnings = 0
    # an item whose row has an error is left out of the catalogue; "item X does not exist" would then be untrue
    known = {c for t in read.values() for c in t} | {str(s.data.get("code")) for s in raw.items if isinstance(s.data, dict)}
    for p in checked:
        m = re.match(r"^事项“(.+)”不存在于 items/ 中$", p.message)
        if m and m.group(1) in known:
            continue
        rec = merged.rec_of.get(p.path)
        if p.level == "warning":
            warnings += rec is not None
            continue
        if rec is None:
            problems.append(_disk_problem(p))
            continue
        where = f"{reader.name}:{rec.cells[p.line] if 0 <= p.line < len(rec.cells) else rec.row_cell}"
        field_label = _ASCII_LOC.sub("", p.field)
        if where in cell_taken or (where, field_label) in seen_cells:
            continue  # the cell's own type error already speaks for it
        seen_cells.add((where, field_label))
        problems.append(CellProblem(where, field_label, p.message))
    return problems, warnings


def _offer_edits(wb, cat: Catalogue, raw: RawContent, merged: _Merged, reader: CellReader) -> list[CellProblem]:
    """Ticks changed on the derived 服务站可办事项 sheet (see _check_offers), as problems."""
    known_problems = len(reader.problems)

    @functools.cache
    def offers_before() -> dict[str, list[str]]:
        old_cat = validate(raw, Problems())
        return old_cat.offers if old_cat else {}

    # only stations taken from the workbook: the ticks of one left as exported may be stale
    applied = [str(src.data.get("code")) for src, model in merged.replaced.values() if model is Station]
    _check_offers(wb, cat, offers_before, [c for c in applied if c in cat.stations], reader)
    return reader.problems[known_problems:]


def _resolve_and_write(cat: Catalogue, merged: _Merged, raw: RawContent, read: dict[str, dict[str, Record]],
                       meta, scope: str, prefer: str | None, warnings: int, reader: CellReader) -> ImportResult:
    """Records changed both in the workbook and in content/ since the export: refused, or resolved
    by `prefer`; then the changed records written."""
    in_scope = (raw.items if scope == DISTRICT_SCOPE else []) + [
        s for s in raw.stations if scope == DISTRICT_SCOPE or s.path.parent.name == scope]
    in_workbook = {code for records in read.values() for code in records}
    not_in = sum(1 for s in in_scope if isinstance(s.data, dict) and str(s.data.get("code")) not in in_workbook)
    replaced = merged.replaced
    found, conflicting = find_conflicts(cat, replaced, raw.items + raw.stations, meta, merged.rec_of)
    conflicts = [CellProblem(f"{reader.name}:{cell}", label, message) for cell, label, message in found]
    if conflicting and prefer not in ("workbook", "content"):
        return ImportResult(False, conflicts, scope=scope, conflicts=len(conflicting))
    if prefer == "content":
        for target in conflicting:
            del replaced[target]
    result = _write_back(cat, replaced, raw, warnings, scope, not_in)
    result.unchanged += merged.as_exported
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
