"""QR codes that encode a page's permanent absolute URL, as inline SVG.

Error correction M (survives a worn or partly covered print), the 4-module quiet
zone kept. Encoding is pure Python and costs milliseconds, so codes are memoised:
a URL is permanent, so is its code.
"""
from __future__ import annotations

from functools import lru_cache

import segno


@lru_cache(maxsize=None)
def svg(url: str, *, title: str = "二维码") -> str:
    code = segno.make(url, error="m", boost_error=False, micro=False)
    return code.svg_inline(scale=1, border=4, omitsize=True, title=title, svgclass="qr", lineclass=None)


def png(url: str, path, *, scale: int = 10) -> None:
    segno.make(url, error="m", boost_error=False, micro=False).save(str(path), scale=scale, border=4)
