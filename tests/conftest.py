import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(autouse=True, scope="session")
def workbook_key(tmp_path_factory) -> Path:
    """guides export signs a workbook's scope with a key kept on the PC (~/.config/guides/): the tests'
    own key, for the in-process and the command-line runs alike, and nothing written to ~/.config."""
    path = tmp_path_factory.mktemp("key") / "workbook.key"
    os.environ["GUIDES_WORKBOOK_KEY"] = str(path)
    return path


@pytest.fixture
def mini(tmp_path) -> Path:
    """A writable copy of the small fixture content tree."""
    dest = tmp_path / "content"
    shutil.copytree(MINI, dest)
    return dest


def guides(*args, cwd=ROOT):
    """Run the real console command; returns the CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True)


@pytest.fixture(scope="session")
def mini_site(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("mini")
    content = work / "content"  # a copy: the build records its URLs in the content's ledger
    shutil.copytree(MINI, content)
    out = work / "site"
    r = guides("build", "--content", content, "--out", out)
    assert r.returncode == 0, r.stderr
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root: Path):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "http.server", str(self.port), "-b", "127.0.0.1",
                                      "-d", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}/"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("http.server did not start")

    def stop(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian chromium missing: run `make test`, which installs it"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def site_files(site: Path) -> dict[str, bytes]:
    """Every file of a built site and its bytes, except the build's own report and state."""
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and "_admin" not in p.parts}


def edit(path: Path, old: str, new: str) -> None:
    """Replace text in a content file; the fixture must contain it."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")
