"""Matching steps: every event x every site within 100 km, by minewatch and by what a user would pick.

Each ``*_case`` sets one implementation up in a child process (see ``harness``). All return the same pairs
(event index, site index, great-circle km); ``check`` compares them with minewatch's, saved by its run:
the same pairs exactly, distances within a millimetre (each library rounds its own way). Every distance
is on the sphere of radius 6,371.0088 km, as minewatch's.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from bench import data
from bench.harness import Case, Skip
from monitor.geo import EARTH_RADIUS_KM, pairs_within, within_any

RADIUS_KM = 100.0
_KM_PER_DEG = np.pi * EARTH_RADIUS_KM / 180.0


def points(scale: data.Scale) -> dict[str, np.ndarray]:
    """Events' and sites' coordinates (read once from the generated CSVs, then cached as .npz)."""
    path = data.path_for(scale, "points.npz")
    if not path.exists():
        events = pcsv.read_csv(
            data.acled_csv(scale),
            convert_options=pcsv.ConvertOptions(include_columns=["latitude", "longitude"]),
        )
        slat, slon = data.sites_latlon(scale)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(
            tmp, elat=events.column("latitude").to_numpy(), elon=events.column("longitude").to_numpy(),
            slat=slat, slon=slon,
        )  # fmt: skip
        tmp.replace(path)
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def _reference_path(scale: data.Scale) -> Path:
    return data.OUT / "tmp" / f"pairs-{scale.name}.npz"


def _canonical(q: np.ndarray, p: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.lexsort((p, q))
    return q[order].astype(np.int64), p[order].astype(np.int64), d[order].astype(np.float64)


def _checker(scale: data.Scale, got: list[tuple[np.ndarray, np.ndarray, np.ndarray]], save: bool) -> Case:
    """A Case whose check saves (minewatch's) or compares with (the others') the reference pairs."""

    def check() -> str:
        q, p, d = _canonical(*got[-1])
        path = _reference_path(scale)
        if save:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(path, q=q, p=p, d=d)
            return f"{q.size:,} pairs"
        with np.load(path) as ref:
            return _compare(ref["q"], ref["p"], ref["d"], q, p, d)

    return Case(call=lambda: 0, check=check)


def _compare(
    rq: np.ndarray, rp: np.ndarray, rd: np.ndarray, q: np.ndarray, p: np.ndarray, d: np.ndarray
) -> str:
    """Check pairs and distances against minewatch's; a pair may differ only within a metre of the
    radius, where each library's own rounding (and DuckDB's slightly different radius) decides."""
    n = int(max(rp.max(initial=0), p.max(initial=0))) + 1
    ref_keys, keys = rq * n + rp, q * n + p
    missing = ~np.isin(ref_keys, keys, assume_unique=True)
    extra = ~np.isin(keys, ref_keys, assume_unique=True)
    edge = np.concatenate([rd[missing], d[extra]])
    if np.any(np.abs(edge - RADIUS_KM) > 1e-3):
        raise AssertionError(
            f"pairs differ from minewatch's: {missing.sum():,} missing, {extra.sum():,} extra"
        )
    worst = float(np.abs(rd[~missing] - d[~extra]).max(initial=0.0))
    if worst > 1e-3:
        raise AssertionError(f"distances differ from minewatch's by up to {worst * 1000:.3g} m")
    same = "same pairs" if edge.size == 0 else f"same pairs but {edge.size} on the 100 km edge"
    return f"{same}; distances within {worst * 1e6:.2g} mm"


def _case(scale: data.Scale, run: object, save: bool = False, note: str = "") -> Case:
    got: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def call() -> int:
        got[:] = [run()]  # type: ignore[operator]
        return int(got[-1][0].size)

    case = _checker(scale, got, save)
    case.call, case.note = call, note
    return case


def ours_case(scale: data.Scale) -> Case:
    """minewatch's join (monitor.geo.pairs_within)."""
    pts = points(scale)
    return _case(
        scale, lambda: pairs_within(pts["elat"], pts["elon"], pts["slat"], pts["slon"], RADIUS_KM), save=True
    )


