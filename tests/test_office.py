"""`guides edit --office` (issue 21): named accounts, a town's scope enforced by the server,
drafts a second person approves, every publication a git commit by its author, history and
restore, and conflicts — through the real pages in Chromium and over real HTTP."""
import contextlib
import http.cookiejar
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import MINI, ROOT, free_port, guides

STATION = "370304001200"
STATION_PATH = f"content/stations/370304001/{STATION}.yaml"
OTHER_TOWN = "content/stations/370304002/370304002001.yaml"
# the screenshots in docs/ are taken with GUIDES_SCREENSHOTS=docs/screenshots; by default into the test's tmp
SHOTS_ENV = "GUIDES_SCREENSHOTS"
PASSWORDS = {"王芳": "wangfang-2026", "张伟": "zhangwei-2026", "李明": "liming-2026"}


def git(project: Path, *args) -> str:
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    project = tmp_path_factory.mktemp("office")
    shutil.copytree(MINI, project / "content")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "-c", "user.name=初始化", "-c", "user.email=", "commit", "-qm", "初始内容")
    accounts = {"王芳": ("editor", "370304001"), "张伟": ("editor", "370304001"), "李明": ("reviewer", None)}
    for name, (role, town) in accounts.items():
        r = subprocess.run([sys.executable, "-m", "generator", "users", "add", name, "--role", role,
                            *(["--town", town] if town else []), "--password-stdin", "--content", project / "content"],
                           cwd=ROOT, input=PASSWORDS[name] + "\n", capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    port = free_port()
    log = open(project / "edit.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "generator", "edit", "--office", "--content", project / "content",
                             "--out", project / "site", "--port", str(port)], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(url + "/login", timeout=2)
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "guides edit --office did not start"
            time.sleep(0.2)

    class Office:
        pass

    o = Office()
    o.project, o.url, o.proc, o.log = project, url, proc, log

    def output():
        log.flush()
        log.seek(0)
        return log.read()

    o.output = output
    yield o
    proc.terminate()
    proc.wait(timeout=30)


class Client:
    """A script's session, as the contract says: POST /login, GET /session, then the token."""

    def __init__(self, office, name: str):
        self.url = office.url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.opener.open(self.url + "/login", data=urllib.parse.urlencode(
            {"username": name, "password": PASSWORDS[name]}).encode())
        self.session = json.loads(self.opener.open(self.url + "/session").read())

    def call(self, path: str, body: dict, token: bool = True) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["X-CSRF-Token"] = self.session["csrf"]
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), headers=headers)
        try:
            return 200, json.loads(self.opener.open(request, timeout=60).read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())


# ------------------------------------------------------------------ over HTTP


