"""Settings: one pydantic model for ``config.yaml``, with environment overrides and secrets from env only.

Every field carries a description; docs/configuration.md lists them all (``monitor.config_reference`` writes
its table, and a test holds the page to it). Environment is passed in (never read deep inside), so tests and
the CLI decide where it comes from.
"""

from __future__ import annotations

import csv
import functools
import io
import ipaddress
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from monitor.domain import LEVELS, AlertKind, AlertLevel, notice_feed
from monitor.errors import ConfigError

DEFAULT_CONFIG_FILE = "config.yaml"

#: Environment variables that override one setting each (dotted path into the model).
ENV_OVERRIDES: dict[str, str] = {
    "MINEWATCH_DATABASE_URL": "database.url",
    "MINEWATCH_ACLED_BASE_URL": "feeds.acled.base_url",
    "MINEWATCH_GDELT_LASTUPDATE_URL": "feeds.gdelt.lastupdate_url",
    "MINEWATCH_UCDP_BASE_URL": "feeds.ucdp.base_url",
    "MINEWATCH_STATUS_HOST": "scheduler.status_host",
}

#: Secrets: read from the environment only (as NAME or NAME_FILE: monitor.environment), never from config.
ENV_SECRETS: dict[str, str] = {
    "MINEWATCH_ACLED_USERNAME": "feeds.acled.username",
    "MINEWATCH_ACLED_PASSWORD": "feeds.acled.password",
    "MINEWATCH_UCDP_TOKEN": "feeds.ucdp.token",
}


def _http_only(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"expected an http(s) URL with a host, got {parts.scheme or 'no'} scheme")
    return value


def _non_negative(weights: dict[Any, float]) -> dict[Any, float]:
    bad = sorted(str(k) for k, v in weights.items() if v < 0)
    if bad:
        raise ValueError(f"weights must be >= 0: {', '.join(bad)}")
    return weights


def _levels_in_order(levels: dict[str, float]) -> dict[str, float]:
    unknown = sorted(set(levels) - set(LEVELS))
    if unknown:
        raise ValueError(f"unknown level(s) {', '.join(unknown)} (known: {', '.join(LEVELS)})")
    named = [lvl for lvl in LEVELS if lvl in levels]
    bounds = [levels[lvl] for lvl in named]
    if any(not 0 <= b <= 100 for b in bounds) or any(a >= b for a, b in itertools.pairwise(bounds)):
        raise ValueError(f"lower bounds must rise within 0..100 in the order {' < '.join(named)}")
    return levels


#: A feed address: http or https only (a file:// or ftp:// URL in a config is a mistake or an attack).
HttpUrlText = Annotated[str, AfterValidator(_http_only)]
Weights = Annotated[dict[str, float], AfterValidator(_non_negative)]
#: A feed's own cap on response size; None: ``http.max_response_mb``.
FeedMaxMb = Field(None, gt=0, description="Largest response of this feed, in MB once decompressed "
                  "(empty: http.max_response_mb).")  # fmt: skip


class _Section(BaseModel):
    # inf and nan are no durations, weights or distances: a typo like `timeout_s: .inf` is an error.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class DatabaseSettings(_Section):
    url: str = Field(
        "sqlite:///minewatch.db",
        description="SQLAlchemy URL of the store: sqlite:///path.db (default) or "
        "postgresql+psycopg://user@host/db. Env MINEWATCH_DATABASE_URL overrides.",
    )


class HttpSettings(_Section):
    timeout_s: float = Field(
        30.0, gt=0, le=3600, description="Longest wait for a connection or for any read, in seconds."
    )
    deadline_s: float = Field(
        300.0,
        gt=0,
        le=86400,
        description="Longest one request may take, redirects and the whole body included, in seconds (a "
        "peer that trickles its body is cut off).",
    )
    max_response_mb: float = Field(
        256.0,
        gt=0,
        description="Largest response body accepted, in MB once decompressed (each feed may set its own "
        "`max_response_mb`).",
    )
    retries: int = Field(3, ge=0, le=20, description="Retries after a 5xx, 429 or transport error.")
    backoff_s: float = Field(
        1.0, ge=0, description="First retry delay in seconds, doubled each retry (Retry-After wins)."
    )
    max_backoff_s: float = Field(
        60.0, ge=0, le=3600, description="Longest delay between two retries, in seconds."
    )
    user_agent: str = Field("minewatch/0.1 (+https://github.com/minewatch)", description="User-Agent sent.")


