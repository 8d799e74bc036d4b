"""Stage 1–2 (load, validate) through the real `guides check` command: every bad input
gets a clear Chinese message naming file, line and field, and exit code 1."""
import re
from pathlib import Path

import pytest

from conftest import guides

ITEM = "items/LN-001.yaml"
VILLAGE = "stations/370304001/370304001200.yaml"
COMMUNITY = "stations/370304002/370304002001.yaml"


def replace(rel, old, new, count=1):
    def edit(root: Path):
        p = root / rel
        text = p.read_text(encoding="utf-8")
        assert old in text, f"fixture changed: {old!r} not in {rel}"
        p.write_text(text.replace(old, new, count), encoding="utf-8")
    return edit


def write_bytes(rel, data: bytes):
    def edit(root: Path):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return edit


def gbk(rel):
    def edit(root: Path):
        p = root / rel
        p.write_bytes(p.read_text(encoding="utf-8").encode("gbk"))
    return edit


def bom(rel):
    def edit(root: Path):
        p = root / rel
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    return edit


def copy_as(src, dest, old=None, new=None):
    def edit(root: Path):
        text = (root / src).read_text(encoding="utf-8")
        if old:
            text = text.replace(old, new)
        (root / dest).parent.mkdir(parents=True, exist_ok=True)
        (root / dest).write_text(text, encoding="utf-8")
    return edit


