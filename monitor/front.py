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
and the minima are group-bys; no loop runs over days or pairs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from monitor.config import FrontSettings
from monitor.geo import pairs_within

__all__ = ["CHANGE_DAYS", "FRONT_COLUMNS", "TAKEOVER_COLUMNS", "actor_key", "front_line", "is_takeover"]

#: The pace is measured over this many days (the ``_7d`` of ``front_km_change_7d``).
CHANGE_DAYS = 7
#: Columns ``front_line`` returns, one row per site per day.
FRONT_COLUMNS: tuple[str, ...] = (
    "site_id", "date", "front_km", "front_km_change_7d", "front_days_to_radius", "front_actor",
)  # fmt: skip
#: Columns ``front_line`` reads from the takeovers.
TAKEOVER_COLUMNS: tuple[str, ...] = ("actor1", "lat", "lon", "event_date", "known_at")
_EPOCH = np.datetime64("1970-01-01", "D")
#: Sites handled at a time (bounds the memory of the site x takeover pairs and their live days). Each block
#: pays a few pandas group-bys, so fewer cost less: a 25-day front of 10,000 sites and 2,205 takeovers took
#: 2.97 s in blocks of 256 and 1.33 s in blocks of 1,024, its traced peak 59 and 104 MB (bench import store).
SITES_PER_BLOCK = 1024
#: The days (from the first to the last of a run) a block of ``SITES_PER_BLOCK`` sites is sized for: a
#: block's live days follow the run's length, so a shorter run takes proportionally more sites at a time (a
#: tick's day or two: every site in one block, 0.05 -> 0.03 s, a traced peak of 9 -> 32 MB).
BLOCK_DAYS = 25
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
    grid = pd.DataFrame(
        {
            "site": np.tile(np.arange(site_ids.size), day_numbers.size),
            "day": np.repeat(day_numbers, site_ids.size),
        }
    )
    found = _fronts(sites, takeovers, day_numbers, settings)
    out = grid.merge(found, on=["site", "day"], how="left")
    dates = pd.to_datetime(_EPOCH + out["day"].to_numpy(np.int64).astype("timedelta64[D]")).date
    return pd.DataFrame(
        {
            "site_id": site_ids[out["site"].to_numpy()] if site_ids.size else np.empty(0, object),
            "date": dates,
            "front_km": out.get("front_km", np.nan),
            "front_km_change_7d": out.get("change", np.nan),
            "front_days_to_radius": out.get("days_to_radius", np.nan),
            "front_actor": out.get("actor_name", None),
        },
        columns=list(FRONT_COLUMNS),
    )


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
    """The nearest actor's km (and its km a week earlier) per (site, day) for one block of sites."""
    t_lat, t_lon, t_event, t_known, t_actor = points
    site, take, km = pairs_within(lat, lon, t_lat, t_lon, settings.max_km)
    if site.size == 0:
        return pd.DataFrame(columns=["site", "day", "actor", "km", "then_km"])
    # Pairs with the same site, actor and days live on the same days: keep the nearest of each, grouped on
    # one integer key per (site, actor, event day, known day), as ``_live`` groups.
    actor, event, known = t_actor[take] + 1, t_event[take], t_known[take]  # actor from 0: unnamed is -1
    e0, k0 = int(event.min()), int(known.min())
    n_actors, n_events, n_known = int(actor.max()) + 1, int(event.max()) - e0 + 1, int(known.max()) - k0 + 1
    key = (((site + first_site) * n_actors + actor) * n_events + (event - e0)) * n_known + (known - k0)
    least = pd.Series(km).groupby(key, sort=False).min()
    cell = least.index.to_numpy(np.int64)
    event, known = cell // n_known % n_events + e0, cell % n_known + k0
    pairs = pd.DataFrame(
        {
            "site": cell // (n_known * n_events * n_actors),
            "actor": cell // (n_known * n_events) % n_actors - 1,
            "event": event,
            "known": known,
            "km": least.to_numpy(float),
        }
    )
    lo, hi, window = int(day_numbers.min()), int(day_numbers.max()), settings.window_days
    # In the front of day D when public by D and dated in (D - window, D]: D in [start, stop] ...
    now = _live(pairs, np.maximum(event, known), event + window - 1, lo, hi)
    now = now[np.isin(now["day"].to_numpy(), day_numbers)]
    # ... and in the front a week before D, as known on D, when dated in (D - 7 - window, D - 7].
    then = _live(pairs, np.maximum(event + CHANGE_DAYS, known), event + CHANGE_DAYS + window - 1, lo, hi)
    # The nearest actor of each (site, day), ties to the lower actor code (the first seen).
    nearest = now.sort_values(["site", "day", "km", "actor"], kind="stable").drop_duplicates(["site", "day"])
    return nearest.merge(then.rename(columns={"km": "then_km"}), on=["site", "day", "actor"], how="left")


def _live(pairs: pd.DataFrame, start: np.ndarray, stop: np.ndarray, lo: int, hi: int) -> pd.DataFrame:
    """The least km per (site, day, actor) over the days [start, stop] of each pair, within [lo, hi]."""
    row, day = _expand(np.maximum(start, lo), np.minimum(stop, hi))
    site = pairs["site"].to_numpy(np.int64)[row]
    actor = pairs["actor"].to_numpy(np.int64)[row] + 1  # from 0: an unnamed actor's code is -1
    # One integer key per (site, day, actor): grouping on it is one hash pass instead of one per column.
    n_days, n_actors = hi - lo + 1, int(actor.max()) + 1 if actor.size else 1
    key = (site * n_days + (day - lo)) * n_actors + actor
    least = pd.Series(pairs["km"].to_numpy(float)[row]).groupby(key, sort=False).min()
    cell = least.index.to_numpy(np.int64)
    return pd.DataFrame(
        {
            "site": cell // (n_actors * n_days),
            "day": cell // n_actors % n_days + lo,
            "actor": cell % n_actors - 1,
            "km": least.to_numpy(float),
        }
    )
