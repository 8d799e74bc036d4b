"""Issue 22.3–22.4: the change report belongs to a publication; a guide's date follows its content;
no-op builds add nothing to the history, which keeps one report per publication and packs old ones."""
import datetime as dt
import gzip
import json
import re

from conftest import edit
from generator import dates
from generator.build import build
from generator.reprint import HISTORY, pack_history

STATION = "370304001200"
TODAY = dt.date.today().isoformat()


def shown_date(out, item, station=STATION) -> str:
    page = (out / station / item / "index.html").read_text(encoding="utf-8")
    return re.search(r"更新日期：(\d{4}-\d{2}-\d{2})", page).group(1)


def stamp(out, item, station=STATION) -> str:
    page = (out / station / item / "index.html").read_text(encoding="utf-8")
    return re.search(r'class="g-stamp"[^>]*>\s*版本\s*([^<]+)<', page).group(1).strip()


def test_a_guide_date_follows_its_content_and_previews_do_not_use_up_the_report(mini, tmp_path):
    out = tmp_path / "site"
    assert build(mini, out, quiet=True).ok
    hand = {"JF-001": "2026-10-15", "LN-001": "2026-11-01"}
    assert {i: shown_date(out, i) for i in hand} == hand  # first publication: the dates written by hand
    assert json.loads((mini / dates.LEDGER).read_text(encoding="utf-8"))["items"]["JF-001"]["date"] == hand["JF-001"]

    edit(mini / "items/JF-001.yaml", "在服务站协助下", "由服务站工作人员协助")
    for _ in range(2):  # the editor's previews: today's date on the changed guide only, the report kept
        r = build(mini, out, quiet=True, record=False)
        assert r.ok and [c["code"] for c in r.report["items"]["changed"]] == ["JF-001"]
        assert shown_date(out, "JF-001") == TODAY and shown_date(out, "LN-001") == hand["LN-001"]
        assert stamp(out, "JF-001").startswith(TODAY)
    history = sorted((mini / HISTORY).iterdir())
    r = build(mini, out, quiet=True)  # the publication
    assert [c["code"] for c in r.report["items"]["changed"]] == ["JF-001"]
    assert len(list((mini / HISTORY).iterdir())) == len(history) + 1
    assert json.loads((mini / dates.LEDGER).read_text(encoding="utf-8"))["items"]["JF-001"]["date"] == TODAY

    # nothing changed: the date stays, nothing to report, no history file
    r = build(mini, out, quiet=True)
    assert r.report["items"]["changed"] == [] and r.report["reprint"] == []
    assert shown_date(out, "JF-001") == TODAY
    assert len(list((mini / HISTORY).iterdir())) == len(history) + 1

    # a policy date given by hand still wins when it is later
    edit(mini / "items/LN-001.yaml", "updated: 2026-11-01", "updated: 2027-01-01")
    assert build(mini, out, quiet=True).ok
    assert shown_date(out, "LN-001") == "2027-01-01"


def test_a_date_change_alone_does_not_count_as_new_content(mini, tmp_path):
    out = tmp_path / "site"
    assert build(mini, out, quiet=True).ok
    item = next(iter(build(mini, out, quiet=True).catalogue.items.values()))
    before = dates.digest(item)
    assert dates.digest(item.model_copy(update={"updated": dt.date(2030, 1, 1)})) == before
    assert dates.digest(item.model_copy(update={"name": item.name + "（新）"})) != before


def test_history_keeps_one_report_per_publication_and_packs_old_ones(tmp_path):
    folder = tmp_path / HISTORY
    folder.mkdir()
    names = [f"2025-12-{d:02}T100000.000000Z" for d in range(20, 32)] + \
            [f"2026-01-{d:02}T100000.000000Z" for d in range(1, 14)]
    for n, name in enumerate(names):
        (folder / f"{name}.json").write_text(json.dumps({"n": n}), encoding="utf-8")
    packs = pack_history(tmp_path, keep=20)
    left = sorted(f.stem for f in folder.glob("*.json"))
    assert left == names[-20:]
    assert sorted(p.name for p in packs) == ["2025.jsonl.gz"]
    lines = gzip.decompress((folder / "2025.jsonl.gz").read_bytes()).decode("utf-8").splitlines()
    assert [json.loads(l)["published"] for l in lines] == names[:5]
    assert [json.loads(l)["report"]["n"] for l in lines] == [0, 1, 2, 3, 4]
    # packing more later adds to the year's pack; the same reports always give the same bytes
    first = (folder / "2025.jsonl.gz").read_bytes()
    assert pack_history(tmp_path, keep=20) == []
    (folder / f"2026-02-01T100000.000000Z.json").write_text(json.dumps({"n": 99}), encoding="utf-8")
    assert [p.name for p in pack_history(tmp_path, keep=20)] == ["2025.jsonl.gz"]
    lines = gzip.decompress((folder / "2025.jsonl.gz").read_bytes()).decode("utf-8").splitlines()
    assert len(lines) == 6 and (folder / "2025.jsonl.gz").read_bytes() != first


def test_changes_by_editor_workbook_and_yaml_all_reach_the_next_publication(mini, tmp_path):
    """Issue 22.3: whichever way a change came in, and however many previews ran, the next
    publication's report and reprint queue have it."""
    import openpyxl

    from conftest import guides
    from generator import workbook
    from generator.validate import read_catalogue

    out = tmp_path / "site"
    assert build(mini, out, quiet=True).ok
    # a workbook: export, change the village's phone, import
    cat, _ = read_catalogue(mini)
    book = tmp_path / "全区.xlsx"
    workbook.export_workbook(cat, book)
    wb = openpyxl.load_workbook(book)
    ws = wb["服务站"]
    col = [c.value for c in ws[1]].index("服务站电话") + 1
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == STATION)
    ws.cell(row=row, column=col).value = "0533-4100009"
    wb.save(book)
    r = guides("import", book, "--content", mini)
    assert r.returncode == 0, r.stderr
    assert build(mini, out, quiet=True, record=False).ok  # a preview
    # YAML by hand
    edit(mini / "items/LN-001.yaml", "  - name: 近期一寸免冠彩色照片", "  - name: 近期二寸免冠彩色照片")
    assert build(mini, out, quiet=True, record=False).ok  # another preview
    r = build(mini, out, quiet=True)  # the publication
    assert [c["code"] for c in r.report["stations"]["changed"]] == [STATION]
    assert [c["code"] for c in r.report["items"]["changed"]] == ["LN-001"]
    fields = {c["field"] for c in r.report["stations"]["changed"][0]["changes"]}
    assert "服务站电话" in fields
