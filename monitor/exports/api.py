"""The HTTP export API, a Flask blueprint served with the dashboard under ``/api/v1``.

``GET /api/v1/{risk,supply,events,notices,alerts}.{csv,parquet}`` streams the same bytes as ``minewatch
export`` with the same filters as query parameters; ``.csv.json`` is the CSV's sidecar. ``GET
/api/v1/explanation.json?site=ID[&day=YYYY-MM-DD]`` gives one site's score with why it is what it is.
Every data path needs ``Authorization: Bearer <token>`` with a token listed in ``MINEWATCH_API_TOKENS``
(comma-separated), taken from the environment mapping given at app creation. Without any token configured
the data paths answer 503 (the API is off, and says how to turn it on); ``/health`` and ``/openapi.json``
are open.
"""

from __future__ import annotations

import hmac
import itertools
from collections.abc import Callable, Mapping
from datetime import datetime

import flask

from monitor.config import Settings
from monitor.errors import InputError
from monitor.exports import files
from monitor.exports.explanations import NOTHING_SCORED, explained_score
from monitor.exports.openapi import EXPLANATION_PARAMETERS, PARAMETERS, openapi_document
from monitor.exports.panels import computed_days
from monitor.exports.query import Query, parse_query, parse_site_day
from monitor.exports.schemas import PANELS
from monitor.observability.health import health, status_code
from monitor.pipeline import Pipeline
from monitor.store import Store

__all__ = ["PREFIX", "TOKENS_ENV", "api_blueprint", "api_tokens", "health"]

PREFIX = "/api/v1"
#: The blueprint's name: requests routed to it are the API's to authorise (bearer tokens), not basic auth's.
BLUEPRINT = "minewatch_api"
TOKENS_ENV = "MINEWATCH_API_TOKENS"
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def api_tokens(env: Mapping[str, str]) -> tuple[str, ...]:
    """The accepted bearer tokens: ``MINEWATCH_API_TOKENS`` split on commas, blanks dropped."""
    return tuple(t.strip() for t in (env.get(TOKENS_ENV) or "").split(",") if t.strip())


def api_blueprint(
    store: Store, settings: Settings, env: Mapping[str, str], now: Callable[[], datetime]
) -> flask.Blueprint:
    """The API's routes over ``store``; tokens are read from ``env`` once, here."""
    tokens = api_tokens(env)
    pipeline = Pipeline(store, settings, now)
    api = flask.Blueprint(BLUEPRINT, __name__, url_prefix=PREFIX)

    def refuse() -> flask.Response | None:
        """None when the request carries an accepted token, else the 503 or 401 to send."""
        if not tokens:
            return _error(503, f"the export API is off: set {TOKENS_ENV} (comma-separated bearer tokens)")
        scheme, _, given = (flask.request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return _error(401, "missing bearer token: send 'Authorization: Bearer <token>'", bearer=True)
        presented = given.strip().encode()
        accepted = False
        for token in tokens:  # compare with every token, in constant time, whichever matches
            accepted |= hmac.compare_digest(presented, token.encode())
        return None if accepted else _error(401, "invalid bearer token", bearer=True)

    def query_for(panel: str) -> Query:
        args = flask.request.args
        unknown = sorted(set(args) - set(PARAMETERS))
        if unknown:
            raise InputError(f"unknown parameter {unknown[0]!r} (known: {', '.join(PARAMETERS)})")
        return parse_query(
            panel, store, now(), start=args.get("from"), end=args.get("to"), site=args.getlist("site"),
            commodity=args.getlist("commodity"), country=args.getlist("country"),
            as_known_at=args.get("as_known_at"), derived_only=_flag(args, "derived_only"),
            raw=_flag(args, "raw"),
        )  # fmt: skip

    def data(panel: str, fmt: files.Format) -> flask.Response:
        refused = refuse()
        if refused is not None:
            return refused
        try:
            query = query_for(panel)
            computed_days(pipeline, query)  # refuses an over-long computation before any header
            meta = files.metadata(pipeline, query, fmt)
        except InputError as exc:
            return _error(400, str(exc))
        headers = {
            "Content-Disposition": f'attachment; filename="{_file_name(query, fmt)}"',
            "X-Minewatch-Schema-Version": str(meta["schema_version"]),
            "X-Minewatch-Scoring-Params-Hash": meta["scoring_params_hash"],
            "X-Minewatch-Generated-At": meta["generated_at"] or "",
            "Cache-Control": "no-store",
        }
        body = files.stream(pipeline, query, fmt)
        try:  # the first block is built before the headers go: a refusal is a 400, never a cut-off 200
            first = next(body, b"")
        except InputError as exc:
            return _error(400, str(exc))
        return flask.Response(
            itertools.chain([first], body), status=200, headers=headers, content_type=MEDIA_TYPES[fmt]
        )

    def sidecar(panel: str) -> flask.Response:
        refused = refuse()
        if refused is not None:
            return refused
        try:
            body = files.sidecar(pipeline, query_for(panel))
        except InputError as exc:
            return _error(400, str(exc))
        return flask.Response(
            body, 200, content_type="application/json", headers={"Cache-Control": "no-store"}
        )

    for panel in PANELS:
        for fmt in files.FORMATS:
            api.add_url_rule(
                f"/{panel}.{fmt}", f"{panel}_{fmt}", lambda panel=panel, fmt=fmt: data(panel, fmt)
            )
        api.add_url_rule(f"/{panel}.csv.json", f"{panel}_sidecar", lambda panel=panel: sidecar(panel))

    @api.get("/explanation.json")
    def explanation_route() -> flask.Response:
        refused = refuse()
        if refused is not None:
            return refused
        args = flask.request.args
        try:
            unknown = sorted(set(args) - set(EXPLANATION_PARAMETERS))
            if unknown:
                raise InputError(
                    f"unknown parameter {unknown[0]!r} (known: {', '.join(EXPLANATION_PARAMETERS)})"
                )
            wanted = parse_site_day(
                store,
                now(),
                site=args.getlist("site"),
                day=args.get("day"),
                as_known_at=args.get("as_known_at"),
            )
        except InputError as exc:
            return _error(400, str(exc))
        answer = explained_score(store, settings, wanted, now)
        if answer is None:
            return _error(404, f"no day is scored on or before {wanted.day}: {NOTHING_SCORED}")
        response = flask.jsonify(answer)
        response.headers["Cache-Control"] = "no-store"
        return response

    @api.get("/health")
    def health_route() -> flask.Response:
        answer = health(store, settings, now())
        response = flask.jsonify(answer)
        response.status_code = status_code(answer)
        response.headers["Cache-Control"] = "no-store"
        return response

    @api.get("/openapi.json")
    def openapi_route() -> flask.Response:
        return flask.jsonify(openapi_document())

    return api


def _flag(args: Mapping[str, str], name: str) -> bool:
    value = (args.get(name) or "").strip().lower()
    if name in args and value == "":
        return True  # ?raw alone means raw=true
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InputError(f"{name} {args.get(name)!r}: expected true or false")


def _file_name(query: Query, fmt: str) -> str:
    vintage = f"_as_known_at_{query.as_known_at:%Y%m%dT%H%M%SZ}" if query.as_known_at else ""
    return f"{query.panel}_{query.start}_{query.end}{vintage}.{fmt}"


def _error(status: int, message: str, *, bearer: bool = False) -> flask.Response:
    response = flask.jsonify({"error": message, "status": status})
    response.status_code = status
    if bearer:
        response.headers["WWW-Authenticate"] = 'Bearer realm="minewatch"'
    return response


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")
