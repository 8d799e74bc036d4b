"""Issue 22.1–22.3: `guides publish` (check → build → record → deploy) and its deploy targets.

End to end against a real web server: sshd and nginx on 127.0.0.1 (tests/webserver.py); an edit
reaches the page nginx serves; an upload cut off halfway leaves the old site served whole."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import webserver
from conftest import ROOT, edit, guides
from generator import deploy, record
from generator.build import build
from generator.publication import publish
from generator.problems import Problems
from generator.reprint import ReprintQueue

STATION = "370304001200"
PAGE = f"/{STATION}/JF-001/"
OLD, NEW = "在服务站协助下", "由服务站工作人员协助"
NO_GIT_WORDS = ("git", "提交", "commit", "Traceback")


def log(repo: Path, fmt: str = "%an|%s") -> list[str]:
    return subprocess.run(["git", "log", f"--format={fmt}"], cwd=repo, capture_output=True, text=True).stdout.splitlines()


def test_publish_to_a_directory_records_who_and_what_in_chinese(mini, tmp_path):
    www = tmp_path / "www"
    r = guides("publish", "--content", mini, "--out", tmp_path / "site", "--to", www, "--author", "张三",
               "-m", "首次上线")
    assert r.returncode == 0, r.stderr
    assert "已发布：首次发布" in r.stdout and not any(w in r.stdout + r.stderr for w in NO_GIT_WORDS)
    assert OLD in (www / STATION / "JF-001/index.html").read_text(encoding="utf-8")
    assert log(tmp_path) == ["张三|发布：首次发布：2 个服务站、3 个事项；全部公示材料需要打印"]
    tracked = subprocess.run(["git", "ls-files"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert "content/reprint.yaml" in tracked and "content/published.txt" in tracked and "content/history/" in tracked
    assert "site/" not in tracked  # the record is the catalogue, not the built site

    # an edit, then the editor's preview rebuilds (twice): they do not use up the change report
    edit(mini / "items/JF-001.yaml", OLD, NEW)
    for _ in range(2):
        preview = build(mini, tmp_path / "site", quiet=True, record=False)
        assert preview.ok and [c["name"] for c in preview.report["items"]["changed"]] == ["电费缴纳"]
    history = sorted((mini / "history").iterdir())
    res = publish(mini, tmp_path / "site", author="李四", message="电费缴纳改写办理说明", to=www)
    assert res.ok, res.message
    assert res.summary == "修改事项：电费缴纳；需重印：2 个服务站共 2 份"
    assert res.deployed.files_sent < 20, "only changed files are copied"
    assert NEW in (www / STATION / "JF-001/index.html").read_text(encoding="utf-8")
    [body] = log(tmp_path, "%an|%B")[:1] or [""]
    assert log(tmp_path)[0] == "李四|发布：修改事项：电费缴纳；需重印：2 个服务站共 2 份"
    message = subprocess.run(["git", "log", "-1", "--format=%B"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert "电费缴纳改写办理说明" in message and "发布人：李四" in message
    assert len(list((mini / "history").iterdir())) == len(history) + 1  # one report for this publication
    queued = {c: [(s.kind, s.item) for s in sheets] for c, sheets in ReprintQueue.load(mini).pending().items()}
    assert ("guide", "JF-001") in queued[STATION]

    # publishing again with nothing changed: no new record, no new history file, the site unchanged
    again = publish(mini, tmp_path / "site", author="李四", to=www)
    assert again.ok and again.commit is None and again.summary == "内容无变化"
    # a full rebuild (new code or theme) writes every page again: only files whose bytes differ are copied
    assert build(mini, tmp_path / "site", quiet=True, clean=True).ok
    again = publish(mini, tmp_path / "site", author="李四", to=www)
    assert again.ok and again.deployed.files_sent < 10, again.deployed
    assert len(log(tmp_path)) == 2 and len(list((mini / "history").iterdir())) == len(history) + 1


def test_a_broken_catalogue_publishes_nothing(mini, tmp_path):
    www = tmp_path / "www"
    assert publish(mini, tmp_path / "site", author="张三", to=www).ok
    before = (www / STATION / "JF-001/index.html").read_bytes()
    edit(mini / "items/JF-001.yaml", OLD, NEW)
    edit(mini / "items/LN-001.yaml", "promised_limit_days: 0", "promised_limit_days: -3")
    r = guides("publish", "--content", mini, "--out", tmp_path / "site", "--to", www, "--author", "张三")
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("发布未完成（停在“检查”这一步）") and "网上的网站没有改动" in last
    assert (www / STATION / "JF-001/index.html").read_bytes() == before
    assert len(log(tmp_path)) == 1


def test_deploy_yaml_mistakes_are_chinese_errors_with_line(mini, tmp_path):
    (tmp_path / "deploy.yaml").write_text("targets:\n  服务器:\n    type: ftp\n    host: x\n", encoding="utf-8")
    problems = Problems()
    assert deploy.load_config(mini, problems) is None
    [p] = problems
    assert p.path.endswith("deploy.yaml") and p.line == 3 and "type 应为 dir" in p.message
    r = guides("publish", "--content", mini, "--out", tmp_path / "site", "--author", "张三")
    assert r.returncode == 1 and "deploy.yaml" in r.stderr and not (tmp_path / "site").exists()


def test_netlify_target_runs_netlify_cli_with_the_token_from_the_environment(mini, tmp_path, monkeypatch):
    """No internet here: the command line netlify-cli would be given, and the messages without it."""
    t = deploy.NetlifyTarget(type="netlify", site_id="5f1c-guides")
    cmd = deploy.netlify_command(tmp_path / "site", t, "发布：修改事项：电费缴纳")
    assert cmd[1:] == ["deploy", "--prod", "--dir", str(tmp_path / "site"), "--site", "5f1c-guides",
                       "--message", "发布：修改事项：电费缴纳"]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(deploy.DeployError, match="没有安装 Netlify 上传工具"):
        deploy.deploy_netlify(tmp_path / "site", t, "外网", "x")
    # an installed netlify-cli (here a recorder in its place) is run with the token, never with it on the command line
    bin_dir = tmp_path / "node_modules/.bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "netlify").write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {tmp_path}/argv\n"
                                     f"echo \"$NETLIFY_AUTH_TOKEN\" > {tmp_path}/token\n")
    (bin_dir / "netlify").chmod(0o755)
    monkeypatch.delenv("NETLIFY_AUTH_TOKEN", raising=False)
    with pytest.raises(deploy.DeployError, match="缺少 Netlify 访问令牌"):
        deploy.deploy_netlify(tmp_path / "site", t, "外网", "x")
    monkeypatch.setenv("NETLIFY_AUTH_TOKEN", "secret-token")
    done = deploy.deploy_netlify(tmp_path / "site", t, "外网", "发布")
    assert done.where == "Netlify 站点 5f1c-guides"
    assert (tmp_path / "argv").read_text().split("\n")[:3] == ["deploy", "--prod", "--dir"]
    assert (tmp_path / "token").read_text().strip() == "secret-token"
    assert "secret-token" not in (tmp_path / "argv").read_text()


# ---------------------------------------------------------------------- a web server over SSH


@pytest.fixture
def server(tmp_path):
    s = webserver.start(tmp_path / "server")
    yield s
    s.stop()


def _children(pid: int) -> list[tuple[int, str]]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                if ppid == pid:
                    out.append((int(d.name), (d / "comm").read_text().strip()))
            except (OSError, ValueError, IndexError):
                pass
    return out


def test_edit_publish_served_by_nginx_and_a_cut_off_upload_leaves_the_old_site(mini, tmp_path, server):
    (tmp_path / "deploy.yaml").write_text(server.deploy_yaml(), encoding="utf-8")
    site = tmp_path / "site"
    r = guides("publish", "--content", mini, "--out", site, "--author", "张三")
    assert r.returncode == 0, r.stderr
    assert "网站已上线：区政务服务器" in r.stdout
    status, page = server.get(PAGE)
    assert status == 200 and OLD in page
    assert server.get("/")[0] == 200 and server.get("/no/such/page/")[0] == 404
    assert (server.base / "current").is_symlink()

    # the office edits in the web editor (its own backend saves the record), the preview rebuilds,
    # and a reviewer presses 发布 (publication.publish, as the editor's button calls it)
    from generator.edit import Editor
    from generator.editor_guard import Address, User

    editor = Editor(mini, Address("127.0.0.1", 1), district=None)
    session = editor.sessions.start(User("赵六", "local"))
    rel = "content/items/JF-001.yaml"
    raw = editor.api(session, {"action": "getEntry", "params": {"path": rel}})
    text = raw["raw"] if isinstance(raw, dict) and "raw" in raw else (mini / "items/JF-001.yaml").read_text(encoding="utf-8")
    editor.api(session, {"action": "persistEntry", "params": {
        "entry": {"path": rel, "raw": text.replace(OLD, NEW), "slug": "JF-001"}, "assets": []}})
    assert NEW in (mini / "items/JF-001.yaml").read_text(encoding="utf-8")
    assert build(mini, site, quiet=True, record=False).ok  # the editor's preview
    res = publish(mini, site, author="王五（审核）")
    assert res.ok, res.message
    assert res.deployed.files_sent is not None and res.deployed.files_sent < 20, "rsync sent only changed files"
    status, page = server.get(PAGE)
    assert status == 200 and NEW in page and OLD not in page
    assert log(tmp_path)[0].startswith("王五（审核）|发布：修改事项：电费缴纳")
    live = os.readlink(server.base / "current")

    # the next publication is cut off halfway through its upload
    (tmp_path / "deploy.yaml").write_text(server.deploy_yaml(bwlimit=2), encoding="utf-8")  # 2 KB/s
    edit(mini / "items/JF-001.yaml", NEW, "由服务站代办员协助")
    proc = subprocess.Popen([sys.executable, "-m", "generator", "publish", "--content", str(mini), "--out",
                             str(site), "--author", "张三"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    upload = server.base / "releases/.upload"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (upload.is_dir() and any(upload.rglob("*.html"))):
        time.sleep(0.05)
    time.sleep(1)  # some files in, the changed ones still trickling
    rsync = [pid for pid, name in _children(proc.pid) if name == "rsync"]
    assert rsync, "the upload was already over: nothing was cut off"
    for pid in rsync:
        os.kill(pid, 9)  # the connection drops halfway
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "上传中断" in err and "网上仍是原来的网站" in err and not any(w in err for w in NO_GIT_WORDS[:3])
    assert os.readlink(server.base / "current") == live and upload.is_dir()
    for path in ("/", f"/{STATION}/", PAGE, "/items/JF-001/"):
        status, page = server.get(path)
        assert status == 200 and "</html>" in page, path  # every page whole
    assert NEW in server.get(PAGE)[1]  # still the previous publication

    # publishing again finishes the upload and switches over
    (tmp_path / "deploy.yaml").write_text(server.deploy_yaml(), encoding="utf-8")
    r = guides("publish", "--content", mini, "--out", site, "--author", "张三")
    assert r.returncode == 0, r.stderr
    assert "由服务站代办员协助" in server.get(PAGE)[1]
    assert not upload.exists() and os.readlink(server.base / "current") != live
    releases = [p for p in (server.base / "releases").iterdir() if not p.name.startswith(".")]
    assert 1 < len(releases) <= deploy.KEEP_RELEASES


def test_a_truncated_queue_is_restored_from_the_last_publication_without_git(mini, tmp_path):
    assert publish(mini, tmp_path / "site", author="张三").ok
    queue = (mini / "reprint.yaml").read_bytes()
    (mini / "reprint.yaml").write_bytes(queue[: len(queue) // 2])
    r = guides("build", "--content", mini, "--out", tmp_path / "site")
    assert r.returncode == 1 and "guides restore content/reprint.yaml" in r.stderr and "git" not in r.stderr
    r = guides("restore", mini / "reprint.yaml")
    assert r.returncode == 0 and "已恢复为上次发布时的版本" in r.stdout, r.stderr
    assert (mini / "reprint.yaml").read_bytes() == queue
    assert guides("build", "--content", mini, "--out", tmp_path / "site").returncode == 0


def test_a_hook_in_the_repository_never_runs_as_the_office(mini, tmp_path):
    assert publish(mini, tmp_path / "site", author="张三").ok  # makes the repository
    hook = tmp_path / ".git/hooks/pre-commit"
    hook.write_text(f"#!/bin/sh\ntouch {tmp_path}/hook-ran\nexit 1\n")
    hook.chmod(0o755)
    edit(mini / "items/JF-001.yaml", OLD, NEW)
    res = publish(mini, tmp_path / "site", author="张三")
    assert res.ok and res.commit, res.message
    assert not (tmp_path / "hook-ran").exists()


def test_a_target_cannot_smuggle_an_option_or_nest_in_the_site(mini, tmp_path):
    for host, user in (("-oProxyCommand=touch_x", "guides"), ("-v", "guides"), ("10.0.0.5", "-oX")):
        (tmp_path / "deploy.yaml").write_text(
            f"targets:\n  s:\n    type: ssh\n    host: '{host}'\n    user: '{user}'\n    path: /srv/g\n", encoding="utf-8")
        problems = Problems()
        assert deploy.load_config(mini, problems) is None and "格式不对" in str(problems[0]), (host, user)
    (tmp_path / "deploy.yaml").unlink()
    res = publish(mini, tmp_path / "site", author="张三", to=tmp_path / "site" / "copy")
    assert not res.ok and res.stage == "检查" and "不能一个在另一个里面" in res.message
    assert not (tmp_path / "site").exists()  # stopped before building anything
