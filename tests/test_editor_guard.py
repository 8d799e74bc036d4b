"""The web editor refuses what could harm (issue 19.1–3, 9): its API reaches catalogue records
only, whatever the spelling of the path; only the editor's own page can call it; malformed and
oversized bodies get an answer in Chinese. In-process first, then over real HTTP against
`guides edit`, then from a hostile page in Chromium."""
import hashlib
import http.client
import http.cookiejar
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import MINI, ROOT, free_port
from generator.edit import Editor
from generator.editor_guard import Address, Sessions, Throttle, User, cross_site, wrong_host
from generator.editor_store import Refused, Store

STATION = "370304001200"
STATION_FILE = f"stations/370304001/{STATION}.yaml"


# ------------------------------------------------------------------ paths, in-process


@pytest.fixture
def project(tmp_path):
    """A project as the editor sees it: content/ beside code, git and the built site."""
    shutil.copytree(MINI, tmp_path / "content")
    for decoy in ("generator/cli.py", ".git/config", ".git/hooks/pre-commit", "site/_admin/state.json"):
        (tmp_path / decoy).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / decoy).write_text("decoy\n")
    (tmp_path / "content" / "published.txt").write_text(f"/\n/{STATION}/\n/{STATION}/JF-001/\n")
    return tmp_path


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


OUTSIDE = ["content/../generator/cli.py", "content/../.git/config", "./content/../.git/hooks/pre-commit",
           "content/items/../../.git/config", "content/published.txt", "./content/published.txt",
           "content/../site/_admin/state.json", "content/stations/370304001/../../published.txt",
           "generator/cli.py", ".git/config", "/etc/passwd", "content/items/x.yaml\x00.py",
           "content\\items\\JF-001.yaml", "content/items/JF-001.yml", "content/reprint.yaml",
           "content/history/x.json", "content/items/sub/JF-001.yaml", "content", "", None, 7, ["a"]]


@pytest.mark.parametrize("path", OUTSIDE, ids=repr)
def test_only_catalogue_records_whatever_the_spelling(project, path):
    store = Store(project / "content")
    with pytest.raises(Refused) as refused:
        store.record(path)
    assert refused.value.status == 403 and "不能" in refused.value.message or "无效" in refused.value.message


@pytest.mark.parametrize("path", ["content/items/JF-001.yaml", "./content/items/JF-001.yaml",
                                  "content//items/./JF-001.yaml", "content/stations/x/../370304001/370304001200.yaml",
                                  "content/district.yaml", "ABS/items/JF-001.yaml"])
def test_any_spelling_of_a_record_names_the_same_record(project, path):
    store = Store(project / "content")
    path = path.replace("ABS", str((project / "content").resolve()))
    assert store.record(path) in ("items/JF-001.yaml", STATION_FILE, "district.yaml")


def test_a_symbolic_link_in_content_is_never_followed(project):
    (project / "content" / "items" / "LINK.yaml").symlink_to(project / ".git" / "config")
    with pytest.raises(Refused):
        Store(project / "content").record("content/items/LINK.yaml")


@pytest.fixture
def editor(project):
    e = Editor(project / "content", Address("127.0.0.1", 1), district=None)
    e.session = e.sessions.start(User("测试", "local"))
    return e


@pytest.mark.parametrize("spelling", [f"content/{STATION_FILE}", f"./content/{STATION_FILE}", "ABS",
                                      f"content/stations/x/../370304001/{STATION}.yaml",
                                      f"content/stations//370304001/./{STATION}.yaml"])
def test_deleting_a_published_record_is_refused_whatever_the_spelling(editor, project, spelling):
    path = spelling.replace("ABS", str((project / "content" / STATION_FILE).resolve()))
    for request in ({"action": "deleteFile", "params": {"path": path}},
                    {"action": "deleteFiles", "params": {"paths": [path]}},
                    {"action": "persistEntry", "params": {"entry": {"path": path, "raw": "x: 1\n", "slug": "s",
                                                                     "newPath": f"content/stations/370304001/370304001299.yaml"}}}):
        with pytest.raises(Refused) as refused:
            editor.api(editor.session, request)
        assert refused.value.status == 422 and "已印在纸上的网址将会失效" in refused.value.message
    assert (project / "content" / STATION_FILE).exists()


