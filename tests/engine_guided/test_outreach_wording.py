"""The composed outreach draft reads as a message to the person, whatever form the user's answers take."""

from __future__ import annotations

import pytest

from coach.engine.guided.flows.outreach import _admire_line, _ask_line, _question_line, _subject
from coach.engine.guided.text import to_second_person


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("Her talk on pricing", "Your talk on pricing"),
        ("how did he get his first team to trust him?", "how did you get your first team to trust you?"),
        ("Is she open to a call?", "Are you open to a call?"),
        ("She's written about hiring", "You've written about hiring"),
        ("she's the best speaker I know", "you're the best speaker I know"),
        ("I met her at a meetup", "I met you at a meetup"),
        ("Your article on pricing", "Your article on pricing"),
        ("the theme of their keynote", "the theme of their keynote"),  # "their" may be a team: left alone
    ],
)
def test_recipient_is_addressed_directly(said: str, written: str) -> None:
    assert to_second_person(said) == written


def test_an_admiration_that_is_a_sentence_stays_a_sentence() -> None:
    line = _admire_line("Her talk on design critiques at Config changed how I run reviews", "[x]")
    assert line == "Your talk on design critiques at Config changed how I run reviews."


def test_an_admired_thing_is_slotted_into_the_template() -> None:
    assert _admire_line("her talk on distributed systems", "[x]") == (
        "I particularly admired your talk on distributed systems."
    )


def test_a_timed_ask_is_not_timed_twice() -> None:
    assert "next month?" in _ask_line("a 20-minute call next month")
    assert "next few weeks" not in _ask_line("a 20-minute call next month")
    assert "in the next few weeks" in _ask_line("a 20-minute call")


def test_question_and_subject_address_the_recipient() -> None:
    assert "How did you get" in _question_line("How did she get her team to trust her", "[q]")
    assert _subject("Her talk on design critiques, which changed a lot", None) == (
        "Question about your talk on design critiques"
    )
