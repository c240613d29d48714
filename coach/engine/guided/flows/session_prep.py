"""Prepare a session: agenda from the goal and the open next steps, questions to bring, what to send ahead
and when. A first meeting builds the relationship and agrees the structure (cadence, the next two meetings,
how to keep in touch). Proposes plan_session and, for a first meeting, record_agreement."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from coach.engine.guided.critique import self_check
from coach.engine.guided.flow import NO, YES, Ctx, Flow, Out, command
from coach.engine.guided.records import Problem, find_partner, fmt_date, parse_date, propose
from coach.engine.guided.script import Step, fill, load_script, render
from coach.engine.guided.text import one_line, split_items
from coach.skills import Skill

MAX_STEPS_SHOWN = 5


class SessionPrepFlow(Flow):
    skill = Skill.SESSION_PREP
    script_name = "session_prep"

    def applies(self, step: Step) -> bool:
        if step.id in ("cadence", "between"):
            return self.answers.get("first") is True
        return True

    def prefill(self, ctx: Ctx, request: str) -> list[tuple[str, str]]:
        """ "my first meeting with Sam next Tuesday" answers three questions already."""
        data = self.script.data
        noted: list[tuple[str, str]] = []
        name = re.search(data["partner_pattern"], request)
        if name and name.group(1).lower() not in data["not_names"]:
            self.answers["partner"] = one_line(name.group(1), 190)
            noted.append(("partner", f"meeting with {self.answers['partner']}"))
        lowered = request.lower()
        if any(marker in lowered for marker in data["first_markers"]):
            self.answers["first"] = True
            noted.append(("first", "a first meeting"))
        for match in re.finditer(data["date_pattern"], lowered):
            day = parse_date(ctx, match.group(0))
            if not isinstance(day, Problem):
                self.answers["date"] = day.isoformat()
                noted.append(("date", fmt_date(day)))
                break
        return noted

    def question_text(self, ctx: Ctx, step: Step) -> str:
        if step.id == "partner":
            names = [p.name for p in _partners(ctx)][:6]
            known = self.script.msg("known_partners", names=", ".join(names)) if names else ""
            return step.ask.strip().replace("$known", known)
        return step.ask.strip()

    def check(self, ctx: Ctx, step: Step, text: str, out: Out) -> str | None:
        if step.id == "first":
            word = command(text)
            negated = any(w in word.split() for w in ("not", "no", "never", "isn't", "isnt"))
            if word in YES or word.startswith("yes") or ("first" in word and not negated):
                self.answers["first"] = True
            elif word in NO or word.startswith("no") or negated:
                self.answers["first"] = False
            else:
                return self.script.msg("not_yes_no")
        elif step.id == "date":
            day = parse_date(ctx, text)
            if isinstance(day, Problem):
                return self.script.msg("date_problem", question=day)
            self.answers["date"] = day.isoformat()
        elif step.id == "questions":
            self.answers["questions"] = split_items(text, commas=False)
        elif step.id == "partner":
            self.answers["partner"] = one_line(text, 190)
        return None

    def compose(self, ctx: Ctx, out: Out) -> None:
        a = self.answers
        partner_name = a["partner"]
        partner = find_partner(ctx, partner_name)
        partner_id = getattr(partner, "id", None)
        if partner is not None:
            partner_name = partner.name
        goal = _active_goal(ctx)
        day = dt.date.fromisoformat(a["date"])
        first = a.get("first") is True
        purpose = one_line(a.get("purpose") or self.value("purpose"), 300)

        data = self.script.data
        steps = _open_steps(ctx, partner_id)
        steps_text = (
            "".join(
                f"\n   - {one_line(s.what, 120)} (due {fmt_date(s.due)}"
                + (f"; {self.script.msg('overdue')})" if s.due < ctx.today else ")")
                for s in steps[:MAX_STEPS_SHOWN]
            )
            if steps
            else " none recorded yet"
        )
        values = {
            "purpose": purpose,
            "steps": steps_text,
            "cadence": one_line(a.get("cadence") or "to agree", 80),
            "between": one_line(a.get("between") or "to agree", 120),
        }
        items_source = data["first_meeting_items"] if first else data["regular_items"]
        items = [fill(item, **values) for item in items_source]

        questions = list(a.get("questions") or [])
        suggested = not questions
        if suggested:
            topic = one_line(goal.title, 80) if goal else self.script.msg("default_topic")
            extra = data["first_meeting_questions"] if first else []
            questions = [fill(q, topic=topic) for q in data["suggested_questions"]] + list(extra)

        send_by = day - dt.timedelta(days=int(data["send_ahead_days"]))
        if send_by <= ctx.today:
            send_ahead = self.script.msg("send_today", partner=partner_name)
        else:
            send_ahead = self.script.msg("send_by", partner=partner_name, date=fmt_date(send_by))

        out.say(self.script.msg("agenda_lead"))
        agenda_text = render(
            "agenda",
            partner=partner_name,
            date=fmt_date(day),
            goal=one_line(goal.title, 200) if goal else self.script.msg("no_goal"),
            items="\n".join(f"{i}. {item}" for i, item in enumerate(items, start=1)),
            questions="\n".join(f"- {one_line(q, 300)}" for q in questions)
            + ("\n  " + self.script.msg("suggested_note") if suggested else ""),
            send_ahead=send_ahead,
        )
        out.say(agenda_text)
        passages = self.fixed_cards(ctx, "first_meeting" if first else "regular")
        # and whatever the guidance says about this meeting's purpose, in the user's words
        if a.get("purpose"):
            passages += ctx.guidance.search(purpose, k=1, skill="session_prep")
        out.cite(passages, lead=load_script("common").msg("lead_drawn_from"))
        self_check(ctx, agenda_text, "session_prep", out)

        session = propose(
            ctx,
            "plan_session",
            date=day,
            partner_id=partner_id,
            goal_id=getattr(goal, "id", None),
            agenda=[one_line(i, 300) for i in items],
            questions=[one_line(q, 300) for q in questions],
        )
        if isinstance(session, Problem):
            out.say(self.script.msg("proposal_problem", problem=session))
        else:
            out.propose(session)
        self.state["phase"] = "done"
        self.state["agreement_pending"] = False
        if first:
            if partner_id is None:
                new_partner = propose(
                    ctx,
                    "record_partner",
                    name=partner_name,
                    stage="first_contact",
                    why_them=one_line(a.get("purpose") or "", 900),
                )
                if isinstance(new_partner, Problem):
                    out.say(self.script.msg("proposal_problem", problem=new_partner))
                else:
                    out.propose(new_partner)
                    out.say(self.script.msg("partner_first", name=partner_name))
                    self.state["agreement_pending"] = True
            else:
                self._propose_agreement(ctx, partner_id, out)
        out.say(
            self.script.msg("proposals", agreement=" " + self.script.msg("agreement_note") if first else "")
        )

    def _propose_agreement(self, ctx: Ctx, partner_id: int, out: Out) -> None:
        a = self.answers
        day = dt.date.fromisoformat(a["date"])
        gap = _cadence_days(a.get("cadence") or "")
        following = [day + dt.timedelta(days=gap), day + dt.timedelta(days=2 * gap)] if gap else []
        agreement = propose(
            ctx,
            "record_agreement",
            partner_id=partner_id,
            cadence=one_line(a.get("cadence") or "to agree at the first meeting", 190),
            between_meetings=one_line(a.get("between") or "", 1900),
            expectations=one_line(a.get("purpose") or "", 3900),
            next_meetings=following,
            goal_id=getattr(_active_goal(ctx), "id", None),
        )
        if isinstance(agreement, Problem):
            out.say(self.script.msg("proposal_problem", problem=agreement))
        else:
            out.propose(agreement)
            if following:
                out.say(
                    self.script.msg("pencilled", first=fmt_date(following[0]), second=fmt_date(following[1]))
                )

    def wants_after_done(self, word: str) -> bool:
        return word in ("agreement", "record agreement") or super().wants_after_done(word)

    def handle_phase(self, ctx: Ctx, text: str, out: Out) -> None:
        word = command(text)
        if word in ("agreement", "record agreement") and self.state.get("agreement_pending"):
            partner = find_partner(ctx, self.answers["partner"])
            if partner is None:
                out.say(self.script.msg("partner_first", name=self.answers["partner"]))
                return
            out.say(self.script.msg("agreement_after_partner", name=partner.name))
            self._propose_agreement(ctx, partner.id, out)
            self.state["agreement_pending"] = False
            return
        super().handle_phase(ctx, text, out)

    def on_accepted(self, proposal: Any) -> str:
        if self.state.get("agreement_pending") and getattr(proposal, "kind", "") in (
            "record_partner",
            "partner",
        ):
            return self.script.msg("say_agreement")
        return ""


def _cadence_days(cadence: str) -> int | None:
    text = cadence.lower()
    if any(w in text for w in ("every other week", "fortnight", "biweekly", "bi-weekly", "every two weeks")):
        return 14
    if "week" in text:
        return 7
    if "month" in text:
        return 28  # four weeks keeps the same weekday
    return None


def _partners(ctx: Ctx) -> list[Any]:
    try:
        return list(ctx.tracker.list_partners())
    except Exception:
        return []


def _active_goal(ctx: Ctx) -> Any:
    try:
        goals = ctx.tracker.list_goals(status="active")
    except Exception:
        return None
    return goals[-1] if goals else None


def _open_steps(ctx: Ctx, partner_id: int | None) -> list[Any]:
    try:
        steps = ctx.tracker.list_steps(status="open", partner_id=partner_id) if partner_id else []
        return steps or ctx.tracker.list_steps(status="open")
    except Exception:
        return []
