"""`guides edit`: the web editor (Decap CMS at /admin/) with its backend, behind the preview
server's one address. Single-user mode on this PC by default; `--office` for several named
people on the office network (generator/office.py: accounts, drafts, review, history).

Every request passes generator/editor_guard.py first (the editor's own address and page, a
session and its token); the backend (generator/editor_store.py) reads and writes catalogue
records only, checks a save like `guides check` and refuses to overwrite a newer version.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from . import cms, model
from .editor_guard import (Address, Sessions, Throttle, User, cookie_header, cross_site, json_request,
                           token_ok, wrong_host)
from . import editor_media
from .editor_media import Media
from .editor_store import Refused, Store, check_changes
from .serve import Hooks, Request, Response
from .urls import item_path, station_path

API = "/api/v1"
LOCAL_USER = User("本机管理员", "local")


_answer = Response.json


def _error(status: int, message: str, **extra) -> Response:
    return _answer(status, {"error": message, **extra})


def published_urls(content: Path, rel: str) -> list[str]:
    """The published URLs a record owns (its station or item pages), from the ledger."""
    from . import ledger

    code = Path(rel).stem
    if rel.startswith("items/"):
        owned = lambda u: u == "/" + item_path(code) or u.endswith(f"/{code}/")
    elif rel.startswith("stations/"):
        owned = lambda u: u.startswith("/" + station_path(code))
    else:
        return []
    return [u for u in ledger.read(content) if owned(u)]


def _refuse_loss(content: Path, rels: list[str]) -> None:
    urls = [u for rel in rels for u in published_urls(content, rel)]
    if urls:
        from .ledger import lost_message

        raise Refused(422, "不能删除或改名：" + lost_message(urls))


def _problems_text(problems) -> str:
    return "\n".join(str(p) for p in problems[:20]) + (f"\n……另有 {len(problems) - 20} 处" if len(problems) > 20 else "")


class Editor(Hooks):
    """The routes `guides edit` adds to the preview server."""

    def __init__(self, content: Path, address: Address, district: model.District | None, office=None):
        self.content, self.address, self.district = Path(content), address, district
        self.store = Store(self.content)
        self.media = Media(self.store)  # attachments uploaded from the forms (generator/editor_media.py)
        self.sessions, self.throttle = Sessions(), Throttle()
        self.office = office  # generator/office.py's Office, or None: single-user mode
        self.status = {"version": 0, "ok": None, "problems": [], "summary": "正在生成……"}
        self.actions = {
            "info": self.info, "entriesByFolder": self.entries_by_folder, "entriesByFiles": self.entries_by_files,
            "getEntry": self.get_entry, "persistEntry": self.persist_entry, "deleteFile": self.delete_files,
            "deleteFiles": self.delete_files, "getMedia": lambda s, p: self.media.listing(),
            "getMediaFile": lambda s, p: self.media.file(self.media.rel(p.get("path"))),
            "persistMedia": self.persist_media, "getDeployPreview": lambda s, p: None,
        }
        if office is not None:
            self.actions.update(office.actions(self))

    # -------------------------------------------------------------- routing

    def handle(self, request: Request) -> Response | None:
        # every answer, even a public page, only under the editor's own name (DNS rebinding);
        # a link from another site may open a page, but never reads or changes editor state
        why = wrong_host(self.address, request.headers) or (
            (request.method != "GET" or _private(request.path)) and cross_site(request.headers))
        if why:
            return _error(403, why)
        if request.method == "POST":
            return self.post(request)
        if request.path == "/session":
            return self.session_info(request)
        if request.path == f"/{cms.SITE_DIR}/config.yml" and self.district is not None:
            body = cms.config_yaml(self.district, prefix=self.content.name,
                                   proxy=f"{self.address.origin}{API}", workflow=self.office is not None)
            return Response(200, body, "text/yaml; charset=utf-8")
        if request.path == "/__check":
            return _answer(200, self.status)
        if self.office is not None:
            return self.office.page(self, request)
        return None

    def post(self, request: Request) -> Response:
        if request.path == "/login" and self.office is not None:
            return self.office.login(self, request)
        session = self.sessions.find(request.headers.get("Cookie"))
        if session is not None and self.office is not None and not self.office.still_valid(session.user):
            self.sessions.end_user(session.user.name)  # removed (or changed) with `guides users` meanwhile
            session = None
        if request.path == "/logout":
            if session is not None and token_ok(session, request.headers):
                self.sessions.end(session)
            return _answer(200, {"ok": True}, [("Set-Cookie", cookie_header(None))])
        if request.path != API and not (self.office and request.path.startswith("/office/")):
            return _error(404, "没有这个地址")
        if not json_request(request.headers):
            return _error(415, "请求格式不对：编辑器只接受 JSON（Content-Type: application/json）")
        if session is None:
            return _error(401, "请先登录（会话已过期或未登录）")
        if not token_ok(session, request.headers):
            return _error(403, "缺少或错误的安全令牌（X-CSRF-Token）：请从编辑器页面操作")
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _error(400, "请求内容不是有效的 JSON")
        if not isinstance(body, dict):
            return _error(400, "请求内容应为 JSON 对象")
        try:
            if request.path == API:
                return _answer(200, self.api(session, body))
            return self.office.post(self, session, request.path, body)
        except Refused as r:
            if r.status != 404:  # (Decap asks for a draft of every record it opens)
                print(f"已拒绝（{session.user.name}）：{r.message.splitlines()[0]}", file=sys.stderr, flush=True)
            return _error(r.status, r.message, **r.extra)
        except Exception:  # a bug of ours: an answer, and the details for the administrator's log
            import traceback

            traceback.print_exc()
            return _error(500, "编辑器内部错误：这次操作没有完成，已写入的内容未改动。请把终端里的错误信息发给技术支持。")

    def session_info(self, request: Request) -> Response:
        session = self.sessions.find(request.headers.get("Cookie"))
        headers = []
        if session is None and self.office is None:
            # single-user mode: the editor's own page gets a session; a foreign page cannot
            # read this answer (no CORS header), so it never learns the token
            session = self.sessions.start(LOCAL_USER)
            headers.append(("Set-Cookie", cookie_header(session)))
        if session is None:
            return _error(401, "请先登录")
        return _answer(200, {"user": session.user.public(), "csrf": session.csrf,
                             "office": self.office is not None}, headers)

    # -------------------------------------------------------------- Decap's proxy API

    def api(self, session, body: dict):
        action, params = body.get("action"), body.get("params") or {}
        if not isinstance(action, str) or action not in self.actions:
            raise Refused(422, f"编辑器不支持这个操作：{str(action)[:40]}")
        if not isinstance(params, dict):
            raise Refused(400, "请求参数应为 JSON 对象")
        return self.actions[action](session, params)

    def info(self, session, params):
        return {"repo": self.content.name, "type": "local_fs",
                "publish_modes": ["editorial_workflow"] if self.office else ["simple"]}

    def entries_by_folder(self, session, params):
        folder = self.store.folder(params.get("folder"))
        return [self.store.entry(rel, session.id) for rel in self.store.listing(folder)]

    def entries_by_files(self, session, params):
        files = params.get("files")
        if not isinstance(files, list):
            raise Refused(400, "请求参数 files 应为列表")
        return [self.store.entry(self.store.record(f.get("path") if isinstance(f, dict) else f), session.id,
                                 f.get("label") if isinstance(f, dict) else None) for f in files]

    def get_entry(self, session, params):
        return self.store.entry(self.store.record(params.get("path")), session.id)

    def persist_media(self, session, params):
        """An upload from the media library outside a form (single-user mode): checked like a form's."""
        (rel, data), = self.media.assets({"assets": [params.get("asset")]}, session.user).items()
        with self.store.lock:
            self.media.clash(rel, data)
            self.media.write({rel: data})
        print(f"已上传（{session.user.name}）：{self.store.name(rel)}", flush=True)
        return self.media.file(rel)

    def changes(self, session, params) -> dict[str, bytes | None]:
        """What a persistEntry asks to write: record path → bytes (None: removed by a rename)."""
        files = params.get("dataFiles") or [params.get("entry")]
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) for f in files):
            raise Refused(400, "请求中没有要保存的记录")
        out: dict[str, bytes | None] = {}
        for f in files:
            rel, raw = self.store.record(f.get("path")), f.get("raw")
            if not isinstance(raw, str):
                raise Refused(400, "记录内容应为文本")
            new = f.get("newPath")
            if new and self.store.record(new) != rel:
                _refuse_loss(self.content, [rel])
                out[rel], rel = None, self.store.record(new)
            out[rel] = raw.encode("utf-8")
        for rel in out:
            if not session.user.may_change(rel):
                raise Refused(403, f"你的账号只能修改本镇（街道）（{session.user.town}）的服务站，"
                                   f"不能修改“{self.store.name(rel)}”")
        return out

    def checked(self, changes: dict[str, bytes | None]) -> None:
        """Refuse a change that would add errors to `guides check` (existing ones do not block)."""
        new, _ = check_changes(self.content, changes)
        if new:
            raise Refused(422, "没有保存：修改后检查不通过。\n" + _problems_text(new),
                          problems=[str(p) for p in new])

    def persist_entry(self, session, params):
        changes = self.changes(session, params)
        assets = self.media.assets(params, session.user)  # files uploaded in the form, saved with it
        assets = {r: d for rel, data in changes.items() if data is not None
                  for r, d in editor_media.named(rel, data, assets).items()}
        with self.store.lock:
            for rel, data in changes.items():
                if data is not None:
                    self.store.conflict(rel, session.id, data)
            for rel, data in assets.items():
                self.media.clash(rel, data)
            written = self.media.write(assets)  # the check looks for the files the record names
            try:
                self.checked(changes)
            except Refused:
                self.media.undo(written)
                raise
            for rel, data in changes.items():
                if data is None:
                    self.store.delete(rel)
                else:
                    self.store.write(rel, data, session.id)
        print(f"已保存（{session.user.name}）：{'、'.join(self.store.name(r) for r, d in changes.items() if d)}",
              flush=True)
        return {"message": "entry persisted"}

    def delete_files(self, session, params):
        paths = params.get("paths") if "paths" in params else [params.get("path")]
        if not isinstance(paths, list) or not paths:
            raise Refused(400, "请求中没有要删除的文件")
        if all(isinstance(p, str) and p.startswith(f"{self.store.prefix}/files/") for p in paths):
            return self.delete_media(session, paths)
        rels = [self.store.record(p) for p in paths]
        for rel in rels:
            if not session.user.may_change(rel):
                raise Refused(403, f"你的账号不能删除“{self.store.name(rel)}”")
        _refuse_loss(self.content, rels)
        with self.store.lock:
            self.checked({rel: None for rel in rels})
            for rel in rels:
                self.store.delete(rel)
        return {"message": "deleted"}

    def delete_media(self, session, paths: list[str]):
        """An attachment no item names may be deleted from the media library (district accounts)."""
        from .validate import read_catalogue

        rels = [self.media.rel(p) for p in paths]
        if not session.user.district:
            raise Refused(403, "只有区里的账号可以删除附件")
        with self.store.lock:
            cat, _ = read_catalogue(self.content)
            if cat is None:
                raise Refused(422, "内容检查不通过，暂时不能删除附件：先改正内容中的错误")
            for rel in rels:
                users = self.media.used_by(cat.items, rel)
                if users:
                    raise Refused(422, f"不能删除 {self.store.name(rel)}：事项 {'、'.join(users)} 正在使用它。"
                                       "先在这些事项里去掉或换掉这个附件")
            for rel in rels:
                self.store.path(rel).unlink(missing_ok=True)
        return {"message": "deleted"}

    # -------------------------------------------------------------- after each rebuild

    def rebuilt(self, result) -> None:
        import io

        if result.catalogue is not None:
            self.district = result.catalogue.district
        text = io.StringIO()
        result.problems.print(text)
        errors = len(result.problems.errors)
        self.status = {
            "version": self.status["version"] + 1, "ok": result.ok,
            "problems": text.getvalue().splitlines(),
            "summary": (f"检查通过，页面已更新（{len(result.problems.warnings)} 个警告）" if result.ok else
                        f"检查未通过：{errors} 个错误；预览仍显示上一次成功的版本"),
        }


