"""Stage 1, load: read the content tree into plain data, remembering where each value came from.

Every value keeps the line it was written on, so that later stages can name
`file:line: field` in their messages. Bad bytes (BOM, GBK, empty files, malformed
YAML, duplicate keys) become problems here, never tracebacks.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import hashes
from .problems import Problems, os_reason

# Limits far above any real record (the sample's largest file is 6 KB, 4 levels deep, a few
# hundred nodes) and far below what hurts: a record is read whole, and YAML aliases can make
# a 1 KB file expand to billions of values ("billion laughs").
MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 100_000  # values after alias expansion, per file
MAX_DEPTH = 20  # nesting of mappings and lists


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
    # abspath, not resolve: a symlink is named as the administrator sees it, not by its target
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
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


def _read_regular(path: Path, root: Path | None) -> tuple[bytes | None, str | None]:
    """The bytes of a regular file inside the content tree, or why it is not read.

    Checked before opening (stat follows symlinks): a FIFO would block forever, /dev/zero
    never ends, a link out of the tree could publish any file of the machine. A symlink
    to a file inside the tree is allowed (it is content like any other)."""
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError:
        return None, "符号链接指向的文件不存在" if path.is_symlink() else "文件不存在"
    except RuntimeError:  # Python < 3.13 reports a symlink loop so
        return None, "符号链接形成循环，无法读取"
    except OSError as e:
        return None, f"无法读取文件：{os_reason(e)}"
    if root is not None and not real.is_relative_to(root):
        return None, f"符号链接指向内容目录之外（{real}）：不会读取，请把文件本身放进内容目录"
    try:
        st = os.stat(real)
        if not stat.S_ISREG(st.st_mode):
            return None, f"不是普通文件（{_kind(st.st_mode)}）：内容目录中只能放 YAML 文本文件"
        if st.st_size > MAX_FILE_BYTES:
            return None, _too_big(st.st_size)
        # O_NONBLOCK: should it have become a FIFO since the stat, opening must not wait
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None, "不是普通文件：内容目录中只能放 YAML 文本文件"
            with os.fdopen(fd, "rb", closefd=False) as f:
                raw = f.read(MAX_FILE_BYTES + 1)
        finally:
            os.close(fd)
    except OSError as e:
        return None, f"无法读取文件：{os_reason(e)}"
    if len(raw) > MAX_FILE_BYTES:
        return None, _too_big(len(raw))
    return raw, None


def _too_big(size: int) -> str:
    return f"文件过大（{size / 1024 / 1024:.1f} MB，上限 {MAX_FILE_BYTES // 1024 // 1024} MB）：一条记录不应这么大，请检查文件是否放错"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "是文件夹"
    if stat.S_ISFIFO(mode):
        return "是命名管道 FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "是设备文件"
    if stat.S_ISSOCK(mode):
        return "是套接字"
    return "特殊文件"


def _measure(root: yaml.Node) -> tuple[yaml.Node, str] | None:
    """The node and the reason when the document nests too deep, refers to itself or expands
    (through aliases and merge keys) to too many values; checked before anything is built."""
    sizes: dict[int, int] = {}  # node id -> values it expands to
    on_path: set[int] = set()
    total = 0

    def walk(node: yaml.Node, depth: int) -> int:
        nonlocal total
        if id(node) in sizes:  # an alias: its expansion counts again, without walking it again
            total += sizes[id(node)]
            if total > MAX_NODES:
                raise _Refused(node, f"别名（*）展开后超过 {MAX_NODES:,} 个值：文件中的锚点和别名层层引用，不能读取")
            return sizes[id(node)]
        if id(node) in on_path:
            raise _Refused(node, "锚点（&）引用了自身：不能读取")
        if node.tag not in _TAGS:
            raise _Refused(node, f"不支持的标签“{node.tag.replace('tag:yaml.org,2002:', '!!')}”：内容文件中只能写文本、数字、日期、列表和映射，请删去这个以“!”开头的标签")
        if depth > MAX_DEPTH:
            raise _Refused(node, f"嵌套超过 {MAX_DEPTH} 层：内容记录不需要这么深的层次，请检查缩进")
        total += 1
        if total > MAX_NODES:
            raise _Refused(node, f"值的个数超过 {MAX_NODES:,} 个：不能读取")
        size = 1
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            on_path.add(id(node))
            children = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else node.value
            for child in children:
                size += walk(child, depth + 1)
            on_path.discard(id(node))
        sizes[id(node)] = size
        return size

    try:
        walk(root, 0)
    except _Refused as r:
        return r.node, r.reason
    return None


# Tags a record may carry (most implicit): anything else (`!!python/...`, `!!binary`, `!custom`)
# is not content, and is refused before any value is built.
_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "merge")}


class _Refused(Exception):
    def __init__(self, node: yaml.Node, reason: str):
        self.node, self.reason = node, reason


def read_yaml(path: Path, problems: Problems, root: Path | None = None) -> Source | None:
    """One record; `root` (resolved): the content tree the file must lie in, through any symlinks."""
    shown = display(path)
    raw, refused = _read_regular(path, root)
    if refused:
        problems.error(shown, 1, "", refused)
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
        refused = _measure(node)
        if refused:
            problems.error(shown, refused[0].start_mark.line + 1, "", f"YAML 无法读取：{refused[1]}")
            return None
        lines: dict[tuple, int] = {}
        before = len(problems)
        data = _construct(node, (), lines, problems, shown, loader)
        if len(problems) != before:
            return None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        problems.error(shown, line, "", f"YAML 格式错误：{_yaml_reason(e, text)}")
        return None
    except yaml.YAMLError as e:
        problems.error(shown, 1, "", f"YAML 格式错误：无法解析（{e}）")
        return None
    except RecursionError:  # the pure-Python parser (no libyaml) nests by recursion
        problems.error(shown, 1, "", f"YAML 无法读取：嵌套超过 {MAX_DEPTH} 层：内容记录不需要这么深的层次，请检查缩进")
        return None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        problems.error(shown, 1, "", "文件内容应为“字段: 值”形式的映射，而不是列表或单个值")
        return None
    return Source(Path(shown), data, lines)


_YAML_REASONS = {
    "mapping values are not allowed": "此处不能出现“:”（值中含冒号时请加引号）",
    "could not find expected ':'": "缺少“:”",
    "found character '\\t' that cannot start any token": "不能用 Tab 缩进，请用空格",
    "found a tab character": "不能用 Tab 缩进，请用空格",
    "did not find expected key": "缩进不一致或缺少“-”",
    "found undefined alias": "引用了未定义的锚点",
    "found unexpected end of stream": "文件意外结束（引号或括号未闭合）",
    "while scanning a quoted scalar": "引号未闭合",
    "exceeded maximum nesting depth": f"嵌套层次过深（超过 {MAX_DEPTH} 层）：内容记录不需要这么深的层次，请检查括号和缩进",
    "could not determine a constructor for the tag": "不支持的标签：内容文件中不能使用“!!”或“!”开头的标签，请删去",
    "found unhashable key": "键不能是列表或映射",
    "found duplicate anchor": "锚点（&）名称重复",
    "did not find expected node content": "缺少内容（例如“-”或“:”后没有值）",
    "did not find expected '-' indicator": "缩进不一致或缺少“-”",
    "found unknown escape character": "双引号中的“\\”转义无效（要写反斜杠本身请用“\\\\”或改用单引号）",
    "found character that cannot start any token": "此处的字符不能开始一个值（如“@”“`”“%”开头的值请加引号）",
    "expected <document start>": "一个文件只能有一条记录（不要用“---”分隔多条）",
    "expected a single document": "一个文件只能有一条记录（不要用“---”分隔多条）",
}


def _yaml_reason(e: yaml.MarkedYAMLError, text: str = "") -> str:
    """A Chinese reason; the parser's own English words stay only as a hint in brackets."""
    said = f"{e.context or ''} {e.problem or ''}".strip()
    mark = e.problem_mark or e.context_mark
    if mark is not None and text:
        lines = text.splitlines()
        here = lines[mark.line] if mark.line < len(lines) else ""
        if "\t" in here[: max(mark.column, 0) + 1] or (mark.column == 0 and here.startswith("\t")):
            return "不能用 Tab 缩进，请用空格"
    for english, chinese in _YAML_REASONS.items():
        if english in said:
            return chinese
    return f"无法解析（{said}）"


