"""A full run with every secret configured and every peer failing in the ways that put URLs and credentials
into error text; then each secret is looked for in every output: logs, the store, exports, the pages' data,
the API, and the messages the alert receivers got."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
import yaml

from dashboards import data
from dashboards.app import create_app
from monitor.config import load_settings
from monitor.environment import resolve_environment
from monitor.store import Store
from tests.faults.conftest import Outcome
from tests.loopback import LoopbackServer, Response

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "MINEWATCH_ACLED_USERNAME": "acled-user-SECRET-31c7@example.org",
    "MINEWATCH_ACLED_PASSWORD": "acled-pw-SECRET-55e0",
    "MINEWATCH_UCDP_TOKEN": "ucdp-token-SECRET-7f3a",
    "MINEWATCH_WEBHOOK_SECRET": "hook-key-SECRET-0c2d",
    "MINEWATCH_API_TOKENS": "api-token-SECRET-44ab",
    "MINEWATCH_DASH_USER": "dash-user-SECRET-1e9",
    "MINEWATCH_DASH_PASSWORD": "dash-pw-SECRET-8d2",
}
SLACK_KEY = "slack-path-SECRET-9b1e"
FEED_PASSWORD, FEED_KEY = "feed-pw-SECRET-62aa", "feed-key-SECRET-d4f0"


def test_no_configured_secret_appears_in_any_output_of_a_full_run(
    tmp_path: Path, database_url: str, server: LoopbackServer, outcome: Outcome
) -> None:
    server.route("GET", "/news.xml", Response(500, "upstream broke"))
    server.route("POST", "/oauth/token", Response(401, '{"error": "invalid_grant"}'))
    server.route("GET", "/api/gedevents/25.1", Response(503, "maintenance"))
    server.route("POST", f"/services/T0/B0/{SLACK_KEY}", Response(200, "ok"))
    server.route("POST", "/hook", Response(204))
    feed_url = f"http://ops:{FEED_PASSWORD}@127.0.0.1:{server.port}/news.xml?key={FEED_KEY}"
    config = {
        "http": {"retries": 1, "backoff_s": 0, "timeout_s": 5},
        "feeds": {
            "gdelt": {"enabled": False},
            "acled": {"enabled": True, "base_url": server.url("")},
            "ucdp": {"enabled": True, "base_url": server.url("/api"), "version": "25.1"},
            "notices": {"catalogue": False, "feeds": [{"name": "ops", "url": feed_url}]},
        },
        "alerts": {"rules": {"feed_stale": {"hours": 0.0003}}},
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINEWATCH_")}
    env.update(SECRETS)
    env.update({
        "MINEWATCH_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT),
        "MINEWATCH_SLACK_WEBHOOK_URL": server.url(f"/services/T0/B0/{SLACK_KEY}"),
        "MINEWATCH_WEBHOOK_URL": server.url("/hook"),
    })  # fmt: skip

    def minewatch(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "monitor", "--config", "config.yaml", "--log-level", "info", *args]
        return subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
                              check=False)  # fmt: skip

    initialised = Store.from_url(database_url)  # the schema in process: each CLI start costs CI seconds
    initialised.create_schema()
    initialised.engine.dispose()
    runs = [minewatch("collect")]
    time.sleep(1.5)  # the feeds are stale after 0.0003 hours (about a second) without an ok run
    runs += [minewatch("alerts"), minewatch("export", "alerts", "--out", "alerts.csv")]
    assert [r.returncode for r in runs] == [1, 0, 0], runs[0].stderr
    assert "3 feed(s) failed" in runs[0].stderr

    store = Store.from_url(database_url)
    settings = load_settings(tmp_path / "config.yaml", resolve_environment(env))
    outputs: dict[str, str] = {}
    for n, run in enumerate(runs):
        outputs[f"run {n} {run.args[6]}: stdout"] = run.stdout
        outputs[f"run {n} {run.args[6]}: stderr"] = run.stderr
    for name in ("alerts.csv", "alerts.csv.json"):
        outputs[name] = (tmp_path / name).read_text(encoding="utf-8")
    with store.engine.connect() as conn:
        for table in ("feedrun", "alert", "delivery", "rejected", "watermark", "notice", "event"):
            rows = conn.execute(sa.text(f"SELECT * FROM {table}")).all()
            outputs[f"store {table}"] = "\n".join(repr(tuple(r)) for r in rows)
    now = datetime.now(UTC)
    outputs["Feeds page"] = data.feed_status(store, now).to_csv()
    outputs["Alerts page"] = data.alerts(store).to_csv()
    app = create_app(store, settings, env={"MINEWATCH_API_TOKENS": SECRETS["MINEWATCH_API_TOKENS"]})
    api = app.server.test_client()
    bearer = {"Authorization": f"Bearer {SECRETS['MINEWATCH_API_TOKENS']}"}
    outputs["API alerts.csv"] = api.get("/api/v1/alerts.csv", headers=bearer).get_data(as_text=True)
    outputs["API health"] = api.get("/api/v1/health").get_data(as_text=True)
    for request in server.requests:
        if request.method == "POST" and request.path != "/oauth/token":
            shown = {k: v for k, v in request.headers.items() if k != "x-minewatch-signature"}
            outputs[f"received {request.path}"] = f"{shown}\n{request.body.decode()}"
    store.engine.dispose()

    secrets = [*SECRETS.values(), SLACK_KEY, FEED_PASSWORD, FEED_KEY]
    found = sorted(
        {(secret, where) for secret in secrets for where, text in outputs.items() if secret in text}
    )
    assert found == []
    # the run did produce what is searched: failed runs with their (masked) errors, and the stale alerts
    assert "ops:***@127.0.0.1" in outputs["store feedrun"] and "?***" in outputs["store feedrun"]
    assert len([p for p in outputs if p.startswith("received /services")]) == 1
    assert "Feed notices:ops is stale" in outputs["received /hook"]
    outcome(rows_lost=0)