class AcledSettings(_Section):
    enabled: bool = Field(False, description="Collect from the ACLED API (needs an ACLED account).")
    base_url: HttpUrlText = Field(
        "https://acleddata.com", description="ACLED host (OAuth token and read API)."
    )
    max_response_mb: float | None = FeedMaxMb
    username: SecretStr | None = Field(
        None, description="ACLED account e-mail. Env MINEWATCH_ACLED_USERNAME only."
    )
    password: SecretStr | None = Field(None, description="ACLED password. Env MINEWATCH_ACLED_PASSWORD only.")
    countries: list[str] = Field(
        default_factory=list, description="Restrict the API query to these country names (empty: all)."
    )
    page_limit: int = Field(5000, gt=0, le=5000, description="Rows per API page.")
    interval_minutes: int = Field(360, gt=0, description="How often the scheduler collects ACLED.")
    lookback_days: int = Field(
        90, gt=0, description="First run without a watermark: fetch rows published in the last N days."
    )


class GdeltSettings(_Section):
    enabled: bool = Field(True, description="Collect the GDELT 2.0 15-minute event exports.")
    max_response_mb: float | None = FeedMaxMb
    lastupdate_url: HttpUrlText = Field(
        "http://data.gdeltproject.org/gdeltv2/lastupdate.txt",
        description="GDELT lastupdate.txt, which names the newest export zip.",
    )
    interval_minutes: int = Field(15, gt=0, description="How often the scheduler collects GDELT.")
    catch_up_max_files: int = Field(
        96,
        ge=0,
        description="Also fetch the exports missed since the last run (e.g. the scheduler was down), at "
        "most this many per run counting the newest (96 = 24 hours); older ones are skipped with a "
        "warning (0: newest only).",
    )


class UcdpSettings(_Section):
    enabled: bool = Field(False, description="Collect the UCDP GED API (also needs a token).")
    base_url: HttpUrlText = Field("https://ucdpapi.pcr.uu.se/api", description="UCDP API root.")
    max_response_mb: float | None = FeedMaxMb
    version: str = Field("25.1", description="GED dataset version in the API path (gedevents/<version>).")
    token: SecretStr | None = Field(None, description="UCDP access token. Env MINEWATCH_UCDP_TOKEN only.")
    page_size: int = Field(1000, gt=0, le=1000, description="Rows per API page.")
    interval_minutes: int = Field(1440, gt=0, description="How often the scheduler collects UCDP.")


class NoticeFeed(_Section):
    name: str = Field(description="Short name, used as the notice source (e.g. 'alphamin').")
    url: HttpUrlText = Field(description="URL of an RSS 2.0 or Atom feed.")
    max_response_mb: float | None = FeedMaxMb
    language: str | None = Field(None, description="Language when the feed does not say (en, fr).")
    enabled: bool = Field(True, description="Poll this feed (false keeps it listed but off).")


#: The bundled catalogue of public notice feeds, in ``monitor/data`` (docs/notices.md, "Feeds").
CATALOGUE_FILE = "notice_feeds.csv"


@functools.cache
def notice_catalogue() -> tuple[NoticeFeed, ...]:
    """The bundled catalogue of public RSS/Atom feeds (``monitor/data/notice_feeds.csv``: name, title, url,
    language, covers, kind, found_on, checked), as feeds."""
    text = resources.files("monitor").joinpath("data", CATALOGUE_FILE).read_text(encoding="utf-8")
    return tuple(
        NoticeFeed(name=row["name"], url=row["url"], language=row["language"] or None)
        for row in csv.DictReader(io.StringIO(text))
    )


class NoticesSettings(_Section):
    enabled: bool = Field(True, description="Collect the operator and news feeds (catalogue and own).")
    catalogue: bool = Field(
        True,
        description="Poll the bundled catalogue of public feeds (monitor/data/notice_feeds.csv, "
        "docs/notices.md); each one can be switched off in catalogue_feeds.",
    )
    catalogue_feeds: dict[str, bool] = Field(
        default_factory=dict,
        description="Per catalogue feed, by name: false stops polling it (every one is on by default).",
    )
    feeds: list[NoticeFeed] = Field(
        default_factory=list,
        description="Your own RSS/Atom feeds to poll, besides the catalogue. Each: `name`, `url`, "
        "`language`, `enabled` (default true).",
    )
    interval_minutes: float = Field(
        5.0,
        gt=0,
        description="How often the scheduler polls each feed, in minutes (a fraction is fine: 0.5 is 30 "
        "s); conditional requests make it cheap: an unchanged feed answers 304 with no body.",
    )

    @model_validator(mode="after")
    def _names_known_and_unique(self) -> NoticesSettings:
        known = {feed.name for feed in notice_catalogue()}
        unknown = sorted(set(self.catalogue_feeds) - known)
        if unknown:
            raise ValueError(
                f"catalogue_feeds names {', '.join(unknown)}, not in the catalogue ({CATALOGUE_FILE})"
            )
        names = [feed.name for feed in self.feeds] + (sorted(known) if self.catalogue else [])
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(
                f"feed name {', '.join(repeated)} is used twice (own feeds and catalogue names must differ)"
            )
        return self

    def active(self) -> list[NoticeFeed]:
        """The feeds to poll: the catalogue's switched-on feeds, then your own enabled ones (none when
        notices are off)."""
        if not self.enabled:
            return []
        bundled = notice_catalogue() if self.catalogue else ()
        chosen = [f for f in bundled if self.catalogue_feeds.get(f.name, True)]
        return chosen + [f for f in self.feeds if f.enabled]


