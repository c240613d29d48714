"""Snapshots of the main screens at 80x24 and 120x40 (baselines in __snapshots__/, made with
`pytest tests/tui/test_snapshots.py --snapshot-update`). Content is fixed: scripted engine, a real
tracker seeded for a fixed "today", no timestamps."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from tui_fakes import TODAY, FakeEngine, factory_for, seeded_tracker, services_with
from tui_helpers import wait_until

from coach.events import CitationEvent, CritiqueEvent, Done, ProposedChange, TextDelta
from coach.skills import Skill
from tui.app import CoachApp
from tui.screens.sessions import SessionsScreen
from tui.widgets.prompt import PromptArea

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]

REPLY = """Here is a first message that **starts small**:

```text
Dear Ana, your write-up of the platform migration helped me plan my own project.
Could I ask your view on one question in a 20-minute call?
```

Keep it short, say who you are, and make the ask easy to accept."""


def judgement() -> SimpleNamespace:
    ok = SimpleNamespace(
        title="Start small: a modest first ask",
        status="honoured",
        evidence="a 20-minute call",
        reason="a bounded first ask",
        better="",
    )
    bad = SimpleNamespace(
        title="Say who you are",
        status="violated",
        evidence="Dear Ana",
        reason="the message never says who is writing",
        better="Add one line on your role and goal",
    )
    return SimpleNamespace(verdict="aligned", score=0.75, principles=[ok, bad])


def script(tracker):
    def run(text: str):
        from coach.tracker import proposals as p

        step = p.propose_add_step(
            tracker, what="Send the message to Ana", due="2026-12-04", done_when="message sent", today=TODAY
        )
        return [
            TextDelta(REPLY),
            CitationEvent(
                "start-small-approach",
                "Start small when approaching a possible mentor",
                "Mentor Me, Mentor You",
                "Make the first contact an easy, low-cost yes.",
            ),
            CritiqueEvent("draft", judgement(), attempt=2, previous_score=0.5),
            ProposedChange(step.id, step.summary, step.diff, step),
            Done(REPLY),
        ]

    return run


def make_app(tmp_path: Path) -> CoachApp:
    tracker = seeded_tracker(tmp_path / "snap-tracker.db")
    engine = FakeEngine(script=script(tracker), services=services_with(tracker), skill=Skill.OUTREACH)
    return CoachApp(engine_factory=factory_for(engine), today=TODAY)


async def _conversation(pilot) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: app.engine is not None and app.tracker is not None)
    prompt = app.query_one(PromptArea)
    prompt.load_text("Help me write to Ana")
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.replying_to is None and app.query("ProposalCard"))
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare, tmp_path: Path, size) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=_conversation)


@pytest.mark.parametrize("size", SIZES)
def test_main_screen_light_theme(snap_compare, tmp_path: Path, size) -> None:
    async def run_before(pilot) -> None:
        await _conversation(pilot)
        await pilot.press("f2")

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_tracker_panel_focused(snap_compare, tmp_path: Path, size) -> None:
    async def run_before(pilot) -> None:
        await wait_until(pilot, lambda: pilot.app.tracker is not None)
        if not pilot.app.query_one("#tracker").display:
            await pilot.press("ctrl+t")
        else:
            pilot.app.query_one("#panel-steps").focus()
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_skill_picker(snap_compare, tmp_path: Path, size) -> None:
    async def run_before(pilot) -> None:
        await wait_until(pilot, lambda: pilot.app.engine is not None)
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=run_before)


class FixedLog:
    def list(self):
        return [
            SimpleNamespace(
                id="a1b2c3d4e5",
                label="Approaching Ana",
                title="Approaching Ana",
                mode="guided",
                skill="outreach",
                updated_at="2026-11-30T18:02:00",
                messages=14,
            ),
            SimpleNamespace(
                id="f6e7d8c9b0",
                label="Prepare Thursday's session",
                title="",
                mode="llm",
                skill="session_prep",
                updated_at="2026-11-28T09:15:00",
                messages=6,
            ),
        ]


@pytest.mark.parametrize("size", SIZES)
def test_sessions_screen(snap_compare, tmp_path: Path, size) -> None:
    async def run_before(pilot) -> None:
        await wait_until(pilot, lambda: pilot.app.engine is not None)
        pilot.app.push_screen(SessionsScreen(FixedLog(), "a1b2c3d4e5", tmp_path))
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_edit_step_dialog(snap_compare, tmp_path: Path, size) -> None:
    async def run_before(pilot) -> None:
        await wait_until(pilot, lambda: pilot.app.tracker is not None)
        if not pilot.app.query_one("#tracker").display:
            await pilot.press("ctrl+t")
        else:
            pilot.app.query_one("#panel-steps").focus()
        await pilot.press("e")
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=run_before)