def test_writes_outside_the_catalogue_are_refused_and_nothing_changes(editor, project):
    before = tree(project)
    for path in OUTSIDE[:12]:
        for request in ({"action": "persistEntry", "params": {"entry": {"path": path, "raw": "x", "slug": "x"},
                                                               "assets": []}},
                        {"action": "persistEntry", "params": {"dataFiles": [{"path": f"content/{STATION_FILE}",
                                                                             "raw": "x", "slug": "x", "newPath": path}]}},
                        {"action": "persistMedia", "params": {"asset": {"path": path, "content": "eA==",
                                                                        "encoding": "base64"}}},
                        {"action": "getMediaFile", "params": {"path": path}},
                        {"action": "deleteFile", "params": {"path": path}}):
            with pytest.raises(Refused) as refused:
                editor.api(editor.session, request)
            assert refused.value.status in (400, 403), (path, request, refused.value.message)
    assert tree(project) == before


def test_a_save_that_fails_the_check_is_refused_with_the_reason(editor, project):
    item = project / "content" / "items" / "JF-001.yaml"
    editor.api(editor.session, {"action": "getEntry", "params": {"path": "content/items/JF-001.yaml"}})
    text = item.read_text(encoding="utf-8")
    bad = text + "legal_limit_days: 20\n"   # a legal time limit without its legal basis
    with pytest.raises(Refused) as refused:
        editor.api(editor.session, {"action": "persistEntry", "params": {
            "entry": {"path": "content/items/JF-001.yaml", "raw": bad, "slug": "JF-001"}, "assets": []}})
    assert refused.value.status == 422 and "检查不通过" in refused.value.message
    assert "content/items/JF-001.yaml" in refused.value.message
    assert item.read_text(encoding="utf-8") == text


def test_a_save_over_a_newer_version_is_a_conflict_with_both_values(editor, project):
    station = project / "content" / STATION_FILE
    editor.api(editor.session, {"action": "getEntry", "params": {"path": f"content/{STATION_FILE}"}})
    original = station.read_text(encoding="utf-8")
    # meanwhile a workbook import (or a colleague) changes the phone
    station.write_text(original.replace("0533-4100001", "0533-4100002"), encoding="utf-8")
    mine = original.replace("0533-4100001", "0533-4100003")
    with pytest.raises(Refused) as refused:
        editor.api(editor.session, {"action": "persistEntry", "params": {
            "entry": {"path": f"content/{STATION_FILE}", "raw": mine, "slug": STATION}, "assets": []}})
    assert refused.value.status == 409
    rows = refused.value.extra["conflict"]["rows"]
    assert {"field": "服务站电话", "old": "0533-4100002", "new": "0533-4100003"} in rows
    assert "0533-4100002" in station.read_text(encoding="utf-8")   # the newer version stays
    # after reading the newer version the same save goes through
    editor.api(editor.session, {"action": "getEntry", "params": {"path": f"content/{STATION_FILE}"}})
    editor.api(editor.session, {"action": "persistEntry", "params": {
        "entry": {"path": f"content/{STATION_FILE}", "raw": mine, "slug": STATION}, "assets": []}})
    assert "0533-4100003" in station.read_text(encoding="utf-8")


# ------------------------------------------------------------------ the guard, in-process


class Headers(dict):
    def get(self, key, default=None):
        return super().get(key, default)


def test_only_the_editors_own_name_and_page():
    address = Address("127.0.0.1", 8000)
    assert wrong_host(address, Headers({"Host": "127.0.0.1:8000"})) is None
    assert wrong_host(address, Headers({"Host": "localhost:8000"})) is None
    for host in ("evil.example:8000", "127.0.0.1:8001", "", "127.0.0.1"):
        assert wrong_host(address, Headers({"Host": host})), host
    ok = Headers({"Host": "127.0.0.1:8000", "Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"})
    assert cross_site(ok) is None
    for bad in ({"Origin": "http://127.0.0.1:9999"}, {"Origin": "null"}, {"Sec-Fetch-Site": "same-site"},
                {"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://evil.example"}):
        assert cross_site(Headers({"Host": "127.0.0.1:8000", **bad})), bad


