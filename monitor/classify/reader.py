"""Cues of one field of a notice: what stops, restarts, moves out or is cut, and how it is said.

A field (title or summary) is folded and cut into sentences and clauses. In each sentence the lexicon's
cue families are read in order, each consuming its words so that a compound ("suspends guidance",
"lifting of force majeure") is not read again as the words inside it:

    guidance cut -> halt lifted -> restart -> stop -> stop needing an object -> evacuation -> staff moved

A stop or restart takes the kind of the nearest object word of its clause: operations (``halt``), one part
of the site (``partial_halt``), exports or deliveries (``export_halt``), visits, share trading or talks
(nothing). A sentence naming one line, level or "one of the plants" makes a halt partial.

Then how the cue is put: in a sentence with a drill or a denial, after a negation, after words that recall
a past episode ("following the", "que en 2023 estuvo"), after a hedge or plan ("could", "pourrait",
"podria", "podera", "rumours of"), or, for a halt, in a sentence saying something else goes on normally.
Only an asserted cue can decide a kind (``monitor.classify.decide``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.classify.lexicon import Lexicon
from monitor.textnorm import fold_with_offsets

#: How a cue is put; only ``asserted`` decides a kind.
#: ``planned`` is a headline's plan ("Bisie to resume"): news English writes both plans and steps days away
#: this way, so a summary that asserts the same step settles it.
#: ``dated`` is a step dated a quarter, half or year ahead ("restart in the first half of 2027").
STRENGTHS = ("asserted", "reassured", "earlier", "planned", "dated", "hedged", "negated", "denied", "drill")

# (family, lexicon field, needs an object) in reading order.
_FAMILIES: tuple[tuple[str, str, bool], ...] = (
    ("guidance", "guidance", False),
    ("lifted", "lifted", False),
    ("resume", "resume", False),
    ("stop", "stop", False),
    ("stop", "stop_weak", True),
    ("stop", "stop_noun", True),  # no object needed in a title
    ("evacuate", "evacuate", False),
    ("evacuate", "evacuate_weak", True),
    ("evacuate", "flee", False),
)
_STOP_KIND = {"ops": "halt", "part": "partial_halt", "export": "export_halt", "product": "export_halt"}
_OBJECT_LABEL = {
    "ops": "operations",
    "part": "one part of the site",
    "export": "exports/deliveries",
    "visit": "visits",
    "trading": "share trading",
    "talks": "talks or legal proceedings",
    "staff": "staff",
    "protest": "a protest",
    "access": "access roads or services",
    "project": "a project or construction",
    "decline": "a decline",
    "funding": "funding",
    "product": "product held up",
}
#: On a tie of distance, the more specific object class names what stops ("investor site visits",
#: "Kakula underground mine", "the mine's exports").
_SPECIFIC = (
    "visit", "trading", "talks", "funding", "protest", "access", "project", "decline", "part", "export",
    "staff", "ops", "product",
)  # fmt: skip
#: Classes that only count after the cue: a protest or road is the object of "suspends", "blocks", but
#: as a subject ("strike halts", "Huelga paraliza") it is the cause of the stop.
_AFTER_ONLY = frozenset({"protest", "access"})
#: Classes that name what stops only right after the cue ("halts the decline"): further on they are the
#: cause ("shuts Bald Hill on lithium slump").
_RIGHT_AFTER = frozenset({"decline"})
_RIGHT_AFTER_WORDS = 2
#: Classes beside a force majeure that are its cause, not what it covers.
_FORCE_MAJEURE_CAUSES = _AFTER_ONLY | _RIGHT_AFTER | {"project"}
_VOID = frozenset({"visit", "trading", "talks", "protest", "access", "project", "decline", "funding"})
_FAMILY_LABEL = {
    "guidance": "guidance lowered",
    "lifted": "halt lifted",
    "resume": "restart word",
    "stop": "stop word",
    "evacuate": "evacuation word",
}
#: Kinds whose cue a time months ahead makes a plan ("restart in the first half of 2026").
_DATED_KINDS = frozenset({"halt", "partial_halt", "export_halt", "resumption"})
_WINDOW_AFTER = 6  # words after a cue where its object may stand
_WINDOW_BEFORE = 6  # words before it, for the subject of a passive ("exports ... were suspended")
_GROUP = 2  # object words this close to the chosen one belong to its noun group
_SENTENCE = re.compile(r"(?:[^.!?;\n]|\.(?=\d))+")
# Quotation marks are not breaks: they wrap the words of one clause ("declared “force majeure”").
# A comma between digits ("4,800 employees") is no break.
_CLAUSE_BREAK = re.compile(r"(?<!\d),|,(?!\d)|[:()\[\]]|\s[-–]\s|\s\|\s")
_WORD = re.compile(r"\S+")
_FORCE_MAJEURE = re.compile(r"force majeure|fuerza mayor|forca maior")
# A span of years ("de 1993 a 2024", "from 2019 to 2023"), in any of the four languages: a past episode,
# right after a cue ("restee en veille de 1993 a 2024") or before it in its clause ("From 2007 to 2010, the
# union shut down the mine").
_YEARS = (
    r"(?:from|between|de|du|entre|desde|des)\s+(?:19|20)\d\d\s+(?:to|and|a|au|et|y|e|hasta|ate|-)"
    r"\s+(?:19|20)\d\d"
)
_YEARS_AFTER = re.compile(rf"^\s*(?:\S+\s+){{0,2}}?{_YEARS}")
_YEARS_SPAN = re.compile(rf"\b{_YEARS}\b")

# A standing state named by its start, a month or longer ago ("en sommeil depuis fevrier", "bloqueada ha
# meses", "idle since March"): background to the news, read like a past episode. A date with its day
# ("desde el 1 de marzo") is an announcement's start, and stays asserted.
_MONTHS = (
    r"january|february|march|april|may|june|july|august|september|october|november|december"
    r"|janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre"
    r"|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre"
    r"|janeiro|fevereiro|marco|maio|junho|julho|setembro|outubro|novembro|dezembro"
)
_STANDING_AFTER = re.compile(
    r"^\s*(?:\S+\s+){0,2}?(?:since|depuis|desde|ha|hace)\s+(?:(?:early|late|mid|le|la|el|o|debut|fin|finales"
    rf"|principios|inicios|meados|de|des|varios|varias|plusieurs|several|many)\s+){{0,2}}(?:{_MONTHS}|months"
    rf"|mois"
    r"|meses|years|ans|annees|anos|(?:19|20)\d\d)\b"
)

# A month right after a cue ("mise en sommeil fin fevrier", "idled in March").
_MONTH_AFTER = re.compile(
    rf"^\s*(?:(?:in|en|fin|debut|mi|a|early|late|mid|finales de|principios de|em|no|final de|inicio de)\s+)?"
    rf"(?:{_MONTHS})\b"
)

# Compulsion a few words before a headline's "to" ("forced copper producer First Quantum to stop").
_FORCED = re.compile(r"\b(?:forc|compel|oblig)\w*\b")
# Where a headline's second part begins: "Barrick suspend ses activites au Mali : quelles alternatives ?"
# asks only after the colon.
_HEAD_BREAK = re.compile(r":|\s[-–]\s")
# A question that explains a fact ("Pourquoi la Guinee a ordonne l'arret des exportations ?") tells it.
_EXPLAINS = re.compile(r"\b(?:why|how|pourquoi|comment|por que|porque|como)\b")
# A year naming a stop: right after a noun cue ("el paro de 2019") or right before it ("the 2020 shutdown").
_NOUN_YEAR_AFTER = re.compile(r"^\s*(?:de|of|in|en|em|du|da|do|del|d')\s*(?:19|20)\d\d\b")
_YEAR_BEFORE = re.compile(r"\b(?:19|20)\d\d\s*$")
# A duration after a cue ("for two weeks", "por quatro meses", "pendant deux semaines").
_DURATION = re.compile(
    r"(?:for|por|pour|pendant|durante|during)\s+(?:\S+\s+){0,2}?(?:days?|weeks?|months?|hours?|dias|semanas"
    r"|meses|horas|jours|semaines|mois|heures)\b"
)
# Time ago right after a cue ("paralizada hace cuatro meses", "idled two years ago", "il y a trois mois").
_AGO_AFTER = re.compile(
    r"^\s*(?:\S+\s+){0,2}?(?:(?:hace|ha|il y a)\s+(?:\S+\s+){0,3}?(?:mes(?:es)?|anos?|mois|ans?|annees?"
    r"|semanas?"
    r"|semaines?)|(?:\S+\s+)?(?:months?|years?) ago)\b"
)
# Last year, a few words after a cue, in the four languages: a past episode.
_LAST_YEAR_AFTER = re.compile(
    r"^\s*(?:\S+\s+){0,6}?(?:last year|l'an dernier|l'annee derniere|el ano pasado|(?:d?o|no) ano passado)\b"
)


@dataclass(frozen=True)
class Cue:
    """One cue found in a field: the kind it gives when asserted, and how it is put."""

    kind: str  # a notice kind, or "none" for a stop of visits, trading or talks
    where: str  # "title" or "summary"
    strength: str  # one of STRENGTHS
    position: int  # character offset in the field
    text: str  # the cue and its object, as written
    language: str
    rule: str  # what made it this kind, e.g. "stop word + operations"
    modifier: str = ""  # the word that denied, negated, hedged... it, as folded

    def describe(self) -> str:
        """The cue as shown to a user: where, the words, the language, the kind and the rule."""
        if self.strength == "asserted":
            return f'{self.where}: "{self.text}" ({self.language} {self.kind}: {self.rule})'
        how = f'{self.strength} by "{self.modifier}"' if self.modifier else self.strength
        return f'{self.where}: "{self.text}" ({self.language} {self.kind} {how}: {self.rule})'


@dataclass(frozen=True)
class Reading:
    """What a field says: its cues, its statements that something goes on normally, its frame words."""

    cues: list[Cue]
    continues: list[tuple[int, str]]  # (sentence index, words as written)
    frame: str  # a denial or drill word of the field outside any cue ("" when none)
    partial: str = ""  # words naming one part of the site ("one of the two lines", "half capacity")
    report: str = ""  # words saying the field reports a period's figures ("first-quarter output")


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _last_words(text: str, n: int) -> str:
    return " ".join(text.split()[-n:])


def _first_words(text: str, n: int) -> str:
    return " ".join(text.split()[:n])


def _clause(sentence: str, start: int, end: int, lexicon: Lexicon) -> tuple[int, int]:
    """Bounds of the clause around ``sentence[start:end]`` (punctuation and contrast words break clauses)."""
    breaks = [(m.start(), m.end()) for m in _CLAUSE_BREAK.finditer(sentence)]
    breaks += [(m.start(), m.end()) for m in lexicon.compiled["contrast"].finditer(sentence)]
    left = max((b_end for b_start, b_end in breaks if b_end <= start), default=0)
    right = min((b_start for b_start, _ in breaks if b_start >= end), default=len(sentence))
    return left, right


def _object(sentence: str, start: int, end: int, lexicon: Lexicon) -> tuple[str, int, int] | None:
    """The object of the cue at ``sentence[start:end]``: (class, start, end) of its word, or None.

    The nearest object word after the cue (up to a word of cause or time: "after", "por", "pour"), else
    the first one of its clause before it (the subject of a passive or a nominal phrase). Of the words of
    one noun group, the most specific class wins (``_SPECIFIC``).
    """
    left, right = _clause(sentence, start, end, lexicon)
    at = end
    while stop := lexicon.compiled["object_end"].search(sentence, at, right):
        if span := _DURATION.match(sentence, stop.start()):
            at = span.end()  # "suspender por quatro meses a exportacao": a duration, then the object
            continue
        right = stop.start()
        break
    found: list[tuple[str, int, int]] = []
    for cls in _OBJECT_LABEL:
        for m in lexicon.compiled[f"obj:{cls}"].finditer(sentence, left, right):
            if m.end() <= start or m.start() >= end:
                found.append((cls, m.start(), m.end()))
    # A phrase ("processing plant") hides the words inside it ("plant").
    found = [
        f
        for f in found
        if not any(o[1] <= f[1] and f[2] <= o[2] and o[2] - o[1] > f[2] - f[1] for o in found)
    ]
    after = sorted(
        (_words(sentence[end:s]), cls, s, e)
        for cls, s, e in found
        if s >= end
        and _words(sentence[end:s]) <= (_RIGHT_AFTER_WORDS if cls in _RIGHT_AFTER else _WINDOW_AFTER)
    )
    before = sorted(
        (s, cls, e)
        for cls, s, e in found
        if e <= start and cls not in _AFTER_ONLY and _words(sentence[e:start]) <= _WINDOW_BEFORE
    )
    if after:
        _, cls, s, e = after[0]
    elif before:
        s, cls, e = before[0]
    else:
        return None
    group = [
        (c, gs, ge)
        for c, gs, ge in found
        if (gs >= end) == (s >= end)
        # A protest or road names what stops only as the nearest word ("suspends the blockade"), not
        # beside one ("halt production on blockades": the cause).
        and (c not in _AFTER_ONLY or (gs, ge) == (s, e))
        and _words(sentence[min(e, ge) : max(s, gs)]) <= _GROUP
    ]
    return min(group, key=lambda g: (_SPECIFIC.index(g[0]), g[1]))


def _kind(family: str, obj: str | None, needs_object: bool) -> tuple[str, str] | None:
    """(kind, rule) of a cue of ``family`` bearing on ``obj``; None when it is no cue at all."""
    label = _FAMILY_LABEL[family]
    if family == "guidance":
        return "guidance_cut", label
    if family == "lifted":
        return "resumption", label
    if family == "evacuate":
        if needs_object and obj != "staff":
            return None
        return "evacuation", label + (" + staff" if obj == "staff" else "")
    if obj is None:
        if needs_object:
            return None
        return ("halt" if family == "stop" else "resumption"), f"{label}, no object: the site"
    if obj in _VOID:
        return "none", f"{label} + {_OBJECT_LABEL[obj]}"
    if family == "resume":
        return "resumption", f"{label} + {_OBJECT_LABEL.get(obj, obj)}"
    if obj == "staff":
        return None if needs_object else ("halt", f"{label}, no object: the site")
    return _STOP_KIND[obj], f"{label} + {_OBJECT_LABEL[obj]}"


def _strength(
    sentence: str, start: int, end: int, kind: str, lexicon: Lexicon, flags: dict[str, str]
) -> tuple[str, str]:
    """How the cue at ``sentence[start:end]`` is put, and the word that says so."""
    if flags.get("drill"):
        return "drill", flags["drill"]
    if flags.get("denial"):
        return "denied", flags["denial"]
    if flags.get("question") and not _HEAD_BREAK.search(sentence, end):
        return "hedged", flags["question"]
    left, _ = _clause(sentence, start, end, lexicon)
    before = sentence[left:start]
    after = sentence[end:]
    c = lexicon.compiled
    if m := c["negation"].search(_last_words(before, 4)):
        return "negated", m.group()
    if m := c["negation_after"].match(after.lstrip()):
        return "negated", m.group()
    if (m := c["earlier"].search(" " + _last_words(before, 6))) and not (
        c["reported"].search(sentence, 0, start) and c["earlier"].search(" " + _last_words(before, 2))
    ):
        return "earlier", m.group().strip()
    if m := _YEARS_AFTER.match(after) or _STANDING_AFTER.match(after) or _YEARS_SPAN.search(before):
        return "earlier", m.group().strip()
    if kind in _DATED_KINDS and (m := _LAST_YEAR_AFTER.match(after) or _AGO_AFTER.match(after)):
        return "earlier", m.group().strip()  # "paralisada na maior parte do ano passado"
    if not before.strip(" \"'«“") and (m := _MONTH_AFTER.match(after)):
        # "Mise en sommeil fin fevrier, ...": a sentence opening on a dated stop recalls it.
        return "earlier", m.group().strip()
    if c["noun"].match(sentence, start) and (m := c["earlier_noun"].search(" " + _last_words(before, 6))):
        return "earlier", m.group().strip()
    if c["noun"].match(sentence, start) and (
        m := _NOUN_YEAR_AFTER.match(after) or _YEAR_BEFORE.search(before)
    ):
        return "earlier", m.group().strip()  # "el paro de 2019", "the 2020 shutdown": a named past episode
    if (
        (m := c["plan"].search(" " + _last_words(before, 3)))
        and not _FORCED.search(_last_words(before, 8))  # "forced copper producer X to stop": no plan
        and not c["imminent"].search(sentence)
    ):
        return "planned", m.group().strip()
    if m := c["hedge"].search(_last_words(before, 6)):
        return "hedged", m.group()
    if (m := c["condition"].match(sentence)) or (m := c["request"].search(sentence, 0, start)):
        return "hedged", m.group().strip(" \"'«“")
    if m := c["hedge_after"].search(_first_words(after, 4)):
        return "hedged", m.group()
    if (
        kind in _DATED_KINDS
        and (m := c["ahead"].match(after))
        and not _past_tense(sentence, start, end, before, lexicon)
    ):
        return "dated", m.group("when")
    if kind == "halt" and flags.get("continues"):
        return "reassured", flags["continues"]
    return "asserted", ""


def _past_tense(sentence: str, start: int, end: int, before: str, lexicon: Lexicon) -> bool:
    """Whether the verb cue at ``sentence[start:end]`` is in a past tense ("resumed", "a repris"); a noun
    ("the restart") has none."""
    c = lexicon.compiled
    if c["noun"].match(sentence, start):
        return False
    return bool(c["past"].search(_last_words(before + sentence[start:end], 3)))


def read(text: str, where: str, lexicons: list[Lexicon]) -> Reading:
    """The cues of one field read with each of ``lexicons``."""
    folded, offsets = fold_with_offsets(text or "")

    def original(start: int, end: int) -> str:
        return text[offsets[start] : offsets[end - 1] + 1] if end > start else ""

    cues: list[Cue] = []
    continues: list[tuple[int, str]] = []
    frame = ""
    partial = ""
    for index, sentence_match in enumerate(_SENTENCE.finditer(folded)):
        sentence, base = sentence_match.group(), sentence_match.start()
        for lexicon in lexicons:
            c = lexicon.compiled
            flags = {}
            if folded[sentence_match.end() : sentence_match.end() + 1] == "?" and not _EXPLAINS.search(
                sentence
            ):
                flags["question"] = "?"  # "Greve na mina de Cerro Verde?": asked, not told
            for name in ("drill", "denial", "continues"):
                if m := c[name].search(sentence):
                    flags[name] = m.group()
            if not partial and (pm := c["partial"].search(sentence)):
                partial = original(base + pm.start(), base + pm.end())
            if "continues" in flags:
                m = c["continues"].search(sentence)
                assert m is not None
                continues.append((index, original(base + m.start(), base + m.end())))
            cues_before = len(cues)
            remaining = sentence
            for family, name, needs_object in _FAMILIES:
                pattern = c[name]
                if name == "stop_noun" and where == "title":
                    needs_object = False
                for m in pattern.finditer(remaining):
                    obj = None if family == "guidance" else _object(sentence, m.start(), m.end(), lexicon)
                    if (
                        obj
                        and _FORCE_MAJEURE.search(m.group())
                        and (obj[1] < m.start() or obj[0] in _FORCE_MAJEURE_CAUSES)
                    ):
                        # "La mine X appliquera la force majeure": the mine declares it; "fuerza mayor en su
                        # segundo dia de huelga": the strike is its cause. Neither is what it covers.
                        obj = None
                    decided = _kind(family, obj[0] if obj else None, needs_object)
                    if decided is None:
                        continue
                    if (
                        name == "flee"
                        and c["civilians"].search(sentence)
                        and not c["obj:staff"].search(sentence)
                    ):
                        continue  # residents fleeing fighting: no evacuation of a site
                    kind, rule = decided
                    if kind == "halt" and c["partial"].search(sentence):
                        kind, rule = "partial_halt", f"{rule}, one part named"
                    if _FORCE_MAJEURE.search(m.group()):
                        rule = rule.replace("stop word", "force majeure", 1)
                    strength, modifier = _strength(sentence, m.start(), m.end(), kind, lexicon, flags)
                    if strength == "reassured" and where == "title":
                        # "X halts; Y keeps running": one part stops (or another site does).
                        kind, strength, rule = "partial_halt", "asserted", f'{rule}, while "{modifier}"'

                    span_start = min(m.start(), obj[1]) if obj else m.start()
                    span_end = max(m.end(), obj[2]) if obj else m.end()
                    cues.append(
                        Cue(
                            kind,
                            where,
                            strength,
                            base + m.start(),
                            original(base + span_start, base + span_end),
                            lexicon.language,
                            rule,
                            modifier,
                        )
                    )
                remaining = pattern.sub(lambda m: " " * len(m.group()), remaining)
            if len(cues) == cues_before and not frame:
                frame = flags.get("denial") or flags.get("drill") or ""
    report = ""
    for lexicon in lexicons:
        if m := lexicon.compiled["report"].search(folded):
            report = original(m.start(), m.end())
            break
    return Reading(_one_per_place(cues), continues, frame, partial, report)


def _one_per_place(cues: list[Cue]) -> list[Cue]:
    """One cue per position: where the words of several languages read the same cue ("force majeure" in
    an undetected language), the reading that found the most of it (its object) stands."""
    best: dict[int, Cue] = {}
    for cue in cues:
        if cue.position not in best or len(cue.text) > len(best[cue.position].text):
            best[cue.position] = cue
    return [cue for cue in cues if best[cue.position] is cue]
