"""Lighthouse scores of four pages (portal, station home, guide, district guide), written into docs/QUALITY.md,
and screenshots of the guide at 360 px in normal and 长辈模式 (docs/screenshots/).

    .venv/bin/python scripts/lighthouse.py            # sample district, station 370304001200
    .venv/bin/python scripts/lighthouse.py --station 370304002001 --item JZ-001 --runs 3

Builds one station of the sample content, serves it on 127.0.0.1 the way the production
server would (text gzip-compressed, cache headers, netlify.toml's security headers), runs Lighthouse (npm `lighthouse`, pinned in
package.json; `npm ci` installs it) in Debian's chromium with its default mobile emulation
and throttling, and replaces the Lighthouse section of docs/QUALITY.md with the scores
(the median of --runs runs), then takes full-page screenshots of the guide at 360 px,
normal and ?elder=1, into docs/screenshots/guide-360-normal.png and guide-360-elder.png
(Playwright from the project's venv, the same chromium). Exit code 1 if a score is under the issue's bar:
performance ≥ 95, accessibility 100, best practices ≥ 95, SEO ≥ 95.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import http.server
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import tomllib
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
QUALITY = ROOT / "docs" / "QUALITY.md"
SHOTS = ROOT / "docs" / "screenshots"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
                "--disable-background-networking --disable-component-update --disable-sync")
CATEGORIES = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 95}
START, END = "<!-- lighthouse:start -->", "<!-- lighthouse:end -->"
TEXT = (".html", ".css", ".js", ".svg", ".json", ".txt", ".xml")


def production_headers() -> dict[str, str]:
    """The headers netlify.toml sends with every page (Content-Security-Policy among them)."""
    path = ROOT / "netlify.toml"
    if not path.exists():
        return {}
    for h in tomllib.loads(path.read_text(encoding="utf-8")).get("headers", []):
        if h.get("for") == "/*":
            return {k: v for k, v in h.get("values", {}).items() if k != "Strict-Transport-Security"}
    return {}


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files as the production server sends them: text gzip-compressed, cached,
    with the production security headers (so an inline script would show as an error)."""

    extra_headers: dict[str, str] = {}

    def log_message(self, *args):
        pass

    def send_head(self):  # noqa: C901 - the stdlib's shape
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # redirect to the slash
            path = path / "index.html"
        if not path.is_file():
            self.send_error(404)
            return None
        data = path.read_bytes()
        gz = path.suffix in TEXT and "gzip" in self.headers.get("Accept-Encoding", "")
        if gz:
            data = gzip.compress(data, 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)) + ("; charset=utf-8" if path.suffix in TEXT else ""))
        self.send_header("Content-Length", str(len(data)))
        if gz:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        # pages revalidate; theme assets are stable within a build
        cache = "no-cache" if path.suffix == ".html" else "public, max-age=31536000"
        self.send_header("Cache-Control", cache)
        for k, v in self.extra_headers.items():
            self.send_header(k, v)
        self.end_headers()
        from io import BytesIO
        return BytesIO(data)


def serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    GzipHandler.extra_headers = production_headers()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), partial(GzipHandler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{port}/"


def lighthouse(url: str, out: Path) -> dict:
    cmd = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
           "--only-categories=" + ",".join(CATEGORIES), f"--chrome-flags={CHROME_FLAGS}",
           "--locale=en-US"]
    subprocess.run(cmd, check=True, env={**os.environ, "CHROME_PATH": CHROME})
    return json.loads(out.read_text(encoding="utf-8"))


