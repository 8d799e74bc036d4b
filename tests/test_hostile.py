"""Hostile and broken input (issue 12.5–12.8), through the real commands: each case gets a
Chinese message naming file and line, exit code 1, never a traceback or a hang."""
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, free_port

ITEM = "items/LN-001.yaml"
VILLAGE = "stations/370304001/370304001200.yaml"
COMMUNITY = "stations/370304002/370304002001.yaml"
# English a message must not be made of (strerror texts, PyYAML and libyaml reasons)
ENGLISH = re.compile(r"found|could not|cannot|expected|exceeded|while |Errno|No such|Permission|error", re.I)


def run(*args, timeout=120):
    """The real console command, with a timeout: a FIFO used to make it wait forever."""
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def text(rel, content: str):
    def edit(root: Path):
        (root / rel).write_text(content, encoding="utf-8")
    return edit


def nested(depth: int) -> str:
    return "name: " + "[" * depth + "x" + "]" * depth + "\n"


# 3 + 9 + 81 + … values: 9 levels of 9 aliases each expand to 9^9 (387 million) strings
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))
MERGE_BOMB = "a: &a {k0: 1}\n" + "".join(
    f"m{i}: &m{i} {{<<: [*{'a' if i == 0 else f'm{i - 1}'}, *{'a' if i == 0 else f'm{i - 1}'}], k{i + 1}: 1}}\n"
    for i in range(40))


def symlink(rel, target):
    def edit(root: Path):
        p = root / rel
        p.unlink(missing_ok=True)
        p.symlink_to(target(root) if callable(target) else target)
    return edit


def fifo(rel):
    def edit(root: Path):
        (root / rel).unlink()
        os.mkfifo(root / rel)
    return edit


def device(rel):
    def edit(root: Path):  # a copy of /dev/zero's device node inside the tree (we are root)
        (root / rel).unlink()
        os.mknod(root / rel, stat.S_IFCHR | 0o600, os.makedev(1, 5))
    return edit


def folder_outside(rel):
    def edit(root: Path):
        outside = root.parent / "elsewhere"
        shutil.move(root / rel, outside)
        (root / rel).symlink_to(outside, target_is_directory=True)
    return edit


def big(rel):
    def edit(root: Path):
        p = root / rel
        p.write_text(p.read_text(encoding="utf-8") + "# " + "很长的注释" * 80_000 + "\n", encoding="utf-8")
    return edit


# (case, edit, file, line, message)
HOSTILE = [
    ("alias bomb", text(ITEM, BOMB), ITEM, 5, "别名（*）展开后超过 100,000 个值"),
    ("merge-key bomb", text(ITEM, MERGE_BOMB), ITEM, 13, "别名（*）展开后超过 100,000 个值"),
    ("anchor refers to itself", text(ITEM, "code: &a [x, *a]\n"), ITEM, 1, "锚点（&）引用了自身"),
    ("nesting 30 deep", text(ITEM, nested(30)), ITEM, 1, "嵌套超过 20 层"),
    ("nesting 5000 deep (libyaml's own limit)", text(ITEM, nested(5000)), ITEM, 1, "嵌套层次过深"),
    ("symlink to /dev/zero", symlink(ITEM, "/dev/zero"), ITEM, 1, "指向内容目录之外（/dev/zero）"),
    ("device file in the tree", device(ITEM), ITEM, 1, "不是普通文件（是设备文件）"),
    ("FIFO", fifo(ITEM), ITEM, 1, "不是普通文件（是命名管道 FIFO）"),
    ("symlink to a file outside", symlink(ITEM, "/etc/passwd"), ITEM, 1, "指向内容目录之外（/etc/passwd）"),
    ("folder symlinked outside", folder_outside("stations/370304002"), "stations/370304002", 1, "文件夹通过符号链接指向内容目录之外"),
    ("district.yaml symlinked outside", symlink("district.yaml", lambda root: ROOT / "content/district.yaml"),
     "district.yaml", 1, "指向内容目录之外"),
    ("broken symlink", symlink(ITEM, "LN-404.yaml"), ITEM, 1, "符号链接指向的文件不存在"),
    ("symlink loop", symlink(ITEM, "LN-001.yaml"), ITEM, 1, "循环"),
    ("file over 1 MB", big(ITEM), ITEM, 1, "文件过大（1.1 MB，上限 1 MB）"),
]


