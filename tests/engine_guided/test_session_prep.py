"""Prepare a session: agenda from the goal and open steps, send-ahead date, plan_session and agreement."""

from __future__ import annotations

import datetime as dt

import pytest
from guided_support import TODAY, Chat

from coach.engine.guided.engine import GuidedEngine
from coach.events import CitationEvent, CritiqueEvent, ProposedChange
from coach.skills import Skill
from coach.tracker import Tracker
from coach.tracker.proposals import propose_add_step, propose_record_goal, propose_record_partner


def seed(tracker: Tracker) -> None:
    tracker.apply(
        propose_record_goal(tracker, title="Lead the Q3 launch end to end", why="first launch as lead")
    )
    tracker.apply(propose_record_partner(tracker, name="Priya Shah", why_them="ran two launches"))
    partner = tracker.find_partner("Priya Shah")
    tracker.apply(
        propose_add_step(
            tracker, what="Draft the launch checklist", due=TODAY + dt.timedelta(days=5),
            done_when="checklist sent to Priya", partner_id=partner.id, today=TODAY,
        )
    )  # fmt: skip


def proposals(events: list) -> list[ProposedChange]:
    return [e for e in events if isinstance(e, ProposedChange)]


def test_regular_meeting_agenda_uses_goal_and_open_steps(
    chat: Chat, engine: GuidedEngine, tracker: Tracker
) -> None:
    seed(tracker)
    before = tracker.counts()
    engine.set_skill(Skill.SESSION_PREP)
    opening = Chat.text(chat.open())
    assert "Priya Shah" in opening  # known partners are offered
    chat.say("Priya")
    chat.say("no")
    chat.say("2026-12-10")
    chat.say("a view on whether to apply for the lead role")
    events = chat.say("How did you prepare for your first launch?\nWhat would you cut first?")
    text = Chat.text(events)
    assert "Lead the Q3 launch end to end" in text
    assert "Draft the launch checklist" in text and "overdue" not in text
    assert "How did you prepare for your first launch?" in text
    assert "by Tue 8 Dec 2026 (two days before)" in text
    assert any(isinstance(e, CitationEvent) for e in events)
    [session] = proposals(events)
    payload = session.proposal.payload
    assert session.proposal.kind == "plan_session"
    assert payload.date == dt.date(2026, 12, 10)
    assert payload.partner_id == tracker.find_partner("Priya Shah").id
    assert payload.questions == ["How did you prepare for your first launch?", "What would you cut first?"]
    assert tracker.counts() == before  # nothing written until accepted
    engine.accept(session.proposal_id)
    assert len(tracker.list_sessions()) == 1


def test_first_meeting_builds_the_relationship_and_proposes_the_agreement(
    chat: Chat, engine: GuidedEngine, tracker: Tracker
) -> None:
    seed(tracker)
    engine.set_skill(Skill.SESSION_PREP)
    chat.open()
    for answer in ("Priya Shah", "yes", "2026-12-03", "to agree how we'll work together", "skip", "monthly"):
        chat.say(answer)
    events = chat.say("a three-line email update the week before each meeting")
    text = Chat.text(events)
    assert "Get to know each other" in text and "accomplishments" in text
    assert "monthly" in text and "book the next two meetings" in text
    assert "(suggested" in text  # questions were skipped, so some are suggested
    kinds = [p.proposal.kind for p in proposals(events)]
    assert kinds == ["plan_session", "record_agreement"]
    agreement = proposals(events)[1].proposal.payload
    assert agreement.cadence == "monthly"
    assert agreement.between_meetings.startswith("a three-line email")
    assert agreement.next_meetings == [dt.date(2026, 12, 31), dt.date(2027, 1, 28)]
    assert {c.card_id for c in events if isinstance(c, CitationEvent)} >= {
        "first-meeting-relationship-building",
        "set-up-structure-at-once",
    }


