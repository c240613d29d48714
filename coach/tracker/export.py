"""Export the tracker as Markdown, iCalendar, CSV or JSON.

ICS: one all-day event per open next step on its due date, which every calendar app imports
(VTODO is ignored by several popular ones). UIDs are stable, so re-importing updates events
instead of duplicating them. Written to RFC 5545 directly for speed; tests parse it with icalendar.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

from coach.tracker.dates import fmt
from coach.tracker.models import Owner, Partner, StepStatus
from coach.tracker.store import Tracker
from coach.tracker.text import clean

FORMATS = ("md", "ics", "csv", "json")
UID_DOMAIN = "mentoring-coach.local"
STEP_COLUMNS = (
    "id", "owner", "what", "due", "done_when", "status", "partner", "goal_id", "session_id", "note",
    "completed_at", "created_at",
)  # fmt: skip


def export(tracker: Tracker, fmt_name: str, *, today: dt.date | None = None) -> str:
    exporters: dict[str, Callable[..., str]] = {
        "md": to_markdown,
        "ics": to_ics,
        "csv": to_csv,
        "json": to_json,
    }
    if fmt_name not in exporters:
        raise ValueError(f"unknown export format {fmt_name!r}; choose one of {', '.join(FORMATS)}")
    return exporters[fmt_name](tracker, today=today or tracker.today())


def _partner_names(tracker: Tracker) -> dict[int | None, str]:
    return {p.id: p.name for p in tracker.list_partners()}


def _ics_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11) after removing control characters."""
    value = clean(value)
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
        .replace("\t", " ")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (RFC 5545 3.1)."""
    if len(line) <= 75 and line.isascii():
        return line
    parts, current, size = [], [], 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > 75:
            parts.append("".join(current))
            current, size = [" "], 1
        current.append(ch)
        size += width
    parts.append("".join(current))
    return "\r\n".join(parts)


def to_ics(tracker: Tracker, *, today: dt.date | None = None) -> str:
    """Open steps as all-day events. Written directly (RFC 5545) rather than through the icalendar
    package, which takes ~0.2 ms per event; the tests parse every export back with icalendar."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    names = _partner_names(tracker)
    one_day = dt.timedelta(days=1)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//mentoring-coach//tracker//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Mentoring next steps",
    ]
    for step in tracker.list_steps(status="open"):
        prefix = "Mentor's step: " if step.owner is Owner.MENTOR else "Next step: "
        description = [f"Done when: {step.done_when}"]
        if step.partner_id in names:
            description.append(f"With: {names[step.partner_id]}")
        description.append(f"Mark it done: coach steps done {step.id}")
        lines += [
            "BEGIN:VEVENT",
            f"UID:step-{step.id}@{UID_DOMAIN}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{step.due:%Y%m%d}",
            f"DTEND;VALUE=DATE:{step.due + one_day:%Y%m%d}",
            _fold(f"SUMMARY:{_ics_text(prefix + step.what)}"),
            _fold(f"DESCRIPTION:{_ics_text(chr(10).join(description))}"),
            "TRANSP:TRANSPARENT",  # a reminder, not a busy block
            "CATEGORIES:Mentoring",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def _steps_rows(tracker: Tracker) -> list[dict[str, Any]]:
    names = _partner_names(tracker)
    rows = []
    for step in tracker.list_steps(status="all"):
        rows.append(
            {
                "id": step.id,
                "owner": step.owner.value,
                "what": step.what,
                "due": step.due.isoformat(),
                "done_when": step.done_when,
                "status": step.status.value,
                "partner": names.get(step.partner_id, ""),
                "goal_id": step.goal_id or "",
                "session_id": step.session_id or "",
                "note": step.note,
                "completed_at": step.completed_at.isoformat() if step.completed_at else "",
                "created_at": step.created_at.isoformat(),
            }
        )
    return rows


def _spreadsheet_safe(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    value = clean(value)  # no terminal escape sequences when the CSV is printed
    # A cell starting with = + - @ is run as a formula by spreadsheet apps (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def to_csv(tracker: Tracker, *, today: dt.date | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=STEP_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in _steps_rows(tracker):
        writer.writerow({k: _spreadsheet_safe(v) for k, v in row.items()})
    return out.getvalue()


def to_json(tracker: Tracker, *, today: dt.date | None = None) -> str:
    def dump(items: list[Any]) -> list[dict[str, Any]]:
        return [item.model_dump(mode="json") for item in items]

    drafts = [v for d in tracker.list_drafts() for v in tracker.draft_versions(d.name)]
    data = {
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "goals": dump(tracker.list_goals()),
        "partners": dump(tracker.list_partners()),
        "agreements": dump(tracker.list_agreements()),
        "sessions": dump(tracker.list_sessions()),
        "steps": dump(tracker.list_steps(status="all")),
        "drafts": dump(drafts),
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _md(text: str) -> str:
    return " ".join(clean(text).split())


def to_markdown(tracker: Tracker, *, today: dt.date | None = None) -> str:
    today = today or tracker.today()
    names = _partner_names(tracker)
    out = [f"# Mentoring tracker — {fmt(today)}", ""]

    goals = tracker.list_goals()
    out += ["## Goals", ""]
    for g in goals:
        out.append(f"- **{_md(g.title)}** ({g.status.value}) — why: {_md(g.why) or '—'}")
        if g.gaps:
            out.append(f"  - gaps: {'; '.join(_md(x) for x in g.gaps)}")
        if g.mentor_kinds:
            out.append(f"  - mentors who could help: {', '.join(k.value for k in g.mentor_kinds)}")
    out += [] if goals else ["_none yet_"]
    out.append("")

    partners: list[Partner] = tracker.list_partners()
    out += ["## Partners", ""]
    for p in partners:
        out.append(f"- **{_md(p.name)}** — {p.role.value}, {p.stage.value.replace('_', ' ')}")
        if p.why_them:
            out.append(f"  - why them: {_md(p.why_them)}")
    out += [] if partners else ["_none yet_"]
    out.append("")

    agreements = tracker.list_agreements()
    if agreements:
        out += ["## Agreements", ""]
        for a in agreements:
            meetings = ", ".join(fmt(d) for d in a.next_meetings) or "—"
            out.append(f"- with **{_md(names.get(a.partner_id, '?'))}**: {_md(a.cadence)}; next: {meetings}")
            for label, value in (
                ("between meetings", a.between_meetings),
                ("confidentiality", a.confidentiality),
                ("expectations", a.expectations),
            ):
                if value:
                    out.append(f"  - {label}: {_md(value)}")
        out.append("")

    sessions = tracker.list_sessions()
    if sessions:
        out += ["## Sessions", ""]
        for s in sessions:
            who = f" with {_md(names[s.partner_id])}" if s.partner_id in names else ""
            out.append(f"- {fmt(s.date)}{who} ({s.status.value})")
            out += [f"  - agenda: {_md(item)}" for item in s.agenda]
            out += [f"  - ask: {_md(q)}" for q in s.questions]
        out.append("")

    steps = tracker.list_steps(status="all")
    for title, status in (
        ("Open next steps", StepStatus.OPEN),
        ("Done", StepStatus.DONE),
        ("Dropped", StepStatus.DROPPED),
    ):
        chosen = [s for s in steps if s.status is status]
        out += [f"## {title}", ""]
        for s in chosen:
            box = {StepStatus.OPEN: " ", StepStatus.DONE: "x", StepStatus.DROPPED: "-"}[status]
            late = " **overdue**" if s.is_overdue(today) else ""
            owner = " (mentor)" if s.owner is Owner.MENTOR else ""
            out.append(
                f"- [{box}] {_md(s.what)}{owner} — due {fmt(s.due)}{late}; done when: {_md(s.done_when)}"
            )
        out += [] if chosen else ["_none_"]
        out.append("")

    drafts = tracker.list_drafts()
    if drafts:
        out += ["## Outreach drafts", ""]
        for d in drafts:
            subject = f" — {_md(d.subject)}" if d.subject else ""
            out.append(f"- {d.name}: {d.version} version{'s' if d.version != 1 else ''}{subject}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
