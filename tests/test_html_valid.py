"""Issue 12, small things found by validators (12.13–12.15), and the W3C validator itself:
the Nu Html Checker (npm vnu-jar, run on Java) reports no error on the pages residents see."""
import http.server
import json
import re
import subprocess
import threading
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, site_files
from generator.serve import Hooks, Reloader, _handler

VNU = ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"
STATION, COMMUNITY = "370304001200", "370304002001"
# the portal, a station home, a guide, a district item page, the item directory, the 404 page, the offline
# page and the pages of needs handled elsewhere
PAGES = ["index.html", f"{STATION}/index.html", f"{STATION}/LN-001/index.html", "items/JZ-001/index.html",
         "items/index.html", "404.html", "offline/index.html", "elsewhere/index.html", "elsewhere/hunyin/index.html"]


def test_w3c_validator_reports_no_errors(mini_site):
    assert VNU.is_file(), "vnu-jar missing: run `npm ci` (make test does)"
    r = subprocess.run(["java", "-jar", str(VNU), "--format", "json", *(str(mini_site / p) for p in PAGES)],
                       capture_output=True, text=True)
    messages = json.loads(r.stderr or r.stdout)["messages"]
    checked = {m["url"] for m in messages}
    errors = [f"{m['url'].rsplit('/site/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
              for m in messages if m["type"] in ("error", "non-document-error")]
    assert errors == [], "\n".join(errors)
    assert r.returncode == 0 and len(checked) <= len(PAGES)  # vnu exits 1 when it finds an error


@pytest.fixture(scope="module")
def served(mini_site):
    """The built site through `guides serve`'s own handler (as Netlify: 404.html for unknown paths)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(mini_site, Reloader(), Hooks()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


# ------------------------------------------------------------------ the cases, one function each

def not_found_page(site: Path, url: str, browser) -> None:
    """12.13: a Chinese 404 with the portal's station finder, for an unknown path at any depth."""
    status, body = _get(url + "no/such/page/")
    assert status == 404 and "页面不存在" in body and f'href="/{STATION}/"' in body
    assert (site / "404.html").read_text(encoding="utf-8") == body  # the same file Netlify serves
    page = browser.new_page()
    page.goto(url + "370304999999/deep/path/")
    assert page.title().startswith("页面不存在")
    # styled: Material's and our stylesheets loaded from the root despite the depth
    assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).position") == "sticky"
    assert page.evaluate("document.documentElement.classList.contains('js')")  # head.js ran
    page.fill("#g-find", "税务街")  # the finder works (guides.js loaded)
    page.wait_for_function("document.querySelector('li[data-name^=\"安上\"]').hidden")
    page.click(f"a[href='/{COMMUNITY}/']")
    page.wait_for_url(url + f"{COMMUNITY}/")
    page.close()


def print_css_does_not_block_first_paint(site: Path, url: str, browser) -> None:
    """12.14: print.css only for print: not render-blocking (Chromium's own resource timing)."""
    for path in ("index.html", f"{STATION}/LN-001/index.html"):
        html = (site / path).read_text(encoding="utf-8")
        links = re.findall(r'<link rel="stylesheet" href="[^"]*/print\.[0-9a-f]{8}\.css"[^>]*>', html)
        assert len(links) == 1 and 'media="print"' in links[0], links
    page = browser.new_page()
    page.goto(url + f"{STATION}/LN-001/", wait_until="load")
    status = dict(page.evaluate("""performance.getEntriesByType('resource')
        .filter(e => e.name.endsWith('.css')).map(e => [e.name.split('/').pop().split('.')[0], e.renderBlockingStatus])"""))
    page.close()
    assert status["print"] == "non-blocking" and status["guides"] == "blocking", status


def no_autocomplete_on_checkboxes(site: Path, url: str, browser) -> None:
    """12.14: Material's hidden checkboxes carry no autocomplete attribute on any page."""
    pages = [p for p in site.rglob("*.html")]
    assert len(pages) > 10
    for p in pages:
        for tag in re.findall(r"<input\b[^>]*>", p.read_text(encoding="utf-8")):
            assert not ('type="checkbox"' in tag and "autocomplete" in tag), (p, tag)


def assets_are_content_hashed_and_immutable(site: Path, url: str, browser) -> None:
    """12.15: our assets have content-hashed names, every page names existing ones, and
    netlify.toml caches them as immutable."""
    names = {p.name for p in (site / "assets/guides").iterdir()}
    assert names and all(re.fullmatch(r"[a-z0-9.-]+\.[0-9a-f]{8}\.(css|js|svg|png)", n) for n in names), names
    used = set()
    for p in site.rglob("*.html"):
        used |= set(re.findall(r'(?:href|src|data-lunr)="[^"]*assets/guides/([^"]+)"', p.read_text(encoding="utf-8")))
    assert used and used <= names, used - names
    assert {n.split(".")[0] for n in used} >= {"guides", "head", "print", "lunr", "logo", "favicon"}
    config = tomllib.loads((ROOT / "netlify.toml").read_text(encoding="utf-8"))
    rule = next(h["values"] for h in config["headers"] if h["for"] == "/assets/guides/*")
    assert rule["Cache-Control"] == "public, max-age=31536000, immutable"


CASES = [not_found_page, print_css_does_not_block_first_paint, no_autocomplete_on_checkboxes,
         assets_are_content_hashed_and_immutable]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_small_things_found_by_validators(mini_site, served, browser, case):
    case(mini_site, served, browser)


def test_hashed_names_change_with_the_asset_and_clean_equals_incremental(mini, tmp_path):
    """12.15 with republishing: an edited asset gets a new name in every page, and the
    incremental build is byte-identical to a clean one (no stale name left behind)."""
    import shutil

    from generator.build import build

    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    config = tmp_path / "mkdocs.yml"
    config.write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), encoding="utf-8")
    out, clean = tmp_path / "site", tmp_path / "clean"
    assert build(mini, out, config_file=config, quiet=True).ok
    before = {p.name for p in (out / "assets/guides").iterdir()}
    with open(theme / "assets/guides/guides.css", "a", encoding="utf-8") as f:
        f.write("\n.g-test-change { color: #000; }\n")
    assert build(mini, out, config_file=config, quiet=True).ok
    after = {p.name for p in (out / "assets/guides").iterdir()}
    changed = after - before
    assert len(changed) == 1 and next(iter(changed)).startswith("guides.") and len(before - after) == 1
    assert next(iter(changed)) in (out / STATION / "index.html").read_text(encoding="utf-8")
    assert build(mini, clean, config_file=config, quiet=True, clean=True).ok
    assert site_files(out) == site_files(clean)
