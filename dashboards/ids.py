"""Component ids of the dashboard, in one place so layouts, callbacks and browser tests agree."""

from __future__ import annotations

# Shell (every page)
AS_OF = "as-of"
REFRESH = "refresh"
DATA_AS_OF = "data-as-of"

# Overview
OVERVIEW_MAP = "overview-map"
OVERVIEW_HEADLINE = "overview-headline"
OVERVIEW_VERSION = "overview-version"
OVERVIEW_REGION = "overview-region"
RISK_GRID = "risk-grid"
RISK_COMMODITY = "risk-commodity"
RISK_LEVEL = "risk-level"
RISK_DOWNLOAD_BUTTON = "risk-download-button"
RISK_DOWNLOAD = "risk-download"
RISK_COUNT = "risk-count"

# Site
SITE_TITLE = "site-title"
SITE_RISK = "site-risk"
SITE_EXPLAIN = "site-explain"
SITE_NOTICES = "site-notices"
SITE_MAP = "site-map"
SITE_FACTS = "site-facts"
SITE_STATUS = "site-status"
HISTORY_NOTE = "history-note"
SITE_FRONT = "site-front"
SITE_EXPLAIN_GRID = "site-explain-grid"
SITE_REPORTS_GRID = "site-reports-grid"
SITE_NOTICES_GRID = "site-notices-grid"

# Commodities
SUPPLY_TONNES = "supply-tonnes"
SUPPLY_SHARE = "supply-share"
SUPPLY_DRIVERS = "supply-drivers"

# Events
EVENTS_SOURCE = "events-source"
EVENTS_TYPE = "events-type"
EVENTS_DATES = "events-dates"
EVENTS_COUNTRY = "events-country"
EVENTS_MAX_KM = "events-max-km"
EVENTS_COUNT = "events-count"
EVENTS_MAP = "events-map"
EVENTS_VERSION = "events-version"
EVENTS_GRID = "events-grid"
EVENTS_DOWNLOAD_BUTTON = "events-download-button"
EVENTS_DOWNLOAD = "events-download"

# Alerts
ALERTS_GRID = "alerts-grid"

# Feeds
FEEDS_GRID = "feeds-grid"
REJECTED_GRID = "rejected-grid"

# Feedback
FEEDBACK_TARGET = "feedback-target"
FEEDBACK_TARGET_ID = "feedback-target-id"
FEEDBACK_VERDICT = "feedback-verdict"
FEEDBACK_SITE = "feedback-site"
FEEDBACK_WHO = "feedback-who"
FEEDBACK_NOTE = "feedback-note"
FEEDBACK_MARK = "feedback-mark"
FEEDBACK_REVOKE = "feedback-revoke"
FEEDBACK_MESSAGE = "feedback-message"
FEEDBACK_GRID = "feedback-grid"
