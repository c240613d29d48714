"""Safe text for terminals: the shared definitions, with the tracker's default width."""

from __future__ import annotations

from coach import safe_text
from coach.safe_text import strip_terminal_controls as clean

__all__ = ["clean", "one_line"]


def one_line(text: str, limit: int = 80) -> str:
    return safe_text.one_line(text, limit)
