"""QR codes (generator/qr.py): the page's permanent URL, error correction ≥ M, the quiet
zone kept inside the code itself, legible at 2.5 cm for every URL the district has.

The codes as printed are decoded in tests/test_print.py (web pages and PDF pages)."""
import re
from pathlib import Path

import yaml
import zxingcpp
from PIL import Image

from conftest import ROOT
from generator import qr

MIN_MODULE_MM = 0.5  # a phone reads 0.5 mm modules easily at arm's length; 2.5 cm holds ≤ 50 modules
URL = "https://guides.boshan.example/370304001200/JZ-001/"


def district_urls(root: Path = ROOT / "content") -> list[str]:
    """The longest guide URLs of the sample district (a URL's length decides the code's size)."""
    site_url = yaml.safe_load((root / "district.yaml").read_text(encoding="utf-8"))["site_url"].rstrip("/")
    items = sorted((p.stem for p in (root / "items").glob("*.yaml")), key=len)
    stations = sorted(p.stem for p in (root / "stations").glob("*/*.yaml"))
    assert items and stations
    return [f"{site_url}/{stations[-1]}/", f"{site_url}/{stations[-1]}/{items[-1]}/"]


def test_every_url_of_the_district_is_legible_at_25_mm():
    for url in [*district_urls(), *district_urls(ROOT / "tests" / "fixtures" / "mini")]:
        assert qr.module_mm(url) >= MIN_MODULE_MM, (url, qr.module_mm(url))


def test_svg_keeps_the_quiet_zone_and_error_correction_m():
    svg = qr.svg(URL)
    code = qr.make(URL)
    size = code.symbol_size(border=4)[0]
    assert code.error in ("M", "Q", "H")
    assert f'viewBox="0 0 {size} {size}"' in svg, "four modules of quiet zone on each side"
    # the quiet zone is drawn white inside the code, so it survives any background
    assert re.search(rf'<path fill="#fff" d="M0 0h{size}v{size}h-{size}z"/>', svg), svg[:200]
    assert 'stroke="#000"' in svg and "<title>" in svg


def test_code_decodes_to_the_url(tmp_path):
    path = tmp_path / "code.png"
    qr.png(URL, path, scale=3)  # 3 px a module: a 2.5 cm code scanned at ~125 dpi
    result = zxingcpp.read_barcodes(Image.open(path).convert("L"))
    assert [r.text for r in result] == [URL]
    assert result[0].ec_level == "M"