# (case, edit, file, line, field text, message text)
CASES = [
    ("malformed YAML", replace(ITEM, "category: 老年人优待", "category: 老年人优待: 错"), ITEM, 4, "", "YAML 格式错误"),
    ("tab indentation", replace(ITEM, "  - law:", "\t- law:"), ITEM, 6, "", "YAML"),
    ("unknown field", replace(ITEM, "phone: 0533-4182234", "phone: 0533-4182234\nphoen: 1"), ITEM, 45, "phoen", "未知字段"),
    ("missing required", replace(ITEM, "department: 博山区民政局\n", ""), ITEM, 1, "实施主体", "必填字段缺失"),
    ("wrong type int", replace(ITEM, "    copies: 1\n    source: 申请人自备", "    copies: 两份\n    source: 申请人自备"), ITEM, 19, "申请材料[2].份数", "应为整数"),
    ("wrong type list", replace(ITEM, "conditions:\n  - 年满60周岁、具有本区户籍或持有本区居住证的老年人", "conditions: 年满60周岁"), ITEM, 10, "受理条件", "应为列表"),
    ("bad literal", replace(ITEM, "case_type: 即办件", "case_type: 马上办"), ITEM, 35, "办件类型", "即办件、承诺件"),
    ("duplicate key", replace(ITEM, "visits: 1", "visits: 1\nvisits: 2"), ITEM, 38, "visits", "第 37 行已出现"),
    ("即办件 with days", replace(ITEM, "promised_limit_days: 0", "promised_limit_days: 3"), ITEM, 34, "承诺办结时限（工作日）", "即办件的承诺办结时限应为 0"),
    ("promise over legal", replace("items/JZ-001.yaml", "promised_limit_days: 20", "promised_limit_days: 40"), "items/JZ-001.yaml", 62, "承诺办结时限", "不能超过法定办结时限（30 个工作日）"),
    ("legal limit without basis", replace("items/JZ-001.yaml", "legal_limit_basis: 《最低生活保障审核确认办法》（民发〔2021〕57号）\n", ""), "items/JZ-001.yaml", 61, "法定办结时限", "legal_limit_basis"),
    ("basis without legal limit", replace(ITEM, "case_type: 即办件", "case_type: 即办件\nlegal_limit_basis: 《某条例》第一条"), ITEM, 36, "法定时限依据", "不应填写法定时限依据"),
    ("calendar-day legal limit", replace("items/JZ-001.yaml", "legal_limit_days: 30", "legal_limit_days: 21\nlegal_limit_unit: 日"), "items/JZ-001.yaml", 63, "承诺办结时限", "不能超过法定办结时限（21 日）"),
    ("implementation code format", replace(ITEM, "code: LN-001", "code: LN-001\nimpl_code: 实施 编码"), ITEM, 2, "实施编码", "格式不正确"),
    ("online http", replace(ITEM, "url: https://zwfw.sd.gov.cn/", "url: http://zwfw.sd.gov.cn/"), ITEM, 40, "网上办理.网上办理入口", "https://"),
    ("online foreign domain", replace(ITEM, "url: https://zwfw.sd.gov.cn/", "url: https://evil.example.com/"), ITEM, 40, "网上办理入口", "evil.example.com"),
    ("fee without basis", replace("items/JF-001.yaml", "    basis: 《国家发展改革委关于进一步规范电力收费的通知》\n", ""), "items/JF-001.yaml", 20, "收费情况[1].收费依据", "必填字段缺失"),
    ("fees free text", replace(ITEM, "fees: 不收费", "fees: 免费"), ITEM, 36, "收费情况", "而不是“免费”"),
    ("empty materials", replace("items/JF-001.yaml", "no_materials: true\n", ""), "items/JF-001.yaml", 1, "申请材料", "申请材料为空"),
    ("conditional material without condition", replace(ITEM, "    condition: 非本区户籍老年人\n", ""), ITEM, 25, "申请材料[3].是否必需", "需提供的情形"),
    ("file name != code", replace(ITEM, "code: LN-001", "code: LN-002"), ITEM, 1, "事项编码", "LN-002.yaml"),
    ("code with slash", replace(ITEM, "code: LN-001", "code: LN/../001"), ITEM, 1, "事项编码", "格式不正确"),
    ("duplicate item code (case-folded)", copy_as(ITEM, "items/ln-001.yaml", "code: LN-001", "code: ln-001"), "items/ln-001.yaml", 1, "事项编码", "重复"),
    ("GBK file", gbk(ITEM), ITEM, 2, "", "GBK"),
    ("UTF-8 BOM", bom(ITEM), ITEM, 1, "", "BOM"),
    ("empty file", write_bytes(ITEM, b""), ITEM, 1, "", "文件为空"),
    ("only comments", write_bytes(ITEM, "# 空\n".encode()), ITEM, 1, "", "没有内容"),
    ("list instead of mapping", write_bytes(ITEM, b"- a\n- b\n"), ITEM, 1, "", "映射"),
    ("village code not 12 digits", replace(VILLAGE, 'code: "370304001200"', 'code: "37030400120"'), VILLAGE, 1, "区划代码", "格式不正确"),
    ("village outside district", copy_as(VILLAGE, "stations/370304001/370303001200.yaml", '"370304001200"', '"370303001200"'), "stations/370304001/370303001200.yaml", 1, "区划代码", "不属于博山区"),
    ("village in wrong town folder", copy_as(VILLAGE, "stations/370304002/370304001201.yaml", '"370304001200"', '"370304001201"'), "stations/370304002/370304001201.yaml", 1, "区划代码", "应放在 stations/370304001/"),
    ("duplicate village code", copy_as(VILLAGE, "stations/370304001/copy.yaml"), "stations/370304001/copy.yaml", 1, "区划代码", "重复"),
    ("naming rule", replace(VILLAGE, "name: 安上村便民服务站", "name: 安上村服务中心"), VILLAGE, 3, "服务站名称", "安上村便民服务站"),
    ("community named as village", replace(COMMUNITY, "name: 税务街社区便民服务站", "name: 税务街村便民服务站"), COMMUNITY, 3, "服务站名称", "税务街社区便民服务站"),
    ("unknown item in add", replace(VILLAGE, "items: {set: 村级通用}", "items: {set: 村级通用, add: [XX-404]}"), VILLAGE, 20, "可办事项.增加事项[1]", "XX-404"),
    ("unknown item set", replace(VILLAGE, "items: {set: 村级通用}", "items: {set: 城市通用}"), VILLAGE, 20, "可办事项.默认事项清单", "城市通用"),
    ("local note for item not offered", replace(COMMUNITY, "items: {set: 社区通用}", "items: {set: 社区通用}\nlocal_notes:\n  LN-001: {window: 一号窗口}"), COMMUNITY, 20, "事项本站说明.LN-001", "不是本站可办事项"),
    ("bad time range", replace(VILLAGE, 'sat: ["09:00-11:30"]', 'sat: ["11:30-09:00"]'), VILLAGE, 13, "办公时间.周六", "结束时间应晚于开始时间"),
    ("bad badge", replace(VILLAGE, "badge: 党员先锋岗", "badge: 先进个人"), VILLAGE, 17, "工作人员[1].示范岗", "党员先锋岗、模范示范岗"),
    ("hostile string in code", replace(ITEM, "code: LN-001", 'code: "<script>alert(1)</script>"'), ITEM, 1, "事项编码", "格式不正确"),
]