class FeedsSettings(_Section):
    acled: AcledSettings = Field(default_factory=AcledSettings, description="ACLED conflict events.")
    gdelt: GdeltSettings = Field(default_factory=GdeltSettings, description="GDELT 2.0 events.")
    ucdp: UcdpSettings = Field(default_factory=UcdpSettings, description="UCDP GED events.")
    notices: NoticesSettings = Field(default_factory=NoticesSettings, description="Operator/news notices.")

    def enabled(self) -> dict[str, timedelta]:
        """Every enabled feed, named as its runs, watermark and lease are, with its collection period.

        Event feeds first (``acled``, ``gdelt``, ``ucdp``), then each notice feed as ``notices:<name>``.
        """
        periods: dict[str, timedelta] = {}
        events: tuple[tuple[str, AcledSettings | GdeltSettings | UcdpSettings], ...] = (
            ("acled", self.acled), ("gdelt", self.gdelt), ("ucdp", self.ucdp),
        )  # fmt: skip
        for name, feed in events:
            if feed.enabled:
                periods[name] = timedelta(minutes=feed.interval_minutes)
        for notice in self.notices.active():
            periods[notice_feed(notice.name)] = timedelta(minutes=self.notices.interval_minutes)
        return periods


class SitesSettings(_Section):
    bundled: bool = Field(True, description="Load the bundled registry of real mine sites.")
    extra_csv: list[Path] = Field(
        default_factory=list,
        description="User site CSVs loaded after the bundled ones (same columns as import).",
    )


class MatchingSettings(_Section):
    site_radius_km: float = Field(
        150.0,
        gt=0,
        description="Events farther than this from a site are ignored; each site reaches this plus its "
        "coord_precision_km (the true mine may lie that far from its registry point).",
    )
    route_corridor_km: float = Field(
        25.0, ge=0, description="Events within this distance of a site's export route are route exposures."
    )


def _default_compatible_types() -> list[list[str]]:
    return [
        ["battles", "explosions_remote_violence", "violence_against_civilians"],
        ["protests", "riots"],
        ["strategic_developments"],
    ]


class FusionSettings(_Section):
    """How reports of one incident from several sources become one incident (``monitor/fusion.py``)."""

    max_days: int = Field(
        1, ge=0, description="Reports dated at most this many days from an incident's first report join it."
    )
    radius_km: float = Field(
        25.0, ge=0, description="Reports at most this far from an incident's first report can join it."
    )
    compatible_types: list[list[str]] = Field(
        default_factory=_default_compatible_types,
        description="Groups of event types (ACLED taxonomy) that can describe the same incident; a type in "
        "no group is compatible only with itself.",
    )
    exclusive_sources: list[str] = Field(
        default_factory=lambda: ["acled", "ucdp"],
        description="Curated sources: their curators already merge the reports of one incident into one row, "
        "so two rows of one of them are two incidents, and an incident holds at most one row of each.",
    )


class FrontSettings(_Section):
    """The front line: territorial takeovers by the same actor over time (``monitor/front.py``)."""

    window_days: int = Field(
        30, gt=0, description="front_km: the distance to the nearest takeover dated in the last N days."
    )
    radius_km: float = Field(
        25.0,
        ge=0,
        description="The site's radius for the front line: front_days_to_radius counts the days until the "
        "front is this close to the mine, at its pace of the last 7 days.",
    )
    max_km: float = Field(
        500.0, gt=0, description="Takeovers farther than this from a site do not make its front line."
    )
    sub_types: list[str] = Field(
        default_factory=lambda: ["non-state actor overtakes territory"],
        description="Event sub-types (lower-case ACLED sub_event_type) that are territorial takeovers.",
    )
    cameo_codes: list[str] = Field(
        default_factory=lambda: ["192"],
        description="GDELT CAMEO codes that are takeovers (192: occupy territory); a GDELT row counts only "
        "with at least scoring.gdelt_min_sources sources.",
    )


