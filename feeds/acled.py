"""ACLED: parse the CSV export and the API's JSON rows into events; collect from the OAuth API page by page.

Parsing is pure and vectorised (100k CSV rows in about 0.3 s on 2 cores): every check runs on whole
columns and messages are built for the bad rows only. A row that fails a check is returned as a
``RejectedRow`` naming its line (CSV) or ``event_id_cnty`` (API) and the field at fault; the good rows
still come through.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import httpx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from feeds.base import Batch, Kind
from feeds.checks import RowProblems, as_text, check_number, map_distinct, to_float
from feeds.countries import alpha2_column
from feeds.rows import EVENT_COLUMNS, RejectedRow
from monitor.config import AcledSettings
from monitor.errors import AuthError, FeedError, InputError
from monitor.net.http import RetryingRequester

SOURCE = "acled"
#: ACLED columns the parser reads; the export's other columns (inter1, tags, ...) are ignored.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "actor2", "country", "admin1",
    "location", "latitude", "longitude", "geo_precision", "notes", "fatalities", "timestamp",
)  # fmt: skip
#: Read when present: the ISO 3166-1 numeric country code (the name is the fallback).
OPTIONAL_COLUMNS: tuple[str, ...] = ("iso",)
#: ACLED event_type (lower case) -> our snake-case type.
EVENT_TYPES: dict[str, str] = {
    "battles": "battles",
    "explosions/remote violence": "explosions_remote_violence",
    "violence against civilians": "violence_against_civilians",
    "riots": "riots",
    "protests": "protests",
    "strategic developments": "strategic_developments",
}
_UTF8_BOM = b"\xef\xbb\xbf"
#: ``parse_file_parts`` reads and parses a CSV export this many bytes at a time (cut at a record's end):
#: the bench's 4M-row file (1.5 GB) peaked at 5.5 GB parsed at once, 1.3 GB in parts of 128 MB, 0.8 GB
#: in parts of 64 MB.
PART_BYTES = 64 << 20


# ---- parsing ---------------------------------------------------------------------------------------------
def parse_csv(data: bytes | str) -> Batch:
    """Parse an ACLED CSV export (event_date like "16 May 2025" or "2025-05-16") into events."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    raw = raw.removeprefix(_UTF8_BOM)
    header = _csv_header(raw)
    _require(header, "the ACLED CSV")
    return _batch(_csv_rows(raw, header, _usecols(header), first_line=2))


def parse_api_rows(rows: Sequence[Mapping[str, Any]]) -> Batch:
    """Parse the ``data`` rows of an ACLED API JSON response (every value a string) into events."""
    if not rows:
        return Batch(_empty_events())
    frame = pd.DataFrame.from_records(list(rows))
    _require(frame.columns, "the ACLED API rows")
    ids = as_text(frame, "event_id_cnty")

    def ref(pos: int) -> str:
        return f"event_id_cnty={ids.iloc[pos]}" if ids.iloc[pos] else f"row {pos + 1}"

    return _normalise(frame, ref, lambda pos: json.dumps(rows[pos], ensure_ascii=False))


