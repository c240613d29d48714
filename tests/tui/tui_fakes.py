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

from coach.events import Done, Event, TextDelta
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

    def set_skill(self, skill: Skill | None) -> None:
        self.skill = skill

    async def turn(self, text: str) -> AsyncIterator[Event]:
        self.received.append(text)
        try:
            for index, event in enumerate(self.script(text)):
                if self.delay:
                    await asyncio.sleep(self.delay)
                yield event
                if index == 0 and self.hold is not None:
                    await self.hold.wait()
        except (asyncio.CancelledError, GeneratorExit):
            self.cancelled += 1
            raise

    async def opening(self) -> AsyncIterator[Event]:
        for event in self.openings.get(self.skill, []):
            yield event

    def accept(self, proposal_id: str) -> str:
        if proposal_id == "BAD":
            raise ValueError("due date is in the past: ask the user for a new one")
        self.accepted.append(proposal_id)
        return f"{proposal_id} accepted"

    def reject(self, proposal_id: str) -> str:
        self.rejected.append(proposal_id)
        return f"{proposal_id} rejected (nothing was written)"


def factory_for(engine: Any, gate: Any = None) -> Callable[..., Any]:
    """An engine factory; with `gate` (a threading.Event) the load waits until the test opens it."""

    def make(settings: Any, conversation_id: str | None) -> Any:
        if gate is not None:
            gate.wait(10)
        return engine

    return make
