"""The rule judge's learned layer: shipped weights, what it reads, how it decides, damaged parts."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from coach.judge import RuleJudge, load_rubric
from coach.judge import classifier as classifier_module
from coach.judge.classifier import (
    MIN_WORDS,
    AdviceClassifier,
    ClassifierError,
    SparseRows,
    Vocabulary,
    fit_logistic,
    load_classifier,
    ngrams,
    read_weights,
    rule_log_odds,
    weights_path,
)
from coach.judge.rules import check_text
from evals.judge import train_classifier

# Floors a little under the figures measured when the layer shipped (evals/judge/README.md).
ACCURACY_FLOOR = 0.94  # leave one writer out over 30 writers (2,496 cases): 0.968
PAIRWISE_FLOOR = 0.98  # measured 0.994
WORST_WRITER_FLOOR = 0.85  # i20, long multi-point replies: 0.893 (0.821 without the weakest-sentence term)
NEW_WRITERS = {  # written after the layer's design was fixed, with user situations of their own
    "i8_seasoned.jsonl",
    "i9_structured.jsonl",
    "i10_balanced.jsonl",
    "i11_terse.jsonl",
    "i12_programme.jsonl",
    "i13_mirror.jsonl",
}
FORWARD_ACCURACY_FLOOR = 0.88  # trained on the 11 older writers, scored on the 6 new ones: 0.909
FORWARD_PAIRWISE_FLOOR = 0.95  # measured 0.980


def test_shipped_weights_match_the_labelled_data() -> None:
    # Editing a judge dataset or the rubric without retraining would leave the layer stale.
    assert train_classifier.check(weights_path()) == []


def test_check_names_a_changed_dataset(tmp_path: Path) -> None:
    data = json.loads(weights_path().read_text(encoding="utf-8"))
    data["trained_on"]["fresh1.jsonl"] = "0" * 64
    stale = tmp_path / "weights.json"
    stale.write_text(json.dumps(data), encoding="utf-8")
    assert train_classifier.check(stale) == ["fresh1.jsonl changed since the weights were trained"]


def test_check_notices_weights_that_retraining_would_move(tmp_path: Path) -> None:
    data = json.loads(weights_path().read_text(encoding="utf-8"))
    gram = next(iter(data["ngrams"]))
    data["ngrams"][gram][1] += 0.5
    moved = tmp_path / "weights.json"
    moved.write_text(json.dumps(data), encoding="utf-8")
    assert train_classifier.check(moved) == ["retraining moves the weights by 0.5"]


LONG_ALIGNED = (
    "Don't open with 'will you be my mentor'. Start small instead: mention the talk she gave on data "
    "migrations, say what you are working on, and ask one specific question about how her team handled "
    "the cut-over weekend."
)
LONG_AGAINST = (
    "Be bold and ask her outright in your first message whether she will be your mentor. Senior people "
    "respect directness, and proposing a fortnightly hour together right away saves both of you the "
    "awkward back and forth later."
)
LONG_SILENT = (
    "The weather was grey in Leeds all week, and the trains were late on Tuesday and Thursday, so the "
    "office felt half empty and the canteen ran out of soup before noon on both days."
)


@pytest.mark.parametrize(
    ("advice", "skill"),
    [(LONG_ALIGNED, "outreach"), (LONG_AGAINST, "outreach"), (LONG_SILENT, "goals")],
)
def test_learned_layer_adds_its_reading_to_the_rules(advice: str, skill: str) -> None:
    with_layer = RuleJudge(load_rubric()).judge(advice, skill)
    rules_only = RuleJudge(load_rubric(), classifier=None).judge(advice, skill)
    layer = load_classifier()
    assert layer.applies_to(advice)
    assert with_layer.rule_score == rules_only.score
    assert with_layer.principles == rules_only.principles  # the evidence is the rules'
    text = check_text(advice)
    rows = layer.vocabulary.rows([ngrams(text)])
    whole = rows.dot(layer.weights)[0] + layer.bias + layer.rule_weight * rule_log_odds(rules_only)
    sentences = [s for s in text.replace("! ", ". ").split(". ") if len(s.split()) >= 4]
    own = [layer.vocabulary.rows([ngrams(s)]).dot(layer.weights)[0] + layer.bias for s in sentences]
    expected = whole + layer.sentence_weight * min([0.0, *own] if len(own) >= 2 else [0.0])
    assert with_layer.classifier_score == pytest.approx(1 / (1 + math.exp(-expected)))
    assert with_layer.score == with_layer.classifier_score
    assert (with_layer.score >= 0.5) == (with_layer.verdict == "aligned")
    assert set(with_layer.to_dict()) >= {"verdict", "score", "principles", "rule_score", "classifier_score"}


def test_learned_layer_orders_a_clear_pair() -> None:
    judge = RuleJudge(load_rubric())
    aligned = judge.judge(LONG_ALIGNED, "outreach")
    against = judge.judge(LONG_AGAINST, "outreach")
    assert aligned.verdict == "aligned" and against.verdict == "contradicts"
    assert aligned.score > against.score


@pytest.mark.parametrize(
    ("text", "skill"),
    [
        ("Thank you for being straight with me.", "feedback"),
        ("I'll send the agenda two days ahead.", "session_prep"),
        ("Hi Dana, will you be my mentor?", "outreach"),
    ],
)
def test_very_short_texts_are_judged_by_the_rules(text: str, skill: str) -> None:
    # Under 8 words there is no labelled text to know how the layer does: the rules decide alone.
    judged = RuleJudge(load_rubric()).judge(text, skill)
    assert len(text.split()) < MIN_WORDS
    assert judged.classifier_score is None
    assert judged == RuleJudge(load_rubric(), classifier=None).judge(text, skill)


def test_rule_log_odds_read_the_rules_score() -> None:
    judge = RuleJudge(load_rubric(), classifier=None)
    bad = judge.judge("Open your first message by asking them to be your mentor.", "outreach")
    good = judge.judge("Don't open with 'will you be my mentor'; ask one specific question.", "outreach")
    assert rule_log_odds(bad) < 0 < rule_log_odds(good)
    certain = replace(good, score=1.0, rule_score=1.0)
    assert math.isfinite(rule_log_odds(certain))


def test_ngrams_keep_contractions_and_read_curly_apostrophes() -> None:
    grams = ngrams("Don\u2019t  LEAD with it.")
    assert grams[:4] == ["don't", "lead", "with", "it"]
    assert "don't lead with" in grams and "lead with it" in grams
    assert ngrams("") == [] and ngrams("\x1b[31m") == ["31m"]


def test_vocabulary_keeps_repeated_ngrams_and_normalises_rows() -> None:
    documents = [ngrams("send the agenda"), ngrams("send the notes"), ngrams("a one-off")]
    vocabulary = Vocabulary.fit(documents)
    assert set(vocabulary.index) == {"send", "the", "send the"}  # seen in two documents or more
    rows = vocabulary.rows(documents)
    assert rows.count == 3 and rows.width == 3
    dense = np.zeros((3, 3))
    for r in range(3):
        for k in range(rows.indptr[r], rows.indptr[r + 1]):
            dense[r, rows.indices[k]] = rows.data[k]
    assert np.allclose(np.linalg.norm(dense[:2], axis=1), 1.0)
    assert not dense[2].any()  # nothing known: an all-zero row, not a division by zero
    vector = np.array([1.0, 2.0, 3.0])
    assert np.allclose(rows.dot(vector), dense @ vector)
    assert np.allclose(rows.dot_transposed(vector), dense.T @ vector)


def test_summary_says_when_the_verdict_and_the_findings_disagree() -> None:
    judge = RuleJudge(load_rubric(), classifier=None)
    judgement = judge.judge("Open your first message by asking them to be your mentor.", "outreach")
    assert "contradicts the guidance (" in judgement.summary()
    overruled = replace(judgement, verdict="aligned", score=0.6)
    assert overruled.summary().startswith("mostly aligned with the guidance, but check: ")
    honoured = judge.judge("Don't open with 'will you be my mentor'; ask one specific question.", "outreach")
    assert not honoured.violated
    leaning = replace(honoured, verdict="contradicts", score=0.3)
    assert leaning.summary().startswith("leans against the guidance, though no single principle")
    silent = judge.judge("The weather was grey in Leeds.", "goals")
    assert replace(silent, verdict="contradicts", score=0.2, classifier_score=0.2).summary().startswith(
        "no guidance principle clearly applies, but it reads as against the guidance"
    )


def test_one_bad_sentence_among_good_ones_pulls_the_score_down() -> None:
    layer = load_classifier()
    judge = RuleJudge(load_rubric(), classifier=None)
    good = (
        "Write down the two decisions you want help with. List the two questions you most want answered. "
        "Close by agreeing who does what before you meet again."
    )
    mixed = good + " Honestly, there is no need to send an agenda ahead; mentors prefer to come in fresh."
    weakest = layer._weakest_sentence([good, mixed, "One sentence only, however it reads."])
    assert weakest[2] == 0.0  # a single sentence has no weakest sentence
    assert weakest[0] == 0.0 and weakest[1] < -1.0  # only the dismissed agenda reads as against
    with_term = layer.probability(mixed, judge.judge(mixed, "session_prep"))
    without = replace(layer, sentence_weight=0.0).probability(mixed, judge.judge(mixed, "session_prep"))
    assert with_term < without


def test_rules_alone_when_asked() -> None:
    result = RuleJudge(load_rubric(), classifier=None).judge("Send the agenda a day ahead.", "session_prep")
    assert result.classifier_score is None
    assert result.score == result.rule_score


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "is missing"),
        (b"\xff\x00 not json", "could not be read"),
        (b"[1, 2]", "no valid weights"),
        (b'{"ngrams": {"a": [1, 2]}, "bias": 0.0, "features": "bag of words"}', "other features"),
    ],
)
def test_damaged_weights_file_is_named(tmp_path: Path, content: bytes | None, problem: str) -> None:
    path = tmp_path / "weights.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ClassifierError, match=problem) as caught:
        read_weights(path)
    assert str(path) in str(caught.value) and "train_classifier" in str(caught.value)


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(ngrams={}),
        lambda d: d.update(ngrams={"send": [1.5]}),
        lambda d: d.update(ngrams={"send": ["x", 1.0]}),
        lambda d: d.pop("rule_weight"),
        lambda d: d.update(sentence_weight="0.2"),
    ],
)
def test_malformed_ngram_weights_are_refused(tmp_path: Path, damage) -> None:
    data = read_weights(weights_path())
    damage(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    classifier_module._loaded.pop(path, None)
    with pytest.raises(ClassifierError, match="no valid n-gram weights, bias, rule and sentence weights"):
        load_classifier(path)


def test_fit_logistic_separates_and_is_deterministic() -> None:
    rng = np.random.default_rng(7)
    dense = rng.normal(size=(200, 5))
    y = dense[:, 0] + 0.5 * dense[:, 1] > 0
    rows = SparseRows(np.arange(0, 1001, 5), np.tile(np.arange(5), 200), dense.ravel(), 5)
    offset = np.zeros(200)
    first, second = fit_logistic(rows, y, offset), fit_logistic(rows, y, offset)
    assert np.array_equal(first[0], second[0]) and first[1] == second[1]
    assert ((dense @ first[0] + first[1] > 0) == y).mean() > 0.97
    # A fixed offset is taken as given: with the answer in the offset, the weights have nothing to add.
    told = np.where(y, 20.0, -20.0)
    weights, _ = fit_logistic(rows, y, told)
    assert np.abs(weights).max() < 0.05


def test_training_reproduces_the_shipped_layer() -> None:
    shipped = load_classifier()
    retrained = train_classifier.fit(train_classifier.examples())
    assert isinstance(retrained, AdviceClassifier)
    assert retrained.vocabulary.index == shipped.vocabulary.index
    assert np.allclose(retrained.weights, shipped.weights, atol=1e-3)


def test_learned_layer_generalises_across_writers() -> None:
    """Each independent writer's set judged by a layer trained on the other writers only.

    An estimate of the judge on writing it has never seen (evals/judge/README.md has the figures per
    writer). The layer must beat the rules alone there by a wide margin, or it only adds noise.
    """
    scored = train_classifier.leave_one_writer_out()
    rows = [row for writer in scored.values() for row in writer]
    assert len(scored) >= 30 and len(rows) >= 2490
    judge_accuracy, judge_pairwise = train_classifier.figures(rows)
    rules_accuracy, rules_pairwise = train_classifier.figures([(e, e.judgement.score) for e, _ in rows])
    assert judge_accuracy >= rules_accuracy + 0.15  # measured +0.25
    assert judge_pairwise >= rules_pairwise + 0.10  # measured +0.18
    assert judge_accuracy >= ACCURACY_FLOOR and judge_pairwise >= PAIRWISE_FLOOR
    assert min(train_classifier.figures(writer)[0] for writer in scored.values()) >= WORST_WRITER_FLOOR


def test_learned_layer_carries_to_writers_with_their_own_situations() -> None:
    """Trained on the 11 older writers (whose user messages overlap), scored on 6 later writers who
    invented their own situations: the stricter estimate, since shared scenarios cannot help here."""
    data = train_classifier.examples()
    model = train_classifier.fit([e for e in data if e.source not in NEW_WRITERS])
    held = [e for e in data if e.source in NEW_WRITERS]
    assert len(held) == 6 * 84
    scores = model.scores([e.text for e in held], [e.judgement for e in held])
    accuracy, pairwise = train_classifier.figures(list(zip(held, scores, strict=True)))
    assert accuracy >= FORWARD_ACCURACY_FLOOR and pairwise >= FORWARD_PAIRWISE_FLOOR