def parse_file(path: Path) -> Batch:
    """Parse a file for ``minewatch import acled``: a CSV export, or a saved API JSON response."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    if data.removeprefix(_UTF8_BOM).lstrip()[:1] in (b"{", b"["):
        try:
            body = json.loads(data.decode("utf-8-sig"))
        except ValueError as exc:
            raise InputError(f"{path}: not valid JSON: {exc}") from None
        rows = body.get("data") if isinstance(body, dict) else body
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InputError(f"{path}: expected an ACLED API response with a 'data' list of rows")
        return parse_api_rows(rows)
    with _naming(path):
        return parse_csv(data)


@contextmanager
def _naming(path: Path) -> Iterator[None]:
    """An ``InputError`` raised inside, with ``path`` named first."""
    try:
        yield
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def parse_file_parts(path: Path, part_bytes: int = PART_BYTES) -> Iterator[Batch]:
    """``parse_file`` a part of about ``part_bytes`` at a time, for ``minewatch import``: memory follows the
    part, not the file. A smaller file, or a saved API response, is one part. Rows whose event_id_cnty
    repeats in the file are held back and parsed together last, so that the newest revision wins as it
    does in one batch; line numbers are the file's."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.readline()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    head = head.removeprefix(_UTF8_BOM)
    repeated = None if size <= part_bytes or head.lstrip()[:1] in (b"{", b"[") else _repeated_ids(path)
    if repeated is None:  # one part (or a CSV only the csv module reads, which names its bad lines)
        yield parse_file(path)
        return
    with _naming(path):
        header = _csv_header(head)
        _require(header, "the ACLED CSV")
    usecols = _usecols(header)
    held: list[pd.DataFrame] = []
    held_refs: list[str] = []
    held_raws: list[str] = []
    line = 2  # the file's line of the part's first record
    with path.open("rb") as fh:
        fh.readline()
        for body in _record_parts(fh, part_bytes):
            with _naming(path):
                rows = _csv_rows(head + body, header, usecols, first_line=line)
            line += body.count(b"\n")
            later = as_text(rows.frame, "event_id_cnty").isin(repeated).to_numpy()
            if later.any():
                at = np.flatnonzero(later)
                held.append(rows.frame.iloc[at])
                held_refs += [rows.ref(p) for p in at.tolist()]
                held_raws += [rows.raw(p) for p in at.tolist()]
                rows = rows.without(at)
            yield _batch(rows)
    if held:
        yield _normalise(pd.concat(held, ignore_index=True), held_refs.__getitem__, held_raws.__getitem__)


def _repeated_ids(path: Path) -> frozenset[str] | None:
    """The event_id_cnty values on more than one row of the CSV at ``path`` (one column read by Arrow);
    None when Arrow cannot read it (not UTF-8, say: the csv module then names the line)."""
    try:
        table = pacsv.read_csv(
            path,
            # A ragged row is rejected whatever its id: skipped here.
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=lambda _row: "skip"
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=["event_id_cnty"], column_types={"event_id_cnty": pa.string()}
            ),
        )
    except (pa.ArrowException, OSError):
        return None
    ids = pc.utf8_trim_whitespace(table.column(0))
    counts = pc.value_counts(ids)
    repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1)).to_pylist()
    return frozenset(str(v) for v in repeated if v)


def _record_parts(fh: BinaryIO, part_bytes: int) -> Iterator[bytes]:
    """The rest of the file in parts of about ``part_bytes``, each ending where a record does."""
    carry = b""
    while chunk := fh.read(part_bytes):
        buffer = carry + chunk
        cut = _last_record_end(buffer)
        carry = buffer[cut:]
        if cut:
            yield buffer[:cut]
    if carry:
        yield carry


def _last_record_end(buffer: bytes) -> int:
    """Where the last whole record of ``buffer`` (which starts at a record) ends; 0 when none does. A
    record ends at a line break outside quotes: a quoted field may hold line breaks, and quotes inside one
    are doubled, so a break is outside quotes when an even number of them come before it."""
    end = buffer.rfind(b"\n")
    odd = end >= 0 and buffer.count(b'"', 0, end) % 2 == 1
    while odd:
        before = buffer.rfind(b"\n", 0, end)
        odd ^= buffer.count(b'"', before + 1, end) % 2 == 1
        end = before
        odd = odd and end >= 0
    return end + 1


def _require(columns: Sequence[str] | pd.Index, what: str) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in set(columns)]
    if missing:
        raise InputError(f"{what} lacks required columns: {', '.join(missing)}")


def _csv_header(raw: bytes) -> list[str]:
    end = raw.find(b"\n")
    first = (raw if end < 0 else raw[:end]).rstrip(b"\r")
    if not first.strip():
        raise InputError("the ACLED CSV is empty (no header line)")
    try:
        return [c.strip() for c in next(csv.reader([first.decode("utf-8")]))]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"the ACLED CSV header cannot be read: {exc}") from None


