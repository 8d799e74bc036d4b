"""reprint.py's reading of the queue file in its parts, in-process: the file read, its lines
parsed, the whole checked for a cut or an edit."""
import os

import pytest

from generator import reprint
from generator.problems import Problems

GOOD = ('stations:\n  "370304001200":\n    - {"kind": "cover", "stamp": "s", "since": "2026-12-01T00:00:00Z"}\n'
        '    - {"kind": "guide", "item": "JF-001", "stamp": "s", "since": "2026-12-01T00:00:00Z"}\ntotal: 2\n')


def read(text):
    problems, into = Problems(), {}
    found = reprint._read_lines(text, "reprint.yaml", problems, into)
    return found, into, problems


def test_lines_give_the_sheets_and_where_the_parts_are():
    found, into, problems = read("# 注释\n\n" + GOOD)
    assert not problems
    assert (found.stations_line, found.total_line, found.total, found.count) == (3, 7, 2, 2)
    assert [(s.kind, s.item) for s in into["370304001200"]] == [("cover", None), ("guide", "JF-001")]


def test_empty_queue_lists_no_station():
    found, into, problems = read("stations: {}\ntotal: 0\n")
    assert not problems and into == {} and (found.total, found.count) == (0, 0)


def test_lines_out_of_place_are_errors_with_their_line():
    _, _, problems = read(GOOD + "extra: 1\n")
    assert [(p.line, p.message.split("（")[0]) for p in problems] == [(6, "total 之后不应再有内容")]
    _, into, problems = read('stations: {}\n  "370304001200":\ntotal: 0\n')  # a station under an empty list
    assert problems[0].line == 2 and problems[0].message.startswith("本行无法识别") and into == {}
    _, into, problems = read('stations:\n  "370304001200":\n    - {not json}\ntotal: 1\n')
    assert problems.errors and problems[0].line == 3 and into == {}


def test_whole_file_cut_short_or_edited():
    def whole(text):
        found, _, problems = read(text)
        reprint._check_whole(text, found, "reprint.yaml", problems)
        return [(p.field, p.line, p.message.split("：")[0]) for p in problems.errors]

    assert whole(GOOD) == []
    assert whole("") == [("stations", 1, "文件为空")]
    assert whole("# 只有注释\n") == [("stations", 1, "缺少服务站清单（stations:）")]
    assert whole(GOOD.rsplit("total", 1)[0]) == [("total", 4, "缺少总份数（total:）")]
    assert whole(GOOD.replace("total: 2", "total: 3")) == [("total", 5, "文件中有 2 份材料，但 total 是 3")]


def test_the_file_itself(tmp_path):
    path = tmp_path / reprint.QUEUE
    path.write_text(GOOD, encoding="utf-8")
    assert reprint._read_queue_file(path, "q", Problems()) == GOOD
    path.write_bytes(GOOD.encode() + b"\n# \xff\n")
    with pytest.raises(reprint.ReprintQueueError) as e:
        reprint._read_queue_file(path, "q", Problems())
    assert e.value.problems[0].line == 7 and "UTF-8" in e.value.problems[0].message
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(reprint.ReprintQueueError) as e:
        reprint._read_queue_file(path, "q", Problems())
    assert e.value.problems[0].message.startswith("不是普通文件")


def test_load_round_trips_the_written_text(tmp_path):
    (tmp_path / reprint.QUEUE).write_text(GOOD, encoding="utf-8")
    queue = reprint.ReprintQueue.load(tmp_path)
    assert len(queue) == 2 and queue.text().endswith(GOOD)
