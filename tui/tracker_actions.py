"""Tracker changes started from the panel, built as proposals (the tracker's only write path)."""

from __future__ import annotations

from typing import Any


def _proposals() -> Any:
    from coach.tracker import proposals

    return proposals


def complete_step(tracker: Any, step: Any) -> Any:
    return _proposals().propose_complete_step(tracker, step.id)


def drop_step(tracker: Any, step: Any) -> Any:
    return _proposals().propose_drop_step(tracker, step.id)


def add_step_like(tracker: Any, step: Any, fields: dict[str, str], today: Any = None) -> Any:
    """A new add-step proposal like `step` (an unsaved NextStep) with the user's edits."""
    return _proposals().propose_add_step(
        tracker,
        owner=step.owner,
        what=fields.get("what", ""),
        due=fields.get("due", "").strip() or None,
        done_when=fields.get("done_when", ""),
        goal_id=step.goal_id,
        session_id=step.session_id,
        partner_id=step.partner_id,
        today=today,
    )


def update_step(tracker: Any, step: Any, fields: dict[str, str]) -> Any:
    """Only changed fields are passed; the due date text is parsed by the tracker (it may ask a question)."""
    changes: dict[str, Any] = {}
    for name in ("what", "done_when"):
        value = fields.get(name, "").strip()
        if value != str(getattr(step, name)):
            changes[name] = value
    due = fields.get("due", "").strip()
    if due != step.due.isoformat():
        changes["due"] = due
    if not changes:
        raise ValueError("nothing changed")
    return _proposals().propose_update_step(tracker, step.id, **changes)


def step_fields(step: Any) -> dict[str, str]:
    return {"what": step.what, "due": step.due.isoformat(), "done_when": step.done_when}
