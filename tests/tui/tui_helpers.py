"""Pilot helpers: wait for a condition instead of sleeping."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from textual.pilot import Pilot


async def wait_until(pilot: Pilot, predicate: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the app run until `predicate()` is truthy; fail with a clear message after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"condition not met within {timeout}s: {getattr(predicate, '__name__', predicate)}"
            )
        await pilot.pause()
        await asyncio.sleep(0.01)


async def type_text(pilot: Pilot, text: str) -> None:
    """Type into the focused widget; newlines become Ctrl+J (the prompt's newline key)."""
    for index, line in enumerate(text.split("\n")):
        if index:
            await pilot.press("ctrl+j")
        if line:
            await pilot.press(*[_key(ch) for ch in line])


_NAMED = {
    " ": "space",
    "[": "left_square_bracket",
    "]": "right_square_bracket",
    "/": "slash",
    ".": "full_stop",
    ",": "comma",
    ":": "colon",
    "?": "question_mark",
    "!": "exclamation_mark",
    "-": "minus",
    "'": "apostrophe",
}


def _key(ch: str) -> str:
    return _NAMED.get(ch, ch)


async def review_and_press(pilot: Pilot, key: str) -> None:
    """Ctrl+R focuses the next proposal; wait for the focus before pressing its key (keys race focus)."""
    from tui.widgets.chat import ProposalCard

    await pilot.press("ctrl+r")
    await wait_until(pilot, lambda: isinstance(pilot.app.focused, ProposalCard))
    await pilot.press(key)
