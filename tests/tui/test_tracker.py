"""Tracker panel and proposals: nothing is written without acceptance; edits, completion, drops, undo."""

from __future__ import annotations

import datetime as dt

import pytest
from tui_fakes import TODAY, FakeEngine, factory_for, seeded_tracker, services_with
from tui_helpers import review_and_press, wait_until

from coach.events import Done, ProposedChange, TextDelta
from coach.tracker import NextStep
from coach.tracker import proposals as p
from tui.app import CoachApp
from tui.screens.changes import ConfirmChange, EditStep
from tui.widgets.chat import ProposalCard
from tui.widgets.prompt import PromptArea
from tui.widgets.tracker_panel import StepList, TrackerPanel

pytestmark = pytest.mark.anyio


def app_with(tmp_path, script=None) -> tuple[CoachApp, FakeEngine, object]:
    tracker = seeded_tracker(tmp_path / "tracker.db")
    engine = FakeEngine(services=services_with(tracker))
    if script is not None:
        engine.script = script
    return CoachApp(engine_factory=factory_for(engine), today=TODAY), engine, tracker


def _render(app: CoachApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def step_status(tracker, step_id: int) -> str:
    return tracker.get(NextStep, step_id).status.value


async def test_panel_shows_goals_steps_overdue_and_next_session(tmp_path) -> None:
    app, _, _ = app_with(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.query_one(TrackerPanel).view is not None)
        text = _render(app)
        assert "Lead a cross-team project" in text
        assert "Send Ana a short note" in text and "overdue 3d" in text
        assert "Write a one-page project plan" in text and "in 7d" in text
        assert "Thu 10 Dec 2026 with Ana Ruiz" in text
        assert app.query_one(TrackerPanel).border_title == "Tracker · 1 overdue"


async def test_panel_hidden_at_80_columns_and_toggled_with_ctrl_t(tmp_path) -> None:
    app, _, _ = app_with(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(TrackerPanel)
        assert not panel.display
        await pilot.press("ctrl+t")
        assert panel.display and app.focused is app.query_one(StepList)
        await pilot.press("ctrl+t")
        assert not panel.display and isinstance(app.focused, PromptArea)


async def test_complete_from_panel_needs_acceptance(tmp_path) -> None:
    app, _, tracker = app_with(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.query_one(TrackerPanel).view is not None)
        app.query_one(StepList).focus()
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmChange))
        assert "mark step 1 done" in _render(app)
        await pilot.press("r")  # reject: nothing written
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmChange))
        assert step_status(tracker, 1) == "open"
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmChange))
        await pilot.press("a")
        await wait_until(pilot, lambda: step_status(tracker, 1) == "done")
        await wait_until(pilot, lambda: "Send Ana a short note" not in _render(app))
        assert app.query_one(TrackerPanel).border_title == "Tracker"


async def test_drop_then_undo(tmp_path) -> None:
    app, _, tracker = app_with(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.query_one(TrackerPanel).view is not None)
        app.query_one(StepList).focus()
        await pilot.press("down", "d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmChange))
        await pilot.press("a")
        await wait_until(pilot, lambda: step_status(tracker, 2) == "dropped")
        await pilot.press("u")
        await wait_until(pilot, lambda: step_status(tracker, 2) == "open")


async def test_edit_step_validates_inline_then_writes_after_acceptance(tmp_path) -> None:
    app, _, tracker = app_with(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.query_one(TrackerPanel).view is not None)
        app.query_one(StepList).focus()
        await pilot.press("down", "e")
        await wait_until(pilot, lambda: isinstance(app.screen, EditStep))
        editor = app.screen
        due = editor.query_one("#due")
        due.value = "someday"
        await pilot.press("enter")
        await wait_until(pilot, lambda: str(editor.query_one("#edit-error").render()).strip())
        assert isinstance(app.screen, EditStep)  # still open; what was typed is kept
        assert due.value == "someday"
        due.value = "2026-12-18"
        editor.query_one("#what").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmChange))
        assert "Fri 18 Dec 2026" in _render(app)
        assert tracker.get(NextStep, 2).due == dt.date(2026, 12, 8)  # not yet written
        await pilot.press("a")
        await wait_until(pilot, lambda: tracker.get(NextStep, 2).due == dt.date(2026, 12, 18))


def add_step_script(tracker):
    def script(text: str):
        proposal = p.propose_add_step(
            tracker,
            what="Email Ana to ask for 20 minutes",
            due="2026-12-04",
            done_when="email sent",
            today=TODAY,
        )
        return [
            TextDelta("Here is a next step."),
            ProposedChange(proposal.id, proposal.summary, proposal.diff, proposal),
            Done(),
        ]

    return script


