"""Small stand-ins for retrieval and the judge with the contract's shapes (used where the real part
would make a test slow or nondeterministic; the end-to-end tests use the real parts)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakePassage:
    chunk_id: str
    card_id: str
    title: str
    citation: str
    text: str
    score: float = 0.9
    skills: list[str] = field(default_factory=list)
    audience: str = "both"


class FakeRetriever:
    def __init__(self, passages: list[FakePassage] | None = None) -> None:
        self.passages = (
            passages
            if passages is not None
            else [
                FakePassage(
                    "start-small-approach#0",
                    "start-small-approach",
                    "Start small when approaching a possible mentor",
                    "Mentor Me, Mentor You",
                    "Begin with a small request such as one piece of advice.",
                )
            ]
        )
        self.queries: list[tuple[str, str | None]] = []

    def search(self, query: str, k: int = 5, skill: str | None = None, audience: str | None = None):
        self.queries.append((query, skill))
        return self.passages[:k]


@dataclass
class FakePrinciple:
    principle_id: str
    title: str
    status: str
    severity: str = "high"
    evidence: str = ""
    reason: str = ""
    better: str = ""


@dataclass
class FakeJudgement:
    verdict: str
    score: float
    principles: list[FakePrinciple]


class FakeJudge:
    """Flags "will you be my mentor" as a high-severity violation; everything else is aligned."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None, str]] = []

    def judge(
        self, advice: str, skill: str | None, user: str = "", *, own_words: bool = False
    ) -> FakeJudgement:
        self.calls.append((advice, skill, user))
        bad = "will you be my mentor" in advice.lower()
        principle = FakePrinciple(
            "dont-lead-with-will-you-be-my-mentor",
            "Don't lead with 'will you be my mentor?'",
            "violated" if bad else "honoured",
            evidence="will you be my mentor" if bad else "",
            reason="asks for the whole relationship at first contact" if bad else "",
            better="Ask for one piece of advice first." if bad else "",
        )
        other = FakePrinciple("start-small", "Start small", "honoured", severity="medium")
        return FakeJudgement("contradicts" if bad else "aligned", 0.3 if bad else 0.9, [principle, other])
