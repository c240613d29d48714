"""The LLM coach: a langchain agent over any OpenAI-compatible server, with tools and a critic.

langchain and langchain_openai are imported inside the constructor (≈2 s); importing this module is cheap.

A turn: validate -> fit history to the window (summarise, never drop) -> [role-play skills: score the
user's reply] -> stream the agent (text, tool calls, tool results, citations, proposals) -> critic on the
reply; one revision on a high-severity contradiction -> "checked against" note -> Done.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from coach.config import Settings
from coach.engine import critic, scenarios
from coach.engine.llm_errors import classify
from coach.engine.llm_tools import ToolBox
from coach.engine.sanitize import StreamStripper, strip_control
from coach.engine.services import Services
from coach.events import (
    CritiqueEvent,
    Done,
    ErrorEvent,
    Event,
    Notice,
    ReplyReset,
    TextDelta,
    ToolCallEvent,
    ToolResultEvent,
)
from coach.resources import prompt
from coach.skills import Skill

if TYPE_CHECKING:  # pragma: no cover
    from langchain_core.messages import AIMessage, BaseMessage

MAX_MESSAGE_CHARS = 20_000
CHARS_PER_TOKEN = 4  # approximate: get_num_tokens would try to download a tokenizer
KEEP_RECENT_MESSAGES = 4
MAX_TOOL_ERRORS_PER_TURN = 3
RETRY_REASONS = {
    "rate_limit": "The server is rate-limiting requests (429)",
    "server": "The server had an error",
    "timeout": "The server did not answer in time",
    "connection": "Could not reach the server",
}


class EngineConfigError(ValueError):
    """The LLM is switched on but cannot be used as configured; the message says what to set."""


def approx_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def message_tokens(message: BaseMessage) -> int:
    content = message.content if isinstance(message.content, str) else json.dumps(message.content)
    calls = getattr(message, "tool_calls", None) or []
    return approx_tokens(content) + sum(approx_tokens(json.dumps(c.get("args", {}))) for c in calls) + 4


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "") if isinstance(part, dict) else str(part)
            for part in content
            if not isinstance(part, dict) or part.get("type") in (None, "text")
        )
    return ""


@dataclass
class _Run:
    """What one agent run produced; survives an exception so nothing shown is lost."""

    text: list[str] = field(default_factory=list)
    messages: list[Any] = field(default_factory=list)  # AI and tool messages, in order
    tool_errors: int = 0
    last_tool_error: str = ""
    stopped_for_tool_errors: bool = False

    @property
    def full_text(self) -> str:
        return "".join(self.text)


class LLMEngine:
    mode: Literal["guided", "llm"] = "llm"
    retry_base_delay = 0.5  # seconds; doubled each attempt unless the server says Retry-After
    max_retry_wait = 30.0  # a longer Retry-After is reported instead of waited for
    max_tool_rounds = 8

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        services: Services | None = None,
        conversation_id: str = "",
        chat_model: Any = None,
    ) -> None:
        self.settings = settings or Settings()
        self.services = services or Services(self.settings)
        self.conversation_id = conversation_id
        self.skill: Skill | None = None
        if chat_model is None:
            if not self.settings.llm_model:
                raise EngineConfigError(
                    f"An LLM server is configured ({self.settings.base_url}) but no model: set COACH_MODEL "
                    "(or `model` in the config file) to one of the server's models."
                )
            from langchain_openai import ChatOpenAI

            chat_model = ChatOpenAI(
                model=self.settings.llm_model,
                api_key=self.settings.api_key_value,
                base_url=self.settings.base_url,
                temperature=self.settings.temperature,
                timeout=self.settings.request_timeout,
                max_retries=0,  # the engine retries itself so it can tell the user and resume after tools
                streaming=True,
                use_responses_api=False,
            )
        self.model = chat_model
        self.history: list[BaseMessage] = []
        self.summary = ""
        self.last_rehearsal_score: float | None = None
        self.skill_turns = 0  # model replies since the skill was chosen; role-play starts after one
        self._failed: tuple[str, int] | None = None  # (user text, history length before it) for retry()
        self._agents: dict[tuple[Skill | None, str], Any] = {}
        self.rehearsal_attempts = 0
        self.tools = ToolBox(self)

    # ---- Engine protocol -------------------------------------------------------------------
    def set_skill(self, skill: Skill | None) -> None:
        self.skill = skill
        self.last_rehearsal_score = None
        self.skill_turns = 0
        self.rehearsal_attempts = 0

    async def opening(self) -> AsyncIterator[Event]:
        """A fixed first line per skill (prompts/llm_openings.toml): instant, and no model call."""
        text = _openings().get(self.skill.value if self.skill else "", "").strip()
        if text and self.skill is not None and scenarios.titles(self.skill):
            text += "\n\n" + "\n".join(scenarios.titles(self.skill))
        if not text:
            yield Done()
            return
        from langchain_core.messages import AIMessage, HumanMessage

        # A user line first keeps roles alternating from the start (strict chat templates need that).
        self.history += [HumanMessage(f"(I chose the skill: {self.skill.label})"), AIMessage(text)]
        yield TextDelta(text)
        yield Done(text=text)

    def accept(self, proposal_id: str) -> str:
        return self.services.proposals.accept(proposal_id, self.services.tracker, actor="coach")

    def reject(self, proposal_id: str) -> str:
        return self.services.proposals.reject(proposal_id)

    def snapshot(self) -> dict[str, Any]:
        from langchain_core.messages import messages_to_dict

        return {
            "skill": self.skill.value if self.skill else None,
            "summary": self.summary,
            "history": messages_to_dict(self.history),
            "last_rehearsal_score": self.last_rehearsal_score,
            "skill_turns": self.skill_turns,
            "rehearsal_attempts": self.rehearsal_attempts,
        }

    def restore(self, state: dict[str, Any]) -> None:
        from langchain_core.messages import messages_from_dict

        skill = state.get("skill")
        self.skill = Skill(skill) if skill in {s.value for s in Skill} else None
        self.summary = str(state.get("summary") or "")
        try:
            self.history = messages_from_dict(state.get("history") or [])
        except (KeyError, TypeError, ValueError):
            self.history = []
        self.last_rehearsal_score = state.get("last_rehearsal_score")
        self.skill_turns = int(state.get("skill_turns") or 0)
        self.rehearsal_attempts = int(state.get("rehearsal_attempts") or 0)

    async def retry(self) -> AsyncIterator[Event]:
        """Send the last failed or interrupted message again (history rolled back to before it)."""
        if self._failed is None:
            yield ErrorEvent("There is nothing to retry: the last turn completed.", kind="input")
            yield Done()
            return
        text, length = self._failed
        del self.history[length:]
        self._failed = None
        async for event in self.turn(text):
            yield event

    # ---- the turn --------------------------------------------------------------------------
    async def turn(self, text: str) -> AsyncIterator[Event]:
        text = (text or "").strip()
        if not text:
            yield ErrorEvent("The message is empty: type what you want help with.", kind="input")
            yield Done()
            return
        if len(text) > MAX_MESSAGE_CHARS:
            yield ErrorEvent(
                f"The message is {len(text):,} characters; the limit is {MAX_MESSAGE_CHARS:,}. "
                "Paste the part that matters (for a draft, the draft itself).",
                kind="input",
            )
            yield Done()
            return
        from langchain_core.messages import HumanMessage

        self._failed = None
        self.tools.reset_turn()
        async for event in self._fit_history(text):
            yield event
        start_length = len(self.history)

        new_messages: list[BaseMessage] = [HumanMessage(text)]
        if self.skill in critic.ROLE_PLAY_SKILLS and self._role_play_started():
            async for event in self._score_reply(text, new_messages):
                yield event

        run = _Run()
        try:
            async for event in self._complete_turn(text, new_messages, run, start_length):
                yield event
        except (asyncio.CancelledError, GeneratorExit):
            # Cancelled (Esc): keep the message, and what was shown, in the model's context too.
            if len(self.history) == start_length:
                from langchain_core.messages import AIMessage

                self.history.extend(new_messages)
                if run.full_text:
                    self.history.append(AIMessage(run.full_text + "\n[cancelled by the user]"))
            raise

    async def _complete_turn(
        self, text: str, new_messages: list[Any], run: _Run, start_length: int
    ) -> AsyncIterator[Event]:
        from langchain_core.messages import HumanMessage

        failure = None
        async for event in self._run_with_retries(new_messages, run):
            if isinstance(event, ErrorEvent):
                failure = event
            yield event
        reply = run.full_text

        if failure is not None or run.stopped_for_tool_errors:
            if run.stopped_for_tool_errors and failure is None:
                yield ErrorEvent(
                    f"The model's tool calls kept failing ({run.last_tool_error}); the turn was stopped. "
                    "Your message is kept; try rephrasing it.",
                    kind="tool",
                    retryable=True,
                )
            self.history.extend(new_messages)
            if reply:
                from langchain_core.messages import AIMessage

                self.history.append(AIMessage(reply + "\n[reply interrupted]"))
            self._failed = (text, start_length)
            yield Done(text=reply)
            return

        final_ai = next((m for m in reversed(run.messages) if _is_ai(m) and not m.tool_calls), None)
        if final_ai is not None and not (final_ai.response_metadata or {}).get("finish_reason"):
            # The stream ended without a finish reason: the server cut it off mid-reply.
            self.history.extend(new_messages)
            self.history.extend(run.messages)
            self._failed = (text, start_length)
            yield ErrorEvent(
                "The reply was cut off before the server finished it; what arrived is kept above. "
                "Retry to ask again.",
                kind="connection",
                retryable=True,
            )
            yield Done(text=reply)
            return

        if not reply.strip() and not any(getattr(m, "type", "") == "tool" for m in run.messages):
            self.history.extend(new_messages)
            self._failed = (text, start_length)
            yield ErrorEvent(
                "The model sent an empty reply. Your message is kept; retry, or rephrase it.",
                kind="other",
                retryable=True,
            )
            yield Done()
            return

        # The critic: only on the coach's own advice (role-play lines are scored on the user's side).
        note = ""
        revised_for: list[str] = []
        if reply.strip() and self.skill not in critic.ROLE_PLAY_SKILLS:
            verdict = None
            async for item in self._judge(reply, "advice", user=text):
                if isinstance(item, critic.CriticVerdict):
                    verdict = item
                else:
                    yield item
            if verdict is not None and verdict.needs_revision:
                problems = critic.describe_problems(verdict.blocking)
                revised_for = [
                    str(getattr(p, "title", getattr(p, "principle_id", "?"))) for p in verdict.blocking
                ]
                yield CritiqueEvent(
                    subject="advice",
                    judgement=verdict.judgement,
                    summary=critic.summary_line(verdict.judgement),
                    attempt=1,
                )
                yield ReplyReset(
                    reason="The critic found a contradiction of the guidance: " + "; ".join(revised_for)
                )
                revision = _Run()
                revision_prompt = prompt("critic_revision").replace("{critique}", problems)
                base = new_messages + run.messages
                # As a user message: some servers accept only one system message, at the start.
                revise_with = [HumanMessage(revision_prompt)]
                async for event in self._run_with_retries(base + revise_with, revision):
                    if isinstance(event, ErrorEvent):
                        failure = event
                    yield event
                if failure is not None or not revision.full_text.strip():
                    # Keep the original reply rather than nothing; say it was not revised.
                    yield ReplyReset(reason="The revision failed; showing the original reply.")
                    yield TextDelta(reply)
                    revised_for = []
                    note = "The critic flagged this reply but the revision failed: read it with care."
                else:
                    # History: the draft reply is replaced by the revision.
                    run.messages = [m for m in run.messages if m is not final_ai] + revision.messages
                    reply = revision.full_text
            if verdict is not None and not note:
                note = critic.checked_note(verdict.checked, revised_for)
        if note:
            suffix = f"\n\n_{note}_"
            reply += suffix
            yield TextDelta(suffix)
        self.history.extend(new_messages)
        self.history.extend(m for m in run.messages)
        self.skill_turns += 1
        yield Done(text=reply)

    # ---- pieces ----------------------------------------------------------------------------
    def _system_prompt(self) -> str:
        """One system message (some OpenAI-compatible servers reject a second one mid-conversation)."""
        skill_prompt = prompt(f"skill_{self.skill.value}" if self.skill else "skill_none")
        text = f"{prompt('system')}\n\n{skill_prompt}"
        library = scenarios.library_prompt(self.skill)
        if library:
            text += f"\n\n{library}"
        if self.summary:
            text += f"\n\n## Summary of the earlier conversation (for context)\n{self.summary}"
        return text

    def _agent(self) -> Any:
        key = (self.skill, self.summary)
        if key not in self._agents:
            from langchain.agents import create_agent
            from langchain.agents.middleware import ToolErrorMiddleware

            if len(self._agents) > 8:  # summaries change rarely; keep the cache small anyway
                self._agents.clear()
            self._agents[key] = create_agent(
                self.model,
                tools=self.tools.tools(),
                system_prompt=self._system_prompt(),
                middleware=[ToolErrorMiddleware(on_error=self.tools.on_error)],
            )
        return self._agents[key]

    def _role_play_started(self) -> bool:
        return self.skill_turns > 0

    async def _judge(self, text: str, subject: str, *, user: str = "") -> AsyncIterator[Any]:
        """Yield a CriticVerdict, or a Notice when the judge is unavailable (the turn goes on)."""
        try:
            judge = self.services.judge
            judgement = await asyncio.to_thread(
                judge.judge, text, self.skill.value if self.skill else None, user
            )
        except Exception as exc:  # the critic must never sink a turn
            yield Notice(
                f"The critic could not check this {subject} ({type(exc).__name__}: {exc}).", kind="info"
            )
            return
        yield critic.assess(judgement)

    async def _score_reply(self, text: str, new_messages: list[Any]) -> AsyncIterator[Event]:
        from langchain_core.messages import HumanMessage

        verdict = None
        async for item in self._judge(text, "rehearsal reply", user=text):
            if isinstance(item, critic.CriticVerdict):
                verdict = item
            else:
                yield item
        if verdict is None:
            return
        judgement = verdict.judgement
        score = float(getattr(judgement, "score", 0.0))
        previous = self.last_rehearsal_score
        self.last_rehearsal_score = score
        self.rehearsal_attempts += 1
        yield CritiqueEvent(
            subject="rehearsal_reply",
            judgement=judgement,
            summary=critic.summary_line(judgement),
            attempt=self.rehearsal_attempts,
            previous_score=previous,
        )
        change = "" if previous is None else f", previous attempt {round(previous * 100)}/100"
        details = critic.describe_problems(critic.violated(judgement)) or "No principle was contradicted."
        note = (
            prompt("rehearsal_note")
            .replace("{subject}", "rehearsal reply")
            .replace("{score}", str(round(score * 100)))
            .replace("{verdict}", str(getattr(judgement, "verdict", "")))
            .replace("{change}", change)
            .replace("{details}", details)
        )
        # Inside the user's message: roles then still alternate, which strict chat templates require.
        new_messages[0] = HumanMessage(f"{text}\n\n{note}")

    async def _run_with_retries(self, new_messages: list[Any], run: _Run) -> AsyncIterator[Event]:
        """Stream the agent; retry transient failures when nothing has been shown yet in this call.

        After tools have run, a retry resumes from their results rather than calling them again.
        """
        attempt = 0
        while True:
            text_before = len(run.text)
            try:
                async for event in self._stream(new_messages, run):
                    yield event
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failure = classify(exc, self.settings)
                shown_text = len(run.text) > text_before
                wait = failure.retry_after
                if wait is None:
                    wait = self.retry_base_delay * (2**attempt)
                if failure.retry_now and not shown_text and attempt < self.settings.max_retries:
                    if wait > self.max_retry_wait:
                        yield failure.event
                        return
                    attempt += 1
                    reason = RETRY_REASONS.get(failure.event.kind, "The request failed")
                    yield Notice(
                        f"{reason}; retrying in {wait:.1f} s "
                        f"(attempt {attempt + 1} of {self.settings.max_retries + 1}).",
                        kind="retry",
                    )
                    await asyncio.sleep(wait)
                    continue
                if shown_text and failure.event.kind in ("connection", "timeout", "server"):
                    yield ErrorEvent(
                        "The reply was cut off mid-way ("
                        + failure.event.message.rstrip(".")
                        + "). What arrived is kept above; retry to ask again.",
                        kind=failure.event.kind,
                        retryable=True,
                    )
                    return
                yield failure.event
                return

    async def _stream(self, new_messages: list[Any], run: _Run) -> AsyncIterator[Event]:
        from langchain_core.messages import AIMessage, AIMessageChunk, ToolMessage

        corrected_invalid = False
        stripper = StreamStripper()
        while True:
            messages = self.history + new_messages + run.messages
            agent = self._agent()
            async for mode, chunk in agent.astream(
                {"messages": messages},
                stream_mode=["messages", "updates"],
                config={"recursion_limit": 2 * self.max_tool_rounds + 5},
            ):
                if mode == "messages":
                    message, meta = chunk
                    if isinstance(message, AIMessageChunk) and meta.get("langgraph_node") == "model":
                        piece = stripper.feed(text_of(message.content))
                        if piece:
                            run.text.append(piece)
                            yield TextDelta(piece)
                    continue
                for update in (chunk or {}).values():
                    for message in (update or {}).get("messages", []) if isinstance(update, dict) else []:
                        if isinstance(message, AIMessage):
                            run.messages.append(message)
                            for call in message.tool_calls:
                                yield ToolCallEvent(
                                    call["name"], dict(call.get("args") or {}), call.get("id") or ""
                                )
                        elif isinstance(message, ToolMessage):
                            run.messages.append(message)
                            ok = message.status != "error"
                            content = text_of(message.content)
                            yield ToolResultEvent(
                                message.name or "", _clip(content), message.tool_call_id, ok=ok
                            )
                            for event in self.tools.drain():
                                yield event
                            if not ok:
                                run.tool_errors += 1
                                run.last_tool_error = _clip(content, 160)
                                if run.tool_errors >= MAX_TOOL_ERRORS_PER_TURN:
                                    run.stopped_for_tool_errors = True
                                    return
            for event in self.tools.drain():
                yield event
            rest = stripper.flush()
            if rest:
                run.text.append(rest)
                yield TextDelta(rest)
            last = run.messages[-1] if run.messages else None
            if isinstance(last, AIMessage) and last.invalid_tool_calls and not last.tool_calls:
                # Malformed JSON arguments: tell the model once, as a tool result, and let it try again.
                if corrected_invalid:
                    run.stopped_for_tool_errors = True
                    run.last_tool_error = "arguments were not valid JSON twice"
                    return
                corrected_invalid = True
                for bad in last.invalid_tool_calls:
                    error = prompt("invalid_tool_call").format(
                        name=bad.get("name") or "?", error=(bad.get("error") or "could not parse")[:120]
                    )
                    tool_message = ToolMessage(
                        error,
                        tool_call_id=bad.get("id") or "invalid",
                        name=bad.get("name") or "",
                        status="error",
                    )
                    run.messages.append(tool_message)
                    run.tool_errors += 1
                    yield ToolResultEvent(bad.get("name") or "", error, bad.get("id") or "", ok=False)
                continue
            return

    async def _fit_history(self, text: str) -> AsyncIterator[Event]:
        """Summarise the oldest turns when the history would not fit the model's window."""
        window = self.settings.context_window
        headroom = max(1024, window // 4)  # room for the reply, tool results and the skill prompt
        budget = window - headroom - approx_tokens(self._system_prompt()) - approx_tokens(text)
        used = sum(message_tokens(m) for m in self.history)
        if used <= budget or len(self.history) <= KEEP_RECENT_MESSAGES:
            return
        cut = _turn_boundary(self.history, len(self.history) - KEEP_RECENT_MESSAGES)
        if cut <= 0:
            return
        old, recent = self.history[:cut], self.history[cut:]
        conversation = _transcript(old, self.summary)
        how = "with one model call"
        try:
            response = await self.model.ainvoke(prompt("summarise").replace("{conversation}", conversation))
            summary = strip_control(text_of(response.content)).strip()
            if not summary:
                raise ValueError("empty summary")
        except Exception as exc:  # fall back to an extractive summary; still never drop silently
            summary = _extractive_summary(old, self.summary)
            how = (
                f"without the model ({classify(exc, self.settings).event.kind} error), by keeping first lines"
            )
        self.summary = summary
        self.history = recent
        yield Notice(
            f"Summarised {len(old)} earlier messages to fit the model's window ({how}).", kind="summary"
        )


@cache
def _openings() -> dict[str, str]:
    import tomllib

    from coach.resources import prompts_dir

    path = prompts_dir() / "llm_openings.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}  # a missing or broken file costs the greeting, not the conversation
    return {key: " ".join(str(value).split()) for key, value in data.items()}


def _is_ai(message: Any) -> bool:
    return getattr(message, "type", "") == "ai"


def _clip(text: str, limit: int = 2000) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _turn_boundary(history: list[Any], index: int) -> int:
    """Move a cut back to the start of a user turn so tool calls stay with their results."""
    while index > 0 and getattr(history[index], "type", "") != "human":
        index -= 1
    return index


def _transcript(messages: list[Any], summary: str) -> str:
    lines = [f"(Earlier summary) {summary}"] if summary else []
    for message in messages:
        kind = getattr(message, "type", "")
        if kind == "human":
            lines.append(f"User: {text_of(message.content)}")
        elif kind == "ai" and text_of(message.content).strip():
            lines.append(f"Coach: {text_of(message.content)}")
        elif kind == "tool":
            lines.append(
                f"(tool {getattr(message, 'name', '')} result: {_clip(text_of(message.content), 300)})"
            )
    return "\n".join(lines)


def _extractive_summary(messages: list[Any], summary: str) -> str:
    parts = [summary] if summary else []
    for message in messages:
        kind = getattr(message, "type", "")
        if kind in ("human", "ai"):
            first = text_of(message.content).strip().splitlines()
            if first:
                who = "User" if kind == "human" else "Coach"
                parts.append(f"{who}: {_clip(first[0], 160)}")
    return "\n".join(parts)


def last_ai(messages: list[Any]) -> AIMessage | None:
    return next((m for m in reversed(messages) if _is_ai(m)), None)
