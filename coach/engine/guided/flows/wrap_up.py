"""Wrap up: collect next steps one at a time (what, due, done when, owner), insist on a due date and a
measurable result (the tracker's own checks, relayed as questions), encourage at least three protégé steps
and one mentor step, and propose add_step for each. Nothing is written until the user accepts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from coach.engine.guided.flow import Ctx, Flow, Out, command
from coach.engine.guided.records import Problem, parse_date, propose, relay
from coach.engine.guided.script import Step, load_script
from coach.engine.guided.text import one_line
from coach.skills import Skill

FINISH = frozenset(
    {"done", "that's all", "thats all", "finish", "finished", "no more", "nothing else", "end"}
)
MIN_PROTEGE_STEPS = 3
RECENT_SESSION_DAYS = 7


class WrapUpFlow(Flow):
    skill = Skill.NEXT_STEPS
    script_name = "wrap_up"

    def initial_state(self) -> dict:
        return {
            "flow": self.skill.value,
            "phase": "new",
            "i": 0,
            "answers": {},
            "proposed": [],
            "asked_more": False,
        }

    def question_text(self, ctx: Ctx, step: Step) -> str:
        text = step.ask.strip().replace("$n", str(len(self.state["proposed"]) + 1))
        return text.replace("$suggestions", self._suggestions_text() if step.id == "what" else "")

    def _unused_suggestions(self) -> list[tuple[int, dict]]:
        used = set(self.state.get("used_suggestions", []))
        return [(n, s) for n, s in enumerate(self.script.suggestions, start=1) if n not in used]

    def _suggestions_text(self) -> str:
        unused = self._unused_suggestions()
        if not unused:
            return ""
        labels = self.script.data["owner_labels"]
        lines = [
            f"{n}. {s['what']} — due {s['due']}; done when: {s['done_when']} ({labels[s['owner']]})"
            for n, s in unused
        ]
        return "\n\n" + self.script.msg("suggestions_lead") + "\n" + "\n".join(lines)

    def answer_step(self, ctx: Ctx, text: str, out: Out) -> None:
        step = self.current_step()
        word = command(text)
        if step is not None and step.id == "what" and word in FINISH:
            self._maybe_finish(ctx, out)
            return
        if step is not None and step.id == "what" and word.isdigit():
            chosen = dict(self._unused_suggestions()).get(int(word))
            if chosen is not None:
                self._use_suggestion(ctx, int(word), chosen, out)
                return
        super().answer_step(ctx, text, out)

    def _use_suggestion(self, ctx: Ctx, number: int, suggestion: dict, out: Out) -> None:
        day = parse_date(ctx, suggestion["due"])
        if isinstance(day, Problem):  # a broken suggestion in the data file: ask as usual
            out.say(str(day))
            return
        self.state.setdefault("used_suggestions", []).append(number)
        self.answers.update(
            what=suggestion["what"], due=day.isoformat(), done_when=suggestion["done_when"],
            owner=suggestion["owner"],
        )  # fmt: skip
        out.say(self.script.msg("suggestion_used", number=number))
        self.state["phase"] = "composing"
        self.compose(ctx, out)

    def check(self, ctx: Ctx, step: Step, text: str, out: Out) -> str | None:
        from coach.tracker.measurable import measurability_problem

        if step.id == "what" and len(text.split()) < 2:
            return step.hint
        if step.id == "due":
            day = parse_date(ctx, text)
            if isinstance(day, Problem):
                return str(day)
            self.answers["due"] = day.isoformat()
        elif step.id == "done_when":
            problem = measurability_problem(text)
            if problem:
                why = re.search(r"\(([^)]*)\)", problem)
                reason = f" ({why.group(1)})" if why else ""
                return self.script.msg("vague_result", text=one_line(text, 80), reason=reason)
        elif step.id == "owner":
            word = command(text)
            if word in self.script.data["mentor_owner"]:
                self.answers["owner"] = "mentor"
            elif word in self.script.data["protege_owner"]:
                self.answers["owner"] = "protege"
            else:
                return self.script.msg("owner_unknown")
        return None

    def compose(self, ctx: Ctx, out: Out) -> None:
        """All four answers are in: propose the step, then start on the next one."""
        a = self.answers
        owner = a.get("owner") or "protege"
        proposal = propose(
            ctx,
            "add_step",
            what=one_line(a["what"], 490),
            due=dt.date.fromisoformat(a["due"]),
            done_when=one_line(a["done_when"], 490),
            owner=owner,
            goal_id=_active_goal_id(ctx),
            partner_id=_only_partner_id(ctx),
            session_id=_recent_session_id(ctx),
        )
        if isinstance(proposal, Problem):
            out.say(self.script.msg("proposal_problem", problem=relay(proposal)))
            if proposal.unavailable:  # keep the answers; "again" after fixing the tracker retries
                self.state["i"] = len(self.steps) - 1
                self.state["phase"] = "asking"
                return
            self._reask_for(ctx, str(proposal), out)
            return
        out.propose(proposal)
        out.say(self.script.msg("proposed", summary=proposal.summary))
        self.state["proposed"].append({"owner": owner, "what": one_line(a["what"], 120)})
        self.state.update(phase="asking", i=0, answers={})
        protege = sum(1 for p in self.state["proposed"] if p["owner"] == "protege")
        if protege < MIN_PROTEGE_STEPS:
            out.say(self.script.msg("encourage_protege", count=protege))
        self.ask_current(ctx, out)

    def _reask_for(self, ctx: Ctx, problem: str, out: Out) -> None:
        lowered = problem.lower()
        target = (
            "due"
            if "date" in lowered or "due" in lowered
            else "done_when"
            if ("result" in lowered or "measurable" in lowered or "done when" in lowered)
            else "what"
        )
        self.state["phase"] = "asking"
        self.state["i"] = [s.id for s in self.steps].index(target)
        self.ask_current(ctx, out)

    def _maybe_finish(self, ctx: Ctx, out: Out) -> None:
        proposed = self.state["proposed"]
        mentor = sum(1 for p in proposed if p["owner"] == "mentor")
        protege = len(proposed) - mentor
        if not proposed:
            out.say(self.script.msg("nothing_yet"))
            return
        if not self.state["asked_more"] and (protege < MIN_PROTEGE_STEPS or mentor == 0):
            self.state["asked_more"] = True  # encourage once, then respect the user's "done"
            key = "encourage_protege" if protege < MIN_PROTEGE_STEPS else "encourage_mentor"
            out.say(self.script.msg(key, count=protege))
            return
        out.say(self.script.msg("summary", protege=protege, mentor=mentor))
        out.cite(self.fixed_cards(ctx, "summary"), lead=load_script("common").msg("lead_drawn_from"))
        self.state["phase"] = "done"

    def wants_after_done(self, word: str) -> bool:
        return word in ("more", "add another") or super().wants_after_done(word)

    def handle_phase(self, ctx: Ctx, text: str, out: Out) -> None:
        if command(text) in ("start over", "restart", "again", "more", "add another"):
            self.state.update(phase="asking", i=0, answers={}, asked_more=False)
            self.ask_current(ctx, out)
            return
        out.say(self.script.msg("finished"))

    def on_accepted(self, proposal: Any) -> str:
        return ""


def _active_goal_id(ctx: Ctx) -> int | None:
    try:
        goals = ctx.tracker.list_goals(status="active")
    except Exception:
        return None
    return goals[-1].id if goals else None


def _recent_session_id(ctx: Ctx) -> int | None:
    """The meeting being wrapped up: the latest planned session held in the past week (or today)."""
    try:
        sessions = ctx.tracker.list_sessions()
    except Exception:
        return None
    recent = [
        s for s in sessions
        if str(s.status) == "planned" and 0 <= (ctx.today - s.date).days <= RECENT_SESSION_DAYS
    ]  # fmt: skip
    return recent[-1].id if recent else None


def _only_partner_id(ctx: Ctx) -> int | None:
    try:
        partners = ctx.tracker.list_partners()
    except Exception:
        return None
    return partners[0].id if len(partners) == 1 else None
