"""Helpers for guided-mode tests: a real tracker in COACH_HOME, a lexical retriever over the real cards
(no model needed), and the real rule judge when it is available (else a small keyword judge that satisfies
the contract)."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from coach.engine.guided.engine import GuidedEngine
from coach.engine.guided.guidance import lexical_search
from coach.events import Done, Event, TextDelta

TODAY = dt.date(2026, 11, 25)  # a Wednesday


@dataclass(frozen=True)
class FakePassage:
    chunk_id: str
    card_id: str
    title: str
    citation: str
    text: str
    score: float
    skills: tuple[str, ...] = ()
    audience: str = "both"


class CardRetriever:
    """Satisfies Retriever.search with word overlap over the real cards; counts calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def search(self, query, k=5, skill=None, audience=None):  # noqa: ANN001, ANN201
        self.calls.append(query)
        return [
            FakePassage(c.card_id, c.card_id, c.title, c.citation, c.text, c.score, c.skills)
            for c in lexical_search(query, k, skill, audience)
        ]


@dataclass
class KeywordJudgement:
    verdict: str
    score: float
    principles: list = field(default_factory=list)


@dataclass(frozen=True)
class KeywordResult:
    principle_id: str
    title: str
    status: str
    severity: str
    evidence: str = ""
    reason: str = ""
    better: str = ""


class KeywordJudge:
    """Stand-in for RuleJudge until it lands: each principle honoured when a cue word appears."""

    CUES = {
        "outreach": [("no-mentor-ask", "Don't lead with 'will you be my mentor'", None, "be my mentor"),
                     ("small-ask", "Make a small, specific ask", "minutes", None)],
        "feedback": [("thanks", "Thank the mentor", "thank", None),
                     ("example", "Ask for a concrete example", "example", None),
                     ("no-defend", "Listen without getting defensive", None, "but ")],
        "mentor_practice": [("ask", "Ask rather than tell", "?", None),
                            ("future", "Focus on the future", "next", None)],
    }  # fmt: skip

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def judge(self, text: str, skill: str, user: str = "", *, own_words: bool = False) -> KeywordJudgement:
        self.calls.append((text, str(skill), user))
        lowered = text.lower()
        results = []
        for pid, title, good, bad in self.CUES.get(str(skill), []):
            if bad is not None and bad in lowered:
                results.append(
                    KeywordResult(pid, title, "violated", "high", bad.strip(), "warned against", "x")
                )
            elif good is None or good in lowered:
                results.append(KeywordResult(pid, title, "honoured", "medium", good or "", "as advised"))
            else:
                results.append(KeywordResult(pid, title, "violated", "medium", "", "missing", "do it"))
        score = sum(r.status == "honoured" for r in results) / (len(results) or 1)
        verdict = "contradicts" if any(r.status == "violated" for r in results) else "aligned"
        return KeywordJudgement(verdict, score, results)


class RecordingJudge:
    """Passes every call to a real judge and notes whether the text was the user's own words."""

    def __init__(self, judge: Any) -> None:
        self.inner = judge
        self.own_words: list[bool] = []

    def judge(self, text: str, skill: str, user: str = "", *, own_words: bool = False) -> Any:
        self.own_words.append(own_words)
        return self.inner.judge(text, skill, user, own_words=own_words)


def make_judge():  # noqa: ANN201
    try:
        from coach.judge import RuleJudge, load_rubric

        return RuleJudge(load_rubric())
    except ImportError:
        return KeywordJudge()


def collect(agen) -> list[Event]:  # noqa: ANN001
    async def run() -> list[Event]:
        return [event async for event in agen]

    return asyncio.run(run())


class Chat:
    """Drive an engine turn by turn and keep every event."""

    def __init__(self, engine: GuidedEngine) -> None:
        self.engine = engine
        self.turns: list[list[Event]] = []

    def open(self) -> list[Event]:
        events = collect(self.engine.opening())
        self.turns.append(events)
        return events

    def say(self, text: str) -> list[Event]:
        events = collect(self.engine.turn(text))
        assert isinstance(events[-1], Done), events[-1]
        assert sum(isinstance(e, Done) for e in events) == 1
        self.turns.append(events)
        return events

    @staticmethod
    def text(events: list[Event]) -> str:
        return "".join(e.text for e in events if isinstance(e, TextDelta))
