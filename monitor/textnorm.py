"""Accent and case folding shared by text matching and notice classification ("Société" -> "societe")."""

from __future__ import annotations

import re
import unicodedata

# Letters that NFKD does not decompose, and typographic quotes/dashes that should read as ASCII.
_SPECIAL = str.maketrans(
    {
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "’": "'",
        "‘": "'",
        "´": "'",
        "`": "'",
        "‐": "-",
        "‑": "-",
        "–": "-",
        "—": "-",
        "\u00a0": " ",
        "\u202f": " ",
    }
)
_WORD = re.compile(r"[^\W_]+")


def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch.translate(_SPECIAL))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold(text: str) -> str:
    """Lower-case text without accents, punctuation kept: "L'Évacuation" -> "l'evacuation"."""
    return "".join(_fold_char(ch) for ch in text)


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Folded text and, for each of its characters, the index of the original character it came from."""
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        out.append(folded)
        offsets.extend([i] * len(folded))
    return "".join(out), offsets


def words(text: str) -> list[str]:
    """Folded words (letters and digits of any script); punctuation, hyphens and apostrophes split words."""
    return _WORD.findall(fold(text))


def word_key(text: str) -> str:
    """Folded words joined by single spaces, the form names are compared in ("Tenke-Fungurume")."""
    return " ".join(words(text))


def words_as_written(text: str) -> list[tuple[str, str]]:
    """Each folded word with its original spelling, for case checks: "KIA's" -> ("kia", "KIA"), ("s", "s")."""
    folded, offsets = fold_with_offsets(text)
    return [(m.group(), text[offsets[m.start()] : offsets[m.end() - 1] + 1]) for m in _WORD.finditer(folded)]
