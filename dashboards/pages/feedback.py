"""Feedback (/feedback): mark an event, an incident or a notice as irrelevant, a duplicate, the wrong place or
the wrong site; list the verdicts and revoke one.

A verdict keeps its target out of scoring from the day it is given until it is revoked
(``monitor.feedback``): the next scoring run (the next feed tick, or ``minewatch score``) applies it; earlier
days keep what they knew.
Who gives it is the basic-auth user when the dashboard asks for one, else the name typed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import dash
import flask
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboards import data, ids
from dashboards.components import Context, context, grid, page_header, records
from monitor import feedback, reads
from monitor.domain import FEEDBACK_TARGETS, FEEDBACK_VERDICTS, SITE_VERDICT
from monitor.errors import InputError
from monitor.labels import label
from monitor.store import Store


def register(app: dash.Dash) -> None:
    """Register the page and its two actions (mark, revoke) on ``app``."""
    dash.register_page(
        __name__, path="/feedback", name="Feedback", title="minewatch: feedback", order=5, layout=layout
    )

    @app.callback(
        Output(ids.FEEDBACK_MESSAGE, "children"),
        Output(ids.FEEDBACK_GRID, "rowData"),
        Input(ids.FEEDBACK_MARK, "n_clicks"),
        Input(ids.FEEDBACK_REVOKE, "n_clicks"),
        State(ids.FEEDBACK_TARGET, "value"),
        State(ids.FEEDBACK_TARGET_ID, "value"),
        State(ids.FEEDBACK_VERDICT, "value"),
        State(ids.FEEDBACK_SITE, "value"),
        State(ids.FEEDBACK_WHO, "value"),
        State(ids.FEEDBACK_NOTE, "value"),
        State(ids.FEEDBACK_GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    def act(
        _mark: int,
        _revoke: int,
        target: str | None,
        target_id: Any,
        verdict: str | None,
        site_id: str | None,
        who: str | None,
        note: str | None,
        selected: list[dict[str, Any]] | None,
    ) -> Any:
        ctx = context()
        by = _user() or (who or "").strip()
        if dash.ctx.triggered_id == ids.FEEDBACK_REVOKE:
            message = revoke(ctx.store, selected or [], by, ctx.now())
        else:
            message = mark(ctx.store, target, target_id, verdict, site_id, by, note, ctx.now())
        return message, records(_verdicts(ctx))


def _user() -> str:
    """The basic-auth user of the request, when the dashboard asks for one."""
    auth = flask.request.authorization
    return str(auth.username or "") if auth is not None and auth.type == "basic" else ""


def mark(
    store: Store,
    target: str | None,
    target_id: Any,
    verdict: str | None,
    site_id: str | None,
    by: str,
    note: str | None,
    now: datetime,
) -> str:
    """Store a verdict; the sentence saying what was done, or why not."""
    try:
        number = int(str(target_id).strip())
    except ValueError:
        return f"'{target_id}' is not an id: give the number shown in the grids."
    site = (site_id or "").strip() if verdict == SITE_VERDICT else ""
    try:
        feedback.check(target or "", verdict or "", site, by)
    except InputError as exc:
        return str(exc).capitalize() + "."
    if not reads.feedback.target_exists(store, target or "", number):
        return f"There is no {target} {number}."
    made = store.add_feedback(
        str(target), number, str(verdict), by=by, at=now, site_id=site, note=(note or "").strip()
    )
    where = f" for {site}" if site else ""
    return (
        f"Verdict {made}: {target} {number} marked {label(verdict).lower()}{where} by {by}. It holds from "
        "today on; the next scoring run applies it."
    )


def revoke(store: Store, selected: list[dict[str, Any]], by: str, now: datetime) -> str:
    """Revoke the selected verdicts still in force; the sentence saying which."""
    if not by:
        return "Give your name to revoke a verdict."
    ids_ = [int(r["id"]) for r in selected if r.get("id") is not None]
    if not ids_:
        return "Select the verdicts to revoke in the list first."
    done = [i for i in ids_ if store.revoke_feedback(i, by=by, at=now)]
    if not done:
        return "Those verdicts were already revoked."
    return f"Revoked {', '.join(str(i) for i in done)} by {by}: from today on they no longer hold."


def _options(words: Sequence[str]) -> list[dict[str, str]]:
    """Dropdown options that read as words ('Wrong place') and keep the stored value ('wrong_place')."""
    return [{"label": label(w), "value": w} for w in words]


def _verdicts(ctx: Context) -> pd.DataFrame:
    """The verdicts as listed, each with its verdict as read."""
    frame = data.verdicts(ctx.store, ctx.now())
    return frame.assign(verdict_label=frame["verdict"].map(label))


def _columns() -> list[dict[str, Any]]:
    return [
        {"field": "id", "headerName": "#", "maxWidth": 80, "checkboxSelection": True},
        {"field": "created_at", "headerName": "Given (UTC)", "minWidth": 150, "sort": "desc"},
        {"field": "target", "headerName": "On", "maxWidth": 110},
        {"field": "target_id", "headerName": "Id", "maxWidth": 100},
        {"field": "target_ref", "headerName": "Report", "minWidth": 150, "tooltipField": "target_ref"},
        {"field": "title", "headerName": "Notice", "tooltipField": "title"},
        {"field": "location", "headerName": "Place"},
        {"field": "verdict_label", "headerName": "Verdict", "minWidth": 130, "maxWidth": 160},
        {"field": "site_id", "headerName": "Site", "maxWidth": 120},
        {"field": "created_by", "headerName": "By", "maxWidth": 120},
        {"field": "note", "headerName": "Note", "tooltipField": "note"},
        {"field": "in_force", "headerName": "In force", "maxWidth": 110},
        {"field": "revoked_at", "headerName": "Revoked (UTC)", "minWidth": 150},
        {"field": "revoked_by", "headerName": "Revoked by", "maxWidth": 130},
    ]


def layout(**query: Any) -> html.Div:
    """The form (filled in from a 'mark' link's query: target, id, site) and the verdicts, read fresh on
    each load."""
    target, target_id, site = query.get("target"), query.get("id"), query.get("site")
    ctx = context()
    user = _user()
    header = page_header(
        "Feedback",
        "Mark what is wrong: it stays out of the scores from today until you revoke it (earlier days keep "
        "what was known then). Use the 'mark' links on the events and site pages, or give the id here.",
    )
    chosen = target if target in FEEDBACK_TARGETS else "event"
    form = html.Div(
        [
            html.Label(
                [
                    "On",
                    dcc.Dropdown(_options(FEEDBACK_TARGETS), chosen, id=ids.FEEDBACK_TARGET, clearable=False),
                ]
            ),
            html.Label(["Id", dcc.Input(id=ids.FEEDBACK_TARGET_ID, value=target_id or "", type="text")]),
            html.Label(
                [
                    "Verdict",
                    dcc.Dropdown(_options(FEEDBACK_VERDICTS), None, id=ids.FEEDBACK_VERDICT, clearable=False),
                ]
            ),
            html.Label(["Site (wrong site)", dcc.Input(id=ids.FEEDBACK_SITE, value=site or "", type="text")]),
            html.Label(
                ["Your name", dcc.Input(id=ids.FEEDBACK_WHO, value=user, type="text", disabled=bool(user))]
            ),
            html.Label(["Note", dcc.Input(id=ids.FEEDBACK_NOTE, value="", type="text")]),
            html.Button("Mark", id=ids.FEEDBACK_MARK, className="button", n_clicks=0),
        ],
        className="feedback-form",
    )
    verdicts = _verdicts(ctx)
    return html.Div(
        [
            header,
            form,
            html.P(id=ids.FEEDBACK_MESSAGE, className="note"),
            html.H3("Verdicts"),
            html.Button("Revoke selected", id=ids.FEEDBACK_REVOKE, className="button", n_clicks=0),
            grid(
                ids.FEEDBACK_GRID,
                verdicts,
                _columns(),
                ctx.settings.dashboard.page_size,
                grid_options={"rowSelection": "multiple"},
            ),
        ]
    )
