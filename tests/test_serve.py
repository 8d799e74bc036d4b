"""`guides serve`: rebuilds when content changes and tells the open page to reload."""
import subprocess
import sys
import time
import urllib.request

from conftest import ROOT, free_port

STATION = "370304001200"


def test_serve_rebuilds_and_reloads(mini, tmp_path, browser):
    port = free_port()
    out = tmp_path / "site"
    proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--content", str(mini), "--out", str(out),
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 120  # the first build: ~5 s alone, 20 s on a loaded machine
        while True:
            try:
                urllib.request.urlopen(base, timeout=1).read()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        html = urllib.request.urlopen(base + f"{STATION}/").read().decode()
        assert "/__events" in html  # the reload snippet is served...
        assert "/__events" not in (out / STATION / "index.html").read_text(encoding="utf-8")  # ...not built

        page = browser.new_page()
        page.goto(base + f"{STATION}/")
        assert "0533-4100001" in page.content()
        station = mini / f"stations/370304001/{STATION}.yaml"
        station.write_text(station.read_text(encoding="utf-8").replace("0533-4100001", "0533-4100077"),
                           encoding="utf-8")
        # the open page reloads by itself and shows the new phone number
        page.wait_for_function("document.body.innerText.includes('0533-4100077')", timeout=30000)
        page.close()
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
    assert "已更新：写入 4 页" in output, output
