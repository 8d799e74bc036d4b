"""Writing a file so that a reader never sees half of it: a full disk, a kill half-way or a
second writer at the same moment leaves the old file whole. The one way every module writes
a file that people or later builds rely on."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: Path):
    """A temporary path beside `path` for a library that writes the file itself (openpyxl,
    zipfile); on success it is flushed to the disk and renamed over `path`, on any error removed.
    The name is unique, so two writers of one file never write into each other's half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if isinstance(e, OSError) and not e.filename:
            e.filename = str(path)  # a failed write names no file: the message should
        raise


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write `data` beside `path`, flush it to the disk, then rename it over `path`."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
