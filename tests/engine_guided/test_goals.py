"""Clarify goals end to end with a real tracker: valid proposals, nothing written until accepted."""

from __future__ import annotations

from guided_support import Chat

from coach.engine.guided.engine import GuidedEngine
from coach.events import CitationEvent, ProposedChange
from coach.skills import Skill
from coach.tracker import Tracker

NEED = "I've just become a team lead and my one-to-ones go nowhere; I want people to leave with a next step"


def run_goals(chat: Chat, engine: GuidedEngine) -> list:
    engine.set_skill(Skill.GOALS)
    chat.open()
    chat.say(NEED)
    chat.say("run useful one-to-ones\ndelegate the release work")
    chat.say("giving feedback without sounding harsh; saying no to scope creep")
    chat.say("1, expertise")
    return chat.say(
        "Priya Shah — led the platform migration, and coached three new leads\nTom Reed: great at 1:1s"
    )


def test_full_flow_proposes_goal_and_partners_and_writes_nothing(
    chat: Chat, engine: GuidedEngine, tracker: Tracker
) -> None:
    events = run_goals(chat, engine)
    text = Chat.text(events)
    assert "run useful one-to-ones" in text and "giving feedback without sounding harsh" in text
    assert "developmental, expertise" in text
    proposals = [e for e in events if isinstance(e, ProposedChange)]
    kinds = [p.proposal.kind for p in proposals]
    assert kinds == ["record_goal", "record_partner", "record_partner"]
    goal = proposals[0].proposal.payload
    assert goal.title == "run useful one-to-ones"
    assert [str(k) for k in goal.mentor_kinds] == ["developmental", "expertise"]
    assert goal.gaps == ["giving feedback without sounding harsh", "saying no to scope creep"]
    names = [p.proposal.payload.name for p in proposals[1:]]
    assert names == ["Priya Shah", "Tom Reed"]
    assert "coached three new leads" in proposals[1].proposal.payload.why_them  # the comma was kept
    assert any(isinstance(e, CitationEvent) for e in events)
    assert sum(tracker.counts().values()) == 0  # nothing written yet

    confirmation = engine.accept(proposals[0].proposal_id)
    assert "goal" in confirmation
    assert [g.title for g in tracker.list_goals()] == ["run useful one-to-ones"]
    engine.reject(proposals[2].proposal_id)
    engine.accept(proposals[1].proposal_id)
    assert [p.name for p in tracker.list_partners()] == ["Priya Shah"]


def test_every_question_cites_its_guidance(chat: Chat, engine: GuidedEngine) -> None:
    run_goals(chat, engine)
    for turn in chat.turns[:-1]:
        citations = [e for e in turn if isinstance(e, CitationEvent)]
        assert citations, Chat.text(turn)
        for c in citations:
            assert c.title in Chat.text(turn)


def test_just_because_is_not_a_need(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.GOALS)
    chat.open()
    events = chat.say("Just because.")
    assert "because I should" in Chat.text(events)
    assert any(e.card_id == "define-your-need" for e in events if isinstance(e, CitationEvent))
    assert engine.snapshot()["flow"]["i"] == 0
    assert "(2/5)" in Chat.text(chat.say(NEED))


def test_need_cannot_be_skipped_but_gaps_can_and_back_returns(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.GOALS)
    chat.open()
    assert "cannot be skipped" in Chat.text(chat.say("skip"))
    chat.say(NEED)
    chat.say("run useful one-to-ones")
    assert "(4/5)" in Chat.text(chat.say("skip"))  # gaps skipped
    back = Chat.text(chat.say("back"))
    assert "(3/5)" in back
    assert "(2/5)" not in back
    assert "(4/5)" in Chat.text(chat.say("negotiating scope"))


def test_unknown_mentor_kind_is_asked_again(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.GOALS)
    chat.open()
    chat.say(NEED)
    chat.say("run useful one-to-ones")
    chat.say("skip")
    text = Chat.text(chat.say("wizard, 1"))
    assert 'didn\'t recognise "wizard"' in text
    assert "(5/5)" in Chat.text(chat.say("1"))  # 1 = developmental


def test_help_shows_a_hint(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.GOALS)
    chat.open()
    assert "concrete" in Chat.text(chat.say("help"))
    assert engine.snapshot()["flow"]["i"] == 0


def test_a_described_mentor_kind_is_kept_in_the_users_words(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.GOALS)
    chat.open()
    chat.say(NEED)
    chat.say("run useful one-to-ones")
    chat.say("skip")
    assert "(5/5)" in Chat.text(chat.say("someone who has made the same move, a few years ahead of me"))
    events = chat.say("Priya Shah")
    goal = next(e for e in events if isinstance(e, ProposedChange)).proposal.payload
    assert [str(k) for k in goal.mentor_kinds] == ["other"]
    assert "Mentor wanted: someone who has made the same move" in goal.why
    assert "other — someone who has made the same move" in Chat.text(events)