def _arrow_frame(raw: bytes, usecols: list[str]) -> pd.DataFrame | None:
    """Arrow's multi-threaded CSV reader (every value a string); None when a row has the wrong field count."""
    try:
        return pd.read_csv(
            io.BytesIO(raw), engine="pyarrow", dtype=str, keep_default_na=False, usecols=usecols
        )
    except (pd.errors.ParserError, ValueError):
        return None


def _usecols(header: Sequence[str]) -> list[str]:
    return [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in header]


@dataclass(frozen=True)
class _Rows:
    """A CSV's records as raw strings (the columns read), where each one is (``ref``: "line N" of the
    file) and its text (``raw``), and the ragged records already rejected."""

    frame: pd.DataFrame
    ref: Callable[[int], str]
    raw: Callable[[int], str]
    ragged: list[RejectedRow]

    def without(self, positions: np.ndarray) -> _Rows:
        """These rows but those at ``positions``."""
        kept = np.setdiff1d(np.arange(len(self.frame)), positions)
        return _Rows(
            self.frame.iloc[kept].reset_index(drop=True),
            lambda p: self.ref(int(kept[p])),
            lambda p: self.raw(int(kept[p])),
            self.ragged,
        )


def _csv_rows(raw: bytes, header: list[str], usecols: list[str], first_line: int) -> _Rows:
    """The records of ``raw`` (a header line, then records; the first on the file's line ``first_line``):
    by Arrow's multi-threaded reader, or, for ragged rows (or text not UTF-8), by the csv module."""
    frame = _arrow_frame(raw, usecols)
    if frame is None:  # ragged rows (or not UTF-8): the csv module names the lines
        return _slow_csv(raw, header, usecols, first_line - 2)
    lines = _LineIndex(raw, len(frame), first_line - 2)
    return _Rows(frame, lines.ref, lines.raw, [])


def _batch(rows: _Rows) -> Batch:
    """The events of ``rows``, with the ragged ones among the rejected, in the order of their lines."""
    batch = _normalise(rows.frame, rows.ref, rows.raw)
    if rows.ragged:
        batch.rejected = sorted([*rows.ragged, *batch.rejected], key=lambda r: int(r.ref.split()[1]))
        batch.fetched += len(rows.ragged)
    return batch


class _LineIndex:
    """Where each CSV record sits in the file, worked out only when a row is rejected.

    When every record takes one physical line (the usual export) record ``i`` is line ``i + 2``; otherwise
    (quoted line breaks in notes, blank lines) one pass of the csv module maps records to their lines.
    ``offset``: lines of the file before this text's first record, past its header (a part of a file)."""

    def __init__(self, raw: bytes, records: int, offset: int = 0) -> None:
        self._raw = raw
        physical = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
        self._simple = physical == records + 1
        self._offset = offset
        self._lines: list[str] = []
        self._spans: list[tuple[int, int]] = []

    def ref(self, pos: int) -> str:
        return f"line {self._span(pos)[0] + self._offset}"

    def raw(self, pos: int) -> str:
        start, end = self._span(pos)
        return "".join(self._lines[start - 1 : end]).rstrip("\r\n")

    def _span(self, pos: int) -> tuple[int, int]:
        if not self._lines:
            text = self._raw.decode("utf-8", errors="replace")
            self._lines = io.StringIO(text, newline="").readlines()
            if not self._simple:
                self._spans = [(start, end) for start, end, _row in _records(text)]
        return (pos + 2, pos + 2) if self._simple else self._spans[pos]


