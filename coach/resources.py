"""Locate the data that ships with coach: prompts/, knowledge/ and evals/.

They are top-level packages so that both an editable and a plain `pip install .` find them.
"""

from __future__ import annotations

import importlib.resources
from functools import cache
from pathlib import Path


@cache
def package_dir(name: str) -> Path:
    """Directory of a shipped data package ("prompts", "knowledge", "evals")."""
    # They install next to coach/ (editable or not). Look there first: a same-named folder without
    # __init__.py earlier on sys.path (tests/knowledge under pytest) would shadow them as a namespace package.
    sibling = Path(__file__).resolve().parent.parent / name
    if (sibling / "__init__.py").is_file():
        return sibling
    return Path(str(importlib.resources.files(name)))


def knowledge_dir() -> Path:
    return package_dir("knowledge")


def prompts_dir() -> Path:
    return package_dir("prompts")


def evals_dir() -> Path:
    return package_dir("evals")


@cache
def prompt(name: str) -> str:
    """Text of prompts/<name>.md (name without extension)."""
    path = prompts_dir() / f"{name}.md"
    if not path.is_file():
        raise FileNotFoundError(f"prompt file missing: {path}")
    return path.read_text(encoding="utf-8")
