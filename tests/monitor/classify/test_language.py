"""Language detection of notices (py3langid's model, offline)."""

from __future__ import annotations

import pytest

from monitor.classify import detect_language, notice_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The company suspended mining at the tin mine after armed groups approached the town.", "en"),
        ("La société a suspendu ses activités d'extraction à la mine après l'avancée des rebelles.", "fr"),
        ("La empresa suspendió sus operaciones en la mina tras el bloqueo de los comuneros.", "es"),
        ("A empresa suspendeu as operações na mina de grafite devido às manifestações.", "pt"),
        ("Das Unternehmen hat den Betrieb der Mine nach den Protesten vorübergehend eingestellt.", "de"),
    ],
)
def test_language_of_a_sentence(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "   ", "Bisie", "OK 2025"])
def test_too_short_is_unknown(text: str) -> None:
    assert detect_language(text) is None


def test_declared_tag_wins_over_detection() -> None:
    assert notice_language("pt-BR", "The company suspended mining.") == "pt"
    assert notice_language(None, "La empresa suspendió sus operaciones en la mina tras el bloqueo.") == "es"
    assert notice_language("", "xx") is None
