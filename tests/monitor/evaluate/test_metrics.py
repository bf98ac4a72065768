"""Precision, recall, F1 and macro F1 as the evaluation prints them."""

from __future__ import annotations

import pytest

from monitor.evaluate.metrics import LabelScore, accuracy, label_scores, macro_f1


def test_scores_per_label() -> None:
    gold = ["halt", "halt", "none", "none", "resumption"]
    predicted = ["halt", "none", "none", "halt", "resumption"]
    scores = {s.label: s for s in label_scores(gold, predicted)}
    assert scores["halt"] == LabelScore("halt", 0.5, 0.5, 0.5, 2, 2)
    assert scores["resumption"] == LabelScore("resumption", 1.0, 1.0, 1.0, 1, 1)


def test_macro_f1_averages_over_gold_labels_only() -> None:
    gold = ["halt", "halt", "none"]
    predicted = ["halt", "evacuation", "none"]
    # halt: P 1, R 0.5, F1 2/3; none: F1 1; evacuation is not in the gold set.
    assert macro_f1(gold, predicted) == pytest.approx((2 / 3 + 1) / 2)


def test_a_label_never_predicted_scores_zero() -> None:
    scores = {s.label: s for s in label_scores(["halt", "none"], ["none", "none"])}
    assert scores["halt"].f1 == 0.0 and scores["halt"].predicted == 0


def test_accuracy_and_empty_sets() -> None:
    assert accuracy(["a", "b"], ["a", "c"]) == 0.5
    assert accuracy([], []) == 0.0 and macro_f1([], []) == 0.0


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError, match="2 gold labels but 1"):
        label_scores(["a", "b"], ["a"])