def _default_type_weights() -> dict[str, float]:
    return {
        "battles": 1.0,
        "explosions_remote_violence": 0.9,
        "violence_against_civilians": 0.7,
        "strategic_developments": 0.4,
        "riots": 0.3,
        "protests": 0.1,
    }


def _default_subtype_weights() -> dict[str, float]:
    return {
        "non-state actor overtakes territory": 3.0,
        "government regains territory": 1.5,
        "armed clash": 1.0,
        "headquarters or base established": 1.0,
        "looting/property destruction": 0.6,
        "peaceful protest": 0.1,
    }


class ScoringSettings(_Section):
    type_weights: Weights = Field(
        default_factory=_default_type_weights, description="w_type per event type (ACLED taxonomy)."
    )
    sub_type_weights: Weights = Field(
        default_factory=_default_subtype_weights,
        description="w_type override per sub-type (lower-case ACLED sub_event_type); takeovers weigh most.",
    )
    at_site_km: float = Field(
        5.0, ge=0, description="Protests/riots within this distance count as blockades (at the mine itself)."
    )
    at_site_weight: float = Field(1.0, ge=0, description="w_type of a protest or riot at the mine itself.")
    lambda_site_km: float = Field(
        40.0, gt=0, description="Distance decay length K(d)=exp(-d/lambda) near a site."
    )
    lambda_route_km: float = Field(25.0, gt=0, description="Distance decay length for events near the route.")
    route_weight: float = Field(0.8, ge=0, description="Multiplier on route exposures (cutting the road).")
    route_reach_km: float = Field(
        100.0,
        gt=0,
        description="Route exposures also decay with the event's distance from the mine: "
        "exp(-d_mine/route_reach_km); a cut near the mine isolates it, one far down the road less so.",
    )
    half_life_days: float = Field(10.0, gt=0, description="Age half-life of an event's contribution.")
    window_days: int = Field(60, gt=0, description="Events older than this no longer count.")
    p0: float = Field(3.0, gt=0, description="Saturation constant: conflict risk = 100*(1-exp(-sum(c)/P0)).")
    geo_precision_weights: Annotated[dict[int, float], AfterValidator(_non_negative)] = Field(
        default_factory=lambda: {1: 1.0, 2: 0.7, 3: 0.4},
        description="g(geo_precision): 1 exact place, 2 nearby/district, 3 region centroid.",
    )
    source_weights: Weights = Field(
        default_factory=lambda: {"acled": 1.0, "ucdp": 1.0, "gdelt": 0.4},
        description="q(source): trust in each event source (GDELT is machine-coded from news).",
    )
    notice_points: Weights = Field(
        default_factory=lambda: {
            "evacuation": 40.0,
            "export_halt": 40.0,
            "partial_halt": 30.0,
            "guidance_cut": 25.0,
        },
        description="Risk points a notice that does not set the status adds (evacuation, export halt, "
        "partial halt, guidance cut), decaying with half_life_days.",
    )
    halt_confirm_days: int = Field(
        30,
        gt=0,
        description="A halt set by notices and not reconfirmed by a later halting notice for this many "
        "days becomes `halt_unconfirmed` (since the last confirming notice's day + this many days).",
    )
    halt_unconfirmed_risk: float = Field(
        75.0,
        ge=0,
        le=100,
        description="The risk floor of a site whose halt is unconfirmed (its level follows from the risk: "
        "critical by default); a halted site is at 100.",
    )
    min_notice_confidence: float = Field(
        0.5, ge=0, le=1, description="Notices classified below this confidence do not change a site's status."
    )
    levels: Annotated[dict[str, float], AfterValidator(_levels_in_order)] = Field(
        default_factory=lambda: {"elevated": 25.0, "high": 50.0, "critical": 75.0},
        description="Lower bounds of the levels (below elevated: low), rising in level order within 0..100.",
    )
    explain_top_events: int = Field(
        5, ge=1, description="How many top contributing incidents each score's explain lists."
    )
    gdelt_min_sources: int = Field(
        2,
        ge=1,
        description="A GDELT report seen by fewer sources (NumSources) weighs nothing: a single-source row "
        "never raises a site on its own.",
    )
    gdelt_full_sources: int = Field(
        5, ge=1, description="A GDELT report's weight grows with NumSources up to this many (x n/N)."
    )
    gdelt_full_articles: int = Field(
        10, ge=1, description="A GDELT report's weight also grows with NumArticles up to this many (x n/N)."
    )
    fusion: FusionSettings = Field(
        default_factory=FusionSettings,
        description="Reports of one incident across sources become one incident.",
    )
    front: FrontSettings = Field(default_factory=FrontSettings, description="The front line of each site.")
    uncorroborated_max_level: Literal["low", "elevated", "high", "critical"] = Field(
        "elevated",
        description="The highest level incidents reported only by GDELT can raise a site to; above it an "
        "incident needs another dataset (ACLED, UCDP) to count.",
    )


