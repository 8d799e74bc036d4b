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
from pathlib import Path

import yaml
from pydantic import BaseModel

from . import model, schema

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


def field(name: str, info, sets: tuple[str, ...] = ()) -> dict:
    """The Decap field for one model field. `sets`: the district's item set names."""
    annotation, optional = schema.unwrap_optional(info.annotation)
    out: dict = {"name": name, "label": info.title or name}
    hint = " ".join(filter(None, [info.description, schema.examples(info) and "例如：" + "、".join(schema.examples(info))]))
    if hint:
        out["hint"] = hint
    has_default = not info.is_required()
    out["required"] = not (optional or has_default)
    refers = _extra(info).get("refers")
    origin = typing.get_origin(annotation)

    options = _literal_options(annotation)
    if refers == "item_set":
        options = list(sets)
    if options is not None:
        out.update(widget="select", options=options)
    elif refers == "item" and origin is list:
        out.update(_item_relation(multiple=True))
    elif refers == "item":
        out.update(_item_relation(multiple=False))
    elif annotation is bool:
        out["widget"] = "boolean"
        if has_default:
            out["default"] = info.default
    elif annotation is int:
        ge, le = schema.bounds(info)
        out.update(widget="number", value_type="int", **{k: v for k, v in (("min", ge), ("max", le)) if v is not None})
        if has_default and info.default is not None:
            out["default"] = info.default
    elif annotation is dt.date:
        # stored as 2026-10-15, which the loader reads as a date
        out.update(widget="datetime", format="YYYY-MM-DD", date_format="YYYY-MM-DD", time_format=False,
                   picker_utc=True)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        sub = fields(annotation, sets)
        if optional:  # an optional record (审批结果) may be left empty: its own required fields are then not
            sub = [{**f, "required": False} for f in sub]   # asked for; guides check still checks a filled one
        out.update(widget="object", collapsed=False, fields=sub)
    elif origin is list and _literal_options(schema.unwrap_optional(typing.get_args(annotation)[0])[0]):
        # several of fixed choices (服务对象, 办理形式, 结果送达方式): one multiple-choice drop-down
        out.update(widget="select", multiple=True,
                   options=_literal_options(schema.unwrap_optional(typing.get_args(annotation)[0])[0]))
        if has_default:
            out["default"] = []
    elif origin is list:
        (inner,) = typing.get_args(annotation)
        inner, _ = schema.unwrap_optional(inner)
        out.update(widget="list", collapsed=False)  # an administrator sees what is there
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            out["fields"] = fields(inner, sets)
            summary = next(iter(inner.model_fields))
            out["summary"] = "{{fields." + summary + "}}"
        else:
            out["field"] = {"name": "value", "label": out["label"], "widget": "string"}
        out["min"] = _min_length(info)
        if not out["min"]:
            del out["min"]
        if has_default:
            out["default"] = []
    elif annotation is str:
        out["widget"] = "string"
        pattern = getattr(_pattern(info), "pattern", None)
        if pattern:
            # Decap shows it as “〈label〉”写得不对：〈this〉 (generator/cms/editor.js): say how to write it
            examples = schema.examples(info)
            out["pattern"] = [pattern, "应写成如 " + "、".join(examples) if examples else (info.description or "格式不对")]
        if has_default and info.default is not None:
            out["default"] = info.default
    else:
        # a mapping keyed by item code, or a word-or-list union: the form cannot show it,
        # so it is kept as written (edit it in the YAML file; docs/ADMIN.md)
        out["widget"] = "hidden"
        out["required"] = False
    return out


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
        "media_folder": f"{prefix}/media",  # required by Decap; the forms have no upload fields
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
