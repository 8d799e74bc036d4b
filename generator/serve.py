"""`guides serve`: a local preview that rebuilds incrementally when content changes
and reloads the open browser pages (server-sent events; nothing is added to the
built files, the reload snippet is injected only into served responses)."""
from __future__ import annotations

import functools
import io
import http.server
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
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


@dataclass
class Request:
    """What a hook sees of a request: the body is read only after the hook allowed its size."""
    method: str
    path: str            # without the query string
    query: str
    headers: Message
    body: bytes = b""


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, payload, headers=()) -> "Response":
        """An answer of the editor's API: JSON, Chinese unescaped."""
        return cls(status, json.dumps(payload, ensure_ascii=False).encode(), headers=list(headers))


# A request body larger than this is refused before it is read (`guides edit`'s API takes
# one record at a time: the largest item file of the sample is ~10 KB).
MAX_BODY = 2 * 1024 * 1024


class Hooks:
    """Extra routes for `guides edit` (generator/edit.py); `guides serve` has none."""

    def handle(self, request: Request) -> Response | None:
        return None

    def rebuilt(self, result) -> None:
        pass


def _json(status: int, message: str) -> Response:
    return Response(status, json.dumps({"error": message}, ensure_ascii=False).encode())


class _PreviewHandler(http.server.SimpleHTTPRequestHandler):
    """The preview's answers: the built site's files (the reload snippet added to pages), the
    reload events, and whatever the hooks answer (`guides edit`'s API). `_handler` sets the site,
    the reloader and the hooks."""
    site: Path
    reloader: Reloader
    hooks: Hooks

    def log_message(self, *args):  # keep the terminal for build output
        pass

    def do_GET(self):
        if self.path == "/__events":
            return self._events()
        if self._hook(b"") is None:
            return super().do_GET()

    def do_HEAD(self):
        if self._hook(b"") is None:
            return super().do_HEAD()

    def do_POST(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True  # the rest of a refused body is never read
            return self._reply(_json(413, f"请求内容过大或长度不明（上限 {MAX_BODY // 1024 // 1024} MB）"))
        if self._hook(None, length) is None:
            self._reply(_json(404, "没有这个地址"))

    def _hook(self, body: bytes | None, length: int = 0):
        """Ask the hooks; the body is read only once they asked for it (None: POST)."""
        path, _, query = self.path.partition("?")
        request = Request(self.command, path, query, self.headers)
        if body is None:
            request.body = self.rfile.read(length)
        answer = self.hooks.handle(request)
        if answer is not None:
            self._reply(answer)
        return answer

    def _reply(self, answer: Response):
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in answer.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    def _events(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = self.reloader.version
        try:
            while True:
                now = self.reloader.wait(seen, timeout=15)
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
        if not _short_enough(path) or not _inside(self.site, path):  # a symlink placed in the site is never followed
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
        page = self.site / "404.html"
        if code != 404 or not _inside(self.site, page) or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _handler(root: Path, reloader: Reloader, hooks: Hooks):
    root = Path(root).absolute()
    handler = type("Handler", (_PreviewHandler,), {"site": root, "reloader": reloader, "hooks": hooks})
    return functools.partial(handler, directory=str(root))


def _short_enough(path: Path) -> bool:
    """No name longer than the file system allows (255 bytes): such a path is not found,
    rather than an error from the file system."""
    parts = [part.encode("utf-8", "surrogateescape") for part in path.parts]
    return all(len(part) <= 255 for part in parts) and sum(len(p) + 1 for p in parts) < 4000


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


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # a burst of connections (a page with many assets, several people) waits in the queue
    # instead of being refused: the default backlog is 5
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # a browser that navigated away mid-answer closed the connection: nothing to report
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def serve(content: Path, out: Path, config: Path, host: str = "127.0.0.1", port: int = 8000,
          interval: float = 0.5, hooks: Hooks | None = None) -> int:
    content, out, config = Path(content), Path(out), Path(config)
    hooks = hooks or Hooks()
    if not _rebuild(content, out, config, hooks) and not out.exists():
        return 1
    reloader = Reloader()
    server = _Server((host, port), _handler(out, reloader, hooks))
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
