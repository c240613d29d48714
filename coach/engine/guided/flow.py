"""The building blocks every guided flow shares: the turn context, the reply builder and the step machine.

A flow is a small state machine whose whole state is a JSON-serialisable dict (so a conversation can be
resumed). It asks one question at a time, keeps the answers, understands "skip", "back" and "help", and ends
with a composed result plus cited guidance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from coach.engine.guided.guidance import Cited, Guidance
from coach.engine.guided.script import Script, Step, load_script
from coach.engine.guided.text import clean
from coach.events import CitationEvent, CritiqueEvent, Event, ProposedChange, TextDelta
from coach.skills import Skill

SKIP = frozenset({"skip", "pass", "next", "don't know", "dont know", "not sure", "n/a", "none"})
BACK = frozenset({"back", "go back", "previous", "undo answer"})
HELP = frozenset({"help", "?", "hint", "example", "examples"})
YES = frozenset({"yes", "y", "yeah", "yep", "sure", "ok", "okay", "first", "it is", "correct"})
NO = frozenset({"no", "n", "nope", "not really", "not the first"})


def _asks_for_help(word: str) -> bool:
    """ "what do you suggest?" or "like what?" in answer to a question is a request for an example."""
    if len(word.split()) > 10:
        return False
    phrases = load_script("common").data["help_phrases"]
    return any(word.rstrip("?").startswith(p) for p in phrases)


def command(text: str) -> str:
    """Normalise a short reply for matching commands ("Skip." -> "skip")."""
    return " ".join(text.lower().strip().strip(".!").split())


@dataclass
class Ctx:
    """What a flow may use during one turn. `today` is resolved on first use (it may open the tracker)."""

    services: Any
    guidance: Guidance
    clock: Callable[[], dt.date]
    _today: dt.date | None = None

    @property
    def today(self) -> dt.date:
        if self._today is None:
            self._today = self.clock()
        return self._today

    @property
    def tracker(self) -> Any:
        return self.services.tracker

    @property
    def judge(self) -> Any:
        return self.services.judge


@dataclass
class Out:
    """Collects a reply: text, citations, proposals and critiques, in the order they were added."""

    events: list[Event] = field(default_factory=list)
    _cited: set[str] = field(default_factory=set)

    def say(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        if any(isinstance(e, TextDelta) for e in self.events):
            text = "\n\n" + text
        self.events.append(TextDelta(text))

    def cite(self, passages: list[Cited], *, lead: str = "") -> list[Cited]:
        """Emit a CitationEvent per new passage and say which cards the reply draws on."""
        fresh = []
        for p in passages:
            key = p.card_id or p.title
            if key in self._cited:
                continue
            self._cited.add(key)
            fresh.append(p)
            self.events.append(CitationEvent(p.card_id, p.title, p.citation, p.text, p.score))
        if fresh:
            titles = "; ".join(f"*{p.title}*" for p in fresh)
            self.say(f"{lead or load_script('common').msg('lead_guidance')}: {titles}.")
        return fresh

    def propose(self, proposal: Any) -> None:
        self.events.append(
            ProposedChange(
                proposal_id=str(proposal.id),
                summary=clean(str(proposal.summary)),
                diff=clean(str(proposal.diff)),
                proposal=proposal,
            )
        )
        warnings = [clean(str(w)) for w in getattr(proposal, "warnings", None) or []]
        if warnings:
            self.say(load_script("common").msg("note", text=" ".join(warnings)))

    def critique(
        self, subject: str, judgement: Any, summary: str, attempt: int, previous: float | None
    ) -> None:
        self.events.append(CritiqueEvent(subject, judgement, summary, attempt, previous))

    @property
    def text(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, TextDelta))


class Flow:
    """Base class: subclasses set `skill` and `script_name` and implement `compose` (and maybe `check`)."""

    skill: ClassVar[Skill]
    script_name: ClassVar[str]

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        self.state: dict[str, Any] = state if state is not None else self.initial_state()

    # ---- state ------------------------------------------------------------------------------
    def initial_state(self) -> dict[str, Any]:
        return {"flow": self.skill.value, "phase": "new", "i": 0, "answers": {}}

    @property
    def script(self) -> Script:
        return load_script(self.script_name)

    @property
    def steps(self) -> tuple[Step, ...]:
        return self.script.steps

    @property
    def answers(self) -> dict[str, Any]:
        return self.state["answers"]

    @property
    def done(self) -> bool:
        return self.state["phase"] == "done"

    # ---- the turn -----------------------------------------------------------------------------
    def start(self, ctx: Ctx, out: Out, *, request: str = "") -> None:
        """Begin the flow; `request` is the message that asked for it, which may already answer questions."""
        self.state.update(self.initial_state())
        self.state["phase"] = "asking"
        out.say(f"**{self.script.title}.** {self.script.intro}")
        noted = self.prefill(ctx, request) if request else []
        if noted:
            self.state["prefilled"] = [step_id for step_id, _ in noted]
            listing = "; ".join(f"{label}" for _, label in noted)
            out.say(load_script("common").msg("noted", items=listing))
        self.ask_current(ctx, out)

    def handle(self, ctx: Ctx, text: str, out: Out) -> None:
        if self.state["phase"] == "new":
            self.start(ctx, out)
            return
        if self.state["phase"] == "asking":
            self.answer_step(ctx, text, out)
        else:
            self.handle_phase(ctx, text, out)

    def wants_after_done(self, word: str) -> bool:
        """Whether a finished flow still handles this command (else the engine routes the message)."""
        return word in {"again", "start over", "restart"}

    def handle_phase(self, ctx: Ctx, text: str, out: Out) -> None:
        """Phases after the questions (review, rehearsal, done); subclasses override."""
        word = command(text)
        if word in {"again", "start over", "restart"}:
            self.start(ctx, out)
        else:
            out.say(self.script.msg("finished") if "finished" in self.script.messages else "")

    # ---- question steps ----------------------------------------------------------------------
    def current_step(self) -> Step | None:
        i = self.state["i"]
        return self.steps[i] if 0 <= i < len(self.steps) else None

    def applies(self, step: Step) -> bool:
        """Whether a step is asked at all (e.g. first-meeting questions); subclasses override."""
        return True

    def prefill(self, ctx: Ctx, request: str) -> list[tuple[str, str]]:
        """Answers found in the request that started the flow: [(step id, what was noted)]."""
        return []

    def ask_current(self, ctx: Ctx, out: Out, *, prefix: str = "") -> None:
        prefilled = self.state.get("prefilled", [])
        while (step := self.current_step()) is not None and (not self.applies(step) or step.id in prefilled):
            self.state["i"] += 1
        step = self.current_step()
        if step is None:
            self.state["phase"] = "composing"
            self.compose(ctx, out)
            return
        # Cite the guidance behind a question once per run of the flow, not every time it is asked.
        seen: list[str] = self.state.setdefault("cited", [])
        if step.id not in seen:
            seen.append(step.id)
            if step.cards:
                out.cite(ctx.guidance.cards(step.cards))
            elif step.cite:
                out.cite(ctx.guidance.search(step.cite, k=1, skill=self.skill.value))
        shown = [s for s in self.steps if self.applies(s)]
        number = f"({shown.index(step) + 1}/{len(shown)}) " if step in shown else ""
        previous = self.answers.get(step.id)
        if isinstance(previous, list):
            previous = "; ".join(str(p) for p in previous)
        again = (
            "\n\n" + load_script("common").msg("earlier_answer", answer=previous)
            if isinstance(previous, str) and previous
            else ""
        )
        out.say(prefix + number + self.question_text(ctx, step) + again)

    def question_text(self, ctx: Ctx, step: Step) -> str:
        return step.ask.strip()

    def answer_step(self, ctx: Ctx, text: str, out: Out) -> None:
        step = self.current_step()
        if step is None:  # defensive: a restored state past the last step
            self.state["phase"] = "composing"
            self.compose(ctx, out)
            return
        word = command(text)
        if word in BACK:
            i = self.state["i"] - 1
            while i > 0 and not self.applies(self.steps[i]):
                i -= 1
            self.state["i"] = max(i, 0)
            # going back to a question answered from the opening request asks it after all
            prefilled = self.state.get("prefilled", [])
            if self.steps[self.state["i"]].id in prefilled:
                prefilled.remove(self.steps[self.state["i"]].id)
            self.ask_current(ctx, out, prefix=load_script("common").msg("back_prefix") + " ")
            return
        if word in HELP or (not step.expects_question and _asks_for_help(word)):
            out.say(step.hint.strip() or load_script("common").msg("help"))
            return
        if word in SKIP:
            if not step.optional:
                out.say(self.why_required(step))
                return
            self.answers[step.id] = None
            self.advance(ctx, out)
            return
        earlier = self.answers.pop(step.id, None)
        problem = self.check(ctx, step, text, out)
        if problem:
            if earlier is not None:
                self.answers[step.id] = earlier
            out.say(problem)
            return
        self.answers.setdefault(step.id, text)
        self.advance(ctx, out)

    def why_required(self, step: Step) -> str:
        common = load_script("common")
        return common.msg("cannot_skip", reason=step.hint.strip() or common.msg("cannot_skip_default"))

    def advance(self, ctx: Ctx, out: Out) -> None:
        self.state["i"] += 1
        self.ask_current(ctx, out)

    def check(self, ctx: Ctx, step: Step, text: str, out: Out) -> str | None:
        """Validate an answer: return a question back to the user, or None (optionally after storing a
        normalised value in self.answers[step.id]; otherwise the text is stored as typed)."""
        return None

    def compose(self, ctx: Ctx, out: Out) -> None:
        raise NotImplementedError

    def on_accepted(self, proposal: Any) -> str:
        """Called after the user accepted one of this flow's proposals; may return a follow-up line."""
        return ""

    # ---- helpers -------------------------------------------------------------------------------
    def fixed_cards(self, ctx: Ctx, key: str) -> list[Cited]:
        """The cards this flow's script cites at a fixed point (`[cards]` in its TOML)."""
        return ctx.guidance.cards(self.script.cards.get(key, []))

    def value(self, step_id: str) -> str:
        """The answer, or the step's placeholder when it was skipped."""
        answer = self.answers.get(step_id)
        if answer:
            return str(answer)
        return self.script.step(step_id).placeholder or "—"