def screenshots(url: str) -> None:
    """The guide at 360 px wide, whole page, in normal and elder mode."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROME, args=CHROME_FLAGS.replace("--headless=new ", "").split())
        for mode, query in (("normal", ""), ("elder", "?elder=1")):
            context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1, locale="zh-CN")
            page = context.new_page()
            page.goto(url + query, wait_until="load")
            page.screenshot(path=str(SHOTS / f"guide-360-{mode}.png"), full_page=True)
            context.close()
        browser.close()
    print(f"screenshots: {SHOTS.relative_to(ROOT)}/guide-360-normal.png, guide-360-elder.png")


def large_text_screenshots(base: str, station: str, item: str) -> None:
    """The station home and a guide with the browser's font raised to 200 % and 300 % (a Chromium
    profile's default font size, as the browser's setting does), one screen each at 360 × 740:
    the top of the page and the guide's 办理时限与收费, normal and elder mode."""
    from playwright.sync_api import sync_playwright

    shots = []
    with sync_playwright() as p:
        for scale in (200, 300):
            profile = Path(tempfile.mkdtemp(prefix="font-"))
            (profile / "Default").mkdir()
            (profile / "Default" / "Preferences").write_text(
                json.dumps({"webkit": {"webprefs": {"default_font_size": 16 * scale // 100}}}), encoding="utf-8")
            context = p.chromium.launch_persistent_context(
                str(profile), executable_path=CHROME, args=CHROME_FLAGS.replace("--headless=new ", "").split(),
                headless=True, viewport={"width": 360, "height": 740}, device_scale_factor=1, locale="zh-CN")
            page = context.new_page()
            for mode, query in (("normal", "?elder=0"), ("elder", "?elder=1")):
                for name, path, anchor in (("station", f"{station}/", None), ("guide", f"{station}/{item}/", None),
                                           ("guide-limits", f"{station}/{item}/", "#limits")):
                    page.goto(base + path + query, wait_until="load")
                    if anchor:  # the section's heading just below the sticky header
                        page.evaluate("""a => { const el = document.querySelector(a);
                            window.scrollTo(0, el.getBoundingClientRect().top + scrollY
                                            - document.querySelector('.g-header').offsetHeight); }""", anchor)
                    shot = f"font{scale}-{name}-{mode}.png"
                    page.screenshot(path=str(SHOTS / shot))
                    shots.append(shot)
            context.close()
            shutil.rmtree(profile, ignore_errors=True)
    print(f"screenshots: {SHOTS.relative_to(ROOT)}/" + ", ".join(shots))


def failing_audits(report: dict) -> list[str]:
    out = []
    for cat in report["categories"].values():
        for ref in cat["auditRefs"]:
            a = report["audits"][ref["id"]]
            if ref.get("weight") and a.get("score") is not None and a["score"] < 0.9:
                out.append(f"{cat['id']}: {a['id']} ({a['score']:.2f}) {a['title']}")
    return sorted(set(out))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--content", default=str(ROOT / "content"))
    ap.add_argument("--station", default="370304001200")
    ap.add_argument("--item", default="LN-001")
    ap.add_argument("--runs", type=int, default=3, help="runs per page; the median score is kept")
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/QUALITY.md alone")
    ap.add_argument("--no-screenshots", action="store_true", help="scores only")
    args = ap.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit("lighthouse missing: run `npm ci` in the repository root")
    if not Path(CHROME).exists():
        sys.exit(f"chromium missing at {CHROME}: `apt-get install chromium` or set CHROME_PATH")

    work = Path(tempfile.mkdtemp(prefix="lighthouse-"))
    try:
        site, content = work / "site", work / "content"
        shutil.copytree(args.content, content)  # a copy: the build records its URLs in the content's ledger
        # a full build of the station's own town (portal, directory, district guides, its stations):
        # the pages as published, in a minute instead of the whole district's eight
        for town in (content / "stations").iterdir():
            if town.name != args.station[:9]:
                shutil.rmtree(town)
        for record in ("published.txt", "reprint.yaml", "retired.yaml", "history"):
            path = content / record
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        r = subprocess.run([sys.executable, "-m", "generator", "build", "--content", str(content),
                            "--out", str(site)],
                           cwd=ROOT, capture_output=True, text=True)
        if r.returncode:
            sys.exit(r.stderr)
        httpd, base = serve(site)
        pages = {"portal": "", "station home": f"{args.station}/", "guide": f"{args.station}/{args.item}/",
                 "district guide": f"items/{args.item}/"}
        rows, problems, versions = [], [], {}
        for name, path in pages.items():
            scores: dict[str, list[float]] = {c: [] for c in CATEGORIES}
            notes: set[str] = set()
            for i in range(args.runs):
                rep = lighthouse(base + path, work / f"{name.replace(' ', '-')}-{i}.json")
                versions = {"lighthouse": rep["lighthouseVersion"], "browser": rep["environment"]["hostUserAgent"]}
                for c in CATEGORIES:
                    scores[c].append(round(rep["categories"][c]["score"] * 100))
                notes.update(failing_audits(rep))
                if i == 0:
                    metrics = {k: rep["audits"][k]["displayValue"] for k in
                               ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                                "cumulative-layout-shift", "speed-index")}
                    weight = rep["audits"]["total-byte-weight"]["numericValue"]
            median = {c: int(statistics.median(v)) for c, v in scores.items()}
            rows.append((name, "/" + path, median, scores, metrics, weight, sorted(notes)))
            problems += [f"{name}: {c} {median[c]} < {bar}" for c, bar in CATEGORIES.items() if median[c] < bar]
        if not args.no_screenshots:
            screenshots(base + pages["guide"])
            large_text_screenshots(base, args.station, args.item)
        httpd.shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    section = render(rows, versions, args)
    print(section)
    if not args.no_write:
        write(section)
    if problems:
        print("under the bar:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    return 0


def render(rows, versions, args) -> str:
    head = "| page | performance | accessibility | best practices | SEO |\n| --- | --- | --- | --- | --- |\n"
    body = "".join(
        f"| {name} `{path}` | {m['performance']} | {m['accessibility']} | {m['best-practices']} | {m['seo']} |\n"
        for name, path, m, *_ in rows)
    bar = "| the issue's bar | ≥ 95 | 100 | ≥ 95 | ≥ 95 |\n"
    detail = ""
    for name, path, m, scores, metrics, weight, notes in rows:
        runs = ", ".join(f"{c} {'/'.join(map(str, v))}" for c, v in scores.items())
        detail += (f"\n- **{name}**: every run: {runs}. First run: "
                   + ", ".join(f"{k.replace('-', ' ')} {v}" for k, v in metrics.items())
                   + f"; {weight / 1024:.0f} KiB transferred.")
        if notes:
            detail += " Audits under 0.9: " + "; ".join(notes) + "."
    return (f"{START}\n_Written by `scripts/lighthouse.py` on {dt.date.today().isoformat()}: "
            f"Lighthouse {versions.get('lighthouse', '?')}, mobile emulation and simulated throttling "
            f"(Lighthouse's defaults), Debian chromium headless; station {args.station} of `{Path(args.content).name}/`, "
            f"built with its town's stations only (the portal then lists one town), "
            f"served gzip-compressed from 127.0.0.1 with netlify.toml's headers (Content-Security-Policy); median of {args.runs} runs per page._\n\n"
            + head + body + bar + detail + f"\n{END}")


def write(section: str) -> None:
    text = QUALITY.read_text(encoding="utf-8") if QUALITY.exists() else "# Quality\n\n" + START + "\n" + END + "\n"
    if START not in text:
        text += "\n" + START + "\n" + END + "\n"
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    QUALITY.write_text(before + section + after, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
