"""Exports: a panel, checked and filtered, written as CSV (+ sidecar JSON) or Parquet, or streamed over HTTP.

``parse_query`` turns the CLI's options or the API's query parameters into a ``Query`` (one set of checks
and messages for both); ``write_file`` and ``stream`` produce the same bytes from it. Schemas:
``monitor.schemas``; panels: ``monitor.panels``; encoding: ``monitor.exportfile``; the README's "Exports"
section documents them.

Point-in-time: without ``as_known_at`` a panel reflects everything stored now (a day's score uses the rows
public by the end of that day). With ``as_known_at`` T it is the panel as an export at T would have written
it: only rows minewatch had stored by T (``first_seen_at <= T``) and that were public by T
(``known_at <= T``), no day after T's day, and the day of T scored with what was known at T.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa

from monitor import sites, supply
from monitor.alertpanel import has_alerts_table
from monitor.arrowsql import open_reader
from monitor.errors import InputError
from monitor.exportfile import Digest, csv_stream, parquet_stream, sidecar_bytes
from monitor.panels import Query, chunks, event_refs
from monitor.pipeline import Pipeline, params_hash
from monitor.schemas import ATTRIBUTION, PANELS, SCHEMAS
from monitor.store import Store, naive_utc

__all__ = [
    "EVENT_COLUMNS",
    "NOTICE_COLUMNS",
    "RISK_COLUMNS",
    "SUPPLY_COLUMNS",
    "ExportResult",
    "Format",
    "PanelUnavailable",
    "Query",
    "day_range",
    "metadata",
    "parse_query",
    "risk_panel",
    "sidecar",
    "stream",
    "supply_panel",
    "write_file",
]

Format = Literal["csv", "parquet"]
FORMATS: tuple[str, ...] = ("csv", "parquet")
DEFAULT_DAYS = 30

RISK_COLUMNS: tuple[str, ...] = SCHEMAS["risk"].names
SUPPLY_COLUMNS: tuple[str, ...] = SCHEMAS["supply"].names
EVENT_COLUMNS: tuple[str, ...] = SCHEMAS["events"].names
NOTICE_COLUMNS: tuple[str, ...] = SCHEMAS["notices"].names
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class PanelUnavailable(InputError):
    """The store cannot give this panel (e.g. no alerts table yet)."""


@dataclass(frozen=True)
class ExportResult:
    """What ``write_file`` wrote."""

    path: Path
    rows: int
    sidecar: Path | None


# ---- the query ----
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
    now_utc = naive_utc(now)
    vintage = _moment(as_known_at, now_utc) if as_known_at else None
    last = (vintage or now_utc).date()
    stop = min(_day(end, "to"), last) if end else last
    first = _day(start, "from") if start else stop - timedelta(days=DEFAULT_DAYS - 1)
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
    if panel == "alerts" and not has_alerts_table(store):
        raise PanelUnavailable("this store has no alerts table: alerts are not set up (run `minewatch init`)")
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


# ---- metadata ----
def metadata(pipeline: Pipeline, query: Query, fmt: Format) -> dict[str, Any]:
    """What every exported file carries: schema, parameters, generation time, filters and attributions.

    ``generated_at`` is the vintage time, else the data's high-water mark (the newest row minewatch
    stored), never the wall clock: the same panel exported twice gives the same bytes.
    """
    panel = SCHEMAS[query.panel]
    generated: datetime | None = query.as_known_at
    basis = "as_known_at"
    if generated is None:
        generated, basis = _high_water_mark(pipeline.store, query.panel), "newest stored row"
    return {
        "panel": panel.name,
        "title": panel.title,
        "schema_version": panel.version,
        "columns": panel.spec(),
        "format": fmt,
        "generated_at": _iso(generated),
        "generated_at_basis": basis,
        "filters": {
            "from": query.start.isoformat(),
            "to": query.end.isoformat(),
            "site": list(query.sites),
            "commodity": list(query.commodities),
            "country": list(query.countries),
            "as_known_at": _iso(query.as_known_at),
        },
        "derived_only": query.derived_only,
        "formula_neutralised": fmt == "csv" and not query.raw,
        "scoring_params_hash": params_hash(pipeline.settings.scoring),
        "attribution": dict(ATTRIBUTION),
        "minewatch_version": _version(),
    }


def _high_water_mark(store: Store, panel: str) -> datetime | None:
    tables = ["event", "notice"]
    marks = [store.scalar(f"SELECT MAX(first_seen_at) FROM {t}") for t in tables]
    if panel == "alerts" and has_alerts_table(store):
        marks.append(store.scalar("SELECT MAX(created_at) FROM alert"))
    stamps = [pd.Timestamp(m).to_pydatetime() for m in marks if m is not None]
    return max(stamps) if stamps else None


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else naive_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _version() -> str:
    try:
        return importlib_metadata.version("minewatch")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


# ---- bytes ----
class _Counter:
    """Counts the rows of the blocks passing through."""

    def __init__(self) -> None:
        self.rows = 0

    def feed(self, tables: Iterable[pa.Table]) -> Iterator[pa.Table]:
        for table in tables:
            self.rows += table.num_rows
            yield table


def stream(
    pipeline: Pipeline, query: Query, fmt: Format, *, fast: bool = True, counter: _Counter | None = None
) -> Iterator[bytes]:
    """The panel file's bytes, block by block (what ``write_file`` writes and the API sends)."""
    panel = SCHEMAS[query.panel]
    meta = metadata(pipeline, query, fmt)
    counter = counter or _Counter()
    with open_reader(pipeline.store, fast=fast) as reader:
        tables = counter.feed(chunks(pipeline, query, reader))
        if fmt == "csv":
            yield from csv_stream(tables, panel, neutral=not query.raw)
        else:
            yield from parquet_stream(tables, panel, meta)