def _records(text: str) -> Iterator[tuple[int, int, list[str]]]:
    """Every non-blank record after the header, with its first and last physical line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        next(reader)
        end = reader.line_num
        for row in reader:
            start, end = end + 1, reader.line_num
            if row and not (len(row) == 1 and not row[0].strip()):
                yield start, end, row
    except csv.Error as exc:
        raise InputError(f"the ACLED CSV cannot be parsed at line {reader.line_num}: {exc}") from None


def _slow_csv(raw: bytes, header: list[str], usecols: list[str], offset: int) -> _Rows:
    """Read row by row with the csv module: exact line numbers (``offset`` added: the lines of the file
    before this text's first record, past its header), and ragged rows rejected by line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"the ACLED CSV is not UTF-8 text (line {line + offset})") from None
    physical = io.StringIO(text, newline="").readlines()

    def raw_text(start: int, end: int) -> str:
        return "".join(physical[start - 1 : end]).rstrip("\r\n")

    keep = [header.index(c) for c in usecols]
    rows: list[list[str]] = []
    spans: list[tuple[int, int]] = []
    ragged: list[RejectedRow] = []
    for start, end, row in _records(text):
        if len(row) != len(header):
            reason = f"row has {len(row)} fields, the header has {len(header)}"
            ragged.append(RejectedRow(f"line {start + offset}", reason, raw_text(start, end)))
        else:
            rows.append([row[i] for i in keep])
            spans.append((start, end))
    frame = pd.DataFrame(rows, columns=usecols, dtype=object)
    return _Rows(frame, lambda p: f"line {spans[p][0] + offset}", lambda p: raw_text(*spans[p]), ragged)


def _dates(values: pd.Series) -> pd.Series:
    """ACLED dates: the export's "16 May 2025" or the API's "2025-05-16" (NaT when neither). Each distinct
    text parsed once: three years of events hold about 1,100 dates (0.38 s of a 300k import, parsed row by
    row)."""
    codes, distinct = pd.factorize(values.astype(str).str.strip(), use_na_sentinel=False)
    text = pd.Series(distinct, dtype=object)
    dates = pd.to_datetime(text, format="%d %B %Y", errors="coerce")
    iso = dates.isna()
    if iso.any():
        dates[iso] = pd.to_datetime(text[iso], format="%Y-%m-%d", errors="coerce")
    return pd.Series(dates.to_numpy()[codes], index=values.index, dtype=dates.dtype)


def _normalise(frame: pd.DataFrame, ref_of: Callable[[int], str], raw_of: Callable[[int], str]) -> Batch:
    """Check and convert raw ACLED columns (strings) into EVENT_COLUMNS; bad rows become RejectedRows."""
    frame = frame.reset_index(drop=True)
    problems = RowProblems(len(frame))
    ids = as_text(frame, "event_id_cnty")
    problems.add(ids == "", ids, lambda _v: "event_id_cnty is missing")

    raw_dates = as_text(frame, "event_date")
    dates = _dates(raw_dates)
    problems.add(raw_dates == "", raw_dates, lambda _v: "event_date is missing")
    problems.add(
        dates.isna() & (raw_dates != ""),
        raw_dates,
        lambda v: f"event_date {v!r} is not a date (expected like '16 May 2025' or '2025-05-16')",
    )

    raw_types = as_text(frame, "event_type")
    types = map_distinct(raw_types, lambda v: EVENT_TYPES.get(v.lower()))
    problems.add(raw_types == "", raw_types, lambda _v: "event_type is missing")
    problems.add(
        types.isna() & (raw_types != ""), raw_types, lambda v: f"event_type {v!r} is not an ACLED event type"
    )

    lat = check_number(frame["latitude"], "latitude", problems, low=-90, high=90)
    lon = check_number(frame["longitude"], "longitude", problems, low=-180, high=180)
    fatalities = check_number(frame["fatalities"], "fatalities", problems, low=0, high=1e6, whole=True)
    precision = as_text(frame, "geo_precision")
    problems.add(
        ~precision.isin(["1", "2", "3"]), precision, lambda v: f"geo_precision {v!r} is not 1, 2 or 3"
    )

    raw_ts = as_text(frame, "timestamp")
    stamps = to_float(raw_ts)
    problems.add(
        (raw_ts != "") & (stamps.isna() | (stamps < 0)),
        raw_ts,
        lambda v: f"timestamp {v!r} is not a unix time",
    )
    valid_ts = stamps.where(stamps >= 0)
    watermark = None if valid_ts.isna().all() else str(int(valid_ts.max()))

    rejected = problems.rejected(ref_of, raw_of)
    good = ~problems.bad()
    published = pd.to_datetime(valid_ts[good].round(), unit="s")
    country = alpha2_column(
        as_text(frame, "iso")[good] if "iso" in frame else None, as_text(frame, "country")[good]
    )
    events = pd.DataFrame(
        {
            "source": SOURCE,
            "source_id": ids[good],
            "event_date": pd.Series(dates[good].dt.date, dtype=object),
            "published_at": pd.Series(
                np.where(published.notna(), published.dt.to_pydatetime(), None),
                index=published.index,
                dtype=object,
            ),
            "type": types[good],
            "sub_type": as_text(frame, "sub_event_type")[good],
            "actor1": as_text(frame, "actor1")[good],
            "actor2": as_text(frame, "actor2")[good],
            "fatalities": fatalities[good].astype(np.int64),
            "lat": lat[good],
            "lon": lon[good],
            "geo_precision": precision[good].astype(np.int64),
            "location": as_text(frame, "location")[good],
            "country": country,
            "admin1": as_text(frame, "admin1")[good],
            "notes": as_text(frame, "notes")[good],
            "url": "",
        },
        columns=list(EVENT_COLUMNS),
    )
    # An event revised by ACLED comes back with the same id and a newer timestamp: keep the newest. Checked
    # first because reordering a 100k-row frame twice is a tenth of an import, and repeats are rare.
    if events["source_id"].duplicated().any():
        order = valid_ts[good].fillna(-1).to_numpy().argsort(kind="stable")
        events = events.iloc[order].drop_duplicates("source_id", keep="last").sort_index()
    events = events.reset_index(drop=True)
    return Batch(events, rejected=rejected, watermark=watermark, fetched=len(frame))


def _empty_events() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in EVENT_COLUMNS})


