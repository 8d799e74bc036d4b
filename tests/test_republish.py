"""Republishing: incremental, byte-identical to clean, atomic under SIGKILL, reported, and no
published URL ever breaks."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT, edit, guides
from conftest import site_files as files
from generator.build import build

STATION, COMMUNITY = "370304001200", "370304002001"


@pytest.fixture
def published(mini, tmp_path):
    out = tmp_path / "site"
    first = build(mini, out, quiet=True)
    assert first.ok and first.full
    return mini, out


def test_noop_writes_nothing(published):
    content, out = published
    r = build(content, out, quiet=True)
    assert r.ok and not r.full and r.written == []


def test_station_edit_rebuilds_only_that_station(published):
    content, out = published
    edit(content / f"stations/370304001/{STATION}.yaml", "address: 博山区城东街道安上村党群服务中心一楼",
         "address: 博山区城东街道安上村新党群服务中心二楼")
    r = build(content, out, quiet=True)
    assert r.ok and not r.full
    assert sorted(r.written) == sorted([f"{STATION}/", f"{STATION}/JZ-001/", f"{STATION}/LN-001/", f"{STATION}/JF-001/"])
    assert "新党群服务中心二楼" in (out / STATION / "LN-001/index.html").read_text(encoding="utf-8")


def test_item_edit_rebuilds_exactly_the_pages_that_show_it(published):
    content, out = published
    index_before = {p.name: p.read_bytes() for p in (out / "search").glob("*.js")}
    edit(content / "items/JF-001.yaml", "  - 本村（社区）用电户", "  - 本村（社区）用电户（含光伏发电户）")
    r = build(content, out, quiet=True)
    assert r.ok
    # the guide in both stations that offer it, and its district guide; not the station homes
    assert sorted(r.written) == sorted([f"{STATION}/JF-001/", f"{COMMUNITY}/JF-001/", "items/JF-001/"])
    index_after = {p.name: p.read_bytes() for p in (out / "search").glob("*.js")}
    assert index_after.keys() == index_before.keys()
    assert all(index_after[k] != index_before[k] for k in index_before)  # both sets contain JF-001


def test_incremental_equals_clean_byte_for_byte(published, tmp_path):
    content, out = published
    edit(content / "items/JZ-001.yaml", "copies: 1\n    source: 申请人填写（服务站提供空白表）",
         "copies: 2\n    source: 申请人填写（服务站提供空白表）")
    edit(content / f"stations/370304002/{COMMUNITY}.yaml", "complaint_box: 服务大厅东墙", "complaint_box: 服务大厅西墙")
    edit(content / "district.yaml", "supervision_hotline: 0533-4180000", "supervision_hotline: 0533-4180001")
    assert build(content, out, quiet=True).ok
    clean = tmp_path / "clean"
    assert build(content, clean, quiet=True, clean=True).full
    assert files(out) == files(clean)


def test_theme_or_config_change_rebuilds_everything(published, tmp_path):
    content, out = published
    config = tmp_path / "mkdocs.yml"
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("primary: indigo", "primary: teal")
    text = text.replace("custom_dir: theme", f"custom_dir: {ROOT / 'theme'}").replace(
        "docs_dir: theme/empty-docs", f"docs_dir: {ROOT / 'theme/empty-docs'}")
    config.write_text(text, encoding="utf-8")
    r = build(content, out, config_file=config, quiet=True)
    assert r.ok and r.full and len(r.written) == r.pages_total
    assert 'data-md-color-primary="teal"' in (out / STATION / "index.html").read_text(encoding="utf-8")
    # a new look is not new content: nothing to reprint
    assert not r.report["first_publish"] and r.report["reprint"] == []
    assert not r.report["items"]["changed"] and not r.report["stations"]["changed"]


def test_report_material_change_and_reprint_list(published):
    content, out = published
    edit(content / "items/LN-001.yaml", "  - name: 近期一寸免冠彩色照片", "  - name: 近期二寸免冠彩色照片")
    assert build(content, out, quiet=True).ok
    report = json.loads((out / "_admin/report.json").read_text(encoding="utf-8"))
    [changed] = report["items"]["changed"]
    assert changed["code"] == "LN-001"
    # the material, and the guide's date, which follows its content (issue 22.4)
    assert changed["changes"] == [{"field": "申请材料[2].材料名称", "key": "materials.1.name",
                                   "old": "近期一寸免冠彩色照片", "new": "近期二寸免冠彩色照片"},
                                  {"field": "更新日期", "key": "updated", "old": "2026-11-01",
                                   "new": __import__("datetime").date.today().isoformat()}]
    # only the village offers LN-001: exactly its LN-001 guide goes on the reprint list
    assert [(x["station"], x["guides"], x["cover"], x["poster"]) for x in report["reprint"]] == \
        [(STATION, ["LN-001"], False, False)]
    page = (out / "_admin/index.html").read_text(encoding="utf-8")
    assert 'name="robots" content="noindex"' in page and "近期二寸免冠彩色照片" in page


def test_cli_prints_short_report(published):
    content, out = published
    edit(content / "items/LN-001.yaml", "  - name: 近期一寸免冠彩色照片", "  - name: 近期二寸免冠彩色照片")
    r = guides("build", "--content", content, "--out", out)
    assert r.returncode == 0, r.stderr
    assert "（增量）：写入 2/" in r.stdout  # the village's guide and the district guide
    assert "事项：修改1；需重印：1 个服务站共 1 份" in r.stdout


# ------------------------------------------------------------------ atomic publish


def _town_tree(dest: Path) -> Path:
    """The real sample district cut to one town (17 stations): big enough to kill midway."""
    src = ROOT / "content"
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("published.txt"))
    for town in (dest / "stations").iterdir():
        if town.name != "370304001":
            shutil.rmtree(town)
    return dest


def test_sigkill_midway_keeps_the_old_site_and_next_build_recovers(tmp_path):
    content = _town_tree(tmp_path / "content")
    out = tmp_path / "site"
    assert build(content, out, quiet=True).ok
    before = files(out)
    edit(content / "items/JZ-001.yaml", "  - name: 审核确认与公示", "  - name: 审核确认与张榜公示")
    (out / "_admin/state.json").unlink()  # force a full rebuild so the kill lands mid-render
    proc = subprocess.Popen([sys.executable, "-m", "generator", "build", "--content", str(content), "--out", str(out)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    staged = 0
    while time.monotonic() < deadline:
        staging = list(tmp_path.glob(".site.staging-*"))
        staged = sum(1 for s in staging for _ in s.rglob("index.html")) if staging else 0
        if staged > 50:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert staged > 50, "the build finished before it could be killed"
    assert files(out) == before  # the published site is complete and unchanged
    r = build(content, out, quiet=True)
    assert r.ok
    assert not list(tmp_path.glob(".site.staging-*"))  # the half-written staging was cleaned up
    assert "审核确认与张榜公示" in (out / "370304001200/JZ-001/index.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------ permanent URLs


def test_removing_an_item_without_retiring_it_fails_naming_the_urls(published):
    content, out = published
    before = files(out)
    (content / "items/LN-001.yaml").unlink()
    for f in [content / "district.yaml"]:
        edit(f, "村级通用: [JZ-001, LN-001, JF-001]", "村级通用: [JZ-001, JF-001]")
    r = guides("build", "--content", content, "--out", out)
    assert r.returncode == 1
    assert "published.txt" in r.stderr and "/items/LN-001/" in r.stderr and f"/{STATION}/LN-001/" in r.stderr
    assert "retired.yaml" in r.stderr
    assert files(out) == before


def test_retiring_an_item_leaves_tombstones(published):
    content, out = published
    (content / "items/LN-001.yaml").unlink()
    edit(content / "district.yaml", "村级通用: [JZ-001, LN-001, JF-001]", "村级通用: [JZ-001, JF-001]")
    (content / "retired.yaml").write_text(
        "items:\n  - code: LN-001\n    name: 老年人优待证办理\n    date: 2026-12-01\n"
        "    reason: 老年人优待证改为凭身份证直接享受优待，不再办理实体证件。\n", encoding="utf-8")
    r = guides("build", "--content", content, "--out", out)
    assert r.returncode == 0, r.stderr
    for path in ["items/LN-001/", f"{STATION}/LN-001/"]:
        page = (out / path / "index.html").read_text(encoding="utf-8")
        assert "已停用" in page and "2026-12-01" in page and "凭身份证直接享受优待" in page
        assert 'content="noindex"' in page
    station_tomb = (out / STATION / "LN-001/index.html").read_text(encoding="utf-8")
    assert "0533-4100001" in station_tomb  # the station's phone
    assert 'href="LN-001/"' not in (out / STATION / "index.html").read_text(encoding="utf-8")  # not offered any more


def test_renaming_an_item_redirects_permanently(published, tmp_path):
    content, out = published
    shutil.copy(ROOT / "netlify.toml", content.parent / "netlify.toml")
    text = (content / "items/LN-001.yaml").read_text(encoding="utf-8").replace("code: LN-001", "code: LN-011")
    (content / "items/LN-011.yaml").write_text(text, encoding="utf-8")
    (content / "items/LN-001.yaml").unlink()
    edit(content / "district.yaml", "村级通用: [JZ-001, LN-001, JF-001]", "村级通用: [JZ-001, LN-011, JF-001]")
    (content / "retired.yaml").write_text(
        "items:\n  - code: LN-001\n    name: 老年人优待证办理\n    date: 2026-12-01\n"
        "    reason: 事项编码按省级目录调整\n    successor: LN-011\n", encoding="utf-8")
    r = guides("build", "--content", content, "--out", out)
    assert r.returncode == 0, r.stderr
    config = tomllib.loads((content.parent / "netlify.toml").read_text(encoding="utf-8"))
    redirects = {(x["from"], x["to"]) for x in config["redirects"]}
    assert redirects == {("/items/LN-001/", "/items/LN-011/"), (f"/{STATION}/LN-001/", f"/{STATION}/LN-011/")}
    for x in config["redirects"]:
        assert x["status"] == 301
        assert (out / x["to"].strip("/") / "index.html").is_file(), x
    assert (out / "_redirects").read_text() .count("301") == 2
    old = (out / STATION / "LN-001/index.html").read_text(encoding="utf-8")
    assert 'http-equiv="refresh" content="0; url=../../370304001200/LN-011/"' in old
    assert "/items/LN-011/" in (content / "published.txt").read_text() and "/items/LN-001/" in (content / "published.txt").read_text()


def test_station_dropping_an_item_gets_a_tombstone(published):
    content, out = published
    edit(content / f"stations/370304001/{STATION}.yaml", "items: {set: 村级通用}", "items: {set: 村级通用, remove: [LN-001]}")
    r = build(content, out, quiet=True)
    assert r.ok
    page = (out / STATION / "LN-001/index.html").read_text(encoding="utf-8")
    assert "本站已不再办理" in page and "../../items/LN-001/" in page
    report = json.loads((out / "_admin/report.json").read_text(encoding="utf-8"))
    assert report["withdrawn"] == [{"station": STATION, "items": ["LN-001"]}]


def test_retired_and_merged_stations(published):
    content, out = published
    (content / f"stations/370304002/{COMMUNITY}.yaml").unlink()
    (content / "retired.yaml").write_text(
        f'stations:\n  - code: "{COMMUNITY}"\n    name: 税务街社区便民服务站\n    date: 2026-12-01\n'
        "    reason: 税务街社区与相邻社区合并，便民服务站合并办公。\n", encoding="utf-8")
    r = build(content, out, quiet=True)
    assert r.ok, r.problems
    home = (out / COMMUNITY / "index.html").read_text(encoding="utf-8")
    assert "税务街社区便民服务站已停用" in home and "合并办公" in home and "2026-12-01" in home
    guide = (out / COMMUNITY / "JF-001/index.html").read_text(encoding="utf-8")
    assert "已停用" in guide and "../../items/JF-001/" in guide
    # now say it merged into the village station: permanent redirects instead
    (content / "retired.yaml").write_text(
        f'stations:\n  - code: "{COMMUNITY}"\n    name: 税务街社区便民服务站\n    date: 2026-12-01\n'
        f'    reason: 合并\n    successor: "{STATION}"\n', encoding="utf-8")
    r = build(content, out, quiet=True)
    assert r.ok
    redirects = dict(l.split()[:2] for l in (out / "_redirects").read_text().splitlines())
    assert redirects == {f"/{COMMUNITY}/": f"/{STATION}/", f"/{COMMUNITY}/JZ-001/": f"/{STATION}/JZ-001/",
                         f"/{COMMUNITY}/JF-001/": f"/{STATION}/JF-001/"}


def test_retired_code_is_never_reused(published):
    content, out = published
    (content / "retired.yaml").write_text(
        "items:\n  - code: LN-001\n    name: 老年人优待证办理\n    date: 2026-12-01\n    reason: 测试\n", encoding="utf-8")
    r = guides("check", "--content", content)
    assert r.returncode == 1
    assert f"{content / 'retired.yaml'}:2: 停用的事项[1].编码" in r.stderr and "永不复用" in r.stderr


# ------------------------------------------------ files beside the pages follow the catalogue (issue 23)

HUNYIN = """  - code: hunyin
    name: 婚姻登记（结婚、离婚、补领结婚证）
    keywords: [结婚, 离婚, 结婚证, 领证, 婚姻登记]
    office: 博山区民政局婚姻登记处
    hours: 法定工作日，去之前请先打电话确认时间
    phone: "12345"
    note: 结婚、离婚登记须男女双方本人一起到场。
