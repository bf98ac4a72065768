from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from feeds import notices
from feeds.rows import NOTICE_COLUMNS
from monitor.config import HttpSettings, NoticeFeed
from monitor.errors import FeedError, InputError
from monitor.net.http import RetryingRequester, make_client
from monitor.reads import sql
from monitor.store import Store
from tests.conftest import FIXTURES
from tests.loopback import LoopbackServer, Request, Response

FOLDER = FIXTURES / "notices"
RSS = FOLDER / "ruzizi_crest.xml"
ATOM = FOLDER / "mwanga_news.xml"
RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}


@pytest.fixture
def requester() -> RetryingRequester:
    settings = HttpSettings(retries=1, backoff_s=0, timeout_s=5)
    return RetryingRequester(make_client(settings), settings, sleep=lambda _s: None)


def rss_collector(server: LoopbackServer, path: str = "/news/feed.rss") -> notices.NoticeCollector:
    return notices.NoticeCollector(NoticeFeed(name="ruzizi", url=server.url(path)))


# ---- parsing ---------------------------------------------------------------------------------------------


def test_an_rss_feed_becomes_notices_keyed_by_guid_or_link() -> None:
    batch = notices.parse_feed(RSS.read_bytes(), "ruzizi", None)
    records = batch.records
    assert list(records.columns) == list(NOTICE_COLUMNS)
    assert set(records["source"]) == {"ruzizi"}
    assert records["source_id"].tolist() == [
        "https://ruzizicrest.example/news/2025/04/phased-restart",  # no guid: the link
        "rcm-pr-2025-014",
        "rcm-pr-2025-011",
    ]
    by_id = records.set_index("source_id")
    suspension = by_id.loc["rcm-pr-2025-014"]
    assert suspension["title"] == "Ruzizi Crest suspends operations at Mwanga Ridge as security deteriorates"
    assert suspension["url"] == "https://ruzizicrest.example/news/2025/03/suspension"
    assert by_id.loc["rcm-pr-2025-011", "title"] == "Mwanga Ridge update: operations continue normally"
    assert set(records["language"]) == {"en"}  # <language>en-gb</language>
    assert batch.fetched == 5


def test_publication_times_are_naive_utc_whatever_the_offset() -> None:
    rss = notices.parse_feed(RSS.read_bytes(), "ruzizi", None).records.set_index("source_id")
    assert rss.loc["rcm-pr-2025-014", "published_at"] == datetime(2025, 3, 13, 18, 45)  # 19:45 +0100
    assert rss.loc["rcm-pr-2025-011", "published_at"] == datetime(2025, 3, 10, 8, 0)  # GMT
    restart = "https://ruzizicrest.example/news/2025/04/phased-restart"
    assert rss.loc[restart, "published_at"] == datetime(2025, 4, 8, 14, 30)  # 16:30 +0200
    assert all(p.tzinfo is None for p in rss["published_at"])

    atom = notices.parse_feed(ATOM.read_bytes(), "news", None).records.set_index("source_id")
    assert atom.loc["tag:actualites.example,2025:article/88410", "published_at"] == datetime(
        2025, 3, 13, 19, 10
    )
    # no <published>: the <updated> time
    assert atom.loc["tag:actualites.example,2025:article/88415", "published_at"] == datetime(
        2025, 3, 14, 6, 45
    )


def test_summaries_are_plain_text_without_html_or_scripts() -> None:
    records = notices.parse_feed(RSS.read_bytes(), "ruzizi", None).records.set_index("source_id")
    suspension = records.loc["rcm-pr-2025-014", "summary"]
    assert suspension == (
        "Ruzizi Crest Minerals has suspended mining and processing at Mwanga Ridge after armed groups "
        "advanced to within 30 km of the site. Non-essential staff are being moved to Goma. Force majeure "
        "has been declared on concentrate deliveries."
    )
    assert records.loc["rcm-pr-2025-011", "summary"] == (
        "Mining & processing continue normally; the company is watching the situation on the Walikale road. "
        "Security page"
    )
    for text in records["summary"]:
        assert "<" not in text and "trackRelease" not in text and "&amp;" not in text


