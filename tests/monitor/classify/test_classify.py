"""The classifier's contract: kinds of the domain, the cue that decided, confidence, declared languages."""

from __future__ import annotations

import pytest

from monitor.classify import PRIORITY, Classification, classify
from monitor.domain import NOTICE_KINDS


def test_every_kind_it_gives_is_a_domain_kind() -> None:
    assert set(PRIORITY) == set(NOTICE_KINDS) - {"none"}


def test_cue_names_the_words_as_written_the_language_kind_and_rule() -> None:
    result = classify("Las Bambas suspende operaciones en Apurímac", "", language="es")
    assert result == Classification(
        "halt", 0.9, 'title: "suspende operaciones" (es halt: stop word + operations)'
    )


def test_cue_of_a_force_majeure_says_so() -> None:
    result = classify("Ruwe declares force majeure at its Kalunda mine", "", language="en")
    assert result.kind == "halt"
    assert "force majeure + operations" in result.cue


def test_cue_of_a_hedged_stop_names_the_hedge() -> None:
    result = classify("Alphamin pourrait suspendre ses activités à Bisie", "", language="fr")
    assert result.kind == "none"
    assert 'hedged by "pourrait"' in result.cue and "fr halt" in result.cue


def test_confidence_is_higher_in_the_title_than_in_the_summary() -> None:
    in_title = classify("Alphamin suspends operations at Bisie", "")
    in_summary = classify("Update on Bisie", "Alphamin suspends operations at Bisie.")
    assert in_title.kind == in_summary.kind == "halt"
    assert in_title.confidence > in_summary.confidence


def test_title_and_summary_agreeing_raise_confidence() -> None:
    alone = classify("Alphamin suspends operations", "")
    agreed = classify("Alphamin suspends operations", "All mining activities are suspended from Friday.")
    assert agreed.confidence > alone.confidence


@pytest.mark.parametrize(
    ("title", "summary", "kind"),
    [
        ("Alphamin begins phased restart at Bisie", "Operations had been suspended in March.", "resumption"),
        ("Reprise des activités à Bisie après un mois d'arrêt", "", "resumption"),
        ("Kamoto halts production, cuts guidance", "", "halt"),
        ("Kamoto cuts guidance after halting the concentrator", "", "guidance_cut"),
        ("Alphamin evacuates staff", "Mining and processing at Bisie were suspended.", "halt"),
        ("Update on Bisie", "Guidance was cut after the suspension of operations.", "guidance_cut"),
    ],
)
def test_newest_state_and_stronger_kinds_win(title: str, summary: str, kind: str) -> None:
    assert classify(title, summary).kind == kind


def test_a_stop_noun_in_a_summary_needs_what_stopped() -> None:
    # "the suspension" alone refers back; it does not make a notice a halt.
    assert classify("Cobalt market update", "Traders expect the suspension to be lifted soon.").kind == "none"
    assert classify("Suspension at Bisie", "").kind == "halt"


def test_declared_language_tag_is_read_as_its_language() -> None:
    # "para" is a stop in Portuguese ("para a producao") and "for" in Spanish.
    assert classify("Greve para a produção na mina", "", language="pt-PT").kind == "halt"
    assert classify("Acuerdo para la producción en la mina", "", language="es").kind == "none"


def test_unknown_language_reads_every_language() -> None:
    assert classify("Bisie: suspension des activités", "", language="de").kind == "halt"


def test_empty_notice_is_none() -> None:
    assert classify("", "") == Classification("none", 0.5, "")
