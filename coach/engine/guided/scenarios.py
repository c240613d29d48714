"""The rehearsal library: feedback scenarios and protégé personas (knowledge/scenarios/*.toml)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from coach.resources import knowledge_dir


class ScenarioError(ValueError):
    pass


class FeedbackScenario(BaseModel):
    id: str
    title: str
    situation: str
    mentor: str
    feedback: list[str] = Field(min_length=1)
    strong_reply: list[str] = Field(min_length=1)
    better_reply: str
    # how the mentor answers the user's reply, in character (empty: no in-character answer)
    example: str = ""
    when_defensive: str = ""
    closing: str = ""


class Persona(BaseModel):
    id: str
    name: str
    role: str
    opening: str
    opens_up: list[str] = Field(min_length=1)
    confidential_at: int | None = None  # index (1-based) of the opens_up line shared in confidence
    when_told: list[str] = Field(min_length=1)
    when_past: str
    when_plan: str
    when_confidential: str
    asks_for_plan: str
    strong_mentor_moves: list[str] = Field(min_length=1)


def _load(name: str, key: str, model: type[BaseModel], directory: Path | None) -> tuple:
    path = (directory or knowledge_dir()) / "scenarios" / f"{name}.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        items = tuple(model(**entry) for entry in raw.get(key, []))
    except FileNotFoundError as exc:
        raise ScenarioError(f"scenario file missing: {path}") from exc
    except (tomllib.TOMLDecodeError, ValidationError, TypeError) as exc:
        raise ScenarioError(f"{path}: {exc}") from exc
    if not items:
        raise ScenarioError(f"{path}: no [[{key}]] entries")
    ids = [item.id for item in items]  # type: ignore[attr-defined]
    if len(set(ids)) != len(ids):
        raise ScenarioError(f"{path}: duplicate ids")
    return items


@cache
def feedback_scenarios(directory: Path | None = None) -> tuple[FeedbackScenario, ...]:
    return _load("feedback", "scenario", FeedbackScenario, directory)


@cache
def protege_personas(directory: Path | None = None) -> tuple[Persona, ...]:
    return _load("protege_personas", "persona", Persona, directory)
