"""Writing imported records back into their YAML files with ruamel.yaml: comments, quotes and key
order kept, fields at their default left out as people write them."""
from __future__ import annotations

import io
import re

from pydantic import BaseModel

from . import schema
from .workbook_read import MAX_ROWS, open_workbook  # noqa: F401 -- MAX_ROWS: the limit, named here too
from .workbook_sheets import _EMPTY, _fields, _plain

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
