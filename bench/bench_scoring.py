"""Benchmark: score 2,000 sites x 90 days from 200,000 synthetic exposures and print the time."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd

from monitor.config import ScoringSettings
from monitor.scoring import score_days
from monitor.supply import supply_at_risk

N_SITES = 2_000
N_EXPOSURES = 200_000
N_DAYS = 90
N_NOTICES = 2_000
TYPES = ("battles", "explosions_remote_violence", "violence_against_civilians", "riots", "protests")
SUB_TYPES = ("Armed clash", "Non-state actor overtakes territory", "Peaceful protest", "Mob violence", "")


def synthetic(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[dt.date]]:
    """Random but plausible inputs: events spread over the scored days and the window before them."""
    first = dt.date(2025, 1, 1)
    days = [first + dt.timedelta(days=i) for i in range(N_DAYS)]
    site_ids = [f"site-{i:04d}" for i in range(N_SITES)]
    sites = pd.DataFrame(
        {
            "id": site_ids,
            "commodity": rng.choice(["cobalt", "tin", "copper", "tantalum"], N_SITES),
            "annual_output_t": rng.uniform(100, 50_000, N_SITES),
            "status": np.where(rng.random(N_SITES) < 0.02, "care_and_maintenance", "operating"),
        }
    )
    event_day = np.datetime64(first) + rng.integers(-60, N_DAYS, N_EXPOSURES).astype("timedelta64[D]")
    lag_s = rng.exponential(3 * 86_400, N_EXPOSURES).astype("timedelta64[s]")
    exposures = pd.DataFrame(
        {
            "event_id": rng.integers(1, N_EXPOSURES // 2, N_EXPOSURES),
            "site_id": rng.choice(site_ids, N_EXPOSURES),
            "via": rng.choice(["site", "route"], N_EXPOSURES),
            "distance_km": rng.uniform(0, 150, N_EXPOSURES),
            "source": rng.choice(["acled", "gdelt", "ucdp"], N_EXPOSURES),
            "type": rng.choice(TYPES, N_EXPOSURES),
            "sub_type": rng.choice(SUB_TYPES, N_EXPOSURES),
            "fatalities": rng.poisson(1.5, N_EXPOSURES),
            "geo_precision": rng.integers(1, 4, N_EXPOSURES),
            "event_date": pd.to_datetime(event_day).date,
            "known_at": pd.to_datetime(event_day.astype("datetime64[s]") + lag_s),
        }
    )
    notices = pd.DataFrame(
        {
            "notice_id": np.arange(N_NOTICES),
            "site_id": rng.choice(site_ids, N_NOTICES),
            "kind": rng.choice(["halt", "resumption", "evacuation", "guidance_cut", "none"], N_NOTICES),
            "confidence": rng.uniform(0.3, 1.0, N_NOTICES),
            "known_at": pd.to_datetime(
                np.datetime64(first) + rng.integers(0, N_DAYS * 24, N_NOTICES).astype("timedelta64[h]")
            ),
            "title": "synthetic",
            "url": "",
            "source": "bench",
        }
    )
    return sites, exposures, notices, days


def main() -> None:
    """Time score_days and supply_at_risk on the synthetic inputs."""
    sites, exposures, notices, days = synthetic(np.random.default_rng(7))
    params = ScoringSettings()
    start = time.perf_counter()
    scores = score_days(sites, exposures, notices, days, params)
    scored = time.perf_counter() - start
    commodities = pd.DataFrame(
        {
            "commodity": ["cobalt", "tin", "copper", "tantalum"],
            "world_production_t": [2.9e5, 3.0e5, 2.3e7, 2.0e3],
        }
    )
    start = time.perf_counter()
    supply = supply_at_risk(scores, sites, commodities)
    rolled = time.perf_counter() - start
    print(
        f"score_days: {N_SITES:,} sites x {N_DAYS} days, {N_EXPOSURES:,} exposures, {N_NOTICES:,} notices"
        f" -> {len(scores):,} rows in {scored:.2f} s"
    )
    print(f"supply_at_risk: {len(supply):,} rows in {rolled:.2f} s")
    print(f"levels: {scores['level'].value_counts().to_dict()}")


if __name__ == "__main__":
    main()
