#!/usr/bin/env python3
"""Generate the sample station files of 博山区 (one-off).

Reads data/zibo-divisions.csv and writes one commented YAML file per village
or community of 博山区 (district 370304) to

    content/stations/<9-digit town code>/<12-digit village code>.yaml

Village names and division codes are real; addresses, phone numbers, staff and
partner points are made up (fixed random seed, so the output is reproducible).
The script is meant to be run once: afterwards the YAML files are what the
district administrators edit, so it refuses to overwrite existing station
files unless --force is given.

Only the standard library and PyYAML are used. The functions are importable:
bench/build.py uses them to generate districts of any size, up to all 2,931
villages and communities of 淄博市 (`load_rows("3703")`, `district_names()`,
`build(..., districts=...)`, `render()`); with the defaults they produce
exactly the 博山区 files.

    python scripts/make_sample_stations.py [--force]
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from generator.validate import station_name as _rule  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CSV_PATH = ROOT / "data" / "zibo-divisions.csv"
DISTRICT_PATH = ROOT / "content" / "district.yaml"
OUT_DIR = ROOT / "content" / "stations"

DISTRICT_CODE = "370304"
DISTRICT_NAME = "博山区"
SEED = 370304

VILLAGE_SET = "村级通用"
COMMUNITY_SET = "社区通用"


# --------------------------------------------------------------------- naming


def station_name(division: str) -> tuple[str, str]:
    """(station name, kind) by the naming rule, which lives in generator/validate.py: the
    generated files must pass the very check that administrators run."""
    named = _rule(division)
    if named is None:
        raise ValueError(f"无法识别的区划名称后缀：{division}")
    return named


def place_name(name: str) -> str:
    """安上村便民服务站 → 安上村; 荆山社区便民服务站 → 荆山社区."""
    return name.removesuffix("便民服务站")


def town_short(town: str) -> str:
    """城东街道 → 城东; 域城镇 → 域城."""
    return town.removesuffix("街道").removesuffix("镇")


# ------------------------------------------------------------ YAML formatting


def s(value) -> str:
    """One YAML scalar, quoted only when YAML needs it."""
    text = yaml.safe_dump(value, allow_unicode=True, width=10_000, default_flow_style=True)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def q(value: str) -> str:
    """Always double-quoted (codes, time ranges)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def flow(values: list[str], quote=q) -> str:
    return "[" + ", ".join(quote(v) for v in values) + "]"


# ----------------------------------------------------------------- sample data

SURNAMES = (
    "王王王张张张李李李刘刘孙孙赵赵陈杨杨徐翟翟孟孟高马周吴郑韩魏曹"
    "于石田宋毕谭崔冯蒋任岳鹿亓司焦董邢袁耿秦朱牛"
)
GIVEN_1 = "秀玉桂凤丽红海建文志国明晓春立永德淑文晓雪庆金美家俊新学"
GIVEN_2 = "兰英芳华梅霞燕娟敏军强伟刚磊涛峰勇平杰静婷亮鹏东辉波洁玲琳"

HOURS_PATTERNS = (
    ["08:30-12:00", "13:30-17:30"],
    ["08:30-12:00", "14:00-17:30"],
    ["09:00-12:00", "13:30-17:00"],
    ["08:00-11:30", "13:30-17:00"],
)
SATURDAY = ["09:00-11:30"]

COMPLAINT_BOXES = (
    "服务站大厅入口右侧",
    "服务站大厅入口左侧",
    "党群服务中心一楼大厅公开公示栏旁",
    "综合窗口对面墙上",
    "服务站门口东侧",
)

# Realistic reasons for a 六有一能 gap, written as a comment next to the false value.
GAP_REASONS = {
    "funding": "运行经费尚未列入年度预算，待镇（街道）统筹",
    "equipment": "高拍仪、打印机待配齐",
    "network": "政务外网专线待开通，暂用移动网络",
    "staff": "窗口人员均为兼职，专职人员正在选配",
    "capable": "部分事项人员尚未完成业务培训",
    "rules": "帮办代办制度尚未上墙公示",
}
GAP_WEIGHTS = (("funding", 5), ("equipment", 4), ("network", 3), ("staff", 2), ("capable", 2), ("rules", 1))

