"""A notice's language, offline: py3langid's naive Bayes model over byte n-grams, with a prior for the
languages mining notices are written in.

py3langid knows about a hundred languages; on a short headline it often names a close neighbour
(Galician for Portuguese, Occitan or Aragonese for French or Spanish, Nigerian Pidgin for English). A
notice is far more likely to be in English, French, Spanish or Portuguese, so one of those wins when the
model gives it at least half the score of the neighbour it preferred.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

#: The languages the classifier has cue words for.
NOTICE_LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "pt")
#: Below this many letters a text says too little to tell its language.
MIN_LETTERS = 12
#: A notice language wins over the model's first choice when it has at least this share of its score.
PRIOR = 0.5
#: A notice language is named only when the model gives it at least this probability: on a short
#: headline the model spreads itself over many languages, and a wrong guess would hide the cue words of
#: the right one (the classifier reads all four languages' cues when the language is unknown).
SURE = 0.3
#: A language outside ``NOTICE_LANGUAGES`` is named only when the model is at least this sure of it.
OTHER_MIN = 0.5
_LETTER = re.compile(r"[^\W\d_]")
_ISO_639_1 = re.compile(r"^[a-z]{2}$")


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's bundled model, loaded once (about 0.3 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language ("en", "fr", "es", "pt", or another), None when unsure.

    None when the text is too short (fewer than ``MIN_LETTERS`` letters) or the model is unsure (a
    notice language below ``SURE``, another one below ``OTHER_MIN``).
    """
    if len(_LETTER.findall(text or "")) < MIN_LETTERS:
        return None
    ranked: list[tuple[str, float]] = _identifier().rank(text)
    best, best_score = ranked[0]
    ours = next(((lang, score) for lang, score in ranked if lang in NOTICE_LANGUAGES), None)
    if ours is not None and ours[1] >= max(PRIOR * best_score, SURE):
        return ours[0]
    if best_score >= OTHER_MIN and _ISO_639_1.match(best):
        return str(best)
    return None


def notice_language(language: str | None, text: str) -> str | None:
    """A declared language tag as ISO 639-1 ("pt-BR" -> "pt"), or the language detected in ``text``."""
    declared = (language or "").strip().lower()[:2]
    if _ISO_639_1.match(declared):
        return declared
    return detect_language(text)
