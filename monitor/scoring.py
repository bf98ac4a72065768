"""Site risk per day from exposures and notices: explainable components, point-in-time by construction.

A day D sees an exposure only when its event happened by D and it was public by the end of D
(``known_at < D + 1 day``), and a notice only when it was public by the end of D. Days are handled as
integer day numbers; the only Python loop runs over days, each one a handful of numpy passes.

Events count as incidents: the exposure rows of one incident (``incident_id``, from ``monitor.fusion``)
add the contribution of their strongest report known that day, once; ``events_30d`` counts incidents and
``fatalities_30d`` takes each incident's largest reported toll. A GDELT report weighs by its own NumSources
and NumArticles, and nothing with fewer than ``gdelt_min_sources`` sources; incidents reported by GDELT alone
(no ACLED or UCDP row known that day) can raise a site to ``uncorroborated_max_level`` at most: their sum is
capped where the risk would reach the next level, and adds nothing above what the other incidents give.

Choices the design leaves open: an (event, site) seen both near the site and near the route counts once,
with its larger contribution; min_notice_confidence applies to every notice (a shaky resumption does not
lift a halt, a shaky evacuation adds nothing); notice points fade like events and stop after window_days;
a stopped site (registry or notice) is at 100 with the ``notice`` component taking what conflict and
route leave, so components always add up to the risk; a registry stop is not lifted by notices. A halt
set by notices that no later halting notice reconfirms for ``halt_confirm_days`` becomes
``halt_unconfirmed`` (from the last confirming notice's day + that many days) at ``halt_unconfirmed_risk``
at least, the notice component again taking the difference (docs/notices.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from monitor import explanation
from monitor.config import ScoringSettings
from monitor.domain import (
    EVENT_SOURCES,
    HALT_UNCONFIRMED,
    HALTING_KINDS,
    MACHINE_CODED_SOURCES,
    RESUMING_KIND,
    STOPPED_STATUSES,
    VIAS,
    weighed_kind,
)
from monitor.supply import tonnes_at_risk

__all__ = [
    "QUIET",
    "SCORE_COLUMNS",
    "STATS_WINDOW_DAYS",
    "WEIGHT",
    "event_weights",
    "explained",
    "explained_params",
    "quiet_explain",
    "quiet_level",
    "score_days",
]

#: Columns of the frame ``score_days`` returns (the ``Score`` table without ``computed_at``, and ``explain``,
#: which the store does not keep); ``explain`` is in its compact form
#: (``monitor.explanation.decode(value, explained_params(params))`` gives the dict).
SCORE_COLUMNS: tuple[str, ...] = (
    "site_id", "date", "risk", "level", "status", "conflict", "route", "notice", "events_30d",
    "fatalities_30d", "nearest_event_km", "top_event_id", "supply_at_risk_t", "explain",
)  # fmt: skip
#: Column ``score_days`` adds: True where the score is quiet (nothing exposed or noticed to tell of,
#: operating, risk 0, explained by ``quiet_explain``): unless a front line says more, the store keeps no row.
QUIET = "quiet"
SITE_COLUMNS = ("id",)
#: Optional exposure column: each row's ``event_weights`` under the parameters scoring is given, worked out
#: by the caller already (the pipeline's window held between ticks works it out once per row read).
WEIGHT = "weight"
#: Required exposure columns (but not ``WEIGHT_ONLY_COLUMNS`` in rows that carry their ``WEIGHT``);
#: optional: site_km, incident_id (else each event is its own incident), num_sources and num_articles (else
#: 1), and ``WEIGHT``.
EXPOSURE_COLUMNS = (
    "event_id", "site_id", "via", "distance_km", "source", "type", "sub_type", "fatalities",
    "geo_precision", "event_date", "known_at",
)  # fmt: skip
#: The exposure columns only ``event_weights`` reads: a frame that carries each row's ``WEIGHT`` needs none
#: of them (the pipeline drops them, and the event's place, once it has weighed its rows: 46% of a row's
#: memory).
WEIGHT_ONLY_COLUMNS = ("type", "sub_type", "geo_precision", "num_sources", "num_articles")
#: Required notice columns; optional: matched_on (how the notice was tied to the site: a halt tied only by
#: a place counts as a partial halt, ``monitor.domain.weighed_kind``).
NOTICE_COLUMNS = ("notice_id", "site_id", "kind", "confidence", "known_at")
#: Width of the events_30d / fatalities_30d / nearest_event_km window: event_date in (D-30, D].
STATS_WINDOW_DAYS = 30
_AT_SITE_TYPES = ("protests", "riots")
_QUIET_STORED = explanation.QUIET_STORED
#: Loud cells whose explanations are built at a time (memory: their columns are Python lists while built).
EXPLAIN_CELLS = 25_000
#: Exposure rows ``score_days`` weighs and ranks at once: more are scored in parts of whole sites (a site's
#: score reads its own rows only), each part with its own rows, so memory follows this bound and not the
#: input's size. Scoring 10 days on a 4M-event store (4.9M rows at once) peaked at 2,344 MB whole, 1,903 MB
#: in parts of 2M rows and 1,832 MB in parts of 1M; a month on 1M events at 1,459-1,474 MB in parts of 1M,
#: 1,502-1,514 MB whole, in the same time.
ROWS_AT_ONCE = 1_000_000
_EPOCH = np.datetime64("1970-01-01", "D")
_LN2 = float(np.log(2.0))


def _require(frame: pd.DataFrame | None, name: str, required: Sequence[str]) -> pd.DataFrame:
    """The frame, or an empty one with ``required`` columns; a non-empty frame missing columns is a bug."""
    if frame is None or frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in required})
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing columns {', '.join(missing)}")
    return frame.reset_index(drop=True)


def _column(frame: pd.DataFrame, name: str, default: Any) -> pd.Series:
    """An optional column, or ``default`` on every row."""
    return frame[name] if name in frame.columns else pd.Series(default, index=frame.index, dtype=object)


def _day_numbers(values: Iterable[Any]) -> np.ndarray:
    """Dates or naive datetimes as int64 days since 1970-01-01 (a datetime counts on its own day)."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    stamps = pd.to_datetime(series).to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    return (stamps - _EPOCH).astype(np.int64)


