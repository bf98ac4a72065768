"""Operator press releases and news as notices: RSS 2.0 and Atom feeds fetched with httpx, read by feedparser.

XML hardening: feedparser hands feeds to the stdlib expat parser, which expands internal entities and
may resolve external ones. ``defusedxml.defuse_stdlib()`` would fix that by patching the stdlib for the
whole process, so instead every feed is first parsed once with ``defusedxml.ElementTree`` (entities and
external references forbidden; a plain DOCTYPE allowed). A feed declaring an entity (billion laughs,
quadratic blow-up) or an external reference (XXE) is refused with ``FeedError`` before feedparser sees
it, and so is a document that is not well-formed XML: we give up feedparser's lenient recovery of
broken feeds in exchange for never parsing a document we have not vetted.

Conditional requests: the collector's watermark is ``etag:<ETag>`` when the server sends an ETag, else
``since:<HTTP date>`` from its Last-Modified header, else from the newest entry's publication time. The
next request sends it back as If-None-Match or If-Modified-Since; a 304 yields nothing.
"""

from __future__ import annotations

import calendar
import email.utils
import io
import json
import re
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import feedparser
import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from feeds.base import Batch, Kind
from feeds.rows import NOTICE_COLUMNS, RejectedRow
from monitor.config import NoticeFeed
from monitor.domain import notice_feed
from monitor.errors import FeedError, InputError
from monitor.net.http import RetryingRequester

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
#: Elements that separate words (so "<p>a</p><p>b</p>" reads "a b", not "ab").
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
        "section", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip
_SKIPPED = frozenset({"script", "style", "template", "head", "title"})


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment (entities decoded), dropping scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, whitespace collapsed to single spaces."""
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    return " ".join("".join(extractor.parts).split())


def check_xml(data: bytes) -> None:
    """Raise FeedError unless ``data`` is well-formed XML declaring no entities and no external references."""
    try:
        defused_fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        name = getattr(exc, "name", None) or getattr(exc, "sysid", None) or "?"
        raise FeedError(
            f"feed refused: it declares the XML entity {name!r} ({type(exc).__name__}); entities can "
            "expand without bound (billion laughs) and external ones can read local files"
        ) from None
    except ParseError as exc:
        raise FeedError(f"not an RSS or Atom feed: the document is not well-formed XML ({exc})") from None
    except (LookupError, ValueError) as exc:  # an unknown or impossible declared encoding
        raise FeedError(f"not an RSS or Atom feed: the document cannot be decoded ({exc})") from None


def parse_feed(data: bytes, source: str, default_language: str | None) -> Batch:
    """Parse RSS 2.0 or Atom bytes into notices (NOTICE_COLUMNS); entries we cannot use are rejected."""
    check_xml(data)
    # A stream, never bytes: feedparser first tries to open bytes as a file name.
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=False)
    if not parsed.get("version"):
        raise FeedError("not an RSS or Atom feed: well-formed XML, but no <rss> channel or Atom <feed>")
    feed_language = _language(_field(parsed.feed, "language")) or _language(default_language)
    records: dict[str, dict[str, Any]] = {}
    rejected: list[RejectedRow] = []
    for number, entry in enumerate(parsed.entries, start=1):
        notice, reason = _notice(entry, source, feed_language)
        if notice is None:
            rejected.append(RejectedRow(f"entry {number}", reason, _raw(entry)))
        else:
            records.setdefault(notice["source_id"], notice)
    frame = pd.DataFrame(list(records.values()), columns=list(NOTICE_COLUMNS))
    # Keep datetime objects or None (not NaT): the convention for published_at.
    frame["published_at"] = pd.Series([r["published_at"] for r in records.values()], dtype=object)
    latest = max((r["published_at"] for r in records.values() if r["published_at"]), default=None)
    watermark = f"since:{_http_date(latest)}" if latest else None
    return Batch(frame, rejected, watermark=watermark, fetched=len(parsed.entries))


def _http_date(moment: datetime) -> str:
    """A naive UTC datetime as an HTTP date (the format of If-Modified-Since)."""
    return email.utils.format_datetime(moment.replace(tzinfo=UTC), usegmt=True)


def _notice(entry: dict[str, Any], source: str, feed_language: str) -> tuple[dict[str, Any] | None, str]:
    """One entry as a notice row, or None and the reason it cannot be used."""
    title = _text(_field(entry, "title"), _field(entry, "title_detail"))
    summary_detail = _field(entry, "summary_detail")
    content = _field(entry, "content") or []
    if summary_detail is None and content:
        summary_detail = content[0]
    summary = _text(_field(entry, "summary"), summary_detail)
    link = _field(entry, "link") or ""
    url = link if re.match(r"https?://", link) else ""
    source_id = (_field(entry, "id") or "").strip() or url
    if not title and not summary:
        return None, "entry has neither a title nor a summary"
    if not source_id:
        return None, "entry has neither an id/guid nor a link"
    details = [_field(entry, "title_detail"), summary_detail]
    language = next((_language(d.get("language")) for d in details if d and d.get("language")), "")
    return {
        "source": source,
        "source_id": source_id,
        "url": url,
        "published_at": _published(entry),
        "title": title,
        "summary": summary,
        "language": language or feed_language,
    }, ""


def _text(value: str | None, detail: Mapping[str, Any] | None) -> str:
    """Plain text of a feed text construct: HTML reduced to its text; runs of whitespace collapsed."""
    if not value:
        return ""
    if detail is not None and detail.get("type") in _HTML_TYPES:
        return html_to_text(value)
    return " ".join(value.split())


def _field(entry: dict[str, Any], key: str) -> Any:
    """A field of a feedparser dict, read with plain dict.get: feedparser's own get() answers a missing
    ``updated_parsed`` with ``published_parsed`` and a DeprecationWarning."""
    return dict.get(entry, key)


def _published(entry: dict[str, Any]) -> datetime | None:
    """Publication time (else last update) as naive UTC; feedparser's ``*_parsed`` are UTC struct_times."""
    stamp: time.struct_time | None = _field(entry, "published_parsed") or _field(entry, "updated_parsed")
    if stamp is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(stamp), UTC).replace(tzinfo=None)


