"""The front line: how far each site is from the territory an armed group has taken, and how fast it nears.

A takeover is an event whose sub-type says so (ACLED "Non-state actor overtakes territory") or whose CAMEO
code does (GDELT 192, occupy territory; only with at least ``gdelt_min_sources`` sources). UCDP codes
deaths in organised violence, not control of territory, so it gives no takeovers. For site *s* on day *D*,
point-in-time (a takeover counts once it was public by the end of *D*):

- ``front_km``: great-circle km from *s* to the nearest takeover dated in the last ``window_days`` days
  (event_date in (D - window_days, D]), by any actor; ``front_actor`` is that takeover's actor;
- ``front_km_change_7d``: ``front_km`` minus the same actor's nearest takeover distance a week earlier
  (dated in (D - 7 - window_days, D - 7], as known on *D*): negative when the front approaches; empty when
  that actor held no takeover within reach a week earlier;
- ``front_days_to_radius``: at that pace, the days until the front is within ``radius_km`` of the mine (0
  once it is; empty when it is not approaching).

Actors are matched across sources by ``actor_key``: ACLED's "M23: March 23 Movement" and GDELT's "M23" are
one actor. Vectorised: each (site, takeover) pair within ``max_km`` is expanded over the days it is live,
and each (site, day) takes the least of its pairs ranked nearest first; no loop runs over days or pairs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from monitor.config import FrontSettings
from monitor.geo import pairs_within

__all__ = [
    "CHANGE_DAYS",
    "FRONT_COLUMNS",
    "TAKEOVER_COLUMNS",
    "actor_key",
    "front_line",
    "front_values",
    "is_takeover",
]

#: The pace is measured over this many days (the ``_7d`` of ``front_km_change_7d``).
CHANGE_DAYS = 7
#: Columns ``front_line`` returns, one row per site per day.
FRONT_COLUMNS: tuple[str, ...] = (
    "site_id", "date", "front_km", "front_km_change_7d", "front_days_to_radius", "front_actor",
)  # fmt: skip
#: Columns ``front_line`` reads from the takeovers.
TAKEOVER_COLUMNS: tuple[str, ...] = ("actor1", "lat", "lon", "event_date", "known_at")
_EPOCH = np.datetime64("1970-01-01", "D")
#: Sites handled at a time (bounds the memory of the site x takeover pairs and their live days). A 25-day
#: front of 10,000 sites and 2,395 takeovers (bench import store) took 0.40 s in blocks of 1,024 (0.50 s in
#: blocks of 256, 0.65 s in blocks of 4,096), its traced peak 55 MB; an 8-day front of the 4M-event store
#: (21,150 takeovers) 1.3-1.7 s and 330 MB (blocks of 256: 1.1 s, 86 MB). The group-bys of the expanded rows
#: before took 0.72-0.83 s and 107 MB, and 1.7-2.3 s and 557 MB.
SITES_PER_BLOCK = 1024
#: The days (from the first to the last of a run) a block of ``SITES_PER_BLOCK`` sites is sized for: a
#: block's live days follow the run's length, so a shorter run takes proportionally more sites at a time (a
#: tick's day or two: every site in one block, 0.05 -> 0.03 s, a traced peak of 9 -> 32 MB).
BLOCK_DAYS = 25
#: What ``_front_block`` returns, per (site, day) with a front: its nearest takeover's actor and km, and that
#: actor's least km a week earlier.
_BLOCK_COLUMNS = {"site": np.int64, "day": np.int64, "actor": np.int64, "km": float, "then_km": float}
_NONE = np.iinfo(np.int64).max
_CAMEO = re.compile(r"^\s*cameo\s+(\d+)", re.IGNORECASE)


def _days(values: Iterable[object]) -> np.ndarray:
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    stamps = pd.to_datetime(series).to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    return (stamps - _EPOCH).astype(np.int64)


def actor_key(names: pd.Series) -> pd.Series:
    """One key per armed group across sources: lower case, before any ':' or '(' (ACLED's long names)."""
    text = names.fillna("").astype(str).str.split(r"[:(]", n=1, regex=True).str[0]
    return text.str.strip().str.lower()


def is_takeover(events: pd.DataFrame, settings: FrontSettings, gdelt_min_sources: int) -> pd.Series:
    """Which events (with source, sub_type and num_sources) are territorial takeovers."""
    sub_type = events["sub_type"].fillna("").astype(str)
    named = sub_type.str.strip().str.lower().isin([s.strip().lower() for s in settings.sub_types])
    code = sub_type.str.extract(_CAMEO, expand=False).fillna("")
    coded = code.str.startswith(tuple(settings.cameo_codes)) & (code != "") if settings.cameo_codes else False
    sources = pd.to_numeric(events.get("num_sources", 1), errors="coerce")
    gdelt = events["source"].astype(str).str.lower() == "gdelt"
    trusted = ~gdelt | (pd.Series(sources, index=events.index).fillna(1) >= gdelt_min_sources)
    return (named | coded) & trusted


def _expand(start: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, day) for every day in [start, stop] of each row (empty where stop < start)."""
    count = np.maximum(stop - start + 1, 0)
    row = np.repeat(np.arange(start.size), count)
    day = np.repeat(start, count) + np.arange(row.size) - np.repeat(np.cumsum(count) - count, count)
    return row, day


def front_line(
    sites: pd.DataFrame, takeovers: pd.DataFrame, days: Iterable[object], settings: FrontSettings
) -> pd.DataFrame:
    """``FRONT_COLUMNS`` for every site (id, lat, lon) and day, from ``takeovers`` (``TAKEOVER_COLUMNS``)."""
    day_numbers = np.unique(_days(days))
    site_ids = sites["id"].astype(str).to_numpy(object)
    dates = pd.to_datetime(_EPOCH + day_numbers.astype("timedelta64[D]")).date
    return pd.DataFrame(
        {
            "site_id": np.tile(site_ids, day_numbers.size),
            "date": np.repeat(np.asarray(dates, dtype=object), site_ids.size),
            **_values(sites, takeovers, day_numbers, settings),
        },
        columns=list(FRONT_COLUMNS),
    )


def front_values(
    sites: pd.DataFrame, takeovers: pd.DataFrame, days: Iterable[object], settings: FrontSettings
) -> dict[str, np.ndarray]:
    """``front_line``'s value columns (``FRONT_COLUMNS`` but the keys), row for row: the rows of a day one
    after the other, each day's in the order of ``sites``. Scoring's rows are laid out so too, so the
    pipeline takes these columns as they are, not through a join on (site, date) (a join of a block's
    250,000 rows, and their keys built as Python objects, cost 7% of an import)."""
    return _values(sites, takeovers, np.unique(_days(days)), settings)


def _values(
    sites: pd.DataFrame, takeovers: pd.DataFrame, day_numbers: np.ndarray, settings: FrontSettings
) -> dict[str, np.ndarray]:
    """``front_values`` on ``day_numbers`` (sorted, unique day numbers)."""
    n_sites = len(sites)
    n_cells = n_sites * day_numbers.size
    found = _fronts(sites, takeovers, day_numbers, settings)
    # Rows day by day, every site each day: a site's row on a day is at day x n_sites + site.
    day_at = np.searchsorted(day_numbers, found["day"].to_numpy(np.int64))
    cell = day_at * n_sites + found["site"].to_numpy(np.int64)
    columns: dict[str, np.ndarray] = {}
    for name, value in (
        ("front_km", "front_km"),
        ("front_km_change_7d", "change"),
        ("front_days_to_radius", "days_to_radius"),
    ):
        columns[name] = np.full(n_cells, np.nan)
        columns[name][cell] = found[value].to_numpy(float)
    actor = np.full(n_cells, np.nan, dtype=object)
    actor[cell] = found["actor_name"].to_numpy(object)
    columns["front_actor"] = actor
    return columns


def _fronts(
    sites: pd.DataFrame, takeovers: pd.DataFrame, day_numbers: np.ndarray, settings: FrontSettings
) -> pd.DataFrame:
    """Per (site, day) with a front: front_km, change, days_to_radius and the actor's name."""
    columns = ["site", "day", "front_km", "change", "days_to_radius", "actor_name"]
    if takeovers.empty or sites.empty or day_numbers.size == 0:
        return pd.DataFrame(columns=columns)
    known = pd.to_datetime(takeovers["known_at"]).notna() & pd.to_datetime(takeovers["event_date"]).notna()
    t = takeovers[known].reset_index(drop=True)
    actor, _ = pd.factorize(actor_key(t["actor1"]))
    # Each actor named as its first takeover names it.
    names = t["actor1"].astype(str).groupby(actor).first()
    points = (
        pd.to_numeric(t["lat"], errors="coerce").to_numpy(float),
        pd.to_numeric(t["lon"], errors="coerce").to_numpy(float),
        _days(t["event_date"]),
        _days(t["known_at"]),
        actor.astype(np.int64),
    )
    lat = pd.to_numeric(sites["lat"], errors="coerce").to_numpy(float)
    lon = pd.to_numeric(sites["lon"], errors="coerce").to_numpy(float)
    # Sites a block at a time: the (site, takeover) pairs and their live days stay bounded in memory.
    days = int(day_numbers.max() - day_numbers.min()) + 1
    size = SITES_PER_BLOCK * max(1, BLOCK_DAYS // days)
    found = [
        _front_block(lat[a : a + size], lon[a : a + size], a, points, day_numbers, settings)
        for a in range(0, lat.size, size)
    ]
    nearest = pd.concat(found, ignore_index=True)
    if nearest.empty:
        return pd.DataFrame(columns=columns)
    change = nearest["km"] - nearest["then_km"]
    with np.errstate(divide="ignore", invalid="ignore"):
        to_go = (nearest["km"] - settings.radius_km) / (-change / CHANGE_DAYS)
    days_to_radius = np.where(nearest["km"] <= settings.radius_km, 0.0, np.where(change < 0, to_go, np.nan))
    return pd.DataFrame(
        {
            "site": nearest["site"].to_numpy(),
            "day": nearest["day"].to_numpy(),
            "front_km": np.round(nearest["km"].to_numpy(float), 1),
            "change": np.round(change.to_numpy(float), 1),
            "days_to_radius": np.round(days_to_radius.astype(float), 1),
            "actor_name": names.reindex(nearest["actor"]).to_numpy(),
        },
        columns=columns,
    )


def _front_block(
    lat: np.ndarray,
    lon: np.ndarray,
    first_site: int,
    points: tuple[np.ndarray, ...],
    day_numbers: np.ndarray,
    settings: FrontSettings,
) -> pd.DataFrame:
    """The nearest actor's km (and its km a week earlier) per (site, day) for one block of sites.

    The pairs are ranked nearest first, ties to the lower actor code (the first seen), so a (site, day)'s
    nearest takeover is its least rank over the pairs live that day (``np.minimum.at`` on a dense grid of the
    block's cells), and the same actor's km a week earlier its least rank among that actor's pairs: no sort
    or group-by of the expanded rows (group-bys of them took about twice the time and the memory)."""
    t_lat, t_lon, t_event, t_known, t_actor = points
    site, take, km = pairs_within(lat, lon, t_lat, t_lon, settings.max_km)
    if site.size == 0:  # typed: an untyped empty block would make every block's columns objects
        return pd.DataFrame({c: np.empty(0, dtype) for c, dtype in _BLOCK_COLUMNS.items()})
    # Pairs of one site and actor live on the same days when their takeovers were dated and made public on
    # the same days: only the nearest of each counts (a dense store's takeovers are many a day), kept by a
    # group-by on one integer key before anything is sorted or expanded.
    actor, event, known = t_actor[take] + 1, t_event[take], t_known[take]  # from 0: unnamed is -1
    e0, k0 = int(event.min()), int(known.min())
    n_actors, n_events, n_known = int(actor.max()) + 1, int(event.max()) - e0 + 1, int(known.max()) - k0 + 1
    key = ((site * n_actors + actor) * n_events + (event - e0)) * n_known + (known - k0)
    least = pd.Series(km).groupby(key, sort=False).min()
    key, km = least.index.to_numpy(np.int64), least.to_numpy(float)
    site, actor = key // (n_known * n_events * n_actors), key // (n_known * n_events) % n_actors - 1
    event, known = key // n_known % n_events + e0, key % n_known + k0
    order = np.lexsort((actor, km))
    site, actor, km, event, known = site[order], actor[order], km[order], event[order], known[order]
    lo, hi, window = int(day_numbers.min()), int(day_numbers.max()), settings.window_days
    n_days = hi - lo + 1
    n_cells = (int(site.max()) + 1) * n_days
    wanted = np.zeros(n_days, dtype=bool)
    wanted[day_numbers - lo] = True
    # In the front of day D when public by D and dated in (D - window, D]: a cell's nearest pair is its
    # least row ...
    row, day = _expand(np.maximum(np.maximum(event, known), lo), np.minimum(event + window - 1, hi))
    asked = wanted[day - lo]
    row, day = row[asked], day[asked]
    least = np.full(n_cells, _NONE)
    np.minimum.at(least, site[row] * n_days + (day - lo), row)
    cells = np.flatnonzero(least < _NONE)
    near = least[cells]
    # ... and in the front a week before D, as known on D, when dated in (D - 7 - window, D - 7]: the
    # least row of the same actor then.
    row, day = _expand(
        np.maximum(np.maximum(event + CHANGE_DAYS, known), lo),
        np.minimum(event + CHANGE_DAYS + window - 1, hi),
    )
    cell = site[row] * n_days + (day - lo)
    actor_of = np.full(n_cells, -2)  # no actor's code
    actor_of[cells] = actor[near]
    same = actor[row] == actor_of[cell]
    least.fill(_NONE)
    np.minimum.at(least, cell[same], row[same])
    then = least[cells]
    then_km = np.where(then < _NONE, km[np.minimum(then, km.size - 1)], np.nan)
    return pd.DataFrame(
        {
            "site": cells // n_days + first_site,
            "day": cells % n_days + lo,
            "actor": actor[near],
            "km": km[near],
            "then_km": then_km,
        }
    )
