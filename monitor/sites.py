"""The site registry: the bundled CSV of real mine sites, user site CSVs, and their rows in the store.

A sites CSV has one row per site. Required columns: ``id,name,operator,country,commodity,lat,lon``; every
row needs a point (``lat``, ``lon``) and ``coord_precision_km`` (how far the true point may be: a district
centroid with a large precision is a point too), and commodities named in ``monitor/data/commodities.csv``.
Optional columns: ``commodities`` (``;``-separated, main first), ``coord_source``, ``annual_output_t`` and
``output_year`` (the main commodity's), ``outputs`` (``commodity:tonnes:year;...``, any of the site's
commodities), ``output_source``, ``world_share`` (0-1), ``aliases`` (``;``-separated), ``places``
(``name:lat:lon;...``), ``route`` (``lat:lon;...`` waypoints), ``route_name``, ``route_source``, ``status``
(operating | halted | care_and_maintenance), ``status_since``, ``status_source``, ``source``, ``notes``.
Other columns are reported and ignored; a bad row is rejected with its line number and every problem it
has (``; ``-separated), and the good rows are kept. ``export_table`` writes the stored registry back in
these columns.

Parsing is pure; only ``sync_sites`` and ``sites_frame`` touch the store.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pycountry
import sqlalchemy as sa
import yaml

from feeds.rows import RejectedRow
from monitor import matching, models, supply
from monitor.config import MatchingSettings
from monitor.dialect import naive_utc
from monitor.domain import SITE_STATUSES
from monitor.errors import InputError
from monitor.plain import plain
from monitor.store import Store

__all__ = [
    "COMMODITY_COLUMNS",
    "COVERAGE_COLUMNS",
    "FRAME_COLUMNS",
    "SITE_COLUMNS",
    "SITE_COLUMNS_OPTIONAL",
    "SITE_COLUMNS_REQUIRED",
    "RegistryMeta",
    "SitesParse",
    "commodities_frame",
    "coverage",
    "export_table",
    "load_bundled",
    "parse_site_records",
    "parse_sites_csv",
    "reach",
    "registry_meta",
    "site_frame",
    "sites_frame",
    "sync_sites",
]

SITE_COLUMNS_REQUIRED: tuple[str, ...] = ("id", "name", "operator", "country", "commodity", "lat", "lon")
SITE_COLUMNS_OPTIONAL: tuple[str, ...] = (
    "commodities", "coord_precision_km", "coord_source", "annual_output_t", "output_year", "outputs",
    "output_source", "world_share", "aliases", "places", "route", "route_name", "route_source", "status",
    "status_since", "status_source", "source", "notes",
)  # fmt: skip
SITE_COLUMNS: tuple[str, ...] = SITE_COLUMNS_REQUIRED + SITE_COLUMNS_OPTIONAL
#: Columns of the store's ``site`` table, in model order (what ``sites_frame`` returns).
FRAME_COLUMNS: tuple[str, ...] = tuple(c.name for c in models.Site.__table__.columns)  # type: ignore[attr-defined]
COMMODITY_COLUMNS: tuple[str, ...] = ("commodity", "world_production_t", "year", "unit", "source")
#: Columns of ``coverage``: per commodity, the registry's output against world mine production.
COVERAGE_COLUMNS: tuple[str, ...] = (
    "commodity", "sites", "sites_output_unknown", "tonnes", "world_production_t", "coverage_pct",
    "target_pct",
)  # fmt: skip

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_TEXT_COLUMNS = (
    "name", "operator", "coord_source", "output_source", "route_name", "route_source", "status_source",
    "source", "notes",
)  # fmt: skip


@dataclass(frozen=True)
class SitesParse:
    """Rows ready for ``store.upsert(models.Site, rows, key=("id",))``, rejected rows, and ignored columns."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RejectedRow] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RegistryMeta:
    """What ``monitor/data/registry.yaml`` says of the bundled registry: when it was researched, how it is
    sourced, and the share of world production it aims to cover per commodity."""

    research_date: dt.date
    sources_policy: str
    coverage_targets_pct: dict[str, float]


