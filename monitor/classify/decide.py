"""A notice's kind from the cues of its title and summary (``monitor.classify.reader``).

The title frames the news: a title whose cues are all denied, negated, hedged, drills or about visits,
or that denies or describes a drill in so many words, makes the notice ``none`` whatever the summary
recounts; a title that only says a restart has not come ("pas de reprise immédiate") leaves the summary
to tell the site's state. A title that says one site
halted while something else goes on ("Kakula paused; Kamoa keeps running") tells of a partial halt
(``monitor.classify.reader``).

Otherwise the first asserted cue of the title decides ("declares force majeure, cuts outlook" is a halt;
"cuts outlook, sees phased restart" a guidance cut), then the summary's by ``PRIORITY`` (the newest
state first). A full halt anywhere outranks an evacuation (staff leave a site that stopped); a full
halt in the title or in the same field outranks a partial halt (a plant stops with its mine). A title
that only says something goes on ("Las Bambas keeps operating at Ferrobamba") makes the summary's halt
a partial one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from monitor.classify.reader import Cue, Reading
from monitor.textnorm import fold

#: Which kind the summary's asserted cues give when there are several: the newest state first.
PRIORITY = ("resumption", "guidance_cut", "halt", "export_halt", "partial_halt", "evacuation")
#: Kinds a full halt anywhere in the notice outranks.
_OUTRANKED_BY_HALT = frozenset({"evacuation", "partial_halt"})

#: Kinds a report of a period's figures tells as background (a guidance cut in it is news).
_REPORTED_KINDS = frozenset({"halt", "partial_halt", "export_halt", "resumption"})
#: A statement that something goes on working, not merely that nothing was hurt ("no impact").
_STILL_WORKING = re.compile(
    r"(?<!\w)(?:operat|opera|produc|produz|produis|run|fonctionn|funcion|trabaj|tourn|segu|sigu|continu"
    r"|poursui"
    r"|prosegu|keep|mant)\w*"
)
_VETO = frozenset({"negated", "denied", "hedged", "planned", "dated", "drill"})
_BASE = {"title": 0.9, "summary": 0.7}


@dataclass(frozen=True)
class Classification:
    """A notice's kind, how sure we are (0-1), and the cue: the words that decided it, and why."""

    kind: str
    confidence: float
    cue: str


def _none(confidence: float, cue: str) -> Classification:
    return Classification("none", confidence, cue)