def _coded(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A string column as (codes, values): each row's position in ``values``, its distinct values
    lower-cased and stripped, missing as ''. Whatever is derived from the text is derived per value and taken
    by code: a factorisation of the column's own strings, not of 300,000 Python objects (issue 9's tick);
    a categorical column's own codes (``coded_columns``)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = [*map(str, column.cat.categories), ""]
        codes = column.cat.codes.to_numpy(np.int64)
        codes = np.where(codes >= 0, codes, len(categories) - 1)
        return codes, np.array([c.strip().lower() for c in categories], dtype=object)
    codes, uniques = pd.factorize(column.fillna("").astype(str))
    return codes, np.array([u.strip().lower() for u in uniques], dtype=object)


def _text(column: pd.Series) -> np.ndarray:
    """A string column lower-cased and stripped, missing as '' (``_coded``'s values on each row)."""
    codes, values = _coded(column)
    return values[codes] if codes.size else np.empty(0, dtype=object)


def _is_in(column: pd.Series, allowed: Collection[str]) -> np.ndarray:
    """Whether each row's lower-cased, stripped text is one of ``allowed``."""
    codes, values = _coded(column)
    return np.isin(values, list(allowed))[codes] if codes.size else np.empty(0, dtype=bool)


def _lookup(keys: pd.Series, weights: Mapping[Any, float]) -> np.ndarray:
    """Weights by lower-cased key; NaN where the key is not configured."""
    table = {str(k).strip().lower(): float(v) for k, v in weights.items()}
    codes, values = _coded(keys)
    by_value = np.array([table.get(v, np.nan) for v in values], dtype=float)
    return by_value[codes] if codes.size else np.empty(0)


def _lexsort(keys: Sequence[np.ndarray]) -> np.ndarray:
    """``np.lexsort(keys)`` (the last key sorts first; ties keep row order), one stable sort per key: an
    integer key that fits in 16 bits (site codes) is radix-sorted, and the later keys sort what is already in
    order. ``np.lexsort`` took 65 ms for 285,000 rows and three keys, this 10-45 ms."""
    order = np.arange(len(keys[0]) if keys else 0)
    for key in keys:
        part = key[order]
        if part.dtype.kind in "iu" and part.size and part.min() >= -(2**15) and part.max() < 2**15:
            part = part.astype(np.int16)
        order = order[np.argsort(part, kind="stable")]
    return order


def _first_largest(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per group of ``values`` (groups begin at ``starts``): the position of its largest value, the first of
    equals."""
    if not starts.size:
        return starts
    sizes = np.diff(np.append(starts, values.size))
    at_max = values == np.repeat(np.maximum.reduceat(values, starts), sizes)
    return np.minimum.reduceat(np.where(at_max, np.arange(values.size), values.size), starts)


def _site_codes(site_ids: pd.Series, sites: pd.Index) -> np.ndarray:
    """Position of each row's site in ``sites`` (-1 for a site we do not score)."""
    if isinstance(site_ids.dtype, pd.CategoricalDtype):
        positions = sites.get_indexer(pd.Index(site_ids.cat.categories.astype(str), dtype=object))
        # A missing site's code (-1) takes the last entry: not scored.
        return np.append(positions, -1).astype(np.int64)[site_ids.cat.codes.to_numpy(np.int64)]
    codes, uniques = pd.factorize(site_ids.astype(str))
    positions = sites.get_indexer(pd.Index(uniques, dtype=object)).astype(np.int64)
    return positions[codes] if codes.size else np.empty(0, dtype=np.int64)


def coded_columns(exposures: pd.DataFrame, site_ids: Iterable[str]) -> pd.DataFrame:
    """``exposures`` with ``site_id``, ``via`` and ``source`` as categoricals of fixed categories (the
    registry's ``site_ids``, ``VIAS``, ``EVENT_SOURCES``), in place: a third of a weighed row's bytes as text,
    and two reads' rows concatenated keep them so (their categories are the same). A column holding a value
    outside its categories stays as it is."""
    fixed = {"site_id": sorted(set(site_ids)), "via": list(VIAS), "source": list(EVENT_SOURCES)}
    for name, categories in fixed.items():
        if name not in exposures.columns or isinstance(exposures[name].dtype, pd.CategoricalDtype):
            continue
        codes, uniques = pd.factorize(exposures[name])
        at = pd.Index(categories, dtype=object).get_indexer(pd.Index(uniques, dtype=object))
        if (at >= 0).all():
            # A missing value's code (-1) takes the last entry: missing again.
            codes = np.append(at, -1)[codes]
            exposures[name] = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))
    return exposures


def _number(column: pd.Series) -> np.ndarray:
    """A count column as non-negative floats, missing as 0."""
    return pd.to_numeric(column, errors="coerce").fillna(0).clip(lower=0).to_numpy(float)


