"""The LLM coach's tools: guidance search, the critic, and the tracker's proposal tools.

Tools run inside the agent; the events they cause (citations, proposals, critiques) are buffered here and
drained by the engine right after the tool result, so the UI sees them in order.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from coach.engine import critic
from coach.engine.sanitize import strip_control
from coach.events import CitationEvent, CritiqueEvent, Event, Notice, ProposedChange
from coach.resources import prompt
from coach.skills import Skill

if TYPE_CHECKING:  # pragma: no cover
    from coach.engine.llm import LLMEngine

PASSAGES_PER_SEARCH = 4
PASSAGE_CHARS = 1200


class SearchGuidanceArgs(BaseModel):
    query: str = Field(min_length=2, max_length=500, description="What to look up, in a few words.")


class CritiqueArgs(BaseModel):
    text: str = Field(min_length=1, max_length=20_000, description="The exact text to check.")
    kind: Literal["draft", "rehearsal_reply", "advice"] = Field(
        "draft", description="draft = a message the user wrote; rehearsal_reply = their reply in a role-play."
    )


def quote_passage(number: int, passage: Any) -> str:
    """One passage as quoted data: every line prefixed with '> ' so nothing inside can pose as our text."""
    body = strip_control(str(getattr(passage, "text", "")))[:PASSAGE_CHARS]
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in body.splitlines())
    title = strip_control(str(getattr(passage, "title", "")))
    source = strip_control(str(getattr(passage, "citation", "")))
    return f"[{number}] {title} — {source} (card {getattr(passage, 'card_id', '?')})\n{quoted}"


class ToolBox:
    def __init__(self, engine: LLMEngine) -> None:
        self.engine = engine
        self._events: list[Event] = []
        self._lock = threading.Lock()  # sync tools run in worker threads
        self._tools: list[Any] | None = None
        self._cited: set[str] = set()

    def emit(self, event: Event) -> None:
        with self._lock:
            self._events.append(event)

    def drain(self) -> list[Event]:
        with self._lock:
            events, self._events = self._events, []
        return events

    # ---- tools -----------------------------------------------------------------------------
    def tools(self) -> list[Any]:
        if self._tools is None:
            from langchain_core.tools import StructuredTool

            tools = [
                StructuredTool.from_function(
                    self.search_guidance,
                    name="search_guidance",
                    description=(
                        "Search the coach's guidance library on mentoring. Returns quoted passages "
                        "with their sources. Use before giving advice."
                    ),
                    args_schema=SearchGuidanceArgs,
                ),
                StructuredTool.from_function(
                    self.critique_text,
                    name="critique_text",
                    description=(
                        "Check a text (the user's outreach draft, or their rehearsal reply) against the "
                        "guidance principles; returns each problem with evidence and a better alternative."
                    ),
                    args_schema=CritiqueArgs,
                ),
            ]
            tools.extend(self._tracker_tools())
            self._tools = tools
        return self._tools

    def _tracker_tools(self) -> list[Any]:
        try:
            from coach.tracker.tools import make_tools
        except ModuleNotFoundError:  # tracker part not installed: the coach still advises
            return []
        try:
            return list(make_tools(self.engine.services.tracker, self.propose))
        except Exception as exc:  # e.g. an unreadable tracker.db: advise without it, and say so once
            self.emit(Notice(f"The tracker is unavailable, so nothing can be proposed: {exc}", kind="info"))
            return []

    def propose(self, proposal: Any) -> None:
        """The tracker tools' sink: register the proposal and show it. Nothing is written here."""
        self.engine.services.proposals.add(proposal)
        self.emit(
            ProposedChange(
                proposal_id=str(proposal.id),
                summary=strip_control(str(proposal.summary)),
                diff=strip_control(str(getattr(proposal, "diff", ""))),
                proposal=proposal,
            )
        )

    def search_guidance(self, query: str) -> str:
        skill = self.engine.skill
        audience = "mentor" if skill == Skill.MENTOR_PRACTICE else None
        retriever = self.engine.services.retriever
        passages = retriever.search(
            query, k=PASSAGES_PER_SEARCH, skill=skill.value if skill else None, audience=audience
        )
        if not passages and skill is not None:
            passages = retriever.search(query, k=PASSAGES_PER_SEARCH)
        if not passages:
            query_text = strip_control(query)
            return f'No guidance passage matched "{query_text}". Say so rather than inventing guidance.'
        for passage in passages:
            if passage.chunk_id in self._cited:
                continue
            self._cited.add(passage.chunk_id)
            self.emit(
                CitationEvent(
                    card_id=str(passage.card_id),
                    title=strip_control(str(passage.title)),
                    source=strip_control(str(passage.citation)),
                    passage=strip_control(str(passage.text)),
                    score=float(passage.score),
                )
            )
        rendered = "\n\n".join(quote_passage(i, p) for i, p in enumerate(passages, start=1))
        return (
            prompt("guidance_frame")
            .replace("{query}", strip_control(query)[:200])
            .replace("{passages}", rendered)
        )

    def critique_text(self, text: str, kind: str = "draft") -> str:
        skill = self.engine.skill
        # The user's own text (a draft, a reply), not advice: judged as such (see RuleJudge.judge).
        judgement = self.engine.services.judge.judge(
            text, skill.value if skill else None, "", own_words=True
        )
        self.emit(
            CritiqueEvent(
                subject=kind, judgement=judgement, summary=critic.summary_line(judgement), attempt=1
            )
        )
        problems = critic.violated(judgement)
        if not problems:
            return critic.summary_line(judgement) + " Say what the text does well, briefly."
        return critic.summary_line(judgement) + "\nProblems:\n" + critic.describe_problems(problems)

    # ---- errors inside tools ---------------------------------------------------------------
    def on_error(self, exc: Exception, request: Any) -> str:
        """Tool failures go back to the model as an error result it can act on (never a crash)."""
        name = (getattr(request, "tool_call", None) or {}).get("name", "tool")
        message = strip_control(str(exc))[:300] or type(exc).__name__
        if type(exc).__name__ in ("ProposalError", "DateQuestion", "ValidationError", "ValueError"):
            return f"Error from {name}: {message}. Ask the user for what is missing, then try again."
        return f"Error from {name}: the tool failed ({type(exc).__name__}: {message}). Carry on without it."

    def reset_turn(self) -> None:
        self._cited.clear()
