"""The one place guided mode builds tracker proposals (coach.tracker.proposals.propose_*).

Proposals are never applied here: the engine registers them and the user accepts. A ProposalError (missing
due date, unmeasurable result, unknown partner...) is returned as a message for the flow to ask back.
"""

from __future__ import annotations

from typing import Any

from coach.engine.guided.flow import Ctx

DATED = frozenset({"add_step", "plan_session", "record_agreement"})  # builders that check dates against today


class Problem(str):
    """The tracker's reason a proposal could not be built (a question to put to the user).

    `unavailable` marks a tracker that cannot be opened at all (e.g. a damaged database): the flow shows
    its result anyway and says why nothing can be saved, instead of asking a question."""

    unavailable: bool = False


def _unavailable(message: str) -> Problem:
    problem = Problem(message)
    problem.unavailable = True
    return problem


def propose(ctx: Ctx, kind: str, **fields: Any) -> Any:
    """Build a proposal with `propose_<kind>(tracker, **fields)`; a ProposalError becomes a Problem."""
    from coach.db import DatabaseError
    from coach.tracker import proposals
    from coach.tracker.errors import ProposalError

    builder = getattr(proposals, f"propose_{kind}")
    if kind in DATED:
        fields.setdefault("today", ctx.today)
    try:
        return builder(ctx.tracker, **fields)
    except ProposalError as exc:
        return Problem(str(exc))
    except DatabaseError as exc:
        return _unavailable(f"your tracker can't be opened, so nothing can be saved right now: {exc}")


def parse_date(ctx: Ctx, text: str) -> Any:
    """A date from what the user typed, or a Problem carrying the tracker's question."""
    from coach.tracker.dates import parse_due
    from coach.tracker.errors import DateQuestion

    try:
        return parse_due(text, today=ctx.today)
    except DateQuestion as exc:
        return Problem(date_question(exc.question, exc.candidates))


def date_question(message: str, candidates: tuple[object, ...] = ()) -> str:
    """The tracker words a DateQuestion for a model ("...: ask the user which date"); ask the person."""
    from coach.tracker.dates import fmt

    head = message.split(": ask", 1)[0].strip()
    head = head[0].upper() + head[1:] if head else "That date needs checking"
    days = [c for c in candidates if hasattr(c, "isoformat")]
    if days:
        options = " or ".join(fmt(d) for d in days)  # type: ignore[arg-type]
        return f"{head}. Did you mean {options}? (Type the date, e.g. {days[0].isoformat()}.)"  # type: ignore[attr-defined]
    return f'{head}. Which date do you mean? (e.g. "next Friday", "in two weeks" or 2026-12-03)'


def relay(problem: str) -> str:
    """A ProposalError message, addressed to the person rather than to a model."""
    text = str(problem).replace("ask the user", "tell me").replace("the user", "you")
    return text[0].upper() + text[1:] if text else text


def fmt_date(day: Any) -> str:
    from coach.tracker.dates import fmt

    return fmt(day)


def find_partner(ctx: Ctx, name: str) -> Any:
    """The tracker's partner with this name (or id), or None."""
    from coach.db import DatabaseError
    from coach.tracker.errors import ProposalError

    try:
        return ctx.tracker.find_partner(name)
    except (ProposalError, LookupError, DatabaseError):
        return None
