"""The interface every coach engine implements (guided and LLM alike).

The TUI, `coach chat`, `coach ask` and `coach eval run` drive engines only through this.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal, Protocol, runtime_checkable

from coach.events import Event
from coach.skills import Skill


@runtime_checkable
class Engine(Protocol):
    mode: Literal["guided", "llm"]
    conversation_id: str
    skill: Skill | None

    def set_skill(self, skill: Skill | None) -> None:
        """Switch to a skill's flow (None = free conversation)."""

    def turn(self, text: str) -> AsyncIterator[Event]:
        """Handle one user message; yield events, ending with Done (or ErrorEvent then Done).

        An empty or oversized message yields ErrorEvent(kind="input") and Done; nothing is lost.
        Cancelling the iteration (Esc in the TUI) must leave the conversation consistent.
        """
        ...

    def opening(self) -> AsyncIterator[Event]:
        """What the coach says first in the current skill (may be nothing)."""
        ...

    def accept(self, proposal_id: str) -> str:
        """Apply a proposed tracker change the user agreed to; return a one-line confirmation."""
        ...

    def reject(self, proposal_id: str) -> str:
        """Discard a proposal; return a one-line confirmation."""
        ...


@runtime_checkable
class Resumable(Protocol):
    """Optional: engines that can save and restore their state when a conversation is resumed.

    `snapshot()` returns JSON-serialisable data (the guided engine: its flow state; the LLM engine: its
    message history and summary). The conversation log stores it after every turn and hands it back to
    `restore()` on resume. `restore()` must tolerate missing keys (older snapshots).
    """

    def snapshot(self) -> dict[str, Any]: ...

    def restore(self, state: dict[str, Any]) -> None: ...
