"""Fixtures for the dashboard: a seeded store, an app on it, and a callback client for Dash's HTTP API."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import dash
import pytest

from dashboards.app import create_app
from monitor.config import Settings
from monitor.store import Store
from tests.dashboards import seed


@pytest.fixture
def seeded_store(fresh_store: Store) -> Store:
    """The eastern-DRC scenario (see seed.py) in a fresh store."""
    seed.seed(fresh_store)
    return fresh_store


@pytest.fixture
def world_csv(tmp_path: Path) -> Path:
    return seed.write_world_production(tmp_path / "commodities.csv")


@pytest.fixture
def make_app(world_csv: Path) -> Callable[[Store], dash.Dash]:
    """Build an app on a store, with the seed's clock and world production."""

    def build(store: Store, settings: Settings | None = None, world: Path | None = world_csv) -> dash.Dash:
        return create_app(store, settings or Settings(), world_production=world, now=lambda: seed.NOW)

    return build


Prop = tuple[str, str]


def call_callback(
    app: dash.Dash,
    outputs: Sequence[Prop],
    inputs: Sequence[tuple[str, str, Any]],
    state: Sequence[tuple[str, str, Any]] = (),
    changed: Sequence[str] = (),
) -> dict[str, dict[str, Any]]:
    """POST to /_dash-update-component as the browser does; return {component id: {prop: value}}, or {}
    when the callback declined to update (HTTP 204, PreventUpdate)."""
    client = app.server.test_client()
    client.get("/")  # the first request sets the server up (registers the callbacks)
    multi = len(outputs) > 1
    output = (
        ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."
        if multi
        else f"{outputs[0][0]}.{outputs[0][1]}"
    )
    # Outputs declared with allow_duplicate carry an "@hash" suffix in the callback's key.
    output = next((k for k in app.callback_map if re.sub(r"@[0-9a-f]+", "", k) == output), output)
    body = {
        "output": output,
        "outputs": [{"id": i, "property": p} for i, p in outputs] if multi else {"id": outputs[0][0],
                                                                                 "property": outputs[0][1]},
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": list(changed) or [f"{inputs[0][0]}.{inputs[0][1]}"],
    }  # fmt: skip
    response = client.post("/_dash-update-component", json=body)
    if response.status_code == 204:
        return {}
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return json.loads(response.get_data(as_text=True))["response"]  # type: ignore[no-any-return]


@pytest.fixture
def callback() -> Callable[..., dict[str, dict[str, Any]]]:
    return call_callback


@pytest.fixture
def render(make_app: Callable[[Store], dash.Dash]) -> Iterator[Callable[..., Any]]:
    """Render a page layout function inside a request of an app built on a store."""

    def run(store: Store, layout: Callable[..., Any], **kwargs: Any) -> Any:
        app = make_app(store)
        with app.server.test_request_context("/"):
            return layout(**kwargs)

    yield run
