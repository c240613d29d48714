"""Agreement between a judge and human labels: accuracy, balanced accuracy, Cohen's kappa, ROC-AUC,
pairwise accuracy and the confusion matrix. Pure Python; "positive" means aligned."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

POSITIVE = "aligned"
NEGATIVE = "contradicts"


@dataclass(frozen=True, slots=True)
class Confusion:
    tp: int  # labelled aligned, judged aligned
    fn: int  # labelled aligned, judged contradicts
    fp: int  # labelled contradicts, judged aligned
    tn: int  # labelled contradicts, judged contradicts

    @property
    def total(self) -> int:
        return self.tp + self.fn + self.fp + self.tn


def confusion(labels: Sequence[str], predictions: Sequence[str]) -> Confusion:
    _same_length(labels, predictions)
    counts = {"tp": 0, "fn": 0, "fp": 0, "tn": 0}
    for label, pred in zip(labels, predictions, strict=True):
        if label == POSITIVE:
            counts["tp" if pred == POSITIVE else "fn"] += 1
        else:
            counts["fp" if pred == POSITIVE else "tn"] += 1
    return Confusion(**counts)


def accuracy(labels: Sequence[str], predictions: Sequence[str]) -> float:
    _same_length(labels, predictions)
    if not labels:
        return float("nan")
    return sum(a == b for a, b in zip(labels, predictions, strict=True)) / len(labels)


def balanced_accuracy(labels: Sequence[str], predictions: Sequence[str]) -> float:
    """Mean of the recall on each class present in the labels."""
    c = confusion(labels, predictions)
    recalls = []
    if c.tp + c.fn:
        recalls.append(c.tp / (c.tp + c.fn))
    if c.tn + c.fp:
        recalls.append(c.tn / (c.tn + c.fp))
    return sum(recalls) / len(recalls) if recalls else float("nan")


def cohen_kappa(labels: Sequence[str], predictions: Sequence[str]) -> float:
    """(p_o - p_e) / (1 - p_e); 1.0 when both raters agree perfectly on a single class."""
    c = confusion(labels, predictions)
    n = c.total
    if n == 0:
        return float("nan")
    observed = (c.tp + c.tn) / n
    label_pos, pred_pos = (c.tp + c.fn) / n, (c.tp + c.fp) / n
    expected = label_pos * pred_pos + (1 - label_pos) * (1 - pred_pos)
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1 - expected)


def roc_auc(labels: Sequence[str], scores: Sequence[float]) -> float:
    """Probability that a random aligned case scores above a random contradicting one (ties count half).

    Computed with average ranks (Mann-Whitney U), so ties are handled exactly. NaN if one class is absent.
    """
    _same_length(labels, scores)
    positives = sum(1 for label in labels if label == POSITIVE)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        average = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[order[k]] = average
        i = j + 1
    rank_sum = sum(r for r, label in zip(ranks, labels, strict=True) if label == POSITIVE)
    u = rank_sum - positives * (positives + 1) / 2
    return u / (positives * negatives)


def pairwise_accuracy(
    groups: Sequence[str], labels: Sequence[str], scores: Sequence[float]
) -> tuple[float, int]:
    """Within each group (same user message), the share of (aligned, contradicting) pairs in which the aligned
    advice scores higher; ties count half. Returns (accuracy, number of pairs)."""
    _same_length(labels, scores)
    by_group: dict[str, dict[str, list[float]]] = defaultdict(lambda: {POSITIVE: [], NEGATIVE: []})
    for group, label, score in zip(groups, labels, scores, strict=True):
        by_group[group][POSITIVE if label == POSITIVE else NEGATIVE].append(score)
    wins = 0.0
    pairs = 0
    for members in by_group.values():
        for good in members[POSITIVE]:
            for bad in members[NEGATIVE]:
                pairs += 1
                wins += 1.0 if good > bad else 0.5 if good == bad else 0.0
    return (wins / pairs if pairs else float("nan")), pairs


def summary(
    labels: Sequence[str], predictions: Sequence[str], scores: Sequence[float], groups: Sequence[str]
) -> dict[str, object]:
    c = confusion(labels, predictions)
    pairwise, pairs = pairwise_accuracy(groups, labels, scores)
    return {
        "n": len(labels),
        "accuracy": accuracy(labels, predictions),
        "balanced_accuracy": balanced_accuracy(labels, predictions),
        "kappa": cohen_kappa(labels, predictions),
        "roc_auc": roc_auc(labels, scores),
        "pairwise_accuracy": pairwise,
        "pairs": pairs,
        "confusion": {"tp": c.tp, "fn": c.fn, "fp": c.fp, "tn": c.tn},
    }


def _same_length(a: Sequence[object], b: Sequence[object]) -> None:
    if len(a) != len(b):
        raise ValueError(f"length mismatch: {len(a)} labels, {len(b)} predictions")
