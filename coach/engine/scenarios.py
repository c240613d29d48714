"""The rehearsal library (knowledge/scenarios/*.toml) rendered for the LLM coach's system prompt.

The guided coach plays these by fixed rules; the LLM coach gets the same material as role notes, so
both modes rehearse the same situations.
"""

from __future__ import annotations

import tomllib
from functools import cache
from typing import Any

from coach.resources import knowledge_dir
from coach.skills import Skill

_FILES = {Skill.FEEDBACK: ("feedback", "scenario"), Skill.MENTOR_PRACTICE: ("protege_personas", "persona")}


@cache
def _entries(skill: Skill) -> tuple[dict[str, Any], ...]:
    if skill not in _FILES:
        return ()
    name, key = _FILES[skill]
    try:
        data = tomllib.loads((knowledge_dir() / "scenarios" / f"{name}.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return ()  # without the library the coach still rehearses the user's own situation
    return tuple(entry for entry in data.get(key, []) if isinstance(entry, dict))


def titles(skill: Skill) -> list[str]:
    """Numbered menu lines: feedback scenarios by title, protégés by name and role."""
    lines = []
    for number, entry in enumerate(_entries(skill), start=1):
        if skill == Skill.FEEDBACK:
            lines.append(f"{number}. {entry.get('title', entry.get('id', '?'))}")
        else:
            lines.append(f"{number}. {entry.get('name', '?')}, {entry.get('role', '')}".rstrip(", "))
    return lines


def _lines(value: Any) -> str:
    if isinstance(value, list):
        return " / ".join(str(v) for v in value)
    return str(value)


def library_prompt(skill: Skill | None) -> str:
    """The library as role notes for the system prompt ("" for skills without one)."""
    if skill is None or not _entries(skill):
        return ""
    if skill == Skill.FEEDBACK:
        fields = [
            ("Situation (tell the user)", "situation"),
            ("You are the mentor", "mentor"),
            ("Your feedback, in order", "feedback"),
            ("If asked for an example", "example"),
            ("If the reply is defensive", "when_defensive"),
            ("When the reply thanks and commits", "closing"),
            ("A strong reply", "strong_reply"),
            ("Example of a strong reply (show only after scoring)", "better_reply"),
        ]
        heading = "title"
    else:
        fields = [
            ("You are", "name"),
            ("Role", "role"),
            ("First thing you say", "opening"),
            ("What you reveal, one at a time, when asked open questions", "opens_up"),
            ("When lectured or told what to do", "when_told"),
            ("When the mentor dwells on the past", "when_past"),
            ("When offered to build the plan together", "when_plan"),
            ("When confidentiality is promised", "when_confidential"),
            ("When you have said everything", "asks_for_plan"),
        ]
        heading = "name"
    parts = ["## Rehearsal library (the user may pick one by number; otherwise use their own situation)"]
    for number, entry in enumerate(_entries(skill), start=1):
        parts.append(f"### {number}. {entry.get(heading, entry.get('id', '?'))}")
        parts += [f"- {label}: {_lines(entry[key])}" for label, key in fields if entry.get(key)]
    return "\n".join(parts)
