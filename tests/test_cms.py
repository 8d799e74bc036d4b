"""The web editor at /admin/ (issue 11): Decap CMS, its configuration generated from the
model, `guides edit` (its own backend behind the preview server), saves that keep the model
and the printed URLs whole. The end-to-end test drives the real editor in Debian chromium."""
import json
import queue
import shutil
import subprocess
import sys
import threading
import time
import typing
from pathlib import Path

import pytest
import yaml

from conftest import MINI, ROOT, free_port, guides
from test_netlify import sent_headers
from generator import cms, model, schema
from generator.validate import read_catalogue

STATION = "370304001200"
STATION_FILE = Path("stations/370304001") / f"{STATION}.yaml"
ITEM = "LN-001"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# axe rules our files decide: the page's language and title, and names editor.js gives Decap's controls
OURS = ["html-has-lang", "html-lang-valid", "document-title", "frame-title", "button-name", "aria-command-name"]


# ------------------------------------------------------------------ model ↔ editor configuration


def _inner(annotation):
    annotation, _ = schema.unwrap_optional(annotation)
    if typing.get_origin(annotation) is list:
        (annotation,) = typing.get_args(annotation)
    return annotation


def assert_same(record: type, config_fields: list[dict], where: str, inside_optional: bool = False):
    """Every model field, and only those, in the model's order, with its label, hint,
    required flag, options and bounds; nested records the same all the way down (inside an
    optional record, such as 审批结果, nothing is required: the record may be left out)."""
    names = [f["name"] for f in config_fields]
    assert names == list(record.model_fields), f"{where}: {names}"
    for f in config_fields:
        info = record.model_fields[f["name"]]
        here = f"{where}.{f['name']}"
        assert f["label"] == info.title, here
        if info.description:
            assert f["hint"].startswith(info.description), here
        examples = [e for m in [info, *schema.constraints(info)] for e in (getattr(m, "examples", None) or [])]
        assert all(e in f.get("hint", "") for e in examples), here
        if not info.description and not examples:
            assert "hint" not in f, here
        annotation, optional = schema.unwrap_optional(info.annotation)
        assert f["required"] == (not optional and not inside_optional and info.is_required()
                                 and f["widget"] != "hidden"), here
        literal = typing.get_args(annotation) if typing.get_origin(annotation) is typing.Literal else None
        if literal:
            assert f["widget"] == "select" and f["options"] == list(literal), here
        if typing.get_origin(annotation) is list and typing.get_origin(_inner(info.annotation)) is typing.Literal:
            assert f["widget"] == "select" and f["multiple"] and f["options"] == list(typing.get_args(_inner(info.annotation))), here
        if (info.json_schema_extra or {}).get("refers") == "item_set":
            assert f["widget"] == "select", here
        if (info.json_schema_extra or {}).get("refers") == "item":
            assert f["widget"] == "relation" and f["collection"] == "items" and f["value_field"] == "code", here
        for m in schema.constraints(info):
            if getattr(m, "pattern", None):
                assert f["pattern"][0] == m.pattern, here
            if getattr(m, "ge", None) is not None:
                assert f["min"] == m.ge, here
            if getattr(m, "le", None) is not None:
                assert f["max"] == m.le, here
        inner = _inner(info.annotation)
        if isinstance(inner, type) and issubclass(inner, model.Record):
            assert f["widget"] in ("object", "list"), here
            assert_same(inner, f["fields"], here, inside_optional or (optional and f["widget"] == "object"))
        if f["widget"] == "hidden":  # kept as written, shown nowhere: only what a form cannot hold
            assert typing.get_origin(annotation) is dict or typing.get_origin(annotation) in (
                typing.Union, __import__("types").UnionType), here


def test_the_handbook_names_every_field_the_form_cannot_show():
    """A field kept as written but not shown (hidden widget) must be named in docs/ADMIN.md,
    where administrators learn to edit it in the YAML file."""
    handbook = (ROOT / "docs" / "ADMIN.md").read_text(encoding="utf-8")
    hidden = [label for record in (model.Item, model.Station, model.District) for label in cms.not_in_form(record)]
    assert hidden  # fees, local_notes, item_sets today
    for label in hidden:
        assert f"“{label}”" in handbook, label


def generated(content: Path = MINI) -> dict:
    cat, problems = read_catalogue(content)
    assert cat is not None, problems
    return cms.config(cat.district), cat