def test_an_atom_feed_in_french_takes_each_entry_language_from_xml_lang() -> None:
    records = notices.parse_feed(ATOM.read_bytes(), "news", "en").records.set_index("source_id")
    languages = records["language"].to_dict()
    assert languages == {
        "tag:actualites.example,2025:article/88410": "fr",
        "tag:actualites.example,2025:article/88102": "fr",
        "tag:actualites.example,2025:article/88415": "en",  # <entry xml:lang="en">
    }
    suspension = records.loc["tag:actualites.example,2025:article/88410"]
    assert suspension["title"] == "Ruzizi Crest suspend ses activités à Mwanga Ridge"
    assert suspension["summary"] == (
        "L'exploitant a suspendu l'extraction et le traitement du minerai, invoquant la progression "
        "des combats sur la route de Walikale."
    )
    normal = records.loc["tag:actualites.example,2025:article/88102"]
    assert "se poursuivent normalement" in normal["title"]
    assert records.loc["tag:actualites.example,2025:article/88415", "summary"] == (
        "Traders cited the suspension at Mwanga Ridge."  # from <content type="xhtml">
    )


def test_the_default_language_applies_only_when_the_feed_names_none() -> None:
    bare = RSS.read_bytes().replace(b"<language>en-gb</language>", b"")
    assert set(notices.parse_feed(bare, "ruzizi", "fr").records["language"]) == {"fr"}
    assert set(notices.parse_feed(bare, "ruzizi", None).records["language"]) == {""}
    assert set(notices.parse_feed(RSS.read_bytes(), "ruzizi", "fr").records["language"]) == {"en"}


def test_entries_without_text_or_identity_are_rejected_with_reasons() -> None:
    batch = notices.parse_feed(RSS.read_bytes(), "ruzizi", None)
    assert [(r.ref, r.reason) for r in batch.rejected] == [
        ("entry 4", "entry has neither a title nor a summary"),
        ("entry 5", "entry has neither an id/guid nor a link"),
    ]
    assert "rcm-gallery-7" in batch.rejected[0].raw
    assert "Notice of annual general meeting" in batch.rejected[1].raw


def test_an_entry_repeated_in_a_feed_is_kept_once() -> None:
    text = RSS.read_text(encoding="utf-8")
    start = text.index("<item>", text.index("phased-restart") - 200)
    item = text[start : text.index("</item>", start) + len("</item>")]
    doubled = text.replace(item, item + item, 1).encode()
    assert len(notices.parse_feed(doubled, "ruzizi", None).records) == 3


@pytest.mark.parametrize("name", ["entity_expansion.xml", "external_entity.xml"])
def test_a_feed_declaring_entities_is_refused_before_it_is_parsed(name: str) -> None:
    with pytest.raises(FeedError, match="feed refused: it declares the XML entity"):
        notices.parse_feed((FOLDER / name).read_bytes(), "bad", None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ((FOLDER / "maintenance_page.html").read_bytes(), "not well-formed XML"),
        (b"Service Unavailable", "not well-formed XML"),
        (b"", "not well-formed XML"),
        (b"<note><to>operations</to></note>", "no <rss> channel or Atom <feed>"),
        (b'<?xml version="1.0" encoding="klingon"?><rss version="2.0"/>', "cannot be decoded"),
    ],
)
def test_a_document_that_is_not_a_feed_is_a_clear_feed_error(data: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=f"not an RSS or Atom feed: .*{message}"):
        notices.parse_feed(data, "bad", None)


def test_parse_file_names_the_source_after_the_file(tmp_path: Path) -> None:
    assert set(notices.parse_file(RSS).records["source"]) == {"ruzizi_crest"}
    assert set(notices.parse_file(RSS, source="ruzizi").records["source"]) == {"ruzizi"}
    with pytest.raises(InputError, match=r"maintenance_page\.html: not an RSS or Atom feed"):
        notices.parse_file(FOLDER / "maintenance_page.html")
    with pytest.raises(InputError, match="cannot read"):
        notices.parse_file(tmp_path / "missing.xml")


# ---- collecting ------------------------------------------------------------------------------------------