def report_support(exposures: pd.DataFrame, params: ScoringSettings) -> np.ndarray:
    """How much each row's own reporting supports it: 1 for curated sources; for a machine-coded source
    (GDELT) min(1, sources / full) x min(1, articles / full), and 0 below ``gdelt_min_sources`` sources."""
    machine = _is_in(exposures["source"], MACHINE_CODED_SOURCES)
    sources = _number(_column(exposures, "num_sources", 1)).clip(min=1)
    articles = _number(_column(exposures, "num_articles", 1)).clip(min=1)
    support = np.minimum(1.0, sources / params.gdelt_full_sources) * np.minimum(
        1.0, articles / params.gdelt_full_articles
    )
    support = np.where(sources < params.gdelt_min_sources, 0.0, support)
    return np.where(machine, support, 1.0)


def event_weights(exposures: pd.DataFrame, params: ScoringSettings) -> np.ndarray:
    """Each exposure row's contribution at age 0: w_type * (1 + ln(1 + fatalities)) * K(d) * g * q * s."""
    is_site = (exposures["via"] == "site").to_numpy(bool)
    distance = pd.to_numeric(exposures["distance_km"], errors="coerce").fillna(np.inf).to_numpy(float)
    by_type = np.nan_to_num(_lookup(exposures["type"], params.type_weights), nan=0.0)
    by_sub = _lookup(exposures["sub_type"], params.sub_type_weights)
    w = np.where(np.isnan(by_sub), by_type, by_sub)
    # A protest or riot at the mine itself is a blockade: it stops trucks whatever its sub-type says.
    protest = _is_in(exposures["type"], _AT_SITE_TYPES)
    w = np.where(is_site & protest & (distance <= params.at_site_km), params.at_site_weight, w)
    lam = np.where(is_site, params.lambda_site_km, params.lambda_route_km)
    kernel = np.exp(-distance / lam) * np.where(is_site, 1.0, params.route_weight)
    # A road cut near the mine isolates it; far down the road the operator has time and alternatives.
    mine_km = (
        pd.to_numeric(_column(exposures, "site_km", np.nan), errors="coerce").fillna(0.0).to_numpy(float)
    )
    kernel = kernel * np.where(is_site, 1.0, np.exp(-mine_km / params.route_reach_km))
    # An unconfigured precision or source gets the least trusted configured weight, never more.
    precision = pd.to_numeric(exposures["geo_precision"], errors="coerce")
    g = precision.map({int(k): float(v) for k, v in params.geo_precision_weights.items()})
    g = g.fillna(min(params.geo_precision_weights.values(), default=1.0)).to_numpy(float)
    q = _lookup(exposures["source"], params.source_weights)
    q = np.where(np.isnan(q), min(params.source_weights.values(), default=1.0), q)
    fatalities = 1.0 + np.log1p(_number(exposures["fatalities"]))
    return w * fatalities * kernel * g * q * report_support(exposures, params)


@dataclass(frozen=True)
class _Exposed:
    """One row per (event, site): its stronger via, sorted by site then by contribution (largest first);
    ``incident`` numbers each row's incident (0, 1, ...), ``curated`` marks rows not machine-coded, and
    ``source_bit`` is each row's source as one bit of ``sources`` (so sets of sources are bitwise ors)."""

    site: np.ndarray
    event_id: np.ndarray
    incident: np.ndarray
    incident_id: np.ndarray
    curated: np.ndarray
    source_bit: np.ndarray
    sources: list[str]
    is_site: np.ndarray
    distance: np.ndarray
    nearest: np.ndarray
    base: np.ndarray
    fatalities: np.ndarray
    event_day: np.ndarray
    start_day: np.ndarray


def _prepare_exposures(exposures: pd.DataFrame, sites: pd.Index, params: ScoringSettings) -> _Exposed:
    """Weigh exposure rows, keep the stronger via of each (event, site) and order them for ranking."""
    bad_via = {str(v) for v in exposures["via"].dropna().unique()} - {"site", "route"}
    if bad_via:
        raise ValueError(f"exposures: unknown via {sorted(bad_via)} (expected site or route)")
    site_all = _site_codes(exposures["site_id"], sites)
    # A row for a site we do not score, or that cannot be placed in time, counts on no day.
    usable = (
        (site_all >= 0)
        & pd.to_datetime(exposures["event_date"]).notna().to_numpy()
        & pd.to_datetime(exposures["known_at"]).notna().to_numpy()
        & exposures["via"].notna().to_numpy()
    )
    # Columns are taken as arrays of the usable rows (``rows``: their positions), never the frame: a copy of
    # a tick's 340,000 rows took 0.05 s. Weights are worked out for every row, the cheaper of the two.
    rows = np.flatnonzero(usable)
    site = site_all[rows].astype(np.int64)
    weighed = exposures[WEIGHT].to_numpy(float) if WEIGHT in exposures.columns else None
    base = (event_weights(exposures, params) if weighed is None else weighed)[rows]
    event_id = exposures["event_id"].to_numpy(np.int64)[rows]
    distance = pd.to_numeric(exposures["distance_km"], errors="coerce").fillna(np.inf).to_numpy(float)[rows]
    # Each (site, event)'s rows (both vias) together, in row order; the strongest is kept (the first of
    # equals) and the group also gives the nearest distance over both vias.
    order = _lexsort((event_id, site))
    first = np.ones(order.size, dtype=bool)
    first[1:] = (site[order][1:] != site[order][:-1]) | (event_id[order][1:] != event_id[order][:-1])
    starts = np.flatnonzero(first)
    # nearest_event_km is measured to the mine itself, also for events matched through the route.
    to_mine = pd.to_numeric(_column(exposures, "site_km", np.nan), errors="coerce").to_numpy(float)[rows]
    to_mine = np.where(np.isnan(to_mine), distance, to_mine)
    nearest = np.minimum.reduceat(to_mine[order], starts) if starts.size else np.empty(0)
    keep = order[_first_largest(base[order], starts)]
    event_day = _day_numbers(exposures["event_date"].iloc[rows[keep]])
    known_day = _day_numbers(exposures["known_at"].iloc[rows[keep]])
    # Within a site, contributions rank the same on every day: ln c = ln b + ln2 * (event_day - D) / h.
    with np.errstate(divide="ignore"):
        strength = np.log(base[keep]) + _LN2 * event_day / params.half_life_days
    # ``keep`` is in (site, event) order, so stable sorts by strength, then site, leave ties by event id.
    ranked = _lexsort((-strength, site[keep]))
    pick = keep[ranked]
    picked = rows[pick]  # the kept rows' positions in ``exposures``
    # An event without an incident is an incident of its own.
    incident_ids = pd.to_numeric(_column(exposures, "incident_id", None), errors="coerce").to_numpy(float)
    incident_ids = np.where(np.isnan(incident_ids), exposures["event_id"].to_numpy(np.int64), incident_ids)
    incident_ids = incident_ids.astype(np.int64)
    incident, _ = pd.factorize(incident_ids[picked])
    # Sorted: an incident's sources read "acled+gdelt" whatever rows came in (not in the order first seen).
    codes, values = _coded(exposures["source"])
    sources, source_of_value = np.unique(values.astype(str), return_inverse=True)
    return _Exposed(
        site=site[pick],
        event_id=event_id[pick],
        incident=incident.astype(np.int64),
        incident_id=incident_ids[picked],
        curated=~np.isin(values, list(MACHINE_CODED_SOURCES))[codes[picked]],
        source_bit=np.left_shift(1, source_of_value.reshape(-1)[codes[picked]].astype(np.int64)),
        sources=[str(x) for x in sources],
        is_site=(exposures["via"] == "site").to_numpy(bool)[picked],
        distance=distance[pick],
        nearest=nearest[ranked],
        base=base[pick],
        fatalities=_number(exposures["fatalities"])[picked],
        event_day=event_day[ranked],
        start_day=np.maximum(event_day, known_day)[ranked],
    )


