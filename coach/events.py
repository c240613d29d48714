"""Typed events the coach engine yields. The TUI and the CLI render them with a `match`.

No UI code here: events carry plain data (strings, dicts, pydantic models) only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the coach's reply, to be appended to what is shown."""

    text: str


@dataclass(frozen=True, slots=True)
class CitationEvent:
    """A guidance passage the reply drew on."""

    card_id: str
    title: str
    source: str  # article title and author, e.g. "Take the Lead in ... — Donalisa Stinyard"
    passage: str
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class ProposedChange:
    """A tracker change the coach proposes; nothing is written until the user accepts.

    `proposal` is the tracker's proposal object (it knows how to apply itself and to describe
    itself as a diff); `summary` and `diff` are plain text for display.
    """

    proposal_id: str
    summary: str
    diff: str
    proposal: Any = None


@dataclass(frozen=True, slots=True)
class ToolCallEvent:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    call_id: str = ""


@dataclass(frozen=True, slots=True)
class ToolResultEvent:
    name: str
    content: str
    call_id: str = ""
    ok: bool = True


@dataclass(frozen=True, slots=True)
class CritiqueEvent:
    """The critic's judgement of advice, a draft or a rehearsal reply.

    `judgement` is the judge's result object (verdict, score, per-principle results).
    `subject` says what was judged: "advice", "draft", "rehearsal_reply".
    """

    subject: str
    judgement: Any
    summary: str = ""
    attempt: int = 1
    previous_score: float | None = None  # score of the previous attempt, to show the change


@dataclass(frozen=True, slots=True)
class ReplyReset:
    """Discard the reply text shown so far in this turn; a revised reply follows.

    Used when the critic finds a high-severity contradiction in a streamed reply and the model revises it.
    """

    reason: str


ErrorKind = Literal[
    "auth", "not_found", "rate_limit", "server", "timeout", "connection", "tool", "input", "other"
]


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    """Something went wrong; the conversation and the user's message are kept."""

    message: str
    kind: ErrorKind = "other"
    retryable: bool = False


@dataclass(frozen=True, slots=True)
class Done:
    """The turn is over. `text` is the full reply as shown."""

    text: str = ""


Event = (
    TextDelta
    | CitationEvent
    | ProposedChange
    | ToolCallEvent
    | ToolResultEvent
    | CritiqueEvent
    | ReplyReset
    | ErrorEvent
    | Done
)
