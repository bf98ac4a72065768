"""The benchmark suite's harness, run small (``--quick``): it measures, compares and reports. No time is
asserted: only that every figure is there and positive, and that the alternatives agree with minewatch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ["step", "implementation", "rows", "median s", "rows/s", "peak RSS MB", "x minewatch", "note"]


def _quick(tmp_path: Path, steps: str, *more: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """``bench/run.py --quick --only STEPS`` run as a user runs it: its output and the report it wrote."""
    out = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--only", steps, *more, "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result, json.loads(out.read_text())


def test_the_quick_suite_prints_a_table_of_positive_figures_and_the_targets(tmp_path: Path) -> None:
    result, report = _quick(tmp_path, "match,ingest-acled")
    header = report["table"][0].split()
    assert " ".join(header) == " ".join(COLUMNS)
    assert report["table"][0] in result.stdout  # the table is printed as written
    rows = report["results"]
    assert [r["step"] for r in rows] == ["match"] * 5 + ["ingest-acled"] * 2
    assert len(report["table"]) == 1 + len(rows)
    measured = [r for r in rows if not r["skipped"]]
    for r in measured:
        assert len(r["times"]) == 3 and all(t > 0 for t in r["times"]), r
        assert r["rows"] > 0 and r["rows_per_s"] > 0 and r["peak_rss_mb"] > 0, r
    for r in rows:  # whatever could not run here says why, and nothing failed
        assert not r["skipped"].startswith("FAILED"), r["skipped"]
    ours = {r["step"] for r in measured if r["ours"]}
    assert ours == {"match", "ingest-acled"}
    floor = next(r for r in measured if r["label"] == "floor: numpy band join")
    assert floor["note"].startswith("same pairs")  # checked against minewatch's pairs and distances
    targets = {t["target"]: t for t in report["targets"]}
    assert targets["minewatch <= 2x the floor"]["ratio"] > 0
    assert targets["minewatch <= 3x the raw floor"]["ratio"] > 0
    assert all(t["verdict"] in ("met", "MISSED", "not measured") for t in report["targets"])


def test_the_quick_tick_and_export_steps_run_on_the_store_an_import_left(tmp_path: Path) -> None:
    _, report = _quick(tmp_path, "tick,export-day,export-year", "--runs", "1")
    rows = report["results"]
    assert [r["step"] for r in rows] == ["tick"] * 3 + ["export-day"] * 3 + ["export-year"] * 3
    for r in rows:
        assert not r["skipped"], r["skipped"]
        assert r["rows"] > 0 and r["times"][0] > 0, r
    floors = [r["rows"] for r in rows if r["label"].startswith("floor") and r["step"] == "export-year"]
    assert len(floors) == 2 and floors[0] == floors[1]  # sqlite3 and ADBC read the same rows
    tick = [r["note"] for r in rows if r["step"] == "tick"]
    assert all(" stored, " in note and "alerts" in note for note in tick), tick
    targets = {t["target"]: t for t in report["targets"]}
    assert targets["tick < 1 s with 1M stored"]["ratio"] > 0  # seconds: an absolute bound
    assert targets["minewatch < 2 s"]["ratio"] > 0


def test_the_quick_scaling_steps_fit_an_exponent_per_axis(tmp_path: Path) -> None:
    result, report = _quick(tmp_path, "scaling-ingest,scaling-score,scaling-fuse", "--runs", "1")
    rows = report["results"]
    steps = ("scaling-ingest", "scaling-score", "scaling-fuse")
    assert [r["step"] for r in rows] == [step for step in steps for _ in range(4)]
    for r in rows:
        assert not r["skipped"], r["skipped"]
        assert r["rows"] > 0 and r["times"][0] > 0, r
    ingested = [r["rows"] for r in rows if r["step"] == "scaling-ingest"]
    assert ingested == [2_000, 20_000, 80_000, 20_000]  # each point ingests its own file
    # A first fusion decides every event of the store its ingest left.
    assert [r["rows"] for r in rows if r["step"] == "scaling-fuse"] == ingested
    fitted = {(f["step"], f["exponent"].split(" ~ ")[1]): f["b"] for f in report["exponents"]}
    assert set(fitted) == {(s, a) for s in steps for a in ("events^b (10k sites)", "sites^b (1M events)")}
    # Every point is minewatch's own code, held to the memory bound, not only the one the others compare to.
    for step in steps:
        bounds = [t for t in report["targets"] if t["step"] == step and t["target"].startswith("peak RSS")]
        assert [t["target"].split("(")[1].rstrip(")") for t in bounds] == [
            r["label"] for r in rows if r["step"] == step
        ]
    # Ingesting 40 times the events costs more than twice the time: the fit sees the curve's growth.
    assert fitted[("scaling-ingest", "events^b (10k sites)")] > 0.2
    assert "b = " in result.stdout
