"""Regenerate the reliability tables from runs of the fault suite (tests/faults): per case in
docs/reliability.md, per area in README.md's Reliability section.

    .venv/bin/python scripts/reliability.py                # run the suite on SQLite, rewrite both tables
    .venv/bin/python scripts/reliability.py --pg URL       # ... and on PostgreSQL too (one column each)
    .venv/bin/python scripts/reliability.py --full-size    # ... with the full-size cases (minutes more)
    .venv/bin/python scripts/reliability.py --junit a.xml [--junit b.xml]   # from runs already made
    .venv/bin/python scripts/reliability.py --print        # print the tables, write nothing

Each case of the suite records ``rows_lost`` and ``duplicate_alerts`` (pytest ``record_property``; the
concurrent-readers case its ``reads``, ``p50_ms`` and ``p95_ms`` too). A case is one test; each of its
parameters counts as one try. A case survives when its exact counts held (the test passed).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
README = ROOT / "README.md"
DOC_MARKERS = ("<!-- reliability-table:begin -->", "<!-- reliability-table:end -->")
README_MARKERS = ("<!-- reliability:start -->", "<!-- reliability:end -->")
#: What each module of tests/faults tries, as the README's short table names it.
AREAS = {
    "feeds": "hostile or failing feeds (HTTP faults, bad payloads, redirects, volume)",
    "hostile": "hostile text in e-mail, Slack and the dashboard",
    "processes": "kill -9 of `minewatch run` and of an import",
    "secrets": "every output of a full run searched for each secret",
    "store": "a read-only store, a full disk; readers while the scheduler writes",
}


@dataclass
class Row:
    tried: int = 0
    survived: int = 0
    rows_lost: int = 0
    duplicate_alerts: int = 0
    figures: list[dict[str, str]] = field(default_factory=list)

    def add(self, other: Row) -> None:
        self.tried += other.tried
        self.survived += other.survived
        self.rows_lost += other.rows_lost
        self.duplicate_alerts += other.duplicate_alerts

    def cell(self) -> str:
        return f"{self.tried} / {self.survived} / {self.rows_lost} / {self.duplicate_alerts}"


@dataclass
class Run:
    """One pass of the suite on one database: its cases and how long it took."""

    cases: dict[str, Row]
    seconds: float


def run_suite(junit: Path, database_url: str | None, full_size: bool) -> None:
    env = dict(os.environ)
    env.pop("MINEWATCH_TEST_DATABASE_URL", None)
    if database_url:
        env["MINEWATCH_TEST_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/faults",
               f"--junitxml={junit}", "-o", "junit_family=xunit1"]  # fmt: skip
    if full_size:
        command.append("--full-size")
    subprocess.run(command, cwd=ROOT, env=env, check=False)


def read(junit: Path) -> Run:
    """Per case (module: test name without its parameters): tried, survived and the recorded figures."""
    root = ET.parse(junit).getroot()
    rows: dict[str, Row] = defaultdict(Row)
    for case in root.iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1].removeprefix("test_")
        params = re.search(r"\[(.*)\]$", case.get("name", ""))
        name = re.sub(r"\[.*\]$", "", case.get("name", "")).removeprefix("test_")
        row = rows[f"{module}: {name.replace('_', ' ')}"]
        if case.find("skipped") is not None:
            continue
        row.tried += 1
        failed = case.find("failure") is not None or case.find("error") is not None
        row.survived += 0 if failed else 1
        figures = {str(p.get("name")): str(p.get("value")) for p in case.iter("property")}
        row.rows_lost += int(figures.pop("rows_lost", 0) or 0)
        row.duplicate_alerts += int(figures.pop("duplicate_alerts", 0) or 0)
        if figures:
            row.figures.append({"parameters": params.group(1) if params else "", **figures})
    suites = [root, *root.iter("testsuite")]
    seconds = max(float(s.get("time", 0) or 0) for s in suites)
    return Run({k: v for k, v in sorted(rows.items()) if v.tried}, seconds)


def case_table(runs: dict[str, Run], full_size: bool) -> str:
    """One row per case, a column per database, and the totals."""
    names = list(runs)
    lines = [
        "| case | "
        + " | ".join(f"{n}: tried / survived / rows lost / duplicate alerts" for n in names)
        + " |",
        "|---|" + "---|" * len(names),
    ]
    totals = {n: Row() for n in names}
    for case in sorted({c for run in runs.values() for c in run.cases}):
        cells = []
        for n in names:
            row = runs[n].cases.get(case, Row())
            totals[n].add(row)
            cells.append(row.cell())
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    lines.append("| **all** | " + " | ".join(f"**{t.cell()}**" for t in totals.values()) + " |")
    label = "time of the pass" + (", with the full-size cases" if full_size else "")
    lines.append(f"| {label} | " + " | ".join(f"{runs[n].seconds:.0f} s" for n in names) + " |")
    return "\n".join(lines)


def figures(runs: dict[str, Run]) -> str:
    """The extra figures some cases record (the concurrent readers' latencies), one line each."""
    out = []
    for n, run in runs.items():
        for case, row in run.cases.items():
            for f in row.figures:
                values = ", ".join(f"{k} {v}" for k, v in f.items() if k != "parameters")
                out.append(f"- {n}, {case} [{f['parameters']}]: {values}")
    return "\n".join(out)


def area_table(runs: dict[str, Run]) -> str:
    """The README's short table: one row per module of tests/faults, a column per database."""
    names = list(runs)
    lines = [
        "| what the fault suite tries | " + " | ".join(f"{n}: cases tried / survived / rows lost / "
                                                       "duplicate alerts" for n in names) + " |",
        "|---|" + "---|" * len(names),
    ]  # fmt: skip
    totals = {n: Row() for n in names}
    for module, what in AREAS.items():
        cells = []
        for n in names:
            area = Row()
            for case, row in runs[n].cases.items():
                if case.startswith(f"{module}: "):
                    area.add(row)
            totals[n].add(area)
            cells.append(area.cell())
        lines.append(f"| {what} | " + " | ".join(cells) + " |")
    lines.append("| **all** | " + " | ".join(f"**{t.cell()}**" for t in totals.values()) + " |")
    return "\n".join(lines)


def _between(path: Path, markers: tuple[str, str], text: str) -> None:
    doc = path.read_text(encoding="utf-8")
    start, end = doc.index(markers[0]) + len(markers[0]), doc.index(markers[1])
    path.write_text(doc[:start] + "\n" + text + "\n" + doc[end:], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--junit", action="append", type=Path, default=[], help="junit xml of a suite run")
    parser.add_argument("--pg", help="PostgreSQL URL: also run the suite there")
    parser.add_argument("--full-size", action="store_true", help="run the full-size cases too")
    parser.add_argument("--print", action="store_true", help="print the tables instead of rewriting the docs")
    args = parser.parse_args()
    runs: dict[str, Run] = {}
    if args.junit:
        for path in args.junit:
            runs[path.stem] = read(path)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            for label, url in (("SQLite", None), ("PostgreSQL", args.pg)):
                if label == "PostgreSQL" and not url:
                    continue
                junit = Path(tmp) / f"{label}.xml"
                run_suite(junit, url, args.full_size)
                runs[label] = read(junit)
    sized = "with" if args.full_size else "without"
    detail = (
        f"{case_table(runs, args.full_size)}\n\nFigures recorded by the cases (latencies in ms; run {sized} "
        f"the full-size cases):\n\n{figures(runs)}"
    )
    counted = (
        "Counted with the full-size cases (a 1M-row import killed with `kill -9`, 50 readers for 30 s), run "
        "by `scripts/reliability.py --full-size`; CI runs every other case on both databases."
        if args.full_size
        else "CI runs these cases on both databases."
    )
    short = f"{area_table(runs)}\n\n{counted}"
    if args.print:
        print(detail + "\n\n" + short)
        return
    _between(DOC, DOC_MARKERS, detail)
    _between(README, README_MARKERS, short)
    cases = sum(len(r.cases) for r in runs.values())
    print(f"wrote the tables of {cases} cases to {DOC.relative_to(ROOT)} and {README.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