#: A record to parse: where it is ("line 3"), its cells by column, its raw cells, a problem found reading it.
_Record = tuple[str, Mapping[str, str | None], list[str], str | None]


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


def _outputs(text: str) -> list[dict[str, Any]]:
    """``commodity:tonnes:year;...`` -> [{commodity, tonnes, year}] (year may be empty)."""
    outputs = []
    for item in _split(text):
        parts = [p.strip() for p in item.split(":")]
        if len(parts) != 3 or not parts[0]:
            raise _Bad(f"outputs item {item!r} is not commodity:tonnes:year")
        try:
            tonnes = _float("tonnes", parts[1], 0.0)
            year = _int("year", parts[2], 1900, 2100)
        except _Bad as exc:
            raise _Bad(f"outputs item {item!r}: {exc}") from None
        if tonnes is None:
            raise _Bad(f"outputs item {item!r} has no tonnes (leave an unknown output out)")
        outputs.append({"commodity": parts[0].lower(), "tonnes": tonnes, "year": year})
    named = [str(o["commodity"]) for o in outputs]
    twice = sorted({c for c in named if named.count(c) > 1})
    if twice:
        raise _Bad(f"outputs names {', '.join(twice)} more than once")
    return outputs


def _day(column: str, text: str) -> dt.date | None:
    """An optional ISO date cell."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _Bad(f"{column} {text!r} is not a date like 2025-03-14") from None


class _Cells:
    """Typed reads of one record's cells, collecting every problem instead of stopping at the first."""

    def __init__(self, raw: Mapping[str, str | None]) -> None:
        self.cell = {c: (raw.get(c) or "").strip() for c in SITE_COLUMNS}
        self.problems: list[str] = []

    def take(self, read: Callable[..., Any], *args: Any, default: Any = None) -> Any:
        try:
            return read(*args)
        except _Bad as exc:
            self.problems.append(str(exc))
            return default


def _site_row(raw: Mapping[str, str | None], origin: str, known: frozenset[str]) -> dict[str, Any]:
    """One CSV record -> one typed site row; raises _Bad naming every unusable cell of the record."""
    cells = _Cells(raw)
    cell, problems = cells.cell, cells.problems
    for column in ("id", "name", "country", "commodity"):
        if not cell[column]:
            problems.append(f"{column} is empty")
    site_id = cell["id"]
    if site_id and not _SLUG.match(site_id):
        problems.append(f"id {site_id!r} is not a slug (lower-case letters, digits, '_' or '-')")
    country = cell["country"].upper()
    if country and country not in _COUNTRIES:
        problems.append(f"country {cell['country']!r} is not an ISO 3166-1 alpha-2 code")
    status = cell["status"].lower() or "operating"
    if status not in SITE_STATUSES:
        problems.append(f"status {cell['status']!r} is not one of {', '.join(SITE_STATUSES)}")
    row = {
        "id": site_id,
        **{c: cell[c] for c in _TEXT_COLUMNS},
        "country": country,
        **_point(cells),
        **_production(cells, known),
        "world_share": cells.take(_float, "world_share", cell["world_share"], 0.0, 1.0),
        "aliases": _split(cell["aliases"]),
        "places": cells.take(_places, cell["places"], default=[]),
        "route": cells.take(_route, cell["route"], default=[]),
        "status": status,
        "status_since": cells.take(_day, "status_since", cell["status_since"]),
        "origin": origin,
    }
    if problems:
        raise _Bad("; ".join(problems))
    return row


def _point(cells: _Cells) -> dict[str, Any]:
    """lat, lon and coord_precision_km: all three are required."""
    cell, problems = cells.cell, cells.problems
    if not cell["lat"] and not cell["lon"]:
        problems.append(
            "no coordinates: lat and lon are empty (every site needs a point, and a district or town "
            "centroid with a large coord_precision_km will do)"
        )
    elif bool(cell["lat"]) != bool(cell["lon"]):
        empty, given = ("lon", "lat") if cell["lat"] else ("lat", "lon")
        problems.append(f"{empty} is empty but {given} is {cell[given]!r} (give both)")
    elif not cell["coord_precision_km"]:
        problems.append("coord_precision_km is empty (how far the true point may be, in km)")
    return {
        "lat": cells.take(_float, "lat", cell["lat"], -90.0, 90.0),
        "lon": cells.take(_float, "lon", cell["lon"], -180.0, 180.0),
        "coord_precision_km": cells.take(_float, "coord_precision_km", cell["coord_precision_km"], 0.0),
    }


