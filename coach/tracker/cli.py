"""`coach goals|steps|sessions|partners|agreements|drafts|export|undo|history`.

Changes typed at the command line are the user's own, so they are applied at once (actor "user");
every one is recorded and `coach undo` reverts the last. Text from the database is cleaned of
terminal control sequences before it is printed.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from coach.db import DatabaseError
from coach.safe_text import NotTextError, decode_text
from coach.tracker import proposals as P
from coach.tracker.dates import fmt
from coach.tracker.errors import ProposalError
from coach.tracker.models import Agreement, Goal, NextStep, Owner, Partner, Session, Stage
from coach.tracker.store import Tracker
from coach.tracker.text import clean, one_line

Params = ParamSpec("Params")
R = TypeVar("R")
MAX_DRAFT_CHARS = 100_000


def _friendly(func: Callable[Params, R]) -> Callable[Params, R]:
    """Turn expected problems into one clear line on stderr and exit status 1 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Params.args, **kwargs: Params.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (ProposalError, DatabaseError) as exc:
            prefix = "Not saved: " if isinstance(exc, ProposalError) else ""
            raise click.ClickException(prefix + clean(str(exc))) from None

    return wrapper


@contextmanager
def _open() -> Iterator[Tracker]:
    tracker = Tracker.open()
    try:
        yield tracker
    finally:
        tracker.close()


def _say(text: str = "") -> None:
    click.echo(clean(text))


def _warn(text: str) -> None:
    click.echo(clean(f"warning: {text}"), err=True)


def _apply(tracker: Tracker, proposal: P.Proposal) -> None:
    message = tracker.apply(proposal, actor="user")
    _say(message)
    if proposal.diff:
        _say(proposal.diff)
    for warning in proposal.warnings:
        _warn(warning)


_C1_AND_DEL = re.compile("[\x7f-\x9f]")


def _terminal_safe_json(text: str) -> str:
    """json.dumps escapes C0 controls but not DEL or C1 (\x9b starts an escape sequence on some
    terminals); they only occur inside strings, so \\u-escaping them keeps the JSON identical."""
    return _C1_AND_DEL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _print_json(data: Any) -> None:
    click.echo(_terminal_safe_json(json.dumps(data, ensure_ascii=False, indent=2)))


def _split(values: tuple[str, ...]) -> list[str]:
    return [v for v in values if v.strip()]


def _partner_id(tracker: Tracker, ref: str | None) -> int | None:
    if ref is None or not ref.strip():
        return None
    partner_id = tracker.find_partner(ref).id
    return partner_id


# ---- steps -----------------------------------------------------------------------------------
@click.group()
def steps() -> None:
    """Agreed next steps: each has an owner, a due date and a measurable result."""


def _step_line(step: NextStep, today: Any, names: dict[int | None, str]) -> str:
    mark = {"open": " ", "done": "x", "dropped": "-"}[step.status.value]
    late = " OVERDUE" if step.is_overdue(today) else ""
    owner = " [mentor]" if step.owner is Owner.MENTOR else ""
    who = f" ({names[step.partner_id]})" if step.partner_id in names else ""
    return (
        f"{step.id:>5} [{mark}] {fmt(step.due):<15}{late}{owner} {one_line(step.what, 70)}{who}\n"
        f"{'':>10}done when: {one_line(step.done_when, 90)}"
    )