def floor_case(scale: data.Scale) -> Case:
    """The floor: the plainest competent numpy grid join. Events sorted by (latitude band one radius tall,
    longitude); each site reads its band and both neighbours over its widest longitude window, one
    searchsorted slice each; every candidate gets an exact haversine. No antimeridian or pole handling (this
    data has neither), no chunking, no order."""
    pts = points(scale)
    elat, elon, slat, slon = pts["elat"], pts["elon"], pts["slat"], pts["slon"]
    band_deg = RADIUS_KM / _KM_PER_DEG

    def run() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        key = np.floor((elat + 90.0) / band_deg) * 1000.0 + (elon + 180.0)  # band-major, then longitude
        order = np.argsort(key)
        ekey, ephi, elam = key[order], np.radians(elat[order]), np.radians(elon[order])
        sband = np.floor((slat + 90.0) / band_deg)
        half = band_deg / np.cos(np.radians(np.minimum(np.abs(slat) + band_deg, 89.0)))
        q = np.tile(np.arange(slat.size), 3)
        base = np.concatenate([(sband + step) * 1000.0 + 180.0 + slon for step in (-1, 0, 1)])
        width = np.tile(half, 3)
        start = np.searchsorted(ekey, base - width)
        stop = np.searchsorted(ekey, base + width, side="right")
        counts = stop - start
        si = np.repeat(q, counts)
        pos = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts - start, counts)
        p1, p2 = np.radians(slat[si]), ephi[pos]
        h = (
            np.sin((p2 - p1) / 2) ** 2
            + np.cos(p1) * np.cos(p2) * np.sin((elam[pos] - np.radians(slon[si])) / 2) ** 2
        )
        d = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
        hit = d <= RADIUS_KM
        return order[pos[hit]], si[hit], d[hit]

    return _case(scale, run)


def balltree_case(scale: data.Scale) -> Case:
    """scikit-learn's BallTree (haversine metric) built on the events and queried with every site."""
    try:
        from sklearn.neighbors import BallTree
    except ImportError:
        raise Skip("scikit-learn is not installed (pip install -e '.[bench]')") from None
    pts = points(scale)
    events = np.radians(np.stack([pts["elat"], pts["elon"]], axis=1))
    sites = np.radians(np.stack([pts["slat"], pts["slon"]], axis=1))

    def run() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        tree = BallTree(events, metric="haversine")
        ind, dist = tree.query_radius(sites, RADIUS_KM / EARTH_RADIUS_KM, return_distance=True)
        counts = np.fromiter((i.size for i in ind), np.int64, len(ind))
        return (
            np.concatenate(ind),
            np.repeat(np.arange(len(ind)), counts),
            np.concatenate(dist) * EARTH_RADIUS_KM,
        )

    return _case(scale, run)


def _duckdb_spatial() -> object:
    """A DuckDB connection with the spatial extension loaded from its PyPI wheel (no download)."""
    try:
        import duckdb
        import duckdb_extension_spatial
    except ImportError:
        raise Skip(
            "duckdb and duckdb-extension-spatial are not installed (pip install -e '.[bench]')"
        ) from None
    folder = Path(duckdb_extension_spatial.__file__).parent / "extensions"
    found = sorted(folder.glob(f"v{duckdb.__version__}/spatial.duckdb_extension"))
    if not found:
        raise Skip(f"no spatial extension for DuckDB {duckdb.__version__} in {folder}")
    con = duckdb.connect()
    con.execute(f"INSTALL '{found[0]}'")
    con.execute("LOAD spatial")
    return con


def duckdb_case(scale: data.Scale) -> Case:
    """DuckDB spatial: a join on a latitude band (which DuckDB runs as a range join) then
    ST_Distance_Sphere <= 100 km, the formulation its docs suggest for points on the sphere."""
    con = _duckdb_spatial()
    pts = points(scale)
    con.register("e", pa.table({"i": np.arange(pts["elat"].size), "lat": pts["elat"], "lon": pts["elon"]}))  # type: ignore[attr-defined]
    con.register("s", pa.table({"i": np.arange(pts["slat"].size), "lat": pts["slat"], "lon": pts["slon"]}))  # type: ignore[attr-defined]
    con.execute("CREATE TABLE events AS SELECT i, lat, ST_Point(lat, lon) AS g FROM e")  # type: ignore[attr-defined]
    con.execute("CREATE TABLE sites AS SELECT i, lat, ST_Point(lat, lon) AS g FROM s")  # type: ignore[attr-defined]
    band = RADIUS_KM / _KM_PER_DEG * (1 + 1e-9)
    sql = (
        "SELECT e.i AS q, s.i AS p, ST_Distance_Sphere(e.g, s.g) / 1000.0 AS d FROM sites s JOIN events e"
        f" ON e.lat BETWEEN s.lat - {band} AND s.lat + {band}"
        f" WHERE ST_Distance_Sphere(e.g, s.g) <= {RADIUS_KM * 1000.0}"
    )

    def run() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        t = con.execute(sql).fetch_arrow_table()  # type: ignore[attr-defined]
        return t.column("q").to_numpy(), t.column("p").to_numpy(), t.column("d").to_numpy()

    return _case(scale, run)


