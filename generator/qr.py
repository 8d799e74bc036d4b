"""QR codes that encode a page's permanent absolute URL, as inline SVG.

Error correction M (survives a worn or partly covered print) and the 4-module quiet
zone, drawn white inside the code itself so that it is kept on any background. A
page's URL (site_url + /<village>/<item>/) gives a version 4 symbol, 33 modules:
printed at 2.5 cm with its quiet zone, a module is 0.6 mm, which a phone reads
easily (see `module_mm`, checked by tests/test_qr.py).

A district has ~14,000 codes, a city ten times as many. segno encodes one in ~4 ms,
most of it spent choosing the data mask (eight candidate masks, each scored module by
module), which made QR codes 80 % of a clean build. `svg` therefore encodes URLs
itself, with each matrix row held as one integer: masks are XORs of precomputed rows
and the penalty rules work on whole rows and columns. It follows segno's encoder step
for step (same mode, version, codewords, placement, mask scores and tie-break, same SVG
text), so its output is byte-identical to segno's (tests/test_qr.py compares them over
thousands of URLs); anything outside its scope (non-ASCII or non-byte-mode content)
goes to segno. Codes are memoised per process: a URL is permanent, so is its code.
"""
from __future__ import annotations

import re
from functools import lru_cache
from xml.sax.saxutils import escape

import segno
from segno import consts, encoder

ERROR = "m"
BORDER = 4  # the quiet zone, in modules, that the QR standard asks for


def make(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR, boost_error=False, micro=False)


@lru_cache(maxsize=None)
def svg(url: str, *, title: str = "二维码") -> str:
    matrix = _fast_matrix(url)
    if matrix is None:
        return segno_svg(url, title=title)
    return _svg(matrix, title)


def segno_svg(url: str, *, title: str = "二维码") -> str:
    """The reference: what `svg` returns, made by segno."""
    return make(url).svg_inline(scale=1, border=BORDER, omitsize=True, title=title, svgclass="qr",
                                lineclass=None, dark="#000", light="#fff")


def module_mm(url: str, printed_mm: float = 25.0) -> float:
    """Size of one module when the code, quiet zone included, is printed `printed_mm` wide."""
    return printed_mm / make(url).symbol_size(border=BORDER)[0]


def png(url: str, path, *, scale: int = 10) -> None:
    make(url).save(str(path), scale=scale, border=BORDER, dark="#000", light="#fff")


# --------------------------------------------------------------- the fast encoder

_LEVEL = consts.ERROR_LEVEL_M
_ALNUM = frozenset(consts.ALPHANUMERIC_CHARS.decode("ascii"))
_RUN5 = (re.compile("00000+"), re.compile("11111+"))  # literal prefixes: a fast scan
_DARK_RUN = re.compile("1+")


class _Version:
    """Everything about a symbol version that does not depend on the content, computed once."""

    def __init__(self, version: int):
        self.version = version
        n = self.size = encoder.calc_matrix_size(version)
        # the function patterns, with format and version areas reserved (0) as segno has them
        # while it scores the masks
        base = encoder.make_matrix(n, n)
        encoder.add_finder_patterns(base, n, n)
        encoder.add_alignment_patterns(base, n, n)
        region = [bytearray(row) for row in base]
        region[-8][8] = 0x1  # the dark module is not data
        is_data = [[v > 0x1 for v in row] for row in region]
        self.base = [int("".join("0" if v > 0x1 else str(v) for v in row), 2) for row in base]
        # placement order of the data bits: segno's add_codewords, two-module columns, zigzag
        order = []
        for right in range(n - 1, 0, -2):
            if right <= 6:
                right -= 1
            for vertical in range(n):
                for z in (0, 1):
                    j = right - z
                    upwards = ((right & 2) == 0) ^ (j < 6)
                    i = (n - 1 - vertical) if upwards else vertical
                    if is_data[i][j]:
                        order.append((i, n - 1 - j))  # row, bit position in the row integer
        self.order = order
        # per mask: the XOR pattern of each row (data region only), and of each column
        self.masks = []
        self.col_masks = []
        for fn in encoder.get_data_mask_functions(False):
            rows = [sum(1 << (n - 1 - j) for j in range(n) if is_data[i][j] and fn(i, j)) for i in range(n)]
            cols = [sum(1 << (n - 1 - i) for i in range(n) if is_data[i][j] and fn(i, j)) for j in range(n)]
            self.masks.append(rows)
            self.col_masks.append(cols)
        # per mask: format information, version information and the dark module, set after masking
        self.overlays = []
        for mask in range(8):
            m = [bytearray(n) for _ in range(n)]
            encoder.add_format_info(m, version, _LEVEL, mask)
            encoder.add_version_info(m, version)
            self.overlays.append([int("".join(map(str, row)), 2) for row in m])
        self.blocks = consts.ECC[version][_LEVEL]
        self.capacity = consts.SYMBOL_CAPACITY[version][_LEVEL]  # data bits
        remainder = 0
        if version in (2, 3, 4, 5, 6):
            remainder = 7
        elif version in (14, 15, 16, 17, 18, 19, 20, 28, 29, 30, 31, 32, 33, 34):
            remainder = 3
        elif version in (21, 22, 23, 24, 25, 26, 27):
            remainder = 4
        self.remainder = remainder


@lru_cache(maxsize=None)
def _version(version: int) -> _Version:
    return _Version(version)


def _byte_mode_version(length: int) -> int | None:
    for version in range(1, 41):
        cci = 8 if version < 10 else 16
        if consts.SYMBOL_CAPACITY[version][_LEVEL] >= 4 + cci + 8 * length:
            return version
    return None


