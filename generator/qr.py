"""QR codes that encode a page's permanent absolute URL, as inline SVG.

Error correction M (survives a worn or partly covered print) and the 4-module quiet
zone, drawn white inside the code itself so that it is kept on any background. A
page's URL (site_url + /<village>/<item>/) gives a version 4 symbol, 33 modules:
printed at 2.5 cm with its quiet zone, a module is 0.6 mm, which a phone reads
easily (see `module_mm`, checked by tests/test_qr.py).

A district has ~14,000 codes, a city ten times as many. segno encodes one in ~4 ms,
most of it spent choosing the data mask (eight candidate masks, each scored module by
module in Python), which made QR codes 80 % of a clean build. `svg` therefore encodes
URLs itself, ~6× faster, with the whole matrix held as one integer: a mask is one XOR
and the penalty rules work on whole rows and columns. It follows segno's encoder step
for step (same mode, version, codewords and padding, placement, mask scores and
tie-break, same SVG text) and uses segno's own tables and function patterns, so its
output is byte-identical to segno's (tests/test_fast_paths.py compares them over
hundreds of URLs of every length); what is outside its scope (content segno would not
encode in byte mode) goes to segno. Recent codes are memoised (printing asks for the
same URL more than once).
"""
from __future__ import annotations

import operator
import re
from functools import lru_cache
from xml.sax.saxutils import escape

import segno
from segno import consts, encoder

ERROR = "m"
BORDER = 4  # the quiet zone, in modules, that the QR standard asks for


def make(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR, boost_error=False, micro=False)


@lru_cache(maxsize=4096)  # bounded: in a build every page's URL is different, a city has 140,000
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
#
# The matrix is one integer, row-major (bit n*n-1 is the top left module), and once more
# column-major, so that a data mask is one XOR, the 2×2-block rule a few shifts and ANDs,
# the dark-module count one popcount, and the run and finder-like-pattern rules one scan
# of a text of all rows and columns.

_LEVEL = consts.ERROR_LEVEL_M
_ALNUM = frozenset(consts.ALPHANUMERIC_CHARS.decode("ascii"))
_RUN5 = (re.compile("00000+"), re.compile("11111+"))  # literal prefixes: a fast scan
_RUNS = re.compile("(0*)(1+)")  # light modules, then a run of dark ones
_SEGMENTS: dict[tuple[int, int], str] = {}
_FINDER_LIKE = "1011101"


def _bits(cells) -> int:
    return int("".join("1" if c else "0" for c in cells), 2)


class _Version:
    """Everything about a symbol version that does not depend on the content, computed once."""

    def __init__(self, version: int):
        self.version = version
        n = self.size = encoder.calc_matrix_size(version)
        # the function patterns, with format and version areas reserved (0), as segno has them
        # while it scores the masks
        base = encoder.make_matrix(n, n)
        encoder.add_finder_patterns(base, n, n)
        encoder.add_alignment_patterns(base, n, n)
        region = [bytearray(row) for row in base]
        region[-8][8] = 0x1  # the dark module is not data
        is_data = [[v > 0x1 for v in row] for row in region]
        # placement order of the data bits: segno's add_codewords, two-module columns, zigzag
        index = {}
        for right in range(n - 1, 0, -2):
            if right <= 6:
                right -= 1
            for vertical in range(n):
                for z in (0, 1):
                    j = right - z
                    upwards = ((right & 2) == 0) ^ (j < 6)
                    i = (n - 1 - vertical) if upwards else vertical
                    if is_data[i][j] and (i, j) not in index:
                        index[(i, j)] = len(index)
        self.data_modules = k = len(index)
        # where each module comes from: a data bit, or the constant "0"/"1" appended after them

        def source(i, j):
            return index[(i, j)] if is_data[i][j] else k + (base[i][j] == 0x1)

        cells = range(n)
        self.rows_from = operator.itemgetter(*(source(i, j) for i in cells for j in cells))
        self.cols_from = operator.itemgetter(*(source(i, j) for j in cells for i in cells))
        masks = encoder.get_data_mask_functions(False)
        self.row_masks = [_bits(is_data[i][j] and fn(i, j) for i in cells for j in cells) for fn in masks]
        self.col_masks = [_bits(is_data[i][j] and fn(i, j) for j in cells for i in cells) for fn in masks]
        # per mask: format information, version information and the dark module, set after masking
        self.overlays = []
        for mask in range(8):
            m = [bytearray(n) for _ in cells]
            encoder.add_format_info(m, version, _LEVEL, mask)
            encoder.add_version_info(m, version)
            self.overlays.append(_bits(m[i][j] for i in cells for j in cells))
        # 2×2 blocks: a module with a left and an upper neighbour
        self.block_cells = _bits(i > 0 and j > 0 for i in cells for j in cells)
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


@lru_cache(maxsize=None)
def _rs_table(n_ec: int) -> tuple[int, ...]:
    """For each byte f, f × the generator polynomial (without its leading term), as one integer."""
    log, exp, gen = consts.GALIOS_LOG, consts.GALIOS_EXP, consts.GEN_POLY[n_ec]
    return tuple(int.from_bytes(bytes(exp[log[f] + g] for g in gen), "big") if f else 0 for f in range(256))


