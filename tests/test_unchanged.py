"""A build with nothing to do is skipped (generator/unchanged.py), and only then: every input
of a build, changed, makes the next one real. In-process, on the small fixture."""
import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, edit, site_files
from generator import build as build_module
from generator import cms, unchanged
from generator.build import build
from generator.publish import STATE

ITEM = "items/JF-001.yaml"


def _identity(site: Path) -> dict[str, int]:
    """Every file of the site by inode: a skipped build replaces none."""
    return {str(p.relative_to(site)): p.stat().st_ino for p in site.rglob("*") if p.is_file()}


def _recorded(content: Path) -> dict[str, bytes]:
    return {str(p.relative_to(content)): p.read_bytes() for p in sorted(content.rglob("*"))
            if p.is_file() and p.relative_to(content).parts[0] in unchanged.RECORDED}


@pytest.fixture
def built(mini, tmp_path):
    out = tmp_path / "site"
    assert build(mini, out, quiet=True).ok
    return mini, out


def test_the_same_build_again_changes_nothing(built, tmp_path):
    content, out = built
    files, recorded = _identity(out), _recorded(content)
    again = build(content, out, quiet=True)
    assert again.ok and again.skipped and again.pages_written == 0 and again.written == []
    assert _identity(out) == files  # not one file replaced, the state included
    assert _recorded(content) == recorded  # no queue entry, no history file, no ledger line
    assert again.report["pages_written"] == 0 and not again.report["items"]["changed"]
    assert again.report["queue"] == json.loads((out / "_admin/report.json").read_text())["queue"]
    # and the site it left is the one a clean build makes
    clean = tmp_path / "clean"
    assert build(content, clean, quiet=True, clean=True).ok
    assert site_files(out) == site_files(clean)


def test_an_edit_makes_the_next_build_real(built):
    content, out = built
    edit(content / ITEM, "  - 本村（社区）用电户", "  - 本村（社区）用电户（含临时用电）")
    result = build(content, out, quiet=True)
    assert result.ok and not result.skipped and result.pages_written > 0
    assert result.report["items"]["changed"][0]["code"] == "JF-001"
    assert build(content, out, quiet=True).skipped  # and then there is nothing left to do


def test_an_edit_made_while_the_build_reads_is_never_lost(built, monkeypatch):
    """The content is digested before it is read: an edit landing in between is seen as new."""
    content, out = built
    edit(content / ITEM, "  - 本村（社区）用电户", "  - 本村（社区）用电户（含临时用电）")
    real_read = build_module.read_catalogue

    def read_then_edit(where):
        found = real_read(where)
        edit(content / ITEM, "（含临时用电）", "（含临时用电、农业用电）")  # saved by a clerk meanwhile
        return found

    monkeypatch.setattr(build_module, "read_catalogue", read_then_edit)
    assert build(content, out, quiet=True).ok
    monkeypatch.undo()
    result = build(content, out, quiet=True)
    assert not result.skipped and "农业用电" in (out / "370304001200/JF-001/index.html").read_text()


def test_recorded_files_changed_since_make_it_real(built):
    """The queue, history and ledgers count too: `guides print --changed` marks sheets printed."""
    content, out = built
    queue = content / "reprint.yaml"
    queue.write_text(queue.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not build(content, out, quiet=True).skipped


def test_a_preview_after_a_publication_is_real(built):
    content, out = built
    preview = build(content, out, quiet=True, record=False)
    assert not preview.skipped and preview.report["preview"]
    again = build(content, out, quiet=True, record=False)
    assert again.skipped and again.report["preview"]  # the preview's own report, kept
    assert not build(content, out, quiet=True).skipped  # the publication is recorded


def test_clean_partial_and_other_sites_are_real(built):
    content, out = built
    assert not build(content, out, quiet=True, clean=True).skipped
    assert not build(content, out, quiet=True, stations=["370304001200"]).skipped
    assert not build(content, out, quiet=True).skipped  # the partial build replaced the site
    (out / STATE).write_text((out / STATE).read_text())  # another site (state rewritten)
    assert not build(content, out, quiet=True).skipped


def test_a_new_day_or_changed_code_is_real(built, monkeypatch, tmp_path):
    content, out = built
    monkeypatch.setattr(unchanged, "today", lambda: "2099-01-01")  # review deadlines move with the date
    assert not build(content, out, quiet=True).skipped
    assert build(content, out, quiet=True).skipped
    config = tmp_path / "mkdocs.yml"  # a theme override edited
    shutil.copytree(ROOT / "theme", tmp_path / "theme")
    shutil.copy(ROOT / "mkdocs.yml", config)
    assert not build(content, out, quiet=True, config_file=config).skipped
    assert build(content, out, quiet=True, config_file=config).skipped
    css = next((tmp_path / "theme").rglob("guides.css"))
    css.write_text(css.read_text() + "\n/* 新 */\n")
    result = build(content, out, quiet=True, config_file=config)
    assert not result.skipped and result.pages_written == result.pages_total


def test_the_editor_bundle_counts(built, monkeypatch):
    """Without the editor bundle the site has no /admin/: its warning is said again when skipped."""
    content, out = built
    monkeypatch.setattr(cms, "bundle_files", lambda: [])
    first = build(content, out, quiet=True)
    assert not first.skipped and any(cms.MISSING in p.message for p in first.problems.warnings)
    again = build(content, out, quiet=True)
    assert again.skipped and any(cms.MISSING in p.message for p in again.problems.warnings)


@pytest.mark.parametrize("receipt", ["", "{", '{"inputs": 3}', "[]"])
def test_a_broken_receipt_means_a_real_build(built, receipt):
    content, out = built
    unchanged.receipt_path(out).write_text(receipt)
    assert not build(content, out, quiet=True).skipped


def test_a_failed_check_is_reported_not_skipped(built):
    content, out = built
    edit(content / ITEM, "name:", "name: \n  bad:")
    result = build(content, out, quiet=True)
    assert not result.ok and result.problems.errors
