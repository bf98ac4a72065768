"""The benchmark suite: ``python bench/run.py [--quick] [--only STEP,...] [--runs N]``.

Generates seeded data once (``bench/out/data/``, see ``bench/data.py``), then measures each step's
implementations, each in a fresh child process: median seconds over ``--runs`` runs, rows/s, peak RSS, and
the ratio of every implementation's median to minewatch's, all in the same run (the machine's speed varies
by a third from day to day: only ratios measured together compare). Prints a table and the targets, and
writes both to ``bench/out/results-<scale>.json``. ``--quick`` runs the same steps on small data in
seconds (a test runs it to prove the harness). docs/benchmarks.md explains the steps and records figures.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import data, scaling
from bench.harness import Impl, Result, measure, ratio

PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
RSS_LIMIT_MB = 2048.0


@dataclass(frozen=True)
class Target:
    """A ratio the step must meet: ``label`` median / ``over`` median compared with ``bound``; with
    ``over`` empty, ``label``'s median in seconds (the issue's absolute bounds: an export under 2 s)."""

    text: str
    label: str
    over: str
    at_most: float | None = None
    at_least: float | None = None

    def verdict(self, results: Sequence[Result]) -> tuple[float, str]:
        value = ratio(results, self.label, self.over) if self.over else _seconds(results, self.label)
        if math.isnan(value):
            return value, "not measured"
        ok = (self.at_most is None or value <= self.at_most) and (
            self.at_least is None or value >= self.at_least
        )
        return value, "met" if ok else "MISSED"


@dataclass(frozen=True)
class Exponent:
    """How a step's time grows along one axis of ``bench.scaling``'s curve: *b* in time ~ n^b, fitted by
    least squares on logarithms over the points (the implementation measured at each of ``keys``)."""

    text: str
    step: str  # "ingest" or "score": the labels ``scaling.label`` gives
    axis: str  # "events" or "sites"
    keys: tuple[str, ...]

    def value(self, results: Sequence[Result], quick: bool) -> float:
        sizes = scaling.sizes(quick)
        medians = {r.label: r.median for r in results if r.times}
        points = [
            (
                math.log(sizes[k].scale.acled_events if self.axis == "events" else sizes[k].scale.sites),
                math.log(medians[scaling.label(self.step, k)]),
            )
            for k in self.keys
            if scaling.label(self.step, k) in medians
        ]
        if len(points) < 2:
            return float("nan")
        mx = sum(x for x, _ in points) / len(points)
        my = sum(y for _, y in points) / len(points)
        spread = sum((x - mx) ** 2 for x, _ in points)
        return sum((x - mx) * (y - my) for x, y in points) / spread


def _seconds(results: Sequence[Result], label: str) -> float:
    """``label``'s median seconds (NaN when it did not run)."""
    found = [r for r in results if r.label == label and r.times]
    return found[0].median if found else float("nan")


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    impls: tuple[Impl, ...]
    targets: tuple[Target, ...] = ()
    scale: Callable[[bool], data.Scale] = field(default=lambda quick: data.QUICK if quick else data.FULL)
    runs: int | None = None  # overrides --runs (a step too long to repeat)
    note: str = ""
    exponents: tuple[Exponent, ...] = ()


