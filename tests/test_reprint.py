"""The reprint queue alone (generator/reprint.py), in-process: what builds add accumulates until
it is marked printed; the file round-trips, is written atomically, and a broken one is a Chinese
`path:line` error."""
import os

import pytest

from generator.reprint import QUEUE, ReprintQueue, ReprintQueueError, Sheet, editing, record, recover, history_path

A, B = "370304001200", "370304002001"
T1, T2, T3 = "2026-11-01T08:00:00Z", "2026-11-02T08:00:00Z", "2026-11-03T08:00:00Z"


def change(reprint=(), withdrawn=(), removed=()):
    """A change report as report.compare makes it (only the keys the queue reads)."""
    return {"reprint": list(reprint), "withdrawn": list(withdrawn),
            "stations": {"added": [], "removed": [{"code": c, "name": c} for c in removed], "changed": []}}


def entry(station, guides=(), cover=False, poster=False, stamp="v1"):
    return {"station": station, "name": station, "cover": cover, "poster": poster, "guides": list(guides),
            "stamp": f"cover-{stamp}" if cover else None, "guide_stamps": {g: f"{g}-{stamp}" for g in guides}}


def keys(queue, station):
    return [(s.kind, s.item, s.stamp, s.since) for s in queue.pending().get(station, [])]


def test_missing_file_is_an_empty_queue(tmp_path):
    q = ReprintQueue.load(tmp_path)
    assert q.pending() == {} and len(q) == 0


def test_sheets_accumulate_across_builds_until_printed(tmp_path):
    q = ReprintQueue()
    q.add(change([entry(A, ["LN-001", "JF-001"], cover=True, poster=True), entry(B, ["JF-001"])]), T1)
    q.add(change(), T2)  # a build that changed nothing takes nothing off the queue
    assert len(q) == 5
    assert keys(q, A) == [("cover", None, "cover-v1", T1), ("poster", None, None, T1),
                          ("guide", "LN-001", "LN-001-v1", T1), ("guide", "JF-001", "JF-001-v1", T1)]
    q.mark_printed(A)
    assert list(q.pending()) == [B] and len(q) == 1


def test_same_sheet_queued_again_keeps_one_entry_with_the_newest_stamp(tmp_path):
    q = ReprintQueue()
    q.add(change([entry(A, ["LN-001"], cover=True, stamp="v1")]), T1)
    q.add(change([entry(A, ["LN-001"], cover=True, stamp="v2")]), T2)
    # one entry each, the newest stamp, pending since the first build that queued it
    assert keys(q, A) == [("cover", None, "cover-v2", T1), ("guide", "LN-001", "LN-001-v2", T1)]


@pytest.mark.parametrize("steps, expected", [
    # withdrawing a queued guide: no reprint, take it down
    ([(entry(A, ["LN-001"]), None), (None, {"station": A, "items": ["LN-001"]})], [("remove", "LN-001")]),
    # offered again before it was taken down: print it, nothing to take down
    ([(None, {"station": A, "items": ["LN-001"]}), (entry(A, ["LN-001"]), None)], [("guide", "LN-001")]),
])
def test_a_reprint_and_a_removal_of_the_same_guide_cancel(steps, expected):
    q = ReprintQueue()
    for when, (r, w) in zip((T1, T2), steps):
        q.add(change([r] if r else [], [w] if w else []), when)
    assert [(s.kind, s.item) for s in q.pending()[A]] == expected


def test_a_removed_station_has_nothing_left_to_print():
    q = ReprintQueue()
    q.add(change([entry(A, ["LN-001"]), entry(B, ["JF-001"])]), T1)
    q.add(change(removed=[B]), T2)
    assert list(q.pending()) == [A]


def test_board_order_cover_poster_guides_in_catalogue_order_removals():
    q = ReprintQueue()
    q.add(change([entry(A, ["JF-001"])], [{"station": A, "items": ["CJ-001"]}]), T1)
    q.add(change([entry(A, ["LN-001", "JZ-001"], cover=True, poster=True)]), T2,
          order={A: ["JZ-001", "LN-001", "JF-001"]})
    assert [(s.kind, s.item) for s in q.pending()[A]] == [
        ("cover", None), ("poster", None), ("guide", "JZ-001"), ("guide", "LN-001"), ("guide", "JF-001"),
        ("remove", "CJ-001")]


def test_pending_for_some_stations():
    q = ReprintQueue()
    q.add(change([entry(A, ["LN-001"]), entry(B, ["JF-001"])]), T1)
    assert list(q.pending([B])) == [B]
    assert q.pending(["370304009999"]) == {}


