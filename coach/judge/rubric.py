"""Load and validate knowledge/rubric.toml: the guidance principles the judges score against."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from coach.resources import knowledge_dir
from coach.skills import AUDIENCES, Skill

SEVERITY_WEIGHT: dict[str, float] = {"high": 1.0, "medium": 0.7, "low": 0.4}
_VOCAB_REF = re.compile(r"<(\w+)>")


class RubricError(ValueError):
    """The rubric file is missing or malformed; the message names the entry and the fix."""


class Principle(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    title: str
    statement: str
    skills: list[Skill] = Field(min_length=1)
    audience: str
    severity: Literal["high", "medium", "low"]
    cards: list[str] = Field(default_factory=list)
    honoured: str
    violated: str
    better: str
    examples_honoured: list[str] = Field(min_length=2)
    examples_violated: list[str] = Field(min_length=2)
    good: list[str] = Field(default_factory=list)  # regex: the recommended behaviour, stated affirmatively
    bad: list[str] = Field(default_factory=list)  # regex: the warned-against behaviour, stated affirmatively
    deferrable: bool = False  # the warned-against step is fine when explicitly put off until later
    deferral_violates: bool = False  # putting the recommended step off until later is the violation
    questions_are_neutral: bool = False  # a warned-against behaviour inside a question recommends nothing
    detector: Literal["question_led"] | None = None  # a structural check the rule judge adds

    @field_validator("audience")
    @classmethod
    def _known_audience(cls, value: str) -> str:
        if value not in AUDIENCES:
            raise ValueError(f"audience must be one of {AUDIENCES}, not {value!r}")
        return value

    @property
    def weight(self) -> float:
        return SEVERITY_WEIGHT[self.severity]


class Language(BaseModel):
    negators: list[str]
    post_negators: list[str] = Field(default_factory=list)
    not_negations: list[str] = Field(default_factory=list)
    negation_window: int = 8
    near_negators: list[str] = Field(default_factory=list)
    deferrals: list[str] = Field(default_factory=list)
    postponements: list[str] = Field(default_factory=list)
    discourse_markers: list[str] = Field(default_factory=list)
    constructive_cues: list[str] = Field(default_factory=list)
    shorthand: dict[str, str] = Field(default_factory=dict)
    antecedents: list[str] = Field(default_factory=list)  # things an object "it" may stand for
    dismissive_cues: list[str] = Field(default_factory=list)
    endorsements: list[str] = Field(default_factory=list)


class Rubric(BaseModel):
    version: int = 1
    vocab: dict[str, str] = Field(default_factory=dict)
    language: Language
    principles: list[Principle]
    path: Path | None = None

    def by_id(self, principle_id: str) -> Principle:
        for principle in self.principles:
            if principle.id == principle_id:
                return principle
        raise KeyError(f"no principle {principle_id!r} in the rubric")

    def for_skill(self, skill: Skill | str | None) -> list[Principle]:
        if skill is None:
            return list(self.principles)
        return [p for p in self.principles if Skill(skill) in p.skills]

    def expand(self, pattern: str) -> str:
        """Replace <name> with the [vocab] fragment of that name (fragments may nest)."""
        for _ in range(4):
            expanded = _VOCAB_REF.sub(self._fragment, pattern)
            if expanded == pattern:
                return expanded
            pattern = expanded
        return pattern

    def _fragment(self, match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in self.vocab:
            raise RubricError(f"pattern refers to <{name}>, which is not defined in [vocab]")
        return f"(?:{self.vocab[name]})"


def parse_rubric(text: str, *, path: Path | None = None) -> Rubric:
    where = str(path) if path else "rubric"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"{where}: not valid TOML ({exc})") from exc
    entries = data.pop("principle", [])
    if not entries:
        raise RubricError(f"{where}: no [[principle]] entries")
    principles = []
    for index, entry in enumerate(entries, start=1):
        try:
            principles.append(Principle(**entry))
        except ValidationError as exc:
            name = entry.get("id", f"#{index}")
            raise RubricError(
                f"{where}: principle {name}: {exc.errors()[0]['msg']} "
                f"(field {'.'.join(map(str, exc.errors()[0]['loc']))})"
            ) from exc
    if "language" not in data:
        raise RubricError(f"{where}: the [language] table (negators) is missing")
    rubric = Rubric(
        version=data.get("version", 1),
        vocab=data.get("vocab", {}),
        language=Language(**data["language"]),
        principles=principles,
        path=path,
    )
    seen: set[str] = set()
    for principle in principles:
        if principle.id in seen:
            raise RubricError(f"{where}: principle id {principle.id!r} appears twice")
        seen.add(principle.id)
        for side in ("good", "bad"):
            for pattern in getattr(principle, side):
                try:
                    re.compile(rubric.expand(pattern))
                except re.error as exc:
                    raise RubricError(
                        f"{where}: principle {principle.id}: bad {side} pattern {pattern!r}: {exc}"
                    ) from exc
    return rubric


@cache
def load_rubric(path: Path | None = None) -> Rubric:
    """The rubric (knowledge/rubric.toml by default). Cheap: TOML + pydantic, no model."""
    path = path or knowledge_dir() / "rubric.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise RubricError(f"rubric file missing: {path}") from exc
    except UnicodeDecodeError as exc:
        raise RubricError(f"{path}: not UTF-8 text") from exc
    return parse_rubric(text, path=path)
