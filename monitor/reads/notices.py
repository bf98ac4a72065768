"""Stored operator and news notices, and the sites they are tied to (``noticesite``).

Reads that put notices in time take a ``Known`` (``monitor.reads.known``): which notices were public, and
stored, by then.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from monitor.reads import sql
from monitor.reads.arrow import ArrowReader
from monitor.reads.known import Known
from monitor.store import Store

__all__ = [
    "arrow_panel",
    "linked",
    "linked_sites",
    "of_kinds",
    "of_site",
    "operator_mentions",
    "seen_since",
    "sites_noticed_since",
    "touched_sites",
]

_PANEL = (
    "SELECT n.id AS id, n.published_at AS published_at, n.source AS source, n.source_id AS source_id,"
    " n.url AS url, n.title AS title, n.language AS language, n.kind AS kind, n.confidence AS confidence,"
    " n.first_seen_at AS first_seen_at, n.known_at AS known_at, n.summary AS summary, n.cue AS cue,"
    " s.site_id AS site_id, s.matched_on AS matched_on"
    " FROM notice n LEFT JOIN noticesite s ON s.notice_id = n.id"
    " WHERE n.known_at >= :first AND n.known_at < :stop"
)
#: A notice panel row as ``arrow_panel`` reads it: one row per (notice, tied site).
PANEL_ROWS = pa.schema(
    [
        ("id", pa.int64()), ("published_at", pa.timestamp("us", tz="UTC")), ("source", pa.string()),
        ("source_id", pa.string()), ("url", pa.string()), ("title", pa.string()), ("language", pa.string()),
        ("kind", pa.string()), ("confidence", pa.float64()), ("first_seen_at", pa.timestamp("us", tz="UTC")),
        ("known_at", pa.timestamp("us", tz="UTC")), ("summary", pa.string()), ("cue", pa.string()),
        ("site_id", pa.string()), ("matched_on", pa.string()),
    ]
)  # fmt: skip


def seen_since(store: Store, since: datetime) -> pd.DataFrame:
    """Notices first stored at or after ``since``: id, title and summary (what matching reads)."""
    return sql.frame(
        store, "SELECT id, title, summary FROM notice WHERE first_seen_at >= :since", {"since": since}
    )


def sites_noticed_since(store: Store, since: datetime) -> set[str]:
    """Sites tied to a notice first stored at or after ``since``."""
    frame = sql.frame(
        store,
        "SELECT DISTINCT s.site_id FROM noticesite s JOIN notice n ON n.id = s.notice_id"
        " WHERE n.first_seen_at >= :since",
        {"since": since},
    )
    return {str(s) for s in frame["site_id"]}


def linked_sites(store: Store) -> set[str]:
    """Every site some notice is tied to."""
    return {str(s) for s in sql.frame(store, "SELECT DISTINCT site_id FROM noticesite")["site_id"]}


def touched_sites(store: Store, since: datetime) -> pd.DataFrame:
    """Per site tied to a notice first stored at or after ``since``: when the earliest of those became
    public (``site_id``, ``first_known``): a status notice holds from then on."""
    return sql.frame(
        store,
        "SELECT s.site_id, MIN(n.known_at) AS first_known"
        " FROM noticesite s JOIN notice n ON n.id = s.notice_id"
        " WHERE n.first_seen_at >= :since GROUP BY s.site_id",
        {"since": since},
        types={"first_known": sa.DateTime()},
    )


def linked(store: Store, known: Known) -> pd.DataFrame:
    """Every (notice, site) tie ``known`` sees, with what scoring weighs: kind, confidence, ``known_at``,
    how it was tied (``matched_on``), and what an explanation cites (title, url, source)."""
    return sql.frame(
        store,
        "SELECT n.id AS notice_id, s.site_id, n.kind, n.confidence, n.known_at, n.title, n.url, n.source,"
        " s.matched_on FROM noticesite s JOIN notice n ON n.id = s.notice_id WHERE 1 = 1" + known.where("n"),
        known.params(),
    )


def of_kinds(
    store: Store, kinds: Collection[str], min_confidence: float, since: datetime, known: Known
) -> pd.DataFrame:
    """The (notice, site) ties of notices of ``kinds``, at least ``min_confidence`` sure, public from
    ``since`` on and seen by ``known``; ``known_at`` as a datetime column."""
    marks, params = sql.in_list("kind", sorted(kinds))
    frame = sql.frame(
        store,
        "SELECT n.id AS notice_id, s.site_id, n.kind, n.confidence, n.known_at, n.source, n.title, n.url,"
        " n.language, n.cue, s.matched_on FROM noticesite s JOIN notice n ON n.id = s.notice_id"
        f" WHERE n.kind IN ({marks}) AND n.confidence >= :min_confidence AND n.known_at >= :since"
        + known.where("n"),
        {**params, "min_confidence": min_confidence, "since": since, **known.params()},
    )
    frame["known_at"] = pd.to_datetime(frame["known_at"])
    return frame


def of_site(store: Store, site_id: str, known: Known, limit: int) -> pd.DataFrame:
    """Notices tied to a site that ``known`` sees, newest first, at most ``limit``."""
    return sql.frame(
        store,
        f"""
        select n.id as notice_id, n.published_at, n.known_at, n.source, n.kind, n.confidence, n.title, n.url,
               ns.matched_on, n.cue, n.language
        from noticesite ns join notice n on n.id = ns.notice_id
        where ns.site_id = :id{known.where("n")}
        order by n.known_at desc
        limit {int(limit)}
        """,
        {"id": site_id, **known.params()},
    )


def arrow_panel(reader: ArrowReader, first: date, last: date, known: Known) -> pa.Table:
    """Notices that became public from ``first`` to ``last`` and that ``known`` sees, one row per tied site
    (or one with an empty ``site_id``), as ``PANEL_ROWS``."""
    params: dict[str, Any] = {"first": first, "stop": last + timedelta(days=1), **known.params()}
    return reader.read(_PANEL + known.where("n"), params, PANEL_ROWS)


def operator_mentions(store: Store, first: date, last: date, known: Known) -> pd.DataFrame:
    """Operators named by notices public from ``first`` to ``last`` that ``known`` sees, with no site tied
    for them (``noticeoperator``): notice_id, operator."""
    params: dict[str, Any] = {"first": first, "stop": last + timedelta(days=1), **known.params()}
    return sql.frame(
        store,
        "SELECT o.notice_id, o.operator FROM noticeoperator o JOIN notice n ON n.id = o.notice_id"
        " WHERE n.known_at >= :first AND n.known_at < :stop"
        + known.where("n")
        + " ORDER BY o.notice_id, o.operator",
        params,
    )
