"""The web editor at /admin/ (Decap CMS): its configuration, generated from the model,
and the editor's files, copied into the built site.

Decap CMS (npm `decap-cms`, vendored from node_modules, never from a CDN) edits the
YAML files of `content/` through a git backend: Netlify git-gateway with the editorial
workflow in production (a town's change is a draft the district approves), our own backend
for Decap's proxy API on the office PC (`guides edit`, generator/edit.py). Every field of the form comes from `generator/model.py`:
its Chinese label (`title`), its hint (`description`), whether it is required, drop-downs
for enumerations (Literal) and for item codes (fields marked `refers="item"`). A field the
form cannot show (a mapping keyed by item code, or a value that is either a word or a
list) is kept as it is by a hidden widget (`not_in_form`; docs/ADMIN.md names them).

Decap writes YAML itself: comments are lost, keys come out in the form's order (which
is the model's order), strings that would read as numbers or dates are quoted.
"""
from __future__ import annotations

import datetime as dt
import typing
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel

from . import editor_media, model, schema

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "node_modules" / "decap-cms" / "dist"
BUNDLE = "decap-cms.js"
HERE = Path(__file__).parent / "cms"          # our own files for /admin/ (page, preview)
SITE_DIR = "admin"


# ------------------------------------------------------------------ model → widgets


def _literal_options(annotation) -> list[str] | None:
    if typing.get_origin(annotation) is typing.Literal:
        return [str(a) for a in typing.get_args(annotation)]
    return None


def _extra(info) -> dict:
    extra = info.json_schema_extra
    return extra if isinstance(extra, dict) else {}


def _item_relation(multiple: bool) -> dict:
    """A drop-down of the catalogue's item codes (searchable by code or name)."""
    return {"widget": "relation", "collection": "items", "value_field": "code",
            "search_fields": ["code", "name"], "display_fields": ["{{code}} {{name}}"],
            "multiple": multiple, "options_length": 100}


@dataclass(frozen=True)
class _Shape:
    """What the widget rules ask of one model field."""
    info: typing.Any          # pydantic FieldInfo
    annotation: typing.Any    # without Optional
    optional: bool
    has_default: bool
    refers: str | None        # "item", "item_set" (json_schema_extra) or None
    label: str
    sets: tuple[str, ...]     # the district's item set names

    @property
    def origin(self):
        return typing.get_origin(self.annotation)

    def default(self, value=None) -> dict:
        """The form's default: the model's own (or `value`) when the field has one."""
        if not self.has_default:
            return {}
        return {"default": self.info.default if value is None else value}


def field(name: str, info, sets: tuple[str, ...] = ()) -> dict:
    """The Decap field for one model field. `sets`: the district's item set names."""
    annotation, optional = schema.unwrap_optional(info.annotation)
    out: dict = {"name": name, "label": info.title or name}
    hint = " ".join(filter(None, [info.description, schema.examples(info) and "例如：" + "、".join(schema.examples(info))]))
    if hint:
        out["hint"] = hint
    has_default = not info.is_required()
    out["required"] = not (optional or has_default)
    shape = _Shape(info, annotation, optional, has_default, _extra(info).get("refers"), out["label"], sets)
    out.update(next(w for rule in _WIDGETS if (w := rule(shape)) is not None))
    return out


def _choice(f: _Shape) -> dict | None:
    """A drop-down of fixed choices (Literal) or of the district's item sets."""
    options = list(f.sets) if f.refers == "item_set" else _literal_options(f.annotation)
    return None if options is None else {"widget": "select", "options": options}


def _item(f: _Shape) -> dict | None:
    """One item code, or several, from the catalogue."""
    return _item_relation(multiple=f.origin is list) if f.refers == "item" else None


def _boolean(f: _Shape) -> dict | None:
    return {"widget": "boolean", **f.default()} if f.annotation is bool else None


def _number(f: _Shape) -> dict | None:
    if f.annotation is not int:
        return None
    ge, le = schema.bounds(f.info)
    out = {"widget": "number", "value_type": "int", **{k: v for k, v in (("min", ge), ("max", le)) if v is not None}}
    return out | (f.default() if f.info.default is not None else {})


def _date(f: _Shape) -> dict | None:
    # stored as 2026-10-15, which the loader reads as a date
    if f.annotation is not dt.date:
        return None
    return {"widget": "datetime", "format": "YYYY-MM-DD", "date_format": "YYYY-MM-DD", "time_format": False,
            "picker_utc": True}