class DashboardSettings(_Section):
    refresh_seconds: int = Field(
        300,
        ge=0,
        description="The dashboard checks the store this often, in seconds, and redraws when something was "
        "written (0: never).",
    )
    map_style: str = Field(
        "white-bg",
        description="Map background: 'white-bg' needs no network (country outlines, place names and the "
        "font of map text are bundled); a tile style such as 'carto-positron' or 'open-street-map' loads "
        "tiles from the internet.",
    )
    page_size: int = Field(25, gt=0, le=1000, description="Rows per page in the dashboard's tables.")
    max_table_rows: int = Field(
        2000, gt=0, description="The overview's risk table lists at most this many sites (the most at risk)."
    )
    recent_days: int = Field(30, gt=0, description="How many days of events the overview map shows.")
    max_map_events: int = Field(
        2000, gt=0, description="At most this many events are drawn on a map or listed (the newest)."
    )


class SchedulerSettings(_Section):
    serve: bool = Field(
        True,
        description="`minewatch run` also serves the dashboard from the same process (false, or --no-serve: "
        "only the scheduler; serve the dashboard with `minewatch serve` as a second process).",
    )
    misfire_grace_seconds: int = Field(
        300,
        ge=1,
        description="A feed run that could not start on time (process busy or suspended) still starts if it "
        "is at most this late; runs missed meanwhile are coalesced into one.",
    )
    lease_seconds: int = Field(
        120,
        ge=3,
        description="SQLite stores: a feed's lease lasts this long and is renewed every third of it while "
        "the feed runs, so a killed process frees its feeds after at most this long (PostgreSQL uses "
        "advisory locks instead, freed as soon as the process's connection closes). Either is checked "
        "every third of it while held: a run whose lease was lost stops after the batch in hand.",
    )
    max_parallel_feeds: int = Field(
        4, ge=1, description="How many feeds one `minewatch run` process collects at the same time."
    )
    status_host: str = Field(
        "127.0.0.1",
        description="`minewatch run --no-serve` serves /health and /metrics on this host (0.0.0.0 in a "
        "container, so the orchestrator and Prometheus reach it).",
    )
    status_port: int | None = Field(
        9108,
        ge=0,
        le=65535,
        description="...and this port (null: none). With the dashboard in the same process they are served "
        "on the dashboard's port instead, as /api/v1/health and /metrics.",
    )


class BacktestSettings(_Section):
    horizon_days: int = Field(
        30,
        ge=1,
        description="`minewatch backtest`: N, the horizon and lookback in days: a day at high or critical "
        "counts as a true alarm when a halt starts within N days after it; lead times look back N days.",
    )
    episodes_csv: Path | None = Field(
        None,
        description="`minewatch backtest`: CSV of known halts used instead of the bundled "
        "monitor/data/episodes.csv (columns site_id,start,end,kind,description,source).",
    )


Scope = Literal["all", "watchlist"]


class HaltRule(_Section):
    enabled: bool = Field(
        True,
        description="Alert when a site halts (a halt notice: also a suspension or force majeure on "
        "operations; evacuations outside a halt too).",
    )
    scope: Scope = Field("all", description="'all' registry sites (default) or only the 'watchlist'.")


class ExportHaltRule(_Section):
    enabled: bool = Field(
        True,
        description="Alert once per episode when a site's exports, shipments or deliveries stop while it "
        "keeps mining (an export ban, a port or border closure, force majeure on deliveries).",
    )
    scope: Scope = Field("all", description="'all' registry sites (default) or only the 'watchlist'.")


class ResumeRule(_Section):
    enabled: bool = Field(True, description="Alert when a halted site resumes.")
    scope: Scope = Field("all", description="'all' registry sites (default) or only the 'watchlist'.")


def _default_alert_levels() -> list[AlertLevel]:
    return ["high", "critical"]


class LevelRule(_Section):
    enabled: bool = Field(True, description="Alert when a site's level rises to one of `levels`.")
    scope: Scope = Field("watchlist", description="'watchlist' (default) or 'all' registry sites.")
    levels: list[AlertLevel] = Field(
        default_factory=_default_alert_levels,
        description="Levels whose reaching (from a lower level, day to day) raises an alert.",
    )


