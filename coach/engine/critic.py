"""The critic: judge advice (or a user's draft / rehearsal reply) and decide whether to ask for a revision.

Works on the judge contract (coach.judge): Judgement(verdict, score, principles[PrincipleResult]).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coach.skills import Skill

# Skills where the coach's own text is role-play (a mentor giving feedback, a protégé talking): the judge
# scores the *user's* replies there, not the coach's lines.
ROLE_PLAY_SKILLS = frozenset({Skill.FEEDBACK, Skill.MENTOR_PRACTICE})


@dataclass(frozen=True)
class CriticVerdict:
    judgement: Any
    checked: int  # principles the text was checked against (for the skill)
    blocking: list[Any]  # violated principles of high severity

    @property
    def needs_revision(self) -> bool:
        return bool(self.blocking)


def is_high(severity: Any) -> bool:
    if isinstance(severity, (int, float)):
        return severity >= 3
    return str(severity).strip().lower() in {"high", "critical", "severe"}


def violated(judgement: Any) -> list[Any]:
    return [p for p in getattr(judgement, "principles", []) or [] if getattr(p, "status", "") == "violated"]


def assess(judgement: Any) -> CriticVerdict:
    principles = getattr(judgement, "principles", []) or []
    blocking = [p for p in violated(judgement) if is_high(getattr(p, "severity", ""))]
    return CriticVerdict(judgement=judgement, checked=len(principles), blocking=blocking)


def describe_problems(principles: list[Any]) -> str:
    """Bullet list of violated principles for the revision prompt and the critique summary."""
    lines = []
    for p in principles:
        title = getattr(p, "title", getattr(p, "principle_id", "principle"))
        line = f"- {title}: {getattr(p, 'reason', '')}".rstrip(": ")
        evidence = getattr(p, "evidence", "")
        if evidence:
            line += f'\n  The text said: "{evidence}"'
        better = getattr(p, "better", "")
        if better:
            line += f"\n  Better: {better}"
        lines.append(line)
    return "\n".join(lines)


def summary_line(judgement: Any) -> str:
    problems = violated(judgement)
    score = round(float(getattr(judgement, "score", 0.0)) * 100)
    if not problems:
        return f"Score {score}/100: no guidance principle contradicted."
    titles = ", ".join(str(getattr(p, "title", getattr(p, "principle_id", "?"))) for p in problems)
    return f"Score {score}/100; goes against: {titles}."


def checked_note(checked: int, revised_for: list[str]) -> str:
    """The line appended to a reply so the user sees what the critic did."""
    plural = "principle" if checked == 1 else "principles"
    note = f"Checked against {checked} guidance {plural}"
    if revised_for:
        return f"{note}; revised once for: {', '.join(revised_for)}."
    return f"{note}; no contradiction found."
