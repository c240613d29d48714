"""Dialogs for tracker changes made from the panel: confirm a diff, edit a step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.safety import one_line
from tui.widgets.chat import diff_content


class ConfirmChange(ModalScreen[bool]):
    """Show a proposal's diff; True only when the user accepts."""

    BINDINGS = [
        Binding("a", "dismiss(True)", "Accept"),
        Binding("r,escape", "dismiss(False)", "Reject"),
    ]

    def __init__(self, summary: str, diff: str) -> None:
        super().__init__()
        self.summary = summary
        self.diff = diff

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content.styled(one_line(self.summary), "bold"), classes="dialog-title")
            yield Static(diff_content(self.diff), classes="proposal-diff")
            with Horizontal(classes="proposal-buttons"):
                yield Button("Accept (a)", variant="success", id="accept", compact=True)
                yield Button("Reject (r)", variant="error", id="reject", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "accept")


StepFields = dict[str, str]
Validator = Callable[[StepFields], "Any"]


class EditStep(ModalScreen["Any | None"]):
    """Edit a next step's what / due / done-when. `build` turns the fields into a proposal or raises
    an error whose message is shown inline; the dialog stays open so nothing typed is lost."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, fields: StepFields, build: Validator) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.build = build

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content.styled(one_line(self.title_text), "bold"), classes="dialog-title")
            yield Label("What")
            yield Input(self.fields.get("what", ""), id="what", compact=True, max_length=500)
            yield Label("Due (a date or e.g. 'next Friday', 'in two weeks')")
            yield Input(self.fields.get("due", ""), id="due", compact=True, max_length=100)
            yield Label("Done when (a measurable result)")
            yield Input(self.fields.get("done_when", ""), id="done_when", compact=True, max_length=500)
            yield Static("", id="edit-error", classes="error-text")
            with Horizontal(classes="proposal-buttons"):
                yield Button("Save (Enter)", variant="primary", id="save", compact=True)
                yield Button("Cancel (Esc)", id="cancel", compact=True)

    def values(self) -> StepFields:
        return {name: self.query_one(f"#{name}", Input).value for name in ("what", "due", "done_when")}

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.save()
        else:
            self.dismiss(None)

    def save(self) -> None:
        try:
            result = self.build(self.values())
        except Exception as exc:  # noqa: BLE001 - validation errors are shown to the user as they are
            self.query_one("#edit-error", Static).update(
                Content(one_line(str(exc) or type(exc).__name__, 300))
            )
            return
        self.dismiss(result)