def _record(f: _Shape) -> dict | None:
    """A nested record (申请材料's 审批结果, 办公时间...): its own fields in a box."""
    if not (isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel)):
        return None
    sub = fields(f.annotation, f.sets)
    if f.optional:  # an optional record (审批结果) may be left empty: its own required fields are then not
        sub = [{**one, "required": False} for one in sub]   # asked for; guides check still checks a filled one
    return {"widget": "object", "collapsed": False, "fields": sub}


def _list_of_choices(f: _Shape) -> dict | None:
    """Several of fixed choices (服务对象, 办理形式, 结果送达方式): one multiple-choice drop-down."""
    if f.origin is not list:
        return None
    options = _literal_options(schema.unwrap_optional(typing.get_args(f.annotation)[0])[0])
    if not options:
        return None
    return {"widget": "select", "multiple": True, "options": options, **f.default([])}


def _list(f: _Shape) -> dict | None:
    if f.origin is not list:
        return None
    (inner,) = typing.get_args(f.annotation)
    inner, _ = schema.unwrap_optional(inner)
    out: dict = {"widget": "list", "collapsed": False}  # an administrator sees what is there
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        out["fields"] = fields(inner, f.sets)
        out["summary"] = "{{fields." + next(iter(inner.model_fields)) + "}}"
    else:
        out["field"] = {"name": "value", "label": f.label, "widget": "string"}
    if _min_length(f.info):
        out["min"] = _min_length(f.info)
    return out | f.default([])


def _attachment(f: _Shape) -> dict | None:
    """A file under content/files/ (空表, 样表, 审批结果样本): chosen or uploaded with Decap's file widget;
    the record keeps the bare file name (public_folder "") and the server checks the upload
    (generator/editor_media.py); the size limit is said before uploading."""
    if f.annotation is not str or getattr(_pattern(f.info), "pattern", None) != model.ATTACHMENT_PATTERN:
        return None
    return {"widget": "file", "choose_url": False,
            "pattern": [model.ATTACHMENT_PATTERN, "文件名只能用汉字、字母、数字和（）()._-，如 低保申请书.pdf"],
            "media_library": {"config": {"multiple": False, "max_file_size": editor_media.MAX_BYTES}}}


def _string(f: _Shape) -> dict | None:
    if f.annotation is not str:
        return None
    out: dict = {"widget": "string"}
    pattern = getattr(_pattern(f.info), "pattern", None)
    if pattern:
        # Decap shows it as “〈label〉”写得不对：〈this〉 (generator/cms/editor.js): say how to write it
        examples = schema.examples(f.info)
        out["pattern"] = [pattern, "应写成如 " + "、".join(examples) if examples else (f.info.description or "格式不对")]
    return out | (f.default() if f.info.default is not None else {})


def _hidden(f: _Shape) -> dict:
    # a mapping keyed by item code, or a word-or-list union: the form cannot show it,
    # so it is kept as written (edit it in the YAML file; docs/ADMIN.md)
    return {"widget": "hidden", "required": False}


# The widget of a field: the first rule that takes it (order matters: a list of item codes is a
# relation, not a list; a list of choices is a drop-down, not a list).
_WIDGETS = (_choice, _item, _boolean, _number, _date, _record, _list_of_choices, _list, _attachment, _string,
            _hidden)


def _pattern(info):
    for m in schema.constraints(info):
        if getattr(m, "pattern", None):
            return m
    return None


def _min_length(info) -> int:
    for m in schema.constraints(info):
        if getattr(m, "min_length", None):
            return m.min_length
    # `Text` is Annotated[str, Field(min_length=1)]: the constraint sits on the type
    for m in getattr(info.annotation, "__metadata__", ()):
        if getattr(m, "min_length", None):
            return m.min_length
    return 0


def fields(record: type[BaseModel], sets: tuple[str, ...] = ()) -> list[dict]:
    return [field(name, info, sets) for name, info in record.model_fields.items()]


def not_in_form(record: type[BaseModel]) -> list[str]:
    """Chinese labels of the fields the form keeps but cannot show (for the docs and the hint)."""
    return [f["label"] for f in fields(record) if f["widget"] == "hidden"]


# ------------------------------------------------------------------ the configuration


