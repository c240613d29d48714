"""Metric functions on small examples computed by hand."""

from __future__ import annotations

import math

import pytest

from coach.judge.metrics import (
    accuracy,
    balanced_accuracy,
    cohen_kappa,
    confusion,
    pairwise_accuracy,
    roc_auc,
)

A, C = "aligned", "contradicts"


def test_accuracy_and_confusion() -> None:
    labels = [A, A, A, C]
    preds = [A, A, C, C]
    assert accuracy(labels, preds) == 0.75
    c = confusion(labels, preds)
    assert (c.tp, c.fn, c.fp, c.tn) == (2, 1, 0, 1)


def test_balanced_accuracy_weights_classes_equally() -> None:
    # recall(aligned) = 2/3, recall(contradicts) = 1/1 -> (2/3 + 1) / 2
    assert balanced_accuracy([A, A, A, C], [A, A, C, C]) == pytest.approx(5 / 6)
    # predicting "aligned" for everything on an imbalanced set: accuracy 0.75, balanced 0.5
    assert balanced_accuracy([A, A, A, C], [A, A, A, A]) == 0.5


def test_cohen_kappa_by_hand() -> None:
    # p_o = 0.75; labels 3/4 aligned, predictions 2/4 aligned: p_e = .75*.5 + .25*.5 = 0.5 -> kappa 0.5
    assert cohen_kappa([A, A, A, C], [A, A, C, C]) == pytest.approx(0.5)
    assert cohen_kappa([A, C], [A, C]) == 1.0
    assert cohen_kappa([A, C, A, C], [C, A, C, A]) == pytest.approx(-1.0)


def test_roc_auc_with_ties() -> None:
    # positives 0.9, 0.5; negatives 0.5, 0.1
    # pairs: (0.9>0.5)=1, (0.9>0.1)=1, (0.5=0.5)=0.5, (0.5>0.1)=1 -> 3.5/4
    assert roc_auc([A, A, C, C], [0.9, 0.5, 0.5, 0.1]) == pytest.approx(0.875)
    assert roc_auc([A, C], [0.2, 0.8]) == 0.0
    assert roc_auc([A, C], [0.5, 0.5]) == 0.5
    assert math.isnan(roc_auc([A, A], [0.1, 0.2]))


def test_pairwise_accuracy_counts_only_pairs_within_a_group() -> None:
    groups = ["u1", "u1", "u2", "u2", "u3"]
    labels = [A, C, A, C, A]
    scores = [0.8, 0.2, 0.4, 0.4, 0.1]  # u1 right, u2 tie (half), u3 has no pair
    value, pairs = pairwise_accuracy(groups, labels, scores)
    assert pairs == 2 and value == pytest.approx(0.75)


def test_length_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="length mismatch"):
        accuracy([A], [A, C])
