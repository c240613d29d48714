"""Train, check or cross-validate the rule judge's learned layer (coach/judge/classifier.py).

    .venv/bin/python evals/judge/train_classifier.py          # retrain knowledge/judge/advice_classifier.json
    .venv/bin/python evals/judge/train_classifier.py --check  # exit 1 if the shipped weights are stale
    .venv/bin/python evals/judge/train_classifier.py --cv     # leave one writer out, plus the working sets
    .venv/bin/python evals/judge/train_classifier.py --measure  # the measurement sets (see README first)

Training data: the independent writers' sets (evals/judge/independent/), each case with the rules' own
judgement of it. Never the working sets, which the rules were tuned on and which are written in our own
style, and never the measurement sets. The weights file records the sha256 of each input, so CI notices
when the data or the rubric changed but the weights did not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from coach.judge.classifier import (  # noqa: E402
    L2,
    RULE_WEIGHT,
    SENTENCE_WEIGHT,
    AdviceClassifier,
    load_classifier,
    read_weights,
    to_data,
    weights_path,
)
from coach.judge.metrics import accuracy, pairwise_accuracy  # noqa: E402
from coach.judge.models import Judgement  # noqa: E402
from coach.judge.rubric import load_rubric  # noqa: E402
from coach.judge.rules import RuleJudge, check_text  # noqa: E402
from coach.resources import knowledge_dir  # noqa: E402
from evals.judging import labelled_sets, read_cases  # noqa: E402

STALE_TOLERANCE = 1e-3  # retrained weights may differ by BLAS rounding, not more


@dataclass(frozen=True)
class Example:
    source: str  # the set's file name: one writer
    text: str
    aligned: bool
    group: str  # pairs share a group
    judgement: Judgement  # the rules' own


def examples(kind: str = "independent") -> list[Example]:
    rules = RuleJudge(load_rubric(), classifier=None)
    found: list[Example] = []
    for path in labelled_sets(kind):
        cases, errors = read_cases(path, need_label=True)
        if errors:
            raise SystemExit(f"{path.name}: {errors[0]}")
        found += [
            Example(
                path.name,
                check_text(c.advice),
                c.label == "aligned",
                c.group,
                rules.judge(c.advice, c.skill, c.user),
            )
            for c in cases
        ]
    return found


def inputs_fingerprint() -> dict[str, str]:
    files = [*labelled_sets("independent"), knowledge_dir() / "rubric.toml"]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def fit(data: list[Example]) -> AdviceClassifier:
    """The layer trained on data, on the texts long enough for it (as at judging time)."""
    data = [e for e in data if AdviceClassifier.applies_to(e.text)]
    return AdviceClassifier.train(
        [e.text for e in data], [e.judgement for e in data], np.array([e.aligned for e in data])
    )


def train() -> dict[str, object]:
    data = examples()
    return {
        **to_data(fit(data)),
        "l2": L2,
        "cases": len(data),
        "trained_on": inputs_fingerprint(),
    }


def check(path: Path) -> list[str]:
    """Why the shipped weights are stale (empty when they are current)."""
    shipped = read_weights(path)
    problems = []
    recorded = shipped.get("trained_on", {})
    current = inputs_fingerprint()
    for name in sorted(set(recorded) | set(current)):
        if recorded.get(name) != current.get(name):
            problems.append(f"{name} changed since the weights were trained")
    settings = (shipped.get("l2"), shipped.get("rule_weight"), shipped.get("sentence_weight"))
    if settings != (L2, RULE_WEIGHT, SENTENCE_WEIGHT):
        problems.append(
            f"trained with l2, rule and sentence weights {settings}; "
            f"the code says {(L2, RULE_WEIGHT, SENTENCE_WEIGHT)}"
        )
    if not problems:
        fresh: dict[str, list[float]] = train()["ngrams"]  # type: ignore[assignment]
        old: dict[str, list[float]] = shipped["ngrams"]  # type: ignore[assignment]
        if fresh.keys() != old.keys():
            problems.append("retraining gives another n-gram vocabulary")
        else:
            drift = max(abs(fresh[g][1] - old[g][1]) for g in fresh)
            if drift > STALE_TOLERANCE:
                problems.append(f"retraining moves the weights by {drift:.2g}")
    return problems


Row = tuple[Example, float]  # an example and the score it got


def leave_one_writer_out(data: list[Example] | None = None) -> dict[str, list[Row]]:
    """Each independent writer's set scored by a layer trained on all the other writers."""
    data = data if data is not None else examples()
    scored: dict[str, list[Row]] = {}
    for writer in sorted({e.source for e in data}):
        held = [e for e in data if e.source == writer]
        model = fit([e for e in data if e.source != writer])
        learned = model.scores([e.text for e in held], [e.judgement for e in held])
        scored[writer] = list(zip(held, (float(p) for p in learned), strict=True))
    return scored