def test_marking_printed_keeps_a_sheet_requeued_with_a_newer_stamp():
    q = ReprintQueue()
    q.add(change([entry(A, ["LN-001", "JF-001"], stamp="v1")]), T1)
    printing = q.pending([A])[A]  # `guides print` starts with these
    q.add(change([entry(A, ["LN-001"], stamp="v2")]), T2)  # a build lands meanwhile
    q.mark_printed(A, printing)
    assert keys(q, A) == [("guide", "LN-001", "LN-001-v2", T1)]


def test_round_trip_through_the_file_is_exact_and_stable(tmp_path):
    q = ReprintQueue()
    q.add(change([entry(B, ["JF-001"], cover=True), entry(A, ["LN-001"], poster=True)],
                 [{"station": A, "items": ["CJ-001"]}]), T1)
    q.save(tmp_path)
    text = (tmp_path / QUEUE).read_text(encoding="utf-8")
    assert text.startswith("# 待重新打印的公示材料") and "不要手工编辑" in text
    assert text.index(A) < text.index(B)  # sorted by station
    again = ReprintQueue.load(tmp_path)
    assert again.pending() == q.pending()
    again.save(tmp_path)
    assert (tmp_path / QUEUE).read_text(encoding="utf-8") == text
    # one sheet a line: printing one sheet is a one-line diff
    again.mark_printed(A, [s for s in again.pending()[A] if s.kind == "poster"])
    again.save(tmp_path)
    after = (tmp_path / QUEUE).read_text(encoding="utf-8").splitlines()
    assert set(text.splitlines()) - set(after) == {line for line in text.splitlines() if "\"kind\": \"poster\"" in line} | {"total: 5"}
    assert set(after) - set(text.splitlines()) == {"total: 4"}


def test_empty_queue_file_round_trips(tmp_path):
    ReprintQueue().save(tmp_path)
    assert ReprintQueue.load(tmp_path).pending() == {}


def test_save_is_atomic(tmp_path, monkeypatch):
    q = ReprintQueue()
    q.add(change([entry(A, ["LN-001"])]), T1)
    q.save(tmp_path)
    before = (tmp_path / QUEUE).read_bytes()
    q.add(change([entry(B, ["JF-001"])]), T2)

    def disk_full(*a):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError):
        q.save(tmp_path)
    assert (tmp_path / QUEUE).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [QUEUE]  # no temporary file left


S = 'stations:\n  "A":\n'


BROKEN = [
    ("", 1, "截断"),                                                    # truncated to nothing
    ("# 只有注释\n", 1, "截断"),
    (S + '    - {"kind": "guide", "item": "X", "since": "t"}\n', 3, "total"),  # cut before total
    (S + '    - {"kind": "guide", "item": "X", "since": "t"}\ntotal: 2\n', 4, "截断"),
    (S + '    - {"kind": "guide", "item": "X", "since": "t"}\n    - {"kind": "gu', 4, "无法识别"),  # cut mid-line
    (S + '    - {"kind": "flyer", "since": "t"}\ntotal: 1\n', 3, "种类“flyer”"),
    (S + '    - {"kind": "guide", "since": "t"}\ntotal: 1\n', 3, "事项编码"),
    (S + '    - {"kind": "cover", "item": "X", "since": "t"}\ntotal: 1\n', 3, "封面和海报不写"),
    (S + '    - {"kind": "cover"}\ntotal: 1\n', 3, "since"),
    (S + '    - {"kind": "cover", "colour": "red", "since": "t"}\ntotal: 1\n', 3, "不认识的字段"),
    (S + '    - {kind: cover, since: t}\ntotal: 1\n', 3, "每份材料应写成一行"),
    (S + '    - [1, 2]\ntotal: 1\n', 3, "无法识别"),
    ('"A":\n    - {"kind": "cover", "since": "t"}\ntotal: 1\n', 1, "无法识别"),
    ("total: 0\n", 1, "无法识别"),
    ("stations: {}\ntotal: 0\nextra: 1\n", 3, "total 之后"),
    ('stations: {}\n  "A":\n    - {"kind": "cover", "since": "t"}\ntotal: 1\n', 2, "无法识别"),
]


@pytest.mark.parametrize("raw", [b"\xff\xfe", "stations: {}\n# 注释\n".encode("gb18030") + b"\xa1\n"])
def test_not_utf8_is_an_error(tmp_path, raw):
    (tmp_path / QUEUE).write_bytes(raw)
    with pytest.raises(ReprintQueueError) as e:
        ReprintQueue.load(tmp_path)
    assert "UTF-8" in str(e.value)


