"""Skill picker, critiques, citations, command palette, themes, small terminals (scripted engine)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from tui_fakes import FakeEngine, factory_for
from tui_helpers import wait_until

from coach.events import CitationEvent, CritiqueEvent, Done, TextDelta
from coach.skills import Skill
from tui.app import CoachApp
from tui.screens.skills import SkillPicker
from tui.widgets.chat import CitationList, CoachReply, CritiqueCard
from tui.widgets.prompt import PromptArea

pytestmark = pytest.mark.anyio


def render(app: CoachApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def judgement(score: float) -> SimpleNamespace:
    return SimpleNamespace(
        verdict="aligned",
        score=score,
        principles=[
            SimpleNamespace(
                principle_id="start-small",
                title="Start small: a modest first ask",
                status="honoured",
                severity="high",
                evidence="a 20-minute call",
                reason="bounded ask",
                better="",
            ),
            SimpleNamespace(
                principle_id="no-will-you",
                title="Don't open with 'will you be my mentor?'",
                status="violated",
                severity="high",
                evidence="Will you be my mentor?",
                reason="too big an ask for a first message",
                better="Ask for their view on one question",
            ),
            SimpleNamespace(
                principle_id="values",
                title="Look for shared values",
                status="not_applicable",
                severity="low",
                evidence="",
                reason="",
                better="",
            ),
        ],
    )


async def send(pilot, text: str) -> None:
    prompt = pilot.app.query_one(PromptArea)
    prompt.load_text(text)
    prompt.focus()
    await pilot.press("enter")


async def test_critique_checklist_shows_principles_evidence_and_change() -> None:
    attempts = iter([(0.4, None, 1), (0.7, 0.4, 2)])

    def script(text: str):
        score, previous, attempt = next(attempts)
        return [
            TextDelta("Checked."),
            CritiqueEvent(
                "draft", judgement(score), summary="2 of 3 checks", attempt=attempt, previous_score=previous
            ),
            Done(),
        ]

    app = CoachApp(engine_factory=factory_for(FakeEngine(script=script)))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None)
        await send(pilot, "Will you be my mentor?")
        await wait_until(pilot, lambda: app.query(CritiqueCard) and app.replying_to is None)
        text = render(app)
        assert "Critique of your draft  score 40%" in text
        assert "✓ Start small: a modest first ask  [honoured]" in text
        assert "✗ Don't open with 'will you be my mentor?'  [violated]" in text
        assert "evidence: “Will you be my mentor?”" in text
        assert "better: Ask for their view on one question" in text
        assert "– 1 not applicable here [n/a]: Look for shared values" in text
        await send(pilot, "Could I ask your view on one question?")
        await wait_until(pilot, lambda: len(app.query(CritiqueCard)) == 2 and app.replying_to is None)
        assert "score 70%  ▲ +30% since attempt 1  (attempt 2)" in render(app)


async def test_citations_collapsed_then_expanded_with_one_key() -> None:
    engine = FakeEngine(
        script=lambda t: [
            TextDelta("Keep the first ask small."),
            CitationEvent(
                "start-small-approach",
                "Start small when approaching a possible mentor",
                "Mentor Me, Mentor You",
                "Your first contact should be a low-cost move.",
            ),
            CitationEvent(
                "start-small-approach",
                "Start small when approaching a possible mentor",
                "Mentor Me, Mentor You",
                "duplicate is shown once",
            ),
            Done(),
        ]
    )
    app = CoachApp(engine_factory=factory_for(engine))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None)
        await send(pilot, "how do I approach her?")
        await wait_until(pilot, lambda: app.replying_to is None and app.query(CoachReply))
        citations = app.query_one(CitationList)
        assert len(citations.items) == 1 and citations.collapsed
        assert "Guidance: Start small when approaching a possible mentor" in render(app)
        assert "low-cost move" not in render(app)
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: "low-cost move" in render(app))
        assert "Mentor Me, Mentor You" in render(app)


async def test_skill_picker_switches_skill_and_back_to_free() -> None:
    engine = FakeEngine(openings={Skill.OUTREACH: [TextDelta("Paste your draft."), Done()]})
    app = CoachApp(engine_factory=factory_for(engine))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None)
        assert "Free conversation" in render(app)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, SkillPicker))
        await pilot.press("home", "down", "enter")  # Clarify goals -> Draft outreach
        await wait_until(pilot, lambda: engine.skill is Skill.OUTREACH and app.query(CoachReply))
        await wait_until(pilot, lambda: app.replying_to is None)
        assert app.query(CoachReply)[-1].text == "Paste your draft."
        assert " Draft outreach " in render(app)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, SkillPicker))
        await pilot.press("end", "enter")
        await wait_until(pilot, lambda: engine.skill is None and not isinstance(app.screen, SkillPicker))
        assert "— Free conversation —" in render(app)


async def test_skill_chosen_while_loading_starts_when_ready() -> None:
    import threading

    gate = threading.Event()
    engine = FakeEngine()
    app = CoachApp(engine_factory=factory_for(engine, gate))
    async with app.run_test(size=(100, 30)) as pilot:
        app.set_skill(Skill.FEEDBACK)
        assert " Rehearse taking feedback " in render(app)
        gate.set()
        await wait_until(pilot, lambda: engine.skill is Skill.FEEDBACK)


async def test_command_palette_lists_and_runs_app_commands() -> None:
    engine = FakeEngine()
    app = CoachApp(engine_factory=factory_for(engine))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for expected in (
            "Choose a skill",
            "Free conversation",
            "Skill: Mentor practice",
            "Toggle tracker panel",
            "Sessions",
            "New conversation",
            "Review proposed change",
            "Show sources",
            "Copy draft",
            "Toggle light/dark theme",
            "Cancel reply",
        ):
            assert expected in titles
        await pilot.press("ctrl+p")
        await pilot.press(*"mentor")
        await wait_until(pilot, lambda: "Skill: Mentor practice" in render(app))
        await pilot.press("enter")
        await wait_until(pilot, lambda: engine.skill is Skill.MENTOR_PRACTICE)


async def test_theme_toggles_between_dark_and_light() -> None:
    app = CoachApp(engine_factory=factory_for(FakeEngine()))
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.theme == "textual-dark"
        await pilot.press("f2")
        assert app.theme == "textual-light"
        await pilot.press("f2")
        assert app.theme == "textual-dark"


async def test_80x24_keeps_prompt_status_and_footer_visible() -> None:
    app = CoachApp(
        engine_factory=factory_for(FakeEngine(script=lambda t: [TextDelta("line\n\n" * 60), Done()]))
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None)
        await send(pilot, "a long reply please")
        await wait_until(pilot, lambda: app.replying_to is None)
        prompt = app.query_one(PromptArea)
        status = app.query_one("#status")
        assert prompt.region.height >= 3 and prompt.region.bottom <= status.region.y
        assert status.region.bottom <= 23  # the footer keeps the last row
        assert "^s Skill" in render(app).splitlines()[-1]
        assert "guided (offline)" in render(app)
        chat = app.query_one("#chat")
        assert chat.scroll_y == chat.max_scroll_y  # anchored to the newest text


async def test_switching_skill_mid_opening_keeps_the_new_opening_running() -> None:
    import asyncio

    welcome_hold, outreach_hold = asyncio.Event(), asyncio.Event()
    engine = FakeEngine(
        openings={
            None: [TextDelta("Welcome…"), Done()],
            Skill.OUTREACH: [TextDelta("Paste your draft."), Done()],
        },
        opening_holds={None: welcome_hold, Skill.OUTREACH: outreach_hold},
    )
    app = CoachApp(engine_factory=factory_for(engine))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(
            pilot, lambda: app.query(CoachReply) and app.query(CoachReply)[-1].text == "Welcome…"
        )
        app.set_skill(Skill.OUTREACH)
        await wait_until(pilot, lambda: [r.text for r in app.query(CoachReply)] == ["Paste your draft."])
        await pilot.pause()
        assert app.replying_to is not None  # the cancelled welcome did not end the outreach opening
        outreach_hold.set()
        await wait_until(pilot, lambda: app.replying_to is None)
        assert [r.text for r in app.query(CoachReply)] == ["Paste your draft."]
