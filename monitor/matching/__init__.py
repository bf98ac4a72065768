"""Matching: events to the sites and export routes they are near (``events``), notices to the sites they
are about (``notices``), from the words that name a site (``labels``)."""

from monitor.geo import RoutePieces
from monitor.matching.events import (
    EVENTS_PER_BLOCK,
    EXPOSURE_COLUMNS,
    Reach,
    exposed,
    match_events,
    nearest,
    reach_box,
    route_pieces,
    site_radii,
)
from monitor.matching.labels import name_labels, operator_labels, place_names
from monitor.matching.notices import NoticeLinks, SiteTextIndex

__all__ = [
    "EVENTS_PER_BLOCK", "EXPOSURE_COLUMNS", "NoticeLinks", "Reach", "RoutePieces", "SiteTextIndex",
    "exposed", "match_events", "name_labels", "nearest", "operator_labels", "place_names", "reach_box",
    "route_pieces", "site_radii",
]  # fmt: skip
