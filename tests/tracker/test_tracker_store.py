"""The store: proposals are the only write path, every change is recorded, undo reverts it."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from tracker_helpers import TODAY, add_step, make_tracker

from coach.db import DatabaseError
from coach.tracker import Draft, Goal, NextStep, Partner, Session, Tracker
from coach.tracker import proposals as P
from coach.tracker.errors import NotFound, ProposalError, StaleProposal
from coach.tracker.schema import MIGRATIONS


@pytest.fixture
def tracker(tmp_path: Path) -> Tracker:
    t = make_tracker(tmp_path / "tracker.db")
    yield t
    t.close()


def test_building_a_proposal_writes_nothing_and_apply_writes_once(tracker: Tracker) -> None:
    proposal = P.propose_add_step(tracker, what="Send intro email", due="next Friday", done_when="email sent")
    assert proposal.id.startswith("P") and proposal.kind == "add_step"
    assert "Fri 4 Dec 2026" in proposal.summary
    assert "+ due: Fri 4 Dec 2026" in proposal.diff
    assert tracker.list_steps() == []
    message = tracker.apply(proposal, actor="coach")
    assert "step 1" in message
    (step,) = tracker.list_steps()
    assert (step.what, step.due, step.done_when, step.owner.value) == (
        "Send intro email",
        dt.date(2026, 12, 4),
        "email sent",
        "protege",
    )
    with pytest.raises(ProposalError, match="already applied"):
        tracker.apply(proposal)
    assert len(tracker.list_steps()) == 1


def test_step_without_due_or_measurable_result_is_rejected_with_both_reasons(tracker: Tracker) -> None:
    with pytest.raises(ProposalError) as err:
        P.propose_add_step(tracker, what="Network more", due=None, done_when="feel better")
    message = str(err.value)
    assert "due date is missing: ask the user when" in message
    assert "not measurable" in message
    with pytest.raises(ProposalError, match="measurable result .* is missing"):
        P.propose_add_step(tracker, what="Network more", due="2026-12-04", done_when="")


def test_mentor_steps_are_allowed_and_filtered_by_owner(tracker: Tracker) -> None:
    add_step(tracker, "Send CV")
    add_step(tracker, "Introduce me to the design lead", owner="mentor", done_when="intro email sent")
    assert [s.what for s in tracker.list_steps(owner="mentor")] == ["Introduce me to the design lead"]
    assert [s.what for s in tracker.list_steps(owner="protege")] == ["Send CV"]
    with pytest.raises(ProposalError, match="owner 'boss'"):
        P.propose_add_step(tracker, owner="boss", what="x", due="2026-12-04", done_when="x sent")


def test_list_filters_open_overdue_partner(tmp_path: Path) -> None:
    earlier = make_tracker(tmp_path / "t.db", today=dt.date(2026, 11, 1))
    earlier.apply(P.propose_record_partner(earlier, name="Sam Lee", why_them="ran the migration"))
    add_step(earlier, "Late one", due="2026-11-10", partner_id=1)
    add_step(earlier, "Future one", due="2026-12-10")
    done_id = add_step(earlier, "Finished one", due="2026-11-05")
    earlier.apply(P.propose_complete_step(earlier, done_id))
    earlier.close()
    tracker = make_tracker(tmp_path / "t.db")
    assert [s.what for s in tracker.list_steps()] == ["Late one", "Future one"]
    assert [s.what for s in tracker.list_steps(overdue=True)] == ["Late one"]
    assert [s.what for s in tracker.list_steps(status="done")] == ["Finished one"]
    assert len(tracker.list_steps(status="all")) == 3
    assert [s.what for s in tracker.list_steps(partner_id=1)] == ["Late one"]
    session = P.propose_plan_session(tracker, date="2026-12-01", partner_id=1, agenda=["plan"])
    tracker.apply(session)
    add_step(tracker, "From the session", due="2026-12-20", session_id=1)
    # A step agreed in a session with Sam counts as Sam's even without its own partner link.
    assert "From the session" in [s.what for s in tracker.list_steps(partner_id=1)]


def test_every_change_is_recorded_with_actor_time_before_and_after(tracker: Tracker) -> None:
    step_id = add_step(tracker)
    tracker.apply(P.propose_update_step(tracker, step_id, due="2026-12-11"), actor="coach")
    newest, first = tracker.history()
    assert (first.actor, first.kind) == ("user", "add_step")
    assert first.changes[0].before is None and first.changes[0].after["what"] == "Send intro email to Sam"
    assert (newest.actor, newest.kind) == ("coach", "update_step")
    (change,) = newest.changes
    assert change.action == "update"
    assert (change.before["due"], change.after["due"]) == ("2026-12-04", "2026-12-11")
    assert abs((dt.datetime.now(dt.UTC) - newest.at).total_seconds()) < 60


def test_undo_reverts_newest_change_and_is_itself_recorded(tracker: Tracker) -> None:
    step_id = add_step(tracker)
    tracker.apply(P.propose_complete_step(tracker, step_id, note="sent on Monday"))
    assert tracker.get(NextStep, step_id).status.value == "done"
    message = tracker.undo()
    assert "mark step 1 done" in message
    step = tracker.get(NextStep, step_id)
    assert step.status.value == "open" and step.completed_at is None and step.note == ""
    undo_set = tracker.history()[0]
    assert undo_set.kind == "undo" and undo_set.undo_of == 2
    assert tracker.history()[1].undone_by == undo_set.id
    # A second undo goes further back (it does not redo): the step disappears.
    tracker.undo()
    assert tracker.list_steps(status="all") == []
    with pytest.raises(ProposalError, match="nothing to undo"):
        tracker.undo()
    # Nothing is lost: the history still holds the step's text.
    assert any(
        c.before and c.before.get("what") == "Send intro email to Sam"
        for cs in tracker.history()
        for c in cs.changes
    )


def test_stale_proposal_is_refused_rather_than_overwriting(tracker: Tracker) -> None:
    step_id = add_step(tracker)
    stale = P.propose_update_step(tracker, step_id, what="Send a shorter intro")
    tracker.apply(P.propose_update_step(tracker, step_id, due="2026-12-18"))
    with pytest.raises(StaleProposal, match="changed after"):
        tracker.apply(stale)
    assert tracker.get(NextStep, step_id).what == "Send intro email to Sam"


def test_only_open_steps_can_be_completed_or_dropped(tracker: Tracker) -> None:
    step_id = add_step(tracker)
    tracker.apply(P.propose_drop_step(tracker, step_id, reason="Sam moved teams"))
    assert tracker.get(NextStep, step_id).note == "Sam moved teams"
    with pytest.raises(ProposalError, match="already dropped"):
        P.propose_complete_step(tracker, step_id)
    with pytest.raises(NotFound, match="step 99 does not exist"):
        P.propose_complete_step(tracker, 99)


def test_goal_needs_the_why_and_warns_about_missing_gaps(tracker: Tracker) -> None:
    with pytest.raises(ProposalError, match="why is missing.*define your need"):
        P.propose_record_goal(tracker, title="Become a manager")
    proposal = P.propose_record_goal(tracker, title="Become a manager", why="I like growing people")
    assert any("gaps" in w for w in proposal.warnings)
    tracker.apply(proposal)
    tracker.apply(
        P.propose_record_goal(
            tracker, goal_id=1, gaps=["running 1:1s"], mentor_kinds=["Developmental", "boss"]
        )
    )
    goal = tracker.get(Goal, 1)
    assert goal.gaps == ["running 1:1s"] and [k.value for k in goal.mentor_kinds] == ["developmental", "boss"]
    with pytest.raises(ProposalError, match="mentor kind 'wizard' is not known: use one of"):
        P.propose_record_goal(tracker, goal_id=1, mentor_kinds=["wizard"])


def test_partner_stages_move_forward_or_to_ended(tracker: Tracker) -> None:
    tracker.apply(P.propose_record_partner(tracker, name="Ana Ruiz", why_them="ran the platform migration"))
    tracker.apply(P.propose_record_partner(tracker, partner_id=1, stage="first_contact"))
    tracker.apply(P.propose_record_partner(tracker, partner_id=1, stage="met"))
    with pytest.raises(ProposalError, match="only move forward"):
        P.propose_record_partner(tracker, partner_id=1, stage="idea")
    tracker.apply(P.propose_record_partner(tracker, partner_id=1, stage="ended"))
    assert tracker.get(Partner, 1).stage.value == "ended"
    assert tracker.find_partner("ana").id == 1
    with pytest.raises(NotFound):
        tracker.find_partner("Bob")


def test_agreement_records_cadence_and_next_two_meetings(tracker: Tracker) -> None:
    tracker.apply(P.propose_record_partner(tracker, name="Ana"))
    with pytest.raises(ProposalError, match="how often to meet is missing"):
        P.propose_record_agreement(tracker, partner_id=1, cadence="")
    with pytest.raises(ProposalError, match="meeting date"):
        P.propose_record_agreement(tracker, partner_id=1, cadence="monthly", next_meetings=["3/4/2027"])
    one = P.propose_record_agreement(tracker, partner_id=1, cadence="monthly", next_meetings=["2026-12-10"])
    assert any("next two meetings" in w for w in one.warnings)
    assert any("confidentiality" in w for w in one.warnings)
    full = P.propose_record_agreement(
        tracker,
        partner_id=1,
        cadence="every other week",
        between_meetings="short email updates",
        confidentiality="what we discuss stays between us",
        next_meetings=["2027-01-07", "2026-12-10"],
    )
    assert full.warnings == []
    tracker.apply(full)
    (agreement,) = tracker.list_agreements()
    assert agreement.next_meetings == [dt.date(2026, 12, 10), dt.date(2027, 1, 7)]


def test_closing_a_session_with_fewer_than_three_protege_steps_warns_but_closes(tracker: Tracker) -> None:
    tracker.apply(
        P.propose_plan_session(tracker, date="2026-11-30", agenda=["CV"], questions=["What stands out?"])
    )
    add_step(tracker, "Mentor step", owner="mentor", session_id=1, done_when="intro sent")
    add_step(tracker, "My step", session_id=1)
    proposal = P.propose_close_session(tracker, 1, notes="Good talk")
    assert any("only 1 protégé step" in w and "at least 3" in w for w in proposal.warnings)
    tracker.apply(proposal)
    assert tracker.get(Session, 1).status.value == "closed"
    tracker.apply(P.propose_plan_session(tracker, date="2026-12-07"))
    for n in range(3):
        add_step(tracker, f"Step {n}", session_id=2)
    assert P.propose_close_session(tracker, 2).warnings == []


def test_draft_versions_are_kept_never_overwritten(tracker: Tracker) -> None:
    tracker.apply(P.propose_save_draft(tracker, name="Sam intro", body="Hi Sam, first go."))
    tracker.apply(P.propose_save_draft(tracker, name="sam-intro", body="Hi Sam, shorter."))
    with pytest.raises(ProposalError, match="already has this text"):
        P.propose_save_draft(tracker, name="sam-intro", body="Hi Sam, shorter.")
    versions = tracker.draft_versions("sam-intro")
    assert [(d.version, d.body) for d in versions] == [(1, "Hi Sam, first go."), (2, "Hi Sam, shorter.")]
    assert tracker.get_draft("sam-intro").version == 2
    assert tracker.get_draft("sam-intro", 1).body == "Hi Sam, first go."
    with pytest.raises(ProposalError, match="empty"):
        P.propose_save_draft(tracker, name="x", body="  ")


def test_draft_version_is_counted_at_apply_time(tracker: Tracker) -> None:
    first = P.propose_save_draft(tracker, name="intro", body="one")
    second = P.propose_save_draft(tracker, name="intro", body="two")  # both built as version 1
    tracker.apply(first)
    assert "version 2" in tracker.apply(second)
    assert [d.version for d in tracker.draft_versions("intro")] == [1, 2]
    assert isinstance(tracker.get_draft("intro"), Draft)


def test_text_is_stored_without_terminal_escape_sequences(tracker: Tracker) -> None:
    add_step(tracker, "Send \x1b[31mred\x1b[0m note\x07", done_when="note sent\x1b]0;title\x07")
    (step,) = tracker.list_steps()
    assert step.what == "Send red note" and step.done_when == "note sent"


def test_huge_input_is_refused_with_a_clear_message(tracker: Tracker) -> None:
    with pytest.raises(ProposalError, match="what"):
        P.propose_add_step(tracker, what="x" * 10_000, due="2026-12-04", done_when="x sent")


# ---- the file itself -------------------------------------------------------------------------
def test_non_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    content = b"my notes, not a database\n" * 10
    path.write_bytes(content)
    with pytest.raises(DatabaseError, match="not a coach database"):
        Tracker(path)
    assert path.read_bytes() == content


def test_corrupt_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    t = make_tracker(path)
    for n in range(50):
        add_step(t, f"step {n}")
    t.close()
    data = bytearray(path.read_bytes())
    data[4096:8192] = b"\xde\xad\xbe\xef" * 1024  # trash a page after the header
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="damaged|could not be"):
        Tracker(path)
    assert path.read_bytes() == before


def test_database_from_a_newer_coach_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    make_tracker(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="newer version of coach"):
        Tracker(path)
    assert path.read_bytes() == before
    assert not (tmp_path / "tracker.db-wal").exists()


def test_schema_is_versioned_with_wal_and_foreign_keys(tracker: Tracker) -> None:
    conn = tracker._conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(NotFound, match="goal 7 does not exist"):
        P.propose_add_step(tracker, what="x", due="2026-12-04", done_when="x sent", goal_id=7)


def test_tracker_open_uses_settings_data_dir(coach_home: Path) -> None:
    with Tracker.open() as t:
        assert t.path == coach_home / "tracker.db"
        add_step(t)
    with Tracker.open() as again:
        assert len(again.list_steps()) == 1


def test_history_json_is_plain_rows(tracker: Tracker) -> None:
    add_step(tracker)
    raw = tracker._conn.execute("SELECT after FROM changes").fetchone()[0]
    assert json.loads(raw)["due"] == "2026-12-04"
    assert TODAY.isoformat() < "2026-12-04"


def test_hand_edited_row_that_no_longer_validates_is_reported_clearly(tracker: Tracker) -> None:
    add_step(tracker)
    tracker._conn.execute("UPDATE steps SET due = 'someday', status = 'paused' WHERE id = 1")
    with pytest.raises(DatabaseError, match="steps record 1 .* cannot be read"):
        tracker.list_steps(status="all")


def test_diff_names_linked_records_not_just_their_ids(tracker: Tracker) -> None:
    tracker.apply(P.propose_record_partner(tracker, name="Sam Lee"))
    tracker.apply(P.propose_plan_session(tracker, date="2026-12-01", partner_id=1))
    proposal = P.propose_add_step(
        tracker, what="Send CV", due="2026-12-04", done_when="CV sent", session_id=1
    )
    assert "+ session: Tue 1 Dec 2026 [1]" in proposal.diff
    assert "+ partner: Sam Lee [1]" in proposal.diff  # inherited from the session
    tracker.apply(P.propose_record_goal(tracker, title="Lead a project", why="staff role"))
    edit = P.propose_update_step(tracker, 1, goal_id=1) if tracker.list_steps() else None
    assert edit is None  # the step above was only proposed, never applied
    tracker.apply(proposal)
    edit = P.propose_update_step(tracker, 1, goal_id=1)
    assert edit.diff == "- goal: —\n+ goal: Lead a project [1]"


def test_models_are_frozen_and_unchanged_rows_reuse_their_model(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    tracker = make_tracker(path)
    add_step(tracker, "First")
    add_step(tracker, "Second")
    first_list = tracker.list_steps()
    with pytest.raises(ValueError, match="frozen"):
        first_list[0].what = "edited in place"
    tracker.apply(P.propose_update_step(tracker, 2, what="Second, reworded"))
    second_list = tracker.list_steps()
    assert second_list[0] is first_list[0]  # row unchanged: same model
    assert second_list[1].what == "Second, reworded" and second_list[1] is not first_list[1]
    # A change written by another connection (another process) is seen too.
    other = make_tracker(path)
    other.apply(P.propose_update_step(other, 1, done_when="2 emails sent"))
    other.close()
    assert tracker.list_steps()[0].done_when == "2 emails sent"
    tracker.close()


def test_a_failed_write_leaves_no_trace_in_data_or_history(tracker: Tracker) -> None:
    tracker.apply(P.propose_record_goal(tracker, title="Lead a project", why="staff role"))
    proposal = P.propose_add_step(tracker, what="Send CV", due="2026-12-04", done_when="CV sent", goal_id=1)
    tracker.undo()  # the goal the proposal points at is gone
    history_before = len(tracker.history(limit=None))
    with pytest.raises(ProposalError, match="conflicts with what is stored"):
        tracker.apply(proposal)
    assert tracker.list_steps(status="all") == []
    assert len(tracker.history(limit=None)) == history_before
    assert not tracker._conn.in_transaction
    assert not proposal.applied


def test_a_session_that_already_happened_can_be_recorded(tracker: Tracker) -> None:
    proposal = P.propose_plan_session(tracker, date="yesterday")
    assert proposal.summary == "record session on Tue 24 Nov 2026"
    assert proposal.warnings == []  # no nagging about an agenda for a meeting that is over
    tracker.apply(proposal)
    assert tracker.get(Session, 1).date == dt.date(2026, 11, 24)
    with pytest.raises(ProposalError, match="already passed"):
        P.propose_add_step(tracker, what="Send CV", due="yesterday", done_when="CV sent")
