"""The one module that knows mkdocs and mkdocs-material.

mkdocs 1.x is frozen and Material is in maintenance: a move to a maintained fork
must touch only this file. Everything here answers two questions for the rest of
the build:

- `Engine.shell(kind)`: the themed HTML page (header, footer, styles, scripts from
  `mkdocs.yml` + `theme/`) with holes for the parts that differ per page. The theme
  template is rendered once per page *kind* per build, not once per page: 14,000
  guide pages then cost a string join each instead of a full Material render.
- `Engine.assets()`: the theme's static files, copied once for the whole site.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markupsafe import escape

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
    "print": f"{_STATION}/print/",
}


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
        self.config = load_config(
            config_file=str(self.config_file),
            site_url=site_url.rstrip("/") + "/",
            use_directory_urls=True,
        )
        self.env = self.config.theme.get_env()
        self._shells: dict[str, Shell] = {}

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
        return Shell(tuple(_SPLIT.split(html)))

    def assets(self) -> list[tuple[Path, str]]:
        """(source file, path in the site) for every static file of the theme."""
        from mkdocs.structure.files import Files

        files = Files([])
        files.add_files_from_theme(self.env, self.config)
        # Material's JavaScript (bundle, search worker, lunr languages) is not used by our pages
        # (theme/guides.html drops it), nor are source maps: they are not published.
        return [(Path(f.abs_src_path), f.dest_uri) for f in files
                if not f.dest_uri.endswith(".map") and not f.dest_uri.startswith("assets/javascripts/")]

    def fingerprint_inputs(self) -> list[Path]:
        """Files whose change must rebuild every page: the config and the theme overrides."""
        out = [self.config_file]
        for d in self.theme_dirs[:1]:  # our custom_dir; the installed theme is pinned by version
            out.extend(sorted(p for p in d.rglob("*") if p.is_file()))
        return out

    @staticmethod
    def versions() -> str:
        from importlib.metadata import version

        return f"mkdocs {version('mkdocs')} · mkdocs-material {version('mkdocs-material')}"