@steps.command("list")
@click.option("--open", "status", flag_value="open", default=True, help="Open steps (the default).")
@click.option("--done", "status", flag_value="done", help="Completed steps.")
@click.option("--dropped", "status", flag_value="dropped", help="Dropped steps.")
@click.option("--all", "status", flag_value="all", help="Every step.")
@click.option("--overdue", is_flag=True, help="Only open steps past their due date.")
@click.option("--owner", type=click.Choice(["protege", "mentor"]), help="Whose step it is.")
@click.option("--partner", help="Partner id or name.")
@click.option("--goal", "goal_id", type=int, help="Goal id.")
@click.option("--session", "session_id", type=int, help="Session id.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_friendly
def steps_list(
    status: str,
    overdue: bool,
    owner: str | None,
    partner: str | None,
    goal_id: int | None,
    session_id: int | None,
    as_json: bool,
) -> None:
    """List next steps, soonest first."""
    with _open() as tracker:
        found = tracker.list_steps(
            status=status,
            overdue=overdue,
            owner=owner,
            partner_id=_partner_id(tracker, partner),
            goal_id=goal_id,
            session_id=session_id,
        )
        if as_json:
            _print_json([s.model_dump(mode="json") for s in found])
            return
        if not found:
            _say("No steps match." if (overdue or owner or partner) else f"No {status} steps.")
            return
        names = {p.id: p.name for p in tracker.list_partners()}
        today = tracker.today()
        for step in found:
            _say(_step_line(step, today, names))


@steps.command("add")
@click.argument("what", nargs=-1, required=True)
@click.option("--due", required=True, help="When: 2026-12-03, 'next Friday', 'in two weeks'.")
@click.option("--done-when", required=True, help="The measurable result: how you will know it is done.")
@click.option("--owner", default="protege", type=click.Choice(["protege", "mentor"]), show_default=True)
@click.option("--goal", "goal_id", type=int)
@click.option("--session", "session_id", type=int)
@click.option("--partner", help="Partner id or name.")
@_friendly
def steps_add(
    what: tuple[str, ...],
    due: str,
    done_when: str,
    owner: str,
    goal_id: int | None,
    session_id: int | None,
    partner: str | None,
) -> None:
    """Add a next step: coach steps add Send my draft to Sam --due "next Friday" --done-when "email sent"."""
    with _open() as tracker:
        proposal = P.propose_add_step(
            tracker,
            owner=owner,
            what=" ".join(what),
            due=due,
            done_when=done_when,
            goal_id=goal_id,
            session_id=session_id,
            partner_id=_partner_id(tracker, partner),
        )
        _apply(tracker, proposal)


@steps.command("done")
@click.argument("step_id", type=int)
@click.option("--note", default="", help="What came of it.")
@_friendly
def steps_done(step_id: int, note: str) -> None:
    """Mark a step done."""
    with _open() as tracker:
        _apply(tracker, P.propose_complete_step(tracker, step_id, note=note))


@steps.command("drop")
@click.argument("step_id", type=int)
@click.option("--reason", default="", help="Why it no longer applies.")
@_friendly
def steps_drop(step_id: int, reason: str) -> None:
    """Drop a step that no longer applies (it stays in the record)."""
    with _open() as tracker:
        _apply(tracker, P.propose_drop_step(tracker, step_id, reason=reason))


@steps.command("edit")
@click.argument("step_id", type=int)
@click.option("--what")
@click.option("--due")
@click.option("--done-when")
@click.option("--owner", type=click.Choice(["protege", "mentor"]))
@click.option("--goal", "goal_id", type=int)
@_friendly
def steps_edit(
    step_id: int,
    what: str | None,
    due: str | None,
    done_when: str | None,
    owner: str | None,
    goal_id: int | None,
) -> None:
    """Change a step's wording, due date, result, owner or goal."""
    with _open() as tracker:
        proposal = P.propose_update_step(
            tracker, step_id, what=what, due=due, done_when=done_when, owner=owner, goal_id=goal_id
        )
        _apply(tracker, proposal)


# ---- goals -----------------------------------------------------------------------------------
@click.group()
def goals() -> None:
    """What you want from mentoring, why, the gaps, and the kind of mentor who could help."""


@goals.command("list")
@click.option("--json", "as_json", is_flag=True)
@_friendly
def goals_list(as_json: bool) -> None:
    """List goals."""
    with _open() as tracker:
        found = tracker.list_goals()
        if as_json:
            _print_json([g.model_dump(mode="json") for g in found])
            return
        if not found:
            _say('No goals yet. Add one: coach goals add "..." --why "..."')
        for goal in found:
            _say(f"{goal.id:>4} [{goal.status.value}] {one_line(goal.title, 70)}")
            if goal.why:
                _say(f"{'':>5}why: {one_line(goal.why, 90)}")


@goals.command("add")
@click.argument("title", nargs=-1, required=True)
@click.option("--why", required=True, help="Why it matters to you (define your need).")
@click.option("--gap", "gaps", multiple=True, help="A skill, experience or access you lack (repeatable).")
@click.option("--mentor-kind", "kinds", multiple=True, help="developmental, sponsorship, expertise, ...")
@_friendly
def goals_add(title: tuple[str, ...], why: str, gaps: tuple[str, ...], kinds: tuple[str, ...]) -> None:
    """Record a goal."""
    with _open() as tracker:
        proposal = P.propose_record_goal(
            tracker, title=" ".join(title), why=why, gaps=_split(gaps), mentor_kinds=_split(kinds)
        )
        _apply(tracker, proposal)


@goals.command("edit")
@click.argument("goal_id", type=int)
@click.option("--title")
@click.option("--why")
@click.option("--gap", "gaps", multiple=True, help="Replaces the gaps (repeatable).")
@click.option("--mentor-kind", "kinds", multiple=True, help="Replaces the mentor kinds (repeatable).")
@click.option("--status", type=click.Choice(["active", "achieved", "dropped"]))
@_friendly
def goals_edit(
    goal_id: int,
    title: str | None,
    why: str | None,
    gaps: tuple[str, ...],
    kinds: tuple[str, ...],
    status: str | None,
) -> None:
    """Change a goal (e.g. --status achieved)."""
    with _open() as tracker:
        proposal = P.propose_record_goal(
            tracker,
            goal_id=goal_id,
            title=title,
            why=why,
            gaps=_split(gaps) if gaps else None,
            mentor_kinds=_split(kinds) if kinds else None,
            status=status,
        )
        _apply(tracker, proposal)


@goals.command("show")
@click.argument("goal_id", type=int)
@_friendly
def goals_show(goal_id: int) -> None:
    """A goal with its steps."""
    with _open() as tracker:
        goal = tracker.get(Goal, goal_id)
        _say(f"Goal {goal.id}: {goal.title} ({goal.status.value})")
        _say(f"why: {goal.why or '—'}")
        _say(f"gaps: {'; '.join(goal.gaps) or '—'}")
        _say(f"mentors who could help: {', '.join(k.value for k in goal.mentor_kinds) or '—'}")
        names = {p.id: p.name for p in tracker.list_partners()}
        for step in tracker.list_steps(status="all", goal_id=goal_id):
            _say(_step_line(step, tracker.today(), names))


# ---- partners --------------------------------------------------------------------------------
@click.group()
def partners() -> None:
    """Prospective and current mentors or protégés, and where each approach stands."""


@partners.command("list")
@click.option("--json", "as_json", is_flag=True)
@_friendly
def partners_list(as_json: bool) -> None:
    """List partners."""
    with _open() as tracker:
        found = tracker.list_partners()
        if as_json:
            _print_json([p.model_dump(mode="json") for p in found])
            return
        if not found:
            _say('No partners yet. Add one: coach partners add "Name" --why "..."')
        for p in found:
            kind = f", {p.mentor_kind.value}" if p.mentor_kind else ""
            _say(f"{p.id:>4} {one_line(p.name, 40)} — {p.role.value}{kind}, {p.stage.value}")


_STAGES = click.Choice([s.value for s in Stage])


@partners.command("add")
@click.argument("name", nargs=-1, required=True)
@click.option("--role", type=click.Choice(["mentor", "protege"]), default="mentor", show_default=True)
@click.option("--why", "why_them", default="", help="Why this person.")
@click.option("--kind", "mentor_kind", help="developmental, sponsorship, expertise, career, ...")
@click.option("--stage", type=_STAGES, default="idea", show_default=True)
@click.option("--contact", default="")
@click.option("--notes", default="")
@click.option("--goal", "goal_id", type=int)
@_friendly
def partners_add(name: tuple[str, ...], **fields: Any) -> None:
    """Record a prospective or current partner."""
    with _open() as tracker:
        _apply(tracker, P.propose_record_partner(tracker, name=" ".join(name), **fields))


@partners.command("move")
@click.argument("partner")
@click.argument("stage", type=_STAGES)
@_friendly
def partners_move(partner: str, stage: str) -> None:
    """Move an approach on: idea → first_contact → met → agreed → ended."""
    with _open() as tracker:
        pid = tracker.find_partner(partner).id
        _apply(tracker, P.propose_record_partner(tracker, partner_id=pid, stage=stage))


@partners.command("edit")
@click.argument("partner")
@click.option("--name")
@click.option("--role", type=click.Choice(["mentor", "protege"]))
@click.option("--why", "why_them")
@click.option("--kind", "mentor_kind")
@click.option("--contact")
@click.option("--notes")
@click.option("--goal", "goal_id", type=int)
@_friendly
def partners_edit(partner: str, **fields: Any) -> None:
    """Change a partner's details."""
    with _open() as tracker:
        pid = tracker.find_partner(partner).id
        _apply(tracker, P.propose_record_partner(tracker, partner_id=pid, **fields))


@partners.command("show")
@click.argument("partner")
@_friendly
def partners_show(partner: str) -> None:
    """A partner with agreements, sessions and open steps."""
    with _open() as tracker:
        p = tracker.find_partner(partner)
        _say(f"{p.name} — {p.role.value}, stage {p.stage.value}")
        for label, value in (("why them", p.why_them), ("contact", p.contact), ("notes", p.notes)):
            if value:
                _say(f"{label}: {value}")
        for a in tracker.list_agreements(partner_id=p.id):
            _say(f"agreement {a.id}: {a.cadence}; next: {', '.join(fmt(d) for d in a.next_meetings) or '—'}")
        for s in tracker.list_sessions(partner_id=p.id):
            _say(f"session {s.id}: {fmt(s.date)} ({s.status.value})")
        names = {p.id: p.name}
        for step in tracker.list_steps(partner_id=p.id):
            _say(_step_line(step, tracker.today(), names))


# ---- agreements ------------------------------------------------------------------------------
@click.group()
def agreements() -> None:
    """What you settle at the start: cadence, contact between meetings, confidentiality, next meetings."""


@agreements.command("list")
@click.option("--json", "as_json", is_flag=True)
@_friendly
def agreements_list(as_json: bool) -> None:
    """List agreements."""
    with _open() as tracker:
        found = tracker.list_agreements()
        if as_json:
            _print_json([a.model_dump(mode="json") for a in found])
            return
        if not found:
            _say('No agreements yet: coach agreements add PARTNER --cadence "every other week" ...')
        names = {p.id: p.name for p in tracker.list_partners()}
        for a in found:
            meetings = ", ".join(fmt(d) for d in a.next_meetings) or "—"
            _say(f"{a.id:>4} {names.get(a.partner_id, '?')}: {one_line(a.cadence, 40)}; next: {meetings}")


@agreements.command("add")
@click.argument("partner")
@click.option("--cadence", required=True, help="How often you meet: weekly, every other week, monthly ...")
@click.option("--between", "between_meetings", default="", help="How you keep in touch between meetings.")
@click.option("--confidentiality", default="", help="What stays between you.")
@click.option("--expectations", default="")
@click.option("--meeting", "meetings", multiple=True, help="Date of one of the next two meetings.")
@click.option("--goal", "goal_id", type=int)
@_friendly
def agreements_add(partner: str, meetings: tuple[str, ...], **fields: Any) -> None:
    """Record an agreement with a partner."""
    with _open() as tracker:
        pid = tracker.find_partner(partner).id
        proposal = P.propose_record_agreement(tracker, partner_id=pid, next_meetings=list(meetings), **fields)
        _apply(tracker, proposal)


@agreements.command("show")
@click.argument("agreement_id", type=int)
@_friendly
def agreements_show(agreement_id: int) -> None:
    """One agreement in full."""
    with _open() as tracker:
        a = tracker.get(Agreement, agreement_id)
        _say(f"Agreement {a.id} with {tracker.get(Partner, a.partner_id).name}")
        _say(f"cadence: {a.cadence}")
        _say(f"between meetings: {a.between_meetings or '—'}")
        _say(f"confidentiality: {a.confidentiality or '—'}")
        _say(f"expectations: {a.expectations or '—'}")
        _say(f"next meetings: {', '.join(fmt(d) for d in a.next_meetings) or '—'}")


# ---- sessions --------------------------------------------------------------------------------
@click.group()
def sessions() -> None:
    """Mentoring sessions: date, partner, agenda, questions, notes and the steps agreed."""


@sessions.command("add")
@click.option("--date", "date_text", required=True, help="When you meet.")
@click.option("--partner", help="Partner id or name.")
@click.option("--agenda", multiple=True, help="An agenda item (repeatable).")
@click.option("--question", "questions", multiple=True, help="A question to ask (repeatable).")
@click.option("--goal", "goal_id", type=int)
@_friendly
def sessions_add(
    date_text: str,
    partner: str | None,
    agenda: tuple[str, ...],
    questions: tuple[str, ...],
    goal_id: int | None,
) -> None:
    """Plan a session."""
    with _open() as tracker:
        proposal = P.propose_plan_session(
            tracker,
            date=date_text,
            partner_id=_partner_id(tracker, partner),
            agenda=_split(agenda),
            questions=_split(questions),
            goal_id=goal_id,
        )
        _apply(tracker, proposal)


@sessions.command("list")
@click.option("--json", "as_json", is_flag=True)
@_friendly
def sessions_list(as_json: bool) -> None:
    """List sessions by date."""
    with _open() as tracker:
        found = tracker.list_sessions()
        if as_json:
            _print_json([s.model_dump(mode="json") for s in found])
            return
        if not found:
            _say("No sessions yet: coach sessions add --date ... --partner ...")
        names = {p.id: p.name for p in tracker.list_partners()}
        for s in found:
            who = f" with {names[s.partner_id]}" if s.partner_id in names else ""
            steps_agreed = tracker.count_steps(s.id or 0)
            _say(f"{s.id:>4} {fmt(s.date)}{who} ({s.status.value}, {steps_agreed} steps)")


@sessions.command("show")
@click.argument("session_id", type=int)
@_friendly
def sessions_show(session_id: int) -> None:
    """A session's agenda, questions, notes and steps."""
    with _open() as tracker:
        s = tracker.get(Session, session_id)
        names = {p.id: p.name for p in tracker.list_partners()}
        who = f" with {names[s.partner_id]}" if s.partner_id in names else ""
        _say(f"Session {s.id}: {fmt(s.date)}{who} ({s.status.value})")
        _say("agenda:" if s.agenda else "agenda: —")
        for item in s.agenda:
            _say(f"  - {item}")
        _say("questions:" if s.questions else "questions: —")
        for q in s.questions:
            _say(f"  - {q}")
        if s.notes:
            _say(f"notes: {s.notes}")
        for step in tracker.list_steps(status="all", session_id=session_id):
            _say(_step_line(step, tracker.today(), names))


@sessions.command("close")
@click.argument("session_id", type=int)
@click.option("--notes", default="", help="What was discussed.")
@_friendly
def sessions_close(session_id: int, notes: str) -> None:
    """Close a session (warns when fewer than three protégé steps were agreed)."""
    with _open() as tracker:
        _apply(tracker, P.propose_close_session(tracker, session_id, notes=notes))


# ---- drafts ----------------------------------------------------------------------------------
@click.group()
def drafts() -> None:
    """Outreach drafts. Each save adds a version; earlier versions are kept."""


def _decode_draft(data: bytes, where: str) -> str:
    try:
        return decode_text(data)
    except NotTextError as exc:
        if exc.binary:
            raise ProposalError(
                f"{where} looks like a binary file, not text; save the draft as plain text"
            ) from None
        raise ProposalError(
            f"{where} is not UTF-8 text (bad byte at position {exc.position}); re-save it as UTF-8"
        ) from None


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProposalError(f"could not read {path}: {exc.strerror}") from None
    text = _decode_draft(data, str(path))
    if len(text) > MAX_DRAFT_CHARS:
        raise ProposalError(
            f"{path} has {len(text):,} characters; an outreach draft is kept under {MAX_DRAFT_CHARS:,}"
        )
    return text


@drafts.command("save")
@click.argument("name")
@click.option("--file", "file_path", type=click.Path(path_type=Path, dir_okay=False), help="Read the draft.")
@click.option("--text", help="The draft text (otherwise --file or standard input).")
@click.option("--subject", default="")
@click.option("--partner", help="Partner id or name.")
@_friendly
def drafts_save(
    name: str, file_path: Path | None, text: str | None, subject: str, partner: str | None
) -> None:
    """Save a new version of draft NAME."""
    if file_path is not None:
        body = _read_text(file_path)
    elif text is not None:
        body = text
    else:
        if sys.stdin.isatty():
            raise click.UsageError("give the draft with --text, --file, or on standard input")
        body = _decode_draft(sys.stdin.buffer.read(MAX_DRAFT_CHARS * 4 + 1), "standard input")
        if len(body) > MAX_DRAFT_CHARS:
            raise ProposalError(f"the draft is longer than {MAX_DRAFT_CHARS:,} characters")
    with _open() as tracker:
        proposal = P.propose_save_draft(
            tracker, name=name, body=body, subject=subject, partner_id=_partner_id(tracker, partner)
        )
        message = tracker.apply(proposal, actor="user")
        _say(message)


@drafts.command("list")
@click.option("--json", "as_json", is_flag=True)
@_friendly
def drafts_list(as_json: bool) -> None:
    """Each draft with its latest version."""
    with _open() as tracker:
        found = tracker.list_drafts()
        if as_json:
            _print_json([d.model_dump(mode="json") for d in found])
            return
        if not found:
            _say("No drafts yet: coach drafts save NAME --file draft.txt")
        for d in found:
            _say(f"{d.name:<24} v{d.version}  {d.created_at:%Y-%m-%d}  {one_line(d.subject or d.body, 50)}")


@drafts.command("show")
@click.argument("name")
@click.option("--version", type=int, help="Default: the latest.")
@_friendly
def drafts_show(name: str, version: int | None) -> None:
    """Print a draft (the latest version unless --version)."""
    with _open() as tracker:
        key = P.draft_key(name)
        draft = tracker.get_draft(key, version)
        count = len(tracker.draft_versions(key))
        saved = f"{draft.created_at:%Y-%m-%d %H:%M} UTC"
        _say(f"# {draft.name} — version {draft.version} of {count}, saved {saved}")
        if draft.subject:
            _say(f"Subject: {draft.subject}")
        _say()
        _say(draft.body)


# ---- export, undo, history -------------------------------------------------------------------
def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@click.command()
@click.option("--format", "fmt_name", type=click.Choice(["md", "ics", "csv", "json"]), default="md")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE, not stdout.")
@_friendly
def export(fmt_name: str, out: Path | None) -> None:
    """Export the tracker: md (readable), ics (open steps for your calendar), csv (steps), json (all)."""
    from coach.tracker.export import export as render

    with _open() as tracker:
        text = render(tracker, fmt_name)
    if out is None:
        safe = {"md": clean, "json": _terminal_safe_json}.get(fmt_name, lambda t: t)  # ics, csv: cleaned
        click.echo(safe(text), nl=False)
        return
    try:
        _write_atomically(out, text)
    except OSError as exc:
        raise click.ClickException(f"could not write {out}: {exc.strerror}") from None
    click.echo(f"Wrote {out}", err=True)


@click.command()
@_friendly
def undo() -> None:
    """Undo the last change to the tracker (run again to go further back)."""
    with _open() as tracker:
        _say(tracker.undo(actor="user"))


@click.command()
@click.option("--limit", default=20, show_default=True, help="How many changes to show (0 = all).")
@click.option("--verbose", "-v", is_flag=True, help="Show each changed field, before and after.")
@click.option("--json", "as_json", is_flag=True)
@_friendly
def history(limit: int, verbose: bool, as_json: bool) -> None:
    """Every change to the tracker: who (you or the coach), when, and what."""
    with _open() as tracker:
        found = tracker.history(limit=limit or None)
    if as_json:
        _print_json(
            [
                {
                    "id": cs.id,
                    "at": cs.at.isoformat(),
                    "actor": cs.actor,
                    "kind": cs.kind,
                    "summary": cs.summary,
                    "undo_of": cs.undo_of,
                    "undone_by": cs.undone_by,
                    "changes": [
                        {"entity": c.entity, "id": c.entity_id, "before": c.before, "after": c.after}
                        for c in cs.changes
                    ],
                }
                for cs in found
            ]
        )
        return
    if not found:
        _say("No changes yet.")
    for cs in found:
        undone = f" (undone by #{cs.undone_by})" if cs.undone_by else ""
        local = cs.at.astimezone()  # stored in UTC, shown in the user's time zone
        _say(f"#{cs.id:<4} {local:%Y-%m-%d %H:%M} {cs.actor:<5} {one_line(cs.summary, 80)}{undone}")
        if verbose:
            for change in cs.changes:
                _say(f"      {change.action} {change.entity.rstrip('s')} {change.entity_id}")
                for line in _field_changes(change.before or {}, change.after or {}):
                    _say(f"        {line}")


def _field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Changed fields of one row, timestamps left out."""
    lines = []
    for name in after.keys() | before.keys():
        if name in ("id", "created_at", "updated_at") or before.get(name) == after.get(name):
            continue
        old, new = before.get(name), after.get(name)
        if not before or not after:  # created or deleted: show the values that exist
            value = new if after else old
            if value not in (None, "", "[]"):
                lines.append(f"{name}: {one_line(str(value), 70)}")
        else:
            lines.append(f"{name}: {one_line(str(old), 35)} -> {one_line(str(new), 35)}")
    return sorted(lines)
