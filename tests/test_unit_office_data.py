"""In-process unit tests of the small modules around publishing and editing: the deploy configuration and the
directory target (deploy.py: no ssh or netlify run here), office accounts (accounts.py: Argon2id), a record's
change field by field for the editors (editor_diff.py) and the schema.org JSON-LD of guide pages (opendata.py)."""
import json
import os
import re
import stat
import time

import pytest

from conftest import MINI
from generator import deploy, editor_diff, opendata
from generator.accounts import Accounts, default_path
from generator.deploy import DeployConfig, DeployError, DirTarget, NetlifyTarget, SshTarget
from generator.problems import Problems
from generator.validate import read_catalogue

VILLAGE, COMMUNITY = "370304001200", "370304002001"


@pytest.fixture(scope="module")
def cat():
    catalogue, problems = read_catalogue(MINI)
    assert catalogue is not None, [str(p) for p in problems]
    return catalogue


# ------------------------------------------------------------------ deploy.yaml

def config(tmp_path, text: str):
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (tmp_path / deploy.CONFIG).write_text(text, encoding="utf-8")
    problems = Problems()
    return deploy.load_config(content, problems), problems


def test_no_deploy_yaml_is_no_target(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # nor one in ~/.config/guides
    content = tmp_path / "content"
    content.mkdir()
    cfg = deploy.load_config(content, Problems())
    assert cfg == DeployConfig() and deploy.choose(cfg, None, None, tmp_path / "site") == (str(tmp_path / "site"), None)


def test_targets_of_each_type_are_read(tmp_path):
    cfg, problems = config(tmp_path, """\
default: 内网
targets:
  内网: {type: dir, path: /srv/guides}
  服务器: {type: ssh, host: guides.boshan.gov.cn, user: deploy, path: /var/www/guides, port: 2222}
  网上: {type: netlify, site_id: abc-123}
""")
    assert not problems
    assert isinstance(cfg.targets["内网"], DirTarget) and cfg.targets["服务器"].port == 2222
    assert cfg.targets["网上"].token_env == "NETLIFY_AUTH_TOKEN"
    assert deploy.choose(cfg, None, None, tmp_path / "site")[0] == "内网"
    assert deploy.choose(cfg, "服务器", None, tmp_path / "site")[1].host == "guides.boshan.gov.cn"


@pytest.mark.parametrize("text, field, words", [
    ("targets:\n  a: {type: ftp, path: /x}\n", "targets.a.type", "dir（目录）、ssh（网站服务器）或 netlify"),
    ("targets:\n  a: {type: ssh, host: -oProxyCommand=x, path: /x}\n", "targets.a.host", "格式不对"),
    ("targets:\n  a: {type: ssh, host: h, path: relative/dir}\n", "targets.a.path", "格式不对"),
    ("targets:\n  a: {type: ssh, host: h, path: /x, port: 70000}\n", "targets.a.port", "值不对"),
    ("targets:\n  a: {type: dir}\n", "targets.a.path", "必须填写"),
    ("targets:\n  a: {type: dir, path: /x, mode: fast}\n", "targets.a.mode", "不认识的设置项"),
    ("default: b\ntargets:\n  a: {type: dir, path: /x}\n", "default", "没有名为“b”的发布目标（已有：a）"),
])
def test_a_wrong_deploy_yaml_is_located_in_chinese(tmp_path, text, field, words):
    cfg, problems = config(tmp_path, text)
    assert cfg is None
    (p,) = problems.errors
    assert p.field == field and words in p.message and p.path.endswith("deploy.yaml")


def test_choose_refuses_an_unknown_name_and_nested_directories(tmp_path):
    cfg = DeployConfig(targets={"a": DirTarget(path=tmp_path / "site" / "copy")})
    with pytest.raises(DeployError, match="没有名为“b”"):
        deploy.choose(cfg, "b", None, tmp_path / "site")
    with pytest.raises(DeployError, match="不能一个在另一个里面"):
        deploy.choose(cfg, "a", None, tmp_path / "site")
    with pytest.raises(DeployError, match="不能一个在另一个里面"):
        deploy.choose(cfg, None, tmp_path, tmp_path / "site")
    assert deploy.choose(cfg, None, tmp_path / "pub", tmp_path / "site")[0] == str(tmp_path / "pub")


def site_tree(root, files: dict[str, str]):
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_a_directory_deploy_sends_only_changed_files_and_swaps_them_in(tmp_path):
    site = site_tree(tmp_path / "site", {"index.html": "v1", "a/index.html": "a1"})
    dest = tmp_path / "pub"
    first = deploy.deploy_dir(site, DirTarget(path=dest), "内网")
    assert first.files_sent == 2 and (dest / "a/index.html").read_text(encoding="utf-8") == "a1"
    (site / "index.html").write_text("v2, rewritten", encoding="utf-8")
    (site / "a/index.html").unlink()
    site_tree(site, {"b/index.html": "b"})
    second = deploy.deploy_dir(site, DirTarget(path=dest), "内网")
    assert second.files_sent == 2  # the changed page and the new one
    assert sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()) == ["b/index.html", "index.html"]
    deadline = time.monotonic() + 60  # the replaced copy is deleted by a detached process
    while any(tmp_path.glob(".pub.trash-*")) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no upload left behind


