"""The prompt: multi-line input with history. Enter sends; Ctrl+J inserts a newline (works in tmux)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

MAX_HISTORY = 200


class PromptArea(TextArea):
    """TextArea that sends on Enter and recalls earlier prompts with Up/Down at its edges."""

    # Not priority bindings: those run when the app receives the key, possibly before earlier
    # characters (typed or sent in one burst by tmux) reach this widget, so Enter could send half a line.
    BINDINGS = [
        Binding("enter", "submit", "Send"),
        Binding("ctrl+j", "newline", "Newline"),
        Binding("up", "history_previous", "History", show=False),
        Binding("down", "history_next", "History", show=False),
    ]

    @dataclass
    class Submitted(Message):
        prompt: PromptArea
        text: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            "",
            id=id,
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            compact=True,
            placeholder="Message the coach (Enter to send, Ctrl+J for a new line)",
        )
        self.sent_history: list[str] = []
        self._history_index: int | None = None  # None = editing a new prompt
        self._draft = ""  # what was typed before browsing history

    async def _on_key(self, event: events.Key) -> None:
        # TextArea inserts a newline for Enter itself; take Enter and Ctrl+J here, in arrival order.
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.action_submit()
            return
        if event.key == "ctrl+j":
            event.stop()
            event.prevent_default()
            self.action_newline()
            return
        await super()._on_key(event)

    def action_submit(self) -> None:
        text = self.text
        if not text.strip():
            return
        self.remember(text)
        self.post_message(self.Submitted(self, text))
        self.clear()

    def action_newline(self) -> None:
        start, end = self.selection
        self._replace_via_keyboard("\n", start, end)

    def remember(self, text: str) -> None:
        if not self.sent_history or self.sent_history[-1] != text:
            self.sent_history.append(text)
            del self.sent_history[:-MAX_HISTORY]
        self._history_index = None
        self._draft = ""

    def restore(self, text: str) -> None:
        """Put text back into the prompt (after a cancelled reply), cursor at the end."""
        self.load_text(text)
        self.move_cursor(self.document.end)
        self.focus()

    def action_history_previous(self) -> None:
        if self.cursor_location[0] > 0 or not self.sent_history:
            self.action_cursor_up()
            return
        if self._history_index is None:
            self._draft = self.text
            self._history_index = len(self.sent_history) - 1
        elif self._history_index > 0:
            self._history_index -= 1
        else:
            return
        self._show(self.sent_history[self._history_index])

    def action_history_next(self) -> None:
        last_row = self.document.line_count - 1
        if self.cursor_location[0] < last_row or self._history_index is None:
            self.action_cursor_down()
            return
        if self._history_index < len(self.sent_history) - 1:
            self._history_index += 1
            self._show(self.sent_history[self._history_index])
        else:
            self._history_index = None
            self._show(self._draft)

    def _show(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)