def test_editor_configuration_follows_the_model():
    config, cat = generated()
    by_name = {c["name"]: c for c in config["collections"]}
    assert_same(model.Item, by_name["items"]["fields"], "items")
    towns = [t.code for t in cat.district.towns]
    assert [n for n in by_name if n.startswith("stations-")] == [f"stations-{t}" for t in towns]
    for t in towns:
        c = by_name[f"stations-{t}"]
        assert c["folder"] == f"content/stations/{t}" and c["extension"] == "yaml"
        assert_same(model.Station, c["fields"], c["name"])
        selection = next(f for f in c["fields"] if f["name"] == "items")["fields"]
        assert selection[0]["options"] == list(cat.district.item_sets)   # 默认事项清单: the district's sets
    (district,) = by_name["district"]["files"]
    assert district["file"] == "content/district.yaml"
    assert_same(model.District, district["fields"], "district")
    # production: a town's change is a draft the district approves; nothing can be deleted
    assert config["locale"] == "zh_Hans" and config["publish_mode"] == "editorial_workflow"
    assert config["backend"]["name"] == "git-gateway" and "local_backend" not in config
    assert all(c.get("delete") is False for c in config["collections"])


def test_every_field_of_the_form_has_a_hint_and_patterns_say_how_to_write():
    """Issue 21.8: every field the form shows has a hint, from the model's description; a
    pattern's message is an example of a right value, not the word 模式."""
    config, _ = generated()

    def walk(fields, where):
        for f in fields:
            if f["widget"] == "hidden":
                continue
            assert f.get("hint"), f"{where}.{f['name']} ({f['label']}) has no hint"
            if "pattern" in f:
                assert "应写成如" in f["pattern"][1] or len(f["pattern"][1]) > 6, f
            walk(f.get("fields", []), f"{where}.{f['name']}")

    for c in config["collections"]:
        for fields in [c.get("fields", [])] + [f["fields"] for f in c.get("files", [])]:
            walk(fields, c["name"])
    station = next(c for c in config["collections"] if c["name"].startswith("stations-"))
    phone = next(f for f in station["fields"] if f["name"] == "phone")
    assert phone["pattern"][1] == "应写成如 0533-4180001、13912345678、12345"


def test_a_new_model_field_appears_in_the_form_by_itself():
    """The generator walks the model: a field added to a record is in the editor without
    touching generator/cms.py (other work adds fields to the model)."""
    from pydantic import Field, create_model

    Extended = create_model("Extended", __base__=model.Item,
                            implementation_code=(str | None, Field(None, title="实施编码", description="省平台的实施编码")))
    fields = {f["name"]: f for f in cms.fields(Extended)}
    f = fields["implementation_code"]
    assert (f["label"], f["hint"], f["required"], f["widget"]) == ("实施编码", "省平台的实施编码", False, "string")
    assert_same(Extended, cms.fields(Extended), "Extended")


