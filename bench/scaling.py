"""Scaling steps: how ingest and scoring grow with the events held and with the sites watched (issue 9).

``scaling-ingest`` parses, stores and matches (no scoring, as ``ingest-acled`` does) generated ACLED files
of 100,000, 1,000,000 and 4,000,000 events over the same 10,000 sites, and of 1,000,000 events over 1,000
sites. ``scaling-score`` then scores the last ``SCORED_DAYS`` days before the data's end, every site, on
the store each ingest left: computed, not stored (``Pipeline.score(persist=False)``, as an export of days
not yet scored does), with the events as stored (no fusion: the ingest fuses none). ``scaling-fuse``
fuses every event of a copy of each store (a first fusion, as an import's rescore starts with).
``bench/run.py`` prints the exponent *b* of time ~ n^b between the sizes: 1 where a step's cost grows as
its input, 0 where it does not grow at all. ``--quick`` runs the same at a fiftieth of the events and a
thirtieth of the sites.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench import data, ingest
from bench.harness import Case

#: Days scored on each store: a month, the scoring window's length.
SCORED_DAYS = 30


@dataclass(frozen=True)
class Size:
    """One point of the scaling curve: its key (what the cases take) and its data."""

    key: str
    scale: data.Scale


def _size(key: str, events: int, sites: int, quick: bool) -> Size:
    if quick:
        events, sites = events // 50, max(sites // 30, 10)
    return Size(key, data.Scale(f"scaling-{key}{'-quick' if quick else ''}", sites, events, 0))


def sizes(quick: bool) -> dict[str, Size]:
    """The curve's points by key: three event counts over 10,000 sites, and 1M events over 1,000 sites."""
    return {
        s.key: s
        for s in (
            _size("100k", 100_000, 10_000, quick),
            _size("1m", 1_000_000, 10_000, quick),
            _size("4m", 4_000_000, 10_000, quick),
            _size("1m-1k-sites", 1_000_000, 1_000, quick),
        )
    }


def _store_name(size: Size) -> str:
    return f"{size.scale.name}.db"


def label(step: str, key: str) -> str:
    """The label of ``step`` ("ingest" or "score") at the point ``key`` (its full size)."""
    size = sizes(quick=False)[key]
    return f"{step}: {size.scale.acled_events:,} events, {size.scale.sites:,} sites"


def ingest_case(scale: data.Scale, key: str) -> Case:
    """Ingest the point ``key`` of the curve (``sizes``; the quick one when ``scale`` is quick)."""
    size = sizes(scale == data.QUICK)[key]
    return ingest.acled_case(size.scale, _store_name(size))


def _ingested(scale: data.Scale, key: str) -> Path:
    """The store ``ingest_case`` left for ``key`` (that ingest is run first, untimed, when it is missing)."""
    size = sizes(scale == data.QUICK)[key]
    path = Path(ingest.TMP / _store_name(size))
    if not path.exists():
        build = ingest_case(scale, key)
        assert build.fresh is not None
        build.fresh()
        build.call()
    return path


def fuse_case(scale: data.Scale, key: str) -> Case:
    """Fuse every event of a copy of the store ``ingest_case`` left for ``key``: the first fusion an import
    of that many events starts its rescore with (``Pipeline.fuse``)."""
    from monitor.config import Settings
    from monitor.pipeline import Pipeline
    from monitor.store import Store

    source = _ingested(scale, key)
    copy = source.with_name(f"fused-{source.name}")
    pipelines: list[Pipeline] = []

    def fresh() -> None:
        for suffix in ("-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, copy)
        pipelines[:] = [Pipeline(Store.from_url(f"sqlite:///{copy}"), Settings(), lambda: data.NOW)]

    def call() -> int:
        return pipelines[0].fuse()

    size = sizes(scale == data.QUICK)[key]
    return Case(call=call, fresh=fresh, note=f"{size.scale.acled_events:,} events, none fused before")


def score_case(scale: data.Scale, key: str) -> Case:
    """Score ``SCORED_DAYS`` days of every site on the store ``ingest_case`` left for ``key`` (that ingest
    is run first, untimed, when its store is not there)."""
    from monitor.config import Settings
    from monitor.pipeline import Pipeline
    from monitor.store import Store

    size = sizes(scale == data.QUICK)[key]
    path = _ingested(scale, key)
    pipeline = Pipeline(Store.from_url(f"sqlite:///{path}"), Settings(), lambda: data.NOW)
    last = data.NOW.date() - timedelta(days=1)
    days = [last - timedelta(days=n) for n in range(SCORED_DAYS - 1, -1, -1)]

    def call() -> int:
        return len(pipeline.score(days, persist=False, fuse=False))

    held = f"{size.scale.acled_events:,} events held"
    return Case(call=call, note=f"{SCORED_DAYS} days x {size.scale.sites:,} sites, {held}")
