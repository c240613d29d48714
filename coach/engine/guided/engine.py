"""GuidedEngine: the offline, deterministic coach (the default when no LLM is configured).

Each skill is a small state machine (one module per flow); with no skill set, a router picks a flow from the
message or answers from the guidance. A turn's work runs in a thread on a copy of the state and is committed
only when the reply has been yielded in full, so cancelling a turn leaves the conversation as it was.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

from coach.config import Settings
from coach.engine.guided.flow import Ctx, Flow, Out, command
from coach.engine.guided.flows import FLOWS
from coach.engine.guided.guidance import Guidance
from coach.engine.guided.router import (
    answer_freely,
    detect_skill,
    is_small_talk,
    looks_like_draft,
    skills_menu,
    wants_a_flow,
)
from coach.engine.guided.script import load_script
from coach.engine.guided.text import InputError, check_message
from coach.events import Done, ErrorEvent, Event, ProposedChange
from coach.skills import Skill, parse_skill

log = logging.getLogger(__name__)

SNAPSHOT_VERSION = 1
STOP = frozenset({"stop", "quit", "exit", "cancel", "leave"})
MENU = frozenset({"menu", "skills", "what can you do", "options"})


class GuidedEngine:
    mode: Literal["guided", "llm"] = "guided"

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        services: Any = None,
        conversation_id: str | None = None,
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        if services is None:
            from coach.engine.services import Services

            services = Services(settings)
        self.settings = settings or getattr(services, "settings", None) or Settings()
        self.services = services
        self.conversation_id = conversation_id or uuid.uuid4().hex
        self.skill: Skill | None = None
        self._today = today or self._tracker_today
        self._guidance = Guidance(services)
        self._state: dict[str, Any] = {"skill": None, "flow": None, "llm_hint_shown": False}

    # ---- Engine protocol -------------------------------------------------------------------------
    def set_skill(self, skill: Skill | str | None) -> None:
        if isinstance(skill, str):
            skill = parse_skill(skill)
        self.skill = skill
        self._state["skill"] = skill.value if skill else None
        self._state["flow"] = FLOWS[skill]().state if skill else None

    async def opening(self) -> AsyncIterator[Event]:
        async for event in self._run(lambda ctx, state, out: self._open(ctx, state, out)):
            yield event

    async def turn(self, text: str) -> AsyncIterator[Event]:
        try:
            message = check_message(text)
        except InputError as exc:
            yield ErrorEvent(str(exc), kind="input")
            yield Done("")
            return
        async for event in self._run(lambda ctx, state, out: self._handle(ctx, state, message, out)):
            yield event

    def accept(self, proposal_id: str) -> str:
        proposal = self.services.proposals.get(proposal_id)
        confirmation = self.services.proposals.accept(proposal_id, self.services.tracker)
        follow_up = self._after_accept(proposal)
        return f"{confirmation} {follow_up}".strip() if follow_up else confirmation

    def reject(self, proposal_id: str) -> str:
        return self.services.proposals.reject(proposal_id)

    def _tracker_today(self) -> dt.date:
        """The tracker's idea of today (it validates due dates), else the system date."""
        try:
            return self.services.tracker.today()
        except Exception:  # no tracker yet (e.g. unreadable database): dates still need a today
            return dt.date.today()

    # ---- Resumable --------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return {"version": SNAPSHOT_VERSION, **copy.deepcopy(self._state)}

    def restore(self, state: dict[str, Any]) -> None:
        if not isinstance(state, dict):
            return
        skill = state.get("skill")
        try:
            self.skill = parse_skill(skill) if skill else None
        except ValueError:
            self.skill = None
        flow = state.get("flow")
        if self.skill and not (isinstance(flow, dict) and flow.get("flow") == self.skill.value):
            flow = FLOWS[self.skill]().state
        elif self.skill:
            flow = _with_defaults(FLOWS[self.skill], flow)
        self._state = {
            "skill": self.skill.value if self.skill else None,
            "flow": copy.deepcopy(flow) if self.skill else None,
            "llm_hint_shown": bool(state.get("llm_hint_shown", False)),
        }

    # ---- internals --------------------------------------------------------------------------------
    async def _run(self, work: Callable[[Ctx, dict[str, Any], Out], None]) -> AsyncIterator[Event]:
        state = copy.deepcopy(self._state)
        out = Out()
        ctx = Ctx(self.services, self._guidance, self._today)
        try:
            await asyncio.to_thread(work, ctx, state, out)
        except Exception as exc:  # a bug or a broken data file: say so, keep the conversation as it was
            log.exception("guided turn failed")
            yield ErrorEvent(f"the guided coach hit a problem: {exc}", kind="other")
            yield Done("")  # nothing of the failed reply was shown
            return
        for event in out.events:
            if isinstance(event, ProposedChange) and event.proposal is not None:
                self.services.proposals.add(event.proposal)
            yield event
        self._state = state
        self.skill = parse_skill(state["skill"]) if state.get("skill") else None
        yield Done(out.text)

    def _flow(self, state: dict[str, Any]) -> Flow | None:
        if not state.get("skill"):
            return None
        skill = parse_skill(state["skill"])
        if not isinstance(state.get("flow"), dict) or state["flow"].get("flow") != skill.value:
            state["flow"] = FLOWS[skill]().state
        return FLOWS[skill](state["flow"])

    def _hint_once(self, ctx: Ctx, state: dict[str, Any], out: Out) -> None:
        common = load_script("common")
        if not state.get("llm_hint_shown"):
            state["llm_hint_shown"] = True
            out.say(common.msg("llm_hint"))
        if ctx.guidance.degraded and not ctx.guidance.degraded_reported:
            ctx.guidance.degraded_reported = True
            out.say(common.msg("degraded", reason=ctx.guidance.degraded))

    def _open(self, ctx: Ctx, state: dict[str, Any], out: Out) -> None:
        flow = self._flow(state)
        if flow is None:
            out.say(load_script("common").msg("welcome", skills=skills_menu()))
        elif flow.state["phase"] == "new":
            flow.start(ctx, out)
        self._hint_once(ctx, state, out)

    def _handle(self, ctx: Ctx, state: dict[str, Any], text: str, out: Out) -> None:
        common = load_script("common")
        word = command(text)
        flow = self._flow(state)
        if word in ("help", "commands") and (flow is None or flow.state["phase"] != "asking"):
            out.say(common.msg("help"))
        elif word in MENU:
            out.say(common.msg("welcome", skills=skills_menu()))
        elif word in STOP and flow is not None:
            title = flow.script.title
            state["skill"], state["flow"] = None, None
            out.say(common.msg("stopped", title=title, menu_hint=common.msg("menu_hint")))
        elif (chosen := _explicit_skill(text, bare=flow is None or flow.done)) is not None:
            self._start(ctx, state, chosen, out)
        elif flow is not None and (not flow.done or flow.wants_after_done(word)):
            flow.handle(ctx, text, out)
        elif flow is not None and flow.done and len(word.split()) < 4 and detect_skill(text) is None:
            out.say(common.msg("flow_finished"))  # "done", "ok", "thanks" after a finished exercise
        elif looks_like_draft(text):
            flow = self._start(ctx, state, Skill.OUTREACH, out, announce=False)
            flow.critique_pasted(ctx, text, out)  # type: ignore[attr-defined]
        elif (skill := detect_skill(text)) is not None and wants_a_flow(text):
            self._start(ctx, state, skill, out, request=text)
        elif flow is None and is_small_talk(text):
            out.say(common.msg("greeting", skills=skills_menu()))
        else:
            answer_freely(ctx, text, out, current=flow.skill if flow else None)
        self._hint_once(ctx, state, out)

    def _start(
        self,
        ctx: Ctx,
        state: dict[str, Any],
        skill: Skill,
        out: Out,
        *,
        announce: bool = True,
        request: str = "",
    ) -> Flow:
        flow = FLOWS[skill]()
        state["skill"], state["flow"] = skill.value, flow.state
        if announce:
            flow.start(ctx, out, request=request)
        return flow

    def _after_accept(self, proposal: Any) -> str:
        """Let the current flow react to an accepted proposal; returns a line to add to the confirmation."""
        flow = self._flow(self._state)
        if flow is None:
            return ""
        try:
            return flow.on_accepted(proposal)
        except Exception:  # the write succeeded; a failed follow-up must not hide that
            log.exception("follow-up after accept failed")
            return ""