def _default_front_line_sub_types() -> list[str]:
    return ["non-state actor overtakes territory", "government regains territory"]


class FrontLineRule(_Section):
    enabled: bool = Field(
        True, description="Alert on a takeover or heavy fighting near a site or on its export route."
    )
    scope: Scope = Field("watchlist", description="'watchlist' (default) or 'all' registry sites.")
    min_fatalities: int = Field(5, ge=0, description="Battles with at least this many deaths count.")
    sub_types: list[str] = Field(
        default_factory=_default_front_line_sub_types,
        description="Event sub-types (lower-case ACLED sub_event_type) that count whatever the deaths.",
    )
    history_days: int = Field(
        60, gt=0, description="How far back the previous such event is looked for (distance change)."
    )
    min_advance_km: float = Field(
        5.0,
        ge=0,
        description="Within `alerts.repeat_hours`, another front-line alert for a site is sent only when "
        "the fighting is at least this much closer to the mine than the last one sent.",
    )


class FeedStaleRule(_Section):
    enabled: bool = Field(True, description="Ops alert when an enabled feed has no successful run lately.")
    hours: float = Field(24.0, gt=0, description="A feed is stale after this many hours without an ok run.")


class AlertRules(_Section):
    halt: HaltRule = Field(default_factory=HaltRule, description="Site halts.")
    resume: ResumeRule = Field(default_factory=ResumeRule, description="Site resumptions.")
    export_halt: ExportHaltRule = Field(
        default_factory=ExportHaltRule, description="Exports of a site stopped."
    )
    level: LevelRule = Field(default_factory=LevelRule, description="Level rises.")
    front_line: FrontLineRule = Field(default_factory=FrontLineRule, description="Front line approaching.")
    feed_stale: FeedStaleRule = Field(default_factory=FeedStaleRule, description="Stale feeds.")


class Watchlist(_Section):
    sites: list[str] = Field(default_factory=list, description="Site ids to watch.")
    commodities: list[str] = Field(default_factory=list, description="Watch every site of these commodities.")
    countries: list[str] = Field(
        default_factory=list, description="Watch every site in these countries (ISO alpha-2)."
    )


class Silence(_Section):
    site: str | None = Field(None, description="Site id (or feed name for stale feeds); empty: any.")
    kind: AlertKind | None = Field(None, description="Alert kind; empty: any.")
    until: datetime = Field(description="End of the silence (UTC when no offset is given).")
    comment: str = Field("", description="Why (shown nowhere but the config).")


class DigestSettings(_Section):
    enabled: bool = Field(False, description="Send a daily digest of the last 24 hours' alerts.")
    hour: int = Field(7, ge=0, le=23, description="UTC hour from which the day's digest is sent.")


class AlertRetrySettings(_Section):
    backoff_seconds: float = Field(
        60.0, gt=0, description="Wait before retrying a failed delivery, doubled after each failure."
    )
    max_backoff_seconds: float = Field(
        3600.0, gt=0, description="Longest wait between two delivery attempts."
    )
    max_attempts: int = Field(
        10,
        ge=1,
        le=100,
        description="A delivery still failing after this many attempts is given up (`failed`), said once "
        "on the other channels and in the log.",
    )
    max_wait_seconds: float = Field(
        30.0,
        ge=0,
        description="A Retry-After (HTTP 429) up to this long is waited out at once; a longer one leaves "
        "the delivery pending until then.",
    )


class EmailChannelSettings(_Section):
    enabled: bool = Field(
        True, description="Send e-mail when MINEWATCH_SMTP_URL and MINEWATCH_ALERT_EMAIL_TO are set."
    )
    subject_prefix: str = Field("[minewatch]", description="Start of every e-mail subject.")
    timeout_s: float = Field(30.0, gt=0, description="SMTP connection timeout, in seconds.")


class SlackChannelSettings(_Section):
    enabled: bool = Field(True, description="Post to Slack when MINEWATCH_SLACK_WEBHOOK_URL is set.")


class WebhookChannelSettings(_Section):
    enabled: bool = Field(True, description="POST signed JSON when MINEWATCH_WEBHOOK_URL is set.")


