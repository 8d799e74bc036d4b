"""The standardisation report (专项评估): how far each station meets the standard, per
station, per town and for the district, worst first; a page under site/_admin/standard/
(noindex, with bar charts drawn here as inline SVG) and `guides report FILE.xlsx`.

Criteria, each from the rule that already exists elsewhere:
- 命名规范: the name the naming rule gives (validate.station_name);
- 六有一能: every item of the model's Checklist (validate.checklist_gaps);
- 网上可办率: validate.online_rate against validate.ONLINE_TARGET (50%);
- 指南要素完整: no required element of an offered item's guide empty (required = the model's);
- 人员信息公示: at least one staff member with every required field of the model's Staff.

Beside the stations, the items whose policy facts are due for review (review.review_findings:
never reviewed, older than district.review_months, or citing a basis marked repealed).
"""
from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from . import hashes
from .files import atomic_path
from .model import Item, Staff, Station, town_code
from .review import review_findings
from .validate import ONLINE_TARGET, Catalogue, checklist_gaps, online_rate, station_name

PAGE = "_admin/standard/"
CRITERIA = ("命名规范", "六有一能", "网上可办率", "指南要素完整", "人员信息公示")


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def missing_required(record: BaseModel) -> list[str]:
    """Chinese names of the model's required fields that are empty in `record`, nested records included."""
    out = []
    for name, info in type(record).model_fields.items():
        value = getattr(record, name)
        if info.is_required() and _empty(value):
            out.append(info.title or name)
        elif isinstance(value, BaseModel):
            out += [f"{info.title}.{m}" for m in missing_required(value)]
        elif isinstance(value, list):
            for i, v in enumerate(value):
                if isinstance(v, BaseModel):
                    out += [f"{info.title}[{i + 1}].{m}" for m in missing_required(v)]
    return out


@dataclass
class StationRow:
    code: str
    name: str
    town: str
    expected_name: str | None
    checklist_gaps: list[str]
    items: int
    online: int
    on_request: int
    incomplete: dict[str, list[str]]  # item code -> missing required elements
    staff: int
    staff_complete: bool

    @property
    def naming_ok(self) -> bool:
        return self.expected_name == self.name

    @property
    def rate(self) -> float:
        return self.online / self.on_request if self.on_request else 1.0

    @property
    def failures(self) -> list[str]:
        met = (self.naming_ok, not self.checklist_gaps, self.rate >= ONLINE_TARGET, not self.incomplete,
               self.staff > 0 and self.staff_complete)
        return [c for c, ok in zip(CRITERIA, met) if not ok]

    @property
    def below(self) -> bool:
        return bool(self.failures)

    def severity(self) -> tuple:
        """Worst first: more criteria missed, more of 六有一能 missing, lower online rate."""
        return (-len(self.failures), -len(self.checklist_gaps), self.rate, self.code)


@dataclass
class Totals:
    name: str
    code: str
    stations: list[StationRow] = field(default_factory=list)

    def count(self, criterion: str) -> int:
        """Stations meeting one criterion."""
        return sum(1 for s in self.stations if criterion not in s.failures)

    @property
    def up_to_standard(self) -> int:
        return sum(1 for s in self.stations if not s.below)

    @property
    def online(self) -> int:
        return sum(s.online for s in self.stations)

    @property
    def on_request(self) -> int:
        return sum(s.on_request for s in self.stations)

    @property
    def items(self) -> int:
        return sum(s.items for s in self.stations)

    @property
    def share(self) -> float:
        return self.up_to_standard / len(self.stations) if self.stations else 0.0


@dataclass
class Report:
    district: Totals
    towns: list[Totals]
    date: str
    review: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # item code -> (name, reasons)

    @property
    def below(self) -> list[StationRow]:
        return sorted((s for s in self.district.stations if s.below), key=StationRow.severity)


def review_due(cat: Catalogue, today: dt.date) -> dict[str, list[str]]:
    """Items whose facts are due for review, in catalogue order: code -> the reasons, as guides check says them."""
    out = {}
    for code, item in cat.items.items():
        reasons = [message for _, message, _ in review_findings(item, cat.district, today)]
        if reasons:
            out[code] = reasons
    return out


