"""The README's tour shows what the demo prints: each line it quotes is a line of `minewatch demo --no-serve`
or of the `minewatch explain` it runs, and the backtest it describes gives the lead and the false alarms it
states.

The demo is a SQLite store of its own whatever the suite's database, so the PostgreSQL pass skips this.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_ENV
from tests.docs.markdown import ROOT, sections

SECTION = "A 5-minute tour with the demo"

pytestmark = pytest.mark.skipif(bool(os.environ.get(PG_ENV)), reason="the demo's store is SQLite only")


def _minewatch(*args: str, cwd: Path, database: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINEWATCH_") and k != "COLUMNS"}
    env.update({"COLUMNS": "200", "PYTHONPATH": str(ROOT)})
    if database is not None:
        env["MINEWATCH_DATABASE_URL"] = f"sqlite:///{database}"
    result = subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _squeezed(line: str) -> str:
    return " ".join(line.split())


def _quoted_output_lines() -> list[str]:
    """The lines of the tour's plain code blocks (printouts), not of its shell commands (```bash blocks)."""
    text = sections((ROOT / "README.md").read_text(encoding="utf-8"), level=2)[SECTION]
    quoted: list[str] = []
    fence: str | None = None  # the open block's language ("" for a plain one), None outside blocks
    for line in text.splitlines():
        if line.startswith("```"):
            fence = line[3:].strip() if fence is None else None
        elif fence == "" and line.strip():
            quoted.append(_squeezed(line))
    return quoted


def test_every_line_the_tour_quotes_is_printed_by_the_demo_and_the_backtest_says_what_it_states(
    tmp_path: Path,
) -> None:
    store = tmp_path / "minewatch-demo.db"
    printed = {
        _squeezed(line)
        for line in _minewatch("demo", "--no-serve", "--db", str(store), cwd=tmp_path).splitlines()
    }
    text = sections((ROOT / "README.md").read_text(encoding="utf-8"), level=2)[SECTION]
    explain = re.search(r"minewatch (explain [^\n]+)", text)
    assert explain, "the tour explains a score"
    printed |= {
        _squeezed(line)
        for line in _minewatch(*explain.group(1).split(), cwd=tmp_path, database=store).splitlines()
    }
    quoted = _quoted_output_lines()
    assert len(quoted) >= 10, "the tour quotes the timeline, the alerts and an explanation"
    assert [line for line in quoted if line not in printed] == []

    command = re.search(r"minewatch (backtest [^\n]+)", text)
    assert command, "the tour runs the backtest"
    summary = _minewatch(*command.group(1).split(), cwd=tmp_path, database=store).splitlines()[-1]
    assert "1 warned at high, median lead 24 days" in summary and "(4 true, 8 false)" in summary, summary
    assert "24 days ahead" in _squeezed(text) and "8 false-alarm days" in _squeezed(text)
