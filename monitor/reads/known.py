"""The point-in-time predicate on published rows (events, notices), written once.

Every event and notice carries ``first_seen_at`` (when minewatch stored it) and ``known_at`` (when it became
public: its publication time, else ``first_seen_at``). A read sees them as of some moment, in one of three
ways, each one clause here:

- ``before``: public before an instant (exclusive). A day's score, and the dashboard as of a day, see what
  was public by the end of that day: ``Known.end_of(day)``.
- ``by``: public by an instant (inclusive): what an alert tick at ``now`` may report.
- ``vintage``: stored by and public by an instant (inclusive): what a run at that moment had, so an export
  ``--as-known-at T`` gives what an export at T gave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

__all__ = ["Known", "end_of"]


def end_of(day: date) -> datetime:
    """The first instant after ``day``: rows public before it were public by the end of that day."""
    return datetime.combine(day + timedelta(days=1), time())


@dataclass(frozen=True)
class Known:
    """Which published rows a read may see (no bound: every stored row)."""

    before: datetime | None = None
    by: datetime | None = None
    vintage: datetime | None = None

    @classmethod
    def end_of(cls, day: date, vintage: datetime | None = None) -> Known:
        """Public by the end of ``day`` (and, with ``vintage``, stored and public by then)."""
        return cls(before=end_of(day), vintage=vintage)

    def where(self, alias: str) -> str:
        """The condition on the table aliased ``alias``, as `` AND ...`` clauses ('' when unbounded)."""
        clauses = []
        if self.before is not None:
            clauses.append(f"{alias}.known_at < :known_before")
        if self.by is not None:
            clauses.append(f"{alias}.known_at <= :known_by")
        if self.vintage is not None:
            clauses.append(f"{alias}.first_seen_at <= :vintage AND {alias}.known_at <= :vintage")
        return "".join(f" AND {c}" for c in clauses)

    def params(self) -> dict[str, Any]:
        """The parameters ``where`` names."""
        named = {"known_before": self.before, "known_by": self.by, "vintage": self.vintage}
        return {k: v for k, v in named.items() if v is not None}
