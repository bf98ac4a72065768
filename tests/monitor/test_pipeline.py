"""The orchestrator end to end: real collectors against a loopback server -> store -> match -> score."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest

from feeds.gdelt import GdeltCollector
from feeds.notices import NoticeCollector
from monitor import pipeline as pipeline_module
from monitor import reads, sites
from monitor.config import GdeltSettings, HttpSettings, NoticeFeed, Settings
from monitor.demo import demo_dir
from monitor.net.http import RetryingRequester, make_client
from monitor.pipeline import Pipeline, _distance_to_site
from monitor.reads import sql
from monitor.reads.known import Known
from monitor.store import Store
from tests.conftest import FIXTURES
from tests.loopback import LoopbackServer, Response

STAMP = "20250320071500"
HTTP = HttpSettings(retries=1, backoff_s=0.0)


def _clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


@pytest.fixture
def pipeline(fresh_store: Store) -> Pipeline:
    now = _clock(datetime(2025, 3, 21, 6, 0, tzinfo=UTC))
    pipe = Pipeline(fresh_store, Settings(), now)
    pipe.load_sites(sites.load_bundled(now()))
    return pipe


def _serve_demo_feeds(server: LoopbackServer) -> None:
    """The demo's GDELT export (zipped, in lastupdate.txt) and its operator RSS feed; one feed is down."""
    tsv = (demo_dir() / "gdelt_events.export.CSV").read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{STAMP}.export.CSV", tsv)
    data = buf.getvalue()
    path = f"/gdeltv2/{STAMP}.export.CSV.zip"
    listing = f"{len(data)} {hashlib.md5(data).hexdigest()} {server.url(path)}\n"
    server.route("GET", "/gdeltv2/lastupdate.txt", Response(200, listing))
    server.route("GET", path, Response(200, data, {"Content-Type": "application/zip"}))
    rss = (demo_dir() / "alphamin_news.xml").read_bytes()
    server.route("GET", "/alphamin.xml", Response(200, rss, {"Content-Type": "application/rss+xml"}))
    server.route("GET", "/down.xml", Response(503, "maintenance"))


def _collectors(server: LoopbackServer, pipeline: Pipeline) -> list:
    return [
        NoticeCollector(NoticeFeed(name="down", url=server.url("/down.xml"))),
        GdeltCollector(
            GdeltSettings(lastupdate_url=server.url("/gdeltv2/lastupdate.txt")), pipeline.site_filter()
        ),
        NoticeCollector(NoticeFeed(name="alphamin", url=server.url("/alphamin.xml"), language="en")),
    ]


def _tick(pipeline: Pipeline, server: LoopbackServer):
    with make_client(HTTP) as client:
        return pipeline.run_once(
            _collectors(server, pipeline), RetryingRequester(client, HTTP, lambda _s: None)
        )


def _counts(store: Store) -> dict[str, int]:
    tables = ("event", "notice", "nearest_site", "noticesite", "rejected")
    return {t: int(sql.scalar(store, f"SELECT COUNT(*) FROM {t}")) for t in tables}


def test_a_failing_feed_is_recorded_and_the_others_still_run(
    pipeline: Pipeline, server: LoopbackServer
) -> None:
    _serve_demo_feeds(server)
    report = _tick(pipeline, server)
    by_feed = {f.feed: f for f in report.feeds}
    assert by_feed["notices:down"].status == "failed"
    assert "HTTP 503" in by_feed["notices:down"].error
    assert by_feed["gdelt"].status == "ok" and by_feed["gdelt"].stored > 0
    assert by_feed["notices:alphamin"].status == "ok" and by_feed["notices:alphamin"].stored == 5
    runs = sql.frame(pipeline.store, "SELECT feed, status, stored, error FROM feedrun ORDER BY id")
    assert runs["feed"].tolist() == ["notices:down", "gdelt", "notices:alphamin"]
    assert runs["status"].tolist() == ["failed", "ok", "ok"]


