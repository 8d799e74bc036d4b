"""One walker of the model's annotations: what shape a field is, its constraints, bounds and
examples. The web editor's configuration (cms.py), the workbook (workbook.py) and the model's
own labels read fields through here, so they cannot disagree (a bound on a named type such as
`Phone` or `Name` reaches every surface)."""
from __future__ import annotations

import datetime as dt
import types
import typing

from pydantic import BaseModel

_NONE = type(None)


def union_args(annotation) -> tuple:
    """The branches of `A | B` (empty for anything else)."""
    return typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) else ()


def unwrap_optional(annotation) -> tuple[object, bool]:
    """(the annotation without `| None` and without `Annotated[...]`, whether None was allowed)."""
    args = union_args(annotation)
    optional = False
    if _NONE in args:
        rest = [a for a in args if a is not _NONE]
        annotation, optional = (rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]), True
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation, optional


def constraints(info) -> list:
    """The field's constraints, with those of a named type it uses (`Phone | None`)."""
    out = list(info.metadata)
    annotation = info.annotation
    for arg in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(arg) is typing.Annotated:
            for m in typing.get_args(arg)[1:]:
                out.extend([m, *getattr(m, "metadata", [])])
    return out


def bounds(info) -> tuple[int | None, int | None]:
    """(ge, le) of a number field, wherever they are declared."""
    ge = le = None
    for m in constraints(info):
        ge = getattr(m, "ge", None) if getattr(m, "ge", None) is not None else ge
        le = getattr(m, "le", None) if getattr(m, "le", None) is not None else le
    return ge, le


def examples(info) -> list:
    for m in [info, *constraints(info)]:
        if getattr(m, "examples", None):
            return list(m.examples)
    return []


def inner_model(annotation) -> type[BaseModel] | None:
    """The record type a field holds, through list[...], dict[..., ...] and | None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = inner_model(arg)
        if found is not None:
            return found
    return None


def scalar(annotation) -> tuple[str, tuple]:
    """(kind, choices) of a single value: choice, bool, int, date, text, or yaml (anything else)."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is typing.Literal:
        return "choice", tuple(typing.get_args(annotation))
    branches = tuple(b for b in union_args(annotation) if b is not _NONE)
    if branches and all(typing.get_origin(b) is typing.Literal for b in branches):
        return "choice", tuple(v for b in branches for v in typing.get_args(b))
    if annotation is bool:
        return "bool", ()
    if annotation is int:
        return "int", ()
    if annotation is dt.date:
        return "date", ()
    if annotation is str:
        return "text", ()
    return "yaml", ()


def shape(annotation) -> tuple[str, object, bool]:
    """(kind, detail, nullable) of an annotation; kind one of model, models, dictmodels, union, lines, scalar."""
    nullable = False
    branches = union_args(annotation)
    if branches:
        nullable = _NONE in branches
        branches = tuple(b for b in branches if b is not _NONE)
        if len(branches) == 1:
            annotation = branches[0]
        else:
            return "union", branches, nullable
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation, nullable
    if origin is list:
        (inner,) = typing.get_args(annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return "models", inner, nullable
        return "lines", scalar(inner), nullable
    if origin is dict:
        _, inner = typing.get_args(annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return "dictmodels", inner, nullable
        return "scalar", ("yaml", ()), nullable
    return "scalar", scalar(annotation), nullable
