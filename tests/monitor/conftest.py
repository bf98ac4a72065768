"""Fixtures of the monitor's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import data
from tests.monitor.generated import GENERATED


@pytest.fixture
def generated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A small seeded set from bench/data.py (sites with routes, ACLED CSV), written under tmp_path."""
    monkeypatch.setattr(data, "OUT", tmp_path / "bench")
    return data.sites_csv(GENERATED), data.acled_csv(GENERATED)