@dataclass(frozen=True)
class _Conflict:
    """Per (day, site) sums and 30-day statistics, flattened day-major, plus each cell's top incidents (by
    their strongest report) with how many reports and which sources each had that day."""

    s_site: np.ndarray
    s_route: np.ndarray
    raw_total: np.ndarray
    uncorroborated: np.ndarray
    capped: np.ndarray
    top: np.ndarray
    events: np.ndarray
    fatalities: np.ndarray
    nearest: np.ndarray
    top_cell: np.ndarray
    top_row: np.ndarray
    top_value: np.ndarray
    top_reports: np.ndarray
    top_sources: np.ndarray


#: The four sums of a day: (name, near the mine rather than the route, corroborated).
_PARTS: tuple[tuple[str, bool, bool], ...] = (
    ("site_c", True, True), ("route_c", False, True), ("site_u", True, False), ("route_u", False, False),
)  # fmt: skip


def _part_positions() -> np.ndarray:
    """Each part's position in ``_PARTS``, by [near the mine, corroborated]."""
    at = np.zeros((2, 2), dtype=np.intp)
    for k, (_, via, trusted) in enumerate(_PARTS):
        at[int(via), int(trusted)] = k
    return at


_PART_AT = _part_positions()


def _group_starts(site: np.ndarray, incident: np.ndarray) -> np.ndarray:
    """Where a new (site, incident) group starts in rows sorted by site then incident."""
    first = np.ones(site.size, dtype=bool)
    first[1:] = (site[1:] != site[:-1]) | (incident[1:] != incident[:-1])
    return first


def _uncorroborated_cap(params: ScoringSettings) -> float:
    """The sum of contributions at which the risk reaches just below the level after
    ``uncorroborated_max_level`` (infinite when there is none)."""
    floor = params.levels.get(params.uncorroborated_max_level, 0.0)
    above = sorted(b for b in params.levels.values() if b > floor)
    if not above:
        return float("inf")
    ceiling = max(above[0] - 0.1, 0.0)  # risks are rounded to 0.1
    return float(-params.p0 * np.log1p(-ceiling / 100.0))