# ---- network ---------------------------------------------------------------------------------------------
class _Token:
    """An OAuth access token for the ACLED API, renewed when it expires or is refused."""

    CLIENT_ID = "acled"
    #: Renew this long before the announced expiry, so a page request does not race it.
    MARGIN = timedelta(seconds=60)

    def __init__(
        self, settings: AcledSettings, requester: RetryingRequester, now: Callable[[], datetime]
    ) -> None:
        username = settings.username.get_secret_value() if settings.username else ""
        password = settings.password.get_secret_value() if settings.password else ""
        if not username or not password:
            raise AuthError(
                "ACLED credentials are missing: set MINEWATCH_ACLED_USERNAME (account e-mail) and "
                "MINEWATCH_ACLED_PASSWORD in the environment"
            )
        self._form = {"username": username, "password": password}
        self._url = f"{settings.base_url.rstrip('/')}/oauth/token"
        self._max_mb = settings.max_response_mb
        self._requester = requester
        self._now = now
        self._access = ""
        self._refresh = ""
        self._expires_at = datetime.min.replace(tzinfo=UTC)

    def value(self) -> str:
        """The current access token, logging in (or renewing) first when there is none or it has expired."""
        if not self._access:
            self._grant({**self._form, "grant_type": "password"})
        elif _aware(self._now()) >= self._expires_at - self.MARGIN:
            self.renew()
        return self._access

    def renew(self) -> None:
        """Use the refresh token when there is one and it is accepted; otherwise log in again."""
        if self._refresh and self._grant(
            {"grant_type": "refresh_token", "refresh_token": self._refresh}, quiet=True
        ):
            return
        self._grant({**self._form, "grant_type": "password"})

    def _grant(self, form: dict[str, str], quiet: bool = False) -> bool:
        response = self._requester.request(
            "POST",
            self._url,
            data={**form, "client_id": self.CLIENT_ID},
            ok=(200, 400, 401, 403),
            max_response_mb=self._max_mb,
        )
        if response.status_code != 200:
            if quiet:
                return False
            raise AuthError(
                f"ACLED refused the login of MINEWATCH_ACLED_USERNAME (HTTP {response.status_code}): "
                "check MINEWATCH_ACLED_USERNAME and MINEWATCH_ACLED_PASSWORD"
            )
        body = _json(response, "ACLED token")
        access = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(access, str) or not access:
            raise AuthError("ACLED's token response has no access_token")
        self._access = access
        self._refresh = str(body.get("refresh_token") or "")
        try:
            lifetime = float(body.get("expires_in") or 86400)
        except (TypeError, ValueError):
            lifetime = 86400.0
        self._expires_at = _aware(self._now()) + timedelta(seconds=lifetime)
        return True


