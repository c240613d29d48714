"""The rule judge's learned layer: a reading of the whole text, weighed with the rules' findings.

The rules (knowledge/rubric.toml) find which principles a text honours or violates, and where; that
evidence is what users see. On writing they were never tuned on, their own verdict was right about 72% of
the time (evals/judge/README.md), mostly because no pattern covers a writer's own words. This layer reads
every word: a logistic regression over the text's word 1-3-grams (sublinear tf-idf), whose log-odds are
added to the rules' own log-odds at a fixed weight. The sum decides the score and the verdict.

It is trained only on the independent writers' sets (evals/judge/independent/), never on the sets the rules
were tuned on: an earlier layer trained on those learned our own writers' style and was at chance on anyone
else's. Leave-one-writer-out figures are in evals/judge/README.md. Weights are data
(knowledge/judge/advice_classifier.json), written by `evals/judge/train_classifier.py`, which also checks
that they match the data they came from. Pure numpy and the standard library: no model to load, well
under a millisecond a text.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from coach.resources import knowledge_dir

if TYPE_CHECKING:  # pragma: no cover
    from coach.judge.models import Judgement

FEATURES = "word 1-3-grams, sublinear tf-idf, L2-normalised; plus the rules' log-odds"
NGRAM_SIZES = (1, 2, 3)
MIN_DOCUMENT_FREQUENCY = 2  # an n-gram seen in one training text only tells about that text
L2 = 1e-5  # ridge penalty on the weights (not the bias), per training case
RULE_WEIGHT = 0.5  # the rules' log-odds join the n-grams' at this weight (chosen leaving one writer out)
# One bad recommendation among several good points weighs little in a long text's length-normalised row, so
# the weakest sentence's own log-odds, when negative, are added at this weight (chosen leaving one writer
# out: worst writer 0.82 -> 0.89, overall unchanged).
SENTENCE_WEIGHT = 0.2
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
MIN_SENTENCE_WORDS = 4
# Texts of 8-12 words (set s6) were judged right 0.94 of the time by a layer that had never seen one
# (the rules: 0.80); under 8 words there is no labelled text to tell, so the rules alone judge those
# (a greeting, a one-line reply).
MIN_WORDS = 8

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'"})


class ClassifierError(RuntimeError):
    """The shipped weights file is missing, damaged or from another feature set."""


def weights_path() -> Path:
    return knowledge_dir() / "judge" / "advice_classifier.json"


def ngrams(text: str) -> list[str]:
    """The text's word n-grams, lower-cased, curly apostrophes made straight ("don't" stays one word)."""
    words = _TOKEN.findall(text.lower().translate(_QUOTES))
    return [" ".join(words[i : i + n]) for n in NGRAM_SIZES for i in range(len(words) - n + 1)]


def rule_log_odds(judgement: Judgement) -> float:
    """The rules' own score as log-odds (clipped, so a certain rule verdict stays finite)."""
    own = judgement.rule_score if judgement.rule_score is not None else judgement.score
    score = min(max(own, 1e-3), 1 - 1e-3)
    return math.log(score / (1 - score))