def _rs(block: list[int], n_ec: int) -> bytes:
    """Error correction codewords of a block: the remainder of block·x^n_ec divided by the
    generator polynomial, as a shift register on one integer."""
    table = _rs_table(n_ec)
    top = 8 * (n_ec - 1)
    full = (1 << (8 * n_ec)) - 1
    rem = 0
    for b in block:
        rem = ((rem << 8) & full) ^ table[b ^ (rem >> top)]
    return rem.to_bytes(n_ec, "big")


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
    words = list(int(bits, 2).to_bytes(len(bits) // 8, "big"))
    pad = (0xEC, 0x11)
    words += [pad[i % 2] for i in range(v.capacity // 8 - len(words))]  # (the blocks ignore any excess)
    data_blocks, error_blocks = [], []
    pos = 0
    for info in v.blocks:
        n_ec = info.num_total - info.num_data
        for _ in range(info.num_blocks):
            block = words[pos:pos + info.num_data]
            pos += info.num_data
            data_blocks.append(block)
            error_blocks.append(_rs(block, n_ec))
    out = bytearray()
    for blocks in (data_blocks, error_blocks):
        for i in range(max(map(len, blocks))):
            out.extend(b[i] for b in blocks if i < len(b))
    return format(int.from_bytes(out, "big"), f"0{8 * len(out)}b") + "0" * v.remainder


def _lines(matrix: int, n: int) -> list[str]:
    text = format(matrix, f"0{n * n}b")
    return [text[i:i + n] for i in range(0, n * n, n)]


def _n3(text: str, n: int) -> int:
    """segno's finder-like pattern rule (1:1:3:1:1 with four light modules on one side), on
    lines of n modules separated by one character."""
    count = 0
    idx = text.find(_FINDER_LIKE)
    while idx != -1:
        start = idx - idx % (n + 1)  # the line's first module
        at = idx - start
        offset = idx + 7
        if at in (0, n - 7) or "1" not in text[max(idx - 4, start):idx] \
                or "1" not in text[offset:min(offset + 4, start + n)]:
            count += 40
        else:
            offset = idx + 4
        idx = text.find(_FINDER_LIKE, offset)
    return count


def _score(rows: int, cols: int, v: _Version) -> int:
    """segno's mask_scores (N1 + N2 + N3 + N4) of a masked matrix (row- and column-major)."""
    n = v.size
    text = "\n".join(_lines(rows, n)) + "\n" + "\n".join(_lines(cols, n))
    n1 = 0
    for pattern in _RUN5:
        runs = pattern.findall(text)
        n1 += sum(map(len, runs)) - 2 * len(runs)
    same_left = ~(rows ^ (rows >> 1))
    n2 = 3 * (same_left & (same_left >> n) & ~(rows ^ (rows >> n)) & v.block_cells).bit_count()
    n3 = _n3(text, n) if _FINDER_LIKE in text else 0
    percent = float(rows.bit_count()) / (n ** 2)
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
    source = _codewords(data, v) + "01"
    rows = int("".join(v.rows_from(source)), 2)
    cols = int("".join(v.cols_from(source)), 2)
    best, best_score = 0, None
    for mask in range(8):
        score = _score(rows ^ v.row_masks[mask], cols ^ v.col_masks[mask], v)
        if best_score is None or score < best_score:
            best, best_score = mask, score
    return _lines((rows ^ v.row_masks[best]) | v.overlays[best], v.size)


def _svg(matrix: list[str], title: str) -> str:
    """segno's svg_inline(scale=1, border=4, omitsize=True, svgclass="qr", lineclass=None,
    dark="#000", light="#fff") for a matrix of row strings: one horizontal line per run of
    dark modules, each drawn relative to the end of the one before."""
    n = len(matrix)
    size = n + 2 * BORDER
    parts = []
    px, pr = None, 0
    for r, row in enumerate(matrix):
        runs = _RUNS.findall(row)
        if not runs:
            continue
        gap, dark = runs[0]
        x1 = BORDER + len(gap)
        if px is None:
            parts.append(f"M{x1} {BORDER + r + 0.5}h{len(dark)}")
        else:
            parts.append(f"m{x1 - px} {r - pr}h{len(dark)}")
        x = x1 + len(dark)
        for gap, dark in runs[1:]:  # the same row: moves of the form m<gap> 0h<length>
            key = (len(gap), len(dark))
            seg = _SEGMENTS.get(key)
            if seg is None:
                seg = _SEGMENTS[key] = f"m{key[0]} 0h{key[1]}"
            parts.append(seg)
            x += key[0] + key[1]
        px, pr = x, r
    dark_path = '<path stroke="#000" d="' + "".join(parts) + '"/>'
    light_path = f'<path fill="#fff" d="M0 0h{size}v{size}h-{size}z"/>'
    paths = "".join(sorted((dark_path, light_path), key=len))
    return f'<svg viewBox="0 0 {size} {size}" class="qr"><title>{escape(title)}</title>{paths}</svg>'