class AcledCollector:
    """Pulls rows ACLED published after the watermark (a unix ``timestamp``) from the read API, page by page.

    Watermark: the ACLED ``timestamp`` (publication time) of the newest row fetched. The API does not promise
    to return rows in timestamp order, so the watermark may only move past rows once every page of the query
    has been read: each page is yielded (and stored) as it arrives carrying the query's lower bound, and the
    last page carries the newest timestamp of the whole pull. An interrupted pull therefore starts again from
    the same lower bound (re-reading is harmless: the store ignores rows it has) and never skips rows.
    """

    name = "acled"
    kind: Kind = "events"

    def __init__(self, settings: AcledSettings, now: Callable[[], datetime]) -> None:
        self.settings = settings
        self.now = now

    def collect(self, requester: RetryingRequester, since: str | None) -> Iterator[Batch]:
        token = _Token(self.settings, requester, self.now)
        lower = self._lower_bound(since)
        url = f"{self.settings.base_url.rstrip('/')}/api/acled/read"
        limit = self.settings.page_limit
        params: dict[str, str | int] = {
            "_format": "json", "limit": limit, "timestamp": lower, "timestamp_where": ">",
        }  # fmt: skip
        if self.settings.countries:
            params["country"] = "|".join(self.settings.countries)
        newest = lower
        page = 1
        while True:
            rows = self._page(requester, token, url, {**params, "page": page})
            batch = parse_api_rows(rows)
            if batch.watermark is not None:
                newest = max(newest, int(batch.watermark))
            last = len(rows) < limit
            batch.watermark = str(newest if last else lower)
            batch.fetched = len(rows)
            yield batch
            if last:
                return
            page += 1

    def _lower_bound(self, since: str | None) -> int:
        if since is None or not since.strip():
            start = _aware(self.now()) - timedelta(days=self.settings.lookback_days)
            return int(start.timestamp())
        try:
            return int(float(since))
        except ValueError:
            raise FeedError(f"ACLED watermark {since!r} is not a unix timestamp") from None

    def _page(
        self, requester: RetryingRequester, token: _Token, url: str, params: dict[str, str | int]
    ) -> list[dict[str, Any]]:
        for attempt in (1, 2):
            response = requester.get(
                url,
                params=params,
                headers={"Authorization": f"Bearer {token.value()}"},
                ok=(200, 401),
                max_response_mb=self.settings.max_response_mb,
            )
            if response.status_code != 401:
                break
            if attempt == 1:  # the token expired (or was revoked) mid-pull: renew once, retry the page
                token.renew()
        else:
            raise AuthError("ACLED refused the access token even after logging in again (HTTP 401)")
        body = _json(response, "ACLED API page")
        if not isinstance(body, dict) or body.get("success") is False:
            detail = body.get("error") or body.get("messages") if isinstance(body, dict) else body
            raise FeedError(f"ACLED API error on page {params['page']}: {str(detail)[:300]}")
        rows = body.get("data")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise FeedError(f"ACLED API page {params['page']} has no 'data' list of rows")
        return rows


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise FeedError(f"{what}: the response is not JSON") from None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
