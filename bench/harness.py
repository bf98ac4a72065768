"""Measure one implementation of a step in a child process: median seconds over runs, peak RSS, rows/s.

Each implementation runs in its own fresh interpreter (``spawn``), so its peak resident memory is its own
(``ru_maxrss`` of that process: interpreter, imports and inputs included, as a user running it would see)
and no implementation warms another's caches. The child prepares its inputs untimed, then times ``runs``
calls; a ``fresh`` hook (a new empty store, say) runs untimed before each call.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import resource
import statistics
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


class Skip(Exception):  # noqa: N818  (a signal, not an error: the alternative is not available here)
    """Raised by an implementation's setup when it cannot run on this machine; the message says why."""


@dataclass(frozen=True)
class Impl:
    """One way to do a step. ``ref`` names a module-level function ``setup(**params) -> Case`` as
    "module:function" (importable in a fresh interpreter)."""

    label: str
    ref: str
    ours: bool = False


@dataclass
class Case:
    """What a child runs: ``call()`` is timed and returns the number of rows it handled; ``fresh()`` runs
    before each call, untimed; ``check()`` runs once after, untimed, and returns a note (or raises)."""

    call: Callable[[], int]
    fresh: Callable[[], None] | None = None
    check: Callable[[], str] | None = None
    note: str = ""


@dataclass
class Result:
    """What one implementation measured (``skipped`` says why it did not run)."""

    step: str
    label: str
    ours: bool
    times: list[float] = field(default_factory=list)
    rows: int = 0
    peak_rss_mb: float = 0.0
    note: str = ""
    skipped: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.median if self.times and self.median > 0 else float("nan")


def _child(ref: str, params: dict[str, Any], runs: int, conn: Any) -> None:
    """In the child: set up, time ``runs`` calls, send back (times, rows, peak RSS MB, note) or a skip."""
    try:
        module, name = ref.split(":")
        case: Case = getattr(importlib.import_module(module), name)(**params)
        times, rows = [], 0
        for _ in range(runs):
            if case.fresh is not None:
                case.fresh()
            start = time.perf_counter()
            rows = case.call()
            times.append(time.perf_counter() - start)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux; before the check
        note = case.check() if case.check is not None else ""
        conn.send(("ok", times, rows, peak, "; ".join(filter(None, (case.note, note)))))
    except Skip as exc:
        conn.send(("skip", str(exc)))
    except BaseException as exc:  # report any failure to the parent, which prints it in the table
        conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"))
    finally:
        conn.close()


def measure(step: str, impl: Impl, params: dict[str, Any], runs: int) -> Result:
    """Run ``impl`` in a fresh interpreter and return what it measured."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(impl.ref, params, runs, child))
    proc.start()
    child.close()
    try:
        message = parent.recv()
    except EOFError:
        message = ("error", f"the child process died (exit code {proc.join() or proc.exitcode})")
    proc.join()
    result = Result(step, impl.label, impl.ours)
    if message[0] == "ok":
        _, result.times, result.rows, result.peak_rss_mb, result.note = message
    elif message[0] == "skip":
        result.skipped = message[1]
    else:
        result.skipped = "FAILED: " + message[1].strip().splitlines()[0]
        print(message[1])
    return result


def ratio(results: Sequence[Result], label: str, over: str) -> float:
    """Median of ``label`` over median of ``over`` (NaN when either did not run)."""
    by = {r.label: r for r in results}
    a, b = by.get(label), by.get(over)
    if a is None or b is None or not a.times or not b.times:
        return float("nan")
    return a.median / b.median
