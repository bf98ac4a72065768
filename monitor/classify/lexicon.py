"""What one language contributes to reading a notice: its cue words, object words and modifiers.

Every pattern is a regular expression over folded text (``monitor.textnorm.fold``: lower case, no accents),
written as alternatives; ``Lexicon.compiled`` wraps each in word boundaries once. The reader
(``monitor.classify.reader``) is the same for every language: a language only says which words are a stop
verb, which are operations, exports or a part of a site, and which words deny, hedge or recall a past event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

#: Object classes a stop or restart cue can bear on, and what a stop of each means.
#: ``ops``: the site's mining or production (a halt); ``part``: one plant, line, shaft or level (a partial
#: halt); ``export``: exports, shipments, deliveries, sales (an export halt); ``visit``, ``trading``,
#: ``talks``: not a stop of the site (visits, share trading, negotiations); ``staff``: people, for
#: evacuations.
#: ``protest``, ``access``: a protest or a road, after a stop verb ("suspends the blockade", "blocks access")
#: say nothing of the site's production.
#: ``product``: concentrate, cargo, ore held up (an export halt, when nothing closer names operations).
#: ``funding``: money ("stops funding the operations", "stopper le financement"): not the site's work.
#: ``project``: an opening, construction, expansion or exploration ("suspends construction of the new
#: shaft"): work that produces nothing yet. ``decline``: a fall or decline ("halts the decline in output").
OBJECT_CLASSES = (
    "ops",
    "part",
    "export",
    "product",
    "visit",
    "trading",
    "talks",
    "staff",
    "protest",
    "access",
    "project",
    "decline",
    "funding",
)


@dataclass(frozen=True)
class Lexicon:
    """The words of one language, as regex alternatives over folded text."""

    language: str
    #: A stop that needs no object ("suspends", "paraliza", "force majeure", "a l'arret").
    stop: str
    #: A stop that counts only with an object class near it ("stop", "cerrar", "interromper", "fermer").
    stop_weak: str
    #: A stop noun that needs an object outside a title ("the suspension", "la paralizacion"): in a
    #: summary it mostly refers back to a stop named elsewhere, or to an earlier one.
    stop_noun: str
    #: A restart ("resumes", "reprise", "reanuda", "retoma").
    resume: str
    #: The end of a halt named as such ("force majeure lifted", "levee de la force majeure").
    lifted: str
    #: Staff leave a site ("evacuated", "fled").
    evacuate: str
    #: Staff moved, only with a staff object near ("relocated", "retira", "traslado").
    evacuate_weak: str
    #: People flee: an evacuation unless the sentence names only civilians ("residents fled").
    flee: str
    #: Civilians, whose flight is no evacuation of a site.
    civilians: str
    #: A lowered or withdrawn production guidance, complete patterns ("cuts ... guidance").
    guidance: str
    #: Object words by class (``OBJECT_CLASSES``).
    objects: dict[str, str]
    #: Words that make a stop one part of the site: "one of", "line 2", "level 3".
    partial: str
    #: Words that end the object window after a cue: causes and times ("after", "por", "pour", "devido").
    object_end: str
    #: Words right before a cue that make it a plan: "to" in "Glencore to mothball", "va" in "va reprendre".
    plan: str
    #: Negation just before a cue ("not", "pas", "no", "nao").
    negation: str
    #: Negation just after a cue ("... has not been").
    negation_after: str
    #: A denial anywhere in the sentence ("denies", "dement", "desmiente", "nega").
    denial: str
    #: A hedge, plan, threat or rumour before a cue ("could", "pourrait", "podria", "podera", "rumours of").
    hedge: str
    #: A hedge just after a cue ("... expected", "... comenzaria el martes si").
    hedge_after: str
    #: Words right before a cue that make it a past episode recalled ("had been", "que en 2023 estuvo").
    earlier: str
    #: The same, only before a cue that is a noun ("following the suspension", "tras 50 dias de
    #: paralizacion"); before a verb they introduce the news itself ("after a fire halted production").
    earlier_noun: str
    #: Cue words that are nouns (matched at the start of a cue).
    noun: str
    #: A drill or exercise in the sentence.
    drill: str
    #: Something that goes on normally ("operations continue", "se poursuit", "con normalidad").
    continues: str
    #: Extra clause breaks (conjunctions of contrast: "but", "mais", "pero", "mas").
    contrast: str = ""
    #: A date days away in the sentence ("this week", "cette semaine", "a partir do proximo dia"): a headline
    #: plan with it is a decided step, not a plan ("Cigar Lake to restart production this week").
    imminent: str = ""
    #: A time a quarter, half or year ahead right after a cue ("restart in the first half of 2026",
    #: "reanudara en el segundo semestre"): a plan, not news, unless the cue is in a past tense.
    ahead: str = ""
    #: A condition opening a sentence ("If this is not resolved, ... will suspend", "Si ...", "Se ..."):
    #: every cue of the sentence is hedged.
    condition: str = ""
    #: A request or demand anywhere before a cue in its sentence ("requested ... the interruption",
    #: "exigiendo el reinicio"): what is asked for has not happened.
    request: str = ""
    #: A title reporting a period's figures or looking back ("first-quarter output", "produccion ... en el
    #: primer trimestre", "un an apres"): stops its summary tells are background, unless the title asserts
    #: a cue of its own.
    report: str = ""
    #: A reporting verb ("said", "a indique", "informo", "disse"): a past perfect after it ("said work had
    #: been suspended") reports the news, it does not recall an earlier episode.
    reported: str = ""
    #: The end of the words up to and including a cue that put it in a past tense ("resumed", "a repris",
    #: "reanudo", "retomou", "was halted"): a time after such a cue dates what happened.
    past: str = ""

    @cached_property
    def compiled(self) -> dict[str, re.Pattern[str]]:
        """Every pattern of the lexicon with word boundaries, by field name (objects as ``obj:<class>``)."""
        names = (
            "stop", "stop_weak", "stop_noun", "resume", "lifted", "evacuate", "evacuate_weak", "flee",
            "civilians", "guidance",
            "partial",
            "negation", "negation_after", "denial", "hedge", "hedge_after", "drill", "continues", "contrast",
            "object_end", "imminent", "request", "report", "reported",
        )  # fmt: skip
        out = {name: _words(getattr(self, name)) for name in names}
        # Anchored at the end of the words before a cue.
        out["earlier"] = re.compile(rf"(?:^|\s)(?:{self.earlier})(?:\s+\S+){{0,4}}\s*$")
        out["plan"] = re.compile(rf"(?:{self.plan})\s*$")
        out["earlier_noun"] = re.compile(rf"(?:^|\s)(?:{self.earlier_noun})(?:\s+\S+){{0,4}}\s*$")
        out["noun"] = re.compile(rf"(?:{self.noun})(?!\w)")
        # A time ahead within a few words after a cue; a past tense at the end of the words up to it.
        out["ahead"] = re.compile(rf"^\s*(?:\S+\s+){{0,12}}?(?P<when>{self.ahead or '(?!x)x'})(?!\w)")
        out["condition"] = re.compile(rf"^\W*(?:{self.condition or '(?!x)x'})(?!\w)")
        out["past"] = re.compile(rf"(?:^|\s)(?:{self.past})$") if self.past else _words("")
        for cls, pattern in self.objects.items():
            out[f"obj:{cls}"] = _words(pattern)
        return out


def _words(pattern: str) -> re.Pattern[str]:
    """``pattern``'s alternatives as whole words (an empty pattern matches nothing)."""
    if not pattern:
        return re.compile(r"(?!x)x")
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)")


def alternatives(*parts: str) -> str:
    """Regex alternatives joined: ``alternatives("a", "b")`` is ``"a|b"``."""
    return "|".join(p for p in parts if p)