def test_sessions_expire_and_wrong_passwords_slow_down():
    now = [1000.0]
    sessions = Sessions(clock=lambda: now[0])
    s = sessions.start(User("王芳", "editor", "370304001"))
    cookie = f"a=b; guides_session={s.id}"
    assert sessions.find(cookie) is s
    now[0] += 2 * 3600 + 1   # idle longer than two hours
    assert sessions.find(cookie) is None
    throttle = Throttle(clock=lambda: now[0])
    for _ in range(3):
        assert throttle.wait("王芳") == 0
        throttle.failed("王芳")
    waits = []
    for _ in range(4):
        waits.append(throttle.wait("王芳"))
        throttle.failed("王芳")
    assert waits == sorted(waits) and waits[0] >= 2 and waits[-1] > waits[0]
    throttle.succeeded("王芳")
    assert throttle.wait("王芳") == 0


# ------------------------------------------------------------------ over real HTTP


class Running:
    """`guides edit` on a project copy."""

    def __init__(self, project: Path, *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = open(project / "edit.log", "w+")
        self.proc = subprocess.Popen([sys.executable, "-m", "generator", "edit", "--content", project / "content",
                                      "--out", project / "site-preview", "--port", str(self.port), *args],
                                     cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(self.url + "session", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                assert self.proc.poll() is None and time.monotonic() < deadline, self.output()
                time.sleep(0.2)

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    project = tmp_path_factory.mktemp("project")
    shutil.copytree(MINI, project / "content")
    for decoy in ("generator/cli.py", ".git/config", "site/_admin/state.json"):
        (project / decoy).parent.mkdir(parents=True, exist_ok=True)
        (project / decoy).write_text("decoy\n")
    r = Running(project)
    r.project = project
    yield r
    r.stop()


def raw(port: int, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.endheaders()
        if body:
            conn.send(body)
        answer = conn.getresponse()
        data = answer.read()
        try:
            return answer.status, json.loads(data)
        except ValueError:
            return answer.status, {"raw": data[:200]}
    finally:
        conn.close()


def login(running) -> tuple[str, str]:
    """(cookie, token) of the single-user session, as the editor's page gets them."""
    status, _ = raw(running.port, "GET", "/session", {"Host": f"127.0.0.1:{running.port}"})
    conn = http.client.HTTPConnection("127.0.0.1", running.port, timeout=30)
    conn.request("GET", "/session")
    answer = conn.getresponse()
    cookie = answer.getheader("Set-Cookie").split(";")[0]
    token = json.loads(answer.read())["csrf"]
    assert "HttpOnly" in answer.getheader("Set-Cookie") and "SameSite=Strict" in answer.getheader("Set-Cookie")
    return cookie, token


def test_api_calls_need_the_session_the_token_json_and_the_own_address(running):
    cookie, token = login(running)
    host = f"127.0.0.1:{running.port}"
    info = json.dumps({"action": "info"}).encode()
    good = {"Host": host, "Cookie": cookie, "X-CSRF-Token": token, "Content-Type": "application/json",
            "Content-Length": str(len(info))}
    assert raw(running.port, "POST", "/api/v1", good, info)[0] == 200
    cases = {
        "no session": ({"Cookie": "guides_session=forged"}, 401, "登录"),
        "no token": ({"X-CSRF-Token": ""}, 403, "令牌"),
        "wrong token": ({"X-CSRF-Token": "x" * 43}, 403, "令牌"),
        "text/plain (a no-cors fetch)": ({"Content-Type": "text/plain"}, 415, "JSON"),
        "a form post": ({"Content-Type": "application/x-www-form-urlencoded"}, 415, "JSON"),
        "foreign Host (DNS rebinding)": ({"Host": f"evil.example:{running.port}"}, 403, "地址"),
        "foreign Origin": ({"Origin": "http://evil.example"}, 403, "其他网页"),
        "another port on this PC": ({"Origin": "http://127.0.0.1:1"}, 403, "其他网页"),
        "Sec-Fetch-Site: same-site": ({"Sec-Fetch-Site": "same-site"}, 403, "其他网页"),
    }
    for name, (change, status, word) in cases.items():
        got, answer = raw(running.port, "POST", "/api/v1", {**good, **change}, info)
        assert got == status and word in answer["error"], (name, got, answer)


def test_bad_bodies_get_an_answer_in_chinese(running):
    cookie, token = login(running)
    base = {"Host": f"127.0.0.1:{running.port}", "Cookie": cookie, "X-CSRF-Token": token,
            "Content-Type": "application/json"}
    for body, status in ((b"[1, 2]", 400), (b'"text"', 400), (b"{not json", 400), (b"\xff\xfe", 400),
                         (b'{"action": "rm -rf"}', 422), (b'{"action": "getEntry", "params": [1]}', 400)):
        got, answer = raw(running.port, "POST", "/api/v1", {**base, "Content-Length": str(len(body))}, body)
        assert got == status and any("\u4e00" <= c <= "\u9fff" for c in answer["error"]), (body, got, answer)
    # a 300 MB body is refused from its declared length, before it is read
    start = time.monotonic()
    got, answer = raw(running.port, "POST", "/api/v1", {**base, "Content-Length": str(300 * 1024 * 1024)}, b"{")
    assert got == 413 and "过大" in answer["error"]
    assert time.monotonic() - start < 20   # answered without waiting for 300 MB (generous for a loaded machine)


def test_foreign_host_never_gets_the_editor_configuration(running):
    got, answer = raw(running.port, "GET", "/admin/config.yml", {"Host": f"evil.example:{running.port}"})
    assert got == 403
    conn = http.client.HTTPConnection("127.0.0.1", running.port, timeout=30)
    conn.request("GET", "/admin/config.yml")
    config = conn.getresponse().read().decode()
    assert f"proxy_url: http://127.0.0.1:{running.port}/api/v1" in config and "evil" not in config


def test_nothing_outside_the_catalogue_over_http(running):
    cookie, token = login(running)
    before = tree(running.project)
    base = {"Host": f"127.0.0.1:{running.port}", "Cookie": cookie, "X-CSRF-Token": token,
            "Content-Type": "application/json"}
    for path in ("content/../generator/cli.py", "content/../.git/config", "content/published.txt",
                 "content/../site/_admin/state.json", str(running.project / ".git" / "config")):
        for request in ({"action": "getEntry", "params": {"path": path}},
                        {"action": "persistEntry", "params": {"entry": {"path": path, "raw": "[core]\n\tfsmonitor = touch /tmp/x\n", "slug": "x"}, "assets": []}},
                        {"action": "deleteFile", "params": {"path": path}}):
            body = json.dumps(request).encode()
            got, answer = raw(running.port, "POST", "/api/v1", {**base, "Content-Length": str(len(body))}, body)
            assert got == 403, (path, request["action"], got, answer)
            assert "decoy" not in json.dumps(answer)
    after = tree(running.project)
    assert {k: v for k, v in after.items() if not k.startswith(("site-preview/", "edit.log"))} == \
        {k: v for k, v in before.items() if not k.startswith(("site-preview/", "edit.log"))}


def test_long_paths_are_not_found_and_a_burst_of_connections_is_served(running):
    for path in ("/" + "a" * 300 + "/", "/" + "b" * 5000, "/items/" + "%E4%B8%AD" * 100 + "/"):
        got, _ = raw(running.port, "GET", path, {"Host": f"127.0.0.1:{running.port}"})
        assert got == 404, path
    results: list[int] = []

    def one():
        try:
            with urllib.request.urlopen(running.url + "items/", timeout=60) as r:
                results.append(r.status)
        except OSError as e:
            results.append(repr(e))

    threads = [threading.Thread(target=one) for _ in range(150)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(200) == 150, [r for r in results if r != 200][:5]
    assert "Traceback" not in running.output()


# ------------------------------------------------------------------ a hostile page in Chromium

HOSTILE = """<!doctype html><meta charset="utf-8"><title>hostile</title><script>
window.results = [];
const target = "%s";
const write = JSON.stringify({action: "persistEntry", params: {entry: {path: "content/../generator/cli.py",
  raw: "pwned", slug: "x"}, assets: []}});
const del = JSON.stringify({action: "deleteFile", params: {path: "content/stations/370304001/370304001200.yaml"}});
async function attempt(name, f) { try { const r = await f(); results.push([name, r.type, r.status]); }
  catch (e) { results.push([name, "error", String(e)]); } }
(async () => {
  await attempt("no-cors text/plain write", () => fetch(target + "api/v1", {method: "POST", mode: "no-cors",
    credentials: "include", headers: {"Content-Type": "text/plain"}, body: write}));
  await attempt("no-cors text/plain delete", () => fetch(target + "api/v1", {method: "POST", mode: "no-cors",
    credentials: "include", headers: {"Content-Type": "text/plain"}, body: del}));
  await attempt("cors json delete", () => fetch(target + "api/v1", {method: "POST", credentials: "include",
    headers: {"Content-Type": "application/json"}, body: del}));
  await attempt("read the token", async () => { const r = await fetch(target + "session", {credentials: "include"});
    window.token = await r.text(); return r; });
  const form = document.createElement("form"); form.method = "POST"; form.action = target + "api/v1";
  form.enctype = "text/plain"; const i = document.createElement("input"); i.name = del.slice(0, -1) + ',"x":"';
  i.value = '"}'; form.appendChild(i); document.body.appendChild(form);
  window.done = true;
})();
</script>"""


def test_a_hostile_page_in_chromium_changes_nothing(running, tmp_path, browser):
    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "index.html").write_text(HOSTILE % running.url, encoding="utf-8")
    port = free_port()   # another origin on the same PC: the same *site* for SameSite cookies
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "-b", "127.0.0.1", "-d", evil],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    before = tree(running.project / "content")
    try:
        context = browser.new_context()
        page = context.new_page()
        page.goto(running.url + "admin/")     # the administrator has the editor open: a session cookie
        page.wait_for_function("window.guidesSession !== undefined")
        page.evaluate("window.guidesSession()")
        hostile = context.new_page()
        for _ in range(100):
            try:
                hostile.goto(f"http://127.0.0.1:{port}/")
                break
            except Exception:
                time.sleep(0.1)
        hostile.wait_for_function("window.done === true", timeout=30000)
        results = hostile.evaluate("window.results")
        token = hostile.evaluate("window.token || ''")
        with hostile.expect_navigation():
            hostile.evaluate("document.forms[0].submit()")
        form_answer = hostile.content()
        context.close()
    finally:
        server.terminate()
    assert tree(running.project / "content") == before
    assert not (running.project / "generator" / "cli.py").read_text() != "decoy\n"
    assert "csrf" not in token      # the session answer is unreadable from another origin
    by_name = {r[0]: r for r in results}
    assert by_name["no-cors text/plain write"][1] == "opaque"   # sent, but refused by the server:
    assert by_name["cors json delete"][1] == "error"            # the browser asks first; no permission
    assert "拒绝来自其他网页的请求" in form_answer or "JSON" in form_answer


# ------------------------------------------------------------------ a stopped build is quiet


def test_a_build_stopped_with_ctrl_c_says_one_line_and_no_traceback(tmp_path):
    out = tmp_path / "site"
    proc = subprocess.Popen([sys.executable, "-m", "generator", "build", "--clean", "--content", ROOT / "content",
                             "--out", out, "--config", ROOT / "mkdocs.yml"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    deadline = time.monotonic() + 300
    # wait until the workers render pages into the staging directory, then Ctrl+C (the whole group)
    while not any(p.is_dir() and any(p.iterdir()) for p in tmp_path.glob(".site.staging-*")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.2)
    time.sleep(1)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert "已中断" in err and not out.exists()   # nothing published half-way