CHECKLIST_LABELS = (
    ("place", "有场所"),
    ("staff", "有人员"),
    ("rules", "有制度"),
    ("network", "有网络"),
    ("equipment", "有设备"),
    ("funding", "有经费"),
    ("capable", "能办事"),
)

# Station-specific remarks, each written for the items it is about ({town} is the town
# name): a batch delivery only on 承诺件 whose promised limit it leaves room for, a home
# visit only where the item offers one, nothing "当场" on an item that takes days.
# `guides check` warns when a note promises less than its item (generator/validate.py).
ELDERLY_VISIT = "行动不便的老人可电话预约，帮办代办员上门帮助办理"
DISABLED_VISIT = "行动不便的残疾人可电话预约，帮办代办员上门帮助办理"
PENSION_RUN = "养老保险业务材料每周一、周四由帮办代办员送{town}便民服务中心"
CIVIL_DAY = "每周二上午{town}民政办工作人员到站集中受理"
ASK_FIRST = "申请前可先到综合窗口咨询，工作人员一次性告知所需材料"
VETERANS = "与退役军人服务站合署办公，同一窗口受理"
FARM = "农忙季节可提前电话预约，错峰办理"
LAW_DAY = "每月第一个周三上午{town}司法所工作人员到站坐班，其他时间材料由服务站当日转交"
NOTES: dict[str, list[str]] = {
    "YL-001": ["工作人员可指导用爱山东APP或“山东人社”自助参保"],
    "YL-002": [PENSION_RUN, ELDERLY_VISIT],
    "YL-003": [PENSION_RUN, "参保人去世后请家属尽早到站办理注销，避免多领待遇后退回"],
    "YL-004": ["工作人员可指导用手机刷脸完成认证", "行动不便的老人可电话预约，工作人员上门帮助刷脸认证"],
    "YB-001": ["新生儿参保可与出生登记同时咨询，工作人员一次性告知"],
    "YB-002": ["居民医保集中缴费期间可到站由工作人员指导手机缴费"],
    "YB-003": ["工作人员可指导用国家医保服务平台APP在线备案"],
    "YB-004": ["医保业务材料每周一、周四由帮办代办员送{town}便民服务中心"],
    "MZ-001": [CIVIL_DAY, ASK_FIRST],
    "MZ-002": ["家中有人去世的，可先打服务站电话，工作人员告知殡仪馆联系方式和减免手续"],
    "MZ-003": [CIVIL_DAY, ASK_FIRST],
    "JZ-001": [CIVIL_DAY, ASK_FIRST],
    "JZ-002": [CIVIL_DAY, ASK_FIRST],
    "JZ-003": [CIVIL_DAY, "遇突发困难可先打服务站电话，工作人员当天上报{town}民政办"],
    "JZ-004": [CIVIL_DAY, ASK_FIRST],
    "JZ-005": [ASK_FIRST],
    "WJ-001": ["工作人员可指导用爱山东APP在线登记"],
    "WJ-002": ["每年集中申报期间工作人员入户告知，请留意公开公示栏通知"],
    "WJ-003": ["每年集中申报期间工作人员入户告知，请留意公开公示栏通知"],
    "WJ-004": ["村卫生室医生每月第一个周五到站解答咨询"],
    "JY-001": ["就业岗位信息每周一在公开公示栏更新"],
    "JY-002": ["工作人员可指导用“山东人社”APP或电子社保卡在线申领"],
    "JY-003": ["就业岗位信息每周一在公开公示栏更新"],
    "JY-004": ["创业政策咨询可先打服务站电话预约"],
    "TY-001": [VETERANS],
    "TY-002": [VETERANS],
    "TY-003": [VETERANS],
    "LN-001": [ELDERLY_VISIT],
    "LN-002": [ELDERLY_VISIT],
    "LN-003": [ELDERLY_VISIT],
    "CJ-001": [DISABLED_VISIT],
    "CJ-002": [DISABLED_VISIT],
    "CJ-003": [DISABLED_VISIT],
    "HN-001": [FARM],
    "HN-002": [FARM],
    "HN-003": [FARM],
    "HN-004": [FARM],
    "FL-001": [LAW_DAY],
    "FL-002": [LAW_DAY],
    "FL-003": ["村（居）法律顾问每月到站坐班一次，时间见公开公示栏"],
    "ZM-001": ["需要入户核实的由网格员上门核实，核实无误后在承诺时限内出具"],
    "ZM-002": ["无犯罪记录证明由公安派出所出具，本站帮助在网上提交申请"],
    "JF-001": ["工作人员可指导用“网上国网”APP缴费"],
    "JF-002": ["本站不代收现金，工作人员可告知供水单位营业厅地址"],
    "JF-003": ["本站不代收现金，工作人员可告知燃气公司营业厅地址"],
    "JF-004": ["本站不代收现金，工作人员可告知供热单位营业厅地址"],
    "TS-001": ["由{town}便民服务中心集中审核，本站负责收件和送达"],
    "TS-002": ["工作人员可帮助在网上提交登记申请"],
}
ADDED_NOTE = "本社区辖区内仍有农户承包耕地，在帮办代办窗口代为收件"

