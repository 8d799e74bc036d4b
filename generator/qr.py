"""QR codes that encode a page's permanent absolute URL, as inline SVG.

Error correction M (survives a worn or partly covered print) and the 4-module quiet
zone, drawn white inside the code itself so that it is kept on any background. A
page's URL (site_url + /<village>/<item>/) gives a version 4 symbol, 33 modules:
printed at 2.5 cm with its quiet zone, a module is 0.6 mm, which a phone reads
easily (see `module_mm`, checked by tests/test_qr.py).

The symbol is encoded by zxing-cpp (a maintained C++ library, ~0.6 ms a code; a
district has ~14,000 codes, a city ten times as many); this module only draws its
modules as a compact SVG path. Recent codes are memoised (printing asks for the same
URL more than once).
"""
from __future__ import annotations

import re
from functools import lru_cache
from xml.sax.saxutils import escape

import zxingcpp

ERROR = "M"
BORDER = 4  # the quiet zone, in modules, that the QR standard asks for
_RUNS = re.compile("(0*)(1+)")  # light modules, then a run of dark ones
_DARK = bytes.maketrans(b"\x00\xff", b"10")  # zxing's image: 0 is dark, 255 light


def encode(url: str) -> zxingcpp.Barcode:
    return zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level=ERROR)


def matrix(url: str) -> list[str]:
    """The symbol's modules, without quiet zone, as rows of "0" (light) and "1" (dark)."""
    image = memoryview(encode(url).to_image(scale=1, add_quiet_zones=False))
    n = image.shape[1]
    text = image.tobytes().translate(_DARK).decode("ascii")
    return [text[i:i + n] for i in range(0, len(text), n)]


@lru_cache(maxsize=4096)  # bounded: in a build every page's URL is different, a city has 140,000
def svg(url: str, *, title: str = "二维码") -> str:
    """The code as inline SVG, one unit a module, quiet zone included: one horizontal
    line per run of dark modules, each drawn relative to the end of the one before."""
    rows = matrix(url)
    size = len(rows) + 2 * BORDER
    parts = []
    px, pr = None, 0
    for r, row in enumerate(rows):
        x = None
        for gap, dark in _RUNS.findall(row):
            if x is None:  # the row's first run: from where the last row ended
                x = BORDER + len(gap)
                parts.append(f"M{x} {BORDER + r + 0.5}" if px is None else f"m{x - px} {r - pr}")
            else:
                x += len(gap)
                parts.append(f"m{len(gap)} 0")
            parts.append(f"h{len(dark)}")
            x += len(dark)
        if x is not None:
            px, pr = x, r
    return (f'<svg viewBox="0 0 {size} {size}" class="qr"><title>{escape(title)}</title>'
            f'<path fill="#fff" d="M0 0h{size}v{size}h-{size}z"/>'
            f'<path stroke="#000" d="{"".join(parts)}"/></svg>')


def symbol_size(url: str, border: int = BORDER) -> int:
    """Modules across, quiet zone of `border` modules included."""
    return len(matrix(url)) + 2 * border


def module_mm(url: str, printed_mm: float = 25.0) -> float:
    """Size of one module when the code, quiet zone included, is printed `printed_mm` wide."""
    return printed_mm / symbol_size(url)


def png(url: str, path, *, scale: int = 10) -> None:
    from PIL import Image

    image = memoryview(encode(url).to_image(scale=1, add_quiet_zones=False))
    n = image.shape[0]
    code = Image.frombytes("L", (n, n), image.tobytes())
    framed = Image.new("L", (n + 2 * BORDER, n + 2 * BORDER), 255)
    framed.paste(code, (BORDER, BORDER))
    framed.resize((framed.width * scale, framed.height * scale), Image.NEAREST).save(path)