def test_the_session_contract_401_and_403(office):
    anonymous = urllib.request.Request(office.url + "/api/v1", data=b'{"action":"info"}',
                                       headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(anonymous)
    assert e.value.code == 401
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(office.url + "/session")
    assert e.value.code == 401
    wang = Client(office, "王芳")
    assert wang.session["user"] == {"name": "王芳", "role": "editor", "town": "370304001"}
    assert wang.call("/api/v1", {"action": "info"}, token=False)[0] == 403
    assert wang.call("/api/v1", {"action": "info"})[0] == 200


def test_wrong_passwords_are_refused_then_slowed_down(office):
    answers = []
    for _ in range(5):
        request = urllib.request.Request(office.url + "/login", data=urllib.parse.urlencode(
            {"username": "张伟", "password": "wrong-password"}).encode())
        try:
            urllib.request.urlopen(request)
            answers.append(200)
        except urllib.error.HTTPError as e:
            answers.append((e.code, e.read().decode()))
    assert [a[0] for a in answers[:3]] == [401, 401, 401] and "用户名或密码不对" in answers[0][1]
    assert answers[4][0] == 429 and "秒后再试" in answers[4][1]


def test_the_accounts_file_is_outside_content_and_git_and_never_served(office):
    accounts = office.project / ".guides" / "accounts.json"
    assert accounts.exists() and oct(accounts.stat().st_mode)[-3:] == "600"
    text = accounts.read_text(encoding="utf-8")
    assert "$argon2id$" in text and PASSWORDS["王芳"] not in text
    assert ".guides/" in (ROOT / ".gitignore").read_text()
    for path in ("/.guides/accounts.json", "/../.guides/accounts.json", "/%2e%2e/.guides/accounts.json",
                 "/content/../.guides/accounts.json", "/admin/../../.guides/accounts.json"):
        try:
            body = urllib.request.urlopen(office.url + path).read()
        except urllib.error.HTTPError as e:
            body = e.read()
        assert b"argon2" not in body, path
    wang = Client(office, "王芳")
    for path in (".guides/accounts.json", "content/../.guides/accounts.json"):
        status, _ = wang.call("/api/v1", {"action": "getEntry", "params": {"path": path}})
        assert status == 403


def test_users_list_and_remove(office, tmp_path):
    accounts = tmp_path / "accounts.json"
    r = subprocess.run([sys.executable, "-m", "generator", "users", "add", "赵六", "--role", "editor", "--town",
                        "370304002", "--password-stdin", "--accounts", accounts, "--content", MINI],
                       cwd=ROOT, input="zhaoliu-2026\n", capture_output=True, text=True)
    assert r.returncode == 0 and "城西街道" in r.stdout or "370304002" in r.stdout, r.stdout + r.stderr
    listed = guides("users", "list", "--accounts", accounts, "--content", MINI)
    assert "赵六\t编辑" in listed.stdout
    bad = subprocess.run([sys.executable, "-m", "generator", "users", "add", "钱七", "--role", "editor", "--town",
                          "999999999", "--password-stdin", "--accounts", accounts, "--content", MINI],
                         cwd=ROOT, input="qianqi-2026\n", capture_output=True, text=True)
    assert bad.returncode == 1 and "不在" in bad.stderr
    assert guides("users", "remove", "赵六", "--accounts", accounts, "--content", MINI).returncode == 0
    assert "赵六" not in guides("users", "list", "--accounts", accounts, "--content", MINI).stdout


# ------------------------------------------------------------------ the whole office, in Chromium


def login(browser, office, name: str):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(office.url + "/admin/")
    page.wait_for_url("**/login**")
    page.fill("#username", name)
    page.fill("#password", PASSWORDS[name])
    page.click("button[type=submit]")
    page.get_by_role("button", name="登录").click()   # Decap's own entry button
    page.get_by_text("服务站 · 城东街道").first.wait_for()
    return context, page


def open_station(page, office):
    page.goto(office.url + f"/admin/#/collections/stations-370304001/entries/{STATION}")
    page.reload()
    return page.get_by_label("服务站电话", exact=True)


def wait_until(check, timeout=120):
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.3)


