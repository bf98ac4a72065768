"""Stored scores written a block at a time on a thread of their own, beside the scoring of the next block
(``monitor.score_writer``): the same rows as written in line, a failed write fails the run and stops every
later write, and an in-memory SQLite store (one database per thread) is written in line."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bench import data
from feeds import acled
from monitor import pipeline as pipeline_module
from monitor.errors import StoreError
from monitor.pipeline import Pipeline
from monitor.reads import sql
from monitor.store import Store
from tests.monitor.generated import assert_stored_equal_dense, matched, pipeline_with_sites

#: A month of the generated set's last days: blocks of two days make fifteen writes.
DAYS = [data.NOW.date() - timedelta(days=i) for i in range(29, -1, -1)]


def _two_day_blocks(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline_module, "SCORE_ROWS_PER_BLOCK", 2 * len(pipeline._registry()))


def _scored_days(store: Store) -> list[date]:
    return [date.fromisoformat(str(d)[:10]) for d in sql.frame(store, "SELECT date FROM score_day")["date"]]


def test_blocks_written_beside_the_next_blocks_scoring_are_the_dense_scores(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = matched(fresh_store, generated)
    _two_day_blocks(pipeline, monkeypatch)
    writers: list[str] = []
    write = Store.replace_scores

    def noted(store: Store, *args: Any, **kwargs: Any) -> int:
        writers.append(threading.current_thread().name)
        return write(store, *args, **kwargs)

    monkeypatch.setattr(Store, "replace_scores", noted)
    assert pipeline.ensure_scored(DAYS) == DAYS
    assert len(writers) == 15
    assert all(name.startswith("score-writer") for name in writers)
    assert sorted(_scored_days(fresh_store)) == DAYS
    assert_stored_equal_dense(pipeline, DAYS)


def test_a_failed_block_write_fails_the_run_and_no_later_block_is_written(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = matched(fresh_store, generated)
    _two_day_blocks(pipeline, monkeypatch)
    write = Store.replace_scores
    calls: list[list[date]] = []

    def third_fails(store: Store, scores: Any, days: Any, *args: Any, **kwargs: Any) -> int:
        calls.append(list(days))
        if len(calls) == 3:
            raise StoreError("the disk is full")
        return write(store, scores, days, *args, **kwargs)

    monkeypatch.setattr(Store, "replace_scores", third_fails)
    with pytest.raises(StoreError, match="the disk is full"):
        pipeline.ensure_scored(DAYS)
    assert len(calls) == 3  # the fourth block is not handed to the writer once the third failed
    assert sorted(_scored_days(fresh_store)) == DAYS[:4]
    # The days left unscored are scored by the next run, and end as the dense scores.
    monkeypatch.setattr(Store, "replace_scores", write)
    assert pipeline.ensure_scored(DAYS) == DAYS[4:]
    assert_stored_equal_dense(pipeline, DAYS)


def test_an_in_memory_store_is_written_on_the_scoring_thread(
    generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.from_url("sqlite://")
    assert not store.shared_across_threads
    store.create_schema()
    sites_path, events_path = generated
    pipeline, _ = pipeline_with_sites(store, sites_path)
    pipeline.ingest("import:acled", "events", [acled.parse_file(events_path)], use_watermark=False)
    pipeline.match()
    _two_day_blocks(pipeline, monkeypatch)
    assert pipeline.ensure_scored(DAYS) == DAYS
    assert sorted(_scored_days(store)) == DAYS
    assert_stored_equal_dense(pipeline, DAYS)
