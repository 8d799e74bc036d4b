"""serve.py's request handler in-process, on a tiny site in a thread-served HTTP server: pages get
the reload snippet, unknown paths and symbolic links the site's 404 page, the hooks answer first,
a body too large is refused before it is read."""
import http.client
import http.server
import threading

import pytest

from generator.serve import MAX_BODY, SNIPPET, Hooks, Reloader, Response, _handler


class Echo(Hooks):
    def handle(self, request):
        if request.path == "/api":
            return Response(200, request.method.encode() + b":" + request.body + b":" + request.query.encode(),
                            headers=[("X-Probe", "1")])
        return None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    (site / "index.html").write_text("<html><body>首页</body></html>", encoding="utf-8")
    (site / "404.html").write_text("<html><body>找不到</body></html>", encoding="utf-8")
    (site / "a").mkdir()
    (site / "a" / "index.html").write_text("<html><body>A</body></html>", encoding="utf-8")
    (site / "style.css").write_text("body{}", encoding="utf-8")
    (site / "admin").mkdir()
    (site / "admin" / "index.html").write_text("<html><body>编辑</body></html>", encoding="utf-8")
    (site / "nopage").mkdir()
    (site / "link.html").symlink_to(site / "index.html")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(site, Reloader(), Echo()))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def ask(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r, data


def test_pages_get_the_reload_snippet(server):
    r, body = ask(server, "GET", "/")
    assert r.status == 200 and body == "<html><body>首页".encode() + SNIPPET + b"</body></html>"
    assert r.getheader("Cache-Control") == "no-store"
    r, body = ask(server, "GET", "/a/")
    assert SNIPPET in body


def test_other_files_and_the_editor_are_served_as_they_are(server):
    assert ask(server, "GET", "/style.css")[1] == b"body{}"
    assert SNIPPET not in ask(server, "GET", "/admin/")[1]


def test_unknown_paths_links_and_folders_get_the_404_page(server):
    for path in ("/missing/", "/link.html", "/nopage/", "/" + "x" * 300):
        r, body = ask(server, "GET", path)
        assert (r.status, body) == (404, "<html><body>找不到</body></html>".encode()), path
    r, body = ask(server, "HEAD", "/missing/")
    assert r.status == 404 and body == b""


def test_hooks_answer_first(server):
    r, body = ask(server, "GET", "/api?x=1")
    assert (r.status, body, r.getheader("X-Probe")) == (200, b"GET::x=1", "1")
    assert r.getheader("X-Content-Type-Options") == "nosniff"
    r, body = ask(server, "POST", "/api", body=b"data")
    assert body == b"POST:data:"
    r, body = ask(server, "HEAD", "/api")
    assert r.status == 200 and body == b""


def test_post_refused_when_too_large_or_unknown(server):
    r, body = ask(server, "POST", "/api", headers={"Content-Length": str(MAX_BODY + 1)})
    assert r.status == 413 and "请求内容过大".encode() in body
    r, body = ask(server, "POST", "/nowhere", body=b"x")
    assert r.status == 404 and "没有这个地址".encode() in body
