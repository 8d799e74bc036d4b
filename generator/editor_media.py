"""Attachments uploaded from the web editor (issue 23.5): 申请表格 空表/样表 and 审批结果 samples,
through Decap's file widget and its proxy API (persistEntry's `assets`, persistMedia, getMedia,
getMediaFile, deleteFile), into content/files/ (generator/attachments.py publishes them).

Hostile input, checked here before anything is written: the path must name a plain file directly in
content/files/ (normalised first, whatever the spelling; no symbolic link on the way); the name
must be one the model accepts (model.ATTACHMENT_PATTERN) and end in .pdf, .png, .jpg or .jpeg;
the content must be base64 and *be* a PDF, PNG or JPEG by its first bytes (the name is not
trusted: a script named .pdf is refused), of the declared kind, at most MAX_BYTES; a file of the
same name with other bytes is never replaced (409: another item's form may be that file).
"""
from __future__ import annotations

import base64
import binascii
import re

from .attachments import FOLDER
from .editor_store import Refused, Store, digest
from .files import atomic_write
from .model import ATTACHMENT_PATTERN

# what an upload may be, by its first bytes (the file's own signature), and the names it may carry
SIGNATURES = ((b"%PDF-", "PDF", ("pdf",)), (b"\x89PNG\r\n\x1a\n", "PNG", ("png",)),
              (b"\xff\xd8\xff", "JPEG", ("jpg", "jpeg")))
# the API reads at most 2 MB per request (serve.MAX_BODY): base64 makes 4/3 of the file, plus the record
MAX_BYTES = 1_400_000
_NAME = re.compile(ATTACHMENT_PATTERN)


def kind_of(data: bytes) -> tuple[str, tuple[str, ...]] | None:
    """(kind, allowed extensions) from the content's signature; None for anything else."""
    for magic, kind, extensions in SIGNATURES:
        if data.startswith(magic):
            return kind, extensions
    return None


