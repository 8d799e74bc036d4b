"""Products of a build beside the pages (open data, the standardisation report, the editor's
files), each declaring what it is made from: remade only when that changed since the site in
the staging directory was built."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import cms, hashes, opendata, standard
from .plan import Fingerprints
from .render import Renderer
from .staging import Staging, write_file
from .validate import Catalogue


@dataclass(frozen=True)
class SideProduct:
    """A product of the build beside the pages, declaring what it is made from: remade only
    when that changed since the site in the staging directory was built (a no-op build skips it)."""
    name: str
    reads: Callable[[Catalogue, Fingerprints, Path], str]   # its inputs, as text to digest
    write: Callable[[Catalogue, Staging, Renderer, Path], None]


def _everything(cat: Catalogue, fp: Fingerprints, content: Path) -> str:
    return "\x1f".join([fp.district(), json.dumps(cat.offers, sort_keys=True), *map(fp.item, cat.items),
                        *map(fp.station, cat.stations)])


def _write_editor(cat: Catalogue, into: Staging, renderer: Renderer, content: Path) -> None:
    """The web editor at /admin/ (generator/cms.py): files whose bytes changed."""
    for dest, src in cms.site_files(cat.district, prefix=cms.prefix(content)).items():
        into.write_if_changed(dest, src.read_bytes() if isinstance(src, Path) else src)


PRODUCTS = (
    # data/: open data (JSON, CSV, schemas), only changed files
    SideProduct("opendata", _everything, lambda cat, into, r, c: opendata.write(cat, into.root, into.journal, write_file)),
    # _admin/standard/: the standardisation report; review deadlines move with the date
    SideProduct("standard", lambda cat, fp, c: _everything(cat, fp, c) + dt.date.today().isoformat(),
                lambda cat, into, r, c: standard.write(cat, into.root, r, into.journal, write_file)),
    # admin/: the editor's configuration follows the district and the model (in the code version)
    SideProduct("editor", lambda cat, fp, c: "\x1f".join([fp.district(), cms.prefix(c),
                                                         *(f"{p.name}:{p.stat().st_size}" for p in cms.bundle_files())]),
                _write_editor),
)


def make(cat: Catalogue, fp: Fingerprints, code: str, into: Staging, renderer: Renderer,
         content: Path, before: dict[str, str]) -> dict[str, str]:
    """Make the side products whose inputs changed; returns every product's input digest."""
    keys = {}
    for product in PRODUCTS:
        keys[product.name] = hashes.short(code + product.reads(cat, fp, content), hashes.INPUTS)
        if before.get(product.name) != keys[product.name]:
            product.write(cat, into, renderer, content)
    return keys
