"""A score's explanation: its compact stored form reads back as the dict scoring describes."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson

from monitor import explanation

PARAMS = {"p0": 3.0, "window_days": 60}
NOTICE = {"notice_id": 7, "kind": "halt", "confidence": 0.9, "known_at": "2025-03-13T09:00:00", "title": "",
          "url": "", "source": "alpha"}  # fmt: skip


def _encode(
    cells: list[int],
    events: list[tuple[Any, ...]],
    event_cell: list[int],
    *,
    registry: list[str] | None = None,
    notices: dict[int, tuple[Any, Any, Any]] | None = None,
) -> list[str]:
    n = len(cells)
    columns = [list(c) for c in zip(*events, strict=True)] or [[] for _ in explanation.EVENT_FIELDS]
    return explanation.encode(
        np.array(cells),
        np.array(event_cell, dtype=np.int64),
        columns,
        [[0.5 + i for i in range(n)], [0.25] * n, [0.0] * n, [False] * n],
        registry or ["operating"] * n,
        notices or {},
    )


def test_each_cell_reads_back_with_its_own_events_in_order_and_the_days_parameters() -> None:
    first = (11, 11, 1, "acled", "site", 12.5, 1.25, 0.75)
    second = (12, 40, 3, "acled+gdelt", "route", 80.0, 0.4167, 0.25)
    third = (13, 13, 1, "gdelt", "site", 99.9, 0.0001, 1.0)
    stored = _encode([2, 5, 9], [first, second, third], [2, 2, 9])
    decoded = [explanation.decode(s, PARAMS) for s in stored]
    assert [[e["event_id"] for e in d["events"]] for d in decoded] == [[11, 12], [], [13]]
    assert decoded[0]["events"][1] == dict(zip(explanation.EVENT_FIELDS, second, strict=True))
    assert [d["sum_site"] for d in decoded] == [0.5, 1.5, 2.5]
    assert decoded[1] == {**explanation.quiet(PARAMS), "sum_site": 1.5, "sum_route": 0.25}
    assert all(d["params"] == PARAMS for d in decoded)


def test_statuses_and_notices_are_kept_and_quiet_tails_are_left_out() -> None:
    points = [{"notice_id": 8, "kind": "evacuation", "points": 12.5}]
    plain, unconfirmed, registry = _encode(
        [0, 1, 2],
        [],
        [],
        registry=["operating", "operating", "care_and_maintenance"],
        notices={1: (NOTICE, "2025-04-12", points)},
    )
    assert len(orjson.loads(plain)) == 5 and len(orjson.loads(registry)) == 6
    full = explanation.decode(unconfirmed, PARAMS)
    assert (full["status_notice"], full["halt_unconfirmed_since"], full["notice_points"]) == (
        NOTICE, "2025-04-12", points
    )  # fmt: skip
    assert explanation.decode(registry, PARAMS)["registry_status"] == "care_and_maintenance"
    assert len(plain) < 30  # the point of the compact form


def test_a_stored_dict_passes_through_and_anything_else_explains_nothing() -> None:
    whole = {"events": [{"event_id": 1, "via": "route"}], "registry_status": "halted"}
    assert explanation.decode(whole, PARAMS) == whole
    assert explanation.decode(orjson.dumps(whole).decode(), PARAMS) == whole
    assert explanation.decode(None, PARAMS) == {}
    assert explanation.decode(explanation.QUIET_STORED, PARAMS) == explanation.quiet(PARAMS)


def test_the_quiet_explanation_is_a_fresh_dict_each_time() -> None:
    one = explanation.quiet(PARAMS)
    one["events"].append({"event_id": 1})
    assert explanation.quiet(PARAMS)["events"] == []
