"""Feedback rehearsal and mentor practice: scored replies, attempts, score movement, rule-driven protégé."""

from __future__ import annotations

from guided_support import Chat, RecordingJudge

from coach.engine.guided.engine import GuidedEngine
from coach.engine.guided.scenarios import feedback_scenarios, protege_personas
from coach.events import CitationEvent, CritiqueEvent
from coach.skills import Skill

DEFENSIVE = "But that's not fair, Lee was rambling and we were running out of time."
STRONG = (
    "Thank you for telling me, that's hard to hear but useful. Could you give me an example of a moment that "
    "stood out? In Thursday's meeting I'll ask the others for their view before I give mine."
)


def critique(events: list) -> CritiqueEvent:
    [event] = [e for e in events if isinstance(e, CritiqueEvent)]
    return event


def test_feedback_rehearsal_scores_replies_and_the_score_moves(chat: Chat, engine: GuidedEngine) -> None:
    engine.services._judge = judge = RecordingJudge(engine.services.judge)
    engine.set_skill(Skill.FEEDBACK)
    opening = Chat.text(chat.open())
    for scenario in feedback_scenarios():
        assert scenario.title in opening
    delivered = Chat.text(chat.say("1"))
    scenario = feedback_scenarios()[0]
    assert scenario.situation in delivered and scenario.feedback[1] in delivered
    first = chat.say(DEFENSIVE)
    c1 = critique(first)
    assert c1.subject == "rehearsal_reply" and c1.attempt == 1 and c1.previous_score is None
    text1 = Chat.text(first)
    assert DEFENSIVE in text1  # evidence quoted from the user's own words
    assert scenario.better_reply in text1  # a better reply is shown
    assert any(isinstance(e, CitationEvent) for e in first)
    assert "Again, from the top" in Chat.text(chat.say("again"))
    second = chat.say(STRONG)
    c2 = critique(second)
    assert c2.attempt == 2 and c2.previous_score == c1.judgement.score
    assert c2.judgement.score > c1.judgement.score
    summary = Chat.text(chat.say("done"))
    assert f"first {round(c1.judgement.score * 100)}/100" in summary
    assert f"best {round(c2.judgement.score * 100)}/100" in summary and "2 attempt(s)" in summary
    # rehearsal replies are the user's own words, not advice: the judge is told so
    assert judge.own_words == [True, True]


def test_rehearse_your_own_situation(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.FEEDBACK)
    chat.open()
    assert "situation" in Chat.text(chat.say("own"))
    chat.say("My mentor Jo reviewed my conference talk draft")
    delivered = Chat.text(chat.say("The talk has no clear message and runs ten minutes over."))
    assert "The talk has no clear message" in delivered and "My mentor Jo reviewed" in delivered
    events = chat.say(STRONG)
    assert critique(events).attempt == 1


def test_a_too_short_reply_is_not_scored_and_bad_choice_is_asked_again(
    chat: Chat, engine: GuidedEngine
) -> None:
    engine.set_skill(Skill.FEEDBACK)
    chat.open()
    assert "choose a number from 1 to" in Chat.text(chat.say("42"))
    chat.say("2")
    events = chat.say("ok")
    assert not any(isinstance(e, CritiqueEvent) for e in events)
    assert "very short" in Chat.text(events)
    skipped = Chat.text(chat.say("skip"))
    assert feedback_scenarios()[1].better_reply in skipped


def test_next_scenario_resets_the_attempts(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.FEEDBACK)
    chat.open()
    chat.say("1")
    chat.say(DEFENSIVE)
    chat.say("next")
    chat.say("3")
    assert critique(chat.say(STRONG)).attempt == 1


def test_mentor_practice_protege_reacts_to_questions_and_scores_move(
    chat: Chat, engine: GuidedEngine
) -> None:
    engine.services._judge = judge = RecordingJudge(engine.services.judge)
    engine.set_skill(Skill.MENTOR_PRACTICE)
    chat.open()
    persona = protege_personas()[0]
    assert persona.opening in Chat.text(chat.say("1"))
    told = chat.say("You need to delegate more. Stop taking work back and let them make mistakes.")
    told_text = Chat.text(told)
    assert persona.when_told[0] in told_text and "didn't ask a question" in told_text
    asked = chat.say("What happens when you delegate a task — what makes you take it back?")
    assert persona.opens_up[0] in Chat.text(asked)
    c1, c2 = critique(told), critique(asked)
    assert (c1.attempt, c2.attempt) == (1, 2) and c2.previous_score == c1.judgement.score
    assert c2.judgement.score > c1.judgement.score
    assert judge.own_words == [True, True]
    confided = chat.say("And what would you like your team to look like in three months?")
    assert persona.opens_up[1] in Chat.text(confided)  # the confidential line
    relieved = chat.say("That stays between us. What would help you most right now?")
    assert persona.when_confidential in Chat.text(relieved)
    planned = chat.say("Let's build a plan together — which step would you like to try first?")
    assert persona.when_plan in Chat.text(planned)
    summary = Chat.text(chat.say("done"))
    assert "over 5 replies" in summary
    for move in persona.strong_mentor_moves:
        assert move in summary


def test_mentor_practice_dwelling_on_the_past_gets_the_past_reply(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.MENTOR_PRACTICE)
    chat.open()
    chat.say("maya")
    persona = protege_personas()[1]
    assert persona.when_past in Chat.text(chat.say("You should have built a portfolio before you quit."))


def test_practice_is_deterministic(engine: GuidedEngine, services) -> None:  # noqa: ANN001
    from guided_support import TODAY

    replies = [
        "2",
        "Have you tried contributing to open source?",
        "Tell me more about the portfolio.",
        "done",
    ]

    def run() -> list[str]:
        e = GuidedEngine(services.settings, services=services, conversation_id="x", today=lambda: TODAY)
        e.set_skill(Skill.MENTOR_PRACTICE)
        c = Chat(e)
        c.open()
        return [Chat.text(c.say(r)) for r in replies]

    assert run() == run()


def test_the_mentor_answers_in_character(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.FEEDBACK)
    chat.open()
    chat.say("5")
    scenario = feedback_scenarios()[4]
    assert scenario.when_defensive in Chat.text(
        chat.say("But I only explain because they misread the design.")
    )
    assert scenario.example in Chat.text(chat.say("Could you point me to one thread where I did it?"))
    closing = Chat.text(
        chat.say("Thank you, that helps. I'll reply with a question first for the next month.")
    )
    assert scenario.closing in closing
    assert closing.index(scenario.closing) < closing.index("Attempt 3")  # in the room first, then the score


def test_but_inside_a_sentence_is_not_read_as_defensive(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.FEEDBACK)
    chat.open()
    chat.say("1")
    text = Chat.text(chat.say(STRONG))  # "that's hard to hear but useful"
    assert feedback_scenarios()[0].when_defensive not in text
    assert feedback_scenarios()[0].example in text  # it asked for an example