def postgis_case(scale: data.Scale, pg_url: str) -> Case:
    """PostGIS: events and sites as geography points (GiST index on the events), joined by
    ST_DWithin(e, s, 100 km, use_spheroid => false) with ST_Distance on the sphere; the rows read with
    COPY. The index is built untimed, as a user's store would have it."""
    import psycopg

    try:
        admin = psycopg.connect(pg_url, autocommit=True)
    except psycopg.Error as exc:
        raise Skip(f"no PostgreSQL at {pg_url}: {str(exc).strip()}") from None
    with admin:
        if not admin.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").fetchone():
            raise Skip(
                "PostGIS is not installed on the server (Debian: apt-get install postgresql-15-postgis-3)"
            )
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = 'minewatch_bench'").fetchone():
            admin.execute("CREATE DATABASE minewatch_bench")
    url = psycopg.conninfo.make_conninfo(pg_url, dbname="minewatch_bench")
    con = psycopg.connect(url, autocommit=True)
    con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    pts = points(scale)
    # Tables of this process only: two runs at once (the quick test beside a full run) must not share them.
    events, sites = (f"{name}_{scale.name}_{os.getpid()}" for name in ("events", "sites"))
    for name, lat, lon in ((events, pts["elat"], pts["elon"]), (sites, pts["slat"], pts["slon"])):
        con.execute(f"DROP TABLE IF EXISTS {name}")
        con.execute(f"CREATE TABLE {name} (i bigint, lat float8, lon float8)")
        with con.cursor().copy(f"COPY {name} (i, lat, lon) FROM STDIN") as copy:
            for row in zip(range(lat.size), lat.tolist(), lon.tolist(), strict=True):
                copy.write_row(row)
        con.execute(f"ALTER TABLE {name} ADD COLUMN g geography(Point, 4326)")
        con.execute(f"UPDATE {name} SET g = ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography")
    con.execute(f"CREATE INDEX ON {events} USING gist (g)")
    con.execute(f"ANALYZE {events}")
    con.execute(f"ANALYZE {sites}")
    sql = (
        f"COPY (SELECT e.i, s.i, ST_Distance(e.g, s.g, false) / 1000.0 FROM {sites} s JOIN {events} e"
        f" ON ST_DWithin(e.g, s.g, {RADIUS_KM * 1000.0}, false)) TO STDOUT (FORMAT csv)"
    )

    def run() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        buffer = bytearray()
        with con.cursor().copy(sql) as copy:
            for block in copy:
                buffer += block
        names = ["q", "p", "d"]
        t = pcsv.read_csv(pa.py_buffer(bytes(buffer)), read_options=pcsv.ReadOptions(column_names=names))
        return t.column("q").to_numpy(), t.column("p").to_numpy(), t.column("d").to_numpy()

    case = _case(scale, run, note="GiST index built untimed")
    compare = case.check

    def check() -> str:
        con.execute(f"DROP TABLE IF EXISTS {events}, {sites}")
        return compare() if compare is not None else ""

    case.check = check
    return case


def within_any_case(scale: data.Scale) -> Case:
    """The GDELT filter: which of a million points lie within 100 km of any site (monitor.geo.within_any)."""
    pts = points(scale)
    rng = np.random.default_rng(data.SEED)
    lat, lon = rng.uniform(-60, 70, pts["elat"].size), rng.uniform(-180, 180, pts["elat"].size)
    return Case(call=lambda: int(within_any(lat, lon, pts["slat"], pts["slon"], RADIUS_KM).size))
