"""The site registry: the bundled CSV of real mine sites, user site CSVs, and their rows in the store.

A sites CSV has one row per site. Required columns: ``id,name,operator,country,commodity,lat,lon``
(``lat``/``lon`` may both be empty for a site without a reliable point; ``operator`` may be empty).
Optional columns: ``commodities`` (``;``-separated), ``coord_precision_km``, ``coord_source``,
``annual_output_t``, ``output_year``, ``world_share`` (0-1), ``aliases`` (``;``-separated), ``places``
(``name:lat:lon;...``), ``route`` (``lat:lon;...`` waypoints), ``route_name``, ``status`` (operating |
halted | care_and_maintenance), ``source``, ``notes``. Other columns are reported and ignored; a bad row is
rejected with its line number and the reason, and the good rows are kept.

Parsing is pure; only ``sync_sites`` and ``sites_frame`` touch the store.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any

import pandas as pd
import pycountry
import sqlalchemy as sa

from feeds.rows import RejectedRow
from monitor import models
from monitor.dialect import naive_utc
from monitor.domain import SITE_STATUSES
from monitor.errors import InputError
from monitor.store import Store

__all__ = [
    "COMMODITY_COLUMNS",
    "FRAME_COLUMNS",
    "SITE_COLUMNS",
    "SITE_COLUMNS_OPTIONAL",
    "SITE_COLUMNS_REQUIRED",
    "SitesParse",
    "commodities_frame",
    "load_bundled",
    "parse_sites_csv",
    "sites_frame",
    "sync_sites",
]

SITE_COLUMNS_REQUIRED: tuple[str, ...] = ("id", "name", "operator", "country", "commodity", "lat", "lon")
SITE_COLUMNS_OPTIONAL: tuple[str, ...] = (
    "commodities", "coord_precision_km", "coord_source", "annual_output_t", "output_year", "world_share",
    "aliases", "places", "route", "route_name", "status", "status_since", "source", "notes",
)  # fmt: skip
SITE_COLUMNS: tuple[str, ...] = SITE_COLUMNS_REQUIRED + SITE_COLUMNS_OPTIONAL
#: Columns of the store's ``site`` table, in model order (what ``sites_frame`` returns).
FRAME_COLUMNS: tuple[str, ...] = tuple(c.name for c in models.Site.__table__.columns)  # type: ignore[attr-defined]
COMMODITY_COLUMNS: tuple[str, ...] = ("commodity", "world_production_t", "year", "unit", "source")

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_COMMODITY = re.compile(r"^[a-z][a-z0-9_]*$")
_TEXT_COLUMNS = ("name", "operator", "coord_source", "route_name", "source", "notes")


@dataclass(frozen=True)
class SitesParse:
    """Rows ready for ``store.upsert(models.Site, rows, key=("id",))``, rejected rows, and ignored columns."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RejectedRow] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)


class _Bad(ValueError):
    """One cell cannot be used; the message names the column and the value."""


def _iso_alpha2() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


_COUNTRIES = _iso_alpha2()