@pytest.mark.parametrize("case,edit,path,line,message", HOSTILE, ids=[c[0] for c in HOSTILE])
def test_hostile_input(mini, case, edit, path, line, message):
    edit(mini)
    r = run("check", "--content", mini)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    where = f"{mini / path}:{line}: "
    hits = [l for l in r.stderr.splitlines() if l.startswith(where) and message in l]
    assert hits, f"expected {where}… {message}\n got:\n{r.stderr}"
    assert not ENGLISH.search(hits[0].removeprefix(where)), hits[0]


def test_symlink_inside_the_tree_is_content(mini):
    """Decided: a symlink that stays inside the content tree is read like the file itself."""
    shutil.move(mini / ITEM, mini / "LN-001.source")  # outside items/, inside the tree
    (mini / ITEM).symlink_to("../LN-001.source")
    r = run("check", "--content", mini)
    assert r.returncode == 0, r.stderr
    assert "检查通过：2 个服务站，3 个事项" in r.stdout


def test_serve_survives_deep_nesting(mini, tmp_path):
    """`guides serve` died with RecursionError when a file nested too deep appeared."""
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--content", str(mini), "--out",
                                 str(tmp_path / "site"), "--port", str(port)], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while "预览地址" not in log.read_text(encoding="utf-8"):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.2)
        (mini / ITEM).write_text(nested(3000), encoding="utf-8")
        while "预览仍显示上一次成功的版本" not in log.read_text(encoding="utf-8"):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.2)
        assert proc.poll() is None  # still serving
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    shown = log.read_text(encoding="utf-8")
    assert "Traceback" not in shown and f"{mini / ITEM}:1: YAML 格式错误：嵌套层次过深" in shown, shown


# ------------------------------------------------------------------- 12.8 English, hidden files


def stations_file(root: Path):
    shutil.rmtree(root / "stations")
    (root / "stations").write_text("370304001200\n", encoding="utf-8")


def rename(rel, new):
    def edit(root: Path):
        (root / rel).rename(root / new)
    return edit


def replace(rel, old, new):
    def edit(root: Path):
        p = root / rel
        t = p.read_text(encoding="utf-8")
        assert old in t, f"fixture changed: {old!r} not in {rel}"
        p.write_text(t.replace(old, new, 1), encoding="utf-8")
    return edit


def long_symlink(rel):
    def edit(root: Path):
        (root / rel).unlink()
        (root / rel).symlink_to("x" * 300)  # a name longer than the file system allows
    return edit


# (case, edit, file, line, message)
ENGLISH_BEFORE = [
    ("tab at line start", replace(ITEM, "  - law:", "\t- law:"), ITEM, 6, "不能用 Tab 缩进，请用空格"),
    ("tab after spaces", replace(ITEM, "    article:", "  \tarticle:"), ITEM, 7, "不能用 Tab 缩进，请用空格"),
    ("!!python/object/apply tag", replace(ITEM, "code: LN-001", "code: !!python/object/apply:os.system [ls]"),
     ITEM, 1, "不支持的标签“!!python/object/apply:os.system”"),
    ("!!python/name tag", replace(ITEM, "code: LN-001", "code: !!python/name:os.system"), ITEM, 1,
     "不支持的标签“!!python/name:os.system”"),
    ("local tag", replace(ITEM, "code: LN-001", "code: !secret x"), ITEM, 1, "不支持的标签“!secret”"),
    ("libyaml depth error", text(ITEM, nested(1200)), ITEM, 1, "嵌套层次过深"),
    ("two documents", replace(ITEM, "code: LN-001", "code: LN-001\n---\ncode: LN-002"), ITEM, 2, "一个文件只能有一条记录"),
    ("strerror ENAMETOOLONG", long_symlink(ITEM), ITEM, 1, "无法读取文件：文件名过长（ENAMETOOLONG）"),
    ("hidden record file", rename(ITEM, "items/.LN-001.yaml"), "items/.LN-001.yaml", 1, "隐藏文件（名称以“.”开头）不会被使用"),
    ("hidden town folder", rename("stations/370304002", "stations/.370304002"), "stations/.370304002", 1, "隐藏文件夹"),
    ("stations/ is a file", stations_file, "stations", 1, "stations 应为文件夹，而这是一个文件"),
]


