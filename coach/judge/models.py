"""Result types shared by every judge (rule and LLM)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Verdict = Literal["aligned", "contradicts"]
Status = Literal["honoured", "violated", "not_applicable"]
VERDICTS: tuple[str, ...] = ("aligned", "contradicts")
STATUSES: tuple[str, ...] = ("honoured", "violated", "not_applicable")


@dataclass(frozen=True, slots=True)
class PrincipleResult:
    principle_id: str
    title: str
    status: Status
    severity: str
    evidence: str = ""  # a span of the judged text ("" when not applicable)
    reason: str = ""  # one line
    better: str = ""  # a better alternative, when violated

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    score: float  # 0..1, higher = more aligned with the guidance
    principles: list[PrincipleResult] = field(default_factory=list)
    judge: str = "rule"
    # The rule judge's parts: the rules' own score, and the learned layer's P(aligned), which is the score
    # (None when that part did not run: the LLM judge, the rules alone, or a text too short for the layer).
    rule_score: float | None = None
    classifier_score: float | None = None

    @property
    def violated(self) -> list[PrincipleResult]:
        return [p for p in self.principles if p.status == "violated"]

    @property
    def honoured(self) -> list[PrincipleResult]:
        return [p for p in self.principles if p.status == "honoured"]

    @property
    def applicable(self) -> list[PrincipleResult]:
        return [p for p in self.principles if p.status != "not_applicable"]

    def summary(self) -> str:
        """One line for a status bar or a critique header."""
        names = ", ".join(p.title for p in self.violated[:2])
        if not self.applicable:
            if self.classifier_score is None:
                return f"no guidance principle clearly applies; score {self.score:.2f}"
            reading = "aligned with" if self.verdict == "aligned" else "against"
            return (
                f"no guidance principle clearly applies, but it reads as {reading} the guidance; "
                f"score {self.score:.2f}"
            )
        if self.verdict == "contradicts":
            if names:
                return f"contradicts the guidance ({names}); score {self.score:.2f}"
            return (
                "leans against the guidance, though no single principle is clearly broken; "
                f"score {self.score:.2f}"
            )
        if names:
            return f"mostly aligned with the guidance, but check: {names}; score {self.score:.2f}"
        count = len(self.honoured)
        return f"aligned with the guidance ({count} principles honoured); score {self.score:.2f}"

    def to_dict(self) -> dict[str, object]:
        return {
            "verdict": self.verdict,
            "score": round(self.score, 4),
            "judge": self.judge,
            "principles": [p.to_dict() for p in self.principles],
        } | {
            part: round(value, 4)
            for part, value in (("rule_score", self.rule_score), ("classifier_score", self.classifier_score))
            if value is not None
        }
