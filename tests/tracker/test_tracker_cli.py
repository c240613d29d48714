"""`coach goals|steps|sessions|partners|agreements|drafts|export|undo|history` end to end, through the
real `coach` group (lazy subcommands) and a real database in COACH_HOME."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from icalendar import Calendar

from coach.cli import SUBCOMMANDS, cli
from coach.tracker import Tracker
from coach.tracker import proposals as P

TODAY = dt.date.today()
SOON = (TODAY + dt.timedelta(days=10)).isoformat()
LATER = (TODAY + dt.timedelta(days=20)).isoformat()


def run(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def ok(*args: str, input: str | bytes | None = None) -> Result:
    result = run(*args, input=input)
    assert result.exit_code == 0, result.output
    return result


def test_every_tracker_subcommand_resolves() -> None:
    names = [n for n, target in SUBCOMMANDS.items() if target.startswith("coach.tracker.cli:")]
    assert set(names) == {
        "goals",
        "steps",
        "sessions",
        "partners",
        "agreements",
        "drafts",
        "export",
        "undo",
        "history",
    }
    for name in names:
        ok(name, "--help")


def test_steps_add_list_edit_done_drop(coach_home: Path) -> None:
    out = ok("steps", "add", "Send", "my", "CV", "to", "Sam", "--due", SOON, "--done-when", "CV sent").stdout
    assert "add step: Send my CV to Sam" in out and "[step 1]" in out
    ok(
        "steps",
        "add",
        "Book coffee with Priya",
        "--due",
        LATER,
        "--done-when",
        "coffee booked",
        "--owner",
        "mentor",
    )
    listed = ok("steps", "list").stdout
    assert listed.index("Send my CV to Sam") < listed.index("Book coffee with Priya")
    assert "done when: CV sent" in listed and "[mentor]" in listed
    assert "Send my CV" not in ok("steps", "list", "--owner", "mentor").stdout

    ok("steps", "edit", "1", "--done-when", "CV sent and reply logged")
    ok("steps", "done", "1", "--note", "Sam replied")
    ok("steps", "drop", "2", "--reason", "Priya is away")
    assert "No open steps." in ok("steps", "list").stdout
    data = json.loads(ok("steps", "list", "--all", "--json").stdout)
    assert [(s["id"], s["status"], s["note"]) for s in data] == [
        (1, "done", "Sam replied"),
        (2, "dropped", "Priya is away"),
    ]
    assert data[0]["done_when"] == "CV sent and reply logged"
    assert [s["id"] for s in json.loads(ok("steps", "list", "--done", "--json").stdout)] == [1]


def test_invalid_step_is_refused_with_the_reason_and_nothing_is_written() -> None:
    result = run("steps", "add", "Network", "--due", "soon", "--done-when", "feel more confident")
    assert result.exit_code == 1
    assert (
        "Not saved:" in result.stderr
        and "not a specific day" in result.stderr
        and "not measurable" in result.stderr
    )
    assert "Traceback" not in result.output
    assert json.loads(ok("steps", "list", "--all", "--json").stdout) == []
    assert run("steps", "done", "42").exit_code == 1


def test_overdue_and_partner_filters(coach_home: Path) -> None:
    past = TODAY - dt.timedelta(days=30)
    with Tracker(coach_home / "tracker.db", today=lambda: past) as t:
        t.apply(P.propose_record_partner(t, name="Sam Lee"))
        t.apply(
            P.propose_add_step(
                t, what="Late", due=past + dt.timedelta(days=3), done_when="x sent", partner_id=1
            )
        )
        t.apply(P.propose_add_step(t, what="Future", due=TODAY + dt.timedelta(days=3), done_when="y sent"))
    overdue = ok("steps", "list", "--overdue").stdout
    assert "Late" in overdue and "OVERDUE" in overdue and "Future" not in overdue
    by_partner = ok("steps", "list", "--partner", "sam").stdout
    assert "Late" in by_partner and "Future" not in by_partner
    assert "no partner called" in run("steps", "list", "--partner", "Bob").stderr


def test_goals_partners_agreements_sessions() -> None:
    ok("goals", "add", "Move", "into", "product", "--why", "I enjoy customer work", "--gap", "roadmaps")
    assert "Move into product" in ok("goals", "list").stdout
    ok("goals", "edit", "1", "--status", "achieved")
    assert "achieved" in ok("goals", "show", "1").stdout

    ok("partners", "add", "Ana", "Ruiz", "--why", "ran the migration", "--kind", "expertise")
    ok("partners", "move", "Ana", "first_contact")
    back = run("partners", "move", "ana", "idea")
    assert back.exit_code == 1 and "only move forward" in back.stderr
    assert "first_contact" in ok("partners", "list").stdout

    agreed = ok("agreements", "add", "Ana", "--cadence", "every other week", "--meeting", SOON)
    assert "next two meetings" in agreed.stderr  # a warning, not a refusal
    assert "every other week" in ok("agreements", "list").stdout
    assert "confidentiality: —" in ok("agreements", "show", "1").stdout

    ok(
        "sessions",
        "add",
        "--date",
        SOON,
        "--partner",
        "Ana",
        "--agenda",
        "roadmap review",
        "--question",
        "What would you cut?",
    )
    ok("steps", "add", "Draft", "roadmap", "--due", LATER, "--done-when", "draft shared", "--session", "1")
    closed = ok("sessions", "close", "1", "--notes", "Useful")
    assert "warning: only 1 protégé step" in closed.stderr
    shown = ok("sessions", "show", "1").stdout
    assert "What would you cut?" in shown and "Draft roadmap" in shown and "closed" in shown
    assert "Draft roadmap" in ok("partners", "show", "Ana").stdout


def test_drafts_keep_versions_and_refuse_bad_files(tmp_path: Path) -> None:
    ok("drafts", "save", "sam-intro", "--text", "Hi Sam, would you have 20 minutes?")
    first_file = tmp_path / "v2.txt"
    first_file.write_text("Hi Sam,\nshorter version.", encoding="utf-8")
    assert "version 2" in ok("drafts", "save", "sam-intro", "--file", str(first_file)).stdout
    assert "version 3" in ok("drafts", "save", "sam-intro", input="Third try from stdin").stdout
    assert "shorter version" in ok("drafts", "show", "sam-intro", "--version", "2").stdout
    latest = ok("drafts", "show", "sam-intro").stdout
    assert "version 3 of 3" in latest and "Third try" in latest

    binary = tmp_path / "photo.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert "binary" in run("drafts", "save", "x", "--file", str(binary)).stderr
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\xe9".encode("latin-1"))
    assert "not UTF-8" in run("drafts", "save", "x", "--file", str(latin)).stderr
    huge = tmp_path / "huge.txt"
    huge.write_text("word " * 30_000, encoding="utf-8")
    assert "characters" in run("drafts", "save", "x", "--file", str(huge)).stderr
    # Piped input is held to the same standard as a file.
    assert "binary" in run("drafts", "save", "x", input=b"\x89PNG\r\n\x1a\n\x00\x00\x00").stderr
    assert "not UTF-8" in run("drafts", "save", "x", input="Caf\xe9".encode("latin-1")).stderr
    assert "Not saved: the draft is empty" in run("drafts", "save", "x", "--text", "   ").stderr
    assert [d["name"] for d in json.loads(ok("drafts", "list", "--json").stdout)] == ["sam-intro"]


def _seed_for_export() -> None:
    ok("partners", "add", "Sam", "--why", "design lead")
    ok("steps", "add", "Send CV", "--due", SOON, "--done-when", "CV sent", "--partner", "Sam")
    ok("steps", "add", "Ask about roadmaps", "--due", LATER, "--done-when", "=HYPERLINK(1) 2 questions asked")
    ok("steps", "add", "Old one", "--due", LATER, "--done-when", "note sent")
    ok("steps", "done", "3")


def test_export_ics_imports_with_each_open_step_on_its_date(tmp_path: Path) -> None:
    _seed_for_export()
    out = tmp_path / "steps.ics"
    result = ok("export", "--format", "ics", "--out", str(out))
    assert f"Wrote {out}" in result.stderr
    cal = Calendar.from_ical(out.read_bytes())
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"Next step: Send CV", "Next step: Ask about roadmaps"}  # done steps are left out
    assert events["Next step: Send CV"].decoded("dtstart") == dt.date.fromisoformat(SOON)
    assert events["Next step: Ask about roadmaps"].decoded("dtstart") == dt.date.fromisoformat(LATER)
    assert "Done when: CV sent" in str(events["Next step: Send CV"]["description"])
    assert str(events["Next step: Send CV"]["uid"]) == "step-1@mentoring-coach.local"


def test_export_md_csv_json_to_stdout() -> None:
    _seed_for_export()
    md = ok("export", "--format", "md").stdout
    assert "## Open next steps" in md and "- [ ] Send CV" in md and "- [x] Old one" in md
    rows = list(csv.DictReader(io.StringIO(ok("export", "--format", "csv").stdout)))
    assert [r["what"] for r in rows] == ["Send CV", "Ask about roadmaps", "Old one"]
    assert rows[0]["partner"] == "Sam"
    assert rows[1]["done_when"].startswith("'=")  # spreadsheet formula injection defused
    data = json.loads(ok("export", "--format", "json").stdout)
    assert len(data["steps"]) == 3 and data["partners"][0]["name"] == "Sam"


def test_undo_and_history() -> None:
    ok("steps", "add", "Send CV", "--due", SOON, "--done-when", "CV sent")
    ok("steps", "done", "1")
    assert "Undid #2" in ok("undo").stdout
    assert json.loads(ok("steps", "list", "--json").stdout)[0]["status"] == "open"
    hist = ok("history").stdout
    assert "undo #2" in hist and "(undone by #3)" in hist and "user" in hist
    verbose = ok("history", "-v").stdout
    assert "update step 1" in verbose
    assert "status: done -> open" in verbose and "status: open -> done" in verbose
    entries = json.loads(ok("history", "--json").stdout)
    assert entries[-1]["changes"][0]["after"]["what"] == "Send CV"
    ok("undo")
    assert "nothing to undo" in run("undo").stderr


def test_terminal_escape_sequences_in_stored_text_are_not_printed(coach_home: Path) -> None:
    ok("steps", "add", "Placeholder", "--due", SOON, "--done-when", "x sent")
    conn = sqlite3.connect(coach_home / "tracker.db")  # as if written by another tool
    conn.execute("UPDATE steps SET what = ? WHERE id = 1", ("Evil \x1b]52;c;aGk=\x07\x1b[2J \x9b2J title",))
    conn.commit()
    conn.close()
    listed = ok("steps", "list").stdout
    assert "\x1b" not in listed and "\x07" not in listed and "Evil" in listed
    for fmt_name in ("md", "csv", "json", "ics"):
        printed = ok("export", "--format", fmt_name).stdout
        assert "\x1b" not in printed and "\x9b" not in printed
    as_json = ok("steps", "list", "--json").stdout
    assert "\x9b" not in as_json and "\x1b" not in as_json
    assert "\x9b" in json.loads(as_json)[0]["what"]  # escaped for the terminal, intact for scripts


def test_corrupt_database_gives_a_clear_error_and_is_left_alone(coach_home: Path) -> None:
    path = coach_home / "tracker.db"
    path.write_bytes(b"PK\x03\x04 this is a zip, not a database")
    before = path.read_bytes()
    for args in (("steps", "list"), ("steps", "add", "x", "--due", SOON, "--done-when", "x sent"), ("undo",)):
        result = run(*args)
        assert result.exit_code == 1
        assert "not a coach database" in result.stderr and "Traceback" not in result.output
    assert path.read_bytes() == before


@pytest.mark.parametrize("fmt_name", ["md", "ics", "csv", "json"])
def test_export_of_an_empty_tracker_works(fmt_name: str) -> None:
    assert ok("export", "--format", fmt_name).stdout