def _conflict(ex: _Exposed, day_numbers: np.ndarray, n_sites: int, params: ScoringSettings) -> _Conflict:
    """Sum the live incidents of every site on every day, keeping the top few incidents of each."""
    n_days = day_numbers.size
    sums = {k: np.zeros((n_days, n_sites)) for k in ("site_c", "route_c", "site_u", "route_u")}
    top = np.full((n_days, n_sites), -1, dtype=np.int64)
    events = np.zeros((n_days, n_sites), dtype=np.int64)
    fatalities = np.zeros((n_days, n_sites))
    nearest = np.full((n_days, n_sites), np.inf)
    last_day = ex.event_day + params.window_days
    # Rows by (site, incident), strongest first within each: an incident's first live row is its lead. The
    # columns the loop reads are laid out in that order once.
    by_incident = _lexsort((ex.incident, ex.site))
    start_b, last_b = ex.start_day[by_incident], last_day[by_incident]
    event_b, site_b, incident_b = ex.event_day[by_incident], ex.site[by_incident], ex.incident[by_incident]
    curated_b, bits_b, fatal_b = (
        ex.curated[by_incident],
        ex.source_bit[by_incident],
        ex.fatalities[by_incident],
    )
    nearest_b = ex.nearest[by_incident]
    lead_of = np.zeros(ex.site.size, dtype=bool)
    group_of = np.empty(ex.site.size, dtype=np.int64)  # row -> its incident group that day (leads only)
    cells: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    values: list[np.ndarray] = []
    reports: list[np.ndarray] = []
    sources: list[np.ndarray] = []
    for j, day in enumerate(day_numbers.tolist()):
        known = start_b <= day
        live = np.flatnonzero(known & (last_b >= day))
        if live.size:
            first = _group_starts(site_b[live], incident_b[live])
            starts_b = np.flatnonzero(first)
            leads = by_incident[live[starts_b]]
            group_of[leads] = np.arange(leads.size)
            # The leads back in (site, contribution desc) order: the ranking is the same on every day.
            lead_of[leads] = True
            rep = np.flatnonzero(lead_of)
            lead_of[leads] = False
            c = ex.base[rep] * np.exp2((ex.event_day[rep] - day) / params.half_life_days)
            site = ex.site[rep]
            corroborated = np.maximum.reduceat(curated_b[live], starts_b)[group_of[rep]]
            # The four sums in one pass: each row adds to its own part's bins only.
            part = _PART_AT[ex.is_site[rep].astype(np.intp), corroborated.astype(np.intp)]
            summed = np.bincount(part * n_sites + site, weights=c, minlength=len(_PARTS) * n_sites)
            for k, (name, _, _) in enumerate(_PARTS):
                sums[name][j] = summed[k * n_sites : (k + 1) * n_sites]
            new_site = np.ones(rep.size, dtype=bool)
            new_site[1:] = site[1:] != site[:-1]
            starts = np.flatnonzero(new_site)
            rank = np.arange(rep.size) - np.repeat(starts, np.diff(np.append(starts, rep.size)))
            chosen = (rank < params.explain_top_events) & (c > 0)
            cells.append(j * n_sites + site[chosen])
            rows.append(rep[chosen])
            values.append(c[chosen])
            # Reports and sources of the chosen incidents as known that day.
            group = group_of[rep[chosen]]
            reports.append(np.diff(np.append(starts_b, live.size))[group])
            sources.append(np.bitwise_or.reduceat(bits_b[live], starts_b)[group])
            lead = starts[c[starts] > 0]
            top[j, site[lead]] = rep[lead]
        recent = np.flatnonzero(known & (event_b > day - STATS_WINDOW_DAYS))
        if recent.size:
            first = _group_starts(site_b[recent], incident_b[recent])
            site_of = site_b[recent][first]
            events[j] = np.bincount(site_of, minlength=n_sites)
            worst = np.maximum.reduceat(fatal_b[recent], np.flatnonzero(first))  # an incident's largest toll
            fatalities[j] = np.bincount(site_of, weights=worst, minlength=n_sites)
            np.minimum.at(nearest[j], site_b[recent], nearest_b[recent])
    # Incidents known only from GDELT add at most up to the cap, and nothing above the other incidents' sum.
    corroborated_sum = sums["site_c"] + sums["route_c"]
    uncorroborated = sums["site_u"] + sums["route_u"]
    total = corroborated_sum + uncorroborated
    allowed = np.minimum(total, np.maximum(corroborated_sum, _uncorroborated_cap(params)))
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(total > 0, allowed / total, 1.0)
    empty_i = np.empty(0, dtype=np.int64)
    return _Conflict(
        s_site=((sums["site_c"] + sums["site_u"]) * scale).ravel(),
        s_route=((sums["route_c"] + sums["route_u"]) * scale).ravel(),
        raw_total=total.ravel(),
        uncorroborated=uncorroborated.ravel(),
        capped=(allowed < total).ravel(),
        top=top.ravel(),
        events=events.ravel(),
        fatalities=fatalities.ravel(),
        nearest=np.where(np.isinf(nearest), np.nan, nearest).ravel(),
        top_cell=np.concatenate(cells) if cells else empty_i,
        top_row=np.concatenate(rows) if rows else empty_i,
        top_value=np.concatenate(values) if values else np.empty(0),
        top_reports=np.concatenate(reports) if reports else empty_i,
        top_sources=np.concatenate(sources) if sources else empty_i,
    )


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value JSON understands."""
    return value.item() if isinstance(value, np.generic) else value


def _notice_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """A notice as the explain column shows it (JSON-ready)."""
    known = row.get("known_at")
    return {
        "notice_id": _plain(row["notice_id"]),
        "kind": row["kind"],
        "confidence": float(row["confidence"]),
        "known_at": pd.Timestamp(known).isoformat() if pd.notna(known) else None,
        "title": str(row.get("title", "") or ""),
        "url": str(row.get("url", "") or ""),
        "source": str(row.get("source", "") or ""),
    }


@dataclass(frozen=True)
class _Notices:
    """Per (day, site), flattened day-major: halted by notice and notice points; by cell, where there is
    one, the status notice in force, since when a halt is unconfirmed and the notices that gave points."""

    halted: np.ndarray
    unconfirmed_since: dict[int, str]
    status_notice: dict[int, dict[str, Any]]
    points: np.ndarray
    point_notices: dict[int, list[dict[str, Any]]]


def _notices(
    notices: pd.DataFrame, sites: pd.Index, day_numbers: np.ndarray, params: ScoringSettings
) -> _Notices:
    """Status from the latest confident status notice known by each day; decaying points from the others."""
    n_cells = day_numbers.size * len(sites)
    kinds = _text(notices["kind"])
    if "matched_on" in notices.columns:  # a halt tied by a place only counts as a partial halt
        kinds = np.array(
            [weighed_kind(k, m) for k, m in zip(kinds, _text(notices["matched_on"]), strict=True)]
        )
    frame = notices.assign(
        kind=pd.Series(kinds, index=notices.index, dtype=object),
        confidence=pd.to_numeric(notices["confidence"], errors="coerce").fillna(0.0),
        known_at=pd.to_datetime(notices["known_at"]),
        site=_site_codes(notices["site_id"], sites),
    )
    confident = frame["confidence"] >= params.min_notice_confidence
    frame = frame[(frame["site"] >= 0) & frame["known_at"].notna() & confident]
    frame = frame.assign(known_day=_day_numbers(frame["known_at"]))
    halted = np.zeros(n_cells, dtype=bool)
    unconfirmed_since: dict[int, str] = {}
    status_notice: dict[int, dict[str, Any]] = {}
    status = frame[frame["kind"].isin(HALTING_KINDS | {RESUMING_KIND})]
    if not status.empty:
        status = status.sort_values(["site", "known_at", "notice_id"], kind="stable")
        site = status["site"].to_numpy(np.int64)
        known_day = status["known_day"].to_numpy(np.int64)
        low = min(int(known_day.min()), int(day_numbers.min()))
        span = max(int(known_day.max()), int(day_numbers.max())) - low + 1
        # One sorted key per (site, known day): the last notice at or before (site, D) is the one in force.
        keys = site * span + (known_day - low)
        grid_site = np.tile(np.arange(len(sites)), day_numbers.size)
        grid_day = np.repeat(day_numbers, len(sites))
        pos = np.searchsorted(keys, grid_site * span + (grid_day - low), side="right") - 1
        found = (pos >= 0) & (site[np.maximum(pos, 0)] == grid_site)
        halts = status["kind"].isin(HALTING_KINDS).to_numpy(bool)
        in_force = np.maximum(pos, 0)
        # The halting notice in force is the last one to confirm the halt: none since for N days, it ages.
        ages_on = known_day[in_force] + params.halt_confirm_days
        halted = found & halts[in_force]
        aged = halted & (grid_day >= ages_on)
        halted &= ~aged
        for cell in np.flatnonzero(aged).tolist():
            unconfirmed_since[cell] = _iso_day(int(ages_on[cell]))
        records = [_notice_record(r) for r in status.to_dict("records")]
        cells = np.flatnonzero(found)
        for cell, at in zip(cells.tolist(), pos[cells].tolist(), strict=True):
            status_notice[cell] = dict(records[at])
    points: np.ndarray = np.zeros(n_cells)
    point_notices: dict[int, list[dict[str, Any]]] = {}
    pointed = frame[frame["kind"].isin([str(k).strip().lower() for k in params.notice_points])]
    if not pointed.empty:
        known_day = pointed["known_day"].to_numpy(np.int64)
        first = np.searchsorted(day_numbers, known_day, side="left")
        stop = np.searchsorted(day_numbers, known_day + params.window_days, side="right")
        count = np.maximum(stop - first, 0)
        which = np.repeat(np.arange(len(pointed)), count)
        day_idx = np.repeat(first, count) + np.arange(which.size) - np.repeat(np.cumsum(count) - count, count)
        weight = _lookup(pointed["kind"], params.notice_points)
        value = weight[which] * np.exp2((known_day[which] - day_numbers[day_idx]) / params.half_life_days)
        cell = day_idx * len(sites) + pointed["site"].to_numpy(np.int64)[which]
        points = np.bincount(cell, weights=value, minlength=n_cells)
        ids = pointed["notice_id"].tolist()
        kinds = pointed["kind"].tolist()
        for c, w, v in zip(cell.tolist(), which.tolist(), value.tolist(), strict=True):
            entry = {"notice_id": ids[w], "kind": kinds[w], "points": round(v, 2)}
            point_notices.setdefault(c, []).append(entry)
    return _Notices(
        halted=halted,
        unconfirmed_since=unconfirmed_since,
        status_notice=status_notice,
        points=points,
        point_notices=point_notices,
    )


def _cells_in(sparse: Mapping[int, Any], n_cells: int) -> np.ndarray:
    """A mask of the cells a sparse per-cell mapping holds."""
    mask = np.zeros(n_cells, dtype=bool)
    mask[np.fromiter(sparse, dtype=np.int64, count=len(sparse))] = True
    return mask


def _iso_day(day_number: int) -> str:
    """A day number (days since 1970-01-01) as an ISO date."""
    return (dt.date(1970, 1, 1) + dt.timedelta(days=day_number)).isoformat()


def _levels(risk: np.ndarray, params: ScoringSettings) -> np.ndarray:
    """Level names from the configured lower bounds (below the lowest: low)."""
    names = sorted(params.levels, key=params.levels.__getitem__)
    bounds = np.array([params.levels[n] for n in names], dtype=float)
    return np.array(["low", *names], dtype=object)[np.searchsorted(bounds, risk, side="right")]


def _round_parts(*parts: np.ndarray) -> list[np.ndarray]:
    """Round components to 0.1 so that they still add up: round the running sums, then difference them."""
    running = np.round(np.cumsum(np.vstack(parts), axis=0), 1)
    return [np.round(p, 1) for p in np.diff(running, axis=0, prepend=0.0)]


def _empty_scores() -> pd.DataFrame:
    """A score frame with no rows but every column."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in (*SCORE_COLUMNS, QUIET)})


