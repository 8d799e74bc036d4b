"""The print face: one small TrueType subset of WenQuanYi Micro Hei holding what a district prints.

Chromium embeds the face a document uses. Given the system's WenQuanYi Micro Hei (49,531 glyphs,
5 MB) it embedded the whole font in every board pack (2.3 MB of a 3.7 MB pack); given a face
that already holds only the district's characters (about 1,400: 250 KB), a pack carries that
face alone. Subsetting with fontTools costs about a second, so it is done once per print worker
for every character the content, the templates and the code can put on paper, and again only
when a document holds a character outside it (the face then grows to cover it).

A character the face lacks still prints: the page's font list falls back to the system font
(a second subset in that PDF, never a missing glyph).
"""
from __future__ import annotations

import io
import string
import subprocess
import unicodedata
from pathlib import Path

from . import hashes

FAMILY = "WenQuanYi Micro Hei"
DEBIAN = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
HERE = Path(__file__).parent
# Text that reaches paper besides the content: templates, labels in the code, the theme.
SOURCES = ("*.py", "templates/*.html", "../theme/**/*.html")
BASE = string.printable + "·、，。：；！？（）《》“”‘’—…【】「」〔〕×√□■●○①②③④⑤⑥⑦⑧⑨⑩"


def locate() -> tuple[Path, int] | None:
    """The system's WenQuanYi Micro Hei (file, face index in the collection), or None."""
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}\n%{index}", FAMILY], capture_output=True, text=True,
                             timeout=10).stdout.split("\n")
        if out[0].endswith(("wqy-microhei.ttc", "wqy-microhei.ttf")) and Path(out[0]).is_file():
            return Path(out[0]), int(out[1] or 0)
    except (OSError, ValueError, IndexError, subprocess.SubprocessError):
        pass
    return (DEBIAN, 0) if DEBIAN.is_file() else None


def characters(content: Path) -> set[str]:
    """Every character the content's files, the generator's templates and code, and the theme hold."""
    chars = set(BASE)
    files = [f for f in Path(content).rglob("*") if f.suffix in (".yml", ".yaml", ".md") and "history" not in f.parts]
    for pattern in SOURCES:
        files += HERE.glob(pattern)
    for f in files:
        try:
            chars |= set(f.read_text(encoding="utf-8", errors="ignore"))
        except OSError:
            continue
    return {c for c in chars if _shown(c)}


def _shown(c: str) -> bool:
    """A character that can reach paper: not a control or format character. (Spaces count:
    the ideographic space U+3000 is drawn from the face like any glyph.)"""
    return unicodedata.category(c)[0] != "C"


class PrintFace:
    """The subset, grown on demand. `for_text(text)` returns (digest, TrueType bytes) covering it."""

    def __init__(self, source: tuple[Path, int], chars: set[str]):
        self.source = source
        self.covered: set[str] = set()
        self.data = b""
        self.digest = ""
        self._grow(chars)

    @classmethod
    def for_content(cls, content: Path) -> "PrintFace | None":
        source = locate()
        return cls(source, characters(content)) if source else None

    def for_text(self, text: str) -> tuple[str, bytes]:
        missing = {c for c in set(text) if _shown(c)} - self.covered
        if missing:
            self._grow(self.covered | missing)
        return self.digest, self.data

    def _grow(self, chars: set[str]) -> None:
        from fontTools import subset
        from fontTools.ttLib import TTFont

        path, index = self.source
        font = TTFont(path, fontNumber=index, lazy=True)
        options = subset.Options()
        options.hinting = False  # print: outlines only
        options.name_IDs = ["*"]  # keep the face's names (the PDF's font name comes from them)
        options.notdef_outline = True
        options.drop_tables += ["FFTM"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="".join(sorted(chars)))
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
        self.covered = set(chars)
        self.data = out.getvalue()
        self.digest = hashes.short(self.data, hashes.VERSION)