def _production(cells: _Cells, known: frozenset[str]) -> dict[str, Any]:
    """commodity, commodities (main first), the main output and its year, and every commodity's output.

    The main commodity and every commodity with an output must be ``known``; ``annual_output_t`` and the
    main commodity's item of ``outputs`` fill each other and, when both are given, must agree.
    """
    cell, problems = cells.cell, cells.problems
    commodity = cell["commodity"].lower()
    commodities = [c.lower() for c in _split(cell["commodities"])]
    commodities = commodities if commodity in commodities or not commodity else [commodity, *commodities]
    odd = [c for c in commodities if not _KEY.match(c)]
    if odd:
        problems.append(f"commodities {', '.join(map(repr, odd))} are not keys like 'tin' or 'rare_earths'")
    outputs = cells.take(_outputs, cell["outputs"], default=[])
    annual = cells.take(_float, "annual_output_t", cell["annual_output_t"], 0.0)
    year = cells.take(_int, "output_year", cell["output_year"], 1900, 2100)
    listed = {o["commodity"]: o for o in outputs}
    outside = [c for c in listed if c not in commodities]
    if outside:
        problems.append(f"outputs names {', '.join(outside)}, not among the site's commodities")
    unknown = [c for c in dict.fromkeys([commodity, *listed]) if c and c not in known]
    if unknown and known:
        problems.append(
            f"unknown commodity {', '.join(unknown)} (the main commodity and those with outputs must be one "
            f"of {', '.join(sorted(known))}, and a new one needs its world production in commodities.csv)"
        )
    main = listed.get(commodity)
    if main is not None and annual is not None and (main["tonnes"] != annual or main["year"] != year):
        problems.append(
            f"annual_output_t {cell['annual_output_t']!r} / output_year {cell['output_year']!r} disagree "
            f"with outputs' {commodity} {main['tonnes']:g} t ({main['year']})"
        )
    if annual is None and main is not None:
        annual, year = main["tonnes"], main["year"]
    if annual is not None and main is None:
        outputs = [{"commodity": commodity, "tonnes": annual, "year": year}, *outputs]
    return {
        "commodity": commodity,
        "commodities": ";".join(commodities),
        "annual_output_t": annual,
        "output_year": year,
        "outputs": sorted(outputs, key=lambda o: _rank(commodities, o["commodity"])),
    }


def _rank(commodities: list[str], commodity: str) -> int:
    """Where a commodity stands in the site's list (main first; unlisted ones last)."""
    return commodities.index(commodity) if commodity in commodities else len(commodities)


def known_commodities(read: Callable[[str], str] | None = None) -> frozenset[str]:
    """The commodity keys of ``commodities.csv`` (what a site may produce)."""
    frame = commodities_frame() if read is None else commodities_frame(read)
    return frozenset(frame["commodity"].str.strip().str.lower())


def parse_site_records(
    header: list[str],
    records: Iterable[_Record],
    origin: str,
    now: datetime | None = None,
    commodities: frozenset[str] | None = None,
) -> SitesParse:
    """Parse site records given as text cells (``_Record``: where it is, its cells by column, its raw
    cells, and a problem found while reading it, if any).

    Raises InputError when the header lacks required columns; row problems go to ``errors``, each with
    every problem of its row. ``commodities``: the known commodity keys (default: ``commodities.csv``).
    """
    missing = [c for c in SITE_COLUMNS_REQUIRED if c not in header]
    if missing:
        raise InputError(f"the sites file lacks required columns: {', '.join(missing)}")
    known = known_commodities() if commodities is None else commodities
    unknown = [c for c in header if c and c not in SITE_COLUMNS]
    stamp = {"updated_at": naive_utc(now)} if now is not None else {}
    rows: list[dict[str, Any]] = []
    errors: list[RejectedRow] = []
    first: dict[str, str] = {}
    for ref, raw, cells, problem in records:
        try:
            if problem:
                raise _Bad(problem)
            row = _site_row(raw, origin, known)
            if row["id"] in first:
                raise _Bad(f"id {row['id']!r} is a duplicate (first on {first[row['id']]})")
        except _Bad as exc:
            errors.append(RejectedRow(ref=ref, reason=str(exc), raw=",".join(cells)))
            continue
        first[row["id"]] = ref
        rows.append({**row, **stamp})
    return SitesParse(rows=rows, errors=errors, unknown_columns=unknown)


