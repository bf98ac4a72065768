"""Progress of long steps: one line per step off a terminal, a bar on one, both with rows/s."""

from __future__ import annotations

import io
import re

from rich.console import Console

from monitor.progress import console_progress, silent


def test_off_a_terminal_each_step_prints_one_line_with_rows_and_rows_per_second() -> None:
    sink = io.StringIO()
    progress = console_progress(Console(file=sink, force_terminal=False, width=200))
    with progress("score 30 days x 41 sites", 1230) as advance:
        advance(1000)
        advance(230)
    with progress("import:acled", None) as advance:
        advance(7)
    lines = sink.getvalue().splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"score 30 days x 41 sites: 1,230 rows in \d+\.\d s \([\d,]+ rows/s\)", lines[0])
    assert lines[1].startswith("import:acled: 7 rows in ")


def test_on_a_terminal_the_bar_shows_rows_per_second_and_a_summary_line_stays() -> None:
    sink = io.StringIO()
    progress = console_progress(Console(file=sink, force_terminal=True, width=200))
    with progress("match events", 10) as advance:
        advance(10)
    text = sink.getvalue()
    assert "rows/s" in text
    assert "match events: 10 rows in " in text


def test_the_silent_default_prints_nothing(capsys) -> None:  # type: ignore[no-untyped-def]
    with silent("anything", 5) as advance:
        advance(5)
    assert capsys.readouterr() == ("", "")
