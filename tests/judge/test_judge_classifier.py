"""The rule judge's learned tie-breaker: shipped weights, ordering within the verdict, missing parts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from coach.judge import RuleJudge, load_rubric
from coach.judge import classifier as classifier_module
from coach.judge.classifier import (
    AdviceClassifier,
    ClassifierError,
    fit_logistic,
    load_classifier,
    order_within_verdict,
    read_weights,
    weights_path,
)
from coach.knowledge.embeddings import MissingModelError, load_minilm
from evals.judge import train_classifier


def test_shipped_weights_match_the_labelled_data() -> None:
    # Editing a judge dataset or the rubric without retraining would leave the classifier stale.
    assert train_classifier.check(weights_path()) == []


def test_check_names_a_changed_dataset(tmp_path: Path) -> None:
    data = json.loads(weights_path().read_text(encoding="utf-8"))
    data["trained_on"]["dev.jsonl"] = "0" * 64
    stale = tmp_path / "weights.json"
    stale.write_text(json.dumps(data), encoding="utf-8")
    assert train_classifier.check(stale) == ["dev.jsonl changed since the weights were trained"]


@pytest.mark.parametrize(
    ("advice", "skill"),
    [
        (
            "Don't open with 'will you be my mentor'. Ask one specific question about their data move.",
            "outreach",
        ),
        ("Just ask them straight away to be your mentor; formal is better.", "outreach"),
        ("The weather was grey in Leeds.", "goals"),
    ],
)
def test_classifier_orders_within_the_rules_verdict(advice: str, skill: str) -> None:
    with_classifier = RuleJudge(load_rubric()).judge(advice, skill)
    rules_only = RuleJudge(load_rubric(), classifier=None).judge(advice, skill)
    assert with_classifier.classifier_score is not None
    assert with_classifier.rule_score == rules_only.score
    assert with_classifier.verdict == rules_only.verdict  # never flipped
    assert with_classifier.principles == rules_only.principles  # evidence is the rules'
    assert with_classifier.score == pytest.approx(
        order_within_verdict(rules_only.score, with_classifier.classifier_score)
    )
    assert (with_classifier.score >= 0.5) == (with_classifier.verdict == "aligned")
    assert set(with_classifier.to_dict()) >= {
        "verdict",
        "score",
        "principles",
        "rule_score",
        "classifier_score",
    }


@pytest.mark.parametrize("rule_score", [0.0, 0.2, 0.4999, 0.5, 0.7, 1.0])
@pytest.mark.parametrize("learned", [0.0, 0.3, 0.9999, 1.0])
def test_ordering_never_crosses_the_verdict(rule_score: float, learned: float) -> None:
    mixed = order_within_verdict(rule_score, learned)
    assert 0.0 <= mixed <= 1.0
    assert (mixed >= 0.5) == (rule_score >= 0.5)


def test_ordering_is_monotone_in_both_parts() -> None:
    assert order_within_verdict(0.3, 0.2) < order_within_verdict(0.3, 0.8) < order_within_verdict(0.4, 0.8)
    assert order_within_verdict(0.6, 0.2) < order_within_verdict(0.6, 0.8) < order_within_verdict(0.9, 0.8)
    # two texts the rules score alike are told apart by the classifier
    assert order_within_verdict(0.45, 0.9) > order_within_verdict(0.45, 0.1)


def test_rules_alone_when_asked() -> None:
    result = RuleJudge(load_rubric(), classifier=None).judge("Send the agenda a day ahead.", "session_prep")
    assert result.classifier_score is None
    assert result.score == result.rule_score


def test_missing_model_means_rules_alone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def no_model(*_: object) -> None:
        raise MissingModelError("not installed")

    monkeypatch.setattr("coach.knowledge.embeddings.load_minilm", no_model)
    copy = tmp_path / "weights.json"
    copy.write_bytes(weights_path().read_bytes())
    assert load_classifier(copy) is None
    judge = RuleJudge(load_rubric(), classifier=load_classifier(copy))
    assert judge.judge("Send the agenda a day ahead.", "session_prep").classifier_score is None


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "is missing"),
        (b"\xff\x00 not json", "could not be read"),
        (b'{"weights": "lots"}', "no valid weights"),
        (b'{"weights": [1, 2], "bias": 0.0, "features": "bag of words"}', "other features"),
    ],
)
def test_damaged_weights_file_is_named(tmp_path: Path, content: bytes | None, problem: str) -> None:
    path = tmp_path / "weights.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ClassifierError, match=problem) as caught:
        read_weights(path)
    assert str(path) in str(caught.value) and "train_classifier" in str(caught.value)


def test_wrong_dimension_is_refused(tmp_path: Path) -> None:
    data = read_weights(weights_path())
    data["weights"] = data["weights"][:10]  # type: ignore[index]
    path = tmp_path / "short.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    classifier_module._loaded.pop(path, None)
    with pytest.raises(ClassifierError, match="10 weights"):
        load_classifier(path)


def test_fit_logistic_separates_and_is_deterministic() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(200, 5)).astype(np.float32)
    y = x[:, 0] + 0.5 * x[:, 1] > 0
    first, second = fit_logistic(x, y), fit_logistic(x, y)
    assert np.array_equal(first[0], second[0]) and first[1] == second[1]
    predicted = (x @ first[0] + first[1]) > 0
    assert (predicted == y).mean() > 0.97


def test_input_layer_features_ignore_batch_padding() -> None:
    model = load_minilm()
    texts = ["Short.", "A much longer piece of advice about sending an agenda before the session starts."]
    together = model.embed_input_layer(texts)
    alone = np.vstack([model.embed_input_layer([t]) for t in texts])
    assert together.shape == (2, model.dimension)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-5)


def test_classifier_generalises_across_files() -> None:
    """Each labelled set judged by a classifier trained without it (leave one file out).

    This is the learned half on its own; it must stay useful, or blending it in would only add noise.
    Measured when introduced: accuracy 0.910, pairwise 0.989 over 712 cases.
    """
    data = train_classifier.examples()
    model = load_minilm()
    features = model.embed_input_layer([e.text for e in data])
    aligned = np.array([e.aligned for e in data])
    correct = total = 0
    for name in sorted({e.source for e in data} - {"rubric"}):
        held = np.array([e.source == name for e in data])
        weights, bias = fit_logistic(features[~held], aligned[~held])
        probability = AdviceClassifier(weights, bias, model).probabilities(
            [e.text for e, h in zip(data, held, strict=True) if h]
        )
        correct += int(((probability >= 0.5) == aligned[held]).sum())
        total += int(held.sum())
    assert total > 600
    assert correct / total >= 0.87
