"""Benchmark: a registry change on the store ``minewatch import acled`` leaves of the issue's import data
(10,000 sites, 300,000 events, 400 days of scores); print the times.

Three registry loads, each on a fresh copy of that store (``bench.exports.store_path``):

- ``same``: the registry loaded again as it stands (``minewatch init`` re-run);
- ``one``: one site moved 20 km (a coordinate fixed), as ``minewatch import sites`` loads it;
- ``before``: what every load did before (the ``same`` load included): forget every nearest site and notice
  link and make every stored day stale (``Store.clear_matches`` and a new scores epoch).

For each: the load, then the catch-up the next tick makes (match what is unmatched, rescore today), how
many of the 400 stored days are stale after it, and a one-day risk export of a day 30 days back (read from
the store when current, computed in memory when stale). ``before``/``one`` is the ratio that counts: the
machine's speed varies from day to day, and both are measured in the same run.

``python bench/bench_registry.py [--runs N]`` (the ``before`` case runs once: it matches every event again).
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import data, exports, ingest, tick

if TYPE_CHECKING:
    from monitor.pipeline import Pipeline
    from monitor.sites import SitesParse

#: The site moved in ``one``, and how far north (degrees: about 20 km).
MOVED, NORTH = 42, 0.18


def _registry(moved: bool) -> SitesParse:
    from monitor import sites

    frame = pd.read_csv(data.sites_csv(data.IMPORT), dtype=str, keep_default_na=False)
    if moved:
        frame.loc[MOVED, "lat"] = f"{float(frame.loc[MOVED, 'lat']) + NORTH:.4f}"
    return sites.parse_sites_csv(frame.to_csv(index=False), origin="user", now=data.NOW)


def _fresh_copy() -> Path:
    path = ingest.TMP / "registry.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(exports.store_path(data.IMPORT), path)
    return path


def _old_load(pipeline: Pipeline, parsed: SitesParse) -> None:
    """What ``Pipeline.load_sites`` did before: write every row, then start matching and scoring over."""
    from monitor import sites
    from monitor.pipeline import EVENTS_MATCHED, NOTICES_MATCHED

    sites.sync_sites(pipeline.store, parsed, pipeline.now())
    pipeline.store.clear_matches([EVENTS_MATCHED, NOTICES_MATCHED])
    pipeline._renew_scores_epoch()


def run_case(name: str) -> dict[str, float]:
    """One load of ``name`` on a fresh copy; its timings in seconds and the stale days after it."""
    from monitor.config import Settings
    from monitor.exports.files import write_file
    from monitor.exports.query import parse_query
    from monitor.pipeline import Pipeline
    from monitor.store import Store

    store = Store.from_url(f"sqlite:///{_fresh_copy()}")
    tick.settle(store)  # the watermarks as the first tick after the import leaves them
    clock = {"now": data.NOW + timedelta(hours=1)}
    pipeline = Pipeline(store, Settings(), lambda: clock["now"])
    parsed = _registry(moved=name != "same")
    figures: dict[str, float] = {}
    started = time.perf_counter()
    if name == "before":
        _old_load(pipeline, parsed)
    else:
        pipeline.load_sites(parsed)
    figures["load"] = time.perf_counter() - started
    clock["now"] += timedelta(minutes=15)
    started = time.perf_counter()
    pipeline.match()
    pipeline.rescore_since(None)
    figures["catch_up"] = time.perf_counter() - started
    first, last = data.NOW.date() - timedelta(days=399), data.NOW.date()
    figures["stale_days"] = float(len(pipeline.stale_days([first + timedelta(days=i) for i in range(400)])))
    day = (last - timedelta(days=30)).isoformat()
    query = parse_query("risk", store, clock["now"], start=day, end=day)
    started = time.perf_counter()
    write_file(pipeline, query, ingest.TMP / "registry-day.csv", "csv")
    figures["export_day"] = time.perf_counter() - started
    store.engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of the same and one cases (default 3)")
    args = parser.parse_args(argv)
    from rich.console import Console

    from monitor import cli

    cli.out = cli.err = Console(file=io.StringIO())
    results: dict[str, list[dict[str, float]]] = {}
    for name, runs in (("same", args.runs), ("one", args.runs), ("before", 1)):
        for _ in range(runs):
            results.setdefault(name, []).append(run_case(name))
            print(name, {k: round(v, 3) for k, v in results[name][-1].items()}, flush=True)
    print(f"\n{'case':8} {'load s':>9} {'catch-up s':>11} {'stale days':>11} {'1-day export s':>15}")
    medians = {}
    for name, rows in results.items():
        medians[name] = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        m = medians[name]
        print(
            f"{name:8} {m['load']:9.2f} {m['catch_up']:11.2f} {m['stale_days']:11.0f} {m['export_day']:15.2f}"
        )
    for name in ("same", "one"):
        ours = medians[name]["load"] + medians[name]["catch_up"]
        old = medians["before"]["load"] + medians["before"]["catch_up"]
        print(f"before / {name}, load and catch-up: {old / ours:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
