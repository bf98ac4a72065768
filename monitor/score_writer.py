"""Stored scores written beside the scoring of the next block: a block's rows go to the store on a thread
of their own while the pipeline computes the next block.

SQLite's ``executemany`` and PostgreSQL's COPY wait on the database with the GIL released, so the write
and the computing overlap on a second core. At most one block is in flight: the next block's write waits
for it, so memory stays at two blocks and the days are written in order. A failed write raises in the
caller at the next ``replace`` or on leaving the ``with`` block, and nothing after it is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from types import TracebackType

import pandas as pd

from monitor.store import QuietScores, Store

__all__ = ["ScoreWriter"]


class ScoreWriter:
    """``Store.replace_scores`` of one block at a time on a thread of its own (inline when the store's
    connections are not shared across threads: an in-memory SQLite database is one per thread)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future[int] | None = None

    def __enter__(self) -> ScoreWriter:
        if self.store.shared_across_threads:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="score-writer")
        return self

    def replace(
        self, scores: pd.DataFrame, days: Sequence[date], computed_at: datetime, quiet: QuietScores
    ) -> None:
        """Replace the stored scores of ``days`` with ``scores`` (``Store.replace_scores``), once the
        block before is written."""
        self._wait()
        if self._pool is None:
            self.store.replace_scores(scores, days, computed_at, quiet)
        else:
            self._pending = self._pool.submit(self.store.replace_scores, scores, days, computed_at, quiet)

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                self._wait()
            elif self._pending is not None:
                # Already failing: the block in flight is let finish (a write is all or nothing) and its
                # own error, if any, is not the one to tell.
                self._pending.exception()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
