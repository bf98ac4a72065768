"""The dashboard and the HTTP API as one WSGI application, for any WSGI server::

    gunicorn --workers 2 --threads 8 --bind 0.0.0.0:8050 'dashboards.wsgi:create_app()'

Configured as ``minewatch serve`` is: the config file from ``MINEWATCH_CONFIG`` (else ./config.yaml, else the
defaults), the environment with its ``NAME_FILE`` secrets resolved, the store checked before the first
request, basic auth when ``MINEWATCH_DASH_USER`` and ``MINEWATCH_DASH_PASSWORD`` are set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import flask

from dashboards.app import create_app as create_dash_app
from dashboards.server import protect
from monitor.config import load_settings
from monitor.environment import resolve_environment, secret_values
from monitor.redact import remember
from monitor.store import Store

__all__ = ["create_app"]


def create_app(environ: Mapping[str, str] | None = None) -> flask.Flask:
    """The WSGI application over the configured store; ``environ`` defaults to the process environment.

    Raises ConfigError or StoreError (the server logs it and does not start) when the configuration, a
    secret file or the store is not usable.
    """
    env = resolve_environment(os.environ if environ is None else environ)
    remember(secret_values(env))
    settings = load_settings(None, env)
    store = Store.from_url(settings.database.url)
    store.check_schema()
    return protect(create_dash_app(store, settings, env=env), env)
