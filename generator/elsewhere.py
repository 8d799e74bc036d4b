"""Pages of the needs no station handles (district.elsewhere, issue 23.3): /elsewhere/ and
/elsewhere/<code>/, written with every build (a handful of small pages). Station search answers
these needs with the same facts (generator/search.py)."""
from __future__ import annotations

from .render import Renderer


def files(renderer: Renderer) -> dict[str, bytes]:
    needs = renderer.cat.district.elsewhere
    if not needs:
        return {}
    out = {"elsewhere/index.html": renderer.render_elsewhere_list().encode("utf-8")}
    for need in needs:
        out[f"elsewhere/{need.code}/index.html"] = renderer.render_elsewhere(need).encode("utf-8")
    return out