# The first sample drew its notes from the main random stream, prefix by prefix. Those
# draws are repeated (and discarded) so that every other generated value stays exactly as
# published: only the notes changed.
LEGACY_CODES = (
    "YL-001 YL-002 YL-003 YL-004 YB-001 YB-002 YB-003 YB-004 MZ-001 MZ-002 MZ-003 JZ-001 JZ-002 JZ-003 "
    "JZ-004 JZ-005 WJ-001 WJ-002 WJ-003 WJ-004 JY-001 JY-002 JY-003 JY-004 TY-001 TY-002 TY-003 LN-001 "
    "LN-002 LN-003 CJ-001 CJ-002 CJ-003 HN-001 HN-002 HN-003 HN-004 FL-001 FL-002 FL-003 ZM-001 ZM-002 "
    "JF-001 JF-002 JF-003 JF-004 TS-001 TS-002"
).split()
# per prefix, whether each old note's text named a proxy person (帮办代办员 or 上门)
LEGACY_NOTE_PROXY = {"YL": (True, True), "YB": (True, False), "MZ": (False,), "JZ": (False, False),
                     "WJ": (False,), "JY": (False,), "TY": (False,), "LN": (True, False), "CJ": (True, False),
                     "HN": (False,), "FL": (False,), "ZM": (False,), "JF": (False,), "TS": (False,)}

PARTNER_ITEM_POOL = ("JF-001", "JF-002", "JF-003", "JF-004", "YB-002", "YL-004")
PARTNER_HOURS = (
    "周一至周五 08:30-17:00",
    "周一至周六 08:30-17:30",
    "每天 08:00-20:00",
    "每天 07:30-21:00",
)

# Candidate removals per set (codes that a station may not handle yet).
REMOVE_CANDIDATES = {
    VILLAGE_SET: ["TS-001", "TS-002", "WJ-003", "JF-004"],
    COMMUNITY_SET: ["TS-002", "JF-004"],
}
REMOVE_COMMENT = "本站暂未承接，请到镇（街道）便民服务中心办理"
ADD_COMMENT = "辖区内仍有农户承包耕地，保留惠农补贴事项"


