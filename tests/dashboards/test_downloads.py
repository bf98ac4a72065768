"""The dashboard's CSV downloads follow the exports' formula rule (one function, monitor.spreadsheet)."""

from __future__ import annotations

import io

import pandas as pd

from dashboards.components import csv_download
from dashboards.pages.events import events_csv


def test_a_download_neutralises_cells_that_start_like_a_formula_and_leaves_numbers_alone() -> None:
    rows = [
        {"event_date": "2025-03-14", "source": "acled", "location": '=HYPERLINK("http://x.example","go")',
         "actor1": "@SUM(A1)", "fatalities": -1, "lat": -1.5},
        {"event_date": "2025-03-15", "source": "gdelt", "location": "Rubaya", "actor1": "-march on Goma",
         "fatalities": 2, "lat": -1.6},
    ]  # fmt: skip
    download = csv_download(events_csv(rows), "minewatch-events.csv")

    frame = pd.read_csv(io.StringIO(download["content"]), dtype=str, keep_default_na=False)
    assert frame["location"].tolist() == ['\'=HYPERLINK("http://x.example","go")', "Rubaya"]
    assert frame["actor1"].tolist() == ["'@SUM(A1)", "'-march on Goma"]
    assert frame["fatalities"].tolist() == ["-1", "2"]
    assert frame["lat"].tolist() == ["-1.5", "-1.6"]
    assert download["filename"] == "minewatch-events.csv"
