"""Exports: the ICS file parses with the icalendar package, whatever the step text contains."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from icalendar import Calendar
from tracker_helpers import TODAY, make_tracker

from coach.tracker import Tracker
from coach.tracker import proposals as P
from coach.tracker.export import FORMATS, export, to_ics


@pytest.fixture
def tracker(tmp_path: Path) -> Tracker:
    t = make_tracker(tmp_path / "tracker.db")
    yield t
    t.close()


TRICKY = [
    "Send Sam; the CV, and \\ the portfolio",
    "Prépare l'entretien avec Zoë — 面接の準備 " * 4,  # multi-byte text longer than a folded line
    "Line one\nline two",
    "x" * 400,
]


def test_ics_round_trips_tricky_text_and_folds_lines(tracker: Tracker) -> None:
    for n, what in enumerate(TRICKY):
        due = TODAY + dt.timedelta(days=n + 1)
        tracker.apply(P.propose_add_step(tracker, what=what, due=due, done_when="3 notes sent, one; two"))
    text = to_ics(tracker)
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    events = list(Calendar.from_ical(text).walk("VEVENT"))
    assert len(events) == len(TRICKY)
    cleaned = [" ".join(w.split()) if "\n" not in w else w for w in TRICKY]
    for n, (event, what) in enumerate(zip(events, cleaned, strict=True)):
        assert str(event["summary"]) == "Next step: " + what.strip()
        assert event.decoded("dtstart") == TODAY + dt.timedelta(days=n + 1)
        assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(days=1)
        assert str(event["description"]).startswith("Done when: 3 notes sent, one; two\n")


def test_ics_leaves_out_done_and_dropped_steps_and_marks_mentor_steps(tracker: Tracker) -> None:
    for what, owner in (
        ("Mine", "protege"),
        ("Theirs", "mentor"),
        ("Finished", "protege"),
        ("Gone", "protege"),
    ):
        tracker.apply(
            P.propose_add_step(tracker, what=what, owner=owner, due="2026-12-04", done_when="x sent")
        )
    tracker.apply(P.propose_complete_step(tracker, 3))
    tracker.apply(P.propose_drop_step(tracker, 4))
    summaries = [str(e["summary"]) for e in Calendar.from_ical(to_ics(tracker)).walk("VEVENT")]
    assert summaries == ["Next step: Mine", "Mentor's step: Theirs"]


def test_json_export_has_every_record_and_every_draft_version(tracker: Tracker) -> None:
    tracker.apply(P.propose_record_goal(tracker, title="Lead a project", why="staff role"))
    tracker.apply(P.propose_save_draft(tracker, name="intro", body="v1"))
    tracker.apply(P.propose_save_draft(tracker, name="intro", body="v2"))
    data = json.loads(export(tracker, "json"))
    assert data["goals"][0]["title"] == "Lead a project"
    assert [d["version"] for d in data["drafts"]] == [1, 2]


def test_unknown_format_names_the_choices(tracker: Tracker) -> None:
    with pytest.raises(ValueError, match="md, ics, csv, json"):
        export(tracker, "pdf")
    assert FORMATS == ("md", "ics", "csv", "json")
