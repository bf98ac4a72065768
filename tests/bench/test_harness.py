"""The peak RSS the harness reports is the timed calls' own: not the parent's, nor the setup's."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from bench.harness import Impl, measure

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the peak is read from /proc")


def test_a_childs_peak_is_not_the_parent_memory_it_was_started_from() -> None:
    parent = np.ones(600 * (1 << 20) // 8)  # 600 MB resident in this process while the child starts
    (result,) = measure("idle", [Impl("idle", "tests.bench.memory_cases:idle_case")], lambda _: {}, 1)
    assert parent.size and not result.skipped, result.skipped
    assert 0 < result.peak_rss_mb < 300  # an interpreter with numpy; 600+ if the parent's counted


def test_the_setup_peak_is_left_out_and_what_the_call_holds_and_allocates_counts() -> None:
    impl = Impl("holding", "tests.bench.memory_cases:holding_case")
    params = {"setup_mb": 600, "held_mb": 150, "call_mb": 200}
    (result,) = measure("holding", [impl], lambda _: params, 2)
    assert not result.skipped, result.skipped
    # 350 MB held and allocated by the call, over an interpreter with numpy; 600+ if the setup counted.
    assert 350 < result.peak_rss_mb < 550
    assert "whole process" not in result.note
