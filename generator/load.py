"""Stage 1, load: read the content tree into plain data, remembering where each value came from.

Every value keeps the line it was written on, so that later stages can name
`file:line: field` in their messages. Bad bytes (BOM, GBK, empty files, malformed
YAML, duplicate keys) become problems here, never tracebacks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .problems import Problems


@dataclass
class Source:
    """One YAML record as read from disk."""

    path: Path  # as shown to the administrator (relative to the working directory if possible)
    data: object
    lines: dict[tuple, int] = field(default_factory=dict)

    def line(self, loc: tuple) -> int:
        """The line of the closest located ancestor of `loc` (1 for the file itself)."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)


@dataclass
class RawContent:
    root: Path
    district: Source | None
    items: list[Source]
    stations: list[Source]
    retired: Source | None = None


def display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available
    """SafeLoader with YAML 1.2 scalars: administrators mean text when they write 08:30 or 0533."""


# YAML 1.1 reads 08:30 as a base-60 integer, 0533 as octal and `no` as false.
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:bool")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?0|[-+]?[1-9][0-9]*)$"), list("-+0123456789")
)
_LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _decode(raw: bytes) -> tuple[str | None, int, str | None]:
    """Text of the file, or the line and a message saying what is wrong with its bytes."""
    if not raw.strip():
        return None, 1, "文件为空"
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, 1, "文件以 UTF-8 BOM（EF BB BF）开头：请另存为“UTF-8 无 BOM”"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, 1, "文件是 UTF-16 编码：请另存为 UTF-8（无 BOM）"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        guess = "GBK/GB18030" if _decodes(raw, "gb18030") else "未知编码"
        return None, line, f"本行不是 UTF-8 编码（看起来是 {guess}）：请用编辑器另存为 UTF-8"
    if "\x00" in text:
        return None, text[: text.index("\x00")].count("\n") + 1, "文件含有空字符（\\0），不是文本文件"
    return text, 1, None


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def _construct(node: yaml.Node, loc: tuple, lines: dict, problems: Problems, path: str, loader):
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                problems.error(path, key_node.start_mark.line + 1, "", f"键“{key}”不是文本")
                continue
            key = str(key)
            if key in out:
                problems.error(
                    path,
                    key_node.start_mark.line + 1,
                    ".".join(map(str, loc + (key,))),
                    f"键“{key}”重复（第 {lines[loc + (key,)]} 行已出现）：重复的键会让前一个值被悄悄覆盖",
                )
                continue
            out[key] = _construct(value_node, loc + (key,), lines, problems, path, loader)
            lines[loc + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(child, loc + (i,), lines, problems, path, loader)
            for i, child in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def read_yaml(path: Path, problems: Problems) -> Source | None:
    shown = display(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        problems.error(shown, 1, "", f"无法读取文件：{e.strerror}")
        return None
    text, bad_line, bad = _decode(raw)
    if bad:
        problems.error(shown, bad_line, "", bad)
        return None
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            problems.error(shown, 1, "", "文件没有内容（只有注释或空行）")
            return None
        lines: dict[tuple, int] = {}
        before = len(problems)
        data = _construct(node, (), lines, problems, shown, loader)
        if len(problems) != before:
            return None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        problems.error(shown, line, "", f"YAML 格式错误：{_yaml_reason(e)}")
        return None
    except yaml.YAMLError as e:
        problems.error(shown, 1, "", f"YAML 格式错误：{e}")
        return None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        problems.error(shown, 1, "", "文件内容应为“字段: 值”形式的映射，而不是列表或单个值")
        return None
    return Source(Path(shown), data, lines)


_YAML_REASONS = {
    "mapping values are not allowed here": "此处不能出现“:”（值中含冒号时请加引号）",
    "could not find expected ':'": "缺少“:”",
    "found character '\\t' that cannot start any token": "不能用 Tab 缩进，请用空格",
    "did not find expected key": "缩进不一致或缺少“-”",
    "found undefined alias": "引用了未定义的锚点",
    "found unexpected end of stream": "文件意外结束（引号或括号未闭合）",
    "while scanning a quoted scalar": "引号未闭合",
}


def _yaml_reason(e: yaml.MarkedYAMLError) -> str:
    text = f"{e.context or ''} {e.problem or ''}".strip()
    for english, chinese in _YAML_REASONS.items():
        if english in text:
            return f"{chinese}（{e.problem}）"
    return text


def load(root: Path, problems: Problems) -> RawContent:
    """Read district.yaml, items/*.yaml and stations/<town>/*.yaml under `root`."""
    root = Path(root)
    if not root.is_dir():
        problems.error(display(root), 1, "", "内容目录不存在")
        return RawContent(root, None, [], [])
    district_path = root / "district.yaml"
    district = None
    if district_path.exists():
        district = read_yaml(district_path, problems)
    else:
        problems.error(display(district_path), 1, "", "缺少区县信息文件 district.yaml")
    items = [s for p in sorted((root / "items").glob("*")) if (s := _record(p, problems))]
    stations = [s for p in sorted((root / "stations").glob("*/*")) if (s := _record(p, problems))]
    retired_path = root / "retired.yaml"
    retired = read_yaml(retired_path, problems) if retired_path.exists() else None
    for stray in sorted((root / "stations").glob("*")):
        if stray.is_file():
            problems.error(display(stray), 1, "", "服务站文件应放在所属镇（街道）代码的文件夹中：stations/<镇街代码>/<村居代码>.yaml")
    return RawContent(root, district, items, stations, retired)


def _record(path: Path, problems: Problems) -> Source | None:
    if path.name.startswith("."):
        return None
    if path.is_dir() or path.suffix not in (".yaml", ".yml"):
        problems.error(display(path), 1, "", "不是 .yaml 文件：内容目录中只能放 YAML 记录")
        return None
    return read_yaml(path, problems)
