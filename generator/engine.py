"""The one module that knows mkdocs and mkdocs-material.

mkdocs 1.x is frozen and Material is in maintenance: a move to a maintained fork
must touch only this file. Everything here answers two questions for the rest of
the build:

- `Engine.shell(kind)`: the themed HTML page (header, footer, styles, scripts from
  `mkdocs.yml` + `theme/`) with holes for the parts that differ per page. The theme
  template is rendered once per page *kind* per build, not once per page: 14,000
  guide pages then cost a string join each instead of a full Material render.
- `Engine.assets()`: the theme's static files, copied once for the whole site. Our own
  (`assets/guides/`) are published under content-hashed names (`guides.3f2a1c9e.css`,
  like Material's own) so that they can be cached as immutable (netlify.toml); pages
  name them through `Engine.asset` (the `hashed` filter in the theme's templates).
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from markupsafe import escape

from . import hashes
from .urls import site_origin

# Stand-ins rendered through the theme; they survive Material's escaping and url
# handling unchanged and are replaced by the real values per page.
_STATION, _ITEM = "xstationx", "xitemx"
_HOLES = {
    "site_name": "xsitenamex",
    "title": "xpagetitlex",
    "description": "xdescriptionx",
    "head": "xextraheadx",
    "content": "xpagecontentx",
}
_SPLIT = re.compile("(" + "|".join([_STATION, _ITEM, *_HOLES.values()]) + ")")

# page kinds: their path, with stand-ins for the station and item codes
KINDS = {
    "portal": "",
    "items": "items/",
    "item": f"items/{_ITEM}/",
    "station": f"{_STATION}/",
    "guide": f"{_STATION}/{_ITEM}/",
    "admin": "_admin/",
    "standard": "_admin/standard/",
    "print": f"{_STATION}/print/",
    "notfound": "404/",  # 404.html: served at any depth, so its links are then made root-absolute
    "offline": "offline/",
    "elsewhere_list": "elsewhere/",
    "elsewhere": f"elsewhere/{_ITEM}/",  # the service worker's answer for any page not kept: root-absolute links too
}
_ANY_DEPTH = ("notfound", "offline")
OWN_ASSETS = "assets/guides/"

# Material marks its two hidden checkboxes autocomplete="off", which HTML allows on text-like
# inputs only (the W3C validator's only errors on our pages); the attribute is dropped.
_CHECKBOX_AUTOCOMPLETE = re.compile(r'(<input\b[^>]*\btype="checkbox"[^>]*?)\s+autocomplete="off"')
_RELATIVE = re.compile(r'\b(href|src)="(?![a-z][a-z0-9+.-]*:|/|#)([^"]*)"')
_CANONICAL = re.compile(r'\s*<link rel="canonical"[^>]*>')


def _from_root(page: str, url: str) -> str:
    """A link relative to the page at `page` as a path from the site root."""
    target = posixpath.normpath(posixpath.join("/" + page, url))
    return target + ("/" if (url.endswith("/") or url.endswith(".")) and target != "/" else "")


@dataclass(frozen=True)
class Shell:
    """A themed page with holes; `fill` makes one page from it in one join."""

    parts: tuple[str, ...]

    def fill(self, *, station: str = "", item: str = "", site_name: str, title: str,
             description: str, content: str, head: str = "") -> str:
        values = {
            _STATION: station,
            _ITEM: item,
            _HOLES["site_name"]: str(escape(site_name)),
            _HOLES["title"]: str(escape(title)),
            _HOLES["description"]: str(escape(description)),
            _HOLES["head"]: head,
            _HOLES["content"]: content,
        }
        return "".join(values.get(p, p) if i % 2 else p for i, p in enumerate(self.parts))


class Engine:
    """mkdocs configuration and Material theme, loaded once per build."""

    def __init__(self, config_file: Path, site_url: str):
        from mkdocs.config import load_config

        self.config_file = Path(config_file)
        # Material writes the canonical link from site_url unescaped: only a checked https origin
        # (no character that could leave an attribute) gets here, whoever the caller is
        self.config = load_config(
            config_file=str(self.config_file),
            site_url=site_origin(site_url) + "/",
            use_directory_urls=True,
        )
        self.env = self.config.theme.get_env()
        self.hashed = self._hashed_names()
        self.config.extra_css = [self.asset(p) for p in self.config.extra_css]
        for key in ("favicon", "logo"):
            if self.config.theme.get(key):
                self.config.theme[key] = self.asset(self.config.theme[key])
        self.env.filters["hashed"] = self.asset
        self._shells: dict[str, Shell] = {}

    def _hashed_names(self) -> dict[str, str]:
        """Site path of each of our own assets -> its content-hashed name (same bytes, same name:
        a clean and an incremental build agree)."""
        out = {}
        for d in self.theme_dirs[:1]:
            for f in sorted((d / OWN_ASSETS).rglob("*")):
                if f.is_file():
                    path = f.relative_to(d).as_posix()
                    digest = hashes.short(f.read_bytes(), hashes.ASSET_NAME)
                    stem, dot, suffix = path.rpartition(".")
                    out[path] = f"{stem}.{digest}.{suffix}" if dot else f"{path}.{digest}"
        return out

    def asset(self, path: str) -> str:
        """The published name of a theme file (hashed for our own assets)."""
        return self.hashed.get(path, path)

    @property
    def theme_dirs(self) -> list[Path]:
        return [Path(d) for d in self.config.theme.dirs]

    def shell(self, kind: str) -> Shell:
        if kind not in self._shells:
            self._shells[kind] = self._render_shell(kind)
        return self._shells[kind]

    def _render_shell(self, kind: str) -> Shell:
        from mkdocs.commands.build import get_context
        from mkdocs.structure.files import File, Files
        from mkdocs.structure.nav import Navigation
        from mkdocs.structure.pages import Page

        path = KINDS[kind]
        src = (path + "index.md") if path else "index.md"
        file = File(src, src_dir=None, dest_dir=self.config.site_dir, use_directory_urls=True)
        page = Page(_HOLES["title"], file, self.config)
        page.meta = {"description": _HOLES["description"], "guides_head": _HOLES["head"], "kind": kind}
        page.content = _HOLES["content"]
        # the header logo leads to the station's home on station pages, else to the portal
        station_home = f"{_STATION}/" if path.startswith(_STATION) else ""
        config = self.config
        config.site_name = _HOLES["site_name"]
        config.extra["homepage"] = station_home or "."
        context = get_context(Navigation([], []), Files([]), config, page)
        html = self.env.get_template("guides.html").render(context)
        html = _CHECKBOX_AUTOCOMPLETE.sub(r"\1", html)
        if kind in _ANY_DEPTH:
            # served for any unknown path at any depth: every link from the site root; no canonical
            html = _CANONICAL.sub("", html)
            html = _RELATIVE.sub(lambda m: f'{m[1]}="{_from_root(path, m[2])}"', html)
        return Shell(tuple(_SPLIT.split(html)))

    def assets(self) -> list[tuple[Path, str]]:
        """(source file, path in the site) for every static file of the theme."""
        from mkdocs.structure.files import Files

        files = Files([])
        files.add_files_from_theme(self.env, self.config)
        # Material's JavaScript (bundle, search worker, lunr languages) is not used by our pages
        # (theme/guides.html drops it), nor are source maps: they are not published.
        return [(Path(f.abs_src_path), self.asset(f.dest_uri)) for f in files
                if not f.dest_uri.endswith(".map") and not f.dest_uri.startswith("assets/javascripts/")]

    def fingerprint_inputs(self) -> list[Path]:
        """Files whose change must rebuild every page: the config and the theme overrides."""
        return fingerprint_inputs(self.config_file, self.theme_dirs[0])

    @staticmethod
    def versions() -> str:
        from importlib.metadata import version

        return " · ".join(f"{p} {version(p)}" for p in PACKAGES)


PACKAGES = ("mkdocs", "mkdocs-material")  # the engine's own; pinned, so a version names the theme's files


def fingerprint_inputs(config_file: Path, custom_dir: Path) -> list[Path]:
    """The config and our custom_dir's files (the installed theme is pinned by version): known
    without loading mkdocs, so that a build with nothing to do never loads it."""
    return [Path(config_file), *sorted(p for p in Path(custom_dir).rglob("*") if p.is_file())]