"""


def _ledger(content: Path) -> list[str]:
    return (content / "published.txt").read_text(encoding="utf-8").splitlines()


def test_a_need_removed_from_the_list_leads_to_the_list_and_comes_back_when_restored(published, tmp_path):
    content, out = published
    assert {"/elsewhere/", "/elsewhere/hunyin/", "/elsewhere/shenfenzheng/"} <= set(_ledger(content))
    edit(content / "district.yaml", HUNYIN, "")
    # a build of some stations cannot turn the page into a redirect: it refuses, nothing changes
    before = files(out)
    partial = build(content, out, stations=[STATION], quiet=True)
    assert not partial.ok and "/elsewhere/hunyin/" in str(partial.problems.errors[0])
    assert files(out) == before
    r = build(content, out, quiet=True)
    assert r.ok and not r.full
    page = (out / "elsewhere/hunyin/index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=../../elsewhere/">' in page and "结婚登记须男女双方" not in page
    assert "/elsewhere/hunyin/ /elsewhere/ 301!" in (out / "_redirects").read_text(encoding="utf-8")
    assert "hunyin" not in (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "婚姻登记（结婚、离婚、补领结婚证）" not in (out / "elsewhere/index.html").read_text(encoding="utf-8")
    assert "/elsewhere/hunyin/" in _ledger(content)  # printed or shared once: the URL is kept for good
    clean = tmp_path / "clean"
    assert build(content, clean, quiet=True, clean=True).full
    assert files(out) == files(clean)  # the same as a site built from scratch
    # listed again: its page again, no redirect left
    edit(content / "district.yaml", "  - code: shenfenzheng\n", HUNYIN + "  - code: shenfenzheng\n")
    assert build(content, out, quiet=True).ok
    assert "结婚、离婚登记须男女双方本人一起到场" in (out / "elsewhere/hunyin/index.html").read_text(encoding="utf-8")
    assert "hunyin" not in (out / "_redirects").read_text(encoding="utf-8")


def test_the_whole_list_removed_leads_to_the_portal(published):
    content, out = published
    text = (content / "district.yaml").read_text(encoding="utf-8")
    start = text.index("elsewhere:\n")
    end = text.index("\n", text.index("  - code: shenfenzheng")) + 1
    while end < len(text) and text[end] == " ":  # the last entry's remaining lines
        end = text.index("\n", end) + 1
    (content / "district.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    r = build(content, out, quiet=True)
    assert r.ok, r.problems.errors
    redirects = (out / "_redirects").read_text(encoding="utf-8")
    for url in ("/elsewhere/", "/elsewhere/hunyin/", "/elsewhere/shenfenzheng/"):
        assert f"{url} / 301!" in redirects
        assert "页面已迁移" in (out / url.strip("/") / "index.html").read_text(encoding="utf-8")


def test_a_removed_attachment_and_a_sitemap_part_no_longer_needed_leave_the_site(published, monkeypatch):
    from generator import publish, sitemap

    content, out = published
    assert (out / "files/低保结果样本.png").is_file() and (out / "files/低保申请书（测试空表）.pdf").is_file()
    edit(content / "items/JZ-001.yaml", "outcome: {name: 最低生活保障审核确认结果通知, sample: 低保结果样本.png}",
         "outcome: {name: 最低生活保障审核确认结果通知}")
    monkeypatch.setattr(sitemap, "LIMIT", 5)  # a site above the protocol's limit: numbered parts
    assert build(content, out, quiet=True).ok
    assert not (out / "files/低保结果样本.png").exists()  # no item names it any more
    assert (out / "files/低保申请书（测试空表）.pdf").is_file()
    parts = sorted(p.name for p in out.glob("sitemap-*.xml"))
    assert len(parts) > 2
    monkeypatch.setattr(sitemap, "LIMIT", 50_000)
    edit(content / "items/JZ-001.yaml", "forms:\n  - {name: 最低生活保障申请书, blank: 低保申请书（测试空表）.pdf}\n", "")
    assert build(content, out, quiet=True).ok
    assert list(out.glob("sitemap-*.xml")) == [] and b"<urlset" in (out / "sitemap.xml").read_bytes()
    assert not (out / "files").exists()
    # the spare copy (the next build's starting point) had the same files removed
    spare = publish.spare_dir(out)
    assert files(spare) == files(out)
    edit(content / "items/LN-001.yaml", "  - name: 近期一寸免冠彩色照片", "  - name: 近期二寸免冠彩色照片")
    assert build(content, out, quiet=True).ok
    assert list(out.glob("sitemap-*.xml")) == [] and not (out / "files").exists()
