"""Draft outreach: compose from answers (the judge passes it), critique pasted drafts (the score moves),
save drafts as versions."""

from __future__ import annotations

from guided_support import Chat, RecordingJudge

from coach.engine.guided.engine import GuidedEngine
from coach.events import CitationEvent, CritiqueEvent, ProposedChange
from coach.skills import Skill
from coach.tracker import Tracker

BAD_DRAFT = (
    "Hi Dr Lee,\n\nI am a junior developer and I have followed your career for years. You are amazing. "
    "Will you be my mentor? I need someone to guide my career and teach me everything you know."
    "\n\nThanks,\nSam"
)
BETTER_DRAFT = (
    "Hi Dr Lee,\n\nI'm a junior developer working on payments. Your talk on idempotency keys changed how our "
    "team handles retries. Would you have 20 minutes in the next few weeks for one question about how you "
    "decide when to split a service? Happy to share what we learned from our retry incident in return.\n\n"
    "Thanks,\nSam"
)


def compose(chat: Chat, engine: GuidedEngine) -> list:
    engine.set_skill(Skill.OUTREACH)
    chat.open()
    chat.say("compose")
    chat.say("Dr. Amara Osei, head of data at Northwind")
    chat.say("I'm a second-year analyst moving towards a data science role")
    chat.say("your talk at PyData on forecasting with sparse data, especially the part on honest error bars")
    chat.say("How did you decide which forecasting problems were worth automating?")
    chat.say("a 20-minute call")
    return chat.say("share my notes from the sparse-data project")


def test_composed_draft_follows_the_guidance_and_passes_the_judge(
    chat: Chat, engine: GuidedEngine, tracker: Tracker
) -> None:
    events = compose(chat, engine)
    text = Chat.text(events)
    assert "Dear Dr. Amara Osei," in text
    assert "honest error bars" in text and "worth automating?" in text
    assert "20-minute call" in text and "share my notes" in text
    assert "be my mentor" not in text.split("```")[1].lower()
    critique = next(e for e in events if isinstance(e, CritiqueEvent))
    assert critique.subject == "draft" and critique.attempt == 1 and critique.previous_score is None
    assert critique.judgement.verdict == "aligned"
    assert not [p for p in critique.judgement.principles if p.status == "violated"]
    assert any(isinstance(e, CitationEvent) for e in events)
    save = next(e for e in events if isinstance(e, ProposedChange))
    assert save.proposal.kind == "save_draft"
    assert save.proposal.payload.subject.startswith("Question about your talk at PyData")
    assert tracker.counts()["drafts"] == 0
    engine.accept(save.proposal_id)
    drafts = tracker.draft_versions("outreach-to-dr-amara-osei")
    assert [d.version for d in drafts] == [1]
    assert "honest error bars" in drafts[0].body


def test_asking_them_to_be_my_mentor_is_redirected_to_a_small_ask(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.OUTREACH)
    chat.open()
    for answer in (
        "compose",
        "Sam Lee",
        "skip",
        "your book on platform teams, the chapter on team APIs",
        "skip",
    ):
        chat.say(answer)
    events = chat.say("Will you be my mentor?")
    text = Chat.text(events)
    assert "first date" in text and "What small thing" in text
    assert any(
        e.card_id == "dont-lead-with-will-you-be-my-mentor" for e in events if isinstance(e, CitationEvent)
    )
    assert "(6/6)" in Chat.text(chat.say("advice on one question by email"))


def test_vague_admiration_is_questioned(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.OUTREACH)
    chat.open()
    for answer in ("compose", "Sam Lee", "skip"):
        chat.say(answer)
    assert "a little general" in Chat.text(chat.say("your work"))


def test_skipped_answers_leave_visible_placeholders(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.OUTREACH)
    chat.open()
    for answer in (
        "compose",
        "Sam Lee",
        "skip",
        "your book on platform teams and its chapter on team APIs",
        "skip",
    ):
        chat.say(answer)
    chat.say("a 20-minute call")
    text = Chat.text(chat.say("skip"))
    assert "[one line on who you are" in text and "[one specific question]" in text