class Phones:
    """Unique made-up landline numbers 0533-4xxxxxx."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def new(self) -> str:
        while True:
            number = f"0533-4{self.rng.randrange(100000, 999999):06d}"
            if number not in self.used:
                self.used.add(number)
                return number


def person_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        surname = rng.choice(SURNAMES)
        if rng.random() < 0.8:
            given = rng.choice(GIVEN_1) + rng.choice(GIVEN_2)
        else:
            given = rng.choice(GIVEN_2)
        name = surname + given
        if name not in taken and given[0] != surname:
            taken.add(name)
            return name


def make_staff(rng: random.Random, kind: str) -> list[dict]:
    taken: set[str] = set()
    count = rng.choices((2, 3, 4), weights=(3, 5, 2))[0]
    if kind == "村":
        leader_role = rng.choices(("党支部书记兼站长", "站长"), weights=(6, 4))[0]
    else:
        leader_role = rng.choices(("党支部书记兼站长", "居委会主任兼站长", "站长"), weights=(5, 3, 2))[0]
    staff = [{"name": person_name(rng, taken), "role": leader_role, "window": "综合窗口"}]
    if count >= 3:
        staff.append({"name": person_name(rng, taken), "role": "综合窗口受理员", "window": "综合窗口"})
    staff.append({"name": person_name(rng, taken), "role": "帮办代办员", "window": "帮办代办窗口"})
    if count == 4:
        if kind == "社区" and rng.random() < 0.5:
            staff.append({"name": person_name(rng, taken), "role": "社保协理员", "window": "社保医保窗口"})
        else:
            staff.append({"name": person_name(rng, taken), "role": "网格员", "window": "帮办代办窗口"})
    # badges: the leader is often a 党员先锋岗, sometimes a clerk is a 模范示范岗
    if leader_role.startswith("党支部书记") or rng.random() < 0.3:
        staff[0]["badge"] = "党员先锋岗"
    if len(staff) > 1 and rng.random() < 0.25:
        staff[rng.randrange(1, len(staff))]["badge"] = "模范示范岗"
    return staff


def make_hours(rng: random.Random, duty_phone: str) -> dict:
    day = rng.choices(HOURS_PATTERNS, weights=(6, 2, 2, 1))[0]
    sat = SATURDAY if rng.random() < 0.3 else []
    return {
        **{d: day for d in ("mon", "tue", "wed", "thu", "fri")},
        "sat": sat,
        "sun": [],
        "holiday_note": f"法定节假日休息；急事请拨打值班电话 {duty_phone}",
    }


def resolve(item_sets: dict[str, list[str]], items: dict) -> list[str]:
    codes = [c for c in item_sets[items["set"]] if c not in items.get("remove", [])]
    return codes + [c for c in items.get("add", []) if c not in codes]


def _legacy_note_draws(rng, codes, staff, added) -> None:
    """Repeat the first sample's note draws on the main stream (see LEGACY_CODES)."""
    codes = [c for c in codes if c in LEGACY_CODES]
    windows = {p["window"] for p in staff}
    proxies = [p["name"] for p in staff if p["role"] in ("帮办代办员", "网格员")]
    count = rng.choice((2, 3))
    chosen = list(added[:1])
    pool = [c for c in codes if c not in chosen]
    chosen += rng.sample(pool, count - len(chosen))
    for code in sorted(chosen, key=codes.index):
        prefix = code.split("-")[0]
        text_proxy = False  # the added-item note named no proxy person
        if code not in added:
            text_proxy = rng.choice(LEGACY_NOTE_PROXY[prefix])  # same draw as choosing among the old texts
        if prefix in ("YL", "YB") and "社保医保窗口" in windows:
            window = "社保医保窗口"
        elif prefix in ("JF", "ZM", "JY", "WJ", "TY"):
            window = "综合窗口"
        else:
            window = rng.choice(sorted(windows & {"综合窗口", "帮办代办窗口"}))
        if window != "综合窗口" or text_proxy:
            rng.choice(proxies)


