"""Hardening, issue 12.2–12.4: nothing an administrator made is ever lost.

12.2 the reprint queue accumulates across builds (content/reprint.yaml) and every build's report is
     kept (content/history/); 12.3 a lost or truncated published.txt is caught against the published
     site's own state; 12.4 a partial build never leaves pages live that the report calls retired."""
import json

import pytest

from conftest import edit, guides
from generator.build import build
from generator.reprint import QUEUE, ReprintQueue

STATION, COMMUNITY = "370304001200", "370304002001"


@pytest.fixture
def published(mini, tmp_path):
    out = tmp_path / "site"
    assert build(mini, out, quiet=True).ok
    return mini, out


def queued(content):
    return {code: [(s.kind, s.item) for s in sheets] for code, sheets in ReprintQueue.load(content).pending().items()}


# ---------------------------------------------------------------------- 12.2 the reprint queue


def test_first_publish_queues_every_sheet_and_a_noop_build_keeps_them(published):
    content, out = published
    first = queued(content)
    sheets = sum(len(v) for v in first.values())
    assert set(first) == {STATION, COMMUNITY}
    assert first[STATION][:2] == [("cover", None), ("poster", None)]
    assert sheets == sum(2 + len(r["guides"]) for r in json.loads(
        next((content / "history").iterdir()).read_text(encoding="utf-8"))["reprint"])
    r = build(content, out, quiet=True)  # nothing changed: the report has nothing new ...
    assert r.ok and r.report["reprint"] == []
    assert queued(content) == first  # ... and the queue still has every sheet (not 0)
    assert len(list((content / "history").iterdir())) == 1  # a no-op build adds nothing to the history (issue 22.4)
    page = (out / "_admin/index.html").read_text(encoding="utf-8")
    assert "重印队列" in page and f"（{STATION}）" in page and "二维码海报" in page


def test_queue_survives_clean_build_and_a_lost_site(published, tmp_path):
    content, out = published
    before = queued(content)
    assert build(content, out, quiet=True, clean=True).ok
    assert queued(content) == before
    assert build(content, tmp_path / "new-site", quiet=True).ok
    assert queued(content) == before


def test_printed_sheets_leave_the_queue_and_a_change_queues_only_its_sheets(published):
    content, out = published
    q = ReprintQueue.load(content)
    for code in list(q.pending()):
        q.mark_printed(code)
    q.save(content)
    edit(content / "items/LN-001.yaml", "  - name: 近期一寸免冠彩色照片", "  - name: 近期二寸免冠彩色照片")
    r = build(content, out, quiet=True)
    assert r.ok
    assert queued(content) == {STATION: [("guide", "LN-001")]}
    stamp = ReprintQueue.load(content).pending()[STATION][0].stamp
    assert stamp and stamp in (out / STATION / "LN-001/index.html").read_text(encoding="utf-8")


def test_a_failed_build_leaves_the_queue_alone(published):
    content, out = published
    before = (content / QUEUE).read_bytes()
    edit(content / "items/LN-001.yaml", "promised_limit_days: 0", "promised_limit_days: -3")
    assert not build(content, out, quiet=True).ok
    assert (content / QUEUE).read_bytes() == before


def test_a_broken_queue_stops_the_build_with_a_chinese_message(published):
    content, out = published
    (content / QUEUE).write_text("", encoding="utf-8")  # truncated
    state = (out / "_admin/state.json").read_bytes()
    r = guides("build", "--content", content, "--out", out)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{QUEUE}:1:" in r.stderr and "guides restore content/reprint.yaml" in r.stderr
    assert (out / "_admin/state.json").read_bytes() == state


def test_a_build_killed_after_publishing_queues_its_sheets_next_time(published):
    content, out = published
    q = ReprintQueue.load(content)
    for code in list(q.pending()):
        q.mark_printed(code)
    q.save(content)
    edit(content / "items/LN-001.yaml", "  - name: 近期一寸免冠彩色照片", "  - name: 近期二寸免冠彩色照片")
    assert build(content, out, quiet=True).ok
    # as if killed between the swap-in and the queue: the queue and the history as before it
    built = json.loads((out / "_admin/state.json").read_text(encoding="utf-8"))["built"]
    q.save(content)
    (content / "history" / (built.replace(":", "") + ".json")).unlink()
    assert build(content, out, quiet=True).ok
    assert queued(content) == {STATION: [("guide", "LN-001")]}


# ---------------------------------------------------------------------- 12.3 a lost or truncated ledger

def _delete(p):
    p.unlink()


def _truncate_at_a_line(p):
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    p.write_text("".join(lines[:3]), encoding="utf-8")


def _cut_mid_line(p):
    text = p.read_text(encoding="utf-8")
    p.write_text(text[:text.index("/JF-001/") + 5], encoding="utf-8")