def _language(tag: str | None) -> str:
    """The primary subtag of a language tag, lower case ('en-US' -> 'en'); '' when absent."""
    return (tag or "").strip().split("-")[0].split("_")[0].lower()


def _raw(entry: dict[str, Any]) -> str:
    """A compact, stable text of a rejected entry (feedparser does not keep the entry's XML)."""
    fields = ("id", "link", "title", "published", "updated")
    return json.dumps({k: _field(entry, k) for k in fields if _field(entry, k)}, ensure_ascii=False)


def conditional_headers(watermark: str | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from a watermark written by ``NoticeCollector``."""
    if not watermark:
        return {}
    kind, _, value = watermark.partition(":")
    if kind == "etag" and value:
        return {"If-None-Match": value}
    if kind == "since" and value:
        return {"If-Modified-Since": value}
    return {}


class NoticeCollector:
    """Poll one RSS/Atom feed; conditional GET from the previous watermark (see the module docstring)."""

    kind: Kind = "notices"

    def __init__(self, feed: NoticeFeed) -> None:
        self.feed = feed
        self.name = notice_feed(feed.name)

    def collect(self, requester: RetryingRequester, since: str | None) -> Iterator[Batch]:
        """Yield the feed's entries as one batch, or nothing when the server answers 304 Not Modified."""
        response = requester.get(
            self.feed.url,
            headers=conditional_headers(since),
            ok=(200, 304),
            max_response_mb=self.feed.max_response_mb,
        )
        if response.status_code == 304:
            return
        try:
            batch = parse_feed(response.content, self.feed.name, self.feed.language)
        except FeedError as exc:
            raise FeedError(f"{self.name}: {exc}") from None
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        if etag:
            batch.watermark = f"etag:{etag}"
        elif modified:
            batch.watermark = f"since:{modified}"
        else:
            batch.watermark = batch.watermark or since
        yield batch


def parse_file(path: Path, source: str | None = None, default_language: str | None = None) -> Batch:
    """Parse a saved RSS/Atom file for ``minewatch import notices``; the source defaults to the file stem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return parse_feed(data, source or path.stem, default_language)
    except FeedError as exc:
        raise InputError(f"{path}: {exc}") from None
