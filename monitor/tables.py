"""Rich tables the CLI prints: built here from results, printed by ``monitor.cli``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from rich import box
from rich.table import Table

from monitor.pipeline import FeedReport


def backtest(result: Any) -> list[Table]:
    """The episode table, then (when any site had alarms or episodes) the alarm days by site."""
    s = result.summary
    table = Table(
        title=f"Halt episodes {s.first_day} to {s.last_day} (lookback {s.horizon_days} days)",
        title_justify="left",
    )
    # Short headers: the four date columns alone take 40 characters.
    for col in ("site", "start", "end", "origin", "first high", "lead", "first crit", "crit lead", "alarms",
                "false"):  # fmt: skip
        numeric = col in {"lead", "crit lead", "alarms", "false"}
        table.add_column(col, justify="right" if numeric else "left", overflow="fold")
    for r in result.episodes.itertuples():
        table.add_row(
            r.site_id, str(r.start), _day_or_dash(r.end), r.origin, _day_or_dash(r.first_high),
            _whole(r.lead_days), _day_or_dash(r.first_critical), _whole(r.lead_days_critical),
            str(r.alarm_days_before), str(r.site_false_alarm_days),
        )  # fmt: skip
    tables = [table]
    alarmed = result.sites[(result.sites["alarm_days"] > 0) | (result.sites["episodes"] > 0)]
    if not alarmed.empty:
        by_site = Table(title="Alarm days by site", title_justify="left")
        for col in ("site", "episodes", "warned", "alarm days", "true", "false", "precision", "recall"):
            by_site.add_column(col, justify="left" if col == "site" else "right")
        for r in alarmed.itertuples():
            by_site.add_row(
                r.site_id, str(r.episodes), str(r.warned), str(r.alarm_days), str(r.true_alarm_days),
                str(r.false_alarm_days), _ratio(r.precision), _ratio(r.recall),
            )  # fmt: skip
        tables.append(by_site)
    return tables


def _day_or_dash(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else "-"


def _whole(value: Any) -> str:
    try:
        return str(int(value))
    except (TypeError, ValueError):  # NA / NaN: no such day
        return "-"


def _ratio(value: Any) -> str:
    return "-" if value is None or value != value else f"{value:.2f}"


def feed_line(report: FeedReport) -> str:
    """One line per feed run: status and counts, then the error if any."""
    line = (
        f"{report.feed}: {report.status} - fetched {report.fetched}, stored {report.stored}, "
        f"duplicates {report.duplicates}, rejected {report.rejected}"
    )
    return line + (f" - {report.error}" if report.error else "")


def ranking(panel: Any, day: date, top: int) -> Table:
    """The ``top`` sites of one day's risk panel, riskiest first."""
    table = Table(title=f"Site risk as of {day}", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("site", "commodity", "risk", "level", "conflict", "route", "notice", "nearest km"):
        numeric = col in {"risk", "conflict", "route", "notice", "nearest km"}
        table.add_column(
            col, justify="right" if numeric else "left", no_wrap=True, min_width=5 if numeric else None
        )
    ranked = panel.sort_values(["risk", "site_id"], ascending=[False, True]).head(top)
    for r in ranked.itertuples():
        table.add_row(
            r.site_id, r.commodity, f"{r.risk:.1f}", _level(r.level, r.status), f"{r.conflict:.1f}",
            f"{r.route:.1f}", f"{r.notice:.1f}", num(r.nearest_event_km),
        )  # fmt: skip
    return table


def _level(level: str, status: str) -> str:
    """The level, saying when a halted site is in care and maintenance rather than halted by events."""
    return "halted (c&m)" if status == "care_and_maintenance" else level


def timeline(rows: Any) -> Table:
    """Bisie's demo timeline: one row per printed day, with its front line (km to the nearest territory
    taken, and its change over 7 days)."""
    table = Table(
        title="Bisie (Alphamin, tin) through the scenario",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    columns = ("date", "risk", "level", "status", "conflict", "route", "notice", "events 30d", "nearest km")
    for col in (*columns, "front km", "7d"):
        table.add_column(col, justify="left" if col in {"date", "level", "status"} else "right")
    for r in rows.itertuples():
        table.add_row(
            str(r.date), f"{r.risk:.1f}", r.level, r.status, f"{r.conflict:.1f}", f"{r.route:.1f}",
            f"{r.notice:.1f}", str(r.events_30d), num(r.nearest_event_km), num(r.front_km),
            "-" if r.front_km_change_7d != r.front_km_change_7d else f"{r.front_km_change_7d:+.0f}",
        )  # fmt: skip
    return table


def demo_alerts(alerts: list[dict[str, Any]]) -> Table:
    """The alerts the demo raised as of the scenario's days: the day it happened, the kind, the desk note."""
    table = Table(
        title="Alerts as of the scenario's days (stored; not sent: no channel configured)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for col in ("day", "kind", "alert"):
        table.add_column(col, justify="left", overflow="fold")
    for alert in sorted(alerts, key=lambda a: (str(a["occurred_at"]), str(a["kind"]))):
        table.add_row(str(alert["occurred_at"])[:10], str(alert["kind"]), str(alert["title"]))
    return table


def num(value: Any) -> str:
    """A figure for a table cell: '-' when unknown, thousands separated from 100 up."""
    if value is None or value != value:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


def plain(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> str:
    """Columns padded to their widest cell, two spaces apart, nothing ever cut or wrapped: readable on a
    terminal of any width and through a pipe (``grep``, ``column``, ``less -S``)."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        padded = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)]
        return "  ".join(padded).rstrip()

    return "\n".join([line(header), *(line(r) for r in rows)])


def coverage(frame: Any) -> str:
    """``monitor.sites.coverage`` as plain columns: sites, sites with output unknown, tonnes, world, %."""
    header = ("commodity", "sites", "output unknown", "tonnes/yr", "world t/yr", "coverage %", "target %")
    rows = [
        (
            r.commodity, str(r.sites), str(r.sites_output_unknown), num(r.tonnes), num(r.world_production_t),
            _pct(r.coverage_pct), _pct(r.target_pct),
        )
        for r in frame.itertuples()
    ]  # fmt: skip
    return plain(header, rows, (False, True, True, True, True, True, True))


def _pct(value: Any) -> str:
    return "-" if value is None or value != value else f"{value:.1f}"


def explanation(answer: Mapping[str, Any], details: Any) -> list[Any]:
    """``minewatch explain``: a site's score on a day (``exports.explanations.explained_score``'s answer), the
    notice in force, and a table of the incidents behind it with ``details`` (``reads.events.details``)."""
    score, why = answer["score"], answer["explanation"]
    level = _level(score["level"], score["status"])
    head = (
        f"{answer['site_id']} on {answer['day']}: risk {score['risk']:.1f}, {level}"
        f" (status {score['status']}); conflict {score['conflict']:.1f}, route {score['route']:.1f},"
        f" notice {score['notice']:.1f};"
        f" {score['events_30d']} incidents and {score['fatalities_30d']} deaths in 30 days, nearest"
        f" {num(score['nearest_event_km'])} km"
    )
    if score.get("front_km") is not None:
        head += f"; front line {num(score['front_km'])} km ({score['front_actor'] or 'unnamed'})"
    lines = [head]
    if answer.get("as_known_at"):
        lines.append(f"as known at {answer['as_known_at']}: computed from the rows stored and public by then")
    notice = why.get("status_notice")
    if notice:
        said = f"{notice.get('kind')} ({notice.get('confidence')}), public {notice.get('known_at')}"
        lines.append(f"status notice: {said}: {notice.get('title')} {notice.get('url') or ''}".rstrip())
    if why.get("halt_unconfirmed_since"):
        lines.append(f"halt unconfirmed since {why['halt_unconfirmed_since']}")
    table = Table(title="Incidents behind it", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    header = ("event", "date", "type", "place", "via", "km", "reports", "sources", "contribution", "share")
    numeric = {"km", "reports", "contribution", "share"}
    for col in header:
        table.add_column(col, justify="right" if col in numeric else "left")
    by_id = {int(r.event_id): r for r in details.itertuples()} if len(details) else {}
    for e in why.get("events", []):
        d = by_id.get(int(e["event_id"]))
        table.add_row(
            e.get("event_ref") or str(e["event_id"]), str(d.event_date)[:10] if d else "-",
            (d.sub_type or d.type) if d else "-", (d.location or "-") if d else "-", e["via"],
            num(e["distance_km"]), str(e["reports"]), e["sources"], f"{e['contribution']:.3f}",
            f"{100 * e['share']:.0f}%",
        )  # fmt: skip
    if not why.get("events"):
        lines.append("no incident within reach in the scoring window")
        return lines
    return [*lines, table]
