"""Pages of the needs no station handles (district.elsewhere, issue 23.3): /elsewhere/ and
/elsewhere/<code>/. They are pages of the plan like the others (build.py adds them): recorded in
the URL ledger (content/published.txt), and when an entry is removed its published URL leads to
the list (generator/ledger.py) instead of keeping the old page. Station search answers these needs
with the same facts (generator/search.py)."""
from __future__ import annotations

from .plan import Page
from .validate import Catalogue

LIST = "elsewhere/"


def path(code: str) -> str:
    return f"{LIST}{code}/"


def pages(cat: Catalogue) -> list[Page]:
    """The list and one page per need; none when the district lists no need."""
    needs = cat.district.elsewhere
    if not needs:
        return []
    return [Page("elsewhere_list", LIST), *(Page("elsewhere", path(n.code), item=n.code) for n in needs)]