def test_the_ssh_and_netlify_commands_never_take_a_value_as_an_option(tmp_path):
    t = SshTarget(type="ssh", host="guides.boshan.gov.cn", path="/var/www", key="~/.ssh/id", known_hosts="/k")
    cmd = deploy.ssh_command(t)
    assert cmd[:3] == ["ssh", "-p", "22"] and "BatchMode=yes" in cmd
    assert cmd[cmd.index("-i") + 1] == os.path.expanduser("~/.ssh/id") and "StrictHostKeyChecking=yes" in cmd
    n = deploy.netlify_command(tmp_path, NetlifyTarget(type="netlify", site_id="abc"), "发布" * 200)
    assert n[1:4] == ["deploy", "--prod", "--dir"] and n[n.index("--site") + 1] == "abc"
    assert len(n[n.index("--message") + 1]) == 200


# ------------------------------------------------------------------ accounts

def test_accounts_are_kept_hashed_and_readable_by_their_owner_only(tmp_path):
    path = default_path(tmp_path / "content")
    assert path == tmp_path / ".guides" / "accounts.json"
    accounts = Accounts(path)
    accounts.set("王芳", "editor", "370304002", "城西街道-2026")
    accounts.set("张三", "reviewer", None, "全区审核-2026")
    accounts.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = path.read_text(encoding="utf-8")
    assert "城西街道-2026" not in raw and "$argon2id$" in raw
    again = Accounts(path)
    assert [a["name"] for a in json.loads(raw)["accounts"]] == ["张三", "王芳"]
    user = again.verify("王芳", "城西街道-2026")
    assert (user.name, user.role, user.town) == ("王芳", "editor", "370304002")
    assert again.verify("王芳", "wrong") is None and again.verify("nobody", "城西街道-2026") is None
    assert again.by_name["张三"].describe({"370304002": "城西街道"}) == "张三\t审核人\t全区"
    assert again.by_name["王芳"].describe({"370304002": "城西街道"}) == "王芳\t编辑\t城西街道（370304002）"


# ------------------------------------------------------------------ editor_diff

def test_a_records_change_is_told_field_by_field():
    old = (MINI / "items/JF-001.yaml").read_bytes()
    new = old.replace(b'phone: "95598"', b'phone: "12345"')
    changes = editor_diff.field_changes("items/JF-001.yaml", old, new, old_label="现在的版本", new_label="你的修改")
    assert changes == {"columns": ["字段", "现在的版本", "你的修改"],
                       "rows": [{"field": "咨询电话", "old": "95598", "new": "12345"}]}
    assert editor_diff.rows_text(changes) == "咨询电话：95598（现在的版本）／12345（你的修改）"


