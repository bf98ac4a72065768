"""A small generated set for tests that need more than the demo: seeded sites with routes and ACLED events
from ``bench/data.py`` (the ``generated`` fixture of ``tests/monitor/conftest.py`` writes them), a pipeline
on them at the set's clock, its stored nearest sites in one order, every site's exposures matched from the
store's events, a spy on the held window's reads, and the check that stored scores read back as the dense
computation gives them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from bench import data
from feeds import acled
from monitor import dialect, explanation, reads, scoring, sites, supply
from monitor.config import Settings
from monitor.matching import Reach
from monitor.pipeline import Pipeline
from monitor.reads import sql, window
from monitor.reads.arrow import ArrowReader, conform
from monitor.store import Store

GENERATED = data.Scale("sparse-test", sites=60, acled_events=2_500, gdelt_rows=0)


@dataclass
class Clock:
    """A clock the test moves."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


def batches(path: Path, shares: Sequence[float]) -> list[pd.DataFrame]:
    """The file's events dealt at random (seeded) into batches of ``shares``: each later batch back-fills
    history the store has scored already."""
    records = acled.parse_file(path).records
    order = np.random.default_rng(7).permutation(len(records))
    stops = np.cumsum(np.round(np.asarray(shares) * len(records)).astype(int))[:-1]
    return [records.iloc[np.sort(part)].reset_index(drop=True) for part in np.split(order, stops)]


def pipeline_with_sites(store: Store, sites_path: Path) -> tuple[Pipeline, Clock]:
    """A pipeline on ``store`` at the generated data's clock, with the generated registry loaded."""
    clock = Clock(data.NOW)
    pipeline = Pipeline(store, Settings(), clock)
    registry = sites.parse_sites_csv(sites_path.read_text(encoding="utf-8"), origin="user", now=clock.now)
    pipeline.load_sites(registry)
    return pipeline, clock


def matched(store: Store, generated: tuple[Path, Path]) -> Pipeline:
    """A pipeline on ``store`` with the generated registry and every generated event stored and matched."""
    sites_path, events_path = generated
    pipeline, _ = pipeline_with_sites(store, sites_path)
    pipeline.ingest("import:acled", "events", [acled.parse_file(events_path)], use_watermark=False)
    pipeline.match()
    return pipeline


def stored_nearest(store: Store) -> pd.DataFrame:
    """Every stored nearest site (event_id, site_id, via, distance_km), in key order whatever the store's."""
    rows = sql.frame(store, "SELECT event_id, site_id, via, distance_km FROM nearest_site")
    return rows.sort_values("event_id").reset_index(drop=True)


def exposures_of(store: Store, first: date, last: date, known: reads.known.Known) -> pd.DataFrame:
    """Every exposure to the stored registry of the events of ``first`` to ``last`` that ``known`` sees,
    matched under the default settings from scratch: what the held window gives (``window.typed``)."""
    reach = sites.reach(store, Settings().matching)
    return window.typed(reach.exposures(reads.events.scored_events(store, first, last, known)))


#: The held window's read of some days, as the window calls it and as a spy (which replaces it) leaves it.
WINDOW_READ = window._read


class WindowReads:
    """What the held window reads from the store: the spans of days read whole (``spans``), and the
    exposures matched of the events that arrived since an earlier read (``arrivals``: how many at each
    read)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.spans: list[tuple[date, date]] = []
        self.arrivals: list[int] = []

        def spied(
            store: Store,
            reach: Reach,
            derive: window.Derive,
            first: date,
            last: date,
            known: reads.known.Known,
            since: window.Since | None = None,
            held: pd.DataFrame | None = None,
        ) -> pd.DataFrame:
            rows = WINDOW_READ(store, reach, derive, first, last, known, since, held)
            if since is None:
                self.spans.append((first, last))
            else:
                self.arrivals.append(len(rows))
            return rows

        monkeypatch.setattr(window, "_read", spied)


def assert_stored_equal_dense(pipeline: Pipeline, days: Sequence[date]) -> None:
    """The stored scores of ``days`` read back (quiet rows filled in) equal the dense computation, every
    column; an explanation computed when asked is the dense run's, for loud cells spread over the days and
    loud and quiet sites of the last day; the supply roll-up is the one summed from the store again."""
    dense = pipeline.score(list(days), persist=False)
    schema = reads.scores.STORED_ARROW
    computed = _sorted(conform(pa.Table.from_pandas(dense[list(schema.names)], preserve_index=False), schema))
    stored = _sorted(reads.scores.arrow(ArrowReader(pipeline.store), days[0], days[-1]))
    assert stored.num_rows == computed.num_rows
    for name in schema.names:
        assert stored.column(name).equals(computed.column(name)), name
    # Explanations are not stored: one computed when asked, for one cell, is the dense run's for that cell.
    named = scoring.explained_params(pipeline.settings.scoring)
    quiet = dense[scoring.QUIET].astype(bool)
    last = dense["date"] == days[-1]
    asked = pd.concat(
        [_spread(dense[~quiet], 25), _spread(dense[last & ~quiet], 15), _spread(dense[last & quiet], 5)]
    )
    assert (~asked[scoring.QUIET].astype(bool)).sum() > 0
    for day, site_id, explain in asked[["date", "site_id", "explain"]].itertuples(index=False):
        assert pipeline.explanation_of(site_id, day) == explanation.decode(explain, named), (day, site_id)
    # The roll-up summed from the rows as they were written is the one summed from the store afterwards.
    written = reads.scores.supply_days(pipeline.store, days[0] - timedelta(days=1), days[-1])
    pipeline.store.rollup_supply()
    reread = reads.scores.supply_days(pipeline.store, days[0] - timedelta(days=1), days[-1])
    assert len(written) > 0
    pd.testing.assert_frame_equal(written, reread)
    # ... and the one the dense scores give, every site counted (monitor.supply's definition).
    dense_supply = supply.supply_totals(dense, sites.sites_frame(pipeline.store), None)
    keyed = ["date", "commodity", "supply_at_risk_t", "sites", "sites_output_unknown"]
    expected = dense_supply[keyed].assign(date=dense_supply["date"].astype(str))
    got = written[keyed].assign(date=written["date"].map(lambda d: str(dialect.as_date(d))))
    pd.testing.assert_frame_equal(
        got.sort_values(keyed[:2]).reset_index(drop=True),
        expected.sort_values(keyed[:2]).reset_index(drop=True),
        check_dtype=False,
    )


def _spread(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """At most ``n`` of ``frame``'s rows, spread evenly over it (its days, then its sites)."""
    if frame.empty:
        return frame
    return frame.iloc[np.unique(np.linspace(0, len(frame) - 1, min(len(frame), n)).astype(int))]


def _sorted(table: pa.Table) -> pa.Table:
    return table.take(pc.sort_indices(table, sort_keys=[("date", "ascending"), ("site_id", "ascending")]))
