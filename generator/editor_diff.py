"""A record's change field by field, as the change report shows it (字段 / 原来 / 现在):
for a conflict (both versions), a draft under review and a record's history."""
from __future__ import annotations

import tempfile
from pathlib import Path

from . import model
from .load import parse_sent
from .problems import Problems
from .report import field_changes as _field_changes


def record_model(rel: str):
    """The model of a record from its path inside content/."""
    if rel == "district.yaml":
        return model.District
    return model.Item if rel.startswith("items/") else model.Station


def data_of(data: bytes | None) -> dict:
    """The record's values, read with the guards of content/ files; {} if it cannot be read."""
    if not data:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        src = parse_sent(data, "record", Problems(), Path(tmp))
    return src.data if src is not None and isinstance(src.data, dict) else {}


def field_changes(rel: str, old: bytes | None, new: bytes | None, *,
                  old_label: str = "原来", new_label: str = "现在") -> dict:
    """{"columns": [字段, old_label, new_label], "rows": [{field, old, new}]}"""
    rows = _field_changes(record_model(rel), data_of(old), data_of(new))
    return {"columns": ["字段", old_label, new_label],
            "rows": [{"field": r["field"], "old": r["old"], "new": r["new"]} for r in rows]}


def rows_text(changes: dict, limit: int = 5) -> str:
    """The first rows of a difference as one line each, for a message: 字段：A（现在的版本）／B（你的修改）."""
    old, new = changes["columns"][1], changes["columns"][2]
    rows = changes["rows"]
    lines = [f"{r['field']}：{r['old']}（{old}）／{r['new']}（{new}）" for r in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"……另有 {len(rows) - limit} 处不同")
    return "\n".join(lines)