@pytest.mark.parametrize("case,edit,path,line,field,message", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_reported_with_file_line_field(mini, case, edit, path, line, field, message):
    edit(mini)
    r = guides("check", "--content", mini)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    expected_path = str(mini / path)
    lines = [l for l in r.stderr.splitlines() if l.startswith(expected_path + ":")]
    assert lines, f"no message for {path}:\n{r.stderr}"
    hits = [l for l in lines if l.startswith(f"{expected_path}:{line}: ") and field in l and message in l]
    assert hits, f"expected {path}:{line}: {field} … {message}\n got:\n" + "\n".join(lines)


def test_every_problem_is_reported_in_one_run(mini):
    replace(ITEM, "case_type: 即办件", "case_type: 马上办")(mini)
    replace(VILLAGE, "name: 安上村便民服务站", "name: 安上村服务中心")(mini)
    gbk("items/JF-001.yaml")(mini)
    r = guides("check", "--content", mini)
    assert r.returncode == 1
    errors = [l for l in r.stderr.splitlines() if re.match(r".+:\d+: ", l) and "警告" not in l]
    assert len(errors) >= 3, r.stderr


def test_warnings_do_not_fail(mini):
    r = guides("check", "--content", mini)
    assert r.returncode == 0, r.stderr
    assert "六有一能" in r.stderr and "有经费" in r.stderr  # the community's funding gap


def test_online_share_warning(mini):
    for rel in ("items/JZ-001.yaml", "items/JF-001.yaml"):
        text = (mini / rel).read_text(encoding="utf-8")
        text = re.sub(r"online:\n  available: true\n  url: \S+", "online:\n  available: false", text)
        (mini / rel).write_text(text, encoding="utf-8")
    r = guides("check", "--content", mini)
    assert r.returncode == 0, r.stderr
    assert "网上可办率" in r.stderr and "低于政策要求的 50%" in r.stderr


def test_build_refuses_bad_content_and_keeps_published_site(mini, tmp_path):
    out = tmp_path / "site"
    assert guides("build", "--content", mini, "--out", out).returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    replace(ITEM, "case_type: 即办件", "case_type: 马上办")(mini)
    r = guides("build", "--content", mini, "--out", out)
    assert r.returncode == 1 and "办件类型" in r.stderr
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_an_online_link_to_a_portal_home_page_is_warned_and_a_deep_one_is_not(mini):
    """issue 23.4: the model's online link may be an item's own page; a portal's home page leaves the
    resident to search the portal, so check says so (a warning: no official deep address may be known)."""
    from generator.validate import portal_home

    assert portal_home("https://zwfw.sd.gov.cn/") and portal_home("https://zwfw.sd.gov.cn") and \
        portal_home("https://zwfw.sd.gov.cn/#/")
    assert not portal_home("https://zwfw.sd.gov.cn/item/370304-dibao") and \
        not portal_home("https://zwfw.sd.gov.cn/?code=1") and not portal_home("https://zwfw.sd.gov.cn/#/item/1")
    r = guides("check", "--content", mini, "--warnings")
    assert r.returncode == 0, r.stderr
    homes = [l for l in r.stderr.splitlines() if "只是门户首页" in l]
    assert sorted(l.split(":")[0] for l in homes) == [str(mini / f"items/{c}.yaml") for c in ("JF-001", "JZ-001", "LN-001")]
    assert all(l.split(":")[1] == "26" for l in homes if "JF-001" in l)  # the line of online.url
    (mini / "items/JZ-001.yaml").write_text((mini / "items/JZ-001.yaml").read_text(encoding="utf-8").replace(
        "url: https://zwfw.sd.gov.cn/", "url: https://zwfw.sd.gov.cn/item/370304-dibao"), encoding="utf-8")
    r = guides("check", "--content", mini, "--warnings")
    assert r.returncode == 0 and [l for l in r.stderr.splitlines() if "只是门户首页" in l and "JZ-001" in l] == []