@pytest.mark.parametrize("case,edit,path,line,message", ENGLISH_BEFORE, ids=[c[0] for c in ENGLISH_BEFORE])
def test_messages_in_chinese(mini, case, edit, path, line, message):
    edit(mini)
    r = run("check", "--content", mini)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    where = f"{mini / path}:{line}: "
    hits = [l for l in r.stderr.splitlines() if l.startswith(where) and message in l]
    assert hits, f"expected {where}… {message}\n got:\n{r.stderr}"
    assert not ENGLISH.search(hits[0].removeprefix(where)), hits[0]


def test_editor_leftovers_are_named_not_fatal(mini):
    """Decided: backup, swap and lock files editors leave (`x~`, `.#x`, `.x.swp`, `.~lock.x#`) are warned about and
    skipped: an open editor must not stop `guides serve`. Any other hidden file is an error."""
    shutil.copy(mini / ITEM, mini / (ITEM + "~"))
    (mini / "items/.#LN-001.yaml").symlink_to("root@host.1234")  # how Emacs marks a file being edited
    (mini / "stations/370304001/.370304001200.yaml.swp").write_bytes(b"\x00vim swap")
    (mini / "items/.~lock.LN-001.yaml#").write_text("user,host,2026", encoding="utf-8")  # LibreOffice
    r = run("check", "--content", mini)
    assert r.returncode == 0, r.stderr
    warning = "警告：编辑器或系统留下的临时/备份文件，已忽略（可以删除）"
    # one line for the kind, with its count (issue 22.6) ...
    assert f"警告（4 处）：{warning.removeprefix('警告：')}（如 " in r.stderr, r.stderr
    # ... and every one of them with --warnings
    r = run("check", "--content", mini, "--warnings")
    shown = {l.split(":1: ")[0] for l in r.stderr.splitlines() if l.endswith(":1: " + warning)}
    names = {str(mini / n) for n in (ITEM + "~", "items/.#LN-001.yaml", "items/.~lock.LN-001.yaml#",
                                     "stations/370304001/.370304001200.yaml.swp")}
    assert shown == names, r.stderr


def test_one_bad_district_field_is_one_error(mini):
    """Before: every station using an item set got its own error (296 on the sample)."""
    replace("district.yaml", 'code: "370304"', 'code: "37030X"')(mini)
    r = run("check", "--content", mini)
    assert r.returncode == 1
    errors = [l for l in r.stderr.splitlines() if re.match(r".+:\d+: ", l) and "警告" not in l]
    assert len(errors) == 1 and f"{mini / 'district.yaml'}:" in errors[0], r.stderr
    assert "2 个服务站的默认事项清单和所属镇（街道）依赖它，暂未检查" in r.stderr


def test_one_bad_item_is_one_error(mini):
    """A station's reference to an item whose own file has errors is not a second error."""
    replace("items/JF-001.yaml", "visits: 0", "visits: 很多")(mini)
    r = run("check", "--content", mini)
    assert r.returncode == 1
    errors = [l for l in r.stderr.splitlines() if re.match(r".+:\d+: ", l) and "警告" not in l]
    assert len(errors) == 1 and "items/JF-001.yaml" in errors[0], r.stderr