def decide(title: Reading, summary: Reading) -> Classification:
    """The kind of a notice whose title and summary read as ``title`` and ``summary``."""
    title_asserted = [c for c in title.cues if c.strength == "asserted" and c.kind != "none"]
    if not title_asserted:
        vetoed = [c for c in title.cues if c.strength in _VETO or c.kind == "none"]
        if vetoed and not all(_no_restart(c) or _told_as_done(c, summary) for c in vetoed):
            return _none(0.9, vetoed[0].describe())
        if title.frame:
            return _none(0.85, f'title: "{title.frame}" (denial or drill)')
    other_going_on = [text for _, text in title.continues]
    if other_going_on:
        # "Kakula paused; Kamoa keeps running": the title's halt is one part's (or another site's).
        title_asserted = [_partial(c, other_going_on[0]) for c in title_asserted]

    summary_asserted = [c for c in summary.cues if c.strength == "asserted" and c.kind != "none"]
    if title.report and not title_asserted:
        # "Copper output falls 5% in the first quarter": the stops its summary tells are why, not news.
        summary_asserted = [c for c in summary_asserted if c.kind not in _REPORTED_KINDS]
        if not summary_asserted and not title_asserted:
            return _none(0.8, f'title: "{title.report}" (a report of past figures)')
    if title.partial:
        # "one of the two furnaces", "half its capacity": the notice's halt is of one part.
        title_asserted = [_partial(c, title.partial) for c in title_asserted]
    if one_part := title.partial or summary.partial:
        # The summary's own account of one part; a title that says the site stopped stands.
        summary_asserted = [_partial(c, one_part) for c in summary_asserted]
    if not title.cues and other_going_on:
        # "Las Bambas keeps operating at Ferrobamba" over a summary that tells of a stop: one part stops.
        summary_asserted = [_partial(c, other_going_on[0]) for c in summary_asserted]
    if rest := [text for _, text in summary.continues if _STILL_WORKING.search(fold(text))]:
        # "... suspended operations at the Rosario pit; the Ujina pit and the plant go on operating".
        title_asserted = [_partial(c, rest[0]) for c in title_asserted]
        summary_asserted = [_partial(c, rest[0]) for c in summary_asserted]
    halted_in = {c.where for c in title_asserted + summary_asserted if c.kind == "halt"}

    def outranked(c: Cue) -> bool:
        if c.kind == "evacuation":
            return bool(halted_in)
        # The mine itself stopped: one part of it, or its exports, stop with it.
        return c.kind in ("partial_halt", "export_halt") and ("title" in halted_in or c.where in halted_in)

    best: Cue | None = None
    title_first = [c for c in title_asserted if not outranked(c)]
    summary_first = [c for c in summary_asserted if not outranked(c)]
    if title_first:
        best = min(title_first, key=lambda c: c.position)
    elif summary_first:
        best = min(summary_first, key=lambda c: (PRIORITY.index(c.kind), c.position))
    elif title_asserted or summary_asserted:
        best = min(title_asserted or summary_asserted, key=lambda c: c.position)
    if best is None:
        return _no_cue(title, summary)
    if best.where == "title" and _dated_in_summary(best, summary):
        # "Zimbabwe to ban lithium exports" over "from January 2027": the summary dates the step ahead.
        dated = next(c for c in summary.cues if c.kind == best.kind and c.strength == "dated")
        return _none(0.8, dated.describe())
    if best.where == "title" and best.kind == "halt" and _is_bare_force_majeure(best):
        # "Force majeure declared at giant copper mine" over "... force majeure on concentrate supplies".
        on_what = [c for c in summary_asserted if c.kind == "export_halt" and "force majeure" in c.rule]
        if on_what and "summary" not in halted_in:  # the summary's own halt says the site stopped
            best = on_what[0]
    confidence = _BASE[best.where]
    other = summary_asserted if best.where == "title" else title_asserted
    if any(c.kind == best.kind for c in other):
        confidence = min(0.95, confidence + 0.05)  # title and summary agree
    return Classification(best.kind, round(confidence, 2), best.describe())


def _no_restart(cue: Cue) -> bool:
    """A restart the title says has not come ("pas de reprise immédiate", "no restart yet"): it denies no
    halt, so the summary's account of the site stands."""
    return cue.kind == "resumption" and cue.strength == "negated"


def _told_as_done(cue: Cue, summary: Reading) -> bool:
    """A headline's plan ("Bisie to resume operations") that the summary tells as done or under way
    ("announced it was restarting operations"): the summary's account stands."""
    return cue.strength == "planned" and any(
        c.kind == cue.kind and c.strength == "asserted" for c in summary.cues
    )


def _dated_in_summary(cue: Cue, summary: Reading) -> bool:
    """Whether the summary dates the title's step a quarter, half or year ahead, and never tells it done."""
    same = [c for c in summary.cues if c.kind == cue.kind]
    return any(c.strength == "dated" for c in same) and not any(c.strength == "asserted" for c in same)


def _is_bare_force_majeure(cue: Cue) -> bool:
    """A force majeure cue that says nothing of what it covers ("declares force majeure", "... at mine")."""
    return "force majeure" in cue.rule and (cue.rule.endswith("the site") or cue.rule.endswith("operations"))


def _partial(cue: Cue, going_on: str) -> Cue:
    """A full halt cue read as one part's stop, because the title says something else goes on."""
    if cue.kind != "halt":
        return cue
    return replace(cue, kind="partial_halt", rule=f'{cue.rule}, one part: "{going_on}"')


def _no_cue(title: Reading, summary: Reading) -> Classification:
    """``none`` when nothing is asserted, with the cue that came closest (or why nothing did)."""
    unasserted = [c for c in title.cues + summary.cues if c.strength != "asserted" or c.kind == "none"]
    if unasserted:
        return _none(0.8, unasserted[0].describe())
    for reading, where in ((title, "title"), (summary, "summary")):
        if reading.continues:
            return _none(0.8, f'{where}: "{reading.continues[0][1]}" (goes on normally)')
    return _none(0.5, "")