def assess(cat: Catalogue) -> Report:
    incomplete_items = {code: missing_required(it) for code, it in cat.items.items()}
    d = cat.district
    towns = {t.code: Totals(t.name, t.code) for t in d.towns}
    district = Totals(f"{d.city}{d.name}", d.code)
    for code, st in cat.stations.items():
        offered: list[Item] = cat.station_items(code)
        online, on_request = online_rate(offered)
        expected = station_name(st.division)
        row = StationRow(
            code=code, name=st.name, town=cat.town_name(town_code(code)),
            expected_name=expected[0] if expected else None,
            checklist_gaps=checklist_gaps(st), items=len(offered), online=online, on_request=on_request,
            incomplete={it.code: incomplete_items[it.code] for it in offered if incomplete_items[it.code]},
            staff=len(st.staff), staff_complete=all(not missing_required(s) for s in st.staff),
        )
        towns.setdefault(town_code(code), Totals(cat.town_name(town_code(code)), town_code(code))).stations.append(row)
        district.stations.append(row)
    today = dt.date.today()
    review = {c: (cat.items[c].name, r) for c, r in review_due(cat, today).items()}
    return Report(district, [t for t in towns.values() if t.stations], today.isoformat(), review)


# ------------------------------------------------------------------------- causes


@dataclass
class Cause:
    """One reason stations fall short, shared by `stations` of them, and what would fix it."""
    criterion: str
    stations: int  # stations failing this criterion
    only: int  # of them, stations failing nothing else: fixing this alone brings them up to standard
    finding: str  # what is wrong, in words
    fix: str  # what would fix it
    items: list[str] = field(default_factory=list)  # the item codes the fix names (网上可办率)


def causes(cat: Catalogue, report: Report) -> list[Cause]:
    """Why stations fall short, most stations first: shared causes (the district catalogue's
    网上可办率) named once instead of 296 times, each with the change that would fix it."""
    below = [s for s in report.district.stations if s.below]
    out = []
    for criterion in CRITERIA:
        failing = [s for s in below if criterion in s.failures]
        if not failing:
            continue
        only = sum(1 for s in failing if s.failures == [criterion])
        finding, fix, items = _CAUSES[criterion](cat, failing)
        out.append(Cause(criterion, len(failing), only, finding, fix, items))
    return sorted(out, key=lambda c: (-c.stations, CRITERIA.index(c.criterion)))


def _online_cause(cat: Catalogue, failing: list[StationRow]) -> tuple[str, str, list[str]]:
    on_request = [it for it in cat.items.values() if it.item_type != "便民服务"]
    online = [it for it in on_request if it.online.available]
    finding = (f"区事项目录的依申请事项中，{len(on_request)} 项只有 {len(online)} 项可网上办理"
               f"（{_pct(len(online) / len(on_request)) if on_request else '—'}），低于 {_pct(ONLINE_TARGET)} 的要求；"
               f"各服务站办理的大多是同一批事项，所以问题出在目录，不在服务站")
    # which items, made applicable online, would bring the most stations up to the target
    offered = {s.code: set(cat.offers[s.code]) for s in failing}
    candidates = sorted((it for it in on_request if not it.online.available),
                        key=lambda it: (-sum(it.code in o for o in offered.values()), it.code))
    chosen: list = []
    reached = 0
    for it in candidates:
        chosen.append(it)
        codes = {c.code for c in chosen}
        reached = sum(1 for s in failing if (s.online + len(offered[s.code] & codes)) / s.on_request >= ONLINE_TARGET)
        if reached == len(failing):
            break
    if not chosen:
        return finding, "为相关事项开通网上办理入口", []
    names = "、".join(f"“{it.name}”" for it in chosen)
    fix = (f"在省“一网通办”为以下 {len(chosen)} 个事项开通网上办理入口并写入办事指南（网上办理），"
           f"{reached} 个服务站的网上可办率即可达到 {_pct(ONLINE_TARGET)}：{names}（请先核实这些事项确可网上办理）")
    return finding, fix, [it.code for it in chosen]


def _checklist_cause(cat: Catalogue, failing: list[StationRow]) -> tuple[str, str, list[str]]:
    gaps: dict[str, int] = {}
    for s in failing:
        for g in s.checklist_gaps:
            gaps[g] = gaps.get(g, 0) + 1
    shown = "、".join(f"{g} {n} 个" for g, n in sorted(gaps.items(), key=lambda x: -x[1]))
    towns = sorted({s.town for s in failing})
    return (f"{len(failing)} 个服务站“六有一能”不齐：缺{shown}（分布在{'、'.join(towns[:6])}"
            f"{'等' if len(towns) > 6 else ''} {len(towns)} 个镇街）",
            "由所在镇（街道）补齐后，在服务站信息的“六有一能”中勾选", [])


