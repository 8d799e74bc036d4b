"""Issue 23.5: 审批结果 (with a sample), 结果送达方式, 服务对象, 办理形式 and 申请表格 (blank and sample
forms, files under content/files/) — in the model, shown on the guide, downloadable from the site
(Chromium), in open data, in the workbook and in the editor, all from the model; hostile file names
and files refused with the file and line."""
import json
import os

import openpyxl
import pytest

from conftest import MINI, Server, guides

STATION, ITEM = "370304001200", "JZ-001"
FORM = "低保申请书（测试空表）.pdf"
SAMPLE = "低保结果样本.png"


def test_guide_shows_the_result_delivery_audience_handling_and_forms_to_download(mini_site, browser, tmp_path):
    server = Server(mini_site)
    try:
        context = browser.new_context(viewport={"width": 360, "height": 740}, accept_downloads=True, locale="zh-CN")
        page = context.new_page()
        for path in (f"{STATION}/{ITEM}/", f"items/{ITEM}/"):
            page.goto(server.url + path)
            outcome = page.locator("#outcome").inner_text()
            assert "最低生活保障审核确认结果通知" in outcome and "窗口领取、服务站代领转交" in outcome
            basis = page.locator("#basis").inner_text()
            assert "服务对象\n个人" in basis and "办理形式\n窗口办理、帮办代办" in basis
            forms = page.locator("#forms")
            assert "最低生活保障申请书" in forms.inner_text()
        # the blank form downloads as the very file of content/files/
        with page.expect_download() as info:
            page.locator("#forms a", has_text="空表").click()
        saved = tmp_path / "form.pdf"
        info.value.save_as(saved)
        assert saved.read_bytes() == (MINI / "files" / FORM).read_bytes()
        # the sample result opens
        response = page.request.get(page.locator("#outcome a").get_attribute("href").replace("../../", server.url))
        assert response.ok and response.body() == (MINI / "files" / SAMPLE).read_bytes()
        context.close()
    finally:
        server.stop()
    # on paper too (the board pack prints the built guide, test_print compares it with the web): the address
    html = (mini_site / STATION / ITEM / "index.html").read_text(encoding="utf-8")
    assert f"下载地址：https://guides.mini.example/files/{FORM}" in html


def test_open_data_carries_the_new_fields(mini_site):
    catalog = json.loads((mini_site / "data/catalog.json").read_text(encoding="utf-8"))
    item = next(i for i in catalog["items"] if i["code"] == ITEM)
    assert item["outcome"] == {"name": "最低生活保障审核确认结果通知", "sample": SAMPLE}
    assert item["forms"] == [{"name": "最低生活保障申请书", "blank": FORM, "sample": None}]
    assert item["audience"] == ["个人"] and item["delivery"] == ["窗口领取", "服务站代领转交"]
    schema = (mini_site / "data/schema/catalog.schema.json").read_text(encoding="utf-8")
    assert "审批结果" in schema and "申请表格" in schema and "结果送达方式" in schema


def test_workbook_round_trips_the_new_fields(mini, tmp_path):
    book = tmp_path / "catalogue.xlsx"
    r = guides("export", book, "--content", mini)
    assert r.returncode == 0, r.stderr
    wb = openpyxl.load_workbook(book)
    headers = {c.value for ws in wb.worksheets for c in ws[1] if c.value}
    assert {"服务对象", "办理形式", "结果送达方式"} <= headers, headers
    assert any("审批结果" in h for h in headers) and any("表格名称" in h for h in headers), headers
    before = {p: p.read_bytes() for p in mini.rglob("*.yaml")}
    r = guides("import", book, "--content", mini)
    assert r.returncode == 0, r.stderr
    assert {p: p.read_bytes() for p in mini.rglob("*.yaml")} == before   # nothing changed, nothing lost


@pytest.mark.parametrize("setup,message", [
    (lambda c: (c / "files" / FORM).unlink(), "不存在"),
    (lambda c: ((c / "files" / FORM).unlink(), os.symlink("/etc/passwd", c / "files" / FORM)), "符号链接"),
    (lambda c: ((c / "files" / FORM).unlink(), os.mkfifo(c / "files" / FORM)), "不是普通文件"),
    (lambda c: (c / "files" / FORM).write_bytes(b"0" * (10 * 1024 * 1024 + 1)), "过大"),
])
def test_a_missing_or_hostile_attachment_is_a_chinese_error_with_file_and_line(mini, setup, message):
    setup(mini)
    r = guides("check", "--content", mini)
    assert r.returncode == 1
    line = next(l for l in r.stderr.splitlines() if "files/" in l)
    assert line.startswith(f"{mini / 'items' / 'JZ-001.yaml'}:") and "申请表格" in line and message in line, r.stderr
    assert "Traceback" not in r.stderr


def test_a_file_name_with_a_folder_is_refused(mini):
    path = mini / "items" / "JZ-001.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(f"blank: {FORM}", "blank: ../../etc/passwd.pdf"),
                    encoding="utf-8")
    r = guides("check", "--content", mini)
    assert r.returncode == 1 and "空表" in r.stderr and "Traceback" not in r.stderr, r.stderr
