"""What the tracker records: goals, partners, agreements, sessions, next steps and outreach drafts.

Models check shape and types. Judgements that depend on
the guidance, such as "is this result measurable?", are made when a change is proposed
(coach.tracker.proposals), so records written by an older version always load.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class Owner(StrEnum):
    PROTEGE = "protege"
    MENTOR = "mentor"


class StepStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class GoalStatus(StrEnum):
    ACTIVE = "active"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


class PartnerRole(StrEnum):
    MENTOR = "mentor"
    PROTEGE = "protege"


class Stage(StrEnum):
    """Where an approach stands. The order matters: moves go forward (or straight to ended)."""

    IDEA = "idea"
    FIRST_CONTACT = "first_contact"
    MET = "met"
    AGREED = "agreed"
    ENDED = "ended"

    @property
    def rank(self) -> int:
        return list(Stage).index(self)


class MentorKind(StrEnum):
    """Kinds of mentor the guidance distinguishes; a goal may call for several."""

    DEVELOPMENTAL = "developmental"  # grows abilities and skills: teaches, models, guides
    SPONSORSHIP = "sponsorship"  # opens doors: schools, organisations, roles
    EXPERTISE = "expertise"  # expert to novice on knowledge, skill or experience
    CAREER = "career"
    DREAM = "dream"  # start a business, write a book ...
    LIFE = "life"
    GENERATIONAL = "generational"  # e.g. a younger mentor for a different perspective
    BOSS = "boss"  # a boss, the boss's boss or their peers: handle with care
    PEER = "peer"
    OTHER = "other"


class SessionStatus(StrEnum):
    PLANNED = "planned"
    CLOSED = "closed"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class Record(BaseModel):
    """Common base: an id once stored, and timestamps.

    Validation here is pure pydantic-core (no Python validators), so loading thousands of rows stays
    fast; text is cleaned of terminal control codes when a proposal builds the record.
    """

    # Frozen: a change is a new record built by a proposal (model_copy(update=...)), never an edit in place.
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, use_enum_values=False)

    table: ClassVar[str]
    list_fields: ClassVar[tuple[str, ...]] = ()

    id: int | None = None
    created_at: dt.datetime = Field(default_factory=_now)
    updated_at: dt.datetime = Field(default_factory=_now)

    def label(self) -> str:
        return (
            f"{self.table.rstrip('s')} {self.id}" if self.id is not None else f"new {self.table.rstrip('s')}"
        )


class Goal(Record):
    table: ClassVar[str] = "goals"
    list_fields: ClassVar[tuple[str, ...]] = ("gaps", "mentor_kinds")

    title: str = Field(min_length=1, max_length=200)
    why: str = Field(default="", max_length=4000)
    gaps: list[str] = Field(default_factory=list)
    mentor_kinds: list[MentorKind] = Field(default_factory=list)
    status: GoalStatus = GoalStatus.ACTIVE


class Partner(Record):
    table: ClassVar[str] = "partners"

    name: str = Field(min_length=1, max_length=200)
    role: PartnerRole = PartnerRole.MENTOR
    why_them: str = Field(default="", max_length=4000)
    stage: Stage = Stage.IDEA
    mentor_kind: MentorKind | None = None
    contact: str = Field(default="", max_length=500)
    notes: str = Field(default="", max_length=20_000)
    goal_id: int | None = None


class Agreement(Record):
    table: ClassVar[str] = "agreements"
    list_fields: ClassVar[tuple[str, ...]] = ("next_meetings",)

    partner_id: int
    cadence: str = Field(min_length=1, max_length=200)
    between_meetings: str = Field(default="", max_length=2000)
    confidentiality: str = Field(default="", max_length=2000)
    expectations: str = Field(default="", max_length=4000)
    next_meetings: list[dt.date] = Field(default_factory=list, max_length=2)
    goal_id: int | None = None


class Session(Record):
    table: ClassVar[str] = "sessions"
    list_fields: ClassVar[tuple[str, ...]] = ("agenda", "questions")

    date: dt.date
    partner_id: int | None = None
    goal_id: int | None = None
    agenda: list[str] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    notes: str = Field(default="", max_length=20_000)
    status: SessionStatus = SessionStatus.PLANNED


class NextStep(Record):
    table: ClassVar[str] = "steps"

    owner: Owner = Owner.PROTEGE
    what: str = Field(min_length=1, max_length=500)
    due: dt.date
    done_when: str = Field(min_length=1, max_length=500)
    status: StepStatus = StepStatus.OPEN
    goal_id: int | None = None
    session_id: int | None = None
    partner_id: int | None = None
    note: str = Field(default="", max_length=4000)
    completed_at: dt.datetime | None = None

    def is_overdue(self, today: dt.date) -> bool:
        return self.status is StepStatus.OPEN and self.due < today


class Draft(Record):
    """One version of an outreach draft. Saving again adds a version; versions are never overwritten."""

    table: ClassVar[str] = "drafts"

    name: str = Field(min_length=1, max_length=100)
    version: int = 1
    body: str = Field(min_length=1, max_length=100_000)
    subject: str = Field(default="", max_length=300)
    partner_id: int | None = None


MODELS: dict[str, type[Record]] = {m.table: m for m in (Goal, Partner, Agreement, Session, NextStep, Draft)}
