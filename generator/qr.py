"""QR codes that encode a page's permanent absolute URL, as inline SVG.

Error correction M (survives a worn or partly covered print) and the 4-module quiet
zone, drawn white inside the code itself so that it is kept on any background. A
page's URL (site_url + /<village>/<item>/) gives a version 4 symbol, 33 modules:
printed at 2.5 cm with its quiet zone, a module is 0.6 mm, which a phone reads
easily (see `module_mm`, checked by tests/test_qr.py). Encoding is pure Python and
costs milliseconds, so codes are memoised: a URL is permanent, so is its code.
"""
from __future__ import annotations

from functools import lru_cache

import segno

ERROR = "m"
BORDER = 4  # the quiet zone, in modules, that the QR standard asks for


def make(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR, boost_error=False, micro=False)


@lru_cache(maxsize=None)
def svg(url: str, *, title: str = "二维码") -> str:
    return make(url).svg_inline(scale=1, border=BORDER, omitsize=True, title=title, svgclass="qr",
                                lineclass=None, dark="#000", light="#fff")


def module_mm(url: str, printed_mm: float = 25.0) -> float:
    """Size of one module when the code, quiet zone included, is printed `printed_mm` wide."""
    return printed_mm / make(url).symbol_size(border=BORDER)[0]


def png(url: str, path, *, scale: int = 10) -> None:
    make(url).save(str(path), scale=scale, border=BORDER, dark="#000", light="#fff")