def test_three_people_draft_review_publish_history_restore_conflict(office, browser, tmp_path):
    SHOTS = Path(os.environ.get(SHOTS_ENV) or tmp_path)
    station_file = office.project / STATION_PATH
    site_page = office.project / "site" / STATION / "index.html"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with contextlib.nullcontext():
        login_page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        login_page.goto(office.url + "/login")
        login_page.screenshot(path=SHOTS / "office-login.png")
        login_page.close()

        # 1. a town editor changes a station's phone: a draft, the site unchanged
        wang_ctx, wang = login(browser, office, "王芳")
        phone = open_station(wang, office)
        assert phone.input_value() == "0533-4100001"
        phone.fill("0533-4109999")
        wang.get_by_role("button", name="保存", exact=True).click()
        wait_until(lambda: (office.project / ".guides" / "drafts").exists()
                   and list((office.project / ".guides" / "drafts").glob("*.json")))
        assert "0533-4100001" in station_file.read_text(encoding="utf-8")   # not published yet
        wang.frame_locator("iframe").first.locator("#guides-draft").wait_for(timeout=30000)
        # the preview shows the draft's page as it would be published; the site still the old one
        draft_page = wang.frame_locator("iframe").first.frame_locator("iframe[title='重新生成的页面']")
        draft_page.get_by_text("草稿预览").wait_for(timeout=60000)
        assert "0533-4109999" in draft_page.locator("main").inner_text()
        assert "0533-4109999" not in site_page.read_text(encoding="utf-8")
        wang.screenshot(path=SHOTS / "office-draft.png")
        # she submits it for review on the review page
        wang.goto(office.url + "/office/")
        wang.get_by_role("button", name="提交审核").click()
        wang.get_by_text("待审核").first.wait_for()
        assert wang.get_by_role("button", name="发布", exact=True).count() == 0   # not her own to publish

        # 2. the same editor on another town's station: refused by the server, not only hidden
        answer = wang.evaluate("""async (path) => {
            const entry = await (await fetch('/api/v1', {method: 'POST', headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({action: 'getEntry', params: {path}})})).json();
            const r = await fetch('/api/v1', {method: 'POST', headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({action: 'persistEntry', params: {dataFiles: [{path, slug: '370304002001',
                  raw: entry.data.replace('0533', '0534')}], assets: [], options: {collectionName: 'stations-370304002',
                  useWorkflow: true, status: 'draft', commitMessage: 'x'}}})});
            return [r.status, (await r.json()).error];
        }""", OTHER_TOWN)
        assert answer[0] == 403 and "本镇" in answer[1], answer
        assert not list((office.project / ".guides" / "drafts").glob("stations-370304002__*"))

        # 3. the reviewer sees the difference field by field and publishes
        li_ctx, li = login(browser, office, "李明")
        li.goto(office.url + "/office/")
        row = li.locator("tr", has_text="服务站电话")
        assert "0533-4100001" in row.inner_text() and "0533-4109999" in row.inner_text()
        li.screenshot(path=SHOTS / "office-review.png")
        li.get_by_role("button", name="发布", exact=True).click()
        li.get_by_text("没有待处理的修改").wait_for(timeout=60000)
        assert "0533-4109999" in station_file.read_text(encoding="utf-8")
        wait_until(lambda: site_page.exists() and "0533-4109999" in site_page.read_text(encoding="utf-8"))
        log = git(office.project, "log", "-1", "--format=%an|%cn|%B", "--", STATION_PATH)
        assert log.startswith("王芳|李明|修改服务站：安上村便民服务站") and "服务站电话：0533-4100001 → 0533-4109999" in log

        # 4. history, and restoring the earlier version: a new change the reviewer approves
        wang.goto(office.url + "/office/history?path=" + urllib.parse.quote(STATION_PATH))
        assert "王芳" in wang.locator("tbody tr").first.inner_text()
        wang.screenshot(path=SHOTS / "office-history.png")
        wang.get_by_role("button", name="恢复为此版本").first.click()
        wang.get_by_text("已把历史版本作为新的修改提交审核").wait_for()
        li.goto(office.url + "/office/")
        assert "恢复为历史版本" in li.content()
        li.get_by_role("button", name="发布", exact=True).click()
        li.get_by_text("没有待处理的修改").wait_for(timeout=60000)
        assert "0533-4100001" in station_file.read_text(encoding="utf-8")
        assert "恢复为" in git(office.project, "log", "-1", "--format=%s", "--", STATION_PATH)

        # 5. two editors on one record: the second save is refused with both versions
        zhang_ctx, zhang = login(browser, office, "张伟")
        wang_phone, zhang_phone = open_station(wang, office), open_station(zhang, office)
        assert wang_phone.input_value() == zhang_phone.input_value() == "0533-4100001"
        wang_phone.fill("0533-4101111")
        wang.get_by_role("button", name="保存", exact=True).click()
        wait_until(lambda: list((office.project / ".guides" / "drafts").glob("*.json")))
        zhang_phone.fill("0533-4102222")
        with zhang.expect_response(lambda r: "/api/v1" in r.url and r.request.method == "POST"
                                   and "persistEntry" in (r.request.post_data or "")) as refused:
            zhang.get_by_role("button", name="保存", exact=True).click()
        assert refused.value.status == 409
        body = refused.value.json()
        assert {"field": "服务站电话", "old": "0533-4101111", "new": "0533-4102222"} in body["conflict"]["rows"]
        zhang.get_by_text("为免覆盖").first.wait_for()
        zhang.screenshot(path=SHOTS / "office-conflict.png")
        draft = json.loads(next((office.project / ".guides" / "drafts").glob("*.json")).read_text(encoding="utf-8"))
        assert "0533-4101111" in draft["raw"] and draft["authors"] == ["王芳"]
        for context in (wang_ctx, li_ctx, zhang_ctx):
            context.close()
    assert "Traceback" not in office.output()


def test_a_reviewer_publishes_the_site_from_the_editor_an_editor_cannot(office):
    """Issue 22.1: the 发布网站 button (POST /office/publish-site) records the publication with the
    reviewer's name and deploys it; an editor's request is refused by the server."""
    wang = Client(office, "王芳")
    status, answer = wang.call("/office/publish-site", {})
    assert status == 403 and "只有审核人" in answer["error"]
    li = Client(office, "李明")
    status, answer = li.call("/office/publish-site", {})
    assert status == 200, answer
    assert answer["message"].startswith("网站已发布")
    log = git(office.project, "log", "-1", "--format=%an|%B")
    assert log.startswith("李明|发布：") and "发布人：李明" in log
    assert (office.project / "site" / "index.html").exists()


def test_a_removed_account_loses_its_session_at_once(office, tmp_path):
    """`guides users remove` while the editor runs: that person's next request is 401."""
    accounts = office.project / ".guides" / "accounts.json"
    saved = accounts.read_bytes()
    zhang = Client(office, "张伟")
    assert zhang.call("/api/v1", {"action": "info"})[0] == 200
    try:
        r = guides("users", "remove", "张伟", "--content", office.project / "content")
        assert r.returncode == 0, r.stderr
        assert zhang.call("/api/v1", {"action": "info"})[0] == 401
    finally:
        accounts.write_bytes(saved)
