"""Write dashboards/glyphs/*.pbf: the glyphs the offline maps draw their text with (place names, site names,
cluster counts), so map text needs no font server.

MapLibre draws map text from signed-distance-field glyphs fetched in ranges of 256 code points
(``{range}.pbf``: a protobuf ``glyphs { stacks { name, range, glyphs { id, bitmap, width, height, left, top,
advance } } }``). This script renders them from a TrueType font:

- each glyph's outline (quadratic and cubic curves cut into short lines) at 24 px to the em, the size
  MapLibre lays text out at;
- its bitmap: the glyph's box plus a 3 px border, each pixel holding the signed distance from its centre
  to the outline (negative inside, by the non-zero winding rule), as ``255 - 255 * (d / 8 + 0.25)``
  clipped to a byte: the outline sits at 191, the value MapLibre's text shader cuts at;
- ``top`` is the glyph's height above the baseline less 26 px: MapLibre places server glyphs from an
  origin about one ascender above the baseline.

Only the ranges that the bundled place names, the registry's site names and ASCII need are written (the
test ``tests/dashboards/test_basemap.py`` holds every such character to a glyph). Not run by the tests or
at run time; run it again when those names gain a character of a new range. Needs ``fonttools``, which
minewatch does not depend on, and the DejaVu Sans font (Debian: fonts-dejavu-core)::

    .venv/bin/pip install fonttools==4.68.0 && .venv/bin/python scripts/make_glyphs.py
"""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from fontTools.pens.basePen import BasePen  # type: ignore[import-not-found]
from fontTools.ttLib import TTFont  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor import sites  # noqa: E402

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
OUT = ROOT / "dashboards" / "glyphs"
PLACES = ROOT / "dashboards" / "data" / "places.csv"
EM_PX = 24
BORDER = 3
RADIUS = 8.0
CUTOFF = 0.25
TOP_ORIGIN = 26
CURVE_STEPS = 8


class _Outline(BasePen):  # type: ignore[misc]
    """A glyph's contours as line segments (curves cut into ``CURVE_STEPS`` lines each)."""

    def __init__(self, glyphs: object) -> None:
        super().__init__(glyphs)
        self.segments: list[tuple[float, float, float, float]] = []
        self._start: tuple[float, float] | None = None
        self._at: tuple[float, float] | None = None

    def _line(self, to: tuple[float, float]) -> None:
        assert self._at is not None
        if to != self._at:
            self.segments.append((*self._at, *to))
        self._at = to

    def _moveTo(self, pt: tuple[float, float]) -> None:
        self._start = self._at = pt

    def _lineTo(self, pt: tuple[float, float]) -> None:
        self._line(pt)

    def _curveToOne(self, p1: tuple[float, float], p2: tuple[float, float], p3: tuple[float, float]) -> None:
        p0 = np.array(self._at)
        for t in np.linspace(0, 1, CURVE_STEPS + 1)[1:]:
            point = (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * np.array(p1)
            self._line(tuple(point + 3 * (1 - t) * t**2 * np.array(p2) + t**3 * np.array(p3)))

    def _qCurveToOne(self, p1: tuple[float, float], p2: tuple[float, float]) -> None:
        p0 = np.array(self._at)
        for t in np.linspace(0, 1, CURVE_STEPS + 1)[1:]:
            self._line(tuple((1 - t) ** 2 * p0 + 2 * (1 - t) * t * np.array(p1) + t**2 * np.array(p2)))

    def _closePath(self) -> None:
        if self._start is not None and self._at != self._start:
            self._line(self._start)
        self._start = self._at = None

    _endPath = _closePath


def _sdf(segments: np.ndarray, left: int, top: int, width: int, height: int) -> np.ndarray:
    """The glyph's bitmap: ``(height + 2 * BORDER) x (width + 2 * BORDER)`` signed distances as bytes."""
    cols = np.arange(width + 2 * BORDER) + left - BORDER + 0.5
    rows = top + BORDER - np.arange(height + 2 * BORDER) - 0.5
    px, py = (a.ravel()[:, None] for a in np.meshgrid(cols, rows))
    ax, ay, bx, by = (segments[:, k][None, :] for k in range(4))
    dx, dy = bx - ax, by - ay
    length2 = np.maximum(dx * dx + dy * dy, 1e-12)
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0.0, 1.0)
    distance = np.sqrt((ax + t * dx - px) ** 2 + (ay + t * dy - py) ** 2).min(axis=1)
    side = dx * (py - ay) - (px - ax) * dy  # > 0: the point is left of the segment
    up = (ay <= py) & (by > py) & (side > 0)
    down = (by <= py) & (ay > py) & (side < 0)
    winding = (up.astype(int) - down.astype(int)).sum(axis=1)
    signed = np.where(winding != 0, -distance, distance)
    values = np.clip(np.round(255 - 255 * (signed / RADIUS + CUTOFF)), 0, 255)
    return values.astype(np.uint8).reshape(len(rows), len(cols))


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, value: int | bytes, signed: bool = False) -> bytes:
    if isinstance(value, bytes):
        return _varint(number << 3 | 2) + _varint(len(value)) + value
    encoded = (value << 1) ^ (value >> 63) if signed else value  # zigzag for sint32
    return _varint(number << 3) + _varint(encoded & 0xFFFFFFFFFFFFFFFF)


def _glyph(font: TTFont, code: int, name: str) -> bytes:
    glyphs = font.getGlyphSet()
    scale = EM_PX / font["head"].unitsPerEm
    pen = _Outline(glyphs)
    glyphs[name].draw(pen)
    advance = round(font["hmtx"][name][0] * scale)
    fields = [_field(1, code)]
    if not pen.segments:  # a space: an advance, no bitmap
        fields += [_field(3, 0), _field(4, 0), _field(5, 0, True), _field(6, -TOP_ORIGIN, True)]
        return b"".join([*fields, _field(7, advance)])
    segments = np.array(pen.segments, dtype=float) * scale
    xs, ys = segments[:, [0, 2]], segments[:, [1, 3]]
    left, right = int(np.floor(xs.min())), int(np.ceil(xs.max()))
    bottom, top = int(np.floor(ys.min())), int(np.ceil(ys.max()))
    width, height = right - left, top - bottom
    bitmap = _sdf(segments, left, top, width, height).tobytes()
    return b"".join([*fields, _field(2, bitmap), _field(3, width), _field(4, height), _field(5, left, True),
                     _field(6, top - TOP_ORIGIN, True), _field(7, advance)])  # fmt: skip


def needed_ranges() -> list[int]:
    """The first code point of each 256-point range that ASCII, the place names and site names use."""
    text = "".join(chr(c) for c in range(32, 127))
    with PLACES.open(encoding="utf-8") as rows:
        text += "".join(r["name"] for r in csv.DictReader(rows))
    text += "".join(str(s["name"]) for s in sites.load_bundled(datetime.now(UTC)).rows)
    return sorted({ord(c) // 256 * 256 for c in text})


def main() -> None:
    font = TTFont(str(FONT))
    cmap = font.getBestCmap()
    OUT.mkdir(parents=True, exist_ok=True)
    for start in needed_ranges():
        end = start + 255
        glyphs = [_glyph(font, code, cmap[code]) for code in range(start, end + 1) if code in cmap]
        stack = _field(1, b"minewatch sans") + _field(2, f"{start}-{end}".encode())
        stack += b"".join(_field(3, g) for g in glyphs)
        path = OUT / f"{start}-{end}.pbf"
        path.write_bytes(_field(1, stack))
        print(f"{path.relative_to(ROOT)}: {len(glyphs)} glyphs, {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
