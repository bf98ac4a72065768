"""What to export: ``parse_query`` turns the CLI's options or the API's query parameters into a ``Query``,
with one set of checks and messages for both.

Point-in-time: without ``as_known_at`` a panel reflects everything stored now (a day's score uses the rows
public by the end of that day). With ``as_known_at`` T it is the panel as an export at T would have written
it: only rows minewatch had stored by T (``first_seen_at <= T``) and that were public by T
(``known_at <= T``), no day after T's day, and the day of T scored with what was known at T.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from monitor import sites
from monitor.dialect import naive_utc
from monitor.errors import InputError
from monitor.exports.schemas import PANELS
from monitor.store import Store

__all__ = ["DEFAULT_DAYS", "Query", "SiteDay", "day_range", "parse_query", "parse_site_day"]

#: Days a panel covers when ``from`` is not given (``to`` and the 29 days before it).
DEFAULT_DAYS = 30
_COUNTRY = re.compile(r"^[A-Z]{2}$")


#: No source reaches further back: UCDP GED, the oldest, begins on 1 January 1989.
EARLIEST_DAY = date(1989, 1, 1)


def day_range(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end`` inclusive; InputError when reversed."""
    if end < start:
        raise InputError(f"--from {start} is after --to {end}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@dataclass(frozen=True)
class Query:
    """What to export: a panel, its days, filters, an optional vintage, and how to treat raw text."""

    panel: str
    start: date
    end: date
    sites: tuple[str, ...] = ()
    commodities: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    as_known_at: datetime | None = None  # naive UTC
    derived_only: bool = False
    raw: bool = False  # CSV only: leave formula-like text as it is

    @property
    def days(self) -> list[date]:
        return day_range(self.start, self.end)


def parse_query(
    panel: str,
    store: Store,
    now: datetime,
    *,
    start: str | None = None,
    end: str | None = None,
    site: Sequence[str] = (),
    commodity: Sequence[str] = (),
    country: Sequence[str] = (),
    as_known_at: str | None = None,
    derived_only: bool = False,
    raw: bool = False,
) -> Query:
    """Check the options and resolve defaults; InputError with the reason on anything wrong.

    ``to`` defaults to today (UTC), or to the vintage's day, and is never later than either; ``from``
    defaults to 29 days before ``to``. Lists accept repeated values and comma-separated ones.
    """
    if panel not in PANELS:
        raise InputError(f"unknown panel {panel!r} (one of: {', '.join(PANELS)})")
    vintage, last = _vintage(as_known_at, now)
    stop = min(_day(end, "to"), last) if end else last
    first = _day(start, "from") if start else stop - timedelta(days=DEFAULT_DAYS - 1)
    if first < EARLIEST_DAY:
        raise InputError(f"from {first} is before {EARLIEST_DAY}, the start of the oldest source (UCDP GED)")
    if first > stop:
        capped = "" if end and _day(end, "to") <= last else " (to is at most the vintage's day or today, UTC)"
        raise InputError(f"from {first} is after to {stop}{capped}")
    registry = sites.sites_frame(store)
    wanted_sites = _values(site)
    unknown = sorted(set(wanted_sites) - set(registry["id"]))
    if unknown:
        raise InputError(f"unknown site {unknown[0]!r} (see `minewatch sites`)")
    commodities = tuple(v.lower() for v in _values(commodity))
    known = set(registry["commodity"]) | set(sites.commodities_frame()["commodity"])
    odd = sorted(set(commodities) - known)
    if odd:
        raise InputError(f"unknown commodity {odd[0]!r} (known: {', '.join(sorted(known))})")
    countries = tuple(v.upper() for v in _values(country))
    for code in countries:
        if not _COUNTRY.match(code):
            raise InputError(f"country {code!r}: expected an ISO 3166-1 alpha-2 code such as CD")
    return Query(
        panel=panel,
        start=first,
        end=stop,
        sites=tuple(sorted(set(wanted_sites))),
        commodities=tuple(sorted(set(commodities))),
        countries=tuple(sorted(set(countries))),
        as_known_at=vintage,
        derived_only=derived_only,
        raw=raw,
    )


@dataclass(frozen=True)
class SiteDay:
    """Whose score to explain: a registry site, on the newest scored day on or before ``day``; with
    ``as_known_at`` (a vintage, naive UTC), on ``day`` itself as a run at that moment scored it."""

    site: str
    day: date
    as_known_at: datetime | None = None


def parse_site_day(
    store: Store,
    now: datetime,
    *,
    site: Sequence[str] | str | None,
    day: str | None,
    as_known_at: str | None = None,
) -> SiteDay:
    """Check an explanation's options: one site the registry holds, a day not after today (UTC; the
    default), or with a vintage not after the vintage's day (its default). InputError with the reason on
    anything wrong."""
    wanted = _values(site)
    if len(wanted) != 1:
        raise InputError("site: give one site id, e.g. site=bisie (see `minewatch sites`)")
    if sites.site_frame(store, wanted[0]).empty:
        raise InputError(f"unknown site {wanted[0]!r} (see `minewatch sites`)")
    vintage, last = _vintage(as_known_at, now)
    chosen = _day(day, "day") if day else last
    if chosen > last:
        bound = f"the vintage's day ({last})" if vintage else f"today ({last}, UTC)"
        raise InputError(f"day {chosen} is after {bound}")
    return SiteDay(site=wanted[0], day=chosen, as_known_at=vintage)


def _vintage(as_known_at: str | None, now: datetime) -> tuple[datetime | None, date]:
    """The vintage asked for (naive UTC; None for none) and the last day it lets a reader ask for: the
    vintage's day, else today (UTC)."""
    now_utc = naive_utc(now)
    vintage = _moment(as_known_at, now_utc) if as_known_at else None
    return vintage, (vintage or now_utc).date()


def _values(given: Sequence[str] | str | None) -> tuple[str, ...]:
    """Repeated and comma-separated values, stripped, empties dropped."""
    if not given:
        return ()
    items = [given] if isinstance(given, str) else list(given)
    return tuple(v.strip() for item in items for v in item.split(",") if v.strip())


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{name} {text!r}: expected a date like 2025-03-14") from None


def _moment(text: str, now: datetime) -> datetime:
    """A vintage time as naive UTC: it needs a time of day (a date alone is ambiguous) and is not future."""
    value = text.strip()
    if not re.search(r"\d[T ]\d", value):
        raise InputError(
            f"as_known_at {text!r}: give a date and time, e.g. 2025-03-14T18:00:00Z (UTC unless an offset "
            "is given)"
        )
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"as_known_at {text!r}: expected an ISO date and time like 2025-03-14T18:00:00Z"
        ) from None
    moment = naive_utc(moment)
    if moment > now:
        raise InputError(f"as_known_at {text!r} is in the future (now: {now:%Y-%m-%dT%H:%M:%SZ})")
    return moment
