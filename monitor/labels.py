"""How the domain's words read to a person: one label per word, for the dashboard and the alerts alike.

``monitor.domain`` spells each word as stored ('force_majeure', 'none', 'pgm'); this module says how it is
shown ('Force majeure', 'No halt signal', 'PGM'). A word without an entry of its own reads as its words
with the first capitalised, so a new kind or commodity is readable before anyone adds it here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from monitor.domain import DEMO_FEED_PREFIX, EVENT_SOURCES, NOTICE_FEED_PREFIX

__all__ = ["COMMODITY_LABELS", "LABELS", "commodity_label", "feed_label", "label", "short_name"]

#: Commodity names that are not just their words capitalised (abbreviations, plurals).
COMMODITY_LABELS: dict[str, str] = {
    "pgm": "PGM",
    "ree": "REE",
    "rare_earths": "Rare earths",
}
#: Words whose label is not the word itself: a notice that says nothing of a halt, the unscored level.
LABELS: dict[str, str] = {
    **COMMODITY_LABELS,
    "none": "No halt signal",
    "other": "Other",
    "unscored": "Not scored",
    "explosions_remote_violence": "Explosions / remote violence",
    "care_and_maintenance": "Care and maintenance",
    "front_line": "Front line",
    "feed_stale": "Feed stale",
    "guidance_cut": "Guidance cut",
}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def label(value: Any) -> str:
    """A stored word as it is shown ('violence_against_civilians' -> 'Violence against civilians');
    a missing value reads as 'Other', never 'None'."""
    if _missing(value) or str(value).strip() == "":
        return LABELS["other"]
    key = str(value).strip()
    if key.lower() in LABELS:
        return LABELS[key.lower()]
    text = key.replace("_", " ")
    return text[:1].upper() + text[1:]


def commodity_label(value: Any, *, sentence: bool = False) -> str:
    """A commodity's name; inside a sentence ('~4% of world tin') in lower case unless an abbreviation."""
    if _missing(value) or str(value).strip() == "":
        return "output"
    key = str(value).strip().lower()
    if key in COMMODITY_LABELS:
        shown = COMMODITY_LABELS[key]
        return shown.lower() if sentence and not shown.isupper() else shown
    return key.replace("_", " ") if sentence else label(key)


def feed_label(feed: str) -> tuple[str, str]:
    """A feed's kind and name as read: ('Conflict events', 'ACLED'), ('Notices', 'alphamin'); the demo's
    feeds as the real ones, from the demo's files ('demo:acled' -> ('Conflict events', 'ACLED (demo)'))."""
    name = str(feed)
    if name.startswith(DEMO_FEED_PREFIX):
        kind, shown = feed_label(name[len(DEMO_FEED_PREFIX) :])
        return kind, f"{shown} (demo)"
    if name.lower() in EVENT_SOURCES:
        return "Conflict events", name.upper()
    if name.startswith(NOTICE_FEED_PREFIX):
        return "Notices", name[len(NOTICE_FEED_PREFIX) :]
    return "Other", name


#: Trailing words a short name drops ('Bisie tin mine' -> 'Bisie'): what the mine is, not which one.
_GENERIC_TAIL = frozenset(
    [
        "mine",
        "mines",
        "mining",
        "area",
        "project",
        "open-pit",
        "open",
        "pit",
        "zone",
        "district",
        "concession",
        "complex",
        "operation",
        "operations",
        "tin",
        "coltan",
        "cobalt",
        "copper",
        "lithium",
        "nickel",
        "uranium",
        "graphite",
        "tantalum",
        "tantalite",
        "tungsten",
        "zinc",
        "gold",
        "rare-earth",
        "rare",
        "earth",
        "artisanal",
    ]
)


def short_name(site: Mapping[str, Any]) -> str:
    """The name a desk uses for a site (``{"name": ..., "id": ...}``): the registry name without its
    bracketed detail or a trailing 'tin mine' ('Bisie tin mine (Mpama North)' -> 'Bisie'). Alerts and maps
    name sites by it."""
    name = str(site.get("name") or site.get("id") or "")
    words = name.split("(")[0].split()
    while len(words) > 1 and words[-1].lower() in _GENERIC_TAIL:
        words.pop()
    return " ".join(words) or name