def score_days(
    sites: pd.DataFrame,
    exposures: pd.DataFrame | None,
    notices: pd.DataFrame | None,
    days: Iterable[dt.date],
    params: ScoringSettings,
    *,
    explain: bool = True,
) -> pd.DataFrame:
    """One row per site per day (sorted by date, site_id) with risk, level, status, components and explain
    (``SCORE_COLUMNS``). ``explain=False`` leaves ``explain`` None and skips building it: the store keeps no
    explanation (a reader asks for one cell's, ``Pipeline.explanation_of``), and building them was a fifth of
    a first import."""
    sites = _require(sites, "sites", SITE_COLUMNS).drop_duplicates("id").sort_values("id", kind="stable")
    day_numbers = np.unique(_day_numbers(days))
    if sites.empty or day_numbers.size == 0:
        return _empty_scores()
    if exposures is not None and len(exposures) > ROWS_AT_ONCE and "site_id" in exposures.columns:
        return _in_parts(sites, exposures, notices, day_numbers, params, explain)
    return _scores(sites, exposures, notices, day_numbers, params, explain)


def _in_parts(
    sites: pd.DataFrame,
    exposures: pd.DataFrame,
    notices: pd.DataFrame | None,
    day_numbers: np.ndarray,
    params: ScoringSettings,
    explain: bool,
) -> pd.DataFrame:
    """``_scores`` of ``sites`` (sorted by id) in runs of sites holding about ``ROWS_AT_ONCE`` exposure
    rows, each with its own rows (in the order given), put back in (date, site) order."""
    n_sites, n_days = len(sites), day_numbers.size
    site_of = _site_codes(exposures["site_id"], pd.Index(sites["id"].astype(str)))
    counts = np.bincount(site_of[site_of >= 0], minlength=n_sites)
    part_of_site = (np.cumsum(counts) - counts) // ROWS_AT_ONCE  # non-decreasing: parts are runs of sites
    part_of_row = np.where(site_of >= 0, part_of_site[np.maximum(site_of, 0)], -1)
    frames, cells = [], []
    for part in np.unique(part_of_site):
        mine = np.flatnonzero(part_of_site == part)
        rows = np.flatnonzero(part_of_row == part)
        frames.append(_scores(sites.iloc[mine], exposures.take(rows), notices, day_numbers, params, explain))
        cells.append((np.arange(n_days)[:, None] * n_sites + mine[None, :]).ravel())
    order = np.argsort(np.concatenate(cells), kind="stable")
    return pd.concat(frames, ignore_index=True).take(order).reset_index(drop=True)