def test_the_collector_fetches_and_parses_its_feed(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    server.route("GET", "/news/feed.rss", Response(200, RSS.read_bytes(), RSS_TYPE))
    collector = rss_collector(server)
    assert (collector.name, collector.kind) == ("notices:ruzizi", "notices")
    (batch,) = collector.collect(requester, since=None)
    assert set(batch.records["source"]) == {"ruzizi"}
    assert len(batch.records) == 3
    assert len(batch.rejected) == 2


def test_an_unchanged_feed_with_an_etag_answers_304_and_yields_nothing(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("if-none-match") == '"rcm-42"':
            return Response(304, b"", {"ETag": '"rcm-42"'})
        return Response(200, RSS.read_bytes(), {**RSS_TYPE, "ETag": '"rcm-42"'})

    server.route("GET", "/news/feed.rss", handler)
    (first,) = rss_collector(server).collect(requester, since=None)
    assert first.watermark == 'etag:"rcm-42"'
    assert list(rss_collector(server).collect(requester, since=first.watermark)) == []
    sent = [r.headers.get("if-none-match") for r in server.hits("/news/feed.rss")]
    assert sent == [None, '"rcm-42"']


def test_last_modified_is_sent_back_as_if_modified_since(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    stamp = "Tue, 08 Apr 2025 14:35:00 GMT"

    def handler(request: Request) -> Response:
        if request.headers.get("if-modified-since") == stamp:
            return Response(304)
        return Response(200, ATOM.read_bytes(), {"Last-Modified": stamp})

    server.route("GET", "/search.atom", handler)
    (first,) = rss_collector(server, "/search.atom").collect(requester, since=None)
    assert first.watermark == f"since:{stamp}"
    assert list(rss_collector(server, "/search.atom").collect(requester, since=first.watermark)) == []


def test_without_validators_the_newest_entry_time_becomes_the_watermark(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    server.route("GET", "/news/feed.rss", Response(200, RSS.read_bytes(), RSS_TYPE))
    (first,) = rss_collector(server).collect(requester, since=None)
    assert first.watermark == "since:Tue, 08 Apr 2025 14:30:00 GMT"
    list(rss_collector(server).collect(requester, since=first.watermark))
    assert (
        server.hits("/news/feed.rss")[-1].headers.get("if-modified-since") == "Tue, 08 Apr 2025 14:30:00 GMT"
    )


def test_a_hostile_feed_fails_the_collection_naming_the_feed(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    server.route(
        "GET", "/news/feed.rss", Response(200, (FOLDER / "entity_expansion.xml").read_bytes(), RSS_TYPE)
    )
    with pytest.raises(FeedError, match="notices:ruzizi: feed refused"):
        list(rss_collector(server).collect(requester, since=None))


def test_a_missing_feed_is_a_feed_error(server: LoopbackServer, requester: RetryingRequester) -> None:
    with pytest.raises(FeedError, match="HTTP 404"):
        list(rss_collector(server, "/gone.rss").collect(requester, since=None))


def test_the_same_feed_collected_twice_is_stored_once(
    server: LoopbackServer, requester: RetryingRequester, fresh_store: Store, now: datetime
) -> None:
    server.route("GET", "/news/feed.rss", Response(200, RSS.read_bytes(), RSS_TYPE))
    server.route("GET", "/search.atom", Response(200, ATOM.read_bytes()))
    written = []
    for _ in range(2):
        for path in ("/news/feed.rss", "/search.atom"):
            for batch in rss_collector(server, path).collect(requester, since=None):
                written.append(
                    fresh_store.insert_notices(batch.records.assign(kind="none", confidence=0.0), now)
                )
    assert [w.inserted for w in written] == [3, 3, 0, 0]
    assert [w.duplicates for w in written] == [0, 0, 3, 3]
    stored = sql.frame(
        fresh_store, "select source_id, title, language, published_at from notice order by source_id"
    )
    assert len(stored) == 6
    row = stored.set_index("source_id").loc["tag:actualites.example,2025:article/88410"]
    assert (row["title"], row["language"]) == ("Ruzizi Crest suspend ses activités à Mwanga Ridge", "fr")
    assert str(row["published_at"])[:19] == "2025-03-13 19:10:00"
