"""Screenshots of the web editor for docs/ADMIN.md, and axe-core on its pages for docs/QUALITY.md.

Runs `guides edit` on a temporary copy of tests/fixtures/mini in Debian chromium at laptop
width (1366×768) and writes docs/screenshots/editor-*.png. Prints axe-core's violations per page.

    .venv/bin/python scripts/editor_screenshots.py
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

from conftest import CHROMIUM, CHROMIUM_ARGS, MINI  # noqa: E402
from test_cms import Edit  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("opts => axe.run(document, opts)", {"runOnly": {"type": "tag", "values": TAGS}})
    return [f"{v['id']} ({v['impact']}, {len(v['nodes'])}): {v['help']}" for v in result["violations"]]


def main() -> None:
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp())
    shutil.copytree(MINI, work / "content")
    e = Edit(work / "content", work / "site")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page.goto(e.url + "admin/")
            page.get_by_role("button", name="登录").wait_for()
            print("login:", axe(page))
            page.get_by_role("button", name="登录").click()
            page.get_by_text("服务站 · 城东街道").first.wait_for()
            page.wait_for_timeout(1000)
            page.screenshot(path=OUT / "editor-collections.png")
            print("collection list:", axe(page))

            page.goto(e.url + "admin/#/collections/items/entries/LN-001")
            page.reload()
            page.get_by_label("材料名称", exact=True).first.wait_for()
            page.frame_locator("iframe").first.locator("#guides-check").wait_for()
            page.wait_for_timeout(1500)
            page.get_by_text("申请材料").first.scroll_into_view_if_needed()
            page.screenshot(path=OUT / "editor-item.png")
            print("item form:", axe(page))

            page.goto(e.url + "admin/#/collections/stations-370304001/entries/370304001200")
            page.reload()
            phone = page.get_by_label("服务站电话", exact=True)
            phone.wait_for()
            phone.fill("0533-4109999")
            page.get_by_role("button", name="发布", exact=True).click()
            page.get_by_role("menuitem", name="立即发布").click()
            e.wait_for("已更新")
            page.wait_for_timeout(2500)  # the preview polls the check result
            page.screenshot(path=OUT / "editor-station.png")
            print("station form:", axe(page))

            # the preview pane alone: the rebuilt page and the check result
            page.get_by_label("服务站电话", exact=True).scroll_into_view_if_needed()
            preview = page.locator("iframe").first
            preview.screenshot(path=OUT / "editor-preview.png")
            browser.close()
    finally:
        e.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
