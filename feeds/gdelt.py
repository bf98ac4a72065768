"""GDELT 2.0 Event exports: the 15-minute zip named by lastupdate.txt, parsed onto the ACLED taxonomy.

An export is UTF-8 text, one event per line, 61 tab-separated columns, no header. ``parse_export`` reads
it vectorised with every column as a string (CAMEO codes such as "010" keep their zeros). GDELT codes every
event it reads in every article, so most rows are not incidents at a place; the parser keeps only those that
are, and counts every other well-formed line under the first reason that drops it (``DROP_REASONS``, in
this order, on ``Batch.dropped``):

- ``not_conflict``: a CAMEO root outside 14-20 (statements, visits, cooperation...);
- ``not_violence``: a code of roots 14-20 that is not physical violence or its direct threat
  (``feeds.cameo.VIOLENCE_PREFIXES``: visa policy, sanctions, arrests, peaceful marches stay out);
- ``not_root_event``: IsRootEvent 0, an event GDELT found past the article's lead paragraph (an aside,
  a background sentence), not the article's subject;
- ``unplaced``: no ActionGeo coordinates (GDELT could not place it: not an error, so not rejected);
- ``region_centroid``: ActionGeo_Type 1 (country), 2 (US state) or 5 (world state / ADM1): the point is a
  region's centroid, near nothing in particular, so it cannot be matched to a mine by distance. Only types
  3 (US city) and 4 (world city or landmark) are kept;
- ``far_from_sites``: the injected ``keep(lat, lon)`` mask refused it (e.g. "within reach of no site");
- ``duplicate_url``: another kept row of the export has the same SOURCEURL: one article read several ways
  is one report (the best-sourced row stays: most NumSources, then NumArticles, then lowest id). The
  pipeline drops, under the same reason, a row whose article is stored already under another id.

Lines are rejected (``RejectedRow``, "line N") rather than dropped when they cannot be read: a line without
exactly 61 fields, and a line otherwise kept whose GlobalEventID, SQLDATE, DATEADDED or ActionGeo
coordinates are not valid. Kept rows carry GDELT's NumSources and NumArticles (``num_sources``,
``num_articles``), which scoring uses to weigh them.

The collector reads lastupdate.txt for the newest export. On a first run (no watermark) it takes only that
one. Later it catches up: exports published after the watermark and before the newest are fetched too, oldest
first, by GDELT 2.0's file names (``<YYYYMMDDHHMMSS>.export.CSV.zip`` every quarter hour, in the newest's
directory), one batch per export, each with its stamp as the watermark, so a run that fails midway keeps what
it stored. Only the newest has an md5 and size (from lastupdate.txt); the others are only checked as valid
zips. A missed export GDELT answers 404 for is a real gap in GDELT: it is logged and passed over; one served
damaged (not a zip) is quarantined as a rejected row with the reason. At most
``feeds.gdelt.catch_up_max_files`` exports are fetched per run (the newest included); the older missed ones
are logged as skipped, for ``minewatch import gdelt FILE``. Every export is fetched from lastupdate.txt's own
origin (``export_location``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd

from feeds.base import Batch, Kind
from feeds.cameo import CONFLICT_ROOTS, classify, violence_mask
from feeds.fips import fips_to_iso
from feeds.rows import EVENT_COLUMNS, REPORT_COUNTS, RejectedRow
from monitor.config import GdeltSettings
from monitor.errors import FeedError, InputError
from monitor.net.http import RetryingRequester

log = logging.getLogger(__name__)

#: A vectorised filter: (lat, lon) arrays -> boolean mask of the events to keep.
KeepFilter = Callable[[np.ndarray, np.ndarray], np.ndarray]

FIELDS = 61
#: 0-based positions of the columns we read (GDELT 2.0 Event codebook order).
EVENT_ID, SQLDATE, ACTOR1_NAME, ACTOR2_NAME, IS_ROOT, EVENT_CODE, ROOT_CODE = 0, 1, 6, 16, 25, 26, 28
NUM_SOURCES, NUM_ARTICLES = 32, 33
GEO_TYPE, GEO_NAME, GEO_COUNTRY, GEO_ADM1, GEO_LAT, GEO_LON = 51, 52, 53, 54, 56, 57
DATEADDED, SOURCEURL = 59, 60
_USED: tuple[int, ...] = (EVENT_ID, SQLDATE, ACTOR1_NAME, ACTOR2_NAME, IS_ROOT, EVENT_CODE, ROOT_CODE)
_USED += (NUM_SOURCES, NUM_ARTICLES, GEO_TYPE, GEO_NAME, GEO_COUNTRY, GEO_ADM1, GEO_LAT, GEO_LON)
_USED += (DATEADDED, SOURCEURL)

#: Report counts GDELT gives each event, kept on its rows for scoring to weigh them.
REPORT_COLUMNS: tuple[str, ...] = tuple(REPORT_COUNTS)
#: ActionGeo_Type values that name a place (3 US city, 4 world city or landmark): the only rows kept.
PLACE_GEO_TYPES: frozenset[str] = frozenset({"3", "4"})

#: Why a well-formed line is not kept, in the order the checks run (see the module docstring).
DROP_REASONS: dict[str, str] = {
    "not_conflict": "CAMEO root outside 14-20",
    "not_violence": "CAMEO code of roots 14-20 that is not physical violence or its direct threat",
    "not_root_event": "IsRootEvent 0: not the article's lead event",
    "unplaced": "no ActionGeo coordinates",
    "region_centroid": "ActionGeo is a country or region centroid (ActionGeo_Type 1, 2 or 5)",
    "far_from_sites": "within reach of no site or export route",
    "duplicate_url": "another row of the export has the same SOURCEURL",
}

#: Refuse to inflate an export larger than this (real ones are a few MB): guards against zip bombs.
MAX_EXPORT_BYTES = 512 * 1024 * 1024

_EXPORT_URL = re.compile(r"(\d{14})\.export\.CSV\.zip$", re.IGNORECASE)
STAMP_FORMAT = "%Y%m%d%H%M%S"
#: GDELT 2.0 publishes one export per quarter hour.
EXPORT_INTERVAL = timedelta(minutes=15)


@dataclass
class ExportBatch(Batch):
    """A parsed export. ``fetched``: non-blank lines read; ``malformed``: lines without 61 fields.
    fetched = records + rejected + sum(dropped.values())."""

    malformed: int = 0


@dataclass(frozen=True)
class ExportFile:
    """One line of lastupdate.txt: size in bytes, md5 hex digest and URL of the newest export zip."""

    size: int
    md5: str
    url: str
    timestamp: str


@dataclass(frozen=True)
class ExportTable:
    """An export split into fields: ``columns`` (by 0-based field position) as strings and ``lines`` the raw
    text, both indexed by 0-based line number; ``malformed`` the lines without 61 fields, as rejected rows."""

    columns: pd.DataFrame
    lines: pd.Series
    malformed: list[RejectedRow]


def read_export(data: bytes, usecols: Sequence[int] | None = None) -> ExportTable:
    """Split export text into string columns (all 61, or ``usecols``) exactly as written: codes keep
    their zeros and case."""
    # Undecodable bytes become U+FFFD rather than failing the whole file; such a line is still parsed.
    lines = pd.Series(data.decode("utf-8", errors="replace").split("\n"), dtype=object).str.removesuffix("\r")
    lines = lines[lines.str.strip() != ""]
    nfields = lines.str.count("\t") + 1
    wrong = lines[nfields != FIELDS]
    malformed = [
        RejectedRow(f"line {i + 1}", f"expected {FIELDS} tab-separated fields, found {n}", raw)
        for i, n, raw in zip(wrong.index, nfields[wrong.index], wrong, strict=True)
    ]
    good = lines[nfields == FIELDS]
    wanted = list(range(FIELDS)) if usecols is None else sorted(usecols)
    if good.empty:
        return ExportTable(pd.DataFrame({i: pd.Series(dtype=str) for i in wanted}), lines, malformed)
    # The C reader is ~3x faster than str.split; blank lines are already gone and every line has 61
    # fields, so its rows are the good lines in order (checked below).
    columns = pd.read_csv(
        io.BytesIO("\n".join(good).encode()),
        sep="\t",
        header=None,
        names=range(FIELDS),
        usecols=wanted,
        dtype=str,
        na_filter=False,
        quoting=csv.QUOTE_NONE,
        lineterminator="\n",
        skip_blank_lines=False,
        engine="c",
    )
    if len(columns) != len(good):
        columns = good.str.split("\t", expand=True, regex=False)[wanted].astype(str)
    columns.index = good.index
    return ExportTable(columns, lines, malformed)


def parse_export(data: bytes, keep: KeepFilter | None = None) -> ExportBatch:
    """Parse the text of one GDELT 2.0 Event export into the incidents it reports (see the module
    docstring): what is kept, what is rejected, and what is dropped, by reason."""
    table = read_export(data, _USED)
    cols, lines = table.columns, table.lines
    batch = ExportBatch(
        _empty_frame(), list(table.malformed), fetched=len(lines), malformed=len(table.malformed)
    )
    stamps = cols[DATEADDED][cols[DATEADDED].str.fullmatch(r"\d{14}")]
    batch.watermark = str(stamps.max()) if not stamps.empty else None
    dropped = dict.fromkeys(DROP_REASONS, 0)

    def drop(reason: str, mask: pd.Series) -> pd.DataFrame:
        dropped[reason] += int(mask.sum())
        return cols[~mask]

    cols = drop("not_conflict", ~cols[ROOT_CODE].isin(CONFLICT_ROOTS))
    cols = drop("not_violence", ~violence_mask(cols[EVENT_CODE]))
    cols = drop("not_root_event", cols[IS_ROOT].str.strip() != "1")
    event_date = _strict_datetime(cols[SQLDATE], "%Y%m%d", 8)
    added = _strict_datetime(cols[DATEADDED], "%Y%m%d%H%M%S", 14)
    lat = pd.to_numeric(cols[GEO_LAT], errors="coerce")
    lon = pd.to_numeric(cols[GEO_LON], errors="coerce")
    bad, rejected = _invalid(cols, lines, event_date, added, lat, lon)
    batch.rejected = sorted([*batch.rejected, *rejected], key=lambda r: int(r.ref.split()[1]))
    cols = cols[~bad]
    cols = drop("unplaced", (cols[GEO_LAT].str.strip() == "") & (cols[GEO_LON].str.strip() == ""))
    cols = drop("region_centroid", ~cols[GEO_TYPE].str.strip().isin(PLACE_GEO_TYPES))
    if keep is not None and not cols.empty:
        mask = np.asarray(keep(lat[cols.index].to_numpy(float), lon[cols.index].to_numpy(float)), dtype=bool)
        if mask.shape != (len(cols),):
            raise ValueError(f"keep() returned a mask of shape {mask.shape} for {len(cols)} events")
        cols = drop("far_from_sites", pd.Series(~mask, index=cols.index))
    cols = drop("duplicate_url", _repeated_urls(cols))
    batch.dropped = {reason: n for reason, n in dropped.items() if n}
    index = cols.index
    batch.records = _events(cols, event_date[index], added[index], lat[index], lon[index])
    return batch


def _count(column: pd.Series) -> pd.Series:
    """A GDELT count column as int64 (blank or unreadable counts as 1: the row itself is one report)."""
    return pd.to_numeric(column, errors="coerce").fillna(1).clip(lower=1).astype(np.int64)


def _repeated_urls(cols: pd.DataFrame) -> pd.Series:
    """Rows whose SOURCEURL a better-sourced row of the same export also has (only http(s) URLs count:
    GDELT names some non-web sources by a shared label, such as "BBC Monitoring")."""
    url = cols[SOURCEURL].str.strip()
    ranked = pd.DataFrame(
        {
            "url": url,
            "sources": -_count(cols[NUM_SOURCES]),
            "articles": -_count(cols[NUM_ARTICLES]),
            "id": pd.to_numeric(cols[EVENT_ID], errors="coerce"),
        }
    ).sort_values(["url", "sources", "articles", "id"], kind="stable")
    repeated = ranked["url"].duplicated() & ranked["url"].str.match(r"(?i)https?://")
    return repeated.reindex(cols.index)


def _strict_datetime(values: pd.Series, fmt: str, width: int) -> pd.Series:
    """Parse fixed-width digit stamps: NaT unless all ``width`` digits are there (strptime takes 2025031)."""
    whole = values.str.fullmatch(rf"\d{{{width}}}")
    return pd.to_datetime(values.where(whole, ""), format=fmt, errors="coerce")


def _invalid(
    cols: pd.DataFrame,
    lines: pd.Series,
    event_date: pd.Series,
    added: pd.Series,
    lat: pd.Series,
    lon: pd.Series,
) -> tuple[pd.Series, list[RejectedRow]]:
    """Mask of in-scope rows that cannot be used, and a RejectedRow naming the first problem of each."""
    has_lat, has_lon = cols[GEO_LAT].str.strip() != "", cols[GEO_LON].str.strip() != ""
    problems: list[tuple[pd.Series, str, int | None]] = [
        (~cols[EVENT_ID].str.fullmatch(r"\d+"), "GlobalEventID {} is not a number", EVENT_ID),
        (event_date.isna(), "SQLDATE {} is not a date (YYYYMMDD)", SQLDATE),
        (added.isna(), "DATEADDED {} is not a timestamp (YYYYMMDDHHMMSS)", DATEADDED),
        (has_lat & lat.isna(), "ActionGeo_Lat {} is not a number", GEO_LAT),
        (has_lon & lon.isna(), "ActionGeo_Long {} is not a number", GEO_LON),
        (has_lat != has_lon, "ActionGeo_Lat and ActionGeo_Long must be both given or both empty", None),
        (lat.abs() > 90, "ActionGeo_Lat {} is outside -90..90", GEO_LAT),
        (lon.abs() > 180, "ActionGeo_Long {} is outside -180..180", GEO_LON),
    ]
    bad = pd.Series(False, index=cols.index)
    rejected: list[RejectedRow] = []
    for mask, reason, column in problems:
        new = mask & ~bad
        for i in new[new].index:  # only the bad rows: few
            value = repr(cols.at[i, column]) if column is not None else ""
            rejected.append(RejectedRow(f"line {i + 1}", reason.format(value), lines[i]))
        bad |= new
    return bad, rejected


def _events(
    cols: pd.DataFrame, event_date: pd.Series, added: pd.Series, lat: pd.Series, lon: pd.Series
) -> pd.DataFrame:
    """Build the EVENT_COLUMNS (+ REPORT_COLUMNS) frame from the rows kept."""
    types, sub_types = classify(cols[EVENT_CODE])
    frame = pd.DataFrame(
        {
            "source": "gdelt",
            "source_id": cols[EVENT_ID],
            "event_date": event_date.dt.date.astype(object),
            "published_at": added.astype("datetime64[us]"),
            "type": types,
            "sub_type": sub_types,
            "actor1": cols[ACTOR1_NAME],
            "actor2": cols[ACTOR2_NAME],
            "fatalities": 0,
            "lat": lat.astype(float),
            "lon": lon.astype(float),
            "geo_precision": 1,  # only places are kept (PLACE_GEO_TYPES)
            "location": cols[GEO_NAME],
            "country": fips_to_iso(cols[GEO_COUNTRY]),
            "admin1": admin1_names(cols[GEO_NAME], cols[GEO_TYPE], cols[GEO_ADM1]),
            "notes": "",
            "url": cols[SOURCEURL],
            "num_sources": _count(cols[NUM_SOURCES]),
            "num_articles": _count(cols[NUM_ARTICLES]),
        },
        index=cols.index,
        columns=[*EVENT_COLUMNS, *REPORT_COLUMNS],
    )
    return frame.reset_index(drop=True)


def admin1_names(full_name: pd.Series, geo_type: pd.Series, code: pd.Series) -> pd.Series:
    """The first-level admin unit by name, as ACLED gives it, read from ActionGeo_FullName: the part before
    the country for a place or a world state ("Walikale, Nord-Kivu, Democratic Republic Of The Congo"), the
    first part for a US state, none for a country; GDELT's FIPS ADM1 code ("CG11") when the name has no such
    part."""
    parts = full_name.fillna("").str.split(",")
    count = parts.str.len()
    # As objects first: when no name has a second-to-last part the column is all NaN (float), with no .str.
    named = code.where(count < 3, parts.str[-2].astype(object).fillna("").str.strip())
    named = named.where(~((geo_type == "2") & (count == 2)), parts.str[0].str.strip())
    return named.where(geo_type != "1", "")


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in (*EVENT_COLUMNS, *REPORT_COLUMNS)})


def parse_lastupdate(text: str) -> ExportFile:
    """Find the Event export in lastupdate.txt (lines "<size> <md5> <url>": export, mentions, gkg)."""
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and (match := _EXPORT_URL.search(parts[2])):
            size, md5, url = parts
            if not size.isdigit() or not re.fullmatch(r"[0-9a-fA-F]{32}", md5):
                raise FeedError(f"lastupdate.txt: bad size or md5 in {line!r}")
            return ExportFile(int(size), md5.lower(), url, match.group(1))
    raise FeedError("lastupdate.txt does not name an .export.CSV.zip file")


def export_location(lastupdate_url: str, export_url: str) -> str:
    """Where to fetch the export that lastupdate.txt names: its path on lastupdate.txt's own origin (scheme,
    host and port); FeedError when it names another host.

    The listing is plain http by default (GDELT's documented address), so it may have been altered on the
    way: it must not send us to another host, nor from https down to http when the listing was fetched over
    https. Its md5 then only catches a file damaged in transit, not one altered with the listing; set
    ``feeds.gdelt.lastupdate_url`` to an https address to have both come over TLS.
    """
    listing, named = urlsplit(lastupdate_url), urlsplit(export_url)
    if named.scheme not in {"http", "https"} or (named.hostname or "") != (listing.hostname or ""):
        raise FeedError(
            f"lastupdate.txt names an export on {named.hostname or named.scheme or 'no host'}, not on "
            f"{listing.hostname}: not fetched"
        )
    return urlunsplit((listing.scheme, listing.netloc, named.path, named.query, ""))


def unzip_export(data: bytes, what: str) -> bytes:
    """The export CSV inside a GDELT zip; ``what`` names the zip in errors (raised as ValueError)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValueError(f"{what} is not a zip file") from None
    with archive:
        members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")] or archive.infolist()
        if len(members) != 1:
            raise ValueError(f"{what} should hold one export CSV, found {len(members)} files")
        if members[0].file_size > MAX_EXPORT_BYTES:
            size = members[0].file_size
            raise ValueError(f"{what}: {members[0].filename} inflates to {size} bytes, more than we accept")
        try:
            return archive.read(members[0])
        except (zipfile.BadZipFile, zlib.error, OSError) as exc:
            raise ValueError(f"{what} is damaged: {exc}") from None


@dataclass(frozen=True)
class CatchUp:
    """The missed exports a run fetches (stamps, oldest first) and the older ones it leaves out."""

    fetch: list[str]
    skipped: tuple[str, str] | None = None  # first and last stamp left out
    skipped_count: int = 0


def plan_catch_up(since: str | None, newest: str, max_files: int) -> CatchUp:
    """Which exports published after ``since`` and before ``newest`` to fetch, at most ``max_files - 1``.

    Stamps are counted back from ``newest`` by 15 minutes, so a watermark off the quarter hour still finds
    the exports after it. A missing or unreadable watermark means no catch-up (first run).
    """
    if since is None or not re.fullmatch(r"\d{14}", since) or since >= newest:
        return CatchUp([])
    try:
        start, end = datetime.strptime(since, STAMP_FORMAT), datetime.strptime(newest, STAMP_FORMAT)
    except ValueError:
        return CatchUp([])
    seconds = int((end - start).total_seconds())
    missed = (seconds - 1) // int(EXPORT_INTERVAL.total_seconds())  # k >= 1 with end - 15 min * k > start

    def stamp(k: int) -> str:
        return (end - k * EXPORT_INTERVAL).strftime(STAMP_FORMAT)

    kept = min(missed, max(max_files - 1, 0))
    fetch = [stamp(k) for k in range(kept, 0, -1)]
    if kept == missed:
        return CatchUp(fetch)
    return CatchUp(fetch, (stamp(missed), stamp(kept + 1)), missed - kept)


def export_url(newest_url: str, stamp: str) -> str:
    """The URL of the export stamped ``stamp``: the newest's URL with its stamp replaced."""
    match = _EXPORT_URL.search(newest_url)
    if match is None:
        raise ValueError(f"{newest_url} is not an export URL")
    return newest_url[: match.start(1)] + stamp + newest_url[match.end(1) :]


class GdeltCollector:
    """Fetch the exports published since the watermark (the newest named by lastupdate.txt, and those
    missed before it, see ``plan_catch_up``); watermark = each export's stamp."""

    name = "gdelt"
    kind: Kind = "events"

    def __init__(self, settings: GdeltSettings, keep: KeepFilter | None = None) -> None:
        self.settings = settings
        self.keep = keep

    def collect(self, requester: RetryingRequester, since: str | None) -> Iterator[Batch]:
        """Yield one batch per export after ``since``, oldest first, ending with the newest; nothing when
        the newest's stamp is not after ``since``. A 404 for a missed export yields an empty batch (GDELT
        has gaps); any other failure raises FeedError after the batches already yielded."""
        cap = self.settings.max_response_mb
        listing = requester.get(self.settings.lastupdate_url, max_response_mb=cap).text
        named = parse_lastupdate(listing)
        export = replace(named, url=export_location(self.settings.lastupdate_url, named.url))
        # Stamps are fixed-width YYYYMMDDHHMMSS, so string order is time order.
        if since is not None and export.timestamp <= since:
            return
        plan = plan_catch_up(since, export.timestamp, self.settings.catch_up_max_files)
        if plan.skipped is not None:
            first, last = plan.skipped
            log.warning(
                "gdelt: %d missed exports from %s to %s are not fetched (feeds.gdelt.catch_up_max_files=%d);"
                " fetch them from %s and load them with `minewatch import gdelt FILE`",
                plan.skipped_count,
                first,
                last,
                self.settings.catch_up_max_files,
                export_url(export.url, first),
            )
        for stamp in plan.fetch:
            yield self._missed(requester, export_url(export.url, stamp), stamp)
        data = requester.get(export.url, max_response_mb=cap).content
        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        if digest != export.md5 or len(data) != export.size:
            raise FeedError(
                f"{export.url}: got md5 {digest} ({len(data)} bytes) but lastupdate.txt says "
                f"{export.md5} ({export.size} bytes)"
            )
        yield self._parsed(data, export.url, export.timestamp)

    def _missed(self, requester: RetryingRequester, url: str, stamp: str) -> ExportBatch:
        """A missed export, or an empty batch at its stamp when GDELT has none (404)."""
        response = requester.get(url, ok=(200, 404), max_response_mb=self.settings.max_response_mb)
        if response.status_code == 404:
            log.warning("gdelt: %s is not on the server (HTTP 404), a gap in GDELT; passed over", url)
            return ExportBatch(_empty_frame(), watermark=stamp)
        try:
            return self._parsed(response.content, url, stamp)
        except FeedError as exc:
            # The newest is re-offered by lastupdate.txt and retried next run; a missed one is not, so a
            # damaged copy is quarantined (with its reason and first bytes) and the run goes on.
            head = response.content[:300].decode("utf-8", "replace")
            return ExportBatch(_empty_frame(), [RejectedRow(url, str(exc), head)], watermark=stamp)

    def _parsed(self, data: bytes, url: str, stamp: str) -> ExportBatch:
        try:
            text = unzip_export(data, url)
        except ValueError as exc:
            raise FeedError(str(exc)) from None
        batch = parse_export(text, self.keep)
        batch.watermark = stamp
        return batch


def parse_file(path: Path, keep: KeepFilter | None = None) -> ExportBatch:
    """Parse a GDELT 2.0 export from disk (``.CSV`` or the ``.zip`` GDELT serves) for ``minewatch import``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    if path.suffix.lower() == ".zip":
        try:
            data = unzip_export(data, str(path))
        except ValueError as exc:
            raise InputError(str(exc)) from None
    batch = parse_export(data, keep)
    if batch.fetched and batch.malformed == batch.fetched:
        raise InputError(f"{path}: not a GDELT 2.0 event export (no line has {FIELDS} tab-separated fields)")
    return batch