def test_collected_rows_are_matched_to_sites_and_notices_classified(
    pipeline: Pipeline, server: LoopbackServer
) -> None:
    _serve_demo_feeds(server)
    _tick(pipeline, server)
    store = pipeline.store
    bisie = sites.reach(store, pipeline.settings.matching).of(["bisie"])
    near = reads.events.near_sites(store, bisie, date(2025, 1, 1), date(2025, 3, 21), Known())
    walikale = near[near["location"].str.startswith("Walikale")]
    assert set(walikale["via"]) == {"route", "site"}
    assert walikale.set_index("via").loc["site", "distance_km"].min() == pytest.approx(55.4, abs=1.0)
    # The nearest site stored of each is Bisie's road, which runs through Walikale.
    nearest = sql.frame(
        store,
        "SELECT x.site_id, x.via, x.distance_km FROM nearest_site x JOIN event e ON e.id = x.event_id"
        " WHERE e.location LIKE 'Walikale%'",
    )
    assert len(nearest) == walikale["event_id"].nunique()
    assert set(nearest["site_id"]) == {"bisie"} and set(nearest["via"]) == {"route"}
    kinds = sql.frame(
        store,
        "SELECT n.kind FROM notice n JOIN noticesite s ON s.notice_id = n.id WHERE s.site_id = 'bisie'"
        " ORDER BY n.known_at",
    )["kind"].tolist()
    assert "halt" in kinds and kinds.count("resumption") >= 1