def _header_only(p):
    p.write_text(p.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")


def _no_change(content):
    pass


def _delete_station(content):
    (content / f"stations/370304002/{COMMUNITY}.yaml").unlink()


def _retire_station(content):
    _delete_station(content)
    (content / "retired.yaml").write_text(
        f'stations:\n  - code: "{COMMUNITY}"\n    name: 税务街社区便民服务站\n    date: 2026-12-01\n'
        "    reason: 税务街社区与相邻社区合并，便民服务站合并办公。\n", encoding="utf-8")


def _drop_item(content):
    edit(content / f"stations/370304001/{STATION}.yaml", "items: {set: 村级通用}",
         "items: {set: 村级通用, remove: [LN-001]}")


GONE = [f"/{COMMUNITY}/", f"/{COMMUNITY}/JF-001/"]
LEDGER_CASES = [
    # (what happened to published.txt, the content change, refused?, words in the message, pages that must be tombstones)
    ("deleted", _delete, _no_change, False, ["已发布网站中的"], []),
    ("truncated at a line", _truncate_at_a_line, _no_change, False, ["已发布网站中的"], []),
    ("header only", _header_only, _no_change, False, ["已发布网站中的"], []),
    ("deleted + station deleted", _delete, _delete_station, True, [*GONE, "guides restore content/published.txt"], []),
    ("truncated + station deleted", _truncate_at_a_line, _delete_station, True,
     [*GONE, "guides restore content/published.txt"], []),
    ("deleted + station retired", _delete, _retire_station, False, [], GONE),
    ("deleted + guide no longer offered", _delete, _drop_item, False, [], [f"/{STATION}/LN-001/"]),
    ("cut mid-line", _cut_mid_line, _no_change, True, ["没有换行", "guides restore content/published.txt"], []),
]


@pytest.mark.parametrize("damage, change, refused, words, tombstones",
                         [c[1:] for c in LEDGER_CASES], ids=[c[0] for c in LEDGER_CASES])
def test_a_lost_or_truncated_ledger_is_checked_against_the_published_site(published, damage, change, refused,
                                                                           words, tombstones):
    content, out = published
    ledger = content / "published.txt"
    original = set(ledger.read_text(encoding="utf-8").splitlines())
    damage(ledger)
    change(content)
    before = files_of(out)
    r = build(content, out, quiet=True)
    messages = "\n".join(map(str, r.problems))
    assert r.ok is not refused, messages
    for w in words:
        assert w in messages, messages
    if refused:
        assert files_of(out) == before  # the published site untouched
        return
    assert original <= set(ledger.read_text(encoding="utf-8").splitlines())  # every URL back in the ledger
    for url in tombstones:
        page = (out / url.strip("/") / "index.html").read_text(encoding="utf-8")
        assert 'content="noindex"' in page and ("已停用" in page or "不再办理" in page)


def files_of(site):
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_cli_refuses_a_deletion_with_a_lost_ledger_in_chinese(published):
    content, out = published
    (content / "published.txt").unlink()
    _delete_station(content)
    r = guides("build", "--content", content, "--out", out)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{content / 'published.txt'}:1: 已发布网址: 已发布网站上的这些网址" in r.stderr
    assert all(u in r.stderr for u in GONE) and "已发布的网站未改动" in r.stderr


# ---------------------------------------------------------------------- 12.4 partial builds and removals

PARTIAL_CASES = [
    # (the content change, station built, refused?, pages named); the full build it asks for then
    # removes the pages, or refuses too (a deletion not registered in retired.yaml)
    ("another station retired", _retire_station, STATION, True, GONE),
    ("another station deleted, not retired", _delete_station, STATION, True, GONE),
    ("this station stopped offering a guide", _drop_item, STATION, True, [f"/{STATION}/LN-001/"]),
    ("another station stopped offering a guide", _drop_item, COMMUNITY, True, [f"/{STATION}/LN-001/"]),
    ("an ordinary edit", lambda c: edit(c / f"stations/370304001/{STATION}.yaml",
                                        "address: 博山区城东街道安上村党群服务中心一楼",
                                        "address: 博山区城东街道安上村新党群服务中心二楼"), STATION, False, []),
]


@pytest.mark.parametrize("change, station, refused, named", [c[1:] for c in PARTIAL_CASES],
                         ids=[c[0] for c in PARTIAL_CASES])
def test_a_partial_build_never_leaves_live_what_the_report_calls_gone(published, change, station, refused, named):
    content, out = published
    change(content)
    before = files_of(out)
    r = build(content, out, stations=[station], quiet=True)
    messages = "\n".join(map(str, r.problems))
    assert r.ok is not refused, messages
    if not refused:
        return
    assert all(u in messages for u in named) and "guides build（不带 --station）" in messages
    assert files_of(out) == before
    # the full build it asks for removes them, and its report says so: the two agree
    r = build(content, out, quiet=True)
    if not (content / "retired.yaml").exists() and change is _delete_station:
        assert not r.ok and "retired.yaml" in "\n".join(map(str, r.problems)) and files_of(out) == before
        return
    assert r.ok, r.problems
    for url in named:
        page = out / url.strip("/") / "index.html"
        assert not page.exists() or 'content="noindex"' in page.read_text(encoding="utf-8")
    gone_stations = {x["code"] for x in r.report["stations"]["removed"]}
    withdrawn = {(w["station"], i) for w in r.report["withdrawn"] for i in w["items"]}
    assert all(u.strip("/").split("/")[0] in gone_stations or tuple(u.strip("/").split("/")) in withdrawn
               for u in named)
