"""One flow per skill."""

from __future__ import annotations

from coach.engine.guided.flow import Flow
from coach.engine.guided.flows.feedback import FeedbackFlow
from coach.engine.guided.flows.goals import GoalsFlow
from coach.engine.guided.flows.mentor_practice import MentorPracticeFlow
from coach.engine.guided.flows.outreach import OutreachFlow
from coach.engine.guided.flows.session_prep import SessionPrepFlow
from coach.engine.guided.flows.wrap_up import WrapUpFlow
from coach.skills import Skill

FLOWS: dict[Skill, type[Flow]] = {
    Skill.GOALS: GoalsFlow,
    Skill.OUTREACH: OutreachFlow,
    Skill.SESSION_PREP: SessionPrepFlow,
    Skill.FEEDBACK: FeedbackFlow,
    Skill.MENTOR_PRACTICE: MentorPracticeFlow,
    Skill.NEXT_STEPS: WrapUpFlow,
}
