"""Due dates: what people type is accepted; ambiguous, vague or past dates come back as questions."""

from __future__ import annotations

import datetime as dt

import pytest

from coach.tracker.dates import fmt, parse_due
from coach.tracker.errors import DateQuestion, ProposalError

WEDNESDAY = dt.date(2026, 11, 25)
FRIDAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-03", dt.date(2026, 12, 3)),
        ("by 2026-12-03", dt.date(2026, 12, 3)),
        ("next Friday", dt.date(2026, 12, 4)),
        ("Friday", dt.date(2026, 11, 27)),
        ("by friday", dt.date(2026, 11, 27)),
        ("in two weeks", dt.date(2026, 12, 9)),
        ("in 10 days", dt.date(2026, 12, 5)),
        ("tomorrow", dt.date(2026, 11, 26)),
        ("today", WEDNESDAY),
        ("Dec 3", dt.date(2026, 12, 3)),
        ("3rd of December", dt.date(2026, 12, 3)),
        ("3 December 2026", dt.date(2026, 12, 3)),
        ("Jan 15", dt.date(2027, 1, 15)),  # no year, and January has passed: next January
        ("25/12/2026", dt.date(2026, 12, 25)),  # day > 12: only one reading
        ("12/25", dt.date(2026, 12, 25)),
        ("end of month", dt.date(2026, 11, 30)),
        ("end of next month", dt.date(2026, 12, 31)),
    ],
)
def test_accepts_what_people_type(text: str, expected: dt.date) -> None:
    assert parse_due(text, today=WEDNESDAY) == expected


def test_accepts_a_date_object_and_is_a_proposal_error() -> None:
    assert parse_due(dt.date(2026, 12, 1), today=WEDNESDAY) == dt.date(2026, 12, 1)
    assert issubclass(DateQuestion, ProposalError)


def test_day_month_order_ambiguity_is_a_question_with_both_readings() -> None:
    with pytest.raises(DateQuestion) as err:
        parse_due("3/4/2027", today=WEDNESDAY)
    assert set(err.value.candidates) == {dt.date(2027, 4, 3), dt.date(2027, 3, 4)}
    assert "3 Apr 2027" in err.value.question and "4 Mar 2027" in err.value.question


def test_weekday_said_on_that_weekday_asks_today_or_next_week() -> None:
    with pytest.raises(DateQuestion) as err:
        parse_due("Friday", today=FRIDAY)
    assert err.value.candidates == (FRIDAY, FRIDAY + dt.timedelta(days=7))
    assert "today" in err.value.question


@pytest.mark.parametrize("text", ["next month", "next week", "soon", "sometime", "in a few weeks", "ASAP"])
def test_vague_periods_are_questioned(text: str) -> None:
    with pytest.raises(DateQuestion, match="not a specific day"):
        parse_due(text, today=WEDNESDAY)


def test_past_date_is_questioned_with_a_future_suggestion() -> None:
    with pytest.raises(DateQuestion) as err:
        parse_due("2025-01-01", today=WEDNESDAY)
    assert "has already passed" in err.value.question
    (suggestion,) = err.value.candidates
    assert suggestion == dt.date(2027, 1, 1) and suggestion > WEDNESDAY


@pytest.mark.parametrize("text", ["20 Nov", "20/11", "Nov 20th"])
def test_recently_passed_day_without_year_is_not_rolled_a_year_on_silently(text: str) -> None:
    with pytest.raises(DateQuestion, match="already passed") as err:
        parse_due(text, today=WEDNESDAY)
    assert err.value.candidates == (dt.date(2027, 11, 20),)


@pytest.mark.parametrize("text", ["2026-02-30", "13/13/2026"])
def test_impossible_dates_are_rejected(text: str) -> None:
    with pytest.raises(DateQuestion, match="not a real date"):
        parse_due(text, today=WEDNESDAY)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_missing_date_says_so(text: str | None) -> None:
    with pytest.raises(DateQuestion, match="missing"):
        parse_due(text, today=WEDNESDAY)


@pytest.mark.parametrize("text", ["blah", "when the moon is blue", "x" * 500])
def test_unreadable_text_is_a_question_not_a_guess(text: str) -> None:
    with pytest.raises(DateQuestion):
        parse_due(text, today=WEDNESDAY)


def test_two_dates_in_one_answer_are_questioned() -> None:
    with pytest.raises(DateQuestion, match="more than one date"):
        parse_due("next friday or saturday", today=WEDNESDAY)


def test_partial_match_with_leftover_words_is_questioned() -> None:
    with pytest.raises(DateQuestion, match="unclear"):
        parse_due("friday after the offsite", today=WEDNESDAY)


def test_fmt_shows_the_weekday() -> None:
    assert fmt(dt.date(2026, 12, 4)) == "Fri 4 Dec 2026"


def test_today_defaults_to_the_real_date() -> None:
    assert parse_due("tomorrow") == dt.date.today() + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yesterday", dt.date(2026, 11, 24)),
        ("2026-11-02", dt.date(2026, 11, 2)),
        ("20 Nov", dt.date(2026, 11, 20)),  # the nearest 20 Nov, not next year's
        ("20/11", dt.date(2026, 11, 20)),
        ("next Friday", dt.date(2026, 12, 4)),
    ],
)
def test_allow_past_accepts_days_that_have_happened(text: str, expected: dt.date) -> None:
    assert parse_due(text, today=WEDNESDAY, allow_past=True) == expected


def test_allow_past_still_questions_ambiguity() -> None:
    with pytest.raises(DateQuestion):
        parse_due("3/4/2026", today=WEDNESDAY, allow_past=True)


def test_relative_periods_across_the_new_year_are_not_mistaken_for_past_days() -> None:
    assert parse_due("in 11 months", today=dt.date(2026, 12, 1)) == dt.date(2027, 11, 1)
