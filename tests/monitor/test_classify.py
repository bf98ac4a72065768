"""Notice kinds from English and French titles and summaries: negation, reassurance, priority, confidence."""

from __future__ import annotations

import pytest

from monitor.classify import PRIORITY, RULES, Classification, classify
from monitor.domain import NOTICE_KINDS

CASES = [
    # English
    ("Alphamin announces temporary suspension of operations at Bisie", "", "halt"),
    ("Alphamin suspends operations at Bisie", "", "halt"),
    ("Operations suspended until further notice", "", "halt"),
    ("Last week Alphamin suspended operations at Bisie", "", "halt"),
    ("Earlier this week Alphamin suspended operations", "", "halt"),
    ("Temporary halt at Mpama North", "", "halt"),
    ("Production halted at Kamoto after power failure", "", "halt"),
    ("Mutanda placed on care and maintenance", "", "halt"),
    ("Production stopped at Rubaya", "", "halt"),
    ("Alphamin declares force majeure", "", "halt"),
    ("Evacuation of non-essential staff from Bisie", "", "evacuation"),
    ("Company evacuates workers as rebels approach", "", "evacuation"),
    ("Resumption of production at Bisie", "", "resumption"),
    ("Alphamin announces phased restart at Bisie", "", "resumption"),
    ("Tin production resumed on 15 April", "", "resumption"),
    ("Force majeure lifted at Bisie", "", "resumption"),
    ("Kamoa-Kakula reduces production guidance", "", "guidance_cut"),
    ("Ivanhoe lowered its 2025 copper guidance", "", "guidance_cut"),
    ("Glencore cuts cobalt output forecast", "", "guidance_cut"),
    ("Guidance withdrawn after unrest", "", "guidance_cut"),
    # French
    ("Communiqué : suspension des activités à Bisie", "", "halt"),
    ("Alphamin Bisie Mining suspend toutes ses activités", "", "halt"),
    ("Arrêt des activités à la mine de Bisie", "", "halt"),
    ("La production a été arrêtée à Rubaya", "", "halt"),
    ("Cas de force majeure à Bisie", "", "halt"),
    ("Évacuation du personnel non essentiel", "", "evacuation"),
    ("Le personnel a été évacué", "", "evacuation"),
    ("Reprise des activités à Bisie", "", "resumption"),
    ("Reprise progressive de la production", "", "resumption"),
    ("Redémarrage de la mine de Bisie", "", "resumption"),
    ("Levée de la force majeure", "", "resumption"),
    ("Révision à la baisse des prévisions de production", "", "guidance_cut"),
    ("Kamoa Copper abaisse ses prévisions pour 2025", "", "guidance_cut"),
    # Nothing to report
    ("Quarterly results", "Production was in line with guidance.", "none"),
    ("Costs reduced in line with guidance", "", "none"),
    ("Board revised the plan to lower costs", "", "none"),
    ("Ivanhoe revises 2025 copper guidance downwards", "", "guidance_cut"),
    ("Production guidance has been lowered", "", "guidance_cut"),
    ("Alphamin appoints new chief financial officer", "", "none"),
    ("Alphamin shares suspended from trading pending an announcement", "", "none"),
    ("À plusieurs reprises, le ministre a visité Kolwezi", "", "none"),
]


@pytest.mark.parametrize(("title", "summary", "kind"), CASES)
def test_kind(title, summary, kind):
    assert classify(title, summary).kind == kind


NEGATED_OR_REASSURED = [
    ("Rebels advance near Walikale", "Alphamin says operations continue normally."),
    ("Bisie operations not affected by fighting", ""),
    ("No impact on operations at Kamoto", ""),
    ("Kipushi remains unaffected by the export suspension", ""),
    ("Alphamin has no plans to suspend operations", ""),
    ("Force majeure has not been declared", ""),
    ("Pas d'impact sur la production à Bisie", ""),
    ("Les activités se poursuivent normalement à Bisie", ""),
    ("La mine n'est pas affectée par la suspension des exportations", ""),
    ("L'usine n'est pas affectée", ""),
    ("Alphamin n'a pas suspendu ses activités", ""),
    ("Aucune suspension des activités n'est prévue", ""),
    ("Alphamin: operations at Bisie continue normally", "Reports of a halt are wrong."),
]