def test_a_new_record_and_an_unreadable_one():
    new = (MINI / "stations/370304002/370304002001.yaml").read_bytes()
    rows = editor_diff.field_changes("stations/370304002/370304002001.yaml", None, new)["rows"]
    assert {"field": "服务站名称", "old": "（无）", "new": "税务街社区便民服务站"} in rows
    assert editor_diff.data_of(b"\xef\xbb\xbfname: x\n") == {}  # refused by the content guards: nothing
    assert editor_diff.record_model("district.yaml").__name__ == "District"


def test_rows_text_says_how_many_more():
    changes = {"columns": ["字段", "A", "B"], "rows": [{"field": f"f{i}", "old": "1", "new": "2"} for i in range(7)]}
    lines = editor_diff.rows_text(changes, limit=5).splitlines()
    assert len(lines) == 6 and lines[-1] == "……另有 2 处不同"


# ------------------------------------------------------------------ JSON-LD of guide pages

def jsonld(script: str) -> dict:
    m = re.fullmatch(r'<script type="application/ld\+json">(.*)</script>', script, re.S)
    assert m and "<" not in m.group(1)  # nothing inside can close the element
    return json.loads(m.group(1))


def test_a_station_guide_is_a_government_service_at_that_station(cat):
    data = jsonld(opendata.guide_jsonld(cat, VILLAGE, "JZ-001"))
    assert data["@type"] == "GovernmentService" and data["identifier"] == "JZ-001"
    assert data["url"] == f"https://guides.mini.example/{VILLAGE}/JZ-001/"
    assert data["areaServed"] == {"@type": "AdministrativeArea", "name": "博山区城东街道安上村", "identifier": VILLAGE}
    # the generic town body is this station's own town
    assert [p["name"] for p in data["provider"]] == ["博山区城东街道办事处", "博山区民政局"]
    station, online = data["availableChannel"]
    assert station["serviceLocation"]["address"]["streetAddress"] == "博山区城东街道安上村党群服务中心一楼"
    assert station["servicePhone"]["description"] == "示例号码（虚构）"
    assert "processingTime" not in station and "20 个工作日" in station["description"]
    assert online["serviceUrl"] == "https://zwfw.sd.gov.cn/"
    assert data["offers"] == [{"@type": "Offer", "name": "不收费", "price": "0", "priceCurrency": "CNY"}]


def test_opening_hours_group_days_with_the_same_span(cat):
    spans = {(h["opens"], h["closes"]): h["dayOfWeek"] for h in opendata.hours(cat.stations[VILLAGE])}
    assert spans[("08:30", "12:00")] == [f"https://schema.org/{d}" for d in
                                         ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")]
    assert spans[("09:00", "11:30")] == ["https://schema.org/Saturday"]


def test_the_district_guide_counts_its_stations_and_an_on_the_spot_item(cat):
    data = jsonld(opendata.item_jsonld(cat, "JF-001"))
    channel = data["availableChannel"][0]
    assert channel["name"] == "博山区2个村（社区）便民服务站" and channel["processingTime"] == "P0D"
    assert channel["servicePhone"] == {"@type": "ContactPoint", "telephone": "95598"}  # a service number is real
    assert data["offers"][0]["description"] == "0 元（依据：《国家发展改革委关于进一步规范电力收费的通知》）"
    assert data["termsOfService"] == "即办件，当场办结"


def test_text_that_could_close_the_script_is_escaped(cat):
    item = cat.items["JF-001"].model_copy(update={"name": "</script><script>alert(1)</script>"})
    evil = type(cat)(cat.district, {**cat.items, "JF-001": item}, cat.stations, cat.offers)
    script = opendata.item_jsonld(evil, "JF-001")
    assert script.count("</script>") == 1 and jsonld(script)["name"] == item.name
