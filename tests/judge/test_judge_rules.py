"""The rule judge: stance and negation, evidence, scores, and bad input."""

from __future__ import annotations

import pytest

from coach.judge import JudgeInputError, RuleJudge, load_rubric


@pytest.fixture(scope="module")
def judge() -> RuleJudge:
    return RuleJudge(load_rubric(), classifier=None)  # these tests pin down the rules themselves


def statuses(judgement) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {p.principle_id: p.status for p in judgement.applicable}


@pytest.mark.parametrize(
    ("skill", "advice", "principle", "status"),
    [
        # Negating the warned-against behaviour honours the principle.
        ("outreach", "Don't lead with 'will you be my mentor?'", "no-mentor-proposal", "honoured"),
        ("outreach", "Would you be my mentor?", "no-mentor-proposal", "violated"),
        ("feedback", "Avoid getting defensive when she explains.", "receive-feedback-openly", "honoured"),
        ("feedback", "Push back and defend yourself.", "receive-feedback-openly", "violated"),
        # Negating the recommended behaviour violates it.
        ("session_prep", "There's no need for an agenda.", "prepare-and-share-agenda", "violated"),
        ("session_prep", "Send a short agenda the day before.", "prepare-and-share-agenda", "honoured"),
        ("session_prep", "An agenda is overkill for a coffee.", "prepare-and-share-agenda", "violated"),
        # Double negation.
        ("session_prep", "Don't skip the agenda.", "prepare-and-share-agenda", "honoured"),
        # A leading condition describes a situation and recommends nothing.
        ("feedback", "If you overreact, the mentor stops being candid.", "receive-feedback-openly", None),
        # Deferred asks are what the guidance recommends.
        (
            "outreach",
            "Once you've met a few times, ask if she'd be your mentor.",
            "no-mentor-proposal",
            "honoured",
        ),
        ("outreach", "In the first email, ask if she'd be your mentor.", "no-mentor-proposal", "violated"),
        # "To be honest" is an aside, not advice about honesty.
        ("session_prep", "To be honest, I wouldn't worry about it.", "be-authentic", None),
    ],
)
def test_stance(judge: RuleJudge, skill: str, advice: str, principle: str, status: str | None) -> None:
    assert statuses(judge.judge(advice, skill)).get(principle) == status


def test_polite_contradiction_is_caught(judge: RuleJudge) -> None:
    advice = (
        "That's a lovely idea, and I completely understand the instinct. I'd gently suggest keeping the next "
        "steps open-ended for now, so nobody feels boxed in by dates."
    )
    result = judge.judge(advice, "next_steps")
    assert result.verdict == "contradicts"
    violated = result.violated[0]
    assert violated.principle_id == "steps-deadline-measurable"
    assert "open-ended" in violated.evidence
    assert violated.better and violated.reason


def test_evidence_is_a_span_of_the_advice_and_aligned_scores_higher(judge: RuleJudge) -> None:
    good = judge.judge("Thank you for being straight with me. Could you give me an example?", "feedback")
    bad = judge.judge("That's not fair; everyone else does the same.", "feedback")
    assert good.verdict == "aligned" and bad.verdict == "contradicts"
    assert good.score > 0.5 > bad.score
    for result, text in (
        (good, "Thank you for being straight with me. Could you give me an example?"),
        (bad, "That's not fair; everyone else does the same."),
    ):
        for p in result.applicable:
            assert p.evidence and p.evidence in text


def test_only_the_skills_principles_are_listed(judge: RuleJudge) -> None:
    result = judge.judge("Ask open questions.", "mentor_practice")
    rubric = load_rubric()
    assert {p.principle_id for p in result.principles} == {p.id for p in rubric.for_skill("mentor_practice")}


def test_approving_a_quoted_draft_inherits_its_problems(judge: RuleJudge) -> None:
    user = "My draft: 'Dear Dr Osei, I admire your research. Would you be my mentor?'"
    approving = judge.judge("Looks great, send it as it is.", "outreach", user)
    assert approving.verdict == "contradicts"
    assert approving.violated[0].principle_id == "no-mentor-proposal"
    editing = judge.judge("It's warm, but replace the last line with one small question.", "outreach", user)
    assert "no-mentor-proposal" not in statuses(editing)