def figures(rows: list[Row]) -> tuple[float, float]:
    """(accuracy, pairwise accuracy) of the scores in rows."""
    labels = ["aligned" if e.aligned else "contradicts" for e, _ in rows]
    verdicts = ["aligned" if s >= 0.5 else "contradicts" for _, s in rows]
    pairwise, _ = pairwise_accuracy([e.group for e, _ in rows], labels, [s for _, s in rows])
    return accuracy(labels, verdicts), pairwise


def _line(name: str, rows: list[Row]) -> str:
    rules = figures([(e, e.judgement.score) for e, _ in rows])
    learned = figures(rows)
    return (
        f"{name:24s} n={len(rows):4d}  rules alone {rules[0]:.3f}/{rules[1]:.3f}"
        f"  judge {learned[0]:.3f}/{learned[1]:.3f}  (accuracy/pairwise)"
    )


def cross_validate() -> None:
    """Leave one writer out over the independent sets, then the shipped layer on the working sets."""
    scored = leave_one_writer_out()
    for writer, rows in scored.items():
        print(_line(writer, rows))
    print(_line("all independent", [r for rows in scored.values() for r in rows]))
    _score_with_shipped("working")


def measure() -> None:
    """The shipped judge on the measurement sets. Every run of this is a look: record it in the README."""
    _score_with_shipped("measurement")


def _score_with_shipped(kind: str) -> None:
    model = load_classifier()
    everything = examples(kind)
    pooled: list[Row] = []
    for path in labelled_sets(kind):
        data = [e for e in everything if e.source == path.name]
        rows = list(zip(data, model.scores([e.text for e in data], [e.judgement for e in data]), strict=True))
        pooled += rows
        print(_line(path.name, rows))
    print(_line(f"all {kind}", pooled))


def _readable_json(result: dict[str, object]) -> str:
    """The weights file with one n-gram a line, so a retraining shows as a readable diff."""
    grams: dict[str, list[float]] = result["ngrams"]  # type: ignore[assignment]
    head = {k: v for k, v in result.items() if k != "ngrams"}
    lines = [f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in head.items()]
    rows = ",\n".join(f"  {json.dumps(g, ensure_ascii=False)}: {json.dumps(v)}" for g, v in grams.items())
    return "{\n" + ",\n".join(lines) + ',\n"ngrams": {\n' + rows + "\n}\n}\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="fail if the shipped weights are stale")
    mode.add_argument("--cv", action="store_true", help="leave one writer out, and the working sets")
    mode.add_argument("--measure", action="store_true", help="score the measurement sets")
    args = parser.parse_args()
    path = weights_path()
    if args.check:
        problems = check(path)
        for problem in problems:
            print(f"stale: {problem}; rerun evals/judge/train_classifier.py", file=sys.stderr)
        raise SystemExit(1 if problems else 0)
    if args.cv:
        cross_validate()
        return
    if args.measure:
        measure()
        return
    result = train()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_readable_json(result), encoding="utf-8")
    print(f"wrote {path} ({result['cases']} cases)")


if __name__ == "__main__":
    main()
