"""CI gate: the rule judge must meet the targets on the development set and on every held-out set."""

from __future__ import annotations

import pytest

from coach.judge import RuleJudge, load_rubric
from coach.judge.metrics import accuracy, pairwise_accuracy
from evals.judging import judge_cases, labelled_sets, read_cases

ACCURACY_TARGET = 0.90
PAIRWISE_TARGET = 0.95


# The independent measurement sets (evals.judging.MEASUREMENT_ONLY) are scored and reported, never tuned
# against, so they are not a regression gate.
@pytest.mark.parametrize("path", labelled_sets(), ids=lambda p: p.name)
def test_rule_judge_meets_targets(path) -> None:
    cases, errors = read_cases(path, need_label=True)
    assert not errors
    judged = [(c, j) for c, j, e in judge_cases(RuleJudge(load_rubric()), cases, progress=False)]
    labels = [c.label for c, _ in judged]
    verdicts = [j.verdict for _, j in judged]
    scores = [j.score for _, j in judged]
    assert accuracy(labels, verdicts) >= ACCURACY_TARGET
    pairwise, pairs = pairwise_accuracy([c.group for c, _ in judged], labels, scores)
    assert pairs >= len(cases) // 3
    assert pairwise >= PAIRWISE_TARGET
