"""The conversation log and the recorder around any engine: nothing the user typed is ever lost."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from coach.config import Settings
from coach.conversations import ConversationLog, ConversationNotFound
from coach.engine import create_engine
from coach.engine.recorder import RecordingEngine
from coach.engine.services import PendingProposals, ProposalNotFound
from coach.events import CitationEvent, CritiqueEvent, Done, Event, ProposedChange, TextDelta
from coach.skills import Skill


class ScriptedEngine:
    """An inner engine that yields a fixed script; `hang=True` waits forever after the first text."""

    mode = "guided"

    def __init__(self, script: list[Event], *, hang: bool = False) -> None:
        self.script, self.hang = script, hang
        self.skill: Skill | None = None
        self.conversation_id = ""
        self.state: dict[str, Any] = {"turns": 0}
        self.proposals = PendingProposals()

    def set_skill(self, skill: Skill | None) -> None:
        self.skill = skill

    async def opening(self) -> AsyncIterator[Event]:
        yield TextDelta("Welcome.")
        yield Done("Welcome.")

    async def turn(self, text: str) -> AsyncIterator[Event]:
        self.state["turns"] += 1
        for event in self.script:
            yield event
            if self.hang:
                await asyncio.Event().wait()

    def accept(self, proposal_id: str) -> str:
        return self.proposals.accept(proposal_id, FakeTracker())

    def reject(self, proposal_id: str) -> str:
        return self.proposals.reject(proposal_id)

    def snapshot(self) -> dict[str, Any]:
        return dict(self.state)

    def restore(self, state: dict[str, Any]) -> None:
        self.state = dict(state)


class FakeProposal:
    def __init__(self, pid: str) -> None:
        self.id, self.kind, self.summary, self.diff, self.payload = (
            pid,
            "add_step",
            "add a step",
            "+ what: x",
            None,
        )


class FakeTracker:
    applied: list[str] = []

    def apply(self, proposal: FakeProposal, actor: str = "user") -> str:
        self.applied.append(proposal.id)
        return f"{proposal.id} applied"


@pytest.fixture
def log(coach_home: Path) -> ConversationLog:
    return ConversationLog.open(Settings(home=coach_home))


def recorded(log: ConversationLog, inner: ScriptedEngine) -> RecordingEngine:
    return RecordingEngine(inner, log, log.create(mode="guided"))


def test_cancelling_a_turn_keeps_the_message_and_the_partial_reply(log: ConversationLog) -> None:
    engine = recorded(log, ScriptedEngine([TextDelta("Half a"), TextDelta(" reply")], hang=True))

    async def cancel_after_first_event() -> None:
        async def consume() -> None:
            async for _ in engine.turn("my important question"):
                pass

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_after_first_event())
    messages = log.messages(engine.conversation_id)
    assert [(m.role, m.content, m.status) for m in messages] == [
        ("user", "my important question", "complete"),
        ("assistant", "Half a", "cancelled"),
    ]


def test_events_proposals_decisions_and_state_are_logged(log: ConversationLog) -> None:
    inner = ScriptedEngine(
        [
            TextDelta("Try this."),
            CitationEvent("start-small-approach", "Start small", "Mentor Me, Mentor You", "Begin small."),
            CritiqueEvent("draft", {"score": 0.5}, summary="Score 50/100"),
            ProposedChange("P7", "add a step", "+ what: x", FakeProposal("P7")),
            ProposedChange("P8", "add another", "+ what: y", FakeProposal("P8")),
            Done("Try this."),
        ]
    )
    inner.proposals.add(FakeProposal("P7"))
    inner.proposals.add(FakeProposal("P8"))
    engine = recorded(log, inner)
    engine.set_skill(Skill.OUTREACH)

    async def go() -> list[Event]:
        return [e async for e in engine.turn("Here is my draft: Dear Dana ...")]

    asyncio.run(go())
    assert engine.accept("p7") == "P7 applied"  # ids are case-insensitive
    assert "rejected" in engine.reject("P8")
    with pytest.raises(ProposalNotFound, match="already accepted"):
        engine.accept("P7")

    cid = engine.conversation_id
    statuses = {p.proposal_id: p.status for p in log.proposals(cid)}
    assert statuses == {"P7": "accepted", "P8": "rejected"}
    user_message, reply = log.messages(cid)
    critique = log.events(cid, types=("CritiqueEvent",))[0]
    assert critique["message_id"] == user_message.id  # a critique of the user's draft sits with the draft
    assert log.events(cid, types=("CitationEvent",))[0]["message_id"] == reply.id
    assert log.load_state(cid) == {"mode": "guided", "skill": "outreach", "engine": {"turns": 1}}
    assert log.get(cid).skill == "outreach"

    export = log.export_markdown(cid)
    for expected in ("## You", "Here is my draft", "Critique (draft): Score 50/100", "Sources:", "**P7**"):
        assert expected in export


def test_resolve_by_prefix_and_clear_errors(log: ConversationLog) -> None:
    first = log.create(mode="guided")
    assert log.resolve(first[:3]) == first
    with pytest.raises(ConversationNotFound, match="no conversation 'zzzz'"):
        log.resolve("zzzz")
    with pytest.raises(ConversationNotFound, match="no conversation id"):
        log.resolve("  ")


def test_titles_come_from_the_first_message_without_control_characters(log: ConversationLog) -> None:
    cid = log.create(mode="guided")
    log.add_message(
        cid, "user", "\x1b[31mHelp me\x1b[0m write to Dana about her talk on design systems and more"
    )
    log.add_message(cid, "user", "second message")
    title = log.get(cid).title
    assert title.startswith("Help me write to Dana") and "\x1b" not in title and len(title) <= 60


def test_a_damaged_state_loses_only_the_engine_state(log: ConversationLog) -> None:
    cid = log.create(mode="guided")
    log.add_message(cid, "user", "kept")
    with sqlite3.connect(log.path) as db:
        db.execute("UPDATE conversations SET state = '{not json' WHERE id = ?", (cid,))
    assert log.load_state(cid) == {}
    assert log.messages(cid)[0].content == "kept"


def test_guided_conversation_resumes_with_its_flow_state(coach_home: Path) -> None:
    settings = Settings(home=coach_home)
    engine = create_engine(settings)
    assert engine.mode == "guided"
    engine.set_skill(Skill.GOALS)

    async def go(iterator: AsyncIterator[Event]) -> list[Event]:
        return [e async for e in iterator]

    asyncio.run(go(engine.opening()))
    asyncio.run(go(engine.turn("I want to move from engineering into product management")))
    before = engine.snapshot()
    resumed = create_engine(settings, conversation_id=engine.conversation_id)
    assert resumed.skill == Skill.GOALS
    assert resumed.snapshot() == before
    roles = [m.role for m in resumed.log.messages(resumed.conversation_id)]
    assert roles[:3] == ["assistant", "user", "assistant"]


def test_resuming_expires_undecided_proposals_and_keeps_repeated_ids_apart(coach_home: Path) -> None:
    settings = Settings(home=coach_home)
    log = ConversationLog.open(settings)
    cid = log.create(mode="guided")
    log.add_proposal(cid, proposal_id="P1", summary="old step", diff="", kind="add_step")
    log.add_proposal(cid, proposal_id="P2", summary="decided step", diff="", kind="add_step")
    log.decide_proposal(cid, "P2", "accepted", "ok")

    resumed = create_engine(settings, conversation_id=cid)
    # A new process numbers its proposals from P1 again: the old P1 keeps its own row.
    resumed.log.add_proposal(cid, proposal_id="P1", summary="new step", diff="", kind="add_step")
    resumed.log.decide_proposal(cid, "P1", "rejected", "no")
    rows = [(p.proposal_id, p.summary, p.status) for p in resumed.log.proposals(cid)]
    assert rows == [
        ("P1", "old step", "expired"),
        ("P2", "decided step", "accepted"),
        ("P1", "new step", "rejected"),
    ]
    notes = [m.content for m in resumed.log.messages(cid) if m.role == "note"]
    assert notes and "P1" in notes[0] and "nothing was written" in notes[0]


def test_a_version_1_log_is_migrated_keeping_its_proposals(coach_home: Path) -> None:
    from coach.conversations import MIGRATIONS
    from coach.db import connect

    path = coach_home / "conversations.db"
    conn = connect(path, MIGRATIONS[:1])
    conn.execute(
        "INSERT INTO conversations (id, mode, created_at, updated_at) VALUES ('abcd1234', 'guided', 't', 't')"
    )
    conn.execute(
        "INSERT INTO proposals (conversation_id, proposal_id, summary, status, created_at)"
        " VALUES ('abcd1234', 'P3', 'kept', 'accepted', 't')"
    )
    conn.close()
    log = ConversationLog(path)
    assert [(p.proposal_id, p.status) for p in log.proposals("abcd1234")] == [("P3", "accepted")]
