"""``dashboards.wsgi:create_app()`` served by gunicorn on 127.0.0.1, configured only through the environment
with its secrets in files, as an operator runs it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dashboards.wsgi import create_app
from monitor.errors import ConfigError, StoreError
from monitor.store import Store

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "api-token-from-a-file"
USER, PASSWORD = "analyst", "dashboard-password-from-a-file"


def secret(directory: Path, name: str, value: str) -> str:
    path = directory / name
    path.write_text(value + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def environ(tmp_path: Path, fresh_store: Store, database_url: str) -> dict[str, str]:
    """A clean environment naming the store and every secret by file."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINEWATCH_")}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "MINEWATCH_CONFIG": secret(
                tmp_path,
                "config.yaml",
                "feeds:\n  gdelt:\n    enabled: false\n  notices:\n    catalogue: false",
            ),
            "MINEWATCH_DATABASE_URL_FILE": secret(secrets, "database_url", database_url),
            "MINEWATCH_API_TOKENS_FILE": secret(secrets, "api_tokens", TOKEN),
            "MINEWATCH_DASH_USER": USER,
            "MINEWATCH_DASH_PASSWORD_FILE": secret(secrets, "dash_password", PASSWORD),
        }
    )
    return env


@pytest.fixture
def gunicorn(tmp_path: Path, environ: dict[str, str]) -> Iterator[str]:
    """gunicorn serving the factory on a free 127.0.0.1 port; yields its base URL."""
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "1", "--threads", "4",
             "--timeout", "120", "dashboards.wsgi:create_app()"],
            cwd=tmp_path, env=environ, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        url = None
        deadline = time.monotonic() + 90
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log.read_text(errors="replace"))
            url = found.group(1) if found else None
            time.sleep(0.2)
        assert url is not None, log.read_text(errors="replace")
        while time.monotonic() < deadline:  # the worker imports Dash and builds the app after binding
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, log.read_text(errors="replace")
            time.sleep(0.3)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, log.read_text(errors="replace")


def test_gunicorn_serves_health_openly_the_dashboard_behind_its_password_and_the_api_behind_its_token(
    gunicorn: str,
) -> None:
    """One server start (Dash takes seconds to import) for the three things an operator checks."""
    health = httpx.get(f"{gunicorn}/api/v1/health", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"

    assert httpx.get(f"{gunicorn}/", timeout=10).status_code == 401
    assert httpx.get(f"{gunicorn}/", auth=(USER, "wrong"), timeout=10).status_code == 401
    page = httpx.get(f"{gunicorn}/", auth=(USER, PASSWORD), timeout=30)
    assert page.status_code == 200 and "<title>minewatch</title>" in page.text

    url = f"{gunicorn}/api/v1/risk.csv?from=2025-03-01&to=2025-03-02"
    assert httpx.get(url, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
    export = httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert export.text.splitlines()[0].startswith("date,")


def test_the_factory_refuses_an_unreadable_secret_file_naming_it(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    environ["MINEWATCH_API_TOKENS_FILE"] = str(tmp_path / "missing")
    with pytest.raises(ConfigError, match="MINEWATCH_API_TOKENS_FILE: cannot read"):
        create_app(environ)


def test_the_factory_refuses_a_store_that_was_never_initialised(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    Path(secret(tmp_path / "secrets", "database_url", f"sqlite:///{tmp_path / 'empty.db'}"))
    with pytest.raises(StoreError, match="run `minewatch init` first"):
        create_app(environ)
