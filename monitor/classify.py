"""Notice kind from its title and summary (English and French): a rule table of regexes over folded text.

Each cue is read in its sentence: a negation just before it ("no plans to suspend", "n'a pas suspendu")
drops it, a reassurance in the same sentence ("operations continue normally") cancels it, a hedge ("may",
"pourrait") or a reference to an earlier event ("following the suspension") weakens it. The strongest
cues then decide; among equals the newest state wins, so a restart notice that recalls the halt is a
resumption. Confidence is higher for a cue in the title than in the summary, lower when hedged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.textnorm import fold_with_offsets

#: Which kind wins when several are asserted alike: the newest state first, then the most severe.
PRIORITY = ("resumption", "halt", "evacuation", "guidance_cut")

_OBJ = (
    r"(?:operations?|activit(?:y|ies)|production|mining|works?|exports?|shipments?|plant|mine|site"
    r"|activites|exploitation|travaux|extraction|usine)"
)
_DETS = r"(?:(?:its|the|all|our|mining|tin|copper|full|normal|ses|les|la|l'|leurs|toutes|tous|des|de|du)\s+)*"
_HALTED = r"(?:force majeure|suspension)"
_BE = r"(?:(?:is|was|were|has been|have been)\s+)?"
_GUIDANCE = r"(?:guidance|outlook|forecasts?|targets?)"
# Words allowed between a verb and "guidance" ("cuts its 2025 copper production guidance").
_GMODS = (
    r"(?:(?:its|the|our|their|full-year|full|year|annual|fy\d*|\d{4}|h[12]|production|output|sales|copper"
    r"|cobalt|tin|zinc|nickel|lithium|uranium|cost|capex)\s+){0,5}"
)
_CUT = (
    r"(?:cut(?:s|ting)?|lower(?:s|ed|ing)?|reduc(?:e|es|ed|ing)|downgrad\w*|slash\w*|trim(?:s|med)?"
    r"|withdr[ae]w\w*)"
)
_CUT_DONE = r"(?:cut|lowered|reduced|downgraded|withdrawn|slashed)"
_FR_TARGETS = r"(?:ses|son|les|l'|la|sa)\s*(?:objectifs?|previsions?|perspectives?)"
_STAFF = r"(?:all\s+|its\s+|the\s+)?(?:non-?essential\s+)?(?:staff|personnel|employees|workers)\b"

#: (kind, cue) read in this order. A cue consumes its text, so compound cues ("lifting of force majeure",
#: "suspends guidance") come before the words inside them.
RULES: tuple[tuple[str, str], ...] = (
    # A halt that ends is a resumption.
    ("resumption", rf"\b(?:lift|end)(?:s|ed|ing)?\s+(?:of\s+)?(?:the\s+)?{_HALTED}"),
    ("resumption", rf"\b{_HALTED}\s+{_BE}(?:lifted|ended)\b"),
    ("resumption", rf"\blevee\s+(?:de\s+)?(?:la\s+)?{_HALTED}"),
    # Guidance cuts ("suspends guidance" is not a suspension).
    ("guidance_cut", rf"\b(?:{_CUT}|suspend(?:s|ed|ing)?)\s+{_GMODS}{_GUIDANCE}\b"),
    ("guidance_cut", rf"\b{_GUIDANCE}\s+{_BE}{_CUT_DONE}\b"),
    ("guidance_cut", rf"\brevis\w*\s+{_GMODS}{_GUIDANCE}\s+(?:down(?:ward)?s?|lower)\b"),
    ("guidance_cut", r"\b(?:revision|revu\w*|revis\w*)\s+a la baisse\b"),
    ("guidance_cut", rf"\b(?:abaiss|redui|reduct)\w*\s+(?:de\s+)?{_FR_TARGETS}"),
    # Resumption.
    ("resumption", r"\bresum(?:e|es|ed|ing|ption)\b"),
    ("resumption", r"\b(?:(?:phased|gradual|progressive|partial)\s+)?re-?start(?:s|ed|ing)?\b"),
    ("resumption", r"\bre-?open(?:s|ed|ing)?\b|\bback (?:in|into|to) (?:operation|production|full)\w*"),
    ("resumption", rf"\breprise\s+(?:\w+\s+){{0,2}}?(?:des|de la|de l'|du|d')\s*{_OBJ}"),
    ("resumption", rf"\breprend\w*\s+{_DETS}{_OBJ}"),
    ("resumption", r"\bredemarr\w*|\breouverture\b|\brouvr\w*|\brelance\s+de\s+la\s+production\b"),
    # Stops.
    ("halt", r"\bforce majeure\b"),
    ("halt", r"\bsuspen(?:d|ds|ded|ding|sion|sions|du|due|dus|dues|dre|dent|dons)\b"),
    ("halt", r"\b(?:temporary |temporarily )?halt(?:s|ed|ing)?\b"),
    ("halt", rf"\bstop(?:s|ped|ping)?\s+{_DETS}{_OBJ}|\b{_OBJ}\s+(?:\w+\s+){{0,2}}?stopped\b"),
    ("halt", rf"\bshut(?:s|ting)?\s+down\b|\bshut-?down\b|\bceas(?:e|es|ed|ing)\s+{_DETS}{_OBJ}"),
    ("halt", rf"\bcare (?:and|&) maintenance\b|\binterrupt(?:s|ed|ion)\s+(?:of\s+)?{_DETS}{_OBJ}"),
    ("halt", r"\b(?:etre|ete|est|sont|seront|sera)\s+arrete(?:e|es|s)?\b"),
    ("halt", rf"\barret\b|\barret(?:e|ent|er|ons)\s+{_DETS}{_OBJ}|\binterruption\s+{_DETS}{_OBJ}"),
    # Evacuation.
    ("evacuation", r"\bevacu(?:at(?:e|es|ed|ing|ion|ions)|e|ee|ees|es|er|ent|ons)\b"),
    ("evacuation", rf"\b(?:withdr[ae]w\w*|relocat\w*|pull(?:s|ed)? out)\s+(?:of\s+)?{_STAFF}"),
    ("evacuation", r"\brepli\s+(?:du|de son|de tout le)\s+personnel\b"),
)
#: Words right next to a cue that make it about something else (a trading halt is not a mine halt).
_VOID = {
    "halt": re.compile(r"\b(?:trading|shares?|stock|bourse|cotation|listing)\b"),
}
_COMPILED = tuple((kind, re.compile(cue)) for kind, cue in RULES)

_REASSURANCE = re.compile(
    r"\bcontinu\w*\s+(?:to\s+operate\s+|operating\s+)?(?:as\s+)?normal(?:ly)?\b|\boperat\w*\s+normally\b"
    r"|\bunaffected\b|\bnot\s+(?:been\s+)?(?:affected|impacted|disrupted)\b|\bbusiness as usual\b"
    r"|\bno\s+(?:material\s+|significant\s+)?(?:impact|effect|disruption)s?\b|\buninterrupted\b"
    r"|\bpas\s+d'(?:impact|incidence|effet)\b|\baucun\w*\s+(?:impact|incidence|effet|perturbation)\b"
    r"|\bsans\s+(?:impact|incidence|perturbation)\b|\b(?:se\s+poursuiv|continu|fonctionn)\w*\s+normalement\b"
    r"|\bpas\s+(?:ete\s+)?(?:affecte|touche|perturbe|impacte)e?s?\b|\bnon\s+affecte\w*\b"
)
_NEGATION = re.compile(
    r"\b(?:no|not|never|without|nor|neither|aucun\w*|sans|pas|ni|jamais|den(?:y|ies|ied)|dement\w*|ruled?)\b|n't\b"
)
_NEGATION_AFTER = re.compile(
    r"^\s*(?:(?:has|have|had|is|was|were|are|will|would)\s+)?(?:been\s+)?not\b|^\s*n'(?:a|ont|est|sont)\s+pas\b"
)
_HEDGE = re.compile(
    r"\b(?:may|might|could|possibl[ey]|potential(?:ly)?|risks? of|threat\w* (?:of|to)|consider\w*"
    r"|expect\w*|plan(?:s|ned|ning)?|intend\w*|likely|should|if|until|pending|once|pourr\w*|risqu\w* d"
    r"|menac\w* d|envisag\w*|prevo\w*|prevu\w*|eventuel\w*|probabl\w*|devr\w*|jusqu|si)\b"
)
_HEDGE_AFTER = re.compile(
    r"\b(?:expected|planned|envisaged|likely|possible|prevue?s?|envisagee?s?|once|as soon as|des que"
    r"|une fois|lorsque)\b"
)
# Anchored at the end of the words before a cue: "following the", "the earlier", "had been".
_PAST = re.compile(
    r"(?:\b(?:following|after|since|suite a|apres|depuis|consecutive a)(?:\s+\S+){0,2}"
    r"|\b(?:earlier|previous|prior|recent|precedente?)(?:\s+\S+)?|\bhad(?:\s+been)?(?:\s+\S+)?)\s*$"
)
_SENTENCE = re.compile(r"[^.!?;\n]+")
_CLAUSE_BREAK = re.compile(r"[,:()\[\]\"]|\s-\s|\bbut\b|\bmais\b|\bwhile\b")

_BASE = {"title": 0.9, "summary": 0.7}
_FACTOR = {"asserted": 1.0, "hedged": 0.6, "earlier": 0.5}
_STRENGTH = ("asserted", "hedged", "earlier")  # negated cues never decide a kind


@dataclass(frozen=True)
class Classification:
    """A notice's kind, how sure we are (0-1), and the cue: the words that decided it, and where."""

    kind: str
    confidence: float
    cue: str


