"""Scaling steps: how ingest and scoring grow with the events held and with the sites watched (issue 9).

``scaling-ingest`` parses, stores and matches (no scoring, as ``ingest-acled`` does) generated ACLED files
of 100,000, 1,000,000 and 4,000,000 events over the same 10,000 sites, and of 1,000,000 events over 1,000
sites. ``scaling-score`` then scores the last ``SCORED_DAYS`` days before the data's end, every site, on
the store each ingest left: computed, not stored (``Pipeline.score(persist=False)``, as an export of days
not yet scored does), with the events as stored (no fusion: the ingest fuses none). ``bench/run.py`` prints
the exponent *b* of time ~ n^b between the sizes: 1 where a step's cost grows as its input, 0 where it
does not grow at all. ``--quick`` runs the same at a fiftieth of the events and a thirtieth of the sites.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench import data, ingest
from bench.harness import Case

#: Days scored on each store: a month, the scoring window's length.
SCORED_DAYS = 30


@dataclass(frozen=True)
class Size:
    """One point of the scaling curve: its key in the case names, its data, and the axis it moves on."""

    key: str
    scale: data.Scale
    axis: str  # "events" (10,000 sites) or "sites" (1,000,000 events)


def _size(key: str, events: int, sites: int, axis: str, quick: bool) -> Size:
    if quick:
        events, sites = events // 50, max(sites // 30, 10)
    return Size(key, data.Scale(f"scaling-{key}{'-quick' if quick else ''}", sites, events, 0), axis)


def sizes(quick: bool) -> dict[str, Size]:
    """The curve's points by key; ``events`` points share their sites, the ``sites`` pair their events."""
    return {
        s.key: s
        for s in (
            _size("100k", 100_000, 10_000, "events", quick),
            _size("1m", 1_000_000, 10_000, "events", quick),
            _size("4m", 4_000_000, 10_000, "events", quick),
            _size("1m-1k-sites", 1_000_000, 1_000, "sites", quick),
        )
    }


def _store_name(size: Size) -> str:
    return f"{size.scale.name}.db"


def label(step: str, key: str) -> str:
    """The label of ``step`` ("ingest" or "score") at the point ``key`` (its full size)."""
    size = sizes(quick=False)[key]
    return f"{step}: {size.scale.acled_events:,} events, {size.scale.sites:,} sites"


def _ingest(scale: data.Scale, key: str) -> Case:
    size = sizes(scale == data.QUICK)[key]
    return ingest.acled_case(size.scale, _store_name(size))


def _score(scale: data.Scale, key: str) -> Case:
    """Score ``SCORED_DAYS`` days of every site on the store ``scaling-ingest`` left for ``key`` (that
    ingest is run first, untimed, when its store is not there)."""
    from monitor.config import Settings
    from monitor.pipeline import Pipeline
    from monitor.store import Store

    size = sizes(scale == data.QUICK)[key]
    path = ingest.TMP / _store_name(size)
    if not Path(path).exists():
        build = _ingest(scale, key)
        assert build.fresh is not None
        build.fresh()
        build.call()
    pipeline = Pipeline(Store.from_url(f"sqlite:///{path}"), Settings(), lambda: data.NOW)
    last = data.NOW.date() - timedelta(days=1)
    days = [last - timedelta(days=n) for n in range(SCORED_DAYS - 1, -1, -1)]

    def call() -> int:
        return len(pipeline.score(days, persist=False, fuse=False))

    held = f"{size.scale.acled_events:,} events held"
    return Case(call=call, note=f"{SCORED_DAYS} days x {size.scale.sites:,} sites, {held}")


def ingest_100k_case(scale: data.Scale) -> Case:
    """Ingest 100k events over 10k sites (quick: 2k over 333)."""
    return _ingest(scale, "100k")


def ingest_1m_case(scale: data.Scale) -> Case:
    """Ingest 1M events over 10k sites."""
    return _ingest(scale, "1m")


def ingest_4m_case(scale: data.Scale) -> Case:
    """Ingest 4M events over 10k sites."""
    return _ingest(scale, "4m")


def ingest_1m_1k_sites_case(scale: data.Scale) -> Case:
    """Ingest 1M events over 1k sites."""
    return _ingest(scale, "1m-1k-sites")


def score_100k_case(scale: data.Scale) -> Case:
    """Score a month of 10k sites with 100k events held."""
    return _score(scale, "100k")


def score_1m_case(scale: data.Scale) -> Case:
    """Score a month of 10k sites with 1M events held."""
    return _score(scale, "1m")


def score_4m_case(scale: data.Scale) -> Case:
    """Score a month of 10k sites with 4M events held."""
    return _score(scale, "4m")


def score_1m_1k_sites_case(scale: data.Scale) -> Case:
    """Score a month of 1k sites with 1M events held."""
    return _score(scale, "1m-1k-sites")
