"""Score history left to later: a rescore with more unscored days than ``PROMPT_SITE_DAYS`` allows scores the
newest at once and owes the rest, which reads compute in memory until each tick's rescore (a block at a time)
or ``minewatch score --history`` stores them, ending as the scores computed all at once."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from bench import data
from feeds.base import Batch
from monitor import pipeline as pipeline_module
from monitor import reads, scoring, sites
from monitor.exports.explanations import explained_score
from monitor.exports.files import write_file
from monitor.exports.query import SiteDay, parse_query
from monitor.pipeline import Pipeline
from monitor.store import Store
from tests.conftest import FIXTURES
from tests.monitor.generated import GENERATED, Clock, assert_stored_equal_dense, batches, pipeline_with_sites
from tests.monitor.test_cli import Cli
from tests.monitor.test_doctor import doctor_lines

#: Days a rescore of the generated set scores at once in these tests (its 60 sites x this many site-days).
PROMPT_DAYS = 20


def _imported(
    store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> tuple[Pipeline, Clock, date]:
    """The generated set imported in one batch and rescored, with room for ``PROMPT_DAYS`` days at once;
    returns the pipeline, its clock and the first day the batch touched."""
    monkeypatch.setattr(pipeline_module, "PROMPT_SITE_DAYS", GENERATED.sites * PROMPT_DAYS)
    sites_path, events_path = generated
    pipeline, clock = pipeline_with_sites(store, sites_path)
    (records,) = batches(events_path, [1.0])
    report = pipeline.ingest("import:acled", "events", [Batch(records=records)], use_watermark=False)
    clock.now += timedelta(minutes=30)  # past the overlap matching and rescoring look back over
    pipeline.match()
    assert report.earliest_known is not None
    pipeline.rescore_since(report.earliest_known)
    return pipeline, clock, report.earliest_known


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_a_rescore_scores_its_newest_days_at_once_and_owes_the_older_ones(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pipeline, clock, earliest = _imported(fresh_store, generated, monkeypatch)
    today = clock.now.date()
    floor = today - timedelta(days=pipeline_module.MAX_RESCORE_DAYS)
    stored = reads.scores.coverage(fresh_store, floor, today)
    assert sorted(stored["date"]) == _days(today - timedelta(days=PROMPT_DAYS - 1), today)
    owed = pipeline.owed_days()
    assert owed == _days(max(earliest, floor), today - timedelta(days=PROMPT_DAYS))

    # Meanwhile a read computes the owed days, and gives what it gives once they are stored.
    span = {"start": owed[-30].isoformat(), "end": today.isoformat()}
    query = parse_query("risk", fresh_store, clock.now, **span)  # type: ignore[arg-type]
    out = tmp_path / "risk.csv"
    write_file(pipeline, query, out, "csv")
    computed = out.read_bytes()
    assert pipeline.score_history() == owed
    assert pipeline.owed_days() == []
    write_file(pipeline, query, out, "csv")
    assert out.read_bytes() == computed
    assert_stored_equal_dense(pipeline, _days(owed[0], today))


def test_a_score_explained_on_an_owed_day_is_computed_as_it_is_then_stored(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline, clock, _ = _imported(fresh_store, generated, monkeypatch)
    day = pipeline.owed_days()[-5]
    loud = pipeline.score([day], persist=False)
    loud = loud[~loud[scoring.QUIET].astype(bool)]
    wanted = [SiteDay(site, day) for site in loud["site_id"].head(3)]
    computed = [explained_score(fresh_store, pipeline.settings, w, clock) for w in wanted]
    pipeline.score_history()
    stored = [explained_score(fresh_store, pipeline.settings, w, clock) for w in wanted]
    for before, after in zip(computed, stored, strict=True):
        assert before is not None and after is not None
        assert before["day"] == after["day"] == day.isoformat()
        assert before["score"]["computed_at"] is None and after["score"]["computed_at"] is not None
        assert {**before["score"], "computed_at": None} == {**after["score"], "computed_at": None}
        assert before["explanation"] == after["explanation"] and before["explanation"]["events"]


def test_history_is_scored_a_block_at_a_time_newest_first_between_rescores(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline, clock, _ = _imported(fresh_store, generated, monkeypatch)
    owed = pipeline.owed_days()
    assert len(owed) > 2 * 7
    block = GENERATED.sites * 7  # a week of the 60 sites
    for n in range(1, 3):
        clock.now += timedelta(minutes=15)
        pipeline.rescore_since(None)
        assert pipeline.owed_days() == owed[: len(owed) - 7 * (n - 1)]  # a rescore scores no history
        assert pipeline.score_history(block) == owed[-7 * n :][:7]
        assert pipeline.owed_days() == owed[: -7 * n]
    clock.now += timedelta(minutes=15)
    assert pipeline.score_history() == owed[: -7 * 2]
    assert pipeline.owed_days() == []
    first, last = reads.scores.day_span(fresh_store)
    assert first == owed[0] and last == clock.now.date()
    assert_stored_equal_dense(pipeline, _days(owed[0], clock.now.date()))


def test_a_registry_mostly_changed_rescores_its_newest_stored_days_and_owes_the_others(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline, clock, _ = _imported(fresh_store, generated, monkeypatch)
    pipeline.score_history()
    first, last = reads.scores.day_span(fresh_store)
    assert first is not None and last is not None
    stored = _days(first, last)
    frame = pd.read_csv(generated[0], dtype=str, keep_default_na=False).assign(annual_output_t="1234")
    clock.now += timedelta(hours=1)
    parsed = sites.parse_sites_csv(frame.to_csv(index=False), origin="user", now=clock.now)
    assert pipeline.load_sites(parsed) == len(frame)
    assert pipeline.stale_days(stored) == stored
    pipeline.match()
    assert pipeline.rescore_stale_days() == stored[-PROMPT_DAYS:]
    assert pipeline.owed_days() == stored[:-PROMPT_DAYS]
    assert pipeline.score_history() == stored[:-PROMPT_DAYS]
    assert_stored_equal_dense(pipeline, stored)


def test_the_alerts_lookback_and_the_day_before_it_are_scored_at_once_however_large_the_registry(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline_module, "PROMPT_SITE_DAYS", GENERATED.sites * 2)  # room for two days only
    sites_path, events_path = generated
    pipeline, clock = pipeline_with_sites(fresh_store, sites_path)
    (records,) = batches(events_path, [1.0])
    report = pipeline.ingest("import:acled", "events", [Batch(records=records)], use_watermark=False)
    pipeline.match()
    pipeline.rescore_since(report.earliest_known)
    today = clock.now.date()
    lookback = pipeline.settings.alerts.lookback_days
    stored = reads.scores.coverage(fresh_store, today - timedelta(days=400), today)
    assert sorted(stored["date"]) == _days(today - timedelta(days=lookback), today)
    assert pipeline.owed_days()[-1] == today - timedelta(days=lookback + 1)


def test_a_store_small_enough_is_scored_whole_and_owes_nothing(
    fresh_store: Store, generated: tuple[Path, Path]
) -> None:
    sites_path, events_path = generated
    pipeline, clock = pipeline_with_sites(fresh_store, sites_path)
    (records,) = batches(events_path, [1.0])
    report = pipeline.ingest("import:acled", "events", [Batch(records=records)], use_watermark=False)
    pipeline.match()
    assert report.earliest_known is not None
    scored = pipeline.rescore_since(report.earliest_known)
    today = clock.now.date()
    first = max(report.earliest_known, today - timedelta(days=pipeline_module.MAX_RESCORE_DAYS))
    assert scored == _days(first, today)
    assert pipeline.owed_days() == []
    assert reads.scores.owed_from(fresh_store) is None


def _recent_acled(path: Path, today: date, days: int) -> Path:
    """The ACLED fixture's rows again, one every ``days // 7`` days over the last ``days``: a file whose
    history reaches back further than an import of it scores at once."""
    with (FIXTURES / "acled" / "export_2025-03.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=list(rows[0]))
        out.writeheader()
        for i, row in enumerate(rows):
            day = today - timedelta(days=days - i * (days // len(rows)))
            stamp = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
            out.writerow(
                {**row, "event_date": f"{day:%d %B %Y}", "year": str(day.year),
                 "timestamp": str(int(stamp.timestamp()))}
            )  # fmt: skip
    return path


def test_minewatch_import_says_which_days_it_left_to_score_and_score_history_stores_them(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data, "OUT", tmp_path / "bench")
    cli = Cli(tmp_path, database_url)
    cli("init")
    many = data.Scale("history-test", sites=1_000, acled_events=0, gdelt_rows=0)
    cli("import", "sites", str(data.sites_csv(many)))
    today = datetime.now(UTC).date()
    result = cli("import", "acled", str(_recent_acled(tmp_path / "acled.csv", today, 390)))
    store = Store.from_url(database_url)
    n_sites = reads.sites.count(store)
    store.engine.dispose()
    prompt = pipeline_module.PROMPT_SITE_DAYS // n_sites
    # The oldest row became public the day after it happened: scores change from then on.
    first, last = today - timedelta(days=389), today - timedelta(days=prompt)
    owed = (last - first).days + 1
    assert (
        f"{owed} earlier days ({first} to {last}) are left to score: `minewatch run` scores them a block per "
        "feed run, `minewatch score --history` at once; until then a read computes them"
    ) in " ".join(result.stdout.split())
    doctor = doctor_lines(cli("doctor", ok=False).stdout)["score history"]
    assert doctor == (
        f"warn {owed} days owed ({first} to {last}): `minewatch run` scores them a block per feed run, "
        "`minewatch score --history` at once"
    )
    # `collect` (no feed enabled here) scores a block of it, as a feed run of `minewatch run` does.
    block = pipeline_module.HISTORY_SITE_DAYS_PER_TICK // n_sites
    collected = " ".join(cli("collect").stdout.split())
    newest = last - timedelta(days=block - 1)
    assert f"scored {block} days of history ({newest} to {last})" in collected
    before = newest - timedelta(days=1)
    assert f"{owed - block} earlier days ({first} to {before}) are left to score" in collected
    assert f"scored {owed - block} days of history ({first} to {before})" in cli("score", "--history").stdout
    assert "no history to score" in cli("score", "--history").stdout
    assert doctor_lines(cli("doctor", ok=False).stdout)["score history"].startswith("ok")
