"""Files an item attaches (issue 23.5): 审批结果 samples and 申请表格 blank and sample forms, kept
under content/files/ and published at /files/<name> for residents to download and print.

Hostile input: a name is a plain file name (the model's ATTACHMENT_PATTERN: no folder, no leading
dot); the file must be a regular file directly in content/files/ (not a symlink, a device or a
FIFO, looked at with lstat before it is opened) and at most 10 MB.
"""
from __future__ import annotations

import stat
from pathlib import Path

from .model import Item

FOLDER = "files"
MAX_BYTES = 10 * 1024 * 1024
OWNS = (f"{FOLDER}/*",)  # the site's files/ holds only what items name: a file no item names is removed (build.py)


def names(item: Item) -> list[tuple[tuple, str]]:
    """(location in the item, file name) of every file the item names."""
    out = []
    if item.outcome and item.outcome.sample:
        out.append((("outcome", "sample"), item.outcome.sample))
    for i, form in enumerate(item.forms):
        for key in ("blank", "sample"):
            if getattr(form, key):
                out.append((("forms", i, key), getattr(form, key)))
    return out


def problem(root: Path, name: str) -> str | None:
    """Why content/files/<name> cannot be published, in Chinese; None when it can."""
    path = Path(root) / FOLDER / name
    try:
        st = path.lstat()
    except FileNotFoundError:
        return f"文件 {FOLDER}/{name} 不存在：请把文件放进内容目录的 {FOLDER}/ 文件夹"
    except OSError as e:
        return f"文件 {FOLDER}/{name} 无法读取（{e.strerror}）"
    if stat.S_ISLNK(st.st_mode):
        return f"文件 {FOLDER}/{name} 是符号链接：请放入文件本身"
    if not stat.S_ISREG(st.st_mode):
        return f"{FOLDER}/{name} 不是普通文件"
    if st.st_size > MAX_BYTES:
        return f"文件 {FOLDER}/{name} 过大（{st.st_size / 1024 / 1024:.1f} MB，上限 10 MB）"
    return None


def site_files(root: Path, items: dict[str, Item]) -> dict[str, bytes]:
    """Site path -> bytes of every attached file (checked by validate, read here)."""
    out = {}
    for item in items.values():
        for _, name in names(item):
            out[f"{FOLDER}/{name}"] = (Path(root) / FOLDER / name).read_bytes()
    return out
