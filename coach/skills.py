"""The coaching skills. Ids are shared by the knowledge cards, the rubric, the evals and the UI."""

from __future__ import annotations

from enum import StrEnum


class Skill(StrEnum):
    GOALS = "goals"
    OUTREACH = "outreach"
    SESSION_PREP = "session_prep"
    FEEDBACK = "feedback"
    MENTOR_PRACTICE = "mentor_practice"
    NEXT_STEPS = "next_steps"

    @property
    def label(self) -> str:
        return SKILL_LABELS[self]


SKILL_LABELS: dict[Skill, str] = {
    Skill.GOALS: "Clarify goals",
    Skill.OUTREACH: "Draft outreach",
    Skill.SESSION_PREP: "Prepare a session",
    Skill.FEEDBACK: "Rehearse taking feedback",
    Skill.MENTOR_PRACTICE: "Mentor practice",
    Skill.NEXT_STEPS: "Wrap up: next steps",
}

AUDIENCES = ("protege", "mentor", "both")


def parse_skill(value: str) -> Skill:
    """Accept an id or a label, case-insensitively; raise ValueError naming the choices."""
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    for skill in Skill:
        if key in (skill.value, skill.label.lower().replace(" ", "_").replace(":", "")):
            return skill
    choices = ", ".join(s.value for s in Skill)
    raise ValueError(f"unknown skill {value!r}; choose one of: {choices}")
