"""The app shell's 'Scores as of' picker: which day it holds (the browser tests check that Chromium paints it
legibly)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from dash import dcc

from dashboards import ids
from dashboards.app import create_app, shell
from monitor.config import Settings
from monitor.store import Store
from tests.dashboards import seed
from tests.dashboards.tree import path_to


def _shell(store: Store, world: Path, initial_as_of: date | None) -> Any:
    app = create_app(
        store, Settings(), world_production=world, now=lambda: seed.NOW, initial_as_of=initial_as_of
    )
    with app.server.test_request_context("/"):
        return shell()


def test_the_picker_holds_the_initial_day_as_a_plain_date_within_the_scored_days(
    seeded_store: Store, world_csv: Path
) -> None:
    picker = path_to(_shell(seeded_store, world_csv, date(2025, 3, 20)), ids.AS_OF)[-1]
    assert isinstance(picker, dcc.DatePickerSingle)
    assert picker.date == "2025-03-20"
    assert picker.min_date_allowed == seed.FIRST_DAY.isoformat()
    assert picker.max_date_allowed == seed.AS_OF.isoformat()


def test_without_an_initial_day_the_picker_is_empty_and_names_the_latest_score_date(
    seeded_store: Store, world_csv: Path
) -> None:
    picker = path_to(_shell(seeded_store, world_csv, None), ids.AS_OF)[-1]
    assert picker.date is None
    assert picker.placeholder == "Latest (2025-04-01)"