class AlertsSettings(_Section):
    enabled: bool = Field(
        True, description="Evaluate alert rules (false: no new alerts; pending deliveries are still sent)."
    )
    lookback_days: int = Field(
        7, gt=0, description="Only what happened in the last N days raises alerts (no alerts on old history)."
    )
    repeat_hours: float = Field(
        24.0,
        ge=0,
        description="Level, front-line, evacuation and stale-feed alerts of one site (feed) are sent at most "
        "once per this many hours unless they escalate; halts and resumptions are always sent.",
    )
    group_window_minutes: float = Field(
        0.0,
        ge=0,
        description="Hold new alerts this long so that alerts arriving close together go out as one "
        "message (0: send at once; alerts found in the same run are grouped anyway).",
    )
    max_per_message: int = Field(20, gt=0, description="At most this many alerts in one message.")
    watchlist: Watchlist = Field(default_factory=Watchlist, description="Sites the watchlist rules cover.")
    rules: AlertRules = Field(default_factory=AlertRules, description="Which rules run, and their limits.")
    silences: list[Silence] = Field(
        default_factory=list,
        description="Mute alerts until a time: a list of {site, kind, until, comment}.",
    )
    digest: DigestSettings = Field(default_factory=DigestSettings, description="Daily digest.")
    retry: AlertRetrySettings = Field(default_factory=AlertRetrySettings, description="Delivery retries.")
    email: EmailChannelSettings = Field(default_factory=EmailChannelSettings, description="E-mail channel.")
    slack: SlackChannelSettings = Field(default_factory=SlackChannelSettings, description="Slack channel.")
    webhook: WebhookChannelSettings = Field(
        default_factory=WebhookChannelSettings, description="Generic webhook channel."
    )


class Settings(_Section):
    """All of minewatch's settings; ``load_settings`` builds it from config.yaml plus the environment."""

    database: DatabaseSettings = Field(default_factory=DatabaseSettings, description="The store.")
    http: HttpSettings = Field(default_factory=HttpSettings, description="HTTP client behaviour.")
    feeds: FeedsSettings = Field(default_factory=FeedsSettings, description="Collectors.")
    sites: SitesSettings = Field(default_factory=SitesSettings, description="Site registry.")
    matching: MatchingSettings = Field(default_factory=MatchingSettings, description="Spatial matching.")
    scoring: ScoringSettings = Field(default_factory=ScoringSettings, description="Scoring model.")
    dashboard: DashboardSettings = Field(
        default_factory=DashboardSettings, description="The analyst dashboard."
    )
    scheduler: SchedulerSettings = Field(
        default_factory=SchedulerSettings, description="`minewatch run`: feed schedule and leases."
    )
    alerts: AlertsSettings = Field(
        default_factory=AlertsSettings, description="Alert rules, silences, digest and channels."
    )
    backtest: BacktestSettings = Field(
        default_factory=BacktestSettings, description="`minewatch backtest`: horizon and known halts."
    )


def _set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[leaf] = value


def _has_path(data: Mapping[str, Any], dotted: str) -> bool:
    node: Any = data
    for key in dotted.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return False
        node = node[key]
    return True


def settings_from_mapping(
    data: Mapping[str, Any], env: Mapping[str, str], origin: str = "config"
) -> Settings:
    """Validate ``data`` (parsed YAML) with ``env`` overrides applied; raise ConfigError naming the key."""
    merged: dict[str, Any] = _deep_copy(data)
    for path in ENV_SECRETS.values():
        if _has_path(merged, path):
            raise ConfigError(f"{origin}: {path}: secrets are read from the environment only, remove it")
    for name, path in {**ENV_OVERRIDES, **ENV_SECRETS}.items():
        if env.get(name):
            _set_path(merged, path, env[name])
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(validation_message(origin, exc)) from None


def validation_message(origin: str, exc: ValidationError) -> str:
    """Every error of a validation at once, one per line, each naming its key (never the value given)."""
    lines = []
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        lines.append(f"{origin}: {where}: {error['msg']}")
    if len(lines) == 1:
        return lines[0]
    return f"{len(lines)} errors in the settings:\n  " + "\n  ".join(lines)


def config_path(path: Path | None, env: Mapping[str, str]) -> Path | None:
    """The config file in use: ``path``, or $MINEWATCH_CONFIG, or ./config.yaml when it exists; None for
    the defaults."""
    if path is None and env.get("MINEWATCH_CONFIG"):
        path = Path(env["MINEWATCH_CONFIG"])
    if path is None:
        default = Path(DEFAULT_CONFIG_FILE)
        path = default if default.exists() else None
    return path


def load_settings(path: Path | None, env: Mapping[str, str]) -> Settings:
    """Read the config file ``config_path`` names (else the defaults) and validate."""
    path = config_path(path, env)
    data: Any = {}
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: the top level must be a mapping of sections")
    return settings_from_mapping(data, env, origin=str(path) if path else "defaults")


def _deep_copy(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, Mapping) else v for k, v in data.items()}