class Media:
    """content/files/ as Decap's media library sees it."""

    def __init__(self, store: Store):
        self.store = store

    @property
    def folder(self):
        return self.store.content / FOLDER

    def rel(self, raw) -> str:
        """'files/<name>' for any spelling of a path to a file directly in content/files/; 403 otherwise."""
        rel = self.store._relative(raw)
        name = rel[len(FOLDER) + 1:] if rel.startswith(FOLDER + "/") else ""
        if "/" in name or not name:
            raise Refused(403, f"附件只能放在 {self.store.prefix}/{FOLDER}/ 下，不能写到“{_cut(raw)}”")
        if not _NAME.match(name) or name.rsplit(".", 1)[1].lower() not in {e for *_, es in SIGNATURES for e in es}:
            raise Refused(422, f"附件文件名“{_cut(name)}”不能用：只能用汉字、字母、数字和（）()._-，以 .pdf、.png、.jpg "
                               "或 .jpeg 结尾，不超过 80 个字；请改名后再上传")
        self.store._no_links(rel)
        return rel

    def decode(self, asset) -> tuple[str, bytes]:
        """A Decap asset {path, content (base64), encoding} → (rel, bytes), checked."""
        if not isinstance(asset, dict) or not isinstance(asset.get("content"), str):
            raise Refused(400, "上传的文件格式不对")
        rel = self.rel(asset.get("path"))
        if asset.get("encoding") != "base64" or len(asset["content"]) > (MAX_BYTES + 2) // 3 * 4 + 4:
            raise Refused(413 if asset.get("encoding") == "base64" else 400, _too_big(rel)
                          if asset.get("encoding") == "base64" else "上传的文件编码不对（应为 base64）")
        try:
            data = base64.b64decode(asset["content"], validate=True)
        except (binascii.Error, ValueError):
            raise Refused(400, f"上传的文件 {rel} 内容不完整（base64 有误）：请重新上传") from None
        if len(data) > MAX_BYTES:
            raise Refused(413, _too_big(rel))
        kind = kind_of(data)
        if kind is None:
            raise Refused(415, f"{rel} 不是 PDF、PNG 或 JPEG 文件（按文件内容判断，不看文件名）：请上传 PDF 或图片")
        extension = rel.rsplit(".", 1)[1].lower()
        if extension not in kind[1]:
            raise Refused(415, f"{rel} 的内容是 {kind[0]}，但文件名以 .{extension} 结尾：请改用 .{kind[1][0]} 的文件名")
        return rel, data

    def assets(self, params: dict, user) -> dict[str, bytes]:
        """The files a persistEntry carries (uploaded in the entry's form), checked; {} when none."""
        raw = params.get("assets") or []
        if not isinstance(raw, list):
            raise Refused(400, "上传的文件格式不对")
        if raw and not user.district:
            raise Refused(403, "只有区里的账号可以上传事项的附件")
        out = dict(self.decode(a) for a in raw)
        for rel, data in out.items():
            self.clash(rel, data)
        return out

    def clash(self, rel: str, data: bytes) -> None:
        """Refuse to replace a different file of the same name (an item may publish it)."""
        path = self.store.path(rel)
        if path.is_symlink() or (path.exists() and path.read_bytes() != data):
            raise Refused(409, f"已有同名的附件 {self.store.name(rel)}，内容不同：为免替换别的事项正在用的文件，"
                               "这次没有保存。请把要上传的文件改个名字再上传")

    def write(self, files: dict[str, bytes]) -> list[str]:
        """Write the files that are not there yet; returns those written (to undo a refused save)."""
        written = []
        for rel, data in files.items():
            path = self.store.path(rel)
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(path, data)
                written.append(rel)
        return written

    def undo(self, written: list[str]) -> None:
        for rel in written:
            self.store.path(rel).unlink(missing_ok=True)

    # -------------------------------------------------------------- reading, for the media library

    def file(self, rel: str) -> dict:
        path = self.store.path(rel)
        if not path.is_file() or path.is_symlink():
            raise Refused(404, f"没有附件 {self.store.name(rel)}")
        return answer(self.store.name(rel), path.read_bytes())

    def listing(self) -> list[dict]:
        """The attachments that an upload could also be: PDF, PNG and JPEG files in content/files/."""
        if not self.folder.is_dir() or self.folder.is_symlink():
            return []
        out = []
        for p in sorted(self.folder.iterdir()):
            try:
                rel = self.rel(f"{self.store.prefix}/{FOLDER}/{p.name}")
            except Refused:
                continue
            if p.is_file() and not p.is_symlink() and p.stat().st_size <= MAX_BYTES:
                out.append(answer(self.store.name(rel), p.read_bytes()))
        return out

    def used_by(self, cat_items, rel: str) -> list[str]:
        from .attachments import names

        name = rel[len(FOLDER) + 1:]
        return [code for code, item in cat_items.items() if any(n == name for _, n in names(item))]


def named(rel: str, raw: bytes | str, uploads: dict[str, bytes]) -> dict[str, bytes]:
    """The uploads the record names. Decap sends every file uploaded while the form was open, also
    one chosen and then replaced: only those the saved record names are kept. A record that is not
    a valid item keeps them all (its check refuses the save, and they go with it)."""
    if not uploads or not rel.startswith("items/"):  # (only items name attachments)
        return {}
    import yaml
    from pydantic import ValidationError

    from .attachments import names
    from .model import Item

    try:
        item = Item.model_validate(yaml.safe_load(raw))
    except (yaml.YAMLError, ValidationError, TypeError, ValueError):
        return uploads
    wanted = {f"{FOLDER}/{n}" for _, n in names(item)}
    return {r: data for r, data in uploads.items() if r in wanted}


def answer(path: str, data: bytes) -> dict:
    """Decap's media file: id, name, path and the content in base64."""
    return {"id": digest(data), "name": path.rsplit("/", 1)[1], "path": path,
            "content": base64.b64encode(data).decode("ascii"), "encoding": "base64"}


def _too_big(rel: str) -> str:
    return f"附件 {rel} 太大（上限 {MAX_BYTES / 1000 / 1000:.1f} MB）：请压缩后再上传，或交给技术人员放入 content/files/"


def _cut(raw) -> str:
    text = raw if isinstance(raw, str) else repr(raw)
    text = "".join(c if c.isprintable() else "�" for c in text)
    return text if len(text) <= 80 else text[:77] + "…"
