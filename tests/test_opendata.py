"""Open data in the built site: JSON and CSV validated against the JSON Schema made from the model;
schema.org GovernmentService JSON-LD on guide pages; correct after incremental builds."""
from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from pathlib import Path

import jsonschema
import yaml

from conftest import MINI, ROOT, Server, edit, guides

STATION, OTHER, ITEM = "370304001200", "370304002001", "JZ-001"


def fixture_yaml(*parts) -> dict:
    return yaml.safe_load((MINI.joinpath(*parts)).read_text(encoding="utf-8"))


def read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def jsonld(html: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


def test_open_data_is_valid_against_the_schema_made_from_the_model(mini_site):
    data = mini_site / "data"
    catalog = read_json(data / "catalog.json")
    schema = read_json(data / "schema" / "catalog.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(catalog, schema, cls=jsonschema.Draft202012Validator)
    station_schema = read_json(data / "schema" / "station.schema.json")
    station_files = sorted((data / "stations").glob("*.json"))
    for f in station_files:
        jsonschema.validate(read_json(f), station_schema, cls=jsonschema.Draft202012Validator)
    # counted independently from the fixture's YAML files
    yaml_stations = sorted(p.stem for p in (MINI / "stations").glob("*/*.yaml"))
    yaml_items = sorted(p.stem for p in (MINI / "items").glob("*.yaml"))
    assert [f.stem for f in station_files] == yaml_stations
    assert sorted(s["code"] for s in catalog["stations"]) == yaml_stations
    assert sorted(i["code"] for i in catalog["items"]) == yaml_items
    one = read_json(data / "stations" / f"{STATION}.json")
    src = fixture_yaml("stations", STATION[:9], f"{STATION}.yaml")
    assert one["name"] == src["name"] and one["phone"] == src["phone"]
    assert one["url"].endswith(f"/{STATION}/")
    district = fixture_yaml("district.yaml")
    expected = list(district["item_sets"][src["items"]["set"]]) + list(src["items"].get("add", []))
    expected = [c for c in expected if c not in src["items"].get("remove", [])]
    assert sorted(o["code"] for o in one["offered"]) == sorted(expected)
    # the schema is the model's: it rejects what the model rejects
    broken = json.loads(json.dumps(catalog))
    broken["items"][0]["case_type"] = "随便办"
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(broken))
    assert errors and any("case_type" in list(e.absolute_path) for e in errors)


def test_csv_opens_in_excel_as_utf8(mini_site):
    for name, n in (("items.csv", len(list((MINI / "items").glob("*.yaml")))),
                    ("stations.csv", len(list((MINI / "stations").glob("*/*.yaml"))))):
        raw = (mini_site / "data" / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: how Excel knows it is UTF-8
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert len(rows) == n + 1
    items = list(csv.DictReader(io.StringIO((mini_site / "data/items.csv").read_text("utf-8-sig"))))
    jz = next(r for r in items if r["事项编码"] == ITEM)
    src = fixture_yaml("items", f"{ITEM}.yaml")
    assert jz["事项名称"] == src["name"] and jz["办件类型"] == src["case_type"]
    assert jz["受理条件"].split("\n") == src["conditions"]


def _check_service(ld: dict, item: dict, url: str, phone: str, street: str | None):
    assert ld["@context"] == "https://schema.org" and ld["@type"] == "GovernmentService"
    assert ld["name"] == item["name"] and ld["serviceType"] == item["category"]
    # the implementing bodies one by one (not joined by ；), each an organisation
    assert [p["@type"] for p in ld["provider"]] == ["GovernmentOrganization"] * len(item["department"].split("；"))
    assert all("；" not in p["name"] for p in ld["provider"])
    assert ld["areaServed"]["@type"] == "AdministrativeArea" and ld["areaServed"]["name"]
    first = ld["availableChannel"][0]
    assert first["@type"] == "ServiceChannel" and first["serviceUrl"] == url
    assert first["servicePhone"]["telephone"] == phone
    place = first["serviceLocation"]
    assert place["@type"] == "Place" and place["address"]["@type"] == "PostalAddress"
    if street:
        assert place["address"]["streetAddress"] == street
    if item["online"]["available"]:
        assert ld["availableChannel"][1]["serviceUrl"] == item["online"]["url"]


def test_guide_pages_carry_government_service_jsonld(mini_site):
    district = fixture_yaml("district.yaml")
    item = fixture_yaml("items", f"{ITEM}.yaml")
    st = fixture_yaml("stations", STATION[:9], f"{STATION}.yaml")
    (ld,) = jsonld((mini_site / STATION / ITEM / "index.html").read_text(encoding="utf-8"))
    url = f"{district['site_url'].rstrip('/')}/{STATION}/{ITEM}/"
    _check_service(ld, item, url, st["phone"], st["address"])
    assert ld["areaServed"]["identifier"] == STATION and "安上村" in ld["areaServed"]["name"]
    assert ld["availableChannel"][0]["serviceLocation"]["name"] == st["name"]
    # issue 23.4: the real town instead of 镇人民政府（街道办事处）; hours, processing time and fees
    assert [p["name"] for p in ld["provider"]] == ["博山区城东街道办事处", "博山区民政局"]
    channel = ld["availableChannel"][0]
    monday = [h for h in channel["servicePhone"]["hoursAvailable"] if "https://schema.org/Monday" in h["dayOfWeek"]]
    assert sorted((h["opens"], h["closes"]) for h in monday) == sorted(
        (r[:5], r[6:]) for r in st["hours"]["mon"]) and monday
    assert channel["serviceLocation"]["openingHoursSpecification"] == channel["servicePhone"]["hoursAvailable"]
    assert "processingTime" not in channel and "20 个工作日" in channel["description"]  # JZ-001: 承诺件
    assert ld["offers"] == [{"@type": "Offer", "name": "不收费", "price": "0", "priceCurrency": "CNY"}]
    (ld,) = jsonld((mini_site / "items" / ITEM / "index.html").read_text(encoding="utf-8"))
    _check_service(ld, item, f"{district['site_url'].rstrip('/')}/items/{ITEM}/", item["phone"], None)
    assert ld["areaServed"]["identifier"] == district["code"]


def test_jsonld_processing_time_never_counts_working_days_as_calendar_days(mini_site):
    """schema.org processingTime is an ISO 8601 duration (calendar time): a 即办件 is P0D; a 承诺件's
    N working days are no fixed number of calendar days, so its channels carry no duration, only a
    description in working days, the same words as the page (issue 23.4)."""
    seen = set()
    for code, case in (("JF-001", "即办件"), ("LN-001", "即办件"), ("JZ-001", "承诺件")):
        item = fixture_yaml("items", f"{code}.yaml")
        assert item["case_type"] == case
        pages = [mini_site / "items" / code / "index.html",
                 *(p for p in mini_site.glob(f"*/{code}/index.html") if p.parent.parent.name != "items")]
        for page in pages:
            (ld,) = jsonld(page.read_text(encoding="utf-8"))
            for channel in ld["availableChannel"]:
                if case == "即办件":
                    assert channel["processingTime"] == "P0D" and channel["description"] == "即办件：当场办结"
                else:
                    days = item["promised_limit_days"]
                    assert "processingTime" not in channel, channel
                    assert channel["description"] == f"承诺件：受理后 {days} 个工作日内办结（工作日，不含法定节假日）"
                    assert f"<dd>{days} 个工作日</dd>" in page.read_text(encoding="utf-8")  # what the page says
                seen.add((case, channel["name"].startswith("网上办理")))
    assert ("承诺件", False) in seen and ("即办件", False) in seen


def test_jsonld_breaks_no_csp_in_the_browser(mini_site, browser):
    """Served with the production CSP header (netlify.toml): the data block raises no violation and
    is readable by the page's consumers."""
    conf = tomllib.loads((ROOT / "netlify.toml").read_text(encoding="utf-8"))
    csp = next(h["values"] for h in conf["headers"] if h["for"] == "/*")["Content-Security-Policy"]
    server = Server(mini_site)
    try:
        page = browser.new_page()

        def with_csp(route):
            response = route.fetch()
            route.fulfill(response=response, headers={**response.headers, "content-security-policy": csp})

        page.route("**/*", with_csp)
        messages = []
        page.on("console", lambda m: messages.append(m.text))
        page.add_init_script("window.__violations = [];"
                             "document.addEventListener('securitypolicyviolation', e => "
                             "window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));")
        page.goto(server.url + f"{STATION}/{ITEM}/")
        page.wait_for_load_state("networkidle")
        ld = page.evaluate("JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)")
        assert ld["@type"] == "GovernmentService"
        # the header really is enforced: an inline script is refused
        page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
                      " document.body.appendChild(s); }")
        page.wait_for_timeout(200)
        violations = page.evaluate("window.__violations")
        assert page.evaluate("window.__ran") is None
        assert violations and all("script-src" in v and "inline" in v for v in violations), violations
        assert len(violations) == 1, violations  # only our probe, none from the JSON-LD
        page.close()
    finally:
        server.stop()


def test_open_data_follows_incremental_builds(mini, tmp_path):
    out = tmp_path / "site"
    assert guides("build", "--content", mini, "--out", out).returncode == 0
    other_before = (out / "data/stations" / f"{OTHER}.json").stat().st_ino
    path = mini / "stations" / STATION[:9] / f"{STATION}.yaml"
    old_phone = fixture_yaml("stations", STATION[:9], f"{STATION}.yaml")["phone"]
    edit(path, f"phone: {old_phone}", "phone: 0533-4109999")
    r = guides("build", "--content", mini, "--out", out)
    assert r.returncode == 0 and "增量" in r.stdout, r.stderr
    assert read_json(out / "data/stations" / f"{STATION}.json")["phone"] == "0533-4109999"
    catalog = read_json(out / "data/catalog.json")
    assert next(s for s in catalog["stations"] if s["code"] == STATION)["phone"] == "0533-4109999"
    assert "0533-4109999" in (out / "data/stations.csv").read_text("utf-8-sig")
    (ld,) = jsonld((out / STATION / ITEM / "index.html").read_text(encoding="utf-8"))
    assert ld["availableChannel"][0]["servicePhone"]["telephone"] == "0533-4109999"
    # the other station's file was not rewritten
    assert (out / "data/stations" / f"{OTHER}.json").stat().st_ino == other_before
    # a second edit: the build starts from the spare site, which must have followed the first
    other_path = mini / "stations" / OTHER[:9] / f"{OTHER}.yaml"
    other_phone = fixture_yaml("stations", OTHER[:9], f"{OTHER}.yaml")["phone"]
    edit(other_path, f"phone: {other_phone}", "phone: 0533-4108888")
    assert guides("build", "--content", mini, "--out", out).returncode == 0
    catalog = read_json(out / "data/catalog.json")
    phones = {s["code"]: s["phone"] for s in catalog["stations"]}
    assert phones == {STATION: "0533-4109999", OTHER: "0533-4108888"}
    assert read_json(out / "data/stations" / f"{STATION}.json")["phone"] == "0533-4109999"
    # and a full build from scratch makes the same open data
    fresh = tmp_path / "fresh"
    assert guides("build", "--content", mini, "--out", fresh).returncode == 0
    for f in sorted((fresh / "data").rglob("*")):
        if f.is_file():
            assert (out / f.relative_to(fresh)).read_bytes() == f.read_bytes(), f
