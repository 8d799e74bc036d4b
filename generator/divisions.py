"""The official division list (统计用区划代码, data/zibo-divisions.csv: every district, town and
village/community committee of 淄博市 with its 12-digit code and name; the sample stations were
generated from it). A station's 区划名称 must be the official name of its code: its name follows from
it by the naming rule, so a free 区划名称 would let a record claim another village's name."""
from __future__ import annotations

import csv
import functools
from pathlib import Path

DIVISIONS = Path(__file__).resolve().parent.parent / "data" / "zibo-divisions.csv"


@functools.cache
def villages() -> dict[str, str]:
    """Village-level code -> official name; empty when the list is not installed."""
    try:
        with open(DIVISIONS, encoding="utf-8", newline="") as f:
            return {r["code"]: r["name"] for r in csv.DictReader(f) if r.get("level") == "village"}
    except OSError:
        return {}


@functools.cache
def _cities() -> frozenset[str]:
    return frozenset(code[:4] for code in villages())


def official_name(code: str) -> tuple[bool, str | None]:
    """(covered, name): whether the list covers the code's city, and the official name of the code
    (None when the list covers the city and the code is not in it)."""
    if code[:4] not in _cities():
        return False, None
    return True, villages().get(code)
