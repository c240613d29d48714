"""How per-principle outcomes combine into one score (0..1, higher = more aligned) and a verdict."""

from __future__ import annotations

import math
from collections.abc import Iterable

from coach.judge.rubric import Principle

BASE = -0.15  # text that shows no principle is not confirmed as aligned (scores 0.45)
# When no principle applies at all the verdict stays "contradicts" (not confirmed as aligned), but tone
# orders such texts for ranking (see RuleJudge._lean): scores 0.49 / 0.45 / 0.42.
LEAN_ALIGNED = 0.1
LEAN_UNSURE = 0.0
LEAN_AGAINST = -0.1
HONOUR_GAIN = 0.55
VIOLATION_COST = 2.2
SLOPE = 1.3


def squash(raw: float) -> float:
    return 1.0 / (1.0 + math.exp(-SLOPE * raw))


def combine(outcomes: Iterable[tuple[Principle, str]]) -> float:
    """Score from (principle, status) pairs: honours add a little, violations cost a lot (by severity)."""
    raw = BASE
    for principle, status in outcomes:
        if status == "honoured":
            raw += HONOUR_GAIN * principle.weight
        elif status == "violated":
            raw -= VIOLATION_COST * principle.weight
    return squash(raw)
