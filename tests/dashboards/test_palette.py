"""Colours and labels: fixed per domain word, distinct, and readable."""

from __future__ import annotations

import itertools
import math

import pandas as pd

from dashboards import figures, palette
from monitor.domain import EVENT_TYPES, HALTING_KINDS, LEVELS, NOTICE_KINDS, RESUMING_KIND
from monitor.labels import commodity_label, feed_label, label


def test_every_listed_commodity_has_its_own_colour_and_cobalt_is_not_uranium() -> None:
    colours = list(palette.COMMODITY_COLOURS.values())
    assert len(set(colours)) == len(colours)
    assert palette.commodity_colour("cobalt") != palette.commodity_colour("uranium")
    assert palette.OTHER not in colours


def _lab(colour: str) -> tuple[float, float, float]:
    """A '#rrggbb' colour in CIELAB (D65): distances there follow how different two colours look."""
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    xyz = ((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b,
           (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883)  # fmt: skip
    fx, fy, fz = (t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def test_no_two_commodities_look_alike_on_one_chart() -> None:
    colours = palette.COMMODITY_COLOURS
    closest = min(
        (math.dist(_lab(colours[a]), _lab(colours[b])), a, b) for a, b in itertools.combinations(colours, 2)
    )
    # Tin and uranium were 19 apart (two teal-greens); 25 is about two clearly different hues.
    assert closest[0] >= 25, closest


def test_a_commodity_keeps_its_colour_whatever_else_is_on_the_chart() -> None:
    def uranium_line(commodities: list[str]) -> str:
        history = pd.DataFrame(
            {"date": pd.Timestamp("2025-03-01"), "commodity": commodities, "supply_at_risk_t": 1.0}
        )
        fig = figures.supply_history_figure(history)
        return str(next(t.line.color for t in fig.data if t.name == "Uranium"))

    assert uranium_line(["uranium"]) == uranium_line(["cobalt", "copper", "uranium"])
    assert uranium_line(["uranium"]) == palette.COMMODITY_COLOURS["uranium"]


def test_an_unlisted_commodity_gets_a_stable_colour_no_listed_one_uses() -> None:
    spare = palette.commodity_colour("niobium")
    assert spare == palette.commodity_colour("Niobium ")
    assert spare not in palette.COMMODITY_COLOURS.values()


def test_levels_event_types_and_halting_kinds_each_have_a_colour() -> None:
    assert set(palette.LEVEL_COLOURS) >= set(LEVELS)
    assert len(set(palette.LEVEL_COLOURS.values())) == len(palette.LEVEL_COLOURS)
    assert set(palette.EVENT_COLOURS) == set(EVENT_TYPES)
    assert all(palette.kind_colour(k) == palette.LEVEL_COLOURS["halted"] for k in HALTING_KINDS)
    assert palette.kind_colour(RESUMING_KIND) != palette.OTHER
    assert set(palette.KIND_COLOURS) == set(NOTICE_KINDS)  # partial and export halts too
    assert palette.level_colour("no such level") == palette.LEVEL_COLOURS["unscored"]


def test_labels_never_read_none_and_keep_abbreviations() -> None:
    assert label("none") == "No halt signal"
    assert label(None) == "Other" and label(float("nan")) == "Other" and label("") == "Other"
    assert label("force_majeure") == "Force majeure"
    assert label("explosions_remote_violence") == "Explosions / remote violence"
    assert label("pgm") == "PGM" and commodity_label("pgm") == "PGM"
    assert commodity_label("rare_earths") == "Rare earths"
    assert commodity_label("rare_earths", sentence=True) == "rare earths"
    assert commodity_label("pgm", sentence=True) == "PGM"
    assert commodity_label("tin", sentence=True) == "tin"


def test_feeds_read_as_their_kind_and_name() -> None:
    assert feed_label("acled") == ("Conflict events", "ACLED")
    assert feed_label("notices:alphamin") == ("Notices", "alphamin")
    assert feed_label("sites") == ("Other", "sites")
