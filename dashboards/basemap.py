"""What a map is drawn on: a tile style from the web, or (offline, the default) the dashboard's own files.

Offline (``white-bg``) the map needs no network. The dashboard serves:

- country outlines (``assets/countries.geojson``);
- glyphs for map text (``glyphs/*.pbf``, signed-distance fields rendered from DejaVu Sans by
  ``scripts/make_glyphs.py``): place names, the names of sites at risk and cluster counts. Map text asks
  for a font stack by name (Plotly asks for 'Open Sans Regular'); every stack is drawn with this one font;
- populated places near the registry's sites (``data/places.csv``: GeoNames towns and the registry's own
  places, written by ``scripts/make_places.py``), as one GeoJSON. Each tier is a layer of the offline
  style that shows from its own zoom: capitals and cities of a million from a continent's view, towns from a
  region's, the smallest places (a mine's road towns) from a province's. MapLibre drops a label that would
  overlap another, so a crowded view stays readable.

A tile style (``carto-positron``, ``open-street-map``) brings its own glyphs and place names; then the
dashboard adds neither outlines nor places.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flask

__all__ = [
    "GLYPHS",
    "GLYPH_STACK",
    "OFFLINE_STYLE",
    "PLACES",
    "PLACE_TIERS",
    "TILELESS",
    "MapBase",
    "PlaceTier",
    "base_layers",
    "blueprint",
    "has_text",
    "map_style",
    "place_features",
]

OFFLINE_STYLE = "white-bg"
GLYPHS = Path(__file__).parent / "glyphs"
PLACES = Path(__file__).parent / "data" / "places.csv"
#: Where the blueprint serves the map's files (under the app's own path prefix).
ROUTE = "/_map"
#: The font stack the offline style's text asks for (any stack gets the bundled font).
GLYPH_STACK = "minewatch sans"
_RANGE = re.compile(r"^(\d+)-(\d+)$")


@dataclass(frozen=True)
class PlaceTier:
    """Places shown from one zoom on: ``min_population`` people or more (capitals always in the first)."""

    name: str
    min_population: int
    min_zoom: float
    text_size: int
    colour: str


#: From the most to the least populous; a place belongs to the first tier it qualifies for.
PLACE_TIERS: tuple[PlaceTier, ...] = (
    PlaceTier("cities", 1_000_000, 2.5, 13, "#3d4852"),
    PlaceTier("towns", 100_000, 4.5, 12, "#4f5b66"),
    PlaceTier("places", 0, 6.0, 11, "#606f7b"),
)


@dataclass(frozen=True)
class MapBase:
    """A map's background: ``style`` (a Plotly map style name), and for the offline style the URLs the
    dashboard serves its outlines, glyphs (``{fontstack}``, ``{range}``) and places at."""

    style: str = OFFLINE_STYLE
    outlines_url: str | None = None
    glyphs_url: str | None = None
    places_url: str | None = None

    @property
    def offline(self) -> bool:
        return self.style == OFFLINE_STYLE

    @classmethod
    def served(cls, style: str, prefix: str, outlines_url: str) -> MapBase:
        """The base for a dashboard whose routes start at ``prefix`` (Dash's requests path prefix)."""
        root = prefix.rstrip("/") + ROUTE
        return cls(
            style=style,
            outlines_url=outlines_url,
            glyphs_url=f"{root}/glyphs/{{fontstack}}/{{range}}.pbf",
            places_url=f"{root}/places.geojson",
        )


#: The offline style with nothing served: a blank map without text (figures built outside a dashboard).
TILELESS = MapBase()


def has_text(base: MapBase) -> bool:
    """Whether the map can draw text (place names, site names, cluster counts): a tile style brings its
    glyphs; the offline style has them when the dashboard serves its files."""
    return not base.offline or _served(base)


def _served(base: MapBase) -> bool:
    return bool(base.outlines_url and base.glyphs_url and base.places_url)


#: Land and borders under everything else of the offline map.
_LAND, _BORDER = "#f2f0eb", "#a8a8a8"


def _place_layers(tier: PlaceTier) -> list[dict[str, Any]]:
    """A tier's places: a dot, and its name above it with a halo the colour of land (legible over a
    border or a road), from the tier's zoom on."""
    shared = {"source": "places", "minzoom": tier.min_zoom, "filter": ["==", ["get", "tier"], tier.name]}
    return [
        {"id": f"places-{tier.name}-dot", "type": "circle", **shared,
         "paint": {"circle-radius": 2.5, "circle-color": tier.colour}},
        {"id": f"places-{tier.name}", "type": "symbol", **shared,
         "layout": {"text-field": ["get", "name"], "text-font": [GLYPH_STACK], "text-size": tier.text_size,
                    "text-anchor": "bottom", "text-offset": [0, -0.25]},
         "paint": {"text-color": tier.colour, "text-halo-color": _LAND, "text-halo-width": 1.2}},
    ]  # fmt: skip


def map_style(base: MapBase) -> str | dict[str, Any]:
    """The style to give Plotly: a tile style by name; offline, a MapLibre style of the dashboard's own
    files (land, borders, places by tier, glyphs), or the plain ``white-bg`` when nothing is served."""
    if not base.offline or not _served(base):
        return base.style
    return {
        "version": 8,
        "glyphs": base.glyphs_url,
        "sources": {
            "countries": {"type": "geojson", "data": base.outlines_url},
            "places": {"type": "geojson", "data": base.places_url},
        },
        "layers": [
            {"id": "background", "type": "background", "paint": {"background-color": "#ffffff"}},
            {"id": "land", "type": "fill", "source": "countries", "paint": {"fill-color": _LAND}},
            {"id": "borders", "type": "line", "source": "countries",
             "paint": {"line-color": _BORDER, "line-width": 0.7}},
            *(layer for tier in PLACE_TIERS for layer in _place_layers(tier)),
        ],
    }  # fmt: skip


def base_layers(base: MapBase) -> list[dict[str, Any]]:
    """Plotly layers under the traces: country outlines for an offline map whose style cannot carry them
    (only outlines served); none otherwise (a served style has them, a tile style its own)."""
    if not base.offline or _served(base) or not base.outlines_url:
        return []
    outlines = {"source": base.outlines_url, "sourcetype": "geojson", "below": "traces"}
    return [
        {**outlines, "type": "fill", "color": _LAND},
        {**outlines, "type": "line", "color": _BORDER, "line": {"width": 0.7}},
    ]


# ---- the files ----------------------------------------------------------------------------------------
@functools.cache
def _places() -> tuple[dict[str, Any], ...]:
    with PLACES.open(encoding="utf-8", newline="") as rows:
        return tuple(csv.DictReader(rows))


def _tier_of(place: dict[str, Any]) -> str:
    people = int(place["population"]) if place.get("population") else 0
    if place.get("kind") == "capital":
        return PLACE_TIERS[0].name
    return next(t.name for t in PLACE_TIERS if people >= t.min_population)


@functools.cache
def place_features() -> dict[str, Any]:
    """The bundled places as a GeoJSON FeatureCollection: name, country, population and tier."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(p["lon"]), float(p["lat"])]},
            "properties": {
                "name": p["name"],
                "country": p["country"],
                "population": int(p["population"]) if p["population"] else None,
                "tier": _tier_of(p),
            },
        }
        for p in _places()
    ]
    return {"type": "FeatureCollection", "features": features}


def _glyph_range(text: str) -> bytes | None:
    match = _RANGE.match(text)
    if match is None:
        return None
    path = GLYPHS / f"{int(match[1])}-{int(match[2])}.pbf"
    return path.read_bytes() if path.is_file() else None


def blueprint(prefix: str = "/") -> flask.Blueprint:
    """The routes of the map's files under ``prefix`` (Dash's routes path prefix): glyph ranges (any font
    stack) and the places. A glyph range the dashboard does not bundle is an empty set of glyphs, which
    MapLibre draws as nothing."""
    routes = flask.Blueprint("map_files", __name__, url_prefix=prefix.rstrip("/") + ROUTE)

    @routes.get("/glyphs/<path:fontstack>/<glyph_range>.pbf")
    def glyphs(fontstack: str, glyph_range: str) -> flask.Response:
        if _RANGE.match(glyph_range) is None:
            flask.abort(404)
        body = _glyph_range(glyph_range) or b""
        response = flask.Response(body, mimetype="application/x-protobuf")
        response.cache_control.public = True
        response.cache_control.max_age = 86400
        return response

    @routes.get("/places.geojson")
    def places() -> flask.Response:
        response = flask.Response(json.dumps(place_features()), mimetype="application/geo+json")
        response.cache_control.public = True
        response.cache_control.max_age = 86400
        return response

    return routes
