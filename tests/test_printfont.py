"""The print face (printfont.py): one small subset of WenQuanYi Micro Hei that covers what a
district prints, grown when a document holds a character outside it. In-process, no browser."""
import io

import pytest
from fontTools.ttLib import TTFont

from conftest import MINI
from generator import printfont

SOURCE = printfont.locate()
pytestmark = pytest.mark.skipif(SOURCE is None, reason="unreachable: `make test` installs fonts-wqy-microhei")


def cmap(data: bytes) -> set[str]:
    return {chr(c) for c in TTFont(io.BytesIO(data)).getBestCmap()}


def test_the_system_face_is_found_and_is_truetype():
    # Debian's fonts-wqy-microhei; `make test` installs it, so "not found" is a set-up defect
    path, index = SOURCE
    assert path.name.startswith("wqy-microhei") and index == 0
    assert TTFont(path, fontNumber=index, lazy=True)["glyf"] is not None  # TrueType outlines: no Type 3


def test_characters_cover_the_content_the_code_and_the_ideographic_space():
    chars = printfont.characters(MINI)
    station = (MINI / "stations/370304001/370304001200.yaml").read_text(encoding="utf-8")
    assert set("安上村便民服务站") <= chars and {c for c in station if c.isprintable()} <= chars
    assert set("第页更换说明撤下本册版本") <= chars  # labels the code and templates print
    assert "\u3000" in chars and "\n" not in chars  # a space drawn from the face, not a control character


def test_the_face_is_small_covers_its_characters_and_grows_only_when_needed():
    face = printfont.PrintFace(SOURCE, set("便民服务站 0123456789"))
    first = face.digest
    assert set("便民服务站0123456789") <= cmap(face.data)
    assert len(face.data) < 100_000  # a handful of glyphs, not the 5 MB system font

    assert face.for_text("服务站 123") == (first, face.data)  # nothing new: the same face, not re-made
    digest, data = face.for_text("服务站：办理")  # three new characters
    assert digest != first and {"：", "办", "理"} <= cmap(data)
    assert "服" in cmap(data), "growing keeps what the face held"
    assert face.for_text("办理")[0] == digest

    # a character the system font lacks falls back to it in print; it must not re-make the face each time
    grown = face.for_text("😀")[0]
    assert "😀" not in cmap(face.data)
    assert face.for_text("办理😀")[0] == grown