def _scores(
    sites: pd.DataFrame,
    exposures: pd.DataFrame | None,
    notices: pd.DataFrame | None,
    day_numbers: np.ndarray,
    params: ScoringSettings,
    explain: bool,
) -> pd.DataFrame:
    """``score_days`` of ``sites`` (sorted by id, not empty) on ``day_numbers`` (sorted, not empty)."""
    index = pd.Index(sites["id"].astype(str))
    n_sites, n_days = len(index), day_numbers.size
    weighed = exposures is not None and WEIGHT in exposures.columns
    unweighed = [c for c in EXPOSURE_COLUMNS if c not in WEIGHT_ONLY_COLUMNS]
    required = [*unweighed, WEIGHT] if weighed else list(EXPOSURE_COLUMNS)
    ex = _prepare_exposures(_require(exposures, "exposures", required), index, params)
    con = _conflict(ex, day_numbers, n_sites, params)
    notes = _notices(_require(notices, "notices", NOTICE_COLUMNS), index, day_numbers, params)

    total_s = con.s_site + con.s_route
    total = 100.0 * -np.expm1(-total_s / params.p0)
    with np.errstate(invalid="ignore", divide="ignore"):
        conflict = np.where(total_s > 0, total * con.s_site / total_s, 0.0)
    route = total - conflict
    registry = _text(_column(sites, "status", "operating"))
    registry_status = np.tile(np.where(registry == "", "operating", registry).astype(object), n_days)
    # A registry status only holds from its start day: before it the site was operating (no look-ahead).
    since = pd.to_datetime(_column(sites, "status_since", None), errors="coerce")
    since_day = np.where(since.isna(), np.iinfo(np.int64).min, _day_numbers(since.fillna(pd.Timestamp(0))))
    before = np.repeat(day_numbers, n_sites) < np.tile(since_day, n_days)
    registry_status = np.where(before, "operating", registry_status).astype(object)
    stopped_by_registry = np.isin(registry_status, list(STOPPED_STATUSES))
    stopped = stopped_by_registry | notes.halted
    unconfirmed = _cells_in(notes.unconfirmed_since, n_days * n_sites) & ~stopped
    # A halted site is at 100: the status takes whatever conflict and route leave, so components still add up.
    # An unconfirmed halt is at halt_unconfirmed_risk at least, the same way.
    room = 100.0 - total
    floor = np.where(unconfirmed, np.maximum(params.halt_unconfirmed_risk - total, 0.0), 0.0)
    notice = np.where(stopped, room, np.minimum(room, np.maximum(notes.points, floor)))
    conflict, route, notice = _round_parts(conflict, route, notice)
    risk = np.round(conflict + route + notice, 1)
    level = np.where(stopped, "halted", _levels(risk, params))
    status = np.where(
        stopped_by_registry,
        registry_status,
        np.where(notes.halted, "halted", np.where(unconfirmed, HALT_UNCONFIRMED, "operating")),
    )
    output = pd.to_numeric(_column(sites, "annual_output_t", np.nan), errors="coerce").to_numpy(float)
    supply = tonnes_at_risk(np.tile(output, n_days), risk)

    quiet = (
        (con.raw_total == 0)
        & ~con.capped
        & (con.events == 0)
        & np.isnan(con.nearest)
        & (con.top < 0)
        & (registry_status == "operating")
        & ~stopped
        & (notes.points == 0)
        & (risk == 0)
        & ~_cells_in(notes.status_notice, n_days * n_sites)
    )
    quiet[list(notes.point_notices)] = False
    quiet[con.top_cell] = False  # cells whose explanation lists events
    # Quiet cells share one explanation; the others are built in their compact form, without a dict each.
    explains = np.full(quiet.size, _QUIET_STORED if explain else None, dtype=object)
    if explain:
        loud = np.flatnonzero(~quiet)
        explains[loud] = _explain_loud(loud, ex, con, notes, unconfirmed, registry_status)
    dates = np.array([dt.date(1970, 1, 1) + dt.timedelta(days=int(d)) for d in day_numbers], dtype=object)
    top_event = np.full(con.top.size, None, dtype=object)
    topped = con.top >= 0
    top_event[topped] = ex.event_id[con.top[topped]].tolist()
    return pd.DataFrame(
        {
            "site_id": _objects(np.tile(index.to_numpy(object), n_days)),
            "date": np.repeat(dates, n_sites),
            "risk": risk,
            "level": _objects(level),
            "status": _objects(status),
            "conflict": conflict,
            "route": route,
            "notice": notice,
            "events_30d": con.events,
            "fatalities_30d": con.fatalities.astype(np.int64),
            "nearest_event_km": np.round(con.nearest, 1),
            "top_event_id": _objects(top_event),
            "supply_at_risk_t": supply,
            "explain": _objects(explains),
            QUIET: quiet,
        },
        columns=[*SCORE_COLUMNS, QUIET],
    )


