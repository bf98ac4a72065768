"""The export API's OpenAPI 3.1 document, built from the panel schemas so it lists every path and column."""

from __future__ import annotations

from typing import Any

from monitor.exports.schemas import PANELS, SCHEMAS, PanelSchema

__all__ = ["EXPLANATION_PARAMETERS", "PARAMETERS", "openapi_document"]

#: Query parameters of the data paths: the CLI's export options.
PARAMETERS: dict[str, dict[str, Any]] = {
    "from": {
        "description": "First day, YYYY-MM-DD (default: `to` minus 29 days).",
        "schema": {"type": "string", "format": "date"},
    },
    "to": {
        "description": "Last day, YYYY-MM-DD (default and latest: today UTC, or the day of `as_known_at`).",
        "schema": {"type": "string", "format": "date"},
    },
    "site": {
        "description": "Only these site ids (repeat the parameter or comma-separate).",
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": True,
    },
    "commodity": {
        "description": "Only sites whose main commodity is one of these.",
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": True,
    },
    "country": {
        "description": "Only these countries (ISO 3166-1 alpha-2): the site's, or for events the event's.",
        "schema": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z]{2}$"}},
        "style": "form",
        "explode": True,
    },
    "as_known_at": {
        "description": "Vintage: the panel as exported at this moment (date and time, UTC unless an offset "
        "is given; not in the future). Only rows stored and public by then; no day after it.",
        "schema": {"type": "string", "format": "date-time"},
    },
    "derived_only": {
        "description": "Leave ACLED's raw text out (actors, places, notes; alert texts citing ACLED).",
        "schema": {"type": "boolean", "default": False},
    },
    "raw": {
        "description": "CSV: do not neutralise text cells that start like a spreadsheet formula.",
        "schema": {"type": "boolean", "default": False},
    },
}

#: Query parameters of ``explanation.json``.
EXPLANATION_PARAMETERS: dict[str, dict[str, Any]] = {
    "site": {
        "description": "The site id (one; see `minewatch sites`).",
        "required": True,
        "schema": {"type": "string"},
    },
    "day": {
        "description": "YYYY-MM-DD: the newest scored day on or before it is explained (default and latest: "
        "today UTC); with `as_known_at`, that day itself (default and latest: the vintage's day).",
        "schema": {"type": "string", "format": "date"},
    },
    "as_known_at": {
        "description": "Vintage: the score and its explanation as a run at this moment computed them (date "
        "and time, UTC unless an offset is given; not in the future): only rows stored and public by then, "
        "as the panels' `as_known_at`.",
        "schema": {"type": "string", "format": "date-time"},
    },
}

_JSON_TYPES: dict[str, dict[str, Any]] = {
    "date": {"type": "string", "format": "date"},
    "timestamp": {"type": "string", "format": "date-time"},
    "string": {"type": "string"},
    "float64": {"type": "number"},
    "int64": {"type": "integer"},
}


def _row_schema(panel: PanelSchema) -> dict[str, Any]:
    """One row of a panel as a JSON Schema object (numbers and times may be empty: null)."""
    properties = {}
    for column in panel.columns:
        base = dict(_JSON_TYPES[column.type])
        if column.type != "string":
            base["type"] = [base["type"], "null"]
        properties[column.name] = {**base, "description": column.doc}
    return {
        "type": "object",
        "description": f"{panel.name} (schema version {panel.version}): {panel.title}, columns in order.",
        "properties": properties,
        "required": list(panel.names),
        "x-schema-version": panel.version,
        "x-column-order": list(panel.names),
    }


def _error_responses(*codes: str) -> dict[str, Any]:
    return {code: {"$ref": f"#/components/responses/E{code}"} for code in codes}


def _data_path(panel: PanelSchema, fmt: str) -> dict[str, Any]:
    media = "text/csv" if fmt == "csv" else "application/vnd.apache.parquet"
    row = f"#/components/schemas/{panel.name.capitalize()}Row"
    what = (
        "CSV (UTF-8, header, ISO dates and UTC times, '.' decimals; its metadata at the .csv.json path)"
        if fmt == "csv"
        else "Parquet (typed columns; metadata as JSON under the key 'minewatch')"
    )
    return {
        "get": {
            "operationId": f"export_{panel.name}_{fmt}",
            "summary": f"The {panel.name} panel ({panel.title}) as {fmt.upper()}",
            "description": f"{what}. Streamed; the same bytes as `minewatch export {panel.name} --format "
            f"{fmt}` with the same options. Rows: {row}.",
            "security": [{"bearer": []}],
            "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in PARAMETERS],
            "responses": {
                "200": {
                    "description": f"The panel, one row per {panel.title.split('per ', 1)[-1]}.",
                    "headers": {
                        "X-Minewatch-Schema-Version": {"schema": {"type": "integer"}},
                        "X-Minewatch-Scoring-Params-Hash": {"schema": {"type": "string"}},
                        "X-Minewatch-Generated-At": {"schema": {"type": "string"}},
                    },
                    "content": {media: {"schema": {"type": "string", "contentMediaType": media}}},
                },
                **_error_responses("400", "401", "503"),
            },
        }
    }


