"""A scripted engine that follows the Engine protocol, for UI tests that must not depend on content.

Flows that need the real guided engine and tracker live in test_guided_flow.py; this fake lets each
rendering path (streaming, citations, critiques, proposals, resets, errors, cancellation) be driven
exactly and deterministically.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from coach.events import Done, Event, ProposedChange, TextDelta
from coach.skills import Skill

Script = Callable[[str], list[Event]]


@dataclass
class FakeEngine:
    script: Script = lambda text: [TextDelta(f"You said: {text}"), Done()]
    mode: str = "guided"
    conversation_id: str = "c-test"
    skill: Skill | None = None
    delay: float = 0.0  # seconds between events, to test cancellation mid-stream
    hold: asyncio.Event | None = None  # when set, the turn waits on it after the first event
    received: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    openings: dict[Skill | None, list[Event]] = field(default_factory=dict)
    cancelled: int = 0
    services: Any = None  # coach.engine.services.Services with a real tracker, when a test needs one

    def set_skill(self, skill: Skill | None) -> None:
        self.skill = skill

    async def turn(self, text: str) -> AsyncIterator[Event]:
        self.received.append(text)
        try:
            for index, event in enumerate(self.script(text)):
                if self.delay:
                    await asyncio.sleep(self.delay)
                if isinstance(event, ProposedChange) and self.services is not None:
                    self.services.proposals.add(event.proposal)
                yield event
                if index == 0 and self.hold is not None:
                    await self.hold.wait()
        except (asyncio.CancelledError, GeneratorExit):
            self.cancelled += 1
            raise

    opening_holds: dict[Skill | None, asyncio.Event] = field(default_factory=dict)

    async def opening(self) -> AsyncIterator[Event]:
        hold = self.opening_holds.get(self.skill)
        for index, event in enumerate(self.openings.get(self.skill, [])):
            yield event
            if index == 0 and hold is not None:
                await hold.wait()

    def accept(self, proposal_id: str) -> str:
        if proposal_id == "BAD":
            raise ValueError("due date is in the past: ask the user for a new one")
        self.accepted.append(proposal_id)
        if self.services is not None:
            return self.services.proposals.accept(proposal_id, self.services.tracker, actor="user")
        return f"{proposal_id} accepted"

    def reject(self, proposal_id: str) -> str:
        self.rejected.append(proposal_id)
        if self.services is not None:
            return self.services.proposals.reject(proposal_id)
        return f"{proposal_id} rejected (nothing was written)"


def factory_for(engine: Any, gate: Any = None) -> Callable[..., Any]:
    """An engine factory; with `gate` (a threading.Event) the load waits until the test opens it."""

    def make(settings: Any, conversation_id: str | None) -> Any:
        if gate is not None:
            gate.wait(10)
        return engine

    return make


TODAY = __import__("datetime").date(2026, 12, 1)  # a Tuesday; every tracker test runs on this day


def seeded_tracker(path: Any, today: Any = TODAY) -> Any:
    """A real tracker with a goal, a partner, a planned session, an overdue step and a future step."""
    import datetime as dt

    from coach.tracker import Tracker
    from coach.tracker import proposals as p

    tracker = Tracker(path, today=lambda: today)
    tracker.apply(
        p.propose_record_goal(
            tracker, title="Lead a cross-team project within a year", why="to move into a staff role"
        )
    )
    tracker.apply(p.propose_record_partner(tracker, name="Ana Ruiz", why_them="ran the platform migration"))
    tracker.apply(
        p.propose_plan_session(
            tracker,
            date=today + dt.timedelta(days=9),
            partner_id=1,
            agenda=["Review my project plan"],
            today=today,
        )
    )
    earlier = today - dt.timedelta(days=20)
    tracker.apply(
        p.propose_add_step(
            tracker,
            what="Send Ana a short note",
            due=today - dt.timedelta(days=3),
            done_when="note sent and reply logged",
            today=earlier,
        )
    )
    tracker.apply(
        p.propose_add_step(
            tracker,
            what="Write a one-page project plan",
            due=today + dt.timedelta(days=7),
            done_when="one page shared with Ana",
            today=today,
        )
    )
    return tracker


def services_with(tracker: Any) -> Any:
    """Engine services with a real tracker; retriever and judge are not used by the scripted engine."""
    from coach.engine.services import Services

    return Services(tracker=tracker, retriever=object(), judge=object())
