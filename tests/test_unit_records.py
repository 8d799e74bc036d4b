"""In-process unit tests of the records a build keeps in content/ beside the catalogue: the URL ledger
(ledger.py: printed URLs never vanish), the guide dates (dates.py: a date follows its content) and the
reprint queue's history (reprint.py: reports per publication, packed by year, sheets described in words)."""
import dataclasses
import datetime as dt
import gzip
import json

import pytest

from conftest import MINI
from generator import dates, ledger, reprint
from generator.model import Retired, Retirement
from generator.plan import Page, plan
from generator.problems import Problems
from generator.reprint import ReprintQueue, Sheet
from generator.validate import read_catalogue

VILLAGE, COMMUNITY = "370304001200", "370304002001"


@pytest.fixture
def cat():
    catalogue, problems = read_catalogue(MINI)
    assert catalogue is not None, [str(p) for p in problems]
    return catalogue


def write_ledger(content, urls, *, newline=True):
    text = "# 已发布过的全部网址\n" + "\n".join(urls) + ("\n" if newline else "")
    (content / ledger.LEDGER).write_text(text, encoding="utf-8")


def retire(cat, *, items=(), stations=()):
    def one(code, successor):
        return Retirement(code=code, name=f"旧{code}", date=dt.date(2026, 6, 1), reason="调整", successor=successor)
    return dataclasses.replace(cat, retired=Retired(items=[one(*i) for i in items],
                                                    stations=[one(*s) for s in stations]))


# ------------------------------------------------------------------ ledger: printed URLs never vanish

def test_no_ledger_yet_reads_as_nothing_published(tmp_path):
    assert ledger.read(tmp_path) == [] and ledger.read_lines(tmp_path) == []


def test_the_ledger_is_read_without_comments_and_blank_lines(tmp_path):
    (tmp_path / ledger.LEDGER).write_text("# header\n/\n\n  /items/  \n# note\n/370304001200/\n", encoding="utf-8")
    assert ledger.read_lines(tmp_path) == [(2, "/"), (4, "/items/"), (6, "/370304001200/")]


def test_every_planned_url_is_already_alive(tmp_path, cat):
    pages = plan(cat)
    write_ledger(tmp_path, ["/" + p.path for p in pages])
    problems = Problems()
    assert ledger.check(tmp_path, cat, pages, problems) == [] and not problems


def test_a_url_that_would_vanish_stops_the_build_at_its_line(tmp_path, cat):
    pages = plan(cat)
    write_ledger(tmp_path, ["/", "/370304001299/", "/370304001299/JF-001/"])
    problems = Problems()
    ledger.check(tmp_path, cat, pages, problems)
    (p,) = problems.errors
    assert (p.line, p.field) == (3, "已发布网址")
    assert "/370304001299/、/370304001299/JF-001/" in p.message and "retired.yaml" in p.message


def test_a_guide_no_longer_offered_gets_a_tombstone(tmp_path, cat):
    write_ledger(tmp_path, [f"/{COMMUNITY}/LN-001/"])
    problems = Problems()
    (page,) = ledger.check(tmp_path, cat, plan(cat), problems)
    assert not problems
    assert page == Page("tombstone", f"{COMMUNITY}/LN-001/", station=COMMUNITY, item="LN-001")


def test_a_retired_item_gets_tombstones_and_with_a_successor_redirects(tmp_path, cat):
    write_ledger(tmp_path, ["/items/OLD-001/", f"/{VILLAGE}/OLD-001/", "/items/OLD-002/", f"/{COMMUNITY}/OLD-002/"])
    gone = retire(cat, items=[("OLD-001", None), ("OLD-002", "LN-001")])
    problems = Problems()
    pages = {p.path: p for p in ledger.check(tmp_path, gone, plan(gone), problems)}
    assert not problems
    assert pages["items/OLD-001/"].kind == "tombstone" and pages[f"{VILLAGE}/OLD-001/"].kind == "tombstone"
    assert pages["items/OLD-002/"].target == "items/LN-001/"
    # the community does not offer LN-001: its old guide leads to the district guide
    assert pages[f"{COMMUNITY}/OLD-002/"].target == "items/LN-001/"


