"""The offline map's own files: glyphs for every character the maps write, and places near every site."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from dashboards import basemap
from monitor import geo, sites

REGISTRY = [s for s in sites.load_bundled(datetime(2026, 1, 1, tzinfo=UTC)).rows if s.get("lat") is not None]


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def _fields(data: bytes) -> list[tuple[int, Any]]:
    """A protobuf message's (field number, value) pairs: varints as ints, length-delimited as bytes."""
    out, at = [], 0
    while at < len(data):
        key, at = _varint(data, at)
        if key & 7 == 0:
            value, at = _varint(data, at)
        else:
            size, at = _varint(data, at)
            value, at = data[at : at + size], at + size
        out.append((key >> 3, value))
    return out


def _glyphs() -> dict[int, dict[int, Any]]:
    """Every bundled glyph by code point: its fields (1 id, 2 bitmap, 3 width, 4 height, 5 left, 6 top,
    7 advance)."""
    out = {}
    for path in sorted(basemap.GLYPHS.glob("*.pbf")):
        [(_, stack)] = _fields(path.read_bytes())
        for number, value in _fields(stack):
            if number == 3:
                glyph = dict(_fields(value))
                out[glyph[1]] = glyph
    return out


GLYPHS = _glyphs()


def test_every_character_of_every_place_and_site_name_has_a_glyph() -> None:
    names = [str(p["name"]) for p in basemap._places()] + [str(s["name"]) for s in REGISTRY]
    missing = sorted({c for name in names for c in name if ord(c) not in GLYPHS})
    assert missing == [], f"run scripts/make_glyphs.py: no glyph for {missing}"
    assert all(ord(d) in GLYPHS for d in "0123456789")  # cluster counts


def test_each_glyph_bitmap_is_its_box_plus_a_three_pixel_border_with_the_outline_at_191() -> None:
    for code, glyph in GLYPHS.items():
        width, height = glyph[3], glyph[4]
        bitmap = glyph.get(2, b"")
        assert len(bitmap) == ((width + 6) * (height + 6) if width else 0), chr(code)
    letter = GLYPHS[ord("H")]
    rows = np.frombuffer(letter[2], dtype=np.uint8).reshape(letter[4] + 6, letter[3] + 6)
    assert rows[0].max() < 191 and rows[:, 0].max() < 191  # the border is outside the letter
    assert rows.max() > 191  # its strokes are inside
    assert GLYPHS[ord(" ")][7] > 0 and not GLYPHS[ord(" ")].get(2)  # a space advances, drawing nothing


def test_every_located_site_has_a_named_place_within_reach() -> None:
    places = basemap._places()
    lat = np.array([float(p["lat"]) for p in places])
    lon = np.array([float(p["lon"]) for p in places])
    far = {
        str(s["id"]): round(float(geo.haversine_km(lat, lon, s["lat"], s["lon"]).min()))
        for s in REGISTRY
        if geo.haversine_km(lat, lon, s["lat"], s["lon"]).min() > 400
    }
    assert far == {}, f"run scripts/make_places.py: sites with no place within 400 km: {far}"


@pytest.mark.parametrize(
    ("name", "tier"),
    [("Kinshasa", "cities"), ("Kigali", "cities"), ("Lubumbashi", "cities"), ("Goma", "towns"),
     ("Walikale", "places")],
)  # fmt: skip
def test_places_show_from_the_zoom_of_their_tier(name: str, tier: str) -> None:
    features = basemap.place_features()["features"]
    assert {f["properties"]["tier"] for f in features if f["properties"]["name"] == name} == {tier}


def test_place_features_are_points_in_longitude_latitude_order() -> None:
    [goma] = [f for f in basemap.place_features()["features"] if f["properties"]["name"] == "Goma"]
    lon, lat = goma["geometry"]["coordinates"]
    assert (round(lat, 1), round(lon, 1)) == (-1.7, 29.2)
    assert goma["properties"]["country"] == "CD"
