"""standard.py's report page and workbook in their parts, in-process on the small fixture: each
section of the page alone, each sheet alone, and the whole in section order."""
import pytest
from openpyxl import Workbook, load_workbook

from conftest import MINI
from generator import standard
from generator.validate import read_catalogue


@pytest.fixture(scope="module")
def assessed():
    cat, problems = read_catalogue(MINI)
    assert cat is not None, problems
    report = standard.assess(cat)
    return report, standard.causes(cat, report)


def test_page_is_the_headline_then_the_sections_in_order(assessed):
    report, found = assessed
    page = standard.content(report, found)
    heads = ["<h1>标准化建设评估报告</h1>", "全区合计与各镇（街道）", "未达标的服务站（最差的在前）", "待核对的事项",
             *(f'<h2 id="town-{t.code}">' for t in report.towns)]
    positions = [page.index(h) for h in heads]
    assert positions == sorted(positions)
    assert page == "\n".join(["<h1>标准化建设评估报告</h1>",
                              f'<p class="g-lead">{standard.html.escape(standard.headline(report, found))}</p>',
                              *(p for s in standard._SECTIONS for p in s(report, found))])


def test_causes_section_only_with_causes(assessed):
    report, found = assessed
    assert standard._causes_section(report, []) == []
    assert found  # the fixture's community lacks 有经费
    parts = standard._causes_section(report, found)
    assert parts[0] == "<h2>未达标的原因和解决办法</h2><ol>" and parts[-1].startswith("<svg")
    assert len(parts) == len(found) + 3


def test_totals_has_a_row_per_town_and_the_district(assessed):
    report, found = assessed
    table = next(p for p in standard._totals_section(report, found) if 'data-table="totals"' in p)
    assert table.count("<tr>") == 1 + len(report.towns) + 1  # header, towns, district total
    assert f"{report.district.name}合计" in table


def test_below_section_lists_the_stations_or_says_none(assessed):
    report, found = assessed
    parts = standard._below_section(report, found)
    assert report.below and parts[1].count("<tr>") == 1 + len(report.below)


def test_review_section(assessed):
    report, found = assessed
    parts = standard._review_section(report, found)
    assert parts[0] == '<h2 id="review">待核对的事项</h2>'
    assert all(code in parts[-1] for code in report.review)


def test_a_town_has_its_chart_and_a_row_per_station(assessed):
    report, _ = assessed
    town = report.towns[0]
    head, lead, chart, table = standard._town(town)
    assert head == f'<h2 id="town-{town.code}">{town.name}</h2>' and chart.startswith("<svg")
    assert table.count("<tr>") == 1 + len(town.stations)
    row = standard._station_row(town.stations[0])
    assert len(row) == 9 and row[-1] in ("达标", "<strong>未达标</strong>")


def test_sheets_alone(assessed):
    report, found = assessed
    wb = Workbook()
    standard._causes_sheet(wb.active, report, found)
    assert wb.active.title == "主要原因" and wb.active.max_row == 3 + len(found)
    ws = wb.create_sheet("汇总")
    standard._totals_sheet(ws, report)
    assert ws.max_row == 1 + len(report.towns) + 1 and ws.cell(2, len(standard.TOTAL_HEADERS) + 1).number_format == "0%"
    ws = wb.create_sheet("全部服务站")
    standard._stations_sheet(ws, report.district.stations)
    assert [c.value for c in ws[1]] == list(standard.STATION_HEADERS)
    below = [i for i, s in enumerate(report.district.stations, start=2) if s.below]
    assert all(ws.cell(i, 1).fill.fgColor.rgb.endswith("F8D7DA") for i in below)
    ws = wb.create_sheet("待核对事项")
    standard._review_sheet(ws, report)
    assert ws.max_row == 1 + len(report.review)


def test_the_workbook(assessed, tmp_path):
    report, found = assessed
    standard.export(report, tmp_path / "r.xlsx", found)
    wb = load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == ["主要原因", "汇总", "未达标服务站", "全部服务站", "待核对事项"]
    first = wb["主要原因"]
    assert first.freeze_panes is None and "A1:E1" in {str(r) for r in first.merged_cells.ranges}
    assert all(wb[n].freeze_panes == "B2" for n in wb.sheetnames[1:])
    assert all(c.font.b for c in wb["汇总"][1])