def test_a_merged_station_redirects_its_pages_to_its_successor(tmp_path, cat):
    write_ledger(tmp_path, ["/370304002009/", "/370304002009/JZ-001/", "/370304002009/LN-001/"])
    gone = retire(cat, stations=[("370304002009", COMMUNITY)])
    problems = Problems()
    pages = {p.path: p for p in ledger.check(tmp_path, gone, plan(gone), problems)}
    assert not problems
    assert pages["370304002009/"].target == f"{COMMUNITY}/"
    assert pages["370304002009/JZ-001/"].target == f"{COMMUNITY}/JZ-001/"
    assert pages["370304002009/LN-001/"].target == f"{COMMUNITY}/"  # not offered there: its home


def test_a_truncated_ledger_is_refused_before_anything_is_checked(tmp_path, cat):
    write_ledger(tmp_path, ["/", "/items/JF-0"], newline=False)
    problems = Problems()
    assert ledger.check(tmp_path, cat, plan(cat), problems) == []
    (p,) = problems.errors
    assert p.line == 3 and "/items/JF-0" in p.message and "guides restore" in p.message


def test_urls_the_published_site_serves_count_even_when_the_ledger_lost_them(tmp_path, cat):
    write_ledger(tmp_path, ["/"])
    published = {"digests": {f"{VILLAGE}/": "x", "370304001299/": "y"}, "district": {"": "z"}, "kept": []}
    assert ledger.site_urls(published) == {"/", f"/{VILLAGE}/", "/370304001299/"}
    problems = Problems()
    ledger.check(tmp_path, cat, plan(cat), problems, published)
    assert any("缺少已发布网站中的 2 个网址" in w.message for w in problems.warnings)
    (err,) = problems.errors
    assert "/370304001299/" in err.message and err.line == 3


def test_lost_message_shows_eight_urls_and_the_count():
    urls = [f"/37030400120{i}/" for i in range(10)]
    message = ledger.lost_message(urls)
    assert "/370304001207/" in message and "/370304001208/" not in message and "等 10 个" in message


def test_a_partial_build_is_refused_when_the_site_serves_pages_the_catalogue_dropped(tmp_path, cat):
    problems = Problems()
    published = {"digests": {f"{VILLAGE}/": "a", f"{COMMUNITY}/LN-001/": "b"}}
    assert ledger.check_partial(tmp_path, cat, published, problems) == []
    (p,) = problems.errors
    assert p.field == "--station" and f"/{COMMUNITY}/LN-001/" in p.message
    problems = Problems()
    ledger.check_partial(tmp_path, cat, {"digests": {f"{VILLAGE}/": "a"}}, problems)
    assert not problems


def test_record_adds_this_builds_urls_and_writes_redirects(tmp_path, cat):
    content, site = tmp_path / "content", tmp_path / "site"
    content.mkdir()
    site.mkdir()
    write_ledger(content, ["/old/"])
    (tmp_path / "netlify.toml").write_text('[build]\n  publish = "site"\n', encoding="utf-8")
    pages = [Page("portal", ""), Page("redirect", "items/OLD-002/", item="OLD-002", target="items/LN-001/")]
    ledger.record(content, cat, pages, None, site)
    assert ledger.read(content) == ["/", "/items/OLD-002/", "/old/"]
    assert (site / "_redirects").read_text(encoding="utf-8") == "/items/OLD-002/ /items/LN-001/ 301!\n"
    toml = (tmp_path / "netlify.toml").read_text(encoding="utf-8")
    assert toml.startswith('[build]\n  publish = "site"\n')
    assert '[[redirects]]\n  from = "/items/OLD-002/"\n  to = "/items/LN-001/"\n  status = 301' in toml
    # a second build with no redirect empties the block, and keeps the rest of the file
    ledger.record(content, cat, [Page("portal", "")], None, site)
    toml = (tmp_path / "netlify.toml").read_text(encoding="utf-8")
    assert f"{ledger.BEGIN}\n{ledger.END}" in toml and "[[redirects]]" not in toml and "publish" in toml
    assert (site / "_redirects").read_text(encoding="utf-8") == ""
    assert ledger.read(content) == ["/", "/items/OLD-002/", "/old/"]  # a URL once published stays listed


def test_update_netlify_is_idempotent(tmp_path):
    path = tmp_path / "netlify.toml"
    path.write_text("[build]\n", encoding="utf-8")
    ledger.update_netlify(path, [("/a/", "/b/")])
    once = path.read_text(encoding="utf-8")
    ledger.update_netlify(path, [("/a/", "/b/")])
    assert path.read_text(encoding="utf-8") == once and once.count(ledger.BEGIN) == 1


# ------------------------------------------------------------------ dates: a guide's date follows its content