@pytest.mark.parametrize(("title", "summary"), NEGATED_OR_REASSURED)
def test_negation_and_reassurance_give_none(title, summary):
    result = classify(title, summary)
    assert result.kind == "none"
    assert result.cue  # the words that made it none


@pytest.mark.parametrize(
    ("title", "summary", "kind"),
    [
        ("Alphamin suspends operations and declares force majeure", "", "halt"),
        ("Suspension des activités pour cas de force majeure", "", "halt"),
        ("Alphamin announces temporary halt and evacuation of non-essential staff", "", "halt"),
        ("Bisie: suspension of operations", "All non-essential staff evacuated.", "halt"),
        (
            "Alphamin announces phased restart of operations at Bisie",
            "Operations were suspended in March.",
            "resumption",
        ),
        ("Reprise des activités à Bisie après la suspension", "", "resumption"),
        ("Production resumed following the force majeure declared in March", "", "resumption"),
        ("Alphamin declares force majeure", "Operations will resume once security allows.", "halt"),
        ("Force majeure lifted; operations resume", "", "resumption"),
        ("Restart at Bisie", "Activities had been halted since 14 March by force majeure.", "resumption"),
        ("Kamoto halts production, cuts guidance", "", "halt"),
        ("Update on Bisie", "Guidance was cut after the suspension of operations.", "guidance_cut"),
    ],
)
def test_priority_when_several_kinds_appear(title, summary, kind):
    assert classify(title, summary).kind == kind


def test_every_kind_the_rules_give_is_ranked_and_a_domain_kind():
    assert {kind for kind, _ in RULES} <= set(PRIORITY) <= set(NOTICE_KINDS) - {"none"}


def test_confidence_is_higher_in_title_than_summary():
    in_title = classify("Alphamin suspends operations at Bisie", "")
    in_summary = classify("Update on Bisie", "Alphamin suspends operations at Bisie.")
    assert in_title.kind == in_summary.kind == "halt"
    assert in_title.confidence > in_summary.confidence


@pytest.mark.parametrize(
    "title",
    [
        "Operations could be suspended if rebels advance",
        "Alphamin may suspend operations",
        "Alphamin pourrait suspendre ses activités",
        "Restart expected in May",
    ],
)
def test_hedged_cues_have_lower_confidence(title):
    hedged = classify(title, "")
    assert hedged.kind != "none"
    assert hedged.confidence < classify("Alphamin suspends operations", "").confidence
    assert "hedged" in hedged.cue


@pytest.mark.parametrize(
    "title",
    [
        "The company said it would suspend operations from Friday",
        "Following the rebel advance, Alphamin suspended operations",
        "Last week Alphamin suspended operations",
    ],
)
def test_reported_announcements_are_not_hedged(title):
    result = classify(title, "")
    assert (result.kind, result.confidence) == ("halt", 0.9)


@pytest.mark.parametrize(
    ("summary", "note"),
    [
        ("Production restarted following the suspension of activities.", "restarted"),
        ("Operations, which had been halted by force majeure, restarted.", "restarted"),
    ],
)
def test_earlier_events_recalled_do_not_decide(summary, note):
    result = classify("Bisie update", summary)
    assert result.kind == "resumption"
    assert note in result.cue


def test_title_and_summary_agreeing_raise_confidence():
    alone = classify("Alphamin suspends operations", "")
    agreed = classify("Alphamin suspends operations", "All activities are suspended from Friday.")
    assert agreed.confidence > alone.confidence


def test_evidence_quotes_the_original_text():
    result = classify("Évacuation du personnel non essentiel", "")
    assert result == Classification("evacuation", 0.9, 'title: "Évacuation"')


def test_language_does_not_hide_cues_of_the_other_language():
    assert classify("Suspension des activités", "", language="en").kind == "halt"
    assert classify("Operations suspended", "", language="fr").kind == "halt"


def test_empty_notice_is_none():
    assert classify("", "") == Classification("none", 0.5, "")
