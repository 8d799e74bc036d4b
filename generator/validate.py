"""Stage 2, validate: turn loaded records into the typed catalogue, or say everything that is wrong.

Type errors come from the model (generator.model); the rules that span records
(unique codes, references, naming rule, file placement, policy warnings) live here.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from .divisions import DIVISIONS, official_name
from .load import RawContent, Source
from . import attachments
from .model import CATEGORIES, PHONE_PATTERN, District, FieldError, Item, Retired, Station, label, town_code
from .problems import Problems
from .review import cites, months_later, review_findings  # noqa: F401  (cites, months_later: callers import them from here too)
from .urls import UrlError, check_domain, check_link, domain_allowed, parse_https

ONLINE_TARGET = 0.5  # the policy's 网上可办率 floor for a station's on-request items


@dataclass
class Catalogue:
    district: District
    items: dict[str, Item]  # by code, in catalogue order (category, code)
    stations: dict[str, Station]  # by village code, sorted
    offers: dict[str, list[str]]  # village code -> offered item codes, in catalogue order
    sources: dict[str, Path] = field(default_factory=dict)  # record key -> file, for messages
    retired: Retired = field(default_factory=Retired)
    root: Path | None = None

    def station_items(self, code: str) -> list[Item]:
        return [self.items[c] for c in self.offers[code]]

    def town_name(self, town_code: str) -> str:
        return next((t.name for t in self.district.towns if t.code == town_code), town_code)


# ----------------------------------------------------------------- model errors

_MESSAGES = {
    "missing": "必填字段缺失",
    "extra_forbidden": "未知字段（可能是拼写错误；本字段不会被使用）",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表（每项以“- ”开头）",
    "dict_type": "应为“字段: 值”形式的映射",
    "model_type": "应为“字段: 值”形式的映射",
    "model_attributes_type": "应为“字段: 值”形式的映射",
    "date_type": "应为日期，格式 YYYY-MM-DD",
    "date_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期，格式 YYYY-MM-DD",
}


def _message(err: dict) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("' or '", "、").replace("', '", "、").strip("'")
        return f"取值“{err.get('input')}”无效，应为：{expected}"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == PHONE_PATTERN:
            return (f"电话号码格式不正确：“{err.get('input')}”（应为带区号的固定电话如 0533-4180001、"
                    "手机号如 13912345678 或服务号码如 12345，只写数字和“-”）")
        if ctx.get("pattern") == "^https://":
            return f"地址必须以 https:// 开头：{err.get('input')}"
        return f"格式不正确：“{err.get('input')}”"
    if kind == "string_too_short":
        return "不能为空"
    if kind == "too_short":
        return f"至少应有 {ctx.get('min_length', 1)} 项"
    if kind == "string_too_long":
        return f"过长：{len(str(err.get('input', '')))} 个字符，最多 {ctx.get('max_length')} 个字符（请精简，或把说明分成几条）"
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于 {ctx.get('le', ctx.get('lt'))}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return err["msg"]


def _clean_loc(loc: tuple) -> tuple:
    # pydantic names union branches inside the location (e.g. 'literal[...]', 'list[Fee]'); drop them
    return tuple(p for p in loc if isinstance(p, int) or not re.match(r"^(literal|list|dict)\[", str(p)))


def _typed(model: type[BaseModel], src: Source, problems: Problems):
    try:
        return model.model_validate(src.data)
    except ValidationError as e:
        seen = set()
        for err in e.errors(include_url=False):
            loc = _clean_loc(err["loc"])
            if loc != tuple(err["loc"]) and _other_branch_speaks(err):
                continue
            cause = (err.get("ctx") or {}).get("error")
            if isinstance(cause, FieldError):
                loc = loc + (cause.field,)
            if loc in seen:
                continue
            seen.add(loc)
            msg = _message(err)
            if err["type"] == "literal_error" and "不收费" in str(err.get("ctx")):
                msg = f"应写“不收费”，或列出每项收费（name、amount、basis），而不是“{err.get('input')}”"
            field = label(model, loc)  # the Chinese title only: the YAML key is not the clerk's word
            problems.error(src.path, src.line(loc), field, msg)
        return None


def _other_branch_speaks(err: dict) -> bool:
    """In a union (fees: 不收费 | list of fees), report only the branch the value was meant for."""
    text = isinstance(err.get("input"), str)
    return (err["type"] == "list_type" and text) or (err["type"] == "literal_error" and not text)


def _field(model: type[BaseModel], *loc) -> str:
    return label(model, loc)


# ------------------------------------------------------------------- the rules


def station_name(division: str) -> tuple[str, str] | None:
    """Station name and kind by the policy's naming rule, from the official division name.

    The rule: a village runs an ``XX村便民服务站``, an urban community an ``XX社区便民服务站``.
    安上村委会 → 安上村便民服务站 (村); 北关村村民委员会 → 北关村便民服务站 (村);
    公平庄居委会 → 公平庄社区便民服务站 (社区); 荆山社区居委会 → 荆山社区便民服务站 (社区).
    The few official names without a committee suffix (光正社区, 红源新村, 文苑社区居委)
    follow the same rule.
    """
    for suffix in ("居民委员会", "居委会", "居委"):
        if division.endswith(suffix) and len(division) > len(suffix):
            return _community(division[: -len(suffix)])
    if division.endswith("社区") and len(division) > 2:
        return _community(division)
    for suffix in ("村民委员会", "村委员会", "村委会", "村"):
        if division.endswith(suffix) and len(division) > len(suffix):
            place = division[: -len(suffix)]
            return (place if place.endswith("村") else place + "村") + "便民服务站", "村"
    return None


def _community(place: str) -> tuple[str, str]:
    return (place if place.endswith("社区") else place + "社区") + "便民服务站", "社区"


def validate(raw: RawContent, problems: Problems) -> Catalogue | None:
    """Every problem goes into `problems`; a Catalogue comes back only when there are no errors."""
    district = _typed(District, raw.district, problems) if raw.district else None
    if district:
        for check in _DISTRICT_CHECKS:
            check(district, raw.district, problems)
    items, item_src, broken = _validate_items(raw, district, problems)
    if district:
        _check_item_sets(district, raw.district, items, broken, problems)
    sources: dict[str, Path] = {f"items/{c}": s.path for c, s in item_src.items()}
    stations, offers = _validate_stations(raw, district, items, broken, sources, problems)
    retired = _validate_retired(raw, items, stations, problems)
    if problems.errors or district is None:
        return None
    return Catalogue(district, items, dict(sorted(stations.items())), offers, sources, retired, raw.root)


def _validate_items(raw: RawContent, district: District | None,
                    problems: Problems) -> tuple[dict[str, Item], dict[str, Source], set[str]]:
    """The typed items in catalogue order (category, code), their sources, and the codes of the
    broken ones (a file with errors: references to them are not errors again)."""
    items: dict[str, Item] = {}
    item_src: dict[str, Source] = {}
    folded: dict[str, str] = {}  # lower-case code -> code: codes are unique regardless of case
    broken: set[str] = set()
    for src in raw.items:
        item = _typed(Item, src, problems)
        if item is None:
            broken.add(src.path.stem)
            continue
        _check_item_file_name(item, src, problems)
        other = folded.get(item.code.lower())
        if other is not None:
            _duplicate(src, Item, "事项编码", item.code, item_src[other].path,
                       "（编码不区分大小写，且永不复用）", problems)
            continue
        folded[item.code.lower()] = item.code
        items[item.code] = item
        item_src[item.code] = src
        _check_attachments(item, src, raw.root, problems)
        if district:
            for check in _ITEM_CHECKS:
                check(item, src, district, problems)
    items = dict(sorted(items.items(), key=lambda kv: (CATEGORIES.index(kv[1].category), kv[0])))
    return items, item_src, broken


def _validate_stations(raw: RawContent, district: District | None, items: dict[str, Item], broken: set[str],
                       sources: dict[str, Path], problems: Problems) -> tuple[dict[str, Station], dict[str, list[str]]]:
    """The typed stations by code and the items each offers (catalogue order); adds each station's
    file to `sources`."""
    stations: dict[str, Station] = {}
    offers: dict[str, list[str]] = {}
    order = {code: i for i, code in enumerate(items)}
    unchecked = 0  # stations whose item set could not be checked: district.yaml has errors
    for src in raw.stations:
        st = _typed(Station, src, problems)
        if st is None:
            continue
        if st.code in stations:
            _duplicate(src, Station, "区划代码", st.code, sources[f"stations/{st.code}"], "", problems)
            continue
        if district:
            _check_station_place(st, src, district, problems)
        if district is None and st.items.set:
            unchecked += 1  # one district error, not one more per station
            continue
        offered = _resolve_items(st, src, district, items, problems, broken)
        if offered is None:
            continue
        offered.sort(key=order.__getitem__)
        _check_station_refs(st, src, [*offered, *broken], problems)  # broken items: their own error suffices
        stations[st.code] = st
        offers[st.code] = offered
        sources[f"stations/{st.code}"] = src.path
        _station_warnings(st, src, [items[c] for c in offered], problems)
        _note_warnings(st, src, items, problems)
    if unchecked:
        _unchecked_stations(raw, unchecked, problems)
    return stations, offers


def _unchecked_stations(raw: RawContent, unchecked: int, problems: Problems) -> None:
    problems.warning(raw.district.path if raw.district else raw.root / "district.yaml", 1, "",
                     f"district.yaml 有错误：{unchecked} 个服务站的默认事项清单和所属镇（街道）依赖它，"
                     f"暂未检查；改正 district.yaml 后再检查")


def _validate_retired(raw: RawContent, items: dict[str, Item], stations: dict[str, Station],
                      problems: Problems) -> Retired:
    if not raw.retired:
        return Retired()
    retired = _typed(Retired, raw.retired, problems) or Retired()
    _check_retired(retired, raw.retired, items, stations, problems)
    return retired


def _duplicate(src: Source, model: type[BaseModel], what: str, code: str, first: Path, why: str,
               problems: Problems) -> None:
    problems.error(src.path, src.line(("code",)), _field(model, "code"),
                   f"{what}“{code}”重复：已在 {first} 中使用{why}")


def _check_item_file_name(item: Item, src: Source, problems: Problems) -> None:
    if src.path.stem != item.code:
        problems.error(src.path, src.line(("code",)), _field(Item, "code"),
                       f"文件名应与事项编码一致：应命名为 {item.code}.yaml")


def _check_attachments(item: Item, src: Source, root: Path, problems: Problems) -> None:
    """审批结果样本, 申请表格: files under content/files/."""
    for loc, name in attachments.names(item):
        why = attachments.problem(root, name)
        if why:
            problems.error(src.path, src.line(loc), _field(Item, *loc), why)


def _check_item_sets(d: District, src: Source, items: dict[str, Item], broken: set[str],
                     problems: Problems) -> None:
    for name, codes in d.item_sets.items():
        for i, code in enumerate(codes):
            if code not in items and code not in broken:
                problems.error(src.path, src.line(("item_sets", name, i)),
                               f"默认事项清单.{name}[{i + 1}] (item_sets.{name}[{i + 1}])",
                               f"事项“{code}”不存在于 items/ 中")


def _check_retired(retired: Retired, src: Source, items: dict, stations: dict, problems: Problems) -> None:
    """A code is never reused; a successor must exist."""
    for key, active, what in (("items", items, "事项"), ("stations", stations, "服务站")):
        seen = set()
        for i, r in enumerate(getattr(retired, key)):
            where = (src.path, src.line((key, i, "code")), _field(Retired, key, i, "code"))
            if r.code in active:
                problems.error(*where, f"{what}“{r.code}”已停用，编码永不复用，但它仍在使用中")
            if r.code in seen:
                problems.error(*where, f"“{r.code}”重复")
            seen.add(r.code)
            if r.successor and r.successor not in active:
                problems.error(src.path, src.line((key, i, "successor")), _field(Retired, key, i, "successor"),
                               f"新编码“{r.successor}”不存在")


def _check_domains(d: District, src: Source, problems: Problems) -> None:
    for key in ("online_domains", "source_domains"):
        for i, domain in enumerate(getattr(d, key)):
            try:
                check_domain(domain)
            except UrlError as e:
                problems.error(src.path, src.line((key, i)), _field(District, key, i), str(e))


def _check_portal(d: District, src: Source, problems: Problems) -> None:
    try:  # the portal link is printed and linked on every page: the same allow-list as items' links
        check_link(d.portal.url, d.online_domains)
    except UrlError as e:
        problems.error(src.path, src.line(("portal", "url")), _field(District, "portal", "url"), f"网上办事门户地址：{e}")


def _check_town_codes(d: District, src: Source, problems: Problems) -> None:
    for i, town in enumerate(d.towns):
        if not town.code.startswith(d.code):
            problems.error(src.path, src.line(("towns", i, "code")), _field(District, "towns", i, "code"),
                           f"镇（街道）代码 {town.code} 不属于本区县（{d.code}）")
    codes = [t.code for t in d.towns]
    for i, c in enumerate(codes):
        if codes.index(c) != i:
            problems.error(src.path, src.line(("towns", i)), _field(District, "towns", i), f"镇（街道）代码 {c} 重复")


# The checks of district.yaml on its own, in the order their problems are reported.
_DISTRICT_CHECKS = (_check_domains, _check_portal, _check_town_codes)


def _check_online_link(item: Item, src: Source, d: District, problems: Problems) -> None:
    if item.online.available and item.online.url:
        try:  # parsed as a browser does: what is checked is where the link really goes
            check_link(item.online.url, d.online_domains)
        except UrlError as e:
            problems.error(src.path, src.line(("online", "url")), _field(Item, "online", "url"), f"网上办理入口：{e}")
        else:
            if portal_home(item.online.url):
                problems.warning(src.path, src.line(("online", "url")), _field(Item, "online", "url"),
                                 f"网上办理入口 {item.online.url} 只是门户首页，群众还得自己找这个事项：核实到本事项在门户上的"
                                 "办事页面网址后改填该网址（不要猜测网址）", kind="网上办理入口只是门户首页")


def _check_source_links(item: Item, src: Source, d: District, problems: Problems) -> None:
    for i, source in enumerate(item.sources):
        if source.url:
            try:  # parsed as a browser does, like the online links
                host = parse_https(source.url)["hostname"]
                if not domain_allowed(host, d.source_domains):
                    raise UrlError(f"域名 {host} 不在区县设置“来源链接允许的域名”之内")
            except UrlError as e:
                problems.error(src.path, src.line(("sources", i, "url")), _field(Item, "sources", i, "url"),
                               f"来源网址：{e}")


def _check_aliases(item: Item, src: Source, d: District, problems: Problems) -> None:
    alias_seen = set()
    for i, alias in enumerate(item.aliases):
        if alias in alias_seen:
            problems.warning(src.path, src.line(("aliases", i)), _field(Item, "aliases", i), f"俗称“{alias}”重复")
        alias_seen.add(alias)


def _review_warnings(item: Item, src: Source, d: District, problems: Problems) -> None:
    for loc, message, kind in review_findings(item, d, dt.date.today()):
        problems.warning(src.path, src.line(loc), _field(Item, *loc), message, kind=kind)


# The checks of one item against the district's settings (run when district.yaml is valid),
# in the order their problems are reported.
_ITEM_CHECKS = (_check_online_link, _check_source_links, _check_aliases, _review_warnings)


def portal_home(url: str) -> bool:
    """A link to a site's home page (no path beyond "/", no query, no fragment), not to an item's own page."""
    parts = urlsplit(url)
    return parts.path.strip("/") == "" and not parts.query and not parts.fragment.strip("/")


def _check_station_place(st: Station, src: Source, d: District, problems: Problems) -> None:
    code_where = (src.path, src.line(("code",)), _field(Station, "code"))
    if src.path.stem != st.code:
        problems.error(*code_where, f"文件名应与区划代码一致：应命名为 {st.code}.yaml")
    if not st.code.startswith(d.code):
        problems.error(*code_where, f"区划代码 {st.code} 不属于{d.name}（{d.code}）")
    elif src.path.parent.name != town_code(st.code):
        problems.error(*code_where, f"区划代码 {st.code} 不属于所在文件夹 {src.path.parent.name}：应放在 stations/{town_code(st.code)}/")
    elif town_code(st.code) not in {t.code for t in d.towns}:
        problems.error(*code_where, f"镇（街道）{town_code(st.code)} 不在 district.yaml 的 towns 中")
    covered, official = official_name(st.code)
    if covered and official is None:
        problems.error(*code_where, f"区划代码 {st.code} 不在官方区划代码表（{DIVISIONS.name}）中：请核对代码")
    elif covered and st.division != official:
        problems.error(src.path, src.line(("division",)), _field(Station, "division"),
                       f"区划名称应为“{official}”（官方区划代码表中 {st.code} 的名称），而不是“{st.division}”")
    expected = station_name(st.division)
    if expected is None:
        problems.error(src.path, src.line(("division",)), _field(Station, "division"),
                       f"区划名称“{st.division}”应以 村委会、村民委员会、居委会、居民委员会、社区 或 村 结尾")
        return
    name, kind = expected
    if st.name != name:
        problems.error(src.path, src.line(("name",)), _field(Station, "name"),
                       f"服务站名称应按命名规则写作“{name}”（由区划名称“{st.division}”得出），而不是“{st.name}”")
    if st.kind != kind:
        problems.error(src.path, src.line(("kind",)), _field(Station, "kind"),
                       f"类型应为“{kind}”（区划名称“{st.division}”）")


def _resolve_items(st, src, d, items, problems, broken: set[str] = frozenset()) -> list[str] | None:
    sel = st.items
    ok = True
    if sel.set:
        if d is None or sel.set not in d.item_sets:
            known = "、".join(d.item_sets) if d else ""
            problems.error(src.path, src.line(("items", "set")), _field(Station, "items", "set"),
                           f"默认事项清单“{sel.set}”不存在（district.yaml 中有：{known}）")
            return None
        base = list(d.item_sets[sel.set])
    else:
        base = list(sel.codes)
    for key, codes in (("codes", sel.codes), ("add", sel.add), ("remove", sel.remove)):
        for i, code in enumerate(codes):
            if code not in items and code not in broken:
                problems.error(src.path, src.line(("items", key, i)), _field(Station, "items", key, i),
                               f"事项“{code}”不存在于 items/ 中")
                ok = False
    for i, code in enumerate(sel.remove):
        if code in items and code not in base:
            problems.error(src.path, src.line(("items", "remove", i)), _field(Station, "items", "remove", i),
                           f"要减少的事项“{code}”本不在清单中")
            ok = False
    for i, code in enumerate(sel.add):
        if code in base:
            problems.warning(src.path, src.line(("items", "add", i)), _field(Station, "items", "add", i),
                             f"要增加的事项“{code}”已在清单中")
    if not ok:
        return None
    offered = [c for c in dict.fromkeys(base + list(sel.add)) if c not in set(sel.remove) and c in items]
    if not offered:
        problems.error(src.path, src.line(("items",)), _field(Station, "items"), "服务站没有任何可办事项")
        return None
    return offered


def _check_station_refs(st: Station, src: Source, offered: list[str], problems: Problems) -> None:
    offered_set = set(offered)
    for code in st.local_notes:
        if code not in offered_set:
            problems.error(src.path, src.line(("local_notes", code)), _field(Station, "local_notes", code),
                           f"事项“{code}”不是本站可办事项，不能写本站说明")
    for p, partner in enumerate(st.partners):
        for i, code in enumerate(partner.items):
            if code not in offered_set:
                problems.error(src.path, src.line(("partners", p, "items", i)),
                               _field(Station, "partners", p, "items", i),
                               f"事项“{code}”不是本站可办事项")


def online_rate(offered: list[Item]) -> tuple[int, int]:
    """A station's 网上可办率 as (online, on-request): the policy's rate counts on-request government
    service items, not bill payments (便民服务). The check and the standardisation report both use it."""
    on_request = [it for it in offered if it.item_type != "便民服务"]
    return sum(1 for it in on_request if it.online.available), len(on_request)


def checklist_gaps(st: Station) -> list[str]:
    """The 六有一能 a station lacks, by their Chinese names."""
    return [info.title for name, info in type(st.checklist).model_fields.items() if not getattr(st.checklist, name)]


def _station_warnings(st: Station, src: Source, offered: list[Item], problems: Problems) -> None:
    online, on_request = online_rate(offered)
    if on_request and online / on_request < ONLINE_TARGET:
        problems.warning(src.path, src.line(("items",)), _field(Station, "items"),
                         f"依申请事项网上可办率 {online}/{on_request}（{online / on_request:.0%}）低于政策要求的 50%",
                         kind="依申请事项网上可办率低于政策要求的 50%")
    gaps = checklist_gaps(st)
    if gaps:
        problems.warning(src.path, src.line(("checklist",)), _field(Station, "checklist"),
                         f"“六有一能”未达标：{'、'.join(gaps)}", kind="“六有一能”未达标")


# A station note must not promise less than its item: "当场" for a 承诺件, or a batch delivery
# that alone takes as long as the promised limit. Waits are in working days, at worst.
_ON_THE_SPOT = re.compile(r"当场(办结|办理|出具|发放|发证|领取|拿到|办好)|即办|立等可取|马上办")
_BATCH = re.compile(r"集中(报送|送|受理|办理|审核)|统一(报送|送|受理)|送[^，。；]*?(便民服务中心|民政办|人社所)")
_WEEKDAY = re.compile(r"周[一二三四五六日]|星期[一二三四五六日]")


def _batch_wait(text: str) -> int | None:
    """The longest wait, in working days, that a batching note adds; None if the note batches nothing."""
    if not _BATCH.search(text):
        return None
    if "每月" in text:
        return 22
    if "每半月" in text:
        return 11
    if "每周" in text or "每星期" in text:
        return max(1, -(-5 // max(1, len(_WEEKDAY.findall(text)))))
    if "每天" in text or "每日" in text or "当日" in text:
        return 1
    return None


def _note_warnings(st: Station, src: Source, items: dict[str, Item], problems: Problems) -> None:
    for code, local in st.local_notes.items():
        item = items.get(code)
        if item is None or not local.note:
            continue
        where = (src.path, src.line(("local_notes", code, "note")), _field(Station, "local_notes", code, "note"))
        if item.case_type == "承诺件" and _ON_THE_SPOT.search(local.note):
            problems.warning(*where, f"本站说明写“{_ON_THE_SPOT.search(local.note).group(0)}”，但“{item.name}”是承诺件"
                                     f"（承诺 {item.promised_limit_days} 个工作日），不能当场办结")
        wait = _batch_wait(local.note)
        if wait is None:
            continue
        if item.case_type == "即办件":
            problems.warning(*where, f"本站说明要集中报送，但“{item.name}”是即办件，应当场办结")
        elif wait >= item.promised_limit_days:
            problems.warning(*where, f"本站说明的集中报送最多要等约 {wait} 个工作日，已达到或超过“{item.name}”"
                                     f"的承诺办结时限（{item.promised_limit_days} 个工作日）")


def read_catalogue(root: Path) -> tuple[Catalogue | None, Problems]:
    """Load and validate a content tree: the first two stages, as every command uses them."""
    from .load import load

    problems = Problems()
    catalogue = validate(load(Path(root), problems), problems)
    return catalogue, problems


def check_print_origin(cat: Catalogue, problems: Problems, *, test_print: bool = False) -> bool:
    """Paper cannot be recalled: refuse to print QR codes of a reserved or placeholder site
    address (`.example`, example.com, localhost, an IP...) unless it is a test print."""
    from .urls import reserved_origin

    why = reserved_origin(cat.district.site_url)
    if why is None or test_print:
        return True
    path = (cat.root or Path(".")) / "district.yaml"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        line = next((i + 1 for i, t in enumerate(lines) if t.startswith("site_url:")), 1)
    except OSError:
        line = 1
    problems.error(path, line, _field(District, "site_url"),
                   f"网站地址 {cat.district.site_url} 不能印在纸上：{why}。正式打印前请在 district.yaml 中写入"
                   "正式网站地址；只是试印（纸张不张贴）请加 --test-print")
    return False
