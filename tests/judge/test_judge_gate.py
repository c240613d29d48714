"""CI gate: the judge must meet the targets on the development set and on the working sets together.

The working sets (evals/judge/*.jsonl) are the ones the rubric was written and tuned against. The rules
alone must still meet the targets on every one of them: they supply the evidence users see, and a rubric
edit that breaks an old case is a regression. The shipped judge (rules + learned layer) must meet the
targets on the development set and on all working sets pooled; per file it may drop a few cases, because
its layer was trained on other writers and gives up some of the rules' fit to our own wording in exchange
for generalising to theirs (evals/judge/README.md). The independent and measurement sets are not a gate:
the layer trains on the first, and nothing is tuned against the second.
"""

from __future__ import annotations

from functools import cache

import pytest

from coach.judge import RuleJudge, load_rubric
from coach.judge.metrics import accuracy, pairwise_accuracy
from evals.judging import Case, judge_cases, labelled_sets, read_cases

ACCURACY_TARGET = 0.90
PAIRWISE_TARGET = 0.95
PER_FILE_ACCURACY_FLOOR = 0.70  # any single working set (16-48 cases); lowest now: 0.833, holdout12


@cache
def _judged(name: str, with_layer: bool) -> tuple[list[Case], list[str], list[float]]:
    path = next(p for p in labelled_sets() if p.name == name)
    cases, errors = read_cases(path, need_label=True)
    assert not errors
    judge = RuleJudge(load_rubric()) if with_layer else RuleJudge(load_rubric(), classifier=None)
    judged = [(c, j) for c, j, _ in judge_cases(judge, cases, progress=False)]
    assert len(judged) == len(cases)
    return [c for c, _ in judged], [j.verdict for _, j in judged], [j.score for _, j in judged]


def _figures(name_or_names: str | list[str], with_layer: bool) -> tuple[float, float, int]:
    names = [name_or_names] if isinstance(name_or_names, str) else name_or_names
    cases: list[Case] = []
    verdicts: list[str] = []
    scores: list[float] = []
    for name in names:
        found, judged_verdicts, judged_scores = _judged(name, with_layer)
        cases += found
        verdicts += judged_verdicts
        scores += judged_scores
    labels = [c.label or "" for c in cases]
    pairwise, pairs = pairwise_accuracy([c.group for c in cases], labels, scores)
    assert pairs >= len(cases) // 3
    return accuracy(labels, verdicts), pairwise, len(cases)


@pytest.mark.parametrize("name", [p.name for p in labelled_sets()])
def test_rules_alone_meet_targets_on_every_working_set(name: str) -> None:
    correct, pairwise, _ = _figures(name, with_layer=False)
    assert correct >= ACCURACY_TARGET and pairwise >= PAIRWISE_TARGET


def test_judge_meets_targets_on_the_development_set() -> None:
    correct, pairwise, count = _figures("dev.jsonl", with_layer=True)
    assert count >= 150
    assert correct >= ACCURACY_TARGET and pairwise >= PAIRWISE_TARGET


def test_judge_meets_targets_on_the_working_sets_together() -> None:
    names = [p.name for p in labelled_sets()]
    correct, pairwise, count = _figures(names, with_layer=True)
    assert count >= 700
    assert correct >= ACCURACY_TARGET and pairwise >= PAIRWISE_TARGET


@pytest.mark.parametrize("name", [p.name for p in labelled_sets()])
def test_judge_keeps_a_floor_on_every_working_set(name: str) -> None:
    correct, _, _ = _figures(name, with_layer=True)
    assert correct >= PER_FILE_ACCURACY_FLOOR
