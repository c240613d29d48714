"""Conversations ("sessions" in the app): list, resume, rename, delete, export to Markdown, start anew."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.safety import one_line


@dataclass(frozen=True)
class SessionChoice:
    action: str  # resume | new
    conversation_id: str | None = None


def export_path(directory: Path, info: Any) -> Path:
    slug = re.sub(r"[^a-z0-9]+", "-", info.label.lower()).strip("-")[:40] or "conversation"
    return directory / f"{slug}-{info.id[:8]}.md"


class SessionsScreen(ModalScreen["SessionChoice | None"]):
    """Enter resumes; n starts a new conversation; r renames; d deletes (asks first); x exports."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("n", "new", "New"),
        Binding("r", "rename", "Rename"),
        Binding("d", "delete", "Delete"),
        Binding("x", "export", "Export"),
    ]

    def __init__(self, log: Any, current_id: str | None, export_dir: Path) -> None:
        super().__init__()
        self.conversations = log
        self.current_id = current_id
        self.export_dir = export_dir
        self.infos: list[Any] = []
        self._confirm_delete: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="sessions-dialog"):
            yield Static(
                Content.assemble(
                    ("Conversations", "bold"),
                    ("   Enter resume · n new · r rename · d delete · x export", "dim"),
                ),
                classes="dialog-title",
            )
            yield OptionList(id="session-list")
            yield Input(placeholder="New name, then Enter", id="rename-input", max_length=200, compact=True)
            yield Static("", id="sessions-note")
            with Horizontal(classes="proposal-buttons"):
                yield Button("Resume", id="resume", compact=True, variant="primary")
                yield Button("New", id="new", compact=True)
                yield Button("Rename", id="rename", compact=True)
                yield Button("Delete", id="delete", compact=True, variant="error")
                yield Button("Export", id="export", compact=True)

    def on_mount(self) -> None:
        self.query_one("#rename-input").display = False
        self.reload()
        self.query_one(OptionList).focus()

    def reload(self) -> None:
        try:
            self.infos = self.conversations.list()
        except Exception as exc:  # noqa: BLE001 - e.g. a damaged log: say so, keep the app running
            self.note(str(exc), error=True)
            self.infos = []
        options = self.query_one(OptionList)
        options.clear_options()
        for info in self.infos:
            current = "  (current)" if info.id == self.current_id else ""
            skill = f" · {info.skill}" if info.skill else ""
            options.add_option(
                Option(
                    Content.assemble(
                        (one_line(info.label, 60), "bold"),
                        (current, "italic"),
                        (f"\n  {info.updated_at[:16].replace('T', ' ')} · {info.mode}{skill}", "dim"),
                        (f" · {info.messages} messages", "dim"),
                    ),
                    id=info.id,
                )
            )
        if not self.infos:
            options.add_option(
                Option(Content.styled("no conversations yet", "dim"), id="none", disabled=True)
            )
        else:
            options.highlighted = 0

    def selected(self) -> Any | None:
        index = self.query_one(OptionList).highlighted
        return self.infos[index] if index is not None and index < len(self.infos) else None

    def note(self, text: str, *, error: bool = False) -> None:
        self.query_one("#sessions-note", Static).update(
            Content.styled(one_line(text, 300), "red" if error else "green")
        )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_resume()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        getattr(self, f"action_{event.button.id}")()

    def action_resume(self) -> None:
        info = self.selected()
        if info is not None:
            self.dismiss(SessionChoice("resume", info.id))

    def action_new(self) -> None:
        self.dismiss(SessionChoice("new"))

    def action_rename(self) -> None:
        info = self.selected()
        if info is None:
            return
        box = self.query_one("#rename-input", Input)
        box.value = info.title
        box.display = True
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        info = self.selected()
        if info is None:
            return
        try:
            renamed = self.conversations.rename(info.id, event.value)
        except Exception as exc:  # noqa: BLE001 - e.g. an empty name: the box stays open with the text
            self.note(str(exc), error=True)
            return
        event.input.display = False
        self.reload()
        self.query_one(OptionList).focus()
        self.note(f"Renamed to {renamed.label}")

    def action_delete(self) -> None:
        info = self.selected()
        if info is None:
            return
        if self._confirm_delete != info.id:
            self._confirm_delete = info.id
            self.note(f"Press d again to delete '{info.label}' for good.", error=True)
            return
        self._confirm_delete = None
        try:
            self.conversations.delete(info.id)
        except Exception as exc:  # noqa: BLE001
            self.note(str(exc), error=True)
            return
        self.reload()
        self.note(f"Deleted '{info.label}'.")

    def action_export(self) -> None:
        info = self.selected()
        if info is None:
            return
        try:
            text = self.conversations.export_markdown(info.id)
            self.export_dir.mkdir(parents=True, exist_ok=True)
            path = export_path(self.export_dir, info)
            path.write_text(text, encoding="utf-8")
        except Exception as exc:  # noqa: BLE001
            self.note(str(exc), error=True)
            return
        self.note(f"Exported to {path}")