def parse_sites_csv(
    text: str, origin: str, now: datetime | None = None, commodities: frozenset[str] | None = None
) -> SitesParse:
    """Parse a sites CSV; rows get ``origin`` and, when ``now`` is given, ``updated_at`` (naive UTC).

    Raises InputError when the header lacks required columns; row problems go to ``errors``.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [(name or "").strip() for name in (reader.fieldnames or [])]
    if not header:
        raise InputError("the sites CSV is empty (no header row)")
    reader.fieldnames = header

    def records() -> Iterable[_Record]:
        for raw in reader:
            extra = [v for v in raw.pop(None, None) or [] if v.strip()]  # type: ignore[call-overload]
            cells = [raw.get(c) or "" for c in header]
            # A quoted cell may span lines: the record starts that many lines before where the reader stands.
            line = reader.line_num - sum(v.count("\n") for v in cells)
            if not extra and not any(v.strip() for v in cells):
                continue
            too_long = f"the row has {len(extra)} more cells than the header" if extra else None
            yield f"line {line}", raw, cells + extra, too_long

    return parse_site_records(header, records(), origin, now, commodities)


def _read_data(name: str) -> str:
    return resources.files("monitor").joinpath("data", name).read_text(encoding="utf-8")


def load_bundled(now: datetime) -> SitesParse:
    """The registry shipped with minewatch (``monitor/data/sites.csv``), stamped with ``now``."""
    return parse_sites_csv(_read_data("sites.csv"), origin="bundled", now=now)


def sync_sites(store: Store, parse: SitesParse, now: datetime) -> list[str]:
    """Upsert the parsed sites by id (a later row with the same id wins), writing only the rows that are new
    or differ from the stored one in anything but ``updated_at``; return their ids, sorted.

    A registry loaded again as it stands (``minewatch init`` re-run, the same file imported twice) writes
    nothing, so the registry's version stays and nothing matched or scored on it has to be done again."""
    latest: dict[str, dict[str, Any]] = {}
    for row in parse.rows:
        latest[row["id"]] = row
    stored = {str(r["id"]): r for r in sites_frame(store).to_dict("records")}
    changed = [
        {**row, "updated_at": row.get("updated_at") or naive_utc(now)}
        for site_id, row in latest.items()
        if _differs(row, stored.get(site_id))
    ]
    if changed:
        store.upsert(models.Site, changed, key=("id",))
    return sorted(str(row["id"]) for row in changed)


def _differs(row: Mapping[str, Any], stored: Mapping[str, Any] | None) -> bool:
    """Whether ``row`` (parsed) would change its ``stored`` row (a ``sites_frame`` record) in anything but
    ``updated_at``."""
    if stored is None:
        return True
    return any(not _same(value, stored.get(name)) for name, value in row.items() if name != "updated_at")


def _same(value: Any, stored: Any) -> bool:
    """Whether a parsed value is the stored one: equal as they are (most are), else as ``_comparable``."""
    if type(value) is type(stored) and isinstance(value, (str, int, float, list)) and value == stored:
        return True
    return _comparable(value) == _comparable(stored)


