"""Mentor practice: the coach plays a protégé (a persona from the library); the user replies as mentor and
each reply is scored by the judge (skill "mentor_practice"). The protégé reacts by fixed rules to what the
mentor did: an open question draws out the next thing they were holding back; telling gets a guarded reply."""

from __future__ import annotations

import re

from coach.engine.guided.critique import (
    Attempts,
    JudgeFailed,
    checklist,
    cite_violations,
    fmt_score,
    run_judge,
    score_change,
    summary,
)
from coach.engine.guided.flow import Ctx, Flow, Out, command
from coach.engine.guided.scenarios import Persona, protege_personas
from coach.engine.guided.text import quote
from coach.skills import Skill

DONE = frozenset({"done", "finish", "finished", "end", "that's all", "stop practice"})


class MentorPracticeFlow(Flow):
    skill = Skill.MENTOR_PRACTICE
    script_name = "mentor_practice"

    def initial_state(self) -> dict:
        return {
            "flow": self.skill.value, "phase": "new", "i": 0, "answers": {}, "persona": None,
            "revealed": 0, "told": 0, "confidential_shared": False, "last_line": "", "scores": [],
        }  # fmt: skip

    def start(self, ctx: Ctx, out: Out, *, request: str = "") -> None:
        self.state.update(self.initial_state())
        out.say(f"**{self.script.title}.** {self.script.intro}")
        out.cite(self.fixed_cards(ctx, "start"))
        self.state["phase"] = "choose"
        listing = "\n".join(
            f"{i}. **{p.name}** — {p.role}" for i, p in enumerate(protege_personas(), start=1)
        )
        out.say(self.script.msg("choose", personas=listing))

    def handle(self, ctx: Ctx, text: str, out: Out) -> None:
        phase = self.state["phase"]
        word = command(text)
        if phase == "new" or (phase == "done" and word in ("start over", "restart", "again")):
            self.start(ctx, out)
        elif phase == "choose":
            self._pick(text, out)
        elif word in DONE:
            self._finish(out)
        elif phase == "reply":
            self._reply(ctx, text, out)
        else:
            out.say(self.script.msg("finished"))

    def _pick(self, text: str, out: Out) -> None:
        personas = protege_personas()
        word = command(text)
        chosen = None
        if word.isdigit() and 1 <= int(word) <= len(personas):
            chosen = personas[int(word) - 1]
        else:
            chosen = next((p for p in personas if word in (p.id, p.name.lower())), None)
        if chosen is None:
            out.say(self.script.msg("choose_again", count=len(personas)))
            return
        self.state.update(persona=chosen.id, phase="reply", last_line=chosen.opening)
        out.say(self.script.msg("opening", name=chosen.name, role=chosen.role, line=quote(chosen.opening)))

    def _persona(self) -> Persona:
        for p in protege_personas():
            if p.id == self.state["persona"]:
                return p
        return protege_personas()[0]

    def _reply(self, ctx: Ctx, text: str, out: Out) -> None:
        persona = self._persona()
        try:
            judgement = run_judge(
                ctx, text, "mentor_practice", user=self.state["last_line"], own_words=True
            )
        except JudgeFailed as exc:
            out.say(self.script.msg("judge_failed", problem=exc))
            return
        attempt, previous = Attempts(self.state).add(judgement.score)
        out.critique("rehearsal_reply", judgement, summary(judgement, "Reply"), attempt, previous)
        out.say(
            self.script.msg(
                "scored", attempt=attempt, score=fmt_score(judgement.score),
                change=score_change(judgement.score, previous),
            )
        )  # fmt: skip
        out.say(self.script.msg("checklist_lead") + "\n" + checklist(judgement))
        cite_violations(ctx, judgement, "mentor_practice", out)

        line, asked = self._protege_responds(persona, text)
        if not asked:
            out.say(self.script.msg("tip_question", name=persona.name))
        self.state["last_line"] = line
        out.say(self.script.msg("says", name=persona.name) + "\n\n" + quote(line))
        if attempt >= int(self.script.data["max_replies"]):
            out.say(self.script.msg("ended", name=persona.name))
            self._finish(out)
            return
        out.say(self.script.msg("next", name=persona.name))

    def _protege_responds(self, persona: Persona, text: str) -> tuple[str, bool]:
        """The protégé's next line, by fixed rules; also whether the mentor asked an open question."""
        data = self.script.data
        lowered = " ".join(text.lower().split())
        asked = _asks_question(lowered, data["question_starters"])
        if self.state["confidential_shared"] and _mentions(lowered, data["confidential_words"]):
            self.state["confidential_shared"] = False
            return persona.when_confidential, asked
        if _mentions(lowered, data["past_words"]):
            return persona.when_past, asked
        if _mentions(lowered, data["plan_words"]):
            return persona.when_plan, asked
        if asked:
            revealed = self.state["revealed"]
            if revealed < len(persona.opens_up):
                self.state["revealed"] = revealed + 1
                if persona.confidential_at == revealed + 1:
                    self.state["confidential_shared"] = True
                return persona.opens_up[revealed], asked
            return persona.asks_for_plan, asked
        told = self.state["told"]
        self.state["told"] = told + 1
        return persona.when_told[told % len(persona.when_told)], asked

    def _finish(self, out: Out) -> None:
        attempts = Attempts(self.state)
        if attempts.scores:
            out.say(attempts.line(self.script.messages["summary"]))
            moves = (
                "\n".join(f"- {m}" for m in self._persona().strong_mentor_moves)
                if self.state["persona"]
                else ""
            )
            if moves:
                out.say(self.script.msg("moves_lead") + "\n" + moves)
        else:
            out.say(self.script.msg("no_attempts"))
        out.say(self.script.msg("finished"))
        self.state["phase"] = "done"


def _mentions(text: str, phrases: list[str]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text) for p in phrases)


def _asks_question(text: str, starters: list[str]) -> bool:
    """An open question: a sentence ending in "?" or starting with a question word."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    for sentence in sentences:
        if sentence.endswith("?"):
            return True
        if any(re.match(rf"{re.escape(s)}\b", sentence) for s in starters) and len(sentence.split()) > 3:
            return True
    return False