def test_build_puts_the_editor_under_admin(mini_site):
    admin = mini_site / "admin"
    html = (admin / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and "<title>内容编辑 · 博山区办事指南</title>" in html
    assert "http://" not in html and "https://" not in html  # nothing from another host
    for src in ("decap-cms.js", "editor.js"):
        assert f'<script src="{src}"></script>' in html and (admin / src).stat().st_size > 0
    assert (admin / "decap-cms.js").read_bytes() == (cms.DIST / "decap-cms.js").read_bytes()
    assert not list(admin.glob("*.map"))
    published = yaml.safe_load((admin / "config.yml").read_text(encoding="utf-8"))
    assert published == generated()[0] | {}  # the file is the generated configuration
    # the guide pages do not load the editor
    assert "decap" not in (mini_site / STATION / "index.html").read_text(encoding="utf-8")


def test_build_without_node_modules_still_publishes_the_guides(mini, tmp_path, monkeypatch):
    monkeypatch.setattr(cms, "DIST", tmp_path / "nowhere")
    from generator.build import build

    result = build(mini, tmp_path / "site")
    assert result.ok
    assert (tmp_path / "site" / STATION / "index.html").exists()
    assert not (tmp_path / "site" / "admin").exists()
    assert any(p.message == cms.MISSING for p in result.problems.warnings)


# ------------------------------------------------------------------ refusing to break printed URLs


def test_deleting_or_renaming_a_published_record_is_refused(mini_site):
    from generator.edit import Editor
    from generator.editor_guard import Address, User
    from generator.editor_store import Refused

    content = mini_site.parent / "content"   # built: its ledger lists the published URLs
    editor = Editor(content, Address("127.0.0.1", 1), district=None)
    session = editor.sessions.start(User("测试", "local"))
    station = f"content/{STATION_FILE.as_posix()}"
    for request in ({"action": "deleteFile", "params": {"path": station}},
                    {"action": "deleteFiles", "params": {"paths": ["content/items/LN-001.yaml"]}},
                    {"action": "persistEntry", "params": {"entry": {"path": station, "newPath": station.replace(
                        "200.yaml", "299.yaml"), "raw": "", "slug": STATION}}}):
        with pytest.raises(Refused) as refused:
            editor.api(session, request)
        message = refused.value.message
        assert refused.value.status == 422 and "这些已印在纸上的网址将会失效" in message and "retired.yaml" in message, message
    from generator.ledger import lost_message, read
    station_urls = [u for u in read(content) if u.startswith(f"/{STATION}/")]
    assert len(station_urls) == 4   # its home and its three guides
    with pytest.raises(Refused) as refused:
        editor.api(session, {"action": "deleteFile", "params": {"path": station}})
    assert lost_message(station_urls) in refused.value.message


# ------------------------------------------------------------------ the real editor, end to end


class Edit:
    """`guides edit` on a copy of the fixture; its output lines are collected."""

    def __init__(self, content: Path, out: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.lines: queue.Queue[str] = queue.Queue()
        self.proc = subprocess.Popen([sys.executable, "-m", "generator", "edit", "--content", content,
                                      "--out", out, "--port", str(self.port)], cwd=ROOT, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        threading.Thread(target=lambda: [self.lines.put(l) for l in self.proc.stdout], daemon=True).start()
        self.wait_for("预览地址")

    def wait_for(self, text: str, timeout: float = 120) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                assert self.proc.poll() is None, "guides edit stopped"
                continue
            if text in line:
                return line
        raise AssertionError(f"guides edit never said {text!r}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


@pytest.fixture
def editor(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    e = Edit(content, tmp_path / "site")
    e.content, e.site = content, tmp_path / "site"
    yield e
    e.stop()


def open_editor(browser, e: Edit, viewport=(1366, 900)):
    """A page on the editor with production's /admin/ CSP applied; every request outside
    this machine's server is recorded and refused."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN")
    outside: list[str] = []
    csp = sent_headers("/admin/")["Content-Security-Policy"]
    violations: list[str] = []

    def route(r):
        url = r.request.url
        if not url.startswith(e.url):
            outside.append(url)
            return r.abort()
        if url.startswith(e.url + "admin/") and r.request.method == "GET":
            answer = r.fetch()
            return r.fulfill(response=answer, headers={**answer.headers, "content-security-policy": csp})
        return r.continue_()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(e.url + "admin/")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("服务站 · 城东街道").first.wait_for()
    return context, page, outside, violations


def save(page):
    """Decap's 发布 → 立即发布: with `guides edit` it writes the file into content/."""
    page.get_by_role("button", name="发布", exact=True).click()
    page.get_by_role("menuitem", name="立即发布").click()


def test_edit_a_station_and_an_item_in_the_browser(browser, editor):
    station_file = editor.content / STATION_FILE
    item_file = editor.content / "items" / f"{ITEM}.yaml"
    before_station = yaml.safe_load(station_file.read_text(encoding="utf-8"))
    before_item = yaml.safe_load(item_file.read_text(encoding="utf-8"))
    context, page, outside, violations = open_editor(browser, editor)
    try:
        # a station's phone number
        page.goto(editor.url + f"admin/#/collections/stations-370304001/entries/{STATION}")
        phone = page.get_by_label("服务站电话", exact=True)
        assert phone.input_value() == "0533-4100001"
        assert page.get_by_role("button", name="媒体").count() == 0   # no empty media library
        # a wrong phone number: what is wrong and how to write it, in plain Chinese (issue 21.8)
        phone.fill("12")
        save(page)
        page.get_by_text("“服务站电话”写得不对：应写成如 0533-4180001、13912345678、12345").wait_for()
        phone.fill("")   # (Decap keeps the invalid text if filled over directly)
        phone.fill("0533-4109999")
        assert phone.input_value() == "0533-4109999"
        save(page)
        editor.wait_for("已更新")
        # an item's materials list
        page.goto(editor.url + f"admin/#/collections/items/entries/{ITEM}")
        page.reload()  # Decap keeps the last entry's form on a bare hash change
        name = page.get_by_label("材料名称", exact=True).first
        assert name.input_value() == "居民身份证"
        name.fill("居民身份证或社会保障卡")
        save(page)
        editor.wait_for("已更新")
        # the preview pane: the check result in Chinese and the real page, rebuilt
        status = page.frame_locator("iframe").first.locator("#guides-check")
        status.wait_for()
        assert "检查通过" in status.inner_text()
        # axe-core on the editor: what is ours (language, title, frame names) passes; Decap's
        # own findings are recorded in docs/QUALITY.md
        page.evaluate(AXE.read_text(encoding="utf-8"))  # (not a <script>: the /admin/ CSP allows none inline)
        result = page.evaluate("axe.run(document, {runOnly: {type: 'rule', values: %s}})" % json.dumps(OURS))
        assert result["violations"] == [] and len(result["passes"]) == len(OURS), result["violations"]
    finally:
        context.close()

    # the YAML changed as the form said, and kept what the model needs
    station = yaml.safe_load(station_file.read_text(encoding="utf-8"))
    assert station["phone"] == "0533-4109999"
    assert station["code"] == STATION and isinstance(station["code"], str)   # 12 digits stay text
    assert {k: v for k, v in station.items() if k != "phone"} == {k: v for k, v in before_station.items()
                                                                   if k != "phone"}
    assert list(station) == list(before_station)   # key order kept
    item = yaml.safe_load(item_file.read_text(encoding="utf-8"))
    assert item["materials"][0]["name"] == "居民身份证或社会保障卡"
    before_item["materials"][0]["name"] = "居民身份证或社会保障卡"
    assert item == before_item   # everything else as it was: dates, numbers, the hidden fees
    r = guides("check", "--content", editor.content)
    assert r.returncode == 0, r.stderr
    # the rebuilt pages show the new text
    assert "0533-4109999" in (editor.site / STATION / "index.html").read_text(encoding="utf-8")
    assert "居民身份证或社会保障卡" in (editor.site / STATION / ITEM / "index.html").read_text(encoding="utf-8")
    # deleting the station through the editor's backend is refused with the build's explanation
    import http.cookiejar
    import urllib.error
    import urllib.request
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    token = json.loads(opener.open(editor.url + "session", timeout=30).read())["csrf"]
    request = urllib.request.Request(editor.url + "api/v1", method="POST",
                                     headers={"Content-Type": "application/json", "X-CSRF-Token": token},
                                     data=json.dumps({"action": "deleteFile", "params": {
                                         "path": f"content/{STATION_FILE.as_posix()}", "options": {"commitMessage": "x"}}}).encode())
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(request, timeout=30)
    assert refused.value.code == 422 and "retired.yaml" in json.loads(refused.value.read())["error"]
    assert station_file.exists()
    assert outside == [], outside          # no request left this machine
    assert violations == [], violations    # the editor works under production's /admin/ CSP


def test_one_model_walker_a_bound_on_a_named_type_reaches_form_and_workbook():
    """Issue 20.2: the form and the workbook read fields through generator/schema.py; a bound
    declared on a named type (as Phone carries its pattern) reaches both."""
    from typing import Annotated

    from pydantic import Field, create_model

    from generator import schema

    from generator import workbook_sheets
    from generator.model import Record

    Small = Annotated[int, Field(ge=1, le=5)]
    Probe = create_model("Probe", __base__=Record, code=(str, Field(title="编码")),
                         copies=(Small, Field(2, title="份数")), spare=(Small | None, Field(None, title="备用份数")))
    form = {f["name"]: f for f in cms.fields(Probe)}
    assert (form["copies"]["min"], form["copies"]["max"]) == (1, 5)
    assert (form["spare"]["min"], form["spare"]["max"]) == (1, 5)
    for name in ("copies", "spare"):
        assert schema.bounds(Probe.model_fields[name]) == (1, 5)
    columns = {c.path: c for c in workbook_sheets._sheet(Probe, "探针", (), "编码").columns}
    assert columns[("copies",)].bounds == columns[("spare",)].bounds == (1, 5)   # was (None, None)
