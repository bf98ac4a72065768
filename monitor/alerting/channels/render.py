"""Plain-text rendering shared by the channels (and the dry run): subject lines, one alert, a digest."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

__all__ = ["alert_facts", "one_line", "site_url", "source_tags", "subject_line", "text_body"]

#: Bidirectional embeddings, overrides and isolates: feed text must not reorder what a reader sees.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def one_line(text: str) -> str:
    """``text`` fit for a header or a subject: control characters (CR and LF above all: header injection)
    and bidi overrides become spaces, runs of spaces one."""
    cleaned = "".join(" " if unicodedata.category(c) == "Cc" or c in _BIDI else c for c in text)
    return re.sub(r" {2,}", " ", cleaned).strip()


def site_url(base_url: str | None, site_id: str | None) -> str | None:
    """Link to the dashboard's site page, when a base URL is configured."""
    if not base_url or not site_id:
        return None
    return f"{base_url.rstrip('/')}/site/{quote(site_id, safe='')}"


def subject_line(alerts: Sequence[Mapping[str, Any]], limit: int = 150) -> str:
    """One alert: its title; several: how many and their titles, cut at ``limit`` characters."""
    titles = [one_line(str(a.get("title") or a.get("kind"))) for a in alerts]
    text = titles[0] if len(titles) == 1 else f"{len(titles)} alerts: " + "; ".join(titles)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value: Any, digits: int = 1) -> str:
    return f"{float(value):,.{digits}f}"


def alert_facts(alert: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Labelled facts about an alert (site, risk, supply), in display order; empty values left out."""
    facts: list[tuple[str, str]] = []
    site = alert.get("site") or {}
    if site:
        what = " · ".join(str(site[k]) for k in ("operator", "country") if site.get(k))
        facts.append(("Site", f"{site.get('name') or site.get('id')}" + (f" · {what}" if what else "")))
    if alert.get("risk") is not None:
        facts.append(("Risk", f"{_number(alert['risk'])} ({alert.get('level') or 'n/a'})"))
    outputs = [
        f"{_number(item['output_t'], 0)} t/yr {item['commodity']}"
        + (f" ({float(item['world_pct']):.2g}% of world)" if item.get("world_pct") else "")
        for item in site.get("supply") or []
        if item.get("output_t")
    ]
    if not outputs and site.get("annual_output_t"):  # alerts stored before ``supply`` was carried
        share = site.get("world_share")
        outputs = [f"{_number(site['annual_output_t'], 0)} t/yr of {site.get('commodity') or 'output'}"
                   + (f", {float(share) * 100:.1f}% of world" if share else "")]  # fmt: skip
    if outputs:
        facts.append(("Output", "; ".join(outputs)))
    details = alert.get("details") or {}
    if alert.get("kind") == "front_line" and details.get("distance_km") is not None:
        change = details.get("change_km")
        moved = "" if change is None else f" ({'+' if change > 0 else ''}{_number(change)} km vs previous)"
        facts.append(("Distance", f"{_number(details['distance_km'])} km from the mine{moved}"))
    return facts


def source_tags(source: Mapping[str, Any]) -> str:
    """'suspension, fr, cue: «suspension des activités»': the kind, then the language and the words that
    decided the kind, when the notice row has them."""
    tags = [str(source.get("kind") or "-").replace("_", " ")]
    if source.get("language"):
        tags.append(str(source["language"]))
    if source.get("cue"):
        tags.append(f"cue: «{source['cue']}»")
    return ", ".join(tags)


def _source_line(source: Mapping[str, Any]) -> str:
    when = str(source.get("published_at") or "")[:16].replace("T", " ")
    head = f"[{source_tags(source)}] {source.get('title') or '(untitled)'}"
    tail = ", ".join(x for x in (str(source.get("source") or ""), when) if x)
    return head + (f" ({tail})" if tail else "") + (f" {source['url']}" if source.get("url") else "")


def _digest_lines(alert: Mapping[str, Any]) -> list[str]:
    details = alert.get("details") or {}
    lines = [str(alert.get("summary") or "")]
    halted = details.get("halted") or []
    if halted:
        lines += ["", "Sites halted:"] + [f"  - {h['title']} (since {h.get('since')})" for h in halted]
    items = details.get("alerts") or []
    if items:
        lines += ["", "Alerts of the last 24 hours:"]
        lines += [f"  - {i['at'][:16].replace('T', ' ')} {i['title']} [{i['status']}]" for i in items]
    return lines


def text_body(alerts: Sequence[Mapping[str, Any]], base_url: str | None) -> str:
    """The plain-text message: per alert its title, what happened, facts, sources and site link."""
    blocks = []
    for alert in alerts:
        if alert.get("kind") == "digest":
            blocks.append("\n".join([str(alert.get("title")), "", *_digest_lines(alert)]))
            continue
        lines = [str(alert.get("title") or ""), str(alert.get("summary") or "")]
        lines += [f"{label}: {value}" for label, value in alert_facts(alert)]
        sources = alert.get("sources") or []
        if sources:
            lines.append("Sources:")
            lines += [f"  - {_source_line(s)}" for s in sources]
        link = site_url(base_url, (alert.get("site") or {}).get("id"))
        if link:
            lines.append(f"Site page: {link}")
        blocks.append("\n".join(lines))
    return ("\n\n" + "-" * 60 + "\n\n").join(blocks) + "\n"
