"""Wraps any engine so every message, event, proposal and decision lands in the conversation log.

The user's message is written before the engine runs, so a crash, an error or a cancelled turn never
loses it; whatever reply text arrived is written even when the turn is cut short.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Literal

from coach.conversations import ConversationLog
from coach.engine.base import Engine, Resumable
from coach.events import (
    CritiqueEvent,
    Done,
    ErrorEvent,
    Event,
    Notice,
    ProposedChange,
    ReplyReset,
    TextDelta,
)
from coach.skills import Skill

# Critiques of the user's own text belong to the user's message in the log and the export.
USER_SUBJECTS = frozenset({"draft", "rehearsal_reply"})


class RecordingEngine:
    """Implements the Engine protocol by delegating to `inner` and logging as it goes."""

    def __init__(self, inner: Engine, log: ConversationLog, conversation_id: str) -> None:
        self.inner = inner
        self.log = log
        self.conversation_id = conversation_id
        self.services = getattr(inner, "services", None)
        self._last_user_text: str | None = None

    # ---- protocol --------------------------------------------------------------------------
    @property
    def mode(self) -> Literal["guided", "llm"]:
        return self.inner.mode

    @property
    def skill(self) -> Skill | None:
        return self.inner.skill

    def set_skill(self, skill: Skill | None) -> None:
        self.inner.set_skill(skill)
        self.log.set_meta(self.conversation_id, skill=self.inner.skill.value if self.inner.skill else None)
        self._save_state()

    def opening(self) -> AsyncIterator[Event]:
        return self._recorded(self.inner.opening(), user_text=None)

    def turn(self, text: str) -> AsyncIterator[Event]:
        return self._recorded(self.inner.turn(text), user_text=text)

    def retry(self) -> AsyncIterator[Event]:
        """Ask again after an error or a cut-off reply (the user's message is not logged twice)."""
        retry = getattr(self.inner, "retry", None)
        if callable(retry):
            return self._recorded(retry(), user_text=None, note="Retried the last message.")
        if self._last_user_text is None:
            return _single(ErrorEvent("There is nothing to retry yet.", kind="input"))
        return self._recorded(
            self.inner.turn(self._last_user_text), user_text=None, note="Retried the last message."
        )

    def accept(self, proposal_id: str) -> str:
        message = self.inner.accept(proposal_id)
        self.log.decide_proposal(self.conversation_id, _proposal_key(proposal_id), "accepted", message)
        self._save_state()
        return message

    def reject(self, proposal_id: str) -> str:
        message = self.inner.reject(proposal_id)
        self.log.decide_proposal(self.conversation_id, _proposal_key(proposal_id), "rejected", message)
        self._save_state()
        return message

    def snapshot(self) -> dict[str, Any]:
        return self.inner.snapshot() if isinstance(self.inner, Resumable) else {}

    # ---- recording -------------------------------------------------------------------------
    async def _recorded(
        self, events: AsyncIterator[Event], *, user_text: str | None, note: str | None = None
    ) -> AsyncIterator[Event]:
        skill = self.inner.skill.value if self.inner.skill else None
        user_id: int | None = None
        if user_text is not None and user_text.strip():
            user_id = self.log.add_message(self.conversation_id, "user", user_text, skill=skill)
            self._last_user_text = user_text
        if note:
            self.log.add_message(self.conversation_id, "note", note, skill=skill)
        text: list[str] = []
        reply_events: list[Event] = []
        user_events: list[Event] = []
        status = "complete"
        final_text: str | None = None
        try:
            async for event in events:
                match event:
                    case TextDelta(text=piece):
                        text.append(piece)
                    case ReplyReset():
                        text.clear()
                        reply_events.append(event)
                    case ProposedChange():
                        self.log.add_proposal(
                            self.conversation_id,
                            proposal_id=event.proposal_id,
                            summary=event.summary,
                            diff=event.diff,
                            kind=getattr(event.proposal, "kind", None),
                        )
                        reply_events.append(event)
                    case CritiqueEvent(subject=subject) if subject in USER_SUBJECTS and user_id is not None:
                        user_events.append(event)
                    case ErrorEvent(retryable=retryable):
                        status = "interrupted" if retryable else "error"
                        reply_events.append(event)
                    case Notice(kind="summary", message=message):
                        self.log.add_message(self.conversation_id, "note", message, skill=skill)
                        reply_events.append(event)
                    case Done(text=done_text):
                        final_text = done_text
                    case _:
                        reply_events.append(event)
                yield event
        except (asyncio.CancelledError, GeneratorExit):
            status = "cancelled"
            raise
        finally:
            reply = final_text if final_text else "".join(text)
            message_id = None
            if reply.strip() or reply_events:
                message_id = self.log.add_message(
                    self.conversation_id,
                    "assistant",
                    reply,
                    skill=skill,
                    status=status if (status != "complete" or reply.strip()) else "complete",
                )
            self.log.add_events(self.conversation_id, reply_events, message_id=message_id)
            self.log.add_events(self.conversation_id, user_events, message_id=user_id)
            self._save_state()

    def _save_state(self) -> None:
        state = {
            "mode": self.inner.mode,
            "skill": self.inner.skill.value if self.inner.skill else None,
            "engine": self.snapshot(),
        }
        try:
            self.log.save_state(self.conversation_id, state)
        except (TypeError, ValueError):
            # An engine state that cannot be serialised costs resumability, never the conversation.
            self.log.save_state(self.conversation_id, {"mode": state["mode"], "skill": state["skill"]})


def _proposal_key(proposal_id: str) -> str:
    return proposal_id.strip().upper()


async def _single(*events: Event) -> AsyncIterator[Event]:
    for event in events:
        yield event
    yield Done()
