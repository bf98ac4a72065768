"""UCDP GED: parse the GED API's event rows into events; collect a GED version page by page.

UCDP codes three kinds of organised violence; we map them onto the ACLED taxonomy (state-based and
non-state conflict -> battles, one-sided violence -> violence_against_civilians) and keep UCDP's own kind in
``sub_type``. UCDP does not say when it published a row, so ``published_at`` is None and the store falls
back to when we first saw it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

from feeds.base import Batch, Kind
from feeds.checks import RowProblems, as_text, check_number, is_blank
from feeds.countries import alpha2_column
from feeds.rows import EVENT_COLUMNS
from monitor.config import UcdpSettings
from monitor.errors import AuthError, FeedError, InputError
from monitor.net.http import RetryingRequester

SOURCE = "ucdp"
#: Fields every GED row must carry; the others (side_a, adm_1, ...) are read when present.
REQUIRED_FIELDS: tuple[str, ...] = (
    "id", "date_start", "type_of_violence", "latitude", "longitude", "best", "where_prec",
)  # fmt: skip
#: UCDP type_of_violence -> (our type, sub_type).
VIOLENCE_TYPES: dict[int, tuple[str, str]] = {
    1: ("battles", "UCDP state-based conflict"),
    2: ("battles", "UCDP non-state conflict"),
    3: ("violence_against_civilians", "UCDP one-sided violence"),
}
#: UCDP where_prec (1 exact place ... 7 international waters) -> geo_precision (1 exact, 2 near, 3 region).
WHERE_PRECISION: dict[int, int] = {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 3}
TOKEN_HEADER = "x-ucdp-access-token"


def parse_api_rows(rows: Sequence[Mapping[str, Any]]) -> Batch:
    """Parse the ``Result`` rows of a GED API response into events; bad rows are rejected by id."""
    if not rows:
        return Batch(pd.DataFrame({c: pd.Series(dtype=object) for c in EVENT_COLUMNS}))
    frame = pd.DataFrame.from_records(list(rows))
    missing = [f for f in REQUIRED_FIELDS if f not in frame]
    if missing:
        raise InputError(f"the UCDP rows lack required fields: {', '.join(missing)}")
    problems = RowProblems(len(frame))

    ids = frame["id"].map(_id_text)
    problems.add(ids == "", ids, lambda _v: "id is missing")
    starts = frame["date_start"]
    dates = pd.to_datetime(as_text(frame, "date_start").str[:10], format="%Y-%m-%d", errors="coerce")
    problems.add(is_blank(starts), starts, lambda _v: "date_start is missing")
    problems.add(
        dates.isna() & ~is_blank(starts),
        starts,
        lambda v: f"date_start {v!r} is not a date (expected 2025-03-09)",
    )
    violence = _codes(frame["type_of_violence"], VIOLENCE_TYPES.keys())
    problems.add(
        violence.isna(), frame["type_of_violence"], lambda v: f"type_of_violence {v!r} is not 1, 2 or 3"
    )
    where = _codes(frame["where_prec"], WHERE_PRECISION.keys())
    problems.add(where.isna(), frame["where_prec"], lambda v: f"where_prec {v!r} is not 1 to 7")
    lat = check_number(frame["latitude"], "latitude", problems, low=-90, high=90)
    lon = check_number(frame["longitude"], "longitude", problems, low=-180, high=180)
    best = check_number(frame["best"], "best", problems, low=0, high=1e6, whole=True)

    rejected = problems.rejected(
        lambda p: f"id={ids.iloc[p]}" if ids.iloc[p] else f"row {p + 1}",
        lambda p: json.dumps(rows[p], ensure_ascii=False, default=str),
    )
    good = ~problems.bad()
    kinds = violence[good].astype(int)
    dyad, place = as_text(frame, "dyad_name")[good], as_text(frame, "where_description")[good]
    events = pd.DataFrame(
        {
            "source": SOURCE,
            "source_id": ids[good],
            "event_date": pd.Series(dates[good].dt.date, dtype=object),
            "published_at": pd.Series([None] * int(good.sum()), index=kinds.index, dtype=object),
            "type": kinds.map(lambda k: VIOLENCE_TYPES[k][0]),
            "sub_type": kinds.map(lambda k: VIOLENCE_TYPES[k][1]),
            "actor1": as_text(frame, "side_a")[good],
            "actor2": as_text(frame, "side_b")[good],
            "fatalities": best[good].astype(np.int64),
            "lat": lat[good],
            "lon": lon[good],
            "geo_precision": where[good].astype(int).map(WHERE_PRECISION).astype(np.int64),
            "location": as_text(frame, "where_coordinates")[good],
            "country": alpha2_column(None, as_text(frame, "country")[good]),
            "admin1": as_text(frame, "adm_1")[good],
            "notes": (dyad + np.where((dyad != "") & (place != ""), ": ", "") + place).str.strip(),
            "url": "",
        },
        columns=list(EVENT_COLUMNS),
    )
    events = events.drop_duplicates("source_id", keep="last").reset_index(drop=True)
    return Batch(events, rejected=rejected, fetched=len(frame))


def parse_file(path: Path) -> Batch:
    """Parse a file for ``minewatch import ucdp``: a saved GED API response, or a JSON list of rows."""
    try:
        body = json.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None
    rows = body.get("Result") if isinstance(body, dict) else body
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputError(f"{path}: expected a UCDP GED API response with a 'Result' list, or a list of rows")
    try:
        return parse_api_rows(rows)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def _id_text(value: Any) -> str:
    """A GED id as text: 244657 (JSON number), 244657.0 (after pandas saw a null) or "244657"."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _codes(values: pd.Series, allowed: Iterable[int]) -> pd.Series:
    """Integer codes as floats, NaN where a value is not one of ``allowed``."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    return numbers.where(numbers.isin([float(a) for a in allowed]))


class UcdpCollector:
    """Pulls one GED version (``settings.version``) from the UCDP API, following ``NextPageUrl``.

    Watermark: ``"<version>:<rows>"``, the number of rows of that version fully fetched so far (pages come
    in a stable order within a released version). A pull resumes at the page holding row ``<rows>``, so an
    interrupted pull carries on where it stopped, a finished version costs one request per run (its last page
    again, all duplicates), and a new ``version`` in the config starts from row 0. Rows are counted rather
    than pages so that a change of ``page_size`` does not skip rows.

    ``NextPageUrl`` is followed by its path and query on the configured ``base_url``, so the token is only
    ever sent to the host the user configured (the API may announce itself as plain http).
    """

    name = "ucdp"
    kind: Kind = "events"

    def __init__(self, settings: UcdpSettings) -> None:
        self.settings = settings

    def collect(self, requester: RetryingRequester, since: str | None) -> Iterator[Batch]:
        token = self.settings.token.get_secret_value() if self.settings.token else ""
        if not token:
            raise AuthError("the UCDP API needs an access token: set MINEWATCH_UCDP_TOKEN in the environment")
        version, size = self.settings.version, self.settings.page_size
        base = httpx.URL(self.settings.base_url.rstrip("/"))
        page = self._resume_row(since) // size
        url = httpx.URL(f"{base}/gedevents/{version}", params={"pagesize": size, "page": page})
        while True:
            body = self._get(requester, url, token)
            rows = body["Result"]
            batch = parse_api_rows(rows)
            batch.watermark = f"{version}:{page * size + len(rows)}"
            batch.fetched = len(rows)
            yield batch
            following = str(body.get("NextPageUrl") or "")
            if not rows or not following:
                return
            target = httpx.URL(following)
            announced = target.params.get("page", "")
            next_page = int(announced) if announced.isdigit() else page + 1
            if next_page <= page:
                raise FeedError(f"UCDP API: NextPageUrl points back to page {next_page} after page {page}")
            url, page = base.copy_with(raw_path=target.raw_path), next_page

    def _resume_row(self, since: str | None) -> int:
        if not since:
            return 0
        version, _, rows = since.rpartition(":")
        if version != self.settings.version or not rows.isdigit():
            return 0
        return int(rows)

    def _get(self, requester: RetryingRequester, url: httpx.URL, token: str) -> dict[str, Any]:
        response = requester.get(
            str(url),
            headers={TOKEN_HEADER: token},
            ok=(200, 401, 403),
            max_response_mb=self.settings.max_response_mb,
        )
        if response.status_code in (401, 403):
            raise AuthError(
                f"the UCDP API refused the token in MINEWATCH_UCDP_TOKEN (HTTP {response.status_code})"
            )
        try:
            body = response.json()
        except ValueError:
            raise FeedError("UCDP API: the response is not JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("Result"), list):
            raise FeedError("UCDP API: the response has no 'Result' list")
        return body
