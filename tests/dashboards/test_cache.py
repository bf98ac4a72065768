from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from dashboards.cache import QueryCache, data_version
from feeds.rows import EVENT_COLUMNS
from monitor import models
from monitor.store import Store

NOW = datetime(2025, 4, 1, 12, 0)


def _event(source_id: str) -> pd.DataFrame:
    row: dict[str, object] = {c: "" for c in EVENT_COLUMNS}
    row.update(source="acled", source_id=source_id, event_date=date(2025, 3, 30), type="battles", lat=-1.0,
               lon=27.0, fatalities=0, geo_precision=1, country="CD", published_at=NOW)  # fmt: skip
    return pd.DataFrame([row], columns=list(EVENT_COLUMNS))


def test_the_data_version_moves_on_every_kind_of_write(fresh_store: Store) -> None:
    seen = {data_version(fresh_store)}

    def moved() -> bool:
        version = data_version(fresh_store)
        new = version not in seen
        seen.add(version)
        return new

    fresh_store.insert_events(_event("E1"), NOW)
    assert moved()
    fresh_store.insert_events(_event("E1"), NOW)  # a duplicate writes nothing
    assert not moved()
    run = fresh_store.start_run("acled", NOW)
    assert moved()
    fresh_store.finish_run(run, NOW, status="ok")
    assert moved()
    scores = pd.DataFrame(columns=[c.name for c in models.Score.__table__.columns if c.name != "computed_at"])  # type: ignore[attr-defined]
    fresh_store.replace_scores(scores, [date(2025, 4, 1)], NOW)
    assert moved()
    fresh_store.replace_scores(scores, [date(2025, 4, 1)], NOW)  # the same instant still counts as a rescore
    assert moved()


def test_the_cache_serves_one_read_per_key_and_version_and_evicts_the_oldest(fresh_store: Store) -> None:
    cache = QueryCache(fresh_store, maxsize=2)
    reads: list[str] = []

    def read(key: str) -> str:
        return cache.get("q", key, lambda: reads.append(key) or f"value of {key}")  # type: ignore[func-returns-value]

    assert read("a") == read("a") == "value of a"
    assert reads == ["a"]
    read("b")
    read("c")  # evicts "a", the least recently used
    assert len(cache) == 2
    read("a")
    assert reads == ["a", "b", "c", "a"]
    fresh_store.insert_events(_event("E2"), NOW)
    read("a")
    assert reads[-1] == "a" and len(reads) == 5
