"""Feed-run, alert, registry and data-version reads, alike on both databases."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from monitor import models, reads
from monitor.store import Store
from tests.monitor.reads.conftest import STORED, Seeded

T0 = datetime(2025, 3, 20, 6, 0)


def test_one_summary_row_per_feed_with_its_newest_run_and_last_success(fresh_store: Store) -> None:
    store = fresh_store
    first = store.start_run("gdelt", T0)
    store.finish_run(first, T0 + timedelta(minutes=1), status="ok", fetched=10, stored=9, duplicates=1)
    failed = store.start_run("gdelt", T0 + timedelta(hours=1))
    store.finish_run(failed, T0 + timedelta(hours=1, minutes=1), status="failed", error="HTTP 503")
    store.start_run("acled", T0 + timedelta(hours=2))  # still running, never ok
    runs = reads.feedruns.summary(store).set_index("feed")
    assert list(runs.index) == ["acled", "gdelt"]
    gdelt = runs.loc["gdelt"]
    assert (gdelt["last_status"], gdelt["last_error"], gdelt["runs"]) == ("failed", "HTTP 503", 2)
    assert pd.Timestamp(gdelt["first_run"]) == pd.Timestamp(T0)
    assert pd.Timestamp(gdelt["last_run"]) == pd.Timestamp(T0 + timedelta(hours=1))
    assert pd.Timestamp(gdelt["last_ok"]) == pd.Timestamp(T0 + timedelta(minutes=1))
    assert runs.loc["acled", "last_status"] == "running" and pd.isna(runs.loc["acled", "last_ok"])
    assert sorted(reads.feedruns.feed_names(store)) == ["acled", "gdelt"]


def test_rejected_rows_newest_first_with_the_raw_text_cut(fresh_store: Store) -> None:
    from feeds.rows import RejectedRow

    fresh_store.insert_rejected("acled", [RejectedRow("line 3", "bad date", "x" * 400)], None, T0)
    later = T0 + timedelta(hours=1)
    fresh_store.insert_rejected("acled", [RejectedRow("line 9", "bad lat", "y")], None, later)
    rows = reads.feedruns.rejected(fresh_store, limit=10)
    assert rows["ref"].tolist() == ["line 9", "line 3"]
    assert len(rows["raw"].iloc[1]) == 300


def _alert(n: int, created: datetime, kind: str = "halt") -> dict[str, object]:
    return {
        "id": n, "fingerprint": f"fp{n}", "kind": kind, "site_id": "alpha", "episode": "2025-03-13",
        "title": f"alert {n}", "status": "notified", "reason": "", "created_at": created,
        "updated_at": created, "payload": {"subject": "alpha", "summary": f"summary {n}"},
    }  # fmt: skip


def test_alert_reads_decode_payloads_and_find_what_is_due(fresh_store: Store) -> None:
    store = fresh_store
    store.upsert(models.Alert, [_alert(1, T0), _alert(2, T0 + timedelta(hours=1), "level")], key=("id",))
    store.upsert(
        models.Delivery,
        [
            {"id": 1, "alert_id": 1, "channel": "email", "group_key": "g1", "attempts": 0, "last_error": "",
             "next_attempt_at": T0, "delivered_at": None, "created_at": T0},
            {"id": 2, "alert_id": 2, "channel": "email", "group_key": "g2", "attempts": 0, "last_error": "",
             "next_attempt_at": T0 + timedelta(hours=5), "delivered_at": None, "created_at": T0},
            {"id": 3, "alert_id": 1, "channel": "slack", "group_key": "g1", "attempts": 1, "last_error": "",
             "next_attempt_at": T0, "delivered_at": T0, "created_at": T0},
        ],
        key=("id",),
    )  # fmt: skip
    log = reads.alerts.log(store, limit=10)
    assert log["id"].tolist() == [2, 1]
    assert log["payload"].iloc[0] == {"subject": "alpha", "summary": "summary 2"}
    due = reads.alerts.due(store, ["email", "slack"], T0 + timedelta(hours=1))
    assert [(r.id, r.channel, r.payload["summary"]) for r in due] == [(1, "email", "summary 1")]
    assert reads.alerts.pending(store, ["email", "slack"]) == {"email": (2, T0)}
    assert reads.alerts.open_groups(store, T0 + timedelta(hours=1)) == [("g2", T0 + timedelta(hours=5), 1)]
    stored = reads.alerts.stored(store, ["fp1"], T0 + timedelta(minutes=30))
    assert sorted(r["fingerprint"] for r in stored) == ["fp1", "fp2"]  # by fingerprint, and created since
    between = reads.alerts.created_between(store, date(2025, 3, 20), date(2025, 3, 21), T0)
    assert between["fingerprint"].tolist() == ["fp1"] and between["payload"].iloc[0]["summary"] == "summary 1"
    deliveries = reads.alerts.deliveries(store, [1])
    assert sorted(deliveries["channel"]) == ["email", "slack"]
    assert reads.alerts.deliveries(store, []).empty


def test_registry_facts_routes_and_stops(seeded: Seeded) -> None:
    facts = reads.sites.facts(seeded.store, "alpha")
    assert facts is not None and facts["route"] == [[-1.0, 27.7], [-1.5, 29.2]]
    assert facts["aliases"] == [] and reads.sites.facts(seeded.store, "nowhere") is None
    routes = reads.sites.routes(seeded.store)
    assert routes["site_id"].tolist() == ["alpha"] and routes["route"].iloc[0] == facts["route"]
    assert reads.sites.routes(seeded.store, ["beta"]).empty
    assert reads.sites.stopped_since(seeded.store, ["alpha", "beta"]) == {"beta": date(2025, 1, 10)}
    assert reads.sites.count(seeded.store) == 3
    assert sorted(reads.sites.countries(seeded.store)) == ["CD", "ZM"]


def test_the_data_version_moves_with_writes_and_the_high_water_mark_is_the_newest_row(seeded: Seeded) -> None:
    store = seeded.store
    before = reads.version.data_version(store)
    assert reads.version.data_version(store) == before
    store.finish_run(store.start_run("gdelt", T0), T0, status="ok")
    assert reads.version.data_version(store) != before
    assert reads.version.high_water_mark(store) == STORED
    store.upsert(models.Alert, [_alert(1, STORED + timedelta(days=1))], key=("id",))
    assert reads.version.high_water_mark(store) == STORED
    assert reads.version.high_water_mark(store, alerts=True) == STORED + timedelta(days=1)