def config(district: model.District, *, prefix: str = "content", proxy: str | None = None,
           workflow: bool = False) -> dict:
    """Decap's config.yml. `prefix`: the content folder relative to the repository root.
    `proxy`: for `guides edit`, the address of its backend (generator/edit.py); `workflow`:
    saves are drafts that a reviewer publishes (`guides edit --office`)."""
    common = {"extension": "yaml", "format": "yaml", "delete": False}
    collections = [{
        "name": "items", "label": "事项", "label_singular": "事项",
        "description": "全区统一的事项要素。删除事项会使已印在纸上的网址失效：停用请登记在 retired.yaml（见管理员手册）。",
        "folder": f"{prefix}/items", "create": True, "slug": "{{code}}", "identifier_field": "code",
        "summary": "{{code}} {{name}}", "sortable_fields": ["code", "name", "updated"], **common,
        "fields": fields(model.Item),
    }]
    for town in district.towns:
        collections.append({
            "name": f"stations-{town.code}", "label": f"服务站 · {town.name}", "label_singular": "服务站",
            "description": f"{town.name}（{town.code}）的村（社区）便民服务站。",
            "folder": f"{prefix}/stations/{town.code}", "create": True, "slug": "{{code}}",
            "identifier_field": "code", "summary": "{{name}}（{{code}}）", **common,
            "fields": fields(model.Station, tuple(district.item_sets)),
        })
    collections.append({
        "name": "district", "label": "区县设置", "delete": False, "editor": {"preview": False},
        "files": [{"name": "district", "label": "区县设置", "file": f"{prefix}/district.yaml",
                   "fields": fields(model.District)}],
    })
    out = {
        "locale": "zh_Hans",
        "backend": {"name": "git-gateway", "branch": "main",
                    "commit_messages": {"create": "新建{{collection}}：{{slug}}", "update": "修改{{collection}}：{{slug}}",
                                        "delete": "删除{{collection}}：{{slug}}",
                                        "uploadMedia": "上传 {{path}}", "deleteMedia": "删除 {{path}}"}},
        "publish_mode": "editorial_workflow",
        "site_url": district.site_url,
        "display_url": district.site_url,
        # attachments (申请表格, 审批结果样本): uploaded into content/files/, the record keeps the bare name
        "media_folder": f"{prefix}/files", "public_folder": "",
        "logo_url": "logo.svg",  # the login page shows the district's editor, not Decap's brand
        "show_preview_links": False,
        "search": True,
        "collections": collections,
    }
    if proxy:
        out["backend"] = {"name": "proxy", "proxy_url": proxy, "branch": "main"}
        if not workflow:
            del out["publish_mode"]  # single-user mode saves straight to content/
    return out


def config_yaml(district: model.District, **kw) -> bytes:
    head = "# 由 guides build 根据 generator/model.py 生成，请勿手工修改\n"
    return (head + yaml.safe_dump(config(district, **kw), allow_unicode=True, sort_keys=False,
                                  width=1000)).encode("utf-8")


# ------------------------------------------------------------------ the editor's files


def bundle_files() -> list[Path]:
    """Decap's files the browser loads: the bundle, its lazily loaded chunks and WebAssembly
    (not the source maps, not the `cms.js` alias)."""
    if not (DIST / BUNDLE).exists():
        return []
    return sorted(p for p in DIST.iterdir()
                  if p.name.endswith(("decap-cms.js", ".wasm")) and not p.name.endswith(".map"))


def page(district: model.District) -> bytes:
    html = (HERE / "index.html").read_text(encoding="utf-8")
    return html.replace("{{ title }}", f"内容编辑 · {district.name}办事指南").encode("utf-8")


def site_files(district: model.District, prefix: str = "content") -> dict[str, bytes | Path]:
    """`admin/...` path → bytes, or the file to copy. Empty without node_modules (see README)."""
    bundle = bundle_files()
    if not bundle:
        return {}
    out: dict[str, bytes | Path] = {f"{SITE_DIR}/{p.name}": p for p in bundle}
    out[f"{SITE_DIR}/index.html"] = page(district)
    out[f"{SITE_DIR}/config.yml"] = config_yaml(district, prefix=prefix)
    for own in sorted(HERE.glob("*")):
        if own.name != "index.html":
            out[f"{SITE_DIR}/{own.name}"] = own
    return out


def prefix(content: Path) -> str:
    """The content folder as the git backend names it: relative to the repository root
    (the working directory of `guides build`, as on Netlify)."""
    content = Path(content)
    try:
        return content.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return content.name


MISSING = ("未找到 node_modules/decap-cms：网站不含内容编辑器 /admin/（先运行 npm ci，"
           "或 make site；指南页面不受影响）")
