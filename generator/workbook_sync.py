"""What a workbook remembers of its export, so that importing it can neither widen its scope nor
undo newer edits.

At export, a very hidden sheet (`_导出信息`; Excel shows very hidden sheets in no menu, LibreOffice
keeps them) records the scope (全区 or one town), and for each record a digest of what it was
and one per top-level field. The whole is signed with HMAC-SHA256 under a key kept on this PC,
outside the workbook and outside content/ (default ~/.config/guides/workbook.key, or the file named
by GUIDES_WORKBOOK_KEY): a town clerk who edits 说明!B2 or the hidden sheet cannot make the
signature agree, so the scope a town workbook can change is the one it was exported with. A
workbook without a valid signature (made elsewhere, exported on another PC, or edited) is imported
only when the person importing states the scope (`--town CODE` or `--town 全区`), and then none of
its remembered digests is trusted.

At import, per record: W is the workbook's record, B what it was at export, D what content/ holds now.
- W = B: the workbook did not change it; content/ stands (a stale workbook never reverts newer edits).
- W ≠ B, D = B: only the workbook changed it; it is applied.
- W ≠ B, D ≠ B, W ≠ D: both changed it since the export: a conflict, naming each differing cell
  with both values; nothing is written unless the administrator chooses (--prefer workbook: the
  workbook's record replaces the content's; --prefer content: those records are left as they are).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from . import hashes

META = "_导出信息"
FORMAT = "guides-workbook-1"
KEY_ENV = "GUIDES_WORKBOOK_KEY"
DISTRICT_SCOPE = "全区"


class KeyProblem(Exception):
    """The signing key cannot be used; the message is for the administrator."""


def key_path() -> Path:
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV]).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "guides" / "workbook.key"


def _key(content: Path | None, create: bool) -> bytes | None:
    path = key_path()
    if content is not None:
        try:
            inside = path.resolve().is_relative_to(Path(content).resolve())
        except OSError:
            inside = False
        if inside:
            raise KeyProblem(f"签名密钥 {path} 在内容目录之中：能改内容的人就能伪造工作簿的导出范围。"
                            f"请把它移到内容目录之外（或用环境变量 {KEY_ENV} 指定其他位置）")
    try:
        data = path.read_bytes().strip()
        return data or None
    except FileNotFoundError:
        if not create:
            return None
    except OSError as e:
        raise KeyProblem(f"无法读取签名密钥 {path}：{e.strerror or e}") from None
    key = secrets.token_hex(32).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:  # O_EXCL: two exports at once must not write two keys
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes().strip()
        with os.fdopen(fd, "wb") as f:
            f.write(key + b"\n")
    except OSError as e:
        raise KeyProblem(f"无法创建签名密钥 {path}：{e.strerror or e}（可用环境变量 {KEY_ENV} 指定可写的位置）") from None
    return key


def _dump(record: BaseModel) -> dict:
    # fields at their default left out: a field the model gains later (with a default) changes no digest
    return record.model_dump(mode="json", exclude_defaults=True)


def digest(value) -> str:
    """A digest of a record's (or a field's) meaning: its JSON form, keys sorted."""
    plain = _dump(value) if isinstance(value, BaseModel) else value
    text = json.dumps(plain, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashes.short(text, hashes.RECORD)


def field_digests(record: BaseModel) -> dict[str, str]:
    dumped = _dump(record)
    return {name: digest(dumped.get(name))[:12] for name in type(record).model_fields}


@dataclass
class Base:
    digest: str
    fields: dict[str, str]


@dataclass
class Meta:
    scope: str | None = None  # the signed scope, None when not signed or not valid
    base: dict[tuple[str, str], Base] = field(default_factory=dict)  # (sheet, code) -> at export
    why_not: str = ""  # why the workbook's scope and digests are not trusted


def _canonical(scope: str, exported: str, rows: list[list[str]]) -> bytes:
    return json.dumps([FORMAT, scope, exported, rows], ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write_meta(wb, scope: str, records: list[tuple[str, BaseModel]], content: Path | None) -> None:
    """The hidden sheet: scope, export time, a digest per record and per field, the signature."""
    from .workbook_cells import append

    key = _key(content, create=True)
    exported = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    rows = [[sheet, str(rec.code), digest(rec), json.dumps(field_digests(rec), separators=(",", ":"))]
            for sheet, rec in records]
    ws = wb.create_sheet(META)
    ws.sheet_state = "veryHidden"
    append(ws, ["格式", FORMAT])
    append(ws, ["导出范围", scope])
    append(ws, ["导出时间", exported])
    append(ws, ["签名", hmac.new(key, _canonical(scope, exported, rows), hashlib.sha256).hexdigest()])
    append(ws, ["表", "编码", "摘要", "字段摘要"])
    for row in rows:
        append(ws, row)
    ws.protection.sheet = True


def read_meta(wb, content: Path) -> Meta:
    """The export's scope and digests when the signature holds; otherwise why not."""
    if META not in wb.sheetnames:
        return Meta(why_not="工作簿中没有导出信息（不是 guides export 导出的，或导出信息被删除了）")
    ws = wb[META]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    head = {r[0]: r[1] for r in values[:4] if r and len(r) > 1}
    rows = [[str(v) if v is not None else "" for v in r[:4]] for r in values[5:] if r and r[0] is not None]
    scope, exported, signature = (str(head.get(k) or "") for k in ("导出范围", "导出时间", "签名"))
    if head.get("格式") != FORMAT:
        return Meta(why_not="工作簿的导出信息格式不对（可能被修改过）")
    try:
        key = _key(content, create=False)
    except KeyProblem as e:
        return Meta(why_not=str(e))
    if key is None:
        return Meta(why_not=f"本机没有签名密钥（{key_path()}）：工作簿可能是在另一台电脑上导出的")
    expected = hmac.new(key, _canonical(scope, exported, rows), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return Meta(why_not="工作簿的导出信息签名不符：导出范围或导出信息被修改过，或工作簿是在另一台电脑上导出的")
    base = {}
    for sheet, code, dig, fields in rows:
        try:
            base[(sheet, code)] = Base(dig, json.loads(fields))
        except ValueError:
            base[(sheet, code)] = Base(dig, {})
    return Meta(scope, base)


def resolve_scope(meta: Meta, shown: str | None, stated: str | None, error) -> str | None:
    """The scope the import may change: the signed one, or the one the person importing states.
    `shown` is what 说明!B2 says (display only); `error(where, field, message)` reports."""
    from .workbook_sheets import ABOUT, SCOPE_LABEL

    if meta.scope is not None:
        if stated and stated != meta.scope:
            error("", "--town", f"本工作簿导出时的范围是“{meta.scope}”（有签名），与 --town {stated} 不符")
            return None
        if shown is not None and shown != meta.scope:
            error(f"{ABOUT}!B2", SCOPE_LABEL, f"导出范围被改成了“{shown}”，导出时是“{meta.scope}”："
                                             "导出范围不能在工作簿中修改，请改回或重新导出")
            return None
        return meta.scope
    if stated is None:
        error("", SCOPE_LABEL, f"无法确认本工作簿的导出范围：{meta.why_not}。请用 --town 镇（街道）代码"
                               f"（或 --town {DISTRICT_SCOPE}）说明本工作簿可以修改的范围后再导入")
        return None
    if shown is not None and shown != stated:
        error(f"{ABOUT}!B2", SCOPE_LABEL, f"工作簿写的导出范围是“{shown}”，与 --town {stated} 不符")
        return None
    return stated


# ------------------------------------------------------------------ conflicts


def _show(value) -> str:
    if value is None or value == [] or value == {}:
        return "（空）"
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        text = "、".join(map(str, value))
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = str(value)
    return text if len(text) <= 80 else text[:78] + "……"


def conflict_cells(model, new: BaseModel, now: BaseModel | None, base: Base | None, locate) -> list[tuple[str, str, str]]:
    """(where, field label, message) for each top-level field where the workbook and the content differ.
    `locate(name)` gives the workbook cell of a field."""
    if now is None:
        return [(locate(None), "", "导出后内容中的这个记录被删除、停用，或现在有错误；工作簿中仍有它")]
    new_d, now_d = _dump(new), _dump(now)  # compared as digested; shown in full
    new_f, now_f = new.model_dump(mode="json"), now.model_dump(mode="json")
    out = []
    for name, info in model.model_fields.items():
        w, c = new_d.get(name), now_d.get(name)
        if digest(w) == digest(c):
            continue
        b = base.fields.get(name) if base else None
        wb_changed = b is None or digest(w)[:12] != b
        content_changed = b is None or digest(c)[:12] != b
        w, c = new_f.get(name), now_f.get(name)
        if b is None:
            msg = f"工作簿中是“{_show(w)}”，内容中是“{_show(c)}”（没有可信的导出记录，无法判断哪一边是后改的）"
        elif wb_changed and content_changed:
            msg = f"两边都改了：工作簿中是“{_show(w)}”，内容中现为“{_show(c)}”"
        elif content_changed:
            msg = f"导出后内容中已改为“{_show(c)}”，工作簿中仍是“{_show(w)}”"
        else:
            msg = f"工作簿中改为“{_show(w)}”，内容中是“{_show(c)}”（本记录的其他字段在导出后被改过）"
        out.append((locate(name), info.title or name, msg))
    return out


def record_digest(model, data: dict) -> str | None:
    """The digest of a workbook's raw record as its model reads it; None if it does not validate."""
    from pydantic import ValidationError

    try:
        return digest(model.model_validate(data))
    except (ValidationError, ValueError, TypeError):
        return None


def find_conflicts(cat, replaced: dict, sources: list, meta: Meta, rec_of: dict) -> tuple[list, list[str]]:
    """Records taken from the workbook that content/ also changed since the export (or that cannot be
    known unchanged there, without a trusted export record): (cell, field label, message) for each
    differing field, and the records' target files. `replaced`: target -> (Source, model) of the
    workbook's records; `sources`: content/ as it is; `rec_of`: target -> the workbook record, whose
    `lines`/`cells`/`row_cell` locate a field."""
    from pydantic import ValidationError

    from .model import Station

    on_disk = {str(s.path): s for s in sources}
    found: list[tuple[str, str, str]] = []
    conflicting: list[str] = []
    for target, (src, model) in replaced.items():
        code = str(src.data["code"])
        new = cat.stations[code] if model is Station else cat.items[code]
        base = meta.base.get(("服务站" if model is Station else "事项", code))
        now = None
        if target in on_disk:
            try:
                now = model.model_validate(on_disk[target].data)
            except ValidationError:
                now = None
        if now is not None and digest(now) == digest(new):
            continue  # the same either way
        if target not in on_disk and base is None:
            continue  # a new record
        if now is not None and base is not None and digest(now) == base.digest:
            continue  # only the workbook changed it
        conflicting.append(target)
        rec = rec_of[target]

        def locate(name, rec=rec):
            if name is not None:
                at = rec.lines.get((name,))
                if at is None:
                    at = next((i for loc, i in rec.lines.items() if loc[:1] == (name,)), None)
                if at is not None:
                    return rec.cells[at]
            return rec.row_cell

        for where, label, message in conflict_cells(model, new, now, base, locate):
            found.append((where, label, "冲突：" + message))
    return found, conflicting