def load(root: Path, problems: Problems) -> RawContent:
    """Read district.yaml, items/*.yaml and stations/<town>/*.yaml under `root`."""
    root = Path(root)
    if not root.is_dir():
        problems.error(display(root), 1, "", "内容目录不存在" if not root.exists() else "内容目录应为文件夹，而这是一个文件")
        return RawContent(root, None, [], [])
    real_root = root.resolve()
    district_path = root / "district.yaml"
    district = None
    if district_path.exists() or district_path.is_symlink():
        district = read_yaml(district_path, problems, real_root)
    else:
        problems.error(display(district_path), 1, "", "缺少区县信息文件 district.yaml")
    items = [s for p in _entries(root / "items", real_root, problems) if (s := _record(p, problems, real_root))]
    stations = []
    for town in _entries(root / "stations", real_root, problems):
        if not _is_dir(town):
            if _skipped(town, problems):
                continue
            problems.error(display(town), 1, "", "服务站文件应放在所属镇（街道）代码的文件夹中：stations/<镇街代码>/<村居代码>.yaml")
            continue
        if town.name.startswith("."):
            problems.error(display(town), 1, "", "隐藏文件夹（名称以“.”开头）中的服务站不会被使用：请改名或删除")
            continue
        stations += [s for p in _entries(town, real_root, problems) if (s := _record(p, problems, real_root))]
    retired_path = root / "retired.yaml"
    retired = read_yaml(retired_path, problems, real_root) if retired_path.exists() or retired_path.is_symlink() else None
    return RawContent(root, district, items, stations, retired)


