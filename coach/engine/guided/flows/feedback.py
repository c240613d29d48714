"""Rehearse taking feedback: the coach plays a mentor delivering candid feedback (a scenario from the library
or the user's own situation); each reply is scored by the judge (skill "feedback") with evidence, a checklist
and a stronger reply; "again" retries and the score change is shown."""

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
from coach.engine.guided.flow import SKIP, Ctx, Flow, Out, command
from coach.engine.guided.scenarios import FeedbackScenario, feedback_scenarios
from coach.engine.guided.script import load_script
from coach.engine.guided.text import one_line, quote
from coach.skills import Skill

AGAIN = frozenset({"again", "retry", "try again", "once more", "repeat"})
NEXT = frozenset({"next", "another", "next one", "new scenario", "different one"})
DONE = frozenset({"done", "finish", "finished", "that's all", "end"})
OWN = frozenset({"own", "my own", "mine", "my situation", "custom"})


class FeedbackFlow(Flow):
    skill = Skill.FEEDBACK
    script_name = "feedback"

    def initial_state(self) -> dict:
        return {
            "flow": self.skill.value,
            "phase": "new",
            "i": 0,
            "answers": {},
            "scenario": None,
            "scores": [],
        }

    def start(self, ctx: Ctx, out: Out, *, request: str = "") -> None:
        self.state.update(self.initial_state())
        out.say(f"**{self.script.title}.** {self.script.intro}")
        out.cite(self.fixed_cards(ctx, "start"))
        self._choose(out)

    def _choose(self, out: Out) -> None:
        self.state["phase"] = "choose"
        listing = "\n".join(f"{i}. {s.title}" for i, s in enumerate(feedback_scenarios(), start=1))
        out.say(self.script.msg("choose", scenarios=listing))

    def handle(self, ctx: Ctx, text: str, out: Out) -> None:
        phase = self.state["phase"]
        word = command(text)
        if phase == "new":
            self.start(ctx, out)
        elif phase == "choose":
            self._pick(ctx, text, out)
        elif phase == "own_situation":
            self.answers["situation"] = one_line(text, 600)
            self.state["phase"] = "own_feedback"
            out.say(self.script.msg("own_feedback"))
        elif phase == "own_feedback":
            self.answers["feedback"] = one_line(text, 1200)
            self.state["scenario"] = "own"
            self._deliver(ctx, out)
        elif word in DONE:
            self._finish(out)
        elif word in AGAIN or (phase == "done" and word in ("start over", "restart")):
            if phase == "done":
                self.start(ctx, out)
            else:
                self._deliver(ctx, out, again=True)
        elif word in NEXT:
            self.state["scores"] = []
            self._choose(out)
        elif phase in ("reply", "scored"):
            self._score(ctx, text, out)
        else:
            out.say(self.script.msg("finished"))

    def _pick(self, ctx: Ctx, text: str, out: Out) -> None:
        word = command(text)
        scenarios = feedback_scenarios()
        if word in OWN:
            self.state["phase"] = "own_situation"
            out.say(self.script.msg("own_situation"))
            return
        chosen = None
        if word.isdigit() and 1 <= int(word) <= len(scenarios):
            chosen = scenarios[int(word) - 1]
        else:
            chosen = next((s for s in scenarios if word in (s.id, s.title.lower())), None)
        if chosen is None:
            out.say(self.script.msg("choose_again", count=len(scenarios)))
            return
        self.state["scenario"] = chosen.id
        self.state["scores"] = []
        self._deliver(ctx, out)

    def _scenario(self) -> FeedbackScenario:
        if self.state["scenario"] == "own":
            return FeedbackScenario(
                id="own",
                title=self.script.msg("own_title"),
                situation=self.answers.get("situation", ""),
                mentor=self.script.msg("own_mentor"),
                feedback=[self.answers.get("feedback", "")],
                strong_reply=list(self.script.data["own_strong_reply"]),
                better_reply="",
            )
        for s in feedback_scenarios():
            if s.id == self.state["scenario"]:
                return s
        return feedback_scenarios()[0]  # a resumed state naming a scenario that was since removed

    def _deliver(self, ctx: Ctx, out: Out, *, again: bool = False) -> None:
        scenario = self._scenario()
        self.state["phase"] = "reply"
        lines = "\n>\n".join(quote(line) for line in scenario.feedback)
        lead = load_script("common").msg("again_prefix") + " " if again else ""
        mentor = scenario.mentor[0].upper() + scenario.mentor[1:]
        out.say(lead + self.script.msg("deliver", situation=scenario.situation, mentor=mentor, lines=lines))

    def _score(self, ctx: Ctx, text: str, out: Out) -> None:
        scenario = self._scenario()
        if command(text) in SKIP:
            out.say(self.script.msg("skipped"))
            out.say(quote(scenario.better_reply or self.script.msg("generic_better")))
            out.say(self.script.msg("next"))
            self.state["phase"] = "scored"
            return
        if len(text.split()) < int(self.script.data["min_reply_words"]):
            out.say(self.script.msg("short_reply", mentor=scenario.mentor))
            return
        try:
            judgement = run_judge(ctx, text, "feedback", user=" ".join(scenario.feedback), own_words=True)
        except JudgeFailed as exc:
            out.say(self.script.msg("judge_failed", problem=exc))
            return
        answer = self._mentor_answers(scenario, text)  # in the room first, then the coach steps out
        if answer:
            out.say(self.script.msg("mentor_answers", mentor=scenario.mentor) + "\n\n" + quote(answer))
        attempts = Attempts(self.state)
        attempt, previous = attempts.add(judgement.score)
        out.critique("rehearsal_reply", judgement, summary(judgement, "Reply"), attempt, previous)
        out.say(
            self.script.msg(
                "scored",
                attempt=attempt,
                score=fmt_score(judgement.score),
                change=score_change(judgement.score, previous),
            )
        )
        out.say(self.script.msg("checklist_lead") + "\n" + checklist(judgement))
        better = scenario.better_reply or self.script.msg("generic_better")
        if any(p.status == "violated" for p in judgement.principles):
            moves = "\n".join(f"- {m}" for m in scenario.strong_reply)
            out.say(self.script.msg("strong_lead") + "\n" + moves)
            out.say(self.script.msg("better_lead") + "\n" + quote(better))
        else:
            out.say(self.script.msg("well_done") + "\n" + quote(better))
        cite_violations(ctx, judgement, "feedback", out)
        out.say(self.script.msg("next"))
        self.state["phase"] = "scored"

    def _mentor_answers(self, scenario: FeedbackScenario, reply: str) -> str:
        """The mentor's in-character answer, by fixed rules on what the reply did."""
        cues = self.script.data["cues"]
        lowered = " ".join(reply.lower().split())

        def has(kind: str) -> bool:
            return any(re.search(rf"(?<!\w){re.escape(c)}(?!\w)", lowered) for c in cues[kind])

        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", lowered)]
        opens_defensively = any(
            s.startswith(opener) for s in sentences for opener in cues["defensive_openers"]
        )
        if (opens_defensively or has("defensive")) and scenario.when_defensive:
            return scenario.when_defensive
        if has("example") and scenario.example:
            return scenario.example
        if has("thanks") and has("commit") and scenario.closing:
            return scenario.closing
        return ""

    def _finish(self, out: Out) -> None:
        attempts = Attempts(self.state)
        if attempts.scores:
            out.say(attempts.line(self.script.messages["summary"]))
        else:
            out.say(self.script.msg("no_attempts"))
        out.say(self.script.msg("finished"))
        self.state["phase"] = "done"
