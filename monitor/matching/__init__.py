"""Matching: events to the sites and export routes they are near (``events``), notices to the sites they
are about (``notices``), from the words that name a site (``labels``)."""

from monitor.matching.events import EXPOSURE_COLUMNS, match_events, site_radii
from monitor.matching.labels import name_labels, operator_labels, place_names
from monitor.matching.notices import NoticeLinks, SiteTextIndex

__all__ = [
    "EXPOSURE_COLUMNS", "NoticeLinks", "SiteTextIndex", "match_events", "name_labels", "operator_labels",
    "place_names", "site_radii",
]  # fmt: skip
