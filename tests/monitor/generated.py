"""A small generated set for tests that need more than the demo: seeded sites with routes and ACLED events
from ``bench/data.py`` (the ``generated`` fixture of ``tests/monitor/conftest.py`` writes them), and a
pipeline on them at the set's clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from bench import data
from feeds import acled
from monitor import sites
from monitor.config import Settings
from monitor.pipeline import Pipeline
from monitor.store import Store

GENERATED = data.Scale("sparse-test", sites=60, acled_events=2_500, gdelt_rows=0)


@dataclass
class Clock:
    """A clock the test moves."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


def batches(path: Path, shares: Sequence[float]) -> list[pd.DataFrame]:
    """The file's events dealt at random (seeded) into batches of ``shares``: each later batch back-fills
    history the store has scored already."""
    records = acled.parse_file(path).records
    order = np.random.default_rng(7).permutation(len(records))
    stops = np.cumsum(np.round(np.asarray(shares) * len(records)).astype(int))[:-1]
    return [records.iloc[np.sort(part)].reset_index(drop=True) for part in np.split(order, stops)]


def pipeline_with_sites(store: Store, sites_path: Path) -> tuple[Pipeline, Clock]:
    """A pipeline on ``store`` at the generated data's clock, with the generated registry loaded."""
    clock = Clock(data.NOW)
    pipeline = Pipeline(store, Settings(), clock)
    registry = sites.parse_sites_csv(sites_path.read_text(encoding="utf-8"), origin="user", now=clock.now)
    pipeline.load_sites(registry)
    return pipeline, clock