def test_first_meeting_with_someone_new_proposes_the_partner_then_the_agreement(
    chat: Chat, engine: GuidedEngine, tracker: Tracker
) -> None:
    engine.set_skill(Skill.SESSION_PREP)
    chat.open()
    for answer in ("Alex Kim", "yes", "2026-12-03", "skip", "skip", "every other week"):
        chat.say(answer)
    events = chat.say("skip")
    kinds = [p.proposal.kind for p in proposals(events)]
    assert kinds == ["plan_session", "record_partner"]
    partner = proposals(events)[1]
    confirmation = engine.accept(partner.proposal_id)
    assert "agreement" in confirmation
    follow = chat.say("agreement")
    [agreement] = proposals(follow)
    assert agreement.proposal.kind == "record_agreement"
    assert agreement.proposal.payload.partner_id == tracker.find_partner("Alex Kim").id
    assert agreement.proposal.payload.next_meetings == [dt.date(2026, 12, 17), dt.date(2026, 12, 31)]


def test_vague_and_past_dates_are_asked_back(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.SESSION_PREP)
    chat.open()
    chat.say("Priya")
    chat.say("no")
    vague = Chat.text(chat.say("soon"))
    assert "not a specific day" in vague and "Which date" in vague
    past = Chat.text(chat.say("2026-11-01"))
    assert "already passed" in past and "Did you mean" in past
    assert "ask the user" not in vague + past  # the model-facing wording is turned to the person
    assert engine.snapshot()["flow"]["answers"].get("date") is None
    assert "(4/" in Chat.text(chat.say("next Thursday"))
    assert engine.snapshot()["flow"]["answers"]["date"] == "2026-12-03"


def test_yes_no_question_insists_on_an_answer(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.SESSION_PREP)
    chat.open()
    chat.say("Priya")
    assert "yes** or **no" in Chat.text(chat.say("maybe"))


def test_meeting_within_two_days_says_send_today(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.SESSION_PREP)
    chat.open()
    for answer in ("Priya", "no", "tomorrow", "skip"):
        chat.say(answer)
    assert "today — the meeting is close" in Chat.text(chat.say("skip"))


def test_overdue_steps_are_flagged_in_the_agenda(chat: Chat, engine: GuidedEngine, tracker: Tracker) -> None:
    seed(tracker)
    later = GuidedEngine(
        engine.settings, services=engine.services, today=lambda: TODAY + dt.timedelta(days=9)
    )
    later.set_skill(Skill.SESSION_PREP)
    chat = Chat(later)
    chat.open()
    for answer in ("Priya", "no", "2026-12-10", "skip"):
        chat.say(answer)
    assert "Draft the launch checklist (due Mon 30 Nov 2026; overdue" in Chat.text(chat.say("skip"))


def test_the_agenda_is_checked_by_the_judge(chat: Chat, engine: GuidedEngine, services) -> None:  # noqa: ANN001
    engine.set_skill(Skill.SESSION_PREP)
    chat.open()
    for answer in ("Priya", "no", "2026-12-10", "skip"):
        chat.say(answer)
    events = chat.say("skip")
    assert "Checked against" in Chat.text(events) and "no contradiction found" in Chat.text(events)

    class Objecting:
        """A judge that finds a contradiction: the coach must show it, not hide it."""

        def judge(self, text, skill, user="", own_words=False):  # noqa: ANN001, ANN202
            from guided_support import KeywordJudgement, KeywordResult

            problem = KeywordResult(
                "x", "Prepare an agenda", "violated", "high", "agenda", "missing", "add one"
            )
            return KeywordJudgement("contradicts", 0.2, [problem])

    services._judge = Objecting()
    chat.say("start over")
    for answer in ("Priya", "no", "2026-12-10", "skip"):
        chat.say(answer)
    events = chat.say("skip")
    [critique] = [e for e in events if isinstance(e, CritiqueEvent)]
    assert critique.subject == "advice"
    assert "may go against: Prepare an agenda" in Chat.text(events)


@pytest.mark.parametrize(
    ("answer", "first"),
    [("yes", True), ("it's our first", True), ("no", False), ("not the first, we met in May", False)],
)
def test_first_meeting_answers_in_plain_words(
    chat: Chat, engine: GuidedEngine, answer: str, first: bool
) -> None:
    engine.set_skill(Skill.SESSION_PREP)
    chat.open()
    chat.say("Priya")
    chat.say(answer)
    assert engine.snapshot()["flow"]["answers"]["first"] is first