def test_mentor_reply_with_no_question_is_telling(judge: RuleJudge) -> None:
    result = judge.judge("Apply for it. Update your CV tonight and send it tomorrow.", "mentor_practice")
    assert statuses(result)["ask-dont-tell"] == "violated"
    asked = judge.judge("What draws you to it?", "mentor_practice")
    assert statuses(asked)["ask-dont-tell"] == "honoured"


def test_deterministic_and_escape_sequences_never_reach_evidence(judge: RuleJudge) -> None:
    advice = "\x1b[31mThere's no need for an agenda\x1b[0m\x07 at all."
    first, second = judge.judge(advice, "session_prep"), judge.judge(advice, "session_prep")
    assert first == second
    evidence = first.violated[0].evidence
    assert "\x1b" not in evidence and "\x07" not in evidence and "no need for an agenda" in evidence


def test_bad_input_gets_a_clear_error(judge: RuleJudge) -> None:
    with pytest.raises(JudgeInputError, match="empty"):
        judge.judge("   \n", "goals")
    with pytest.raises(JudgeInputError, match="up to"):
        judge.judge("word " * 30_000, "goals")
    with pytest.raises(JudgeInputError, match="must be text"):
        judge.judge(b"bytes", "goals")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown skill"):
        judge.judge("Send an agenda.", "juggling")


def test_unicode_and_accents_are_handled(judge: RuleJudge) -> None:
    result = judge.judge("Ask your protégé what they think — don’t hand them the answer.", "mentor_practice")
    assert statuses(result)["ask-dont-tell"] == "honoured"
    assert result.verdict == "aligned"


def test_texts_no_principle_covers_are_decided_by_tone(judge: RuleJudge) -> None:
    constructive = judge.judge("Could we look at the numbers by Friday?", "goals")
    neutral = judge.judge("The weather was grey in Leeds.", "goals")
    dismissive = judge.judge("Whatever, it's fine, never mind.", "goals")
    for result in (constructive, neutral, dismissive):
        assert not result.applicable
        assert "no guidance principle clearly applies" in result.summary()
    assert constructive.verdict == "aligned"
    assert neutral.verdict == dismissive.verdict == "contradicts"
    assert constructive.score > neutral.score > dismissive.score


def test_tone_is_weighed_not_vetoed_by_one_dismissive_word(judge: RuleJudge) -> None:
    # Cues are counted: one "just" in an otherwise constructive reply does not make it dismissive...
    friendly = judge.judge(
        "Could you look at the sales figures from this week? Then just compare them with Sam's by Friday.",
        "goals",
    )
    assert not friendly.applicable and friendly.verdict == "aligned"
    # ...while a reply that is mostly dismissive stays unconfirmed even with a question in it.
    curt = judge.judge("Whatever. Never mind, just skip it, it's fine, nothing matters?", "goals")
    assert not curt.applicable and curt.verdict == "contradicts"


def test_object_it_stands_for_the_thing_named_before(judge: RuleJudge) -> None:
    # "it" is read as the agenda named earlier, so the negation in the second clause reaches the agenda.
    # (Without that, only "jot down an agenda" matches and the dismissal is missed.)
    dropped = judge.judge(
        "You could jot down an agenda. Honestly, emailing it over first is pointless.", "session_prep"
    )
    violated = {p.principle_id: p for p in dropped.violated}
    assert "prepare-and-share-agenda" in violated
    # Evidence is still quoted from the text as written.
    assert violated["prepare-and-share-agenda"].evidence == "emailing it over first is pointless."
    kept = judge.judge("Write a short agenda and send it to her the day before.", "session_prep")
    assert "prepare-and-share-agenda" in {p.principle_id for p in kept.honoured}
    # Nothing named before: "it" stays "it" and no principle is invented.
    assert not judge.judge("Send it whenever you like.", "session_prep").violated