# --------------------------------------------------------------------- 12.7 length limits

from generator.model import LINE_MAX, NAME_MAX, PARA_MAX  # noqa: E402  (the limits live in the model)


def too_long(n: int) -> str:
    return f"过长：{n} 个字符，最多"


# (case, edit, file, line, message): each one character over its limit, and the 10,000-character name
LONG = [
    ("10,000-character division name", replace(VILLAGE, "division: 安上村委会", "division: " + "安" * 10_000 + "村委会"),
     VILLAGE, 2, f"区划名称: {too_long(10_003)} {NAME_MAX} 个字符"),
    ("10,000-character item name", replace(ITEM, "name: 老年人优待证办理", "name: " + "优" * 10_000), ITEM, 2,
     f"事项名称: {too_long(10_000)} {NAME_MAX} 个字符"),
    ("staff name", replace(VILLAGE, "name: 张秀英", "name: " + "张" * (NAME_MAX + 1)), VILLAGE, 17,
     f"工作人员[1].姓名: {too_long(NAME_MAX + 1)} {NAME_MAX} 个字符"),
    ("station address", replace(VILLAGE, "address: 博山区城东街道安上村党群服务中心一楼", "address: " + "A" * (LINE_MAX + 1)),
     VILLAGE, 5, f"地址: {too_long(LINE_MAX + 1)} {LINE_MAX} 个字符"),
    ("department", replace(ITEM, "department: 博山区民政局", "department: " + "局" * (LINE_MAX + 1)), ITEM, 9,
     f"实施主体: {too_long(LINE_MAX + 1)} {LINE_MAX}"),
    ("a condition", replace(ITEM, "  - 年满60周岁、具有本区户籍或持有本区居住证的老年人", "  - " + "条" * (PARA_MAX + 1)), ITEM, 11,
     f"受理条件[1]: {too_long(PARA_MAX + 1)} {PARA_MAX}"),
    ("optional material note", replace(ITEM, "notes: 白底", "notes: " + "白" * (PARA_MAX + 1)), ITEM, 21,
     f"申请材料[2].备注: {too_long(PARA_MAX + 1)} {PARA_MAX}"),
]


@pytest.mark.parametrize("case,edit,path,line,message", LONG, ids=[c[0] for c in LONG])
def test_length_limits(mini, case, edit, path, line, message):
    edit(mini)
    r = run("check", "--content", mini)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    where = f"{mini / path}:{line}: "
    hits = [l for l in r.stderr.splitlines() if l.startswith(where) and message in l]
    assert hits, f"expected {where}… {message}\n got:\n{r.stderr[:3000]}"


def test_longest_allowed_values_fit_a_phone(mini, tmp_path, browser):
    """Values at the limits, without a break point (Latin letters), stay inside a 360 px page."""
    from conftest import Server

    replace(ITEM, "name: 老年人优待证办理", "name: " + "W" * NAME_MAX)(mini)
    replace(ITEM, "department: 博山区民政局", "department: " + "D" * LINE_MAX)(mini)
    replace(VILLAGE, "address: 博山区城东街道安上村党群服务中心一楼", "address: " + "A" * LINE_MAX)(mini)
    replace(VILLAGE, "complaint_box: 大厅入口右侧", "complaint_box: " + "B" * LINE_MAX)(mini)
    replace(VILLAGE, "name: 张秀英", "name: " + "Z" * NAME_MAX)(mini)
    r = run("build", "--content", mini, "--out", tmp_path / "site")
    assert r.returncode == 0, r.stderr
    server = Server(tmp_path / "site")
    page = browser.new_page(viewport={"width": 360, "height": 800})
    try:
        for path in ("370304001200/", "370304001200/LN-001/", "items/LN-001/", "items/", ""):
            page.goto(server.url + path)
            assert "W" * 20 in page.content() or path in ("370304001200/", "")  # the long value is there
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"/{path} is {width} px wide at 360 px"
    finally:
        page.close()
        server.stop()


