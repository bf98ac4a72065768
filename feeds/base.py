"""The collector protocol and what collectors hand to the pipeline.

A collector's ``collect(requester, since)`` does the network part and yields ``Batch``es; the parsing
it calls is pure (module-level ``parse_*`` functions, tested on their own). The pipeline stores each batch,
then advances the feed's watermark to ``batch.watermark``, so an interrupted pull resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

import pandas as pd

from feeds.rows import RejectedRow
from monitor.net.http import RetryingRequester

Kind = Literal["events", "notices"]


@dataclass
class Batch:
    """Parsed records (EVENT_COLUMNS or NOTICE_COLUMNS), rejected rows, and the new watermark."""

    records: pd.DataFrame
    rejected: list[RejectedRow] = field(default_factory=list)
    watermark: str | None = None
    fetched: int = 0


class Collector(Protocol):
    """One source. ``name`` keys its watermark and feed runs; ``kind`` says what its batches hold."""

    name: str
    kind: Kind

    def collect(self, requester: RetryingRequester, since: str | None) -> Iterator[Batch]: ...
