"""Safe text for terminals and one-line summaries."""

from __future__ import annotations

from coach.safe_text import strip_terminal_controls as clean


def one_line(text: str, limit: int = 80) -> str:
    """Collapse whitespace and cut to `limit` characters with an ellipsis."""
    flat = " ".join(clean(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
