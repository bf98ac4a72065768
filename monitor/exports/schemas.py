"""The export panels' schemas: every column's name, type and meaning, and each panel's version, in one place.

Writers and the API's OpenAPI document come from ``SCHEMAS``, and a test holds docs/exports.md's column tables
to ``markdown_table``. Changing a panel's columns (a name, a type, the order) means bumping its ``version``:
``tests/monitor/exports/test_exports.py`` pins a hash of each version's column spec and fails otherwise.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

__all__ = ["ATTRIBUTION", "PANELS", "SCHEMAS", "Column", "ColumnType", "PanelSchema", "markdown_table"]

ColumnType = Literal["date", "timestamp", "string", "float64", "int64"]

_ARROW: dict[str, pa.DataType] = {
    "date": pa.date32(),
    # Whole seconds, UTC: the same instant a CSV cell shows as YYYY-MM-DDTHH:MM:SSZ.
    "timestamp": pa.timestamp("us", tz="UTC"),
    "string": pa.string(),
    "float64": pa.float64(),
    "int64": pa.int64(),
}


@dataclass(frozen=True)
class Column:
    """One column of a panel: name, type, and what it means (the text docs/exports.md shows)."""

    name: str
    type: ColumnType
    doc: str


@dataclass(frozen=True)
class PanelSchema:
    """A panel's columns in order, its version, and the columns that order its rows."""

    name: str
    version: int
    title: str
    columns: tuple[Column, ...]
    sort_by: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def arrow(self) -> pa.Schema:
        """The panel as an Arrow schema (what Parquet files store)."""
        return pa.schema([pa.field(c.name, _ARROW[c.type]) for c in self.columns])

    def spec(self) -> list[dict[str, str]]:
        """Names and types in order: what a version number stands for."""
        return [{"name": c.name, "type": c.type} for c in self.columns]

    def spec_hash(self) -> str:
        """sha256 of the column spec as canonical JSON (pinned per version by the tests)."""
        text = json.dumps(self.spec(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _cols(*rows: tuple[str, ColumnType, str]) -> tuple[Column, ...]:
    return tuple(Column(name, kind, doc) for name, kind, doc in rows)


RISK = PanelSchema(
    "risk",
    2,
    "one row per site per day",
    _cols(
        ("date", "date", "the day (UTC); the row uses only what was public by the end of it"),
        ("site_id", "string", "registry id (slug)"),
        ("site_name", "string", "site name"),
        ("operator", "string", "operator as in the registry"),
        ("country", "string", "ISO 3166-1 alpha-2"),
        ("commodity", "string", "main commodity key (`tin`, `cobalt`, `copper`, ...)"),
        ("risk", "float64", "disruption risk 0-100 (`conflict + route + notice`; 100 when halted)"),
        ("level", "string", "`low`, `elevated`, `high`, `critical`, or `halted`"),
        (
            "status",
            "string",
            "`operating`, `halted` (by a notice or the registry), `halt_unconfirmed` (a notice halt no later "
            "notice reconfirmed for `scoring.halt_confirm_days`) or `care_and_maintenance`",
        ),
        ("conflict", "float64", "risk points from events near the mine"),
        ("route", "float64", "risk points from events near the export route"),
        (
            "notice",
            "float64",
            "risk points from notices (evacuations, export and partial halts, guidance cuts; the remainder "
            "to 100 when halted, to `scoring.halt_unconfirmed_risk` when the halt is unconfirmed)",
        ),
        ("events_30d", "int64", "events matched to the site (mine or route) dated in the 30 days to `date`"),
        ("fatalities_30d", "int64", "their reported fatalities"),
        ("nearest_event_km", "float64", "great-circle km from the mine to the nearest of those events"),
        (
            "top_event_id",
            "string",
            "the largest contributor on that day, as `source:source_id` (e.g. `acled:DRC35785`)",
        ),
        (
            "supply_at_risk_t",
            "float64",
            "`annual_output_t × risk / 100`, tonnes a year (empty when the output is unknown)",
        ),
        (
            "front_km",
            "float64",
            "km from the mine to the nearest territorial takeover of the last 30 days (empty: none within "
            "500 km); see docs/events.md",
        ),
        (
            "front_km_change_7d",
            "float64",
            "`front_km` minus the same actor's a week earlier: negative when the front approaches",
        ),
        (
            "front_days_to_radius",
            "float64",
            "at that pace, days until the front is within 25 km of the mine (0 once it is; empty when not "
            "approaching)",
        ),
        ("front_actor", "string", "the armed group that took the nearest territory"),
    ),
    ("date", "site_id"),
)

SUPPLY = PanelSchema(
    "supply",
    2,
    "one row per commodity per day",
    _cols(
        ("date", "date", "the day"),
        (
            "commodity",
            "string",
            "commodity key: a site counts under its main commodity and each other one it has an output for",
        ),
        (
            "supply_at_risk_t",
            "float64",
            "sum over the selected sites of their output of the commodity × risk / 100, tonnes a year; empty "
            "(output unknown) when no site with an output figure adds any and `sites_output_unknown` > 0",
        ),
        (
            "world_production_t",
            "float64",
            "world mine production (`monitor/data/commodities.csv`, with its year and source)",
        ),
        ("share_of_world_pct", "float64", "`supply_at_risk_t / world_production_t × 100`"),
        ("sites_halted", "int64", "sites halted that day"),
        ("sites_high_or_worse", "int64", "sites at high, critical or halted"),
        (
            "sites_output_unknown",
            "int64",
            "sites at risk that day (risk above 0) whose output is unknown: their tonnes are not in "
            "`supply_at_risk_t`",
        ),
        ("top_site_ids", "string", "the largest contributors (up to 3), `;`-separated"),
    ),
    ("date", "commodity"),
)

EVENTS = PanelSchema(
    "events",
    2,
    "one row per stored event dated in the range",
    _cols(
        ("event_date", "date", "day of the event"),
        ("source", "string", "`acled`, `gdelt` or `ucdp`"),
        ("source_id", "string", "the source's id (`event_id_cnty`, `GlobalEventID`, GED `id`)"),
        (
            "published_at",
            "timestamp",
            "when the source published the row (ACLED `timestamp`, GDELT `DATEADDED`; empty for UCDP)",
        ),
        ("first_seen_at", "timestamp", "when minewatch first stored it"),
        (
            "known_at",
            "timestamp",
            "when it became public: `published_at`, else `first_seen_at` (the point-in-time key)",
        ),
        (
            "type",
            "string",
            "ACLED taxonomy: `battles`, `explosions_remote_violence`, `violence_against_civilians`, `riots`, "
            "`protests`, `strategic_developments` (GDELT CAMEO roots 14-20 and UCDP types mapped onto it)",
        ),
        (
            "sub_type",
            "string",
            "ACLED `sub_event_type`; for GDELT `CAMEO <code>: <description>`; for UCDP the violence type",
        ),
        (
            "actor1",
            "string",
            "first actor as the source names it (empty for ACLED rows with `--derived-only`)",
        ),
        ("actor2", "string", "second actor (empty for ACLED rows with `--derived-only`)"),
        ("fatalities", "int64", "reported fatalities (UCDP: best estimate; GDELT: 0)"),
        ("lat", "float64", "latitude (WGS84)"),
        ("lon", "float64", "longitude (WGS84)"),
        ("geo_precision", "int64", "1 exact place, 2 near / district, 3 region or country centroid"),
        ("location", "string", "place name (empty for ACLED rows with `--derived-only`)"),
        ("country", "string", "ISO 3166-1 alpha-2"),
        (
            "admin1",
            "string",
            "first-level admin unit by name (GDELT: from ActionGeo_FullName, else its FIPS code, empty for a "
            "country; empty for ACLED rows with `--derived-only`)",
        ),
        ("nearest_site_id", "string", "the nearest matched site; empty when no site is within reach"),
        (
            "nearest_site_km",
            "float64",
            "its distance (to the mine, or to the route when `via` = `route`)",
        ),
        ("via", "string", "how it matched: `site` or `route`"),
        ("notes", "string", "the source's notes (ACLED; empty for ACLED rows with `--derived-only`)"),
        ("url", "string", "article URL (GDELT)"),
        (
            "incident_id",
            "string",
            "the incident it reports, named by its first public report (`source:source_id`): rows with the "
            "same `incident_id` count once",
        ),
        ("num_sources", "int64", "sources that reported it (GDELT NumSources; 1 for the other sources)"),
        ("num_articles", "int64", "articles that reported it (GDELT NumArticles; 1 for the other sources)"),
        (
            "verdict",
            "string",
            "an analyst's verdict in force on the event or its incident (`wrong_place`, `wrong_site:bisie`, "
            "...; `;`-separated), as known at the export",
        ),
    ),
    ("event_date", "source", "source_id"),
)

NOTICES = PanelSchema(
    "notices",
    2,
    "one row per stored notice that became public in the range",
    _cols(
        ("published_at", "timestamp", "publication time from the feed (UTC)"),
        ("source", "string", "feed name"),
        ("source_id", "string", "the entry's guid / id (or its link)"),
        ("url", "string", "link"),
        ("title", "string", "title"),
        ("language", "string", "`en`, `fr`, ... (entry, then feed, then configured default)"),
        (
            "kind",
            "string",
            "`halt`, `partial_halt`, `export_halt`, `resumption`, `evacuation`, `guidance_cut` or `none`",
        ),
        ("confidence", "float64", "0-1: higher when the cue is in the title, lower when hedged"),
        ("cue", "string", "what decided the kind: the words, where they were read, and how"),
        ("site_ids", "string", "the sites the notice was tied to, `;`-separated"),
        ("matched_on", "string", "what matched, `;`-separated (e.g. `mine: Bisie`)"),
        (
            "operators",
            "string",
            "operators the notice names but could not be tied to one of their sites (several sites, none "
            "named, nor a place of one), `;`-separated: kept as a mention, no site changed",
        ),
        ("first_seen_at", "timestamp", "when minewatch first stored it"),
        ("known_at", "timestamp", "when it became public: `published_at`, else `first_seen_at`"),
        ("summary", "string", "the entry's summary as plain text (HTML removed)"),
    ),
    ("known_at", "source", "source_id"),
)

ALERTS = PanelSchema(
    "alerts",
    1,
    "one row per stored alert created in the range",
    _cols(
        ("created_at", "timestamp", "when minewatch stored the alert (before any send)"),
        (
            "kind",
            "string",
            "`halt`, `resume`, `evacuation`, `export_halt`, `level`, `front_line`, `feed_stale` or `digest`",
        ),
        ("site_id", "string", "the site (empty for feed and digest alerts)"),
        ("site_name", "string", "its name in the registry"),
        ("commodity", "string", "its main commodity"),
        ("country", "string", "its country, ISO 3166-1 alpha-2"),
        ("episode", "string", "what makes a later alert of the same kind and site a new one (e.g. a day)"),
        ("status", "string", "`notified` or `suppressed` (stored, never sent)"),
        ("level", "string", "the site's level the alert reported, when it has one"),
        ("risk", "float64", "the site's risk the alert reported, when it has one"),
        ("occurred_at", "timestamp", "when what the alert reports happened"),
        ("title", "string", "the alert's title (empty with `--derived-only` when it cites ACLED rows)"),
        ("summary", "string", "the alert's text (empty with `--derived-only` when it cites ACLED rows)"),
        ("delivered_to", "string", "channels that delivered it, `;`-separated"),
        ("pending_to", "string", "channels still to deliver it, `;`-separated"),
        ("fingerprint", "string", "the alert's identity (hash of kind, subject and episode)"),
    ),
    ("created_at", "fingerprint"),
)

FEEDBACK = PanelSchema(
    "feedback",
    1,
    "one row per analyst verdict given in the range",
    _cols(
        ("created_at", "timestamp", "when the verdict was given; it holds from that day on"),
        ("feedback_id", "int64", "the verdict's id"),
        ("target", "string", "what it is on: `event`, `incident` (all its reports) or `notice`"),
        (
            "target_ref",
            "string",
            "the event, the incident's first report, or the notice, as `source:source_id`",
        ),
        ("verdict", "string", "`irrelevant`, `duplicate`, `wrong_place` or `wrong_site`"),
        ("site_id", "string", "for `wrong_site`: the site it is wrong for (it still counts for the others)"),
        ("note", "string", "the analyst's note"),
        ("created_by", "string", "who gave it (the dashboard's user, or the name given)"),
        ("revoked_at", "timestamp", "when it was revoked (empty while in force): it holds until that day"),
        ("revoked_by", "string", "who revoked it"),
    ),
    ("created_at", "feedback_id"),
)

SCHEMAS: dict[str, PanelSchema] = {s.name: s for s in (RISK, SUPPLY, EVENTS, NOTICES, ALERTS, FEEDBACK)}
PANELS: tuple[str, ...] = tuple(SCHEMAS)

#: Carried by every exported file (sidecar JSON or Parquet metadata).
ATTRIBUTION: dict[str, str] = {
    "acled": "Armed Conflict Location & Event Data (ACLED); www.acleddata.com. Use is under ACLED's Terms "
    "of Use, which require this attribution and restrict redistribution of the raw data: share derived "
    "panels (--derived-only), not raw rows.",
    "gdelt": "The GDELT Project (https://www.gdeltproject.org/); free for any use with citation.",
    "ucdp": "UCDP Georeferenced Event Dataset (GED), Uppsala Conflict Data Program (https://ucdp.uu.se/), "
    "CC BY 4.0: Sundberg & Melander (2013), Journal of Peace Research 50(4); Davies et al. (2025).",
    "notices": "Operator notices and news: titles and summaries remain their publishers' text.",
    "minewatch": "Risk, supply-at-risk and alerts: derived by minewatch from the sources above; a model, "
    "not a forecast.",
}


def markdown_table(schema: PanelSchema) -> str:
    """docs/exports.md's table of a panel's columns: name, type, meaning."""
    lines = ["| column | type | meaning |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {c.type} | {c.doc} |" for c in schema.columns]
    return "\n".join(lines)
