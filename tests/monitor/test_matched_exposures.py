"""Scoring's long reads match a span's events to the sites instead of reading their stored exposures
(``matching.exposed`` of ``reads.events.scored_events``): the rows are the ones ``reads.events.exposures_in``
reads, on a generated set with routes, as known at the end of a day and at a vintage."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from feeds.base import Batch
from monitor import matching, reads, sites
from monitor.reads.known import Known
from monitor.store import Store
from tests.monitor.generated import batches, matched, pipeline_with_sites

KEY = ["event_id", "site_id", "via"]


def _in_key_order(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.sort_values(KEY).reset_index(drop=True)
    return rows.assign(site_id=rows["site_id"].astype(str), via=rows["via"].astype(str))


@pytest.mark.parametrize("vintage", [False, True])
def test_a_spans_exposures_matched_from_its_events_are_the_stored_ones(
    fresh_store: Store, generated: tuple[Path, Path], vintage: bool
) -> None:
    sites_path, events_path = generated
    pipeline, clock = pipeline_with_sites(fresh_store, sites_path)
    stored_at = []
    for batch in batches(events_path, [0.6, 0.4]):  # stored a day apart: a vintage between sees the first
        clock.now += timedelta(days=1)
        stored_at.append(clock.now)
        pipeline.ingest("import:acled", "events", [Batch(records=batch)], use_watermark=False)
        pipeline.match()
    pipeline.fuse()  # incidents too: each row carries its event's
    first, last = reads.events.date_span(fresh_store)
    assert first is not None and last is not None
    known = Known.end_of(last, vintage=stored_at[0] + timedelta(hours=1) if vintage else None)
    registry = sites.sites_frame(fresh_store)
    m = pipeline.settings.matching

    stored = reads.events.exposures_in(fresh_store, first, last, known)
    computed = matching.exposed(
        reads.events.scored_events(fresh_store, first, last, known),
        registry,
        m.site_radius_km,
        m.route_corridor_km,
        matching.route_samples(registry, m.route_corridor_km),
        per_block=300,  # several blocks
    )

    every = len(reads.events.exposures_in(fresh_store, first, last, Known.end_of(last)))
    assert 300 < len(stored) < every if vintage else len(stored) == every > 300
    assert set(stored["via"]) == {"site", "route"}
    assert list(computed.columns) == list(stored.columns)
    pd.testing.assert_frame_equal(_in_key_order(computed), _in_key_order(stored), check_dtype=False)
    assert computed["incident_id"].notna().any()


def test_a_span_without_events_has_no_exposures(fresh_store: Store, generated: tuple[Path, Path]) -> None:
    matched(fresh_store, generated)
    registry = sites.sites_frame(fresh_store)
    day = date(1990, 1, 1)

    rows = matching.exposed(
        reads.events.scored_events(fresh_store, day, day, Known.end_of(day)), registry, 100.0, 10.0
    )

    assert rows.empty and list(rows.columns)[:4] == matching.EXPOSURE_COLUMNS