def _sidecar_path(panel: PanelSchema) -> dict[str, Any]:
    return {
        "get": {
            "operationId": f"export_{panel.name}_csv_metadata",
            "summary": f"The sidecar JSON of the {panel.name} CSV",
            "description": "Schema version, scoring parameters' hash, generation time, filters, "
            "attributions, row count and the CSV's sha256: the file `minewatch export` writes beside it.",
            "security": [{"bearer": []}],
            "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in PARAMETERS],
            "responses": {
                "200": {
                    "description": "The metadata.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                **_error_responses("400", "401", "503"),
            },
        }
    }


def _explanation_path() -> dict[str, Any]:
    return {
        "get": {
            "operationId": "explain_site_score",
            "summary": "One site's score and why it is what it is",
            "description": "The site's score on the newest scored day on or before `day`, as stored, with "
            "its explanation computed from the same inputs (the top contributing incidents, the sums, the "
            "registry status and the notice in force, the scoring parameters): what the dashboard's site "
            "page shows: the inputs as stored now, as known by the end of that day. With `as_known_at`, "
            "a vintage: the score of `day` and its explanation computed from the rows stored and public by "
            "that moment, as the panels' vintages.",
            "security": [{"bearer": []}],
            "parameters": [
                {"name": name, "in": "query", "required": False, **spec}
                for name, spec in EXPLANATION_PARAMETERS.items()
            ],
            "responses": {
                "200": {
                    "description": "The score and its explanation.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Explained"}}},
                },
                **_error_responses("400", "401", "404", "503"),
            },
        }
    }


def openapi_document(version: str = "1") -> dict[str, Any]:
    """The OpenAPI 3.1 description of every path under /api/v1."""
    paths: dict[str, Any] = {}
    for name in PANELS:
        panel = SCHEMAS[name]
        paths[f"/api/v1/{name}.csv"] = _data_path(panel, "csv")
        paths[f"/api/v1/{name}.parquet"] = _data_path(panel, "parquet")
        paths[f"/api/v1/{name}.csv.json"] = _sidecar_path(panel)
    paths["/api/v1/explanation.json"] = _explanation_path()
    paths["/api/v1/health"] = {
        "get": {
            "operationId": "health",
            "summary": "Feed health (no token needed)",
            "description": "Per feed: last run, its status, the last successful finish and the lag since it.",
            "responses": {
                "200": {
                    "description": "Health.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}},
                }
            },
        }
    }
    paths["/api/v1/openapi.json"] = {
        "get": {
            "operationId": "openapi",
            "summary": "This document (no token needed)",
            "responses": {
                "200": {"description": "OpenAPI 3.1.", "content": {"application/json": {"schema": {}}}}
            },
        }
    }
    error = {"$ref": "#/components/schemas/Error"}
    reasons = {
        "400": "A bad parameter; the message says which and why.",
        "401": "No bearer token, or not an accepted one.",
        "404": "Nothing to explain: no day is scored on or before the one asked for.",
        "503": "The API is off: no tokens configured (MINEWATCH_API_TOKENS).",
    }
    feed = {
        "type": "object",
        "properties": {
            "feed": {"type": "string"},
            "last_run_at": {"type": ["string", "null"], "format": "date-time"},
            "last_status": {"type": ["string", "null"], "enum": ["ok", "failed", "running", None]},
            "last_ok_at": {"type": ["string", "null"], "format": "date-time"},
            "lag_seconds": {"type": ["integer", "null"]},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "minewatch export API",
            "version": version,
            "description": "Point-in-time panels of mine-site disruption risk, supply at risk, conflict "
            "events, operator notices and alerts. Served with the dashboard.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "parameters": {
                name: {"name": name, "in": "query", "required": False, **spec}
                for name, spec in PARAMETERS.items()
            },
            "responses": {
                f"E{code}": {"description": text, "content": {"application/json": {"schema": error}}}
                for code, text in reasons.items()
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
                    "required": ["error", "status"],
                },
                "Explained": {
                    "type": "object",
                    "properties": {
                        "site_id": {"type": "string"},
                        "day": {"type": "string", "format": "date"},
                        "score": {
                            "type": "object",
                            "description": "The stored score's fields (a vintage's: computed when asked).",
                        },
                        "explanation": {
                            "type": "object",
                            "description": "Why: `events` (top incidents with their contribution, share and "
                            "`event_ref`, as in the exports), the sums, `registry_status`, `status_notice`, "
                            "`halt_unconfirmed_since`, `notice_points` and the scoring `params`.",
                        },
                        "as_known_at": {
                            "type": ["string", "null"],
                            "format": "date-time",
                            "description": "The vintage asked for (null: the stored score; a vintage's "
                            "`computed_at` is null).",
                        },
                        "scoring_params_hash": {"type": "string"},
                    },
                    "required": [
                        "site_id",
                        "day",
                        "score",
                        "explanation",
                        "as_known_at",
                        "scoring_params_hash",
                    ],
                },
                "Health": {
                    "type": "object",
                    "properties": {
                        "status": {"type": "string", "enum": ["ok", "degraded"]},
                        "now": {"type": "string", "format": "date-time"},
                        "latest_score_date": {"type": ["string", "null"], "format": "date"},
                        "feeds": {"type": "array", "items": feed},
                    },
                },
                **{f"{name.capitalize()}Row": _row_schema(SCHEMAS[name]) for name in PANELS},
            },
        },
    }
