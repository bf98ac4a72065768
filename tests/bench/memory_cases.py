"""Cases for the harness's own tests (``test_harness.py``): each holds, frees and allocates known amounts of
memory, so the peak the harness reports can be checked against them."""

from __future__ import annotations

import numpy as np

from bench.harness import Case

MB = 1 << 20


def _touched(megabytes: int) -> np.ndarray:
    """An array of ``megabytes`` whose every page is written (resident)."""
    return np.ones(megabytes * MB // 8)


def idle_case() -> Case:
    """Holds nothing of its own: a call that does nothing."""
    return Case(call=lambda: 1)


def holding_case(setup_mb: int, held_mb: int, call_mb: int) -> Case:
    """Setup peaks at ``setup_mb`` and frees it, then holds ``held_mb``; each call allocates ``call_mb`` more
    and frees it."""
    _touched(setup_mb)  # resident, then freed at once
    held = _touched(held_mb)

    def call() -> int:
        more = _touched(call_mb)
        return int(held.size + more.size > 0)

    return Case(call=call)
