"""Backtest: replay the daily scores point-in-time over a date range and hold them against known halts.

Definitions (``N`` = ``horizon_days``; days are UTC calendar days; ``[from, to]`` is the replayed range):

- **Halt episode**: a site stopped from day ``S`` (its start). Episodes come from the known-halts CSV (the
  bundled ``monitor/data/episodes.csv``, or the user's file instead) and from the store's notices: the first
  day of each run of days on which the scores show the site halted by a notice (status ``halted``, or
  ``halt_unconfirmed`` after it, while its registry status is not a stop). A notice halt that starts
  between ``S - N`` and the end of a CSV episode of the same site (``S + N`` when the CSV gives no end) is
  that episode: the CSV row wins and the notice day is kept as ``notice_start``. An episode is *in range*
  when ``S`` lies in ``[from, to]``.
- **Stopped day**: a day the scores do not show the site operating (halted by a notice, or a registry
  stop), or a day in ``[start, end)`` of an episode (``end`` is the restart day; only the start day when
  it is empty).
- **Alarm day**: a day that is not stopped on which the site's level is ``high`` or ``critical``.
- **Positive day**: a day ``D`` such that an episode of the site starts in ``(D, D + N]``.
- Over the site-days of ``[from, to]`` that are not stopped: **precision** = alarm and positive / alarm,
  **recall** = alarm and positive / positive, **false-alarm days** = alarm and not positive. Days near ``to``
  can only be positive through episodes after ``to`` that the CSV lists (notices are replayed up to ``to``).
- Per episode, the **lookback** is ``[S - N, S - 1]``: ``first_high`` is its first alarm day,
  ``first_critical`` its first alarm day at ``critical``, ``lead_days = S - first_high`` (empty without one).

``evaluate`` is the pure core; ``run`` scores the range with the pipeline (one call, ``persist=False``).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feeds.rows import RejectedRow
from monitor import explanation, sites
from monitor.config import BacktestSettings
from monitor.domain import HALT_EPISODE_STATUSES, HIGH_OR_WORSE, STOPPED_STATUSES
from monitor.errors import InputError
from monitor.pipeline import Pipeline
from monitor.spreadsheet import neutral_cell

__all__ = [
    "ALARM_LEVELS",
    "DEFAULT_HORIZON_DAYS",
    "EPISODE_COLUMNS",
    "EPISODE_KINDS",
    "RESULT_COLUMNS",
    "SITE_RESULT_COLUMNS",
    "BacktestResult",
    "EpisodesParse",
    "Summary",
    "evaluate",
    "load_episodes",
    "parse_episodes",
    "run",
    "write_csv",
]

#: Columns of a known-halts CSV; ``site_id`` and ``start`` are required.
EPISODE_COLUMNS: tuple[str, ...] = ("site_id", "start", "end", "kind", "description", "source")
#: Kinds of stop an episode may have (a CSV row's ``kind``; notice halts use the notice kind).
EPISODE_KINDS: frozenset[str] = frozenset(
    {"halt", "suspension", "force_majeure", "care_and_maintenance", "closure", "blockade", "strike"}
)
#: Levels that count as an alarm ("level >= high"; a halted day is a stopped day, not an alarm).
ALARM_LEVELS: frozenset[str] = HIGH_OR_WORSE - {"halted"}
DEFAULT_HORIZON_DAYS: int = BacktestSettings().horizon_days
#: Columns of the episode table (and of the CSV ``--out`` writes), in order.
RESULT_COLUMNS: tuple[str, ...] = (
    "site_id", "site_name", "start", "end", "kind", "origin", "notice_start", "first_high", "first_critical",
    "lead_days", "lead_days_critical", "alarm_days_before", "peak_risk_before", "site_false_alarm_days",
    "description", "source",
)  # fmt: skip
#: Columns of the per-site table.
SITE_RESULT_COLUMNS: tuple[str, ...] = (
    "site_id", "site_name", "episodes", "warned", "days", "alarm_days", "true_alarm_days",
    "false_alarm_days", "positive_days", "precision", "recall",
)  # fmt: skip
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TEXT_COLUMNS = ("site_name", "kind", "description", "source")


@dataclass(frozen=True)
class EpisodesParse:
    """Known halts (``frame``: EPISODE_COLUMNS plus ``line``), rejected rows, and ignored columns."""

    frame: pd.DataFrame
    errors: list[RejectedRow] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Summary:
    """The headline figures of one backtest (see the module docstring for the definitions)."""

    first_day: date
    last_day: date
    horizon_days: int
    sites: int
    episodes: int
    warned: int
    warned_critical: int
    median_lead_days: float | None
    days: int
    alarm_days: int
    true_alarm_days: int
    false_alarm_days: int
    positive_days: int
    precision: float | None
    recall: float | None

    def line(self) -> str:
        """One line for the terminal."""
        lead = f", median lead {self.median_lead_days:g} days" if self.median_lead_days is not None else ""
        return (
            f"{self.first_day} to {self.last_day}, horizon {self.horizon_days} days, {self.sites} sites: "
            f"{self.episodes} episodes, {self.warned} warned at high{lead}, {self.warned_critical} at "
            f"critical; {self.alarm_days} alarm days ({self.true_alarm_days} true, {self.false_alarm_days} "
            f"false); precision {_ratio(self.precision)}, recall {_ratio(self.recall)}"
        )


@dataclass(frozen=True)
class BacktestResult:
    """One row per episode in range, one row per site, the summary, and CSV sites that were not scored."""

    episodes: pd.DataFrame
    sites: pd.DataFrame
    summary: Summary
    unscored_sites: tuple[str, ...] = ()


class _Bad(ValueError):
    """One cell cannot be used; the message names the column and the value."""


# ---- the known-halts CSV ----
def _episode_row(cells: Mapping[str, str]) -> dict[str, Any]:
    site_id = cells.get("site_id", "").strip()
    if not site_id:
        raise _Bad("site_id is empty")
    if not _SLUG.match(site_id):
        raise _Bad(f"site_id {site_id!r} is not a site id (lower-case letters, digits, _ and -)")
    start = _day("start", cells.get("start", ""))
    if start is None:
        raise _Bad("start is empty")
    end = _day("end", cells.get("end", ""))
    if end is not None and end <= start:
        raise _Bad(f"end {end} is not after start {start} (end is the restart day)")
    kind = re.sub(r"[\s-]+", "_", cells.get("kind", "").strip().lower()) or "halt"
    if kind not in EPISODE_KINDS:
        raise _Bad(f"kind {kind!r} is not one of {', '.join(sorted(EPISODE_KINDS))}")
    return {
        "site_id": site_id,
        "start": start,
        "end": end,
        "kind": kind,
        "description": cells.get("description", "").strip(),
        "source": cells.get("source", "").strip(),
    }


def _day(column: str, text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Bad(f"{column} {text!r} is not a date like 2025-03-14") from None


def _episodes_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = [*EPISODE_COLUMNS, "line"]
    return pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(columns=columns)


def parse_episodes(text: str) -> EpisodesParse:
    """Parse a known-halts CSV; bad rows are rejected with their line number, good rows are kept.

    Raises InputError when the file has no header or lacks ``site_id`` or ``start``.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [(name or "").strip() for name in (reader.fieldnames or [])]
    if not header:
        raise InputError("the episodes CSV is empty (no header row)")
    reader.fieldnames = header
    missing = [c for c in ("site_id", "start") if c not in header]
    if missing:
        raise InputError(f"the episodes CSV lacks required columns: {', '.join(missing)}")
    rows: list[dict[str, Any]] = []
    errors: list[RejectedRow] = []
    first_line: dict[tuple[str, date], int] = {}
    for raw in reader:
        extra = [v for v in raw.pop(None, None) or [] if v.strip()]  # type: ignore[call-overload]
        cells = {c: raw.get(c) or "" for c in header}
        # A quoted cell may span lines: the record starts that many lines before where the reader stands.
        line = reader.line_num - sum(v.count("\n") for v in cells.values())
        if not extra and not any(v.strip() for v in cells.values()):
            continue
        try:
            if extra:
                raise _Bad(f"the row has {len(extra)} more cells than the header")
            row = _episode_row(cells)
            key = (row["site_id"], row["start"])
            if key in first_line:
                raise _Bad(f"{key[0]} from {key[1]} is a duplicate (first on line {first_line[key]})")
        except _Bad as exc:
            raw_text = ",".join([*cells.values(), *extra])
            errors.append(RejectedRow(ref=f"line {line}", reason=str(exc), raw=raw_text))
            continue
        first_line[key] = line
        rows.append({**row, "line": line})
    unknown = [c for c in header if c and c not in EPISODE_COLUMNS]
    return EpisodesParse(_episodes_frame(rows), errors, unknown)