def test_a_fifo_is_an_error_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / QUEUE)
    with pytest.raises(ReprintQueueError) as e:
        ReprintQueue.load(tmp_path)
    assert "不是普通文件" in str(e.value)


def test_a_whole_district_queue_loads(tmp_path):
    """A first publish of a large district queues every sheet (the sample: 296 stations, 14,455
    sheets, 1.4 MB); the queue is not bound by the content files' YAML limits."""
    q = ReprintQueue()
    stations = [f"3703{i:08d}" for i in range(600)]
    items = [f"XX-{i:03d}" for i in range(60)]
    q.add(change([entry(s, items, cover=True, poster=True) for s in stations]), T1)
    q.save(tmp_path)
    assert (tmp_path / QUEUE).stat().st_size > 3 * 1024 * 1024
    assert ReprintQueue.load(tmp_path).pending() == q.pending()


@pytest.mark.parametrize("text, line, words", BROKEN)
def test_broken_file_is_a_chinese_error_with_path_and_line(tmp_path, text, line, words):
    (tmp_path / QUEUE).write_text(text, encoding="utf-8")
    with pytest.raises(ReprintQueueError) as e:
        ReprintQueue.load(tmp_path)
    message = str(e.value)
    assert f"{QUEUE}:{line}:" in message and words in message, message
    assert "Traceback" not in message and "Error" not in message


def test_editing_saves_only_a_completed_change(tmp_path):
    with editing(tmp_path) as q:
        q.add(change([entry(A, ["LN-001"])]), T1)
    with pytest.raises(RuntimeError):
        with editing(tmp_path) as q:
            q.mark_printed(A)
            raise RuntimeError("killed")
    assert len(ReprintQueue.load(tmp_path)) == 1


def test_record_keeps_each_report_and_recover_queues_a_lost_one(tmp_path):
    content, site_report = tmp_path / "content", tmp_path / "report.json"
    content.mkdir()
    record(content, change([entry(A, ["LN-001"])]), T1)
    assert history_path(content, T1).exists() and len(ReprintQueue.load(content)) == 1
    # a build published at T2 but was killed before queuing its sheets
    site_report.write_text('{"reprint": [{"station": "%s", "guides": ["JF-001"]}], "withdrawn": []}' % B,
                           encoding="utf-8")
    assert recover(content, {"built": T2}, site_report)
    assert list(ReprintQueue.load(content).pending()) == [A, B]
    assert not recover(content, {"built": T2}, site_report)  # once only
    assert not recover(content, {"built": T1}, site_report)
    assert sorted(p.name for p in (content / "history").iterdir()) == [
        history_path(content, T).name for T in (T1, T2)]


def test_sheet_is_a_value():
    s = Sheet(A, "guide", "LN-001", "v1", T1)
    assert s == Sheet(A, "guide", "LN-001", "v1", T1) and hash(s) == hash(Sheet(A, "guide", "LN-001", "v1", T1))
    with pytest.raises(AttributeError):
        s.stamp = "v2"


def test_print_runs_mark_sheets_in_batches_and_keep_sheets_queued_meanwhile(tmp_path):
    """printing.Marks: a print run takes what it printed off the queue at most every few seconds
    (a save per station rewrote the whole file 296 times) and always when it stops."""
    from generator.printing import Marks

    q = ReprintQueue()
    q.add(change([entry(A, ["LN-001", "JF-001"], stamp="v1"), entry(B, ["JF-001"])]), T1)
    q.save(tmp_path)
    printing = q.pending()  # what the run began with

    marks = Marks(tmp_path, every=3600)
    marks.add({A: printing[A]})
    assert list(ReprintQueue.load(tmp_path).pending()) == [A, B], "not saved yet: within the batch"
    with editing(tmp_path) as queue:  # a build lands meanwhile and queues LN-001 again, newer
        queue.add(change([entry(A, ["LN-001"], stamp="v2")]), T2)
    marks.add({B: printing[B]})
    marks.flush()  # the run ends (or is stopped)
    after = ReprintQueue.load(tmp_path)
    assert keys(after, A) == [("guide", "LN-001", "LN-001-v2", T1)] and B not in after.pending()
    marks.flush()  # nothing waiting: nothing changes
    assert ReprintQueue.load(tmp_path).pending() == after.pending()

    every = Marks(tmp_path, every=0)  # no batching: saved at once
    every.add({A: after.pending()[A]})
    assert ReprintQueue.load(tmp_path).pending() == {}