# ---- alert channel targets: URLs, addresses and secrets, from the environment only ----
@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to send e-mail, from MINEWATCH_SMTP_URL."""

    host: str
    port: int
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = False
    ssl: bool = False
    #: Log in without TLS to a host that is not this machine: asked for with ``?insecure_login=true``.
    insecure_login: bool = False


@dataclass(frozen=True)
class AlertTargets:
    """The alert channels' endpoints and secrets; a channel without its endpoint is off."""

    smtp: SmtpTarget | None = None
    email_to: tuple[str, ...] = ()
    email_from: str = "minewatch@localhost"
    slack_url: SecretStr | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    base_url: str | None = None


def _flag(name: str, query: Mapping[str, list[str]], key: str) -> bool:
    value = (query.get(key) or ["false"])[-1].strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name}: {key}={value!r}: expected true or false")


def parse_smtp_url(url: str, name: str = "MINEWATCH_SMTP_URL") -> SmtpTarget:
    """``smtp://user:pass@host:port?starttls=true`` (or ``ssl=true``, or ``smtps://``) as an SmtpTarget."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"smtp", "smtps"}:
        raise ConfigError(f"{name}: expected smtp://user:pass@host:port, got scheme {parts.scheme!r}")
    try:
        port_given = parts.port
    except ValueError:
        raise ConfigError(f"{name}: the port is not a number") from None
    if not parts.hostname:
        raise ConfigError(f"{name}: no host")
    query = parse_qs(parts.query, keep_blank_values=True)
    starttls = _flag(name, query, "starttls")
    ssl = parts.scheme == "smtps" or _flag(name, query, "ssl")
    if starttls and ssl:
        raise ConfigError(f"{name}: choose starttls=true or ssl=true, not both")
    insecure_login = bool(parts.username) and not (starttls or ssl) and not _loopback(parts.hostname)
    if insecure_login and not _flag(name, query, "insecure_login"):
        # Refused rather than warned about: a warning is read after the password has crossed the network.
        raise ConfigError(
            f"{name}: a login without TLS sends the password in clear to {parts.hostname}: add "
            "?starttls=true or use smtps://, or, knowingly, ?insecure_login=true"
        )
    port = port_given or (465 if ssl else 587 if starttls else 25)
    return SmtpTarget(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=SecretStr(unquote(parts.password)) if parts.password else None,
        starttls=starttls,
        ssl=ssl,
        insecure_login=insecure_login,
    )


def _loopback(host: str) -> bool:
    """Whether ``host`` is this machine by name or address (a password sent there never crosses a network)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _http_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"{name}: expected an http(s) URL")
    return value


def _addresses(name: str, value: str) -> tuple[str, ...]:
    found = tuple(a.strip() for a in value.split(",") if a.strip())
    bad = [a for a in found if "@" not in a]
    if bad:
        raise ConfigError(f"{name}: not an e-mail address: {bad[0]!r}")
    return found


def alert_targets_from_env(env: Mapping[str, str]) -> AlertTargets:
    """Read the alert channels' endpoints and secrets from ``env``; raise ConfigError naming a bad one."""

    def get(name: str) -> str:
        return (env.get(name) or "").strip()

    smtp = parse_smtp_url(get("MINEWATCH_SMTP_URL")) if get("MINEWATCH_SMTP_URL") else None
    email_to = _addresses("MINEWATCH_ALERT_EMAIL_TO", get("MINEWATCH_ALERT_EMAIL_TO"))
    if smtp is not None and not email_to:
        raise ConfigError("MINEWATCH_ALERT_EMAIL_TO: required when MINEWATCH_SMTP_URL is set")
    sender = get("MINEWATCH_ALERT_EMAIL_FROM")
    if sender:
        _addresses("MINEWATCH_ALERT_EMAIL_FROM", sender)
    slack = get("MINEWATCH_SLACK_WEBHOOK_URL")
    webhook = get("MINEWATCH_WEBHOOK_URL")
    secret = get("MINEWATCH_WEBHOOK_SECRET")
    base = get("MINEWATCH_BASE_URL")
    return AlertTargets(
        smtp=smtp,
        email_to=email_to,
        email_from=sender or AlertTargets.email_from,
        slack_url=SecretStr(_http_url("MINEWATCH_SLACK_WEBHOOK_URL", slack)) if slack else None,
        webhook_url=_http_url("MINEWATCH_WEBHOOK_URL", webhook) if webhook else None,
        webhook_secret=SecretStr(secret) if secret else None,
        base_url=_http_url("MINEWATCH_BASE_URL", base).rstrip("/") if base else None,
    )
