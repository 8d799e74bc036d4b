"""QR codes (generator/qr.py): the page's permanent URL, error correction ≥ M, the quiet
zone kept inside the code itself, legible at 2.5 cm for every URL the district has.

The codes as printed are decoded in tests/test_print.py (web pages and PDF pages)."""
import random
import re
import string
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


def draw(svg: str, scale: int = 3) -> Image.Image:
    """The SVG as a browser draws it: follow the path's moves and horizontal lines (1 unit
    thick, centred on the line) on a white square of the viewBox's size."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    d = re.search(r'<path stroke="#000" d="([^"]*)"', svg).group(1)
    image = Image.new("L", (size, size), 255)
    x = y = 0.0
    for op, a, b in re.findall(r"([MmHh])([-\d.]+)(?: ([-\d.]+))?", d):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:  # h: a dark run from x, on the module row y - 0.5
            for col in range(int(x), int(x + float(a))):
                image.putpixel((col, int(y - 0.5)), 0)
            x += float(a)
    return image.resize((size * scale, size * scale), Image.NEAREST)


def test_every_url_of_the_district_is_legible_at_25_mm():
    for url in [*district_urls(), *district_urls(ROOT / "tests" / "fixtures" / "mini")]:
        assert qr.module_mm(url) >= MIN_MODULE_MM, (url, qr.module_mm(url))


def test_svg_keeps_the_quiet_zone_and_error_correction_m():
    svg = qr.svg(URL)
    size = qr.symbol_size(URL)
    assert size == len(qr.matrix(URL)) + 8
    assert qr.encode(URL).ec_level == "M"
    assert f'viewBox="0 0 {size} {size}"' in svg, "four modules of quiet zone on each side"
    # the quiet zone is drawn white inside the code, so it survives any background
    assert re.search(rf'<path fill="#fff" d="M0 0h{size}v{size}h-{size}z"/>', svg), svg[:200]
    assert 'stroke="#000"' in svg and "<title>二维码</title>" in svg
    assert "<title>&lt;a &amp; b&gt;</title>" in qr.svg(URL, title="<a & b>")


def test_every_drawn_code_decodes_to_its_url():
    """The SVG as drawn, for the sample's URLs and odd ones of every length: zxing-cpp reads
    back exactly the URL, at error correction M."""
    rng = random.Random(370304)
    root = ROOT / "content"
    site_url = yaml.safe_load((root / "district.yaml").read_text(encoding="utf-8"))["site_url"].rstrip("/")
    stations = sorted(p.stem for p in (root / "stations").glob("*/*.yaml"))
    items = sorted(p.stem for p in (root / "items").glob("*.yaml"))
    urls = [f"{site_url}/", f"{site_url}/items/", *(f"{site_url}/items/{c}/" for c in items)]
    urls += [f"{site_url}/{rng.choice(stations)}/{rng.choice(items)}/" for _ in range(100)]
    chars = string.ascii_letters + string.digits + "/:.-_?=&%#~+ "
    urls += ["".join(rng.choice(chars) for _ in range(n)) + "x" for n in [*range(0, 60, 3), *range(60, 400, 37)]]
    urls += ["HTTPS://X.CN/A", "12345", "https://例子.cn/"]  # alphanumeric, numeric and UTF-8 content
    for url in urls:
        found = zxingcpp.read_barcodes(draw(qr.svg(url)), formats=zxingcpp.BarcodeFormat.QRCode)
        assert [r.text for r in found] == [url]
        assert found[0].ec_level == "M", url


def test_png_decodes_to_the_url(tmp_path):
    path = tmp_path / "code.png"
    qr.png(URL, path, scale=3)  # 3 px a module: a 2.5 cm code scanned at ~125 dpi
    result = zxingcpp.read_barcodes(Image.open(path).convert("L"))
    assert [r.text for r in result] == [URL]
    assert result[0].ec_level == "M"
    assert Image.open(path).width == 3 * qr.symbol_size(URL)