def _naming_cause(cat: Catalogue, failing: list[StationRow]) -> tuple[str, str, list[str]]:
    return (f"{len(failing)} 个服务站的名称不符合命名规则（XX村便民服务站、XX社区便民服务站）",
            "按规则改名（名单见下表“未达标的服务站”）", [])


def _guide_cause(cat: Catalogue, failing: list[StationRow]) -> tuple[str, str, list[str]]:
    items: dict[str, int] = {}
    for s in failing:
        for code in s.incomplete:
            items[code] = items.get(code, 0) + 1
    shown = "、".join(f"{cat.items[c].name}（{n} 个服务站）" for c, n in sorted(items.items(), key=lambda x: -x[1])[:8])
    return (f"{len(items)} 个事项的办事指南缺必备要素：{shown}", "补全这些事项的办事指南，所有办理它们的服务站随之达标",
            list(items))


def _staff_cause(cat: Catalogue, failing: list[StationRow]) -> tuple[str, str, list[str]]:
    return (f"{len(failing)} 个服务站没有公示完整的窗口工作人员信息", "在服务站信息中填写工作人员（姓名、职务、窗口）", [])


_CAUSES = {"命名规范": _naming_cause, "六有一能": _checklist_cause, "网上可办率": _online_cause,
           "指南要素完整": _guide_cause, "人员信息公示": _staff_cause}


def headline(report: Report, found: list[Cause]) -> str:
    """The first sentence: how many meet the standard and the cause that matters most."""
    d = report.district
    n, below = len(d.stations), len(d.stations) - d.up_to_standard
    if not below:
        return f"全部 {n} 个服务站达标。"
    if not found:
        return f"{n} 个服务站中 {d.up_to_standard} 个达标，{below} 个未达标。"
    top = found[0]
    who = f"全部 {n} 个服务站" if top.stations == n else f"{top.stations} 个服务站"
    only = ("都只差这一项" if top.only == top.stations else f"其中 {top.only} 个只差这一项") if top.only else ""
    return f"{n} 个服务站中 {d.up_to_standard} 个达标。{who}未达到“{top.criterion}”{('，' + only) if only else ''}：{top.finding}。"


# ------------------------------------------------------------------------- page


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _bar_chart(title: str, rows: list[tuple[str, float, str, bool]], target: float | None, desc: str) -> str:
    """A horizontal bar chart as inline SVG: (label, value 0..1, value text, highlighted) per bar.
    Presentation attributes only (no style attribute: the site's CSP has style-src 'self')."""
    label_w, bar_w, row_h, top = 190, 360, 22, 8
    height = top + row_h * len(rows) + 24
    width = label_w + bar_w + 200  # room for "281/296（95%）  未达标"
    ident = "chart-" + hashes.short(title, hashes.ELEMENT_ID)  # stable: the page is rewritten each build
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="g-chart" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-labelledby="{ident}">'
           f'<title id="{ident}">{html.escape(title)}：{html.escape(desc)}</title>']
    for i, (label, value, text, bad) in enumerate(rows):
        y = top + i * row_h
        colour = "#c62828" if bad else "#2e7d32"
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="13" fill="#222">'
                   f'{html.escape(label)}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="{row_h - 6}" fill="#eeeeee"/>')
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{max(0.0, min(1.0, value)) * bar_w:.1f}" '
                   f'height="{row_h - 6}" fill="{colour}"/>')
        mark, look = ("  未达标", 'fill="#b71c1c" font-weight="bold"') if bad else ("", 'fill="#222"')
        out.append(f'<text x="{label_w + bar_w + 6}" y="{y + 15}" font-size="13" {look}>'
                   f'{html.escape(text + mark)}</text>')
    if target is not None:
        x = label_w + target * bar_w
        bottom = top + row_h * len(rows)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#1565c0" '
                   f'stroke-width="2" stroke-dasharray="4 3"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" font-size="12" fill="#1565c0">'
                   f'目标 {_pct(target)}</text>')
    out.append("</svg>")
    return "".join(out)


