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
class Notice:
    """A status line that is not part of the reply: "retrying in 2 s", "summarised 12 earlier messages".

    `kind`: "retry", "summary", "info". Renderers show it dimmed; it is logged but not sent to the model.
    """

    message: str
    kind: str = "info"


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
    | Notice
    | Done
)


def _plain(value: Any) -> Any:
    """JSON-friendly form of an event field (pydantic models, dataclasses, enums, dates)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return _plain(dump(mode="json"))
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return str(value)


def event_to_dict(event: Event) -> dict[str, Any]:
    """{"type": "TextDelta", ...fields}: for JSON lines (`coach ask --json`) and the conversation log.

    A ProposedChange's `proposal` becomes its payload (the validated model) so nothing live is kept.
    """
    data: dict[str, Any] = {"type": type(event).__name__}
    for name in event.__dataclass_fields__:  # type: ignore[union-attr]
        value = getattr(event, name)
        if name == "proposal":
            data["kind"] = getattr(value, "kind", None)
            value = getattr(value, "payload", None)
        data[name] = _plain(value)
    return data
