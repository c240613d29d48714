"""Clarify goals: need (not "just because"), goals, gaps, kind of mentor, a short list of candidates.

Ends with a goal summary and proposals: record_goal, then record_partner for each candidate.
"""

from __future__ import annotations

import re
from typing import Any

from coach.engine.guided.critique import self_check
from coach.engine.guided.flow import Ctx, Flow, Out
from coach.engine.guided.records import Problem, propose
from coach.engine.guided.script import Step, load_script, render
from coach.engine.guided.text import one_line, split_items
from coach.skills import Skill


class GoalsFlow(Flow):
    skill = Skill.GOALS
    script_name = "goals"

    def question_text(self, ctx: Ctx, step: Step) -> str:
        if step.id == "kinds":
            kinds = self.script.data["kinds"]
            listing = "\n".join(f"{i}. **{k}** — {why}" for i, (k, why) in enumerate(kinds, start=1))
            return step.ask.strip().replace("$kinds", listing)
        return step.ask.strip()

    def check(self, ctx: Ctx, step: Step, text: str, out: Out) -> str | None:
        if step.id == "need":
            lowered = " ".join(re.findall(r"[a-z']+", text.lower()))
            if any(lowered == v or lowered.startswith(v + " ") and len(lowered) < 40 for v in self.vague):
                out.cite(self.fixed_cards(ctx, "vague_need"))
                return self.script.msg("just_because")
            if len(lowered.split()) < 4:
                return self.script.msg("too_short")
        elif step.id in ("goals", "gaps", "candidates"):
            # "Priya — led the migration, then X" keeps its comma; "goal one, goal two" is two goals.
            items = split_items(text, commas=not re.search(r"\s[—–-]\s|:", text))
            if not items:
                return self.script.msg("too_short")
            self.answers[step.id] = items
        elif step.id == "kinds":
            chosen, bad = self._kinds(text)
            prose = len(text.split()) > 3  # "someone who has made the same move": a description, not a pick
            if bad and not prose:
                return self.script.msg("kinds_unknown", bad=", ".join(f'"{b}"' for b in bad))
            if not chosen:
                chosen = ["other"]
            self.answers[step.id] = chosen
            if prose:
                self.answers["kinds_text"] = one_line(text, 300)
        return None

    @property
    def vague(self) -> list[str]:
        return list(self.script.data["vague_needs"])

    def _kinds(self, text: str) -> tuple[list[str], list[str]]:
        names = [k for k, _ in self.script.data["kinds"]]
        chosen, bad = [], []
        for token in re.split(r"[,;/\s]+|\band\b", text.lower()):
            token = token.strip(" .")
            if not token or token in ("mentor", "mentors", "a", "an", "one"):
                continue
            if token.isdigit() and 1 <= int(token) <= len(names):
                kind = names[int(token) - 1]
            elif len(token) >= 3:
                kind = next((n for n in names if n.startswith(token) or token.startswith(n)), None)
            else:
                kind = None
            if kind is None:
                bad.append(token)
            elif kind not in chosen:
                chosen.append(kind)
        return chosen, bad

    def compose(self, ctx: Ctx, out: Out) -> None:
        a = self.answers
        goals: list[str] = a.get("goals") or []
        gaps: list[str] = a.get("gaps") or []
        kinds: list[str] = a.get("kinds") or []
        candidates: list[str] = a.get("candidates") or []

        def bullets(items: list[str], empty: str) -> str:
            return "\n".join(f"- {one_line(i, 200)}" for i in items) if items else f"- {empty}"

        out.say(self.script.msg("summary_lead"))
        summary_text = render(
            "goal_summary",
            need=one_line(a["need"], 600),
            goals=bullets(goals, self.script.msg("none_given")),
            gaps=bullets(gaps, self.value("gaps")),
            kinds=(", ".join(kinds) if kinds else self.value("kinds"))
            + (f" — {a['kinds_text']}" if a.get("kinds_text") else ""),
            candidates=bullets(candidates, self.value("candidates")),
        )
        out.say(summary_text)
        out.cite(
            self.fixed_cards(ctx, "summary")
            # plus what the guidance says about this person's own need, in their words
            + ctx.guidance.search(one_line(" ".join([a["need"], *gaps]), 500), k=2, skill="goals"),
            lead=load_script("common").msg("lead_drawn_from"),
        )
        self_check(ctx, summary_text, "goals", out)
        title = one_line(goals[0] if goals else a["need"], 190)
        goal = propose(
            ctx,
            "record_goal",
            title=title,
            why=one_line(a["need"], 3500)
            + (" " + self.script.msg("mentor_wanted", text=a["kinds_text"]) if a.get("kinds_text") else ""),
            gaps=[one_line(g, 300) for g in gaps],
            mentor_kinds=kinds,
        )
        if isinstance(goal, Problem):
            out.say(self.script.msg("proposal_problem", problem=goal))
        else:
            out.propose(goal)
        for entry in candidates:
            name, why = _split_candidate(entry)
            partner = propose(
                ctx,
                "record_partner",
                name=name,
                why_them=why,
                mentor_kind=kinds[0] if len(kinds) == 1 else None,
            )
            if isinstance(partner, Problem):
                out.say(self.script.msg("proposal_problem", problem=partner))
            else:
                out.propose(partner)
        out.say(self.script.msg("proposals"))
        self.state["phase"] = "done"

    def on_accepted(self, proposal: Any) -> str:
        return ""


def _split_candidate(entry: str) -> tuple[str, str]:
    """ "Priya Shah — ran the migration" -> ("Priya Shah", "ran the migration")."""
    parts = re.split(r"\s+[—–-]\s+|:\s+|\s*\(\s*|,\s+", entry, maxsplit=1)
    name = one_line(parts[0].rstrip(" )"), 190)
    why = one_line(parts[1].rstrip(" )"), 1000) if len(parts) > 1 else ""
    return name, why
