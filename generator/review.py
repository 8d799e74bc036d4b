"""Fact review: what makes an item's policy facts due for review (never reviewed or overdue, a
legal basis that names no document, a citation of a document the district marked repealed).
`guides check` warns of each finding (generator/validate.py); the standardisation report lists
them (generator/standard.py)."""
from __future__ import annotations

import datetime as dt
import re

from .model import District, Item


def months_later(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return min(day.replace(year=year, month=month, day=1) + dt.timedelta(days=day.day - 1),
               nxt - dt.timedelta(days=1))


def _names(text: str) -> set[str]:
    """The documents a citation names: the titles in 《》, or the whole text when it has none."""
    found = re.findall(r"《([^》]+)》", text)
    return {n.strip() for n in found} if found else {text.strip()}


def cites(text: str, repealed) -> bool:
    """Whether a citation (设定依据 or 来源) names a document the district marked repealed."""
    key = repealed.title.strip().strip("《》").strip()
    return key in _names(text) or bool(repealed.number and repealed.number in text)


def review_findings(item: Item, d: District, today: dt.date) -> list[tuple[tuple, str, str]]:
    """What makes an item's facts due for review: (field location, message), for guides check
    (a warning each) and the standardisation report (the same list): never reviewed or overdue,
    a legal basis that names no document, a citation of a document the district marked repealed."""
    out: list[tuple[tuple, str, str]] = []  # (field location, message, kind of warning)
    if item.reviewed is None:
        out.append((("reviewed",), "从未核对政策事实：逐项核对后填写核对日期和核对来源", "事项从未核对政策事实"))
    elif item.reviewed > today:
        out.append((("reviewed",), f"核对日期 {item.reviewed} 晚于今天，请改为实际核对的日期", "核对日期晚于今天"))
    elif months_later(item.reviewed, d.review_months) < today:
        out.append((("reviewed",), f"上次核对政策事实是 {item.reviewed}，已超过核对周期 {d.review_months} 个月，请重新核对",
                    f"事项超过核对周期（{d.review_months} 个月）未核对"))
    for i, src in enumerate(item.sources):
        if src.checked > today:
            out.append((("sources", i, "checked"), f"核对日期 {src.checked} 晚于今天，请改为实际核对的日期", "核对日期晚于今天"))
    if item.reviewed is not None and not item.sources:
        out.append((("sources",), "填写了核对日期，但没有写核对来源：写明核对时依据的文件（名称和文号或网址）",
                    "有核对日期但没有核对来源"))
    for i, b in enumerate(item.legal_bases):
        if "《" not in b.law:  # "有关规定" is not a basis a policy officer can check
            out.append((("legal_bases", i, "law"), f"设定依据没有写明文件名称（用《》标出）：“{b.law}”；补上文件名称和文号，"
                                                   "确实无法确定的，列入内容复核清单待核实", "设定依据没有写明文件名称"))
    for rep in d.repealed:
        gone = f"《{rep.title.strip().strip('《》')}》" + (f"（{rep.number}）" if rep.number else "")
        gone += "已废止" + (f"（{rep.date}）" if rep.date else "") + (f"，现行：{rep.replaced_by}" if rep.replaced_by else "")
        for i, b in enumerate(item.legal_bases):
            if cites(b.law, rep):
                out.append((("legal_bases", i, "law"), f"设定依据{gone}，请改正本事项", "引用了已废止的依据"))
        for i, s in enumerate(item.sources):
            if cites(f"{s.title} {s.number or ''}", rep):
                out.append((("sources", i, "title"), f"核对来源{gone}，请改正本事项", "引用了已废止的依据"))
    return out
