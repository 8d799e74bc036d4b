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
    assert len(list((content / "history").iterdir())) == 2  # each build's report kept
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
    assert f"{QUEUE}:1:" in r.stderr and "git checkout content/reprint.yaml" in r.stderr
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