def test_events_matched_a_block_at_a_time_give_the_exposures_of_one_block(
    pipeline: Pipeline, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _serve_demo_feeds(server)
    monkeypatch.setattr(pipeline_module, "MATCH_EVENTS_PER_BLOCK", 3)
    _tick(pipeline, server)
    query = "SELECT event_id, site_id, via, distance_km FROM nearest_site ORDER BY event_id"
    in_blocks = sql.frame(pipeline.store, query)
    events = int(sql.scalar(pipeline.store, "SELECT COUNT(*) FROM event"))
    assert events > 3 and len(in_blocks) > 0
    monkeypatch.setattr(pipeline_module, "MATCH_EVENTS_PER_BLOCK", events)
    pipeline.store.clear_matches([pipeline_module.EVENTS_MATCHED])
    pipeline.match()
    assert sql.frame(pipeline.store, query).equals(in_blocks)


def test_running_the_same_tick_twice_duplicates_nothing(pipeline: Pipeline, server: LoopbackServer) -> None:
    _serve_demo_feeds(server)
    _tick(pipeline, server)
    first = _counts(pipeline.store)
    second_report = _tick(pipeline, server)
    assert _counts(pipeline.store) == first
    by_feed = {f.feed: f for f in second_report.feeds}
    assert by_feed["notices:alphamin"].stored == 0
    assert by_feed["notices:alphamin"].duplicates == 5
    # GDELT's watermark says this export was collected: the zip is not downloaded again.
    assert len(server.hits(f"/gdeltv2/{STAMP}.export.CSV.zip")) == 1


def test_the_tick_rescores_up_to_today_point_in_time(pipeline: Pipeline, server: LoopbackServer) -> None:
    _serve_demo_feeds(server)
    report = _tick(pipeline, server)
    assert report.scored_days[-1] == date(2025, 3, 21)
    bisie = sql.frame(
        pipeline.store, "SELECT date, status, level FROM score WHERE site_id = 'bisie' ORDER BY date"
    )
    bisie["date"] = bisie["date"].astype(str)
    state = bisie.set_index("date")
    assert state.loc["2025-03-13", "status"] == "operating"
    # The suspension release went out on the evening of 13 March in Toronto: 14 March in UTC.
    assert state.loc["2025-03-14", "status"] == "halted"
    assert state.loc["2025-03-21", "level"] == "halted"


def test_importing_sites_gives_the_stored_events_their_nearest_site_as_a_full_rematch_would(
    pipeline: Pipeline, server: LoopbackServer
) -> None:
    _serve_demo_feeds(server)
    _tick(pipeline, server)
    query = "SELECT event_id, site_id, via, distance_km FROM nearest_site ORDER BY event_id"
    before = sql.frame(pipeline.store, query)
    assert set(before["site_id"]) >= {"bisie"}
    # A pit at Nyabiondo, whose events are 17 km from Bisie's road.
    csv_text = (
        "id,name,operator,country,commodity,lat,lon,coord_precision_km\n"
        "nyabiondo_test,Nyabiondo test pit,Test Mining,CD,tin,-1.25,28.70,1\n"
    )
    pipeline.load_sites(sites.parse_sites_csv(csv_text, origin="user", now=pipeline.now()))
    after = sql.frame(pipeline.store, query)
    # The events nearer the new pit than to any other site or road are its now; the others stand.
    moved = after["site_id"] == "nyabiondo_test"
    assert moved.any() and (after.loc[moved, "distance_km"] < 1.0).all()
    pd.testing.assert_frame_equal(after[~moved], before[~moved])
    pipeline.store.clear_matches([pipeline_module.EVENTS_MATCHED])
    pipeline.match()
    pd.testing.assert_frame_equal(sql.frame(pipeline.store, query), after)


def test_a_dead_or_changed_feed_is_a_failed_run_with_its_reason_and_the_others_still_run(
    pipeline: Pipeline, server: LoopbackServer
) -> None:
    """Feeds chosen by name from the settings as the scheduler builds them: one gone (404), one answering
    an HTML page, one that changed to JSON, and one Atom feed that works."""
    from feeds.registry import build_collectors
    from monitor.config import settings_from_mapping

    fixtures = FIXTURES / "notices"
    server.route("GET", "/gone.xml", Response(404, "not found"))
    html = (fixtures / "maintenance_page.html").read_bytes()
    server.route("GET", "/html.xml", Response(200, html, {"Content-Type": "text/html"}))
    server.route("GET", "/json.xml", Response(200, b'{"items": []}', {"Content-Type": "application/json"}))
    atom = (fixtures / "mwanga_news.xml").read_bytes()
    server.route("GET", "/ok.xml", Response(200, atom, {"Content-Type": "application/atom+xml"}))
    names = ("gone", "html", "json", "ok")
    settings = settings_from_mapping(
        {"feeds": {"notices": {"catalogue": False,
                               "feeds": [{"name": n, "url": server.url(f"/{n}.xml")} for n in names]}}},
        env={},
    )  # fmt: skip
    collectors = build_collectors(settings, pipeline.site_filter(), pipeline.now, only=["notices"])
    with make_client(HTTP) as client:
        report = pipeline.run_once(collectors, RetryingRequester(client, HTTP, lambda _s: None))
    by_feed = {f.feed: f for f in report.feeds}
    assert [by_feed[f"notices:{n}"].status for n in names] == ["failed", "failed", "failed", "ok"]
    assert "HTTP 404" in by_feed["notices:gone"].error
    assert "not an RSS or Atom feed" in by_feed["notices:html"].error
    assert "not an RSS or Atom feed" in by_feed["notices:json"].error
    assert by_feed["notices:ok"].stored > 0
    runs = sql.frame(pipeline.store, "SELECT feed, status, error FROM feedrun WHERE feed LIKE 'notices:%'")
    assert dict(zip(runs["feed"], runs["status"], strict=True))["notices:gone"] == "failed"


UNDECLARED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Regional wire</title><link>https://wire.example/</link>
<description>No language declared</description>
<item><title>Les activités de la mine de Bisie suspendues face à l'avancée des rebelles</title>
<link>https://wire.example/1</link><guid>https://wire.example/1</guid>
<pubDate>Fri, 14 Mar 2025 09:00:00 GMT</pubDate>
<description>La direction suspend toutes les activités du site minier de Bisie.</description></item>
<item><title>Tin miner restarts Bisie after rebels pull back from Walikale</title>
<link>https://wire.example/2</link><guid>https://wire.example/2</guid>
<pubDate>Wed, 09 Apr 2025 09:00:00 GMT</pubDate>
<description>The company said a phased restart of the mine would begin this week.</description></item>
</channel></rss>"""


def test_a_notice_from_a_feed_that_declares_no_language_is_stored_with_the_detected_one(
    pipeline: Pipeline, server: LoopbackServer
) -> None:
    server.route("GET", "/wire.xml", Response(200, UNDECLARED, {"Content-Type": "application/rss+xml"}))
    with make_client(HTTP) as client:
        pipeline.run_once(
            [NoticeCollector(NoticeFeed(name="wire", url=server.url("/wire.xml")))],
            RetryingRequester(client, HTTP, lambda _s: None),
        )
    stored = sql.frame(pipeline.store, "SELECT url, language, kind FROM notice ORDER BY url")
    assert stored["language"].tolist() == ["fr", "en"]
    assert stored["kind"].tolist() == ["halt", "resumption"]


def test_an_exposures_distance_to_its_mine_is_measured_to_that_site_and_nan_for_an_unknown_one() -> None:
    registry = pd.DataFrame({"id": ["a", "b"], "lat": [0.0, 1.0], "lon": [0.0, 1.0]})
    exposures = pd.DataFrame({"site_id": ["b", "gone", "a"], "lat": [1.0, 0.0, 0.0], "lon": [1.1, 0.0, 0.1]})
    km = _distance_to_site(exposures, registry)
    assert km[0] == pytest.approx(11.1, abs=0.05) and km[2] == pytest.approx(11.1, abs=0.05)  # 0.1 deg
    assert np.isnan(km[1])
    assert np.isnan(_distance_to_site(exposures, registry.iloc[:0])).all()  # an empty registry


def test_routes_are_sampled_once_while_the_registry_holds_and_again_when_it_changes(
    pipeline: Pipeline, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _serve_demo_feeds(server)
    built: list[int] = []
    sample = pipeline_module.matching.route_pieces

    def counted(site_frame: pd.DataFrame, corridor_km: float) -> Any:
        built.append(len(site_frame))
        return sample(site_frame, corridor_km)

    monkeypatch.setattr(pipeline_module.matching, "route_pieces", counted)
    query = "SELECT event_id, site_id, via, distance_km FROM nearest_site ORDER BY event_id"
    _tick(pipeline, server)
    pipeline.store.clear_matches([pipeline_module.EVENTS_MATCHED])
    _tick(pipeline, server)  # the same registry: its routes as sampled by the tick before
    assert len(built) == 1
    first = sql.frame(pipeline.store, query)
    # A site sorted first, with a road through Nyabiondo (17 km from Bisie's): every other site's routes
    # move one place down.
    csv_text = (
        "id,name,operator,country,commodity,lat,lon,coord_precision_km,route\n"
        'aaa_walikale,Walikale test pit,Test Mining,CD,tin,-1.0,28.6,1,"-1.0:28.6;-1.25:28.70"\n'
    )
    pipeline.load_sites(sites.parse_sites_csv(csv_text, origin="user", now=pipeline.now()))
    _tick(pipeline, server)
    # The added site's route alone at the load (its events matched then), every route at the next tick.
    assert built == [built[0], 1, built[0] + 1]
    after = sql.frame(pipeline.store, query)
    # Some events are nearest the added site's road now; every other event's nearest site stands.
    added = after["site_id"] == "aaa_walikale"
    assert added.any() and "route" in set(after.loc[added, "via"])
    kept = after[~added].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        kept, first[first["event_id"].isin(kept["event_id"])].reset_index(drop=True)
    )