def _cells(t: Totals) -> list[str]:
    n = len(t.stations)
    return [str(n), f"{t.up_to_standard}", f"{n - t.up_to_standard}",
            *(str(t.count(c)) for c in CRITERIA),
            f"{t.items / n:.1f}" if n else "0",
            f"{t.online}/{t.on_request}（{_pct(t.online / t.on_request) if t.on_request else '—'}）"]


TOTAL_HEADERS = ("服务站数", "达标", "未达标", *(f"{c}达标" for c in CRITERIA), "平均可办事项数", "依申请事项网上可办")


def content(report: Report, found: list[Cause] | None = None) -> str:
    """The report page's body: the headline, then each section in turn."""
    found = found or []
    parts = ["<h1>标准化建设评估报告</h1>", f'<p class="g-lead">{html.escape(headline(report, found))}</p>']
    for section in _SECTIONS:
        parts += section(report, found)
    return "\n".join(parts)


def _causes_section(report: Report, found: list[Cause]) -> list[str]:
    """Why stations fall short and what to do, with the district's share per criterion."""
    if not found:
        return []
    e, d = html.escape, report.district
    parts = ["<h2>未达标的原因和解决办法</h2><ol>"]
    for c in found:
        only = f"，其中 {c.only} 个只差这一项" if c.only else ""
        parts.append(f"<li><p><strong>{e(c.criterion)}：{c.stations} 个服务站未达到{only}。</strong>"
                     f"{e(c.finding)}。</p><p>解决办法：{e(c.fix)}。</p></li>")
    parts.append("</ol>")
    n = len(d.stations)
    parts.append(_bar_chart("全区各项达标的服务站比例",
                            [(c, d.count(c) / n if n else 0, f"{d.count(c)}/{n}（{_pct(d.count(c) / n if n else 0)}）",
                              d.count(c) < n) for c in CRITERIA],
                            None, "每项一条，红色表示有服务站未达到该项"))
    return parts


def _totals_section(report: Report, found: list[Cause]) -> list[str]:
    """The district's figures, what the standard asks, and the totals per town."""
    e, d = html.escape, report.district
    return [
        f"<p>{e(d.name)}：{len(d.stations)} 个村（社区）便民服务站，"
        f"{d.up_to_standard} 个达标，{len(d.stations) - d.up_to_standard} 个未达标"
        f"（评估日期 {report.date}，按本次发布的内容）。</p>",
        '<p><a href="../">返回发布报告</a></p>',
        "<p>达标须同时满足：" + "；".join([
            "服务站名称符合命名规则（XX村便民服务站、XX社区便民服务站）",
            "“六有一能”齐全（有场所、有人员、有制度、有网络、有设备、有经费、能办事）",
            f"依申请事项网上可办率不低于 {_pct(ONLINE_TARGET)}（不含水电气暖等便民缴费）",
            "所办事项的办事指南必备要素无空缺", "公示窗口工作人员信息"]) + "。</p>",
        "<h2>全区合计与各镇（街道）</h2>",
        _table(("镇（街道）", *TOTAL_HEADERS),
               [[e(t.name), *_cells(t)] for t in report.towns] + [[f"<strong>{e(d.name)}合计</strong>", *_cells(d)]],
               "totals"),
        _bar_chart("各镇（街道）达标服务站比例",
                   [(t.name, t.share, f"{t.up_to_standard}/{len(t.stations)}（{_pct(t.share)}）",
                     t.up_to_standard < len(t.stations)) for t in report.towns],
                   None, "每个镇（街道）一条，红色表示有未达标的服务站"),
    ]


def _below_section(report: Report, found: list[Cause]) -> list[str]:
    """The stations below standard, worst first."""
    e = html.escape
    parts = ["<h2>未达标的服务站（最差的在前）</h2>"]
    if not report.below:
        return parts + ["<p>无。</p>"]
    parts.append(_table(("服务站", "区划代码", "镇（街道）", "未达标项", "六有一能缺项", "网上可办率"),
                        [[e(s.name), s.code, e(s.town), e("、".join(s.failures)),
                          e("、".join(s.checklist_gaps)) or "—",
                          f"{s.online}/{s.on_request}（{_pct(s.rate)}）"] for s in report.below], "below"))
    return parts