def _with_defaults(flow_class: type[Flow], saved: dict[str, Any]) -> dict[str, Any]:
    """A saved flow state with any keys it lacks (older snapshots) filled from a fresh one; a key whose
    type changed is reset rather than trusted."""
    fresh = flow_class().state
    merged = dict(fresh)
    for key, value in saved.items():
        if key not in fresh or fresh[key] is None or isinstance(value, type(fresh[key])):
            merged[key] = value
    if not isinstance(merged.get("i"), int) or isinstance(merged.get("i"), bool):
        merged["i"] = 0
    return merged


def _explicit_skill(text: str, *, bare: bool) -> Skill | None:
    """ "switch to feedback" and "/outreach" always choose a skill; a bare name or menu number ("feedback",
    "3") only when no question is waiting for an answer (it could be the answer)."""
    word = command(text)
    if len(word) > 60:
        return None
    for prefix in ("switch to ", "go to ", "start ", "/"):
        if word.startswith(prefix):
            try:
                return parse_skill(word[len(prefix) :])
            except ValueError:
                return None
    if not bare:
        return None
    skills = list(Skill)
    if word.isdigit() and 1 <= int(word) <= len(skills):
        return skills[int(word) - 1]
    try:
        return parse_skill(word)
    except ValueError:
        return None