@dataclass(frozen=True)
class Vocabulary:
    """N-gram -> column, with each column's inverse document frequency."""

    index: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(cls, documents: Sequence[list[str]]) -> Vocabulary:
        frequency = Counter(gram for grams in documents for gram in set(grams))
        kept = sorted(g for g, df in frequency.items() if df >= MIN_DOCUMENT_FREQUENCY)
        n = len(documents)
        idf = np.array([math.log((1 + n) / (1 + frequency[g])) + 1 for g in kept])
        return cls({g: i for i, g in enumerate(kept)}, idf)

    def rows(self, documents: Iterable[list[str]]) -> SparseRows:
        """Each document as an L2-normalised sublinear tf-idf row."""
        indptr, indices, data = [0], [], []
        for grams in documents:
            counts = Counter(self.index[g] for g in grams if g in self.index)
            columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
            values = (1 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * self.idf[columns]
            norm = np.linalg.norm(values)
            indices.append(columns)
            data.append(values / norm if norm else values)
            indptr.append(indptr[-1] + len(columns))
        join = np.concatenate
        return SparseRows(
            np.asarray(indptr, dtype=np.int64),
            join(indices) if indices else np.zeros(0, np.int64),
            join(data) if data else np.zeros(0),
            len(self.index),
        )


@dataclass(frozen=True)
class SparseRows:
    """A compressed-row matrix, just enough of one for a linear model (numpy has no sparse type)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    width: int

    @property
    def count(self) -> int:
        return len(self.indptr) - 1

    def dot(self, vector: np.ndarray) -> np.ndarray:
        """rows @ vector"""
        row_of_entry = np.repeat(np.arange(self.count), np.diff(self.indptr))
        return np.bincount(row_of_entry, weights=self.data * vector[self.indices], minlength=self.count)

    def dot_transposed(self, vector: np.ndarray) -> np.ndarray:
        """rows.T @ vector"""
        per_entry = np.repeat(vector, np.diff(self.indptr)) * self.data
        return np.bincount(self.indices, weights=per_entry, minlength=self.width)


@dataclass(frozen=True)
class AdviceClassifier:
    """P(aligned) for a text, given the rules' judgement of it."""

    vocabulary: Vocabulary
    weights: np.ndarray
    bias: float
    rule_weight: float = RULE_WEIGHT
    sentence_weight: float = SENTENCE_WEIGHT

    def log_odds(self, texts: Sequence[str], judgements: Sequence[Judgement]) -> np.ndarray:
        rows = self.vocabulary.rows(ngrams(t) for t in texts)
        rules = np.array([rule_log_odds(j) for j in judgements], dtype=np.float64)
        whole = rows.dot(self.weights) + self.bias + self.rule_weight * rules
        return whole + self.sentence_weight * self._weakest_sentence(texts)

    def _weakest_sentence(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, the n-gram log-odds of its most negative sentence (0 when none is negative, or the
        text has fewer than two sentences of MIN_SENTENCE_WORDS words)."""
        owner: list[int] = []
        sentences: list[list[str]] = []
        for i, text in enumerate(texts):
            found = [s for s in _SENTENCE_END.split(text) if len(s.split()) >= MIN_SENTENCE_WORDS]
            if len(found) >= 2:
                owner += [i] * len(found)
                sentences += [ngrams(s) for s in found]
        weakest = np.zeros(len(texts))
        if sentences:
            own = self.vocabulary.rows(sentences).dot(self.weights) + self.bias
            np.minimum.at(weakest, np.asarray(owner), own)
        return weakest

    def probabilities(self, texts: Sequence[str], judgements: Sequence[Judgement]) -> np.ndarray:
        return _sigmoid(self.log_odds(texts, judgements))

    def probability(self, text: str, judgement: Judgement) -> float:
        return float(self.probabilities([text], [judgement])[0])

    @staticmethod
    def applies_to(text: str) -> bool:
        """Whether the text is long enough for the layer (see MIN_WORDS)."""
        return len(text.split()) >= MIN_WORDS

    def scores(self, texts: Sequence[str], judgements: Sequence[Judgement]) -> np.ndarray:
        """The judge's score for each text: the layer's P(aligned), or the rules' own score where the
        text is too short for the layer (as RuleJudge.judge does one text at a time)."""
        result = np.array([j.score for j in judgements], dtype=np.float64)
        wanted = [i for i, text in enumerate(texts) if self.applies_to(text)]
        if wanted:
            result[wanted] = self.probabilities([texts[i] for i in wanted], [judgements[i] for i in wanted])
        return result

    @classmethod
    def train(
        cls, texts: Sequence[str], judgements: Sequence[Judgement], aligned: np.ndarray, l2: float = L2
    ) -> AdviceClassifier:
        """Fit the n-gram weights with the rules' log-odds as a fixed offset (they are not re-weighted)."""
        documents = [ngrams(t) for t in texts]
        vocabulary = Vocabulary.fit(documents)
        offset = RULE_WEIGHT * np.array([rule_log_odds(j) for j in judgements], dtype=np.float64)
        weights, bias = fit_logistic(vocabulary.rows(documents), aligned, offset, l2)
        return cls(vocabulary, weights, bias)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


def fit_logistic(
    rows: SparseRows, aligned: np.ndarray, offset: np.ndarray, l2: float = L2
) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression with a fixed per-row offset, by Newton's method with conjugate
    gradients (rows are sparse and wide: the Hessian is never formed). Deterministic."""
    n, y = rows.count, aligned.astype(np.float64)
    weights, bias = np.zeros(rows.width), 0.0

    def logits(w: np.ndarray, b: float) -> np.ndarray:
        return rows.dot(w) + b + offset

    def loss(w: np.ndarray, b: float) -> float:
        z = logits(w, b)
        return float(np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * (w @ w))

    for _ in range(50):
        p = _sigmoid(logits(weights, bias))
        g_w = rows.dot_transposed(p - y) / n + l2 * weights
        g_b = float(np.mean(p - y))
        curvature = p * (1 - p) / n

        def hessian_times(v_w: np.ndarray, v_b: float, c: np.ndarray = curvature) -> tuple[np.ndarray, float]:
            weighted = c * (rows.dot(v_w) + v_b)
            return rows.dot_transposed(weighted) + l2 * v_w, float(weighted.sum())

        step_w, step_b = _conjugate_gradient(hessian_times, g_w, g_b)
        before, shrink = loss(weights, bias), 1.0
        while shrink > 1e-4 and loss(weights - shrink * step_w, bias - shrink * step_b) > before:
            shrink /= 2
        weights, bias = weights - shrink * step_w, bias - shrink * step_b
        if max(np.abs(g_w).max(), abs(g_b)) < 1e-7:
            break
    return weights, bias


def _conjugate_gradient(
    hessian_times: Callable[[np.ndarray, float], tuple[np.ndarray, float]], g_w: np.ndarray, g_b: float
) -> tuple[np.ndarray, float]:
    """Solve H x = g for the Newton step, with H given only as a product (x_w, x_b) -> H x."""
    x_w, x_b = np.zeros_like(g_w), 0.0
    r_w, r_b = g_w.copy(), g_b
    d_w, d_b = r_w.copy(), r_b
    rr = r_w @ r_w + r_b * r_b
    target = 1e-20 + 1e-12 * rr
    for _ in range(250):
        h_w, h_b = hessian_times(d_w, d_b)
        step = rr / (d_w @ h_w + d_b * h_b)
        x_w, x_b = x_w + step * d_w, x_b + step * d_b
        r_w, r_b = r_w - step * h_w, r_b - step * h_b
        new_rr = r_w @ r_w + r_b * r_b
        if new_rr < target:
            break
        d_w, d_b = r_w + (new_rr / rr) * d_w, r_b + (new_rr / rr) * d_b
        rr = new_rr
    return x_w, x_b


def to_data(model: AdviceClassifier) -> dict[str, object]:
    """The model as the weights file's fields: n-gram -> [idf, weight], rounded."""
    grams = sorted(model.vocabulary.index, key=model.vocabulary.index.__getitem__)
    return {
        "features": FEATURES,
        "rule_weight": model.rule_weight,
        "sentence_weight": model.sentence_weight,
        "bias": round(model.bias, 7),
        "ngrams": {
            g: [round(float(model.vocabulary.idf[i]), 6), round(float(model.weights[i]), 7)]
            for i, g in enumerate(grams)
        },
    }


def read_weights(path: Path) -> dict[str, object]:
    """The weights file as a dict, validated; ClassifierError says what is wrong."""
    hint = "rebuild it with `python evals/judge/train_classifier.py`"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ClassifierError(f"{path} is missing; {hint}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ClassifierError(f"{path} could not be read ({exc}); {hint}") from exc
    if not isinstance(data, dict):
        raise ClassifierError(f"{path} has no valid weights; {hint}")
    if data.get("features") != FEATURES:
        raise ClassifierError(f"{path} was trained on other features ({data.get('features')!r}); {hint}")
    grams = data.get("ngrams")
    if (
        not isinstance(grams, dict)
        or not grams
        or not all(
            isinstance(v, list) and len(v) == 2 and all(isinstance(x, (int, float)) for x in v)
            for v in grams.values()
        )
        or not isinstance(data.get("bias"), (int, float))
        or not isinstance(data.get("rule_weight"), (int, float))
        or not isinstance(data.get("sentence_weight"), (int, float))
    ):
        raise ClassifierError(f"{path} has no valid n-gram weights, bias, rule and sentence weights; {hint}")
    return data


def from_data(data: dict[str, object]) -> AdviceClassifier:
    grams: dict[str, list[float]] = data["ngrams"]  # type: ignore[assignment]
    values = np.array(list(grams.values()), dtype=np.float64)
    vocabulary = Vocabulary({g: i for i, g in enumerate(grams)}, values[:, 0])
    return AdviceClassifier(
        vocabulary,
        values[:, 1],
        float(data["bias"]),  # type: ignore[arg-type]
        float(data["rule_weight"]),  # type: ignore[arg-type]
        float(data["sentence_weight"]),  # type: ignore[arg-type]
    )


_loaded: dict[Path, AdviceClassifier] = {}
_lock = threading.Lock()


def load_classifier(path: Path | None = None) -> AdviceClassifier:
    """The shipped layer, read once per process. A missing or damaged weights file is an error: the
    install itself is broken, and judging on rules alone would silently change every score."""
    target = path or weights_path()
    with _lock:
        if target not in _loaded:
            _loaded[target] = from_data(read_weights(target))
        return _loaded[target]
