"""Robustness of the rule judge to wording no pattern covers, measured on the older labelled sets.

    .venv/bin/python evals/judge/dropout.py [--drop 0.4] [--seeds 6]

Held-out text keeps using words the rubric's patterns do not know. To estimate how the judge behaves then
without tuning on a new set, each run drops a random share of every principle's `good` and `bad` patterns
and scores all the working sets (dev + holdout*, never the independent or measurement sets). Prints
accuracy, pairwise accuracy and the two error kinds per seed and on average, plus the full rubric for
reference.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from coach.judge import RuleJudge, load_rubric  # noqa: E402
from coach.judge.metrics import accuracy, pairwise_accuracy  # noqa: E402
from coach.judge.rubric import Rubric  # noqa: E402
from evals.judging import judge_cases, labelled_sets, read_cases  # noqa: E402


def older_cases() -> list:
    cases = []
    for path in labelled_sets():
        found, errors = read_cases(path, need_label=True)
        if errors:
            raise SystemExit(f"{path.name}: {errors[0]}")
        cases.extend(found)
    return cases


def thinned(rubric: Rubric, drop: float, seed: int) -> Rubric:
    rng = random.Random(seed)
    copy = rubric.model_copy(deep=True)
    for principle in copy.principles:
        principle.good = [p for p in principle.good if rng.random() >= drop]
        principle.bad = [p for p in principle.bad if rng.random() >= drop]
    return copy


def score(judge: RuleJudge, cases: list) -> tuple[float, float, int, int]:
    judged = [(c, j) for c, j, _ in judge_cases(judge, cases, progress=False)]
    labels = [c.label for c, _ in judged]
    verdicts = [j.verdict for _, j in judged]
    pairwise, _ = pairwise_accuracy([c.group for c, _ in judged], labels, [j.score for _, j in judged])
    false_aligned = sum(v == "aligned" and lab != "aligned" for lab, v in zip(labels, verdicts, strict=True))
    false_contra = sum(v != "aligned" and lab == "aligned" for lab, v in zip(labels, verdicts, strict=True))
    return accuracy(labels, verdicts), pairwise, false_aligned, false_contra


def describe(result: tuple[float, float, int, int]) -> str:
    acc, pair, false_aligned, false_contra = result
    return (
        f"accuracy {acc:.3f} pairwise {pair:.3f} "
        f"(false aligned {false_aligned}, false contradicts {false_contra})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--drop", type=float, default=0.4, help="share of patterns dropped per run")
    parser.add_argument("--seeds", type=int, default=6)
    args = parser.parse_args()
    rubric = load_rubric()
    cases = older_cases()
    print(f"{len(cases)} cases; full rubric: {describe(score(RuleJudge(rubric, classifier=None), cases))}")
    runs = []
    for seed in range(1, args.seeds + 1):
        runs.append(score(RuleJudge(thinned(rubric, args.drop, seed), classifier=None), cases))
        print(f"drop {args.drop:.0%} seed {seed}: {describe(runs[-1])}")
    mean_acc = sum(r[0] for r in runs) / len(runs)
    mean_pair = sum(r[1] for r in runs) / len(runs)
    print(f"drop {args.drop:.0%} mean: accuracy {mean_acc:.3f} pairwise {mean_pair:.3f}")


if __name__ == "__main__":
    main()