def make_local_notes(rng, codes, staff, town, added) -> dict[str, dict]:
    """Two or three notes per station, each on an item it was written for."""
    windows = {p["window"] for p in staff}
    proxies = [p["name"] for p in staff if p["role"] in ("帮办代办员", "网格员")]
    chosen = list(added[:1])
    pool = [c for c in codes if c in NOTES and c not in chosen]
    chosen += rng.sample(pool, rng.choice((2, 3)) - len(chosen))
    notes: dict[str, dict] = {}
    for code in sorted(chosen, key=codes.index):
        prefix = code.split("-")[0]
        text = ADDED_NOTE if code in added else rng.choice(NOTES[code]).format(town=town)
        if prefix in ("YL", "YB") and "社保医保窗口" in windows:
            window = "社保医保窗口"
        elif prefix in ("JF", "ZM", "JY", "WJ", "TY"):
            window = "综合窗口"
        else:
            window = rng.choice(sorted(windows & {"综合窗口", "帮办代办窗口"}))
        note = {"window": window}
        if window != "综合窗口" or "帮办代办员" in text or "上门" in text:
            note["proxy_person"] = rng.choice(proxies)
        note["note"] = text
        notes[code] = note
    return notes


def make_partner(rng, row, town, codes, phones, taken_names, district: str = DISTRICT_NAME) -> dict:
    place = place_name(station_name(row["name"])[0])
    stem = place.removesuffix("社区").removesuffix("村")
    short = town_short(town)
    district_short = district.removesuffix("区").removesuffix("县")  # 博山区 → 博山
    host = rng.choice(("邮政", "银行", "商超"))
    if host == "邮政":
        name = f"{stem}邮政便民服务点"
        address = f"{district}{town}{place}邮政所"
    elif host == "银行":
        bank = rng.choice(("邮储银行", "农商银行"))
        branch = town if town.startswith(district_short) else f"{district_short}{short}"  # not 博山博山
        name = f"{bank}{branch}支行便民服务点"
        if name in taken_names:
            name = f"{bank}{branch}{stem}分理处便民服务点"
        address = f"{district}{town}{place}{bank}营业网点"
    else:
        shop = rng.choice(("惠民超市", "便民超市", "百姓超市", "放心便利店"))
        name = f"{stem}{shop}便民服务点"
        address = f"{district}{town}{place}{shop}"
    taken_names.add(name)
    offered = [c for c in PARTNER_ITEM_POOL if c in codes]
    items = rng.sample(offered, min(len(offered), rng.choice((2, 3, 4))))
    return {
        "name": name,
        "host": host,
        "address": address,
        "hours": rng.choice(PARTNER_HOURS),
        "phone": phones.new(),
        "items": sorted(items, key=codes.index),
    }


# -------------------------------------------------------------------- writing


def render(st: dict, town: str) -> str:
    out: list[str] = []
    w = out.append
    w(f"# {st['name']}（{town}）— 示例数据：联系方式与人员为虚构")
    w(f"code: {q(st['code'])}")
    w(f"division: {s(st['division'])}  # 区划名称（统计用区划代码 2023 版）")
    w(f"name: {s(st['name'])}")
    w(f"kind: {s(st['kind'])}")
    w(f"address: {s(st['address'])}")
    w(f"phone: {s(st['phone'])}")
    w("")
    w("# 办公时间：每段写成 \"HH:MM-HH:MM\"（须加引号），不开放的日子写 []")
    w("hours:")
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        w(f"  {day}: {flow(st['hours'][day])}")
    w(f"  holiday_note: {s(st['hours']['holiday_note'])}")
    w("")
    w("# 窗口工作人员（公示栏“窗口工作人员基本信息”）；badge 可写 党员先锋岗 或 模范示范岗，没有则不写")
    w("staff:")
    for p in st["staff"]:
        w(f"  - name: {s(p['name'])}")
        w(f"    role: {s(p['role'])}")
        w(f"    window: {s(p['window'])}")
        if "badge" in p:
            w(f"    badge: {s(p['badge'])}")
    w("")
    w(f"complaint_box: {s(st['complaint_box'])}  # 投诉箱位置")
    w("")
    w("# 可办事项：set 为 district.yaml 中的默认清单；本站增加用 add，减少用 remove")
    w("items:")
    w(f"  set: {s(st['items']['set'])}")
    if st["items"].get("add"):
        w(f"  add: {flow(st['items']['add'], s)}  # {ADD_COMMENT}")
    if st["items"].get("remove"):
        w(f"  remove: {flow(st['items']['remove'], s)}  # {REMOVE_COMMENT}")
    w("")
    w("# 事项本站说明：键为事项编码（须是本站可办事项），可写 window、proxy_person、note")
    w("local_notes:")
    for code, note in st["local_notes"].items():
        w(f"  {code}:")
        for key in ("window", "proxy_person", "note"):
            if key in note:
                w(f"    {key}: {s(note[key])}")
    w("")
    w("# 合作便民服务点（与邮政、银行、商超共建）；没有则写 []")
    if not st["partners"]:
        w("partners: []")
    else:
        w("partners:")
        for p in st["partners"]:
            w(f"  - name: {s(p['name'])}")
            w(f"    host: {s(p['host'])}")
            w(f"    address: {s(p['address'])}")
            w(f"    hours: {s(p['hours'])}")
            w(f"    phone: {s(p['phone'])}")
            w(f"    items: {flow(p['items'], s)}")
    w("")
    w("# 六有一能：有场所、有人员、有制度、有网络、有设备、有经费、能办事")
    w("checklist:")
    for key, label in CHECKLIST_LABELS:
        value = st["checklist"][key]
        comment = label if value else f"{label} —— 待整改：{GAP_REASONS[key]}"
        w(f"  {key}: {'true' if value else 'false'}  # {comment}")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------- main