@dataclass(frozen=True)
class _Cue:
    kind: str
    where: str
    strength: str
    position: int
    text: str


def _last_words(text: str, n: int) -> str:
    return " ".join(text.split()[-n:])


def _first_words(text: str, n: int) -> str:
    return " ".join(text.split()[:n])


def _clause_before(sentence: str, start: int) -> str:
    """The text from the last clause break up to ``start``."""
    before = sentence[:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    return before[breaks[-1].end() :] if breaks else before


def _strength(sentence: str, start: int, end: int) -> str:
    """How a cue is put: asserted, hedged, earlier (a past event recalled) or negated."""
    before = _clause_before(sentence, start)
    after = sentence[end:]
    if _NEGATION.search(_last_words(before, 4)) or _NEGATION_AFTER.search(after):
        return "negated"
    if _PAST.search(_last_words(before, 4)):
        return "earlier"
    if _HEDGE.search(_last_words(before, 6)) or _HEDGE_AFTER.search(_first_words(after, 4)):
        return "hedged"
    return "asserted"


def _read(text: str, where: str) -> tuple[list[_Cue], list[str]]:
    """Cues of one field (negated ones included) outside reassured sentences, and the reassurances."""
    folded, offsets = fold_with_offsets(text)
    cues: list[_Cue] = []
    reassurances: list[str] = []

    def original(start: int, end: int) -> str:
        return text[offsets[start] : offsets[end - 1] + 1] if end > start else ""

    for sentence_match in _SENTENCE.finditer(folded):
        sentence, base = sentence_match.group(), sentence_match.start()
        reassured = _REASSURANCE.search(sentence)
        if reassured:
            reassurances.append(original(base + reassured.start(), base + reassured.end()))
            continue
        remaining = sentence
        for kind, cue in _COMPILED:
            for m in cue.finditer(remaining):
                near = f"{_last_words(sentence[: m.start()], 2)} {_first_words(sentence[m.end() :], 3)}"
                void = _VOID.get(kind)
                if void is not None and void.search(near):
                    continue
                strength = _strength(sentence, m.start(), m.end())
                span = original(base + m.start(), base + m.end())
                cues.append(_Cue(kind, where, strength, base + m.start(), span))
            remaining = cue.sub(lambda m: " " * len(m.group()), remaining)
    return cues, reassurances


def classify(title: str, summary: str = "", language: str | None = None) -> Classification:
    """Classify an operator or news notice into one of ``KINDS``, with confidence and the cue that decided it.

    ``language`` is accepted for the notice contract, but English and French cues are always both read:
    feeds mislabel languages, and the cues of one language hardly ever occur in the other.
    """
    title_cues, title_reassured = _read(title or "", "title")
    summary_cues, summary_reassured = _read(summary or "", "summary")
    if title_reassured and all(c.strength == "negated" for c in title_cues):
        return Classification("none", 0.9, f'title: "{title_reassured[0]}"')
    negated = [c for c in title_cues + summary_cues if c.strength == "negated"]
    cues = [c for c in title_cues + summary_cues if c.strength != "negated"]
    if not cues:
        if summary_reassured:
            return Classification("none", 0.8, f'summary: "{summary_reassured[0]}"')
        if negated:
            return Classification("none", 0.8, f'{negated[0].where}: "{negated[0].text}" (negated)')
        return Classification("none", 0.5, "")
    best = min(
        cues,
        key=lambda c: (_STRENGTH.index(c.strength), PRIORITY.index(c.kind), c.where != "title", c.position),
    )
    confidence = _BASE[best.where] * _FACTOR[best.strength]
    if best.strength == "asserted" and any(
        c.kind == best.kind and c.where != best.where and c.strength == "asserted" for c in cues
    ):
        confidence = min(0.95, confidence + 0.05)  # title and summary agree
    note = "" if best.strength == "asserted" else f" ({best.strength})"
    return Classification(best.kind, round(confidence, 2), f'{best.where}: "{best.text}"{note}')
