"""Analyst feedback: verdicts on events, incidents and notices, and which rows they keep out of scoring.

A verdict (``FEEDBACK_VERDICTS``) is in force from when it was given until it is revoked. The score of day D
leaves out what a verdict in force at the end of D names, and nothing else: days before the verdict keep the
row, as they knew it then, and a replay as known at an earlier moment (``known_by``) ignores verdicts given
after it. ``wrong_site`` keeps the target out of one site's score; every other verdict out of all of them.
An incident verdict covers every report of the incident, including those that join it later.

Days are scored in segments of constant verdicts (``segments``): one ``score_days`` call per segment, so
scoring itself never sees feedback, and the cost is one more call per distinct verdict day in the range.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from monitor.domain import FEEDBACK_TARGETS, FEEDBACK_VERDICTS, SITE_VERDICT
from monitor.errors import InputError

__all__ = [
    "FEEDBACK_COLUMNS", "Segment", "check", "in_force", "keep_events", "keep_notices", "keep_reports",
    "labels", "segments",
]  # fmt: skip

#: Columns of a feedback frame (the ``feedback`` table).
FEEDBACK_COLUMNS: tuple[str, ...] = (
    "id", "target", "target_id", "verdict", "site_id", "note", "created_by", "created_at", "revoked_by",
    "revoked_at",
)  # fmt: skip


def check(target: str, verdict: str, site_id: str, who: str) -> None:
    """Raise InputError unless the target and verdict are known words, a wrong-site verdict names its site,
    and someone gives it."""
    if target not in FEEDBACK_TARGETS:
        raise InputError(f"unknown feedback target {target!r}: expected one of {', '.join(FEEDBACK_TARGETS)}")
    if verdict not in FEEDBACK_VERDICTS:
        raise InputError(f"unknown verdict {verdict!r}: expected one of {', '.join(FEEDBACK_VERDICTS)}")
    if verdict == SITE_VERDICT and not site_id:
        raise InputError("a wrong_site verdict needs the site it is wrong for")
    if not who.strip():
        raise InputError("feedback needs the name of who gives it")


def _end_of(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day) + pd.Timedelta(days=1)


def in_force(feedback: pd.DataFrame, moment: pd.Timestamp) -> pd.DataFrame:
    """The verdicts given before ``moment`` and not revoked by then."""
    created = pd.to_datetime(feedback["created_at"])
    revoked = pd.to_datetime(feedback["revoked_at"])
    return feedback[(created < moment) & (revoked.isna() | (revoked >= moment))]


@dataclass(frozen=True)
class Segment:
    """Consecutive scored days over which the same verdicts are in force."""

    days: list[dt.date]
    verdicts: pd.DataFrame


def segments(
    days: Sequence[dt.date], feedback: pd.DataFrame, known_by: dt.datetime | None = None
) -> list[Segment]:
    """Split ``days`` (sorted) where the verdicts in force change; ``known_by`` ignores verdicts given or
    revoked after it."""
    frame = feedback.copy()
    if known_by is not None:
        cut = pd.Timestamp(known_by)
        frame = frame[pd.to_datetime(frame["created_at"]) <= cut]
        late = pd.to_datetime(frame["revoked_at"]) > cut
        frame = frame.assign(revoked_at=frame["revoked_at"].where(~late, None))
    out: list[Segment] = []
    if not days:
        return out
    if frame.empty:
        return [Segment(list(days), frame)]
    current: list[dt.date] = []
    ids: tuple[int, ...] | None = None
    verdicts = frame
    for day in days:  # one look-up per scored day; few verdicts
        now = in_force(frame, _end_of(day))
        key = tuple(sorted(now["id"].tolist()))
        if key != ids and current:
            out.append(Segment(current, verdicts))
            current = []
        ids, verdicts = key, now
        current.append(day)
    out.append(Segment(current, verdicts))
    return out


def _muted(
    ids: pd.Series,
    incidents: pd.Series | None,
    sites: pd.Series,
    verdicts: pd.DataFrame,
    targets: Sequence[str],
) -> np.ndarray:
    """Which rows (by id, incident and site) a verdict in ``verdicts`` on one of ``targets`` names."""
    muted = np.zeros(len(ids), dtype=bool)
    for target in targets:
        chosen = verdicts[verdicts["target"] == target]
        if chosen.empty:
            continue
        keys = ids if target != "incident" or incidents is None else incidents
        everywhere = set(chosen.loc[chosen["verdict"] != SITE_VERDICT, "target_id"].astype(int))
        muted |= keys.isin(everywhere).to_numpy()
        one_site = chosen[chosen["verdict"] == SITE_VERDICT]
        if not one_site.empty and sites is not None:
            pairs = pd.MultiIndex.from_arrays(
                [one_site["target_id"].astype(int), one_site["site_id"].astype(str)]
            )
            muted |= pd.MultiIndex.from_arrays([keys.astype("int64"), sites.astype(str)]).isin(pairs)
    return muted


def keep_events(exposures: pd.DataFrame, verdicts: pd.DataFrame) -> pd.DataFrame:
    """The exposure rows (event_id, site_id, incident_id) no verdict in ``verdicts`` keeps out."""
    if verdicts.empty or exposures.empty:
        return exposures
    incidents = exposures.get("incident_id")
    muted = _muted(exposures["event_id"], incidents, exposures["site_id"], verdicts, ("event", "incident"))
    return exposures[~muted]


def keep_reports(events: pd.DataFrame, verdicts: pd.DataFrame) -> pd.DataFrame:
    """The events (event_id, incident_id) no verdict for every site keeps out (the front line's takeovers:
    a wrong_site verdict leaves a takeover on the front of every site)."""
    if verdicts.empty or events.empty:
        return events
    return events[
        ~_muted(events["event_id"], events.get("incident_id"), None, verdicts, ("event", "incident"))
    ]


def labels(event_ids: pd.Series, incident_ids: pd.Series, verdicts: pd.DataFrame) -> pd.Series:
    """The verdicts in ``verdicts`` on each event or its incident, as text (``wrong_place``,
    ``wrong_site:bisie``; several ``;``-separated), '' where there is none."""
    out = pd.Series("", index=event_ids.index, dtype=object)
    if verdicts.empty or event_ids.empty:
        return out
    text = verdicts["verdict"].where(
        verdicts["verdict"] != SITE_VERDICT, SITE_VERDICT + ":" + verdicts["site_id"]
    )
    named: dict[tuple[str, int], list[str]] = {}
    for target, target_id, label in zip(verdicts["target"], verdicts["target_id"], text, strict=True):
        named.setdefault((str(target), int(target_id)), []).append(str(label))
    for target, ids in (("event", event_ids), ("incident", incident_ids)):
        keys = ids.map(lambda i, t=target: ";".join(named.get((t, int(i)), [])) if pd.notna(i) else "")
        out = (out + ";" + keys).str.strip(";")
    return out


def keep_notices(notices: pd.DataFrame, verdicts: pd.DataFrame) -> pd.DataFrame:
    """The notice rows (notice_id, site_id) no verdict in ``verdicts`` keeps out."""
    if verdicts.empty or notices.empty:
        return notices
    return notices[~_muted(notices["notice_id"], None, notices["site_id"], verdicts, ("notice",))]