def _review_section(report: Report, found: list[Cause]) -> list[str]:
    """The items whose policy facts are due for review."""
    e = html.escape
    parts = ['<h2 id="review">待核对的事项</h2>']
    if not report.review:
        return parts + ["<p>无：每个事项都在核对周期内核对过，且没有引用已废止的依据。</p>"]
    parts.append(f"<p>{len(report.review)} 个事项的政策事实需要核对（从未核对、超过核对周期、设定依据没有写明文件名称，或引用了已废止的依据）。</p>")
    parts.append(_table(("事项编码", "事项名称", "待核对原因"),
                        [[e(c), e(name), "<br>".join(map(e, reasons))]
                         for c, (name, reasons) in report.review.items()], "review"))
    return parts


def _towns_section(report: Report, found: list[Cause]) -> list[str]:
    return [part for t in report.towns for part in _town(t)]


def _town(t: Totals) -> list[str]:
    """One town: its stations' online rates as a chart, and every station's criteria."""
    e = html.escape
    return [
        f'<h2 id="town-{t.code}">{e(t.name)}</h2>',
        f"<p>{len(t.stations)} 个服务站，{t.up_to_standard} 个达标。"
        f"下图为各服务站依申请事项网上可办率，虚线为 {_pct(ONLINE_TARGET)} 目标；红色为未达标的服务站（任一项不达标）。</p>",
        _bar_chart(f"{t.name}各服务站网上可办率",
                   [(s.name.removesuffix("便民服务站"), s.rate, _pct(s.rate), s.below) for s in t.stations],
                   ONLINE_TARGET, "每个服务站一条，红色为未达标"),
        _table(("服务站", "区划代码", "命名规范", "六有一能", "可办事项数", "网上可办率",
                "指南要素完整", "人员信息公示", "结论"),
               [_station_row(s) for s in t.stations], f"town-{t.code}"),
    ]


def _station_row(s: StationRow) -> list[str]:
    e = html.escape
    return [e(s.name), s.code,
            "✓" if s.naming_ok else f"✗ 应为 {e(s.expected_name or '')}",
            "✓" if not s.checklist_gaps else "缺 " + e("、".join(s.checklist_gaps)),
            str(s.items), f"{s.online}/{s.on_request}（{_pct(s.rate)}）",
            "✓" if not s.incomplete else "缺 " + e("；".join(
                f"{c}: {'、'.join(m)}" for c, m in s.incomplete.items())),
            f"✓ {s.staff} 人" if s.staff and s.staff_complete else "✗",
            "<strong>未达标</strong>" if s.below else "达标"]


# The report page's sections, in page order.
_SECTIONS = (_causes_section, _totals_section, _below_section, _review_section, _towns_section)