def _private(path: str) -> bool:
    """Answers a foreign page must not read even by navigating (state, tokens, the editor)."""
    return path in ("/session", "/__check") or path.startswith(f"/{cms.SITE_DIR}/") or path.startswith("/office/")


def edit(content: Path, out: Path, config: Path, host: str = "127.0.0.1", port: int = 8000,
         office: bool = False, accounts: Path | None = None) -> int:
    """The editor and the preview on one address."""
    from .serve import serve
    from .validate import read_catalogue

    if not cms.bundle_files():
        print("缺少内容编辑器：请先在项目目录运行 npm ci（或 make site）", file=sys.stderr)
        return 1
    content = Path(content)
    catalogue, _ = read_catalogue(content)
    office_state = None
    if office:
        from .office import Office

        office_state = Office.open(content, accounts, config, out)
        if office_state is None:
            return 1
    elif host not in ("127.0.0.1", "localhost", "::1"):
        print("单人模式只在本机（127.0.0.1）运行；办公网络上多人使用请加 --office", file=sys.stderr)
        return 2
    editor = Editor(content, Address(host, port), catalogue.district if catalogue else None, office_state)
    print(f"内容编辑器：http://{host}:{port}/{cms.SITE_DIR}/  （保存即写入 {content}/，页面自动更新）", flush=True)
    return serve(content, out, config, host=host, port=port, hooks=editor)
