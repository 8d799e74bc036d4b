"""The workbook's sheets and columns, derived from the model (generator/schema.py walks it):
a record type is a sheet, a nested record columns in words, a list or dict of records its own
sheet linked by code, a list of values one cell with one value a line."""
from __future__ import annotations

import functools

import typing
from dataclasses import dataclass, field

from pydantic import BaseModel

from .model import Item, Station
from . import schema
from .workbook_read import MAX_ROWS, open_workbook  # noqa: F401 -- MAX_ROWS: the limit, named here too

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
                col = Column(path, title, scalar_kind, choices, nullable=True, help=info.description)
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


def _plain(value):
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


_EMPTY = object()


@functools.cache
def _fields(model) -> tuple:
    """(name, info, kind, detail, nullable) of each field: the shapes, worked out once per model."""
    return tuple((name, info, *schema.shape(info.annotation)) for name, info in model.model_fields.items())
