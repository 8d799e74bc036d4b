"""Attachments uploaded from the web editor (issue 23.5): 申请表格 空表/样表 and 审批结果 samples go
through Decap's file widget and our proxy API into content/files/. Hostile uploads are refused
(outside content/files/, not a PDF/PNG/JPEG by content, too large, another file of the same name,
names the model refuses); in the office an upload is part of its draft and reaches content/ and
the site only when a reviewer publishes it. In-process, over real HTTP and in Chromium."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from conftest import MINI, ROOT, free_port
from generator import editor_media
from generator.edit import Editor
from generator.editor_guard import Address, User
from generator.editor_store import Refused

ITEM = "content/items/JZ-001.yaml"
PDF = (MINI / "files" / "低保申请书（测试空表）.pdf").read_bytes()
PNG = (MINI / "files" / "低保结果样本.png").read_bytes()


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def asset(name: str, data: bytes) -> dict:
    return {"path": f"content/files/{name}", "content": b64(data), "encoding": "base64"}


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def with_sample(text: str, name: str) -> str:
    """JZ-001 with a 样表 named `name` beside its 空表."""
    old = "  - {name: 最低生活保障申请书, blank: 低保申请书（测试空表）.pdf}"
    assert old in text
    return text.replace(old, old[:-1] + f", sample: {name}}}")


@pytest.fixture
def project(tmp_path):
    shutil.copytree(MINI, tmp_path / "content")
    return tmp_path


@pytest.fixture
def editor(project):
    e = Editor(project / "content", Address("127.0.0.1", 1), district=None)
    e.session = e.sessions.start(User("测试", "local"))
    e.api(e.session, {"action": "getEntry", "params": {"path": ITEM}})  # read first, as Decap does
    return e


def save_item(e: Editor, raw: str, assets: list[dict], session=None):
    return e.api(session or e.session, {"action": "persistEntry", "params": {
        "entry": {"path": ITEM, "raw": raw, "slug": "JZ-001"}, "assets": assets}})


# ------------------------------------------------------------------ in-process


def test_a_form_uploaded_with_its_item_is_saved_beside_it_and_checked(editor, project):
    item = project / ITEM
    raw = with_sample(item.read_text(encoding="utf-8"), "低保申请书样表.jpg")
    image = jpeg()
    assert save_item(editor, raw, [asset("低保申请书样表.jpg", image)]) == {"message": "entry persisted"}
    assert (project / "content/files/低保申请书样表.jpg").read_bytes() == image
    assert yaml.safe_load(item.read_text(encoding="utf-8"))["forms"][0]["sample"] == "低保申请书样表.jpg"
    # the media library lists it (and the fixture's files) and reads it back
    listed = {f["path"]: f for f in editor.api(editor.session, {"action": "getMedia", "params": {"mediaFolder": "content/files"}})}
    assert set(listed) == {"content/files/低保申请书样表.jpg", "content/files/低保申请书（测试空表）.pdf",
                           "content/files/低保结果样本.png"}
    got = editor.api(editor.session, {"action": "getMediaFile", "params": {"path": "content/files/低保申请书样表.jpg"}})
    assert base64.b64decode(got["content"]) == image and got["name"] == "低保申请书样表.jpg"
    assert got["id"] == hashlib.sha256(image).hexdigest()


def test_a_save_refused_by_the_check_leaves_no_uploaded_file(editor, project):
    raw = with_sample((project / ITEM).read_text(encoding="utf-8"), "样表.pdf") + "legal_limit_days: 20\n"
    with pytest.raises(Refused) as refused:
        save_item(editor, raw, [asset("样表.pdf", PDF)])
    assert refused.value.status == 422
    assert not (project / "content/files/样表.pdf").exists()


HOSTILE = [
    # (what, asset, status, words in the message)
    ("outside files/ by ..", {"path": "content/files/../items/JF-001.yaml", "content": b64(PDF), "encoding": "base64"}, 403, "附件只能放在"),
    ("a sub-folder", asset("sub/x.pdf", PDF), 403, "附件只能放在"),
    ("the project", {"path": "content/../x.pdf", "content": b64(PDF), "encoding": "base64"}, 403, "内容目录以外"),
    ("an absolute path", {"path": "/etc/x.pdf", "content": b64(PDF), "encoding": "base64"}, 403, "内容目录以外"),
    ("a NUL byte", asset("x.pdf\x00.html", PDF), 403, "无效"),
    ("a hidden file", asset(".htaccess", PDF), 422, "文件名"),
    ("a name with a space", asset("低保 申请书.pdf", PDF), 422, "文件名"),
    ("an HTML page", asset("x.html", b"<html><script>alert(1)</script>"), 422, "文件名"),
    ("a script named .pdf", asset("申请书.pdf", b"<script>alert(document.cookie)</script>"), 415, "按文件内容判断"),
    ("an SVG named .png", asset("样本.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 415, "不是 PDF"),
    ("a Word file (allowed by name only when placed by hand)", asset("表.docx", b"PK\x03\x04" + b"0" * 50), 422, "文件名"),
    ("a PDF named .png", asset("样本.png", PDF), 415, "内容是 PDF"),
    ("too large", asset("大.pdf", b"%PDF-1.4\n" + b"0" * editor_media.MAX_BYTES), 413, "太大"),
    ("not base64", {"path": "content/files/a.pdf", "content": "JVBERi0%%%", "encoding": "base64"}, 400, "base64"),
    ("another encoding", {"path": "content/files/a.pdf", "content": "%PDF-1.4", "encoding": "utf8"}, 400, "编码"),
    ("no content", {"path": "content/files/a.pdf"}, 400, "格式不对"),
]


@pytest.mark.parametrize("what,bad,status,words", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_uploads_are_refused_and_nothing_changes(editor, project, what, bad, status, words):
    before = tree(project)
    raw = (project / ITEM).read_text(encoding="utf-8")
    for call in (lambda: save_item(editor, raw, [bad]),
                 lambda: editor.api(editor.session, {"action": "persistMedia", "params": {"asset": bad}})):
        with pytest.raises(Refused) as refused:
            call()
        assert refused.value.status == status and words in refused.value.message, refused.value.message
    assert tree(project) == before


def test_a_file_of_the_same_name_is_never_replaced(editor, project):
    sample = project / "content/files/低保结果样本.png"
    before = sample.read_bytes()
    raw = (project / ITEM).read_text(encoding="utf-8")
    other = PNG[:-12] + b"\x00" * 12  # another picture of that name
    for call in (lambda: save_item(editor, raw, [asset("低保结果样本.png", other)]),
                 lambda: editor.api(editor.session, {"action": "persistMedia", "params": {"asset": asset("低保结果样本.png", other)}})):
        with pytest.raises(Refused) as refused:
            call()
        assert refused.value.status == 409 and "改个名字" in refused.value.message
    assert sample.read_bytes() == before
    assert save_item(editor, raw, [asset("低保结果样本.png", before)])  # the very same file again: nothing to refuse


def test_only_district_accounts_upload_and_a_file_in_use_is_not_deleted(editor, project):
    town = editor.sessions.start(User("王芳", "editor", "370304001"))
    with pytest.raises(Refused) as refused:
        editor.api(town, {"action": "persistMedia", "params": {"asset": asset("x.pdf", PDF)}})
    assert refused.value.status == 403
    with pytest.raises(Refused) as refused:
        editor.api(editor.session, {"action": "deleteFile", "params": {"path": "content/files/低保结果样本.png"}})
    assert refused.value.status == 422 and "JZ-001" in refused.value.message
    assert (project / "content/files/低保结果样本.png").exists()
    editor.api(editor.session, {"action": "persistMedia", "params": {"asset": asset("没用上.pdf", PDF)}})
    assert (project / "content/files/没用上.pdf").exists()
    editor.api(editor.session, {"action": "deleteFile", "params": {"path": "content/files/没用上.pdf"}})
    assert not (project / "content/files/没用上.pdf").exists()


# ------------------------------------------------------------------ the office: an upload is part of its draft

PASSWORDS = {"赵丽": "zhaoli-2026", "李明": "liming-2026", "王芳": "wangfang-2026"}


def git(project: Path, *args) -> str:
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True).stdout


def start_edit(project: Path, *extra) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "generator", "edit", *extra, "--content", project / "content",
                             "--out", project / "site", "--port", str(port)], cwd=ROOT,
                            stdout=open(project / "edit.log", "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(url + "/session", timeout=2)
            break
        except urllib.error.HTTPError:
            break  # (401 in the office before login): it answers
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "guides edit did not start"
            time.sleep(0.2)
    return proc, url


class Client:
    def __init__(self, url: str, name: str | None = None):
        import http.cookiejar

        self.url = url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        if name:
            self.opener.open(url + "/login", data=urllib.parse.urlencode({"username": name, "password": PASSWORDS[name]}).encode())
        self.csrf = json.loads(self.opener.open(url + "/session").read())["csrf"]

    def api(self, action: str, params: dict) -> tuple[int, dict]:
        request = urllib.request.Request(self.url + "/api/v1", data=json.dumps({"action": action, "params": params}).encode(),
                                         headers={"Content-Type": "application/json", "X-CSRF-Token": self.csrf})
        try:
            return 200, json.loads(self.opener.open(request, timeout=120).read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())


@pytest.fixture
def office(tmp_path):
    project = tmp_path
    shutil.copytree(MINI, project / "content")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "-c", "user.name=初始化", "-c", "user.email=", "commit", "-qm", "初始内容")
    for name, role, town in (("赵丽", "editor", None), ("李明", "reviewer", None), ("王芳", "editor", "370304001")):
        r = subprocess.run([sys.executable, "-m", "generator", "users", "add", name, "--role", role,
                            *(["--town", town] if town else []), "--password-stdin", "--content", project / "content"],
                           cwd=ROOT, input=PASSWORDS[name] + "\n", capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    proc, url = start_edit(project, "--office")
    yield project, url
    proc.terminate()
    proc.wait(timeout=30)


def test_in_the_office_an_upload_waits_in_its_draft_until_a_reviewer_publishes_it(office):
    project, url = office
    files = project / "content" / "files"
    author, reviewer, town = Client(url, "赵丽"), Client(url, "李明"), Client(url, "王芳")
    status, entry = author.api("getEntry", {"path": ITEM})
    assert status == 200
    raw = with_sample(entry["data"], "低保申请书样表.pdf")
    sample = b"%PDF-1.4\n% sample form\n" + PDF[9:]
    params = {"entry": {"path": ITEM, "raw": raw, "slug": "JZ-001"}, "assets": [asset("低保申请书样表.pdf", sample)],
              "options": {"collectionName": "items", "status": "draft"}}
    # a town's editor cannot upload (items are the district's)
    assert town.api("persistEntry", params)[0] == 403
    # a hostile upload in a draft is refused like any other
    bad = {**params, "assets": [asset("低保申请书样表.pdf", b"<script>alert(1)</script>")]}
    assert author.api("persistEntry", bad)[0] == 415
    assert author.api("persistMedia", {"asset": asset("x.pdf", PDF)})[0] == 403  # only with a record, as a draft
    status, answer = author.api("persistEntry", params)
    assert status == 200, answer
    # saved as a draft: nothing in content/, nothing in the site
    assert not (files / "低保申请书样表.pdf").exists()
    assert "低保申请书样表" not in (project / ITEM).read_text(encoding="utf-8")
    kept = list((project / ".guides/drafts/files").rglob("*.pdf"))  # beside content/, with the draft
    assert [p.read_bytes() for p in kept] == [sample]
    # Decap reads the draft with its upload
    status, draft = reviewer.api("unpublishedEntry", {"collection": "items", "slug": "JZ-001"})
    assert status == 200 and any(d["path"] == "content/files/低保申请书样表.pdf" and d["binary"] for d in draft["diffs"])
    status, media = reviewer.api("unpublishedEntryMediaFile", {"collection": "items", "slug": "JZ-001",
                                                               "path": "content/files/低保申请书样表.pdf", "id": "x"})
    assert status == 200 and base64.b64decode(media["content"]) == sample
    assert reviewer.api("unpublishedEntryMediaFile", {"collection": "items", "slug": "JZ-001",
                                                      "path": "content/files/低保结果样本.png", "id": "x"})[0] == 404
    # the reviewer's panel: the check passes with the draft's file (not in content/files/ yet) and the
    # change names it; the draft's page, rendered for review, offers it
    query = urllib.parse.urlencode({"collection": "items", "slug": "JZ-001"})
    panel = json.loads(reviewer.opener.open(url + "/office/draft?" + query).read())
    assert panel["errors"] == [] and any(r["new"] == "低保申请书样表.pdf" for r in panel["changes"]["rows"]), panel
    preview = reviewer.opener.open(url + "/office/preview?" + query).read().decode()
    assert "草稿预览" in preview and "低保申请书样表.pdf" in preview
    # the author cannot publish; the reviewer does: the file arrives with the record, in one commit
    assert author.api("publishUnpublishedEntry", {"collection": "items", "slug": "JZ-001"})[0] == 403
    status, answer = reviewer.api("publishUnpublishedEntry", {"collection": "items", "slug": "JZ-001"})
    assert status == 200, answer
    assert (files / "低保申请书样表.pdf").read_bytes() == sample
    assert yaml.safe_load((project / ITEM).read_text(encoding="utf-8"))["forms"][0]["sample"] == "低保申请书样表.pdf"
    shown = git(project, "-c", "core.quotepath=off", "show", "--name-only", "--format=%an|%cn|%B", "HEAD")
    assert shown.startswith("赵丽|李明|") and "附件：files/低保申请书样表.pdf" in shown
    assert "content/files/低保申请书样表.pdf" in shown and "content/items/JZ-001.yaml" in shown
    assert not list((project / ".guides/drafts/files").rglob("*.pdf"))  # the draft's copy went with the draft


# ------------------------------------------------------------------ in Chromium, through Decap's own widget


def test_upload_a_sample_form_in_the_browser_and_a_disguised_script_is_refused(browser, tmp_path):
    from test_cms import Edit, open_editor, save

    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    e = Edit(content, tmp_path / "site")
    try:
        context, page, outside, violations = open_editor(browser, e)
        # Decap reads a chosen file back from its own blob: URL before sending it (the /admin/ CSP allows
        # connect-src blob:); open_editor's guard refuses all but the editor's address, so let those through
        context.route(lambda url: url.startswith("blob:" + e.url), lambda r: r.continue_())
        page.set_default_timeout(120_000)  # two shared cores: Decap's first render can be slow
        calls: list[str] = []
        page.on("request", lambda r: calls.append(json.loads(r.post_data)["action"]) if r.url.endswith("/api/v1") else None)
        page.on("requestfailed", lambda r: calls.append(f"failed {r.url[-7:]} {r.failure} {len(r.post_data or '')}"))
        try:
            page.goto(e.url + "admin/#/collections/items/entries/JZ-001")
            page.reload()  # Decap keeps the last entry's form on a bare hash change
            choose = page.get_by_role("button", name="选择文件")  # the only empty file field: the form's 样表
            choose.wait_for()
            # first a script dressed as a PDF: the save is refused with the reason, nothing is written
            choose.click()
            page.locator("input[type=file]").set_input_files(
                {"name": "假表格.pdf", "mimeType": "application/pdf", "buffer": b"<script>alert(1)</script>"})
            page.get_by_text("假表格.pdf", exact=True).wait_for()
            page.get_by_role("button", name="选用已选中项目").click()
            page.get_by_role("button", name="移除文件").nth(2).wait_for()
            save(page)
            page.get_by_text("假表格.pdf 不是 PDF、PNG 或 JPEG 文件（按文件内容判断，不看文件名）").first.wait_for()
            assert not (content / "files" / "假表格.pdf").exists()
            assert "假表格" not in (content / "items" / "JZ-001.yaml").read_text(encoding="utf-8")
            # Decap sends every file uploaded while the form is open: the person deletes the wrong one
            # from the library (a draft file: nothing on the server), then chooses a real PDF
            page.on("dialog", lambda d: d.accept())  # Decap's 你确定要删除此媒体项目吗？
            page.get_by_role("button", name="移除文件").last.click()  # the form's 样表 (the last file field)
            page.get_by_role("button", name="选择文件").click()
            page.get_by_text("假表格.pdf", exact=True).click()
            page.get_by_role("button", name="删除已选中项目").click()
            page.get_by_text("假表格.pdf", exact=True).wait_for(state="detached")
            page.locator("input[type=file]").set_input_files(
                {"name": "低保申请书样表.pdf", "mimeType": "application/pdf", "buffer": PDF})
            page.get_by_text("低保申请书样表.pdf", exact=True).wait_for()  # its card in the library
            page.get_by_role("button", name="选用已选中项目").click()
            page.get_by_role("button", name="移除文件").nth(2).wait_for()  # the form shows it: 3 files
            save(page)
            saved = content / "files" / "低保申请书样表.pdf"
            deadline = time.monotonic() + 180
            while not saved.exists():  # (waiting in the page: the routes above answer only while it runs)
                assert time.monotonic() < deadline, f"not saved: {calls}"
                page.wait_for_timeout(300)
            e.wait_for("已更新", timeout=300)
        finally:
            context.close()
        assert (content / "files" / "低保申请书样表.pdf").read_bytes() == PDF
        item = yaml.safe_load((content / "items" / "JZ-001.yaml").read_text(encoding="utf-8"))
        assert item["forms"][0] == {"name": "最低生活保障申请书", "blank": "低保申请书（测试空表）.pdf",
                                    "sample": "低保申请书样表.pdf"}
        # the rebuilt preview site offers it for download
        assert (tmp_path / "site" / "files" / "低保申请书样表.pdf").read_bytes() == PDF
        assert "低保申请书样表.pdf" in (tmp_path / "site" / "items" / "JZ-001" / "index.html").read_text(encoding="utf-8")
        assert outside == [] and violations == []
    finally:
        e.stop()


def test_in_the_office_an_upload_in_the_browser_is_published_only_by_the_reviewer(office, browser):
    project, url = office
    files, drafts = project / "content" / "files", project / ".guides" / "drafts"

    def login(name: str):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        context.route(lambda u: u.startswith("blob:" + url), lambda r: r.continue_())
        page = context.new_page()
        page.set_default_timeout(120_000)  # two shared cores: Decap's first render can be slow
        page.goto(url + "/admin/")
        page.wait_for_url("**/login**")
        page.fill("#username", name)
        page.fill("#password", PASSWORDS[name])
        page.click("button[type=submit]")
        page.get_by_role("button", name="登录").click()   # Decap's own entry button
        page.get_by_text("服务站 · 城东街道").first.wait_for()
        return context, page

    zhao_ctx, zhao = login("赵丽")
    try:
        zhao.goto(url + "/admin/#/collections/items/entries/JZ-001")
        zhao.reload()
        zhao.get_by_role("button", name="选择文件").click()
        zhao.locator("input[type=file]").set_input_files(
            {"name": "低保申请书样表.pdf", "mimeType": "application/pdf", "buffer": PDF})
        zhao.get_by_text("低保申请书样表.pdf", exact=True).wait_for()
        zhao.get_by_role("button", name="选用已选中项目").click()
        zhao.get_by_role("button", name="移除文件").nth(2).wait_for()
        zhao.get_by_role("button", name="保存", exact=True).click()
        deadline = time.monotonic() + 60
        while not list(drafts.glob("files/*/*.pdf")):  # (waiting in the page: its routes answer only then)
            assert time.monotonic() < deadline, "the draft kept no upload"
            zhao.wait_for_timeout(300)
        assert [p.read_bytes() for p in drafts.glob("files/*/*.pdf")] == [PDF]
        assert not (files / "低保申请书样表.pdf").exists() and not (project / "site/files/低保申请书样表.pdf").exists()
        # the author reopens the draft: Decap reads the upload back from the draft
        zhao.reload()
        zhao.get_by_text("低保申请书样表.pdf").first.wait_for()
    finally:
        zhao_ctx.close()
    li_ctx, li = login("李明")
    try:
        li.goto(url + "/office/")
        assert "低保申请书样表.pdf" in li.locator("tr", has_text="样表").first.inner_text()
        li.get_by_role("button", name="发布", exact=True).click()
        li.get_by_text("没有待处理的修改").wait_for(timeout=60000)
    finally:
        li_ctx.close()
    assert (files / "低保申请书样表.pdf").read_bytes() == PDF
    deadline = time.monotonic() + 120
    while not (project / "site/files/低保申请书样表.pdf").exists():  # the preview site rebuilt with it
        assert time.monotonic() < deadline, "the site never got the published file"
        time.sleep(0.3)
    assert not list(drafts.glob("files/*/*.pdf"))


def test_uploads_over_real_http_in_single_user_mode(project):
    """`guides edit` on this PC: a good upload is written, hostile ones are refused with the reason,
    and a body over the API's 2 MB is refused before it is read."""
    proc, url = start_edit(project)
    try:
        client = Client(url)
        files = project / "content" / "files"
        before = tree(files)
        for bad, status in ((asset("申请书.pdf", b"<script>alert(1)</script>"), 415),
                            ({"path": "content/files/../../x.pdf", "content": b64(PDF), "encoding": "base64"}, 403),
                            (asset("样本.png", PDF), 415)):
            code, answer = client.api("persistMedia", {"asset": bad})
            assert code == status and answer["error"], answer
        huge = asset("大.pdf", b"%PDF-1.4\n" + b"0" * 1_600_000)
        code, answer = client.api("persistMedia", {"asset": huge})
        assert code == 413 and "上限" in answer["error"]
        assert tree(files) == before
        code, answer = client.api("persistMedia", {"asset": asset("新表格.pdf", PDF)})
        assert code == 200 and answer["path"] == "content/files/新表格.pdf" and base64.b64decode(answer["content"]) == PDF
        assert (files / "新表格.pdf").read_bytes() == PDF
        code, listed = client.api("getMedia", {"mediaFolder": "content/files"})
        assert code == 200 and "content/files/新表格.pdf" in {f["path"] for f in listed}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
