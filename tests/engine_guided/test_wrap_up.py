"""Wrap up: steps need a due date and a measurable result; at least three protégé steps and a mentor step are
encouraged; each step is proposed as add_step and written only when accepted."""

from __future__ import annotations

import datetime as dt

from guided_support import Chat

from coach.engine.guided.engine import GuidedEngine
from coach.events import ProposedChange
from coach.skills import Skill
from coach.tracker import Tracker


def add_step(chat: Chat, what: str, due: str, done_when: str, owner: str) -> list:
    chat.say(what)
    chat.say(due)
    chat.say(done_when)
    return chat.say(owner)


def test_four_steps_are_proposed_and_written_only_when_accepted(
    chat: Chat, engine: GuidedEngine, tracker: Tracker
) -> None:
    engine.set_skill(Skill.NEXT_STEPS)
    chat.open()
    turns = [
        add_step(chat, "Draft the one-page proposal", "next Friday", "proposal sent to Sam", "me"),
        add_step(chat, "Ask Lee for the Q3 numbers", "2026-12-01", "Q3 numbers received", "skip"),
        add_step(chat, "Book two user interviews", "in two weeks", "2 interviews booked", "me"),
        add_step(chat, "Introduce me to the platform lead", "2026-12-04", "intro email sent", "mentor"),
    ]
    proposed = [e for turn in turns for e in turn if isinstance(e, ProposedChange)]
    assert [p.proposal.kind for p in proposed] == ["add_step"] * 4
    steps = [p.proposal.payload for p in proposed]
    assert [s.due for s in steps] == [
        dt.date(2026, 12, 4), dt.date(2026, 12, 1), dt.date(2026, 12, 9), dt.date(2026, 12, 4),
    ]  # fmt: skip
    assert [str(s.owner) for s in steps] == ["protege", "protege", "protege", "mentor"]
    assert steps[0].done_when == "proposal sent to Sam"
    assert tracker.counts()["steps"] == 0
    summary = Chat.text(chat.say("done"))
    assert "3 for you, 1 for your mentor" in summary
    for p in proposed:
        engine.accept(p.proposal_id)
    assert len(tracker.list_steps()) == 4
    assert len(tracker.list_steps(owner="mentor")) == 1


def test_vague_due_date_and_unmeasurable_result_are_asked_back(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.NEXT_STEPS)
    chat.open()
    chat.say("Draft the one-page proposal")
    assert "not a specific day" in Chat.text(chat.say("soon"))
    assert "not a real date" in Chat.text(chat.say("2026-02-30"))
    chat.say("next Friday")
    vague = Chat.text(chat.say("feel better about it"))
    assert "hard to check" in vague and "'feel' is a direction" in vague
    assert "cannot be skipped" in Chat.text(chat.say("skip"))
    events = chat.say("proposal sent to Sam")
    assert "me** or **mentor" in Chat.text(events)


def test_done_early_is_encouraged_once_then_respected(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.NEXT_STEPS)
    chat.open()
    assert "No steps yet" in Chat.text(chat.say("done"))
    add_step(chat, "Draft the one-page proposal", "next Friday", "proposal sent to Sam", "me")
    assert "at least three" in Chat.text(chat.say("done"))
    final = Chat.text(chat.say("done"))
    assert "1 for you, 0 for your mentor" in final
    assert "start over" in Chat.text(chat.say("thanks"))


def test_owner_must_be_me_or_mentor(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.NEXT_STEPS)
    chat.open()
    chat.say("Draft the one-page proposal")
    chat.say("next Friday")
    chat.say("proposal sent to Sam")
    assert "Please answer **me** or **mentor**" in Chat.text(chat.say("the cat"))


def test_suggested_steps_can_be_taken_by_number(chat: Chat, engine: GuidedEngine, tracker: Tracker) -> None:
    engine.set_skill(Skill.NEXT_STEPS)
    opening = Chat.text(chat.open())
    assert "1. Send a thank-you" in opening and "(your mentor's)" in opening
    first = chat.say("1")
    [step] = [e.proposal.payload for e in first if isinstance(e, ProposedChange)]
    assert step.due == dt.date(2026, 11, 26) and step.done_when == "summary email sent"
    mentor = chat.say("3")
    [mentor_step] = [e.proposal.payload for e in mentor if isinstance(e, ProposedChange)]
    assert str(mentor_step.owner) == "mentor"
    assert "1. Send a thank-you" not in Chat.text(mentor)  # a used suggestion is not offered again
    assert tracker.counts()["steps"] == 0


def test_steps_are_linked_to_the_meeting_just_held(
    chat: Chat, engine: GuidedEngine, tracker: Tracker
) -> None:
    from coach.tracker.proposals import propose_plan_session

    tracker.apply(propose_plan_session(tracker, date=dt.date(2026, 11, 25), today=dt.date(2026, 11, 25)))
    [session] = tracker.list_sessions()
    engine.set_skill(Skill.NEXT_STEPS)
    chat.open()
    [proposal] = [e for e in chat.say("1") if isinstance(e, ProposedChange)]
    assert proposal.proposal.payload.session_id == session.id
