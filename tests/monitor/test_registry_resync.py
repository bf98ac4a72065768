"""A registry change matches and scores again only what the changed sites touch (``Pipeline.load_sites``),
and leaves the store as matching and scoring everything over would: the same nearest sites, notice links and
scores. A registry loaded again as it stands changes nothing at all."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from bench import data
from feeds import acled, notices
from monitor import pipeline as pipeline_module
from monitor import reads, sites
from monitor.config import Settings
from monitor.pipeline import Pipeline
from monitor.reads import sql
from monitor.store import Store
from tests.monitor.generated import Clock, assert_stored_equal_dense, stored_nearest

OPERATOR = "Zentara Minerals"
#: A name no site has until the registry change gives it to one as an alias.
ALIAS = "Kalinda Hill"
#: A notice naming only an operator (it links to the operator's site while the operator has one), and one
#: naming a mine by a name the registry learns later.
NOTICE = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<description>Mining wire</description><language>en</language>
<item><title>{OPERATOR} suspends all mining after an armed attack</title>
<link>https://wire.example/halt</link><guid>https://wire.example/halt</guid>
<pubDate>Mon, 29 Dec 2025 09:00:00 GMT</pubDate>
<description>{OPERATOR} said it had suspended mining and evacuated staff.</description></item>
<item><title>Mining halted at the {ALIAS} mine after a pit wall collapse</title>
<link>https://wire.example/wall</link><guid>https://wire.example/wall</guid>
<pubDate>Tue, 30 Dec 2025 09:00:00 GMT</pubDate>
<description>All work at the {ALIAS} mine has stopped while the wall is made safe.</description></item>
</channel></rss>"""


def _parse(frame: pd.DataFrame, now: datetime) -> sites.SitesParse:
    return sites.parse_sites_csv(frame.to_csv(index=False), origin="user", now=now)


def _links(store: Store) -> list[tuple[int, str, str]]:
    rows = sql.frame(store, "SELECT notice_id, site_id, matched_on FROM noticesite")
    return sorted((int(n), str(s), str(m)) for n, s, m in rows.itertuples(index=False))


def _scored(generated: tuple[Path, Path], store: Store) -> tuple[Pipeline, Clock, pd.DataFrame]:
    """A pipeline on ``store`` with the generated registry (one site run by ``OPERATOR``), its events and
    the operator's notice stored, matched and scored; and that registry as a frame."""
    sites_path, events_path = generated
    clock = Clock(data.NOW)
    pipeline = Pipeline(store, Settings(), clock)
    frame = pd.read_csv(sites_path, dtype=str, keep_default_na=False)
    frame.loc[3, "operator"] = OPERATOR
    pipeline.load_sites(_parse(frame, clock.now))
    report = pipeline.ingest("import:acled", "events", [acled.parse_file(events_path)], use_watermark=False)
    pipeline.ingest("import:notices", "notices", [notices.parse_feed(NOTICE.encode(), "wire", "en")])
    pipeline.match()
    pipeline.rescore_since(report.earliest_known)
    clock.now += timedelta(hours=1)
    return pipeline, clock, frame


def _stored_days(store: Store) -> list[date]:
    first, last = reads.scores.day_span(store)
    assert first is not None and last is not None
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_loading_the_registry_again_as_it_stands_rematches_and_rescores_nothing(
    fresh_store: Store, generated: tuple[Path, Path]
) -> None:
    pipeline, clock, frame = _scored(generated, fresh_store)
    version = fresh_store.registry_version()
    exposures = stored_nearest(fresh_store)
    scores = sql.frame(fresh_store, "SELECT date, site_id, computed_at FROM score ORDER BY date, site_id")
    assert pipeline.load_sites(_parse(frame, clock.now)) == 0
    assert fresh_store.registry_version() == version
    pd.testing.assert_frame_equal(stored_nearest(fresh_store), exposures)
    pd.testing.assert_frame_equal(
        sql.frame(fresh_store, "SELECT date, site_id, computed_at FROM score ORDER BY date, site_id"), scores
    )
    assert pipeline.stale_days(_stored_days(fresh_store)) == []


