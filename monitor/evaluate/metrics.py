"""Precision, recall and F1 per label, and their macro average: the figures every evaluation prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LabelScore:
    """Precision, recall and F1 of one label, with its gold and predicted counts."""

    label: str
    precision: float
    recall: float
    f1: float
    gold: int
    predicted: int


def label_scores(gold: Sequence[str], predicted: Sequence[str]) -> list[LabelScore]:
    """One score per label present in ``gold`` or ``predicted``, gold labels first (in order of first use).

    A label never predicted has precision 0; one absent from the gold set has recall 0 (it is listed, so
    its false alarms show, but ``macro_f1`` leaves it out).
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    labels = list(dict.fromkeys([*gold, *predicted]))
    scores = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        n_gold = sum(1 for g in gold if g == label)
        n_pred = sum(1 for p in predicted if p == label)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(LabelScore(label, precision, recall, f1, n_gold, n_pred))
    return scores


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Mean F1 over the labels present in ``gold`` (0 for an empty set)."""
    present = set(gold)
    scores = [s.f1 for s in label_scores(gold, predicted) if s.label in present]
    return sum(scores) / len(scores) if scores else 0.0


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Share of items whose prediction equals the gold label (0 for an empty set)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    return sum(1 for g, p in zip(gold, predicted, strict=True) if g == p) / len(gold) if gold else 0.0
