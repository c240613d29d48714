"""Proposed tracker changes. Building a proposal validates it; nothing is written until the user
agrees and the caller runs `tracker.apply(proposal, actor)`.

The guided coach, the agent tools and the CLI all build changes with these `propose_*` functions,
so the rules (deadlines, measurable results, stage order) live in one place. Invalid input raises
ProposalError with a message a person or a model can act on ("due date is missing: ask the user when").
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import ValidationError

from coach.tracker.dates import fmt, parse_due
from coach.tracker.errors import DateQuestion, NotFound, ProposalError
from coach.tracker.measurable import measurability_problem
from coach.tracker.models import (
    Agreement,
    Draft,
    Goal,
    GoalStatus,
    MentorKind,
    NextStep,
    Owner,
    Partner,
    PartnerRole,
    Record,
    Session,
    SessionStatus,
    Stage,
    StepStatus,
)
from coach.tracker.rows import to_row
from coach.tracker.store import Tracker
from coach.tracker.text import clean, one_line

MIN_PROTEGE_STEPS = 3  # the guidance: end each meeting with at least three next steps
_ids = itertools.count(1)

# Fields shown in diffs, in order, per record type (timestamps and ids are noise to the reader).
_SHOWN: dict[type[Record], tuple[str, ...]] = {
    NextStep: ("owner", "what", "due", "done_when", "status", "goal_id", "session_id", "partner_id", "note"),
    Goal: ("title", "why", "gaps", "mentor_kinds", "status"),
    Partner: ("name", "role", "stage", "why_them", "mentor_kind", "contact", "notes", "goal_id"),
    Agreement: (
        "partner_id",
        "cadence",
        "between_meetings",
        "confidentiality",
        "expectations",
        "next_meetings",
        "goal_id",
    ),  # fmt: skip
    Session: ("date", "partner_id", "goal_id", "agenda", "questions", "notes", "status"),
    Draft: ("name", "version", "subject", "partner_id", "body"),
}


@dataclass
class Proposal:
    """A change waiting for the user's agreement. `payload` is the validated record to write."""

    id: str
    kind: str
    summary: str
    diff: str
    payload: Record
    before: dict[str, Any] | None = None  # the stored row this change was built against (edits)
    warnings: list[str] = field(default_factory=list)
    applied: bool = False

    def describe(self) -> str:
        """Summary, diff and warnings as plain text (for CLIs and tool results)."""
        parts = [f"{self.id}: {self.summary}", self.diff]
        parts += [f"warning: {w}" for w in self.warnings]
        return "\n".join(p for p in parts if p)


