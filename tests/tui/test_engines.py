"""The app driven by the real engines: guided mode (real retriever, judge, tracker, conversation log)
and LLM mode (the real LLM engine over HTTP, the server mocked with respx)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx
from tui_fakes import TODAY, FakeEngine, factory_for
from tui_helpers import review_and_press, wait_until

from coach.config import Settings
from coach.conversations import ConversationLog
from coach.skills import Skill
from coach.tracker import Tracker
from tui.app import CoachApp
from tui.screens.sessions import SessionsScreen
from tui.widgets.chat import CitationList, CoachReply, CritiqueCard, ProposalCard, UserMessage
from tui.widgets.prompt import PromptArea
from tui.widgets.tracker_panel import TrackerPanel

pytestmark = pytest.mark.anyio


BASE_URL = "http://llm.test/v1"
COMPLETIONS = f"{BASE_URL}/chat/completions"


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory):
    """One real index for the module (building it embeds every card)."""
    from coach.knowledge.retrieval import Retriever

    return Retriever.open(Settings(home=tmp_path_factory.mktemp("kb")))


def real_factory(retriever, tracker_today=TODAY):
    def make(settings: Settings, conversation_id: str | None):
        from coach.engine import create_engine
        from coach.engine.services import Services

        tracker = Tracker(settings.tracker_db, today=lambda: tracker_today)
        services = Services(settings, retriever=retriever, tracker=tracker)
        return create_engine(settings, conversation_id=conversation_id, services=services)

    return make


def render(app: CoachApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def say(pilot, text: str) -> None:
    app = pilot.app
    before = len(app.query(UserMessage))
    prompt = app.query_one(PromptArea)
    prompt.focus()
    prompt.load_text(text)
    await pilot.press("enter")
    await wait_until(pilot, lambda: len(app.query(UserMessage)) == before + 1 and app.replying_to is None, 30)


OUTREACH_ANSWERS = [
    "compose",
    "Ana Ruiz, staff engineer who ran our platform migration",
    "I am a backend engineer on the payments team, working towards leading a cross-team project",
    "her write-up of the migration plan and how she kept five teams aligned",
    "how she decided what to cut when the migration slipped",
    "a 20-minute call",
    "notes from our payments incident reviews, which she said she wanted to see",
]


async def test_guided_outreach_compose_critique_and_save_draft(retriever) -> None:
    app = CoachApp(engine_factory=real_factory(retriever), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None, 30)
        assert app.engine.mode == "guided"
        app.set_skill(Skill.OUTREACH)
        await wait_until(pilot, lambda: app.query(CoachReply) and app.replying_to is None, 30)
        for answer in OUTREACH_ANSWERS:
            await say(pilot, answer)
        assert app.query(CitationList) and any(c.items for c in app.query(CitationList))
        critique = app.query_one(CritiqueCard)
        assert critique.event.subject == "draft"
        heading = str(critique.query_one(".critique-heading").render())
        assert heading.startswith("Critique of your draft  score ")
        draft = app.current_draft()
        assert draft and "Ana Ruiz" in draft
        card = next(c for c in app.query(ProposalCard) if c.state == "pending")
        assert app.tracker.list_drafts() == []
        await review_and_press(pilot, "a")
        await wait_until(pilot, lambda: card.state == "accepted")
        assert [d.name for d in app.tracker.list_drafts()] == [card.event.proposal.payload.name]
        await pilot.press("ctrl+l")
        assert app.clipboard == draft


async def test_guided_next_step_accepted_appears_in_panel(retriever) -> None:
    app = CoachApp(engine_factory=real_factory(retriever), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None and app.tracker is not None, 30)
        app.set_skill(Skill.NEXT_STEPS)
        await wait_until(pilot, lambda: app.replying_to is None, 30)
        for answer in ("Send the outreach message to Ana", "2026-12-04", "message sent to Ana", "me"):
            await say(pilot, answer)
        card = next(c for c in app.query(ProposalCard) if c.state == "pending")
        assert card.event.proposal.kind == "add_step"
        assert app.tracker.list_steps() == []
        await pilot.click("#accept")
        await wait_until(pilot, lambda: card.state == "accepted")
        assert [s.what for s in app.tracker.list_steps()] == ["Send the outreach message to Ana"]
        await wait_until(pilot, lambda: "Send the outreach message to Ana" in render(app))
        assert app.query_one(TrackerPanel).view.steps


async def test_sessions_resume_rename_export_delete(retriever, coach_home: Path) -> None:
    app = CoachApp(engine_factory=real_factory(retriever), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None, 30)
        await say(pilot, "I want to find a mentor for leading projects")
        first_id = app.conversation_id
        # A new conversation, then back to the first through the sessions screen.
        app.switch_conversation(None)
        await wait_until(pilot, lambda: app.engine is not None and app.conversation_id != first_id, 30)
        assert not app.query(UserMessage)
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionsScreen))
        screen = app.screen
        assert {i.id for i in screen.infos} == {first_id, app.conversation_id}
        index = next(n for n, i in enumerate(screen.infos) if i.id == first_id)
        screen.query_one("#session-list").highlighted = index
        await pilot.press("r")
        box = screen.query_one("#rename-input")
        box.value = ""
        await pilot.press("enter")
        await wait_until(pilot, lambda: "empty" in str(screen.query_one("#sessions-note").render()))
        box.value = "Finding a mentor"
        await pilot.press("enter")
        await wait_until(pilot, lambda: any(i.label == "Finding a mentor" for i in screen.infos))
        index = next(n for n, i in enumerate(screen.infos) if i.id == first_id)
        screen.query_one("#session-list").highlighted = index
        await pilot.press("x")
        exports = list((coach_home / "exports").glob("finding-a-mentor-*.md"))
        assert len(exports) == 1 and "I want to find a mentor" in exports[0].read_text()
        await pilot.press("enter")  # resume
        await wait_until(pilot, lambda: app.conversation_id == first_id and app.engine is not None, 30)
        await wait_until(pilot, lambda: app.query(UserMessage))
        assert app.query(UserMessage)[0].text == "I want to find a mentor for leading projects"
        assert app.query(CoachReply) and app.query(CoachReply)[0].text.strip()
        # Delete the other conversation (asks first).
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionsScreen))
        screen = app.screen
        other = next(n for n, i in enumerate(screen.infos) if i.id != first_id)
        screen.query_one("#session-list").highlighted = other
        await pilot.press("d")
        assert len(screen.infos) == 2
        await pilot.press("d")
        await wait_until(pilot, lambda: [i.id for i in screen.infos] == [first_id])


# ---- LLM mode ----------------------------------------------------------------------------------
def llm_settings(home: Path) -> Settings:
    return Settings(
        api_key="sk-test-tui-0000",
        base_url=BASE_URL,
        model="mock-model",
        max_retries=0,
        home=home,
        request_timeout=5,
    )


def _chunk(delta: dict, finish: str | None = None) -> dict:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "mock-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }


def sse_text(*pieces: str) -> httpx.Response:
    chunks = [_chunk({"role": "assistant", "content": ""})]
    chunks += [_chunk({"content": p}) for p in pieces]
    chunks.append(_chunk({}, "stop"))
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())


def sse_tool(call_id: str, name: str, args: dict) -> httpx.Response:
    chunks = [
        _chunk({"role": "assistant", "content": None}),
        _chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": call_id,
                        "type": "function",
                        "function": {"name": name, "arguments": json.dumps(args)},
                    }
                ]
            }
        ),
        _chunk({}, "tool_calls"),
    ]
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())


def llm_app(retriever, coach_home: Path) -> CoachApp:
    return CoachApp(llm_settings(coach_home), engine_factory=real_factory(retriever), today=TODAY)


@respx.mock
async def test_llm_reply_streams_with_status_showing_model_and_server(retriever, coach_home: Path) -> None:
    respx.post(COMPLETIONS).mock(side_effect=[sse_text("Ask for **one** ", "small thing ", "first.")] * 3)
    app = llm_app(retriever, coach_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None, 30)
        assert app.engine.mode == "llm"
        assert "LLM mock-model @ http://llm.test/v1" in render(app)
        assert "sk-test" not in render(app)
        await say(pilot, "How should I approach a possible mentor?")
        reply = app.query(CoachReply)[-1]
        assert "Ask for **one** small thing first." in reply.text


@respx.mock
async def test_llm_tool_proposal_is_accepted_from_the_app(retriever, coach_home: Path) -> None:
    respx.post(COMPLETIONS).mock(
        side_effect=[
            sse_tool("c1", "add_step", {"what": "Email Ana", "due": "2099-01-08", "done_when": "email sent"}),
            sse_text("I proposed a step; accept it if it looks right."),
            sse_text("ok"),
            sse_text("ok"),
        ]
    )
    app = llm_app(retriever, coach_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None and app.tracker is not None, 30)
        await say(pilot, "Add a step: email Ana by 8 Jan 2099, done when the email is sent")
        card = next(c for c in app.query(ProposalCard) if c.state == "pending")
        assert "+ what: Email Ana" in render(app)
        assert "→ add_step(what=Email Ana, due=2099-01-08" in render(app)  # the tool call, shown inline
        assert app.tracker.list_steps() == []
        await review_and_press(pilot, "a")
        await wait_until(pilot, lambda: card.state == "accepted")
        assert [s.what for s in app.tracker.list_steps()] == ["Email Ana"]


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (httpx.Response(401, json={"error": {"message": "Incorrect API key provided"}}), "key"),
        (httpx.Response(429, json={"error": {"message": "Rate limit reached"}}), "rate"),
        (httpx.Response(500, json={"error": {"message": "internal error"}}), "server"),
        (httpx.ConnectError("connection refused"), "reach"),
    ],
    ids=["bad-key", "rate-limit", "server-error", "server-down"],
)
async def test_llm_errors_are_notified_and_conversation_kept(
    retriever, coach_home: Path, response, expected
) -> None:
    with respx.mock:
        route = respx.post(COMPLETIONS)
        if isinstance(response, Exception):
            route.mock(side_effect=response)
        else:
            route.mock(return_value=response)
        app = llm_app(retriever, coach_home)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: app.engine is not None, 30)
            await say(pilot, "Help me plan my first session")
            await wait_until(pilot, lambda: any(n.severity == "error" for n in app._notifications))
            errors = [n for n in app._notifications if n.severity == "error"]
            shown = " ".join(f"{n.title} {n.message}" for n in errors).lower()
            assert expected in shown, shown
            assert "sk-test-tui" not in shown
            assert app.query_one(PromptArea).text == "Help me plan my first session"
            assert [m.text for m in app.query(UserMessage)] == ["Help me plan my first session"]
            assert app.is_running


class SlowStream(httpx.AsyncByteStream):
    """An SSE body that sends its first chunks, then stalls (a slow model), so Esc lands mid-reply."""

    def __init__(self, head: bytes) -> None:
        self.head = head

    async def __aiter__(self):  # type: ignore[override]
        import asyncio

        yield self.head
        await asyncio.sleep(30)
        yield b"data: [DONE]\n\n"

    async def aclose(self) -> None:
        return None


def _sse_head(*pieces: str) -> bytes:
    chunks = [_chunk({"role": "assistant", "content": ""})] + [_chunk({"content": p}) for p in pieces]
    return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks).encode()


@respx.mock
async def test_llm_escape_cancels_streaming_reply_and_restores_prompt(retriever, coach_home: Path) -> None:
    respx.post(COMPLETIONS).mock(
        side_effect=[
            httpx.Response(
                200,
                headers={"content-type": "text/event-stream"},
                stream=SlowStream(_sse_head("Start with ", "one small ask")),
            ),
            sse_text("Here is a complete answer."),
        ]
    )
    app = llm_app(retriever, coach_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None, 30)
        prompt = app.query_one(PromptArea)
        prompt.load_text("How do I approach Ana?")
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: app.query(CoachReply) and "one small ask" in app.query(CoachReply)[-1].text
        )
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.replying_to is None)
        assert prompt.text == "How do I approach Ana?"
        assert not app.query(UserMessage)
        await pilot.press("enter")  # send again: the conversation still works
        await wait_until(pilot, lambda: app.replying_to is None and app.query(CoachReply), 30)
        assert app.query(CoachReply)[-1].text.startswith("Here is a complete answer.")


@respx.mock
async def test_llm_retry_after_server_error(retriever, coach_home: Path) -> None:
    respx.post(COMPLETIONS).mock(
        side_effect=[
            httpx.Response(500, json={"error": {"message": "internal error"}}),
            sse_text("Recovered."),
        ]
    )
    app = llm_app(retriever, coach_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None, 30)
        await say(pilot, "Help me plan my first session")
        await wait_until(pilot, lambda: any(n.severity == "error" for n in app._notifications))
        app.query_one(PromptArea).clear()
        app.retry()
        await wait_until(pilot, lambda: app.replying_to is None and app.query(CoachReply), 30)
        assert app.query(CoachReply)[-1].text.startswith("Recovered.")
        assert [m.text for m in app.query(UserMessage)] == ["Help me plan my first session"]


DRAFT = (
    "Dear Ana, I'm Sam, a backend engineer on the payments team. Your write-up of the platform migration "
    "helped me plan my own project. Could I ask your view on one planning question in a 20-minute call "
    "next week? Happy to share our incident-review notes in return. Best wishes, Sam"
)


async def test_resumed_conversation_shows_decided_and_undecided_proposals(retriever) -> None:
    app = CoachApp(engine_factory=real_factory(retriever), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None, 30)
        app.set_skill(Skill.OUTREACH)
        await wait_until(pilot, lambda: app.replying_to is None and app.query(CoachReply), 30)
        await say(pilot, DRAFT)
        first = next(c for c in app.query(ProposalCard) if c.state == "pending")
        await review_and_press(pilot, "r")
        await wait_until(pilot, lambda: first.state == "rejected")
        await say(pilot, DRAFT.replace("20-minute call", "short call"))
        assert any(c.state == "pending" for c in app.query(ProposalCard))
        conversation = app.conversation_id
        app.switch_conversation(None)
        await wait_until(pilot, lambda: app.engine is not None and app.conversation_id != conversation, 30)
        app.switch_conversation(conversation)
        await wait_until(pilot, lambda: app.engine is not None and len(app.query(ProposalCard)) == 2, 30)
        states = [c.state for c in app.query(ProposalCard)]
        assert states == ["rejected", "expired"]
        assert not app.pending_proposals()
        last = list(app.query(ProposalCard))[-1]
        assert last.border_title == "Not decided"
        assert "propose it again" in str(last.query_one(".proposal-outcome").render())


async def test_replayed_proposals_read_as_decided_before_they_are_mounted(coach_home: Path) -> None:
    """mount_all puts the cards in the DOM at once; on_mount runs later. In between they must not count
    as pending (Ctrl+R, the footer, and the resume test's `len(query) == 2` all look at them then)."""
    log = ConversationLog.open(Settings())
    conversation = log.create(mode="guided")
    log.add_message(conversation, "user", "Add a step to send Ana my note")
    for proposal_id in ("P1", "P2"):
        log.add_proposal(
            conversation, proposal_id=proposal_id, summary="Add step", diff="+ send the note", kind="add_step"
        )
    log.decide_proposal(conversation, "P1", "rejected", "P1 rejected (nothing was written)")
    engine = FakeEngine(conversation_id=conversation)
    engine.log = log  # type: ignore[attr-defined]  # what replay() reads, as on the recording engine
    app = CoachApp(engine_factory=factory_for(engine), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.engine is engine and app.replying_to is None)
        app.replay(engine)
        assert [c.state for c in app.query(ProposalCard)] == ["rejected", "expired"]  # not mounted yet
        assert not app.pending_proposals()
        app.action_review_proposal()
        await pilot.pause()
        assert not isinstance(app.focused, ProposalCard)
        assert [c.border_title for c in app.query(ProposalCard)] == ["Rejected", "Not decided"]
    log.close()


@respx.mock
async def test_llm_output_with_escape_sequences_and_markup_renders_as_text(
    retriever, coach_home: Path
) -> None:
    hostile = "\x1b[2J\x1b]0;pwned\x07[bold red]x[/] and \x1b]52;c;ZXZpbA==\x07done"
    respx.post(COMPLETIONS).mock(side_effect=[sse_text(hostile[:9], hostile[9:])] * 3)
    app = llm_app(retriever, coach_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.engine is not None, 30)
        await say(pilot, "Say something")
        reply = app.query(CoachReply)[-1]
        assert "\x1b" not in reply.text and "\x07" not in reply.text
        screen = render(app)
        assert "[bold red]x[/] and done" in screen
        assert "pwned" not in screen and "ZXZpbA" not in screen
        assert app.clipboard == ""  # the OSC 52 clipboard write was dropped, not executed