def _entries(folder: Path, root: Path, problems: Problems) -> list[Path]:
    """The entries of a content folder, sorted; none (with an error) if it is not a folder of the tree."""
    if not folder.exists() and not folder.is_symlink():
        return []
    if not folder.is_dir():
        problems.error(display(folder), 1, "", f"{folder.name} 应为文件夹，而这是一个文件（或失效的符号链接）")
        return []
    real = folder.resolve()
    if not real.is_relative_to(root):
        problems.error(display(folder), 1, "", f"文件夹通过符号链接指向内容目录之外（{real}）：不会读取，请把文件本身放进内容目录")
        return []
    try:
        return sorted(folder.iterdir())
    except OSError as e:
        problems.error(display(folder), 1, "", f"无法读取文件夹：{os_reason(e)}")
        return []


# Files editors and file managers leave beside the ones being edited: not content, not an error
# either (an open editor must not stop `guides serve`), so a warning names them.
_LEFTOVER = re.compile(r"^(\.#.*|#.*#|.*~|\..*\.sw[a-p]|\.~lock\..*#|\.DS_Store|\._.*|Thumbs\.db|desktop\.ini)$", re.I)


def _skipped(path: Path, problems: Problems) -> bool:
    """Editor leftovers (warned about): not read."""
    if _LEFTOVER.match(path.name) and not _is_dir(path):
        problems.warning(display(path), 1, "", "编辑器或系统留下的临时/备份文件，已忽略（可以删除）")
        return True
    return False


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # e.g. a symlink to a name too long: read_yaml says what is wrong
        return False


def _record(path: Path, problems: Problems, root: Path | None = None) -> Source | None:
    if _skipped(path, problems):
        return None
    if path.name.startswith("."):
        problems.error(display(path), 1, "", "隐藏文件（名称以“.”开头）不会被使用：如果这是一条记录，请去掉名称开头的“.”；否则请删除")
        return None
    if _is_dir(path) or path.suffix not in (".yaml", ".yml"):
        problems.error(display(path), 1, "", "不是 .yaml 文件：内容目录中只能放 YAML 记录")
        return None
    return read_yaml(path, problems, root)


def parse_sent(data: bytes, shown: str, problems: Problems, tmp: Path) -> Source | None:
    """A record sent by the editor (not yet a file of content/), read with the same guards as
    one (size, aliases, depth, encoding); its problems name `shown`, not the copy in `tmp`."""
    copy = tmp / f"record-{hashes.short(data, hashes.INPUTS)}.yaml"
    copy.write_bytes(data)
    found = Problems()
    src = read_yaml(copy, found)
    for p in found:
        problems.append(type(p)(shown, p.line, p.field, p.message, p.level))
    if src is None:
        return None
    return Source(Path(shown), src.data, src.lines)
