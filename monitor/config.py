"""Settings: one pydantic model for ``config.yaml``, with environment overrides and secrets from env only.

Every field carries a description; ``tests/test_config.py`` checks that each one is documented in the README.
Environment is passed in (never read deep inside), so tests and the CLI decide where it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from monitor.errors import ConfigError

DEFAULT_CONFIG_FILE = "config.yaml"

#: Environment variables that override one setting each (dotted path into the model).
ENV_OVERRIDES: dict[str, str] = {
    "MINEWATCH_DATABASE_URL": "database.url",
    "MINEWATCH_ACLED_BASE_URL": "feeds.acled.base_url",
    "MINEWATCH_GDELT_LASTUPDATE_URL": "feeds.gdelt.lastupdate_url",
    "MINEWATCH_UCDP_BASE_URL": "feeds.ucdp.base_url",
}

#: Secrets: only ever read from the environment, never from a file.
ENV_SECRETS: dict[str, str] = {
    "MINEWATCH_ACLED_USERNAME": "feeds.acled.username",
    "MINEWATCH_ACLED_PASSWORD": "feeds.acled.password",
    "MINEWATCH_UCDP_TOKEN": "feeds.ucdp.token",
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    url: str = Field(
        "sqlite:///minewatch.db",
        description="SQLAlchemy URL of the store: sqlite:///path.db (default) or "
        "postgresql+psycopg://user@host/db. Env MINEWATCH_DATABASE_URL overrides.",
    )


class HttpSettings(_Section):
    timeout_s: float = Field(30.0, gt=0, description="Timeout of one HTTP request, in seconds.")
    retries: int = Field(3, ge=0, description="Retries after a 5xx, 429 or transport error.")
    backoff_s: float = Field(
        1.0, ge=0, description="First retry delay in seconds, doubled each retry (Retry-After wins)."
    )
    max_backoff_s: float = Field(60.0, ge=0, description="Longest delay between two retries, in seconds.")
    user_agent: str = Field("minewatch/0.1 (+https://github.com/minewatch)", description="User-Agent sent.")


class AcledSettings(_Section):
    enabled: bool = Field(False, description="Collect from the ACLED API (needs an ACLED account).")
    base_url: str = Field("https://acleddata.com", description="ACLED host (OAuth token and read API).")
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
    lastupdate_url: str = Field(
        "http://data.gdeltproject.org/gdeltv2/lastupdate.txt",
        description="GDELT lastupdate.txt, which names the newest export zip.",
    )
    interval_minutes: int = Field(15, gt=0, description="How often the scheduler collects GDELT.")


class UcdpSettings(_Section):
    enabled: bool = Field(False, description="Collect the UCDP GED API (also needs a token).")
    base_url: str = Field("https://ucdpapi.pcr.uu.se/api", description="UCDP API root.")
    version: str = Field("25.1", description="GED dataset version in the API path (gedevents/<version>).")
    token: SecretStr | None = Field(None, description="UCDP access token. Env MINEWATCH_UCDP_TOKEN only.")
    page_size: int = Field(1000, gt=0, le=1000, description="Rows per API page.")
    interval_minutes: int = Field(1440, gt=0, description="How often the scheduler collects UCDP.")


class NoticeFeed(_Section):
    name: str = Field(description="Short name, used as the notice source (e.g. 'alphamin').")
    url: str = Field(description="URL of an RSS 2.0 or Atom feed.")
    language: str | None = Field(None, description="Language when the feed does not say (en, fr).")


class NoticesSettings(_Section):
    enabled: bool = Field(True, description="Collect the operator and news feeds listed below.")
    feeds: list[NoticeFeed] = Field(default_factory=list, description="RSS/Atom feeds to poll.")
    interval_minutes: int = Field(30, gt=0, description="How often the scheduler polls the feeds.")


class FeedsSettings(_Section):
    acled: AcledSettings = Field(default_factory=AcledSettings, description="ACLED conflict events.")
    gdelt: GdeltSettings = Field(default_factory=GdeltSettings, description="GDELT 2.0 events.")
    ucdp: UcdpSettings = Field(default_factory=UcdpSettings, description="UCDP GED events.")
    notices: NoticesSettings = Field(default_factory=NoticesSettings, description="Operator/news notices.")


class SitesSettings(_Section):
    bundled: bool = Field(True, description="Load the bundled registry of real mine sites.")
    extra_csv: list[Path] = Field(
        default_factory=list,
        description="User site CSVs loaded after the bundled ones (same columns as import).",
    )


class MatchingSettings(_Section):
    site_radius_km: float = Field(
        150.0, gt=0, description="Events farther than this from a site are ignored."
    )
    route_corridor_km: float = Field(
        25.0, ge=0, description="Events within this distance of a site's export route are route exposures."
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
    type_weights: dict[str, float] = Field(
        default_factory=_default_type_weights, description="w_type per event type (ACLED taxonomy)."
    )
    sub_type_weights: dict[str, float] = Field(
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
    geo_precision_weights: dict[int, float] = Field(
        default_factory=lambda: {1: 1.0, 2: 0.7, 3: 0.4},
        description="g(geo_precision): 1 exact place, 2 nearby/district, 3 region centroid.",
    )
    source_weights: dict[str, float] = Field(
        default_factory=lambda: {"acled": 1.0, "ucdp": 1.0, "gdelt": 0.4},
        description="q(source): trust in each event source (GDELT is machine-coded from news).",
    )
    notice_points: dict[str, float] = Field(
        default_factory=lambda: {"evacuation": 40.0, "guidance_cut": 25.0},
        description="Risk points a non-halting notice adds, decaying with half_life_days.",
    )
    min_notice_confidence: float = Field(
        0.5, ge=0, le=1, description="Notices classified below this confidence do not change a site's status."
    )
    levels: dict[str, float] = Field(
        default_factory=lambda: {"elevated": 25.0, "high": 50.0, "critical": 75.0},
        description="Lower bounds of the levels (below elevated: low).",
    )
    explain_top_events: int = Field(
        5, ge=1, description="How many top contributing events each score's explain lists."
    )


class DashboardSettings(_Section):
    refresh_seconds: int = Field(
        300, ge=0, description="The dashboard re-reads the store this often, in seconds (0: never)."
    )
    map_style: str = Field(
        "white-bg",
        description="Map background: 'white-bg' needs no network (country outlines are bundled); a tile "
        "style such as 'carto-positron' or 'open-street-map' loads tiles from the internet.",
    )
    page_size: int = Field(25, gt=0, le=1000, description="Rows per page in the dashboard's tables.")
    max_table_rows: int = Field(
        2000, gt=0, description="The overview's risk table lists at most this many sites (the most at risk)."
    )
    recent_days: int = Field(30, gt=0, description="How many days of events the overview map shows.")
    max_map_events: int = Field(
        3000, gt=0, description="At most this many events are drawn on a map or listed (the newest)."
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
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ConfigError(f"{origin}: {where}: {first['msg']}") from None


def load_settings(path: Path | None, env: Mapping[str, str]) -> Settings:
    """Read ``path`` (or $MINEWATCH_CONFIG, or ./config.yaml when it exists, else defaults) and validate."""
    if path is None and env.get("MINEWATCH_CONFIG"):
        path = Path(env["MINEWATCH_CONFIG"])
    if path is None:
        default = Path(DEFAULT_CONFIG_FILE)
        path = default if default.exists() else None
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
