"""Seeded benchmark data in the real formats, generated once and cached under ``bench/out/data/``.

- sites: a sites CSV (the registry's format) of mines with export routes, 30% clustered in central Africa
  (the Kivus, Katanga, Kasai), the rest spread over the world's mining regions;
- ACLED: a CSV export (ACLED's 31 columns, event_date as "16 May 2025") over three years, most events in
  Africa and many near the clustered mines, as ACLED's coverage is;
- GDELT: a 2.0 Event export (61 tab-separated columns, no header) of CAMEO events over the world, about a
  fifth of them conflict (roots 14-20), as a real export's share is.

Every file is a pure function of its size and the seed: a file already in the cache is reused, so reruns
measure without regenerating.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

OUT = Path(__file__).resolve().parent / "out"
#: The benchmark's "today": every generated date lies before it.
NOW = datetime(2026, 1, 1, 6, 0, tzinfo=UTC)
FIRST_DAY = date(2023, 1, 1)  # three years of events before NOW
SEED = 20250313
#: Bumped whenever what a seed generates changes, so data cached by an earlier revision is not reused
#: (2: ACLED timestamps and GDELT's DATEADDED no later than NOW).
REVISION = 2


@dataclass(frozen=True)
class Scale:
    """How much data a run generates."""

    name: str
    sites: int
    acled_events: int
    gdelt_rows: int


FULL = Scale("full", sites=10_000, acled_events=1_000_000, gdelt_rows=1_000_000)
QUICK = Scale("quick", sites=300, acled_events=20_000, gdelt_rows=20_000)
#: The issue's import case: 300k events over 10k sites, end to end with scoring.
IMPORT = Scale("import", sites=10_000, acled_events=300_000, gdelt_rows=1_000)

#: Mining regions (lat box, lon box, ISO alpha-2) for the 70% of sites outside central Africa.
REGIONS: tuple[tuple[tuple[float, float], tuple[float, float], str], ...] = (
    ((-35.0, -5.0), (-75.0, -66.0), "CL"),
    ((-15.0, -5.0), (-79.0, -70.0), "PE"),
    ((-35.0, -15.0), (115.0, 150.0), "AU"),
    ((-30.0, -12.0), (16.0, 32.0), "ZA"),
    ((-22.0, -8.0), (22.0, 34.0), "ZM"),
    ((4.0, 14.0), (-12.0, 2.0), "GH"),
    ((-8.0, 2.0), (100.0, 130.0), "ID"),
    ((22.0, 42.0), (95.0, 120.0), "CN"),
    ((46.0, 58.0), (-120.0, -70.0), "CA"),
    ((32.0, 47.0), (-118.0, -104.0), "US"),
    ((48.0, 62.0), (55.0, 120.0), "RU"),
    ((-20.0, -5.0), (-55.0, -40.0), "BR"),
)
#: Central Africa, where 30% of the sites and many events cluster: centres (lat, lon) and spread (deg).
CLUSTERS: tuple[tuple[float, float, float], ...] = ((-1.5, 28.5, 3.0), (-10.8, 26.5, 3.0), (-4.0, 22.0, 3.5))
COMMODITIES = ("tin", "tantalum", "cobalt", "copper", "lithium", "nickel", "tungsten", "graphite")
ROUTE_WAYPOINTS = 5
#: Coordinate precisions of the generated sites, km: surveyed pits to town centroids, as the registry has.
PRECISIONS_KM = (0.1, 1.0, 2.0, 5.0)

ACLED_HEADER = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
    "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
    "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip
ACLED_TYPES = (
    ("Political violence", "Battles", "Armed clash"),
    ("Political violence", "Battles", "Non-state actor overtakes territory"),
    ("Political violence", "Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Political violence", "Violence against civilians", "Attack"),
    ("Demonstrations", "Protests", "Peaceful protest"),
    ("Demonstrations", "Riots", "Violent demonstration"),
    ("Strategic developments", "Strategic developments", "Looting/property destruction"),
)
#: (ISO alpha-2, ISO numeric, ACLED country name, ACLED region) of the generated events' countries.
ACLED_COUNTRIES = (
    ("CD", 180, "Democratic Republic of Congo", "Middle Africa"),
    ("RW", 646, "Rwanda", "Eastern Africa"),
    ("ZM", 894, "Zambia", "Southern Africa"),
    ("ZA", 710, "South Africa", "Southern Africa"),
    ("GH", 288, "Ghana", "Western Africa"),
    ("CL", 152, "Chile", "South America"),
    ("ID", 360, "Indonesia", "Southeast Asia"),
)
GDELT_FIELDS = 61


def path_for(scale: Scale, name: str) -> Path:
    return OUT / "data" / f"{scale.name}-{SEED}-{REVISION}" / name


def _cached(path: Path, write: object) -> Path:
    """``path``, written by ``write(tmp_path)`` first if it is not there (atomically: never half a file)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        write(tmp)  # type: ignore[operator]
        tmp.replace(path)
    return path


