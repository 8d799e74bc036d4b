"""What a text value of the catalogue may contain, whichever surface it came from (YAML, a workbook,
the web editor): the model's records apply `clean()` to every field, so every surface gets the same rule.

- Line breaks are one character, "\\n". CRLF and CR (Windows, old Mac), U+0085 NEL (a C1 control that
  Excel and LibreOffice keep in cells; YAML folds it into a space, so a workbook holding it could never
  import back unchanged) and U+2028/U+2029 (line/paragraph separators, from Word and web pages) become
  "\\n", so an import of the same text is idempotent.
- Refused: the bidirectional embedding, override and isolate controls U+202A–U+202E and U+2066–U+2069
  ("Trojan Source", CVE-2021-42574: U+202E shows "lin.exe" as "exe.nil", an address or a name reversed),
  the bidi marks U+200E/U+200F/U+061C, every other C0/C1 control character (tab included: it is
  invisible on a page and a formula prefix in a spreadsheet), the byte-order mark U+FEFF inside text,
  the interlinear annotation controls U+FFF9–U+FFFB and lone surrogates. None has a use in a guide.
"""
from __future__ import annotations

import re

BREAKS = re.compile(r"\r\n|[\r\x85\u2028\u2029]")
FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                       "\ufeff\ufff9-\ufffb\ud800-\udfff]")

_NAMES = {
    "\t": "制表符（Tab）",
    "\u202a": "从左到右嵌入 LRE", "\u202b": "从右到左嵌入 RLE", "\u202c": "方向格式结束 PDF",
    "\u202d": "从左到右强制 LRO", "\u202e": "从右到左强制 RLO，会让文字倒序显示",
    "\u2066": "从左到右隔离 LRI", "\u2067": "从右到左隔离 RLI", "\u2068": "首强隔离 FSI", "\u2069": "隔离结束 PDI",
    "\u200e": "从左到右标记 LRM", "\u200f": "从右到左标记 RLM", "\u061c": "阿拉伯字母标记 ALM",
    "\ufeff": "字节顺序标记 BOM",
}


def normalise_breaks(text: str) -> str:
    return BREAKS.sub("\n", text)


def forbidden(text: str) -> str | None:
    """A Chinese sentence naming the first forbidden character of `text` and where it is, or None."""
    m = FORBIDDEN.search(text)
    if m is None:
        return None
    ch = m.group(0)
    what = _NAMES.get(ch) or ("代理字符" if 0xD800 <= ord(ch) <= 0xDFFF else "控制字符")
    return (f"含有不可见的控制字符 U+{ord(ch):04X}（{what}），在第 {m.start() + 1} 个字符处："
            "请删除（常见于从网页、Word 或其他软件复制粘贴的文字）")


def clean(value, keys_only: bool = False):
    """The value with its line breaks normalised, or ValueError naming a forbidden character.
    Walks lists of values and the keys and values of mappings of values; a mapping inside a list,
    or any mapping when `keys_only` (a dict of records), is a record that its own model cleans."""
    if isinstance(value, str):
        value = normalise_breaks(value)
        why = forbidden(value)
        if why:
            raise ValueError(why)
        return value
    if isinstance(value, list):
        out = []
        for i, v in enumerate(value):
            try:
                out.append(v if isinstance(v, dict) else clean(v))
            except ValueError as e:
                raise ValueError(f"第 {i + 1} 项{e}") from None
        return out
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            why = forbidden(k) if isinstance(k, str) else None
            if why:
                raise ValueError(f"键“{FORBIDDEN.sub('', k)}”{why}")
            out[k] = v if keys_only or isinstance(v, dict) else clean(v)
        return out
    return value
