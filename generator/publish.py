"""Stage 6, publish: swap a completely built site into place in one atomic step.

A build writes into a staging directory beside the output. Only when it is
complete is it exchanged with the published directory (Linux renameat2 with
RENAME_EXCHANGE: at every instant the output path holds either the old complete
site or the new one). A build killed at any moment leaves the old site as it was;
its half-written staging directory is removed by the next build.
"""
from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def staging_dir(out: Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)  # left by a killed build
    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    staging.mkdir()
    return staging


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def swap_in(staging: Path, out: Path) -> None:
    out = Path(out)
    if not out.exists():
        os.rename(staging, out)
        return
    if exchange(staging, out):
        shutil.rmtree(staging)  # now holds the previous site
        return
    # Filesystems without RENAME_EXCHANGE: two renames, the old site kept until the new is in place.
    old = out.parent / f".{out.name}.staging-old-{os.getpid()}"
    os.rename(out, old)
    os.rename(staging, out)
    shutil.rmtree(old)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