# ---- sites ------------------------------------------------------------------------------------------------
def site_points(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lat, lon, country) of ``n`` sites: 30% clustered in central Africa, the rest in mining regions."""
    n_central = round(n * 0.3)
    which = rng.integers(0, len(CLUSTERS), n_central)
    centre = np.array(CLUSTERS)[which]
    lat_c = centre[:, 0] + rng.normal(0, 1, n_central) * centre[:, 2]
    lon_c = centre[:, 1] + rng.normal(0, 1, n_central) * centre[:, 2]
    region = rng.integers(0, len(REGIONS), n - n_central)
    boxes = np.array([[*r[0], *r[1]] for r in REGIONS])[region]
    lat_r = rng.uniform(boxes[:, 0], boxes[:, 1])
    lon_r = rng.uniform(boxes[:, 2], boxes[:, 3])
    country = np.concatenate([np.full(n_central, "CD"), np.array([r[2] for r in REGIONS])[region]])
    return np.concatenate([lat_c, lat_r]), np.concatenate([lon_c, lon_r]), country


def sites_csv(scale: Scale) -> Path:
    """The sites CSV: every site has a 5-waypoint route wandering ~60 km a leg towards its export hub."""

    def write(path: Path) -> None:
        rng = np.random.default_rng(SEED)
        n = scale.sites
        lat, lon, country = site_points(n, rng)
        steps = rng.normal(0.4, 0.3, (n, ROUTE_WAYPOINTS - 1, 2)).cumsum(axis=1)
        legs = np.concatenate([np.zeros((n, 1, 2)), steps], axis=1) + np.stack([lat, lon], axis=1)[:, None]
        legs[..., 0] = np.clip(legs[..., 0], -89.0, 89.0)
        legs[..., 1] = (legs[..., 1] + 180.0) % 360.0 - 180.0
        commodity = np.array(COMMODITIES)[rng.integers(0, len(COMMODITIES), n)]
        output = np.round(10 ** rng.uniform(2, 5, n))
        # From a generator of its own, so the columns above stay what they were before precision was added.
        precision = np.random.default_rng(SEED + 1).choice(PRECISIONS_KM, n)
        with path.open("w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(
                ["id", "name", "operator", "country", "commodity", "lat", "lon", "coord_precision_km",
                 "annual_output_t", "route"]
            )  # fmt: skip
            for i in range(n):
                route = ";".join(f"{a:.4f}:{b:.4f}" for a, b in legs[i])
                out.writerow([
                    f"bench-{i:05d}", f"Bench site {i}", f"Bench operator {i % 700}", country[i],
                    commodity[i], f"{lat[i]:.4f}", f"{lon[i]:.4f}", f"{precision[i]:g}", f"{output[i]:.0f}",
                    route,
                ])  # fmt: skip

    # v2: with coord_precision_km (a file cached before it would no longer import).
    return _cached(path_for(scale, "sites-v2.csv"), write)


def sites_latlon(scale: Scale) -> tuple[np.ndarray, np.ndarray]:
    """The sites' points, read back from the cached CSV (what every step uses)."""
    table = pcsv.read_csv(
        sites_csv(scale), convert_options=pcsv.ConvertOptions(include_columns=["lat", "lon"])
    )
    return table.column("lat").to_numpy(), table.column("lon").to_numpy()


