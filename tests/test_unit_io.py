"""In-process unit tests of the modules that touch the disk and the public addresses: files.py (the one atomic
write), publish.py (staging, the atomic swap, the spare site and its journal) and urls.py (the URL scheme
printed on paper, and links read the way a browser reads them)."""
import errno
import os
import stat
import time

import pytest

from generator import files, publish, urls
from generator.files import atomic_path, atomic_write
from generator.publish import Journal


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# ------------------------------------------------------------------ files.atomic_write

def test_atomic_write_writes_text_as_utf8_and_bytes_as_they_are(tmp_path):
    atomic_write(tmp_path / "a" / "b.txt", "便民服务站\n")
    atomic_write(tmp_path / "c.bin", b"\x00\xff")
    assert (tmp_path / "a" / "b.txt").read_bytes() == "便民服务站\n".encode("utf-8")
    assert (tmp_path / "c.bin").read_bytes() == b"\x00\xff"
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "a") == []


def test_atomic_write_replaces_and_leaves_a_readable_file(tmp_path):
    target = tmp_path / "reprint.yaml"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o600)
    atomic_write(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # published files are readable by the web server


def test_a_failed_write_leaves_the_old_file_whole_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "published.txt"
    target.write_text("whole old file\n", encoding="utf-8")

    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    with pytest.raises(OSError) as e:
        atomic_write(target, "half")
    assert e.value.filename == str(target)  # the message names the file the administrator knows
    assert target.read_text(encoding="utf-8") == "whole old file\n"
    assert leftovers(tmp_path) == []


def test_atomic_path_removes_its_temporary_when_the_writer_fails(tmp_path):
    target = tmp_path / "book.xlsx"
    with pytest.raises(ValueError):
        with atomic_path(target) as tmp:
            assert tmp.parent == tmp_path and tmp.name.startswith(".book.xlsx.") and tmp.name.endswith(".part")
            tmp.write_bytes(b"half a workbook")
            raise ValueError("the library failed")
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_two_writers_of_one_file_get_different_temporaries(tmp_path):
    target = tmp_path / "x"
    with atomic_path(target) as first, atomic_path(target) as second:
        assert first != second
        first.write_bytes(b"1")
        second.write_bytes(b"2")
    assert target.read_bytes() == b"1"  # the outer one finished last
    assert leftovers(tmp_path) == []


def test_atomic_write_fsyncs_before_the_rename(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(files.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(files.os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b))[1])
    atomic_write(tmp_path / "f", "x")
    assert calls == ["fsync", "replace"]


# ------------------------------------------------------------------ publish: staging and swap

def site(root, pages: dict[str, str]):
    for rel, text in pages.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def tree(root) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()}


def test_staging_is_a_new_directory_beside_the_output(tmp_path):
    # (what a killed build left is removed at the build's start: tests/test_fast_paths.py)
    out = tmp_path / "site"
    staging = publish.staging_dir(out)
    assert staging.parent == tmp_path and staging.is_dir() and list(staging.iterdir()) == []
    assert staging.name == f".site.staging-{os.getpid()}" and not out.exists()


def test_exchange_swaps_two_directories_in_one_step(tmp_path):
    a, b = site(tmp_path / "a", {"x": "A"}), site(tmp_path / "b", {"x": "B"})
    if not publish.exchange(a, b):
        pytest.fail("renameat2(RENAME_EXCHANGE) unsupported here: the build would fall back to two renames")
    assert tree(a) == {"x": "B"} and tree(b) == {"x": "A"}


def test_the_first_publication_renames_staging_into_place(tmp_path):
    out, spare = tmp_path / "site", tmp_path / ".site.spare"
    staging = site(publish.staging_dir(out), {"index.html": "new"})
    publish.swap_in_with_spare(staging, out, spare, keep_old=True, make_spare=False, journal=Journal())
    assert tree(out) == {"index.html": "new"} and not staging.exists() and not spare.exists()


def test_a_swap_keeps_the_old_site_as_the_spare_made_equal_by_the_journal(tmp_path):
    out = site(tmp_path / "site", {"index.html": "v1", "370304001200/index.html": "station v1",
                                   "370304001200/JF-001/index.html": "guide v1", "search/a.js": "idx1"})
    spare = publish.spare_dir(out)
    assert spare == tmp_path / ".site.spare"
    staging = publish.staging_dir(out)
    publish.link_tree(out, staging)  # the build starts from a copy of the published site
    # the build: one page rewritten, one guide and one search index removed, one page added
    (staging / "index.html").unlink()
    site(staging, {"index.html": "v2", "items/JF-001/index.html": "item"})
    publish.remove_page(staging, "370304001200/JF-001/index.html")
    (staging / "search/a.js").unlink()
    journal = Journal(written=["index.html", "items/JF-001/index.html", "index.html"],
                      removed=["370304001200/JF-001/index.html", "search/a.js"])
    new = tree(staging)
    publish.swap_in_with_spare(staging, out, spare, keep_old=True, make_spare=False, journal=journal)
    assert tree(out) == new
    assert tree(spare) == new  # the replaced site, brought level by replaying the journal
    assert (spare / "index.html").stat().st_ino == (out / "index.html").stat().st_ino  # linked, not copied
    assert not (spare / "370304001200/JF-001").exists()  # its emptied directory removed too
    assert (spare / "search").is_dir()