def _objects(values: np.ndarray) -> pd.Series:
    """Values kept as Python objects: a frame would copy text into Arrow strings, which the store turns
    back into Python strings (0.15-0.3 s for a block's explanations and site ids, measured)."""
    return pd.Series(values, dtype=object)


def explained_params(params: ScoringSettings) -> dict[str, Any]:
    """The parameters an explanation shows (``monitor.explanation.decode`` adds them to a stored one)."""
    return {
        "p0": params.p0,
        "half_life_days": params.half_life_days,
        "window_days": params.window_days,
        "lambda_site_km": params.lambda_site_km,
        "lambda_route_km": params.lambda_route_km,
        "route_weight": params.route_weight,
        "min_notice_confidence": params.min_notice_confidence,
        "halt_confirm_days": params.halt_confirm_days,
        "halt_unconfirmed_risk": params.halt_unconfirmed_risk,
    }


def explained(scores: pd.DataFrame, params: ScoringSettings) -> pd.DataFrame:
    """``scores`` (from ``score_days``) with each explanation as the dict a reader gets."""
    named = explained_params(params)
    return scores.assign(explain=[explanation.decode(e, named) for e in scores["explain"]])


def quiet_explain(params: ScoringSettings) -> dict[str, Any]:
    """The explanation of a quiet score: nothing exposed, nothing noticed, operating."""
    return explanation.quiet(explained_params(params))


def quiet_level(params: ScoringSettings) -> str:
    """The level of a quiet score (risk 0)."""
    return str(_levels(np.zeros(1), params)[0])


def _explain_loud(
    loud: np.ndarray,
    ex: _Exposed,
    con: _Conflict,
    notes: _Notices,
    unconfirmed: np.ndarray,
    registry_status: np.ndarray,
) -> list[str]:
    """The stored explanations (``monitor.explanation``) of the ``loud`` cells: their top contributing
    incidents (the strongest report's event, the incident, how many reports and which sources it had that
    day, its share of the cell's sum before any cap), sums, status notice and notice points.

    Built ``EXPLAIN_CELLS`` cells at a time: the columns handed to ``explanation.encode`` are Python lists,
    about 500 MB for a block of 250,000 site-days at once (measured), a tenth of it a slice at a time."""
    with np.errstate(invalid="ignore", divide="ignore"):
        share = con.top_value / con.raw_total[con.top_cell] if con.top_row.size else np.empty(0)
    names = {1 << i: name for i, name in enumerate(ex.sources)}
    codes, bits = pd.factorize(con.top_sources)
    source_text = np.array(
        ["+".join(names[b] for b in sorted(names) if int(bits_) & b) for bits_ in bits], dtype=object
    )
    notices = {}
    for cell in {*notes.status_notice, *notes.unconfirmed_since, *notes.point_notices}:
        since = notes.unconfirmed_since.get(cell) if unconfirmed[cell] else None
        notices[cell] = (notes.status_notice.get(cell), since, notes.point_notices.get(cell, []))
    stored: list[str] = []
    for start in range(0, loud.size, EXPLAIN_CELLS):
        cells = loud[start : start + EXPLAIN_CELLS]
        # The incidents of these cells: top_cell is ascending, so they are one contiguous run.
        first = int(np.searchsorted(con.top_cell, cells[0], side="left"))
        at = slice(first, int(np.searchsorted(con.top_cell, cells[-1], side="right")))
        row = con.top_row[at]
        events = [
            ex.event_id[row].tolist(),
            ex.incident_id[row].tolist(),
            con.top_reports[at].tolist(),
            source_text[codes[at]].tolist() if row.size else [],
            np.where(ex.is_site[row], "site", "route").tolist(),
            np.round(ex.distance[row], 1).tolist(),
            np.round(con.top_value[at], 4).tolist(),
            np.round(share[at], 4).tolist(),
        ]
        sums = [
            np.round(con.s_site[cells], 4).tolist(),
            np.round(con.s_route[cells], 4).tolist(),
            np.round(con.uncorroborated[cells], 4).tolist(),
            con.capped[cells].tolist(),
        ]
        status = registry_status[cells].tolist()
        stored += explanation.encode(cells, con.top_cell[at], events, sums, status, notices)
    return stored
