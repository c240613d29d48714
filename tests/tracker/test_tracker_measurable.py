"""A next step's "done when" must be checkable; the message says why when it is not."""

from __future__ import annotations

import pytest

from coach.tracker.measurable import measurability_problem


@pytest.mark.parametrize(
    "done_when",
    [
        "email sent",
        "draft sent to Sam",
        "3 people contacted",
        "a list of five possible mentors",
        "one-page plan written",
        "portfolio updated",
        "meeting booked for January",
        "CV shared with Ana",
        "mentor list",
        "read chapter 3",
        "coffee with Priya on the calendar",
        "blog post published",
        "application submitted",
    ],
)
def test_checkable_results_pass(done_when: str) -> None:
    assert measurability_problem(done_when) is None


@pytest.mark.parametrize(
    "done_when",
    [
        "feel more confident",
        "better at networking",
        "improve my presentation skills",
        "understand the promotion process",
        "work on my leadership",
        "more motivated",
        "feel ready for the demo",  # an artefact does not rescue a feeling
        "think about it",
    ],
)
def test_vague_results_are_rejected_with_a_reason(done_when: str) -> None:
    problem = measurability_problem(done_when)
    assert problem is not None
    assert "not measurable" in problem and "ask the user" in problem
    assert "e.g." in problem  # offers examples of what would count


def test_empty_result_says_it_is_missing() -> None:
    problem = measurability_problem("   ")
    assert problem is not None and "missing" in problem


@pytest.mark.parametrize("done_when", ["done", "Finished", "it is complete", "task completed"])
def test_results_that_only_restate_finished_are_rejected(done_when: str) -> None:
    problem = measurability_problem(done_when)
    assert problem is not None and "only says the step will be finished" in problem
