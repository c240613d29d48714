"""The live tracker: active goals, open next steps (overdue highlighted) and the next session.

Keys on the step list: e edit, c complete, d drop, u undo the last change. Edits, completions and drops
are built as tracker proposals and shown as a diff to accept; nothing is written without that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.safety import one_line


@dataclass(frozen=True)
class TrackerView:
    """What the panel shows, read in one go from the tracker."""

    goals: list[Any]
    steps: list[Any]
    next_session: Any | None
    partners: dict[int, str]
    today: dt.date


def read_tracker(tracker: Any, today: dt.date) -> TrackerView:
    goals = tracker.list_goals(status="active")
    steps = tracker.list_steps(status="open")
    partners = {p.id: p.name for p in tracker.list_partners()}
    upcoming = [
        s
        for s in tracker.list_sessions()
        if str(getattr(s, "status", "planned")) == "planned" and s.date >= today
    ]
    return TrackerView(goals, steps, upcoming[0] if upcoming else None, partners, today)


def day_label(day: dt.date) -> str:
    """As the tracker writes dates: 'Fri 4 Dec 2026'."""
    return f"{day.strftime('%a')} {day.day} {day.strftime('%b %Y')}"


def step_label(step: Any, today: dt.date) -> Content:
    overdue = step.is_overdue(today)
    days = (step.due - today).days
    when = (
        f"overdue {-days}d"
        if overdue
        else "due today"
        if days == 0
        else "tomorrow"
        if days == 1
        else f"in {days}d"
    )
    owner = " (mentor)" if str(step.owner) == "mentor" else ""
    return Content.assemble(
        (f"#{step.id} ", "dim"),
        one_line(step.what, 120),
        owner,
        "\n  ",
        (f"{day_label(step.due)} · {when}", "bold red" if overdue else "dim"),
        ("\n  done when: ", "dim"),
        one_line(step.done_when, 120),
    )


class TrackerPanel(VerticalScroll):
    """Docked on the right; hidden by default below 100 columns (Ctrl+T toggles it)."""

    @dataclass
    class StepAction(Message):
        action: str  # edit | complete | drop | undo
        step: Any | None

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Tracker"
        self.view: TrackerView | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content.styled("Goals", "bold"), classes="panel-heading")
        yield Static(Content.styled("loading…", "dim"), id="panel-goals")
        yield Static(Content.styled("Next steps", "bold"), classes="panel-heading")
        yield StepList(id="panel-steps")
        yield Static(Content.styled("Next session", "bold"), classes="panel-heading")
        yield Static(Content.styled("loading…", "dim"), id="panel-session")

    def show(self, view: TrackerView) -> None:
        self.view = view
        goals = self.query_one("#panel-goals", Static)
        if view.goals:
            goals.update(
                Content("\n").join(Content.assemble("• ", one_line(g.title, 120)) for g in view.goals)
            )
        else:
            goals.update(Content.styled("none yet: try the Clarify goals skill", "dim"))
        steps = self.query_one(StepList)
        highlighted = steps.highlighted
        steps.clear_options()
        if view.steps:
            steps.add_options(Option(step_label(s, view.today), id=str(s.id)) for s in view.steps)
            steps.highlighted = min(highlighted or 0, len(view.steps) - 1)
        else:
            steps.add_option(Option(Content.styled("no open steps", "dim"), id="none", disabled=True))
        overdue = sum(1 for s in view.steps if s.is_overdue(view.today))
        self.border_title = f"Tracker · {overdue} overdue" if overdue else "Tracker"
        session = self.query_one("#panel-session", Static)
        if view.next_session is not None:
            s = view.next_session
            who = view.partners.get(s.partner_id, "") if s.partner_id else ""
            lines = [
                Content.assemble((day_label(s.date), "bold"), f" with {one_line(who, 60)}" if who else "")
            ]
            lines += [Content.assemble("  · ", one_line(item, 100)) for item in list(s.agenda)[:4]]
            session.update(Content("\n").join(lines))
        else:
            session.update(Content.styled("none planned", "dim"))

    def selected_step(self) -> Any | None:
        if self.view is None or not self.view.steps:
            return None
        index = self.query_one(StepList).highlighted
        return self.view.steps[index] if index is not None and index < len(self.view.steps) else None


class StepList(OptionList):
    BINDINGS = [
        Binding("e", "step('edit')", "Edit step"),
        Binding("c", "step('complete')", "Complete"),
        Binding("d", "step('drop')", "Drop"),
        Binding("u", "step('undo')", "Undo"),
    ]

    def action_step(self, action: str) -> None:
        panel = next(a for a in self.ancestors if isinstance(a, TrackerPanel))
        step = panel.selected_step()
        if step is None and action != "undo":
            self.app.bell()
            return
        self.post_message(TrackerPanel.StepAction(action, step))