def test_a_few_changed_sites_are_matched_and_scored_again_as_a_full_rematch_would(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline, clock, frame = _scored(generated, fresh_store)
    days = _stored_days(fresh_store)
    monkeypatch.setattr(pipeline_module, "SCORE_ROWS_PER_BLOCK", 2 * len(days))  # two sites at a time
    assert _links(fresh_store) and {s for _, s, _ in _links(fresh_store)} == {frame.loc[3, "id"]}
    changed = frame.copy()
    # Moved onto another site's events, stopped by the registry, its output revised, named by a notice, and
    # a second site of the notice's operator added: its notice can no longer tell which site it means.
    changed.loc[0, ["lat", "lon"]] = [frame.loc[10, "lat"], frame.loc[10, "lon"]]
    changed["status"] = "operating"
    changed.loc[1, "status"] = "halted"
    changed.loc[2, "annual_output_t"] = "987654"
    changed["aliases"] = ""
    changed.loc[4, "aliases"] = ALIAS
    added = {**frame.loc[20].to_dict(), "id": "added-site", "name": "Added site", "operator": OPERATOR}
    added.update(status="operating", lat=str(float(frame.loc[20, "lat"]) + 0.05))
    changed = pd.concat([changed, pd.DataFrame([added])], ignore_index=True)
    resynced_at = clock.now
    assert pipeline.load_sites(_parse(changed, clock.now)) == 5

    # Nothing is left for the next rescore: every day stored before is current, the added site counted.
    assert pipeline.stale_days(days) == []
    resynced = stored_nearest(fresh_store)
    links = _links(fresh_store)
    # The operator now has two sites: its notice is an operator mention only. The other names a mine now.
    assert [s for _, s, _ in links] == [frame.loc[4, "id"]]
    assert_stored_equal_dense(pipeline, days)
    rewritten = set(
        sql.frame(
            fresh_store, "SELECT DISTINCT site_id FROM score WHERE computed_at >= :t", {"t": resynced_at}
        )["site_id"]
    )
    assert rewritten and rewritten <= {*changed.loc[[0, 1, 2, 3, 4], "id"], "added-site"}

    # The added site handed to another operator: the notice is the first site's again, though that site
    # did not change.
    clock.now += timedelta(hours=1)
    changed.loc[changed["id"] == "added-site", "operator"] = "Okapi Metals"
    assert pipeline.load_sites(_parse(changed, clock.now)) == 1
    assert sorted(s for _, s, _ in _links(fresh_store)) == sorted(frame.loc[[3, 4], "id"])
    assert_stored_equal_dense(pipeline, days)
    resynced, links = stored_nearest(fresh_store), _links(fresh_store)

    # Matching everything over gives the same nearest sites and links.
    fresh_store.clear_matches([pipeline_module.EVENTS_MATCHED, pipeline_module.NOTICES_MATCHED])
    clock.now += timedelta(hours=1)
    pipeline.match()
    pd.testing.assert_frame_equal(stored_nearest(fresh_store), resynced)
    assert _links(fresh_store) == links
    assert set(resynced["site_id"]) >= {"added-site", frame.loc[0, "id"]}


def test_a_registry_mostly_changed_is_matched_and_scored_over_from_the_next_rescore(
    fresh_store: Store, generated: tuple[Path, Path]
) -> None:
    pipeline, clock, frame = _scored(generated, fresh_store)
    days = _stored_days(fresh_store)
    changed = frame.assign(annual_output_t="1234")
    assert pipeline.load_sites(_parse(changed, clock.now)) == len(frame)
    assert int(sql.scalar(fresh_store, "SELECT COUNT(*) FROM nearest_site")) == 0
    assert pipeline.stale_days(days) == days
    pipeline.match()
    pipeline.rescore_since(days[0])
    assert_stored_equal_dense(pipeline, [d for d in days if d >= clock.now.date() - timedelta(days=400)])