def test_make_spare_links_a_complete_copy(tmp_path):
    out = site(tmp_path / "site", {"index.html": "v1"})
    spare = publish.spare_dir(out)
    site(spare, {"stale.html": "from an old build"})
    staging = site(publish.staging_dir(out), {"index.html": "v2", "a/b.html": "b"})
    publish.swap_in_with_spare(staging, out, spare, keep_old=False, make_spare=True, journal=Journal())
    assert tree(out) == tree(spare) == {"index.html": "v2", "a/b.html": "b"}
    assert (spare / "a/b.html").stat().st_ino == (out / "a/b.html").stat().st_ino
    _wait_for_trash(tmp_path)  # the old site and the old spare are deleted by a detached process
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [".site.spare"]


def _wait_for_trash(where, seconds=60):
    deadline = time.monotonic() + seconds
    while any(where.glob(".*.trash-*")) and time.monotonic() < deadline:
        time.sleep(0.02)


def test_remove_later_frees_the_name_at_once_and_deletes_in_the_background(tmp_path):
    out = tmp_path / "site"
    old = site(tmp_path / "old", {f"s{i}/i/index.html": "x" for i in range(50)})
    publish.remove_later(out, old, tmp_path / "never-made")
    assert not old.exists()  # renamed away before remove_later returns
    _wait_for_trash(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_sweep_removes_a_killed_builds_staging_spare_and_trash(tmp_path):
    out = site(tmp_path / "site", {"index.html": "live"})
    for name in (".site.staging-99999", ".site.spare-99999", ".site.trash-99999-0"):
        site(tmp_path / name, {"s/i/index.html": "x"})
    publish.sweep(out)
    assert not (tmp_path / ".site.staging-99999").exists() and not (tmp_path / ".site.spare-99999").exists()
    _wait_for_trash(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_link_tree_skips_top_level_names_and_copies_no_data(tmp_path):
    src = site(tmp_path / "src", {"a.html": "a", "_admin/state.json": "{}", "d/_admin/x": "kept"})
    publish.link_tree(src, tmp_path / "dst", skip=("_admin",))
    assert tree(tmp_path / "dst") == {"a.html": "a", "d/_admin/x": "kept"}
    assert (tmp_path / "dst/a.html").stat().st_nlink == 2


def test_the_spare_is_taken_only_when_it_is_the_published_sites_twin(tmp_path):
    out = site(tmp_path / "site", {publish.STATE: '{"v": 1}'})
    spare = publish.spare_dir(out)
    publish.link_tree(out, spare)  # its state file is a hard link of the published one
    staging = publish.staging_dir(out)
    assert publish.take_spare(spare, staging, out, "code", {"v": 1}) == {"v": 1}
    assert not spare.exists() and (staging / publish.STATE).exists()
    # a spare whose state is its own copy (another build's) is thrown away, not used
    site(spare, {publish.STATE: '{"v": 1}'})
    staging2 = tmp_path / "staging2"
    staging2.mkdir()
    assert publish.take_spare(spare, staging2, out, "code", {"v": 1}) is None
    assert not spare.exists() and staging2.is_dir() and list(staging2.iterdir()) == []


def test_remove_page_removes_emptied_directories_but_not_the_root(tmp_path):
    root = site(tmp_path / "site", {"s/i/index.html": "x", "s/index.html": "y", "t/i/index.html": "z"})
    publish.remove_page(root, "s/i/index.html")
    assert not (root / "s/i").exists() and (root / "s/index.html").exists()
    publish.remove_page(root, "t/i/index.html")
    assert not (root / "t").exists() and root.is_dir()
    publish.remove_page(root, "gone/index.html")  # already gone: nothing to do


def test_remove_and_discard(tmp_path):
    d = site(tmp_path / "d", {"x": "1"})
    f = tmp_path / "f"
    f.write_text("1")
    link = tmp_path / "l"
    link.symlink_to(d)
    publish.remove(link)
    assert d.exists() and not link.exists()  # a link is removed, never what it points at
    publish.remove(d)
    publish.remove(f)
    publish.discard(tmp_path / "never-made")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ urls: the scheme printed on paper

def test_the_public_url_scheme():
    assert urls.station_path("370304001200") == "370304001200/"
    assert urls.guide_path("370304001200", "JF-001") == "370304001200/JF-001/"
    assert urls.item_path("JF-001") == "items/JF-001/"
    assert urls.absolute("https://guides.boshan.gov.cn/", "370304001200/") == \
        "https://guides.boshan.gov.cn/370304001200/"
    assert urls.absolute("https://guides.boshan.gov.cn", "") == "https://guides.boshan.gov.cn/"


@pytest.mark.parametrize("url, words", [
    ("", "不能为空"),
    ("http://zwfw.sd.gov.cn/", "https://"),
    ("https://zwfw.sd.gov.cn/a b", "空格"),
    ("https://evil.example\\@zwfw.sd.gov.cn/", "反斜杠"),
    ("https://evil.example@zwfw.sd.gov.cn/", "@"),
    ("https://user:pw@zwfw.sd.gov.cn/", "@"),
    ("https://10.0.0.1/", "IP"),
    ("https://[::1]/", "IP"),
    ("https://0x7f.1/", "IP"),
    ("https://政务.cn/", "中文域名"),
    ("https://xn--fiq228c.cn/", "xn--"),
    ("https://ＺＷＦＷ.sd.gov.cn/", "中文域名"),
    ("https://zwfw.sd.gov.cn%2eevil.example/", "不规范"),
    ("https://zwfw.sd.gov.cn./", "不规范"),
])
def test_parse_https_refuses_addresses_a_browser_would_take_elsewhere(url, words):
    with pytest.raises(urls.UrlError) as e:
        urls.parse_https(url)
    assert words in str(e.value)


def test_parse_https_returns_the_parts_a_browser_sees():
    parts = urls.parse_https("https://zwfw.sd.gov.cn:8443/jiaofei?x=1#top")
    assert parts["hostname"] == "zwfw.sd.gov.cn" and parts["port"] == "8443" and parts["search"] == "?x=1"


def test_domains_are_allowed_by_whole_labels():
    allowed = ["sd.gov.cn", "www.95598.cn"]
    assert urls.domain_allowed("zwfw.sd.gov.cn", allowed) and urls.domain_allowed("SD.GOV.CN", allowed)
    assert not urls.domain_allowed("evilsd.gov.cn", allowed)
    assert not urls.domain_allowed("95598.cn", allowed)
    assert urls.check_link("https://zwfw.sd.gov.cn/x", allowed) == "zwfw.sd.gov.cn"
    with pytest.raises(urls.UrlError, match="online_domains"):
        urls.check_link("https://sd.gov.cn.evil.example/", allowed)


def test_check_domain_takes_only_a_bare_lowercase_domain():
    assert urls.check_domain("zwfw.sd.gov.cn") == "zwfw.sd.gov.cn"
    for bad in ("https://zwfw.sd.gov.cn", "zwfw.sd.gov.cn/", "ZWFW.sd.gov.cn", "localhost", "xn--fiq228c.cn", ""):
        with pytest.raises(urls.UrlError):
            urls.check_domain(bad)


def test_site_origin_normalises_and_refuses_a_path():
    assert urls.site_origin("https://Guides.Boshan.gov.cn/") == "https://guides.boshan.gov.cn"
    assert urls.site_origin("https://guides.boshan.gov.cn:8443") == "https://guides.boshan.gov.cn:8443"
    for bad in ("https://guides.boshan.gov.cn/boshan/", "https://guides.boshan.gov.cn/?a", "https://g.boshan.gov.cn/#x"):
        with pytest.raises(urls.UrlError, match="只写到域名为止"):
            urls.site_origin(bad)


@pytest.mark.parametrize("url, words", [
    ("https://guides.mini.example", ".example"),
    ("https://www.example.com", "example.com"),
    ("https://a.b.example.com.cn", "example.com.cn"),
    ("https://localhost", "不是正式域名"),
    ("https://guides.local", ".local"),
    ("https://127.0.0.1", "IP 地址"),
    ("not a url", "不是有效的网址"),
])
def test_reserved_origins_cannot_be_printed(url, words):
    why = urls.reserved_origin(url)
    assert why is not None and words in why


def test_a_real_origin_is_not_reserved():
    assert urls.reserved_origin("https://guides.boshan.gov.cn") is None
    assert urls.reserved_origin("https://examples.gov.cn") is None  # "example" only as a whole label
