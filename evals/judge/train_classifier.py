"""Train, check or cross-validate the rule judge's classifier (coach/judge/classifier.py).

    .venv/bin/python evals/judge/train_classifier.py          # retrain knowledge/judge/advice_classifier.json
    .venv/bin/python evals/judge/train_classifier.py --check  # exit 1 if the shipped weights are stale
    .venv/bin/python evals/judge/train_classifier.py --cv     # leave-one-file-out figures
    .venv/bin/python evals/judge/train_classifier.py --measure  # the independent sets (see README first)

Training data: every working labelled set in evals/judge/ (dev + holdout*, never the measurement-only
sets) and the rubric's own examples (honoured = aligned, violated = contradicts). The weights file
records the sha256 of each input, so CI notices when the data changed but the weights did not.
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
    FEATURES,
    L2,
    AdviceClassifier,
    fit_logistic,
    load_classifier,
    order_within_verdict,
    read_weights,
    weights_path,
)
from coach.judge.metrics import accuracy, pairwise_accuracy  # noqa: E402
from coach.judge.rubric import load_rubric  # noqa: E402
from coach.judge.rules import RuleJudge, check_text  # noqa: E402
from coach.knowledge.embeddings import load_minilm  # noqa: E402
from coach.resources import knowledge_dir  # noqa: E402
from evals.judging import labelled_sets, read_cases  # noqa: E402

STALE_TOLERANCE = 1e-3  # retrained weights may differ by BLAS rounding, not more


@dataclass(frozen=True)
class Example:
    source: str  # file name, or "rubric"
    text: str
    aligned: bool
    skill: str | None = None
    user: str = ""
    group: str = ""


def examples() -> list[Example]:
    found: list[Example] = []
    for path in labelled_sets():
        cases, errors = read_cases(path, need_label=True)
        if errors:
            raise SystemExit(f"{path.name}: {errors[0]}")
        found += [
            Example(path.name, check_text(c.advice), c.label == "aligned", c.skill.value, c.user, c.group)
            for c in cases
        ]
    for p in load_rubric().principles:
        found += [Example("rubric", check_text(t), True) for t in p.examples_honoured]
        found += [Example("rubric", check_text(t), False) for t in p.examples_violated]
    return found


def inputs_fingerprint() -> dict[str, str]:
    files = [*labelled_sets(), knowledge_dir() / "rubric.toml"]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def train() -> dict[str, object]:
    data = examples()
    features = load_minilm().embed_input_layer([e.text for e in data])
    weights, bias = fit_logistic(features, np.array([e.aligned for e in data]), L2)
    return {
        "features": FEATURES,
        "l2": L2,
        "cases": len(data),
        "trained_on": inputs_fingerprint(),
        "bias": round(bias, 7),
        "weights": [round(float(w), 7) for w in weights],
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
    if shipped.get("l2") != L2:
        problems.append(f"trained with l2={shipped.get('l2')}, the code says {L2}")
    if not problems:
        fresh = train()
        drift = np.abs(np.array(fresh["weights"]) - np.array(shipped["weights"])).max()
        if drift > STALE_TOLERANCE:
            problems.append(f"retraining moves the weights by {drift:.2g}")
    return problems


def cross_validate() -> None:
    """Each labelled set judged by a classifier trained without it: alone, and ordering the rules' verdicts.

    The rules were tuned on every one of these sets, so "rules" and "ordered" flatter the rules here; the
    figures on independent writers' sets are in evals/judge/README.md.
    """
    data = examples()
    embedder = load_minilm()
    features = embedder.embed_input_layer([e.text for e in data])
    aligned = np.array([e.aligned for e in data])
    rules = RuleJudge(load_rubric(), classifier=None)
    files = sorted({e.source for e in data} - {"rubric"})
    pooled: list[tuple[Example, float, float]] = []
    for name in files:
        held = [i for i, e in enumerate(data) if e.source == name]
        kept = [i for i, e in enumerate(data) if e.source != name]
        weights, bias = fit_logistic(features[kept], aligned[kept], L2)
        model = AdviceClassifier(weights, bias, embedder)
        learned = model.probabilities([data[i].text for i in held])
        rows = [
            (data[i], p, rules.judge(data[i].text, data[i].skill, data[i].user).score)
            for i, p in zip(held, learned, strict=True)
        ]
        pooled += rows
        print(f"{name:22s} {_describe(rows)}")
    print(f"{'all':22s} {_describe(pooled)}")


def measure() -> None:
    """The shipped classifier on the measurement-only sets: alone, the rules alone, a free blend (the
    rejected design, which lets the classifier move verdicts), and ordering within the rules' verdict.

    These sets estimate how the judge does on writing it has never seen; every run of this on them is a
    look, so evals/judge/README.md records each one.
    """
    classifier = load_classifier()
    if classifier is None:
        raise SystemExit("the offline model is not installed")
    rules = RuleJudge(load_rubric(), classifier=None)
    for path in labelled_sets(measurement=True):
        cases, errors = read_cases(path, need_label=True)
        if errors:
            raise SystemExit(f"{path.name}: {errors[0]}")
        learned = classifier.probabilities([check_text(c.advice) for c in cases])
        rows = [
            (
                Example(path.name, c.advice, c.label == "aligned", c.skill.value, c.user, c.group),
                float(p),
                rules.judge(c.advice, c.skill, c.user).score,
            )
            for c, p in zip(cases, learned, strict=True)
        ]
        print(f"{path.name:22s} {_describe(rows, free_blend=True)}")


def _describe(rows: list[tuple[Example, float, float]], *, free_blend: bool = False) -> str:
    labels = ["aligned" if e.aligned else "contradicts" for e, _, _ in rows]
    groups = [e.group for e, _, _ in rows]
    parts = []
    for name, scores in (
        ("classifier", [p for _, p, _ in rows]),
        ("rules", [r for _, _, r in rows]),
        *([("free blend", [(r + p) / 2 for _, p, r in rows])] if free_blend else []),
        ("ordered", [order_within_verdict(r, p) for _, p, r in rows]),
    ):
        verdicts = ["aligned" if s >= 0.5 else "contradicts" for s in scores]
        pairwise, _ = pairwise_accuracy(groups, labels, scores)
        parts.append(f"{name} {accuracy(labels, verdicts):.3f}/{pairwise:.3f}")
    return f"n={len(rows):3d}  " + "  ".join(parts) + "  (accuracy/pairwise)"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="fail if the shipped weights are stale")
    mode.add_argument("--cv", action="store_true", help="leave-one-file-out cross-validation")
    mode.add_argument("--measure", action="store_true", help="score the measurement-only sets")
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
    path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path} ({result['cases']} cases)")


if __name__ == "__main__":
    main()