def test_no_recorded_dates_leave_the_hand_dates(tmp_path, cat):
    before = {c: it.updated for c, it in cat.items.items()}
    dates.effective(cat, tmp_path, dt.date(2026, 12, 3))
    assert {c: it.updated for c, it in cat.items.items()} == before


def test_a_recorded_date_holds_while_the_content_is_the_same_and_moves_when_it_changes(tmp_path, cat):
    item = cat.items["JF-001"]
    published = dt.date(2026, 11, 28)
    record = {"items": {"JF-001": {"digest": dates.digest(item), "date": published.isoformat()},
                        "JZ-001": {"digest": "0" * 16, "date": "2026-01-01"},
                        "LN-001": {"digest": dates.digest(cat.items["LN-001"]), "date": "2020-01-01"}}}
    (tmp_path / dates.LEDGER).write_text(json.dumps(record), encoding="utf-8")
    today = dt.date(2026, 12, 3)
    out = dates.effective(cat, tmp_path, today)
    assert out.items["JF-001"].updated == published  # same content: the date it was published with
    assert out.items["JZ-001"].updated == today  # changed since: the date it will be published with
    assert out.items["LN-001"].updated == cat.items["LN-001"].updated  # a later hand date still wins


def test_the_digest_ignores_only_the_date(cat):
    item = cat.items["JF-001"]
    assert dates.digest(item.model_copy(update={"updated": dt.date(2020, 1, 1)})) == dates.digest(item)
    assert dates.digest(item.model_copy(update={"phone": "12345"})) != dates.digest(item)
    assert len(dates.digest(item)) == 16


@pytest.mark.parametrize("text", ["", "{", "[]", '{"items": {"JF-001": {"date": "2026-01-01"}}}',
                                  '{"items": {"JF-001": {"digest": "x", "date": "明天"}}}', '{"items": []}'])
def test_a_damaged_dates_file_is_no_dates(tmp_path, text):
    (tmp_path / dates.LEDGER).write_text(text, encoding="utf-8")
    assert dates.read(tmp_path) == {}


def test_record_writes_each_items_digest_and_date_and_only_when_they_change(tmp_path, cat):
    dates.record(tmp_path, cat)
    data = json.loads((tmp_path / dates.LEDGER).read_text(encoding="utf-8"))
    assert data["items"]["JZ-001"] == {"digest": dates.digest(cat.items["JZ-001"]), "date": "2026-11-20"}
    assert dates.read(tmp_path)["JZ-001"] == dates.Changed(dates.digest(cat.items["JZ-001"]), dt.date(2026, 11, 20))
    mtime = (tmp_path / dates.LEDGER).stat().st_mtime_ns
    dates.record(tmp_path, cat)
    assert (tmp_path / dates.LEDGER).stat().st_mtime_ns == mtime  # nothing new: not rewritten


# ------------------------------------------------------------------ reprint: history and words

def report(station=VILLAGE, guides=("JF-001",)):
    return {"reprint": [{"station": station, "cover": True, "stamp": "abc123", "guides": list(guides),
                         "guide_stamps": {g: f"2026-12-01 · {g[-3:]}fff" for g in guides}}]}


def test_changed_says_whether_a_report_says_anything():
    assert not reprint.changed({}) and not reprint.changed({"items": {"added": []}, "reprint": []})
    assert reprint.changed({"items": {"changed": ["JF-001"]}})
    assert reprint.changed({"stations": {"removed": [{"code": VILLAGE}]}})
    assert reprint.changed({"first_publish": True}) and reprint.changed(report())


def test_record_queues_the_sheets_then_keeps_the_report(tmp_path):
    when = "2026-12-03T10:00:00.000001Z"
    reprint.record(tmp_path, report(), when)
    queue = ReprintQueue.load(tmp_path)
    assert [(s.kind, s.item, s.since) for s in queue.pending()[VILLAGE]] == [("cover", None, when),
                                                                           ("guide", "JF-001", when)]
    kept = reprint.history_path(tmp_path, when)
    assert kept.name == "2026-12-03T100000.000001Z.json" and json.loads(kept.read_text(encoding="utf-8")) == report()
    reprint.record(tmp_path, {"items": {"added": []}}, "2026-12-03T11:00:00Z")  # a no-op build adds nothing
    assert len(list((tmp_path / reprint.HISTORY).iterdir())) == 1


