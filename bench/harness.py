"""Measure one implementation of a step in a child process: median seconds over runs, peak RSS, rows/s.

Each implementation runs in its own fresh interpreter (``spawn``), so its peak resident memory is its own
and no implementation warms another's caches. The peak is that of the timed calls: the high-water mark is
reset to what the process holds before each call (``/proc/self/clear_refs``), so the interpreter, imports
and inputs held count, as a user running it would see, but the setup's own peak does not. Where the mark
cannot be reset, the peak is the whole process's and the note says so. The child prepares its inputs
untimed, then times ``runs`` calls; a ``fresh`` hook (a new empty store, say) runs untimed before each call.
The implementations of a step run interleaved (run 1 of each, then run 2 of each, ...), so load from
elsewhere on the machine falls on all of them alike and their ratios hold.
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
from pathlib import Path
from typing import Any


class Skip(Exception):
    """Raised by an implementation's setup when it cannot run on this machine; the message says why."""


@dataclass(frozen=True)
class Impl:
    """One way to do a step. ``ref`` names a module-level function ``setup(**params) -> Case`` as
    "module:function" (importable in a fresh interpreter); ``args`` are parameters of its own (a point of a
    curve, say), given besides the step's. ``ours``: the one the others are compared to; ``mine``: minewatch's
    own code besides it (a curve's other points), whose peak memory is held to the same bound."""

    label: str
    ref: str
    ours: bool = False
    args: tuple[tuple[str, Any], ...] = ()
    mine: bool = False


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
    mine: bool = False
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


def _child(ref: str, params: dict[str, Any], conn: Any) -> None:
    """In the child: set up, then obey the parent: "run" times one call, "finish" checks and reports."""
    try:
        module, name = ref.split(":")
        case: Case = getattr(importlib.import_module(module), name)(**params)
        conn.send(("ready",))
        rows, peak, reset = 0, 0.0, True
        while conn.recv() == "run":
            if case.fresh is not None:
                case.fresh()
            reset = _reset_peak() and reset
            start = time.perf_counter()
            rows = case.call()
            conn.send(("time", time.perf_counter() - start))
            peak = max(peak, _peak_mb())  # before the check
        whole = "" if reset else "peak RSS of the whole process, setup included (its mark cannot be reset)"
        note = case.check() if case.check is not None else ""
        conn.send(("ok", rows, peak, "; ".join(filter(None, (case.note, note, whole)))))
    except Skip as exc:
        conn.send(("skip", str(exc)))
    except BaseException as exc:  # report any failure to the parent, which prints it in the table
        conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"))
    finally:
        conn.close()


def _reset_peak() -> bool:
    """Reset this process's resident high-water mark to what it holds now (Linux 4.0+); False where the
    kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_mb() -> float:
    """This process's peak resident memory (MB) since its mark was last reset, or since it started:
    ``VmHWM``, its own memory's mark. Not ``ru_maxrss`` where ``/proc`` has it: that keeps the largest of
    this memory's and the forked copy of the parent it was exec'd from, so a parent that had just generated
    the million-event file (2.1 GB) gave every child it started that peak."""
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
        found = [line.split()[1] for line in lines if line.startswith("VmHWM:")]
    except OSError:
        found = []
    kib = int(found[0]) if found else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return kib / 1024


class _Worker:
    """One implementation's child process, driven run by run."""

    def __init__(self, step: str, impl: Impl, params: dict[str, Any]) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_child, args=(impl.ref, params, child))
        self.proc.start()
        child.close()
        self.result = Result(step, impl.label, impl.ours, impl.ours or impl.mine)
        self._expect("ready")

    def _expect(self, kind: str) -> tuple[Any, ...] | None:
        """The child's next message if it is ``kind``; otherwise record why it stopped and return None."""
        if self.result.skipped:
            return None
        try:
            message = self.conn.recv()
        except EOFError:
            message = ("error", f"the child process died (exit code {self.proc.exitcode})")
        if message[0] == kind:
            return message  # type: ignore[no-any-return]
        if message[0] == "skip":
            self.result.skipped = message[1]
        else:
            self.result.skipped = "FAILED: " + str(message[1]).strip().splitlines()[0]
            print(message[1])
        self.stop()
        return None

    def run(self) -> None:
        if not self.result.skipped:
            self.conn.send("run")
            message = self._expect("time")
            if message is not None:
                self.result.times.append(message[1])

    def finish(self) -> Result:
        if not self.result.skipped:
            self.conn.send("finish")
            message = self._expect("ok")
            if message is not None:
                _, self.result.rows, self.result.peak_rss_mb, self.result.note = message
        self.stop()
        return self.result

    def stop(self) -> None:
        self.proc.join(timeout=60)
        if self.proc.is_alive():
            self.proc.kill()


def measure(
    step: str, impls: Sequence[Impl], params: Callable[[Impl], dict[str, Any]], runs: int
) -> list[Result]:
    """Run each implementation in its own fresh interpreter, interleaved: run 1 of each, then run 2 of
    each, ... so that a burst of load on the machine lands on every implementation alike."""
    workers = [_Worker(step, impl, params(impl)) for impl in impls]  # set up one after the other
    for _ in range(runs):
        for worker in workers:
            worker.run()
    return [worker.finish() for worker in workers]


def ratio(results: Sequence[Result], label: str, over: str) -> float:
    """Median of ``label`` over median of ``over`` (NaN when either did not run)."""
    by = {r.label: r for r in results}
    a, b = by.get(label), by.get(over)
    if a is None or b is None or not a.times or not b.times:
        return float("nan")
    return a.median / b.median
