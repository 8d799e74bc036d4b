"""The build's fast paths give exactly what the slow ones give: the spare site of an A/B
republish always the same as the published one. (QR codes: tests/test_qr.py.)"""
import os
import shutil
import time
from pathlib import Path

import pytest

from conftest import MINI
from conftest import edit as _edit
from conftest import site_files as _files
from generator.build import build
from generator.publish import spare_dir

STATION, COMMUNITY = "370304001200", "370304002001"


def _tree(root: Path) -> dict:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            st = os.stat(os.path.join(dirpath, name))
            out[os.path.relpath(os.path.join(dirpath, name), root)] = (st.st_ino, st.st_dev)
        for name in dirnames:
            out[os.path.relpath(os.path.join(dirpath, name), root) + "/"] = None
    return out


def test_spare_site_stays_the_same_as_the_published_one(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    out = tmp_path / "site"
    station_file = content / f"stations/370304001/{STATION}.yaml"
    steps = [
        ("first build", lambda: None, {}),
        ("no-op", lambda: None, {}),
        ("station edit", lambda: _edit(station_file, "安上村党群服务中心一楼", "安上村新党群服务中心二楼"), {}),
        ("item edit", lambda: _edit(content / "items/JF-001.yaml", "  - 本村（社区）用电户", "  - 本村（社区）用电户（含临时用电）"), {}),
        ("one station only", lambda: _edit(station_file, "新党群服务中心二楼", "新党群服务中心三楼"), {"stations": [STATION]}),
        ("whole site after one station", lambda: None, {}),
        ("station stops offering an item", lambda: _edit(station_file, "items: {set: 村级通用}",
                                                         "items: {set: 村级通用, remove: [LN-001]}"), {}),
        # a station merged away while the URL ledger is lost (issue 12.3: the published site's state
        # stands in for it): its pages become redirects, its search index goes; the spare must follow
        ("station merged, ledger lost", lambda: ((content / "published.txt").unlink(),
                                                (content / f"stations/370304002/{COMMUNITY}.yaml").unlink(),
                                                (content / "retired.yaml").write_text(
                                                    f'stations:\n  - code: "{COMMUNITY}"\n    name: 税务街社区便民服务站\n'
                                                    f'    date: 2026-12-01\n    reason: 合并\n    successor: "{STATION}"\n',
                                                    encoding="utf-8")), {}),
    ]
    for name, change, options in steps:
        change()
        result = build(content, out, quiet=True, **options)
        assert result.ok, (name, result.problems)
        published, spare = _tree(out), _tree(spare_dir(out))
        assert published == spare, (name, sorted(set(published.items()) ^ set(spare.items()))[:5])
        if not options:  # and the published site is the one a clean build makes
            clean = tmp_path / "clean"
            shutil.rmtree(clean, ignore_errors=True)
            assert build(content, clean, quiet=True, clean=True).ok
            assert _files(out) == _files(clean), name


def test_a_spare_that_is_not_the_published_site_is_not_used(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    out = tmp_path / "site"
    assert build(content, out, quiet=True).ok
    spare = spare_dir(out)
    (spare / STATION / "JZ-001/index.html").unlink()
    state = (spare / "_admin/state.json").read_bytes()
    (spare / "_admin/state.json").unlink()
    (spare / "_admin/state.json").write_bytes(state)  # a copy, no longer the published site's own file
    _edit(content / "items/JF-001.yaml", "  - 本村（社区）用电户", "  - 本村（社区）用电户（含临时用电）")
    assert build(content, out, quiet=True).ok
    assert (out / STATION / "JZ-001/index.html").is_file()
    assert _tree(out) == _tree(spare)


@pytest.mark.parametrize("killed_in", ["staging", "spare"])
def test_leftovers_of_a_killed_build_are_removed(tmp_path, killed_in):
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    out = tmp_path / "site"
    assert build(content, out, quiet=True).ok
    leftover = tmp_path / (".site.staging-99999" if killed_in == "staging" else ".site.spare-99999")
    shutil.copytree(out, leftover)
    assert build(content, out, quiet=True).ok
    assert not leftover.exists()  # renamed away at once, deleted by a detached process
    deadline = time.monotonic() + 60
    while any(tmp_path.glob(".site.trash-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.receipt.json", ".site.spare", "content", "site"]