def _codewords(data: bytes, v: _Version) -> str:
    """The final message as a bit string: data and error correction codewords, interleaved."""
    cci = 8 if v.version < 10 else 16
    bits = "0100" + format(len(data), f"0{cci}b") + "".join(format(b, "08b") for b in data)
    bits += "0" * min(v.capacity - len(bits), 4)  # terminator
    bits += "0" * (8 - len(bits) % 8)  # as segno pads: a whole zero byte when already on a boundary
    words = [int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)]
    pad = (0xEC, 0x11)
    words += [pad[i % 2] for i in range(v.capacity // 8 - len(words))]  # (the blocks ignore any excess)
    log, exp = consts.GALIOS_LOG, consts.GALIOS_EXP
    data_blocks, error_blocks = [], []
    pos = 0
    for info in v.blocks:
        n_ec = info.num_total - info.num_data
        gen = consts.GEN_POLY[n_ec]
        for _ in range(info.num_blocks):
            block = words[pos:pos + info.num_data]
            pos += info.num_data
            data_blocks.append(block)
            rem = block + [0] * n_ec
            for k in range(len(block)):
                coef = rem[k]
                if coef:
                    lc = log[coef]
                    for t in range(n_ec):
                        rem[k + t + 1] ^= exp[lc + gen[t]]
            error_blocks.append(rem[len(block):])
    out = []
    for blocks in (data_blocks, error_blocks):
        for i in range(max(map(len, blocks))):
            out.extend(b[i] for b in blocks if i < len(b))
    return "".join(format(w, "08b") for w in out) + "0" * v.remainder


def _n3(seq: str, size: int) -> int:
    """segno's finder-like pattern rule (1:1:3:1:1 with four light modules on a side)."""
    count = 0
    idx = seq.find("1011101")
    while idx != -1:
        offset = idx + 7
        if idx in (0, size - 7) or "1" not in seq[max(idx - 4, 0):idx] or "1" not in seq[offset:offset + 4]:
            count += 40
        else:
            offset = idx + 4
        idx = seq.find("1011101", offset)
    return count


def _score(rows: list[int], cols: list[int], n: int) -> int:
    """segno's mask_scores (N1 + N2 + N3 + N4) on a matrix given as row and column integers."""
    fmt = f"0{n}b"
    row_s = [format(r, fmt) for r in rows]
    col_s = [format(c, fmt) for c in cols]
    text = "\n".join(row_s) + "\n" + "\n".join(col_s)
    n1 = 0
    for pattern in _RUN5:
        runs = pattern.findall(text)
        n1 += sum(map(len, runs)) - 2 * len(runs)
    low = (1 << (n - 1)) - 1
    n2 = 0
    prev = None
    for r in rows:
        if prev is not None:
            n2 += (~(r ^ (r >> 1)) & ~(prev ^ (prev >> 1)) & ~(r ^ prev) & low).bit_count()
        prev = r
    n2 *= 3
    n3 = 0
    if "1011101" in text:
        n3 = sum(_n3(s, n) for s in row_s if "1011101" in s) + sum(_n3(s, n) for s in col_s if "1011101" in s)
    dark = sum(r.bit_count() for r in rows)
    percent = float(dark) / (n ** 2)
    n4 = 10 * int(abs(percent * 100 - 50) / 5)
    return n1 + n2 + n3 + n4


def _fast_matrix(url: str) -> list[str] | None:
    """The final matrix as row strings of 0 and 1, or None when segno must do it."""
    if not url.isascii() or all(ch in _ALNUM for ch in url) or url.isdigit():
        return None  # segno would choose numeric or alphanumeric mode
    data = url.encode("ascii")
    version = _byte_mode_version(len(data))
    if version is None:
        return None
    v = _version(version)
    n = v.size
    bits = _codewords(data, v)
    rows = list(v.base)
    for (i, shift), bit in zip(v.order, bits):
        if bit == "1":
            rows[i] |= 1 << shift
    # the columns of the unmasked matrix, as integers (bit n-1-i is row i)
    fmt = f"0{n}b"
    cols = [int("".join(col), 2) for col in zip(*(format(r, fmt) for r in rows))]
    best, best_score, best_rows = None, None, None
    for mask in range(8):
        m_rows = [r ^ x for r, x in zip(rows, v.masks[mask])]
        m_cols = [c ^ x for c, x in zip(cols, v.col_masks[mask])]
        score = _score(m_rows, m_cols, n)
        if best_score is None or score < best_score:
            best, best_score, best_rows = mask, score, m_rows
    return [format(r | o, fmt) for r, o in zip(best_rows, v.overlays[best])]


def _svg(matrix: list[str], title: str) -> str:
    """segno's svg_inline(scale=1, border=4, omitsize=True, svgclass="qr", lineclass=None,
    dark="#000", light="#fff") for a matrix of row strings."""
    size = len(matrix) + 2 * BORDER
    parts = []
    px, py = 0, 0.0
    y = BORDER + 0.5
    for row in matrix:
        for m in _DARK_RUN.finditer(row):
            x1, x2 = BORDER + m.start(), BORDER + m.end()
            dy = y - py
            parts.append(f"{'m' if parts else 'M'}{x1 - px} {int(dy) if int(dy) == dy else dy}h{x2 - x1}")
            px, py = x2, y
        y += 1
    dark = '<path stroke="#000" d="' + "".join(parts) + '"/>'
    light = f'<path fill="#fff" d="M0 0h{size}v{size}h-{size}z"/>'
    paths = "".join(sorted((dark, light), key=len))
    return f'<svg viewBox="0 0 {size} {size}" class="qr"><title>{escape(title)}</title>{paths}</svg>'
