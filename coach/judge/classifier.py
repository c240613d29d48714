"""A learned tie-breaker for the rule judge: it orders texts, it never decides the verdict.

A logistic regression over a cheap text representation, trained on labelled advice (the working judge
sets in evals/judge/ and the rubric's own examples). Measured on sets written by independent writers
(evals/judge/README.md), it is badly calibrated there (it calls most texts aligned: 0.50-0.62 accuracy on
its own), so letting it move verdicts cost accuracy. Its ordering still carries signal: mixed into the
score only *within* the rules' verdict, it ranked the aligned text of a pair above the contradicting one
more often on all four independent sets (pairwise 0.917 -> 0.967, 0.893 -> 0.929, and on the two scored
only after this design was fixed, 0.810 -> 0.833 and 0.810 -> 0.857). Accuracy stays the rules' by
construction.

The representation is MiniLM's input layer, mean-pooled (`MiniLMEmbedder.embed_input_layer`): about a
millisecond a text, so the judge stays far above 200 cases/s; the full transformer costs ~15 ms a text
and transferred no better. Weights are data (knowledge/judge/advice_classifier.json), written by
`evals/judge/train_classifier.py`, which also checks that they match the data they came from.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach.resources import knowledge_dir

FEATURES = "all-MiniLM-L6-v2 input layer, mean-pooled"
ORDER_WEIGHT = 0.5  # the classifier's share of the score within the rules' verdict
L2 = 1e-4  # ridge penalty on the weights (not the bias), per training case

log = logging.getLogger(__name__)


class ClassifierError(Exception):
    """The classifier's weights file is unusable; the message says what is wrong and how to rebuild it."""


def weights_path() -> Path:
    return knowledge_dir() / "judge" / "advice_classifier.json"


@dataclass(frozen=True)
class AdviceClassifier:
    """P(aligned) for a text, from a linear model over the input-layer features."""

    weights: np.ndarray
    bias: float
    embedder: object  # MiniLMEmbedder; typed loosely so this module imports without the model

    def probabilities(self, texts: list[str]) -> np.ndarray:
        features = self.embedder.embed_input_layer(texts)  # type: ignore[attr-defined]
        return _sigmoid(features @ self.weights + self.bias)

    def probability(self, text: str) -> float:
        return float(self.probabilities([text])[0])


def order_within_verdict(rule_score: float, learned: float, weight: float = ORDER_WEIGHT) -> float:
    """Mix the classifier's probability into the rules' score without crossing 0.5.

    Each side of 0.5 is rescaled to [0, 1], mixed, and mapped back, so the verdict stays the rules' and
    the score stays monotone in both inputs.
    """
    if rule_score >= 0.5:
        return 0.5 + 0.5 * ((1 - weight) * (rule_score - 0.5) / 0.5 + weight * learned)
    return 0.5 * ((1 - weight) * rule_score / 0.5 + weight * min(learned, 0.999))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


def fit_logistic(features: np.ndarray, aligned: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (deterministic; a few iterations)."""
    n, dim = features.shape
    x = np.hstack([features.astype(np.float64), np.ones((n, 1))])
    y = aligned.astype(np.float64)
    theta = np.zeros(dim + 1)
    ridge = np.full(dim + 1, l2)
    ridge[-1] = 0.0  # the bias is not shrunk
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(x @ theta)))
        gradient = x.T @ (p - y) / n + ridge * theta
        hessian = (x.T * (p * (1 - p))) @ x / n + np.diag(ridge) + 1e-9 * np.eye(dim + 1)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return theta[:-1].astype(np.float32), float(theta[-1])


def read_weights(path: Path) -> dict[str, object]:
    """The weights file as a dict, validated; ClassifierError says what is wrong."""
    hint = "rebuild it with `python evals/judge/train_classifier.py`"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ClassifierError(f"{path} is missing; {hint}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ClassifierError(f"{path} could not be read ({exc}); {hint}") from exc
    weights = data.get("weights") if isinstance(data, dict) else None
    if (
        not isinstance(weights, list)
        or not all(isinstance(w, (int, float)) for w in weights)
        or not isinstance(data.get("bias"), (int, float))
    ):
        raise ClassifierError(f"{path} has no valid weights/bias; {hint}")
    if data.get("features") != FEATURES:
        raise ClassifierError(f"{path} was trained on other features ({data.get('features')!r}); {hint}")
    return data


_loaded: dict[Path, AdviceClassifier | None] = {}
_lock = threading.Lock()


def load_classifier(path: Path | None = None) -> AdviceClassifier | None:
    """The shipped classifier (once per process), or None when the offline model is not installed.

    Without the model the judge runs on its rules alone and says so in each judgement (`classifier_score`
    is absent); a damaged weights file is an error, because the install itself is broken.
    """
    from coach.knowledge.embeddings import MissingModelError, load_minilm

    target = path or weights_path()
    with _lock:
        if target in _loaded:
            return _loaded[target]
        data = read_weights(target)
        try:
            embedder = load_minilm()
        except MissingModelError as exc:
            log.warning("advice judge runs on rules alone: %s", exc)
            _loaded[target] = None
            return None
        weights = np.asarray(data["weights"], dtype=np.float32)
        if weights.shape != (embedder.dimension,):
            raise ClassifierError(
                f"{target} has {weights.size} weights but the model gives {embedder.dimension} features"
            )
        classifier = AdviceClassifier(weights, float(data["bias"]), embedder)  # type: ignore[arg-type]
        _loaded[target] = classifier
        return classifier
