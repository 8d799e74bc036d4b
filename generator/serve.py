"""`guides serve`: a local preview that rebuilds incrementally when content changes
and reloads the open browser pages (server-sent events; nothing is added to the
built files, the reload snippet is injected only into served responses)."""
from __future__ import annotations

import functools
import io
import http.server
import sys
import threading
import time
from pathlib import Path

from .build import build
from .report import summary

SNIPPET = b'<script>new EventSource("/__events").onmessage=function(){location.reload()}</script>'


class Reloader:
    def __init__(self):
        self.version = 0
        self.cond = threading.Condition()

    def bump(self) -> None:
        with self.cond:
            self.version += 1
            self.cond.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        with self.cond:
            self.cond.wait_for(lambda: self.version != seen, timeout=timeout)
            return self.version


class Hooks:
    """Extra routes for `guides edit` (generator/cms.py); `guides serve` has none."""

    def get(self, path: str, host: str) -> tuple[str, bytes] | None:  # (content type, body)
        return None

    def post(self, path: str, body: bytes) -> tuple[int, bytes] | None:  # (status, JSON body)
        return None

    def rebuilt(self, result) -> None:
        pass


def _handler(root: Path, reloader: Reloader, hooks: Hooks):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the terminal for build output
            pass

        def do_GET(self):
            if self.path == "/__events":
                return self._events()
            extra = hooks.get(self.path.split("?")[0], self.headers.get("Host", ""))
            if extra is not None:
                return self._send(200, *extra)
            return super().do_GET()

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = hooks.post(self.path, body)
            if answer is None:
                return self.send_error(404)
            self._send(answer[0], "application/json; charset=utf-8", answer[1])

        def _send(self, status: int, kind: str, body: bytes):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _events(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = reloader.version
            try:
                while True:
                    now = reloader.wait(seen, timeout=15)
                    if now != seen:
                        seen = now
                        self.wfile.write(f"data: {now}\n\n".encode())
                    else:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

        def send_head(self):
            path = Path(self.translate_path(self.path))
            if not _inside(root, path):  # a symlink placed in the site is never followed
                self.send_error(404)
                return None
            if path.is_dir() and self.path.split("?")[0].endswith("/"):
                path = path / "index.html"
            if path.suffix != ".html" or not path.is_file() or self.path.startswith("/admin/"):
                return super().send_head()  # (the web editor is not reloaded: it would lose the form)
            body = path.read_bytes().replace(b"</body>", SNIPPET + b"</body>", 1)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            return io.BytesIO(body)

        def list_directory(self, path):  # no directory listings: a folder without a page is not found
            self.send_error(404)
            return None

        def send_error(self, code, message=None, explain=None):
            # unknown paths get the site's own 404 page, as on Netlify
            page = root / "404.html"
            if code != 404 or not _inside(root, page) or not page.is_file():
                return super().send_error(code, message, explain)
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    root = Path(root).absolute()
    return functools.partial(Handler, directory=str(root))


def _inside(root: Path, path: Path) -> bool:
    """`path` is in the site and reached without any symbolic link (not even one pointing
    inside the site: the site is made of files, links were put there by someone else)."""
    try:
        parts = Path(path).absolute().relative_to(root).parts
    except ValueError:
        return False
    current = root
    for part in parts:
        current = current / part
        if current.is_symlink():
            return False
    return True


def _snapshot(paths: list[Path]) -> dict[Path, float]:
    seen = {}
    for base in paths:
        if base.is_file():
            seen[base] = base.stat().st_mtime_ns
        elif base.is_dir():
            for p in base.rglob("*"):
                if p.is_file() and p.name != "published.txt":  # written by the build itself
                    seen[p] = p.stat().st_mtime_ns
    return seen


def _rebuild(content: Path, out: Path, config: Path, hooks: Hooks) -> bool:
    try:
        result = build(content, out, config_file=config, quiet=True, record=False)  # a preview: the report waits for the next publication
    except OSError as e:  # disk full: say so and keep serving the last good version
        from .problems import os_message

        print(os_message(e, "预览仍显示上一次成功的版本", where=out), file=sys.stderr, flush=True)
        return False
    hooks.rebuilt(result)
    result.problems.print()
    if result.ok:
        print(f"已更新：写入 {result.pages_written} 页，{result.seconds:.1f} 秒；{summary(result.report)}", flush=True)
    else:
        print("内容有错误，预览仍显示上一次成功的版本", file=sys.stderr, flush=True)
    return result.ok


def serve(content: Path, out: Path, config: Path, host: str = "127.0.0.1", port: int = 8000,
          interval: float = 0.5, hooks: Hooks | None = None) -> int:
    content, out, config = Path(content), Path(out), Path(config)
    hooks = hooks or Hooks()
    if not _rebuild(content, out, config, hooks) and not out.exists():
        return 1
    reloader = Reloader()
    server = http.server.ThreadingHTTPServer((host, port), _handler(out, reloader, hooks))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"预览地址：http://{host}:{server.server_port}/  （修改内容后自动更新；Ctrl+C 退出）", flush=True)
    watched = [content, config, config.parent / "theme"]
    last = _snapshot(watched)
    try:
        while True:
            time.sleep(interval)
            now = _snapshot(watched)
            if now != last:
                last = now
                if _rebuild(content, out, config, hooks):
                    reloader.bump()
                last = _snapshot(watched)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0
