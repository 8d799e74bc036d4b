"""Offline after one visit (issue 23.2): the web app manifest, the service worker and the
offline page, written at the site root by every build.

The service worker (generator/templates/sw.js) is plain script under the site's own
Content-Security-Policy (`script-src 'self'`; a worker is a script of this site). Pages are
network first, so a resident online never gets a stale page; what was read is kept for when
the network drops (see the template's header). Its name `sw.js` is stable (a worker's URL must
not change) and its bytes change with VERSION whenever a precached file or the offline page
changes, which is how browsers learn of a new build on the next visit. Only files every page
uses are precached (the theme's stylesheets and scripts, icons, the offline page): a first
visit downloads nothing the page itself did not already load, bar the offline page.
"""
from __future__ import annotations

import json
from pathlib import Path

from . import hashes
from .engine import OWN_ASSETS, Engine
from .render import Renderer

SW = "sw.js"
MANIFEST = "manifest.webmanifest"
OFFLINE = "offline/"
TEMPLATE = Path(__file__).parent / "templates" / "sw.js"
ICONS = ("assets/guides/icon-192.png", "assets/guides/icon-512.png")
# our own assets every page loads (lunr is fetched when a resident first searches, then kept)
PAGE_ASSETS = ("assets/guides/guides.css", "assets/guides/head.js", "assets/guides/guides.js",
               "assets/guides/logo.svg", "assets/guides/favicon.svg")


def manifest(renderer: Renderer) -> bytes:
    d = renderer.cat.district
    engine = renderer.engine
    data = {
        "name": f"{d.name}便民服务",
        "short_name": f"{d.name}便民服务",
        "description": f"{d.city}{d.name}村（社区）便民服务站办事指南",
        "lang": "zh-CN",
        "start_url": "./",
        "scope": "./",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#283593",
        "icons": [{"src": engine.asset(p), "sizes": f"{s}x{s}", "type": "image/png", "purpose": "any maskable"}
                  for p, s in zip(ICONS, (192, 512))],
    }
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def precache(engine: Engine) -> list[str]:
    """Site paths the worker stores on install: the offline page and everything it loads."""
    theme_css = [dest for _, dest in engine.assets()
                 if dest.startswith("assets/stylesheets/") and dest.endswith(".css")]
    return [OFFLINE, MANIFEST, *theme_css, *(engine.asset(p) for p in (*PAGE_ASSETS, ICONS[0]))]


def service_worker(engine: Engine, offline_page: bytes) -> bytes:
    files = precache(engine)
    template = TEMPLATE.read_text(encoding="utf-8")
    version = hashes.short(json.dumps(files).encode() + offline_page + template.encode(), hashes.VERSION)
    js = template.replace("__VERSION__", version).replace("__PRECACHE__", json.dumps(files))
    return js.encode("utf-8")


def files(renderer: Renderer) -> dict[str, bytes]:
    """Site path -> bytes of every file this module publishes."""
    offline = renderer.render_offline().encode("utf-8")
    return {
        MANIFEST: manifest(renderer),
        OFFLINE + "index.html": offline,
        SW: service_worker(renderer.engine, offline),
    }


assert all(p.startswith(OWN_ASSETS) for p in (*PAGE_ASSETS, *ICONS))