# ---- events -----------------------------------------------------------------------------------------------
def event_points(n: int, site_lat: np.ndarray, site_lon: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) lat/lon: 10% around central Africa's clusters, 20% near some site, 70% over Africa at large
    (about 7 sites within 100 km of an event on average)."""
    kind = rng.choice(3, n, p=[0.10, 0.20, 0.70])
    out = np.empty((n, 2))
    a = np.flatnonzero(kind == 0)
    centre = np.array(CLUSTERS)[rng.integers(0, len(CLUSTERS), a.size)]
    out[a, 0] = centre[:, 0] + rng.normal(0, 1, a.size) * centre[:, 2] * 1.5
    out[a, 1] = centre[:, 1] + rng.normal(0, 1, a.size) * centre[:, 2] * 1.5
    b = np.flatnonzero(kind == 1)
    owner = rng.integers(0, site_lat.size, b.size)
    out[b, 0] = site_lat[owner] + rng.normal(0, 1.0, b.size)
    out[b, 1] = site_lon[owner] + rng.normal(0, 1.0, b.size)
    c = np.flatnonzero(kind == 2)
    out[c, 0] = rng.uniform(-35.0, 37.0, c.size)
    out[c, 1] = rng.uniform(-18.0, 51.0, c.size)
    out[:, 0] = np.clip(out[:, 0], -89.9, 89.9)
    out[:, 1] = (out[:, 1] + 180.0) % 360.0 - 180.0
    return np.round(out, 4)


def _day_offsets(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, (NOW.date() - FIRST_DAY).days, n)


def acled_csv(scale: Scale) -> Path:
    """The ACLED CSV export (written column-wise with Arrow: a million rows in seconds)."""

    def write(path: Path) -> None:
        rng = np.random.default_rng(SEED + 1)
        n = scale.acled_events
        slat, slon = sites_latlon(scale)
        pts = event_points(n, slat, slon, rng)
        offsets = _day_offsets(n, rng)
        days = np.datetime64(FIRST_DAY) + offsets.astype("timedelta64[D]")
        # "16 May 2025" from a table of the distinct days (at most ~1,100 strftime calls).
        distinct, back = np.unique(days, return_inverse=True)
        labels = np.array([d.astype(date).strftime("%d %B %Y") for d in distinct], dtype=object)
        years = distinct.astype("datetime64[Y]").astype(int) + 1970
        kinds = rng.integers(0, len(ACLED_TYPES), n)
        disorder, etype, sub = (np.array([t[i] for t in ACLED_TYPES], dtype=object) for i in range(3))
        where = rng.integers(0, len(ACLED_COUNTRIES), n)
        where[np.abs(pts[:, 0] + 3) < 8] = 0  # central Africa's events are DR Congo's
        iso2, iso_num, cname, region = (
            np.array([c[i] for c in ACLED_COUNTRIES], dtype=object) for i in range(4)
        )
        lag = rng.exponential(4 * 86_400, n).astype(np.int64)
        # Uploaded a day or more after the event, and never after the export (NOW): a row public only after
        # it was stored cannot be in a real file, and 1,148 such rows of the 300k made every benchmark tick
        # fuse them again (and read a month of fusion context) as rows public after the new ones.
        stamp = np.minimum(
            days.astype("datetime64[s]").astype(np.int64) + 86_400 + lag, int(NOW.timestamp())
        ).astype(np.int64)
        ids = np.char.add(iso2[where].astype(str), (100_000 + np.arange(n)).astype(str))
        text = lambda v: pa.array(v, pa.string())  # noqa: E731
        columns = {
            "event_id_cnty": text(ids),
            "event_date": text(labels[back]),
            "year": pa.array(years[back]),
            "time_precision": pa.array(rng.integers(1, 4, n)),
            "disorder_type": text(disorder[kinds]),
            "event_type": text(etype[kinds]),
            "sub_event_type": text(sub[kinds]),
            "actor1": text(np.array(["Rebel group A", "Militia B", "Protesters", "State forces"])[kinds % 4]),
            "assoc_actor_1": text(np.full(n, "")),
            "inter1": text(np.full(n, "Rebel group")),
            "actor2": text(np.array(["State forces", "Civilians", ""])[kinds % 3]),
            "assoc_actor_2": text(np.full(n, "")),
            "inter2": text(np.full(n, "State forces")),
            "interaction": text(np.full(n, "Rebel group-State forces")),
            "civilian_targeting": text(np.where(kinds == 3, "Civilian targeting", "")),
            "iso": pa.array(iso_num[where].astype(np.int64)),
            "region": text(region[where]),
            "country": text(cname[where]),
            "admin1": text(np.char.add("Province ", (offsets % 26).astype(str))),
            "admin2": text(np.full(n, "")),
            "admin3": text(np.full(n, "")),
            "location": text(np.char.add("Place ", (np.arange(n) % 5000).astype(str))),
            "latitude": pa.array(pts[:, 0]),
            "longitude": pa.array(pts[:, 1]),
            "geo_precision": pa.array(rng.integers(1, 4, n)),
            "source": text(np.full(n, "Local media")),
            "source_scale": text(np.full(n, "Subnational")),
            "notes": text(np.full(n, "A synthetic event written for the minewatch benchmark.")),
            "fatalities": pa.array(rng.poisson(1.2, n)),
            "tags": text(np.full(n, "")),
            "timestamp": pa.array(stamp),
        }
        assert tuple(columns) == ACLED_HEADER
        pcsv.write_csv(pa.table(columns), path)

    return _cached(path_for(scale, "acled.csv"), write)


def gdelt_export(scale: Scale) -> Path:
    """The GDELT 2.0 Event export: 61 tab-separated columns, no header, no quoting."""

    def write(path: Path) -> None:
        rng = np.random.default_rng(SEED + 2)
        n = scale.gdelt_rows
        slat, slon = sites_latlon(scale)
        # Half anywhere on land-ish latitudes, half near sites and central Africa: where the filter matters.
        pts = event_points(n, slat, slon, rng)
        anywhere = rng.random(n) < 0.5
        pts[anywhere, 0] = np.round(rng.uniform(-55, 70, int(anywhere.sum())), 4)
        pts[anywhere, 1] = np.round(rng.uniform(-180, 180, int(anywhere.sum())), 4)
        offsets = _day_offsets(n, rng)
        days = np.datetime64(FIRST_DAY) + offsets.astype("timedelta64[D]")
        added_at = np.minimum(
            days.astype("datetime64[s]") + rng.integers(3600, 3 * 86_400, n).astype("timedelta64[s]"),
            np.datetime64(NOW.replace(tzinfo=None), "s"),
        )  # never after the export, as ACLED's timestamps
        root = np.where(rng.random(n) < 0.2, rng.integers(14, 21, n), rng.integers(1, 14, n))
        ids, urls = 10_000_000 + np.arange(n), np.arange(n) % 50_000  # some articles read several ways
        table = _gdelt_table(rng, pts, days, added_at, root, ids, urls)
        pcsv.write_csv(table, path, write_options=_GDELT_WRITE)

    return _cached(path_for(scale, "gdelt.export.CSV"), write)


_GDELT_WRITE = pcsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")


def gdelt_tick(scale: Scale, stamp: datetime, rows: int = 1_500) -> bytes:
    """One 15-minute export published at ``stamp``: ``rows`` violent events (CAMEO roots 14-20), over
    Africa and near sites as ``event_points`` spreads them, dated that day or the day before."""
    rng = np.random.default_rng(SEED + int(stamp.timestamp()) % 1_000_003)
    slat, slon = sites_latlon(scale)
    pts = event_points(rows, slat, slon, rng)
    day = np.datetime64(stamp.date())
    days = day - rng.integers(0, 2, rows).astype("timedelta64[D]")
    added_at = np.full(rows, np.datetime64(stamp.replace(tzinfo=None), "s"))
    ids = 900_000_000 + int(stamp.timestamp()) // 900 % 100_000 * 10_000 + np.arange(rows)
    table = _gdelt_table(rng, pts, days, added_at, rng.integers(14, 21, rows), ids, ids)
    sink = pa.BufferOutputStream()
    pcsv.write_csv(table, sink, write_options=_GDELT_WRITE)
    return bytes(sink.getvalue())


def _gdelt_table(
    rng: np.random.Generator,
    pts: np.ndarray,
    days: np.ndarray,
    added_at: np.ndarray,
    root: np.ndarray,
    ids: np.ndarray,
    urls: np.ndarray,
) -> pa.Table:
    """GDELT 2.0 export lines (61 text columns): events ``ids`` at ``pts`` on ``days``, added at
    ``added_at``, with CAMEO ``root`` codes and article numbers ``urls``."""
    n = len(pts)
    sqldate = np.char.replace(np.datetime_as_string(days, unit="D"), "-", "")
    added = np.char.replace(
        np.char.replace(np.char.replace(np.datetime_as_string(added_at, unit="s"), "-", ""), "T", ""),
        ":",
        "",
    )
    code = np.char.add(np.char.zfill(root.astype(str), 2), rng.integers(0, 10, n).astype(str))
    empty = np.full(n, "")
    country = np.array(["CG", "RW", "ZA", "CH", "US", "ID", "AS"])[rng.integers(0, 7, n)]
    geo_type = np.array(["1", "4", "4", "4", "5"])[rng.integers(0, 5, n)]
    province = np.char.add(", Province ", (np.arange(n) % 40).astype(str))
    name = np.char.add(np.char.add("Town ", (np.arange(n) % 9000).astype(str)), province)
    name = np.char.add(name, np.where(country == "US", ", United States", ", Somewhere Land"))
    lat_s, lon_s = pts[:, 0].astype(str), pts[:, 1].astype(str)
    fields = [
        ids.astype(str), sqldate, sqldate.astype("U6"), sqldate.astype("U4"),
        np.char.add(sqldate.astype("U4"), ".5000"),
        *[np.full(n, "REB")], *[np.full(n, "REBEL")], *[empty] * 8,
        *[np.full(n, "GOV")], *[np.full(n, "GOVERNMENT")], *[empty] * 8,
        np.full(n, "1"), code, code, np.char.zfill(root.astype(str), 2), np.full(n, "4"),
        np.full(n, "-10.0"), np.full(n, "3"), np.full(n, "1"), np.full(n, "3"), np.full(n, "-5.2"),
        *[geo_type, name, country, country, empty, lat_s, lon_s, empty],  # Actor1Geo
        *[geo_type, name, country, country, empty, lat_s, lon_s, empty],  # Actor2Geo
        *[geo_type, name, country, country, empty, lat_s, lon_s, np.full(n, "-1")],  # ActionGeo
        added, np.char.add("https://news.example/", urls.astype(str)),
    ]  # fmt: skip
    assert len(fields) == GDELT_FIELDS, len(fields)
    return pa.table({str(i): pa.array(f, pa.string()) for i, f in enumerate(fields)})
