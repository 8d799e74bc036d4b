"""Short SHA-256 digests, one named length per use: a reader sees what each is for, and a
change of length (which changes every page or stamp that carries it) happens in one place."""
from __future__ import annotations

import hashlib

INPUTS = 16       # what a page, index, product or item is made from, in a site's state and the dates ledger
STAMP = 6         # the version stamp printed on a page and its paper copy: short enough to read aloud
INDEX_NAME = 10   # a search index's file name, one per distinct set of items
ASSET_NAME = 8    # a theme file's published name (a new name when its bytes change)
ELEMENT_ID = 8    # an id inside a generated page (a chart's), stable from build to build
VERSION = 12      # a generated file's version: the offline cache, a print font subset, a print key
RECORD = 32       # a record's meaning in a signed workbook: 128 bits against a forged or stale row
LOCK = 16         # a lock file's name, from the directory it guards


def short(data: str | bytes, length: int) -> str:
    """The first `length` hex digits of the SHA-256 of `data` (text as UTF-8)."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()[:length]
