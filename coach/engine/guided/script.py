"""Load the guided coach's scripts (prompts/guided/*.toml) and templates (prompts/guided/*.md).

Every question, message and template the guided coach shows lives in those files, not in code.
Templates use `$name` placeholders (string.Template), which read naturally in Markdown.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from string import Template
from typing import Any

from coach.resources import prompts_dir

GUIDED_DIR = "guided"


class ScriptError(ValueError):
    """A guided script or template is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Step:
    id: str
    ask: str
    hint: str = ""
    optional: bool = True
    cards: tuple[str, ...] = ()  # card ids cited when this question is asked
    cite: str = ""  # else: a retrieval query whose top card is cited
    placeholder: str = ""  # used in composed text when the user skips
    expects_question: bool = False  # the answer is itself a question ("what would you suggest…" is not help)


@dataclass(frozen=True)
class Script:
    name: str
    title: str
    intro: str
    steps: tuple[Step, ...]
    messages: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    cards: dict[str, list[str]] = field(default_factory=dict)  # cards cited at fixed points of the flow
    checks: tuple[dict[str, Any], ...] = ()  # observable yes/no checks ([[check]] tables)
    suggestions: tuple[dict[str, Any], ...] = ()  # ready-made answers offered by number ([[suggestion]])

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise ScriptError(f"prompts/guided/{self.name}.toml has no step {step_id!r}")

    def msg(self, key: str, **values: object) -> str:
        if key not in self.messages:
            raise ScriptError(f"prompts/guided/{self.name}.toml has no message {key!r}")
        return fill(self.messages[key], **values)


def fill(template: str, **values: object) -> str:
    """Fill `$name` placeholders; a missing value is a bug in the caller, so it raises."""
    try:
        return Template(template).substitute({k: str(v) for k, v in values.items()})
    except (KeyError, ValueError) as exc:
        raise ScriptError(f"template placeholder problem: {exc}") from exc


@cache
def load_script(name: str) -> Script:
    path = prompts_dir() / GUIDED_DIR / f"{name}.toml"
    if not path.is_file():
        raise ScriptError(f"guided script missing: {path}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScriptError(f"{path}: not valid TOML ({exc})") from exc
    try:
        steps = tuple(
            Step(**{**entry, "cards": tuple(entry.get("cards", ()))}) for entry in raw.get("step", [])
        )
        return Script(
            name=name,
            title=raw["title"],
            intro=raw.get("intro", "").strip(),
            steps=steps,
            messages={k: v.strip() for k, v in raw.get("messages", {}).items()},
            data=raw.get("data", {}),
            cards={k: list(v) for k, v in raw.get("cards", {}).items()},
            checks=tuple(raw.get("check", [])),
            suggestions=tuple(raw.get("suggestion", [])),
        )
    except (KeyError, TypeError) as exc:
        raise ScriptError(f"{path}: {exc}") from exc


@cache
def load_template(name: str) -> str:
    path = prompts_dir() / GUIDED_DIR / f"{name}.md"
    if not path.is_file():
        raise ScriptError(f"guided template missing: {path}")
    return path.read_text(encoding="utf-8").strip()


def render(name: str, **values: object) -> str:
    return fill(load_template(name), **values)