OURS = "minewatch"
FLOOR = "floor: pyarrow + sqlite3 executemany"
STEPS: tuple[Step, ...] = (
    Step(
        "match",
        "match events x sites within 100 km",
        (
            Impl(OURS + " geo.pairs_within", "bench.matching:ours_case", ours=True),
            Impl("floor: numpy band join", "bench.matching:floor_case"),
            Impl("scikit-learn BallTree", "bench.matching:balltree_case"),
            Impl("DuckDB spatial", "bench.matching:duckdb_case"),
            Impl("PostGIS ST_DWithin", "bench.matching:postgis_case"),
        ),
        (
            Target(
                "minewatch <= 2x the floor", OURS + " geo.pairs_within", "floor: numpy band join", at_most=2.0
            ),
            Target(
                "BallTree >= 4x minewatch", "scikit-learn BallTree", OURS + " geo.pairs_within", at_least=4.0
            ),
            Target("DuckDB >= 5x minewatch", "DuckDB spatial", OURS + " geo.pairs_within", at_least=5.0),
        ),
        note="rows = pairs",
    ),
    Step(
        "filter",
        "GDELT filter: 1M points x sites within 100 km",
        (Impl(OURS + " geo.within_any", "bench.matching:within_any_case", ours=True),),
        note="rows = points",
    ),
    Step(
        "ingest-acled",
        "ACLED CSV -> parse, store, match (no scoring)",
        (Impl(OURS, "bench.ingest:acled_case", ours=True), Impl(FLOOR, "bench.ingest:acled_floor_case")),
        (Target("minewatch <= 3x the raw floor", OURS, FLOOR, at_most=3.0),),
    ),
    Step(
        "ingest-gdelt",
        "GDELT export -> parse, filter, store, match (no scoring)",
        (Impl(OURS, "bench.ingest:gdelt_case", ours=True), Impl(FLOOR, "bench.ingest:gdelt_floor_case")),
        (Target("minewatch <= 3x the raw floor", OURS, FLOOR, at_most=3.0),),
    ),
    Step(
        "import",
        "minewatch import acled, end to end with scoring (phase B's target)",
        (
            Impl(OURS + " import", "bench.ingest:import_cli_case", ours=True),
            Impl(OURS + " import + score --history", "bench.ingest:import_history_case"),
            Impl(FLOOR, "bench.ingest:acled_floor_case"),
        ),
        (Target("minewatch <= 3x the raw floor", OURS + " import", FLOOR, at_most=3.0),),
        scale=lambda quick: data.QUICK if quick else data.IMPORT,
        note="the import scores its newest 15 days of 10k sites and owes the rest of the 400 days, which"
        " + score --history stores",
    ),
    Step(
        "refresh",
        "full refresh: minewatch import acled of the 1M events, end to end, against the floor",
        (
            Impl(OURS + " import", "bench.ingest:import_cli_case", ours=True),
            Impl(OURS + " import + score --history", "bench.ingest:import_history_case"),
            Impl(FLOOR, "bench.ingest:acled_floor_case"),
        ),
        (Target("minewatch <= 3x the raw floor", OURS + " import", FLOOR, at_most=3.0),),
        runs=1,
        note="one run; the store sizes are in the notes (target: minewatch's < 2x the floor's)",
    ),
    *(
        Step(
            f"scaling-{name}",
            title,
            tuple(
                Impl(
                    scaling.label(name, k),
                    f"bench.scaling:{name}_case",
                    ours=k == "1m",
                    args=(("key", k),),
                    mine=True,
                )
                for k in scaling.sizes(quick=False)
            ),
            scale=lambda quick: data.QUICK if quick else data.IMPORT,
            runs=1,
            note="x minewatch: time over the 1M-event, 10k-site point's; --quick: a fiftieth of the events",
            exponents=(
                Exponent(f"{name} time ~ events^b (10k sites)", name, "events", ("100k", "1m", "4m")),
                Exponent(f"{name} time ~ sites^b (1M events)", name, "sites", ("1m-1k-sites", "1m")),
            ),
        )
        for name, title in (
            ("ingest", "parse, store, match 100k / 1M / 4M events over 10k sites, 1M over 1k (no scoring)"),
            ("score", f"score {scaling.SCORED_DAYS} days of every site on each store the ingest left"),
            ("fuse", "fuse every event of each store the ingest left (an import's first fusion)"),
        )
    ),
    Step(
        "tick",
        "a 15-minute GDELT export (1,500 violent rows, loopback): collect, store, match, score, alert",
        (
            Impl(OURS + " tick, recent events only", "bench.tick:tick_100k_case", ours=True),
            Impl(OURS + " tick, 1M events stored", "bench.tick:tick_1m_case"),
            Impl(OURS + " tick, 4M events stored", "bench.tick:tick_4m_case"),
        ),
        (
            Target("tick < 1 s with 1M stored", OURS + " tick, 1M events stored", "", at_most=1.0),
            Target(
                "4M stored <= 1.5x recent only",
                OURS + " tick, 4M events stored",
                OURS + " tick, recent events only",
                at_most=1.5,
            ),
        ),
        scale=lambda quick: data.QUICK if quick else data.IMPORT,
        note="the same recent events and scores; only the history before them differs",
    ),
    Step(
        "export-day",
        "one day of every site's risk as CSV, from the store the import left",
        (
            Impl(OURS + " export risk (CSV)", "bench.exports:day_case", ours=True),
            Impl("floor: sqlite3 SELECT + pyarrow CSV", "bench.exports:day_floor_case"),
            Impl("floor with ADBC: the same SELECT + pyarrow CSV", "bench.exports:day_floor_adbc_case"),
        ),
        (Target("minewatch < 2 s", OURS + " export risk (CSV)", "", at_most=2.0),),
        scale=lambda quick: data.QUICK if quick else data.IMPORT,
    ),
    Step(
        "export-year",
        "one year of every site's risk as Parquet, from the store the import left",
        (
            Impl(OURS + " export risk (Parquet)", "bench.exports:year_case", ours=True),
            Impl("floor: sqlite3 SELECT + pyarrow Parquet", "bench.exports:year_floor_case"),
            Impl("floor with ADBC: the same SELECT + pyarrow Parquet", "bench.exports:year_floor_adbc_case"),
        ),
        (Target("minewatch < 10 s", OURS + " export risk (Parquet)", "", at_most=10.0),),
        scale=lambda quick: data.QUICK if quick else data.IMPORT,
    ),
)