def write(stations: list[dict], out_dir: Path) -> None:
    """One file per station: <out_dir>/<town code>/<village code>.yaml."""
    for st in stations:
        folder = Path(out_dir) / st["town_code"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{st['code']}.yaml").write_text(render(st, st["town"]), encoding="utf-8")


def _read_csv(csv_path: Path = CSV_PATH) -> list[dict]:
    with Path(csv_path).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_rows(code: str = DISTRICT_CODE, csv_path: Path = CSV_PATH) -> tuple[dict[str, str], list[dict]]:
    """Towns (code → name) and villages (CSV rows, by code) under a district (6 digits) or city (4 digits)."""
    rows = _read_csv(csv_path)
    towns = {
        r["code"]: r["name"]
        for r in rows
        if r["level"] == "town" and r["parent_code"].startswith(code)
    }
    villages = sorted(
        (r for r in rows if r["level"] == "village" and r["code"].startswith(code)),
        key=lambda r: r["code"],
    )
    for v in villages:
        if v["parent_code"] not in towns or v["code"][:9] != v["parent_code"]:
            raise SystemExit(f"{v['code']} {v['name']}: 所属镇（街道）不在 {code}")
    return towns, villages


def district_names(csv_path: Path = CSV_PATH) -> dict[str, str]:
    """District (区/县) code → name, e.g. 370304 → 博山区."""
    return {r["code"]: r["name"] for r in _read_csv(csv_path) if r["level"] == "district"}


def _scaled(count: int, n: int) -> int:
    """`count` per 296 stations (the 博山区 figures), for a district or city of n stations."""
    return round(count * n / 296)


def build(towns, villages, item_sets, *, districts: dict[str, str] | None = None) -> list[dict]:
    """The stations' data. `districts` (code → name) names each village's district in
    addresses; by default all villages are in 博山区. Counts of special cases (added and
    removed items, checklist gaps, extra partner points) scale with the number of stations."""
    districts = districts or {DISTRICT_CODE: DISTRICT_NAME}
    rng = random.Random(SEED)
    phones = Phones(rng)
    n = len(villages)

    # Which stations get what, decided up front so the counts are stable.
    communities = [i for i, v in enumerate(villages) if station_name(v["name"])[1] == "社区"]
    # communities in the rural towns (镇) and 山头街道 sit next to farmland
    rural_communities = [
        i for i in communities if villages[i]["parent_code"][6] == "1" or villages[i]["parent_code"].endswith("004")
    ]
    add_idx = set(rng.sample(rural_communities, min(len(rural_communities), _scaled(5, n))))
    remove_idx = set(rng.sample([i for i in range(n) if i not in add_idx], _scaled(15, n)))
    gap_idx = set(rng.sample(range(n), _scaled(15, n)))
    partner_idx: set[int] = set()
    by_town: dict[str, list[int]] = {}
    for i, v in enumerate(villages):
        by_town.setdefault(v["parent_code"], []).append(i)
    for code in sorted(by_town):  # one partner point in every town ...
        partner_idx.add(rng.choice(by_town[code]))
    extra = [i for i in range(n) if i not in partner_idx]
    partner_idx |= set(rng.sample(extra, min(len(extra), _scaled(3, n))))  # ... and a few more

    stations = []
    partner_names: set[str] = set()
    for i, row in enumerate(villages):
        town = towns[row["parent_code"]]
        district = districts[row["code"][:6]]
        name, kind = station_name(row["name"])
        place = place_name(name)
        set_name = VILLAGE_SET if kind == "村" else COMMUNITY_SET
        items: dict = {"set": set_name}
        added: list[str] = []
        if i in add_idx:
            added = ["HN-001"]
            items["add"] = added
        if i in remove_idx:
            candidates = [c for c in REMOVE_CANDIDATES[set_name] if c in item_sets[set_name]]
            items["remove"] = sorted(rng.sample(candidates, rng.choice((1, 1, 2))), key=item_sets[set_name].index)
        codes = resolve(item_sets, items)

        address_tail = rng.choice(
            ("党群服务中心一楼", "党群服务中心一楼大厅", "党群服务中心")
            + (("村委大院内",) if kind == "村" else ())
        )
        phone = phones.new()
        duty = phones.new()
        staff = make_staff(rng, kind)
        checklist = {key: True for key, _ in CHECKLIST_LABELS}
        if i in gap_idx:
            keys = [k for k, _ in GAP_WEIGHTS]
            weights = [wt for _, wt in GAP_WEIGHTS]
            gaps = {rng.choices(keys, weights)[0] for _ in range(rng.choice((1, 1, 2)))}
            for k in gaps:
                checklist[k] = False
        hours = make_hours(rng, duty)
        complaint_box = rng.choice(COMPLAINT_BOXES)
        _legacy_note_draws(rng, codes, staff, added)
        # each station's notes from their own stream: adding an item or a note changes no other value
        notes = make_local_notes(random.Random(f"{SEED}:{row['code']}"), codes, staff, town, added)
        stations.append(
            {
                "town_code": row["parent_code"],
                "town": town,
                "code": row["code"],
                "division": row["name"],
                "name": name,
                "kind": kind,
                "address": f"{district}{town}{place}{address_tail}",
                "phone": phone,
                "hours": hours,
                "staff": staff,
                "complaint_box": complaint_box,
                "items": items,
                "local_notes": notes,
                "partners": (
                    [make_partner(rng, row, town, codes, phones, partner_names, district)]
                    if i in partner_idx else []
                ),
                "checklist": checklist,
            }
        )
    return stations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="overwrite existing station files")
    args = parser.parse_args(argv)

    existing = sorted(OUT_DIR.glob("*/*.yaml"))
    if existing and not args.force:
        print(
            f"{OUT_DIR} 已有 {len(existing)} 个服务站文件（可能已被编辑），未覆盖；确需重新生成请加 --force",
            file=sys.stderr,
        )
        return 1

    district = yaml.safe_load(DISTRICT_PATH.read_text(encoding="utf-8"))
    item_sets = district["item_sets"]
    towns, villages = load_rows()
    stations = build(towns, villages, item_sets)

    write(stations, OUT_DIR)

    kinds = [st["kind"] for st in stations]
    print(
        f"wrote {len(stations)} stations ({kinds.count('村')} 村, {kinds.count('社区')} 社区), "
        f"{sum(len(st['partners']) for st in stations)} partners, "
        f"{sum(not all(st['checklist'].values()) for st in stations)} with checklist gaps, "
        f"{sum(bool(st['items'].get('add') or st['items'].get('remove')) for st in stations)} with add/remove"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
