"""Progress of long steps (import, match, score, a feed's catch-up): a rich bar on a terminal, one line per
step otherwise, both with rows/s.

The pipeline takes a ``ProgressFactory`` (default: silent) and wraps each long step in
``with progress(label, total) as advance:``, calling ``advance(n)`` as rows get done. The command line
passes ``console_progress(console)``; the scheduler and the tests keep the silent default or read lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

__all__ = ["Advance", "ProgressFactory", "console_progress", "silent"]

#: Called with how many more rows a step has done.
Advance = Callable[[int], None]
#: ``factory(label, total)`` -> a context manager giving the step's ``Advance``; total may be unknown (None).
ProgressFactory = Callable[[str, int | None], AbstractContextManager[Advance]]


@contextmanager
def silent(label: str, total: int | None) -> Iterator[Advance]:
    """No output (the default: a library call prints nothing)."""
    yield lambda n: None


def rate_line(label: str, rows: int, seconds: float) -> str:
    """The one line a finished step prints when no terminal shows a bar."""
    rate = rows / seconds if seconds > 0 else float("inf")
    return f"{label}: {rows:,} rows in {seconds:.1f} s ({rate:,.0f} rows/s)"


def console_progress(console: Console) -> ProgressFactory:
    """Bars on ``console`` when it is a terminal, else one line per finished step (rows and rows/s)."""

    @contextmanager
    def step(label: str, total: int | None) -> Iterator[Advance]:
        started, done = time.perf_counter(), 0
        if console.is_terminal:
            columns = (
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
            )  # fmt: skip
            with Progress(*columns, console=console, transient=True) as bar:
                task = bar.add_task(label, total=total, rate="")

                def advance(n: int) -> None:
                    nonlocal done
                    done += n
                    rate = done / max(time.perf_counter() - started, 1e-9)
                    bar.update(task, advance=n, rate=f"{rate:,.0f} rows/s")

                yield advance
        else:

            def advance(n: int) -> None:
                nonlocal done
                done += n

            yield advance
        console.print(rate_line(label, done, time.perf_counter() - started), highlight=False, soft_wrap=True)

    return step