def _comparable(value: Any) -> str:
    """A registry value as canonical JSON: missing values (None, NaN, NA) alike, numpy scalars as Python's,
    tuples as lists, dates as ISO text."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, sort_keys=True, default=_plain)
    return json.dumps(_plain(value), sort_keys=True, default=str)


def _plain(value: Any) -> Any:
    value = plain(value)
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def sites_frame(store: Store) -> pd.DataFrame:
    """Every stored site with all its columns; aliases, places and route as Python lists.

    Read once per store handle while the registry stays as it was (``Store.registry_version``): decoding the
    lists of 10,000 sites takes 0.6-1 s, and a 15-minute tick read them twice (pipeline and alerts). Each
    caller gets its own copy of the frame."""
    version = store.registry_version()
    held = _REGISTRY.get(store)
    if held is None or held[0] != version:
        held = version, _read_sites(store)
        _REGISTRY[store] = held
    return held[1].copy()


def reach(
    store: Store, settings: MatchingSettings, registry: pd.DataFrame | None = None, version: Any = None
) -> matching.Reach:
    """Where events count for every stored site (``sites_frame``; or ``registry``, a frame of it the caller
    holds, read at ``version``: a pipeline's for one tick), as ``settings`` says. The routes are sampled
    once per store handle while the registry version and the corridor stay as they were (10,000 routes:
    0.09 s of a tick's 0.12 s of matching)."""
    if registry is None:
        # The version first: a registry written between the two reads is kept under the older version, so
        # its routes are cut again next time, never kept for another registry.
        version = store.registry_version()
        registry = sites_frame(store)
    key = (version, settings.route_corridor_km)
    held = _ROUTES.get(store)
    if held is None or held[0] != key:
        held = key, matching.route_pieces(registry, settings.route_corridor_km)
        _ROUTES[store] = held
    return matching.Reach(registry, settings.site_radius_km, settings.route_corridor_km, held[1])


def site_frame(store: Store, site_id: str) -> pd.DataFrame:
    """One stored site as ``sites_frame`` gives it (one row, none when there is no such site): a read about
    one site need not decode the whole registry (10,000 sites: 0.4 s, the first view of a site page)."""
    return _read_sites(store, site_id)


#: Per store handle, the registry as last read and the ``Store.registry_version`` it was read at.
_REGISTRY: weakref.WeakKeyDictionary[Store, tuple[tuple[Any, ...], pd.DataFrame]] = (
    weakref.WeakKeyDictionary()
)


#: Per store handle, the registry's routes sampled for matching, and the registry version and corridor.
_ROUTES: weakref.WeakKeyDictionary[Store, tuple[tuple[Any, ...], matching.RoutePieces]] = (
    weakref.WeakKeyDictionary()
)


def _read_sites(store: Store, site_id: str | None = None) -> pd.DataFrame:
    table = models.Site.__table__  # type: ignore[attr-defined]
    query = sa.select(table).order_by(table.c.id)
    if site_id is not None:
        query = query.where(table.c.id == site_id)
    with store.engine.connect() as conn:
        records = [dict(r) for r in conn.execute(query).mappings()]
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


def registry_meta(read: Callable[[str], str] = _read_data) -> RegistryMeta:
    """The bundled registry's metadata (``monitor/data/registry.yaml``)."""
    raw = yaml.safe_load(read("registry.yaml")) or {}
    targets = raw.get("coverage_targets_pct") or {}
    return RegistryMeta(
        research_date=dt.date.fromisoformat(str(raw["research_date"])),
        sources_policy=" ".join(str(raw.get("sources_policy") or "").split()),
        coverage_targets_pct={str(k): float(v) for k, v in targets.items()},
    )


def coverage(
    frame: pd.DataFrame, commodities: pd.DataFrame, targets_pct: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Per commodity: the registry's sites producing it, how many have no output figure, their tonnes a
    year, world mine production, the share covered and its target (``COVERAGE_COLUMNS``). Every commodity
    of ``commodities`` is listed, with or without sites; each site counts under each of its commodities."""
    outputs = supply.site_outputs(frame)
    per = outputs.groupby("commodity").agg(
        sites=("site_id", "nunique"),
        sites_output_unknown=("output_t", lambda s: int(s.isna().sum())),
        tonnes=("output_t", "sum"),
    )
    world = commodities.drop_duplicates("commodity").set_index("commodity")["world_production_t"]
    names = list(dict.fromkeys([*world.index, *per.index]))
    table = per.reindex(names).rename_axis("commodity").reset_index()
    table["sites"] = table["sites"].fillna(0).astype("int64")
    table["sites_output_unknown"] = table["sites_output_unknown"].fillna(0).astype("int64")
    table["tonnes"] = table["tonnes"].fillna(0.0).astype(float)
    table["world_production_t"] = table["commodity"].map(world).astype(float)
    table["coverage_pct"] = supply.share_of_world_pct(table["tonnes"], table["world_production_t"])
    table["target_pct"] = table["commodity"].map(dict(targets_pct or {})).astype(float)
    return table[list(COVERAGE_COLUMNS)]


# ---- export: the stored registry in the columns the import reads ----
def _number_text(value: Any) -> str:
    """A number as the import reads it back exactly ('' for none; whole numbers without '.0')."""
    if value is None or value is pd.NA or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def _list(value: Any) -> list[Any]:
    """A JSON list cell as a Python list (Parquet and some drivers hand back arrays or None)."""
    return [] if value is None or isinstance(value, (str, float)) else list(value)


def _outputs_text(outputs: Any) -> str:
    return ";".join(
        f"{o['commodity']}:{_number_text(o.get('tonnes'))}:{_number_text(o.get('year'))}"
        for o in _list(outputs)
    )


def export_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The registry as ``sites_frame`` gives it -> one text cell per ``SITE_COLUMNS`` column, as a sites CSV
    has them (``parse_sites_csv`` of it gives the same sites back)."""
    columns: dict[str, list[str]] = {c: [] for c in SITE_COLUMNS}
    for record in frame.sort_values("id").to_dict("records"):
        cells = {c: "" if record.get(c) is None else str(record.get(c)) for c in (*_TEXT_COLUMNS, "id")}
        cells.update(
            country=str(record["country"]),
            commodity=str(record["commodity"]),
            commodities=str(record.get("commodities") or ""),
            status=str(record.get("status") or ""),
            status_since=record["status_since"].isoformat() if record.get("status_since") else "",
            aliases=";".join(_list(record.get("aliases"))),
            places=";".join(
                f"{p['name']}:{_number_text(p['lat'])}:{_number_text(p['lon'])}"
                for p in _list(record.get("places"))
            ),
            route=";".join(f"{_number_text(p[0])}:{_number_text(p[1])}" for p in _list(record.get("route"))),
            outputs=_outputs_text(record.get("outputs")),
        )
        for column in ("lat", "lon", "coord_precision_km", "annual_output_t", "output_year", "world_share"):
            cells[column] = _number_text(record.get(column))
        for column in SITE_COLUMNS:
            columns[column].append(cells[column])
    return pd.DataFrame(columns, columns=list(SITE_COLUMNS), dtype=object)


def parse_sites_table(table: pd.DataFrame, origin: str, now: datetime | None = None) -> SitesParse:
    """Parse a sites table read from Parquet (the columns of a sites CSV; numbers may be typed)."""
    header = [str(c) for c in table.columns]

    def text(value: Any) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _number_text(value)
        return "" if value is None or value is pd.NA else str(value)

    def records() -> Iterable[_Record]:
        for position, values in enumerate(table.itertuples(index=False, name=None), start=1):
            cells = [text(v) for v in values]
            if any(c.strip() for c in cells):
                yield f"row {position}", dict(zip(header, cells, strict=True)), cells, None

    return parse_site_records(header, records(), origin, now)


_NUMBER_COLUMNS = ("lat", "lon", "coord_precision_km", "annual_output_t", "world_share")


def write_export(frame: pd.DataFrame, path: Path, fmt: str) -> int:
    """Write the registry to ``path`` as a sites CSV or as Parquet (the same columns, numbers typed), for
    ``minewatch import sites`` to read back; return how many sites were written."""
    table = export_table(frame)
    try:
        if fmt == "parquet":
            typed = table.copy()
            for column in _NUMBER_COLUMNS:
                typed[column] = pd.to_numeric(typed[column].replace("", None)).astype(float)
            typed["output_year"] = pd.to_numeric(typed["output_year"].replace("", None)).astype("Int64")
            typed.to_parquet(path, index=False)
        else:
            table.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return len(table)