def _params(impl: Impl, scale: data.Scale, pg_url: str) -> dict[str, Any]:
    step = {"scale": scale, "pg_url": pg_url} if "postgis" in impl.ref else {"scale": scale}
    return step | dict(impl.args)


def run_step(step: Step, quick: bool, runs: int, pg_url: str) -> list[Result]:
    scale = step.scale(quick)
    for make in (data.sites_csv, data.acled_csv, data.gdelt_export):
        make(scale)  # generated (once) before anything is timed
    n = runs if step.runs is None or quick else step.runs
    results = measure(step.name, step.impls, lambda impl: _params(impl, scale, pg_url), n)
    for result in results:
        print(f"  {step.name}: {result.label}: {_brief(result)}", file=sys.stderr, flush=True)
    return results


def _brief(r: Result) -> str:
    return r.skipped or f"median {r.median:.3f} s over {len(r.times)}, peak {r.peak_rss_mb:,.0f} MB"


def table(steps: Sequence[Step], results: dict[str, list[Result]]) -> list[str]:
    """The results as aligned text lines: one header, one line per implementation."""
    head = ("step", "implementation", "rows", "median s", "rows/s", "peak RSS MB", "x minewatch", "note")
    lines = [head]
    for step in steps:
        rs = results.get(step.name, [])
        ours = next((r for r in rs if r.ours), None)
        for r in rs:
            if r.skipped:
                lines.append((step.name, r.label, "-", "-", "-", "-", "-", r.skipped))
                continue
            x = r.median / ours.median if ours and ours.times else float("nan")
            lines.append((
                step.name, r.label, f"{r.rows:,}", f"{r.median:.3f}", f"{r.rows_per_s:,.0f}",
                f"{r.peak_rss_mb:,.0f}", f"{x:.2f}", r.note,
            ))  # fmt: skip
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head) - 1)]
    return [
        "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=False)) + "  " + line[-1]
        for line in lines
    ]


def verdicts(steps: Sequence[Step], results: dict[str, list[Result]]) -> list[dict[str, Any]]:
    out = []
    for step in steps:
        rs = results.get(step.name, [])
        for target in step.targets:
            value, verdict = target.verdict(rs)
            out.append({"step": step.name, "target": target.text, "ratio": value, "verdict": verdict})
        for r in rs:
            if r.mine and r.times:
                ok = r.peak_rss_mb < RSS_LIMIT_MB
                out.append({
                    "step": step.name, "target": f"peak RSS < {RSS_LIMIT_MB:,.0f} MB ({r.label})",
                    "ratio": r.peak_rss_mb / RSS_LIMIT_MB, "verdict": "met" if ok else "MISSED",
                })  # fmt: skip
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small data: the whole suite in seconds")
    parser.add_argument("--only", help="comma-separated steps: " + ",".join(s.name for s in STEPS))
    parser.add_argument("--runs", type=int, default=3, help="timed runs per implementation (median; >= 3)")
    parser.add_argument("--pg-url", default=PG_URL, help="PostgreSQL server for the PostGIS comparison")
    parser.add_argument(
        "--json", type=Path, help="where to write the results (default bench/out/results-*.json)"
    )
    args = parser.parse_args(argv)
    wanted = set(args.only.split(",")) if args.only else {s.name for s in STEPS}
    unknown = wanted - {s.name for s in STEPS}
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}")
    steps = [s for s in STEPS if s.name in wanted]
    started = time.perf_counter()
    results = {s.name: run_step(s, args.quick, args.runs, args.pg_url) for s in steps}
    lines = table(steps, results)
    checks = verdicts(steps, results)
    print("\n".join(lines))
    print()
    for c in checks:
        print(f"{c['step']}: {c['target']}: {c['ratio']:.2f} -> {c['verdict']}")  # seconds when absolute
    fitted = [
        {"step": s.name, "exponent": e.text, "b": e.value(results[s.name], args.quick)}
        for s in steps
        for e in s.exponents
    ]
    for f in fitted:
        print(f"{f['step']}: {f['exponent']}: b = {f['b']:.2f}")
    scale = "quick" if args.quick else "full"
    path = args.json or data.OUT / f"results-{scale}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "scale": scale,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()} {platform.processor() or ''}".strip(),
        "python": platform.python_version(),
        "seconds": round(time.perf_counter() - started, 1),
        "results": [
            asdict(r) | {"median": r.median, "rows_per_s": r.rows_per_s}
            for rs in results.values()
            for r in rs
        ],
        "targets": checks,
        "exponents": fitted,
        "table": lines,
    }
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nwritten to {path} ({report['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
