"""Notice kind from its title and summary, in English, French, Spanish and Portuguese, with the cue that
decided it; and a notice's language.

    >>> classify("Las Bambas suspende sus operaciones").kind
    'halt'

``classify(title, summary, language)`` reads the cue words of the notice's language (the declared one,
else the one detected) and returns a ``Classification(kind, confidence, cue)``; the cue names the phrase,
the language, the kind and the rule, e.g. ``title: "suspende sus operaciones" (es halt: stop word +
operations)``. Modules: ``lexicon`` (what a language contributes) and ``en``/``fr``/``es``/``pt`` (the
words), ``reader`` (cues of one field), ``decide`` (cues -> kind), ``language`` (detection).
"""

from __future__ import annotations

from monitor.classify.decide import PRIORITY, Classification, decide
from monitor.classify.en import EN
from monitor.classify.es import ES
from monitor.classify.fr import FR
from monitor.classify.language import NOTICE_LANGUAGES, detect_language, notice_language
from monitor.classify.lexicon import Lexicon
from monitor.classify.pt import PT
from monitor.classify.reader import read

__all__ = [
    "LEXICONS",
    "NOTICE_LANGUAGES",
    "PRIORITY",
    "Classification",
    "classify",
    "detect_language",
    "notice_language",
]

#: The cue words of each language the classifier reads.
LEXICONS: dict[str, Lexicon] = {lexicon.language: lexicon for lexicon in (EN, FR, ES, PT)}


def classify(title: str, summary: str = "", language: str | None = None) -> Classification:
    """Classify an operator or news notice into one of ``NOTICE_KINDS``, with confidence and cue.

    ``language`` is the feed's language tag ("es", "pt-BR"); without one the language is detected from
    the text. A notice in another language (or undetectable) is read with the cue words of all four.
    """
    lang = notice_language(language, f"{title}. {summary}")
    lexicons = [LEXICONS[lang]] if lang in LEXICONS else list(LEXICONS.values())
    return decide(read(title, "title", lexicons), read(summary, "summary", lexicons))