def test_pasted_draft_is_critiqued_and_the_score_moves_when_it_improves(
    chat: Chat, engine: GuidedEngine, tracker: Tracker
) -> None:
    engine.services._judge = judge = RecordingJudge(engine.services.judge)
    engine.set_skill(Skill.OUTREACH)
    chat.open()
    first = chat.say(BAD_DRAFT)
    second = chat.say(BETTER_DRAFT)
    c1 = next(e for e in first if isinstance(e, CritiqueEvent))
    c2 = next(e for e in second if isinstance(e, CritiqueEvent))
    assert (c1.attempt, c2.attempt) == (1, 2)
    assert c2.previous_score == c1.judgement.score
    assert c2.judgement.score > c1.judgement.score
    text1 = Chat.text(first)
    violated = [p for p in c1.judgement.principles if p.status == "violated"]
    assert violated, "the mentor ask must be flagged"
    for p in violated:
        assert p.title in text1
        if p.better:
            assert "Better:" in text1
    assert "Will you be my mentor?" in text1  # the evidence is quoted from the user's own words
    assert any(isinstance(e, CitationEvent) for e in first)
    assert "was " in Chat.text(second)  # the change is shown
    assert judge.own_words == [True, True]  # a draft is the user's, not advice
    # each critique offers to save a version; accepting both keeps two versions
    saves = [e for turn in (first, second) for e in turn if isinstance(e, ProposedChange)]
    engine.accept(saves[0].proposal_id)
    second_save = next(
        e for e in chat.say(BETTER_DRAFT.replace("20 minutes", "15 minutes")) if isinstance(e, ProposedChange)
    )
    engine.accept(second_save.proposal_id)
    assert [d.version for d in tracker.draft_versions("outreach-to-dr-lee")] == [1, 2]


def test_short_text_is_not_mistaken_for_a_draft(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.OUTREACH)
    chat.open()
    chat.say("critique")
    events = chat.say("Hi, can we chat?")
    assert "too short" in Chat.text(events)
    assert not any(isinstance(e, CritiqueEvent) for e in events)


def test_judge_failure_keeps_the_draft_and_says_so(chat: Chat, engine: GuidedEngine, services) -> None:  # noqa: ANN001
    class Broken:
        def judge(self, text, skill, user="", own_words=False):  # noqa: ANN001, ANN202
            raise RuntimeError("rubric unreadable")

    services._judge = Broken()
    engine.set_skill(Skill.OUTREACH)
    chat.open()
    text = Chat.text(chat.say(BAD_DRAFT))
    assert "couldn't check the draft (rubric unreadable)" in text


def test_message_anatomy_checks_are_shown_with_better_alternatives(chat: Chat, engine: GuidedEngine) -> None:
    composed = Chat.text(compose(chat, engine))
    anatomy = composed.split("Message anatomy:")[1]
    assert "✗" not in anatomy.split("Accept the proposal")[0]  # the composed draft passes every check
    pasted = chat.say(BAD_DRAFT)
    text = Chat.text(pasted).split("Message anatomy:")[1]
    assert "✗ Names something specific of theirs" in text and "✗ Offers something back" in text
    assert "✓ Greets them by name" in text and "Better: Mention one thing" in text
    cited = {e.card_id for e in pasted if isinstance(e, CitationEvent)}
    assert {"test-rapport-informally", "you-bring-a-perspective-too"} <= cited


def test_back_after_a_composed_draft_keeps_the_answers(chat: Chat, engine: GuidedEngine) -> None:
    compose(chat, engine)
    back = Chat.text(chat.say("back"))
    assert "(6/6)" in back and "share my notes" in back
    redone = Chat.text(chat.say("an introduction to our data platform team"))
    assert "introduction to our data platform team" in redone and "honest error bars" in redone


def test_asking_for_a_suggestion_gets_a_hint_not_a_draft_line(chat: Chat, engine: GuidedEngine) -> None:
    engine.set_skill(Skill.OUTREACH)
    chat.open()
    for answer in (
        "compose",
        "Sam Lee",
        "skip",
        "your book on platform teams, the chapter on team APIs",
        "skip",
    ):
        chat.say(answer)
    text = Chat.text(chat.say("what do you suggest?"))
    assert "Small asks are easy to say yes to" in text
    assert engine.snapshot()["flow"]["i"] == 4  # still on the ask question


def test_a_question_for_the_mentor_is_an_answer_not_a_request_for_help(
    chat: Chat, engine: GuidedEngine
) -> None:
    engine.set_skill(Skill.OUTREACH)
    chat.open()
    for answer in ("compose", "Sam Lee", "skip", "your book on platform teams, the chapter on team APIs"):
        chat.say(answer)
    chat.say("What would you suggest I read first?")
    assert engine.snapshot()["flow"]["answers"]["question"] == "What would you suggest I read first?"