# -------------------------------------------------------------------------- 12.6 disk full


@pytest.fixture
def small_disk(tmp_path):
    """A real 64 MB file system (tmpfs; the tests run as root) that can be filled up: room for a mini
    site with the web editor's 5 MB bundle."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path, leave_kb: int = 0) -> None:
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    subprocess.run(["fallocate", "-l", str(max(free - leave_kb * 1024, 4096)), str(disk / "filler")], check=True)


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def full_build(mini, disk, tmp_path):
    """Site on the full disk; a --clean build must write every page."""
    site = disk / "site"
    assert run("build", "--content", mini, "--out", site).returncode == 0
    fill(disk, leave_kb=40)
    return site, ["build", "--clean", "--content", mini, "--out", site], "已发布的网站未改动"


def full_ledger(mini, disk, tmp_path):
    """Content (with its URL ledger) on the full disk; the site elsewhere."""
    content = disk / "content"
    shutil.copytree(mini, content)
    site = tmp_path / "site"
    assert run("build", "--content", content, "--out", site).returncode == 0
    ledger = content / "published.txt"
    ledger.write_text("".join(ledger.read_text(encoding="utf-8").splitlines(keepends=True)[:-1]), encoding="utf-8")
    fill(disk)  # the next build adds the missing URL back to the ledger
    return ledger, ["build", "--content", content, "--out", site], "已发布的网站未改动"


def full_print(mini, disk, tmp_path):
    """The offline copy printed onto the full disk."""
    site = tmp_path / "site"
    assert run("build", "--content", mini, "--out", site).returncode == 0
    out = disk / "print"
    command = ["print", "370304001200", "--offline-only", "--test-print", "--content", mini, "--site", site,
               "--out", out]
    assert run(*command).returncode == 0
    assert any(out.rglob("*.zip"))
    fill(disk, leave_kb=8)
    return out, [*command, "--force"], "已有的打印文件未改动（写了一半的文件已删除）"


DISK_FULL = [("build: pages", full_build), ("build: URL ledger", full_ledger), ("print: offline zip", full_print)]


@pytest.mark.parametrize("case,setup", DISK_FULL, ids=[c[0] for c in DISK_FULL])
def test_disk_full(mini, tmp_path, small_disk, case, setup):
    kept, command, after = setup(mini, small_disk, tmp_path)
    before = files(kept) if kept.is_dir() else kept.read_bytes()
    r = run(*command)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and "OSError" not in r.stderr
    # the message names the file that could not be written (or its folder)
    assert re.search(re.escape(str(kept)) + r"\S*: " + re.escape(f"无法写入：磁盘空间不足（ENOSPC）。请清理磁盘空间后重新运行。{after}"),
                     r.stderr), r.stderr
    assert (files(kept) if kept.is_dir() else kept.read_bytes()) == before  # nothing damaged, nothing half-written


def test_serve_on_a_full_disk_keeps_serving(mini, tmp_path, small_disk):
    """`guides serve` rebuilding onto a full disk says so and keeps the last good preview."""
    import urllib.request

    port = free_port()
    site = small_disk / "site"
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--content", str(mini), "--out",
                                 str(site), "--port", str(port)], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while "预览地址" not in log.read_text(encoding="utf-8"):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.2)
        before = files(site)
        fill(small_disk)
        replace(VILLAGE, "0533-4100001", "0533-4100077")(mini)
        while "预览仍显示上一次成功的版本" not in log.read_text(encoding="utf-8"):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.2)
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/370304001200/", timeout=10).read().decode()
        assert "0533-4100001" in page  # the last good version is still served
        assert files(site) == before
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    shown = log.read_text(encoding="utf-8")
    assert "Traceback" not in shown and f"{site}: 无法写入：磁盘空间不足（ENOSPC）" in shown, shown
