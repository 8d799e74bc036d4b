"""`guides edit --office`: the editor for the whole office on its network.

Named accounts (generator/accounts.py); a town's editors change only their town's stations,
items and district.yaml only district people (checked here, on the server); a save is a draft
(草稿 → 待审核 → 已发布) kept beside content/ in `.guides/drafts/`, never in content/ itself;
a reviewer other than its author publishes it after seeing the field-level difference, and only
while `guides check` passes with it; every publication is a git commit with the author's name
and the change in its message; a record's history can be read and an earlier version restored
as a new draft to approve. Two people on one record: the second save is refused with both
versions (nothing is silently overwritten).

Why our own small backend for Decap's proxy API rather than decap-server's git mode: the git
mode keeps drafts as branches of the working repository (checking them out in the directory
the preview builds from), has no accounts and cannot refuse a town editor another town's
station or a reviewer their own change.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import urllib.parse
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import jinja2

from .accounts import Accounts, default_path
from .editor_diff import field_changes, rows_text
from .editor_guard import cookie_header, cross_site
from .editor_store import Refused, check_changes, digest
from .files import atomic_write
from .serve import Request, Response

STATUS = {"draft": "草稿", "pending_review": "待审核", "pending_publish": "待发布"}
TEMPLATES = Path(__file__).parent / "templates"
COMMIT = re.compile(r"^[0-9a-f]{7,40}$")


@dataclass
class Draft:
    rel: str
    collection: str
    slug: str
    raw: str
    status: str
    authors: list[str]
    base: str | None          # the published file's digest when the draft began (None: a new record)
    updated: str
    restored_from: str | None = None
    assets: list[str] = field(default_factory=list)  # files uploaded with it ('files/<name>'), kept beside it

    @property
    def key(self) -> str:
        return f"{self.collection}/{self.slug}"


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class Git:
    """The git CLI on the repository holding content/ (one is made if there is none): each
    publication is one commit of one record, attributed to its author."""

    def __init__(self, content: Path):
        self.content = Path(content).resolve()
        top = self._run(["rev-parse", "--show-toplevel"], cwd=self.content, check=False)
        if top.returncode != 0:
            self._run(["init", "-q"], cwd=self.content.parent)
            top = self._run(["rev-parse", "--show-toplevel"], cwd=self.content)
        self.root = Path(top.stdout.strip())

    @staticmethod
    def _run(args: list[str], cwd: Path, check: bool = True, **kw):
        # never the repository's hooks or signing: a hook in .git/hooks must not run as the office
        base = ["git", "-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", "-c", "core.fsmonitor=false"]
        return subprocess.run(base + args, cwd=cwd, capture_output=True, text=True, check=check, **kw)

    def path(self, rel: str) -> str:
        return (self.content / rel).relative_to(self.root).as_posix()

    def commit(self, rel: str, author: str, publisher: str, message: str, also: tuple[str, ...] = ()) -> str:
        """`also`: files published with the record (its uploaded attachments)."""
        paths = [self.path(r) for r in (rel, *also)]
        self._run(["add", "--", *paths], cwd=self.root)
        self._run(["-c", f"user.name={publisher}", "-c", "user.email=", "commit", "-q", "--no-verify",
                   "--allow-empty-message", f"--author={author} <>", "-m", message, "--", *paths], cwd=self.root)
        return self._run(["rev-parse", "HEAD"], cwd=self.root).stdout.strip()

    def log(self, rel: str) -> list[dict]:
        out = self._run(["log", "--format=%H%x1f%an%x1f%cn%x1f%aI%x1f%B%x1e", "--", self.path(rel)],
                        cwd=self.root, check=False).stdout
        rows = []
        for record in filter(str.strip, out.split("\x1e")):
            commit, author, publisher, when, message = record.strip("\n").split("\x1f")
            rows.append({"commit": commit, "author": author, "publisher": publisher, "when": when[:16].replace("T", " "),
                         "subject": message.strip().splitlines()[0] if message.strip() else "",
                         "message": message.strip()})
        return rows

    def show(self, commit: str, rel: str) -> bytes:
        return subprocess.run(["git", "show", f"{commit}:{self.path(rel)}"], cwd=self.root,
                              capture_output=True, check=True).stdout


class Office:
    def __init__(self, content: Path, accounts: Accounts, git: Git, config: Path = Path("mkdocs.yml"),
                 out: Path = Path("site")):
        self.content, self.accounts, self.git, self.config = Path(content), accounts, git, Path(config)
        self.out = Path(out)  # the site `guides publish` builds and deploys (deploy.yaml says where it goes)
        self.drafts_dir = accounts.path.parent / "drafts"
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)

    @classmethod
    def open(cls, content: Path, accounts_path: Path | None, config: Path = Path("mkdocs.yml"),
             out: Path = Path("site")) -> "Office | None":
        import sys

        accounts = Accounts(accounts_path or default_path(content))
        if not any(a.role == "reviewer" for a in accounts.by_name.values()):
            print("还没有审核人账号：先运行 guides users add 姓名 --role reviewer（以及各镇街的编辑账号）",
                  file=sys.stderr)
            return None
        return cls(content, accounts, Git(content), config, out)

    def still_valid(self, user) -> bool:
        """The account still exists with the same role and town (`guides users remove` or a new
        role takes effect at the next request, not at the session's end)."""
        try:
            stamp = self.accounts.path.stat().st_mtime_ns
        except OSError:
            return False
        if stamp != getattr(self, "_accounts_stamp", None):
            self.accounts, self._accounts_stamp = Accounts(self.accounts.path), stamp
        account = self.accounts.by_name.get(user.name)
        return account is not None and (account.role, account.town) == (user.role, user.town)

    # -------------------------------------------------------------- drafts on disk

    def _draft_file(self, collection: str, slug: str) -> Path:
        return self.drafts_dir / f"{collection}__{slug}.json"

    def draft(self, collection: str, slug: str) -> Draft | None:
        path = self._draft_file(collection, slug)
        if not path.exists():
            return None
        return Draft(**json.loads(path.read_text(encoding="utf-8")))

    def drafts(self) -> list[Draft]:
        if not self.drafts_dir.exists():
            return []
        return sorted((Draft(**json.loads(p.read_text(encoding="utf-8"))) for p in self.drafts_dir.glob("*.json")),
                      key=lambda d: d.updated)

    def _save(self, d: Draft) -> None:
        self.drafts_dir.mkdir(parents=True, exist_ok=True)
        d.updated = _now()
        atomic_write(self._draft_file(d.collection, d.slug), json.dumps(asdict(d), ensure_ascii=False, indent=1))

    def _drop(self, d: Draft) -> None:
        self._draft_file(d.collection, d.slug).unlink(missing_ok=True)
        shutil.rmtree(self._assets_dir(d.collection, d.slug), ignore_errors=True)

    # -------------------------------------------------------------- a draft's uploads: beside it, never in content/

    def _assets_dir(self, collection: str, slug: str) -> Path:
        return self.drafts_dir / "files" / f"{collection}__{slug}"

    def draft_files(self, d: Draft) -> dict[str, bytes]:
        """The draft's uploads that its record names ('files/<name>' → bytes): published with it."""
        from .editor_media import named

        folder = self._assets_dir(d.collection, d.slug)
        kept = {rel: (folder / rel.split("/", 1)[1]).read_bytes() for rel in d.assets
                if (folder / rel.split("/", 1)[1]).is_file()}
        return named(d.rel, d.raw, kept)

    def _keep_assets(self, editor, d: Draft, assets: dict[str, bytes]) -> None:
        """Keep a save's uploads with its draft; the same name with other bytes in another draft is a conflict."""
        for other in self.drafts():
            if other.key == d.key:
                continue
            for rel, data in assets.items():
                theirs = self._assets_dir(other.collection, other.slug) / rel.split("/", 1)[1]
                if rel in other.assets and theirs.is_file() and theirs.read_bytes() != data:
                    raise Refused(409, f"“{'、'.join(other.authors)}”的草稿（{other.key}）已上传同名的附件 {rel}，内容不同："
                                       "请把要上传的文件改个名字再上传")
        folder = self._assets_dir(d.collection, d.slug)
        for rel, data in assets.items():
            folder.mkdir(parents=True, exist_ok=True)
            atomic_write(folder / rel.split("/", 1)[1], data)
            if rel not in d.assets:
                d.assets.append(rel)

    def media_file(self, editor, session, params):
        """Decap reads a draft's uploads back (its form and preview show them)."""
        collection, slug, rel = self._params(editor, params)
        d = self.draft(collection, slug)
        asset = editor.media.rel(params.get("path"))
        path = self._assets_dir(collection, slug) / asset.split("/", 1)[1]
        if d is None or asset not in d.assets or not path.is_file():
            raise Refused(404, "这条草稿没有这个附件")
        from .editor_media import answer

        return answer(editor.store.name(asset), path.read_bytes())

    # -------------------------------------------------------------- names

    def rel_of(self, editor, collection, slug) -> str:
        if not isinstance(collection, str) or not isinstance(slug, str):
            raise Refused(400, "缺少记录的集合或编码")
        if collection == "items":
            rel = f"items/{slug}.yaml"
        elif collection == "district":
            rel = "district.yaml"
        elif collection.startswith("stations-"):
            rel = f"stations/{collection[len('stations-'):]}/{slug}.yaml"
        else:
            raise Refused(403, f"没有这个集合：{collection[:40]}")
        return editor.store.record(f"{editor.store.prefix}/{rel}")

    def _params(self, editor, params) -> tuple[str, str, str]:
        collection, slug = params.get("collection"), params.get("slug")
        if params.get("id") and not collection:
            collection, _, slug = str(params["id"]).partition("/")
        return collection, slug, self.rel_of(editor, collection, slug)

    def head(self, editor, rel: str, d: Draft | None) -> bytes | None:
        """What a person editing the record sees now: the pending draft, else the published file."""
        if d is not None:
            return d.raw.encode("utf-8")
        path = editor.store.path(rel)
        return path.read_bytes() if path.exists() else None

    # -------------------------------------------------------------- Decap's workflow actions

    def actions(self, editor) -> dict:
        return {
            "unpublishedEntries": lambda s, p: [d.key for d in self.drafts()],
            "unpublishedEntry": lambda s, p: self.unpublished_entry(editor, s, p),
            "unpublishedEntryDataFile": lambda s, p: self.data_file(editor, s, p),
            "unpublishedEntryMediaFile": lambda s, p: self.media_file(editor, s, p),
            "persistMedia": lambda s, p: _refuse_upload(),
            "persistEntry": lambda s, p: self.save(editor, s, p),
            "updateUnpublishedEntryStatus": lambda s, p: self.set_status(editor, s, p),
            "publishUnpublishedEntry": lambda s, p: self.publish(editor, s, p),
            "deleteUnpublishedEntry": lambda s, p: self.discard(editor, s, p),
            "deleteFile": lambda s, p: self.reviewers_only_delete(editor, s, p),
            "deleteFiles": lambda s, p: self.reviewers_only_delete(editor, s, p),
        }

    def unpublished_entry(self, editor, session, params):
        collection, slug, rel = self._params(editor, params)
        d = self.draft(collection, slug)
        if d is None:
            raise Refused(404, "没有这条草稿")
        path = editor.store.name(rel)
        media = [{"id": editor.store.name(a), "path": editor.store.name(a), "newFile": True, "status": "added",
                  "binary": True} for a in d.assets]
        return {"collection": collection, "slug": slug, "status": d.status, "updatedAt": d.updated,
                "diffs": [{"id": path, "path": path, "newFile": d.base is None, "status": "modified", "binary": False},
                          *media]}

    def data_file(self, editor, session, params):
        collection, slug, rel = self._params(editor, params)
        d = self.draft(collection, slug)
        if d is None:
            raise Refused(404, "没有这条草稿")
        editor.store.read_by[(session.id, rel)] = digest(d.raw.encode("utf-8"))
        return {"data": d.raw}

    def save(self, editor, session, params):
        options = params.get("options") or {}
        changes = editor.changes(session, params)
        assets = editor.media.assets(params, session.user)  # uploads: part of the draft until it is published
        if len(changes) != 1 or None in changes.values():
            raise Refused(422, "办公模式下不能改记录的编码（文件名）：请新建记录，旧记录按管理员手册停用")
        (rel, data), = changes.items()
        collection = options.get("collectionName") if isinstance(options, dict) else None
        files = params.get("dataFiles") or [params.get("entry")]
        slug = files[0].get("slug")
        if self.rel_of(editor, collection, slug) != rel:
            raise Refused(400, "记录的集合、编码和文件路径不一致")
        user = session.user
        with editor.store.lock:
            d = self.draft(collection, slug)
            now = self.head(editor, rel, d)
            seen = editor.store.read_by.get((session.id, rel))
            if now is not None and now != data and seen != digest(now):
                who = "、".join(d.authors) if d else "别人"
                both = field_changes(rel, now, data, old_label="现在的版本", new_label="你的修改")
                raise Refused(409, f"“{editor.store.name(rel)}”在你打开之后已被{who}修改，为免覆盖，这次保存没有写入。"
                                   f"请刷新页面，看过最新内容后再改。两个版本的不同：\n{rows_text(both)}", conflict=both)
            if d is None:
                path = editor.store.path(rel)
                base = digest(path.read_bytes()) if path.exists() else None
                d = Draft(rel, collection, slug, "", "draft", [], base, "")
            d.raw = data.decode("utf-8")
            self._keep_assets(editor, d, assets)
            if user.name not in d.authors:
                d.authors.append(user.name)
            if d.status == "pending_publish":
                d.status = "pending_review"   # changed after approval: to be reviewed again
            self._save(d)
            editor.store.read_by[(session.id, rel)] = digest(data)
        print(f"草稿已保存（{user.name}）：{editor.store.name(rel)}", flush=True)
        return {"message": "entry persisted"}

    def set_status(self, editor, session, params):
        collection, slug, rel = self._params(editor, params)
        status = params.get("newStatus")
        if status not in STATUS:
            raise Refused(400, "未知的状态")
        user = session.user
        if not user.may_change(rel):
            raise Refused(403, f"你的账号不能处理“{editor.store.name(rel)}”")
        if status == "pending_publish" and user.role != "reviewer":
            raise Refused(403, "只有审核人可以把修改设为“待发布”")
        with editor.store.lock:
            d = self.draft(collection, slug)
            if d is None:
                raise Refused(404, "没有这条草稿")
            d.status = status
            self._save(d)
        return {"message": f"状态已改为{STATUS[status]}"}

    def review(self, editor, d: Draft) -> dict:
        """What a reviewer sees of a draft: the difference field by field and the check result."""
        path = editor.store.path(d.rel)
        published = path.read_bytes() if path.exists() else None
        raw = d.raw.encode("utf-8")
        new, after = check_changes(self.content, {d.rel: raw}, self.draft_files(d))
        return {"draft": d, "status": STATUS[d.status], "name": editor.store.name(d.rel),
                "changes": field_changes(d.rel, published, raw),
                "errors": [str(p) for p in after.errors], "new_errors": [str(p) for p in new],
                "stale": published is not None and d.base is not None and digest(published) != d.base,
                "published": published}

    def preview(self, d: Draft) -> bytes | None:
        """The draft's page as it would be published (a station's home, an item's district guide,
        the portal for district.yaml), rendered from the catalogue with the draft applied; None
        while the draft does not pass the check (its problems are shown instead)."""
        from .editor_store import with_changes
        from .engine import Engine
        from .plan import Fingerprints, plan, stamps
        from .render import Renderer

        cat, _ = with_changes(self.content, {d.rel: d.raw.encode("utf-8")}, self.draft_files(d))
        if cat is None:
            return None
        if d.rel.startswith("stations/"):
            pages, wanted = plan(cat, [d.slug]), ("station", d.slug)
        else:
            pages, wanted = plan(cat), ("item", d.slug) if d.rel.startswith("items/") else ("portal", None)
        page = next((p for p in pages if p.kind == wanted[0] and wanted[1] in (None, p.station, p.item)), None)
        if page is None:
            return None
        html = Renderer(cat, Engine(self.config, cat.district.site_url),
                        stamps(cat, [page], Fingerprints(cat))).render(page)
        # relative links and assets resolve against the real page's place in the preview site
        html = html.replace("<head>", f'<head><base href="/{page.path}">', 1)
        banner = ('<p style="margin:0;padding:8px 16px;background:#fff3cd;color:#1a1a1a;font:16px sans-serif;'
                  'border-bottom:2px solid #b45309">草稿预览：尚未发布，网站上仍是原来的内容</p>')
        return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + banner, html, count=1).encode("utf-8")

    def publish(self, editor, session, params):
        collection, slug, rel = self._params(editor, params)
        user = session.user
        if user.role != "reviewer":
            raise Refused(403, "只有审核人可以发布")
        if not user.may_change(rel):
            raise Refused(403, f"你的账号不能发布“{editor.store.name(rel)}”")
        with editor.store.lock:
            d = self.draft(collection, slug)
            if d is None:
                raise Refused(404, "没有这条草稿")
            if user.name in d.authors:
                raise Refused(403, "不能发布自己参与修改的内容：请另一位审核人审核发布")
            seen = self.review(editor, d)
            if seen["stale"]:
                raise Refused(409, "草稿提交之后，这条记录已发布过别的修改（或导入了工作簿）：为免覆盖，不能直接发布。"
                                   "请退回给作者，刷新后在最新内容上重做。",
                              conflict=field_changes(rel, seen["published"], d.raw.encode("utf-8"),
                                                     old_label="现在发布的版本", new_label="草稿"))
            if seen["errors"]:
                raise Refused(422, "检查不通过，不能发布：\n" + "\n".join(seen["errors"][:20]), problems=seen["errors"])
            files = self.draft_files(d)
            for asset, data in files.items():  # never replaces another file of that name
                editor.media.clash(asset, data)
            editor.media.write(files)
            editor.store.write(rel, d.raw.encode("utf-8"), session.id)
            rows = seen["changes"]["rows"]
            lines = [f"{r['field']}：{r['old']} → {r['new']}" for r in rows[:50]]
            subject = f"{'新建' if d.base is None else '修改'}{_kind(rel)}：{_title(d.raw, slug)}"
            if d.restored_from:
                subject += f"（恢复为 {d.restored_from[:10]} 的版本）"
            lines += [f"附件：{a}" for a in files]
            message = "\n".join([subject, "", *lines, "", f"提交：{'、'.join(d.authors)}", f"审核发布：{user.name}"])
            commit = self.git.commit(rel, d.authors[0], user.name, message, tuple(files))
            self._drop(d)
        print(f"已发布（{user.name} 审核，{'、'.join(d.authors)} 提交）：{editor.store.name(rel)}", flush=True)
        return {"message": "已发布", "commit": commit}

    def discard(self, editor, session, params):
        collection, slug, rel = self._params(editor, params)
        with editor.store.lock:
            d = self.draft(collection, slug)
            if d is None:
                return {"message": "没有这条草稿"}
            if session.user.name not in d.authors and session.user.role != "reviewer":
                raise Refused(403, "只有作者或审核人可以删除这条草稿")
            self._drop(d)
        return {"message": "草稿已删除"}

    def publish_site(self, session) -> dict:
        """The 发布网站 button (issue 22.1): check, build, record the publication and deploy it
        (generator/publication.py), by a reviewer; what was approved goes out together."""
        from .publication import publish

        if session.user.role != "reviewer":
            raise Refused(403, "只有审核人可以发布网站")
        result = publish(self.content, self.out, author=session.user.name, config_file=self.config)
        if not result.ok:
            problems = [str(p) for p in result.problems.errors][:20]
            raise Refused(422, f"没有发布（{result.stage}）：{result.message}", problems=problems)
        print(f"网站已发布（{session.user.name}）：{result.summary}", flush=True)
        return {"message": f"网站已发布：{result.summary}", "summary": result.summary, "commit": result.commit}

    def reviewers_only_delete(self, editor, session, params):
        if session.user.role != "reviewer" or not session.user.district:
            raise Refused(403, "办公模式下只有区里的审核人可以删除记录")
        return editor.delete_files(session, params)

    def restore(self, editor, session, params):
        rel = editor.store.record(params.get("path"))
        commit = params.get("commit")
        if not isinstance(commit, str) or not COMMIT.match(commit) or \
                not any(h["commit"].startswith(commit) for h in self.git.log(rel)):
            raise Refused(400, "没有这个历史版本")
        if not session.user.may_change(rel):
            raise Refused(403, f"你的账号不能修改“{editor.store.name(rel)}”")
        old = self.git.show(commit, rel)
        collection, slug = _key(rel)
        with editor.store.lock:
            if self.draft(collection, slug) is not None:
                raise Refused(409, "这条记录已有待审核的草稿：先发布或删除它，再恢复历史版本")
            path = editor.store.path(rel)
            base = digest(path.read_bytes()) if path.exists() else None
            d = Draft(rel, collection, slug, old.decode("utf-8"), "pending_review", [session.user.name], base, "",
                      restored_from=commit)
            self._save(d)
        return {"message": "已把历史版本作为新的修改提交审核", "key": d.key}

    # -------------------------------------------------------------- pages

    def page(self, editor, request: Request) -> Response | None:
        if request.path == "/login":
            return self._html("office_login.html", error=None, next=_next(request.query))
        if request.path == "/office/office.js":
            return Response(200, (TEMPLATES / "office.js").read_bytes(), "text/javascript; charset=utf-8")
        if not (request.path.startswith("/office/") or request.path.startswith("/admin/")):
            return None
        session = editor.sessions.find(request.headers.get("Cookie"))
        if session is None:
            target = urllib.parse.quote(request.path)
            return Response(303, b"", "text/plain", [("Location", f"/login?next={target}")])
        if request.path == "/office/":
            reviews = [self.review(editor, d) for d in self.drafts()]
            return self._html("office_review.html", user=session.user, reviews=reviews, statuses=STATUS)
        if request.path == "/office/history":
            query = urllib.parse.parse_qs(request.query)
            try:
                rel = editor.store.record((query.get("path") or [""])[0])
            except Refused as r:
                return Response(r.status, r.message.encode(), "text/plain; charset=utf-8")
            return self._html("office_history.html", user=session.user, name=editor.store.name(rel),
                              path=editor.store.name(rel), history=self.git.log(rel),
                              may_change=session.user.may_change(rel))
        if request.path == "/office/preview":
            try:
                d = self._queried_draft(editor, request.query)
            except Refused as r:
                return Response(r.status, r.message.encode(), "text/plain; charset=utf-8")
            page = self.preview(d) if d is not None else None
            if page is None:
                return Response(404, "没有可预览的草稿（或草稿检查未通过，见上方的问题）".encode(), "text/plain; charset=utf-8")
            return Response(200, page, "text/html; charset=utf-8")
        if request.path == "/office/draft":
            try:
                d = self._queried_draft(editor, request.query)
            except Refused as r:
                return Response(r.status, json.dumps({"error": r.message}, ensure_ascii=False).encode())
            if d is None:
                return Response(200, b'{"draft": null}')
            seen = self.review(editor, d)
            return Response(200, json.dumps({"draft": {"status": seen["status"], "authors": d.authors,
                                                       "updated": d.updated},
                                             "changes": seen["changes"], "errors": seen["errors"]},
                                            ensure_ascii=False).encode())
        return None

    def _queried_draft(self, editor, query: str) -> Draft | None:
        """The draft named by `?collection=…&slug=…` (None: there is none); Refused for a bad name."""
        values = urllib.parse.parse_qs(query)
        collection, slug = (values.get("collection") or [""])[0], (values.get("slug") or [""])[0]
        self.rel_of(editor, collection, slug)
        return self.draft(collection, slug)

    def _html(self, template: str, status: int = 200, **values) -> Response:
        body = self.env.get_template(template).render(**values).encode("utf-8")
        return Response(status, body, "text/html; charset=utf-8",
                        [("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                                     "frame-ancestors 'none'"), ("X-Frame-Options", "DENY")])

    def login(self, editor, request: Request) -> Response:
        if cross_site(request.headers):
            return self._html("office_login.html", 403, error="拒绝来自其他网页的登录请求", next="/admin/")
        form = urllib.parse.parse_qs(request.body.decode("utf-8", "replace"))
        name = (form.get("username") or [""])[0].strip()
        password = (form.get("password") or [""])[0]
        target = _next((form.get("next") or [""])[0] and "next=" + (form.get("next") or [""])[0])
        wait = editor.throttle.wait(name)
        if wait:
            return self._html("office_login.html", 429, error=f"密码错误次数过多，请 {wait} 秒后再试", next=target)
        user = self.accounts.verify(name, password)
        if user is None:
            editor.throttle.failed(name)
            return self._html("office_login.html", 401, error="用户名或密码不对", next=target)
        editor.throttle.succeeded(name)
        session = editor.sessions.start(user)
        print(f"登录：{user.name}", flush=True)
        return Response(303, b"", "text/plain", [("Location", target), ("Set-Cookie", cookie_header(session))])

    def post(self, editor, session, path: str, body: dict) -> Response:
        routes = {
            "/office/publish": lambda: self.publish(editor, session, body),
            "/office/discard": lambda: self.discard(editor, session, body),
            "/office/status": lambda: self.set_status(editor, session, body),
            "/office/restore": lambda: self.restore(editor, session, body),
            "/office/publish-site": lambda: self.publish_site(session),
        }
        if path not in routes:
            raise Refused(404, "没有这个地址")
        return Response.json(200, routes[path]())


def _next(query: str) -> str:
    """Where to go after logging in: a path of this editor only (never another site)."""
    target = (urllib.parse.parse_qs(query).get("next") or ["/admin/"])[0]
    return target if target.startswith(("/admin/", "/office/")) and "//" not in target and "\\" not in target else "/admin/"


def _key(rel: str) -> tuple[str, str]:
    if rel == "district.yaml":
        return "district", "district"
    if rel.startswith("items/"):
        return "items", Path(rel).stem
    return f"stations-{rel.split('/')[1]}", Path(rel).stem


def _kind(rel: str) -> str:
    return "区县设置" if rel == "district.yaml" else ("事项" if rel.startswith("items/") else "服务站")


def _title(raw: str, slug: str) -> str:
    match = re.search(r"^name:\s*(.+)$", raw, re.M)
    name = match.group(1).strip().strip("\"'") if match else ""
    return f"{name}（{slug}）" if name else slug


def _refuse_upload():
    raise Refused(403, "办公模式下请在事项表单里上传附件：附件随这条修改的草稿一起审核、发布")