def _float(column: str, text: str, low: float | None = None, high: float | None = None) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise _Bad(f"{column} {text!r} is not a number") from None
    if not math.isfinite(value) or (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise _Bad(f"{column} {text!r} is out of range (must be {bounds})")
    return value


def _int(column: str, text: str, low: int, high: int) -> int | None:
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise _Bad(f"{column} {text!r} is not a whole number") from None
    if not low <= value <= high:
        raise _Bad(f"{column} {text!r} is out of range ({low}-{high})")
    return value


def _coord(column: str, text: str, limit: float) -> float:
    value = _float(column, text.strip(), -limit, limit)
    if value is None:
        raise _Bad(f"{column} is empty")
    return value


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _places(text: str) -> list[dict[str, Any]]:
    places = []
    for item in _split(text):
        parts = item.rsplit(":", 2)
        if len(parts) != 3 or not parts[0].strip():
            raise _Bad(f"places item {item!r} is not name:lat:lon")
        try:
            lat = _coord("places latitude", parts[1], 90.0)
            lon = _coord("places longitude", parts[2], 180.0)
        except _Bad as exc:
            raise _Bad(f"places item {item!r}: {exc}") from None
        places.append({"name": parts[0].strip(), "lat": lat, "lon": lon})
    return places


def _route(text: str) -> list[list[float]]:
    route = []
    for item in _split(text):
        parts = item.split(":")
        if len(parts) != 2:
            raise _Bad(f"route waypoint {item!r} is not lat:lon")
        try:
            lat = _coord("route latitude", parts[0], 90.0)
            lon = _coord("route longitude", parts[1], 180.0)
        except _Bad as exc:
            raise _Bad(f"route waypoint {item!r}: {exc}") from None
        route.append([lat, lon])
    if len(route) == 1:
        raise _Bad(f"route {text!r} has one waypoint (needs at least two)")
    return route


def _site_row(raw: dict[str, str], origin: str) -> dict[str, Any]:
    """One CSV record -> one typed site row; raises _Bad naming the first unusable cell."""
    cell = {c: (raw.get(c) or "").strip() for c in SITE_COLUMNS}
    for column in ("id", "name", "country", "commodity"):
        if not cell[column]:
            raise _Bad(f"{column} is empty")
    site_id = cell["id"]
    if not _SLUG.match(site_id):
        raise _Bad(f"id {site_id!r} is not a slug (lower-case letters, digits, '_' or '-')")
    country = cell["country"].upper()
    if country not in _COUNTRIES:
        raise _Bad(f"country {cell['country']!r} is not an ISO 3166-1 alpha-2 code")
    commodity = cell["commodity"].lower()
    if not _COMMODITY.match(commodity):
        raise _Bad(f"commodity {cell['commodity']!r} is not a key like 'tin' or 'rare_earths'")
    if bool(cell["lat"]) != bool(cell["lon"]):
        empty, given = ("lon", "lat") if cell["lat"] else ("lat", "lon")
        raise _Bad(f"{empty} is empty but {given} is {cell[given]!r} (give both or neither)")
    commodities = [c.lower() for c in _split(cell["commodities"])]
    status = cell["status"].lower() or "operating"
    if status not in SITE_STATUSES:
        raise _Bad(f"status {cell['status']!r} is not one of {', '.join(SITE_STATUSES)}")
    return {
        "id": site_id,
        **{c: cell[c] for c in _TEXT_COLUMNS},
        "country": country,
        "commodity": commodity,
        "commodities": ";".join(commodities if commodity in commodities else [commodity, *commodities]),
        "lat": _float("lat", cell["lat"], -90.0, 90.0),
        "lon": _float("lon", cell["lon"], -180.0, 180.0),
        "coord_precision_km": _float("coord_precision_km", cell["coord_precision_km"], 0.0),
        "annual_output_t": _float("annual_output_t", cell["annual_output_t"], 0.0),
        "output_year": _int("output_year", cell["output_year"], 1900, 2100),
        "world_share": _float("world_share", cell["world_share"], 0.0, 1.0),
        "aliases": _split(cell["aliases"]),
        "places": _places(cell["places"]),
        "route": _route(cell["route"]),
        "status": status,
        "status_since": _day("status_since", cell["status_since"]),
        "origin": origin,
    }


def _day(column: str, text: str) -> dt.date | None:
    """An optional ISO date cell."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _Bad(f"{column} {text!r} is not a date like 2025-03-14") from None


def parse_sites_csv(text: str, origin: str, now: datetime | None = None) -> SitesParse:
    """Parse a sites CSV; rows get ``origin`` and, when ``now`` is given, ``updated_at`` (naive UTC).

    Raises InputError when the header lacks required columns; row problems go to ``errors``.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [(name or "").strip() for name in (reader.fieldnames or [])]
    if not header:
        raise InputError("the sites CSV is empty (no header row)")
    reader.fieldnames = header
    missing = [c for c in SITE_COLUMNS_REQUIRED if c not in header]
    if missing:
        raise InputError(f"the sites CSV lacks required columns: {', '.join(missing)}")
    unknown = [c for c in header if c and c not in SITE_COLUMNS]
    stamp = {"updated_at": naive_utc(now)} if now is not None else {}
    rows: list[dict[str, Any]] = []
    errors: list[RejectedRow] = []
    first_line: dict[str, int] = {}
    for raw in reader:
        extra = [v for v in raw.pop(None, None) or [] if v.strip()]  # type: ignore[call-overload]
        cells = [raw.get(c) or "" for c in header]
        # A quoted cell may span lines: the record starts that many lines before where the reader stands.
        line = reader.line_num - sum(v.count("\n") for v in cells)
        if not extra and not any(v.strip() for v in cells):
            continue
        try:
            if extra:
                raise _Bad(f"the row has {len(extra)} more cells than the header")
            row = _site_row(raw, origin)
            if row["id"] in first_line:
                raise _Bad(f"id {row['id']!r} is a duplicate (first on line {first_line[row['id']]})")
        except _Bad as exc:
            errors.append(RejectedRow(ref=f"line {line}", reason=str(exc), raw=",".join(cells + extra)))
            continue
        first_line[row["id"]] = line
        rows.append({**row, **stamp})
    return SitesParse(rows=rows, errors=errors, unknown_columns=unknown)


def _read_data(name: str) -> str:
    return resources.files("monitor").joinpath("data", name).read_text(encoding="utf-8")


def load_bundled(now: datetime) -> SitesParse:
    """The registry shipped with minewatch (``monitor/data/sites.csv``), stamped with ``now``."""
    return parse_sites_csv(_read_data("sites.csv"), origin="bundled", now=now)


def sync_sites(store: Store, parse: SitesParse, now: datetime) -> int:
    """Upsert the parsed sites by id (a later row with the same id wins); return how many were written."""
    latest: dict[str, dict[str, Any]] = {}
    for row in parse.rows:
        latest[row["id"]] = {**row, "updated_at": row.get("updated_at") or naive_utc(now)}
    return store.upsert(models.Site, list(latest.values()), key=("id",))


def sites_frame(store: Store) -> pd.DataFrame:
    """Every stored site with all its columns; aliases, places and route as Python lists."""
    table = models.Site.__table__  # type: ignore[attr-defined]
    with store.engine.connect() as conn:
        records = [dict(r) for r in conn.execute(sa.select(table).order_by(table.c.id)).mappings()]
    frame = pd.DataFrame.from_records(records, columns=list(FRAME_COLUMNS))
    for column in ("lat", "lon", "coord_precision_km", "annual_output_t", "world_share"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["output_year"] = frame["output_year"].astype("Int64")
    return frame


def commodities_frame(read: Callable[[str], str] = _read_data) -> pd.DataFrame:
    """World mine production per commodity (bundled CSV), so supply at risk can be given in % of world."""
    frame = pd.read_csv(
        io.StringIO(read("commodities.csv")), dtype={"commodity": str, "unit": str, "source": str}
    )
    frame = frame.reindex(columns=list(COMMODITY_COLUMNS))
    frame["world_production_t"] = pd.to_numeric(frame["world_production_t"], errors="coerce").astype(float)
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce").astype("Int64")
    for column in ("commodity", "unit", "source"):
        frame[column] = frame[column].fillna("").astype(str)
    return frame
