"""A score's explanation: what it tells of a (site, day), and the compact form scoring builds it in.

A reader gets the explanation (``explain``) as a dict: ``events`` (the top contributing incidents, each a
dict of ``EVENT_FIELDS``), then the other ``FIELDS`` (the sums, the registry status, the status notice in
force, when a halt became unconfirmed, the notice points) and the scoring ``params``.

Scoring builds it in a compact form, a positional JSON array: ``FIELDS`` in order, each event an array of
``EVENT_FIELDS``, the trailing fields left out while they hold their quiet value, and no parameters (one
scoring run has one set of them). ``encode`` writes it from columns, without a dict per cell; ``decode``
gives the dict back. Until revision 0012 every loud score row kept that form, and revision 0014 dropped the
quiet one each scored day kept: the store keeps none now, and an explanation is computed when a reader asks
(``Pipeline.explanation_of``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import orjson

__all__ = ["EVENT_FIELDS", "FIELDS", "QUIET_STORED", "decode", "encode", "quiet"]

#: An explained incident's fields: its strongest report's event, the incident, how many reports and which
#: sources ("acled+gdelt") it had that day, the via, the distance, its contribution and its share of the sum.
EVENT_FIELDS: tuple[str, ...] = (
    "event_id", "incident_id", "reports", "sources", "via", "distance_km", "contribution", "share",
)  # fmt: skip
#: The explanation's fields besides ``params``, in their stored order, with their value on a quiet score.
FIELDS: dict[str, Any] = {
    "events": [],
    "sum_site": 0.0,
    "sum_route": 0.0,
    "sum_uncorroborated": 0.0,
    "uncorroborated_capped": False,
    "registry_status": "operating",
    "status_notice": None,
    "halt_unconfirmed_since": None,
    "notice_points": [],
}
_NAMES = tuple(FIELDS)
#: Compact lengths: sums and cap always, the registry status unless operating, the rest when one is set.
_SUMS, _WITH_STATUS, _FULL = 5, 6, len(FIELDS)
_NUMPY = orjson.OPT_SERIALIZE_NUMPY  # a notice's id may come as a numpy integer
#: The compact form of a quiet explanation.
QUIET_STORED = orjson.dumps([FIELDS[name] for name in _NAMES[:_SUMS]]).decode()


def quiet(params: Mapping[str, Any]) -> dict[str, Any]:
    """The explanation of a quiet score (nothing exposed or noticed, operating) under ``params``."""
    fresh = {name: list(value) if isinstance(value, list) else value for name, value in FIELDS.items()}
    return {**fresh, "params": dict(params)}


def encode(
    cells: np.ndarray,
    event_cell: np.ndarray,
    events: Sequence[list[Any]],
    sums: Sequence[list[Any]],
    registry_status: list[str],
    notices: Mapping[int, tuple[Any, Any, Any]],
) -> list[str]:
    """The compact form of the explanation of each of ``cells`` (ascending).

    ``event_cell`` (ascending) gives the cell of each explained incident and ``events`` their
    ``EVENT_FIELDS`` as columns of plain values; ``sums`` the sum_site, sum_route, sum_uncorroborated and
    uncorroborated_capped columns and ``registry_status`` its own, one value per cell; ``notices`` the
    status_notice, halt_unconfirmed_since and notice_points of the cells (by cell) that have any."""
    rows = list(zip(*events, strict=True))
    start = np.searchsorted(event_cell, cells, side="left").tolist()
    end = np.searchsorted(event_cell, cells, side="right").tolist()
    status = np.asarray(registry_status, dtype=object) == FIELDS["registry_status"]
    length = np.where(status, _SUMS, _WITH_STATUS)
    length[np.isin(cells, np.fromiter(notices, dtype=np.int64, count=len(notices)))] = _FULL
    quiet_tail: tuple[Any, Any, Any] = (None, None, [])
    return [
        orjson.dumps(
            [rows[a:b], ss, sr, su, cap, reg, *notices.get(cell, quiet_tail)][:n], option=_NUMPY
        ).decode()
        for cell, a, b, ss, sr, su, cap, reg, n in zip(
            cells.tolist(), start, end, *sums, registry_status, length.tolist(), strict=True
        )
    ]


def decode(stored: Any, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The explanation a compact value holds (JSON text or its decoded value), with ``params`` (those it was
    scored under); a dict as it is; {} for anything else."""
    value = orjson.loads(stored) if isinstance(stored, (str, bytes)) else stored
    if isinstance(value, dict):
        return value
    if not isinstance(value, list) or not value:
        return {}
    explain = quiet(params or {})
    explain.update(zip(_NAMES, value, strict=False))
    explain["events"] = [dict(zip(EVENT_FIELDS, e, strict=True)) for e in explain["events"]]
    return explain