def load_episodes(path: Path | None = None) -> EpisodesParse:
    """The user's known-halts CSV at ``path``, or the bundled ``monitor/data/episodes.csv`` when None."""
    if path is None:
        return parse_episodes(resources.files("monitor").joinpath("data", "episodes.csv").read_text("utf-8"))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read episodes file {path}: {exc.strerror}") from None
    return parse_episodes(text)


# ---- the pure core ----
@dataclass(frozen=True)
class _Grid:
    """Scores laid out as (site, day) matrices over ``day0 .. day0 + n_days - 1``."""

    site_ids: pd.Index
    day0: date
    level: np.ndarray
    risk: np.ndarray
    operating: np.ndarray
    notice_halted: np.ndarray
    row_of: np.ndarray  # position in the scores frame of each cell, -1 where no score

    def col(self, day: date) -> int:
        return (day - self.day0).days

    def day(self, col: int) -> date:
        return self.day0 + timedelta(days=col)


def _grid(scores: pd.DataFrame, day0: date, n_days: int) -> _Grid:
    """Lay the scores out by site and day; cells without a score are neither operating nor alarms."""
    missing = [c for c in ("site_id", "date", "risk", "level", "status", "explain") if c not in scores]
    if missing:
        raise ValueError(f"scores: missing columns {', '.join(missing)}")
    scores = scores.reset_index(drop=True)
    site_ids = pd.Index(sorted(scores["site_id"].astype(str).unique()), dtype=object)
    shape = (len(site_ids), n_days)
    row = site_ids.get_indexer(scores["site_id"].astype(str))
    col = ((pd.to_datetime(scores["date"]) - pd.Timestamp(day0)) // pd.Timedelta(days=1)).to_numpy(np.int64)
    keep = np.flatnonzero((row >= 0) & (col >= 0) & (col < n_days))
    r, c = row[keep], col[keep]
    level = np.full(shape, "", dtype=object)
    level[r, c] = scores["level"].to_numpy(object)[keep]
    risk = np.full(shape, np.nan)
    risk[r, c] = pd.to_numeric(scores["risk"], errors="coerce").to_numpy(float)[keep]
    status = scores["status"].to_numpy(object)[keep]
    operating = np.zeros(shape, dtype=bool)
    operating[r, c] = status == "operating"
    # Only halted rows need their explain read: is the stop the registry's or a notice's? A halt that aged
    # unconfirmed and was reconfirmed is one episode.
    halted = np.flatnonzero(np.isin(status, list(HALT_EPISODE_STATUSES)))
    registry = [_registry_status(e) for e in scores["explain"].to_numpy(object)[keep[halted]]]
    by_notice = np.array([s not in STOPPED_STATUSES for s in registry], dtype=bool)
    notice_halted = np.zeros(shape, dtype=bool)
    notice_halted[r[halted[by_notice]], c[halted[by_notice]]] = True
    row_of = np.full(shape, -1, dtype=np.int64)
    row_of[r, c] = keep
    return _Grid(site_ids, day0, level, risk, operating, notice_halted, row_of)


def _registry_status(explain: Any) -> str:
    return str(explanation.decode(explain, None).get("registry_status") or "operating")


def _notice_episodes(grid: _Grid, scores: pd.DataFrame) -> list[dict[str, Any]]:
    """First day of each run of notice-halted days (a run under way on the first day has no known start)."""
    halted = grid.notice_halted
    starts = np.zeros_like(halted)
    starts[:, 1:] = halted[:, 1:] & ~halted[:, :-1]
    explain = scores["explain"].to_numpy(object)
    found = []
    for r, c in zip(*np.nonzero(starts), strict=True):
        notice = explanation.decode(explain[grid.row_of[r, c]], None).get("status_notice") or {}
        found.append(
            {
                "site_id": str(grid.site_ids[r]),
                "start": grid.day(int(c)),
                "end": None,
                "kind": str(notice.get("kind") or "halt"),
                "description": str(notice.get("title") or ""),
                "source": str(notice.get("url") or notice.get("source") or ""),
                "origin": "notice",
                "notice_start": grid.day(int(c)),
            }
        )
    return found


def _merge(known: pd.DataFrame, noticed: list[dict[str, Any]], horizon: int) -> list[dict[str, Any]]:
    """CSV episodes plus notice halts that no CSV episode of the same site already describes."""
    merged = [
        {
            **{c: row[c] for c in EPISODE_COLUMNS},
            "end": row["end"] if isinstance(row["end"], date) else None,
            "origin": "csv",
            "notice_start": None,
        }
        for row in known.to_dict("records")
    ]
    by_site: dict[str, list[dict[str, Any]]] = {}
    for episode in merged:
        by_site.setdefault(episode["site_id"], []).append(episode)
    span = timedelta(days=horizon)
    for halt in noticed:
        day = halt["start"]
        for episode in by_site.get(halt["site_id"], []):
            last = episode["end"] - timedelta(days=1) if episode["end"] else episode["start"] + span
            if episode["start"] - span <= day <= last:
                episode["origin"] = "csv+notice"
                episode["notice_start"] = min(filter(None, (episode["notice_start"], day)))
                break
        else:
            merged.append(halt)
    return merged


def _median(values: list[int]) -> float | None:
    return float(np.median(values)) if values else None


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def _cols(days: pd.Series, day0: date) -> np.ndarray:
    """Dates as column numbers of a grid starting on ``day0``."""
    stamps = pd.to_datetime(pd.Series(list(days), dtype=object))
    return ((stamps - pd.Timestamp(day0)) // pd.Timedelta(days=1)).to_numpy(np.int64)


def _spans(row: np.ndarray, start: np.ndarray, stop: np.ndarray, n_sites: int, n_days: int) -> np.ndarray:
    """A (site, day) mask of the half-open column spans [start, stop) of each row, clipped to the grid."""
    diff = np.zeros((n_sites, n_days + 1), dtype=np.int64)
    a, b = np.clip(start, 0, n_days), np.clip(stop, 0, n_days)
    np.add.at(diff, (row, a), 1)
    np.add.at(diff, (row, np.maximum(a, b)), -1)
    return np.cumsum(diff[:, :-1], axis=1) > 0


def _days_before(starts: pd.Series, lead: np.ndarray) -> list[date | None]:
    """``start - lead`` days, or None where lead is -1 (no such day)."""
    return [s - timedelta(days=int(n)) if n >= 0 else None for s, n in zip(starts, lead, strict=True)]


def evaluate(
    scores: pd.DataFrame,
    known: pd.DataFrame,
    first: date,
    last: date,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    names: Mapping[str, str] | None = None,
) -> BacktestResult:
    """Hold daily scores (``score_days`` frames covering ``[first - N, last]``) against halt episodes.

    ``known`` holds CSV episodes (EPISODE_COLUMNS); episodes of sites without scores are left out and named
    in ``unscored_sites``.
    """
    if last < first:
        raise InputError(f"--to {last} is before --from {first}")
    if horizon_days < 1:
        raise InputError(f"the horizon must be at least 1 day, not {horizon_days}")
    names = names or {}
    day0 = first - timedelta(days=horizon_days)
    n_days = (last - day0).days + 1
    grid = _grid(scores, day0, n_days)
    known = known if not known.empty else _episodes_frame([])
    scored = known["site_id"].isin(grid.site_ids)
    in_range = (known["start"] >= first) & (known["start"] <= last)
    unscored = tuple(sorted(set(known.loc[~scored & in_range, "site_id"])))
    episodes = _merge(known[scored], _notice_episodes(grid, scores), horizon_days)

    n_sites = len(grid.site_ids)
    frame = pd.DataFrame.from_records(episodes, columns=[*EPISODE_COLUMNS, "origin", "notice_start"])
    frame = frame.sort_values(["start", "site_id"], kind="stable").reset_index(drop=True)
    row = grid.site_ids.get_indexer(frame["site_id"]).astype(np.int64)
    start = _cols(frame["start"], day0)
    stop = np.where(frame["end"].notna(), _cols(frame["end"].fillna(frame["start"]), day0), start + 1)
    stopped = ~grid.operating | _spans(row, start, stop, n_sites, n_days)
    positive = _spans(row, start - horizon_days, start, n_sites, n_days)
    alarm = np.isin(grid.level, list(ALARM_LEVELS)) & ~stopped
    critical = (grid.level == "critical") & ~stopped
    window = np.zeros(n_days, dtype=bool)
    window[grid.col(first) :] = True
    counted = ~stopped & window
    true_alarm = alarm & positive & counted
    false_alarm = alarm & ~positive & counted

    # One row of the lookback [S - N, S - 1] per episode in range (S >= first, so it lies in the grid).
    keep = ((frame["start"] >= first) & (frame["start"] <= last)).to_numpy(bool)
    frame, row, start = frame[keep].reset_index(drop=True), row[keep], start[keep]
    cols = start[:, None] - horizon_days + np.arange(horizon_days)
    high, crit = alarm[row[:, None], cols], critical[row[:, None], cols]
    before = np.where(stopped[row[:, None], cols], np.nan, grid.risk[row[:, None], cols])
    lead = np.where(high.any(axis=1), horizon_days - high.argmax(axis=1), -1)
    lead_critical = np.where(crit.any(axis=1), horizon_days - crit.argmax(axis=1), -1)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN lookback: no peak
        peak = np.nanmax(before, axis=1) if len(frame) else np.empty(0)
    table = frame.assign(
        site_name=[names.get(s, "") for s in frame["site_id"]],
        first_high=_days_before(frame["start"], lead),
        first_critical=_days_before(frame["start"], lead_critical),
        lead_days=pd.Series(lead, dtype="Int64").mask(lead < 0),
        lead_days_critical=pd.Series(lead_critical, dtype="Int64").mask(lead_critical < 0),
        alarm_days_before=pd.array(high.sum(axis=1), dtype="Int64"),
        peak_risk_before=peak.astype(float),
        site_false_alarm_days=pd.array(false_alarm.sum(axis=1)[row], dtype="Int64"),
    ).reindex(columns=list(RESULT_COLUMNS))

    per_site = _per_site(grid, table, counted, alarm, positive, true_alarm, false_alarm, names)
    leads = [int(v) for v in table["lead_days"].dropna()]
    alarms, trues, positives = (
        int((alarm & counted).sum()),
        int(true_alarm.sum()),
        int((positive & counted).sum()),
    )
    summary = Summary(
        first_day=first,
        last_day=last,
        horizon_days=horizon_days,
        sites=n_sites,
        episodes=len(table),
        warned=int(table["first_high"].notna().sum()),
        warned_critical=int(table["first_critical"].notna().sum()),
        median_lead_days=_median(leads),
        days=int(counted.sum()),
        alarm_days=alarms,
        true_alarm_days=trues,
        false_alarm_days=int(false_alarm.sum()),
        positive_days=positives,
        precision=_share(trues, alarms),
        recall=_share(trues, positives),
    )
    return BacktestResult(table, per_site, summary, unscored)


def _per_site(
    grid: _Grid,
    table: pd.DataFrame,
    counted: np.ndarray,
    alarm: np.ndarray,
    positive: np.ndarray,
    true_alarm: np.ndarray,
    false_alarm: np.ndarray,
    names: Mapping[str, str],
) -> pd.DataFrame:
    """The same counts per site (every scored site, sorted by id)."""
    alarms = (alarm & counted).sum(axis=1)
    trues = true_alarm.sum(axis=1)
    positives = (positive & counted).sum(axis=1)
    ids = grid.site_ids.to_numpy(object)
    episodes = table.groupby("site_id").size().reindex(ids, fill_value=0)
    warned = table[table["first_high"].notna()].groupby("site_id").size().reindex(ids, fill_value=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(alarms > 0, trues / np.maximum(alarms, 1), np.nan)
        recall = np.where(positives > 0, trues / np.maximum(positives, 1), np.nan)
    return pd.DataFrame(
        {
            "site_id": ids,
            "site_name": [names.get(s, "") for s in ids],
            "episodes": episodes.to_numpy(np.int64),
            "warned": warned.to_numpy(np.int64),
            "days": counted.sum(axis=1),
            "alarm_days": alarms,
            "true_alarm_days": trues,
            "false_alarm_days": false_alarm.sum(axis=1),
            "positive_days": positives,
            "precision": precision,
            "recall": recall,
        },
        columns=list(SITE_RESULT_COLUMNS),
    )


# ---- store glue ----
def run(
    pipeline: Pipeline,
    first: date,
    last: date,
    known: pd.DataFrame,
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    site: str | None = None,
) -> BacktestResult:
    """Score ``[first - N, last]`` point-in-time in one pass (nothing stored) and evaluate it."""
    if last < first:
        raise InputError(f"--to {last} is before --from {first}")
    registry = sites.sites_frame(pipeline.store)
    if site is not None and site not in set(registry["id"]):
        raise InputError(f"--site {site!r}: no such site in the store")
    start = first - timedelta(days=horizon_days)
    days = [start + timedelta(days=i) for i in range((last - start).days + 1)]
    scores = pipeline.score(days, persist=False)
    if site is not None:
        scores = scores[scores["site_id"] == site]
        known = known[known["site_id"] == site]
    names = dict(zip(registry["id"], registry["name"], strict=True))
    return evaluate(scores, known, first, last, horizon_days, names)


def write_csv(episodes: pd.DataFrame, path: Path) -> None:
    """Write the episode table as CSV (UTF-8, ISO dates, empty for none, no index).

    Text cells a spreadsheet would run as a formula (starting with = + - @) get a leading apostrophe.
    """
    out = episodes.reindex(columns=list(RESULT_COLUMNS)).copy()
    for column in ("start", "end", "notice_start", "first_high", "first_critical"):
        out[column] = [d.isoformat() if isinstance(d, date) else "" for d in out[column]]
    for column in _TEXT_COLUMNS:
        out[column] = [neutral_cell(str(v)) if isinstance(v, str) else "" for v in out[column]]
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", float_format="%.1f")