async def test_proposal_card_accept_writes_through_engine(tmp_path) -> None:
    app, engine, tracker = app_with(tmp_path)
    engine.script = add_step_script(tracker)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.tracker is not None)
        app.query_one(PromptArea).load_text("next steps")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.query(ProposalCard) and app.replying_to is None)
        card = app.query_one(ProposalCard)
        assert "+ what: Email Ana to ask for 20 minutes" in _render(app)
        assert len(tracker.list_steps()) == 2  # shown, not written
        await pilot.press("ctrl+r")
        assert app.focused is card
        await pilot.press("a")
        await wait_until(pilot, lambda: card.state == "accepted")
        assert engine.accepted == [card.event.proposal_id]
        assert "Email Ana to ask for 20 minutes" in [s.what for s in tracker.list_steps()]
        await wait_until(pilot, lambda: "Email Ana to ask" in _render(app))
        await pilot.press("ctrl+r")  # nothing pending now
        assert card.state == "accepted"


async def test_proposal_card_reject_writes_nothing(tmp_path) -> None:
    app, engine, tracker = app_with(tmp_path)
    engine.script = add_step_script(tracker)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.tracker is not None)
        app.query_one(PromptArea).load_text("next steps")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.query(ProposalCard) and app.replying_to is None)
        await pilot.click("#reject")
        card = app.query_one(ProposalCard)
        await wait_until(pilot, lambda: card.state == "rejected")
        assert len(tracker.list_steps()) == 2
        assert "nothing was written" in _render(app)


async def test_proposal_edit_replaces_card_and_accept_writes_edited_step(tmp_path) -> None:
    app, engine, tracker = app_with(tmp_path)
    engine.script = add_step_script(tracker)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.tracker is not None)
        app.query_one(PromptArea).load_text("next steps")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.query(ProposalCard) and app.replying_to is None)
        await review_and_press(pilot, "e")
        await wait_until(pilot, lambda: isinstance(app.screen, EditStep))
        app.screen.query_one("#done_when").value = "email sent and a date agreed"
        app.screen.query_one("#what").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(app.query(ProposalCard)) == 2)
        original, edited = list(app.query(ProposalCard))
        assert original.state == "rejected" and engine.rejected == [original.event.proposal_id]
        assert edited.local and app.focused is edited
        assert len(tracker.list_steps()) == 2
        await pilot.press("a")
        await wait_until(pilot, lambda: edited.state == "accepted")
        assert "email sent and a date agreed" in [s.done_when for s in tracker.list_steps()]


async def test_failed_accept_keeps_proposal_pending(tmp_path) -> None:
    app, engine, _ = app_with(tmp_path)
    engine.services = None
    engine.script = lambda t: [ProposedChange("BAD", "add step: something", "+ what: something"), Done()]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None)
        app.query_one(PromptArea).load_text("x")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.query(ProposalCard) and app.replying_to is None)
        await review_and_press(pilot, "a")
        await wait_until(pilot, lambda: app._notifications)
        assert app.query_one(ProposalCard).state == "pending"
        assert any("due date is in the past" in n.message for n in app._notifications)


async def test_review_key_cycles_through_pending_proposals(tmp_path) -> None:
    app, engine, tracker = app_with(tmp_path)
    one_step = add_step_script(tracker)
    engine.script = lambda text: [*one_step(text)[1:2], *one_step(text)]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.tracker is not None)
        app.query_one(PromptArea).load_text("two proposals")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(app.query(ProposalCard)) == 2 and app.replying_to is None)
        first, second = list(app.query(ProposalCard))
        await pilot.press("ctrl+r")
        assert app.focused is first
        await pilot.press("ctrl+r")
        assert app.focused is second
        await pilot.press("r")
        await wait_until(pilot, lambda: second.state == "rejected")
        await pilot.press("ctrl+r")
        assert app.focused is first


async def test_panel_picks_up_changes_made_elsewhere(tmp_path) -> None:
    from coach.tracker import Tracker

    app, _, _ = app_with(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.query_one(TrackerPanel).view is not None)
        other = Tracker(
            tmp_path / "tracker.db", today=lambda: TODAY
        )  # e.g. `coach steps` in another terminal
        other.apply(p.propose_complete_step(other, 1))
        other.close()
        app.refresh_tracker()  # also runs every TRACKER_REFRESH_SECONDS
        await wait_until(pilot, lambda: "Send Ana a short note" not in _render(app))