def _table(headers, rows, name: str) -> str:
    head = "".join(f'<th scope="col">{h}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<div><table data-table="{name}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def write(cat: Catalogue, root: Path, renderer, journal: dict[str, list[str]], write_file) -> Report:
    """The report page, rewritten by every build like the change report beside it."""
    from .plan import Page

    report = assess(cat)
    page = Page("standard", PAGE)
    text = renderer._shell(page, site_name=f"{cat.district.name}便民服务", title="标准化建设评估报告",
                           description="标准化建设评估报告", content=content(report, causes(cat, report)),
                           head='<meta name="robots" content="noindex">')
    write_file(root / PAGE / "index.html", text.encode("utf-8"))
    journal.written.append(PAGE + "index.html")
    return report


# --------------------------------------------------------------------- workbook


def export(report: Report, path: Path, found: list[Cause] | None = None) -> None:
    """The same figures as a workbook: the causes and their fixes first, then totals per town,
    stations below standard, every station."""
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    _causes_sheet(first, report, found or [])
    _totals_sheet(wb.create_sheet("汇总"), report)
    for title, stations in (("未达标服务站", report.below), ("全部服务站", report.district.stations)):
        _stations_sheet(wb.create_sheet(title), stations)
    _review_sheet(wb.create_sheet("待核对事项"), report)
    for sheet in wb.worksheets:
        _style_sheet(sheet)
    _style_causes_sheet(first)
    path = Path(path)
    with atomic_path(path) as tmp:
        wb.save(tmp)


def _causes_sheet(ws, report: Report, found: list[Cause]) -> None:
    ws.title = "主要原因"
    ws.append([headline(report, found)])
    ws.append([])
    ws.append(["评估项", "未达到的服务站数", "只差这一项的服务站数", "原因", "解决办法"])
    for c in found:
        ws.append([c.criterion, c.stations, c.only, c.finding, c.fix])


def _totals_sheet(ws, report: Report) -> None:
    """Per town and the district: the criteria met, items per station, the online rate (as a per cent)."""
    ws.append(["镇（街道）", *TOTAL_HEADERS])
    for t in [*report.towns, report.district]:
        n = len(t.stations)
        ws.append([t.name if t is not report.district else f"{t.name}合计", n, t.up_to_standard,
                   n - t.up_to_standard, *(t.count(c) for c in CRITERIA), round(t.items / n, 1) if n else 0,
                   round(t.online / t.on_request, 4) if t.on_request else None])
    ws.cell(row=1, column=len(TOTAL_HEADERS) + 1).value = "依申请事项网上可办率"
    for row in ws.iter_rows(min_row=2, min_col=len(TOTAL_HEADERS) + 1, max_col=len(TOTAL_HEADERS) + 1):
        row[0].number_format = "0%"


STATION_HEADERS = ("服务站", "区划代码", "镇（街道）", "结论", "未达标项", "命名规范", "六有一能缺项", "可办事项数",
                   "网上可办事项数", "依申请事项数", "网上可办率", "指南要素缺项", "工作人员数")


def _stations_sheet(ws, stations: list[StationRow]) -> None:
    """One station a row; a station below standard in red."""
    from openpyxl.styles import PatternFill

    red = PatternFill("solid", fgColor="F8D7DA")
    ws.append(list(STATION_HEADERS))
    for r in stations:
        ws.append([r.name, r.code, r.town, "未达标" if r.below else "达标", "、".join(r.failures),
                   "是" if r.naming_ok else f"否（应为 {r.expected_name}）", "、".join(r.checklist_gaps),
                   r.items, r.online, r.on_request, round(r.rate, 4),
                   "；".join(f"{c}: {'、'.join(m)}" for c, m in r.incomplete.items()), r.staff])
        ws.cell(row=ws.max_row, column=11).number_format = "0%"
        if r.below:
            for c in ws[ws.max_row]:
                c.fill = red


def _review_sheet(ws, report: Report) -> None:
    ws.append(["事项编码", "事项名称", "待核对原因"])
    for c, (name, reasons) in report.review.items():
        ws.append([c, name, "\n".join(reasons)])


def _style_sheet(ws) -> None:
    """Every sheet: the first row and column frozen, cells as text, a bold header, columns as wide as their text."""
    from openpyxl.styles import Font

    from .workbook_cells import as_text

    ws.freeze_panes = "B2"
    for row in ws.iter_rows():  # names are text, never a formula (workbook_cells)
        for c in row:
            as_text(c)
    for c in ws[1]:
        c.font = Font(bold=True)
    for i, col in enumerate(ws.iter_cols(min_row=1, max_row=min(ws.max_row, 200)), start=1):
        width = max(sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(c.value or "")) for c in col)
        ws.column_dimensions[col[0].column_letter].width = min(50, max(8, width + 2))


def _style_causes_sheet(first) -> None:
    """The causes sheet reads as a page: the headline across, the findings and fixes wrapped."""
    from openpyxl.styles import Alignment, Font

    first.freeze_panes = None
    for col, width in zip("ABCDE", (12, 10, 10, 60, 60)):
        first.column_dimensions[col].width = width
    first.merge_cells("A1:E1")
    first["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    first.row_dimensions[1].height = 48
    first["A1"].font = Font(bold=True, size=12)
    for row in first.iter_rows(min_row=3):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
            c.font = Font(bold=c.row == 3)
    for r in range(4, first.max_row + 1):  # rows tall enough for the wrapped finding and fix
        longest = max(len(str(first.cell(r, c).value or "")) for c in (4, 5))
        first.row_dimensions[r].height = 15 * (longest // 28 + 1)


def run_report(content_dir: Path, out: Path) -> int:
    from .workbook import catalogue_for_workbook, write_failed

    cat = catalogue_for_workbook(content_dir, out, "未生成报告")
    if cat is None:
        return 1
    report = assess(cat)
    found = causes(cat, report)
    try:
        export(report, Path(out), found)
    except OSError as e:
        return write_failed(out, e)
    print(f"已生成标准化建设评估报告 {out}。{headline(report, found)}")
    for c in found:
        print(f"  · {c.criterion}（{c.stations} 个服务站）解决办法：{c.fix}")
    return 0