def sidecar(pipeline: Pipeline, query: Query, *, fast: bool = True) -> bytes:
    """The CSV's sidecar JSON (the panel is built to count and hash it)."""
    counter, digest = _Counter(), Digest()
    for _ in digest.feed(stream(pipeline, query, "csv", fast=fast, counter=counter)):
        pass
    return sidecar_bytes(metadata(pipeline, query, "csv"), digest.hexdigest, counter.rows)


def write_file(
    pipeline: Pipeline, query: Query, path: Path, fmt: Format, *, fast: bool = True
) -> ExportResult:
    """Write the panel to ``path`` (and ``<path>.json`` beside a CSV); a failure leaves no partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    counter, digest = _Counter(), Digest()
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as fh:
            for part in digest.feed(stream(pipeline, query, fmt, fast=fast, counter=counter)):
                fh.write(part)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    if fmt != "csv":
        return ExportResult(path, counter.rows, None)
    side = path.with_name(path.name + ".json")
    side.write_bytes(sidecar_bytes(metadata(pipeline, query, "csv"), digest.hexdigest, counter.rows))
    return ExportResult(path, counter.rows, side)


# ---- pandas panels for the CLI's tables and the demo ----
def day_range(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end`` inclusive; InputError when reversed."""
    if end < start:
        raise InputError(f"--from {start} is after --to {end}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def risk_panel(pipeline: Pipeline, days: Sequence[date]) -> pd.DataFrame:
    """One row per site per day (RISK_COLUMNS) as a DataFrame, scored point-in-time and stored."""
    scores = pipeline.score(days)
    site_frame = sites.sites_frame(pipeline.store)
    if scores.empty:
        return pd.DataFrame(columns=list(RISK_COLUMNS))
    refs = event_refs(pipeline.store, scores["top_event_id"])
    merged = scores.merge(
        site_frame[["id", "name", "operator", "country", "commodity"]].rename(
            columns={"id": "site_id", "name": "site_name"}
        ),
        on="site_id",
        how="left",
    )
    merged["top_event_id"] = merged["top_event_id"].map(refs)
    return merged.sort_values(["date", "site_id"])[list(RISK_COLUMNS)].reset_index(drop=True)


def supply_panel(pipeline: Pipeline, days: Sequence[date]) -> pd.DataFrame:
    """One row per commodity per day (SUPPLY_COLUMNS) as a DataFrame."""
    scores = pipeline.score(days)
    if scores.empty:
        return pd.DataFrame(columns=list(SUPPLY_COLUMNS))
    panel = supply.supply_at_risk(scores, sites.sites_frame(pipeline.store), sites.commodities_frame())
    return panel.sort_values(["date", "commodity"])[list(SUPPLY_COLUMNS)].reset_index(drop=True)
