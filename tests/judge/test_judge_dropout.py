"""The pattern-dropout robustness measurement (evals/judge/dropout.py) thins the rubric as it says."""

from __future__ import annotations

import sys
from pathlib import Path

from coach.judge import RuleJudge, load_rubric

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "evals" / "judge"))
from dropout import older_cases, score, thinned  # noqa: E402


def test_thinning_drops_patterns_reproducibly_and_leaves_the_rubric_alone() -> None:
    rubric = load_rubric()
    total = sum(len(p.good) + len(p.bad) for p in rubric.principles)
    half = thinned(rubric, 0.5, seed=7)
    kept = sum(len(p.good) + len(p.bad) for p in half.principles)
    assert 0.3 * total < kept < 0.7 * total
    assert [p.good for p in thinned(rubric, 0.5, seed=7).principles] == [p.good for p in half.principles]
    assert sum(len(p.good) + len(p.bad) for p in rubric.principles) == total  # a copy was thinned
    assert all(not p.good and not p.bad for p in thinned(rubric, 1.0, seed=1).principles)


def test_older_cases_exclude_the_measurement_set_and_score_consistently() -> None:
    cases = older_cases()
    assert cases and not any(c.id.startswith("fresh-") for c in cases)
    subset = cases[:40]
    accuracy, pairwise, false_aligned, false_contra = score(RuleJudge(load_rubric()), subset)
    assert false_aligned + false_contra == round((1 - accuracy) * len(subset))
    assert 0.0 <= pairwise <= 1.0
