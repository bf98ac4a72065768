"""What a parser produces: the columns of event and notice rows, and the rows it could not use.

Plain values only (no network, no store), so the store can import them to write what parsers hand it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EVENT_COLUMNS", "NOTICE_COLUMNS", "RejectedRow"]

#: Columns a collector's parser produces for events (the store adds id, first_seen_at, known_at).
EVENT_COLUMNS: tuple[str, ...] = (
    "source", "source_id", "event_date", "published_at", "type", "sub_type", "actor1", "actor2",
    "fatalities", "lat", "lon", "geo_precision", "location", "country", "admin1", "notes", "url",
)  # fmt: skip
#: Columns a notice parser produces (classification adds kind and confidence).
NOTICE_COLUMNS: tuple[str, ...] = (
    "source",
    "source_id",
    "url",
    "published_at",
    "title",
    "summary",
    "language",
)


@dataclass(frozen=True)
class RejectedRow:
    """A row a parser could not use: where it was, why, and the raw text."""

    ref: str
    reason: str
    raw: str
