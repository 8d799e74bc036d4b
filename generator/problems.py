"""Problems found while reading and checking content, printed as `path:line: field: message`."""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    field: str
    message: str
    level: str = "error"  # or "warning"
    kind: str = ""  # what warnings of the same kind share (grouped into one line); "" : the field

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}: "
        what = f"{self.field}: " if self.field else ""
        tag = "警告：" if self.level == "warning" else ""
        return f"{where}{tag}{what}{self.message}"


class Problems(list):
    """Collects every problem so that one run reports all of them at once."""

    def error(self, path, line: int, field: str, message: str) -> None:
        self.append(Problem(str(path), line, field, message, "error"))

    def warning(self, path, line: int, field: str, message: str, *, kind: str = "") -> None:
        self.append(Problem(str(path), line, field, message, "warning", kind))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self if p.level == "warning"]

    def print(self, stream=None, *, all_warnings: bool = False) -> None:
        """Warnings first, one line per kind with its count (`all_warnings`: every one), then every
        error, last, under a heading, where the eye lands when the command ends."""
        stream = stream or sys.stderr
        unique = sorted(set(self), key=lambda p: (p.path, p.line, p.field, p.message))  # the same order every run
        warnings = [p for p in unique if p.level == "warning"]
        errors = [p for p in unique if p.level == "error"]
        if all_warnings:
            for p in warnings:
                print(p, file=stream)
        else:
            groups: dict[str, list[Problem]] = {}
            for p in warnings:
                groups.setdefault(p.kind or p.field or p.message, []).append(p)
            for kind, found in groups.items():
                if len(found) == 1:
                    print(found[0], file=stream)
                else:
                    first = found[0]
                    field = re.sub(r"\[\d+\]", "", first.field)  # 设定依据[3].名称: the kind, not one of them
                    what = f"{field}：{first.kind}" if first.kind and field else kind
                    print(f"警告（{len(found)} 处）：{what}（如 {first.path}:{first.line}）", file=stream)
            if any(len(v) > 1 for v in groups.values()):
                print("（guides check --warnings 逐条列出全部警告）", file=stream)
        if errors:
            print(f"━━ {len(errors)} 个错误，须改正 ━━", file=stream)
            for p in errors:
                print(p, file=stream)


# strerror is English (the C library's words): the errors an administrator may meet, in Chinese.
_ERRNO = {
    "ENOSPC": "磁盘空间不足（ENOSPC）",
    "EDQUOT": "磁盘配额已用完（EDQUOT）",
    "EACCES": "没有权限（EACCES）",
    "EPERM": "操作不被允许（EPERM）",
    "ENOENT": "文件或文件夹不存在（ENOENT）",
    "EROFS": "磁盘是只读的（EROFS）",
    "EIO": "磁盘读写出错（EIO）：请检查磁盘",
    "EISDIR": "这是文件夹，不是文件（EISDIR）",
    "ENOTDIR": "路径中有一部分不是文件夹（ENOTDIR）",
    "ELOOP": "符号链接形成循环（ELOOP）",
    "ENAMETOOLONG": "文件名过长（ENAMETOOLONG）",
    "EMFILE": "打开的文件过多（EMFILE）",
    "ENFILE": "系统打开的文件过多（ENFILE）",
    "EFBIG": "文件过大（EFBIG）",
    "ENOMEM": "内存不足（ENOMEM）",
    "EBUSY": "文件或设备正被占用（EBUSY）",
    "ETXTBSY": "文件正被占用（ETXTBSY）",
    "EEXIST": "文件已存在（EEXIST）",
    "ENOTEMPTY": "文件夹不是空的（ENOTEMPTY）",
    "EXDEV": "不能跨磁盘移动（EXDEV）：网站目录和输出目录应在同一个磁盘上",
    "EAGAIN": "资源暂时不可用（EAGAIN）",
    "EINVAL": "参数无效（EINVAL）",
}


def os_reason(e: OSError) -> str:
    """What went wrong, in Chinese, from the error number (never the English strerror alone)."""
    import errno

    name = errno.errorcode.get(e.errno or 0, "")
    if name in _ERRNO:
        return _ERRNO[name]
    return f"系统错误 {name or e.errno}（{e.strerror or e}）"


def os_message(e: OSError, after: str = "", where=None) -> str:
    """`path: 无法写入：reason。after` for an OSError that stopped a command."""
    import errno

    where = e.filename or e.filename2 or where
    what = "无法写入" if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG) else "文件操作失败"
    hint = "请清理磁盘空间后重新运行。" if e.errno in (errno.ENOSPC, errno.EDQUOT) else ""
    return f"{str(where) + ': ' if where else ''}{what}：{os_reason(e)}。{hint}{after}"
