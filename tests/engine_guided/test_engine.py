"""The guided engine as a whole: protocol, input limits, hygiene, routing, LLM hint, resume, cancellation."""

from __future__ import annotations

import asyncio
import json

from guided_support import TODAY, Chat

from coach.engine.base import Engine, Resumable
from coach.engine.guided.engine import GuidedEngine
from coach.engine.guided.text import MAX_MESSAGE_CHARS
from coach.events import CitationEvent, CritiqueEvent, Done, ErrorEvent, TextDelta
from coach.skills import Skill


def test_implements_the_engine_protocols(engine: GuidedEngine) -> None:
    assert isinstance(engine, Engine)
    assert isinstance(engine, Resumable)
    assert engine.mode == "guided"
    assert engine.conversation_id == "test"


def test_opening_lists_skills_and_tells_how_to_switch_an_llm_on_once(chat: Chat) -> None:
    first = Chat.text(chat.open())
    for skill in Skill:
        assert skill.label in first
    assert "OPENAI_API_KEY" in first and "COACH_MODEL" in first
    later = Chat.text(chat.say("how do I take the lead in my mentoring relationship?"))
    assert "OPENAI_API_KEY" not in later


def test_llm_hint_is_given_on_the_first_turn_when_there_was_no_opening(chat: Chat) -> None:
    assert "OPENAI_API_KEY" in Chat.text(chat.say("menu"))
    assert "OPENAI_API_KEY" not in Chat.text(chat.say("menu"))


def test_empty_message_is_an_input_error_and_nothing_changes(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.GOALS)
    chat.open()
    before = engine.snapshot()
    for bad in ("", "   \n\t ", "\x1b[31m\x07"):
        events = chat.say(bad)
        assert isinstance(events[0], ErrorEvent) and events[0].kind == "input"
        assert "empty" in events[0].message
        assert isinstance(events[-1], Done) and len(events) == 2
    assert engine.snapshot() == before


def test_oversized_message_is_refused_with_the_limit(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.OUTREACH)
    chat.open()
    before = engine.snapshot()
    events = chat.say("x" * 100_000)
    assert isinstance(events[0], ErrorEvent) and events[0].kind == "input"
    assert f"{MAX_MESSAGE_CHARS:,}" in events[0].message and "100,000" in events[0].message
    assert engine.snapshot() == before


def test_escape_sequences_never_reach_the_output(chat: Chat) -> None:
    draft = (
        "Dear Ms Park,\x1b]0;pwned\x07\n\nI'm a designer \x1b[2J\x1b[31mand I loved your talk on "
        "accessible forms.\x9b6n Would you have 20 minutes for one question?\u202e\n\nBest,\nKim"
    )
    events = chat.say(draft)
    for event in events:
        for value in (
            vars(event).values()
            if hasattr(event, "__dict__")
            else [getattr(event, s) for s in event.__slots__]
        ):
            if isinstance(value, str):
                assert "\x1b" not in value and "\x07" not in value and "\x9b" not in value
                assert "\u202e" not in value
    assert "> I'm a designer and I loved your talk" in Chat.text(events)


def test_pasted_draft_is_routed_to_the_outreach_critique(chat: Chat, engine: GuidedEngine) -> None:
    events = chat.say(
        "Hi Dr Lee,\n\nI'm a junior developer and a big fan. Will you be my mentor? I'd like to meet "
        "weekly so you can guide my career.\n\nThanks,\nSam"
    )
    assert engine.skill is Skill.OUTREACH
    critiques = [e for e in events if isinstance(e, CritiqueEvent)]
    assert len(critiques) == 1 and critiques[0].subject == "draft" and critiques[0].attempt == 1
    assert any(isinstance(e, CitationEvent) for e in events)


def test_a_request_is_routed_to_the_matching_skill(chat: Chat, engine: GuidedEngine) -> None:
    text = Chat.text(
        chat.say("I have a meeting with my mentor on Friday, can you help me prepare an agenda?")
    )
    assert engine.skill is Skill.SESSION_PREP
    assert "Prepare a session" in text and "(1/" in text


def test_free_question_is_answered_from_cited_cards(chat: Chat, engine: GuidedEngine) -> None:
    events = chat.say("is it ok to have more than one mentor?")
    citations = [e for e in events if isinstance(e, CitationEvent)]
    assert citations, "a free answer must cite the guidance"
    text = Chat.text(events)
    for c in citations:
        assert c.title in text  # card titles are cited in the text too
        assert c.source  # and the article they paraphrase
    assert engine.skill is None


