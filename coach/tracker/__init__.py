"""The structured tracker: goals, partners, agreements, sessions, next steps and outreach drafts.

Importing this package is cheap (no langchain): the agent tools live in coach.tracker.tools.
"""

from coach.tracker.errors import DateQuestion, NotFound, ProposalError
from coach.tracker.models import Agreement, Draft, Goal, NextStep, Partner, Session
from coach.tracker.store import Tracker

__all__ = [
    "Agreement",
    "DateQuestion",
    "Draft",
    "Goal",
    "NextStep",
    "NotFound",
    "Partner",
    "ProposalError",
    "Session",
    "Tracker",
]
