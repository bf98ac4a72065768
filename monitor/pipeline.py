"""The one orchestrator: collect -> normalise -> store -> match -> score, for one tick.

The CLI, the scheduler, the demo and the tests all go through ``Pipeline``. Each step only touches what
is new since the last tick: feeds keep a watermark each, and matching keeps when it last ran (re-reading a
short overlap), so a tick costs what arrived, not the whole history.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from feeds.base import Batch, Collector, Kind
from monitor import (
    classify,
    explanation,
    feedback,
    front,
    fusion,
    geo,
    matching,
    models,
    reads,
    scoring,
    sites,
)
from monitor.config import Settings
from monitor.dialect import naive_utc
from monitor.domain import MACHINE_CODED_SOURCES, notice_kind
from monitor.errors import MinewatchError
from monitor.net.http import RetryingRequester
from monitor.progress import ProgressFactory, silent
from monitor.reads.known import Known, end_of
from monitor.score_writer import ScoreWriter
from monitor.store import SCORES_OWED_FROM, Clear, QuietScores, Store

log = logging.getLogger(__name__)

EVENTS_MATCHED = "match:events_seen"
#: When fusion last ran and under which settings (JSON): a change of settings fuses everything again.
EVENTS_FUSED = "fuse:events_seen"
NOTICES_MATCHED = "match:notices_seen"
#: Matching re-reads rows first seen this long before its last run: on PostgreSQL, concurrent writers can
#: commit rows stamped before a match ran after it read (ids and stamps are not commit order). Re-matching is
#: harmless: nearest sites and notice links are keyed.
MATCH_OVERLAP = timedelta(minutes=10)
#: Events matched (and their nearest sites written) at a time: memory stays flat on a large import, and the
#: progress bar moves.
MATCH_EVENTS_PER_BLOCK = matching.EVENTS_PER_BLOCK
#: Scores are recomputed back to the earliest newly known row, but never further than this.
MAX_RESCORE_DAYS = 400
#: A rescore scores at once, newest first, the unscored (or stale) days that fit in this many site-days, and
#: at least the alerts' lookback and the day before it (``alerts.lookback_days`` + 1, whose stored scores
#: the alert rules read): 15 days at 10,000 sites (that lookback with a week to spare), every day of the
#: last ``MAX_RESCORE_DAYS`` at up to 375. The older ones are history, owed from
#: ``store.SCORES_OWED_FROM``: each feed run scores a block of it once its alerts are out
#: (``HISTORY_SITE_DAYS_PER_TICK``), ``minewatch score --history`` the rest at once, and until then a read
#: computes them in memory. A first import of 300k events over 10,000 sites that scored its 400 days
#: before returning took 37 s; 11.6 s with a month, 10.0 s with 15 days.
PROMPT_SITE_DAYS = 150_000
#: ``ensure_scored`` computes about this many site-days at a time: each block costs a pass over the run's
#: inputs, a front line and a supply roll-up, so fewer, larger ones are cheaper (explanations are compact).
#: A block's memory follows its inputs (bounded by ``SCORE_INPUT_EVENTS``) and its cells, not the (exposure,
#: day) pairs it weighs: scoring loops over its days, and the rows' weights are worked out once, when read.
SCORE_ROWS_PER_BLOCK = 250_000
#: Site-days of owed history a feed run of ``minewatch run`` (or ``minewatch collect``) scores once its
#: alerts are out: one block, about 25 days at 10,000 sites (2-3 s on the 300k import's store, 30-40 s on
#: the 4M-event one), so the history is in after a few dozen feed runs and never holds up an alert.
HISTORY_SITE_DAYS_PER_TICK = SCORE_ROWS_PER_BLOCK
#: What scores the owed history, for the lines that say some is owed (import, collect, doctor).
OWED_HISTORY_HINT = "`minewatch run` scores them a block per feed run, `minewatch score --history` at once"
#: Scoring reads its inputs (exposures above all) for a run of days holding about this many events at once
#: (``Pipeline._input_spans``): about 2M exposure rows over 10,000 sites, 250 MB once read and weighed.
SCORE_INPUT_EVENTS = 100_000
#: Where the window before a run's first day alone holds more events than ``SCORE_INPUT_EVENTS``, the run
#: still takes days while they add at most this share of that window's events: each run weighs and ranks its
#: whole window's rows again (3.5-4.6 s for the 4.4M rows of a 4M-event store's window), so runs of one day
#: made a month 30 such passes; the run's memory grows by the same share.
SCORE_SPAN_OVER_WINDOW = 1 / 8
#: Stored scores are current when computed at or after ``since`` under the scoring parameters ``params``
#: (JSON); renewed when the registry or the parameters change, so exports recompute older stored days.
SCORES_EPOCH = "score:epoch"
#: What the stored scores last took in (JSON): rows stored before ``stored`` (ISO time) and incidents fused
#: up to ``fused``; the next rescore of stored days looks only at the cells what came since can touch.
SCORES_SEEN = "score:seen"
#: The days beyond the scoring window a run of days may span and still read through the window held between
#: ticks (``reads.window``): a tick's cells span a day or two; a longer run reads the store (held, every
#: site's rows of a longer span would outweigh what it saves, and the run's later spans hold their own
#: copy: at 4M events, 550 MB held for nothing while a month was scored).
HELD_EXTRA_DAYS = 7
#: A registry change of at most this share of its sites rematches and rescores only what they touch
#: (``Pipeline.load_sites``); a larger one starts matching and scoring over, as a first load does.
RESYNC_SHARE = 0.5


def params_hash(params: BaseModel) -> str:
    """sha256 of a settings section as canonical JSON (sorted keys, no spaces): same settings, same hash."""
    text = json.dumps(params.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class _Inputs:
    """What scoring reads from the store for a run of days (the exposures dated up to ``through``)."""

    exposures: pd.DataFrame
    notices: pd.DataFrame
    takeovers: pd.DataFrame
    verdicts: pd.DataFrame
    through: date


@dataclass(frozen=True)
class _Near:
    """Where the inputs of a few sites can be: their exposures' events (``matching.reach_box``) and the
    takeovers that can make their front line; None: anywhere."""

    exposures: geo.Box | None
    takeovers: geo.Box | None


@dataclass(frozen=True)
class _Seen:
    """What the stored scores took in: rows stored before ``stored``, incidents fused up to ``fused``."""

    stored: datetime
    fused: datetime


@dataclass
class FeedReport:
    """What one feed run did."""

    feed: str
    status: str = "ok"
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    error: str = ""
    earliest_known: date | None = None

    def counts(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("fetched", "stored", "duplicates", "rejected")}


@dataclass
class TickReport:
    """What one pipeline tick did: per-feed reports, new matches, and the days rescored."""

    feeds: list[FeedReport] = field(default_factory=list)
    matched_events: int = 0
    notice_matches: int = 0
    fused: int = 0
    scored_days: list[date] = field(default_factory=list)

    @property
    def failed(self) -> list[FeedReport]:
        return [f for f in self.feeds if f.status == "failed"]


class Pipeline:
    """Collect, store, match and score against one store, with settings and a clock injected."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        now: Callable[[], datetime],
        progress: ProgressFactory = silent,
    ) -> None:
        self.store = store
        self.settings = settings
        self.now = now
        self.progress = progress
        self._sites: pd.DataFrame | None = None  # the registry, while one tick or rescore runs
        self._sites_version: Any = None  # its ``Store.registry_version``, read before it
        self._window = reads.window.ExposureWindow()

    def _registry(self) -> pd.DataFrame:
        """Every stored site (``sites.sites_frame``): read once while a tick or a rescore runs
        (``_one_registry``), not by each of its steps (10,000 sites: 0.6-1 s a read; a tick read four)."""
        if self._sites is not None:
            return self._sites.copy(deep=False)  # copy-on-write: a caller's change stays its own
        return sites.sites_frame(self.store)

    @contextlib.contextmanager
    def _one_registry(self) -> Iterator[None]:
        """Within: every step reads the registry as it was on entry (one read)."""
        if self._sites is not None:
            yield
            return
        # The version first: a registry changed between the two reads is held under the older version, so
        # what is kept by version (the routes, ``sites.reach``) is built again next time.
        self._sites_version = self.store.registry_version()
        self._sites = sites.sites_frame(self.store)
        try:
            yield
        finally:
            self._sites, self._sites_version = None, None

    def _reach(self, site_frame: pd.DataFrame, *, kept: bool = True) -> matching.Reach:
        """Where events count for ``site_frame``'s sites, as ``settings.matching`` says. ``kept``: the frame
        is the registry (``_registry``); held for a tick or a rescore (``_one_registry``), its routes are
        sampled once per registry version (``sites.reach``). Otherwise (some sites, or a registry read
        without a version) they are sampled here."""
        m = self.settings.matching
        if kept and self._sites_version is not None:
            return sites.reach(self.store, m, site_frame, self._sites_version)
        routes = matching.route_pieces(site_frame, m.route_corridor_km)
        return matching.Reach(site_frame, m.site_radius_km, m.route_corridor_km, routes)

    # ---- ingest ----
    def ingest(
        self,
        feed: str,
        kind: Kind,
        batches: Iterable[Batch],
        *,
        use_watermark: bool = True,
        total: int | None = None,
    ) -> FeedReport:
        """Store every batch (events or notices), keep rejected rows, advance the watermark, record the run.

        A failure part-way keeps what was stored before it and records the run as failed. ``total`` (rows,
        when known) sizes the progress bar.
        """
        report = FeedReport(feed)
        run_id = self.store.start_run(feed, self.now())
        loading = self.store.loading_events() if kind == "events" else contextlib.nullcontext()
        try:
            with self.progress(feed, total) as advance, loading:
                for batch in batches:
                    self._store_batch(feed, kind, batch, run_id, report)
                    if use_watermark and batch.watermark is not None:
                        self.store.set_watermark(feed, batch.watermark, self.now())
                    advance(batch.fetched or len(batch.records))
        except (MinewatchError, OSError, ValueError) as exc:
            report.status, report.error = "failed", str(exc) or type(exc).__name__
            log.warning("feed %s failed: %s", feed, report.error)
        except Exception as exc:  # a crashing parser must not stop the other feeds; keep the trace in the log
            report.status, report.error = "failed", f"{type(exc).__name__}: {exc}"
            log.exception("feed %s crashed", feed)
        self.store.finish_run(
            run_id,
            self.now(),
            status=report.status,
            error=report.error,
            dropped=report.dropped,
            **report.counts(),
        )
        return report

    def _store_batch(self, feed: str, kind: Kind, batch: Batch, run_id: int, report: FeedReport) -> None:
        now = self.now()
        records = batch.records
        report.fetched += batch.fetched or (len(records) + len(batch.rejected))
        for reason, count in batch.dropped.items():
            report.dropped[reason] = report.dropped.get(reason, 0) + count
        if kind == "notices" and not records.empty:
            records = _classified(records)
        if kind == "events" and not records.empty:
            records = self._new_articles(records, report)
        if not records.empty:
            write = (self.store.insert_notices if kind == "notices" else self.store.insert_events)(
                records, now
            )
            report.stored += write.inserted
            report.duplicates += write.duplicates
            known = pd.to_datetime(records["published_at"]).min()
            first = (now if pd.isna(known) else known).date()
            report.earliest_known = min(filter(None, (report.earliest_known, first)))
        report.rejected += self.store.insert_rejected(feed, batch.rejected, run_id, now)

    def _new_articles(self, records: pd.DataFrame, report: FeedReport) -> pd.DataFrame:
        """Machine-coded rows (GDELT) less those whose article is stored already under another id: one
        article read again in a later export is one report (counted as dropped ``duplicate_url``)."""
        machine = records["source"].astype(str).isin(MACHINE_CODED_SOURCES)
        article = records["url"].fillna("").astype(str).str.match(r"(?i)https?://")
        if not (machine & article).any():
            return records
        repeated = pd.Series(False, index=records.index)
        for source in records.loc[machine & article, "source"].unique():
            mine = machine & article & (records["source"] == source)
            stored = reads.events.by_url(self.store, str(source), records.loc[mine, "url"].tolist())
            # The same event collected again is the store's duplicate; the same article, a new id, is ours.
            again = pd.MultiIndex.from_frame(records[["url", "source_id"]].astype(str))
            known = pd.MultiIndex.from_frame(stored[["url", "source_id"]].astype(str))
            repeated |= mine & records["url"].isin(set(stored["url"])) & ~again.isin(known)
        if repeated.any():
            report.dropped["duplicate_url"] = report.dropped.get("duplicate_url", 0) + int(repeated.sum())
        return records[~repeated]

    def collect(self, collectors: Sequence[Collector], requester: RetryingRequester) -> list[FeedReport]:
        """Run each collector from its watermark; one failing feed never stops the others."""
        return [
            self.ingest(c.name, c.kind, _lazy(functools.partial(self._batches, c, requester)))
            for c in collectors
        ]

    def _batches(self, collector: Collector, requester: RetryingRequester) -> Iterable[Batch]:
        return collector.collect(requester, self.store.get_watermark(collector.name))

    # ---- sites ----
    def load_sites(self, parsed: sites.SitesParse) -> int:
        """Upsert sites; return how many were new or changed.

        What the changed sites touch is matched and scored again right away: the nearest site of every
        stored event, every notice's links (a notice naming only an operator links to its one site, so a
        site added elsewhere changes others' links), and the scores of those sites and of every site a
        notice links to, on each day whose scores are current. The other sites' matches and scores stand:
        they do not depend on the changed ones. When more than ``RESYNC_SHARE`` of the registry changed (a
        first load), or nothing was scored yet, every match is cleared and every stored day made stale: the
        next match and rescore start over (``minewatch init`` and ``import sites`` run them at once)."""
        before = reads.sites.count(self.store)
        changed = sites.sync_sites(self.store, parsed, self.now())
        if not changed:
            return 0
        if len(changed) > RESYNC_SHARE * max(before, 1) or self.scores_epoch() is None:
            self.store.clear_matches([EVENTS_MATCHED, NOTICES_MATCHED])
            self._renew_scores_epoch()  # scores stored so far were computed on the old registry
        else:
            with self._one_registry():
                self._resync(changed, before)
        return len(changed)

    def _resync(self, changed: list[str], before: int) -> None:
        """Match and score again what the ``changed`` sites touch (``load_sites``); ``before``: how many
        sites the registry held before they were written."""
        registry = self._registry()
        mine = registry[registry["id"].isin(changed)].reset_index(drop=True)
        noticed = reads.notices.linked_sites(self.store)
        # The days whose stored scores were current for the registry before the change.
        first, last = reads.scores.day_span(self.store)
        days: list[date] = []
        if first is not None and last is not None:
            stored = reads.scores.coverage(self.store, first, last)["date"]
            days = sorted(self.fresh_days(list(stored), n_sites=before))
        self.store.clear_matches([NOTICES_MATCHED], events=False)
        self._rematch_nearest(registry, mine, changed)
        self._match_notices(registry)
        touched = np.array(sorted(set(changed) | noticed | reads.notices.linked_sites(self.store)), object)
        if days:
            # Some sites at a time: every stored day of each (a year or more) is a cell.
            per_group = max(1, SCORE_ROWS_PER_BLOCK // len(days))
            for start in range(0, touched.size, per_group):
                group = touched[start : start + per_group]
                self._score_cells(
                    pd.DataFrame(
                        {"site_id": np.tile(group, len(days)), "date": np.repeat(np.array(days), group.size)}
                    ),
                    roll_up=False,
                )
            self.store.rollup_supply(days)  # once: each group's days are every stored day
            self.store.recount_scored_days(days, before, len(registry))

    def _rematch_nearest(self, registry: pd.DataFrame, mine: pd.DataFrame, changed: list[str]) -> None:
        """Each event's nearest site again where the ``changed`` sites (``mine``: their rows now) can change
        it: the events whose nearest was one of them, and those within their reach now; the other events'
        nearest site stands (no changed site is, or was, nearer)."""
        ids, lat, lon = reads.events.seen_since(self.store, datetime(1970, 1, 1))
        events = pd.DataFrame({"event_id": ids.astype(np.int64), "lat": lat, "lon": lon})
        near_mine = self._reach(mine, kept=False).exposures(events)["event_id"]
        stale = set(near_mine.tolist()) | reads.events.nearest_to(self.store, changed)
        chosen = events[events["event_id"].isin(stale)]
        nearest = self._reach(registry).nearest(chosen)
        clear = Clear(("event_id",), [(i,) for i in sorted(stale)])
        self.store.insert_frame(models.NearestSite, nearest, key=("event_id",), clear=clear)

    def site_filter(self) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """A vectorised 'within reach of some located site or route waypoint' test (for GDELT)."""
        frame = sites.sites_frame(self.store)
        located = frame.dropna(subset=["lat", "lon"])
        waypoints = [p for r in frame["route"] for p in r]
        lat = [*located["lat"].tolist(), *(p[0] for p in waypoints)]
        lon = [*located["lon"].tolist(), *(p[1] for p in waypoints)]
        plat, plon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
        m = self.settings.matching
        radius = max(m.site_radius_km, m.route_corridor_km)
        # Each site as far as its own radius reaches (matching.site_radii), each waypoint as before.
        own = np.maximum(matching.site_radii(located, m.site_radius_km), m.route_corridor_km)
        radii = np.concatenate([own, np.full(len(waypoints), radius)])

        def keep(qlat: np.ndarray, qlon: np.ndarray) -> np.ndarray:
            if plat.size == 0:
                return np.zeros(len(qlat), dtype=bool)
            return geo.within_any(qlat, qlon, plat, plon, radii)

        return keep

    # ---- match ----
    def match(self) -> tuple[int, int]:
        """Match events and notices stored since the last match; return how many events were newly found
        near a site (their nearest site stored) and how many notice matches were added."""
        site_frame = self._registry()
        return self._match_events(site_frame), self._match_notices(site_frame)

    def _seen_since(self, name: str) -> datetime:
        """Where a match resumes: its last run's start minus the overlap (the epoch on a first run)."""
        value = self.store.get_watermark(name)
        return datetime.fromisoformat(value) - MATCH_OVERLAP if value else datetime(1970, 1, 1)

    def _match_events(self, site_frame: pd.DataFrame) -> int:
        started = naive_utc(self.now())
        ids, lat, lon = reads.events.seen_since(self.store, self._seen_since(EVENTS_MATCHED))
        added = self._match_event_rows(ids, lat, lon, self._reach(site_frame))
        self.store.set_watermark(EVENTS_MATCHED, started.isoformat(), self.now())
        return added

    def _match_event_rows(
        self,
        ids: np.ndarray,
        lat: np.ndarray,
        lon: np.ndarray,
        reach: matching.Reach,
    ) -> int:
        """Store the nearest site of each event (``ids`` at ``lat``, ``lon``) within ``reach``; return how
        many were new."""
        if ids.size == 0 or reach.sites.empty:
            return 0
        events = pd.DataFrame(
            {"event_id": ids.astype(np.int64), "lat": lat.astype(float), "lon": lon.astype(float)}
        )
        added = 0
        with self.progress("match events", ids.size) as advance:
            for start in range(0, len(events), MATCH_EVENTS_PER_BLOCK):
                block = events.iloc[start : start + MATCH_EVENTS_PER_BLOCK]
                nearest = reach.nearest(block)
                added += self.store.insert_frame(models.NearestSite, nearest, key=("event_id",))
                advance(len(block))
        return added

    def _match_notices(self, site_frame: pd.DataFrame) -> int:
        started = naive_utc(self.now())
        notices = reads.notices.seen_since(self.store, self._seen_since(NOTICES_MATCHED))
        if notices.empty:
            self.store.set_watermark(NOTICES_MATCHED, started.isoformat(), self.now())
            return 0
        index = matching.SiteTextIndex.build(site_frame)
        ties: list[dict[str, Any]] = []
        mentions: list[dict[str, Any]] = []
        for n in notices.itertuples():
            links = index.links(n.title or "", n.summary or "")
            ties += [{"notice_id": int(n.id), "site_id": s, "matched_on": on} for s, on in links.sites]
            mentions += [{"notice_id": int(n.id), "operator": o} for o in links.operators]
        added = self.store.insert_frame(models.NoticeSite, pd.DataFrame(ties), key=("notice_id", "site_id"))
        self.store.insert_frame(models.NoticeOperator, pd.DataFrame(mentions), key=("notice_id", "operator"))
        self.store.set_watermark(NOTICES_MATCHED, started.isoformat(), self.now())
        return added

    # ---- fuse ----
    def fuse(self) -> int:
        """Give the events stored since the last fusion their incident (``monitor.fusion``); return how many
        events were (re)decided.

        An event's incident depends only on events public before it, so the events to decide again are those
        public since the earliest new one (stored since the last fusion, less the overlap, and without an
        incident yet: a second call finds nothing to do); the events public before it are the fixed context.
        The first run, or one under changed settings, fuses every event.
        """
        started = naive_utc(self.now())
        settings = self.settings.scoring.fusion
        state = json.loads(self.store.get_watermark(EVENTS_FUSED) or "{}")
        current = state.get("params") == params_hash(settings)
        since = datetime.fromisoformat(state["since"]) - MATCH_OVERLAP if current else datetime(1970, 1, 1)
        earliest = reads.incidents.earliest_new(self.store, since, unfused_only=current)
        decided = 0 if earliest is None else self._fuse_known_since(earliest)
        value = {"since": started.isoformat(), "params": params_hash(settings)}
        self.store.set_watermark(EVENTS_FUSED, json.dumps(value, sort_keys=True), self.now())
        return decided

    def _fuse_known_since(self, earliest: datetime) -> int:
        settings = self.settings.scoring.fusion
        # Before a store's first fusion no incident is stored: no report is context, and none is replaced.
        replacing = reads.incidents.any_stored(self.store)
        if not replacing and fusion.each_its_own(reads.events.sources(self.store), settings):
            return self.store.own_incidents(earliest, self.now())
        reports = reads.incidents.to_decide(self.store, earliest)
        if reports.empty:
            return 0
        # Seeds within reach of the reports, and the reports that joined those seeds (for the one row per
        # curated source of each incident).
        reach = timedelta(days=2 * settings.max_days)
        dates = pd.to_datetime(reports["event_date"])
        first, last = (dates.min() - reach).date(), (dates.max() + reach).date()
        # When no incident is stored (a store's first fusion) or every stored event is to be decided (one
        # under new settings), no report is context: the context read, empty, walked every event's date (18 s
        # of 4M events).
        everything = not replacing or len(reports) == reads.events.count(self.store)
        context = None if everything else reads.incidents.context(self.store, earliest, first, last)
        incident = fusion.fuse(reports, settings, context=context)
        assignment = pd.DataFrame({"event_id": reports["id"], "incident_id": incident})
        self.store.replace_incidents(assignment, self.now(), replacing=replacing)
        return len(reports)

    # ---- score ----
    def score(
        self,
        days: Sequence[date],
        persist: bool = True,
        *,
        known_by: datetime | None = None,
        fuse: bool = True,
        explain: bool | None = None,
    ) -> pd.DataFrame:
        """Score every site on each day, point-in-time; optionally replace the stored scores of those days.

        ``known_by`` (a vintage) also leaves out every row stored or published after that moment: the scores
        as a run at ``known_by`` computed them. Vintage scores are never stored. ``fuse=False`` scores the
        incidents as stored, without bringing them up to date first: a read (an export) writes nothing.
        ``explain``: whether ``explain`` is built (None: only when not persisting; the store keeps none).
        """
        if known_by is not None and persist:
            raise ValueError("vintage scores (known_by) must not replace the stored scores")
        days = sorted(set(days))
        if not days:
            return pd.DataFrame()
        explain = not persist if explain is None else explain
        parts = list(self._scored_blocks(days, persist, known_by, fuse=fuse, explain=explain))
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def explanation_of(self, site_id: str, day: date, known_by: datetime | None = None) -> dict[str, Any]:
        """Why ``site_id`` scored as it did on ``day``: its score's explanation (``monitor.explanation``, as a
        dict), computed when asked from the site's stored rows as known by the end of the day, the incidents
        as stored (a read: it writes nothing). The store keeps no explanation; while its scores are current
        (every rescore keeps them so) this is the explanation of the stored row, as scoring built it. With
        ``known_by`` (a vintage), the explanation of the score a run at that moment computed, as
        ``score(days, persist=False, known_by=...)`` gives it. {} for a site the registry does not hold."""
        cell = self.explained_cell(site_id, day, known_by)
        return {} if cell is None else cell[1]

    def explained_cell(
        self, site_id: str, day: date, known_by: datetime | None = None
    ) -> tuple[pd.Series, dict[str, Any]] | None:
        """``site_id``'s score on ``day`` computed when asked (``explanation_of``), as the row scoring gives
        (``scoring.SCORE_COLUMNS`` and the front line) and its explanation decoded; None for a site the
        registry does not hold."""
        chosen = sites.site_frame(self.store, site_id)
        if chosen.empty:
            return None
        site, settings = chosen.iloc[0], self.settings
        reach = matching.reach_box(
            site, settings.matching.site_radius_km, settings.matching.route_corridor_km
        )
        lat, lon = (float(pd.to_numeric(site[c], errors="coerce")) for c in ("lat", "lon"))
        near = _Near(reach, geo.box_around(lat, lon, settings.scoring.front.max_km))
        known = Known.end_of(day, vintage=known_by)
        inputs = self._inputs(chosen, [day], known, [site_id], [], near=near)
        row = self._compute(chosen, inputs, [day], known_by, explain=True).iloc[0]
        return row, explanation.decode(row["explain"], scoring.explained_params(self.settings.scoring))

    def _scored_blocks(
        self,
        days: list[date],
        persist: bool,
        known_by: datetime | None,
        site_frame: pd.DataFrame | None = None,
        *,
        fuse: bool = True,
        explain: bool = False,
    ) -> Iterator[pd.DataFrame]:
        """Score ``site_frame``'s sites (every site when None) on ``days``, a block of days at a time (memory
        stays flat), reading the store once; with ``persist``, replace the stored scores of each block.
        ``fuse=False``: the incidents as stored (a read writes nothing); ``explain``: build ``explain``."""
        if fuse:
            self.fuse()  # incidents first: a no-op (one query) when nothing new was stored
        registry = self._registry()
        chosen = registry if site_frame is None else site_frame
        ids = None if site_frame is None else chosen["id"].astype(str).tolist()
        quiet = self._quiet(reads.sites.count(self.store)) if persist else None
        with self.progress(
            f"score {len(days)} days x {len(chosen):,} sites", len(days) * len(chosen)
        ) as advance:
            # Every run of days reads the exposures as known by the end of the last day: scoring counts each
            # row from the day it became known, so the ones known later change nothing before then. The
            # window's rows read for one run are kept for the next, which reads only its own days.
            known = Known.end_of(days[-1], vintage=known_by)
            hold = (days[-1] - days[0]).days <= HELD_EXTRA_DAYS
            carried: list[_Inputs] = []  # the last run's inputs, held only here: the next read frees them
            with ScoreWriter(self.store) as writer:
                for span in self._input_spans(days):
                    inputs = self._inputs(registry, span, known, ids, carried, hold=hold)
                    for block in day_blocks(span, len(chosen), SCORE_ROWS_PER_BLOCK):
                        scores = self._compute(chosen, inputs, block, known_by, explain)
                        if quiet is not None and not scores.empty:
                            epoch = self.scores_epoch()
                            if epoch is None or epoch[0] != params_hash(self.settings.scoring):
                                self._renew_scores_epoch()
                            writer.replace(_loud(scores), block, naive_utc(self.now()), quiet)
                        advance(len(block) * len(chosen))
                        yield scores
                    carried.append(inputs)
                    del inputs

    def _input_spans(self, days: list[date]) -> Iterator[list[date]]:
        """``days`` in runs whose inputs (their events and the scoring window's before them) hold at most
        about ``SCORE_INPUT_EVENTS`` events, or ``SCORE_SPAN_OVER_WINDOW`` more than the window before the
        run alone where that is more, read at once: the exposures of 365,000 events over 10,000 sites (7M
        rows) read at once would take more than 2 GB alone."""
        window = timedelta(days=self.settings.scoring.window_days)
        counts = reads.events.per_day(self.store, days[0] - window, days[-1])

        def held(first: date, last: date) -> int:
            return sum(n for d, n in counts.items() if first - window <= d <= last)

        span: list[date] = []
        limit = 0.0
        for day in days:
            if span and held(span[0], day) > limit:
                yield span
                span = []
            if not span:
                limit = max(SCORE_INPUT_EVENTS, held(day, day) * (1 + SCORE_SPAN_OVER_WINDOW))
            span.append(day)
        if span:
            yield span

    def _inputs(
        self,
        registry: pd.DataFrame,
        days: list[date],
        known: Known,
        site_ids: list[str] | None,
        carried: list[_Inputs],
        *,
        hold: bool = False,
        near: _Near | None = None,
    ) -> _Inputs:
        """What scoring ``days`` reads, as ``known`` sees it: exposures (of ``site_ids`` only, when given,
        each with what ``_weighed`` works out of it against the ``registry``), notices, takeovers and
        verdicts (as given by the end of the last day). The exposures of the previous
        run of days' inputs (popped from ``carried``, so they are freed once their rows are taken) are kept
        where the window still needs them, and only the days after them are read: a window denser than
        ``SCORE_INPUT_EVENTS`` made runs of one day, each reading the whole window again (4M events: 30
        reads of 2M rows for 30 days). ``hold``: the run's days are few enough (``HELD_EXTRA_DAYS``) to be
        read through the window held between ticks. ``near`` (a few sites' inputs): read from the store within
        the boxes it gives, never through the window held between ticks (which holds every site's rows)."""
        first = days[0] - timedelta(days=self.settings.scoring.window_days)
        kept, read_from = pd.DataFrame(), first
        before = carried.pop() if carried else None
        if before is not None and before.through >= first:
            kept = before.exposures[before.exposures["event_date"] >= pd.Timestamp(first)]
            read_from = before.through + timedelta(days=1)
        del before
        derive = functools.partial(self._weighed, registry)
        if near is not None:
            events = reads.events.scored_events(self.store, read_from, days[-1], known, near=near.exposures)
            reach = self._reach(registry, kept=False)
            exposures = derive(reads.window.typed(_of_sites(reach.exposures(events), site_ids)))
        else:
            exposures = self._exposures(
                read_from, days[-1], known, registry, site_ids, derive, held=hold and kept.empty
            )
        if not kept.empty:
            exposures = pd.concat([kept, exposures], ignore_index=True) if len(exposures) else kept
        notices = reads.notices.linked(self.store, known)
        notices["known_at"] = pd.to_datetime(notices["known_at"])
        takeovers = self._takeovers(days, known.vintage, None if near is None else near.takeovers)
        verdicts = reads.feedback.given_before(self.store, end_of(days[-1]))
        return _Inputs(exposures.reset_index(drop=True), notices, takeovers, verdicts, days[-1])

    def _exposures(
        self,
        first: date,
        last: date,
        known: Known,
        registry: pd.DataFrame,
        site_ids: list[str] | None,
        derive: Callable[[pd.DataFrame], pd.DataFrame],
        *,
        held: bool,
    ) -> pd.DataFrame:
        """The exposures ``_inputs`` reads (``reads.window.typed``, then ``derive``). A ``held`` read (the
        whole window of a run of a day or a few), as known by the end of a day, reads through the window
        held between ticks (``reads.window``): a tick's rescore of the sites it touched, and the scoring in
        full of a new day (the first tick after midnight), which fills it for the ticks after. Any other read
        (a vintage, a longer run, the rest of a run whose earlier rows are kept) reads the events and matches
        them to the ``registry``'s sites (``site_ids`` only, when given; ``_matched``), a run of days at a
        time, each weighed (``derive``) before the next is read (``reads.window.in_runs``). The window gives
        every site's rows: scoring passes over those of sites it does not score, and picking the others out
        here copied a tick's 340,000 rows (0.05-0.11 s) to drop 12% of them.

        The window holds every stored row of its days, not only those public by the end of the last: scoring
        counts a row from the day it became public, so a row public later changes no score before then (as
        for any run of days), and the window's rows stay the same from one day to the next. Held as public by
        the end of each day, the first tick after midnight read the 60 days again twice (the new day, then
        yesterday's cells), and the tick after once more: 5.7 and 3.1 s against 1.3 s."""
        if held and known.vintage is None:
            reach = self._reach(registry)
            return self._window.read(self.store, first, last, Known(), self.window_since(), reach, derive)

        def read(start: date, end: date) -> pd.DataFrame:
            return derive(reads.window.typed(self._matched(start, end, known, registry, site_ids)))

        return reads.window.in_runs(self.store, first, last, read)

    def _matched(
        self, first: date, last: date, known: Known, registry: pd.DataFrame, site_ids: list[str] | None
    ) -> pd.DataFrame:
        """The exposures of the events of ``first`` to ``last`` that ``known`` sees to the ``registry``'s
        sites (of ``site_ids`` only, when given), matched (``reads.events.scored_events``, then
        ``Reach.exposures``). Every site is matched, with the routes kept for the registry, and the rows of
        others dropped after."""
        events = reads.events.scored_events(self.store, first, last, known)
        return _of_sites(self._reach(registry).exposures(events), site_ids)

    def _weighed(self, registry: pd.DataFrame, exposures: pd.DataFrame) -> pd.DataFrame:
        """``exposures`` with what scoring works out of each row alone: the km from the event to its site's
        mine (``site_km``, NaN for an unlocated site) and the row's weight (``scoring.WEIGHT``). The window
        held between ticks keeps them, so each row is weighed once, not at every tick (0.05 s of a tick's
        340,000 rows). The columns only weighing reads (and the event's place) are dropped: scoring holds
        a run's rows at once, and they were half of each row's memory. The site, via and source are kept as
        codes (``scoring.coded_columns``): a third of what was left, and the peak of scoring a month of a
        4M-event store fell from 1,875-1,899 MB to 1,465-1,482 MB."""
        exposures["site_km"] = _distance_to_site(exposures, registry)
        exposures[scoring.WEIGHT] = scoring.event_weights(exposures, self.settings.scoring)
        weighed = exposures.drop(columns=[*scoring.WEIGHT_ONLY_COLUMNS, "lat", "lon"])
        return scoring.coded_columns(weighed, registry["id"].astype(str))

    def window_since(self) -> reads.window.Since:
        """What is written from now on is stamped no earlier than this (``reads.window.Since``): rows of
        writers that commit late or whose clock is behind by up to ``MATCH_OVERLAP`` (the bound matching
        and rescoring assume as well), and the exposures of the events matching has yet to see, which it
        reads from ``_seen_since``."""
        now = naive_utc(self.now()) - MATCH_OVERLAP
        return reads.window.Since(stored=min(now, self._seen_since(EVENTS_MATCHED)), fused=now)

    def _compute(
        self,
        site_frame: pd.DataFrame,
        inputs: _Inputs,
        days: list[date],
        known_by: datetime | None,
        explain: bool,
    ) -> pd.DataFrame:
        """The scores of ``days`` from ``inputs`` (read for these days or a longer run of them)."""
        settings = self.settings.scoring
        window = timedelta(days=settings.window_days)
        dated = inputs.exposures["event_date"]
        inside = dated.between(pd.Timestamp(days[0] - window), pd.Timestamp(days[-1]))
        # A tick's window is all inside: not copied (late in a dense day, a million rows).
        exposures = inputs.exposures if inside.all() else inputs.exposures[inside]
        reach = timedelta(days=settings.front.window_days + front.CHANGE_DAYS)
        taken = pd.to_datetime(inputs.takeovers["event_date"]).dt.date
        takeovers = inputs.takeovers[taken.between(days[0] - reach, days[-1])]
        return self._scores_under_verdicts(
            site_frame,
            exposures.reset_index(drop=True),
            inputs.notices,
            takeovers.reset_index(drop=True),
            inputs.verdicts,
            days,
            known_by,
            explain,
        )

    def _quiet(self, n_sites: int) -> QuietScores:
        params = self.settings.scoring
        return QuietScores(n_sites, scoring.quiet_level(params))

    def _scores_under_verdicts(
        self,
        site_frame: pd.DataFrame,
        exposures: pd.DataFrame,
        notices: pd.DataFrame,
        takeovers: pd.DataFrame,
        verdicts: pd.DataFrame,
        days: Sequence[date],
        known_by: datetime | None,
        explain: bool,
    ) -> pd.DataFrame:
        """Scores and front lines of ``days``, each run of days without what the analysts' verdicts in force
        then leave out (``monitor.feedback``), sorted by date and site."""
        params = self.settings.scoring
        # Sites in the order scoring lays out each day's rows, so the front line's columns line up with them.
        ordered = site_frame.drop_duplicates("id").sort_values("id", kind="stable")
        parts = []
        for segment in feedback.segments(days, verdicts, known_by):
            kept = feedback.keep_events(exposures, segment.verdicts)
            told = feedback.keep_notices(notices, segment.verdicts)
            scored = scoring.score_days(ordered, kept, told, segment.days, params, explain=explain)
            taken = feedback.keep_reports(takeovers, segment.verdicts)
            for name, values in front.front_values(ordered, taken, segment.days, params.front).items():
                scored[name] = values  # in place: ``assign`` would copy the block's rows
            parts.append(scored)
        # Segments are runs of days in order, and scoring sorts each by date and site: so is their sequence.
        scores = pd.concat(parts, ignore_index=True)
        scores["front_actor"] = scores["front_actor"].fillna("").astype(str)
        return scores

    def _takeovers(
        self, days: Sequence[date], known_by: datetime | None, near: geo.Box | None = None
    ) -> pd.DataFrame:
        """The territorial takeovers that can make a front line on ``days`` (``monitor.front``); those in the
        box ``near`` only, when given."""
        settings = self.settings.scoring.front
        start = days[0] - timedelta(days=settings.window_days + front.CHANGE_DAYS)
        known = Known.end_of(days[-1], vintage=known_by)
        frame = reads.events.takeovers(
            self.store, start, days[-1], known, settings.sub_types, settings.cameo_codes, near
        )
        keep = front.is_takeover(frame, settings, self.settings.scoring.gdelt_min_sources)
        return frame[keep].reset_index(drop=True)

    def scores_epoch(self) -> tuple[str, datetime] | None:
        """(params hash, since) of the stored scores: those computed before ``since`` are stale."""
        raw = self.store.get_watermark(SCORES_EPOCH)
        if not raw:
            return None
        value = json.loads(raw)
        return str(value["params"]), datetime.fromisoformat(value["since"])

    def _renew_scores_epoch(self) -> None:
        value = {"params": params_hash(self.settings.scoring), "since": naive_utc(self.now()).isoformat()}
        self.store.set_watermark(SCORES_EPOCH, json.dumps(value, sort_keys=True), self.now())

    def fresh_days(self, days: Sequence[date], n_sites: int | None = None) -> set[date]:
        """Those of ``days`` whose stored scores are current: scored for every registry site (``n_sites``
        of them: the registry's size now when None), in full since the scores' epoch (the last registry
        change that started scoring over), under the scoring parameters in force now."""
        if not days:
            return set()
        epoch = self.scores_epoch()
        if epoch is None or epoch[0] != params_hash(self.settings.scoring):
            return set()
        n_sites = reads.sites.count(self.store) if n_sites is None else n_sites
        stored = reads.scores.coverage(self.store, min(days), max(days))
        current = (stored["sites"] == n_sites) & (stored["computed_at"] >= pd.Timestamp(epoch[1]))
        return set(stored.loc[current, "date"]) & set(days)

    def ensure_scored(self, days: Sequence[date]) -> list[date]:
        """Score and store the days whose stored scores are missing, incomplete or stale; return them."""
        fresh = self.fresh_days(days)
        stale = [d for d in sorted(set(days)) if d not in fresh]
        self._score_in_blocks(stale)
        return stale

    def rescore_stale_days(self) -> list[date]:
        """Score and store again the stored days of the last ``MAX_RESCORE_DAYS`` whose scores are stale (a
        registry change that started over leaves them so), the newest that ``PROMPT_SITE_DAYS`` allows at
        once and the others left owed (``owed_days``); return the days scored. Days never scored stay
        unscored."""
        first, last = reads.scores.day_span(self.store)
        if first is None or last is None:
            return []
        floor = max(first, naive_utc(self.now()).date() - timedelta(days=MAX_RESCORE_DAYS))
        if floor > last:
            return []
        stale = self.stale_days(sorted(reads.scores.coverage(self.store, floor, last)["date"]))
        at_once = stale[len(self._owed_later(stale)) :]
        self._score_in_blocks(at_once)
        return at_once

    def stale_days(self, days: Sequence[date]) -> list[date]:
        """The days (sorted) whose stored scores are missing, incomplete or stale; writes nothing."""
        fresh = self.fresh_days(days)
        return [d for d in sorted(set(days)) if d not in fresh]

    def _score_in_blocks(self, days: Sequence[date]) -> None:
        """Score and store ``days`` (every site), a block at a time."""
        if days:
            for _ in self._scored_blocks(sorted(set(days)), True, None):
                pass

    def rescore_since(self, earliest: date | None) -> list[date]:
        """Bring the stored scores up to date with what arrived, from ``earliest`` (the first day newly known
        rows touch) up to today; return the days scored, in full or in part.

        Days not stored yet (or stale) are scored in full, newest first, as many as ``PROMPT_SITE_DAYS``
        allows; the older ones are left to later as history (``SCORES_OWED_FROM``). On stored days only the
        (site, day) cells the rows stored since the last rescore can touch are computed and written: the
        sites exposed to those events (or to events fusion moved to another incident), from each one's
        earliest event day to its latest plus the scoring window; the sites a new notice names, from when it
        was public; the sites within reach of a new territorial takeover, for the front line's window. A
        verdict given or revoked since rescores every site from its day, whatever its number.
        """
        with self._one_registry():
            return self._rescore_since(earliest)

    def _rescore_since(self, earliest: date | None) -> list[date]:
        started = naive_utc(self.now())
        today = started.date()
        floor = today - timedelta(days=MAX_RESCORE_DAYS)
        start = max(earliest or today, floor)
        days = [start + timedelta(days=i) for i in range((today - start).days + 1)]
        self.fuse()
        fused = naive_utc(self.now())  # every incident fusion changed so far is stamped up to now
        seen = self._scores_seen()
        current = self.fresh_days([floor + timedelta(days=i) for i in range(MAX_RESCORE_DAYS + 1)])
        fresh = current
        if seen is not None:
            judged = reads.feedback.changed_since(self.store, seen.stored)
            if judged is not None:
                fresh = {d for d in fresh if d < judged}
        # Only days without current stored scores are left to later: those a verdict made stale are not
        # owed history (``owed_days`` would not find them again).
        later = set(self._owed_later([d for d in days if d not in current]))
        self._score_in_blocks([d for d in days if d not in fresh and d not in later])
        scored = [d for d in days if d not in later]
        if seen is not None and fresh:
            cells = self._touched_cells(seen, today)
            self._score_cells(cells[cells["date"].isin(fresh)].reset_index(drop=True))
        # What matching had yet to see is not in the scores: the next rescore looks back to it.
        marks = [started, *(self._seen_since(w) + MATCH_OVERLAP for w in (EVENTS_MATCHED, NOTICES_MATCHED))]
        value = {"stored": min(marks).isoformat(), "fused": fused.isoformat()}
        self.store.set_watermark(SCORES_SEEN, json.dumps(value, sort_keys=True), self.now())
        return scored

    def _owed_later(self, unscored: Sequence[date]) -> Sequence[date]:
        """The oldest of the ``unscored`` days (sorted) beyond those a rescore scores at once
        (``PROMPT_SITE_DAYS``, and the alerts' lookback whatever the registry's size), recorded as owed
        history (``SCORES_OWED_FROM`` only moves back); the caller scores the others."""
        lookback = self.settings.alerts.lookback_days + 1
        if len(unscored) <= lookback:  # a tick's day or two: no registry count, no watermark read
            return []
        at_once = max(self._days_within(PROMPT_SITE_DAYS), lookback)
        later = unscored[: max(len(unscored) - at_once, 0)]
        owed = reads.scores.owed_from(self.store)
        if later and (owed is None or later[0] < owed):
            self.store.set_watermark(SCORES_OWED_FROM, later[0].isoformat(), self.now())
        return later

    def _days_within(self, site_days: int) -> int:
        """How many days of every registry site ``site_days`` hold (at least one)."""
        return max(1, site_days // max(reads.sites.count(self.store), 1))

    def owed_days(self) -> list[date]:
        """The days of score history still owed, oldest first: from the first a rescore left to later
        (``SCORES_OWED_FROM``), within the last ``MAX_RESCORE_DAYS``, up to today, those whose stored scores
        are missing, incomplete or stale. Until they are scored, a read computes them in memory."""
        owed = reads.scores.owed_from(self.store)
        if owed is None:
            return []
        today = naive_utc(self.now()).date()
        first = max(owed, today - timedelta(days=MAX_RESCORE_DAYS))
        return self.stale_days([first + timedelta(days=i) for i in range((today - first).days + 1)])

    def score_history(self, site_days: int | None = None) -> list[date]:
        """Score and store the owed days of score history (``owed_days``): the newest that ``site_days``
        allow (at least one), or every one when None; return them."""
        with self._one_registry():
            owed = self.owed_days()
            if site_days is not None and owed:
                owed = owed[-self._days_within(site_days) :]
            self._score_in_blocks(owed)
            return owed

    def _scores_seen(self) -> _Seen | None:
        """What the stored scores took in (None: nothing is known); rows stored within the overlap before
        the last rescore are looked at again."""
        raw = self.store.get_watermark(SCORES_SEEN)
        if not raw:
            return None
        value = json.loads(raw)
        stored = datetime.fromisoformat(value["stored"]) - MATCH_OVERLAP
        return _Seen(stored=stored, fused=datetime.fromisoformat(value["fused"]))

    def _touched_cells(self, seen: _Seen, today: date) -> pd.DataFrame:
        """The (``site_id``, ``date``) cells up to ``today`` that what came since ``seen`` can change
        (``rescore_since`` says which)."""
        params = self.settings.scoring
        reach = timedelta(days=max(params.window_days, scoring.STATS_WINDOW_DAYS - 1))
        exposed = reads.events.touched_sites(
            self.store, self._reach(self._registry()), seen.stored, seen.fused
        )
        spans = [exposed.assign(last_day=exposed["last_day"] + reach), self._front_spans(seen)]
        noticed = reads.notices.touched_sites(self.store, seen.stored)
        first_known = pd.to_datetime(noticed["first_known"]).dt.date
        spans.append(
            pd.DataFrame({"site_id": noticed["site_id"], "first_day": first_known, "last_day": today})
        )
        return _cells(pd.concat(spans, ignore_index=True), today)

    def _front_spans(self, seen: _Seen) -> pd.DataFrame:
        """Sites within reach of a takeover stored (or re-fused) since ``seen``, from its day to the end of
        the front line's window and pace."""
        settings = self.settings.scoring.front
        points = reads.events.arrived_takeovers(
            self.store, seen.stored, seen.fused, settings.sub_types, settings.cameo_codes
        )
        site_frame = self._registry().dropna(subset=["lat", "lon"]).reset_index(drop=True)
        if points.empty or site_frame.empty:
            return pd.DataFrame(columns=["site_id", "first_day", "last_day"])
        site_at, point_at, _ = geo.pairs_within(
            site_frame["lat"].to_numpy(float), site_frame["lon"].to_numpy(float),
            points["lat"].to_numpy(float), points["lon"].to_numpy(float), settings.max_km,
        )  # fmt: skip
        day = pd.to_datetime(points["event_date"]).to_numpy()[point_at]
        reach = np.timedelta64(settings.window_days + front.CHANGE_DAYS, "D")
        return pd.DataFrame(
            {"site_id": site_frame["id"].to_numpy(object)[site_at], "first_day": pd.to_datetime(day).date,
             "last_day": pd.to_datetime(day + reach).date}
        )  # fmt: skip

    def _score_cells(self, cells: pd.DataFrame, *, roll_up: bool = True) -> None:
        """Compute and store the scores of the (``site_id``, ``date``) ``cells`` of stored days;
        ``roll_up=False`` leaves their days' supply roll-up to the caller."""
        if cells.empty:
            return
        site_frame = self._registry()
        # Positions through the registry's (unique) ids: pandas' ``isin`` on an Arrow string column converts
        # each of its 5,000 values to a scalar in Python (20 ms a tick).
        at = pd.Index(site_frame["id"]).get_indexer(cells["site_id"].unique())
        chosen = site_frame.take(np.unique(at[at >= 0])).reset_index(drop=True)
        if chosen.empty:
            return
        first, last = cells["date"].min(), cells["date"].max()
        span = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        wanted = pd.MultiIndex.from_frame(cells[["site_id", "date"]])
        for scores in self._scored_blocks(span, False, None, chosen):
            mine = pd.MultiIndex.from_frame(scores[["site_id", "date"]]).isin(wanted)
            block = cells[cells["date"].isin(set(scores["date"]))]
            self.store.replace_site_scores(_loud(scores[mine]), block, naive_utc(self.now()), roll_up=roll_up)

    # ---- one tick ----
    def run_once(self, collectors: Sequence[Collector], requester: RetryingRequester) -> TickReport:
        """Collect every collector, then match and rescore what changed (on one read of the registry)."""
        report = TickReport(feeds=self.collect(collectors, requester))
        with self._one_registry():
            report.matched_events, report.notice_matches = self.match()
            report.fused = self.fuse()
            earliest = [f.earliest_known for f in report.feeds if f.earliest_known is not None]
            report.scored_days = self.rescore_since(min(earliest) if earliest else None)
        return report


def day_blocks(days: Sequence[date], per_day: int, rows: int) -> Iterator[list[date]]:
    """``days`` in runs of about ``rows // per_day`` days (at least one day each)."""
    size = max(1, rows // max(per_day, 1))
    for start in range(0, len(days), size):
        yield list(days[start : start + size])


def _loud(scores: pd.DataFrame) -> pd.DataFrame:
    """The scores the store keeps a row for: those that are not quiet or have a front line."""
    front_line = scores["front_km"].notna() | scores["front_km_change_7d"].notna()
    front_line |= scores["front_days_to_radius"].notna() | (scores["front_actor"] != "")
    return scores[~scores[scoring.QUIET].astype(bool) | front_line]


def _cells(spans: pd.DataFrame, today: date) -> pd.DataFrame:
    """The (``site_id``, ``date``) cells of site spans (``first_day`` to ``last_day``, up to ``today``)."""
    spans = spans.dropna()
    first = pd.to_datetime(spans["first_day"]).to_numpy("datetime64[D]")
    last = np.minimum(pd.to_datetime(spans["last_day"]).to_numpy("datetime64[D]"), np.datetime64(today, "D"))
    count = np.maximum((last - first).astype(np.int64) + 1, 0)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    cells = pd.DataFrame(
        {
            "site_id": np.repeat(spans["site_id"].astype(str).to_numpy(object), count),
            "date": pd.to_datetime(np.repeat(first, count) + offset.astype("timedelta64[D]")).date,
        }
    )
    return cells.drop_duplicates().sort_values(["date", "site_id"]).reset_index(drop=True)


def _of_sites(exposures: pd.DataFrame, site_ids: Sequence[str] | None) -> pd.DataFrame:
    """The rows of ``exposures`` of ``site_ids`` (every row when None)."""
    if site_ids is None:
        return exposures
    wanted = pd.Index(sorted(set(site_ids)), dtype=object)
    return exposures[wanted.get_indexer(exposures["site_id"].astype(object)) >= 0].reset_index(drop=True)


def _distance_to_site(exposures: pd.DataFrame, site_frame: pd.DataFrame) -> np.ndarray:
    """Great-circle km from each exposed event to its site (NaN for an unlocated site)."""
    # Positions in the registry, then its columns taken by them: mapping each exposure's id through a
    # Series cost 0.25 s for a tick's 130,000 exposures, about 4 s over a 300k-event import's reads. The
    # ids are looked up once each (35 -> 6 ms for a tick's 285,000 rows).
    codes, ids = pd.factorize(exposures["site_id"], use_na_sentinel=False)
    at = pd.Index(site_frame["id"]).get_indexer(ids)[codes]  # -1, not found: the NaN appended
    slat = np.append(site_frame["lat"].to_numpy(float), np.nan)[at]
    slon = np.append(site_frame["lon"].to_numpy(float), np.nan)[at]
    return geo.haversine_km(exposures["lat"].to_numpy(float), exposures["lon"].to_numpy(float), slat, slon)


def _classified(records: pd.DataFrame) -> pd.DataFrame:
    """Add kind, confidence and cue to parsed notices, and the language a feed did not declare (detected
    from the title and summary; left empty when the detector is unsure)."""
    languages = [
        lang or classify.detect_language(f"{t or ''}. {s or ''}") or ""
        for t, s, lang in zip(records["title"], records["summary"], records["language"], strict=True)
    ]
    results = [
        classify.classify(t or "", s or "", lang or None)
        for t, s, lang in zip(records["title"], records["summary"], languages, strict=True)
    ]
    out = records.copy()
    out["language"] = languages
    out["kind"] = [notice_kind(r.kind) for r in results]
    out["confidence"] = [r.confidence for r in results]
    out["cue"] = [r.cue for r in results]
    return out


def _lazy(make: Callable[[], Iterable[Batch]]) -> Iterable[Batch]:
    """Defer building a collector's iterator so that errors raised while starting it are caught by ingest."""
    yield from make()