def test_menu_stop_and_switch(chat: Chat, engine: GuidedEngine) -> None:
    chat.say("switch to feedback")
    assert engine.skill is Skill.FEEDBACK
    text = Chat.text(chat.say("stop"))
    assert "Stopped" in text and engine.skill is None
    chat.say("5")  # a menu number when no question is waiting
    assert engine.skill is Skill.MENTOR_PRACTICE


def test_a_bare_skill_name_is_an_answer_while_a_question_waits(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.GOALS)
    chat.open()
    text = Chat.text(chat.say("feedback"))
    assert engine.skill is Skill.GOALS  # "feedback" was taken as (too short) an answer, not a switch
    assert "say a little more" in text


def test_snapshot_is_json_and_restores_mid_flow(services, engine: GuidedEngine) -> None:  # noqa: ANN001
    chat = Chat(engine)
    engine.set_skill(Skill.GOALS)
    chat.open()
    chat.say("I lead a team for the first time and my one-to-ones go nowhere; I want them to matter")
    state = json.loads(json.dumps(engine.snapshot()))
    resumed = GuidedEngine(services.settings, services=services, conversation_id="test", today=lambda: TODAY)
    resumed.restore(state)
    assert resumed.skill is Skill.GOALS
    text = Chat.text(Chat(resumed).say("back"))
    assert "(1/5)" in text and "one-to-ones go nowhere" in text  # the earlier answer was kept


def test_restore_tolerates_junk(engine: GuidedEngine) -> None:
    engine.restore({"skill": "no-such-skill", "flow": 3})
    assert engine.skill is None
    engine.restore({"skill": "feedback", "flow": {"flow": "goals"}})
    assert engine.skill is Skill.FEEDBACK
    assert engine.snapshot()["flow"]["flow"] == "feedback"
    engine.restore("nonsense")  # type: ignore[arg-type]


def test_cancelling_a_turn_leaves_the_conversation_as_it_was(engine: GuidedEngine) -> None:
    engine.set_skill(Skill.GOALS)
    Chat(engine).open()
    before = engine.snapshot()

    async def cancel_after_first_event() -> None:
        agen = engine.turn("I want to move into management within a year and don't know how")
        first = await agen.__anext__()
        assert isinstance(first, (TextDelta, CitationEvent))
        await agen.aclose()

    asyncio.run(cancel_after_first_event())
    assert engine.snapshot() == before


def test_a_question_about_a_skill_is_answered_and_the_skill_suggested(
    chat: Chat, engine: GuidedEngine
) -> None:
    events = chat.say("is feedback from a mentor always candid?")
    assert engine.skill is None  # answered, not pulled into an exercise
    text = Chat.text(events)
    assert any(isinstance(e, CitationEvent) for e in events)
    assert "Rehearse taking feedback" in text and 'type "feedback"' in text


def test_greetings_get_the_menu_not_a_search(chat: Chat, engine: GuidedEngine) -> None:
    events = chat.say("Hello!")
    assert not any(isinstance(e, CitationEvent) for e in events)
    assert "Rehearse taking feedback" in Chat.text(events)


def test_a_request_that_already_answers_questions_skips_them(chat: Chat, engine: GuidedEngine) -> None:
    text = Chat.text(chat.say("Help me prepare for my first meeting with Sam Ortiz next Tuesday"))
    assert engine.skill is Skill.SESSION_PREP
    assert "meeting with Sam Ortiz; a first meeting; Tue 1 Dec 2026" in text
    assert "What do you most want to come away with" in text
    answers = engine.snapshot()["flow"]["answers"]
    assert answers == {"partner": "Sam Ortiz", "first": True, "date": "2026-12-01"}
    back = Chat.text(chat.say("back"))
    assert "When is the meeting?" in back  # a prefilled answer can still be changed


def test_a_request_to_write_to_someone_starts_composing_for_them(chat: Chat, engine: GuidedEngine) -> None:
    text = Chat.text(chat.say("can you help me write to Dr Lee about her talk?"))
    assert engine.skill is Skill.OUTREACH
    assert "a first message to Dr Lee" in text and "who are you?" in text


def test_restoring_an_old_or_damaged_flow_state_still_works(chat: Chat, engine: GuidedEngine) -> None:
    engine.restore({"skill": "feedback", "flow": {"flow": "feedback", "phase": "choose", "scores": "junk"}})
    events = Chat(engine).say("2")
    assert "Morgan says" in Chat.text(events)
    assert not any(isinstance(e, ErrorEvent) for e in events)
    engine.restore({"skill": "mentor_practice", "flow": {"flow": "mentor_practice", "phase": "reply"}})
    events = Chat(engine).say("What is on your mind?")
    assert not any(isinstance(e, ErrorEvent) for e in events)
