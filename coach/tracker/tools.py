"""Agent tools over the tracker. A tool never writes: it builds a Proposal, hands it to `sink`
(the engine shows it to the user as a diff and asks), and tells the model it is waiting.

Bad arguments come back to the model as text it can act on ("due date is missing: ask the user
when"), marked as tool errors, instead of raising.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from coach.tracker import proposals as P
from coach.tracker.dates import fmt
from coach.tracker.errors import ProposalError
from coach.tracker.store import Tracker
from coach.tracker.text import one_line

MAX_LISTED = 40

Sink = Callable[[P.Proposal], Any]


class ListStepsArgs(BaseModel):
    status: Literal["open", "done", "dropped", "all"] = Field("open", description="Which steps to list.")
    overdue: bool = Field(False, description="Only open steps whose due date has passed.")
    owner: Literal["protege", "mentor"] | None = Field(None, description="Whose steps.")
    partner_id: int | None = Field(None, description="Only steps with this partner.")


class NoArgs(BaseModel):
    pass


class AddStepArgs(BaseModel):
    what: str = Field(description="The action, starting with a verb: 'Send the revised CV to Sam'.")
    due: str = Field(
        description="The deadline as the user said it: '2026-12-03', 'next Friday', 'in two weeks'."
    )
    done_when: str = Field(
        description="The measurable result that shows it is done: 'CV sent', '3 people contacted'."
    )
    owner: Literal["protege", "mentor"] = Field("protege", description="Who does it.")
    goal_id: int | None = Field(None, description="The goal it serves, if recorded.")
    session_id: int | None = Field(None, description="The session where it was agreed.")
    partner_id: int | None = Field(None, description="The mentor or protégé it involves.")


class UpdateStepArgs(BaseModel):
    step_id: int = Field(description="The step's id (see list_steps).")
    what: str | None = None
    due: str | None = Field(None, description="New deadline as the user said it.")
    done_when: str | None = Field(None, description="New measurable result.")
    owner: Literal["protege", "mentor"] | None = None
    goal_id: int | None = None


class StepIdArgs(BaseModel):
    step_id: int = Field(description="The step's id (see list_steps).")
    note: str = Field("", description="What came of it, or why it is dropped.")


class RecordGoalArgs(BaseModel):
    title: str | None = Field(None, description="What the user wants from mentoring.")
    why: str | None = Field(None, description="Why it matters to them: their need, in their words.")
    gaps: list[str] | None = Field(None, description="Skills, experience or access they lack.")
    mentor_kinds: list[str] | None = Field(
        None,
        description="Kinds of mentor who could help: developmental, sponsorship, expertise, career, "
        "dream, life, generational, boss, peer, other.",
    )
    status: Literal["active", "achieved", "dropped"] | None = None
    goal_id: int | None = Field(None, description="Set to change an existing goal; omit to record a new one.")


class RecordPartnerArgs(BaseModel):
    name: str | None = Field(None, description="The person's name.")
    role: Literal["mentor", "protege"] | None = Field(None, description="Their role towards the user.")
    why_them: str | None = Field(None, description="Why this person could help.")
    stage: Literal["idea", "first_contact", "met", "agreed", "ended"] | None = None
    mentor_kind: str | None = Field(None, description="developmental, sponsorship, expertise, ...")
    contact: str | None = None
    notes: str | None = None
    goal_id: int | None = None
    partner_id: int | None = Field(None, description="Set to update an existing partner.")


class SaveDraftArgs(BaseModel):
    name: str = Field(description="A short name for the draft, e.g. 'sam-intro'. Same name = new version.")
    body: str = Field(description="The full text of the draft.")
    subject: str = ""
    partner_id: int | None = None


class RecordAgreementArgs(BaseModel):
    partner_id: int = Field(description="The partner the agreement is with.")
    cadence: str = Field(description="How often they meet: 'every other week', 'monthly'.")
    between_meetings: str = Field("", description="How (and whether) they keep in touch between meetings.")
    confidentiality: str = Field("", description="What stays between them.")
    expectations: str = Field("", description="What each expects of the other.")
    next_meetings: list[str] = Field(
        default_factory=list, description="Dates of the next two meetings, as the user said them."
    )
    goal_id: int | None = None


class PlanSessionArgs(BaseModel):
    date: str = Field(description="When they meet, as the user said it.")
    partner_id: int | None = None
    agenda: list[str] = Field(default_factory=list, description="Agenda items.")
    questions: list[str] = Field(default_factory=list, description="Questions the user will ask.")
    goal_id: int | None = None


class CloseSessionArgs(BaseModel):
    session_id: int
    notes: str = Field("", description="What was discussed and decided.")


# What to do when the model leaves out a required argument.
_MISSING_HINTS = {
    "due": "due date is missing: ask the user when the step will be done by",
    "done_when": "the measurable result (done_when) is missing: ask the user how they will know it is done",
    "what": "the step itself (what) is missing: ask the user what they will do",
    "cadence": "how often to meet (cadence) is missing: ask the user",
    "date": "the date is missing: ask the user when they will meet",
}


def _invalid_arguments(error: ValidationError) -> str:
    problems = []
    for err in error.errors():
        where = ".".join(str(p) for p in err["loc"]) or "arguments"
        if err["type"] == "missing" and where in _MISSING_HINTS:
            problems.append(_MISSING_HINTS[where])
        else:
            problems.append(f"{where}: {err['msg']}")
    return "Not proposed, the arguments were invalid (" + "; ".join(problems) + "). Fix them and call again."


def _tool_error(error: Exception) -> str:
    return f"Not proposed: {error}"


def make_tools(tracker: Tracker, sink: Sink) -> list[Any]:
    """Tracker tools for a langchain agent. Writes go to `sink` as proposals, never to the database."""
    from langchain_core.tools import StructuredTool, ToolException

    def offer(build: Callable[[], P.Proposal]) -> str:
        try:
            proposal = build()
        except ProposalError as exc:
            raise ToolException(str(exc)) from None
        sink(proposal)
        lines = [f"Proposed {proposal.id}: {proposal.summary} — waiting for the user to accept."]
        if proposal.diff:
            lines.append(proposal.diff)
        lines += [f"Note for the user: {w}" for w in proposal.warnings]
        return "\n".join(lines)

    def list_steps(
        status: str = "open", overdue: bool = False, owner: str | None = None, partner_id: int | None = None
    ) -> str:
        try:
            found = tracker.list_steps(status=status, overdue=overdue, owner=owner, partner_id=partner_id)
        except ProposalError as exc:
            raise ToolException(str(exc)) from None
        if not found:
            return "No steps match."
        today = tracker.today()
        lines = [
            f"{s.id}: [{s.status.value}{', OVERDUE' if s.is_overdue(today) else ''}] {s.owner.value}: "
            f"{one_line(s.what, 80)} — due {fmt(s.due)}; done when: {one_line(s.done_when, 60)}"
            for s in found[:MAX_LISTED]
        ]
        if len(found) > MAX_LISTED:
            lines.append(f"... and {len(found) - MAX_LISTED} more (narrow with status, owner or partner_id)")
        return "\n".join(lines)

    def tracker_overview() -> str:
        today = tracker.today()
        lines = ["Goals:"]
        lines += [f"  {g.id}: {one_line(g.title, 70)} ({g.status.value})" for g in tracker.list_goals()] or [
            "  none"
        ]
        lines.append("Partners:")
        lines += [
            f"  {p.id}: {one_line(p.name, 40)} ({p.role.value}, {p.stage.value})"
            for p in tracker.list_partners()
        ] or ["  none"]
        agreements = tracker.list_agreements()
        if agreements:
            lines.append("Agreements:")
            lines += [f"  {a.id}: partner {a.partner_id}, {one_line(a.cadence, 40)}" for a in agreements]
        planned = [s for s in tracker.list_sessions() if s.status.value == "planned"]
        if planned:
            lines.append("Planned sessions:")
            lines += [f"  {s.id}: {fmt(s.date)}, partner {s.partner_id or '—'}" for s in planned]
        drafts = tracker.list_drafts()
        if drafts:
            lines.append("Drafts: " + ", ".join(f"{d.name} (v{d.version})" for d in drafts))
        open_steps = tracker.list_steps()
        overdue = sum(1 for step in open_steps if step.is_overdue(today))
        lines.append(f"Open steps: {len(open_steps)} ({overdue} overdue); today is {fmt(today)}")
        return "\n".join(lines)

    def add_step(**kw: Any) -> str:
        return offer(lambda: P.propose_add_step(tracker, **kw))

    def update_step(step_id: int, **kw: Any) -> str:
        return offer(lambda: P.propose_update_step(tracker, step_id, **kw))

    def complete_step(step_id: int, note: str = "") -> str:
        return offer(lambda: P.propose_complete_step(tracker, step_id, note=note))

    def drop_step(step_id: int, note: str = "") -> str:
        return offer(lambda: P.propose_drop_step(tracker, step_id, reason=note))

    def record_goal(**kw: Any) -> str:
        return offer(lambda: P.propose_record_goal(tracker, **kw))

    def record_partner(**kw: Any) -> str:
        return offer(lambda: P.propose_record_partner(tracker, **kw))

    def save_draft(**kw: Any) -> str:
        return offer(lambda: P.propose_save_draft(tracker, **kw))

    def record_agreement(**kw: Any) -> str:
        return offer(lambda: P.propose_record_agreement(tracker, **kw))

    def plan_session(**kw: Any) -> str:
        return offer(lambda: P.propose_plan_session(tracker, **kw))

    def close_session(session_id: int, notes: str = "") -> str:
        return offer(lambda: P.propose_close_session(tracker, session_id, notes=notes))

    specs: list[tuple[Callable[..., str], type[BaseModel], str]] = [
        (
            tracker_overview,
            NoArgs,
            "Ids and names of the user's goals, partners, agreements, planned sessions and drafts, with "
            "today's date and a count of open steps. Call it to find ids before proposing changes.",
        ),
        (list_steps, ListStepsArgs, "List the user's next steps (open by default), soonest first."),
        (
            add_step,
            AddStepArgs,
            "Propose a next step the user agreed to. It needs a deadline and a measurable result; "
            "if either is missing, ask the user rather than inventing one.",
        ),
        (update_step, UpdateStepArgs, "Propose a change to a step's wording, deadline, result or owner."),
        (complete_step, StepIdArgs, "Propose marking a step done."),
        (drop_step, StepIdArgs, "Propose dropping a step that no longer applies."),
        (
            record_goal,
            RecordGoalArgs,
            "Propose recording the user's mentoring goal: what they want, why, the gaps and the kinds "
            "of mentor who could help. With goal_id, propose a change to that goal.",
        ),
        (
            record_partner,
            RecordPartnerArgs,
            "Propose recording a prospective or current mentor/protégé, or moving an approach on "
            "(idea → first_contact → met → agreed → ended).",
        ),
        (
            save_draft,
            SaveDraftArgs,
            "Propose saving an outreach draft as a new version (old versions are kept).",
        ),
        (
            record_agreement,
            RecordAgreementArgs,
            "Propose recording what the pair agreed at the start: cadence, contact between meetings, "
            "confidentiality, expectations and the next two meetings.",
        ),
        (plan_session, PlanSessionArgs, "Propose a session with its date, agenda and questions."),
        (close_session, CloseSessionArgs, "Propose closing a session with notes."),
    ]
    return [
        StructuredTool.from_function(
            func=func,
            name=func.__name__,
            description=description,
            args_schema=schema,
            handle_validation_error=_invalid_arguments,
            handle_tool_error=_tool_error,
        )
        for func, schema, description in specs
    ]
