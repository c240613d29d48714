"""Chat pane: streaming, final render, queueing before the engine loads, Esc, errors, safety."""

from __future__ import annotations

import asyncio
import threading

import pytest
from tui_fakes import FakeEngine, factory_for
from tui_helpers import type_text, wait_until

from coach.events import CitationEvent, Done, ErrorEvent, ReplyReset, TextDelta
from tui.app import CoachApp, extract_draft
from tui.widgets.chat import CoachReply, UserMessage
from tui.widgets.prompt import PromptArea

pytestmark = pytest.mark.anyio


HOSTILE = "\x1b[2J\x1b]0;pwned\x07[bold red]x[/]"


def make_app(engine: FakeEngine, gate: threading.Event | None = None) -> CoachApp:
    return CoachApp(engine_factory=factory_for(engine, gate))


def screen_text(app: CoachApp) -> str:
    """What the terminal would show, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def send(pilot, text: str) -> None:
    prompt = pilot.app.query_one(PromptArea)
    prompt.focus()
    prompt.load_text(text)
    await pilot.press("enter")


def replies(app: CoachApp) -> list[CoachReply]:
    return list(app.query(CoachReply))


async def test_reply_streams_then_renders_in_full() -> None:
    engine = FakeEngine(
        script=lambda t: [
            TextDelta("# Plan\n\n"),
            TextDelta("- first\n"),
            TextDelta("- second"),
            Done("# Plan\n\n- first\n- second"),
        ]
    )
    app = make_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None)
        await send(pilot, "hello")
        await wait_until(pilot, lambda: replies(app) and app.replying_to is None)
        assert engine.received == ["hello"]
        reply = replies(app)[-1]
        assert reply.text == "# Plan\n\n- first\n- second"
        assert reply.markdown.source == reply.text
        assert app.query_one(PromptArea).text == ""
        assert [m.text for m in app.query(UserMessage)] == ["hello"]


async def test_messages_typed_while_loading_are_queued_then_sent() -> None:
    gate = threading.Event()
    engine = FakeEngine()
    app = make_app(engine, gate)
    async with app.run_test(size=(100, 30)) as pilot:
        assert "loading guidance" in str(app.query_one("#status").render())
        await type_text(pilot, "first line\nsecond")
        await pilot.press("enter")
        await send(pilot, "another")
        assert engine.received == []
        assert len(app.query(".-queued")) == 2
        gate.set()
        await wait_until(pilot, lambda: len(engine.received) == 2 and app.replying_to is None)
        assert engine.received == ["first line\nsecond", "another"]
        assert not app.query(".-queued")
        assert [r.text for r in replies(app)] == ["You said: first line\nsecond", "You said: another"]


async def test_escape_cancels_reply_and_restores_prompt() -> None:
    hold = asyncio.Event()
    engine = FakeEngine(script=lambda t: [TextDelta("partial"), TextDelta(" more"), Done()], hold=hold)
    app = make_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None)
        await send(pilot, "draft my outreach\nplease")
        await wait_until(pilot, lambda: replies(app) and replies(app)[-1].text == "partial")
        # Shown while the reply is still streaming (buffered, flushed a few times a second).
        await wait_until(pilot, lambda: replies(app)[-1].markdown.source == "partial")
        assert app.replying_to is not None
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.replying_to is None and not replies(app))
        assert app.query_one(PromptArea).text == "draft my outreach\nplease"
        assert not app.query(UserMessage)
        assert engine.cancelled == 1
        # The prompt works again after a cancel.
        hold.set()
        await pilot.press("enter")
        await wait_until(pilot, lambda: replies(app) and app.replying_to is None)
        assert replies(app)[-1].text == "partial more"


async def test_typing_is_accepted_while_a_reply_streams() -> None:
    hold = asyncio.Event()
    engine = FakeEngine(script=lambda t: [TextDelta("thinking"), Done()], hold=hold)
    app = make_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None)
        await send(pilot, "one")
        await wait_until(pilot, lambda: replies(app))
        await type_text(pilot, "next one")
        assert app.query_one(PromptArea).text == "next one"
        await pilot.press("enter")  # queued behind the running reply
        hold.set()
        await wait_until(pilot, lambda: engine.received == ["one", "next one"] and app.replying_to is None)


async def test_error_event_notifies_and_keeps_message() -> None:
    engine = FakeEngine(
        script=lambda t: [ErrorEvent("The server said 401: check OPENAI_API_KEY", kind="auth"), Done()]
    )
    app = make_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None)
        await send(pilot, "keep me")
        await wait_until(pilot, lambda: app.replying_to is None and app._notifications)
        notes = list(app._notifications)
        assert any("401" in n.message and n.severity == "error" for n in notes)
        assert any(n.title == "The LLM server refused the key" for n in notes)
        assert app.query_one(PromptArea).text == "keep me"
        assert [m.text for m in app.query(UserMessage)] == ["keep me"]


async def test_engine_exception_is_reported_not_fatal() -> None:
    def boom(text: str):
        raise RuntimeError("engine exploded")

    engine = FakeEngine(script=boom)
    app = make_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None)
        await send(pilot, "hi")
        await wait_until(pilot, lambda: app.replying_to is None and app._notifications)
        assert any("engine exploded" in n.message for n in app._notifications)
        assert app.is_running


async def test_engine_that_fails_to_load_is_reported() -> None:
    def broken(settings, conversation_id):
        raise RuntimeError("tracker.db is not a coach database")

    app = CoachApp(engine_factory=broken)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.engine_error is not None)
        assert "not a coach database" in app.engine_error
        assert "failed" in str(app.query_one("#status").render())


async def test_reply_reset_clears_streamed_text() -> None:
    engine = FakeEngine(
        script=lambda t: [
            TextDelta("Just tell them what to do."),
            ReplyReset("contradicts: ask rather than tell"),
            TextDelta("Ask what they have tried."),
            Done(),
        ]
    )
    app = make_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None)
        await send(pilot, "advice?")
        await wait_until(pilot, lambda: app.replying_to is None)
        reply = replies(app)[-1]
        assert not app._notifications, [n.message for n in app._notifications]
        assert reply.text == "Ask what they have tried."
        assert "Revising: contradicts" in screen_text(app)
        assert "Just tell them" not in screen_text(app)


async def test_hostile_text_renders_harmlessly() -> None:
    engine = FakeEngine(
        script=lambda t: [
            TextDelta(HOSTILE),
            CitationEvent("card-x", HOSTILE, HOSTILE, "passage " + HOSTILE),
            Done(),
        ]
    )
    app = make_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None)
        await send(pilot, HOSTILE)
        await wait_until(pilot, lambda: app.replying_to is None)
        reply = replies(app)[-1]
        assert "\x1b" not in reply.text and "\x07" not in reply.text
        await pilot.press("ctrl+g")
        await pilot.pause()
        text = screen_text(app)
        assert "\x1b" not in text
        assert "pwned" not in text  # the OSC title payload is dropped with its sequence
        assert text.count("[bold red]x[/]") >= 3  # user message, reply and citation show markup literally


async def test_prompt_history_with_up_and_down() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None)
        for text in ("alpha", "beta"):
            await send(pilot, text)
            await wait_until(pilot, lambda: app.replying_to is None)
        prompt = app.query_one(PromptArea)
        await type_text(pilot, "gam")
        await pilot.press("up")
        assert prompt.text == "beta"
        await pilot.press("up")
        assert prompt.text == "alpha"
        await pilot.press("down")
        assert prompt.text == "beta"
        await pilot.press("down")
        assert prompt.text == "gam"


def test_extract_draft_prefers_fenced_block_then_quote() -> None:
    assert extract_draft("Here:\n```\nDear Ana,\nhi\n```\nGood luck") == "Dear Ana,\nhi"
    assert extract_draft("Try:\n> Dear Ana,\n> could we talk?\nThen wait.") == "Dear Ana,\ncould we talk?"
    assert extract_draft("no draft here") is None


async def test_copy_draft_uses_clipboard() -> None:
    engine = FakeEngine(
        script=lambda t: [TextDelta("Draft:\n\n```\nDear Ana, may I ask 20 minutes?\n```"), Done()]
    )
    app = make_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None)
        await send(pilot, "outreach")
        await wait_until(pilot, lambda: app.replying_to is None)
        await pilot.press("ctrl+l")
        assert app.clipboard == "Dear Ana, may I ask 20 minutes?"


async def test_enter_in_a_burst_of_keys_sends_the_whole_line() -> None:
    """tmux and fast typists deliver text and Enter together; Enter must not overtake the text."""
    from textual import events

    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None)
        for burst in ("first answer", "second answer"):
            for ch in burst:
                app.post_message(events.Key(ch if ch != " " else "space", ch))
            app.post_message(events.Key("enter", "\r"))
        await wait_until(pilot, lambda: len(engine.received) == 2 and app.replying_to is None)
        assert engine.received == ["first answer", "second answer"]
        assert app.query_one(PromptArea).text == ""


async def test_restart_after_a_failed_load_sends_the_queued_message() -> None:
    engine = FakeEngine()
    attempts: list[int] = []

    def flaky(settings, conversation_id):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("tracker.db is locked")
        return engine

    app = CoachApp(engine_factory=flaky)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.engine_error is not None)
        await send(pilot, "are you there?")
        assert engine.received == [] and app.query(".-queued")
        app.restart_engine()
        await wait_until(pilot, lambda: engine.received == ["are you there?"] and app.replying_to is None)
        assert replies(app)[-1].text == "You said: are you there?"


async def test_quitting_does_not_wait_for_the_engine_to_load() -> None:
    import anyio

    gate = threading.Event()  # never opened while the app runs: the load is "still building the index"
    app = make_app(FakeEngine(), gate)
    try:
        with anyio.fail_after(10):
            async with app.run_test(size=(100, 30)) as pilot:
                assert app.engine is None
                await pilot.press("ctrl+q")
        assert app.return_code == 0
    finally:
        gate.set()


async def test_a_load_superseded_while_its_report_is_in_flight_is_discarded() -> None:
    """The loading thread checks that its load is current, then hands the result to the event loop; a
    conversation switch can land in between. The stale engine must not reach the new view."""
    old = FakeEngine(conversation_id="c-old", openings={None: [TextDelta("old welcome"), Done()]})
    new = FakeEngine(conversation_id="c-new", openings={None: [TextDelta("new welcome"), Done()]})
    engines = iter([old, new])
    app = CoachApp(engine_factory=lambda settings, conversation_id: next(engines))
    deliver = app.call_from_thread
    calls: list[int] = []
    checked, proceed = threading.Event(), threading.Event()

    def held(callback, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the first load's engine report (its tracker report came first)
            checked.set()
            proceed.wait(10)
        return deliver(callback, *args, **kwargs)

    app.call_from_thread = held  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, checked.is_set)
        app.switch_conversation(None)
        proceed.set()
        await wait_until(pilot, lambda: app.engine is new and app.replying_to is None)
        await pilot.pause()
        assert [reply.text for reply in replies(app)] == ["new welcome"]
        assert app.conversation_id == "c-new"