def test_old_reports_are_packed_by_year_and_the_newest_kept_as_files(tmp_path):
    folder = tmp_path / reprint.HISTORY
    folder.mkdir()
    names = ["2025-12-30T100000Z", "2025-12-31T100000Z", "2026-01-02T100000Z", "2026-01-03T100000Z"]
    for i, name in enumerate(names):
        (folder / f"{name}.json").write_text(json.dumps({"n": i}), encoding="utf-8")
    (folder / "notes.json").write_text("{}", encoding="utf-8")  # not a report's name: left alone
    packs = reprint.pack_history(tmp_path, keep=1)
    assert sorted(p.name for p in packs) == ["2025.jsonl.gz", "2026.jsonl.gz"]
    assert sorted(p.name for p in folder.iterdir()) == ["2025.jsonl.gz", "2026-01-03T100000Z.json", "2026.jsonl.gz",
                                                       "notes.json"]
    lines = [json.loads(line) for line in gzip.decompress((folder / "2025.jsonl.gz").read_bytes()).splitlines()]
    assert lines == [{"published": names[0], "report": {"n": 0}}, {"published": names[1], "report": {"n": 1}}]
    # packing again adds to the year's pack, oldest first, the same bytes for the same reports
    (folder / "2026-01-04T100000Z.json").write_text(json.dumps({"n": 4}), encoding="utf-8")
    reprint.pack_history(tmp_path, keep=1)
    lines = [json.loads(line)["published"] for line in gzip.decompress((folder / "2026.jsonl.gz").read_bytes()).splitlines()]
    assert lines == ["2026-01-02T100000Z", "2026-01-03T100000Z"]
    assert gzip.decompress((folder / "2026.jsonl.gz").read_bytes()).endswith(b"\n")


def test_recover_queues_the_sheets_of_a_publication_killed_before_queuing(tmp_path):
    site_report = tmp_path / "report.json"
    site_report.write_text(json.dumps(report()), encoding="utf-8")
    when = "2026-12-03T09:00:00Z"
    assert reprint.recover(tmp_path, {"built": when, "published": when}, site_report)
    assert len(ReprintQueue.load(tmp_path)) == 2
    assert not reprint.recover(tmp_path, {"built": when, "published": when}, site_report)  # kept: done once
    preview = {"built": "2026-12-03T09:30:00Z", "published": when}
    assert not reprint.recover(tmp_path, preview, site_report)  # a preview's report is no publication's


def test_describe_a_sheet_in_words():
    names = {"JF-001": "电费缴纳"}
    assert reprint.describe(Sheet(VILLAGE, "guide", "JF-001", "2026-12-01 · abcdef", "t"), names) == \
        "办事指南：电费缴纳（2026-12-01 · abcdef）"
    assert reprint.describe(Sheet(VILLAGE, "remove", "JF-001", None, "t"), names) == "撤下：电费缴纳（本站已不再办理）"
    assert reprint.describe(Sheet(VILLAGE, "poster", None, None, "t")) == "二维码海报"
    assert reprint.describe(Sheet(VILLAGE, "guide", "XX-001", None, "t")) == "办事指南：XX-001"


def test_view_lists_each_station_with_its_oldest_sheet(cat):
    queue = ReprintQueue()
    queue.add(report(guides=("JF-001", "JZ-001")), "2026-12-02T00:00:00Z")
    queue.add({"withdrawn": [{"station": COMMUNITY, "items": ["JF-001"]}]}, "2026-12-03T00:00:00Z")
    (village, community) = reprint.view(queue, cat)
    assert village["name"] == "安上村便民服务站" and village["since"] == "2026-12-02T00:00:00Z"
    assert village["sheets"][0] == "公示栏封面与事项目录清单"
    assert community["sheets"] == ["撤下：电费缴纳（本站已不再办理）"]


def test_a_broken_queue_stops_the_build_with_its_problems(tmp_path):
    (tmp_path / reprint.QUEUE).write_text("stations:\n  \"370304001200\":\n    - {\"kind\": \"cover\"}\n",
                                          encoding="utf-8")
    problems = Problems()
    assert reprint.open_for_build(tmp_path, None, tmp_path / "none.json", {}, problems) is None
    assert problems.errors and problems.errors[0].path.endswith("reprint.yaml")


def test_a_queue_that_cannot_be_saved_after_publishing_is_a_warning(tmp_path):
    (tmp_path / reprint.QUEUE).mkdir()  # not a file: loading it fails
    problems = Problems()
    reprint.record_published(tmp_path, report(), "2026-12-03T09:00:00Z", {}, problems)
    (w,) = problems
    assert w.level == "warning" and "网站已发布" in w.message and "下次 guides build 会自动补上" in w.message
