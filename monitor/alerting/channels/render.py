"""The one rendering every channel shares (e-mail text and HTML, Slack, the dry run): subject lines, an
alert's facts, a digest. An alert reads as a desk note: its title says what a trader needs ('Bisie halted:
~4% of world tin'), then what happened, the site once per message, and the evidence (the notices with their
language and cue, the nearest events, the front line)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from monitor.alerting import evidence

__all__ = ["alert_facts", "message_facts", "one_line", "site_url", "source_tags", "subject_line", "text_body"]

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


def _site_facts(alert: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Who the site is (full name, operator, country) and what it produces."""
    facts: list[tuple[str, str]] = []
    site = alert.get("site") or {}
    if site:
        what = " · ".join(str(site[k]) for k in ("operator", "country") if site.get(k))
        facts.append(("Site", f"{site.get('name') or site.get('id')}" + (f" · {what}" if what else "")))
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
    return facts


def _evidence_facts(alert: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The nearest events and the front line of a halt or level alert (``monitor.alerting.evidence``)."""
    details = alert.get("details") or {}
    facts: list[tuple[str, str]] = []
    events = details.get("events")
    if isinstance(events, Mapping):
        facts.append(("Events", evidence.events_phrase(events)))
        for key, name in (("nearest_mine", "Nearest to the mine"), ("nearest_road", "Nearest to the road")):
            if events.get(key):
                facts.append((name, evidence.event_phrase(events[key])))
    if alert.get("kind") != "front_line" and evidence.front_phrase(details):
        facts.append(("Front line", evidence.front_phrase(details)))
    return facts


def alert_facts(alert: Mapping[str, Any], *, site_shown: bool = False) -> list[tuple[str, str]]:
    """Labelled facts about an alert in display order, empty values left out: the site and its output
    (unless ``site_shown`` earlier in the same message), risk, the distance of a front-line event, then the
    evidence of a halt or level alert."""
    facts = [] if site_shown else _site_facts(alert)
    if alert.get("risk") is not None:
        facts.append(("Risk", f"{_number(alert['risk'])} ({alert.get('level') or 'n/a'})"))
    details = alert.get("details") or {}
    if alert.get("kind") == "front_line" and details.get("distance_km") is not None:
        change = details.get("change_km")
        moved = "" if change is None else f" ({'+' if change > 0 else ''}{_number(change)} km vs previous)"
        facts.append(("Distance", f"{_number(details['distance_km'])} km from the mine{moved}"))
    return facts + _evidence_facts(alert)


def message_facts(alerts: Sequence[Mapping[str, Any]]) -> list[list[tuple[str, str]]]:
    """Each alert's facts in a message: a site's name, operator and output are given once, with its first
    alert (the title of every alert already names it)."""
    seen: set[str] = set()
    out = []
    for alert in alerts:
        site_id = str((alert.get("site") or {}).get("id") or "")
        out.append(alert_facts(alert, site_shown=bool(site_id) and site_id in seen))
        seen.add(site_id)
    return out


#: A classifier's cue: where it read the words, then the words in quotes ('title: "pauses mine" (...)').
_CUE = re.compile(r'^\s*(\w+):\s*"([^"]+)"')


def source_tags(source: Mapping[str, Any]) -> str:
    """'halt, fr, cue: «suspension des activités» (title)': the kind, then the language and the words that
    decided the kind, when the notice row has them."""
    tags = [str(source.get("kind") or "-").replace("_", " ")]
    if source.get("language"):
        tags.append(str(source["language"]))
    cue = str(source.get("cue") or "")
    if cue:
        quoted = _CUE.match(cue)
        tags.append(f"cue: «{quoted.group(2)}» ({quoted.group(1)})" if quoted else f"cue: «{cue}»")
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
    for alert, facts in zip(alerts, message_facts(alerts), strict=True):
        if alert.get("kind") == "digest":
            blocks.append("\n".join([str(alert.get("title")), "", *_digest_lines(alert)]))
            continue
        lines = [str(alert.get("title") or ""), str(alert.get("summary") or "")]
        lines += [f"{label}: {value}" for label, value in facts]
        sources = alert.get("sources") or []
        if sources:
            lines.append("Sources:")
            lines += [f"  - {_source_line(s)}" for s in sources]
        link = site_url(base_url, (alert.get("site") or {}).get("id"))
        if link:
            lines.append(f"Site page: {link}")
        blocks.append("\n".join(lines))
    return ("\n\n" + "-" * 60 + "\n\n").join(blocks) + "\n"
