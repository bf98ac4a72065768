"""Regenerate the Reliability table of docs/reliability.md from a run of the fault suite (tests/faults).

    .venv/bin/python scripts/reliability.py            # run the suite on SQLite, rewrite the table
    .venv/bin/python scripts/reliability.py --pg URL   # ... and on PostgreSQL too (one column pair each)
    .venv/bin/python scripts/reliability.py --junit a.xml [--junit b.xml]   # from runs already made

Each case of the suite records ``rows_lost`` and ``duplicate_alerts`` (pytest ``record_property``); the
table has one row per case (a parametrised case counts each of its parameters), and a total.
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- reliability-table:begin -->", "<!-- reliability-table:end -->"


@dataclass
class Row:
    tried: int = 0
    survived: int = 0
    rows_lost: int = 0
    duplicate_alerts: int = 0


def run_suite(junit: Path, database_url: str | None) -> None:
    env = dict(os.environ)
    env.pop("MINEWATCH_TEST_DATABASE_URL", None)
    if database_url:
        env["MINEWATCH_TEST_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/faults",
               f"--junitxml={junit}", "-o", "junit_family=xunit1"]  # fmt: skip
    subprocess.run(command, cwd=ROOT, env=env, check=False)


def read(junit: Path) -> dict[str, Row]:
    """Per case (module: test name without its parameters): tried, survived and the recorded figures."""
    rows: dict[str, Row] = defaultdict(Row)
    for case in ET.parse(junit).getroot().iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1].removeprefix("test_")
        name = re.sub(r"\[.*\]$", "", case.get("name", "")).removeprefix("test_")
        row = rows[f"{module}: {name.replace('_', ' ')}"]
        if case.find("skipped") is not None:
            continue
        row.tried += 1
        failed = case.find("failure") is not None or case.find("error") is not None
        row.survived += 0 if failed else 1
        figures = {p.get("name"): p.get("value") for p in case.iter("property")}
        row.rows_lost += int(figures.get("rows_lost") or 0)
        row.duplicate_alerts += int(figures.get("duplicate_alerts") or 0)
    return dict(sorted(rows.items()))


def table(runs: dict[str, dict[str, Row]]) -> str:
    names = list(runs)
    head = (
        "| case | "
        + " | ".join(f"{n}: tried / survived / rows lost / duplicate alerts" for n in names)
        + " |"
    )
    lines = [head, "|---|" + "---|" * len(names)]
    cases = sorted({case for rows in runs.values() for case in rows})
    totals = {n: Row() for n in names}
    for case in cases:
        cells = []
        for n in names:
            row = runs[n].get(case, Row())
            total = totals[n]
            total.tried += row.tried
            total.survived += row.survived
            total.rows_lost += row.rows_lost
            total.duplicate_alerts += row.duplicate_alerts
            cells.append(f"{row.tried} / {row.survived} / {row.rows_lost} / {row.duplicate_alerts}")
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    lines.append(
        "| **all** | "
        + " | ".join(
            f"**{t.tried} / {t.survived} / {t.rows_lost} / {t.duplicate_alerts}**" for t in totals.values()
        )
        + " |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--junit", action="append", type=Path, default=[], help="junit xml of a suite run")
    parser.add_argument("--pg", help="PostgreSQL URL: also run the suite there")
    parser.add_argument("--print", action="store_true", help="print the table instead of rewriting the doc")
    args = parser.parse_args()
    runs: dict[str, dict[str, Row]] = {}
    if args.junit:
        for path in args.junit:
            runs[path.stem] = read(path)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            for label, url in (("SQLite", None), ("PostgreSQL", args.pg)):
                if label == "PostgreSQL" and not url:
                    continue
                junit = Path(tmp) / f"{label}.xml"
                run_suite(junit, url)
                runs[label] = read(junit)
    text = table(runs)
    if args.print:
        print(text)
        return
    doc = DOC.read_text(encoding="utf-8")
    start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    DOC.write_text(doc[:start] + "\n" + text + "\n" + doc[end:], encoding="utf-8")
    print(f"wrote the table of {sum(len(r) for r in runs.values())} cases to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
