"""Every colour the dashboard gives a domain word, once: levels, commodities, event types, notice kinds,
score components.

Fixed per word (never by position in a chart: cobalt is the same blue on every page and with any filter)
and chosen to stay apart for colour-blind readers: levels run from a light blue through gold, orange and
red to a dark purple (light to dark, so order reads even in grey); commodities and event types take the
Okabe-Ito colours and Paul Tol's "muted" set, no two alike.
"""

from __future__ import annotations

import zlib

from monitor.domain import LEVELS, UNSCORED

__all__ = [
    "COMMODITY_COLOURS",
    "COMPONENT_COLOURS",
    "DARK_LEVELS",
    "EVENT_COLOURS",
    "KIND_COLOURS",
    "LEVEL_COLOURS",
    "LEVEL_ORDER",
    "OTHER",
    "commodity_colour",
    "event_colour",
    "kind_colour",
    "level_colour",
]

#: Anything without a colour of its own.
OTHER = "#8c8c8c"

LEVEL_COLOURS: dict[str, str] = {
    "low": "#74add1",
    "elevated": "#e3b505",
    "high": "#e66101",
    "critical": "#b2182b",
    "halted": "#3b0a57",
    UNSCORED: "#bdbdbd",
}
#: Levels whose colour needs white text on it.
DARK_LEVELS: frozenset[str] = frozenset({"high", "critical", "halted"})
#: Levels from the most severe down, then sites without a score.
LEVEL_ORDER: tuple[str, ...] = (*reversed(LEVELS), UNSCORED)

COMMODITY_COLOURS: dict[str, str] = {
    "cobalt": "#0072b2",
    "copper": "#d55e00",
    "graphite": "#3d3d3d",
    "lithium": "#cc79a7",
    "nickel": "#56b4e9",
    "pgm": "#332288",
    "rare_earths": "#e69f00",
    "tantalum": "#882255",
    "tin": "#44aa99",
    "tungsten": "#999933",
    "uranium": "#117733",
    "zinc": "#a6761d",
}
#: For commodities not listed above: a fixed pick by name, from colours no listed commodity uses.
_SPARE = ("#aa4499", "#661100", "#ddcc77", "#88ccee", "#cc6677", "#6699cc")

EVENT_COLOURS: dict[str, str] = {
    "battles": "#1f4e99",
    "explosions_remote_violence": "#00897b",
    "violence_against_civilians": "#8c510a",
    "riots": "#c51b7d",
    "protests": "#7b7bd6",
    "strategic_developments": "#78909c",
}
KIND_COLOURS: dict[str, str] = {
    "halt": LEVEL_COLOURS["halted"],
    "partial_halt": "#762a83",
    "export_halt": "#8e0152",
    "evacuation": LEVEL_COLOURS["critical"],
    "guidance_cut": LEVEL_COLOURS["high"],
    "resumption": "#1b7837",
    "none": OTHER,
}
COMPONENT_COLOURS: dict[str, str] = {
    "conflict": "#d95f02",
    "route": "#1b9e77",
    "notice": "#7570b3",
    "status": LEVEL_COLOURS["halted"],
}


def level_colour(level: str) -> str:
    return LEVEL_COLOURS.get(str(level), LEVEL_COLOURS[UNSCORED])


def commodity_colour(commodity: str) -> str:
    """The commodity's own colour; one outside the list gets a spare chosen by its name (stable)."""
    key = str(commodity).strip().lower()
    if key in COMMODITY_COLOURS:
        return COMMODITY_COLOURS[key]
    return _SPARE[zlib.crc32(key.encode("utf-8")) % len(_SPARE)]


def event_colour(event_type: str) -> str:
    return EVENT_COLOURS.get(str(event_type), OTHER)


def kind_colour(kind: str) -> str:
    return KIND_COLOURS.get(str(kind), OTHER)