# ---- helpers ---------------------------------------------------------------------------------
def _display(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return fmt(value)
    if isinstance(value, list):
        return "; ".join(_display(v) for v in value)
    return one_line(str(value), 120)


_LINKS: dict[str, tuple[type[Record], str]] = {
    "partner_id": (Partner, "partner"),
    "goal_id": (Goal, "goal"),
    "session_id": (Session, "session"),
}


def _link(tracker: Tracker, name: str, value: Any) -> str:
    """A linked record by what people recognise (a name, a title, a date) as well as its id."""
    cls, _ = _LINKS[name]
    if value is None:
        return "—"
    try:
        record = tracker.get(cls, value)
    except NotFound:
        return f"{value} (missing)"
    label = {Partner: "name", Goal: "title"}.get(cls)
    text = getattr(record, label) if label else fmt(record.date)  # type: ignore[attr-defined]
    return f"{one_line(text, 60)} [{value}]"


def _diff(tracker: Tracker, new: Record, old: Record | None = None) -> str:
    lines = []
    for name in _SHOWN[type(new)]:
        after = getattr(new, name)
        before = getattr(old, name) if old is not None else None
        if old is None and after in (None, "", []):
            continue
        if old is not None and before == after:
            continue
        if name in _LINKS:
            label, show = _LINKS[name][1], (lambda v, n=name: _link(tracker, n, v))
        else:
            label, show = name, _display
        if old is not None:
            lines.append(f"- {label}: {show(before)}")
        lines.append(f"+ {label}: {show(after)}")
    return "\n".join(lines)


def _new_id() -> str:
    return f"P{next(_ids)}"


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    return value


def _build(cls: type[Record], data: dict[str, Any]) -> Any:
    """Validate a record, with terminal control sequences removed from all its text."""
    try:
        return cls.model_validate({k: _cleaned(v) for k, v in data.items()})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or cls.__name__
            problems.append(f"{where}: {err['msg']}")
        raise ProposalError("; ".join(problems)) from None


def _text(value: str | None) -> str:
    return " ".join((value or "").split()) if value and "\n" not in value else (value or "").strip()


def _raise_all(problems: list[ProposalError]) -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ProposalError("; ".join(str(p) for p in problems))


def parse_owner(value: str | Owner | None) -> Owner:
    if isinstance(value, Owner):
        return value
    key = (value or "protege").strip().lower().replace("é", "e")
    if key in ("protege", "mentee", "me", "i", "user", "self"):
        return Owner.PROTEGE
    if key in ("mentor", "them"):
        return Owner.MENTOR
    raise ProposalError(f"owner '{value}' is not known: the owner is 'protege' (the user) or 'mentor'")


def _enum(kind: type[Enum], value: Any, what: str) -> Any:
    if value is None or isinstance(value, kind):
        return value
    key = str(value).strip().lower().replace("-", "_").replace(" ", "_").replace("é", "e")
    try:
        return kind(key)
    except ValueError:
        choices = ", ".join(str(m.value) for m in kind)  # type: ignore[attr-defined]
        raise ProposalError(f"{what} '{value}' is not known: use one of {choices}") from None


def _exists(tracker: Tracker, cls: type[Record], record_id: int | None) -> None:
    if record_id is not None:
        tracker.get(cls, record_id)


def _due(tracker: Tracker, due: str | dt.date | None, today: dt.date | None) -> dt.date:
    if due is None or (isinstance(due, str) and not due.strip()):
        raise DateQuestion(
            "due date is missing: ask the user when the step will be done by (every step needs a "
            "deadline so progress can be checked)"
        )
    return parse_due(due, today or tracker.today())


# ---- next steps ------------------------------------------------------------------------------
def propose_add_step(
    tracker: Tracker,
    *,
    owner: str | Owner | None = "protege",
    what: str,
    due: str | dt.date | None,
    done_when: str | None,
    goal_id: int | None = None,
    session_id: int | None = None,
    partner_id: int | None = None,
    today: dt.date | None = None,
) -> Proposal:
    problems: list[ProposalError] = []
    what = _text(what)
    if not what:
        problems.append(ProposalError("the step itself is missing: ask the user what they will do"))
    due_date = None
    try:
        due_date = _due(tracker, due, today)
    except ProposalError as exc:
        problems.append(exc)
    vague = measurability_problem(done_when or "")
    if vague:
        problems.append(ProposalError(vague))
    try:
        who = parse_owner(owner)
    except ProposalError as exc:
        problems.append(exc)
    _raise_all(problems)
    _exists(tracker, Goal, goal_id)
    if session_id is not None:
        session = tracker.get(Session, session_id)
        partner_id = partner_id if partner_id is not None else session.partner_id
    _exists(tracker, Partner, partner_id)
    step = _build(
        NextStep,
        dict(
            owner=who,
            what=what,
            due=due_date,
            done_when=_text(done_when),
            goal_id=goal_id,
            session_id=session_id,
            partner_id=partner_id,
        ),  # fmt: skip
    )
    who_text = "" if step.owner is Owner.PROTEGE else " (mentor's step)"
    summary = f"add step{who_text}: {one_line(step.what, 60)} — due {fmt(step.due)}"
    return Proposal(_new_id(), "add_step", summary, _diff(tracker, step), step)


def _open_step(tracker: Tracker, step_id: int, action: str) -> NextStep:
    step = tracker.get(NextStep, step_id)
    if step.status is not StepStatus.OPEN:
        raise ProposalError(f"step {step_id} is already {step.status.value}, so it cannot be {action}")
    return step


def _edit(
    tracker: Tracker,
    kind: str,
    summary: str,
    old: Record,
    changes: dict[str, Any],
    warnings: Sequence[str] = (),
) -> Proposal:
    new = _build(type(old), {**old.model_dump(), **changes})
    diff = _diff(tracker, new, old)
    if not diff:
        raise ProposalError(f"nothing to change: {old.label()} already looks like that")
    return Proposal(_new_id(), kind, summary, diff, new, before=to_row(old), warnings=list(warnings))


def propose_update_step(
    tracker: Tracker,
    step_id: int,
    *,
    what: str | None = None,
    due: str | dt.date | None = None,
    done_when: str | None = None,
    owner: str | Owner | None = None,
    goal_id: int | None = None,
    today: dt.date | None = None,
) -> Proposal:
    step = tracker.get(NextStep, step_id)
    changes: dict[str, Any] = {}
    problems: list[ProposalError] = []
    if what is not None:
        if not _text(what):
            problems.append(
                ProposalError("the new wording of the step is empty: ask the user what they will do")
            )
        changes["what"] = _text(what)
    if due is not None:
        try:
            changes["due"] = _due(tracker, due, today)
        except ProposalError as exc:
            problems.append(exc)
    if done_when is not None:
        vague = measurability_problem(done_when)
        if vague:
            problems.append(ProposalError(vague))
        changes["done_when"] = _text(done_when)
    if owner is not None:
        try:
            changes["owner"] = parse_owner(owner)
        except ProposalError as exc:
            problems.append(exc)
    if goal_id is not None:
        _exists(tracker, Goal, goal_id)
        changes["goal_id"] = goal_id
    _raise_all(problems)
    if not changes:
        raise ProposalError("nothing to change: say which of what, due, done_when, owner or goal to update")
    return _edit(tracker, "update_step", f"update step {step_id}: {one_line(step.what, 60)}", step, changes)


def propose_complete_step(tracker: Tracker, step_id: int, *, note: str = "") -> Proposal:
    step = _open_step(tracker, step_id, "completed")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    changes = {"status": StepStatus.DONE, "completed_at": now, "note": _text(note) or step.note}
    return _edit(
        tracker, "complete_step", f"mark step {step_id} done: {one_line(step.what, 60)}", step, changes
    )


def propose_drop_step(tracker: Tracker, step_id: int, *, reason: str = "") -> Proposal:
    step = _open_step(tracker, step_id, "dropped")
    changes = {"status": StepStatus.DROPPED, "note": _text(reason) or step.note}
    return _edit(tracker, "drop_step", f"drop step {step_id}: {one_line(step.what, 60)}", step, changes)


# ---- goals -----------------------------------------------------------------------------------
def _mentor_kinds(values: Iterable[str | MentorKind] | None) -> list[MentorKind]:
    return [_enum(MentorKind, v, "mentor kind") for v in (values or []) if str(v).strip()]


def _items(values: Iterable[str] | None) -> list[str]:
    return [_text(v) for v in (values or []) if _text(v)]


def propose_record_goal(
    tracker: Tracker,
    *,
    title: str | None = None,
    why: str | None = None,
    gaps: Sequence[str] | None = None,
    mentor_kinds: Sequence[str | MentorKind] | None = None,
    status: str | GoalStatus | None = None,
    goal_id: int | None = None,
) -> Proposal:
    """Record a new goal, or change goal `goal_id` (only the fields given)."""
    if goal_id is not None:
        goal = tracker.get(Goal, goal_id)
        changes: dict[str, Any] = {}
        if title is not None:
            changes["title"] = _text(title)
        if why is not None:
            changes["why"] = _text(why)
        if gaps is not None:
            changes["gaps"] = _items(gaps)
        if mentor_kinds is not None:
            changes["mentor_kinds"] = _mentor_kinds(mentor_kinds)
        if status is not None:
            changes["status"] = _enum(GoalStatus, status, "goal status")
        return _edit(
            tracker, "record_goal", f"update goal {goal_id}: {one_line(goal.title, 60)}", goal, changes
        )
    problems = []
    if not _text(title):
        problems.append(ProposalError("the goal is missing: ask the user what they want from mentoring"))
    if not _text(why):
        problems.append(
            ProposalError(
                "why is missing: ask the user why this goal matters to them (the guidance says to define "
                "your need before looking for a mentor)"
            )
        )
    _raise_all(problems)
    goal = _build(
        Goal,
        dict(
            title=_text(title),
            why=_text(why),
            gaps=_items(gaps),
            mentor_kinds=_mentor_kinds(mentor_kinds),
            status=_enum(GoalStatus, status, "goal status") or GoalStatus.ACTIVE,
        ),  # fmt: skip
    )
    warnings = []
    if not goal.gaps:
        warnings.append("no gaps named yet: what skill, experience or access is missing?")
    if not goal.mentor_kinds:
        warnings.append("no kind of mentor named yet (developmental, sponsorship, expertise, ...)")
    return Proposal(
        _new_id(),
        "record_goal",
        f"record goal: {one_line(goal.title, 70)}",
        _diff(tracker, goal),
        goal,
        warnings=warnings,
    )


# ---- partners --------------------------------------------------------------------------------
def propose_record_partner(
    tracker: Tracker,
    *,
    name: str | None = None,
    role: str | PartnerRole | None = None,
    why_them: str | None = None,
    stage: str | Stage | None = None,
    mentor_kind: str | MentorKind | None = None,
    contact: str | None = None,
    notes: str | None = None,
    goal_id: int | None = None,
    partner_id: int | None = None,
) -> Proposal:
    """Record a prospective or current partner, or update partner `partner_id` (only the fields given).

    Stages move forward (idea → first_contact → met → agreed → ended), or straight to ended.
    """
    new_stage = _enum(Stage, stage, "stage")
    fields: dict[str, Any] = {}
    for key, value in (("name", name), ("why_them", why_them), ("contact", contact), ("notes", notes)):
        if value is not None:
            fields[key] = _text(value)
    if role is not None:
        fields["role"] = _enum(PartnerRole, role, "role")
    if mentor_kind is not None:
        fields["mentor_kind"] = (
            _enum(MentorKind, mentor_kind, "mentor kind") if str(mentor_kind).strip() else None
        )
    if goal_id is not None:
        _exists(tracker, Goal, goal_id)
        fields["goal_id"] = goal_id
    if partner_id is not None:
        partner = tracker.get(Partner, partner_id)
        if new_stage is not None:
            if new_stage.rank < partner.stage.rank and new_stage is not Stage.ENDED:
                raise ProposalError(
                    f"{partner.name} is at stage '{partner.stage.value}'; stages only move forward "
                    f"(idea → first_contact → met → agreed → ended), so '{new_stage.value}' would go back. "
                    "If the last move was a mistake, undo it"
                )
            fields["stage"] = new_stage
        label = f"update partner {partner_id}: {one_line(partner.name, 40)}"
        if new_stage is not None and new_stage is not partner.stage:
            label += f" ({partner.stage.value} → {new_stage.value})"
        return _edit(tracker, "record_partner", label, partner, fields)
    if not fields.get("name"):
        raise ProposalError("the partner's name is missing: ask the user who they have in mind")
    fields["stage"] = new_stage or Stage.IDEA
    partner = _build(Partner, fields)
    warnings = []
    if not partner.why_them:
        warnings.append("why this person? Note what they could help with, so the approach has a reason")
    summary = f"record {partner.role.value}: {one_line(partner.name, 40)} ({partner.stage.value})"
    return Proposal(_new_id(), "record_partner", summary, _diff(tracker, partner), partner, warnings=warnings)


# ---- agreements ------------------------------------------------------------------------------
def propose_record_agreement(
    tracker: Tracker,
    *,
    partner_id: int,
    cadence: str | None,
    between_meetings: str = "",
    confidentiality: str = "",
    expectations: str = "",
    next_meetings: Sequence[str | dt.date] = (),
    goal_id: int | None = None,
    today: dt.date | None = None,
) -> Proposal:
    """What the pair settle at the start: how often to meet, contact between meetings, confidentiality,
    expectations, and the next two meetings on the calendar."""
    partner = tracker.get(Partner, partner_id)
    _exists(tracker, Goal, goal_id)
    problems: list[ProposalError] = []
    if not _text(cadence):
        problems.append(
            ProposalError(
                "how often to meet is missing: ask the user (weekly, every other week, monthly ...)"
            )
        )
    meetings = [m for m in next_meetings if str(m).strip()]
    if len(meetings) > 2:
        problems.append(ProposalError("only the next two meetings are recorded: ask which two come first"))
    dates: list[dt.date] = []
    for text in meetings[:2]:
        try:
            dates.append(parse_due(text, today or tracker.today()))
        except DateQuestion as exc:
            problems.append(DateQuestion(f"meeting date: {exc.question}", candidates=exc.candidates))
    _raise_all(problems)
    agreement = _build(
        Agreement,
        dict(
            partner_id=partner_id,
            cadence=_text(cadence),
            between_meetings=_text(between_meetings),
            confidentiality=_text(confidentiality),
            expectations=_text(expectations),
            next_meetings=sorted(dates),
            goal_id=goal_id,
        ),  # fmt: skip
    )
    warnings = []
    if len(agreement.next_meetings) < 2:
        warnings.append("the guidance suggests putting the next two meetings on the calendar now")
    if not agreement.confidentiality:
        warnings.append("no confidentiality boundary agreed yet: what stays between the two of you?")
    if not agreement.between_meetings:
        warnings.append("how (and whether) to keep in touch between meetings is not settled yet")
    summary = f"record agreement with {one_line(partner.name, 40)}: {one_line(agreement.cadence, 40)}"
    return Proposal(
        _new_id(), "record_agreement", summary, _diff(tracker, agreement), agreement, warnings=warnings
    )


# ---- sessions --------------------------------------------------------------------------------
def propose_plan_session(
    tracker: Tracker,
    *,
    date: str | dt.date | None,
    partner_id: int | None = None,
    agenda: Sequence[str] = (),
    questions: Sequence[str] = (),
    goal_id: int | None = None,
    today: dt.date | None = None,
) -> Proposal:
    _exists(tracker, Partner, partner_id)
    _exists(tracker, Goal, goal_id)
    if date is None or not str(date).strip():
        raise DateQuestion("the session date is missing: ask the user when they will meet")
    try:
        # A session that already happened can be recorded too (then closed with its steps).
        day = parse_due(date, today or tracker.today(), allow_past=True)
    except DateQuestion as exc:
        raise DateQuestion(f"session date: {exc.question}", candidates=exc.candidates) from None
    session = _build(
        Session,
        dict(
            date=day,
            partner_id=partner_id,
            goal_id=goal_id,
            agenda=_items(agenda),
            questions=_items(questions),
        ),
    )
    warnings = []
    if not session.agenda:
        warnings.append("no agenda yet: what should the meeting cover?")
    if not session.questions:
        warnings.append("no questions prepared yet: the guidance says to come with them")
    who = f" with {one_line(tracker.get(Partner, partner_id).name, 40)}" if partner_id is not None else ""
    held = day < (today or tracker.today())
    summary = f"{'record' if held else 'plan'} session{who} on {fmt(day)}"
    if held:
        warnings = [w for w in warnings if "no agenda" not in w and "no questions" not in w]
    return Proposal(_new_id(), "plan_session", summary, _diff(tracker, session), session, warnings=warnings)


def propose_close_session(tracker: Tracker, session_id: int, *, notes: str = "") -> Proposal:
    """Close a session with its notes. Fewer than three protégé steps gets a warning, not a refusal."""
    session = tracker.get(Session, session_id)
    if session.status is SessionStatus.CLOSED:
        raise ProposalError(f"session {session_id} is already closed")
    warnings = []
    count = tracker.count_steps(session_id, Owner.PROTEGE)
    if count < MIN_PROTEGE_STEPS:
        warnings.append(
            f"only {count} protégé step{'s' if count != 1 else ''} agreed in this session; the guidance "
            f"suggests ending each meeting with at least {MIN_PROTEGE_STEPS}, each with a deadline and a "
            "measurable result"
        )
    changes = {"status": SessionStatus.CLOSED, "notes": _text(notes) if notes else session.notes}
    return _edit(
        tracker,
        "close_session",
        f"close session {session_id} of {fmt(session.date)}",
        session,
        changes,
        warnings,
    )


# ---- drafts ----------------------------------------------------------------------------------
def draft_key(name: str) -> str:
    """Draft names are kept simple so they can be typed: lower-case words joined by hyphens."""
    key = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    if not key:
        raise ProposalError("the draft needs a name, e.g. the person it is for ('sam-intro')")
    return key[:100]


def propose_save_draft(
    tracker: Tracker, *, name: str, body: str, subject: str = "", partner_id: int | None = None
) -> Proposal:
    """Save a new version of an outreach draft. Earlier versions are kept, never overwritten."""
    key = draft_key(name)
    if not body or not body.strip():
        raise ProposalError("the draft is empty: there is nothing to save")
    _exists(tracker, Partner, partner_id)
    versions = tracker.draft_versions(key)
    if versions and versions[-1].body == body.strip() and versions[-1].subject == _text(subject):
        raise ProposalError(
            f"draft '{key}' version {versions[-1].version} already has this text; nothing to save"
        )
    if partner_id is None and versions:
        partner_id = versions[-1].partner_id
    draft = _build(
        Draft,
        dict(name=key, version=tracker.next_draft_version(key), body=body.strip(), subject=_text(subject),
             partner_id=partner_id),
    )  # fmt: skip
    summary = f"save draft '{key}' version {draft.version} ({len(draft.body.split())} words)"
    return Proposal(_new_id(), "save_draft", summary, _diff(tracker, draft), draft)


__all__ = [
    "NotFound",
    "Proposal",
    "ProposalError",
    "DateQuestion",
    "propose_add_step",
    "propose_update_step",
    "propose_complete_step",
    "propose_drop_step",
    "propose_record_goal",
    "propose_record_partner",
    "propose_record_agreement",
    "propose_plan_session",
    "propose_close_session",
    "propose_save_draft",
]
