"""Shared helpers for the tracker tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from coach.tracker import Tracker
from coach.tracker import proposals as P

TODAY = dt.date(2026, 11, 25)  # a Wednesday


def make_tracker(path: Path, today: dt.date = TODAY) -> Tracker:
    return Tracker(path, today=lambda: today)


def add_step(
    tracker: Tracker, what: str = "Send intro email to Sam", due: str = "2026-12-04", **kw: object
) -> int:
    proposal = P.propose_add_step(
        tracker, what=what, due=due, done_when=kw.pop("done_when", "email sent"), **kw
    )
    tracker.apply(proposal)
    return max(s.id or 0 for s in tracker.list_steps(status="all"))
